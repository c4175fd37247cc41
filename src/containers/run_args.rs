//! Reading a `docker run` command line (pure): where the options end and the image begins, and
//! the options ssoexec must know about (detaching, the network). Docker's own parser decides
//! everything else; ssoexec only adds its options in front of the user's.
use std::ffi::{OsStr, OsString};

/// Long `docker run` options that take no value (every other long option takes one).
const LONG_FLAGS: &[&str] = &[
    "detach",
    "interactive",
    "tty",
    "rm",
    "privileged",
    "publish-all",
    "init",
    "read-only",
    "no-healthcheck",
    "oom-kill-disable",
    "disable-content-trust",
    "sig-proxy",
    "help",
    "quiet",
    "use-api-socket",
];
/// Short options that take no value.
const SHORT_FLAGS: &[char] = &['d', 'i', 't', 'P', 'q'];

/// What is wrong with a `docker` command line for `ssoexec docker`.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ArgsError {
    #[error("`ssoexec docker` runs `docker run` only, not `docker {word}`")]
    NotRun { word: String },
    #[error("no image in the `docker run` command line")]
    NoImage,
    #[error("a detached container (`{flag}`) would outlive ssoexec and its credentials")]
    Detached { flag: String },
    #[error("a container on `--network {mode}` cannot reach the credentials network")]
    NetworkMode { mode: String },
    #[error("`{option}` is set by ssoexec")]
    Reserved { option: String },
}

impl ArgsError {
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            ArgsError::NotRun { .. } | ArgsError::NoImage => {
                "use `ssoexec docker --profile P -- run [OPTIONS] IMAGE [COMMAND]`".into()
            }
            ArgsError::Detached { .. } => {
                "run it in the foreground (ssoexec serves credentials while it runs): put `ssoexec docker ... &` in the background instead".into()
            }
            ArgsError::NetworkMode { .. } => {
                "use a bridge network (the default), or `ssoexec exec --renew` for a host-network program".into()
            }
            ArgsError::Reserved { .. } => "leave it out: see docs/containers.md".into(),
        })
    }
}

/// A `docker run` command line, taken apart.
#[derive(Debug, PartialEq, Eq)]
pub struct RunLine {
    /// The user's options (before the image).
    pub options: Vec<OsString>,
    /// The image and the command after it.
    pub rest: Vec<OsString>,
    /// The networks the user asked for (`--network`/`--net`), in order.
    pub networks: Vec<String>,
    /// `-i`/`--interactive` was given (matters when ssoexec starts the container itself).
    pub interactive: bool,
}

/// Takes apart `run OPTIONS IMAGE [COMMAND...]` (or `container run ...`).
pub fn parse(args: &[OsString]) -> Result<RunLine, ArgsError> {
    let skip = match args.iter().map(|a| a.to_str()).collect::<Vec<_>>()[..] {
        [Some("run"), ..] => 1,
        [Some("container"), Some("run"), ..] => 2,
        [] => return Err(ArgsError::NoImage),
        _ => {
            return Err(ArgsError::NotRun {
                word: crate::support::text::clean(&args[0].to_string_lossy()),
            });
        }
    };
    let mut line = RunLine {
        options: vec![],
        rest: vec![],
        networks: vec![],
        interactive: false,
    };
    let mut i = skip;
    while i < args.len() {
        let arg = args[i].to_string_lossy().into_owned();
        if arg == "--" {
            i += 1;
            break;
        }
        if !arg.starts_with('-') || arg == "-" {
            break;
        }
        let (taken, value) = option(&arg, args.get(i + 1).map(OsString::as_os_str));
        check(&arg, value.as_deref(), &mut line)?;
        // An option missing its value at the end is Docker's to report.
        let end = (i + taken).min(args.len());
        line.options.extend(args[i..end].iter().cloned());
        i = end;
    }
    line.rest = args[i.min(args.len())..].to_vec();
    if line.rest.is_empty() {
        return Err(ArgsError::NoImage);
    }
    Ok(line)
}

/// How many words option `arg` takes (1 or 2), and its value if it has one.
fn option(arg: &str, next: Option<&OsStr>) -> (usize, Option<String>) {
    let next = || next.map(|n| n.to_string_lossy().into_owned());
    if let Some(long) = arg.strip_prefix("--") {
        return match long.split_once('=') {
            Some((_, v)) => (1, Some(v.to_string())),
            None if LONG_FLAGS.contains(&long) => (1, None),
            None => (2, next()),
        };
    }
    let shorts: Vec<char> = arg[1..].chars().collect();
    for (k, c) in shorts.iter().enumerate() {
        if !SHORT_FLAGS.contains(c) {
            let attached: String = shorts[k + 1..].iter().collect();
            return if attached.is_empty() {
                (2, next())
            } else {
                (1, Some(attached.trim_start_matches('=').to_string()))
            };
        }
    }
    (1, None)
}

