//! The `pinwatch` binary, driven as publishers and attackers would drive it: one test per
//! attack or mistake, each checking the exit status (0 ok, 1 rejected, 2 usage or I/O) and
//! the reason printed.
#![cfg(not(target_arch = "wasm32"))]

mod cli_support;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cli_support::*;
use serde_json::Value;

/// Keys a, b (and more when asked) and a list signed by `signers`, as `list.json`.
fn signed_list(dir: &Dir, payload: &str, signers: &[&str]) {
    dir.write("payload.json", payload);
    let mut args = vec!["sign", "payload.json", "--out", "list.json"];
    let keys: Vec<String> = signers.iter().map(|s| format!("{s}.key")).collect();
    for key in &keys {
        args.extend(["--key", key.as_str()]);
    }
    dir.expect(0, &args);
}

fn keys(dir: &Dir, names: &[&str]) {
    for name in names {
        dir.keygen(name);
    }
}

/// `verify list.json --json --now NOW` with extra arguments; returns the run.
fn verify(dir: &Dir, code: i32, extra: &[&str]) -> Run {
    let mut args = vec!["verify", "list.json", "--json", "--now", NOW];
    args.extend(extra);
    dir.expect(code, &args)
}

/// Edits the envelope in list.json as an attacker on the update channel would.
fn tamper(dir: &Dir, change: impl FnOnce(&mut Value)) {
    let mut envelope: Value = serde_json::from_slice(&dir.read("list.json")).unwrap();
    change(&mut envelope);
    dir.write("list.json", serde_json::to_vec_pretty(&envelope).unwrap());
}

