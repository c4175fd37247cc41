//! `ssoexec doctor`: one line per check (ok, warning, problem — with the fix), `--json`, exit 1
//! when a problem is found. Checks the config (parsing, `config::lint`), the cached tokens, the
//! clock against the server's `Date` (one request), the cache directories, the commands that
//! call ssoexec (`credential_process`, kubeconfig `exec`) and the environment.
use crate::app::App;
use crate::aws::client::SKEW_WARNING;
use crate::aws::endpoint::Service;
use crate::cache::{Lookup, token};
use crate::cli::DoctorArgs;
use crate::config::{ConfigError, SsoSession, edit, lint, profile};
use crate::error::Error;
use crate::support::clock::{describe_duration, describe_instant, parse_timestamp};
use crate::support::env::{self, KUBECONFIG};
use crate::support::exit::ExitStatus;
use crate::support::text::clean;
use serde::Serialize;
use std::path::{Path, PathBuf};
use time::Duration;

/// A client registration that ends within this stops refreshes soon: sign in again before then.
const REGISTRATION_WARNING: Duration = Duration::days(7);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Ok,
    Warning,
    Problem,
}

#[derive(Debug, Serialize)]
struct Finding {
    check: &'static str,
    status: Status,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<String>,
}

#[derive(Default)]
struct Report(Vec<Finding>);

impl Report {
    fn add(
        &mut self,
        check: &'static str,
        status: Status,
        message: impl Into<String>,
        fix: Option<String>,
    ) {
        self.0.push(Finding {
            check,
            status,
            message: clean(&message.into()),
            fix: fix.map(|f| clean(&f)),
        });
    }
    fn ok(&mut self, check: &'static str, message: impl Into<String>) {
        self.add(check, Status::Ok, message, None);
    }
    fn warn(&mut self, check: &'static str, message: impl Into<String>, fix: impl Into<String>) {
        self.add(check, Status::Warning, message, Some(fix.into()));
    }
    fn problem(&mut self, check: &'static str, message: impl Into<String>, fix: impl Into<String>) {
        self.add(check, Status::Problem, message, Some(fix.into()));
    }
}

