//! Path by signatures: pins count only on certificates linked to the leaf by verified
//! signatures, whatever else the chain or a fetch brings. Chains are made at test time
//! (Ed25519, `mint/`) and taken from the committed fixtures (P-256, RSA). Native and WASM.

mod common;
mod mint;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::*;
use mint::{intermediate, leaf, root, Ca};
use pinwatch_core::judge::decision::{decide, Act, Situation};
use pinwatch_core::judge::engine::Settings;
use pinwatch_core::judge::path::{
    AnchorKind, CertOrigin, Given, PathLimit, SignatureCache, MAX_SIGNATURE_CHECKS,
};
use pinwatch_core::judge::verdict::{MatchKind, Status};
use pinwatch_core::{Engine, Verdict};
use wasm_bindgen_test::wasm_bindgen_test;

const HOST: &str = "mail.example.test";

/// A three-level hierarchy: root → issuing CA → leaf, with AIA URLs as real CAs write them.
struct Pki {
    root: Ca,
    issuer: Ca,
    root_cert: Vec<u8>,
    issuer_cert: Vec<u8>,
    leaf: Vec<u8>,
}

fn pki() -> Pki {
    let root_ca = Ca::new(1, "Test Root CA");
    let issuer = Ca::new(2, "Test Issuing CA");
    Pki {
        root_cert: root(&root_ca),
        issuer_cert: intermediate(&issuer, &root_ca, Some("http://aia.test/root.der")),
        leaf: leaf(3, HOST, &issuer, Some("http://aia.test/issuer.der")),
        root: root_ca,
        issuer,
    }
}

fn pinning(good: &[Vec<u8>], issuer_keys: &[Vec<u8>]) -> Engine {
    let good: Vec<String> = good.iter().map(|s| pin_of_spki(s)).collect();
    let keys: Vec<String> = issuer_keys.iter().map(|k| b64(k)).collect();
    engine(
        &payload(&good, &[], &keys, "enforce", &[], &[]),
        &Settings::default(),
    )
}

fn check(
    engine: &Engine,
    served: &[&[u8]],
    extra: &[(&[u8], CertOrigin)],
    can_complete: bool,
) -> Verdict {
    // What the tests give: a leaf-only browser's leaf when it comes alone, a server's chain
    // otherwise; `can_complete` false is a leaf-only browser that cannot fetch.
    let given = match (can_complete, served.len()) {
        (false, _) => Given::Leaf,
        (true, 1) => Given::LeafCompleted,
        (true, _) => Given::Served,
    };
    engine.check_path(HOST, served, extra, given, &mut SignatureCache::new(), NOW)
}

fn stops_when_enforced(v: &Verdict) -> bool {
    let situation = Situation {
        status: Some(v.status),
        mode: v.mode,
        chain_offered: true,
        unreadable: v.unreadable,
        allow_override: true,
        ..Situation::default()
    };
    decide(&situation).act == Act::Stop
}

#[test]
#[wasm_bindgen_test]
fn a_served_chain_up_to_the_pinned_root_is_pinned() {
    let p = pki();
    let engine = pinning(&[p.root.spki()], &[]);
    let v = check(&engine, &[&p.leaf, &p.issuer_cert, &p.root_cert], &[], true);
    assert_eq!(v.status, Status::Pinned, "{}", v.reason);
    let path = v.path.as_ref().unwrap();
    assert_eq!(path.origins, vec![CertOrigin::Served; 3]);
    assert_eq!(path.unlinked, 0);
    assert_eq!(v.matched.as_ref().unwrap().cert_index, Some(2));
    // The browser-built check agrees on an honest chain.
    assert_eq!(
        engine
            .check(HOST, &[&p.leaf, &p.issuer_cert, &p.root_cert], NOW)
            .status,
        Status::Pinned
    );
}

