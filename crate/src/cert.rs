//! Certificates as the verdict needs them: the facts a person reads, and the exact bytes
//! (SPKI, TBS, signature) a pin or a signature check needs.
//!
//! The SPKI pin comes from a minimal TLV walk over the original bytes, not from a re-encoding
//! by a strict parser: browsers accept certificates that RFC 5280 parsers refuse (21-byte or
//! negative serials, odd string types), and a pin must never be lost to parser strictness.
//! `x509-cert` then adds the human facts when it can; when it cannot, the facts say so.

use crate::pin::{hex, Pin};
use crate::time::format_rfc3339;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use core::fmt;
use core::ops::Range;
use der::{Decode, Encode};
use serde::Serialize;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, SubjectAltName, SubjectKeyIdentifier,
};

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

/// What a person (popup, warning page, CLI) is shown about one certificate.
/// Strings here come from the certificate and are hostile until rendered as text.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CertFacts {
    pub subject: String,
    pub issuer: String,
    pub san_dns: Vec<String>,
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
    /// Why `x509-cert` could not read it strictly, when it could not; the pin is still exact.
    pub parse_note: Option<String>,
}

/// One parsed certificate: its bytes, its pins and its facts.
#[derive(Debug, Clone)]
pub struct Cert {
    der: Vec<u8>,
    spki: Range<usize>,
    tbs: Range<usize>,
    signature_algorithm: Range<usize>,
    signature: Range<usize>,
    pub spki_pin: Pin,
    pub cert_hash: Pin,
    pub not_before: Option<i64>,
    pub not_after: Option<i64>,
    pub facts: CertFacts,
}

/// A DER tag-length-value header: the tag and the ranges of the whole element and its content.
struct Tlv {
    tag: u8,
    whole: Range<usize>,
    content: Range<usize>,
}

fn read_tlv(b: &[u8], at: usize) -> Result<Tlv, CertError> {
    let tag = *b.get(at).ok_or(CertError::Truncated)?;
    if tag & 0x1f == 0x1f {
        // High tag numbers never occur in the parts of X.509 walked here.
        return Err(CertError::UnexpectedTag("a low-numbered tag"));
    }
    let first = *b.get(at + 1).ok_or(CertError::Truncated)?;
    let (len, header) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return Err(CertError::BadLength);
        }
        let bytes = b.get(at + 2..at + 2 + n).ok_or(CertError::Truncated)?;
        (
            bytes.iter().fold(0usize, |acc, &x| (acc << 8) | x as usize),
            2 + n,
        )
    };
    let start = at + header;
    let end = start.checked_add(len).ok_or(CertError::BadLength)?;
    if end > b.len() {
        return Err(CertError::Truncated);
    }
    Ok(Tlv {
        tag,
        whole: at..end,
        content: start..end,
    })
}

fn expect(b: &[u8], at: usize, tag: u8, what: &'static str) -> Result<Tlv, CertError> {
    let tlv = read_tlv(b, at)?;
    if tlv.tag != tag {
        return Err(CertError::UnexpectedTag(what));
    }
    Ok(tlv)
}

const SEQUENCE: u8 = 0x30;

impl Cert {
    pub fn from_der(der: &[u8]) -> Result<Cert, CertError> {
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
        let sig_alg = expect(der, tbs.whole.end, SEQUENCE, "signatureAlgorithm")?;
        let sig = expect(der, sig_alg.whole.end, 0x03, "signatureValue")?;
        // Walk the TBS: [0] version?, serial, signature, issuer, validity, subject, SPKI.
        let mut at = tbs.content.start;
        let mut field = read_tlv(der, at)?;
        if field.tag == 0xa0 {
            at = field.whole.end;
            field = read_tlv(der, at)?;
        }
        if field.tag != 0x02 {
            return Err(CertError::UnexpectedTag("serialNumber"));
        }
        let serial = field.content.clone();
        for what in ["signature", "issuer", "validity", "subject"] {
            at = field.whole.end;
            field = expect(der, at, SEQUENCE, what)?;
        }
        let spki = expect(der, field.whole.end, SEQUENCE, "subjectPublicKeyInfo")?;
        if spki.whole.end > tbs.whole.end {
            return Err(CertError::Truncated);
        }
        let signature = if sig.content.is_empty() {
            sig.content.clone()
        } else {
            sig.content.start + 1..sig.content.end
        };
        let mut cert = Cert {
            spki_pin: Pin::of_spki(&der[spki.whole.clone()]),
            cert_hash: Pin::sha256(der),
            der: der.to_vec(),
            spki: spki.whole,
            tbs: tbs.whole,
            signature_algorithm: sig_alg.whole,
            signature,
            not_before: None,
            not_after: None,
            facts: CertFacts {
                subject: String::new(),
                issuer: String::new(),
                san_dns: Vec::new(),
                not_before: None,
                not_after: None,
                serial: hex(&der[serial]),
                sha256: String::new(),
                spki_sha256: String::new(),
                key_algorithm: String::from("unknown"),
                key_bits: None,
                subject_key_id: None,
                authority_key_id: None,
                is_ca: false,
                parse_note: None,
            },
        };
        cert.facts.sha256 = cert.cert_hash.to_hex();
        cert.facts.spki_sha256 = cert.spki_pin.to_base64();
        let (algorithm, bits) = key_description(cert.spki_der());
        cert.facts.key_algorithm = algorithm;
        cert.facts.key_bits = bits;
        match x509_cert::Certificate::from_der(der) {
            Ok(parsed) => cert.fill_facts(&parsed),
            Err(e) => {
                cert.facts.parse_note = Some(format!(
                    "not strict X.509 ({e}); pin read from the raw bytes"
                ))
            }
        }
        Ok(cert)
    }

