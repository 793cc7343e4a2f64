//! Why a verdict is what it is, as a code with parameters: the extension renders the code in
//! the reader's language, the CLI in English. The English of each code is written once, here
//! ([`ReasonCode::english`]); the extension gets the same table through [`crate::vocabulary`]
//! (generated into `extension/shared/vocabulary.js`), and a test checks that its English messages say
//! the same, so the two cannot drift.
//!
//! A template names its parameters in braces (`{host}`); a value is plain text (a host, a date,
//! a technical error) that a translation places but never translates.

use std::collections::BTreeMap;

crate::named_enum::named_enum! {
    /// Every reason a verdict can give, and the two of a record made without one.
    pub enum ReasonCode {
        HostUnreadable = "host-unreadable",
        NoChain = "no-chain",
        ChainUnreadable = "chain-unreadable",
        ExtraBadPin = "extra-bad-pin",
        Unpinned = "unpinned",
        Stale = "stale",
        StaleMismatch = "stale-mismatch",
        BadPin = "bad-pin",
        LeafSignedByIssuerKey = "leaf-signed-by-issuer-key",
        LinkedIssuerKey = "linked-issuer-key",
        PinnedKeyInChain = "pinned-key-in-chain",
        PinnedKeyLinked = "pinned-key-linked",
        NoPinnedKey = "no-pinned-key",
        LeafOnlyNoIssuerKeys = "leaf-only-no-issuer-keys",
        LeafSignatureMissing = "leaf-signature-missing",
        LeafNotSignedByIssuerKey = "leaf-not-signed-by-issuer-key",
        LeafNamesDoNotCoverHost = "leaf-names-do-not-cover-host",
        BrowserDidNotVerify = "browser-did-not-verify",
        PathTooManyCandidates = "path-too-many-candidates",
        PathTooLong = "path-too-long",
        PathTooManyChecks = "path-too-many-checks",
        NoPinnedKeyLinked = "no-pinned-key-linked",
        IssuerDidNotSign = "issuer-did-not-sign",
        LeafNotLinkedToIssuerKey = "leaf-not-linked-to-issuer-key",
        ChainIncomplete = "chain-incomplete",
        LeafOnlyNowhereToFetch = "leaf-only-nowhere-to-fetch",
        BlockedCertificate = "blocked-certificate",
        BlockedKey = "blocked-key",
        DeclaredProxy = "declared-proxy",
        KnownRoot = "known-root",
        LocalRoot = "local-root",
        AddedRoot = "added-root",
        // Records made without a verdict (the extension's own, beside the core's decision).
        NotCheckedInTime = "not-checked-in-time",
        CoreTrapped = "core-trapped",
        OwnError = "own-error",
    }
}

impl ReasonCode {
    /// The English sentence, with `{name}` where a parameter goes.
    pub const fn english(self) -> &'static str {
        use ReasonCode::*;
        match self {
            HostUnreadable => "The host name could not be read: {error}.",
            NoChain => "No certificate chain was available for this connection.",
            ChainUnreadable => "The certificate chain could not be read: {error}.",
            ExtraBadPin => "The connection uses a key that {origin} marks as bad for this host.",
            Unpinned => "This host is not on the pin list.",
            Stale => "The pin list that covers this host expired at {expires}; pins are not enforced until it is updated.",
            StaleMismatch => "The pin list that covers this host expired at {expires}; pins are not enforced until it is updated. Under it, this chain would be a mismatch: the connection may be intercepted.",
            BadPin => "The connection uses a key that the pin list marks as bad for this host.",
            LeafSignedByIssuerKey => "The leaf certificate was signed by a pinned issuer key.",
            LinkedIssuerKey => "A pinned issuer key signed a certificate linked to the leaf by verified signatures.",
            PinnedKeyInChain => "A pinned key is in the certificate chain.",
            PinnedKeyLinked => "A pinned key is linked to the leaf by verified signatures.",
            NoPinnedKey => "None of the pinned keys is in the certificate chain.",
            LeafOnlyNoIssuerKeys => "Only the leaf certificate was available and the pin set has no issuer keys to check it with.",
            LeafSignatureMissing => "The leaf's signature was not at hand to check against the issuer keys.",
            LeafNotSignedByIssuerKey => "The leaf certificate was not signed by any pinned issuer key.",
            LeafNamesDoNotCoverHost => "The leaf certificate links to a pinned key, but it was not issued for {host}.",
            BrowserDidNotVerify => "The browser handed over no chain it had verified itself (a single certificate, an untrusted chain, or a certificate error someone accepted), so the pins could not be checked.",
            PathTooManyCandidates => "No pinned key is linked to the leaf by verified signatures: more than {count} certificates were offered; the rest were not considered.",
            PathTooLong => "No pinned key is linked to the leaf by verified signatures: no path of at most {count} links was found.",
            PathTooManyChecks => "No pinned key is linked to the leaf by verified signatures: the search stopped after {count} signature checks.",
            NoPinnedKeyLinked => "None of the pinned keys is linked to the leaf by verified signatures.",
            IssuerDidNotSign => "A certificate named as an issuer in the chain did not sign it, and no pinned key is linked to the leaf by verified signatures.",
            LeafNotLinkedToIssuerKey => "The leaf certificate was not signed by any pinned issuer key, and nothing at hand links it to one.",
            ChainIncomplete => "The chain could not be completed: the certificate of an issuer in it could not be found or fetched, so no pinned key could be linked to the leaf.",
            LeafOnlyNowhereToFetch => "Only the leaf certificate was available, it names nowhere to fetch its issuer from, and the pin set has no issuer keys to check it with.",
            BlockedCertificate => "This certificate is on the block list of known mis-issued certificates.",
            BlockedKey => "A key in this certificate chain is on the block list of compromised keys.",
            DeclaredProxy => "The connection is inspected by a proxy your organisation declared.",
            KnownRoot => "The connection is decrypted by software whose root you marked as known.",
            LocalRoot => "This connection is decrypted by software on this computer or network: the chain ends in a root that is not built into the browser and that no one declared.",
            AddedRoot => "A root that is not built into the browser and that no one declared was added to this computer: software here can decrypt this connection even where Pinwatch cannot see it.",
            NotCheckedInTime => "Pinwatch could not check this connection within {seconds} s. On a pinned host in enforce mode that is treated as a possible interception.",
            CoreTrapped => "Pinwatch's core failed while checking this connection. On a pinned host in enforce mode that is treated as a possible interception.",
            OwnError => "Pinwatch could not check this connection because of an internal error ({error}). The page was not stopped.",
        }
    }

    /// The parameters the English names, in the order they appear.
    pub fn params(self) -> Vec<&'static str> {
        template_params(self.english())
    }
}

