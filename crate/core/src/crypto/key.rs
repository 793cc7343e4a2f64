//! Signing keys as people handle them: a one-line public key text that can be pasted into a
//! policy or an options page, the key id derived from it, the secret key file, and signer sets.
//!
//! Public key: `pinwatch-ed25519:` followed by the standard, padded base64 of the 32-byte
//! Ed25519 public key. The base64 decoder refuses non-canonical encodings, so one key has exactly
//! one text form.
//!
//! Key id: the lower-case hex SHA-256 of that text form (ASCII, no newline), i.e.
//! `tr -d '\n' < NAME.pub | sha256sum`. Hashing the text rather than the raw bytes binds the
//! algorithm name into the id, so a future key type can never share an id with an Ed25519 key.
//!
//! Secret keys and signing belong to the publisher's tool (the CLI crate), never to the core.

use crate::crypto::ed25519;
use crate::x509::pin::hex;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use core::fmt;
use sha2::{Digest, Sha256};
use std::collections::HashSet;

/// Prefix of the public key text form.
pub const PUBLIC_PREFIX: &str = "pinwatch-ed25519:";
/// More keys than any signer set needs; bounds the signature checks a list can cause.
pub const MAX_SIGNER_KEYS: usize = 16;

/// Why a key, a key file or a signer set was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The text does not start with the expected prefix (which one).
    WrongPrefix(&'static str),
    /// The part after the prefix is not canonical, padded, standard base64.
    NotBase64,
    /// The key decodes to the wrong number of bytes (how many).
    WrongLength(usize),
    /// The 32 bytes are not a point on the Ed25519 curve.
    NotOnCurve,
    /// A small-order key, under which forged signatures could verify.
    WeakKey,
    /// A signer set with no keys.
    NoKeys,
    /// A signer set with more than [`MAX_SIGNER_KEYS`] keys.
    TooManyKeys(usize),
    /// The same key twice in one signer set (its key id).
    DuplicateKey(String),
    /// A threshold of zero would accept an unsigned list.
    ZeroThreshold,
    /// A threshold higher than the number of keys can never be met.
    ThresholdTooHigh { threshold: u32, keys: usize },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::WrongPrefix(prefix) => {
                write!(f, "not a Pinwatch key: it must start with {prefix:?}")
            }
            KeyError::NotBase64 => f.write_str("the key is not canonical base64"),
            KeyError::WrongLength(n) => {
                write!(f, "the key decodes to {n} bytes, an Ed25519 key has 32")
            }
            KeyError::NotOnCurve => f.write_str("the key is not a valid Ed25519 public key"),
            KeyError::WeakKey => f.write_str("the key is a weak (small-order) Ed25519 key"),
            KeyError::NoKeys => f.write_str("the signer set has no keys"),
            KeyError::TooManyKeys(n) => write!(
                f,
                "the signer set has {n} keys, at most {MAX_SIGNER_KEYS} are allowed"
            ),
            KeyError::DuplicateKey(id) => write!(f, "the signer set lists the key {id} twice"),
            KeyError::ZeroThreshold => {
                f.write_str("the threshold is 0: at least one signature must be required")
            }
            KeyError::ThresholdTooHigh { threshold, keys } => {
                write!(
                    f,
                    "the threshold {threshold} is more than the {keys} keys of the signer set"
                )
            }
        }
    }
}

impl std::error::Error for KeyError {}

/// A key id: SHA-256 of the public key's text form.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 32]);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// An Ed25519 public key that signs pin lists.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    key: [u8; 32],
    id: KeyId,
}

impl PublicKey {
    /// Reads the one-line text form; surrounding whitespace (a trailing newline) is ignored.
    pub fn from_text(text: &str) -> Result<PublicKey, KeyError> {
        PublicKey::from_bytes(&PublicKey::bytes_of_text(text)?)
    }

    /// The 32 bytes a key's text carries, not yet checked to be a usable point (`from_bytes`).
    pub fn bytes_of_text(text: &str) -> Result<[u8; 32], KeyError> {
        let body = text
            .trim()
            .strip_prefix(PUBLIC_PREFIX)
            .ok_or(KeyError::WrongPrefix(PUBLIC_PREFIX))?;
        decode_32(body)
    }

    pub fn from_bytes(bytes: &[u8; 32]) -> Result<PublicKey, KeyError> {
        match ed25519::is_small_order_key(bytes) {
            None => Err(KeyError::NotOnCurve),
            Some(true) => Err(KeyError::WeakKey),
            Some(false) => Ok(PublicKey::of_checked_point(*bytes)),
        }
    }

    fn of_checked_point(key: [u8; 32]) -> PublicKey {
        PublicKey {
            id: KeyId(Sha256::digest(text_of(&key).as_bytes()).into()),
            key,
        }
    }

    /// The canonical one-line text form (what `NAME.pub` holds, without the newline).
    pub fn to_text(&self) -> String {
        text_of(&self.key)
    }

    pub fn id(&self) -> KeyId {
        self.id
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.key
    }

