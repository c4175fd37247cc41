//! GitHub Actions step files, as `aws-actions/configure-aws-credentials` writes them (see
//! `docs/github-actions.md`): first an `::add-mask::` line on stdout for every secret, then
//! `NAME<<ghadelimiter_<uuid>` heredoc entries appended to the files named by `$GITHUB_ENV`
//! (variables for later steps) and `$GITHUB_OUTPUT` (step outputs), and the step summary. Also the
//! job's OIDC token (`oidc`). [`StepCommands`] is pure; [`GithubFiles`] appends.
pub mod oidc;

use crate::app::{App, LoginObserver};
use crate::support::env::{Env, GITHUB_STEP_SUMMARY};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub use crate::support::env::{GITHUB_ENV, GITHUB_OUTPUT};
/// Prefix of heredoc delimiters, as `@actions/core` writes them.
pub const DELIMITER_PREFIX: &str = "ghadelimiter_";

#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error("cannot write GitHub variable {name}: {why}")]
    Command { name: String, why: &'static str },
    #[error("the github format runs in a GitHub Actions step, but {GITHUB_ENV} is not set")]
    NoGithubEnv,
    #[error("cannot append to {}", path.display())]
    Append {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl crate::error::Diagnostic for StepError {
    fn hint(&self) -> Option<String> {
        match self {
            StepError::NoGithubEnv => {
                Some("use another format outside GitHub Actions (e.g. --format env)".into())
            }
            _ => None,
        }
    }
}
crate::diagnostic_error!(StepError);

/// What one step hands to its workflow: secrets to mask, variables for later steps, outputs.
#[derive(Default)]
pub struct StepCommands {
    masks: Vec<String>,
    env: Vec<(String, String)>,
    outputs: Vec<(String, String)>,
}

impl std::fmt::Debug for StepCommands {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names =
            |v: &Vec<(String, String)>| v.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
        f.debug_struct("StepCommands")
            .field("masks", &self.masks.len())
            .field("env", &names(&self.env))
            .field("outputs", &names(&self.outputs))
            .finish()
    }
}

impl StepCommands {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a secret; empty values are not masks.
    pub fn mask(&mut self, value: &str) {
        if !value.is_empty() && !self.masks.iter().any(|m| m == value) {
            self.masks.push(value.to_string());
        }
    }

    pub fn set_env(&mut self, name: &str, value: &str) {
        self.env.push((name.to_string(), value.to_string()));
    }

    pub fn set_output(&mut self, name: &str, value: &str) {
        self.outputs.push((name.to_string(), value.to_string()));
    }

    pub fn has_outputs(&self) -> bool {
        !self.outputs.is_empty()
    }

    /// One `::add-mask::` line per secret. Write these, and flush, before the files.
    pub fn write_masks(&self, out: &mut dyn Write) -> io::Result<()> {
        for m in &self.masks {
            out.write_all(mask_line(m).as_bytes())?;
        }
        Ok(())
    }

    /// The text to append to `$GITHUB_ENV`.
    pub fn env_file(&self, delimiter: &str) -> Result<String, StepError> {
        self.env
            .iter()
            .map(|(k, v)| file_command(k, v, delimiter))
            .collect()
    }

    /// The text to append to `$GITHUB_OUTPUT`.
    pub fn output_file(&self, delimiter: &str) -> Result<String, StepError> {
        self.outputs
            .iter()
            .map(|(k, v)| file_command(k, v, delimiter))
            .collect()
    }
}

/// `::add-mask::VALUE` with the runner's command escaping (`%`, CR, LF).
pub fn mask_line(value: &str) -> String {
    format!(
        "::add-mask::{}\n",
        value
            .replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    )
}

/// One heredoc entry of a file command: `NAME<<DELIM\nVALUE\nDELIM\n`.
pub fn file_command(name: &str, value: &str, delimiter: &str) -> Result<String, StepError> {
    let bad = |why: &'static str| StepError::Command {
        name: name.to_string(),
        why,
    };
    if name.is_empty() || name.contains(['\n', '\r', '=']) || name.contains("<<") {
        return Err(bad("a name must be one line without = or <<"));
    }
    if name.contains(delimiter) || value.contains(delimiter) {
        return Err(bad("it contains the heredoc delimiter"));
    }
    if value.contains('\r') || value.contains('\0') {
        return Err(bad(
            "the runner reads a carriage return as part of a line end, and a NUL cannot be carried",
        ));
    }
    Ok(format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"))
}

/// `ghadelimiter_` + the version-4 UUID made from `random` (`rand::random()` in use).
pub fn delimiter(random: [u8; 16]) -> String {
    let id = uuid::Builder::from_random_bytes(random).into_uuid();
    format!("{DELIMITER_PREFIX}{id}")
}

/// The runner's file-command files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GithubFiles {
    pub env: PathBuf,
    pub output: Option<PathBuf>,
}

