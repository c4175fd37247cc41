//! The delivery engine: one retrieval, many sinks. Every sink is resolved and checked first
//! (format or plugin, destination, the file it replaces or merges into), so a bad sink fails
//! before any login or request; then every document is rendered in memory from one set of
//! credentials, and only then is anything written (files first, stdout last). One failing sink
//! writes nothing.
use super::plugin::{self, Plugin};
use super::sink::{self, Destination, SinkError, SinkSpec};
use super::{FormatKind, FormatParams, OutputContext, OutputError};
use crate::app::App;
use crate::config::Identity;
use crate::credentials::Credentials;
use crate::error::Error;
use crate::github::{self, GithubFiles};
use crate::support::env;
use crate::support::stdout::write_stdout;
use std::path::{Path, PathBuf};

/// The output context for credentials of `identity`, as the settings describe the run: an SSO
/// role's account and role, or the account and role name of the last assumed role.
pub fn context<'a>(
    app: &'a App,
    credentials: &'a Credentials,
    identity: &'a Identity,
) -> OutputContext<'a> {
    let (account_id, role_name) = match identity {
        Identity::Sso(t) => (Some(t.account_id.as_str()), Some(t.role_name.as_str())),
        Identity::AssumeRole(hop) => (
            credentials
                .account_id
                .as_deref()
                .or_else(|| crate::aws::arn::account(&hop.role_arn)),
            crate::aws::arn::role_name(&hop.role_arn),
        ),
        Identity::Static { .. } | Identity::Environment => {
            (credentials.account_id.as_deref(), None)
        }
    };
    OutputContext {
        credentials,
        profile: app.settings.profile_name(),
        region: app.settings.region.as_ref().map(|r| r.value.as_str()),
        account_id,
        role_name,
        now: app.now(),
    }
}

/// What renders a sink.
enum Renderer {
    Builtin(FormatKind),
    Plugin(Plugin),
}

/// A sink, resolved and checked. Not `Debug`: `existing` may hold old credentials.
struct Plan {
    name: String,
    renderer: Renderer,
    destination: Destination,
    /// The destination's current content, for merging formats and plugins.
    existing: Option<String>,
    /// The runner's files, for the github format.
    github: Option<GithubFiles>,
}

/// A sink's rendered output, ready to write.
enum Rendered {
    Bytes(Vec<u8>),
    Github {
        masks: Vec<u8>,
        env_text: String,
        output_text: String,
        files: GithubFiles,
    },
}

/// What a run asks for: the sinks and the formats' options (from `export`'s flags or the GitHub
/// step's inputs).
#[derive(Clone, Debug, Default)]
pub struct SinkRequest {
    /// `--format` (with `--output`, default stdout).
    pub format: Option<String>,
    pub output: Option<String>,
    /// `FORMAT=PATH` sinks.
    pub emit: Vec<String>,
    /// Services a `compose-override` file injects the variables into.
    pub service: Vec<String>,
    pub ini_profile: Option<String>,
    pub cluster_name: Option<String>,
    /// Write over what would otherwise be refused (see `export --force`).
    pub force: bool,
}

/// Run-wide options of the formats.
struct Options<'a> {
    args: &'a SinkRequest,
    ini_profile: Option<String>,
}

/// Every sink of a run, resolved and checked, before any credentials exist.
pub struct Sinks<'a> {
    opts: Options<'a>,
    plans: Vec<Plan>,
}

/// Resolves and checks the sinks `args` asks for (`env` on stdout when it asks for none).
pub fn prepare<'a>(app: &App, args: &'a SinkRequest) -> Result<Sinks<'a>, Error> {
    let opts = Options {
        args,
        ini_profile: args
            .ini_profile
            .clone()
            .or_else(|| app.settings.profile_name().map(String::from)),
    };
    let specs = sink_specs(args, &app.settings.paths.home)?;
    let plans = specs
        .into_iter()
        .map(|s| plan(app, &opts, s))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Sinks { opts, plans })
}

