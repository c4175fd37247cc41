//! Issue 15: the README is tested. Every fenced example in [`DOCS`] runs against the real binary,
//! the mock and the real consumers, so the documentation cannot drift from the program:
//!
//! * ` ```ini `: each block is parsed by ssoexec (`ssoexec status` with the block as
//!   `AWS_CONFIG_FILE`) and by botocore, which must not see an inline comment in a value. All of a
//!   document's blocks together are its `~/.aws/config`: every profile has a region for the AWS
//!   CLI, every SSO profile gets credentials from `ssoexec credential-process`, and every
//!   `credential_process` profile gets them through botocore.
//! * ` ```sh `, ` ```bash `, ` ```console `: every command line (a console block's `$ ` lines) runs
//!   in bash in a sandbox: README.md's own config, the mock, the fake browser, a project directory
//!   (see [`Docs::new`]). It must succeed without an `error:` line; a console block's output must
//!   match (`...` matches anything). `[--flag ...]` marks optional arguments: the line runs without
//!   and with them. [`NOT_RUN`] lists, with the reason, the few lines that cannot run here; every
//!   other line runs, so a new example is covered the day it is written. Every `ssoexec`
//!   invocation, run or not, is also parsed by clap (`--help` appended), which fails on an
//!   unknown subcommand or flag.
//! * ` ```yaml `: parsed. A `uses:` step must name this repository's action and only inputs that
//!   `action/action.yml` declares (and every required one); it then runs as the action runs
//!   `ssoexec github`, and the `run:` lines of the steps run as shell lines in that job (with
//!   what the action exported). A kubeconfig (`kind: Config`) must load in kubectl.
//! * ` ```json `: parsed; a plugin request is compared with the one a plugin really receives.
//! * [`UNCHECKED`] languages are shown for reading only; any other tag fails the test.
// The examples are for Unix shells (bash, symlinked plugins, executable stubs).
#![cfg(unix)]
use crate::support::sandbox::*;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const DOCS: [&str; 3] = ["README.md", "action/README.md", "plugins/README.md"];

/// Shell lines (trailing comment removed) that do not run in the sandbox, and why. They are still
/// parsed by clap when they invoke ssoexec.
const NOT_RUN: &[(&str, &str)] = &[
    (
        "./scripts/demo.sh",
        "runs a nested `cargo build` and its own mock; the commands it shows are run here one by one",
    ),
    ("./scripts/test.sh", "runs this test suite"),
    (
        "ssoexec completions bash > ~/.local/share/bash-completion/completions/ssoexec",
        "installs into the user's shell setup; usage.rs loads the script in bash and completes with it",
    ),
    (
        "ssoexec completions zsh > \"${fpath[1]}/_ssoexec\"",
        "zsh syntax, installs into the user's shell setup; usage.rs checks the script with zsh -n",
    ),
    (
        "ssoexec completions fish > ~/.config/fish/completions/ssoexec.fish",
        "installs into the user's shell setup; usage.rs sources the script in fish and completes with it",
    ),
    (
        "bench/run.sh",
        "installs benchmark tools from the network and runs for minutes",
    ),
    (
        "cargo run --example mock_idc -- --port 8080",
        "starts the mock on a fixed port until stopped; the sandbox's mock stands in for it, and the lines after it run against that one",
    ),
    (
        "ssoexec configure",
        "asks on a terminal; tests/it/configure.rs drives it through a pseudo-terminal",
    ),
    (
        "cargo install --locked --path .",
        "builds a release binary of this crate (minutes); CI builds and tests the same crate",
    ),
    (
        "cargo install --locked --git https://github.com/ssoexec/ssoexec",
        "fetches from GitHub (no network here); the same crate as the line above, without the checkout's .cargo/config.toml",
    ),
    (
        "v=0.1.0 t=x86_64-unknown-linux-gnu",
        "the release download needs GitHub; the same download and check run against a local release in workflows.rs (install.sh)",
    ),
    (
        "base=https://github.com/ssoexec/ssoexec/releases/download/v$v",
        "part of the release download above",
    ),
    (
        "curl -fLO \"$base/ssoexec-$v-$t.tar.gz\" -fLO \"$base/SHA256SUMS\"",
        "part of the release download above",
    ),
    (
        "sha256sum -c --ignore-missing SHA256SUMS",
        "part of the release download above; the checksum file format is checked in workflows.rs",
    ),
    (
        "tar -xzf \"ssoexec-$v-$t.tar.gz\" && install -m 755 -t ~/.local/bin ssoexec",
        "part of the release download above",
    ),
    (
        "kubectl krew install --manifest-url=https://github.com/ssoexec/ssoexec/releases/download/v0.1.0/ssoexec.yaml",
        "needs krew and GitHub; the rendered manifest is checked in workflows.rs",
    ),
    (
        "ssoexec compose --profile dev -- up",
        "needs a Docker daemon, an image and a compose project; containers.rs runs this very line from README.md against a real daemon",
    ),
    (
        "brew install ssoexec/tap/ssoexec",
        "needs Homebrew and GitHub; the formula rendered from SHA256SUMS is checked in packaging.rs",
    ),
    (
        "scoop install https://github.com/ssoexec/ssoexec/releases/download/v0.1.0/ssoexec.json",
        "needs Windows and GitHub; the manifest rendered from SHA256SUMS is checked in packaging.rs",
    ),
    (
        "cargo binstall --git https://github.com/ssoexec/ssoexec ssoexec",
        "needs cargo-binstall and GitHub; its Cargo.toml metadata is checked in packaging.rs",
    ),
    (
        "scripts/cross-check.sh check",
        "installs Debian packages and builds std for three targets; .ci/run runs it (all), after this suite",
    ),
    (
        "scripts/cross-check.sh test",
        "needs scripts/cross-check.sh setup (wine, Debian packages)",
    ),
    (
        "scripts/cross-check.sh e2e",
        "needs scripts/cross-check.sh setup (wine, Debian packages)",
    ),
    (
        "scripts/cross-check.sh all",
        "setup, check, test and e2e: .ci/run runs it after this suite",
    ),
    (
        "kubectl get pods",
        "needs an EKS API server; kubectl using what `ssoexec kubeconfig` wrote is tested in kube.rs",
    ),
];

