//! The INI layer of the shared config files, as botocore reads them: Python's
//! `configparser.RawConfigParser` with its defaults (`docs/config.md#ini-dialect`). A line ends at
//! `\n`, `\r\n` or a lone `\r` (Python's universal newlines); whitespace is Python's; a line that
//! is not a header, a `key = value`, a comment or a continuation refuses the whole file, as do a
//! repeated section or key. Pure: text in, sections out.

/// Python's `str.isspace`: Rust's whitespace plus the separators `\x1c`..`\x1f`.
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// `s.strip()` in Python.
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// The lines of `text` with their byte ranges: `(start, content end, end after the line ending)`.
/// A line ends at `\n`, `\r\n` or a lone `\r`, as Python's text files read.
pub fn lines(text: &str) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let from = start;
        let mut i = from;
        while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
            i += 1;
        }
        let end = match bytes.get(i) {
            Some(b'\r') if bytes.get(i + 1) == Some(&b'\n') => i + 2,
            Some(_) => i + 1,
            None => i,
        };
        start = end;
        Some((from, i, end))
    })
}

/// What is wrong at a line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Syntax {
    #[error("a key comes before the first [section] header")]
    BeforeSection,
    #[error("the file starts with a byte order mark (U+FEFF), which the AWS CLI cannot read")]
    ByteOrderMark,
    #[error("section [{name}] appears twice (first at line {first})")]
    DuplicateSection { name: String, first: usize },
    #[error("key {key:?} appears twice in section [{section}] (first at line {first})")]
    DuplicateKey {
        key: String,
        section: String,
        first: usize,
    },
    #[error(
        "the line is not `key = value`, a [section] header, a comment or an indented continuation"
    )]
    NotKeyValue,
    #[error("the line has `=` or `:` but no key before it")]
    NoKey,
    #[error("the nested setting under key {key:?} of section [{section}] has no `=`")]
    Nested { key: String, section: String },
}

/// A [`Syntax`] fault and its 1-based line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {syntax}")]
pub struct SyntaxError {
    pub line: usize,
    pub syntax: Syntax,
}

/// One `key = value` (continuation lines joined with `\n`), with the line of the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub key: String,
    pub value: String,
    pub line: usize,
    /// The line of each value line (the key's line first), for nested settings.
    value_lines: Vec<usize>,
}

/// One `[header]` and its items, in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawSection {
    pub header: String,
    pub line: usize,
    pub items: Vec<Item>,
}

/// A parsed file: `[DEFAULT]` items (configparser gives them to every section) and the sections.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ini {
    pub defaults: Vec<Item>,
    pub sections: Vec<RawSection>,
}

/// configparser's name for the section whose keys every other section inherits.
const DEFAULT_SECTION: &str = "DEFAULT";

struct Parser {
    ini: Ini,
    /// Index into `ini.sections`, or `None` for `[DEFAULT]`; outer `None` before any header.
    current: Option<Option<usize>>,
    /// The item continuation lines append to.
    item: Option<usize>,
    indent: usize,
    first_error: Option<SyntaxError>,
}

impl Parser {
    fn items(&mut self) -> Option<&mut Vec<Item>> {
        match self.current? {
            None => Some(&mut self.ini.defaults),
            Some(i) => Some(&mut self.ini.sections[i].items),
        }
    }

    fn header(&mut self, name: &str, line: usize) -> Result<(), SyntaxError> {
        self.item = None;
        if name == DEFAULT_SECTION {
            self.current = Some(None);
            return Ok(());
        }
        if let Some(s) = self.ini.sections.iter().find(|s| s.header == name) {
            return Err(SyntaxError {
                line,
                syntax: Syntax::DuplicateSection {
                    name: name.to_string(),
                    first: s.line,
                },
            });
        }
        self.ini.sections.push(RawSection {
            header: name.to_string(),
            line,
            items: Vec::new(),
        });
        self.current = Some(Some(self.ini.sections.len() - 1));
        Ok(())
    }

