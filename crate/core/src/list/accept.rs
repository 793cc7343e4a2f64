//! Whether to accept a signed pin list: a pure function of the envelope bytes, the trust state
//! (the signer set trusted now and the last accepted sequence) and the time.
//!
//! The signatures are checked before the payload is parsed, so unsigned bytes never reach the
//! list parser. Rotation follows TUF: a list that names `next_signers` must be signed by a
//! threshold of the current keys *and* of the new keys; once it is accepted the new set is the
//! trusted one and the old keys alone no longer count. The envelope may carry the channel's
//! rotation steps (`rotation.rs`), which are followed first, so a client that missed rotations
//! still reaches the set that signs the list.

use crate::crypto::key::{KeyError, KeyId, PublicKey, SignerSet, MAX_SIGNER_KEYS};
use crate::list::envelope::{EnvelopeError, EnvelopeSignature, Opened, PAYLOAD_TYPE};
use crate::list::rotation::{self, StepError, StepRejection};
use crate::list::{ListError, PinList};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use core::fmt;
use serde::{Deserialize, Serialize};

/// How far `issued_at` may lie in the future, for clocks that run slow.
pub const CLOCK_SKEW_SECS: i64 = 5 * 60;
/// The largest sequence accepted: 2^53 - 1, the largest integer JavaScript holds exactly, so
/// the extension's stored trust state can never round a sequence down and reopen a rollback.
pub const MAX_SEQUENCE: u64 = (1 << 53) - 1;

/// What the acceptor trusts now: the signer set and the sequence of the last accepted list
/// (0 when none was accepted yet). After a rotation `signers` is the new set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustState {
    pub signers: SignerSet,
    pub sequence: u64,
}

/// A trust state as JSON and JavaScript carry it: `{keys, threshold, sequence}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustSpec {
    pub keys: Vec<String>,
    pub threshold: u32,
    #[serde(default)]
    pub sequence: u64,
}

impl TrustState {
    pub fn from_spec(spec: &TrustSpec) -> Result<TrustState, KeyError> {
        Ok(TrustState {
            signers: SignerSet::from_texts(&spec.keys, spec.threshold)?,
            sequence: spec.sequence,
        })
    }

    pub fn to_spec(&self) -> TrustSpec {
        TrustSpec {
            keys: self.signers.texts(),
            threshold: self.signers.threshold(),
            sequence: self.sequence,
        }
    }
}

/// How the signatures of one envelope counted against one signer set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Signatures the set requires.
    pub required: u32,
    /// Distinct keys of the set whose signature verified.
    pub verified: Vec<KeyId>,
    /// Keys of the set whose signature did not verify.
    pub failed: Vec<KeyId>,
    /// Key ids of signatures by keys outside the set (shortened for display).
    pub untrusted: Vec<String>,
    /// Keys of the set that signed more than once; each counts once.
    pub repeated: Vec<KeyId>,
}

impl Tally {
    pub(crate) fn count(
        set: &SignerSet,
        message: &[u8],
        signatures: &[EnvelopeSignature],
    ) -> Tally {
        let mut tally = Tally {
            required: set.threshold(),
            ..Tally::default()
        };
        for signature in signatures {
            let Some(key) = set.get(&signature.keyid) else {
                tally
                    .untrusted
                    .push(signature.keyid.chars().take(64).collect());
                continue;
            };
            let id = key.id();
            if tally.verified.contains(&id) {
                tally.repeated.push(id);
                continue;
            }
            let verifies = STANDARD
                .decode(&signature.sig)
                .is_ok_and(|sig| key.verify(message, &sig));
            if verifies {
                tally.verified.push(id);
                tally.failed.retain(|f| *f != id);
            } else if !tally.failed.contains(&id) {
                tally.failed.push(id);
            }
        }
        tally
    }

