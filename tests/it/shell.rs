//! Issue 14.4: `ssoexec --profile P` with no command starts the user's shell with the
//! credentials; `ssoexec shell-init SHELL` prints the `ssx` function, run here in bash, zsh, dash
//! and fish, as a script file and inline, against the mock.
// Unix only (not compiled on Windows): Unix shells on a pseudo-terminal, executable scripts.
#![cfg(unix)]
use crate::support::sandbox::*;
use std::path::{Path, PathBuf};

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("ssoexec")
}

/// PATH with this build's ssoexec first, as after installing it.
fn path_with_ssoexec() -> String {
    format!(
        "{}:{}",
        bin().parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// The credentials `ssx dev` must set: what `export --format json` gives for the same cache.
struct Expected {
    key: String,
    secret: String,
    token: String,
    /// As the `env` format writes it (`+00:00`).
    expiration: String,
}

fn expected(sb: &Sandbox) -> Expected {
    let out = sb.run(&["export", "--profile", "dev", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = |k: &str| v[k].as_str().unwrap().to_string();
    Expected {
        key: s("AccessKeyId"),
        secret: s("SecretAccessKey"),
        token: s("SessionToken"),
        expiration: s("Expiration").replace('Z', "+00:00"),
    }
}

/// The POSIX script every sh-family shell runs (`SHELL_NAME` is replaced).
const POSIX_SCRIPT: &str = r#"eval "$(ssoexec shell-init SHELL_NAME)"
AWS_ACCESS_KEY_ID=before; export AWS_ACCESS_KEY_ID
ssx nosuch; echo "nosuch status=$?"
echo "after error: ${AWS_ACCESS_KEY_ID-unset} ${AWS_SECRET_ACCESS_KEY-unset} ${SSOEXEC_PROFILE-unset}"
ssx dev || exit 9
echo "key=$AWS_ACCESS_KEY_ID"
echo "secret=$AWS_SECRET_ACCESS_KEY"
echo "token=$AWS_SESSION_TOKEN"
echo "expiration=$AWS_CREDENTIAL_EXPIRATION"
echo "region=$AWS_REGION profile=$SSOEXEC_PROFILE"
sh -c 'echo "child sees $AWS_ACCESS_KEY_ID $SSOEXEC_PROFILE"'
ssx --unset
echo "unset: ${AWS_ACCESS_KEY_ID-unset} ${AWS_SECRET_ACCESS_KEY-unset} ${AWS_SESSION_TOKEN-unset} ${AWS_CREDENTIAL_EXPIRATION-unset} ${SSOEXEC_PROFILE-unset}"
echo "region: ${AWS_REGION-unset} ${AWS_DEFAULT_REGION-unset}"
echo "helpers: ${_ssx_out-none} ${_ssx_profile-none} ${_ssx_status-none}"
ssx; echo "no profile status=$?"
"#;

/// The same steps in fish.
const FISH_SCRIPT: &str = r#"ssoexec shell-init fish | source
function show
    set -q $argv[1]; and echo -n $$argv[1]; or echo -n unset
end
set -gx AWS_ACCESS_KEY_ID before
ssx nosuch; echo "nosuch status=$status"
echo "after error: "(show AWS_ACCESS_KEY_ID)" "(show AWS_SECRET_ACCESS_KEY)" "(show SSOEXEC_PROFILE)
ssx dev; or exit 9
echo "key=$AWS_ACCESS_KEY_ID"
echo "secret=$AWS_SECRET_ACCESS_KEY"
echo "token=$AWS_SESSION_TOKEN"
echo "expiration=$AWS_CREDENTIAL_EXPIRATION"
echo "region=$AWS_REGION profile=$SSOEXEC_PROFILE"
sh -c 'echo "child sees $AWS_ACCESS_KEY_ID $SSOEXEC_PROFILE"'
ssx --unset
echo "unset: "(show AWS_ACCESS_KEY_ID)" "(show AWS_SECRET_ACCESS_KEY)" "(show AWS_SESSION_TOKEN)" "(show AWS_CREDENTIAL_EXPIRATION)" "(show SSOEXEC_PROFILE)
echo "region: "(show AWS_REGION)" "(show AWS_DEFAULT_REGION)
echo "helpers: "(show out)" "(show profile)" "(show name)
ssx; echo "no profile status=$status"
"#;

/// `unset_helper` is how the shell's script prints a variable that is not set.
fn expected_output(e: &Expected, unset_helper: &str) -> String {
    format!(
        "nosuch status=1\n\
         after error: before unset unset\n\
         key={}\nsecret={}\ntoken={}\nexpiration={}\n\
         region=eu-west-1 profile=dev\n\
         child sees {} dev\n\
         unset: unset unset unset unset unset\n\
         region: unset unset\n\
         helpers: {unset_helper} {unset_helper} {unset_helper}\n\
         no profile status=2\n",
        e.key, e.secret, e.token, e.expiration, e.key
    )
}

/// Runs `shell ARGS` with the sandbox's environment and ssoexec on PATH.
fn run_shell(sb: &Sandbox, shell: &str, args: &[&str]) -> std::process::Output {
    sb.wrapper(shell)
        .args(args)
        .env("PATH", path_with_ssoexec())
        .current_dir(sb.home())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

fn write_script(sb: &Sandbox, name: &str, text: &str) -> PathBuf {
    let path = sb.home().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn assert_ssx_session(shell: &str, how: &str, out: &std::process::Output, e: &Expected) {
    assert_eq!(
        stdout(out),
        expected_output(e, if shell == "fish" { "unset" } else { "none" }),
        "{shell} ({how}): stderr: {}",
        stderr(out)
    );
    let err = stderr(out);
    let not_found = "error: the config profile (nosuch) could not be found in ";
    assert!(err.starts_with(not_found), "{shell} ({how}): {err}");
    assert!(
        err.ends_with("usage: ssx PROFILE [ssoexec export options] | ssx --unset\n"),
        "{shell} ({how}): {err}"
    );
    assert!(
        !err.contains(&e.secret),
        "{shell} ({how}): no secret on stderr"
    );
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs bash, zsh, dash, fish (scripts/install-test-tools.sh) and util-linux script"
)]
#[tokio::test(flavor = "multi_thread")]
async fn ssx_sets_and_unsets_credentials_in_posix_shells_scripts_and_inline() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let e = expected(&sb);
    for (shell, name) in [
        ("bash", "bash"),
        ("zsh", "zsh"),
        ("dash", "sh"),
        ("bash", "sh"),
    ] {
        let script = POSIX_SCRIPT.replace("SHELL_NAME", name);
        let file = write_script(&sb, &format!("ssx-{shell}-{name}.sh"), &script);
        let out = run_shell(&sb, shell, &[file.to_str().unwrap()]);
        assert_ssx_session(shell, "script file", &out, &e);
        let out = run_shell(&sb, shell, &["-c", &script]);
        assert_ssx_session(shell, "-c", &out, &e);
    }
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs bash, zsh, dash, fish (scripts/install-test-tools.sh) and util-linux script"
)]
#[tokio::test(flavor = "multi_thread")]
async fn ssx_sets_and_unsets_credentials_in_fish() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let e = expected(&sb);
    let file = write_script(&sb, "ssx.fish", FISH_SCRIPT);
    let out = run_shell(&sb, "fish", &["--no-config", file.to_str().unwrap()]);
    assert_ssx_session("fish", "script file", &out, &e);
    let out = run_shell(&sb, "fish", &["--no-config", "-c", FISH_SCRIPT]);
    assert_ssx_session("fish", "-c", &out, &e);
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs bash, zsh, dash, fish (scripts/install-test-tools.sh) and util-linux script"
)]
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_ssx_leaves_the_environment_as_it_was() {
    let sb = Sandbox::new().await;
    // No login yet and no terminal: ssoexec exits 3, and nothing of a partial output is evaluated.
    let posix = r#"eval "$(ssoexec shell-init bash)"
export AWS_ACCESS_KEY_ID=mine AWS_SECRET_ACCESS_KEY=mine-too SSOEXEC_PROFILE=other
ssx dev; echo "status=$?"
echo "$AWS_ACCESS_KEY_ID $AWS_SECRET_ACCESS_KEY ${AWS_SESSION_TOKEN-unset} $SSOEXEC_PROFILE"
"#;
    let fish = r#"ssoexec shell-init fish | source
set -gx AWS_ACCESS_KEY_ID mine; set -gx AWS_SECRET_ACCESS_KEY mine-too; set -gx SSOEXEC_PROFILE other
ssx dev; echo "status=$status"
set -q AWS_SESSION_TOKEN; and set token set; or set token unset
echo "$AWS_ACCESS_KEY_ID $AWS_SECRET_ACCESS_KEY $token $SSOEXEC_PROFILE"
"#;
    for (shell, args) in [
        ("bash", vec!["-c", posix]),
        ("zsh", vec!["-c", posix]),
        ("fish", vec!["--no-config", "-c", fish]),
    ] {
        let out = run_shell(&sb, shell, &args);
        assert_eq!(
            stdout(&out),
            "status=3\nmine mine-too unset other\n",
            "{shell}: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).starts_with("error: login required: no valid SSO token"),
            "{shell}: {}",
            stderr(&out)
        );
    }
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs bash, zsh, dash, fish (scripts/install-test-tools.sh) and util-linux script"
)]
#[test]
fn shell_init_text_for_each_shell() {
    let run = |shell: &str| {
        let out = assert_cmd::Command::new(bin())
            .args(["shell-init", shell])
            .env_clear()
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        assert_eq!(stderr(&out), "");
        stdout(&out)
    };
    let bash = run("bash");
    assert!(
        bash.starts_with("# ssoexec shell-init bash: `ssx PROFILE` sets AWS credentials for PROFILE in this shell,\n# `ssx --unset` removes them. Add to ~/.bashrc: eval \"$(ssoexec shell-init bash)\"\nssx() {\n"),
        "{bash}"
    );
    // One POSIX function for the sh family; only the header and the completion (bash, zsh) differ.
    let body = |s: &str| s.lines().skip(2).collect::<Vec<_>>().join("\n");
    let sh = body(&run("sh"));
    assert!(sh.ends_with("  return \"$1\"\n}"), "{sh}");
    assert!(body(&bash).starts_with(&sh) && body(&bash).contains("complete -F _ssx_complete ssx"));
    assert!(body(&run("zsh")).starts_with(&sh) && run("zsh").contains("compdef _ssx ssx"));
    assert!(run("zsh").contains("Add to ~/.zshrc: eval \"$(ssoexec shell-init zsh)\""));
    let fish = run("fish");
    assert!(
        fish.contains(
            "Add to ~/.config/fish/config.fish: ssoexec shell-init fish | source\nfunction ssx "
        ),
        "{fish}"
    );
    // Every function parses in its shell.
    for (shell, text) in [
        ("bash", bash.clone()),
        ("zsh", run("zsh")),
        ("dash", run("sh")),
    ] {
        let out = std::process::Command::new(shell)
            .args(["-n", "-c", &text])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
    }
    let out = std::process::Command::new("fish")
        .args(["--no-execute", "-c", &fish])
        .output()
        .unwrap();
    assert!(out.status.success(), "fish: {}", stderr(&out));
    let err = assert_cmd::Command::new(bin())
        .args(["shell-init", "tcsh"])
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(err.status.code(), Some(2));
    assert!(
        stderr(&err).contains("invalid value 'tcsh'"),
        "{}",
        stderr(&err)
    );
}

