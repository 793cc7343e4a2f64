//! What every command shares: failures and their exit status, file access, output, the clock.
//! The core reads no clock and does no I/O; this is where both happen.

use pinwatch_core::time::parse_rfc3339;
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Status 1: rejected, mismatch, or not a valid list, envelope or certificate.
pub const REJECTED: u8 = 1;

/// A command that could not do its work.
#[derive(Debug)]
pub enum Failure {
    /// The input is not valid (a list, an envelope, a certificate, a key): status 1.
    Invalid(String),
    /// The command was asked something it cannot do: status 2.
    Usage(String),
    /// A file or the network failed: status 2.
    Io(String, io::Error),
}

impl Failure {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Failure::Invalid(_) => ExitCode::from(REJECTED),
            Failure::Usage(_) | Failure::Io(..) => ExitCode::from(2),
        }
    }

    pub fn io(path: &Path, error: io::Error) -> Failure {
        Failure::Io(path.display().to_string(), error)
    }

    pub fn invalid(path: &Path, what: impl fmt::Display) -> Failure {
        Failure::Invalid(format!("{}: {what}", path.display()))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Invalid(msg) | Failure::Usage(msg) => f.write_str(msg),
            Failure::Io(what, e) => write!(f, "{what}: {e}"),
        }
    }
}

/// Reads a whole file; anything past `limit` bytes is not read, so a huge file cannot exhaust
/// memory before the size check that follows refuses it.
pub fn read(path: &Path, limit: usize) -> Result<Vec<u8>, Failure> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| Failure::io(path, e))?;
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::io(path, e))?;
    Ok(bytes)
}

/// Reads a JSON document; one byte over the guard's limit is enough for it to refuse.
pub fn read_document(path: &Path) -> Result<Vec<u8>, Failure> {
    read(path, pinwatch_core::list::json::MAX_DOCUMENT_BYTES)
}

/// Writes `bytes` to `path` through a temporary file and a rename, so a reader never sees half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let mut tmp = PathBuf::from(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    tmp.set_file_name(format!(".{name}.{}.tmp", std::process::id()));
    // A failure names the path that was asked for, never the temporary file nobody typed.
    std::fs::write(&tmp, bytes).map_err(|e| {
        let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
        match folder {
            Some(dir) if !dir.is_dir() => Failure::Usage(format!(
                "{}: the folder {} does not exist; create it first",
                path.display(),
                dir.display()
            )),
            _ => Failure::io(path, e),
        }
    })?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Failure::io(path, e)
    })
}

/// Prints to stdout; a closed pipe is an I/O failure, not a panic.
pub fn out(text: &str) -> Result<(), Failure> {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
        .map_err(|e| Failure::Io("stdout".into(), e))
}

/// Prints to stderr, ignoring failure: there is nowhere left to report it.
pub fn note(text: &str) {
    let _ = writeln!(io::stderr(), "{text}");
}

/// Prints a value as pretty JSON and a newline.
pub fn out_json<T: serde::Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::Usage(format!("cannot encode JSON: {e}")))?;
    out(&format!("{text}\n"))
}

/// Text from certificates and lists is hostile: control characters would drive the terminal.
pub fn clean(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// `--now` as clap reads it.
pub fn parse_time(text: &str) -> Result<i64, String> {
    parse_rfc3339(text).map_err(|e| e.to_string())
}

/// The given time, or the system clock.
pub fn now_or(given: Option<i64>) -> i64 {
    given.unwrap_or_else(|| {
        let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        since.map(|d| d.as_secs() as i64).unwrap_or(0)
    })
}