#[test]
#[wasm_bindgen_test]
fn a_path_is_completed_through_fetched_and_cached_certificates() {
    let p = pki();
    let engine = pinning(&[p.root.spki()], &[]);
    // The leaf alone: what is missing is named, with where to fetch it; never pinned.
    let v = check(&engine, &[&p.leaf], &[], true);
    assert_eq!(v.status, Status::Unverifiable);
    assert!(
        v.unreadable,
        "an incomplete path the caller could complete is a failure"
    );
    assert!(stops_when_enforced(&v));
    assert_eq!(
        v.path.as_ref().unwrap().wanted,
        vec!["http://aia.test/issuer.der".to_string()]
    );
    // With the issuer fetched: the next URL is wanted.
    let v = check(
        &engine,
        &[&p.leaf],
        &[(&p.issuer_cert, CertOrigin::Fetched)],
        true,
    );
    assert_eq!(v.status, Status::Unverifiable);
    assert_eq!(
        v.path.as_ref().unwrap().wanted,
        vec!["http://aia.test/root.der".to_string()]
    );
    // With both: pinned, and the popup can say where each certificate came from.
    let v = check(
        &engine,
        &[&p.leaf],
        &[
            (&p.root_cert, CertOrigin::Fetched),
            (&p.issuer_cert, CertOrigin::Cached),
        ],
        true,
    );
    assert_eq!(v.status, Status::Pinned, "{}", v.reason);
    let path = v.path.as_ref().unwrap();
    assert_eq!(
        path.origins,
        vec![CertOrigin::Served, CertOrigin::Cached, CertOrigin::Fetched]
    );
    assert!(path.wanted.is_empty());
    assert_eq!(v.chain.len(), 3);
}

#[test]
#[wasm_bindgen_test]
fn a_leaf_tier_without_fetching_keeps_its_browser_limit_and_its_issuer_key_proof() {
    let p = pki();
    // No issuer keys and no way to fetch: the browser's limit, not an alarm.
    let v = check(&pinning(&[p.root.spki()], &[]), &[&p.leaf], &[], false);
    assert_eq!(v.status, Status::Unverifiable);
    assert!(!v.unreadable);
    assert!(!stops_when_enforced(&v));
    // An issuer key proves the leaf.
    let engine = pinning(&[p.root.spki()], &[p.issuer.spki()]);
    let v = check(&engine, &[&p.leaf], &[], false);
    assert_eq!(v.status, Status::Pinned, "{}", v.reason);
    assert_eq!(v.matched.as_ref().unwrap().kind, MatchKind::IssuerKey);
    assert_eq!(v.path.as_ref().unwrap().anchor, Some(AnchorKind::IssuerKey));
    // A root's key as issuer key proves the issuing CA once it is at hand.
    let engine = pinning(&[p.root.spki()], &[p.root.spki()]);
    let v = check(
        &engine,
        &[&p.leaf],
        &[(&p.issuer_cert, CertOrigin::Cached)],
        false,
    );
    assert_eq!(v.status, Status::Pinned, "{}", v.reason);
    assert_eq!(v.matched.as_ref().unwrap().kind, MatchKind::IssuerKey);
    // Without it, a leaf that names its issuer's URL waits for completion rather than alarming
    // (the root is a link away); one that names none has nothing more to wait for.
    let v = check(&engine, &[&p.leaf], &[], true);
    assert_eq!(v.status, Status::Unverifiable, "{}", v.reason);
    assert!(v.unreadable && stops_when_enforced(&v));
    let bare = leaf(4, HOST, &p.issuer, None);
    let v = check(&engine, &[&bare], &[], true);
    assert_eq!(v.status, Status::Mismatch, "{}", v.reason);
    // No issuer keys: a leaf alone that names nowhere to look is a leaf-only browser's limit;
    // a served chain that stops short of every pinned key is the network's doing, and stops.
    let roots_only = pinning(&[p.root.spki()], &[]);
    let v = check(&roots_only, &[&bare], &[], true);
    assert_eq!(v.status, Status::Unverifiable);
    assert!(!v.unreadable && !stops_when_enforced(&v), "{}", v.reason);
    // The same leaf alone as a server sent it (the companion): the server chose to send so
    // little, so it stops.
    let v = roots_only.check_path(
        HOST,
        &[&bare],
        &[],
        Given::Served,
        &mut SignatureCache::new(),
        NOW,
    );
    assert!(v.unreadable && stops_when_enforced(&v), "{}", v.reason);
    let short = intermediate(&p.issuer, &p.root, None);
    let v = check(&roots_only, &[&bare, &short], &[], true);
    assert_eq!(v.status, Status::Unverifiable);
    assert!(v.unreadable && stops_when_enforced(&v), "{}", v.reason);
}

