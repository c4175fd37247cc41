//! The child's environment, computed purely from the parent's and the credentials: what to set
//! and what to remove so the child cannot mix identities. Does no I/O.
use crate::config::{Identity, SsoTarget};
use crate::credentials::Credentials;
use crate::credentials::variables::{ExpiryForm, Variable, region_variables, variables};
use crate::support::env::{Env, SSOEXEC_IDENTITY, SSOEXEC_PROFILE};

/// Variables that select or carry another identity; the child must not see them.
pub const REMOVED: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ACCOUNT_ID",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
];

/// How the child gets credentials.
pub enum Supply<'a> {
    /// Static keys in the environment.
    Static(&'a Credentials),
    /// The ECS container-credentials endpoint of our helper server.
    Server { url: String, token: &'a str },
}

/// The complete environment changes for the child.
#[derive(Debug, PartialEq, Eq)]
pub struct ChildEnv {
    pub remove: Vec<&'static str>,
    /// Values may be secrets: never log this list's values.
    pub set: Vec<(&'static str, String)>,
}

/// What the child carries: the profile (or `account/role`) people read, and the whole identity
/// the nested guard compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    pub profile: String,
    pub identity: String,
}

impl Marker {
    /// The marker of any identity: the SSO role at the root (or the static / environment keys it
    /// starts from), then every role assumed from there, outermost last.
    pub fn for_identity(profile: String, identity: &Identity) -> Marker {
        let mut chain: Vec<&str> = identity
            .hops()
            .iter()
            .map(|h| h.role_arn.as_str())
            .collect();
        chain.reverse();
        let mut root = identity;
        while let Identity::AssumeRole(a) = root {
            root = &a.source;
        }
        match root {
            Identity::Sso(target) => Marker::new(profile, target, &chain),
            other => {
                let mut identity = other.describe();
                for arn in &chain {
                    identity.push_str(&format!(" via {arn}"));
                }
                Marker { profile, identity }
            }
        }
    }

    /// `role R in account A, sso-session S`, then ` via ARN` for each role assumed from there:
    /// two runs with the same profile name but another role, account, session or chain differ.
    pub fn new(profile: String, target: &SsoTarget, chain: &[&str]) -> Marker {
        let mut identity = format!(
            "role {} in account {}, {}",
            target.role_name,
            target.account_id,
            target.session.describe()
        );
        for arn in chain {
            identity.push_str(&format!(" via {arn}"));
        }
        Marker { profile, identity }
    }
}

impl std::fmt::Display for Marker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.profile, self.identity)
    }
}

pub fn child_env(supply: Supply<'_>, region: Option<&str>, marker: &Marker) -> ChildEnv {
    let owned = |vars: Vec<Variable<'_>>| -> Vec<(&'static str, String)> {
        vars.into_iter()
            .map(|v| (v.name, v.value.into_owned()))
            .collect()
    };
    let mut set = match supply {
        Supply::Static(c) => owned(variables(c, region, ExpiryForm::Zulu)),
        Supply::Server { url, token } => {
            let mut set = vec![
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN", token.to_string()),
            ];
            set.extend(owned(region_variables(region)));
            set
        }
    };
    set.push((SSOEXEC_PROFILE, marker.profile.clone()));
    set.push((SSOEXEC_IDENTITY, marker.identity.clone()));
    let remove = REMOVED
        .iter()
        .copied()
        .filter(|r| !set.iter().any(|(k, _)| k == r))
        .collect();
    ChildEnv { remove, set }
}

/// What to do given an existing ssoexec environment in the parent.
#[derive(Debug, PartialEq, Eq)]
pub enum Nesting {
    /// Not inside ssoexec: proceed.
    Fresh,
    /// Already inside ssoexec for this same identity: run the command as it is.
    PassThrough,
    /// Inside ssoexec for another identity: refuse unless forced.
    Conflict(String),
}

/// Compares the parent's identity with ours: all of it when the parent says (an ssoexec that
/// sets `SSOEXEC_IDENTITY`), else the profile name (an older one, or `ssx`, which sets only the
/// profile). A marker is trusted only while the environment still carries credentials (keys, or
/// a credentials endpoint): after `unset AWS_ACCESS_KEY_ID` a matching marker is stale and the run
/// starts fresh instead of passing nothing through.
pub fn nesting(parent: &Env, marker: &Marker) -> Nesting {
    let profile = parent.get(SSOEXEC_PROFILE);
    let same = match (profile, parent.get(SSOEXEC_IDENTITY)) {
        (None, None) => return Nesting::Fresh,
        (p, Some(identity)) if identity != marker.identity => {
            return Nesting::Conflict(format!(
                "{} ({})",
                crate::support::text::clean(p.unwrap_or("?")),
                crate::support::text::clean(identity)
            ));
        }
        (_, Some(_)) => true,
        (Some(p), None) if p != marker.profile => {
            return Nesting::Conflict(crate::support::text::clean(p));
        }
        (Some(_), None) => true,
    };
    if same && carries_credentials(parent) {
        Nesting::PassThrough
    } else {
        Nesting::Fresh
    }
}

