//! The WebAssembly boundary: a thin wrapper, no logic. Plain camelCase objects cross it as
//! JSON text (`JSON.stringify` in, `JSON.parse` out, see `from_js` and `to_js`); certificates
//! cross as `Uint8Array`.

use crate::engine::{self, Settings, Source};
use crate::list::{ExtraEntry, PinList};
use crate::{cert, pin::Pin};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// Results leave as JSON text that the engine's own `JSON.parse` turns into plain objects:
/// for a verdict with three certificates this is ~4x faster than building the object field by
/// field through serde-wasm-bindgen (measured in tests/bench/bench.mjs), with the same result.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let text = serde_json::to_string(value).map_err(|e| JsError::new(&e.to_string()))?;
    js_sys::JSON::parse(&text).map_err(|_| JsError::new("result is not JSON"))
}

/// Inputs go through `JSON.stringify` and serde_json: one deserializer for lists and inputs
/// instead of a second (serde-wasm-bindgen) copy of every `Deserialize` impl, ~4 KB gzip.
/// The inputs are plain data (strings, booleans, arrays), which JSON carries exactly.
fn from_js<T: for<'de> Deserialize<'de>>(value: JsValue) -> Result<T, JsError> {
    if value.is_undefined() || value.is_null() {
        return serde_json::from_str("{}").map_err(|e| JsError::new(&e.to_string()));
    }
    let text: String = js_sys::JSON::stringify(&value)
        .map_err(|_| JsError::new("input is not plain data"))?
        .into();
    serde_json::from_str(&text).map_err(|e| JsError::new(&e.to_string()))
}

/// One source as the extension hands it over: a payload (JSON text) or extra entries.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SourceInput {
    origin: String,
    payload: Option<String>,
    extra_entries: Option<Vec<ExtraEntry>>,
    scope: Option<Vec<String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SourceProblem {
    origin: String,
    error: String,
}

#[wasm_bindgen]
pub struct Engine {
    inner: engine::Engine,
    problems: Vec<SourceProblem>,
}

#[wasm_bindgen]
impl Engine {
    /// `sources`: `[{origin, payload?, extraEntries?, scope?}]`, lowest precedence first.
    /// A source that does not parse is left out and listed by `problems()`.
    #[wasm_bindgen(constructor)]
    pub fn new(sources: JsValue, settings: JsValue) -> Result<Engine, JsError> {
        let inputs: Vec<SourceInput> = from_js(sources)?;
        let settings: Settings = from_js(settings)?;
        let mut problems = Vec::new();
        let mut list_sources = Vec::new();
        for input in inputs {
            let list = match (&input.payload, &input.extra_entries) {
                (Some(text), _) => PinList::from_json(text.as_bytes()),
                (None, Some(extras)) => PinList::from_extra_entries(&input.origin, extras),
                (None, None) => continue,
            };
            match list {
                Ok(list) => list_sources.push(Source {
                    origin: input.origin,
                    list,
                    scope: input.scope,
                }),
                Err(e) => problems.push(SourceProblem {
                    origin: input.origin,
                    error: e.to_string(),
                }),
            }
        }
        let (inner, rejected) = engine::Engine::new(list_sources, &settings);
        for pin in rejected {
            problems.push(SourceProblem {
                origin: "allowedInterceptionSpkis".into(),
                error: format!("not a SHA-256 pin: {pin:?}"),
            });
        }
        Ok(Engine { inner, problems })
    }

    /// The verdict for `host` and its chain (`Uint8Array[]`, leaf first) at `nowSecs`.
    pub fn check(
        &self,
        host: &str,
        chain: js_sys::Array,
        now_secs: f64,
    ) -> Result<JsValue, JsError> {
        let ders: Vec<Vec<u8>> = chain
            .iter()
            .map(|v| match v.dyn_into::<js_sys::Uint8Array>() {
                // `new Uint8Array(v)` of a Uint8Array copies it on the JS side first (~1 µs
                // each); only other array-likes need that.
                Ok(bytes) => bytes.to_vec(),
                Err(v) => js_sys::Uint8Array::new(&v).to_vec(),
            })
            .collect();
        to_js(&self.inner.check(host, &ders, now_secs as i64))
    }

