//! The pin list payload (`docs/pinlist-format.md`): what a publisher writes and signs, and
//! its compiled form with an index whose lookups cost O(labels), not O(entries). Around it, in
//! this folder: the signed envelope, acceptance and rotation of signer sets, the sources a
//! person adds, and the JSON reading they share (the guard, and the lists' own reader:
//! `json_tree`, `json_read`; the serde derives below are its reference and the writers').

pub mod accept;
pub mod compiled;
#[cfg(feature = "cookie-scope")]
pub mod cookie_scope;
pub mod envelope;
pub mod json;
pub mod json_read;
pub mod json_tree;
pub mod rotation;
pub mod source_kind;
pub mod sources;

use crate::host::{self, Host};
use crate::list::json::JsonError;
use crate::time::parse_rfc3339;
use crate::x509::pin::Pin;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use core::fmt;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The payload format version this build reads.
pub const FORMAT_VERSION: u32 = 1;

/// Why a payload could not become a usable pin list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListError {
    /// The JSON guard or the lists' reader refused the document.
    Json(JsonError),
    /// `version` is not one this build reads.
    UnsupportedVersion(u32),
    /// A timestamp field is not RFC 3339 (field name).
    BadTime(&'static str),
    /// `expires_at` is not after `issued_at`.
    ExpiresBeforeIssued,
    /// A pin is not base64 of 32 bytes (JSON path).
    BadPin(String),
    /// An issuer key is not a DER SubjectPublicKeyInfo in base64 (JSON path).
    BadIssuerKey(String),
    /// An entry's host cannot be a host name (JSON path and why).
    BadHost(String, host::HostError),
    /// An entry names a pin set that does not exist (JSON path).
    UnknownPinSet(String),
    /// Two entries for the same host (JSON path).
    DuplicateEntry(String),
    /// A pin set has no good pin and no issuer key, so nothing could ever match (JSON path).
    EmptyPinSet(String),
    /// `channel` is empty, longer than [`MAX_CHANNEL`] or holds control characters.
    BadChannel,
}

/// The longest `channel` a list may name (a URL of ordinary length, with room to spare).
pub const MAX_CHANNEL: usize = 2048;

/// Whether `name` may be a channel's name: what a list's `channel` and a channel's configured
/// binding must both be.
pub fn channel_name_ok(name: &str) -> bool {
    !name.is_empty() && name.len() <= MAX_CHANNEL && !name.chars().any(char::is_control)
}

impl fmt::Display for ListError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListError::Json(e) => write!(f, "{e}"),
            ListError::UnsupportedVersion(v) => write!(
                f,
                "list format version {v} is not supported (this build reads {FORMAT_VERSION})"
            ),
            ListError::BadTime(field) => write!(f, "{field} is not an RFC 3339 timestamp"),
            ListError::ExpiresBeforeIssued => f.write_str("expires_at is not after issued_at"),
            ListError::BadPin(path) => write!(f, "{path}: not a base64 SHA-256 pin (32 bytes)"),
            ListError::BadIssuerKey(path) => {
                write!(f, "{path}: not a base64 DER SubjectPublicKeyInfo")
            }
            ListError::BadHost(path, e) => write!(f, "{path}: {e}"),
            ListError::UnknownPinSet(path) => {
                write!(f, "{path}: names a pin set that is not defined")
            }
            ListError::DuplicateEntry(path) => {
                write!(f, "{path}: a second entry for the same host")
            }
            ListError::EmptyPinSet(path) => {
                write!(f, "{path}: pin set has no good pin and no issuer key")
            }
            ListError::BadChannel => write!(
                f,
                "channel must be a channel's URL or name: not empty, at most {MAX_CHANNEL} bytes, no control characters"
            ),
        }
    }
}

impl std::error::Error for ListError {}

impl From<JsonError> for ListError {
    fn from(e: JsonError) -> Self {
        ListError::Json(e)
    }
}

