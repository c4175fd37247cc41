//! `ssoexec configure`: scripted with flags (new and existing sso-sessions, --force, no prompt
//! without a terminal) and interactively through a pseudo-terminal with the filter picker.
use crate::support::mock::Op;
use crate::support::sandbox::{CONFIG, START_URL, Sandbox, stderr, stdout};

fn read_config(sb: &Sandbox) -> String {
    std::fs::read_to_string(sb.home().join(".aws").join("config")).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn scripted_with_a_new_sso_session_signs_in_once_and_keeps_every_other_byte() {
    let sb = Sandbox::new().await;
    let mine = "# my profiles\n[profile static]\nregion = us-west-2 \n\n\n; trailing comment";
    sb.write_config(mine);
    let out = sb.run(&[
        "configure",
        "--start-url",
        START_URL,
        "--sso-region",
        "us-east-1",
        "--sso-session",
        "acme",
        "--account-id",
        "333333333333",
        "--role-name",
        "Dev",
        "--profile",
        "sandbox-dev",
        "--region",
        "eu-west-1",
        "--device-code",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let written = "\
[sso-session acme]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile sandbox-dev]
sso_session = acme
sso_account_id = 333333333333
sso_role_name = Dev
region = eu-west-1
";
    assert_eq!(read_config(&sb), format!("{mine}\n\n{written}"));
    let err = stderr(&out);
    assert!(
        err.ends_with(&format!(
            "Wrote to {}:\n\n{written}\nTry it: ssoexec --profile sandbox-dev -- aws sts get-caller-identity\n",
            sb.home().join(".aws").join("config").display()
        )),
        "{err}"
    );
    assert_eq!(sb.mock.count(Op::CreateTokenDevice), 1);
    assert!(sb.token_file("acme").exists());

    // The profile works.
    let creds = sb.run(&["credential-process", "--profile", "sandbox-dev"]);
    assert!(creds.status.success(), "{}", stderr(&creds));
    assert_eq!(sb.mock.count(Op::CreateTokenDevice), 1, "no second login");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_existing_session_the_only_role_and_proposed_names() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let out = sb.run(&[
        "configure",
        "--sso-session",
        "corp",
        "--account-id",
        "222222222222",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let section = "[profile prod.ReadOnly]\nsso_session = corp\nsso_account_id = 222222222222\nsso_role_name = ReadOnly\nregion = us-east-1\n";
    assert_eq!(read_config(&sb), format!("{CONFIG}\n{section}"));
    assert!(
        stderr(&out).starts_with("Using the only role: ReadOnly\nWrote to "),
        "{}",
        stderr(&out)
    );

    // Again: refused without --force, file untouched.
    let again = sb.run(&[
        "configure",
        "--sso-session",
        "corp",
        "--account-id",
        "222222222222",
        "--region",
        "eu-west-2",
    ]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        stderr(&again),
        format!(
            "Using the only role: ReadOnly\nerror: the profile prod.ReadOnly already exists (line 33 of {})\nhint: pass --force to replace it, or choose another name with --profile\n",
            sb.home().join(".aws").join("config").display()
        )
    );
    assert_eq!(read_config(&sb), format!("{CONFIG}\n{section}"));

    // --force replaces it in place; a comment after it stays.
    std::fs::write(
        sb.home().join(".aws").join("config"),
        format!("{CONFIG}\n{section}# after\n"),
    )
    .unwrap();
    let forced = sb.run(&[
        "configure",
        "--sso-session",
        "corp",
        "--account-id",
        "222222222222",
        "--region",
        "eu-west-2",
        "--force",
    ]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_eq!(
        read_config(&sb),
        format!(
            "{CONFIG}\n{}# after\n",
            section.replace("us-east-1", "eu-west-2")
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_terminal_it_never_asks() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let out = sb.run(&["configure", "--sso-session", "corp"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        // Before: "3 accounts are available: pass --account-id", without naming them.
        "error: 3 accounts are available (without a terminal ssoexec does not ask): pass --account-id with one of 111111111111 (dev), 222222222222 (prod), 333333333333 (sandbox)\nhint: see `ssoexec --help`\n"
    );
    // Before: the hint was `ssoexec roles --account-id …`, which fails without a profile.
    let out = sb.run(&[
        "configure",
        "--sso-session",
        "corp",
        "--account-id",
        "111111111111",
        "--role-name",
        "Readonly",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let hint = err
        .lines()
        .find(|l| l.starts_with("hint: "))
        .unwrap_or_default();
    assert!(
        hint.starts_with("hint: did you mean `ReadOnly`? the roles you can use there: "),
        "{err}"
    );
    let out = sb.run(&[
        "configure",
        "--sso-session",
        "corp",
        "--account-id",
        "333333333333",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .starts_with("error: 3 roles are available in account 333333333333: pass --role-name")
    );
    let out = sb.run(&[
        "configure",
        "--sso-session",
        "corp",
        "--account-id",
        "999999999999",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with(
        "error: account 999999999999 is not one you can use\nhint: `ssoexec accounts`"
    ));
    let out = sb.run(&[
        "configure",
        "--sso-session",
        "corp",
        "--account-id",
        "222222222222",
        "--profile",
        "a b",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(read_config(&sb), CONFIG);
    // Two sessions, none named: ask for one instead of guessing.
    sb.write_config(&format!("{CONFIG}[sso-session other]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n"));
    let out = sb.run(&["configure"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .starts_with("error: several sso-sessions (corp, other): pass --sso-session NAME")
    );
}

/// The person types into a pseudo-terminal: a filter in each picker, then Enter to accept the
/// proposed profile name and region.
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs util-linux script (a pseudo-terminal)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn on_a_terminal_the_person_picks_with_a_filter() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let mut pty = sb.on_pty("configure --sso-session corp", true);
    // Keys typed before the picker reads them wait in the terminal, in order: each filter is
    // applied before the Enter that follows it.
    pty.expect("Choose the account");
    pty.type_text("sandb\r");
    pty.expect("Choose the role");
    pty.type_text("Dev\r");
    pty.expect("Profile name");
    pty.type_text("\r");
    pty.expect("Default region");
    pty.type_text("\r");
    let (status, screen) = pty.finish();
    assert!(status.success(), "{screen}");
    assert!(screen.contains("Wrote to "), "{screen}");
    assert_eq!(
        read_config(&sb),
        format!(
            "{CONFIG}\n[profile sandbox.Dev]\nsso_session = corp\nsso_account_id = 333333333333\nsso_role_name = Dev\nregion = us-east-1\n"
        )
    );
}