pub async fn doctor(
    app: &App,
    args: &DoctorArgs,
    config_error: Option<ConfigError>,
) -> Result<ExitStatus, Error> {
    let mut r = Report::default();
    let cfg = &app.settings.config;
    let path = cfg.config.path.clone();
    config_checks(&mut r, app, &path, config_error.as_ref());
    if config_error.is_none() {
        token_checks(&mut r, app);
    }
    if args.offline {
        r.ok("clock", "not checked (--offline)");
    } else {
        clock_check(&mut r, app).await;
    }
    cache_checks(&mut r, app);
    command_checks(&mut r, app, args);
    env_checks(&mut r, app);

    let problem = r.0.iter().any(|f| f.status == Status::Problem);
    let out = if args.json {
        let doc = serde_json::json!({ "ok": !problem, "checks": r.0 });
        format!(
            "{}\n",
            serde_json::to_string_pretty(&doc).unwrap_or_default()
        )
    } else {
        let mut s = String::new();
        for f in &r.0 {
            let status = match f.status {
                Status::Ok => "ok",
                Status::Warning => "warning",
                Status::Problem => "problem",
            };
            s.push_str(&format!("{status:<8} {}: {}", f.check, f.message));
            if let Some(fix) = &f.fix {
                s.push_str(&format!(" (fix: {fix})"));
            }
            s.push('\n');
        }
        s
    };
    super::write_stdout(out.as_bytes())?;
    Ok(if problem {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

fn config_checks(r: &mut Report, app: &App, path: &Path, error: Option<&ConfigError>) {
    if let Some(e) = error {
        return config_error(r, path, e);
    }
    let Some(text) = config_text(r, path) else {
        return;
    };
    let cfg = &app.settings.config.config;
    match edit::scan(&text) {
        Ok(_) => r.ok(
            CONFIG,
            format!(
                "{} parses ({}, {})",
                path.display(),
                crate::support::progress::count(cfg.profiles.len(), "profile", "profiles"),
                crate::support::progress::count(
                    cfg.sso_sessions.len(),
                    "sso-session",
                    "sso-sessions"
                )
            ),
        ),
        Err(e) => r.problem(
            CONFIG,
            format!("{}: malformed ssoexec block at {e}", path.display()),
            "fix or remove the BEGIN/END lines",
        ),
    }
    lint_checks(r, &text, cfg);
}

const CONFIG: &str = "config";

/// A config that did not load: the error names the file and the line.
fn config_error(r: &mut Report, path: &Path, e: &ConfigError) {
    let message = match std::error::Error::source(e) {
        Some(cause) => format!("{e} ({cause})"),
        None => e.to_string(),
    };
    r.problem(
        CONFIG,
        message,
        format!("edit {} at the line named", path.display()),
    );
}

/// The config's text, or `None` (with the finding said) when there is none to check.
fn config_text(r: &mut Report, path: &Path) -> Option<String> {
    match crate::config::read_text(path) {
        Ok(Some(t)) if !t.is_empty() => Some(t),
        Ok(_) if path.exists() && !path.is_file() => {
            r.warn(
                CONFIG,
                format!(
                    "{} is not a regular file: ssoexec and the AWS CLI read it as empty",
                    path.display()
                ),
                "point AWS_CONFIG_FILE at a file",
            );
            None
        }
        Ok(_) => {
            r.warn(
                CONFIG,
                format!("{} is missing or empty", path.display()),
                "run `ssoexec configure`",
            );
            None
        }
        Err(e) => {
            r.problem(CONFIG, e.to_string(), "check the file's permissions");
            None
        }
    }
}

/// What `config::lint` finds in a config that loaded.
fn lint_checks(r: &mut Report, text: &str, cfg: &crate::config::ConfigFile) {
    const I: &str = "inline-comment";
    let comments = lint::inline_comments(text);
    for c in &comments {
        r.problem(
            I,
            format!(
                "line {}: {} = {:?} keeps the comment in the value",
                c.line, c.key, c.value
            ),
            "put the comment on a line of its own",
        );
    }
    if comments.is_empty() {
        r.ok(I, "no value carries an inline comment");
    }
    const P: &str = "credential-process";
    let both = lint::credential_process_with_sso(cfg);
    for p in &both {
        r.problem(
            P,
            format!("profile {p} has credential_process and sso_* keys: the SDKs use SSO and ignore credential_process"),
            "keep one of them (a separate profile for credential_process)",
        );
    }
    if both.is_empty() {
        r.ok(P, "no profile mixes credential_process with sso_* keys");
    }
    const S: &str = "sso-session";
    let missing = lint::missing_sessions(cfg);
    for (p, s) in &missing {
        r.problem(
            S,
            format!("profile {p} names sso_session {s}, which does not exist"),
            format!("add [sso-session {s}] or fix the name (`ssoexec configure` writes both)"),
        );
    }
    if missing.is_empty() {
        r.ok(S, "every sso_session a profile names exists");
    }
    const D: &str = "duplicate-login";
    let dups = lint::duplicate_logins(cfg);
    for (p, s) in &dups {
        r.warn(
            D,
            format!("legacy profile {p} and sso-session {s} use the same start URL: two logins, two tokens"),
            format!("replace sso_start_url/sso_region in profile {p} with sso_session = {s}"),
        );
    }
    if dups.is_empty() {
        r.ok(D, "no start URL is signed in to twice");
    }
    const U: &str = "start-url";
    let odd = lint::odd_start_urls(cfg);
    for (w, u) in &odd {
        r.warn(U, format!("{w}: {u} does not look like an IAM Identity Center start URL"), "copy the AWS access portal URL from the Identity Center console (https://<id>.awsapps.com/start)");
    }
    if odd.is_empty() {
        r.ok(U, "every start URL looks like an IAM Identity Center one");
    }
}

/// Every distinct session of the config: sso-sessions, then legacy start URLs.
fn sessions(app: &App) -> Vec<SsoSession> {
    let cfg = &app.settings.config;
    let mut out: Vec<SsoSession> = cfg
        .config
        .sso_sessions
        .keys()
        .filter_map(|n| profile::session_named(cfg, n).ok())
        .collect();
    for (name, p) in &cfg.config.profiles {
        if p.contains_key("sso_start_url")
            && !p.contains_key("sso_session")
            && let Ok(s) = profile::session_for_profile(cfg, name)
            && !out
                .iter()
                .any(|o| o.token_cache_key() == s.token_cache_key())
        {
            out.push(s);
        }
    }
    out
}

fn login_fix(s: &SsoSession) -> String {
    match &s.name {
        Some(n) => format!("ssoexec login --sso-session {n}"),
        None => format!(
            "ssoexec login --start-url {} --sso-region {}",
            s.start_url, s.region
        ),
    }
}

fn token_checks(r: &mut Report, app: &App) {
    const T: &str = "token";
    let now = app.now();
    let all = sessions(app);
    if all.is_empty() {
        r.ok(T, "no sso-session configured");
    }
    for s in all {
        let what = s.describe();
        let path = token::path(&app.settings.paths.sso_cache, &s);
        match token::load(&path) {
            Ok(Lookup::Absent) => r.warn(T, format!("{what}: not signed in"), login_fix(&s)),
            Ok(Lookup::Corrupt(why)) => r.problem(
                T,
                format!("{what}: {} cannot be read ({why})", path.display()),
                login_fix(&s),
            ),
            Err(e) => r.problem(
                T,
                format!("{what}: {e}"),
                "check the cache directory's owner and mode",
            ),
            Ok(Lookup::Found(t)) => {
                let left = t.expires_at - now;
                let refreshable = t.refreshable(now);
                if left.is_positive() {
                    r.ok(
                        T,
                        format!(
                            "{what}: token expires {}{}",
                            describe_instant(t.expires_at, now),
                            if refreshable {
                                ", refreshable"
                            } else {
                                ", not refreshable"
                            }
                        ),
                    );
                } else if refreshable {
                    r.ok(
                        T,
                        format!(
                            "{what}: token expired {}, will be refreshed without a login",
                            describe_instant(t.expires_at, now)
                        ),
                    );
                } else {
                    r.warn(
                        T,
                        format!(
                            "{what}: token expired {} and cannot be refreshed",
                            describe_instant(t.expires_at, now)
                        ),
                        login_fix(&s),
                    );
                }
                let reg = t
                    .file
                    .registration_expires_at
                    .as_deref()
                    .and_then(parse_timestamp);
                match reg {
                    Some(e) if e <= now => r.warn(
                        T,
                        format!(
                            "{what}: the client registration expired {}: refreshes fail",
                            describe_instant(e, now)
                        ),
                        login_fix(&s),
                    ),
                    Some(e) if e - now < REGISTRATION_WARNING => r.warn(
                        T,
                        format!(
                            "{what}: the client registration expires {}",
                            describe_instant(e, now)
                        ),
                        format!("{} (a new login registers again)", login_fix(&s)),
                    ),
                    Some(e) => r.ok(
                        T,
                        format!(
                            "{what}: the client registration expires {}",
                            describe_instant(e, now)
                        ),
                    ),
                    None => {}
                }
            }
        }
    }
}

async fn clock_check(r: &mut Report, app: &App) {
    const K: &str = "clock";
    let region = sessions(app)
        .first()
        .map(|s| s.region.clone())
        .unwrap_or_else(|| "us-east-1".into());
    let url = match app.endpoint(Service::SsoOidc, &region) {
        Ok(u) => u,
        Err(e) => {
            return r.warn(
                K,
                format!("not checked: {e}"),
                "pass --offline to skip the check",
            );
        }
    };
    let http = match app.aws.http() {
        Ok(h) => h,
        Err(e) => {
            return r.warn(
                K,
                format!("not checked: {e}"),
                "pass --offline to skip the check",
            );
        }
    };
    if let Err(e) = app.aws.send("ClockCheck", true, || http.head(&url)).await {
        return r.warn(
            K,
            format!("not checked: {e}"),
            "check the network, or pass --offline",
        );
    }
    match app.aws.skew() {
        None => r.warn(
            K,
            format!("{url} sent no Date header"),
            "pass --offline to skip the check",
        ),
        Some(skew) if skew.abs() > SKEW_WARNING => {
            let dir = if skew.is_positive() {
                "behind"
            } else {
                "ahead of"
            };
            r.problem(K, format!("this computer's clock is {} {dir} the server's: tokens and signatures will be refused", describe_duration(skew.abs())), "enable time synchronisation (NTP)");
        }
        Some(skew) => r.ok(
            K,
            format!("within {} of the server's", describe_duration(skew.abs())),
        ),
    }
}

fn cache_checks(r: &mut Report, app: &App) {
    const C: &str = "cache";
    let p = &app.settings.paths;
    for dir in [&p.sso_cache, &p.cli_cache, &p.own] {
        // Ownership and modes are Unix checks; on Windows the profile directory's ACL applies.
        #[cfg_attr(not(unix), allow(unused_variables))]
        let meta = match std::fs::metadata(dir) {
            Ok(m) => m,
            Err(_) => {
                r.ok(C, format!("{} does not exist yet", dir.display()));
                continue;
            }
        };
        #[cfg_attr(not(unix), allow(unused_mut))]
        let mut bad: Vec<String> = Vec::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let me = rustix::process::geteuid().as_raw();
            if meta.uid() != me {
                r.problem(
                    C,
                    format!(
                        "{} is owned by user id {}, not by you ({me})",
                        dir.display(),
                        meta.uid()
                    ),
                    format!("sudo chown -R {me} {}", dir.display()),
                );
                continue;
            }
            if meta.mode() & 0o022 != 0 {
                r.problem(
                    C,
                    format!(
                        "{} is writable by others (mode {:o})",
                        dir.display(),
                        meta.mode() & 0o777
                    ),
                    format!("chmod go-w {}", dir.display()),
                );
                continue;
            }
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let Ok(m) = e.metadata() else { continue };
                if m.is_file() && name.ends_with(".json") && m.mode() & 0o077 != 0 {
                    bad.push(format!(
                        "{name} is readable by others (mode {:o})",
                        m.mode() & 0o777
                    ));
                }
            }
        }
        let temps: Vec<PathBuf> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .map(|n| n.to_string_lossy())
                    .is_some_and(|n| n.starts_with('.') && n.ends_with(".tmp"))
            })
            .collect();
        if !bad.is_empty() {
            r.warn(
                C,
                format!("{}: {}", dir.display(), bad.join(", ")),
                format!("chmod 600 {}/*.json", dir.display()),
            );
        }
        if !temps.is_empty() {
            r.warn(
                C,
                format!(
                    "{}: {} left by an interrupted write",
                    dir.display(),
                    crate::support::progress::count(
                        temps.len(),
                        "temporary file",
                        "temporary files"
                    )
                ),
                format!("rm {}/.*.tmp", dir.display()),
            );
        }
        if bad.is_empty() && temps.is_empty() {
            r.ok(C, format!("{} is private and clean", dir.display()));
        }
    }
}

