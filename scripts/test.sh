#!/usr/bin/env bash
# Runs every orgscope test on a fresh machine: installs what the tests drive (tmux, fish, zsh, Xvfb,
# xclip, Graphviz, curl and Node.js from Debian's packages; moto from PyPI; @cloud-copilot/iam-simulate,
# the policy evaluator's independent oracle, from npm into target/oracle), then
# formatting, lints and the whole test suite. Under CI=true a missing tool fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing_apt=()
command -v tmux >/dev/null 2>&1 || missing_apt+=(tmux)
command -v fish >/dev/null 2>&1 || missing_apt+=(fish)
command -v zsh >/dev/null 2>&1 || missing_apt+=(zsh)
command -v Xvfb >/dev/null 2>&1 || missing_apt+=(xvfb)
command -v xclip >/dev/null 2>&1 || missing_apt+=(xclip)
command -v dot >/dev/null 2>&1 || missing_apt+=(graphviz)
command -v curl >/dev/null 2>&1 || missing_apt+=(curl)
command -v node >/dev/null 2>&1 || missing_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || missing_apt+=(npm)
if [ ${#missing_apt[@]} -gt 0 ]; then
  echo "installing ${missing_apt[*]} from Debian's packages"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_apt[@]}"
fi

if ! python3 -c 'import moto.server, flask' >/dev/null 2>&1; then
  echo "installing moto[server] from PyPI"
  python3 -m pip install --quiet 'moto[server]'
fi

oracle=target/oracle
if [ ! -d "$oracle/node_modules/@cloud-copilot/iam-simulate" ]; then
  echo "installing @cloud-copilot/iam-simulate from npm (a test oracle; never shipped)"
  mkdir -p "$oracle"
  npm install --prefix "$oracle" --no-audit --no-fund --silent @cloud-copilot/iam-simulate@0.1.173
fi

cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --all-targets --locked
