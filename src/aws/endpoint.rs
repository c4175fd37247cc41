//! Endpoint resolution for the AWS services ssoexec calls, in the AWS order (`docs/config.md#endpoint-overrides`):
//! `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, `[services]` section, profile `endpoint_url`,
//! then the regional default. Pure.
use crate::config::ConfigError;
use crate::settings::Settings;
use crate::support::env::{self, Env};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    SsoOidc,
    Sso,
    Sts,
    Eks,
}

impl Service {
    fn env_var(self) -> &'static str {
        match self {
            Service::SsoOidc => env::AWS_ENDPOINT_URL_SSO_OIDC,
            Service::Sso => env::AWS_ENDPOINT_URL_SSO,
            Service::Sts => env::AWS_ENDPOINT_URL_STS,
            Service::Eks => env::AWS_ENDPOINT_URL_EKS,
        }
    }

    fn services_key(self) -> &'static str {
        match self {
            Service::SsoOidc => "sso_oidc",
            Service::Sso => "sso",
            Service::Sts => "sts",
            Service::Eks => "eks",
        }
    }

    fn host_prefix(self) -> &'static str {
        match self {
            Service::SsoOidc => "oidc",
            Service::Sso => "portal.sso",
            Service::Sts => "sts",
            Service::Eks => "eks",
        }
    }
}

/// The DNS suffix of a region's partition.
pub fn dns_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else if region.starts_with("eusc-") {
        "amazonaws.eu"
    } else {
        "amazonaws.com"
    }
}

/// The regional default endpoint, e.g. `https://oidc.eu-west-1.amazonaws.com`.
pub fn default_url(service: Service, region: &str) -> String {
    format!(
        "https://{}.{region}.{}",
        service.host_prefix(),
        dns_suffix(region)
    )
}

/// The base URL (no trailing slash) to call `service` in `region`.
pub fn resolve(
    settings: &Settings,
    env: &Env,
    service: Service,
    region: &str,
) -> Result<String, ConfigError> {
    let ignore = env.flag(env::AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)
        || settings
            .profile_value("ignore_configured_endpoint_urls")
            .is_some_and(|v| env::is_truthy(&v));
    if !ignore {
        if let Some(url) = env
            .get(service.env_var())
            .or_else(|| env.get(env::AWS_ENDPOINT_URL))
        {
            return Ok(trim(url));
        }
        if let Some(name) = settings.services_section() {
            let section = settings.config.config.services.get(&name).ok_or_else(|| {
                ConfigError::ServicesNotFound {
                    profile: settings.profile_name().unwrap_or_default().into(),
                    services: name.clone(),
                    path: settings.config.config.path.clone(),
                }
            })?;
            if let Some(url) = section
                .get(service.services_key())
                .and_then(|s| s.get("endpoint_url"))
            {
                return Ok(trim(url));
            }
        }
        if let Some(url) = settings.profile_value("endpoint_url") {
            return Ok(trim(&url));
        }
    }
    Ok(default_url(service, region))
}

fn trim(url: &str) -> String {
    url.trim().trim_end_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regional_defaults() {
        assert_eq!(
            default_url(Service::SsoOidc, "us-east-1"),
            "https://oidc.us-east-1.amazonaws.com"
        );
        assert_eq!(
            default_url(Service::Sso, "eu-west-1"),
            "https://portal.sso.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            default_url(Service::Sts, "cn-north-1"),
            "https://sts.cn-north-1.amazonaws.com.cn"
        );
    }
}