    pub(crate) fn met(&self) -> bool {
        self.verified.len() >= self.required as usize
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of the {} required signatures verified",
            self.verified.len(),
            self.required
        )?;
        let ids = |v: &[KeyId]| {
            v.iter()
                .map(KeyId::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !self.failed.is_empty() {
            write!(f, "; did not verify: {}", ids(&self.failed))?;
        }
        if !self.repeated.is_empty() {
            write!(
                f,
                "; signed more than once, counted once: {}",
                ids(&self.repeated)
            )?;
        }
        if !self.untrusted.is_empty() {
            write!(
                f,
                "; keys not in the signer set: {}",
                self.untrusted.join(", ")
            )?;
        }
        Ok(())
    }
}

/// Why a signed list was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// The bytes are not a DSSE envelope this build reads (size, UTF-8, nesting, duplicate keys, shape).
    Envelope(EnvelopeError),
    /// The envelope's payloadType is not a version 1 pin list (the type found).
    PayloadType(String),
    /// The envelope carries no signature at all.
    NoSignatures,
    /// A trusted key's signature does not verify: the payload or the signature was altered.
    BadSignature(Tally),
    /// No key of the trusted signer set signed the list.
    UntrustedSigners(Tally),
    /// Fewer distinct trusted keys signed than the threshold requires.
    ThresholdNotMet(Tally),
    /// The signed payload is not a valid pin list.
    Payload(ListError),
    /// The sequence is not greater than the last accepted one: a rollback or a replay.
    Rollback { sequence: u64, last: u64 },
    /// The sequence is above [`MAX_SEQUENCE`].
    SequenceTooLarge(u64),
    /// `issued_at` is more than five minutes in the future.
    NotYetValid { issued_at: String },
    /// `expires_at` has passed.
    Expired { expires_at: String },
    /// `next_signers` is not a valid signer set.
    BadNextSigners(KeyError),
    /// `next_signers` is present but too few of the new keys signed the list.
    RotationNotSigned(Tally),
    /// A rotation step the envelope carries was refused (its code is that of the same fault in
    /// a list: a forged step is `bad-signature` or `untrusted-signers`, a replayed one `rollback`).
    Rotation(Box<StepRejection>),
    /// The list is signed for another channel (the `channel` it names, the one expected).
    WrongChannel { found: String, expected: String },
    /// The list names no channel, and this channel accepts only lists signed for it.
    Unbound { expected: String },
}

/// The channel a list is fetched for: the name its signed `channel` must be (the channel's
/// URL, or the name its configuration gives, e.g. for mirrors), and whether a list that names
/// no channel (signed before lists named one) is still accepted there. Refusing those is the
/// default: the same signers' list for another channel names none either, and could be swapped
/// in; a channel accepts them only when its configuration says so (`allowUnboundLists`), for a
/// publisher whose keys sign no other channel, until its lists are signed again with the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelBinding {
    pub name: String,
    pub allow_unbound: bool,
}

crate::named_enum::named_enum! {
    /// The stable, machine-readable code of a [`Rejection`] (`--json` output and the extension).
    pub enum RejectionCode {
        /// [`Rejection::Envelope`].
        NotAnEnvelope = "not-an-envelope",
        /// [`Rejection::PayloadType`].
        WrongPayloadType = "wrong-payload-type",
        /// [`Rejection::NoSignatures`].
        NoSignatures = "no-signatures",
        /// [`Rejection::BadSignature`].
        BadSignature = "bad-signature",
        /// [`Rejection::UntrustedSigners`].
        UntrustedSigners = "untrusted-signers",
        /// [`Rejection::ThresholdNotMet`].
        ThresholdNotMet = "threshold-not-met",
        /// [`Rejection::Payload`].
        InvalidList = "invalid-list",
        /// [`Rejection::Rollback`].
        Rollback = "rollback",
        /// [`Rejection::SequenceTooLarge`].
        SequenceTooLarge = "sequence-too-large",
        /// [`Rejection::NotYetValid`].
        NotYetValid = "not-yet-valid",
        /// [`Rejection::Expired`].
        Expired = "expired",
        /// [`Rejection::BadNextSigners`].
        BadNextSigners = "bad-next-signers",
        /// [`Rejection::RotationNotSigned`].
        RotationNotSigned = "rotation-not-signed",
        /// [`Rejection::WrongChannel`].
        WrongChannel = "wrong-channel",
        /// [`Rejection::Unbound`].
        UnboundList = "unbound-list",
    }
}

