//! The `ExecCredential` a kubectl exec plugin prints (`docs/eks.md#execcredential`), and what the plugin
//! learns from `KUBERNETES_EXEC_INFO` (apiVersion, interactive). Pure: reads no env, no clock.
use super::token::EksToken;
use crate::cache::json::python_dumps;
use crate::support::clock::format_timestamp;
use serde::Serialize;

/// The `client.authentication.k8s.io` versions a plugin can answer with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiVersion {
    V1,
    V1Beta1,
    /// No longer accepted by current client-go; echoed back (with a warning) as the AWS CLI does.
    V1Alpha1,
}

impl ApiVersion {
    /// The default when kubectl did not say: what `aws eks get-token` answers with.
    pub const DEFAULT: ApiVersion = ApiVersion::V1Beta1;

    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => "client.authentication.k8s.io/v1",
            ApiVersion::V1Beta1 => "client.authentication.k8s.io/v1beta1",
            ApiVersion::V1Alpha1 => "client.authentication.k8s.io/v1alpha1",
        }
    }

    pub fn parse(s: &str) -> Option<ApiVersion> {
        [ApiVersion::V1, ApiVersion::V1Beta1, ApiVersion::V1Alpha1]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// What `KUBERNETES_EXEC_INFO` told us, and a note for stderr when it could not be used as is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecInfo {
    pub api_version: ApiVersion,
    /// `spec.interactive`: kubectl passed its stdin on, so a login may prompt. `None` when
    /// kubectl did not say (the variable is absent or unreadable).
    pub interactive: Option<bool>,
    pub note: Option<String>,
}

/// Reads `KUBERNETES_EXEC_INFO` (`None` when unset or empty).
pub fn read_exec_info(raw: Option<&str>) -> ExecInfo {
    let default = ApiVersion::DEFAULT.as_str();
    let fallback = |note: String| ExecInfo {
        api_version: ApiVersion::DEFAULT,
        interactive: None,
        note: Some(note),
    };
    let Some(raw) = raw else {
        return fallback(format!(
            "note: KUBERNETES_EXEC_INFO is not set (eks-token is meant to be run by kubectl); answering with {default}"
        ));
    };
    let value: serde_json::Value = match serde_json::from_str(raw) {
        Ok(v) => v,
        Err(e) => {
            return fallback(format!(
                "note: cannot parse KUBERNETES_EXEC_INFO ({e}); answering with {default}"
            ));
        }
    };
    let interactive = value
        .pointer("/spec/interactive")
        .and_then(serde_json::Value::as_bool);
    let asked = value.get("apiVersion").and_then(serde_json::Value::as_str);
    match asked.and_then(ApiVersion::parse) {
        Some(ApiVersion::V1Alpha1) => ExecInfo {
            api_version: ApiVersion::V1Alpha1,
            interactive,
            note: Some(format!(
                "warning: kubectl asked for {}, which current kubectl versions reject; configure {} or {} in the kubeconfig",
                ApiVersion::V1Alpha1.as_str(),
                ApiVersion::V1.as_str(),
                ApiVersion::V1Beta1.as_str()
            )),
        },
        Some(api_version) => ExecInfo {
            api_version,
            interactive,
            note: None,
        },
        None => ExecInfo {
            api_version: ApiVersion::DEFAULT,
            interactive,
            note: Some(format!(
                "note: unrecognized apiVersion {} in KUBERNETES_EXEC_INFO; answering with {default}",
                asked.map_or_else(|| "(none)".to_string(), |a| format!("{a:?}"))
            )),
        },
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document<'a> {
    kind: &'static str,
    api_version: &'static str,
    spec: Spec,
    status: Status<'a>,
}

#[derive(Serialize)]
struct Spec {}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Status<'a> {
    expiration_timestamp: String,
    token: &'a str,
}

