//! The engine: the merged active lists plus settings, and the verdict for one connection.
//!
//! Precedence (documented in docs/pinlist-format.md): sources are given lowest first; for the
//! same host, a later source's entry replaces an earlier one's when its kind may
//! (`SourceKind::may_replace`: the user adds, never weakens). Block lists are the union of all
//! sources. A source may be limited to a host scope (policy), outside which its entries are dropped.
//! Engines are built from callers' inputs by `Engine::from_inputs` (sources.rs).

use crate::host::{self, Host};
use crate::judge::local_root::{LocalRootMode, LocalRootSettings};
use crate::judge::lookup_hash::{LookupMap, LookupSet};
use crate::judge::path::{self, Anchor, AnchorKind, CertOrigin, Given, PathView, SignatureCache};
use crate::judge::proof;
use crate::judge::verdict::{EntryView, MatchKind, Matched, PinSetView, Status, Verdict};
use crate::list::source_kind::{SourceKind, SourceProblem};
use crate::list::{Entry, ListInfo, Mode, PinList, PinSet};
use crate::problem::{Problem, ProblemCode};
use crate::reason::{Reason, ReasonCode};
use crate::x509::cert::{check_chain_len, read_chain, Cert, CertError, CertFacts};
use crate::x509::pin::{next_pin, Pin, PinError};
use serde::{Deserialize, Serialize};

/// One list the engine merges, with where it came from and the hosts it may pin.
#[derive(Debug, Clone)]
pub struct Source {
    pub origin: String,
    /// Who speaks through it: decides which entries it may replace.
    pub kind: SourceKind,
    pub list: PinList,
    /// When set, only entries for these hosts or their subdomains are used.
    pub scope: Option<Vec<String>>,
}

/// Settings that come from policy or the user, not from a signed list.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// SPKI pins of roots the organisation declared as inspection proxies.
    pub allowed_interception_spkis: Vec<String>,
    /// PEM certificates of the roots (or issuing CAs) of the organisation's inspection proxies:
    /// their pins count as `allowed_interception_spkis`, and their keys can prove a leaf
    /// the proxy issued when the browser hands over only the leaf.
    pub allowed_interception_roots: Vec<String>,
    /// The mode policy imposes on every entry.
    pub policy_mode: Option<Mode>,
    /// The mode the user chose; counts only where it is at least as strong as `policy_mode`.
    pub user_mode: Option<Mode>,
    /// Policy's `allowUserOverride`: whether "proceed anyway" is offered (default: yes).
    pub allow_user_override: Option<bool>,
    /// What a chain ending in a root added to the computer does on hosts no list governs.
    #[serde(flatten)]
    pub local_roots: LocalRootSettings,
}

impl Settings {
    /// The mode that replaces every entry's own, if any: the stronger of policy's and the user's.
    pub fn mode_override(&self) -> Option<Mode> {
        match (self.policy_mode, self.user_mode) {
            (Some(p), Some(u)) => Some(p.max(u)),
            (p, u) => p.or(u),
        }
    }
}

/// Summary of one merged source, for the options page.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceStatus {
    pub origin: String,
    pub list: ListInfo,
    pub stale: bool,
    /// Entries dropped because they were outside the source's scope.
    pub out_of_scope: usize,
}

/// Bad pins that a user's or policy's extra entry marks for a host (and its subdomains, when it
/// says so), whoever governs the host: they can only make a verdict stricter.
#[derive(Debug, Clone)]
pub struct ExtraBad {
    pub origin: String,
    pub host: String,
    pub include_subdomains: bool,
    /// A few pins, looked up by a scan: a set of them cost its own hash table code.
    pub pins: Vec<Pin>,
    pub mode: Mode,
}

impl ExtraBad {
    /// From a checked extra entry (`sources::check_extra_entries`: pins already canonical).
    pub fn new(origin: &str, entry: &crate::list::ExtraEntry) -> ExtraBad {
        ExtraBad {
            origin: origin.to_string(),
            host: entry.host.clone(),
            include_subdomains: entry.include_subdomains,
            pins: entry
                .bad_pins
                .iter()
                .filter_map(|p| Pin::from_base64(p).ok())
                .collect(),
            mode: entry.mode,
        }
    }

    fn covers(&self, host: &str) -> bool {
        host == self.host
            || (self.include_subdomains
                && host
                    .strip_suffix(self.host.as_str())
                    .is_some_and(|p| p.ends_with('.')))
    }
}

#[derive(Debug, Clone)]
pub struct Engine {
    sources: Vec<Source>,
    /// host -> (source, entry) after precedence.
    index: LookupMap<String, (usize, usize)>,
    out_of_scope: Vec<usize>,
    blocked_spki: LookupSet<Pin>,
    blocked_certs: LookupSet<Pin>,
    allowed_roots: LookupSet<Pin>,
    /// Keys of the declared proxies' certificates (`allowed_interception_roots`), by pin.
    declared_proxies: Vec<(Pin, Vec<u8>)>,
    mode_override: Option<Mode>,
    allow_user_override: bool,
    /// Roots the user marked as known (`LocalRootSettings::known_roots`).
    pub(crate) known_roots: LookupSet<Pin>,
    pub(crate) local_root_mode: LocalRootMode,
    /// Set by `Engine::from_read` from extra entries.
    pub(crate) extra_bad: Vec<ExtraBad>,
}

/// The source whose entry governs `entry`'s host so far: the same host, or a parent that
/// includes subdomains (an exact entry under it would take its place in lookups).
fn governing_source(
    index: &LookupMap<String, (usize, usize)>,
    sources: &[Source],
    entry: &Entry,
) -> Option<usize> {
    if let Some(&(s, _)) = index.get(&entry.host) {
        return Some(s);
    }
    let mut rest = entry.host.as_str();
    while let Some(dot) = rest.find('.') {
        rest = &rest[dot + 1..];
        if let Some(&(s, e)) = index.get(rest) {
            if sources[s].list.entries[e].include_subdomains {
                return Some(s);
            }
        }
    }
    None
}

