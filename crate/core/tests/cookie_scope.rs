//! The cookie-scope rule: which registrable domains a list pins only in part, and the
//! `cookie_scope` field that says the rest was considered. The rule needs the `cookie-scope`
//! feature (the Public Suffix List); the field is read by every build, WASM included.

use pinwatch_core::list::json;
use pinwatch_core::list::{CookieScope, Payload};
use pinwatch_core::{ListError, PinList};
use wasm_bindgen_test::wasm_bindgen_test;

const PIN_A: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
const PIN_B: &str = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";

/// A payload with these entries (JSON objects without their pin set, which is added).
fn payload_json(entries: &[&str]) -> String {
    let entries: Vec<String> = entries
        .iter()
        .map(|e| format!(r#"{{{e}, "pinset": "s", "mode": "enforce"}}"#))
        .collect();
    format!(
        r#"{{"version": 1, "sequence": 1, "issued_at": "2026-12-01T00:00:00Z",
            "expires_at": "2027-01-01T00:00:00Z", "publisher": "Test",
            "pinsets": {{"s": {{"good": ["{PIN_A}", "{PIN_B}"]}}}},
            "entries": [{}]}}"#,
        entries.join(", ")
    )
}

fn payload(entries: &[&str]) -> Payload {
    json::parse(payload_json(entries).as_bytes()).expect("test payload parses")
}

#[wasm_bindgen_test(unsupported = test)]
fn the_considered_field_is_read_by_the_list_parser() {
    let p = payload(&[r#""host": "mail.example.com", "cookie_scope": "considered""#]);
    assert_eq!(p.entries[0].cookie_scope, Some(CookieScope::Considered));
    let list = PinList::from_json(
        payload_json(&[r#""host": "mail.example.com", "cookie_scope": "considered""#]).as_bytes(),
    );
    assert!(list.is_ok(), "{list:?}");
    assert_eq!(
        payload(&[r#""host": "a.example.com""#]).entries[0].cookie_scope,
        None
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn an_unknown_cookie_scope_word_is_refused() {
    let r = PinList::from_json(
        payload_json(&[r#""host": "mail.example.com", "cookie_scope": "ignored""#]).as_bytes(),
    );
    assert!(matches!(r, Err(ListError::Json(_))), "{r:?}");
}

#[cfg(feature = "cookie-scope")]
mod rule {
    use super::payload;
    use pinwatch_core::list::cookie_scope::{gaps, registrable_domain, Gap};

    #[test]
    fn a_list_pinning_only_a_mail_host_leaves_its_domain_open() {
        let found = gaps(&payload(&[r#""host": "mail.example.com""#]));
        assert_eq!(
            found,
            vec![Gap {
                domain: "example.com".into(),
                entries: vec![0],
                hosts: vec!["mail.example.com".into()],
            }]
        );
    }

    #[test]
    fn subdomains_of_the_pinned_host_do_not_cover_its_siblings() {
        let found = gaps(&payload(&[
            r#""host": "mail.example.com", "include_subdomains": true"#,
            r#""host": "accounts.example.com", "include_subdomains": true"#,
        ]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].domain, "example.com");
        assert_eq!(found[0].hosts, ["mail.example.com", "accounts.example.com"]);
    }

    #[test]
    fn the_domain_pinned_with_subdomains_covers_every_host() {
        let found = gaps(&payload(&[
            r#""host": "example.com", "include_subdomains": true"#,
            r#""host": "mail.example.com""#,
        ]));
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn the_domain_pinned_alone_leaves_its_subdomains_open() {
        let found = gaps(&payload(&[r#""host": "example.com""#]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].domain, "example.com");
    }

    #[test]
    fn a_host_under_a_public_suffix_is_judged_by_its_own_registrable_domain() {
        // github.io is a public suffix (private section): alice.github.io is the domain.
        assert_eq!(
            registrable_domain("docs.alice.github.io"),
            Some("alice.github.io")
        );
        assert_eq!(registrable_domain("github.io"), None);
        assert!(gaps(&payload(&[
            r#""host": "alice.github.io", "include_subdomains": true"#
        ]))
        .is_empty());
        let found = gaps(&payload(&[r#""host": "docs.alice.github.io""#]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].domain, "alice.github.io");
        // A multi-label suffix: co.uk.
        let found = gaps(&payload(&[r#""host": "mail.example.co.uk""#]));
        assert_eq!(found[0].domain, "example.co.uk");
    }

    #[test]
    fn considered_silences_only_the_entries_that_say_it() {
        let all = gaps(&payload(&[
            r#""host": "login.example.com", "cookie_scope": "considered""#,
            r#""host": "mail.example.com", "cookie_scope": "considered""#,
        ]));
        assert!(all.is_empty(), "{all:?}");
        let part = gaps(&payload(&[
            r#""host": "login.example.com", "cookie_scope": "considered""#,
            r#""host": "mail.example.com""#,
        ]));
        assert_eq!(part.len(), 1, "{part:?}");
        assert_eq!(part[0].entries, [1]);
        assert_eq!(part[0].hosts, ["mail.example.com"]);
    }

    #[test]
    fn domains_are_reported_once_each_in_list_order() {
        let found = gaps(&payload(&[
            r#""host": "b.example.org""#,
            r#""host": "a.example.com""#,
            r#""host": "c.example.org""#,
            r#""host": "192.0.2.1""#,
        ]));
        let domains: Vec<&str> = found.iter().map(|g| g.domain.as_str()).collect();
        assert_eq!(domains, ["example.org", "example.com"]);
        assert_eq!(found[0].entries, [0, 2]);
    }
}

/// The rule over extra entries as policy writes them (camelCase JSON, one text per entry).
#[cfg(feature = "cookie-scope")]
mod extra_entries {
    use pinwatch_core::list::cookie_scope::extra_gaps;
    use pinwatch_core::problem::ProblemCode;

    const PIN: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

    fn extras(entries: &[&str]) -> Vec<String> {
        entries
            .iter()
            .map(|e| format!(r#"{{{e}, "pins": ["{PIN}"]}}"#))
            .collect()
    }

    #[test]
    fn policy_pinning_only_a_mail_host_leaves_its_domain_open() {
        let found = extra_gaps(&extras(&[r#""host": "Mail.Example.com.""#]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].domain, "example.com");
        assert_eq!(found[0].hosts, ["mail.example.com"]);
        let problem = found[0].problem();
        assert_eq!(problem.code, ProblemCode::CookieScopeOpen);
        assert_eq!(problem.params["domain"], "example.com");
        assert!(problem.english().contains("cookie"), "{problem}");
    }

    #[test]
    fn policy_pinning_the_domain_with_subdomains_leaves_nothing_open() {
        let found = extra_gaps(&extras(&[
            r#""host": "example.com", "includeSubdomains": true"#,
            r#""host": "mail.example.com""#,
        ]));
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_policy_host_under_github_io_is_judged_by_its_own_domain() {
        let found = extra_gaps(&extras(&[
            r#""host": "alice.github.io", "includeSubdomains": true"#,
            r#""host": "docs.bob.github.io""#,
        ]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].domain, "bob.github.io");
        assert_eq!(found[0].entries, [1]);
    }

    #[test]
    fn entries_that_do_not_read_are_skipped_and_indexes_stay_the_policys() {
        let mut values = vec!["42".to_string()];
        values.extend(extras(&[
            r#""host": "not a host""#,
            r#""host": "a.example.org""#,
        ]));
        let found = extra_gaps(&values);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].domain, "example.org");
        assert_eq!(found[0].entries, [2]);
    }
}
