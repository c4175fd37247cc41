//! `ssoexec exec` / `ssoexec -- COMMAND`, and `ssoexec serve`.
use crate::app::App;
use crate::cli::ServeArgs;
use crate::config::SsoTarget;
use crate::credentials::sso::{LoginPermission, role_credentials};
use crate::error::Error;
use crate::exec::environment::{ChildEnv, Nesting, Supply, child_env, nesting};
use crate::exec::{run as child, server};
use crate::support::env::SSOEXEC_SERVE_TOKEN;
use crate::support::exit::ExitStatus;
use crate::support::secret::Secret;
use std::ffi::OsString;
use std::net::SocketAddr;
use std::sync::Arc;

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
    let target = app.settings.target()?;
    let marker = marker(app, &target);
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
            return Err(Error::failed(
                format!(
                    "already inside an ssoexec environment for {other}; refusing to run {marker} credentials inside it"
                ),
                Some(
                    "leave that environment first, or pass --force to replace its credentials"
                        .into(),
                ),
            ));
        }
        _ => {}
    }
    // The first credentials are fetched here, so any login happens before the child starts.
    let creds = role_credentials(app, &target, LoginPermission::for_caller(app)).await?;
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

/// What `SSOEXEC_PROFILE` says in the child: the profile, or `account/role`.
fn marker(app: &App, target: &SsoTarget) -> String {
    app.settings
        .profile_name()
        .map(String::from)
        .unwrap_or_else(|| format!("{}/{}", target.account_id, target.role_name))
}

pub async fn serve(app: Arc<App>, args: &ServeArgs) -> Result<ExitStatus, Error> {
    let target = Arc::new(app.settings.target()?);
    let bind = args.bind.as_deref().unwrap_or("127.0.0.1:0");
    let addr: SocketAddr = bind.parse().map_err(|_| {
        Error::Usage(format!(
            "--bind {bind:?} is not an address like 127.0.0.1:8080"
        ))
    })?;
    let given_token = app.env.get(SSOEXEC_SERVE_TOKEN).map(Secret::new);
    if !addr.ip().is_loopback() && given_token.is_none() {
        return Err(Error::failed(
            format!(
                "refusing to serve credentials on the non-loopback address {addr} without a token you chose"
            ),
            Some(format!(
                "set {SSOEXEC_SERVE_TOKEN} to a long random value, or bind 127.0.0.1"
            )),
        ));
    }
    let token = Arc::new(given_token.unwrap_or_else(server::random_token));
    let permission = if args.lifeline_stdin {
        if app.settings.login.login_if_needed {
            LoginPermission::IfNeeded
        } else {
            LoginPermission::Never
        }
    } else {
        LoginPermission::for_caller(&app)
    };
    role_credentials(&app, &target, permission).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Error::failed(format!("cannot listen on {addr}: {e}"), None))?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::failed(format!("cannot read the listening address: {e}"), None))?;
    let host = if local.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        local.ip().to_string()
    };
    if args.lifeline_stdin {
        super::write_stdout(format!("{}\n", local.port()).as_bytes())?;
        server::serve(
            app.clone(),
            target,
            listener,
            token,
            permission,
            stdin_closed(),
        )
        .await?;
    } else {
        let doc = format!(
            "export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://{host}:{}/\nexport AWS_CONTAINER_AUTHORIZATION_TOKEN={}\n",
            local.port(),
            token.expose()
        );
        super::write_stdout(doc.as_bytes())?;
        app.printer.info(format!(
            "Serving credentials for {} on {local}; Ctrl-C stops.",
            marker(&app, &target)
        ));
        server::serve(
            app.clone(),
            target,
            listener,
            token,
            permission,
            std::future::pending(),
        )
        .await?;
    }
    Ok(ExitStatus::Success)
}

/// Completes when our stdin reaches end of file (the lifeline's other end closed).
async fn stdin_closed() {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        use std::io::Read;
        let mut buf = [0u8; 256];
        let mut stdin = std::io::stdin();
        while matches!(stdin.read(&mut buf), Ok(n) if n > 0) {}
        let _ = tx.send(());
    });
    let _ = rx.await;
}
