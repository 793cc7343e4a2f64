//! The judge: one response, from what the browser said of it to what Pinwatch does about it.
//!
//! Sans-I/O, as rustls' connection, quinn-proto and h11 are: the judge never fetches, reads
//! storage or looks at a clock. It answers each input with a [`Step`]: either the next thing it
//! needs (the chain's DER, the companion's look, a CA certificate from an AIA URL, whether the
//! person overrode this chain) with a deadline, or the [`Outcome`] (the verdict and the core's
//! decision). The caller fetches and feeds the answer back; every answer may be a failure code,
//! which the one table in [`failure`] turns into what it means. So every rule about what an
//! interceptor can make Pinwatch believe is decided here, natively and as WASM, and tests can
//! drive the judge with any sequence of answers, including the ones an attacker chooses.
//!
//! What the judge keeps between responses (verdicts by chain, CA certificates for completion,
//! AIA URLs fetched) is its [`Memory`], with the rule for each written next to it.

mod aia_url;
mod connection;
pub mod decision;
pub mod engine;
pub mod failure;
pub mod local_root;
mod lookup_hash;
pub mod memory;
pub mod path;
pub mod plan;
pub mod proof;
pub mod standing;
pub mod unverified;
pub mod verdict;

use crate::judge::decision::{decide, Act, Decision, Failure, Situation};
use crate::judge::engine::{CertDigests, Engine};
use crate::judge::local_root::AddedRoot;
use crate::judge::path::{CertOrigin, Given, SignatureCheck};
use crate::judge::verdict::{Status, Verdict};
use crate::list::Mode;
use crate::x509::cert::{parse_chain, MAX_CHAIN_LEN};
use crate::x509::pin::Pin;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use failure::{FailureSource, Meaning};
use memory::{Kept, KeptCa, Memory};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::rc::Rc;

pub use aia_url::{aia_host, aia_url_allowed};
pub use memory::Counts;

/// A response is never held longer than this because of the judge: past it the caller feeds a
/// time-out, and the table decides.
pub const LIMIT_MS: i64 = 5000;
/// The companion's look may take this long (its own connection has 10 s; the page must not).
pub const COMPANION_MS: i64 = 3500;
/// The companion looks at an enforced host's sub-resources (XHR, `fetch`, WebSocket, …) at most
/// once in this long per host: a browser that hands over no chain lets an interceptor that forces
/// a reconnect after the page loaded carry the rest of the session, so its new connections are
/// sampled, at a rate that keeps the companion's second connections few.
pub const SUBRESOURCE_LOOK_MS: i64 = 2000;
/// The signatures a path needs, verified by the caller's signature module (loading it first).
pub const SIGNATURES_MS: i64 = 2000;
/// AIA fetches for one response, in all.
pub const FETCH_BUDGET_MS: i64 = 4000;
/// AIA fetches for one response.
pub const MAX_FETCHES: usize = 4;
/// The largest CA certificate body read from an AIA URL.
pub const MAX_ISSUER_BYTES: usize = 1024 * 1024;

crate::named_enum::named_enum! {
    /// What a response is to the page, as far as the rules care.
    pub enum RequestKind {
        /// The tab's page (`main_frame`).
        Document = "document",
        /// A frame inside it (`sub_frame`).
        Frame = "frame",
        /// Anything else: script, image, `fetch`, WebSocket, …
        Subresource = "subresource",
    }
}

impl RequestKind {
    /// From the browser's `webRequest` type.
    pub fn of_browser_type(kind: &str) -> RequestKind {
        match kind {
            "main_frame" => RequestKind::Document,
            "sub_frame" => RequestKind::Frame,
            _ => RequestKind::Subresource,
        }
    }
}

crate::named_enum::named_enum! {
    /// The capture tier that answered (docs/design.md#capture-tiers).
    pub enum Tier {
        /// Firefox: the chain it built and verified, from `getSecurityInfo`.
        SecurityInfo = "getSecurityInfo",
        /// Chromium, opt-in: the chain it built, from the debugging protocol.
        Debugger = "debugger",
        /// Chromium: the leaf certificate only (`securityInfoRawDer`).
        Leaf = "securityInfoRawDer",
        /// No tier gave anything.
        None = "none",
    }
}

impl Tier {
    /// The browser built and verified this chain itself: a pin counts anywhere in it.
    pub fn browser_built(self) -> bool {
        matches!(self, Tier::SecurityInfo | Tier::Debugger)
    }
}

crate::named_enum::named_enum! {
    /// Which responses the companion looks at (setting `companionScope`).
    pub enum CompanionScope {
        /// No companion in this browser.
        Off = "off",
        /// Pinned hosts' pages and frames.
        Pinned = "pinned",
        /// Those, and every other page.
        All = "all",
    }
}

crate::named_enum::named_enum! {
    /// What the judge asks for next.
    pub enum NeedKind {
        /// The chain as the browser describes it (`der`: with the certificates' bytes).
        Chain = "chain",
        /// The companion's look at the same address and port (`fresh`: not a kept reply).
        Companion = "companion",
        /// The CA certificate at `url` (AIA `caIssuers`).
        Issuer = "issuer",
        /// Whether the person chose "proceed anyway" for `chainKey` in this tab.
        Override = "override",
        /// The signatures [`Judge::asked_signatures`] lists, verified (the signature module).
        Signatures = "signatures",
    }
}

crate::named_enum::named_enum! {
    /// How a verdict was reached.
    pub enum JudgedFrom {
        /// A verdict kept for the same chain.
        Cache = "cache",
        /// The chain's digests alone.
        Digests = "digests",
        /// The certificates themselves.
        Der = "der",
        /// Nothing was read: nothing could come of it.
        NotRead = "not-read",
    }
}