#[test]
fn keygen_writes_a_private_secret_and_never_overwrites_it() {
    let dir = Dir::new("keygen");
    let run = dir.expect(0, &["keygen", "--out", "team", "--json"]);
    let out = run.json();
    let public = dir.text("team.pub");
    assert_eq!(
        public,
        format!("{}\n", out["publicKey"].as_str().unwrap()),
        "NAME.pub is exactly the key line"
    );
    assert!(public.starts_with("pinwatch-ed25519:"));
    use sha2::Digest as _;
    let id = sha2::Sha256::digest(public.trim_end().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    assert_eq!(
        out["keyId"],
        id.as_str(),
        "the key id is SHA-256 of the key line"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("team.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let secret = dir.read("team.key");
    let again = dir.expect(2, &["keygen", "--out", "team"]);
    assert!(again.stderr.contains("never overwrites"), "{again:?}");
    assert_eq!(dir.read("team.key"), secret, "the secret survived");
}

#[test]
fn pin_prints_the_same_spki_pins_as_openssl() {
    let dir = Dir::new("pin");
    let chain = make_chain(&dir, "");
    let run = dir.expect(
        0,
        &[
            "pin",
            "--json",
            chain.served.to_str().unwrap(),
            chain.root.to_str().unwrap(),
        ],
    );
    let rows = run.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0]["spkiSha256"],
        openssl_pin(&dir, &chain.leaf).as_str()
    );
    assert_eq!(
        rows[1]["spkiSha256"],
        openssl_pin(&dir, &chain.intermediate).as_str()
    );
    assert_eq!(
        rows[2]["spkiSha256"],
        openssl_pin(&dir, &chain.root).as_str()
    );
    assert_eq!(
        (rows[1]["index"].as_u64(), rows[2]["index"].as_u64()),
        (Some(1), Some(0))
    );
    for key in [
        "file",
        "index",
        "subject",
        "issuer",
        "spkiSha256",
        "certSha256",
        "notBefore",
        "notAfter",
    ] {
        assert!(!rows[0][key].is_null(), "{key} missing: {}", rows[0]);
    }
    assert!(rows[0]["subject"].as_str().unwrap().contains("localhost"));
    let text = dir.expect(0, &["pin", chain.leaf.to_str().unwrap()]);
    assert!(
        text.stdout.contains(&openssl_pin(&dir, &chain.leaf)),
        "{text:?}"
    );
}

#[test]
fn pin_refuses_a_file_that_is_not_a_certificate() {
    let dir = Dir::new("pin-junk");
    dir.write(
        "junk.pem",
        "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
    );
    dir.expect(1, &["pin", "junk.pem"]);
    dir.expect(2, &["pin", "absent.pem"]);
}

#[test]
fn grab_reads_the_chain_a_loopback_server_sends() {
    let dir = Dir::new("grab");
    let chain = make_chain(&dir, "");
    let port = serve_tls(&chain.served, &chain.leaf_key);
    let target = format!("127.0.0.1:{port}");
    let run = dir.expect(
        0,
        &[
            "grab",
            &target,
            "--servername",
            "localhost",
            "--ca",
            chain.root.to_str().unwrap(),
            "--json",
        ],
    );
    let out = run.json();
    assert_eq!(out["verified"], true);
    let served = out["chain"].as_array().unwrap();
    assert_eq!(served.len(), 2, "leaf and intermediate, as served");
    assert_eq!(
        served[0]["spkiSha256"],
        openssl_pin(&dir, &chain.leaf).as_str()
    );
    assert_eq!(
        served[1]["spkiSha256"],
        openssl_pin(&dir, &chain.intermediate).as_str()
    );
    // The public roots do not know the test root: a team must not take pins from an unverified chain by accident.
    let untrusted = dir.expect(1, &["grab", &target, "--servername", "localhost"]);
    assert!(untrusted.stderr.contains("--no-verify"), "{untrusted:?}");
    // A certificate for another name is refused too.
    dir.expect(
        1,
        &[
            "grab",
            &target,
            "--servername",
            "other.example",
            "--ca",
            chain.root.to_str().unwrap(),
        ],
    );
    let anyway = dir.expect(
        0,
        &["grab", &target, "--servername", "localhost", "--no-verify"],
    );
    assert!(
        anyway.stdout.contains("NOT verified")
            && anyway.stdout.contains(&openssl_pin(&dir, &chain.leaf)),
        "{anyway:?}"
    );
}

#[test]
fn grab_reports_a_closed_port_as_an_io_error() {
    let dir = Dir::new("grab-closed");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    dir.expect(2, &["grab", &format!("127.0.0.1:{port}"), "--timeout", "2"]);
    dir.expect(2, &["grab", "localhost:notaport"]);
}

#[test]
fn lint_reports_each_broken_rule_with_its_json_path() {
    let dir = Dir::new("lint");
    dir.write(
        "bad.json",
        format!(
            r#"{{"version": 1, "sequence": 1, "issued_at": "{ISSUED}", "expires_at": "2027-03-01T00:00:00Z", "publisher": "p",
  "pinsets": {{"one-key": {{"good": ["{PIN_A}"]}}, "spare": {{"good": ["{PIN_A}", "{PIN_B}"]}}, "short": {{"good": ["{PIN_A}", "AAAA"]}}}},
  "entries": [
    {{"host": "Mail.Example.com", "pinset": "one-key", "mode": "enforce"}},
    {{"host": "mail.example.com", "pinset": "short", "mode": "warn"}},
    {{"host": "*.example.org", "pinset": "one-key", "mode": "warn"}}
  ]}}"#
        ),
    );
    let run = dir.expect(1, &["lint", "bad.json", "--json"]);
    let problems: Vec<(String, String)> = run
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["path"].as_str().unwrap().into(),
                p["rule"].as_str().unwrap().into(),
            )
        })
        .collect();
    for expected in [
        ("$.expires_at", "expiry"),
        ("$.pinsets['one-key'].good", "backup-pin"),
        ("$.pinsets.spare", "unused-pinset"),
        ("$.pinsets.short.good[1]", "pin-format"),
        ("$.entries[0].host", "host"),
        ("$.entries[1]", "duplicate-entry"),
        ("$.entries[2].host", "host"),
    ] {
        assert!(
            problems.contains(&(expected.0.into(), expected.1.into())),
            "{expected:?} not in {problems:?}"
        );
    }
    let text = dir.expect(1, &["lint", "bad.json"]);
    assert!(
        text.stdout
            .contains("$.entries[0].host: the host is not normalised: write \"mail.example.com\""),
        "{text:?}"
    );
}

