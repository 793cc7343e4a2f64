//! The core's files may not import each other in a circle of more than two: a circle of three or
//! more means no file in it can be read, changed or tested without all the others. The edges are
//! read from the sources as a person follows them: `crate::…` paths, `super::…` paths, and a
//! folder's `mod.rs` using its own children.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A file's module path, e.g. `judge/engine.rs` → `["judge", "engine"]`, `list/mod.rs` → `["list"]`.
fn module_of(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let file = parts.pop().expect("a file name");
    let stem = file.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_owned());
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable source folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The identifiers of a path starting at `text` (`a::b::c…`), stopping at anything else.
fn segments(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        out.push(rest[..end].to_owned());
        match rest[end..].strip_prefix("::") {
            Some(next) => rest = next,
            None => break,
        }
    }
    out
}

/// Everything after each `needle` in `code`, where `needle` starts a path (not `foo_crate::`).
fn paths_after<'a>(code: &'a str, needle: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    code.match_indices(needle).filter_map(move |(at, _)| {
        let before = code[..at].chars().next_back();
        let starts_path = !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        starts_path.then(|| &code[at + needle.len()..])
    })
}

/// The file a module path lands in: the longest prefix that is a file, else `lib.rs`.
fn resolve(modules: &BTreeMap<Vec<String>, String>, path: &[String]) -> String {
    (0..=path.len())
        .rev()
        .find_map(|n| modules.get(&path[..n]).cloned())
        .expect("lib.rs is the module path []")
}

/// Which file imports which, for every `.rs` file under `src`.
fn import_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeMap<Vec<String>, String> = files
        .iter()
        .map(|f| {
            let relative = f.strip_prefix(src).expect("under src");
            (module_of(relative), relative.display().to_string())
        })
        .collect();
    let mut graph = BTreeMap::new();
    for (module, name) in &modules {
        let text = fs::read_to_string(src.join(name)).expect("readable source");
        // Comments name paths without importing them.
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .map(|l| format!("{l}\n"))
            .collect();
        let mut targets = BTreeSet::new();
        for rest in paths_after(&code, "crate::") {
            targets.insert(resolve(&modules, &segments(rest)));
        }
        // `super::` at the top of a file is its parent module; an indented `use super::*` is an
        // inline test module reaching its own file, which is no edge.
        let parent = &module[..module.len().saturating_sub(1)];
        for line in code.lines().filter(|l| !l.starts_with(' ')) {
            for rest in paths_after(line, "super::") {
                let mut path = parent.to_vec();
                path.extend(segments(rest));
                targets.insert(resolve(&modules, &path));
            }
        }
        // A folder's mod.rs using its children by their bare names (`use memory::Kept`).
        for line in code.lines() {
            let line = line.trim_start();
            let used = line
                .strip_prefix("pub use ")
                .or_else(|| line.strip_prefix("use "));
            let Some(path) = used.map(segments) else {
                continue;
            };
            let mut child = module.clone();
            child.extend(path.iter().take(1).cloned());
            if modules.contains_key(&child) {
                child.extend(path.into_iter().skip(1));
                targets.insert(resolve(&modules, &child));
            }
        }
        targets.remove(name);
        graph.insert(name.clone(), targets);
    }
    graph
}

/// The strongly connected components (Tarjan), each a set of files that import each other in a
/// circle.
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, node: &'a str) {
            let n = self.index.len();
            self.index.insert(node, n);
            self.low.insert(node, n);
            self.stack.push(node);
            self.on_stack.insert(node);
            for next in self.graph.get(node).into_iter().flatten() {
                let next = next.as_str();
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut component = Vec::new();
                while let Some(top) = self.stack.pop() {
                    self.on_stack.remove(top);
                    component.push(top.to_owned());
                    if top == node {
                        break;
                    }
                }
                component.sort();
                self.found.push(component);
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !walk.index.contains_key(node.as_str()) {
            walk.visit(node);
        }
    }
    walk.found
}

fn core_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_import_circle_of_more_than_two_files() {
    let graph = import_graph(&core_src());
    let long: Vec<_> = circles(&graph)
        .into_iter()
        .filter(|c| c.len() > 2)
        .collect();
    assert!(
        long.is_empty(),
        "files that import each other in a circle of more than two: {long:#?}"
    );
}

#[test]
fn the_graph_is_read_from_the_sources() {
    // So that the circle check cannot pass on a graph read as empty: every kind of edge it reads
    // is found where the sources have one.
    let graph = import_graph(&core_src());
    assert!(graph.len() > 30, "only {} files read", graph.len());
    let edges: usize = graph.values().map(BTreeSet::len).sum();
    assert!(edges > 60, "only {edges} imports read");
    let has = |from: &str, to: &str| {
        graph
            .iter()
            .any(|(f, ts)| f.ends_with(from) && ts.iter().any(|t| t.ends_with(to)))
    };
    assert!(has("cert/fields.rs", "cert.rs"), "`use super::` not read");
    assert!(
        has("judge/mod.rs", "judge/memory.rs"),
        "a mod.rs using its child not read"
    );
    assert!(has("engine.rs", "verdict.rs"), "`use crate::` not read");
    assert!(has("lib.rs", "engine.rs"), "lib.rs's re-exports not read");
}

#[test]
fn a_circle_of_three_is_found() {
    let graph: BTreeMap<String, BTreeSet<String>> =
        [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]
            .iter()
            .fold(BTreeMap::new(), |mut g, (from, to)| {
                g.entry(from.to_string())
                    .or_insert_with(BTreeSet::new)
                    .insert(to.to_string());
                g.entry(to.to_string()).or_default();
                g
            });
    let long: Vec<_> = circles(&graph)
        .into_iter()
        .filter(|c| c.len() > 2)
        .collect();
    assert_eq!(
        long,
        vec![vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]]
    );
}
