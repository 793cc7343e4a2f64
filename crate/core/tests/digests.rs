//! The digest-only verdict (`Engine::check_digests`, for chains the browser built and describes
//! by their SHA-256 digests) gives what the DER verdict gives, facts aside, on every fixture
//! chain and on chains made at test time: pinned, mismatch, bad pin, block-listed key and
//! certificate, allowed interception, unpinned, stale. Native and WASM.

mod common;
mod mint;

use common::*;
use mint::{intermediate, leaf, root, Ca};
use pinwatch_core::judge::engine::{CertDigests, DigestsError, Settings};
use pinwatch_core::x509::cert::MAX_CHAIN_LEN;
use pinwatch_core::{Cert, Engine, Verdict};
use wasm_bindgen_test::wasm_bindgen_test;

const HOST: &str = "mail.example.test";

fn digests(chain: &[Vec<u8>]) -> Vec<CertDigests> {
    chain
        .iter()
        .map(|der| {
            let cert = Cert::from_der(der).unwrap();
            CertDigests {
                spki_sha256: cert.spki_pin,
                cert_sha256: cert.cert_hash,
            }
        })
        .collect()
}

/// The verdict as the digests can know it: no certificate facts.
fn without_facts(mut v: Verdict) -> Verdict {
    v.chain.clear();
    v
}

fn assert_same(engine: &Engine, host: &str, chain: &[Vec<u8>], now: i64, what: &str) -> Verdict {
    let der = engine.check(host, chain, now);
    let digest = engine
        .check_digests(host, &digests(chain), now)
        .unwrap_or_else(|| panic!("{what}: digests could not decide"));
    assert_eq!(without_facts(der.clone()), digest, "{what}");
    assert_brief(engine, host, chain, now, what);
    der
}

/// `check_digests_brief` is `check_digests` without the entry, pin set and list.
fn assert_brief(engine: &Engine, host: &str, chain: &[Vec<u8>], now: i64, what: &str) {
    let digests = digests(chain);
    let full = engine.check_digests(host, &digests, now);
    let brief = engine.check_digests_brief(host, &digests, now);
    let without_views = full.map(|mut v| {
        (v.entry, v.pinset, v.list) = (None, None, None);
        v
    });
    assert_eq!(brief, without_views, "{what}: {host}");
}

struct Made {
    root: Ca,
    issuer: Ca,
    chain: Vec<Vec<u8>>,
}

fn made() -> Made {
    let root_ca = Ca::new(1, "Digest Root");
    let issuer = Ca::new(2, "Digest Issuing CA");
    let chain = vec![
        leaf(3, HOST, &issuer, None),
        intermediate(&issuer, &root_ca, None),
        root(&root_ca),
    ];
    Made {
        root: root_ca,
        issuer,
        chain,
    }
}

