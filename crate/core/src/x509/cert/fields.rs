//! What X.509 fields mean, for people: names, times, extensions, key descriptions. The walk
//! itself is `der.rs`'s; facts read here are shown, never used for a decision.

use super::CertError;
use crate::time::unix_from_parts;
use crate::x509::der::{
    children, expect, oid_text, push_oid_text, read, Tlv, BIT_STRING, BOOLEAN, GENERALIZED_TIME,
    INTEGER, OCTET_STRING, OID, SEQUENCE, SET, UTC_TIME,
};
use core::ops::Range;

fn push_attribute_name(out: &mut String, oid: &[u8]) {
    out.push_str(match oid {
        [0x55, 0x04, 0x03] => "CN",
        [0x55, 0x04, 0x06] => "C",
        [0x55, 0x04, 0x07] => "L",
        [0x55, 0x04, 0x08] => "ST",
        [0x55, 0x04, 0x0a] => "O",
        [0x55, 0x04, 0x0b] => "OU",
        [0x55, 0x04, 0x05] => "serialNumber",
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] => "emailAddress",
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => "DC",
        other => return push_oid_text(out, other),
    })
}

/// A directory string's text. Teletex is read as Latin-1, as browsers do.
fn push_string_value(out: &mut String, tag: u8, raw: &[u8]) {
    match tag {
        0x1e => {
            let units = raw
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
            out.extend(char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)));
        }
        0x1c => out.extend(raw.chunks(4).filter_map(|c| {
            c.try_into()
                .ok()
                .map(u32::from_be_bytes)
                .and_then(char::from_u32)
        })),
        0x14 => out.extend(raw.iter().map(|&b| b as char)),
        _ => out.push_str(&String::from_utf8_lossy(raw)),
    }
}

/// A distinguished name for people: most specific first (as RFC 4514 orders it) but with values
/// unescaped, since pages render it with `textContent` and never parse it back.
/// Written into one string: a name is built for every certificate of every verdict.
pub(crate) fn display_name(b: &[u8], name: &Tlv) -> Result<String, CertError> {
    let mut rdns = Vec::new();
    for rdn in children(b, name.content.clone()) {
        let rdn = rdn?;
        if rdn.tag != SET {
            return Err(CertError::UnexpectedTag("RelativeDistinguishedName"));
        }
        rdns.push(rdn.content);
    }
    let mut out = String::with_capacity(name.content.len());
    for (i, rdn) in rdns.into_iter().rev().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        for (j, atv) in children(b, rdn).enumerate() {
            let atv = atv?;
            let oid = expect(b, atv.content.start, OID, "AttributeType")?;
            let value = read(b, oid.whole.end)?;
            if j > 0 {
                out.push_str(" + ");
            }
            push_attribute_name(&mut out, &b[oid.content]);
            out.push('=');
            push_string_value(&mut out, value.tag, &b[value.content]);
        }
    }
    Ok(out)
}

/// UTCTime or GeneralizedTime (the `Z` forms RFC 5280 requires) as Unix seconds.
pub(crate) fn time(b: &[u8], t: &Tlv) -> Option<i64> {
    let s = b[t.content.clone()].strip_suffix(b"Z")?;
    if !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let number = |digits: &[u8]| {
        digits
            .iter()
            .fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'))
    };
    let (year, rest) = match (t.tag, s.len()) {
        (UTC_TIME, 12) => {
            let yy = i64::from(number(&s[..2]));
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &s[2..])
        }
        (GENERALIZED_TIME, 14) => (i64::from(number(&s[..4])), &s[4..]),
        _ => return None,
    };
    let n = |r: Range<usize>| number(&rest[r]);
    let (mo, d, h, mi, sec) = (n(0..2), n(2..4), n(4..6), n(6..8), n(8..10));
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    Some(unix_from_parts(year, mo, d, h, mi, sec))
}

/// What the extensions say, for people.
#[derive(Default)]
pub(crate) struct Extensions {
    pub san_dns: Vec<String>,
    /// Where the key identifiers' bytes are in the certificate.
    pub subject_key_id: Option<Range<usize>>,
    pub authority_key_id: Option<Range<usize>>,
    pub is_ca: bool,
    /// Where the Authority Information Access `caIssuers` URIs are: where the issuer's
    /// certificate may be fetched (at most [`MAX_CA_ISSUERS`]).
    pub ca_issuers: Vec<Range<usize>>,
    /// Where the embedded SCT list's extension value is; `sct.rs` reads it, so that a list that
    /// cannot be read costs only its own fact.
    pub sct_list: Option<Range<usize>>,
}

/// The most `caIssuers` URIs kept from one certificate: real ones carry one or two.
pub(crate) const MAX_CA_ISSUERS: usize = 4;
const AUTHORITY_INFO_ACCESS: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01];
const CA_ISSUERS: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
/// GeneralName `uniformResourceIdentifier` ([6] IMPLICIT IA5String).
const URI: u8 = 0x86;

