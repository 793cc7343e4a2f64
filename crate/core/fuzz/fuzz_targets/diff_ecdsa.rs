//! Differential: `pinwatch_core::crypto::ec::verify` against RustCrypto's p256 / p384 ECDSA
//! (`VerifyingKey::from_sec1_bytes`, `Signature::from_der`, `verify_prehash`), fed the same
//! SEC 1 point, DER signature and SHA-256/384/512 digest bytes. Keys come from input-derived
//! scalars (and the special scalars 1, 2, n-1, n-2), signatures from RustCrypto's signer, then
//! changed: bit flips in the DER, digest or point; r or s set to 0, 1, n-1, n, n+1, 2^k-1 or
//! arbitrary; high S (n - s, which both accept); DER encoding tricks; points off the curve, of
//! the other curve, with other tags; arbitrary DER; and signatures made by hand where
//! u1·G + u2·Q is the identity, or R's x coordinate is at least n (so x mod n matters).
//! A disagreement panics with the inputs.
#![no_main]

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use pinwatch_core::crypto::ec::{self, NamedCurve};
use sha2::{Digest, Sha256, Sha384, Sha512};

#[path = "support.rs"]
mod support;
use support::{hex, stretch};

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn flip(bytes: &mut [u8], bit: usize) {
    if !bytes.is_empty() {
        let bit = bit % (8 * bytes.len());
        bytes[bit / 8] ^= 1 << (bit % 8);
    }
}

/// A minimal DER INTEGER holding the big-endian magnitude `v`.
fn der_int(v: &[u8]) -> Vec<u8> {
    let v = &v[v.iter().take_while(|&&b| b == 0).count()..];
    let mut content = Vec::with_capacity(v.len() + 1);
    if v.is_empty() || v[0] & 0x80 != 0 {
        content.push(0);
    }
    content.extend_from_slice(v);
    let mut out = vec![0x02];
    push_len(&mut out, content.len());
    out.extend(content);
    out
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend([0x81, len as u8]);
    } else {
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    }
}

fn der_seq(parts: &[&[u8]]) -> Vec<u8> {
    let body = parts.concat();
    let mut out = vec![0x30];
    push_len(&mut out, body.len());
    out.extend(body);
    out
}

/// DER encoding tricks on a minimal signature `SEQUENCE { r, s }` (short-form lengths).
fn der_trick(der: &[u8], r: &[u8], s: &[u8], which: u32, byte: u8) -> Vec<u8> {
    let (ri, si) = (der_int(r), der_int(s));
    match which % 12 {
        // A non-minimal long-form outer length.
        0 => {
            let mut out = vec![0x30, 0x81, (ri.len() + si.len()) as u8];
            out.extend(&ri);
            out.extend(&si);
            out
        }
        // A redundant leading zero in r.
        1 => {
            let mut r2 = vec![0x02, ri[1] + 1, 0];
            r2.extend(&ri[2..]);
            der_seq(&[&r2, &si])
        }
        // r without its sign padding (negative when the top bit is set).
        2 => {
            let body = &ri[2..];
            let r2 = if body.len() > 1 && body[0] == 0 {
                let mut r2 = vec![0x02, (body.len() - 1) as u8];
                r2.extend(&body[1..]);
                r2
            } else {
                let mut r2 = ri.clone();
                r2[2] |= 0x80;
                r2
            };
            der_seq(&[&r2, &si])
        }
        // A byte after the SEQUENCE.
        3 => {
            let mut out = der.to_vec();
            out.push(byte);
            out
        }
        // A third element inside.
        4 => der_seq(&[&ri, &si, &[0x02, 0x01, byte & 0x7f]]),
        // Indefinite length.
        5 => {
            let mut out = vec![0x30, 0x80];
            out.extend(&ri);
            out.extend(&si);
            out.extend([0, 0]);
            out
        }
        // r and s swapped.
        6 => der_seq(&[&si, &ri]),
        // Other outer or inner tags.
        7 => {
            let mut out = der.to_vec();
            out[0] = if byte & 1 == 0 { 0x31 } else { byte };
            out
        }
        8 => {
            let mut out = der.to_vec();
            out[2] = if byte & 1 == 0 { 0x03 } else { byte };
            out
        }
        // Truncated.
        9 => der[..der.len().saturating_sub(1 + byte as usize % 4)].to_vec(),
        // A non-minimal long-form length on s.
        10 => {
            let mut s2 = vec![0x02, 0x81, si[1]];
            s2.extend(&si[2..]);
            der_seq(&[&ri, &s2])
        }
        // An outer length one too long or too short.
        _ => {
            let mut out = der.to_vec();
            out[1] = if byte & 1 == 0 {
                out[1].wrapping_add(1)
            } else {
                out[1].wrapping_sub(1)
            };
            out
        }
    }
}

