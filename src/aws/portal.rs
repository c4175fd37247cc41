//! SSO portal API calls (`docs/portal.md#operations`): GetRoleCredentials, ListAccounts, ListAccountRoles, Logout.
//! The access token travels in the `x-amz-sso_bearer_token` header.
use crate::aws::client::{self, Client, HttpError};
use crate::aws::credentials::Credentials;
use crate::support::secret::Secret;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

const BEARER_HEADER: &str = "x-amz-sso_bearer_token";
/// The largest page the API allows.
const PAGE_SIZE: &str = "100";
/// At most this many pages are read (100,000 accounts or roles): a server that never stops
/// paging is an error, not a loop.
pub const MAX_PAGES: usize = 1000;

/// The pagination guard (botocore's rule): stop on a token seen before, and after `MAX_PAGES`.
struct Pages {
    op: &'static str,
    seen: std::collections::HashSet<String>,
}

impl Pages {
    fn new(op: &'static str) -> Pages {
        Pages {
            op,
            seen: std::collections::HashSet::new(),
        }
    }

    /// The token for the next page, `None` at the end, or an error for a hostile paginator.
    fn next(&mut self, token: Option<String>) -> Result<Option<String>, HttpError> {
        let Some(t) = token.filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        let decode = |reason: String| HttpError::Decode {
            op: self.op,
            reason,
        };
        if self.seen.len() + 1 >= MAX_PAGES {
            return Err(decode(format!("more than {MAX_PAGES} pages")));
        }
        if !self.seen.insert(t.clone()) {
            return Err(decode("the same nextToken was received twice".into()));
        }
        Ok(Some(t))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleCredentialsResponse {
    role_credentials: RoleCredentials,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoleCredentials {
    access_key_id: String,
    secret_access_key: Secret,
    session_token: Option<Secret>,
    /// Epoch milliseconds.
    expiration: i64,
}

#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub account_id: String,
    #[serde(default)]
    pub account_name: String,
    #[serde(default)]
    pub email_address: String,
}

#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    pub role_name: String,
    pub account_id: String,
}

/// A page without its list is a decode error, never "no accounts": a listing that counted as
/// empty would let `generate --prune` delete every generated profile.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountPage {
    account_list: Vec<Account>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RolePage {
    role_list: Vec<Role>,
    next_token: Option<String>,
}

/// A GetRoleCredentials body as credentials (for the fuzz target and the properties).
pub fn decode_role_credentials(bytes: &[u8], account_id: &str) -> Result<Credentials, HttpError> {
    let r: RoleCredentialsResponse =
        serde_json::from_slice(bytes).map_err(|e| HttpError::Decode {
            op: "GetRoleCredentials",
            reason: e.to_string(),
        })?;
    to_credentials(r, account_id)
}

/// A ListAccounts or ListAccountRoles page: the items and the next token.
pub fn decode_pages(bytes: &[u8]) -> (Option<usize>, Option<usize>) {
    (
        serde_json::from_slice::<AccountPage>(bytes)
            .ok()
            .map(|p| p.account_list.len() + p.next_token.map_or(0, |t| t.len())),
        serde_json::from_slice::<RolePage>(bytes)
            .ok()
            .map(|p| p.role_list.len() + p.next_token.map_or(0, |t| t.len())),
    )
}

/// `expiration` (epoch milliseconds, any i64) must be a representable date.
fn to_credentials(r: RoleCredentialsResponse, account_id: &str) -> Result<Credentials, HttpError> {
    let c = r.role_credentials;
    let expiration =
        OffsetDateTime::from_unix_timestamp(c.expiration.div_euclid(1000)).map_err(|_| {
            HttpError::Decode {
                op: "GetRoleCredentials",
                reason: format!("expiration {} is out of range", c.expiration),
            }
        })?;
    Ok(Credentials {
        access_key_id: c.access_key_id,
        secret_access_key: c.secret_access_key,
        session_token: c.session_token,
        expiration: Some(expiration),
        account_id: Some(account_id.to_string()),
    })
}

pub struct Portal<'a> {
    client: &'a Client,
    base: String,
}

