//! The hash of the engine's lookup tables (the lists' hosts, the block lists' and policy's
//! pins): multiply and rotate per 8 bytes, as rustc's own tables do. A verdict makes about a
//! dozen lookups; with the standard library's SipHash they were a tenth of a digest verdict
//! (`cargo bench --bench core -- digests`).
//!
//! SipHash keeps chosen keys from piling into one bucket. The keys of these tables are the
//! lists' and policy's (signed, or set by the administrator or the person), never the
//! network's: a host or digest the network chooses is only looked up, and a lookup walks no
//! further than the probes those keys made.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

pub(crate) type LookupMap<K, V> = HashMap<K, V, BuildHasherDefault<LookupHasher>>;
pub(crate) type LookupSet<K> = HashSet<K, BuildHasherDefault<LookupHasher>>;

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct LookupHasher(u64);

/// The multiplier of rustc's FxHasher (from the golden ratio; odd).
const SEED: u64 = 0x517c_c1b7_2722_0a95;

impl LookupHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for LookupHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            self.add(u64::from_le_bytes(w));
        }
        let rest = words.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            // The length keeps "a" and "a\0" apart.
            self.add(u64::from_le_bytes(w) ^ (rest.len() as u64) << 59);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        // The table takes its bucket from the low bits, which a product mixes least.
        self.0.rotate_left(26)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::x509::pin::Pin;

    #[test]
    fn finds_what_was_put_and_nothing_else() {
        let pins: Vec<Pin> = (0u32..5000)
            .map(|i| Pin::sha256(&i.to_le_bytes()))
            .collect();
        let set: LookupSet<Pin> = pins[..2500].iter().copied().collect();
        assert!(pins[..2500].iter().all(|p| set.contains(p)));
        assert!(!pins[2500..].iter().any(|p| set.contains(p)));
        let hosts: Vec<String> = (0..5000).map(|i| format!("h{i}.e{}.com", i % 7)).collect();
        let map: LookupMap<String, usize> = hosts.iter().cloned().zip(0..).collect();
        assert!(hosts
            .iter()
            .enumerate()
            .all(|(i, h)| map.get(h) == Some(&i)));
        for near in ["h1.e1.co", "h1.e1.com.", "", "h1", "h5000.e2.com"] {
            assert_eq!(map.get(near), None, "{near}");
        }
    }
}
