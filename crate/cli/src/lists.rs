//! `lint`, `sign`, `verify`, `check` and `diff`: the pin list commands.

use crate::chain;
use crate::command::{
    clean, now_or, out, out_json, parse_time, read, read_document, write_atomic, Failure,
};
use crate::diff as diffs;
use crate::keys::{read_public, read_secret};
use crate::lint::{lint as lint_bytes, Problem};
use crate::secret_key::{SecretKey, SECRET_PREFIX};
use pinwatch_core::crypto::key::{decode_32, KeyError, SignerSet};
use pinwatch_core::judge::engine::{Engine, Settings};
use pinwatch_core::judge::verdict::{Status, Verdict};
use pinwatch_core::list::accept::{
    accept, same_signers, Accepted, Rejection, TrustSpec, TrustState,
};
use pinwatch_core::list::envelope::{Envelope, PAYLOAD_TYPE};
use pinwatch_core::list::json;
use pinwatch_core::list::sources::{SourceInput, SourceKind};
use pinwatch_core::list::{ListInfo, PinList};
use pinwatch_core::x509::cert::{parse_chain, MAX_CERT_BYTES, MAX_CHAIN_LEN};
use serde::Serialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Serialize)]
struct ProblemRow {
    path: String,
    rule: &'static str,
    /// "error" (the list breaks a publisher rule) or "warning" (advice).
    severity: &'static str,
    message: String,
}

fn rows(problems: &[Problem]) -> Vec<ProblemRow> {
    problems
        .iter()
        .map(|p| ProblemRow {
            path: p.path.clone(),
            rule: p.error.code(),
            severity: if p.error.is_warning() {
                "warning"
            } else {
                "error"
            },
            message: p.error.to_string(),
        })
        .collect()
}

/// Problems that break a rule (warnings aside).
fn errors(problems: &[Problem]) -> usize {
    problems.iter().filter(|p| !p.error.is_warning()).count()
}

fn problems_text(path: &Path, problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("{}: {}\n", path.display(), clean(&p.to_string())))
        .collect()
}

/// The payload of a file that holds either a payload or an envelope (signatures unchecked).
pub(crate) fn payload_of(
    path: &Path,
    bytes: &[u8],
) -> Result<(Vec<u8>, Option<Envelope>), Failure> {
    match Envelope::unverified_payload(bytes).map_err(|e| Failure::invalid(path, e))? {
        Some(payload) => Ok((
            payload,
            Some(Envelope::from_json(bytes).map_err(|e| Failure::invalid(path, e))?),
        )),
        None => Ok((bytes.to_vec(), None)),
    }
}

/// The lint rule the clock decides, kept apart from the publisher rules of `lint.rs` (which
/// read no clock): a list past its `expires_at` is enforced by no browser.
fn expired_row(payload: &[u8], now: i64) -> Option<ProblemRow> {
    #[derive(serde::Deserialize)]
    struct Expiry {
        expires_at: Option<String>,
    }
    let expires_at = serde_json::from_slice::<Expiry>(payload).ok()?.expires_at?;
    let at = pinwatch_core::time::parse_rfc3339(&expires_at).ok()?;
    (now > at).then(|| ProblemRow {
        path: "$.expires_at".into(),
        rule: "expired",
        severity: "error",
        message: format!(
            "the list expired at {}: browsers no longer enforce it; set issued_at and expires_at anew (and bump sequence) before signing",
            clean(&expires_at)
        ),
    })
}

