//! Rotation steps carried in a list's envelope: a client that knows only the channel's original
//! keys follows three rotations to the newest list; forged, skipped, replayed and impossible
//! steps are refused. The channel's history used throughout, two of two keys each time, one key
//! changing per rotation (as a team rotates one holder at a time):
//!
//! set 0 {a, b} --step at 3--> set 1 {b, c} --step at 6--> set 2 {c, d} --step at 9--> set 3 {d, e}

mod signer;

use pinwatch_core::crypto::key::{KeyError, SignerSet};
use pinwatch_core::list::accept::{accept, Accepted, Rejection, TrustState};
use pinwatch_core::list::envelope::{Envelope, PAYLOAD_TYPE};
use pinwatch_core::list::rotation::{RotationStatement, StepError, ROTATION_PAYLOAD_TYPE};
use pinwatch_core::list::SignerSetSpec;
use pinwatch_core::time::parse_rfc3339;
use signer::{sign_envelope, Signer};
use wasm_bindgen_test::wasm_bindgen_test;

fn now() -> i64 {
    parse_rfc3339("2026-11-15T00:00:00Z").unwrap()
}

fn key(seed: u8) -> Signer {
    Signer::from_seed(&[seed; 32])
}

struct Keys {
    a: Signer,
    b: Signer,
    c: Signer,
    d: Signer,
    e: Signer,
}

fn keys() -> Keys {
    Keys {
        a: key(1),
        b: key(2),
        c: key(3),
        d: key(4),
        e: key(5),
    }
}

fn spec(keys: &[&Signer], threshold: u32) -> SignerSetSpec {
    SignerSetSpec {
        keys: keys.iter().map(|k| k.public().to_text()).collect(),
        threshold,
    }
}

fn trust(keys: &[&Signer], threshold: u32, sequence: u64) -> TrustState {
    TrustState {
        signers: SignerSet::new(keys.iter().map(|k| *k.public()).collect(), threshold).unwrap(),
        sequence,
    }
}

