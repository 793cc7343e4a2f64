//! Sources read once and kept between wakes in a compact form, so that the module every wake
//! loads only decodes them and carries none of the lists' reading (the JSON reader, the payload's
//! checks, extra entries). The signed-list module compiles; the per-wake module decodes.
//!
//! A compiled form names the exact inputs it was made from: the SHA-256 of every source as the
//! caller hands it over, of this format, of this build's version and of the core's sources
//! (`build.rs`, so that a form an older build stored is compiled again after an update).
//! [`decode`] takes the inputs of the wake and refuses a form made from any other, so a stored
//! form can never stand for lists, extra entries or scopes it was not made from: a changed input
//! only costs a compile. Settings are not part of it; the engine applies them at every build.
//!
//! Inputs that carry an already accepted list (`SourceInput::list`, the CLI's) are not text
//! and are not compiled: [`compile`] refuses them.

use crate::judge::engine::{ExtraBad, Source};
use crate::list::sources::{read_sources, SourceInput, SourceKind, SourceProblem};
use crate::list::{Entry, ListInfo, Mode, PinList, PinSet, SignerSetSpec};
use crate::x509::pin::Pin;
use core::fmt;
use sha2::{Digest, Sha256};

/// The first bytes of a compiled form; the last one is the format's version.
const MAGIC: &[u8; 4] = b"PWc\x01";
const FINGERPRINT_LEN: usize = 32;

/// Why a compiled form was not used; the caller compiles the inputs again.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CompiledError {
    /// The form was made from other inputs, by another build, or in another format.
    Stale,
    /// The form ends before its last field, or a field is not what its place holds.
    Malformed,
    /// An input carries an accepted list rather than text, which has no fingerprint.
    NotText,
}

impl fmt::Display for CompiledError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CompiledError::Stale => "the compiled sources were made from other inputs",
            CompiledError::Malformed => "the compiled sources are malformed",
            CompiledError::NotText => "an input is an accepted list, not text",
        })
    }
}

impl std::error::Error for CompiledError {}

/// The SHA-256 of the inputs, field by field with their lengths, of this format, of this
/// build's version and of the core's sources: two inputs that differ anywhere have different
/// fingerprints, and so have the same inputs under two builds.
pub fn fingerprint(inputs: &[SourceInput]) -> Result<[u8; FINGERPRINT_LEN], CompiledError> {
    let mut h = Sha256::new();
    let mut field = |bytes: Option<&[u8]>| match bytes {
        None => h.update([0]),
        Some(b) => {
            h.update([1]);
            h.update((b.len() as u64).to_le_bytes());
            h.update(b);
        }
    };
    field(Some(MAGIC));
    field(Some(env!("CARGO_PKG_VERSION").as_bytes()));
    field(Some(env!("PINWATCH_CORE_SOURCE_ID").as_bytes()));
    field(Some(&(inputs.len() as u64).to_le_bytes()));
    for input in inputs {
        if input.list.is_some() {
            return Err(CompiledError::NotText);
        }
        field(Some(input.origin.as_bytes()));
        field(Some(input.kind.as_str().as_bytes()));
        field(input.payload.as_deref().map(str::as_bytes));
        for list in [&input.extra_entries, &input.scope] {
            match list {
                None => field(None),
                Some(texts) => {
                    field(Some(&(texts.len() as u64).to_le_bytes()));
                    texts.iter().for_each(|t| field(Some(t.as_bytes())));
                }
            }
        }
    }
    Ok(h.finalize().into())
}

/// The inputs read ([`read_sources`]) and kept compact, with the problems reading found (which
/// the caller keeps beside the form: they are for the options page, not for the engine).
pub fn compile(inputs: Vec<SourceInput>) -> Result<(Vec<u8>, Vec<SourceProblem>), CompiledError> {
    let print = fingerprint(&inputs)?;
    let read = read_sources(inputs);
    let mut out = Out(Vec::new());
    out.0.extend_from_slice(MAGIC);
    out.0.extend_from_slice(&print);
    out.count(read.sources.len());
    for source in &read.sources {
        out.source(source);
    }
    out.count(read.extra_bad.len());
    for bad in &read.extra_bad {
        out.text(&bad.origin);
        out.text(&bad.host);
        out.byte(bad.include_subdomains as u8);
        out.pins(&bad.pins);
        out.byte(bad.mode as u8);
    }
    Ok((out.0, read.problems))
}

