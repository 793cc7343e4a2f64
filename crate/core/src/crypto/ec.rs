//! ECDSA verification on the NIST prime curves P-256 and P-384 (FIPS 186-5, SEC 1 v2), in
//! Jacobian coordinates over `bigint`'s Montgomery arithmetic. Both curves have a = -3 and
//! cofactor 1, so a point that satisfies the curve equation is in the group.

use crate::crypto::bigint::{self, Fe, Modulus};
use core::cmp::Ordering;

/// The curves Web PKI issuers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamedCurve {
    P256,
    P384,
}

/// Domain parameters as big-endian hex (FIPS 186-5 / SEC 2).
struct Params {
    p: &'static str,
    b: &'static str,
    gx: &'static str,
    gy: &'static str,
    n: &'static str,
}

const P256: Params = Params {
    p: "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
    b: "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
    gx: "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
    gy: "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
    n: "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
};

const P384: Params = Params {
    p: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
    b: "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef",
    gx: "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7",
    gy: "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f",
    n: "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
};

fn hex_limbs(hex: &str) -> Vec<u32> {
    bigint::from_hex(hex, hex.len() / 8)
}

/// A point in Jacobian coordinates (x/z², y/z³), Montgomery form; z = 0 is the identity.
#[derive(Clone, Copy)]
struct Point {
    x: Fe,
    y: Fe,
    z: Fe,
}

struct Curve {
    p: Modulus,
    n: Modulus,
    /// Montgomery form of b and of 1.
    b: Fe,
    one: Fe,
    g: Point,
    /// Bytes of a field element (and of the order).
    len: usize,
}

impl Curve {
    fn new(named: NamedCurve) -> Option<Curve> {
        let params = match named {
            NamedCurve::P256 => &P256,
            NamedCurve::P384 => &P384,
        };
        let p = Modulus::new(hex_limbs(params.p))?;
        let n = Modulus::new(hex_limbs(params.n))?;
        let one = p.fe(&[1]);
        let g = Point {
            x: p.fe(&hex_limbs(params.gx)),
            y: p.fe(&hex_limbs(params.gy)),
            z: one,
        };
        Some(Curve {
            b: p.fe(&hex_limbs(params.b)),
            len: params.p.len() / 2,
            p,
            n,
            one,
            g,
        })
    }

    fn identity(&self) -> Point {
        Point {
            x: self.one,
            y: self.one,
            z: [0; 12],
        }
    }

    /// x³ - 3x + b, Montgomery form.
    fn curve_rhs(&self, x: &Fe) -> Fe {
        let f = &self.p;
        let x3 = f.fmul(&f.fmul(x, x), x);
        let three_x = f.fadd(&f.fadd(x, x), x);
        f.fadd(&f.fsub(&x3, &three_x), &self.b)
    }

    /// A SEC 1 encoded point (uncompressed or compressed) that lies on the curve.
    fn decode_point(&self, bytes: &[u8]) -> Option<Point> {
        let f = &self.p;
        let coordinate = |b: &[u8]| {
            let v = bigint::from_be_bytes(b, f.limbs())?;
            (bigint::cmp(&v, f.value()) == Ordering::Less).then(|| f.fe(&v))
        };
        let (x, y) = match (bytes.first()?, bytes.len() - 1) {
            (4, l) if l == 2 * self.len => {
                let x = coordinate(&bytes[1..=self.len])?;
                let y = coordinate(&bytes[1 + self.len..])?;
                if f.fmul(&y, &y) != self.curve_rhs(&x) {
                    return None;
                }
                (x, y)
            }
            (tag @ (2 | 3), l) if l == self.len => {
                let x = coordinate(&bytes[1..])?;
                let rhs = self.curve_rhs(&x);
                // p ≡ 3 (mod 4) for both curves: a square root is rhs^((p+1)/4).
                let y = f.inline(&f.pow(&rhs, &sqrt_exponent(f.value())));
                if f.fmul(&y, &y) != rhs {
                    return None;
                }
                let odd = f.leave_mont(&y)[0] & 1 == 1;
                let y = if odd == (*tag == 3) {
                    y
                } else {
                    f.fsub(&[0; 12], &y)
                };
                (x, y)
            }
            _ => return None,
        };
        Some(Point { x, y, z: self.one })
    }

