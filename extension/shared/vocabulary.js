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
  wrongChannel: 'wrong-channel',
  unboundList: 'unbound-list',
});
export const REJECTION_CODES = Object.freeze(['not-an-envelope', 'wrong-payload-type', 'no-signatures', 'bad-signature', 'untrusted-signers', 'threshold-not-met', 'invalid-list', 'rollback', 'sequence-too-large', 'not-yet-valid', 'expired', 'bad-next-signers', 'rotation-not-signed', 'wrong-channel', 'unbound-list']);

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
  trapped: 'trapped',
});
export const FAILURES = Object.freeze(['timed-out', 'own-error', 'trapped']);

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

/** What a response is to the page (pinwatch_core::judge::RequestKind). */
export const REQUEST_KIND = Object.freeze({
  document: 'document',
  frame: 'frame',
  subresource: 'subresource',
});
export const REQUEST_KINDS = Object.freeze(['document', 'frame', 'subresource']);

/** The capture tier that answered (pinwatch_core::judge::Tier). */
export const TIER = Object.freeze({
  getSecurityInfo: 'getSecurityInfo',
  debugger: 'debugger',
  securityInfoRawDer: 'securityInfoRawDer',
  none: 'none',
});
export const TIERS = Object.freeze(['getSecurityInfo', 'debugger', 'securityInfoRawDer', 'none']);

/** Which responses the companion looks at (pinwatch_core::judge::CompanionScope). */
export const COMPANION_SCOPE = Object.freeze({
  off: 'off',
  pinned: 'pinned',
  all: 'all',
});
export const COMPANION_SCOPES = Object.freeze(['off', 'pinned', 'all']);

/** What a listener does with a page before anything is read (pinwatch_core::judge::plan::PagePlan). */
export const PAGE_PLAN = Object.freeze({
  hold: 'hold',
  releaseRead: 'release-read',
  releaseUnread: 'release-unread',
});
export const PAGE_PLANS = Object.freeze(['hold', 'release-read', 'release-unread']);

/** What the judge asks for next (pinwatch_core::judge::NeedKind). */
export const NEED = Object.freeze({
  chain: 'chain',
  companion: 'companion',
  issuer: 'issuer',
  override: 'override',
  signatures: 'signatures',
});
export const NEEDS = Object.freeze(['chain', 'companion', 'issuer', 'override', 'signatures']);

/** How a verdict was reached (pinwatch_core::judge::JudgedFrom). */
export const JUDGED_FROM = Object.freeze({
  cache: 'cache',
  digests: 'digests',
  der: 'der',
  notRead: 'not-read',
});
export const JUDGED_FROMS = Object.freeze(['cache', 'digests', 'der', 'not-read']);

/** Who reported a failure to the judge (pinwatch_core::judge::failure::FailureSource). */
export const FAILURE_SOURCE = Object.freeze({
  capture: 'capture',
  companion: 'companion',
  issuer: 'issuer',
  override: 'override',
  signatures: 'signatures',
});
export const FAILURE_SOURCES = Object.freeze(['capture', 'companion', 'issuer', 'override', 'signatures']);

/** Why the browser gave no chain (pinwatch_core::judge::failure::CaptureFailure). */
export const CAPTURE_FAILURE = Object.freeze({
  empty: 'empty',
  apiError: 'api-error',
  notDelivered: 'not-delivered',
  noTier: 'no-tier',
  timedOut: 'timed-out',
});
export const CAPTURE_FAILURES = Object.freeze(['empty', 'api-error', 'not-delivered', 'no-tier', 'timed-out']);

/** Why the companion gave no chain (pinwatch_core::judge::failure::CompanionFailure). */
export const COMPANION_FAILURE = Object.freeze({
  missing: 'missing',
  disconnected: 'disconnected',
  noAddress: 'no-address',
  timedOut: 'timed-out',
  badReply: 'bad-reply',
  busy: 'busy',
  timeout: 'timeout',
  connect: 'connect',
  proxy: 'proxy',
  tls: 'tls',
  tooLarge: 'too-large',
  badHost: 'bad-host',
  badPort: 'bad-port',
  badIp: 'bad-ip',
  badProxy: 'bad-proxy',
  unsupportedProxy: 'unsupported-proxy',
  messageTooLarge: 'message-too-large',
  notUtf8: 'not-utf8',
  badJson: 'bad-json',
  badRequest: 'bad-request',
  unknownType: 'unknown-type',
  internal: 'internal',
});
export const COMPANION_FAILURES = Object.freeze(['missing', 'disconnected', 'no-address', 'timed-out', 'bad-reply', 'busy', 'timeout', 'connect', 'proxy', 'tls', 'too-large', 'bad-host', 'bad-port', 'bad-ip', 'bad-proxy', 'unsupported-proxy', 'message-too-large', 'not-utf8', 'bad-json', 'bad-request', 'unknown-type', 'internal']);

