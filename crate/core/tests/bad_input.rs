//! Hostile and broken input: every case gets a typed error or an `unverifiable` verdict, never a
//! panic and never `pinned`. Runs natively and as WASM.

mod common;

use common::*;
use pinwatch_core::judge::engine::Settings;
use pinwatch_core::judge::verdict::Status;
use pinwatch_core::list::json::JsonError;
use pinwatch_core::x509::cert::{parse_chain, parse_der_list, CertError, MAX_CERT_BYTES};
use pinwatch_core::{normalize_host, Cert, HostError, ListError, PinList};
use wasm_bindgen_test::wasm_bindgen_test;

fn pinned_engine(f: &Fixtures) -> pinwatch_core::Engine {
    engine(
        &payload(
            &[
                pin_of_spki(&f.legit_issuer_spki),
                pin_of_spki(&f.legit_root_spki),
            ],
            &[],
            &[],
            "enforce",
            &[],
            &[],
        ),
        &Settings::default(),
    )
}

#[wasm_bindgen_test(unsupported = test)]
fn truncated_der_at_every_length_is_an_error() {
    let f = Fixtures::embedded();
    let leaf = &f.legit_chain[0];
    for len in 0..leaf.len() {
        let r = Cert::from_der(&leaf[..len]);
        assert!(r.is_err(), "prefix of {len} bytes parsed");
        assert!(
            pinwatch_core::spki_pin(&leaf[..len]).is_err(),
            "prefix of {len} bytes pinned"
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn trailing_garbage_wrong_tags_and_size() {
    let f = Fixtures::embedded();
    let mut with_tail = f.legit_chain[0].clone();
    with_tail.extend_from_slice(b"junk");
    assert_eq!(
        Cert::from_der(&with_tail).unwrap_err(),
        CertError::TrailingData(4)
    );

    let mut wrong_tag = f.legit_chain[0].clone();
    wrong_tag[0] = 0x31;
    assert!(matches!(
        Cert::from_der(&wrong_tag),
        Err(CertError::UnexpectedTag(_))
    ));

    let huge = vec![0x30u8; 10 * 1024 * 1024];
    assert!(matches!(Cert::from_der(&huge), Err(CertError::TooLarge(_))));
    assert!(matches!(parse_chain(&huge), Err(CertError::TooLarge(_))));
    assert!(matches!(
        Cert::from_der(&vec![0u8; MAX_CERT_BYTES + 1]),
        Err(CertError::TooLarge(_))
    ));
    assert_eq!(Cert::from_der(&[]).unwrap_err(), CertError::Empty);
    assert_eq!(
        parse_der_list::<Vec<u8>>(&[]).unwrap_err(),
        CertError::Empty
    );
    // A length that claims more than 4 length bytes.
    assert_eq!(
        Cert::from_der(&[0x30, 0x85, 1, 2, 3, 4, 5]).unwrap_err(),
        CertError::BadLength
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn pem_with_junk_around_it_is_read_and_broken_pem_refused() {
    let f = Fixtures::embedded();
    let pem = include_str!("fixtures/legit/chain.pem");
    let noisy = format!("subject=whatever\nissuer=…\n{pem}\ntrailing notes ☃\n");
    let chain = parse_chain(noisy.as_bytes()).unwrap();
    assert_eq!(chain.len(), 3);
    assert_eq!(chain[0].der(), &f.legit_chain[0][..]);
    assert_eq!(
        parse_chain(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----").unwrap_err(),
        CertError::BadPem
    );
    assert_eq!(
        parse_chain(b"-----BEGIN CERTIFICATE-----\nMIIB").unwrap_err(),
        CertError::BadPem
    );
    assert_eq!(
        parse_chain(b"-----BEGIN PRIVATE KEY-----\n").unwrap_err(),
        CertError::NoPemBlock
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn broken_chains_are_unverifiable_never_pinned() {
    let f = Fixtures::embedded();
    let e = pinned_engine(&f);
    let empty: [&[u8]; 0] = [];
    assert_eq!(
        e.check("mail.example.test", &empty, NOW).status,
        Status::Unverifiable
    );
    let mut chain = f.legit_chain.clone();
    chain[0].truncate(100);
    let v = e.check("mail.example.test", &chain, NOW);
    assert_eq!(
        v.status,
        Status::Unverifiable,
        "a pinned intermediate next to a broken leaf is not enough"
    );
    assert!(v.reason.contains("truncated"), "{}", v.reason);
    let too_long: Vec<Vec<u8>> = std::iter::repeat_n(f.legit_chain[0].clone(), 40).collect();
    assert_eq!(
        e.check("mail.example.test", &too_long, NOW).status,
        Status::Unverifiable
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn odd_host_names_are_refused_with_a_reason() {
    let f = Fixtures::embedded();
    let e = pinned_engine(&f);
    let long = format!("{}.example.test", "a".repeat(290));
    for host in [
        long.as_str(),
        "mail\0.example.test",
        "",
        "mail example.test",
        "mail.example.test/evil",
        "a..b",
    ] {
        let v = e.check(host, &f.legit_chain, NOW);
        assert_eq!(v.status, Status::Unverifiable, "{host:?}");
        assert!(
            v.reason.starts_with("The host name could not be read"),
            "{}",
            v.reason
        );
        assert!(v.host.chars().count() <= 300);
    }
    assert!(matches!(
        normalize_host(&"a.".repeat(150)),
        Err(HostError::TooLong(_))
    ));
}

#[wasm_bindgen_test(unsupported = test)]
fn broken_payloads_get_typed_errors() {
    let f = Fixtures::embedded();
    let good = payload(
        &[pin_of_spki(&f.legit_issuer_spki)],
        &[],
        &[],
        "enforce",
        &[],
        &[],
    );
    assert!(PinList::from_json(good.as_bytes()).is_ok());
    type Expect = fn(&ListError) -> bool;
    let cases: Vec<(String, Expect)> = vec![
        (good[..good.len() / 2].to_string(), |e| {
            matches!(e, ListError::Json(JsonError::Syntax(..)))
        }),
        (
            good.replacen("\"version\":1", "\"version\":1,\"version\":1", 1),
            |e| matches!(e, ListError::Json(JsonError::DuplicateKey(_))),
        ),
        (good.replacen("\"version\":1", "\"version\":2", 1), |e| {
            matches!(e, ListError::UnsupportedVersion(2))
        }),
        (
            good.replacen("2027-01-20T00:00:00Z", "2026-01-01T00:00:00Z", 1),
            |e| matches!(e, ListError::ExpiresBeforeIssued),
        ),
        (
            good.replacen("\"mode\":\"enforce\"", "\"mode\":\"block\"", 1),
            |e| matches!(e, ListError::Json(JsonError::Schema(_))),
        ),
        (
            good.replacen("\"pinset\":\"example\"", "\"pinset\":\"missing\"", 1),
            |e| matches!(e, ListError::UnknownPinSet(_)),
        ),
        (
            good.replacen("mail.example.test", "mail\\u0000.example.test", 1),
            |e| matches!(e, ListError::BadHost(..)),
        ),
        (
            good.replacen("exact.example.test", "MAIL.example.test.", 1),
            |e| matches!(e, ListError::DuplicateEntry(_)),
        ),
        (good.replacen("\"good\":[\"", "\"good\":[\"AAAA", 1), |e| {
            matches!(e, ListError::BadPin(_))
        }),
        (
            good.replacen(
                "\"issuer_keys\":[]",
                "\"issuer_keys\":[\"bm90IGEga2V5\"]",
                1,
            ),
            |e| matches!(e, ListError::BadIssuerKey(_)),
        ),
        (
            good.replacen("\"publisher\"", "\"unknown_field\":1,\"publisher\"", 1),
            |e| matches!(e, ListError::Json(JsonError::Schema(_))),
        ),
    ];
    for (text, expected) in cases {
        let err = PinList::from_json(text.as_bytes()).expect_err(&text);
        assert!(expected(&err), "{err:?} for {text}");
        assert!(!err.to_string().is_empty());
    }
    let deep = format!("{}{}", "[".repeat(40), "]".repeat(40));
    assert!(matches!(
        PinList::from_json(deep.as_bytes()),
        Err(ListError::Json(JsonError::TooDeep))
    ));
    assert!(matches!(
        PinList::from_json(b"{\"version\": \"\xc3\x28\"}"),
        Err(ListError::Json(JsonError::InvalidUtf8(_)))
    ));
}

/// Inputs the fuzzers found: each must be refused, or accepted only in a form that matches itself.
#[wasm_bindgen_test(unsupported = test)]
fn fuzz_reproducers_stay_fixed() {
    let payload = include_bytes!("fixtures/fuzz/payload-host-punct-in-idn-label.json");
    match PinList::from_json(payload) {
        Err(ListError::BadHost(path, HostError::BadCharacter(';'))) => {
            assert_eq!(path, "entries[0].host")
        }
        Err(other) => panic!("refused for the wrong reason: {other}"),
        Ok(list) => panic!(
            "accepted a host that can never match: {:?}",
            list.entries[0].host
        ),
    }
}
