//! Acceptance of signed lists, one test per attack or publisher mistake. Keys come from fixed
//! seeds and lists are signed at test time, so the same tests run natively and as WASM under node.

mod signer;

use pinwatch_core::crypto::key::{KeyError, SignerSet};
use pinwatch_core::list::accept::{
    accept, Rejection, TrustSpec, TrustState, CLOCK_SKEW_SECS, MAX_SEQUENCE,
};
use pinwatch_core::list::envelope::{Envelope, PAYLOAD_TYPE};
use pinwatch_core::list::json::JsonError;
use pinwatch_core::list::ListError;
use pinwatch_core::time::parse_rfc3339;
use signer::{sign_envelope, Signer};
use wasm_bindgen_test::wasm_bindgen_test;

const ISSUED: &str = "2026-11-01T00:00:00Z";
const EXPIRES: &str = "2026-12-01T00:00:00Z";

fn t(text: &str) -> i64 {
    parse_rfc3339(text).unwrap()
}

fn now() -> i64 {
    t("2026-11-15T00:00:00Z")
}

fn key(seed: u8) -> Signer {
    Signer::from_seed(&[seed; 32])
}

fn payload_with(sequence: u64, next: Option<(&[&Signer], u32)>) -> Vec<u8> {
    let next = match next {
        None => String::new(),
        Some((keys, threshold)) => {
            let keys: Vec<String> = keys
                .iter()
                .map(|k| format!("{:?}", k.public().to_text()))
                .collect();
            format!(
                r#", "next_signers": {{"keys": [{}], "threshold": {threshold}}}"#,
                keys.join(", ")
            )
        }
    };
    format!(
        r#"{{"version": 1, "sequence": {sequence}, "issued_at": "{ISSUED}", "expires_at": "{EXPIRES}", "publisher": "test",
  "pinsets": {{"mail": {{"good": ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="]}}}},
  "entries": [{{"host": "mail.example.com", "pinset": "mail", "mode": "enforce"}}]{next}}}"#
    )
    .into_bytes()
}

fn payload(sequence: u64) -> Vec<u8> {
    payload_with(sequence, None)
}

fn sign(payload: &[u8], keys: &[&Signer]) -> Vec<u8> {
    sign_envelope(PAYLOAD_TYPE, payload, keys)
        .to_json()
        .into_bytes()
}

fn trust(keys: &[&Signer], threshold: u32, sequence: u64) -> TrustState {
    let keys = keys.iter().map(|k| *k.public()).collect();
    TrustState {
        signers: SignerSet::new(keys, threshold).unwrap(),
        sequence,
    }
}

fn rejection(envelope: &[u8], trust: &TrustState, now: i64) -> Rejection {
    match accept(envelope, trust, None, now) {
        Ok(a) => panic!(
            "accepted sequence {} but should not have",
            a.list.info.sequence
        ),
        Err(r) => r,
    }
}

/// Rewrites one envelope field through JSON, as an attacker on the update channel would.
fn edit(envelope: &[u8], change: impl FnOnce(&mut Envelope)) -> Vec<u8> {
    let mut e = Envelope::from_json(envelope).unwrap();
    change(&mut e);
    e.to_json().into_bytes()
}

#[wasm_bindgen_test(unsupported = test)]
fn a_list_signed_by_a_threshold_of_trusted_keys_is_accepted() {
    let (a, b) = (key(1), key(2));
    let accepted = accept(
        &sign(&payload(7), &[&a, &b]),
        &trust(&[&a, &b], 2, 6),
        None,
        now(),
    )
    .unwrap();
    assert_eq!(accepted.list.info.sequence, 7);
    assert_eq!(accepted.trust, trust(&[&a, &b], 2, 7));
    assert_eq!(accepted.signed_by, vec![a.public().id(), b.public().id()]);
    assert!(!accepted.rotated);
    assert_eq!(accepted.payload, payload(7));
}

#[wasm_bindgen_test(unsupported = test)]
fn a_tampered_payload_byte_is_refused() {
    let a = key(1);
    let original = payload(7);
    let mut tampered = original.clone();
    let at = tampered.windows(7).position(|w| w == b"enforce").unwrap();
    tampered[at..at + 7].copy_from_slice(b"report ");
    let envelope = edit(&sign(&original, &[&a]), |e| e.payload = base64(&tampered));
    match rejection(&envelope, &trust(&[&a], 1, 0), now()) {
        Rejection::BadSignature(tally) => assert_eq!(tally.failed, vec![a.public().id()]),
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn a_signature_by_an_untrusted_key_is_refused() {
    let (trusted, stranger) = (key(1), key(9));
    let r = rejection(
        &sign(&payload(7), &[&stranger]),
        &trust(&[&trusted], 1, 0),
        now(),
    );
    assert!(matches!(r, Rejection::UntrustedSigners(_)), "{r:?}");
}

#[wasm_bindgen_test(unsupported = test)]
fn an_untrusted_signature_claiming_a_trusted_key_id_is_refused() {
    let (trusted, stranger) = (key(1), key(9));
    let envelope = edit(&sign(&payload(7), &[&stranger]), |e| {
        e.signatures[0].keyid = trusted.public().id().to_string()
    });
    assert!(matches!(
        rejection(&envelope, &trust(&[&trusted], 1, 0), now()),
        Rejection::BadSignature(_)
    ));
}

#[wasm_bindgen_test(unsupported = test)]
fn the_same_key_signing_twice_counts_once() {
    let (a, b) = (key(1), key(2));
    let envelope = edit(&sign(&payload(7), &[&a]), |e| {
        e.signatures.push(e.signatures[0].clone())
    });
    match rejection(&envelope, &trust(&[&a, &b], 2, 0), now()) {
        Rejection::ThresholdNotMet(tally) => {
            assert_eq!(tally.verified, vec![a.public().id()]);
            assert_eq!(tally.repeated, vec![a.public().id()]);
        }
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn an_empty_signature_list_is_refused() {
    let a = key(1);
    let envelope = edit(&sign(&payload(7), &[&a]), |e| e.signatures.clear());
    assert_eq!(
        rejection(&envelope, &trust(&[&a], 1, 0), now()),
        Rejection::NoSignatures
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_threshold_that_is_not_met_is_refused() {
    let (a, b, c) = (key(1), key(2), key(3));
    let r = rejection(
        &sign(&payload(7), &[&a, &b]),
        &trust(&[&a, &b, &c], 3, 0),
        now(),
    );
    assert!(
        matches!(r, Rejection::ThresholdNotMet(ref tally) if tally.verified.len() == 2 && tally.required == 3),
        "{r:?}"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_changed_payload_type_is_refused_even_when_signed_for_it() {
    let a = key(1);
    let relabelled = edit(&sign(&payload(7), &[&a]), |e| {
        e.payload_type = "application/vnd.in-toto+json".into()
    });
    assert!(matches!(
        rejection(&relabelled, &trust(&[&a], 1, 0), now()),
        Rejection::PayloadType(_)
    ));
    // A trusted key's signature over another document type is never a pin list signature.
    let other = sign_envelope("application/vnd.in-toto+json", &payload(7), &[&a])
        .to_json()
        .into_bytes();
    assert!(matches!(
        rejection(&other, &trust(&[&a], 1, 0), now()),
        Rejection::PayloadType(_)
    ));
    let back = edit(&other, |e| e.payload_type = PAYLOAD_TYPE.into());
    assert!(matches!(
        rejection(&back, &trust(&[&a], 1, 0), now()),
        Rejection::BadSignature(_)
    ));
}

#[wasm_bindgen_test(unsupported = test)]
fn a_rollback_to_an_older_or_equal_sequence_is_refused() {
    let a = key(1);
    let envelope = sign(&payload(7), &[&a]);
    assert_eq!(
        rejection(&envelope, &trust(&[&a], 1, 7), now()),
        Rejection::Rollback {
            sequence: 7,
            last: 7
        }
    );
    assert_eq!(
        rejection(&envelope, &trust(&[&a], 1, 8), now()),
        Rejection::Rollback {
            sequence: 7,
            last: 8
        }
    );
    assert!(accept(&envelope, &trust(&[&a], 1, 6), None, now()).is_ok());
}

#[wasm_bindgen_test(unsupported = test)]
fn a_replayed_expired_list_is_refused() {
    let a = key(1);
    let envelope = sign(&payload(7), &[&a]);
    assert!(
        accept(&envelope, &trust(&[&a], 1, 0), None, t(EXPIRES)).is_ok(),
        "valid up to and including expires_at"
    );
    let r = rejection(&envelope, &trust(&[&a], 1, 0), t(EXPIRES) + 1);
    assert_eq!(
        r,
        Rejection::Expired {
            expires_at: EXPIRES.into()
        }
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_list_issued_in_the_future_is_refused_beyond_five_minutes() {
    let a = key(1);
    let envelope = sign(&payload(7), &[&a]);
    assert!(accept(
        &envelope,
        &trust(&[&a], 1, 0),
        None,
        t(ISSUED) - CLOCK_SKEW_SECS
    )
    .is_ok());
    let r = rejection(
        &envelope,
        &trust(&[&a], 1, 0),
        t(ISSUED) - CLOCK_SKEW_SECS - 1,
    );
    assert_eq!(
        r,
        Rejection::NotYetValid {
            issued_at: ISSUED.into()
        }
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_rotation_signed_only_by_the_old_keys_is_refused() {
    let (old1, old2, new1, new2) = (key(1), key(2), key(3), key(4));
    let rotation = payload_with(8, Some((&[&new1, &new2], 2)));
    let r = rejection(
        &sign(&rotation, &[&old1, &old2]),
        &trust(&[&old1, &old2], 2, 7),
        now(),
    );
    assert!(
        matches!(r, Rejection::RotationNotSigned(ref tally) if tally.verified.is_empty() && tally.required == 2),
        "{r:?}"
    );
    // One new key is not a threshold of the new set either.
    let r = rejection(
        &sign(&rotation, &[&old1, &old2, &new1]),
        &trust(&[&old1, &old2], 2, 7),
        now(),
    );
    assert!(matches!(r, Rejection::RotationNotSigned(_)), "{r:?}");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_rotation_signed_by_old_and_new_keys_hands_over_trust() {
    let (old1, old2, new1, new2) = (key(1), key(2), key(3), key(4));
    let rotation = payload_with(8, Some((&[&new1, &new2], 2)));
    let accepted = accept(
        &sign(&rotation, &[&old1, &old2, &new1, &new2]),
        &trust(&[&old1, &old2], 2, 7),
        None,
        now(),
    )
    .unwrap();
    assert!(accepted.rotated);
    assert_eq!(accepted.trust, trust(&[&new1, &new2], 2, 8));
    // From now on the old keys alone are strangers, and the new ones suffice.
    let r = rejection(&sign(&payload(9), &[&old1, &old2]), &accepted.trust, now());
    assert!(matches!(r, Rejection::UntrustedSigners(_)), "{r:?}");
    assert!(accept(
        &sign(&payload(9), &[&new1, &new2]),
        &accepted.trust,
        None,
        now()
    )
    .is_ok());
}

#[wasm_bindgen_test(unsupported = test)]
fn an_invalid_next_signer_set_is_refused() {
    let a = key(1);
    let rotation = payload_with(8, Some((&[&a], 0)));
    assert_eq!(
        rejection(&sign(&rotation, &[&a]), &trust(&[&a], 1, 0), now()),
        Rejection::BadNextSigners(KeyError::ZeroThreshold)
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_nine_mebibyte_envelope_is_refused_before_parsing() {
    let a = key(1);
    let mut big = sign(&payload(7), &[&a]);
    big.resize(9 * 1024 * 1024, b' ');
    assert!(matches!(
        rejection(&big, &trust(&[&a], 1, 0), now()),
        Rejection::Envelope(_)
    ));
    let r = rejection(&big, &trust(&[&a], 1, 0), now());
    assert!(r.to_string().contains("limit"), "{r}");
}

#[wasm_bindgen_test(unsupported = test)]
fn deep_nesting_is_refused_in_the_envelope_and_in_a_signed_payload() {
    let a = key(1);
    let deep = format!(
        r#"{{"payloadType": {}, "payload": "", "signatures": [], "x": {}{}}}"#,
        "\"t\"",
        "[".repeat(40),
        "]".repeat(40)
    );
    assert!(matches!(
        rejection(deep.as_bytes(), &trust(&[&a], 1, 0), now()),
        Rejection::Envelope(pinwatch_core::list::envelope::EnvelopeError::Json(
            JsonError::TooDeep
        ))
    ));
    let deep_payload = format!(
        r#"{{"version": 1, "x": {}{}}}"#,
        "[".repeat(40),
        "]".repeat(40)
    );
    let r = rejection(
        &sign(deep_payload.as_bytes(), &[&a]),
        &trust(&[&a], 1, 0),
        now(),
    );
    assert_eq!(r, Rejection::Payload(ListError::Json(JsonError::TooDeep)));
}

#[wasm_bindgen_test(unsupported = test)]
fn invalid_utf8_is_refused() {
    let a = key(1);
    let mut envelope = sign(&payload(7), &[&a]);
    envelope.insert(1, 0xff);
    assert!(matches!(
        rejection(&envelope, &trust(&[&a], 1, 0), now()),
        Rejection::Envelope(pinwatch_core::list::envelope::EnvelopeError::Json(
            JsonError::InvalidUtf8(_)
        ))
    ));
    let mut bad_payload = payload(7);
    bad_payload.insert(bad_payload.len() - 1, 0xfe);
    let r = rejection(&sign(&bad_payload, &[&a]), &trust(&[&a], 1, 0), now());
    assert!(
        matches!(
            r,
            Rejection::Payload(ListError::Json(JsonError::InvalidUtf8(_)))
        ),
        "{r:?}"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn duplicate_keys_are_refused_in_the_envelope_and_in_a_signed_payload() {
    let a = key(1);
    let envelope = String::from_utf8(sign(&payload(7), &[&a]))
        .unwrap()
        .replacen(
            "\"payloadType\"",
            "\"payloadType\": \"x\", \"payloadType\"",
            1,
        );
    let r = rejection(envelope.as_bytes(), &trust(&[&a], 1, 0), now());
    assert!(
        matches!(
            r,
            Rejection::Envelope(pinwatch_core::list::envelope::EnvelopeError::Json(
                JsonError::DuplicateKey(_)
            ))
        ),
        "{r:?}"
    );
    // A signer and a reviewer must never read different values for the same key.
    let twice = String::from_utf8(payload(7)).unwrap().replacen(
        "\"sequence\": 7",
        "\"sequence\": 7, \"sequence\": 99",
        1,
    );
    let r = rejection(&sign(twice.as_bytes(), &[&a]), &trust(&[&a], 1, 0), now());
    assert_eq!(
        r,
        Rejection::Payload(ListError::Json(JsonError::DuplicateKey("sequence".into())))
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn unsigned_bytes_never_reach_the_list_parser() {
    let (trusted, stranger) = (key(1), key(9));
    let r = rejection(
        &sign(b"not even JSON", &[&stranger]),
        &trust(&[&trusted], 1, 0),
        now(),
    );
    assert!(matches!(r, Rejection::UntrustedSigners(_)), "{r:?}");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_sequence_javascript_cannot_hold_is_refused() {
    let a = key(1);
    let r = rejection(
        &sign(&payload(MAX_SEQUENCE + 1), &[&a]),
        &trust(&[&a], 1, 0),
        now(),
    );
    assert_eq!(r, Rejection::SequenceTooLarge(MAX_SEQUENCE + 1));
}

#[wasm_bindgen_test(unsupported = test)]
fn trust_state_round_trips_through_its_json_form() {
    let (a, b) = (key(1), key(2));
    let state = trust(&[&a, &b], 2, 7);
    let json = serde_json::to_string(&state.to_spec()).unwrap();
    let spec: TrustSpec = pinwatch_core::list::json::parse(json.as_bytes()).unwrap();
    assert_eq!(TrustState::from_spec(&spec).unwrap(), state);
    let zero = TrustSpec {
        keys: vec![a.public().to_text()],
        threshold: 0,
        sequence: 0,
    };
    assert_eq!(TrustState::from_spec(&zero), Err(KeyError::ZeroThreshold));
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
