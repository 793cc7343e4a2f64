//! `monitor`: connect to every host of a pin list and judge the chain each one serves today,
//! exactly as the extension would, before a release (or a CA change) makes it alarm.
//!
//! Each host gets one of four words:
//!
//! - `ok`: the verdict is `pinned` (or `allowed-interception`, which only a policy setting can
//!   give and `monitor` sets none), and no pinned certificate expires soon;
//! - `expiring`: as `ok`, but a certificate of the served chain whose SPKI is one of the entry's
//!   good pins (or the leaf, when the verdict rests on an issuer-key proof) expires within
//!   `--warn-days`: the pin still holds, but the host will soon serve another chain;
//! - `drift`: every other verdict. `mismatch` and `blocked` are what the list would alarm on
//!   today; `unverifiable` (a chain the core cannot read or link), `stale` and `stale-mismatch`
//!   (the list has expired) and `unpinned` (cannot happen for a listed host) mean the list does
//!   not protect the host as written, so they are `drift` too, with the verdict's reason, never `ok`;
//! - `unreachable`: no chain was read (name lookup, connect, TLS error, a timeout, or the run's
//!   deadline), with the error.
//!
//! Whether the chain also verifies against the public roots (or `--ca`) is reported beside the
//! status (`verified`, `verifyError`) but does not change it: the pins decide, as in the
//! extension (the browser's own verification happens before it, not in it).
//!
//! The served chain is judged by a path of verified signatures (`Engine::check_path`), and
//! completed as the extension completes it (`extension/completion.js`): while the verdict is
//! neither `pinned` nor `blocked` and the path ends at a certificate whose issuer is not at hand,
//! a `--ca` certificate named as that issuer is offered (origin `cached`: held locally), else the
//! next caIssuers URL the verdict wants is fetched (origin `fetched`), and the chain is judged
//! again; at most [`MAX_FETCHES`] fetches of at most 1 MiB each, within [`FETCH_BUDGET`] (and the
//! host's `--timeout`). A fetched certificate counts only once the core links it by signature.

use crate::aia::Fetcher;
use crate::certs::{Connect, Tls};
use crate::command::{clean, now_or, out, out_json, read, read_document, Failure};
use crate::lists::payload_of;
use pinwatch_core::host;
use pinwatch_core::judge::engine::{Engine, Settings};
use pinwatch_core::judge::path::{CertOrigin, Given, PathView, SignatureCache};
use pinwatch_core::judge::verdict::{MatchKind, Matched, Status, Verdict};
use pinwatch_core::list::sources::{SourceInput, SourceKind};
use pinwatch_core::list::PinList;
use pinwatch_core::time::format_rfc3339;
use pinwatch_core::x509::cert::{parse_chain, spki_pin, Cert, MAX_CERT_BYTES, MAX_CHAIN_LEN};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// The port every entry is checked on, unless `--connect-to` says otherwise.
const HTTPS_PORT: u16 = 443;

/// Exit status when no host drifted but some could not be reached.
const ONLY_UNREACHABLE: u8 = 3;
/// No drift, but the list itself expires within `--warn-days`: the next one must be published.
const LIST_EXPIRING: u8 = 4;

/// The most AIA fetches for one host (the extension's `MAX_FETCHES`).
pub const MAX_FETCHES: usize = 4;

/// The time one host's completion may take, within its `--timeout` (the extension's
/// `FETCH_BUDGET_MS`).
pub const FETCH_BUDGET: Duration = Duration::from_secs(4);

/// The most URLs whose outcome a run keeps (each certificate at most 64 KiB).
const MAX_KEPT_URLS: usize = 1024;

