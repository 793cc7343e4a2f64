//! Differential: `pinwatch_core::crypto::ed25519::verify` against ed25519-dalek's `verify_strict`
//! (`VerifyingKey::from_bytes` then `verify_strict`), on signatures made from the input and then
//! changed: bit flips in R, S, the key or the message; S + k·L; small-order and mixed-order keys
//! and R (the eight-torsion table, and every non-canonical encoding y + p); signatures made by
//! hand for mixed-order keys (valid exactly when k·T = 0); arbitrary keys and signatures.
//! The two must give the same answer on every input; a disagreement panics with the inputs.
#![no_main]

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha512};
use std::sync::OnceLock;

#[path = "support.rs"]
mod support;
use support::{hex, stretch};

/// L, little-endian.
const ORDER: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// Encodings of small-order points: the eight-torsion subgroup, and every non-canonical
/// encoding (y + p for y < 19, both sign bits; those that decode are small-order or of unknown
/// discrete log), and x = 0 with the sign bit set.
fn weak_encodings() -> &'static [[u8; 32]] {
    static TABLE: OnceLock<Vec<[u8; 32]>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut out: Vec<[u8; 32]> = EIGHT_TORSION.iter().map(|t| t.compress().0).collect();
        for y in 0u8..19 {
            // p + y = 2^255 - 19 + y, little-endian.
            let mut enc = [0xff; 32];
            enc[0] = 0xed + y;
            enc[31] = 0x7f;
            out.push(enc);
            enc[31] |= 0x80;
            out.push(enc);
        }
        let mut identity_neg = [0u8; 32];
        identity_neg[0] = 1;
        identity_neg[31] = 0x80;
        out.push(identity_neg);
        out
    })
}

fn flip(bytes: &mut [u8], bit: usize) {
    let bit = bit % (8 * bytes.len());
    bytes[bit / 8] ^= 1 << (bit % 8);
}

/// s + times·L as 32 little-endian bytes, when it fits.
fn add_order(s: &[u8; 32], times: u8) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    let mut carry = 0u32;
    for i in 0..32 {
        let v = u32::from(s[i]) + u32::from(ORDER[i]) * u32::from(times) + carry;
        out[i] = v as u8;
        carry = v >> 8;
    }
    (carry == 0).then_some(out)
}

/// A signature made by hand: R = r·B + r_torsion, k = H(R ‖ A ‖ M), s = r + k·a.
fn sign_by_hand(
    a: &Scalar,
    key: &[u8; 32],
    r: &Scalar,
    r_point: &EdwardsPoint,
    msg: &[u8],
) -> [u8; 64] {
    let r_bytes = r_point.compress().0;
    let wide: [u8; 64] = Sha512::new()
        .chain_update(r_bytes)
        .chain_update(key)
        .chain_update(msg)
        .finalize()
        .into();
    let k = Scalar::from_bytes_mod_order_wide(&wide);
    let s = r + k * a;
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&r_bytes);
    sig[32..].copy_from_slice(s.as_bytes());
    sig
}

fn theirs(key: &[u8; 32], msg: &[u8], sig: &[u8]) -> bool {
    let Ok(sig) = Signature::from_slice(sig) else {
        return false;
    };
    VerifyingKey::from_bytes(key).is_ok_and(|k| k.verify_strict(msg, &sig).is_ok())
}

