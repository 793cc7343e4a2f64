//! The Certificate Transparency SCTs a certificate carries in its own extension (RFC 6962 §3.3),
//! read for people: which logs, and when. Nothing here verifies an SCT's signature: that needs
//! the logs' keys, and no log list is bundled (docs/design.md, "SCT facts").
//!
//! The extension value is a DER OCTET STRING wrapping a second one, whose content is the
//! TLS-encoded `SignedCertificateTimestampList`: a u16 length, then each SCT as a u16 length
//! and its bytes. Every byte of it is written by whoever made the certificate.
//!
//! Only v1 SCTs are read. An SCT of another version is counted and skipped, as RFC 6962 §3.3
//! means clients to: each SCT has its own length prefix precisely so that one of a version a
//! client does not know can be stepped over while the rest of the list is still read.

use crate::time::format_rfc3339;
use crate::x509::der::{self, DerError, OCTET_STRING};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use core::fmt;
use serde::Serialize;

/// The extension's OID, 1.3.6.1.4.1.11129.2.4.2, as DER content bytes.
pub(crate) const SCT_LIST_OID: &[u8] =
    &[0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02];

/// The most SCTs a list may hold before it is refused. Real certificates carry two to five; a
/// u16 list can hold over 20,000 one-byte entries, and each would cost a step.
pub const MAX_SCTS: usize = 256;
/// The most SCTs described in facts: every verdict record carries a leaf's facts into storage,
/// and no CT policy asks for more than five.
pub const MAX_SCTS_LISTED: usize = 8;

/// Why an SCT list could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SctError {
    /// The extension value is not a DER OCTET STRING around the list (RFC 6962 wraps it twice).
    NotWrapped,
    /// The bytes end inside a fixed-size field or a length prefix.
    Truncated,
    /// A length prefix claims more bytes than what holds it has left (which length).
    LengthMismatch(&'static str),
    /// Bytes left over after the list, or after the last field of one SCT (how many).
    TrailingBytes(usize),
    /// More than [`MAX_SCTS`] SCTs in the list.
    TooMany,
    /// An SCT of a version other than v1 (the version byte).
    UnsupportedVersion(u8),
    /// A list with no SCT in it, which RFC 6962 does not allow.
    Empty,
}

impl fmt::Display for SctError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SctError::NotWrapped => f.write_str("SCT list is not wrapped in an OCTET STRING"),
            SctError::Truncated => f.write_str("SCT list is truncated"),
            SctError::LengthMismatch(what) => {
                write!(
                    f,
                    "SCT list: the {what} length runs past the bytes holding it"
                )
            }
            SctError::TrailingBytes(n) => write!(f, "SCT list has {n} bytes of trailing data"),
            SctError::TooMany => write!(f, "SCT list has more than {MAX_SCTS} entries"),
            SctError::UnsupportedVersion(v) => write!(f, "SCT version {v} is not v1"),
            SctError::Empty => f.write_str("SCT list is empty"),
        }
    }
}

impl std::error::Error for SctError {}

/// One v1 SCT, as read and not verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sct {
    /// SHA-256 of the log's public key.
    pub log_id: [u8; 32],
    /// When the log promised to include the certificate, in milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    pub hash_algorithm: u8,
    pub signature_algorithm: u8,
}

/// A list as read: how many SCTs it holds and the first of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SctList {
    /// Every SCT in the list, of any version.
    pub count: usize,
    /// How many of them are of a version other than v1 (counted, not read).
    pub unknown_versions: usize,
    /// The v1 SCTs in list order, at most [`MAX_SCTS_LISTED`].
    pub scts: Vec<Sct>,
}

/// TLS presentation-language reads over a slice; each read moves past what it returns.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SctError> {
        if n > self.0.len() {
            return Err(SctError::Truncated);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], SctError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// A u16-length-prefixed vector; `what` names it when its length overruns.
    fn vec16(&mut self, what: &'static str) -> Result<&'a [u8], SctError> {
        let len = usize::from(u16::from_be_bytes(self.array()?));
        self.take(len).map_err(|_| SctError::LengthMismatch(what))
    }

    fn finish(&self) -> Result<(), SctError> {
        match self.0.len() {
            0 => Ok(()),
            n => Err(SctError::TrailingBytes(n)),
        }
    }
}

impl Sct {
    /// One `SerializedSCT`'s bytes (without its length prefix).
    pub fn parse(bytes: &[u8]) -> Result<Sct, SctError> {
        let mut r = Reader(bytes);
        let [version] = r.array()?;
        if version != 0 {
            return Err(SctError::UnsupportedVersion(version));
        }
        let log_id = r.array()?;
        let timestamp_ms = u64::from_be_bytes(r.array()?);
        r.vec16("SCT extensions")?;
        let [hash_algorithm, signature_algorithm] = r.array()?;
        r.vec16("SCT signature")?;
        r.finish()?;
        Ok(Sct {
            log_id,
            timestamp_ms,
            hash_algorithm,
            signature_algorithm,
        })
    }
}