fn in_scope(host: &str, scope: &[String]) -> bool {
    scope.iter().any(|s| {
        let s = s.trim_end_matches('.').to_ascii_lowercase();
        host == s
            || host
                .strip_suffix(s.as_str())
                .is_some_and(|p| p.ends_with('.'))
    })
}

impl Engine {
    /// The engine from parsed sources. Returns what was left out: entries a source may not
    /// set, and invalid pins in `settings.allowed_interception_spkis`; neither makes it fail.
    pub fn new(sources: Vec<Source>, settings: &Settings) -> (Engine, Vec<SourceProblem>) {
        let mut index: LookupMap<String, (usize, usize)> = LookupMap::default();
        let mut out_of_scope = vec![0; sources.len()];
        let (mut blocked_spki, mut blocked_certs) = (LookupSet::default(), LookupSet::default());
        let mut problems = Vec::new();
        for (s, source) in sources.iter().enumerate() {
            for (e, entry) in source.list.entries.iter().enumerate() {
                if let Some(scope) = &source.scope {
                    if !in_scope(&entry.host, scope) {
                        out_of_scope[s] += 1;
                        continue;
                    }
                }
                if let Some(governing) = governing_source(&index, &sources, entry) {
                    if !source.kind.may_replace(sources[governing].kind) {
                        problems.push(SourceProblem::new(
                            &source.origin,
                            Problem::new(ProblemCode::EntryNotUsed)
                                .with("host", &entry.host)
                                .with("governing", &sources[governing].origin),
                        ));
                        continue;
                    }
                }
                index.insert(entry.host.clone(), (s, e));
            }
            blocked_spki.extend(source.list.blocked_spki.iter().copied());
            blocked_certs.extend(source.list.blocked_certs.iter().copied());
        }
        let mut allowed_roots = LookupSet::default();
        for text in &settings.allowed_interception_spkis {
            match Pin::from_base64_or_hex(text) {
                Ok(pin) => {
                    allowed_roots.insert(pin);
                }
                Err(_) => problems.push(SourceProblem::new(
                    "allowedInterceptionSpkis",
                    Problem::new(ProblemCode::SpkiUnreadable).with("value", format!("{text:?}")),
                )),
            }
        }
        let mut declared_proxies = Vec::new();
        for (i, pem) in settings.allowed_interception_roots.iter().enumerate() {
            match crate::x509::cert::parse_chain(pem.as_bytes()) {
                Ok(certs) => {
                    for cert in certs {
                        allowed_roots.insert(cert.spki_pin);
                        declared_proxies.push((cert.spki_pin, cert.spki_der().to_vec()));
                    }
                }
                Err(e) => problems.push(SourceProblem::new(
                    "allowedInterceptionRoots",
                    Problem::new(ProblemCode::RootUnreadable)
                        .with("index", i + 1)
                        .with("error", e),
                )),
            }
        }
        let engine = Engine {
            sources,
            index,
            out_of_scope,
            blocked_spki,
            blocked_certs,
            allowed_roots,
            declared_proxies,
            mode_override: settings.mode_override(),
            allow_user_override: settings.allow_user_override != Some(false),
            known_roots: settings.local_roots.known_roots().into_iter().collect(),
            local_root_mode: settings.local_roots.mode(),
            extra_bad: Vec::new(),
        };
        (engine, problems)
    }

    pub fn sources(&self) -> Vec<SourceStatus> {
        self.status_at(None)
    }

    /// Source summaries; with `now`, each says whether it is stale.
    pub fn status_at(&self, now: Option<i64>) -> Vec<SourceStatus> {
        self.sources
            .iter()
            .zip(&self.out_of_scope)
            .map(|(s, &out)| SourceStatus {
                origin: s.origin.clone(),
                list: s.list.info.clone(),
                stale: now.is_some_and(|t| t > s.list.info.expires_at_unix),
                out_of_scope: out,
            })
            .collect()
    }

    /// The entry and its source for a normalised host: exact first, then the nearest parent
    /// that includes subdomains. O(number of labels).
    pub fn lookup(&self, host: &Host) -> Option<(&Source, &Entry)> {
        let get = |key: &str| {
            self.index
                .get(key)
                .map(|&(s, e)| (&self.sources[s], &self.sources[s].list.entries[e]))
        };
        let name = match host {
            Host::Ip(ip) => return get(ip),
            Host::Name(n) => n.as_str(),
        };
        if let Some(hit) = get(name) {
            return Some(hit);
        }
        let mut rest = name;
        while let Some(dot) = rest.find('.') {
            rest = &rest[dot + 1..];
            if let Some(hit) = get(rest) {
                if hit.1.include_subdomains {
                    return Some(hit);
                }
            }
        }
        None
    }

    /// The first extra bad pin that covers `host` and is in the chain.
    fn extra_bad_hit(&self, host: &str, keys: &[Keys]) -> Option<(&ExtraBad, usize, Pin)> {
        self.extra_bad
            .iter()
            .filter(|b| b.covers(host))
            .find_map(|b| {
                keys.iter()
                    .position(|k| b.pins.contains(&k.spki))
                    .map(|i| (b, i, keys[i].spki))
            })
    }

    /// The mode in force for `host` (its entry's, after any override), or `None` when no entry
    /// governs it: what a check that never finished is decided by.
    pub fn mode_for(&self, host: &str) -> Option<Mode> {
        let host = host::normalize(host).ok()?;
        let listed = self.lookup(&host).map(|(_, e)| e.mode);
        let marked = self
            .extra_bad
            .iter()
            .filter(|b| b.covers(host.as_str()))
            .map(|b| b.mode)
            .max();
        self.merged_mode(listed, marked)
    }

