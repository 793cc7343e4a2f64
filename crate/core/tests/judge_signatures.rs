//! A judge whose memory asks for signatures (the extension's: its per-response module carries no
//! signature arithmetic, the signature module answers): the same verdicts as a judge that
//! verifies them itself, nothing concluded before the answers, the failure table for a module
//! that does not answer, and one bound on the checks of a response across all its rounds.

mod common;
mod mint;

use common::*;
use mint::{intermediate, leaf, Ca};
use pinwatch_core::judge::decision::{Act, StopReason};
use pinwatch_core::judge::engine::{Engine, Settings};
use pinwatch_core::judge::failure::{self, FailureSource, Meaning};
use pinwatch_core::judge::memory::Memory;
use pinwatch_core::judge::path::{PathLimit, SignatureCheck, MAX_SIGNATURE_CHECKS};
use pinwatch_core::judge::verdict::Status;
use pinwatch_core::judge::{
    Capture, CompanionAnswer, CompanionScope, Judge, JudgeError, NeedKind, Outcome, Start, Step,
};
use pinwatch_core::Cert;
use wasm_bindgen_test::wasm_bindgen_test;

const HOST: &str = "mail.example.test";

fn start(companion: CompanionScope) -> Start {
    let mut s: Start = serde_json::from_value(serde_json::json!({
        "host": HOST, "type": "main_frame", "held": true, "canFetch": true, "now": NOW * 1000,
    }))
    .unwrap();
    s.companion = companion;
    s
}

