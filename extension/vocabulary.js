// Generated from the Rust core (pinwatch_core::vocabulary, through the WASM `vocabulary()`) by
// extension/tools/vocabulary.mjs. Do not edit by hand: change the enum in crate/core and run
// ./build.sh, which writes this file again. tests/unit/vocabulary.test.mjs fails when this file
// and the core disagree.

/** Verdict statuses (pinwatch_core::verdict::Status). */
export const STATUS = Object.freeze({
  pinned: 'pinned',
  mismatch: 'mismatch',
  blocked: 'blocked',
  allowedInterception: 'allowed-interception',
  unpinned: 'unpinned',
  stale: 'stale',
  staleMismatch: 'stale-mismatch',
  unverifiable: 'unverifiable',
  localRoot: 'local-root',
});
export const STATUSES = Object.freeze(['pinned', 'mismatch', 'blocked', 'allowed-interception', 'unpinned', 'stale', 'stale-mismatch', 'unverifiable', 'local-root']);

/** What an entry does on a mismatch, weakest first (pinwatch_core::list::Mode). */
export const MODE = Object.freeze({
  report: 'report',
  warn: 'warn',
  enforce: 'enforce',
});
export const MODES = Object.freeze(['report', 'warn', 'enforce']);

/** How a verdict was reached (pinwatch_core::verdict::MatchKind). */
export const MATCH_KIND = Object.freeze({
  chainPin: 'chain-pin',
  issuerKey: 'issuer-key',
  badPin: 'bad-pin',
  blockedSpki: 'blocked-spki',
  blockedCertificate: 'blocked-certificate',
  allowedRoot: 'allowed-root',
  localRoot: 'local-root',
  knownRoot: 'known-root',
});
export const MATCH_KINDS = Object.freeze(['chain-pin', 'issuer-key', 'bad-pin', 'blocked-spki', 'blocked-certificate', 'allowed-root', 'local-root', 'known-root']);

/** Who speaks through an engine source (pinwatch_core::sources::SourceKind). */
export const SOURCE_KIND = Object.freeze({
  bundled: 'bundled',
  channel: 'channel',
  userChannel: 'user-channel',
  user: 'user',
  policy: 'policy',
});
export const SOURCE_KINDS = Object.freeze(['bundled', 'channel', 'user-channel', 'user', 'policy']);

/** Why a signed list was refused (pinwatch_core::accept::RejectionCode). */
export const REJECTION_CODE = Object.freeze({
  notAnEnvelope: 'not-an-envelope',
  wrongPayloadType: 'wrong-payload-type',
  noSignatures: 'no-signatures',
  badSignature: 'bad-signature',
  untrustedSigners: 'untrusted-signers',
  thresholdNotMet: 'threshold-not-met',
  invalidList: 'invalid-list',
  rollback: 'rollback',
  sequenceTooLarge: 'sequence-too-large',
  notYetValid: 'not-yet-valid',
  expired: 'expired',
  badNextSigners: 'bad-next-signers',
  rotationNotSigned: 'rotation-not-signed',
});
export const REJECTION_CODES = Object.freeze(['not-an-envelope', 'wrong-payload-type', 'no-signatures', 'bad-signature', 'untrusted-signers', 'threshold-not-met', 'invalid-list', 'rollback', 'sequence-too-large', 'not-yet-valid', 'expired', 'bad-next-signers', 'rotation-not-signed']);

/** What the extension does with a response (pinwatch_core::decision::Act). */
export const ACT = Object.freeze({
  stop: 'stop',
  warn: 'warn',
  report: 'report',
  pass: 'pass',
});
export const ACTS = Object.freeze(['stop', 'warn', 'report', 'pass']);

/** What the warning page leads with (pinwatch_core::decision::StopReason). */
export const STOP_REASON = Object.freeze({
  mismatch: 'mismatch',
  blocked: 'blocked',
  notCheckedInTime: 'not-checked-in-time',
  couldNotBeChecked: 'could-not-be-checked',
  localRoot: 'local-root',
});
export const STOP_REASONS = Object.freeze(['mismatch', 'blocked', 'not-checked-in-time', 'could-not-be-checked', 'local-root']);

/** Why no verdict was reached (pinwatch_core::decision::Failure). */
export const FAILURE = Object.freeze({
  timedOut: 'timed-out',
  ownError: 'own-error',
});
export const FAILURES = Object.freeze(['timed-out', 'own-error']);

/** Where a certificate of a path came from (pinwatch_core::path::CertOrigin). */
export const CERT_ORIGIN = Object.freeze({
  served: 'served',
  cached: 'cached',
  fetched: 'fetched',
});
export const CERT_ORIGINS = Object.freeze(['served', 'cached', 'fetched']);

/** Keys that prove a path without a certificate (pinwatch_core::path::AnchorKind). */
export const ANCHOR_KIND = Object.freeze({
  issuerKey: 'issuer-key',
  declaredProxy: 'declared-proxy',
});
export const ANCHOR_KINDS = Object.freeze(['issuer-key', 'declared-proxy']);

/** What a chain no browser built is, for checkPath (pinwatch_core::path::Given). */
export const GIVEN = Object.freeze({
  leaf: 'leaf',
  leafCompleted: 'leaf-completed',
  served: 'served',
});
export const GIVENS = Object.freeze(['leaf', 'leaf-completed', 'served']);

/** What a chain ending in an added root does (pinwatch_core::local_root::LocalRootMode). */
export const LOCAL_ROOT_MODE = Object.freeze({
  notice: 'notice',
  warn: 'warn',
  enforce: 'enforce',
});
export const LOCAL_ROOT_MODES = Object.freeze(['notice', 'warn', 'enforce']);
