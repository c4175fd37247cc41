//! Edits the text of an AWS config file by section spans, so every byte it is not asked to change
//! (comments, order, blank lines, spacing, line endings) stays as it was. Knows the managed blocks
//! `ssoexec generate` writes. Pure: text in, text out; no file access.

/// First line of a managed block; the sso-session name follows.
pub const BEGIN: &str = "# BEGIN ssoexec generate sso-session=";
/// Last line of a managed block; the sso-session name follows.
pub const END: &str = "# END ssoexec generate sso-session=";

/// What a `[...]` header names, as botocore reads it (`docs/config.md#ini-dialect`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SectionKind {
    Profile(String),
    SsoSession(String),
    Other(String),
}

/// One section of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub kind: SectionKind,
    /// Byte offset of the header line.
    pub start: usize,
    /// Byte offset just after the last key line (blank lines and comments after it are not part
    /// of the section: they usually introduce the next one).
    pub body_end: usize,
    /// 1-based line number of the header.
    pub line: usize,
    /// The sso-session of the managed block the section is in.
    pub block: Option<String>,
}

/// A managed block, markers included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub session: String,
    /// Start of the BEGIN line.
    pub start: usize,
    /// Just after the END line.
    pub end: usize,
    /// 1-based line number of the BEGIN line.
    pub line: usize,
}

/// The sections and managed blocks of a file.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    pub sections: Vec<Span>,
    pub blocks: Vec<Block>,
}

/// A managed block that is not well formed (the file is not edited then).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("line {line}: {why}")]
pub struct BlockError {
    pub line: usize,
    pub why: String,
}

impl Layout {
    pub fn block(&self, session: &str) -> Option<&Block> {
        self.blocks.iter().find(|b| b.session == session)
    }

    /// Profiles by name, in file order.
    pub fn profiles(&self) -> impl Iterator<Item = (&str, &Span)> {
        self.sections.iter().filter_map(|s| match &s.kind {
            SectionKind::Profile(n) => Some((n.as_str(), s)),
            _ => None,
        })
    }

    pub fn profile(&self, name: &str) -> Option<&Span> {
        self.profiles().find(|(n, _)| *n == name).map(|(_, s)| s)
    }

    pub fn session(&self, name: &str) -> Option<&Span> {
        self.sections
            .iter()
            .find(|s| s.kind == SectionKind::SsoSession(name.to_string()))
    }
}

/// Classifies a header's inside (`profile dev`), as `config::file` does.
pub fn classify(header: &str) -> SectionKind {
    if let Some(name) = super::file::profile_of_header(header) {
        return SectionKind::Profile(name);
    }
    if let Some(name) = super::file::session_of_header(header) {
        return SectionKind::SsoSession(name);
    }
    SectionKind::Other(header.to_string())
}

/// The header line of profile `name` (`[default]` for the default profile).
pub fn profile_header(name: &str) -> String {
    if name == "default" {
        "[default]".into()
    } else {
        format!("[profile {name}]")
    }
}

