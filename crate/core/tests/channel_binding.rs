//! A signed list is bound to its channel: the `channel` it names is inside the signed payload
//! and must be the channel it is fetched for, so the same signers' list for another channel, of
//! any sequence, is refused there. Lists that name no channel are refused on a channel unless
//! its configuration allows them.

mod signer;

use pinwatch_core::crypto::key::SignerSet;
use pinwatch_core::list::accept::{accept, ChannelBinding, Rejection, TrustState};
use pinwatch_core::list::envelope::PAYLOAD_TYPE;
use pinwatch_core::list::MAX_CHANNEL;
use pinwatch_core::time::parse_rfc3339;
use signer::{sign_envelope, Signer};
use wasm_bindgen_test::wasm_bindgen_test;

const A: &str = "https://updates.example.com/team-a/list.json";
const B: &str = "https://updates.example.com/team-b/list.json";

fn now() -> i64 {
    parse_rfc3339("2026-11-15T00:00:00Z").unwrap()
}

fn key() -> Signer {
    Signer::from_seed(&[7; 32])
}

fn list(sequence: u64, channel: Option<&str>) -> Vec<u8> {
    let channel = channel.map_or(String::new(), |c| {
        format!(r#", "channel": {}"#, serde_json::to_string(c).unwrap())
    });
    let payload = format!(
        r#"{{"version": 1, "sequence": {sequence}, "issued_at": "2026-11-01T00:00:00Z", "expires_at": "2026-12-01T00:00:00Z", "publisher": "test",
  "pinsets": {{"mail": {{"good": ["AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="]}}}},
  "entries": [{{"host": "mail.example.com", "pinset": "mail", "mode": "enforce"}}]{channel}}}"#
    );
    sign_envelope(PAYLOAD_TYPE, payload.as_bytes(), &[&key()])
        .to_json()
        .into_bytes()
}

fn trust(sequence: u64) -> TrustState {
    TrustState {
        signers: SignerSet::new(vec![*key().public()], 1).unwrap(),
        sequence,
    }
}

fn on(name: &str) -> ChannelBinding {
    ChannelBinding {
        name: name.into(),
        allow_unbound: false,
    }
}

