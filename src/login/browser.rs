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
    if !safe_url(url) {
        // A server-supplied URL could be an option (`--…`) or a local file or script.
        return Err(
            "not opening the browser: the sign-in URL is not https (or http to this machine)"
                .into(),
        );
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
