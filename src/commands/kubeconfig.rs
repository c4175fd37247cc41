//! `ssoexec kubeconfig`: add or update the cluster, user and context that call `ssoexec eks-token`.
use crate::app::App;
use crate::aws::throttle;
use crate::cli::KubeconfigArgs;
use crate::config::Identity;
use crate::credentials::sso::sso_token;
use crate::credentials::{self, LoginPermission};
use crate::error::Error;
use crate::kube::discovery::CONTEXT_PLACEHOLDERS;
use crate::kube::kubeconfig::{self, Change, Entry, Exec};
use crate::kube::{KubeError, region};
use crate::settings::Selection;
use crate::support::env::KUBECONFIG;
use crate::support::exit::ExitStatus;
use crate::support::template;

pub async fn kubeconfig(app: &App, args: &KubeconfigArgs) -> Result<ExitStatus, Error> {
    let template = &args.discovery.context_name;
    template::validate(template, &CONTEXT_PLACEHOLDERS)
        .map_err(|e| Error::Usage(format!("--context-name {e}")))?;
    let region = region(&app.settings)?;
    let identity = app.settings.identity()?;
    let (server, ca, arn) = locate_cluster(app, args, &identity, region).await?;
    let (command, api_version) =
        kubeconfig::exec_entry_program(args.command.as_deref(), args.exec_api_version.as_deref())?;
    let profile = match &app.settings.selection {
        Selection::Profile { name, .. } => name.value.clone(),
        _ => String::new(),
    };
    let name = context_name(app, args, &identity, &profile, region, &arn).await?;
    let entry = Entry {
        cluster: name.clone(),
        user: name.clone(),
        context: name,
        server,
        certificate_authority_data: ca,
        exec: Exec {
            api_version,
            command,
            args: eks_token_args(&app.settings.selection, &identity, region, args),
        },
    };
    let path = kubeconfig::target_path(
        args.kubeconfig.as_deref(),
        app.env.get(KUBECONFIG),
        &app.settings.paths.home,
    );
    // Write through a symlinked kubeconfig (dotfile managers), never replace the link itself.
    let path = crate::support::fs::canonicalize(&path).unwrap_or(path);
    let managed = Some((profile.as_str(), region));
    if args.dry_run {
        let (doc, _) = kubeconfig::merge(kubeconfig::load(&path)?, &entry, managed, &path)?;
        super::write_stdout(kubeconfig::to_yaml(&doc, &path)?.as_bytes())?;
        return Ok(ExitStatus::Success);
    }
    // Read, merge and write under client-go's lock, so parallel writers keep each other's entries.
    let lock = kubeconfig::FileLock::acquire(&path, &app.printer).await?;
    let (doc, change) = kubeconfig::merge(kubeconfig::load(&path)?, &entry, managed, &path)?;
    let yaml = kubeconfig::to_yaml(&doc, &path)?;
    crate::support::atomic::write(&path, yaml.as_bytes())?;
    drop(lock);
    app.printer.info(match change {
        Change::Added => format!("Added new context {} to {}", entry.context, path.display()),
        Change::Updated => format!("Updated context {} in {}", entry.context, path.display()),
    });
    Ok(ExitStatus::Success)
}

/// The entry's name: `--context-name` rendered as `kubeconfig --all` renders it. The account name
/// comes from ListAccounts for an SSO role (the token is already there); with `--server` (no
/// request at all) or other credentials it is the account id.
async fn context_name(
    app: &App,
    args: &KubeconfigArgs,
    identity: &Identity,
    profile: &str,
    region: &str,
    arn: &str,
) -> Result<String, Error> {
    let template = &args.discovery.context_name;
    let account = crate::aws::arn::account(arn)
        .unwrap_or_default()
        .to_string();
    let mut account_name = account.clone();
    let role_name = match identity {
        Identity::Sso(t) => {
            if args.server.is_none() && template.contains("{account_name}") {
                let token = sso_token(app, &t.session, LoginPermission::for_caller(app)).await?;
                let portal = app.portal(&t.session.region)?;
                let accounts =
                    throttle::retry(|| portal.list_accounts(&token.file.access_token)).await?;
                if let Some(a) = accounts.into_iter().find(|a| a.account_id == account) {
                    account_name = a.account_name;
                }
            }
            t.role_name.clone()
        }
        Identity::AssumeRole(hop) => crate::aws::arn::role_name(&hop.role_arn)
            .unwrap_or_default()
            .to_string(),
        Identity::Static { .. } | Identity::Environment => String::new(),
    };
    template::render(
        template,
        &[
            ("account_name", &account_name),
            ("account_id", &account),
            ("role_name", &role_name),
            ("profile", profile),
            ("region", region),
            ("cluster", &cluster_name(args)),
        ],
    )
    .map_err(Error::Usage)
}