/// Finds the sections and managed blocks of `text`.
pub fn scan(text: &str) -> Result<Layout, BlockError> {
    let mut layout = Layout::default();
    let mut open: Option<Block> = None;
    let mut current: Option<Span> = None;
    // The indent of the last key line: a deeper line continues its value, even one like `[x]`.
    let mut key_indent: Option<usize> = None;
    for (i, (start, content_end, end)) in super::ini::lines(text).enumerate() {
        let number = i + 1;
        let offset = start;
        let raw = &text[start..content_end];
        let trimmed = super::ini::py_strip(raw);
        let indent = raw
            .chars()
            .take_while(|c| super::ini::is_py_space(*c))
            .count();
        let continues = key_indent.is_some_and(|k| indent > k);
        if let Some(name) = trimmed.strip_prefix(BEGIN) {
            layout.sections.extend(current.take());
            if let Some(b) = &open {
                return Err(BlockError {
                    line: number,
                    why: format!("a managed block starts inside the block for {}", b.session),
                });
            }
            let session = name.trim().to_string();
            if layout.block(&session).is_some() {
                return Err(BlockError {
                    line: number,
                    why: format!("a second managed block for sso-session {session}"),
                });
            }
            open = Some(Block {
                session,
                start: offset,
                end,
                line: number,
            });
        } else if let Some(name) = trimmed.strip_prefix(END) {
            layout.sections.extend(current.take());
            match open.take() {
                Some(mut b) if b.session == name.trim() => {
                    b.end = end;
                    layout.blocks.push(b);
                }
                _ => {
                    return Err(BlockError {
                        line: number,
                        why: format!("`{trimmed}` has no matching BEGIN line"),
                    });
                }
            }
        } else if let Some(inside) = header(trimmed).filter(|_| !continues) {
            key_indent = None;
            layout.sections.extend(current.take());
            current = Some(Span {
                kind: classify(inside),
                start: offset,
                body_end: end,
                line: number,
                block: open.as_ref().map(|b| b.session.clone()),
            });
        } else if !trimmed.is_empty()
            && !trimmed.starts_with('#')
            && !trimmed.starts_with(';')
            && let Some(s) = &mut current
        {
            if !continues {
                key_indent = Some(indent);
            }
            s.body_end = end;
        }
    }
    layout.sections.extend(current.take());
    if let Some(b) = open {
        return Err(BlockError {
            line: b.line,
            why: format!("the managed block for {} has no END line", b.session),
        });
    }
    Ok(layout)
}

/// The inside of a `[header]` line (trimmed), as configparser matches it: from the first `[` to
/// the last `]`, at least one character.
fn header(trimmed: &str) -> Option<&str> {
    let inner = trimmed.strip_prefix('[')?;
    let end = inner.rfind(']').filter(|e| *e > 0)?;
    Some(&inner[..end])
}

