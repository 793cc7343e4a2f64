//! The roots added to this computer that the browser trusts beyond its own root store, named
//! for the extension in the `hello` reply (`localRoots`), whether or not any connection shows
//! them: an interceptor that picks its victims by process passes the companion through and
//! intercepts the browser, but its root has to be in a store the browser reads.
//!
//! Linux: the NSS database Chromium reads (`~/.pki/nssdb`), certificates trusted as CAs for
//! TLS servers (roots.rs). Windows and macOS: see docs/companion.md ("Roots added to this
//! computer"); not read yet.

use super::roots::LocalRoots;
use pinwatch_core::Cert;
use serde_json::{json, Value};

/// Each added root: its store, subject, SPKI pin and certificate hash (base64 SHA-256), as
/// the extension names a root elsewhere. Certificates that do not parse are named by hash only.
pub fn named(roots: &LocalRoots) -> Value {
    let mut out = Vec::new();
    for store in &roots.stores {
        for der in &store.added {
            let mut row =
                json!({"store": store.kind, "storePath": store.path.display().to_string()});
            match Cert::from_der(der) {
                Ok(cert) => {
                    row["subject"] = Value::String(cert.facts.subject.clone());
                    row["spkiSha256"] = Value::String(cert.spki_pin.to_base64());
                    row["certSha256"] = Value::String(cert.cert_hash.to_base64());
                    row["ca"] = Value::Bool(cert.facts.is_ca);
                }
                Err(e) => row["error"] = Value::String(e.to_string()),
            }
            out.push(row);
        }
    }
    Value::Array(out)
}