#[test]
fn the_documented_example_payload_passes_lint() {
    let dir = Dir::new("lint-example");
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/pinlist.json"
    );
    dir.expect(0, &["lint", example]);
    let envelope = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/pinlist.signed.json"
    );
    let public = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/example.pub"
    );
    dir.expect(
        0,
        &[
            "verify",
            envelope,
            "--trust",
            public,
            "--now",
            "2026-12-01T00:00:00Z",
        ],
    );
}

#[test]
fn sign_refuses_a_payload_that_fails_lint_unless_told() {
    let dir = Dir::new("sign-lint");
    keys(&dir, &["a"]);
    dir.write("one-pin.json", payload(1, &[PIN_A], ""));
    let run = dir.expect(
        1,
        &[
            "sign",
            "one-pin.json",
            "--key",
            "a.key",
            "--out",
            "list.json",
        ],
    );
    assert!(
        run.stdout.contains("$.pinsets.mail.good") && run.stderr.contains("--allow-lint-errors"),
        "{run:?}"
    );
    assert!(!dir.join("list.json").exists());
    dir.expect(
        0,
        &[
            "sign",
            "one-pin.json",
            "--key",
            "a.key",
            "--out",
            "list.json",
            "--allow-lint-errors",
        ],
    );
    verify(&dir, 0, &["--trust", "a.pub"]);
    // Lint cannot be waived for a list no reader could load.
    dir.write("broken.json", payload(1, &[PIN_A, "AAAA"], ""));
    dir.expect(
        1,
        &[
            "sign",
            "broken.json",
            "--key",
            "a.key",
            "--out",
            "x.json",
            "--allow-lint-errors",
        ],
    );
}

#[test]
fn signers_holding_different_keys_sign_one_after_another() {
    let dir = Dir::new("sign-twice");
    keys(&dir, &["a", "b"]);
    signed_list(&dir, &payload(1, &[PIN_A, PIN_B], ""), &["a"]);
    verify(
        &dir,
        1,
        &["--trust", "a.pub", "--trust", "b.pub", "--threshold", "2"],
    );
    dir.expect(
        0,
        &["sign", "list.json", "--key", "b.key", "--out", "list.json"],
    );
    let run = verify(
        &dir,
        0,
        &["--trust", "a.pub", "--trust", "b.pub", "--threshold", "2"],
    );
    assert_eq!(run.json()["signedBy"].as_array().unwrap().len(), 2);
    // Signing again with a key already on the envelope is a mistake, not a second vote.
    dir.expect(
        2,
        &["sign", "list.json", "--key", "a.key", "--out", "list.json"],
    );
}

#[test]
fn a_tampered_payload_byte_is_rejected() {
    let dir = Dir::new("tamper");
    keys(&dir, &["a"]);
    signed_list(&dir, &payload(1, &[PIN_A, PIN_B], ""), &["a"]);
    tamper(&dir, |e| {
        let mut bytes = STANDARD.decode(e["payload"].as_str().unwrap()).unwrap();
        let at = bytes.windows(7).position(|w| w == b"enforce").unwrap();
        bytes[at] = b'E';
        e["payload"] = STANDARD.encode(bytes).into();
    });
    assert_eq!(
        verify(&dir, 1, &["--trust", "a.pub"]).code_field(),
        "bad-signature"
    );
}

#[test]
fn a_signature_by_an_untrusted_key_is_rejected() {
    let dir = Dir::new("untrusted");
    keys(&dir, &["a", "mallory"]);
    signed_list(&dir, &payload(1, &[PIN_A, PIN_B], ""), &["mallory"]);
    assert_eq!(
        verify(&dir, 1, &["--trust", "a.pub"]).code_field(),
        "untrusted-signers"
    );
    // Relabelling the signature with the trusted key's id does not help.
    use sha2::Digest as _;
    let a_id: String = sha2::Sha256::digest(dir.text("a.pub").trim_end())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    tamper(&dir, |e| e["signatures"][0]["keyid"] = a_id.into());
    assert_eq!(
        verify(&dir, 1, &["--trust", "a.pub"]).code_field(),
        "bad-signature"
    );
}

