//! The lists' own JSON parser: a document (size and UTF-8 checked by [`json::checked_text`])
//! into a small tree that `list/json_read.rs` reads field by field, refusing what the guard of
//! `list/json.rs` refuses (nesting past its depth, a key twice) on the way.
//!
//! Why not serde_json: a list is read at every engine build, in the WebAssembly module every
//! wake loads, and serde_json's parser with the `Deserialize` derives of every list type cost
//! that module ~20 KB gzip. The grammar is RFC 8259's, refused the way serde_json refuses it;
//! `tests/json_differential.rs` and the `payload` fuzz target hold every list type read here
//! against serde_json reading the same text.
//!
//! [`json::checked_text`]: crate::list::json::checked_text

use crate::list::json::{JsonError, LINEAR_KEYS, MAX_DEPTH};
use std::borrow::Cow;
use std::collections::HashSet;

/// A JSON value. Objects keep their members in document order (the guard refused duplicates);
/// strings without escapes borrow from the text, so a list's keys cost no allocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Json<'a> {
    Null,
    Bool(bool),
    Number(Number),
    String(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

/// A number as serde_json would hand it to a visitor: an integer it holds exactly, or a float
/// (a fraction, an exponent, or an integer too large). No list field takes a float, so its
/// value is not kept (nor is a float parser carried for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Number {
    Unsigned(u64),
    Negative(i64),
    Float,
}

impl<'a> Json<'a> {
    /// What the value is, in serde's words, for "invalid type" messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(Number::Float) => "a floating point number",
            Json::Number(_) => "an integer",
            Json::String(_) => "a string",
            Json::Array(_) => "a sequence",
            Json::Object(_) => "a map",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json<'a>]> {
        match self {
            Json::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[(Cow<'a, str>, Json<'a>)]> {
        match self {
            Json::Object(o) => Some(o),
            _ => None,
        }
    }

    /// The member `key` of an object; `None` for anything else.
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        self.as_object()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Reads a whole document: one value, whitespace around it, nothing else.
    pub fn parse(text: &'a str) -> Result<Json<'a>, JsonError> {
        let mut p = Parser {
            b: text.as_bytes(),
            i: 0,
            depth: 0,
        };
        let value = p.value()?;
        p.skip_ws();
        if p.i != p.b.len() {
            return Err(JsonError::Syntax(p.i, "trailing characters"));
        }
        Ok(value)
    }
}

/// The string whose opening quote is at `start`, decoded: how the guard compares escaped keys.
pub(crate) fn string_at(b: &[u8], start: usize) -> Result<String, JsonError> {
    Parser {
        b,
        i: start,
        depth: 0,
    }
    .string()
    .map(Cow::into_owned)
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Result<u8, JsonError> {
        self.skip_ws();
        self.b
            .get(self.i)
            .copied()
            .ok_or(JsonError::Syntax(self.i, "unexpected end of document"))
    }

    fn expect(&mut self, c: u8, what: &'static str) -> Result<(), JsonError> {
        if self.peek()? != c {
            return Err(JsonError::Syntax(self.i, what));
        }
        self.i += 1;
        Ok(())
    }

    fn value(&mut self) -> Result<Json<'a>, JsonError> {
        match self.peek()? {
            b'{' => self.nested(Parser::object),
            b'[' => self.nested(Parser::array),
            b'"' => Ok(Json::String(self.string()?)),
            b't' => self.word("true", Json::Bool(true)),
            b'f' => self.word("false", Json::Bool(false)),
            b'n' => self.word("null", Json::Null),
            b'-' | b'0'..=b'9' => self.number().map(Json::Number),
            _ => Err(JsonError::Syntax(self.i, "expected value")),
        }
    }

    fn nested(
        &mut self,
        read: fn(&mut Self) -> Result<Json<'a>, JsonError>,
    ) -> Result<Json<'a>, JsonError> {
        if self.depth == MAX_DEPTH {
            return Err(JsonError::TooDeep);
        }
        self.depth += 1;
        self.i += 1;
        let value = read(self)?;
        self.depth -= 1;
        Ok(value)
    }

