//! Ed25519 verification (RFC 8032 §5.1.7) on `bigint`'s Montgomery arithmetic, with the strict
//! rules of ed25519-dalek's `verify_strict`: canonical S, no small-order R or A, and R compared
//! by its encoding, so one signature has one valid form.
//!
//! Only verification lives here, for the list signatures the extension checks; signing (the
//! CLI) uses ed25519-dalek, and the tests check this code against it and against Wycheproof.
//! Inputs are public, so nothing needs to be constant-time.

use crate::crypto::bigint::{self, Fe, Modulus};
use sha2::{Digest, Sha512};

/// The group order L = 2^252 + 27742317777372353535851937790883648493, big-endian hex.
const ORDER: &str = "1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed";

/// The field prime 2^255 - 19, d = -121665/121666, √-1 = 2^((p-1)/4) and the base point
/// (y = 4/5, x even), big-endian hex as in RFC 8032; the tests derive them again.
const P: &str = "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed";
const D: &str = "52036cee2b6ffe738cc740797779e89800700a4d4141d8ab75eb4dca135978a3";
const SQRT_M1: &str = "2b8324804fc1df0b2b4d00993dfbd7a72f431806ad2fe478c4ee1b274a0ea0b0";
const BASE_X: &str = "216936d3cd6e53fec0a4e231fdd6dc5c692cc7609525a7b2c9562d608f25d51a";
const BASE_Y: &str = "6666666666666666666666666666666666666666666666666666666666666658";

/// A point in extended coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, xy = T/Z; Montgomery form.
#[derive(Clone, Copy)]
struct Point {
    x: Fe,
    y: Fe,
    z: Fe,
    t: Fe,
}

struct Curve {
    p: Modulus,
    /// 2d, d, √-1 and 1 in Montgomery form.
    d2: Fe,
    d: Fe,
    sqrt_m1: Fe,
    one: Fe,
}

fn le_limbs(bytes: &[u8; 32]) -> Vec<u32> {
    let mut be = *bytes;
    be.reverse();
    bigint::from_be_bytes(&be, 8).unwrap_or_default()
}

impl Curve {
    fn new() -> Option<Curve> {
        let p = Modulus::new(bigint::from_hex(P, 8))?;
        let constant = |hex: &str| p.fe(&bigint::from_hex(hex, 8));
        let d = constant(D);
        Some(Curve {
            d2: p.fadd(&d, &d),
            d,
            sqrt_m1: constant(SQRT_M1),
            one: p.fe(&[1]),
            p,
        })
    }

    fn identity(&self) -> Point {
        Point {
            x: [0; 12],
            y: self.one,
            z: self.one,
            t: [0; 12],
        }
    }

    fn neg(&self, a: &Fe) -> Fe {
        self.p.fsub(&[0; 12], a)
    }

    /// RFC 8032 §5.1.3; refuses y ≥ p and the encoding of x = 0 with the sign bit set.
    fn decompress(&self, bytes: &[u8; 32]) -> Option<Point> {
        let f = &self.p;
        let sign = bytes[31] >> 7;
        let mut y_bytes = *bytes;
        y_bytes[31] &= 0x7f;
        let y = le_limbs(&y_bytes);
        if bigint::cmp(&y, f.value()) != core::cmp::Ordering::Less {
            return None;
        }
        let y = f.fe(&y);
        let yy = f.fmul(&y, &y);
        let u = f.fsub(&yy, &self.one);
        let v = f.fadd(&f.fmul(&self.d, &yy), &self.one);
        // x = u·v³·(u·v⁷)^((p-5)/8)
        let v3 = f.fmul(&f.fmul(&v, &v), &v);
        let v7 = f.fmul(&f.fmul(&v3, &v3), &v);
        let mut exp = f.value().to_vec();
        exp[0] -= 5;
        shift_right(&mut exp, 3);
        let root = f.inline(&f.pow(&f.fmul(&u, &v7), &exp));
        let mut x = f.fmul(&f.fmul(&u, &v3), &root);
        let vxx = f.fmul(&v, &f.fmul(&x, &x));
        if vxx == self.neg(&u) && vxx != u {
            x = f.fmul(&x, &self.sqrt_m1);
        } else if vxx != u {
            return None;
        }
        let plain_x = f.leave_mont(&x);
        if bigint::is_zero(&plain_x) && sign == 1 {
            return None;
        }
        if (plain_x[0] & 1) as u8 != sign {
            x = self.neg(&x);
        }
        Some(Point {
            t: f.fmul(&x, &y),
            x,
            y,
            z: self.one,
        })
    }

