//! A guard run before any JSON reaches serde: size, UTF-8, nesting depth and duplicate keys.
//! serde_json would silently keep the last of two equal keys; in a signed document that lets a
//! verifier and a reviewer read different values, so duplicates are refused outright.

use core::fmt;
use std::collections::HashSet;

/// The largest list or envelope accepted, before parsing.
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;
/// The deepest nesting of objects and arrays accepted.
pub const MAX_DEPTH: usize = 32;

/// Why a JSON document was refused before parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonError {
    /// Larger than [`MAX_DOCUMENT_BYTES`].
    TooLarge(usize),
    /// Not valid UTF-8 (byte offset of the first bad byte).
    InvalidUtf8(usize),
    /// Objects and arrays nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// An object has the same key twice.
    DuplicateKey(String),
    /// Not JSON at all (byte offset and what was wrong).
    Syntax(usize, &'static str),
    /// Well-formed JSON that does not match the expected document (serde's message).
    Schema(String),
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::TooLarge(n) => write!(
                f,
                "document is {n} bytes, the limit is {MAX_DOCUMENT_BYTES}"
            ),
            JsonError::InvalidUtf8(at) => write!(f, "document is not valid UTF-8 (byte {at})"),
            JsonError::TooDeep => write!(f, "JSON nests deeper than {MAX_DEPTH} levels"),
            JsonError::DuplicateKey(k) => write!(f, "JSON object has the key {k:?} twice"),
            JsonError::Syntax(at, what) => write!(f, "not valid JSON at byte {at}: {what}"),
            JsonError::Schema(msg) => write!(f, "JSON does not match the format: {msg}"),
        }
    }
}

impl std::error::Error for JsonError {}

/// Checks `bytes` and returns them as text, or the first reason to refuse them.
pub fn guard(bytes: &[u8]) -> Result<&str, JsonError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(JsonError::TooLarge(bytes.len()));
    }
    let text = core::str::from_utf8(bytes).map_err(|e| JsonError::InvalidUtf8(e.valid_up_to()))?;
    scan(text.as_bytes())?;
    Ok(text)
}

/// Guard, then deserialize.
pub fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    let text = guard(bytes)?;
    serde_json::from_str(text).map_err(|e| JsonError::Schema(e.to_string()))
}

enum Frame {
    Array,
    Object(HashSet<String>),
}