pub(crate) fn extensions(b: &[u8], explicit: &Tlv) -> Result<Extensions, CertError> {
    let mut out = Extensions::default();
    let list = expect(b, explicit.content.start, SEQUENCE, "Extensions")?;
    for ext in children(b, list.content.clone()) {
        let ext = ext?;
        let oid = expect(b, ext.content.start, OID, "extnID")?;
        let mut next = read(b, oid.whole.end)?;
        if next.tag == BOOLEAN {
            next = read(b, next.whole.end)?;
        }
        if next.tag != OCTET_STRING {
            return Err(CertError::UnexpectedTag("extnValue"));
        }
        let value = next.content.clone();
        match &b[oid.content.clone()] {
            [0x55, 0x1d, 0x11] => {
                let names = expect(b, value.start, SEQUENCE, "GeneralNames")?;
                for name in children(b, names.content.clone()) {
                    let name = name?;
                    if name.tag == 0x82 {
                        out.san_dns
                            .push(String::from_utf8_lossy(&b[name.content.clone()]).into_owned());
                    }
                }
            }
            [0x55, 0x1d, 0x0e] => {
                let id = expect(b, value.start, OCTET_STRING, "SubjectKeyIdentifier")?;
                out.subject_key_id = Some(id.content);
            }
            [0x55, 0x1d, 0x23] => {
                let aki = expect(b, value.start, SEQUENCE, "AuthorityKeyIdentifier")?;
                for field in children(b, aki.content.clone()) {
                    let field = field?;
                    if field.tag == 0x80 {
                        out.authority_key_id = Some(field.content);
                    }
                }
            }
            AUTHORITY_INFO_ACCESS => {
                let list = expect(b, value.start, SEQUENCE, "AuthorityInfoAccessSyntax")?;
                for access in children(b, list.content.clone()) {
                    let access = access?;
                    let method = expect(b, access.content.start, OID, "accessMethod")?;
                    let location = read(&b[..access.content.end], method.whole.end)?;
                    if b[method.content] == *CA_ISSUERS
                        && location.tag == URI
                        && out.ca_issuers.len() < MAX_CA_ISSUERS
                    {
                        out.ca_issuers.push(location.content);
                    }
                }
            }
            crate::x509::sct::SCT_LIST_OID => out.sct_list = Some(value),
            [0x55, 0x1d, 0x13] => {
                let bc = expect(b, value.start, SEQUENCE, "BasicConstraints")?;
                if let Some(Ok(first)) = children(b, bc.content.clone()).next() {
                    out.is_ca = first.tag == BOOLEAN && b[first.content].iter().any(|&x| x != 0);
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The key algorithm and size, for people; never used for a decision.
pub(crate) fn key_description(spki: &[u8]) -> (String, Option<u32>) {
    let describe = || -> Result<(String, Option<u32>), CertError> {
        let outer = expect(spki, 0, SEQUENCE, "SubjectPublicKeyInfo")?;
        let alg = expect(spki, outer.content.start, SEQUENCE, "AlgorithmIdentifier")?;
        let oid = expect(spki, alg.content.start, OID, "algorithm")?;
        let key = expect(spki, alg.whole.end, BIT_STRING, "subjectPublicKey")?;
        Ok(match &spki[oid.content.clone()] {
            // rsaEncryption and RSASSA-PSS keys: the modulus is the first INTEGER.
            [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]
            | [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a] => {
                let seq = expect(spki, key.content.start + 1, SEQUENCE, "RSAPublicKey")?;
                let n = expect(spki, seq.content.start, INTEGER, "modulus")?;
                let m = &spki[n.content];
                let skip = m.iter().take_while(|&&x| x == 0).count();
                let bits = m
                    .get(skip)
                    .map_or(0, |top| (m.len() - skip) as u32 * 8 - top.leading_zeros());
                ("RSA".into(), Some(bits))
            }
            [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01] => {
                let curve = expect(spki, oid.whole.end, OID, "namedCurve")
                    .ok()
                    .map(|c| spki[c.content].to_vec());
                match curve.as_deref() {
                    Some([0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]) => {
                        ("ECDSA P-256".into(), Some(256))
                    }
                    Some([0x2b, 0x81, 0x04, 0x00, 0x22]) => ("ECDSA P-384".into(), Some(384)),
                    Some([0x2b, 0x81, 0x04, 0x00, 0x23]) => ("ECDSA P-521".into(), Some(521)),
                    _ => ("ECDSA".into(), None),
                }
            }
            [0x2b, 0x65, 0x70] => ("Ed25519".into(), Some(256)),
            [0x2b, 0x65, 0x71] => ("Ed448".into(), Some(456)),
            other => (oid_text(other), None),
        })
    };
    describe().unwrap_or_else(|_| ("unknown".into(), None))
}
