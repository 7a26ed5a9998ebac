//! `orgscope init SHELL`: the shell function that lets switch-role change the calling shell.
//!
//! The function never captures orgscope's output and knows no subcommand: every command runs
//! with the terminal's stdin, stdout and stderr, as without the function, and returns its own exit
//! code. Credentials come back through a private file the function makes with `mktemp` (mode
//! 0600) and names in `ORGSCOPE_EXPORT_FILE`; orgscope writes only its generated export lines
//! there, and only when it hands credentials to the shell (see [`super::handoff`]). The function
//! reads the file into the shell when orgscope wrote it, and removes it either way.

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InitShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

impl InitShell {
    pub fn name(self) -> &'static str {
        match self {
            InitShell::Bash => "bash",
            InitShell::Zsh => "zsh",
            InitShell::Fish => "fish",
            InitShell::Powershell => "powershell",
        }
    }
}

pub fn script(shell: InitShell) -> String {
    let name = shell.name();
    match shell {
        InitShell::Bash | InitShell::Zsh => format!(
            r#"# orgscope shell integration for {name}: add `eval "$(orgscope init {name})"` to your rc file.
# orgscope runs with this terminal; only the credentials it hands to this shell come back,
# through a private file (mktemp, mode 0600) that is read here and removed.
orgscope() {{
  local __orgscope_file __orgscope_status
  if ! __orgscope_file="$(command mktemp -t orgscope.XXXXXXXXXX)"; then
    command orgscope "$@"
    return $?
  fi
  ORGSCOPE_EXPORT_FILE="$__orgscope_file" ORGSCOPE_SHELL={name} command orgscope "$@"
  __orgscope_status=$?
  if [ -s "$__orgscope_file" ]; then
    . "$__orgscope_file"
  fi
  command rm -f -- "$__orgscope_file"
  return $__orgscope_status
}}
"#
        ),
        InitShell::Fish => r#"# orgscope shell integration for fish: add `orgscope init fish | source` to config.fish.
# orgscope runs with this terminal; only the credentials it hands to this shell come back,
# through a private file (mktemp, mode 0600) that is read here and removed.
function orgscope --description 'orgscope; switch role changes this shell'
    set -l __orgscope_file (command mktemp -t orgscope.XXXXXXXXXX)
    or begin
        command orgscope $argv
        return $status
    end
    env ORGSCOPE_EXPORT_FILE=$__orgscope_file ORGSCOPE_SHELL=fish orgscope $argv
    set -l __orgscope_status $status
    if test -s $__orgscope_file
        source $__orgscope_file
    end
    command rm -f -- $__orgscope_file
    return $__orgscope_status
end
"#
        .to_string(),
        InitShell::Powershell => r#"# orgscope shell integration for PowerShell: add `orgscope init powershell | Out-String | Invoke-Expression` to $PROFILE.
# orgscope runs with this terminal; only the credentials it hands to this shell come back,
# through a private temporary file that is read here and removed.
function orgscope {
  $exe = (Get-Command orgscope -CommandType Application | Select-Object -First 1).Source
  $file = [System.IO.Path]::GetTempFileName()
  $env:ORGSCOPE_EXPORT_FILE = $file
  $env:ORGSCOPE_SHELL = 'powershell'
  try {
    & $exe @args
    $code = $LASTEXITCODE
  } finally {
    Remove-Item Env:ORGSCOPE_EXPORT_FILE, Env:ORGSCOPE_SHELL -ErrorAction SilentlyContinue
  }
  if ((Get-Item -LiteralPath $file).Length -gt 0) {
    Invoke-Expression (Get-Content -LiteralPath $file -Raw)
  }
  Remove-Item -LiteralPath $file -ErrorAction SilentlyContinue
  $global:LASTEXITCODE = $code
}
"#
        .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The design in each shell's words: nothing captured, no list of subcommands, one private
    /// file that is read only when written, and always removed.
    #[test]
    fn no_function_captures_output_or_knows_a_subcommand() {
        for shell in InitShell::value_variants() {
            let text = script(*shell);
            let code: String = text.lines().filter(|l| !l.trim_start().starts_with('#')).collect::<Vec<_>>().join("\n");
            for captured in ["$(ORGSCOPE", "(env ORGSCOPE", "$out", "| string collect", "eval"] {
                assert!(!code.contains(captured), "{shell:?} captures or evaluates output: {captured}\n{text}");
            }
            for subcommand in ["tree", "probe", "assume", "access", "--help"] {
                assert!(!code.contains(&format!(" {subcommand} ")), "{shell:?} names {subcommand}\n{text}");
            }
            assert!(code.contains("ORGSCOPE_EXPORT_FILE"), "{shell:?}");
            assert!(code.contains("rm -f") || code.contains("Remove-Item -LiteralPath $file"), "{shell:?}");
        }
    }
}
