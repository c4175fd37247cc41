//! The package-manager files of a release (docs/release.md): the Homebrew formula and the Scoop
//! manifest rendered by scripts/package-manifests.sh from SHA256SUMS, and the `cargo binstall`
//! metadata in Cargo.toml, each pointing at the archives release.yml builds with their SHA-256.
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

const VERSION: &str = "9.8.7";
const BASE: &str = "https://github.com/ssoexec/ssoexec/releases/download";

/// Every archive of a release (docs/release.md), by target.
const ARCHIVES: [(&str, &str); 5] = [
    ("x86_64-unknown-linux-gnu", "tar.gz"),
    ("aarch64-unknown-linux-gnu", "tar.gz"),
    ("x86_64-apple-darwin", "tar.gz"),
    ("aarch64-apple-darwin", "tar.gz"),
    ("x86_64-pc-windows-msvc", "zip"),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn archive(target: &str, ext: &str) -> String {
    format!("ssoexec-{VERSION}-{target}.{ext}")
}

/// A distinct made-up SHA-256 per archive, as SHA256SUMS lists it.
fn sums() -> BTreeMap<String, String> {
    ARCHIVES
        .iter()
        .enumerate()
        .map(|(i, (t, e))| {
            (
                archive(t, e),
                format!("{:x}", i + 10).repeat(64)[..64].to_string(),
            )
        })
        .collect()
}

fn render(sums: &BTreeMap<String, String>, out: &Path) -> Output {
    let dir = out.parent().unwrap();
    let file = dir.join("SHA256SUMS");
    let text: String = sums.iter().map(|(n, s)| format!("{s}  {n}\n")).collect();
    std::fs::write(&file, text).unwrap();
    Command::new("bash")
        .arg(root().join("scripts").join("package-manifests.sh"))
        .arg(format!("v{VERSION}"))
        .arg(&file)
        .arg(out)
        .output()
        .unwrap()
}

fn url(name: &str) -> String {
    format!("{BASE}/v{VERSION}/{name}")
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "runs scripts/package-manifests.sh, written for bash with GNU awk, sed and grep (not tried with the BSD ones)"
)]
#[test]
fn homebrew_formula_and_scoop_manifest_render_from_sha256sums() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let sums = sums();
    let run = render(&sums, &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    // Homebrew: every Unix archive, its own SHA-256 on the line after its url.
    let formula = std::fs::read_to_string(out.join("ssoexec.rb")).unwrap();
    assert!(formula.starts_with(&format!(
        "# Rendered by scripts/package-manifests.sh from packaging/homebrew/ssoexec.rb for v{VERSION}.\nclass Ssoexec < Formula\n"
    )));
    assert!(formula.contains(&format!("  version \"{VERSION}\"\n")));
    let lines: Vec<&str> = formula.lines().map(str::trim).collect();
    let mut seen = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(u) = line.strip_prefix("url \"") {
            let u = u.trim_end_matches('"');
            let name = u.rsplit('/').next().unwrap();
            assert_eq!(u, url(name));
            assert_eq!(lines[i + 1], format!("sha256 \"{}\"", sums[name]), "{name}");
            seen.push(name.to_string());
        }
    }
    seen.sort();
    let mut unix: Vec<String> = ARCHIVES
        .iter()
        .filter(|(t, _)| !t.contains("windows"))
        .map(|(t, e)| archive(t, e))
        .collect();
    unix.sort();
    assert_eq!(seen, unix);
    assert!(formula.contains("bin.install \"ssoexec\", \"kubectl-ssoexec\""));
    assert!(!formula.contains('@'), "{formula}");

    // Scoop: the Windows zip and its SHA-256; autoupdate reads SHA256SUMS.
    let scoop: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("ssoexec.json")).unwrap()).unwrap();
    let zip = archive("x86_64-pc-windows-msvc", "zip");
    assert_eq!(scoop["version"], VERSION);
    assert_eq!(scoop["architecture"]["64bit"]["url"], url(&zip));
    assert_eq!(scoop["architecture"]["64bit"]["hash"], sums[&zip].as_str());
    assert_eq!(scoop["bin"], "ssoexec.exe");
    assert_eq!(
        scoop["autoupdate"]["hash"]["url"],
        format!("{BASE}/v$version/SHA256SUMS")
    );
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "runs scripts/package-manifests.sh, written for bash with GNU awk, sed and grep (not tried with the BSD ones)"
)]
#[test]
fn package_manifests_refuse_a_sha256sums_missing_an_archive() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut sums = sums();
    sums.remove(&archive("x86_64-pc-windows-msvc", "zip"));
    let run = render(&sums, &out);
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&run.stderr),
        format!(
            "package-manifests: {} has no SHA-256 for {}\n",
            dir.path().join("SHA256SUMS").display(),
            archive("x86_64-pc-windows-msvc", "zip")
        )
    );
    assert!(!out.exists(), "nothing is written");
}

/// A `key = "value"` of a `[section]` of Cargo.toml (string values only; enough for binstall's).
fn toml_string(text: &str, section: &str, key: &str) -> Option<String> {
    let mut inside = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == format!("[{section}]");
        } else if inside
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            return Some(v.trim().trim_matches('"').to_string());
        }
    }
    None
}

/// `cargo binstall` expands pkg-url per target: each is a release archive's URL.
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "runs scripts/package-manifests.sh, written for bash with GNU awk, sed and grep (not tried with the BSD ones)"
)]
#[test]
fn binstall_metadata_points_at_each_release_archive() {
    let cargo = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let repo = toml_string(&cargo, "package", "repository").unwrap();
    assert_eq!(format!("{repo}/releases/download"), BASE);
    let meta = "package.metadata.binstall";
    assert_eq!(
        toml_string(&cargo, meta, "bin-dir").as_deref(),
        Some("{ bin }{ binary-ext }"),
        "the archives hold the binary at their top level"
    );
    for (target, ext) in ARCHIVES {
        let over = format!("{meta}.overrides.{target}");
        let template = toml_string(&cargo, &over, "pkg-url")
            .or_else(|| toml_string(&cargo, meta, "pkg-url"))
            .unwrap();
        let fmt = toml_string(&cargo, &over, "pkg-fmt")
            .or_else(|| toml_string(&cargo, meta, "pkg-fmt"))
            .unwrap();
        let expanded = template
            .replace("{ repo }", &repo)
            .replace("{ version }", VERSION)
            .replace("{ name }", "ssoexec")
            .replace("{ target }", target);
        assert_eq!(expanded, url(&archive(target, ext)), "{target}");
        assert_eq!(fmt, if ext == "zip" { "zip" } else { "tgz" }, "{target}");
    }
    // A musl host (Alpine) gets the static Linux archive of its architecture.
    for arch in ["x86_64", "aarch64"] {
        let over = format!("{meta}.overrides.{arch}-unknown-linux-musl");
        let template = toml_string(&cargo, &over, "pkg-url").unwrap();
        let expanded = template
            .replace("{ repo }", &repo)
            .replace("{ version }", VERSION)
            .replace("{ name }", "ssoexec");
        let gnu = format!("{arch}-unknown-linux-gnu");
        assert_eq!(expanded, url(&archive(&gnu, "tar.gz")), "{arch}");
    }
}