crate::named_enum::named_enum! {
    /// What an entry does on a mismatch. Ordered from weakest to strongest.
    #[derive(PartialOrd, Ord, Hash)]
    pub enum Mode {
        /// Record and report; show nothing.
        Report = "report",
        /// Badge and notification; the page continues.
        Warn = "warn",
        /// Stop the page with the warning page.
        Enforce = "enforce",
    }
}

/// The payload exactly as written: strings stay strings so lint can point at each bad one.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    pub version: u32,
    pub sequence: u64,
    pub issued_at: String,
    pub expires_at: String,
    pub publisher: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub pinsets: BTreeMap<String, PinSetSpec>,
    pub entries: Vec<EntrySpec>,
    #[serde(default)]
    pub blocklist: BlockListSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_signers: Option<SignerSetSpec>,
    /// The update channel this list is signed for (its URL, or the name its configuration
    /// gives): signed, so a list of the same signers for another channel is refused there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PinSetSpec {
    /// SPKI pins of keys that may appear anywhere in a good chain.
    #[serde(default)]
    pub good: Vec<String>,
    /// SPKI pins that must never appear in a chain for this set's hosts; checked first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bad: Vec<String>,
    /// DER SubjectPublicKeyInfo (base64) of issuing CAs, for leaf-only browsers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issuer_keys: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EntrySpec {
    pub host: String,
    #[serde(default)]
    pub include_subdomains: bool,
    pub pinset: String,
    pub mode: Mode,
    /// The publisher's word on the other hosts of this host's registrable domain, which may
    /// receive its cookies; read by lint only, never by a verdict.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cookie_scope: Option<CookieScope>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// What a publisher says about an entry's cookie scope (`docs/pinlist-format.md`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CookieScope {
    /// The registrable domain's other hosts were looked at and are left out on purpose (the
    /// entry's comment says why); lint stops warning about them.
    Considered,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BlockListSpec {
    /// SPKI pins of compromised keys.
    #[serde(default)]
    pub spki: Vec<String>,
    /// SHA-256 of whole certificates (base64), for mis-issued certificates.
    #[serde(default)]
    pub certificates: Vec<String>,
}

/// A signer set as a payload names it: public keys in their one-line text form.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SignerSetSpec {
    pub keys: Vec<String>,
    pub threshold: u32,
}

/// A compiled pin set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinSet {
    pub name: String,
    pub good: Vec<Pin>,
    pub bad: Vec<Pin>,
    /// DER SubjectPublicKeyInfo of each issuer key, with its pin.
    pub issuer_keys: Vec<(Pin, Vec<u8>)>,
}

/// A compiled entry; `pinset` indexes [`PinList::pinsets`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub host: String,
    pub include_subdomains: bool,
    pub pinset: usize,
    pub mode: Mode,
}

/// The list's identity, as the popup and the options page show it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ListInfo {
    pub publisher: String,
    pub sequence: u64,
    pub issued_at: String,
    pub expires_at: String,
    #[serde(skip)]
    pub issued_at_unix: i64,
    #[serde(skip)]
    pub expires_at_unix: i64,
    pub entries: usize,
    pub pinsets: usize,
    /// The channel the list is signed for; none for a list signed before lists named one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

/// A validated, indexed pin list.
#[derive(Debug, Clone)]
pub struct PinList {
    pub info: ListInfo,
    pub pinsets: Vec<PinSet>,
    pub entries: Vec<Entry>,
    index: HashMap<String, usize>,
    /// As listed: the engine's tables (`LookupSet`) are where they are looked up, so a set here
    /// would only add its own copy of the hash table's code to the module.
    pub blocked_spki: Vec<Pin>,
    pub blocked_certs: Vec<Pin>,
    pub next_signers: Option<SignerSetSpec>,
}

impl PinList {
    /// Guard, parse and compile payload bytes.
    pub fn from_json(bytes: &[u8]) -> Result<PinList, ListError> {
        let payload = json_read::payload(bytes)?;
        PinList::compile(&payload)
    }

