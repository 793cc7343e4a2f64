//! The cold WebAssembly module: what only the options page needs and the background never
//! loads, so the Public Suffix List it carries costs the extension's wakes nothing, and none of
//! the background's bindings ride along. Conversion only; the rule is
//! `pinwatch_core::list::cookie_scope`. Input and output are JSON text.

#![cfg(target_arch = "wasm32")]

use pinwatch_core::list::cookie_scope;
use pinwatch_core::problem::Problem;
use serde::Serialize;
use serde_json::value::RawValue;
use wasm_bindgen::prelude::*;

/// One registrable domain left open: the domain, the hosts that pin part of it, their
/// indexes in the entries given, and the warning as a problem code with its parameters.
#[derive(Serialize)]
struct GapOut {
    domain: String,
    hosts: Vec<String>,
    entries: Vec<usize>,
    problem: Problem,
}

/// `cookieScopeGaps(JSON.stringify(extraEntries))` → JSON text of `[{domain, hosts, entries,
/// problem}]` (`cookie_scope::extra_gaps`). Text that is not a JSON array is an error.
#[wasm_bindgen(js_name = cookieScopeGaps)]
pub fn cookie_scope_gaps(extra_entries: &str) -> Result<String, JsError> {
    let values: Vec<Box<RawValue>> =
        serde_json::from_str(extra_entries).map_err(|e| JsError::new(&e.to_string()))?;
    let texts: Vec<String> = values.iter().map(|v| v.get().to_string()).collect();
    let gaps: Vec<GapOut> = cookie_scope::extra_gaps(&texts)
        .into_iter()
        .map(|g| GapOut {
            problem: g.problem(),
            domain: g.domain,
            hosts: g.hosts,
            entries: g.entries,
        })
        .collect();
    serde_json::to_string(&gaps).map_err(|e| JsError::new(&e.to_string()))
}
