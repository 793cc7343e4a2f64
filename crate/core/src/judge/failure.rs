//! The one table of what a failed source means. Every code any source can report to the judge
//! (the browser's capture, the companion, an AIA fetch, a storage read, the clock) is declared
//! here, and [`meaning`] gives each one row; the match is exhaustive, so a new code cannot be
//! added without a decision, and `tests/judge.rs` prints and checks the whole table.
//!
//! The line drawn (docs/design.md#the-judge): what the network or the server can cause is
//! *attacker-inducible* and never passes an enforced host; what the browser cannot show is its
//! *limit* (`unverifiable`, never "OK"); what only Pinwatch itself can cause is *our own fault*
//! (the error badge, and the page goes on).

use serde::Serialize;

crate::named_enum::named_enum! {
    /// Who reported a failure to the judge.
    pub enum FailureSource {
        /// The browser's description of the connection (Firefox `getSecurityInfo`, Chromium's
        /// leaf certificate or debugger tier).
        Capture = "capture",
        /// `pinwatch companion`, over native messaging, or the path to it.
        Companion = "companion",
        /// Fetching a CA certificate from an AIA `caIssuers` URL.
        Issuer = "issuer",
        /// Reading whether the person chose "proceed anyway" for this chain.
        Override = "override",
        /// Verifying the signatures a path needs (the extension's signature module).
        Signatures = "signatures",
    }
}

crate::named_enum::named_enum! {
    /// Why the browser's capture gave no chain.
    pub enum CaptureFailure {
        /// The connection carried TLS but the browser's answer held no certificate.
        Empty = "empty",
        /// The browser's API threw or answered with something that is not a description.
        ApiError = "api-error",
        /// The browser hands over no certificate for this response (Chromium without
        /// `WebRequestSecurityInfo`, no debugger tier).
        NotDelivered = "not-delivered",
        /// No capture tier exists in this browser.
        NoTier = "no-tier",
        /// The capture did not answer before the judge's deadline.
        TimedOut = "timed-out",
    }
}

crate::named_enum::named_enum! {
    /// Why the companion gave no chain: its own error codes (the `error.code` of a reply; the
    /// CLI's `companion::protocol::Code` names every one of them) and what the extension saw
    /// on the way to it.
    pub enum CompanionFailure {
        /// The companion is not installed, or the browser may not start it.
        Missing = "missing",
        /// The companion was started and went away (exit, crash, a panic), or is being
        /// restarted after that.
        Disconnected = "disconnected",
        /// The browser named no address for the response.
        NoAddress = "no-address",
        /// No reply before the judge's deadline.
        TimedOut = "timed-out",
        /// The reply could not be read as a companion reply.
        BadReply = "bad-reply",
        /// The companion's queue is full.
        Busy = "busy",
        /// The companion's own time limit for the connection ran out.
        Timeout = "timeout",
        /// The connection to the server (or the proxy) failed.
        Connect = "connect",
        /// The proxy refused or broke the tunnel.
        Proxy = "proxy",
        /// The TLS handshake failed before a certificate arrived.
        Tls = "tls",
        /// The server sent more than the companion reads.
        TooLarge = "too-large",
        /// The companion refused the host name (one the browser accepts).
        BadHost = "bad-host",
        /// The companion refused the port.
        BadPort = "bad-port",
        /// The companion refused the address.
        BadIp = "bad-ip",
        /// The companion refused the proxy.
        BadProxy = "bad-proxy",
        /// A proxy scheme the companion does not speak.
        UnsupportedProxy = "unsupported-proxy",
        /// The request frame was too large.
        MessageTooLarge = "message-too-large",
        /// The request was not UTF-8.
        NotUtf8 = "not-utf8",
        /// The request was not JSON.
        BadJson = "bad-json",
        /// The request lacked a field or had a wrong one.
        BadRequest = "bad-request",
        /// The request's type is unknown to this companion.
        UnknownType = "unknown-type",
        /// The companion failed in a way it could name no better.
        Internal = "internal",
    }
}

crate::named_enum::named_enum! {
    /// Why an AIA fetch gave no certificate.
    pub enum IssuerFailure {
        /// The request failed (network, TLS, DNS).
        Network = "network",
        /// The server answered with a status other than 200.
        HttpStatus = "http-status",
        /// The body was larger than the fetch reads.
        TooLarge = "too-large",
        /// The body was not a certificate in DER or PEM.
        NotACertificate = "not-a-certificate",
        /// The URL names a place Pinwatch does not fetch from (not http or https, an address
        /// inside this computer's network).
        Refused = "refused",
        /// No answer before the judge's deadline.
        TimedOut = "timed-out",
    }
}

