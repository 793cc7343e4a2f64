//! Roots the companion names in `hello` (`Engine::added_roots`, `Engine::with_added_roots`):
//! which count, what a broken list gets, and what they make of a page no entry covers where
//! the connection itself may not show them (Chromium). Native and WASM.

mod common;
mod inspection;
mod mint;

use common::*;
use inspection::*;
use mint::Ca;
use pinwatch_core::judge::engine::Engine;
use pinwatch_core::judge::engine::Settings;
use pinwatch_core::judge::local_root::{AddedRoots, AddedRow};
use pinwatch_core::judge::local_root::{LocalRootMode, LocalRootSettings};
use pinwatch_core::judge::verdict::MatchKind;
use pinwatch_core::list::json_tree::Json;
use pinwatch_core::{Mode, Pin, Status};
use wasm_bindgen_test::wasm_bindgen_test;

/// The companion's rows as the binding hands them to the core: JSON text read into the lists' tree.
trait AddedRootsOf {
    fn added_roots_of(
        &self,
        rows: &serde_json::Value,
    ) -> Result<AddedRoots, pinwatch_core::judge::local_root::AddedRootsError>;
}

impl AddedRootsOf for Engine {
    fn added_roots_of(
        &self,
        rows: &serde_json::Value,
    ) -> Result<AddedRoots, pinwatch_core::judge::local_root::AddedRootsError> {
        self.added_roots(&AddedRow::list_from_json(
            &Json::parse(&rows.to_string()).expect("JSON"),
        )?)
    }
}

/// The companion's `hello` list (`localRoots`) for these roots, as serve.rs writes it.
fn hello_rows(roots: &[(&Ca, &str)]) -> serde_json::Value {
    serde_json::Value::Array(
        roots
            .iter()
            .map(|(ca, subject)| {
                serde_json::json!({"store": "nss", "storePath": "/home/u/.pki/nssdb",
                    "subject": subject, "spkiSha256": pin_of_spki(&ca.spki()),
                    "certSha256": Pin::sha256(subject.as_bytes()).to_base64(), "ca": true})
            })
            .collect(),
    )
}

#[test]
#[wasm_bindgen_test]
fn the_companions_roots_count_unless_policy_declared_them_or_the_user_marked_them_known() {
    let (inspect, declared, known) = (Ca::new(51, "A"), Ca::new(52, "B"), Ca::new(53, "C"));
    let e = engine(
        &list(),
        &Settings {
            allowed_interception_spkis: vec![pin_of_spki(&declared.spki())],
            local_roots: LocalRootSettings {
                user_known_roots: vec![pin_of_spki(&known.spki())],
                ..LocalRootSettings::default()
            },
            ..Settings::default()
        },
    );
    let rows = hello_rows(&[
        (&declared, "CN=Corp Proxy"),
        (&inspect, "CN=Inspect\u{7}\u{202e}Root"),
        (&known, "CN=My Antivirus"),
        (&inspect, "CN=Inspect again"),
    ]);
    let got = e.added_roots_of(&rows).unwrap();
    assert_eq!(got.declared, 2);
    assert_eq!(got.roots.len(), 1, "each pin once: {got:?}");
    let root = &got.roots[0];
    assert_eq!(root.pin, pin_of_spki(&inspect.spki()));
    assert_eq!(root.store, "nss");
    assert_eq!(
        root.subject, "CN=Inspect\u{202e}Root",
        "control characters are left out (the popup isolates the rest)"
    );
    // The user's choice taken away by policy: the known root counts again.
    let e = engine(
        &list(),
        &settings(LocalRootSettings {
            user_known_roots: vec![pin_of_spki(&known.spki())],
            allow_user_known_roots: Some(false),
            ..LocalRootSettings::default()
        }),
    );
    assert_eq!(e.added_roots_of(&rows).unwrap().roots.len(), 3);
}

#[test]
#[wasm_bindgen_test]
fn a_broken_companions_list_is_an_error_or_its_bad_rows_are_named_and_the_rest_capped() {
    let e = engine(&list(), &Settings::default());
    let err = e
        .added_roots_of(&serde_json::json!({"roots": []}))
        .unwrap_err();
    assert_eq!(err.to_string(), "localRoots is not a list");
    let huge = serde_json::Value::Array(vec![serde_json::json!({}); 100_000]);
    let err = e.added_roots_of(&huge).unwrap_err().to_string();
    assert!(err.contains("100000") && err.contains("not read"), "{err}");
    let mut rows = vec![
        serde_json::json!("CN=not an object"),
        serde_json::json!({"store": "nss", "subject": "CN=x"}),
        serde_json::json!({"store": "nss", "error": "not a certificate"}),
        serde_json::json!({"store": "nss", "spkiSha256": "AAAA", "subject": "CN=short"}),
        serde_json::json!({"spkiSha256": 7}),
    ];
    for i in 0..40u32 {
        rows.push(
            serde_json::json!({"store": "nss", "subject": "S".repeat(5000),
            "spkiSha256": Pin::sha256(&i.to_be_bytes()).to_base64()}),
        );
    }
    let got = e.added_roots_of(&serde_json::Value::Array(rows)).unwrap();
    assert_eq!(got.roots.len(), 32, "at most MAX_ADDED_ROOTS are kept");
    assert!(got.roots.iter().all(|r| r.subject.chars().count() == 300));
    let codes: Vec<(usize, &str)> = got.problems.iter().map(|p| (p.row, p.code)).collect();
    assert_eq!(
        codes[..5],
        [
            (0, "not-an-object"),
            (1, "no-pin"),
            (2, "unread-by-companion"),
            (3, "pin-unreadable"),
            (4, "no-pin"),
        ]
    );
    assert_eq!(
        codes[5..],
        [
            (37, "past-the-cap"),
            (38, "past-the-cap"),
            (39, "past-the-cap")
        ],
        "at most 8 rows are named"
    );
    assert_eq!(got.left_out, 5 + 8, "every row left out is counted");
}