#[derive(clap::Args)]
pub struct MonitorArgs {
    /// The pin list: a payload or a signed envelope (signatures are not checked)
    #[arg(value_name = "LIST.json")]
    list: PathBuf,
    /// When checking HOST, connect to ADDR:PORT instead (still sending HOST in SNI); repeat for
    /// several hosts. IPv6: [::1]. For tests and split-horizon networks
    #[arg(long = "connect-to", value_name = "HOST:ADDR:PORT")]
    connect_to: Vec<String>,
    /// Verify chains against the CA certificates in FILE (PEM or DER) instead of the public Web
    /// PKI roots (reported as `verified`; the pins decide the status); they are also offered to
    /// complete a path, so a private root the list pins links without fetching
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,
    /// Report `expiring` when a pinned certificate of the served chain, or the list itself,
    /// expires within DAYS
    #[arg(long, default_value_t = 30, value_name = "DAYS")]
    warn_days: u32,
    /// How many hosts are checked at once
    #[arg(long, default_value_t = 8, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=256))]
    concurrency: u32,
    /// Seconds each host may take: name lookup, connect, TLS handshake and completing the chain
    #[arg(long, default_value_t = 10, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
    /// Seconds the whole run may take; hosts not done by then are `unreachable`
    #[arg(long, default_value_t = 300, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    deadline: u64,
    /// Print JSON for scripts instead of text
    #[arg(long)]
    json: bool,
}

/// The four words of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Health {
    Ok,
    Drift,
    Expiring,
    Unreachable,
}

impl Health {
    fn as_str(self) -> &'static str {
        match self {
            Health::Ok => "ok",
            Health::Drift => "drift",
            Health::Expiring => "expiring",
            Health::Unreachable => "unreachable",
        }
    }
}

/// One host's line of the report.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct HostRow {
    host: String,
    status: Health,
    reason: String,
    /// The core's verdict (`pinned`, `mismatch`, …); absent when no chain was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    verdict: Option<Status>,
    /// Where the connection was asked to go (`--connect-to`, or HOST:443).
    connect: String,
    /// The address it reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    /// The SPKI pin of each certificate served, leaf first (`null` for one that cannot be read).
    served_pins: Vec<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    matched: Option<Matched>,
    /// The earliest expiry among the served certificates the pins rest on.
    #[serde(skip_serializing_if = "Option::is_none")]
    not_after: Option<String>,
    /// Whole days from now to `notAfter` (negative: already expired).
    #[serde(skip_serializing_if = "Option::is_none")]
    days_left: Option<i64>,
    /// Whether the chain verifies against the roots (`--ca`, or the public ones) for the host.
    #[serde(skip_serializing_if = "Option::is_none")]
    verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verify_error: Option<String>,
    /// How the path was proven: the origin of each certificate of the verdict's chain
    /// (`served`, `cached`: from `--ca`, `fetched`), the anchor, what is still wanted.
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<PathView>,
    /// Each AIA URL fetched to complete the path, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fetched: Vec<FetchRow>,
    /// For the text report: how the chain was completed, when it was.
    #[serde(skip)]
    note: Option<String>,
}

/// One AIA fetch.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct FetchRow {
    url: String,
    /// Whether the certificate fetched is linked in the final path.
    linked: bool,
    /// Why no certificate was had from the URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl HostRow {
    fn unreachable(host: &str, connect: &str, reason: String) -> HostRow {
        HostRow {
            host: host.to_string(),
            status: Health::Unreachable,
            reason,
            verdict: None,
            connect: connect.to_string(),
            address: None,
            served_pins: Vec::new(),
            matched: None,
            not_after: None,
            days_left: None,
            verified: None,
            verify_error: None,
            path: None,
            fetched: Vec::new(),
            note: None,
        }
    }
}

#[derive(Debug, Default, Serialize)]
struct Summary {
    ok: usize,
    drift: usize,
    expiring: usize,
    unreachable: usize,
}

#[derive(Serialize)]
struct Report<'a> {
    hosts: &'a [HostRow],
    summary: Summary,
    list: ListLife,
}

/// The list's own life: a list that expires stops being enforced by every browser, whatever
/// its hosts serve, so the daily check reports it on its own line.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListLife {
    expires_at: String,
    /// `ok`, `expiring` (within `--warn-days`) or `expired`.
    status: &'static str,
    /// Whole days left (negative once expired).
    days_left: i64,
}

