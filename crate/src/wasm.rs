//! The WebAssembly boundary: a thin wrapper, no logic. Plain camelCase objects cross it
//! through serde-wasm-bindgen; certificates cross as `Uint8Array`.

use crate::engine::{self, Settings, Source};
use crate::list::{ExtraEntry, PinList};
use crate::{cert, pin::Pin};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value
        .serialize(&serializer)
        .map_err(|e| JsError::new(&e.to_string()))
}

fn from_js<T: for<'de> Deserialize<'de>>(value: JsValue) -> Result<T, JsError> {
    if value.is_undefined() || value.is_null() {
        return serde_json::from_str("{}").map_err(|e| JsError::new(&e.to_string()));
    }
    serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&e.to_string()))
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
        let inputs: Vec<SourceInput> =
            serde_wasm_bindgen::from_value(sources).map_err(|e| JsError::new(&e.to_string()))?;
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
            .map(|v| js_sys::Uint8Array::new(&v).to_vec())
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
    cert::Cert::from_der(der)
        .map(|c| c.spki_pin.to_base64())
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