    #[wasm_bindgen(js_name = isPinned)]
    pub fn is_pinned(&self, host: &str) -> bool {
        self.inner.is_pinned(host)
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

    pub fn problems(&self) -> Result<JsValue, JsError> {
        to_js(&self.problems)
    }
}

/// Facts of one DER certificate.
#[wasm_bindgen(js_name = certFacts)]
pub fn cert_facts(der: &[u8]) -> Result<JsValue, JsError> {
    let cert = cert::Cert::from_der(der).map_err(|e| JsError::new(&e.to_string()))?;
    to_js(&cert.facts)
}

/// The SPKI pin (base64) of one DER certificate.
#[wasm_bindgen(js_name = spkiPin)]
pub fn spki_pin(der: &[u8]) -> Result<String, JsError> {
    cert::spki_pin(der)
        .map(|p| p.to_base64())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// Validates payload JSON text; returns its summary or throws the reason.
#[wasm_bindgen(js_name = readPayload)]
pub fn read_payload(text: &str) -> Result<JsValue, JsError> {
    let list = PinList::from_json(text.as_bytes()).map_err(|e| JsError::new(&e.to_string()))?;
    to_js(&list.info)
}

/// Normalises a pin given as base64 or colon hex; throws when it is neither.
#[wasm_bindgen(js_name = normalizePin)]
pub fn normalize_pin(text: &str) -> Result<String, JsError> {
    Pin::from_base64_or_hex(text)
        .map(|p| p.to_base64())
        .map_err(|e| JsError::new(&e.to_string()))
}

// Signed lists: acceptance (accept.rs) and the signing keys an options page or policy names.

use crate::accept::{self, TrustSpec, TrustState};
use crate::key::PublicKey;
use crate::list::ListInfo;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AcceptedJs<'a> {
    accepted: bool,
    /// The payload JSON text exactly as signed: what `new Engine([{origin, payload}])` takes.
    payload: String,
    trust: TrustSpec,
    info: &'a ListInfo,
    signed_by: Vec<String>,
    rotated: bool,
}

#[derive(Serialize)]
struct RejectedJs {
    accepted: bool,
    code: &'static str,
    reason: String,
}

/// Decides whether to accept a signed list (envelope bytes) under `trust` =
/// `{keys: string[], threshold: number, sequence: number}` at `nowSecs`. Returns
/// `{accepted: true, payload, trust, info, signedBy, rotated}`, where `trust` is the state to
/// store for the next update, or `{accepted: false, code, reason}`. Throws only for malformed
/// arguments (a bad key, a threshold of 0, a time that is not a number).
#[wasm_bindgen(js_name = acceptList)]
pub fn accept_list(envelope: &[u8], trust: JsValue, now_secs: f64) -> Result<JsValue, JsError> {
    let spec: TrustSpec = from_js(trust)?;
    let state = TrustState::from_spec(&spec).map_err(|e| JsError::new(&format!("trust: {e}")))?;
    if !now_secs.is_finite() {
        return Err(JsError::new("nowSecs must be a finite number of seconds"));
    }
    match accept::accept(envelope, &state, now_secs as i64) {
        Ok(a) => {
            let (payload, list) = (a.payload, a.list);
            // Already checked to be UTF-8 by the JSON guard; moved, not copied.
            let payload = String::from_utf8(payload)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
            to_js(&AcceptedJs {
                accepted: true,
                payload,
                trust: a.trust.to_spec(),
                info: &list.info,
                signed_by: a.signed_by.iter().map(|k| k.to_string()).collect(),
                rotated: a.rotated,
            })
        }
        Err(r) => to_js(&RejectedJs {
            accepted: false,
            code: r.code(),
            reason: r.to_string(),
        }),
    }
}

/// The key id of a public key in its text form; throws when the text is not a key.
#[wasm_bindgen(js_name = keyId)]
pub fn key_id(text: &str) -> Result<String, JsError> {
    PublicKey::from_text(text)
        .map(|k| k.id().to_string())
        .map_err(|e| JsError::new(&e.to_string()))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PublicKeyJs {
    key_id: String,
    public_key: String,
}

/// Validates a pasted public key: `{keyId, publicKey}` (the canonical text), or throws the reason.
#[wasm_bindgen(js_name = parsePublicKey)]
pub fn parse_public_key(text: &str) -> Result<JsValue, JsError> {
    let key = PublicKey::from_text(text).map_err(|e| JsError::new(&e.to_string()))?;
    to_js(&PublicKeyJs {
        key_id: key.id().to_string(),
        public_key: key.to_text(),
    })
}
