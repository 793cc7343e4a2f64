//! The engine's sources compiled once and kept between wakes (`list::compiled`): an engine from
//! the compiled form is the engine from the inputs, and a form is used only for the exact inputs
//! it was made from. A stored form that stood for other inputs would be other pins; one that
//! cannot be read must be refused, never half used.

mod common;

use common::{b64, extra_source, payload, pin_of_spki, Fixtures, NOW};
use pinwatch_core::judge::engine::{Engine, Settings};
use pinwatch_core::judge::standing::standing;
use pinwatch_core::list::compiled::{compile, decode, fingerprint, CompiledError};
use pinwatch_core::list::sources::{read_sources, SourceInput};
use pinwatch_core::{PinList, SourceKind};
use serde_json::json;
use wasm_bindgen_test::wasm_bindgen_test;

/// A channel's list that uses every field a compiled list keeps: issuer keys, bad pins, both
/// block lists, next signers, a channel, and an entry with and one without subdomains.
fn channel_payload(f: &Fixtures) -> String {
    json!({
        "version": 1,
        "sequence": 42,
        "issued_at": "2026-11-20T00:00:00Z",
        "expires_at": "2027-01-20T00:00:00Z",
        "publisher": "Channel tests",
        "channel": "https://updates.example.com/list.json",
        "pinsets": {
            "ca": {
                "good": [pin_of_spki(&f.legit_root_spki)],
                "bad": [pin_of_spki(&f.rogue_root_spki)],
                "issuer_keys": [b64(&f.legit_issuer_spki)]
            },
            "other": {"good": [pin_of_spki(&f.new_leaf_key)]}
        },
        "entries": [
            {"host": "docs.example.org", "include_subdomains": true, "pinset": "ca", "mode": "warn"},
            {"host": "mail.example.test", "pinset": "other", "mode": "report"},
            {"host": "10.0.0.7", "pinset": "ca", "mode": "enforce"}
        ],
        "blocklist": {
            "spki": [pin_of_spki(&f.rogue_root_spki)],
            "certificates": [pin_of_spki(b"a certificate")]
        },
        "next_signers": {"keys": ["ed25519:AAAA", "ed25519:BBBB"], "threshold": 2}
    })
    .to_string()
}

/// Every kind of source the extension hands over, with problems in some of them.
fn inputs(f: &Fixtures) -> Vec<SourceInput> {
    let good = [pin_of_spki(&f.legit_issuer_spki)];
    let source =
        |origin: &str, kind, payload: Option<String>, scope: Option<Vec<&str>>| SourceInput {
            origin: origin.into(),
            kind,
            payload,
            scope: scope.map(|s| s.into_iter().map(String::from).collect()),
            ..SourceInput::default()
        };
    let blocked = [pin_of_spki(b"blocked key")];
    vec![
        source(
            "bundled",
            SourceKind::Bundled,
            Some(payload(&good, &[], &[], "enforce", &blocked, &[])),
            None,
        ),
        source(
            "https://updates.example.com/list.json",
            SourceKind::Channel,
            Some(channel_payload(f)),
            Some(vec!["example.org", "10.0.0.7"]),
        ),
        source(
            "https://broken.example/list.json",
            SourceKind::UserChannel,
            Some("{\"version\": 1".into()),
            None,
        ),
        extra_source(
            "user",
            json!([
                {"host": "intranet.corp.test", "pins": [good[0]], "mode": "enforce"},
                {"host": "mail.example.test", "pins": [good[0]], "mode": "report"},
                {"host": "wiki.corp.test", "badPins": [pin_of_spki(&f.rogue_root_spki)], "includeSubdomains": true},
                {"host": "bad host!", "pins": [good[0]]}
            ]),
        ),
        extra_source(
            "policy",
            json!([{"host": "sso.corp.test", "pins": [good[0]], "badPins": [pin_of_spki(b"x")], "mode": "enforce"}]),
        ),
    ]
}

fn settings() -> Settings {
    Settings {
        allowed_interception_spkis: vec!["not a pin".into()],
        ..Settings::default()
    }
}

/// What the engine answers, as JSON: the table of every host, each source's status, the pinned
/// hosts, and the verdicts of the genuine and the rogue chain on every host.
fn answers(e: &Engine, f: &Fixtures) -> serde_json::Value {
    let hosts = [
        "mail.example.test",
        "a.mail.example.test",
        "exact.example.test",
        "docs.example.org",
        "10.0.0.7",
        "intranet.corp.test",
        "x.wiki.corp.test",
        "sso.corp.test",
        "unpinned.example.net",
    ];
    let verdicts: Vec<_> = hosts
        .iter()
        .flat_map(|h| [&f.legit_chain, &f.rogue_chain].map(|c| e.check(h, c, NOW)))
        .collect();
    json!({
        "standing": standing(e),
        "status": e.status_at(Some(NOW)),
        "pinned": e.pinned_hosts(),
        "verdicts": verdicts,
    })
}