/// The API server URL, CA data and ARN of the cluster: from the flags, or from DescribeCluster
/// (signed with the profile's role credentials, as `aws eks update-kubeconfig` does) when
/// `--server` is not given.
async fn locate_cluster(
    app: &App,
    args: &KubeconfigArgs,
    identity: &Identity,
    region: &str,
) -> Result<(String, Option<String>, String), Error> {
    let name = &cluster_name(args);
    if let Some(server) = &args.server {
        if args.certificate_authority_data.is_none() && server.starts_with("https://") {
            app.printer.info(format!(
                "note: no --certificate-authority-data: kubectl will check {server} against the system's CAs"
            ));
        }
        let own_account = match identity {
            Identity::Sso(t) => Some(t.account_id.as_str()),
            Identity::AssumeRole(hop) => crate::aws::arn::account(&hop.role_arn),
            Identity::Static { .. } | Identity::Environment => None,
        };
        let account = args
            .role_arn
            .as_deref()
            .and_then(crate::aws::arn::account)
            .or(own_account)
            .ok_or_else(|| {
                Error::Usage(
                    "cannot tell the cluster's account from static keys: leave out --server so DescribeCluster names it".into(),
                )
            })?;
        let ca = args.certificate_authority_data.clone();
        return Ok((server.clone(), ca, cluster_arn(region, account, name)));
    }
    let creds = credentials::resolve(app, identity, LoginPermission::for_caller(app)).await?;
    let cluster = app.describe_cluster(&creds, region, name).await?;
    let server = cluster.endpoint.ok_or_else(|| KubeError::ClusterNotReady {
        name: name.clone(),
        status: cluster.status.clone(),
    })?;
    if !kubeconfig::is_https(&server) {
        return Err(KubeError::NotHttps {
            name: crate::support::text::clean(name),
            server: crate::support::text::clean(&server),
        }
        .into());
    }
    let ca = args
        .certificate_authority_data
        .clone()
        .or(cluster.certificate_authority_data);
    Ok((server, ca, cluster.arn))
}

/// `--cluster-name` (clap requires it unless `--all`).
fn cluster_name(args: &KubeconfigArgs) -> String {
    args.cluster_name.clone().unwrap_or_default()
}

/// `arn:PARTITION:eks:REGION:ACCOUNT:cluster/NAME`, as DescribeCluster would name it.
fn cluster_arn(region: &str, account: &str, name: &str) -> String {
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    format!("arn:{partition}:eks:{region}:{account}:cluster/{name}")
}

/// The arguments the kubeconfig's exec entry passes: the same identity, region and cluster this
/// run used, written out so the entry does not depend on kubectl's environment.
fn eks_token_args(
    selection: &Selection,
    identity: &Identity,
    region: &str,
    args: &KubeconfigArgs,
) -> Vec<String> {
    let mut out: Vec<String> = vec![
        "eks-token".into(),
        "--cluster-name".into(),
        cluster_name(args),
    ];
    out.extend(["--region".into(), region.to_string()]);
    match selection {
        Selection::Profile {
            name,
            account_id,
            role_name,
        } => {
            out.extend(["--profile".into(), name.value.clone()]);
            if let Some(a) = account_id {
                out.extend(["--account-id".into(), a.clone()]);
            }
            if let Some(r) = role_name {
                out.extend(["--role-name".into(), r.clone()]);
            }
        }
        Selection::Flags {
            start_url,
            sso_region,
            ..
        } => {
            out.extend([
                "--start-url".into(),
                start_url.clone(),
                "--sso-region".into(),
                sso_region.clone(),
            ]);
            if let Identity::Sso(target) = identity {
                out.extend([
                    "--account-id".into(),
                    target.account_id.clone(),
                    "--role-name".into(),
                    target.role_name.clone(),
                ]);
            }
        }
        Selection::Session { .. } => {}
    }
    if let Some(arn) = &args.role_arn {
        out.extend(["--role-arn".into(), arn.clone()]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_by_partition() {
        assert_eq!(
            cluster_arn("eu-west-1", "1", "c"),
            "arn:aws:eks:eu-west-1:1:cluster/c"
        );
        assert_eq!(
            cluster_arn("cn-north-1", "1", "c"),
            "arn:aws-cn:eks:cn-north-1:1:cluster/c"
        );
        assert_eq!(
            cluster_arn("us-gov-west-1", "1", "c"),
            "arn:aws-us-gov:eks:us-gov-west-1:1:cluster/c"
        );
    }
}
