//! What a verdict does: stop, warn, report or pass, whether "proceed anyway" is offered, and
//! what happens when the check itself failed or ran out of time. The one place these rules
//! live; the extension applies the answer and decides nothing (docs/design.md#verdicts).
//!
//! The line drawn throughout: a condition the connection could cause (a slow or flooded check,
//! a chain that cannot be read) never lets a stop on an enforced pinned host pass; a failure of
//! Pinwatch itself that nothing the connection sent could cause passes with the error badge.

use crate::judge::verdict::Status;
use crate::list::Mode;
use serde::{Deserialize, Serialize};

crate::named_enum::named_enum! {
    /// Why no verdict, or only part of one, was reached.
    pub enum Failure {
        /// The check did not finish within the time limit (a flood or a hung API can cause it).
        TimedOut = "timed-out",
        /// Pinwatch itself failed where nothing the connection sent could be the cause (the
        /// engine could not be built, WebAssembly is disabled).
        OwnError = "own-error",
        /// The core trapped (a panic aborts WebAssembly) while judging: the certificate and
        /// list bytes it was judging are the attacker's to choose, so this is no own error on
        /// an enforced host. The instance is replaced before anything else is judged.
        Trapped = "trapped",
    }
}

crate::named_enum::named_enum! {
    /// What the extension does with the response and the tab.
    pub enum Act {
        /// The response is cancelled and the tab shows the warning page.
        Stop = "stop",
        /// The page continues; badge, notification and report.
        Warn = "warn",
        /// The page continues; recorded and reported, nothing shown beyond the badge.
        Report = "report",
        /// The page continues.
        Pass = "pass",
    }
}

crate::named_enum::named_enum! {
    /// The words the warning page leads with when it stops a page.
    pub enum StopReason {
        /// The chain does not carry the pinned keys, or carries a bad one.
        Mismatch = "mismatch",
        /// A known-compromised certificate or key.
        Blocked = "blocked",
        /// The check did not finish in time; a retry is offered.
        NotCheckedInTime = "not-checked-in-time",
        /// A chain was handed over but could not be judged.
        CouldNotBeChecked = "could-not-be-checked",
        /// The chain ends in a root added to this computer that no one declared, and policy
        /// (`localRootMode: "enforce"`) stops such pages.
        LocalRoot = "local-root",
    }
}

/// Everything the decision rests on, as the extension knows it when the check ends.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Situation {
    /// The verdict's status, when a verdict was reached.
    pub status: Option<Status>,
    /// The mode in force for the host (`Verdict::mode`, or `Engine::mode_for` when no verdict
    /// was reached); absent for hosts no entry governs.
    pub mode: Option<Mode>,
    pub failure: Option<Failure>,
    /// The browser handed over a chain (possibly empty or unreadable); false when it offers no
    /// way to read one at all (a browser limit, not something the connection did).
    pub chain_offered: bool,
    /// The chain handed over could not be read (`Verdict::unreadable`). An unverifiable verdict
    /// without it is a browser limit (a leaf alone and no issuer key to check it), which passes.
    pub unreadable: bool,
    /// The user chose "proceed anyway" for this very chain (same pins) in this tab.
    pub overridden: bool,
    /// Policy lets users proceed past a mismatch.
    pub allow_override: bool,
    /// Some verdict on the host would warn or report (`standing::Exposure::may_warn`): a
    /// time-out there is warned and reported, never only the error badge.
    pub may_warn: bool,
}

/// What to do, and what to offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub act: Act,
    /// Set when `act` is `stop`.
    pub stop_reason: Option<StopReason>,
    /// The warning page offers "proceed anyway".
    pub offer_proceed: bool,
    /// The warning page offers "try again".
    pub offer_retry: bool,
    /// A violation report goes to the organisation's endpoint.
    pub report: bool,
    /// A notification is shown (at most once per tab and host; the extension keeps count).
    pub notify: bool,
    /// The badge shows Pinwatch's own error.
    pub error_badge: bool,
}

impl Decision {
    fn new(act: Act) -> Decision {
        Decision {
            act,
            stop_reason: None,
            offer_proceed: false,
            offer_retry: false,
            report: false,
            notify: false,
            error_badge: false,
        }
    }

    /// The page goes on, and nothing is stored, shown or reported beyond the record.
    pub fn pass() -> Decision {
        Decision::new(Act::Pass)
    }

    fn stop(reason: StopReason) -> Decision {
        Decision {
            stop_reason: Some(reason),
            report: matches!(
                reason,
                StopReason::Mismatch | StopReason::Blocked | StopReason::LocalRoot
            ),
            ..Decision::new(Act::Stop)
        }
    }
}