#[test]
#[wasm_bindgen_test]
fn an_appended_but_unlinked_legit_intermediate_does_not_count() {
    let p = pki();
    // The interceptor's own CA copies the real issuing CA's name.
    let rogue = Ca {
        key: ed25519_dalek::SigningKey::from_bytes(&[66; 32]),
        name: mint::name("Test Issuing CA"),
    };
    let forged = leaf(3, HOST, &rogue, Some("http://aia.test/issuer.der"));
    let engine = pinning(&[p.issuer.spki(), p.root.spki()], &[]);
    for can_complete in [true, false] {
        let v = check(
            &engine,
            &[&forged, &p.issuer_cert, &p.root_cert],
            &[],
            can_complete,
        );
        assert_eq!(v.status, Status::Mismatch, "{}", v.reason);
        assert!(stops_when_enforced(&v));
        let path = v.path.as_ref().unwrap();
        assert_eq!(path.unlinked, 2);
        assert_eq!(v.chain.len(), 1, "only the linked leaf is judged");
    }
    // The browser-built check would have counted the appended pin: that is why chains no
    // browser built never take that path.
    assert_eq!(
        engine
            .check(HOST, &[&forged, &p.issuer_cert, &p.root_cert], NOW)
            .status,
        Status::Pinned
    );
    // Fetched, the real issuer does not link the forged leaf either.
    let v = check(
        &engine,
        &[&forged],
        &[(&p.issuer_cert, CertOrigin::Fetched)],
        true,
    );
    assert_eq!(v.status, Status::Mismatch, "{}", v.reason);
}

#[test]
#[wasm_bindgen_test]
fn a_forged_leaf_with_the_right_names_proves_under_nothing() {
    let p = pki();
    let rogue = Ca {
        key: ed25519_dalek::SigningKey::from_bytes(&[77; 32]),
        name: mint::name("Test Issuing CA"),
    };
    let forged = leaf(3, HOST, &rogue, None);
    // Issuer keys of the real CA and root: neither verifies it.
    let engine = pinning(&[p.root.spki()], &[p.issuer.spki(), p.root.spki()]);
    let v = check(&engine, &[&forged], &[], false);
    assert_eq!(v.status, Status::Mismatch, "{}", v.reason);
    let v = check(&engine, &[&forged], &[], true);
    assert_ne!(v.status, Status::Pinned);
    assert!(stops_when_enforced(&v), "{:?}: {}", v.status, v.reason);
}

#[test]
#[wasm_bindgen_test]
fn a_loop_of_cross_signed_cas_ends() {
    let a = Ca::new(10, "Loop CA A");
    let b = Ca::new(11, "Loop CA B");
    let a_by_b = intermediate(&a, &b, None);
    let b_by_a = intermediate(&b, &a, None);
    let leaf = leaf(12, HOST, &a, None);
    let engine = pinning(&[Ca::new(13, "Elsewhere").spki()], &[]);
    let v = check(&engine, &[&leaf, &a_by_b, &b_by_a], &[], true);
    assert_ne!(v.status, Status::Pinned);
    assert!(stops_when_enforced(&v));
    let path = v.path.as_ref().unwrap();
    assert!(
        path.checks <= 3,
        "each link is checked once: {}",
        path.checks
    );
    // Pinning B: reached through the loop, once.
    let engine = pinning(&[b.spki()], &[]);
    let v = check(&engine, &[&leaf, &a_by_b, &b_by_a], &[], true);
    assert_eq!(v.status, Status::Pinned, "{}", v.reason);
}