/// PowerShell is not installable here, so its function is checked as text: the structure a
/// PowerShell parser needs (balanced braces, each statement) and the same contract as the others.
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs bash, zsh, dash, fish (scripts/install-test-tools.sh) and util-linux script"
)]
#[test]
fn shell_init_powershell_text() {
    let out = assert_cmd::Command::new(bin())
        .args(["shell-init", "powershell"])
        .env_clear()
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = stdout(&out);
    let expected = r#"# ssoexec shell-init powershell: `ssx PROFILE` sets AWS credentials for PROFILE in this shell,
# `ssx --unset` removes them. Add to $PROFILE: Invoke-Expression (& ssoexec shell-init powershell | Out-String)
function ssx {
    $first = if ($args.Count -gt 0) { [string]$args[0] } else { '' }
    if ($first -in '-h', '--help') {
        'usage: ssx PROFILE [ssoexec export options] | ssx --unset'
        return
    }
    if ($first -eq '') {
        $first = & ssoexec pick-profile
        if ($LASTEXITCODE -ne 0) {
            if ($LASTEXITCODE -eq 2) { Write-Error 'usage: ssx PROFILE [ssoexec export options] | ssx --unset' }
            return
        }
    }
    if ($first -in '-u', '--unset') {
        foreach ($name in 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION', 'SSOEXEC_PROFILE', 'SSOEXEC_IDENTITY') {
            Remove-Item -Path "Env:$name" -ErrorAction SilentlyContinue
        }
        if ($global:SsxSetRegion) {
            Remove-Item -Path 'Env:AWS_REGION', 'Env:AWS_DEFAULT_REGION' -ErrorAction SilentlyContinue
            $global:SsxSetRegion = $false
        }
        return
    }
    $rest = @($args | Select-Object -Skip 1)
    $out = & ssoexec export --profile $first --format powershell @rest
    if ($LASTEXITCODE -ne 0) {
        return
    }
    Invoke-Expression ($out -join "`n")
    $Env:SSOEXEC_PROFILE = $first
    Remove-Item -Path Env:SSOEXEC_IDENTITY -ErrorAction SilentlyContinue
    if (($out -join "`n") -match '\$Env:AWS_REGION=') {
        $global:SsxSetRegion = $true
    }
}
"#;
    assert_eq!(text, expected);
    let opens = text.matches('{').count();
    assert_eq!(opens, text.matches('}').count(), "balanced braces");
    assert_eq!(text.matches('(').count(), text.matches(')').count());
}

