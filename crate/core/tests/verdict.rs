//! Verdict tests on real certificate fixtures. The same tests run natively and as WASM under
//! node (wasm-bindgen-test), so both builds are proven on the same bytes.

mod common;

use common::*;
use pinwatch_core::judge::engine::{Settings, Source};
use pinwatch_core::judge::verdict::{MatchKind, Status};
use pinwatch_core::SourceKind;
use pinwatch_core::{Cert, Engine, Mode, Pin, PinList};
use wasm_bindgen_test::wasm_bindgen_test;

fn settings() -> Settings {
    Settings::default()
}

fn pinned_to_legit_intermediate(f: &Fixtures, mode: &str) -> Engine {
    let good = [
        pin_of_spki(&f.legit_issuer_spki),
        pin_of_spki(&f.legit_root_spki),
    ];
    engine(
        &payload(&good, &[], &[b64(&f.legit_issuer_spki)], mode, &[], &[]),
        &settings(),
    )
}

#[wasm_bindgen_test(unsupported = test)]
fn legitimate_chain_is_pinned_by_its_intermediate() {
    let f = Fixtures::embedded();
    let v =
        pinned_to_legit_intermediate(&f, "enforce").check("mail.example.test", &f.legit_chain, NOW);
    assert_eq!(v.status, Status::Pinned, "{}", v.reason);
    let m = v.matched.unwrap();
    assert_eq!(m.kind, MatchKind::ChainPin);
    assert_eq!(m.cert_index, Some(1));
    assert_eq!(m.pin, pin_of_spki(&f.legit_issuer_spki));
    assert_eq!(v.chain.len(), 3);
    assert_eq!(v.action, None);
    assert_eq!(v.list.unwrap().sequence, 7);
}

