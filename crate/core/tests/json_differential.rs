//! The lists' own JSON reader (`list::json_tree`, `list::json_read`) against serde_json reading
//! the same text into the same types with their derives: whatever ours accepts, serde_json
//! accepts with the same values; whatever serde_json accepts, ours accepts in the object form
//! serde_json writes it back in, and refuses only the array form of structs and the map form of
//! unit variants (which serde's derives take and no list writer produces). The `diff_json` fuzz
//! target holds the same on mutated inputs. Native and WASM.

use pinwatch_core::list::json::{parse as serde_parse, JsonError};
use pinwatch_core::list::json_read;
use pinwatch_core::list::{ExtraEntry, Payload};
use wasm_bindgen_test::wasm_bindgen_test;

const PIN: &str = "hxqRlPTu1bMS/0DITB1SSu0vd4u/8l8TjPgfaAp63Gc=";

fn payload_with(members: &str) -> String {
    format!(
        r#"{{"version": 1, "sequence": 7, "issued_at": "2026-11-28T00:00:00Z",
            "expires_at": "2027-02-06T00:00:00Z", "publisher": "test", {members}}}"#
    )
}

fn base(extra: &str) -> String {
    payload_with(&format!(
        r#""pinsets": {{"p": {{"good": ["{PIN}"]}}}},
           "entries": [{{"host": "mail.example.com", "pinset": "p", "mode": "enforce"}}]{extra}"#
    ))
}

/// Both readers on `text`; returns whether ours accepted it.
fn same_payload(text: &str) -> bool {
    let ours = json_read::payload(text.as_bytes());
    let reference = serde_parse::<Payload>(text.as_bytes());
    if let Ok(p) = &ours {
        assert_eq!(reference.as_ref().ok(), Some(p), "{text}");
    }
    if let Ok(q) = &reference {
        let written = serde_json::to_string(q).unwrap();
        assert_eq!(
            json_read::payload(written.as_bytes()).as_ref().ok(),
            Some(q),
            "{written}"
        );
    }
    ours.is_ok()
}

fn same_entry(text: &str) -> bool {
    let ours = json_read::extra_entry(text);
    let reference = serde_parse::<ExtraEntry>(text.as_bytes());
    if let Ok(e) = &ours {
        assert_eq!(reference.as_ref().ok(), Some(e), "{text}");
    }
    if let Ok(q) = &reference {
        let written = serde_json::to_string(q).unwrap();
        assert_eq!(
            json_read::extra_entry(&written).as_ref().ok(),
            Some(q),
            "{written}"
        );
    }
    ours.is_ok()
}

#[test]
#[wasm_bindgen_test]
fn payloads_both_readers_accept() {
    for extra in [
        "",
        r#", "comment": "a \"quoted\" \u00e9 \ud83d\ude00 \n comment""#,
        r#", "comment": null, "channel": null, "next_signers": null"#,
        r#", "blocklist": {}"#,
        r#", "blocklist": {"spki": ["x"], "certificates": []}"#,
        r#", "next_signers": {"keys": ["pinwatch-ed25519:a"], "threshold": 4294967295}"#,
        r#", "channel": "https://lists.example/l.json""#,
    ] {
        assert!(same_payload(&base(extra)), "{extra}");
    }
    let entries = payload_with(&format!(
        r#""pinsets": {{"p": {{"good": ["{PIN}"], "bad": [], "issuer_keys": [], "comment": "c"}}, "q": {{}}}},
           "entries": [{{"host": "a.example", "include_subdomains": true, "pinset": "p", "mode": "warn",
                         "cookie_scope": "considered", "comment": null}},
                       {{"host": "b.example", "pinset": "q", "mode": "report", "cookie_scope": null}}]"#
    ));
    assert!(same_payload(&entries));
    // Whitespace of every kind.
    let spaced = base("").replace("\"sequence\": 7", "\"sequence\":\t\r\n0");
    assert!(same_payload(&spaced));
}