    pub fn compile(p: &Payload) -> Result<PinList, ListError> {
        if p.version != FORMAT_VERSION {
            return Err(ListError::UnsupportedVersion(p.version));
        }
        let issued = parse_rfc3339(&p.issued_at).map_err(|_| ListError::BadTime("issued_at"))?;
        let expires = parse_rfc3339(&p.expires_at).map_err(|_| ListError::BadTime("expires_at"))?;
        if expires <= issued {
            return Err(ListError::ExpiresBeforeIssued);
        }
        if p.channel.as_deref().is_some_and(|c| !channel_name_ok(c)) {
            return Err(ListError::BadChannel);
        }
        let mut names: HashMap<&str, usize> = HashMap::new();
        let mut pinsets = Vec::with_capacity(p.pinsets.len());
        for (name, spec) in &p.pinsets {
            let path = format!("pinsets.{name}");
            let set = PinSet {
                name: name.clone(),
                good: pins(&spec.good, &format!("{path}.good"))?,
                bad: pins(&spec.bad, &format!("{path}.bad"))?,
                issuer_keys: spec
                    .issuer_keys
                    .iter()
                    .enumerate()
                    .map(|(i, k)| {
                        issuer_key(k).ok_or_else(|| {
                            ListError::BadIssuerKey(format!("{path}.issuer_keys[{i}]"))
                        })
                    })
                    .collect::<Result<_, _>>()?,
            };
            if set.good.is_empty() && set.issuer_keys.is_empty() {
                return Err(ListError::EmptyPinSet(path));
            }
            names.insert(name, pinsets.len());
            pinsets.push(set);
        }
        let mut entries = Vec::with_capacity(p.entries.len());
        let mut index = HashMap::with_capacity(p.entries.len());
        for (i, e) in p.entries.iter().enumerate() {
            // Paths are built only for an error: a large list has 100,000 entries.
            let path = || format!("entries[{i}]");
            let host = match host::normalize(&e.host) {
                Ok(Host::Name(n)) => n,
                Ok(Host::Ip(ip)) => ip,
                Err(err) => return Err(ListError::BadHost(format!("{}.host", path()), err)),
            };
            let pinset = *names
                .get(e.pinset.as_str())
                .ok_or_else(|| ListError::UnknownPinSet(format!("{}.pinset", path())))?;
            if index.insert(host.clone(), entries.len()).is_some() {
                return Err(ListError::DuplicateEntry(path()));
            }
            entries.push(Entry {
                host,
                include_subdomains: e.include_subdomains,
                pinset,
                mode: e.mode,
            });
        }
        Ok(PinList {
            info: ListInfo {
                publisher: p.publisher.clone(),
                sequence: p.sequence,
                issued_at: p.issued_at.clone(),
                expires_at: p.expires_at.clone(),
                issued_at_unix: issued,
                expires_at_unix: expires,
                entries: entries.len(),
                pinsets: pinsets.len(),
                channel: p.channel.clone(),
            },
            pinsets,
            entries,
            index,
            blocked_spki: pins(&p.blocklist.spki, "blocklist.spki")?,
            blocked_certs: pins(&p.blocklist.certificates, "blocklist.certificates")?,
            next_signers: p.next_signers.clone(),
        })
    }

    /// A list from parts already compiled once (`compiled.rs`): `None` when an entry names a pin
    /// set that is not there or a host twice, which a compiled list never does.
    pub(crate) fn from_parts(
        mut info: ListInfo,
        pinsets: Vec<PinSet>,
        entries: Vec<Entry>,
        blocked: (Vec<Pin>, Vec<Pin>),
        next_signers: Option<SignerSetSpec>,
    ) -> Option<PinList> {
        let mut index = HashMap::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            if e.pinset >= pinsets.len() || index.insert(e.host.clone(), i).is_some() {
                return None;
            }
        }
        info.entries = entries.len();
        info.pinsets = pinsets.len();
        Some(PinList {
            info,
            pinsets,
            entries,
            index,
            blocked_spki: blocked.0,
            blocked_certs: blocked.1,
            next_signers,
        })
    }

    /// The entry that governs `host`: an exact entry, else the nearest parent that includes
    /// subdomains. `host` must already be normalised; IP literals only match IP entries.
    pub fn lookup(&self, host: &Host) -> Option<&Entry> {
        let name = match host {
            Host::Ip(ip) => return self.index.get(ip.as_str()).map(|&i| &self.entries[i]),
            Host::Name(n) => n.as_str(),
        };
        if let Some(&i) = self.index.get(name) {
            return Some(&self.entries[i]);
        }
        let mut rest = name;
        while let Some(dot) = rest.find('.') {
            rest = &rest[dot + 1..];
            if let Some(&i) = self.index.get(rest) {
                let entry = &self.entries[i];
                if entry.include_subdomains {
                    return Some(entry);
                }
            }
        }
        None
    }
}