    /// An object; a key it already has is refused (as the guard refuses it), by a linear
    /// search while the object is small and a hash set past that, so no object is quadratic.
    fn object(&mut self) -> Result<Json<'a>, JsonError> {
        let mut members: Vec<(Cow<'a, str>, Json<'a>)> = Vec::new();
        let mut seen: Option<HashSet<Cow<'a, str>>> = None;
        if self.peek()? == b'}' {
            self.i += 1;
            return Ok(Json::Object(members));
        }
        loop {
            if self.peek()? != b'"' {
                return Err(JsonError::Syntax(self.i, "expected a key"));
            }
            let key = self.string()?;
            if seen.is_none() && members.len() == LINEAR_KEYS {
                seen = Some(members.iter().map(|(k, _)| k.clone()).collect());
            }
            let twice = match &mut seen {
                Some(seen) => !seen.insert(key.clone()),
                None => members.iter().any(|(k, _)| *k == key),
            };
            if twice {
                return Err(JsonError::DuplicateKey(key.into_owned()));
            }
            self.expect(b':', "expected `:`")?;
            members.push((key, self.value()?));
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Ok(Json::Object(members));
                }
                _ => return Err(JsonError::Syntax(self.i, "expected `,` or `}`")),
            }
        }
    }

    fn array(&mut self) -> Result<Json<'a>, JsonError> {
        let mut items = Vec::new();
        if self.peek()? == b']' {
            self.i += 1;
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value()?);
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(JsonError::Syntax(self.i, "expected `,` or `]`")),
            }
        }
    }

    fn word(&mut self, word: &'static str, value: Json<'a>) -> Result<Json<'a>, JsonError> {
        if !self.b[self.i..].starts_with(word.as_bytes()) {
            return Err(JsonError::Syntax(self.i, "expected value"));
        }
        self.i += word.len();
        Ok(value)
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Number, JsonError> {
        let negative = self.b[self.i] == b'-';
        if negative {
            self.i += 1;
        }
        let int_start = self.i;
        match self.digits() {
            0 => return Err(JsonError::Syntax(self.i, "invalid number")),
            n if n > 1 && self.b[int_start] == b'0' => {
                return Err(JsonError::Syntax(int_start, "invalid number"))
            }
            _ => {}
        }
        let mut float = false;
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(JsonError::Syntax(self.i, "invalid number"));
            }
            float = true;
        }
        if let Some(b'e' | b'E') = self.b.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.b.get(self.i) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(JsonError::Syntax(self.i, "invalid number"));
            }
            float = true;
        }
        if float {
            return Ok(Number::Float);
        }
        // What does not fit an integer is a float to serde_json too.
        let mut n: u64 = 0;
        for &d in &self.b[int_start..self.i] {
            match n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(d - b'0')))
            {
                Some(next) => n = next,
                None => return Ok(Number::Float),
            }
        }
        Ok(match negative {
            false => Number::Unsigned(n),
            // serde_json reads `-0` as the float -0.0, as it reads what an i64 cannot hold.
            true if n == 0 || n > 1 << 63 => Number::Float,
            true => Number::Negative((n as i64).wrapping_neg()),
        })
    }

    /// A string at the opening quote, its escapes decoded; control characters are refused.
    /// Without escapes it borrows from the text.
    fn string(&mut self) -> Result<Cow<'a, str>, JsonError> {
        let start = self.i;
        self.i += 1;
        let mut decoded: Option<String> = None;
        loop {
            let run = self.i;
            while let Some(&c) = self.b.get(self.i) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            // The document is UTF-8 and the run stops only at ASCII bytes: char boundaries.
            let text = core::str::from_utf8(&self.b[run..self.i])
                .map_err(|_| JsonError::InvalidUtf8(run))?;
            match self.b.get(self.i) {
                None => return Err(JsonError::Syntax(start, "unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(match decoded {
                        None => Cow::Borrowed(text),
                        Some(mut out) => {
                            out.push_str(text);
                            Cow::Owned(out)
                        }
                    });
                }
                Some(b'\\') => {
                    let out = decoded.get_or_insert_with(String::new);
                    out.push_str(text);
                    self.escape(out)?;
                }
                Some(_) => return Err(JsonError::Syntax(self.i, "control character in string")),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), JsonError> {
        let at = self.i;
        let c = *self
            .b
            .get(self.i + 1)
            .ok_or(JsonError::Syntax(at, "unterminated string"))?;
        self.i += 2;
        out.push(match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                let code = match unit {
                    0xD800..=0xDBFF => {
                        if !self.b[self.i..].starts_with(b"\\u") {
                            return Err(JsonError::Syntax(at, "lone surrogate in string"));
                        }
                        self.i += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(JsonError::Syntax(at, "lone surrogate in string"));
                        }
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00)
                    }
                    0xDC00..=0xDFFF => {
                        return Err(JsonError::Syntax(at, "lone surrogate in string"))
                    }
                    _ => u32::from(unit),
                };
                char::from_u32(code).ok_or(JsonError::Syntax(at, "bad \\u escape"))?
            }
            _ => return Err(JsonError::Syntax(at, "unknown escape")),
        });
        Ok(())
    }

    fn hex4(&mut self) -> Result<u16, JsonError> {
        let hex = self
            .b
            .get(self.i..self.i + 4)
            .ok_or(JsonError::Syntax(self.i, "short \\u escape"))?;
        let mut unit = 0u16;
        for &h in hex {
            let d = (h as char)
                .to_digit(16)
                .ok_or(JsonError::Syntax(self.i, "bad \\u escape"))?;
            unit = unit << 4 | d as u16;
        }
        self.i += 4;
        Ok(unit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_values_and_refuses_what_is_not_json() {
        let v = Json::parse(r#" {"a": [1, -2, 1.5, "x\u00e9\ud83d\ude00", true, null], "b": {}} "#)
            .unwrap();
        let a = v.get("a").and_then(Json::as_array).unwrap();
        assert_eq!(a[0], Json::Number(Number::Unsigned(1)));
        assert_eq!(a[1], Json::Number(Number::Negative(-2)));
        assert_eq!(a[2], Json::Number(Number::Float));
        assert_eq!(a[3].as_str(), Some("xé😀"));
        assert!(matches!(v.as_object().unwrap()[0].0, Cow::Borrowed("a")));
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "01",
            "1.",
            "-",
            "1e",
            "[1] 2",
            "\"a\nb\"",
            "tru",
            "{\"a\":1,}",
            "\"\\ud83d\"",
            "\"\\x\"",
            "'a'",
            "[.5]",
            "+1",
        ] {
            assert!(Json::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Json::parse("18446744073709551616"),
            Ok(Json::Number(Number::Float))
        );
        assert_eq!(
            Json::parse("18446744073709551615"),
            Ok(Json::Number(Number::Unsigned(u64::MAX)))
        );
        assert_eq!(
            Json::parse("-9223372036854775808"),
            Ok(Json::Number(Number::Negative(i64::MIN)))
        );
        assert_eq!(
            Json::parse("-9223372036854775809"),
            Ok(Json::Number(Number::Float))
        );
        assert_eq!(Json::parse("-0"), Ok(Json::Number(Number::Float)));
    }

    #[test]
    fn refuses_a_key_twice_in_small_and_large_objects() {
        assert_eq!(
            Json::parse(r#"{"a": 1, "\u0061": 2}"#),
            Err(JsonError::DuplicateKey("a".into()))
        );
        let many: Vec<String> = (0..100)
            .map(|i| format!("\"k{i}\": {{\"k{i}\": 1}}"))
            .collect();
        assert!(Json::parse(&format!("{{{}}}", many.join(", "))).is_ok());
        assert_eq!(
            Json::parse(&format!("{{{}, \"k7\": 2}}", many.join(", "))),
            Err(JsonError::DuplicateKey("k7".into()))
        );
    }

    #[test]
    fn depth_is_bounded_without_recursing_past_it() {
        let deep = format!("{}{}", "[".repeat(33), "]".repeat(33));
        assert_eq!(Json::parse(&deep), Err(JsonError::TooDeep));
        let ok = format!("{}{}", "[".repeat(32), "]".repeat(32));
        assert!(Json::parse(&ok).is_ok());
        // A document far deeper than the bound is refused at the bound, not by the stack.
        let hostile = "[".repeat(1_000_000);
        assert_eq!(Json::parse(&hostile), Err(JsonError::TooDeep));
    }
}
