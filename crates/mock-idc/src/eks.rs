//! EKS `ListClusters` and `DescribeCluster` (`docs/eks.md`), per account (from the signing access
//! key) and region (from the credential scope).

use std::collections::HashMap;

use base64::prelude::{BASE64_STANDARD, Engine as _};
use serde_json::json;
use wiremock::{Request, ResponseTemplate};

use crate::portal::{Paging, page_window};
use crate::reply::{eks_error, json_reply};
use crate::server::{Reply, cluster_name};
use crate::sigv4::sigv4_scope;
use crate::state::{Identity, State};
use crate::sts::caller;

const DUMMY_CA_PEM: &str = "-----BEGIN CERTIFICATE-----\nTU9DSyBDQQ==\n-----END CERTIFICATE-----\n";

/// Who an EKS request is for: the account and role of the signing key, and the region of its
/// credential scope. Keys the mock never issued count as [`DEFAULT_ACCOUNT`] with no role.
fn eks_caller(st: &State, req: &Request) -> Result<(Identity, String), ResponseTemplate> {
    let Some(scope) = sigv4_scope(req, &HashMap::new()) else {
        return Err(eks_error(
            403,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        ));
    };
    if st.eks_disabled_regions.contains(&scope.region) {
        return Err(eks_error(
            403,
            "UnrecognizedClientException",
            "The security token included in the request is invalid",
        ));
    }
    let who = caller(st, &scope);
    if st
        .rule_of(&who.account, &who.role)
        .is_some_and(|r| r.eks_denied)
    {
        let action = if cluster_name(req.url.path()).is_some() {
            "eks:DescribeCluster"
        } else {
            "eks:ListClusters"
        };
        return Err(eks_error(
            403,
            "AccessDeniedException",
            &format!(
                "User: {} is not authorized to perform: {action} on resource: arn:aws:eks:{}:{}:cluster/*",
                who.arn, scope.region, who.account
            ),
        ));
    }
    Ok((who, scope.region))
}

/// The clusters declared for an account and region (`None`: none were declared anywhere).
fn clusters_of<'a>(st: &'a State, account: &str, region: &str) -> Option<&'a [String]> {
    let clusters = st.clusters.as_ref()?;
    Some(
        clusters
            .get(&(account.to_owned(), region.to_owned()))
            .map_or(&[], Vec::as_slice),
    )
}

pub(crate) fn list_clusters(st: &mut State, req: &Request) -> Reply {
    let (who, region) = eks_caller(st, req)?;
    let names = clusters_of(st, &who.account, &region).unwrap_or_default();
    let (start, end, next) = page_window(st, req, names.len(), &Paging::eks())?;
    let mut body = json!({ "clusters": names[start..end] });
    if let Some(token) = next {
        body["nextToken"] = json!(token);
    }
    Ok(json_reply(200, &body))
}

pub(crate) fn describe_cluster(st: &mut State, req: &Request) -> Reply {
    let (who, region) = eks_caller(st, req)?;
    let name = cluster_name(req.url.path()).unwrap_or_default();
    let known = match clusters_of(st, &who.account, &region) {
        Some(names) => names.iter().any(|n| n == name),
        None => name != "missing",
    };
    if !known {
        return Err(eks_error(
            404,
            "ResourceNotFoundException",
            &format!("No cluster found for name: {name}."),
        ));
    }
    let account = who.account;
    Ok(json_reply(
        200,
        &json!({ "cluster": {
            "name": name,
            "arn": format!("arn:aws:eks:{region}:{account}:cluster/{name}"),
            "endpoint": format!("https://{name}.eks.example.test"),
            "certificateAuthority": { "data": BASE64_STANDARD.encode(DUMMY_CA_PEM) },
            "status": "ACTIVE",
        }}),
    ))
}