/// Records or refuses what ssoexec must know about one option.
fn check(arg: &str, value: Option<&str>, line: &mut RunLine) -> Result<(), ArgsError> {
    let name = arg.split_once('=').map_or(arg, |(n, _)| n);
    let shorts = |c: char| {
        !name.starts_with("--")
            && name[1..]
                .chars()
                .take_while(|c| SHORT_FLAGS.contains(c))
                .any(|x| x == c)
    };
    let falsy = matches!(arg.split_once('='), Some((_, "false" | "0")));
    if (name == "--detach" && !falsy) || shorts('d') {
        return Err(ArgsError::Detached { flag: name.into() });
    }
    if (name == "--interactive" && !falsy) || shorts('i') {
        line.interactive = true;
    }
    if name == "--network" || name == "--net" {
        let mode = value.unwrap_or_default().to_string();
        let base = mode.split(':').next().unwrap_or_default();
        if matches!(base, "host" | "none" | "container") || mode.is_empty() {
            return Err(ArgsError::NetworkMode {
                mode: crate::support::text::clean(&mode),
            });
        }
        line.networks.push(mode);
    }
    if name == "--cidfile" {
        return Err(ArgsError::Reserved {
            option: "--cidfile".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn words(s: &str) -> Vec<OsString> {
        s.split_whitespace().map(OsString::from).collect()
    }

    #[test]
    fn options_end_at_the_image() {
        let l = parse(&words(
            "run --rm -it -e A=1 --name x -v/a:/b img aws -d --network host",
        ))
        .unwrap();
        assert_eq!(l.options, words("--rm -it -e A=1 --name x -v/a:/b"));
        assert_eq!(l.rest, words("img aws -d --network host"));
        assert!(l.interactive);
        assert!(l.networks.is_empty());
        let l = parse(&words("container run --env=A=1 --network=back -- img")).unwrap();
        assert_eq!(l.networks, vec!["back".to_string()]);
        assert_eq!(l.rest, words("img"));
    }

    #[test]
    fn refused_lines() {
        assert_eq!(
            parse(&words("ps")),
            Err(ArgsError::NotRun { word: "ps".into() })
        );
        assert_eq!(parse(&words("run --rm")), Err(ArgsError::NoImage));
        assert_eq!(parse(&words("run")), Err(ArgsError::NoImage));
        assert_eq!(parse(&words("")), Err(ArgsError::NoImage));
        for line in [
            "run -d img",
            "run -itd img",
            "run --detach img",
            "run --detach=true img",
        ] {
            assert!(
                matches!(parse(&words(line)), Err(ArgsError::Detached { .. })),
                "{line}"
            );
        }
        assert!(parse(&words("run --detach=false img")).is_ok());
        for line in [
            "run --network host img",
            "run --net=none img",
            "run --network container:x img",
        ] {
            assert!(
                matches!(parse(&words(line)), Err(ArgsError::NetworkMode { .. })),
                "{line}"
            );
        }
        assert!(matches!(
            parse(&words("run --cidfile /x img")),
            Err(ArgsError::Reserved { .. })
        ));
        // An option missing its value at the end (found by the property below).
        assert_eq!(parse(&words("run -A")), Err(ArgsError::NoImage));
        assert_eq!(parse(&words("run --name")), Err(ArgsError::NoImage));
        // A value that looks like an option is a value.
        assert!(parse(&words("run -e -d img")).is_ok());
    }

    proptest! {
        /// Whatever the words, parsing never panics, and options + rest are the words after `run`.
        #[test]
        fn never_panics_and_loses_nothing(ws in proptest::collection::vec("(-{0,2}[a-zA-Z=:/0-9-]{0,6})", 0..8)) {
            let mut args = vec![OsString::from("run")];
            args.extend(ws.iter().map(OsString::from));
            if let Ok(l) = parse(&args) {
                let mut all = l.options.clone();
                all.extend(l.rest.clone());
                let after: Vec<OsString> = args[1..].iter().filter(|a| a.as_os_str() != "--").cloned().collect();
                let kept: Vec<OsString> = all.into_iter().filter(|a| a.as_os_str() != "--").collect();
                prop_assert_eq!(kept, after);
            }
        }
    }
}
