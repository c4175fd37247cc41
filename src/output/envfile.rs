//! Reading `.env`-style files just far enough to merge into them: which statements assign which
//! key, where a quoted value may span lines. The dotenv and compose formats use it to replace
//! the keys they own and keep every other line byte for byte. Pure.

/// One statement of an env file: its text (with its line ending) and the key it assigns, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement<'a> {
    pub text: &'a str,
    pub key: Option<&'a str>,
}

/// Splits `text` into statements. Comments, blank lines and lines that are not assignments have
/// no key. A value opened with `'`, `"` or `` ` `` runs to its closing quote (a backslash escapes
/// the next character, as python-dotenv, npm dotenv and compose read it), across lines.
pub fn statements(text: &str) -> Vec<Statement<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let (end, key) = statement_at(text, pos);
        out.push(Statement {
            text: &text[pos..end],
            key,
        });
        pos = end;
    }
    out
}

/// End of the line that contains `pos` (just past its `\n`, or the end of the text).
fn line_end(bytes: &[u8], pos: usize) -> usize {
    bytes[pos..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| pos + i + 1)
}

fn skip_blanks(bytes: &[u8], mut pos: usize) -> usize {
    while pos < bytes.len() && (bytes[pos] == b' ' || bytes[pos] == b'\t') {
        pos += 1;
    }
    pos
}

fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '[' | ']')
}

fn statement_at(text: &str, start: usize) -> (usize, Option<&str>) {
    let bytes = text.as_bytes();
    let eol = line_end(bytes, start);
    let mut pos = skip_blanks(bytes, start);
    if let Some(rest) = text[pos..].strip_prefix("export")
        && rest.starts_with([' ', '\t'])
    {
        pos = skip_blanks(bytes, pos + "export".len());
    }
    let key_len = text[pos..]
        .find(|c: char| !is_key_char(c))
        .unwrap_or(text.len() - pos);
    if key_len == 0 {
        return (eol, None);
    }
    let key = &text[pos..pos + key_len];
    pos = skip_blanks(bytes, pos + key_len);
    match bytes.get(pos) {
        Some(b'=' | b':') => pos += 1,
        None | Some(b'\n' | b'\r') => return (eol, Some(key)),
        Some(_) => return (eol, None),
    }
    pos = skip_blanks(bytes, pos);
    let Some(&quote @ (b'\'' | b'"' | b'`')) = bytes.get(pos) else {
        return (eol, Some(key));
    };
    let mut i = pos + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return (line_end(bytes, i), Some(key)),
            _ => i += 1,
        }
    }
    // Unterminated: the parsers reject it; treat it as one line so the rest is kept.
    (eol, Some(key))
}

/// `existing` with every statement that assigns one of `owned` removed and `block` (complete
/// lines) put where the first of them was, or appended when there was none.
pub fn merge(existing: &str, owned: &[&str], block: &str) -> String {
    let mut out = String::with_capacity(existing.len() + block.len());
    let mut placed = false;
    for s in statements(existing) {
        if s.key.is_some_and(|k| owned.contains(&k)) {
            if !placed {
                out.push_str(block);
                placed = true;
            }
            continue;
        }
        out.push_str(s.text);
    }
    if !placed {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(block);
    }
    out
}

/// The `NAME=<quoted>` lines of every variable, merged into `existing` when there is one: the
/// shared body of the env-file formats, which differ only in how they quote.
pub fn render(
    ctx: &super::OutputContext<'_>,
    existing: Option<&str>,
    format: &'static str,
    quote: fn(&str) -> Result<String, &'static str>,
) -> Result<String, super::OutputError> {
    let mut block = String::new();
    for v in super::variables(ctx) {
        let value = quote(&v.value).map_err(|why| super::unrepresentable(format, v.name, why))?;
        block.push_str(&format!("{}={value}\n", v.name));
    }
    Ok(match existing {
        Some(existing) => merge(existing, &super::owned_variables(ctx), &block),
        None => block,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn keys(text: &str) -> Vec<Option<&str>> {
        statements(text).into_iter().map(|s| s.key).collect()
    }

    #[test]
    fn finds_keys_across_the_forms_users_write() {
        let text = "# comment\n\nexport A=1\n  B = '2'\nC: 3\nD=\"multi\nline\" # c\nE\nnot an assignment\nF='x\\'y'\n";
        assert_eq!(
            keys(text),
            [
                None,
                None,
                Some("A"),
                Some("B"),
                Some("C"),
                Some("D"),
                Some("E"),
                None,
                Some("F")
            ]
        );
        let pieces: Vec<_> = statements(text).into_iter().map(|s| s.text).collect();
        assert_eq!(pieces.concat(), text);
        assert_eq!(pieces[5], "D=\"multi\nline\" # c\n");
    }

    #[test]
    fn merge_replaces_owned_keys_in_place_and_keeps_the_rest() {
        let existing = "# app settings\nDEBUG=1\nAWS_ACCESS_KEY_ID=old\nAWS_SESSION_TOKEN='old\ntoken'\nPORT=8080\n";
        let merged = merge(
            existing,
            &["AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN"],
            "AWS_ACCESS_KEY_ID=new\n",
        );
        assert_eq!(
            merged,
            "# app settings\nDEBUG=1\nAWS_ACCESS_KEY_ID=new\nPORT=8080\n"
        );
        assert_eq!(merge("DEBUG=1", &["A"], "A=1\n"), "DEBUG=1\nA=1\n");
        assert_eq!(merge("", &["A"], "A=1\n"), "A=1\n");
    }

    proptest! {
        /// Statements always tile the text exactly, whatever it is.
        #[test]
        fn statements_tile_any_text(text in "(?s).{0,200}") {
            let joined: String = statements(&text).into_iter().map(|s| s.text).collect();
            prop_assert_eq!(joined, text);
        }
    }
}
