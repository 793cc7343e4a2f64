//! The companion names the roots added to this computer's NSS database (`~/.pki/nssdb`, the one
//! Chromium reads on Linux) in its `hello` reply, whether or not a connection shows them: an
//! interceptor that lets the companion's connections through still needs its root there. The
//! real binary, a test HOME, roots added with `certutil` as an inspection product would.
#![cfg(not(target_arch = "wasm32"))]

mod cli_support;

use cli_support::*;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// `hello` to `pinwatch companion serve` run with `home` as HOME; its reply.
fn hello(home: &Path) -> Value {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pinwatch"))
        .args(["companion", "serve"])
        .env("HOME", home)
        .env("SSL_CERT_FILE", home.join("no-bundle.pem"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let body = serde_json::to_vec(&json!({"id": 1, "type": "hello"})).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&(body.len() as u32).to_ne_bytes()).unwrap();
    stdin.write_all(&body).unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut len = [0u8; 4];
    stdout.read_exact(&mut len).unwrap();
    let mut reply = vec![0u8; u32::from_ne_bytes(len) as usize];
    stdout.read_exact(&mut reply).unwrap();
    drop(stdin);
    child.wait().unwrap();
    serde_json::from_slice(&reply).unwrap()
}

fn certutil(args: &[&str]) {
    let out = Command::new("certutil").args(args).output().unwrap();
    assert!(out.status.success(), "certutil {args:?}: {out:?}");
}

#[test]
fn roots_added_to_the_nss_database_are_named_in_hello() {
    if Command::new("certutil").arg("-H").output().is_err() {
        eprintln!("skipped: no certutil (libnss3-tools)");
        return;
    }
    let dir = Dir::new("companion-added-roots");
    let home = dir.join("home");
    let nss = home.join(".pki/nssdb");
    std::fs::create_dir_all(&nss).unwrap();
    let db = format!("sql:{}", nss.display());
    certutil(&["-N", "-d", &db, "--empty-password"]);

    // No root added: nothing named.
    let before = hello(&home);
    assert_eq!(before["localRoots"], json!([]), "{before}");

    let inspection = make_chain(&dir, "inspect-");
    let mail_only = make_chain(&dir, "mail-");
    certutil(&[
        "-A",
        "-d",
        &db,
        "-n",
        "Corp Inspection",
        "-t",
        "C,,",
        "-i",
        inspection.root.to_str().unwrap(),
    ]);
    // Trusted for e-mail only: not a root the browser would take for a site.
    certutil(&[
        "-A",
        "-d",
        &db,
        "-n",
        "Mail only",
        "-t",
        ",C,",
        "-i",
        mail_only.root.to_str().unwrap(),
    ]);

    let after = hello(&home);
    let named = after["localRoots"]
        .as_array()
        .expect("localRoots is a list");
    assert_eq!(
        named.len(),
        1,
        "only the root trusted for TLS servers: {after}"
    );
    let root = &named[0];
    assert_eq!(root["store"], "nss");
    assert_eq!(root["storePath"], nss.display().to_string());
    assert_eq!(root["spkiSha256"], openssl_pin(&dir, &inspection.root));
    assert_eq!(root["ca"], true);
    let subject = root["subject"].as_str().unwrap();
    assert!(subject.contains("CN="), "{subject}");
}
