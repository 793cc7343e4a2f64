//! One `check`: a TLS connection of the companion's own to the address the browser used
//! (directly, or through the browser's HTTP proxy with `CONNECT`), with the browser's server
//! name and the browser's ClientHello (hello.rs); the chain as the server sent it, and which
//! roots, if any, verify it.

use super::hello;
use super::protocol::{Check, Code, Failed, MAX_REPLY_BYTES};
use super::roots::LocalRoots;
use crate::certs::{Connect, FetchError, Served, Tls, MAX_SERVER_BYTES};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use pinwatch_core::x509::cert::{MAX_CERT_BYTES, MAX_CHAIN_LEN};
use rustls::pki_types::ServerName;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The most of a proxy's answer to `CONNECT` read (status line and headers).
const MAX_PROXY_HEAD: usize = 16 * 1024;

/// Runs a check within `timeout` (name lookup of a proxy, connect, `CONNECT`, handshake) and
/// builds the reply body (without `id`). `roots` is asked only when the public roots fail.
pub fn run<'r>(
    tls: &Tls,
    check: &Check,
    timeout: Duration,
    roots: impl FnOnce() -> &'r LocalRoots,
) -> Result<Value, Failed> {
    let start = Instant::now();
    let until = start + timeout;
    let profile = hello::Profile::for_chromium(check.chromium);
    let ip_text;
    let mut served = match &check.proxy {
        None => {
            // Asked to look the name up (`resolve`): the system's resolver, every address it
            // gives tried in turn, as for any name; the reply's `tls.peer` says which answered.
            ip_text = match check.ip {
                Some(ip) => ip.to_string(),
                None if check.resolve => check.host.clone(),
                None => return Err(Failed::new(Code::BadIp, "no address to connect to")),
            };
            let to = Connect {
                host: &ip_text,
                port: check.port,
                server_name: &check.host,
                timeout,
            };
            crate::certs::connect(&to, until)
                .and_then(|sock| hello::look(sock, &to, until, profile))
                .map_err(|e| fetch_failed(e, timeout))?
        }
        Some(proxy) => {
            let sock = tunnel(check, until, timeout)?;
            let to = Connect {
                host: &proxy.host,
                port: proxy.port,
                server_name: &check.host,
                timeout,
            };
            hello::look(sock, &to, until, profile).map_err(|e| fetch_failed(e, timeout))?
        }
    };
    served.verify_error = tls.verify(&served.certs, &check.host);
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    reply(check, served, ms, roots)
}

fn reply<'r>(
    check: &Check,
    served: Served,
    ms: f64,
    roots: impl FnOnce() -> &'r LocalRoots,
) -> Result<Value, Failed> {
    if served.certs.is_empty() {
        return Err(Failed::new(Code::Tls, "the server sent no certificate"));
    }
    if served.certs.len() > MAX_CHAIN_LEN {
        return Err(Failed::new(
            Code::TooLarge,
            format!("the server sent more than {MAX_CHAIN_LEN} certificates"),
        ));
    }
    if let Some(i) = served.certs.iter().position(|c| c.len() > MAX_CERT_BYTES) {
        return Err(Failed::new(
            Code::TooLarge,
            format!("certificate {i} is larger than {MAX_CERT_BYTES} bytes"),
        ));
    }
    let verified = match &served.verify_error {
        None => json!({"anchor": "web-pki"}),
        Some(public_error) => {
            let name = ServerName::try_from(check.host.clone())
                .map_err(|_| Failed::new(Code::BadHost, "not a valid server name"))?;
            match roots().verify(&served.certs, &name) {
                Ok(store) => json!({
                    "anchor": "local",
                    "store": store.kind,
                    "storePath": store.path.display().to_string(),
                }),
                Err(local) => {
                    let error = match local {
                        Some(local) => format!("web-pki roots: {public_error}; {local}"),
                        None => public_error.clone(),
                    };
                    json!({"anchor": null, "error": error})
                }
            }
        }
    };
    let chain: Vec<String> = served.certs.iter().map(|c| STANDARD.encode(c)).collect();
    let body = json!({
        "ok": true,
        "chain": chain,
        "verified": verified,
        "ms": (ms * 10.0).round() / 10.0,
        "tls": {
            "version": served.protocol.replace('_', "."),
            "cipherSuite": served.cipher_suite,
            "peer": served.peer.map(|p| p.to_string()),
            "proxy": check.proxy.is_some(),
        },
    });
    // The id is added later: leave it room (a string id is at most 256 characters, escaped).
    let size = serde_json::to_vec(&body)
        .map(|b| b.len())
        .unwrap_or(usize::MAX);
    if size > MAX_REPLY_BYTES - 2048 {
        return Err(Failed::new(
            Code::TooLarge,
            format!("the chain's reply would be {size} bytes; a host may send the browser at most {MAX_REPLY_BYTES}"),
        ));
    }
    Ok(body)
}

