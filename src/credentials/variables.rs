//! The one mapping from credentials to the `AWS_*` environment variables, used by every output
//! format (`output::variables`), the child of `exec` and the GitHub Actions step. The names are
//! declared once, in `support::env`; only the form of the expiry timestamp differs by consumer.
use std::borrow::Cow;

use crate::aws::credentials::Credentials;
use crate::support::clock::{format_timestamp, format_timestamp_offset};
use crate::support::env::{
    AWS_ACCESS_KEY_ID, AWS_CREDENTIAL_EXPIRATION, AWS_DEFAULT_REGION, AWS_REGION,
    AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
};

/// Variables that always belong to the credentials: whoever replaces credentials replaces all of
/// them, even those it does not write this time (a stale session token next to new keys breaks
/// every call).
pub const CREDENTIAL_VARIABLES: [&str; 4] = [
    AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY,
    AWS_SESSION_TOKEN,
    AWS_CREDENTIAL_EXPIRATION,
];
/// Variables that belong to a run only when it knows a region.
pub const REGION_VARIABLES: [&str; 2] = [AWS_REGION, AWS_DEFAULT_REGION];

/// How `AWS_CREDENTIAL_EXPIRATION` is written. Both are RFC 3339 in UTC, and every SDK reads both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpiryForm {
    /// `2026-11-26T10:19:25+00:00`, as `aws configure export-credentials` prints it.
    Offset,
    /// `2026-11-26T10:19:25Z`, as the credential endpoints and configure-aws-credentials write it.
    Zulu,
}

impl ExpiryForm {
    fn format(self, t: time::OffsetDateTime) -> String {
        match self {
            ExpiryForm::Offset => format_timestamp_offset(t),
            ExpiryForm::Zulu => format_timestamp(t),
        }
    }
}

/// One environment variable.
#[derive(Clone, PartialEq, Eq)]
pub struct Variable<'a> {
    pub name: &'static str,
    pub value: Cow<'a, str>,
    /// Secret values are masked in CI logs and never shown by `Debug`.
    pub secret: bool,
}

impl std::fmt::Debug for Variable<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value: &dyn std::fmt::Debug = if self.secret {
            &"<redacted>"
        } else {
            &self.value
        };
        f.debug_struct("Variable")
            .field("name", &self.name)
            .field("value", value)
            .finish()
    }
}

/// The variables for `c` in the AWS CLI's order (`docs/output-formats.md#variable-names-and-order`):
/// key id, secret, session token (if any), expiry (if any, in `form`), then the region
/// variables when a region is known.
pub fn variables<'a>(
    c: &'a Credentials,
    region: Option<&'a str>,
    form: ExpiryForm,
) -> Vec<Variable<'a>> {
    let secret = |name, value: &'a str| Variable {
        name,
        value: Cow::Borrowed(value),
        secret: true,
    };
    let mut vars = vec![
        secret(AWS_ACCESS_KEY_ID, c.access_key_id.as_str()),
        secret(AWS_SECRET_ACCESS_KEY, c.secret_access_key.expose()),
    ];
    if let Some(t) = &c.session_token {
        vars.push(secret(AWS_SESSION_TOKEN, t.expose()));
    }
    if let Some(e) = c.expiration {
        vars.push(Variable {
            name: AWS_CREDENTIAL_EXPIRATION,
            value: Cow::Owned(form.format(e)),
            secret: false,
        });
    }
    vars.extend(region_variables(region));
    vars
}

/// `AWS_REGION` and `AWS_DEFAULT_REGION` for a known region, nothing otherwise.
pub fn region_variables(region: Option<&str>) -> Vec<Variable<'_>> {
    let Some(r) = region else {
        return Vec::new();
    };
    REGION_VARIABLES
        .iter()
        .map(|&name| Variable {
            name,
            value: Cow::Borrowed(r),
            secret: false,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::secret::Secret;
    use time::macros::datetime;

    fn creds(token: Option<&str>, expiring: bool) -> Credentials {
        Credentials {
            access_key_id: "ASIAFAKE0001".into(),
            secret_access_key: Secret::new("hunter2-secret"),
            session_token: token.map(Secret::new),
            expiration: expiring.then_some(datetime!(2026-11-26 10:19:25 UTC)),
            account_id: None,
        }
    }

    fn pairs(vars: &[Variable<'_>]) -> Vec<(&'static str, String, bool)> {
        vars.iter()
            .map(|v| (v.name, v.value.to_string(), v.secret))
            .collect()
    }

    #[test]
    fn every_variable_in_the_cli_order_with_the_offset_form() {
        let c = creds(Some("hunter2-token"), true);
        let v = |n, s: &str, secret| (n, s.to_owned(), secret);
        assert_eq!(
            pairs(&variables(&c, Some("eu-west-1"), ExpiryForm::Offset)),
            [
                v(AWS_ACCESS_KEY_ID, "ASIAFAKE0001", true),
                v(AWS_SECRET_ACCESS_KEY, "hunter2-secret", true),
                v(AWS_SESSION_TOKEN, "hunter2-token", true),
                v(
                    AWS_CREDENTIAL_EXPIRATION,
                    "2026-11-26T10:19:25+00:00",
                    false
                ),
                v(AWS_REGION, "eu-west-1", false),
                v(AWS_DEFAULT_REGION, "eu-west-1", false),
            ]
        );
    }

    #[test]
    fn the_zulu_form_changes_only_the_expiry() {
        let c = creds(Some("t"), true);
        let offset = pairs(&variables(&c, None, ExpiryForm::Offset));
        let zulu = pairs(&variables(&c, None, ExpiryForm::Zulu));
        assert_eq!(zulu[3].1, "2026-11-26T10:19:25Z");
        assert_eq!(offset[..3], zulu[..3]);
        assert_eq!(offset.len(), zulu.len());
    }

    #[test]
    fn absent_token_expiry_and_region_are_left_out() {
        let c = creds(None, false);
        let names: Vec<_> = variables(&c, None, ExpiryForm::Zulu)
            .iter()
            .map(|v| v.name)
            .collect();
        assert_eq!(names, [AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY]);
        assert!(region_variables(None).is_empty());
    }

    #[test]
    fn debug_hides_secret_values() {
        let c = creds(Some("hunter2-token"), true);
        let shown = format!("{:?}", variables(&c, Some("eu-west-1"), ExpiryForm::Zulu));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(
            shown.contains("eu-west-1") && shown.contains("10:19:25Z"),
            "{shown}"
        );
    }
}