#[test]
#[wasm_bindgen_test]
fn thirty_three_candidates_stop_at_the_bound_with_a_reason() {
    let p = pki();
    // 33 certificates that all claim to be the leaf's issuer, none of them is.
    let fakes: Vec<Vec<u8>> = (0..33u8)
        .map(|i| {
            let fake = Ca {
                key: ed25519_dalek::SigningKey::from_bytes(&[100 + i; 32]),
                name: mint::name("Test Issuing CA"),
            };
            intermediate(&fake, &p.root, None)
        })
        .collect();
    let mut extra: Vec<(&[u8], CertOrigin)> = fakes
        .iter()
        .map(|f| (f.as_slice(), CertOrigin::Fetched))
        .collect();
    let engine = pinning(&[p.root.spki()], &[]);
    let v = check(&engine, &[&p.leaf], &extra, true);
    assert_eq!(v.status, Status::Mismatch);
    let path = v.path.as_ref().unwrap();
    assert_eq!(path.limit, Some(PathLimit::TooManyCandidates));
    assert!(path.checks <= 32);
    assert!(v.reason.contains("more than 32"), "{}", v.reason);
    // The real issuer as the 34th is never looked at: the bound holds, and it does not pass.
    extra.push((&p.issuer_cert, CertOrigin::Fetched));
    let v = check(&engine, &[&p.leaf], &extra, true);
    assert_ne!(v.status, Status::Pinned);
}

#[test]
#[wasm_bindgen_test]
fn the_signature_budget_holds_against_many_same_named_keys() {
    // 16 served certificates (the chain's limit) plus 16 fetched, each claiming to issue each
    // other: at most MAX_SIGNATURE_CHECKS signatures are verified.
    let cas: Vec<Ca> = (0..32u8)
        .map(|i| Ca {
            key: ed25519_dalek::SigningKey::from_bytes(&[150 + i; 32]),
            name: mint::name("Same Name CA"),
        })
        .collect();
    let certs: Vec<Vec<u8>> = cas
        .iter()
        .enumerate()
        .map(|(i, ca)| intermediate(ca, &cas[(i + 1) % 32], None))
        .collect();
    let leaf = leaf(9, HOST, &cas[0], None);
    let mut served: Vec<&[u8]> = vec![&leaf];
    served.extend(certs[..15].iter().map(Vec::as_slice));
    let extra: Vec<(&[u8], CertOrigin)> = certs[15..]
        .iter()
        .map(|c| (c.as_slice(), CertOrigin::Fetched))
        .collect();
    let engine = pinning(&[Ca::new(14, "Elsewhere").spki()], &[]);
    let v = check(&engine, &served, &extra, true);
    assert_ne!(v.status, Status::Pinned);
    let path = v.path.as_ref().unwrap();
    assert!(path.checks <= MAX_SIGNATURE_CHECKS, "{}", path.checks);
    assert_eq!(path.limit, Some(PathLimit::TooManyChecks));
    assert!(stops_when_enforced(&v));
}

#[test]
#[wasm_bindgen_test]
fn a_nine_link_path_stops_at_eight() {
    // root → ca1 → … → ca8 → leaf: the root is 9 links from the leaf.
    let cas: Vec<Ca> = (0..9u8)
        .map(|i| Ca::new(30 + i, &format!("Level {i} CA")))
        .collect();
    let mut chain = Vec::new();
    chain.push(leaf(40, HOST, &cas[8], None));
    for i in (1..9).rev() {
        chain.push(intermediate(&cas[i], &cas[i - 1], None));
    }
    chain.push(root(&cas[0]));
    let served: Vec<&[u8]> = chain.iter().map(Vec::as_slice).collect();
    let v = check(&pinning(&[cas[0].spki()], &[]), &served, &[], true);
    assert_eq!(v.status, Status::Mismatch, "{}", v.reason);
    assert_eq!(v.path.as_ref().unwrap().limit, Some(PathLimit::TooLong));
    assert!(v.reason.contains("8 links"), "{}", v.reason);
    // Eight links is within the bound.
    let v = check(&pinning(&[cas[1].spki()], &[]), &served, &[], true);
    assert_eq!(v.status, Status::Pinned, "{}", v.reason);
}

