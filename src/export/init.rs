//! `orgscope init SHELL`: the shell function that makes one-key switch-role change the current
//! shell. With no subcommand, the function runs the TUI (which draws on stderr), captures the
//! exports it prints on stdout when the user presses Enter on an account, and evaluates them.
//! With a subcommand it runs orgscope unchanged.

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InitShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

/// Words that make a command line a subcommand rather than the TUI.
const PASS_THROUGH: &str =
    "tree probe assume assignments snapshot template profiles init completions help --help -h --version -V";

pub fn script(shell: InitShell) -> String {
    let words = PASS_THROUGH;
    match shell {
        InitShell::Bash | InitShell::Zsh => {
            let name = if shell == InitShell::Bash { "bash" } else { "zsh" };
            format!(
                r#"# orgscope shell integration for {name}: add `eval "$(orgscope init {name})"` to your rc file.
orgscope() {{
  local __orgscope_arg __orgscope_out
  for __orgscope_arg in "$@"; do
    case " {words} " in
      *" $__orgscope_arg "*) command orgscope "$@"; return $? ;;
    esac
  done
  __orgscope_out="$(ORGSCOPE_SHELL={name} command orgscope "$@")" || return $?
  [ -n "$__orgscope_out" ] && eval "$__orgscope_out"
}}
"#
            )
        }
        InitShell::Fish => format!(
            r#"# orgscope shell integration for fish: add `orgscope init fish | source` to config.fish.
function orgscope
    for arg in $argv
        if contains -- $arg {words}
            command orgscope $argv
            return $status
        end
    end
    set -l out (env ORGSCOPE_SHELL=fish orgscope $argv | string collect)
    or return $status
    test -n "$out"; and eval $out
end
"#
        ),
        InitShell::Powershell => {
            let list = words.split(' ').map(|w| format!("'{w}'")).collect::<Vec<_>>().join(",");
            format!(
                r#"# orgscope shell integration for PowerShell: add `orgscope init powershell | Out-String | Invoke-Expression` to $PROFILE.
function orgscope {{
  $exe = (Get-Command orgscope -CommandType Application | Select-Object -First 1).Source
  $pass = @({list})
  if ($args | Where-Object {{ $pass -contains $_ }}) {{ & $exe @args; return }}
  $env:ORGSCOPE_SHELL = 'powershell'
  try {{ $out = & $exe @args }} finally {{ Remove-Item Env:ORGSCOPE_SHELL -ErrorAction SilentlyContinue }}
  if ($LASTEXITCODE -eq 0 -and $out) {{ Invoke-Expression ($out -join "`n") }}
}}
"#
            )
        }
    }
}