/// A shell for the tests: says what it was given, then exits with `code`.
fn fake_shell(sb: &Sandbox, code: i32) -> PathBuf {
    let path = sb.home().join("bin").join("fake-shell");
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\necho \"in the shell: profile=$SSOEXEC_PROFILE key=$AWS_ACCESS_KEY_ID region=$AWS_REGION args=$#\"\nexit {code}\n"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn sh_word(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs bash, zsh, dash, fish (scripts/install-test-tools.sh) and util-linux script"
)]
#[tokio::test(flavor = "multi_thread")]
async fn no_command_starts_the_shell_with_the_credentials_and_returns_its_status() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let e = expected(&sb);
    let shell = fake_shell(&sb, 7);
    let (code, screen) = sb.run_on_pty(
        &format!(
            "SHELL={} exec {} --profile dev",
            sh_word(&shell),
            sh_word(&bin())
        ),
        "",
    );
    assert_eq!(code, Some(7), "{screen}");
    assert_eq!(
        screen,
        format!(
            "in the shell: profile=dev key={} region=eu-west-1 args=0\n",
            e.key
        )
    );
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs bash, zsh, dash, fish (scripts/install-test-tools.sh) and util-linux script"
)]
#[tokio::test(flavor = "multi_thread")]
async fn without_shell_set_sh_starts_and_reads_the_terminal() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let (code, screen) = sb.run_on_pty(
        &format!("unset SHELL; exec {} --profile prod", sh_word(&bin())),
        "echo \"inside=$SSOEXEC_PROFILE/$AWS_REGION\"; exit 5\n",
    );
    assert_eq!(code, Some(5), "{screen}");
    assert!(screen.contains("inside=prod/eu-central-1\n"), "{screen}");
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs bash, zsh, dash, fish (scripts/install-test-tools.sh) and util-linux script"
)]
#[tokio::test(flavor = "multi_thread")]
async fn the_shell_starts_without_a_terminal_too() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let out = sb
        .cmd()
        .args(["--profile", "dev"])
        .env("SHELL", "/bin/sh")
        .write_stdin("echo \"$SSOEXEC_PROFILE $AWS_DEFAULT_REGION\"\nexit 4\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert_eq!(stdout(&out), "dev eu-west-1\n");
    assert_eq!(stderr(&out), "");
    // A shell that cannot start is reported like a command that cannot.
    let out = sb
        .cmd()
        .args(["--profile", "dev"])
        .env("SHELL", "/nonexistent/shell")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(127));
    assert!(
        stderr(&out).starts_with("error: command not found: /nonexistent/shell\n"),
        "{}",
        stderr(&out)
    );
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs bash, zsh, dash, fish (scripts/install-test-tools.sh) and util-linux script"
)]
#[tokio::test(flavor = "multi_thread")]
async fn the_picker_then_the_shell() {
    let sb = Sandbox::new().await;
    let start = CONFIG.find("[profile dev]").unwrap();
    sb.write_config(&CONFIG[start..]);
    sb.login("dev");
    let shell = fake_shell(&sb, 0);
    let (code, screen) = sb.run_on_pty(
        &format!("SHELL={} exec {}", sh_word(&shell), sh_word(&bin())),
        "prod\n",
    );
    assert_eq!(code, Some(0), "{screen}");
    assert!(screen.contains("Using profile prod"), "{screen}");
    assert!(
        screen.contains("in the shell: profile=prod key=ASIAMOCK"),
        "{screen}"
    );
}

