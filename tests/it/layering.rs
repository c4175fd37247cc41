//! The module layers of `src/` (listed in `src/lib.rs`): a module imports only from its own layer
//! or lower ones, and a command (`src/commands/<name>.rs`) never imports another command.
//!
//! Every source file is parsed with `syn`; each `use` tree (groups nested at any depth, renames,
//! globs) and every path in code (expressions, types, patterns, macro paths and the tokens of
//! macro bodies) that starts with `crate::`, `super::` or `self::` is resolved against the
//! module it is written in (inline `mod` blocks included) to the top-level module it names.
//! An upward import fails the test, naming the file, the line and both layers.
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

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

/// Items at the crate root that belong to a module (`#[macro_export]` puts macros there).
const ROOT_ITEMS: &[(&str, &str)] = &[("diagnostic_error", "error")];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// One path a file names: the module it is written in, the absolute module path it resolves to
/// (without the leading `crate`), and its line.
#[derive(Debug)]
struct Use {
    line: usize,
    target: Vec<String>,
}

/// Resolves `segments` (a path as written) from inside module `here`; `None` for paths that do
/// not start at the crate (`std::…`, a local variable, a bare `self`).
fn resolve(here: &[String], segments: &[String]) -> Option<Vec<String>> {
    let first = segments.first()?;
    if segments.len() < 2 {
        return None;
    }
    match first.as_str() {
        "crate" => Some(segments[1..].to_vec()),
        "self" => Some(here.iter().chain(&segments[1..]).cloned().collect()),
        "super" => {
            let climbs = segments.iter().take_while(|s| *s == "super").count();
            let base = &here[..here.len().saturating_sub(climbs)];
            Some(base.iter().chain(&segments[climbs..]).cloned().collect())
        }
        _ => None,
    }
}

/// Collects every crate path of one file.
struct Collector {
    /// The module the visitor is in: the file's own path plus any inline `mod` blocks.
    here: Vec<String>,
    found: Vec<Use>,
}

impl Collector {
    fn record(&mut self, line: usize, segments: &[String]) {
        if let Some(target) = resolve(&self.here, segments) {
            self.found.push(Use { line, target });
        }
    }

    /// Walks a use tree, carrying the segments of the enclosing groups.
    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => self.leaf(prefix, &n.ident),
            syn::UseTree::Rename(r) => self.leaf(prefix, &r.ident),
            syn::UseTree::Glob(g) => {
                let line = g.star_token.span.start().line;
                self.record(line, &with(prefix, "*"));
            }
            syn::UseTree::Group(g) => {
                for item in &g.items {
                    self.use_tree(prefix, item);
                }
            }
        }
    }

    fn leaf(&mut self, prefix: &[String], ident: &syn::Ident) {
        // `use super::x::{self}` names `super::x`.
        let path = match ident.to_string().as_str() {
            "self" => prefix.to_vec(),
            name => with(prefix, name),
        };
        self.record(ident.span().start().line, &path);
    }

    /// Paths inside macro bodies are tokens, not syntax: find `crate`/`super`/`self` followed by
    /// `::` and the identifiers and `::` after it.
    fn tokens(&mut self, tokens: TokenStream) {
        let flat = flatten(tokens);
        let mut i = 0;
        while i < flat.len() {
            let TokenTree::Ident(start) = &flat[i] else {
                i += 1;
                continue;
            };
            let mut segments = vec![start.to_string()];
            let mut j = i + 1;
            while let (
                Some(TokenTree::Punct(a)),
                Some(TokenTree::Punct(b)),
                Some(TokenTree::Ident(next)),
            ) = (flat.get(j), flat.get(j + 1), flat.get(j + 2))
            {
                if a.as_char() != ':' || b.as_char() != ':' {
                    break;
                }
                segments.push(next.to_string());
                j += 3;
            }
            if segments.len() > 1 {
                self.record(start.span().start().line, &segments);
            }
            i = j.max(i + 1);
        }
    }
}