/** Why an AIA fetch gave no certificate (pinwatch_core::judge::failure::IssuerFailure). */
export const ISSUER_FAILURE = Object.freeze({
  network: 'network',
  httpStatus: 'http-status',
  tooLarge: 'too-large',
  notACertificate: 'not-a-certificate',
  refused: 'refused',
  timedOut: 'timed-out',
});
export const ISSUER_FAILURES = Object.freeze(['network', 'http-status', 'too-large', 'not-a-certificate', 'refused', 'timed-out']);

/** Why the override could not be read (pinwatch_core::judge::failure::OverrideFailure). */
export const OVERRIDE_FAILURE = Object.freeze({
  storage: 'storage',
  timedOut: 'timed-out',
});
export const OVERRIDE_FAILURES = Object.freeze(['storage', 'timed-out']);

/** Why the signatures a path needs were not verified (pinwatch_core::judge::failure::SignatureFailure). */
export const SIGNATURE_FAILURE = Object.freeze({
  unavailable: 'unavailable',
  stopped: 'stopped',
  timedOut: 'timed-out',
});
export const SIGNATURE_FAILURES = Object.freeze(['unavailable', 'stopped', 'timed-out']);

/** What a failure means (pinwatch_core::judge::failure::Meaning). */
export const MEANING = Object.freeze({
  attackerInducible: 'attacker-inducible',
  browserLimit: 'browser-limit',
  ownFault: 'own-fault',
  notGranted: 'not-granted',
  pathOpen: 'path-open',
});
export const MEANINGS = Object.freeze(['attacker-inducible', 'browser-limit', 'own-fault', 'not-granted', 'path-open']);

/** Every reason code (pinwatch_core::reason::ReasonCode). */
export const REASON_CODE = Object.freeze({
  hostUnreadable: 'host-unreadable',
  noChain: 'no-chain',
  chainUnreadable: 'chain-unreadable',
  extraBadPin: 'extra-bad-pin',
  unpinned: 'unpinned',
  stale: 'stale',
  staleMismatch: 'stale-mismatch',
  badPin: 'bad-pin',
  leafSignedByIssuerKey: 'leaf-signed-by-issuer-key',
  linkedIssuerKey: 'linked-issuer-key',
  pinnedKeyInChain: 'pinned-key-in-chain',
  pinnedKeyLinked: 'pinned-key-linked',
  noPinnedKey: 'no-pinned-key',
  leafOnlyNoIssuerKeys: 'leaf-only-no-issuer-keys',
  leafSignatureMissing: 'leaf-signature-missing',
  leafNotSignedByIssuerKey: 'leaf-not-signed-by-issuer-key',
  leafNamesDoNotCoverHost: 'leaf-names-do-not-cover-host',
  browserDidNotVerify: 'browser-did-not-verify',
  pathTooManyCandidates: 'path-too-many-candidates',
  pathTooLong: 'path-too-long',
  pathTooManyChecks: 'path-too-many-checks',
  noPinnedKeyLinked: 'no-pinned-key-linked',
  issuerDidNotSign: 'issuer-did-not-sign',
  leafNotLinkedToIssuerKey: 'leaf-not-linked-to-issuer-key',
  chainIncomplete: 'chain-incomplete',
  leafOnlyNowhereToFetch: 'leaf-only-nowhere-to-fetch',
  blockedCertificate: 'blocked-certificate',
  blockedKey: 'blocked-key',
  declaredProxy: 'declared-proxy',
  knownRoot: 'known-root',
  localRoot: 'local-root',
  addedRoot: 'added-root',
  notCheckedInTime: 'not-checked-in-time',
  coreTrapped: 'core-trapped',
  ownError: 'own-error',
});

