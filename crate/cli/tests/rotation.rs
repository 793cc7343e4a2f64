//! Key rotation as a publishing team runs it: releases signed in turn by different holders,
//! `sign --chain` carrying the rotation steps of the published list, and `verify` from the
//! original keys accepting the list three rotations later.
#![cfg(not(target_arch = "wasm32"))]

mod cli_support;

use cli_support::*;
use serde_json::Value;

/// `,"next_signers": {...}` naming the keys `names`, two of them required.
fn next_signers(dir: &Dir, names: &[&str]) -> String {
    let keys: Vec<String> = names
        .iter()
        .map(|n| format!("{:?}", dir.text(&format!("{n}.pub")).trim_end()))
        .collect();
    format!(
        ",\n  \"next_signers\": {{\"keys\": [{}], \"threshold\": 2}}",
        keys.join(", ")
    )
}

/// One release: the first holder signs the payload (carrying the published list's steps when
/// there is one), the others add their signatures in turn; the result is published.
fn release(dir: &Dir, sequence: u64, next: &str, holders: &[&str]) -> Run {
    dir.write("payload.json", payload(sequence, &[PIN_A, PIN_B], next));
    let first = format!("{}.key", holders[0]);
    let mut args = vec![
        "sign",
        "payload.json",
        "--key",
        &first,
        "--out",
        "list.json",
    ];
    if dir.join("published.json").exists() {
        args.extend(["--chain", "published.json"]);
    }
    let mut last = dir.expect(0, &args);
    for holder in &holders[1..] {
        let key = format!("{holder}.key");
        last = dir.expect(
            0,
            &["sign", "list.json", "--key", &key, "--out", "list.json"],
        );
    }
    std::fs::copy(dir.join("list.json"), dir.join("published.json")).unwrap();
    last
}

/// Five releases: 1 by {a, b}; 2, 3 and 4 each rotate one key ({b, c}, {c, d}, {d, e}); 5 by {d, e}.
fn three_rotations(dir: &Dir) {
    for k in ["a", "b", "c", "d", "e"] {
        dir.keygen(k);
    }
    release(dir, 1, "", &["a", "b"]);
    let run = release(dir, 2, &next_signers(dir, &["b", "c"]), &["a", "b", "c"]);
    assert!(
        run.stdout.contains("rotation step of sequence 2"),
        "the last signer signs the step too: {run:?}"
    );
    release(dir, 3, &next_signers(dir, &["c", "d"]), &["b", "c", "d"]);
    release(dir, 4, &next_signers(dir, &["d", "e"]), &["c", "d", "e"]);
    release(dir, 5, "", &["d", "e"]);
}

fn verify_from_original_keys(dir: &Dir, code: i32) -> Run {
    dir.expect(
        code,
        &[
            "verify",
            "list.json",
            "--trust",
            "a.pub",
            "--trust",
            "b.pub",
            "--threshold",
            "2",
            "--now",
            NOW,
            "--json",
        ],
    )
}

