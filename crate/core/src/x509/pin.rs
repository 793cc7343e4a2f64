//! SPKI pins: base64(SHA-256(SubjectPublicKeyInfo DER)), as HPKP `pin-sha256` (RFC 7469 §2.4).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use core::fmt;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

#[cfg(any(test, target_arch = "wasm32"))]
mod sha256x4;
mod text;

pub(crate) use text::next_pin;
use text::{canonical_base64, COLON, NIBBLES};

/// A SHA-256 digest used as a pin: of an SPKI, or of a whole certificate in the block list.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pin(pub [u8; 32]);

/// Characters of a pin in base64: 32 bytes, padded.
pub(crate) const BASE64_LEN: usize = 44;

/// Why a pin string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PinError {
    /// The text is not standard, padded base64.
    NotBase64,
    /// The text decodes, but not to the 32 bytes of a SHA-256 digest.
    WrongLength(usize),
}

impl fmt::Display for PinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PinError::NotBase64 => f.write_str("pin is not standard base64"),
            PinError::WrongLength(n) => write!(f, "pin decodes to {n} bytes, a SHA-256 pin has 32"),
        }
    }
}

impl std::error::Error for PinError {}

impl Pin {
    /// The pin of a DER-encoded SubjectPublicKeyInfo.
    pub fn of_spki(spki_der: &[u8]) -> Pin {
        Pin::sha256(spki_der)
    }

    /// SHA-256 of arbitrary bytes (a certificate's DER for block-list entries).
    pub fn sha256(bytes: &[u8]) -> Pin {
        Pin(Sha256::digest(bytes).into())
    }

    pub fn to_base64(&self) -> String {
        let mut text = String::with_capacity(BASE64_LEN);
        self.push_base64(&mut text);
        text
    }

    /// Appends the pin's base64 to `out`: a chain's key is written in one buffer, and a
    /// verdict's pins without the general encoder's set-up per call (measured in
    /// tests/bench/bench.mjs, the digest verdict).
    pub fn push_base64(&self, out: &mut String) {
        const DIGITS: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut text = [b'='; BASE64_LEN];
        // 32 = 3 * 10 + 2: ten groups of four digits, then three digits and the pad.
        for (group, digits) in self.0.chunks(3).zip(text.chunks_mut(4)) {
            let byte = |i: usize| u32::from(group.get(i).copied().unwrap_or(0));
            let n = byte(0) << 16 | byte(1) << 8 | byte(2);
            for (i, digit) in digits.iter_mut().enumerate().take(group.len() + 1) {
                *digit = DIGITS[(n >> (18 - 6 * i) & 63) as usize];
            }
        }
        out.push_str(core::str::from_utf8(&text).unwrap_or_default());
    }

    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    pub fn from_base64(text: &str) -> Result<Pin, PinError> {
        if let Some(pin) = canonical_base64(text.as_bytes()) {
            return Ok(pin);
        }
        // Into a buffer on the stack: the hot path (a browser's digests) allocates nothing.
        // (33 bytes: the decoder asks room for its estimate, 3 bytes per 4 characters.)
        let mut out = [0u8; 33];
        if let Ok(32) = STANDARD.decode_slice(text.trim(), &mut out) {
            let mut pin = [0u8; 32];
            pin.copy_from_slice(&out[..32]);
            return Ok(Pin(pin));
        }
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| PinError::NotBase64)?;
        let array: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| PinError::WrongLength(bytes.len()))?;
        Ok(Pin(array))
    }

    /// Accepts base64 (the list format) or hex with optional colons (browser fingerprints).
    pub fn from_base64_or_hex(text: &str) -> Result<Pin, PinError> {
        // One pass over the text (a chain's digests are read on every response): 64 hex digits,
        // colons anywhere between them, else base64.
        let mut out = [0u8; 32];
        let mut digits = 0;
        for &b in text.as_bytes() {
            let nibble = NIBBLES[b as usize];
            if nibble == COLON {
                continue;
            }
            if nibble > 15 || digits == 64 {
                return Pin::from_base64(text);
            }
            out[digits / 2] |= nibble << if digits % 2 == 0 { 4 } else { 0 };
            digits += 1;
        }
        if digits == 64 {
            return Ok(Pin(out));
        }
        Pin::from_base64(text)
    }
}

/// `Pin::sha256` of each message. In WASM several are hashed at once with SIMD128 when that is
/// faster; natively `sha2` uses the CPU's SHA instructions.
pub(crate) fn sha256_each(messages: &[&[u8]]) -> Vec<Pin> {
    #[cfg(target_arch = "wasm32")]
    {
        // A step of the four lanes costs about two `sha2` blocks, and there are at least as
        // many steps as the longest message has blocks: one certificate and its SPKI (a
        // `certFacts` call) are faster one by one, a chain's six messages four at a time.
        let blocks = |m: &&[u8]| (m.len() + 9).div_ceil(64);
        let total: usize = messages.iter().map(blocks).sum();
        let longest = messages.iter().map(blocks).max().unwrap_or(0);
        if total > 2 * longest.max(total.div_ceil(4)) {
            return sha256x4::digest_each(messages)
                .into_iter()
                .map(Pin)
                .collect();
        }
    }
    messages.iter().map(|m| Pin::sha256(m)).collect()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    // Into a buffer of the final size, not `String::push` (a capacity check per digit): a
    // verdict writes ~500 digits.
    let mut digits = vec![0u8; bytes.len() * 2];
    for (pair, b) in digits.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[(b >> 4) as usize];
        pair[1] = DIGITS[(b & 15) as usize];
    }
    String::from_utf8(digits).unwrap_or_default()
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pin({})", self.to_base64())
    }
}

