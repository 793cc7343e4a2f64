//! The signature arithmetic (verification only: public values, no secrets, no randomness) and
//! the list signers' keys. One Montgomery core, `bigint`, under RSA, ECDSA and Ed25519.

pub(crate) mod bigint;
pub mod digest;
pub mod ec;
pub mod ed25519;
pub mod key;
pub mod rsassa;