    fn fill_facts(&mut self, parsed: &x509_cert::Certificate) {
        let tbs = &parsed.tbs_certificate;
        self.facts.subject = display_name(&tbs.subject);
        self.facts.issuer = display_name(&tbs.issuer);
        let nb = tbs.validity.not_before.to_unix_duration().as_secs() as i64;
        let na = tbs.validity.not_after.to_unix_duration().as_secs() as i64;
        self.not_before = Some(nb);
        self.not_after = Some(na);
        self.facts.not_before = Some(format_rfc3339(nb));
        self.facts.not_after = Some(format_rfc3339(na));
        if let Ok(Some((_, san))) = tbs.get::<SubjectAltName>() {
            for name in san.0 {
                if let x509_cert::ext::pkix::name::GeneralName::DnsName(dns) = name {
                    self.facts.san_dns.push(dns.to_string());
                }
            }
        }
        if let Ok(Some((_, ski))) = tbs.get::<SubjectKeyIdentifier>() {
            self.facts.subject_key_id = Some(hex(ski.0.as_bytes()));
        }
        if let Ok(Some((_, aki))) = tbs.get::<AuthorityKeyIdentifier>() {
            self.facts.authority_key_id = aki.key_identifier.map(|k| hex(k.as_bytes()));
        }
        if let Ok(Some((_, bc))) = tbs.get::<BasicConstraints>() {
            self.facts.is_ca = bc.ca;
        }
    }

    pub fn der(&self) -> &[u8] {
        &self.der
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
}

/// A distinguished name for people: most specific first (as RFC 4514 orders it) but with values
/// unescaped, since pages render it with `textContent` and never parse it back.
fn display_name(name: &x509_cert::name::Name) -> String {
    let mut parts = Vec::new();
    for rdn in name.0.iter().rev() {
        for atv in rdn.0.iter() {
            let key = match atv.oid.to_string().as_str() {
                "2.5.4.3" => "CN".to_string(),
                "2.5.4.6" => "C".to_string(),
                "2.5.4.7" => "L".to_string(),
                "2.5.4.8" => "ST".to_string(),
                "2.5.4.10" => "O".to_string(),
                "2.5.4.11" => "OU".to_string(),
                "2.5.4.5" => "serialNumber".to_string(),
                "1.2.840.113549.1.9.1" => "emailAddress".to_string(),
                "0.9.2342.19200300.100.1.25" => "DC".to_string(),
                other => other.to_string(),
            };
            let raw = atv.value.value();
            let value = match der::Tagged::tag(&atv.value) {
                // BMPString is UTF-16BE; everything else seen in Web PKI is ASCII or UTF-8.
                der::Tag::BmpString => {
                    let units: Vec<u16> = raw
                        .chunks(2)
                        .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
                        .collect();
                    String::from_utf16_lossy(&units)
                }
                _ => String::from_utf8_lossy(raw).into_owned(),
            };
            parts.push(format!("{key}={value}"));
        }
    }
    parts.join(", ")
}

/// The key algorithm and size, for people; never used for a decision.
fn key_description(spki_der: &[u8]) -> (String, Option<u32>) {
    use spki::SubjectPublicKeyInfoRef;
    let Ok(spki) = SubjectPublicKeyInfoRef::from_der(spki_der) else {
        return ("unknown".into(), None);
    };
    let oid = spki.algorithm.oid.to_string();
    match oid.as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => {
            let bits = rsa::pkcs1::RsaPublicKey::from_der(spki.subject_public_key.raw_bytes())
                .ok()
                .map(|k| {
                    let m = k.modulus.as_bytes();
                    let lead = m.first().map_or(8, |b| b.leading_zeros());
                    (m.len() as u32 * 8).saturating_sub(lead)
                });
            ("RSA".into(), bits)
        }
        "1.2.840.10045.2.1" => {
            let curve = spki
                .algorithm
                .parameters
                .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok())
                .map(|c| c.to_string());
            match curve.as_deref() {
                Some("1.2.840.10045.3.1.7") => ("ECDSA P-256".into(), Some(256)),
                Some("1.3.132.0.34") => ("ECDSA P-384".into(), Some(384)),
                Some("1.3.132.0.35") => ("ECDSA P-521".into(), Some(521)),
                _ => ("ECDSA".into(), None),
            }
        }
        "1.3.101.112" => ("Ed25519".into(), Some(256)),
        "1.3.101.113" => ("Ed448".into(), Some(456)),
        other => (other.to_string(), None),
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
        let tlv = expect(input, at, SEQUENCE, "Certificate")?;
        if certs.len() == MAX_CHAIN_LEN {
            return Err(CertError::ChainTooLong(certs.len() + 1));
        }
        certs.push(Cert::from_der(&input[tlv.whole.clone()])?);
        at = tlv.whole.end;
    }
    Ok(certs)
}

/// Parses a chain given as separate DER buffers (what browsers hand over).
pub fn parse_der_list<B: AsRef<[u8]>>(ders: &[B]) -> Result<Vec<Cert>, CertError> {
    if ders.is_empty() {
        return Err(CertError::Empty);
    }
    if ders.len() > MAX_CHAIN_LEN {
        return Err(CertError::ChainTooLong(ders.len()));
    }
    ders.iter().map(|d| Cert::from_der(d.as_ref())).collect()
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
    let parsed = spki::SubjectPublicKeyInfoRef::from_der(&der).ok()?;
    parsed.to_der().ok()
}