#[wasm_bindgen_test(unsupported = test)]
fn rogue_ca_chain_is_a_mismatch_with_the_entry_mode() {
    let f = Fixtures::embedded();
    for (mode, action) in [
        ("enforce", Mode::Enforce),
        ("warn", Mode::Warn),
        ("report", Mode::Report),
    ] {
        let v =
            pinned_to_legit_intermediate(&f, mode).check("Mail.Example.Test.", &f.rogue_chain, NOW);
        assert_eq!(v.status, Status::Mismatch);
        assert_eq!(v.action, Some(action));
        assert_eq!(v.host, "mail.example.test");
        assert_eq!(v.entry.as_ref().unwrap().pinset, "example");
        assert_eq!(v.pinset.as_ref().unwrap().good.len(), 2);
        assert!(v.chain[0].subject.contains("mail.example.test"));
        assert!(v.chain[1].subject.contains("Rogue Root CA"));
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn bad_pins_are_checked_before_good_pins() {
    let f = Fixtures::embedded();
    let good = [pin_of_spki(&f.legit_issuer_spki)];
    let bad = [pin_of_spki(&f.legit_root_spki)];
    let e = engine(&payload(&good, &bad, &[], "enforce", &[], &[]), &settings());
    let v = e.check("mail.example.test", &f.legit_chain, NOW);
    assert_eq!(v.status, Status::Mismatch);
    assert_eq!(v.matched.unwrap().kind, MatchKind::BadPin);
}

#[wasm_bindgen_test(unsupported = test)]
fn block_list_wins_on_any_host() {
    let f = Fixtures::embedded();
    let good = [
        pin_of_spki(&f.legit_issuer_spki),
        pin_of_spki(&f.legit_root_spki),
    ];
    let leaf_pin = Cert::from_der(&f.rogue_chain[0])
        .unwrap()
        .spki_pin
        .to_base64();
    let e = engine(
        &payload(&good, &[], &[], "warn", &[leaf_pin], &[]),
        &settings(),
    );
    let v = e.check("unrelated.example.org", &f.rogue_chain, NOW);
    assert_eq!(v.status, Status::Blocked);
    assert_eq!(v.action, Some(Mode::Enforce));
    assert_eq!(v.matched.unwrap().kind, MatchKind::BlockedSpki);

    let cert_hash = Pin::sha256(&f.legit_chain[0]).to_base64();
    let e = engine(
        &payload(&good, &[], &[], "warn", &[], &[cert_hash]),
        &settings(),
    );
    let v = e.check("mail.example.test", &f.legit_chain, NOW);
    assert_eq!(
        v.status,
        Status::Blocked,
        "a pinned chain with a blocked certificate is still blocked"
    );
    assert_eq!(v.matched.unwrap().kind, MatchKind::BlockedCertificate);
}

#[wasm_bindgen_test(unsupported = test)]
fn unpinned_hosts_and_subdomain_rules() {
    let f = Fixtures::embedded();
    let e = pinned_to_legit_intermediate(&f, "enforce");
    assert_eq!(
        e.check("other.example.test", &f.rogue_chain, NOW).status,
        Status::Unpinned
    );
    // include_subdomains on mail.example.test covers a.b.mail.example.test.
    assert_eq!(
        e.check("a.b.mail.example.test", &f.rogue_chain, NOW).status,
        Status::Mismatch
    );
    // exact.example.test does not include subdomains.
    assert_eq!(
        e.check("exact.example.test", &f.rogue_chain, NOW).status,
        Status::Mismatch
    );
    assert_eq!(
        e.check("sub.exact.example.test", &f.rogue_chain, NOW)
            .status,
        Status::Unpinned
    );
    // A suffix that is not on a label boundary is not a parent.
    assert_eq!(
        e.check("xmail.example.test", &f.rogue_chain, NOW).status,
        Status::Unpinned
    );
    // An IP literal never matches a name entry.
    assert_eq!(
        e.check("127.0.0.1", &f.rogue_chain, NOW).status,
        Status::Unpinned
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn an_expired_list_is_stale_and_does_not_enforce() {
    let f = Fixtures::embedded();
    let e = pinned_to_legit_intermediate(&f, "enforce");
    let after_expiry = pinwatch_core::time::parse_rfc3339("2027-01-20T00:00:01Z").unwrap();
    let v = e.check("mail.example.test", &f.legit_chain, after_expiry);
    assert_eq!(v.status, Status::Stale);
    assert_eq!(v.action, None);
    assert!(v.reason.contains("2027-01-20T00:00:00Z"));
    let v = e.check("mail.example.test", &f.rogue_chain, after_expiry);
    assert_eq!(
        v.status,
        Status::StaleMismatch,
        "not enforced, but not silent"
    );
    assert_eq!(v.action, None);
}

#[wasm_bindgen_test(unsupported = test)]
fn issuer_key_proof_for_leaf_only_chains() {
    let f = Fixtures::embedded();
    // Pins name no leaf, so a leaf-only chain can only pass through the issuer key.
    let good = [pin_of_spki(&f.legit_root_spki)];
    let e = engine(
        &payload(
            &good,
            &[],
            &[b64(&f.legit_issuer_spki)],
            "enforce",
            &[],
            &[],
        ),
        &settings(),
    );

    let v = e.check("mail.example.test", &[&f.new_leaf_key], NOW);
    assert_eq!(v.status, Status::Pinned, "{}", v.reason);
    assert!(v.leaf_only);
    assert_eq!(v.matched.unwrap().kind, MatchKind::IssuerKey);

    let v = e.check("mail.example.test", &[&f.legit_leaf], NOW);
    assert_eq!(v.status, Status::Pinned);

    // Same names, same leaf key, signed by a look-alike intermediate: refused.
    let v = e.check("mail.example.test", &[&f.resigned], NOW);
    assert_eq!(v.status, Status::Mismatch, "{}", v.reason);
    assert_eq!(v.action, Some(Mode::Enforce));

    // Without issuer keys a leaf alone is unverifiable, never pinned.
    let e = engine(&payload(&good, &[], &[], "enforce", &[], &[]), &settings());
    let v = e.check("mail.example.test", &[&f.new_leaf_key], NOW);
    assert_eq!(v.status, Status::Unverifiable);
    assert_eq!(v.action, None);
}

#[wasm_bindgen_test(unsupported = test)]
fn issuer_key_proof_covers_rsa_pkcs1_pss_and_p384() {
    let f = Fixtures::embedded();
    let good = [pin_of_spki(&f.rogue_root_spki)];
    let keys = [b64(&f.legit_root_spki), b64(&f.p384_issuer_spki)];
    let e = engine(
        &payload(&good, &[], &keys, "enforce", &[], &[]),
        &settings(),
    );
    for (name, leaf) in [
        ("pkcs1 sha384", &f.rsa_pkcs1_leaf),
        ("pss sha256", &f.rsa_pss_leaf),
        ("p384 sha384", &f.p384_leaf),
    ] {
        let v = e.check("mail.example.test", &[leaf], NOW);
        assert_eq!(v.status, Status::Pinned, "{name}: {}", v.reason);
    }
    // Each leaf fails under the other key.
    let only_p384 = engine(
        &payload(&good, &[], &[b64(&f.p384_issuer_spki)], "enforce", &[], &[]),
        &settings(),
    );
    assert_eq!(
        only_p384
            .check("mail.example.test", &[&f.rsa_pss_leaf], NOW)
            .status,
        Status::Mismatch
    );
    let only_rsa = engine(
        &payload(&good, &[], &[b64(&f.legit_root_spki)], "enforce", &[], &[]),
        &settings(),
    );
    assert_eq!(
        only_rsa
            .check("mail.example.test", &[&f.p384_leaf], NOW)
            .status,
        Status::Mismatch
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn allowed_interception_root_is_reported_not_alarmed() {
    let f = Fixtures::embedded();
    let mut s = settings();
    s.allowed_interception_spkis = vec![pin_of_spki(&f.rogue_root_spki)];
    let good = [pin_of_spki(&f.legit_issuer_spki)];
    let e = engine(&payload(&good, &[], &[], "enforce", &[], &[]), &s);
    let v = e.check("mail.example.test", &f.rogue_chain, NOW);
    assert_eq!(v.status, Status::AllowedInterception);
    assert_eq!(v.action, Some(Mode::Report));
    assert_eq!(v.matched.unwrap().cert_index, Some(1));
    // The legitimate chain is still simply pinned.
    assert_eq!(
        e.check("mail.example.test", &f.legit_chain, NOW).status,
        Status::Pinned
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn mode_override_is_never_weaker_than_policy() {
    let f = Fixtures::embedded();
    let good = [pin_of_spki(&f.legit_issuer_spki)];
    let p = payload(&good, &[], &[], "enforce", &[], &[]);
    for (policy, user, expected) in [
        (None, None, Mode::Enforce),
        (Some(Mode::Report), None, Mode::Report),
        (Some(Mode::Warn), Some(Mode::Report), Mode::Warn),
        (Some(Mode::Warn), Some(Mode::Enforce), Mode::Enforce),
        (None, Some(Mode::Warn), Mode::Warn),
    ] {
        let s = Settings {
            policy_mode: policy,
            user_mode: user,
            ..Settings::default()
        };
        let v = engine(&p, &s).check("mail.example.test", &f.rogue_chain, NOW);
        assert_eq!(v.action, Some(expected), "policy {policy:?} user {user:?}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn later_sources_win_and_scope_limits_a_source() {
    let f = Fixtures::embedded();
    let legit = payload(
        &[pin_of_spki(&f.legit_issuer_spki)],
        &[],
        &[],
        "enforce",
        &[],
        &[],
    );
    let rogue = payload(
        &[pin_of_spki(&f.rogue_root_spki)],
        &[],
        &[],
        "warn",
        &[],
        &[],
    );
    let source = |origin: &str, text: &str, scope: Option<Vec<String>>| Source {
        origin: origin.into(),
        kind: SourceKind::Bundled,
        list: PinList::from_json(text.as_bytes()).unwrap(),
        scope,
    };
    let (e, _) = Engine::new(
        vec![
            source("bundled", &legit, None),
            source("channel", &rogue, None),
        ],
        &settings(),
    );
    let v = e.check("mail.example.test", &f.rogue_chain, NOW);
    assert_eq!(v.status, Status::Pinned);
    assert_eq!(v.entry.unwrap().source, "channel");

    let scoped = Some(vec!["other.test".to_string()]);
    let (e, _) = Engine::new(
        vec![
            source("bundled", &legit, None),
            source("channel", &rogue, scoped),
        ],
        &settings(),
    );
    let v = e.check("mail.example.test", &f.rogue_chain, NOW);
    assert_eq!(
        v.status,
        Status::Mismatch,
        "an out-of-scope channel cannot re-pin the host"
    );
    assert_eq!(e.status_at(Some(NOW))[1].out_of_scope, 2);
}

#[wasm_bindgen_test(unsupported = test)]
fn extra_entries_with_issuer_keys_prove_a_leaf_alone() {
    let f = Fixtures::embedded();
    let extra = |keys: Vec<String>| {
        let extras: Vec<pinwatch_core::list::ExtraEntry> = serde_json::from_value(serde_json::json!([
            {"host": "mail.example.test", "pins": [pin_of_spki(&f.legit_root_spki)], "issuerKeys": keys, "mode": "enforce"}
        ]))
        .unwrap();
        let list = PinList::from_extra_entries("policy", &extras).unwrap();
        Engine::new(
            vec![Source {
                origin: "policy".into(),
                kind: SourceKind::Bundled,
                list,
                scope: None,
            }],
            &settings(),
        )
        .0
    };
    let leaf = std::slice::from_ref(&f.legit_leaf);
    let with_key = extra(vec![b64(&f.legit_issuer_spki)]);
    let v = with_key.check("mail.example.test", leaf, NOW);
    assert_eq!(v.status, Status::Pinned, "{}", v.reason);
    assert_eq!(v.matched.unwrap().kind, MatchKind::IssuerKey);
    // Without the issuer key the leaf alone proves nothing.
    let without = extra(vec![]);
    assert_ne!(
        without.check("mail.example.test", leaf, NOW).status,
        Status::Pinned
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn extra_entries_pin_internal_hosts() {
    let f = Fixtures::embedded();
    let extras: Vec<pinwatch_core::list::ExtraEntry> = serde_json::from_value(serde_json::json!([
        {"host": "intranet.corp.test", "includeSubdomains": true, "pins": [pin_of_spki(&f.legit_root_spki)], "mode": "enforce"}
    ]))
    .unwrap();
    let list = PinList::from_extra_entries("policy", &extras).unwrap();
    let (e, _) = Engine::new(
        vec![Source {
            origin: "policy".into(),
            kind: SourceKind::Bundled,
            list,
            scope: None,
        }],
        &settings(),
    );
    assert_eq!(
        e.check("wiki.intranet.corp.test", &f.legit_chain, NOW)
            .status,
        Status::Pinned
    );
    assert_eq!(
        e.check("wiki.intranet.corp.test", &f.rogue_chain, NOW)
            .status,
        Status::Mismatch
    );
    let far = pinwatch_core::time::parse_rfc3339("2200-01-01T00:00:00Z").unwrap();
    assert_eq!(
        e.check("wiki.intranet.corp.test", &f.rogue_chain, far)
            .status,
        Status::Mismatch,
        "extra entries never go stale"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn odd_serial_still_yields_the_openssl_pin() {
    let f = Fixtures::embedded();
    let cert = Cert::from_der(&f.odd_serial).unwrap();
    assert_eq!(cert.spki_pin.to_base64(), f.odd_serial_openssl_pin);
    assert_eq!(
        cert.facts.serial,
        "7f0102030405060708090a0b0c0d0e0f1011121314"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn hostile_subject_text_is_carried_as_data() {
    let f = Fixtures::embedded();
    let facts = Cert::from_der(&f.hostile).unwrap().facts;
    assert_eq!(
        facts.subject,
        "CN=<script>alert(1)</script>, O=<img src=x onerror=alert(1)>"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn certificate_facts_are_complete() {
    let f = Fixtures::embedded();
    let leaf = Cert::from_der(&f.legit_chain[0]).unwrap().facts;
    assert_eq!(leaf.san_dns, ["mail.example.test", "*.mail.example.test"]);
    assert_eq!(leaf.key_algorithm, "ECDSA P-256");
    assert_eq!(leaf.key_bits, Some(256));
    assert!(!leaf.is_ca);
    assert!(leaf.subject_key_id.is_some() && leaf.authority_key_id.is_some());
    assert!(leaf.not_before.as_deref().unwrap() < leaf.not_after.as_deref().unwrap());
    assert_eq!(leaf.serial, "2001");
    assert!(leaf.parse_note.is_none());
    let root = Cert::from_der(&f.legit_chain[2]).unwrap().facts;
    assert_eq!(root.key_algorithm, "RSA");
    assert_eq!(root.key_bits, Some(2048));
    assert!(root.is_ca);
    let int = Cert::from_der(&f.legit_chain[1]).unwrap().facts;
    assert_eq!(int.authority_key_id, root.subject_key_id);
}
