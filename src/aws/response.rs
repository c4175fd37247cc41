//! Every parser of server responses, run on the same bytes: the fuzz target's entry and the
//! properties' subject. Bytes in; a value (with every number bounded) or a decode error out;
//! never a panic. Does no I/O.
use super::oidc::{DeviceAuthorization, RegisterResponse, TokenResponse};
use super::{client, eks, portal, sts};
use time::OffsetDateTime;

/// Runs every response parser on `bytes` and every bounding rule on what they return.
pub fn parse_all(bytes: &[u8], now: OffsetDateTime) {
    if let Ok(t) = serde_json::from_slice::<TokenResponse>(bytes) {
        let _ = now.checked_add(t.lifetime());
    }
    if let Ok(d) = serde_json::from_slice::<DeviceAuthorization>(bytes) {
        let _ = (d.lifetime(), d.poll_interval());
    }
    if let Ok(r) = serde_json::from_slice::<RegisterResponse>(bytes) {
        let _ = r.secret_expires_at(now);
    }
    let _ = portal::decode_role_credentials(bytes, "111111111111");
    let _ = portal::decode_pages(bytes);
    let _ = eks::decode_cluster(bytes);
    let text = String::from_utf8_lossy(bytes);
    let _ = sts::parse_assumed_role("AssumeRole", &text);
    let _ = sts::parse_assumed_role("AssumeRoleWithWebIdentity", &text);
    let _ = sts::parse_error("AssumeRole", 400, &text);
    let _ = client::api_error("CreateToken", 400, Some(&text), bytes);
}

#[cfg(test)]
mod properties {
    use super::*;
    use crate::aws::oidc::{MAX_DEVICE_LIFETIME, MAX_POLL_INTERVAL, MAX_TOKEN_LIFETIME};
    use proptest::prelude::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-26 10:00 UTC);

    proptest! {
        /// No bytes make any parser panic.
        #[test]
        fn any_bytes_parse_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            parse_all(&bytes, NOW);
        }

        /// Any JSON-ish text (braces, quotes, digits, keys) parses or fails cleanly.
        #[test]
        fn json_shaped_text_parses_or_fails_cleanly(text in r#"[{}\[\]":,0-9a-zA-Z .\-<>/]{0,200}"#) {
            parse_all(text.as_bytes(), NOW);
        }

        /// CreateToken: any `expiresIn` gives a lifetime in 0..=90 days and a date.
        #[test]
        fn token_lifetimes_are_bounded(n in any::<i64>()) {
            let t: TokenResponse = serde_json::from_value(serde_json::json!({"accessToken": "a", "expiresIn": n})).unwrap();
            let l = t.lifetime();
            prop_assert!(l >= time::Duration::ZERO && l <= MAX_TOKEN_LIFETIME);
            prop_assert!(NOW.checked_add(l).is_some());
            if (0..=MAX_TOKEN_LIFETIME.whole_seconds()).contains(&n) {
                prop_assert_eq!(l.whole_seconds(), n);
            }
        }

        /// StartDeviceAuthorization: any `expiresIn` and `interval` are bounded.
        #[test]
        fn device_numbers_are_bounded(e in any::<i64>(), i in proptest::option::of(any::<i64>())) {
            let d: DeviceAuthorization = serde_json::from_value(serde_json::json!({
                "deviceCode": "d", "userCode": "U", "verificationUri": "https://x", "expiresIn": e, "interval": i
            })).unwrap();
            prop_assert!(d.lifetime() >= std::time::Duration::from_secs(1) && d.lifetime() <= MAX_DEVICE_LIFETIME);
            prop_assert!(d.poll_interval() >= std::time::Duration::from_secs(1) && d.poll_interval() <= MAX_POLL_INTERVAL);
        }

        /// RegisterClient: any `clientSecretExpiresAt` gives a date after now.
        #[test]
        fn registration_expiry_is_bounded(n in any::<i64>()) {
            let r: RegisterResponse = serde_json::from_value(serde_json::json!({
                "clientId": "c", "clientSecret": "s", "clientSecretExpiresAt": n
            })).unwrap();
            let t = r.secret_expires_at(NOW);
            prop_assert!(t > NOW && t - NOW <= crate::aws::oidc::MAX_REGISTRATION_LIFETIME);
        }

        /// GetRoleCredentials: any `expiration` is a date or a decode error.
        #[test]
        fn role_expiration_is_a_date_or_an_error(n in any::<i64>()) {
            let body = serde_json::json!({"roleCredentials": {
                "accessKeyId": "A", "secretAccessKey": "S", "sessionToken": "T", "expiration": n
            }}).to_string();
            match portal::decode_role_credentials(body.as_bytes(), "1") {
                Ok(c) => prop_assert_eq!(c.expiration.unwrap().unix_timestamp(), n.div_euclid(1000)),
                Err(e) => prop_assert!(e.to_string().contains("out of range"), "{}", e),
            }
        }

        /// STS: any `Expiration` text is a date or a decode error.
        #[test]
        fn sts_expiration_is_a_date_or_an_error(exp in "[0-9TZ:+\\-. ]{0,40}", arn in "[ -~]{0,60}") {
            let xml = format!(
                "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken><Expiration>{}</Expiration></Credentials><AssumedRoleUser><Arn>{}</Arn></AssumedRoleUser></AssumeRoleResult></AssumeRoleResponse>",
                exp, arn.replace(['<', '&'], "")
            );
            if let Ok(r) = sts::parse_assumed_role("AssumeRole", &xml) {
                prop_assert!(r.credentials.expiration.is_some());
            }
        }

        /// EKS: any strings in a DescribeCluster body parse.
        #[test]
        fn eks_cluster_bodies_parse(name in "\\PC{0,30}", endpoint in proptest::option::of("\\PC{0,30}")) {
            let body = serde_json::json!({"cluster": {"name": name, "arn": "a", "endpoint": endpoint, "status": "ACTIVE"}}).to_string();
            let c = eks::decode_cluster(body.as_bytes()).unwrap();
            prop_assert_eq!(c.name, name);
        }
    }
}
