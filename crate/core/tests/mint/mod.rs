//! Certificates made at test time, signed with Ed25519 by ed25519-dalek (an independent
//! implementation): enough X.509 for path tests (names, a CA flag, an AIA URL), in native and
//! WASM builds alike. The core never makes certificates; only its tests do.
#![allow(dead_code)]

use ed25519_dalek::{Signer as _, SigningKey};

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend([0x81, n as u8]);
    } else {
        out.extend([0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

const ED25519_ALG: [u8; 7] = [0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70];

/// A Name with one common name.
pub fn name(cn: &str) -> Vec<u8> {
    let atv = seq(&[tlv(0x06, &[0x55, 0x04, 0x03]), tlv(0x0c, cn.as_bytes())]);
    seq(&[tlv(0x31, &atv)])
}

/// One key and the name it issues under.
pub struct Ca {
    pub key: SigningKey,
    pub name: Vec<u8>,
}

impl Ca {
    pub fn new(seed: u8, cn: &str) -> Ca {
        Ca {
            key: SigningKey::from_bytes(&[seed; 32]),
            name: name(cn),
        }
    }

    pub fn spki(&self) -> Vec<u8> {
        spki(&self.key)
    }
}

pub fn spki(key: &SigningKey) -> Vec<u8> {
    let mut bits = vec![0];
    bits.extend_from_slice(key.verifying_key().as_bytes());
    seq(&[ED25519_ALG.to_vec(), tlv(0x03, &bits)])
}

/// What a minted certificate says besides its names and keys.
#[derive(Default, Clone)]
pub struct Shape<'a> {
    pub is_ca: bool,
    pub ca_issuers: Option<&'a str>,
    pub serial: u8,
    /// Further extensions, each as its OID's content bytes and its `extnValue` content.
    pub extra: &'a [(&'a [u8], Vec<u8>)],
}

/// A certificate for `subject` (name and key) issued by `issuer` (name and key).
pub fn cert(subject_name: &[u8], subject_key: &SigningKey, issuer: &Ca, shape: Shape) -> Vec<u8> {
    let validity = seq(&[tlv(0x17, b"250101000000Z"), tlv(0x17, b"350101000000Z")]);
    let mut extensions = Vec::new();
    if shape.is_ca {
        let bc = seq(&[tlv(0x01, &[0xff])]);
        extensions.push(seq(&[
            tlv(0x06, &[0x55, 0x1d, 0x13]),
            tlv(0x01, &[0xff]),
            tlv(0x04, &bc),
        ]));
    }
    if let Some(url) = shape.ca_issuers {
        let access = seq(&[
            tlv(0x06, &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02]),
            tlv(0x86, url.as_bytes()),
        ]);
        extensions.push(seq(&[
            tlv(0x06, &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01]),
            tlv(0x04, &seq(&[access])),
        ]));
    }
    for (oid, value) in shape.extra {
        extensions.push(seq(&[tlv(0x06, oid), tlv(0x04, value)]));
    }
    let mut tbs_parts = vec![
        tlv(0xa0, &tlv(0x02, &[2])),
        tlv(0x02, &[shape.serial.max(1) & 0x7f]),
        ED25519_ALG.to_vec(),
        issuer.name.clone(),
        validity,
        subject_name.to_vec(),
        spki(subject_key),
    ];
    if !extensions.is_empty() {
        tbs_parts.push(tlv(0xa3, &seq(&extensions)));
    }
    let tbs = seq(&tbs_parts);
    let signature = issuer.key.sign(&tbs).to_bytes();
    let mut bits = vec![0];
    bits.extend_from_slice(&signature);
    seq(&[tbs, ED25519_ALG.to_vec(), tlv(0x03, &bits)])
}

/// `ca`'s own self-signed certificate.
pub fn root(ca: &Ca) -> Vec<u8> {
    cert(
        &ca.name,
        &ca.key,
        ca,
        Shape {
            is_ca: true,
            ..Shape::default()
        },
    )
}

/// A CA certificate for `child` issued by `parent`.
pub fn intermediate(child: &Ca, parent: &Ca, ca_issuers: Option<&str>) -> Vec<u8> {
    cert(
        &child.name,
        &child.key,
        parent,
        Shape {
            is_ca: true,
            ca_issuers,
            ..Shape::default()
        },
    )
}

/// A DER element of `tag` around `content` (definite length, up to 64 KiB).
pub fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    tlv(tag, content)
}

/// A leaf for `host` (its common name and one SAN dNSName) issued by `issuer`, with its own
/// key from `seed`.
pub fn leaf(seed: u8, host: &str, issuer: &Ca, ca_issuers: Option<&str>) -> Vec<u8> {
    leaf_named(seed, host, &[host], issuer, ca_issuers)
}

/// A leaf whose common name is `cn` and whose SAN lists `dns_names`.
pub fn leaf_named(
    seed: u8,
    cn: &str,
    dns_names: &[&str],
    issuer: &Ca,
    ca_issuers: Option<&str>,
) -> Vec<u8> {
    let names: Vec<Vec<u8>> = dns_names.iter().map(|n| tlv(0x82, n.as_bytes())).collect();
    let san = [(&[0x55, 0x1d, 0x11][..], seq(&names))];
    cert(
        &name(cn),
        &SigningKey::from_bytes(&[seed; 32]),
        issuer,
        Shape {
            ca_issuers,
            extra: &san,
            ..Shape::default()
        },
    )
}
