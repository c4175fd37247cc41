//! `Secret`: a string that never shows itself by accident. Owns redaction; does no I/O.
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A secret value (access key secret, session token, SSO access/refresh token, client secret,
/// device code, bearer token). `Debug` is redacted, there is no `Display`, and the value is
/// reached only through [`Secret::expose`], so a secret reaches output only where code asks for it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the few places that must send or store it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

/// Serialised as the plain string: caches and credential documents must carry the value.
impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert_eq!(s.expose(), "hunter2-very-secret");
    }
}

/// Every credential-bearing struct, printed with `{:?}`, shows no secret.
#[cfg(test)]
mod redaction {
    use super::Secret;
    use crate::cache::registration::Registration;
    use crate::cache::token::TokenFile;
    use crate::credentials::Credentials;
    use crate::sso::oidc::{
        CreateTokenRequest, DeviceAuthorization, RegisterResponse, TokenResponse,
    };

    const S: &str = "TOP-SECRET-VALUE";

    fn s() -> Secret {
        Secret::new(S)
    }

    #[test]
    fn debug_output_never_shows_a_secret() {
        let printed = [
            format!("{:?}", Credentials { access_key_id: "ASIAX".into(), secret_access_key: s(), session_token: Some(s()), expiration: None, account_id: None }),
            format!("{:?}", serde_json::from_value::<TokenFile>(serde_json::json!({"accessToken": S, "expiresAt": "x", "clientSecret": S, "refreshToken": S})).unwrap()),
            format!("{:?}", Registration { client_id: "c".into(), client_secret: s(), expires_at: "x".into(), scopes: None, grant_types: None }),
            format!("{:?}", CreateTokenRequest { client_id: "c".into(), client_secret: Some(s()), grant_type: "g", device_code: Some(s()), refresh_token: Some(s()), code: Some(s()), redirect_uri: None, code_verifier: Some(s()) }),
            format!("{:?}", serde_json::from_value::<DeviceAuthorization>(serde_json::json!({"deviceCode": S, "userCode": "U", "verificationUri": "v", "expiresIn": 1})).unwrap()),
            format!("{:?}", serde_json::from_value::<TokenResponse>(serde_json::json!({"accessToken": S, "expiresIn": 1, "refreshToken": S})).unwrap()),
            format!("{:?}", serde_json::from_value::<RegisterResponse>(serde_json::json!({"clientId": "c", "clientSecret": S, "clientSecretExpiresAt": 1})).unwrap()),
        ];
        for p in printed {
            assert!(!p.contains(S), "{p}");
            assert!(p.contains("<redacted>"), "{p}");
        }
    }
}
