//! `pin` (certificates from files) and `grab` (the chain a live server sends).

use crate::command::{clean, out, out_json, read, Failure};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use pinwatch_core::cert::{parse_chain, Cert, MAX_CERT_BYTES, MAX_CHAIN_LEN};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use serde::Serialize;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

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
        let certs = parse_chain(&bytes).map_err(|e| Failure::invalid(path, e))?;
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
    /// Host name or IP address, with an optional port (default 443); IPv6 as [::1]:443
    #[arg(value_name = "HOST[:PORT]")]
    target: String,
    /// The name sent in SNI and checked against the certificate (default: HOST)
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
fn split_target(target: &str) -> Result<(String, u16), Failure> {
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

/// Accepts any certificate but still checks the handshake signature, for `--no-verify`.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn client_config(args: &GrabArgs) -> Result<ClientConfig, Failure> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Failure::Usage(format!("TLS configuration: {e}")))?;
    if args.no_verify {
        return Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth());
    }
    let mut roots = RootCertStore::empty();
    match &args.ca {
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
    Ok(builder.with_root_certificates(roots).with_no_client_auth())
}

fn handshake(
    args: &GrabArgs,
    host: &str,
    port: u16,
    name: &str,
) -> Result<ClientConnection, Failure> {
    let server_name = ServerName::try_from(name.to_string())
        .map_err(|_| Failure::Usage(format!("{name:?} is not a valid server name")))?;
    let mut conn = ClientConnection::new(Arc::new(client_config(args)?), server_name)
        .map_err(|e| Failure::Usage(format!("TLS: {e}")))?;
    let timeout = Duration::from_secs(args.timeout.max(1));
    let place = format!("{host}:{port}");
    let addrs = (host, port)
        .to_socket_addrs()
        .map_err(|e| Failure::Io(place.clone(), e))?;
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no address");
    let mut sock = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => {
                sock = Some(s);
                break;
            }
            Err(e) => last = e,
        }
    }
    let mut sock = sock.ok_or_else(|| Failure::Io(place.clone(), last))?;
    sock.set_read_timeout(Some(timeout))
        .and_then(|_| sock.set_write_timeout(Some(timeout)))
        .map_err(|e| Failure::Io(place.clone(), e))?;
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut sock) {
            // rustls reports its own errors (an untrusted chain, a name mismatch) as InvalidData.
            return Err(match e.kind() {
                std::io::ErrorKind::InvalidData => {
                    let hint = if args.no_verify {
                        ""
                    } else {
                        " (use --ca FILE for a private CA, or --no-verify to see the chain anyway)"
                    };
                    Failure::Invalid(format!("{place}: TLS handshake failed: {e}{hint}"))
                }
                _ => Failure::Io(place, e),
            });
        }
    }
    Ok(conn)
}

pub fn grab(args: &GrabArgs) -> Result<ExitCode, Failure> {
    let (host, port) = split_target(&args.target)?;
    let name = args.servername.clone().unwrap_or_else(|| host.clone());
    let conn = handshake(args, &host, port, &name)?;
    let ders = conn.peer_certificates().unwrap_or_default();
    if ders.is_empty() {
        return Err(Failure::Invalid(format!(
            "{host}:{port}: the server sent no certificate"
        )));
    }
    let source = format!("{host}:{port}");
    let mut chain = Vec::new();
    for (i, der) in ders.iter().enumerate().take(MAX_CHAIN_LEN) {
        let cert = Cert::from_der(der.as_ref())
            .map_err(|e| Failure::Invalid(format!("{source}: certificate {i}: {e}")))?;
        chain.push(CertRow::new(&source, i, &cert, true));
    }
    let protocol = conn
        .protocol_version()
        .map(|v| format!("{v:?}"))
        .unwrap_or_default();
    let suite = conn
        .negotiated_cipher_suite()
        .map(|s| format!("{:?}", s.suite()))
        .unwrap_or_default();
    let output = GrabOutput {
        host,
        port,
        servername: name,
        protocol,
        cipher_suite: suite,
        verified: !args.no_verify,
        chain,
    };
    if args.json {
        out_json(&output)?;
    } else {
        let verified = if output.verified {
            "chain verified"
        } else {
            "chain NOT verified (--no-verify)"
        };
        let mut text = format!(
            "{}:{} (servername {}), {}, {}, {verified}\n",
            clean(&output.host),
            output.port,
            clean(&output.servername),
            output.protocol,
            output.cipher_suite
        );
        text.extend(output.chain.iter().map(CertRow::text));
        out(&text)?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::split_target;

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
