//! PowerShell (`pwsh`, PowerShell 7) running what ssoexec prints for it: the `ssx` function of
//! `shell-init powershell` (set, fail, unset, no profile), the `export --format powershell` lines
//! it evaluates, and the completion script of `completions powershell` answering TabExpansion2.
//!
//! PowerShell is on every GitHub runner (Linux, macOS, Windows) but not installable on the Debian
//! machine `.ci/run` uses (no package in its registries) nor under wine, so these tests are
//! ignored by default and `ci.yml` runs them with `--ignored` on every runner (docs/platforms.md).
use crate::support::sandbox::*;
use std::ffi::OsString;
use std::path::PathBuf;

/// The same steps as the POSIX shells' session in shell.rs, in PowerShell.
const SCRIPT: &str = r#"Invoke-Expression (& ssoexec shell-init powershell | Out-String)
function show($name) {
    $value = [Environment]::GetEnvironmentVariable($name)
    if ($null -eq $value) { 'unset' } else { $value }
}
$Env:AWS_ACCESS_KEY_ID = 'before'
ssx nosuch; "nosuch status=$LASTEXITCODE"
"after error: $(show AWS_ACCESS_KEY_ID) $(show AWS_SECRET_ACCESS_KEY) $(show SSOEXEC_PROFILE)"
ssx dev
if ($LASTEXITCODE -ne 0) { exit 9 }
"key=$Env:AWS_ACCESS_KEY_ID"
"secret=$Env:AWS_SECRET_ACCESS_KEY"
"token=$Env:AWS_SESSION_TOKEN"
"expiration=$Env:AWS_CREDENTIAL_EXPIRATION"
"region=$Env:AWS_REGION profile=$Env:SSOEXEC_PROFILE"
& pwsh -NoProfile -NonInteractive -File ./child.ps1
ssx --unset
"unset: $(show AWS_ACCESS_KEY_ID) $(show AWS_SECRET_ACCESS_KEY) $(show AWS_SESSION_TOKEN) $(show AWS_CREDENTIAL_EXPIRATION) $(show SSOEXEC_PROFILE)"
"region: $(show AWS_REGION) $(show AWS_DEFAULT_REGION) set-by-ssx=$global:SsxSetRegion"
ssx; "no profile status=$LASTEXITCODE"
exit 0
"#;

/// A new PowerShell process, to show what a child of the session inherits.
const CHILD: &str = "\"child sees $Env:AWS_ACCESS_KEY_ID $Env:SSOEXEC_PROFILE\"\n";

/// This build's directory first on PATH, as after installing ssoexec.
fn path_with_ssoexec() -> OsString {
    let bin = assert_cmd::cargo::cargo_bin("ssoexec");
    let rest = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::iter::once(bin.parent().unwrap().to_path_buf())
        .chain(std::env::split_paths(&rest))
        .collect::<Vec<PathBuf>>();
    std::env::join_paths(dirs).unwrap()
}

/// `pwsh -File SCRIPT` with the sandbox's variables, plus what PowerShell itself needs from the
/// runner (module paths, Windows' system variables), but no AWS or ssoexec variable of the runner.
fn pwsh(sb: &Sandbox, script: &str) -> std::process::Output {
    let file = sb.home().join("session.ps1");
    std::fs::write(&file, script).unwrap();
    std::fs::write(sb.home().join("child.ps1"), CHILD).unwrap();
    let mut cmd = sb.wrapper("pwsh");
    let set: Vec<String> = cmd
        .get_envs()
        .map(|(k, _)| k.to_string_lossy().to_ascii_uppercase())
        .collect();
    for (name, value) in std::env::vars_os() {
        let upper = name.to_string_lossy().to_ascii_uppercase();
        let ours = upper.starts_with("AWS_") || upper.starts_with("SSOEXEC_") || upper == "PATH";
        if !ours && !set.contains(&upper) {
            cmd.env(name, value);
        }
    }
    cmd.env("PATH", path_with_ssoexec())
        .args(["-NoProfile", "-NonInteractive", "-File"])
        .arg(&file)
        .current_dir(sb.home())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("pwsh (PowerShell 7)")
}

fn lines(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\n")
}

#[ignore = "needs PowerShell 7 (pwsh): ci.yml runs it with --ignored on every GitHub runner"]
#[tokio::test(flavor = "multi_thread")]
async fn ssx_sets_and_unsets_credentials_in_powershell() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let json = sb.run(&["export", "--profile", "dev", "--format", "json"]);
    assert!(json.status.success(), "{}", stderr(&json));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let s = |k: &str| v[k].as_str().unwrap().to_string();
    let out = pwsh(&sb, SCRIPT);
    let expected = format!(
        "nosuch status=1\n\
         after error: before unset unset\n\
         key={key}\nsecret={}\ntoken={}\nexpiration={}\n\
         region=eu-west-1 profile=dev\n\
         child sees {key} dev\n\
         unset: unset unset unset unset unset\n\
         region: unset unset set-by-ssx=False\n\
         no profile status=2\n",
        s("SecretAccessKey"),
        s("SessionToken"),
        s("Expiration").replace('Z', "+00:00"),
        key = s("AccessKeyId"),
    );
    let err = lines(&out.stderr);
    assert_eq!(lines(&out.stdout), expected, "stderr: {err}");
    assert_eq!(out.status.code(), Some(0), "stderr: {err}");
    assert!(
        err.contains("error: the config profile (nosuch) could not be found in "),
        "{err}"
    );
    assert!(
        err.contains("usage: ssx PROFILE [ssoexec export options] | ssx --unset"),
        "{err}"
    );
    assert!(!err.contains(&s("SecretAccessKey")), "no secret on stderr");
}

/// The completion script loads, and PowerShell's own completion engine then offers ssoexec's
/// subcommands and a subcommand's options.
#[ignore = "needs PowerShell 7 (pwsh): ci.yml runs it with --ignored on every GitHub runner"]
#[tokio::test(flavor = "multi_thread")]
async fn completions_powershell_answer_tab_expansion() {
    let sb = Sandbox::new().await;
    let script = r#"& ssoexec completions powershell | Out-String | Invoke-Expression
function complete($line) {
    (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches |
        ForEach-Object { $_.CompletionText }
}
"subcommands: $((complete 'ssoexec log') -join ' ')"
"options: $((complete 'ssoexec logout --a') -join ' ')"
exit 0
"#;
    let out = pwsh(&sb, script);
    assert_eq!(
        lines(&out.stdout),
        "subcommands: login logout\noptions: --all\n",
        "stderr: {}",
        lines(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0));
}
