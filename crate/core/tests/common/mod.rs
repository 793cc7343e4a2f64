//! Shared fixtures for the verdict tests: the committed certificates (so the WASM build reads
//! the same bytes) and helpers that turn them into pin lists.
#![allow(dead_code)]

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use pinwatch_core::judge::engine::{Engine, Settings, Source};
use pinwatch_core::judge::Capture;
use pinwatch_core::list::sources::SourceInput;
use pinwatch_core::SourceKind;
use pinwatch_core::{parse_chain, Cert, PinList};

pub struct Fixtures {
    pub legit_chain: Vec<Vec<u8>>,
    pub legit_leaf: Vec<u8>,
    pub legit_issuer_spki: Vec<u8>,
    pub legit_root_spki: Vec<u8>,
    pub new_leaf_key: Vec<u8>,
    pub resigned: Vec<u8>,
    pub rogue_chain: Vec<Vec<u8>>,
    pub rogue_root_spki: Vec<u8>,
    pub rsa_pkcs1_leaf: Vec<u8>,
    pub rsa_pss_leaf: Vec<u8>,
    pub p384_leaf: Vec<u8>,
    pub p384_issuer_spki: Vec<u8>,
    pub odd_serial: Vec<u8>,
    pub odd_serial_openssl_pin: String,
    pub hostile: Vec<u8>,
}

fn ders(pem: &[u8]) -> Vec<Vec<u8>> {
    parse_chain(pem)
        .expect("fixture chain")
        .iter()
        .map(|c| c.der().to_vec())
        .collect()
}

fn der(pem: &[u8]) -> Vec<u8> {
    ders(pem).remove(0)
}

macro_rules! fixture {
    ($path:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/",
            $path
        ))
    };
}

impl Fixtures {
    /// The committed fixtures, embedded so the WASM test binary has them too.
    pub fn embedded() -> Fixtures {
        Fixtures::from_bytes(&|path| match path {
            "legit/chain.pem" => fixture!("legit/chain.pem").to_vec(),
            "legit/leaf.pem" => fixture!("legit/leaf.pem").to_vec(),
            "legit/issuer-spki.der" => fixture!("legit/issuer-spki.der").to_vec(),
            "legit/root-spki.der" => fixture!("legit/root-spki.der").to_vec(),
            "new-leaf-key/leaf.pem" => fixture!("new-leaf-key/leaf.pem").to_vec(),
            "resigned-by-other-key/leaf.pem" => fixture!("resigned-by-other-key/leaf.pem").to_vec(),
            "rogue-ca/chain.pem" => fixture!("rogue-ca/chain.pem").to_vec(),
            "rogue-ca/root-spki.der" => fixture!("rogue-ca/root-spki.der").to_vec(),
            "rsa-issuer-pkcs1/leaf.pem" => fixture!("rsa-issuer-pkcs1/leaf.pem").to_vec(),
            "rsa-issuer-pss/leaf.pem" => fixture!("rsa-issuer-pss/leaf.pem").to_vec(),
            "p384-issuer/leaf.pem" => fixture!("p384-issuer/leaf.pem").to_vec(),
            "p384-issuer/issuer-spki.der" => fixture!("p384-issuer/issuer-spki.der").to_vec(),
            "odd-serial/leaf.pem" => fixture!("odd-serial/leaf.pem").to_vec(),
            "odd-serial/leaf.pin" => fixture!("odd-serial/leaf.pin").to_vec(),
            "hostile-subject/leaf.pem" => fixture!("hostile-subject/leaf.pem").to_vec(),
            other => panic!("no embedded fixture {other}"),
        })
    }

    pub fn from_bytes(read: &dyn Fn(&str) -> Vec<u8>) -> Fixtures {
        Fixtures {
            legit_chain: ders(&read("legit/chain.pem")),
            legit_leaf: der(&read("legit/leaf.pem")),
            legit_issuer_spki: read("legit/issuer-spki.der"),
            legit_root_spki: read("legit/root-spki.der"),
            new_leaf_key: der(&read("new-leaf-key/leaf.pem")),
            resigned: der(&read("resigned-by-other-key/leaf.pem")),
            rogue_chain: ders(&read("rogue-ca/chain.pem")),
            rogue_root_spki: read("rogue-ca/root-spki.der"),
            rsa_pkcs1_leaf: der(&read("rsa-issuer-pkcs1/leaf.pem")),
            rsa_pss_leaf: der(&read("rsa-issuer-pss/leaf.pem")),
            p384_leaf: der(&read("p384-issuer/leaf.pem")),
            p384_issuer_spki: read("p384-issuer/issuer-spki.der"),
            odd_serial: der(&read("odd-serial/leaf.pem")),
            odd_serial_openssl_pin: String::from_utf8(read("odd-serial/leaf.pin"))
                .unwrap()
                .trim()
                .to_string(),
            hostile: der(&read("hostile-subject/leaf.pem")),
        }
    }
}

