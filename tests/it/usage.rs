//! The command line as a person meets it: mistakes get the nearest right answer, every message
//! says where a bad value came from, each subcommand's help lists what applies to it, and the
//! completion scripts and man page come from the same parser.
use crate::support::mock::Op;
use crate::support::sandbox::*;
use std::io::Write;
use std::process::{Command, Stdio};

fn err_of(sb: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let out = sb
        .cmd()
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (out.status.code(), stdout(&out), stderr(&out))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mistyped_subcommand_gets_the_nearest_one() {
    let sb = Sandbox::new().await;
    // Before: "error: unexpected argument 'logn' found" and the usage line.
    let (code, out, err) = err_of(&sb, &["logn"], &[]);
    assert_eq!(code, Some(2));
    assert_eq!(out, "");
    assert_eq!(
        err,
        "error: unrecognized subcommand 'logn'\nhint: did you mean `ssoexec login`? To run a program named logn: ssoexec -- logn\n"
    );
    let (code, _, err) = err_of(&sb, &["--profile", "dev", "stauts", "--json"], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("did you mean `ssoexec status`?"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_program_without_the_separator_is_shown_with_it() {
    let sb = Sandbox::new().await;
    let (code, _, err) = err_of(
        &sb,
        &["--profile", "dev", "terraform", "plan", "-out", "x y"],
        &[],
    );
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: unrecognized subcommand 'terraform'\nhint: to run a program with credentials, put it after `--`: ssoexec --profile dev -- terraform plan -out 'x y'\n"
    );
    assert_eq!(sb.mock.total_requests(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_name_gets_the_nearest_one_and_says_where_it_came_from() {
    let sb = Sandbox::new().await;
    let cfg = sb.home().join(".aws").join("config").display().to_string();
    let (code, _, err) = err_of(&sb, &["credential-process", "--profile", "dvv"], &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        format!(
            "error: the config profile (dvv) could not be found in {cfg}\nhint: did you mean `dev`? list profiles with `ssoexec status`, or pass --profile NAME\n"
        )
    );
    let (code, _, err) = err_of(&sb, &["credential-process"], &[("AWS_PROFILE", "prdo")]);
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        format!(
            "error: the config profile (prdo) from AWS_PROFILE could not be found in {cfg}\nhint: did you mean `prod`? fix AWS_PROFILE, or pass --profile NAME; list profiles with `ssoexec status`\n"
        )
    );
    // Before: `hint: fix the file named above; \`aws configure sso\` can write a valid profile`.
    let (code, _, err) = err_of(&sb, &["logout", "--sso-session", "crop"], &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        format!(
            "error: the sso-session \"crop\" does not exist in {cfg}\nhint: did you mean `corp`? an [sso-session NAME] section names a session; `ssoexec configure` can write one\n"
        )
    );
    let (code, _, err) = err_of(&sb, &["logout", "--sso-session", "nope"], &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        format!(
            "error: the sso-session \"nope\" does not exist in {cfg}\nhint: an [sso-session NAME] section names a session; `ssoexec configure` can write one\n"
        )
    );
    let (code, _, err) = err_of(
        &sb,
        &["export", "--profile", "dev", "--format", "dotenvv"],
        &[],
    );
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("error: unknown format `dotenvv` (did you mean `dotenv`?): not one of "),
        "{err}"
    );
    assert_eq!(sb.mock.total_requests(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn values_from_flags_and_variables_are_named_without_a_file_hint() {
    let sb = Sandbox::new().await;
    // Before: `region = "eu west 1" in from AWS_REGION is not valid: …` and
    // `hint: fix the file named above; \`aws configure sso\` can write a valid profile`.
    let (code, _, err) = err_of(
        &sb,
        &["credential-process", "--profile", "dev"],
        &[("AWS_REGION", "eu west 1")],
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        "error: region = \"eu west 1\" from AWS_REGION is not valid: a region is lower-case words and a number joined by dashes, like eu-west-1\nhint: did you mean `eu-west-1`? fix AWS_REGION\n"
    );
    let (code, _, err) = err_of(
        &sb,
        &[
            "--region",
            "EU_WEST_1",
            "credential-process",
            "--profile",
            "dev",
        ],
        &[],
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        "error: region = \"EU_WEST_1\" from --region is not valid: a region is lower-case words and a number joined by dashes, like eu-west-1\nhint: did you mean `eu-west-1`? fix --region\n"
    );
    let (code, _, err) = err_of(
        &sb,
        &[
            "login",
            "--start-url",
            "http://x",
            "--sso-region",
            "us-east-1",
        ],
        &[],
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        "error: sso_start_url = \"http://x\" from --start-url is not valid: it must be an https URL, like https://d-1234567890.awsapps.com/start\nhint: fix --start-url\n"
    );
    // A region in the file still points at the file.
    sb.write_config("[profile r]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = ReadOnly\nregion = eu-west 1\n[sso-session corp]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n");
    let cfg = sb.home().join(".aws").join("config").display().to_string();
    let (code, _, err) = err_of(&sb, &["credential-process", "--profile", "r"], &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        format!(
            "error: region = \"eu-west 1\" in the profile \"r\" of {cfg} is not valid: a region is lower-case words and a number joined by dashes, like eu-west-1\nhint: did you mean `eu-west-1`? fix the file named above; `ssoexec configure` can write a valid profile\n"
        )
    );
    assert_eq!(sb.mock.total_requests(), 0, "checked before any login");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_well_formed_unknown_region_is_a_warning() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let out = sb.run(&[
        "--region",
        "eu-wset-1",
        "credential-process",
        "--profile",
        "dev",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "warning: region = \"eu-wset-1\" from --region is not a region ssoexec knows (did you mean eu-west-1?); using it as given\n"
    );
    let out = sb.run(&[
        "--region",
        "xx-newplace-7",
        "credential-process",
        "--profile",
        "dev",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "warning: region = \"xx-newplace-7\" from --region is not a region ssoexec knows; using it as given\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_id_is_twelve_digits_checked_by_the_parser() {
    let sb = Sandbox::new().await;
    let (code, _, err) = err_of(
        &sb,
        &["export", "--profile", "dev", "--account-id", "12345"],
        &[],
    );
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("error: invalid value '12345' for '--account-id <ID>': an AWS account id is 12 digits, like 111122223333\n"),
        "{err}"
    );
    let (code, _, err) = err_of(
        &sb,
        &["serve", "--profile", "dev", "--bind", "localhost"],
        &[],
    );
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("error: invalid value 'localhost' for '--bind <ADDR:PORT>'"),
        "{err}"
    );
    assert_eq!(sb.mock.total_requests(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_subcommand_help_lists_only_what_applies() {
    let sb = Sandbox::new().await;
    let help = |args: &[&str]| {
        let out = sb.run(args);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let status = help(&["status", "--help"]);
    for present in ["--profile", "--sso-session", "--json", "--debug"] {
        assert!(status.contains(present), "status lacks {present}: {status}");
    }
    for absent in [
        "--flow",
        "--pkce",
        "--no-browser",
        "--start-url",
        "--region",
        "--login-if-needed",
    ] {
        assert!(!status.contains(absent), "status lists {absent}: {status}");
    }
    let login = help(&["login", "--help"]);
    for present in [
        "--profile",
        "--start-url",
        "--sso-region",
        "--flow",
        "--device-code",
        "--no-browser",
    ] {
        assert!(login.contains(present), "login lacks {present}: {login}");
    }
    for absent in [
        "--region <",
        "--account-id <",
        "--role-name <",
        "--renew",
        "--force",
    ] {
        assert!(!login.contains(absent), "login lists {absent}: {login}");
    }
    let github = help(&["github", "--help"]);
    for present in [
        "--region <",
        "--start-url <",
        "--account-id <",
        "--role-name <",
        "--profile <",
    ] {
        assert!(github.contains(present), "github lacks {present}: {github}");
    }
    for absent in [
        "--aws-region",
        "--sso-start-url",
        "--sso-account-id",
        "--sso-role-name",
        "--flow",
    ] {
        assert!(!github.contains(absent), "github lists {absent}: {github}");
    }
    let top = help(&["--help"]);
    assert!(
        top.contains("Usage: ssoexec [OPTIONS] <SUBCOMMAND>\n       ssoexec [OPTIONS] -- <PROGRAM> [ARGS]...\n"),
        "{top}"
    );
    // The options stay accepted before the subcommand, and after it.
    sb.login("dev");
    for args in [
        &["--profile", "prod", "status", "--json"][..],
        &["status", "--json", "--profile", "prod"][..],
    ] {
        let out = sb.run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let profiles: Vec<&str> = v["sessions"][0]["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["profile"].as_str().unwrap())
            .collect();
        assert_eq!(profiles, ["default", "dev", "prod"], "{args:?}");
    }
    // The action's input names still work, hidden.
    let out = sb.run(&[
        "github",
        "--aws-region",
        "eu-west-1",
        "--sso-start-url",
        "https://x.example/start",
        "--help",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[cfg_attr(windows, ignore = "needs sh (the child)")]
#[tokio::test(flavor = "multi_thread")]
async fn force_and_renew_work_in_the_shorthand() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    // Before: "error: unexpected argument '--force' found".
    let out = sb
        .cmd()
        .args([
            "--force",
            "--profile",
            "dev",
            "--",
            "sh",
            "-c",
            "echo $SSOEXEC_PROFILE",
        ])
        .env("SSOEXEC_PROFILE", "prod")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "dev\n");
    let out = sb.run(&[
        "--renew",
        "--profile",
        "dev",
        "--",
        "sh",
        "-c",
        "test -z \"$AWS_ACCESS_KEY_ID\" && curl -s -o /dev/null -w '%{http_code}\\n' -H \"Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN\" \"$AWS_CONTAINER_CREDENTIALS_FULL_URI\"",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "200\n");
    // Before another subcommand they mean nothing: said, not ignored.
    let (code, _, err) = err_of(&sb, &["--force", "status"], &[]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: --force applies to `ssoexec -- PROGRAM` and `ssoexec exec`, not to `ssoexec status`\nhint: see `ssoexec status --help`\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_without_a_profile_asks_for_all_and_all_excludes_a_profile() {
    let sb = Sandbox::new().await;
    sb.write_config("[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = ReadOnly\n[sso-session corp]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n");
    // Before: "the config profile (default) could not be found", no mention of --all.
    let (code, _, err) = err_of(&sb, &["logout"], &[]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: no profile to sign out of (no --profile, AWS_PROFILE or [default] profile): pass --profile NAME or --sso-session NAME, or --all to sign out of every session\nhint: see `ssoexec --help`\n"
    );
    let (code, _, err) = err_of(&sb, &["logout", "--all", "--profile", "dev"], &[]);
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("error: the argument '--all' cannot be used with '--profile <PROFILE>'"),
        "{err}"
    );
    let (code, _, err) = err_of(&sb, &["--profile", "dev", "logout", "--all"], &[]);
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with(
            "error: --all signs out of every session: it cannot be combined with a profile"
        ),
        "{err}"
    );
    sb.login("dev");
    let out = sb.run(&["logout", "--all"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "Signed out of 1 SSO session(s).\n");
    assert_eq!(sb.mock.count(Op::Logout), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn status_says_expired_shows_config_less_logins_and_fails_on_a_bad_profile() {
    let sb = Sandbox::new().await;
    // An expired token that cannot be refreshed.
    sb.seed_token("old-token", None, -60);
    let out = sb.run(&["status", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            // Before: "token expired at 2026-11-26T09:59:00Z" here, "valid for 1h00m" below.
            "sso-session corp ({START_URL}, us-east-1): token expired 1 min ago (at 09:59 UTC), run `ssoexec login --sso-session corp`\n  default              111111111111 / ReadOnly                 no cached credentials\n  dev                  111111111111 / ReadOnly                 no cached credentials\n  prod                 222222222222 / ReadOnly                 no cached credentials\n"
        )
    );
    // Before: exit 0 and the whole listing.
    let out = sb.run(&["status", "--profile", "nosuch"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).starts_with("error: the config profile (nosuch) could not be found"),
        "{}",
        stderr(&out)
    );

    // A config-less login (before: "No SSO sessions or profiles are configured").
    let other = "https://d-9999999999.awsapps.com/start";
    sb.write_config("");
    let out = sb.run(&[
        "login",
        "--start-url",
        other,
        "--sso-region",
        "eu-west-1",
        "--device-code",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // One form for times in every command: `login` and `status` say the same thing.
    let expires = "expires in 1 h (at 11:00 UTC)";
    assert!(
        stderr(&out).ends_with(&format!(
            "Signed in to {other}: the token {expires}, refreshable.\n"
        )),
        "{}",
        stderr(&out)
    );
    let out = sb.run(&["status"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!("{other} ({other}, eu-west-1): signed in, token {expires}, refreshable\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupt_cache_file_is_warned_about_once() {
    let sb = Sandbox::new().await;
    std::fs::create_dir_all(sb.sso_cache()).unwrap();
    std::fs::write(sb.token_file("corp"), "garbage").unwrap();
    let out = sb.run(&["credential-process", "--profile", "dev"]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert_eq!(
        err.matches("warning: ignoring unreadable cache file")
            .count(),
        1,
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plain_profile_is_not_an_sso_profile_everywhere() {
    let sb = Sandbox::new().await;
    let cfg = sb.home().join(".aws").join("config").display().to_string();
    let want = format!(
        "error: the profile \"static\" is not an SSO profile (no sso_account_id, sso_role_name or sso_session in {cfg})"
    );
    // Before: accounts said "is configured to use SSO but is missing required configuration".
    for args in [
        &["accounts", "--profile", "static"][..],
        &["credential-process", "--profile", "static"][..],
        &["login", "--profile", "static"][..],
    ] {
        let out = sb.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(stderr(&out).lines().next().unwrap(), want, "{args:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn output_without_format_writes_env_and_exec_credential_needs_a_cluster() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aws.sh");
    // Before: "the following required arguments were not provided: --format <FORMAT>".
    let out = sb.run(&[
        "export",
        "--profile",
        "dev",
        "--output",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("export AWS_ACCESS_KEY_ID=ASIA"), "{text}");
    // Before: exit 1 with no hint (or 3 without a token).
    let before = sb.mock.total_requests();
    let (code, out, err) = err_of(
        &sb,
        &["export", "--profile", "dev", "--format", "exec-credential"],
        &[],
    );
    assert_eq!((code, out.as_str()), (Some(2), ""));
    assert_eq!(
        err,
        "error: the exec-credential format needs --cluster-name NAME (the EKS cluster to sign for)\nhint: see `ssoexec --help`\n"
    );
    assert_eq!(sb.mock.total_requests(), before);
}

/// A browser command that cannot start: said at once, with the URL and code to use by hand.
#[cfg_attr(windows, ignore = "expects the Unix error text and a false program")]
#[tokio::test(flavor = "multi_thread")]
async fn a_browser_that_cannot_start_is_said() {
    let sb = Sandbox::new().await;
    let out = sb
        .cmd()
        .args(["login", "--profile", "dev", "--device-code"])
        .env("BROWSER", "firefx")
        .env("SSOEXEC_LOGIN_TIMEOUT", "2")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "nobody approves: {}",
        stderr(&out)
    );
    let err = stderr(&out);
    let at = err
        .find("warning: the browser could not be opened (could not run firefx: No such file or directory (os error 2)). Open this URL in any browser:\n\n    ")
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        err[at..].contains("and check that it shows the code:\n\n    "),
        "{err}"
    );
    // A launcher that starts and fails at once (as xdg-open without a browser) is said too.
    let out = sb
        .cmd()
        .args(["login", "--profile", "dev", "--pkce"])
        .env("BROWSER", "false")
        .env("SSOEXEC_LOGIN_TIMEOUT", "2")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("warning: the browser could not be opened (false exited with exit status: 1). Open this URL in a browser on this machine:\n\n    http://"),
        "{err}"
    );
}

/// Ctrl-C while the countdown is on screen: the countdown line is erased before the report.
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs util-linux script (a pseudo-terminal)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn interrupting_the_countdown_reports_on_a_clean_line() {
    let sb = Sandbox::new().await;
    sb.mock.set_auto_approve(false);
    let mut pty = sb.on_pty("login --profile dev --device-code --no-browser", false);
    // ^C typed on the terminal once the countdown is drawn: the line discipline sends SIGINT.
    pty.expect(" UTC) ");
    pty.type_text("\x03");
    let (_, screen) = pty.finish();
    let countdown = screen.rfind(" UTC) ").unwrap_or_else(|| panic!("{screen}"));
    let after = &screen[countdown + " UTC) ".len()..];
    // The label is coloured: the report is on a terminal.
    assert!(
        after.starts_with("\r\x1b[2K\x1b[1;31merror:\x1b[0m interrupted")
            || after.starts_with("^C\r\x1b[2K\x1b[1;31merror:\x1b[0m interrupted"),
        "{after:?}"
    );
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs util-linux script (a pseudo-terminal)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn tables_have_headers_on_a_terminal() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    for (args, header) in [
        (
            "accounts --profile dev",
            "ACCOUNT       NAME                           EMAIL\r\n",
        ),
        (
            "roles --profile dev --account-id 111111111111",
            "ACCOUNT       ROLE\r\n",
        ),
        (
            "status",
            "  PROFILE              ACCOUNT      / ROLE                     CREDENTIALS\r\n",
        ),
    ] {
        let (status, screen) = sb.on_pty(args, true).finish();
        assert!(status.success(), "{args}: {screen}");
        assert!(screen.contains(header), "{args}: {screen}");
        // On a pipe: the rows without the header.
        let piped = sb.run(&args.split(' ').collect::<Vec<_>>());
        assert!(
            !stdout(&piped).contains("ACCOUNT "),
            "{args}: {}",
            stdout(&piped)
        );
    }
}

fn completion_script(sb: &Sandbox, shell: &str) -> String {
    let out = sb.run(&["completions", shell]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    stdout(&out)
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs bash with bash-completion (scripts/install-test-tools.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn bash_completion_loads_and_completes_subcommands_and_profiles() {
    let sb = Sandbox::new().await;
    let script = sb.home().join("ssoexec.bash");
    std::fs::write(&script, completion_script(&sb, "bash")).unwrap();
    let bin_dir = assert_cmd::cargo::cargo_bin("ssoexec")
        .parent()
        .unwrap()
        .to_path_buf();
    let probe = format!(
        r#"source '{}'
complete -p ssoexec
complete_words() {{ COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${{#COMP_LINE}}; COMPREPLY=(); _ssoexec_with_profiles ssoexec "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"; printf '%s\n' "${{COMPREPLY[@]}}" | sort | tr '\n' ' '; echo; }}
complete_words ssoexec lo
complete_words ssoexec export --format dot
complete_words ssoexec login --profile pr
"#,
        script.display()
    );
    let out = sb
        .wrapper("bash")
        .env(
            "PATH",
            format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap()),
        )
        .args(["--norc", "-c", &probe])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "complete -o bashdefault -o default -o nosort -F _ssoexec_with_profiles ssoexec\nlogin logout \ndotenv \nprod \n"
    );
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs zsh and fish (scripts/install-test-tools.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn zsh_and_fish_completion_scripts_parse_and_fish_completes_profiles() {
    let sb = Sandbox::new().await;
    let dir = tempfile::tempdir().unwrap();
    let zsh = dir.path().join("_ssoexec");
    std::fs::write(&zsh, completion_script(&sb, "zsh")).unwrap();
    let out = Command::new("zsh")
        .arg("-n")
        .arg(&zsh)
        .output()
        .expect("zsh is needed (scripts/install-test-tools.sh installs it)");
    assert!(out.status.success(), "zsh: {}", stderr(&out));
    let fish = dir.path().join("ssoexec.fish");
    std::fs::write(&fish, completion_script(&sb, "fish")).unwrap();
    let out = Command::new("fish")
        .arg("--no-execute")
        .arg(&fish)
        .output()
        .unwrap();
    assert!(out.status.success(), "fish: {}", stderr(&out));
    let bin_dir = assert_cmd::cargo::cargo_bin("ssoexec")
        .parent()
        .unwrap()
        .to_path_buf();
    let out = sb
        .wrapper("fish")
        .env(
            "PATH",
            format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap()),
        )
        .args([
            "--no-config",
            "-c",
            &format!(
                "source '{}'; complete -C 'ssoexec login --profile pr'",
                fish.display()
            ),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "prod\n");
    for shell in ["powershell", "elvish"] {
        assert!(completion_script(&sb, shell).contains("ssoexec"), "{shell}");
    }
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs groff (scripts/install-test-tools.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn the_man_page_renders() {
    let sb = Sandbox::new().await;
    let out = sb.run(&["man"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let roff = stdout(&out);
    assert!(
        roff.starts_with(".ie \\n(.g .ds Aq \\(aq\n"),
        "{}",
        &roff[..200.min(roff.len())]
    );
    assert!(roff.contains(".TH ssoexec 1"), "{roff}");
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH DESCRIPTION",
        ".SH OPTIONS",
        ".SH IDENTITY",
        ".SH LOGIN",
        ".SH Subcommands",
    ] {
        assert!(roff.contains(section), "{section}");
    }
    let mut groff = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("groff is needed (scripts/install-test-tools.sh installs it)");
    groff
        .stdin
        .take()
        .unwrap()
        .write_all(roff.as_bytes())
        .unwrap();
    let page = groff.wait_with_output().unwrap();
    assert!(page.status.success());
    assert_eq!(stderr(&page), "", "groff warnings");
    // Bold is `c\bc`; justification pads with spaces: compare words.
    let text = strip_overstrike(&page.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for needle in [
        "ssoexec - Sign in to AWS IAM Identity Center once",
        "ssoexec [OPTIONS] -- <PROGRAM> [ARGS]...",
        "ssoexec-completions(1) Print a shell completion script",
        "credential-process",
        "-p, --profile",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    // The pages the main page refers to exist.
    let out = sb.run(&["man", "login"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let roff = stdout(&out);
    assert!(roff.contains(".TH ssoexec-login 1"), "{roff}");
    assert!(roff.contains("\\-\\-device\\-code"), "{roff}");
    assert!(
        !roff.contains("\\-\\-region"),
        "login has no --region: {roff}"
    );
    let out = sb.run(&["man", "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
}

/// groff's terminal output bolds with `c\bc`; this keeps the last character of each.
fn strip_overstrike(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    let mut out: Vec<char> = Vec::new();
    for c in s.chars() {
        if c == '\u{8}' {
            out.pop();
        } else {
            out.push(c);
        }
    }
    out.into_iter().collect()
}

/// The first line of `export --format ini`: `[NAME]`, the profile the command used.
fn profile_used(sb: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut all = vec!["export", "--format", "ini"];
    all.extend(args);
    let (code, out, err) = err_of(sb, &all, env);
    assert_eq!(code, Some(0), "{all:?} {env:?}: {err}");
    out.lines().next().unwrap_or_default().to_string()
}

#[cfg_attr(windows, ignore = "needs sh (the child)")]
#[tokio::test(flavor = "multi_thread")]
async fn the_profile_is_a_word_after_the_subcommand() {
    let sb = Sandbox::new().await;
    // Before: `error: unexpected argument 'dev' found` for every one of these.
    let (code, _, err) = err_of(&sb, &["login", "prod", "--device-code"], &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(profile_used(&sb, &["prod"], &[]), "[prod]");
    let by_flag = sb.run(&["credential-process", "--profile", "prod"]);
    let by_word = sb.run(&["credential-process", "prod"]);
    assert!(by_word.status.success(), "{}", stderr(&by_word));
    assert_eq!(stdout(&by_word), stdout(&by_flag));
    let out = sb.run(&[
        "exec",
        "prod",
        "--",
        "sh",
        "-c",
        "echo $SSOEXEC_PROFILE $AWS_REGION",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "prod eu-central-1\n");
    let out = sb.run(&["console", "prod", "--print"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("http"), "{}", stdout(&out));
    let out = sb.run(&["eks-token", "prod", "--cluster-name", "prod-eks"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for args in [
        &["status", "prod"][..],
        &["accounts", "prod"],
        &["roles", "prod", "--account-id", "222222222222"],
    ] {
        let out = sb.run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    // The word and the flag name one profile, or it is a usage error.
    let (code, out, err) = err_of(
        &sb,
        &["exec", "dev", "--profile", "prod", "--", "true"],
        &[],
    );
    assert_eq!((code, out.as_str()), (Some(2), ""));
    assert_eq!(
        err,
        "error: two profiles given: --profile prod and the word dev\nhint: name the profile once, as a word (`ssoexec login dev`) or with --profile\n"
    );
    assert_eq!(
        profile_used(&sb, &["dev", "--profile", "dev"], &[]),
        "[dev]"
    );
    // Before: `hint: … ssoexec -- dev -- env`, which runs a program called `dev`.
    let (code, _, err) = err_of(&sb, &["dev", "--", "env"], &[]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err,
        "error: unrecognized subcommand 'dev'\nhint: to run a program as the profile dev: ssoexec exec dev -- env\n"
    );
    let out = sb.run(&["logout", "prod"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "Signed out of 1 SSO session(s).\n");
}

#[cfg_attr(windows, ignore = "needs sh (the child)")]
#[tokio::test(flavor = "multi_thread")]
async fn one_order_chooses_the_profile_in_every_command() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    // flag > word > SSOEXEC_PROFILE > AWS_PROFILE > AWS_DEFAULT_PROFILE > default.
    type Row<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let rows: &[Row] = &[
        (&[], &[], "[default]"),
        (&[], &[("AWS_DEFAULT_PROFILE", "prod")], "[prod]"),
        (
            &[],
            &[("AWS_PROFILE", "dev"), ("AWS_DEFAULT_PROFILE", "prod")],
            "[dev]",
        ),
        (
            &[],
            &[("SSOEXEC_PROFILE", "prod"), ("AWS_PROFILE", "dev")],
            "[prod]",
        ),
        (
            &["dev"],
            &[("SSOEXEC_PROFILE", "prod"), ("AWS_PROFILE", "prod")],
            "[dev]",
        ),
        (
            &["--profile", "prod"],
            &[("SSOEXEC_PROFILE", "dev")],
            "[prod]",
        ),
        // After a config-less run SSOEXEC_PROFILE describes an identity, not a profile.
        (
            &[],
            &[
                ("SSOEXEC_PROFILE", "role ReadOnly in account 111111111111"),
                ("AWS_PROFILE", "prod"),
            ],
            "[prod]",
        ),
    ];
    for (args, env, want) in rows {
        assert_eq!(&profile_used(&sb, args, env), want, "{args:?} {env:?}");
    }
    // Inside the shell `ssoexec --profile prod` starts (it sets SSOEXEC_PROFILE and removes
    // AWS_PROFILE), other commands use prod. Before: `default`, and with no [default] profile
    // `console --print` failed with "the config profile (default) could not be found".
    sb.write_config(&CONFIG.replace("[default]", "[profile other]"));
    let bin = assert_cmd::cargo::cargo_bin("ssoexec");
    let bin = bin.display();
    let inner = format!(
        "{bin} export --format ini | head -n1; {bin} console --print >/dev/null && echo console ok"
    );
    let out = sb.run(&["--profile", "prod", "--", "sh", "-c", &inner]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "[prod]\nconsole ok\n", "{}", stderr(&out));
}

/// The help of every subcommand: its line count, and what it must not list.
#[tokio::test(flavor = "multi_thread")]
async fn a_flag_a_subcommand_does_not_use_is_neither_listed_nor_accepted() {
    let sb = Sandbox::new().await;
    let help = |args: &[&str]| {
        let out = sb.run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    };
    // Before: logout listed --account-id, doctor listed --pkce and every identity option, and
    // kubeconfig's help was 106 lines (the login flow's values took a paragraph each).
    for (sub, absent) in [
        (
            "logout",
            &["--account-id", "--role-name", "--region", "--flow"][..],
        ),
        (
            "doctor",
            &["--profile", "--pkce", "--device-code", "--sso-session"],
        ),
        (
            "status",
            &["--flow", "--start-url", "--region", "--account-id"],
        ),
        ("accounts", &["--account-id", "--role-name", "--region"]),
        ("roles", &["--role-name", "--region"]),
        ("shell-init", &["--profile"]),
    ] {
        let text = help(&[sub, "--help"]);
        for flag in absent {
            let listed = text.lines().any(|l| {
                let l = l.trim_start().trim_start_matches("-p, ");
                l.starts_with(&format!("{flag} ")) || l == *flag
            });
            assert!(!listed, "{sub} lists {flag}: {text}");
        }
    }
    let names: Vec<String> = help(&["--help"])
        .lines()
        .skip_while(|l| *l != "Subcommands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .filter(|n| n != "help")
        .collect();
    assert!(names.len() >= 19, "{names:?}");
    for sub in &names {
        let lines = help(&[sub, "--help"]).lines().count();
        let most = if sub == "github" { 70 } else { 60 };
        assert!(lines <= most, "{sub} --help is {lines} lines");
    }
    // configure's --profile names the profile to write, not one to read.
    let configure = help(&["configure", "--help"]);
    let profile = configure
        .lines()
        .find(|l| l.contains("--profile <"))
        .unwrap();
    assert!(
        profile.ends_with(
            "Name of the profile to write (default: ACCOUNT_NAME.ROLE_NAME, offered on a terminal)"
        ),
        "{configure}"
    );
    // Before: `doctor --profile nope --device-code` ran the whole doctor.
    let (code, out, err) = err_of(&sb, &["doctor", "--profile", "nope"], &[]);
    assert_eq!((code, out.as_str()), (Some(2), ""));
    assert!(
        err.starts_with("error: unexpected argument '--profile' found"),
        "{err}"
    );
    for (args, flag, sub) in [
        (&["--profile", "nope", "doctor"][..], "--profile", "doctor"),
        (&["--device-code", "doctor"], "--device-code", "doctor"),
        (
            &["--account-id", "111111111111", "logout", "dev"],
            "--account-id",
            "logout",
        ),
        (
            &["--region", "eu-west-1", "login", "dev"],
            "--region",
            "login",
        ),
        (&["--flow", "pkce", "status"], "--flow", "status"),
    ] {
        let (code, out, err) = err_of(&sb, args, &[]);
        assert_eq!((code, out.as_str()), (Some(2), ""), "{args:?}");
        assert_eq!(
            err,
            format!(
                "error: {flag} does not apply to `ssoexec {sub}`\nhint: see `ssoexec {sub} --help`\n"
            ),
            "{args:?}"
        );
    }
    assert_eq!(sb.mock.total_requests(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn help_names_every_format_and_where_options_apply() {
    let sb = Sandbox::new().await;
    let (_, _, err) = err_of(&sb, &["export", "dev", "--format", "nope"], &[]);
    let list = err
        .split("not one of ")
        .nth(1)
        .and_then(|l| l.split(" and no ").next())
        .unwrap_or_else(|| panic!("{err}"));
    let help = stdout(&sb.run(&["export", "--help"]));
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    // Before: the help left out exec-credential.
    for format in list.split(", ") {
        assert!(help.contains(format), "{format} missing from: {help}");
    }
    // Before: "--sso-session: Use an [sso-session NAME] directly (login, logout, status,
    // accounts)", while more subcommands take it.
    for sub in [
        "login",
        "logout",
        "status",
        "accounts",
        "credential-process",
        "export",
    ] {
        let text = stdout(&sb.run(&[sub, "--help"]));
        let line = text
            .lines()
            .find(|l| l.contains("--sso-session <"))
            .unwrap();
        assert!(
            line.ends_with("Use an [sso-session NAME] directly instead of a profile"),
            "{sub}: {line}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_first_run_is_pointed_at_configure() {
    let sb = Sandbox::new().await;
    std::fs::remove_file(sb.home().join(".aws").join("config")).unwrap();
    let cfg = sb.home().join(".aws").join("config").display().to_string();
    // Before: "the config profile (default) could not be found … list profiles with
    // `ssoexec status`", and `ssoexec status` then said nothing is configured.
    for args in [
        &["login"][..],
        &["credential-process"],
        &["console", "--print"],
    ] {
        let (code, out, err) = err_of(&sb, args, &[]);
        assert_eq!((code, out.as_str()), (Some(1), ""), "{args:?}");
        assert_eq!(
            err,
            format!(
                "error: no profile is configured: no profile was named and {cfg} has none\nhint: run `ssoexec configure` to sign in and write a profile\n"
            ),
            "{args:?}"
        );
    }
    // Before: "No SSO sessions or profiles are configured, and no SSO token is cached."
    let out = sb.run(&["status"]);
    assert_eq!(
        stdout(&out),
        "No SSO sessions or profiles are configured, and no SSO token is cached (`ssoexec configure` sets one up).\n"
    );
    // A named profile that does not exist is still that error.
    let (_, _, err) = err_of(&sb, &["login", "dev"], &[]);
    assert!(
        err.starts_with("error: the config profile (dev) could not be found"),
        "{err}"
    );
    assert_eq!(sb.mock.total_requests(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_sso_session_with_account_and_role_gets_role_credentials() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    // Before: "--sso-session corp is configured to use SSO but is missing required
    // configuration: --account-id, --role-name" although both were given.
    let out = sb.run(&[
        "credential-process",
        "--sso-session",
        "corp",
        "--account-id",
        "222222222222",
        "--role-name",
        "ReadOnly",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        stdout(&sb.run(&["credential-process", "prod"]))
    );
    // One of the two missing: said, with a command that lists them and works as printed.
    let (code, _, err) = err_of(
        &sb,
        &[
            "credential-process",
            "--sso-session",
            "corp",
            "--account-id",
            "222222222222",
        ],
        &[],
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        "error: --sso-session corp gets role credentials only with --role-name\nhint: pass --account-id ID --role-name NAME; `ssoexec roles --sso-session corp` lists the ones you can use\n"
    );
    let out = sb.run(&["roles", "--sso-session", "corp"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_credential_process_twin_stands_for_its_profile() {
    let sb = Sandbox::new().await;
    sb.write_config(&format!(
        "{CONFIG}\n[profile prod-cp]\ncredential_process = ssoexec credential-process --profile prod\nregion = eu-central-1\n\
         [profile word-cp]\ncredential_process = /usr/local/bin/ssoexec credential-process prod\n\
         [profile loop-a]\ncredential_process = ssoexec credential-process --profile loop-b\n\
         [profile loop-b]\ncredential_process = ssoexec credential-process --profile loop-a\n\
         [profile other]\ncredential_process = ssoexec credential-process --profile prod --role-name Admin\n"
    ));
    sb.login("prod");
    let want = stdout(&sb.run(&["export", "prod", "--format", "env"]));
    // Before: `error: the profile "prod-cp" is not an SSO profile`.
    for twin in ["prod-cp", "word-cp"] {
        let out = sb.run(&["export", twin, "--format", "env"]);
        assert!(out.status.success(), "{twin}: {}", stderr(&out));
        assert_eq!(stdout(&out), want, "{twin}");
        let out = sb.run(&["console", twin, "--print"]);
        assert!(out.status.success(), "{twin}: {}", stderr(&out));
    }
    // A loop, or a twin with options of its own, is not followed.
    let cfg = sb.home().join(".aws").join("config").display().to_string();
    for name in ["loop-a", "other"] {
        let (code, _, err) = err_of(&sb, &["export", name, "--format", "env"], &[]);
        assert_eq!(code, Some(1), "{name}");
        assert!(
            err.contains(&format!(
                "is not an SSO profile (no sso_account_id, sso_role_name or sso_session in {cfg})"
            )),
            "{name}: {err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sso_region_is_checked_like_region() {
    let sb = Sandbox::new().await;
    let cfg = sb.home().join(".aws").join("config").display().to_string();
    sb.write_config(&CONFIG.replace(
        "sso_region = us-east-1\nsso_registration",
        "sso_region = us-eats-1\nsso_registration",
    ));
    sb.login("dev");
    // Before: nothing said, and a login went to oidc.us-eats-1.amazonaws.com.
    let out = sb.run(&["credential-process", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "warning: sso_region = \"us-eats-1\" in the sso-session \"corp\" of {cfg} is not a region ssoexec knows (did you mean us-east-1?); using it as given\n"
        )
    );
    sb.write_config(&CONFIG.replace(
        "sso_region = us-east-1\nsso_registration",
        "sso_region = us east 1\nsso_registration",
    ));
    let (code, _, err) = err_of(&sb, &["login", "dev"], &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        format!(
            "error: sso_region = \"us east 1\" in the sso-session \"corp\" of {cfg} is not valid: a region is lower-case words and a number joined by dashes, like eu-west-1\nhint: did you mean `us-east-1`? fix the file named above; `ssoexec configure` can write a valid profile\n"
        )
    );
    // Before: "mars-1 … is not valid: a region is lower-case letters, digits and dashes" (it is).
    let (code, _, err) = err_of(&sb, &["export", "dev", "--region", "mars-1"], &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        "error: region = \"mars-1\" from --region is not valid: a region is lower-case words and a number joined by dashes, like eu-west-1\nhint: fix --region\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_404_says_what_to_check() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let wrong = format!("{}/not-the-portal", sb.mock.uri());
    // Before: "GetRoleCredentials failed: HTTP 404" and no hint.
    let (code, _, err) = err_of(
        &sb,
        &["credential-process", "dev"],
        &[("AWS_ENDPOINT_URL_SSO", &wrong)],
    );
    assert_eq!(code, Some(1), "{err}");
    let hint = err
        .lines()
        .find(|l| l.starts_with("hint: "))
        .unwrap_or_else(|| panic!("{err}"));
    assert_eq!(
        hint,
        "hint: the server has no such API: check the region (sso_region for the portal and login, region for STS and EKS) and any AWS_ENDPOINT_URL_* override",
        "{err}"
    );
}

#[cfg_attr(
    windows,
    ignore = "feeds a POSIX shell on stdin; the shell here is cmd.exe"
)]
#[tokio::test(flavor = "multi_thread")]
async fn accounts_on_a_pipe_are_one_a_line_and_exec_without_a_program_is_the_shell() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    // Before: pretty JSON unless on a terminal, so `accounts | grep prod` printed `"accountName": "prod",`.
    let out = sb.run(&["accounts", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 3, "{text}");
    let prod = text.lines().find(|l| l.contains("prod")).unwrap();
    assert!(prod.starts_with("222222222222  prod"), "{text}");
    let out = sb.run(&["accounts", "dev", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3);
    let out = sb.run(&["roles", "dev", "--account-id", "222222222222"]);
    assert!(
        stdout(&out)
            .lines()
            .all(|l| l.starts_with("222222222222  ")),
        "{}",
        stdout(&out)
    );
    // Before: `exec --profile dev` with no program was a usage error; now the shell, as
    // `ssoexec --profile dev` starts.
    let out = sb
        .cmd()
        .args(["exec", "--profile", "dev"])
        .env("SHELL", "/bin/sh")
        .write_stdin("echo \"shell for $SSOEXEC_PROFILE\"\n")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "shell for dev\n");
}

#[tokio::test(flavor = "multi_thread")]
async fn compose_override_without_a_service_lists_the_services() {
    let sb = Sandbox::new().await;
    let dir = tempfile::tempdir().unwrap();
    let run = || {
        let out = sb
            .cmd()
            .current_dir(dir.path())
            .args(["export", "dev", "--format", "compose-override"])
            .output()
            .unwrap();
        (out.status.code(), stderr(&out))
    };
    // Before: "needs at least one --service NAME", whatever the compose file holds.
    assert_eq!(
        run(),
        (Some(2), "error: the compose-override format needs at least one --service NAME (no compose file here to list the services of)\nhint: see `ssoexec --help`\n".to_string())
    );
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  app:\n    image: x\n  db:\n    image: y\n",
    )
    .unwrap();
    assert_eq!(
        run(),
        (Some(2), "error: the compose-override format needs at least one --service NAME: the services of compose.yaml are app, db\nhint: see `ssoexec --help`\n".to_string())
    );
    assert_eq!(sb.mock.total_requests(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_url_in_a_message_shows_its_redacted_values_as_an_ellipsis() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let (code, _, err) = err_of(
        &sb,
        &["credential-process", "dev"],
        &[
            ("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9"),
            ("SSOEXEC_HTTP_TIMEOUT", "2"),
        ],
    );
    assert_eq!(code, Some(1), "{err}");
    // Before: `?account_id=%E2%80%A6&role_name=%E2%80%A6`.
    assert!(
        err.starts_with("error: GetRoleCredentials could not reach http://127.0.0.1:9/federation/credentials?role_name=…&account_id=…")
            || err.starts_with("error: GetRoleCredentials could not reach http://127.0.0.1:9/federation/credentials?account_id=…&role_name=…"),
        "{err}"
    );
    assert!(!err.contains("%E2%80%A6"), "{err}");
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs util-linux script (a pseudo-terminal)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn labels_are_coloured_on_a_terminal_unless_no_color() {
    let sb = Sandbox::new().await;
    let screen = |no_color: &str| {
        let (status, screen) = sb
            .on_pty_with_env("logn", true, &[("NO_COLOR", no_color)])
            .finish();
        assert_eq!(status.code(), Some(2), "{screen}");
        screen.replace("\r\n", "\n")
    };
    // Before: plain text on a terminal too.
    assert_eq!(
        screen(""),
        "\x1b[1;31merror:\x1b[0m unrecognized subcommand 'logn'\n\x1b[1;36mhint:\x1b[0m did you mean `ssoexec login`? To run a program named logn: ssoexec -- logn\n"
    );
    assert_eq!(
        screen("1"),
        "error: unrecognized subcommand 'logn'\nhint: did you mean `ssoexec login`? To run a program named logn: ssoexec -- logn\n"
    );
}