/// Code block languages shown for reading only, and why.
const UNCHECKED: &[(&str, &str)] = &[(
    "text",
    "program output; the exit-3 message in README.md is asserted verbatim in cache.rs",
)];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin_dir() -> PathBuf {
    assert_cmd::cargo::cargo_bin("ssoexec")
        .parent()
        .unwrap()
        .to_path_buf()
}

#[derive(Debug)]
struct Block {
    doc: &'static str,
    line: usize,
    lang: String,
    body: String,
}

impl Block {
    fn at(&self) -> String {
        format!("{}:{}", self.doc, self.line)
    }
}

/// The fenced code blocks of a document (fences may be indented, as in list items). Fails on an
/// indented code block, which would escape the checks: examples are fenced with a language.
fn blocks(doc: &'static str) -> Vec<Block> {
    let text = std::fs::read_to_string(repo().join(doc)).unwrap();
    let mut out = Vec::new();
    let mut open: Option<(usize, usize, String, String)> = None;
    let mut prev_blank = true;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        match open.as_mut() {
            None => {
                if let Some(lang) = trimmed.strip_prefix("```") {
                    open = Some((i + 1, indent, lang.trim().to_string(), String::new()));
                } else {
                    assert!(
                        !(prev_blank && line.starts_with("    ") && !trimmed.is_empty()),
                        "{doc}:{}: an indented code block; fence it with a language so it is tested",
                        i + 1
                    );
                }
            }
            Some((start, ind, lang, body)) => {
                if trimmed == "```" {
                    out.push(Block {
                        doc,
                        line: *start,
                        lang: std::mem::take(lang),
                        body: std::mem::take(body),
                    });
                    open = None;
                } else {
                    let pad = " ".repeat(*ind);
                    body.push_str(line.strip_prefix(pad.as_str()).unwrap_or(trimmed));
                    body.push('\n');
                }
            }
        }
        prev_blank = line.trim().is_empty();
    }
    assert!(open.is_none(), "{doc}: a code block is not closed");
    out
}

fn all_blocks(lang: &[&str]) -> Vec<Block> {
    DOCS.iter()
        .flat_map(|d| blocks(d))
        .filter(|b| lang.contains(&b.lang.as_str()))
        .collect()
}

/// README.md's `~/.aws/config`: its ini blocks, in order.
fn readme_config() -> String {
    blocks("README.md")
        .into_iter()
        .filter(|b| b.lang == "ini")
        .map(|b| b.body)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "runs the README's examples in bash with botocore and kubectl (scripts/install-test-tools.sh)"
)]
#[test]
fn every_code_block_has_a_checked_or_listed_language() {
    let checked = ["ini", "sh", "bash", "console", "yaml", "json"];
    let mut count = 0;
    for doc in DOCS {
        for b in blocks(doc) {
            count += 1;
            assert!(
                checked.contains(&b.lang.as_str()) || UNCHECKED.iter().any(|(l, _)| *l == b.lang),
                "{}: code block with language {:?} is neither checked by tests/it/readme.rs nor listed in UNCHECKED",
                b.at(),
                b.lang
            );
        }
    }
    assert!(count >= 15, "only {count} code blocks found");
}

// ---------------------------------------------------------------------------------------------
// ini

