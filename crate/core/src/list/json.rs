//! A guard run before any JSON is read (by the lists' own reader, `json_read`, or by serde for
//! envelopes and the CLI's documents): size, UTF-8, nesting depth and duplicate keys. A reader
//! that kept one of two equal keys would let a verifier and a reviewer read different values
//! of a signed document, so duplicates are refused outright.

use core::fmt;
use std::borrow::Cow;
use std::collections::HashSet;

use crate::list::json_tree;

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
    /// Well-formed JSON that does not match the expected document (the reader's message).
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
    let text = checked_text(bytes)?;
    scan(text.as_bytes())?;
    Ok(text)
}

/// The guard's first half, size and UTF-8: what the lists' own parser (`json_tree`) needs
/// before it reads, since it refuses depth and duplicate keys itself as it goes.
pub fn checked_text(bytes: &[u8]) -> Result<&str, JsonError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(JsonError::TooLarge(bytes.len()));
    }
    core::str::from_utf8(bytes).map_err(|e| JsonError::InvalidUtf8(e.valid_up_to()))
}

/// Guard, then deserialize with serde (envelopes, rotation statements, the CLI's documents; a
/// list payload and extra entries go through `json_read`, the module every wake loads has no
/// serde parser).
pub fn parse<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    let text = guard(bytes)?;
    serde_json::from_str(text).map_err(|e| JsonError::Schema(e.to_string()))
}

/// An open array or object. An object's keys live in one shared stack from `first_key` on;
/// only an object with many keys gets a hash set, so the common small object costs no allocation
/// and a huge one cannot make the duplicate check quadratic.
enum Frame {
    Array,
    Object {
        first_key: usize,
        set: Option<HashSet<String>>,
    },
}

/// Objects with more keys than this switch from a linear search to a hash set.
pub(crate) const LINEAR_KEYS: usize = 16;

fn scan(b: &[u8]) -> Result<(), JsonError> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut keys: Vec<Cow<'_, str>> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' | b'[' => {
                if stack.len() == MAX_DEPTH {
                    return Err(JsonError::TooDeep);
                }
                stack.push(if b[i] == b'{' {
                    Frame::Object {
                        first_key: keys.len(),
                        set: None,
                    }
                } else {
                    Frame::Array
                });
                i += 1;
            }
            b'}' | b']' => {
                match stack.pop() {
                    None => return Err(JsonError::Syntax(i, "unbalanced bracket")),
                    Some(Frame::Object { first_key, .. }) => keys.truncate(first_key),
                    Some(Frame::Array) => {}
                }
                i += 1;
            }
            b'"' => {
                let (end, escaped) = string_end(b, i)?;
                // A string directly followed by ':' inside an object is a key.
                let mut j = end;
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                if j < b.len() && b[j] == b':' {
                    let Some(Frame::Object { first_key, set }) = stack.last_mut() else {
                        return Err(JsonError::Syntax(j, "':' outside an object"));
                    };
                    let key: Cow<'_, str> = if escaped {
                        // `string_end` checked the escapes; the lists' parser decodes them.
                        Cow::Owned(
                            json_tree::string_at(b, i)
                                .map_err(|_| JsonError::Syntax(i, "bad string escape"))?,
                        )
                    } else {
                        // The whole document is valid UTF-8 and quotes are ASCII: a char boundary.
                        Cow::Borrowed(
                            core::str::from_utf8(&b[i + 1..end - 1])
                                .map_err(|_| JsonError::InvalidUtf8(i))?,
                        )
                    };
                    let duplicate = match set {
                        Some(set) => !set.insert(key.to_string()),
                        None => keys[*first_key..].contains(&key),
                    };
                    if duplicate {
                        return Err(JsonError::DuplicateKey(key.into_owned()));
                    }
                    keys.push(key);
                    if set.is_none() && keys.len() - *first_key > LINEAR_KEYS {
                        *set = Some(keys[*first_key..].iter().map(|k| k.to_string()).collect());
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

/// Finds the end of the string whose quote is at `start`, checking its escapes (including
/// surrogate pairs) without decoding it. Returns the index after the closing quote and whether
/// the string has escapes.
fn string_end(b: &[u8], start: usize) -> Result<(usize, bool), JsonError> {
    let mut i = start + 1;
    let mut escaped = false;
    // A high surrogate must be followed at once by a low one, as String::from_utf16 requires.
    let mut high = false;
    while i < b.len() {
        match b[i] {
            b'"' => {
                if high {
                    return Err(JsonError::Syntax(i, "lone surrogate in string"));
                }
                return Ok((i + 1, escaped));
            }
            b'\\' => {
                escaped = true;
                let esc = *b
                    .get(i + 1)
                    .ok_or(JsonError::Syntax(i, "unterminated string"))?;
                i += 2;
                let unit = match esc {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => None,
                    b'u' => {
                        let hex = b
                            .get(i..i + 4)
                            .ok_or(JsonError::Syntax(i, "short \\u escape"))?;
                        let hex = core::str::from_utf8(hex)
                            .map_err(|_| JsonError::Syntax(i, "bad \\u escape"))?;
                        i += 4;
                        Some(
                            u16::from_str_radix(hex, 16)
                                .map_err(|_| JsonError::Syntax(i, "bad \\u escape"))?,
                        )
                    }
                    _ => return Err(JsonError::Syntax(i, "unknown escape")),
                };
                let is_low = matches!(unit, Some(0xDC00..=0xDFFF));
                if high != is_low {
                    return Err(JsonError::Syntax(i, "lone surrogate in string"));
                }
                high = matches!(unit, Some(0xD800..=0xDBFF));
            }
            _ => {
                if high {
                    return Err(JsonError::Syntax(i, "lone surrogate in string"));
                }
                // Skip plain bytes in bulk: only a quote or a backslash ends the run.
                i += b[i..]
                    .iter()
                    .position(|&c| c == b'"' || c == b'\\')
                    .unwrap_or(b.len() - i);
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
    fn finds_duplicates_in_large_objects_and_after_nested_ones() {
        let many: Vec<String> = (0..100)
            .map(|i| format!("\"k{i}\": {{\"k{i}\": 1}}"))
            .collect();
        let ok = format!("{{{}}}", many.join(", "));
        assert!(guard(ok.as_bytes()).is_ok());
        let dup = format!("{{{}, \"k7\": 2}}", many.join(", "));
        assert_eq!(
            guard(dup.as_bytes()),
            Err(JsonError::DuplicateKey("k7".into()))
        );
        assert_eq!(
            guard(br#"{"a": {"b": 1}, "b": 2, "a": 3}"#),
            Err(JsonError::DuplicateKey("a".into()))
        );
    }

    #[test]
    fn checks_escapes_in_values_too() {
        assert!(guard(br#"{"a": "\ud83d\ude00 \n \u00e9"}"#).is_ok());
        for bad in [
            &br#"["\ud83d"]"#[..],
            br#"["\ude00"]"#,
            br#"["\ud83dx"]"#,
            br#"["\q"]"#,
            br#"["\u12"]"#,
            br#"["\u12zz"]"#,
        ] {
            assert!(
                matches!(guard(bad), Err(JsonError::Syntax(..))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn refuses_truncation() {
        assert!(guard(br#"{"a": [1, 2"#).is_err());
        assert!(guard(br#"{"a": "x"#).is_err());
        assert!(guard(br#"{"a\"#).is_err());
    }
}