/// The list in the extension's value (the content of the certificate's `extnValue`).
pub fn read_extension(extn_value: &[u8]) -> Result<SctList, SctError> {
    let inner = der::read(extn_value, 0).map_err(|e| match e {
        DerError::Truncated => SctError::Truncated,
        _ => SctError::NotWrapped,
    })?;
    if inner.tag != OCTET_STRING {
        return Err(SctError::NotWrapped);
    }
    Reader(&extn_value[inner.whole.end..]).finish()?;
    read_list(&extn_value[inner.content])
}

/// A TLS-encoded `SignedCertificateTimestampList`. Stops at [`MAX_SCTS`] + 1 entries, so an
/// attacker's list costs at most that many steps and [`MAX_SCTS_LISTED`] allocations.
pub fn read_list(tls: &[u8]) -> Result<SctList, SctError> {
    let mut outer = Reader(tls);
    let mut list = Reader(outer.vec16("list")?);
    outer.finish()?;
    if list.0.is_empty() {
        return Err(SctError::Empty);
    }
    let mut out = SctList {
        count: 0,
        unknown_versions: 0,
        scts: Vec::new(),
    };
    while !list.0.is_empty() {
        if out.count == MAX_SCTS {
            return Err(SctError::TooMany);
        }
        out.count += 1;
        match Sct::parse(list.vec16("SCT")?) {
            Ok(sct) if out.scts.len() < MAX_SCTS_LISTED => out.scts.push(sct),
            Ok(_) => {}
            Err(SctError::UnsupportedVersion(_)) => out.unknown_versions += 1,
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// What a person is shown about a certificate's SCT list.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SctFacts {
    /// How many SCTs the list holds, of any version; 0 when it could not be read.
    pub count: usize,
    /// The v1 SCTs in list order, at most [`MAX_SCTS_LISTED`].
    pub logs: Vec<SctLog>,
    /// How many SCTs are of a version other than v1: counted, not read.
    pub unknown_versions: usize,
    /// Why the list could not be read, when it could not.
    pub error: Option<String>,
}

/// One SCT for people. Not verified: any log id and time can be written here.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SctLog {
    /// The log id (SHA-256 of the log's key), base64 as log lists write it.
    pub log_id: String,
    /// ISO 8601 UTC, with milliseconds.
    pub timestamp: String,
    /// Milliseconds since the Unix epoch; JavaScript reads it exactly below 2^53.
    pub timestamp_ms: u64,
    /// Always 0 (v1) today; kept so that a stored record says which version it describes.
    pub version: u8,
    /// TLS `HashAlgorithm` (4 = SHA-256).
    pub hash_algorithm: u8,
    /// TLS `SignatureAlgorithm` (1 = RSA, 3 = ECDSA).
    pub signature_algorithm: u8,
}

impl SctFacts {
    /// The facts of an extension value; a list that cannot be read gives facts with `error` set.
    pub fn of_extension(extn_value: &[u8]) -> SctFacts {
        match read_extension(extn_value) {
            Ok(list) => SctFacts {
                count: list.count,
                logs: list.scts.iter().map(SctLog::of).collect(),
                unknown_versions: list.unknown_versions,
                error: None,
            },
            Err(e) => SctFacts {
                count: 0,
                logs: Vec::new(),
                unknown_versions: 0,
                error: Some(e.to_string()),
            },
        }
    }
}

impl SctLog {
    fn of(sct: &Sct) -> SctLog {
        SctLog {
            log_id: STANDARD.encode(sct.log_id),
            timestamp: timestamp_text(sct.timestamp_ms),
            timestamp_ms: sct.timestamp_ms,
            version: 0,
            hash_algorithm: sct.hash_algorithm,
            signature_algorithm: sct.signature_algorithm,
        }
    }
}

/// `ms` as RFC 3339 UTC with milliseconds: SCTs from one issuance differ by milliseconds.
pub fn timestamp_text(ms: u64) -> String {
    // u64::MAX ms is about 1.8e16 s: well inside i64.
    let mut text = format_rfc3339((ms / 1000) as i64);
    text.pop();
    text.push('.');
    // Not `format!`: every real leaf of every verdict has two to five of these.
    let frac = (ms % 1000) as u32;
    text.extend([frac / 100, frac / 10 % 10, frac % 10].map(|d| char::from(b'0' + d as u8)));
    text.push('Z');
    text
}