/// The reply for a connection or handshake that failed.
fn fetch_failed(e: FetchError, timeout: Duration) -> Failed {
    match e {
        FetchError::Name(name) => Failed::new(Code::BadHost, name),
        FetchError::Io(place, e) => match e.kind() {
            std::io::ErrorKind::TimedOut => Failed::new(
                Code::Timeout,
                format!(
                    "{place}: connect and handshake did not finish within {} s",
                    timeout.as_secs_f32()
                ),
            ),
            _ if e.to_string().contains("the server sent more than") => Failed::new(
                Code::TooLarge,
                format!("{place}: the server sent more than {MAX_SERVER_BYTES} bytes during the handshake"),
            ),
            _ => Failed::new(Code::Connect, format!("{place}: {e}")),
        },
        FetchError::Tls(place, e) => {
            let text = e.to_string();
            if text.contains("HandshakePayloadTooLarge")
                || text.contains("MessageTooLarge")
                || text.contains("EXCESSIVE_MESSAGE_SIZE")
            {
                Failed::new(
                    Code::TooLarge,
                    format!("{place}: a handshake message is larger than 64 KiB ({text})"),
                )
            } else {
                Failed::new(Code::Tls, format!("{place}: TLS handshake failed: {text}"))
            }
        }
    }
}

/// Opens a `CONNECT host:port` tunnel through the check's proxy: to `ip` (the address the
/// browser used, which is the proxy's) or else the proxy's host, looked up here.
fn tunnel(check: &Check, until: Instant, timeout: Duration) -> Result<TcpStream, Failed> {
    let Some(proxy) = &check.proxy else {
        return Err(Failed::new(Code::Internal, "no proxy"));
    };
    let place = if proxy.host.contains(':') {
        format!("proxy [{}]:{}", proxy.host, proxy.port)
    } else {
        format!("proxy {}:{}", proxy.host, proxy.port)
    };
    let timeout_failed = || {
        Failed::new(
            Code::Timeout,
            format!(
                "{place}: the tunnel was not open within {} s",
                timeout.as_secs_f32()
            ),
        )
    };
    let addrs: Vec<SocketAddr> = match (check.ip, proxy.host.parse::<IpAddr>()) {
        (Some(ip), _) | (None, Ok(ip)) => vec![SocketAddr::new(ip, proxy.port)],
        (None, Err(_)) => lookup(&proxy.host, proxy.port, until).map_err(|e| match e {
            None => timeout_failed(),
            Some(e) => Failed::new(Code::Proxy, format!("{place}: {e}")),
        })?,
    };
    let mut last = None;
    let mut sock = None;
    for addr in addrs {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timeout_failed());
        }
        match TcpStream::connect_timeout(&addr, left) {
            Ok(s) => {
                sock = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let mut sock = sock.ok_or_else(|| match last {
        Some(e) if e.kind() == std::io::ErrorKind::TimedOut => timeout_failed(),
        Some(e) => Failed::new(Code::Connect, format!("{place}: {e}")),
        None => Failed::new(Code::Proxy, format!("{place}: no address")),
    })?;
    let target = if check.host.contains(':') {
        format!("[{}]:{}", check.host, check.port)
    } else {
        format!("{}:{}", check.host, check.port)
    };
    let request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n");
    let io_failed = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => timeout_failed(),
        _ => Failed::new(Code::Proxy, format!("{place}: {e}")),
    };
    let left = until
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
        .ok_or_else(timeout_failed)?;
    sock.set_write_timeout(Some(left)).map_err(io_failed)?;
    sock.write_all(request.as_bytes()).map_err(io_failed)?;
    // Byte by byte up to the blank line, so that nothing of the TLS stream is read here.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= MAX_PROXY_HEAD {
            return Err(Failed::new(
                Code::Proxy,
                format!("{place}: the answer to CONNECT is longer than {MAX_PROXY_HEAD} bytes"),
            ));
        }
        let left = until
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or_else(timeout_failed)?;
        sock.set_read_timeout(Some(left)).map_err(io_failed)?;
        match sock.read(&mut byte) {
            Ok(0) => {
                return Err(Failed::new(
                    Code::Proxy,
                    format!("{place}: closed the connection before answering CONNECT"),
                ))
            }
            Ok(_) => head.push(byte[0]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_failed(e)),
        }
    }
    let status_line = head
        .split(|&b| b == b'\r')
        .next()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .unwrap_or_default();
    let mut words = status_line.split_whitespace();
    let version = words.next().unwrap_or_default();
    let status = words.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") || status != "200" {
        let shown: String = crate::command::clean(&status_line)
            .chars()
            .take(120)
            .collect();
        return Err(Failed::new(
            Code::Proxy,
            format!("{place}: refused CONNECT {target}: {shown:?}"),
        ));
    }
    Ok(sock)
}

/// Looks a proxy's name up before `until`; a resolver that hangs costs a thread, not the check.
/// `Err(None)` is a timeout.
fn lookup(host: &str, port: u16, until: Instant) -> Result<Vec<SocketAddr>, Option<String>> {
    let (tx, rx) = mpsc::channel();
    let name = host.to_string();
    std::thread::Builder::new()
        .name("proxy-lookup".into())
        .spawn(move || {
            let _ = tx.send((name.as_str(), port).to_socket_addrs().map(|a| a.collect()));
        })
        .map_err(|e| Some(e.to_string()))?;
    let left = until.saturating_duration_since(Instant::now());
    match rx.recv_timeout(left) {
        Ok(Ok(addrs)) => Ok(addrs),
        Ok(Err(e)) => Err(Some(format!("name lookup failed: {e}"))),
        Err(_) => Err(None),
    }
}