impl ListLife {
    fn new(expires_at: &str, expires_unix: i64, now: i64, warn_secs: i64) -> ListLife {
        let left = expires_unix - now;
        ListLife {
            expires_at: expires_at.to_string(),
            status: if left < 0 {
                "expired"
            } else if left <= warn_secs {
                "expiring"
            } else {
                "ok"
            },
            days_left: left.div_euclid(86_400),
        }
    }

    fn line(&self, warn_days: u32) -> String {
        let at = clean(&self.expires_at);
        match self.status {
            "expired" => format!("list: expired at {at}: browsers no longer enforce it; publish a new list now\n"),
            "expiring" => format!(
                "list: expiring at {at}, in {} day(s) (within --warn-days {warn_days}): publish the next list before then\n",
                self.days_left
            ),
            _ => format!("list: ok, expires at {at}, in {} day(s)\n", self.days_left),
        }
    }
}

/// One host to check, and where to connect for it.
struct Job {
    host: String,
    addr: String,
    port: u16,
}

impl Job {
    fn connect(&self) -> String {
        if self.addr.contains(':') {
            format!("[{}]:{}", self.addr, self.port)
        } else {
            format!("{}:{}", self.addr, self.port)
        }
    }
}

/// One URL's outcome, shared by the hosts of a run (and by fetches of it in flight).
type Kept = Arc<OnceLock<Result<Vec<u8>, String>>>;

/// What every worker shares.
struct Shared {
    engine: Engine,
    tls: Tls,
    fetcher: Fetcher,
    /// The certificates of `--ca`, offered to complete paths.
    ca: Vec<Cert>,
    /// Signature results, for every host of the run.
    signatures: Mutex<SignatureCache>,
    /// AIA URLs fetched in this run: a URL is asked once (a failure too, as the extension does
    /// not ask again for a minute).
    kept: Mutex<HashMap<String, Kept>>,
    now: i64,
    warn_secs: i64,
    timeout: Duration,
    deadline: Instant,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// The core's verdict on `served` with `extra` at hand.
    fn check(&self, host: &str, served: &[Vec<u8>], extra: &[(Vec<u8>, CertOrigin)]) -> Verdict {
        let extra: Vec<(&[u8], CertOrigin)> =
            extra.iter().map(|(der, o)| (der.as_slice(), *o)).collect();
        let mut cache = lock(&self.signatures);
        self.engine
            .check_path(host, served, &extra, Given::Served, &mut cache, self.now)
    }

    /// The certificate at `url`, fetched once per run; a fetch of it in flight for another
    /// host is waited for.
    fn fetch(&self, url: &str, until: Instant) -> Result<Vec<u8>, String> {
        let fetch = || self.fetcher.fetch(url, until).map_err(|e| e.to_string());
        let slot = {
            let mut kept = lock(&self.kept);
            if kept.len() >= MAX_KEPT_URLS && !kept.contains_key(url) {
                None
            } else {
                Some(kept.entry(url.to_string()).or_default().clone())
            }
        };
        match slot {
            Some(slot) => slot.get_or_init(fetch).clone(),
            None => fetch(),
        }
    }

    /// The `--ca` certificates not yet offered that may continue the path: named as the issuer
    /// of a linked certificate, or with a key identifier the path wants. The core still checks
    /// every signature; this only keeps a large `--ca` file from crowding out the candidates.
    fn local_issuers(&self, verdict: &Verdict, offered: &HashSet<usize>) -> Vec<usize> {
        let issuers: HashSet<&str> = verdict.chain.iter().map(|f| f.issuer.as_str()).collect();
        let present: HashSet<&str> = verdict.chain.iter().map(|f| f.sha256.as_str()).collect();
        let key_ids: HashSet<&str> = verdict
            .path
            .iter()
            .flat_map(|p| &p.wanted_key_ids)
            .map(String::as_str)
            .collect();
        self.ca
            .iter()
            .enumerate()
            .filter(|(i, c)| !offered.contains(i) && !present.contains(c.facts.sha256.as_str()))
            .filter(|(_, c)| {
                issuers.contains(c.facts.subject.as_str())
                    || c.facts
                        .subject_key_id
                        .as_deref()
                        .is_some_and(|k| key_ids.contains(k))
            })
            .map(|(i, _)| i)
            .collect()
    }
}

