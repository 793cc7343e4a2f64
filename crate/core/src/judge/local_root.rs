//! Roots added to this computer or browser: what a chain that ends in one means on a host no
//! list governs (docs/design.md#local-roots).
//!
//! Software that decrypts every site (an undeclared inspection proxy, a "security" product's
//! HTTPS scanning, malware) adds its own root to the machine or the browser, and the browser
//! then trusts what it issues everywhere. Only the browser knows whether the root it built a
//! chain to is one it ships (Firefox's `isBuiltInRoot`; in Chromium, the companion's verifier).
//! Pin sets still decide on pinned hosts; here, a chain that the pin list has nothing to say
//! about gets `local-root` unless policy declared the root (`allowed-interception`, decided in
//! `Engine::finish`) or the user marked it as known.

use crate::judge::engine::Engine;
use crate::judge::verdict::{MatchKind, Matched, Status, Verdict};
use crate::list::Mode;
use crate::reason::{Reason, ReasonCode};
use crate::x509::pin::Pin;
use serde::{Deserialize, Serialize};

crate::named_enum::named_enum! {
    /// What a `local-root` verdict does (policy key `localRootMode`).
    pub enum LocalRootMode {
        /// A distinct badge and a popup line on every affected page; one notification per
        /// root per day at most; never a stop.
        Notice = "notice",
        /// A notification on every affected page, as a `warn` entry's mismatch.
        Warn = "warn",
        /// Every page whose chain ends in an undeclared added root is stopped (managed fleets).
        Enforce = "enforce",
    }
}

impl LocalRootMode {
    /// The mode a `local-root` verdict carries, so that `decision::decide` reads it like any
    /// other: `notice` is the quietest (`report`), with a notification the extension limits.
    pub fn as_mode(self) -> Mode {
        match self {
            LocalRootMode::Notice => Mode::Report,
            LocalRootMode::Warn => Mode::Warn,
            LocalRootMode::Enforce => Mode::Enforce,
        }
    }
}

/// What policy and the user say about added roots (part of `engine::Settings`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LocalRootSettings {
    /// Policy's `localRootMode`; when set it is the mode, whatever the user chose.
    pub policy_local_root_mode: Option<LocalRootMode>,
    /// The user's choice, used where policy says nothing.
    pub user_local_root_mode: Option<LocalRootMode>,
    /// SPKI pins (base64) of roots the user marked as known ("my antivirus").
    pub user_known_roots: Vec<String>,
    /// Policy's `allowUserKnownRoots`; `false` removes the user's known roots.
    pub allow_user_known_roots: Option<bool>,
}

impl LocalRootSettings {
    /// The mode in force: policy's, else the user's, else `notice`.
    pub fn mode(&self) -> LocalRootMode {
        self.policy_local_root_mode
            .or(self.user_local_root_mode)
            .unwrap_or(LocalRootMode::Notice)
    }

    /// The user's known roots that count: none when policy took the choice away; pins that
    /// cannot be read are left out (the options page only stores pins it read).
    pub fn known_roots(&self) -> Vec<Pin> {
        if self.allow_user_known_roots == Some(false) {
            return Vec::new();
        }
        self.user_known_roots
            .iter()
            .filter_map(|p| Pin::from_base64(p).ok())
            .collect()
    }
}

impl Engine {
    /// What a `local-root` verdict does under this engine's settings.
    pub fn local_root_mode(&self) -> LocalRootMode {
        self.local_root_mode
    }

    /// `verdict` with what the browser said of the chain's root: `root_built_in` is
    /// `Some(false)` when the root is not one the browser ships. Only an `unpinned` verdict
    /// changes (pin sets, block lists and declared proxies have already spoken): to
    /// `allowed-interception` when the user marked the root as known, else to `local-root`.
    /// The root is the chain's last key (`Verdict::chain_key`), the one the browser built to.
    pub fn with_root(&self, mut v: Verdict, root_built_in: Option<bool>) -> Verdict {
        if v.status != Status::Unpinned || root_built_in != Some(false) {
            return v;
        }
        let Some((index, root)) = v
            .chain_key
            .split(' ')
            .enumerate()
            .last()
            .and_then(|(i, text)| Some((i, Pin::from_base64(text).ok()?)))
        else {
            return v;
        };
        if self.known_roots.contains(&root) {
            v.status = Status::AllowedInterception;
            v.action = Some(Mode::Report);
            v.set_reason(Reason::new(ReasonCode::KnownRoot));
            v.matched = Some(Matched {
                kind: MatchKind::KnownRoot,
                pin: root.to_base64(),
                cert_index: Some(index),
            });
            return v;
        }
        let mode = self.local_root_mode.as_mode();
        v.status = Status::LocalRoot;
        v.mode = Some(mode);
        v.action = Some(mode);
        v.set_reason(Reason::new(ReasonCode::LocalRoot));
        v.matched = Some(Matched {
            kind: MatchKind::LocalRoot,
            pin: root.to_base64(),
            cert_index: Some(index),
        });
        v
    }
}
