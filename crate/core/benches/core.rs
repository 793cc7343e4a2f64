//! Native benchmarks of the core (`cargo bench --bench core`; `./build.sh bench` runs them).
//!
//! The certificates are real DER fixtures made by `benches/fixtures/make.sh`: a 3-certificate
//! chain (RSA-2048 root, P-256 issuing CA, P-256 leaf) and an RSA-2048 leaf.
//!
//! - `spki_pin/*`: `Cert::from_der` and its pin, the work the extension does per certificate,
//!   and, for profiling, its parts: SHA-256 of the SPKI alone, SHA-256 of the whole certificate
//!   (what the certificate block list needs), and a strict `x509-cert` decode for reference (the
//!   core reads facts with its own lenient DER walk; x509-cert is only a dev-dependency).
//! - `verdict/3-cert-chain-1k-list`: `Engine::check` for a pinned host against a 1,000-entry list.
//! - `verdict/3-cert-digests-1k-list`: `Engine::check_digests` for the same chain's digests; and
//!   what the WASM `checkDigests` runs in the core: the digests' text read, the brief verdict.
//! - `lookup/100k-list/*`: the entry lookup in a 100,000-entry list (normalisation included).
//! - `path/3-links/*`: `Engine::check_path` for the same chain as a server sent it, pinned at the
//!   root: cold (a new signature cache, both links verified) and warm (the wake's cache).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use pinwatch_core::judge::engine::CertDigests;
use pinwatch_core::list::{BlockListSpec, EntrySpec, Payload, PinSetSpec, FORMAT_VERSION};
use pinwatch_core::SourceKind;
use pinwatch_core::{Cert, Engine, Mode, Pin, PinList, Settings, Source};
use std::collections::BTreeMap;
use std::time::Duration;

const ROOT: &[u8] = include_bytes!("fixtures/root.der");
const INTER: &[u8] = include_bytes!("fixtures/inter.der");
const LEAF_P256: &[u8] = include_bytes!("fixtures/leaf-p256.der");
const LEAF_RSA: &[u8] = include_bytes!("fixtures/leaf-rsa2048.der");

/// 2026-11-30T00:00:00Z, inside the lists' validity.
const NOW: i64 = 1_795_996_800;

fn host_name(i: usize) -> String {
    format!("h{i}.e{}.com", i % 7)
}

fn fake_pin(i: u64) -> String {
    Pin::sha256(&i.to_le_bytes()).to_base64()
}

/// A list of `n` entries over `min(n / 10, 1000)` pin sets of 3 pins each; every third entry
/// includes subdomains. Entry `i` is host `h{i}.e{i % 7}.com` (as in tests/bench/bench.mjs). When `pinned` is given, the
/// entry for that host uses a pin set holding that pin.
fn list(n: usize, pinned: Option<(&str, Pin)>) -> PinList {
    let sets = (n / 10).clamp(1, 1000);
    let mut pinsets = BTreeMap::new();
    for s in 0..sets {
        let base = (s as u64) * 3;
        pinsets.insert(
            format!("s{s}"),
            PinSetSpec {
                good: vec![fake_pin(base), fake_pin(base + 1), fake_pin(base + 2)],
                ..PinSetSpec::default()
            },
        );
    }
    let mut entries: Vec<EntrySpec> = (0..n)
        .map(|i| EntrySpec {
            host: host_name(i),
            include_subdomains: i % 3 == 0,
            pinset: format!("s{}", i % sets),
            mode: Mode::Enforce,
            cookie_scope: None,
            comment: None,
        })
        .collect();
    if let Some((host, pin)) = pinned {
        pinsets.insert(
            "bench".into(),
            PinSetSpec {
                good: vec![fake_pin(u64::MAX), pin.to_base64()],
                ..PinSetSpec::default()
            },
        );
        let last = entries.len() - 1;
        entries[last] = EntrySpec {
            host: host.into(),
            include_subdomains: true,
            pinset: "bench".into(),
            mode: Mode::Enforce,
            cookie_scope: None,
            comment: None,
        };
    }
    let payload = Payload {
        version: FORMAT_VERSION,
        sequence: 1,
        issued_at: "2026-11-28T00:00:00Z".into(),
        expires_at: "2027-02-06T00:00:00Z".into(),
        publisher: "bench".into(),
        comment: None,
        pinsets,
        entries,
        blocklist: BlockListSpec {
            spki: vec![fake_pin(1 << 40)],
            certificates: vec![fake_pin(1 << 41)],
        },
        next_signers: None,
        channel: None,
    };
    PinList::compile(&payload).expect("bench list compiles")
}

