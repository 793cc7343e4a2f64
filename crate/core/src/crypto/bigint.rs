//! Modular arithmetic for signature verification: little-endian `u32` limbs and Montgomery
//! multiplication, shared by RSA (up to 8192-bit moduli) and the NIST curves.
//!
//! Why not the RustCrypto arithmetic crates: they carried ~85 KB gzip of the WASM module
//! (unrolled fiat-crypto code per curve, a second big-integer library for RSA), more than half of
//! the budget. Verification only ever sees public values (keys, signatures, certificates), so
//! nothing here needs to be constant-time, and one loop-based routine serves every modulus.
//! The crate's tests check this code against Wycheproof vectors and the RustCrypto crates.
//!
//! `u32` limbs because wasm32 has a native 32×32→64 multiply but no 64×64→128.

use core::cmp::Ordering;

/// Limbs of the largest modulus accepted (8192 bits).
pub(crate) const MAX_LIMBS: usize = 256;

/// Big-endian bytes to exactly `limbs` little-endian limbs; `None` when the value does not fit.
pub(crate) fn from_be_bytes(bytes: &[u8], limbs: usize) -> Option<Vec<u32>> {
    let significant = &bytes[bytes.iter().take_while(|&&b| b == 0).count()..];
    if significant.len() > limbs * 4 {
        return None;
    }
    let mut out = vec![0u32; limbs];
    for (i, &byte) in significant.iter().rev().enumerate() {
        out[i / 4] |= u32::from(byte) << (8 * (i % 4));
    }
    Some(out)
}

/// Big-endian hex of a constant to exactly `limbs` limbs.
pub(crate) fn from_hex(hex: &str, limbs: usize) -> Vec<u32> {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or(""), 16).unwrap_or(0))
        .collect();
    from_be_bytes(&bytes, limbs).unwrap_or_default()
}

/// The value as `len` big-endian bytes (the caller knows it fits).
pub(crate) fn to_be_bytes(a: &[u32], len: usize) -> Vec<u8> {
    (0..len)
        .rev()
        .map(|i| a.get(i / 4).map_or(0, |limb| (limb >> (8 * (i % 4))) as u8))
        .collect()
}

pub(crate) fn cmp(a: &[u32], b: &[u32]) -> Ordering {
    a.iter().rev().cmp(b.iter().rev())
}

pub(crate) fn is_zero(a: &[u32]) -> bool {
    a.iter().all(|&x| x == 0)
}

/// Number of significant bits.
pub(crate) fn bits(a: &[u32]) -> usize {
    a.iter()
        .rposition(|&x| x != 0)
        .map_or(0, |i| 32 * i + 32 - a[i].leading_zeros() as usize)
}

pub(crate) fn bit(a: &[u32], i: usize) -> bool {
    a.get(i / 32).is_some_and(|limb| limb >> (i % 32) & 1 == 1)
}

/// `a += b`, returning the carry out.
fn add_assign(a: &mut [u32], b: &[u32]) -> bool {
    let mut carry = 0u64;
    for (x, &y) in a.iter_mut().zip(b) {
        let sum = u64::from(*x) + u64::from(y) + carry;
        *x = sum as u32;
        carry = sum >> 32;
    }
    carry != 0
}

/// `a -= b`, returning the borrow out.
pub(crate) fn sub_assign(a: &mut [u32], b: &[u32]) -> bool {
    let mut borrow = 0u64;
    for (x, &y) in a.iter_mut().zip(b) {
        let diff = u64::from(*x)
            .wrapping_sub(u64::from(y))
            .wrapping_sub(borrow);
        *x = diff as u32;
        borrow = diff >> 63;
    }
    borrow != 0
}

/// A curve field element or scalar (up to 384 bits), held inline: point formulas run
/// thousands of multiplications per signature, and a heap allocation each doubled their cost.
/// Limbs above the modulus' length stay zero.
pub(crate) type Fe = [u32; 12];

/// An odd modulus with its Montgomery constants (R = 2^(32·limbs)).
pub(crate) struct Modulus {
    m: Vec<u32>,
    /// -m⁻¹ mod 2^32.
    m_inv: u32,
    /// R² mod m, to bring values into Montgomery form.
    r2: Vec<u32>,
}

