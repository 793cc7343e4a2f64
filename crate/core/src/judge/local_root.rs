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
use crate::list::json_tree::Json;
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

/// At most this many added roots are kept for a wake: a computer with more is already named by
/// the first ones, and a broken companion cannot grow every verdict without bound.
pub const MAX_ADDED_ROOTS: usize = 32;
/// A list longer than this is not read at all: no store holds so many added roots.
pub const MAX_ADDED_ROWS: usize = 4096;
/// A subject is kept to this many characters (it is shown and reported, and its maker chose it).
const MAX_SUBJECT_CHARS: usize = 300;
const MAX_STORE_CHARS: usize = 40;

/// A root the companion named in `hello` (`localRoots`, docs/companion.md) that counts: neither
/// declared by policy nor marked as known by the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddedRoot {
    /// Its SPKI pin (base64 SHA-256).
    pub pin: String,
    /// Its subject, as the companion read it (at most 300 characters).
    pub subject: String,
    /// The store it was found in (`nss`, …).
    pub store: String,
}

/// A row of the companion's list that was left out, and why (`code`: `not-an-object`,
/// `no-pin`, `pin-unreadable`, `unread-by-companion`, `past-the-cap`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AddedRowProblem {
    /// 0-based position in the list.
    pub row: usize,
    pub code: &'static str,
}

/// What `Engine::added_roots` made of the companion's list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AddedRoots {
    /// The roots that count, in the companion's order, each pin once.
    pub roots: Vec<AddedRoot>,
    /// Named roots that policy declared or the user marked as known.
    pub declared: usize,
    /// Rows left out (at most 8 named; `left_out` counts them all).
    pub problems: Vec<AddedRowProblem>,
    pub left_out: usize,
}

/// A list that cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddedRootsError {
    NotAList,
    TooLong(usize),
}

impl std::fmt::Display for AddedRootsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AddedRootsError::NotAList => write!(f, "localRoots is not a list"),
            AddedRootsError::TooLong(n) => write!(
                f,
                "localRoots names {n} roots, more than the {MAX_ADDED_ROWS} a store can hold: not read"
            ),
        }
    }
}

impl std::error::Error for AddedRootsError {}

/// One row of the companion's `localRoots`, as the caller read it: only what the core looks at.
/// The extension reads rows from the objects it got (the per-wake module has no JSON reader);
/// [`AddedRow::list_from_json`] reads them from JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddedRow {
    /// Whether the row is an object; a row that is not has nothing else.
    pub object: bool,
    /// `spkiSha256`, when it is a string.
    pub spki_sha256: Option<String>,
    /// Whether the row has an `error` (whatever it holds): the companion could not read that root.
    pub error: bool,
    /// `subject` and `store`, when they are strings.
    pub subject: Option<String>,
    pub store: Option<String>,
}

impl AddedRow {
    /// The rows of a JSON `localRoots`; [`AddedRootsError::NotAList`] when it is not an array.
    pub fn list_from_json(rows: &Json) -> Result<Vec<AddedRow>, AddedRootsError> {
        let rows = rows.as_array().ok_or(AddedRootsError::NotAList)?;
        let text = |row: &Json, key| row.get(key).and_then(|s| s.as_str()).map(String::from);
        Ok(rows
            .iter()
            .map(|row| match row.as_object() {
                None => AddedRow::default(),
                Some(_) => AddedRow {
                    object: true,
                    spki_sha256: text(row, "spkiSha256"),
                    error: row.get("error").is_some(),
                    subject: text(row, "subject"),
                    store: text(row, "store"),
                },
            })
            .collect())
    }
}

fn clipped(text: Option<&str>, max: usize) -> String {
    text.unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(max)
        .collect()
}

impl Engine {
    /// Whether a root added to this computer counts: not declared by policy
    /// (`allowedInterceptionSpkis`/`Roots`) and not marked as known by the user.
    fn counts_as_added(&self, pin: &Pin) -> bool {
        !self.declares_root(pin) && !self.known_roots.contains(pin)
    }

