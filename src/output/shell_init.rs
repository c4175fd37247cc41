//! `ssoexec shell-init SHELL`: the text of the `ssx` shell function. `ssx PROFILE [OPTIONS]` runs
//! `ssoexec export --profile PROFILE` in the shell's own format (`env` for POSIX shells, `fish`,
//! `powershell`), captures the whole output first and evaluates it only when ssoexec succeeded, so
//! a failure never leaves a half-set environment; then it sets `SSOEXEC_PROFILE` and clears
//! `SSOEXEC_IDENTITY` (the keys are no longer those of the identity an enclosing `ssoexec` run
//! recorded, so a nested run must not pass them through as such). `ssx --unset` removes every
//! credential variable ssoexec sets, both markers, and the region variables when an `ssx` set them
//! (a helper variable remembers that; a region the user set and `ssx` never touched stays).
//!
//! A function, not an alias: it works in scripts, in fish and in PowerShell. Pure: no I/O.
use super::{CREDENTIAL_VARIABLES, REGION_VARIABLES};
use crate::support::env::{SSOEXEC_IDENTITY, SSOEXEC_PROFILE};

/// The shells `shell-init` writes a function for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Zsh,
    /// POSIX sh: dash, ksh, busybox sh.
    Sh,
    Fish,
    Powershell,
}

impl Shell {
    fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Sh => "sh",
            Shell::Fish => "fish",
            Shell::Powershell => "powershell",
        }
    }

    /// The line for the shell's startup file.
    pub fn rc_line(self) -> &'static str {
        match self {
            Shell::Bash => "~/.bashrc: eval \"$(ssoexec shell-init bash)\"",
            Shell::Zsh => "~/.zshrc: eval \"$(ssoexec shell-init zsh)\"",
            Shell::Sh => "$ENV or ~/.profile: eval \"$(ssoexec shell-init sh)\"",
            Shell::Fish => "~/.config/fish/config.fish: ssoexec shell-init fish | source",
            Shell::Powershell => {
                "$PROFILE: Invoke-Expression (& ssoexec shell-init powershell | Out-String)"
            }
        }
    }
}

/// The variables `ssx --unset` removes.
pub fn unset_variables() -> Vec<&'static str> {
    let mut names = CREDENTIAL_VARIABLES.to_vec();
    names.extend([SSOEXEC_PROFILE, SSOEXEC_IDENTITY]);
    names
}

const USAGE: &str = "usage: ssx PROFILE [ssoexec export options] | ssx --unset";

/// The whole text `shell-init` prints for `shell`.
pub fn render(shell: Shell) -> String {
    let header = format!(
        "# ssoexec shell-init {}: `ssx PROFILE` sets AWS credentials for PROFILE in this shell,\n\
         # `ssx --unset` removes them. Add to {}\n",
        shell.name(),
        shell.rc_line()
    );
    let names = unset_variables();
    let body = match shell {
        Shell::Bash => posix(&names) + BASH_COMPLETION,
        Shell::Zsh => posix(&names) + ZSH_COMPLETION,
        Shell::Sh => posix(&names),
        Shell::Fish => fish(&names) + FISH_COMPLETION,
        Shell::Powershell => powershell(&names),
    };
    format!("{header}{body}")
}

/// One function for sh, dash, bash and zsh: POSIX syntax only (no `local`), with its helper
/// variables removed before it returns.
fn posix(names: &[&str]) -> String {
    let names = names.join(" ");
    let regions = REGION_VARIABLES.join(" ");
    let first = REGION_VARIABLES[0];
    format!(
        r#"ssx() {{
  case "${{1-}}" in
    -h | --help)
      echo '{USAGE}'
      return 0
      ;;
    -u | --unset)
      unset {names}
      if [ -n "${{_ssx_region-}}" ]; then
        unset {regions} _ssx_region
      fi
      return 0
      ;;
  esac
  if [ -n "${{1-}}" ]; then
    _ssx_profile=$1
    shift
  elif _ssx_profile=$(command ssoexec pick-profile); then
    [ $# -eq 0 ] || shift
  else
    set -- "$?"
    [ "$1" -ne 2 ] || echo '{USAGE}' >&2
    unset _ssx_profile
    return "$1"
  fi
  if _ssx_out=$(command ssoexec export --profile "$_ssx_profile" --format env "$@"); then
    eval "$_ssx_out" && export {SSOEXEC_PROFILE}="$_ssx_profile" && unset {SSOEXEC_IDENTITY}
    _ssx_status=$?
    case "$_ssx_out" in
      *{first}=*) _ssx_region=1 ;;
    esac
  else
    _ssx_status=$?
  fi
  set -- "$_ssx_status"
  unset _ssx_out _ssx_profile _ssx_status
  return "$1"
}}
"#
    )
}

