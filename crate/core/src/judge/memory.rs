//! What the judge keeps between responses, with the rule for each next to it: what may vouch
//! for what, for how long, and never for a chain it did not see. Everything is bounded (an
//! interceptor chooses how many distinct chains, hosts and URLs it shows) and keyed by time
//! the caller gives (`now`, milliseconds): the core reads no clock.

use crate::judge::path::SignatureCache;
use crate::judge::verdict::Verdict;
use crate::x509::pin::Pin;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

/// Verdicts kept; the oldest goes first.
pub const MAX_VERDICTS: usize = 512;
/// How long a verdict stands for the same chain: a list that expires mid-wake changes verdicts.
pub const VERDICT_MS: i64 = 5 * 60_000;
/// CA certificates kept for completing leaf-only chains.
pub const MAX_KEPT: usize = 64;
/// An AIA URL is fetched at most once in this long (a page's many responses share the answer).
pub const FETCHED_URL_MS: i64 = 60_000;
pub const MAX_FETCHED_URLS: usize = 256;

/// A map that forgets its oldest key past `max` entries.
#[derive(Debug, Clone)]
struct Bounded<V> {
    max: usize,
    map: HashMap<String, V>,
    order: VecDeque<String>,
}

impl<V> Bounded<V> {
    fn new(max: usize) -> Bounded<V> {
        Bounded {
            max,
            map: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    fn get(&self, key: &str) -> Option<&V> {
        self.map.get(key)
    }

    fn put(&mut self, key: String, value: V) {
        if self.map.insert(key.clone(), value).is_some() {
            self.order.retain(|k| *k != key);
        }
        self.order.push_back(key);
        while self.order.len() > self.max {
            if let Some(old) = self.order.pop_front() {
                self.map.remove(&old);
            }
        }
    }

    fn clear(&mut self) {
        self.map.clear();
        self.order.clear();
    }
}

/// One verdict kept for a chain.
#[derive(Debug, Clone)]
pub(crate) struct Kept {
    pub verdict: Rc<Verdict>,
    pub at: i64,
    /// The outcome was a plain pass of a pinned chain: nothing stored, shown or reported.
    pub quiet: bool,
}

/// A CA certificate kept for completing chains no browser built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeptCa {
    /// Subject key identifier (hex): what an open end's authority key identifier names.
    pub key_id: String,
    /// The URL it was fetched from.
    pub url: String,
    /// DER, base64.
    pub der: String,
    /// When it was kept (ms).
    pub at: i64,
}

/// What the judge keeps for the life of one engine.
#[derive(Debug)]
pub struct Memory {
    /// Verdicts by host and every certificate's SHA-256 (chains a browser built only).
    verdicts: Bounded<Kept>,
    /// Hosts whose chain was judged with its facts (from DER), and when.
    facts: Bounded<i64>,
    kept: Vec<KeptCa>,
    kept_changed: bool,
    /// AIA URLs fetched, when, and the DER they gave (None: nothing usable).
    fetched: Bounded<(i64, Option<Rc<Vec<u8>>>)>,
    /// When the companion last looked at a sub-resource of each host.
    looks: Bounded<i64>,
    pub(crate) signatures: SignatureCache,
    /// How this engine's verdicts were reached (the options page and tests read them).
    pub counts: Counts,
}

/// How verdicts were reached in this memory's life.
#[derive(Debug, Default, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub der: u32,
    pub digests: u32,
    pub cache: u32,
    /// Responses whose DER was asked for.
    pub der_reads: u32,
    /// AIA fetches asked for.
    pub fetches: u32,
    /// Sub-resources the companion was asked to look at (`SUBRESOURCE_LOOK_MS`).
    pub subresource_looks: u32,
}

impl Default for Memory {
    fn default() -> Memory {
        Memory::new(Vec::new())
    }
}

impl Memory {
    /// A memory that starts with the CA certificates kept in storage (bounded, newest last),
    /// and verifies the signatures a path needs itself.
    pub fn new(kept: Vec<KeptCa>) -> Memory {
        Memory::with_signatures(kept, SignatureCache::new())
    }

    /// A memory whose judges ask their caller for the signatures a path needs
    /// ([`NeedKind::Signatures`](super::NeedKind::Signatures)): the extension's per-response
    /// module, which carries no signature arithmetic.
    pub fn asking(kept: Vec<KeptCa>) -> Memory {
        Memory::with_signatures(kept, SignatureCache::asking())
    }

