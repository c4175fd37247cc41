//! SSO OIDC API calls (`docs/sso-oidc.md#operations`): RegisterClient, StartDeviceAuthorization, CreateToken.
//! Unsigned JSON requests; errors become `ApiError` with the smithy exception name.
use crate::aws::client::{self, Client, HttpError};
use crate::support::secret::Secret;
use serde::{Deserialize, Serialize};

pub const GRANT_DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";
pub const GRANT_REFRESH_TOKEN: &str = "refresh_token";
pub const GRANT_AUTHORIZATION_CODE: &str = "authorization_code";

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    pub client_name: String,
    pub client_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uris: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_url: Option<String>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct RegisterResponse {
    pub client_id: String,
    pub client_secret: Secret,
    pub client_secret_expires_at: i64,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct DeviceAuthorization {
    pub device_code: Secret,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: i64,
    pub interval: Option<i64>,
}

#[derive(Serialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct CreateTokenRequest {
    pub client_id: String,
    pub client_secret: Option<Secret>,
    pub grant_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_code: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_verifier: Option<Secret>,
}

#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct TokenResponse {
    pub access_token: Secret,
    pub expires_in: i64,
    pub refresh_token: Option<Secret>,
}

/// The longest token lifetime believed from a server: an Identity Center session lasts at most
/// 90 days; a larger `expiresIn` is taken as this (a hostile value must not overflow a date).
pub const MAX_TOKEN_LIFETIME: time::Duration = time::Duration::days(90);
/// A device code is waited for at most this long whatever `expiresIn` says (the service's is 10
/// minutes).
pub const MAX_DEVICE_LIFETIME: std::time::Duration = std::time::Duration::from_secs(60 * 60);
/// Poll intervals are kept in this range whatever `interval` (and `slow_down`) say.
pub const MIN_POLL_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);
pub const MAX_POLL_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);
/// Poll interval when the service does not say (RFC 8628 default).
pub const DEFAULT_POLL_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

impl TokenResponse {
    /// `expiresIn` as a duration in `0..=MAX_TOKEN_LIFETIME` (negative is 0: already expired).
    pub fn lifetime(&self) -> time::Duration {
        time::Duration::seconds(self.expires_in.clamp(0, MAX_TOKEN_LIFETIME.whole_seconds()))
    }
}

impl DeviceAuthorization {
    /// How long the code can be approved: `expiresIn` in `1 s..=MAX_DEVICE_LIFETIME`.
    pub fn lifetime(&self) -> std::time::Duration {
        std::time::Duration::from_secs(
            self.expires_in
                .clamp(1, MAX_DEVICE_LIFETIME.as_secs() as i64)
                .unsigned_abs(),
        )
    }

    /// The poll interval the service asks for, kept in range.
    pub fn poll_interval(&self) -> std::time::Duration {
        match self.interval {
            Some(i) if i > 0 => std::time::Duration::from_secs(i.unsigned_abs())
                .clamp(MIN_POLL_INTERVAL, MAX_POLL_INTERVAL),
            _ => DEFAULT_POLL_INTERVAL,
        }
    }
}

impl RegisterResponse {
    /// When the client secret expires: `clientSecretExpiresAt` when it is a date after `now`
    /// and no more than `MAX_REGISTRATION_LIFETIME` away, else 90 days from `now`.
    pub fn secret_expires_at(&self, now: time::OffsetDateTime) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp(self.client_secret_expires_at)
            .ok()
            .filter(|t| *t > now && *t - now <= MAX_REGISTRATION_LIFETIME)
            .unwrap_or(now + time::Duration::days(90))
    }
}

/// A registration is believed to last at most this long (the service's is 90 days).
pub const MAX_REGISTRATION_LIFETIME: time::Duration = time::Duration::days(400);

/// A client for one session's OIDC endpoint.
pub struct Oidc<'a> {
    client: &'a Client,
    pub base: String,
}

impl<'a> Oidc<'a> {
    /// `base` is the resolved endpoint (`App::oidc` resolves it).
    pub fn new(client: &'a Client, base: String) -> Oidc<'a> {
        Oidc { client, base }
    }

    async fn post<B: Serialize, T: serde::de::DeserializeOwned>(
        &self,
        op: &'static str,
        path: &str,
        body: &B,
        idempotent: bool,
    ) -> Result<T, HttpError> {
        let http = self.client.http()?;
        let url = format!("{}{path}", self.base);
        let response = self
            .client
            .send(op, idempotent, || http.post(&url).json(body))
            .await?;
        client::json(op, response).await
    }

    pub async fn register(&self, req: &RegisterRequest) -> Result<RegisterResponse, HttpError> {
        self.post("RegisterClient", "/client/register", req, true)
            .await
    }

    pub async fn start_device_authorization(
        &self,
        client_id: &str,
        client_secret: &Secret,
        start_url: &str,
    ) -> Result<DeviceAuthorization, HttpError> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'b> {
            client_id: &'b str,
            client_secret: &'b Secret,
            start_url: &'b str,
        }
        self.post(
            "StartDeviceAuthorization",
            "/device_authorization",
            &Body {
                client_id,
                client_secret,
                start_url,
            },
            true,
        )
        .await
    }

    pub async fn create_token(&self, req: &CreateTokenRequest) -> Result<TokenResponse, HttpError> {
        self.post("CreateToken", "/token", req, false).await
    }
}
