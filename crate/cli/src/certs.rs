//! `pin` (certificates from files) and `grab` (the chain a live server sends); `Tls::fetch`,
//! the one way the CLI reads a live server's chain (`grab` and `monitor`).

use crate::command::{clean, out, out_json, read, Failure};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use pinwatch_core::x509::cert::{parse_chain, Cert, MAX_CERT_BYTES, MAX_CHAIN_LEN};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use serde::Serialize;
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// One certificate as `pin --json` and `grab --json` print it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CertRow {
    file: String,
    index: usize,
    subject: String,
    issuer: String,
    spki_sha256: String,
    cert_sha256: String,
    not_before: Option<String>,
    not_after: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    spki: Option<String>,
}

impl CertRow {
    fn new(source: &str, index: usize, cert: &Cert, spki: bool) -> CertRow {
        CertRow {
            file: source.to_string(),
            index,
            subject: cert.facts.subject.clone(),
            issuer: cert.facts.issuer.clone(),
            spki_sha256: cert.spki_pin.to_base64(),
            cert_sha256: cert.cert_hash.to_base64(),
            not_before: cert.facts.not_before.clone(),
            not_after: cert.facts.not_after.clone(),
            spki: spki.then(|| STANDARD.encode(cert.spki_der())),
        }
    }

    fn text(&self) -> String {
        let mut s = format!(
            "{}#{}\n  pin-sha256:  {}\n  subject:     {}\n  issuer:      {}\n  not after:   {}\n  cert-sha256: {}\n",
            clean(&self.file),
            self.index,
            self.spki_sha256,
            clean(&self.subject),
            clean(&self.issuer),
            self.not_after.as_deref().unwrap_or("(unreadable)"),
            self.cert_sha256,
        );
        if let Some(spki) = &self.spki {
            s.push_str(&format!("  spki:        {spki}\n"));
        }
        s
    }
}

