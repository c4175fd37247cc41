//! Text bound for a terminal: anything a server, a remote page or a file supplies has its control
//! characters removed first, so it cannot move the cursor, clear the screen or fake a prompt.

/// `s` without control characters (C0, DEL, C1); tabs and newlines become spaces.
pub fn clean(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_removed() {
        assert_eq!(clean("a\x1b[2Jb\u{9b}c\nd"), "a[2Jbc d");
        assert_eq!(clean("plain"), "plain");
    }
}