fn engine(list: PinList) -> Engine {
    Engine::new(
        vec![Source {
            origin: "bench".into(),
            kind: SourceKind::Bundled,
            list,
            scope: None,
        }],
        &Settings::default(),
    )
    .0
}

fn spki_range(der: &[u8]) -> std::ops::Range<usize> {
    let cert = Cert::from_der(der).unwrap();
    let spki = cert.spki_der();
    let start = der.windows(spki.len()).position(|w| w == spki).unwrap();
    start..start + spki.len()
}

fn bench_pin(c: &mut Criterion) {
    let mut g = c.benchmark_group("spki_pin");
    for (name, der) in [("rsa2048", LEAF_RSA), ("p256", LEAF_P256)] {
        g.bench_function(format!("{name}/cert_from_der"), |b| {
            b.iter(|| Cert::from_der(black_box(der)).unwrap().spki_pin)
        });
        let range = spki_range(der);
        g.bench_function(format!("{name}/sha256_of_spki_only"), |b| {
            b.iter(|| Pin::of_spki(black_box(&der[range.clone()])))
        });
        g.bench_function(format!("{name}/sha256_of_whole_cert"), |b| {
            b.iter(|| Pin::sha256(black_box(der)))
        });
        g.bench_function(format!("{name}/x509_cert_parse"), |b| {
            b.iter(|| {
                <x509_cert::Certificate as x509_cert::der::Decode>::from_der(black_box(der))
                    .unwrap()
            })
        });
    }
    g.finish();
}

fn bench_verdict(c: &mut Criterion) {
    let inter_pin = Cert::from_der(INTER).unwrap().spki_pin;
    let e = engine(list(1_000, Some(("bench.example", inter_pin))));
    let chain = [LEAF_P256, INTER, ROOT];
    let v = e.check("mail.bench.example", &chain, NOW);
    assert_eq!(v.status, pinwatch_core::Status::Pinned, "{}", v.reason);
    let mut g = c.benchmark_group("verdict");
    g.bench_function("3-cert-chain-1k-list/pinned", |b| {
        b.iter(|| e.check(black_box("mail.bench.example"), black_box(&chain), NOW))
    });
    g.bench_function("3-cert-chain-1k-list/mismatch", |b| {
        b.iter(|| e.check(black_box(host_name(3).as_str()), black_box(&chain), NOW))
    });
    // The same chain as a browser describes it (Firefox): each certificate's two digests.
    let digests: Vec<CertDigests> = chain
        .iter()
        .map(|der| CertDigests {
            spki_sha256: Cert::from_der(der).unwrap().spki_pin,
            cert_sha256: Pin::sha256(der),
        })
        .collect();
    g.bench_function("3-cert-digests-1k-list/pinned", |b| {
        b.iter(|| e.check_digests(black_box("mail.bench.example"), black_box(&digests), NOW))
    });
    // What the WASM `checkDigests` runs: the text as Firefox writes it read, the brief verdict.
    let text: Vec<String> = digests
        .iter()
        .map(|d| {
            let hex: Vec<String> = d.cert_sha256.0.iter().map(|b| format!("{b:02X}")).collect();
            format!("{} {}", d.spki_sha256.to_base64(), hex.join(":"))
        })
        .collect();
    let text = text.join(" ");
    assert_eq!(CertDigests::parse_words(&text).unwrap(), digests);
    g.bench_function("3-cert-digests-1k-list/pinned-brief-from-text", |b| {
        b.iter(|| {
            let digests = CertDigests::parse_words(black_box(&text)).unwrap();
            e.check_digests_brief(black_box("mail.bench.example"), &digests, NOW)
        })
    });
    g.finish();
}