    /// An entry's mode and the strongest bad-pin mark's, the stronger counting; then the
    /// override policy or the user set.
    fn merged_mode(&self, listed: Option<Mode>, marked: Option<Mode>) -> Option<Mode> {
        let mode = match (listed, marked) {
            (Some(l), Some(m)) => Some(l.max(m)),
            (l, m) => l.or(m),
        };
        mode.map(|m| self.mode_override.unwrap_or(m))
    }

    /// The mode in force for a name under `host` that no entry nearer to it governs: the mode
    /// `mode_for` gives any subdomain of `host` whose own labels no list names. What
    /// `judge::standing` keeps per level, so that a host's mode is found without the engine.
    pub fn mode_below(&self, host: &str) -> Option<Mode> {
        let name = match host::normalize(host).ok()? {
            Host::Ip(_) => return None,
            Host::Name(n) => n,
        };
        let mut listed = None;
        let mut rest = name.as_str();
        loop {
            if let Some(&(s, e)) = self.index.get(rest) {
                let entry = &self.sources[s].list.entries[e];
                if entry.include_subdomains {
                    listed = Some(entry.mode);
                    break;
                }
            }
            match rest.find('.') {
                Some(dot) => rest = &rest[dot + 1..],
                None => break,
            }
        }
        let marked = self
            .extra_bad
            .iter()
            .filter(|b| b.include_subdomains && b.covers(name.as_str()))
            .map(|b| b.mode)
            .max();
        self.merged_mode(listed, marked)
    }

    /// Whether policy lets people proceed past a stop that offers it.
    pub fn allows_user_override(&self) -> bool {
        self.allow_user_override
    }

    /// The verdict for a page whose chain is not read, because nothing could come of it.
    pub fn unpinned_verdict(&self, host: &str) -> Verdict {
        let mut v = match self.start(host, 0, Detail::Full) {
            Ok((v, _)) => v,
            Err(v) => *v,
        };
        v.status = Status::Unpinned;
        v.unreadable = false;
        v.set_reason(Reason::new(ReasonCode::Unpinned));
        v
    }

    /// Whether a host has an entry, without a chain: lets callers skip work for unpinned hosts.
    pub fn is_pinned(&self, host: &str) -> bool {
        host::normalize(host).ok().is_some_and(|h| {
            self.lookup(&h).is_some() || self.extra_bad.iter().any(|b| b.covers(h.as_str()))
        })
    }

    /// Hosts with entries, for building request filters.
    pub fn pinned_hosts(&self) -> Vec<(String, bool)> {
        let mut hosts: Vec<_> = self
            .index
            .values()
            .map(|&(s, e)| {
                let entry = &self.sources[s].list.entries[e];
                (entry.host.clone(), entry.include_subdomains)
            })
            .collect();
        hosts.extend(
            self.extra_bad
                .iter()
                .map(|b| (b.host.clone(), b.include_subdomains)),
        );
        // Unstable: equal pairs are interchangeable, and the stable sort's code was ~1 KB gzip.
        hosts.sort_unstable();
        hosts.dedup();
        hosts
    }

    pub fn has_block_list(&self) -> bool {
        !self.blocked_spki.is_empty() || !self.blocked_certs.is_empty()
    }

    /// Policy declares `pin` as an inspection proxy's root (`allowed_interception_*`).
    pub(crate) fn declares_root(&self, pin: &Pin) -> bool {
        self.allowed_roots.contains(pin)
    }

    /// Policy declares inspection proxies (`allowed_interception_*`) whose chains are reported.
    pub fn declares_interception(&self) -> bool {
        !self.allowed_roots.is_empty()
    }

    /// The verdict for a chain no browser built or verified (as a server sent it: the CLI's
    /// monitor, the companion): pins count only on certificates linked to the leaf by verified
    /// signatures.
    pub fn check_served<B: AsRef<[u8]>>(&self, host: &str, served: &[B], now: i64) -> Verdict {
        self.check_path(
            host,
            served,
            &[],
            Given::Served,
            &mut SignatureCache::new(),
            now,
        )
    }

    /// The verdict for a chain no browser built: `served` as the connection sent it (leaf
    /// first; a leaf alone from leaf-only browsers), `extra` certificates at hand besides
    /// (fetched or cached; ones that cannot be read are skipped). Pins count only on the
    /// certificates linked to the leaf by verified signatures (`path.rs`) and on the anchors
    /// that verify them. `given` says what the chain is (a leaf-only browser's leaf, with or
    /// without fetching; a server's chain), which decides what a path left open means.
    pub fn check_path<B: AsRef<[u8]>>(
        &self,
        host: &str,
        served: &[B],
        extra: &[(&[u8], CertOrigin)],
        given: Given,
        cache: &mut SignatureCache,
        now: i64,
    ) -> Verdict {
        let request = PathRequest {
            extra,
            given,
            cache,
        };
        self.check_with(host, served, Request::Path(request), now)
    }

    /// The verdict for a connection to `host` whose chain (DER, leaf first) the browser built
    /// and verified, at `now` (Unix seconds): a pin counts anywhere in it. Never fails: what
    /// cannot be checked is `unverifiable`.
    pub fn check<B: AsRef<[u8]>>(&self, host: &str, chain: &[B], now: i64) -> Verdict {
        self.check_built(host, chain, &mut SignatureCache::new(), now)
    }

    /// [`check`](Engine::check) with the signature results of `cache`, which serves the one
    /// signature a browser-built chain may need: a leaf alone proven by an issuer key. An
    /// asking cache leaves that proof open and notes the signature (the judge asks for it).
    pub fn check_built<B: AsRef<[u8]>>(
        &self,
        host: &str,
        chain: &[B],
        cache: &mut SignatureCache,
        now: i64,
    ) -> Verdict {
        self.check_with(host, chain, Request::Built(cache), now)
    }

