//! The bundled list covers the hosts that receive a Google session's cookies, judged with chains
//! real servers sent (fixtures/real-online, from x509-limbo's online cases): Google's own chain
//! is `pinned` on every google.com host, other providers' chains are `mismatch` there. Runs
//! natively and as WASM.

use pinwatch_core::judge::engine::{Engine, Settings, Source};
use pinwatch_core::judge::verdict::Status;
use pinwatch_core::{parse_chain, PinList, SourceKind};
use wasm_bindgen_test::wasm_bindgen_test;

const BUNDLED: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../extension/lists/default.json"
));

/// 2026-12-01T00:00:00Z: inside the bundled list's validity (2026-11-28 to 2027-02-06).
const NOW: i64 = 1_796_083_200;

/// Hosts under google.com that the list pinned only through `google.com` with subdomains.
const SIBLINGS: &[&str] = &[
    "docs.google.com",
    "drive.google.com",
    "calendar.google.com",
    "admin.google.com",
    "meet.google.com",
    "chat.google.com",
];

fn bundled() -> Engine {
    let list = PinList::from_json(BUNDLED).expect("the bundled list compiles");
    let (engine, problems) = Engine::new(
        vec![Source {
            origin: "bundled".into(),
            kind: SourceKind::Bundled,
            list,
            scope: None,
        }],
        &Settings::default(),
    );
    assert!(problems.is_empty(), "{problems:?}");
    engine
}

fn chain(pem: &[u8]) -> Vec<Vec<u8>> {
    let certs = parse_chain(pem).expect("fixture chain parses");
    certs.iter().map(|c| c.der().to_vec()).collect()
}

fn google() -> Vec<Vec<u8>> {
    chain(include_bytes!("fixtures/real-online/google.com.pem"))
}

fn others() -> [(&'static str, Vec<Vec<u8>>); 2] {
    [
        (
            "microsoft.com",
            chain(include_bytes!("fixtures/real-online/microsoft.com.pem")),
        ),
        (
            "amazon.com",
            chain(include_bytes!("fixtures/real-online/amazon.com.pem")),
        ),
    ]
}

#[wasm_bindgen_test(unsupported = test)]
fn the_fixtures_are_the_chains_the_readme_names() {
    assert_eq!(google().len(), 3);
    let [(_, microsoft), (_, amazon)] = others();
    assert_eq!(microsoft.len(), 4);
    assert_eq!(amazon.len(), 3);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_real_google_chain_is_pinned_on_every_host_the_session_cookies_reach() {
    let engine = bundled();
    let google = google();
    for host in SIBLINGS.iter().chain(&["google.com", "mail.google.com"]) {
        let v = engine.check(host, &google, NOW);
        assert_eq!(v.status, Status::Pinned, "{host}: {}", v.reason);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn other_providers_real_chains_are_mismatches_on_those_hosts_and_enforced() {
    let engine = bundled();
    for (name, other) in others() {
        for host in SIBLINGS {
            let v = engine.check(host, &other, NOW);
            assert_eq!(v.status, Status::Mismatch, "{name} on {host}: {}", v.reason);
            assert_eq!(
                v.mode.map(|m| m.as_str()),
                Some("enforce"),
                "{name} on {host}"
            );
        }
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn a_host_outside_the_session_scope_stays_unpinned() {
    // googleusercontent.com is another registrable domain: the list does not claim it.
    let v = bundled().check("lh3.googleusercontent.com", &google(), NOW);
    assert_eq!(v.status, Status::Unpinned, "{}", v.reason);
}
