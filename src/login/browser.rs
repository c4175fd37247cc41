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

/// Tries to open `url`; returns a line saying what happened, for stderr.
pub fn open(app: &App, url: &str) -> Result<String, String> {
    if app.settings.login.no_browser {
        return Err("not opening a browser (--no-browser)".into());
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
        return Err("no browser is configured (set BROWSER or --browser-command)".into());
    }
    let mut last_error = String::new();
    for argv in candidates {
        match spawn(&argv) {
            Ok(()) => return Ok(format!("Opened the browser ({}).", argv[0])),
            Err(e) => last_error = format!("could not run {}: {e}", argv[0]),
        }
    }
    Err(last_error)
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

fn spawn(argv: &[String]) -> std::io::Result<()> {
    let mut child = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    // Reap it whenever it finishes, so a long-lived ssoexec leaves no zombie behind.
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
