//! `sign --channel` writes the channel into the signed payload; `verify --channel` refuses a
//! list signed for another channel, or naming none, with its code.
#![cfg(not(target_arch = "wasm32"))]

mod cli_support;

use cli_support::*;

const A: &str = "https://updates.example.com/team-a/list.json";
const B: &str = "https://updates.example.com/team-b/list.json";

fn signed(dir: &Dir, out: &str, sequence: u64, channel: Option<&str>) {
    dir.write("payload.json", payload(sequence, &[PIN_A, PIN_B], ""));
    let mut args = vec!["sign", "payload.json", "--key", "a.key", "--out", out];
    if let Some(c) = channel {
        args.extend(["--channel", c]);
    }
    dir.expect(0, &args);
}

fn verify(dir: &Dir, code: i32, list: &str, channel: Option<&str>) -> Run {
    let mut args = vec!["verify", list, "--trust", "a.pub", "--now", NOW, "--json"];
    if let Some(c) = channel {
        args.extend(["--channel", c]);
    }
    dir.expect(code, &args)
}

#[test]
fn a_list_signed_for_a_channel_is_accepted_there_and_refused_on_another() {
    let dir = Dir::new("channel-bound");
    dir.keygen("a");
    signed(&dir, "a.json", 5, Some(A));
    signed(&dir, "b.json", 9, Some(B));
    let ok = verify(&dir, 0, "a.json", Some(A)).json();
    assert_eq!(ok["info"]["channel"], A);
    let swapped = verify(&dir, 1, "b.json", Some(A));
    assert_eq!(swapped.code_field(), "wrong-channel", "{swapped:?}");
    // Without --channel the binding is shown, not checked.
    assert_eq!(verify(&dir, 0, "b.json", None).json()["info"]["channel"], B);
    let text = dir.expect(0, &["verify", "b.json", "--trust", "a.pub", "--now", NOW]);
    assert!(text.stdout.contains(&format!("channel: {B}")), "{text:?}");
}

#[test]
fn a_list_naming_no_channel_is_refused_by_verify_channel() {
    let dir = Dir::new("channel-unbound");
    dir.keygen("a");
    signed(&dir, "old.json", 5, None);
    let r = verify(&dir, 1, "old.json", Some(A));
    assert_eq!(r.code_field(), "unbound-list", "{r:?}");
    assert!(
        r.json()["reason"].as_str().unwrap().contains("--channel"),
        "{r:?}"
    );
}

#[test]
fn sign_refuses_a_payload_or_envelope_bound_elsewhere() {
    let dir = Dir::new("channel-sign");
    dir.keygen("a");
    dir.keygen("b");
    signed(&dir, "a.json", 5, Some(A));
    // Adding a signature for the same channel is fine; for another it is refused.
    dir.expect(
        0,
        &[
            "sign",
            "a.json",
            "--key",
            "b.key",
            "--out",
            "a.json",
            "--channel",
            A,
        ],
    );
    let other = dir.expect(
        1,
        &[
            "sign",
            "a.json",
            "--key",
            "b.key",
            "--out",
            "x.json",
            "--channel",
            B,
        ],
    );
    assert!(other.stderr.contains("names the channel"), "{other:?}");
    // An envelope signed without a channel cannot gain one: its signed bytes would change.
    signed(&dir, "old.json", 6, None);
    let old = dir.expect(
        1,
        &[
            "sign",
            "old.json",
            "--key",
            "b.key",
            "--out",
            "x.json",
            "--channel",
            A,
        ],
    );
    assert!(old.stderr.contains("sign the payload again"), "{old:?}");
    let bad = dir.expect(
        2,
        &[
            "sign",
            "payload.json",
            "--key",
            "a.key",
            "--out",
            "x.json",
            "--channel",
            "",
        ],
    );
    assert!(bad.stderr.contains("--channel"), "{bad:?}");
}
