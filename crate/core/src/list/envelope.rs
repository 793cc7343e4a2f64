//! The signed form of a pin list: a DSSE envelope (github.com/secure-systems-lab/dsse).
//!
//! The payload travels as exact bytes (base64), so what was signed is what is parsed; no JSON
//! canonicalisation is involved. Each signature is Ed25519 over the pre-authentication encoding
//! `PAE(payloadType, payload)`, which binds the payload type into what is signed: a signature
//! made for another kind of document can never be replayed as a pin list.

use crate::crypto::key::KeyId;
use crate::list::json::{self, JsonError};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use core::fmt;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The payload type of a version 1 pin list.
pub const PAYLOAD_TYPE: &str = "application/vnd.pinwatch.pinlist.v1+json";
/// More signatures than any signer set needs; bounds the work one envelope can cause.
pub const MAX_SIGNATURES: usize = 32;
/// More rotation steps than a channel makes in its life; bounds the work one envelope can cause.
pub const MAX_ROTATIONS: usize = 64;

/// Why bytes are not an envelope this build can read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// The JSON guard or serde refused the document.
    Json(JsonError),
    /// `payload` is not standard, padded base64.
    PayloadNotBase64,
    /// More than [`MAX_SIGNATURES`] signatures (how many).
    TooManySignatures(usize),
    /// More than [`MAX_ROTATIONS`] rotation steps (how many).
    TooManyRotations(usize),
}

impl fmt::Display for EnvelopeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvelopeError::Json(e) => write!(f, "not a signed pin list envelope: {e}"),
            EnvelopeError::PayloadNotBase64 => {
                f.write_str("the envelope's payload is not standard base64")
            }
            EnvelopeError::TooManySignatures(n) => {
                write!(
                    f,
                    "the envelope has {n} signatures, at most {MAX_SIGNATURES} are read"
                )
            }
            EnvelopeError::TooManyRotations(n) => {
                write!(
                    f,
                    "the envelope carries {n} rotation steps, at most {MAX_ROTATIONS} are read"
                )
            }
        }
    }
}

impl std::error::Error for EnvelopeError {}

impl From<JsonError> for EnvelopeError {
    fn from(e: JsonError) -> Self {
        EnvelopeError::Json(e)
    }
}

/// One signature: the signer's key id (see `key.rs`) and the base64 Ed25519 signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeSignature {
    pub keyid: String,
    pub sig: String,
}

/// The envelope exactly as it is written. A pin list's envelope may carry `rotations`: the
/// channel's rotation steps, oldest first, each an envelope of its own (see `rotation.rs`).
/// They sit outside the signed payload because each one is signed on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Envelope {
    pub payload_type: String,
    pub payload: String,
    pub signatures: Vec<EnvelopeSignature>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rotations: Vec<Envelope>,
}

/// DSSE v1 pre-authentication encoding: `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`,
/// lengths in ASCII decimal bytes.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let head = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    );
    let mut out = Vec::with_capacity(head.len() + payload.len());
    out.extend_from_slice(head.as_bytes());
    out.extend_from_slice(payload);
    out
}

/// The envelope as acceptance reads it: strings borrowed from the input where they have no
/// escapes, so the largest list's base64 is not copied before it is decoded.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Borrowed<'a> {
    #[serde(borrow)]
    payload_type: Cow<'a, str>,
    #[serde(borrow)]
    payload: Cow<'a, str>,
    signatures: Vec<EnvelopeSignature>,
    #[serde(default)]
    rotations: Vec<Envelope>,
}

/// The signature and rotation counts are bounded, in the envelope and in each rotation step.
fn check_counts(
    signatures: &[EnvelopeSignature],
    rotations: &[Envelope],
) -> Result<(), EnvelopeError> {
    if rotations.len() > MAX_ROTATIONS {
        return Err(EnvelopeError::TooManyRotations(rotations.len()));
    }
    let most = rotations
        .iter()
        .map(|r| r.signatures.len())
        .fold(signatures.len(), usize::max);
    if most > MAX_SIGNATURES {
        return Err(EnvelopeError::TooManySignatures(most));
    }
    Ok(())
}

