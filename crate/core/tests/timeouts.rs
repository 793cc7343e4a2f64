//! Time-outs keep what was known (judge/standing.rs, decision.rs): a check that runs out of time
//! stops an enforced host, and on a host where any verdict would warn or report it is warned and
//! reported, never only the error badge; and the table kept for the next wake gives every host
//! the exposure the engine gives it. Native and WASM.

mod common;

use common::*;
use pinwatch_core::judge::decision::{decide, Act, Failure, Situation, StopReason};
use pinwatch_core::judge::engine::{Engine, Settings};
use pinwatch_core::judge::local_root::{LocalRootMode, LocalRootSettings};
use pinwatch_core::judge::memory::Memory;
use pinwatch_core::judge::standing::{exposure, standing, Exposure, Standing};
use pinwatch_core::judge::{Judge, NeedKind, Outcome, Start};
use pinwatch_core::list::Mode;
use wasm_bindgen_test::wasm_bindgen_test;

fn start(host: &str) -> Start {
    serde_json::from_value(serde_json::json!({
        "host": host, "type": "main_frame", "held": true, "canFetch": true, "now": NOW * 1000,
    }))
    .unwrap()
}

/// One response whose chain is never read in time (a flood, a hung API): `timed-out` fed.
fn timed_out(e: &Engine, host: &str) -> Outcome {
    let mut m = Memory::default();
    let mut judge = Judge::new(e, &mut m, start(host));
    let step = judge.step().clone();
    assert_eq!(step.need, Some(NeedKind::Chain));
    let step = judge.feed_failure(e, &mut m, "timed-out").unwrap().clone();
    *step.outcome.expect("a time-out ends the judge")
}

fn pinning(mode: &str, blocked: &[String]) -> Engine {
    let good = vec![pin_of_spki(&Fixtures::embedded().legit_issuer_spki)];
    engine(
        &payload(&good, &[], &[], mode, blocked, &[]),
        &Settings::default(),
    )
}