/// The startup-file lines of the README define `ssx` in interactive shells on a terminal.
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs bash, zsh, dash, fish (scripts/install-test-tools.sh) and util-linux script"
)]
#[tokio::test(flavor = "multi_thread")]
async fn the_startup_lines_define_ssx_in_interactive_shells() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let rc = sb.home().join("rc");
    std::fs::create_dir_all(rc.join("fish")).unwrap();
    std::fs::write(rc.join("bashrc"), "eval \"$(ssoexec shell-init bash)\"\n").unwrap();
    std::fs::write(rc.join(".zshrc"), "eval \"$(ssoexec shell-init zsh)\"\n").unwrap();
    std::fs::write(
        rc.join("fish").join("config.fish"),
        "ssoexec shell-init fish | source\n",
    )
    .unwrap();
    let path = format!("PATH={}", sh_word(Path::new(&path_with_ssoexec())));
    let rc_dir = sh_word(&rc);
    for (shell, line) in [
        (
            "bash",
            format!("{path} exec bash --noprofile --rcfile {rc_dir}/bashrc -i"),
        ),
        ("zsh", format!("{path} ZDOTDIR={rc_dir} exec zsh -i")),
        (
            "fish",
            format!("{path} XDG_CONFIG_HOME={rc_dir} exec fish -i"),
        ),
    ] {
        let (code, screen) = sb.run_on_pty(
            &line,
            "ssx prod; echo \"in=$SSOEXEC_PROFILE/$AWS_REGION\"; exit\n",
        );
        assert_eq!(code, Some(0), "{shell}: {screen}");
        assert!(screen.contains("in=prod/eu-central-1"), "{shell}: {screen}");
    }
}