fn with(prefix: &[String], last: &str) -> Vec<String> {
    prefix.iter().cloned().chain([last.to_owned()]).collect()
}

fn flatten(tokens: TokenStream) -> Vec<TokenTree> {
    let mut out = Vec::new();
    for token in tokens {
        match token {
            TokenTree::Group(g) => out.extend(flatten(g.stream())),
            other => out.push(other),
        }
    }
    out
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        let Some((_, items)) = &item.content else {
            return;
        };
        self.here.push(item.ident.to_string());
        for item in items {
            self.visit_item(item);
        }
        self.here.pop();
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let mut prefix = Vec::new();
        if item.leading_colon.is_some() {
            return; // `::name` is an external crate.
        }
        self.use_tree(&mut prefix, &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.leading_colon.is_none() {
            let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            let line = path
                .segments
                .first()
                .map_or(0, |s| s.ident.span().start().line);
            self.record(line, &segments);
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.visit_path(&mac.path);
        self.tokens(mac.tokens.clone());
    }
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// The module path of a source file: `cache/mod.rs` → `cache`, `cache/token.rs` →
/// `cache::token`, `lib.rs` → the crate root.
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| {
            c.as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_owned()
        })
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// Whether `src/commands/<name>` is a command (a module of its own, not an item of `commands`).
fn is_command(src: &Path, name: &str) -> bool {
    name != "mod"
        && (src.join(format!("commands/{name}.rs")).is_file()
            || src.join(format!("commands/{name}/mod.rs")).is_file())
}

/// What is wrong with one path `used` written in module `own` of file `rel`.
fn check(src: &Path, rel: &Path, own: &[String], used: &Use) -> Option<String> {
    let file_top = rel.components().next()?.as_os_str().to_string_lossy();
    let top = file_top.trim_end_matches(".rs");
    let own_layer = layer_of(top)?;
    let target_top = used.target.first()?.as_str();
    let target_top = ROOT_ITEMS
        .iter()
        .find(|(item, _)| *item == target_top)
        .map_or(target_top, |(_, module)| *module);
    let at = format!("{}:{}", slashed(rel), used.line);
    let Some(layer) = layer_of(target_top) else {
        return Some(format!("{at}: `crate::{target_top}` is in no layer"));
    };
    if layer < own_layer {
        return Some(format!(
            "{at}: `{top}` (layer {own_layer}) imports `{target_top}` (layer {layer}), a higher layer"
        ));
    }
    let (me, other) = command_import(src, own, &used.target)?;
    Some(format!("{at}: command `{me}` imports command `{other}`"))
}

/// `(importer, imported)` when a command's module `own` names another command in `target`.
fn command_import<'a>(
    src: &Path,
    own: &'a [String],
    target: &'a [String],
) -> Option<(&'a str, &'a str)> {
    let ([a, me, ..], [b, other, ..]) = (own, target) else {
        return None;
    };
    let both = a == "commands" && b == "commands";
    (both && me != other && is_command(src, other)).then_some((me.as_str(), other.as_str()))
}

/// Every violation under `src`, and the command → command pairs seen.
fn scan(src: &Path) -> (Vec<String>, Vec<(String, String)>) {
    let mut files = Vec::new();
    walk(src, &mut files);
    files.sort();
    let (mut bad, mut pairs) = (Vec::new(), Vec::new());
    for file in files {
        let rel = file.strip_prefix(src).unwrap();
        let top = module_of(rel)
            .first()
            .cloned()
            .unwrap_or_else(|| rel.to_string_lossy().trim_end_matches(".rs").to_owned());
        if layer_of(&top).is_none() {
            bad.push(format!("{}: module `{top}` is in no layer", slashed(rel)));
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let syntax = match syn::parse_file(&text) {
            Ok(syntax) => syntax,
            Err(e) => {
                bad.push(format!("{}: does not parse: {e}", slashed(rel)));
                continue;
            }
        };
        let mut collector = Collector {
            here: module_of(rel),
            found: Vec::new(),
        };
        collector.visit_file(&syntax);
        let own = module_of(rel);
        for used in &collector.found {
            bad.extend(check(src, rel, &own, used));
            if let Some((me, other)) = command_import(src, &own, &used.target) {
                pairs.push((me.to_owned(), other.to_owned()));
            }
        }
    }
    bad.dedup();
    (bad, pairs)
}

fn violations(src: &Path) -> Vec<String> {
    scan(src).0
}

#[test]
fn no_module_imports_a_higher_layer_and_no_command_imports_another() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (bad, pairs) = scan(&src);
    assert!(bad.is_empty(), "upward imports:\n{}", bad.join("\n"));
    assert!(pairs.is_empty(), "command → command imports: {pairs:?}");
}

