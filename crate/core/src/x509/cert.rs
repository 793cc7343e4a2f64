//! Certificates as the verdict needs them: the facts a person reads, and the exact bytes
//! (SPKI, TBS, signature) a pin or a signature check needs.
//!
//! Everything is read by a minimal DER walk over the original bytes (`der.rs`), so the
//! pin is always the hash of the exact SPKI bytes served, never of a re-encoding. A fact that
//! cannot be read is left empty and `parse_note` says so; the pin is still exact.

use crate::time::format_rfc3339;
use crate::x509::der::{expect, read, DerError, Tlv, BIT_STRING, INTEGER, SEQUENCE};
use crate::x509::pin::{hex, sha256_each, Pin};
use crate::x509::sct::SctFacts;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use core::fmt;
use core::ops::Range;
use serde::Serialize;

mod fields;

/// Larger than any real certificate; anything bigger is refused before parsing.
pub const MAX_CERT_BYTES: usize = 64 * 1024;
/// Longer than any chain a browser builds.
pub const MAX_CHAIN_LEN: usize = 16;

/// Why certificate bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertError {
    /// No bytes, or a chain with no certificate in it.
    Empty,
    /// More than [`MAX_CERT_BYTES`] for one certificate, or the whole input far beyond a chain.
    TooLarge(usize),
    /// More than [`MAX_CHAIN_LEN`] certificates.
    ChainTooLong(usize),
    /// The DER ends before the structure does.
    Truncated,
    /// Bytes follow the end of the certificate.
    TrailingData(usize),
    /// A tag other than the one X.509 puts there (what was expected).
    UnexpectedTag(&'static str),
    /// A length field that cannot be read.
    BadLength,
    /// A PEM block whose body is not base64.
    BadPem,
    /// No `BEGIN CERTIFICATE` block in text input.
    NoPemBlock,
}

impl fmt::Display for CertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertError::Empty => f.write_str("no certificate given"),
            CertError::TooLarge(n) => write!(
                f,
                "certificate input is {n} bytes, the limit is {MAX_CERT_BYTES} per certificate"
            ),
            CertError::ChainTooLong(n) => write!(
                f,
                "chain has {n} certificates, at most {MAX_CHAIN_LEN} are read"
            ),
            CertError::Truncated => f.write_str("certificate DER is truncated"),
            CertError::TrailingData(n) => {
                write!(f, "{n} bytes of trailing data after the certificate")
            }
            CertError::UnexpectedTag(what) => {
                write!(f, "certificate DER has a wrong tag where {what} belongs")
            }
            CertError::BadLength => f.write_str("certificate DER has an unreadable length"),
            CertError::BadPem => f.write_str("PEM block body is not base64"),
            CertError::NoPemBlock => f.write_str("no -----BEGIN CERTIFICATE----- block found"),
        }
    }
}

impl std::error::Error for CertError {}

impl From<DerError> for CertError {
    fn from(e: DerError) -> CertError {
        match e {
            DerError::Truncated => CertError::Truncated,
            DerError::BadLength => CertError::BadLength,
            DerError::UnexpectedTag(what) => CertError::UnexpectedTag(what),
            // DerError is non-exhaustive; anything new is a length problem until told otherwise.
            #[allow(unreachable_patterns)]
            _ => CertError::BadLength,
        }
    }
}

/// What a person (popup, warning page, CLI) is shown about one certificate.
/// Strings here come from the certificate and are hostile until rendered as text.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CertFacts {
    pub subject: String,
    pub issuer: String,
    /// At most [`MAX_SAN_NAMES`]; how many more the certificate lists is in `san_dns_more`.
    pub san_dns: Vec<String>,
    pub san_dns_more: usize,
    pub not_before: Option<String>,
    pub not_after: Option<String>,
    pub serial: String,
    /// SHA-256 of the whole DER, hex.
    pub sha256: String,
    /// The SPKI pin, base64.
    pub spki_sha256: String,
    pub key_algorithm: String,
    pub key_bits: Option<u32>,
    pub subject_key_id: Option<String>,
    pub authority_key_id: Option<String>,
    pub is_ca: bool,
    /// The Certificate Transparency SCTs embedded in the certificate, unverified; `None` when it
    /// has no SCT extension (only leaves carry one), `error` set when the list cannot be read.
    pub sct: Option<SctFacts>,
    /// Which facts could not be read, when some could not; the pin is still exact.
    pub parse_note: Option<String>,
}

/// The most of any one text fact that is kept (subject, issuer): an interceptor writes these,
/// and every verdict record carries them into storage.
pub const MAX_NAME_BYTES: usize = 1024;
/// The most SAN names kept; the rest are counted in `san_dns_more`.
pub const MAX_SAN_NAMES: usize = 20;
/// The most of a SAN name, serial, key id or algorithm text that is kept.
const MAX_SHORT_BYTES: usize = 256;

