//! Caches on disk: the AWS CLI token, registration, role-credential and assume-role caches (byte-compatible),
//! ssoexec's own markers and EKS tokens. Files only: no network, no prompts.
pub mod assume_role;
pub mod eks_token;
pub mod json;
pub mod marker;
pub mod registration;
pub mod role;
pub mod token;

pub use crate::support::fs::{FsError as CacheError, read_optional};

/// A failed cache write is not a failed command: the credentials or token in hand still work, so
/// the failure is reported and the command goes on. Only an unsafe directory stops it.
pub fn store_or_warn(
    result: Result<(), CacheError>,
    printer: &crate::support::printer::Printer,
    what: &str,
) -> Result<(), CacheError> {
    match result {
        Err(e @ CacheError::Unsafe { .. }) => Err(e),
        Err(e) => {
            let cause = std::error::Error::source(&e)
                .map(|c| format!(": {c}"))
                .unwrap_or_default();
            let hint = e.hint().map(|h| format!(" ({h})")).unwrap_or_default();
            printer.warn(format!("{e}{cause}; {what} not cached{hint}"));
            Ok(())
        }
        Ok(()) => Ok(()),
    }
}

/// What reading a cache file found. A corrupt file is treated as absent by callers, with a warning.
#[derive(Debug)]
pub enum Lookup<T> {
    Found(T),
    Absent,
    Corrupt(String),
}

/// Says that an unreadable cache file is ignored (and will be replaced by the next write).
pub fn warn_corrupt(printer: &crate::support::printer::Printer, path: &std::path::Path, why: &str) {
    printer.warn(format!(
        "ignoring unreadable cache file {} ({why}); it will be replaced",
        path.display()
    ));
}

/// Every credential-bearing struct, printed with `{:?}`, shows no secret.
#[cfg(test)]
mod redaction {
    use crate::aws::credentials::Credentials;
    use crate::aws::oidc::{
        CreateTokenRequest, DeviceAuthorization, RegisterResponse, TokenResponse,
    };
    use crate::cache::registration::Registration;
    use crate::cache::token::TokenFile;
    use crate::support::secret::Secret;

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
