//! Pinwatch core: certificate facts, SPKI pins, hosts, pin lists, list acceptance, verdicts and
//! the signature verification they rest on. Nothing here signs, draws randomness or does I/O.
//!
//! No I/O and no clock: bytes and time come in as arguments, so the same code runs natively
//! (CLI, tests, benches) and as WebAssembly in the extension.
//!
//! The folders are the layers, each using only those before it:
//! - [`crypto`]: signature arithmetic and the list signers' keys;
//! - [`x509`]: the DER walk, certificate facts, pins, SCTs;
//! - [`list`]: the pin list format, its signed envelope, acceptance, rotation, sources;
//! - [`judge`]: the engine that gives a verdict, path search, local roots, the decision, and the
//!   sans-I/O judge of one response that runs them.
//!
//! Beside them, shared by all: [`host`], [`time`], [`reason`] codes, and the [`vocabulary`]
//! the extension is generated from. The types most callers need are re-exported here.

#![forbid(unsafe_code)]

// First: the other modules declare their enums with its `named_enum!`.
#[macro_use]
mod named_enum;

pub mod crypto;
pub mod host;
pub mod judge;
pub mod list;
pub mod problem;
pub mod reason;
pub mod time;
pub mod vocabulary;
pub mod x509;

pub use host::{normalize as normalize_host, Host, HostError};
pub use judge::engine::{Engine, Settings, Source};
pub use judge::verdict::{Status, Verdict};
pub use list::sources::{SourceInput, SourceKind, SourceProblem};
pub use list::{ListError, Mode, Payload, PinList};
pub use x509::cert::{parse_chain, spki_pin, Cert, CertError, CertFacts};
pub use x509::pin::{Pin, PinError};
