//! What changed between two payloads, for the person who reviews a list before signing it.
//!
//! Entries are matched by normalised host, so re-ordering or re-casing is not a change. Beside
//! each changed entry the diff gives the change in its *effective* pins: a reviewer sees that
//! `mail.example.com` lost a pin even when only the pin set it names was edited.

use core::fmt;
use pinwatch_core::host;
use pinwatch_core::list::envelope::{Envelope, EnvelopeError};
use pinwatch_core::list::json::JsonError;
use pinwatch_core::list::json_read;
use pinwatch_core::list::{EntrySpec, Payload, PinSetSpec};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Why a document could not be read for a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DiffError {
    /// An envelope that cannot be opened.
    Envelope(EnvelopeError),
    /// Not a payload (the JSON guard or serde refused it).
    Payload(JsonError),
}

impl fmt::Display for DiffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiffError::Envelope(e) => write!(f, "{e}"),
            DiffError::Payload(e) => write!(f, "not a pin list payload: {e}"),
        }
    }
}

impl std::error::Error for DiffError {}

/// A payload, or the payload of an envelope (signatures are not checked: a diff reviews content).
pub fn read(bytes: &[u8]) -> Result<Payload, DiffError> {
    match Envelope::unverified_payload(bytes).map_err(DiffError::Envelope)? {
        Some(payload) => json_read::payload(&payload).map_err(DiffError::Payload),
        None => json_read::payload(bytes).map_err(DiffError::Payload),
    }
}

/// A scalar field that changed; `None` when absent on that side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Strings added to and removed from a set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SetChange {
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

