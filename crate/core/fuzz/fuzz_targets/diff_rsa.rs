//! Differential: `pinwatch_core::crypto::rsassa::RsaPublicKey` (PKCS#1 v1.5 and PSS over SHA-256/384/512)
//! against the `rsa` crate's verifying keys (`pkcs1v15::VerifyingKey`, `pss::VerifyingKey`,
//! `verify_prehash`; the public key checked by `RsaPublicKey::new_with_max_size`), on signatures
//! made from the input with a few keys generated once from a fixed seed (1024 and 2048 bits with
//! e = 65537, and 1025 bits with e = 3, whose PSS encoded message is one byte shorter than the
//! modulus), then changed: bit flips in the signature, digest or modulus; other exponents;
//! other signature lengths and values (0, 1, n - 1, n, s + n); the other hash, scheme or salt
//! length; encoded messages built and changed by hand, then signed raw with the private key
//! (so padding checks see well-formed RSA over malformed padding); arbitrary signatures.
//! A disagreement panics with the inputs.
#![no_main]

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use pinwatch_core::crypto::digest::Hash;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use rsa::signature::hazmat::PrehashVerifier;
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, Pkcs1v15Sign, Pss, RsaPrivateKey};
use sha2::digest::const_oid::AssociatedOid;
use sha2::digest::{Digest, FixedOutputReset};
use sha2::{Sha256, Sha384, Sha512};
use std::sync::OnceLock;

#[path = "support.rs"]
mod support;
use support::{hex, stretch};

struct Key {
    private: RsaPrivateKey,
    n: Vec<u8>,
    e: Vec<u8>,
    bits: usize,
}

fn keys() -> &'static [Key] {
    static KEYS: OnceLock<Vec<Key>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut rng = ChaCha20Rng::from_seed(*b"pinwatch diff_rsa fixed key seed");
        [(1024, 65_537u64), (2048, 65_537), (1025, 3)]
            .into_iter()
            .map(|(bits, e)| {
                let private =
                    RsaPrivateKey::new_with_exp(&mut rng, bits, &BigUint::from(e)).expect("keygen");
                assert_eq!(private.n().bits(), bits);
                Key {
                    n: private.n().to_bytes_be(),
                    e: private.e().to_bytes_be(),
                    bits,
                    private,
                }
            })
            .collect()
    })
}

fn flip(bytes: &mut [u8], bit: usize) {
    if !bytes.is_empty() {
        let bit = bit % (8 * bytes.len());
        bytes[bit / 8] ^= 1 << (bit % 8);
    }
}

fn hash_of(i: u8) -> Hash {
    match i % 3 {
        0 => Hash::Sha256,
        1 => Hash::Sha384,
        _ => Hash::Sha512,
    }
}

/// DigestInfo prefix (with the NULL parameters) for each hash.
fn prefix(hash: Hash) -> Vec<u8> {
    let (len, oid_last) = match hash {
        Hash::Sha256 => (0x20u8, 1u8),
        Hash::Sha384 => (0x30, 2),
        Hash::Sha512 => (0x40, 3),
    };
    vec![
        0x30,
        0x11 + len,
        0x30,
        0x0d,
        0x06,
        0x09,
        0x60,
        0x86,
        0x48,
        0x01,
        0x65,
        0x03,
        0x04,
        0x02,
        oid_last,
        0x05,
        0x00,
        0x04,
        len,
    ]
}

fn mgf1(hash: Hash, seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut counter = 0u32;
    while out.len() < len {
        out.extend(hash.digest_parts(&[seed, &counter.to_be_bytes()]));
        counter += 1;
    }
    out.truncate(len);
    out
}

/// EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with `tamper` applied to DB before masking, left-padded
/// to `k` bytes. `None` when the salt does not fit.
fn pss_encode(
    hash: Hash,
    digest: &[u8],
    salt: &[u8],
    bits: usize,
    k: usize,
    tamper_db: Option<(usize, u8)>,
) -> Option<Vec<u8>> {
    let em_bits = bits - 1;
    let em_len = em_bits.div_ceil(8);
    let h_len = hash.output_len();
    if em_len < h_len + salt.len() + 2 {
        return None;
    }
    let h = hash.digest_parts(&[&[0u8; 8], digest, salt]);
    let mut db = vec![0u8; em_len - h_len - 1];
    let ps_len = em_len - salt.len() - h_len - 2;
    db[ps_len] = 1;
    db[ps_len + 1..].copy_from_slice(salt);
    if let Some((at, x)) = tamper_db {
        let at = at % db.len();
        db[at] ^= x;
    }
    for (d, m) in db.iter_mut().zip(mgf1(hash, &h, em_len - h_len - 1)) {
        *d ^= m;
    }
    db[0] &= 0xff >> (8 * em_len - em_bits);
    let mut em = vec![0u8; k - em_len];
    em.extend(db);
    em.extend(h);
    em.push(0xbc);
    Some(em)
}

