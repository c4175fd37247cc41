//! `ssoexec export`: one retrieval, many sinks. Every sink is resolved and checked first (format
//! or plugin, destination, the file it replaces or merges into), so a bad sink fails before any
//! login or request; then credentials are fetched once, every document is rendered in memory,
//! and only then is anything written (files first, stdout last). One failing sink writes nothing.
use crate::app::App;
use crate::cli::ExportArgs;
use crate::credentials::source::{LoginPermission, role_credentials};
use crate::env;
use crate::error::Error;
use crate::exit::ExitStatus;
use crate::output::github::{self, StepCommands};
use crate::output::plugin::{self, Plugin};
use crate::output::sink::{self, Destination, GithubFiles, SinkError, SinkSpec};
use crate::output::{FormatKind, FormatParams, OutputContext, OutputError};
use std::path::{Path, PathBuf};

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

/// Run-wide options of the formats.
struct Options<'a> {
    args: &'a ExportArgs,
    ini_profile: Option<String>,
}

pub async fn run(app: &App, args: &ExportArgs) -> Result<ExitStatus, Error> {
    let sinks = prepare(app, args)?;
    let target = app.settings.target()?;
    let creds = role_credentials(app, &target, LoginPermission::for_caller(app)).await?;
    let ctx = super::output_context(app, &creds, &target);
    deliver(app, &sinks, &ctx)?;
    Ok(ExitStatus::Success)
}

/// Every sink of a run, resolved and checked, before any credentials exist.
pub struct Sinks<'a> {
    opts: Options<'a>,
    plans: Vec<Plan>,
}

/// Resolves and checks the sinks `args` asks for (`env` on stdout when it asks for none).
pub fn prepare<'a>(app: &App, args: &'a ExportArgs) -> Result<Sinks<'a>, Error> {
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
            sink::write_file(path, &bytes).map_err(sink_error)?;
            app.printer
                .info(format!("Wrote {} ({}).", path.display(), p.name));
        }
    }
    for (_, r) in to_stdout {
        match r {
            Rendered::Bytes(bytes) => super::write_stdout(&bytes)?,
            Rendered::Github {
                masks,
                env_text,
                output_text,
                files,
            } => {
                // Masks first: the runner hides only values it was told about before it sees them.
                super::write_stdout(&masks)?;
                files.append(&env_text, &output_text).map_err(sink_error)?;
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
fn sink_specs(args: &ExportArgs, home: &Path) -> Result<Vec<SinkSpec>, Error> {
    let mut specs = Vec::new();
    if let Some(format) = &args.format {
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
                Error::Usage(format!(
                    "unknown format `{}`: not one of {} and no `{}{}` on PATH",
                    spec.format,
                    FormatKind::all_names().join(", "),
                    plugin::PREFIX,
                    spec.format
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
            github = Some(GithubFiles::from_env(&app.env).map_err(sink_error)?);
        }
        Renderer::Builtin(FormatKind::ComposeOverride) if opts.args.service.is_empty() => {
            return Err(Error::Usage(
                "the compose-override format needs at least one --service NAME".into(),
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
fn current_content(
    app: &App,
    force: bool,
    renderer: &Renderer,
    path: &Path,
) -> Result<Option<String>, Error> {
    sink::check_destination(path, force).map_err(sink_error)?;
    let merges = matches!(renderer, Renderer::Builtin(k) if k.merges());
    let current = match sink::read_existing(path) {
        Err(SinkError::NotText { .. }) if force || matches!(renderer, Renderer::Plugin(_)) => None,
        Err(SinkError::NotText { .. }) if !merges => {
            return Err(sink_error(SinkError::Foreign {
                path: path.to_path_buf(),
            }));
        }
        r => r.map_err(sink_error)?,
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
                return Err(sink_error(SinkError::Foreign {
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
            let commands = StepCommands::for_credentials(ctx);
            let delimiter = github::delimiter(rand::random());
            let mut masks = Vec::new();
            commands
                .write_masks(&mut masks)
                .map_err(|e| output_error(e.into()))?;
            let env_text = commands.env_file(&delimiter).map_err(output_error)?;
            let output_text = commands.output_file(&delimiter).map_err(output_error)?;
            let files = plan
                .github
                .clone()
                .ok_or_else(|| sink_error(SinkError::NoGithubEnv))?;
            Ok(Rendered::Github {
                masks,
                env_text,
                output_text,
                files,
            })
        }
        Renderer::Builtin(kind) => {
            let api_version = crate::kube::exec_credential::read_exec_info(
                app.env.get(crate::env::KUBERNETES_EXEC_INFO),
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
                    kind.build(params(None))
                        .write(ctx, &mut out)
                        .map_err(output_error)?;
                }
                Err(e @ OutputError::Merge { .. }) => {
                    return Err(Error::failed(
                        format!("{}: {e}", plan.destination),
                        e.hint(),
                    ));
                }
                Err(e) => return Err(output_error(e)),
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
            let out = p.run(&request).map_err(output_error)?;
            for line in out.stderr.lines() {
                app.printer
                    .info(format!("{}{}: {line}", plugin::PREFIX, p.name));
            }
            Ok(Rendered::Bytes(out.stdout))
        }
    }
}

// `Error` has no variants for these module errors yet; they become `Failed` with their hint.
pub fn output_error(e: OutputError) -> Error {
    let hint = e.hint();
    Error::failed(e.to_string(), hint)
}

pub fn sink_error(e: SinkError) -> Error {
    let hint = e.hint();
    let message = match &e {
        SinkError::Write(w) => match std::error::Error::source(w) {
            Some(cause) => format!("{w}: {cause}"),
            None => w.to_string(),
        },
        _ => e.to_string(),
    };
    Error::failed(message, hint)
}
