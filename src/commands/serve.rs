//! `ssoexec serve`: self-renewing credentials over the container-credentials protocol.
use super::exec::marker;
use crate::app::App;
use crate::cli::ServeArgs;
use crate::credentials::{self, LoginPermission};
use crate::error::Error;
use crate::exec::ExecError;
use crate::exec::server;
use crate::support::env::SSOEXEC_SERVE_TOKEN;
use crate::support::exit::ExitStatus;
use crate::support::secret::Secret;
use std::net::SocketAddr;
use std::sync::Arc;

/// A token for a non-loopback bind has at least this many characters: anyone who can reach the
/// port can guess at it.
pub const MIN_PUBLIC_TOKEN_CHARS: usize = 16;

pub async fn serve(app: Arc<App>, args: &ServeArgs) -> Result<ExitStatus, Error> {
    let target = Arc::new(app.settings.identity()?);
    let addr = args.bind.unwrap_or(SocketAddr::from(([127, 0, 0, 1], 0)));
    let given_token = app.env.get(SSOEXEC_SERVE_TOKEN).map(Secret::new);
    if !addr.ip().is_loopback() {
        let why = match &given_token {
            None => "without a token you chose".to_string(),
            Some(t) if t.expose().chars().count() < MIN_PUBLIC_TOKEN_CHARS => {
                format!("with a token of fewer than {MIN_PUBLIC_TOKEN_CHARS} characters")
            }
            Some(_) => String::new(),
        };
        if !why.is_empty() {
            return Err(ExecError::WeakToken { addr, why }.into());
        }
    }
    let token = Arc::new(given_token.unwrap_or_else(server::random_token));
    let helper = args.lifeline_stdin || args.lifeline_parent;
    let permission = if helper {
        if app.settings.login.login_if_needed {
            LoginPermission::IfNeeded
        } else {
            LoginPermission::Never
        }
    } else {
        LoginPermission::for_caller(&app)
    };
    credentials::resolve(&app, &target, permission).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ExecError::Listen { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| ExecError::Listen { addr, source })?;
    // An IPv6 address goes in brackets in a URL (`http://[::1]:PORT/`).
    let host = match local.ip() {
        ip if ip.is_unspecified() && ip.is_ipv6() => "[::1]".to_string(),
        ip if ip.is_unspecified() => "127.0.0.1".to_string(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    if helper {
        // Watch the parent from before the port is printed: it cannot be gone yet.
        let lifeline: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> =
            if args.lifeline_parent {
                Box::pin(parent_exited())
            } else {
                Box::pin(stdin_closed())
            };
        super::write_stdout(format!("{}\n", local.port()).as_bytes())?;
        server::serve(app.clone(), target, listener, token, permission, lifeline).await?;
    } else {
        let doc = format!(
            "export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://{host}:{}/\nexport AWS_CONTAINER_AUTHORIZATION_TOKEN={}\n",
            local.port(),
            // The lines are meant for `eval`: a chosen token is quoted.
            crate::support::shell::word(token.expose())
        );
        super::write_stdout(doc.as_bytes())?;
        app.printer.info(format!(
            "Serving credentials for {} on {local}; Ctrl-C stops.",
            marker(&app, &target).profile
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

/// How often the helper checks that its parent is still there.
#[cfg(unix)]
const PARENT_POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// Completes when the process that started us exits. `exec --renew` exec's into the child, so
/// this is the child's lifetime, whatever the child does with its descriptors (a daemon or a
/// `closefrom(3)` cannot cut it). An orphan is re-parented, so a changed parent id means gone.
async fn parent_exited() {
    #[cfg(unix)]
    {
        let parent = std::os::unix::process::parent_id();
        loop {
            tokio::time::sleep(PARENT_POLL).await;
            if std::os::unix::process::parent_id() != parent {
                return;
            }
        }
    }
    #[cfg(not(unix))]
    stdin_closed().await
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