/// Drives bash's own completion for `ssoexec --profile CUR<TAB>`: sources the script `ssoexec
/// completions bash` prints, sets what bash sets on TAB and calls the function `complete -p`
/// registered. Prints each offered word as bash would read it back (one word a line, sorted).
/// Runs in `dir`, where a glob would look and a name's command would write.
fn bash_completes_profile(sb: &Sandbox, dir: &Path, cur: &str) -> String {
    let script = sb.home().join("ssoexec.bash");
    if !script.exists() {
        let out = sb.run(&["completions", "bash"]);
        assert!(out.status.success(), "{}", stderr(&out));
        std::fs::write(&script, stdout(&out)).unwrap();
    }
    let probe = format!(
        r#"source {script}
fn=$(complete -p ssoexec | sed -n 's/.* -F \([^ ]*\) .*/\1/p')
COMP_WORDS=(ssoexec --profile "$1"); COMP_CWORD=2; COMP_LINE="ssoexec --profile $1"; COMP_POINT=${{#COMP_LINE}}
COMPREPLY=()
"$fn" ssoexec "$1" --profile
for r in "${{COMPREPLY[@]}}"; do eval "set -- $r"; [ $# -eq 1 ] && printf '%s\n' "$1" || echo "split: $r"; done | LC_ALL=C sort
"#,
        script = sh_word(&script)
    );
    let out = sb
        .wrapper("bash")
        .env("PATH", path_with_ssoexec())
        .current_dir(dir)
        .args(["--norc", "--noprofile", "-c", &probe, "probe", cur])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs bash, zsh, dash, fish (scripts/install-test-tools.sh) and util-linux script"
)]
#[tokio::test(flavor = "multi_thread")]
async fn bash_completion_offers_hostile_profile_names_literally() {
    let sb = Sandbox::new().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a-file"), "").unwrap();
    // (A config section name holds no spaces: `${IFS}` stands in.)
    let names = [
        "$(touch${IFS}ran)",
        "`touch${IFS}ran`",
        "*",
        "pro?",
        "semi;touch${IFS}ran",
        "prod",
    ];
    let config: String = names
        .iter()
        .map(|n| format!("[profile {n}]\nregion = eu-west-1\n"))
        .collect();
    sb.write_config(&config);
    let mut all: Vec<&str> = names.to_vec();
    all.sort();
    assert_eq!(
        bash_completes_profile(&sb, dir.path(), ""),
        format!("{}\n", all.join("\n"))
    );
    assert_eq!(bash_completes_profile(&sb, dir.path(), "*"), "*\n");
    assert_eq!(
        bash_completes_profile(&sb, dir.path(), "$"),
        "$(touch${IFS}ran)\n"
    );
    assert_eq!(
        bash_completes_profile(&sb, dir.path(), "pr"),
        "pro?\nprod\n"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "completion created files: {left:?}");
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config { cases: 24, ..Default::default() })]
    /// Any profile name of shell metacharacters is offered as exactly itself, and nothing runs.
    #[cfg_attr(not(target_os = "linux"), ignore = "needs bash, zsh, dash, fish (scripts/install-test-tools.sh) and util-linux script")]
    #[test]
    fn bash_completion_offers_any_profile_name_as_itself(
        names in proptest::collection::btree_set("[a-c $()`*?;&|<>'\"\\\\{},~!#=-]{1,12}", 1..5)
    ) {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let sb = rt.block_on(Sandbox::new());
        let dir = tempfile::tempdir().unwrap();
        let config: String = names
            .iter()
            .map(|n| format!("[profile {n}]\nregion = eu-west-1\n"))
            .collect();
        sb.write_config(&config);
        // The names as the config parser reads them (it trims, and may refuse some).
        let listed = sb.run(&["complete-profiles"]);
        let mut want: Vec<String> = stdout(&listed).lines().map(String::from).collect();
        want.sort();
        let got = bash_completes_profile(&sb, dir.path(), "");
        let mut got_lines: Vec<String> = got.lines().map(String::from).collect();
        got_lines.sort();
        proptest::prop_assert_eq!(got_lines, want);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        proptest::prop_assert!(left.is_empty(), "completion created files: {:?}", left);
    }
}

