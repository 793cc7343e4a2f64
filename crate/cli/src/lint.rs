//! Publisher rules for a payload, each problem with the JSON path (RFC 9535 style) it is about.
//!
//! Acceptance only asks whether a list is usable; lint asks whether it is a good idea: a pin
//! set without a backup key locks users out on the next key change, and a list valid for a
//! year keeps a revoked pin alive for a year (70 days is Chromium's rule for static pins).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use core::fmt;
use pinwatch_core::crypto::key::{KeyError, SignerSet};
use pinwatch_core::host::{self, Host, HostError};
use pinwatch_core::list::accept::MAX_SEQUENCE;
use pinwatch_core::list::json::JsonError;
use pinwatch_core::list::json_read;
use pinwatch_core::list::{Payload, FORMAT_VERSION};
use pinwatch_core::time::parse_rfc3339;
use pinwatch_core::x509::pin::{Pin, PinError};
use std::collections::{BTreeSet, HashMap};

/// The longest a list may be valid, from `issued_at` to `expires_at`.
pub const MAX_LIFETIME_DAYS: i64 = 70;
/// Good pins a pin set needs: the key in use and at least one backup.
pub const MIN_PINS: usize = 2;

/// One broken publisher rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LintError {
    /// The document is not a payload: size, UTF-8, nesting, duplicate keys, or its shape.
    Json(JsonError),
    /// `version` is not the one this build writes.
    UnsupportedVersion(u32),
    /// `sequence` must start at 1: 0 is the state "nothing accepted yet".
    ZeroSequence,
    /// `sequence` above 2^53 - 1, which JavaScript cannot hold exactly.
    SequenceTooLarge(u64),
    /// `publisher` is empty.
    EmptyPublisher,
    /// A timestamp is not RFC 3339.
    BadTime,
    /// `expires_at` is not after `issued_at`.
    ExpiresBeforeIssued,
    /// The list is valid for longer than [`MAX_LIFETIME_DAYS`] (seconds it is valid).
    LifetimeTooLong(i64),
    /// A pin is not base64 of 32 bytes.
    BadPin(PinError),
    /// The same pin twice in one array.
    DuplicatePin,
    /// A pin is both good and bad in one pin set.
    GoodAndBad,
    /// An issuer key is not a base64 DER SubjectPublicKeyInfo.
    BadIssuerKey,
    /// A pin set has fewer than [`MIN_PINS`] distinct good pins (how many).
    TooFewPins(usize),
    /// No entry uses the pin set.
    UnusedPinSet,
    /// An entry names a pin set that is not defined.
    UnknownPinSet,
    /// An entry's host is not a host name.
    BadHost(HostError),
    /// An entry's host is not in its normalised form (which is given).
    HostNotNormalised(String),
    /// A `*` in a host: entries match exactly, subdomains through `include_subdomains`.
    Wildcard,
    /// A second entry for the same host (path of the first).
    DuplicateEntry(String),
    /// `next_signers` is not a valid signer set.
    BadNextSigners(KeyError),
    /// A warning: the pin set has no issuer keys, so a browser that hands over only the leaf
    /// proves it only by fetching CA certificates (AIA), and not at all where it cannot fetch.
    NoIssuerKeys,
    /// A warning: an issuer key whose pin is not one of the set's good pins; it still proves
    /// a leaf, which the good pins do not say.
    IssuerKeyNotGood,
    /// A warning: hosts of a registrable domain are pinned but the domain is not pinned whole,
    /// so its other hosts receive the same cookies unpinned (the domain, the pinned hosts).
    CookieScope(String, Vec<String>),
}

impl LintError {
    /// A stable rule name for `--json` output.
    pub fn code(&self) -> &'static str {
        match self {
            LintError::Json(_) => "json",
            LintError::UnsupportedVersion(_) => "version",
            LintError::ZeroSequence | LintError::SequenceTooLarge(_) => "sequence",
            LintError::EmptyPublisher => "publisher",
            LintError::BadTime => "timestamp",
            LintError::ExpiresBeforeIssued | LintError::LifetimeTooLong(_) => "expiry",
            LintError::BadPin(_) => "pin-format",
            LintError::DuplicatePin | LintError::GoodAndBad => "pin-duplicate",
            LintError::BadIssuerKey => "issuer-key",
            LintError::TooFewPins(_) => "backup-pin",
            LintError::UnusedPinSet => "unused-pinset",
            LintError::UnknownPinSet => "unknown-pinset",
            LintError::BadHost(_) | LintError::HostNotNormalised(_) | LintError::Wildcard => "host",
            LintError::DuplicateEntry(_) => "duplicate-entry",
            LintError::BadNextSigners(_) => "next-signers",
            LintError::NoIssuerKeys => "leaf-proof",
            LintError::IssuerKeyNotGood => "issuer-key-not-good",
            LintError::CookieScope(..) => "cookie-scope",
        }
    }

    /// Advice rather than a broken rule: reported, but the list may be signed as it is.
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            LintError::NoIssuerKeys | LintError::IssuerKeyNotGood | LintError::CookieScope(..)
        )
    }
}

