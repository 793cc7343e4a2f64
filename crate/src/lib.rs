//! Pinwatch core: certificate facts, SPKI pins, pin lists, host matching and verdicts.
//!
//! No I/O and no clock: bytes and time come in as arguments, so the same code runs natively
//! (CLI, tests, benches) and as WebAssembly in the extension.

#![forbid(unsafe_code)]

pub mod accept;
mod bigint;
pub mod cert;
pub mod diff;
pub mod ec;
pub mod ed25519;
pub mod engine;
pub mod envelope;
pub mod host;
pub mod json;
pub mod key;
pub mod lint;
pub mod list;
pub mod pin;
pub mod proof;
pub mod pubkey;
pub mod rsassa;
pub mod time;
mod tlv;
pub mod verdict;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use cert::{parse_chain, spki_pin, Cert, CertError, CertFacts};
pub use engine::{Engine, Settings, Source};
pub use host::{normalize as normalize_host, Host, HostError};
pub use list::{ListError, Mode, Payload, PinList};
pub use pin::{Pin, PinError};
pub use verdict::{Status, Verdict};