/// Runs Python with the sandbox's environment and ssoexec first on PATH.
fn python(sb: &Sandbox, script: &str, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = sb.wrapper("python3");
    cmd.env("PATH", search_path(&[]))
        .env_remove("SSOEXEC_TEST_NOW")
        .arg("-c")
        .arg(script)
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output()
        .expect("python3 with botocore (scripts/install-test-tools.sh)")
}

fn search_path(first: &[PathBuf]) -> String {
    let mut dirs: Vec<String> = first.iter().map(|p| p.display().to_string()).collect();
    dirs.push(bin_dir().display().to_string());
    dirs.push(std::env::var("PATH").unwrap_or_default());
    dirs.join(":")
}

/// botocore's view of a config file: every section as `raw_config_parse` reads it (nested
/// sub-sections as objects), after checking that `full_config` loads it.
const BOTOCORE_SECTIONS: &str = "
import json, sys, botocore.configloader, botocore.session
botocore.session.Session().full_config
print(json.dumps(botocore.configloader.raw_config_parse(sys.argv[1])))
";

/// botocore's profiles of the file in `AWS_CONFIG_FILE` or `~/.aws/config`.
const BOTOCORE_PROFILES: &str = "
import json, botocore.session
print(json.dumps(botocore.session.Session().full_config['profiles']))
";

/// Every `(section key, value)` of botocore's view, nested sub-sections flattened.
fn values(v: &serde_json::Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                values(v, &format!("{at} {k}"), out);
            }
        }
        other => out.push((
            at.trim().to_string(),
            other.as_str().unwrap_or_default().to_string(),
        )),
    }
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "runs the README's examples in bash with botocore and kubectl (scripts/install-test-tools.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn ini_examples_parse_with_ssoexec_and_botocore() {
    let sb = Sandbox::new().await;
    let blocks = all_blocks(&["ini"]);
    assert!(blocks.len() >= 2, "{blocks:?}");
    for (i, b) in blocks.iter().enumerate() {
        let file = sb.home().join(format!("example-{i}.ini"));
        std::fs::write(&file, &b.body).unwrap();

        let out = sb
            .cmd()
            .env("AWS_CONFIG_FILE", &file)
            .arg("status")
            .output()
            .unwrap();
        assert!(
            out.status.success() && !stderr(&out).contains("error"),
            "{}: ssoexec does not read this config:\n{}{}",
            b.at(),
            b.body,
            stderr(&out)
        );

        let out = python(
            &sb,
            BOTOCORE_SECTIONS,
            &[&file.display().to_string()],
            &[("AWS_CONFIG_FILE", &file)],
        );
        assert!(
            out.status.success(),
            "{}: botocore: {}",
            b.at(),
            stderr(&out)
        );
        let mut all = Vec::new();
        values(&serde_json::from_str(&stdout(&out)).unwrap(), "", &mut all);
        assert!(!all.is_empty(), "{}: botocore sees nothing", b.at());
        for (key, value) in all {
            assert!(
                !value.contains(" #") && !value.contains(" ;"),
                "{}: botocore reads [{key}] as {value:?}: comments go on their own line",
                b.at()
            );
        }
    }
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "runs the README's examples in bash with botocore and kubectl (scripts/install-test-tools.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn the_readme_config_gives_every_profile_credentials_and_a_region() {
    let sb = Sandbox::new().await;
    // botocore checks expiry against the real clock: so do ssoexec and the mock here.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    sb.mock.set_now(now as i64);
    let run = |args: &[&str]| {
        sb.cmd()
            .env_remove("SSOEXEC_TEST_NOW")
            .args(args)
            .output()
            .unwrap()
    };
    sb.write_config(&readme_config());
    let out = python(&sb, BOTOCORE_PROFILES, &[], &[]);
    assert!(out.status.success(), "botocore: {}", stderr(&out));
    let profiles: BTreeMap<String, BTreeMap<String, serde_json::Value>> =
        serde_json::from_str(&stdout(&out)).unwrap();
    assert!(profiles.len() >= 3, "{profiles:?}");

    let region_and_key = "
import sys, botocore.session
s = botocore.session.Session(profile=sys.argv[1])
region = s.get_config_variable('region')
assert region, 'You must specify a region: profile %s has none' % sys.argv[1]
print(region)
if sys.argv[2] == 'credentials':
    print(s.get_credentials().get_frozen_credentials().access_key)