/// The newline the file uses (CRLF when its first line ends so).
fn newline(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// `chunk` (written with `\n`) in the file's newline style.
fn styled(text: &str, chunk: &str) -> String {
    match newline(text) {
        "\n" => chunk.to_string(),
        nl => chunk.replace('\n', nl),
    }
}

/// `text` with `chunk` appended after one blank line.
pub fn append(text: &str, chunk: &str) -> String {
    let chunk = styled(text, chunk);
    let nl = newline(text);
    let mut out = text.to_string();
    if !out.is_empty() {
        if !out.ends_with('\n') {
            out.push_str(nl);
        }
        if !out.ends_with(&format!("{nl}{nl}")) && out != nl {
            out.push_str(nl);
        }
    }
    out.push_str(&chunk);
    out
}

/// `text` with the section at `span` replaced by `section` (header and keys, ending in `\n`).
pub fn replace_section(text: &str, span: &Span, section: &str) -> String {
    let mut out = String::with_capacity(text.len() + section.len());
    out.push_str(&text[..span.start]);
    out.push_str(&styled(text, section));
    out.push_str(&text[span.body_end..]);
    out
}

/// `text` with the managed block of `session` holding `inner` (sections, `\n` line ends): in
/// place when the block exists, else appended at the end.
pub fn set_block(text: &str, layout: &Layout, session: &str, inner: &str) -> String {
    let block = format!("{BEGIN}{session}\n{inner}{END}{session}\n");
    match layout.block(session) {
        Some(b) => {
            let mut out = String::with_capacity(text.len() + block.len());
            out.push_str(&text[..b.start]);
            out.push_str(&styled(text, &block));
            out.push_str(&text[b.end..]);
            out
        }
        None => append(text, &block),
    }
}

/// `text` with the managed block of `session` removed (markers included).
pub fn remove_block(text: &str, layout: &Layout, session: &str) -> String {
    match layout.block(session) {
        Some(b) => format!("{}{}", &text[..b.start], &text[b.end..]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# mine\n[default]\nregion = eu-west-1\n\n; about dev\n[profile dev]\nsso_session = corp\n  # inner\nsso_role_name = R\n\n\n[sso-session corp]\nsso_start_url = https://x\n";

    #[test]
    fn scans_spans() {
        let l = scan(TEXT).unwrap();
        let kinds: Vec<_> = l.sections.iter().map(|s| (&s.kind, s.line)).collect();
        assert_eq!(
            kinds,
            [
                (&SectionKind::Profile("default".into()), 2),
                (&SectionKind::Profile("dev".into()), 6),
                (&SectionKind::SsoSession("corp".into()), 12),
            ]
        );
        let dev = l.profile("dev").unwrap();
        assert_eq!(
            &TEXT[dev.start..dev.body_end],
            "[profile dev]\nsso_session = corp\n  # inner\nsso_role_name = R\n"
        );
    }

    #[test]
    fn replacing_keeps_every_other_byte() {
        let l = scan(TEXT).unwrap();
        let out = replace_section(
            TEXT,
            l.profile("dev").unwrap(),
            "[profile dev]\nregion = x\n",
        );
        assert_eq!(
            out,
            "# mine\n[default]\nregion = eu-west-1\n\n; about dev\n[profile dev]\nregion = x\n\n\n[sso-session corp]\nsso_start_url = https://x\n"
        );
    }

    #[test]
    fn appends_after_one_blank_line() {
        assert_eq!(append("", "[a]\n"), "[a]\n");
        assert_eq!(append("[x]\nk=v", "[a]\n"), "[x]\nk=v\n\n[a]\n");
        assert_eq!(append("[x]\n\n", "[a]\n"), "[x]\n\n[a]\n");
        assert_eq!(
            append("[x]\r\nk=v\r\n", "[a]\nb=c\n"),
            "[x]\r\nk=v\r\n\r\n[a]\r\nb=c\r\n"
        );
    }

    #[test]
    fn blocks_in_place() {
        let text = "[profile a]\nx=1\n\n# BEGIN ssoexec generate sso-session=corp\n[profile g]\ny=2\n# END ssoexec generate sso-session=corp\n\n[profile z]\n";
        let l = scan(text).unwrap();
        assert_eq!(l.profile("g").unwrap().block.as_deref(), Some("corp"));
        assert_eq!(l.profile("z").unwrap().block, None);
        let out = set_block(text, &l, "corp", "[profile h]\n");
        assert_eq!(
            out,
            "[profile a]\nx=1\n\n# BEGIN ssoexec generate sso-session=corp\n[profile h]\n# END ssoexec generate sso-session=corp\n\n[profile z]\n"
        );
        let out = set_block(text, &l, "other", "[profile o]\n");
        assert!(out.starts_with(text));
        assert!(out.ends_with("\n\n# BEGIN ssoexec generate sso-session=other\n[profile o]\n# END ssoexec generate sso-session=other\n"));
    }

    #[test]
    fn lines_and_headers_as_botocore_reads_them() {
        let l = scan("[profile a]\rregion = x\r  [profile hidden]\r[profile b] tail\r\n").unwrap();
        let names: Vec<_> = l.profiles().map(|(n, s)| (n, s.line)).collect();
        assert_eq!(names, [("a", 1), ("b", 4)]);
        assert_eq!(
            l.profile("a").unwrap().body_end,
            "[profile a]\rregion = x\r  [profile hidden]\r".len()
        );
    }

    #[test]
    fn malformed_blocks_are_errors() {
        for (bad, line) in [
            ("# BEGIN ssoexec generate sso-session=a\n", 1),
            ("# END ssoexec generate sso-session=a\n", 1),
            (
                "# BEGIN ssoexec generate sso-session=a\n# BEGIN ssoexec generate sso-session=b\n",
                2,
            ),
            (
                "# BEGIN ssoexec generate sso-session=a\n# END ssoexec generate sso-session=b\n",
                2,
            ),
        ] {
            assert_eq!(scan(bad).unwrap_err().line, line, "{bad}");
        }
    }
}
