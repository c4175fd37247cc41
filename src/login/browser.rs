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

/// How long a launcher may take to fail before we take it as started (xdg-open, `open` and
/// friends exit within milliseconds when they cannot find a browser; a browser keeps running).
const LAUNCH_GRACE: std::time::Duration = std::time::Duration::from_millis(400);

/// Tries to open `url`.
pub fn open(app: &App, url: &str) -> Opened {
    match try_open(app, url) {
        Ok(line) => Opened::Yes(line),
        Err((line, true)) => Opened::Failed(line),
        Err((line, false)) => Opened::Skipped(line),
    }
}

/// `Err((why, tried))`.
fn try_open(app: &App, url: &str) -> Result<String, (String, bool)> {
    if app.settings.login.no_browser {
        return Err(("not opening a browser (--no-browser)".into(), false));
    }
    let candidates: Vec<Vec<String>> = match configured_command(app) {
        // BROWSER may list several commands separated by ':' (as Python's webbrowser reads it).
        Some(cmd) => cmd
            .split(':')
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
        match spawn(&argv) {
            Ok(()) => return Ok(format!("Opened the browser ({name}).")),
            Err(e) => last_error = format!("could not run {name}: {e}"),
        }
    }
    Err((last_error, true))
}

/// Splits a browser command with shell rules; `%s` is replaced by the URL, else the URL is appended.
fn command_line(cmd: &str, url: &str) -> Option<Vec<String>> {
    let mut argv = shlex::split(cmd.trim())?;
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

/// Starts the launcher; an exit with a failure status within [`LAUNCH_GRACE`] is an error.
fn spawn(argv: &[String]) -> std::io::Result<()> {
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let deadline = std::time::Instant::now() + LAUNCH_GRACE;
    while std::time::Instant::now() < deadline {
        match child.try_wait()? {
            Some(status) if status.success() => return Ok(()),
            Some(status) => {
                return Err(std::io::Error::other(format!("it exited with {status}")));
            }
            None => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
    // Still running: a browser. Reap it whenever it finishes, so no zombie is left behind.
    std::thread::spawn(move || child.wait());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
            command_line("open -a 'Google Chrome' %s", "u"),
            Some(vec![
                "open".into(),
                "-a".into(),
                "Google Chrome".into(),
                "u".into()
            ])
        );
    }
}
