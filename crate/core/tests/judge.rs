//! The judge (judge/mod.rs): one response driven through every need with the answers an
//! interceptor can choose (failures, time-outs, poisoned certificates), and the failure table
//! (judge/failure.rs) checked row by row. Native and WASM.

mod common;
mod mint;

use common::*;
use mint::{intermediate, leaf, Ca};
use pinwatch_core::judge::decision::{Act, StopReason};
use pinwatch_core::judge::engine::{Engine, Settings};
use pinwatch_core::judge::failure::{self, FailureSource, Meaning};
use pinwatch_core::judge::memory::Memory;
use pinwatch_core::judge::verdict::Status;
use pinwatch_core::judge::{
    Capture, CompanionAnswer, CompanionScope, Judge, JudgedFrom, NeedKind, Outcome, Start, Step,
};
use wasm_bindgen_test::wasm_bindgen_test;

const NOW_MS: i64 = NOW * 1000;

fn start(host: &str, kind: &str) -> Start {
    serde_json::from_value(serde_json::json!({
        "host": host, "type": kind, "held": true, "canFetch": true, "now": NOW_MS,
    }))
    .unwrap()
}

fn leaf_tier_start(host: &str, kind: &str, companion: CompanionScope) -> Start {
    Start {
        companion,
        ..start(host, kind)
    }
}

fn outcome(step: &Step) -> &Outcome {
    step.outcome().expect("the judge is done")
}

fn need(step: &Step) -> NeedKind {
    step.need.expect("the judge needs something")
}

