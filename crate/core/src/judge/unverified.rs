//! What a chain is worth when the browser that handed it over did not verify it itself.
//!
//! The full-chain tiers (Firefox's `getSecurityInfo`, Chromium's debugger) hand over the chain
//! the browser built and verified, so a pin anywhere in it counts. Firefox also hands over
//! chains it did not verify: a single certificate when a leaf itself was added as a trusted
//! root, and an untrusted chain (or none) with the error category after someone chose "Accept
//! the Risk and Continue". Neither is a leaf-only browser's limit: what the connection sent
//! could not be checked, and an enforced host stops ("could not be checked").

use crate::judge::verdict::{Status, Verdict};
use crate::reason::{Reason, ReasonCode};

/// What the browser said of its own verification of the connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BrowserFacts {
    /// The chain came from a tier where the browser builds and verifies it.
    pub built: bool,
    /// How many certificates it handed over.
    pub len: usize,
    /// The browser marked the chain untrusted, or named a certificate error that was
    /// overridden for this connection.
    pub unverified: bool,
}

impl BrowserFacts {
    /// A built chain of one certificate, an untrusted one, or an overridden error.
    pub fn doubtful(self) -> bool {
        self.unverified || (self.built && self.len == 1)
    }
}

/// `v` as what `facts` allow it to be. Only hosts an entry governs change: a stricter verdict
/// (a mismatch, a block) stands; a pin found in a chain the browser did not verify proves
/// nothing, and a leaf-only outcome is no browser limit here: both become unreadable.
pub fn judged(mut v: Verdict, facts: BrowserFacts) -> Verdict {
    if !facts.doubtful() || v.mode.is_none() {
        return v;
    }
    let weakened = match v.status {
        // A pin that matched a single certificate is that certificate's own key: it counts,
        // unless the browser did not verify even that much.
        Status::Pinned => facts.unverified,
        Status::AllowedInterception => facts.unverified,
        Status::Unverifiable => facts.unverified || !v.unreadable,
        _ => false,
    };
    if weakened {
        v.status = Status::Unverifiable;
        v.unreadable = true;
        v.leaf_only = false;
        v.action = None;
        v.matched = None;
        v.set_reason(Reason::new(ReasonCode::BrowserDidNotVerify));
    }
    v
}
