//! `bigint` against num-bigint on random operands, for every modulus size the signature code
//! uses (Ed25519's 255-bit field and order, the NIST curves' 256 and 384 bits, RSA's 1024 to
//! 8192 bits and moduli whose top limb is partly empty) and for moduli built to stress carries
//! (2^k - 1, 2^(k-1) + 1). A fixed-seed generator keeps failures reproducible; a failing
//! assertion names the size, the operands and the seed.

use super::*;
use num_bigint::BigUint;
use wasm_bindgen_test::wasm_bindgen_test;

/// SplitMix64: small, seedable, and the same on every target (no getrandom).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A random value of at most `bits` bits, as little-endian limbs (`limbs` of them).
    fn value(&mut self, bits: usize, limbs: usize) -> Vec<u32> {
        let mut v: Vec<u32> = (0..limbs).map(|_| self.next() as u32).collect();
        for (i, limb) in v.iter_mut().enumerate() {
            let low = 32 * i;
            if low >= bits {
                *limb = 0;
            } else if bits - low < 32 {
                *limb &= (1u32 << (bits - low)) - 1;
            }
        }
        v
    }

    /// An odd modulus of exactly `bits` bits.
    fn modulus(&mut self, bits: usize) -> Vec<u32> {
        let mut m = self.value(bits, bits.div_ceil(32));
        m[0] |= 1;
        let top = bits - 1;
        m[top / 32] |= 1 << (top % 32);
        m
    }

    /// An operand below `m`: mostly uniform, sometimes an edge value.
    fn below_modulus(&mut self, m: &BigUint, limbs: usize) -> Vec<u32> {
        let one = BigUint::from(1u32);
        let value = match self.below(16) {
            0 => BigUint::default(),
            1 => one,
            2 => m - 1u32,
            3 => m - 2u32,
            4 => (BigUint::from(1u32) << (32 * limbs)) % m,
            5 => m >> 1,
            _ => big(&self.value(32 * limbs, limbs)) % m,
        };
        limbs_of(&value, limbs)
    }
}

fn big(limbs: &[u32]) -> BigUint {
    BigUint::from_slice(limbs)
}

fn limbs_of(v: &BigUint, limbs: usize) -> Vec<u32> {
    let mut out = v.to_u32_digits();
    assert!(out.len() <= limbs, "{v:x} does not fit {limbs} limbs");
    out.resize(limbs, 0);
    out
}

/// The moduli of one size: random odd ones, and 2^k - 1 and 2^(k-1) + 1 (the largest and
/// smallest of that length, where the Montgomery product's top carry matters most).
fn moduli(rng: &mut Rng, bits: usize, random: usize) -> Vec<Vec<u32>> {
    let limbs = bits.div_ceil(32);
    let mut out: Vec<Vec<u32>> = (0..random).map(|_| rng.modulus(bits)).collect();
    out.push(limbs_of(&((BigUint::from(1u32) << bits) - 1u32), limbs));
    out.push(limbs_of(
        &((BigUint::from(1u32) << (bits - 1)) + 1u32),
        limbs,
    ));
    out
}

/// The sizes and how many operand pairs each modulus of that size gets. Every modulus size the
/// RSA and curve code uses, plus RSA sizes with a partly empty top limb.
const SIZES: &[(usize, usize)] = &[
    (255, 400),
    (256, 400),
    (384, 400),
    (1024, 100),
    (1025, 60),
    (2047, 50),
    (2048, 60),
    (3072, 40),
    (4096, 30),
    (8192, 12),
];

/// Random moduli per size (plus the two fixed ones).
const RANDOM_MODULI: usize = 4;

/// Case counts, a quarter of them as WASM under node (the reference arithmetic is unoptimised
/// there, and the full counts took ~50 s): every size still runs on the target that ships.
fn cases(native: usize) -> usize {
    if cfg!(target_arch = "wasm32") {
        native.div_ceil(4)
    } else {
        native
    }
}

const P256_P: &str = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
const P256_N: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
const P384_P: &str = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff";
const P384_N: &str = "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973";
const ED25519_P: &str = "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed";
const ED25519_L: &str = "1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed";

/// The primes the curve code works modulo, as the curve code reads them.
fn curve_primes() -> Vec<Vec<u32>> {
    [P256_P, P256_N, P384_P, P384_N]
        .iter()
        .map(|hex| from_hex(hex, hex.len() / 8))
        .chain([ED25519_P, ED25519_L].iter().map(|hex| from_hex(hex, 8)))
        .collect()
}