";
    // SSO profiles first: a credential_process profile may call ssoexec for one of them.
    let mut names: Vec<&String> = profiles.keys().collect();
    // Chained profiles (`role_arn`) after the SSO profiles they start from.
    names.sort_by_key(|n| {
        (
            profiles[*n].contains_key("credential_process"),
            profiles[*n].contains_key("role_arn"),
        )
    });
    for name in names {
        let keys = &profiles[name];
        let sso = keys.contains_key("sso_session") || keys.contains_key("sso_start_url");
        if keys.contains_key("role_arn") {
            // ssoexec assumes the role from its source; botocore resolves the same chain itself.
            let out = run(&["credential-process", "--profile", name]);
            assert!(
                out.status.success(),
                "credential-process --profile {name}: {}",
                stderr(&out)
            );
            let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
            assert!(
                doc["AccessKeyId"]
                    .as_str()
                    .is_some_and(|k| k.starts_with("ASIAMOCKROLE")),
                "{doc}"
            );
            let out = python(&sb, region_and_key, &[name, "credentials"], &[]);
            assert!(
                out.status.success(),
                "botocore, profile {name}: {}",
                stderr(&out)
            );
            continue;
        }
        if sso {
            let login = run(&["login", "--profile", name]);
            assert!(
                login.status.success(),
                "login --profile {name}: {}",
                stderr(&login)
            );
            let out = run(&["credential-process", "--profile", name]);
            assert!(
                out.status.success(),
                "credential-process --profile {name}: {}",
                stderr(&out)
            );
            let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
            assert_eq!(doc["Version"], 1);
        } else {
            assert!(
                keys.contains_key("credential_process"),
                "profile {name} in README.md has neither SSO keys nor credential_process"
            );
        }
        let what = if sso { "region" } else { "credentials" };
        let out = python(&sb, region_and_key, &[name, what], &[]);
        assert!(
            out.status.success(),
            "botocore, profile {name}: {}",
            stderr(&out)
        );
        if !sso {
            // botocore ran `ssoexec credential-process` and got the role credentials.
            let key = stdout(&out).lines().nth(1).unwrap_or_default().to_string();
            assert!(
                key.starts_with("ASIAMOCK"),
                "profile {name}: {}",
                stdout(&out)
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shell lines

/// The trailing `# comment` of a shell line removed (a `#` after a blank, outside quotes).
fn strip_comment(line: &str) -> &str {
    let (mut single, mut double) = (false, false);
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && prev.is_whitespace() => return line[..i].trim_end(),
            _ => {}
        }
        prev = c;
    }
    line.trim_end()
}

/// `a [--x 1] [--y]` → `a`, `a --x 1 --y`: optional arguments left out, then all given.
fn variants(line: &str) -> Vec<String> {
    if !line.contains(" [-") {
        return vec![line.to_string()];
    }
    let (mut without, mut with) = (String::new(), String::new());
    let mut rest = line;
    while let Some(start) = rest.find(" [-") {
        let end = start + rest[start..].find(']').expect("unclosed [");
        without.push_str(&rest[..start]);
        with.push_str(&rest[..start]);
        with.push(' ');
        with.push_str(&rest[start + 2..end]);
        rest = &rest[end + 1..];
    }
    without.push_str(rest);
    with.push_str(rest);
    vec![without, with]
}

/// Each `ssoexec ARGS` a line invokes, as argv (up to a shell operator or quote).
fn invocations(line: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (i, _) in line.match_indices("ssoexec ") {
        let before = line[..i].chars().last().unwrap_or(' ');
        if !(before.is_whitespace() || "(\"'".contains(before)) {
            continue;
        }
        let rest = &line[i + "ssoexec ".len()..];
        let end = rest
            .find([')', '|', ';', '&', '"', '`', '<', '>'])
            .unwrap_or(rest.len());
        out.push(shlex::split(&rest[..end]).expect("shell words"));
    }
    out
}

/// clap accepts the invocation: with `--help` appended (before a `--`), it prints help and exits
/// 0, and fails on an unknown subcommand or flag. Nothing runs, no file is read.
fn assert_clap_accepts(at: &str, args: &[String]) {
    let split = args.iter().position(|a| a == "--").unwrap_or(args.len());
    let mut argv = args[..split].to_vec();
    argv.push("--help".into());
    argv.extend_from_slice(&args[split..]);
    let home = tempfile::tempdir().unwrap();
    let out = Command::new(assert_cmd::cargo::cargo_bin("ssoexec"))
        .args(&argv)
        .env_clear()
        .env("HOME", home.path())
        .output()
        .unwrap();
    assert!(
        out.status.success() && stdout(&out).contains("Usage: ssoexec"),
        "{at}: `ssoexec {}` is not accepted by the argument parser: {}",
        args.join(" "),
        stderr(&out)
    );
}

/// Does `text` match `pattern`, where `...` in the pattern matches anything?
fn matches(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split("...").collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for p in &parts[1..parts.len() - 1] {
        match rest.find(p) {
            Some(at) => rest = &rest[at + p.len()..],
            None => return false,
        }
    }
    true
}

/// Parses GitHub file-command text (`NAME<<DELIM\nVALUE\nDELIM\n`) as the runner does.
fn file_commands(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(head) = lines.next() {
        let (name, delim) = head.split_once("<<").expect("a heredoc entry");
        let value: Vec<&str> = lines.by_ref().take_while(|l| *l != delim).collect();
        out.push((name.to_string(), value.join("\n")));
    }
    out
}

/// Where the documents' examples run: the sandbox with README.md's config; a project directory
/// (the working directory) holding `deploy/`, `long-job.sh` and `deploy.sh` (they print the
/// credentials they were given) and a link to the repository's `plugins/`; on PATH a stand-in
/// `terraform` (needs credentials), the plugins installed as plugins/README.md says, and ssoexec;
/// `127.0.0.1:8080`, where README.md starts the mock, is the sandbox's mock. Lines that mention
/// `github` run in a fake GitHub Actions job (its files, the OIDC request variables), as do the
/// `run:` lines of workflow snippets, which also see what earlier steps exported.
struct Docs {
    sb: Sandbox,
    project: tempfile::TempDir,
    runner: tempfile::TempDir,
    ran: usize,
}

impl Docs {
    async fn new() -> Docs {
        let sb = Sandbox::new().await;
        sb.write_config(&readme_config());
        let project = tempfile::tempdir().unwrap();
        let p = project.path();
        std::fs::create_dir(p.join("deploy")).unwrap();
        std::fs::create_dir(p.join(".stubs")).unwrap();
        std::os::unix::fs::symlink(repo().join("plugins"), p.join("plugins")).unwrap();
        let show = "#!/bin/sh\nset -e\nif [ -n \"$AWS_CONTAINER_CREDENTIALS_FULL_URI\" ]; then\n  curl -fsS -H \"Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN\" \"$AWS_CONTAINER_CREDENTIALS_FULL_URI\"; echo\nelse\n  test -n \"$AWS_ACCESS_KEY_ID\" && test -n \"$AWS_SECRET_ACCESS_KEY\"\n  echo \"$(basename \"$0\") $* as $AWS_ACCESS_KEY_ID\"\nfi\n";
        for stub in ["long-job.sh", "deploy.sh", ".stubs/terraform"] {
            let path = p.join(stub);
            std::fs::write(&path, show).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let runner = tempfile::tempdir().unwrap();
        for f in ["env", "output", "summary", "path"] {
            std::fs::write(runner.path().join(f), "").unwrap();
        }
        std::fs::create_dir(runner.path().join("temp")).unwrap();
        Docs {
            sb,
            project,
            runner,
            ran: 0,
        }
    }

    fn path(&self) -> String {
        let p = self.project.path();
        search_path(&[
            p.join(".stubs"),
            repo().join("plugins"),
            repo().join("plugins").join("kubectl"),
        ])
    }

    fn runner_vars(&self) -> Vec<(String, String)> {
        let f = |n: &str| self.runner.path().join(n).display().to_string();
        vec![
            ("GITHUB_ENV".into(), f("env")),
            ("GITHUB_OUTPUT".into(), f("output")),
            ("GITHUB_STEP_SUMMARY".into(), f("summary")),
            ("GITHUB_PATH".into(), f("path")),
            ("RUNNER_TEMP".into(), f("temp")),
            ("CI".into(), "true".into()),
            (
                "ACTIONS_ID_TOKEN_REQUEST_URL".into(),
                self.sb.mock.github_token_url(),
            ),
            (
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN".into(),
                self.sb.mock.github_request_token(),
            ),
        ]
    }

    /// What earlier steps of the job exported (`$GITHUB_ENV`).
    fn job_env(&self) -> Vec<(String, String)> {
        file_commands(&std::fs::read_to_string(self.runner.path().join("env")).unwrap())
    }

    fn bash(&self, script: &str, env: &[(String, String)]) -> Command {
        let mut cmd = self.sb.wrapper("bash");
        cmd.env("PATH", self.path())
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(self.project.path())
            .arg("-c")
            .arg(script);
        cmd
    }

    /// Checks one shell line: allowlisted, or run (each variant) and required to succeed; a
    /// console line's output must match `expected`. `job`: a `run:` line of a workflow step.
    fn line(&mut self, at: &str, raw: &str, expected: Option<&[String]>, job: bool) {
        let line = strip_comment(raw.trim());
        if line.is_empty() || line.starts_with('#') {
            return;
        }
        for variant in variants(line) {
            for args in invocations(&variant) {
                assert_clap_accepts(at, &args);
            }
        }
        if NOT_RUN.iter().any(|(l, _)| *l == line) {
            return;
        }
        let mock = self.sb.mock.uri();
        let hostport = mock.trim_start_matches("http://");
        for variant in variants(line) {
            let variant = variant.replace("127.0.0.1:8080", hostport);
            let logs_in = variant.starts_with("ssoexec login");
            if !logs_in && !self.sb.token_file("corp").exists() {
                self.sb.login("dev");
            }
            let mut env = Vec::new();
            if job || variant.contains("github") {
                env = self.runner_vars();
            }
            if job {
                env.extend(self.job_env());
            }
            if variant.starts_with("ssoexec serve") {
                self.serve(at, &variant, &env);
                continue;
            }
            let out = self
                .bash(&format!("exec 2>&1\n{variant}"), &env)
                .output()
                .unwrap();
            let text = stdout(&out);
            assert!(
                out.status.success() && !text.contains("error:"),
                "{at}: `{variant}` failed ({}):\n{text}",
                out.status
            );
            if let Some(expected) = expected {
                let got: Vec<&str> = text.lines().collect();
                assert!(
                    got.len() == expected.len()
                        && expected.iter().zip(&got).all(|(e, g)| matches(e, g)),
                    "{at}: `{variant}` printed\n{text}\nbut the document shows\n{}",
                    expected.join("\n")
                );
            }
            self.ran += 1;
        }
    }

    /// `ssoexec serve` runs until stopped: wait for its two `export` lines, fetch credentials
    /// from the endpoint they name, then stop it.
    fn serve(&mut self, at: &str, line: &str, env: &[(String, String)]) {
        let mut child = self
            .bash(&format!("exec {line}"), env)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut vars = BTreeMap::new();
        for _ in 0..2 {
            let l = lines.next().and_then(Result::ok).unwrap_or_default();
            let (k, v) = l
                .strip_prefix("export ")
                .and_then(|kv| kv.split_once('='))
                .unwrap_or_else(|| panic!("{at}: `{line}` printed {l:?}"));
            vars.insert(k.to_string(), v.to_string());
        }
        let out = Command::new("curl")
            .args(["-fsS", "-H"])
            .arg(format!(
                "Authorization: {}",
                vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
            ))
            .arg(&vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
            .output()
            .unwrap();
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            out.status.success() && stdout(&out).contains("\"AccessKeyId\":\"ASIAMOCK"),
            "{at}: `{line}` served {}{}",
            stdout(&out),
            stderr(&out)
        );
        self.ran += 1;
    }

    fn shell_block(&mut self, b: &Block) {
        let lines: Vec<&str> = b.body.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            let at = format!("{}:{}", b.doc, b.line + 1 + i);
            if b.lang != "console" {
                self.line(&at, l, None, false);
            } else if let Some(cmd) = l.strip_prefix("$ ") {
                let expected: Vec<String> = lines[i + 1..]
                    .iter()
                    .take_while(|o| !o.starts_with("$ "))
                    .map(|o| o.to_string())
                    .collect();
                self.line(&at, cmd, Some(&expected), false);
            }
        }
    }

    /// A workflow snippet: `uses:` steps of the action checked and run as the action runs them,
    /// `run:` lines run in the job.
    fn yaml_block(&mut self, b: &Block, doc: &serde_yaml::Value) {
        let mut steps = Vec::new();
        collect_steps(doc, &mut steps);
        for step in steps {
            if let Some(uses) = step.get("uses") {
                self.action_step(b, uses.as_str().unwrap(), step.get("with"));
            }
            if let Some(run) = step.get("run") {
                for l in run.as_str().unwrap().lines() {
                    self.line(&b.at(), l, None, true);
                }
            }
        }
    }

    fn action_step(&mut self, b: &Block, uses: &str, with: Option<&serde_yaml::Value>) {
        let (path, version) = uses.split_once('@').unwrap_or((uses, ""));
        assert!(
            path.ends_with("/ssoexec/action") && !version.is_empty(),
            "{}: `uses: {uses}` is not this repository's action (OWNER/ssoexec/action@REF)",
            b.at()
        );
        let action: serde_yaml::Value = serde_yaml::from_str(
            &std::fs::read_to_string(repo().join("action").join("action.yml")).unwrap(),
        )
        .unwrap();
        let declared = action["inputs"].as_mapping().unwrap();
        let mut inputs = BTreeMap::new();
        for (k, v) in declared {
            let default = match v.get("default") {
                Some(serde_yaml::Value::String(s)) => s.clone(),
                Some(other) => serde_yaml::to_string(other).unwrap().trim().to_string(),
                None => String::new(),
            };
            inputs.insert(k.as_str().unwrap().to_string(), default);
        }
        let with = with
            .and_then(|w| w.as_mapping())
            .cloned()
            .unwrap_or_default();
        for (k, v) in &with {
            let k = k.as_str().unwrap();
            assert!(
                inputs.contains_key(k),
                "{}: input `{k}` is not declared in action/action.yml",
                b.at()
            );
            inputs.insert(
                k.to_string(),
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| serde_yaml::to_string(v).unwrap().trim().to_string()),
            );
        }
        for (k, v) in declared {
            if v.get("required").and_then(|r| r.as_bool()) == Some(true) {
                assert!(
                    with.contains_key(k),
                    "{}: required input {} is missing",
                    b.at(),
                    k.as_str().unwrap()
                );
            }
        }
        // The action's credentials step, its `env:` filled from the inputs as the runner does.
        let step = action["runs"]["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|s| s["id"].as_str() == Some("credentials"))
            .expect("action.yml has a step with id: credentials");
        let mut env = self.runner_vars();
        for (k, v) in step["env"].as_mapping().unwrap() {
            let mut value = v.as_str().unwrap().to_string();
            for (name, input) in &inputs {
                value = value.replace(&format!("${{{{ inputs.{name} }}}}"), input);
            }
            env.push((k.as_str().unwrap().to_string(), value));
        }
        let out = self
            .bash(
                &format!("exec 2>&1\n{}", step["run"].as_str().unwrap()),
                &env,
            )
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: the action step failed:\n{}",
            b.at(),
            stdout(&out)
        );
        self.ran += 1;
    }
}

