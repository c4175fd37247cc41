//! External format plugins. `--emit NAME=PATH` with a NAME that is no built-in format runs
//! `ssoexec-format-NAME`, found on `PATH` as git and kubectl find theirs, writes one versioned
//! JSON request to its stdin and takes its stdout as the document (protocol: plugins/README.md).
//! [`request`] is pure; [`Plugin::run`] spawns the program, the one thing here that does I/O.
use super::{OutputContext, OutputError, variables};
use crate::support::clock::format_timestamp;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Version of the request document; bumped only for changes a plugin could misread.
pub const PROTOCOL_VERSION: u32 = 1;
/// Executable name prefix.
pub const PREFIX: &str = "ssoexec-format-";

/// A plugin found on PATH.
#[derive(Clone, Debug)]
pub struct Plugin {
    pub name: String,
    pub path: PathBuf,
}

/// Plugin names are plain words, so a name can never reach outside the PATH directories.
pub fn valid_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// The first executable `ssoexec-format-NAME` in the directories of `path_var` (a PATH value).
pub fn find(name: &str, path_var: Option<&str>) -> Option<Plugin> {
    if !valid_name(name) {
        return None;
    }
    let file = format!("{PREFIX}{name}");
    // An empty PATH entry would mean the current directory: not a place to run programs from.
    std::env::split_paths(path_var?)
        .filter(|d| d.is_absolute())
        .find_map(|dir| {
            candidates(&dir, &file)
                .into_iter()
                .find(|p| is_executable(p))
                .map(|path| Plugin {
                    name: name.to_string(),
                    path,
                })
        })
}

fn candidates(dir: &Path, file: &str) -> Vec<PathBuf> {
    let extensions: &[&str] = if cfg!(windows) {
        &[".exe", ".cmd", ".bat", ""]
    } else {
        &[""]
    };
    extensions
        .iter()
        .map(|ext| dir.join(format!("{file}{ext}")))
        .collect()
}

fn is_executable(p: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(p) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    meta.is_file()
}

/// The request a plugin reads on stdin. `Debug` is not derived: it carries the secrets.
#[derive(Serialize)]
pub struct Request<'a> {
    pub version: u32,
    pub format: &'a str,
    /// Absolute path of the file the output goes to, or `null` for stdout.
    pub destination: Option<String>,
    pub profile: Option<&'a str>,
    pub region: Option<&'a str>,
    pub account_id: Option<&'a str>,
    pub role_name: Option<&'a str>,
    pub credentials: RequestCredentials<'a>,
    /// The environment variables, in the order the built-in formats write them.
    pub variables: Vec<RequestVariable>,
    /// Current content of the destination file (UTF-8), so a plugin can merge; `null` if none.
    pub existing: Option<&'a str>,
}

#[derive(Serialize)]
pub struct RequestCredentials<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub session_token: Option<&'a str>,
    /// RFC 3339 UTC (`2026-01-01T00:00:00Z`).
    pub expiration: Option<String>,
    pub account_id: Option<&'a str>,
}

#[derive(Serialize)]
pub struct RequestVariable {
    pub name: &'static str,
    pub value: String,
    pub secret: bool,
}

/// The request for `format` writing to `destination` (None: stdout).
pub fn request<'a>(
    ctx: &OutputContext<'a>,
    format: &'a str,
    destination: Option<&Path>,
    existing: Option<&'a str>,
) -> Request<'a> {
    let c = ctx.credentials;
    Request {
        version: PROTOCOL_VERSION,
        format,
        destination: destination.map(|p| p.display().to_string()),
        profile: ctx.profile,
        region: ctx.region,
        account_id: c.account_id.as_deref().or(ctx.account_id),
        role_name: ctx.role_name,
        credentials: RequestCredentials {
            access_key_id: &c.access_key_id,
            secret_access_key: c.secret_access_key.expose(),
            session_token: c.session_token.as_ref().map(|s| s.expose()),
            expiration: c.expiration.map(format_timestamp),
            account_id: c.account_id.as_deref().or(ctx.account_id),
        },
        variables: variables(ctx)
            .into_iter()
            .map(|v| RequestVariable {
                name: v.name,
                value: v.value.into_owned(),
                secret: v.secret,
            })
            .collect(),
        existing,
    }
}

/// A plugin that runs longer than this is killed: a format renders in milliseconds, and a hung
/// one must not hang the command.
pub const PLUGIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// The most of a plugin's document read (credentials documents are kilobytes).
const MAX_PLUGIN_OUTPUT: u64 = 16 << 20;
/// The most of a plugin's stderr read.
const MAX_PLUGIN_STDERR: u64 = 64 << 10;

/// What a plugin printed. `Debug` shows sizes only: the document may carry secrets.
pub struct PluginOutput {
    /// The document.
    pub stdout: Vec<u8>,
    /// Messages for the person (forwarded to ssoexec's stderr).
    pub stderr: String,
}

impl std::fmt::Debug for PluginOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginOutput")
            .field("stdout_bytes", &self.stdout.len())
            .field("stderr", &self.stderr)
            .finish()
    }
}

impl Plugin {
    /// Runs the plugin with `request` on stdin. A non-zero exit is an error naming the plugin and
    /// carrying what it said on stderr (control characters removed); one that runs longer than
    /// [`PLUGIN_TIMEOUT`] is killed.
    pub fn run(&self, request: &Request<'_>) -> Result<PluginOutput, OutputError> {
        self.run_within(request, PLUGIN_TIMEOUT)
    }