pub fn pin(files: &[PathBuf], spki: bool, json: bool) -> Result<ExitCode, Failure> {
    let mut rows = Vec::new();
    for path in files {
        let bytes = read(path, MAX_CERT_BYTES * MAX_CHAIN_LEN)?;
        let certs = parse_chain(&bytes).map_err(|e| {
            // DER starts with a SEQUENCE tag; anything else without a PEM block is some other
            // file, and the DER parser's complaint would only confuse.
            let pem = bytes.windows(11).any(|w| w == b"-----BEGIN ");
            if !pem && bytes.first() != Some(&0x30) {
                Failure::invalid(
                    path,
                    "not a certificate: no PEM block (-----BEGIN CERTIFICATE-----) and not DER; give the certificate file a server or CA uses",
                )
            } else {
                Failure::invalid(path, e)
            }
        })?;
        let name = path.display().to_string();
        rows.extend(
            certs
                .iter()
                .enumerate()
                .map(|(i, c)| CertRow::new(&name, i, c, spki)),
        );
    }
    if json {
        out_json(&rows)?;
    } else {
        out(&rows.iter().map(CertRow::text).collect::<String>())?;
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct GrabArgs {
    /// Host name or IP address, with an optional port (443 when none is given); IPv6 as [::1]:443
    #[arg(value_name = "HOST[:PORT]")]
    target: String,
    /// The name sent in SNI and checked against the certificate (HOST when not given)
    #[arg(long, value_name = "NAME")]
    servername: Option<String>,
    /// Trust only the CA certificates in FILE (PEM or DER) instead of the public Web PKI roots
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,
    /// Print the chain even when it does not verify (pins from an unverified chain may be an attacker's)
    #[arg(long)]
    no_verify: bool,
    /// Seconds to wait for the connection and the handshake
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    timeout: u64,
    /// Print JSON for scripts instead of text
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GrabOutput {
    host: String,
    port: u16,
    servername: String,
    protocol: String,
    cipher_suite: String,
    verified: bool,
    chain: Vec<CertRow>,
}

/// Splits `host`, `host:port`, `[v6]` and `[v6]:port`.
pub(crate) fn split_target(target: &str) -> Result<(String, u16), Failure> {
    let bad = || Failure::Usage(format!("{target:?} is not HOST or HOST:PORT"));
    let port = |p: &str| p.parse::<u16>().map_err(|_| bad());
    if let Some(rest) = target.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(bad)?;
        let port = match after.strip_prefix(':') {
            Some(p) => port(p)?,
            None if after.is_empty() => 443,
            None => return Err(bad()),
        };
        return Ok((host.to_string(), port));
    }
    match target.rsplit_once(':') {
        Some((host, p)) if !host.contains(':') => Ok((host.to_string(), port(p)?)),
        Some(_) => Ok((target.to_string(), 443)), // a bare IPv6 address
        None if target.is_empty() => Err(bad()),
        None => Ok((target.to_string(), 443)),
    }
}

/// The most a server may make one connection read, handshake included: a chain of 16
/// certificates of 64 KiB each fits, and a server that sends more (or sends forever) is cut off.
pub const MAX_SERVER_BYTES: usize = 1024 * 1024;

/// Checks the chain against the roots as a browser would, but never fails the handshake for
/// it: the outcome is recorded, so the chain can still be read and judged by its pins. The
/// handshake's own signature is still checked against the leaf's key.
#[derive(Debug)]
struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    /// `None` until the chain is checked; then why it did not verify, if it did not.
    outcome: Mutex<Option<Result<(), String>>>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let outcome = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
            .map(|_| ())
            .map_err(|e| e.to_string());
        if let Ok(mut slot) = self.outcome.lock() {
            *slot = Some(outcome);
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// What `grab` and `monitor` connect with: the crypto provider and the roots a chain is checked
/// against (the public Web PKI roots, or the CA certificates of a `--ca` file). Built once and
/// shared by every connection of a run.
pub struct Tls {
    provider: Arc<CryptoProvider>,
    roots: Arc<WebPkiServerVerifier>,
}

/// Where to connect, and how long the whole attempt may take.
pub struct Connect<'a> {
    /// The host name or IP address to connect to.
    pub host: &'a str,
    pub port: u16,
    /// The name sent in SNI and checked against the certificate.
    pub server_name: &'a str,
    /// For everything: name lookup, connect and handshake.
    pub timeout: Duration,
}

/// The chain a server sent, as it sent it.
pub struct Served {
    /// DER, leaf first; at most `MAX_CHAIN_LEN + 1` (one more than the core reads, so that it
    /// sees an over-long chain and refuses it).
    pub certs: Vec<Vec<u8>>,
    /// The address connected to.
    pub peer: Option<SocketAddr>,
    pub protocol: String,
    pub cipher_suite: String,
    /// `None` when the chain verifies against the roots for the server name; else why not.
    pub verify_error: Option<String>,
}

/// Why no chain was read.
#[derive(Debug)]
pub enum FetchError {
    /// The server name cannot be sent in SNI.
    Name(String),
    /// Name lookup, connect, a read or write failed or timed out, or the server sent too much.
    Io(String, std::io::Error),
    /// The TLS handshake failed (rustls reports its own errors as `InvalidData`).
    Tls(String, std::io::Error),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Name(name) => write!(f, "{name:?} is not a valid TLS server name"),
            FetchError::Io(place, e) => write!(f, "{place}: {e}"),
            FetchError::Tls(place, e) => write!(f, "{place}: TLS handshake failed: {e}"),
        }
    }
}

fn timed_out(what: &str, timeout: Duration) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        format!("{what}: no answer within {} s", timeout.as_secs_f32()),
    )
}

/// Resolves a host name within `within`: the lookup runs on a thread of its own, so a resolver
/// that hangs costs that thread (until the resolver gives up), never the caller's time limit.
pub(crate) fn resolve(host: &str, port: u16, within: Duration) -> std::io::Result<Vec<SocketAddr>> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let (tx, rx) = mpsc::channel();
    let name = host.to_string();
    std::thread::Builder::new()
        .name("resolve".into())
        .spawn(move || {
            let _ = tx.send(
                (name.as_str(), port)
                    .to_socket_addrs()
                    .map(|a| a.collect::<Vec<_>>()),
            );
        })?;
    match rx.recv_timeout(within) {
        Ok(result) => result,
        Err(_) => Err(timed_out("name lookup", within)),
    }
}

