//! `docker compose` for ssoexec (pure): where the global options end and the subcommand begins,
//! which files make the project, what each service asks for (`x-ssoexec: {profile: P}`, or
//! `x-ssoexec: false` for none), and the override file that wires the services to the
//! credentials network. The user's files are only read, by Compose itself (`config`).
use super::{LABEL_RUN, LABEL_SLOT, NETWORK, TOKEN_PATH};
use serde_yaml::{Mapping, Value};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Global Compose options that take a value.
const VALUED: &[&str] = &[
    "-f",
    "--file",
    "-p",
    "--project-name",
    "--project-directory",
    "--env-file",
    "--profile",
    "--ansi",
    "--parallel",
    "--progress",
];
/// The files Compose looks for when none is named, in its order, and their override partners.
const DEFAULT_FILES: &[(&str, &str)] = &[
    ("compose.yaml", "compose.override.yaml"),
    ("compose.yml", "compose.override.yml"),
    ("docker-compose.yaml", "docker-compose.override.yaml"),
    ("docker-compose.yml", "docker-compose.override.yml"),
];
/// The service extension key.
pub const EXTENSION: &str = "x-ssoexec";

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("no compose subcommand (`up`, `run`, ...) after the options")]
    NoSubcommand,
    #[error("a detached project (`{subcommand} {flag}`) would outlive ssoexec and its credentials")]
    Detached { subcommand: String, flag: String },
    #[error("a compose file on stdin (`-f -`) cannot be read twice")]
    Stdin,
    #[error("no compose file (compose.yaml, docker-compose.yml, ...) in {}", dir.display())]
    NoFile { dir: PathBuf },
    #[error("Compose cannot read the project: {detail}")]
    Unreadable { detail: String },
    #[error("cannot read Compose's view of the project")]
    Model(#[source] serde_yaml::Error),
    #[error("service {service}: `x-ssoexec` must be `false` or a mapping with a `profile` string")]
    Extension { service: String },
    #[error(
        "service {service} uses `network_mode: {mode}`, which cannot reach the credentials network"
    )]
    NetworkMode { service: String, mode: String },
}

impl ComposeError {
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            ComposeError::NoSubcommand | ComposeError::Detached { .. } | ComposeError::Stdin
        )
    }

    pub fn hint(&self) -> Option<String> {
        Some(match self {
            ComposeError::NoSubcommand => {
                "use `ssoexec compose --profile P -- [OPTIONS] up`".into()
            }
            ComposeError::Detached { .. } => {
                "run it in the foreground (ssoexec serves credentials while it runs)".into()
            }
            ComposeError::Stdin => "write the file to disk and pass `-f FILE`".into(),
            ComposeError::NoFile { .. } => {
                "run it where the compose file is, or pass `-f FILE`".into()
            }
            ComposeError::Unreadable { .. } | ComposeError::Model(_) => {
                "check the file with `docker compose config`".into()
            }
            ComposeError::Extension { .. } => {
                "write `x-ssoexec: {profile: NAME}` (see docs/containers.md)".into()
            }
            ComposeError::NetworkMode { .. } => {
                "give the service `x-ssoexec: false`, or put it on a bridge network".into()
            }
        })
    }
}

/// A `docker compose` command line, taken apart.
#[derive(Debug, PartialEq, Eq)]
pub struct ComposeLine {
    /// The global options, as given (ssoexec adds its `-f` after them).
    pub globals: Vec<OsString>,
    /// The files named with `-f`/`--file`.
    pub files: Vec<String>,
    /// `--project-directory`, if given.
    pub project_dir: Option<String>,
    /// The subcommand and everything after it.
    pub subcommand: Vec<OsString>,
}

