//! `ssoexec completions SHELL` and `ssoexec man`: generated from the same clap command that parses
//! the command line, so they cannot drift from it. Completion scripts are clap_complete's static
//! ones (its dynamic engine is an unstable feature), plus, for bash, zsh and fish, profile names
//! for `--profile`, read at completion time from the hidden `ssoexec complete-profiles`.
use crate::cli::{self, CompletionsArgs, ManArgs};
use crate::config::AwsConfig;
use crate::error::Error;
use crate::output::FormatKind;
use crate::support::exit::ExitStatus;
use crate::support::printer::Printer;
use crate::support::stdout::StdoutError;
use clap_complete::Shell;

/// The clap command as completions and the man page show it: `--format` lists the built-in
/// formats (parsing still accepts any plugin name).
fn documented_command() -> clap::Command {
    let formats: Vec<clap::builder::PossibleValue> = FormatKind::all_names()
        .into_iter()
        .map(clap::builder::PossibleValue::new)
        .collect();
    cli::command().mut_subcommand("export", |s| {
        s.mut_arg("format", |a| {
            a.value_parser(clap::builder::PossibleValuesParser::new(formats))
        })
    })
}

pub fn completions(args: &CompletionsArgs) -> Result<ExitStatus, Error> {
    let mut cmd = documented_command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "ssoexec", &mut out);
    let mut script = String::from_utf8_lossy(&out).into_owned();
    match args.shell {
        Shell::Bash => script.push_str(BASH_PROFILES),
        Shell::Zsh => {
            // clap writes `--profile=[…]:PROFILE:_default`; complete names instead of files.
            script = script.replace(":PROFILE:_default'", ":PROFILE:_ssoexec_profiles'");
            script = script.replacen("_ssoexec() {", ZSH_PROFILES, 1);
        }
        Shell::Fish => script.push_str(FISH_PROFILES),
        _ => {}
    }
    super::write_stdout(script.as_bytes())?;
    Ok(ExitStatus::Success)
}

/// The ssoexec page, or a subcommand's (`ssoexec-login(1)`, as the main page refers to them).
pub fn man(args: &ManArgs) -> Result<ExitStatus, Error> {
    let mut cmd = documented_command();
    cmd.build();
    let page = match &args.subcommand {
        None => cmd,
        Some(name) => {
            let sub = cmd
                .get_subcommands()
                .find(|s| s.get_name() == name && !s.is_hide_set())
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "no subcommand {:?}: `ssoexec --help` lists them",
                        crate::support::text::clean(name)
                    ))
                })?;
            sub.clone()
                .name(format!("ssoexec-{name}"))
                .display_name(format!("ssoexec-{name}"))
                .bin_name(format!("ssoexec {name}"))
                .version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut out)
        .map_err(StdoutError)?;
    super::write_stdout(&out)?;
    Ok(ExitStatus::Success)
}

/// `complete-profiles`: the profile names of the config and credentials files, sorted, one a
/// line (no error for a missing file): the names the picker offers.
pub fn profiles(config: &AwsConfig) -> Result<ExitStatus, Error> {
    let text: String = config
        .profile_names()
        .iter()
        .map(|n| format!("{n}\n"))
        .collect();
    super::write_stdout(text.as_bytes())?;
    Ok(ExitStatus::Success)
}

/// Why `pick-profile` has no name to print.
#[derive(Debug, thiserror::Error)]
pub enum PickError {
    #[error("no profile given, and no terminal to choose one on")]
    NoTerminal,
    #[error("no profile given, and the config has none to choose from")]
    NoProfiles,
    #[error("no profile chosen")]
    Cancelled,
    #[error("cannot show the profile picker")]
    Picker(#[source] std::io::Error),
}

impl crate::error::Diagnostic for PickError {
    fn hint(&self) -> Option<String> {
        match self {
            PickError::NoTerminal | PickError::Cancelled | PickError::Picker(_) => {
                Some("name the profile: `ssx PROFILE` (TAB completes the names)".into())
            }
            PickError::NoProfiles => Some("create one with `ssoexec configure`".into()),
        }
    }

    fn exit_status(&self) -> ExitStatus {
        match self {
            PickError::NoTerminal => ExitStatus::Usage,
            _ => ExitStatus::Failure,
        }
    }
}
crate::diagnostic_error!(PickError);

/// `pick-profile` (a bare `ssx`): the person chooses one of the profile names with the picker on
/// the terminal; the name is printed on stdout for the shell function to use.
pub fn pick_profile(config: &AwsConfig, printer: &Printer) -> Result<ExitStatus, Error> {
    let names: Vec<String> = config.profile_names().into_iter().cloned().collect();
    if !printer.terminal().interactive() {
        return Err(PickError::NoTerminal.into());
    }
    if names.is_empty() {
        return Err(PickError::NoProfiles.into());
    }
    let i = crate::support::picker::pick(printer.terminal(), "Profile (type to filter)", &names, 0)
        .map_err(PickError::Picker)?
        .ok_or(PickError::Cancelled)?;
    super::write_stdout(format!("{}\n", names[i]).as_bytes())?;
    Ok(ExitStatus::Success)
}

/// Wraps clap's `_ssoexec`: after `--profile`/`-p`, offer the configured profile names. The names
/// are data: matched as plain strings (never through `compgen -W`, which expands `$(…)` and
/// backquotes) and offered shell-quoted (`printf %q`), so neither completing nor running the
/// completed line executes or globs anything a name holds.
const BASH_PROFILES: &str = r#"
_ssoexec_profile_names() {
    local cur="$1" name
    COMPREPLY=()
    while IFS= read -r name; do
        if [[ "$name" == "$cur"* ]]; then
            COMPREPLY+=( "$(printf '%q' "$name")" )
        fi
    done < <("${COMP_WORDS[0]}" complete-profiles 2>/dev/null)
}
_ssoexec_with_profiles() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
    if [[ "$prev" == "--profile" || "$prev" == "-p" ]]; then
        _ssoexec_profile_names "$cur"
        return 0
    fi
    _ssoexec "$@"
}
if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _ssoexec_with_profiles -o nosort -o bashdefault -o default ssoexec
else
    complete -F _ssoexec_with_profiles -o bashdefault -o default ssoexec
fi
"#;

const ZSH_PROFILES: &str = r#"_ssoexec_profiles() {
    local -a profiles
    profiles=(${(f)"$(ssoexec complete-profiles 2>/dev/null)"})
    _describe 'profile' profiles
}

_ssoexec() {"#;

const FISH_PROFILES: &str =
    "complete -c ssoexec -l profile -s p -x -a '(ssoexec complete-profiles 2>/dev/null)'\n";
