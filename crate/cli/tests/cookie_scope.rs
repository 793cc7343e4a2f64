//! `pinwatch lint`'s cookie-scope rule through the real binary: a list that pins some hosts of a
//! registrable domain but not the domain whole is warned about (exit 0: advice, not an error).
#![cfg(not(target_arch = "wasm32"))]

mod cli_support;

use cli_support::*;

/// A payload that passes every other rule, with these entries.
fn list(entries: &str) -> String {
    payload(1, &[PIN_A, PIN_B], "").replacen(
        r#""entries": [{"host": "mail.example.test", "include_subdomains": true, "pinset": "mail", "mode": "enforce"}]"#,
        &format!(r#""entries": [{entries}]"#),
        1,
    )
}

/// The cookie-scope rows of `lint --json`, as (path, message).
fn cookie_rows(dir: &Dir, name: &str, entries: &str) -> Vec<(String, String)> {
    let text = list(entries);
    assert!(text.contains(entries), "the entries were put in");
    dir.write(name, text);
    let run = dir.expect(0, &["lint", name, "--json", "--now", NOW]);
    run.json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["rule"] == "cookie-scope")
        .map(|r| {
            assert_eq!(r["severity"], "warning", "{r}");
            (
                r["path"].as_str().unwrap().to_string(),
                r["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn lint_warns_about_the_registrable_domain_of_a_lone_pinned_host() {
    let dir = Dir::new("cookie-lone");
    let rows = cookie_rows(
        &dir,
        "lone.json",
        r#"{"host": "mail.example.com", "pinset": "mail", "mode": "enforce"}"#,
    );
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "$.entries[0]");
    assert!(
        rows[0].1.contains("example.com with include_subdomains"),
        "{rows:?}"
    );
    assert!(rows[0].1.contains("cookie"), "{rows:?}");
    let text = dir.expect(0, &["lint", "lone.json", "--now", NOW]);
    assert!(
        text.stdout
            .contains("$.entries[0]: warning: mail.example.com pinned"),
        "{text:?}"
    );
}

#[test]
fn lint_is_quiet_when_the_domain_is_pinned_with_subdomains() {
    let dir = Dir::new("cookie-whole");
    let rows = cookie_rows(
        &dir,
        "whole.json",
        r#"{"host": "example.com", "include_subdomains": true, "pinset": "mail", "mode": "enforce"},
           {"host": "mail.example.com", "pinset": "mail", "mode": "enforce"}"#,
    );
    assert!(rows.is_empty(), "{rows:?}");
}

#[test]
fn lint_judges_a_host_under_a_public_suffix_by_its_own_registrable_domain() {
    let dir = Dir::new("cookie-psl");
    let rows = cookie_rows(
        &dir,
        "pages.json",
        r#"{"host": "alice.github.io", "include_subdomains": true, "pinset": "mail", "mode": "enforce"}"#,
    );
    assert!(rows.is_empty(), "github.io is a public suffix: {rows:?}");
    let rows = cookie_rows(
        &dir,
        "deep.json",
        r#"{"host": "docs.alice.github.io", "pinset": "mail", "mode": "enforce"}"#,
    );
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].1.contains("not alice.github.io with"), "{rows:?}");
}

#[test]
fn lint_accepts_considered_and_stops_warning() {
    let dir = Dir::new("cookie-considered");
    let rows = cookie_rows(
        &dir,
        "considered.json",
        r#"{"host": "mail.example.com", "pinset": "mail", "mode": "enforce", "cookie_scope": "considered",
            "comment": "other example.com hosts are served by a CDN on other CAs"}"#,
    );
    assert!(rows.is_empty(), "{rows:?}");
    // A word lint does not know is a schema error, not a silent pass.
    dir.write(
        "typo.json",
        list(r#"{"host": "mail.example.com", "pinset": "mail", "mode": "enforce", "cookie_scope": "consider"}"#),
    );
    dir.expect(1, &["lint", "typo.json", "--now", NOW]);
}