/// What the browser said of a response before anything was read.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Start {
    /// The URL's host, as the browser gave it.
    pub host: String,
    /// The browser's request type (`main_frame`, `sub_frame`, `xmlhttprequest`, …).
    #[serde(rename = "type")]
    pub request_type: String,
    /// The browser holds the response until the judge is done (Firefox; Chromium by policy).
    #[serde(default)]
    pub held: bool,
    /// A listener that holds responses until they are judged receives this one too (Chromium
    /// installed by policy, a host of the pinned filter).
    #[serde(default)]
    pub held_elsewhere: bool,
    /// Which responses the companion may be asked about in this browser.
    #[serde(default = "companion_off")]
    pub companion: CompanionScope,
    /// CA certificates may be fetched from AIA URLs here.
    #[serde(default)]
    pub can_fetch: bool,
    /// Whether the chain is read at all (`Engine::page_plan` said `release-unread`: false).
    #[serde(default = "yes")]
    pub read: bool,
    /// Milliseconds since the epoch.
    pub now: i64,
    /// Roots added to this computer that count, as `Engine::added_roots` gave them (Chromium
    /// with the companion): a page no entry covers names them (`Engine::with_added_roots`).
    #[serde(default)]
    pub added_roots: Vec<AddedRoot>,
}

fn companion_off() -> CompanionScope {
    CompanionScope::Off
}

fn yes() -> bool {
    true
}

/// The browser's description of the chain (the answer to [`NeedKind::Chain`]); the DER, when
/// asked for, comes beside it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Capture {
    /// The tier that answered (`Tier`'s names).
    pub tier: Option<String>,
    /// The browser's security state of the connection (`secure`, `weak`, `broken`, …).
    pub state: Option<String>,
    /// `"spki cert spki cert …"`, leaf first (`CertDigests::parse_words`).
    pub digests: Option<String>,
    /// Firefox: the chain's root is built into the browser.
    pub built_in_root: Option<bool>,
    /// A `CaptureFailure` code, when the tier gave nothing.
    pub failure: Option<String>,
    /// The response's own leaf (base64 DER), where the browser hands it over beside a chain read
    /// per origin (Chromium's debugger tier with the leaf tier on): see [`connection`].
    pub own_leaf: Option<String>,
    /// Firefox: the browser marks the chain untrusted (`isUntrusted`).
    #[serde(default)]
    pub untrusted: bool,
    /// Firefox: the certificate error overridden for this connection
    /// (`overridableErrorCategory`), when there was one.
    pub overridden_error: Option<String>,
}

/// The companion's answer (to [`NeedKind::Companion`]): its reply, or a failure code.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanionAnswer {
    /// A `CompanionFailure` code: what the companion or the way to it reported.
    pub failure: Option<String>,
    /// The certificates the server sent (base64 DER, leaf first).
    #[serde(default)]
    pub chain: Vec<String>,
    /// What the companion's verifier said of the chain's root.
    pub verified: Option<Verified>,
    /// How long the look took (whole ms), when the companion said.
    pub ms: Option<u32>,
    /// The reply was one kept from an earlier look.
    #[serde(default)]
    pub cached: bool,
}

/// What the companion's verifier said: the chain ends in one of the system's web PKI roots
/// (`web-pki`), a root added to this computer (`local`, with the store), or neither (`null`, with
/// the error). Typed rather than kept as any JSON: the generic JSON value costs the module ~8 KB.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verified {
    pub anchor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What the companion saw, for the record.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanionView {
    pub ms: Option<u32>,
    pub cached: bool,
    pub verified: Option<Verified>,
    /// The companion's leaf is not the browser's (the companion's is then shown beside it).
    pub leaf_differs: bool,
    pub companion_leaf: Option<crate::x509::cert::CertFacts>,
}

/// A failure that shaped the outcome, for the record.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailureView {
    pub source: FailureSource,
    pub code: String,
    pub meaning: Meaning,
}

/// What the judge concluded.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub decision: Decision,
    /// The verdict, when one was reached.
    pub verdict: Option<Verdict>,
    /// Whether the response deserves a record (a quiet repeat of a chain that passed, or a
    /// sub-resource of a host nothing governs, does not).
    pub record: bool,
    pub judged_from: JudgedFrom,
    /// The tier that answered.
    pub tier: Option<String>,
    /// The browser built and verified the chain.
    pub browser_built: bool,
    pub built_in_root: Option<bool>,
    /// A chain was handed over (even an empty or unreadable one): what the connection sent.
    pub chain_offered: bool,
    /// The browser offers no way at all to read a chain here (the popup says how to get one).
    pub cannot_verify: bool,
    /// The failures that shaped the outcome, in order.
    pub failures: Vec<FailureView>,
    pub companion: Option<CompanionView>,
    /// The person chose "proceed anyway" for this very chain, and policy lets that count.
    pub overridden: bool,
    /// The CA certificates kept for completion changed: the caller stores them
    /// (`Engine::take_kept`).
    pub kept_changed: bool,
    /// The added root a `local-root` verdict names, where the companion's list named it.
    pub added_root: Option<AddedRoot>,
}

/// The judge's answer to each input.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    /// What is needed next; `None` when the outcome is there.
    pub need: Option<NeedKind>,
    /// Chain: with the certificates' DER.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub der: Option<bool>,
    /// Companion: a reply kept from an earlier look may not serve.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fresh: Option<bool>,
    /// Issuer: the URL to fetch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Override: the chain whose "proceed anyway" is asked about, on this host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// When the need is not met, the caller feeds `timed-out` (ms since the epoch).
    pub deadline: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Box<Outcome>>,
}

