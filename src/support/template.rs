//! Name templates (`{account_name}.{role_name}`): placeholders in braces, replaced from a fixed
//! list of names. Pure; an unknown placeholder or an unclosed brace is an error naming it.

/// Checks `template` against the placeholder names it may use, before any value is known.
pub fn validate(template: &str, allowed: &[&str]) -> Result<(), String> {
    let values: Vec<(&str, &str)> = allowed.iter().map(|k| (*k, "")).collect();
    render(template, &values).map(|_| ())
}

/// `template` with every `{name}` replaced by its value in `values`.
pub fn render(template: &str, values: &[(&str, &str)]) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("unclosed `{{` in {template:?}"))?;
        let name = &after[..close];
        let value = values
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let names: Vec<String> = values.iter().map(|(k, _)| format!("{{{k}}}")).collect();
                format!(
                    "unknown placeholder {{{name}}} in {template:?} (use {})",
                    names.join(", ")
                )
            })?;
        out.push_str(value);
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err(format!("unmatched `}}` in {template:?}"));
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_rejects() {
        let v = [("a", "x"), ("b", "y")];
        assert_eq!(render("{a}.{b}-{a}", &v).unwrap(), "x.y-x");
        assert_eq!(render("plain", &v).unwrap(), "plain");
        assert_eq!(
            render("{c}", &v).unwrap_err(),
            "unknown placeholder {c} in \"{c}\" (use {a}, {b})"
        );
        assert!(render("{a", &v).is_err());
        assert!(render("a}", &v).is_err());
        assert!(validate("{a}/{b}", &["a", "b"]).is_ok());
    }
}
