//! Which pinned hosts leave their session open on sibling hosts.
//!
//! A cookie set with `Domain=example.com` goes to every host under `example.com`, so pinning
//! `mail.example.com` alone leaves `docs.example.com` open to an interceptor who then holds the
//! same session. How far up a host may set cookies is bounded by its registrable domain, which
//! only the Public Suffix List knows (`alice.github.io`, not `github.io`); the list is compiled in
//! from the `psl` crate, so this module is behind the `cookie-scope` feature and stays out of the
//! WebAssembly module the extension ships.

use crate::host::{self, Host};
use crate::list::{json_read, CookieScope, ExtraEntry, Payload};
use crate::problem::{Problem, ProblemCode};
use psl::Psl as _;
use std::collections::{BTreeMap, BTreeSet};

/// A registrable domain whose other hosts no entry pins, and the entries that pin hosts in it
/// without saying the rest was considered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// The registrable domain, as the cookies' `Domain` attribute would name it.
    pub domain: String,
    /// Indexes into `Payload::entries` (or the extra entries), in list order.
    pub entries: Vec<usize>,
    /// Their hosts, normalised, in the same order.
    pub hosts: Vec<String>,
}

/// The registrable domain of a normalised host name (public suffix plus one label), or `None`
/// for an IP literal, a public suffix itself, or a single label.
pub fn registrable_domain(host: &str) -> Option<&str> {
    // A name under a top-level label the list does not know gets the implicit `*` rule, as in
    // browsers: `intranet.corp` is its own registrable domain.
    let domain = psl::List.domain(host.as_bytes())?;
    core::str::from_utf8(domain.as_bytes()).ok()
}

/// Every registrable domain that has a pinned host but is not pinned whole (the domain itself
/// with `include_subdomains`), unless each of its entries says `"cookie_scope": "considered"`.
/// Hosts that do not normalise are skipped: lint reports them on their own.
pub fn gaps(payload: &Payload) -> Vec<Gap> {
    gaps_of(payload.entries.iter().enumerate().map(|(i, e)| Pinned {
        index: i,
        host: &e.host,
        include_subdomains: e.include_subdomains,
        considered: e.cookie_scope == Some(CookieScope::Considered),
    }))
}

/// The same rule over extra entries as policy or the user wrote them (each its JSON text, as
/// `sources::check_extra_entries` takes them). An entry that does not read is skipped: the
/// engine refuses it with its own problem. Extra entries have no "considered" field: an
/// organisation that pins part of a domain on purpose reads the warning once and moves on.
pub fn extra_gaps(values: &[String]) -> Vec<Gap> {
    let entries: Vec<(usize, ExtraEntry)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| Some((i, json_read::extra_entry(v).ok()?)))
        .collect();
    gaps_of(entries.iter().map(|(i, e)| Pinned {
        index: *i,
        host: e.host.trim(),
        include_subdomains: e.include_subdomains,
        considered: false,
    }))
}

impl Gap {
    /// The warning a person reads (`cookie-scope-open`), in English here, in the reader's
    /// language on the options page.
    pub fn problem(&self) -> Problem {
        Problem::new(ProblemCode::CookieScopeOpen)
            .with("hosts", self.hosts.join(", "))
            .with("domain", &self.domain)
    }
}

/// One entry as the rule sees it.
struct Pinned<'a> {
    index: usize,
    host: &'a str,
    include_subdomains: bool,
    considered: bool,
}

fn gaps_of<'a>(entries: impl Iterator<Item = Pinned<'a>>) -> Vec<Gap> {
    let mut whole: BTreeSet<String> = BTreeSet::new();
    let mut by_domain: BTreeMap<String, Vec<(usize, String)>> = BTreeMap::new();
    for entry in entries {
        let Ok(Host::Name(name)) = host::normalize(entry.host) else {
            continue;
        };
        let Some(domain) = registrable_domain(&name) else {
            continue;
        };
        let domain = domain.to_owned();
        if name == domain && entry.include_subdomains {
            whole.insert(domain);
            continue;
        }
        if entry.considered {
            continue;
        }
        by_domain
            .entry(domain)
            .or_default()
            .push((entry.index, name));
    }
    let mut out: Vec<Gap> = by_domain
        .into_iter()
        .filter(|(domain, _)| !whole.contains(domain))
        .map(|(domain, entries)| Gap {
            domain,
            entries: entries.iter().map(|(i, _)| *i).collect(),
            hosts: entries.into_iter().map(|(_, h)| h).collect(),
        })
        .collect();
    // In list order, so the warnings read like the list.
    out.sort_by_key(|g| g.entries[0]);
    out
}
