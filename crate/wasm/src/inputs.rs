//! The core's inputs, read from the extension's objects (`read::Obj`). One line per field: a
//! field added to a core type is one line in its reader here (a new `Situation::may_warn`:
//! `may_warn: o.bool_or("mayWarn", false)?,`). Readers ending in `o.strict(…)` refuse keys
//! they did not read, as the core types with `deny_unknown_fields` do; the others ignore them.

use crate::read::{self, Obj};
use js_sys::Array;
use pinwatch_core::judge::decision::{Failure, Situation};
use pinwatch_core::judge::local_root::{AddedRoot, AddedRow, LocalRootMode, LocalRootSettings};
use pinwatch_core::judge::memory::KeptCa;
use pinwatch_core::judge::{Capture, CompanionAnswer, CompanionScope, Start, Verified};
use pinwatch_core::{Mode, Settings, SourceInput, SourceKind, Status};
use wasm_bindgen::{JsError, JsValue};

/// `judge::Start` (refuses unknown fields).
pub fn start(value: JsValue) -> Result<Start, JsError> {
    let o = Obj::new(value, "start")?;
    o.strict(Start {
        host: o.string("host")?,
        request_type: o.string("type")?,
        held: o.bool_or("held", false)?,
        held_elsewhere: o.bool_or("heldElsewhere", false)?,
        companion: o
            .opt_word(
                "companion",
                CompanionScope::from_name,
                CompanionScope::NAMES,
            )?
            .unwrap_or(CompanionScope::Off),
        can_fetch: o.bool_or("canFetch", false)?,
        read: o.bool_or("read", true)?,
        now: o.int("now")?,
        added_roots: o.objs_or_empty("addedRoots", added_root)?,
    })
}

/// `local_root::AddedRoot`, as `Engine::added_roots` gave it (refuses unknown fields).
fn added_root(value: JsValue) -> Result<AddedRoot, JsError> {
    let o = Obj::new(value, "start.addedRoots[]")?;
    o.strict(AddedRoot {
        pin: o.string("pin")?,
        subject: o.string("subject")?,
        store: o.string("store")?,
    })
}

/// `local_root::AddedRow`: one row of the companion's `localRoots` as it came. Read leniently,
/// as the JSON rows were: a row that is not an object, or a field that is not a string, is the
/// core's to name (`Engine::added_roots`); `error` counts whatever it holds, as a key present.
pub fn added_row(value: JsValue) -> AddedRow {
    if !value.is_object() || Array::is_array(&value) {
        return AddedRow::default();
    }
    let text = |key| read::field_of(&value, key).as_string();
    AddedRow {
        object: true,
        spki_sha256: text("spkiSha256"),
        error: !read::field_of(&value, "error").is_undefined(),
        subject: text("subject"),
        store: text("store"),
    }
}

/// `judge::Capture` (refuses unknown fields).
pub fn capture(value: JsValue) -> Result<Capture, JsError> {
    let o = Obj::new(value, "capture")?;
    o.strict(Capture {
        tier: o.opt_string("tier")?,
        state: o.opt_string("state")?,
        digests: o.opt_string("digests")?,
        built_in_root: o.opt_bool("builtInRoot")?,
        failure: o.opt_string("failure")?,
        own_leaf: o.opt_string("ownLeaf")?,
        untrusted: o.bool_or("untrusted", false)?,
        overridden_error: o.opt_string("overriddenError")?,
    })
}

/// `judge::CompanionAnswer`: the companion's reply as it came, so other keys are ignored.
pub fn companion_answer(value: JsValue) -> Result<CompanionAnswer, JsError> {
    let o = Obj::new(value, "answer")?;
    Ok(CompanionAnswer {
        failure: o.opt_string("failure")?,
        chain: o.strings_or_empty("chain")?,
        verified: o.opt_obj("verified", verified)?,
        ms: o.opt_u32("ms")?,
        cached: o.bool_or("cached", false)?,
    })
}

/// `judge::Verified` (other keys ignored).
fn verified(value: JsValue) -> Result<Verified, JsError> {
    let o = Obj::new(value, "answer.verified")?;
    Ok(Verified {
        anchor: o.opt_string("anchor")?,
        store: o.opt_string("store")?,
        store_path: o.opt_string("storePath")?,
        error: o.opt_string("error")?,
    })
}

/// `decision::Situation` (every field optional; refuses unknown fields).
pub fn situation(value: JsValue) -> Result<Situation, JsError> {
    let o = Obj::new(value, "situation")?;
    o.strict(Situation {
        status: o.opt_word("status", Status::from_name, Status::NAMES)?,
        mode: o.opt_word("mode", Mode::from_name, Mode::NAMES)?,
        failure: o.opt_word("failure", Failure::from_name, Failure::NAMES)?,
        chain_offered: o.bool_or("chainOffered", false)?,
        unreadable: o.bool_or("unreadable", false)?,
        overridden: o.bool_or("overridden", false)?,
        allow_override: o.bool_or("allowOverride", false)?,
        may_warn: o.bool_or("mayWarn", false)?,
    })
}

/// `engine::Settings` with its flattened `LocalRootSettings` (every field optional; other keys
/// ignored, as policy objects carry more).
pub fn settings(value: JsValue) -> Result<Settings, JsError> {
    let o = Obj::new(value, "settings")?;
    Ok(Settings {
        allowed_interception_spkis: o.strings_or_empty("allowedInterceptionSpkis")?,
        allowed_interception_roots: o.strings_or_empty("allowedInterceptionRoots")?,
        policy_mode: o.opt_word("policyMode", Mode::from_name, Mode::NAMES)?,
        user_mode: o.opt_word("userMode", Mode::from_name, Mode::NAMES)?,
        allow_user_override: o.opt_bool("allowUserOverride")?,
        local_roots: LocalRootSettings {
            policy_local_root_mode: o.opt_word(
                "policyLocalRootMode",
                LocalRootMode::from_name,
                LocalRootMode::NAMES,
            )?,
            user_local_root_mode: o.opt_word(
                "userLocalRootMode",
                LocalRootMode::from_name,
                LocalRootMode::NAMES,
            )?,
            user_known_roots: o.strings_or_empty("userKnownRoots")?,
            allow_user_known_roots: o.opt_bool("allowUserKnownRoots")?,
        },
    })
}

/// `SourceInput` (refuses unknown fields); extra entries stay JSON text, which the core checks
/// one by one.
pub fn source(value: JsValue) -> Result<SourceInput, JsError> {
    let o = Obj::new(value, "source")?;
    o.strict(SourceInput {
        origin: o.string("origin")?,
        kind: o
            .opt_word("kind", SourceKind::from_name, SourceKind::NAMES)?
            .unwrap_or_default(),
        payload: o.opt_string("payload")?,
        extra_entries: o.opt_json_texts("extraEntries")?,
        scope: o.opt_strings("scope")?,
        list: None,
    })
}

/// `memory::KeptCa` (other keys ignored).
pub fn kept_ca(value: JsValue) -> Result<KeptCa, JsError> {
    let o = Obj::new(value, "kept")?;
    Ok(KeptCa {
        key_id: o.string("keyId")?,
        url: o.string("url")?,
        der: o.string("der")?,
        at: o.int("at")?,
    })
}

/// A signer set as settings carry it, `{keys, threshold}`; other keys are ignored.
pub fn signers(value: JsValue) -> Result<(Vec<String>, u32), JsError> {
    let o = Obj::new(value, "signers")?;
    Ok((o.strings("keys")?, o.u32("threshold")?))
}