    fn key_value(&mut self, value: &str, line: usize) -> Result<(), SyntaxError> {
        let section = match self.current {
            Some(Some(i)) => self.ini.sections[i].header.clone(),
            _ => DEFAULT_SECTION.to_string(),
        };
        let Some(at) = value.find(['=', ':']) else {
            self.first_error.get_or_insert(SyntaxError {
                line,
                syntax: Syntax::NotKeyValue,
            });
            self.item = None;
            return Ok(());
        };
        let key = py_strip(&value[..at]).to_lowercase();
        if key.is_empty() {
            self.first_error.get_or_insert(SyntaxError {
                line,
                syntax: Syntax::NoKey,
            });
        }
        let items = self.items().expect("a key line is inside a section");
        if let Some(first) = items.iter().find(|i| i.key == key) {
            return Err(SyntaxError {
                line,
                syntax: Syntax::DuplicateKey {
                    key,
                    section,
                    first: first.line,
                },
            });
        }
        items.push(Item {
            key,
            value: py_strip(&value[at + 1..]).to_string(),
            line,
            value_lines: vec![line],
        });
        self.item = Some(items.len() - 1);
        Ok(())
    }

    fn continuation(&mut self, value: &str, line: usize) {
        let Some(i) = self.item else { return };
        if let Some(item) = self.items().and_then(|items| items.get_mut(i)) {
            item.value.push('\n');
            item.value.push_str(value);
            item.value_lines.push(line);
        }
    }

    fn line(&mut self, raw: &str, line: usize) -> Result<(), SyntaxError> {
        let value = py_strip(raw);
        if value.starts_with(['#', ';']) {
            return Ok(());
        }
        if value.is_empty() {
            // A blank line belongs to the value being read (trimmed at the end).
            if self.current.is_some() {
                self.continuation("", line);
            }
            return Ok(());
        }
        let indent = raw.chars().take_while(|c| is_py_space(*c)).count();
        if self.current.is_some() && self.item.is_some() && indent > self.indent {
            self.continuation(value, line);
            return Ok(());
        }
        self.indent = indent;
        // `\[(?P<header>.+)\]` matched at the start: from the first `[` to the last `]`.
        if let Some(inner) = value.strip_prefix('[')
            && let Some(end) = inner.rfind(']')
            && end > 0
        {
            return self.header(&inner[..end], line);
        }
        if self.current.is_none() {
            return Err(SyntaxError {
                line,
                syntax: if line == 1 && value.starts_with('\u{feff}') {
                    Syntax::ByteOrderMark
                } else {
                    Syntax::BeforeSection
                },
            });
        }
        self.key_value(value, line)
    }
}

/// Parses `text` as configparser does; the first fault (by line) refuses the file.
pub fn parse(text: &str) -> Result<Ini, SyntaxError> {
    let mut p = Parser {
        ini: Ini::default(),
        current: None,
        item: None,
        indent: 0,
        first_error: None,
    };
    for (n, (start, end, _)) in lines(text).enumerate() {
        if let Err(e) = p.line(&text[start..end], n + 1) {
            // A fatal fault is raised at once; a bad line seen before it still comes first.
            return Err(p.first_error.take().unwrap_or(e));
        }
    }
    if let Some(e) = p.first_error {
        return Err(e);
    }
    for item in p
        .ini
        .defaults
        .iter_mut()
        .chain(p.ini.sections.iter_mut().flat_map(|s| s.items.iter_mut()))
    {
        let kept = item.value.trim_end_matches(is_py_space).len();
        item.value.truncate(kept);
    }
    Ok(p.ini)
}

/// A value that starts with a line break holds nested `k = v` settings (botocore's
/// `_parse_nested`): keys as written, each line split at its first `=`.
pub fn nested(item: &Item, section: &str) -> Result<Option<Vec<(String, String)>>, SyntaxError> {
    let Some(rest) = item.value.strip_prefix('\n') else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for (k, l) in py_splitlines(rest).enumerate() {
        let l = py_strip(l);
        if l.is_empty() {
            continue;
        }
        let Some((key, value)) = l.split_once('=') else {
            return Err(SyntaxError {
                line: item.value_lines.get(k + 1).copied().unwrap_or(item.line),
                syntax: Syntax::Nested {
                    key: item.key.clone(),
                    section: section.to_string(),
                },
            });
        };
        out.push((py_strip(key).to_string(), py_strip(value).to_string()));
    }
    Ok(Some(out))
}