#[test]
fn the_original_keys_accept_a_list_three_rotations_later() {
    let dir = Dir::new("rotation-chain");
    three_rotations(&dir);
    let envelope: Value = serde_json::from_slice(&dir.read("list.json")).unwrap();
    assert_eq!(envelope["rotations"].as_array().unwrap().len(), 3);
    let run = verify_from_original_keys(&dir, 0);
    let out = run.json();
    assert_eq!(out["rotationsFollowed"], 3);
    assert_eq!(out["trust"]["sequence"], 5);
    let trusted: Vec<&str> = out["trust"]["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    let (d, e) = (dir.text("d.pub"), dir.text("e.pub"));
    assert_eq!(trusted, [d.trim_end(), e.trim_end()]);
    // The same in text, as a person reads it.
    let text = dir.expect(
        0,
        &[
            "verify",
            "list.json",
            "--trust",
            "a.pub",
            "--trust",
            "b.pub",
            "--threshold",
            "2",
            "--now",
            NOW,
        ],
    );
    assert!(
        text.stdout.contains("followed 3 rotation step(s)"),
        "{text:?}"
    );
}

#[test]
fn a_state_file_from_the_original_keys_follows_and_says_what_it_wrote() {
    let dir = Dir::new("rotation-state");
    three_rotations(&dir);
    dir.expect(
        0,
        &[
            "state",
            "init",
            "--trust",
            "a.pub",
            "--trust",
            "b.pub",
            "--threshold",
            "2",
            "--out",
            "state.json",
        ],
    );
    let run = dir.expect(
        0,
        &[
            "verify",
            "list.json",
            "--state",
            "state.json",
            "--update-state",
            "--now",
            NOW,
        ],
    );
    assert!(
        run.stdout
            .contains("wrote state.json: sequence 5, threshold 2 of 2 key(s) (the rotated keys)"),
        "{run:?}"
    );
    let state: Value = serde_json::from_slice(&dir.read("state.json")).unwrap();
    assert_eq!(state["keys"][0], dir.text("d.pub").trim_end());
    assert_eq!(state["sequence"], 5);
}

#[test]
fn a_list_signed_without_the_chain_strands_the_original_keys() {
    let dir = Dir::new("rotation-no-chain");
    three_rotations(&dir);
    std::fs::remove_file(dir.join("published.json")).unwrap();
    release(&dir, 6, "", &["d", "e"]);
    let run = verify_from_original_keys(&dir, 1);
    assert_eq!(run.code_field(), "untrusted-signers");
}

#[test]
fn a_forged_or_missing_step_is_refused() {
    let dir = Dir::new("rotation-forged");
    three_rotations(&dir);
    let good = dir.read("list.json");
    // A step dropped from the middle: the next one is not signed by the keys trusted then.
    let mut envelope: Value = serde_json::from_slice(&good).unwrap();
    envelope["rotations"].as_array_mut().unwrap().remove(1);
    dir.write("list.json", serde_json::to_vec(&envelope).unwrap());
    let run = verify_from_original_keys(&dir, 1);
    assert_eq!(run.code_field(), "threshold-not-met");
    assert!(
        run.json()["reason"]
            .as_str()
            .unwrap()
            .contains("rotation step 2 (sequence 4)"),
        "{run:?}"
    );
    // A step whose statement was swapped for another one under the same signatures.
    let mut envelope: Value = serde_json::from_slice(&good).unwrap();
    let other = envelope["rotations"][2]["payload"].clone();
    envelope["rotations"][1]["payload"] = other;
    dir.write("list.json", serde_json::to_vec(&envelope).unwrap());
    assert_eq!(
        verify_from_original_keys(&dir, 1).code_field(),
        "bad-signature"
    );
    // The first step again at the end: a replay.
    let mut envelope: Value = serde_json::from_slice(&good).unwrap();
    let first = envelope["rotations"][0].clone();
    envelope["rotations"].as_array_mut().unwrap().push(first);
    dir.write("list.json", serde_json::to_vec(&envelope).unwrap());
    assert_eq!(verify_from_original_keys(&dir, 1).code_field(), "rollback");
}

#[test]
fn sign_refuses_a_chain_it_cannot_carry() {
    let dir = Dir::new("rotation-sign");
    three_rotations(&dir);
    // --chain when adding a signature to an envelope: the envelope carries its steps already.
    let run = dir.expect(
        2,
        &[
            "sign",
            "list.json",
            "--key",
            "a.key",
            "--out",
            "x.json",
            "--chain",
            "published.json",
        ],
    );
    assert!(run.stderr.contains("already an envelope"), "{run:?}");
    // A payload whose sequence is not above the published steps.
    dir.write(
        "old.json",
        payload(3, &[PIN_A, PIN_B], &next_signers(&dir, &["d", "e"])),
    );
    let run = dir.expect(
        1,
        &[
            "sign",
            "old.json",
            "--key",
            "d.key",
            "--out",
            "x.json",
            "--chain",
            "published.json",
        ],
    );
    assert!(
        run.stderr.contains("bump the payload's sequence"),
        "{run:?}"
    );
    // A chain file that is not a signed list.
    let run = dir.expect(
        1,
        &[
            "sign",
            "old.json",
            "--key",
            "d.key",
            "--out",
            "x.json",
            "--chain",
            "payload.json",
        ],
    );
    assert!(run.stderr.contains("--chain takes"), "{run:?}");
}
