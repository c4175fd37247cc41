//! The hermetic test sandbox: a temp HOME with an AWS config, the mock Identity Center, a fake
//! browser, and a builder for `ssoexec` commands that see only what the test gives them.
#![allow(dead_code)]

use super::mock::MockIdc;
use assert_cmd::Command;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The pinned "now" of every test: 2026-11-26T10:00:00Z.
pub const NOW: i64 = 1_795_687_200;
pub const NOW_RFC3339: &str = "2026-11-26T10:00:00Z";
pub const START_URL: &str = "https://d-1234567890.awsapps.com/start";

/// The config most tests use: an sso-session profile pair, a legacy profile, a non-SSO profile.
pub const CONFIG: &str = "\
[default]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = eu-west-1

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = eu-west-1

[profile prod]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = ReadOnly
region = eu-central-1

[profile legacy]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111111111111
sso_role_name = Admin

[profile static]
region = us-west-2

[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
";

pub struct Sandbox {
    pub home: TempDir,
    pub mock: MockIdc,
}

impl Sandbox {
    /// A started mock (clock pinned to [`NOW`]) and a HOME holding [`CONFIG`] and a fake browser.
    pub async fn new() -> Sandbox {
        let mock = MockIdc::start().await;
        mock.set_now(NOW);
        let home = tempfile::tempdir_in(temp_base()).expect("temp home");
        let sb = Sandbox { home, mock };
        sb.write_config(CONFIG);
        sb.install_fake_browser();
        sb
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    pub fn write_config(&self, text: &str) {
        let dir = self.home().join(".aws");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config"), text).unwrap();
    }

    pub fn sso_cache(&self) -> PathBuf {
        self.home().join(".aws").join("sso").join("cache")
    }

    pub fn cli_cache(&self) -> PathBuf {
        self.home().join(".aws").join("cli").join("cache")
    }

    /// `~/.aws/sso/cache/<sha1(name)>.json` of an sso-session.
    pub fn token_file(&self, session: &str) -> PathBuf {
        self.sso_cache().join(format!("{}.json", sha1_hex(session)))
    }

    /// `bin/` of the sandbox, for the scripts some tests write. The browser itself is
    /// [`fake_browser_exe`].
    fn install_fake_browser(&self) {
        std::fs::create_dir_all(self.home().join("bin")).unwrap();
    }

    /// `BROWSER` for the fake browser: it appends each URL to `browser.log` (so tests can count
    /// browser opens) and visits it, following the PKCE redirect to ssoexec's loopback listener.
    pub fn fake_browser(&self) -> String {
        let exe = fake_browser_exe().display().to_string();
        // ssoexec splits the command as the platform does (src/login/browser.rs).
        if cfg!(windows) && exe.contains(' ') {
            format!("\"{exe}\"")
        } else {
            exe
        }
    }

    /// How many URLs the fake browser was asked to open.
    pub fn browser_opens(&self) -> usize {
        std::fs::read_to_string(self.home().join("browser.log"))
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    /// An `ssoexec` command with a clean environment: HOME is the sandbox, every endpoint is the
    /// mock, the clock is pinned, the fake browser is the browser. Nothing else leaks in but PATH.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::from_std(self.std_cmd());
        cmd.timeout(std::time::Duration::from_secs(60));
        cmd
    }

    /// Waits (up to 20 s) until `done()` holds, e.g. until the mock has seen a request.
    pub fn wait_until(&self, what: &str, done: impl Fn() -> bool) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while !done() {
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Runs `ssoexec ARGS` in the sandbox and returns its output.
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        self.cmd().args(args).output().unwrap()
    }

    /// `program` (e.g. `script`, `unshare`) with the sandbox's environment, for wrappers that
    /// then run ssoexec themselves.
    pub fn wrapper(&self, program: &str) -> std::process::Command {
        let mut cmd = std::process::Command::new(program);
        cmd.env_clear();
        for (k, v) in self.std_cmd().get_envs() {
            if let Some(v) = v {
                cmd.env(k, v);
            }
        }
        cmd
    }

    /// Starts `ssoexec ARGS` on a pseudo-terminal (util-linux `script`), as a person would run
    /// it: `TERM=xterm`, no `BROWSER` unless `with_browser`. What it draws is collected as it
    /// comes, for [`Pty::expect`]; what the test types reaches it through the terminal.
    pub fn on_pty(&self, args: &str, with_browser: bool) -> Pty {
        self.on_pty_with_env(args, with_browser, &[])
    }

    /// As [`Sandbox::on_pty`], with the variables `env` set as well (e.g. `NO_COLOR`).
    pub fn on_pty_with_env(&self, args: &str, with_browser: bool, env: &[(&str, &str)]) -> Pty {
        let bin = assert_cmd::cargo::cargo_bin("ssoexec");
        self.spawn_pty(&format!("{} {args}", bin.display()), with_browser, env)
    }

    /// The sh command `line` on a pseudo-terminal, in the sandbox's environment (the fake browser
    /// included), for what [`Sandbox::on_pty`] cannot say: ssoexec under a wrapper (`setsid`),
    /// or a shell that runs it. The terminal is the controlling terminal, and stdin, stdout and
    /// stderr unless `line` redirects them.
    pub fn sh_on_pty(&self, line: &str) -> Pty {
        self.spawn_pty(line, true, &[])
    }

    /// Runs the sh command `line` to its end on a pseudo-terminal ([`Sandbox::sh_on_pty`]),
    /// with `typed` typed ahead (the terminal keeps it until the program reads). Returns the exit
    /// code and the screen with the terminal's `\r\n` as `\n`.
    pub fn run_on_pty(&self, line: &str, typed: &str) -> (Option<i32>, String) {
        let mut pty = self.sh_on_pty(line);
        pty.type_text(typed);
        pty.finish_lines()
    }

    fn spawn_pty(&self, line: &str, with_browser: bool, env: &[(&str, &str)]) -> Pty {
        let mut cmd = self.wrapper("script");
        if !with_browser {
            cmd.env_remove("BROWSER");
        }
        cmd.envs(env.iter().copied());
        // -f: flush as the program writes, so the screen can be watched; -e: its exit status.
        let mut child = cmd
            .args(["-qfec", line, "/dev/null"])
            .env("SHELL", "/bin/sh")
            .env("TERM", "xterm")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("script (util-linux)");
        let mut output = child.stdout.take().expect("stdout");
        let screen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let reader = {
            let screen = screen.clone();
            std::thread::spawn(move || {
                use std::io::Read;
                let mut buf = [0u8; 4096];
                while let Ok(n) = output.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let text = String::from_utf8_lossy(&buf[..n]);
                    screen.lock().unwrap().push_str(&text);
                }
            })
        };
        Pty {
            input: child.stdin.take(),
            child,
            screen,
            reader: Some(reader),
            seen: 0,
        }
    }

    /// The same environment for a `std::process::Command` (concurrency tests spawn many).
    pub fn std_cmd(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("ssoexec"));
        cmd.env_clear();
        // No person answers a test: stdin is not the terminal `cargo test` may run in, which
        // would otherwise make ssoexec prompt there (`support::terminal`). Tests that need a
        // terminal use `script`.
        cmd.stdin(std::process::Stdio::null());
        cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.env("HOME", self.home());
        // `~` on Windows (src/commands/mod.rs), and what a Windows process needs to run at all
        // (sockets need SystemRoot; temp files TEMP).
        #[cfg(windows)]
        {
            cmd.env("USERPROFILE", self.home());
            for var in ["SYSTEMROOT", "WINDIR", "COMSPEC", "PATHEXT", "TEMP", "TMP"] {
                if let Some(value) = std::env::var_os(var) {
                    cmd.env(var, value);
                }
            }
        }
        cmd.env("SSOEXEC_TEST_NOW", NOW.to_string());
        cmd.env("BROWSER", self.fake_browser());
        cmd.env(BROWSER_LOG, self.home().join("browser.log"));
        // A login nobody approves ends in a minute, so a broken test cannot hang the suite.
        cmd.env("SSOEXEC_LOGIN_TIMEOUT", "60");
        for var in [
            "AWS_ENDPOINT_URL_SSO_OIDC",
            "AWS_ENDPOINT_URL_SSO",
            "AWS_ENDPOINT_URL_STS",
            "AWS_ENDPOINT_URL_EKS",
            "AWS_ENDPOINT_URL_SIGNIN",
        ] {
            cmd.env(var, self.mock.uri());
        }
        cmd
    }

    /// Signs in through the device flow with the fake browser; panics with stderr on failure.
    pub fn login(&self, profile: &str) {
        let out = self
            .cmd()
            .args(["login", "--profile", profile, "--device-code"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "login failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Writes a token cache file for the `corp` session that is valid for `secs` from NOW.
    pub fn seed_token(&self, access: &str, refresh: Option<&str>, secs: i64) {
        let expires = fmt_epoch(NOW + secs);
        let mut v = serde_json::json!({
            "startUrl": START_URL, "region": "us-east-1", "accessToken": access, "expiresAt": expires,
            "clientId": "seed-client", "clientSecret": "seed-secret", "registrationExpiresAt": "2027-02-24T09:19:23Z",
        });
        if let Some(r) = refresh {
            v["refreshToken"] = r.into();
            self.mock.accept_refresh_token(r);
        }
        self.mock.accept_client("seed-client", "seed-secret");
        self.mock.accept_access_token(access, NOW + secs);
        std::fs::create_dir_all(self.sso_cache()).unwrap();
        std::fs::write(self.token_file("corp"), serde_json::to_string(&v).unwrap()).unwrap();
    }
}

/// Where the fake browser notes the URLs it was given (examples/fake_browser.rs).
pub const BROWSER_LOG: &str = "FAKE_BROWSER_LOG";

/// The fake browser (examples/fake_browser.rs), which cargo builds beside this test binary
/// (`target/…/debug/examples/` next to `target/…/debug/deps/it-…`): the newest of
/// `fake_browser[.exe]` (`cargo build --example fake_browser`, a plain `cargo test`) and
/// `fake_browser-<hash>[.exe]` (`cargo test --all-targets`; the same program).
pub fn fake_browser_exe() -> PathBuf {
    static EXE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    EXE.get_or_init(find_fake_browser).clone()
}

fn find_fake_browser() -> PathBuf {
    let test = std::env::current_exe().expect("the test binary's path");
    let examples = test
        .parent()
        .and_then(Path::parent)
        .expect("the test binary is in target/…/deps")
        .join("examples");
    let suffix = std::env::consts::EXE_SUFFIX;
    let newest = std::fs::read_dir(&examples)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(rest) = name.strip_prefix("fake_browser") else {
                return false;
            };
            rest.strip_suffix(suffix).is_some_and(|rest| {
                rest.is_empty()
                    || rest
                        .strip_prefix('-')
                        .is_some_and(|hash| hash.chars().all(|c| c.is_ascii_hexdigit()))
            })
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max();
    match newest {
        Some((_, path)) => path,
        None => panic!(
            "no fake browser in {}: build it with `cargo build --example fake_browser` (with \
             the same --target, if any), or run the tests with `cargo test --all-targets`",
            examples.display()
        ),
    }
}

/// The system's temp directory as ssoexec shows paths it resolves (`canonicalize`): macOS's
/// `/var/folders/…` is `/private/var/folders/…`, a Windows `C:\Users\RUNNER~1\…` has its long
/// name, and without the verbatim `\\?\` (src/support/fs.rs). Sandboxes live there, so an
/// expected message can name the sandbox's paths as they are.
fn temp_base() -> PathBuf {
    let temp = std::env::temp_dir();
    let canonical = std::fs::canonicalize(&temp).unwrap_or(temp);
    match canonical.to_str().and_then(|p| p.strip_prefix(r"\\?\")) {
        Some(plain) if plain.as_bytes().get(1) == Some(&b':') => PathBuf::from(plain),
        _ => canonical,
    }
}

/// `path` as the programs the tests start see it. Under wine, cargo's paths (`CARGO_BIN_EXE_…`,
/// `CARGO_MANIFEST_DIR`) are Unix paths, which wine runs and opens, while a Windows program names
/// the same file `Z:\…` (wine's drive for `/`); elsewhere `path` itself.
pub fn native_path(path: &Path) -> PathBuf {
    match path.to_str() {
        Some(unix) if cfg!(windows) && unix.starts_with('/') => {
            PathBuf::from(format!("Z:{}", unix.replace('/', "\\")))
        }
        _ => path.to_path_buf(),
    }
}

/// The ssoexec binary under test, as it names itself ([`native_path`]).
pub fn ssoexec_bin() -> PathBuf {
    native_path(&assert_cmd::cargo::cargo_bin("ssoexec"))
}

pub fn sha1_hex(s: &str) -> String {
    use sha1::Digest;
    hex::encode(sha1::Sha1::digest(s.as_bytes()))
}

/// `YYYY-MM-DDTHH:MM:SSZ` of an epoch second.
pub fn fmt_epoch(secs: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(secs).unwrap();
    let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.format(&f).unwrap()
}

pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `ssoexec` running on a pseudo-terminal ([`Sandbox::on_pty`]).
pub struct Pty {
    child: std::process::Child,
    input: Option<std::process::ChildStdin>,
    screen: std::sync::Arc<std::sync::Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
    /// How much of the screen [`Pty::expect`] has matched so far.
    seen: usize,
}

/// How long a terminal test waits for a line or for the program to end.
const PTY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

impl Pty {
    /// Everything drawn so far.
    pub fn screen(&self) -> String {
        self.screen.lock().unwrap().clone()
    }

    /// Waits (with a deadline) until `text` is drawn after what earlier calls matched, and
    /// moves past it: a later `expect` only sees what comes after.
    pub fn expect(&mut self, text: &str) {
        let deadline = std::time::Instant::now() + PTY_DEADLINE;
        loop {
            let screen = self.screen();
            if let Some(at) = screen.get(self.seen..).and_then(|rest| rest.find(text)) {
                self.seen += at + text.len();
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {text:?} on the terminal:\n{screen}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Types `text` on the terminal.
    pub fn type_text(&mut self, text: &str) {
        use std::io::Write;
        let input = self.input.as_mut().expect("the terminal is open");
        input.write_all(text.as_bytes()).unwrap();
        input.flush().unwrap();
    }

    /// Waits (with a deadline) for the program to end; returns its exit status and the screen.
    /// A program still running at the deadline is killed (it is our child, not yet reaped, so
    /// its pid cannot have been reused) and the test fails.
    pub fn finish(mut self) -> (std::process::ExitStatus, String) {
        let deadline = std::time::Instant::now() + PTY_DEADLINE;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("still running after {PTY_DEADLINE:?}:\n{}", self.screen());
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        drop(self.input.take());
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        (status, self.screen())
    }

    /// As [`Pty::finish`], with the exit code (`None` after a signal) and the screen's lines
    /// ended by `\n` instead of the terminal's `\r\n`, for whole-line comparisons.
    pub fn finish_lines(self) -> (Option<i32>, String) {
        let (status, screen) = self.finish();
        (status.code(), screen.replace("\r\n", "\n"))
    }
}