/** The parameters of each reason code, in order (pinwatch_core::reason::ReasonCode). */
export const REASON = Object.freeze({
  'host-unreadable': Object.freeze(['error']),
  'no-chain': Object.freeze([]),
  'chain-unreadable': Object.freeze(['error']),
  'extra-bad-pin': Object.freeze(['origin']),
  'unpinned': Object.freeze([]),
  'stale': Object.freeze(['expires']),
  'stale-mismatch': Object.freeze(['expires']),
  'bad-pin': Object.freeze([]),
  'leaf-signed-by-issuer-key': Object.freeze([]),
  'linked-issuer-key': Object.freeze([]),
  'pinned-key-in-chain': Object.freeze([]),
  'pinned-key-linked': Object.freeze([]),
  'no-pinned-key': Object.freeze([]),
  'leaf-only-no-issuer-keys': Object.freeze([]),
  'leaf-signature-missing': Object.freeze([]),
  'leaf-not-signed-by-issuer-key': Object.freeze([]),
  'leaf-names-do-not-cover-host': Object.freeze(['host']),
  'browser-did-not-verify': Object.freeze([]),
  'path-too-many-candidates': Object.freeze(['count']),
  'path-too-long': Object.freeze(['count']),
  'path-too-many-checks': Object.freeze(['count']),
  'no-pinned-key-linked': Object.freeze([]),
  'issuer-did-not-sign': Object.freeze([]),
  'leaf-not-linked-to-issuer-key': Object.freeze([]),
  'chain-incomplete': Object.freeze([]),
  'leaf-only-nowhere-to-fetch': Object.freeze([]),
  'blocked-certificate': Object.freeze([]),
  'blocked-key': Object.freeze([]),
  'declared-proxy': Object.freeze([]),
  'known-root': Object.freeze([]),
  'local-root': Object.freeze([]),
  'added-root': Object.freeze([]),
  'not-checked-in-time': Object.freeze(['seconds']),
  'core-trapped': Object.freeze([]),
  'own-error': Object.freeze(['error']),
});

/** The English of each reason code, as the CLI prints it (pinwatch_core::reason::ReasonCode). */
export const REASON_ENGLISH = Object.freeze({
  'host-unreadable': 'The host name could not be read: {error}.',
  'no-chain': 'No certificate chain was available for this connection.',
  'chain-unreadable': 'The certificate chain could not be read: {error}.',
  'extra-bad-pin': 'The connection uses a key that {origin} marks as bad for this host.',
  'unpinned': 'This host is not on the pin list.',
  'stale': 'The pin list that covers this host expired at {expires}; pins are not enforced until it is updated.',
  'stale-mismatch': 'The pin list that covers this host expired at {expires}; pins are not enforced until it is updated. Under it, this chain would be a mismatch: the connection may be intercepted.',
  'bad-pin': 'The connection uses a key that the pin list marks as bad for this host.',
  'leaf-signed-by-issuer-key': 'The leaf certificate was signed by a pinned issuer key.',
  'linked-issuer-key': 'A pinned issuer key signed a certificate linked to the leaf by verified signatures.',
  'pinned-key-in-chain': 'A pinned key is in the certificate chain.',
  'pinned-key-linked': 'A pinned key is linked to the leaf by verified signatures.',
  'no-pinned-key': 'None of the pinned keys is in the certificate chain.',
  'leaf-only-no-issuer-keys': 'Only the leaf certificate was available and the pin set has no issuer keys to check it with.',
  'leaf-signature-missing': 'The leaf\'s signature was not at hand to check against the issuer keys.',
  'leaf-not-signed-by-issuer-key': 'The leaf certificate was not signed by any pinned issuer key.',
  'leaf-names-do-not-cover-host': 'The leaf certificate links to a pinned key, but it was not issued for {host}.',
  'browser-did-not-verify': 'The browser handed over no chain it had verified itself (a single certificate, an untrusted chain, or a certificate error someone accepted), so the pins could not be checked.',
  'path-too-many-candidates': 'No pinned key is linked to the leaf by verified signatures: more than {count} certificates were offered; the rest were not considered.',
  'path-too-long': 'No pinned key is linked to the leaf by verified signatures: no path of at most {count} links was found.',
  'path-too-many-checks': 'No pinned key is linked to the leaf by verified signatures: the search stopped after {count} signature checks.',
  'no-pinned-key-linked': 'None of the pinned keys is linked to the leaf by verified signatures.',
  'issuer-did-not-sign': 'A certificate named as an issuer in the chain did not sign it, and no pinned key is linked to the leaf by verified signatures.',
  'leaf-not-linked-to-issuer-key': 'The leaf certificate was not signed by any pinned issuer key, and nothing at hand links it to one.',
  'chain-incomplete': 'The chain could not be completed: the certificate of an issuer in it could not be found or fetched, so no pinned key could be linked to the leaf.',
  'leaf-only-nowhere-to-fetch': 'Only the leaf certificate was available, it names nowhere to fetch its issuer from, and the pin set has no issuer keys to check it with.',
  'blocked-certificate': 'This certificate is on the block list of known mis-issued certificates.',
  'blocked-key': 'A key in this certificate chain is on the block list of compromised keys.',
  'declared-proxy': 'The connection is inspected by a proxy your organisation declared.',
  'known-root': 'The connection is decrypted by software whose root you marked as known.',
  'local-root': 'This connection is decrypted by software on this computer or network: the chain ends in a root that is not built into the browser and that no one declared.',
  'added-root': 'A root that is not built into the browser and that no one declared was added to this computer: software here can decrypt this connection even where Pinwatch cannot see it.',
  'not-checked-in-time': 'Pinwatch could not check this connection within {seconds} s. On a pinned host in enforce mode that is treated as a possible interception.',
  'core-trapped': 'Pinwatch\'s core failed while checking this connection. On a pinned host in enforce mode that is treated as a possible interception.',
  'own-error': 'Pinwatch could not check this connection because of an internal error ({error}). The page was not stopped.',
});

