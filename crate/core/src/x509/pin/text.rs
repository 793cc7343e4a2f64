//! Pins in text, read fast in the two forms every response brings (a chain's digests as the
//! browser writes them): canonical base64 and colon-separated hex pairs. Each reads exactly what
//! the general readers in `pin.rs` read, and leaves anything else to them.

use super::{Pin, PinError, BASE64_LEN};

/// The next pin of a text of pins separated by ASCII white space, from byte `at`: the pin (or
/// why the word is not one) and where its word ends; `None` when only white space is left.
/// The same as `split_ascii_whitespace` and `Pin::from_base64_or_hex` on each word, in one pass
/// for the two forms a browser writes (a chain's digests are read on every response): a word
/// of canonical base64 or of colon-separated hex pairs is read where it starts, without first
/// looking for its end.
pub(crate) fn next_pin(text: &str, at: usize) -> Option<(Result<Pin, PinError>, usize)> {
    let bytes = text.as_bytes();
    let start = at
        + bytes
            .get(at..)?
            .iter()
            .position(|b| !b.is_ascii_whitespace())?;
    let ends_at = |len: usize| {
        let end = start + len;
        (end == bytes.len() || bytes.get(end).is_some_and(u8::is_ascii_whitespace))
            .then(|| &bytes[start..end])
    };
    // Neither form holds white space, so a word read whole by either ends exactly there.
    if let Some(pin) = ends_at(BASE64_LEN).and_then(canonical_base64) {
        return Some((Ok(pin), start + BASE64_LEN));
    }
    if let Some(pin) = ends_at(COLON_HEX_LEN).and_then(colon_hex_pairs) {
        return Some((Ok(pin), start + COLON_HEX_LEN));
    }
    let len = bytes[start..]
        .iter()
        .position(u8::is_ascii_whitespace)
        .unwrap_or(bytes.len() - start);
    let end = start + len;
    Some((Pin::from_base64_or_hex(&text[start..end]), end))
}

/// Characters of a pin as Firefox writes a fingerprint: 32 hex pairs and 31 colons.
const COLON_HEX_LEN: usize = 95;

/// `AB:CD:…` exactly (32 pairs, upper or lower case), else `None`.
fn colon_hex_pairs(text: &[u8]) -> Option<Pin> {
    let text: &[u8; COLON_HEX_LEN] = text.try_into().ok()?;
    let mut pin = [0u8; 32];
    // "AB:" 31 times, then "AB".
    for (byte, pair) in pin.iter_mut().zip(text.chunks(3)) {
        let (high, low) = (NIBBLES[pair[0] as usize], NIBBLES[pair[1] as usize]);
        if high > 15 || low > 15 || pair.get(2).is_some_and(|&c| c != b':') {
            return None;
        }
        *byte = high << 4 | low;
    }
    Some(Pin(pin))
}

/// Each byte's value as a hex digit; `COLON` for ':'; 0xff for anything else.
pub(super) const NIBBLES: [u8; 256] = {
    let mut values = [0xff; 256];
    let mut i = 0;
    while i < 16 {
        values[b"0123456789abcdef"[i] as usize] = i as u8;
        values[b"0123456789ABCDEF"[i] as usize] = i as u8;
        i += 1;
    }
    values[b':' as usize] = COLON;
    values
};
pub(super) const COLON: u8 = 0xfe;