#[wasm_bindgen_test(unsupported = test)]
fn a_time_out_on_a_warn_or_report_host_is_warned_and_reported() {
    for mode in ["warn", "report"] {
        let o = timed_out(&pinning(mode, &[]), "mail.example.test");
        let d = o.decision;
        assert_eq!(d.act, Act::Warn, "{mode}: {d:?}");
        assert!(d.report && d.notify && !d.error_badge, "{mode}: {d:?}");
    }
    let o = timed_out(&pinning("enforce", &[]), "mail.example.test");
    assert_eq!(
        (o.decision.act, o.decision.stop_reason),
        (Act::Stop, Some(StopReason::NotCheckedInTime))
    );
    // Where no verdict could warn (no entry, no block list, local roots only noticed), a
    // time-out is Pinwatch's to admit: the error badge, and the page goes on.
    let o = timed_out(&pinning("enforce", &[]), "elsewhere.test");
    assert_eq!(o.decision.act, Act::Pass);
    assert!(o.decision.error_badge && !o.decision.report);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_block_list_or_watched_local_roots_reach_every_host() {
    let blocked = vec![pin_of_spki(&Fixtures::embedded().rogue_root_spki)];
    let o = timed_out(&pinning("enforce", &blocked), "elsewhere.test");
    assert_eq!(
        o.decision.act,
        Act::Warn,
        "a block-listed chain could be anywhere"
    );
    assert!(o.decision.report && o.decision.notify);
    for (mode, warns) in [
        (LocalRootMode::Notice, false),
        (LocalRootMode::Warn, true),
        (LocalRootMode::Enforce, true),
    ] {
        let settings = Settings {
            local_roots: LocalRootSettings {
                policy_local_root_mode: Some(mode),
                ..LocalRootSettings::default()
            },
            ..Settings::default()
        };
        let good = vec![pin_of_spki(&Fixtures::embedded().legit_issuer_spki)];
        let e = engine(&payload(&good, &[], &[], "enforce", &[], &[]), &settings);
        assert_eq!(exposure(&e, "elsewhere.test").may_warn, warns, "{mode:?}");
        let o = timed_out(&e, "elsewhere.test");
        assert_eq!(
            o.decision.act == Act::Warn,
            warns,
            "{mode:?}: {:?}",
            o.decision
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn the_decision_table_for_time_outs() {
    let at = |mode: Option<Mode>, may_warn: bool| {
        decide(&Situation {
            mode,
            may_warn,
            failure: Some(Failure::TimedOut),
            allow_override: true,
            ..Situation::default()
        })
    };
    assert_eq!(at(Some(Mode::Enforce), false).act, Act::Stop);
    assert_eq!(at(Some(Mode::Enforce), true).act, Act::Stop);
    assert_eq!(at(Some(Mode::Warn), true).act, Act::Warn);
    assert_eq!(at(None, true).act, Act::Warn);
    let quiet = at(None, false);
    assert_eq!(quiet.act, Act::Pass);
    assert!(quiet.error_badge);
    // Pinwatch's own error stays the error badge, whatever could warn there.
    let own = decide(&Situation {
        mode: Some(Mode::Warn),
        may_warn: true,
        failure: Some(Failure::OwnError),
        ..Situation::default()
    });
    assert_eq!(own.act, Act::Pass);
}

/// A table's answer for `host`, read as its documentation says the extension reads it.
fn look_up(t: &Standing, host: &str) -> Exposure {
    if let Some(x) = t.exact(host) {
        return x;
    }
    let mut rest = host;
    while let Some(dot) = rest.find('.') {
        rest = &rest[dot + 1..];
        if let Some(x) = t.below(rest) {
            return x;
        }
    }
    t.elsewhere
}

/// Entries whose modes meet at every level: exact entries inside subdomain entries, bad pins
/// (which count on every host) at a parent and at a child, a level with an exact entry only.
fn layered(settings: &Settings) -> Engine {
    let pin = pin_of_spki(&Fixtures::embedded().legit_issuer_spki);
    let bad = pin_of_spki(&Fixtures::embedded().rogue_root_spki);
    let inputs = vec![
        bundled_source(&pin),
        extra_source(
            "policy",
            serde_json::json!([
                {"host": "corp.test", "includeSubdomains": true, "pins": [pin], "mode": "report"},
                {"host": "a.corp.test", "pins": [pin], "mode": "enforce"},
                {"host": "b.corp.test", "includeSubdomains": true, "pins": [pin], "mode": "warn"},
                {"host": "deep.b.corp.test", "badPins": [bad], "mode": "enforce", "includeSubdomains": true},
                {"host": "site.test", "pins": [pin], "mode": "enforce"},
                {"host": "x.mail.example.test", "badPins": [bad], "mode": "warn"},
                {"host": "192.0.2.7", "pins": [pin], "mode": "warn"}
            ]),
        ),
        // Bad pins from another source at a host an exact entry names: they reach below it.
        extra_source(
            "user",
            serde_json::json!([
                {"host": "site.test", "badPins": [bad], "mode": "report", "includeSubdomains": true}
            ]),
        ),
    ];
    let (e, problems) = Engine::from_inputs(inputs, settings);
    assert!(problems.is_empty(), "{problems:?}");
    e
}

const HOSTS: &[&str] = &[
    "corp.test",
    "x.corp.test",
    "a.corp.test",
    "x.a.corp.test",
    "b.corp.test",
    "x.b.corp.test",
    "deep.b.corp.test",
    "y.deep.b.corp.test",
    "z.y.deep.b.corp.test",
    "site.test",
    "w.site.test",
    "mail.example.test",
    "x.mail.example.test",
    "y.x.mail.example.test",
    "exact.example.test",
    "sub.exact.example.test",
    "example.test",
    "192.0.2.7",
    "192.0.2.8",
    "elsewhere.test",
    "test",
];

#[wasm_bindgen_test(unsupported = test)]
fn the_kept_table_gives_every_host_the_engines_exposure() {
    let mut checked = 0;
    for settings in [
        Settings::default(),
        Settings {
            user_mode: Some(Mode::Enforce),
            ..Settings::default()
        },
        Settings {
            local_roots: LocalRootSettings {
                policy_local_root_mode: Some(LocalRootMode::Warn),
                ..LocalRootSettings::default()
            },
            ..Settings::default()
        },
    ] {
        let e = layered(&settings);
        let t = standing(&e);
        for host in HOSTS {
            assert_eq!(look_up(&t, host), exposure(&e, host), "{host}");
            checked += 1;
        }
    }
    assert_eq!(checked, 3 * HOSTS.len());
    // The levels meet as the engine's lookup has them: a parent's subdomain entry governs below
    // an exact entry, and a bad pin at a parent raises the mode beneath it.
    let e = layered(&Settings::default());
    assert_eq!(exposure(&e, "x.a.corp.test").mode, Some(Mode::Report));
    assert_eq!(
        exposure(&e, "z.y.deep.b.corp.test").mode,
        Some(Mode::Enforce)
    );
    assert_eq!(exposure(&e, "w.site.test").mode, Some(Mode::Report));
    assert_eq!(exposure(&e, "site.test").mode, Some(Mode::Enforce));
}