/// Splits `[GLOBAL OPTIONS] SUBCOMMAND [ARGS]`; refuses a detached `up`/`run` and `-f -`.
pub fn parse(args: &[OsString]) -> Result<ComposeLine, ComposeError> {
    let mut line = ComposeLine {
        globals: vec![],
        files: vec![],
        project_dir: None,
        subcommand: vec![],
    };
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].to_string_lossy().into_owned();
        if !arg.starts_with('-') || arg == "-" {
            break;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let takes = VALUED.contains(&name.as_str()) && inline.is_none();
        let value = if takes {
            args.get(i + 1).map(|v| v.to_string_lossy().into_owned())
        } else {
            inline
        };
        match name.as_str() {
            "-f" | "--file" => line.files.push(value.clone().unwrap_or_default()),
            "--project-directory" => line.project_dir = value.clone(),
            _ => {}
        }
        let n = if takes { 2 } else { 1 };
        line.globals
            .extend(args[i..(i + n).min(args.len())].iter().cloned());
        i += n;
    }
    line.subcommand = args[i.min(args.len())..].to_vec();
    if line.files.iter().any(|f| f == "-") {
        return Err(ComposeError::Stdin);
    }
    let words: Vec<String> = line
        .subcommand
        .iter()
        .map(|w| w.to_string_lossy().into_owned())
        .collect();
    match words.first().map(String::as_str) {
        None => return Err(ComposeError::NoSubcommand),
        Some(sub @ ("up" | "run")) => {
            // Options of the subcommand end at its first non-option (a service name).
            for w in words[1..].iter().take_while(|w| w.starts_with('-')) {
                let detach = matches!(w.as_str(), "-d" | "--detach" | "--wait" | "--detach=true")
                    || (w.starts_with('-') && !w.starts_with("--") && w[1..].contains('d'));
                if detach {
                    return Err(ComposeError::Detached {
                        subcommand: sub.into(),
                        flag: crate::support::text::clean(w),
                    });
                }
            }
        }
        Some(_) => {}
    }
    Ok(line)
}

/// The files Compose would use with none named: the first default file in `dir` and its
/// override partner. (Compose also looks in parent directories; ssoexec does not.)
pub fn default_files(dir: &Path) -> Result<Vec<PathBuf>, ComposeError> {
    for (base, partner) in DEFAULT_FILES {
        if dir.join(base).is_file() {
            let mut files = vec![dir.join(base)];
            if dir.join(partner).is_file() {
                files.push(dir.join(partner));
            }
            return Ok(files);
        }
    }
    Err(ComposeError::NoFile {
        dir: dir.to_path_buf(),
    })
}

/// What a service asks for.
#[derive(Debug, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    /// `None`: no credentials (`x-ssoexec: false`); `Some(None)`: the command's profile.
    pub profile: Option<Option<String>>,
    /// The networks it names (Compose lists `default` for a service that names none).
    pub networks: Vec<String>,
    /// Its environment sets the region already (ssoexec then leaves it alone).
    pub sets_region: bool,
}

/// Reads Compose's `config` output (YAML: its JSON output drops `x-` keys of services).
pub fn services(config: &str) -> Result<Vec<Service>, ComposeError> {
    let doc: Value = serde_yaml::from_str(config).map_err(ComposeError::Model)?;
    let mut out = vec![];
    let Some(services) = doc.get("services").and_then(Value::as_mapping) else {
        return Ok(out);
    };
    for (name, body) in services {
        let name = name.as_str().unwrap_or_default().to_string();
        let profile = match body.get(EXTENSION) {
            None => Some(None),
            Some(Value::Bool(false)) => None,
            Some(Value::Mapping(m)) => match m.get("profile") {
                Some(Value::String(p)) if !p.is_empty() => Some(Some(p.clone())),
                None if m.is_empty() => Some(None),
                _ => return Err(ComposeError::Extension { service: name }),
            },
            Some(_) => return Err(ComposeError::Extension { service: name }),
        };
        if profile.is_some()
            && let Some(mode) = body.get("network_mode").and_then(Value::as_str)
        {
            return Err(ComposeError::NetworkMode {
                service: name,
                mode: crate::support::text::clean(mode),
            });
        }
        let networks = match body.get("networks") {
            Some(Value::Mapping(m)) => m
                .keys()
                .filter_map(|k| k.as_str().map(String::from))
                .collect(),
            Some(Value::Sequence(s)) => s
                .iter()
                .filter_map(|k| k.as_str().map(String::from))
                .collect(),
            _ => vec!["default".into()],
        };
        let sets_region = ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .iter()
            .any(|k| body.get("environment").and_then(|e| e.get(*k)).is_some());
        out.push(Service {
            name,
            profile,
            networks,
            sets_region,
        });
    }
    Ok(out)
}

