//! `keygen`, and reading key files for `sign`, `verify` and `check`.

use crate::command::{note, out, out_json, read, Failure};
use crate::secret_key::SecretKey;
use pinwatch_core::crypto::key::{PublicKey, PUBLIC_PREFIX};
use serde::Serialize;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Key files are one line; anything much larger is not a key file.
const KEY_FILE_LIMIT: usize = 4096;

fn with_extension(prefix: &Path, ext: &str) -> PathBuf {
    let mut name = prefix.as_os_str().to_owned();
    name.push(ext);
    PathBuf::from(name)
}

/// Creates `path` only if it does not exist, readable by its owner only.
fn create_new(path: &Path, secret: bool) -> Result<std::fs::File, Failure> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if secret { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = secret;
    options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Failure::Usage(format!(
                "{} already exists; keygen never overwrites a key",
                path.display()
            ))
        } else {
            Failure::io(path, e)
        }
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KeygenOutput {
    key_id: String,
    public_key: String,
    secret_key_file: String,
    public_key_file: String,
}

pub fn keygen(prefix: &Path, json: bool) -> Result<ExitCode, Failure> {
    let (secret_path, public_path) = (
        with_extension(prefix, ".key"),
        with_extension(prefix, ".pub"),
    );
    for path in [&secret_path, &public_path] {
        if path.exists() {
            return Err(Failure::Usage(format!(
                "{} already exists; keygen never overwrites a key",
                path.display()
            )));
        }
    }
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| {
        Failure::Io(
            "the system random number generator".into(),
            std::io::Error::other(e.to_string()),
        )
    })?;
    let secret = SecretKey::from_seed(&seed);
    seed.fill(0);
    let secret = secret.map_err(|e| Failure::Invalid(format!("the new key: {e}")))?;
    let public = secret.public().to_text();
    let mut file = create_new(&secret_path, true)?;
    file.write_all(secret.to_text().as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(|e| Failure::io(&secret_path, e))?;
    let mut file = create_new(&public_path, false)?;
    file.write_all(format!("{public}\n").as_bytes())
        .map_err(|e| Failure::io(&public_path, e))?;
    let id = secret.public().id().to_string();
    if json {
        out_json(&KeygenOutput {
            key_id: id,
            public_key: public,
            secret_key_file: secret_path.display().to_string(),
            public_key_file: public_path.display().to_string(),
        })?;
    } else {
        out(&format!(
            "key id: {id}\npublic key: {public}\nwrote {} (secret, mode 0600) and {}\n",
            secret_path.display(),
            public_path.display()
        ))?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn read_secret(path: &Path) -> Result<SecretKey, Failure> {
    let bytes = read(path, KEY_FILE_LIMIT)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                note(&format!(
                    "pinwatch: warning: {} is readable by other users; chmod 600 it",
                    path.display()
                ));
            }
        }
    }
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| Failure::invalid(path, "not a Pinwatch secret key file"))?;
    SecretKey::from_text(text).map_err(|e| Failure::invalid(path, e))
}

/// A `--trust` argument: the key's text form itself, or a `.pub` file holding it.
pub fn read_public(arg: &Path) -> Result<PublicKey, Failure> {
    let given = arg.to_string_lossy();
    if given.starts_with(PUBLIC_PREFIX) {
        return PublicKey::from_text(&given).map_err(|e| Failure::Invalid(format!("{given}: {e}")));
    }
    let bytes = read(arg, KEY_FILE_LIMIT)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| Failure::invalid(arg, "not a Pinwatch public key file"))?;
    PublicKey::from_text(text).map_err(|e| Failure::invalid(arg, e))
}