/// Python's `str.splitlines` (every line boundary it knows).
fn py_splitlines(s: &str) -> impl Iterator<Item = &str> {
    s.split([
        '\n', '\r', '\x0b', '\x0c', '\x1c', '\x1d', '\x1e', '\u{85}', '\u{2028}', '\u{2029}',
    ])
}

/// Python's `shlex.split(s)` (POSIX mode, no comments); `None` where Python raises ValueError.
pub fn shlex_split(s: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\r' | '\n' => words.extend(word.take()),
            '\\' => word.get_or_insert_with(String::new).push(chars.next()?),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => w.push(c),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            c @ ('"' | '\\') => w.push(c),
                            c => {
                                w.push('\\');
                                w.push(c);
                            }
                        },
                        c => w.push(c),
                    }
                }
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn line_ends_are_pythons() {
        let ends: Vec<_> = lines("a\nb\r\nc\rd").map(|(s, e, _)| (s, e)).collect();
        assert_eq!(ends, [(0, 1), (2, 3), (5, 6), (7, 8)]);
        let ini = parse("[a]\rx = 1\r[b]\r\ny = 2").unwrap();
        assert_eq!(ini.sections.len(), 2);
        assert_eq!(ini.sections[0].items[0].value, "1");
    }

    #[test]
    fn faults_in_words_with_their_line() {
        assert_eq!(
            err("[profile a]\nregion = x\nthis line is not ini\n"),
            "line 3: the line is not `key = value`, a [section] header, a comment or an indented continuation"
        );
        assert_eq!(
            err("[profile a]\nregion = x\nnot ini\noutput = json\n"),
            "line 3: the line is not `key = value`, a [section] header, a comment or an indented continuation"
        );
        assert_eq!(
            err("x = 1\n[a]\n"),
            "line 1: a key comes before the first [section] header"
        );
        assert_eq!(
            err("[a]\nx=1\n\n[b]\n[a]\n"),
            "line 5: section [a] appears twice (first at line 1)"
        );
        assert_eq!(
            err("[a]\nx=1\n# c\nX = 2\n"),
            "line 4: key \"x\" appears twice in section [a] (first at line 2)"
        );
        assert_eq!(
            err("[a]\n= 1\n"),
            "line 2: the line has `=` or `:` but no key before it"
        );
        assert_eq!(
            err("\u{feff}[a]\n"),
            "line 1: the file starts with a byte order mark (U+FEFF), which the AWS CLI cannot read"
        );
    }

    #[test]
    fn continuations_blank_lines_and_comments() {
        let ini = parse("[s]\nk = a\n\n  b\n  # c\n\nn =\n  x = 1\n\n").unwrap();
        let items = &ini.sections[0].items;
        assert_eq!(items[0].value, "a\n\nb");
        assert_eq!(items[1].value, "\nx = 1");
        assert_eq!(
            nested(&items[1], "s").unwrap(),
            Some(vec![("x".into(), "1".into())])
        );
        let ini = parse("[s]\nn =\n  x = 1\n  y\n").unwrap();
        assert_eq!(
            nested(&ini.sections[0].items[0], "s")
                .unwrap_err()
                .to_string(),
            "line 4: the nested setting under key \"n\" of section [s] has no `=`"
        );
    }

    #[test]
    fn headers_from_the_first_bracket_to_the_last() {
        let ini = parse("[profile a] tail\n[x]y]\n[DEFAULT]\nregion = r\n").unwrap();
        let headers: Vec<_> = ini.sections.iter().map(|s| s.header.as_str()).collect();
        assert_eq!(headers, ["profile a", "x]y"]);
        assert_eq!(ini.defaults[0].value, "r");
    }

    #[test]
    fn shlex_like_python() {
        assert_eq!(shlex_split("profile \"a b\"").unwrap(), ["profile", "a b"]);
        assert_eq!(shlex_split("profile #x").unwrap(), ["profile", "#x"]);
        assert_eq!(shlex_split("profile a\rb").unwrap(), ["profile", "a", "b"]);
        assert_eq!(shlex_split("profile ''").unwrap(), ["profile", ""]);
        assert_eq!(shlex_split("profile \"a"), None);
    }
}