/// Whether `env` holds credentials a child would use: an access key pair, or the container
/// credentials endpoint `exec --renew` sets.
fn carries_credentials(env: &Env) -> bool {
    let set = |name: &str| env.get(name).is_some_and(|v| !v.is_empty());
    (set("AWS_ACCESS_KEY_ID") && set("AWS_SECRET_ACCESS_KEY"))
        || set("AWS_CONTAINER_CREDENTIALS_FULL_URI")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::secret::Secret;
    use time::macros::datetime;

    #[test]
    fn static_environment_in_the_cli_order() {
        let c = Credentials {
            access_key_id: "ASIAX".into(),
            secret_access_key: Secret::new("sek"),
            session_token: Some(Secret::new("tok")),
            expiration: Some(datetime!(2026-11-26 11:00 UTC)),
            account_id: None,
        };
        let e = child_env(
            Supply::Static(&c),
            Some("eu-west-1"),
            &marker("dev", "ReadOnly"),
        );
        let names: Vec<_> = e.set.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            names,
            [
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN",
                "AWS_CREDENTIAL_EXPIRATION",
                "AWS_REGION",
                "AWS_DEFAULT_REGION",
                "SSOEXEC_PROFILE",
                "SSOEXEC_IDENTITY"
            ]
        );
        assert!(e.remove.contains(&"AWS_PROFILE") && !e.remove.contains(&"AWS_ACCESS_KEY_ID"));
        assert_eq!(e.set[3].1, "2026-11-26T11:00:00Z");
    }

    fn marker(profile: &str, role: &str) -> Marker {
        let target = SsoTarget {
            session: crate::config::SsoSession {
                name: Some("corp".into()),
                start_url: "https://x.awsapps.com/start".into(),
                region: "us-east-1".into(),
                scopes: None,
            },
            account_id: "111111111111".into(),
            role_name: role.into(),
        };
        Marker::new(profile.into(), &target, &[])
    }

    #[test]
    fn nesting_rules() {
        let dev = marker("dev", "ReadOnly");
        let admin = marker("dev", "Admin");
        let chained = Marker::new(
            "dev".into(),
            &SsoTarget {
                role_name: "Admin".into(),
                ..dev_target()
            },
            &["arn:aws:iam::222222222222:role/Deploy"],
        );
        let keys = [
            ("AWS_ACCESS_KEY_ID", "ASIA1"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
        ];
        let server = [("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/")];
        let id = admin.identity.as_str();
        let dev_admin = marker("dev-admin", "Admin");
        use Nesting::*;
        type Case<'a> = (Vec<(&'a str, &'a str)>, &'a Marker, Nesting);
        let cases: Vec<Case> = vec![
            (vec![("X", "1")], &dev, Fresh),
            (vec![(SSOEXEC_PROFILE, "dev")], &dev, Fresh), // no credentials: a stale marker
            (
                [&[(SSOEXEC_PROFILE, "dev")][..], &keys].concat(),
                &dev,
                PassThrough,
            ),
            (vec![(SSOEXEC_PROFILE, "dev"), keys[0]], &dev, Fresh), // half a key pair
            (
                vec![(SSOEXEC_PROFILE, "prod")],
                &dev,
                Conflict("prod".into()),
            ),
            (
                [
                    &[(SSOEXEC_PROFILE, "dev"), (SSOEXEC_IDENTITY, id)][..],
                    &keys,
                ]
                .concat(),
                &dev,
                Conflict(admin.to_string()),
            ),
            (
                [
                    &[(SSOEXEC_PROFILE, "dev"), (SSOEXEC_IDENTITY, id)][..],
                    &keys,
                ]
                .concat(),
                &admin,
                PassThrough,
            ),
            (
                [
                    &[(SSOEXEC_PROFILE, "dev"), (SSOEXEC_IDENTITY, id)][..],
                    &server,
                ]
                .concat(),
                &admin,
                PassThrough,
            ),
            // `ssx --unset` in an older ssx left the identity: no keys, so not passed through.
            (
                vec![(SSOEXEC_PROFILE, "dev"), (SSOEXEC_IDENTITY, id)],
                &admin,
                Fresh,
            ),
            // Another profile name for the very same identity is the same identity.
            (
                [
                    &[(SSOEXEC_PROFILE, "dev-admin"), (SSOEXEC_IDENTITY, id)][..],
                    &keys,
                ]
                .concat(),
                &dev_admin,
                PassThrough,
            ),
        ];
        for (pairs, ours, want) in cases {
            assert_eq!(
                nesting(&Env::from_pairs(pairs.clone()), ours),
                want,
                "{pairs:?}"
            );
        }
        let parent = Env::from_pairs([(SSOEXEC_PROFILE, "dev"), (SSOEXEC_IDENTITY, id)]);
        assert!(matches!(nesting(&parent, &chained), Conflict(_)));
    }

    fn dev_target() -> SsoTarget {
        SsoTarget {
            session: crate::config::SsoSession {
                name: Some("corp".into()),
                start_url: "https://x.awsapps.com/start".into(),
                region: "us-east-1".into(),
                scopes: None,
            },
            account_id: "111111111111".into(),
            role_name: "ReadOnly".into(),
        }
    }
}
