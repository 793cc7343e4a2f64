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

use crate::certs::{split_target, Connect, Tls};
use crate::command::{clean, now_or, out, out_json, read_document, Failure};
use crate::lists::payload_of;
use pinwatch_core::cert::{spki_pin, Cert};
use pinwatch_core::engine::{Engine, Settings};
use pinwatch_core::host;
use pinwatch_core::list::PinList;
use pinwatch_core::sources::{SourceInput, SourceKind};
use pinwatch_core::time::format_rfc3339;
use pinwatch_core::verdict::{MatchKind, Matched, Status, Verdict};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// The port every entry is checked on, unless `--connect-to` says otherwise.
const HTTPS_PORT: u16 = 443;

/// Exit status when no host drifted but some could not be reached.
const ONLY_UNREACHABLE: u8 = 3;

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
    /// PKI roots; reported as `verified`, the pins decide the status
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,
    /// Report `expiring` when a pinned certificate of the served chain expires within DAYS
    #[arg(long, default_value_t = 30, value_name = "DAYS")]
    warn_days: u32,
    /// How many hosts are checked at once
    #[arg(long, default_value_t = 8, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=256))]
    concurrency: u32,
    /// Seconds each host may take: name lookup, connect and TLS handshake
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

/// What every worker shares.
struct Shared {
    engine: Engine,
    tls: Tls,
    now: i64,
    warn_secs: i64,
    timeout: Duration,
    deadline: Instant,
}

/// `HOST:ADDR:PORT` (HOST in brackets when it is an IPv6 address; ADDR as `grab` takes it).
fn parse_connect_to(text: &str) -> Result<(String, String, u16), Failure> {
    let bad = |why: &str| Failure::Usage(format!("--connect-to {:?}: {why}", clean(text)));
    let (host, rest) = match text.strip_prefix('[') {
        Some(r) => {
            let (h, after) = r.split_once(']').ok_or_else(|| bad("no closing ]"))?;
            (
                h,
                after
                    .strip_prefix(':')
                    .ok_or_else(|| bad("not HOST:ADDR:PORT"))?,
            )
        }
        None => text
            .split_once(':')
            .ok_or_else(|| bad("not HOST:ADDR:PORT"))?,
    };
    let host = host::normalize(host).map_err(|e| bad(&e.to_string()))?;
    if rest.is_empty() {
        return Err(bad("not HOST:ADDR:PORT"));
    }
    let (addr, port) =
        split_target(rest).map_err(|_| bad("ADDR:PORT is not an address and port"))?;
    if addr.is_empty() {
        return Err(bad("ADDR is empty"));
    }
    Ok((host.as_str().to_string(), addr, port))
}

/// The earliest-expiring certificate of the served chain that the pins rest on: each whose SPKI
/// is a good pin of the entry's set, and the leaf when an issuer key proved it. Only the
/// certificates the core judged count (`Verdict::chain`: those linked to the leaf, when it
/// builds a path), so one merely sent alongside cannot raise or hide a warning. Returns its
/// index in the served chain, subject and `notAfter` (Unix seconds).
fn pinned_expiry(verdict: &Verdict, certs: &[Option<Cert>]) -> Option<(usize, String, i64)> {
    let good: HashSet<&str> = verdict
        .pinset
        .as_ref()
        .map(|set| set.good.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let judged: HashSet<&str> = verdict.chain.iter().map(|f| f.sha256.as_str()).collect();
    let by_issuer_key = verdict
        .matched
        .as_ref()
        .is_some_and(|m| m.kind == MatchKind::IssuerKey);
    certs
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.as_ref().map(|c| (i, c)))
        .filter(|(_, c)| judged.contains(c.facts.sha256.as_str()))
        .filter(|(i, c)| {
            good.contains(c.spki_pin.to_base64().as_str()) || (*i == 0 && by_issuer_key)
        })
        .filter_map(|(i, c)| c.not_after.map(|t| (i, c.facts.subject.clone(), t)))
        .min_by_key(|(_, _, t)| *t)
}

/// Days from `now` to `then`, rounded towards zero.
fn days(now: i64, then: i64) -> i64 {
    (then - now) / 86_400
}

/// Connects to one host and judges what it serves.
fn check_host(shared: &Shared, job: &Job, budget: Duration) -> HostRow {
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
    let verdict = shared
        .engine
        .check_served(&job.host, &served.certs, shared.now);
    let certs: Vec<Option<Cert>> = served
        .certs
        .iter()
        .map(|der| Cert::from_der(der).ok())
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
    };
    if !matches!(verdict.status, Status::Pinned | Status::AllowedInterception) {
        // The verdict's word first: `stale` says the list is the problem, not the host.
        row.reason = format!("{}: {}", verdict.status, verdict.reason);
        return row;
    }
    row.status = Health::Ok;
    if let Some((i, subject, not_after)) = pinned_expiry(&verdict, &certs) {
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

fn text(rows: &[HostRow], summary: &Summary) -> String {
    let width = rows.iter().map(|r| r.host.len()).max().unwrap_or(0);
    let mut s = String::new();
    for r in rows {
        s.push_str(&format!(
            "{:<width$}  {:<11}  {}\n",
            clean(&r.host),
            r.status.as_str(),
            clean(&r.reason)
        ));
    }
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
        now: now_or(None),
        warn_secs: i64::from(args.warn_days) * 86_400,
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
    let code = if summary.drift > 0 {
        ExitCode::from(1)
    } else if summary.unreachable > 0 {
        ExitCode::from(ONLY_UNREACHABLE)
    } else {
        ExitCode::SUCCESS
    };
    if args.json {
        out_json(&Report {
            hosts: &rows,
            summary,
        })?;
    } else {
        out(&text(&rows, &summary))?;
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
            parse_connect_to("mail.example.com:internal.example").unwrap(),
            ("mail.example.com".into(), "internal.example".into(), 443)
        );
        for bad in [
            "mail.example.com",
            "mail.example.com:",
            "mail.example.com:127.0.0.1:x",
            ":127.0.0.1:443",
            "[::1:10.0.0.1:443",
            "mail.example.com::443",
        ] {
            assert!(parse_connect_to(bad).is_err(), "{bad}");
        }
    }
}
