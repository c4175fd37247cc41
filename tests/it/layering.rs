//! The module layers of `src/` (listed in `src/lib.rs`): a module imports only from its own layer
//! or lower ones. Reads every `crate::…` path in the sources and fails on an upward import, naming
//! the file, the line and both layers.
use std::path::Path;

/// Top to bottom; modules on one line share a layer.
const LAYERS: &[&[&str]] = &[
    &["lib", "main"],
    &["commands"],
    &["output"],
    &["kube", "exec", "containers", "github"],
    &["credentials"],
    &["login"],
    &["app", "error"],
    &["cache"],
    &["aws"],
    &["cli", "config", "settings"],
    &["support"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The top-level modules a source line names through `crate::`, including `crate::{a, b}`.
fn crate_paths(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or("");
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.push(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.push(name);
            }
        }
    }
    found
}

fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    walk(src, &mut files);
    let mut bad = Vec::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let Some(own) = layer_of(&top) else {
            bad.push(format!("{}: module `{top}` is in no layer", rel.display()));
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            for used in crate_paths(line) {
                // `crate::diagnostic_error!` is the macro exported by `error`.
                let used = if used == "diagnostic_error" {
                    "error".to_string()
                } else {
                    used
                };
                match layer_of(&used) {
                    Some(l) if l < own => bad.push(format!(
                        "{}:{}: `{top}` (layer {own}) imports `{used}` (layer {l}), a higher layer",
                        rel.display(),
                        n + 1
                    )),
                    None => bad.push(format!(
                        "{}:{}: `crate::{used}` is in no layer",
                        rel.display(),
                        n + 1
                    )),
                    _ => {}
                }
            }
        }
    }
    bad
}

#[test]
fn no_module_imports_a_higher_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let bad = violations(&src);
    assert!(bad.is_empty(), "upward imports:\n{}", bad.join("\n"));
}

#[test]
fn the_checker_sees_an_upward_import() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("cache")).unwrap();
    std::fs::write(
        dir.path().join("cache/mod.rs"),
        "use crate::support::clock;\nuse crate::{aws, login::browser};\n",
    )
    .unwrap();
    assert_eq!(
        violations(dir.path()),
        vec!["cache/mod.rs:2: `cache` (layer 7) imports `login` (layer 5), a higher layer"]
    );
}