fn scan(b: &[u8]) -> Result<(), JsonError> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' | b'[' => {
                if stack.len() == MAX_DEPTH {
                    return Err(JsonError::TooDeep);
                }
                stack.push(if b[i] == b'{' {
                    Frame::Object(HashSet::new())
                } else {
                    Frame::Array
                });
                i += 1;
            }
            b'}' | b']' => {
                if stack.pop().is_none() {
                    return Err(JsonError::Syntax(i, "unbalanced bracket"));
                }
                i += 1;
            }
            b'"' => {
                let (value, end) = read_string(b, i)?;
                // A string directly followed by ':' inside an object is a key.
                let mut j = end;
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                if j < b.len() && b[j] == b':' {
                    match stack.last_mut() {
                        Some(Frame::Object(keys)) => {
                            if !keys.insert(value.clone()) {
                                return Err(JsonError::DuplicateKey(value));
                            }
                        }
                        _ => return Err(JsonError::Syntax(j, "':' outside an object")),
                    }
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    if !stack.is_empty() {
        return Err(JsonError::Syntax(b.len(), "unexpected end of document"));
    }
    Ok(())
}

/// Reads the string starting at the quote at `start`; returns its decoded value and the index after it.
fn read_string(b: &[u8], start: usize) -> Result<(String, usize), JsonError> {
    let mut out: Vec<u16> = Vec::new();
    let mut raw = String::new();
    let mut i = start + 1;
    let mut has_escape = false;
    let begin = i;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let value = if has_escape {
                    String::from_utf16(&out)
                        .map_err(|_| JsonError::Syntax(i, "lone surrogate in string"))?
                } else {
                    // Valid UTF-8 was checked by the caller; slicing at ASCII quotes stays on boundaries.
                    raw.push_str(
                        core::str::from_utf8(&b[begin..i])
                            .map_err(|_| JsonError::InvalidUtf8(begin))?,
                    );
                    raw
                };
                return Ok((value, i + 1));
            }
            b'\\' => {
                if !has_escape {
                    has_escape = true;
                    let prefix = core::str::from_utf8(&b[begin..i])
                        .map_err(|_| JsonError::InvalidUtf8(begin))?;
                    out.extend(prefix.encode_utf16());
                }
                let esc = *b
                    .get(i + 1)
                    .ok_or(JsonError::Syntax(i, "unterminated string"))?;
                i += 2;
                let unit = match esc {
                    b'"' => '"' as u16,
                    b'\\' => '\\' as u16,
                    b'/' => '/' as u16,
                    b'b' => 8,
                    b'f' => 12,
                    b'n' => 10,
                    b'r' => 13,
                    b't' => 9,
                    b'u' => {
                        let hex = b
                            .get(i..i + 4)
                            .ok_or(JsonError::Syntax(i, "short \\u escape"))?;
                        let hex = core::str::from_utf8(hex)
                            .map_err(|_| JsonError::Syntax(i, "bad \\u escape"))?;
                        i += 4;
                        u16::from_str_radix(hex, 16)
                            .map_err(|_| JsonError::Syntax(i, "bad \\u escape"))?
                    }
                    _ => return Err(JsonError::Syntax(i, "unknown escape")),
                };
                out.push(unit);
            }
            c => {
                if has_escape {
                    // Copy one whole UTF-8 character.
                    let len = match c {
                        0x00..=0x7f => 1,
                        0xc0..=0xdf => 2,
                        0xe0..=0xef => 3,
                        _ => 4,
                    };
                    let ch =
                        core::str::from_utf8(b.get(i..i + len).ok_or(JsonError::InvalidUtf8(i))?)
                            .map_err(|_| JsonError::InvalidUtf8(i))?;
                    out.extend(ch.encode_utf16());
                    i += len;
                } else {
                    i += 1;
                }
            }
        }
    }
    Err(JsonError::Syntax(start, "unterminated string"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_json() {
        assert!(guard(br#"{"a": [1, {"b": "x\"y"}], "c": "\u00e9", "d": {"a": 1}}"#).is_ok());
    }

    #[test]
    fn refuses_duplicate_keys_even_when_escaped() {
        assert_eq!(
            guard(br#"{"a": 1, "a": 2}"#),
            Err(JsonError::DuplicateKey("a".into()))
        );
        assert_eq!(
            guard(br#"{"a": 1, "\u0061": 2}"#),
            Err(JsonError::DuplicateKey("a".into()))
        );
        assert!(guard(br#"{"x": {"a": 1}, "y": {"a": 2}}"#).is_ok());
    }

    #[test]
    fn refuses_depth_size_and_bad_utf8() {
        let deep = format!("{}{}", "[".repeat(33), "]".repeat(33));
        assert_eq!(guard(deep.as_bytes()), Err(JsonError::TooDeep));
        let ok = format!("{}{}", "[".repeat(32), "]".repeat(32));
        assert!(guard(ok.as_bytes()).is_ok());
        assert_eq!(
            guard(&vec![b' '; MAX_DOCUMENT_BYTES + 1]),
            Err(JsonError::TooLarge(MAX_DOCUMENT_BYTES + 1))
        );
        assert_eq!(guard(b"{\"a\": \"\xff\"}"), Err(JsonError::InvalidUtf8(7)));
    }

    #[test]
    fn refuses_truncation() {
        assert!(guard(br#"{"a": [1, 2"#).is_err());
        assert!(guard(br#"{"a": "x"#).is_err());
        assert!(guard(br#"{"a\"#).is_err());
    }
}
