//! `ssoexec eks-token`: the kubectl exec plugin. A cached token is one file read; otherwise
//! role credentials (and an optional `--role-arn` hop) sign a new one under a per-token lock.
use crate::app::App;
use crate::aws::sts::AssumeRoleRequest;
use crate::cache::Lookup;
use crate::cache::eks_token::{self as cache, TokenKey};
use crate::cli::EksTokenArgs;
use crate::config::Identity;
use crate::credentials::sso::{LoginPermission, lock_for};
use crate::credentials::{self, assume_role};
use crate::error::Error;
use crate::kube::exec_credential::{self, ApiVersion, ExecInfo};
use crate::kube::{EksToken, token};
use crate::support::env::KUBERNETES_EXEC_INFO;
use crate::support::exit::ExitStatus;
use crate::support::lock::Activity;
use std::path::Path;

/// The session name `aws eks get-token --role-arn` uses, so CloudTrail shows the same thing.
pub const ROLE_SESSION_NAME: &str = "EKSGetTokenAuth";

pub async fn eks_token(app: &App, args: &EksTokenArgs) -> Result<ExitStatus, Error> {
    let info = exec_credential::read_exec_info(app.env.get(KUBERNETES_EXEC_INFO));
    if let Some(note) = &info.note {
        app.printer.info(note);
    }
    let region = crate::kube::region(&app.settings)?;
    let cluster_id = args
        .cluster_id
        .as_deref()
        .or(args.cluster_name.as_deref())
        .ok_or_else(|| Error::Usage("eks-token needs --cluster-name (or --cluster-id)".into()))?;
    let identity = app.settings.identity()?;
    let chain = cache::chain_text(&identity);
    let key = match &identity {
        Identity::Sso(target) => {
            TokenKey::new(target, cluster_id, region, args.role_arn.as_deref())
        }
        _ => TokenKey::chained(&chain, cluster_id, region, args.role_arn.as_deref()),
    };
    let path = cache::path(&app.settings.paths.own, &key);

    // The fast path: one file read, no lock, no network.
    if let Some(t) = cached_token(app, &path)? {
        return print_token(info.api_version, &t);
    }
    let permission = permission(app, &info);
    // Behind a login of the chain's SSO session, a background caller fails fast.
    let _guard = lock_for(
        app,
        &format!("eks-{}", key.hash()),
        &format!("getting an EKS token for {cluster_id}"),
        Activity::Fetch,
        identity.sso_root().map(|t| &t.session),
        permission,
    )
    .await?;
    if let Some(t) = cached_token(app, &path)? {
        return print_token(info.api_version, &t); // another process signed one while we waited
    }
    let creds = credentials::resolve(app, &identity, permission).await?;
    // `--role-arn` is one more hop on top of the profile's identity, as `aws eks get-token` does.
    let creds = match &args.role_arn {
        Some(role_arn) => {
            let request = AssumeRoleRequest {
                role_arn,
                session_name: ROLE_SESSION_NAME,
                ..AssumeRoleRequest::default()
            };
            assume_role::assume(app, &creds, &request)
                .await?
                .credentials
        }
        None => creds,
    };
    let t = token::sign(&creds, region, cluster_id, app.now())?;
    crate::cache::store_or_warn(cache::store(&path, &t), &app.printer, "the EKS token was")?;
    print_token(info.api_version, &t)
}

/// kubectl says whether it passed a terminal on (`spec.interactive`); without that word, the
/// usual rule for background callers applies.
fn permission(app: &App, info: &ExecInfo) -> LoginPermission {
    match info.interactive {
        Some(true) => LoginPermission::IfNeeded,
        Some(false) if app.settings.login.login_if_needed => LoginPermission::IfNeeded,
        Some(false) => LoginPermission::Never,
        None => LoginPermission::for_caller(app),
    }
}

fn cached_token(app: &App, path: &Path) -> Result<Option<EksToken>, Error> {
    Ok(match cache::load_fresh(path, app.now())? {
        Lookup::Found(t) => {
            app.printer
                .debug(format!("EKS token from cache {}", path.display()));
            Some(t)
        }
        Lookup::Absent => None,
        Lookup::Corrupt(why) => {
            crate::cache::warn_corrupt(&app.printer, path, &why);
            None
        }
    })
}

fn print_token(api_version: ApiVersion, t: &EksToken) -> Result<ExitStatus, Error> {
    super::write_stdout(&exec_credential::render(api_version, t))?;
    Ok(ExitStatus::Success)
}
