//! `ssoexec generate`: the managed block, byte-for-byte idempotence, prune, dry-run, clashes,
//! credential_process twins, botocore reading the profiles, concurrency and throttling.
use crate::support::mock::{Op, Throttle};
use crate::support::sandbox::{CONFIG, Sandbox, stderr, stdout};
use std::path::PathBuf;

fn config_path(sb: &Sandbox) -> PathBuf {
    sb.home().join(".aws").join("config")
}

fn read_config(sb: &Sandbox) -> String {
    std::fs::read_to_string(config_path(sb)).unwrap()
}

/// The block the default mock accounts give (dev: ReadOnly, Admin; prod: ReadOnly; sandbox:
/// Admin, Dev, ReadOnly), as `generate --sso-session corp --region eu-west-1` writes it.
const BLOCK: &str = "\
# BEGIN ssoexec generate sso-session=corp
# Managed by `ssoexec generate --sso-session corp --region eu-west-1`: changes inside this block are replaced on the next run.

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
# Managed by `ssoexec generate --sso-session corp --name '{sso_session}-{account_name}-{role_name}' --region eu-west-1 --set output=json --credential-process`: changes inside this block are replaced on the next run.

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
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs python3 with botocore (scripts/install-test-tools.sh)"
)]
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

/// The profiles botocore reads from the sandbox's config, as JSON (`{name: {key: value}}`).
fn botocore_profiles(sb: &Sandbox) -> serde_json::Value {
    let script = r#"
import json, sys, botocore.configloader as c
print(json.dumps(c.build_profile_map(c.raw_config_parse(sys.argv[1]))["profiles"], sort_keys=True))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(config_path(sb))
        .output()
        .expect("python3 with botocore (scripts/install-test-tools.sh)");
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs python3 with botocore (scripts/install-test-tools.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn hostile_account_ids_and_role_names_never_become_config_lines() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    sb.mock.with_accounts(0, 0);
    sb.mock.add_account(
        "444444444444",
        "evil",
        "e@example.com",
        &[
            "R\n[profile pwn]\ncredential_process = touch /tmp/pwned",
            "R\r[profile pwn2]\rcredential_process = touch /tmp/pwned",
            "R\n# END ssoexec generate sso-session=corp\n[profile kept]\nregion = x",
            "R\0nul",
            "ReadOnly",
        ],
    );
    sb.mock.add_account(
        "55555555555\n[profile pwn3]\ncredential_process = id",
        "evil id",
        "f@example.com",
        &["Admin"],
    );
    sb.mock
        .add_account("666666666666", "fine\r\n[x]", "g@example.com", &["Admin"]);
    let out = generate(&sb, &["--credential-process"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "warning: skipped account \"evil id\" (\"55555555555\\n[profile pwn3]\\ncredential_process = id\"): an account id is 12 digits
warning: skipped account \"evil\" (444444444444): the role name \"R\\0nul\" is not 1 to 64 letters, digits and +=,.@_-
warning: skipped account \"evil\" (444444444444): the role name \"R\\n# END ssoexec generate sso-session=corp\\n[profile kept]\\nregion = x\" is not 1 to 64 letters, digits and +=,.@_-
warning: skipped account \"evil\" (444444444444): the role name \"R\\n[profile pwn]\\ncredential_process = touch /tmp/pwned\" is not 1 to 64 letters, digits and +=,.@_-
warning: skipped account \"evil\" (444444444444): the role name \"R\\r[profile pwn2]\\rcredential_process = touch /tmp/pwned\" is not 1 to 64 letters, digits and +=,.@_-
Wrote the sso-session corp block of {}: 6 roles in 3 accounts: 4 new, 0 updated, 0 unchanged, 0 removed\n",
            config_path(&sb).display()
        )
    );
    let text = read_config(&sb);
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "{text:?}"
    );
    let profiles = botocore_profiles(&sb);
    let generated: Vec<&str> = profiles
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .filter(|n| !["default", "dev", "prod", "legacy", "static"].contains(n))
        .collect();
    assert_eq!(
        generated,
        [
            "evil.ReadOnly",
            "evil.ReadOnly-cp",
            "fine-x-.Admin",
            "fine-x-.Admin-cp"
        ]
    );
    assert_eq!(
        profiles["fine-x-.Admin"],
        serde_json::json!({"region": "eu-west-1", "sso_account_id": "666666666666", "sso_role_name": "Admin", "sso_session": "corp"})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn configure_refuses_a_hostile_only_role() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    sb.mock.with_accounts(0, 0);
    sb.mock.add_account(
        "444444444444",
        "evil",
        "e@example.com",
        &["R\r[profile pwn]\rcredential_process = touch /tmp/pwned"],
    );
    let before = read_config(&sb);
    let out = sb.run(&[
        "configure",
        "--sso-session",
        "corp",
        "--account-id",
        "444444444444",
        "--profile",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "warning: skipped account \"evil\" (444444444444): the role name \"R\\r[profile pwn]\\rcredential_process = touch /tmp/pwned\" is not 1 to 64 letters, digits and +=,.@_-\nerror: no role is assigned to you in account 444444444444\nhint: ask your administrator for a permission set in that account\n"
    );
    assert_eq!(read_config(&sb), before);
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs python3 with botocore (scripts/install-test-tools.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn a_name_in_the_block_keeps_its_account_when_a_namesake_arrives() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    assert!(generate(&sb, &[]).status.success());
    // Account names are not unique: a lower id also named prod, and " prod".
    sb.mock
        .add_account("122222222222", "prod", "p2@example.com", &["ReadOnly"]);
    sb.mock
        .add_account("322222222222", " prod", "p3@example.com", &["ReadOnly"]);
    let out = generate(&sb, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).ends_with("8 roles in 5 accounts: 2 new, 0 updated, 6 unchanged, 0 removed\n"),
        "{}",
        stderr(&out)
    );
    let profiles = botocore_profiles(&sb);
    assert_eq!(profiles["prod.ReadOnly"]["sso_account_id"], "222222222222");
    assert_eq!(
        profiles["prod.ReadOnly-2"]["sso_account_id"],
        "322222222222"
    );
    assert_eq!(
        profiles["prod.ReadOnly-3"]["sso_account_id"],
        "122222222222"
    );
}

/// A portal that answers every request with `200 {}`.
fn empty_object_portal() -> String {
    crate::support::stub::fixed_reply("200 OK", "application/json", "{}".into())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_listing_without_its_list_prunes_nothing() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    assert!(generate(&sb, &[]).status.success());
    let out = sb
        .cmd()
        .args(["generate", "--sso-session", "corp", "--prune"])
        .env("AWS_ENDPOINT_URL_SSO", empty_object_portal())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with(
            "error: ListAccounts returned a response ssoexec cannot read: missing field `accountList`"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(read_config(&sb), format!("{CONFIG}\n{BLOCK}"));

    // A real empty listing: --prune alone refuses to empty the block, --allow-empty does it.
    sb.mock.with_accounts(0, 0);
    let out = generate(&sb, &["--prune"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "error: --prune would remove all 6 generated profiles of {}: the server listed no usable account and role\nhint: check what the sign-in can see with `ssoexec accounts`; to remove them all anyway, add --allow-empty\n",
            config_path(&sb).display()
        )
    );
    assert_eq!(read_config(&sb), format!("{CONFIG}\n{BLOCK}"));
    let out = generate(&sb, &["--prune", "--allow-empty"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read_config(&sb), format!("{CONFIG}\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rerun_without_flags_reproduces_the_block_byte_for_byte() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let first = sb.run(&[
        "generate",
        "--sso-session",
        "corp",
        "--region",
        "eu-west-1",
        "--set",
        "output=json",
        "--credential-process",
    ]);
    assert!(first.status.success(), "{}", stderr(&first));
    let written = read_config(&sb);
    assert!(written.contains("# Managed by `ssoexec generate --sso-session corp --region eu-west-1 --set output=json --credential-process`: changes inside this block are replaced on the next run.\n"));
    for extra in [&[][..], &["--prune"]] {
        let mut args = vec!["generate", "--sso-session", "corp"];
        args.extend(extra);
        let again = sb.run(&args);
        assert!(again.status.success(), "{}", stderr(&again));
        assert_eq!(
            stderr(&again),
            format!(
                "{} is up to date: 6 roles in 3 accounts: 0 new, 0 updated, 12 unchanged, 0 removed\n",
                config_path(&sb).display()
            )
        );
        assert_eq!(read_config(&sb), written);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crlf_config_that_does_not_change_reports_nothing_updated() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    sb.write_config(&CONFIG.replace('\n', "\r\n"));
    assert!(generate(&sb, &[]).status.success());
    let written = read_config(&sb);
    assert_eq!(written, format!("{CONFIG}\n{BLOCK}").replace('\n', "\r\n"));
    let again = generate(&sb, &[]);
    assert_eq!(
        stderr(&again),
        format!(
            "{} is up to date: 6 roles in 3 accounts: 0 new, 0 updated, 6 unchanged, 0 removed\n",
            config_path(&sb).display()
        )
    );
    assert_eq!(read_config(&sb), written);
}

#[cfg_attr(not(target_os = "linux"), ignore = "needs util-linux flock")]
#[tokio::test(flavor = "multi_thread")]
async fn generate_waits_for_the_config_lock_and_keeps_the_holders_change() {
    use std::io::{BufRead, BufReader, Write};
    let sb = Sandbox::new().await;
    sb.login("dev");
    let path = config_path(&sb);
    let lock = format!("{}.lock", path.display());
    // Another writer holds the lock until its stdin closes.
    let mut holder = std::process::Command::new("flock")
        .args([&lock, "-c", "echo locked; cat >/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("flock (util-linux)");
    let mut line = String::new();
    BufReader::new(holder.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "locked\n");
    let mut run = sb
        .std_cmd()
        .args(["generate", "--sso-session", "corp", "--region", "eu-west-1"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(run.stderr.take().unwrap());
    let mut first = String::new();
    err.read_line(&mut first).unwrap();
    assert_eq!(
        first,
        format!(
            "Waiting for another ssoexec to finish writing {} (lock file {lock}, at most 1 min)\n",
            path.display()
        )
    );
    // The holder's change lands while generate waits; generate must read it after the lock.
    let mine = "\n[profile written-meanwhile]\nregion = us-west-2\n";
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(mine.as_bytes())
        .unwrap();
    drop(holder.stdin.take());
    assert!(holder.wait().unwrap().success());
    assert!(run.wait().unwrap().success());
    assert_eq!(read_config(&sb), format!("{CONFIG}{mine}\n{BLOCK}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_generate_runs_at_once_keep_both_blocks() {
    let sb = Sandbox::new().await;
    sb.write_config(&format!(
        "{CONFIG}\n[sso-session other]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
    ));
    sb.login("dev");
    let login = sb.run(&["login", "--sso-session", "other", "--device-code"]);
    assert!(login.status.success(), "{}", stderr(&login));
    sb.mock.set_latency(Some(Op::ListAccountRoles), 20);
    for _ in 0..3 {
        let runs: Vec<_> = ["corp", "other"]
            .iter()
            .map(|s| {
                sb.std_cmd()
                    .args([
                        "generate",
                        "--sso-session",
                        s,
                        "--name",
                        "{sso_session}.{account_name}.{role_name}",
                    ])
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for r in runs {
            let out = r.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
        }
        let text = read_config(&sb);
        for s in ["corp", "other"] {
            assert!(
                text.contains(&format!("# BEGIN ssoexec generate sso-session={s}\n")),
                "{s} lost: {text}"
            );
        }
        sb.write_config(text.split("\n# BEGIN").next().unwrap());
    }
}