/// Where `program` resolves: an absolute or relative path as is, a bare name on PATH.
fn resolve_program(app: &App, program: &str) -> Option<PathBuf> {
    let runnable = |p: &Path| {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        }
        #[cfg(not(unix))]
        p.is_file()
    };
    // Windows starts `ssoexec` as `ssoexec.exe` (CreateProcess adds `.exe` to a name without
    // an extension), and a path there may be written with `\`.
    let candidates = |p: PathBuf| {
        let exe = (cfg!(windows) && p.extension().is_none()).then(|| p.with_extension("exe"));
        exe.into_iter().chain([p])
    };
    if is_path(program) {
        return candidates(PathBuf::from(program)).find(|p| runnable(p));
    }
    std::env::split_paths(app.env.get(env::PATH).unwrap_or_default())
        .flat_map(|d| candidates(d.join(program)))
        .find(|p| runnable(p))
}

/// A program named by a path (not looked up on PATH).
fn is_path(program: &str) -> bool {
    program.contains('/') || (cfg!(windows) && program.contains('\\'))
}

fn is_ssoexec(program: &str) -> bool {
    Path::new(program)
        .file_name()
        .is_some_and(|n| n == "ssoexec" || n == "ssoexec.exe")
}

/// Problems of one command line that calls ssoexec: the program and the `--profile` it names.
fn check_call(
    app: &App,
    r: &mut Report,
    check: &'static str,
    what: &str,
    words: &[String],
) -> bool {
    let Some(program) = words.first() else {
        return true;
    };
    if !is_ssoexec(program) {
        return true;
    }
    let mut fine = true;
    if resolve_program(app, program).is_none() {
        fine = false;
        let fix = if is_path(program) {
            format!("install ssoexec at {program}, or point {what} at the ssoexec you have")
        } else {
            "put ssoexec on PATH, or write its absolute path".to_string()
        };
        r.problem(
            check,
            format!(
                "{what} runs {program}, which is not {}",
                if is_path(program) {
                    "an executable file"
                } else {
                    "on PATH"
                }
            ),
            fix,
        );
    }
    if let Some(i) = words.iter().position(|w| w == "--profile" || w == "-p")
        && let Some(p) = words.get(i + 1)
        && app.settings.config.profile(p).is_none()
    {
        fine = false;
        r.problem(
            check,
            format!("{what} uses profile {p}, which does not exist"),
            format!("add the profile (`ssoexec configure --profile {p}`) or fix the name"),
        );
    }
    fine
}

