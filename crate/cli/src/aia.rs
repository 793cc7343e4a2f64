//! Fetching a CA certificate from an Authority Information Access (caIssuers) URL, as the
//! extension does to complete a chain a server sent without its issuer (`extension/completion.js`).
//!
//! Plain HTTP/1.1 over a std `TcpStream` (`https://` through rustls, checked against the public
//! roots and any `--ca` certificates), bounded whatever the server does: every connect, read and
//! write waits at most until the caller's deadline, at most [`MAX_BYTES`] of body are read (and
//! [`MAX_HEAD_BYTES`] of status line and headers), only status 200 is a certificate, and at most
//! [`MAX_REDIRECTS`] redirects are followed. The body is a DER certificate or PEM text; the first
//! certificate is returned as DER. What is fetched proves nothing by itself: the core believes it
//! only once a verified signature links it to the leaf, so plain `http://` is fine.

use crate::certs::Bounded;
use pinwatch_core::x509::cert::parse_chain;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Instant;

/// The most body one fetch reads (the extension's `MAX_BYTES`).
pub const MAX_BYTES: usize = 1024 * 1024;
/// The most status line and headers one response may have.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// The most redirects one fetch follows.
pub const MAX_REDIRECTS: usize = 2;

/// Why no certificate was had from a URL.
#[derive(Debug)]
pub enum AiaError {
    /// Not an `http://` or `https://` URL that can be fetched.
    Url(String),
    /// The deadline passed (name lookup, connect, or waiting for the server).
    Timeout,
    /// Name lookup, connect, a read or a write failed.
    Io(std::io::Error),
    /// The TLS handshake of an `https://` URL failed.
    Tls(String),
    /// The server answered with another status than 200 (a redirect beyond the limit included).
    Status(u16),
    /// More than [`MAX_REDIRECTS`] redirects, or one without a usable `Location`.
    Redirect(String),
    /// The body is larger than [`MAX_BYTES`], or the head than [`MAX_HEAD_BYTES`].
    TooLarge,
    /// Not an HTTP response that can be read.
    Malformed(String),
    /// The body is not a certificate (DER or PEM).
    NotCertificate(String),
}

impl std::fmt::Display for AiaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AiaError::Url(why) => write!(f, "not a URL that can be fetched: {why}"),
            AiaError::Timeout => write!(f, "no certificate within the time allowed"),
            AiaError::Io(e) => write!(f, "{e}"),
            AiaError::Tls(e) => write!(f, "TLS handshake failed: {e}"),
            AiaError::Status(code) => write!(f, "HTTP status {code}"),
            AiaError::Redirect(why) => write!(f, "redirect: {why}"),
            AiaError::TooLarge => write!(f, "the response is larger than {MAX_BYTES} bytes"),
            AiaError::Malformed(why) => write!(f, "not an HTTP response: {why}"),
            AiaError::NotCertificate(why) => write!(f, "not a certificate: {why}"),
        }
    }
}

impl From<std::io::Error> for AiaError {
    fn from(e: std::io::Error) -> AiaError {
        match e.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => AiaError::Timeout,
            _ => match e.downcast::<AiaError>() {
                Ok(inner) => inner,
                Err(e) => AiaError::Io(e),
            },
        }
    }
}

/// An `http://` or `https://` URL, split.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Url {
    https: bool,
    /// As written, without brackets for IPv6.
    host: String,
    port: u16,
    /// Path and query, starting with `/`.
    target: String,
}

