//! Issuer-key proof: for browsers that hand over only the leaf, check that the leaf's
//! signature verifies under a pinned issuing CA's public key. A forged leaf cannot pass
//! without that CA's private key.

use crate::cert::Cert;
use crate::ec;
use crate::pubkey::{PublicKey, Spki};
use crate::tlv;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// The SHA-2 hashes Web PKI signatures use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        self.digest_parts(&[data])
    }

    /// The hash of the concatenation of `parts`.
    pub fn digest_parts(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut hasher = D::new();
            for part in parts {
                hasher.update(part);
            }
            hasher.finalize().to_vec()
        }
        match self {
            Hash::Sha256 => run::<Sha256>(parts),
            Hash::Sha384 => run::<Sha384>(parts),
            Hash::Sha512 => run::<Sha512>(parts),
        }
    }

    pub fn output_len(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }

    /// DER of the DigestInfo before the digest (RFC 8017 §9.2, note 1).
    pub(crate) fn digest_info_prefix(self) -> &'static [u8] {
        match self {
            Hash::Sha256 => &[
                0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x01, 0x05, 0x00, 0x04, 0x20,
            ],
            Hash::Sha384 => &[
                0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x02, 0x05, 0x00, 0x04, 0x30,
            ],
            Hash::Sha512 => &[
                0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x03, 0x05, 0x00, 0x04, 0x40,
            ],
        }
    }

    /// From the content bytes of a hash algorithm OID.
    fn from_oid(oid: &[u8]) -> Option<Hash> {
        match oid {
            [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01] => Some(Hash::Sha256),
            [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02] => Some(Hash::Sha384),
            [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03] => Some(Hash::Sha512),
            _ => None,
        }
    }
}

/// A signature algorithm the proof supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// RSASSA-PKCS1-v1_5.
    Pkcs1(Hash),
    /// RSASSA-PSS with MGF1 over the same hash, and the salt length in bytes.
    Pss(Hash, usize),
    Ecdsa(Hash),
}

const RSA_PKCS1: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
const RSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
const MGF1: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08];
const ECDSA_SHA2: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03];

impl Scheme {
    /// From a DER AlgorithmIdentifier (a certificate's `signatureAlgorithm`). SHA-1 and the
    /// rest of what Web PKI no longer issues give `None`.
    pub fn from_algorithm_der(der: &[u8]) -> Option<Scheme> {
        let alg = tlv::expect(der, 0, 0x30, "AlgorithmIdentifier").ok()?;
        let oid = tlv::expect(der, alg.content.start, 0x06, "algorithm").ok()?;
        let oid_bytes = &der[oid.content];
        match oid_bytes.split_last()? {
            (11, RSA_PKCS1) => Some(Scheme::Pkcs1(Hash::Sha256)),
            (12, RSA_PKCS1) => Some(Scheme::Pkcs1(Hash::Sha384)),
            (13, RSA_PKCS1) => Some(Scheme::Pkcs1(Hash::Sha512)),
            (2, ECDSA_SHA2) => Some(Scheme::Ecdsa(Hash::Sha256)),
            (3, ECDSA_SHA2) => Some(Scheme::Ecdsa(Hash::Sha384)),
            (4, ECDSA_SHA2) => Some(Scheme::Ecdsa(Hash::Sha512)),
            _ if oid_bytes == RSA_PSS => {
                let params = tlv::expect(der, oid.whole.end, 0x30, "RSASSA-PSS-params").ok()?;
                pss_params(&der[..params.content.end], params.content)
            }
            _ => None,
        }
    }

    /// True when `signature` over `message` verifies under the key in `spki_der`. Malformed
    /// or unsupported keys and signatures, and key/scheme mismatches, are "does not verify".
    pub fn verify(self, spki_der: &[u8], message: &[u8], signature: &[u8]) -> bool {
        // A pin set's issuer keys are tried in turn: skip the wrong key type before paying
        // for the RSA modulus set-up.
        let rsa_scheme = !matches!(self, Scheme::Ecdsa(_));
        if Spki::parse(spki_der).map_or(true, |spki| spki.is_rsa() != rsa_scheme) {
            return false;
        }
        let Some(key) = PublicKey::from_spki(spki_der) else {
            return false;
        };
        match (self, key) {
            (Scheme::Pkcs1(hash), PublicKey::Rsa(key)) => {
                key.verify_pkcs1(hash, &hash.digest(message), signature)
            }
            (Scheme::Pss(hash, salt), PublicKey::Rsa(key)) => {
                key.verify_pss(hash, salt, &hash.digest(message), signature)
            }
            (Scheme::Ecdsa(hash), PublicKey::Ec(curve, point)) => {
                ec::verify(curve, &point, signature, &hash.digest(message))
            }
            _ => false,
        }
    }
}

/// RSASSA-PSS-params (RFC 4055 §3.1): the defaults are SHA-1 and are refused; the MGF must be
/// MGF1 over the same hash, the trailer field 1.
fn pss_params(der: &[u8], content: core::ops::Range<usize>) -> Option<Scheme> {
    let (mut hash, mut mgf_hash, mut salt) = (None, None, 20usize);
    for field in tlv::children(der, content) {
        let field = field.ok()?;
        let inner = tlv::read(&der[..field.content.end], field.content.start).ok()?;
        if inner.whole.end != field.content.end {
            return None;
        }
        match field.tag {
            0xa0 => hash = Some(algorithm_hash(der, &inner)?),
            0xa1 => {
                let oid = tlv::expect(der, inner.content.start, 0x06, "MGF").ok()?;
                if der[oid.content.clone()] != *MGF1 {
                    return None;
                }
                let params = tlv::read(&der[..inner.content.end], oid.whole.end).ok()?;
                mgf_hash = Some(algorithm_hash(der, &params)?);
            }
            0xa2 => salt = small_integer(&der[inner.content.clone()], inner.tag)?,
            0xa3 => {
                if small_integer(&der[inner.content.clone()], inner.tag)? != 1 {
                    return None;
                }
            }
            _ => return None,
        }
    }
    let hash = hash?;
    (mgf_hash? == hash).then_some(Scheme::Pss(hash, salt))
}

/// The hash named by an AlgorithmIdentifier element (parameters absent or NULL).
fn algorithm_hash(der: &[u8], alg: &tlv::Tlv) -> Option<Hash> {
    if alg.tag != 0x30 {
        return None;
    }
    let oid = tlv::expect(der, alg.content.start, 0x06, "hash").ok()?;
    let rest = &der[oid.whole.end..alg.content.end];
    if !(rest.is_empty() || rest == [0x05, 0x00]) {
        return None;
    }
    Hash::from_oid(&der[oid.content])
}

fn small_integer(content: &[u8], tag: u8) -> Option<usize> {
    if tag != 0x02 || content.is_empty() || content.len() > 4 || content[0] & 0x80 != 0 {
        return None;
    }
    Some(content.iter().fold(0, |acc, &b| acc << 8 | b as usize))
}

/// True when `issuer_spki_der` verifies the leaf's signature over its TBS bytes.
/// Any unsupported or malformed input is simply "does not verify".
pub fn signed_by(leaf: &Cert, issuer_spki_der: &[u8]) -> bool {
    Scheme::from_algorithm_der(leaf.signature_algorithm_der())
        .is_some_and(|scheme| scheme.verify(issuer_spki_der, leaf.tbs_der(), leaf.signature()))
}
