//! The signature module: verifies the signatures a judge asks for (`need: "signatures"`,
//! `Judge.askedSignatures()`), with the core's own arithmetic (RSA, ECDSA, Ed25519, and the
//! SHA-2 hashes they sign). Only a chain no browser built needs them (Chromium's leaf and
//! companion tiers), so this code stays out of the module every wake loads. Conversion only;
//! the rule is `pinwatch_core::judge::proof::verify_signature`.

#![cfg(target_arch = "wasm32")]

use pinwatch_core::judge::proof::verify_signature;
use wasm_bindgen::prelude::*;

/// The most checks one call takes: a judge asks at most `MAX_SIGNATURE_CHECKS` per response.
const MAX_CHECKS: u32 = pinwatch_core::judge::path::MAX_SIGNATURE_CHECKS as u32;

/// One byte per check (1 = verified, 0 = not), in order. Each check is `[algorithm,
/// signerSpki, message, signature]` (`Uint8Array`s); anything else in its place does not verify.
#[wasm_bindgen(js_name = verifySignatures)]
pub fn verify_signatures(checks: js_sys::Array) -> Result<Vec<u8>, JsError> {
    if checks.length() > MAX_CHECKS {
        return Err(JsError::new(&format!(
            "{} checks asked; one call takes at most {MAX_CHECKS}",
            checks.length()
        )));
    }
    Ok(checks
        .iter()
        .map(|check| u8::from(verified(&check)))
        .collect())
}

fn verified(check: &JsValue) -> bool {
    let Some(parts) = check.dyn_ref::<js_sys::Array>() else {
        return false;
    };
    let mut bytes = parts
        .iter()
        .map(|p| p.dyn_into::<js_sys::Uint8Array>().ok().map(|a| a.to_vec()));
    let (Some(Some(algorithm)), Some(Some(spki)), Some(Some(message)), Some(Some(signature)), None) = (
        bytes.next(),
        bytes.next(),
        bytes.next(),
        bytes.next(),
        bytes.next(),
    ) else {
        return false;
    };
    verify_signature(&algorithm, &spki, &message, &signature)
}