impl Step {
    fn need(need: NeedKind, deadline: i64) -> Step {
        Step {
            need: Some(need),
            der: None,
            fresh: None,
            url: None,
            chain_key: None,
            host: None,
            deadline,
            outcome: None,
        }
    }

    /// The outcome, when the judge is done.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_deref()
    }
}

/// Why an answer was refused: the caller's mistake, never the connection's.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JudgeError {
    /// The answer is for another need than the one asked.
    NotAsked(&'static str),
    /// The judge is done; nothing more is needed.
    Done,
    /// So many answers for so many signatures asked: every one is answered, in order.
    Answers { asked: usize, given: usize },
}

impl std::fmt::Display for JudgeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JudgeError::NotAsked(what) => write!(f, "the judge did not ask for {what}"),
            JudgeError::Done => f.write_str("the judge is done"),
            JudgeError::Answers { asked, given } => {
                write!(f, "{given} answers for {asked} signatures asked")
            }
        }
    }
}

impl std::error::Error for JudgeError {}

/// One response's judge. See the module comment.
#[derive(Debug)]
pub struct Judge {
    host: String,
    kind: RequestKind,
    now: i64,
    companion: CompanionScope,
    can_fetch: bool,
    pinned: bool,
    mode: Option<Mode>,
    /// A page of a pinned host: its record shows the certificates' facts.
    wants_facts: bool,
    der_asked: bool,
    /// The browser holds the response, so its chain can be asked for again (with DER); a
    /// response already let through is described once, and its digests decide what they can.
    rereads: bool,
    tier: Option<Tier>,
    tier_name: Option<String>,
    built_in_root: Option<bool>,
    /// The browser said it did not verify this connection's chain (`unverified.rs`).
    unverified: bool,
    chain_offered: bool,
    cannot_verify: bool,
    digests: Vec<CertDigests>,
    chain: Vec<Vec<u8>>,
    extra: Vec<(Vec<u8>, CertOrigin)>,
    from_server: bool,
    /// The debugger's chain was another connection's: the response's own leaf is judged, and
    /// an open path stops as for a server's chain.
    other_connection: bool,
    used_kept: HashSet<String>,
    tried: HashSet<String>,
    fetched_now: Vec<(String, Vec<u8>)>,
    fetches: usize,
    fetch_budget_spent: bool,
    /// Signature checks spent on this response's path, in all its rounds.
    signature_checks: usize,
    /// The signatures asked for now, and the verdict reached while they were unknown.
    asked: Vec<SignatureCheck>,
    provisional: Option<Verdict>,
    failures: Vec<FailureView>,
    companion_view: Option<CompanionView>,
    verdict: Option<Verdict>,
    judged_from: JudgedFrom,
    kept_changed: bool,
    overridden: bool,
    added_roots: Vec<AddedRoot>,
    added_root: Option<AddedRoot>,
    step: Step,
}

fn now_secs(ms: i64) -> i64 {
    ms.div_euclid(1000)
}

impl Judge {
    /// A judge for the response `start` describes, with its first step.
    pub fn new(engine: &Engine, memory: &mut Memory, start: Start) -> Judge {
        let host = crate::host::normalize(&start.host)
            .map(|h| h.as_str().to_string())
            .unwrap_or_else(|_| start.host.clone());
        let kind = RequestKind::of_browser_type(&start.request_type);
        let pinned = engine.is_pinned(&host);
        let mode = engine.mode_for(&host);
        let wants_facts = kind == RequestKind::Document && pinned;
        let mut judge = Judge {
            host,
            kind,
            now: start.now,
            companion: start.companion,
            can_fetch: start.can_fetch,
            pinned,
            mode,
            wants_facts,
            der_asked: false,
            rereads: start.held,
            tier: None,
            tier_name: None,
            built_in_root: None,
            unverified: false,
            chain_offered: false,
            cannot_verify: false,
            digests: Vec::new(),
            chain: Vec::new(),
            extra: Vec::new(),
            from_server: false,
            other_connection: false,
            used_kept: HashSet::new(),
            tried: HashSet::new(),
            fetched_now: Vec::new(),
            fetches: 0,
            fetch_budget_spent: false,
            signature_checks: 0,
            asked: Vec::new(),
            provisional: None,
            failures: Vec::new(),
            companion_view: None,
            verdict: None,
            judged_from: JudgedFrom::NotRead,
            kept_changed: false,
            overridden: false,
            added_roots: start
                .added_roots
                .into_iter()
                .take(local_root::MAX_ADDED_ROOTS)
                .collect(),
            added_root: None,
            step: Step::need(NeedKind::Chain, start.now + LIMIT_MS),
        };
        if start.held_elsewhere && !start.held {
            // Judged where it is held, before the page gets it, and recorded there: not twice.
            judge.done(Decision::pass(), false);
            return judge;
        }
        if kind != RequestKind::Document && !pinned {
            // Only pinned hosts' sub-resources are judged; a block list is for pages.
            judge.done(Decision::pass(), false);
            return judge;
        }
        if !start.read {
            let verdict = engine.unpinned_verdict(&judge.host);
            judge.verdict = Some(verdict);
            judge.after_verdict(engine, memory);
            return judge;
        }
        // A page whose host had its chain read from DER lately asks for digests first: the
        // same chain is then a kept verdict with its facts (reading DER costs the page time).
        let digests_first = wants_facts && memory.has_facts(&judge.host, judge.now);
        judge.der_asked = wants_facts && !digests_first;
        judge.step.der = Some(judge.der_asked);
        if judge.der_asked {
            memory.counts.der_reads += 1;
        }
        judge
    }

    /// What the judge needs now, or its outcome.
    pub fn step(&self) -> &Step {
        &self.step
    }

