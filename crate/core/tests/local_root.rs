//! A chain that ends in a root the browser does not ship (`Engine::with_root`): `local-root` on
//! hosts no list governs, `allowed-interception` for roots policy declared or the user marked
//! as known, and nothing changed where a pin set or a block list has spoken. Native and WASM.

mod common;
mod inspection;
mod mint;

use common::*;
use inspection::*;
use pinwatch_core::judge::engine::{CertDigests, Settings};
use pinwatch_core::judge::local_root::{LocalRootMode, LocalRootSettings};
use pinwatch_core::judge::verdict::MatchKind;
use pinwatch_core::{Cert, Mode, Pin, Status};
use wasm_bindgen_test::wasm_bindgen_test;

#[test]
#[wasm_bindgen_test]
fn an_added_root_on_an_unpinned_host_is_local_root_with_the_mode_policy_or_the_user_chose() {
    let a = added(UNPINNED);
    let root_pin = pin_of_spki(&a.root.spki());
    for (policy, user, mode) in [
        (None, None, Mode::Report),
        (None, Some(LocalRootMode::Warn), Mode::Warn),
        (
            Some(LocalRootMode::Enforce),
            Some(LocalRootMode::Notice),
            Mode::Enforce,
        ),
        (
            Some(LocalRootMode::Notice),
            Some(LocalRootMode::Enforce),
            Mode::Report,
        ),
    ] {
        let e = engine(
            &list(),
            &settings(LocalRootSettings {
                policy_local_root_mode: policy,
                user_local_root_mode: user,
                ..LocalRootSettings::default()
            }),
        );
        let v = e.with_root(e.check(UNPINNED, &a.chain, NOW), Some(false));
        assert_eq!(v.status, Status::LocalRoot, "{policy:?} {user:?}");
        assert_eq!((v.mode, v.action), (Some(mode), Some(mode)));
        let m = v.matched.expect("the root is named");
        assert_eq!(
            (m.kind, m.pin.as_str()),
            (MatchKind::LocalRoot, root_pin.as_str())
        );
        assert_eq!(m.cert_index, Some(2));
        assert_eq!(v.chain[2].spki_sha256, root_pin, "the facts show that root");
    }
}

#[test]
#[wasm_bindgen_test]
fn a_built_in_root_or_no_word_from_the_browser_leaves_unpinned() {
    let a = added(UNPINNED);
    let e = engine(&list(), &Settings::default());
    for said in [Some(true), None] {
        let v = e.with_root(e.check(UNPINNED, &a.chain, NOW), said);
        assert_eq!(v.status, Status::Unpinned, "{said:?}");
        assert!(v.matched.is_none());
    }
}

#[test]
#[wasm_bindgen_test]
fn pinned_hosts_keep_their_pin_verdicts_and_block_lists_still_stop() {
    let f = Fixtures::embedded();
    let e = engine(&list(), &Settings::default());
    let pinned = e.with_root(
        e.check("mail.example.test", &f.legit_chain, NOW),
        Some(false),
    );
    assert_eq!(pinned.status, Status::Pinned);
    let a = added("mail.example.test");
    let mismatch = e.with_root(e.check("mail.example.test", &a.chain, NOW), Some(false));
    assert_eq!(mismatch.status, Status::Mismatch, "the pin set decides");
    let blocking = payload(
        &[pin_of_spki(&f.legit_root_spki)],
        &[],
        &[],
        "enforce",
        &[pin_of_spki(&a.root.spki())],
        &[],
    );
    let e = engine(&blocking, &Settings::default());
    let v = e.with_root(e.check(UNPINNED, &a.chain, NOW), Some(false));
    assert_eq!(v.status, Status::Blocked);
}

#[test]
#[wasm_bindgen_test]
fn known_roots_give_allowed_interception_unless_policy_removes_the_users_choice() {
    let a = added(UNPINNED);
    let root_pin = pin_of_spki(&a.root.spki());
    let known = LocalRootSettings {
        user_known_roots: vec![root_pin.clone(), "not a pin".into()],
        ..LocalRootSettings::default()
    };
    let e = engine(&list(), &settings(known.clone()));
    let v = e.with_root(e.check(UNPINNED, &a.chain, NOW), Some(false));
    assert_eq!(v.status, Status::AllowedInterception);
    assert_eq!(v.matched.unwrap().kind, MatchKind::KnownRoot);
    // On a pinned host a known root changes nothing: the pin set decides.
    let v = e.with_root(
        e.check("mail.example.test", &added("mail.example.test").chain, NOW),
        Some(false),
    );
    assert_eq!(v.status, Status::Mismatch);
    let e = engine(
        &list(),
        &settings(LocalRootSettings {
            allow_user_known_roots: Some(false),
            ..known
        }),
    );
    let v = e.with_root(e.check(UNPINNED, &a.chain, NOW), Some(false));
    assert_eq!(v.status, Status::LocalRoot, "policy took the choice away");
}

#[test]
#[wasm_bindgen_test]
fn a_root_policy_declared_is_allowed_interception_whatever_the_browser_says() {
    let a = added(UNPINNED);
    let e = engine(
        &list(),
        &Settings {
            allowed_interception_spkis: vec![pin_of_spki(&a.root.spki())],
            ..Settings::default()
        },
    );
    let v = e.with_root(e.check(UNPINNED, &a.chain, NOW), Some(false));
    assert_eq!(v.status, Status::AllowedInterception);
    assert_eq!(v.matched.unwrap().kind, MatchKind::AllowedRoot);
}

#[test]
#[wasm_bindgen_test]
fn digests_give_the_same_local_root_verdict_as_the_der() {
    let a = added(UNPINNED);
    let e = engine(&list(), &Settings::default());
    let digests: Vec<CertDigests> = a
        .chain
        .iter()
        .map(|der| {
            let c = Cert::from_der(der).unwrap();
            CertDigests {
                spki_sha256: c.spki_pin,
                cert_sha256: c.cert_hash,
            }
        })
        .collect();
    let mut der = e.with_root(e.check(UNPINNED, &a.chain, NOW), Some(false));
    der.chain.clear();
    let digest = e.with_root(
        e.check_digests(UNPINNED, &digests, NOW).unwrap(),
        Some(false),
    );
    assert_eq!(der, digest);
    assert_eq!(digest.status, Status::LocalRoot);
}

#[test]
#[wasm_bindgen_test]
fn settings_are_read_from_the_extensions_json_and_wrong_modes_are_refused() {
    let pin = Pin::sha256(b"root").to_base64();
    let s: Settings = serde_json::from_value(serde_json::json!({
        "policyLocalRootMode": "enforce",
        "userKnownRoots": [pin],
        "allowUserKnownRoots": false,
    }))
    .unwrap();
    assert_eq!(s.local_roots.mode(), LocalRootMode::Enforce);
    assert!(s.local_roots.known_roots().is_empty());
    let err = serde_json::from_value::<Settings>(serde_json::json!({"userLocalRootMode": "block"}))
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown variant `block`"), "{err}");
}
