//! Issue 14.3: login prompts reach the person at the terminal even when the caller captures
//! stderr (the AWS CLI running `credential_process`), and the background contract holds: without
//! a controlling terminal with stdin on it, exit 3 at once, or a login on stderr only with
//! `--login-if-needed`. And the profile picker, on both kinds of terminal.
use crate::support::mock::Op;
use crate::support::sandbox::*;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> String {
    assert_cmd::cargo::cargo_bin("ssoexec")
        .display()
        .to_string()
}

/// `path` as one sh word.
fn sh_word(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn files(sb: &Sandbox) -> (PathBuf, PathBuf) {
    (sb.home().join("out"), sb.home().join("err"))
}

/// stdout holds exactly one credential_process document with the portal's credentials.
fn assert_process_json(text: &str) {
    let docs: Vec<serde_json::Value> = serde_json::Deserializer::from_str(text)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}: {text:?}"));
    assert_eq!(docs.len(), 1, "one document: {text}");
    assert_eq!(docs[0]["Version"], 1, "{text}");
    assert_eq!(docs[0]["AccountId"], "111111111111", "{text}");
    assert!(
        docs[0]["AccessKeyId"]
            .as_str()
            .unwrap()
            .starts_with("ASIAMOCK"),
        "{text}"
    );
}

