//! `policy lint`: a policy checked before it is deployed, by the rules the extension applies
//! when it reads it: `extension/schema.json` (the managed-storage schema both browsers read),
//! the core's `check_extra_entries`, the channels' signer sets, and the extension id the policy
//! is addressed to (docs/policy.md).

use crate::command::{clean, out, out_json, read_document, Failure};
use pinwatch_core::crypto::key::SignerSet;
use pinwatch_core::list::sources::check_extra_entries;
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const SCHEMA: &str = include_str!("../../../extension/schema.json");
const MANIFEST: &str = include_str!("../../../manifest.json");

#[derive(clap::Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    command: PolicyCommand,
}

#[derive(clap::Subcommand)]
enum PolicyCommand {
    /// Check a Chromium policy JSON, a Firefox policies.json or a managed-storage JSON
    #[command(after_help = crate::help::POLICY_LINT)]
    Lint {
        #[arg(value_name = "POLICY.json")]
        file: PathBuf,
        /// Print JSON for scripts instead of text
        #[arg(long)]
        json: bool,
    },
}

#[derive(Serialize)]
struct Finding {
    path: String,
    /// "error" (the extension would refuse or ignore it) or "warning" (advice).
    severity: &'static str,
    message: String,
}

#[derive(Default)]
struct Findings(Vec<Finding>);

impl Findings {
    fn error(&mut self, path: &str, message: String) {
        self.0.push(Finding {
            path: path.into(),
            severity: "error",
            message,
        });
    }

    fn warning(&mut self, path: &str, message: String) {
        self.0.push(Finding {
            path: path.into(),
            severity: "warning",
            message,
        });
    }
}

/// The ids this build has: Chromium's from the manifest `key` (SHA-256 of the DER key, first
/// 32 hex digits written as a–p), Firefox's `browser_specific_settings.gecko.id`.
fn build_ids() -> (String, String) {
    let manifest: Value = serde_json::from_str(MANIFEST).unwrap_or_default();
    let key = manifest["key"].as_str().unwrap_or_default();
    let der =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, key).unwrap_or_default();
    let chromium = Sha256::digest(&der)[..16]
        .iter()
        .flat_map(|b| [b >> 4, b & 15])
        .map(|n| char::from(b'a' + n))
        .collect();
    let gecko = manifest["browser_specific_settings"]["gecko"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    (chromium, gecko)
}

/// The settings the file gives the extension, and where they sit. Firefox: `policies.3rdparty.
/// Extensions.<id>`; Chromium: `3rdparty.extensions.<id>`; anything else: the settings themselves.
fn settings<'a>(doc: &'a Value, found: &mut Findings) -> Option<(&'a Map<String, Value>, String)> {
    let (extensions, want, prefix, browser) =
        if let Some(ext) = doc.pointer("/policies/3rdparty/Extensions") {
            (
                ext,
                build_ids().1,
                "$.policies['3rdparty'].Extensions",
                "Firefox",
            )
        } else if let Some(ext) = doc.pointer("/3rdparty/extensions") {
            (ext, build_ids().0, "$['3rdparty'].extensions", "Chromium")
        } else {
            return match doc.as_object() {
                Some(map) => Some((map, "$".into())),
                None => {
                    found.error(
                        "$",
                        "not a JSON object: a policy is an object of settings".into(),
                    );
                    None
                }
            };
        };
    let Some(ids) = extensions.as_object() else {
        found.error(prefix, "not an object of extension ids".into());
        return None;
    };
    for id in ids.keys().filter(|id| **id != want) {
        found.warning(
            &format!("{prefix}['{}']", clean(id)),
            format!("not this build's {browser} id ({want}): these settings reach another extension, or none"),
        );
    }
    match ids.get(&want).map(Value::as_object) {
        Some(Some(map)) => Some((map, format!("{prefix}['{want}']"))),
        Some(None) => {
            found.error(
                &format!("{prefix}['{want}']"),
                "not an object of settings".into(),
            );
            None
        }
        None => {
            found.error(
                prefix,
                format!("no settings for this build's {browser} id {want}"),
            );
            None
        }
    }
}

/// A setting name the schema does not have, compared loosely: the same letters without case,
/// `_` or `-` (`include_subdomains` → `includeSubdomains`).
fn near_miss<'a>(name: &str, known: impl Iterator<Item = &'a String>) -> Option<&'a String> {
    let loose = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect::<String>()
    };
    let name = loose(name);
    known.into_iter().find(|k| loose(k) == name)
}

