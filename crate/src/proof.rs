//! Issuer-key proof: for browsers that hand over only the leaf, check that the leaf's
//! signature verifies under a pinned issuing CA's public key. A forged leaf cannot pass
//! without that CA's private key.

use crate::cert::Cert;
use der::asn1::ObjectIdentifier;
use der::Decode;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, Pss, RsaPublicKey};
use sha2::{Digest, Sha256, Sha384, Sha512};
use signature::hazmat::PrehashVerifier;
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};

#[derive(Clone, Copy)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => Sha256::digest(data).to_vec(),
            Hash::Sha384 => Sha384::digest(data).to_vec(),
            Hash::Sha512 => Sha512::digest(data).to_vec(),
        }
    }

    fn from_oid(oid: &str) -> Option<Hash> {
        match oid {
            "2.16.840.1.101.3.4.2.1" => Some(Hash::Sha256),
            "2.16.840.1.101.3.4.2.2" => Some(Hash::Sha384),
            "2.16.840.1.101.3.4.2.3" => Some(Hash::Sha512),
            _ => None,
        }
    }
}

#[derive(Clone, Copy)]
enum Scheme {
    Pkcs1(Hash),
    Pss(Hash, usize),
    Ecdsa(Hash),
}

fn scheme(signature_algorithm_der: &[u8]) -> Option<Scheme> {
    let alg = AlgorithmIdentifierRef::from_der(signature_algorithm_der).ok()?;
    match alg.oid.to_string().as_str() {
        "1.2.840.113549.1.1.11" => Some(Scheme::Pkcs1(Hash::Sha256)),
        "1.2.840.113549.1.1.12" => Some(Scheme::Pkcs1(Hash::Sha384)),
        "1.2.840.113549.1.1.13" => Some(Scheme::Pkcs1(Hash::Sha512)),
        "1.2.840.10045.4.3.2" => Some(Scheme::Ecdsa(Hash::Sha256)),
        "1.2.840.10045.4.3.3" => Some(Scheme::Ecdsa(Hash::Sha384)),
        "1.2.840.10045.4.3.4" => Some(Scheme::Ecdsa(Hash::Sha512)),
        "1.2.840.113549.1.1.10" => {
            let params: rsa::pkcs1::RsaPssParams = alg.parameters?.decode_as().ok()?;
            let hash = Hash::from_oid(&params.hash.oid.to_string())?;
            // The MGF must use the same hash; other combinations do not occur in Web PKI.
            let mgf_hash = params.mask_gen.parameters.map(|p| p.oid.to_string());
            if mgf_hash
                .as_deref()
                .and_then(Hash::from_oid)
                .map(|h| h as u8)
                != Some(hash as u8)
            {
                return None;
            }
            Some(Scheme::Pss(hash, params.salt_len as usize))
        }
        _ => None,
    }
}

const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const P256: &str = "1.2.840.10045.3.1.7";
const P384: &str = "1.3.132.0.34";

/// True when `issuer_spki_der` verifies the leaf's signature over its TBS bytes.
/// Any unsupported or malformed input is simply "does not verify".
pub fn signed_by(leaf: &Cert, issuer_spki_der: &[u8]) -> bool {
    let Some(scheme) = scheme(leaf.signature_algorithm_der()) else {
        return false;
    };
    let Ok(spki) = SubjectPublicKeyInfoRef::from_der(issuer_spki_der) else {
        return false;
    };
    let sig = leaf.signature();
    let tbs = leaf.tbs_der();
    match scheme {
        Scheme::Pkcs1(hash) | Scheme::Pss(hash, _) => {
            let Ok(key) = RsaPublicKey::from_public_key_der(issuer_spki_der) else {
                return false;
            };
            let digest = hash.digest(tbs);
            let padding_ok = match (scheme, hash) {
                (Scheme::Pkcs1(_), Hash::Sha256) => {
                    key.verify(Pkcs1v15Sign::new::<Sha256>(), &digest, sig)
                }
                (Scheme::Pkcs1(_), Hash::Sha384) => {
                    key.verify(Pkcs1v15Sign::new::<Sha384>(), &digest, sig)
                }
                (Scheme::Pkcs1(_), Hash::Sha512) => {
                    key.verify(Pkcs1v15Sign::new::<Sha512>(), &digest, sig)
                }
                (Scheme::Pss(_, salt), Hash::Sha256) => {
                    key.verify(Pss::new_with_salt::<Sha256>(salt), &digest, sig)
                }
                (Scheme::Pss(_, salt), Hash::Sha384) => {
                    key.verify(Pss::new_with_salt::<Sha384>(salt), &digest, sig)
                }
                (Scheme::Pss(_, salt), Hash::Sha512) => {
                    key.verify(Pss::new_with_salt::<Sha512>(salt), &digest, sig)
                }
                (Scheme::Ecdsa(_), _) => return false,
            };
            padding_ok.is_ok()
        }
        Scheme::Ecdsa(hash) => {
            if spki.algorithm.oid.to_string() != EC_PUBLIC_KEY {
                return false;
            }
            let curve = spki
                .algorithm
                .parameters
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
            let point = spki.subject_public_key.raw_bytes();
            let digest = hash.digest(tbs);
            match curve.map(|c| c.to_string()).as_deref() {
                Some(P256) => {
                    let (Ok(key), Ok(sig)) = (
                        p256::ecdsa::VerifyingKey::from_sec1_bytes(point),
                        p256::ecdsa::Signature::from_der(sig),
                    ) else {
                        return false;
                    };
                    key.verify_prehash(&digest, &sig).is_ok()
                }
                Some(P384) => {
                    let (Ok(key), Ok(sig)) = (
                        p384::ecdsa::VerifyingKey::from_sec1_bytes(point),
                        p384::ecdsa::Signature::from_der(sig),
                    ) else {
                        return false;
                    };
                    key.verify_prehash(&digest, &sig).is_ok()
                }
                _ => false,
            }
        }
    }
}