    fn expect(&self, need: NeedKind, what: &'static str) -> Result<(), JudgeError> {
        match self.step.need {
            None => Err(JudgeError::Done),
            Some(n) if n == need => Ok(()),
            Some(_) => Err(JudgeError::NotAsked(what)),
        }
    }

    /// The chain as the browser describes it, with the DER when it was asked for (or given).
    pub fn feed_chain(
        &mut self,
        engine: &Engine,
        memory: &mut Memory,
        capture: Capture,
        der: Vec<Vec<u8>>,
    ) -> Result<&Step, JudgeError> {
        self.expect(NeedKind::Chain, "the chain")?;
        let mut tier = capture
            .tier
            .as_deref()
            .and_then(Tier::from_name)
            .unwrap_or(Tier::None);
        let mut tier_name = capture.tier.clone();
        let mut der = der;
        if tier == Tier::Debugger {
            match connection::own_connection(der, capture.own_leaf.as_deref()) {
                connection::Connection::Same(chain) => der = chain,
                connection::Connection::Other { leaf, others } => {
                    der = vec![leaf];
                    self.extra = others
                        .into_iter()
                        .map(|d| (d, CertOrigin::Fetched))
                        .collect();
                    self.other_connection = true;
                    tier = Tier::Leaf;
                    tier_name = Some(Tier::Leaf.as_str().to_string());
                }
            }
        }
        self.tier = Some(tier);
        self.tier_name = tier_name;
        self.built_in_root = capture.built_in_root;
        self.unverified = capture.untrusted
            || capture
                .overridden_error
                .as_deref()
                .is_some_and(|e| !e.is_empty());
        let digests = match capture.digests.as_deref().map(CertDigests::parse_words) {
            Some(Ok(d)) => d,
            // Digests that cannot be read are no digests: the DER decides.
            Some(Err(_)) | None => Vec::new(),
        };
        let had_der = !der.is_empty();
        self.digests = digests;
        self.chain = der;
        if had_der || !self.digests.is_empty() {
            self.chain_offered = true;
        } else {
            let code = capture.failure.clone().unwrap_or_else(|| {
                // A TLS state with nothing in it is what the connection sent; no state at all
                // is a browser that describes nothing.
                let tls = matches!(capture.state.as_deref(), Some("secure" | "weak" | "broken"));
                if tls { "empty" } else { "not-delivered" }.to_string()
            });
            match self.fail(FailureSource::Capture, &code) {
                Meaning::AttackerInducible => self.chain_offered = true,
                Meaning::BrowserLimit => self.cannot_verify = true,
                _ => {}
            }
            if code == failure::CaptureFailure::TimedOut.as_str() {
                return Ok(self.timed_out(engine));
            }
        }
        if self.wants_companion(memory) {
            if self.kind == RequestKind::Subresource {
                memory.note_look(&self.host, self.now);
                memory.counts.subresource_looks += 1;
            }
            let mut step = Step::need(NeedKind::Companion, self.deadline(COMPANION_MS));
            // A page of an enforced host is looked at afresh: a reply kept from an earlier
            // look does not vouch for this connection (nor for a sub-resource's).
            step.fresh =
                Some(self.mode == Some(Mode::Enforce) || self.kind != RequestKind::Document);
            self.step = step;
            return Ok(&self.step);
        }
        self.judge_chain(engine, memory);
        Ok(&self.step)
    }

    /// The companion's look (or why there is none).
    pub fn feed_companion(
        &mut self,
        engine: &Engine,
        memory: &mut Memory,
        answer: CompanionAnswer,
    ) -> Result<&Step, JudgeError> {
        self.expect(NeedKind::Companion, "the companion's look")?;
        let theirs: Vec<Vec<u8>> = answer
            .chain
            .iter()
            .filter_map(|b| STANDARD.decode(b).ok())
            .filter(|b| !b.is_empty())
            .take(MAX_CHAIN_LEN + 1)
            .collect();
        let code = match (&answer.failure, theirs.is_empty()) {
            (Some(code), _) => Some(code.clone()),
            (None, true) => Some("bad-reply".to_string()),
            (None, false) => None,
        };
        if let Some(code) = code {
            match self.fail(FailureSource::Companion, &code) {
                Meaning::AttackerInducible => self.chain_offered = true,
                Meaning::BrowserLimit => {}
                _ => {}
            }
            self.judge_chain(engine, memory);
            return Ok(&self.step);
        }
        let mut view = CompanionView {
            ms: answer.ms,
            cached: answer.cached,
            verified: answer.verified.clone(),
            leaf_differs: false,
            companion_leaf: None,
        };
        self.built_in_root = match answer.verified.as_ref().and_then(|v| v.anchor.as_deref()) {
            Some("web-pki") => Some(true),
            Some("local") => Some(false),
            _ => None,
        };
        self.chain_offered = true;
        self.from_server = true;
        // The browser's own leaf is the session's; the companion's certificates only complete it.
        match self.chain.first().cloned() {
            None => self.chain = theirs,
            // The same bytes as the browser's leaf: their chain is the browser's leaf completed.
            Some(leaf) if leaf == theirs[0] => self.chain = theirs,
            Some(leaf) => {
                view.leaf_differs = true;
                view.companion_leaf = crate::x509::cert::Cert::from_der(&theirs[0])
                    .ok()
                    .map(|c| c.facts);
                self.chain = vec![leaf];
                self.extra = theirs
                    .into_iter()
                    .skip(1)
                    .map(|der| (der, CertOrigin::Fetched))
                    .collect();
                // The browser's leaf decides; what the companion saw only links it.
                self.from_server = false;
            }
        }
        self.companion_view = Some(view);
        self.judge_chain(engine, memory);
        Ok(&self.step)
    }

