//! Helpers for the CLI tests: run the real `pinwatch` binary in a scratch directory, make
//! certificate chains with the openssl command, and serve one over TLS on loopback.
#![allow(dead_code)]

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

pub const ISSUED: &str = "2026-11-01T00:00:00Z";
pub const EXPIRES: &str = "2026-12-01T00:00:00Z";
/// A time inside [ISSUED, EXPIRES].
pub const NOW: &str = "2026-11-15T00:00:00Z";

/// The result of one run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }

    /// `verify --json` / `check --json` rejection code.
    pub fn code_field(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_string()
    }
}

/// A scratch directory, removed when the test ends.
pub struct Dir {
    pub path: PathBuf,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl Dir {
    pub fn new(name: &str) -> Dir {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path =
            std::env::temp_dir().join(format!("pinwatch-cli-{}-{name}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        Dir { path }
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(name);
        fs::write(&path, bytes).unwrap();
        path
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        fs::read(self.join(name)).unwrap()
    }

    pub fn text(&self, name: &str) -> String {
        String::from_utf8(self.read(name)).unwrap()
    }

    /// Runs `pinwatch ARGS` with this directory as the working directory.
    pub fn pinwatch(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_pinwatch"))
            .args(args)
            .current_dir(&self.path)
            .output()
            .unwrap();
        let run = Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        assert!(
            !run.stderr.contains("panicked") && !run.stderr.contains("internal error"),
            "pinwatch panicked: {run:?}"
        );
        run
    }

    /// Runs pinwatch and insists on an exit status.
    pub fn expect(&self, code: i32, args: &[&str]) -> Run {
        let run = self.pinwatch(args);
        assert_eq!(
            run.code, code,
            "pinwatch {args:?} exited {} (expected {code}): {run:?}",
            run.code
        );
        run
    }

    /// `pinwatch keygen --out NAME`.
    pub fn keygen(&self, name: &str) {
        self.expect(0, &["keygen", "--out", name]);
    }

    /// Runs openssl with this directory as the working directory.
    pub fn openssl(&self, args: &[&str]) -> Vec<u8> {
        let output = Command::new("openssl")
            .args(args)
            .current_dir(&self.path)
            .output()
            .expect("the openssl command");
        assert!(
            output.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    }

    /// Makes a P-256 key NAME.key and a certificate NAME.pem for `subject`, valid `days` days,
    /// and returns NAME.pem's path. With an `issuer`, ISSUER.pem and ISSUER.key sign it (through
    /// a request, NAME.csr) with the extensions `ext` (written to NAME.ext); without, it is
    /// self-signed with openssl's default extensions, and `ext` must be empty.
    pub fn issue(
        &self,
        name: &str,
        subject: &str,
        issuer: Option<&str>,
        ext: &str,
        days: u32,
    ) -> PathBuf {
        let (key, csr, pem, ext_file) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.pem"),
            format!("{name}.ext"),
        );
        let days = days.to_string();
        let Some(issuer) = issuer else {
            assert!(
                ext.is_empty(),
                "{name}: a self-signed certificate takes no extensions here"
            );
            let mut args = vec!["req", "-x509"];
            args.extend(EC_KEY);
            args.extend([
                "-keyout", &key, "-out", &pem, "-subj", subject, "-days", &days,
            ]);
            self.openssl(&args);
            return self.join(&pem);
        };
        self.write(&ext_file, ext);
        let mut args = vec!["req"];
        args.extend(EC_KEY);
        args.extend(["-keyout", &key, "-out", &csr, "-subj", subject]);
        self.openssl(&args);
        let (ca, ca_key) = (format!("{issuer}.pem"), format!("{issuer}.key"));
        self.openssl(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-out",
            &pem,
            "-days",
            &days,
            "-extfile",
            &ext_file,
        ]);
        self.join(&pem)
    }

    /// The private key in the PEM file `key`, as PKCS#8 DER.
    pub fn pkcs8(&self, key: &str) -> Vec<u8> {
        self.openssl(&["pkcs8", "-topk8", "-nocrypt", "-in", key, "-outform", "DER"])
    }

    /// Writes the files `parts`, one after another, to `name`; returns its path.
    pub fn concat(&self, name: &str, parts: &[&str]) -> PathBuf {
        let bytes: Vec<u8> = parts.iter().flat_map(|part| self.read(part)).collect();
        self.write(name, bytes)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// The `openssl req` options that make a new P-256 key, unencrypted.
const EC_KEY: [&str; 5] = [
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
];

/// The extensions of a CA certificate, for [`Dir::issue`].
pub const CA_EXT: &str =
    "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n";

/// A payload following every lint rule, with `extra` spliced in at the top level.
pub fn payload(sequence: u64, pins: &[&str], extra: &str) -> String {
    let good: Vec<String> = pins.iter().map(|p| format!("{p:?}")).collect();
    format!(
        r#"{{
  "version": 1,
  "sequence": {sequence},
  "issued_at": "{ISSUED}",
  "expires_at": "{EXPIRES}",
  "publisher": "Test Publisher",
  "pinsets": {{"mail": {{"good": [{}]}}}},
  "entries": [{{"host": "mail.example.test", "include_subdomains": true, "pinset": "mail", "mode": "enforce"}}]{extra}
}}
"#,
        good.join(", ")
    )
}

/// Two placeholder pins (base64 of 32 bytes).
pub const PIN_A: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
pub const PIN_B: &str = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";

/// A root, an intermediate and a leaf for `localhost` and 127.0.0.1, made with openssl.
pub struct Chain {
    /// leaf.pem + intermediate.pem, as a server sends it.
    pub served: PathBuf,
    pub root: PathBuf,
    pub leaf: PathBuf,
    pub intermediate: PathBuf,
    /// The leaf's private key, PKCS#8 DER.
    pub leaf_key: Vec<u8>,
}

pub fn make_chain(dir: &Dir, prefix: &str) -> Chain {
    let p = |name: &str| format!("{prefix}{name}");
    let root = dir.issue(
        &p("root"),
        &format!("/CN={prefix}Test Root"),
        None,
        "",
        3650,
    );
    let intermediate = dir.issue(
        &p("int"),
        &format!("/CN={prefix}Test Intermediate"),
        Some(&p("root")),
        CA_EXT,
        3650,
    );
    let leaf = dir.issue(
        &p("leaf"),
        "/CN=localhost",
        Some(&p("int")),
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,DNS:mail.example.test,IP:127.0.0.1\n",
        3650,
    );
    Chain {
        served: dir.concat(&p("served.pem"), &[&p("leaf.pem"), &p("int.pem")]),
        root,
        leaf,
        intermediate,
        leaf_key: dir.pkcs8(&p("leaf.key")),
    }
}

/// The SPKI pin of a PEM certificate, computed by openssl alone.
pub fn openssl_pin(dir: &Dir, cert: &Path) -> String {
    let cert = cert.to_str().unwrap();
    let spki = dir.openssl(&["x509", "-in", cert, "-noout", "-pubkey"]);
    let pem = dir.write("pubkey.pem", spki);
    let der = dir.openssl(&[
        "pkey",
        "-pubin",
        "-in",
        pem.to_str().unwrap(),
        "-outform",
        "DER",
    ]);
    use base64::Engine as _;
    use sha2::Digest as _;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(der))
}

/// Serves `chain` (leaf first, PEM file) with `key` on a loopback port, for every connection,
/// until the test process ends, answering `204 No Content`. Returns the port.
pub fn serve_tls(chain: &Path, key: &[u8]) -> u16 {
    use rustls::pki_types::CertificateDer;
    let pem = fs::read(chain).unwrap();
    let certs: Vec<CertificateDer<'static>> = pinwatch_core::parse_chain(&pem)
        .unwrap()
        .iter()
        .map(|c| CertificateDer::from(c.der().to_vec()))
        .collect();
    let config = tls_config(certs, key);
    serve_config(
        config,
        Some(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"),
    )
}

/// A server configuration that presents `certs` (leaf first) with `key` (PKCS#8 DER).
pub fn tls_config(
    certs: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: &[u8],
) -> rustls::ServerConfig {
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let key = PrivateKeyDer::from(PrivatePkcs8KeyDer::from(key.to_vec()));
    rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap()
}

/// The ring crypto provider.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Serves TLS with `config` on a loopback port, for every connection, until the test process
/// ends: after the handshake, writes `answer` and closes (when given). Returns the port.
pub fn serve_config(config: rustls::ServerConfig, answer: Option<&'static [u8]>) -> u16 {
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let config = config.clone();
            std::thread::spawn(move || {
                let Ok(mut conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                while conn.is_handshaking() {
                    if conn.complete_io(&mut stream).is_err() {
                        return;
                    }
                }
                if let Some(answer) = answer {
                    let mut tls = rustls::Stream::new(&mut conn, &mut stream);
                    let _ = std::io::Write::write_all(&mut tls, answer);
                    conn.send_close_notify();
                }
                let _ = conn.complete_io(&mut stream);
            });
        }
    });
    port
}
