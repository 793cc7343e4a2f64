//! The list formats read from a [`Json`] tree field by field, with the rules their serde
//! derives state (unknown fields refused, defaults, `null` as an absent `Option`), so that the
//! WebAssembly module every wake loads carries no serde parser. The derives stay as the
//! reference: `tests/json_differential.rs` and the `payload` fuzz target compare the two.
//! Errors read like serde's and name the field's path.

use crate::list::json::{self, JsonError};
use crate::list::json_tree::{Json, Number};
use crate::list::{
    default_extra_mode, BlockListSpec, CookieScope, EntrySpec, ExtraEntry, Mode, Payload,
    PinSetSpec, SignerSetSpec,
};
use std::borrow::Cow;
use std::collections::BTreeMap;

type Read<T> = Result<T, String>;

/// A payload from its bytes: size and UTF-8, the tree (depth, duplicate keys, grammar), then
/// the fields.
pub fn payload(bytes: &[u8]) -> Result<Payload, JsonError> {
    let text = json::checked_text(bytes)?;
    let tree = Json::parse(text)?;
    read_payload(&tree).map_err(JsonError::Schema)
}

/// One extra entry from its JSON text.
pub fn extra_entry(text: &str) -> Result<ExtraEntry, JsonError> {
    let text = json::checked_text(text.as_bytes())?;
    let tree = Json::parse(text)?;
    read_extra_entry(&tree, &Path::Root).map_err(JsonError::Schema)
}

/// Where a value sits in the document, built only when an error names it: a list of 100,000
/// entries reads a million values, and a path string for each would double the time.
#[derive(Clone, Copy)]
enum Path<'p> {
    Root,
    Key(&'p Path<'p>, &'p str),
    Index(&'p Path<'p>, usize),
}

impl Path<'_> {
    fn write(&self, out: &mut String) {
        match self {
            Path::Root => {}
            Path::Key(Path::Root, key) => out.push_str(key),
            Path::Key(parent, key) => {
                parent.write(out);
                out.push('.');
                out.push_str(key);
            }
            Path::Index(parent, i) => {
                parent.write(out);
                out.push_str(&format!("[{i}]"));
            }
        }
    }

    /// `"path: "`, or nothing at the root.
    fn at(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        if !out.is_empty() {
            out.push_str(": ");
        }
        out
    }
}

fn invalid(v: &Json, expected: &str, path: &Path) -> String {
    format!(
        "{}invalid type: {}, expected {expected}",
        path.at(),
        v.kind()
    )
}

/// An object's members, checked against the fields its type knows.
struct Fields<'j, 'p> {
    members: &'j [(Cow<'j, str>, Json<'j>)],
    path: &'p Path<'p>,
}

impl<'j, 'p> Fields<'j, 'p> {
    fn of(v: &'j Json<'j>, what: &str, path: &'p Path<'p>, known: &[&str]) -> Read<Self> {
        let members = v
            .as_object()
            .ok_or_else(|| invalid(v, &format!("struct {what}"), path))?;
        if let Some((k, _)) = members.iter().find(|(k, _)| !known.contains(&k.as_ref())) {
            return Err(format!(
                "{}unknown field `{k}`, expected one of `{}`",
                path.at(),
                known.join("`, `")
            ));
        }
        Ok(Fields { members, path })
    }

    fn get(&self, key: &str) -> Option<&'j Json<'j>> {
        self.members.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// A field that must be there.
    fn must<T>(&self, key: &str, read: fn(&Json, &Path) -> Read<T>) -> Read<T> {
        match self.get(key) {
            Some(v) => read(v, &Path::Key(self.path, key)),
            None => Err(format!("{}missing field `{key}`", self.path.at())),
        }
    }

    /// A field with a default when absent (`#[serde(default)]`): `null` is not absent.
    fn or<T>(&self, key: &str, default: T, read: fn(&Json, &Path) -> Read<T>) -> Read<T> {
        match self.get(key) {
            Some(v) => read(v, &Path::Key(self.path, key)),
            None => Ok(default),
        }
    }

    /// An `Option` field: absent or `null` is `None`.
    fn opt<T>(&self, key: &str, read: fn(&Json, &Path) -> Read<T>) -> Read<Option<T>> {
        match self.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(v) => read(v, &Path::Key(self.path, key)).map(Some),
        }
    }
}

fn string(v: &Json, path: &Path) -> Read<String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| invalid(v, "a string", path))
}

fn boolean(v: &Json, path: &Path) -> Read<bool> {
    match v {
        Json::Bool(b) => Ok(*b),
        _ => Err(invalid(v, "a boolean", path)),
    }
}

fn unsigned(v: &Json, path: &Path, max: u64, what: &str) -> Read<u64> {
    match v {
        Json::Number(Number::Unsigned(n)) if *n <= max => Ok(*n),
        Json::Number(Number::Unsigned(_) | Number::Negative(_)) => Err(format!(
            "{}invalid value: an integer out of range, expected {what}",
            path.at()
        )),
        _ => Err(invalid(v, what, path)),
    }
}

fn u32_of(v: &Json, path: &Path) -> Read<u32> {
    unsigned(v, path, u32::MAX as u64, "u32").map(|n| n as u32)
}

fn u64_of(v: &Json, path: &Path) -> Read<u64> {
    unsigned(v, path, u64::MAX, "u64")
}