#[test]
#[wasm_bindgen_test]
fn every_status_is_the_same_from_digests_as_from_der() {
    let f = Fixtures::embedded();
    let m = made();
    let legit = vec![
        pin_of_spki(&f.legit_issuer_spki),
        pin_of_spki(&f.legit_root_spki),
    ];
    let made_pins = vec![pin_of_spki(&m.root.spki()), pin_of_spki(&m.issuer.spki())];
    // (what, list, settings, chain, expected status)
    type Case<'a> = (&'a str, String, Settings, Vec<Vec<u8>>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "fixture: pinned",
            payload(&legit, &[], &[], "enforce", &[], &[]),
            Settings::default(),
            f.legit_chain.clone(),
            "pinned",
        ),
        (
            "fixture: rogue CA, mismatch",
            payload(&legit, &[], &[], "enforce", &[], &[]),
            Settings::default(),
            f.rogue_chain.clone(),
            "mismatch",
        ),
        (
            "made: pinned",
            payload(&made_pins, &[], &[], "warn", &[], &[]),
            Settings::default(),
            m.chain.clone(),
            "pinned",
        ),
        (
            "made: bad pin",
            payload(
                &[pin_of_spki(&m.root.spki()), pin_of_spki(&f.legit_root_spki)],
                &[pin_of_spki(&m.issuer.spki())],
                &[],
                "enforce",
                &[],
                &[],
            ),
            Settings::default(),
            m.chain.clone(),
            "mismatch",
        ),
        (
            "made: block-listed key",
            payload(
                &legit,
                &[],
                &[],
                "enforce",
                &[pin_of_spki(&m.issuer.spki())],
                &[],
            ),
            Settings::default(),
            m.chain.clone(),
            "blocked",
        ),
        (
            "made: block-listed certificate",
            payload(
                &legit,
                &[],
                &[],
                "enforce",
                &[],
                &[pinwatch_core::Pin::sha256(&m.chain[0]).to_base64()],
            ),
            Settings::default(),
            m.chain.clone(),
            "blocked",
        ),
        (
            "made: allowed interception",
            payload(&legit, &[], &[], "enforce", &[], &[]),
            Settings {
                allowed_interception_spkis: vec![pin_of_spki(&m.root.spki())],
                ..Settings::default()
            },
            m.chain.clone(),
            "allowed-interception",
        ),
    ];
    for (what, list, settings, chain, status) in cases {
        let e = engine(&list, &settings);
        let v = assert_same(&e, HOST, &chain, NOW, what);
        assert_eq!(v.status.as_str(), status, "{what}: {}", v.reason);
        // Unpinned hosts and an expired list agree too.
        assert_same(&e, "elsewhere.example", &chain, NOW, what);
        assert_same(&e, HOST, &chain, NOW + 400 * 86_400, what);
    }
}

#[test]
#[wasm_bindgen_test]
fn digests_that_cannot_decide_say_so_and_odd_input_is_handled() {
    let f = Fixtures::embedded();
    let m = made();
    // A leaf alone whose pin set has issuer keys: the proof needs the certificate's signature.
    let list = payload(
        &[
            pin_of_spki(&f.legit_root_spki),
            pin_of_spki(&f.legit_issuer_spki),
        ],
        &[],
        &[b64(&f.legit_issuer_spki)],
        "enforce",
        &[],
        &[],
    );
    let e = engine(&list, &Settings::default());
    assert!(e
        .check_digests(HOST, &digests(std::slice::from_ref(&f.legit_leaf)), NOW)
        .is_none());
    // Empty, too long, an unreadable host: the same as the DER verdict.
    let empty: Vec<Vec<u8>> = Vec::new();
    assert_eq!(
        without_facts(e.check(HOST, &empty, NOW)),
        e.check_digests(HOST, &[], NOW).unwrap()
    );
    let long: Vec<Vec<u8>> = std::iter::repeat_n(m.chain[0].clone(), 17).collect();
    let der = e.check(HOST, &long, NOW);
    let digest = e.check_digests(HOST, &digests(&long), NOW).unwrap();
    assert_eq!(
        (der.status, der.unreadable),
        (digest.status, digest.unreadable)
    );
    assert_eq!(
        without_facts(e.check("bad host\0", &m.chain, NOW)),
        e.check_digests("bad host\0", &digests(&m.chain), NOW)
            .unwrap()
    );
    // Firefox writes fingerprints as hex with colons; both forms read.
    let cert = Cert::from_der(&m.chain[0]).unwrap();
    let hex: Vec<String> = cert
        .cert_hash
        .0
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    let json = format!(
        r#"{{"spkiSha256": "{}", "certSha256": "{}"}}"#,
        cert.spki_pin.to_base64(),
        hex.join(":")
    );
    let parsed: CertDigests = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed.cert_sha256, cert.cert_hash);
    assert!(
        serde_json::from_str::<CertDigests>(r#"{"spkiSha256": "nope", "certSha256": "nope"}"#)
            .is_err()
    );
}

