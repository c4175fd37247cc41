//! `ssoexec doctor`: every check has a setup that trips it and one that passes; whole outputs,
//! `--json`, exit 1 on a problem.
use crate::support::sandbox::{CONFIG, NOW, Sandbox, ssoexec_bin, stderr, stdout};
use std::path::Path;

/// The output with the sandbox's home shown as `~`.
fn shown(sb: &Sandbox, out: &std::process::Output) -> String {
    tilde(sb, &stdout(out))
}

/// `text` with the sandbox's home shown as `~`, and Windows paths (`~\.aws\config`) written as
/// on Unix, so one expected text serves both.
fn tilde(sb: &Sandbox, text: &str) -> String {
    let text = text.replace(&sb.home().display().to_string(), "~");
    if cfg!(windows) {
        text.replace('\\', "/")
    } else {
        text
    }
}

/// PATH holding this build's ssoexec and the system's programs.
fn path_with_ssoexec() -> std::ffi::OsString {
    let bin = ssoexec_bin();
    let dirs = [
        bin.parent().unwrap(),
        Path::new("/usr/bin"),
        Path::new("/bin"),
    ];
    std::env::join_paths(dirs).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_healthy_setup_passes_every_check() {
    let sb = Sandbox::new().await;
    sb.write_config(&format!(
        "{CONFIG}\n[profile cp]\ncredential_process = ssoexec credential-process --profile dev\n"
    ));
    sb.login("dev");
    let kube = sb.home().join(".kube");
    std::fs::create_dir_all(&kube).unwrap();
    let ok = sb.run(&[
        "kubeconfig",
        "--profile",
        "dev",
        "--cluster-name",
        "prod-eks",
        "--command",
        "ssoexec",
    ]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let out = sb
        .cmd()
        .env("PATH", path_with_ssoexec())
        .arg("doctor")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        shown(&sb, &out),
        "\
ok       config: ~/.aws/config parses (6 profiles, 1 sso-session)
ok       inline-comment: no value carries an inline comment
ok       credential-process: no profile mixes credential_process with sso_* keys
ok       sso-session: every sso_session a profile names exists
warning  duplicate-login: legacy profile legacy and sso-session corp use the same start URL: two logins, two tokens (fix: replace sso_start_url/sso_region in profile legacy with sso_session = corp)
ok       start-url: every start URL looks like an IAM Identity Center one
ok       token: sso-session corp: token expires in 1 h (at 11:00 UTC), refreshable
ok       token: sso-session corp: the client registration expires in 90 d (at 2027-02-24 10:00 UTC)
warning  token: https://d-1234567890.awsapps.com/start: not signed in (fix: ssoexec login --start-url https://d-1234567890.awsapps.com/start --sso-region us-east-1)
ok       clock: within 0 s of the server's
ok       cache: ~/.aws/sso/cache is private and clean
ok       cache: ~/.aws/cli/cache is private and clean
ok       cache: ~/.cache/ssoexec is private and clean
ok       credential-process-command: every credential_process that calls ssoexec finds it and its profile
ok       kubeconfig: every exec entry of ~/.kube/config that calls ssoexec finds it and its profile
ok       environment: nothing in the environment overrides the profiles
"
    );
    assert_eq!(stderr(&out), "");

    // Without the legacy profile (the test config's deliberate second login), nothing to warn about.
    sb.write_config(&CONFIG.replace(
        "[profile legacy]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111111111111\nsso_role_name = Admin\n",
        "",
    ));
    let out = sb
        .cmd()
        .env("PATH", path_with_ssoexec())
        .args(["doctor", "--json", "--offline"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["ok"], true);
    let checks = doc["checks"].as_array().unwrap();
    assert!(checks.iter().all(|c| c["status"] == "ok"), "{checks:#?}");
    assert!(
        checks
            .iter()
            .any(|c| c["check"] == "clock" && c["message"] == "not checked (--offline)")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn each_check_trips_on_what_breaks_logins() {
    let sb = Sandbox::new().await;
    sb.write_config(
        "\
[profile inline]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = eu-west-1 # main

[profile both]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly
credential_process = /nonexistent/ssoexec credential-process --profile both

[profile orphan]
sso_session = gone
sso_account_id = 111111111111
sso_role_name = ReadOnly

[profile cp]
credential_process = ssoexec credential-process --profile missing

[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1

[sso-session odd]
sso_start_url = https://login.example.com/start
sso_region = us-east-1
",
    );
    // An expired token that cannot be refreshed; the server 10 minutes ahead.
    sb.seed_token("old-token", None, -3600);
    sb.mock.set_now(NOW + 600);
    // A cache directory others can write to, and a temp file an interrupted write left behind.
    let cli_cache = sb.cli_cache();
    std::fs::create_dir_all(&cli_cache).unwrap();
    std::fs::write(cli_cache.join(".abc.json.x1y2.tmp"), "{").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(sb.sso_cache(), std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    let kube = sb.home().join(".kube");
    std::fs::create_dir_all(&kube).unwrap();
    std::fs::write(
        kube.join("config"),
        "apiVersion: v1\nkind: Config\nusers:\n- name: eks\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ssoexec\n      args: [eks-token, --cluster-name, x, --profile, gone]\n",
    )
    .unwrap();
    let out = sb
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_PROFILE", "nope")
        .arg("doctor")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // Windows has no mode bits: the directory is private through its ACL (docs/platforms.md).
    let sso_cache_line = if cfg!(unix) {
        "problem  cache: ~/.aws/sso/cache is writable by others (mode 777) (fix: chmod go-w ~/.aws/sso/cache)"
    } else {
        "ok       cache: ~/.aws/sso/cache is private and clean"
    };
    assert_eq!(
        shown(&sb, &out),
        format!(
            "\
ok       config: ~/.aws/config parses (4 profiles, 2 sso-sessions)
problem  inline-comment: line 5: region = \"eu-west-1 # main\" keeps the comment in the value (fix: put the comment on a line of its own)
problem  credential-process: profile both has credential_process and sso_* keys: the SDKs use SSO and ignore credential_process (fix: keep one of them (a separate profile for credential_process))
problem  sso-session: profile orphan names sso_session gone, which does not exist (fix: add [sso-session gone] or fix the name (`ssoexec configure` writes both))
ok       duplicate-login: no start URL is signed in to twice
warning  start-url: sso-session odd: https://login.example.com/start does not look like an IAM Identity Center start URL (fix: copy the AWS access portal URL from the Identity Center console (https://<id>.awsapps.com/start))
warning  token: sso-session corp: token expired 1 h ago (at 09:00 UTC) and cannot be refreshed (fix: ssoexec login --sso-session corp)
ok       token: sso-session corp: the client registration expires in 89 d 23 h (at 2027-02-24 09:19 UTC)
warning  token: sso-session odd: not signed in (fix: ssoexec login --sso-session odd)
problem  clock: this computer's clock is 10 min behind the server's: tokens and signatures will be refused (fix: enable time synchronisation (NTP))
{sso_cache_line}
warning  cache: ~/.aws/cli/cache: 1 temporary file left by an interrupted write (fix: rm ~/.aws/cli/cache/.*.tmp)
ok       cache: ~/.cache/ssoexec does not exist yet
problem  credential-process-command: profile both's credential_process runs /nonexistent/ssoexec, which is not an executable file (fix: install ssoexec at /nonexistent/ssoexec, or point profile both's credential_process at the ssoexec you have)
problem  credential-process-command: profile cp's credential_process runs ssoexec, which is not on PATH (fix: put ssoexec on PATH, or write its absolute path)
problem  credential-process-command: profile cp's credential_process uses profile missing, which does not exist (fix: add the profile (`ssoexec configure --profile missing`) or fix the name)
problem  kubeconfig: kubeconfig user eks runs ssoexec, which is not on PATH (fix: put ssoexec on PATH, or write its absolute path)
problem  kubeconfig: kubeconfig user eks uses profile gone, which does not exist (fix: add the profile (`ssoexec configure --profile gone`) or fix the name)
warning  environment: AWS_ACCESS_KEY_ID is set: AWS SDKs and CLIs use those keys before any profile or AWS_PROFILE (fix: unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN)
problem  environment: AWS_PROFILE=nope names a profile that does not exist: every command without --profile fails (fix: unset AWS_PROFILE, or create the profile (`ssoexec configure --profile nope`))
"
        )
    );
    let json = sb
        .cmd()
        .env("PATH", "/usr/bin:/bin")
        .args(["doctor", "--json", "--offline"])
        .output()
        .unwrap();
    assert_eq!(json.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["checks"][1]["status"], "problem");
    assert_eq!(
        doc["checks"][1]["fix"],
        "put the comment on a line of its own"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_config_that_does_not_parse_is_a_problem_with_its_line() {
    let sb = Sandbox::new().await;
    sb.write_config("[profile a]\nregion = eu-west-1\n\n[profile b]\nregion = x\nRegion = y\n");
    let out = sb.run(&["doctor", "--offline"]);
    assert_eq!(out.status.code(), Some(1));
    let first = shown(&sb, &out).lines().next().unwrap().to_string();
    assert_eq!(
        first,
        "problem  config: unable to parse config file ~/.aws/config: line 6: key \"region\" appears twice in section [profile b] (first at line 5) (fix: edit ~/.aws/config at the line named)"
    );
}

/// A line that is not `key = value` in a section: the AWS CLI refuses the file, so ssoexec and
/// `doctor` do too, in words, with the line (in the middle of a section, and as the last line).
#[tokio::test(flavor = "multi_thread")]
async fn a_line_that_is_not_key_value_is_refused_with_its_line() {
    let sb = Sandbox::new().await;
    let why =
        "the line is not `key = value`, a [section] header, a comment or an indented continuation";
    for (config, line) in [
        (
            format!(
                "{CONFIG}\n[profile x]\nregion = eu-west-1\nthis line is not ini\noutput = json\n"
            ),
            35,
        ),
        (
            format!("{CONFIG}\n[profile x]\nregion = eu-west-1\nthis line is not ini"),
            35,
        ),
    ] {
        sb.write_config(&config);
        let out = sb.run(&["doctor", "--offline"]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_eq!(
            shown(&sb, &out).lines().next().unwrap(),
            format!(
                "problem  config: unable to parse config file ~/.aws/config: line {line}: {why} (fix: edit ~/.aws/config at the line named)"
            )
        );
        let used = sb.run(&["credential-process", "--profile", "dev"]);
        assert_eq!(used.status.code(), Some(1));
        assert_eq!(
            tilde(&sb, &stderr(&used)),
            format!(
                "error: unable to parse config file ~/.aws/config: line {line}: {why}\nhint: fix the file named above; `ssoexec configure` can write a valid profile\n"
            )
        );
    }
}

/// Hostile and odd configs: ssoexec (through `doctor`) accepts exactly what botocore accepts and
/// finds as many profiles and sso-sessions.
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs python3 with botocore (scripts/install-test-tools.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn doctor_accepts_and_refuses_what_botocore_does() {
    let sb = Sandbox::new().await;
    let corpus = [
        "[profile a]\nregion = x\n",
        "\u{feff}[default]\nregion = x\n",
        "[profilefoo bar]\nx = 1\n",
        "[profile a]\rx = 1\r[profile b]\ry = 2",
        "[profile a]\r\nx = 1\r\n[sso-session s]\r\nsso_region = r\r\n",
        "[DEFAULT]\nregion = r\n[profile a]\nx = 1\n",
        "[profile a]\nregion = x\n  [profile hidden]\n",
        "[profile a]\nn =\n  x = 1\n  y\n",
        "[plugins]\nn =\n  y\n",
        "[profile a]\nregion\n",
        "[profile a]\n= x\n",
        "[profile \"a#b\"]\nx = 1\n",
        "[profile a b]\nx = 1\n",
        "[profile \"a]\nx = 1\n",
        "[profile a]\u{1c}x = 1\n",
        "[profile a]\nx = 1\u{b}y\n",
        "x = 1\n[profile a]\n",
        "# c\n; c\n\n[profile a]\n  # indented comment\nx = 1\n\n\n  y\n",
        "[profile a]\nx = 1\n[profile a]\n",
        "[profile a]\nx = 1\nX : 2\n",
        "[profile a] trailing words\n[default]\n[profile default]\n",
        "[ profile a ]\nx = 1\n[sso-session]\n[services s]\nsts =\n  endpoint_url = http://x\n",
    ];
    let script = r#"
import sys, botocore.configloader as c
try:
    m = c.build_profile_map(c.raw_config_parse(sys.argv[1]))
    print(len(m["profiles"]), len(m["sso_sessions"]))
except Exception as e:
    print("refused")
"#;
    let path = sb.home().join(".aws").join("config");
    for config in corpus {
        sb.write_config(config);
        let py = std::process::Command::new("python3")
            .args(["-c", script])
            .arg(&path)
            .output()
            .expect("python3 with botocore (scripts/install-test-tools.sh)");
        let botocore = stdout(&py).trim().to_string();
        let out = sb.run(&["doctor", "--offline"]);
        let first = shown(&sb, &out).lines().next().unwrap().to_string();
        let ours = if first.starts_with("problem  config: unable to parse config file") {
            "refused".to_string()
        } else {
            let counts = first
                .split_once("parses (")
                .unwrap_or_else(|| panic!("{config:?}: {first}"))
                .1;
            let n: Vec<&str> = counts
                .split(|c: char| !c.is_ascii_digit())
                .filter(|w| !w.is_empty())
                .collect();
            n.join(" ")
        };
        assert_eq!(ours, botocore, "{config:?}: {first}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_refreshable_token_is_fine_until_its_registration_ends() {
    let sb = Sandbox::new().await;
    sb.seed_token("old", Some("refresh"), -60);
    let check = |registration_secs: i64| {
        let path = sb.token_file("corp");
        let mut v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        v["registrationExpiresAt"] =
            crate::support::sandbox::fmt_epoch(NOW + registration_secs).into();
        std::fs::write(&path, v.to_string()).unwrap();
        let out = sb.run(&["doctor", "--offline"]);
        shown(&sb, &out)
            .lines()
            .filter(|l| l.contains("token: sso-session corp"))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        check(30 * 86400),
        [
            "ok       token: sso-session corp: token expired 1 min ago (at 09:59 UTC), will be refreshed without a login",
            "ok       token: sso-session corp: the client registration expires in 30 d (at 2026-12-26 10:00 UTC)",
        ]
    );
    assert_eq!(
        check(2 * 86400),
        [
            "ok       token: sso-session corp: token expired 1 min ago (at 09:59 UTC), will be refreshed without a login",
            "warning  token: sso-session corp: the client registration expires in 2 d (at 2026-11-28 10:00 UTC) (fix: ssoexec login --sso-session corp (a new login registers again))",
        ]
    );
    assert_eq!(
        check(-86400),
        [
            "warning  token: sso-session corp: token expired 1 min ago (at 09:59 UTC) and cannot be refreshed (fix: ssoexec login --sso-session corp)",
            "warning  token: sso-session corp: the client registration expired 1 d ago (at 2026-11-25 10:00 UTC): refreshes fail (fix: ssoexec login --sso-session corp)",
        ]
    );
}