/// Drives a Firefox response to its end: the capture (with DER when asked), then the override.
fn firefox_run(
    e: &Engine,
    m: &mut Memory,
    host: &str,
    kind: &str,
    chain: &[Vec<u8>],
    overridden: bool,
) -> (Outcome, usize) {
    let mut judge = Judge::new(e, m, start(host, kind));
    let mut der_reads = 0;
    loop {
        let step = judge.step().clone();
        let Some(n) = step.need else {
            return (step.outcome.map(|o| *o).unwrap(), der_reads);
        };
        match n {
            NeedKind::Chain => {
                let der = if step.der == Some(true) {
                    der_reads += 1;
                    chain.to_vec()
                } else {
                    Vec::new()
                };
                judge.feed_chain(e, m, firefox_capture(chain), der).unwrap();
            }
            NeedKind::Override => {
                judge.feed_override(e, m, overridden, None).unwrap();
            }
            other => panic!("Firefox never needs {other:?}"),
        }
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn a_pinned_page_is_read_from_der_once_then_from_kept_verdicts() {
    let (f, e) = pinning_legit("enforce");
    let mut m = Memory::default();
    let host = "mail.example.test";
    let (first, reads) = firefox_run(&e, &mut m, host, "main_frame", &f.legit_chain, false);
    assert_eq!(first.verdict.as_ref().unwrap().status, Status::Pinned);
    assert_eq!((first.judged_from, reads), (JudgedFrom::Der, 1));
    assert!(
        !first.verdict.as_ref().unwrap().chain.is_empty(),
        "a page shows its facts"
    );
    // The same chain again: digests first, and the kept verdict with its facts.
    let (again, reads) = firefox_run(&e, &mut m, host, "main_frame", &f.legit_chain, false);
    assert_eq!((again.judged_from, reads), (JudgedFrom::Cache, 0));
    assert!(!again.verdict.as_ref().unwrap().chain.is_empty());
    // Its sub-resources on that chain: nothing to store, show or report.
    let (sub, reads) = firefox_run(&e, &mut m, host, "xmlhttprequest", &f.legit_chain, false);
    assert_eq!((sub.record, reads, sub.decision.act), (false, 0, Act::Pass));
    // Another chain on the same host is judged afresh, from its DER, and stopped.
    let (rogue, reads) = firefox_run(&e, &mut m, host, "xmlhttprequest", &f.rogue_chain, false);
    assert_eq!(rogue.decision.stop_reason, Some(StopReason::Mismatch));
    assert_eq!(reads, 1, "anything but a quiet pass is read from its DER");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_mismatch_asks_for_the_override_of_that_chain_and_a_failed_read_grants_nothing() {
    let (f, e) = pinning_legit("enforce");
    let mut m = Memory::default();
    let mut judge = Judge::new(&e, &mut m, start("Mail.Example.Test.", "main_frame"));
    assert_eq!(need(judge.step()), NeedKind::Chain);
    let step = judge
        .feed_chain(
            &e,
            &mut m,
            firefox_capture(&f.rogue_chain),
            f.rogue_chain.clone(),
        )
        .unwrap()
        .clone();
    assert_eq!(need(&step), NeedKind::Override);
    assert_eq!(
        step.host.as_deref(),
        Some("mail.example.test"),
        "the host as normalised"
    );
    assert!(step.chain_key.as_deref().is_some_and(|k| k.contains(' ')));
    let done = judge
        .feed_override(&e, &mut m, true, Some("storage"))
        .unwrap();
    assert_eq!(
        outcome(done).decision.act,
        Act::Stop,
        "an unread override grants nothing"
    );
    // Read and granted: proceeding past this very chain is reported, not stopped.
    let (proceeded, _) = firefox_run(
        &e,
        &mut m,
        "mail.example.test",
        "main_frame",
        &f.rogue_chain,
        true,
    );
    assert_eq!(proceeded.decision.act, Act::Report);
    assert!(proceeded.overridden);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_time_out_stops_an_enforced_host_and_passes_with_the_error_badge_elsewhere() {
    let (_, e) = pinning_legit("enforce");
    let mut m = Memory::default();
    let mut judge = Judge::new(&e, &mut m, start("mail.example.test", "main_frame"));
    assert_eq!(
        judge.step().deadline,
        NOW_MS + pinwatch_core::judge::LIMIT_MS
    );
    let done = outcome(judge.feed_failure(&e, &mut m, "timed-out").unwrap()).clone();
    assert_eq!(
        done.decision.stop_reason,
        Some(StopReason::NotCheckedInTime)
    );
    assert!(done.decision.offer_retry);
    let mut judge = Judge::new(&e, &mut m, start("elsewhere.test", "main_frame"));
    let done = outcome(judge.feed_failure(&e, &mut m, "timed-out").unwrap()).clone();
    assert_eq!(done.decision.act, Act::Pass);
    assert!(done.decision.error_badge);
}

#[wasm_bindgen_test(unsupported = test)]
fn sub_resources_of_hosts_nothing_governs_are_not_judged() {
    let (_, e) = pinning_legit("enforce");
    let mut m = Memory::default();
    let judge = Judge::new(&e, &mut m, start("cdn.other.test", "script"));
    let done = outcome(judge.step());
    assert_eq!((done.record, done.decision.act), (false, Act::Pass));
}

#[wasm_bindgen_test(unsupported = test)]
fn an_answer_for_another_need_is_refused() {
    let (_, e) = pinning_legit("enforce");
    let mut m = Memory::default();
    let mut judge = Judge::new(&e, &mut m, start("mail.example.test", "main_frame"));
    assert!(judge.feed_override(&e, &mut m, true, None).is_err());
    assert!(judge
        .feed_issuer(&e, &mut m, Some(vec![0x30]), None)
        .is_err());
    assert_eq!(need(judge.step()), NeedKind::Chain, "nothing changed");
}

/// The companion tier: Chromium without the leaf, a pinned enforced host.
fn companion_run(e: &Engine, m: &mut Memory, answer: CompanionAnswer) -> Outcome {
    let mut judge = Judge::new(
        e,
        m,
        leaf_tier_start("mail.example.test", "main_frame", CompanionScope::Pinned),
    );
    let capture = Capture {
        failure: Some("not-delivered".into()),
        ..leaf_capture()
    };
    let step = judge.feed_chain(e, m, capture, Vec::new()).unwrap().clone();
    assert_eq!(need(&step), NeedKind::Companion);
    assert_eq!(
        step.fresh,
        Some(true),
        "an enforced page is never vouched for by a kept look"
    );
    let mut step = judge.feed_companion(e, m, answer).unwrap().clone();
    while let Some(n) = step.need {
        step = match n {
            NeedKind::Issuer => judge.feed_issuer(e, m, None, Some("network")),
            NeedKind::Override => judge.feed_override(e, m, false, None),
            other => panic!("unexpected {other:?}"),
        }
        .unwrap()
        .clone();
    }
    *step.outcome.unwrap()
}

#[wasm_bindgen_test(unsupported = test)]
fn every_companion_failure_but_missing_stops_an_enforced_host() {
    let (_, e) = pinning_legit("enforce");
    let mut m = Memory::default();
    for code in failure::codes(FailureSource::Companion)
        .iter()
        .chain(&["a-code-from-a-newer-companion"])
    {
        let answer = CompanionAnswer {
            failure: Some(code.to_string()),
            ..CompanionAnswer::default()
        };
        let done = companion_run(&e, &mut m, answer);
        if *code == "missing" {
            assert_eq!(
                done.decision.act,
                Act::Pass,
                "not installed: a limit, said so"
            );
            assert_eq!(done.verdict.unwrap().status, Status::Unverifiable);
        } else {
            assert_eq!(
                done.decision.stop_reason,
                Some(StopReason::CouldNotBeChecked),
                "{code}"
            );
        }
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn the_companion_chain_counts_only_by_signatures() {
    let (f, e) = pinning_legit("enforce");
    let mut m = Memory::default();
    let as_served = |chain: &[Vec<u8>]| CompanionAnswer {
        chain: chain.iter().map(|d| b64(d)).collect(),
        ..CompanionAnswer::default()
    };
    let legit = companion_run(&e, &mut m, as_served(&f.legit_chain));
    assert_eq!(legit.verdict.as_ref().unwrap().status, Status::Pinned);
    assert!(legit.companion.is_some());
    // The rogue leaf with the genuine intermediate and root appended: nothing links them.
    let mut spoofed = vec![f.rogue_chain[0].clone()];
    spoofed.extend(f.legit_chain[1..].iter().cloned());
    let rogue = companion_run(&e, &mut m, as_served(&spoofed));
    assert_eq!(rogue.decision.act, Act::Stop);
}

/// root → issuing CA → leaf, with AIA URLs; a pin set of the root's key.
struct Aia {
    root_ca: Ca,
    issuer_cert: Vec<u8>,
    leaf: Vec<u8>,
    engine: Engine,
}

fn aia() -> Aia {
    let root_ca = Ca::new(31, "Judge Root CA");
    let issuer = Ca::new(32, "Judge Issuing CA");
    let good = vec![
        pin_of_spki(&root_ca.spki()),
        pin_of_spki(&Ca::new(33, "Backup").spki()),
    ];
    let keys = vec![b64(&root_ca.spki())];
    Aia {
        issuer_cert: intermediate(&issuer, &root_ca, None),
        leaf: leaf(
            34,
            "mail.example.test",
            &issuer,
            Some("http://aia.example/issuer.der"),
        ),
        engine: engine(
            &payload(&good, &[], &keys, "enforce", &[], &[]),
            &Settings::default(),
        ),
        root_ca,
    }
}

/// A leaf-tier response: the leaf, then whatever `fetch` answers for each URL asked.
fn leaf_run(
    a: &Aia,
    m: &mut Memory,
    leaf: &[u8],
    fetch: &dyn Fn(&str) -> Result<Vec<u8>, &'static str>,
) -> (Outcome, Vec<String>) {
    let e = &a.engine;
    let mut judge = Judge::new(e, m, start("mail.example.test", "main_frame"));
    let mut step = judge
        .feed_chain(e, m, leaf_capture(), vec![leaf.to_vec()])
        .unwrap()
        .clone();
    let mut asked = Vec::new();
    while let Some(n) = step.need {
        step = match n {
            NeedKind::Issuer => {
                let url = step.url.clone().unwrap();
                asked.push(url.clone());
                match fetch(&url) {
                    Ok(body) => judge.feed_issuer(e, m, Some(body), None),
                    Err(code) => judge.feed_issuer(e, m, None, Some(code)),
                }
            }
            NeedKind::Override => judge.feed_override(e, m, false, None),
            other => panic!("unexpected {other:?}"),
        }
        .unwrap()
        .clone();
    }
    (*step.outcome.unwrap(), asked)
}

#[wasm_bindgen_test(unsupported = test)]
fn a_leaf_is_completed_over_aia_and_the_linked_ca_is_kept_for_the_next_visit() {
    let a = aia();
    let mut m = Memory::default();
    let issuer = a.issuer_cert.clone();
    let (first, asked) = leaf_run(&a, &mut m, &a.leaf, &|_| Ok(issuer.clone()));
    assert_eq!(first.verdict.unwrap().status, Status::Pinned);
    assert_eq!(asked, ["http://aia.example/issuer.der"]);
    assert!(
        first.kept_changed,
        "a CA that completed a pinned chain is kept"
    );
    assert_eq!(m.take_kept().map(|k| k.len()), Some(1));
    // Another memory that starts from what was stored: nothing fetched.
    let (again, asked) = leaf_run(&a, &mut m, &a.leaf, &|_| Err("network"));
    assert_eq!(again.verdict.unwrap().status, Status::Pinned);
    assert!(asked.is_empty(), "{asked:?}");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_poisoned_ca_is_never_kept_and_never_stands_in_for_the_fetch() {
    let a = aia();
    let mut m = Memory::default();
    // An interceptor's CA with the genuine issuing CA's name, served for a rogue leaf: the chain
    // it completes is a mismatch, so it is not kept.
    let rogue_root = Ca::new(41, "Rogue Root");
    let impostor = Ca::new(42, "Judge Issuing CA");
    let impostor_cert = intermediate(&impostor, &rogue_root, None);
    let rogue_leaf = leaf(
        43,
        "mail.example.test",
        &impostor,
        Some("http://aia.example/issuer.der"),
    );
    let (rogue, _) = leaf_run(&a, &mut m, &rogue_leaf, &|_| Ok(impostor_cert.clone()));
    assert_eq!(rogue.decision.act, Act::Stop);
    assert!(!rogue.kept_changed);
    assert!(
        m.take_kept().is_none(),
        "nothing from a chain that did not end pinned"
    );
    // The genuine visit a minute later still completes (its fetch is its own).
    let later = Memory::new(Vec::new());
    let mut later = later;
    let issuer = a.issuer_cert.clone();
    let (genuine, asked) = leaf_run(&a, &mut later, &a.leaf, &|_| Ok(issuer.clone()));
    assert_eq!(genuine.verdict.unwrap().status, Status::Pinned);
    assert_eq!(asked.len(), 1);
    let _ = a.root_ca;
}

#[wasm_bindgen_test(unsupported = test)]
fn an_aia_server_that_fails_stops_an_enforced_host() {
    let a = aia();
    for code in failure::codes(FailureSource::Issuer) {
        let mut m = Memory::default();
        let (done, asked) = leaf_run(&a, &mut m, &a.leaf, &|_| Err(code));
        assert_eq!(asked.len(), 1, "{code}");
        assert_eq!(
            done.decision.stop_reason,
            Some(StopReason::CouldNotBeChecked),
            "{code}"
        );
    }
    // A body that is not a certificate is the same.
    let mut m = Memory::default();
    let (done, _) = leaf_run(&a, &mut m, &a.leaf, &|_| Ok(b"<html>".to_vec()));
    assert_eq!(done.decision.act, Act::Stop);
    assert_eq!(done.failures[0].code, "not-a-certificate");
}

#[wasm_bindgen_test(unsupported = test)]
fn the_failure_table_has_a_row_for_every_code_of_every_source() {
    let table = failure::table();
    let mut expected = 0;
    for source in FailureSource::ALL {
        for code in failure::codes(*source) {
            expected += 1;
            let row = table
                .iter()
                .find(|r| r.source == *source && r.code == *code)
                .unwrap_or_else(|| panic!("no row for {source}/{code}"));
            assert_eq!(row.meaning, failure::meaning(*source, code));
        }
    }
    assert_eq!(table.len(), expected);
    // Unknown codes are never a pass.
    for source in FailureSource::ALL {
        let m = failure::meaning(*source, "never-heard-of-it");
        assert_ne!(m, Meaning::BrowserLimit, "{source}");
        assert_ne!(m, Meaning::OwnFault, "{source}");
    }
    assert_eq!(
        failure::meaning(FailureSource::Companion, "busy"),
        Meaning::AttackerInducible
    );
    assert_eq!(
        failure::meaning(FailureSource::Capture, "empty"),
        Meaning::AttackerInducible
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn a_page_already_let_through_is_judged_from_its_one_description() {
    // A root added to this computer on a host nothing pins: not a quiet pass, but the page was
    // released, so the digests Firefox gave with it are all there is (DER cannot be asked again).
    let (f, e) = pinning_legit("enforce");
    let mut m = Memory::default();
    let released = Start {
        held: false,
        ..start("elsewhere.test", "main_frame")
    };
    let mut judge = Judge::new(&e, &mut m, released);
    let capture = Capture {
        built_in_root: Some(false),
        ..firefox_capture(&f.legit_chain)
    };
    let step = judge.feed_chain(&e, &mut m, capture, Vec::new()).unwrap();
    assert_eq!(need(step), NeedKind::Override, "not the DER again");
    let done = outcome(judge.feed_override(&e, &mut m, false, None).unwrap()).clone();
    assert_eq!(done.verdict.as_ref().unwrap().status, Status::LocalRoot);
    assert_eq!(done.judged_from, JudgedFrom::Digests);
}

/// A sub-resource of a pinned host in the companion tier (no chain from the browser): its first
/// step after the capture, at `now` ms.
fn subresource_step(e: &Engine, m: &mut Memory, host: &str, now: i64) -> (Judge, Step) {
    let start = Start {
        now,
        held: false,
        ..leaf_tier_start(host, "xmlhttprequest", CompanionScope::Pinned)
    };
    let mut judge = Judge::new(e, m, start);
    let capture = Capture {
        failure: Some("not-delivered".into()),
        ..leaf_capture()
    };
    let step = judge.feed_chain(e, m, capture, Vec::new()).unwrap().clone();
    (judge, step)
}

#[wasm_bindgen_test(unsupported = test)]
fn an_enforced_hosts_sub_resources_are_looked_at_afresh_at_a_bounded_rate() {
    use pinwatch_core::judge::SUBRESOURCE_LOOK_MS;
    let (f, e) = pinning_legit("enforce");
    let mut m = Memory::default();
    let host = "mail.example.test";
    let (mut first, step) = subresource_step(&e, &mut m, host, NOW_MS);
    assert_eq!(
        need(&step),
        NeedKind::Companion,
        "the first sub-resource is looked at"
    );
    assert_eq!(step.fresh, Some(true), "never vouched for by a kept look");
    // The rest of the page's sub-resources within the interval are not: one connection each
    // would be the companion's flood.
    let (_, soon) = subresource_step(&e, &mut m, host, NOW_MS + SUBRESOURCE_LOOK_MS - 1);
    assert!(
        soon.need.is_none(),
        "not looked at again within the interval"
    );
    assert_eq!(outcome(&soon).decision.act, Act::Pass);
    // The look of the first shows the reconnect to a rogue chain: the response is stopped.
    let rogue = CompanionAnswer {
        chain: f.rogue_chain.iter().map(|d| b64(d)).collect(),
        ..CompanionAnswer::default()
    };
    let mut step = first.feed_companion(&e, &mut m, rogue).unwrap().clone();
    while let Some(n) = step.need {
        step = match n {
            NeedKind::Issuer => first.feed_issuer(&e, &mut m, None, Some("network")),
            NeedKind::Override => first.feed_override(&e, &mut m, false, None),
            other => panic!("unexpected {other:?}"),
        }
        .unwrap()
        .clone();
    }
    assert_eq!(outcome(&step).decision.act, Act::Stop);
    // After the interval, the next one is looked at again; another host has its own interval.
    let (_, later) = subresource_step(&e, &mut m, host, NOW_MS + SUBRESOURCE_LOOK_MS);
    assert_eq!(need(&later), NeedKind::Companion);
    // A failed look stops it too (anything but a readable chain, on an enforced host).
    let (mut failing, _) = subresource_step(&e, &mut m, host, NOW_MS + 3 * SUBRESOURCE_LOOK_MS);
    let busy = CompanionAnswer {
        failure: Some("busy".into()),
        ..CompanionAnswer::default()
    };
    let done = failing.feed_companion(&e, &mut m, busy).unwrap().clone();
    assert_eq!(
        outcome(&done).decision.stop_reason,
        Some(StopReason::CouldNotBeChecked)
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn warn_mode_hosts_sub_resources_are_not_looked_at() {
    let (_, e) = pinning_legit("warn");
    let mut m = Memory::default();
    let (_, step) = subresource_step(&e, &mut m, "mail.example.test", NOW_MS);
    assert!(
        step.need.is_none(),
        "only an enforced host's sub-resources cost a look"
    );
}