impl fmt::Display for LintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LintError::Json(e) => write!(f, "{e}"),
            LintError::UnsupportedVersion(v) => write!(f, "version {v} is not supported; write {FORMAT_VERSION}"),
            LintError::ZeroSequence => f.write_str("sequence must be at least 1"),
            LintError::SequenceTooLarge(s) => write!(f, "sequence {s} is larger than {MAX_SEQUENCE}"),
            LintError::EmptyPublisher => f.write_str("publisher is empty; name who publishes the list"),
            LintError::BadTime => f.write_str("not an RFC 3339 timestamp such as 2026-11-28T10:00:00Z"),
            LintError::ExpiresBeforeIssued => f.write_str("expires_at is not after issued_at"),
            LintError::LifetimeTooLong(secs) => write!(
                f,
                "the list is valid for {:.1} days; at most {MAX_LIFETIME_DAYS} days after issued_at",
                *secs as f64 / 86_400.0
            ),
            LintError::BadPin(e) => write!(f, "{e}"),
            LintError::DuplicatePin => f.write_str("the same pin is listed twice"),
            LintError::GoodAndBad => f.write_str("the pin is both good and bad in this pin set"),
            LintError::BadIssuerKey => f.write_str("not a base64 DER SubjectPublicKeyInfo"),
            LintError::TooFewPins(n) => write!(
                f,
                "the pin set has {n} good pin(s); at least {MIN_PINS} independent keys are needed, so a key change does not lock users out"
            ),
            LintError::UnusedPinSet => f.write_str("no entry uses this pin set"),
            LintError::UnknownPinSet => f.write_str("names a pin set that is not defined"),
            LintError::BadHost(e) => write!(f, "{e}"),
            LintError::HostNotNormalised(n) => write!(f, "the host is not normalised: write {n:?}"),
            LintError::Wildcard => f.write_str("'*' never matches; write the parent host and set include_subdomains"),
            LintError::DuplicateEntry(first) => write!(f, "a second entry for the same host as {first}"),
            LintError::BadNextSigners(e) => write!(f, "{e}"),
            LintError::NoIssuerKeys => f.write_str(
                "warning: no issuer_keys, so browsers that hand over only the leaf can prove this pin set only by fetching the CA certificates the leaf names (AIA), and never where they cannot fetch; add the pinned CAs' public keys",
            ),
            LintError::IssuerKeyNotGood => f.write_str(
                "warning: this issuer key's pin is not among the set's good pins, yet it proves a leaf; list it in good too",
            ),
            LintError::CookieScope(domain, hosts) => write!(
                f,
                "warning: {} pinned, but not {domain} with include_subdomains: a cookie set for {domain} also goes to its other hosts, where an interceptor takes the same session unseen; pin {domain} with include_subdomains, or set \"cookie_scope\": \"considered\" on each entry and say why in its comment",
                hosts.join(", ")
            ),
        }
    }
}

impl std::error::Error for LintError {}

/// A broken rule and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub error: LintError,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.error)
    }
}

/// Every problem in payload bytes; empty when the payload follows every rule.
pub fn lint(bytes: &[u8]) -> Vec<Problem> {
    match json_read::payload(bytes) {
        Ok(payload) => lint_payload(&payload),
        Err(e) => vec![Problem {
            path: "$".into(),
            error: LintError::Json(e),
        }],
    }
}

/// A member's path: `base.name` when the name allows it, else `base['name']`.
fn member(base: &str, name: &str) -> String {
    let mut chars = name.chars();
    let shorthand = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if shorthand {
        format!("{base}.{name}")
    } else {
        let escaped = name.replace('\\', "\\\\").replace('\'', "\\'");
        format!("{base}['{escaped}']")
    }
}