/// A verdict completed as the extension completes it.
struct Completed {
    verdict: Verdict,
    /// What was offered besides the served chain, in order.
    extra: Vec<(Vec<u8>, CertOrigin)>,
    fetched: Vec<FetchRow>,
    /// The fetched certificates' DER, by position in `fetched` (`None` for a failed fetch).
    fetched_der: Vec<Option<Vec<u8>>>,
}

/// The verdict on `served`, completed (`extension/completion.js`, `checkCompleted`): while the
/// verdict is neither `pinned` nor `blocked`, offer the `--ca` certificates that may continue the
/// path (as the extension offers kept ones), else fetch the next wanted URL not yet tried, and
/// judge again. A failed fetch goes on to the next URL; nothing more to offer ends it.
fn complete(shared: &Shared, host: &str, served: &[Vec<u8>], until: Instant) -> Completed {
    let mut done = Completed {
        verdict: shared.check(host, served, &[]),
        extra: Vec::new(),
        fetched: Vec::new(),
        fetched_der: Vec::new(),
    };
    let mut offered: HashSet<usize> = HashSet::new();
    let mut tried: HashSet<String> = HashSet::new();
    loop {
        let verdict = &done.verdict;
        let Some(path) = &verdict.path else { break };
        if matches!(verdict.status, Status::Pinned | Status::Blocked) {
            break;
        }
        let local = shared.local_issuers(verdict, &offered);
        if !local.is_empty() {
            for i in local {
                offered.insert(i);
                done.extra
                    .push((shared.ca[i].der().to_vec(), CertOrigin::Cached));
            }
        } else if let Some(url) = path.wanted.iter().find(|u| !tried.contains(*u)) {
            if done.fetched.len() >= MAX_FETCHES || Instant::now() >= until {
                break;
            }
            let url = url.clone();
            tried.insert(url.clone());
            match shared.fetch(&url, until) {
                Ok(der) => {
                    done.extra.push((der.clone(), CertOrigin::Fetched));
                    done.fetched_der.push(Some(der));
                    done.fetched.push(FetchRow {
                        url,
                        linked: false,
                        error: None,
                    });
                }
                Err(error) => {
                    done.fetched_der.push(None);
                    done.fetched.push(FetchRow {
                        url,
                        linked: false,
                        error: Some(error),
                    });
                    continue;
                }
            }
        } else {
            break;
        }
        done.verdict = shared.check(host, served, &done.extra);
    }
    let linked: HashSet<&str> = done
        .verdict
        .chain
        .iter()
        .map(|f| f.sha256.as_str())
        .collect();
    for (row, der) in done.fetched.iter_mut().zip(&done.fetched_der) {
        row.linked = der
            .as_deref()
            .and_then(|d| Cert::from_der(d).ok())
            .is_some_and(|c| linked.contains(c.facts.sha256.as_str()));
    }
    done
}

/// `HOST:ADDR:PORT` (HOST in brackets when it is an IPv6 address; ADDR as `grab` takes it).
fn parse_connect_to(text: &str) -> Result<(String, String, u16), Failure> {
    let bad = |why: &str| {
        Failure::Usage(format!(
            "--connect-to {:?}: {why}; expected HOST:ADDR:PORT or curl's HOST:443:ADDR:PORT, IPv6 in brackets (mail.example.com:[::1]:8443)",
            clean(text)
        ))
    };
    let fields =
        connect_fields(text).ok_or_else(|| bad("an IPv6 address without its closing ]"))?;
    let (host, addr, port) = match fields.as_slice() {
        [host, addr, port] => (host, addr, port),
        [host, from, addr, port] => {
            // monitor connects to port 443 only, so curl's first port can only be that one.
            if from.text != "443" {
                return Err(bad(&format!(
                    "monitor checks port 443, so the port after HOST must be 443, not {:?}",
                    clean(from.text)
                )));
            }
            (host, addr, port)
        }
        _ => return Err(bad(&format!("{} field(s) separated by ':'", fields.len()))),
    };
    let host = host::normalize(host.text).map_err(|e| bad(&format!("HOST: {e}")))?;
    if addr.text.is_empty() {
        return Err(bad("ADDR is empty"));
    }
    if addr.bracketed && addr.text.parse::<std::net::Ipv6Addr>().is_err() {
        return Err(bad("ADDR in brackets is not an IPv6 address"));
    }
    let port = port
        .text
        .parse::<u16>()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| bad("PORT is not a port number (1-65535)"))?;
    Ok((host.as_str().to_string(), addr.text.to_string(), port))
}

