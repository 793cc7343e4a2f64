//! `pinwatch companion`: the real binary, spawned with piped standard input and output, spoken
//! to in the native-messaging framing (a 32-bit length in native byte order, then JSON), against
//! loopback TLS servers whose chains are made at test time; and `companion install | uninstall |
//! status` into scratch folders.
#![cfg(not(target_arch = "wasm32"))]

mod cli_support;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cli_support::*;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_pinwatch");
/// The longest any reply may take in these tests (a check's own limit is 2 s here).
const REPLY_WITHIN: Duration = Duration::from_secs(8);

/// A running companion.
struct Companion {
    child: Child,
    stdin: Option<ChildStdin>,
    replies: Receiver<Value>,
    /// Replies read while waiting for another id.
    early: HashMap<String, Value>,
}

struct Setup<'a> {
    /// The home folder (for ~/.pki/nssdb); a scratch folder by default.
    home: &'a Path,
    /// `SSL_CERT_FILE`: the system bundle the companion reads.
    bundle: &'a Path,
    /// Arguments after the binary.
    args: Vec<String>,
}

impl Companion {
    fn start(setup: Setup<'_>) -> Companion {
        let mut child = Command::new(BIN)
            .args(&setup.args)
            .env("HOME", setup.home)
            .env("SSL_CERT_FILE", setup.bundle)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || loop {
            let mut prefix = [0u8; 4];
            if stdout.read_exact(&mut prefix).is_err() {
                return;
            }
            let len = u32::from_ne_bytes(prefix) as usize;
            assert!(len <= 1024 * 1024, "a reply of {len} bytes");
            let mut body = vec![0u8; len];
            stdout.read_exact(&mut body).unwrap();
            let value: Value = serde_json::from_slice(&body)
                .unwrap_or_else(|e| panic!("a reply that is not JSON ({e}): {body:?}"));
            if tx.send(value).is_err() {
                return;
            }
        });
        Companion {
            stdin: child.stdin.take(),
            child,
            replies: rx,
            early: HashMap::new(),
        }
    }

    /// `companion serve --timeout 2` with a scratch home and `bundle` as the system bundle.
    fn serving(home: &Path, bundle: &Path) -> Companion {
        Companion::start(Setup {
            home,
            bundle,
            args: ["companion", "serve", "--timeout", "2"]
                .map(String::from)
                .to_vec(),
        })
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    fn send_frame(&mut self, body: &[u8]) {
        let mut framed = (body.len() as u32).to_ne_bytes().to_vec();
        framed.extend_from_slice(body);
        self.send_raw(&framed);
    }

    fn send(&mut self, message: &Value) {
        self.send_frame(&serde_json::to_vec(message).unwrap());
    }

    /// The next reply, whatever its id.
    fn next(&mut self) -> Value {
        if let Some(key) = self.early.keys().next().cloned() {
            return self.early.remove(&key).unwrap();
        }
        self.replies
            .recv_timeout(REPLY_WITHIN)
            .expect("a reply in time")
    }

    /// The reply with this id (others are kept for later).
    fn reply_to(&mut self, id: &Value) -> Value {
        let key = id.to_string();
        if let Some(reply) = self.early.remove(&key) {
            return reply;
        }
        let until = Instant::now() + REPLY_WITHIN;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            let reply = self
                .replies
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no reply to {key} within {REPLY_WITHIN:?}"));
            if reply["id"] == *id {
                return reply;
            }
            self.early.insert(reply["id"].to_string(), reply);
        }
    }

    fn ask(&mut self, message: Value) -> Value {
        let id = message["id"].clone();
        self.send(&message);
        self.reply_to(&id)
    }

    /// A `hello` must still be answered: the companion kept serving.
    fn still_serving(&mut self) {
        let reply = self.ask(json!({"id": "alive?", "type": "hello"}));
        assert_eq!(reply["ok"], true, "{reply}");
    }

    /// Closes standard input and waits for the exit.
    fn finish(mut self) -> std::process::ExitStatus {
        drop(self.stdin.take());
        let until = Instant::now() + REPLY_WITHIN;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < until,
                "the companion did not exit after stdin closed"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Companion {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn error_code(reply: &Value) -> &str {
    assert_eq!(reply["ok"], false, "{reply}");
    assert!(
        reply["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{reply}"
    );
    reply["error"]["code"].as_str().unwrap_or_default()
}

fn check(id: &str, port: u16) -> Value {
    check_host(id, "mail.example.test", port)
}

fn check_host(id: &str, host: &str, port: u16) -> Value {
    json!({"id": id, "type": "check", "host": host, "port": port, "ip": "127.0.0.1"})
}

/// The DER certificates of a PEM file, in order.
fn ders(path: &Path) -> Vec<Vec<u8>> {
    pinwatch_core::parse_chain(&std::fs::read(path).unwrap())
        .unwrap()
        .iter()
        .map(|c| c.der().to_vec())
        .collect()
}

fn chain_of(reply: &Value) -> Vec<Vec<u8>> {
    reply["chain"]
        .as_array()
        .unwrap_or_else(|| panic!("no chain: {reply}"))
        .iter()
        .map(|c| STANDARD.decode(c.as_str().unwrap()).unwrap())
        .collect()
}

/// A server that accepts and then says nothing, holding every connection open.
fn silent_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    port
}

/// An HTTP proxy on loopback: logs each request line, refuses with `refuse` if given, else
/// tunnels `CONNECT anything:PORT` to 127.0.0.1:PORT.
fn proxy(refuse: Option<&'static str>) -> (u16, Arc<Mutex<Vec<String>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = log.clone();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { continue };
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read_exact(&mut byte).is_err() {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let line = head.lines().next().unwrap_or_default().to_string();
                seen.lock().unwrap().push(line.clone());
                if let Some(answer) = refuse {
                    let _ = client.write_all(answer.as_bytes());
                    return;
                }
                let target = line.split_whitespace().nth(1).unwrap_or_default();
                let port: u16 = target.rsplit(':').next().unwrap().parse().unwrap();
                let Ok(upstream) = TcpStream::connect(("127.0.0.1", port)) else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                    return;
                };
                client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .unwrap();
                let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                let (mut client, mut upstream) = (client, upstream);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c2, &mut u2);
                    let _ = u2.shutdown(std::net::Shutdown::Write);
                });
                let _ = std::io::copy(&mut upstream, &mut client);
                let _ = client.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    (port, log)
}

