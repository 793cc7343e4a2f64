//! Every input the engine is built from (the bundled list, update channels, the user's and
//! policy's extra entries) and the one constructor that turns them into an engine plus the
//! problems found. The WASM layer and the CLI both build engines here.

use crate::host;
use crate::judge::engine::{Engine, ExtraBad, Settings, Source};
use crate::list::json::JsonError;
use crate::list::json_read;
pub use crate::list::source_kind::{SourceKind, SourceProblem};
use crate::list::{ExtraEntry, Mode, PinList};
use crate::problem::{Problem, ProblemCode};
use crate::x509::pin::Pin;

/// One source as a caller hands it over: a payload (JSON text), an already accepted list, or
/// extra entries (each as its JSON text, checked here on its own by the lists' parser).
#[derive(Debug, Clone, Default)]
pub struct SourceInput {
    pub origin: String,
    pub kind: SourceKind,
    pub payload: Option<String>,
    pub extra_entries: Option<Vec<String>>,
    /// When set, only entries for these hosts or their subdomains are used.
    pub scope: Option<Vec<String>>,
    /// A list the caller has already accepted (the CLI's `check`).
    pub list: Option<PinList>,
}

/// Extra entries as the user or policy wrote them, checked one by one: the well-formed ones
/// (host normalised, pins in canonical base64) and why each other one was refused.
pub fn check_extra_entries(values: &[String]) -> (Vec<ExtraEntry>, Vec<Problem>) {
    let mut entries: Vec<ExtraEntry> = Vec::new();
    let mut errors = Vec::new();
    for (i, value) in values.iter().enumerate() {
        let mut entry: ExtraEntry = match json_read::extra_entry(value) {
            Ok(e) => e,
            Err(e) => {
                // The entry is an object the caller wrote: what matters is which field is wrong.
                let why = match e {
                    JsonError::Schema(why) => why,
                    other => other.to_string(),
                };
                errors.push(
                    Problem::new(ProblemCode::EntryUnreadable)
                        .with("entry", i + 1)
                        .with("error", why),
                );
                continue;
            }
        };
        let shown: String = entry.host.chars().take(100).collect();
        let at = |code| Problem::new(code).with("entry", i + 1).with("host", &shown);
        match host::normalize(entry.host.trim()) {
            Ok(h) => entry.host = h.as_str().to_string(),
            Err(e) => {
                errors.push(at(ProblemCode::EntryBadHost).with("error", e));
                continue;
            }
        }
        let mut refused = false;
        for list in [&mut entry.pins, &mut entry.bad_pins] {
            for text in list.iter_mut() {
                match Pin::from_base64_or_hex(text.trim()) {
                    Ok(pin) => *text = pin.to_base64(),
                    Err(e) => {
                        let shown: String = text.chars().take(80).collect();
                        errors.push(
                            at(ProblemCode::EntryBadPin)
                                .with("pin", format!("{shown:?}"))
                                .with("error", e),
                        );
                        refused = true;
                    }
                }
            }
        }
        for text in &entry.issuer_keys {
            if crate::list::issuer_key(text).is_none() {
                let shown: String = text.chars().take(80).collect();
                errors.push(at(ProblemCode::EntryBadIssuerKey).with("key", format!("{shown:?}")));
                refused = true;
            }
        }
        if refused {
            continue;
        }
        if entry.pins.is_empty() && entry.bad_pins.is_empty() {
            errors.push(at(ProblemCode::EntryNoPins));
            continue;
        }
        if entries.iter().any(|e| e.host == entry.host) {
            errors.push(at(ProblemCode::EntryDuplicate));
            continue;
        }
        entries.push(entry);
    }
    (entries, errors)
}

/// What the inputs were read into: the lists and extra entries' bad pins the engine is built
/// from, and the problems found on the way. `compiled.rs` keeps the first two between wakes.
#[derive(Debug, Clone)]
pub struct ReadSources {
    pub sources: Vec<Source>,
    pub extra_bad: Vec<ExtraBad>,
    pub problems: Vec<SourceProblem>,
}

/// Every source read, lowest precedence first (bundled, channels, the user's entries,
/// policy's). A source that cannot be read is left out and named in the problems, so the
/// options page can say why.
pub fn read_sources(inputs: Vec<SourceInput>) -> ReadSources {
    let mut problems = Vec::new();
    let mut sources = Vec::new();
    let mut extra_bad = Vec::new();
    for input in inputs {
        let problem = |problem: Problem| SourceProblem::new(&input.origin, problem);
        let list = match (input.list.clone(), &input.payload, &input.extra_entries) {
            (Some(list), _, _) => Ok(list),
            (None, Some(text), _) => PinList::from_json(text.as_bytes()),
            (None, None, Some(values)) => {
                let (entries, errors) = check_extra_entries(values);
                problems.extend(errors.into_iter().map(problem));
                extra_bad.extend(
                    entries
                        .iter()
                        .filter(|e| !e.bad_pins.is_empty())
                        .map(|e| ExtraBad::new(&input.origin, e)),
                );
                PinList::from_extra_entries(&input.origin, &entries)
            }
            (None, None, None) => continue,
        };
        match list {
            Ok(list) => sources.push(Source {
                origin: input.origin,
                kind: input.kind,
                list,
                scope: input.scope,
            }),
            Err(e) => problems.push(problem(
                Problem::new(ProblemCode::ListUnreadable).with("error", e),
            )),
        }
    }
    ReadSources {
        sources,
        extra_bad,
        problems,
    }
}

impl Engine {
    /// The engine from every source ([`read_sources`]) and the problems found: those of
    /// reading, then an entry that a source may not set (see [`SourceKind::may_replace`]).
    pub fn from_inputs(
        inputs: Vec<SourceInput>,
        settings: &Settings,
    ) -> (Engine, Vec<SourceProblem>) {
        let read = read_sources(inputs);
        let (engine, refused) = Engine::from_read(read.sources, read.extra_bad, settings);
        let mut problems = read.problems;
        problems.extend(refused);
        (engine, problems)
    }

    /// The engine from sources already read (here or, kept between wakes, by `compiled.rs`).
    pub fn from_read(
        sources: Vec<Source>,
        extra_bad: Vec<ExtraBad>,
        settings: &Settings,
    ) -> (Engine, Vec<SourceProblem>) {
        let (mut engine, refused) = Engine::new(sources, settings);
        engine.extra_bad = extra_bad;
        (engine, refused)
    }
}

/// Modes the user may choose under `policy_mode`: never weaker than policy's.
pub fn allowed_user_modes(policy_mode: Option<Mode>) -> Vec<Mode> {
    Mode::ALL
        .iter()
        .copied()
        .filter(|m| policy_mode.is_none_or(|p| *m >= p))
        .collect()
}
