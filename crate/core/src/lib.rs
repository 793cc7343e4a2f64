//! Pinwatch core: certificate facts, SPKI pins, hosts, pin lists, list acceptance, verdicts and
//! the signature verification they rest on. Nothing here signs, draws randomness or does I/O.
//!
//! No I/O and no clock: bytes and time come in as arguments, so the same code runs natively
//! (CLI, tests, benches) and as WebAssembly in the extension.

#![forbid(unsafe_code)]

// First: the other modules declare their enums with its `named_enum!`.
#[macro_use]
pub mod vocabulary;

pub mod accept;
mod bigint;
pub mod cert;
#[cfg(feature = "cookie-scope")]
pub mod cookie_scope;
pub mod decision;
mod der;
pub mod digest;
pub mod ec;
pub mod ed25519;
pub mod engine;
pub mod envelope;
pub mod host;
pub mod json;
pub mod judge;
pub mod key;
pub mod list;
pub mod local_root;
pub mod path;
pub mod pin;
pub mod proof;
pub mod pubkey;
pub mod reason;
pub mod rotation;
pub mod rsassa;
pub mod sct;
pub mod sources;
pub mod time;
pub mod verdict;

pub use cert::{parse_chain, spki_pin, Cert, CertError, CertFacts};
pub use engine::{Engine, Settings, Source};
pub use host::{normalize as normalize_host, Host, HostError};
pub use list::{ListError, Mode, Payload, PinList};
pub use pin::{Pin, PinError};
pub use sources::{SourceInput, SourceKind, SourceProblem};
pub use verdict::{Status, Verdict};