/// An envelope opened for verification: its type, its signatures, and the PAE with the
/// payload decoded straight into it (one buffer serves as both the signed message and the payload).
#[derive(Debug)]
pub struct Opened {
    pub payload_type: String,
    pub signatures: Vec<EnvelopeSignature>,
    /// The rotation steps the envelope carries, unverified.
    pub rotations: Vec<Envelope>,
    pae: Vec<u8>,
    payload_at: usize,
}

impl Opened {
    /// Guard and parse envelope bytes, and decode the payload. Nothing is verified yet.
    pub fn from_json(bytes: &[u8]) -> Result<Opened, EnvelopeError> {
        let text = json::guard(bytes)?;
        let e: Borrowed<'_> =
            serde_json::from_str(text).map_err(|err| JsonError::Schema(err.to_string()))?;
        check_counts(&e.signatures, &e.rotations)?;
        let encoded = e.payload.as_bytes();
        // Padded base64: 3 bytes per 4 characters, less one per '='.
        if encoded.len() % 4 != 0 {
            return Err(EnvelopeError::PayloadNotBase64);
        }
        let padding = encoded.iter().rev().take(2).filter(|&&c| c == b'=').count();
        let len = encoded.len() / 4 * 3 - padding;
        let mut pae =
            format!("DSSEv1 {} {} {len} ", e.payload_type.len(), e.payload_type).into_bytes();
        let payload_at = pae.len();
        pae.resize(payload_at + base64::decoded_len_estimate(encoded.len()), 0);
        let written = STANDARD
            .decode_slice(encoded, &mut pae[payload_at..])
            .map_err(|_| EnvelopeError::PayloadNotBase64)?;
        if written != len {
            return Err(EnvelopeError::PayloadNotBase64);
        }
        pae.truncate(payload_at + len);
        Ok(Opened {
            payload_type: e.payload_type.into_owned(),
            signatures: e.signatures,
            rotations: e.rotations,
            pae,
            payload_at,
        })
    }

    /// `PAE(payloadType, payload)`: the bytes each signature is over.
    pub fn pae(&self) -> &[u8] {
        &self.pae
    }

    /// The payload bytes, exactly as signed.
    pub fn payload(&self) -> &[u8] {
        &self.pae[self.payload_at..]
    }

    /// The payload bytes, reusing the buffer.
    pub fn into_payload(mut self) -> Vec<u8> {
        self.pae.drain(..self.payload_at);
        self.pae
    }
}

impl Envelope {
    /// Guard and parse envelope bytes. Signatures are not checked here (see `accept.rs`).
    pub fn from_json(bytes: &[u8]) -> Result<Envelope, EnvelopeError> {
        let envelope: Envelope = json::parse(bytes)?;
        check_counts(&envelope.signatures, &envelope.rotations)?;
        Ok(envelope)
    }

    /// The payload bytes, exactly as signed.
    pub fn payload_bytes(&self) -> Result<Vec<u8>, EnvelopeError> {
        STANDARD
            .decode(&self.payload)
            .map_err(|_| EnvelopeError::PayloadNotBase64)
    }

    /// An envelope with no signature yet; signers add theirs with [`Envelope::push_signature`].
    pub fn unsigned(payload_type: &str, payload: &[u8]) -> Envelope {
        Envelope {
            payload_type: payload_type.to_string(),
            payload: STANDARD.encode(payload),
            signatures: Vec::new(),
            rotations: Vec::new(),
        }
    }

    /// What a signer signs: the PAE of this envelope's type and `payload` (its decoded payload).
    pub fn message(&self, payload: &[u8]) -> Vec<u8> {
        pae(&self.payload_type, payload)
    }

    /// Appends signer `id`'s Ed25519 signature over [`Envelope::message`], so signers holding
    /// different keys can sign one after another.
    pub fn push_signature(&mut self, id: &KeyId, signature: &[u8; 64]) {
        self.signatures.push(EnvelopeSignature {
            keyid: id.to_string(),
            sig: STANDARD.encode(signature),
        });
    }

    /// Whether a signature with `id` is already present.
    pub fn is_signed_by(&self, id: &KeyId) -> bool {
        let id = id.to_string();
        self.signatures.iter().any(|s| s.keyid == id)
    }

