//! The words that cross into the extension: statuses, modes, match kinds, source kinds,
//! list-acceptance codes and verdict reason codes (with their English, `reason.rs`). Each is written once, in its enum's `named_enum!` declaration; the
//! extension gets them as one generated ES module (`extension/shared/vocabulary.js`, written by
//! `extension/tools/vocabulary.mjs` from [`vocabulary`]), and a test fails when the two differ.

use serde::Serialize;

/// Every word list the extension needs, as its generated module exports them.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Vocabulary {
    pub statuses: &'static [&'static str],
    pub modes: &'static [&'static str],
    pub match_kinds: &'static [&'static str],
    pub source_kinds: &'static [&'static str],
    pub rejection_codes: &'static [&'static str],
    pub acts: &'static [&'static str],
    pub stop_reasons: &'static [&'static str],
    pub failures: &'static [&'static str],
    pub cert_origins: &'static [&'static str],
    pub anchor_kinds: &'static [&'static str],
    pub givens: &'static [&'static str],
    pub local_root_modes: &'static [&'static str],
    pub request_kinds: &'static [&'static str],
    pub tiers: &'static [&'static str],
    pub companion_scopes: &'static [&'static str],
    pub page_plans: &'static [&'static str],
    pub needs: &'static [&'static str],
    pub judged_from: &'static [&'static str],
    pub failure_sources: &'static [&'static str],
    pub capture_failures: &'static [&'static str],
    pub companion_failures: &'static [&'static str],
    pub issuer_failures: &'static [&'static str],
    pub override_failures: &'static [&'static str],
    pub signature_failures: &'static [&'static str],
    pub meanings: &'static [&'static str],
    /// Every reason code of a verdict with its English and parameters (reason.rs).
    pub reasons: Vec<crate::reason::ReasonEntry>,
    /// Every problem a source or setting can have, with its English and parameters (problem.rs).
    pub problems: Vec<crate::reason::ReasonEntry>,
}

pub fn vocabulary() -> Vocabulary {
    Vocabulary {
        statuses: crate::judge::verdict::Status::NAMES,
        modes: crate::list::Mode::NAMES,
        match_kinds: crate::judge::verdict::MatchKind::NAMES,
        source_kinds: crate::list::source_kind::SourceKind::NAMES,
        rejection_codes: crate::list::accept::RejectionCode::NAMES,
        acts: crate::judge::decision::Act::NAMES,
        stop_reasons: crate::judge::decision::StopReason::NAMES,
        failures: crate::judge::decision::Failure::NAMES,
        cert_origins: crate::judge::path::CertOrigin::NAMES,
        anchor_kinds: crate::judge::path::AnchorKind::NAMES,
        givens: crate::judge::path::Given::NAMES,
        local_root_modes: crate::judge::local_root::LocalRootMode::NAMES,
        request_kinds: crate::judge::RequestKind::NAMES,
        tiers: crate::judge::Tier::NAMES,
        companion_scopes: crate::judge::CompanionScope::NAMES,
        page_plans: crate::judge::plan::PagePlan::NAMES,
        needs: crate::judge::NeedKind::NAMES,
        judged_from: crate::judge::JudgedFrom::NAMES,
        failure_sources: crate::judge::failure::FailureSource::NAMES,
        capture_failures: crate::judge::failure::CaptureFailure::NAMES,
        companion_failures: crate::judge::failure::CompanionFailure::NAMES,
        issuer_failures: crate::judge::failure::IssuerFailure::NAMES,
        override_failures: crate::judge::failure::OverrideFailure::NAMES,
        signature_failures: crate::judge::failure::SignatureFailure::NAMES,
        meanings: crate::judge::failure::Meaning::NAMES,
        reasons: crate::reason::table(),
        problems: crate::problem::table(),
    }
}

#[cfg(test)]
mod tests {
    use crate::judge::verdict::Status;
    use crate::list::Mode;

    #[test]
    fn names_round_trip_through_serde_and_unknown_names_are_refused() {
        for status in Status::ALL {
            let json = serde_json::to_string(status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        for mode in Mode::ALL {
            let json = serde_json::to_string(mode).unwrap();
            assert_eq!(serde_json::from_str::<Mode>(&json).unwrap(), *mode);
        }
        let err = serde_json::from_str::<Mode>("\"block\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown variant `block`"), "{err}");
        assert!(err.contains("`report`, `warn`, `enforce`"), "{err}");
        assert_eq!(Mode::ALL.len(), Mode::NAMES.len());
    }
}