pub fn lint(path: &Path, now: Option<i64>, json: bool) -> Result<ExitCode, Failure> {
    let bytes = read_document(path)?;
    let (problems, expired) = match payload_of(path, &bytes) {
        Ok((payload, _)) => (lint_bytes(&payload), expired_row(&payload, now_or(now))),
        Err(Failure::Invalid(msg)) if json => {
            return out_json(&[ProblemRow {
                path: "$".into(),
                rule: "envelope",
                severity: "error",
                message: msg,
            }])
            .map(|_| ExitCode::from(1))
        }
        Err(e) => return Err(e),
    };
    let failed = errors(&problems) > 0 || expired.is_some();
    if json {
        let mut all = rows(&problems);
        all.extend(expired);
        out_json(&all)?;
    } else if problems.is_empty() && expired.is_none() {
        out(&format!("{}: ok, no problems\n", path.display()))?;
    } else {
        let mut text = problems_text(path, &problems);
        if let Some(e) = &expired {
            text.push_str(&format!("{}: {}: {}\n", path.display(), e.path, e.message));
        }
        out(&text)?;
    }
    Ok(if !failed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[derive(clap::Args)]
pub struct SignArgs {
    /// A payload, or an envelope to add signatures to
    #[arg(value_name = "PAYLOAD.json")]
    input: PathBuf,
    /// A secret key file from `pinwatch keygen`, or - to read that file's content from standard
    /// input; never the key itself. Repeat for several signers (at most one -)
    #[arg(long = "key", required = true, value_name = "K.key|-")]
    keys: Vec<PathBuf>,
    /// Where to write the envelope (may be the input, to add a signature in place)
    #[arg(long, value_name = "LIST.json")]
    out: PathBuf,
    /// The signed list live on the channel now: its rotation steps are carried into the new
    /// envelope, so browsers that missed a rotation can still follow it. Give it on every
    /// release after the first (with a payload, not when adding signatures to an envelope)
    #[arg(long, value_name = "PUBLISHED.json")]
    chain: Option<PathBuf>,
    /// The channel the list is published on (its URL, or the name its configuration binds
    /// to): written into the payload, and so signed; browsers refuse it on any other channel
    #[arg(long, value_name = "URL")]
    channel: Option<String>,
    /// Sign even when the payload breaks publisher rules
    #[arg(long)]
    allow_lint_errors: bool,
    /// Print JSON for scripts instead of text
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SignOutput {
    out: String,
    payload_type: &'static str,
    added: Vec<String>,
    signatures: Vec<String>,
    /// Rotation steps the envelope carries.
    rotations: usize,
    /// Whether this run signed the step this list makes (it names new `next_signers`).
    signed_rotation_step: bool,
    lint_problems: Vec<ProblemRow>,
}

/// Key files are one line; standard input is read no further than a key file would be.
const STDIN_KEY_LIMIT: usize = 4096;

/// The `--key` value that means standard input.
fn is_stdin(arg: &Path) -> bool {
    arg.as_os_str() == "-"
}

/// Whether a `--key` value that names no file is the secret itself: the key file's line, the
/// base64 of a 32-byte seed, or 64 hex digits. A key typed on the command line sits in the
/// shell's history and in every process listing, so it is refused, and never echoed.
fn is_key_material(arg: &Path) -> bool {
    if arg.exists() {
        return false;
    }
    let text = arg.to_string_lossy();
    let text = text.trim();
    text.starts_with(SECRET_PREFIX)
        || decode_32(text).is_ok()
        || (text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Checks the `--key` values before anything is read.
fn check_key_args(keys: &[PathBuf]) -> Result<(), Failure> {
    if keys.iter().filter(|k| is_stdin(k)).count() > 1 {
        return Err(Failure::Usage(
            "--key -: standard input holds one key; give the others as files".into(),
        ));
    }
    if keys.iter().any(|k| is_key_material(k)) {
        return Err(Failure::Usage(
            "--key: give the key as a file or '-' (standard input), not on the command line (treat a key typed there as exposed: it may be in the shell history)".into(),
        ));
    }
    Ok(())
}

/// The secret key file's content, read from standard input (a secret store piping it in).
fn read_secret_stdin() -> Result<SecretKey, Failure> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(STDIN_KEY_LIMIT as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::Io("standard input".into(), e))?;
    let key = if bytes.iter().all(u8::is_ascii_whitespace) {
        Err(Failure::Invalid(
            "standard input is empty: pipe the secret key file's content into --key - (e.g. pass show team-a.key | pinwatch sign ...)".into(),
        ))
    } else if bytes.len() > STDIN_KEY_LIMIT {
        Err(Failure::Invalid(format!(
            "standard input: more than {STDIN_KEY_LIMIT} bytes, not a Pinwatch secret key file"
        )))
    } else {
        std::str::from_utf8(&bytes)
            .map_err(|_| Failure::Invalid("standard input: not a Pinwatch secret key file".into()))
            .and_then(|text| {
                SecretKey::from_text(text)
                    .map_err(|e| Failure::Invalid(format!("standard input: {e}")))
            })
    };
    bytes.fill(0);
    key
}

pub fn sign(args: &SignArgs) -> Result<ExitCode, Failure> {
    check_key_args(&args.keys)?;
    let bytes = read_document(&args.input)?;
    let (payload, existing) = payload_of(&args.input, &bytes)?;
    let payload = match &args.channel {
        Some(channel) => crate::binding::bind(&args.input, payload, existing.is_some(), channel)?,
        None => payload,
    };
    if let Some(envelope) = &existing {
        if envelope.payload_type != PAYLOAD_TYPE {
            return Err(Failure::invalid(
                &args.input,
                format!(
                    "the envelope's payloadType is {:?}, not {PAYLOAD_TYPE:?}",
                    clean(&envelope.payload_type)
                ),
            ));
        }
    }
    // A list that cannot be compiled would be refused by every reader: never worth signing.
    let list = PinList::from_json(&payload)
        .map_err(|e| Failure::invalid(&args.input, format!("not a valid pin list: {e}")))?;
    if existing.is_some() && args.chain.is_some() {
        return Err(Failure::Usage(format!(
            "--chain: {} is already an envelope and carries its rotation steps; give --chain when signing the payload",
            args.input.display()
        )));
    }
    let problems = lint_bytes(&payload);
    if errors(&problems) > 0 && !args.allow_lint_errors {
        out(&problems_text(&args.input, &problems))?;
        return Err(Failure::Invalid(format!(
            "{}: not signed: {} lint problem(s); fix them, or pass --allow-lint-errors",
            args.input.display(),
            errors(&problems)
        )));
    }
    let mut envelope = match existing {
        Some(envelope) => envelope,
        None => {
            let steps = match &args.chain {
                Some(path) => chain::carried(path, list.info.sequence)?,
                None => Vec::new(),
            };
            let mut envelope = Envelope::unsigned(PAYLOAD_TYPE, &payload);
            envelope.rotations = chain::with_own_step(steps, &list);
            envelope
        }
    };
    let mut seen = HashSet::new();
    let mut added = Vec::new();
    let mut signed_step = false;
    for path in &args.keys {
        let (key, name) = if is_stdin(path) {
            (read_secret_stdin()?, "standard input".to_string())
        } else {
            (read_secret(path)?, path.display().to_string())
        };
        let id = key.public().id();
        if !seen.insert(id) {
            return Err(Failure::Usage(format!(
                "{name}: the same key is given twice; a key counts once"
            )));
        }
        if envelope.is_signed_by(&id) {
            return Err(Failure::Usage(format!(
                "{name}: the envelope is already signed by key {id}"
            )));
        }
        key.sign_envelope(&mut envelope, &payload);
        signed_step |= chain::sign_own_step(&mut envelope, list.info.sequence, &key);
        added.push(id.to_string());
    }
    write_atomic(&args.out, envelope.to_json().as_bytes())?;
    let signatures: Vec<String> = envelope
        .signatures
        .iter()
        .map(|s| s.keyid.clone())
        .collect();
    if args.json {
        out_json(&SignOutput {
            out: args.out.display().to_string(),
            payload_type: PAYLOAD_TYPE,
            added,
            signatures,
            rotations: envelope.rotations.len(),
            signed_rotation_step: signed_step,
            lint_problems: rows(&problems),
        })?;
    } else {
        let mut text = String::new();
        for id in &added {
            text.push_str(&format!("signed by {id}\n"));
        }
        if signed_step {
            text.push_str(&format!(
                "signed the rotation step of sequence {} too (it hands signing to next_signers; it needs a threshold of the current and of the new keys)\n",
                list.info.sequence
            ));
        }
        text.push_str(&format!(
            "wrote {} ({} signature(s), {} rotation step(s))\n",
            args.out.display(),
            signatures.len(),
            envelope.rotations.len()
        ));
        out(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Where the trust comes from: keys on the command line, or a state file.
#[derive(clap::Args)]
pub struct TrustArgs {
    /// A trusted public key: a .pub file or the key text itself; repeat for several
    #[arg(
        long = "trust",
        value_name = "K.pub",
        required_unless_present = "state"
    )]
    trust: Vec<PathBuf>,
    /// How many distinct trusted keys must sign
    #[arg(long, value_name = "N", conflicts_with = "state", default_value_t = 1)]
    threshold: u32,
    /// The sequence of the last accepted list: only a greater one is accepted
    #[arg(long, value_name = "N", default_value_t = 0, conflicts_with = "state")]
    after_sequence: u64,
    /// A trust state file {"keys": [...], "threshold": N, "sequence": N} instead of --trust
    #[arg(long, value_name = "STATE.json", conflicts_with = "trust")]
    state: Option<PathBuf>,
    /// Verify as of this time (RFC 3339) instead of the system clock
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    now: Option<i64>,
}

impl TrustArgs {
    fn load(&self) -> Result<TrustState, Failure> {
        if let Some(path) = &self.state {
            let spec: TrustSpec = json::parse(&read_document(path)?).map_err(|e| {
                Failure::Usage(format!("{}: not a trust state: {e}", path.display()))
            })?;
            return TrustState::from_spec(&spec)
                .map_err(|e| Failure::Usage(format!("{}: {e}", path.display())));
        }
        let keys = self
            .trust
            .iter()
            .map(|p| read_public(p))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| match e {
                Failure::Invalid(msg) => Failure::Usage(msg),
                other => other,
            })?;
        let signers = SignerSet::new(keys, self.threshold)
            .map_err(|e: KeyError| Failure::Usage(format!("--trust/--threshold: {e}")))?;
        Ok(TrustState {
            signers,
            sequence: self.after_sequence,
        })
    }
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    #[arg(value_name = "LIST.json")]
    list: PathBuf,
    #[command(flatten)]
    trust: TrustArgs,
    /// The channel the list was fetched from (its URL, or the name its configuration binds
    /// to): a list signed for another channel, or naming none, is refused
    #[arg(long, value_name = "URL")]
    channel: Option<String>,
    /// On acceptance, write the new trust state (sequence, rotated keys) back to --state
    #[arg(long, requires = "state")]
    update_state: bool,
    /// Print JSON for scripts instead of text
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AcceptedOutput<'a> {
    accepted: bool,
    info: &'a ListInfo,
    signed_by: Vec<String>,
    rotated: bool,
    /// Rotation steps followed, from the trusted keys to the list's signers.
    rotations_followed: usize,
    trust: TrustSpec,
    /// The state file `--update-state` wrote.
    #[serde(skip_serializing_if = "Option::is_none")]
    wrote_state: Option<String>,
}

#[derive(Serialize)]
struct RejectedOutput {
    accepted: bool,
    code: &'static str,
    reason: String,
}

fn rejected(rejection: &Rejection, json: bool) -> Result<ExitCode, Failure> {
    if json {
        out_json(&RejectedOutput {
            accepted: false,
            code: rejection.code(),
            reason: rejection.to_string(),
        })?;
    } else {
        out(&format!(
            "rejected ({}): {}\n",
            rejection.code(),
            clean(&rejection.to_string())
        ))?;
    }
    Ok(ExitCode::from(1))
}

fn summary(a: &Accepted) -> String {
    let info = &a.list.info;
    let ids: Vec<String> = a.signed_by.iter().map(|k| k.to_string()).collect();
    let mut s = format!(
        "accepted: {} sequence {}\nvalid: {} to {}\nentries: {}, pin sets: {}\nsigned by: {}\n",
        clean(&info.publisher),
        info.sequence,
        clean(&info.issued_at),
        clean(&info.expires_at),
        info.entries,
        info.pinsets,
        ids.join(", ")
    );
    if let Some(channel) = &info.channel {
        s.push_str(&format!("channel: {}\n", clean(channel)));
    }
    if a.rotations_followed > 0 {
        s.push_str(&format!(
            "followed {} rotation step(s) from the trusted keys to the list's signers\n",
            a.rotations_followed
        ));
    }
    if a.rotated {
        let keys: Vec<String> = a
            .trust
            .signers
            .keys()
            .iter()
            .map(|k| k.id().to_string())
            .collect();
        s.push_str(&format!(
            "rotation: signing passes to {} of [{}]\n",
            a.trust.signers.threshold(),
            keys.join(", ")
        ));
    }
    s
}

/// A payload given where a signed list belongs: the envelope parser's complaint ("unknown field
/// `version`") would not say what to do.
fn unsigned_payload(bytes: &[u8], rejection: &Rejection) -> Option<RejectedOutput> {
    if rejection.code() != "not-an-envelope" || PinList::from_json(bytes).is_err() {
        return None;
    }
    Some(RejectedOutput {
        accepted: false,
        code: rejection.code(),
        reason: "this is an unsigned payload, not a signed list: sign it first (pinwatch sign PAYLOAD.json --key K.key --out LIST.json) and verify LIST.json".into(),
    })
}

fn refused(bytes: &[u8], rejection: &Rejection, json: bool) -> Result<ExitCode, Failure> {
    match unsigned_payload(bytes, rejection) {
        Some(r) if json => out_json(&r).map(|_| ExitCode::from(1)),
        Some(r) => {
            out(&format!("rejected ({}): {}\n", r.code, r.reason)).map(|_| ExitCode::from(1))
        }
        None => rejected(rejection, json),
    }
}

pub fn verify(args: &VerifyArgs) -> Result<ExitCode, Failure> {
    let trust = args.trust.load()?;
    let bytes = read_document(&args.list)?;
    let channel = crate::binding::binding(args.channel.as_deref())?;
    let accepted = match accept(&bytes, &trust, channel.as_ref(), now_or(args.trust.now)) {
        Ok(a) => a,
        Err(rejection) => return refused(&bytes, &rejection, args.json),
    };
    let mut wrote_state = None;
    if args.update_state {
        if let Some(path) = &args.trust.state {
            let text =
                serde_json::to_string_pretty(&accepted.trust.to_spec()).unwrap_or_default() + "\n";
            write_atomic(path, text.as_bytes())?;
            wrote_state = Some(path.display().to_string());
        }
    }
    if args.json {
        out_json(&AcceptedOutput {
            accepted: true,
            info: &accepted.list.info,
            signed_by: accepted.signed_by.iter().map(|k| k.to_string()).collect(),
            rotated: accepted.rotated,
            rotations_followed: accepted.rotations_followed,
            trust: accepted.trust.to_spec(),
            wrote_state,
        })?;
    } else {
        let mut text = summary(&accepted);
        if let Some(path) = wrote_state {
            let changed = if same_signers(&trust.signers, &accepted.trust.signers) {
                "same keys"
            } else {
                "the rotated keys"
            };
            text.push_str(&format!(
                "wrote {path}: sequence {}, threshold {} of {} key(s) ({changed})\n",
                accepted.trust.sequence,
                accepted.trust.signers.threshold(),
                accepted.trust.signers.keys().len()
            ));
        }
        out(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// The signed list (envelope), then the served chain, leaf first (PEM or DER): the list comes
    /// first, as in every other command
    #[arg(value_names = ["LIST.json", "CHAIN.pem"], num_args = 1..=2, required = true)]
    files: Vec<PathBuf>,
    /// The list, as earlier versions spelled it (`--list LIST.json CHAIN.pem`)
    #[arg(long = "list", hide = true, value_name = "LIST.json")]
    list_flag: Option<PathBuf>,
    #[command(flatten)]
    trust: TrustArgs,
    /// The host the chain was served for
    #[arg(long, value_name = "HOST")]
    host: String,
    /// Print JSON for scripts instead of text
    #[arg(long)]
    json: bool,
}

fn verdict_text(v: &Verdict) -> String {
    let status = serde_json::to_value(v.status)
        .ok()
        .and_then(|s| s.as_str().map(String::from))
        .unwrap_or_default();
    let mut s = format!("{status}: {}\nhost: {}\n", clean(&v.reason), clean(&v.host));
    if let Some(action) = v.action {
        s.push_str(&format!(
            "action: {}\n",
            format!("{action:?}").to_lowercase()
        ));
    }
    if let Some(e) = &v.entry {
        let sub = if e.include_subdomains {
            " and subdomains"
        } else {
            ""
        };
        s.push_str(&format!(
            "entry: {}{sub}, pin set {}, mode {}\n",
            clean(&e.host),
            clean(&e.pinset),
            format!("{:?}", e.mode).to_lowercase()
        ));
    }
    if let Some(m) = &v.matched {
        let at = m
            .cert_index
            .map(|i| format!(" (certificate {i})"))
            .unwrap_or_default();
        s.push_str(&format!("matched: {}{at}\n", m.pin));
    }
    for (i, c) in v.chain.iter().enumerate() {
        s.push_str(&format!(
            "chain[{i}]: {} | issuer {} | pin-sha256 {}\n",
            clean(&c.subject),
            clean(&c.issuer),
            c.spki_sha256
        ));
    }
    s
}

impl CheckArgs {
    /// The list and the chain, from `LIST.json CHAIN.pem` or the older `--list LIST.json CHAIN.pem`.
    fn paths(&self) -> Result<(&Path, &Path), Failure> {
        match (&self.list_flag, self.files.as_slice()) {
            (None, [list, chain]) | (Some(list), [chain]) => Ok((list, chain)),
            _ => Err(Failure::Usage(
                "check takes the signed list and the served chain: pinwatch check LIST.json CHAIN.pem --host HOST --trust K.pub".into(),
            )),
        }
    }
}

pub fn check(args: &CheckArgs) -> Result<ExitCode, Failure> {
    let (list_path, chain_path) = args.paths()?;
    let trust = args.trust.load()?;
    let bytes = read_document(list_path)?;
    let now = now_or(args.trust.now);
    let accepted = match accept(&bytes, &trust, None, now) {
        Ok(a) => a,
        Err(rejection) => return refused(&bytes, &rejection, args.json),
    };
    let chain_bytes = read(chain_path, MAX_CERT_BYTES * MAX_CHAIN_LEN)?;
    let chain: Vec<Vec<u8>> = parse_chain(&chain_bytes)
        .map_err(|e| Failure::invalid(chain_path, e))?
        .iter()
        .map(|c| c.der().to_vec())
        .collect();
    let source = SourceInput {
        origin: list_path.display().to_string(),
        kind: SourceKind::Channel,
        list: Some(accepted.list),
        ..SourceInput::default()
    };
    let (engine, _) = Engine::from_inputs(vec![source], &Settings::default());
    let verdict = engine.check(&args.host, &chain, now);
    if args.json {
        out_json(&verdict)?;
    } else {
        out(&verdict_text(&verdict))?;
    }
    Ok(match verdict.status {
        Status::Pinned | Status::Unpinned | Status::AllowedInterception => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    })
}

pub fn diff(old: &Path, new: &Path, json: bool) -> Result<ExitCode, Failure> {
    let read_one = |path: &Path| -> Result<_, Failure> {
        diffs::read(&read_document(path)?).map_err(|e| Failure::invalid(path, e))
    };
    let (old, new) = (read_one(old)?, read_one(new)?);
    let d = diffs::diff(&old, &new);
    if json {
        out_json(&d)?;
    } else {
        out(&clean_lines(&d.to_string()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `clean`, keeping the newlines that separate the diff's lines.
fn clean_lines(text: &str) -> String {
    text.lines().map(|l| clean(l) + "\n").collect()
}