/// The pin of 44 characters of standard base64 as the list format and a browser write it (43
/// digits, the last with its two unused bits zero, and one pad), read without the general
/// decoder's set-up: every verdict from digests reads three. `None` for anything else, which
/// the general decoder then reads or refuses.
pub(super) fn canonical_base64(text: &[u8]) -> Option<Pin> {
    const fn table() -> [u8; 256] {
        let digits = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut values = [0xff; 256];
        let mut i = 0;
        while i < 64 {
            values[digits[i] as usize] = i as u8;
            i += 1;
        }
        values
    }
    const VALUES: [u8; 256] = table();
    let (b'=', digits) = text.split_last()? else {
        return None;
    };
    let digits: &[u8; BASE64_LEN - 1] = digits.try_into().ok()?;
    // The bits of a group of digits, `None` if one is not a base64 digit.
    let read = |group: &[u8]| {
        group.iter().try_fold(0u32, |bits, c| {
            let value = VALUES[*c as usize];
            (value < 64).then_some(bits << 6 | u32::from(value))
        })
    };
    let mut pin = [0u8; 32];
    // Ten groups of four digits make 30 bytes; three digits are left for the last two.
    let mut groups = digits.chunks_exact(4);
    for (bytes, group) in pin.chunks_exact_mut(3).zip(&mut groups) {
        bytes.copy_from_slice(&read(group)?.to_be_bytes()[1..]);
    }
    let bits = read(groups.remainder())?;
    // 18 bits, of which the first 16 are the last two bytes and the other two must be zero.
    if bits & 3 != 0 {
        return None;
    }
    pin[30..].copy_from_slice(&((bits >> 2) as u16).to_be_bytes());
    Some(Pin(pin))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;

    #[test]
    fn reads_base64_as_the_general_decoder() {
        let mut inputs: Vec<String> = (0u32..2000)
            .map(|i| STANDARD.encode(Pin::sha256(&i.to_le_bytes()).0))
            .collect();
        let pin = STANDARD.encode(Pin::sha256(b"abc").0);
        // Unused bits set in the last digit ('0' is 52: 110100), other lengths and pads, a
        // digit outside the alphabet, URL-safe digits, spaces around.
        inputs.extend([
            format!("{}1=", &pin[..42]),
            format!("{}=", &pin[..43]),
            format!("{}==", &pin[..42]),
            format!("{pin}="),
            pin[..43].to_string(),
            format!("{}.=", &pin[..42]),
            format!("{}-{}", &pin[..10], &pin[11..]),
            format!("{}_{}", &pin[..10], &pin[11..]),
            format!(" {pin}\n"),
            "=".repeat(44),
            "A".repeat(43) + "=",
        ]);
        for text in &inputs {
            let general = STANDARD.decode(text.trim()).ok().filter(|b| b.len() == 32);
            let read = Pin::from_base64(text).ok().map(|p| p.0.to_vec());
            assert_eq!(read, general, "{text:?}");
        }
    }

    #[test]
    fn reads_pins_in_a_text_as_words_one_by_one() {
        let pin = Pin::sha256(b"abc");
        let b64 = pin.to_base64();
        let upper: Vec<String> = pin.0.iter().map(|b| format!("{b:02X}")).collect();
        let upper = upper.join(":");
        let words = [
            b64.clone(),
            upper.clone(),
            upper.to_lowercase(),
            pin.to_hex(),
            format!("{upper}:"),
            format!(":{}", &upper[1..]),
            upper.replacen(':', "-", 1),
            format!("{}G", &upper[..94]),
            format!("{}1=", &b64[..42]),
            format!("{}é", &b64[..42]),
            format!("{b64}x"),
            format!("{upper}x"),
            b64[..43].to_string(),
            "nope".into(),
            "é".into(),
        ];
        let gaps = [" ", "\t", "\n ", "\x0c", "\r\n", "  ", "é"];
        let mut texts = vec![String::new(), " ".into(), "\t\n".into()];
        for (i, a) in words.iter().enumerate() {
            for (j, b) in words.iter().enumerate() {
                let gap = gaps[(i + j) % gaps.len()];
                let lead = gaps[i % gaps.len()];
                texts.push(format!("{a}{gap}{b}"));
                texts.push(format!("{lead}{a}{gap}{b}{lead}"));
                texts.push(format!("{a}{b}"));
            }
        }
        for text in &texts {
            let mut read = Vec::new();
            let mut at = 0;
            while let Some((pin, end)) = next_pin(text, at) {
                read.push(pin);
                at = end;
            }
            let words: Vec<_> = text
                .split_ascii_whitespace()
                .map(Pin::from_base64_or_hex)
                .collect();
            assert_eq!(read, words, "{text:?}");
        }
    }
}
