//! X.509 as Pinwatch reads it: the DER walk, a certificate's facts, SPKI pins, SCTs and the
//! SubjectPublicKeyInfo the signature checks verify with. Reads bytes; decides nothing.

pub mod cert;
pub(crate) mod der;
pub mod pin;
pub mod sct;
pub mod spki;