#[test]
fn the_same_key_signing_twice_counts_once() {
    let dir = Dir::new("twice");
    keys(&dir, &["a", "b"]);
    signed_list(&dir, &payload(1, &[PIN_A, PIN_B], ""), &["a"]);
    tamper(&dir, |e| {
        let first = e["signatures"][0].clone();
        e["signatures"].as_array_mut().unwrap().push(first);
    });
    let run = verify(
        &dir,
        1,
        &["--trust", "a.pub", "--trust", "b.pub", "--threshold", "2"],
    );
    assert_eq!(run.code_field(), "threshold-not-met");
    assert!(
        run.json()["reason"]
            .as_str()
            .unwrap()
            .contains("counted once"),
        "{run:?}"
    );
    // And the signing tool refuses to make such an envelope in the first place.
    dir.expect(
        2,
        &[
            "sign",
            "payload.json",
            "--key",
            "a.key",
            "--key",
            "a.key",
            "--out",
            "dup.json",
        ],
    );
}

#[test]
fn an_empty_signature_list_is_rejected() {
    let dir = Dir::new("nosig");
    keys(&dir, &["a"]);
    signed_list(&dir, &payload(1, &[PIN_A, PIN_B], ""), &["a"]);
    tamper(&dir, |e| e["signatures"] = Value::Array(vec![]));
    assert_eq!(
        verify(&dir, 1, &["--trust", "a.pub"]).code_field(),
        "no-signatures"
    );
}

#[test]
fn a_threshold_that_is_not_met_is_rejected() {
    let dir = Dir::new("threshold");
    keys(&dir, &["a", "b", "c"]);
    signed_list(&dir, &payload(1, &[PIN_A, PIN_B], ""), &["a", "b"]);
    verify(
        &dir,
        0,
        &[
            "--trust",
            "a.pub",
            "--trust",
            "b.pub",
            "--trust",
            "c.pub",
            "--threshold",
            "2",
        ],
    );
    let run = verify(
        &dir,
        1,
        &[
            "--trust",
            "a.pub",
            "--trust",
            "b.pub",
            "--trust",
            "c.pub",
            "--threshold",
            "3",
        ],
    );
    assert_eq!(run.code_field(), "threshold-not-met");
    // A threshold no signer set can meet, or of zero, is a usage error, not a silent pass.
    verify(&dir, 2, &["--trust", "a.pub", "--threshold", "2"]);
    verify(&dir, 2, &["--trust", "a.pub", "--threshold", "0"]);
}

#[test]
fn a_changed_payload_type_is_rejected() {
    let dir = Dir::new("ptype");
    keys(&dir, &["a"]);
    signed_list(&dir, &payload(1, &[PIN_A, PIN_B], ""), &["a"]);
    tamper(&dir, |e| {
        e["payloadType"] = "application/vnd.pinwatch.pinlist.v2+json".into()
    });
    assert_eq!(
        verify(&dir, 1, &["--trust", "a.pub"]).code_field(),
        "wrong-payload-type"
    );
}

#[test]
fn a_rollback_to_an_older_or_equal_sequence_is_rejected() {
    let dir = Dir::new("rollback");
    keys(&dir, &["a"]);
    signed_list(&dir, &payload(5, &[PIN_A, PIN_B], ""), &["a"]);
    verify(&dir, 0, &["--trust", "a.pub", "--after-sequence", "4"]);
    assert_eq!(
        verify(&dir, 1, &["--trust", "a.pub", "--after-sequence", "5"]).code_field(),
        "rollback"
    );
    assert_eq!(
        verify(&dir, 1, &["--trust", "a.pub", "--after-sequence", "6"]).code_field(),
        "rollback"
    );
}