fn strings(v: &Json, path: &Path) -> Read<Vec<String>> {
    let items = v.as_array().ok_or_else(|| invalid(v, "a sequence", path))?;
    items
        .iter()
        .enumerate()
        .map(|(i, s)| string(s, &Path::Index(path, i)))
        .collect()
}

fn mode(v: &Json, path: &Path) -> Read<Mode> {
    let text = v.as_str().ok_or_else(|| invalid(v, "a mode", path))?;
    Mode::from_name(text).ok_or_else(|| {
        format!(
            "{}unknown variant `{text}`, expected one of `{}`",
            path.at(),
            Mode::NAMES.join("`, `")
        )
    })
}

fn cookie_scope(v: &Json, path: &Path) -> Read<CookieScope> {
    match v.as_str() {
        Some("considered") => Ok(CookieScope::Considered),
        Some(text) => Err(format!(
            "{}unknown variant `{text}`, expected `considered`",
            path.at()
        )),
        None => Err(invalid(v, "a cookie scope", path)),
    }
}

fn read_payload(v: &Json) -> Read<Payload> {
    let f = Fields::of(
        v,
        "Payload",
        &Path::Root,
        &[
            "version",
            "sequence",
            "issued_at",
            "expires_at",
            "publisher",
            "comment",
            "pinsets",
            "entries",
            "blocklist",
            "next_signers",
            "channel",
        ],
    )?;
    Ok(Payload {
        version: f.must("version", u32_of)?,
        sequence: f.must("sequence", u64_of)?,
        issued_at: f.must("issued_at", string)?,
        expires_at: f.must("expires_at", string)?,
        publisher: f.must("publisher", string)?,
        comment: f.opt("comment", string)?,
        pinsets: f.must("pinsets", pinsets)?,
        entries: f.must("entries", entries)?,
        blocklist: f.or("blocklist", BlockListSpec::default(), blocklist)?,
        next_signers: f.opt("next_signers", signer_set)?,
        channel: f.opt("channel", string)?,
    })
}

fn pinsets(v: &Json, path: &Path) -> Read<BTreeMap<String, PinSetSpec>> {
    let members = v.as_object().ok_or_else(|| invalid(v, "a map", path))?;
    // One by one: collecting into the map sorts the pairs first, with a stable sort of its own
    // (3.9 KB gzip of the module). A name cannot come twice: the tree refuses such an object.
    let mut sets = BTreeMap::new();
    for (name, set) in members {
        sets.insert(name.to_string(), pinset(set, &Path::Key(path, name))?);
    }
    Ok(sets)
}

fn pinset(v: &Json, path: &Path) -> Read<PinSetSpec> {
    let f = Fields::of(
        v,
        "PinSetSpec",
        path,
        &["good", "bad", "issuer_keys", "comment"],
    )?;
    Ok(PinSetSpec {
        good: f.or("good", Vec::new(), strings)?,
        bad: f.or("bad", Vec::new(), strings)?,
        issuer_keys: f.or("issuer_keys", Vec::new(), strings)?,
        comment: f.opt("comment", string)?,
    })
}

fn entries(v: &Json, path: &Path) -> Read<Vec<EntrySpec>> {
    let items = v.as_array().ok_or_else(|| invalid(v, "a sequence", path))?;
    items
        .iter()
        .enumerate()
        .map(|(i, e)| entry(e, &Path::Index(path, i)))
        .collect()
}

fn entry(v: &Json, path: &Path) -> Read<EntrySpec> {
    let f = Fields::of(
        v,
        "EntrySpec",
        path,
        &[
            "host",
            "include_subdomains",
            "pinset",
            "mode",
            "cookie_scope",
            "comment",
        ],
    )?;
    Ok(EntrySpec {
        host: f.must("host", string)?,
        include_subdomains: f.or("include_subdomains", false, boolean)?,
        pinset: f.must("pinset", string)?,
        mode: f.must("mode", mode)?,
        cookie_scope: f.opt("cookie_scope", cookie_scope)?,
        comment: f.opt("comment", string)?,
    })
}

fn blocklist(v: &Json, path: &Path) -> Read<BlockListSpec> {
    let f = Fields::of(v, "BlockListSpec", path, &["spki", "certificates"])?;
    Ok(BlockListSpec {
        spki: f.or("spki", Vec::new(), strings)?,
        certificates: f.or("certificates", Vec::new(), strings)?,
    })
}

fn signer_set(v: &Json, path: &Path) -> Read<SignerSetSpec> {
    let f = Fields::of(v, "SignerSetSpec", path, &["keys", "threshold"])?;
    Ok(SignerSetSpec {
        keys: f.must("keys", strings)?,
        threshold: f.must("threshold", u32_of)?,
    })
}

fn read_extra_entry(v: &Json, path: &Path) -> Read<ExtraEntry> {
    let f = Fields::of(
        v,
        "ExtraEntry",
        path,
        &[
            "host",
            "includeSubdomains",
            "pins",
            "badPins",
            "issuerKeys",
            "mode",
        ],
    )?;
    Ok(ExtraEntry {
        host: f.must("host", string)?,
        include_subdomains: f.or("includeSubdomains", false, boolean)?,
        pins: f.or("pins", Vec::new(), strings)?,
        bad_pins: f.or("badPins", Vec::new(), strings)?,
        issuer_keys: f.or("issuerKeys", Vec::new(), strings)?,
        mode: f.or("mode", default_extra_mode(), mode)?,
    })
}