crate::named_enum::named_enum! {
    /// Why the "proceed anyway" record could not be read.
    pub enum OverrideFailure {
        /// Storage failed.
        Storage = "storage",
        /// Storage did not answer before the judge's deadline.
        TimedOut = "timed-out",
    }
}

crate::named_enum::named_enum! {
    /// Why the signatures a path needs were not verified.
    pub enum SignatureFailure {
        /// The signature module could not be loaded.
        Unavailable = "unavailable",
        /// The signature module stopped (a trap) on the certificates it was given.
        Stopped = "stopped",
        /// No answer before the judge's deadline.
        TimedOut = "timed-out",
    }
}

crate::named_enum::named_enum! {
    /// What a failure means for the response.
    pub enum Meaning {
        /// The network or the server can cause it: an enforced host stops ("could not be
        /// checked", or "not checked in time" for a time-out).
        AttackerInducible = "attacker-inducible",
        /// The browser cannot show it: `unverifiable`, never "OK", and the page goes on.
        BrowserLimit = "browser-limit",
        /// Only Pinwatch itself can cause it: the error badge, and the page goes on.
        OwnFault = "own-fault",
        /// Nothing was seen, so nothing is granted: a read of "proceed anyway" that failed
        /// counts as no override, a stop stands, and anything else passes with the error badge
        /// (storage that fails is Pinwatch's own failure).
        NotGranted = "not-granted",
        /// The path stays open where the certificate would have gone: the verdict says what an
        /// open path means (`path::Given`), which for a server's chain on an enforced host is a
        /// stop.
        PathOpen = "path-open",
    }
}

/// The table: what `code` from `source` means. A code the table does not know (a newer
/// companion, a typo in an adapter) is treated as attacker-inducible: unknown is never a pass.
pub fn meaning(source: FailureSource, code: &str) -> Meaning {
    use Meaning::*;
    match source {
        FailureSource::Capture => match CaptureFailure::from_name(code) {
            Some(CaptureFailure::Empty | CaptureFailure::TimedOut) | None => AttackerInducible,
            // The browser's own API failing for a response it holds is not something a
            // connection was seen to cause: the browser could not describe it.
            Some(
                CaptureFailure::NotDelivered | CaptureFailure::NoTier | CaptureFailure::ApiError,
            ) => BrowserLimit,
        },
        FailureSource::Companion => match CompanionFailure::from_name(code) {
            // Not installed is what this computer offers: a limit, said with the install hint.
            Some(CompanionFailure::Missing) => BrowserLimit,
            // Everything else, the companion's own refusals included: an interceptor can fill
            // its queue, crash it, hold connections open, or choose a name Chromium accepts and
            // the companion refuses. Anything but a readable chain stops an enforced host.
            Some(_) | None => AttackerInducible,
        },
        FailureSource::Issuer => match IssuerFailure::from_name(code) {
            Some(_) | None => PathOpen,
        },
        FailureSource::Override => match OverrideFailure::from_name(code) {
            Some(_) | None => NotGranted,
        },
        FailureSource::Signatures => match SignatureFailure::from_name(code) {
            // A module of the extension's own that does not load is no connection's doing.
            Some(SignatureFailure::Unavailable) => OwnFault,
            // The signatures and keys it stopped or spent its time on are the certificates'
            // (the attacker's) bytes: what they would have linked stays unlinked.
            Some(SignatureFailure::Stopped | SignatureFailure::TimedOut) | None => PathOpen,
        },
    }
}

/// Every code of `source`, in declaration order.
pub fn codes(source: FailureSource) -> &'static [&'static str] {
    match source {
        FailureSource::Capture => CaptureFailure::NAMES,
        FailureSource::Companion => CompanionFailure::NAMES,
        FailureSource::Issuer => IssuerFailure::NAMES,
        FailureSource::Override => OverrideFailure::NAMES,
        FailureSource::Signatures => SignatureFailure::NAMES,
    }
}

/// One row of the table, for the docs and the extension's vocabulary.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub source: FailureSource,
    pub code: &'static str,
    pub meaning: Meaning,
}

/// The whole table, source by source, code by code.
pub fn table() -> Vec<Row> {
    FailureSource::ALL
        .iter()
        .flat_map(|&source| {
            codes(source).iter().map(move |&code| Row {
                source,
                code,
                meaning: meaning(source, code),
            })
        })
        .collect()
}
