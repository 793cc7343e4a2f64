//! Which responses the judge takes before anything is read (judge/plan.rs and the start of
//! judge/mod.rs): a page held until judged, let go and read after, or let go unread; a response
//! that a holding listener also receives is left to it. These rules were the extension's until
//! they moved here; each case names what could make an unpinned page matter. Native and WASM.

mod common;

use common::*;
use pinwatch_core::judge::decision::Act;
use pinwatch_core::judge::engine::{Engine, Settings};
use pinwatch_core::judge::local_root::{LocalRootMode, LocalRootSettings};
use pinwatch_core::judge::memory::Memory;
use pinwatch_core::judge::plan::{Browser, PagePlan};
use pinwatch_core::judge::{CompanionScope, Judge, JudgedFrom, NeedKind, Start};
use wasm_bindgen_test::wasm_bindgen_test;

const FIREFOX: Browser = Browser {
    roots_known: true,
    companion: CompanionScope::Off,
};
const CHROMIUM: Browser = Browser {
    roots_known: false,
    companion: CompanionScope::Off,
};

fn pins() -> Vec<String> {
    let f = Fixtures::embedded();
    vec![pin_of_spki(&f.legit_issuer_spki)]
}

fn engine_with(blocked_spki: &[String], settings: &Settings) -> Engine {
    engine(
        &payload(&pins(), &[], &[], "enforce", blocked_spki, &[]),
        settings,
    )
}

fn local_roots(mode: LocalRootMode) -> Settings {
    Settings {
        local_roots: LocalRootSettings {
            policy_local_root_mode: Some(mode),
            ..LocalRootSettings::default()
        },
        ..Settings::default()
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn a_pinned_hosts_page_is_always_held() {
    let e = engine_with(&[], &Settings::default());
    for browser in [FIREFOX, CHROMIUM] {
        assert_eq!(
            e.page_plan(Some("www.mail.example.test"), browser),
            PagePlan::Hold
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn an_unpinned_page_nothing_could_come_of_is_let_go_unread() {
    let e = engine_with(&[], &Settings::default());
    assert_eq!(
        e.page_plan(Some("news.example.org"), CHROMIUM),
        PagePlan::ReleaseUnread
    );
    assert_eq!(e.page_plan(None, CHROMIUM), PagePlan::ReleaseUnread);
    // The companion looking at pinned hosts only changes nothing for the others.
    let pinned_only = Browser {
        companion: CompanionScope::Pinned,
        ..CHROMIUM
    };
    assert_eq!(e.page_plan(None, pinned_only), PagePlan::ReleaseUnread);
}

#[wasm_bindgen_test(unsupported = test)]
fn where_the_browser_names_its_roots_an_unpinned_page_is_read_after_it_goes() {
    // An added root gets a notice or a warning (never a stop): worth reading, not holding.
    for mode in [LocalRootMode::Notice, LocalRootMode::Warn] {
        let e = engine_with(&[], &local_roots(mode));
        assert_eq!(e.page_plan(None, FIREFOX), PagePlan::ReleaseRead, "{mode}");
        assert_eq!(e.page_plan(None, CHROMIUM), PagePlan::ReleaseUnread);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn whatever_could_stop_or_report_an_unpinned_page_holds_every_page() {
    let f = Fixtures::embedded();
    // A block list: a mis-issued certificate is stopped on any host.
    let e = engine_with(&[pin_of_spki(&f.rogue_root_spki)], &Settings::default());
    assert_eq!(e.page_plan(None, CHROMIUM), PagePlan::Hold);
    // Declared inspection proxies: their chains are reported.
    let declared = Settings {
        allowed_interception_spkis: vec![pin_of_spki(&f.rogue_root_spki)],
        ..Settings::default()
    };
    let e = engine_with(&[], &declared);
    assert_eq!(e.page_plan(None, CHROMIUM), PagePlan::Hold);
    // A declared pin that cannot be read declares nothing (the engine lists it as a problem).
    let unreadable = Settings {
        allowed_interception_spkis: vec!["not a pin".into()],
        ..Settings::default()
    };
    let e = engine_with(&[], &unreadable);
    assert_eq!(e.page_plan(None, CHROMIUM), PagePlan::ReleaseUnread);
    // The companion asked about every page.
    let e = engine_with(&[], &Settings::default());
    let every_page = Browser {
        companion: CompanionScope::All,
        ..CHROMIUM
    };
    assert_eq!(e.page_plan(None, every_page), PagePlan::Hold);
    // Added roots stopped (managed fleets): only where the browser names its roots.
    let e = engine_with(&[], &local_roots(LocalRootMode::Enforce));
    assert_eq!(e.page_plan(None, FIREFOX), PagePlan::Hold);
    assert_eq!(e.page_plan(None, CHROMIUM), PagePlan::ReleaseUnread);
}

fn start(host: &str, kind: &str, held: bool, held_elsewhere: bool) -> Start {
    serde_json::from_value(serde_json::json!({
        "host": host, "type": kind, "held": held, "heldElsewhere": held_elsewhere,
        "now": NOW * 1000,
    }))
    .unwrap()
}

#[wasm_bindgen_test(unsupported = test)]
fn a_response_a_holding_listener_also_receives_is_left_to_it() {
    let e = engine_with(&[], &Settings::default());
    let mut m = Memory::default();
    for kind in ["main_frame", "sub_frame", "script"] {
        let judge = Judge::new(&e, &mut m, start("mail.example.test", kind, false, true));
        let done = judge.step().outcome().expect("nothing is asked for");
        assert_eq!(
            (done.record, done.decision.act),
            (false, Act::Pass),
            "{kind}"
        );
        assert_eq!(done.judged_from, JudgedFrom::NotRead);
        assert!(done.verdict.is_none());
    }
    // The holding listener itself judges it, and so does one where no other holds it.
    for (held, elsewhere) in [(true, true), (false, false)] {
        let judge = Judge::new(
            &e,
            &mut m,
            start("mail.example.test", "main_frame", held, elsewhere),
        );
        assert_eq!(
            judge.step().need,
            Some(NeedKind::Chain),
            "{held} {elsewhere}"
        );
    }
}
