//! A minimal DER walk: tags and lengths, nothing of what they mean (that is `cert.rs`'s and
//! `pubkey.rs`'s). Why our own walk and not a full X.509 decoder: docs/design.md, "The DER walk".

use core::fmt;
use core::ops::Range;

/// Why DER bytes could not be walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DerError {
    /// The bytes end before the element does.
    Truncated,
    /// A length field that cannot be read (indefinite, over four bytes, or overflowing).
    BadLength,
    /// A tag other than the one the structure puts there (what was expected).
    UnexpectedTag(&'static str),
}

impl fmt::Display for DerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DerError::Truncated => f.write_str("DER is truncated"),
            DerError::BadLength => f.write_str("DER has an unreadable length"),
            DerError::UnexpectedTag(what) => write!(f, "DER has a wrong tag where {what} belongs"),
        }
    }
}

/// One DER element: its tag and the ranges of the whole element and of its content.
pub(crate) struct Tlv {
    pub tag: u8,
    pub whole: Range<usize>,
    pub content: Range<usize>,
}

pub(crate) const BOOLEAN: u8 = 0x01;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const OID: u8 = 0x06;
pub(crate) const UTC_TIME: u8 = 0x17;
pub(crate) const GENERALIZED_TIME: u8 = 0x18;
pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const SET: u8 = 0x31;

pub(crate) fn read(b: &[u8], at: usize) -> Result<Tlv, DerError> {
    let tag = *b.get(at).ok_or(DerError::Truncated)?;
    if tag & 0x1f == 0x1f {
        // High tag numbers never occur in the parts of X.509 walked here.
        return Err(DerError::UnexpectedTag("a low-numbered tag"));
    }
    let first = *b.get(at + 1).ok_or(DerError::Truncated)?;
    let (len, header) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return Err(DerError::BadLength);
        }
        let bytes = b.get(at + 2..at + 2 + n).ok_or(DerError::Truncated)?;
        (
            bytes.iter().fold(0usize, |acc, &x| (acc << 8) | x as usize),
            2 + n,
        )
    };
    let start = at + header;
    let end = start.checked_add(len).ok_or(DerError::BadLength)?;
    if end > b.len() {
        return Err(DerError::Truncated);
    }
    Ok(Tlv {
        tag,
        whole: at..end,
        content: start..end,
    })
}

pub(crate) fn expect(b: &[u8], at: usize, tag: u8, what: &'static str) -> Result<Tlv, DerError> {
    let tlv = read(b, at)?;
    if tlv.tag != tag {
        return Err(DerError::UnexpectedTag(what));
    }
    Ok(tlv)
}

/// The elements directly inside `range`, in order; stops at the first malformed one.
pub(crate) fn children(
    b: &[u8],
    range: Range<usize>,
) -> impl Iterator<Item = Result<Tlv, DerError>> + '_ {
    let mut at = range.start;
    let end = range.end;
    core::iter::from_fn(move || {
        if at >= end {
            return None;
        }
        let item = read(&b[..end], at);
        at = match &item {
            Ok(t) => t.whole.end,
            Err(_) => end,
        };
        Some(item)
    })
}

/// Dotted-decimal text of an OID's content bytes.
pub(crate) fn oid_text(bytes: &[u8]) -> String {
    let mut out = String::new();
    push_oid_text(&mut out, bytes);
    out
}

pub(crate) fn push_oid_text(out: &mut String, bytes: &[u8]) {
    use core::fmt::Write as _;
    let mut value: u64 = 0;
    let mut first = true;
    for &b in bytes {
        value = (value << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            // Writing to a String cannot fail.
            let _ = if first {
                let top = (value / 40).min(2);
                write!(out, "{top}.{}", value - top * 40)
            } else {
                write!(out, ".{value}")
            };
            first = false;
            value = 0;
        }
    }
}