/// A chain under a root, served on loopback; the scratch folder and the files.
struct Served {
    dir: Dir,
    chain: Chain,
    port: u16,
}

fn served(name: &str) -> Served {
    let dir = Dir::new(name);
    let chain = make_chain(&dir, "");
    let port = serve_tls(&chain.served, &chain.leaf_key);
    Served { dir, chain, port }
}

#[test]
fn framing_round_trip_and_hello() {
    let dir = Dir::new("companion-hello");
    let bundle = dir.write("bundle.pem", "");
    let mut c = Companion::serving(&dir.path, &bundle);
    // A string id and a number id come back as they were sent.
    let reply = c.ask(json!({"id": "h-1", "type": "hello"}));
    assert_eq!(reply["ok"], true, "{reply}");
    assert_eq!(reply["version"], env!("CARGO_PKG_VERSION"));
    assert!(reply["roots"]["webPki"].as_u64().unwrap() > 100, "{reply}");
    let local = &reply["roots"]["local"][0];
    assert_eq!(local["kind"], "bundle", "{reply}");
    assert_eq!(local["path"], bundle.display().to_string());
    assert_eq!(local["certs"], 0);
    assert_eq!(reply["limits"]["maxChain"], 16);
    assert_eq!(reply["limits"]["timeoutMs"], 2000);
    assert_eq!(reply["caller"], Value::Null);
    let reply = c.ask(json!({"id": 7, "type": "hello"}));
    assert_eq!(reply["id"], 7);
    // Two messages in one write are two frames; replies are whole frames.
    let mut both = Vec::new();
    for id in [8, 9] {
        let body = serde_json::to_vec(&json!({"id": id, "type": "hello"})).unwrap();
        both.extend_from_slice(&(body.len() as u32).to_ne_bytes());
        both.extend_from_slice(&body);
    }
    c.send_raw(&both);
    assert_eq!(c.reply_to(&json!(8))["ok"], true);
    assert_eq!(c.reply_to(&json!(9))["ok"], true);
    assert!(c.finish().success());
}

#[test]
fn a_browser_launch_serves_at_once_and_records_the_caller() {
    let dir = Dir::new("companion-launch");
    let bundle = dir.write("bundle.pem", "");
    // Chrome: `path chrome-extension://<id>/` (and on Windows `--parent-window=…`).
    let origin = "chrome-extension://ajlkmjcninalckjbeojakpdjplomhbkd/";
    let mut c = Companion::start(Setup {
        home: &dir.path,
        bundle: &bundle,
        args: vec![origin.into(), "--parent-window=0".into()],
    });
    let reply = c.ask(json!({"id": 1, "type": "hello"}));
    assert_eq!(reply["caller"], origin, "{reply}");
    assert_eq!(
        reply["limits"]["timeoutMs"], 2000,
        "under the extension's 3 s wait"
    );
    assert!(c.finish().success());
    // Firefox: `path /…/dev.pinwatch.companion.json <extension id>`.
    let manifest = dir.join("dev.pinwatch.companion.json");
    let mut c = Companion::start(Setup {
        home: &dir.path,
        bundle: &bundle,
        args: vec![
            manifest.display().to_string(),
            "pinwatch@pinwatch.dev".into(),
        ],
    });
    let reply = c.ask(json!({"id": 1, "type": "hello"}));
    assert_eq!(reply["caller"], "pinwatch@pinwatch.dev", "{reply}");
    assert!(c.finish().success());
}

