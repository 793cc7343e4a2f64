//! What the differential targets share: stretching fuzz bytes and printing disagreements.

use sha2::{Digest, Sha512};

/// `bytes`, then a SHA-512 stream keyed by them, to exactly `len` bytes.
pub fn stretch(bytes: &[u8], len: usize) -> Vec<u8> {
    let mut out = bytes[..bytes.len().min(len)].to_vec();
    let mut counter = 0u32;
    while out.len() < len {
        out.extend(
            Sha512::new()
                .chain_update(bytes)
                .chain_update(counter.to_be_bytes())
                .finalize(),
        );
        counter += 1;
    }
    out.truncate(len);
    out
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
