//! The signed-list module: what the background needs only when a channel's list arrives
//! (envelope, signatures, rotation, acceptance) or when the options page saves settings (their
//! extra entries and channels' keys), kept out of the module every wake loads and every response crosses.
//! Conversion only; the rules are `pinwatch_core::list::accept` and `list::sources`. Arguments
//! and results are JSON text (the extension's `background/lists-wasm.js` converts).

#![cfg(target_arch = "wasm32")]

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use pinwatch_core::crypto::key::PublicKey;
use pinwatch_core::list::accept::{self, ChannelBinding, TrustSpec, TrustState};
use pinwatch_core::list::sources::{SourceInput, SourceKind, SourceProblem};
use pinwatch_core::list::{channel_name_ok, compiled, sources, ExtraEntry, ListInfo, PinList};
use pinwatch_core::problem::Problem;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use wasm_bindgen::prelude::*;

fn to_text<T: Serialize>(value: &T) -> Result<String, JsError> {
    serde_json::to_string(value).map_err(|e| JsError::new(&e.to_string()))
}

/// The channel a list is fetched for, as the extension passes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ChannelArg {
    name: String,
    #[serde(default)]
    allow_unbound: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AcceptedJs<'a> {
    accepted: bool,
    /// The payload JSON text exactly as signed: what the background's engine takes as a source.
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

/// Decides whether to accept a signed list (envelope bytes) fetched for `channel` (JSON
/// `{name, allowUnbound}`) under `trust` (JSON `{keys, threshold, sequence}`) at `nowSecs`.
/// Returns the JSON text of `{accepted: true, payload, trust, info, signedBy, rotated}`, where
/// `trust` is the state to store for the next update, or of `{accepted: false, code, reason}`.
/// Throws only for malformed arguments (a bad key, a threshold of 0, a channel without a name,
/// a time that is not a number).
#[wasm_bindgen(js_name = acceptList)]
pub fn accept_list(
    envelope: &[u8],
    trust: &str,
    channel: &str,
    now_secs: f64,
) -> Result<String, JsError> {
    let spec: TrustSpec =
        serde_json::from_str(trust).map_err(|e| JsError::new(&format!("trust: {e}")))?;
    let state = TrustState::from_spec(&spec).map_err(|e| JsError::new(&format!("trust: {e}")))?;
    let channel: ChannelArg =
        serde_json::from_str(channel).map_err(|e| JsError::new(&format!("channel: {e}")))?;
    if !channel_name_ok(&channel.name) {
        return Err(JsError::new(
            "channel: the name is not a channel's URL or name",
        ));
    }
    if !now_secs.is_finite() {
        return Err(JsError::new("nowSecs must be a finite number of seconds"));
    }
    let binding = ChannelBinding {
        name: channel.name,
        allow_unbound: channel.allow_unbound,
    };
    match accept::accept(envelope, &state, Some(&binding), now_secs as i64) {
        Ok(a) => {
            // Already checked to be UTF-8 by the JSON guard; moved, not copied.
            let payload = String::from_utf8(a.payload)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
            to_text(&AcceptedJs {
                accepted: true,
                payload,
                trust: a.trust.to_spec(),
                info: &a.list.info,
                signed_by: a.signed_by.iter().map(|k| k.to_string()).collect(),
                rotated: a.rotated,
            })
        }
        Err(r) => to_text(&RejectedJs {
            accepted: false,
            code: r.code(),
            reason: r.to_string(),
        }),
    }
}

/// Validates payload JSON text; returns the JSON text of its summary or throws the reason.
#[wasm_bindgen(js_name = readPayload)]
pub fn read_payload(text: &str) -> Result<String, JsError> {
    let list = PinList::from_json(text.as_bytes()).map_err(|e| JsError::new(&e.to_string()))?;
    to_text(&list.info)
}

#[derive(Serialize)]
struct CheckedEntries {
    entries: Vec<ExtraEntry>,
    errors: Vec<Problem>,
}

/// Extra entries as the user or policy wrote them (JSON text of an array), checked one by one
/// (`sources::check_extra_entries`): the JSON text of `{entries, errors}`. Throws when the text
/// is not an array. Only the options page's save asks it, so it rides here, not in every wake.
#[wasm_bindgen(js_name = checkExtraEntries)]
pub fn check_extra_entries(values: &str) -> Result<String, JsError> {
    let values: Vec<Box<RawValue>> = serde_json::from_str(values)
        .map_err(|_| JsError::new("extra entries: expected an array of plain data"))?;
    let texts: Vec<String> = values.iter().map(|v| v.get().to_string()).collect();
    let (entries, errors) = sources::check_extra_entries(&texts);
    to_text(&CheckedEntries { entries, errors })
}

/// One source as `Engine.fromCompiled` reads it, extra entries already as their JSON texts
/// (`background/lists-wasm.js` stringifies each, as the per-wake module does): the fingerprint
/// is of these texts, so both modules must see the same ones.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SourceArg {
    origin: String,
    #[serde(default)]
    kind: SourceKind,
    payload: Option<String>,
    extra_entries: Option<Vec<String>>,
    scope: Option<Vec<String>>,
}

#[derive(Serialize)]
struct CompiledJs {
    /// Base64 of the compiled form (`list::compiled`), for storage and `Engine.fromCompiled`.
    compiled: String,
    problems: Vec<SourceProblem>,
}

/// The engine's sources (JSON text of the array `Engine.fromCompiled` takes) read once: the JSON
/// text of `{compiled, problems}`. Asked when the stored form was made from other sources.
#[wasm_bindgen(js_name = compileSources)]
pub fn compile_sources(sources: &str) -> Result<String, JsError> {
    let args: Vec<SourceArg> =
        serde_json::from_str(sources).map_err(|e| JsError::new(&format!("sources: {e}")))?;
    let inputs = args
        .into_iter()
        .map(|a| SourceInput {
            origin: a.origin,
            kind: a.kind,
            payload: a.payload,
            extra_entries: a.extra_entries,
            scope: a.scope,
            list: None,
        })
        .collect();
    let (form, problems) = compiled::compile(inputs).map_err(|e| JsError::new(&e.to_string()))?;
    to_text(&CompiledJs {
        compiled: STANDARD.encode(form),
        problems,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PublicKeyJs {
    key_id: String,
    public_key: String,
}

/// Validates a pasted public key: the JSON text of `{keyId, publicKey}` (the canonical text), or
/// throws the reason. Asked when the options page saves a channel's keys.
#[wasm_bindgen(js_name = parsePublicKey)]
pub fn parse_public_key(text: &str) -> Result<String, JsError> {
    let key = PublicKey::from_text(text).map_err(|e| JsError::new(&e.to_string()))?;
    to_text(&PublicKeyJs {
        key_id: key.id().to_string(),
        public_key: key.to_text(),
    })
}
