//! `ssoexec generate`: the managed block, byte-for-byte idempotence, prune, dry-run, clashes,
//! credential_process twins, botocore reading the profiles, concurrency and throttling.
use crate::support::mock::{Op, Throttle};
use crate::support::sandbox::{CONFIG, Sandbox, stderr, stdout};
use std::path::PathBuf;

fn config_path(sb: &Sandbox) -> PathBuf {
    sb.home().join(".aws/config")
}

fn read_config(sb: &Sandbox) -> String {
    std::fs::read_to_string(config_path(sb)).unwrap()
}

/// The block the default mock accounts give (dev: ReadOnly, Admin; prod: ReadOnly; sandbox:
/// Admin, Dev, ReadOnly), as `generate --sso-session corp --region eu-west-1` writes it.
const BLOCK: &str = "\
# BEGIN ssoexec generate sso-session=corp
# Managed by `ssoexec generate --sso-session corp`: changes inside this block are replaced on the next run.

[profile dev.Admin]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = eu-west-1

[profile dev.ReadOnly]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = ReadOnly
region = eu-west-1

[profile prod.ReadOnly]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = ReadOnly
region = eu-west-1

[profile sandbox.Admin]
sso_session = corp
sso_account_id = 333333333333
sso_role_name = Admin
region = eu-west-1

[profile sandbox.Dev]
sso_session = corp
sso_account_id = 333333333333
sso_role_name = Dev
region = eu-west-1

[profile sandbox.ReadOnly]
sso_session = corp
sso_account_id = 333333333333
sso_role_name = ReadOnly
region = eu-west-1
# END ssoexec generate sso-session=corp
";

fn generate(sb: &Sandbox, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["generate", "--sso-session", "corp", "--region", "eu-west-1"];
    args.extend(extra);
    sb.run(&args)
}

