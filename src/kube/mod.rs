//! Kubernetes: ExecCredential, the EKS token (aws-sigv4 presign), kubeconfig entries.
//! `token`, `exec_credential` and `kubeconfig`'s merge are pure; The token cache is `cache::eks_token`;
//! DescribeCluster is `aws::eks`. Commands live in `commands/`.
pub mod discovery;
pub mod exec_credential;
pub mod kubeconfig;
pub mod token;

pub use exec_credential::{ApiVersion, render};
pub use token::EksToken;

use crate::credentials::Credentials;
use std::path::PathBuf;
use time::OffsetDateTime;

#[derive(Debug, thiserror::Error)]
pub enum KubeError {
    /// The kubeconfig's directory could not be created or is unsafe.
    #[error(transparent)]
    Dir(#[from] crate::cache::CacheError),
    #[error("no region for the EKS token")]
    NoRegion,
    #[error("cannot sign the EKS token: {0}")]
    Signing(String),
    #[error("{} is not a kubeconfig ssoexec can update: {why}", path.display())]
    Kubeconfig { path: PathBuf, why: String },
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("timed out after {} waiting for the kubeconfig lock {}", crate::support::clock::describe_std_duration(std::time::Duration::from_secs(*secs)), path.display())]
    Locked { path: PathBuf, secs: u64 },
    #[error("EKS cluster {name} has no API endpoint yet (status {status})")]
    ClusterNotReady { name: String, status: String },
    #[error(
        "EKS cluster {name} has the API endpoint {server}, not https://: kubectl would send the token in clear text"
    )]
    NotHttps { name: String, server: String },
    #[error("cannot find the path of this ssoexec")]
    OwnPath(#[source] std::io::Error),
}

impl crate::error::Diagnostic for KubeError {
    fn hint(&self) -> Option<String> {
        match self {
            KubeError::NoRegion => {
                Some("pass --region, set AWS_REGION, or add `region = ...` to the profile".into())
            }
            KubeError::Kubeconfig { .. } => {
                Some("fix the file, or write to another one with --kubeconfig PATH".into())
            }
            KubeError::Locked { path, .. } => Some(format!(
                "another kubectl or ssoexec is writing the kubeconfig; if none is running, remove {}",
                path.display()
            )),
            KubeError::Dir(e) => e.hint(),
            KubeError::ClusterNotReady { .. } => {
                Some("wait until the cluster is ACTIVE, or pass --server".into())
            }
            KubeError::OwnPath(_) => Some("pass --command PATH".into()),
            KubeError::NotHttps { .. } => Some(
                "check the cluster's endpoint with `aws eks describe-cluster`; to use it anyway, pass --server and --certificate-authority-data".into(),
            ),
            _ => None,
        }
    }
}
crate::diagnostic_error!(KubeError);

/// The region of the cluster: the run's region (`--region`, the environment, the profile).
pub fn region(settings: &crate::settings::Settings) -> Result<&str, KubeError> {
    settings
        .region
        .as_ref()
        .map(|r| r.value.as_str())
        .ok_or(KubeError::NoRegion)
}

/// The whole ExecCredential document for `credentials`: sign a token for `cluster_id` in
/// `region` at `now` and render it. Pure; what an output format needs.
pub fn exec_credential_document(
    credentials: &Credentials,
    region: &str,
    cluster_id: &str,
    api_version: ApiVersion,
    now: OffsetDateTime,
) -> Result<Vec<u8>, KubeError> {
    let token = token::sign(credentials, region, cluster_id, now)?;
    Ok(render(api_version, &token))
}