    /// The body fetched from the AIA URL asked for (DER or PEM), or why there is none.
    pub fn feed_issuer(
        &mut self,
        engine: &Engine,
        memory: &mut Memory,
        body: Option<Vec<u8>>,
        failure: Option<&str>,
    ) -> Result<&Step, JudgeError> {
        self.expect(NeedKind::Issuer, "a CA certificate")?;
        let url = self.step.url.clone().unwrap_or_default();
        let der = match (failure, body) {
            (Some(code), _) => {
                self.fail(FailureSource::Issuer, code);
                if code == failure::IssuerFailure::TimedOut.as_str() {
                    self.fetch_budget_spent = true;
                }
                None
            }
            (None, Some(body)) if body.len() > MAX_ISSUER_BYTES => {
                self.fail(FailureSource::Issuer, "too-large");
                None
            }
            (None, Some(body)) => match certificate_bytes(&body) {
                Some(der) => Some(der),
                None => {
                    self.fail(FailureSource::Issuer, "not-a-certificate");
                    None
                }
            },
            (None, None) => {
                self.fail(FailureSource::Issuer, "network");
                None
            }
        };
        memory.note_fetch(&url, der.clone(), self.now);
        if let Some(der) = der {
            self.extra.push((der.clone(), CertOrigin::Fetched));
            self.fetched_now.push((url, der));
        }
        self.judge_chain(engine, memory);
        Ok(&self.step)
    }

    /// Whether the person chose "proceed anyway" for the chain asked about in this tab.
    pub fn feed_override(
        &mut self,
        engine: &Engine,
        memory: &mut Memory,
        overridden: bool,
        failure: Option<&str>,
    ) -> Result<&Step, JudgeError> {
        self.expect(NeedKind::Override, "the override")?;
        let overridden = match failure {
            Some(code) => {
                // Not seen, not granted: the verdict decides alone.
                self.fail(FailureSource::Override, code);
                false
            }
            None => overridden,
        };
        self.finish_with(engine, memory, overridden);
        Ok(&self.step)
    }

    /// The signatures asked for now ([`Judge::asked_signatures`]), in order.
    pub fn asked_signatures(&self) -> &[SignatureCheck] {
        if self.step.need == Some(NeedKind::Signatures) {
            &self.asked
        } else {
            &[]
        }
    }

    /// Whether each signature asked for verified, in the order asked.
    pub fn feed_signatures(
        &mut self,
        engine: &Engine,
        memory: &mut Memory,
        verified: &[bool],
    ) -> Result<&Step, JudgeError> {
        self.expect(NeedKind::Signatures, "signatures")?;
        if verified.len() != self.asked.len() {
            return Err(JudgeError::Answers {
                asked: self.asked.len(),
                given: verified.len(),
            });
        }
        for (check, &ok) in self.asked.iter().zip(verified) {
            memory.signatures.put(check.signed, check.signer, ok);
        }
        self.asked.clear();
        self.provisional = None;
        if self.browser_built() {
            self.judge_built(engine, memory);
        } else {
            self.complete(engine, memory);
        }
        Ok(&self.step)
    }

    /// The signatures asked for could not be verified (`code`, a `SignatureFailure`): what
    /// they would have linked stays unlinked, as the table says.
    fn signatures_failed(&mut self, engine: &Engine, memory: &mut Memory, code: &str) {
        self.asked.clear();
        let provisional = self.provisional.take();
        self.verdict = match self.fail(FailureSource::Signatures, code) {
            // Unknown signatures only leave links out, so a blocked key already linked stays
            // blocked whatever they say; any other verdict could change, and our own failure
            // is no verdict.
            Meaning::OwnFault => provisional.filter(|v| v.status == Status::Blocked),
            _ => provisional,
        };
        self.after_verdict(engine, memory)
    }

    /// The failure `code` for whatever is needed now (the caller's adapter failed, or the
    /// deadline passed: `timed-out`).
    pub fn feed_failure(
        &mut self,
        engine: &Engine,
        memory: &mut Memory,
        code: &str,
    ) -> Result<&Step, JudgeError> {
        match self.step.need {
            None => Err(JudgeError::Done),
            Some(NeedKind::Chain) => {
                let capture = Capture {
                    failure: Some(code.to_string()),
                    ..Capture::default()
                };
                self.feed_chain(engine, memory, capture, Vec::new())
            }
            Some(NeedKind::Companion) => {
                let answer = CompanionAnswer {
                    failure: Some(code.to_string()),
                    ..CompanionAnswer::default()
                };
                self.feed_companion(engine, memory, answer)
            }
            Some(NeedKind::Issuer) => self.feed_issuer(engine, memory, None, Some(code)),
            Some(NeedKind::Override) => {
                if code == failure::OverrideFailure::TimedOut.as_str() {
                    return Ok(self.timed_out(engine));
                }
                self.feed_override(engine, memory, false, Some(code))
            }
            Some(NeedKind::Signatures) => {
                self.signatures_failed(engine, memory, code);
                Ok(&self.step)
            }
        }
    }

    fn fail(&mut self, source: FailureSource, code: &str) -> Meaning {
        let meaning = failure::meaning(source, code);
        if self.failures.len() < 8 {
            self.failures.push(FailureView {
                source,
                code: code.chars().take(40).collect(),
                meaning,
            });
        }
        meaning
    }

    fn deadline(&self, budget: i64) -> i64 {
        (self.now + budget).min(self.now + LIMIT_MS)
    }