/// Issue 18.3: inside `ssoexec --profile dev`, `ssx prod` then `ssoexec --profile dev -- CMD` must
/// not hand CMD prod's keys as dev's; after `ssx --unset`, CMD gets dev's keys again.
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs bash, zsh, dash, fish (scripts/install-test-tools.sh) and util-linux script"
)]
#[tokio::test(flavor = "multi_thread")]
async fn nested_exec_trusts_no_marker_ssx_made_stale() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let dev = expected(&sb);
    let script = r#"eval "$(ssoexec shell-init bash)"
ssx prod || exit 9
ssoexec --profile dev -- sh -c 'echo "inner1 $AWS_ACCESS_KEY_ID"'; echo "status1=$?"
ssx --unset
echo "markers: ${SSOEXEC_PROFILE-unset} ${SSOEXEC_IDENTITY-unset}"
ssoexec --profile dev -- sh -c 'echo "inner2 $AWS_ACCESS_KEY_ID"'; echo "status2=$?"
"#;
    let out = sb
        .wrapper(&bin().display().to_string())
        .args(["--profile", "dev", "--", "bash", "--norc", "-c", script])
        .env("PATH", path_with_ssoexec())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "status1=1\nmarkers: unset unset\ninner2 {}\nstatus2=0\n",
            dev.key
        )
    );
    assert!(
        stderr(&out).starts_with("error: already inside an ssoexec environment for prod; refusing to run dev (role ReadOnly in account 111111111111, sso-session corp) credentials inside it\n"),
        "{}",
        stderr(&out)
    );
}

