//! Long strings into the module with the engine's own `TextEncoder`. A string parameter crosses
//! through wasm-bindgen's glue, which writes an ASCII string into the module's memory one
//! character at a time in JavaScript: for a chain's digests (about 430 characters) that loop
//! was a sixth of the digest verdict (tests/bench/bench.mjs). `encodeInto` writes the same
//! UTF-8 (a lone surrogate as U+FFFD, as the glue does) natively, into a buffer kept for the
//! module's life, copied out in one call.

use js_sys::{JsString, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    type TextEncoder;
    #[wasm_bindgen(constructor)]
    fn new() -> TextEncoder;
    #[wasm_bindgen(method, js_name = encodeInto)]
    fn encode_into(this: &TextEncoder, text: &JsString, into: &Uint8Array) -> Encoded;

    type Encoded;
    #[wasm_bindgen(method, getter)]
    fn written(this: &Encoded) -> u32;
}

/// Strings shorter than this take the glue (two calls here cost more than its loop).
const SHORT: u32 = 64;
/// UTF-16 units at most through the buffer (3 bytes each at most); longer ones take the glue.
const LONG: u32 = 4096;

thread_local! {
    static ENCODER: (TextEncoder, Uint8Array) = (TextEncoder::new(), Uint8Array::new_with_length(3 * LONG));
}

/// `value` as Rust text when it is a string (`JsValue::as_string`).
pub(crate) fn as_string(value: &JsValue) -> Option<String> {
    let text = value.dyn_ref::<JsString>()?;
    let units = text.length();
    if !(SHORT..=LONG).contains(&units) {
        return value.as_string();
    }
    ENCODER.with(|(encoder, buffer)| {
        let written = encoder.encode_into(text, buffer).written();
        let mut bytes = vec![0; written as usize];
        buffer.subarray(0, written).copy_to(&mut bytes);
        String::from_utf8(bytes).ok()
    })
}