    /// The roots of the companion's `hello` (`localRoots`) that count (`counts_as_added`), at
    /// most [`MAX_ADDED_ROOTS`]. A row that cannot be read is left out and named; a list longer
    /// than [`MAX_ADDED_ROWS`] is an error (one that is not a list is its reader's:
    /// [`AddedRow::list_from_json`], or the binding's for the extension's objects).
    pub fn added_roots(&self, rows: &[AddedRow]) -> Result<AddedRoots, AddedRootsError> {
        if rows.len() > MAX_ADDED_ROWS {
            return Err(AddedRootsError::TooLong(rows.len()));
        }
        let mut out = AddedRoots::default();
        fn left_out(out: &mut AddedRoots, row: usize, code: &'static str) {
            out.left_out += 1;
            if out.problems.len() < 8 {
                out.problems.push(AddedRowProblem { row, code });
            }
        }
        for (i, row) in rows.iter().enumerate() {
            if !row.object {
                left_out(&mut out, i, "not-an-object");
                continue;
            }
            let pin = match row.spki_sha256.as_deref() {
                None if row.error => {
                    left_out(&mut out, i, "unread-by-companion");
                    continue;
                }
                None => {
                    left_out(&mut out, i, "no-pin");
                    continue;
                }
                Some(text) => match Pin::from_base64(text) {
                    Ok(pin) => pin,
                    Err(_) => {
                        left_out(&mut out, i, "pin-unreadable");
                        continue;
                    }
                },
            };
            if !self.counts_as_added(&pin) {
                out.declared += 1;
                continue;
            }
            let pin = pin.to_base64();
            if out.roots.iter().any(|r| r.pin == pin) {
                continue;
            }
            if out.roots.len() == MAX_ADDED_ROOTS {
                left_out(&mut out, i, "past-the-cap");
                continue;
            }
            out.roots.push(AddedRoot {
                pin,
                subject: clipped(row.subject.as_deref(), MAX_SUBJECT_CHARS),
                store: clipped(row.store.as_deref(), MAX_STORE_CHARS),
            });
        }
        Ok(out)
    }

    /// `verdict` where this computer carries added roots (`roots`, from [`Engine::added_roots`])
    /// that the connection itself may not show: a page of a host no entry covers whose verdict
    /// is `unpinned` or `unverifiable` becomes `local-root`, naming the root its chain ended in,
    /// else the first one. Only a page whose own chain ended in the root takes the mode in force;
    /// the others get at most a warning (`enforce` stops only what was seen). Pinned hosts,
    /// block lists and declared proxies keep their verdicts.
    pub fn with_added_roots(
        &self,
        mut v: Verdict,
        roots: &[AddedRoot],
    ) -> (Verdict, Option<AddedRoot>) {
        let open = matches!(v.status, Status::Unpinned | Status::Unverifiable)
            && v.entry.is_none()
            && v.mode.is_none();
        let counted = roots
            .iter()
            .take(MAX_ADDED_ROOTS)
            .filter(|r| Pin::from_base64(&r.pin).is_ok_and(|p| self.counts_as_added(&p)));
        let last = v.chain_key.split(' ').enumerate().last();
        let mut chosen = None;
        for root in counted {
            if let Some((i, _)) = last.filter(|(_, pin)| *pin == root.pin) {
                chosen = Some((root, Some(i)));
                break;
            }
            if chosen.is_none() {
                chosen = Some((root, None));
            }
        }
        let (true, Some((root, index))) = (open, chosen) else {
            return (v, None);
        };
        let mode = match (self.local_root_mode, index) {
            (LocalRootMode::Enforce, None) => Mode::Report,
            (m, _) => m.as_mode(),
        };
        v.status = Status::LocalRoot;
        v.mode = Some(mode);
        v.action = Some(mode);
        v.unreadable = false;
        // Seen in the chain, or only named by the companion: the reader is told which.
        v.set_reason(Reason::new(if index.is_some() {
            ReasonCode::LocalRoot
        } else {
            ReasonCode::AddedRoot
        }));
        v.matched = Some(Matched {
            kind: MatchKind::LocalRoot,
            pin: root.pin.clone(),
            cert_index: index,
        });
        (v, Some(root.clone()))
    }
}
