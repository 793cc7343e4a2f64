//! Issuer-key proof: for browsers that hand over only the leaf, check that the leaf's
//! signature verifies under a pinned issuing CA's public key. A forged leaf cannot pass
//! without that CA's private key. A signature proves who issued the leaf, not for what: the
//! pinned CA's leaf for an interceptor's own name (served after someone accepted a name
//! mismatch) vouches only where its names cover the host ([`names_cover`]).

pub use crate::crypto::digest::Hash;
use crate::crypto::ec;
use crate::x509::cert::Cert;
use crate::x509::der::{self, OID, SEQUENCE};
use crate::x509::spki::{PublicKey, Spki};

/// A signature algorithm the proof supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// RSASSA-PKCS1-v1_5.
    Pkcs1(Hash),
    /// RSASSA-PSS with MGF1 over the same hash, and the salt length in bytes.
    Pss(Hash, usize),
    Ecdsa(Hash),
    /// Ed25519 (RFC 8410), verified with the strict rules of the list signatures.
    Ed25519,
}

const RSA_PKCS1: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
const RSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
const MGF1: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08];
const ECDSA_SHA2: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03];
const ED25519: &[u8] = &[0x2b, 0x65, 0x70];

impl Scheme {
    /// From a DER AlgorithmIdentifier (a certificate's `signatureAlgorithm`). SHA-1 and the
    /// rest of what Web PKI no longer issues give `None`.
    pub fn from_algorithm_der(der: &[u8]) -> Option<Scheme> {
        let alg = der::expect(der, 0, SEQUENCE, "AlgorithmIdentifier").ok()?;
        let oid = der::expect(der, alg.content.start, OID, "algorithm").ok()?;
        let oid_bytes = &der[oid.content];
        match oid_bytes.split_last()? {
            (11, RSA_PKCS1) => Some(Scheme::Pkcs1(Hash::Sha256)),
            (12, RSA_PKCS1) => Some(Scheme::Pkcs1(Hash::Sha384)),
            (13, RSA_PKCS1) => Some(Scheme::Pkcs1(Hash::Sha512)),
            (2, ECDSA_SHA2) => Some(Scheme::Ecdsa(Hash::Sha256)),
            (3, ECDSA_SHA2) => Some(Scheme::Ecdsa(Hash::Sha384)),
            (4, ECDSA_SHA2) => Some(Scheme::Ecdsa(Hash::Sha512)),
            // RFC 8410 §3: the parameters are absent.
            _ if oid_bytes == ED25519 && oid.whole.end == alg.content.end => Some(Scheme::Ed25519),
            _ if oid_bytes == RSA_PSS => {
                let params = der::expect(der, oid.whole.end, SEQUENCE, "RSASSA-PSS-params").ok()?;
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
        let Some(spki) = Spki::parse(spki_der) else {
            return false;
        };
        if self == Scheme::Ed25519 {
            return spki.algorithm == ED25519
                && spki.parameters.is_none()
                && <&[u8; 32]>::try_from(spki.key)
                    .is_ok_and(|key| crate::crypto::ed25519::verify(key, message, signature));
        }
        if spki.is_rsa() == matches!(self, Scheme::Ecdsa(_)) {
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
    for field in der::children(der, content) {
        let field = field.ok()?;
        let inner = der::read(&der[..field.content.end], field.content.start).ok()?;
        if inner.whole.end != field.content.end {
            return None;
        }
        match field.tag {
            0xa0 => hash = Some(algorithm_hash(der, &inner)?),
            0xa1 => {
                let oid = der::expect(der, inner.content.start, OID, "MGF").ok()?;
                if der[oid.content.clone()] != *MGF1 {
                    return None;
                }
                let params = der::read(&der[..inner.content.end], oid.whole.end).ok()?;
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
fn algorithm_hash(der: &[u8], alg: &der::Tlv) -> Option<Hash> {
    if alg.tag != 0x30 {
        return None;
    }
    let oid = der::expect(der, alg.content.start, OID, "hash").ok()?;
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

/// True when the key in `spki_der` verifies `signature` over `message` with the algorithm
/// `algorithm_der` names (a certificate's `signatureAlgorithm`). Any unsupported or malformed
/// input is simply "does not verify".
pub fn verify_signature(
    algorithm_der: &[u8],
    spki_der: &[u8],
    message: &[u8],
    signature: &[u8],
) -> bool {
    Scheme::from_algorithm_der(algorithm_der)
        .is_some_and(|scheme| scheme.verify(spki_der, message, signature))
}

/// True when `issuer_spki_der` verifies the leaf's signature over its TBS bytes.
/// Any unsupported or malformed input is simply "does not verify".
pub fn signed_by(leaf: &Cert, issuer_spki_der: &[u8]) -> bool {
    verify_signature(
        leaf.signature_algorithm_der(),
        issuer_spki_der,
        leaf.tbs_der(),
        leaf.signature(),
    )
}

/// Whether one of `leaf`'s SAN dNSNames covers `host` (already normalised: lower case, no
/// trailing dot). The common name is not read, as browsers no longer read it.
pub fn names_cover(leaf: &Cert, host: &str) -> bool {
    leaf.dns_names().iter().any(|name| name_covers(name, host))
}

/// RFC 6125 §6.4 as browsers apply it: equal ignoring ASCII case, or a wildcard that is the
/// whole leftmost label, stands for exactly one non-empty label, and is followed by at least
/// two labels (`*.com` covers nothing).
pub fn name_covers(name: &str, host: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() || !name.is_ascii() || host.is_empty() {
        return false;
    }
    if let Some(rest) = name.strip_prefix("*.") {
        if rest.contains('*') || rest.split('.').count() < 2 || rest.split('.').any(str::is_empty) {
            return false;
        }
        return host
            .split_once('.')
            .is_some_and(|(label, tail)| !label.is_empty() && tail.eq_ignore_ascii_case(rest));
    }
    !name.contains('*') && name.eq_ignore_ascii_case(host)
}