impl Url {
    fn parse(text: &str) -> Result<Url, AiaError> {
        let bad = |why: &str| AiaError::Url(why.to_string());
        if text.len() > 2048 {
            return Err(bad("longer than 2048 bytes"));
        }
        if text.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(bad("it holds spaces or control characters"));
        }
        let lower = text.to_ascii_lowercase();
        let (https, rest) = if lower.starts_with("http://") {
            (false, &text[7..])
        } else if lower.starts_with("https://") {
            (true, &text[8..])
        } else {
            return Err(bad("only http:// and https:// are fetched"));
        };
        let rest = rest.split('#').next().unwrap_or_default();
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(end);
        if authority.contains('@') {
            return Err(bad("user information in the URL"));
        }
        let default_port = if https { 443 } else { 80 };
        let port_of = |p: &str| p.parse::<u16>().map_err(|_| bad("a bad port"));
        let (host, port) = if let Some(r) = authority.strip_prefix('[') {
            let (h, after) = r.split_once(']').ok_or_else(|| bad("no closing ]"))?;
            match after.strip_prefix(':') {
                Some(p) => (h, port_of(p)?),
                None if after.is_empty() => (h, default_port),
                None => return Err(bad("a bad port")),
            }
        } else {
            match authority.split_once(':') {
                Some((h, p)) => (h, port_of(p)?),
                None => (authority, default_port),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let target = if target.starts_with('/') {
            target.to_string()
        } else {
            format!("/{target}")
        };
        Ok(Url {
            https,
            host: host.to_string(),
            port,
            target,
        })
    }

    /// The `Host` header's value.
    fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == if self.https { 443 } else { 80 } {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// A redirect's `Location`: an absolute `http(s)://` URL, or a path on the same server.
    fn join(&self, location: &str) -> Result<Url, AiaError> {
        let lower = location.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            return Url::parse(location);
        }
        if location.starts_with('/') && !location.starts_with("//") {
            let origin = format!(
                "{}://{}",
                if self.https { "https" } else { "http" },
                self.host_header()
            );
            return Url::parse(&format!("{origin}{location}"));
        }
        Err(AiaError::Redirect(format!(
            "Location {:?} is not an http(s) URL or an absolute path",
            location.chars().take(200).collect::<String>()
        )))
    }
}

impl std::error::Error for AiaError {}

/// Fetches CA certificates; built once per run and shared by its threads.
pub struct Fetcher {
    tls: Arc<ClientConfig>,
}

impl Fetcher {
    /// `https://` URLs are checked against the public Web PKI roots and `extra_roots` (DER).
    pub fn new(extra_roots: &[Vec<u8>]) -> Result<Fetcher, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for der in extra_roots {
            // A --ca certificate rustls cannot use as a root only matters for https:// AIA.
            let _ = roots.add(CertificateDer::from(der.clone()));
        }
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS configuration: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Fetcher {
            tls: Arc::new(config),
        })
    }

    /// The certificate at `url` (DER), had by `until`; redirects are followed at most
    /// [`MAX_REDIRECTS`] times, to `http://` or `https://` URLs.
    pub fn fetch(&self, url: &str, until: Instant) -> Result<Vec<u8>, AiaError> {
        let mut at = Url::parse(url)?;
        let mut redirects = 0;
        loop {
            match self.get(&at, until)? {
                Response::Body(body) => return certificate(&body),
                Response::Redirect(code, location) => {
                    if redirects == MAX_REDIRECTS {
                        return Err(AiaError::Redirect(format!(
                            "more than {MAX_REDIRECTS} redirects (the last one {code})"
                        )));
                    }
                    redirects += 1;
                    at = at.join(&location)?;
                }
            }
        }
    }

    /// One request.
    fn get(&self, url: &Url, until: Instant) -> Result<Response, AiaError> {
        let sock = connect(&url.host, url.port, until)?;
        // Running out of time is an error of kind `TimedOut`: `AiaError::Timeout`, whatever
        // its text.
        let stream = Bounded {
            sock,
            until,
            timeout: until.saturating_duration_since(Instant::now()),
            left: MAX_HEAD_BYTES + MAX_BYTES + 64 * 1024,
            over: || std::io::Error::other(AiaError::TooLarge),
        };
        let request = format!(
            "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: pinwatch/{}\r\nAccept: application/pkix-cert, application/x-x509-ca-cert, */*\r\nConnection: close\r\n\r\n",
            url.target,
            url.host_header(),
            env!("CARGO_PKG_VERSION")
        );
        if url.https {
            let name = ServerName::try_from(url.host.clone())
                .map_err(|_| AiaError::Url(format!("{:?} is not a TLS server name", url.host)))?;
            let conn = ClientConnection::new(self.tls.clone(), name)
                .map_err(|e| AiaError::Tls(e.to_string()))?;
            let mut tls = StreamOwned::new(conn, stream);
            tls.write_all(request.as_bytes()).map_err(tls_error)?;
            tls.flush().map_err(tls_error)?;
            response(BufReader::new(tls))
        } else {
            let mut stream = stream;
            stream.write_all(request.as_bytes())?;
            response(BufReader::new(stream))
        }
    }
}

