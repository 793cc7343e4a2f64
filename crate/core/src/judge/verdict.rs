//! Verdicts: what Pinwatch concludes about one connection, and why.

use crate::judge::path::PathView;
use crate::list::{ListInfo, Mode};
use crate::reason::{Reason, ReasonCode};
use crate::x509::cert::CertFacts;
use serde::Serialize;
use std::collections::BTreeMap;

crate::named_enum::named_enum! {
    /// The verdicts (docs/design.md#verdicts).
    pub enum Status {
        /// A pinned host, and a pinned key is in the chain (or signed the leaf).
        Pinned = "pinned",
        /// A pinned host, and no pinned key in the chain, or a bad key in it.
        Mismatch = "mismatch",
        /// A known-compromised key or certificate, on any host.
        Blocked = "blocked",
        /// The chain ends at a root that policy declares as an inspection proxy.
        AllowedInterception = "allowed-interception",
        /// No entry covers the host.
        Unpinned = "unpinned",
        /// The list that covers the host is past its expiry: no enforcement.
        Stale = "stale",
        /// The chain would be a mismatch, but the list that covers the host has expired: not
        /// enforced, but warned and reported (an interceptor who blocks updates gains nothing silent).
        StaleMismatch = "stale-mismatch",
        /// No chain could be read or checked: never shown as OK.
        Unverifiable = "unverifiable",
        /// A host no entry covers, on a chain that ends in a root the browser does not ship and
        /// no one declared: decrypted by software on this computer or network.
        LocalRoot = "local-root",
    }
}

crate::named_enum::named_enum! {
    /// How the verdict was reached.
    pub enum MatchKind {
        /// A good pin of the set is the SPKI of a certificate in the chain.
        ChainPin = "chain-pin",
        /// A pinned issuer key verified the leaf's signature.
        IssuerKey = "issuer-key",
        /// A bad pin of the set is in the chain.
        BadPin = "bad-pin",
        /// A block-listed SPKI is in the chain.
        BlockedSpki = "blocked-spki",
        /// A block-listed certificate hash is in the chain.
        BlockedCertificate = "blocked-certificate",
        /// A policy-declared interception root is in the chain.
        AllowedRoot = "allowed-root",
        /// The chain ends in a root added to this computer that no one declared.
        LocalRoot = "local-root",
        /// The chain ends in a root the user marked as known.
        KnownRoot = "known-root",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Matched {
    pub kind: MatchKind,
    /// The pin (or certificate hash) that matched, base64.
    pub pin: String,
    /// Which certificate of the chain, 0 = leaf.
    pub cert_index: Option<usize>,
}

/// The entry that covers the host, as shown to people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryView {
    pub host: String,
    pub include_subdomains: bool,
    pub pinset: String,
    /// The mode the list gives.
    pub mode: Mode,
    /// Where the entry came from (`bundled`, a channel URL, `policy`, `user`).
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PinSetView {
    pub name: String,
    pub good: Vec<String>,
    pub bad: Vec<String>,
    /// Pins of the issuer keys the set carries.
    pub issuer_keys: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub status: Status,
    /// One plain sentence for people, in English: `reason_code` rendered (reason.rs).
    pub reason: String,
    /// Why, as a code the extension renders in the reader's language.
    pub reason_code: ReasonCode,
    /// The values the code's sentence names (host, dates, counts, technical errors).
    pub reason_params: BTreeMap<&'static str, String>,
    /// The normalised host (or the input, when it could not be normalised).
    pub host: String,
    /// What the extension should do: the entry's mode after any override; `enforce` for
    /// `blocked`; absent when there is nothing to act on.
    pub action: Option<Mode>,
    /// The mode in force for the host (the entry's after any override), whatever the status:
    /// what `decision::decide` needs when a chain could not be judged. Absent when unpinned.
    pub mode: Option<Mode>,
    /// A chain was given but could not be read (none in it, too many certificates, or one the
    /// DER walk refuses): what the connection sent, unlike a browser that hands over only a leaf.
    pub unreadable: bool,
    /// The SPKI pins of the readable chain, leaf first, space-separated: what "proceed anyway"
    /// is bound to, so another chain on the same host gets a fresh warning.
    pub chain_key: String,
    pub entry: Option<EntryView>,
    pub pinset: Option<PinSetView>,
    pub matched: Option<Matched>,
    /// Facts of every certificate that could be read, leaf first.
    pub chain: Vec<CertFacts>,
    /// Only the leaf was available (leaf-only browsers).
    pub leaf_only: bool,
    /// The list the entry came from (or the first source, for unpinned hosts).
    pub list: Option<ListInfo>,
    /// How the chain was linked by signatures, for chains no browser built (`chain` then holds
    /// the linked certificates only).
    pub path: Option<PathView>,
}

impl Verdict {
    /// Sets the reason: its code, parameters and English sentence together.
    pub fn set_reason(&mut self, reason: Reason) {
        self.reason = reason.english();
        self.reason_code = reason.code;
        self.reason_params = reason.params;
    }
}