#[wasm_bindgen_test(unsupported = test)]
fn an_engine_from_the_compiled_form_answers_as_the_engine_from_the_inputs() {
    let f = Fixtures::embedded();
    let (direct, direct_problems) = Engine::from_inputs(inputs(&f), &settings());
    let (form, read_problems) = compile(inputs(&f)).expect("text inputs compile");
    let (sources, extra_bad) = decode(&form, &inputs(&f)).expect("the form of these inputs");
    let (decoded, refused) = Engine::from_read(sources, extra_bad, &settings());

    assert_eq!(answers(&decoded, &f), answers(&direct, &f));
    // The problems reading found travel beside the form; the settings' are the engine's.
    let mut problems = read_problems;
    problems.extend(refused);
    assert_eq!(problems, direct_problems);
    assert!(
        problems
            .iter()
            .any(|p| p.origin == "https://broken.example/list.json")
            && problems.iter().any(|p| p.origin == "user")
            && problems
                .iter()
                .any(|p| p.origin == "allowedInterceptionSpkis"),
        "the inputs were meant to carry problems of each kind: {problems:?}"
    );

    // Each list comes back whole, field by field.
    let read = read_sources(inputs(&f));
    let (again, bad_again) = decode(&form, &inputs(&f)).unwrap();
    assert_eq!(again.len(), read.sources.len());
    for (a, b) in again.iter().zip(&read.sources) {
        assert_eq!((&a.origin, a.kind, &a.scope), (&b.origin, b.kind, &b.scope));
        assert_eq!(a.list.info, b.list.info);
        assert_eq!(a.list.pinsets, b.list.pinsets);
        assert_eq!(a.list.entries, b.list.entries);
        assert_eq!(a.list.blocked_spki, b.list.blocked_spki);
        assert_eq!(a.list.blocked_certs, b.list.blocked_certs);
        assert_eq!(a.list.next_signers, b.list.next_signers);
        for e in &b.list.entries {
            let host = pinwatch_core::normalize_host(&e.host).unwrap();
            assert_eq!(a.list.lookup(&host), b.list.lookup(&host));
        }
    }
    assert_eq!(format!("{bad_again:?}"), format!("{:?}", read.extra_bad));
    assert_eq!(bad_again.len(), 2);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_form_is_refused_for_any_other_inputs() {
    let f = Fixtures::embedded();
    let (form, _) = compile(inputs(&f)).unwrap();
    type Change = fn(&mut Vec<SourceInput>);
    let changes: [(&str, Change); 12] = [
        ("another origin", |i| i[1].origin.push('/')),
        ("another kind", |i| i[1].kind = SourceKind::UserChannel),
        ("a payload one byte longer", |i| {
            i[0].payload.as_mut().unwrap().push(' ')
        }),
        ("a payload one byte changed", |i| {
            let p = i[0].payload.take().unwrap();
            i[0].payload = Some(p.replacen("enforce", "enforcE", 1));
        }),
        ("no scope", |i| i[1].scope = None),
        ("an empty scope", |i| i[1].scope = Some(vec![])),
        ("a scope joined", |i| {
            i[1].scope = Some(vec!["example.org10.0.0.7".into()])
        }),
        ("an extra entry changed", |i| {
            let e = i[3].extra_entries.as_mut().unwrap();
            e[0] = e[0].replace("enforce", "warn");
        }),
        ("an extra entry fewer", |i| {
            i[3].extra_entries.as_mut().unwrap().pop();
        }),
        ("no extra entries", |i| i[4].extra_entries = Some(vec![])),
        ("a source fewer", |i| {
            i.remove(2);
        }),
        ("two sources swapped", |i| i.swap(3, 4)),
    ];
    let mut prints = vec![fingerprint(&inputs(&f)).unwrap()];
    for (what, change) in changes {
        let mut changed = inputs(&f);
        change(&mut changed);
        assert_eq!(
            decode(&form, &changed).err(),
            Some(CompiledError::Stale),
            "{what}"
        );
        let print = fingerprint(&changed).unwrap();
        assert!(
            !prints.contains(&print),
            "{what}: a fingerprint seen before"
        );
        prints.push(print);
    }
    // The same inputs, built again, are the same inputs.
    assert!(decode(&form, &inputs(&f)).is_ok());

    // An accepted list has no text to name: it is not compiled.
    let mut listed = inputs(&f);
    listed[0].list =
        Some(PinList::from_json(listed[0].payload.as_ref().unwrap().as_bytes()).unwrap());
    assert_eq!(compile(listed.clone()).err(), Some(CompiledError::NotText));
    assert_eq!(decode(&form, &listed).err(), Some(CompiledError::NotText));
}

#[wasm_bindgen_test(unsupported = test)]
fn a_form_cut_short_or_altered_is_refused_or_read_without_a_panic() {
    let f = Fixtures::embedded();
    let (form, _) = compile(inputs(&f)).unwrap();
    let inputs = inputs(&f);
    for len in 0..form.len() {
        assert!(
            decode(&form[..len], &inputs).is_err(),
            "a form cut to {len} of {} bytes was read",
            form.len()
        );
    }
    let mut longer = form.clone();
    longer.push(0);
    assert_eq!(
        decode(&longer, &inputs).err(),
        Some(CompiledError::Malformed)
    );
    // Every byte after the header, altered: refused, or read as some engine, never a panic.
    let mut refused = 0;
    for at in 36..form.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut altered = form.clone();
            altered[at] ^= flip;
            match decode(&altered, &inputs) {
                Err(e) => {
                    assert_eq!(e, CompiledError::Malformed);
                    refused += 1;
                }
                Ok((sources, extra_bad)) => {
                    let (e, _) = Engine::from_read(sources, extra_bad, &Settings::default());
                    let _ = answers(&e, &f);
                }
            }
        }
    }
    assert!(refused > 0);
    // A count that claims more items than bytes left allocates nothing for them.
    let mut huge = form[..36].to_vec();
    huge.extend([0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert_eq!(decode(&huge, &inputs).err(), Some(CompiledError::Malformed));
    // Another format's or another build's header is stale, not malformed: it is compiled again.
    let mut other = form.clone();
    other[3] ^= 1;
    assert_eq!(decode(&other, &inputs).err(), Some(CompiledError::Stale));
}
