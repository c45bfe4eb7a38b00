#![allow(clippy::expect_used)]
//! The service crate's modules import one another in one direction only (ARCHITECTURE.md: "a
//! file only calls the layers below it"): no import circle among them. Reads the sources as
//! text: every `crate::…` and `super::…` path names the module it reaches into.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module name (`store::login`) → its source text, test modules cut off.
fn modules() -> BTreeMap<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = BTreeMap::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path: PathBuf = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path
                .strip_prefix(&root)
                .expect("below src")
                .with_extension("");
            let mut name = relative
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("::");
            if let Some(parent) = name.strip_suffix("::mod") {
                name = parent.to_owned();
            }
            let text = std::fs::read_to_string(&path).expect("read file");
            // A module's unit tests may reach anywhere.
            let text = match text.find("#[cfg(test)]\nmod tests") {
                Some(at) => text[..at].to_owned(),
                None => text,
            };
            found.insert(name, text);
        }
    }
    found
}

/// The modules `name`'s text reaches into through `crate::` and `super::` paths (the
/// longest path prefix that is a module), itself and its ancestors left out.
fn imports(name: &str, text: &str, all: &BTreeSet<String>) -> BTreeSet<String> {
    let mut reached = BTreeSet::new();
    let own: Vec<&str> = name.split("::").collect();
    for (start, _) in text
        .match_indices("crate::")
        .chain(text.match_indices("super::"))
    {
        let (anchor, rest) = text[start..].split_once("::").expect("matched with ::");
        let base: Vec<&str> = match anchor {
            "crate" => Vec::new(),
            _ => own[..own.len().saturating_sub(1)].to_vec(),
        };
        for path in paths_after(rest) {
            let mut at = base.clone();
            let mut best = None;
            for part in path.split("::").filter(|p| !p.is_empty()) {
                at.push(part);
                let candidate = at.join("::");
                if all.contains(&candidate) {
                    best = Some(candidate);
                }
            }
            let Some(module) = best else { continue };
            let is_ancestor = name == module || name.starts_with(&format!("{module}::"));
            // `store` and `api` are the struct and the trait list every file of theirs uses.
            if !is_ancestor && module != "store" && module != "api" {
                reached.insert(module);
            }
        }
    }
    reached
}

/// The paths a `crate::`/`super::` prefix is followed by: one path, or each item of a
/// `{a::B, c}` group.
fn paths_after(rest: &str) -> Vec<String> {
    let is_path = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    let Some(group) = rest.strip_prefix('{') else {
        return vec![rest.chars().take_while(|c| is_path(*c)).collect()];
    };
    let mut depth = 0;
    let mut items = vec![String::new()];
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => items.push(String::new()),
            _ => {}
        }
        if depth == 0 && c != ',' {
            items.last_mut().expect("one item at least").push(c);
        }
    }
    items
        .iter()
        .map(|item| item.trim().chars().take_while(|c| is_path(*c)).collect())
        .collect()
}

/// A circle through `from`, if any, as the modules on it.
fn circle(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Option<Vec<String>> {
    let mut stack = vec![(from.to_owned(), vec![from.to_owned()])];
    let mut seen = BTreeSet::new();
    while let Some((at, path)) = stack.pop() {
        for next in graph.get(&at).into_iter().flatten() {
            if next == from {
                return Some(path);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let modules = modules();
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    assert!(names.contains("store::login") && names.contains("inputs"));
    let graph: BTreeMap<String, BTreeSet<String>> = modules
        .iter()
        .map(|(name, text)| (name.clone(), imports(name, text, &names)))
        .collect();
    // The reader must see the arrows that exist, or the check below proves nothing.
    assert!(graph["store::login"].contains("store::change"));
    assert!(graph["cursor"].contains("user_filter"));
    let circles: Vec<Vec<String>> = names.iter().filter_map(|m| circle(&graph, m)).collect();
    assert!(circles.is_empty(), "import circles: {circles:?}");
}