fuzz_target!(|data: &[u8]| {
    // The choices first, so that short inputs reach every mutation; then the bytes of the
    // seed, the extra material and the message, stretched when the input is short.
    let mut u = Unstructured::new(data);
    let mutation: u8 = u.int_in_range(0..=13).unwrap_or(0);
    let arg: u32 = u.arbitrary().unwrap_or(0);
    let msg_len = u.int_in_range(0..=300usize).unwrap_or(0);
    let material = stretch(u.take_rest(), 32 + 96 + msg_len);
    let seed: [u8; 32] = material[..32].try_into().unwrap();
    let extra: [u8; 96] = material[32..128].try_into().unwrap();
    let mut msg = material[128..].to_vec();

    let signer = SigningKey::from_bytes(&seed);
    let mut key = signer.verifying_key().to_bytes();
    let mut sig = signer.sign(&msg).to_bytes().to_vec();
    let mut must_verify = false;

    // The signer's secret scalar, for signatures made by hand.
    let a = signer.to_scalar();
    let nonce = Scalar::from_bytes_mod_order_wide(&{
        let mut w = [0u8; 64];
        w.copy_from_slice(&extra[..64]);
        w
    });
    let torsion = EIGHT_TORSION[arg as usize % 8];
    let weak = weak_encodings();

    match mutation {
        0 => must_verify = true,
        1 => flip(&mut sig[..32], arg as usize),
        2 => flip(&mut sig[32..], arg as usize),
        3 => flip(&mut key, arg as usize),
        4 => {
            if msg.is_empty() {
                msg.push(arg as u8);
            } else {
                flip(&mut msg, arg as usize);
            }
        }
        5 => {
            // Non-canonical S: S + k·L, k ≥ 1.
            let s: [u8; 32] = sig[32..].try_into().unwrap();
            if let Some(big) = add_order(&s, 1 + (arg % 15) as u8) {
                sig[32..].copy_from_slice(&big);
            }
        }
        6 => key = weak[arg as usize % weak.len()],
        7 => sig[..32].copy_from_slice(&weak[arg as usize % weak.len()]),
        8 => {
            // A mixed-order key A + T with a signature made for it: valid (cofactorless) exactly
            // when k·T is the identity.
            let mixed = EdwardsPoint::mul_base(&a) + torsion;
            key = mixed.compress().0;
            let r_point = EdwardsPoint::mul_base(&nonce);
            sig = sign_by_hand(&a, &key, &nonce, &r_point, &msg).to_vec();
        }
        9 => {
            // A mixed-order R = r·B + T: never valid, since [s]B - [k]A = r·B.
            let r_point = EdwardsPoint::mul_base(&nonce) + torsion;
            sig = sign_by_hand(&a, &key, &nonce, &r_point, &msg).to_vec();
        }
        10 => {
            // A small-order R with a mixed-order key: [s]B - [k](A + T) = T needs s = k·a and
            // -k·T = T; strict verification refuses the small-order R either way.
            let mixed = EdwardsPoint::mul_base(&a) + torsion;
            key = mixed.compress().0;
            let r_bytes = torsion.compress().0;
            let wide: [u8; 64] = Sha512::new()
                .chain_update(r_bytes)
                .chain_update(key)
                .chain_update(&msg)
                .finalize()
                .into();
            let k = Scalar::from_bytes_mod_order_wide(&wide);
            sig[..32].copy_from_slice(&r_bytes);
            sig[32..].copy_from_slice((k * a).as_bytes());
        }
        11 => {
            // Arbitrary key and signature bytes.
            key.copy_from_slice(&extra[..32]);
            sig.copy_from_slice(&extra[32..96]);
        }
        12 => {
            // A signature of the wrong length.
            if arg & 1 == 0 {
                sig.push(extra[0]);
            } else {
                sig.pop();
            }
        }
        13 => {
            // The key's encoding with the sign bit flipped (the negated point), and the base
            // point or its negation as the key.
            match arg % 3 {
                0 => key[31] ^= 0x80,
                1 => key = ED25519_BASEPOINT_POINT.compress().0,
                _ => key = (-ED25519_BASEPOINT_POINT).compress().0,
            }
        }
        _ => {}
    }

    let ours = pinwatch_core::crypto::ed25519::verify(&key, &msg, &sig);
    let dalek = theirs(&key, &msg, &sig);
    if ours != dalek || (must_verify && !ours) {
        let decodes = CompressedEdwardsY(key).decompress().is_some();
        panic!(
            "ed25519 disagreement (mutation {mutation}): ours {ours}, verify_strict {dalek}\n\
             key {}\nsig {}\nmsg {}\nkey decodes in dalek: {decodes}",
            hex(&key),
            hex(&sig),
            hex(&msg)
        );
    }
});