fn fish(names: &[&str]) -> String {
    let names = names.join(" ");
    let regions = REGION_VARIABLES.join(" ");
    let first = REGION_VARIABLES[0];
    format!(
        r#"function ssx --description 'Set AWS credentials from ssoexec in this shell'
    switch "$argv[1]"
        case -h --help
            echo '{USAGE}'
            return 0
        case -u --unset
            for name in {names}
                set -e $name
            end
            if set -q _ssx_region
                for name in {regions}
                    set -e $name
                end
                set -e -g _ssx_region
            end
            return 0
    end
    set -l profile $argv[1]
    if test -z "$profile"
        set profile (command ssoexec pick-profile)
        set -l picked $status
        if test $picked -ne 0
            test $picked -ne 2; or echo '{USAGE}' >&2
            return $picked
        end
    end
    set -e argv[1]
    set -l out (command ssoexec export --profile $profile --format fish $argv)
    or return
    string join \n -- $out | source
    or return
    set -gx {SSOEXEC_PROFILE} $profile
    set -e {SSOEXEC_IDENTITY}
    if string match -q -- 'set -gx {first} *' $out
        set -g _ssx_region 1
    end
    return 0
end
"#
    )
}

fn powershell(names: &[&str]) -> String {
    let names = names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let regions = REGION_VARIABLES
        .iter()
        .map(|n| format!("'Env:{n}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let first = REGION_VARIABLES[0];
    format!(
        r#"function ssx {{
    $first = if ($args.Count -gt 0) {{ [string]$args[0] }} else {{ '' }}
    if ($first -in '-h', '--help') {{
        '{USAGE}'
        return
    }}
    if ($first -eq '') {{
        $first = & ssoexec pick-profile
        if ($LASTEXITCODE -ne 0) {{
            if ($LASTEXITCODE -eq 2) {{ Write-Error '{USAGE}' }}
            return
        }}
    }}
    if ($first -in '-u', '--unset') {{
        foreach ($name in {names}) {{
            Remove-Item -Path "Env:$name" -ErrorAction SilentlyContinue
        }}
        if ($global:SsxSetRegion) {{
            Remove-Item -Path {regions} -ErrorAction SilentlyContinue
            $global:SsxSetRegion = $false
        }}
        return
    }}
    $rest = @($args | Select-Object -Skip 1)
    $out = & ssoexec export --profile $first --format powershell @rest
    if ($LASTEXITCODE -ne 0) {{
        return
    }}
    Invoke-Expression ($out -join "`n")
    $Env:{SSOEXEC_PROFILE} = $first
    Remove-Item -Path Env:{SSOEXEC_IDENTITY} -ErrorAction SilentlyContinue
    if (($out -join "`n") -match '\$Env:{first}=') {{
        $global:SsxSetRegion = $true
    }}
}}
"#
    )
}

/// `ssx <TAB>` in bash: the profile names as data, shell-quoted (as `ssoexec completions bash`
/// offers them), or the options.
const BASH_COMPLETION: &str = r#"_ssx_complete() {
  local cur="${COMP_WORDS[COMP_CWORD]}" name
  COMPREPLY=()
  [ "$COMP_CWORD" -eq 1 ] || return 0
  case "$cur" in
    -*) COMPREPLY=( $(compgen -W '--unset --help' -- "$cur") ); return 0 ;;
  esac
  while IFS= read -r name; do
    if [[ "$name" == "$cur"* ]]; then
      COMPREPLY+=( "$(printf '%q' "$name")" )
    fi
  done < <(command ssoexec complete-profiles 2>/dev/null)
}
if [ -n "${BASH_VERSION-}" ]; then
  complete -F _ssx_complete ssx
fi
"#;

/// `ssx <TAB>` in zsh, once `compinit` has run: `compadd` quotes what the names hold.
const ZSH_COMPLETION: &str = r#"_ssx() {
  (( CURRENT == 2 )) || return 1
  local -a profiles
  profiles=(${(f)"$(command ssoexec complete-profiles 2>/dev/null)"})
  compadd -a profiles
}
if (( $+functions[compdef] )); then
  compdef _ssx ssx
fi
"#;

/// `ssx <TAB>` in fish.
const FISH_COMPLETION: &str = "complete -c ssx -f -n 'test (count (commandline -opc)) -eq 1' -a '(command ssoexec complete-profiles 2>/dev/null)'\n\
complete -c ssx -f -s u -l unset -d 'Remove what ssx set'\n";

#[cfg(test)]
mod tests {
    use super::{Shell, render, unset_variables};
    use crate::output::testing::{ctx, plain};
    use crate::output::variables;

    #[test]
    fn unset_covers_every_identity_variable_export_writes() {
        let c = plain();
        let written: Vec<&str> = variables(&ctx(&c, Some("eu-west-1")))
            .iter()
            .map(|v| v.name)
            .filter(|n| !super::super::REGION_VARIABLES.contains(n))
            .collect();
        let unset = unset_variables();
        for name in &written {
            assert!(unset.contains(name), "{name} is not unset");
        }
        assert_eq!(
            unset,
            [
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN",
                "AWS_CREDENTIAL_EXPIRATION",
                "SSOEXEC_PROFILE",
                "SSOEXEC_IDENTITY"
            ]
        );
    }

    #[test]
    fn each_shell_uses_its_own_export_format() {
        assert!(render(Shell::Bash).contains("--format env \"$@\""));
        assert!(render(Shell::Zsh).contains("--format env \"$@\""));
        assert!(render(Shell::Sh).contains("--format env \"$@\""));
        assert!(render(Shell::Fish).contains("--format fish $argv"));
        assert!(render(Shell::Powershell).contains("--format powershell @rest"));
        assert!(
            render(Shell::Bash).starts_with("# ssoexec shell-init bash: `ssx PROFILE` sets AWS")
        );
    }
}
