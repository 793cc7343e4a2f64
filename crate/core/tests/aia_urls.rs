//! Which AIA URLs the judge lets the extension fetch (judge/aia_url.rs): the certificate's maker
//! chooses the URL, so addresses inside this computer's network, in every spelling a browser
//! reads as one, are refused, and a refused URL is a failed fetch (an enforced host stops).
//! Native and WASM.

mod common;
mod mint;

use common::*;
use mint::{intermediate, leaf, Ca};
use pinwatch_core::judge::decision::{Act, StopReason};
use pinwatch_core::judge::engine::Settings;
use pinwatch_core::judge::memory::Memory;
use pinwatch_core::judge::verdict::Status;
use pinwatch_core::judge::{aia_url_allowed, Capture, Judge, NeedKind, Start};
use wasm_bindgen_test::wasm_bindgen_test;

const REFUSED: &[&str] = &[
    // IP literals, in the spellings a browser's URL parser turns into an address.
    "http://127.0.0.1/ca.der",
    "http://127.0.0.1:8080/ca.der",
    "http://10.0.0.1/ca.der",
    "http://192.168.1.1/ca.der",
    "http://169.254.169.254/latest/meta-data/",
    "http://8.8.8.8/ca.der",
    "http://127.1/ca.der",
    "http://0x7f.0.0.1/ca.der",
    "http://0x7f000001/ca.der",
    "http://2130706433/ca.der",
    "http://017700000001/ca.der",
    "http://127.0.0.1./ca.der",
    "http://[::1]/ca.der",
    "http://[fe80::1]/ca.der",
    "http://[::ffff:127.0.0.1]/ca.der",
    "http://%31%32%37.0.0.1/ca.der",
    "http://\u{ff11}\u{ff12}\u{ff17}.0.0.1/ca.der",
    // Single-label names and suffixes kept for local networks.
    "http://localhost/ca.der",
    "http://LOCALHOST./ca.der",
    "http://intranet-ca/ca.der",
    "http://ca:80/ca.der",
    "http://printer.local/ca.der",
    "http://a.b.localhost/ca.der",
    "http://ca.corp.internal/ca.der",
    "http://router.home.arpa/ca.der",
    "http://ca.lan/ca.der",
    // Nothing a parser could read two ways.
    "http://ca.example.com@127.0.0.1/ca.der",
    "http://127.0.0.1\\@ca.example.com/ca.der",
    "http://ca.exa\tmple.com/ca.der",
    "http://ca.example.com /ca.der",
    "http://ca.example.com:99999/ca.der",
    "http://ca.example.com:80:80/ca.der",
    "http://ca..example.com/ca.der",
    "http://ca_x.example.com/ca.der",
    // Other schemes, and no host at all.
    "ftp://ca.example.com/ca.der",
    "file:///etc/passwd",
    "ldap://ca.example.com/cn=ca",
    "data:application/pkix-cert;base64,MA==",
    "http:///ca.der",
    "http://",
    "",
];

const ALLOWED: &[&str] = &[
    "http://crt.sectigo.com/SectigoRSADomainValidationSecureServerCA.crt",
    "http://cacerts.digicert.com/DigiCertGlobalG2TLSRSASHA2562020CA1-1.crt",
    "HTTP://i.pki.goog/wr2.crt",
    "https://ca.example.com:8443/ca.der?x=1#y",
    "http://ca.example.com./ca.der",
    "http://aia.pinwatch.test:41234/aia-inter.der",
    "http://xn--bcher-kva.example/ca.der",
];

#[wasm_bindgen_test(unsupported = test)]
fn addresses_inside_the_network_are_refused_in_every_spelling() {
    for url in REFUSED {
        assert!(!aia_url_allowed(url), "refused: {url:?}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn public_names_are_fetched() {
    for url in ALLOWED {
        assert!(aia_url_allowed(url), "allowed: {url:?}");
    }
}

/// A leaf-tier page of an enforced host whose leaf names `url`: the URLs the judge asked to
/// fetch, and the outcome (a fetch always answers with the genuine issuing CA).
fn run(url: &str) -> (Vec<String>, pinwatch_core::judge::Outcome) {
    let root = Ca::new(51, "AIA Rule Root CA");
    let issuer = Ca::new(52, "AIA Rule Issuing CA");
    let issuer_cert = intermediate(&issuer, &root, None);
    let good = vec![
        pin_of_spki(&root.spki()),
        pin_of_spki(&Ca::new(53, "Backup").spki()),
    ];
    let e = engine(
        &payload(&good, &[], &[b64(&root.spki())], "enforce", &[], &[]),
        &Settings::default(),
    );
    let mut m = Memory::default();
    let start: Start = serde_json::from_value(serde_json::json!({
        "host": "mail.example.test", "type": "main_frame", "canFetch": true, "now": NOW * 1000,
    }))
    .unwrap();
    let mut judge = Judge::new(&e, &mut m, start);
    let capture = Capture {
        tier: Some("securityInfoRawDer".into()),
        state: Some("secure".into()),
        ..Capture::default()
    };
    let the_leaf = leaf(54, "mail.example.test", &issuer, Some(url));
    let mut step = judge
        .feed_chain(&e, &mut m, capture, vec![the_leaf])
        .unwrap()
        .clone();
    let mut asked = Vec::new();
    while let Some(need) = step.need {
        step = match need {
            NeedKind::Issuer => {
                asked.push(step.url.clone().unwrap());
                judge.feed_issuer(&e, &mut m, Some(issuer_cert.clone()), None)
            }
            NeedKind::Override => judge.feed_override(&e, &mut m, false, None),
            other => panic!("unexpected need {other:?}"),
        }
        .unwrap()
        .clone();
    }
    (asked, *step.outcome.unwrap())
}

#[wasm_bindgen_test(unsupported = test)]
fn a_refused_url_is_never_asked_for_and_stops_an_enforced_host() {
    for url in ["http://127.0.0.1:8080/ca.der", "http://intranet-ca/ca.der"] {
        let (asked, outcome) = run(url);
        assert!(asked.is_empty(), "{url}: asked to fetch {asked:?}");
        assert_eq!(outcome.decision.act, Act::Stop, "{url}");
        assert_eq!(
            outcome.decision.stop_reason,
            Some(StopReason::CouldNotBeChecked),
            "{url}"
        );
        assert_eq!(outcome.verdict.unwrap().status, Status::Unverifiable);
        assert!(
            outcome.failures.iter().any(|f| f.code == "refused"),
            "{url}: {:?}",
            outcome.failures
        );
    }
    let (asked, outcome) = run("http://ca.example.com/ca.der");
    assert_eq!(asked, ["http://ca.example.com/ca.der"]);
    assert_eq!(outcome.verdict.unwrap().status, Status::Pinned);
}
