//! `ssoexec serve`: self-renewing credentials over the container-credentials protocol.
use crate::app::App;
use crate::cli::ServeArgs;
use crate::credentials::{self, LoginPermission};
use crate::error::Error;
use crate::exec::lifeline::Lifeline;
use crate::exec::server;
use crate::exec::{ExecError, marker};
use crate::output::{FormatKind, ShellFormat};
use crate::support::env::SSOEXEC_SERVE_TOKEN;
use crate::support::exit::ExitStatus;
use crate::support::secret::Secret;
use std::net::SocketAddr;
use std::sync::Arc;

/// A token for a non-loopback bind has at least this many characters: anyone who can reach the
/// port can guess at it.
pub const MIN_PUBLIC_TOKEN_CHARS: usize = 16;

pub async fn serve(app: Arc<App>, args: &ServeArgs) -> Result<ExitStatus, Error> {
    // The parent is read first thing: it may exit the moment it has our port.
    let lifeline = if args.lifeline_parent {
        Some(Lifeline::parent())
    } else if args.lifeline_stdin {
        Some(Lifeline::Stdin)
    } else {
        None
    };
    let name = args.format.as_deref().unwrap_or("env");
    let format = FormatKind::parse(name)
        .and_then(ShellFormat::new)
        .ok_or_else(|| {
            let names: Vec<_> = ShellFormat::ALL.iter().map(|k| k.name()).collect();
            Error::Usage(format!(
                "serve prints its variables as {}, not {}",
                names.join(", "),
                crate::support::text::clean(name)
            ))
        })?;
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
    let helper = lifeline.is_some();
    // A chosen token the format cannot carry is refused before any sign-in or request.
    if !helper {
        format.assignments(&[("AWS_CONTAINER_AUTHORIZATION_TOKEN", token.expose())])?;
    }
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
    // The `--renew` helper prints its port and serves until its lifeline is cut; `serve` prints
    // the variables to eval and serves until Ctrl-C.
    let stop: std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> = match lifeline {
        Some(lifeline) => {
            super::write_stdout(format!("{}\n", local.port()).as_bytes())?;
            Box::pin(lifeline.cut())
        }
        None => {
            let uri = format!("http://{host}:{}/", local.port());
            // The lines are meant for the shell: a chosen token is quoted as that shell needs.
            let vars = [
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri.as_str()),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN", token.expose()),
            ];
            let doc = format.assignments(&vars)?;
            super::write_stdout(doc.as_bytes())?;
            app.printer.info(format!(
                "Serving credentials for {} on {local}; Ctrl-C stops.",
                marker(&app, &target).profile
            ));
            Box::pin(std::future::pending())
        }
    };
    server::serve(app.clone(), target, listener, token, permission, stop).await?;
    Ok(ExitStatus::Success)
}