/// rustls reports its own errors as `InvalidData`.
fn tls_error(e: std::io::Error) -> AiaError {
    if e.kind() == std::io::ErrorKind::InvalidData {
        AiaError::Tls(e.to_string())
    } else {
        e.into()
    }
}

enum Response {
    Body(Vec<u8>),
    Redirect(u16, String),
}

/// Connects to `host:port` by `until`; the name lookup is [`crate::certs::resolve`]'s, so a
/// resolver that hangs costs its thread, never the caller's time.
fn connect(host: &str, port: u16, until: Instant) -> Result<TcpStream, AiaError> {
    let left = || {
        until
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or(AiaError::Timeout)
    };
    // A lookup that runs out of time is an `io` error of kind `TimedOut`: `AiaError::Timeout`.
    let addrs = crate::certs::resolve(host, port, left()?)?;
    let mut last = AiaError::Io(std::io::Error::new(
        std::io::ErrorKind::NotFound,
        format!("{host}: no address"),
    ));
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, left()?) {
            Ok(sock) => return Ok(sock),
            Err(e) => last = e.into(),
        }
    }
    Err(last)
}

/// One line of the head (without its CRLF), counting against `budget`.
fn head_line(reader: &mut impl BufRead, budget: &mut usize) -> Result<String, AiaError> {
    let mut line = Vec::new();
    let n = reader
        .by_ref()
        .take(*budget as u64 + 1)
        .read_until(b'\n', &mut line)?;
    if n > *budget {
        return Err(AiaError::TooLarge);
    }
    *budget -= n;
    if !line.ends_with(b"\n") {
        return Err(AiaError::Malformed("the head ended early".into()));
    }
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    String::from_utf8(line).map_err(|_| AiaError::Malformed("a head line is not text".into()))
}

/// Reads a response: status, headers, then the body (by `Content-Length`, chunked, or to the
/// end of the connection), at most [`MAX_BYTES`] of it.
fn response(mut reader: impl BufRead) -> Result<Response, AiaError> {
    let mut budget = MAX_HEAD_BYTES;
    let status_line = head_line(&mut reader, &mut budget)?;
    let mut words = status_line.splitn(3, ' ');
    let version = words.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(AiaError::Malformed(format!(
            "the status line is {:?}",
            status_line.chars().take(80).collect::<String>()
        )));
    }
    let code: u16 = words
        .next()
        .and_then(|c| c.parse().ok())
        .filter(|c| (100..1000).contains(c))
        .ok_or_else(|| AiaError::Malformed("no status code".into()))?;
    let (mut length, mut chunked, mut location) = (None, false, None);
    loop {
        let line = head_line(&mut reader, &mut budget)?;
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(AiaError::Malformed("a header without a colon".into()));
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => {
                let n: u64 = value
                    .parse()
                    .map_err(|_| AiaError::Malformed("a bad Content-Length".into()))?;
                if length.is_some_and(|l| l != n) {
                    return Err(AiaError::Malformed("two Content-Lengths".into()));
                }
                length = Some(n);
            }
            "transfer-encoding" => {
                chunked = value
                    .rsplit(',')
                    .next()
                    .is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked"));
                if !chunked {
                    return Err(AiaError::Malformed(format!(
                        "Transfer-Encoding {value:?} is not read"
                    )));
                }
            }
            "location" => location = Some(value.to_string()),
            _ => {}
        }
    }
    if matches!(code, 301 | 302 | 303 | 307 | 308) {
        let location = location
            .ok_or_else(|| AiaError::Redirect(format!("status {code} without a Location")))?;
        return Ok(Response::Redirect(code, location));
    }
    if code != 200 {
        return Err(AiaError::Status(code));
    }
    let body = if chunked {
        chunked_body(&mut reader)?
    } else if let Some(length) = length {
        if length > MAX_BYTES as u64 {
            return Err(AiaError::TooLarge);
        }
        let mut body = vec![0; length as usize];
        reader.read_exact(&mut body).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                AiaError::Malformed("the body ended before its Content-Length".into())
            }
            _ => e.into(),
        })?;
        body
    } else {
        to_end(&mut reader)?
    };
    Ok(Response::Body(body))
}