/// The steps (mappings with `uses:` or `run:`) of a workflow snippet, in document order.
fn collect_steps<'a>(v: &'a serde_yaml::Value, out: &mut Vec<&'a serde_yaml::Value>) {
    match v {
        serde_yaml::Value::Mapping(m) => {
            if m.contains_key("uses") || m.contains_key("run") {
                out.push(v);
            } else {
                m.values().for_each(|x| collect_steps(x, out));
            }
        }
        serde_yaml::Value::Sequence(s) => s.iter().for_each(|x| collect_steps(x, out)),
        _ => {}
    }
}

/// Every document's shell and YAML examples, in document order, in one sandbox per document.
async fn run_doc(doc: &'static str) -> Docs {
    let mut docs = Docs::new().await;
    for b in blocks(doc) {
        match b.lang.as_str() {
            "sh" | "bash" | "console" => docs.shell_block(&b),
            "yaml" => {
                let v: serde_yaml::Value = serde_yaml::from_str(&b.body)
                    .unwrap_or_else(|e| panic!("{}: not YAML: {e}", b.at()));
                if v.get("kind").and_then(|k| k.as_str()) == Some("Config") {
                    let file = docs.project.path().join("kubeconfig-example");
                    std::fs::write(&file, &b.body).unwrap();
                    let out = Command::new("kubectl")
                        .args(["config", "view", "--kubeconfig"])
                        .arg(&file)
                        .output()
                        .unwrap();
                    assert!(
                        out.status.success(),
                        "{}: kubectl: {}",
                        b.at(),
                        stderr(&out)
                    );
                }
                docs.yaml_block(&b, &v);
            }
            _ => {}
        }
    }
    docs
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "runs the README's examples in bash with botocore and kubectl (scripts/install-test-tools.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn readme_shell_examples_run() {
    let docs = run_doc("README.md").await;
    assert!(docs.ran >= 20, "only {} lines ran", docs.ran);
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "runs the README's examples in bash with botocore and kubectl (scripts/install-test-tools.sh)"
)]
#[test]
fn every_not_run_line_is_still_in_a_document() {
    let lines: BTreeSet<String> = DOCS
        .iter()
        .flat_map(|d| blocks(d))
        .flat_map(|b| {
            b.body
                .lines()
                .map(|l| strip_comment(l.trim().trim_start_matches("$ ")).to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    for (line, why) in NOT_RUN {
        assert!(
            lines.contains(*line),
            "NOT_RUN lists `{line}` ({why}), which no document has any more"
        );
    }
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "runs the README's examples in bash with botocore and kubectl (scripts/install-test-tools.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn action_readme_workflow_runs_as_a_job() {
    let docs = run_doc("action/README.md").await;
    // The action step, `terraform plan` with its credentials, and `ssoexec github --refresh`.
    assert_eq!(docs.ran, 3);
    let env: BTreeMap<_, _> = docs.job_env().into_iter().collect();
    assert!(
        env["AWS_ACCESS_KEY_ID"].starts_with("ASIAMOCKWEBID"),
        "{env:?}"
    );
    assert!(
        docs.project.path().join(".env").exists(),
        "env-file: .env was written"
    );
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "runs the README's examples in bash with botocore and kubectl (scripts/install-test-tools.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn plugins_readme_examples_run() {
    let docs = run_doc("plugins/README.md").await;
    assert!(docs.ran >= 4, "only {} lines ran", docs.ran);
    let tfvars = std::fs::read_to_string(docs.project.path().join("aws.auto.tfvars")).unwrap();
    assert!(tfvars.contains("aws_region"), "{tfvars}");
}

// ---------------------------------------------------------------------------------------------
// json

/// The shape of a JSON value: object keys and array lengths, not the values.
fn shape(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), shape(v))).collect(),
        serde_json::Value::Array(a) => a.iter().map(shape).collect(),
        _ => serde_json::Value::Null,
    }
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "runs the README's examples in bash with botocore and kubectl (scripts/install-test-tools.sh)"
)]
#[tokio::test(flavor = "multi_thread")]
async fn json_examples_parse_and_the_plugin_request_is_what_a_plugin_receives() {
    let sb = Sandbox::new().await;
    sb.write_config(&readme_config());
    sb.login("dev");
    // A plugin that answers with its request.
    let dir = tempfile::tempdir().unwrap();
    let plugin = dir.path().join("ssoexec-format-tfvars");
    std::fs::write(&plugin, "#!/bin/sh\nexec cat\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = sb
        .cmd()
        .env("PATH", search_path(&[dir.path().to_path_buf()]))
        .current_dir(dir.path())
        .args([
            "export",
            "--profile",
            "dev",
            "--emit",
            "tfvars=aws.auto.tfvars",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let real: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("aws.auto.tfvars")).unwrap())
            .unwrap();

    let blocks = all_blocks(&["json"]);
    assert!(!blocks.is_empty());
    for b in blocks {
        let shown: serde_json::Value =
            serde_json::from_str(&b.body).unwrap_or_else(|e| panic!("{}: not JSON: {e}", b.at()));
        if shown.get("variables").is_none() {
            continue;
        }
        assert_eq!(
            shape(&shown),
            shape(&real),
            "{}: keys differ from a real request",
            b.at()
        );
        for key in [
            "version",
            "format",
            "profile",
            "region",
            "account_id",
            "role_name",
        ] {
            assert_eq!(shown[key], real[key], "{}: {key}", b.at());
        }
        assert_eq!(
            shown["credentials"]["expiration"],
            real["credentials"]["expiration"]
        );
        for (s, r) in shown["variables"]
            .as_array()
            .unwrap()
            .iter()
            .zip(real["variables"].as_array().unwrap())
        {
            assert_eq!(s["name"], r["name"], "{}", b.at());
            assert_eq!(s["secret"], r["secret"], "{}", b.at());
            if s["secret"] == false {
                assert_eq!(s["value"], r["value"], "{}", b.at());
            }
        }
    }
}

/// `ssoexec ...` in inline code (`` `ssoexec login --profile dev` ``) outside the code blocks is
/// parsed by clap too: `[...]` optional, `…` an elision, capitals placeholders for values.
#[cfg_attr(
    not(target_os = "linux"),
    ignore = "runs the README's examples in bash with botocore and kubectl (scripts/install-test-tools.sh)"
)]
#[test]
fn inline_ssoexec_commands_are_accepted_by_the_argument_parser() {
    let mut count = 0;
    for doc in DOCS {
        let text = std::fs::read_to_string(repo().join(doc)).unwrap();
        let mut fenced = false;
        for (i, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
            }
            if fenced {
                continue;
            }
            for span in line.split('`').skip(1).step_by(2) {
                if !span.starts_with("ssoexec ") {
                    continue;
                }
                for variant in variants(&span.replace(" …", "")) {
                    for args in invocations(&variant) {
                        assert_clap_accepts(&format!("{doc}:{}", i + 1), &args);
                        count += 1;
                    }
                }
            }
        }
    }
    assert!(count >= 15, "only {count} inline commands found");
}

#[cfg_attr(
    not(target_os = "linux"),
    ignore = "runs the README's examples in bash with botocore and kubectl (scripts/install-test-tools.sh)"
)]
#[test]
fn the_line_helpers_do_what_they_say() {
    assert_eq!(
        variants("ssoexec roles --profile dev [--account-id 1] [--json]"),
        [
            "ssoexec roles --profile dev",
            "ssoexec roles --profile dev --account-id 1 --json"
        ]
    );
    assert_eq!(strip_comment("a b   # c"), "a b");
    assert_eq!(strip_comment("echo '# x' \"#\" # y"), "echo '# x' \"#\"");
    assert_eq!(
        invocations(
            "eval \"$(ssoexec export --profile dev --format env)\" | ssoexec-x ssoexec status"
        ),
        [
            vec!["export", "--profile", "dev", "--format", "env"],
            vec!["status"]
        ]
    );
    assert!(matches("a = \"ASIA...\"", "a = \"ASIAXYZ\""));
    assert!(!matches("a = \"ASIA...\"", "b = \"ASIAXYZ\""));
}