impl<'a> Portal<'a> {
    /// `base` is the resolved endpoint (`App::portal` resolves it).
    pub fn new(client: &'a Client, base: String) -> Portal<'a> {
        Portal { client, base }
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        op: &'static str,
        path: &str,
        token: &Secret,
        query: &[(&str, &str)],
    ) -> Result<T, HttpError> {
        let http = self.client.http()?;
        let url = format!("{}{path}", self.base);
        let response = self
            .client
            .send(op, true, || {
                http.get(&url)
                    .query(query)
                    .header(BEARER_HEADER, token.expose())
            })
            .await?;
        client::json(op, response).await
    }

    pub async fn get_role_credentials(
        &self,
        token: &Secret,
        account_id: &str,
        role_name: &str,
    ) -> Result<Credentials, HttpError> {
        let r: RoleCredentialsResponse = self
            .get(
                "GetRoleCredentials",
                "/federation/credentials",
                token,
                &[("role_name", role_name), ("account_id", account_id)],
            )
            .await?;
        to_credentials(r, account_id)
    }

    pub async fn list_accounts(&self, token: &Secret) -> Result<Vec<Account>, HttpError> {
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        let mut pages = Pages::new("ListAccounts");
        loop {
            let mut q = vec![("max_result", PAGE_SIZE)];
            if let Some(n) = &next {
                q.push(("next_token", n));
            }
            let page: AccountPage = self
                .get("ListAccounts", "/assignment/accounts", token, &q)
                .await?;
            out.extend(page.account_list);
            next = pages.next(page.next_token)?;
            if next.is_none() {
                return Ok(out);
            }
        }
    }

    pub async fn list_account_roles(
        &self,
        token: &Secret,
        account_id: &str,
    ) -> Result<Vec<Role>, HttpError> {
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        let mut pages = Pages::new("ListAccountRoles");
        loop {
            let mut q = vec![("account_id", account_id), ("max_result", PAGE_SIZE)];
            if let Some(n) = &next {
                q.push(("next_token", n));
            }
            let page: RolePage = self
                .get("ListAccountRoles", "/assignment/roles", token, &q)
                .await?;
            out.extend(page.role_list);
            next = pages.next(page.next_token)?;
            if next.is_none() {
                return Ok(out);
            }
        }
    }

    pub async fn logout(&self, token: &Secret) -> Result<(), HttpError> {
        let http = self.client.http()?;
        let url = format!("{}/logout", self.base);
        let response = self
            .client
            .send("Logout", true, || {
                http.post(&url)
                    .header(BEARER_HEADER, token.expose())
                    .header("content-length", "0")
            })
            .await?;
        client::empty("Logout", response).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_without_its_list_is_a_decode_error() {
        assert!(serde_json::from_slice::<AccountPage>(b"{}").is_err());
        assert!(serde_json::from_slice::<RolePage>(b"{\"nextToken\": null}").is_err());
        let p: AccountPage = serde_json::from_slice(b"{\"accountList\": []}").unwrap();
        assert!(p.account_list.is_empty() && p.next_token.is_none());
    }

    #[test]
    fn paging_stops_on_a_repeated_token_and_after_the_page_cap() {
        let mut p = Pages::new("ListAccounts");
        assert_eq!(p.next(Some("a".into())).unwrap(), Some("a".into()));
        assert_eq!(p.next(Some(String::new())).unwrap(), None);
        assert_eq!(p.next(None).unwrap(), None);
        let e = p.next(Some("a".into())).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("the same nextToken was received twice"),
            "{e}"
        );
        let mut p = Pages::new("ListAccounts");
        let mut n = 0;
        while p.next(Some(n.to_string())).is_ok() {
            n += 1;
        }
        assert_eq!(n, MAX_PAGES - 1);
    }
}
