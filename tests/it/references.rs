//! Every repository path the repository cites exists: paths under the top-level directories
//! (`src/…`, `docs/…`, `tests/…`, …) named in `docs/`, `README.md`, `clippy.toml` and the
//! comments of `src/`, and the relative links of the Markdown files. A file that moves or goes
//! away leaves no stale pointer behind.
use std::path::{Path, PathBuf};

/// The top-level directories a cited path starts with.
const ROOTS: &[&str] = &[
    "src/",
    "docs/",
    "tests/",
    "bench/",
    "scripts/",
    "crates/",
    "fuzz/",
    "plugins/",
    "action/",
    "examples/",
    ".github/",
    ".ci/",
];

/// Files cited by name alone at the top of the repository.
const TOP_FILES: &[&str] = &["README.md", "Cargo.toml", "clippy.toml"];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')
}

/// The repository paths `text` names: a root directory at a word boundary (not inside a URL or a
/// longer path), then path characters, without a trailing `.` or `#anchor`.
fn cited_paths(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for root in ROOTS.iter().chain(TOP_FILES) {
        let mut from = 0;
        while let Some(at) = text[from..].find(root) {
            let start = from + at;
            from = start + root.len();
            let before = text[..start].chars().next_back();
            if before.is_some_and(|c| path_char(c) || c == ':') {
                continue;
            }
            let path: String = text[start..]
                .chars()
                .take_while(|&c| path_char(c))
                .collect();
            found.push(path.trim_end_matches('.').to_owned());
        }
    }
    found
}

/// Bare Markdown file names (`STYLE.md`, `sts.md`): each must exist at the top, in `docs/`, or
/// next to the file that names it.
fn cited_pages(text: &str) -> Vec<String> {
    text.split(|c: char| !path_char(c))
        .map(|word| word.trim_end_matches('.'))
        .filter(|word| word.ends_with(".md") && !word.contains('/') && word.len() > 3)
        .map(str::to_owned)
        .collect()
}

/// The targets of Markdown links `](target)` that are neither URLs nor in-page anchors.
fn relative_links(text: &str) -> Vec<String> {
    text.split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .map(|target| target.split('#').next().unwrap_or("").trim().to_owned())
        .filter(|t| !t.is_empty() && !t.contains("://") && !t.starts_with("mailto:"))
        .collect()
}

/// The comment lines of a Rust source (`//`, `///`, `//!`); a path in a string literal is data,
/// not a citation.
fn comments(source: &str) -> String {
    source
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn files_under(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

/// `(citing file, cited path)` for every citation that does not exist.
fn missing(root: &Path) -> Vec<String> {
    let mut markdown = vec![root.join("README.md")];
    files_under(&root.join("docs"), "md", &mut markdown);
    let mut sources = Vec::new();
    files_under(&root.join("src"), "rs", &mut sources);
    let mut texts: Vec<(PathBuf, String, bool)> = Vec::new();
    for file in &markdown {
        texts.push((file.clone(), std::fs::read_to_string(file).unwrap(), true));
    }
    let clippy = root.join("clippy.toml");
    texts.push((
        clippy.clone(),
        std::fs::read_to_string(&clippy).unwrap(),
        false,
    ));
    for file in &sources {
        let text = comments(&std::fs::read_to_string(file).unwrap());
        texts.push((file.clone(), text, false));
    }
    let mut bad = Vec::new();
    for (file, text, is_markdown) in &texts {
        let rel = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for cited in cited_paths(text) {
            if !root.join(&cited).exists() {
                bad.push(format!("{rel}: {cited}"));
            }
        }
        for page in cited_pages(text) {
            let dir = file.parent().unwrap();
            if ![root, &root.join("docs"), dir]
                .iter()
                .any(|d| d.join(&page).exists())
            {
                bad.push(format!("{rel}: {page}"));
            }
        }
        if *is_markdown {
            let dir = file.parent().unwrap();
            for link in relative_links(text) {
                if !dir.join(&link).exists() {
                    bad.push(format!("{rel}: link {link}"));
                }
            }
        }
    }
    bad.sort();
    bad.dedup();
    bad
}

#[test]
fn every_cited_path_exists() {
    let bad = missing(&repo());
    assert!(
        bad.is_empty(),
        "cited paths that do not exist:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_checker_sees_stale_citations_and_ignores_urls() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for d in ["docs", "src/support"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(
        root.join("src").join("support").join("env.rs"),
        "// See docs/config.md.\n",
    )
    .unwrap();
    std::fs::write(
        root.join("clippy.toml"),
        "# declared in src/env.rs (STYLE.md 2)\n",
    )
    .unwrap();
    std::fs::write(
        root.join("README.md"),
        "See [config](docs/config.md#ca-bundle), [gone](docs/gone.md) and `src/http.rs`.\n",
    )
    .unwrap();
    std::fs::write(
        root.join("docs").join("config.md"),
        "Decided in `src/exit.rs`; also `src/support/env.rs`. [Up](../README.md), [x](#a).\n\
         Upstream: https://github.com/o/r/blob/main/src/missing.rs and [p](https://e.com/docs/x.md).\n",
    )
    .unwrap();
    assert_eq!(
        missing(root),
        [
            "README.md: docs/gone.md",
            "README.md: link docs/gone.md",
            "README.md: src/http.rs",
            "clippy.toml: STYLE.md",
            "clippy.toml: src/env.rs",
            "docs/config.md: src/exit.rs",
        ]
    );
}
