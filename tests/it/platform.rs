//! What the installed binary is made of, per platform (docs/platforms.md): on Linux (glibc) a
//! static binary, and host names still resolve without glibc's NSS (reqwest's own resolver).
use crate::support::mock::Op;
use crate::support::sandbox::*;

/// `cargo build`/`cargo install --path .` link the Linux binary statically (.cargo/config.toml).
/// glibc's `ldd` says "not a dynamic executable" for a static binary ("statically linked" for a
/// static-pie).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn the_linux_binary_has_no_dynamic_loader() {
    let bin = assert_cmd::cargo::cargo_bin("ssoexec");
    let out = std::process::Command::new("ldd")
        .arg(&bin)
        .output()
        .unwrap();
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        text.trim() == "not a dynamic executable" || text.trim() == "statically linked",
        "{}: {text}",
        bin.display()
    );
}

/// A host name is resolved without glibc's NSS (which a static binary cannot load reliably):
/// under strace, resolving `localhost` reads /etc/hosts itself and never opens nsswitch.conf or a
/// `libnss_*` module.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[tokio::test(flavor = "multi_thread")]
async fn host_names_resolve_without_nss() {
    let sb = Sandbox::new().await;
    sb.login("dev");
    let trace = sb.home().join("strace.log");
    let by_name = sb.mock.uri().replace("127.0.0.1", "localhost");
    let mut cmd = sb.wrapper("strace");
    cmd.args(["-f", "-e", "trace=open,openat", "-o"])
        .arg(&trace)
        .arg(assert_cmd::cargo::cargo_bin("ssoexec"))
        .args(["credential-process", "--profile", "dev"])
        .env("AWS_ENDPOINT_URL_SSO", &by_name)
        .stdin(std::process::Stdio::null());
    let out = cmd
        .output()
        .expect("strace (scripts/install-test-tools.sh installs it)");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        sb.mock.count(Op::GetRoleCredentials),
        1,
        "a request by name"
    );
    let log = std::fs::read_to_string(&trace).unwrap();
    let opened: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("open"))
        .filter_map(|l| l.split('"').nth(1))
        .collect();
    assert!(opened.contains(&"/etc/hosts"), "{opened:?}");
    assert!(
        !opened
            .iter()
            .any(|p| p.contains("nsswitch") || p.contains("libnss")),
        "{opened:?}"
    );
}

/// Endpoints given by host name (`localhost`, from /etc/hosts) resolve in a static binary: a
/// sign-in and a role credential fetch through `http://localhost:PORT`.
#[tokio::test(flavor = "multi_thread")]
async fn endpoints_named_by_host_name_resolve() {
    let sb = Sandbox::new().await;
    let by_name = sb.mock.uri().replace("127.0.0.1", "localhost");
    assert_ne!(by_name, sb.mock.uri());
    let with_names = |args: &[&str]| {
        let mut cmd = sb.cmd();
        for var in [
            "AWS_ENDPOINT_URL_SSO_OIDC",
            "AWS_ENDPOINT_URL_SSO",
            "AWS_ENDPOINT_URL_STS",
        ] {
            cmd.env(var, &by_name);
        }
        cmd.args(args).output().unwrap()
    };
    let login = with_names(&["login", "--profile", "dev", "--device-code"]);
    assert!(login.status.success(), "{}", stderr(&login));
    let out = with_names(&["credential-process", "--profile", "dev"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["Version"], 1);
    assert!(
        doc["AccessKeyId"]
            .as_str()
            .is_some_and(|k| k.starts_with("ASIA"))
    );
    assert_eq!(sb.mock.count(Op::GetRoleCredentials), 1);
}