    /// The companion looks where the browser gave no chain it built: pinned hosts' pages and
    /// frames, with scope `all` every other page, and an enforced host's sub-resources at most
    /// once per [`SUBRESOURCE_LOOK_MS`].
    fn wants_companion(&self, memory: &Memory) -> bool {
        if self.companion == CompanionScope::Off || self.tier.is_some_and(Tier::browser_built) {
            return false;
        }
        match self.kind {
            RequestKind::Document => self.pinned || self.companion == CompanionScope::All,
            RequestKind::Frame => self.pinned,
            RequestKind::Subresource => {
                self.pinned
                    && self.mode == Some(Mode::Enforce)
                    && memory.look_due(&self.host, self.now, SUBRESOURCE_LOOK_MS)
            }
        }
    }

    /// Judges what is at hand, or asks for what the verdict needs.
    fn judge_chain(&mut self, engine: &Engine, memory: &mut Memory) {
        let now = now_secs(self.now);
        let built = self.browser_built();
        if built && !self.digests.is_empty() && !self.unverified {
            let hashes: Vec<Pin> = self.digests.iter().map(|d| d.cert_sha256).collect();
            if let Some(key) = Memory::chain_key(&self.host, &hashes) {
                let facts = self.wants_facts || !self.chain.is_empty();
                if let Some(hit) = memory.verdict(&key, facts, self.now) {
                    let (quiet, verdict) = (hit.quiet, hit.verdict.clone());
                    memory.counts.cache += 1;
                    self.judged_from = JudgedFrom::Cache;
                    if quiet && self.kind != RequestKind::Document {
                        // The page's other responses on a chain that passed quietly: nothing
                        // would be stored, shown or reported.
                        self.done(Decision::pass(), false);
                        return;
                    }
                    self.verdict = Some((*verdict).clone());
                    return self.after_verdict(engine, memory);
                }
            }
        }
        if built && self.chain.is_empty() && !self.digests.is_empty() {
            if self.der_asked || !self.rereads {
                // DER was asked for and not given: the digests decide what they can.
                if let Some(v) = engine.check_digests(&self.host, &self.digests, now) {
                    let v = unverified::judged(v, self.browser_facts());
                    self.verdict = Some(engine.with_root(v, self.built_in_root));
                    self.judged_from = JudgedFrom::Digests;
                    memory.counts.digests += 1;
                    return self.after_verdict(engine, memory);
                }
            } else {
                let quiet = engine
                    .check_digests(&self.host, &self.digests, now)
                    .map(|v| unverified::judged(v, self.browser_facts()))
                    .map(|v| engine.with_root(v, self.built_in_root))
                    .filter(|v| {
                        matches!(v.status, Status::Pinned | Status::Unpinned) && !(self.wants_facts)
                    });
                if let Some(v) = quiet {
                    self.verdict = Some(v);
                    self.judged_from = JudgedFrom::Digests;
                    memory.counts.digests += 1;
                    return self.after_verdict(engine, memory);
                }
                // Anything but a quiet pass is shown, stored or reported with the chain's
                // facts; another chain than the one kept is judged from its DER.
                self.der_asked = true;
                memory.counts.der_reads += 1;
                let mut step = Step::need(NeedKind::Chain, self.deadline(LIMIT_MS));
                step.der = Some(true);
                self.step = step;
                return;
            }
        }
        self.judged_from = JudgedFrom::Der;
        if built || self.chain.is_empty() {
            memory.counts.der += 1;
            return self.judge_built(engine, memory);
        }
        self.complete(engine, memory)
    }

    /// A chain the browser built (or none), from its certificates.
    fn judge_built(&mut self, engine: &Engine, memory: &mut Memory) {
        let now = now_secs(self.now);
        let v = engine.check_built(&self.host, &self.chain, &mut memory.signatures, now);
        let v = unverified::judged(v, self.browser_facts());
        let v = engine.with_root(v, self.built_in_root);
        if let Some(v) = self.unless_signatures_asked(memory, v) {
            self.verdict = Some(v);
            self.after_verdict(engine, memory);
        }
    }

    /// The verdict of the check just made, unless it needed signatures the memory does not
    /// know: those are asked for first (the verdict is kept until they are answered), since
    /// nothing may be concluded without them, not even a pass (a blocked key above a pinned
    /// one must still be seen).
    fn unless_signatures_asked(&mut self, memory: &mut Memory, v: Verdict) -> Option<Verdict> {
        let asked = memory.signatures.take_asked();
        if asked.is_empty() {
            return Some(v);
        }
        self.asked = asked;
        self.provisional = Some(v);
        self.step = Step::need(NeedKind::Signatures, self.deadline(SIGNATURES_MS));
        None
    }

    /// The chain at hand is one the browser built and verified (not a server's, as the
    /// companion saw it).
    fn browser_built(&self) -> bool {
        self.tier.is_some_and(Tier::browser_built) && !self.from_server
    }

    /// What the browser said of its own verification of the chain at hand.
    fn browser_facts(&self) -> unverified::BrowserFacts {
        unverified::BrowserFacts {
            built: self.browser_built(),
            len: self.digests.len().max(self.chain.len()),
            unverified: self.unverified,
        }
    }