impl Rejection {
    /// A stable, machine-readable code (`--json` output and the extension).
    pub fn code(&self) -> &'static str {
        self.kind().as_str()
    }

    pub fn kind(&self) -> RejectionCode {
        match self {
            Rejection::Envelope(_) => RejectionCode::NotAnEnvelope,
            Rejection::PayloadType(_) => RejectionCode::WrongPayloadType,
            Rejection::NoSignatures => RejectionCode::NoSignatures,
            Rejection::BadSignature(_) => RejectionCode::BadSignature,
            Rejection::UntrustedSigners(_) => RejectionCode::UntrustedSigners,
            Rejection::ThresholdNotMet(_) => RejectionCode::ThresholdNotMet,
            Rejection::Payload(_) => RejectionCode::InvalidList,
            Rejection::Rollback { .. } => RejectionCode::Rollback,
            Rejection::SequenceTooLarge(_) => RejectionCode::SequenceTooLarge,
            Rejection::NotYetValid { .. } => RejectionCode::NotYetValid,
            Rejection::Expired { .. } => RejectionCode::Expired,
            Rejection::BadNextSigners(_) => RejectionCode::BadNextSigners,
            Rejection::RotationNotSigned(_) => RejectionCode::RotationNotSigned,
            Rejection::WrongChannel { .. } => RejectionCode::WrongChannel,
            Rejection::Unbound { .. } => RejectionCode::UnboundList,
            Rejection::Rotation(r) => match &r.error {
                StepError::Envelope(_) | StepError::Nested | StepError::Statement(_) => {
                    RejectionCode::NotAnEnvelope
                }
                StepError::PayloadType(_) => RejectionCode::WrongPayloadType,
                StepError::OutOfOrder { .. } | StepError::AfterList { .. } => {
                    RejectionCode::Rollback
                }
                StepError::NotSignedByTrusted(t) => tally_code(t),
                StepError::BadNextSigners(_) => RejectionCode::BadNextSigners,
                StepError::NotSignedByNext(_) => RejectionCode::RotationNotSigned,
            },
        }
    }
}

/// Why a tally that did not meet its threshold failed: a signature that does not verify, no
/// trusted signer at all, or too few.
fn tally_code(t: &Tally) -> RejectionCode {
    if !t.failed.is_empty() {
        RejectionCode::BadSignature
    } else if t.verified.is_empty() {
        RejectionCode::UntrustedSigners
    } else {
        RejectionCode::ThresholdNotMet
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::Envelope(e) => write!(f, "{e}"),
            Rejection::PayloadType(t) => {
                let shown: String = t.chars().take(100).collect();
                write!(f, "the envelope's payloadType is {shown:?}, not {PAYLOAD_TYPE:?}: it is not a pin list this build reads")
            }
            Rejection::NoSignatures => f.write_str("the list is not signed: the envelope has no signatures"),
            Rejection::BadSignature(t) => {
                write!(f, "a trusted key's signature does not verify: the list was changed after it was signed, or the signature is damaged ({t})")
            }
            Rejection::UntrustedSigners(t) => write!(f, "no trusted key signed the list ({t})"),
            Rejection::ThresholdNotMet(t) => write!(f, "not enough distinct trusted keys signed the list ({t})"),
            Rejection::Payload(e) => write!(f, "the signed payload is not a valid pin list: {e}"),
            Rejection::Rollback { sequence, last } => write!(
                f,
                "the list's sequence {sequence} is not greater than {last}, the last one accepted: an old list is being replayed"
            ),
            Rejection::SequenceTooLarge(s) => write!(f, "the list's sequence {s} is larger than {MAX_SEQUENCE}"),
            Rejection::NotYetValid { issued_at } => {
                write!(f, "the list is issued at {issued_at}, in the future: check the clock, or the list was made wrongly")
            }
            Rejection::Expired { expires_at } => write!(f, "the list expired at {expires_at}: an old list is being replayed, or the publisher has not updated it"),
            Rejection::BadNextSigners(e) => write!(f, "the list's next_signers is not a valid signer set: {e}"),
            Rejection::RotationNotSigned(t) => write!(
                f,
                "the list hands signing over to new keys, but too few of the new keys signed it ({t}); a rotation must be signed by both the current and the new keys"
            ),
            Rejection::Rotation(r) => write!(f, "{r}"),
            Rejection::WrongChannel { found, expected } => {
                let found: String = found.chars().take(200).collect();
                write!(f, "the list is signed for the channel {found:?}, not {expected:?}: a list of the same signers for another channel is being served here")
            }
            Rejection::Unbound { expected } => write!(
                f,
                "the list names no channel, and this channel accepts only lists signed for it: the publisher signs it again with `pinwatch sign --channel {expected}` (or the channel's configuration allows unbound lists)"
            ),
        }
    }
}