/// Issue 19.10: `ssx --unset` removes everything `ssx` set, the region included, and nothing it
/// did not set.
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs bash, zsh, dash, fish (scripts/install-test-tools.sh) and util-linux script"
)]
#[tokio::test(flavor = "multi_thread")]
async fn ssx_unset_removes_the_region_ssx_set_and_only_that() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let posix = r#"eval "$(ssoexec shell-init SHELL_NAME)"
ssx dev --region us-west-2 || exit 9
echo "set: $AWS_REGION $AWS_DEFAULT_REGION"
ssx --unset
echo "unset: ${AWS_REGION-unset} ${AWS_DEFAULT_REGION-unset}"
AWS_REGION=mine; export AWS_REGION
ssx --unset
echo "mine: ${AWS_REGION-unset}"
"#;
    let fish = r#"ssoexec shell-init fish | source
function show
    set -q $argv[1]; and echo -n $$argv[1]; or echo -n unset
end
ssx dev --region us-west-2; or exit 9
echo "set: $AWS_REGION $AWS_DEFAULT_REGION"
ssx --unset
echo "unset: "(show AWS_REGION)" "(show AWS_DEFAULT_REGION)
set -gx AWS_REGION mine
ssx --unset
echo "mine: "(show AWS_REGION)
"#;
    let want = "set: us-west-2 us-west-2\nunset: unset unset\nmine: mine\n";
    for (shell, name) in [("bash", "bash"), ("zsh", "zsh"), ("dash", "sh")] {
        let out = run_shell(&sb, shell, &["-c", &posix.replace("SHELL_NAME", name)]);
        assert_eq!(stdout(&out), want, "{shell}: {}", stderr(&out));
    }
    let out = run_shell(&sb, "fish", &["--no-config", "-c", fish]);
    assert_eq!(stdout(&out), want, "fish: {}", stderr(&out));
}

/// Issue 19.9: `ssx <TAB>` completes profile names in bash, zsh and fish, as data.
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs bash, zsh, dash, fish (scripts/install-test-tools.sh) and util-linux script"
)]
#[tokio::test(flavor = "multi_thread")]
async fn ssx_completes_profile_names_in_bash_zsh_and_fish() {
    let sb = Sandbox::new().await;
    sb.write_config(&format!(
        "{CONFIG}\n[profile $(touch${{IFS}}ran)]\nregion = eu-west-1\n"
    ));
    let dir = tempfile::tempdir().unwrap();
    let bash = r#"eval "$(ssoexec shell-init bash)"
fn=$(complete -p ssx | sed -n 's/.* -F \([^ ]*\) .*/\1/p')
for cur in "" pr '$' -; do
  COMP_WORDS=(ssx "$cur"); COMP_CWORD=1; COMPREPLY=()
  "$fn" ssx "$cur" ssx
  printf '[%s]' "${COMPREPLY[@]}"; echo
done
"#;
    let out = sb
        .wrapper("bash")
        .env("PATH", path_with_ssoexec())
        .current_dir(dir.path())
        .args(["--norc", "-c", bash])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        "[\\$\\(touch\\$\\{IFS\\}ran\\)][default][dev][legacy][prod][static]\n[prod]\n[\\$\\(touch\\$\\{IFS\\}ran\\)]\n[--unset][--help]\n",
        "{}",
        stderr(&out)
    );
    // zsh: what compdef registers and what the function hands compadd (which quotes it).
    let zsh = r#"compdef() { print -r -- "compdef $*"; }
