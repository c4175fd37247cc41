//! `ssoexec exec` / `ssoexec -- COMMAND`: run a command with the credentials in its environment (or a renewing server).
use crate::app::App;
use crate::credentials::{self, LoginPermission};
use crate::error::Error;
use crate::exec::environment::{ChildEnv, Nesting, Supply, child_env, nesting};
use crate::exec::{marker, run as child, server};
use crate::support::env::SSOEXEC_SERVE_TOKEN;
use crate::support::exit::ExitStatus;
use std::ffi::OsString;

/// `ssoexec exec` inside the environment of another identity's `ssoexec exec`.
#[derive(Debug, thiserror::Error)]
#[error(
    "already inside an ssoexec environment for {other}; refusing to run {ours} credentials inside it"
)]
pub struct NestedError {
    other: String,
    ours: String,
}

impl crate::error::Diagnostic for NestedError {
    fn hint(&self) -> Option<String> {
        Some("leave that environment first, or pass --force to replace its credentials".into())
    }
}
crate::diagnostic_error!(NestedError);

pub async fn run(
    app: &App,
    argv: &[OsString],
    renew: bool,
    force: bool,
) -> Result<ExitStatus, Error> {
    if argv.is_empty() {
        return Err(Error::Usage(
            "no command to run: use `ssoexec [--profile P] -- COMMAND ARGS...`".into(),
        ));
    }
    let identity = app.settings.identity()?;
    let marker = marker(app, &identity);
    match nesting(&app.env, &marker) {
        Nesting::PassThrough => {
            app.printer.debug(format!(
                "already inside ssoexec for {marker}; running the command as it is"
            ));
            return child::exec(
                argv,
                &ChildEnv {
                    remove: vec![],
                    set: vec![],
                },
            );
        }
        Nesting::Conflict(other) if !force => {
            return Err(NestedError {
                other,
                ours: marker.to_string(),
            }
            .into());
        }
        _ => {}
    }
    // The first credentials are fetched here, so any login happens before the child starts.
    let creds = credentials::resolve(app, &identity, LoginPermission::for_caller(app)).await?;
    let region = app.settings.region.as_ref().map(|r| r.value.as_str());
    if renew {
        let token = server::random_token();
        let helper = child::spawn_helper(
            &app.settings.identity_args(app.interactive),
            (SSOEXEC_SERVE_TOKEN, token.expose()),
        )?;
        let url = format!("http://127.0.0.1:{}/", helper.port);
        let env = child_env(
            Supply::Server {
                url,
                token: token.expose(),
            },
            region,
            &marker,
        );
        let result = child::exec(argv, &env);
        drop(helper);
        return result;
    }
    child::exec(argv, &child_env(Supply::Static(&creds), region, &marker))
}