impl Modulus {
    /// `None` for an even modulus, one below 3, or one larger than [`MAX_LIMBS`].
    pub(crate) fn new(m: Vec<u32>) -> Option<Modulus> {
        if m.is_empty() || m.len() > MAX_LIMBS || m[0] & 1 == 0 || bits(&m) < 2 {
            return None;
        }
        // Newton's iteration doubles the correct low bits each step: 1 → 2 → … → 32.
        let mut inv: u32 = 1;
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u32.wrapping_sub(m[0].wrapping_mul(inv)));
        }
        let mut modulus = Modulus {
            m_inv: inv.wrapping_neg(),
            r2: vec![0; m.len()],
            m,
        };
        // R² mod m by doubling 1 modulo m, 2·32·limbs times; public and done once per key.
        let mut r2 = vec![0u32; modulus.m.len()];
        r2[0] = 1;
        for _ in 0..64 * modulus.m.len() {
            modulus.double(&mut r2);
        }
        modulus.r2 = r2;
        Some(modulus)
    }

    pub(crate) fn limbs(&self) -> usize {
        self.m.len()
    }

    pub(crate) fn value(&self) -> &[u32] {
        &self.m
    }

    /// `out = a·b·R⁻¹ mod m` for `a, b < m` (CIOS Montgomery multiplication).
    /// `out` must not overlap `a` or `b`.
    ///
    /// This and the other field operations are never inlined: each inlined copy costs hundreds
    /// of bytes of WASM, and a call is noise next to the limb loops.
    #[inline(never)]
    pub(crate) fn mul_into(&self, out: &mut [u32], a: &[u32], b: &[u32]) {
        let n = self.m.len();
        let t = &mut out[..n];
        t.fill(0);
        let mut top = 0u32;
        for &bi in &b[..n] {
            let mut carry = 0u64;
            for (tj, &aj) in t.iter_mut().zip(&a[..n]) {
                let v = u64::from(*tj) + u64::from(aj) * u64::from(bi) + carry;
                *tj = v as u32;
                carry = v >> 32;
            }
            let v = u64::from(top) + carry;
            top = v as u32;
            let over = (v >> 32) as u32;

            let q = t[0].wrapping_mul(self.m_inv);
            let mut carry = (u64::from(t[0]) + u64::from(q) * u64::from(self.m[0])) >> 32;
            for j in 1..n {
                let v = u64::from(t[j]) + u64::from(q) * u64::from(self.m[j]) + carry;
                t[j - 1] = v as u32;
                carry = v >> 32;
            }
            let v = u64::from(top) + carry;
            t[n - 1] = v as u32;
            top = over + (v >> 32) as u32;
        }
        if top != 0 || cmp(t, &self.m) != Ordering::Less {
            sub_assign(t, &self.m);
        }
    }

    #[inline(never)]
    pub(crate) fn mul(&self, a: &[u32], b: &[u32]) -> Vec<u32> {
        let mut out = vec![0; self.m.len()];
        self.mul_into(&mut out, a, b);
        out
    }

    /// Montgomery product of two inline elements (moduli of at most 12 limbs).
    #[inline(never)]
    pub(crate) fn fmul(&self, a: &Fe, b: &Fe) -> Fe {
        let mut out = [0; 12];
        self.mul_into(&mut out, a, b);
        out
    }

    #[inline(never)]
    pub(crate) fn fadd(&self, a: &Fe, b: &Fe) -> Fe {
        let mut out = *a;
        self.add(&mut out, b);
        out
    }

    #[inline(never)]
    pub(crate) fn fsub(&self, a: &Fe, b: &Fe) -> Fe {
        let mut out = *a;
        self.sub(&mut out, b);
        out
    }

    /// A plain value `< m` (at most 12 limbs) as an inline Montgomery-form element.
    pub(crate) fn fe(&self, plain: &[u32]) -> Fe {
        let mut padded = [0; 12];
        padded[..plain.len()].copy_from_slice(plain);
        self.fmul(&padded, &self.inline(&self.r2))
    }

    /// An element in Montgomery form (a `pow` or `invert` result) held inline.
    pub(crate) fn inline(&self, mont: &[u32]) -> Fe {
        let mut out = [0; 12];
        out[..self.m.len()].copy_from_slice(&mont[..self.m.len()]);
        out
    }

    /// Into Montgomery form; `a < m`.
    #[inline(never)]
    pub(crate) fn enter_mont(&self, a: &[u32]) -> Vec<u32> {
        self.mul(a, &self.r2)
    }

    /// Out of Montgomery form.
    #[inline(never)]
    pub(crate) fn leave_mont(&self, a: &[u32]) -> Vec<u32> {
        let mut one = vec![0; self.m.len()];
        one[0] = 1;
        self.mul(a, &one)
    }

    /// `a = a + b mod m` for `a, b < m`.
    #[inline(never)]
    pub(crate) fn add(&self, a: &mut [u32], b: &[u32]) {
        let n = self.m.len();
        let (a, b) = (&mut a[..n], &b[..n]);
        let carry = add_assign(a, b);
        if carry || cmp(a, &self.m) != Ordering::Less {
            sub_assign(a, &self.m);
        }
    }

    /// `a = 2a mod m` for `a < m`.
    fn double(&self, a: &mut [u32]) {
        let mut carry = 0;
        for x in a.iter_mut() {
            let next = *x >> 31;
            *x = *x << 1 | carry;
            carry = next;
        }
        if carry != 0 || cmp(a, &self.m) != Ordering::Less {
            sub_assign(a, &self.m);
        }
    }

    /// `a = a - b mod m` for `a, b < m`.
    #[inline(never)]
    pub(crate) fn sub(&self, a: &mut [u32], b: &[u32]) {
        let n = self.m.len();
        let (a, b) = (&mut a[..n], &b[..n]);
        if sub_assign(a, b) {
            add_assign(a, &self.m);
        }
    }

    /// `base^exp` with `base` in Montgomery form; the result is in Montgomery form.
    /// Left-to-right square-and-multiply: exponents here are public.
    pub(crate) fn pow(&self, base: &[u32], exp: &[u32]) -> Vec<u32> {
        let n = self.m.len();
        let mut acc = self.enter_mont(&{
            let mut one = vec![0; n];
            one[0] = 1;
            one
        });
        let mut tmp = vec![0; n];
        for i in (0..bits(exp)).rev() {
            self.mul_into(&mut tmp, &acc, &acc);
            if bit(exp, i) {
                self.mul_into(&mut acc, &tmp, base);
            } else {
                core::mem::swap(&mut acc, &mut tmp);
            }
        }
        acc
    }

    /// The inverse of a Montgomery-form `a ≠ 0` for a prime modulus (Fermat: a^(m-2)).
    pub(crate) fn invert(&self, a: &[u32]) -> Vec<u32> {
        let mut exp = self.m.clone();
        let mut two = vec![0; exp.len()];
        two[0] = 2;
        sub_assign(&mut exp, &two);
        self.pow(a, &exp)
    }
}