#[test]
fn a_replayed_expired_list_is_rejected() {
    let dir = Dir::new("expired");
    keys(&dir, &["a"]);
    signed_list(&dir, &payload(1, &[PIN_A, PIN_B], ""), &["a"]);
    dir.expect(
        0,
        &["verify", "list.json", "--trust", "a.pub", "--now", EXPIRES],
    );
    let run = dir.expect(
        1,
        &[
            "verify",
            "list.json",
            "--trust",
            "a.pub",
            "--now",
            "2026-12-01T00:00:01Z",
            "--json",
        ],
    );
    assert_eq!(run.code_field(), "expired");
    // Without --now the system clock decides: a list from 2020 replayed today.
    let old = payload(2, &[PIN_A, PIN_B], "")
        .replace(ISSUED, "2020-01-01T00:00:00Z")
        .replace(EXPIRES, "2020-02-01T00:00:00Z");
    signed_list(&dir, &old, &["a"]);
    let late = dir.expect(1, &["verify", "list.json", "--trust", "a.pub"]);
    assert!(late.stdout.contains("rejected (expired)"), "{late:?}");
}

#[test]
fn a_list_issued_in_the_future_is_rejected() {
    let dir = Dir::new("future");
    keys(&dir, &["a"]);
    signed_list(&dir, &payload(1, &[PIN_A, PIN_B], ""), &["a"]);
    dir.expect(
        0,
        &[
            "verify",
            "list.json",
            "--trust",
            "a.pub",
            "--now",
            "2026-10-31T23:55:00Z",
        ],
    );
    let run = dir.expect(
        1,
        &[
            "verify",
            "list.json",
            "--trust",
            "a.pub",
            "--now",
            "2026-10-31T23:54:59Z",
            "--json",
        ],
    );
    assert_eq!(run.code_field(), "not-yet-valid");
}

/// `next_signers` naming the keys `names` with `threshold`.
fn next_signers(dir: &Dir, names: &[&str], threshold: u32) -> String {
    let keys: Vec<String> = names
        .iter()
        .map(|n| format!("{:?}", dir.text(&format!("{n}.pub")).trim_end()))
        .collect();
    format!(
        ",\n  \"next_signers\": {{\"keys\": [{}], \"threshold\": {threshold}}}",
        keys.join(", ")
    )
}

#[test]
fn a_rotation_signed_only_by_the_old_keys_is_rejected() {
    let dir = Dir::new("rotate-old");
    keys(&dir, &["old1", "old2", "new1", "new2"]);
    let next = next_signers(&dir, &["new1", "new2"], 2);
    signed_list(&dir, &payload(2, &[PIN_A, PIN_B], &next), &["old1", "old2"]);
    let run = verify(
        &dir,
        1,
        &[
            "--trust",
            "old1.pub",
            "--trust",
            "old2.pub",
            "--threshold",
            "2",
            "--after-sequence",
            "1",
        ],
    );
    assert_eq!(run.code_field(), "rotation-not-signed");
}

#[test]
fn a_rotation_signed_by_old_and_new_keys_hands_over_trust() {
    let dir = Dir::new("rotate");
    keys(&dir, &["old1", "old2", "new1", "new2"]);
    let old_state = format!(
        r#"{{"keys": [{:?}, {:?}], "threshold": 2, "sequence": 1}}"#,
        dir.text("old1.pub").trim_end(),
        dir.text("old2.pub").trim_end()
    );
    dir.write("state.json", &old_state);
    let next = next_signers(&dir, &["new1", "new2"], 2);
    signed_list(
        &dir,
        &payload(2, &[PIN_A, PIN_B], &next),
        &["old1", "old2", "new1", "new2"],
    );
    let run = verify(&dir, 0, &["--state", "state.json", "--update-state"]);
    assert_eq!(run.json()["rotated"], true);
    let state: Value = serde_json::from_slice(&dir.read("state.json")).unwrap();
    assert_eq!(state["sequence"], 2);
    assert_eq!(state["keys"][0], dir.text("new1.pub").trim_end());

    // The old keys alone now sign nothing that is accepted...
    signed_list(&dir, &payload(3, &[PIN_A, PIN_B], ""), &["old1", "old2"]);
    assert_eq!(
        verify(&dir, 1, &["--state", "state.json", "--update-state"]).code_field(),
        "untrusted-signers"
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&dir.read("state.json")).unwrap()["sequence"],
        2,
        "a rejection leaves the state alone"
    );
    // ...while the new keys do.
    signed_list(&dir, &payload(3, &[PIN_A, PIN_B], ""), &["new1", "new2"]);
    verify(&dir, 0, &["--state", "state.json", "--update-state"]);
    // And the rotation list cannot be replayed against the new state.
    signed_list(
        &dir,
        &payload(2, &[PIN_A, PIN_B], &next),
        &["old1", "old2", "new1", "new2"],
    );
    assert_eq!(
        verify(&dir, 1, &["--state", "state.json"]).code_field(),
        "rollback"
    );
}