fn command_checks(r: &mut Report, app: &App, args: &DoctorArgs) {
    const P: &str = "credential-process-command";
    let mut fine = true;
    for (name, section) in &app.settings.config.config.profiles {
        if let Some(cmd) = section.get("credential_process") {
            let words = shlex::split(cmd).unwrap_or_default();
            fine &= check_call(
                app,
                r,
                P,
                &format!("profile {name}'s credential_process"),
                &words,
            );
        }
    }
    if fine {
        r.ok(
            P,
            "every credential_process that calls ssoexec finds it and its profile",
        );
    }
    const K: &str = "kubeconfig";
    let path = crate::kube::kubeconfig::target_path(
        args.kubeconfig.as_deref(),
        app.env.get(KUBECONFIG),
        &app.settings.paths.home,
    );
    let doc = match crate::kube::kubeconfig::load(&path) {
        Ok(Some(d)) => d,
        Ok(None) => return r.ok(K, format!("{} does not exist", path.display())),
        Err(e) => {
            let message = match std::error::Error::source(&e) {
                Some(cause) => format!("{e} ({cause})"),
                None => e.to_string(),
            };
            return r.problem(K, message, "fix the file");
        }
    };
    let mut fine = true;
    for user in doc
        .get("users")
        .and_then(|u| u.as_sequence())
        .into_iter()
        .flatten()
    {
        let name = user
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or_default();
        let Some(exec) = user.get("user").and_then(|u| u.get("exec")) else {
            continue;
        };
        let mut words: Vec<String> = exec
            .get("command")
            .and_then(|c| c.as_str())
            .map(String::from)
            .into_iter()
            .collect();
        words.extend(
            exec.get("args")
                .and_then(|a| a.as_sequence())
                .into_iter()
                .flatten()
                .filter_map(|a| a.as_str().map(String::from)),
        );
        fine &= check_call(app, r, K, &format!("kubeconfig user {name}"), &words);
    }
    if fine {
        r.ok(
            K,
            format!(
                "every exec entry of {} that calls ssoexec finds it and its profile",
                path.display()
            ),
        );
    }
}