#[test]
#[wasm_bindgen_test]
fn a_proxy_leaf_proves_under_a_declared_proxy_root() {
    let p = pki();
    let proxy = Ca::new(50, "Corp Inspection Root");
    let proxy_pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        STANDARD.encode(root(&proxy))
    );
    let settings = Settings {
        allowed_interception_roots: vec![proxy_pem],
        ..Settings::default()
    };
    let good = vec![pin_of_spki(&p.root.spki())];
    let engine = engine(&payload(&good, &[], &[], "enforce", &[], &[]), &settings);
    let proxied = leaf(51, HOST, &proxy, None);
    // Leaf only: the declared key proves it.
    let v = engine.check_path(
        HOST,
        &[&proxied],
        &[],
        Given::Leaf,
        &mut SignatureCache::new(),
        NOW,
    );
    assert_eq!(v.status, Status::AllowedInterception, "{}", v.reason);
    assert_eq!(
        v.path.as_ref().unwrap().anchor,
        Some(AnchorKind::DeclaredProxy)
    );
    // Served with its root, or seen by a browser: its pin counts as allowedInterceptionSpkis.
    let v = engine.check(HOST, &[proxied.clone(), root(&proxy)], NOW);
    assert_eq!(v.status, Status::AllowedInterception, "{}", v.reason);
    // A leaf of another CA with the proxy's names proves under nothing.
    let impostor = Ca {
        key: ed25519_dalek::SigningKey::from_bytes(&[52; 32]),
        name: mint::name("Corp Inspection Root"),
    };
    let v = engine.check_path(
        HOST,
        &[&leaf(53, HOST, &impostor, None)],
        &[],
        Given::Leaf,
        &mut SignatureCache::new(),
        NOW,
    );
    assert_ne!(v.status, Status::AllowedInterception);
    assert_ne!(v.status, Status::Pinned);
    // An unreadable declared root is named, and nothing else breaks.
    let settings = Settings {
        allowed_interception_roots: vec!["not a certificate".into()],
        ..Settings::default()
    };
    let (_, problems) = Engine::new(vec![], &settings);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].origin, "allowedInterceptionRoots");
}

#[test]
#[wasm_bindgen_test]
fn each_signature_is_checked_once_per_cache() {
    let p = pki();
    let engine = pinning(&[p.root.spki()], &[]);
    let mut cache = SignatureCache::new();
    let served: [&[u8]; 3] = [&p.leaf, &p.issuer_cert, &p.root_cert];
    let cold = engine.check_path(HOST, &served, &[], Given::Served, &mut cache, NOW);
    assert_eq!(cold.path.as_ref().unwrap().checks, 2);
    let warm = engine.check_path(HOST, &served, &[], Given::Served, &mut cache, NOW);
    assert_eq!(warm.path.as_ref().unwrap().checks, 0);
    assert_eq!(warm.status, Status::Pinned);
}

#[test]
#[wasm_bindgen_test]
fn a_block_listed_certificate_counts_once_linked_whatever_its_origin() {
    let p = pki();
    let good = vec![pin_of_spki(&p.root.spki())];
    let blocked = vec![pin_of_spki(&p.issuer.spki())];
    let engine = engine(
        &payload(&good, &[], &[], "enforce", &blocked, &[]),
        &Settings::default(),
    );
    let v = check(
        &engine,
        &[&p.leaf],
        &[
            (&p.issuer_cert, CertOrigin::Fetched),
            (&p.root_cert, CertOrigin::Cached),
        ],
        true,
    );
    assert_eq!(v.status, Status::Blocked, "{}", v.reason);
}

#[test]
#[wasm_bindgen_test]
fn real_chains_link_by_their_own_signatures() {
    let f = Fixtures::embedded();
    let good = vec![pin_of_spki(&f.legit_root_spki)];
    let engine = engine(
        &payload(&good, &[], &[], "enforce", &[], &[]),
        &Settings::default(),
    );
    let v = engine.check_served(HOST, &f.legit_chain, NOW);
    assert_eq!(v.status, Status::Pinned, "{}", v.reason);
    assert_eq!(v.path.as_ref().unwrap().unlinked, 0);
    // The rogue CA's leaf with the legit intermediate and root appended.
    let mut appended = vec![f.rogue_chain[0].clone()];
    appended.extend(f.legit_chain[1..].iter().cloned());
    let v = engine.check_served(HOST, &appended, NOW);
    assert_ne!(v.status, Status::Pinned, "{}", v.reason);
    assert!(stops_when_enforced(&v));
    // The legit leaf re-signed by another key, with the real chain: not linked.
    let mut resigned = vec![f.resigned.clone()];
    resigned.extend(f.legit_chain[1..].iter().cloned());
    let v = engine.check_served(HOST, &resigned, NOW);
    assert_ne!(v.status, Status::Pinned, "{}", v.reason);
}
