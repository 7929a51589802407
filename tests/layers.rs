//! The layering test: each module of `src/` may use only its own layer and
//! the layers below it. `LAYERS` below is the one place the order lives
//! (ARCHITECTURE.md points here); the test reads every `src/**/*.rs` and
//! fails on any `crate::<module>` (or `otpsim::<module>` in the binaries, or
//! a `super::` chain that climbs to the crate root) naming a layer above.
//! There is no exception list: a use that breaks the order is fixed in the
//! code, by moving what is needed down.

use std::fs;
use std::path::{Path, PathBuf};

/// The layers, bottom up. A module may use the modules at its own index and
/// below.
const LAYERS: &[&str] = &[
    "util", "term", "runtime", "pattern", "otp", "lang", "scenario", "sandbox", "bench", "system", "control", "api",
    "web", "bin",
];

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == module)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file belongs to, and how deep the file's own
/// module sits below the crate root (`src/a.rs` and `src/a/mod.rs` are 1,
/// `src/a/b.rs` is 2).
fn module_of(rel: &Path) -> Option<(String, usize)> {
    let parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let first = parts.first()?;
    if parts.len() == 1 {
        let stem = first.strip_suffix(".rs")?;
        return (stem != "lib").then(|| (stem.to_string(), 1));
    }
    let last = parts.last()?;
    let depth = if last == "mod.rs" { parts.len() - 1 } else { parts.len() };
    Some((first.clone(), depth))
}

/// The top-level module names after `prefix` on a line (`crate::x`).
fn names_after<'a>(line: &'a str, prefix: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().next_back();
        let after = &rest[i + prefix.len()..];
        let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
        // `$crate::` and `foo_crate::` are not this crate.
        if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') && end > 0 {
            out.push(&after[..end]);
        }
        rest = &after[end..];
    }
    out
}

/// The top-level module a `super::super::…::x` chain reaches, when it climbs
/// to the crate root from a place `depth` modules deep.
fn super_escape(line: &str, depth: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("super::") {
        let mut after = &rest[i..];
        let mut n = 0;
        while let Some(a) = after.strip_prefix("super::") {
            n += 1;
            after = a;
        }
        let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
        if n >= depth && end > 0 {
            out.push(&after[..end]);
        }
        rest = &after[end..];
    }
    out
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 20, "found only {} files under {}", files.len(), src.display());
    let mut broken = Vec::new();
    for file in &files {
        let Ok(rel) = file.strip_prefix(&src) else { continue };
        let Some((module, file_depth)) = module_of(rel) else { continue };
        let Some(own) = rank(&module) else {
            broken.push(format!("{}: module `{module}` is not in LAYERS", rel.display()));
            continue;
        };
        let Ok(text) = fs::read_to_string(file) else {
            broken.push(format!("{}: unreadable", rel.display()));
            continue;
        };
        // Inline modules (`mod tests {`) deepen `super::` by one each;
        // rustfmt's indentation says where each one ends.
        let mut inline: Vec<usize> = Vec::new();
        for (n, raw) in text.lines().enumerate() {
            let indent = raw.len() - raw.trim_start().len();
            let trimmed = raw.trim();
            if trimmed.is_empty() {
                continue;
            }
            while inline.last().is_some_and(|i| indent <= *i) {
                inline.pop();
            }
            // Comments name other layers in prose; only code counts.
            let code = match raw.find("//") {
                Some(i) => &raw[..i],
                None => raw,
            };
            let depth = file_depth + inline.len();
            let mut used = names_after(code, "crate::");
            if module == "bin" {
                used.extend(names_after(code, "otpsim::"));
            }
            used.extend(super_escape(code, depth));
            for m in used {
                match rank(m) {
                    Some(r) if r > own => broken.push(format!(
                        "{}:{}: `{module}` uses `{m}`, a layer above it: {}",
                        rel.display(),
                        n + 1,
                        trimmed
                    )),
                    _ => {}
                }
            }
            let t = code.trim_start();
            let t = t.strip_prefix("pub(crate) ").or_else(|| t.strip_prefix("pub ")).unwrap_or(t);
            if t.starts_with("mod ") && t.trim_end().ends_with('{') {
                inline.push(indent);
            }
        }
    }
    assert!(broken.is_empty(), "layer order broken (the order is LAYERS in tests/layers.rs):\n{}", broken.join("\n"));
}

#[test]
fn the_scanner_sees_what_it_must() {
    assert_eq!(names_after("use crate::system::System; foo_crate::y $crate::z", "crate::"), vec!["system"]);
    assert_eq!(super_escape("use super::super::web::x;", 2), vec!["web"]);
    assert!(super_escape("use super::x;", 2).is_empty());
    assert_eq!(module_of(Path::new("system/mod.rs")), Some(("system".into(), 1)));
    assert_eq!(module_of(Path::new("system/tree.rs")), Some(("system".into(), 2)));
    assert_eq!(module_of(Path::new("bench.rs")), Some(("bench".into(), 1)));
    assert_eq!(module_of(Path::new("lib.rs")), None);
}