impl std::error::Error for Rejection {}

/// An accepted list and the trust state to keep for the next one.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// The payload bytes exactly as signed (UTF-8 JSON).
    pub payload: Vec<u8>,
    pub list: PinList,
    pub trust: TrustState,
    /// Trusted keys whose signatures verified.
    pub signed_by: Vec<KeyId>,
    /// The trusted set changed: by rotation steps, or by the list's `next_signers`.
    pub rotated: bool,
    /// How many rotation steps changed the set on the way to the list's signers.
    pub rotations_followed: usize,
}

/// The same keys and threshold, in any order: the one rule for whether a stored list still
/// belongs to a channel's configured signer set (the extension asks it through `sameSigners`).
pub fn same_signers(a: &SignerSet, b: &SignerSet) -> bool {
    let ids = |s: &SignerSet| s.keys().iter().map(|k| k.id()).collect::<Vec<KeyId>>();
    a.threshold() == b.threshold() && same_keys(&ids(a), &ids(b))
}

/// Signer sets never list a key twice and hold a handful of keys, so equal lengths plus
/// containment is set equality; a sort here cost ~10 KB of WASM.
fn same_keys<K: PartialEq>(a: &[K], b: &[K]) -> bool {
    a.len() == b.len() && a.iter().all(|k| b.contains(k))
}

/// [`same_signers`] for signer sets given as key texts and thresholds (stored and configured
/// channel settings). A set that is not well-formed (a text that is not a public key's, a key
/// twice, no key, too many, a threshold of 0 or above its keys) is the same as no other.
///
/// Whether each key is a usable Ed25519 point is not asked here: it is acceptance's question
/// ([`SignerSet::from_texts`]), and a configuration is only ever compared with the one a list
/// was accepted under, which acceptance checked, so two sets with the same key bytes answer it
/// alike. Not asking keeps the curve arithmetic out of the module every wake loads.
pub fn same_signer_texts(a: (&[String], u32), b: (&[String], u32)) -> bool {
    match (key_bytes(a), key_bytes(b)) {
        (Some((a, a_threshold)), Some((b, b_threshold))) => {
            a_threshold == b_threshold && same_keys(&a, &b)
        }
        _ => false,
    }
}

/// The keys' bytes of a well-formed set given as texts, with its threshold.
fn key_bytes((texts, threshold): (&[String], u32)) -> Option<(Vec<[u8; 32]>, u32)> {
    if texts.is_empty() || texts.len() > MAX_SIGNER_KEYS || threshold == 0 {
        return None;
    }
    if threshold as usize > texts.len() {
        return None;
    }
    let mut keys: Vec<[u8; 32]> = Vec::with_capacity(texts.len());
    for text in texts {
        let key = PublicKey::bytes_of_text(text).ok()?;
        if keys.contains(&key) {
            return None;
        }
        keys.push(key);
    }
    Some((keys, threshold))
}