/// The one decision. See the module comment for the line it draws.
pub fn decide(s: &Situation) -> Decision {
    let enforced = s.mode == Some(Mode::Enforce);
    // A stop already reached is never released, whatever failed after it.
    if s.status == Some(Status::Blocked) {
        return Decision::stop(StopReason::Blocked);
    }
    if let Some(failure) = s.failure {
        let stopped = matches!(s.status, Some(Status::Mismatch | Status::LocalRoot))
            && enforced
            && !(s.overridden && s.allow_override);
        if stopped {
            return decide(&Situation {
                failure: None,
                ..s.clone()
            });
        }
        return match failure {
            Failure::TimedOut if enforced => Decision {
                offer_retry: true,
                ..Decision::stop(StopReason::NotCheckedInTime)
            },
            // Whatever the verdict would have been, it is not silence: a flood or a slow
            // server must not turn a warning, a report or a block into the error badge alone.
            Failure::TimedOut if s.may_warn => Decision {
                report: true,
                notify: true,
                ..Decision::new(Act::Warn)
            },
            Failure::Trapped if enforced => Decision {
                offer_retry: true,
                ..Decision::stop(StopReason::CouldNotBeChecked)
            },
            _ => Decision {
                error_badge: true,
                ..Decision::new(Act::Pass)
            },
        };
    }
    match s.status {
        Some(Status::Mismatch) => mismatch(s),
        Some(Status::LocalRoot) => local_root(s),
        Some(Status::StaleMismatch) => Decision {
            report: true,
            notify: true,
            ..Decision::new(Act::Warn)
        },
        Some(Status::AllowedInterception) => Decision {
            report: true,
            ..Decision::new(Act::Report)
        },
        Some(Status::Unverifiable) if s.chain_offered && s.unreadable && enforced => Decision {
            offer_retry: true,
            ..Decision::stop(StopReason::CouldNotBeChecked)
        },
        // No verdict and no failure named: nothing was checked, so nothing is claimed.
        None => Decision {
            error_badge: true,
            ..Decision::new(Act::Pass)
        },
        _ => Decision::new(Act::Pass),
    }
}

fn mismatch(s: &Situation) -> Decision {
    by_mode(s, StopReason::Mismatch, false)
}

/// A local root: its mode is `localRootMode` (`LocalRootMode::as_mode`). In `notice` mode
/// (`report`) it is also noticed; the extension sends one report and shows one notification per
/// root per day there, where the badge and the popup line say the rest.
fn local_root(s: &Situation) -> Decision {
    by_mode(s, StopReason::LocalRoot, true)
}