/// A socket that stops at a deadline and after `left` bytes read, whatever the server does:
/// each read and write waits at most until the deadline, so a server that accepts and never
/// answers (or drips one byte at a time) costs at most the connection's time limit. A read or
/// write that runs out of time is an error of kind `TimedOut` (naming `timeout`); a read past
/// the limit is `over()`.
pub(crate) struct Bounded {
    pub(crate) sock: TcpStream,
    pub(crate) until: Instant,
    pub(crate) timeout: Duration,
    pub(crate) left: usize,
    pub(crate) over: fn() -> std::io::Error,
}

/// The error of a [`Bounded`] socket with `MAX_SERVER_BYTES` read.
pub(crate) fn too_much() -> std::io::Error {
    std::io::Error::other(format!(
        "the server sent more than {MAX_SERVER_BYTES} bytes"
    ))
}

impl Bounded {
    fn remaining(&self) -> std::io::Result<Duration> {
        self.until
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or_else(|| timed_out("TLS handshake", self.timeout))
    }

    /// A read or write that waited out its time is `WouldBlock` on some systems, `TimedOut` on
    /// others: both are the same timeout to the person reading the report.
    fn map<T>(&self, result: std::io::Result<T>) -> std::io::Result<T> {
        result.map_err(|e| match e.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                timed_out("TLS handshake", self.timeout)
            }
            _ => e,
        })
    }
}

impl Read for Bounded {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return Err((self.over)());
        }
        let wait = self.remaining()?;
        self.sock.set_read_timeout(Some(wait))?;
        let n = buf.len().min(self.left);
        let got = self.sock.read(&mut buf[..n]);
        let got = self.map(got)?;
        self.left -= got;
        Ok(got)
    }
}

impl Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let wait = self.remaining()?;
        self.sock.set_write_timeout(Some(wait))?;
        let wrote = self.sock.write(buf);
        self.map(wrote)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.sock.flush()
    }
}