#[cfg(test)]
mod reference_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn small(m: u32) -> Modulus {
        Modulus::new(vec![m]).unwrap()
    }

    #[test]
    fn montgomery_round_trip_and_products_match_u64_arithmetic() {
        for &m in &[3u32, 65_537, 0xffff_fffb, 0x8000_0001] {
            let modulus = small(m);
            for &(a, b) in &[
                (0u32, 5u32),
                (1, 1),
                (2, m - 1),
                (m - 1, m - 1),
                (12_345, 67_890),
            ] {
                let (a, b) = (a % m, b % m);
                let am = modulus.enter_mont(&[a]);
                assert_eq!(modulus.leave_mont(&am), vec![a]);
                let product = modulus.leave_mont(&modulus.mul(&am, &modulus.enter_mont(&[b])));
                assert_eq!(
                    product[0] as u64,
                    a as u64 * b as u64 % m as u64,
                    "{a}·{b} mod {m}"
                );
            }
        }
    }

    #[test]
    fn multi_limb_products_carry_across_limbs() {
        // m = 2^64 - 59 (prime); (m-1)² mod m = 1.
        let m = vec![0xffff_ffc5, 0xffff_ffff];
        let modulus = Modulus::new(m.clone()).unwrap();
        let mut minus_one = m.clone();
        sub_assign(&mut minus_one, &[1, 0]);
        let x = modulus.enter_mont(&minus_one);
        assert_eq!(modulus.leave_mont(&modulus.mul(&x, &x)), vec![1, 0]);
        let inv = modulus.leave_mont(&modulus.invert(&x));
        assert_eq!(inv, minus_one, "(-1)⁻¹ = -1");
    }

    #[test]
    fn powers_match_repeated_multiplication() {
        let modulus = small(1_000_003);
        let base = modulus.enter_mont(&[7]);
        let mut expected = 1u64;
        for _ in 0..65_537 {
            expected = expected * 7 % 1_000_003;
        }
        assert_eq!(
            modulus.leave_mont(&modulus.pow(&base, &[65_537]))[0] as u64,
            expected
        );
    }

    #[test]
    fn bytes_round_trip_and_oversized_values_are_refused() {
        let limbs = from_be_bytes(&[0, 0, 1, 2, 3, 4, 5], 2).unwrap();
        assert_eq!(limbs, vec![0x0203_0405, 0x01]);
        assert_eq!(to_be_bytes(&limbs, 5), vec![1, 2, 3, 4, 5]);
        assert!(from_be_bytes(&[1; 9], 2).is_none());
        assert!(Modulus::new(vec![4]).is_none());
        assert!(Modulus::new(vec![1]).is_none());
        assert!(Modulus::new(vec![]).is_none());
    }
}
