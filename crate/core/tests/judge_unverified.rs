//! The judge (judge/unverified.rs, proof.rs): a chain a full-chain browser did not verify itself
//! (one certificate, an untrusted chain, an overridden certificate error) is never a leaf-only
//! limit, and the issuer-key proof vouches only for a leaf whose names cover the host. Native
//! and WASM.

mod common;
mod mint;

use common::*;
use mint::{leaf, leaf_named, Ca};
use pinwatch_core::judge::decision::{Act, StopReason};
use pinwatch_core::judge::engine::{Engine, Settings};
use pinwatch_core::judge::memory::Memory;
use pinwatch_core::judge::proof::name_covers;
use pinwatch_core::judge::verdict::Status;
use pinwatch_core::judge::{Capture, CompanionScope, Judge, NeedKind, Outcome, Start};
use pinwatch_core::reason::ReasonCode;
use pinwatch_core::Cert;
use wasm_bindgen_test::wasm_bindgen_test;

const HOST: &str = "mail.example.test";

fn start() -> Start {
    serde_json::from_value(serde_json::json!({
        "host": HOST, "type": "main_frame", "held": true, "canFetch": true, "now": NOW * 1000,
    }))
    .unwrap()
}

/// What Firefox's `getSecurityInfo` says of `chain`: its digests, and its own doubts.
fn firefox(chain: &[Vec<u8>], untrusted: bool, overridden: Option<&str>) -> Capture {
    Capture {
        untrusted,
        overridden_error: overridden.map(str::to_string),
        built_in_root: None,
        ..firefox_capture(chain)
    }
}