macro_rules! curve_case {
    ($fn_name:ident, $krate:ident, $uint:ty, $named:expr, $n_hex:expr, $p_hex:expr, $other_point:expr) => {
        fn $fn_name(u: Unstructured, hash: u8) {
            use $krate::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
            use $krate::ecdsa::{Signature, SigningKey, VerifyingKey};
            use $krate::elliptic_curve::ops::Reduce;
            use $krate::elliptic_curve::point::DecompressPoint;
            use $krate::elliptic_curve::sec1::ToEncodedPoint;
            use $krate::elliptic_curve::subtle::Choice;
            use $krate::elliptic_curve::{Field, PrimeField};
            use $krate::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};

            let n = unhex($n_hex);
            let p = unhex($p_hex);
            let len = n.len();
            let scalar = |bytes: &[u8]| {
                let mut fb = FieldBytes::default();
                let take = bytes.len().min(len);
                fb[len - take..].copy_from_slice(&bytes[..take]);
                <Scalar as Reduce<$uint>>::reduce_bytes(&fb)
            };
            let be = |s: &Scalar| s.to_repr().to_vec();

            let mut u = u;
            let special: u8 = u.int_in_range(0..=7).unwrap_or(0);
            let compressed: bool = u.arbitrary().unwrap_or(false);
            let mutation: u8 = u.int_in_range(0..=13).unwrap_or(0);
            let arg: u32 = u.arbitrary().unwrap_or(0);
            let byte: u8 = u.arbitrary().unwrap_or(0);
            let msg_len = u.int_in_range(0..=64usize).unwrap_or(0);
            let material = stretch(u.take_rest(), 3 * len + 2 + msg_len);
            let (secret, rest) = material.split_at(len);
            let (extra, msg) = rest.split_at(2 * len + 2);
            let d = match special {
                1 => Scalar::ONE,
                2 => Scalar::from(2u64),
                3 => -Scalar::ONE,
                4 => -Scalar::from(2u64),
                _ => scalar(secret),
            };
            if bool::from(d.is_zero()) {
                return;
            }

            let digest = |h: u8| -> Vec<u8> {
                match h % 3 {
                    0 => Sha256::digest(msg).to_vec(),
                    1 => Sha384::digest(msg).to_vec(),
                    _ => Sha512::digest(msg).to_vec(),
                }
            };
            let mut prehash = digest(hash);
            // e as RustCrypto and FIPS 186-5 take it: the leftmost field-size bytes, mod n.
            let e = scalar(&prehash[..prehash.len().min(len)]);

            let signer = SigningKey::from_bytes(&d.to_repr()).expect("d is a nonzero scalar");
            let sig: Signature = signer.sign_prehash(&prehash).expect("prehash signs");
            let mut point = signer
                .verifying_key()
                .to_encoded_point(compressed)
                .as_bytes()
                .to_vec();
            let (r, s) = (be(&sig.r()), be(&sig.s()));
            let mut der = sig.to_der().as_bytes().to_vec();
            let mut must_verify = false;

            match mutation {
                0 => must_verify = true,
                1 => flip(&mut der, arg as usize),
                2 => flip(&mut prehash, arg as usize),
                3 => flip(&mut point, arg as usize),
                4 => {
                    // r or s replaced by an edge value or arbitrary bytes.
                    let mut n_plus = n.clone();
                    for b in n_plus.iter_mut().rev() {
                        let (v, carry) = b.overflowing_add(1);
                        *b = v;
                        if !carry {
                            break;
                        }
                    }
                    let mut n_minus = n.clone();
                    *n_minus.last_mut().unwrap() -= 1;
                    let value: Vec<u8> = match arg % 9 {
                        0 => vec![0],
                        1 => vec![1],
                        2 => n_minus,
                        3 => n.clone(),
                        4 => n_plus,
                        5 => p.clone(),
                        6 => vec![0xff; len],
                        7 => vec![0xff; len + 1],
                        _ => extra[..(byte as usize % (len + 2))].to_vec(),
                    };
                    der = if byte & 0x80 == 0 {
                        der_seq(&[&der_int(&value), &der_int(&s)])
                    } else {
                        der_seq(&[&der_int(&r), &der_int(&value)])
                    };
                }
                5 => {
                    // High S: (r, n - s) verifies too (neither side requires low S).
                    let high = Signature::from_scalars(sig.r().to_repr(), (-*sig.s()).to_repr())
                        .expect("n - s is a nonzero scalar");
                    der = high.to_der().as_bytes().to_vec();
                    must_verify = true;
                }
                6 => {
                    // Other points: the other curve's, off the curve, other tags, identity.
                    match arg % 7 {
                        0 => point = unhex($other_point),
                        1 => {
                            let last = point.len() - 1;
                            point[last] ^= 1;
                        }
                        2 => point[0] = byte,
                        3 => point = vec![0],
                        4 => point.truncate(point.len() - 1 - (byte as usize % 4)),
                        5 => {
                            // x = p (or x ≥ p) with the rest kept.
                            point[1..=len].copy_from_slice(&p);
                            point[len] = point[len].wrapping_add(byte % 3);
                        }
                        _ => {
                            point = vec![if compressed { 0x02 + (byte & 1) } else { 0x04 }];
                            point.extend(&extra[..if compressed { len } else { 2 * len }]);
                        }
                    }
                }
                7 => der = der_trick(&der, &r, &s, arg, byte),
                8 => {
                    // Arbitrary DER-ish bytes.
                    der = extra[..(arg as usize % extra.len())].to_vec();
                    if byte & 1 == 0 && !der.is_empty() {
                        der[0] = 0x30;
                        if der.len() > 1 {
                            der[1] = (der.len() - 2).min(0x7f) as u8;
                        }
                    }
                }
                9 => {
                    // u1·G + u2·Q = s⁻¹(e + r·d)·G is the identity when r = -e/d.
                    let r_id = -(e * Field::invert(&d).unwrap());
                    let s_any = scalar(&extra[..len]);
                    if bool::from(r_id.is_zero()) || bool::from(s_any.is_zero()) {
                        return;
                    }
                    der = der_seq(&[&der_int(&be(&r_id)), &der_int(&be(&s_any))]);
                }
                10 => {
                    // A point R whose x is at least n, and a key Q made for it so that
                    // (x mod n, s) is a valid signature: Q = u2⁻¹(R - u1·G).
                    let mut x = n.clone();
                    let mut t = (arg % 1024 + 1) as u64;
                    let found = (0..256).find_map(|_| {
                        let mut xb = n.clone();
                        let mut carry = t;
                        for b in xb.iter_mut().rev() {
                            let v = u64::from(*b) + (carry & 0xff);
                            *b = v as u8;
                            carry = (carry >> 8) + (v >> 8);
                        }
                        t += 1;
                        let mut fb = FieldBytes::default();
                        fb.copy_from_slice(&xb);
                        let pt: Option<AffinePoint> =
                            AffinePoint::decompress(&fb, Choice::from(byte & 1)).into();
                        pt.map(|pt| {
                            x = xb;
                            pt
                        })
                    });
                    let Some(big_r) = found else {
                        return;
                    };
                    let r_red = scalar(&x);
                    let s_any = scalar(&extra[..len]);
                    if bool::from(s_any.is_zero()) || bool::from(r_red.is_zero()) {
                        return;
                    }
                    let w = Field::invert(&s_any).unwrap();
                    let (u1, u2) = (e * w, r_red * w);
                    let q = (ProjectivePoint::from(big_r) - ProjectivePoint::GENERATOR * u1)
                        * Field::invert(&u2).unwrap();
                    if q == ProjectivePoint::IDENTITY {
                        return;
                    }
                    point = q
                        .to_affine()
                        .to_encoded_point(compressed)
                        .as_bytes()
                        .to_vec();
                    if byte & 0x80 == 0 {
                        der = der_seq(&[&der_int(&be(&r_red)), &der_int(&be(&s_any))]);
                        must_verify = true;
                    } else {
                        // r = x itself (not reduced): out of range, refused.
                        der = der_seq(&[&der_int(&x), &der_int(&be(&s_any))]);
                    }
                }
                11 => {
                    // The digest of another hash (same message).
                    prehash = digest(hash + 1 + (byte & 1));
                }
                12 => {
                    // Arbitrary point bytes of the right length with the signature kept.
                    let take = if compressed { len + 1 } else { 2 * len + 1 };
                    point = extra[..take.min(extra.len())].to_vec();
                }
                13 => {
                    // A digest whose leftmost field-size bytes are at least n (e ≥ n, so e is
                    // reduced), signed as such: it verifies.
                    let mut big = vec![0xffu8; len];
                    if byte & 1 == 0 {
                        big.copy_from_slice(&n);
                        let last = len - 1;
                        big[last] = big[last].saturating_add(byte >> 1);
                    }
                    let take = len.min(prehash.len());
                    prehash[..take].copy_from_slice(&big[..take]);
                    let resigned: Signature = signer.sign_prehash(&prehash).expect("prehash signs");
                    der = resigned.to_der().as_bytes().to_vec();
                    must_verify = true;
                }
                _ => {}
            }

            let ours = ec::verify($named, &point, &der, &prehash);
            // RFC 5480 §2.2: an SPKI's point is compressed (02, 03) or uncompressed (04).
            // RustCrypto also reads the compact form (05 ‖ x, from a draft); the oracle is held
            // to the standard, where ours already is.
            let standard_point = matches!(point.first(), Some(0x02..=0x04));
            let theirs = standard_point
                && VerifyingKey::from_sec1_bytes(&point)
                    .ok()
                    .is_some_and(|key| {
                        Signature::from_der(&der)
                            .is_ok_and(|sig| key.verify_prehash(&prehash, &sig).is_ok())
                    });
            if ours != theirs || (must_verify && !ours) {
                panic!(
                    "ECDSA {:?} disagreement (mutation {mutation}, arg {arg}, byte {byte}): \
                     ours {ours}, RustCrypto {theirs}\npoint {}\nder {}\ndigest {}\n\
                     RustCrypto reads the point: {}, the DER: {}",
                    $named,
                    hex(&point),
                    hex(&der),
                    hex(&prehash),
                    VerifyingKey::from_sec1_bytes(&point).is_ok(),
                    Signature::from_der(&der).is_ok(),
                );
            }
        }
    };
}

/// A P-384 point for the P-256 verifier and the other way round (the generators).
const P384_G: &str = "04aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab73617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f";
const P256_G: &str = "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";

curve_case!(
    run_p256,
    p256,
    p256::U256,
    NamedCurve::P256,
    "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
    "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
    P384_G
);
curve_case!(
    run_p384,
    p384,
    p384::U384,
    NamedCurve::P384,
    "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
    "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
    P256_G
);

fuzz_target!(|data: &[u8]| {
    // The choices first, so that short inputs reach every mutation; the curve functions read
    // theirs, then the key, extra bytes and message (stretched when the input is short).
    let mut u = Unstructured::new(data);
    let curve: bool = u.arbitrary().unwrap_or(false);
    let hash: u8 = u.int_in_range(0..=2).unwrap_or(0);
    if curve {
        run_p384(u, hash);
    } else {
        run_p256(u, hash);
    }
});