/// The sources and extra bad pins `form` holds, when it was compiled from exactly `inputs`.
pub fn decode(
    form: &[u8],
    inputs: &[SourceInput],
) -> Result<(Vec<Source>, Vec<ExtraBad>), CompiledError> {
    let head = MAGIC.len() + FINGERPRINT_LEN;
    if form.len() < head || form[..MAGIC.len()] != MAGIC[..] {
        return Err(CompiledError::Stale);
    }
    if form[MAGIC.len()..head] != fingerprint(inputs)? {
        return Err(CompiledError::Stale);
    }
    let mut r = In {
        rest: &form[head..],
        bad: false,
    };
    let sources: Option<Vec<Source>> = r.each(In::source).into_iter().collect();
    let extra_bad = r.each(|r| ExtraBad {
        origin: r.text(),
        host: r.text(),
        include_subdomains: r.flag(),
        pins: r.pins(),
        mode: r.mode(),
    });
    match sources {
        Some(sources) if !r.bad && r.rest.is_empty() => Ok((sources, extra_bad)),
        _ => Err(CompiledError::Malformed),
    }
}

struct Out(Vec<u8>);

impl Out {
    fn byte(&mut self, b: u8) {
        self.0.push(b);
    }

    /// LEB128, as WebAssembly writes its own numbers.
    fn number(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.0.push(n as u8 | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }

    fn count(&mut self, n: usize) {
        self.number(n as u64);
    }

    fn bytes(&mut self, b: &[u8]) {
        self.count(b.len());
        self.0.extend_from_slice(b);
    }

    fn text(&mut self, t: &str) {
        self.bytes(t.as_bytes());
    }

    fn texts(&mut self, ts: &[String]) {
        self.count(ts.len());
        ts.iter().for_each(|t| self.text(t));
    }

    fn pins(&mut self, pins: &[Pin]) {
        self.count(pins.len());
        pins.iter().for_each(|p| self.0.extend_from_slice(&p.0));
    }

    fn opt_text(&mut self, t: Option<&str>) {
        self.byte(t.is_some() as u8);
        if let Some(t) = t {
            self.text(t);
        }
    }

    fn source(&mut self, s: &Source) {
        self.text(&s.origin);
        self.byte(s.kind as u8);
        self.byte(s.scope.is_some() as u8);
        if let Some(scope) = &s.scope {
            self.texts(scope);
        }
        let list = &s.list;
        let info = &list.info;
        self.text(&info.publisher);
        self.number(info.sequence);
        self.text(&info.issued_at);
        self.text(&info.expires_at);
        self.number(info.issued_at_unix as u64);
        self.number(info.expires_at_unix as u64);
        self.opt_text(info.channel.as_deref());
        self.count(list.pinsets.len());
        for set in &list.pinsets {
            self.text(&set.name);
            self.pins(&set.good);
            self.pins(&set.bad);
            self.count(set.issuer_keys.len());
            for (pin, der) in &set.issuer_keys {
                self.0.extend_from_slice(&pin.0);
                self.bytes(der);
            }
        }
        self.count(list.entries.len());
        for e in &list.entries {
            self.text(&e.host);
            self.byte(e.include_subdomains as u8);
            self.count(e.pinset);
            self.byte(e.mode as u8);
        }
        self.pins(&list.blocked_spki);
        self.pins(&list.blocked_certs);
        self.byte(list.next_signers.is_some() as u8);
        if let Some(signers) = &list.next_signers {
            self.texts(&signers.keys);
            self.number(signers.threshold.into());
        }
    }
}

/// A reader that never reads past the form's end, and never allocates for more items than the
/// bytes left could hold. A field that is not what its place holds marks the form `bad`; from
/// then on every read is empty, and [`decode`] refuses the whole form. Sticky rather than `?` at
/// every field: this is the per-wake module's code, where each early return costs bytes.
struct In<'a> {
    rest: &'a [u8],
    bad: bool,
}