/** Every problem code (pinwatch_core::problem::ProblemCode). */
export const PROBLEM_CODE = Object.freeze({
  listUnreadable: 'list-unreadable',
  bundledUnreadable: 'bundled-unreadable',
  entryUnreadable: 'entry-unreadable',
  entryBadHost: 'entry-bad-host',
  entryBadPin: 'entry-bad-pin',
  entryBadIssuerKey: 'entry-bad-issuer-key',
  entryNoPins: 'entry-no-pins',
  entryDuplicate: 'entry-duplicate',
  entryNotUsed: 'entry-not-used',
  spkiUnreadable: 'spki-unreadable',
  rootUnreadable: 'root-unreadable',
  policyUnknownKey: 'policy-unknown-key',
  policyNotBoolean: 'policy-not-boolean',
  policyNotOneOf: 'policy-not-one-of',
  policyNotPins: 'policy-not-pins',
  policyNotCertificates: 'policy-not-certificates',
  policyNotHttps: 'policy-not-https',
  policyNotHours: 'policy-not-hours',
  policyNotList: 'policy-not-list',
  channelNotObject: 'channel-not-object',
  channelBadUrl: 'channel-bad-url',
  channelNoKeys: 'channel-no-keys',
  channelKeyCount: 'channel-key-count',
  channelBadThreshold: 'channel-bad-threshold',
  channelBadScope: 'channel-bad-scope',
  channelBadScopeHost: 'channel-bad-scope-host',
  channelTwice: 'channel-twice',
  channelBadKey: 'channel-bad-key',
  watchBadMode: 'watch-bad-mode',
  watchFull: 'watch-full',
  cookieScopeOpen: 'cookie-scope-open',
});