#[test]
fn a_nine_mebibyte_file_is_rejected_before_parsing() {
    let dir = Dir::new("big");
    keys(&dir, &["a"]);
    signed_list(&dir, &payload(1, &[PIN_A, PIN_B], ""), &["a"]);
    let mut big = dir.read("list.json");
    big.resize(9 * 1024 * 1024, b' ');
    dir.write("list.json", big);
    let run = verify(&dir, 1, &["--trust", "a.pub"]);
    assert_eq!(run.code_field(), "not-an-envelope");
    assert!(
        run.json()["reason"].as_str().unwrap().contains("limit"),
        "{run:?}"
    );
    dir.write("big-payload.json", vec![b' '; 9 * 1024 * 1024]);
    dir.expect(1, &["lint", "big-payload.json"]);
}

#[test]
fn deep_nesting_is_rejected() {
    let dir = Dir::new("deep");
    keys(&dir, &["a"]);
    let deep = format!("{}{}", "[".repeat(33), "]".repeat(33));
    dir.write(
        "list.json",
        format!(r#"{{"payloadType": "x", "payload": "", "signatures": [], "x": {deep}}}"#),
    );
    let run = verify(&dir, 1, &["--trust", "a.pub"]);
    assert!(
        run.json()["reason"]
            .as_str()
            .unwrap()
            .contains("deeper than 32"),
        "{run:?}"
    );
    // Inside a validly signed payload too: the signer's parser and ours must agree on the bytes.
    dir.write(
        "deep.json",
        format!(r#"{{"version": 1, "comment": {deep}}}"#),
    );
    dir.expect(
        1,
        &[
            "sign",
            "deep.json",
            "--key",
            "a.key",
            "--out",
            "x.json",
            "--allow-lint-errors",
        ],
    );
    dir.expect(1, &["lint", "deep.json"]);
}

#[test]
fn invalid_utf8_is_rejected() {
    let dir = Dir::new("utf8");
    keys(&dir, &["a"]);
    signed_list(&dir, &payload(1, &[PIN_A, PIN_B], ""), &["a"]);
    let mut bytes = dir.read("list.json");
    bytes.insert(1, 0xff);
    dir.write("list.json", bytes);
    let run = verify(&dir, 1, &["--trust", "a.pub"]);
    assert!(
        run.json()["reason"].as_str().unwrap().contains("UTF-8"),
        "{run:?}"
    );
    let mut payload_bytes = payload(1, &[PIN_A, PIN_B], "").into_bytes();
    payload_bytes.insert(20, 0xc3);
    dir.write("latin.json", payload_bytes);
    let lint = dir.expect(1, &["lint", "latin.json"]);
    assert!(lint.stdout.contains("UTF-8"), "{lint:?}");
}

#[test]
fn duplicate_keys_are_rejected() {
    let dir = Dir::new("dupkeys");
    keys(&dir, &["a"]);
    signed_list(&dir, &payload(1, &[PIN_A, PIN_B], ""), &["a"]);
    let text = dir.text("list.json").replacen(
        "\"payloadType\"",
        "\"payloadType\": \"text/plain\",\n  \"payloadType\"",
        1,
    );
    dir.write("list.json", text);
    let run = verify(&dir, 1, &["--trust", "a.pub"]);
    assert!(
        run.json()["reason"].as_str().unwrap().contains("twice"),
        "{run:?}"
    );
    // A payload where a reviewer reads one sequence and a lenient parser another.
    dir.write(
        "twice.json",
        payload(1, &[PIN_A, PIN_B], "").replacen(
            "\"sequence\": 1",
            "\"sequence\": 1, \"sequence\": 900",
            1,
        ),
    );
    let lint = dir.expect(1, &["lint", "twice.json"]);
    assert!(lint.stdout.contains("\"sequence\" twice"), "{lint:?}");
    dir.expect(
        1,
        &[
            "sign",
            "twice.json",
            "--key",
            "a.key",
            "--out",
            "x.json",
            "--allow-lint-errors",
        ],
    );
}

#[test]
fn a_missing_file_is_an_io_error() {
    let dir = Dir::new("missing");
    keys(&dir, &["a"]);
    for args in [
        vec!["verify", "absent.json", "--trust", "a.pub"],
        vec!["verify", "absent.json", "--trust", "absent.pub"],
        vec!["lint", "absent.json"],
        vec!["sign", "absent.json", "--key", "a.key", "--out", "x.json"],
        vec!["diff", "absent.json", "absent.json"],
        vec![
            "check",
            "--list",
            "absent.json",
            "--trust",
            "a.pub",
            "--host",
            "h.example",
            "absent.pem",
        ],
    ] {
        let run = dir.expect(2, &args);
        assert!(run.stderr.contains("absent"), "{run:?}");
    }
}

#[test]
fn usage_mistakes_exit_2_and_every_command_has_help() {
    let dir = Dir::new("usage");
    keys(&dir, &["a"]);
    dir.expect(2, &[]);
    dir.expect(2, &["frobnicate"]);
    dir.expect(2, &["verify", "list.json"]);
    dir.expect(
        2,
        &[
            "verify",
            "list.json",
            "--trust",
            "a.pub",
            "--now",
            "yesterday",
        ],
    );
    // A secret key where a public key belongs is refused, and not echoed.
    let run = dir.expect(2, &["verify", "list.json", "--trust", "a.key"]);
    assert!(
        !run.stderr.contains(dir.text("a.key").trim()),
        "the secret was printed: {run:?}"
    );
    for command in [
        "keygen", "pin", "grab", "lint", "sign", "verify", "check", "diff",
    ] {
        let help = dir.expect(0, &[command, "--help"]);
        assert!(
            help.stdout.contains("Usage: pinwatch"),
            "{command}: {help:?}"
        );
    }
}

#[test]
fn check_prints_the_verdict_the_extension_would_give() {
    let dir = Dir::new("check");
    keys(&dir, &["a"]);
    let chain = make_chain(&dir, "");
    let rogue = make_chain(&dir, "rogue-");
    let intermediate_pin = openssl_pin(&dir, &chain.intermediate);
    let root_pin = openssl_pin(&dir, &chain.root);
    signed_list(
        &dir,
        &payload(1, &[&intermediate_pin, &root_pin], ""),
        &["a"],
    );
    let base = [
        "check",
        "--list",
        "list.json",
        "--trust",
        "a.pub",
        "--now",
        NOW,
        "--json",
        "--host",
    ];
    let mut args = base.to_vec();
    args.extend(["mail.example.test", chain.served.to_str().unwrap()]);
    let pinned = dir.expect(0, &args).json();
    assert_eq!(pinned["status"], "pinned");
    assert_eq!(pinned["matched"]["pin"], intermediate_pin.as_str());
    // A chain from another CA for the pinned host: the interception Pinwatch exists to catch.
    let mut args = base.to_vec();
    args.extend(["webmail.mail.example.test", rogue.served.to_str().unwrap()]);
    let mismatch = dir.expect(1, &args).json();
    assert_eq!(mismatch["status"], "mismatch");
    assert_eq!(mismatch["action"], "enforce");
    let mut args = base.to_vec();
    args.extend(["elsewhere.example", rogue.served.to_str().unwrap()]);
    assert_eq!(dir.expect(0, &args).json()["status"], "unpinned");
    // A list that is not accepted gives no verdict at all.
    let mut args = vec![
        "check",
        "--list",
        "list.json",
        "--trust",
        "a.pub",
        "--now",
        "2027-06-01T00:00:00Z",
        "--host",
    ];
    args.extend(["mail.example.test", chain.served.to_str().unwrap()]);
    let run = dir.expect(1, &args);
    assert!(run.stdout.contains("rejected (expired)"), "{run:?}");
}

#[test]
fn diff_shows_added_removed_and_changed_entries_and_pins() {
    let dir = Dir::new("diff");
    keys(&dir, &["a"]);
    dir.write("old.json", payload(1, &[PIN_A, PIN_B], ""));
    let pin_c = STANDARD.encode([2u8; 32]);
    let new = payload(2, &[PIN_A, &pin_c], "")
        .replace("\"mode\": \"enforce\"}]", "\"mode\": \"warn\"}, {\"host\": \"new.example.test\", \"pinset\": \"mail\", \"mode\": \"report\"}]");
    signed_list(&dir, &new, &["a"]);
    let run = dir.expect(0, &["diff", "old.json", "list.json"]);
    for line in [
        "~ sequence: 1 -> 2",
        "+ entry new.example.test (pinset mail, report)",
        "~ entry mail.example.test",
        "    mode: enforce -> warn",
        &format!("    + good pin {pin_c}"),
        &format!("    - good pin {PIN_B}"),
        "~ pinset mail",
    ] {
        assert!(
            run.stdout.lines().any(|l| l == line),
            "{line:?} missing from:\n{}",
            run.stdout
        );
    }
    let json = dir
        .expect(0, &["diff", "list.json", "old.json", "--json"])
        .json();
    assert_eq!(json["entriesRemoved"][0]["host"], "new.example.test");
    assert_eq!(
        dir.expect(0, &["diff", "old.json", "old.json"]).stdout,
        "no changes\n"
    );
    dir.write("junk.json", "[1, 2]");
    dir.expect(1, &["diff", "old.json", "junk.json"]);
}

#[test]
fn output_to_a_closed_pipe_does_not_panic() {
    use std::process::{Command, Stdio};
    let dir = Dir::new("pipe");
    let chain = make_chain(&dir, "");
    let many: Vec<String> = (0..200)
        .map(|_| chain.served.to_str().unwrap().to_string())
        .collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pinwatch"))
        .arg("pin")
        .args(&many)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(output.status.code(), Some(101), "{stderr}");
}

#[test]
fn lint_warns_when_a_pin_set_cannot_be_proven_from_a_leaf_but_still_passes() {
    let dir = Dir::new("lint-leaf-proof");
    // No issuer keys: a warning, exit 0, and signing is not refused for it.
    dir.write("no-keys.json", payload(1, &[PIN_A, PIN_B], ""));
    let run = dir.expect(0, &["lint", "no-keys.json", "--json", "--now", NOW]);
    let rows = run.json();
    let rows = rows.as_array().unwrap();
    assert!(
        rows.iter()
            .any(|r| r["rule"] == "leaf-proof" && r["severity"] == "warning"),
        "{rows:?}"
    );
    assert!(rows.iter().all(|r| r["severity"] == "warning"), "{rows:?}");
    let text = dir.expect(0, &["lint", "no-keys.json", "--now", NOW]);
    assert!(text.stdout.contains("warning: no issuer_keys"), "{text:?}");
    // An issuer key that is not one of the good pins: a warning too.
    let spki = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/tests/fixtures/legit/issuer-spki.der"
    ))
    .unwrap();
    let key = STANDARD.encode(spki);
    let with_key = payload(1, &[PIN_A, PIN_B], "").replacen(
        "\"good\":",
        &format!("\"issuer_keys\": [\"{key}\"], \"good\":"),
        1,
    );
    assert_ne!(
        with_key,
        payload(1, &[PIN_A, PIN_B], ""),
        "the key was put in"
    );
    dir.write("stray-key.json", with_key);
    let run = dir.expect(0, &["lint", "stray-key.json", "--json", "--now", NOW]);
    let rules: Vec<String> = run
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap().to_string())
        .collect();
    assert!(
        rules.contains(&"issuer-key-not-good".to_string()),
        "{rules:?}"
    );
    assert!(!rules.contains(&"leaf-proof".to_string()), "{rules:?}");
}
