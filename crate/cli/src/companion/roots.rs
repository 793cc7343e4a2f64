//! The roots added to this computer, beside the public Web PKI roots the `Tls` type checks
//! against: the system CA bundle (or the file `SSL_CERT_FILE` names) and, on Linux, the
//! certificates trusted as CAs for TLS servers in the NSS database Chromium reads
//! (`~/.pki/nssdb`), listed with NSS's own `certutil` (no SQLite reader is compiled in).
//!
//! A chain the public roots do not verify is tried against each store in turn; the first that
//! verifies it is the "local" anchor. Loading is bounded: 8 MiB and 4096 certificates per
//! bundle, 64 NSS certificates, 3 s for everything `certutil` does.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rustls::client::danger::ServerCertVerifier;
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::RootCertStore;
use serde_json::{json, Value};
use std::ffi::OsString;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The most of a bundle file read.
const MAX_BUNDLE_BYTES: u64 = 8 * 1024 * 1024;
/// The most certificates taken from one bundle.
const MAX_BUNDLE_CERTS: usize = 4096;
/// The most NSS certificates read.
#[cfg_attr(any(target_os = "macos", windows), allow(dead_code))]
const MAX_NSS_CERTS: usize = 64;
/// The longest `certutil` may take, all its runs together.
const NSS_BUDGET: Duration = Duration::from_secs(3);
/// The most output read from one `certutil` run.
const MAX_CERTUTIL_OUTPUT: u64 = 1024 * 1024;

/// Where system bundles live when `SSL_CERT_FILE` is not set; the first that exists is read.
#[cfg(not(any(target_os = "macos", windows)))]
const BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Arch, Gentoo
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // Fedora, RHEL
    "/etc/pki/tls/certs/ca-bundle.crt",   // older Fedora, RHEL
    "/etc/ssl/ca-bundle.pem",             // openSUSE
    "/etc/ssl/cert.pem",                  // Alpine, BSDs
];
/// macOS: the system keychains are not read (see docs/companion.md); only a PEM bundle.
#[cfg(target_os = "macos")]
const BUNDLES: &[&str] = &["/etc/ssl/cert.pem"];
/// Windows: the certificate store is not read (see docs/companion.md).
#[cfg(windows)]
const BUNDLES: &[&str] = &[];

/// One place local roots come from.
pub struct Store {
    /// `"nss"` or `"bundle"`.
    pub kind: &'static str,
    pub path: PathBuf,
    pub certs: usize,
    pub error: Option<String>,
    verifier: Option<Arc<WebPkiServerVerifier>>,
    /// The NSS store's certificates (DER), for naming them (added.rs); empty for a bundle,
    /// whose roots are the distribution's, not this user's additions.
    pub added: Vec<Vec<u8>>,
}

/// Every local store, in the order they are tried.
pub struct LocalRoots {
    pub stores: Vec<Store>,
}

impl LocalRoots {
    pub fn load(provider: &Arc<CryptoProvider>) -> LocalRoots {
        let mut stores = Vec::new();
        if let Some(store) = nss(provider) {
            stores.push(store);
        }
        if let Some(store) = bundle(provider) {
            stores.push(store);
        }
        LocalRoots { stores }
    }

    /// For `hello`: each store, where it is, how many certificates it gave, and why not.
    pub fn summary(&self) -> Value {
        Value::Array(
            self.stores
                .iter()
                .map(|s| {
                    let mut v = json!({"kind": s.kind, "path": s.path.display().to_string(), "certs": s.certs});
                    if let Some(e) = &s.error {
                        v["error"] = Value::String(e.clone());
                    }
                    v
                })
                .collect(),
        )
    }

    /// The first store whose roots verify `chain` (leaf first) for `name`, or the first
    /// reason none did (`None` when there is no store with roots).
    pub fn verify(
        &self,
        chain: &[Vec<u8>],
        name: &ServerName<'_>,
    ) -> Result<&Store, Option<String>> {
        let Some((leaf, rest)) = chain.split_first() else {
            return Err(Some("no certificate".into()));
        };
        let leaf = CertificateDer::from(leaf.as_slice());
        let intermediates: Vec<CertificateDer<'_>> = rest
            .iter()
            .map(|c| CertificateDer::from(c.as_slice()))
            .collect();
        let mut first_error = None;
        for store in &self.stores {
            let Some(verifier) = &store.verifier else {
                continue;
            };
            match verifier.verify_server_cert(&leaf, &intermediates, name, &[], UnixTime::now()) {
                Ok(_) => return Ok(store),
                Err(e) => {
                    first_error.get_or_insert_with(|| format!("{} roots: {e}", store.kind));
                }
            }
        }
        Err(first_error)
    }
}

fn store(
    kind: &'static str,
    path: PathBuf,
    ders: Vec<Vec<u8>>,
    error: Option<String>,
    provider: &Arc<CryptoProvider>,
) -> Store {
    let mut roots = RootCertStore::empty();
    let kept = if kind == "nss" {
        ders.clone()
    } else {
        Vec::new()
    };
    let (added, _ignored) =
        roots.add_parsable_certificates(ders.into_iter().map(CertificateDer::from));
    let verifier = (added > 0)
        .then(|| {
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .ok()
        })
        .flatten();
    let error = error.or_else(|| (added == 0).then(|| "no usable CA certificate".to_string()));
    Store {
        kind,
        path,
        certs: added,
        error,
        verifier,
        added: kept,
    }
}

