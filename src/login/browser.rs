//! Opens a URL in the user's browser: `--browser-command`, else `BROWSER`, else the platform's
//! opener. The browser's own output never reaches our stdout (it goes nowhere).
use crate::app::App;
use crate::support::env::BROWSER;
use std::process::{Command, Stdio};

/// Which browser command applies, if any: the flag, then `BROWSER`.
pub fn configured_command(app: &App) -> Option<String> {
    app.settings
        .login
        .browser_command
        .clone()
        .or_else(|| app.env.get(BROWSER).map(String::from))
}

/// What became of opening the browser; each carries a line for stderr.
#[derive(Debug, PartialEq, Eq)]
pub enum Opened {
    Yes(String),
    /// Not tried (`--no-browser`): nothing to warn about.
    Skipped(String),
    /// Tried and failed: the person must open the URL themselves, so say so prominently.
    Failed(String),
}

/// A launcher that fails within this long (xdg-open, `open` and friends exit at once when they
/// cannot find a browser) is reported as a failure; later exits are the browser's own business.
const LAUNCH_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Tries to open `url`. A command that cannot start is `Failed` at once; one that starts and then
/// exits with a failure status within [`LAUNCH_GRACE`] gets `warning: …` and `manual` (what to
/// open by hand) printed then, from the thread that reaps it, so the login never blocks on it.
pub fn open(app: &App, url: &str, manual: &str) -> Opened {
    let late = {
        let printer = app.printer.clone();
        let manual = manual.to_string();
        move |why: String| {
            printer.info(format!(
                "warning: the browser could not be opened ({why}). {manual}"
            ))
        }
    };
    match try_open(app, url, late) {
        Ok(line) => Opened::Yes(line),
        Err((line, true)) => Opened::Failed(line),
        Err((line, false)) => Opened::Skipped(line),
    }
}

/// `Err((why, tried))`.
fn try_open(
    app: &App,
    url: &str,
    late: impl FnOnce(String) + Send + Clone + 'static,
) -> Result<String, (String, bool)> {
    if app.settings.login.no_browser {
        return Err(("not opening a browser (--no-browser)".into(), false));
    }
    if !safe_url(url) {
        // A server-supplied URL could be an option (`--…`) or a local file or script.
        return Err((
            "the sign-in URL is not https (or http to this machine), so it is not handed to a browser"
                .into(),
            true,
        ));
    }
    let candidates: Vec<Vec<String>> = match configured_command(app) {
        // BROWSER may list several commands, separated as Python's webbrowser reads it.
        Some(cmd) => cmd
            .split(LIST_SEPARATOR)
            .filter(|c| !c.trim().is_empty())
            .filter_map(|c| command_line(c, url))
            .collect(),
        None => platform_opener(url).into_iter().collect(),
    };
    if candidates.is_empty() {
        return Err((
            "no browser is configured (set BROWSER or --browser-command)".into(),
            true,
        ));
    }
    let mut last_error = String::new();
    for argv in candidates {
        let name = crate::support::text::clean(&argv[0]);
        match spawn(&argv, late.clone()) {
            Ok(()) => return Ok(format!("Opened the browser ({name}).")),
            Err(e) => last_error = format!("could not run {name}: {e}"),
        }
    }
    Err((last_error, true))
}

/// Only `https://` URLs, or `http://` to this machine (the mock, a loopback callback), go to a
/// browser: never an option-like string, `file:`, `javascript:` or other schemes.
pub fn safe_url(url: &str) -> bool {
    if url.starts_with('-') || url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return false;
    }
    let Ok(u) = url::Url::parse(url) else {
        return false;
    };
    match u.scheme() {
        "https" => u.host().is_some(),
        "http" => match u.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
            None => false,
        },
        _ => false,
    }
}

/// What separates the commands `BROWSER` lists: `os.pathsep`, as Python's webbrowser splits it
/// (`;` on Windows, where a path such as `C:\…\firefox.exe` holds a `:`).
const LIST_SEPARATOR: char = if cfg!(windows) { ';' } else { ':' };