/// One `:`-separated field of `--connect-to`; a bracketed one (IPv6) may hold colons.
struct Field<'a> {
    text: &'a str,
    bracketed: bool,
}

/// Splits at the colons outside brackets; `None` when a `[` is not closed or a `]` is not
/// followed by a colon or the end.
fn connect_fields(text: &str) -> Option<Vec<Field<'_>>> {
    let mut fields = Vec::new();
    let mut rest = text;
    loop {
        let (field, after) = match rest.strip_prefix('[') {
            Some(inner) => {
                let (field, after) = inner.split_once(']')?;
                if !(after.is_empty() || after.starts_with(':')) {
                    return None;
                }
                (
                    Field {
                        text: field,
                        bracketed: true,
                    },
                    after,
                )
            }
            None => {
                let end = rest.find(':').unwrap_or(rest.len());
                (
                    Field {
                        text: &rest[..end],
                        bracketed: false,
                    },
                    &rest[end..],
                )
            }
        };
        fields.push(field);
        match after.strip_prefix(':') {
            Some(next) => rest = next,
            None => return Some(fields),
        }
    }
}

/// The earliest-expiring certificate of the path that the pins rest on: each whose SPKI is a
/// good pin of the entry's set, and the leaf when an issuer key proved it. Only the certificates
/// the core judged count (`Verdict::chain`: those linked to the leaf), so one merely sent or
/// offered alongside cannot raise or hide a warning; a pinned root fetched or taken from `--ca`
/// counts like a served one. `at_hand`: every certificate offered (served, then extras). Returns
/// its index in the verdict's chain, subject and `notAfter` (Unix seconds).
fn pinned_expiry(verdict: &Verdict, at_hand: &[Cert]) -> Option<(usize, String, i64)> {
    let good: HashSet<&str> = verdict
        .pinset
        .as_ref()
        .map(|set| set.good.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let by_issuer_key = verdict
        .matched
        .as_ref()
        .is_some_and(|m| m.kind == MatchKind::IssuerKey);
    verdict
        .chain
        .iter()
        .enumerate()
        .filter(|(i, f)| good.contains(f.spki_sha256.as_str()) || (*i == 0 && by_issuer_key))
        .filter_map(|(i, f)| {
            let cert = at_hand.iter().find(|c| c.facts.sha256 == f.sha256)?;
            Some((i, f.subject.clone(), cert.not_after?))
        })
        .min_by_key(|(_, _, t)| *t)
}

/// For the text report: how the path was completed, when certificates other than the served
/// ones are linked in it.
fn completion_note(path: Option<&PathView>, fetched: &[FetchRow]) -> Option<String> {
    let origins = &path?.origins;
    let urls: Vec<&str> = fetched
        .iter()
        .filter(|f| f.linked)
        .map(|f| f.url.as_str())
        .collect();
    let mut parts = Vec::new();
    if origins.contains(&CertOrigin::Fetched) && !urls.is_empty() {
        parts.push(format!("fetched {}", urls.join(", ")));
    }
    if origins.contains(&CertOrigin::Cached) {
        parts.push("issuer from --ca".to_string());
    }
    (!parts.is_empty()).then(|| format!("[completed: {}]", parts.join("; ")))
}

/// Days from `now` to `then`, rounded towards zero.
fn days(now: i64, then: i64) -> i64 {
    (then - now) / 86_400
}

/// Connects to one host and judges what it serves, completing the path as the extension would
/// within what is left of `budget`.
fn check_host(shared: &Shared, job: &Job, budget: Duration) -> HostRow {
    let until = Instant::now() + budget;
    let connect = job.connect();
    let served = match shared.tls.fetch(&Connect {
        host: &job.addr,
        port: job.port,
        server_name: &job.host,
        timeout: budget,
    }) {
        Ok(served) => served,
        Err(e) => return HostRow::unreachable(&job.host, &connect, e.to_string()),
    };
    let completed = complete(
        shared,
        &job.host,
        &served.certs,
        until.min(Instant::now() + FETCH_BUDGET),
    );
    let verdict = &completed.verdict;
    let at_hand: Vec<Cert> = served
        .certs
        .iter()
        .chain(completed.extra.iter().map(|(der, _)| der))
        .filter_map(|der| Cert::from_der(der).ok())
        .collect();
    let served_pins = served
        .certs
        .iter()
        .map(|der| spki_pin(der).ok().map(|p| p.to_base64()))
        .collect();
    let mut row = HostRow {
        host: job.host.clone(),
        status: Health::Drift,
        reason: verdict.reason.clone(),
        verdict: Some(verdict.status),
        connect,
        address: served.peer.map(|a| a.to_string()),
        served_pins,
        matched: verdict.matched.clone(),
        not_after: None,
        days_left: None,
        verified: Some(served.verify_error.is_none()),
        verify_error: served.verify_error.clone(),
        path: verdict.path.clone(),
        note: completion_note(verdict.path.as_ref(), &completed.fetched),
        fetched: completed.fetched.clone(),
    };
    if !matches!(verdict.status, Status::Pinned | Status::AllowedInterception) {
        // The verdict's word first: `stale` says the list is the problem, not the host.
        row.reason = format!("{}: {}", verdict.status, verdict.reason);
        let failed: Vec<String> = completed
            .fetched
            .iter()
            .filter_map(|f| Some(format!("{}: {}", f.url, f.error.as_ref()?)))
            .collect();
        if !failed.is_empty() {
            row.reason.push_str(&format!(
                " Fetching the issuer over AIA failed, so the path could not be completed: {}.",
                failed.join("; ")
            ));
        } else if verdict.status == Status::Unverifiable
            && verdict.path.as_ref().is_some_and(|p| p.wanted.is_empty())
        {
            // An open path with no URL to fetch: only a certificate held locally can close it.
            row.reason.push_str(
                " No certificate at hand names its issuer's certificate by a caIssuers URL; give the issuer with --ca.",
            );
        } else if verdict.status == Status::Unverifiable && !completed.fetched.is_empty() {
            let urls: Vec<&str> = completed.fetched.iter().map(|f| f.url.as_str()).collect();
            row.reason.push_str(&format!(
                " No certificate fetched over AIA ({}) continued the path by a verified signature.",
                urls.join(", ")
            ));
        } else if verdict.status == Status::Unverifiable && verdict.path.is_some() {
            row.reason.push_str(&format!(
                " No issuer could be fetched within the time allowed (at most {} s of the host's --timeout).",
                FETCH_BUDGET.as_secs()
            ));
        }
        return row;
    }
    row.status = Health::Ok;
    if let Some((i, subject, not_after)) = pinned_expiry(verdict, &at_hand) {
        let left = days(shared.now, not_after);
        row.not_after = Some(format_rfc3339(not_after));
        row.days_left = Some(left);
        if not_after - shared.now <= shared.warn_secs {
            row.status = Health::Expiring;
            let when = if not_after <= shared.now {
                format!(
                    "expired at {} ({} days ago)",
                    format_rfc3339(not_after),
                    -left
                )
            } else {
                format!("expires at {} (in {left} days)", format_rfc3339(not_after))
            };
            row.reason = format!(
                "{} The pinned certificate {i} ({}) {when}.",
                verdict.reason, subject
            );
        }
    }
    row
}

/// Checks every job on `concurrency` threads that share one queue; returns the rows in the
/// jobs' order. A job not finished by the deadline is `unreachable`, and the run does not wait
/// for it (its thread ends with the process).
fn run_all(
    shared: Arc<Shared>,
    jobs: Arc<Vec<Job>>,
    concurrency: usize,
) -> Result<Vec<HostRow>, Failure> {
    let next = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel::<(usize, HostRow)>();
    for n in 0..concurrency.min(jobs.len()) {
        let (shared, jobs, next, tx) = (shared.clone(), jobs.clone(), next.clone(), tx.clone());
        std::thread::Builder::new()
            .name(format!("monitor-{n}"))
            .spawn(move || {
                while let Some(left) = shared
                    .deadline
                    .checked_duration_since(Instant::now())
                    .filter(|d| !d.is_zero())
                {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(job) = jobs.get(i) else { break };
                    let row = check_host(&shared, job, shared.timeout.min(left));
                    if tx.send((i, row)).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| Failure::Io("starting a monitor thread".into(), e))?;
    }
    drop(tx);
    let mut rows: Vec<Option<HostRow>> = vec![None; jobs.len()];
    let mut done = 0;
    while done < jobs.len() {
        let left = shared.deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((i, row)) => {
                rows[i] = Some(row);
                done += 1;
            }
            Err(_) => break,
        }
    }
    Ok(rows
        .into_iter()
        .zip(jobs.iter())
        .map(|(row, job)| {
            row.unwrap_or_else(|| {
                HostRow::unreachable(
                    &job.host,
                    &job.connect(),
                    "not checked before the deadline".into(),
                )
            })
        })
        .collect())
}

fn text(rows: &[HostRow], summary: &Summary, list: &str) -> String {
    let width = rows.iter().map(|r| r.host.len()).max().unwrap_or(0);
    let mut s = String::new();
    for r in rows {
        let note = r
            .note
            .as_deref()
            .map(|n| format!(" {}", clean(n)))
            .unwrap_or_default();
        s.push_str(&format!(
            "{:<width$}  {:<11}  {}{note}\n",
            clean(&r.host),
            r.status.as_str(),
            clean(&r.reason)
        ));
    }
    s.push_str(list);
    s.push_str(&format!(
        "{} host(s): {} ok, {} expiring, {} drift, {} unreachable\n",
        rows.len(),
        summary.ok,
        summary.expiring,
        summary.drift,
        summary.unreachable
    ));
    s
}

pub fn monitor(args: &MonitorArgs) -> Result<ExitCode, Failure> {
    let started = Instant::now();
    // An unusable list is the caller's mistake (status 2): status 1 means drift.
    let as_usage = |f: Failure| match f {
        Failure::Invalid(msg) => Failure::Usage(msg),
        other => other,
    };
    let mut connect_to: HashMap<String, (String, u16)> = HashMap::new();
    for text in &args.connect_to {
        let (host, addr, port) = parse_connect_to(text)?;
        if connect_to.insert(host.clone(), (addr, port)).is_some() {
            return Err(Failure::Usage(format!(
                "--connect-to: {} is given twice",
                clean(&host)
            )));
        }
    }
    let bytes = read_document(&args.list)?;
    let (payload, _) = payload_of(&args.list, &bytes).map_err(as_usage)?;
    let list = PinList::from_json(&payload)
        .map_err(|e| Failure::invalid(&args.list, format!("not a valid pin list: {e}")))
        .map_err(as_usage)?;
    let now = now_or(None);
    let warn_secs = i64::from(args.warn_days) * 86_400;
    let life = ListLife::new(
        &list.info.expires_at,
        list.info.expires_at_unix,
        now,
        warn_secs,
    );
    let mut seen = HashSet::new();
    let mut jobs = Vec::new();
    for entry in &list.entries {
        if !seen.insert(entry.host.clone()) {
            continue;
        }
        let (addr, port) = connect_to
            .remove(&entry.host)
            .unwrap_or_else(|| (entry.host.clone(), HTTPS_PORT));
        jobs.push(Job {
            host: entry.host.clone(),
            addr,
            port,
        });
    }
    if let Some(host) = connect_to.keys().next() {
        return Err(Failure::Usage(format!(
            "--connect-to names {}, which has no entry in {}",
            clean(host),
            args.list.display()
        )));
    }
    let tls = Tls::new(args.ca.as_deref()).map_err(as_usage)?;
    let ca = match &args.ca {
        Some(path) => {
            let bytes = read(path, MAX_CERT_BYTES * MAX_CHAIN_LEN)?;
            parse_chain(&bytes).map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?
        }
        None => Vec::new(),
    };
    let ca_der: Vec<Vec<u8>> = ca.iter().map(|c| c.der().to_vec()).collect();
    let fetcher = Fetcher::new(&ca_der).map_err(Failure::Usage)?;
    let source = SourceInput {
        origin: args.list.display().to_string(),
        kind: SourceKind::Channel,
        list: Some(list),
        ..SourceInput::default()
    };
    let (engine, _) = Engine::from_inputs(vec![source], &Settings::default());
    let shared = Arc::new(Shared {
        engine,
        tls,
        fetcher,
        ca,
        signatures: Mutex::new(SignatureCache::new()),
        kept: Mutex::new(HashMap::new()),
        now,
        warn_secs,
        timeout: Duration::from_secs(args.timeout),
        deadline: started + Duration::from_secs(args.deadline),
    });
    let rows = run_all(shared, Arc::new(jobs), args.concurrency as usize)?;
    let mut summary = Summary::default();
    for row in &rows {
        *match row.status {
            Health::Ok => &mut summary.ok,
            Health::Drift => &mut summary.drift,
            Health::Expiring => &mut summary.expiring,
            Health::Unreachable => &mut summary.unreachable,
        } += 1;
    }
    let code = if summary.drift > 0 || life.status == "expired" {
        ExitCode::from(1)
    } else if life.status == "expiring" {
        ExitCode::from(LIST_EXPIRING)
    } else if summary.unreachable > 0 {
        ExitCode::from(ONLY_UNREACHABLE)
    } else {
        ExitCode::SUCCESS
    };
    if args.json {
        out_json(&Report {
            hosts: &rows,
            summary,
            list: life,
        })?;
    } else {
        out(&text(&rows, &summary, &life.line(args.warn_days)))?;
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::parse_connect_to;

    #[test]
    fn connect_to_takes_host_addr_and_port() {
        assert_eq!(
            parse_connect_to("Mail.Example.com:127.0.0.1:8443").unwrap(),
            ("mail.example.com".into(), "127.0.0.1".into(), 8443)
        );
        assert_eq!(
            parse_connect_to("mail.example.com:[::1]:8443").unwrap(),
            ("mail.example.com".into(), "::1".into(), 8443)
        );
        assert_eq!(
            parse_connect_to("[::1]:10.0.0.1:443").unwrap(),
            ("::1".into(), "10.0.0.1".into(), 443)
        );
        assert_eq!(
            parse_connect_to("mail.example.com:internal.example:443").unwrap(),
            ("mail.example.com".into(), "internal.example".into(), 443)
        );
        // curl's form: the port monitor connects to (443), then where to go instead.
        assert_eq!(
            parse_connect_to("mail.corp.example:443:127.0.0.1:18443").unwrap(),
            ("mail.corp.example".into(), "127.0.0.1".into(), 18443)
        );
        assert_eq!(
            parse_connect_to("mail.corp.example:443:[::1]:18443").unwrap(),
            ("mail.corp.example".into(), "::1".into(), 18443)
        );
        for bad in [
            "mail.example.com",
            "mail.example.com:",
            // The two the issue found read silently as something else.
            "mail.corp.example:18443",
            "mail.example.com:internal.example",
            "mail.corp.example:8443:127.0.0.1:18443",
            "mail.example.com:127.0.0.1:x",
            "mail.example.com:127.0.0.1:0",
            "mail.example.com:127.0.0.1:65536",
            ":127.0.0.1:443",
            "[::1:10.0.0.1:443",
            "mail.example.com::443",
            "mail.example.com:::1:443",
            "mail.example.com:[::1]x:443",
            "mail.example.com:[not-v6]:443",
            "a:443:b:443:c",
        ] {
            assert!(parse_connect_to(bad).is_err(), "{bad}");
        }
        let Err(super::Failure::Usage(message)) = parse_connect_to("mail.corp.example:18443")
        else {
            panic!("not a usage error")
        };
        assert!(message.contains("HOST:ADDR:PORT"), "{message}");
    }
}