/// The system bundle: `SSL_CERT_FILE` if set (as OpenSSL reads it), else the first bundle
/// of `BUNDLES` that exists.
fn bundle(provider: &Arc<CryptoProvider>) -> Option<Store> {
    let path = match std::env::var_os("SSL_CERT_FILE").filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => BUNDLES.iter().map(PathBuf::from).find(|p| p.is_file())?,
    };
    let mut bytes = Vec::new();
    let read =
        std::fs::File::open(&path).and_then(|f| f.take(MAX_BUNDLE_BYTES).read_to_end(&mut bytes));
    Some(match read {
        Ok(_) => {
            let mut ders = pem_certificates(&bytes);
            if ders.is_empty() && bytes.first() == Some(&0x30) {
                ders.push(bytes); // a single DER certificate
            }
            ders.truncate(MAX_BUNDLE_CERTS);
            store("bundle", path, ders, None, provider)
        }
        Err(e) => store("bundle", path, Vec::new(), Some(e.to_string()), provider),
    })
}

/// Every `CERTIFICATE` block of PEM text; blocks that do not decode are skipped.
pub fn pem_certificates(text: &[u8]) -> Vec<Vec<u8>> {
    const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
    const END: &[u8] = b"-----END CERTIFICATE-----";
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = find(rest, BEGIN) {
        rest = &rest[start + BEGIN.len()..];
        let Some(end) = find(rest, END) else { break };
        let body: Vec<u8> = rest[..end]
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        if let Ok(der) = STANDARD.decode(&body) {
            out.push(der);
        }
        rest = &rest[end + END.len()..];
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The NSS database Chromium reads on Linux, when it exists: the certificates whose SSL
/// trust flags hold `C` (a CA trusted to issue server certificates).
#[cfg(not(any(target_os = "macos", windows)))]
fn nss(provider: &Arc<CryptoProvider>) -> Option<Store> {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    let dir = PathBuf::from(home).join(".pki").join("nssdb");
    if !dir.join("cert9.db").is_file() {
        return None;
    }
    let until = Instant::now() + NSS_BUDGET;
    let mut db = OsString::from("sql:");
    db.push(dir.as_os_str());
    let list = match certutil(
        &[OsString::from("-L"), OsString::from("-d"), db.clone()],
        until,
    ) {
        Ok(out) => out,
        Err(e) => return Some(store("nss", dir, Vec::new(), Some(e), provider)),
    };
    let mut ders = Vec::new();
    let mut error = None;
    for nickname in trusted_cas(&String::from_utf8_lossy(&list)) {
        if ders.len() >= MAX_NSS_CERTS {
            break;
        }
        let args = [
            OsString::from("-L"),
            OsString::from("-d"),
            db.clone(),
            OsString::from("-n"),
            OsString::from(nickname),
            OsString::from("-a"),
        ];
        match certutil(&args, until) {
            Ok(pem) => ders.extend(pem_certificates(&pem)),
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    ders.truncate(MAX_NSS_CERTS);
    Some(store("nss", dir, ders, error, provider))
}

#[cfg(any(target_os = "macos", windows))]
fn nss(_provider: &Arc<CryptoProvider>) -> Option<Store> {
    None
}

/// The nicknames `certutil -L` lists with `C` in the SSL trust flags (`C,,`, `CT,C,C`, …).
#[cfg_attr(any(target_os = "macos", windows), allow(dead_code))]
pub fn trusted_cas(listing: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_table = false;
    for line in listing.lines() {
        if line.trim_start().starts_with("SSL,S/MIME") {
            in_table = true;
            continue;
        }
        let line = line.trim_end();
        if !in_table || line.is_empty() {
            continue;
        }
        let Some((nickname, trust)) = line.rsplit_once(|c: char| c.is_whitespace()) else {
            continue;
        };
        let flags: Vec<&str> = trust.split(',').collect();
        let nickname = nickname.trim_end();
        if flags.len() == 3
            && flags[0].contains('C')
            && !nickname.is_empty()
            && !names.iter().any(|n| n == nickname)
        {
            names.push(nickname.to_string());
        }
    }
    names
}

/// Runs `certutil` with `args` until `until`; its standard output, or why not.
#[cfg_attr(any(target_os = "macos", windows), allow(dead_code))]
fn certutil(args: &[OsString], until: Instant) -> Result<Vec<u8>, String> {
    let mut child = Command::new("certutil")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("certutil (libnss3-tools) is needed to read the NSS database: {e}"))?;
    let Some(mut stdout) = child.stdout.take() else {
        let _ = child.kill();
        let _ = child.wait();
        return Err("certutil: no output".into());
    };
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = (&mut stdout)
            .take(MAX_CERTUTIL_OUTPUT)
            .read_to_end(&mut out);
        out
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= until => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "certutil did not finish within {} s",
                    NSS_BUDGET.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Err(format!("certutil: {e}")),
        }
    };
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        return Err(format!("certutil failed ({status})"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ca_trust_from_a_certutil_listing() {
        let listing = "\nCertificate Nickname                                         Trust Attributes\n                                                             SSL,S/MIME,JAR/XPI\n\nCorp Root CA  2                                              C,,  \nsome peer                                                    P,,  \nmail CA                                                      CT,C,C\nuntrusted                                                    ,,   \n";
        assert_eq!(trusted_cas(listing), vec!["Corp Root CA  2", "mail CA"]);
    }

    #[test]
    fn splits_pem_bundles() {
        let text = b"junk\n-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n# x\n-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
        assert_eq!(
            pem_certificates(text),
            vec![vec![0x30, 3, 2, 1, 1], vec![0x30, 0]]
        );
    }
}