/// How one service is wired: its slot label, its token file on the host, its region.
pub struct Wiring {
    pub slot: String,
    pub token_file: PathBuf,
    pub region: Option<String>,
}

/// The override file: for each wired service the endpoint's variables, the token file, the
/// labels, and the credentials network next to the networks it already has.
pub fn override_file(
    services: &[Service],
    wiring: &BTreeMap<String, Wiring>,
    url: &str,
    run: &str,
) -> String {
    let mut out = Mapping::new();
    for s in services {
        let Some(w) = wiring.get(&s.name) else {
            continue;
        };
        let mut env = Mapping::new();
        env.insert("AWS_CONTAINER_CREDENTIALS_FULL_URI".into(), url.into());
        env.insert(
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE".into(),
            TOKEN_PATH.into(),
        );
        if let Some(r) = w.region.as_ref().filter(|_| !s.sets_region) {
            env.insert("AWS_REGION".into(), r.as_str().into());
            env.insert("AWS_DEFAULT_REGION".into(), r.as_str().into());
        }
        let mut volume = Mapping::new();
        volume.insert("type".into(), "bind".into());
        volume.insert("source".into(), w.token_file.display().to_string().into());
        volume.insert("target".into(), TOKEN_PATH.into());
        volume.insert("read_only".into(), true.into());
        let mut labels = Mapping::new();
        labels.insert(LABEL_SLOT.into(), w.slot.as_str().into());
        labels.insert(LABEL_RUN.into(), run.into());
        let mut networks = Mapping::new();
        for n in &s.networks {
            networks.insert(n.as_str().into(), Value::Null);
        }
        networks.insert(NETWORK.into(), Value::Null);
        let mut svc = Mapping::new();
        svc.insert("environment".into(), env.into());
        svc.insert("volumes".into(), vec![Value::Mapping(volume)].into());
        svc.insert("labels".into(), labels.into());
        svc.insert("networks".into(), networks.into());
        out.insert(s.name.as_str().into(), svc.into());
    }
    let mut external = Mapping::new();
    external.insert("name".into(), NETWORK.into());
    external.insert("external".into(), true.into());
    let mut nets = Mapping::new();
    nets.insert(NETWORK.into(), external.into());
    let mut doc = Mapping::new();
    doc.insert("services".into(), out.into());
    doc.insert("networks".into(), nets.into());
    serde_yaml::to_string(&Value::Mapping(doc)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the words, parsing never panics and keeps every word, in order.
        #[test]
        fn parse_never_panics_and_loses_nothing(ws in proptest::collection::vec("(-{0,2}[a-zA-Z=:/0-9-]{0,6})", 0..8)) {
            let args: Vec<OsString> = ws.iter().map(OsString::from).collect();
            if let Ok(l) = parse(&args) {
                let mut all = l.globals.clone();
                all.extend(l.subcommand.clone());
                prop_assert_eq!(all, args);
            }
        }
    }

    fn words(s: &str) -> Vec<OsString> {
        s.split_whitespace().map(OsString::from).collect()
    }

    #[test]
    fn globals_end_at_the_subcommand() {
        let l = parse(&words(
            "-f a.yml --file=b.yml -p proj --dry-run up --build web",
        ))
        .unwrap();
        assert_eq!(l.globals, words("-f a.yml --file=b.yml -p proj --dry-run"));
        assert_eq!(l.files, vec!["a.yml".to_string(), "b.yml".to_string()]);
        assert_eq!(l.subcommand, words("up --build web"));
        assert_eq!(parse(&words("up")).unwrap().globals, Vec::<OsString>::new());
    }

    #[test]
    fn refused_lines() {
        assert!(matches!(
            parse(&words("-f x.yml")),
            Err(ComposeError::NoSubcommand)
        ));
        assert!(matches!(parse(&words("-f - up")), Err(ComposeError::Stdin)));
        for l in [
            "up -d",
            "up --detach",
            "up --wait",
            "run -d web",
            "up --build -d",
        ] {
            assert!(
                matches!(parse(&words(l)), Err(ComposeError::Detached { .. })),
                "{l}"
            );
        }
        // After the service name, words belong to the service's command.
        assert!(parse(&words("run web sh -c -d")).is_ok());
        assert!(parse(&words("down -v")).is_ok());
    }

    #[test]
    fn services_and_their_profiles() {
        let config = "name: p\nservices:\n  a:\n    image: i\n    networks:\n      default: null\n    x-ssoexec:\n      profile: prod\n  b:\n    image: i\n    environment:\n      AWS_REGION: us-east-2\n    networks:\n      back: null\n  db:\n    image: i\n    network_mode: host\n    x-ssoexec: false\n";
        let s = services(config).unwrap();
        assert_eq!(
            s,
            vec![
                Service {
                    name: "a".into(),
                    profile: Some(Some("prod".into())),
                    networks: vec!["default".into()],
                    sets_region: false,
                },
                Service {
                    name: "b".into(),
                    profile: Some(None),
                    networks: vec!["back".into()],
                    sets_region: true,
                },
                Service {
                    name: "db".into(),
                    profile: None,
                    networks: vec!["default".into()],
                    sets_region: false,
                },
            ]
        );
        for bad in [
            "x-ssoexec: prod",
            "x-ssoexec: {profile: 3}",
            "x-ssoexec: {profil: a}",
            "x-ssoexec: true",
        ] {
            let c = format!("services:\n  a:\n    image: i\n    {bad}\n");
            assert!(
                matches!(services(&c), Err(ComposeError::Extension { .. })),
                "{bad}"
            );
        }
        let c = "services:\n  a:\n    image: i\n    network_mode: host\n";
        assert!(matches!(services(c), Err(ComposeError::NetworkMode { .. })));
        assert!(matches!(
            services("services: [\n"),
            Err(ComposeError::Model(_))
        ));
    }

    #[test]
    fn the_override_keeps_the_networks_and_adds_ours() {
        let s = services("services:\n  a:\n    image: i\n    networks:\n      default: null\n  db:\n    image: i\n    x-ssoexec: false\n").unwrap();
        let mut w = BTreeMap::new();
        w.insert(
            "a".to_string(),
            Wiring {
                slot: "r1-a".into(),
                token_file: "/t/a/token".into(),
                region: Some("eu-west-1".into()),
            },
        );
        let text = override_file(&s, &w, "http://169.254.170.2:4000/credentials", "r1");
        assert_eq!(
            text,
            "services:
  a:
    environment:
      AWS_CONTAINER_CREDENTIALS_FULL_URI: http://169.254.170.2:4000/credentials
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: /run/ssoexec/token
      AWS_REGION: eu-west-1
      AWS_DEFAULT_REGION: eu-west-1
    volumes:
    - type: bind
      source: /t/a/token
      target: /run/ssoexec/token
      read_only: true
    labels:
      dev.ssoexec.slot: r1-a
      dev.ssoexec.run: r1
    networks:
      default: null
      ssoexec-credentials: null
networks:
  ssoexec-credentials:
    name: ssoexec-credentials
    external: true
"
        );
    }
}
