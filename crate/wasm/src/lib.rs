//! The WebAssembly boundary of `pinwatch-core`: conversion only, no rule lives here. Plain
//! camelCase objects come in read field by field (`inputs.rs`) and leave as JSON text for
//! `JSON.parse` (see docs/design.md#json-text-across-the-wasm-boundary); certificates cross as
//! `Uint8Array`.

#![cfg(target_arch = "wasm32")]

mod inputs;
mod read;
mod text;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use pinwatch_core::judge::engine;
use pinwatch_core::judge::local_root::AddedRootsError;
#[cfg(feature = "direct-checks")]
use pinwatch_core::judge::path::{CertOrigin, Given, SignatureCache};
use pinwatch_core::judge::{self, memory::Memory};
use pinwatch_core::list::accept;
use pinwatch_core::list::compiled;
use pinwatch_core::list::sources;
use pinwatch_core::list::Mode;
use pinwatch_core::x509::cert;
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Results leave as JSON text that the engine's own `JSON.parse` turns into plain objects:
/// for a verdict with three certificates this is ~4x faster than building the object field by
/// field through serde-wasm-bindgen (measured in tests/bench/bench.mjs), with the same result.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let text = serde_json::to_string(value).map_err(|e| JsError::new(&e.to_string()))?;
    js_sys::JSON::parse(&text).map_err(|_| JsError::new("result is not JSON"))
}