/** The parameters of each problem code, in order (pinwatch_core::problem::ProblemCode). */
export const PROBLEM = Object.freeze({
  'list-unreadable': Object.freeze(['error']),
  'bundled-unreadable': Object.freeze(['error']),
  'entry-unreadable': Object.freeze(['entry', 'error']),
  'entry-bad-host': Object.freeze(['entry', 'host', 'error']),
  'entry-bad-pin': Object.freeze(['entry', 'host', 'pin', 'error']),
  'entry-bad-issuer-key': Object.freeze(['entry', 'host', 'key']),
  'entry-no-pins': Object.freeze(['entry', 'host']),
  'entry-duplicate': Object.freeze(['entry', 'host']),
  'entry-not-used': Object.freeze(['host', 'governing']),
  'spki-unreadable': Object.freeze(['value']),
  'root-unreadable': Object.freeze(['index', 'error']),
  'policy-unknown-key': Object.freeze(['key']),
  'policy-not-boolean': Object.freeze(['key']),
  'policy-not-one-of': Object.freeze(['key', 'values']),
  'policy-not-pins': Object.freeze(['key']),
  'policy-not-certificates': Object.freeze(['key']),
  'policy-not-https': Object.freeze(['key']),
  'policy-not-hours': Object.freeze(['key']),
  'policy-not-list': Object.freeze(['key']),
  'channel-not-object': Object.freeze(['channel']),
  'channel-bad-url': Object.freeze(['channel', 'url']),
  'channel-no-keys': Object.freeze(['channel']),
  'channel-key-count': Object.freeze(['channel']),
  'channel-bad-threshold': Object.freeze(['channel', 'count']),
  'channel-bad-scope': Object.freeze(['channel']),
  'channel-bad-scope-host': Object.freeze(['channel', 'host']),
  'channel-twice': Object.freeze(['channel', 'url']),
  'channel-bad-key': Object.freeze(['channel', 'key', 'error']),
  'watch-bad-mode': Object.freeze(['values']),
  'watch-full': Object.freeze(['count']),
  'cookie-scope-open': Object.freeze(['hosts', 'domain']),
});

/** The English of each problem code, as the CLI prints it (pinwatch_core::problem::ProblemCode). */
export const PROBLEM_ENGLISH = Object.freeze({
  'list-unreadable': 'The list could not be read: {error}.',
  'bundled-unreadable': 'The bundled list could not be read: {error}.',
  'entry-unreadable': 'Entry {entry} could not be read: {error}.',
  'entry-bad-host': 'Entry {entry} ({host}): the host name is not valid: {error}.',
  'entry-bad-pin': 'Entry {entry} ({host}): {pin} is not a SHA-256 pin ({error}).',
  'entry-bad-issuer-key': 'Entry {entry} ({host}): {key} is not an issuer key (base64 DER SubjectPublicKeyInfo of a supported RSA or ECDSA key).',
  'entry-no-pins': 'Entry {entry} ({host}): at least one pin or bad pin is needed.',
  'entry-duplicate': 'Entry {entry} ({host}): a second entry for the same host.',
  'entry-not-used': 'The entry for {host} is not used: {governing} governs that host, and an entry of yours may add hosts but never replace or weaken a list\'s (its bad pins, if any, still count).',
  'spki-unreadable': '{value} is not a SHA-256 pin.',
  'root-unreadable': 'Certificate {index} could not be read: {error}.',
  'policy-unknown-key': '{key} is not a setting Pinwatch knows; it is ignored.',
  'policy-not-boolean': '{key} must be true or false.',
  'policy-not-one-of': '{key} must be one of: {values}.',
  'policy-not-pins': '{key} must be a list of SPKI pins (base64 SHA-256).',
  'policy-not-certificates': '{key} must be a list of PEM certificates.',
  'policy-not-https': '{key} must be an https URL.',
  'policy-not-hours': '{key} must be a whole number of hours from 1 to 168.',
  'policy-not-list': '{key} must be a list.',
  'channel-not-object': 'Channel {channel}: a channel must be an object with url, keys and threshold.',
  'channel-bad-url': 'Channel {channel}: {url} is not an https URL.',
  'channel-no-keys': 'Channel {channel}: keys must be a non-empty list of public keys.',
  'channel-key-count': 'Channel {channel}: between 1 and 16 keys are needed.',
  'channel-bad-threshold': 'Channel {channel}: the threshold must be a whole number from 1 to the number of keys ({count}).',
  'channel-bad-scope': 'Channel {channel}: the scope must be a list of host names.',
  'channel-bad-scope-host': 'Channel {channel}: the scope entry {host} is not a host name.',
  'channel-twice': 'Channel {channel}: {url} is listed twice; the first one is used.',
  'channel-bad-key': 'Channel {channel}: {key} is not a public key ({error}).',
  'watch-bad-mode': 'The mode must be one of: {values}.',
  'watch-full': 'At most {count} sites can be watched; remove one first.',
  'cookie-scope-open': '{hosts} pinned, but not {domain} with its subdomains: a cookie set for that domain also goes to its other hosts, where an interceptor takes the same session unseen. Pin the domain with its subdomains, or its other hosts too.',
});
