//! Who speaks through a source, and what was wrong with one. Apart from `sources.rs`, which
//! builds engines, so that the engine can name them without importing its own builder.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::problem::{Problem, ProblemCode};

crate::named_enum::named_enum! {
    /// Who speaks through a source; decides what its entries may do (see [`SourceKind::may_replace`]).
    #[derive(Default)]
    pub enum SourceKind {
        /// The list shipped inside the package.
        #[default]
        Bundled = "bundled",
        /// An update channel that policy configured.
        Channel = "channel",
        /// An update channel that the user configured.
        UserChannel = "user-channel",
        /// The user's extra entries.
        User = "user",
        /// Policy's extra entries.
        Policy = "policy",
    }
}

impl SourceKind {
    /// The user adds, never weakens: a user's source may pin hosts no other source governs, but
    /// never replaces an entry of the bundled list, a channel policy set, or policy itself.
    /// Policy replaces anything; lists replace each other in precedence order.
    pub fn may_replace(self, existing: SourceKind) -> bool {
        match self {
            SourceKind::Policy => true,
            SourceKind::Bundled | SourceKind::Channel => existing != SourceKind::Policy,
            SourceKind::UserChannel | SourceKind::User => {
                matches!(existing, SourceKind::UserChannel | SourceKind::User)
            }
        }
    }
}

/// What was wrong with one source, or with one entry or setting of it; the rest is still used.
/// `code` and `params` are for the reader's language (the options page); `error` says the same
/// in English (the CLI).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceProblem {
    pub origin: String,
    pub code: ProblemCode,
    pub params: BTreeMap<&'static str, String>,
    pub error: String,
}

impl SourceProblem {
    pub fn new(origin: &str, problem: Problem) -> SourceProblem {
        SourceProblem {
            origin: origin.to_string(),
            code: problem.code,
            error: problem.english(),
            params: problem.params,
        }
    }
}