    /// A verdict with what every check knows first: the host, its entry and mode; `Err` with
    /// the finished verdict when the host cannot be read or the chain is empty.
    fn start(
        &self,
        host_input: &str,
        len: usize,
        detail: Detail,
    ) -> Result<(Verdict, Governing<'_>), Box<Verdict>> {
        let mut v = Verdict {
            status: Status::Unverifiable,
            reason: String::new(),
            // Every way out of a check sets its own reason; this one is never seen.
            reason_code: ReasonCode::NoChain,
            reason_params: Default::default(),
            host: String::new(),
            action: None,
            mode: None,
            unreadable: false,
            chain_key: String::new(),
            entry: None,
            pinset: None,
            matched: None,
            chain: Vec::new(),
            leaf_only: len == 1,
            list: match detail {
                Detail::Full => self.sources.first().map(|s| s.list.info.clone()),
                Detail::Brief => None,
            },
            path: None,
        };
        let host = match host::normalize(host_input) {
            Ok(h) => h,
            Err(e) => {
                v.host = host_input.chars().take(300).collect();
                v.set_reason(Reason::new(ReasonCode::HostUnreadable).with("error", e));
                return Err(Box::new(v));
            }
        };
        let entry = self.lookup(&host);
        v.host = host.into_string();
        v.mode = entry.map(|(_, e)| self.mode_override.unwrap_or(e.mode));
        if len == 0 {
            v.set_reason(Reason::new(ReasonCode::NoChain));
            v.unreadable = true;
            return Err(Box::new(v));
        }
        Ok((v, entry))
    }

    /// The block-list hit among `keys`, if any: a certificate hash, else a key.
    fn blocked_hit(&self, keys: &[Keys]) -> Option<(usize, MatchKind, Pin)> {
        keys.iter()
            .position(|k| self.blocked_certs.contains(&k.hash))
            .map(|i| (i, MatchKind::BlockedCertificate, keys[i].hash))
            .or_else(|| {
                keys.iter()
                    .position(|k| self.blocked_spki.contains(&k.spki))
                    .map(|i| (i, MatchKind::BlockedSpki, keys[i].spki))
            })
    }

    /// The verdict for a chain the browser built, from its certificates' digests alone (the
    /// SHA-256 of each SPKI and of each whole certificate, leaf first): the same rules as
    /// `check`, without reading a certificate, and with no facts in the verdict. `None` when
    /// digests cannot decide: a leaf alone whose pin set proves leaves by issuer key (that
    /// needs the certificate's signature; ask `check` with the DER).
    pub fn check_digests(&self, host: &str, digests: &[CertDigests], now: i64) -> Option<Verdict> {
        self.digest_verdict(host, digests, now, Detail::Full)
    }

    /// `check_digests` without what only a person reads: `entry`, `pinset` and `list` are left
    /// out, everything else is the same. For a caller that shows none of them (the WASM
    /// `checkDigests`): copying them was a third of the verdict's time.
    pub fn check_digests_brief(
        &self,
        host: &str,
        digests: &[CertDigests],
        now: i64,
    ) -> Option<Verdict> {
        self.digest_verdict(host, digests, now, Detail::Brief)
    }

    fn digest_verdict(
        &self,
        host: &str,
        digests: &[CertDigests],
        now: i64,
        detail: Detail,
    ) -> Option<Verdict> {
        let (mut v, entry) = match self.start(host, digests.len(), detail) {
            Ok(started) => started,
            Err(v) => return Some(*v),
        };
        let keys: Vec<Keys> = digests
            .iter()
            .map(|d| Keys {
                spki: d.spki_sha256,
                hash: d.cert_sha256,
            })
            .collect();
        if let Some((i, kind, pin)) = self.blocked_hit(&keys) {
            return Some(blocked(v, kind, pin, i));
        }
        if let Err(e) = check_chain_len(digests.len()) {
            v.set_reason(Reason::new(ReasonCode::ChainUnreadable).with("error", e));
            v.unreadable = true;
            return Some(v);
        }
        let needs_proof = digests.len() == 1
            && entry.is_some_and(|(s, e)| !s.list.pinsets[e.pinset].issuer_keys.is_empty());
        if needs_proof {
            return None;
        }
        Some(self.finish(v, entry, &keys, Vec::new(), None, None, now, detail))
    }