/// Writes `files` (path under `src`, contents) into a fresh directory and returns its findings.
fn planted(files: &[(&str, &str)]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    violations(dir.path())
}

#[test]
fn the_checker_sees_a_nested_group() {
    assert_eq!(
        planted(&[(
            "cache/mod.rs",
            "use crate::support::clock;\nuse crate::{aws, cache::{json, token::{self, Token}}, login::browser};\n",
        )]),
        vec!["cache/mod.rs:2: `cache` (layer 7) imports `login` (layer 5), a higher layer"]
    );
}

#[test]
fn the_checker_sees_a_multi_line_group() {
    assert_eq!(
        planted(&[("support/text.rs", "use crate::{\n    commands,\n};\n")]),
        vec![
            "support/text.rs:2: `support` (layer 10) imports `commands` (layer 1), a higher layer"
        ]
    );
}

#[test]
fn the_checker_resolves_super_and_self() {
    assert_eq!(
        planted(&[
            (
                "cache/mod.rs",
                "use super::commands as _x;\nuse self::token::Token;\n"
            ),
            (
                "cache/token.rs",
                "use super::super::login::browser;\nuse super::json;\n"
            ),
            (
                "support/mod.rs",
                "mod inner {\n    use super::super::output::Format;\n}\n"
            ),
        ]),
        vec![
            "cache/mod.rs:1: `cache` (layer 7) imports `commands` (layer 1), a higher layer",
            "cache/token.rs:1: `cache` (layer 7) imports `login` (layer 5), a higher layer",
            "support/mod.rs:2: `support` (layer 10) imports `output` (layer 2), a higher layer",
        ]
    );
}

#[test]
fn the_checker_sees_paths_in_code_after_a_string_with_slashes() {
    let code = "fn f() {\n    let url = \"https://example.com//x\"; crate::commands::run();\n    \
                let _: Option<crate::output::Format> = None;\n    \
                println!(\"{}\", crate::login::name());\n}\n";
    assert_eq!(
        planted(&[("aws/mod.rs", code)]),
        vec![
            "aws/mod.rs:2: `aws` (layer 8) imports `commands` (layer 1), a higher layer",
            "aws/mod.rs:3: `aws` (layer 8) imports `output` (layer 2), a higher layer",
            "aws/mod.rs:4: `aws` (layer 8) imports `login` (layer 5), a higher layer",
        ]
    );
}

#[test]
fn the_checker_sees_a_command_importing_another() {
    assert_eq!(
        planted(&[
            (
                "commands/mod.rs",
                "mod alpha;\nmod beta;\npub fn shared() {}\n"
            ),
            (
                "commands/alpha.rs",
                "use super::shared;\nfn f() { super::beta::run(); }\n"
            ),
            (
                "commands/beta.rs",
                "use crate::commands::{alpha::run as _r, shared};\n"
            ),
        ]),
        vec![
            "commands/alpha.rs:2: command `alpha` imports command `beta`",
            "commands/beta.rs:1: command `beta` imports command `alpha`",
        ]
    );
}

/// A path under `src/` as findings name it, with `/` on every platform.
fn slashed(rel: &Path) -> String {
    rel.to_string_lossy().replace('\\', "/")
}