    fn with_signatures(mut kept: Vec<KeptCa>, signatures: SignatureCache) -> Memory {
        if kept.len() > MAX_KEPT {
            kept.drain(..kept.len() - MAX_KEPT);
        }
        Memory {
            verdicts: Bounded::new(MAX_VERDICTS),
            facts: Bounded::new(MAX_VERDICTS),
            kept,
            kept_changed: false,
            fetched: Bounded::new(MAX_FETCHED_URLS),
            looks: Bounded::new(MAX_VERDICTS),
            signatures,
            counts: Counts::default(),
        }
    }

    /// The key of a chain the browser built: the host and every certificate's hash. Another
    /// chain on the same host (a new server key mid-session) is another key.
    pub(crate) fn chain_key(host: &str, hashes: &[Pin]) -> Option<String> {
        if hashes.is_empty() {
            return None;
        }
        let mut key = String::with_capacity(host.len() + hashes.len() * 45);
        key.push_str(host);
        for h in hashes {
            key.push(' ');
            key.push_str(&h.to_base64());
        }
        Some(key)
    }

    /// The verdict kept for this chain, if it is still good. `facts`: only one that carries the
    /// certificates' facts.
    pub(crate) fn verdict(&self, key: &str, facts: bool, now: i64) -> Option<&Kept> {
        let hit = self.verdicts.get(key)?;
        if now - hit.at > VERDICT_MS || (facts && hit.verdict.chain.is_empty()) {
            return None;
        }
        Some(hit)
    }

    /// Keeps a verdict reached on a chain the browser built. Only such chains: a chain Pinwatch
    /// linked itself depends on what was fetched and kept at the time.
    pub(crate) fn keep_verdict(&mut self, key: String, host: &str, kept: Kept) {
        if !kept.verdict.chain.is_empty() {
            self.facts.put(host.to_string(), kept.at);
        }
        self.verdicts.put(key, kept);
    }

    /// Whether a chain of `host` was judged with its facts lately: its page then asks for
    /// digests first, as its chain is most likely the same one.
    pub(crate) fn has_facts(&self, host: &str, now: i64) -> bool {
        self.facts
            .get(host)
            .is_some_and(|&at| now - at <= VERDICT_MS)
    }

    /// Kept CA certificates whose subject key id or URL is one of those wanted.
    pub(crate) fn kept_for(&self, key_ids: &[String], urls: &[String]) -> Vec<&KeptCa> {
        self.kept
            .iter()
            .filter(|k| {
                (!k.key_id.is_empty() && key_ids.contains(&k.key_id)) || urls.contains(&k.url)
            })
            .collect()
    }

    /// Keeps CA certificates that completed a chain. The rule: only from a chain that ended
    /// `pinned` (a certificate that linked an interceptor's chain proves nothing, and one that
    /// copies a genuine CA's subject and key id must not replace it), and a kept certificate
    /// never stands in for a fetch: the fetch happens when what is kept does not link.
    pub(crate) fn keep_cas(&mut self, linked: Vec<KeptCa>) {
        if linked.is_empty() {
            return;
        }
        self.kept.retain(|k| !linked.iter().any(|l| l.der == k.der));
        self.kept.extend(linked);
        if self.kept.len() > MAX_KEPT {
            self.kept.drain(..self.kept.len() - MAX_KEPT);
        }
        self.kept_changed = true;
    }

    /// The kept CA certificates, for storage, and whether they changed since last asked.
    pub fn take_kept(&mut self) -> Option<&[KeptCa]> {
        if !std::mem::take(&mut self.kept_changed) {
            return None;
        }
        Some(&self.kept)
    }

    /// What a fetch of `url` gave within [`FETCHED_URL_MS`]: `Some(None)` for a failure.
    pub(crate) fn fetched(&self, url: &str, now: i64) -> Option<Option<Rc<Vec<u8>>>> {
        self.fetched
            .get(url)
            .filter(|(at, _)| now - at < FETCHED_URL_MS)
            .map(|(_, der)| der.clone())
    }

    pub(crate) fn note_fetch(&mut self, url: &str, der: Option<Vec<u8>>, now: i64) {
        self.fetched.put(url.to_string(), (now, der.map(Rc::new)));
    }

    /// Whether a sub-resource look at `host` is due: none in the last `every` ms. Sampled, not
    /// each one: a look is a second TLS connection to the server.
    pub(crate) fn look_due(&self, host: &str, now: i64, every: i64) -> bool {
        self.looks
            .get(host)
            .is_none_or(|&at| now - at >= every || now < at)
    }

    pub(crate) fn note_look(&mut self, host: &str, now: i64) {
        self.looks.put(host.to_string(), now);
    }

    /// Forgets every verdict (an engine with other rules starts afresh).
    pub fn forget_verdicts(&mut self) {
        self.verdicts.clear();
        self.facts.clear();
    }
}
