//! RSA signature verification: RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.2) and RSASSA-PSS (§8.1.2).

use crate::crypto::bigint::{self, Modulus};
use crate::crypto::digest::Hash;
use core::cmp::Ordering;

/// Smallest modulus accepted: shorter keys are breakable and no longer issue in Web PKI.
const MIN_MODULUS_BITS: usize = 1024;

/// An RSA public key ready for verification.
pub struct RsaPublicKey {
    n: Modulus,
    e: Vec<u32>,
    /// Length of the modulus in bytes (k in RFC 8017) and in bits.
    k: usize,
    bits: usize,
}

impl RsaPublicKey {
    /// From the big-endian modulus and exponent; `None` for a modulus outside 1024–8192 bits
    /// or even, or an exponent that is even, below 3, longer than 64 bits or not below n.
    pub fn new(modulus: &[u8], exponent: &[u8]) -> Option<RsaPublicKey> {
        let n = bigint::from_be_bytes(modulus, bigint::MAX_LIMBS)?;
        let bits = bigint::bits(&n);
        if bits < MIN_MODULUS_BITS {
            return None;
        }
        let n = Modulus::new(n[..bits.div_ceil(32)].to_vec())?;
        let e = bigint::from_be_bytes(exponent, 2)?;
        if e[0] & 1 == 0 || bigint::bits(&e) < 2 {
            return None;
        }
        Some(RsaPublicKey {
            n,
            e,
            k: bits.div_ceil(8),
            bits,
        })
    }

    pub fn bits(&self) -> usize {
        self.bits
    }

    /// RSAVP1 then I2OSP: the encoded message, `k` bytes; `None` when the signature has the
    /// wrong length or is not below n.
    fn open(&self, signature: &[u8]) -> Option<Vec<u8>> {
        if signature.len() != self.k {
            return None;
        }
        let s = bigint::from_be_bytes(signature, self.n.limbs())?;
        if bigint::cmp(&s, self.n.value()) != Ordering::Less {
            return None;
        }
        let m = self
            .n
            .leave_mont(&self.n.pow(&self.n.enter_mont(&s), &self.e));
        Some(bigint::to_be_bytes(&m, self.k))
    }

    /// EMSA-PKCS1-v1_5: the whole encoded message is rebuilt and compared, so no parsing of
    /// attacker-shaped padding happens (the classic Bleichenbacher'06 forgery needs a parser).
    pub fn verify_pkcs1(&self, hash: Hash, digest: &[u8], signature: &[u8]) -> bool {
        let Some(em) = self.open(signature) else {
            return false;
        };
        let prefix = hash.digest_info_prefix();
        let t_len = prefix.len() + digest.len();
        if digest.len() != hash.output_len() || self.k < t_len + 11 {
            return false;
        }
        let mut expected = vec![0xff; self.k];
        expected[0] = 0;
        expected[1] = 1;
        expected[self.k - t_len - 1] = 0;
        expected[self.k - t_len..self.k - digest.len()].copy_from_slice(prefix);
        expected[self.k - digest.len()..].copy_from_slice(digest);
        em == expected
    }

    /// EMSA-PSS-VERIFY with MGF1 over the same hash and the given salt length.
    pub fn verify_pss(&self, hash: Hash, salt_len: usize, digest: &[u8], signature: &[u8]) -> bool {
        let Some(full) = self.open(signature) else {
            return false;
        };
        let em_bits = self.bits - 1;
        let em_len = em_bits.div_ceil(8);
        // When emBits is a multiple of 8 the encoded message is one byte shorter than k.
        let em = match full.len() - em_len {
            0 => &full[..],
            1 if full[0] == 0 => &full[1..],
            _ => return false,
        };
        let h_len = hash.output_len();
        // Checked: `salt_len` is the caller's, and no salt near usize::MAX may wrap the sum.
        let fits = h_len
            .checked_add(salt_len)
            .and_then(|n| n.checked_add(2))
            .is_some_and(|needed| em_len >= needed);
        if digest.len() != h_len || !fits || em[em_len - 1] != 0xbc {
            return false;
        }
        let (masked_db, h) = em[..em_len - 1].split_at(em_len - h_len - 1);
        let top_mask = 0xffu8
            .checked_shr((8 * em_len - em_bits) as u32)
            .unwrap_or(0);
        if masked_db[0] & !top_mask != 0 {
            return false;
        }
        let mut db = mgf1(hash, h, masked_db.len());
        for (d, m) in db.iter_mut().zip(masked_db) {
            *d ^= m;
        }
        db[0] &= top_mask;
        let ps_len = em_len - h_len - salt_len - 2;
        if db[..ps_len].iter().any(|&b| b != 0) || db[ps_len] != 1 {
            return false;
        }
        let salt = &db[db.len() - salt_len..];
        hash.digest_parts(&[&[0u8; 8], digest, salt]) == h
    }
}

/// MGF1 (RFC 8017 B.2.1).
fn mgf1(hash: Hash, seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + hash.output_len());
    let mut counter: u32 = 0;
    while out.len() < len {
        out.extend(hash.digest_parts(&[seed, &counter.to_be_bytes()]));
        counter += 1;
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the diff_rsa fuzz target: `em_len < h_len + salt_len + 2` overflowed (a panic
    /// with debug assertions; without them a wrapped sum let the salt slice start past the end).
    #[test]
    fn pss_salt_lengths_near_usize_max_are_refused_without_overflow() {
        let mut modulus = vec![0xc5u8; 128];
        modulus[127] |= 1;
        let key = RsaPublicKey::new(&modulus, &[1, 0, 1]).unwrap();
        let digest = Hash::Sha256.digest(b"message");
        let signature = vec![0x17u8; 128];
        for salt_len in [
            usize::MAX,
            usize::MAX - 1,
            usize::MAX - 33,
            usize::MAX - 34,
            95,
            94,
        ] {
            assert!(!key.verify_pss(Hash::Sha256, salt_len, &digest, &signature));
        }
    }
}