    fn run_within(
        &self,
        request: &Request<'_>,
        timeout: std::time::Duration,
    ) -> Result<PluginOutput, OutputError> {
        let input = serde_json::to_vec(request).map_err(std::io::Error::from)?;
        let mut child = Command::new(&self.path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| self.error(format!("could not be started: {e}")))?;
        // Feed stdin and drain stdout/stderr from other threads so a plugin that writes before it
        // reads cannot deadlock; each stream is read only up to its cap.
        let mut stdin = child.stdin.take().expect("piped stdin");
        std::thread::spawn(move || {
            // A plugin may exit without reading everything; its exit status tells what happened.
            let _ = stdin.write_all(&input);
        });
        let drain = |r: Option<Box<dyn std::io::Read + Send>>, cap: u64| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                if let Some(r) = r {
                    use std::io::Read;
                    let _ = r.take(cap + 1).read_to_end(&mut buf);
                }
                buf
            })
        };
        let out_reader = drain(
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            MAX_PLUGIN_OUTPUT,
        );
        let err_reader = drain(
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            MAX_PLUGIN_STDERR,
        );
        let started = std::time::Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() >= timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(self.error(format!(
                        "did not finish within {} and was stopped",
                        crate::support::clock::describe_std_duration(timeout)
                    )));
                }
                Ok(None) => std::thread::sleep(std::time::Duration::from_millis(10)),
                Err(e) => return Err(self.error(format!("could not be run: {e}"))),
            }
        };
        let stdout = out_reader.join().unwrap_or_default();
        if stdout.len() as u64 > MAX_PLUGIN_OUTPUT {
            return Err(self.error(format!("printed more than {} MiB", MAX_PLUGIN_OUTPUT >> 20)));
        }
        let raw_err = err_reader.join().unwrap_or_default();
        // What the plugin says reaches our terminal: no control characters, line by line.
        let stderr = String::from_utf8_lossy(&raw_err)
            .lines()
            .map(crate::support::text::clean)
            .collect::<Vec<_>>()
            .join("\n")
            .trim_end()
            .to_string();
        if !status.success() {
            let how = match status.code() {
                Some(code) => format!("failed with exit code {code}"),
                None => format!("was stopped ({status})"),
            };
            let said = if stderr.is_empty() {
                String::new()
            } else {
                format!(": {stderr}")
            };
            return Err(self.error(format!("{how}{said}")));
        }
        Ok(PluginOutput { stdout, stderr })
    }

    fn error(&self, why: String) -> OutputError {
        OutputError::Plugin {
            name: format!("{PREFIX}{}", self.name),
            path: self.path.clone(),
            why,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(unix)]
    use crate::output::testing::*;

    #[test]
    fn names_cannot_escape_path_directories() {
        for bad in ["", "../x", "a/b", ".hidden", "-x", "a b"] {
            assert!(!valid_name(bad), "{bad:?}");
        }
        assert!(valid_name("tfvars"));
        assert!(valid_name("my_format-2.0"));
    }

    #[cfg(unix)]
    #[test]
    fn finds_the_first_executable_on_path_and_runs_it() {
        use std::os::unix::fs::PermissionsExt;
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        std::fs::write(a.path().join("ssoexec-format-x"), "not executable").unwrap();
        let script = b.path().join("ssoexec-format-x");
        std::fs::write(&script, "#!/bin/sh\ncat\necho 'note' >&2\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = std::env::join_paths(["relative/dir".as_ref(), a.path(), b.path()]).unwrap();
        let plugin = find("x", path.to_str()).unwrap();
        assert_eq!(plugin.path, script);
        assert!(find("y", path.to_str()).is_none());

        let c = plain();
        let out = plugin
            .run(&request(&ctx(&c, Some("eu-west-1")), "x", None, None))
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["version"], 1);
        assert_eq!(
            doc["credentials"]["secret_access_key"],
            "fakeportalsecret/+=000000000000000000000"
        );
        assert_eq!(doc["variables"][4]["name"], "AWS_REGION");
        assert_eq!(out.stderr, "note");

        std::fs::write(&script, "#!/bin/sh\necho 'no template' >&2\nexit 3\n").unwrap();
        let e = plugin
            .run(&request(&ctx(&c, None), "x", None, None))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "format plugin ssoexec-format-x ({}) failed with exit code 3: no template",
                script.display()
            )
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_hung_plugin_is_killed_and_its_stderr_is_cleaned() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("ssoexec-format-slow");
        std::fs::write(
            &script,
            "#!/bin/sh
printf 'a\\033[2Jb\\007\\n' >&2
exec sleep 30
",
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let plugin = find("slow", dir.path().to_str()).unwrap();
        let c = plain();
        let started = std::time::Instant::now();
        let e = plugin
            .run_within(
                &request(&ctx(&c, None), "slow", None, None),
                std::time::Duration::from_secs(1),
            )
            .unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert!(
            e.to_string()
                .ends_with("did not finish within 1 s and was stopped"),
            "{e}"
        );
        std::fs::write(
            &script,
            "#!/bin/sh
printf 'bad\\033[2J\\033]0;x\\007news\\n' >&2
exit 1
",
        )
        .unwrap();
        let e = plugin
            .run(&request(&ctx(&c, None), "slow", None, None))
            .unwrap_err();
        assert!(
            !e.to_string().contains('\x1b') && !e.to_string().contains('\x07'),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .ends_with("failed with exit code 1: bad[2J]0;xnews"),
            "{e}"
        );
    }
}