/// How a response's chain arrives.
enum Given<'a> {
    /// Chromium's leaf tier: the leaf's DER; AIA fetches answered by `fetch`.
    Leaf(&'a [u8], &'a dyn Fn(&str) -> Option<Vec<u8>>),
    /// Chromium without the leaf, the companion's look at the server's chain.
    Companion(&'a [Vec<u8>]),
    /// Firefox: the chain it built, with DER.
    Built(&'a [Vec<u8>]),
}

/// What the signature module answers.
enum Answer {
    /// Verifies every check (what the module does).
    Verify,
    /// Says every check verified (a lie no module tells: for the bound alone).
    AllVerified,
    /// Answers with this failure code instead.
    Fail(&'static str),
}

struct Run {
    outcome: Outcome,
    /// Signatures asked, per round.
    rounds: Vec<usize>,
}

fn run(e: &Engine, m: &mut Memory, given: &Given, answer: &Answer) -> Run {
    let companion = match given {
        Given::Companion(_) => CompanionScope::Pinned,
        _ => CompanionScope::Off,
    };
    let mut judge = Judge::new(e, m, start(companion));
    let mut rounds = Vec::new();
    let mut step: Step = judge.step().clone();
    while let Some(need) = step.need {
        step = match need {
            NeedKind::Chain => match given {
                Given::Leaf(der, _) => judge.feed_chain(e, m, leaf_capture(), vec![der.to_vec()]),
                Given::Companion(_) => {
                    let capture = Capture {
                        failure: Some("not-delivered".into()),
                        ..leaf_capture()
                    };
                    judge.feed_chain(e, m, capture, Vec::new())
                }
                Given::Built(chain) => {
                    let der = if step.der == Some(true) {
                        chain.to_vec()
                    } else {
                        Vec::new()
                    };
                    judge.feed_chain(e, m, firefox_capture(chain), der)
                }
            },
            NeedKind::Companion => {
                let Given::Companion(chain) = given else {
                    panic!("only the companion run asks the companion")
                };
                let answer = CompanionAnswer {
                    chain: chain.iter().map(|d| b64(d)).collect(),
                    ..CompanionAnswer::default()
                };
                judge.feed_companion(e, m, answer)
            }
            NeedKind::Issuer => {
                let url = step.url.clone().unwrap();
                let body = match given {
                    Given::Leaf(_, fetch) => fetch(&url),
                    _ => None,
                };
                match body {
                    Some(body) => judge.feed_issuer(e, m, Some(body), None),
                    None => judge.feed_issuer(e, m, None, Some("network")),
                }
            }
            NeedKind::Override => judge.feed_override(e, m, false, None),
            NeedKind::Signatures => {
                let asked: Vec<SignatureCheck> = judge.asked_signatures().to_vec();
                assert!(!asked.is_empty(), "a signatures step lists what it needs");
                rounds.push(asked.len());
                match answer {
                    Answer::Verify => {
                        let verified: Vec<bool> =
                            asked.iter().map(SignatureCheck::verify).collect();
                        judge.feed_signatures(e, m, &verified)
                    }
                    Answer::AllVerified => judge.feed_signatures(e, m, &vec![true; asked.len()]),
                    Answer::Fail(code) => judge.feed_failure(e, m, code),
                }
            }
        }
        .unwrap()
        .clone();
    }
    Run {
        outcome: *step.outcome.unwrap(),
        rounds,
    }
}

/// root → issuing CA → leaf over AIA; the pin set holds the root's key as an issuer key
/// (`engine`), or the issuing CA's (`issuer_keyed`, for a leaf alone).
struct Aia {
    issuer_cert: Vec<u8>,
    leaf: Vec<u8>,
    alone: Vec<u8>,
    engine: Engine,
    issuer_keyed: Engine,
}

fn aia() -> Aia {
    let root = Ca::new(61, "Asking Root CA");
    let issuer = Ca::new(62, "Asking Issuing CA");
    let good = vec![
        pin_of_spki(&root.spki()),
        pin_of_spki(&Ca::new(63, "Backup").spki()),
    ];
    let pinned = |keys: &[String]| {
        engine(
            &payload(&good, &[], keys, "enforce", &[], &[]),
            &Settings::default(),
        )
    };
    Aia {
        issuer_cert: intermediate(&issuer, &root, None),
        leaf: leaf(64, HOST, &issuer, Some("http://aia.example/issuer.der")),
        alone: leaf(65, HOST, &issuer, None),
        engine: pinned(&[b64(&root.spki())]),
        issuer_keyed: pinned(&[b64(&issuer.spki())]),
    }
}

fn summary(o: &Outcome) -> (Option<Status>, Act, Option<StopReason>) {
    (
        o.verdict.as_ref().map(|v| v.status),
        o.decision.act,
        o.decision.stop_reason,
    )
}

#[wasm_bindgen_test(unsupported = test)]
fn an_asking_judge_reaches_the_verdict_a_verifying_one_does() {
    let (f, e) = pinning_legit("enforce");
    let a = aia();
    let issuer = a.issuer_cert.clone();
    let fetch_issuer = move |_: &str| Some(issuer.clone());
    let fetch_nothing = |_: &str| None;
    // The rogue leaf with the genuine intermediate and root appended: nothing links them.
    let mut spoofed = vec![f.rogue_chain[0].clone()];
    spoofed.extend(f.legit_chain[1..].iter().cloned());
    // A forged leaf carrying the genuine issuing CA's name, completed over AIA.
    let rogue_root = Ca::new(66, "Rogue Root");
    let impostor = Ca::new(67, "Asking Issuing CA");
    let impostor_cert = intermediate(&impostor, &rogue_root, None);
    let fetch_impostor = move |_: &str| Some(impostor_cert.clone());
    let forged = leaf(68, HOST, &impostor, Some("http://aia.example/issuer.der"));
    // (name, engine, chain, verdict, whether signatures are needed at all)
    let cases: Vec<(&str, &Engine, Given, Status, bool)> = vec![
        (
            "companion, genuine",
            &e,
            Given::Companion(&f.legit_chain),
            Status::Pinned,
            true,
        ),
        // The rogue leaf names another issuer: no signature is even tried.
        (
            "companion, spoofed",
            &e,
            Given::Companion(&spoofed),
            Status::Unverifiable,
            false,
        ),
        (
            "leaf over AIA",
            &a.engine,
            Given::Leaf(&a.leaf, &fetch_issuer),
            Status::Pinned,
            true,
        ),
        (
            "leaf, AIA down",
            &a.engine,
            Given::Leaf(&a.leaf, &fetch_nothing),
            Status::Unverifiable,
            true,
        ),
        (
            "forged leaf over AIA",
            &a.engine,
            Given::Leaf(&forged, &fetch_impostor),
            Status::Mismatch,
            true,
        ),
        (
            "built leaf alone, issuer key",
            &a.issuer_keyed,
            Given::Built(std::slice::from_ref(&a.alone)),
            Status::Pinned,
            true,
        ),
        (
            "built leaf alone, forged",
            &a.issuer_keyed,
            Given::Built(std::slice::from_ref(&forged)),
            Status::Mismatch,
            true,
        ),
    ];
    for (name, e, given, expected, needs_signatures) in &cases {
        let verifying = run(e, &mut Memory::default(), given, &Answer::Verify);
        assert!(
            verifying.rounds.is_empty(),
            "{name}: a verifying memory never asks"
        );
        let asking = run(e, &mut Memory::asking(Vec::new()), given, &Answer::Verify);
        assert_eq!(
            !asking.rounds.is_empty(),
            *needs_signatures,
            "{name}: {:?}",
            asking.rounds
        );
        assert_eq!(
            summary(&asking.outcome),
            summary(&verifying.outcome),
            "{name}"
        );
        assert_eq!(
            asking.outcome.verdict.as_ref().map(|v| v.status),
            Some(*expected),
            "{name}"
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn answers_are_kept_so_the_next_response_asks_nothing() {
    let (f, e) = pinning_legit("enforce");
    let mut m = Memory::asking(Vec::new());
    let first = run(
        &e,
        &mut m,
        &Given::Companion(&f.legit_chain),
        &Answer::Verify,
    );
    assert!(!first.rounds.is_empty());
    let again = run(
        &e,
        &mut m,
        &Given::Companion(&f.legit_chain),
        &Answer::Verify,
    );
    assert!(again.rounds.is_empty(), "{:?}", again.rounds);
    assert_eq!(again.outcome.verdict.unwrap().status, Status::Pinned);
}

#[wasm_bindgen_test(unsupported = test)]
fn signatures_not_verified_link_nothing_and_the_table_decides() {
    let (f, e) = pinning_legit("enforce");
    for code in failure::codes(FailureSource::Signatures)
        .iter()
        .chain(&["a-code-from-a-newer-module"])
    {
        let done = run(
            &e,
            &mut Memory::asking(Vec::new()),
            &Given::Companion(&f.legit_chain),
            &Answer::Fail(code),
        )
        .outcome;
        assert_eq!(done.failures.last().unwrap().code, *code);
        match failure::meaning(FailureSource::Signatures, code) {
            // A module of our own that did not load: no verdict, the page goes on, the badge
            // says Pinwatch failed.
            Meaning::OwnFault => {
                assert_eq!(*code, "unavailable");
                assert!(done.verdict.is_none(), "{code}");
                assert_eq!(done.decision.act, Act::Pass, "{code}");
                assert!(done.decision.error_badge, "{code}");
            }
            // The certificates' bytes made it stop or time out: the server's chain stays
            // unlinked, and an enforced host stops.
            Meaning::PathOpen => {
                assert_eq!(done.decision.act, Act::Stop, "{code}");
                assert_eq!(
                    done.decision.stop_reason,
                    Some(StopReason::CouldNotBeChecked),
                    "{code}"
                );
            }
            other => panic!("{code}: {other:?}"),
        }
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn a_pinned_leaf_waits_for_the_signatures_above_it() {
    // The leaf's own key is pinned, and the issuing CA's above it is a bad pin: a verifying
    // judge sees the bad key once its signature links it; an asking one must not pass the
    // leaf before its answers.
    let f = Fixtures::embedded();
    let leaf_pin = pin_of_spki(Cert::from_der(&f.legit_leaf).unwrap().spki_der());
    let bad = pin_of_spki(&f.legit_issuer_spki);
    let e = engine(
        &payload(
            &[leaf_pin, pin_of_spki(&f.legit_root_spki)],
            &[bad],
            &[],
            "enforce",
            &[],
            &[],
        ),
        &Settings::default(),
    );
    let chain = Given::Companion(&f.legit_chain);
    let verifying = run(&e, &mut Memory::default(), &chain, &Answer::Verify);
    let asking = run(&e, &mut Memory::asking(Vec::new()), &chain, &Answer::Verify);
    assert!(!asking.rounds.is_empty());
    assert_eq!(summary(&asking.outcome), summary(&verifying.outcome));
    assert_ne!(asking.outcome.verdict.unwrap().status, Status::Pinned);
    assert_eq!(asking.outcome.decision.act, Act::Stop);
    // A module that does not load is our own failure: no verdict (the pinned leaf alone is
    // not one), the page goes on with the error badge.
    let unavailable = run(
        &e,
        &mut Memory::asking(Vec::new()),
        &chain,
        &Answer::Fail("unavailable"),
    )
    .outcome;
    assert!(unavailable.verdict.is_none());
    assert_eq!(unavailable.decision.act, Act::Pass);
    assert!(unavailable.decision.error_badge);
}

#[wasm_bindgen_test(unsupported = test)]
fn the_answers_must_match_the_checks_asked() {
    let (f, e) = pinning_legit("enforce");
    let mut m = Memory::asking(Vec::new());
    let mut judge = Judge::new(&e, &mut m, start(CompanionScope::Pinned));
    let capture = Capture {
        failure: Some("not-delivered".into()),
        ..leaf_capture()
    };
    judge.feed_chain(&e, &mut m, capture, Vec::new()).unwrap();
    let answer = CompanionAnswer {
        chain: f.legit_chain.iter().map(|d| b64(d)).collect(),
        ..CompanionAnswer::default()
    };
    let step = judge.feed_companion(&e, &mut m, answer).unwrap().clone();
    assert_eq!(step.need, Some(NeedKind::Signatures));
    let asked = judge.asked_signatures().len();
    let wrong = vec![true; asked + 1];
    assert_eq!(
        judge.feed_signatures(&e, &mut m, &wrong).unwrap_err(),
        JudgeError::Answers {
            asked,
            given: asked + 1
        }
    );
    assert_eq!(
        judge.feed_override(&e, &mut m, false, None).unwrap_err(),
        JudgeError::NotAsked("the override")
    );
    // Still waiting for the right answer.
    assert_eq!(judge.step().need, Some(NeedKind::Signatures));
}

#[wasm_bindgen_test(unsupported = test)]
fn a_response_spends_at_most_the_bound_in_all_its_rounds() {
    // A served chain built to need more checks than the bound: 7 CAs named as the leaf's
    // issuer, each named as issued by 8 others, and 10 issuer keys for the open ends. Every
    // answer says "verified", so each round links more and asks again: 7, then 56, then 80
    // would be asked without the bound.
    let f = Fixtures::embedded();
    let keys: Vec<String> = (0..10)
        .map(|i| b64(&Ca::new(200 + i, "Key").spki()))
        .collect();
    let e = engine(
        &payload(
            &[pin_of_spki(&f.legit_root_spki)],
            &[],
            &keys,
            "enforce",
            &[],
            &[],
        ),
        &Settings::default(),
    );
    let tops: Vec<Ca> = (0..8).map(|i| Ca::new(100 + i, "Top")).collect();
    let middles: Vec<Ca> = (0..7).map(|i| Ca::new(130 + i, "Middle")).collect();
    let mut chain = vec![leaf(99, HOST, &middles[0], None)];
    chain.extend(middles.iter().map(|m| intermediate(m, &tops[0], None)));
    chain.extend(
        tops.iter()
            .map(|t| intermediate(t, &Ca::new(160, "Above"), None)),
    );
    assert_eq!(chain.len(), 16);
    let all_true = run(
        &e,
        &mut Memory::asking(Vec::new()),
        &Given::Companion(&chain),
        &Answer::AllVerified,
    );
    let asked: usize = all_true.rounds.iter().sum();
    assert!(all_true.rounds.len() >= 2, "{:?}", all_true.rounds);
    assert_eq!(asked, MAX_SIGNATURE_CHECKS, "{:?}", all_true.rounds);
    let path = all_true.outcome.verdict.unwrap().path.unwrap();
    assert_eq!(path.checks, MAX_SIGNATURE_CHECKS);
    assert_eq!(path.limit, Some(PathLimit::TooManyChecks));
}
