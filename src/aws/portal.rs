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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AccountPage {
    #[serde(default)]
    account_list: Vec<Account>,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RolePage {
    #[serde(default)]
    role_list: Vec<Role>,
    next_token: Option<String>,
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
        let c = r.role_credentials;
        let expiration = OffsetDateTime::from_unix_timestamp(c.expiration.div_euclid(1000))
            .map_err(|_| HttpError::Decode {
                op: "GetRoleCredentials",
                reason: format!("expiration {} is out of range", c.expiration),
            })?;
        Ok(Credentials {
            access_key_id: c.access_key_id,
            secret_access_key: c.secret_access_key,
            session_token: c.session_token,
            expiration: Some(expiration),
            account_id: Some(account_id.to_string()),
        })
    }

    pub async fn list_accounts(&self, token: &Secret) -> Result<Vec<Account>, HttpError> {
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let mut q = vec![("max_result", PAGE_SIZE)];
            if let Some(n) = &next {
                q.push(("next_token", n));
            }
            let page: AccountPage = self
                .get("ListAccounts", "/assignment/accounts", token, &q)
                .await?;
            out.extend(page.account_list);
            match page.next_token.filter(|t| !t.is_empty()) {
                Some(t) => next = Some(t),
                None => return Ok(out),
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
        loop {
            let mut q = vec![("account_id", account_id), ("max_result", PAGE_SIZE)];
            if let Some(n) = &next {
                q.push(("next_token", n));
            }
            let page: RolePage = self
                .get("ListAccountRoles", "/assignment/roles", token, &q)
                .await?;
            out.extend(page.role_list);
            match page.next_token.filter(|t| !t.is_empty()) {
                Some(t) => next = Some(t),
                None => return Ok(out),
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
