//! A docker compose override file (`docker compose -f compose.yaml -f aws.override.yaml`) that
//! sets the AWS variables in the `environment` of each service named with `--service`. Written
//! with serde_yaml, in the list form (`- AWS_REGION=eu-west-1`): a plain YAML scalar such as the
//! expiry `2026-01-01T00:00:00+00:00` would be read by compose as a timestamp in the mapping
//! form, while an item starting `AWS_…=` is always a string. `$` is doubled because compose
//! interpolates compose files. An existing override keeps everything but the AWS keys this
//! format owns; an `environment` mapping becomes the equivalent list (comments are lost: the file
//! is re-emitted from its parsed form). Does no I/O.
use super::{Format, OutputContext, OutputError, owned_variables, unrepresentable, variables};
use serde_yaml::{Mapping, Value};
use std::io::Write;

pub struct ComposeOverride {
    pub services: Vec<String>,
    /// The file's current content, merged into.
    pub existing: Option<String>,
}

impl Format for ComposeOverride {
    fn write(&self, ctx: &OutputContext<'_>, out: &mut dyn Write) -> Result<(), OutputError> {
        if self.services.is_empty() {
            return Err(OutputError::Missing {
                format: "compose-override",
                why: "needs at least one --service NAME to inject the variables into".into(),
            });
        }
        let mut entries = Vec::new();
        for v in variables(ctx) {
            if v.value.contains('\0') {
                return Err(unrepresentable(
                    "compose-override",
                    v.name,
                    "an environment variable cannot hold a NUL byte",
                ));
            }
            entries.push((v.name, v.value.replace('$', "$$")));
        }
        let owned = owned_variables(ctx);
        let mut doc = match self.existing.as_deref().filter(|t| !t.trim().is_empty()) {
            Some(text) => serde_yaml::from_str::<Value>(text).map_err(|e| OutputError::Merge {
                why: format!("it is not YAML ({e})"),
            })?,
            None => Value::Mapping(Mapping::new()),
        };
        let root = as_mapping(&mut doc, "the file")?;
        let services = as_mapping(entry(root, "services"), "`services`")?;
        for name in &self.services {
            let service = as_mapping(entry(services, name), &format!("service `{name}`"))?;
            set_environment(entry(service, "environment"), name, &owned, &entries)?;
        }
        let text =
            serde_yaml::to_string(&doc).map_err(|e| OutputError::Io(std::io::Error::other(e)))?;
        out.write_all(text.as_bytes())?;
        Ok(())
    }
}

/// The value under `key`, inserted as null when absent.
fn entry<'m>(map: &'m mut Mapping, key: &str) -> &'m mut Value {
    let key = Value::String(key.to_string());
    if !map.contains_key(&key) {
        map.insert(key.clone(), Value::Null);
    }
    map.get_mut(&key).expect("just inserted")
}

/// `value` as a mapping; null becomes an empty one.
fn as_mapping<'v>(value: &'v mut Value, what: &str) -> Result<&'v mut Mapping, OutputError> {
    if value.is_null() {
        *value = Value::Mapping(Mapping::new());
    }
    match value {
        Value::Mapping(m) => Ok(m),
        _ => Err(OutputError::Merge {
            why: format!("{what} is not a YAML mapping"),
        }),
    }
}

/// Replaces the owned keys of an `environment` given as a mapping or as a `KEY=VALUE` list; the
/// result is a list.
fn set_environment(
    env: &mut Value,
    service: &str,
    owned: &[&str],
    entries: &[(&str, String)],
) -> Result<(), OutputError> {
    let not_env = || OutputError::Merge {
        why: format!(
            "`environment` of service `{service}` is neither a mapping nor a list of strings"
        ),
    };
    let mut items: Vec<Value> = match std::mem::take(env) {
        Value::Null => Vec::new(),
        Value::Sequence(items) => items,
        Value::Mapping(m) => m
            .into_iter()
            .map(|(k, v)| list_item(k, v))
            .collect::<Option<_>>()
            .ok_or_else(not_env)?,
        _ => return Err(not_env()),
    };
    items.retain(|item| {
        let key = item
            .as_str()
            .map(|s| s.split_once('=').map_or(s, |(k, _)| k));
        !key.is_some_and(|k| owned.contains(&k))
    });
    for (name, value) in entries {
        items.push(Value::String(format!("{name}={value}")));
    }
    *env = Value::Sequence(items);
    Ok(())
}

/// A mapping entry of `environment` as the list item compose reads the same way (`KEY: null`
/// and a bare `KEY` both take the value from the shell).
fn list_item(key: Value, value: Value) -> Option<Value> {
    let key = key.as_str()?;
    let value = match value {
        Value::Null => return Some(Value::String(key.to_string())),
        Value::String(s) => s,
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    Some(Value::String(format!("{key}={value}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::testing::*;

    #[test]
    fn whole_output() {
        let c = plain();
        let f = ComposeOverride {
            services: vec!["app".into(), "worker".into()],
            existing: None,
        };
        let env = "    environment:\n    - AWS_ACCESS_KEY_ID=ASIAFAKEPORTAL000001\n    - AWS_SECRET_ACCESS_KEY=fakeportalsecret/+=000000000000000000000\n    - AWS_SESSION_TOKEN=FAKE//session+token==\n    - AWS_CREDENTIAL_EXPIRATION=2026-11-26T10:19:25+00:00\n";
        assert_eq!(
            render(&f, &ctx(&c, None)).unwrap(),
            format!("services:\n  app:\n{env}  worker:\n{env}")
        );
    }

    #[test]
    fn needs_a_service() {
        let c = plain();
        let e = render(
            &ComposeOverride {
                services: vec![],
                existing: None,
            },
            &ctx(&c, None),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "the compose-override format needs at least one --service NAME to inject the variables into"
        );
    }

    #[test]
    fn merges_into_maps_and_lists_and_keeps_the_rest() {
        let c = credentials("a$b", None);
        let existing = "services:\n  app:\n    image: x\n    environment:\n      DEBUG: '1'\n      AWS_SESSION_TOKEN: stale\n      N: 2\n      T: true\n      INHERITED:\n  web:\n    environment:\n      - PORT=80\n      - AWS_ACCESS_KEY_ID=old\nvolumes:\n  data: {}\n";
        let f = ComposeOverride {
            services: vec!["app".into(), "web".into()],
            existing: Some(existing.into()),
        };
        let doc: Value = serde_yaml::from_str(&render(&f, &ctx(&c, None)).unwrap()).unwrap();
        let env = |s: &str| -> Vec<String> {
            doc["services"][s]["environment"]
                .as_sequence()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(doc["services"]["app"]["image"], "x");
        let added = [
            "AWS_ACCESS_KEY_ID=ASIAFAKEPORTAL000001",
            "AWS_SECRET_ACCESS_KEY=a$$b",
            "AWS_CREDENTIAL_EXPIRATION=2026-11-26T10:19:25+00:00",
        ];
        assert_eq!(
            env("app"),
            [&["DEBUG=1", "N=2", "T=true", "INHERITED"][..], &added].concat()
        );
        assert_eq!(env("web"), [&["PORT=80"][..], &added].concat());
        assert!(doc["volumes"]["data"].is_mapping());
        let bad = ComposeOverride {
            services: vec!["app".into()],
            existing: Some("- just\n- a list\n".into()),
        };
        assert!(matches!(
            render(&bad, &ctx(&c, None)),
            Err(OutputError::Merge { .. })
        ));
    }
}
