//! EKS `DescribeCluster` (rest-json `GET /clusters/{name}`, SigV4-signed): the API server URL,
//! CA and ARN that `ssoexec kubeconfig` writes when they are not given; `ListClusters`
//! (`GET /clusters`, paged by `nextToken`) for `kubeconfig --all`. Stores nothing.
use crate::aws::client::{self, Client, HttpError};
use crate::aws::credentials::Credentials;
use crate::aws::error_code::ErrorCode;
use crate::aws::sts::Signer;
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

/// What can go wrong describing a cluster.
#[derive(Debug, thiserror::Error)]
pub enum EksError {
    #[error("no EKS cluster named {name} in {region}")]
    NotFound { name: String, region: String },
    #[error("not allowed to describe EKS cluster {name}: {message}")]
    Denied { name: String, message: String },
    #[error("not allowed to list EKS clusters in {region}: {message}")]
    ListDenied { region: String, message: String },
    #[error(transparent)]
    Http(#[from] HttpError),
}

impl EksError {
    pub fn hint(&self) -> Option<String> {
        match self {
            EksError::NotFound { .. } => Some(
                "check --cluster-name and --region (`aws eks list-clusters` lists them)".into(),
            ),
            EksError::Denied { .. } => Some(
                "pass --server and --certificate-authority-data, or use a role with eks:DescribeCluster"
                    .into(),
            ),
            EksError::ListDenied { .. } => {
                Some("use a role with eks:ListClusters, or choose other --regions".into())
            }
            EksError::Http(e) => e.hint(),
        }
    }
}

/// Describes cluster `name` in `region` with `credentials`; `base` is the resolved endpoint.
pub async fn describe_cluster(
    client: &Client,
    base: &str,
    credentials: &Credentials,
    region: &str,
    name: &str,
) -> Result<Cluster, EksError> {
    let segment: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let url = format!("{base}/clusters/{}", segment.replace('+', "%20"));
    let response = signed_get(client, OP, &url, credentials, region).await?;
    let r: Response = client::json(OP, response)
        .await
        .map_err(|e| describe_error(e, name, region))?;
    Ok(cluster(r))
}

/// Sends `GET url` for `op`, SigV4-signed for EKS in `region` with `credentials`. Retried like
/// every read: both EKS calls only read.
async fn signed_get(
    client: &Client,
    op: &'static str,
    url: &str,
    credentials: &Credentials,
    region: &str,
) -> Result<reqwest::Response, HttpError> {
    let signer = Signer {
        credentials,
        service: SIGNING_NAME,
        region,
        time: client.now(),
    };
    let signed = signer
        .headers("GET", url, &[], &[])
        .map_err(|reason| HttpError::Decode {
            op,
            reason: format!("cannot sign the request: {reason}"),
        })?;
    let http = client.http()?;
    client
        .send(op, true, || {
            let mut builder = http.get(url);
            for (k, v) in &signed {
                builder = builder.header(k, v);
            }
            builder
        })
        .await
}

/// A DescribeCluster body as a cluster (for the fuzz target and the properties).
pub fn decode_cluster(bytes: &[u8]) -> Result<Cluster, HttpError> {
    serde_json::from_slice(bytes)
        .map(cluster)
        .map_err(|e| HttpError::Decode {
            op: OP,
            reason: e.to_string(),
        })
}

fn cluster(r: Response) -> Cluster {
    let c = r.cluster;
    Cluster {
        name: c.name,
        arn: c.arn,
        endpoint: c.endpoint.filter(|e| !e.is_empty()),
        certificate_authority_data: c
            .certificate_authority
            .and_then(|ca| ca.data)
            .filter(|d| !d.is_empty()),
        status: c.status,
    }
}

fn describe_error(e: HttpError, name: &str, region: &str) -> EksError {
    match e.api().map(|a| &a.code) {
        Some(ErrorCode::ResourceNotFound) => EksError::NotFound {
            name: name.into(),
            region: region.into(),
        },
        Some(code) if code.is_access_denied() => EksError::Denied {
            name: name.into(),
            message: e.api().map(|a| a.message.clone()).unwrap_or_default(),
        },
        _ => e.into(),
    }
}

/// The most cluster names one `ListClusters` page holds (`docs/eks.md`).
const LIST_PAGE_SIZE: &str = "100";
/// A run that sees more pages than this is talking to a broken server.
const MAX_LIST_PAGES: usize = 1000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClusterPage {
    #[serde(default)]
    clusters: Vec<String>,
    next_token: Option<String>,
}

/// Every cluster name in `region` the credentials can see (all pages, SigV4-signed). A repeated
/// `nextToken` ends the listing with an error, as botocore's paginator does.
pub async fn list_clusters(
    client: &Client,
    base: &str,
    credentials: &Credentials,
    region: &str,
) -> Result<Vec<String>, EksError> {
    const LIST: &str = "ListClusters";
    let mut names = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut next: Option<String> = None;
    for _ in 0..MAX_LIST_PAGES {
        let mut url =
            url::Url::parse(&format!("{base}/clusters")).map_err(|e| HttpError::Decode {
                op: LIST,
                reason: format!("bad endpoint {base}: {e}"),
            })?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("maxResults", LIST_PAGE_SIZE);
            if let Some(n) = &next {
                q.append_pair("nextToken", n);
            }
        }
        let response = signed_get(client, LIST, url.as_str(), credentials, region).await?;
        let page: ClusterPage = client::json(LIST, response)
            .await
            .map_err(|e| match e.api() {
                Some(a) if a.code.is_access_denied() || a.code == ErrorCode::UnrecognizedClient => {
                    EksError::ListDenied {
                        region: region.into(),
                        message: a.message.clone(),
                    }
                }
                _ => e.into(),
            })?;
        names.extend(page.clusters);
        match page.next_token.filter(|t| !t.is_empty()) {
            Some(t) if !seen.insert(t.clone()) => {
                return Err(HttpError::Decode {
                    op: LIST,
                    reason: "the same nextToken was received twice".into(),
                }
                .into());
            }
            Some(t) => next = Some(t),
            None => return Ok(names),
        }
    }
    Err(HttpError::Decode {
        op: LIST,
        reason: format!("more than {MAX_LIST_PAGES} pages"),
    }
    .into())
}