    /// The payload of `bytes` when they are an envelope, with no signature checked: for lint
    /// and diff, which review content. `None` when the document is not a JSON object with a
    /// `payloadType`, so the caller reads it (and reports its faults) as a payload.
    pub fn unverified_payload(bytes: &[u8]) -> Result<Option<Vec<u8>>, EnvelopeError> {
        #[derive(Deserialize)]
        struct Probe {
            #[serde(rename = "payloadType")]
            payload_type: Option<serde::de::IgnoredAny>,
        }
        match json::parse::<Probe>(bytes) {
            Ok(Probe {
                payload_type: Some(_),
            }) => {}
            _ => return Ok(None),
        }
        Envelope::from_json(bytes)?.payload_bytes().map(Some)
    }

    /// Pretty JSON with a final newline, as the CLI writes it.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::key::PublicKey;
    use ed25519_dalek::Signer as _;

    /// An envelope signed by the RustCrypto implementation (signing is not the core's job).
    fn signed(payload: &[u8], seed: u8) -> (Envelope, PublicKey) {
        let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        let public = PublicKey::from_bytes(&key.verifying_key().to_bytes()).unwrap();
        let mut envelope = Envelope::unsigned(PAYLOAD_TYPE, payload);
        let sig = key.sign(&envelope.message(payload)).to_bytes();
        envelope.push_signature(&public.id(), &sig);
        (envelope, public)
    }

    #[test]
    fn pae_matches_the_dsse_specification() {
        // The test vector of the DSSE protocol document.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
    }

    #[test]
    fn signs_and_reads_back() {
        let (envelope, public) = signed(b"{}", 3);
        let back = Envelope::from_json(envelope.to_json().as_bytes()).unwrap();
        assert_eq!(back, envelope);
        assert_eq!(back.payload_bytes().unwrap(), b"{}");
        let sig = STANDARD.decode(&back.signatures[0].sig).unwrap();
        assert!(public.verify(&pae(PAYLOAD_TYPE, b"{}"), &sig));
        assert!(back.is_signed_by(&public.id()));
    }

    #[test]
    fn opening_gives_the_same_pae_and_payload_as_signing() {
        for payload in [&b""[..], b"{", b"{}", b"{\"a\": 1}", &[0u8; 100]] {
            let json = signed(payload, 3).0.to_json();
            let opened = Opened::from_json(json.as_bytes()).unwrap();
            assert_eq!(opened.payload(), payload);
            assert_eq!(opened.pae(), pae(PAYLOAD_TYPE, payload));
            assert_eq!(opened.signatures.len(), 1);
            assert_eq!(opened.into_payload(), payload);
        }
        // Escaped strings (some encoders write "\/") are read too.
        let escaped = br#"{"payloadType": "a\/b", "payload": "e30=", "signatures": []}"#;
        assert_eq!(Opened::from_json(escaped).unwrap().pae(), pae("a/b", b"{}"));
        for bad in ["e30", "e3=0", "e30==", "!!!!"] {
            let text = format!(r#"{{"payloadType": "x", "payload": "{bad}", "signatures": []}}"#);
            assert_eq!(
                Opened::from_json(text.as_bytes()).unwrap_err(),
                EnvelopeError::PayloadNotBase64,
                "{bad}"
            );
        }
    }

    #[test]
    fn refuses_unknown_fields_and_bad_base64() {
        let text = br#"{"payloadType": "x", "payload": "e30=", "signatures": [], "extra": 1}"#;
        assert!(matches!(
            Envelope::from_json(text),
            Err(EnvelopeError::Json(JsonError::Schema(_)))
        ));
        let text = br#"{"payloadType": "x", "payload": "e30", "signatures": []}"#;
        assert_eq!(
            Envelope::from_json(text).unwrap().payload_bytes(),
            Err(EnvelopeError::PayloadNotBase64)
        );
        assert_eq!(Envelope::unverified_payload(br#"{"version": 1}"#), Ok(None));
        assert_eq!(Envelope::unverified_payload(b"[1, 2"), Ok(None));
        assert_eq!(
            Envelope::unverified_payload(
                br#"{"payloadType": "x", "payload": "e30=", "signatures": []}"#
            ),
            Ok(Some(b"{}".to_vec()))
        );
    }
}