compadd() { print -rl -- "${(@P)2}"; }
eval "$(ssoexec shell-init zsh)"
CURRENT=2; _ssx
"#;
    let out = sb
        .wrapper("zsh")
        .env("PATH", path_with_ssoexec())
        .current_dir(dir.path())
        .args(["-f", "-c", zsh])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        "compdef _ssx ssx\n$(touch${IFS}ran)\ndefault\ndev\nlegacy\nprod\nstatic\n",
        "{}",
        stderr(&out)
    );
    let fish = "ssoexec shell-init fish | source; complete -C 'ssx pr'; complete -C 'ssx dev pr'";
    let out = sb
        .wrapper("fish")
        .env("PATH", path_with_ssoexec())
        .current_dir(dir.path())
        .args(["--no-config", "-c", fish])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "prod\n", "{}", stderr(&out));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing ran"
    );
}

/// Completion offers the names the picker offers: a profile only in `~/.aws/credentials` too,
/// through the hidden `complete-profiles`, `ssx <TAB>` in fish and `ssoexec --profile <TAB>` in
/// bash. A name in both files is offered once.
#[tokio::test(flavor = "multi_thread")]
async fn completion_offers_profiles_of_the_credentials_file() {
    let sb = Sandbox::new().await;
    std::fs::write(
        sb.home().join(".aws/credentials"),
        "[ci-keys]\naws_access_key_id = AKIAEXAMPLEKEY000001\naws_secret_access_key = not-a-secret\n\n\
         [dev]\naws_access_key_id = AKIAEXAMPLEKEY000002\naws_secret_access_key = not-a-secret\n",
    )
    .unwrap();
    let out = sb.run(&["complete-profiles"]);
    assert_eq!(
        (
            out.status.code(),
            stdout(&out).as_str(),
            stderr(&out).as_str()
        ),
        (Some(0), "ci-keys\ndefault\ndev\nlegacy\nprod\nstatic\n", "")
    );
    let fish = "ssoexec shell-init fish | source; complete -C 'ssx '; complete -C 'ssx c'";
    let out = run_shell(&sb, "fish", &["--no-config", "-c", fish]);
    assert_eq!(
        stdout(&out),
        "ci-keys\ndefault\ndev\nlegacy\nprod\nstatic\nci-keys\n",
        "{}",
        stderr(&out)
    );
    assert_eq!(bash_completes_profile(&sb, sb.home(), "c"), "ci-keys\n");
}

/// Issue 19.9: a bare `ssx` on a terminal offers the picker, then sets what it chose.
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs bash, zsh, dash, fish (scripts/install-test-tools.sh) and util-linux script"
)]
#[tokio::test(flavor = "multi_thread")]
async fn bare_ssx_offers_the_picker() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let line = format!(
        r#"PATH={}:$PATH bash --norc -c 'eval "$(ssoexec shell-init bash)"; ssx && echo "picked=$SSOEXEC_PROFILE key=$AWS_ACCESS_KEY_ID"'"#,
        sh_word(bin().parent().unwrap())
    );
    let (code, screen) = sb.run_on_pty(&line, "prod\r");
    assert_eq!(code, Some(0), "{screen}");
    assert!(screen.contains("Profile (type to filter)"), "{screen}");
    assert!(screen.contains("picked=prod key=ASIAMOCK"), "{screen}");
}