fn env_checks(r: &mut Report, app: &App) {
    const E: &str = "environment";
    let mut fine = true;
    if app.env.is_set(env::AWS_ACCESS_KEY_ID) {
        fine = false;
        r.warn(E, "AWS_ACCESS_KEY_ID is set: AWS SDKs and CLIs use those keys before any profile or AWS_PROFILE", "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN");
    }
    for var in [env::AWS_PROFILE, env::AWS_DEFAULT_PROFILE] {
        if let Some(p) = app.env.get(var)
            && app.settings.config.profile(p).is_none()
        {
            fine = false;
            r.problem(E, format!("{var}={p} names a profile that does not exist: every command without --profile fails"), format!("unset {var}, or create the profile (`ssoexec configure --profile {p}`)"));
        }
    }
    if let (Some(a), Some(b)) = (
        app.env.get(env::AWS_PROFILE),
        app.env.get(env::AWS_DEFAULT_PROFILE),
    ) && a != b
    {
        fine = false;
        r.warn(
            E,
            format!(
                "AWS_PROFILE={a} and AWS_DEFAULT_PROFILE={b} differ: tools disagree on which wins"
            ),
            "unset AWS_DEFAULT_PROFILE",
        );
    }
    if fine {
        r.ok(E, "nothing in the environment overrides the profiles");
    }
}