/// The document, byte for byte as `aws eks get-token` (CLI v2) prints it: `json.dumps` spacing,
/// keys in its order, `spec: {}`, UTC second-precision expiry, one trailing newline.
pub fn render(api_version: ApiVersion, token: &EksToken) -> Vec<u8> {
    let doc = Document {
        kind: "ExecCredential",
        api_version: api_version.as_str(),
        spec: Spec {},
        status: Status {
            expiration_timestamp: format_timestamp(token.expires_at),
            token: token.token.expose(),
        },
    };
    let mut out = python_dumps(&doc);
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::secret::Secret;
    use time::macros::datetime;

    #[test]
    fn renders_the_aws_cli_v2_bytes() {
        let fixture = include_str!("../../tests/fixtures/awscli/awscli2_eks_get_token.json");
        let v: serde_json::Value = serde_json::from_str(fixture).unwrap();
        let token = EksToken {
            token: Secret::new(v["status"]["token"].as_str().unwrap()),
            expires_at: datetime!(2026-11-26 09:33:26 UTC),
        };
        assert_eq!(
            String::from_utf8(render(ApiVersion::V1Beta1, &token)).unwrap(),
            fixture
        );
    }

    #[test]
    fn exec_info_versions_and_notes() {
        let v1 = read_exec_info(Some(
            "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\",\"spec\":{\"interactive\":true}}\n",
        ));
        assert_eq!(
            (v1.api_version, v1.interactive, v1.note),
            (ApiVersion::V1, Some(true), None)
        );
        let beta = read_exec_info(Some(
            r#"{"apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":false}}"#,
        ));
        assert_eq!(
            (beta.api_version, beta.interactive),
            (ApiVersion::V1Beta1, Some(false))
        );
        assert!(beta.note.is_none());
        let absent = read_exec_info(None);
        assert_eq!(
            (absent.api_version, absent.interactive),
            (ApiVersion::V1Beta1, None)
        );
        assert!(
            absent
                .note
                .unwrap()
                .contains("KUBERNETES_EXEC_INFO is not set")
        );
        let garbage = read_exec_info(Some("{not json"));
        assert_eq!(garbage.api_version, ApiVersion::V1Beta1);
        assert!(
            garbage
                .note
                .unwrap()
                .starts_with("note: cannot parse KUBERNETES_EXEC_INFO")
        );
        let odd = read_exec_info(Some(
            r#"{"apiVersion":"client.authentication.k8s.io/v2","spec":{"interactive":false}}"#,
        ));
        assert_eq!(
            (odd.api_version, odd.interactive),
            (ApiVersion::V1Beta1, Some(false))
        );
        assert!(
            odd.note
                .unwrap()
                .contains("\"client.authentication.k8s.io/v2\"")
        );
        let alpha = read_exec_info(Some(
            r#"{"apiVersion":"client.authentication.k8s.io/v1alpha1"}"#,
        ));
        assert_eq!(alpha.api_version, ApiVersion::V1Alpha1);
        assert!(alpha.note.is_some());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any text in KUBERNETES_EXEC_INFO yields an answer (with a note when unusable): no panic.
        #[test]
        fn any_exec_info_is_answered(raw in "\\PC{0,200}") {
            let info = read_exec_info(Some(&raw));
            prop_assert!(info.note.is_some() || ApiVersion::parse(info.api_version.as_str()).is_some());
        }

        /// What client-go sends is read back exactly.
        #[test]
        fn client_go_documents_round_trip(v1 in any::<bool>(), interactive in any::<bool>(), newline in any::<bool>()) {
            let api = if v1 { ApiVersion::V1 } else { ApiVersion::V1Beta1 };
            let raw = format!(
                "{{\"kind\":\"ExecCredential\",\"apiVersion\":\"{}\",\"spec\":{{\"interactive\":{interactive}}}}}{}",
                api.as_str(),
                if newline { "\n" } else { "" }
            );
            let info = read_exec_info(Some(&raw));
            prop_assert_eq!(info.api_version, api);
            prop_assert_eq!(info.interactive, Some(interactive));
            prop_assert_eq!(info.note, None);
        }
    }
}