    fn check_with<B: AsRef<[u8]>>(
        &self,
        host_input: &str,
        chain: &[B],
        request: Request,
        now: i64,
    ) -> Verdict {
        let (mut v, entry) = match self.start(host_input, chain.len(), Detail::Full) {
            Ok(started) => started,
            Err(v) => return *v,
        };
        // Known-bad certificates are matched on the raw bytes, so even one no parser reads is
        // caught; each hash is also that certificate's `sha256` fact, so it is computed once.
        let read = read_chain(chain);
        if let Some(i) = read
            .iter()
            .position(|(hash, _)| self.blocked_certs.contains(hash))
        {
            let hash = read[i].0;
            v.chain = readable_facts(read);
            return blocked(v, MatchKind::BlockedCertificate, hash, i);
        }
        // Block-listed keys count in every certificate that can be read, before anything is
        // refused: an unreadable certificate beside a compromised key must not hide it.
        if let Some((i, pin)) = read.iter().enumerate().find_map(|(i, (_, c))| {
            c.as_ref()
                .ok()
                .filter(|c| self.blocked_spki.contains(&c.spki_pin))
                .map(|c| (i, c.spki_pin))
        }) {
            v.chain = readable_facts(read);
            return blocked(v, MatchKind::BlockedSpki, pin, i);
        }
        let refused = check_chain_len(chain.len()).err().or_else(|| {
            read.iter()
                .find_map(|(_, cert)| cert.as_ref().err().cloned())
        });
        if let Some(e) = refused {
            v.chain = readable_facts(read);
            v.set_reason(Reason::new(ReasonCode::ChainUnreadable).with("error", e));
            v.unreadable = true;
            return v;
        }
        let certs: Vec<Cert> = read.into_iter().filter_map(|(_, c)| c.ok()).collect();
        let mut linked = None;
        let set = entry.map(|(source, e)| &source.list.pinsets[e.pinset]);
        let mut built_cache = None;
        let certs = match request {
            Request::Built(cache) => {
                built_cache = Some(cache);
                certs
            }
            Request::Path(request) => {
                let found = self.link(set, certs, request);
                v.path = Some(found.view);
                // Fetched and cached certificates are judged like served ones once linked.
                let keys: Vec<Keys> = found.certs.iter().map(Keys::of).collect();
                if let Some((i, kind, pin)) = self.blocked_hit(&keys) {
                    v.chain = found.certs.into_iter().map(|c| c.facts).collect();
                    return blocked(v, kind, pin, i);
                }
                v.leaf_only = found.certs.len() == 1;
                let mut outcome = found.outcome;
                outcome.leaf_covers = found
                    .certs
                    .first()
                    .is_some_and(|leaf| proof::names_cover(leaf, &v.host));
                linked = Some(outcome);
                found.certs
            }
        };
        let keys: Vec<Keys> = certs.iter().map(Keys::of).collect();
        let mut certs = certs;
        // Only a leaf alone, in a chain the browser built, is proven by issuer key here; a
        // path's anchors did that in `link`.
        let leaf = (certs.len() == 1 && linked.is_none()).then(|| certs.remove(0));
        let (facts, proof) = match (leaf, built_cache) {
            (Some(leaf), Some(cache)) => {
                let proof = leaf_proof(set, &leaf, &v.host, cache);
                (vec![leaf.facts], Some(proof))
            }
            _ => (certs.into_iter().map(|c| c.facts).collect(), None),
        };
        let (proof, linked) = (proof.as_ref(), linked.as_ref());
        self.finish(v, entry, &keys, facts, proof, linked, now, Detail::Full)
    }