fn error(e: impl core::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

#[wasm_bindgen]
pub struct Engine {
    inner: Rc<engine::Engine>,
    problems: Vec<sources::SourceProblem>,
    policy_mode: Option<Mode>,
    /// What the judge keeps between responses, for the life of this engine (one wake at most).
    memory: Rc<RefCell<Memory>>,
    /// Signature results for `checkPath`, for the life of this engine (one wake at most).
    #[cfg(feature = "direct-checks")]
    signatures: SignatureCache,
}

/// One response's judge (`judge::Judge`): the extension asks `step()`, does the I/O it names,
/// and feeds the answer back until the step carries the outcome.
#[wasm_bindgen]
pub struct Judge {
    engine: Rc<engine::Engine>,
    memory: Rc<RefCell<Memory>>,
    judge: judge::Judge,
}

fn step_js(step: Result<&judge::Step, judge::JudgeError>) -> Result<JsValue, JsError> {
    to_js(step.map_err(error)?)
}

#[wasm_bindgen]
impl Judge {
    /// What the judge needs now (`{need, der?, fresh?, url?, chainKey?, deadline}`), or its
    /// outcome (`{need: null, outcome}`).
    pub fn step(&self) -> Result<JsValue, JsError> {
        to_js(self.judge.step())
    }

    /// The chain: `capture` = `{tier, state?, digests?, builtInRoot?, failure?}`, `der` =
    /// `Uint8Array[]` (empty when the DER was not read).
    #[wasm_bindgen(js_name = feedChain)]
    pub fn feed_chain(&mut self, capture: JsValue, der: js_sys::Array) -> Result<JsValue, JsError> {
        let capture = inputs::capture(capture)?;
        let der: Vec<Vec<u8>> = der.iter().map(der_of).collect();
        let mut memory = self.memory.borrow_mut();
        step_js(
            self.judge
                .feed_chain(&self.engine, &mut memory, capture, der),
        )
    }

    /// The companion's answer: its reply (`{chain, verified, ms}`) plus `cached`, or `{failure}`.
    #[wasm_bindgen(js_name = feedCompanion)]
    pub fn feed_companion(&mut self, answer: JsValue) -> Result<JsValue, JsError> {
        let answer = inputs::companion_answer(answer)?;
        let mut memory = self.memory.borrow_mut();
        step_js(self.judge.feed_companion(&self.engine, &mut memory, answer))
    }

    /// The body fetched from the URL asked for, or the failure code.
    #[wasm_bindgen(js_name = feedIssuer)]
    pub fn feed_issuer(
        &mut self,
        body: Option<Vec<u8>>,
        failure: Option<String>,
    ) -> Result<JsValue, JsError> {
        let mut memory = self.memory.borrow_mut();
        step_js(
            self.judge
                .feed_issuer(&self.engine, &mut memory, body, failure.as_deref()),
        )
    }

    /// Whether the person overrode the chain asked about, or the failure code.
    #[wasm_bindgen(js_name = feedOverride)]
    pub fn feed_override(
        &mut self,
        overridden: bool,
        failure: Option<String>,
    ) -> Result<JsValue, JsError> {
        let mut memory = self.memory.borrow_mut();
        step_js(
            self.judge
                .feed_override(&self.engine, &mut memory, overridden, failure.as_deref()),
        )
    }

    /// The signatures asked for (`need: "signatures"`), each as `[algorithm, signerSpki,
    /// message, signature]` (`Uint8Array`s: the signed certificate's `signatureAlgorithm`, the
    /// signer's SubjectPublicKeyInfo, the TBS bytes, the signature), for the signature module.
    #[wasm_bindgen(js_name = askedSignatures)]
    pub fn asked_signatures(&self) -> js_sys::Array {
        self.judge
            .asked_signatures()
            .iter()
            .map(|c| {
                let parts = [&c.algorithm, &c.signer_spki, &c.message, &c.signature];
                parts
                    .iter()
                    .map(|b| js_sys::Uint8Array::from(b.as_slice()))
                    .collect::<js_sys::Array>()
            })
            .collect()
    }

    /// Whether each signature asked for verified (one byte each, 1 = verified), in order.
    #[wasm_bindgen(js_name = feedSignatures)]
    pub fn feed_signatures(&mut self, verified: &[u8]) -> Result<JsValue, JsError> {
        let verified: Vec<bool> = verified.iter().map(|&b| b == 1).collect();
        let mut memory = self.memory.borrow_mut();
        step_js(
            self.judge
                .feed_signatures(&self.engine, &mut memory, &verified),
        )
    }

    /// A failure code for whatever is needed now (`timed-out` when the deadline passed).
    #[wasm_bindgen(js_name = feedFailure)]
    pub fn feed_failure(&mut self, code: &str) -> Result<JsValue, JsError> {
        let mut memory = self.memory.borrow_mut();
        step_js(self.judge.feed_failure(&self.engine, &mut memory, code))
    }
}

/// DER bytes from a `Uint8Array` (or another array-like).
fn der_of(v: JsValue) -> Vec<u8> {
    match v.dyn_into::<js_sys::Uint8Array>() {
        // `new Uint8Array(v)` of a Uint8Array copies it on the JS side first (~1 µs each);
        // only other array-likes need that.
        Ok(bytes) => bytes.to_vec(),
        Err(v) => js_sys::Uint8Array::new(&v).to_vec(),
    }
}

impl Engine {
    fn from_read(
        sources: Vec<engine::Source>,
        extra_bad: Vec<engine::ExtraBad>,
        settings: engine::Settings,
        kept: JsValue,
    ) -> Engine {
        // Kept CA certificates as stored; ones that cannot be read are dropped, not fatal.
        let kept = read::list(kept, "kept", inputs::kept_ca).unwrap_or_default();
        let (inner, problems) = engine::Engine::from_read(sources, extra_bad, &settings);
        Engine {
            inner: Rc::new(inner),
            problems,
            policy_mode: settings.policy_mode,
            // The judges ask for signatures: their arithmetic is the signature module's.
            memory: Rc::new(RefCell::new(Memory::asking(kept))),
            #[cfg(feature = "direct-checks")]
            signatures: SignatureCache::new(),
        }
    }
}

#[wasm_bindgen]
impl Engine {
    /// `sources`: `[{origin, kind, payload?, extraEntries?, scope?}]`, lowest precedence first;
    /// `settings`: `{allowedInterceptionSpkis, policyMode, userMode}`. What could not be used is
    /// listed by `problems()`. The node package only: the extension's engines are built
    /// `fromCompiled`, and the lists' reading this needs is the signed-list module's.
    #[cfg(feature = "json-sources")]
    #[wasm_bindgen(constructor)]
    pub fn new(sources: JsValue, settings: JsValue, kept: JsValue) -> Result<Engine, JsError> {
        let inputs = read::list(sources, "sources", inputs::source)?;
        let settings = inputs::settings(settings)?;
        let read = sources::read_sources(inputs);
        let mut engine = Engine::from_read(read.sources, read.extra_bad, settings, kept);
        engine.problems.splice(0..0, read.problems);
        Ok(engine)
    }

    /// The engine from `compiled` (base64), the signed-list module's `compileSources` of these
    /// same `sources`; `undefined` when it was made from other sources (or is not one), and
    /// the caller compiles them again. `settings` and `kept` as `new`'s. `problems()` lists
    /// what the settings refused; what reading the sources found came with the compiled form.
    #[wasm_bindgen(js_name = fromCompiled)]
    pub fn from_compiled(
        sources: JsValue,
        compiled: &str,
        settings: JsValue,
        kept: JsValue,
    ) -> Result<Option<Engine>, JsError> {
        let inputs = read::list(sources, "sources", inputs::source)?;
        let settings = inputs::settings(settings)?;
        let Ok(form) = STANDARD.decode(compiled) else {
            return Ok(None);
        };
        Ok(compiled::decode(&form, &inputs)
            .ok()
            .map(|(sources, extra_bad)| Engine::from_read(sources, extra_bad, settings, kept)))
    }

    /// A judge for one response: `start` = `{host, type, held, companion, canFetch, read, now}`
    /// (`judge::Start`).
    pub fn judge(&self, start: JsValue) -> Result<Judge, JsError> {
        let start = inputs::start(start)?;
        let judge = judge::Judge::new(&self.inner, &mut self.memory.borrow_mut(), start);
        Ok(Judge {
            engine: self.inner.clone(),
            memory: self.memory.clone(),
            judge,
        })
    }

    /// The CA certificates kept for completion, when they changed since last asked (for
    /// storage), else `undefined`.
    #[wasm_bindgen(js_name = takeKept)]
    pub fn take_kept(&self) -> Result<JsValue, JsError> {
        match self.memory.borrow_mut().take_kept() {
            Some(kept) => to_js(&kept),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// How this engine's verdicts were reached (`judge::Counts`).
    pub fn counts(&self) -> Result<JsValue, JsError> {
        to_js(&self.memory.borrow().counts)
    }

    /// The verdict for `host` and its chain (`Uint8Array[]`, leaf first) at `nowSecs`;
    /// `rootBuiltIn`: whether the browser ships the chain's root (`Engine::with_root`).
    #[cfg(feature = "direct-checks")]
    pub fn check(
        &self,
        host: &str,
        chain: js_sys::Array,
        now_secs: f64,
        root_built_in: Option<bool>,
    ) -> Result<JsValue, JsError> {
        let ders: Vec<Vec<u8>> = chain.iter().map(der_of).collect();
        let verdict = self.inner.check(host, &ders, now_secs as i64);
        to_js(&self.inner.with_root(verdict, root_built_in))
    }

    /// The verdict for a chain the browser built, from its digests alone: `digests` is
    /// `"spkiSha256 certSha256 …"` per certificate, leaf first, separated by spaces (base64, or
    /// hex with colons as Firefox writes fingerprints): `Engine::check_digests`. `undefined`
    /// when digests cannot decide (ask `check` with the DER).
    #[wasm_bindgen(js_name = checkDigests)]
    pub fn check_digests(
        &self,
        host: &str,
        #[wasm_bindgen(unchecked_param_type = "string")] digests: JsValue,
        now_secs: f64,
        root_built_in: Option<bool>,
    ) -> Result<JsValue, JsError> {
        let digests =
            text::as_string(&digests).ok_or_else(|| JsError::new("digests must be a string"))?;
        let digests = engine::CertDigests::parse_words(&digests)
            .map_err(|e| JsError::new(&format!("digests: {e}")))?;
        let verdict = self
            .inner
            .check_digests_brief(host, &digests, now_secs as i64);
        match verdict.map(|v| self.inner.with_root(v, root_built_in)) {
            Some(v) => to_js(&DigestVerdict {
                status: v.status,
                reason: &v.reason,
                reason_code: v.reason_code,
                reason_params: &v.reason_params,
                host: &v.host,
                action: v.action,
                mode: v.mode,
                unreadable: v.unreadable,
                chain_key: &v.chain_key,
                matched: v.matched.as_ref(),
            }),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// The verdict for a chain no browser built (`Engine::check_path`), its signatures verified
    /// here (tests and benchmarks: the node package only; the extension's judges ask the
    /// signature module): `served`
    /// (`Uint8Array[]`, leaf first), `extra` = `[{der: Uint8Array, origin: "fetched"|"cached"}]`,
    /// `given` = "leaf" | "leaf-completed" | "served" (`path::Given`).
    #[cfg(feature = "direct-checks")]
    #[wasm_bindgen(js_name = checkPath)]
    pub fn check_path(
        &mut self,
        host: &str,
        served: js_sys::Array,
        extra: js_sys::Array,
        given: &str,
        now_secs: f64,
        root_built_in: Option<bool>,
    ) -> Result<JsValue, JsError> {
        let given = Given::from_name(given).ok_or_else(|| {
            JsError::new("given must be \"leaf\", \"leaf-completed\" or \"served\"")
        })?;
        let served: Vec<Vec<u8>> = served.iter().map(der_of).collect();
        let mut extra_ders = Vec::new();
        for item in extra.iter() {
            let der = js_sys::Reflect::get(&item, &"der".into())
                .map_err(|_| JsError::new("extra: no der"))?;
            let origin = js_sys::Reflect::get(&item, &"origin".into())
                .ok()
                .and_then(|o| o.as_string())
                .and_then(|o| CertOrigin::from_name(&o))
                .ok_or_else(|| JsError::new("extra: origin must be \"fetched\" or \"cached\""))?;
            extra_ders.push((der_of(der), origin));
        }
        let extra: Vec<(&[u8], CertOrigin)> =
            extra_ders.iter().map(|(d, o)| (d.as_slice(), *o)).collect();
        let verdict = self.inner.check_path(
            host,
            &served,
            &extra,
            given,
            &mut self.signatures,
            now_secs as i64,
        );
        to_js(&self.inner.with_root(verdict, root_built_in))
    }

    /// The roots of the companion's `hello` list (`localRoots`) that count here
    /// (`Engine::added_roots`): `{roots, declared, problems, leftOut}`; a list that cannot be
    /// read at all throws.
    #[wasm_bindgen(js_name = addedRoots)]
    pub fn added_roots(&self, rows: JsValue) -> Result<JsValue, JsError> {
        let rows = if rows.is_undefined() || rows.is_null() {
            Vec::new()
        } else if js_sys::Array::is_array(&rows) {
            js_sys::Array::from(&rows)
                .iter()
                .map(inputs::added_row)
                .collect()
        } else {
            return Err(error(AddedRootsError::NotAList));
        };
        match self.inner.added_roots(&rows) {
            Ok(roots) => to_js(&roots),
            Err(e) => Err(JsError::new(&e.to_string())),
        }
    }

    /// What a `local-root` verdict does: "notice", "warn" or "enforce" (`LocalRootMode`).
    #[wasm_bindgen(js_name = localRootMode)]
    pub fn local_root_mode(&self) -> String {
        self.inner.local_root_mode().as_str().to_string()
    }

    /// The mode in force for `host`, or `undefined` when no entry governs it.
    #[wasm_bindgen(js_name = modeFor)]
    pub fn mode_for(&self, host: &str) -> Option<String> {
        self.inner.mode_for(host).map(|m| m.as_str().to_string())
    }

    /// What a time-out on `host` must still do: `{mode?, mayWarn}` (`judge::standing::Exposure`).
    pub fn exposure(&self, host: &str) -> Result<JsValue, JsError> {
        to_js(&judge::standing::exposure(&self.inner, host))
    }

    /// Every host's exposure as a table kept for the next wake: `{exact, below, elsewhere}`
    /// (`judge::standing::Standing`).
    pub fn standing(&self) -> Result<JsValue, JsError> {
        to_js(&judge::standing::standing(&self.inner))
    }

    #[wasm_bindgen(js_name = isPinned)]
    pub fn is_pinned(&self, host: &str) -> bool {
        self.inner.is_pinned(host)
    }

    /// What a listener does with a page of `host` (`undefined`: of a host no list pins) before
    /// anything is read: "hold", "release-read" or "release-unread" (`judge::plan::PagePlan`).
    /// `companion`: a `CompanionScope` name; an unknown one counts as "off".
    #[wasm_bindgen(js_name = pagePlan)]
    pub fn page_plan(&self, host: Option<String>, roots_known: bool, companion: &str) -> String {
        let browser = judge::plan::Browser {
            roots_known,
            companion: judge::CompanionScope::from_name(companion)
                .unwrap_or(judge::CompanionScope::Off),
        };
        self.inner
            .page_plan(host.as_deref(), browser)
            .as_str()
            .to_string()
    }

    /// `[[host, includeSubdomains], …]` for request filters.
    #[wasm_bindgen(js_name = pinnedHosts)]
    pub fn pinned_hosts(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.pinned_hosts())
    }

    #[wasm_bindgen(js_name = hasBlockList)]
    pub fn has_block_list(&self) -> bool {
        self.inner.has_block_list()
    }

    /// Per-source summaries at `nowSecs` (publisher, sequence, expiry, stale).
    pub fn status(&self, now_secs: f64) -> Result<JsValue, JsError> {
        to_js(&self.inner.status_at(Some(now_secs as i64)))
    }

    /// `[{origin, error}]`: sources, entries and settings that were left out, and why.
    pub fn problems(&self) -> Result<JsValue, JsError> {
        to_js(&self.problems)
    }

    /// The modes the user may choose under this engine's policy.
    #[wasm_bindgen(js_name = allowedUserModes)]
    pub fn allowed_user_modes(&self) -> Result<JsValue, JsError> {
        to_js(&sources::allowed_user_modes(self.policy_mode))
    }
}

/// The fields of a verdict that a digest-only check is used for (a quiet pass or a decision;
/// anything shown is judged again with the DER): less JSON across the boundary.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DigestVerdict<'a> {
    status: pinwatch_core::Status,
    reason: &'a str,
    reason_code: pinwatch_core::reason::ReasonCode,
    reason_params: &'a std::collections::BTreeMap<&'static str, String>,
    host: &'a str,
    action: Option<Mode>,
    mode: Option<Mode>,
    unreadable: bool,
    chain_key: &'a str,
    matched: Option<&'a pinwatch_core::judge::verdict::Matched>,
}

/// What a verdict does (`decision::decide`): `situation` = `{status?, mode?, failure?,
/// chainOffered, overridden, allowOverride}`; returns `{act, stopReason, offerProceed,
/// offerRetry, report, notify, errorBadge}`.
#[wasm_bindgen]
pub fn decide(situation: JsValue) -> Result<JsValue, JsError> {
    let situation = inputs::situation(situation)?;
    to_js(&pinwatch_core::judge::decision::decide(&situation))
}

/// The judge's tables (failure codes, limits, what each status does), for the docs: only in the
/// node build the tools read (feature `docs`), not in the module the extension ships.
#[cfg(feature = "docs")]
#[wasm_bindgen(js_name = judgeTables)]
pub fn judge_tables() -> Result<JsValue, JsError> {
    to_js(&judge::tables())
}

/// Every word the extension shares with the core (statuses, modes, …): see `vocabulary.rs`. The
/// build writes them into extension/shared/vocabulary.js from the node package (feature `docs`),
/// so the shipped module carries neither the tables nor their serialisation.
#[cfg(feature = "docs")]
#[wasm_bindgen]
pub fn vocabulary() -> Result<JsValue, JsError> {
    to_js(&pinwatch_core::vocabulary::vocabulary())
}

/// Whether two `{keys, threshold}` objects name the same signer set (`accept::same_signer_texts`).
#[wasm_bindgen(js_name = sameSigners)]
pub fn same_signers(a: JsValue, b: JsValue) -> bool {
    match (inputs::signers(a), inputs::signers(b)) {
        (Ok(a), Ok(b)) => accept::same_signer_texts((&a.0, a.1), (&b.0, b.1)),
        _ => false,
    }
}

/// Facts of one DER certificate. No part of the extension asks it (a verdict carries the facts of
/// its chain): only in the node package (feature `docs`), for the benchmarks and the fuzzer of
/// this boundary (`tests/wasm/fuzz-wasm.mjs`), not in the module every wake loads.
#[cfg(feature = "docs")]
#[wasm_bindgen(js_name = certFacts)]
pub fn cert_facts(der: &[u8]) -> Result<JsValue, JsError> {
    let cert = cert::Cert::from_der(der).map_err(error)?;
    to_js(&cert.facts)
}

/// The SPKI pin (base64) of one DER certificate.
#[wasm_bindgen(js_name = spkiPin)]
pub fn spki_pin(der: &[u8]) -> Result<String, JsError> {
    cert::spki_pin(der).map(|p| p.to_base64()).map_err(error)
}
