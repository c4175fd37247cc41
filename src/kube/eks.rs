//! EKS `DescribeCluster` (rest-json `GET /clusters/{name}`, SigV4-signed): the API server URL,
//! CA and ARN that `ssoexec kubeconfig` writes when they are not given. Stores nothing.
use crate::app::App;
use crate::credentials::Credentials;
use crate::endpoint::Service;
use crate::error::Error;
use crate::http::{self, HttpError};
use crate::sts::Signer;
use serde::Deserialize;

const OP: &str = "DescribeCluster";
/// The signing name of EKS.
const SIGNING_NAME: &str = "eks";

/// What kubeconfig needs of a cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    pub name: String,
    pub arn: String,
    /// `None` while the cluster is being created.
    pub endpoint: Option<String>,
    /// Base64 PEM, as kubeconfig's `certificate-authority-data` wants it.
    pub certificate_authority_data: Option<String>,
    pub status: String,
}

#[derive(Deserialize)]
struct Response {
    cluster: ClusterJson,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClusterJson {
    name: String,
    arn: String,
    endpoint: Option<String>,
    certificate_authority: Option<CertificateAuthority>,
    #[serde(default)]
    status: String,
}

#[derive(Deserialize)]
struct CertificateAuthority {
    data: Option<String>,
}

/// Describes cluster `name` in `region` with `credentials`.
pub async fn describe_cluster(
    app: &App,
    credentials: &Credentials,
    region: &str,
    name: &str,
) -> Result<Cluster, Error> {
    let base = app.endpoint(Service::Eks, region)?;
    let segment: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let url = format!("{base}/clusters/{}", segment.replace('+', "%20"));
    let signer = Signer {
        credentials,
        service: SIGNING_NAME,
        region,
        time: app.now(),
    };
    let signed = signer
        .headers("GET", &url, &[], &[])
        .map_err(|reason| HttpError::Decode {
            op: OP,
            reason: format!("cannot sign the request: {reason}"),
        })?;
    let client = app.http()?;
    let response = http::send(app, OP, true, || {
        let mut builder = client.get(&url);
        for (k, v) in &signed {
            builder = builder.header(k, v);
        }
        builder
    })
    .await?;
    let r: Response = http::json(OP, response)
        .await
        .map_err(|e| describe_error(e, name, region))?;
    let c = r.cluster;
    Ok(Cluster {
        name: c.name,
        arn: c.arn,
        endpoint: c.endpoint.filter(|e| !e.is_empty()),
        certificate_authority_data: c
            .certificate_authority
            .and_then(|ca| ca.data)
            .filter(|d| !d.is_empty()),
        status: c.status,
    })
}

fn describe_error(e: HttpError, name: &str, region: &str) -> Error {
    match e.api().map(|a| a.code.as_str()) {
        Some("ResourceNotFoundException") => Error::failed(
            format!("no EKS cluster named {name} in {region}"),
            Some("check --cluster-name and --region (`aws eks list-clusters` lists them)".into()),
        ),
        Some("AccessDeniedException" | "UnauthorizedOperation") => Error::failed(
            format!("not allowed to describe EKS cluster {name}: {}", e.api().map(|a| a.message.as_str()).unwrap_or_default()),
            Some("pass --server and --certificate-authority-data, or use a role with eks:DescribeCluster".into()),
        ),
        _ => e.into(),
    }
}