    /// A chain no browser built: linked by signatures, completed from kept CA certificates and
    /// AIA fetches as far as the bounds allow.
    fn complete(&mut self, engine: &Engine, memory: &mut Memory) {
        let now = now_secs(self.now);
        let given = if self.from_server || self.other_connection {
            Given::Served
        } else if self.can_fetch {
            Given::LeafCompleted
        } else {
            Given::Leaf
        };
        loop {
            let extra: Vec<(&[u8], CertOrigin)> =
                self.extra.iter().map(|(d, o)| (d.as_slice(), *o)).collect();
            memory.signatures.spent_before = self.signature_checks;
            let v = engine.check_path(
                &self.host,
                &self.chain,
                &extra,
                given,
                &mut memory.signatures,
                now,
            );
            memory.signatures.spent_before = 0;
            let v = engine.with_root(v, self.built_in_root);
            if let Some(path) = &v.path {
                self.signature_checks = self.signature_checks.max(path.checks);
            }
            let Some(v) = self.unless_signatures_asked(memory, v) else {
                return;
            };
            let open = v
                .path
                .as_ref()
                .filter(|_| !matches!(v.status, Status::Pinned | Status::Blocked));
            let Some(path) = open else {
                self.verdict = Some(v);
                break;
            };
            let key_ids: Vec<String> = path.wanted_key_ids.clone();
            let urls: Vec<String> = path
                .wanted
                .iter()
                .filter(|u| !self.tried.contains(*u))
                .cloned()
                .collect();
            // Kept CA certificates first; one that does not link is no reason to skip the
            // fetch: the URL stays to be tried.
            let fresh: Vec<String> = memory
                .kept_for(&key_ids, &path.wanted)
                .into_iter()
                .filter(|k| !self.used_kept.contains(&k.der))
                .map(|k| k.der.clone())
                .collect();
            let kept: Vec<Vec<u8>> = fresh
                .into_iter()
                .filter_map(|der| {
                    let bytes = STANDARD.decode(&der).ok();
                    self.used_kept.insert(der);
                    bytes
                })
                .collect();
            if !kept.is_empty() {
                self.extra
                    .extend(kept.into_iter().map(|d| (d, CertOrigin::Cached)));
                continue;
            }
            let Some(url) = urls.into_iter().next() else {
                self.verdict = Some(v);
                break;
            };
            self.tried.insert(url.clone());
            if !self.can_fetch || self.fetches >= MAX_FETCHES || self.fetch_budget_spent {
                self.verdict = Some(v);
                break;
            }
            // The responses of a page (and an interceptor's flood) share one fetch per URL.
            if let Some(shared) = memory.fetched(&url, self.now) {
                if let Some(der) = shared {
                    self.extra.push(((*der).clone(), CertOrigin::Fetched));
                    self.fetched_now.push((url, (*der).clone()));
                }
                continue;
            }
            if !aia_url_allowed(&url) {
                self.fail(FailureSource::Issuer, "refused");
                memory.note_fetch(&url, None, self.now);
                continue;
            }
            self.fetches += 1;
            memory.counts.fetches += 1;
            let mut step = Step::need(NeedKind::Issuer, self.deadline(FETCH_BUDGET_MS));
            step.url = Some(url);
            self.step = step;
            return;
        }
        self.keep_linked(memory);
        self.after_verdict(engine, memory)
    }

    /// Keeps the fetched CA certificates the final path linked, when the chain ended pinned.
    fn keep_linked(&mut self, memory: &mut Memory) {
        let Some(v) = &self.verdict else { return };
        if v.status != Status::Pinned || self.fetched_now.is_empty() {
            return;
        }
        let Some(path) = &v.path else { return };
        let mut linked = Vec::new();
        for (i, origin) in path.origins.iter().enumerate() {
            if *origin != CertOrigin::Fetched {
                continue;
            }
            let Some(facts) = v.chain.get(i) else {
                continue;
            };
            // Found again by its subject key id, or by the URL it came from when it has none.
            let key_id = facts.subject_key_id.clone().unwrap_or_default();
            for (url, der) in &self.fetched_now {
                if crate::x509::pin::hex(&Sha256::digest(der)) == facts.sha256 {
                    linked.push(KeptCa {
                        key_id: key_id.clone(),
                        url: url.clone(),
                        der: STANDARD.encode(der),
                        at: self.now,
                    });
                }
            }
        }
        if !linked.is_empty() {
            memory.keep_cas(linked);
            self.kept_changed = true;
        }
    }

    fn after_verdict(&mut self, engine: &Engine, memory: &mut Memory) {
        if let Some(v) = self.verdict.take() {
            let (v, root) = engine.with_added_roots(v, &self.added_roots);
            self.verdict = Some(v);
            self.added_root = self.added_root.take().or(root);
        }
        let Some(v) = &self.verdict else {
            return self.finish_with(engine, memory, false);
        };
        if matches!(v.status, Status::Mismatch | Status::LocalRoot) {
            let mut step = Step::need(NeedKind::Override, self.deadline(LIMIT_MS));
            step.chain_key = Some(v.chain_key.clone());
            step.host = Some(v.host.clone());
            self.step = step;
            return;
        }
        self.finish_with(engine, memory, false)
    }

    fn situation(&self, engine: &Engine, overridden: bool) -> Situation {
        let v = self.verdict.as_ref();
        // A failure only Pinwatch itself can cause shows the error badge (unless a stop stands).
        let own = self.failures.iter().any(|f| match f.meaning {
            Meaning::OwnFault => v.is_none_or(|v| v.status == Status::Unverifiable),
            Meaning::NotGranted => true,
            _ => false,
        });
        Situation {
            status: v.map(|v| v.status),
            mode: v.and_then(|v| v.mode).or(self.mode),
            failure: own.then_some(Failure::OwnError),
            chain_offered: self.chain_offered,
            unreadable: v.is_some_and(|v| v.unreadable),
            overridden,
            allow_override: engine.allows_user_override(),
            may_warn: standing::exposure(engine, &self.host).may_warn,
        }
    }