/// `text` cut to at most `max` bytes at a character boundary, marked with "…" when cut.
fn capped(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max.saturating_sub('…'.len_utf8());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// One parsed certificate: its bytes, its pins and its facts.
#[derive(Debug, Clone)]
pub struct Cert {
    der: Vec<u8>,
    spki: Range<usize>,
    tbs: Range<usize>,
    signature_algorithm: Range<usize>,
    signature: Range<usize>,
    issuer: Range<usize>,
    subject: Range<usize>,
    /// Where the issuer's certificate may be fetched (AIA `caIssuers`), as the certificate says.
    pub ca_issuers: Vec<String>,
    pub spki_pin: Pin,
    pub cert_hash: Pin,
    pub not_before: Option<i64>,
    pub not_after: Option<i64>,
    pub facts: CertFacts,
}

/// Where each part of a certificate sits in its DER: the one walk every reader shares.
struct Layout {
    tbs: Tlv,
    signature_algorithm: Tlv,
    signature: Range<usize>,
    serial: Tlv,
    issuer: Tlv,
    validity: Tlv,
    subject: Tlv,
    spki: Tlv,
}

impl Layout {
    fn read(der: &[u8]) -> Result<Layout, CertError> {
        if der.is_empty() {
            return Err(CertError::Empty);
        }
        if der.len() > MAX_CERT_BYTES {
            return Err(CertError::TooLarge(der.len()));
        }
        let outer = expect(der, 0, SEQUENCE, "Certificate")?;
        if outer.whole.end != der.len() {
            return Err(CertError::TrailingData(der.len() - outer.whole.end));
        }
        let tbs = expect(der, outer.content.start, SEQUENCE, "tbsCertificate")?;
        let signature_algorithm = expect(der, tbs.whole.end, SEQUENCE, "signatureAlgorithm")?;
        let sig = expect(
            der,
            signature_algorithm.whole.end,
            BIT_STRING,
            "signatureValue",
        )?;
        // Walk the TBS: [0] version?, serial, signature, issuer, validity, subject, SPKI.
        let mut serial = read(der, tbs.content.start)?;
        if serial.tag == 0xa0 {
            serial = read(der, serial.whole.end)?;
        }
        if serial.tag != INTEGER {
            return Err(CertError::UnexpectedTag("serialNumber"));
        }
        let inner_algorithm = expect(der, serial.whole.end, SEQUENCE, "signature")?;
        let issuer = expect(der, inner_algorithm.whole.end, SEQUENCE, "issuer")?;
        let validity = expect(der, issuer.whole.end, SEQUENCE, "validity")?;
        let subject = expect(der, validity.whole.end, SEQUENCE, "subject")?;
        let spki = expect(der, subject.whole.end, SEQUENCE, "subjectPublicKeyInfo")?;
        if spki.whole.end > tbs.whole.end {
            return Err(CertError::Truncated);
        }
        // The BIT STRING's first content byte counts unused bits; the signature follows it.
        let signature = if sig.content.is_empty() {
            sig.content.clone()
        } else {
            sig.content.start + 1..sig.content.end
        };
        Ok(Layout {
            tbs,
            signature_algorithm,
            signature,
            serial,
            issuer,
            validity,
            subject,
            spki,
        })
    }
}

/// The SPKI pin of one DER certificate, without reading anything a pin does not need.
pub fn spki_pin(der: &[u8]) -> Result<Pin, CertError> {
    let layout = Layout::read(der)?;
    Ok(Pin::of_spki(&der[layout.spki.whole]))
}

impl Cert {
    pub fn from_der(der: &[u8]) -> Result<Cert, CertError> {
        let layout = Layout::read(der)?;
        let digests = sha256_each(&[der, &der[layout.spki.whole.clone()]]);
        Ok(Cert::from_layout(der, layout, digests[0], digests[1]))
    }

    /// The certificate read from `layout` of `der`, whose SHA-256 is `cert_hash` and the SHA-256
    /// of whose SPKI is `spki_pin`.
    fn from_layout(der: &[u8], layout: Layout, cert_hash: Pin, spki_pin: Pin) -> Cert {
        let Layout {
            tbs,
            signature_algorithm,
            signature,
            serial,
            issuer,
            validity,
            subject,
            spki,
        } = layout;
        let (key_algorithm, key_bits) = fields::key_description(&der[spki.whole.clone()]);
        // Facts are for people: one that cannot be read is noted, never fatal.
        let mut unread = Vec::new();
        let mut name = |name: &Tlv, what| {
            fields::display_name(der, name).unwrap_or_else(|_| {
                unread.push(what);
                String::new()
            })
        };
        let (subject_name, issuer_name) = (subject.whole.clone(), issuer.whole.clone());
        let (subject, issuer) = (name(&subject, "subject"), name(&issuer, "issuer"));
        let mut times = crate::x509::der::children(der, validity.content.clone())
            .map(|t| t.ok().and_then(|t| fields::time(der, &t)));
        let (not_before, not_after) = (times.next().flatten(), times.next().flatten());
        if not_before.is_none() || not_after.is_none() {
            unread.push("validity");
        }
        let explicit = crate::x509::der::children(der, spki.whole.end..tbs.content.end)
            .filter_map(Result::ok)
            .find(|t| t.tag == 0xa3);
        let extensions = match explicit.map(|explicit| fields::extensions(der, &explicit)) {
            None => fields::Extensions::default(),
            Some(Ok(extensions)) => extensions,
            Some(Err(_)) => {
                unread.push("extensions");
                fields::Extensions::default()
            }
        };
        let mut san_dns = extensions.san_dns;
        let san_dns_more = san_dns.len().saturating_sub(MAX_SAN_NAMES);
        san_dns.truncate(MAX_SAN_NAMES);
        let short = |text: String| capped(text, MAX_SHORT_BYTES);
        let parse_note = (!unread.is_empty())
            .then(|| format!("could not read the {}; the pin is exact", unread.join(", ")));
        Cert {
            spki_pin,
            cert_hash,
            der: der.to_vec(),
            spki: spki.whole,
            tbs: tbs.whole,
            signature_algorithm: signature_algorithm.whole,
            signature,
            issuer: issuer_name,
            subject: subject_name,
            ca_issuers: extensions
                .ca_issuers
                .iter()
                .map(|r| &der[r.clone()])
                // A cut or non-ASCII URL is not one to fetch; real ones are short ASCII.
                .filter(|uri| uri.len() <= MAX_SHORT_BYTES && uri.is_ascii())
                .map(|uri| String::from_utf8_lossy(uri).into_owned())
                .collect(),
            not_before,
            not_after,
            facts: CertFacts {
                subject: capped(subject, MAX_NAME_BYTES),
                issuer: capped(issuer, MAX_NAME_BYTES),
                san_dns: san_dns.into_iter().map(short).collect(),
                san_dns_more,
                not_before: not_before.map(format_rfc3339),
                not_after: not_after.map(format_rfc3339),
                serial: short(hex(&der[serial.content])),
                sha256: cert_hash.to_hex(),
                spki_sha256: spki_pin.to_base64(),
                key_algorithm: short(key_algorithm),
                key_bits,
                subject_key_id: extensions.subject_key_id.map(|r| short(hex(&der[r]))),
                authority_key_id: extensions.authority_key_id.map(|r| short(hex(&der[r]))),
                is_ca: extensions.is_ca,
                sct: extensions.sct_list.map(|r| SctFacts::of_extension(&der[r])),
                parse_note,
            },
        }
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Every SAN dNSName, none capped or cut (the facts keep [`MAX_SAN_NAMES`] for people; the
    /// issuer-key proof checks the host against all of them). Empty when the extensions cannot
    /// be read: no name is claimed then.
    pub fn dns_names(&self) -> Vec<String> {
        let Ok(layout) = Layout::read(&self.der) else {
            return Vec::new();
        };
        crate::x509::der::children(&self.der, layout.spki.whole.end..layout.tbs.content.end)
            .filter_map(Result::ok)
            .find(|t| t.tag == 0xa3)
            .and_then(|explicit| fields::extensions(&self.der, &explicit).ok())
            .map(|x| x.san_dns)
            .unwrap_or_default()
    }
    pub fn spki_der(&self) -> &[u8] {
        &self.der[self.spki.clone()]
    }
    pub fn tbs_der(&self) -> &[u8] {
        &self.der[self.tbs.clone()]
    }
    pub fn signature_algorithm_der(&self) -> &[u8] {
        &self.der[self.signature_algorithm.clone()]
    }
    pub fn signature(&self) -> &[u8] {
        &self.der[self.signature.clone()]
    }
    /// The issuer Name's DER: a certificate that may have signed this one has it as subject.
    pub fn issuer_der(&self) -> &[u8] {
        &self.der[self.issuer.clone()]
    }
    pub fn subject_der(&self) -> &[u8] {
        &self.der[self.subject.clone()]
    }
    /// Issued by itself (subject and issuer names are equal): a root, where a path ends.
    pub fn is_self_issued(&self) -> bool {
        self.issuer_der() == self.subject_der()
    }
}

/// Reads one certificate or a chain from PEM text (junk around blocks is ignored) or from DER
/// (one certificate, or several concatenated).
pub fn parse_chain(input: &[u8]) -> Result<Vec<Cert>, CertError> {
    if input.is_empty() {
        return Err(CertError::Empty);
    }
    if input.len() > MAX_CERT_BYTES * MAX_CHAIN_LEN {
        return Err(CertError::TooLarge(input.len()));
    }
    if input.windows(11).any(|w| w == b"-----BEGIN ") {
        return pem_blocks(input)?
            .iter()
            .map(|der| Cert::from_der(der))
            .collect();
    }
    let mut certs = Vec::new();
    let mut at = 0;
    while at < input.len() {
        let element = expect(input, at, SEQUENCE, "Certificate")?;
        if certs.len() == MAX_CHAIN_LEN {
            return Err(CertError::ChainTooLong(certs.len() + 1));
        }
        certs.push(Cert::from_der(&input[element.whole.clone()])?);
        at = element.whole.end;
    }
    Ok(certs)
}

/// Parses a chain given as separate DER buffers (what browsers hand over).
pub fn parse_der_list<B: AsRef<[u8]>>(ders: &[B]) -> Result<Vec<Cert>, CertError> {
    check_chain_len(ders.len())?;
    ders.iter().map(|d| Cert::from_der(d.as_ref())).collect()
}

/// Each buffer of a chain as read by `Cert::from_der`, with its SHA-256 (computed whether or not
/// it parses, for the block list). Every digest the chain needs, of each buffer and of each SPKI,
/// is computed in one batch: hashing is most of a verdict in WASM, and there it runs four at once.
pub(crate) fn read_chain<B: AsRef<[u8]>>(ders: &[B]) -> Vec<(Pin, Result<Cert, CertError>)> {
    let layouts: Vec<_> = ders.iter().map(|d| Layout::read(d.as_ref())).collect();
    let mut messages: Vec<&[u8]> = ders.iter().map(AsRef::as_ref).collect();
    for (der, layout) in ders.iter().zip(&layouts) {
        if let Ok(layout) = layout {
            messages.push(&der.as_ref()[layout.spki.whole.clone()]);
        }
    }
    let digests = sha256_each(&messages);
    // The SPKI digests follow the buffers', one per layout read, in order.
    let mut spki_at = ders.len();
    ders.iter()
        .zip(layouts)
        .enumerate()
        .map(|(i, (der, layout))| {
            let cert = layout.map(|layout| {
                spki_at += 1;
                Cert::from_layout(der.as_ref(), layout, digests[i], digests[spki_at - 1])
            });
            (digests[i], cert)
        })
        .collect()
}

/// Why a chain of `len` certificates is refused as a whole, if it is.
pub(crate) fn check_chain_len(len: usize) -> Result<(), CertError> {
    if len == 0 {
        return Err(CertError::Empty);
    }
    if len > MAX_CHAIN_LEN {
        return Err(CertError::ChainTooLong(len));
    }
    Ok(())
}

fn pem_blocks(input: &[u8]) -> Result<Vec<Vec<u8>>, CertError> {
    let text = String::from_utf8_lossy(input);
    let mut out = Vec::new();
    let mut rest: &str = &text;
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    while let Some(start) = rest.find(BEGIN) {
        let body_start = start + BEGIN.len();
        let end = rest[body_start..].find(END).ok_or(CertError::BadPem)? + body_start;
        let body: String = rest[body_start..end]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let der = STANDARD.decode(body).map_err(|_| CertError::BadPem)?;
        if out.len() == MAX_CHAIN_LEN {
            return Err(CertError::ChainTooLong(out.len() + 1));
        }
        out.push(der);
        rest = &rest[end + END.len()..];
    }
    if out.is_empty() {
        return Err(CertError::NoPemBlock);
    }
    Ok(out)
}

/// The DER SPKI of a PEM `PUBLIC KEY` block or raw DER, for issuer keys given as files.
pub fn spki_from_public_key(input: &[u8]) -> Option<Vec<u8>> {
    let text = core::str::from_utf8(input).ok();
    let der = match text.and_then(|t| t.find("-----BEGIN PUBLIC KEY-----").map(|s| (t, s))) {
        Some((t, s)) => {
            let body_start = s + "-----BEGIN PUBLIC KEY-----".len();
            let end = t[body_start..].find("-----END PUBLIC KEY-----")? + body_start;
            let body: String = t[body_start..end]
                .chars()
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            STANDARD.decode(body).ok()?
        }
        None => input.to_vec(),
    };
    crate::x509::spki::Spki::parse(&der)?;
    Some(der)
}