fn refused(envelope: &[u8], sequence: u64, channel: &ChannelBinding) -> Rejection {
    match accept(envelope, &trust(sequence), Some(channel), now()) {
        Ok(a) => panic!("accepted sequence {}", a.list.info.sequence),
        Err(r) => r,
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn a_list_signed_for_its_channel_is_accepted_and_says_so() {
    let accepted = accept(&list(5, Some(A)), &trust(4), Some(&on(A)), now()).unwrap();
    assert_eq!(accepted.list.info.channel.as_deref(), Some(A));
    assert_eq!(accepted.trust.sequence, 5);
}

#[wasm_bindgen_test(unsupported = test)]
fn another_channels_list_of_the_same_signers_is_refused_whatever_its_sequence() {
    for sequence in [3, 5, 1_000_000] {
        let r = refused(&list(sequence, Some(B)), 4, &on(A));
        assert_eq!(r.code(), "wrong-channel", "sequence {sequence}: {r}");
        assert!(
            r.to_string().contains(B) && r.to_string().contains(A),
            "{r}"
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn a_name_the_configuration_gives_binds_as_the_url_does() {
    let mirror = on("team-a lists");
    assert!(accept(
        &list(5, Some("team-a lists")),
        &trust(4),
        Some(&mirror),
        now()
    )
    .is_ok());
    assert_eq!(
        refused(&list(5, Some(A)), 4, &mirror).code(),
        "wrong-channel"
    );
    // Names are compared exactly: no case folding, no trailing-slash forgiveness.
    assert_eq!(
        refused(&list(5, Some(&A.to_uppercase())), 4, &on(A)).code(),
        "wrong-channel"
    );
    assert_eq!(
        refused(&list(5, Some(&format!("{A}/"))), 4, &on(A)).code(),
        "wrong-channel"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_list_naming_no_channel_is_refused_unless_the_channel_allows_it() {
    let r = refused(&list(5, None), 4, &on(A));
    assert_eq!(r.code(), "unbound-list");
    assert!(r.to_string().contains("pinwatch sign --channel"), "{r}");
    let lenient = ChannelBinding {
        name: A.into(),
        allow_unbound: true,
    };
    let accepted = accept(&list(5, None), &trust(4), Some(&lenient), now()).unwrap();
    assert_eq!(accepted.list.info.channel, None);
    // Allowing unbound lists never lets another channel's bound list in.
    assert_eq!(
        refused(&list(5, Some(B)), 4, &lenient).code(),
        "wrong-channel"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn without_a_channel_the_binding_is_only_shown() {
    let accepted = accept(&list(5, Some(B)), &trust(4), None, now()).unwrap();
    assert_eq!(accepted.list.info.channel.as_deref(), Some(B));
    assert!(accept(&list(5, None), &trust(4), None, now()).is_ok());
}

#[wasm_bindgen_test(unsupported = test)]
fn the_other_rules_still_hold_on_a_bound_list() {
    assert_eq!(refused(&list(4, Some(A)), 4, &on(A)).code(), "rollback");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_channel_name_that_cannot_be_one_makes_the_list_invalid() {
    let long = "x".repeat(MAX_CHANNEL + 1);
    for bad in ["", "a\nb", "tab\there", long.as_str()] {
        let r = refused(&list(5, Some(bad)), 4, &on(A));
        assert_eq!(r.code(), "invalid-list", "{bad:?}: {r}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn the_channel_is_signed_an_edited_one_does_not_verify() {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    let mut envelope: serde_json::Value = serde_json::from_slice(&list(5, Some(B))).unwrap();
    let payload = STANDARD
        .decode(envelope["payload"].as_str().unwrap())
        .unwrap();
    let edited = String::from_utf8(payload).unwrap().replace(B, A);
    envelope["payload"] = STANDARD.encode(edited).into();
    let forged = envelope.to_string();
    assert_eq!(
        refused(forged.as_bytes(), 4, &on(A)).code(),
        "bad-signature"
    );
}

/// A key's text, from a seed (ed25519-dalek makes the point).
fn key_text(seed: u8) -> String {
    let point = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]).verifying_key();
    pinwatch_core::crypto::key::PublicKey::from_bytes(point.as_bytes())
        .unwrap()
        .to_text()
}

#[wasm_bindgen_test(unsupported = test)]
fn a_stored_list_belongs_to_the_signer_set_with_the_same_keys_and_threshold() {
    use pinwatch_core::list::accept::{same_signer_texts, same_signers};
    let (a, b, c) = (key_text(1), key_text(2), key_text(3));
    let set = |keys: &[&String]| keys.iter().map(|k| k.to_string()).collect::<Vec<String>>();
    // (keys, threshold) against (keys, threshold): the same set?
    type Case = (Vec<String>, u32, Vec<String>, u32, bool);
    let cases: &[Case] = &[
        (set(&[&a, &b]), 1, set(&[&b, &a]), 1, true),
        (set(&[&a, &b]), 1, set(&[&a, &b]), 2, false),
        (set(&[&a]), 1, set(&[&a, &b]), 1, false),
        (set(&[&a, &b]), 2, set(&[&a, &c]), 2, false),
        (vec![format!("  {a}\n")], 1, set(&[&a]), 1, true),
        // Not well-formed: the same as nothing, itself included.
        (set(&[&a, &a]), 1, set(&[&a, &a]), 1, false),
        (set(&[&a]), 0, set(&[&a]), 0, false),
        (set(&[&a]), 2, set(&[&a]), 2, false),
        (vec![], 1, vec![], 1, false),
        (
            vec!["pinwatch-ed25519:AAAA".into()],
            1,
            vec!["pinwatch-ed25519:AAAA".into()],
            1,
            false,
        ),
        (
            vec![a.replace("pinwatch-ed25519:", "")],
            1,
            set(&[&a]),
            1,
            false,
        ),
    ];
    for (x, xt, y, yt, same) in cases {
        assert_eq!(
            same_signer_texts((x, *xt), (y, *yt)),
            *same,
            "{x:?}/{xt} vs {y:?}/{yt}"
        );
        // Where both are sets acceptance takes, the texts' answer is the sets' answer.
        if let (Ok(sx), Ok(sy)) = (SignerSet::from_texts(x, *xt), SignerSet::from_texts(y, *yt)) {
            assert_eq!(same_signers(&sx, &sy), *same, "{x:?} vs {y:?}");
        }
    }
    // 32 bytes that are no usable point compare by their bytes: acceptance, not this
    // comparison, refuses them, and no list is ever accepted under such a set.
    let not_a_point = format!("pinwatch-ed25519:{}", "A".repeat(42) + "A=");
    assert!(SignerSet::from_texts(std::slice::from_ref(&not_a_point), 1).is_err());
    let one = std::slice::from_ref(&not_a_point);
    assert!(same_signer_texts((one, 1), (one, 1)));
}