pub fn pin_of_spki(spki: &[u8]) -> String {
    pinwatch_core::Pin::of_spki(spki).to_base64()
}

pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// 2026-11-28T00:00:00Z, inside every test list's validity.
pub const NOW: i64 = 1_795_824_000;

/// A payload pinning mail.example.test (with subdomains) to `good` pins and `issuer_keys`.
pub fn payload(
    good: &[String],
    bad: &[String],
    issuer_keys: &[String],
    mode: &str,
    blocked_spki: &[String],
    blocked_certs: &[String],
) -> String {
    serde_json::json!({
        "version": 1,
        "sequence": 7,
        "issued_at": "2026-11-20T00:00:00Z",
        "expires_at": "2027-01-20T00:00:00Z",
        "publisher": "Pinwatch tests",
        "pinsets": {
            "example": {"good": good, "bad": bad, "issuer_keys": issuer_keys}
        },
        "entries": [
            {"host": "mail.example.test", "include_subdomains": true, "pinset": "example", "mode": mode},
            {"host": "exact.example.test", "include_subdomains": false, "pinset": "example", "mode": mode}
        ],
        "blocklist": {"spki": blocked_spki, "certificates": blocked_certs}
    })
    .to_string()
}

pub fn engine(payload: &str, settings: &Settings) -> Engine {
    let list = PinList::from_json(payload.as_bytes()).expect("test payload compiles");
    Engine::new(
        vec![Source {
            origin: "test".into(),
            kind: SourceKind::Bundled,
            list,
            scope: None,
        }],
        settings,
    )
    .0
}

/// A source of extra entries as the extension hands them over (each entry its JSON text),
/// from `origin`, which names its kind too ("policy", "user", …).
pub fn extra_source(origin: &str, entries: serde_json::Value) -> SourceInput {
    let entries = entries.as_array().expect("entries").iter();
    SourceInput {
        origin: origin.into(),
        kind: SourceKind::from_name(origin).expect("a source kind"),
        extra_entries: Some(entries.map(serde_json::Value::to_string).collect()),
        ..SourceInput::default()
    }
}

/// The bundled list as a source: the test hosts (`payload`) enforced with `pin` as their one good pin.
pub fn bundled_source(pin: &str) -> SourceInput {
    SourceInput {
        origin: "bundled".into(),
        payload: Some(payload(&[pin.to_string()], &[], &[], "enforce", &[], &[])),
        ..SourceInput::default()
    }
}

/// An engine pinning mail.example.test (with subdomains) to the legit fixtures' issuing CA and
/// root, in `mode`.
pub fn pinning_legit(mode: &str) -> (Fixtures, Engine) {
    let f = Fixtures::embedded();
    let good = vec![
        pin_of_spki(&f.legit_issuer_spki),
        pin_of_spki(&f.legit_root_spki),
    ];
    let e = engine(
        &payload(&good, &[], &[], mode, &[], &[]),
        &Settings::default(),
    );
    (f, e)
}

/// What Firefox's `getSecurityInfo` says of a chain it built: its digests, and a built-in root.
pub fn firefox_capture(chain: &[Vec<u8>]) -> Capture {
    let words: Vec<String> = chain
        .iter()
        .map(|der| {
            let c = Cert::from_der(der).unwrap();
            format!("{} {}", c.facts.spki_sha256, c.facts.sha256)
        })
        .collect();
    Capture {
        tier: Some("getSecurityInfo".into()),
        state: Some("secure".into()),
        digests: (!words.is_empty()).then(|| words.join(" ")),
        built_in_root: Some(true),
        ..Capture::default()
    }
}

/// Chromium's leaf tier, as the browser describes the connection (the leaf comes beside it).
pub fn leaf_capture() -> Capture {
    Capture {
        tier: Some("securityInfoRawDer".into()),
        state: Some("secure".into()),
        ..Capture::default()
    }
}