fn payload(sequence: u64) -> Vec<u8> {
    format!(
        r#"{{"version": 1, "sequence": {sequence}, "issued_at": "2026-11-01T00:00:00Z", "expires_at": "2026-12-01T00:00:00Z", "publisher": "test",
  "pinsets": {{"mail": {{"good": ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="]}}}},
  "entries": [{{"host": "mail.example.com", "pinset": "mail", "mode": "enforce"}}]}}"#
    )
    .into_bytes()
}

/// A rotation step: from the list at `sequence` on, `next` signs; signed by `by`.
fn step(sequence: u64, next: SignerSetSpec, by: &[&Signer]) -> Envelope {
    let statement = RotationStatement::new(sequence, next).to_payload();
    sign_envelope(ROTATION_PAYLOAD_TYPE, &statement, by)
}

/// The channel's three real steps, each signed by the old and the new set.
fn history(k: &Keys) -> Vec<Envelope> {
    vec![
        step(3, spec(&[&k.b, &k.c], 2), &[&k.a, &k.b, &k.c]),
        step(6, spec(&[&k.c, &k.d], 2), &[&k.b, &k.c, &k.d]),
        step(9, spec(&[&k.d, &k.e], 2), &[&k.c, &k.d, &k.e]),
    ]
}

/// What the channel serves: the list signed by `by`, carrying `rotations`.
fn served(sequence: u64, by: &[&Signer], rotations: Vec<Envelope>) -> Vec<u8> {
    let mut envelope = sign_envelope(PAYLOAD_TYPE, &payload(sequence), by);
    envelope.rotations = rotations;
    envelope.to_json().into_bytes()
}

fn accepted(envelope: &[u8], trust: &TrustState) -> Accepted {
    accept(envelope, trust, None, now()).unwrap_or_else(|r| panic!("refused: {r}"))
}

fn refused(envelope: &[u8], trust: &TrustState) -> Rejection {
    match accept(envelope, trust, None, now()) {
        Ok(a) => panic!("accepted sequence {}", a.list.info.sequence),
        Err(r) => r,
    }
}

fn step_error(r: &Rejection) -> (usize, &StepError) {
    match r {
        Rejection::Rotation(s) => (s.step, &s.error),
        other => panic!("not a refused rotation step: {other:?}"),
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn a_client_that_saw_no_rotation_follows_three_to_the_newest_list() {
    let k = keys();
    let list = served(12, &[&k.d, &k.e], history(&k));
    let got = accepted(&list, &trust(&[&k.a, &k.b], 2, 0));
    assert_eq!(got.trust, trust(&[&k.d, &k.e], 2, 12));
    assert_eq!(got.rotations_followed, 3);
    assert!(got.rotated);
    assert_eq!(got.signed_by, vec![k.d.public().id(), k.e.public().id()]);
}

#[wasm_bindgen_test(unsupported = test)]
fn without_the_steps_the_same_client_is_stranded() {
    let k = keys();
    let r = refused(
        &served(12, &[&k.d, &k.e], vec![]),
        &trust(&[&k.a, &k.b], 2, 0),
    );
    assert_eq!(r.code(), "untrusted-signers", "{r}");
}

#[wasm_bindgen_test(unsupported = test)]
fn clients_that_saw_some_rotations_follow_only_the_steps_after_them() {
    let k = keys();
    let list = served(12, &[&k.d, &k.e], history(&k));
    // Accepted list 4 (after the first rotation): the step at 3 is behind it.
    let got = accepted(&list, &trust(&[&k.b, &k.c], 2, 4));
    assert_eq!(got.rotations_followed, 2);
    assert_eq!(got.trust, trust(&[&k.d, &k.e], 2, 12));
    // Accepted list 9 itself, the last rotation: nothing left to follow.
    let got = accepted(&list, &trust(&[&k.d, &k.e], 2, 9));
    assert_eq!(got.rotations_followed, 0);
    assert!(!got.rotated);
    // The list that made the last rotation, served with its own step, reaches a fresh client.
    let mut at_nine = sign_envelope(PAYLOAD_TYPE, &payload(9), &[&k.c, &k.d, &k.e]);
    at_nine.rotations = history(&k);
    let got = accepted(at_nine.to_json().as_bytes(), &trust(&[&k.a, &k.b], 2, 0));
    assert_eq!(got.trust, trust(&[&k.d, &k.e], 2, 9));
}

#[wasm_bindgen_test(unsupported = test)]
fn a_forged_step_is_refused() {
    let k = keys();
    let (x, y) = (key(20), key(21));
    // Signed by the attacker's keys only, naming them as the next set.
    let mut chain = history(&k);
    chain[1] = step(6, spec(&[&x, &y], 2), &[&x, &y]);
    let r = refused(&served(12, &[&x, &y], chain), &trust(&[&k.a, &k.b], 2, 0));
    assert!(
        matches!(step_error(&r), (2, StepError::NotSignedByTrusted(_))),
        "{r:?}"
    );
    assert_eq!(r.code(), "untrusted-signers");
    assert!(r.to_string().contains("forged"), "{r}");
    // A real step whose next set was changed after signing.
    let mut chain = history(&k);
    let forged = RotationStatement::new(6, spec(&[&k.c, &x], 2)).to_payload();
    chain[1].payload = Envelope::unsigned(ROTATION_PAYLOAD_TYPE, &forged).payload;
    let r = refused(
        &served(12, &[&k.d, &k.e], chain),
        &trust(&[&k.a, &k.b], 2, 0),
    );
    assert_eq!(r.code(), "bad-signature", "{r}");
    // One old key is not the threshold: b alone hands over to the attacker.
    let mut chain = history(&k);
    chain[1] = step(6, spec(&[&x, &y], 2), &[&k.b, &x, &y]);
    let r = refused(&served(12, &[&x, &y], chain), &trust(&[&k.a, &k.b], 2, 0));
    assert_eq!(r.code(), "threshold-not-met", "{r}");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_skipped_step_is_refused() {
    let k = keys();
    let mut chain = history(&k);
    chain.remove(1);
    let r = refused(
        &served(12, &[&k.d, &k.e], chain),
        &trust(&[&k.a, &k.b], 2, 0),
    );
    assert!(
        matches!(step_error(&r), (2, StepError::NotSignedByTrusted(t)) if t.verified.len() == 1),
        "{r:?}"
    );
    assert!(r.to_string().contains("missing"), "{r}");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_replayed_old_step_is_refused() {
    let k = keys();
    // The first step again after the others.
    let mut chain = history(&k);
    chain.push(chain[0].clone());
    let r = refused(
        &served(12, &[&k.d, &k.e], chain),
        &trust(&[&k.a, &k.b], 2, 0),
    );
    assert!(
        matches!(step_error(&r), (4, StepError::OutOfOrder { previous: 9 })),
        "{r:?}"
    );
    assert_eq!(r.code(), "rollback");
    // A client on set 3 is served the first step with a new list signed by set 1 (keys that
    // were rotated away): the step is behind it and set 1 is not trusted.
    let r = refused(
        &served(13, &[&k.b, &k.c], vec![history(&k).remove(0)]),
        &trust(&[&k.d, &k.e], 2, 12),
    );
    assert_eq!(r.code(), "untrusted-signers", "{r}");
    // An old list (sequence 5, signed by set 1) with the newer chain: the chain is ahead of it.
    let r = refused(
        &served(5, &[&k.b, &k.c], history(&k)),
        &trust(&[&k.a, &k.b], 2, 0),
    );
    assert_eq!(r.code(), "untrusted-signers", "{r}");
    let two = history(&k)[..2].to_vec();
    let r = refused(&served(5, &[&k.c, &k.d], two), &trust(&[&k.a, &k.b], 2, 0));
    assert!(
        matches!(step_error(&r), (2, StepError::AfterList { list: 5 })),
        "{r:?}"
    );
    assert_eq!(r.code(), "rollback");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_rotation_to_fewer_keys_than_the_threshold_is_refused() {
    let k = keys();
    let mut chain = history(&k);
    chain[2] = step(9, spec(&[&k.d], 2), &[&k.c, &k.d]);
    let r = refused(&served(12, &[&k.d], chain), &trust(&[&k.a, &k.b], 2, 0));
    assert!(
        matches!(
            step_error(&r),
            (
                3,
                StepError::BadNextSigners(KeyError::ThresholdTooHigh {
                    threshold: 2,
                    keys: 1
                })
            )
        ),
        "{r:?}"
    );
    assert_eq!(r.code(), "bad-next-signers");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_step_the_new_keys_did_not_sign_is_refused() {
    let k = keys();
    let mut chain = history(&k);
    chain[2] = step(9, spec(&[&k.d, &k.e], 2), &[&k.c, &k.d]);
    let r = refused(
        &served(12, &[&k.d, &k.e], chain),
        &trust(&[&k.a, &k.b], 2, 0),
    );
    assert!(
        matches!(step_error(&r), (3, StepError::NotSignedByNext(_))),
        "{r:?}"
    );
    assert_eq!(r.code(), "rotation-not-signed");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_step_that_is_not_a_rotation_statement_is_refused() {
    let k = keys();
    // A whole list envelope where a step belongs: signed by trusted keys, but not a statement.
    let mut chain = history(&k);
    chain[0] = sign_envelope(PAYLOAD_TYPE, &payload(3), &[&k.a, &k.b, &k.c]);
    let r = refused(
        &served(12, &[&k.d, &k.e], chain),
        &trust(&[&k.a, &k.b], 2, 0),
    );
    assert!(
        matches!(step_error(&r), (1, StepError::PayloadType(_))),
        "{r:?}"
    );
    // A step carrying steps of its own.
    let mut chain = history(&k);
    chain[0].rotations = vec![chain[1].clone()];
    let r = refused(
        &served(12, &[&k.d, &k.e], chain),
        &trust(&[&k.a, &k.b], 2, 0),
    );
    assert!(matches!(step_error(&r), (1, StepError::Nested)), "{r:?}");
    // A statement with a field the format does not have.
    let odd = br#"{"version": 1, "sequence": 3, "next_signers": {"keys": [], "threshold": 1}, "extra": 1}"#;
    let mut chain = history(&k);
    chain[0] = sign_envelope(ROTATION_PAYLOAD_TYPE, odd, &[&k.a, &k.b]);
    let r = refused(
        &served(12, &[&k.d, &k.e], chain),
        &trust(&[&k.a, &k.b], 2, 0),
    );
    assert!(
        matches!(step_error(&r), (1, StepError::Statement(_))),
        "{r:?}"
    );
    assert_eq!(r.code(), "not-an-envelope");
}

#[wasm_bindgen_test(unsupported = test)]
fn the_chain_round_trips_through_json_and_is_bounded() {
    let k = keys();
    let list = served(12, &[&k.d, &k.e], history(&k));
    let back = Envelope::from_json(&list).unwrap();
    assert_eq!(back.rotations, history(&k));
    let mut many = back.clone();
    many.rotations = vec![history(&k)[0].clone(); 65];
    let r = refused(many.to_json().as_bytes(), &trust(&[&k.a, &k.b], 2, 0));
    assert_eq!(r.code(), "not-an-envelope", "{r}");
}
