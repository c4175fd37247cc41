//! POSIX shell quoting, one copy: for `export` lines meant for `eval`, and for the commands that
//! hints and messages suggest a person copy and paste.
use std::borrow::Cow;

/// Characters that mean nothing to sh in a word after `NAME=` (no `~`: bash expands `=~` and `:~`).
fn is_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&b)
}

/// `value` as one sh word: bare when plainly safe, else `'…'` with each `'` written as `'\''`.
pub fn quote(value: &str) -> Result<Cow<'_, str>, &'static str> {
    if value.contains('\0') {
        return Err("a shell variable cannot hold a NUL byte");
    }
    if !value.is_empty() && value.bytes().all(is_plain) {
        return Ok(Cow::Borrowed(value));
    }
    Ok(Cow::Owned(format!("'{}'", value.replace('\'', r"'\''"))))
}

/// A word for a copy-pasteable command line in a message; a NUL byte (which no argument can
/// hold) is shown as `\0`.
pub fn word(w: &str) -> String {
    match quote(w) {
        Ok(q) => q.into_owned(),
        Err(_) => word(&w.replace('\0', "\\0")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(word("dev"), "dev");
        assert_eq!(word("my profile"), "'my profile'");
        assert_eq!(word("it's"), r"'it'\''s'");
        assert_eq!(word(""), "''");
        assert_eq!(word("~/x"), "'~/x'");
        assert!(quote("a\0b").is_err());
    }
}