    /// The rest of every check, on the chain's keys: bad pins from extra entries, the pin set,
    /// declared proxies, staleness. `facts` become the verdict's chain; `leaf` is the issuer-key
    /// proof of a browser-built chain of one certificate; `linked` what a path found.
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        mut v: Verdict,
        entry: Governing<'_>,
        keys: &[Keys],
        facts: Vec<CertFacts>,
        leaf: Option<&LeafProof>,
        linked: Option<&LinkOutcome>,
        now: i64,
        detail: Detail,
    ) -> Verdict {
        v.chain_key = chain_key(keys);
        v.chain = facts;
        // A bad pin from an extra entry counts whoever governs the host, with the stronger of
        // the entry's and the list's modes: an addition can only make the verdict stricter.
        if let Some((bad, i, pin)) = self.extra_bad_hit(v.host.as_str(), keys) {
            let mode = v.mode.map_or(bad.mode, |m| m.max(bad.mode));
            let mode = self.mode_override.unwrap_or(mode);
            v.mode = Some(mode);
            v.action = Some(mode);
            v.status = Status::Mismatch;
            v.set_reason(Reason::new(ReasonCode::ExtraBadPin).with("origin", &bad.origin));
            v.matched = Some(Matched {
                kind: MatchKind::BadPin,
                pin: pin.to_base64(),
                cert_index: Some(i),
            });
            if let (Some((source, entry)), Detail::Full) = (entry, detail) {
                v.entry = Some(entry_view(
                    source,
                    entry,
                    &source.list.pinsets[entry.pinset],
                ));
            }
            return v;
        }
        let allowed_root = keys
            .iter()
            .position(|k| self.allowed_roots.contains(&k.spki))
            .map(|i| (Some(i), keys[i].spki))
            .or_else(|| linked.and_then(|l| l.declared_proxy).map(|pin| (None, pin)));
        let Some((source, entry)) = entry else {
            if let Some((i, pin)) = allowed_root {
                return allowed(v, pin, i);
            }
            v.status = Status::Unpinned;
            v.set_reason(Reason::new(ReasonCode::Unpinned));
            return v;
        };
        let set = &source.list.pinsets[entry.pinset];
        if detail == Detail::Full {
            // `v.list` already holds a copy of the first source's (as unpinned hosts show it).
            if !self
                .sources
                .first()
                .is_some_and(|first| core::ptr::eq(first, source))
            {
                v.list = Some(source.list.info.clone());
            }
            v.entry = Some(entry_view(source, entry, set));
            v.pinset = Some(view(set));
        }
        let mode = self.mode_override.unwrap_or(entry.mode);
        let stale = now > source.list.info.expires_at_unix;
        let outcome = match linked {
            None => judge(set, keys, leaf, &v.host),
            Some(linked) => judge_linked(set, keys, linked, &v.host),
        };
        if stale {
            let would_mismatch = match &outcome {
                Judgement::Bad(..) => true,
                Judgement::Good(..) => false,
                Judgement::Miss { mismatch, .. } => allowed_root.is_none() && *mismatch,
            };
            v.status = if would_mismatch {
                Status::StaleMismatch
            } else {
                Status::Stale
            };
            let code = if would_mismatch {
                ReasonCode::StaleMismatch
            } else {
                ReasonCode::Stale
            };
            v.set_reason(Reason::new(code).with("expires", &source.list.info.expires_at));
            return v;
        }
        match outcome {
            Judgement::Bad(i, pin) => {
                v.status = Status::Mismatch;
                v.action = Some(mode);
                v.set_reason(Reason::new(ReasonCode::BadPin));
                v.matched = Some(Matched {
                    kind: MatchKind::BadPin,
                    pin: pin.to_base64(),
                    cert_index: Some(i),
                });
            }
            Judgement::Good(kind, i, pin) => {
                v.status = Status::Pinned;
                let code = match (kind, v.path.is_some()) {
                    (MatchKind::IssuerKey, false) => ReasonCode::LeafSignedByIssuerKey,
                    (MatchKind::IssuerKey, true) if v.chain.len() == 1 => {
                        ReasonCode::LeafSignedByIssuerKey
                    }
                    (MatchKind::IssuerKey, true) => ReasonCode::LinkedIssuerKey,
                    (_, false) => ReasonCode::PinnedKeyInChain,
                    (_, true) => ReasonCode::PinnedKeyLinked,
                };
                v.set_reason(Reason::new(code));
                v.matched = Some(Matched {
                    kind,
                    pin: pin.to_base64(),
                    cert_index: i,
                });
            }
            Judgement::Miss {
                mismatch,
                unreadable,
                reason,
            } => {
                if let Some((i, pin)) = allowed_root {
                    return allowed(v, pin, i);
                }
                v.set_reason(reason);
                v.unreadable = unreadable;
                if mismatch {
                    v.status = Status::Mismatch;
                    v.action = Some(mode);
                }
            }
        }
        v
    }

    /// The certificates linked to the leaf by verified signatures, leaf first, and what the
    /// search found; `set` is the host's pin set, if it has one.
    fn link(&self, set: Option<&PinSet>, served: Vec<Cert>, request: PathRequest) -> Linked {
        let mut origins = vec![CertOrigin::Served; served.len()];
        let mut all = served;
        for (der, origin) in request.extra {
            if let Ok(cert) = Cert::from_der(der) {
                all.push(cert);
                origins.push(*origin);
            }
        }
        let mut anchors: Vec<Anchor> = set
            .into_iter()
            .flat_map(|set| &set.issuer_keys)
            .map(|(pin, key)| Anchor {
                kind: AnchorKind::IssuerKey,
                pin: *pin,
                spki_der: key,
            })
            .collect();
        anchors.extend(self.declared_proxies.iter().map(|(pin, key)| Anchor {
            kind: AnchorKind::DeclaredProxy,
            pin: *pin,
            spki_der: key,
        }));
        // An unpinned host without declared proxies has nothing a path could prove.
        let found = if set.is_none() && self.allowed_roots.is_empty() {
            path::Path {
                links: vec![path::Link {
                    cert: 0,
                    signed: None,
                    depth: 0,
                }],
                ..path::Path::default()
            }
        } else {
            path::build(&all, &anchors, request.cache)
        };
        let open: Vec<usize> = found.open_ends(&all).collect();
        let wanted = open
            .iter()
            .flat_map(|&c| all[c].ca_issuers.iter().cloned())
            .collect();
        let wanted_key_ids = open
            .iter()
            .filter_map(|&c| all[c].facts.authority_key_id.clone())
            .collect();
        let anchor_of = |kind| {
            found
                .anchors
                .iter()
                .map(|a| &anchors[a.anchor])
                .find(|a| a.kind == kind)
                .map(|a| a.pin)
        };
        let outcome = LinkOutcome {
            issuer_key: anchor_of(AnchorKind::IssuerKey),
            declared_proxy: anchor_of(AnchorKind::DeclaredProxy),
            limit: found.limit,
            open: !open.is_empty(),
            forged: open.iter().any(|c| found.named_but_unsigned.contains(c)),
            wanted: open.iter().any(|&c| !all[c].ca_issuers.is_empty()),
            served_chain: request.given == Given::Served,
            can_complete: request.given != Given::Leaf,
            // Set once the linked leaf is known (`check_with`).
            leaf_covers: false,
        };
        let view = PathView {
            origins: found.linked().map(|c| origins[c]).collect(),
            anchor: found.anchors.first().map(|a| anchors[a.anchor].kind),
            unlinked: all.len() - found.links.len(),
            checks: found.checks,
            limit: found.limit,
            wanted,
            wanted_key_ids,
        };
        let mut slots: Vec<Option<Cert>> = all.into_iter().map(Some).collect();
        let certs = found.linked().filter_map(|c| slots[c].take()).collect();
        Linked {
            certs,
            view,
            outcome,
        }
    }
}

/// What a check is asked about.
enum Request<'a, 'c> {
    /// A chain the browser built; the cache serves a leaf alone's issuer-key proof.
    Built(&'c mut SignatureCache),
    /// A chain no browser built, linked by signatures.
    Path(PathRequest<'a, 'c>),
}

/// The issuer-key proof of a leaf alone in a chain the browser built (`judge`).
struct LeafProof {
    /// The pin set's issuer key whose signature the leaf carries, if one's does.
    signer: Option<Pin>,
    /// The leaf's names cover the host.
    covers: bool,
    /// An issuer key's signature is not known yet (an asking cache noted it).
    asked: bool,
}

fn leaf_proof(
    set: Option<&PinSet>,
    leaf: &Cert,
    host: &str,
    cache: &mut SignatureCache,
) -> LeafProof {
    let mut proof = LeafProof {
        signer: None,
        covers: false,
        asked: false,
    };
    for (pin, key) in set.into_iter().flat_map(|set| &set.issuer_keys) {
        match cache.verified(leaf, *pin, key) {
            Some(true) => {
                proof.signer = Some(*pin);
                proof.covers = proof::names_cover(leaf, host);
                break;
            }
            Some(false) => {}
            None => proof.asked = true,
        }
    }
    proof
}

/// What a path request brings besides the served chain.
struct PathRequest<'a, 'c> {
    extra: &'a [(&'a [u8], CertOrigin)],
    given: Given,
    cache: &'c mut SignatureCache,
}