pub fn lint_payload(p: &Payload) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut problem = |path: String, error: LintError| out.push(Problem { path, error });
    if p.version != FORMAT_VERSION {
        problem("$.version".into(), LintError::UnsupportedVersion(p.version));
    }
    if p.sequence == 0 {
        problem("$.sequence".into(), LintError::ZeroSequence);
    } else if p.sequence > MAX_SEQUENCE {
        problem("$.sequence".into(), LintError::SequenceTooLarge(p.sequence));
    }
    if p.publisher.trim().is_empty() {
        problem("$.publisher".into(), LintError::EmptyPublisher);
    }
    let issued = parse_rfc3339(&p.issued_at).ok();
    let expires = parse_rfc3339(&p.expires_at).ok();
    if issued.is_none() {
        problem("$.issued_at".into(), LintError::BadTime);
    }
    if expires.is_none() {
        problem("$.expires_at".into(), LintError::BadTime);
    }
    if let (Some(issued), Some(expires)) = (issued, expires) {
        if expires <= issued {
            problem("$.expires_at".into(), LintError::ExpiresBeforeIssued);
        } else if expires - issued > MAX_LIFETIME_DAYS * 86_400 {
            problem(
                "$.expires_at".into(),
                LintError::LifetimeTooLong(expires - issued),
            );
        }
    }

    let used: BTreeSet<&str> = p.entries.iter().map(|e| e.pinset.as_str()).collect();
    for (name, set) in &p.pinsets {
        let path = member("$.pinsets", name);
        let good = pins(&set.good, &format!("{path}.good"), &mut problem);
        pins(&set.bad, &format!("{path}.bad"), &mut problem);
        for (i, pin) in set.bad.iter().enumerate() {
            if Pin::from_base64(pin).is_ok_and(|b| good.contains(&b)) {
                problem(format!("{path}.bad[{i}]"), LintError::GoodAndBad);
            }
        }
        if good.len() < MIN_PINS {
            problem(format!("{path}.good"), LintError::TooFewPins(good.len()));
        }
        for (i, key) in set.issuer_keys.iter().enumerate() {
            let der = STANDARD
                .decode(key.trim())
                .ok()
                .filter(|d| pinwatch_core::x509::spki::Spki::parse(d).is_some());
            match der {
                None => problem(format!("{path}.issuer_keys[{i}]"), LintError::BadIssuerKey),
                Some(d) if !good.contains(&Pin::of_spki(&d)) => problem(
                    format!("{path}.issuer_keys[{i}]"),
                    LintError::IssuerKeyNotGood,
                ),
                Some(_) => {}
            }
        }
        if set.issuer_keys.is_empty() {
            problem(path.clone(), LintError::NoIssuerKeys);
        }
        if !used.contains(name.as_str()) {
            problem(path, LintError::UnusedPinSet);
        }
    }

    let mut seen: HashMap<String, String> = HashMap::new();
    for (i, entry) in p.entries.iter().enumerate() {
        let path = format!("$.entries[{i}]");
        if !p.pinsets.contains_key(&entry.pinset) {
            problem(format!("{path}.pinset"), LintError::UnknownPinSet);
        }
        let normalised = match host::normalize(&entry.host) {
            Ok(Host::Name(n) | Host::Ip(n)) => n,
            Err(e) => {
                problem(format!("{path}.host"), LintError::BadHost(e));
                continue;
            }
        };
        if normalised.contains('*') {
            problem(format!("{path}.host"), LintError::Wildcard);
        } else if normalised != entry.host {
            problem(
                format!("{path}.host"),
                LintError::HostNotNormalised(normalised.clone()),
            );
        }
        if let Some(first) = seen.get(&normalised) {
            problem(path, LintError::DuplicateEntry(first.clone()));
        } else {
            seen.insert(normalised, path);
        }
    }

    pins(&p.blocklist.spki, "$.blocklist.spki", &mut problem);
    pins(
        &p.blocklist.certificates,
        "$.blocklist.certificates",
        &mut problem,
    );
    if let Some(next) = &p.next_signers {
        if let Err(e) = SignerSet::from_texts(&next.keys, next.threshold) {
            problem("$.next_signers".into(), LintError::BadNextSigners(e));
        }
    }
    cookie_scope(p, &mut problem);
    out
}

/// One warning per registrable domain whose session the list pins only in part.
fn cookie_scope(p: &Payload, problem: &mut impl FnMut(String, LintError)) {
    for gap in pinwatch_core::list::cookie_scope::gaps(p) {
        problem(
            format!("$.entries[{}]", gap.entries[0]),
            LintError::CookieScope(gap.domain, gap.hosts),
        );
    }
}

/// The distinct valid pins of one array, reporting bad and repeated ones.
fn pins(
    texts: &[String],
    path: &str,
    problem: &mut impl FnMut(String, LintError),
) -> BTreeSet<Pin> {
    let mut out = BTreeSet::new();
    for (i, text) in texts.iter().enumerate() {
        match Pin::from_base64(text) {
            Ok(pin) => {
                if !out.insert(pin) {
                    problem(format!("{path}[{i}]"), LintError::DuplicatePin);
                }
            }
            Err(e) => problem(format!("{path}[{i}]"), LintError::BadPin(e)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_rfc_9535_shorthand_rules() {
        assert_eq!(member("$.pinsets", "google"), "$.pinsets.google");
        assert_eq!(
            member("$.pinsets", "google-mail"),
            "$.pinsets['google-mail']"
        );
        assert_eq!(member("$.pinsets", "it's"), "$.pinsets['it\\'s']");
        assert_eq!(member("$.pinsets", "9x"), "$.pinsets['9x']");
    }

    #[test]
    fn a_schema_error_is_one_problem_at_the_root() {
        let problems = lint(br#"{"version": 1}"#);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, "$");
    }
}
