//! The host loop: frames from standard input, replies on standard output through one writer.
//! `hello` and malformed requests are answered at once; checks run on a pool of
//! [`MAX_IN_FLIGHT`] threads, [`MAX_QUEUED`] more wait, and beyond that a check is answered
//! `busy`. When standard input closes, the checks already accepted finish (unless standard
//! output is gone) and the host exits.

use super::check;
use super::protocol::{
    error_reply, frame, parse, read_frame, skip, Check, Code, Failed, Frame, Request,
    MAX_REPLY_BYTES, MAX_REQUEST_BYTES,
};
use super::roots::LocalRoots;
use crate::certs::Tls;
use crate::command::{note, Failure};
use rustls::crypto::CryptoProvider;
use serde_json::{json, Value};
use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Checks that run at once.
pub const MAX_IN_FLIGHT: usize = 8;
/// Checks that wait for a free thread.
pub const MAX_QUEUED: usize = 64;

pub struct Options {
    /// For connect and handshake (and `CONNECT`) of one check.
    pub timeout: Duration,
    /// The caller the browser named: `chrome-extension://<id>/`, or Firefox's extension id.
    pub caller: Option<String>,
}

/// Everything the reader and the workers share.
struct Shared {
    tls: Tls,
    provider: Arc<CryptoProvider>,
    roots: OnceLock<LocalRoots>,
    options: Options,
    out: Mutex<io::Stdout>,
    /// Standard output failed: the browser is gone, nothing more is worth doing.
    broken: AtomicBool,
}

impl Shared {
    fn roots(&self) -> &LocalRoots {
        self.roots.get_or_init(|| LocalRoots::load(&self.provider))
    }

    /// Writes one reply as one frame; a reply above the limit becomes a `too-large` error.
    fn send(&self, reply: Value) {
        let mut body = serde_json::to_vec(&reply).unwrap_or_default();
        if body.len() > MAX_REPLY_BYTES || body.is_empty() {
            let failed = Failed::new(
                Code::TooLarge,
                format!("the reply would be larger than {MAX_REPLY_BYTES} bytes"),
            );
            body = serde_json::to_vec(&error_reply(reply.get("id"), &failed)).unwrap_or_default();
        }
        let framed = frame(&body);
        let Ok(mut out) = self.out.lock() else {
            self.broken.store(true, Ordering::SeqCst);
            return;
        };
        if out.write_all(&framed).and_then(|_| out.flush()).is_err() {
            self.broken.store(true, Ordering::SeqCst);
        }
    }

    fn send_error(&self, id: Option<&Value>, failed: &Failed) {
        self.send(error_reply(id, failed));
    }

    fn hello(&self, id: Value) {
        let roots = self.roots();
        self.send(json!({
            "id": id,
            "ok": true,
            "version": env!("CARGO_PKG_VERSION"),
            "caller": self.options.caller,
            "roots": {
                "webPki": webpki_roots::TLS_SERVER_ROOTS.len(),
                "local": roots.summary(),
            },
            "localRoots": super::added::named(roots),
            "proxies": ["http"],
            // The look speaks with a Chromium hello; a check may name the browser's version.
            "clientHello": {"chromium": super::hello::CURRENT_CHROMIUM},
            "limits": {
                "timeoutMs": self.options.timeout.as_millis() as u64,
                "maxInFlight": MAX_IN_FLIGHT,
                "maxQueued": MAX_QUEUED,
                "maxChain": pinwatch_core::x509::cert::MAX_CHAIN_LEN,
                "maxRequestBytes": MAX_REQUEST_BYTES,
                "maxReplyBytes": MAX_REPLY_BYTES,
            },
        }));
    }

    fn check(&self, id: Value, check: &Check) {
        let reply = match check::run(&self.tls, check, self.options.timeout, || self.roots()) {
            Ok(mut body) => {
                body["id"] = id;
                body
            }
            Err(failed) => error_reply(Some(&id), &failed),
        };
        self.send(reply);
    }
}

struct Job {
    id: Value,
    check: Check,
}

fn worker(shared: Arc<Shared>, jobs: Arc<Mutex<Receiver<Job>>>) {
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        if shared.broken.load(Ordering::SeqCst) {
            continue; // nobody to answer: drain the queue quickly
        }
        shared.check(job.id, &job.check);
    }
}

pub fn serve(options: Options) -> Result<ExitCode, Failure> {
    let tls = Tls::new(None)?;
    let shared = Arc::new(Shared {
        tls,
        provider: Arc::new(rustls::crypto::ring::default_provider()),
        roots: OnceLock::new(),
        options,
        out: Mutex::new(io::stdout()),
        broken: AtomicBool::new(false),
    });
    // The local roots load while the first request is on its way.
    {
        let shared = shared.clone();
        std::thread::Builder::new()
            .name("roots".into())
            .spawn(move || {
                shared.roots();
            })
            .map_err(|e| Failure::Io("thread".into(), e))?;
    }
    let (tx, rx) = mpsc::sync_channel::<Job>(MAX_QUEUED);
    let rx = Arc::new(Mutex::new(rx));
    let mut workers = Vec::new();
    for n in 0..MAX_IN_FLIGHT {
        let (shared, rx) = (shared.clone(), rx.clone());
        workers.push(
            std::thread::Builder::new()
                .name(format!("check-{n}"))
                .spawn(move || worker(shared, rx))
                .map_err(|e| Failure::Io("thread".into(), e))?,
        );
    }
    let stdin = io::stdin();
    let mut input = stdin.lock();
    loop {
        if shared.broken.load(Ordering::SeqCst) {
            break;
        }
        let frame = match read_frame(&mut input) {
            Ok(frame) => frame,
            Err(e) => {
                note(&format!("pinwatch companion: standard input: {e}"));
                break;
            }
        };
        match frame {
            Frame::End => break,
            Frame::TooLarge(len) => {
                shared.send_error(
                    None,
                    &Failed::new(
                        Code::MessageTooLarge,
                        format!("a message of {len} bytes: the limit is {MAX_REQUEST_BYTES}; it is skipped unread"),
                    ),
                );
                match skip(&mut input, len) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => {
                        note(&format!("pinwatch companion: standard input: {e}"));
                        break;
                    }
                }
            }
            Frame::Message(bytes) => match parse(&bytes) {
                Err((id, failed)) => shared.send_error(id.as_ref(), &failed),
                Ok((id, Request::Hello)) => shared.hello(id),
                Ok((id, Request::Check(check))) => match tx.try_send(Job { id, check }) {
                    Ok(()) => {}
                    Err(TrySendError::Full(job)) => shared.send_error(
                        Some(&job.id),
                        &Failed::new(
                            Code::Busy,
                            format!("{MAX_IN_FLIGHT} checks are running and {MAX_QUEUED} wait; ask again later"),
                        ),
                    ),
                    Err(TrySendError::Disconnected(_)) => break,
                },
            },
        }
    }
    drop(tx);
    for worker in workers {
        let _ = worker.join();
    }
    Ok(ExitCode::SUCCESS)
}