/// Splits a browser command (POSIX shell rules on Unix, Windows rules on Windows); `%s` is
/// replaced by the URL, else the URL is appended.
fn command_line(cmd: &str, url: &str) -> Option<Vec<String>> {
    let mut argv = split_command(cmd.trim(), cfg!(windows))?;
    if argv.is_empty() {
        return None;
    }
    if argv.iter().any(|a| a.contains("%s")) {
        for a in &mut argv {
            *a = a.replace("%s", url);
        }
    } else {
        argv.push(url.to_string());
    }
    Some(argv)
}

/// POSIX shell words, or on Windows words as a Windows command line has them: a backslash is a
/// path separator, not an escape (`C:\Program Files\…` stays a path), and double quotes group
/// words with spaces. `None` for an unbalanced quote.
fn split_command(cmd: &str, windows: bool) -> Option<Vec<String>> {
    if !windows {
        return shlex::split(cmd);
    }
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    for c in cmd.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                word.get_or_insert_with(String::new);
            }
            c if c.is_whitespace() && !quoted => words.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    if quoted {
        return None;
    }
    words.extend(word);
    Some(words)
}

fn platform_opener(url: &str) -> Option<Vec<String>> {
    let argv: Vec<&str> = if cfg!(target_os = "macos") {
        vec!["open", url]
    } else if cfg!(windows) {
        vec!["rundll32", "url.dll,FileProtocolHandler", url]
    } else {
        vec!["xdg-open", url]
    };
    Some(argv.into_iter().map(String::from).collect())
}

/// Starts the launcher and a thread that reaps it (no zombie is left behind) and calls `late`
/// if it fails within [`LAUNCH_GRACE`].
fn spawn(argv: &[String], late: impl FnOnce(String) + Send + 'static) -> std::io::Result<()> {
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let name = crate::support::text::clean(&argv[0]);
    let started = std::time::Instant::now();
    std::thread::spawn(move || {
        if let Ok(status) = child.wait()
            && !status.success()
            && started.elapsed() < LAUNCH_GRACE
        {
            late(format!("{name} exited with {status}"));
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http_reaches_a_browser() {
        for ok in [
            "https://device.sso.us-east-1.amazonaws.com/?user_code=A",
            "http://127.0.0.1:8080/device",
            "http://[::1]:9/x",
            "http://localhost/x",
        ] {
            assert!(safe_url(ok), "{ok}");
        }
        for bad in [
            "--help",
            "-e http://x",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "http://evil.example/x",
            "https://x/ y",
            "data:text/html,hi",
            "",
        ] {
            assert!(!safe_url(bad), "{bad}");
        }
    }

    #[test]
    fn browser_command_lines() {
        assert_eq!(
            command_line("firefox --new-tab", "https://x"),
            Some(vec![
                "firefox".into(),
                "--new-tab".into(),
                "https://x".into()
            ])
        );
        assert_eq!(
            // Double quotes group words under both the POSIX and the Windows rules.
            command_line("open -a \"Google Chrome\" %s", "u"),
            Some(vec![
                "open".into(),
                "-a".into(),
                "Google Chrome".into(),
                "u".into()
            ])
        );
    }

    #[test]
    fn windows_browser_commands_keep_backslashes_and_group_quoted_words() {
        let split = |cmd| split_command(cmd, true);
        assert_eq!(
            split(r"C:\Users\me\fake.exe --new-tab"),
            Some(vec![r"C:\Users\me\fake.exe".into(), "--new-tab".into()])
        );
        assert_eq!(
            split(r#""C:\Program Files\Mozilla Firefox\firefox.exe" -private %s"#),
            Some(vec![
                r"C:\Program Files\Mozilla Firefox\firefox.exe".into(),
                "-private".into(),
                "%s".into()
            ])
        );
        assert_eq!(
            split(r#"a "" b"#),
            Some(vec!["a".into(), "".into(), "b".into()])
        );
        assert_eq!(split(r#""unbalanced"#), None);
        // The POSIX rules elsewhere: a backslash escapes.
        assert_eq!(
            split_command(r"C:\x\y.exe", false),
            Some(vec![r"C:\x\y.exe".replace('\\', "")])
        );
    }
}