#[test]
#[wasm_bindgen_test]
fn a_named_root_makes_an_uncovered_page_local_root_and_only_a_chain_ending_in_it_is_enforced() {
    let a = added(UNPINNED);
    let other = Ca::new(61, "Other Added Root");
    for (mode, unseen, seen) in [
        (None, Mode::Report, Mode::Report),
        (Some(LocalRootMode::Warn), Mode::Warn, Mode::Warn),
        (Some(LocalRootMode::Enforce), Mode::Report, Mode::Enforce),
    ] {
        let e = engine(
            &list(),
            &settings(LocalRootSettings {
                policy_local_root_mode: mode,
                ..LocalRootSettings::default()
            }),
        );
        let roots = e
            .added_roots_of(&hello_rows(&[
                (&other, "CN=Other"),
                (&a.root, "CN=Inspect"),
            ]))
            .unwrap()
            .roots;
        // Nothing read of the page (Chromium without a look): the first root is named.
        let (v, root) = e.with_added_roots(e.unpinned_verdict(UNPINNED), &roots);
        assert_eq!(v.status, Status::LocalRoot, "{mode:?}");
        assert_eq!(v.reason_code.as_str(), "added-root");
        assert_eq!((v.mode, v.action), (Some(unseen), Some(unseen)), "{mode:?}");
        let m = v.matched.unwrap();
        assert_eq!((m.kind, m.cert_index), (MatchKind::LocalRoot, None));
        assert_eq!(root.unwrap().subject, "CN=Other");
        // A chain that ended in one of them names that one, and its mode stands.
        let (v, root) = e.with_added_roots(e.check(UNPINNED, &a.chain, NOW), &roots);
        assert_eq!(v.status, Status::LocalRoot);
        assert_eq!(v.reason_code.as_str(), "local-root");
        assert_eq!(
            (v.mode, v.matched.unwrap().cert_index),
            (Some(seen), Some(2))
        );
        assert_eq!(root.unwrap().pin, pin_of_spki(&a.root.spki()));
        // No chain at all (unverifiable) on an uncovered host is named too.
        let none: [Vec<u8>; 0] = [];
        let (v, _) = e.with_added_roots(e.check(UNPINNED, &none, NOW), &roots);
        assert_eq!(v.status, Status::LocalRoot);
    }
}

#[test]
#[wasm_bindgen_test]
fn named_roots_leave_pinned_hosts_block_lists_and_computers_without_them_alone() {
    let f = Fixtures::embedded();
    let a = added(UNPINNED);
    let e = engine(&list(), &Settings::default());
    let roots = e
        .added_roots_of(&hello_rows(&[(&a.root, "CN=Inspect")]))
        .unwrap()
        .roots;
    let (v, root) = e.with_added_roots(e.check("mail.example.test", &f.legit_chain, NOW), &roots);
    assert_eq!((v.status, root), (Status::Pinned, None));
    let none: [Vec<u8>; 0] = [];
    let (v, _) = e.with_added_roots(e.check("mail.example.test", &none, NOW), &roots);
    assert_eq!(
        v.status,
        Status::Unverifiable,
        "a pinned host keeps its verdict"
    );
    let (v, _) = e.with_added_roots(e.check(UNPINNED, &f.legit_chain, NOW), &[]);
    assert_eq!(v.status, Status::Unpinned);
    // A root the user marks as known after the list was read no longer counts.
    let e = engine(
        &list(),
        &settings(LocalRootSettings {
            user_known_roots: vec![roots[0].pin.clone()],
            ..LocalRootSettings::default()
        }),
    );
    let (v, _) = e.with_added_roots(e.check(UNPINNED, &f.legit_chain, NOW), &roots);
    assert_eq!(v.status, Status::Unpinned);
}

#[test]
#[wasm_bindgen_test]
fn the_judge_names_the_root_on_a_page_it_released_unread_and_the_decision_reports_it() {
    use pinwatch_core::judge::memory::Memory;
    use pinwatch_core::judge::{Judge, NeedKind, Start};
    let a = added(UNPINNED);
    let e = engine(&list(), &Settings::default());
    let roots = e
        .added_roots_of(&hello_rows(&[(&a.root, "CN=Inspect")]))
        .unwrap()
        .roots;
    let start: Start = serde_json::from_value(serde_json::json!({
        "host": UNPINNED, "type": "main_frame", "read": false, "now": NOW * 1000,
        "addedRoots": roots,
    }))
    .unwrap();
    let mut m = Memory::default();
    let mut judge = Judge::new(&e, &mut m, start);
    assert_eq!(judge.step().need, Some(NeedKind::Override));
    judge.feed_override(&e, &mut m, false, None).unwrap();
    let o = judge.step().outcome().unwrap();
    assert_eq!(o.verdict.as_ref().unwrap().status, Status::LocalRoot);
    assert_eq!(o.added_root.as_ref().unwrap().subject, "CN=Inspect");
    assert!(o.decision.report, "{:?}", o.decision);
    assert!(!judge.stops());
}