/// Checks `value` at `path` against the schema node `schema` (the subset schema.json uses:
/// type, properties, items, enum, minimum, maximum).
fn check(value: &Value, schema: &Value, path: &str, found: &mut Findings) {
    let ty = schema["type"].as_str().unwrap_or_default();
    let fits = match ty {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        _ => true,
    };
    if !fits {
        found.error(path, format!("must be {}", article(ty)));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            let names: Vec<String> = allowed.iter().map(Value::to_string).collect();
            found.error(path, format!("must be one of {}", names.join(", ")));
        }
    }
    if let (Some(n), Some(min)) = (value.as_i64(), schema["minimum"].as_i64()) {
        if n < min {
            found.error(path, format!("must be at least {min}"));
        }
    }
    if let (Some(n), Some(max)) = (value.as_i64(), schema["maximum"].as_i64()) {
        if n > max {
            found.error(path, format!("must be at most {max}"));
        }
    }
    if let (Some(map), Some(props)) = (value.as_object(), schema["properties"].as_object()) {
        for (name, v) in map {
            let at = format!("{path}.{}", clean(name));
            match props.get(name) {
                Some(s) => check(v, s, &at, found),
                None => {
                    let hint = near_miss(name, props.keys())
                        .map(|k| format!("; did you mean {k:?}?"))
                        .unwrap_or_default();
                    found.error(&at, format!("not a setting the extension reads (it would be ignored or refused){hint}"));
                }
            }
        }
    }
    if let (Some(items), Some(item)) = (value.as_array(), schema.get("items")) {
        for (i, v) in items.iter().enumerate() {
            check(v, item, &format!("{path}[{i}]"), found);
        }
    }
}

fn article(ty: &str) -> String {
    match ty {
        "object" | "array" | "integer" => format!("an {ty}"),
        _ => format!("a {ty}"),
    }
}

/// What the extension itself checks beyond the schema: extra entries through the core, and
/// each channel's signer set.
fn semantics(map: &Map<String, Value>, path: &str, found: &mut Findings) {
    if let Some(entries) = map.get("extraEntries").and_then(Value::as_array) {
        let raw: Vec<String> = entries.iter().map(Value::to_string).collect();
        let (_, errors) = check_extra_entries(&raw);
        for e in errors {
            found.error(&format!("{path}.extraEntries"), e.english());
        }
        for (i, entry) in entries.iter().enumerate() {
            if entry["pins"].as_array().is_some_and(|p| p.len() == 1) {
                found.warning(
                    &format!("{path}.extraEntries[{i}].pins"),
                    "one pin: a key change on the server stops every user; add a backup pin (lists require two)".into(),
                );
            }
        }
    }
    if let Some(channels) = map.get("channels").and_then(Value::as_array) {
        for (i, ch) in channels.iter().enumerate() {
            let at = format!("{path}.channels[{i}]");
            let keys: Vec<String> = ch["keys"]
                .as_array()
                .map(|k| {
                    k.iter()
                        .filter_map(|s| s.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            let threshold = ch["threshold"].as_u64().unwrap_or(1) as u32;
            if let Err(e) = SignerSet::from_texts(&keys, threshold) {
                found.error(&at, format!("keys and threshold: {e}"));
            }
            if !ch["url"]
                .as_str()
                .is_some_and(|u| u.starts_with("https://"))
            {
                found.error(&format!("{at}.url"), "must be an https:// URL".into());
            }
        }
    }
}

pub fn policy(args: &PolicyArgs) -> Result<ExitCode, Failure> {
    let PolicyCommand::Lint { file, json } = &args.command;
    lint(file, *json)
}

fn lint(file: &Path, json: bool) -> Result<ExitCode, Failure> {
    let bytes = read_document(file)?;
    let doc: Value = pinwatch_core::list::json::parse(&bytes)
        .map_err(|e| Failure::invalid(file, format!("not a policy file: {e}")))?;
    let schema: Value = serde_json::from_str(SCHEMA)
        .map_err(|e| Failure::Usage(format!("the built-in schema: {e}")))?;
    let mut found = Findings::default();
    if let Some((map, path)) = settings(&doc, &mut found) {
        check(&Value::Object(map.clone()), &schema, &path, &mut found);
        semantics(map, &path, &mut found);
    }
    let errors = found.0.iter().filter(|f| f.severity == "error").count();
    if json {
        out_json(&found.0)?;
    } else if found.0.is_empty() {
        out(&format!("{}: ok, no problems\n", file.display()))?;
    } else {
        let text: String = found
            .0
            .iter()
            .map(|f| {
                let warn = if f.severity == "warning" {
                    "warning: "
                } else {
                    ""
                };
                format!(
                    "{}: {}: {warn}{}\n",
                    file.display(),
                    f.path,
                    clean(&f.message)
                )
            })
            .collect();
        out(&text)?;
    }
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