const LOGIN_REQUIRED: &str = "error: login required: no valid SSO token for sso-session corp (ssoexec does not start a login without a terminal)\nhint: run `ssoexec login --profile dev` in a terminal, then try again\n";

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs util-linux script (a pseudo-terminal)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn captured_stderr_at_a_terminal_gets_the_device_prompt_on_the_terminal() {
    let sb = Sandbox::new().await;
    let (out, err) = files(&sb);
    // As the AWS CLI runs credential_process: stdin is the terminal, stdout and stderr are captured.
    let (code, screen) = sb.run_on_pty(
        &format!(
            "exec {} credential-process --profile dev --device-code >{} 2>{}",
            bin(),
            sh_word(&out),
            sh_word(&err)
        ),
        "",
    );
    assert_eq!(code, Some(0), "screen: {screen}\nstderr: {}", read(&err));
    let url = format!("{}/device?user_code=ABCD-0001", sb.mock.uri());
    assert!(
        screen.contains(&format!(
            "Sign in to sso-session corp in a browser:\n\n    {url}\n\nand check that it shows the code:\n\n    ABCD-0001\n"
        )),
        "the URL and code are on the terminal: {screen}"
    );
    assert!(
        screen.contains('▀') || screen.contains('▄'),
        "a QR code: {screen}"
    );
    assert!(
        screen.contains("Signed in to https://d-1234567890.awsapps.com/start"),
        "{screen}"
    );
    assert_eq!(
        read(&err),
        "",
        "nothing for the person went to the captured stderr"
    );
    assert_process_json(&read(&out));
    assert_eq!(sb.mock.count(Op::StartDeviceAuthorization), 1);
    assert_eq!(sb.browser_opens(), 1);
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs util-linux script (a pseudo-terminal)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn captured_stderr_at_a_terminal_gets_the_pkce_prompt_and_countdown_on_the_terminal() {
    let sb = Sandbox::new().await;
    let (out, err) = files(&sb);
    let (code, screen) = sb.run_on_pty(
        &format!(
            "exec {} credential-process --profile dev --pkce >{} 2>{}",
            bin(),
            sh_word(&out),
            sh_word(&err)
        ),
        "",
    );
    assert_eq!(code, Some(0), "screen: {screen}\nstderr: {}", read(&err));
    assert!(
        screen.contains("Sign in to sso-session corp in your browser. If it does not open, open this URL on this machine:\n\n    "),
        "{screen}"
    );
    assert!(
        screen.contains("/authorize?response_type=code&"),
        "{screen}"
    );
    assert!(
        screen.contains("Waiting for the browser… giving up in 1 min (at 10:01 UTC) "),
        "{screen}"
    );
    assert_eq!(read(&err), "");
    assert_process_json(&read(&out));
    assert_eq!(sb.mock.count(Op::CreateTokenAuthCode), 1);
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs util-linux script (a pseudo-terminal)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn a_terminal_that_stdin_is_not_on_is_background() {
    let sb = Sandbox::new().await;
    let (out, err) = files(&sb);
    // There is a controlling terminal, but the caller redirected stdin away from it.
    let (code, screen) = sb.run_on_pty(
        &format!(
            "exec {} credential-process --profile dev >{} 2>{} </dev/null",
            bin(),
            sh_word(&out),
            sh_word(&err)
        ),
        "",
    );
    assert_eq!(code, Some(3), "{screen}");
    assert_eq!(read(&err), LOGIN_REQUIRED);
    assert_eq!(read(&out), "");
    assert_eq!(screen, "");
    assert_eq!(sb.mock.count(Op::StartDeviceAuthorization), 0);
    assert_eq!(sb.mock.count(Op::RegisterClient), 0);
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs util-linux script (a pseudo-terminal)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn a_terminal_stdin_that_is_not_the_controlling_terminal_is_background() {
    let sb = Sandbox::new().await;
    let (out, err) = files(&sb);
    // stdin is a terminal, but `setsid` puts ssoexec in a session without a controlling terminal.
    let (code, screen) = sb.run_on_pty(
        &format!(
            "setsid -w {} credential-process --profile dev >{} 2>{}",
            bin(),
            sh_word(&out),
            sh_word(&err)
        ),
        "",
    );
    assert_eq!(code, Some(3), "{screen}");
    assert_eq!(read(&err), LOGIN_REQUIRED);
    assert_eq!(read(&out), "");
    assert_eq!(sb.mock.count(Op::StartDeviceAuthorization), 0);
}

/// `setsid -w ssoexec ARGS` with stdin from /dev/null: no controlling terminal (an IDE, kubectl
/// from a GUI, CI).
fn detached(sb: &Sandbox, args: &[&str]) -> (Output, Duration) {
    let started = Instant::now();
    let out = sb
        .wrapper("timeout")
        .args(["90", "setsid", "-w", &bin()])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (out, started.elapsed())
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs util-linux script (a pseudo-terminal)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn no_controlling_terminal_fails_fast_with_exit_3() {
    let sb = Sandbox::new().await;
    let (out, took) = detached(&sb, &["credential-process", "--profile", "dev"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(stderr(&out), LOGIN_REQUIRED);
    assert_eq!(stdout(&out), "");
    assert!(
        took < Duration::from_secs(10),
        "at once, not after a wait: {took:?}"
    );
    assert_eq!(
        sb.mock.total_requests(),
        0,
        "not even a client registration"
    );
    assert_eq!(sb.browser_opens(), 0);
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs util-linux script (a pseudo-terminal)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn login_if_needed_without_a_terminal_logs_in_with_the_url_on_stderr() {
    let sb = Sandbox::new().await;
    let (out, _) = detached(
        &sb,
        &[
            "credential-process",
            "--profile",
            "dev",
            "--login-if-needed",
            "--device-code",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(
        err,
        format!(
            "Sign in to sso-session corp in a browser:\n\n    {mock}/device?user_code=ABCD-0001\n\n\
             and check that it shows the code:\n\n    ABCD-0001\n\n\
             (On another device, open {mock}/device and enter the code.)\n\
             Opened the browser ({browser}).\n\
             Signed in to https://d-1234567890.awsapps.com/start: the token expires in 1 h (at 11:00 UTC), refreshable.\n",
            mock = sb.mock.uri(),
            browser = sb.fake_browser()
        ),
        "the prompts on stderr, without a QR code or a countdown"
    );
    assert_process_json(&stdout(&out));
}

/// `CONFIG` without its `[default]` profile: a command needs one to be named or picked.
fn config_without_default() -> String {
    let start = CONFIG.find("[profile dev]").unwrap();
    CONFIG[start..].to_string()
}

/// The picker's prompt, and two of its rows (name, then account and role).
const PICKER: &str = "No profile given (--profile, PROFILE, SSOEXEC_PROFILE, AWS_PROFILE) and no [default] profile; choose one (type to filter)";
const ROWS: [&str; 2] = [
    "legacy  111111111111 Admin",
    "prod    222222222222 ReadOnly",
];

/// Runs the sh command `line` on a pseudo-terminal and answers the profile picker as a person
/// does: waits until it is drawn, then types `keys` (so what the screen shows of them is the
/// picker's drawing, not the terminal's echo of keys typed ahead). The terminal stays open until
/// the command ends: a lone Esc is read as Esc, not as the start of a sequence with the end of
/// input. Returns the exit code and the screen (`\n`-ended lines).
fn pick_on_pty(sb: &Sandbox, line: &str, keys: &str) -> (Option<i32>, String) {
    let mut pty = sb.sh_on_pty(line);
    pty.expect(PICKER);
    pty.type_text(keys);
    pty.finish_lines()
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs util-linux script (a pseudo-terminal)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn without_a_profile_the_person_picks_one_by_typing_part_of_it() {
    let sb = Sandbox::new().await;
    sb.write_config(&config_without_default());
    sb.login("dev");
    let (out, _) = files(&sb);
    // Before: a numbered list answered with a number.
    let (code, screen) = pick_on_pty(
        &sb,
        &format!("exec {} export --format env >{}", bin(), sh_word(&out)),
        "pro\r",
    );
    assert_eq!(code, Some(0), "{screen}");
    assert!(screen.contains(PICKER), "{screen}");
    for row in ROWS {
        assert!(screen.contains(row), "{row}: {screen}");
    }
    assert!(
        screen.contains(
            "Using profile prod (next time: ssoexec COMMAND prod, or AWS_PROFILE=prod).\n"
        ),
        "{screen}"
    );
    let env = read(&out);
    assert!(
        env.ends_with("export AWS_REGION=eu-central-1\nexport AWS_DEFAULT_REGION=eu-central-1\n"),
        "prod's credentials and region: {env}"
    );
    let calls = sb.mock.requests();
    assert!(
        calls
            .iter()
            .any(|r| r.query_param("account_id").as_deref() == Some("222222222222")),
        "prod's account"
    );
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs util-linux script (a pseudo-terminal)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn the_picker_reaches_a_terminal_behind_captured_stderr_and_asks_again() {
    let sb = Sandbox::new().await;
    sb.write_config(&config_without_default());
    sb.login("dev");
    let (out, err) = files(&sb);
    let line = format!(
        "exec {} export --format env >{} 2>{}",
        bin(),
        sh_word(&out),
        sh_word(&err)
    );
    // Before: configure's picker drew on stderr, so it could not work with stderr captured.
    let (code, screen) = pick_on_pty(&sb, &line, "leg\r");
    assert_eq!(code, Some(0), "{screen}\n{}", read(&err));
    assert!(screen.contains(PICKER), "{screen}");
    assert!(screen.contains("Using profile legacy"), "{screen}");
    assert_eq!(read(&err), "");
    assert!(read(&out).starts_with("export AWS_ACCESS_KEY_ID=ASIAMOCK"));
    // Enter with nothing matching picks nothing (before: an unknown answer, three times, fell
    // through to `default`); the picker waits until the person picks or gives up (Esc).
    let (code, screen) = pick_on_pty(&sb, &line, "zzz\r\x1b");
    assert_eq!(code, Some(1), "{screen}\n{}", read(&err));
    assert!(screen.contains("zzz"), "{screen}");
    assert!(!screen.contains("Using profile"), "{screen}");
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs util-linux script (a pseudo-terminal)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn giving_up_or_no_terminal_fails_as_without_a_picker() {
    let sb = Sandbox::new().await;
    sb.write_config(&config_without_default());
    let not_found = format!(
        "error: the config profile (default) could not be found in {}\nhint: list profiles with `ssoexec status`, or pass --profile NAME\n",
        sb.home().join(".aws").join("config").display()
    );
    let out = sb.run(&["export", "--format", "env"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), not_found);
    let (_, err) = files(&sb);
    let (code, screen) = pick_on_pty(
        &sb,
        &format!("exec {} export --format env 2>{}", bin(), sh_word(&err)),
        "\x1b",
    );
    assert_eq!(code, Some(1), "{screen}");
    assert!(screen.contains(PICKER), "{screen}");
    assert_eq!(read(&err), not_found);
    // A named profile, AWS_PROFILE, or a [default] profile: no question.
    sb.login("dev");
    let (code, screen) = sb.run_on_pty(
        &format!("AWS_PROFILE=dev exec {} export --format env", bin()),
        "",
    );
    assert_eq!(code, Some(0), "{screen}");
    assert!(!screen.contains("choose one"), "{screen}");
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs util-linux script (a pseudo-terminal)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn login_with_one_sso_session_and_kubeconfig_all_never_ask_for_a_profile() {
    let sb = Sandbox::new().await;
    sb.write_config(&config_without_default());
    // Before: login showed the list of profiles although they all sign in to sso-session corp.
    let (code, screen) = sb.run_on_pty(&format!("exec {} login --device-code", bin()), "");
    assert_eq!(code, Some(0), "{screen}");
    assert!(!screen.contains(PICKER), "{screen}");
    assert_eq!(sb.mock.count(Op::CreateTokenDevice), 1);
    // Before: `kubeconfig --all` asked for a profile it does not use.
    let (_, screen) = sb.run_on_pty(&format!("exec {} kubeconfig --all --dry-run", bin()), "");
    assert!(!screen.contains(PICKER), "{screen}");
}
