//! The debugger tier reads a chain per origin, not per connection (judge/connection.rs): where
//! the response's own leaf is handed over beside it and differs, the response is judged by its
//! own leaf, and the origin's chain only links it by verified signatures. Native and WASM.

mod common;

use common::*;
use pinwatch_core::judge::decision::Act;
use pinwatch_core::judge::engine::Engine;
use pinwatch_core::judge::memory::Memory;
use pinwatch_core::judge::verdict::Status;
use pinwatch_core::judge::{Capture, Judge, NeedKind, Outcome, Start};
use wasm_bindgen_test::wasm_bindgen_test;

/// A Chromium page judged from the debugger's chain for its origin, with `own_leaf` beside it;
/// AIA fetches fail, an override is never granted.
fn debugger_run(e: &Engine, chain: &[Vec<u8>], own_leaf: Option<&[u8]>) -> Outcome {
    let mut m = Memory::default();
    let start: Start = serde_json::from_value(serde_json::json!({
        "host": "mail.example.test", "type": "main_frame", "canFetch": true, "now": NOW * 1000,
    }))
    .unwrap();
    let mut judge = Judge::new(e, &mut m, start);
    let capture = Capture {
        tier: Some("debugger".into()),
        state: Some("secure".into()),
        own_leaf: own_leaf.map(b64),
        ..Capture::default()
    };
    let mut step = judge
        .feed_chain(e, &mut m, capture, chain.to_vec())
        .unwrap()
        .clone();
    while let Some(need) = step.need {
        step = match need {
            NeedKind::Issuer => judge.feed_issuer(e, &mut m, None, Some("network")),
            NeedKind::Override => judge.feed_override(e, &mut m, false, None),
            other => panic!("unexpected need {other:?}"),
        }
        .unwrap()
        .clone();
    }
    *step.outcome.unwrap()
}

#[wasm_bindgen_test(unsupported = test)]
fn a_genuine_chain_of_another_connection_does_not_answer_for_a_rogue_leaf() {
    let (f, e) = pinning_legit("enforce");
    let done = debugger_run(&e, &f.legit_chain, Some(&f.rogue_chain[0]));
    assert_eq!(done.decision.act, Act::Stop, "{:?}", done.verdict);
    let verdict = done.verdict.unwrap();
    assert_ne!(verdict.status, Status::Pinned);
    assert_eq!(done.tier.as_deref(), Some("securityInfoRawDer"));
    assert!(
        !done.browser_built,
        "judged by signatures, not as the browser built it"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn the_same_leaf_is_the_browser_built_chain_and_a_renewed_leaf_links_by_signature() {
    let (f, e) = pinning_legit("enforce");
    let same = debugger_run(&e, &f.legit_chain, Some(&f.legit_chain[0]));
    assert_eq!(same.verdict.as_ref().unwrap().status, Status::Pinned);
    assert!(same.browser_built);
    assert_eq!(same.tier.as_deref(), Some("debugger"));
    // Another genuine connection with a new leaf key under the same CA: the origin's chain
    // links it by the issuing CA's signature.
    let renewed = debugger_run(&e, &f.legit_chain, Some(&f.new_leaf_key));
    assert_eq!(
        renewed.verdict.as_ref().unwrap().status,
        Status::Pinned,
        "{:?}",
        renewed.verdict.as_ref().map(|v| &v.reason)
    );
    assert!(!renewed.browser_built);
    // Without the response's own leaf the origin's chain is all there is.
    let alone = debugger_run(&e, &f.legit_chain, None);
    assert_eq!(alone.verdict.unwrap().status, Status::Pinned);
}