    /// Strict verification (RFC 8032 with canonical `S` and no small-order `R`), so one
    /// signature has one encoding and cannot be malleated into a second "distinct" one.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        ed25519::verify(&self.key, message, signature)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_text())
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

fn text_of(key: &[u8; 32]) -> String {
    format!("{PUBLIC_PREFIX}{}", STANDARD.encode(key))
}

/// The 32 bytes of a key text's body: canonical, padded, standard base64 only.
pub fn decode_32(body: &str) -> Result<[u8; 32], KeyError> {
    let bytes = STANDARD.decode(body).map_err(|_| KeyError::NotBase64)?;
    bytes
        .as_slice()
        .try_into()
        .map_err(|_| KeyError::WrongLength(bytes.len()))
}

/// A set of signer keys and how many of them must sign. Valid by construction: at least one
/// key, no key twice, and `1 <= threshold <= keys`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerSet {
    keys: Vec<PublicKey>,
    threshold: u32,
}

impl SignerSet {
    pub fn new(keys: Vec<PublicKey>, threshold: u32) -> Result<SignerSet, KeyError> {
        if keys.is_empty() {
            return Err(KeyError::NoKeys);
        }
        if keys.len() > MAX_SIGNER_KEYS {
            return Err(KeyError::TooManyKeys(keys.len()));
        }
        let mut seen = HashSet::new();
        for key in &keys {
            if !seen.insert(key.id()) {
                return Err(KeyError::DuplicateKey(key.id().to_string()));
            }
        }
        if threshold == 0 {
            return Err(KeyError::ZeroThreshold);
        }
        if threshold as usize > keys.len() {
            return Err(KeyError::ThresholdTooHigh {
                threshold,
                keys: keys.len(),
            });
        }
        Ok(SignerSet { keys, threshold })
    }

    /// From key texts, as a payload's `next_signers` or a policy names them.
    pub fn from_texts<S: AsRef<str>>(texts: &[S], threshold: u32) -> Result<SignerSet, KeyError> {
        if texts.len() > MAX_SIGNER_KEYS {
            return Err(KeyError::TooManyKeys(texts.len()));
        }
        let keys = texts
            .iter()
            .map(|t| PublicKey::from_text(t.as_ref()))
            .collect::<Result<_, _>>()?;
        SignerSet::new(keys, threshold)
    }

    pub fn keys(&self) -> &[PublicKey] {
        &self.keys
    }

    pub fn threshold(&self) -> u32 {
        self.threshold
    }

    pub fn get(&self, id: &str) -> Option<&PublicKey> {
        self.keys.iter().find(|k| k.id().to_string() == id)
    }

    /// The key texts, in the set's order.
    pub fn texts(&self) -> Vec<String> {
        self.keys.iter().map(PublicKey::to_text).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The public key of an Ed25519 seed, from the RustCrypto implementation (a test oracle).
    fn public_of(seed: u8) -> PublicKey {
        let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        PublicKey::from_bytes(&key.verifying_key().to_bytes()).unwrap()
    }

    #[test]
    fn text_form_round_trips_and_ids_are_hashes_of_it() {
        let expected = public_of(7);
        let text = expected.to_text();
        assert!(text.starts_with(PUBLIC_PREFIX));
        let public = PublicKey::from_text(&format!("  {text}\n")).unwrap();
        assert_eq!(public, expected);
        assert_eq!(
            public.id().to_string(),
            hex(&Sha256::digest(text.as_bytes()))
        );
    }

    #[test]
    fn refuses_wrong_keys() {
        assert_eq!(
            PublicKey::from_text("ssh-ed25519 AAAA"),
            Err(KeyError::WrongPrefix(PUBLIC_PREFIX))
        );
        assert_eq!(
            PublicKey::from_text("pinwatch-ed25519:AAAA"),
            Err(KeyError::WrongLength(3))
        );
        assert_eq!(
            PublicKey::from_text("pinwatch-ed25519:!!"),
            Err(KeyError::NotBase64)
        );
        // The identity point is small-order: every signature "by" it would be forgeable.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(PublicKey::from_bytes(&identity), Err(KeyError::WeakKey));
        let secret_as_public = format!("pinwatch-ed25519-secret:{}", STANDARD.encode([1u8; 32]));
        assert!(PublicKey::from_text(&secret_as_public).is_err());
    }

    #[test]
    fn signer_sets_are_valid_by_construction() {
        let (a, b) = (public_of(1), public_of(2));
        assert!(SignerSet::new(vec![a, b], 2).is_ok());
        assert_eq!(SignerSet::new(vec![a, b], 0), Err(KeyError::ZeroThreshold));
        assert_eq!(
            SignerSet::new(vec![a, b], 3),
            Err(KeyError::ThresholdTooHigh {
                threshold: 3,
                keys: 2
            })
        );
        assert_eq!(
            SignerSet::new(vec![a, a], 1),
            Err(KeyError::DuplicateKey(a.id().to_string()))
        );
        assert_eq!(SignerSet::new(vec![], 1), Err(KeyError::NoKeys));
    }
}
