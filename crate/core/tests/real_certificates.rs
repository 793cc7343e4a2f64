//! Native-only checks against independent tools: every root in the machine's Mozilla bundle
//! must give the pin openssl computes, and fresh chains made now must pass the issuer-key proof.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::*;
use pinwatch_core::judge::engine::Settings;
use pinwatch_core::judge::verdict::Status;
use pinwatch_core::{parse_chain, Cert};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn openssl_pin(pem: &Path) -> String {
    let pubkey = Command::new("openssl")
        .args(["x509", "-pubkey", "-noout", "-in"])
        .arg(pem)
        .output()
        .expect("openssl");
    assert!(
        pubkey.status.success(),
        "openssl x509 failed on {}",
        pem.display()
    );
    let pipe = |args: &[&str], input: &[u8]| {
        let mut child = Command::new("openssl")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        out.stdout
    };
    let der = pipe(&["pkey", "-pubin", "-outform", "der"], &pubkey.stdout);
    let digest = pipe(&["dgst", "-sha256", "-binary"], &der);
    b64(&digest)
}

fn bundle_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("/etc/ssl/certs")
        .expect("/etc/ssl/certs (package ca-certificates)")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pem"))
        .collect();
    files.sort();
    files.dedup_by_key(|p| std::fs::canonicalize(p).unwrap_or_default());
    files
}

#[test]
fn every_mozilla_root_gives_the_openssl_pin() {
    let files = bundle_files();
    assert!(
        files.len() > 100,
        "expected the Mozilla bundle, found {} files",
        files.len()
    );
    let (mut rsa, mut ec) = (0, 0);
    for file in &files {
        let chain = parse_chain(&std::fs::read(file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(chain.len(), 1, "{}", file.display());
        assert_eq!(
            chain[0].spki_pin.to_base64(),
            openssl_pin(file),
            "{}",
            file.display()
        );
        assert_eq!(
            pinwatch_core::spki_pin(chain[0].der()).unwrap(),
            chain[0].spki_pin
        );
        match chain[0].facts.key_algorithm.as_str() {
            "RSA" => rsa += 1,
            a if a.starts_with("ECDSA") => ec += 1,
            _ => {}
        }
    }
    assert!(
        rsa > 50 && ec > 10,
        "RSA {rsa}, EC {ec}: the bundle should hold both"
    );
}

#[test]
fn fixture_leaves_give_the_openssl_pin() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for name in [
        "legit",
        "rsa-issuer-pkcs1",
        "rsa-issuer-pss",
        "p384-issuer",
        "odd-serial",
        "hostile-subject",
    ] {
        let pem = dir.join(name).join("leaf.pem");
        let cert = &parse_chain(&std::fs::read(&pem).unwrap()).unwrap()[0];
        assert_eq!(cert.spki_pin.to_base64(), openssl_pin(&pem), "{name}");
    }
}

/// Makes a new PKI with openssl now, so the proof is not only checked on committed bytes.
#[test]
fn issuer_key_proof_on_chains_made_now() {
    let out = std::env::temp_dir().join(format!("pinwatch-fixtures-{}", std::process::id()));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/make.sh");
    let status = Command::new("bash")
        .arg(&script)
        .arg(&out)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "make.sh failed");
    let f = Fixtures::from_bytes(&|path| std::fs::read(out.join(path)).unwrap());
    let embedded = Fixtures::embedded();
    assert_ne!(
        f.legit_issuer_spki, embedded.legit_issuer_spki,
        "fresh keys expected"
    );

    let e = engine(
        &payload(
            &[pin_of_spki(&f.legit_root_spki)],
            &[],
            &[b64(&f.legit_issuer_spki)],
            "enforce",
            &[],
            &[],
        ),
        &Settings::default(),
    );
    assert_eq!(
        e.check("mail.example.test", &[&f.new_leaf_key], NOW).status,
        Status::Pinned
    );
    assert_eq!(
        e.check("mail.example.test", &[&f.resigned], NOW).status,
        Status::Mismatch
    );
    // The committed leaf was signed by another run's intermediate: it must not pass here.
    assert_eq!(
        e.check("mail.example.test", &[&embedded.new_leaf_key], NOW)
            .status,
        Status::Mismatch
    );
    let pss = Cert::from_der(&f.rsa_pss_leaf).unwrap();
    assert!(pinwatch_core::judge::proof::signed_by(
        &pss,
        &f.legit_root_spki
    ));
    assert!(!pinwatch_core::judge::proof::signed_by(
        &pss,
        &f.legit_issuer_spki
    ));
    std::fs::remove_dir_all(&out).ok();
}

/// The core reads facts with its own DER walk; `x509-cert` must agree on every Mozilla root.
#[test]
fn facts_agree_with_x509_cert_on_every_mozilla_root() {
    use x509_cert::der::{self, Decode, Tagged};
    use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BasicConstraints, SubjectKeyIdentifier};
    for file in bundle_files() {
        let cert = parse_chain(&std::fs::read(&file).unwrap())
            .unwrap()
            .remove(0);
        let strict = x509_cert::Certificate::from_der(cert.der())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let tbs = &strict.tbs_certificate;
        let what = file.display();
        assert_eq!(
            cert.not_before,
            Some(tbs.validity.not_before.to_unix_duration().as_secs() as i64),
            "{what}"
        );
        assert_eq!(
            cert.not_after,
            Some(tbs.validity.not_after.to_unix_duration().as_secs() as i64),
            "{what}"
        );
        let ski = tbs
            .get::<SubjectKeyIdentifier>()
            .unwrap()
            .map(|(_, k)| hex(k.0.as_bytes()));
        assert_eq!(cert.facts.subject_key_id, ski, "{what}");
        let aki = tbs
            .get::<AuthorityKeyIdentifier>()
            .unwrap()
            .and_then(|(_, k)| k.key_identifier.map(|id| hex(id.as_bytes())));
        assert_eq!(cert.facts.authority_key_id, aki, "{what}");
        let ca = tbs
            .get::<BasicConstraints>()
            .unwrap()
            .is_some_and(|(_, bc)| bc.ca);
        assert_eq!(cert.facts.is_ca, ca, "{what}");
        assert_eq!(
            cert.facts.serial,
            hex(tbs.serial_number.as_bytes()),
            "{what}"
        );
        for atv in tbs.subject.0.iter().flat_map(|rdn| rdn.0.iter()) {
            let value = String::from_utf8_lossy(atv.value.value());
            if atv.value.tag() != der::Tag::BmpString {
                assert!(
                    cert.facts.subject.contains(&*value),
                    "{what}: {} lacks {value}",
                    cert.facts.subject
                );
            }
        }
        assert_eq!(
            cert.facts.subject == cert.facts.issuer,
            tbs.subject == tbs.issuer,
            "{what}"
        );
        assert!(
            cert.facts.parse_note.is_none(),
            "{what}: {:?}",
            cert.facts.parse_note
        );
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
