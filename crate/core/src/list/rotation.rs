//! Rotation steps: how a client that knows only a channel's original keys reaches the keys that
//! sign its newest list, however many rotations it missed.
//!
//! A list that names `next_signers` hands signing over, but only a client that accepts that very
//! list learns of it. So each hand-over is also written as a small statement of its own,
//! `{"version": 1, "sequence": S, "next_signers": {...}}` (S: the sequence of the list that made
//! it), signed like the list by a threshold of the old keys and of the new ones, and every later
//! list's envelope carries all of them, oldest first, in `rotations`. A client walks the steps it
//! has not passed yet (sequence above its own) from the set it trusts, as a TUF client walks root
//! versions: each must be signed by a threshold of the set trusted at that point, which a forged
//! step or one whose predecessor is missing is not.

use crate::crypto::key::{KeyError, SignerSet};
use crate::list::accept::{Tally, TrustState};
use crate::list::envelope::{Envelope, EnvelopeError};
use crate::list::json::{self, JsonError};
use crate::list::SignerSetSpec;
use core::fmt;
use serde::{Deserialize, Serialize};

/// The payload type of a version 1 rotation statement.
pub const ROTATION_PAYLOAD_TYPE: &str = "application/vnd.pinwatch.rotation.v1+json";

/// What one rotation step says: from the list at `sequence` on, `next_signers` signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotationStatement {
    pub version: u32,
    pub sequence: u64,
    pub next_signers: SignerSetSpec,
}

impl RotationStatement {
    pub fn new(sequence: u64, next_signers: SignerSetSpec) -> RotationStatement {
        RotationStatement {
            version: 1,
            sequence,
            next_signers,
        }
    }

    /// The payload bytes a publisher signs.
    pub fn to_payload(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Guard and parse a statement's payload bytes (signatures are not checked here).
    pub fn from_payload(bytes: &[u8]) -> Result<RotationStatement, JsonError> {
        json::parse(bytes)
    }
}

/// What is wrong with one rotation step.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StepError {
    /// The step's payload is not base64.
    Envelope(EnvelopeError),
    /// The step carries `rotations` of its own.
    Nested,
    /// The step's payloadType is not a rotation statement (the type found).
    PayloadType(String),
    /// The payload is not a version 1 rotation statement.
    Statement(String),
    /// The step's sequence is not above the step before it: a replayed or reordered step.
    OutOfOrder { previous: u64 },
    /// The step is newer than the list that carries it.
    AfterList { list: u64 },
    /// A threshold of the keys trusted at this step did not sign it.
    NotSignedByTrusted(Tally),
    /// `next_signers` is not a valid signer set.
    BadNextSigners(KeyError),
    /// A threshold of the new keys did not sign it.
    NotSignedByNext(Tally),
}

/// A refused rotation step: which one (1-based, in the envelope's order), its sequence when it
/// could be read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRejection {
    pub step: usize,
    pub sequence: Option<u64>,
    pub error: StepError,
}

impl fmt::Display for StepRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rotation step {}", self.step)?;
        if let Some(s) = self.sequence {
            write!(f, " (sequence {s})")?;
        }
        write!(f, ": {}", self.error)
    }
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepError::Envelope(e) => write!(f, "{e}"),
            StepError::Nested => f.write_str("a rotation step may not carry rotations of its own"),
            StepError::PayloadType(t) => {
                let shown: String = t.chars().take(100).collect();
                write!(f, "its payloadType is {shown:?}, not {ROTATION_PAYLOAD_TYPE:?}")
            }
            StepError::Statement(e) => write!(f, "not a rotation statement: {e}"),
            StepError::OutOfOrder { previous } => write!(
                f,
                "its sequence is not above {previous}, the step before it: a step is repeated or out of order (the publisher keeps them oldest first, each once)"
            ),
            StepError::AfterList { list } => write!(
                f,
                "it is newer than the list it came with (sequence {list}): an old list is being replayed with a newer chain"
            ),
            StepError::NotSignedByTrusted(t) => write!(
                f,
                "the keys trusted at this step did not sign it ({t}): the step is forged, or a step before it is missing from the chain"
            ),
            StepError::BadNextSigners(e) => write!(f, "its next_signers is not a valid signer set: {e}"),
            StepError::NotSignedByNext(t) => write!(
                f,
                "too few of the new keys signed it ({t}); a rotation must be signed by both the current and the new keys"
            ),
        }
    }
}

/// The signer set reached by following a chain.
#[derive(Debug, Clone)]
pub struct Followed {
    pub signers: SignerSet,
    /// Steps followed that changed the set.
    pub rotations: usize,
    /// The sequence of the last step followed (0 when none was).
    pub last: u64,
}

/// Reads one step's statement and payload; nothing is verified yet. The statement is read before
/// its signatures because its sequence says whether this client needs the step at all (steps it
/// has passed were signed by sets it may never have known); it is small and goes through the
/// same JSON guard as everything else.
pub fn read_step(step: &Envelope) -> Result<(RotationStatement, Vec<u8>), StepError> {
    if !step.rotations.is_empty() {
        return Err(StepError::Nested);
    }
    if step.payload_type != ROTATION_PAYLOAD_TYPE {
        return Err(StepError::PayloadType(step.payload_type.clone()));
    }
    let payload = step.payload_bytes().map_err(StepError::Envelope)?;
    let statement = RotationStatement::from_payload(&payload)
        .map_err(|e| StepError::Statement(e.to_string()))?;
    if statement.version != 1 {
        return Err(StepError::Statement(format!(
            "version {} is not one this build reads",
            statement.version
        )));
    }
    Ok((statement, payload))
}

/// Follows every step newer than `trust.sequence` from `trust.signers`, oldest first. Steps at or
/// below it are ones the client has passed (it accepted a list at least as new) and are only
/// checked for order.
pub fn follow(rotations: &[Envelope], trust: &TrustState) -> Result<Followed, Box<StepRejection>> {
    let mut signers = trust.signers.clone();
    let mut followed = Followed {
        signers: signers.clone(),
        rotations: 0,
        last: 0,
    };
    let mut previous: Option<u64> = None;
    for (i, step) in rotations.iter().enumerate() {
        let refuse = |sequence, error| {
            Box::new(StepRejection {
                step: i + 1,
                sequence,
                error,
            })
        };
        let (statement, payload) = read_step(step).map_err(|e| refuse(None, e))?;
        let sequence = statement.sequence;
        if let Some(previous) = previous.filter(|p| sequence <= *p) {
            return Err(refuse(Some(sequence), StepError::OutOfOrder { previous }));
        }
        previous = Some(sequence);
        if sequence <= trust.sequence {
            continue;
        }
        let message = step.message(&payload);
        let tally = Tally::count(&signers, &message, &step.signatures);
        if !tally.met() {
            return Err(refuse(Some(sequence), StepError::NotSignedByTrusted(tally)));
        }
        let next = &statement.next_signers;
        let next = SignerSet::from_texts(&next.keys, next.threshold)
            .map_err(|e| refuse(Some(sequence), StepError::BadNextSigners(e)))?;
        let tally = Tally::count(&next, &message, &step.signatures);
        if !tally.met() {
            return Err(refuse(Some(sequence), StepError::NotSignedByNext(tally)));
        }
        if !crate::list::accept::same_signers(&next, &signers) {
            followed.rotations += 1;
        }
        signers = next;
        followed.last = sequence;
    }
    followed.signers = signers;
    Ok(followed)
}
