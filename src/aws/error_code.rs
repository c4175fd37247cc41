//! The error codes AWS services return, as one closed set plus `Other`, so call sites match on
//! variants instead of comparing strings. Names are the Smithy exception names (SSO, SSO OIDC,
//! EKS) or the STS query-protocol codes; see `docs/sso-oidc.md`, `docs/portal.md`, `docs/sts.md`.
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    // SSO OIDC (CreateToken and friends); the OAuth `error` values map onto these.
    AuthorizationPending,
    SlowDown,
    ExpiredToken,
    AccessDenied,
    InvalidGrant,
    InvalidClient,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    InvalidRequest,
    InvalidClientMetadata,
    InvalidRedirectUri,
    InternalServer,
    // SSO portal.
    Unauthorized,
    ResourceNotFound,
    TooManyRequests,
    /// The portal's answer for a role the person may not use.
    Forbidden,
    // STS (query protocol codes).
    StsAccessDenied,
    StsExpiredToken,
    InvalidIdentityToken,
    IdpCommunicationError,
    SignatureDoesNotMatch,
    InvalidClientTokenId,
    Throttling,
    // EKS.
    UnauthorizedOperation,
    /// EKS's "slow down" (STS's is [`ErrorCode::Throttling`]).
    EksThrottling,
    /// EKS: the signing key is unknown (an expired or foreign access key).
    UnrecognizedClient,
    /// Any code not listed, as the service named it.
    Other(String),
}

/// `(variant, the name the service sends)`. STS's `AccessDenied`/`ExpiredTokenException` differ
/// from the JSON services' names and keep their own variants.
const NAMES: &[(ErrorCode, &str)] = &[
    (
        ErrorCode::AuthorizationPending,
        "AuthorizationPendingException",
    ),
    (ErrorCode::SlowDown, "SlowDownException"),
    (ErrorCode::ExpiredToken, "ExpiredTokenException"),
    (ErrorCode::AccessDenied, "AccessDeniedException"),
    (ErrorCode::InvalidGrant, "InvalidGrantException"),
    (ErrorCode::InvalidClient, "InvalidClientException"),
    (ErrorCode::UnauthorizedClient, "UnauthorizedClientException"),
    (
        ErrorCode::UnsupportedGrantType,
        "UnsupportedGrantTypeException",
    ),
    (ErrorCode::InvalidScope, "InvalidScopeException"),
    (ErrorCode::InvalidRequest, "InvalidRequestException"),
    (
        ErrorCode::InvalidClientMetadata,
        "InvalidClientMetadataException",
    ),
    (ErrorCode::InvalidRedirectUri, "InvalidRedirectUriException"),
    (ErrorCode::InternalServer, "InternalServerException"),
    (ErrorCode::Unauthorized, "UnauthorizedException"),
    (ErrorCode::ResourceNotFound, "ResourceNotFoundException"),
    (ErrorCode::TooManyRequests, "TooManyRequestsException"),
    (ErrorCode::Forbidden, "ForbiddenException"),
    (ErrorCode::StsAccessDenied, "AccessDenied"),
    (ErrorCode::StsExpiredToken, "ExpiredToken"),
    (ErrorCode::InvalidIdentityToken, "InvalidIdentityToken"),
    (ErrorCode::IdpCommunicationError, "IDPCommunicationError"),
    (ErrorCode::SignatureDoesNotMatch, "SignatureDoesNotMatch"),
    (ErrorCode::InvalidClientTokenId, "InvalidClientTokenId"),
    (ErrorCode::Throttling, "Throttling"),
    (ErrorCode::UnauthorizedOperation, "UnauthorizedOperation"),
    (ErrorCode::EksThrottling, "ThrottlingException"),
    (ErrorCode::UnrecognizedClient, "UnrecognizedClientException"),
];

impl ErrorCode {
    /// The code for a name as a service sent it (already stripped of `ns#` and `:uri` parts).
    pub fn parse(name: &str) -> ErrorCode {
        NAMES
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(c, _)| c.clone())
            .unwrap_or_else(|| ErrorCode::Other(name.to_string()))
    }

    /// SSO OIDC answers with OAuth `error` values (RFC 6749 §5.2, RFC 8628 §3.5).
    pub fn from_oauth(error: &str) -> ErrorCode {
        match error {
            "authorization_pending" => ErrorCode::AuthorizationPending,
            "slow_down" => ErrorCode::SlowDown,
            "expired_token" => ErrorCode::ExpiredToken,
            "access_denied" => ErrorCode::AccessDenied,
            "invalid_grant" => ErrorCode::InvalidGrant,
            "invalid_client" => ErrorCode::InvalidClient,
            "unauthorized_client" => ErrorCode::UnauthorizedClient,
            "unsupported_grant_type" => ErrorCode::UnsupportedGrantType,
            "invalid_scope" => ErrorCode::InvalidScope,
            "invalid_request" => ErrorCode::InvalidRequest,
            "invalid_client_metadata" => ErrorCode::InvalidClientMetadata,
            "invalid_redirect_uri" => ErrorCode::InvalidRedirectUri,
            "server_error" => ErrorCode::InternalServer,
            other => ErrorCode::Other(other.to_string()),
        }
    }

    /// A denial of access, whichever service said it.
    pub fn is_access_denied(&self) -> bool {
        matches!(
            self,
            ErrorCode::AccessDenied | ErrorCode::StsAccessDenied | ErrorCode::UnauthorizedOperation
        )
    }

    /// The service asks us to slow down.
    pub fn is_throttling(&self) -> bool {
        matches!(
            self,
            ErrorCode::TooManyRequests
                | ErrorCode::Throttling
                | ErrorCode::EksThrottling
                | ErrorCode::SlowDown
        )
    }

    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::Other(s) => s,
            known => NAMES
                .iter()
                .find(|(c, _)| c == known)
                .map(|(_, n)| *n)
                .unwrap_or("Unknown"),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Tests may compare with the wire name; domain code matches variants (there is no such impl
/// outside tests, so a string comparison does not compile there).
#[cfg(test)]
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips() {
        for (code, name) in NAMES {
            assert_eq!(&ErrorCode::parse(name), code);
            assert_eq!(code.as_str(), *name);
        }
        assert_eq!(
            ErrorCode::parse("BrandNewException"),
            ErrorCode::Other("BrandNewException".into())
        );
        assert_eq!(ErrorCode::from_oauth("slow_down"), ErrorCode::SlowDown);
    }

    #[test]
    fn each_service_s_slow_down_and_refusals_are_variants() {
        for name in [
            "TooManyRequestsException",
            "Throttling",
            "ThrottlingException",
            "SlowDownException",
        ] {
            assert!(ErrorCode::parse(name).is_throttling(), "{name}");
        }
        assert_eq!(ErrorCode::parse("ForbiddenException"), ErrorCode::Forbidden);
        assert_eq!(
            ErrorCode::parse("UnrecognizedClientException"),
            ErrorCode::UnrecognizedClient
        );
        assert!(!ErrorCode::parse("ValidationException").is_throttling());
    }
}
