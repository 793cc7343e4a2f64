//! The publisher's secret keys and signing: the only place Pinwatch signs anything.
//!
//! Secret key file: one line, `pinwatch-ed25519-secret:` followed by the base64 of the 32-byte
//! Ed25519 seed (RFC 8032 private key). Public keys and key ids are the core's (`key.rs`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use core::fmt;
use ed25519_dalek::SigningKey;
use pinwatch_core::crypto::key::{decode_32, KeyError, PublicKey};
use pinwatch_core::list::envelope::Envelope;

/// Prefix of the secret key file.
pub const SECRET_PREFIX: &str = "pinwatch-ed25519-secret:";

/// The secret half: an Ed25519 signing key and its public key.
pub struct SecretKey {
    key: SigningKey,
    public: PublicKey,
}

impl SecretKey {
    /// From a 32-byte seed (the RFC 8032 private key). Needs no randomness, so tests can use fixed seeds.
    pub fn from_seed(seed: &[u8; 32]) -> Result<SecretKey, KeyError> {
        let key = SigningKey::from_bytes(seed);
        // A signing key's public key is a full-order point by construction; checked all the same.
        let public = PublicKey::from_bytes(&key.verifying_key().to_bytes())?;
        Ok(SecretKey { key, public })
    }

    /// Reads the secret key file's line; surrounding whitespace is ignored.
    pub fn from_text(text: &str) -> Result<SecretKey, KeyError> {
        let body = text
            .trim()
            .strip_prefix(SECRET_PREFIX)
            .ok_or(KeyError::WrongPrefix(SECRET_PREFIX))?;
        SecretKey::from_seed(&decode_32(body)?)
    }

    /// The secret key file's content, newline included.
    pub fn to_text(&self) -> String {
        format!("{SECRET_PREFIX}{}\n", STANDARD.encode(self.key.as_bytes()))
    }

    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// A detached Ed25519 signature over `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer;
        self.key.sign(message).to_bytes()
    }

    /// Appends this key's signature over `payload` (the envelope's decoded payload).
    pub fn sign_envelope(&self, envelope: &mut Envelope, payload: &[u8]) {
        let signature = self.sign(&envelope.message(payload));
        envelope.push_signature(&self.public.id(), &signature);
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secret, not even in a debug dump.
        write!(f, "SecretKey(public: {})", self.public.to_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pinwatch_core::list::envelope::{Opened, PAYLOAD_TYPE};

    #[test]
    fn secret_key_text_round_trips_and_is_never_a_public_key() {
        let secret = SecretKey::from_seed(&[7; 32]).unwrap();
        let again = SecretKey::from_text(&secret.to_text()).unwrap();
        assert_eq!(again.public(), secret.public());
        assert!(PublicKey::from_text(&secret.to_text()).is_err());
        assert_eq!(
            SecretKey::from_text(&secret.public().to_text()).unwrap_err(),
            KeyError::WrongPrefix(SECRET_PREFIX)
        );
    }

    #[test]
    fn signatures_verify_only_over_the_same_bytes() {
        let secret = SecretKey::from_seed(&[9; 32]).unwrap();
        let sig = secret.sign(b"message");
        assert!(secret.public().verify(b"message", &sig));
        assert!(!secret.public().verify(b"messagE", &sig));
        assert!(!secret.public().verify(b"message", &sig[..63]));
    }

    #[test]
    fn a_signed_envelope_opens_with_the_signers_key() {
        let secret = SecretKey::from_seed(&[3; 32]).unwrap();
        let mut envelope = Envelope::unsigned(PAYLOAD_TYPE, b"{}");
        secret.sign_envelope(&mut envelope, b"{}");
        assert!(envelope.is_signed_by(&secret.public().id()));
        let opened = Opened::from_json(envelope.to_json().as_bytes()).unwrap();
        let sig = STANDARD.decode(&opened.signatures[0].sig).unwrap();
        assert!(secret.public().verify(opened.pae(), &sig));
    }
}