/// What a verdict that its mode decides does: `enforce` stops (proceeding past this very chain
/// is reported instead, where policy allows it), `warn` notifies, `report` reports, and notifies
/// too when `noticed_in_report`. A verdict without a mode (cannot happen) is reported.
fn by_mode(s: &Situation, reason: StopReason, noticed_in_report: bool) -> Decision {
    match s.mode {
        Some(Mode::Enforce) if s.overridden && s.allow_override => Decision {
            report: true,
            ..Decision::new(Act::Report)
        },
        Some(Mode::Enforce) => Decision {
            offer_proceed: s.allow_override,
            ..Decision::stop(reason)
        },
        Some(Mode::Warn) => Decision {
            report: true,
            notify: true,
            ..Decision::new(Act::Warn)
        },
        _ => Decision {
            report: true,
            notify: noticed_in_report,
            ..Decision::new(Act::Report)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn situation(status: Option<Status>, mode: Option<Mode>) -> Situation {
        Situation {
            status,
            mode,
            chain_offered: true,
            allow_override: true,
            ..Situation::default()
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn an_enforced_mismatch_stops_and_offers_proceed_only_where_policy_allows() {
        let mut s = situation(Some(Status::Mismatch), Some(Mode::Enforce));
        let d = decide(&s);
        assert_eq!(
            (d.act, d.stop_reason),
            (Act::Stop, Some(StopReason::Mismatch))
        );
        assert!(d.offer_proceed && d.report);
        s.allow_override = false;
        assert!(!decide(&s).offer_proceed);
        s.overridden = true;
        assert_eq!(
            decide(&s).act,
            Act::Stop,
            "an override policy forbids counts for nothing"
        );
        s.allow_override = true;
        let d = decide(&s);
        assert_eq!(
            d.act,
            Act::Report,
            "proceeded past this very chain: reported, not stopped"
        );
        assert!(d.report);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn warn_and_report_modes_never_stop() {
        let d = decide(&situation(Some(Status::Mismatch), Some(Mode::Warn)));
        assert_eq!(d.act, Act::Warn);
        assert!(d.notify && d.report);
        let d = decide(&situation(Some(Status::Mismatch), Some(Mode::Report)));
        assert_eq!(d.act, Act::Report);
        assert!(d.report && !d.notify);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn blocked_stops_everywhere_even_after_a_failure_and_is_never_proceeded_past() {
        for failure in [None, Some(Failure::TimedOut), Some(Failure::OwnError)] {
            let s = Situation {
                failure,
                overridden: true,
                ..situation(Some(Status::Blocked), None)
            };
            let d = decide(&s);
            assert_eq!(
                (d.act, d.stop_reason),
                (Act::Stop, Some(StopReason::Blocked))
            );
            assert!(!d.offer_proceed);
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_time_limit_never_releases_a_stop_already_reached() {
        let s = Situation {
            failure: Some(Failure::TimedOut),
            ..situation(Some(Status::Mismatch), Some(Mode::Enforce))
        };
        assert_eq!(decide(&s).stop_reason, Some(StopReason::Mismatch));
        let s = Situation {
            failure: Some(Failure::OwnError),
            ..situation(Some(Status::Mismatch), Some(Mode::Enforce))
        };
        assert_eq!(
            decide(&s).act,
            Act::Stop,
            "a stop reached before our error stays a stop"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn running_out_of_time_stops_an_enforced_pinned_host_and_passes_elsewhere() {
        let timed_out = |mode| Situation {
            failure: Some(Failure::TimedOut),
            ..situation(None, mode)
        };
        let d = decide(&timed_out(Some(Mode::Enforce)));
        assert_eq!(
            (d.act, d.stop_reason),
            (Act::Stop, Some(StopReason::NotCheckedInTime))
        );
        assert!(d.offer_retry && !d.offer_proceed);
        for mode in [None, Some(Mode::Warn), Some(Mode::Report)] {
            let d = decide(&timed_out(mode));
            assert_eq!(d.act, Act::Pass, "{mode:?}");
            assert!(d.error_badge);
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn our_own_failure_passes_with_the_error_badge_even_when_enforced() {
        let s = Situation {
            failure: Some(Failure::OwnError),
            ..situation(None, Some(Mode::Enforce))
        };
        let d = decide(&s);
        assert_eq!(d.act, Act::Pass);
        assert!(d.error_badge);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_chain_handed_over_but_unreadable_stops_an_enforced_pinned_host() {
        let unreadable = Situation {
            unreadable: true,
            ..situation(Some(Status::Unverifiable), Some(Mode::Enforce))
        };
        let d = decide(&unreadable);
        assert_eq!(
            (d.act, d.stop_reason),
            (Act::Stop, Some(StopReason::CouldNotBeChecked))
        );
        assert!(d.offer_retry && !d.offer_proceed);
        // A browser limit (nothing offered) is not the connection's doing: it passes.
        let s = Situation {
            chain_offered: false,
            ..situation(Some(Status::Unverifiable), Some(Mode::Enforce))
        };
        assert_eq!(decide(&s).act, Act::Pass);
        for mode in [None, Some(Mode::Warn), Some(Mode::Report)] {
            assert_eq!(
                decide(&situation(Some(Status::Unverifiable), mode)).act,
                Act::Pass
            );
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_mismatch_under_a_stale_list_warns_and_reports_but_never_stops() {
        for mode in [Some(Mode::Enforce), Some(Mode::Warn), Some(Mode::Report)] {
            let d = decide(&situation(Some(Status::StaleMismatch), mode));
            assert_eq!(d.act, Act::Warn);
            assert!(d.report && d.notify);
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_local_root_is_noticed_warned_or_stopped_as_its_mode_says() {
        let notice = decide(&situation(Some(Status::LocalRoot), Some(Mode::Report)));
        assert_eq!(notice.act, Act::Report);
        assert!(
            notice.report && notice.notify,
            "notice: reported and noticed"
        );
        let warn = decide(&situation(Some(Status::LocalRoot), Some(Mode::Warn)));
        assert_eq!(warn.act, Act::Warn);
        let mut s = situation(Some(Status::LocalRoot), Some(Mode::Enforce));
        let d = decide(&s);
        assert_eq!(
            (d.act, d.stop_reason),
            (Act::Stop, Some(StopReason::LocalRoot))
        );
        assert!(d.report && d.offer_proceed);
        s.failure = Some(Failure::OwnError);
        assert_eq!(decide(&s).act, Act::Stop, "a stop reached stays a stop");
        s.failure = None;
        s.overridden = true;
        assert_eq!(decide(&s).act, Act::Report, "proceeded past this chain");
        s.allow_override = false;
        assert_eq!(decide(&s).act, Act::Stop);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn passing_verdicts_pass_and_declared_proxies_are_reported() {
        for status in [Status::Pinned, Status::Unpinned, Status::Stale] {
            let d = decide(&situation(Some(status), Some(Mode::Enforce)));
            assert_eq!(d, Decision::new(Act::Pass), "{status:?}");
        }
        let d = decide(&situation(
            Some(Status::AllowedInterception),
            Some(Mode::Enforce),
        ));
        assert_eq!(d.act, Act::Report);
        assert!(d.report);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn no_verdict_and_no_failure_is_never_ok() {
        let d = decide(&situation(None, Some(Mode::Enforce)));
        assert_eq!(d.act, Act::Pass);
        assert!(d.error_badge);
    }
}
