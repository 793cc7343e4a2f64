//! The list's own life in `lint`: a list past its `expires_at` is an error (no browser
//! enforces it), judged by the clock or `--now`.
#![cfg(not(target_arch = "wasm32"))]

mod cli_support;

use cli_support::*;

#[test]
fn an_expired_list_is_a_lint_error() {
    let dir = Dir::new("lint-expired");
    dir.write("payload.json", payload(1, &[PIN_A, PIN_B], ""));
    // Before EXPIRES: no problem.
    let ok = dir.expect(0, &["lint", "payload.json", "--now", NOW]);
    assert!(!ok.stdout.contains("expired"), "{ok:?}");
    // After it: an error of its own, in text and in JSON.
    let after = "2026-12-02T00:00:00Z";
    let text = dir.expect(1, &["lint", "payload.json", "--now", after]);
    assert!(
        text.stdout.contains(
            "payload.json: $.expires_at: the list expired at 2026-12-01T00:00:00Z: browsers no longer enforce it"
        ),
        "{text:?}"
    );
    let rows = dir
        .expect(1, &["lint", "payload.json", "--now", after, "--json"])
        .json();
    let rows = rows.as_array().unwrap();
    assert!(
        rows.iter().any(|r| r["rule"] == "expired"
            && r["severity"] == "error"
            && r["path"] == "$.expires_at"),
        "{rows:?}"
    );
    // The same for a signed envelope's payload.
    dir.keygen("a");
    dir.expect(
        0,
        &[
            "sign",
            "payload.json",
            "--key",
            "a.key",
            "--out",
            "list.json",
        ],
    );
    dir.expect(1, &["lint", "list.json", "--now", after]);
    // A bad --now is a usage error.
    dir.expect(2, &["lint", "payload.json", "--now", "yesterday"]);
}