/// The rest of the connection, at most [`MAX_BYTES`]. A TLS peer that closes without
/// close_notify ends the body too (as browsers take it): what it holds is checked anyway.
fn to_end(reader: &mut impl BufRead) -> Result<Vec<u8>, AiaError> {
    let mut body = Vec::new();
    match reader
        .by_ref()
        .take(MAX_BYTES as u64 + 1)
        .read_to_end(&mut body)
    {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {}
        Err(e) => return Err(e.into()),
    }
    if body.len() > MAX_BYTES {
        return Err(AiaError::TooLarge);
    }
    Ok(body)
}

/// A chunked body, at most [`MAX_BYTES`] of data.
fn chunked_body(reader: &mut impl BufRead) -> Result<Vec<u8>, AiaError> {
    let mut body = Vec::new();
    let mut budget = MAX_HEAD_BYTES;
    loop {
        let line = head_line(reader, &mut budget)?;
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16)
            .map_err(|_| AiaError::Malformed("a bad chunk size".into()))?;
        if size == 0 {
            return Ok(body);
        }
        if body.len() + size > MAX_BYTES {
            return Err(AiaError::TooLarge);
        }
        let at = body.len();
        body.resize(at + size, 0);
        reader.read_exact(&mut body[at..])?;
        if !head_line(reader, &mut budget)?.is_empty() {
            return Err(AiaError::Malformed("a chunk longer than its size".into()));
        }
    }
}

