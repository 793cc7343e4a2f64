//! The rotation steps `sign` writes into a list's envelope (docs/pinlist-format.md, "Rotation"):
//! the steps the published list carries, then a new one when this list hands signing over, so
//! that a browser which missed any rotation can follow it from the keys it was given.

use crate::command::{clean, read_document, Failure};
use crate::secret_key::SecretKey;
use pinwatch_core::list::envelope::{Envelope, PAYLOAD_TYPE};
use pinwatch_core::list::rotation::{read_step, RotationStatement, ROTATION_PAYLOAD_TYPE};
use pinwatch_core::list::PinList;
use std::path::Path;

/// The steps of the pin list envelope at `path`, each checked to be a step this build reads,
/// all before `sequence` (the list being signed).
pub fn carried(path: &Path, sequence: u64) -> Result<Vec<Envelope>, Failure> {
    let bytes = read_document(path)?;
    let envelope = Envelope::from_json(&bytes).map_err(|e| {
        Failure::invalid(
            path,
            format!("--chain takes the signed list live on the channel now: {e}"),
        )
    })?;
    if envelope.payload_type != PAYLOAD_TYPE {
        return Err(Failure::invalid(
            path,
            format!(
                "--chain takes a signed pin list; this envelope's payloadType is {:?}",
                clean(&envelope.payload_type)
            ),
        ));
    }
    for (i, step) in envelope.rotations.iter().enumerate() {
        let (statement, _) = read_step(step)
            .map_err(|e| Failure::invalid(path, format!("rotation step {}: {e}", i + 1)))?;
        if statement.sequence >= sequence {
            return Err(Failure::invalid(
                path,
                format!(
                    "rotation step {} is at sequence {}, not before this list's {sequence}: bump the payload's sequence above the published list's",
                    i + 1,
                    statement.sequence
                ),
            ));
        }
    }
    Ok(envelope.rotations)
}

/// `steps` plus the step `list` makes, when it names `next_signers` other than the set the last
/// step handed over to (a list that repeats the current set changes nothing).
pub fn with_own_step(mut steps: Vec<Envelope>, list: &PinList) -> Vec<Envelope> {
    let Some(next) = &list.next_signers else {
        return steps;
    };
    let last = steps
        .last()
        .and_then(|s| read_step(s).ok())
        .map(|(statement, _)| statement.next_signers);
    if last.as_ref() != Some(next) {
        let statement = RotationStatement::new(list.info.sequence, next.clone());
        steps.push(Envelope::unsigned(
            ROTATION_PAYLOAD_TYPE,
            &statement.to_payload(),
        ));
    }
    steps
}

/// Signs the step made by the list at `sequence` (the last step, when it is that one), so each
/// signer of a rotating list signs its step too; a key that already signed it is skipped.
/// Returns whether it signed.
pub fn sign_own_step(envelope: &mut Envelope, sequence: u64, key: &SecretKey) -> bool {
    let Some(step) = envelope.rotations.last_mut() else {
        return false;
    };
    let Ok((statement, payload)) = read_step(step) else {
        return false;
    };
    if statement.sequence != sequence || step.is_signed_by(&key.public().id()) {
        return false;
    }
    key.sign_envelope(step, &payload);
    true
}