impl SetChange {
    fn of(old: &[String], new: &[String]) -> SetChange {
        let (old, new): (BTreeSet<&String>, BTreeSet<&String>) =
            (old.iter().collect(), new.iter().collect());
        SetChange {
            added: new.difference(&old).map(|s| s.to_string()).collect(),
            removed: old.difference(&new).map(|s| s.to_string()).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryChange {
    pub host: String,
    pub fields: Vec<FieldChange>,
    /// The change in the good pins that apply to the host.
    pub good_pins: SetChange,
    /// The change in the bad pins that apply to the host.
    pub bad_pins: SetChange,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PinSetChange {
    pub name: String,
    pub good: SetChange,
    pub bad: SetChange,
    pub issuer_keys: SetChange,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diff {
    pub fields: Vec<FieldChange>,
    pub entries_added: Vec<EntrySpec>,
    pub entries_removed: Vec<EntrySpec>,
    pub entries_changed: Vec<EntryChange>,
    pub pinsets_added: Vec<String>,
    pub pinsets_removed: Vec<String>,
    pub pinsets_changed: Vec<PinSetChange>,
    pub blocklist_spki: SetChange,
    pub blocklist_certificates: SetChange,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        *self == Diff::default()
    }
}

fn key(entry: &EntrySpec) -> String {
    host::normalize(&entry.host)
        .map(|h| h.as_str().to_string())
        .unwrap_or_else(|_| entry.host.clone())
}

fn field<T: fmt::Display>(out: &mut Vec<FieldChange>, name: &str, old: Option<T>, new: Option<T>) {
    let (old, new) = (old.map(|v| v.to_string()), new.map(|v| v.to_string()));
    if old != new {
        out.push(FieldChange {
            field: name.into(),
            old,
            new,
        });
    }
}

fn signers(p: &Payload) -> Option<String> {
    p.next_signers
        .as_ref()
        .map(|s| format!("{} of [{}]", s.threshold, s.keys.join(", ")))
}

pub fn diff(old: &Payload, new: &Payload) -> Diff {
    let mut d = Diff::default();
    field(
        &mut d.fields,
        "version",
        Some(old.version),
        Some(new.version),
    );
    field(
        &mut d.fields,
        "sequence",
        Some(old.sequence),
        Some(new.sequence),
    );
    field(
        &mut d.fields,
        "issued_at",
        Some(&old.issued_at),
        Some(&new.issued_at),
    );
    field(
        &mut d.fields,
        "expires_at",
        Some(&old.expires_at),
        Some(&new.expires_at),
    );
    field(
        &mut d.fields,
        "publisher",
        Some(&old.publisher),
        Some(&new.publisher),
    );
    field(
        &mut d.fields,
        "comment",
        old.comment.as_ref(),
        new.comment.as_ref(),
    );
    field(&mut d.fields, "next_signers", signers(old), signers(new));

    let empty = PinSetSpec::default();
    let set_of = |p: &'_ Payload, name: &str| {
        p.pinsets
            .get(name)
            .cloned()
            .unwrap_or_else(|| empty.clone())
    };
    let old_entries: BTreeMap<String, &EntrySpec> =
        old.entries.iter().map(|e| (key(e), e)).collect();
    let new_entries: BTreeMap<String, &EntrySpec> =
        new.entries.iter().map(|e| (key(e), e)).collect();
    for (host, entry) in &old_entries {
        let Some(next) = new_entries.get(host) else {
            d.entries_removed.push((*entry).clone());
            continue;
        };
        let mut fields = Vec::new();
        field(
            &mut fields,
            "pinset",
            Some(&entry.pinset),
            Some(&next.pinset),
        );
        field(
            &mut fields,
            "mode",
            Some(format!("{:?}", entry.mode).to_lowercase()),
            Some(format!("{:?}", next.mode).to_lowercase()),
        );
        field(
            &mut fields,
            "include_subdomains",
            Some(entry.include_subdomains),
            Some(next.include_subdomains),
        );
        let (was, is) = (set_of(old, &entry.pinset), set_of(new, &next.pinset));
        let change = EntryChange {
            host: host.clone(),
            fields,
            good_pins: SetChange::of(&was.good, &is.good),
            bad_pins: SetChange::of(&was.bad, &is.bad),
        };
        if !change.fields.is_empty() || !change.good_pins.is_empty() || !change.bad_pins.is_empty()
        {
            d.entries_changed.push(change);
        }
    }
    d.entries_added = new_entries
        .iter()
        .filter(|(h, _)| !old_entries.contains_key(*h))
        .map(|(_, e)| (*e).clone())
        .collect();

    for (name, set) in &old.pinsets {
        match new.pinsets.get(name) {
            None => d.pinsets_removed.push(name.clone()),
            Some(next) => {
                let change = PinSetChange {
                    name: name.clone(),
                    good: SetChange::of(&set.good, &next.good),
                    bad: SetChange::of(&set.bad, &next.bad),
                    issuer_keys: SetChange::of(&set.issuer_keys, &next.issuer_keys),
                };
                if !(change.good.is_empty()
                    && change.bad.is_empty()
                    && change.issuer_keys.is_empty())
                {
                    d.pinsets_changed.push(change);
                }
            }
        }
    }
    d.pinsets_added = new
        .pinsets
        .keys()
        .filter(|n| !old.pinsets.contains_key(*n))
        .cloned()
        .collect();
    d.blocklist_spki = SetChange::of(&old.blocklist.spki, &new.blocklist.spki);
    d.blocklist_certificates =
        SetChange::of(&old.blocklist.certificates, &new.blocklist.certificates);
    d
}

fn write_set(
    f: &mut fmt::Formatter<'_>,
    indent: &str,
    what: &str,
    change: &SetChange,
) -> fmt::Result {
    for pin in &change.added {
        writeln!(f, "{indent}+ {what} {pin}")?;
    }
    for pin in &change.removed {
        writeln!(f, "{indent}- {what} {pin}")?;
    }
    Ok(())
}

fn describe(e: &EntrySpec) -> String {
    let subdomains = if e.include_subdomains {
        ", include_subdomains"
    } else {
        ""
    };
    format!(
        "{} (pinset {}, {}{subdomains})",
        e.host,
        e.pinset,
        format!("{:?}", e.mode).to_lowercase()
    )
}

fn show(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("(none)")
}

/// The text form: `+` added, `-` removed, `~` changed; one line per change.
impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return writeln!(f, "no changes");
        }
        for c in &self.fields {
            writeln!(f, "~ {}: {} -> {}", c.field, show(&c.old), show(&c.new))?;
        }
        for e in &self.entries_added {
            writeln!(f, "+ entry {}", describe(e))?;
        }
        for e in &self.entries_removed {
            writeln!(f, "- entry {}", describe(e))?;
        }
        for e in &self.entries_changed {
            writeln!(f, "~ entry {}", e.host)?;
            for c in &e.fields {
                writeln!(f, "    {}: {} -> {}", c.field, show(&c.old), show(&c.new))?;
            }
            write_set(f, "    ", "good pin", &e.good_pins)?;
            write_set(f, "    ", "bad pin", &e.bad_pins)?;
        }
        for name in &self.pinsets_added {
            writeln!(f, "+ pinset {name}")?;
        }
        for name in &self.pinsets_removed {
            writeln!(f, "- pinset {name}")?;
        }
        for c in &self.pinsets_changed {
            writeln!(f, "~ pinset {}", c.name)?;
            write_set(f, "    ", "good", &c.good)?;
            write_set(f, "    ", "bad", &c.bad)?;
            write_set(f, "    ", "issuer key", &c.issuer_keys)?;
        }
        write_set(f, "", "blocklist spki", &self.blocklist_spki)?;
        write_set(f, "", "blocklist certificate", &self.blocklist_certificates)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(json: &str) -> Payload {
        json_read::payload(json.as_bytes()).unwrap()
    }

    #[test]
    fn matches_entries_by_normalised_host_and_follows_pinset_edits() {
        let old = payload(
            r#"{"version":1,"sequence":1,"issued_at":"2026-11-01T00:00:00Z","expires_at":"2026-12-01T00:00:00Z","publisher":"p",
            "pinsets":{"a":{"good":["A","B"]}},"entries":[{"host":"Mail.Example.com","pinset":"a","mode":"warn"},{"host":"gone.example","pinset":"a","mode":"warn"}]}"#,
        );
        let new = payload(
            r#"{"version":1,"sequence":2,"issued_at":"2026-11-01T00:00:00Z","expires_at":"2026-12-01T00:00:00Z","publisher":"p",
            "pinsets":{"a":{"good":["A","C"]}},"entries":[{"host":"mail.example.com","pinset":"a","mode":"enforce"},{"host":"new.example","pinset":"a","mode":"warn"}]}"#,
        );
        let d = diff(&old, &new);
        assert_eq!(
            d.fields,
            vec![FieldChange {
                field: "sequence".into(),
                old: Some("1".into()),
                new: Some("2".into())
            }]
        );
        assert_eq!(d.entries_added.len(), 1);
        assert_eq!(d.entries_removed[0].host, "gone.example");
        let change = &d.entries_changed[0];
        assert_eq!(change.host, "mail.example.com");
        assert_eq!(change.fields[0].field, "mode");
        assert_eq!(
            change.good_pins,
            SetChange {
                added: vec!["C".into()],
                removed: vec!["B".into()]
            }
        );
        assert_eq!(
            d.pinsets_changed[0].good,
            SetChange {
                added: vec!["C".into()],
                removed: vec!["B".into()]
            }
        );
        assert!(diff(&old, &old).is_empty());
    }
}