    fn finish_with(&mut self, engine: &Engine, memory: &mut Memory, overridden: bool) {
        let decision = decide(&self.situation(engine, overridden));
        self.overridden = overridden && engine.allows_user_override();
        if let (true, Some(v)) = (self.browser_built(), &self.verdict) {
            let hashes: Vec<Pin> = self.digests.iter().map(|d| d.cert_sha256).collect();
            if let (Some(key), JudgedFrom::Digests | JudgedFrom::Der) =
                (Memory::chain_key(&self.host, &hashes), self.judged_from)
            {
                let quiet = v.status == Status::Pinned && decision == Decision::pass();
                let kept = Kept {
                    verdict: Rc::new(v.clone()),
                    at: self.now,
                    quiet,
                };
                memory.keep_verdict(key, &self.host, kept);
            }
        }
        self.done(decision, true);
    }

    /// The deadline passed: the table's `timed-out`, with whatever was reached so far.
    fn timed_out(&mut self, engine: &Engine) -> &Step {
        let mut situation = self.situation(engine, false);
        situation.failure = Some(Failure::TimedOut);
        let decision = decide(&situation);
        self.done(decision, true);
        &self.step
    }

    fn done(&mut self, decision: Decision, record: bool) {
        let overridden = self.overridden;
        let outcome = Outcome {
            overridden,
            decision,
            verdict: self.verdict.take(),
            record,
            judged_from: self.judged_from,
            tier: self.tier_name.take(),
            browser_built: self.browser_built(),
            built_in_root: self.built_in_root,
            chain_offered: self.chain_offered,
            cannot_verify: self.cannot_verify,
            failures: std::mem::take(&mut self.failures),
            companion: self.companion_view.take(),
            kept_changed: self.kept_changed,
            added_root: self.added_root.take(),
        };
        self.step = Step {
            need: None,
            der: None,
            fresh: None,
            url: None,
            chain_key: None,
            host: None,
            deadline: self.now,
            outcome: Some(Box::new(outcome)),
        };
    }

    /// Whether the outcome stops the response.
    pub fn stops(&self) -> bool {
        self.step
            .outcome()
            .is_some_and(|o| o.decision.act == Act::Stop)
    }
}

/// DER from a fetched body: DER as it is, or the first certificate of PEM text.
fn certificate_bytes(body: &[u8]) -> Option<Vec<u8>> {
    if body.first() == Some(&0x30) {
        return Some(body.to_vec());
    }
    if !body.starts_with(b"-----") && !body.iter().take(64).any(|&b| b == b'-') {
        return None;
    }
    parse_chain(body)
        .ok()
        .and_then(|certs| certs.into_iter().next())
        .map(|c| c.der().to_vec())
}

/// One bound or time the judge keeps to, with its rule, for the docs.
#[cfg(feature = "docs")]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Limit {
    pub name: &'static str,
    pub value: i64,
    pub rule: &'static str,
}

/// What a verdict does under each mode (no failure, no override), for the docs.
#[cfg(feature = "docs")]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionRow {
    pub status: Status,
    pub mode: Option<Mode>,
    pub decision: Decision,
}

/// The judge's tables, as `docs/design.md` prints them (generated, so they cannot drift).
#[cfg(feature = "docs")]
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tables {
    pub failures: Vec<failure::Row>,
    pub limits: Vec<Limit>,
    pub decisions: Vec<DecisionRow>,
}

#[cfg(feature = "docs")]
pub fn tables() -> Tables {
    use memory::*;
    let limits = vec![
        Limit { name: "LIMIT_MS", value: LIMIT_MS, rule: "a response is held at most this long; then `timed-out` is fed and the table decides" },
        Limit { name: "COMPANION_MS", value: COMPANION_MS, rule: "the companion's look; past it, `timed-out` (attacker-inducible)" },
        Limit { name: "SUBRESOURCE_LOOK_MS", value: SUBRESOURCE_LOOK_MS, rule: "an enforced host's sub-resources are looked at by the companion at most once in this long per host (afresh); a rogue chain seen for one stops the tab" },
        Limit { name: "SIGNATURES_MS", value: SIGNATURES_MS, rule: "the signatures a path needs, verified by the signature module; past it, what they would have linked stays unlinked" },
        Limit { name: "FETCH_BUDGET_MS", value: FETCH_BUDGET_MS, rule: "all AIA fetches of one response; past it, the path stays open" },
        Limit { name: "MAX_FETCHES", value: MAX_FETCHES as i64, rule: "AIA fetches of one response" },
        Limit { name: "MAX_ISSUER_BYTES", value: MAX_ISSUER_BYTES as i64, rule: "the largest AIA body read" },
        Limit { name: "MAX_VERDICTS", value: MAX_VERDICTS as i64, rule: "verdicts kept, keyed by host and every certificate's hash, for chains a browser built only; the oldest goes first" },
        Limit { name: "VERDICT_MS", value: VERDICT_MS, rule: "a kept verdict stands for the same chain this long; a sub-resource on a chain that passed quietly is not judged again" },
        Limit { name: "MAX_KEPT", value: MAX_KEPT as i64, rule: "CA certificates kept for completion: only those that completed a chain that ended pinned; one that does not link never stands in for the fetch" },
        Limit { name: "FETCHED_URL_MS", value: FETCHED_URL_MS, rule: "an AIA URL is fetched at most once in this long, success or failure" },
        Limit { name: "MAX_FETCHED_URLS", value: MAX_FETCHED_URLS as i64, rule: "AIA URLs remembered" },
    ];
    let mut decisions = Vec::new();
    for status in Status::ALL {
        for mode in [
            Some(Mode::Enforce),
            Some(Mode::Warn),
            Some(Mode::Report),
            None,
        ] {
            let s = Situation {
                status: Some(*status),
                mode,
                chain_offered: true,
                unreadable: *status == Status::Unverifiable,
                allow_override: true,
                ..Situation::default()
            };
            decisions.push(DecisionRow {
                status: *status,
                mode,
                decision: decide(&s),
            });
        }
    }
    Tables {
        failures: failure::table(),
        limits,
        decisions,
    }
}