impl fmt::Display for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl Serialize for Pin {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_base64())
    }
}

impl<'de> Deserialize<'de> for Pin {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Pin, D::Error> {
        let text = String::deserialize(d)?;
        Pin::from_base64(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_base64() {
        let pin = Pin::sha256(b"abc");
        assert_eq!(Pin::from_base64(&pin.to_base64()).unwrap(), pin);
        assert_eq!(
            pin.to_base64(),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
    }

    #[test]
    fn refuses_wrong_lengths_and_junk() {
        assert_eq!(Pin::from_base64("AAAA"), Err(PinError::WrongLength(3)));
        assert_eq!(Pin::from_base64("not base64!"), Err(PinError::NotBase64));
    }

    #[test]
    fn base64_matches_the_general_encoder() {
        let mut pins: Vec<Pin> = (0u32..2000)
            .map(|i| Pin::sha256(&i.to_le_bytes()))
            .collect();
        pins.extend([Pin([0; 32]), Pin([0xff; 32])]);
        let mut key = String::new();
        for pin in &pins {
            assert_eq!(pin.to_base64(), STANDARD.encode(pin.0));
            pin.push_base64(&mut key);
        }
        let joined: String = pins.iter().map(|p| STANDARD.encode(p.0)).collect();
        assert_eq!(key, joined);
    }

    /// The reading before the one-pass loop: filter the colons, count, check, decode.
    fn reference_base64_or_hex(text: &str) -> Result<Pin, PinError> {
        let digits = text.bytes().filter(|b| *b != b':');
        if digits.clone().count() == 64 && digits.clone().all(|b| b.is_ascii_hexdigit()) {
            let nibble = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
            let mut out = [0u8; 32];
            for (i, b) in digits.enumerate() {
                out[i / 2] |= nibble(b) << if i % 2 == 0 { 4 } else { 0 };
            }
            return Ok(Pin(out));
        }
        Pin::from_base64(text)
    }

    #[test]
    fn reads_hex_and_base64_as_before() {
        let pin = Pin::sha256(b"abc");
        let hex = pin.to_hex();
        let colon: Vec<String> = pin.0.iter().map(|b| format!("{b:02X}")).collect();
        let colon = colon.join(":");
        // 44 characters of hex digits and '=' are base64 (33 bytes, so refused as a pin).
        let hexlike_base64 = format!("{}=", &hex[..43]);
        let inputs = [
            hex.clone(),
            hex.to_uppercase(),
            colon.clone(),
            format!(":{colon}:"),
            colon.replace(':', "::"),
            hex[..63].to_string(),
            format!("{hex}0"),
            format!("{hex}:0"),
            format!("{}g", &hex[..63]),
            format!("{}:", &hex[..62]),
            hexlike_base64,
            pin.to_base64(),
            format!(" {} ", pin.to_base64()),
            format!("{}:", pin.to_base64()),
            String::new(),
            ":".repeat(64),
            "é".repeat(32),
            "AAAA".into(),
        ];
        for text in &inputs {
            assert_eq!(
                Pin::from_base64_or_hex(text),
                reference_base64_or_hex(text),
                "{text:?}"
            );
        }
        assert_eq!(Pin::from_base64_or_hex(&colon).unwrap(), pin);
    }

    #[test]
    fn reads_colon_hex_fingerprints() {
        let pin = Pin::sha256(b"abc");
        let colon: Vec<String> = pin.0.iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(Pin::from_base64_or_hex(&colon.join(":")).unwrap(), pin);
        assert_eq!(Pin::from_base64_or_hex(&pin.to_hex()).unwrap(), pin);
        assert_eq!(
            Pin::from_base64_or_hex(&colon.join(":").to_lowercase()).unwrap(),
            pin
        );
    }

    #[test]
    fn refuses_near_misses_of_both_forms() {
        let hex = Pin::sha256(b"abc").to_hex();
        // One hex digit short or long, or one that is not hex: read as base64, which refuses it.
        assert!(Pin::from_base64_or_hex(&hex[1..]).is_err());
        assert!(Pin::from_base64_or_hex(&format!("{hex}0")).is_err());
        assert!(Pin::from_base64_or_hex(&format!("g{}", &hex[1..])).is_err());
        // Base64 of 31 and 33 bytes keeps its exact length error.
        assert_eq!(
            Pin::from_base64(&STANDARD.encode([7u8; 33])),
            Err(PinError::WrongLength(33))
        );
        assert_eq!(
            Pin::from_base64(&STANDARD.encode([7u8; 31])),
            Err(PinError::WrongLength(31))
        );
    }
}