#[tokio::test(flavor = "multi_thread")]
async fn writes_a_managed_block_after_the_users_sections_and_is_idempotent() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let out = generate(&sb, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let path = config_path(&sb);
    assert_eq!(
        stderr(&out),
        format!(
            "Wrote the sso-session corp block of {}: 6 roles in 3 accounts: 6 new, 0 updated, 0 unchanged, 0 removed\n",
            path.display()
        )
    );
    assert_eq!(read_config(&sb), format!("{CONFIG}\n{BLOCK}"));

    // Again: nothing changes, not even the file's inode.
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).unwrap());
    let again = generate(&sb, &[]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(read_config(&sb), format!("{CONFIG}\n{BLOCK}"));
    assert_eq!(
        stderr(&again),
        format!(
            "{} is up to date: 6 roles in 3 accounts: 0 new, 0 updated, 6 unchanged, 0 removed\n",
            path.display()
        )
    );
    #[cfg(unix)]
    assert_eq!(
        std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).unwrap()),
        inode
    );
    assert_eq!(sb.mock.count(Op::ListAccounts), 4, "2 runs × 2 pages of 2");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_block_is_updated_in_place_and_user_sections_around_it_stay() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    // A block in the middle of the file, with the user's sections (and comments) around it.
    let before = "# my settings\n[profile mine]\nregion = us-west-2   ; odd spacing kept\n\n";
    let after = "\n; written by hand\n[profile later]\noutput = json\n";
    let old_block = BLOCK.replace("region = eu-west-1", "region = us-east-1");
    sb.write_config(&format!("{CONFIG}{before}{old_block}{after}"));
    let out = generate(&sb, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).ends_with("0 new, 6 updated, 0 unchanged, 0 removed\n"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read_config(&sb), format!("{CONFIG}{before}{BLOCK}{after}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn gone_assignments_stay_until_prune_and_dry_run_writes_nothing() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    assert!(generate(&sb, &[]).status.success());
    // sandbox loses Dev and ReadOnly.
    sb.mock
        .add_account("333333333333", "sandbox", "sandbox@example.com", &["Admin"]);
    let kept = generate(&sb, &[]);
    assert!(kept.status.success());
    assert_eq!(
        stderr(&kept),
        format!(
            "2 generated profiles are no longer assigned and kept (--prune removes them): sandbox.Dev, sandbox.ReadOnly\n{} is up to date: 4 roles in 3 accounts: 0 new, 0 updated, 4 unchanged, 0 removed\n",
            config_path(&sb).display()
        )
    );
    assert_eq!(read_config(&sb), format!("{CONFIG}\n{BLOCK}"));

    let dry = generate(&sb, &["--prune", "--dry-run"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    let p = config_path(&sb).display().to_string();
    assert_eq!(
        stdout(&dry),
        format!(
            "--- {p}
+++ {p}
@@ -56,16 +56,4 @@
 sso_account_id = 333333333333
 sso_role_name = Admin
 region = eu-west-1
-
-[profile sandbox.Dev]
-sso_session = corp
-sso_account_id = 333333333333
-sso_role_name = Dev
-region = eu-west-1
-
-[profile sandbox.ReadOnly]
-sso_session = corp
-sso_account_id = 333333333333
-sso_role_name = ReadOnly
-region = eu-west-1
 # END ssoexec generate sso-session=corp
"
        )
    );
    assert_eq!(
        stderr(&dry),
        "dry run, nothing written: 4 roles in 3 accounts: 0 new, 0 updated, 4 unchanged, 2 removed\n"
    );
    assert_eq!(read_config(&sb), format!("{CONFIG}\n{BLOCK}"));

    let pruned = generate(&sb, &["--prune"]);
    assert!(pruned.status.success());
    let block = BLOCK
        .split("\n[profile sandbox.Dev]")
        .next()
        .unwrap()
        .to_string()
        + "# END ssoexec generate sso-session=corp\n";
    assert_eq!(read_config(&sb), format!("{CONFIG}\n{block}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_clash_with_a_users_profile_is_an_error_or_skipped() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let config = format!("{CONFIG}\n[profile prod.ReadOnly]\nregion = ap-south-1\n");
    sb.write_config(&config);
    let out = generate(&sb, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "error: generated profile \"prod.ReadOnly\" (account prod (222222222222), role ReadOnly) clashes with your [profile prod.ReadOnly] at line 33 of {}\nhint: rename or remove your profile, choose other names with --name, or pass --skip-existing to leave yours alone\n",
            config_path(&sb).display()
        )
    );
    assert_eq!(read_config(&sb), config);

    let out = generate(&sb, &["--skip-existing"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).starts_with("warning: skipped prod.ReadOnly (account prod (222222222222), role ReadOnly): your [profile prod.ReadOnly] at line 33 stays as it is\n"), "{}", stderr(&out));
    let block = BLOCK.replace(
        "[profile prod.ReadOnly]\nsso_session = corp\nsso_account_id = 222222222222\nsso_role_name = ReadOnly\nregion = eu-west-1\n\n",
        "",
    );
    assert_eq!(read_config(&sb), format!("{config}\n{block}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn names_templates_extra_keys_and_credential_process_twins() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    sb.mock.with_accounts(0, 0);
    sb.mock
        .add_account("444444444444", "Team A [prod]", "a@example.com", &["Admin"]);
    sb.mock
        .add_account("555555555555", "Team A (prod)", "b@example.com", &["Admin"]);
    let out = generate(
        &sb,
        &[
            "--name",
            "{sso_session}-{account_name}-{role_name}",
            "--set",
            "output=json",
            "--credential-process",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let block = "\
# BEGIN ssoexec generate sso-session=corp
# Managed by `ssoexec generate --sso-session corp`: changes inside this block are replaced on the next run.

[profile corp-Team-A-prod-Admin]
sso_session = corp
sso_account_id = 555555555555
sso_role_name = Admin
region = eu-west-1
output = json

[profile corp-Team-A-prod-Admin-2]
sso_session = corp
sso_account_id = 444444444444
sso_role_name = Admin
region = eu-west-1
output = json

[profile corp-Team-A-prod-Admin-2-cp]
credential_process = ssoexec credential-process --profile corp-Team-A-prod-Admin-2
region = eu-west-1

[profile corp-Team-A-prod-Admin-cp]
credential_process = ssoexec credential-process --profile corp-Team-A-prod-Admin
region = eu-west-1
# END ssoexec generate sso-session=corp
";
    assert_eq!(read_config(&sb), format!("{CONFIG}\n{block}"));

    let bad = sb.run(&["generate", "--sso-session", "corp", "--name", "{account}"]);
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(
        stderr(&bad),
        "error: --name unknown placeholder {account} in \"{account}\" (use {account_name}, {account_id}, {role_name}, {sso_session})\nhint: placeholders: {account_name}, {account_id}, {role_name}, {sso_session}\n"
    );
    let bad = sb.run(&[
        "generate",
        "--sso-session",
        "corp",
        "--set",
        "sso_role_name=x",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).starts_with("error: --set sso_role_name is written by generate itself\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_login_it_says_how_to_sign_in() {
    let sb = Sandbox::new().await;
    let out = generate(&sb, &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("hint: run `ssoexec login --sso-session corp`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read_config(&sb), CONFIG);
}

#[tokio::test(flavor = "multi_thread")]
async fn many_accounts_with_bounded_concurrency_through_throttling() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    sb.mock.with_accounts(60, 3);
    sb.mock.set_page_size(100);
    sb.mock.set_latency(Some(Op::ListAccountRoles), 30);
    sb.mock.set_throttle(
        &[Op::ListAccounts, Op::ListAccountRoles],
        Some(Throttle::EveryNth(4)),
    );
    let out = generate(&sb, &["--concurrency", "6"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .ends_with("180 roles in 60 accounts: 180 new, 0 updated, 0 unchanged, 0 removed\n"),
        "{}",
        stderr(&out)
    );
    let text = read_config(&sb);
    assert_eq!(text.matches("\n[profile account-").count(), 180);
    assert!(text.contains("[profile account-0060.PowerUserAccess]\nsso_session = corp\nsso_account_id = 100000000060\n"));
    assert!(
        sb.mock.throttled() > 10,
        "throttled {}",
        sb.mock.throttled()
    );
    let in_flight = sb.mock.max_in_flight(Op::ListAccountRoles);
    assert!((2..=6).contains(&in_flight), "max in flight {in_flight}");

    let out = generate(&sb, &["--concurrency", "33"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Every generated profile, and its credential_process twin, is what botocore resolves to the
/// right account and role (GetRoleCredentials against the mock, then STS GetCallerIdentity).
#[tokio::test(flavor = "multi_thread")]
async fn botocore_uses_the_generated_profiles() {
    let sb = Sandbox::new().await;
    // botocore reads the real clock: run the mock and ssoexec on it.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    sb.mock.set_now(now);
    let login = sb
        .cmd()
        .env("SSOEXEC_TEST_NOW", now.to_string())
        .args(["login", "--sso-session", "corp", "--device-code"])
        .output()
        .unwrap();
    assert!(login.status.success(), "{}", stderr(&login));
    let out = sb
        .cmd()
        .env("SSOEXEC_TEST_NOW", now.to_string())
        .args([
            "generate",
            "--sso-session",
            "corp",
            "--region",
            "eu-west-1",
            "--credential-process",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let bin_dir = assert_cmd::cargo::cargo_bin("ssoexec")
        .parent()
        .unwrap()
        .to_path_buf();
    let script = "
import sys, botocore.session
for p in sys.argv[1:]:
    s = botocore.session.Session(profile=p)
    who = s.create_client('sts', region_name='eu-west-1').get_caller_identity()
    print(p, who['Account'], who['Arn'])
";
    let profiles = [
        ("dev.Admin", "111111111111", "Admin"),
        ("dev.ReadOnly", "111111111111", "ReadOnly"),
        ("prod.ReadOnly", "222222222222", "ReadOnly"),
        ("sandbox.Admin", "333333333333", "Admin"),
        ("sandbox.Dev", "333333333333", "Dev"),
        ("sandbox.ReadOnly", "333333333333", "ReadOnly"),
    ];
    let mut names: Vec<String> = profiles.iter().map(|p| p.0.to_string()).collect();
    names.extend(profiles.iter().map(|p| format!("{}-cp", p.0)));
    let py = sb
        .wrapper("python3")
        .env(
            "PATH",
            format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap()),
        )
        .env("SSOEXEC_TEST_NOW", now.to_string())
        .arg("-c")
        .arg(script)
        .args(&names)
        .output()
        .expect("python3 with botocore (scripts/install-test-tools.sh)");
    assert!(py.status.success(), "{}", stderr(&py));
    let lines: Vec<String> = stdout(&py).lines().map(String::from).collect();
    assert_eq!(lines.len(), 12, "{lines:?}");
    for (line, name) in lines.iter().zip(&names) {
        let (_, account, role) = profiles
            .iter()
            .find(|p| name.trim_end_matches("-cp") == p.0)
            .unwrap();
        let mut parts = line.split(' ');
        assert_eq!(parts.next(), Some(name.as_str()));
        assert_eq!(parts.next(), Some(*account), "{line}");
        let arn = parts.next().unwrap();
        assert!(
            arn.starts_with(&format!(
                "arn:aws:sts::{account}:assumed-role/AWSReservedSSO_{role}_"
            )),
            "{line}"
        );
    }
}