/// The first certificate of a body (DER, or PEM text), as DER.
fn certificate(body: &[u8]) -> Result<Vec<u8>, AiaError> {
    if body.is_empty() {
        return Err(AiaError::NotCertificate("the body is empty".into()));
    }
    let certs = parse_chain(body).map_err(|e| AiaError::NotCertificate(e.to_string()))?;
    certs
        .first()
        .map(|c| c.der().to_vec())
        .ok_or_else(|| AiaError::NotCertificate("no certificate in the body".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// A self-signed P-256 certificate, made with openssl for these tests (a body to fetch).
    const CERT_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBtTCCAVugAwIBAgIUOTHl2Qgcdrn4o/S3lv1g/xpjr00wCgYIKoZIzj0EAwIw
MDEuMCwGA1UEAwwlUGlud2F0Y2ggQUlBIHRlc3QgKG5vdCBhIHJlYWwgaXNzdWVy
KTAeFw0yNjEyMDMwMDIwNTJaFw0zNjExMzAwMDIwNTJaMDAxLjAsBgNVBAMMJVBp
bndhdGNoIEFJQSB0ZXN0IChub3QgYSByZWFsIGlzc3VlcikwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAAQHAwVlkwrkUt/WNCUXkZ+aPPeQkms74UTwglIf2arXLhyl
E4eaM+orjDpfDEOhyR8WVT87GH1XiqVJLkbYRMhwo1MwUTAdBgNVHQ4EFgQUUp8J
NUx3Z7sxtAsJiA4+XC1JSncwHwYDVR0jBBgwFoAUUp8JNUx3Z7sxtAsJiA4+XC1J
SncwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiA3Is+Rf3WuU8Cf
plVAGKuhAvd7Y8HSqgpC37iZ54HPOwIhALWRoGlMaGD8Y7/LSBMC+1EOaZP9pqc4
QRb8ZRPRfTWD
-----END CERTIFICATE-----
";

    fn der() -> Vec<u8> {
        parse_chain(CERT_PEM.as_bytes()).unwrap()[0].der().to_vec()
    }

    /// Serves one canned reply per connection (after reading the request's head), on a
    /// loopback port, for as many connections as come; `wait` before replying. Returns the
    /// port and a count of requests, and what the last request said.
    fn serve(
        reply: impl Fn(&str) -> Vec<u8> + Send + Sync + 'static,
        wait: Duration,
    ) -> (u16, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let count = Arc::new(AtomicUsize::new(0));
        let seen = count.clone();
        let reply = Arc::new(reply);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (seen, reply) = (seen.clone(), reply.clone());
                std::thread::spawn(move || {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        match stream.read(&mut byte) {
                            Ok(1) => head.push(byte[0]),
                            _ => return,
                        }
                    }
                    seen.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(wait);
                    let _ = stream.write_all(&reply(&String::from_utf8_lossy(&head)));
                });
            }
        });
        (port, count)
    }

    fn ok_reply(body: &[u8]) -> Vec<u8> {
        let mut r = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/pkix-cert\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(body);
        r
    }

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(5)
    }

    fn fetcher() -> Fetcher {
        Fetcher::new(&[]).unwrap()
    }

    #[test]
    fn a_der_certificate_is_fetched_with_a_plain_http_get() {
        let body = der();
        let requests = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = requests.clone();
        let (port, count) = serve(
            move |head| {
                log.lock().unwrap().push(head.to_string());
                ok_reply(&body)
            },
            Duration::ZERO,
        );
        let url = format!("http://127.0.0.1:{port}/ca/root.der?x=1#frag");
        assert_eq!(fetcher().fetch(&url, soon()).unwrap(), der());
        assert_eq!(count.load(Ordering::SeqCst), 1);
        let head = requests.lock().unwrap()[0].clone();
        assert!(
            head.starts_with("GET /ca/root.der?x=1 HTTP/1.1\r\n"),
            "{head}"
        );
        assert!(
            head.contains(&format!("\r\nHost: 127.0.0.1:{port}\r\n")),
            "{head}"
        );
        assert!(head.contains("\r\nConnection: close\r\n"), "{head}");
    }

    #[test]
    fn pem_text_and_a_body_to_the_end_of_the_connection_are_read() {
        let (port, _) = serve(
            |_| {
                format!("HTTP/1.0 200 OK\r\nContent-Type: application/x-pem-file\r\n\r\n{CERT_PEM}")
                    .into_bytes()
            },
            Duration::ZERO,
        );
        let url = format!("http://127.0.0.1:{port}/root.pem");
        assert_eq!(fetcher().fetch(&url, soon()).unwrap(), der());
    }

    #[test]
    fn a_chunked_body_is_read() {
        let body = der();
        let (port, _) = serve(
            move |_| {
                let (a, b) = body.split_at(100);
                let mut r = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
                for part in [a, b] {
                    r.extend_from_slice(format!("{:x};ext=1\r\n", part.len()).as_bytes());
                    r.extend_from_slice(part);
                    r.extend_from_slice(b"\r\n");
                }
                r.extend_from_slice(b"0\r\n\r\n");
                r
            },
            Duration::ZERO,
        );
        let url = format!("http://127.0.0.1:{port}/root.der");
        assert_eq!(fetcher().fetch(&url, soon()).unwrap(), der());
    }

    #[test]
    fn a_status_other_than_200_is_no_certificate() {
        let (port, _) = serve(
            |_| b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found".to_vec(),
            Duration::ZERO,
        );
        let url = format!("http://127.0.0.1:{port}/root.der");
        let e = fetcher().fetch(&url, soon()).unwrap_err();
        assert!(matches!(e, AiaError::Status(404)), "{e:?}");
        assert_eq!(e.to_string(), "HTTP status 404");
    }

    #[test]
    fn a_body_over_one_mebibyte_is_refused_with_or_without_a_length() {
        let (port, _) = serve(
            |head| {
                let big = vec![0x30; MAX_BYTES + 1];
                if head.contains("/declared") {
                    ok_reply(&big)
                } else {
                    [
                        b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_vec(),
                        big,
                    ]
                    .concat()
                }
            },
            Duration::ZERO,
        );
        for path in ["declared", "undeclared"] {
            let url = format!("http://127.0.0.1:{port}/{path}");
            let e = fetcher().fetch(&url, soon()).unwrap_err();
            assert!(matches!(e, AiaError::TooLarge), "{path}: {e:?}");
        }
        // Exactly the limit is read (and is then not a certificate).
        let (port, _) = serve(|_| ok_reply(&vec![0u8; MAX_BYTES]), Duration::ZERO);
        let e = fetcher()
            .fetch(&format!("http://127.0.0.1:{port}/"), soon())
            .unwrap_err();
        assert!(matches!(e, AiaError::NotCertificate(_)), "{e:?}");
    }

    #[test]
    fn a_slow_server_times_out_at_the_deadline() {
        let body = der();
        let (port, count) = serve(move |_| ok_reply(&body), Duration::from_secs(10));
        let start = Instant::now();
        let until = start + Duration::from_millis(500);
        let e = fetcher()
            .fetch(&format!("http://127.0.0.1:{port}/root.der"), until)
            .unwrap_err();
        assert!(matches!(e, AiaError::Timeout), "{e:?}");
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(count.load(Ordering::SeqCst), 1);
        // A deadline already past: nothing is even tried.
        let e = fetcher()
            .fetch(&format!("http://127.0.0.1:{port}/root.der"), Instant::now())
            .unwrap_err();
        assert!(matches!(e, AiaError::Timeout), "{e:?}");
    }

    #[test]
    fn garbage_is_not_a_certificate_and_not_a_response() {
        let (port, _) = serve(
            |head| {
                if head.contains("/body") {
                    ok_reply(b"\x30\x82garbage that is not DER")
                } else if head.contains("/text") {
                    ok_reply(b"<html>hello</html>")
                } else if head.contains("/empty") {
                    ok_reply(b"")
                } else {
                    b"SSH-2.0-OpenSSH\r\n\r\n".to_vec()
                }
            },
            Duration::ZERO,
        );
        for path in ["body", "text", "empty"] {
            let e = fetcher()
                .fetch(&format!("http://127.0.0.1:{port}/{path}"), soon())
                .unwrap_err();
            assert!(matches!(e, AiaError::NotCertificate(_)), "{path}: {e:?}");
        }
        let e = fetcher()
            .fetch(&format!("http://127.0.0.1:{port}/protocol"), soon())
            .unwrap_err();
        assert!(matches!(e, AiaError::Malformed(_)), "{e:?}");
    }

    #[test]
    fn redirects_are_followed_twice_at_most() {
        let body = der();
        let (port, count) = serve(
            move |head| {
                let path = head.split(' ').nth(1).unwrap_or_default().to_string();
                match path
                    .strip_prefix("/hop/")
                    .and_then(|n| n.parse::<u32>().ok())
                {
                    Some(0) => ok_reply(&body),
                    Some(n) => format!(
                        "HTTP/1.1 302 Found\r\nLocation: /hop/{}\r\nContent-Length: 0\r\n\r\n",
                        n - 1
                    )
                    .into_bytes(),
                    None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec(),
                }
            },
            Duration::ZERO,
        );
        let url = |n: u32| format!("http://127.0.0.1:{port}/hop/{n}");
        assert_eq!(fetcher().fetch(&url(2), soon()).unwrap(), der());
        assert_eq!(count.load(Ordering::SeqCst), 3);
        let e = fetcher().fetch(&url(3), soon()).unwrap_err();
        assert!(matches!(e, AiaError::Redirect(_)), "{e:?}");
        assert_eq!(count.load(Ordering::SeqCst), 6);
    }

    #[test]
    fn a_closed_port_and_other_schemes_fail_with_a_reason() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let e = fetcher()
            .fetch(&format!("http://127.0.0.1:{port}/root.der"), soon())
            .unwrap_err();
        assert!(matches!(e, AiaError::Io(_)), "{e:?}");
        for url in [
            "ldap://ldap.example/cn=CA",
            "http://",
            "http://user@example.test/x",
            "http://example.test:99999/x",
            "http://exa mple.test/x",
        ] {
            let e = fetcher().fetch(url, soon()).unwrap_err();
            assert!(matches!(e, AiaError::Url(_)), "{url}: {e:?}");
        }
        // https:// is TLS: a server that answers in plain HTTP fails the handshake.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let _ = stream.write_all(&ok_reply(&der()));
            }
        });
        let e = fetcher()
            .fetch(&format!("https://127.0.0.1:{port}/root.der"), soon())
            .unwrap_err();
        assert!(matches!(e, AiaError::Tls(_)), "{e:?}");
    }

    /// Runs openssl in `dir`.
    fn openssl(dir: &std::path::Path, args: &[&str]) -> Vec<u8> {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("the openssl command");
        assert!(out.status.success(), "openssl {args:?}: {out:?}");
        out.stdout
    }

    #[test]
    fn https_is_fetched_over_tls_checked_against_the_roots_given() {
        let dir = std::env::temp_dir().join(format!("pinwatch-aia-https-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ];
        let mut args = vec!["req", "-x509"];
        args.extend(ec);
        args.extend([
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-subj",
            "/CN=AIA Test CA",
            "-days",
            "2",
        ]);
        openssl(&dir, &args);
        let mut args = vec!["req"];
        args.extend(ec);
        args.extend([
            "-keyout",
            "srv.key",
            "-out",
            "srv.csr",
            "-subj",
            "/CN=127.0.0.1",
        ]);
        openssl(&dir, &args);
        std::fs::write(
            dir.join("srv.ext"),
            "basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n",
        )
        .unwrap();
        openssl(
            &dir,
            &[
                "x509",
                "-req",
                "-in",
                "srv.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "srv.pem",
                "-days",
                "2",
                "-extfile",
                "srv.ext",
            ],
        );
        let key = openssl(
            &dir,
            &[
                "pkcs8", "-topk8", "-nocrypt", "-in", "srv.key", "-outform", "DER",
            ],
        );
        let ca = parse_chain(&std::fs::read(dir.join("ca.pem")).unwrap()).unwrap()[0]
            .der()
            .to_vec();
        let leaf = parse_chain(&std::fs::read(dir.join("srv.pem")).unwrap()).unwrap()[0]
            .der()
            .to_vec();
        let _ = std::fs::remove_dir_all(&dir);

        use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(leaf)],
                PrivateKeyDer::from(PrivatePkcs8KeyDer::from(key)),
            )
            .unwrap();
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let config = config.clone();
                std::thread::spawn(move || {
                    let Ok(conn) = rustls::ServerConnection::new(config) else {
                        return;
                    };
                    let mut tls = StreamOwned::new(conn, stream);
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        match tls.read(&mut byte) {
                            Ok(1) => head.push(byte[0]),
                            _ => return,
                        }
                    }
                    let _ = tls.write_all(&ok_reply(&der()));
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                });
            }
        });
        let url = format!("https://127.0.0.1:{port}/root.der");
        assert_eq!(
            Fetcher::new(&[ca]).unwrap().fetch(&url, soon()).unwrap(),
            der()
        );
        // The public roots alone do not know the test CA.
        let e = fetcher().fetch(&url, soon()).unwrap_err();
        assert!(matches!(e, AiaError::Tls(_)), "{e:?}");
    }

    #[test]
    fn urls_are_split_as_written() {
        let u = Url::parse("HTTP://[::1]:8080/a/b?c").unwrap();
        assert_eq!(
            (u.https, u.host.as_str(), u.port, u.target.as_str()),
            (false, "::1", 8080, "/a/b?c")
        );
        assert_eq!(u.host_header(), "[::1]:8080");
        let u = Url::parse("https://crt.example.test").unwrap();
        assert_eq!((u.port, u.target.as_str()), (443, "/"));
        assert_eq!(u.host_header(), "crt.example.test");
        let u = Url::parse("http://ca.example.test/x").unwrap();
        assert_eq!(u.join("/y").unwrap().target, "/y");
        assert!(u.join("https://other.test/z").unwrap().https);
        assert!(u.join("relative").is_err());
        assert!(u.join("//other.test/z").is_err());
    }
}