/// EMSA-PKCS1-v1_5 with the given DigestInfo prefix.
fn pkcs1_encode(prefix: &[u8], digest: &[u8], k: usize) -> Option<Vec<u8>> {
    let t_len = prefix.len() + digest.len();
    if k < t_len + 11 {
        return None;
    }
    let mut em = vec![0xff; k];
    em[0] = 0;
    em[1] = 1;
    em[k - t_len - 1] = 0;
    em[k - t_len..k - digest.len()].copy_from_slice(prefix);
    em[k - digest.len()..].copy_from_slice(digest);
    Some(em)
}

/// The raw RSA signature of an encoded message (`None` when it is not below n).
fn raw_sign(key: &RsaPrivateKey, em: &[u8]) -> Option<Vec<u8>> {
    let s =
        rsa::hazmat::rsa_decrypt_and_check::<ChaCha20Rng>(key, None, &BigUint::from_bytes_be(em))
            .ok()?;
    let bytes = s.to_bytes_be();
    let mut out = vec![0u8; key.size() - bytes.len()];
    out.extend(bytes);
    Some(out)
}

fn rc_pkcs1<D: Digest + AssociatedOid>(key: rsa::RsaPublicKey, digest: &[u8], sig: &[u8]) -> bool {
    let Ok(sig) = rsa::pkcs1v15::Signature::try_from(sig) else {
        return false;
    };
    rsa::pkcs1v15::VerifyingKey::<D>::new(key)
        .verify_prehash(digest, &sig)
        .is_ok()
}

fn rc_pss<D: Digest + FixedOutputReset>(
    key: rsa::RsaPublicKey,
    salt: usize,
    digest: &[u8],
    sig: &[u8],
) -> bool {
    // RFC 8017 §8.1.2 step 2c: EM = I2OSP(m, emLen) with emLen = ⌈(modBits − 1)/8⌉, so m must be
    // below 2^(modBits − 1). With modBits = 8k + 1 that is one byte less than the modulus, and
    // rsa 0.9 drops the extra leading byte without checking it is zero: the oracle is held to
    // the standard here, where ours already is.
    let m = rsa::hazmat::rsa_encrypt(&key, &BigUint::from_bytes_be(sig));
    if !m.is_ok_and(|m| m.bits() < key.n().bits()) {
        return false;
    }
    let Ok(sig) = rsa::pss::Signature::try_from(sig) else {
        return false;
    };
    rsa::pss::VerifyingKey::<D>::new_with_salt_len(key, salt)
        .verify_prehash(digest, &sig)
        .is_ok()
}

/// One verification as both implementations see it.
struct Case {
    n: Vec<u8>,
    e: Vec<u8>,
    pss: Option<usize>,
    hash: Hash,
    digest: Vec<u8>,
    sig: Vec<u8>,
}

impl Case {
    fn ours(&self) -> bool {
        pinwatch_core::crypto::rsassa::RsaPublicKey::new(&self.n, &self.e).is_some_and(|key| {
            match self.pss {
                None => key.verify_pkcs1(self.hash, &self.digest, &self.sig),
                Some(salt) => key.verify_pss(self.hash, salt, &self.digest, &self.sig),
            }
        })
    }

