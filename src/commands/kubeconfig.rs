//! `ssoexec kubeconfig`: add or update the cluster, user and context that call `ssoexec eks-token`.
use super::eks_token::region;
use crate::app::App;
use crate::cli::KubeconfigArgs;
use crate::config::Identity;
use crate::credentials::{self, LoginPermission};
use crate::error::Error;
use crate::kube::KubeError;
use crate::kube::exec_credential::ApiVersion;
use crate::kube::kubeconfig::{self, Change, Entry, Exec};
use crate::settings::Selection;
use crate::support::env::KUBECONFIG;
use crate::support::exit::ExitStatus;

pub async fn kubeconfig(
    app: &App,
    args: &KubeconfigArgs,
    target: &crate::cli::TargetArgs,
) -> Result<ExitStatus, Error> {
    if args.discovery.all {
        return super::discovery::discover(app, args, target).await;
    }
    let region = region(app)?;
    let identity = app.settings.identity()?;
    let (server, ca, arn) = locate_cluster(app, args, &identity, region).await?;
    let (command, api_version) = exec_entry_program(args)?;
    let alias = args.alias.clone().unwrap_or_else(|| arn.clone());
    let entry = Entry {
        cluster: arn,
        user: alias.clone(),
        context: alias,
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
    let path = std::fs::canonicalize(&path).unwrap_or(path);
    if args.dry_run {
        let (doc, _) = kubeconfig::merge(kubeconfig::load(&path)?, &entry, &path)?;
        super::write_stdout(kubeconfig::to_yaml(&doc, &path)?.as_bytes())?;
        return Ok(ExitStatus::Success);
    }
    // Read, merge and write under client-go's lock, so parallel writers keep each other's entries.
    let lock = kubeconfig::FileLock::acquire(&path).await?;
    let (doc, change) = kubeconfig::merge(kubeconfig::load(&path)?, &entry, &path)?;
    let yaml = kubeconfig::to_yaml(&doc, &path)?;
    crate::support::atomic::write(&path, yaml.as_bytes())?;
    drop(lock);
    app.printer.info(match change {
        Change::Added => format!("Added new context {} to {}", entry.context, path.display()),
        Change::Updated => format!("Updated context {} in {}", entry.context, path.display()),
    });
    Ok(ExitStatus::Success)
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
    let ca = args
        .certificate_authority_data
        .clone()
        .or(cluster.certificate_authority_data);
    Ok((server, ca, cluster.arn))
}

/// `--cluster-name` (clap requires it unless `--all`).
/// What every exec entry this run writes calls: `--command`, else this ssoexec's own path; and
/// the ExecCredential version it asks for (one place for `kubeconfig` and `kubeconfig --all`).
pub(super) fn exec_entry_program(args: &KubeconfigArgs) -> Result<(String, ApiVersion), Error> {
    let command = match &args.command {
        Some(c) => c.clone(),
        None => std::env::current_exe()
            .map_err(|e| {
                Error::caused(
                    "cannot find the path of this ssoexec",
                    Some("pass --command PATH".into()),
                    e,
                )
            })?
            .display()
            .to_string(),
    };
    let api_version = match args.exec_api_version.as_deref() {
        Some("v1beta1") => ApiVersion::V1Beta1,
        _ => ApiVersion::V1,
    };
    Ok((command, api_version))
}

fn cluster_name(args: &KubeconfigArgs) -> String {
    args.cluster_name.clone().unwrap_or_default()
}

/// `arn:PARTITION:eks:REGION:ACCOUNT:cluster/NAME`, as DescribeCluster would name it.
pub(super) fn cluster_arn(region: &str, account: &str, name: &str) -> String {
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