struct Linked {
    certs: Vec<Cert>,
    view: PathView,
    outcome: LinkOutcome,
}

/// What the path search found beyond the linked certificates.
struct LinkOutcome {
    /// A pin set's issuer key verified a linked certificate.
    issuer_key: Option<Pin>,
    /// A declared proxy's key verified a linked certificate.
    declared_proxy: Option<Pin>,
    limit: Option<path::PathLimit>,
    /// The path ends at a certificate whose issuer was not at hand.
    open: bool,
    /// ... and a certificate named as that issuer was offered and did not verify it.
    forged: bool,
    /// ... and it names where its issuer may be fetched.
    wanted: bool,
    /// The chain is as a server sent it, not a leaf-only browser's leaf.
    served_chain: bool,
    can_complete: bool,
    /// The leaf's names cover the host: no browser checked that for a linked chain.
    leaf_covers: bool,
}

enum Judgement {
    Bad(usize, Pin),
    Good(MatchKind, Option<usize>, Pin),
    /// No pinned key: a mismatch, or (`mismatch` false) nothing that could be judged.
    Miss {
        mismatch: bool,
        unreadable: bool,
        reason: Reason,
    },
}

fn miss(mismatch: bool, unreadable: bool, reason: impl Into<Reason>) -> Judgement {
    Judgement::Miss {
        mismatch,
        unreadable,
        reason: reason.into(),
    }
}

impl From<ReasonCode> for Reason {
    fn from(code: ReasonCode) -> Reason {
        Reason::new(code)
    }
}

/// `leaf`: the issuer-key proof of a one-certificate chain (on `host`).
fn judge(set: &PinSet, keys: &[Keys], leaf: Option<&LeafProof>, host: &str) -> Judgement {
    for (i, k) in keys.iter().enumerate() {
        if set.bad.contains(&k.spki) {
            return Judgement::Bad(i, k.spki);
        }
    }
    for (i, k) in keys.iter().enumerate() {
        if set.good.contains(&k.spki) {
            return Judgement::Good(MatchKind::ChainPin, Some(i), k.spki);
        }
    }
    if keys.len() > 1 {
        return miss(true, false, ReasonCode::NoPinnedKey);
    }
    if set.issuer_keys.is_empty() {
        return miss(false, false, ReasonCode::LeafOnlyNoIssuerKeys);
    }
    // Digests alone never come here with issuer keys (`check_digests` asks for the DER).
    let Some(leaf) = leaf else {
        return miss(false, false, ReasonCode::LeafSignatureMissing);
    };
    if let Some(pin) = leaf.signer {
        if !leaf.covers {
            return not_for_host(host);
        }
        return Judgement::Good(MatchKind::IssuerKey, None, pin);
    }
    if leaf.asked {
        // Until the judge has the signature: never a mismatch, never a pass.
        return miss(false, false, ReasonCode::LeafSignatureMissing);
    }
    miss(true, false, ReasonCode::LeafNotSignedByIssuerKey)
}

/// The pinned CA's leaf for another name: what it proves is not this host.
fn not_for_host(host: &str) -> Judgement {
    miss(
        true,
        false,
        Reason::new(ReasonCode::LeafNamesDoNotCoverHost).with("host", host),
    )
}

/// `judge` for a chain no browser built: `keys` are the linked certificates' only.
fn judge_linked(set: &PinSet, keys: &[Keys], linked: &LinkOutcome, host: &str) -> Judgement {
    for (i, k) in keys.iter().enumerate() {
        if set.bad.contains(&k.spki) {
            return Judgement::Bad(i, k.spki);
        }
    }
    let pinned =
        |pin: &Pin| set.good.contains(pin) || set.issuer_keys.iter().any(|(p, _)| p == pin);
    let found = keys
        .iter()
        .position(|k| pinned(&k.spki))
        .map(|i| (MatchKind::ChainPin, Some(i), keys[i].spki))
        .or_else(|| {
            linked
                .issuer_key
                .map(|pin| (MatchKind::IssuerKey, None, pin))
        });
    if let Some((kind, i, pin)) = found {
        if !linked.leaf_covers {
            return not_for_host(host);
        }
        return Judgement::Good(kind, i, pin);
    }
    if let Some(limit) = linked.limit {
        let (code, count) = match limit {
            path::PathLimit::TooManyCandidates => {
                (ReasonCode::PathTooManyCandidates, path::MAX_CANDIDATES)
            }
            path::PathLimit::TooLong => (ReasonCode::PathTooLong, path::MAX_LINKS),
            path::PathLimit::TooManyChecks => {
                (ReasonCode::PathTooManyChecks, path::MAX_SIGNATURE_CHECKS)
            }
        };
        return miss(true, false, Reason::new(code).with("count", count));
    }
    if !linked.open {
        return miss(true, false, ReasonCode::NoPinnedKeyLinked);
    }
    if linked.forged {
        return miss(true, false, ReasonCode::IssuerDidNotSign);
    }
    // Issuer keys are the pinned issuing CAs' keys: with nothing left to fetch, a leaf none of
    // them verifies is a mismatch. While an issuer URL is named but what it gave (or nothing)
    // did not link, the issuer keys may be a root's, a link away: not completed, not a mismatch.
    if !set.issuer_keys.is_empty() && (!linked.can_complete || !linked.wanted) {
        return miss(true, false, ReasonCode::LeafNotLinkedToIssuerKey);
    }
    // What blocks completion (an unreachable or garbage AIA server), and a served chain that stops
    // short of every pinned key, are the network's to choose: never a pass on an enforced host.
    // A leaf alone that names nowhere to look is what a leaf-only browser gives: its limit.
    if linked.can_complete && (linked.wanted || linked.served_chain) {
        return miss(false, true, ReasonCode::ChainIncomplete);
    }
    miss(false, false, ReasonCode::LeafOnlyNowhereToFetch)
}