impl<'a> In<'a> {
    fn fail(&mut self) {
        self.bad = true;
        self.rest = &[];
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        if n > self.rest.len() {
            self.fail();
        }
        let (head, rest) = self.rest.split_at(n.min(self.rest.len()));
        self.rest = rest;
        head
    }

    fn byte(&mut self) -> u8 {
        self.take(1).first().copied().unwrap_or(0)
    }

    fn flag(&mut self) -> bool {
        let b = self.byte();
        if b > 1 {
            self.fail();
        }
        b == 1
    }

    fn number(&mut self) -> u64 {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte();
            n |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return n;
            }
        }
        self.fail();
        0
    }

    /// A count of items, each at least one byte: never more than the bytes left.
    fn count(&mut self) -> usize {
        let n = self.number();
        if n > self.rest.len() as u64 {
            self.fail();
            return 0;
        }
        n as usize
    }

    fn each<T>(&mut self, mut item: impl FnMut(&mut Self) -> T) -> Vec<T> {
        let n = self.count();
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(item(self));
        }
        items
    }

    fn bytes(&mut self) -> Vec<u8> {
        let n = self.count();
        self.take(n).to_vec()
    }

    fn text(&mut self) -> String {
        let n = self.count();
        match core::str::from_utf8(self.take(n)) {
            Ok(t) => t.to_string(),
            Err(_) => {
                self.fail();
                String::new()
            }
        }
    }

    fn texts(&mut self) -> Vec<String> {
        self.each(In::text)
    }

    fn pin(&mut self) -> Pin {
        let mut pin = [0; 32];
        let bytes = self.take(32);
        if bytes.len() == 32 {
            pin.copy_from_slice(bytes);
        }
        Pin(pin)
    }

    /// Pins are 32 bytes each: a count no form could hold allocates nothing.
    fn pins(&mut self) -> Vec<Pin> {
        let n = self.count();
        if n.saturating_mul(32) > self.rest.len() {
            self.fail();
            return Vec::new();
        }
        (0..n).map(|_| self.pin()).collect()
    }

    /// The variant of `all` whose discriminant the byte holds.
    fn variant<E: Copy>(&mut self, all: &[E], index: fn(E) -> u8) -> E {
        let b = self.byte();
        all.iter()
            .copied()
            .find(|e| index(*e) == b)
            .unwrap_or_else(|| {
                self.fail();
                all[0]
            })
    }

    fn mode(&mut self) -> Mode {
        self.variant(Mode::ALL, |m| m as u8)
    }

    /// `None` (and the form `bad`) for a list whose entries name a pin set it lacks, or a host twice.
    fn source(&mut self) -> Option<Source> {
        let origin = self.text();
        let kind = self.variant(SourceKind::ALL, |k| k as u8);
        let scope = self.flag().then(|| self.texts());
        let info = ListInfo {
            publisher: self.text(),
            sequence: self.number(),
            issued_at: self.text(),
            expires_at: self.text(),
            issued_at_unix: self.number() as i64,
            expires_at_unix: self.number() as i64,
            entries: 0,
            pinsets: 0,
            channel: self.flag().then(|| self.text()),
        };
        let pinsets = self.each(|r| PinSet {
            name: r.text(),
            good: r.pins(),
            bad: r.pins(),
            issuer_keys: r.each(|r| (r.pin(), r.bytes())),
        });
        let entries = self.each(|r| Entry {
            host: r.text(),
            include_subdomains: r.flag(),
            pinset: r.number() as usize,
            mode: r.mode(),
        });
        let blocked = (self.pins(), self.pins());
        let next_signers = self.flag().then(|| SignerSetSpec {
            keys: self.texts(),
            threshold: self.number() as u32,
        });
        let Some(list) = PinList::from_parts(info, pinsets, entries, blocked, next_signers) else {
            self.fail();
            return None;
        };
        Some(Source {
            origin,
            kind,
            list,
            scope,
        })
    }
}