#[test]
#[wasm_bindgen_test]
fn payloads_both_readers_refuse() {
    let refused = [
        base(r#", "extra": 1"#),
        base(r#", "blocklist": null"#),
        base(r#", "blocklist": {"spki": null}"#),
        base(r#", "next_signers": {"keys": []}"#),
        base(r#", "next_signers": {"keys": [], "threshold": 4294967296}"#),
        base(r#", "next_signers": {"keys": [], "threshold": -1}"#),
        base(r#", "next_signers": {"keys": [], "threshold": 1.0}"#),
        base(r#", "next_signers": {"keys": [], "threshold": 1e0}"#),
        base(r#", "next_signers": {"keys": [1], "threshold": 1}"#),
        base(r#", "comment": 5"#),
        base("").replace("\"enforce\"", "\"block\""),
        base("").replace("\"enforce\"", "null"),
        base("").replace("\"sequence\": 7", "\"sequence\": 18446744073709551616"),
        base("").replace("\"sequence\": 7", "\"sequence\": 07"),
        // serde_json reads -0 as a float.
        base("").replace("\"sequence\": 7", "\"sequence\": -0"),
        base("").replace("\"version\": 1,", ""),
        base("").replace("\"host\"", "\"Host\""),
        base("").replace("\"mail", "\"ma\u{1}il"),
        format!("{} x", base("")),
        format!("[{}]", base("")),
        base("").replace("\"pinset\": \"p\"", "\"pinset\": \"p\", \"pinset\": \"q\""),
        "{}".into(),
        "".into(),
        "null".into(),
        "{\"version\": 1".into(),
    ];
    for text in &refused {
        assert!(!same_payload(text), "accepted: {text}");
    }
}

#[test]
#[wasm_bindgen_test]
fn ours_refuses_the_array_and_map_forms_serde_also_takes() {
    let array_struct = base(r#", "blocklist": [["x"], []]"#);
    assert!(serde_parse::<Payload>(array_struct.as_bytes()).is_ok());
    assert!(!same_payload(&array_struct));
    let map_variant = base("").replace(
        "\"mode\": \"enforce\"",
        "\"mode\": \"enforce\", \"cookie_scope\": {\"considered\": null}",
    );
    let _ = same_payload(&map_variant);
    assert!(json_read::payload(map_variant.as_bytes()).is_err());
}

#[test]
#[wasm_bindgen_test]
fn extra_entries_both_readers() {
    for accepted in [
        format!(r#"{{"host": "intra.example", "pins": ["{PIN}"]}}"#),
        format!(
            r#"{{"host": "intra.example", "includeSubdomains": true, "pins": ["{PIN}"], "badPins": [], "issuerKeys": [], "mode": "enforce"}}"#
        ),
        r#"{"host": "x"}"#.into(),
    ] {
        assert!(same_entry(&accepted), "{accepted}");
    }
    for refused in [
        r#"{"host": "x", "mode": "block"}"#,
        r#"{"host": "x", "include_subdomains": true}"#,
        r#"{"host": "x", "pins": null}"#,
        r#"{"host": "x", "mode": null}"#,
        r#"{"pins": []}"#,
        r#"["x"]"#,
        r#""x""#,
    ] {
        assert!(!same_entry(refused), "accepted: {refused}");
    }
}

#[test]
#[wasm_bindgen_test]
fn errors_name_the_field() {
    let text = base("").replace("\"enforce\"", "\"block\"");
    let Err(JsonError::Schema(why)) = json_read::payload(text.as_bytes()) else {
        panic!("refused as a schema error");
    };
    assert!(
        why.starts_with("entries[0].mode: unknown variant `block`"),
        "{why}"
    );
    let Err(JsonError::Schema(why)) = json_read::extra_entry(r#"{"host": "x", "pinz": []}"#) else {
        panic!("refused as a schema error");
    };
    assert!(why.contains("unknown field `pinz`"), "{why}");
    let Err(JsonError::Schema(why)) =
        json_read::payload(base("").replace("\"version\": 1,", "").as_bytes())
    else {
        panic!("refused as a schema error");
    };
    assert_eq!(why, "missing field `version`");
}