fn entry_view(source: &Source, entry: &Entry, set: &PinSet) -> EntryView {
    EntryView {
        host: entry.host.clone(),
        include_subdomains: entry.include_subdomains,
        pinset: set.name.clone(),
        mode: entry.mode,
        source: source.origin.clone(),
    }
}

/// What "proceed anyway" is bound to: the chain's SPKI pins, leaf first.
fn chain_key(keys: &[Keys]) -> String {
    let mut key = String::with_capacity(keys.len() * 45);
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            key.push(' ');
        }
        k.spki.push_base64(&mut key);
    }
    key
}

/// Whether a verdict carries what only a person reads (its entry, pin set and list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    Full,
    Brief,
}

/// The entry that governs a host, with its source, if any.
type Governing<'e> = Option<(&'e Source, &'e Entry)>;

/// The two digests every rule of a verdict reads: a certificate's SPKI pin and its hash.
#[derive(Debug, Clone, Copy)]
struct Keys {
    spki: Pin,
    hash: Pin,
}

impl Keys {
    fn of(cert: &Cert) -> Keys {
        Keys {
            spki: cert.spki_pin,
            hash: cert.cert_hash,
        }
    }
}

/// One certificate as a browser describes it without its DER (Firefox: `fingerprint.sha256`
/// and `subjectPublicKeyInfoDigest.sha256`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertDigests {
    /// SHA-256 of the SubjectPublicKeyInfo: the pin (base64, or hex with or without colons).
    #[serde(deserialize_with = "pin_text")]
    pub spki_sha256: Pin,
    /// SHA-256 of the whole certificate (as Firefox writes fingerprints: hex with colons).
    #[serde(deserialize_with = "pin_text")]
    pub cert_sha256: Pin,
}

impl CertDigests {
    /// A chain's digests as one text, `"spki cert spki cert …"`, leaf first, separated by ASCII
    /// white space (how the extension hands them over: one string crosses into WASM, where an
    /// array of strings cost two boundary calls per digest). Reading stops one certificate
    /// past [`MAX_CHAIN_LEN`](crate::x509::cert::MAX_CHAIN_LEN), so that the engine still refuses a
    /// longer chain as too long without this reading all of it.
    pub fn parse_words(text: &str) -> Result<Vec<CertDigests>, DigestsError> {
        let mut out = Vec::new();
        let mut at = 0;
        let mut next = || {
            let (pin, end) = next_pin(text, at)?;
            at = end;
            Some(pin)
        };
        while out.len() <= crate::x509::cert::MAX_CHAIN_LEN {
            let i = out.len();
            let pin = |read: Result<Pin, PinError>| read.map_err(|e| DigestsError::Digest(i, e));
            match (next(), next()) {
                (Some(spki), Some(cert)) => out.push(CertDigests {
                    spki_sha256: pin(spki)?,
                    cert_sha256: pin(cert)?,
                }),
                (None, _) => break,
                (Some(_), None) => return Err(DigestsError::Unpaired(i)),
            }
        }
        Ok(out)
    }
}

/// Why a chain's digests text was refused (`CertDigests::parse_words`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DigestsError {
    /// A digest of the certificate at this index is neither base64 nor hex of 32 bytes.
    Digest(usize, crate::x509::pin::PinError),
    /// The certificate at this index has one digest where two are expected.
    Unpaired(usize),
}

impl std::fmt::Display for DigestsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DigestsError::Digest(i, e) => write!(f, "certificate {i}: {e}"),
            DigestsError::Unpaired(i) => write!(f, "certificate {i} has one digest, not two"),
        }
    }
}

impl std::error::Error for DigestsError {}

fn pin_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Pin, D::Error> {
    let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
    Pin::from_base64_or_hex(&text).map_err(serde::de::Error::custom)
}

/// The facts of the certificates of a chain that could be read.
fn readable_facts(read: Vec<(Pin, Result<Cert, CertError>)>) -> Vec<CertFacts> {
    read.into_iter()
        .filter_map(|(_, cert)| cert.ok())
        .map(|cert| cert.facts)
        .collect()
}

fn view(set: &PinSet) -> PinSetView {
    PinSetView {
        name: set.name.clone(),
        good: set.good.iter().map(Pin::to_base64).collect(),
        bad: set.bad.iter().map(Pin::to_base64).collect(),
        issuer_keys: set.issuer_keys.iter().map(|(p, _)| p.to_base64()).collect(),
    }
}

fn blocked(mut v: Verdict, kind: MatchKind, pin: Pin, i: usize) -> Verdict {
    v.status = Status::Blocked;
    v.action = Some(Mode::Enforce);
    v.set_reason(Reason::new(match kind {
        MatchKind::BlockedCertificate => ReasonCode::BlockedCertificate,
        _ => ReasonCode::BlockedKey,
    }));
    v.matched = Some(Matched {
        kind,
        pin: pin.to_base64(),
        cert_index: Some(i),
    });
    v
}

/// `i`: the certificate with the declared key, or `None` when the key itself (a declared
/// proxy certificate's) verified the path.
fn allowed(mut v: Verdict, pin: Pin, i: Option<usize>) -> Verdict {
    v.status = Status::AllowedInterception;
    v.action = Some(Mode::Report);
    v.set_reason(Reason::new(ReasonCode::DeclaredProxy));
    v.matched = Some(Matched {
        kind: MatchKind::AllowedRoot,
        pin: pin.to_base64(),
        cert_index: i,
    });
    v
}