#[test]
fn bad_input_gets_a_typed_error_and_the_companion_keeps_serving() {
    let dir = Dir::new("companion-bad");
    let bundle = dir.write("bundle.pem", "");
    let mut c = Companion::serving(&dir.path, &bundle);
    let long_host = "a".repeat(300);
    let cases: Vec<(Vec<u8>, &str, Value)> = vec![
        (b"\xff\xfe{}".to_vec(), "not-utf8", Value::Null),
        (b"{\"id\":1,".to_vec(), "bad-json", Value::Null),
        (Vec::new(), "bad-json", Value::Null),
        (b"[1,2]".to_vec(), "bad-json", Value::Null),
        (br#"{"type":"hello"}"#.to_vec(), "bad-request", Value::Null),
        (br#"{"id":[1],"type":"hello"}"#.to_vec(), "bad-request", Value::Null),
        (br#"{"id":1,"type":"hello","extra":true}"#.to_vec(), "bad-request", json!(1)),
        (br#"{"id":2,"type":"launch"}"#.to_vec(), "unknown-type", json!(2)),
        (
            br#"{"id":3,"type":"check","host":"mail.example.test","port":443,"ip":"127.0.0.1","sni":"x"}"#.to_vec(),
            "bad-request",
            json!(3),
        ),
        (
            br#"{"id":4,"type":"check","host":"mail\u0000.example.test","port":443,"ip":"127.0.0.1"}"#.to_vec(),
            "bad-host",
            json!(4),
        ),
        (
            format!(r#"{{"id":5,"type":"check","host":"{long_host}","port":443,"ip":"127.0.0.1"}}"#)
                .into_bytes(),
            "bad-host",
            json!(5),
        ),
        (
            br#"{"id":6,"type":"check","host":"mail.example.test","port":0,"ip":"127.0.0.1"}"#.to_vec(),
            "bad-port",
            json!(6),
        ),
        (
            br#"{"id":7,"type":"check","host":"mail.example.test","port":65536,"ip":"127.0.0.1"}"#.to_vec(),
            "bad-port",
            json!(7),
        ),
        (
            br#"{"id":8,"type":"check","host":"mail.example.test","port":443,"ip":"mail.example.test"}"#.to_vec(),
            "bad-ip",
            json!(8),
        ),
        (
            br#"{"id":9,"type":"check","host":"mail.example.test","port":443}"#.to_vec(),
            "bad-ip",
            json!(9),
        ),
        (
            br#"{"id":"ten","type":"check","host":"mail.example.test","port":443,"proxy":{"scheme":"socks5","host":"127.0.0.1","port":1080}}"#.to_vec(),
            "unsupported-proxy",
            json!("ten"),
        ),
        (
            br#"{"id":11,"type":"check","host":"mail.example.test","port":443,"proxy":{"scheme":"http","host":"127.0.0.1","port":0}}"#.to_vec(),
            "bad-proxy",
            json!(11),
        ),
    ];
    for (body, code, id) in cases {
        let started = Instant::now();
        c.send_frame(&body);
        let reply = c.next();
        assert_eq!(
            error_code(&reply),
            code,
            "{} → {reply}",
            String::from_utf8_lossy(&body)
        );
        assert_eq!(reply["id"], id, "{reply}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        c.still_serving();
    }
    // A length above 1 MiB: refused at once, the body skipped, the next frame read as one.
    let len: u32 = 1024 * 1024 + 1;
    c.send_raw(&len.to_ne_bytes());
    let reply = c.next();
    assert_eq!(error_code(&reply), "message-too-large", "{reply}");
    let junk = vec![b'{'; len as usize];
    c.send_raw(&junk);
    c.still_serving();
    // Exactly 1 MiB is read (and is not JSON).
    let big = vec![b' '; 1024 * 1024];
    c.send_frame(&big);
    assert_eq!(error_code(&c.next()), "bad-json");
    c.still_serving();
    assert!(c.finish().success());
}

#[test]
fn a_chain_to_a_root_added_to_this_computer_is_local() {
    let s = served("companion-local");
    let mut c = Companion::serving(&s.dir.path, &s.chain.root);
    let reply = c.ask(check("local", s.port));
    assert_eq!(reply["ok"], true, "{reply}");
    assert_eq!(reply["id"], "local");
    assert_eq!(
        chain_of(&reply),
        ders(&s.chain.served),
        "the chain as served"
    );
    assert_eq!(reply["verified"]["anchor"], "local", "{reply}");
    assert_eq!(reply["verified"]["store"], "bundle");
    assert_eq!(
        reply["verified"]["storePath"],
        s.chain.root.display().to_string()
    );
    assert_eq!(reply["tls"]["version"], "TLSv1.3", "{reply}");
    assert_eq!(reply["tls"]["peer"], format!("127.0.0.1:{}", s.port));
    assert_eq!(reply["tls"]["proxy"], false);
    assert!(reply["ms"].as_f64().unwrap() > 0.0, "{reply}");
    // The name is the browser's, checked: a name the leaf does not hold verifies nowhere.
    let reply = c.ask(json!({"id": "other-name", "type": "check", "host": "other.example.test", "port": s.port, "ip": "127.0.0.1"}));
    assert_eq!(reply["ok"], true, "{reply}");
    assert_eq!(reply["verified"]["anchor"], Value::Null, "{reply}");
    assert_eq!(chain_of(&reply), ders(&s.chain.served));
    assert!(c.finish().success());
}

#[test]
fn asked_to_resolve_it_looks_the_name_up_itself_and_otherwise_never() {
    let s = served("companion-resolve");
    let mut c = Companion::serving(&s.dir.path, &s.chain.root);
    // A browser that holds the response has no address yet: `localhost` by the system resolver.
    let reply = c.ask(json!({"id": "resolved", "type": "check", "host": "localhost", "port": s.port, "resolve": true}));
    assert_eq!(reply["ok"], true, "{reply}");
    assert_eq!(
        chain_of(&reply),
        ders(&s.chain.served),
        "the chain as served"
    );
    assert_eq!(
        reply["tls"]["peer"],
        format!("127.0.0.1:{}", s.port),
        "{reply}"
    );
    let reply =
        c.ask(json!({"id": "no-address", "type": "check", "host": "localhost", "port": s.port}));
    assert_eq!(
        error_code(&reply),
        "bad-ip",
        "no address and no resolve: no lookup"
    );
    let reply = c.ask(json!({"id": "unknown", "type": "check", "host": "no-such-host.invalid", "port": s.port, "resolve": true}));
    assert_eq!(error_code(&reply), "connect", "{reply}");
    c.still_serving();
    assert!(c.finish().success());
}

#[test]
fn a_chain_no_root_here_verifies_is_still_returned() {
    let s = served("companion-unknown");
    let empty = s.dir.write("empty.pem", "");
    let mut c = Companion::serving(&s.dir.path, &empty);
    let reply = c.ask(check("unknown", s.port));
    assert_eq!(reply["ok"], true, "{reply}");
    assert_eq!(reply["verified"]["anchor"], Value::Null, "{reply}");
    assert!(
        reply["verified"]["error"]
            .as_str()
            .is_some_and(|e| !e.is_empty()),
        "{reply}"
    );
    assert_eq!(chain_of(&reply), ders(&s.chain.served));
}

#[test]
fn a_spoofed_intermediate_is_returned_unverified() {
    // The same names (Test Root, Test Intermediate, localhost) with other keys: the served
    // intermediate claims the trusted root as its issuer, but the root did not sign it.
    let trusted = Dir::new("companion-trusted");
    let legit = make_chain(&trusted, "");
    let spoof = served("companion-spoof");
    let mut c = Companion::serving(&trusted.path, &legit.root);
    let reply = c.ask(check("spoof", spoof.port));
    assert_eq!(reply["ok"], true, "{reply}");
    assert_eq!(reply["verified"]["anchor"], Value::Null, "{reply}");
    assert!(reply["verified"]["error"].as_str().is_some(), "{reply}");
    let chain = chain_of(&reply);
    assert_eq!(chain, ders(&spoof.chain.served));
    assert_ne!(chain[1], ders(&legit.intermediate)[0]);
}

#[test]
fn a_root_in_the_nss_database_is_local() {
    if Command::new("certutil").arg("-H").output().is_err() {
        eprintln!("skipped: no certutil (libnss3-tools)");
        return;
    }
    let s = served("companion-nss");
    let home = s.dir.join("home");
    let nss = home.join(".pki/nssdb");
    std::fs::create_dir_all(&nss).unwrap();
    let db = format!("sql:{}", nss.display());
    let run = |args: &[&str]| {
        let out = Command::new("certutil").args(args).output().unwrap();
        assert!(out.status.success(), "certutil {args:?}: {out:?}");
    };
    run(&["-N", "-d", &db, "--empty-password"]);
    run(&[
        "-A",
        "-d",
        &db,
        "-n",
        "Corp Root  CA",
        "-t",
        "C,,",
        "-i",
        s.chain.root.to_str().unwrap(),
    ]);
    let other = Dir::new("companion-nss-other");
    let untrusted = make_chain(&other, "other-");
    run(&[
        "-A",
        "-d",
        &db,
        "-n",
        "not for TLS",
        "-t",
        ",C,",
        "-i",
        untrusted.root.to_str().unwrap(),
    ]);
    let empty = s.dir.write("empty.pem", "");
    let mut c = Companion::serving(&home, &empty);
    let hello = c.ask(json!({"id": 0, "type": "hello"}));
    let nss_store = &hello["roots"]["local"][0];
    assert_eq!(nss_store["kind"], "nss", "{hello}");
    assert_eq!(
        nss_store["certs"], 1,
        "only the CA trusted for TLS servers: {hello}"
    );
    let reply = c.ask(check("nss", s.port));
    assert_eq!(reply["verified"]["anchor"], "local", "{reply}");
    assert_eq!(reply["verified"]["store"], "nss", "{reply}");
}

#[test]
fn a_server_that_never_finishes_the_handshake_times_out_and_others_are_served() {
    let s = served("companion-timeout");
    let silent = silent_server();
    let mut c = Companion::serving(&s.dir.path, &s.chain.root);
    let started = Instant::now();
    for i in 0..3 {
        c.send(&check_host(
            &format!("silent-{i}"),
            "silent.example.test",
            silent,
        ));
    }
    // Checks run side by side: a good one is answered while the silent ones still wait.
    let good = c.ask(check("good", s.port));
    assert_eq!(good["ok"], true, "{good}");
    assert!(
        started.elapsed() < Duration::from_millis(1800),
        "{:?}",
        started.elapsed()
    );
    c.still_serving();
    for i in 0..3 {
        let reply = c.reply_to(&json!(format!("silent-{i}")));
        assert_eq!(error_code(&reply), "timeout", "{reply}");
    }
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(6),
        "{took:?}"
    );
    let again = c.ask(check("after", s.port));
    assert_eq!(again["ok"], true, "{again}");
    assert!(c.finish().success());
}

#[test]
fn a_refused_connection_is_a_connect_error() {
    let dir = Dir::new("companion-refused");
    let bundle = dir.write("bundle.pem", "");
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut c = Companion::serving(&dir.path, &bundle);
    let reply = c.ask(check("refused", port));
    assert_eq!(error_code(&reply), "connect", "{reply}");
    c.still_serving();
}

#[test]
fn a_server_that_sends_100_certificates_is_too_large() {
    let s = served("companion-100");
    let mut certs: Vec<CertificateDer<'static>> = ders(&s.chain.leaf)
        .into_iter()
        .map(CertificateDer::from)
        .collect();
    let int = ders(&s.chain.intermediate).remove(0);
    certs.extend((0..99).map(|_| CertificateDer::from(int.clone())));
    let config = tls_config(certs, &s.chain.leaf_key);
    let port = serve_config(config, None);
    let mut c = Companion::serving(&s.dir.path, &s.chain.root);
    let reply = c.ask(check("hundred", port));
    assert_eq!(error_code(&reply), "too-large", "{reply}");
    c.still_serving();
}

/// Hands out the same certified key to every client.
#[derive(Debug)]
struct Fixed(Arc<rustls::sign::CertifiedKey>);

impl rustls::server::ResolvesServerCert for Fixed {
    fn resolve(
        &self,
        _hello: rustls::server::ClientHello<'_>,
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(self.0.clone())
    }
}

#[test]
fn a_server_that_sends_a_1_mb_certificate_is_too_large() {
    let s = served("companion-1mb");
    // A DER SEQUENCE of 1 MiB: the server sends it as its leaf, whatever it holds.
    let mut huge = vec![0x30, 0x83, 0x10, 0x00, 0x00];
    huge.resize(5 + 0x10_0000, 0);
    let key = PrivateKeyDer::from(PrivatePkcs8KeyDer::from(s.chain.leaf_key.clone()));
    let signer = provider().key_provider.load_private_key(key).unwrap();
    let certified = rustls::sign::CertifiedKey::new(vec![CertificateDer::from(huge)], signer);
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(Fixed(Arc::new(certified))));
    let port = serve_config(config, None);
    let mut c = Companion::serving(&s.dir.path, &s.chain.root);
    let started = Instant::now();
    let reply = c.ask(check("huge", port));
    assert_eq!(error_code(&reply), "too-large", "{reply}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    c.still_serving();
}

#[test]
fn a_check_through_an_http_proxy_tunnels_with_connect() {
    let s = served("companion-proxy");
    let (proxy_port, log) = proxy(None);
    let mut c = Companion::serving(&s.dir.path, &s.chain.root);
    // The browser's address for a proxied response is the proxy's; with no `ip` the proxy's
    // host is used.
    for (id, ip) in [("via-ip", json!("127.0.0.1")), ("via-host", Value::Null)] {
        let mut request = json!({
            "id": id, "type": "check", "host": "mail.example.test", "port": s.port,
            "proxy": {"scheme": "http", "host": "127.0.0.1", "port": proxy_port},
        });
        if !ip.is_null() {
            request["ip"] = ip;
        }
        let reply = c.ask(request);
        assert_eq!(reply["ok"], true, "{reply}");
        assert_eq!(chain_of(&reply), ders(&s.chain.served));
        assert_eq!(reply["verified"]["anchor"], "local", "{reply}");
        assert_eq!(reply["tls"]["proxy"], true);
        assert_eq!(reply["tls"]["peer"], format!("127.0.0.1:{proxy_port}"));
    }
    let lines = log.lock().unwrap().clone();
    let expected = format!("CONNECT mail.example.test:{} HTTP/1.1", s.port);
    assert_eq!(lines, vec![expected.clone(), expected], "{lines:?}");
    // A proxy that refuses the tunnel.
    let (refusing, _) = proxy(Some("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"));
    let reply = c.ask(json!({
        "id": "refused", "type": "check", "host": "mail.example.test", "port": s.port,
        "proxy": {"scheme": "http", "host": "127.0.0.1", "port": refusing},
    }));
    assert_eq!(error_code(&reply), "proxy", "{reply}");
    assert!(
        reply["error"]["message"].as_str().unwrap().contains("403"),
        "{reply}"
    );
    c.still_serving();
}

/// Runs `pinwatch ARGS` with `home` as HOME and no XDG or Chrome configuration variables.
fn pinwatch_at(home: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("HOME", home)
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("CHROME_CONFIG_HOME")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[cfg(unix)]
fn executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[test]
fn install_status_and_uninstall_with_a_user_data_dir() {
    let dir = Dir::new("companion-install");
    let profile = dir.join("profile");
    // The browser made it when it started with --user-data-dir (a missing one is an error).
    std::fs::create_dir_all(&profile).unwrap();
    let udd = profile.to_str().unwrap();
    let (code, stdout, stderr) = pinwatch_at(
        &dir.path,
        &[
            "companion",
            "install",
            "--browser",
            "chromium",
            "--user-data-dir",
            udd,
            "--json",
        ],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    let written: Value = serde_json::from_str(&stdout).unwrap();
    let manifest_path: PathBuf = profile.join("NativeMessagingHosts/dev.pinwatch.companion.json");
    assert_eq!(written[0]["manifest"], manifest_path.display().to_string());
    let manifest = read_json(&manifest_path);
    assert_eq!(manifest["name"], "dev.pinwatch.companion");
    assert_eq!(manifest["type"], "stdio");
    assert_eq!(
        manifest["allowed_origins"],
        json!(["chrome-extension://ajlkmjcninalckjbeojakpdjplomhbkd/"])
    );
    let path = PathBuf::from(manifest["path"].as_str().unwrap());
    assert!(path.is_absolute(), "{manifest}");
    assert_eq!(path, Path::new(BIN).canonicalize().unwrap());
    #[cfg(unix)]
    assert!(executable(&path));

    // The manifest's path, started as Chrome starts it, is the companion.
    let mut c = Companion::start(Setup {
        home: &dir.path,
        bundle: &dir.write("empty.pem", ""),
        args: vec!["chrome-extension://ajlkmjcninalckjbeojakpdjplomhbkd/".into()],
    });
    assert_eq!(c.ask(json!({"id": 1, "type": "hello"}))["ok"], true);
    assert!(c.finish().success());

    let (code, stdout, _) = pinwatch_at(
        &dir.path,
        &["companion", "status", "--user-data-dir", udd, "--json"],
    );
    assert_eq!(code, 0);
    let rows: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    let row = &rows[0];
    assert_eq!(row["browser"], "chromium");
    assert_eq!(row["scope"], "user-data-dir");
    assert_eq!(row["installed"], true, "{row}");
    assert_eq!(row["executable"], true, "{row}");
    assert_eq!(row["path"], path.display().to_string());
    assert_eq!(
        row["allowed"],
        json!(["chrome-extension://ajlkmjcninalckjbeojakpdjplomhbkd/"])
    );
    assert!(row.get("problems").is_none(), "{row}");
    let (_, text, _) = pinwatch_at(&dir.path, &["companion", "status", "--user-data-dir", udd]);
    assert!(text.contains("installed: starts"), "{text}");

    // Another id; a broken path shows in status.
    let id = "abcdefghijklmnopabcdefghijklmnop";
    let (code, _, err) = pinwatch_at(
        &dir.path,
        &[
            "companion",
            "install",
            "--browser",
            "chromium",
            "--user-data-dir",
            udd,
            "--extension-id",
            id,
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        read_json(&manifest_path)["allowed_origins"],
        json!([format!("chrome-extension://{id}/")])
    );
    let mut broken = read_json(&manifest_path);
    broken["path"] = json!(dir.join("gone/pinwatch").display().to_string());
    std::fs::write(&manifest_path, broken.to_string()).unwrap();
    let (code, stdout, _) = pinwatch_at(
        &dir.path,
        &["companion", "status", "--user-data-dir", udd, "--json"],
    );
    assert_eq!(
        code, 1,
        "a manifest whose program is gone is a failed status"
    );
    let rows: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(rows[0]["installed"], true);
    assert_eq!(rows[0]["executable"], false, "{rows}");
    assert!(
        rows[0]["problems"].to_string().contains("not executable"),
        "{rows}"
    );

    let (code, stdout, _) = pinwatch_at(
        &dir.path,
        &[
            "companion",
            "uninstall",
            "--browser",
            "chromium",
            "--user-data-dir",
            udd,
            "--json",
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap()[0]["removed"],
        true
    );
    assert!(!manifest_path.exists());
    let (_, stdout, _) = pinwatch_at(
        &dir.path,
        &["companion", "status", "--user-data-dir", udd, "--json"],
    );
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap()[0]["installed"],
        false
    );
    let (code, stdout, _) = pinwatch_at(
        &dir.path,
        &[
            "companion",
            "uninstall",
            "--browser",
            "chromium",
            "--user-data-dir",
            udd,
        ],
    );
    assert_eq!(code, 0);
    assert!(stdout.contains("nothing to remove"), "{stdout}");
}

#[cfg(all(unix, not(target_os = "macos")))]
#[test]
fn install_for_the_user_writes_each_browsers_folder() {
    let dir = Dir::new("companion-user");
    let (code, out, err) = pinwatch_at(
        &dir.path,
        &[
            "companion",
            "install",
            "--browser",
            "firefox",
            "--browser",
            "chrome",
            "--browser",
            "edge",
            "--browser",
            "chromium",
            "--browser",
            "brave",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let firefox =
        read_json(&dir.join(".mozilla/native-messaging-hosts/dev.pinwatch.companion.json"));
    assert_eq!(
        firefox["allowed_extensions"],
        json!(["pinwatch@pinwatch.dev"])
    );
    assert!(firefox.get("allowed_origins").is_none());
    for folder in [
        "google-chrome",
        "microsoft-edge",
        "chromium",
        "BraveSoftware/Brave-Browser",
    ] {
        let m = read_json(&dir.join(&format!(
            ".config/{folder}/NativeMessagingHosts/dev.pinwatch.companion.json"
        )));
        assert_eq!(m["name"], "dev.pinwatch.companion", "{folder}");
    }
    let (code, out, _) = pinwatch_at(&dir.path, &["companion", "status", "--json"]);
    assert_eq!(code, 0);
    let rows: Value = serde_json::from_str(&out).unwrap();
    let user: Vec<&Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["scope"] == "user")
        .collect();
    assert_eq!(user.len(), 5, "{rows}");
    assert!(
        user.iter()
            .all(|r| r["installed"] == true && r["executable"] == true),
        "{rows}"
    );
    let system: Vec<&Value> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["scope"] == "system")
        .collect();
    // Brave has no system-wide folder of its own (docs/packages.md).
    assert_eq!(system.len(), 4, "{rows}");
    assert!(system
        .iter()
        .any(|r| r["manifest"]
            == "/etc/opt/chrome/native-messaging-hosts/dev.pinwatch.companion.json"));
    // Usage errors: a Firefox id for Chromium, Firefox with --user-data-dir, --system with it.
    let (code, _, err) = pinwatch_at(
        &dir.path,
        &[
            "companion",
            "install",
            "--browser",
            "chromium",
            "--extension-id",
            "pinwatch@pinwatch.dev",
        ],
    );
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = pinwatch_at(
        &dir.path,
        &[
            "companion",
            "install",
            "--browser",
            "firefox",
            "--user-data-dir",
            "x",
        ],
    );
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = pinwatch_at(
        &dir.path,
        &[
            "companion",
            "install",
            "--browser",
            "chrome",
            "--system",
            "--user-data-dir",
            "x",
        ],
    );
    assert_eq!(code, 2);
    let (code, _, _) = pinwatch_at(
        &dir.path,
        &[
            "companion",
            "uninstall",
            "--browser",
            "firefox",
            "--browser",
            "chrome",
            "--browser",
            "edge",
            "--browser",
            "chromium",
        ],
    );
    assert_eq!(code, 0);
    assert!(!dir
        .join(".mozilla/native-messaging-hosts/dev.pinwatch.companion.json")
        .exists());
}

/// Runs `pinwatch ARGS` with `home` as HOME and `path` as the whole of PATH.
#[cfg(unix)]
fn pinwatch_with_path(home: &Path, path: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("HOME", home)
        .env("PATH", path)
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("CHROME_CONFIG_HOME")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[cfg(all(unix, not(target_os = "macos")))]
#[test]
fn install_without_browser_writes_for_every_browser_found_and_says_which() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = Dir::new("companion-found");
    // Chrome and Brave have run for this user (profile folders); Edge is installed, never run;
    // Chromium and Firefox are neither.
    std::fs::create_dir_all(dir.join(".config/google-chrome")).unwrap();
    std::fs::create_dir_all(dir.join(".config/BraveSoftware/Brave-Browser")).unwrap();
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    let edge = dir.write("bin/microsoft-edge", "#!/bin/sh\n");
    std::fs::set_permissions(&edge, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A file named like a browser that cannot be run is not a browser.
    dir.write("bin/firefox", "");
    let bin = dir.join("bin");

    let (code, out, err) = pinwatch_with_path(&dir.path, &bin, &["companion", "install"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("found chrome, edge, brave; not found: chromium, firefox\n"),
        "{out}"
    );
    assert!(out.contains("edge found: ") && out.contains("microsoft-edge is installed"));
    for folder in [
        "google-chrome",
        "microsoft-edge",
        "BraveSoftware/Brave-Browser",
    ] {
        let m = read_json(&dir.join(&format!(
            ".config/{folder}/NativeMessagingHosts/dev.pinwatch.companion.json"
        )));
        assert_eq!(
            m["allowed_origins"],
            json!(["chrome-extension://ajlkmjcninalckjbeojakpdjplomhbkd/"]),
            "{folder}"
        );
    }
    assert!(!dir.join(".config/chromium/NativeMessagingHosts").exists());
    assert!(!dir.join(".mozilla").exists());

    let (code, out, _) = pinwatch_with_path(&dir.path, &bin, &["companion", "install", "--json"]);
    assert_eq!(code, 0);
    let rows: Value = serde_json::from_str(&out).unwrap();
    let found: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["browser"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["chrome", "edge", "brave"]);
    assert!(rows[0]["found"]
        .as_str()
        .unwrap()
        .ends_with("google-chrome exists"));

    // Nothing found: a usage error that says how to name one.
    let empty = Dir::new("companion-none");
    let (code, out, err) = pinwatch_with_path(&empty.path, &empty.path, &["companion", "install"]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("no supported browser found"), "{err}");
    assert!(err.contains("--browser"), "{err}");
}

#[test]
fn a_user_data_dir_that_does_not_exist_is_an_error() {
    let dir = Dir::new("companion-udd");
    let missing = dir.join("no-such-profile");
    let udd = missing.to_str().unwrap();
    for args in [
        vec!["companion", "install", "--user-data-dir", udd],
        vec![
            "companion",
            "install",
            "--browser",
            "chrome",
            "--user-data-dir",
            udd,
        ],
        vec![
            "companion",
            "uninstall",
            "--browser",
            "chrome",
            "--user-data-dir",
            udd,
        ],
        vec!["companion", "status", "--user-data-dir", udd],
    ] {
        let (code, out, err) = pinwatch_at(&dir.path, &args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains("is not a folder"), "{args:?}: {err}");
    }
    assert!(!missing.exists(), "nothing was created");
    // Brave has no system-wide folder: said, not guessed.
    let (code, _, err) = pinwatch_at(
        &dir.path,
        &["companion", "install", "--browser", "brave", "--system"],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("Brave documents no system-wide folder"),
        "{err}"
    );
}

#[test]
fn status_fails_on_a_manifest_that_is_not_json() {
    let dir = Dir::new("companion-broken");
    let profile = dir.join("profile");
    std::fs::create_dir_all(profile.join("NativeMessagingHosts")).unwrap();
    let udd = profile.to_str().unwrap();
    let (code, _, _) = pinwatch_at(&dir.path, &["companion", "status", "--user-data-dir", udd]);
    assert_eq!(code, 0, "nothing installed is not a failure");
    std::fs::write(
        profile.join("NativeMessagingHosts/dev.pinwatch.companion.json"),
        "{ not json",
    )
    .unwrap();
    let (code, out, _) = pinwatch_at(&dir.path, &["companion", "status", "--user-data-dir", udd]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("installed, but not JSON"), "{out}");
}

#[test]
fn manifest_prints_what_install_writes_for_a_packaged_path() {
    let dir = Dir::new("companion-manifest");
    let (code, out, err) = pinwatch_at(
        &dir.path,
        &[
            "companion",
            "manifest",
            "--browser",
            "firefox",
            "--path",
            "/usr/bin/pinwatch",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let firefox: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(firefox["path"], "/usr/bin/pinwatch");
    assert_eq!(
        firefox["allowed_extensions"],
        json!(["pinwatch@pinwatch.dev"])
    );

    // The same form as install's, but for the given path.
    let profile = dir.join("profile");
    std::fs::create_dir_all(&profile).unwrap();
    let (code, _, _) = pinwatch_at(
        &dir.path,
        &[
            "companion",
            "install",
            "--browser",
            "chrome",
            "--user-data-dir",
            profile.to_str().unwrap(),
            "--extension-id",
            "abcdefghijklmnopabcdefghijklmnop",
        ],
    );
    assert_eq!(code, 0);
    let mut written = read_json(&profile.join("NativeMessagingHosts/dev.pinwatch.companion.json"));
    let (code, out, _) = pinwatch_at(
        &dir.path,
        &[
            "companion",
            "manifest",
            "--browser",
            "chrome",
            "--path",
            "/opt/pinwatch/pinwatch",
            "--extension-id",
            "abcdefghijklmnopabcdefghijklmnop",
        ],
    );
    assert_eq!(code, 0);
    written["path"] = json!("/opt/pinwatch/pinwatch");
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap(), written);

    for bad in [
        vec!["--browser", "chrome", "--path", "pinwatch"],
        vec![
            "--browser",
            "chrome",
            "--path",
            "/usr/bin/pinwatch",
            "--extension-id",
            "x",
        ],
    ] {
        let args: Vec<&str> = ["companion", "manifest"].into_iter().chain(bad).collect();
        let (code, out, err) = pinwatch_at(&dir.path, &args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(out.is_empty());
    }
}

/// `script` (util-linux) runs the command on a pseudo-terminal, as a person typing it would.
#[cfg(target_os = "linux")]
#[test]
fn started_from_a_terminal_it_says_what_it_is_and_exits() {
    let start = Instant::now();
    let out = Command::new("script")
        .args(["-qec", &format!("{BIN} companion"), "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .expect("script (util-linux) runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("native-messaging host"), "{text}");
    assert!(text.contains("pinwatch companion install"), "{text}");
    assert!(start.elapsed() < Duration::from_secs(5), "it did not wait");
    // From a pipe (a browser) it serves, as before: a hello is answered.
    let dir = Dir::new("companion-pipe");
    let mut c = Companion::start(Setup {
        home: &dir.path,
        bundle: &dir.write("empty.pem", ""),
        args: vec!["companion".into()],
    });
    assert_eq!(c.ask(json!({"id": 1, "type": "hello"}))["ok"], true);
    assert!(c.finish().success());
}

#[test]
fn one_hosts_held_connections_cannot_starve_another_host() {
    let s = served("companion-fair");
    let silent = silent_server();
    let mut c = Companion::serving(&s.dir.path, &s.chain.root);
    // Frames of one page, each on its own port, whose connections an interceptor holds open.
    let flood = 16;
    let started = Instant::now();
    for i in 0..flood {
        c.send(&check_host(
            &format!("held-{i}"),
            "held.example.test",
            silent,
        ));
    }
    // Another host is answered while the flood's connections are held.
    let good = c.ask(check_host("other", "mail.example.test", s.port));
    assert_eq!(good["ok"], true, "{good}");
    assert!(
        started.elapsed() < Duration::from_millis(1800),
        "{:?}",
        started.elapsed()
    );
    c.still_serving();
    // The flood's checks end as `busy` (beyond the host's 2 running and 8 waiting, or waited
    // too long) or `timeout`: never a chain, never more than the host's places at once.
    let mut busy = 0;
    for i in 0..flood {
        let reply = c.reply_to(&json!(format!("held-{i}")));
        let code = error_code(&reply);
        assert!(matches!(code, "timeout" | "busy"), "{reply}");
        busy += usize::from(code == "busy");
    }
    assert!(busy >= flood - 10, "{busy} busy of {flood}");
    assert!(c.finish().success());
}
