//! Signing for the tests: the core verifies and never signs, so the lists the tests feed it
//! are signed here with the RustCrypto implementation (an independent one).

use ed25519_dalek::Signer as _;
use pinwatch_core::crypto::key::PublicKey;
use pinwatch_core::list::envelope::Envelope;

pub struct Signer {
    key: ed25519_dalek::SigningKey,
    public: PublicKey,
}

impl Signer {
    pub fn from_seed(seed: &[u8; 32]) -> Signer {
        let key = ed25519_dalek::SigningKey::from_bytes(seed);
        let public = PublicKey::from_bytes(&key.verifying_key().to_bytes()).unwrap();
        Signer { key, public }
    }

    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

/// An envelope with one signature per key, in the given order.
#[allow(dead_code)]
pub fn sign_envelope(payload_type: &str, payload: &[u8], keys: &[&Signer]) -> Envelope {
    let mut envelope = Envelope::unsigned(payload_type, payload);
    for key in keys {
        let signature = key.sign(&envelope.message(payload));
        envelope.push_signature(&key.public().id(), &signature);
    }
    envelope
}
