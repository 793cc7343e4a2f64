//! The recipe `lists/default/README.md` gives a security team for a login host no public source
//! pins (Mimecast's): grab the chain from a trusted network, pin its CAs in the team's own list,
//! lint it, and monitor it so a CA change is seen before users get an alarm. Run end to end with
//! the real binary against loopback TLS servers whose chains are made at test time.
#![cfg(not(target_arch = "wasm32"))]

mod cli_support;

use cli_support::*;
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

const HOST: &str = "mail.example.test";

fn rfc3339(unix: i64) -> String {
    pinwatch_core::time::format_rfc3339(unix)
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The team's list: one pin set of the CAs' pins and public keys, one entry for the login host.
fn team_list(pins: &[String], keys: &[String], entry_extra: &str) -> String {
    format!(
        r#"{{"version": 1, "sequence": 1, "issued_at": "{}", "expires_at": "{}",
  "publisher": "Security team",
  "pinsets": {{"login": {{"good": ["{}"], "issuer_keys": ["{}"]}}}},
  "entries": [{{"host": "{HOST}", "pinset": "login", "mode": "warn"{entry_extra}}}]}}"#,
        rfc3339(now() - 86_400),
        rfc3339(now() + 60 * 86_400),
        pins.join("\", \""),
        keys.join("\", \"")
    )
}

fn monitor_row(dir: &Dir, code: i32, port: u16, root: &str) -> Value {
    let to = format!("{HOST}:127.0.0.1:{port}");
    let run = dir.expect(
        code,
        &[
            "monitor",
            "list.json",
            "--connect-to",
            &to,
            "--ca",
            root,
            "--json",
        ],
    );
    run.json()["hosts"][0].clone()
}

#[test]
fn grab_pin_lint_and_monitor_a_login_host_no_public_list_pins() {
    let dir = Dir::new("watch-recipe");
    let chain = make_chain(&dir, "");
    let rogue = make_chain(&dir, "rogue-");
    let port = serve_tls(&chain.served, &chain.leaf_key);
    let rogue_full = dir.write(
        "rogue-full.pem",
        [dir.read("rogue-served.pem"), dir.read("rogue-root.pem")].concat(),
    );
    let rogue_port = serve_tls(&rogue_full, &rogue.leaf_key);
    let root = chain.root.to_str().unwrap();

    // 1. The served chain, verified for the host's name, and the issuing CA's pin from it.
    let target = format!("127.0.0.1:{port}");
    let grabbed = dir
        .expect(
            0,
            &[
                "grab",
                &target,
                "--servername",
                HOST,
                "--ca",
                root,
                "--json",
            ],
        )
        .json();
    assert_eq!(grabbed["verified"], true, "{grabbed}");
    let issuing = grabbed["chain"][1]["spkiSha256"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(issuing, openssl_pin(&dir, &chain.intermediate));
    // The CA certificates (from the CA's repository): their pins and public keys, the issuing
    // CA's and the root's as the backup; never the leaf's, so renewals stay silent.
    let cas = dir
        .expect(
            0,
            &[
                "pin",
                "--spki",
                "--json",
                chain.intermediate.to_str().unwrap(),
                root,
            ],
        )
        .json();
    let field = |i: usize, name: &str| cas[i][name].as_str().unwrap().to_string();
    assert_eq!(field(0, "spkiSha256"), issuing, "the CA the host serves");
    assert_eq!(field(1, "spkiSha256"), openssl_pin(&dir, &chain.root));
    let pins = [issuing, field(1, "spkiSha256")];
    let keys = [field(0, "spki"), field(1, "spki")];

    // 2. Lint asks about the rest of the host's registrable domain until the team says it
    // considered it.
    dir.write("list.json", team_list(&pins, &keys, ""));
    let rows = dir.expect(0, &["lint", "list.json", "--json"]).json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["rule"], "cookie-scope");
    assert!(
        rows[0]["message"]
            .as_str()
            .unwrap()
            .contains("not example.test with include_subdomains"),
        "{rows:?}"
    );
    dir.write(
        "list.json",
        team_list(
            &pins,
            &keys,
            r#", "cookie_scope": "considered", "comment": "session cookies are host-only""#,
        ),
    );
    let rows = dir.expect(0, &["lint", "list.json", "--json"]).json();
    assert_eq!(rows, serde_json::json!([]));

    // 3. Monitor: ok while the host keeps its CA, drift (exit 1) when another CA serves it.
    let ok = monitor_row(&dir, 0, port, root);
    assert_eq!(ok["status"], "ok", "{ok}");
    assert_eq!(ok["verdict"], "pinned", "{ok}");
    let moved = monitor_row(&dir, 1, rogue_port, root);
    assert_eq!(moved["status"], "drift", "{moved}");
    assert_eq!(moved["verdict"], "mismatch", "{moved}");
}
