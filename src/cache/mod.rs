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

impl<T> Lookup<T> {
    /// What was found, made into a `U`; absent and corrupt stay as they are.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Lookup<U> {
        match self {
            Lookup::Found(t) => Lookup::Found(f(t)),
            Lookup::Absent => Lookup::Absent,
            Lookup::Corrupt(why) => Lookup::Corrupt(why),
        }
    }
}

/// Reads the JSON entry at `path` and the expiry it holds in its field `field` (the text
/// `expiry` picks out): absent without a file; corrupt when the file is not such an entry or the
/// expiry is not a timestamp (`Z`, an offset, or botocore's `UTC`).
fn read_expiring<T: serde::de::DeserializeOwned>(
    path: &std::path::Path,
    field: &str,
    expiry: impl FnOnce(&T) -> &str,
) -> Result<Lookup<(T, time::OffsetDateTime)>, CacheError> {
    let Some(bytes) = read_optional(path)? else {
        return Ok(Lookup::Absent);
    };
    let entry: T = match serde_json::from_slice(&bytes) {
        Ok(e) => e,
        Err(e) => return Ok(Lookup::Corrupt(e.to_string())),
    };
    let text = expiry(&entry);
    Ok(match crate::support::clock::parse_timestamp(text) {
        Some(expires_at) => Lookup::Found((entry, expires_at)),
        None => Lookup::Corrupt(format!("{field} {text:?} is not a timestamp")),
    })
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

/// The caches whose entries expire read through one reader: the same absent, corrupt and found.
#[cfg(test)]
mod expiring {
    use super::{Lookup, assume_role, eks_token, role};
    use crate::support::clock::parse_timestamp;

    fn why<T>(found: Lookup<T>) -> String {
        match found {
            Lookup::Corrupt(why) => why,
            Lookup::Absent => panic!("absent, not corrupt"),
            Lookup::Found(_) => panic!("found, not corrupt"),
        }
    }

    #[test]
    fn absent_corrupt_and_found_alike_in_every_expiring_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("entry.json");
        assert!(matches!(role::load(&path).unwrap(), Lookup::Absent));
        assert!(matches!(assume_role::load(&path).unwrap(), Lookup::Absent));
        assert!(matches!(eks_token::load(&path).unwrap(), Lookup::Absent));

        std::fs::write(&path, "{").unwrap();
        let eof = "EOF while parsing an object at line 1 column 1";
        assert_eq!(why(role::load(&path).unwrap()), eof);
        assert_eq!(why(assume_role::load(&path).unwrap()), eof);
        assert_eq!(why(eks_token::load(&path).unwrap()), eof);

        let credentials = |expiration: &str| {
            format!(
                r#"{{"ProviderType": "sso", "Credentials": {{"AccessKeyId": "ASIAFAKE", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "{expiration}"}}}}"#
            )
        };
        let token = |expiration: &str| {
            format!(r#"{{"token": "k8s-aws-v1.fake", "expirationTimestamp": "{expiration}"}}"#)
        };
        std::fs::write(&path, credentials("soon")).unwrap();
        let soon = "Expiration \"soon\" is not a timestamp";
        assert_eq!(why(role::load(&path).unwrap()), soon);
        assert_eq!(why(assume_role::load(&path).unwrap()), soon);
        std::fs::write(&path, token("soon")).unwrap();
        assert_eq!(
            why(eks_token::load(&path).unwrap()),
            "expirationTimestamp \"soon\" is not a timestamp"
        );

        let at = parse_timestamp("2026-11-26T11:00:00Z");
        std::fs::write(&path, credentials("2026-11-26T11:00:00Z")).unwrap();
        let Lookup::Found(c) = role::load(&path).unwrap() else {
            panic!("role entry not found")
        };
        assert_eq!((c.access_key_id.as_str(), c.expiration), ("ASIAFAKE", at));
        std::fs::write(&path, credentials("2026-11-26T11:00:00UTC")).unwrap();
        let Lookup::Found(c) = assume_role::load(&path).unwrap() else {
            panic!("assume-role entry not found")
        };
        assert_eq!((c.access_key_id.as_str(), c.expiration), ("ASIAFAKE", at));
        std::fs::write(&path, token("2026-11-26T11:00:00Z")).unwrap();
        let Lookup::Found(t) = eks_token::load(&path).unwrap() else {
            panic!("EKS token not found")
        };
        assert_eq!(Some(t.expires_at), at);
    }
}