    /// dbl-2001-b (a = -3).
    fn double(&self, pt: &Point) -> Point {
        let f = &self.p;
        if bigint::is_zero(&pt.z) {
            return *pt;
        }
        let delta = f.fmul(&pt.z, &pt.z);
        let gamma = f.fmul(&pt.y, &pt.y);
        let beta = f.fmul(&pt.x, &gamma);
        let product = f.fmul(&f.fsub(&pt.x, &delta), &f.fadd(&pt.x, &delta));
        let alpha = f.fadd(&f.fadd(&product, &product), &product);
        let beta2 = f.fadd(&beta, &beta);
        let beta4 = f.fadd(&beta2, &beta2);
        let x = f.fsub(&f.fsub(&f.fmul(&alpha, &alpha), &beta4), &beta4);
        let y_plus_z = f.fadd(&pt.y, &pt.z);
        let z = f.fsub(&f.fsub(&f.fmul(&y_plus_z, &y_plus_z), &gamma), &delta);
        let gamma_sq = f.fmul(&gamma, &gamma);
        let gamma_sq2 = f.fadd(&gamma_sq, &gamma_sq);
        let gamma_sq4 = f.fadd(&gamma_sq2, &gamma_sq2);
        let gamma_sq8 = f.fadd(&gamma_sq4, &gamma_sq4);
        let y = f.fsub(&f.fmul(&alpha, &f.fsub(&beta4, &x)), &gamma_sq8);
        Point { x, y, z }
    }

    /// Jacobian addition with the identity and doubling cases handled.
    fn add(&self, a: &Point, b: &Point) -> Point {
        let f = &self.p;
        if bigint::is_zero(&a.z) {
            return *b;
        }
        if bigint::is_zero(&b.z) {
            return *a;
        }
        let z1z1 = f.fmul(&a.z, &a.z);
        let z2z2 = f.fmul(&b.z, &b.z);
        let u1 = f.fmul(&a.x, &z2z2);
        let u2 = f.fmul(&b.x, &z1z1);
        let s1 = f.fmul(&f.fmul(&a.y, &b.z), &z2z2);
        let s2 = f.fmul(&f.fmul(&b.y, &a.z), &z1z1);
        let h = f.fsub(&u2, &u1);
        let r = f.fsub(&s2, &s1);
        if bigint::is_zero(&h) {
            return if bigint::is_zero(&r) {
                self.double(a)
            } else {
                self.identity()
            };
        }
        let hh = f.fmul(&h, &h);
        let hhh = f.fmul(&h, &hh);
        let v = f.fmul(&u1, &hh);
        let x = f.fsub(&f.fsub(&f.fmul(&r, &r), &hhh), &f.fadd(&v, &v));
        let y = f.fsub(&f.fmul(&r, &f.fsub(&v, &x)), &f.fmul(&s1, &hhh));
        let z = f.fmul(&f.fmul(&a.z, &b.z), &h);
        Point { x, y, z }
    }

    /// u1·G + u2·Q with one shared doubling chain (Shamir's trick).
    fn double_mul(&self, u1: &[u32], u2: &[u32], q: &Point) -> Point {
        let gq = self.add(&self.g, q);
        let mut acc = self.identity();
        for i in (0..bigint::bits(u1).max(bigint::bits(u2))).rev() {
            acc = self.double(&acc);
            acc = match (bigint::bit(u1, i), bigint::bit(u2, i)) {
                (true, true) => self.add(&acc, &gq),
                (true, false) => self.add(&acc, &self.g),
                (false, true) => self.add(&acc, q),
                (false, false) => acc,
            };
        }
        acc
    }
}