/// The `{name}`s of an English template, in the order they appear.
pub(crate) fn template_params(text: &'static str) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(len) = rest[open..].find('}') else {
            break;
        };
        out.push(&rest[open + 1..open + len]);
        rest = &rest[open + len + 1..];
    }
    out
}

/// A template with its parameters filled in (a missing one reads as empty). One pass over the
/// template: a value is never searched for `{name}`s, and no substring search is compiled in.
pub(crate) fn fill_template(
    template: &'static str,
    params: &BTreeMap<&'static str, String>,
) -> String {
    let mut text = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(len) = rest[open..].find('}') else {
            break;
        };
        text.push_str(&rest[..open]);
        let name = &rest[open + 1..open + len];
        text.push_str(params.get(name).map_or("", String::as_str));
        rest = &rest[open + len + 1..];
    }
    text.push_str(rest);
    text
}

/// A reason code with its parameters' values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub code: ReasonCode,
    pub params: BTreeMap<&'static str, String>,
}

impl Reason {
    pub fn new(code: ReasonCode) -> Reason {
        Reason {
            code,
            params: BTreeMap::new(),
        }
    }

    /// Adds a parameter; a name the code's English does not use is a bug of the caller.
    pub fn with(mut self, name: &'static str, value: impl core::fmt::Display) -> Reason {
        debug_assert!(
            self.code.params().contains(&name),
            "{} has no parameter {name}",
            self.code
        );
        self.params.insert(name, value.to_string());
        self
    }

    /// The English sentence, parameters filled in (a missing one reads as empty).
    pub fn english(&self) -> String {
        fill_template(self.code.english(), &self.params)
    }
}

/// One code as the extension's generated vocabulary carries it (reasons and problems alike).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReasonEntry {
    pub code: &'static str,
    pub english: &'static str,
    pub params: Vec<&'static str>,
}

/// The whole table, in declaration order.
pub fn table() -> Vec<ReasonEntry> {
    ReasonCode::ALL
        .iter()
        .map(|&code| ReasonEntry {
            code: code.as_str(),
            english: code.english(),
            params: code.params(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_renders_its_parameters_and_braces_never_remain() {
        for &code in ReasonCode::ALL {
            let mut reason = Reason::new(code);
            for name in code.params() {
                reason = reason.with(name, format!("<{name}>"));
            }
            let text = reason.english();
            assert!(!text.contains('{') && !text.contains('}'), "{code}: {text}");
            for name in code.params() {
                assert!(text.contains(&format!("<{name}>")), "{code}: {text}");
            }
        }
        assert_eq!(ReasonCode::Stale.params(), vec!["expires"]);
        assert_eq!(
            Reason::new(ReasonCode::ExtraBadPin)
                .with("origin", "policy")
                .english(),
            "The connection uses a key that policy marks as bad for this host."
        );
    }

    #[test]
    fn a_value_is_copied_as_it_is_even_when_it_holds_a_parameter_name() {
        let text = Reason::new(ReasonCode::ExtraBadPin)
            .with("origin", "{origin} {x")
            .english();
        assert_eq!(
            text,
            "The connection uses a key that {origin} {x marks as bad for this host."
        );
        let mut params = BTreeMap::new();
        params.insert("a", "{b}".to_string());
        params.insert("b", "1".to_string());
        assert_eq!(
            fill_template("{a}{b}-{a}{c} {open", &params),
            "{b}1-{b} {open"
        );
    }
}