fn pins(texts: &[String], path: &str) -> Result<Vec<Pin>, ListError> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| Pin::from_base64(t).map_err(|_| ListError::BadPin(format!("{path}[{i}]"))))
        .collect()
}

pub(crate) fn issuer_key(text: &str) -> Option<(Pin, Vec<u8>)> {
    let der = STANDARD.decode(text.trim()).ok()?;
    crate::x509::spki::Spki::parse(&der)?;
    Some((Pin::of_spki(&der), der))
}

/// A pin for an internal host that policy or the user adds outside any signed list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExtraEntry {
    pub host: String,
    #[serde(default)]
    pub include_subdomains: bool,
    /// SPKI pins (base64) that pin a host no list governs; may be empty when `bad_pins` is not.
    #[serde(default)]
    pub pins: Vec<String>,
    /// SPKI pins (base64) marked bad for the host, whoever governs it: they count on every host,
    /// so a user or policy may always make a list stricter, never weaker (`Engine::new`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bad_pins: Vec<String>,
    /// Base64 DER SubjectPublicKeyInfo of the CAs that issue the host's leaf, as a pin set's
    /// `issuer_keys`: what proves the host where the browser hands over only the leaf.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issuer_keys: Vec<String>,
    #[serde(default = "default_extra_mode")]
    pub mode: Mode,
}

pub(crate) fn default_extra_mode() -> Mode {
    Mode::Warn
}

/// Far enough that extra entries never go stale; they are not signed lists with an expiry.
const NEVER: &str = "9999-12-31T23:59:59Z";

impl PinList {
    /// A list made of extra entries, one pin set per entry with good pins, that never expires.
    /// Entries with bad pins only pin nothing: the engine applies their bad pins on their own.
    pub fn from_extra_entries(
        publisher: &str,
        extras: &[ExtraEntry],
    ) -> Result<PinList, ListError> {
        let mut payload = Payload {
            version: FORMAT_VERSION,
            sequence: 0,
            issued_at: "1970-01-01T00:00:00Z".into(),
            expires_at: NEVER.into(),
            publisher: publisher.into(),
            comment: None,
            pinsets: BTreeMap::new(),
            entries: Vec::new(),
            blocklist: BlockListSpec::default(),
            next_signers: None,
            channel: None,
        };
        for (i, extra) in extras.iter().enumerate() {
            let name = format!("extra-{i}");
            if extra.pins.is_empty() {
                if extra.bad_pins.is_empty() {
                    return Err(ListError::EmptyPinSet(format!("extraEntries[{i}].pins")));
                }
                continue;
            }
            payload.pinsets.insert(
                name.clone(),
                PinSetSpec {
                    good: extra.pins.clone(),
                    bad: extra.bad_pins.clone(),
                    issuer_keys: extra.issuer_keys.clone(),
                    ..PinSetSpec::default()
                },
            );
            payload.entries.push(EntrySpec {
                host: extra.host.clone(),
                include_subdomains: extra.include_subdomains,
                pinset: name,
                mode: extra.mode,
                cookie_scope: None,
                comment: None,
            });
        }
        PinList::compile(&payload).map_err(|e| match e {
            // Paths in a synthetic payload would confuse; point at the extra entries instead.
            ListError::BadPin(p) | ListError::DuplicateEntry(p) => ListError::BadPin(
                p.replace("pinsets.extra-", "extraEntries[")
                    .replace(".good", "].pins"),
            ),
            other => other,
        })
    }
}