fn bench_lookup(c: &mut Criterion) {
    let e = engine(list(100_000, None));
    assert!(e.is_pinned(&host_name(99_999)));
    assert!(
        e.is_pinned(&format!("a.b.{}", host_name(99_999))),
        "entries i % 3 == 0 include subdomains"
    );
    assert!(!e.is_pinned(&format!("a.b.{}", host_name(99_998))));
    assert!(!e.is_pinned("www.unpinned.example.org"));
    let (exact, sub) = (host_name(54_321), format!("a.b.{}", host_name(54_321)));
    let mut g = c.benchmark_group("lookup/100k-list");
    g.bench_function("exact", |b| b.iter(|| e.is_pinned(black_box(&exact))));
    g.bench_function("subdomain", |b| b.iter(|| e.is_pinned(black_box(&sub))));
    g.bench_function("unpinned", |b| {
        b.iter(|| e.is_pinned(black_box("www.unpinned.example.org")))
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

/// The issuer-key proof for leaf-only browsers: one signature check per pinned issuer key.
fn bench_proof(c: &mut Criterion) {
    let p384_leaf =
        pinwatch_core::parse_chain(include_bytes!("../tests/fixtures/p384-issuer/leaf.pem"))
            .unwrap()
            .remove(0);
    let p384_issuer: &[u8] = include_bytes!("../tests/fixtures/p384-issuer/issuer-spki.der");
    let cases = [
        (
            "rsa2048-pkcs1-sha256",
            Cert::from_der(INTER).unwrap(),
            &ROOT[spki_range(ROOT)],
        ),
        (
            "p256-sha256",
            Cert::from_der(LEAF_P256).unwrap(),
            &INTER[spki_range(INTER)],
        ),
        ("p384-sha384", p384_leaf, p384_issuer),
    ];
    let mut g = c.benchmark_group("issuer-key-proof");
    for (name, cert, issuer) in &cases {
        assert!(
            pinwatch_core::judge::proof::signed_by(cert, issuer),
            "{name}"
        );
        g.bench_function(*name, |b| {
            b.iter(|| pinwatch_core::judge::proof::signed_by(black_box(cert), black_box(issuer)))
        });
    }
}

fn bench_path(c: &mut Criterion) {
    use pinwatch_core::judge::path::SignatureCache;
    let root_pin = Cert::from_der(ROOT).unwrap().spki_pin;
    let e = engine(list(1_000, Some(("bench.example", root_pin))));
    let chain = [LEAF_P256, INTER, ROOT];
    let check = |cache: &mut SignatureCache| {
        e.check_path(
            "mail.bench.example",
            &chain,
            &[],
            pinwatch_core::judge::path::Given::Served,
            cache,
            NOW,
        )
    };
    let v = check(&mut SignatureCache::new());
    assert_eq!(v.status, pinwatch_core::Status::Pinned, "{}", v.reason);
    assert_eq!(v.path.as_ref().map(|p| p.checks), Some(2));
    let mut g = c.benchmark_group("path");
    g.bench_function("3-links/cold", |b| {
        b.iter(|| check(black_box(&mut SignatureCache::new())))
    });
    let mut warm = SignatureCache::new();
    check(&mut warm);
    g.bench_function("3-links/warm", |b| b.iter(|| check(black_box(&mut warm))));
    g.finish();
}

criterion_group! { name = benches; config = config(); targets = bench_pin, bench_verdict, bench_lookup, bench_proof, bench_path }
criterion_main!(benches);
