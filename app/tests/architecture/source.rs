//! Reading the workspace's sources: files, their module paths, and every path they name
//! (`use` trees expanded, `super::` resolved).

use super::Module;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub struct Source {
    pub file: PathBuf,
    pub module: Module,
    /// The production code: a file's `#[cfg(test)] mod tests` is left out (tests may reach
    /// anywhere to set a scene).
    pub code: String,
}

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("app/ sits in the workspace")
        .to_path_buf()
}

pub fn sources() -> Vec<Source> {
    let root = workspace();
    let mut out = Vec::new();
    for (krate, dir) in [("app", "app/src"), ("server", "server/src")] {
        let base = root.join(dir);
        let mut stack = vec![base.clone()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).expect("readable source dir") {
                let p = entry.expect("dir entry").path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&p).expect("readable source");
                    let code = match text.find("#[cfg(test)]\nmod tests") {
                        Some(i) => text[..i].to_string(),
                        None => text,
                    };
                    out.push(Source {
                        module: module_of(krate, &base, &p),
                        file: p,
                        code,
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| a.file.cmp(&b.file));
    out
}

pub fn module_of(krate: &'static str, base: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(base).expect("under its crate");
    let mut path: Vec<String> = rel
        .iter()
        .map(|s| s.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(
        path.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        path.pop();
    }
    Module { krate, path }
}

/// Every path the code names from `crate::`, `super::` or (in the server) `app::`, with
/// `use` trees expanded: `use crate::backend::{identity::sessions, store};` names two.
pub fn named_paths(code: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    // Join lines so `use` trees spanning lines parse; remember line starts for messages.
    let mut starts = vec![0];
    for (i, c) in code.char_indices() {
        if c == '\n' {
            starts.push(i + 1);
        }
    }
    let line_at = |pos: usize| starts.partition_point(|&s| s <= pos);
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < code.len() {
        let rest = &code[i..];
        let head = ["crate::", "super::", "app::"]
            .into_iter()
            .find(|h| rest.starts_with(h));
        let boundary = i == 0
            || !(bytes[i - 1].is_ascii_alphanumeric()
                || bytes[i - 1] == b'_'
                || bytes[i - 1] == b':');
        match head {
            Some(_) if boundary && !in_comment(code, i) => {
                let (tree, len) = take_tree(rest);
                for p in expand(&tree) {
                    out.push((line_at(i), p));
                }
                i += len.max(1);
            }
            _ => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    out
}

pub fn in_comment(code: &str, pos: usize) -> bool {
    let line_start = code[..pos].rfind('\n').map_or(0, |i| i + 1);
    let line = &code[line_start..pos];
    line.contains("//") || line.trim_start().starts_with('*')
}

/// The path or use tree starting here: `a::b::{c, d::e}` (to its end).
pub fn take_tree(s: &str) -> (String, usize) {
    let mut depth = 0;
    let mut end = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            c if depth > 0
                && (c.is_whitespace()
                    || c == ','
                    || c.is_alphanumeric()
                    || c == '_'
                    || c == ':'
                    || c == '*') => {}
            c if c.is_alphanumeric() || c == '_' || c == ':' => {}
            _ => {
                end = i;
                break;
            }
        }
        end = i + c.len_utf8();
    }
    (
        s[..end].split_whitespace().collect::<Vec<_>>().join(""),
        end,
    )
}

pub fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim_end_matches("::");
    match tree.find('{') {
        None => vec![tree.to_string()],
        Some(open) => {
            let prefix = &tree[..open];
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let mut items = Vec::new();
            let (mut depth, mut cur) = (0, String::new());
            for c in inner.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        items.push(std::mem::take(&mut cur));
                        continue;
                    }
                    _ => {}
                }
                cur.push(c);
            }
            items.push(cur);
            items
                .into_iter()
                .filter(|it| !it.is_empty())
                .flat_map(|it| {
                    let it = it.split(" as ").next().unwrap_or("").to_string();
                    if it == "self" {
                        vec![prefix.trim_end_matches("::").to_string()]
                    } else {
                        expand(&format!("{prefix}{it}"))
                    }
                })
                .collect()
        }
    }
}

/// Where a named path points: `super::` resolved against the file's module; `app::` from
/// the server is app's.
pub fn resolve(from: &Module, path: &str) -> Option<Module> {
    let mut segs: Vec<&str> = path.split("::").collect();
    let (krate, mut base): (&'static str, Vec<String>) = match segs.first().copied() {
        Some("crate") => (from.krate, Vec::new()),
        Some("app") if from.krate == "server" => ("app", Vec::new()),
        Some("super") => (from.krate, from.path.clone()),
        _ => return None,
    };
    if segs[0] != "super" {
        segs.remove(0);
    }
    while segs.first() == Some(&"super") {
        base.pop()?;
        segs.remove(0);
    }
    base.extend(segs.iter().map(|s| s.to_string()));
    Some(Module { krate, path: base })
}

/// The source file a path lands in: its longest prefix that is a module.
pub fn file_module(target: &Module, modules: &BTreeSet<Module>) -> Option<Module> {
    (0..=target.path.len()).rev().find_map(|n| {
        let m = Module {
            krate: target.krate,
            path: target.path[..n].to_vec(),
        };
        modules.contains(&m).then_some(m)
    })
}
