//! `policy lint` on the three shapes a policy comes in, each checked by the extension's own
//! rules: the schema, the core's extra-entry checks, the channels' signer sets, the build's ids.
#![cfg(not(target_arch = "wasm32"))]

mod cli_support;

use cli_support::*;
use serde_json::{json, Value};
use sha2::Digest as _;

fn manifest() -> Value {
    serde_json::from_slice(
        &std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../manifest.json")).unwrap(),
    )
    .unwrap()
}

/// Chromium's extension id: SHA-256 of the manifest key's DER, first 32 hex digits as a–p.
fn chromium_id() -> String {
    use base64::Engine as _;
    let der = base64::engine::general_purpose::STANDARD
        .decode(manifest()["key"].as_str().unwrap())
        .unwrap();
    sha2::Sha256::digest(der)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .chars()
        .map(|c| char::from(b'a' + c.to_digit(16).unwrap() as u8))
        .collect()
}

fn gecko_id() -> String {
    manifest()["browser_specific_settings"]["gecko"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A real issuing CA's public key (base64 DER SPKI), as `issuerKeys` takes it.
fn issuer_key() -> String {
    use base64::Engine as _;
    let der = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/tests/fixtures/legit/issuer-spki.der"
    ))
    .unwrap();
    base64::engine::general_purpose::STANDARD.encode(der)
}

fn good_settings(dir: &Dir) -> Value {
    dir.keygen("channel");
    json!({
        "mode": "enforce",
        "channels": [{"url": "https://pins.corp.example/list.json", "keys": [dir.text("channel.pub").trim()], "threshold": 1}],
        "extraEntries": [{"host": "mail.corp.example", "includeSubdomains": true, "pins": [PIN_A, PIN_B], "issuerKeys": [issuer_key()], "mode": "enforce"}],
        "updateIntervalHours": 6
    })
}

fn lint(dir: &Dir, code: i32, doc: &Value) -> Vec<Value> {
    dir.write("policy.json", serde_json::to_vec_pretty(doc).unwrap());
    let run = dir.expect(code, &["policy", "lint", "policy.json", "--json"]);
    run.json().as_array().unwrap().clone()
}

fn has(rows: &[Value], severity: &str, path_part: &str, message_part: &str) -> bool {
    rows.iter().any(|r| {
        r["severity"] == severity
            && r["path"].as_str().unwrap().contains(path_part)
            && r["message"].as_str().unwrap().contains(message_part)
    })
}

#[test]
fn good_policies_pass_in_every_shape() {
    let dir = Dir::new("policy-good");
    let settings = good_settings(&dir);
    let firefox = json!({"policies": {"3rdparty": {"Extensions": {gecko_id(): settings.clone()}}}});
    assert_eq!(lint(&dir, 0, &firefox), Vec::<Value>::new());
    let chromium = json!({"3rdparty": {"extensions": {chromium_id(): settings.clone()}}});
    assert_eq!(lint(&dir, 0, &chromium), Vec::<Value>::new());
    assert_eq!(lint(&dir, 0, &settings), Vec::<Value>::new());
    let text = dir.expect(0, &["policy", "lint", "policy.json"]);
    assert!(text.stdout.contains("ok, no problems"), "{text:?}");
}

#[test]
fn mistakes_are_found_before_deployment() {
    let dir = Dir::new("policy-bad");
    let mut settings = good_settings(&dir);
    settings["extraEntries"] = json!([
        {"host": "mail.corp.example", "include_subdomains": true, "pins": [PIN_A, PIN_B]},
        {"host": "vpn.corp.example", "pins": [PIN_A], "mode": "block"},
        {"host": "wiki.corp.example", "pins": [PIN_A, PIN_B], "issuerKeys": ["AAAA"]}
    ]);
    settings["channels"][0]["threshold"] = json!(2);
    settings["updateIntervalHours"] = json!(500);
    settings["reportendpoint"] = json!("https://r.corp.example/pins");
    let rows = lint(&dir, 1, &settings);
    assert!(
        has(
            &rows,
            "error",
            "extraEntries[0].include_subdomains",
            "did you mean \"includeSubdomains\""
        ),
        "{rows:#?}"
    );
    assert!(
        has(
            &rows,
            "error",
            "$.reportendpoint",
            "did you mean \"reportEndpoint\""
        ),
        "{rows:#?}"
    );
    assert!(
        has(&rows, "warning", "extraEntries[1].pins", "one pin"),
        "{rows:#?}"
    );
    assert!(
        has(&rows, "error", "extraEntries[1].mode", "must be one of"),
        "{rows:#?}"
    );
    assert!(has(&rows, "error", "channels[0]", "threshold"), "{rows:#?}");
    assert!(
        has(&rows, "error", "updateIntervalHours", "at most 168"),
        "{rows:#?}"
    );
    assert!(
        has(
            &rows,
            "error",
            "$.extraEntries",
            "\"AAAA\" is not an issuer key"
        ),
        "{rows:#?}"
    );
    // The core's own check of the entries speaks too (what the options page would show).
    assert!(
        has(&rows, "error", "$.extraEntries", "include_subdomains"),
        "{rows:#?}"
    );
    let text = dir.expect(1, &["policy", "lint", "policy.json"]);
    assert!(
        text.stdout
            .contains("policy.json: $.extraEntries[1].pins: warning: one pin"),
        "{text:?}"
    );
}

#[test]
fn a_policy_for_another_extension_id_is_an_error() {
    let dir = Dir::new("policy-id");
    let settings = good_settings(&dir);
    // The Chromium id under Firefox's shape: Firefox would give these settings to no one.
    let wrong = json!({"policies": {"3rdparty": {"Extensions": {chromium_id(): settings}}}});
    let rows = lint(&dir, 1, &wrong);
    assert!(
        has(
            &rows,
            "error",
            "Extensions",
            &format!("no settings for this build's Firefox id {}", gecko_id())
        ),
        "{rows:#?}"
    );
    assert!(
        has(
            &rows,
            "warning",
            &chromium_id(),
            "not this build's Firefox id"
        ),
        "{rows:#?}"
    );
    dir.write("junk.json", "[1, 2");
    dir.expect(1, &["policy", "lint", "junk.json"]);
    dir.expect(2, &["policy", "lint", "absent.json"]);
}