/// Drives one response to its end, feeding `capture` (with the DER when asked) and no override.
fn run(e: &Engine, capture: Capture, chain: &[Vec<u8>]) -> Outcome {
    let mut m = Memory::default();
    let mut judge = Judge::new(e, &mut m, start());
    loop {
        let step = judge.step().clone();
        let Some(n) = step.need else {
            return *step.outcome.unwrap();
        };
        match n {
            NeedKind::Chain => {
                let der = if step.der == Some(true) {
                    chain.to_vec()
                } else {
                    Vec::new()
                };
                judge.feed_chain(e, &mut m, capture.clone(), der).unwrap();
            }
            NeedKind::Override => {
                judge.feed_override(e, &mut m, false, None).unwrap();
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// Chromium's leaf tier: the leaf alone, nothing fetched (no AIA URL in these leaves).
fn chromium_leaf(e: &Engine, leaf: &[u8]) -> Outcome {
    let mut m = Memory::default();
    let start = Start {
        companion: CompanionScope::Off,
        ..start()
    };
    let mut judge = Judge::new(e, &mut m, start);
    let capture = Capture {
        tier: Some("securityInfoRawDer".into()),
        state: Some("secure".into()),
        ..Capture::default()
    };
    let mut step = judge
        .feed_chain(e, &mut m, capture, vec![leaf.to_vec()])
        .unwrap()
        .clone();
    while step.need == Some(NeedKind::Override) {
        step = judge.feed_override(e, &mut m, false, None).unwrap().clone();
    }
    *step.outcome.unwrap()
}

fn pinning(good: &[String], issuer_keys: &[String], mode: &str) -> Engine {
    engine(
        &payload(good, &[], issuer_keys, mode, &[], &[]),
        &Settings::default(),
    )
}

fn could_not_be_checked(o: &Outcome, what: &str) {
    let v = o.verdict.as_ref().expect("a verdict");
    assert_eq!(
        (o.decision.act, o.decision.stop_reason),
        (Act::Stop, Some(StopReason::CouldNotBeChecked)),
        "{what}: {v:?}"
    );
    assert_eq!(v.status, Status::Unverifiable, "{what}");
    assert!(v.unreadable && !v.leaf_only, "{what}");
    assert_eq!(v.reason_code, ReasonCode::BrowserDidNotVerify, "{what}");
}

/// A self-signed leaf for `HOST` (what a profile may trust directly as a root).
fn self_signed() -> Vec<u8> {
    leaf_named(41, HOST, &[HOST], &Ca::new(41, HOST), None)
}

#[wasm_bindgen_test(unsupported = test)]
fn one_certificate_from_firefox_is_unreadable_not_a_leaf_only_limit() {
    let other = vec![pin_of_spki(&Ca::new(42, "Pinned CA").spki())];
    let chain = vec![self_signed()];
    let o = run(
        &pinning(&other, &[], "enforce"),
        firefox(&chain, false, None),
        &chain,
    );
    could_not_be_checked(&o, "one certificate, enforce");
    // Warn and report modes: still not a browser limit, and never "OK".
    for mode in ["warn", "report"] {
        let o = run(
            &pinning(&other, &[], mode),
            firefox(&chain, false, None),
            &chain,
        );
        let v = o.verdict.unwrap();
        assert_eq!(
            (v.status, v.unreadable),
            (Status::Unverifiable, true),
            "{mode}"
        );
        assert_ne!(o.decision.act, Act::Stop, "{mode}");
    }
    // A CA's leaf alone, naming nowhere to fetch its issuer: from Chromium's leaf tier that is
    // the browser's limit (unverifiable, passes); from Firefox it is not.
    let e = pinning(&other, &[], "enforce");
    let alone = leaf(48, HOST, &Ca::new(49, "Some CA"), None);
    let o = chromium_leaf(&e, &alone);
    let v = o.verdict.unwrap();
    assert_eq!((v.status, v.unreadable), (Status::Unverifiable, false));
    assert_eq!(v.reason_code, ReasonCode::LeafOnlyNowhereToFetch);
    assert_eq!(o.decision.act, Act::Pass);
    let chain = vec![alone];
    could_not_be_checked(
        &run(&e, firefox(&chain, false, None), &chain),
        "a CA's leaf alone",
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_single_certificate_whose_own_key_is_pinned_still_counts() {
    let chain = vec![self_signed()];
    let own = vec![Cert::from_der(&chain[0]).unwrap().facts.spki_sha256];
    let o = run(
        &pinning(&own, &[], "enforce"),
        firefox(&chain, false, None),
        &chain,
    );
    assert_eq!(o.verdict.unwrap().status, Status::Pinned);
    assert_eq!(o.decision.act, Act::Pass);
    // Unless Firefox says it did not verify even that certificate.
    let o = run(
        &pinning(&own, &[], "enforce"),
        firefox(&chain, true, Some("trust_error")),
        &chain,
    );
    could_not_be_checked(&o, "own key, untrusted");
}

#[wasm_bindgen_test(unsupported = test)]
fn an_untrusted_or_overridden_chain_proves_nothing_even_with_the_pinned_key_in_it() {
    let f = Fixtures::embedded();
    let good = vec![pin_of_spki(&f.legit_issuer_spki)];
    let e = pinning(&good, &[], "enforce");
    let chain = f.legit_chain.clone();
    let o = run(&e, firefox(&chain, false, None), &chain);
    assert_eq!(o.verdict.unwrap().status, Status::Pinned, "the baseline");
    let o = run(&e, firefox(&chain, true, None), &chain);
    could_not_be_checked(&o, "untrusted");
    let o = run(&e, firefox(&chain, false, Some("domain_mismatch")), &chain);
    could_not_be_checked(&o, "overridden name mismatch");
    // Firefox ESR hands over no certificate at all after an override: the error still says why.
    let o = run(&e, firefox(&[], true, Some("trust_error")), &[]);
    could_not_be_checked(&o, "overridden, no certificate");
    // A host no entry governs keeps its verdict: nothing is enforced there.
    let mut m = Memory::default();
    let mut judge = Judge::new(
        &e,
        &mut m,
        Start {
            host: "elsewhere.example".into(),
            ..start()
        },
    );
    let step = judge
        .feed_chain(
            &e,
            &mut m,
            firefox(&chain, true, Some("trust_error")),
            chain.clone(),
        )
        .unwrap();
    let o = step.outcome().unwrap();
    assert_eq!(o.verdict.as_ref().unwrap().status, Status::Unpinned);
    assert_eq!(o.decision.act, Act::Pass);
}

#[wasm_bindgen_test(unsupported = test)]
fn the_issuer_key_proof_vouches_only_for_a_leaf_whose_names_cover_the_host() {
    let issuer = Ca::new(43, "Pinned Issuing CA");
    let backup = vec![pin_of_spki(&Ca::new(44, "Backup").spki())];
    let e = pinning(&backup, &[b64(&issuer.spki())], "enforce");
    let ours = leaf(45, HOST, &issuer, None);
    let theirs = leaf_named(46, "attacker.example", &["attacker.example"], &issuer, None);
    let wildcard = leaf_named(47, "example.test", &["*.example.test"], &issuer, None);
    // Firefox, one certificate the browser verified: the proof, with the names.
    for (der, want) in [
        (&ours, Status::Pinned),
        (&wildcard, Status::Pinned),
        (&theirs, Status::Mismatch),
    ] {
        let chain = vec![der.clone()];
        let o = run(&e, firefox(&chain, false, None), &chain);
        assert_eq!(o.verdict.as_ref().unwrap().status, want);
        if want == Status::Mismatch {
            let v = o.verdict.unwrap();
            assert_eq!(v.reason_code, ReasonCode::LeafNamesDoNotCoverHost);
            assert_eq!(v.reason_params.get("host").map(String::as_str), Some(HOST));
            assert_eq!(o.decision.act, Act::Stop);
        }
        // Chromium's leaf tier links the same leaf by the same proof.
        let o = chromium_leaf(&e, der);
        assert_eq!(o.verdict.unwrap().status, want, "leaf tier");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn names_cover_a_host_as_browsers_match_them() {
    let cases = [
        ("mail.example.test", "mail.example.test", true),
        ("MAIL.Example.TEST", "mail.example.test", true),
        ("mail.example.test.", "mail.example.test", true),
        ("*.example.test", "mail.example.test", true),
        ("*.example.test", "a.mail.example.test", false),
        ("*.example.test", "example.test", false),
        ("*.test", "example.test", false),
        ("*", "example", false),
        ("m*.example.test", "mail.example.test", false),
        ("*.*.test", "a.b.test", false),
        ("*..test", "a..test", false),
        ("other.example.test", "mail.example.test", false),
        ("", "mail.example.test", false),
        ("mail.example.test", "", false),
        ("mäil.example.test", "mäil.example.test", false),
    ];
    for (name, host, want) in cases {
        assert_eq!(name_covers(name, host), want, "{name} for {host}");
    }
}