/// Renders every sink from one set of credentials, then writes them: files first, stdout last.
pub fn deliver(app: &App, sinks: &Sinks<'_>, ctx: &OutputContext<'_>) -> Result<(), Error> {
    let (opts, plans) = (&sinks.opts, &sinks.plans);
    let rendered = plans
        .iter()
        .map(|p| render(app, opts, p, ctx))
        .collect::<Result<Vec<_>, _>>()?;

    let (to_stdout, to_files): (Vec<_>, Vec<_>) = plans
        .iter()
        .zip(rendered)
        .partition(|(p, _)| p.destination == Destination::Stdout);
    for (p, r) in to_files {
        if let (Destination::File(path), Rendered::Bytes(bytes)) = (&p.destination, r) {
            sink::write_file(path, &bytes)?;
            app.printer
                .info(format!("Wrote {} ({}).", path.display(), p.name));
        }
    }
    for (_, r) in to_stdout {
        match r {
            Rendered::Bytes(bytes) => write_stdout(&bytes)?,
            Rendered::Github {
                masks,
                env_text,
                output_text,
                files,
            } => {
                // Masks first: the runner hides only values it was told about before it sees them.
                write_stdout(&masks)?;
                files.append(&env_text, &output_text)?;
                if files.output.is_none() {
                    app.printer.warn(format!(
                        "{} is not set: step outputs were not written",
                        github::GITHUB_OUTPUT
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The sinks asked for: `--format` (with `--output`), then every `--emit`; `env` on stdout if
/// none. At most one on stdout, no file twice.
fn sink_specs(args: &SinkRequest, home: &Path) -> Result<Vec<SinkSpec>, Error> {
    let mut specs = Vec::new();
    // `--output` alone writes the default format (env) there.
    let format = args.format.clone().or_else(|| {
        args.output
            .as_ref()
            .map(|_| FormatKind::Env.name().to_string())
    });
    if let Some(format) = &format {
        let destination = args
            .output
            .as_deref()
            .map_or(Destination::Stdout, |o| Destination::parse(o, home));
        specs.push(SinkSpec {
            format: format.clone(),
            destination,
        });
    }
    for e in &args.emit {
        specs.push(SinkSpec::parse(e, home).map_err(Error::Usage)?);
    }
    if specs.is_empty() {
        specs.push(SinkSpec {
            format: FormatKind::Env.name().into(),
            destination: Destination::Stdout,
        });
    }
    if specs
        .iter()
        .filter(|s| s.destination == Destination::Stdout)
        .count()
        > 1
    {
        return Err(Error::Usage(
            "at most one sink may write to stdout (`-`); send the others to files".into(),
        ));
    }
    let mut seen: Vec<PathBuf> = Vec::new();
    for s in &specs {
        if let Destination::File(p) = &s.destination {
            let abs = std::path::absolute(p).unwrap_or_else(|_| p.clone());
            if seen.contains(&abs) {
                return Err(Error::Usage(format!(
                    "{} is named by more than one sink",
                    p.display()
                )));
            }
            seen.push(abs);
        }
    }
    Ok(specs)
}

/// Resolves a spec's format and checks it and its destination, before anything is fetched.
fn plan(app: &App, opts: &Options<'_>, spec: SinkSpec) -> Result<Plan, Error> {
    let renderer = match FormatKind::parse(&spec.format) {
        Some(kind) => Renderer::Builtin(kind),
        None => Renderer::Plugin(
            plugin::find(&spec.format, app.env.get(env::PATH)).ok_or_else(|| {
                let names = FormatKind::all_names();
                let near = names
                    .iter()
                    .map(|n| (strsim::damerau_levenshtein(&spec.format, n), *n))
                    .filter(|(d, _)| *d <= 2)
                    .min()
                    .map(|(_, n)| format!(" (did you mean `{n}`?)"))
                    .unwrap_or_default();
                Error::Usage(format!(
                    "unknown format `{}`{near}: not one of {} and no `{}{}` on PATH",
                    crate::support::text::clean(&spec.format),
                    names.join(", "),
                    plugin::PREFIX,
                    crate::support::text::clean(&spec.format)
                ))
            })?,
        ),
    };
    let mut github = None;
    match renderer {
        Renderer::Builtin(FormatKind::Github) => {
            if spec.destination != Destination::Stdout {
                return Err(Error::Usage(format!(
                    "the github format writes masks to stdout and appends to ${} and ${}: use --format github or --emit github=-",
                    github::GITHUB_ENV,
                    github::GITHUB_OUTPUT
                )));
            }
            github = Some(GithubFiles::from_env(&app.env)?);
        }
        Renderer::Builtin(FormatKind::ComposeOverride) if opts.args.service.is_empty() => {
            let choices = match compose_services() {
                Some((file, services)) if !services.is_empty() => {
                    format!(": the services of {file} are {}", services.join(", "))
                }
                _ => " (no compose file here to list the services of)".into(),
            };
            return Err(Error::Usage(format!(
                "the compose-override format needs at least one --service NAME{choices}"
            )));
        }
        Renderer::Builtin(FormatKind::ExecCredential) if opts.args.cluster_name.is_none() => {
            return Err(Error::Usage(
                "the exec-credential format needs --cluster-name NAME (the EKS cluster to sign for)".into(),
            ));
        }
        Renderer::Builtin(FormatKind::Ini) if opts.ini_profile.is_none() => {
            return Err(Error::Usage("the ini format needs a section name: pass --ini-profile NAME (no profile is selected)".into()));
        }
        _ => {}
    }
    let existing = match &spec.destination {
        Destination::File(path) => current_content(app, opts.args.force, &renderer, path)?,
        Destination::Stdout => None,
    };
    Ok(Plan {
        name: spec.format,
        renderer,
        destination: spec.destination,
        existing,
        github,
    })
}

/// Checks a file destination and returns what the renderer gets of its current content: merging
/// formats and plugins get the text; a whole-file format replaces only credentials (or anything,
/// with --force). Warns when git would commit the file.
/// The compose file of the current directory (the names `docker compose` looks for) and its
/// services, cleaned for the terminal: the choices for `--service`.
fn compose_services() -> Option<(String, Vec<String>)> {
    const LARGEST: u64 = 1 << 20;
    let names = [
        "compose.yaml",
        "compose.yml",
        "docker-compose.yaml",
        "docker-compose.yml",
    ];
    let file = names
        .into_iter()
        .find(|n| std::fs::metadata(n).is_ok_and(|m| m.is_file()))?;
    if std::fs::metadata(file).ok()?.len() > LARGEST {
        return None;
    }
    let doc: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(file).ok()?).ok()?;
    let services = doc
        .get("services")?
        .as_mapping()?
        .keys()
        .filter_map(|k| k.as_str().map(crate::support::text::clean))
        .collect();
    Some((file.to_string(), services))
}

fn current_content(
    app: &App,
    force: bool,
    renderer: &Renderer,
    path: &Path,
) -> Result<Option<String>, Error> {
    sink::check_destination(path, force)?;
    let merges = matches!(renderer, Renderer::Builtin(k) if k.merges());
    let current = match sink::read_existing(path) {
        Err(SinkError::NotText { .. }) if force || matches!(renderer, Renderer::Plugin(_)) => None,
        Err(SinkError::NotText { .. }) if !merges => {
            return Err(Error::from(SinkError::Foreign {
                path: path.to_path_buf(),
            }));
        }
        r => r?,
    };
    let existing = match renderer {
        Renderer::Builtin(_) if merges => current,
        Renderer::Plugin(_) => current,
        Renderer::Builtin(_) => {
            if !force
                && current
                    .as_deref()
                    .is_some_and(|c| !sink::looks_like_credentials(c))
            {
                return Err(Error::from(SinkError::Foreign {
                    path: path.to_path_buf(),
                }));
            }
            None
        }
    };
    if !force && let Some(exposure) = sink::git_exposure(path) {
        app.printer.warn(format!(
            "{} holds secrets and git would commit it: {exposure} (--force silences this)",
            path.display()
        ));
    }
    Ok(existing)
}

/// Renders one sink in memory.
fn render(
    app: &App,
    opts: &Options<'_>,
    plan: &Plan,
    ctx: &OutputContext<'_>,
) -> Result<Rendered, Error> {
    match &plan.renderer {
        Renderer::Builtin(FormatKind::Github) => {
            let commands = super::github::step_commands(ctx);
            let delimiter = github::delimiter(rand::random());
            let mut masks = Vec::new();
            commands
                .write_masks(&mut masks)
                .map_err(OutputError::from)?;
            let env_text = commands.env_file(&delimiter)?;
            let output_text = commands.output_file(&delimiter)?;
            let files = plan
                .github
                .clone()
                .ok_or(crate::github::StepError::NoGithubEnv)?;
            Ok(Rendered::Github {
                masks,
                env_text,
                output_text,
                files,
            })
        }
        Renderer::Builtin(kind) => {
            let api_version = crate::kube::exec_credential::read_exec_info(
                app.env.get(crate::support::env::KUBERNETES_EXEC_INFO),
            )
            .api_version;
            let params = |existing| FormatParams {
                existing,
                ini_profile: opts.ini_profile.clone(),
                services: opts.args.service.clone(),
                cluster: opts.args.cluster_name.clone(),
                api_version: Some(api_version),
            };
            let mut out = Vec::new();
            match kind
                .build(params(plan.existing.clone()))
                .write(ctx, &mut out)
            {
                Ok(()) => {}
                // --force: a file that cannot be merged into is replaced.
                Err(OutputError::Merge { .. }) if opts.args.force => {
                    out.clear();
                    kind.build(params(None)).write(ctx, &mut out)?;
                }
                Err(e @ OutputError::Merge { .. }) => {
                    return Err(OutputError::MergeInto {
                        destination: plan.destination.to_string(),
                        source: Box::new(e),
                    }
                    .into());
                }
                Err(e) => return Err(e.into()),
            }
            Ok(Rendered::Bytes(out))
        }
        Renderer::Plugin(p) => {
            let destination = match &plan.destination {
                Destination::File(path) => {
                    Some(std::path::absolute(path).unwrap_or_else(|_| path.clone()))
                }
                Destination::Stdout => None,
            };
            let request = plugin::request(
                ctx,
                &plan.name,
                destination.as_deref(),
                plan.existing.as_deref(),
            );
            let out = p.run(&request)?;
            for line in out.stderr.lines() {
                app.printer
                    .info(format!("{}{}: {line}", plugin::PREFIX, p.name));
            }
            Ok(Rendered::Bytes(out.stdout))
        }
    }
}
