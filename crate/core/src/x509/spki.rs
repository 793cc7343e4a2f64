//! SubjectPublicKeyInfo (RFC 5280 §4.1.2.7): the structure every pin hashes, and the RSA and
//! EC public keys the issuer-key proof verifies with.

use crate::crypto::ec::NamedCurve;
use crate::crypto::rsassa::RsaPublicKey;
use crate::x509::der::{self, BIT_STRING, INTEGER, OID, SEQUENCE};

const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const SECP256R1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const SECP384R1: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];

/// The parts of one SubjectPublicKeyInfo.
pub struct Spki<'a> {
    /// Content bytes of the algorithm OID.
    pub algorithm: &'a [u8],
    /// The whole parameters element, when present.
    pub parameters: Option<&'a [u8]>,
    /// The public key bits (the BIT STRING without its unused-bits byte).
    pub key: &'a [u8],
}

impl<'a> Spki<'a> {
    /// One SEQUENCE { AlgorithmIdentifier, BIT STRING } with nothing after it.
    pub fn parse(der: &'a [u8]) -> Option<Spki<'a>> {
        let outer = der::expect(der, 0, SEQUENCE, "SubjectPublicKeyInfo").ok()?;
        let alg = der::expect(der, outer.content.start, SEQUENCE, "AlgorithmIdentifier").ok()?;
        let oid = der::expect(der, alg.content.start, OID, "algorithm").ok()?;
        let parameters = match oid.whole.end {
            end if end == alg.content.end => None,
            end => {
                let p = der::read(&der[..alg.content.end], end).ok()?;
                if p.whole.end != alg.content.end {
                    return None;
                }
                Some(&der[p.whole])
            }
        };
        let bits = der::expect(der, alg.whole.end, BIT_STRING, "subjectPublicKey").ok()?;
        if outer.whole.end != der.len() || bits.whole.end != outer.content.end {
            return None;
        }
        let (&unused, key) = der[bits.content].split_first()?;
        if unused != 0 || oid.content.is_empty() {
            return None;
        }
        Some(Spki {
            algorithm: &der[oid.content],
            parameters,
            key,
        })
    }
}

impl Spki<'_> {
    pub fn is_rsa(&self) -> bool {
        self.algorithm == RSA_ENCRYPTION
    }
}

/// A key the issuer-key proof can verify with.
pub enum PublicKey {
    Rsa(RsaPublicKey),
    /// A named curve and its SEC 1 encoded point (checked when used).
    Ec(NamedCurve, Vec<u8>),
}

impl PublicKey {
    /// `None` for malformed keys and for algorithms the proof does not support.
    pub fn from_spki(der: &[u8]) -> Option<PublicKey> {
        let spki = Spki::parse(der)?;
        match spki.algorithm {
            RSA_ENCRYPTION => {
                // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
                let k = spki.key;
                let seq = der::expect(k, 0, SEQUENCE, "RSAPublicKey").ok()?;
                let n = der::expect(k, seq.content.start, INTEGER, "modulus").ok()?;
                let e = der::expect(k, n.whole.end, INTEGER, "publicExponent").ok()?;
                if e.whole.end != seq.content.end || seq.whole.end != k.len() {
                    return None;
                }
                let negative = |v: &[u8]| v.first().is_none_or(|b| b & 0x80 != 0);
                if negative(&k[n.content.clone()]) || negative(&k[e.content.clone()]) {
                    return None;
                }
                RsaPublicKey::new(&k[n.content], &k[e.content]).map(PublicKey::Rsa)
            }
            EC_PUBLIC_KEY => {
                let params = spki.parameters?;
                let curve = der::expect(params, 0, OID, "namedCurve").ok()?;
                let curve = match &params[curve.content] {
                    SECP256R1 => NamedCurve::P256,
                    SECP384R1 => NamedCurve::P384,
                    _ => return None,
                };
                Some(PublicKey::Ec(curve, spki.key.to_vec()))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spki_structure_is_checked_exactly() {
        // An Ed25519 SPKI (RFC 8410 example).
        let good = [
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00, 0x19, 0xbf,
            0x44, 0x09, 0x69, 0x84, 0xcd, 0xfe, 0x85, 0x41, 0xba, 0xc1, 0x67, 0xdc, 0x3b, 0x96,
            0xc8, 0x50, 0x86, 0xaa, 0x30, 0xb6, 0xb6, 0xcb, 0x0c, 0x5c, 0x38, 0xad, 0x70, 0x31,
            0x66, 0xe1,
        ];
        let spki = Spki::parse(&good).unwrap();
        assert_eq!(spki.algorithm, &[0x2b, 0x65, 0x70]);
        assert!(spki.parameters.is_none());
        assert_eq!(spki.key.len(), 32);
        // Not a key the proof uses, but a well-formed SPKI.
        assert!(PublicKey::from_spki(&good).is_none());

        let mut trailing = good.to_vec();
        trailing.push(0);
        assert!(Spki::parse(&trailing).is_none());
        assert!(Spki::parse(&good[..good.len() - 1]).is_none());
        let mut unused_bits = good.to_vec();
        unused_bits[11] = 1;
        assert!(Spki::parse(&unused_bits).is_none());
        assert!(Spki::parse(b"not der").is_none());
        assert!(Spki::parse(&[]).is_none());
    }
}