/// (p + 1) / 4; p + 1 does not overflow for the NIST primes.
fn sqrt_exponent(p: &[u32]) -> Vec<u32> {
    let mut exp = p.to_vec();
    for limb in exp.iter_mut() {
        let (sum, carry) = limb.overflowing_add(1);
        *limb = sum;
        if !carry {
            break;
        }
    }
    for i in 0..exp.len() {
        let high = exp.get(i + 1).map_or(0, |&next| next << 30);
        exp[i] = exp[i] >> 2 | high;
    }
    exp
}

/// DER `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`, strictly: minimal lengths,
/// minimal non-negative integers, nothing after. Returns r and s as limbs of the order.
fn parse_signature(der: &[u8], limbs: usize) -> Option<(Vec<u32>, Vec<u32>)> {
    fn element(b: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
        if *b.first()? != tag {
            return None;
        }
        let (len, header): (usize, usize) = match *b.get(1)? {
            n @ 0..=0x7f => (n as usize, 2),
            0x81 => match *b.get(2)? {
                n @ 0x80..=0xff => (n as usize, 3),
                _ => return None,
            },
            0x82 => {
                let n = u16::from_be_bytes([*b.get(2)?, *b.get(3)?]) as usize;
                if n < 0x100 {
                    return None;
                }
                (n, 4)
            }
            _ => return None,
        };
        let content = b.get(header..header.checked_add(len)?)?;
        Some((content, &b[header + len..]))
    }
    fn integer(b: &[u8]) -> Option<(&[u8], &[u8])> {
        let (content, rest) = element(b, 0x02)?;
        match content {
            [] => None,
            [first, ..] if *first & 0x80 != 0 => None,
            [0, second, ..] if *second & 0x80 == 0 => None,
            _ => Some((content, rest)),
        }
    }
    let (body, after) = element(der, 0x30)?;
    let (r, rest) = integer(body)?;
    let (s, rest) = integer(rest)?;
    if !rest.is_empty() || !after.is_empty() {
        return None;
    }
    Some((
        bigint::from_be_bytes(r, limbs)?,
        bigint::from_be_bytes(s, limbs)?,
    ))
}

/// Verifies a DER ECDSA signature over a message digest with a SEC 1 public point.
pub fn verify(curve: NamedCurve, public_point: &[u8], signature_der: &[u8], digest: &[u8]) -> bool {
    let Some(c) = Curve::new(curve) else {
        return false;
    };
    let Some(q) = c.decode_point(public_point) else {
        return false;
    };
    let n = &c.n;
    let Some((r, s)) = parse_signature(signature_der, n.limbs()) else {
        return false;
    };
    let in_range = |v: &[u32]| !bigint::is_zero(v) && bigint::cmp(v, n.value()) == Ordering::Less;
    if !in_range(&r) || !in_range(&s) {
        return false;
    }
    // The leftmost bits of the digest, as many as the order has (256 or 384: whole bytes).
    let Some(mut e) = bigint::from_be_bytes(&digest[..digest.len().min(c.len)], n.limbs()) else {
        return false;
    };
    if bigint::cmp(&e, n.value()) != Ordering::Less {
        bigint::sub_assign(&mut e, n.value());
    }
    let w = n.invert(&n.enter_mont(&s));
    // A plain value times a Montgomery-form one comes out plain.
    let u1 = n.mul(&e, &w);
    let u2 = n.mul(&r, &w);
    let point = c.double_mul(&u1, &u2, &q);
    if bigint::is_zero(&point.z) {
        return false;
    }
    let f = &c.p;
    let z_inv = f.inline(&f.invert(&point.z));
    let mut x = f.leave_mont(&f.fmul(&point.x, &f.fmul(&z_inv, &z_inv)));
    // x < p < 2n, so one subtraction reduces it modulo n.
    if bigint::cmp(&x, n.value()) != Ordering::Less {
        bigint::sub_assign(&mut x, n.value());
    }
    x == r
}
