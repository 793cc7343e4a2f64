//! What an interceptor who knows Pinwatch is there can try against the core, one test each:
//! an expired list, an unreadable chain, a compromised key beside junk, huge certificate text,
//! and a user entry that tries to replace the organisation's. Native and WASM.

mod common;

use common::*;
use pinwatch_core::judge::decision::{decide, Act, Situation, StopReason};
use pinwatch_core::judge::engine::Settings;
use pinwatch_core::judge::verdict::Status;
use pinwatch_core::list::sources::{SourceInput, SourceKind};
use pinwatch_core::x509::cert::{Cert, MAX_NAME_BYTES, MAX_SAN_NAMES};
use pinwatch_core::{Engine, Mode};
use wasm_bindgen_test::wasm_bindgen_test;

fn legit_payload(f: &Fixtures, mode: &str, blocked_spki: &[String]) -> String {
    payload(
        &[
            pin_of_spki(&f.legit_issuer_spki),
            pin_of_spki(&f.legit_root_spki),
        ],
        &[],
        &[],
        mode,
        blocked_spki,
        &[],
    )
}

fn situation_of(v: &pinwatch_core::Verdict) -> Situation {
    Situation {
        status: Some(v.status),
        mode: v.mode,
        chain_offered: true,
        unreadable: v.unreadable,
        allow_override: true,
        ..Situation::default()
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn a_rogue_chain_under_an_expired_list_is_a_stale_mismatch_that_warns_and_reports() {
    let f = Fixtures::embedded();
    let e = engine(&legit_payload(&f, "enforce", &[]), &Settings::default());
    let after_expiry = pinwatch_core::time::parse_rfc3339("2027-01-20T00:00:01Z").unwrap();
    let v = e.check("mail.example.test", &f.rogue_chain, after_expiry);
    assert_eq!(v.status, Status::StaleMismatch);
    assert_eq!(v.action, None, "an expired list enforces nothing");
    let d = decide(&situation_of(&v));
    assert_eq!(d.act, Act::Warn);
    assert!(d.report && d.notify);
    let v = e.check("mail.example.test", &f.legit_chain, after_expiry);
    assert_eq!(
        v.status,
        Status::Stale,
        "the legit chain under an expired list"
    );
    assert_eq!(decide(&situation_of(&v)).act, Act::Pass);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_chain_that_cannot_be_read_stops_an_enforced_pinned_host() {
    let f = Fixtures::embedded();
    let e = engine(&legit_payload(&f, "enforce", &[]), &Settings::default());
    let mut junk = f.rogue_chain.clone();
    junk.push(b"\x30\x03\x02\x01".to_vec()); // a truncated certificate
    for chain in [junk, vec![vec![0u8; 10]; 17]] {
        let v = e.check("mail.example.test", &chain, NOW);
        assert_eq!(v.status, Status::Unverifiable);
        assert_eq!(v.mode, Some(Mode::Enforce));
        let d = decide(&situation_of(&v));
        assert_eq!(
            (d.act, d.stop_reason),
            (Act::Stop, Some(StopReason::CouldNotBeChecked))
        );
    }
    let empty: Vec<Vec<u8>> = Vec::new();
    let v = e.check("mail.example.test", &empty, NOW);
    assert_eq!(v.mode, Some(Mode::Enforce));
    assert_eq!(
        decide(&situation_of(&v)).act,
        Act::Stop,
        "an empty chain handed over"
    );
    let no_api = Situation {
        chain_offered: false,
        ..situation_of(&v)
    };
    assert_eq!(
        decide(&no_api).act,
        Act::Pass,
        "a browser that offers no chain at all"
    );
    // A leaf alone, and a pin set with no issuer key to check it: a browser limit, which passes.
    let v = e.check("mail.example.test", &f.rogue_chain[..1], NOW);
    assert_eq!(v.status, Status::Unverifiable);
    assert!(!v.unreadable);
    assert_eq!(decide(&situation_of(&v)).act, Act::Pass);
    let warn = engine(&legit_payload(&f, "warn", &[]), &Settings::default());
    let v = warn.check("mail.example.test", &empty, NOW);
    assert_eq!(decide(&situation_of(&v)).act, Act::Pass);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_block_listed_key_is_found_before_an_unreadable_certificate_refuses_the_chain() {
    let f = Fixtures::embedded();
    let rogue_root_pin = pin_of_spki(&f.rogue_root_spki);
    let e = engine(
        &legit_payload(&f, "warn", &[rogue_root_pin]),
        &Settings::default(),
    );
    let mut chain = f.rogue_chain.clone();
    chain.insert(1, b"\x30\x03\x02\x01".to_vec());
    for host in ["mail.example.test", "unpinned.example.test"] {
        let v = e.check(host, &chain, NOW);
        assert_eq!(v.status, Status::Blocked, "{host}");
        assert_eq!(decide(&situation_of(&v)).act, Act::Stop);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn proceed_anyway_is_bound_to_the_chain_it_was_given_for() {
    let f = Fixtures::embedded();
    let e = engine(&legit_payload(&f, "enforce", &[]), &Settings::default());
    let rogue = e.check("mail.example.test", &f.rogue_chain, NOW);
    let mut other = f.rogue_chain.clone();
    other[0] = f.new_leaf_key.clone();
    let other = e.check("mail.example.test", &other, NOW);
    assert_eq!(rogue.chain_key.split(' ').count(), f.rogue_chain.len());
    assert_ne!(rogue.chain_key, other.chain_key);
    assert_eq!(
        rogue.chain_key,
        e.check("mail.example.test", &f.rogue_chain, NOW).chain_key
    );
}

/// DER of one element.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match content.len() {
        n if n < 0x80 => out.push(n as u8),
        n if n < 0x100 => out.extend([0x81, n as u8]),
        n => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(content);
    out
}

/// A certificate (unsigned: facts do not need a signature) with a long subject and `names`
/// SAN entries, the SPKI taken from a real leaf.
fn certificate_with(subject_cn: &str, names: usize, spki: &[u8]) -> Vec<u8> {
    let alg = tlv(
        0x30,
        &tlv(0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]),
    );
    let name = |cn: &str| {
        let atv = [tlv(0x06, &[0x55, 0x04, 0x03]), tlv(0x0c, cn.as_bytes())].concat();
        tlv(0x30, &tlv(0x31, &tlv(0x30, &atv)))
    };
    let validity = tlv(
        0x30,
        &[tlv(0x17, b"260101000000Z"), tlv(0x17, b"270101000000Z")].concat(),
    );
    let sans: Vec<u8> = (0..names)
        .flat_map(|i| tlv(0x82, format!("n{i:05}.example.test").as_bytes()))
        .collect();
    let san_ext = tlv(
        0x30,
        &[tlv(0x06, &[0x55, 0x1d, 0x11]), tlv(0x04, &tlv(0x30, &sans))].concat(),
    );
    let tbs = tlv(
        0x30,
        &[
            tlv(0xa0, &tlv(0x02, &[2])),
            tlv(0x02, &[1]),
            alg.clone(),
            name("issuer"),
            validity,
            name(subject_cn),
            spki.to_vec(),
            tlv(0xa3, &tlv(0x30, &san_ext)),
        ]
        .concat(),
    );
    tlv(0x30, &[tbs, alg, tlv(0x03, &[0, 0x30, 0x00])].concat())
}

#[wasm_bindgen_test(unsupported = test)]
fn certificate_text_is_capped_whatever_the_interceptor_writes() {
    let f = Fixtures::embedded();
    let spki = Cert::from_der(&f.legit_leaf).unwrap().spki_der().to_vec();
    let der = certificate_with(&"é".repeat(3000), 2800, &spki);
    assert!(der.len() > 60_000, "a 60 KB SAN list");
    let cert = Cert::from_der(&der).unwrap();
    assert!(cert.facts.subject.len() <= MAX_NAME_BYTES);
    assert!(cert.facts.subject.ends_with('…'));
    assert_eq!(cert.facts.san_dns.len(), MAX_SAN_NAMES);
    assert_eq!(cert.facts.san_dns_more, 2800 - MAX_SAN_NAMES);
    let json = serde_json::to_string(&cert.facts).unwrap();
    assert!(
        json.len() < 4 * 1024,
        "facts of one certificate: {} bytes",
        json.len()
    );
    // The pin is still exact: capping is for people, never for decisions.
    assert_eq!(cert.facts.spki_sha256, pin_of_spki(&spki));
}

fn raw(value: serde_json::Value) -> String {
    value.to_string()
}

fn extra(host: &str, pins: &[String], mode: &str, subdomains: bool) -> String {
    raw(
        serde_json::json!({"host": host, "pins": pins, "mode": mode, "includeSubdomains": subdomains}),
    )
}

fn input(origin: &str, kind: SourceKind) -> SourceInput {
    SourceInput {
        origin: origin.into(),
        kind,
        ..SourceInput::default()
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn the_user_adds_hosts_but_never_replaces_or_weakens_a_lists_entry() {
    let f = Fixtures::embedded();
    let rogue = vec![pin_of_spki(&f.rogue_root_spki)];
    let bundled = SourceInput {
        payload: Some(legit_payload(&f, "enforce", &[])),
        ..input("bundled", SourceKind::Bundled)
    };
    let user = SourceInput {
        extra_entries: Some(vec![
            extra("mail.example.test", &rogue, "report", false),
            extra("login.mail.example.test", &rogue, "report", false),
            extra("intranet.corp.test", &rogue, "warn", false),
        ]),
        ..input("user", SourceKind::User)
    };
    let (e, problems) =
        Engine::from_inputs(vec![bundled.clone(), user.clone()], &Settings::default());
    for host in ["mail.example.test", "login.mail.example.test"] {
        let v = e.check(host, &f.rogue_chain, NOW);
        assert_eq!(
            v.status,
            Status::Mismatch,
            "{host}: the user's pins do not count"
        );
        assert_eq!(
            v.action,
            Some(Mode::Enforce),
            "{host}: nor the user's weaker mode"
        );
        assert!(
            problems.iter().any(|p| p.origin == "user"
                && p.error.contains(host)
                && p.error.contains("never replace")),
            "{host}: the refusal is named: {problems:?}"
        );
    }
    assert_eq!(
        e.check("intranet.corp.test", &f.rogue_chain, NOW).status,
        Status::Pinned,
        "a host no list governs can be pinned by the user"
    );
    // A user channel likewise; policy keeps its power to replace.
    let user_channel = SourceInput {
        payload: Some(payload(&rogue, &[], &[], "report", &[], &[])),
        ..input("https://lists.example/user", SourceKind::UserChannel)
    };
    let (e, problems) =
        Engine::from_inputs(vec![bundled.clone(), user_channel], &Settings::default());
    assert_eq!(
        e.check("mail.example.test", &f.rogue_chain, NOW).status,
        Status::Mismatch
    );
    assert!(!problems.is_empty());
    let policy = SourceInput {
        extra_entries: Some(vec![extra("mail.example.test", &rogue, "enforce", false)]),
        ..input("policy", SourceKind::Policy)
    };
    let (e, problems) = Engine::from_inputs(vec![bundled, user, policy], &Settings::default());
    assert_eq!(
        e.check("mail.example.test", &f.rogue_chain, NOW).status,
        Status::Pinned
    );
    assert!(
        !problems.iter().any(|p| p.origin == "policy"),
        "{problems:?}"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn extra_entries_are_checked_one_by_one_and_each_refusal_is_named() {
    let f = Fixtures::embedded();
    let good = vec![pin_of_spki(&f.legit_root_spki)];
    let values = vec![
        extra("Intranet.Corp.Test.", &good, "warn", true),
        raw(serde_json::json!({"host": "a.test", "pins": []})),
        raw(serde_json::json!({"host": "b.test", "pins": ["not a pin"]})),
        raw(serde_json::json!({"host": "c.test", "pins": good, "mode": "block"})),
        raw(serde_json::json!({"host": "bad host\u{0}", "pins": good})),
        raw(serde_json::json!("a string")),
    ];
    let (entries, errors) = pinwatch_core::list::sources::check_extra_entries(&values);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].host, "intranet.corp.test");
    assert_eq!(errors.len(), 5, "{errors:?}");
    use pinwatch_core::problem::ProblemCode;
    let codes: Vec<_> = errors.iter().map(|e| e.code).collect();
    assert_eq!(
        codes,
        [
            ProblemCode::EntryNoPins,
            ProblemCode::EntryBadPin,
            ProblemCode::EntryUnreadable,
            ProblemCode::EntryBadHost,
            ProblemCode::EntryUnreadable
        ]
    );
    assert!(
        errors[0].english().starts_with("Entry 2 (a.test)"),
        "{errors:?}"
    );
    assert!(errors[1].english().contains("not a SHA-256 pin"));
    assert!(errors[2].english().contains("unknown variant `block`"));
}

#[wasm_bindgen_test(unsupported = test)]
fn a_user_may_add_bad_pins_anywhere_and_they_only_make_verdicts_stricter() {
    let f = Fixtures::embedded();
    let legit_issuer = pin_of_spki(&f.legit_issuer_spki);
    let bundled = SourceInput {
        payload: Some(legit_payload(&f, "warn", &[])),
        ..input("bundled", SourceKind::Bundled)
    };
    let bad_only = |host: &str, mode: &str| {
        raw(serde_json::json!({"host": host, "badPins": [legit_issuer], "mode": mode}))
    };
    let user = SourceInput {
        extra_entries: Some(vec![
            bad_only("mail.example.test", "enforce"),
            bad_only("unpinned.example.test", "report"),
        ]),
        ..input("user", SourceKind::User)
    };
    let (e, problems) = Engine::from_inputs(vec![bundled.clone(), user], &Settings::default());
    assert!(problems.is_empty(), "{problems:?}");
    let v = e.check("mail.example.test", &f.legit_chain, NOW);
    assert_eq!(
        v.status,
        Status::Mismatch,
        "the list's good pin does not outweigh a bad one"
    );
    assert_eq!(
        v.mode,
        Some(Mode::Enforce),
        "the stronger of the list's warn and the user's enforce"
    );
    assert_eq!(decide(&situation_of(&v)).act, Act::Stop);
    assert_eq!(e.mode_for("mail.example.test"), Some(Mode::Enforce));
    let v = e.check("unpinned.example.test", &f.legit_chain, NOW);
    assert_eq!((v.status, v.mode), (Status::Mismatch, Some(Mode::Report)));
    assert!(
        e.is_pinned("unpinned.example.test"),
        "its sub-resources are watched too"
    );
    assert_eq!(
        e.check("mail.example.test", &f.rogue_chain, NOW).status,
        Status::Mismatch
    );
    // A weaker mode in a bad-pin entry never weakens the list's.
    let user = SourceInput {
        extra_entries: Some(vec![bad_only("mail.example.test", "report")]),
        ..input("user", SourceKind::User)
    };
    let strict = SourceInput {
        payload: Some(legit_payload(&f, "enforce", &[])),
        ..bundled
    };
    let (e, _) = Engine::from_inputs(vec![strict, user], &Settings::default());
    assert_eq!(
        e.check("mail.example.test", &f.legit_chain, NOW).mode,
        Some(Mode::Enforce)
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_trap_while_judging_stops_an_enforced_host_and_is_our_own_error_elsewhere() {
    use pinwatch_core::judge::decision::Failure;
    let trapped = |mode| {
        decide(&Situation {
            mode,
            failure: Some(Failure::Trapped),
            chain_offered: true,
            allow_override: true,
            ..Situation::default()
        })
    };
    let d = trapped(Some(Mode::Enforce));
    assert_eq!(
        (d.act, d.stop_reason),
        (Act::Stop, Some(StopReason::CouldNotBeChecked))
    );
    assert!(d.offer_retry && !d.offer_proceed);
    for mode in [Some(Mode::Warn), Some(Mode::Report), None] {
        let d = trapped(mode);
        assert_eq!((d.act, d.error_badge), (Act::Pass, true), "{mode:?}");
    }
    // A stop reached before the trap stands.
    let d = decide(&Situation {
        status: Some(Status::Mismatch),
        mode: Some(Mode::Enforce),
        failure: Some(Failure::Trapped),
        ..Situation::default()
    });
    assert_eq!(d.stop_reason, Some(StopReason::Mismatch));
}