    fn theirs(&self) -> bool {
        let n = BigUint::from_bytes_be(&self.n);
        let e = BigUint::from_bytes_be(&self.e);
        let Ok(key) = rsa::RsaPublicKey::new_with_max_size(n, e, 8192) else {
            return false;
        };
        let (d, s) = (&self.digest[..], &self.sig[..]);
        match (self.pss, self.hash) {
            (None, Hash::Sha256) => rc_pkcs1::<Sha256>(key, d, s),
            (None, Hash::Sha384) => rc_pkcs1::<Sha384>(key, d, s),
            (None, Hash::Sha512) => rc_pkcs1::<Sha512>(key, d, s),
            (Some(salt), Hash::Sha256) => rc_pss::<Sha256>(key, salt, d, s),
            (Some(salt), Hash::Sha384) => rc_pss::<Sha384>(key, salt, d, s),
            (Some(salt), Hash::Sha512) => rc_pss::<Sha512>(key, salt, d, s),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let keys = keys();
    let mut u = Unstructured::new(data);
    let key = &keys[u.int_in_range(0..=keys.len() - 1).unwrap_or(0)];
    let use_pss: bool = u.arbitrary().unwrap_or(false);
    let hash = hash_of(u.int_in_range(0..=2).unwrap_or(0));
    let salt_choice: u8 = u.int_in_range(0..=7).unwrap_or(0);
    let mutation: u8 = u.int_in_range(0..=12).unwrap_or(0);
    let arg: u32 = u.arbitrary().unwrap_or(0);
    let byte: u8 = u.arbitrary().unwrap_or(0);
    let msg_len = u.int_in_range(0..=64usize).unwrap_or(0);
    // The choices above come first, so that short inputs reach every mutation; then the salt
    // seed, the message and extra bytes, stretched when the input is short.
    let material = stretch(u.take_rest(), 32 + msg_len + 260);
    let seed: [u8; 32] = material[..32].try_into().unwrap();
    let msg = material[32..32 + msg_len].to_vec();
    let extra = &material[32 + msg_len..];

    let k = key.bits.div_ceil(8);
    let h_len = hash.output_len();
    let em_len = (key.bits - 1).div_ceil(8);
    let max_salt = em_len - h_len - 2;
    let salt_len = match salt_choice {
        0 => 0,
        1 => 20,
        2 => h_len,
        3 => 32,
        4 => 64,
        5 => byte as usize,
        6 => max_salt,
        _ => max_salt + 1,
    };
    let digest = hash.digest(&msg);
    let mut rng = ChaCha20Rng::from_seed(seed);
    // Mutations 8, 9, 11 and 12 make their own signatures (or none): skip the private-key
    // operation, the slow part of a run.
    let signed = if matches!(mutation, 8 | 9 | 11 | 12) {
        None
    } else if use_pss {
        let scheme = match hash {
            Hash::Sha256 => Pss::new_with_salt::<Sha256>(salt_len),
            Hash::Sha384 => Pss::new_with_salt::<Sha384>(salt_len),
            Hash::Sha512 => Pss::new_with_salt::<Sha512>(salt_len),
        };
        key.private.sign_with_rng(&mut rng, scheme, &digest).ok()
    } else {
        let scheme = match hash {
            Hash::Sha256 => Pkcs1v15Sign::new::<Sha256>(),
            Hash::Sha384 => Pkcs1v15Sign::new::<Sha384>(),
            Hash::Sha512 => Pkcs1v15Sign::new::<Sha512>(),
        };
        key.private.sign(scheme, &digest).ok()
    };
    let must_verify = signed.is_some() && mutation == 0;
    let mut case = Case {
        n: key.n.clone(),
        e: key.e.clone(),
        pss: use_pss.then_some(salt_len),
        hash,
        digest,
        sig: signed.unwrap_or_else(|| extra[..k].to_vec()),
    };
    let n_big = BigUint::from_bytes_be(&key.n);
    let to_k = |v: &BigUint| -> Option<Vec<u8>> {
        let b = v.to_bytes_be();
        (b.len() <= k).then(|| {
            let mut out = vec![0u8; k - b.len()];
            out.extend(b);
            out
        })
    };

    match mutation {
        1 => flip(&mut case.sig, arg as usize),
        2 => flip(&mut case.digest, arg as usize),
        3 => flip(&mut case.n, arg as usize),
        4 => {
            let e: u64 = match arg % 12 {
                0 => 1,
                1 => 2,
                2 => 3,
                3 => 5,
                4 => 17,
                5 => 65_537,
                6 => 65_539,
                7 => (1 << 32) + 1,
                8 => (1 << 33) - 1,
                9 => (1 << 33) + 1,
                10 => u64::MAX,
                _ => 0,
            };
            case.e = if arg % 12 == 11 {
                extra[..1 + byte as usize % 10].to_vec()
            } else {
                e.to_be_bytes().to_vec()
            };
        }
        5 => match arg % 4 {
            0 => case.sig.insert(0, 0),
            1 => {
                case.sig.remove(0);
            }
            2 => case.sig.push(byte),
            _ => case.sig.clear(),
        },
        6 => {
            let s = BigUint::from_bytes_be(&case.sig);
            let one = BigUint::from(1u8);
            let value = match arg % 6 {
                0 => to_k(&(&s + &n_big)),
                1 => to_k(&n_big),
                2 => to_k(&(&n_big - &one)),
                3 => to_k(&BigUint::from(0u8)),
                4 => to_k(&one),
                _ => Some(vec![0xff; k]),
            };
            if let Some(v) = value {
                case.sig = v;
            }
        }
        7 => match arg % 4 {
            // The other hash, on the same message.
            0 => {
                case.hash = hash_of(byte % 3);
                case.digest = case.hash.digest(&msg);
            }
            // The other scheme.
            1 => case.pss = if use_pss { None } else { Some(h_len) },
            // Another salt length.
            2 => {
                case.pss = Some(match byte % 4 {
                    0 => salt_len + 1,
                    1 => salt_len.saturating_sub(1),
                    2 => 0,
                    _ => h_len,
                })
            }
            // The digest of another hash, under this scheme's hash.
            _ => case.digest = hash_of(byte % 3).digest(&msg),
        },
        8 => {
            // PKCS#1 v1.5 encoded messages built and changed by hand, signed raw.
            case.pss = None;
            let mut p = prefix(hash);
            if arg % 5 == 0 {
                // DigestInfo without the NULL parameters.
                p.remove(p.len() - 3);
                p.remove(p.len() - 3);
                p[1] -= 2;
                p[3] -= 2;
            }
            let Some(mut em) = pkcs1_encode(&p, &case.digest, k) else {
                return;
            };
            match arg % 5 {
                1 => {
                    let at = (arg as usize >> 3) % k;
                    em[at] ^= byte.max(1);
                }
                2 => {
                    // A zero inside PS (an early separator).
                    let at = 2 + (arg as usize >> 3) % (k - p.len() - h_len - 3);
                    em[at] = 0;
                }
                3 => {
                    // Trailing garbage after the digest: the digest moved one byte left.
                    em.remove(2);
                    em.push(byte);
                }
                4 => em[1] = byte,
                _ => {}
            }
            match raw_sign(&key.private, &em) {
                Some(sig) => case.sig = sig,
                None => return,
            }
        }
        9 => {
            // PSS encoded messages built and changed by hand, signed raw.
            let salt_len = salt_len.min(max_salt);
            case.pss = Some(salt_len);
            let salt = &extra[..salt_len];
            let tamper = (arg % 4 == 1).then_some(((arg >> 3) as usize, byte.max(1)));
            let Some(mut em) = pss_encode(hash, &case.digest, salt, key.bits, k, tamper) else {
                return;
            };
            match arg % 4 {
                2 => {
                    // Any byte of the whole k-byte block, including a leading one PSS has
                    // no room for (moduli of 8m + 1 bits).
                    let at = (arg as usize >> 3) % k;
                    em[at] ^= byte.max(1);
                }
                3 => {
                    // The bits above emBits.
                    let at = k - em_len;
                    em[at] |= 0x80 >> (byte % 8);
                }
                _ => {}
            }
            match raw_sign(&key.private, &em) {
                Some(sig) => case.sig = sig,
                None => return,
            }
            if arg % 4 == 0 {
                assert!(case.ours(), "a hand-made PSS signature was refused");
            }
        }
        10 => case.sig = extra[..k].to_vec(),
        11 => {
            // Salt lengths no modulus can hold: refused, and no arithmetic overflow.
            let huge = usize::MAX - (arg as usize % 256);
            let key = pinwatch_core::crypto::rsassa::RsaPublicKey::new(&case.n, &case.e).unwrap();
            assert!(!key.verify_pss(hash, huge, &case.digest, &case.sig));
            return;
        }
        12 => {
            // The largest salt that fits, and one more.
            let salt = &extra[..max_salt];
            let em = pss_encode(hash, &case.digest, salt, key.bits, k, None).unwrap();
            case.sig = raw_sign(&key.private, &em).unwrap();
            case.pss = Some(max_salt + usize::from(byte & 1));
        }
        _ => {}
    }

    let ours = case.ours();
    let theirs = case.theirs();
    if ours != theirs || (must_verify && !ours) {
        panic!(
            "RSA disagreement (mutation {mutation}, arg {arg}, byte {byte}): ours {ours}, rsa crate \
             {theirs}\nscheme {:?} salt {:?} hash {:?}\nn {}\ne {}\ndigest {}\nsig {}",
            if case.pss.is_some() { "PSS" } else { "PKCS#1 v1.5" },
            case.pss,
            case.hash,
            hex(&case.n),
            hex(&case.e),
            hex(&case.digest),
            hex(&case.sig),
        );
    }
});