#[test]
#[wasm_bindgen_test]
fn digests_read_from_one_text_as_the_extension_sends_them() {
    let m = made();
    let want = digests(&m.chain);
    // Base64 pins and Firefox's colon-hex fingerprints, any ASCII white space between.
    let text: Vec<String> = want
        .iter()
        .map(|d| {
            let hex: Vec<String> = d.cert_sha256.0.iter().map(|b| format!("{b:02X}")).collect();
            format!("{}\t{}", d.spki_sha256.to_base64(), hex.join(":"))
        })
        .collect();
    assert_eq!(CertDigests::parse_words(&text.join("\n ")).unwrap(), want);
    assert_eq!(CertDigests::parse_words("").unwrap(), Vec::new());
    // One digest short, or a digest that is not one: refused, saying which certificate.
    let first = want[0].spki_sha256.to_base64();
    assert_eq!(
        CertDigests::parse_words(&format!("{first} {first} {first}")),
        Err(DigestsError::Unpaired(1))
    );
    assert!(matches!(
        CertDigests::parse_words(&format!("{first} {first} {first} nope")),
        Err(DigestsError::Digest(1, _))
    ));
    // A chain longer than any the engine reads: one pair past the limit is read, however long
    // the text, and the engine refuses it as it refuses the DER chain.
    let pair = format!("{first} {first} ");
    let long = CertDigests::parse_words(&pair.repeat(10_000)).unwrap();
    assert_eq!(long.len(), MAX_CHAIN_LEN + 1);
    let e = engine(
        &payload(std::slice::from_ref(&first), &[], &[], "enforce", &[], &[]),
        &Settings::default(),
    );
    let v = e.check_digests(HOST, &long, NOW).unwrap();
    assert!(v.unreadable, "{}", v.reason);
}

#[test]
#[wasm_bindgen_test]
fn the_brief_verdict_leaves_out_only_what_people_read() {
    let f = Fixtures::embedded();
    let m = made();
    let pin = pin_of_spki(&f.legit_issuer_spki);
    let made_root = pin_of_spki(&m.root.spki());
    // Two sources, so an entry's list is not always the first one's; bad pins from policy.
    let inputs = vec![
        bundled_source(&pin),
        extra_source(
            "policy",
            serde_json::json!([
                {"host": "corp.test", "includeSubdomains": true, "pins": [made_root], "mode": "warn"},
                {"host": "bad.test", "badPins": [made_root], "mode": "enforce"},
                {"host": HOST, "badPins": [made_root], "mode": "report"}
            ]),
        ),
    ];
    let settings = Settings {
        allowed_interception_spkis: vec![pin_of_spki(&f.rogue_root_spki)],
        ..Settings::default()
    };
    let (e, problems) = Engine::from_inputs(inputs, &settings);
    assert!(problems.is_empty(), "{problems:?}");
    let empty: Vec<Vec<u8>> = Vec::new();
    let hosts = [
        HOST,
        "x.corp.test",
        "bad.test",
        "elsewhere.test",
        "bad host\0",
        "10.0.0.1",
    ];
    let chains = [&f.legit_chain, &f.rogue_chain, &m.chain, &empty];
    for host in hosts {
        for chain in chains {
            for now in [NOW, NOW + 400 * 86_400] {
                assert_brief(&e, host, chain, now, "two sources");
            }
        }
    }
    // What each kind of verdict brings is there: the views are the only difference.
    let pinned = e
        .check_digests_brief("x.corp.test", &digests(&m.chain), NOW)
        .unwrap();
    assert_eq!(pinned.status.as_str(), "pinned");
    assert!(pinned.matched.is_some() && pinned.mode.is_some());
    let full = e
        .check_digests("x.corp.test", &digests(&m.chain), NOW)
        .unwrap();
    assert!(full.entry.is_some() && full.pinset.is_some() && full.list.is_some());
    let bad = e
        .check_digests_brief("bad.test", &digests(&m.chain), NOW)
        .unwrap();
    assert_eq!(bad.reason_code.as_str(), "extra-bad-pin");
}