/// Checks every Montgomery-form operation of one modulus on `cases` operand pairs; returns how
/// many checks ran.
fn check_modulus(rng: &mut Rng, m_limbs: &[u32], cases: usize, prime: bool) -> usize {
    let n = m_limbs.len();
    let m = big(m_limbs);
    let label = format!("m = {m:x} ({} bits)", m.bits());
    let modulus = Modulus::new(m_limbs.to_vec()).expect(&label);
    let r = BigUint::from(1u32) << (32 * n);
    let r_mod = &r % &m;
    let mut checks = 0;

    // The constants: -m⁻¹ mod 2^32 and R² mod m.
    assert_eq!(m_limbs[0].wrapping_mul(modulus.m_inv), u32::MAX, "{label}");
    assert_eq!(big(&modulus.r2), (&r * &r) % &m, "{label}: R² mod m");
    assert_eq!(modulus.value(), m_limbs);
    assert_eq!(modulus.limbs(), n);

    for case in 0..cases {
        let a = rng.below_modulus(&m, n);
        let b = rng.below_modulus(&m, n);
        let (ab, bb) = (big(&a), big(&b));
        let ctx = format!("{label}, case {case}: a = {ab:x}, b = {bb:x}");

        // Montgomery product: out·R ≡ a·b (mod m) and out < m.
        let product = modulus.mul(&a, &b);
        let pb = big(&product);
        assert!(pb < m, "{ctx}: product not reduced");
        assert_eq!((&pb * &r) % &m, (&ab * &bb) % &m, "{ctx}: a·b·R⁻¹");
        let mut into = vec![0xdead_beef; n];
        modulus.mul_into(&mut into, &a, &b);
        assert_eq!(into, product, "{ctx}: mul_into");

        // Into and out of Montgomery form.
        let am = modulus.enter_mont(&a);
        assert_eq!(big(&am), (&ab * &r) % &m, "{ctx}: a·R mod m");
        assert_eq!(modulus.leave_mont(&am), a, "{ctx}: round trip");
        let plain = modulus.leave_mont(&modulus.mul(&am, &modulus.enter_mont(&b)));
        assert_eq!(big(&plain), (&ab * &bb) % &m, "{ctx}: a·b mod m");

        // Addition, subtraction and doubling modulo m.
        let mut sum = a.clone();
        modulus.add(&mut sum, &b);
        assert_eq!(big(&sum), (&ab + &bb) % &m, "{ctx}: a + b");
        let mut diff = a.clone();
        modulus.sub(&mut diff, &b);
        assert_eq!(big(&diff), (&ab + &m - &bb) % &m, "{ctx}: a - b");
        let mut doubled = a.clone();
        modulus.double(&mut doubled);
        assert_eq!(big(&doubled), (&ab << 1) % &m, "{ctx}: 2a");

        // The inline forms the curve code uses (moduli of at most 12 limbs).
        if n <= 12 {
            let fa = modulus.fe(&a);
            let fb = modulus.fe(&b);
            assert_eq!(big(&fa), (&ab * &r) % &m, "{ctx}: fe");
            assert_eq!(&fa[n..], &[0u32; 12][n..], "{ctx}: fe's spare limbs");
            let fp = modulus.fmul(&fa, &fb);
            assert_eq!(big(&fp), (&ab * &bb * &r) % &m, "{ctx}: fmul");
            assert_eq!(
                big(&modulus.fadd(&fa, &fb)),
                (&ab + &bb) * &r % &m,
                "{ctx}: fadd"
            );
            assert_eq!(
                big(&modulus.fsub(&fa, &fb)),
                (&ab + &m - &bb) * &r % &m,
                "{ctx}: fsub"
            );
            assert_eq!(modulus.inline(&am), fa, "{ctx}: inline");
        }

        // Powers: public-exponent sizes everywhere, full-size exponents where that stays cheap.
        let exp_bits = match case % 6 {
            0 => 0,
            1 => 1,
            2 => 2,
            3 => 17,
            4 => 64,
            _ if n <= 12 || case % 12 == 5 && n <= 32 => 32 * n,
            _ => 33,
        };
        let exp = rng.value(exp_bits, exp_bits.div_ceil(32).max(1));
        let pow = modulus.leave_mont(&modulus.pow(&am, &exp));
        assert_eq!(
            big(&pow),
            ab.modpow(&big(&exp), &m),
            "{ctx}: a^{:x}",
            big(&exp)
        );
        // 65537, RSA's exponent, exactly.
        if case % 6 == 3 {
            let e = [65_537u32];
            let pow = modulus.leave_mont(&modulus.pow(&am, &e));
            assert_eq!(
                big(&pow),
                ab.modpow(&BigUint::from(65_537u32), &m),
                "{ctx}: a^65537"
            );
        }

        // Inverses (Fermat) modulo primes.
        if prime && ab != BigUint::default() {
            let inv = modulus.leave_mont(&modulus.invert(&am));
            assert_eq!((&ab * big(&inv)) % &m, BigUint::from(1u32), "{ctx}: a⁻¹");
        }
        checks += 1;
    }
    assert_eq!(
        big(&modulus.enter_mont(&limbs_of(&BigUint::from(1u32), n))),
        r_mod
    );
    checks
}