    /// The RFC 8032 encoding; verification compares points instead, the tests use it.
    #[cfg(test)]
    fn compress(&self, pt: &Point) -> [u8; 32] {
        let f = &self.p;
        let z_inv = f.inline(&f.invert(&pt.z));
        let x = f.leave_mont(&f.fmul(&pt.x, &z_inv));
        let y = f.leave_mont(&f.fmul(&pt.y, &z_inv));
        let mut out = [0u8; 32];
        out.copy_from_slice(&bigint::to_be_bytes(&y, 32));
        out.reverse();
        out[31] |= ((x[0] & 1) as u8) << 7;
        out
    }

    /// add-2008-hwcd-3: complete for a = -1 and non-square d, so it also doubles.
    fn add(&self, a: &Point, b: &Point) -> Point {
        let f = &self.p;
        let aa = f.fmul(&f.fsub(&a.y, &a.x), &f.fsub(&b.y, &b.x));
        let bb = f.fmul(&f.fadd(&a.y, &a.x), &f.fadd(&b.y, &b.x));
        let cc = f.fmul(&f.fmul(&a.t, &self.d2), &b.t);
        let zz = f.fmul(&a.z, &b.z);
        let dd = f.fadd(&zz, &zz);
        let (e, ff, g, h) = (
            f.fsub(&bb, &aa),
            f.fsub(&dd, &cc),
            f.fadd(&dd, &cc),
            f.fadd(&bb, &aa),
        );
        Point {
            x: f.fmul(&e, &ff),
            y: f.fmul(&g, &h),
            t: f.fmul(&e, &h),
            z: f.fmul(&ff, &g),
        }
    }

    /// [8]P is the identity: P lies in the small torsion subgroup.
    fn is_small_order(&self, pt: &Point) -> bool {
        let mut q = *pt;
        for _ in 0..3 {
            q = self.add(&q, &q);
        }
        // Identity: x = 0 and y = z.
        bigint::is_zero(&q.x) && q.y == q.z
    }

    /// a·P + b·Q with one shared doubling chain.
    fn double_mul(&self, a: &[u32], p: &Point, b: &[u32], q: &Point) -> Point {
        let pq = self.add(p, q);
        let mut acc = self.identity();
        for i in (0..bigint::bits(a).max(bigint::bits(b))).rev() {
            acc = self.add(&acc, &acc);
            acc = match (bigint::bit(a, i), bigint::bit(b, i)) {
                (true, true) => self.add(&acc, &pq),
                (true, false) => self.add(&acc, p),
                (false, true) => self.add(&acc, q),
                (false, false) => acc,
            };
        }
        acc
    }

    fn base(&self) -> Point {
        let x = self.p.fe(&bigint::from_hex(BASE_X, 8));
        let y = self.p.fe(&bigint::from_hex(BASE_Y, 8));
        Point {
            t: self.p.fmul(&x, &y),
            x,
            y,
            z: self.one,
        }
    }
}

fn shift_right(a: &mut [u32], by: u32) {
    for i in 0..a.len() {
        let high = a.get(i + 1).map_or(0, |&next| next << (32 - by));
        a[i] = a[i] >> by | high;
    }
}

/// `x mod L` for a 512-bit little-endian value, with L's Montgomery constant R = 2^256:
/// x = lo + hi·2^256, and hi·2^256 mod L is hi's Montgomery form.
fn reduce_512(order: &Modulus, wide: &[u8; 64]) -> Vec<u32> {
    let half = |bytes: &[u8]| {
        let mut le = [0u8; 32];
        le.copy_from_slice(bytes);
        let mut v = le_limbs(&le);
        // v < 2^256 < 16·L: a few subtractions bring it below L.
        while bigint::cmp(&v, order.value()) != core::cmp::Ordering::Less {
            bigint::sub_assign(&mut v, order.value());
        }
        v
    };
    let mut k = half(&wide[..32]);
    order.add(&mut k, &order.enter_mont(&half(&wide[32..])));
    k
}