/// Accepts `envelope` when every rule of `docs/pinlist-format.md` "Acceptance" holds at `now`
/// (Unix seconds), or says which one failed first. `channel` is the channel it was fetched for;
/// none for a file checked by hand (its `channel` is then only shown).
pub fn accept(
    envelope: &[u8],
    trust: &TrustState,
    channel: Option<&ChannelBinding>,
    now: i64,
) -> Result<Accepted, Rejection> {
    let envelope = Opened::from_json(envelope).map_err(Rejection::Envelope)?;
    if envelope.payload_type != PAYLOAD_TYPE {
        return Err(Rejection::PayloadType(envelope.payload_type));
    }
    if envelope.signatures.is_empty() {
        return Err(Rejection::NoSignatures);
    }
    let followed = rotation::follow(&envelope.rotations, trust).map_err(Rejection::Rotation)?;
    let message = envelope.pae();
    let tally = Tally::count(&followed.signers, message, &envelope.signatures);
    if !tally.met() {
        return Err(match tally_code(&tally) {
            RejectionCode::BadSignature => Rejection::BadSignature(tally),
            RejectionCode::UntrustedSigners => Rejection::UntrustedSigners(tally),
            _ => Rejection::ThresholdNotMet(tally),
        });
    }
    let list = PinList::from_json(envelope.payload()).map_err(Rejection::Payload)?;
    if let Some(expected) = channel {
        check_channel(list.info.channel.as_deref(), expected)?;
    }
    let sequence = list.info.sequence;
    if sequence > MAX_SEQUENCE {
        return Err(Rejection::SequenceTooLarge(sequence));
    }
    if sequence <= trust.sequence {
        return Err(Rejection::Rollback {
            sequence,
            last: trust.sequence,
        });
    }
    if followed.last > sequence {
        let step = envelope.rotations.len();
        return Err(Rejection::Rotation(Box::new(StepRejection {
            step,
            sequence: Some(followed.last),
            error: StepError::AfterList { list: sequence },
        })));
    }
    if now < list.info.issued_at_unix.saturating_sub(CLOCK_SKEW_SECS) {
        return Err(Rejection::NotYetValid {
            issued_at: list.info.issued_at.clone(),
        });
    }
    if now > list.info.expires_at_unix {
        return Err(Rejection::Expired {
            expires_at: list.info.expires_at.clone(),
        });
    }
    let (signers, rotated) = match &list.next_signers {
        None => (followed.signers, false),
        Some(next) => {
            let next = SignerSet::from_texts(&next.keys, next.threshold)
                .map_err(Rejection::BadNextSigners)?;
            let new_tally = Tally::count(&next, message, &envelope.signatures);
            if !new_tally.met() {
                return Err(Rejection::RotationNotSigned(new_tally));
            }
            let rotated = !same_signers(&next, &followed.signers);
            (next, rotated)
        }
    };
    Ok(Accepted {
        payload: envelope.into_payload(),
        list,
        trust: TrustState { signers, sequence },
        signed_by: tally.verified,
        rotated: rotated || followed.rotations > 0,
        rotations_followed: followed.rotations,
    })
}

/// Whether a list naming `found` may be accepted on the channel `expected` (checked before the
/// sequence, so that another channel's list is named as such, whatever its sequence).
fn check_channel(found: Option<&str>, expected: &ChannelBinding) -> Result<(), Rejection> {
    match found {
        Some(name) if name == expected.name => Ok(()),
        Some(name) => Err(Rejection::WrongChannel {
            found: name.to_string(),
            expected: expected.name.clone(),
        }),
        None if expected.allow_unbound => Ok(()),
        None => Err(Rejection::Unbound {
            expected: expected.name.clone(),
        }),
    }
}
