//! What is wrong with a source of pins or a setting, as a code with parameters: a list that
//! could not be read, an entry refused, a policy value of the wrong kind, a channel configured
//! wrongly. The options page renders the code in the reader's language, the CLI in English; as
//! with verdict reasons ([`crate::reason`]) the English is written once, here, and the extension
//! gets the table through [`crate::vocabulary`].
//!
//! Some of these are found by the extension itself before the core sees anything (policy values
//! of the wrong type, channel configuration): their words live here all the same, so that every
//! problem a person reads comes from one table.
//!
//! A value (`{error}`, `{host}`, `{pin}`) is shown as written, never translated; `{error}` is a
//! technical detail from a parser.

use std::collections::BTreeMap;

use crate::reason::{fill_template, template_params, ReasonEntry};

crate::named_enum::named_enum! {
    /// Every problem a source, an entry or a setting can have.
    pub enum ProblemCode {
        ListUnreadable = "list-unreadable",
        BundledUnreadable = "bundled-unreadable",
        EntryUnreadable = "entry-unreadable",
        EntryBadHost = "entry-bad-host",
        EntryBadPin = "entry-bad-pin",
        EntryBadIssuerKey = "entry-bad-issuer-key",
        EntryNoPins = "entry-no-pins",
        EntryDuplicate = "entry-duplicate",
        EntryNotUsed = "entry-not-used",
        SpkiUnreadable = "spki-unreadable",
        RootUnreadable = "root-unreadable",
        PolicyUnknownKey = "policy-unknown-key",
        PolicyNotBoolean = "policy-not-boolean",
        PolicyNotOneOf = "policy-not-one-of",
        PolicyNotPins = "policy-not-pins",
        PolicyNotCertificates = "policy-not-certificates",
        PolicyNotHttps = "policy-not-https",
        PolicyNotHours = "policy-not-hours",
        PolicyNotList = "policy-not-list",
        ChannelNotObject = "channel-not-object",
        ChannelBadUrl = "channel-bad-url",
        ChannelNoKeys = "channel-no-keys",
        ChannelKeyCount = "channel-key-count",
        ChannelBadThreshold = "channel-bad-threshold",
        ChannelBadScope = "channel-bad-scope",
        ChannelBadScopeHost = "channel-bad-scope-host",
        ChannelTwice = "channel-twice",
        ChannelBadKey = "channel-bad-key",
        WatchBadMode = "watch-bad-mode",
        WatchFull = "watch-full",
        CookieScopeOpen = "cookie-scope-open",
    }
}

impl ProblemCode {
    /// The English sentence, with `{name}` where a parameter goes.
    pub const fn english(self) -> &'static str {
        use ProblemCode::*;
        match self {
            ListUnreadable => "The list could not be read: {error}.",
            BundledUnreadable => "The bundled list could not be read: {error}.",
            EntryUnreadable => "Entry {entry} could not be read: {error}.",
            EntryBadHost => "Entry {entry} ({host}): the host name is not valid: {error}.",
            EntryBadPin => "Entry {entry} ({host}): {pin} is not a SHA-256 pin ({error}).",
            EntryBadIssuerKey => "Entry {entry} ({host}): {key} is not an issuer key (base64 DER SubjectPublicKeyInfo of a supported RSA or ECDSA key).",
            EntryNoPins => "Entry {entry} ({host}): at least one pin or bad pin is needed.",
            EntryDuplicate => "Entry {entry} ({host}): a second entry for the same host.",
            EntryNotUsed => "The entry for {host} is not used: {governing} governs that host, and an entry of yours may add hosts but never replace or weaken a list's (its bad pins, if any, still count).",
            SpkiUnreadable => "{value} is not a SHA-256 pin.",
            RootUnreadable => "Certificate {index} could not be read: {error}.",
            PolicyUnknownKey => "{key} is not a setting Pinwatch knows; it is ignored.",
            PolicyNotBoolean => "{key} must be true or false.",
            PolicyNotOneOf => "{key} must be one of: {values}.",
            PolicyNotPins => "{key} must be a list of SPKI pins (base64 SHA-256).",
            PolicyNotCertificates => "{key} must be a list of PEM certificates.",
            PolicyNotHttps => "{key} must be an https URL.",
            PolicyNotHours => "{key} must be a whole number of hours from 1 to 168.",
            PolicyNotList => "{key} must be a list.",
            ChannelNotObject => "Channel {channel}: a channel must be an object with url, keys and threshold.",
            ChannelBadUrl => "Channel {channel}: {url} is not an https URL.",
            ChannelNoKeys => "Channel {channel}: keys must be a non-empty list of public keys.",
            ChannelKeyCount => "Channel {channel}: between 1 and 16 keys are needed.",
            ChannelBadThreshold => "Channel {channel}: the threshold must be a whole number from 1 to the number of keys ({count}).",
            ChannelBadScope => "Channel {channel}: the scope must be a list of host names.",
            ChannelBadScopeHost => "Channel {channel}: the scope entry {host} is not a host name.",
            ChannelTwice => "Channel {channel}: {url} is listed twice; the first one is used.",
            ChannelBadKey => "Channel {channel}: {key} is not a public key ({error}).",
            WatchBadMode => "The mode must be one of: {values}.",
            WatchFull => "At most {count} sites can be watched; remove one first.",
            CookieScopeOpen => "{hosts} pinned, but not {domain} with its subdomains: a cookie set for that domain also goes to its other hosts, where an interceptor takes the same session unseen. Pin the domain with its subdomains, or its other hosts too.",
        }
    }

    /// The parameters the English names, in the order they appear.
    pub fn params(self) -> Vec<&'static str> {
        template_params(self.english())
    }
}

/// A problem code with its parameters' values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub code: ProblemCode,
    pub params: BTreeMap<&'static str, String>,
}

impl Problem {
    pub fn new(code: ProblemCode) -> Problem {
        Problem {
            code,
            params: BTreeMap::new(),
        }
    }

    /// Adds a parameter; a name the code's English does not use is a bug of the caller.
    pub fn with(mut self, name: &'static str, value: impl core::fmt::Display) -> Problem {
        debug_assert!(
            self.code.params().contains(&name),
            "{} has no parameter {name}",
            self.code
        );
        self.params.insert(name, value.to_string());
        self
    }

    /// The English sentence, parameters filled in.
    pub fn english(&self) -> String {
        fill_template(self.code.english(), &self.params)
    }
}

/// `{code, params, error}`: the code and parameters for a reader's language, the English beside.
impl serde::Serialize for Problem {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = s.serialize_struct("Problem", 3)?;
        out.serialize_field("code", &self.code)?;
        out.serialize_field("params", &self.params)?;
        out.serialize_field("error", &self.english())?;
        out.end()
    }
}

impl core::fmt::Display for Problem {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.english())
    }
}

/// The whole table, in declaration order.
pub fn table() -> Vec<ReasonEntry> {
    ProblemCode::ALL
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
        for &code in ProblemCode::ALL {
            let mut problem = Problem::new(code);
            for name in code.params() {
                problem = problem.with(name, format!("<{name}>"));
            }
            let text = problem.english();
            assert!(!text.contains('{') && !text.contains('}'), "{code}: {text}");
            for name in code.params() {
                assert!(text.contains(&format!("<{name}>")), "{code}: {text}");
            }
        }
        assert_eq!(
            Problem::new(ProblemCode::EntryNoPins)
                .with("entry", 2)
                .with("host", "a.example")
                .to_string(),
            "Entry 2 (a.example): at least one pin or bad pin is needed."
        );
    }
}