/// `None` when `key` is not the canonical encoding of a curve point; `Some(true)` when the
/// point has small order (a "weak" key that many signatures verify under).
pub fn is_small_order_key(key: &[u8; 32]) -> Option<bool> {
    let curve = Curve::new()?;
    curve.decompress(key).map(|a| curve.is_small_order(&a))
}

/// Strict Ed25519 verification of `signature` (64 bytes) over `message` under `key`.
pub fn verify(key: &[u8; 32], message: &[u8], signature: &[u8]) -> bool {
    let (Ok(r_bytes), Ok(s_bytes)) = (
        <[u8; 32]>::try_from(signature.get(..32).unwrap_or_default()),
        <[u8; 32]>::try_from(signature.get(32..).unwrap_or_default()),
    ) else {
        return false;
    };
    let (Some(curve), Some(order)) = (Curve::new(), Modulus::new(bigint::from_hex(ORDER, 8)))
    else {
        return false;
    };
    let s = le_limbs(&s_bytes);
    if bigint::cmp(&s, order.value()) != core::cmp::Ordering::Less {
        return false;
    }
    let (Some(a), Some(r)) = (curve.decompress(key), curve.decompress(&r_bytes)) else {
        return false;
    };
    if curve.is_small_order(&a) || curve.is_small_order(&r) {
        return false;
    }
    let digest: [u8; 64] = Sha512::new()
        .chain_update(r_bytes)
        .chain_update(key)
        .chain_update(message)
        .finalize()
        .into();
    let k = reduce_512(&order, &digest);
    // [s]B - [k]A must be R. R was decoded from a canonical encoding, so comparing points
    // (projectively, without an inversion) is comparing encodings.
    let minus_a = Point {
        x: curve.neg(&a.x),
        t: curve.neg(&a.t),
        ..a
    };
    let f = &curve.p;
    let expected = curve.double_mul(&s, &curve.base(), &k, &minus_a);
    f.fmul(&r.x, &expected.z) == expected.x && f.fmul(&r.y, &expected.z) == expected.y
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(curve: &Curve, v: u32) -> Fe {
        curve.p.fe(&[v])
    }

    #[test]
    fn constants_match_their_definitions() {
        let curve = Curve::new().unwrap();
        let f = &curve.p;
        let p = bigint::from_hex(P, 8);
        let mut expected_p = vec![u32::MAX; 8];
        expected_p[0] -= 18;
        expected_p[7] >>= 1;
        assert_eq!(p, expected_p, "2^255 - 19");
        // d·121666 = -121665
        let minus = curve.neg(&small(&curve, 121_665));
        assert_eq!(f.fmul(&curve.d, &small(&curve, 121_666)), minus);
        // √-1 squared is -1, and it is 2^((p-1)/4).
        let minus_one = curve.neg(&curve.one);
        assert_eq!(f.fmul(&curve.sqrt_m1, &curve.sqrt_m1), minus_one);
        let mut quarter = p.clone();
        quarter[0] -= 1;
        shift_right(&mut quarter, 2);
        assert_eq!(f.inline(&f.pow(&small(&curve, 2), &quarter)), curve.sqrt_m1);
        // The base point: 5y = 4, x even, and it decodes from its RFC 8032 encoding.
        let base = curve.base();
        assert_eq!(f.fmul(&base.y, &small(&curve, 5)), small(&curve, 4));
        assert_eq!(f.leave_mont(&base.x)[0] & 1, 0);
        let encoded = curve.compress(&base);
        assert_eq!(encoded[0], 0x58);
        let decoded = curve.decompress(&encoded).unwrap();
        assert_eq!((decoded.x, decoded.y), (base.x, base.y));
        assert!(!curve.is_small_order(&base));
    }
}