/// Miller–Rabin with fixed bases (enough for test primes of a few hundred bits).
fn is_probable_prime(p: &BigUint) -> bool {
    let one = BigUint::from(1u32);
    let minus_one = p - &one;
    let twos = minus_one.trailing_zeros().unwrap_or(0);
    let d = &minus_one >> twos;
    [2u32, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37]
        .iter()
        .all(|&a| {
            let mut x = BigUint::from(a).modpow(&d, p);
            if x == one || x == minus_one {
                return true;
            }
            for _ in 1..twos {
                x = (&x * &x) % p;
                if x == minus_one {
                    return true;
                }
            }
            false
        })
}

fn random_prime(rng: &mut Rng, bits: usize) -> Vec<u32> {
    loop {
        let candidate = rng.modulus(bits);
        if is_probable_prime(&big(&candidate)) {
            return candidate;
        }
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn montgomery_arithmetic_matches_num_bigint_for_every_modulus_size() {
    let mut rng = Rng(0x5eed_b161_0001);
    let mut total = 0;
    let mut expected = 0;
    for &(bits, count) in SIZES {
        for m in moduli(&mut rng, bits, RANDOM_MODULI) {
            total += check_modulus(&mut rng, &m, cases(count), false);
            expected += cases(count);
        }
    }
    // Natively 9,312: 2,400 for each of 255, 256 and 384 bits, 72 to 600 for the RSA sizes.
    assert_eq!(total, expected);
    assert!(total >= cases(9_312), "only {total} cases ran");
}

#[wasm_bindgen_test(unsupported = test)]
fn curve_moduli_and_random_primes_match_num_bigint_including_inverses() {
    let mut rng = Rng(0x5eed_b161_0002);
    let mut total = 0;
    for p in curve_primes() {
        assert!(is_probable_prime(&big(&p)), "{:x}", big(&p));
        total += check_modulus(&mut rng, &p, cases(500), true);
    }
    for bits in [255, 256, 384] {
        for _ in 0..3 {
            let p = random_prime(&mut rng, bits);
            total += check_modulus(&mut rng, &p, cases(200), true);
        }
    }
    assert_eq!(total, 6 * cases(500) + 9 * cases(200));
}

#[wasm_bindgen_test(unsupported = test)]
fn small_moduli_match_num_bigint() {
    // One- and two-limb moduli, where the loops run once or twice and every carry path shows.
    let mut rng = Rng(0x5eed_b161_0003);
    let mut total = 0;
    for bits in [2, 3, 5, 31, 32, 33, 63, 64, 65, 95, 96] {
        for m in moduli(&mut rng, bits, 6) {
            total += check_modulus(&mut rng, &m, cases(200), false);
        }
    }
    // Modulus 3, the smallest accepted.
    total += check_modulus(&mut rng, &[3], 50, true);
    assert_eq!(total, 11 * 8 * cases(200) + 50);
}

#[wasm_bindgen_test(unsupported = test)]
fn moduli_the_constructor_refuses() {
    let mut rng = Rng(0x5eed_b161_0004);
    assert!(Modulus::new(vec![]).is_none());
    assert!(Modulus::new(vec![1]).is_none(), "1");
    assert!(Modulus::new(vec![1, 0]).is_none(), "1 with a zero limb");
    assert!(Modulus::new(vec![0, 0]).is_none(), "0");
    for bits in [32, 256, 2048, 8192] {
        let mut even = rng.modulus(bits);
        even[0] &= !1;
        assert!(Modulus::new(even).is_none(), "even {bits}-bit modulus");
    }
    let mut too_big = vec![u32::MAX; MAX_LIMBS + 1];
    assert!(Modulus::new(too_big.clone()).is_none(), "8224 bits");
    too_big.truncate(MAX_LIMBS);
    assert!(Modulus::new(too_big).is_some(), "2^8192 - 1");
}

#[wasm_bindgen_test(unsupported = test)]
fn comparisons_and_limb_arithmetic_match_num_bigint() {
    let mut rng = Rng(0x5eed_b161_0005);
    let mut total = 0;
    for &(bits, _) in SIZES.iter().chain(&[(32, 0), (33, 0), (64, 0)]) {
        let limbs = bits.div_ceil(32);
        let wrap = BigUint::from(1u32) << (32 * limbs);
        for case in 0..cases(300) {
            let a_bits = if case % 4 == 0 {
                rng.below(bits + 1)
            } else {
                bits
            };
            let a = rng.value(a_bits, limbs);
            let mut b = match case % 8 {
                0 => a.clone(),
                1 => vec![0; limbs],
                2 => vec![u32::MAX; limbs],
                _ => rng.value(bits, limbs),
            };
            if case % 8 == 3 {
                // Equal but for one limb.
                b = a.clone();
                let i = rng.below(limbs);
                b[i] ^= 1 << rng.below(32);
            }
            let (ab, bb) = (big(&a), big(&b));
            let ctx = format!("{bits} bits, case {case}: a = {ab:x}, b = {bb:x}");

            assert_eq!(cmp(&a, &b), ab.cmp(&bb), "{ctx}: cmp");
            assert_eq!(is_zero(&a), ab == BigUint::default(), "{ctx}: is_zero");
            assert_eq!(bits_of(&a), ab.bits() as usize, "{ctx}: bits");
            for _ in 0..8 {
                let i = rng.below(32 * limbs + 40);
                assert_eq!(bit(&a, i), ab.bit(i as u64), "{ctx}: bit {i}");
            }

            let mut sum = a.clone();
            let carry = add_assign(&mut sum, &b);
            let exact = &ab + &bb;
            assert_eq!(big(&sum), &exact % &wrap, "{ctx}: a + b");
            assert_eq!(carry, exact >= wrap, "{ctx}: carry");

            let mut diff = a.clone();
            let borrow = sub_assign(&mut diff, &b);
            assert_eq!(big(&diff), (&ab + &wrap - &bb) % &wrap, "{ctx}: a - b");
            assert_eq!(borrow, ab < bb, "{ctx}: borrow");
            total += 1;
        }
    }
    assert_eq!(total, (SIZES.len() + 3) * cases(300));
}

/// `bits` under another name: the tests' `bits` variables shadow the function.
fn bits_of(a: &[u32]) -> usize {
    bits(a)
}

#[wasm_bindgen_test(unsupported = test)]
fn byte_conversions_match_num_bigint() {
    let mut rng = Rng(0x5eed_b161_0006);
    let mut total = 0;
    for &(bits, _) in SIZES.iter().chain(&[(8, 0), (32, 0), (40, 0)]) {
        let limbs = bits.div_ceil(32);
        for case in 0..cases(300) {
            // Big-endian bytes with some leading zeros, sometimes longer than the limbs hold.
            let zeros = rng.below(6);
            let len = match case % 5 {
                0 => rng.below(4 * limbs + 1),
                1 => 4 * limbs + 1 + rng.below(4),
                _ => 4 * limbs,
            };
            let mut bytes = vec![0u8; zeros];
            bytes.extend((0..len).map(|_| rng.next() as u8));
            let value = BigUint::from_bytes_be(&bytes);
            let ctx = format!("{bits} bits, case {case}: {bytes:02x?}");
            let fits = value.bits() as usize <= 32 * limbs;
            let converted = from_be_bytes(&bytes, limbs);
            assert_eq!(
                converted.is_some(),
                fits,
                "{ctx}: refused iff it does not fit"
            );
            if let Some(v) = converted {
                assert_eq!(v.len(), limbs, "{ctx}: limb count");
                assert_eq!(big(&v), value, "{ctx}: value");
                // Back to bytes, at the minimal length and padded.
                let min_len = (value.bits() as usize).div_ceil(8);
                let minimal = if min_len == 0 {
                    Vec::new()
                } else {
                    value.to_bytes_be()
                };
                assert_eq!(to_be_bytes(&v, min_len), minimal, "{ctx}: to_be_bytes");
                let padded_len = min_len + rng.below(8);
                let mut padded = vec![0u8; padded_len - min_len];
                padded.extend(&minimal);
                assert_eq!(to_be_bytes(&v, padded_len), padded, "{ctx}: padded");
                // Hex of the same bytes.
                let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
                assert_eq!(from_hex(&hex, limbs), v, "{ctx}: from_hex");
            }
            total += 1;
        }
    }
    assert_eq!(total, (SIZES.len() + 3) * cases(300));
}