impl GithubFiles {
    /// `$GITHUB_ENV` (required) and `$GITHUB_OUTPUT` (outputs are skipped without it).
    pub fn from_env(env: &Env) -> Result<GithubFiles, StepError> {
        let file = env.get(GITHUB_ENV).ok_or(StepError::NoGithubEnv)?;
        Ok(GithubFiles {
            env: PathBuf::from(file),
            output: env.get(GITHUB_OUTPUT).map(PathBuf::from),
        })
    }

    /// Appends the prepared entries (`StepCommands::env_file` / `output_file`). The masks must
    /// already be on stdout: the runner only hides values it was told about before it sees them.
    pub fn append(&self, env_text: &str, output_text: &str) -> Result<(), StepError> {
        append(&self.env, env_text)?;
        if let Some(out) = &self.output
            && !output_text.is_empty()
        {
            append(out, output_text)?;
        }
        Ok(())
    }
}

/// Appends to a runner-owned file (the runner creates it and reads it after the step, so this
/// is an append, not a replacement).
fn append(path: &Path, text: &str) -> Result<(), StepError> {
    let err = |e| StepError::Append {
        path: path.to_path_buf(),
        source: e,
    };
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(err)?;
    f.write_all(text.as_bytes()).map_err(err)?;
    f.flush().map_err(err)
}

/// Appends `markdown` to the step summary (`$GITHUB_STEP_SUMMARY`), if there is one.
pub fn summary(app: &App, markdown: &str) {
    let Some(path) = app.env.get(GITHUB_STEP_SUMMARY) else {
        return;
    };
    if let Err(e) = append(Path::new(path), markdown) {
        app.printer.warn(format!(
            "{e}: {}",
            std::error::Error::source(&e)
                .map(|s| s.to_string())
                .unwrap_or_default()
        ));
    }
}

/// Shows a pending sign-in on the run's summary page: the person who approves reads that page,
/// not only the log.
pub struct SummaryObserver {
    path: PathBuf,
}

impl SummaryObserver {
    pub fn from_env(env: &Env) -> Option<SummaryObserver> {
        env.get(GITHUB_STEP_SUMMARY).map(|p| SummaryObserver {
            path: PathBuf::from(p),
        })
    }
}

impl LoginObserver for SummaryObserver {
    fn sign_in_needed(&self, url: &str, code: &str, expires: &str) {
        let text = format!(
            "### Sign-in needed\n\nOpen <{url}> and check that it shows the code **{code}**; it expires {expires}.\n\n"
        );
        // Best effort: the log has the same lines.
        let _ = append(&self.path, &text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "ghadelimiter_00000000-0000-4000-8000-000000000000";

    #[test]
    fn refuses_values_that_would_break_the_heredoc() {
        assert!(file_command("A", &format!("x\n{D}\ny"), D).is_err());
        assert!(file_command("A", "x\r\ny", D).is_err());
        assert!(file_command("A\nB", "x", D).is_err());
        assert_eq!(
            file_command("A", "multi\nline", D).unwrap(),
            format!("A<<{D}\nmulti\nline\n{D}\n")
        );
    }

    #[test]
    fn delimiters_are_random_uuids() {
        let d = delimiter(rand::random());
        assert_eq!(d.len(), DELIMITER_PREFIX.len() + 36);
        assert_eq!(
            &d[DELIMITER_PREFIX.len() + 14..DELIMITER_PREFIX.len() + 15],
            "4"
        );
        assert_ne!(d, delimiter(rand::random()));
    }

    #[test]
    fn github_files_come_from_the_environment() {
        assert!(matches!(
            GithubFiles::from_env(&Env::default()),
            Err(StepError::NoGithubEnv)
        ));
        let env = Env::from_pairs([(GITHUB_ENV, "/tmp/env")]);
        assert_eq!(
            GithubFiles::from_env(&env).unwrap(),
            GithubFiles {
                env: "/tmp/env".into(),
                output: None
            }
        );
    }
}
