//! Which shell `ssoexec --profile P` (no command) starts: `$SHELL`, else `/bin/sh`; on Windows
//! `%COMSPEC%`, else `cmd.exe`. Like aws-vault, the shell starts whether or not stdin is a
//! terminal (a script can pipe commands into it). Pure: reads the given `Env` only.
#[cfg(windows)]
use crate::support::env::COMSPEC;
use crate::support::env::Env;
#[cfg(not(windows))]
use crate::support::env::SHELL;
use std::ffi::OsString;

/// The shell program to run.
#[cfg(not(windows))]
pub fn program(env: &Env) -> OsString {
    OsString::from(env.get(SHELL).unwrap_or("/bin/sh"))
}

/// The shell program to run.
#[cfg(windows)]
pub fn program(env: &Env) -> OsString {
    OsString::from(env.get(COMSPEC).unwrap_or("cmd.exe"))
}

#[cfg(all(test, not(windows)))]
mod tests {
    use super::*;

    #[test]
    fn shell_from_the_environment_else_sh() {
        assert_eq!(
            program(&Env::from_pairs([(SHELL, "/usr/bin/fish")])),
            "/usr/bin/fish"
        );
        assert_eq!(program(&Env::from_pairs([(SHELL, "")])), "/bin/sh");
        assert_eq!(program(&Env::from_pairs([("X", "1")])), "/bin/sh");
    }
}
