//! Docs that are true: every `pinwatch` command line in README.md and docs/*.md (code blocks and
//! inline code) names a subcommand that exists and only flags that subcommand's `--help` lists,
//! and the Firefox version README names is the one the manifest requires.
#![cfg(not(target_arch = "wasm32"))]

mod cli_support;

use cli_support::*;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// README.md and every docs/*.md, with their text.
fn documents() -> Vec<(String, String)> {
    let mut docs = vec![("README.md".to_string(), root().join("README.md"))];
    for entry in std::fs::read_dir(root().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            let name = format!("docs/{}", path.file_name().unwrap().to_string_lossy());
            docs.push((name, path));
        }
    }
    docs.into_iter()
        .map(|(name, path)| (name, std::fs::read_to_string(path).unwrap()))
        .collect()
}

/// The code in a document: fenced blocks line by line, and inline `code` spans.
fn code_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            out.push(line.to_string());
            continue;
        }
        let mut parts = line.split('`');
        parts.next();
        while let Some(code) = parts.next() {
            out.push(code.to_string());
            parts.next();
        }
    }
    out
}

/// Each `pinwatch SUB ...` command in a code line: the words up to a pipe, `;`, `&&`, a shell
/// comment or a closing parenthesis.
fn commands(line: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("pinwatch ") {
        let before = rest[..at].chars().last();
        let after = &rest[at + "pinwatch ".len()..];
        rest = after;
        // `pinwatch` as a word of its own (or a path ending in it), not a part of another name.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '.') {
            continue;
        }
        let end = ["|", ";", "&&", " #", ")", "<<<", ">"]
            .iter()
            .filter_map(|stop| after.find(stop))
            .min()
            .unwrap_or(after.len());
        let words: Vec<String> = after[..end].split_whitespace().map(String::from).collect();
        if words.first().is_some_and(|w| {
            w.chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c == '-')
        }) {
            found.push(words);
        }
    }
    found
}

/// The subcommands `pinwatch --help` lists.
fn subcommands(dir: &Dir, prefix: &[&str]) -> BTreeSet<String> {
    let mut args = prefix.to_vec();
    args.push("--help");
    let help = dir.expect(0, &args).stdout;
    let Some(list) = help.split("Commands:\n").nth(1) else {
        return BTreeSet::new();
    };
    list.lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| *w != "help")
        .map(String::from)
        .collect()
}

#[test]
fn docs_name_only_commands_and_flags_that_exist() {
    let dir = Dir::new("docs");
    let top = subcommands(&dir, &[]);
    assert!(top.contains("sign") && top.contains("state"), "{top:?}");
    let mut helps: HashMap<Vec<String>, String> = HashMap::new();
    let mut checked = 0;
    let mut wrong = Vec::new();
    for (name, text) in documents() {
        for line in code_lines(&text) {
            for words in commands(&line) {
                let first = &words[0];
                if first == "--help" || first == "--version" {
                    continue;
                }
                if !top.contains(first) {
                    wrong.push(format!(
                        "{name}: `pinwatch {first}` is not a command ({line})"
                    ));
                    continue;
                }
                // A subcommand of the subcommand (companion install, state init), when it has any.
                let mut path = vec![first.clone()];
                let nested = subcommands(&dir, &[first.as_str()]);
                if let Some(second) = words.get(1).filter(|w| nested.contains(*w)) {
                    path.push(second.clone());
                }
                let help = helps.entry(path.clone()).or_insert_with(|| {
                    let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
                    args.push("--help");
                    dir.expect(0, &args).stdout
                });
                for flag in words.iter().filter(|w| w.starts_with("--") && w.len() > 2) {
                    let flag = flag.split('=').next().unwrap();
                    let flag = flag.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
                    let listed = help.lines().any(|l| {
                        l.split(|c: char| c == ',' || c.is_whitespace())
                            .any(|w| w == flag)
                    });
                    if !listed {
                        wrong.push(format!(
                            "{name}: `pinwatch {}` has no {flag} ({line})",
                            path.join(" ")
                        ));
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(
        checked > 40,
        "only {checked} command lines found: the scan is broken"
    );
}

#[test]
fn the_firefox_version_readme_names_is_the_manifests() {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root().join("manifest.json")).unwrap()).unwrap();
    let min = manifest["browser_specific_settings"]["gecko"]["strict_min_version"]
        .as_str()
        .unwrap();
    let major = min.split('.').next().unwrap();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let named: Vec<&str> = readme
        .split("Firefox ≥ ")
        .skip(1)
        .map(|rest| rest.split(|c: char| !c.is_ascii_digit()).next().unwrap())
        .collect();
    assert!(!named.is_empty(), "README names no Firefox version");
    for version in named {
        assert_eq!(
            version, major,
            "README says Firefox ≥ {version}, the manifest {min}"
        );
    }
}
