//! Certificate bytes from anywhere: `Cert::from_der`, `parse_chain` (DER or PEM) and a full
//! `Engine::check` with the input as the chain, both as a lone leaf (the issuer-key proof path,
//! with RSA, P-256 and P-384 issuer keys) and split at its DER boundaries (the chain path).
//! Also the split chain as no browser built it (`check_path`: served, and leaf + fetched), within
//! its bounds, and the digest-only verdict, which must equal the DER one facts aside.
//! Nothing may panic, and the strict and chain readers must agree on a single certificate.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pinwatch_core::SourceKind;
use pinwatch_core::judge::engine::CertDigests;
use pinwatch_core::judge::path::{CertOrigin, Given, SignatureCache, MAX_SIGNATURE_CHECKS};
use pinwatch_core::{parse_chain, Cert, Engine, Pin, PinList, Settings, Source};
use std::sync::OnceLock;

/// Inside the list's validity.
const NOW: i64 = 1_796_000_000;

/// A list whose pin set carries issuer keys of each kind the proof verifies: an RSA-2048 key,
/// the P-256 key of the benchmark issuing CA (so seeded leaves really verify) and a P-384 key;
/// a block list so the raw-bytes hash path runs too.
const PAYLOAD: &str = r#"{
  "version": 1, "sequence": 1, "issued_at": "2026-11-28T00:00:00Z", "expires_at": "2027-02-06T00:00:00Z",
  "publisher": "fuzz",
  "pinsets": {
    "fuzz": {
      "good": ["hxqRlPTu1bMS/0DITB1SSu0vd4u/8l8TjPgfaAp63Gc=", "Vfd95BwDeSQo+NUYxVEEIlvkOlWY2SalKK1lPhzOx78="],
      "bad": ["C5+lpZ7tcVwmwQIMcRtPbsQtWLABXhQzejna0wHFr8M="],
      "issuer_keys": [
        "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwEQvO5N4BpLIoS7EwdYjTTIN5hp8fytLjBtL6wgvYKhbhB58eo/ht7gVWHOEwgZAJLbZJR/UkmFFxDscGq1xIrgSXQuWWS4YUfJxyGzKJF5cV59vd9gYhnsc3xr4nzVa9guj2V4gpbfvf/FAVVIOKgbLGQvJ3nCmsq/tTY9dURPWLAPGW00SpvNoQ2ABFmxSW6chkkuBEHXHRu5WnrF1YUnszzprVgL4g4K9/SSJ0M/RNpuFvkCsZJ/2sk4Htoa+pfFGbdA2/QqVEdSDTRuJRCQlvZPs1MlBDhixNFL/dKY2Am/DBrPDvxNmatvvoO8DJ6l6jmXpNne5EX9Z0bmYmwIDAQAB",
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEnz5fgtGTNxuP665Q6tA8c8dY4wwP5m7X3X5n5aLt6F5eDAX4aEzFlGh7cotCb/3JgAiMy5DKoO2FtBUUIFMbQw==",
        "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEndw5bGGJzLEWEisqDVFiYnqQ8QmkqFBK6Pk6eJjChHMuwv5qMHx4upBait7uDf33opHHmB5hqpta/gWbytJPl35ya3qW8C1JnOCMwwsMJdna9C8wewImq1K/qDwcBbiN"
      ]
    }
  },
  "entries": [
    {"host": "bench.example", "include_subdomains": true, "pinset": "fuzz", "mode": "enforce"}
  ],
  "blocklist": {"spki": ["diGVwiVYbubAI3RW4hB9xU8e/CH2GnkuvVFZE8zmgzI="], "certificates": ["47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="]}
}"#;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let list = PinList::from_json(PAYLOAD.as_bytes()).expect("the fuzz list compiles");
        let source = Source {
            origin: "fuzz".into(),
            kind: SourceKind::Bundled,
            list,
            scope: None,
        };
        Engine::new(vec![source], &Settings::default()).0
    })
}

/// Ends of the top-level DER elements of `data` (definite short or long lengths only).
fn der_boundaries(data: &[u8]) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut at = 0usize;
    while at + 2 <= data.len() && ends.len() < 8 {
        let first = data[at + 1] as usize;
        let (len, header) = if first < 0x80 {
            (first, 2)
        } else {
            let n = first & 0x7f;
            if n == 0 || n > 3 || at + 2 + n > data.len() {
                break;
            }
            (
                data[at + 2..at + 2 + n]
                    .iter()
                    .fold(0usize, |a, &b| (a << 8) | b as usize),
                2 + n,
            )
        };
        let end = at + header + len;
        if end > data.len() {
            break;
        }
        ends.push(end);
        at = end;
    }
    ends
}

fuzz_target!(|data: &[u8]| {
    let single = Cert::from_der(data);
    let chain = parse_chain(data);
    if let Ok(cert) = &single {
        assert_eq!(cert.spki_pin, Pin::of_spki(cert.spki_der()));
        if !data.windows(11).any(|w| w == b"-----BEGIN ") {
            let certs = chain
                .as_ref()
                .expect("a certificate from_der reads is a one-certificate chain");
            assert_eq!(certs.len(), 1);
            assert_eq!(certs[0].spki_pin, cert.spki_pin);
        }
    }
    if let Ok(certs) = &chain {
        for c in certs {
            assert_eq!(c.spki_pin, Pin::of_spki(c.spki_der()));
        }
    }

    let engine = engine();
    // The lone leaf: leaf-only browsers, issuer-key proof.
    let verdict = engine.check("mail.bench.example", &[data], NOW);
    if single.is_err() {
        assert_ne!(
            verdict.status,
            pinwatch_core::Status::Pinned,
            "unreadable bytes were judged pinned"
        );
    }
    // The same bytes split at their DER boundaries: the full-chain path.
    let ends = der_boundaries(data);
    if ends.len() > 1 {
        let mut parts = Vec::with_capacity(ends.len());
        let mut start = 0;
        for end in ends {
            parts.push(&data[start..end]);
            start = end;
        }
        let built = engine.check("mail.bench.example", &parts, NOW);
        let _ = engine.check("unpinned.example.org", &parts, NOW);
        // The same certificates as no browser built them: served, then leaf + fetched. The
        // search stays within its bounds whatever the bytes say.
        let mut cache = SignatureCache::new();
        let served = engine.check_path("mail.bench.example", &parts, &[], Given::Served, &mut cache, NOW);
        let extra: Vec<(&[u8], CertOrigin)> =
            parts[1..].iter().map(|p| (*p, CertOrigin::Fetched)).collect();
        let fetched = engine.check_path("mail.bench.example", &parts[..1], &extra, Given::LeafCompleted, &mut cache, NOW);
        for v in [&served, &fetched] {
            if let Some(path) = &v.path {
                assert!(path.checks <= MAX_SIGNATURE_CHECKS);
                assert!(v.chain.len() <= parts.len());
            }
        }
        // Digests decide as the DER does, facts aside.
        let read: Result<Vec<Cert>, _> = parts.iter().map(|p| Cert::from_der(p)).collect();
        if let Ok(certs) = read {
            let digests: Vec<CertDigests> = certs
                .iter()
                .map(|c| CertDigests { spki_sha256: c.spki_pin, cert_sha256: c.cert_hash })
                .collect();
            if let Some(mut from_digests) = engine.check_digests("mail.bench.example", &digests, NOW) {
                let mut from_der = built.clone();
                from_der.chain.clear();
                from_digests.chain.clear();
                assert_eq!(from_der, from_digests, "digests and DER disagree");
            }
        }
    }
});
