//! What is known of a host before any of its responses is judged: whether its check may run out
//! of time quietly. A check runs out of time when the network makes it slow (a flood, a slow
//! server, a wake whose engine is still being built); what the core decides then
//! (`decision::decide` with `Failure::TimedOut`) rests on the host's [`Exposure`] alone.
//!
//! The extension keeps the last build's [`Standing`] where it can read it synchronously at the
//! next wake (docs/design.md#time-outs-keep-what-was-known): a time-out while the engine is
//! still being built is then decided on what the last build knew, not on nothing.

use crate::judge::engine::Engine;
use crate::judge::local_root::LocalRootMode;
use crate::list::Mode;
use serde::Serialize;

/// What a time-out on a host must still do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Exposure {
    /// The mode in force for the host (`Engine::mode_for`); absent where no entry governs it.
    /// `enforce`: a time-out stops ("not checked in time").
    pub mode: Option<Mode>,
    /// Some verdict on this host would warn or report: its entry is in `warn` or `report`
    /// mode, or a block list or `localRootMode` `warn`/`enforce` reaches every host. A
    /// time-out there is warned and reported: slowing a check never turns a notice into silence.
    pub may_warn: bool,
}

/// [`Exposure`] for every host, as a table the extension looks up without the engine: the
/// exposure of each host an entry names (`exact`), of any name under a host whose entries cover
/// subdomains and that no nearer entry governs (`below`), and of every other host (`elsewhere`).
/// A host's exposure is `exact[host]`, else `below[p]` for its nearest parent `p` there, else
/// `elsewhere` (host names as `host::normalize` writes them).
///
/// `exact` and `below` are sorted by host, each host once, and leave as JSON objects; they are
/// lists rather than maps because `pinned_hosts` already gives the hosts sorted, and a map of
/// its own cost the module ~1 KB gzip of tree code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Standing {
    #[serde(serialize_with = "as_object")]
    pub exact: Vec<(String, Exposure)>,
    #[serde(serialize_with = "as_object")]
    pub below: Vec<(String, Exposure)>,
    pub elsewhere: Exposure,
}

fn as_object<S: serde::Serializer>(rows: &[(String, Exposure)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(rows.iter().map(|(host, x)| (host, x)))
}

impl Standing {
    /// `exact[host]`: a binary search, the rows being sorted.
    pub fn exact(&self, host: &str) -> Option<Exposure> {
        find(&self.exact, host)
    }

    /// `below[host]`.
    pub fn below(&self, host: &str) -> Option<Exposure> {
        find(&self.below, host)
    }
}

fn find(rows: &[(String, Exposure)], host: &str) -> Option<Exposure> {
    rows.binary_search_by(|(h, _)| h.as_str().cmp(host))
        .ok()
        .map(|i| rows[i].1)
}

/// Whether a verdict on a host no entry governs may warn or report.
fn warns_everywhere(engine: &Engine) -> bool {
    engine.has_block_list()
        || matches!(
            engine.local_root_mode(),
            LocalRootMode::Warn | LocalRootMode::Enforce
        )
}

fn exposure_of(engine: &Engine, mode: Option<Mode>) -> Exposure {
    Exposure {
        mode,
        may_warn: matches!(mode, Some(Mode::Warn | Mode::Report)) || warns_everywhere(engine),
    }
}

/// The exposure of `host` under `engine`.
pub fn exposure(engine: &Engine, host: &str) -> Exposure {
    exposure_of(engine, engine.mode_for(host))
}

/// The table of every host's exposure under `engine`, for the next wake.
pub fn standing(engine: &Engine) -> Standing {
    let mut exact: Vec<(String, Exposure)> = Vec::new();
    let mut below = Vec::new();
    // Sorted by (host, covers subdomains), without repeats: a host comes at most twice, in a row,
    // and at most once with subdomains.
    for (host, subdomains) in engine.pinned_hosts() {
        if subdomains {
            below.push((host.clone(), exposure_of(engine, engine.mode_below(&host))));
        }
        if exact.last().is_none_or(|(h, _)| *h != host) {
            let x = exposure(engine, &host);
            exact.push((host, x));
        }
    }
    Standing {
        exact,
        below,
        elsewhere: exposure_of(engine, None),
    }
}