impl Tls {
    /// Checks chains against the CA certificates in `ca`, or the public Web PKI roots.
    pub fn new(ca: Option<&Path>) -> Result<Tls, Failure> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        match ca {
            Some(path) => {
                let bytes = read(path, MAX_CERT_BYTES * MAX_CHAIN_LEN)?;
                for cert in parse_chain(&bytes).map_err(|e| Failure::invalid(path, e))? {
                    roots
                        .add(CertificateDer::from(cert.der().to_vec()))
                        .map_err(|e| {
                            Failure::invalid(path, format!("not a usable CA certificate: {e}"))
                        })?;
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        let roots = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| Failure::Usage(format!("TLS configuration: {e}")))?;
        Ok(Tls { provider, roots })
    }

    /// Connects, completes the handshake and returns the chain the server sent, whether or
    /// not it verifies (`Served::verify_error` says). Nothing is sent after the handshake.
    pub fn fetch(&self, to: &Connect<'_>) -> Result<Served, FetchError> {
        let until = Instant::now() + to.timeout;
        let sock = connect(to, until)?;
        self.fetch_on(sock, to, until)
    }

    /// Why `certs` (leaf first) do not verify against these roots for `server_name`, or
    /// `None` when they do; for chains read by another TLS client (the companion's).
    pub fn verify(&self, certs: &[Vec<u8>], server_name: &str) -> Option<String> {
        let Ok(name) = ServerName::try_from(server_name.to_string()) else {
            return Some(format!("{server_name:?} is not a valid TLS server name"));
        };
        let Some((leaf, rest)) = certs.split_first() else {
            return Some("the server sent no certificate".into());
        };
        let rest: Vec<CertificateDer<'_>> =
            rest.iter().map(|c| CertificateDer::from(&c[..])).collect();
        self.roots
            .verify_server_cert(
                &CertificateDer::from(&leaf[..]),
                &rest,
                &name,
                &[],
                UnixTime::now(),
            )
            .err()
            .map(|e| e.to_string())
    }

    /// As `fetch`, over a connection the caller opened (a tunnel through a proxy, for the
    /// companion): the handshake with `to.server_name` runs on `sock` until `until`, and reads
    /// at most `MAX_SERVER_BYTES`. `to.host` and `to.port` only name the place in errors.
    pub fn fetch_on(
        &self,
        sock: TcpStream,
        to: &Connect<'_>,
        until: Instant,
    ) -> Result<Served, FetchError> {
        let server_name = ServerName::try_from(to.server_name.to_string())
            .map_err(|_| FetchError::Name(to.server_name.to_string()))?;
        let recording = Arc::new(Recording {
            inner: self.roots.clone(),
            outcome: Mutex::new(None),
        });
        // A configuration per connection: the verifier records this connection's outcome, and
        // no session is resumed from another one (a resumed session shows no chain).
        let config = ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| FetchError::Name(format!("TLS configuration: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(recording.clone())
            .with_no_client_auth();
        let mut conn = ClientConnection::new(Arc::new(config), server_name)
            .map_err(|e| FetchError::Name(format!("TLS: {e}")))?;
        let place = place(to);
        let peer = sock.peer_addr().ok();
        let mut sock = Bounded {
            sock,
            until,
            timeout: to.timeout,
            left: MAX_SERVER_BYTES,
            over: too_much,
        };
        while conn.is_handshaking() {
            if let Err(e) = conn.complete_io(&mut sock) {
                return Err(match e.kind() {
                    std::io::ErrorKind::InvalidData => FetchError::Tls(place, e),
                    _ => FetchError::Io(place, e),
                });
            }
        }
        let certs = conn
            .peer_certificates()
            .unwrap_or_default()
            .iter()
            .take(MAX_CHAIN_LEN + 1)
            .map(|c| c.as_ref().to_vec())
            .collect();
        let verify_error = match recording.outcome.lock().ok().and_then(|o| o.clone()) {
            Some(Ok(())) => None,
            Some(Err(e)) => Some(e),
            None => Some("the chain was not checked".into()),
        };
        Ok(Served {
            certs,
            peer,
            protocol: conn
                .protocol_version()
                .map(|v| format!("{v:?}"))
                .unwrap_or_default(),
            cipher_suite: conn
                .negotiated_cipher_suite()
                .map(|s| format!("{:?}", s.suite()))
                .unwrap_or_default(),
            verify_error,
        })
    }
}

/// Looks `to.host` up and connects to the first address that answers, before `until`.
pub(crate) fn connect(to: &Connect<'_>, until: Instant) -> Result<TcpStream, FetchError> {
    ServerName::try_from(to.server_name.to_string())
        .map_err(|_| FetchError::Name(to.server_name.to_string()))?;
    let place = place(to);
    let io = |e| FetchError::Io(place.clone(), e);
    let addrs = resolve(to.host, to.port, to.timeout).map_err(io)?;
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no address");
    let mut sock = None;
    for addr in addrs {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            last = timed_out("connect", to.timeout);
            break;
        }
        match TcpStream::connect_timeout(&addr, left) {
            Ok(s) => {
                sock = Some(s);
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                last = timed_out("connect", to.timeout)
            }
            Err(e) => last = e,
        }
    }
    sock.ok_or_else(|| io(last))
}

/// `host:port` (`[v6]:port`) for error messages.
pub(crate) fn place(to: &Connect<'_>) -> String {
    if to.host.contains(':') {
        format!("[{}]:{}", to.host, to.port)
    } else {
        format!("{}:{}", to.host, to.port)
    }
}

pub fn grab(args: &GrabArgs) -> Result<ExitCode, Failure> {
    let (host, port) = split_target(&args.target)?;
    let name = args.servername.clone().unwrap_or_else(|| host.clone());
    let tls = Tls::new(args.ca.as_deref())?;
    let source = format!("{host}:{port}");
    let served = tls
        .fetch(&Connect {
            host: &host,
            port,
            server_name: &name,
            timeout: Duration::from_secs(args.timeout.max(1)),
        })
        .map_err(|e| match e {
            FetchError::Name(_) => Failure::Usage(e.to_string()),
            FetchError::Io(place, e) => Failure::Io(place, e),
            FetchError::Tls(..) => Failure::Invalid(e.to_string()),
        })?;
    if let (Some(e), false) = (&served.verify_error, args.no_verify) {
        return Err(Failure::Invalid(format!(
            "{source}: the chain does not verify: {e} (use --ca FILE for a private CA, or --no-verify to see the chain anyway)"
        )));
    }
    if served.certs.is_empty() {
        return Err(Failure::Invalid(format!(
            "{source}: the server sent no certificate"
        )));
    }
    let mut chain = Vec::new();
    for (i, der) in served.certs.iter().enumerate().take(MAX_CHAIN_LEN) {
        let cert = Cert::from_der(der)
            .map_err(|e| Failure::Invalid(format!("{source}: certificate {i}: {e}")))?;
        chain.push(CertRow::new(&source, i, &cert, true));
    }
    let output = GrabOutput {
        host,
        port,
        servername: name,
        protocol: served.protocol,
        cipher_suite: served.cipher_suite,
        verified: served.verify_error.is_none(),
        chain,
    };
    if args.json {
        out_json(&output)?;
    } else {
        let verified = match &served.verify_error {
            None => "chain verified".to_string(),
            Some(e) => format!("chain NOT verified (--no-verify): {e}"),
        };
        let mut text = format!(
            "{}:{} (servername {}), {}, {}, {}\n",
            clean(&output.host),
            output.port,
            clean(&output.servername),
            output.protocol,
            output.cipher_suite,
            clean(&verified)
        );
        text.extend(output.chain.iter().map(CertRow::text));
        out(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::{split_target, too_much, Bounded, MAX_SERVER_BYTES};
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::time::{Duration, Instant};

    fn bounded_to(write: impl FnOnce(TcpStream) + Send + 'static, timeout: Duration) -> Bounded {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            if let Ok((stream, _)) = listener.accept() {
                write(stream);
            }
        });
        Bounded {
            sock: TcpStream::connect(addr).unwrap(),
            until: Instant::now() + timeout,
            timeout,
            left: MAX_SERVER_BYTES,
            over: too_much,
        }
    }

    #[test]
    fn a_server_that_sends_forever_is_cut_off_after_the_byte_limit() {
        let mut sock = bounded_to(
            |mut s| {
                let block = [0u8; 64 * 1024];
                while s.write_all(&block).is_ok() {}
            },
            Duration::from_secs(20),
        );
        let mut total = 0;
        let mut buf = [0u8; 16 * 1024];
        let error = loop {
            match sock.read(&mut buf) {
                Ok(n) => total += n,
                Err(e) => break e,
            }
        };
        assert_eq!(total, MAX_SERVER_BYTES);
        assert!(error.to_string().contains("more than"), "{error}");
    }

    #[test]
    fn a_server_that_drips_bytes_is_cut_off_at_the_deadline() {
        let start = Instant::now();
        let mut sock = bounded_to(
            |mut s| {
                for _ in 0..100 {
                    if s.write_all(b"x").is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            },
            Duration::from_secs(1),
        );
        let mut buf = [0u8; 1];
        let error = loop {
            if let Err(e) = sock.read(&mut buf) {
                break e;
            }
        };
        assert_eq!(error.kind(), std::io::ErrorKind::TimedOut, "{error}");
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn splits_hosts_and_ports() {
        assert_eq!(
            split_target("example.com").unwrap(),
            ("example.com".into(), 443)
        );
        assert_eq!(
            split_target("example.com:8443").unwrap(),
            ("example.com".into(), 8443)
        );
        assert_eq!(split_target("[::1]:8443").unwrap(), ("::1".into(), 8443));
        assert_eq!(split_target("::1").unwrap(), ("::1".into(), 443));
        assert!(split_target("example.com:x").is_err());
        assert!(split_target("").is_err());
    }
}
