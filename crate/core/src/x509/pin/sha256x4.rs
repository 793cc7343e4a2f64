//! SHA-256 (FIPS 180-4) of several messages at once, four at a time, one per 32-bit lane of a
//! WASM SIMD128 vector.
//!
//! Why: SHA-256 was ~40 % of a verdict in WASM, where `sha2` has no accelerated backend. A
//! verdict hashes six messages (every certificate and its SPKI); a step of the four lanes costs
//! about two `sha2` blocks in V8, so the six digests of the benchmark chain take ~7.5 µs instead
//! of ~12 µs (node 20), and a verdict ~20 % less. Only public data (certificates) is hashed, so
//! nothing here needs to be constant-time. The tests check every digest against `sha2`,
//! natively on the portable lanes and under WASM on the SIMD128 ones.
//!
//! SIMD128 is enabled for these functions only (`target_feature`), not for the whole wasm32
//! build: elsewhere it made the module larger, not faster. Every browser Pinwatch ships for
//! (Firefox ESR 153, Chromium 156) and node run it; build.sh passes `--enable-simd` to wasm-opt.

/// Four 32-bit lanes: a SIMD128 vector in WASM, a plain array elsewhere (where only the tests
/// use it, to run the same scheduling and rounds as WASM does).
#[cfg(target_arch = "wasm32")]
mod lanes {
    use core::arch::wasm32::*;

    #[derive(Clone, Copy)]
    pub struct V(v128);

    #[inline]
    #[target_feature(enable = "simd128")]
    pub fn splat(x: u32) -> V {
        V(u32x4_splat(x))
    }
    /// The lanes `l` with the bytes of each reversed: WASM has no scalar byte swap (it takes
    /// ~8 instructions), one shuffle reverses all four.
    #[inline]
    #[target_feature(enable = "simd128")]
    pub fn from_swapped(l: [u32; 4]) -> V {
        V(i8x16_swizzle(
            u32x4(l[0], l[1], l[2], l[3]),
            u8x16(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12),
        ))
    }
    #[inline]
    #[target_feature(enable = "simd128")]
    pub fn from_lanes(l: [u32; 4]) -> V {
        V(u32x4(l[0], l[1], l[2], l[3]))
    }
    #[inline]
    #[target_feature(enable = "simd128")]
    pub fn to_lanes(v: V) -> [u32; 4] {
        [
            u32x4_extract_lane::<0>(v.0),
            u32x4_extract_lane::<1>(v.0),
            u32x4_extract_lane::<2>(v.0),
            u32x4_extract_lane::<3>(v.0),
        ]
    }
    #[inline]
    #[target_feature(enable = "simd128")]
    pub fn add(a: V, b: V) -> V {
        V(i32x4_add(a.0, b.0))
    }
    #[inline]
    #[target_feature(enable = "simd128")]
    pub fn xor(a: V, b: V) -> V {
        V(v128_xor(a.0, b.0))
    }
    #[inline]
    #[target_feature(enable = "simd128")]
    pub fn shr(a: V, n: u32) -> V {
        V(u32x4_shr(a.0, n))
    }
    #[inline]
    #[target_feature(enable = "simd128")]
    pub fn rotr(a: V, n: u32) -> V {
        V(v128_or(u32x4_shr(a.0, n), i32x4_shl(a.0, 32 - n)))
    }
    /// Each bit from `a` where `mask` has a 1, from `b` where it has a 0.
    #[inline]
    #[target_feature(enable = "simd128")]
    pub fn select(a: V, b: V, mask: V) -> V {
        V(v128_bitselect(a.0, b.0, mask.0))
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod lanes {
    #[derive(Clone, Copy)]
    pub struct V([u32; 4]);

    fn map(a: V, b: V, f: impl Fn(u32, u32) -> u32) -> V {
        V([
            f(a.0[0], b.0[0]),
            f(a.0[1], b.0[1]),
            f(a.0[2], b.0[2]),
            f(a.0[3], b.0[3]),
        ])
    }
    pub fn splat(x: u32) -> V {
        V([x; 4])
    }
    pub fn from_swapped(l: [u32; 4]) -> V {
        V(l.map(u32::swap_bytes))
    }
    pub fn from_lanes(l: [u32; 4]) -> V {
        V(l)
    }
    pub fn to_lanes(v: V) -> [u32; 4] {
        v.0
    }
    pub fn add(a: V, b: V) -> V {
        map(a, b, u32::wrapping_add)
    }
    pub fn xor(a: V, b: V) -> V {
        map(a, b, |x, y| x ^ y)
    }
    pub fn shr(a: V, n: u32) -> V {
        map(a, a, |x, _| x >> n)
    }
    pub fn rotr(a: V, n: u32) -> V {
        map(a, a, |x, _| x.rotate_right(n))
    }
    pub fn select(a: V, b: V, mask: V) -> V {
        V([0, 1, 2, 3].map(|i| (a.0[i] & mask.0[i]) | (b.0[i] & !mask.0[i])))
    }
}

use lanes::{add, from_lanes, from_swapped, rotr, select, shr, splat, to_lanes, xor, V};

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// One compression of a block per lane.
#[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
fn compress(state: &mut [V; 8], block: [V; 16]) {
    // The whole message schedule first: its words do not depend on the rounds.
    let mut w = [splat(0); 64];
    w[..16].copy_from_slice(&block);
    for i in 16..64 {
        let w15 = w[i - 15];
        let w2 = w[i - 2];
        let s0 = xor(xor(rotr(w15, 7), rotr(w15, 18)), shr(w15, 3));
        let s1 = xor(xor(rotr(w2, 17), rotr(w2, 19)), shr(w2, 10));
        w[i] = add(add(w[i - 16], s0), add(w[i - 7], s1));
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    for i in 0..64 {
        let s1 = xor(xor(rotr(e, 6), rotr(e, 11)), rotr(e, 25));
        let ch = select(f, g, e);
        let t1 = add(add(h, s1), add(ch, add(splat(K[i]), w[i])));
        let s0 = xor(xor(rotr(a, 2), rotr(a, 13)), rotr(a, 22));
        // Majority: where a and b agree, their bit; elsewhere c's.
        let maj = select(c, a, xor(a, b));
        h = g;
        g = f;
        f = e;
        e = add(d, t1);
        d = c;
        c = b;
        b = a;
        a = add(t1, add(s0, maj));
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *s = add(*s, v);
    }
}

/// A message being hashed in one lane: its whole blocks, then its padded tail.
struct Stream<'a> {
    index: usize,
    whole: &'a [u8],
    tail: [u8; 128],
    blocks: usize,
    next: usize,
}

impl<'a> Stream<'a> {
    fn new(index: usize, message: &'a [u8]) -> Stream<'a> {
        let whole_len = message.len() / 64 * 64;
        let rest = &message[whole_len..];
        let mut tail = [0u8; 128];
        tail[..rest.len()].copy_from_slice(rest);
        tail[rest.len()] = 0x80;
        let tail_len = if rest.len() < 56 { 64 } else { 128 };
        let bits = (message.len() as u64).wrapping_mul(8);
        tail[tail_len - 8..tail_len].copy_from_slice(&bits.to_be_bytes());
        Stream {
            index,
            whole: &message[..whole_len],
            tail,
            blocks: (whole_len + tail_len) / 64,
            next: 0,
        }
    }

    fn block(&self) -> &[u8] {
        let at = self.next * 64;
        match self.whole.get(at..at + 64) {
            Some(block) => block,
            None => &self.tail[at - self.whole.len()..][..64],
        }
    }
}

/// The SHA-256 digest of each message, in order.
#[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
pub fn digest_each(messages: &[&[u8]]) -> Vec<[u8; 32]> {
    let mut digests = vec![[0u8; 32]; messages.len()];
    // Longest first, so that the lanes run out at about the same time. (A chain has a few
    // messages: picking the longest each time is cheaper, and much smaller, than a sort.)
    let mut pending: Vec<usize> = (0..messages.len()).collect();
    let mut queue = core::iter::from_fn(|| {
        let longest = (0..pending.len()).max_by_key(|&p| messages[pending[p]].len())?;
        let i = pending.swap_remove(longest);
        Some(Stream::new(i, messages[i]))
    });
    let mut state = [splat(0); 8];
    let mut lanes: [Option<Stream>; 4] = [None, None, None, None];
    loop {
        // A lane whose message is done gives its digest and starts the next message.
        for (l, slot) in lanes.iter_mut().enumerate() {
            if slot.as_ref().is_some_and(|s| s.next < s.blocks) {
                continue;
            }
            if let Some(done) = slot.take() {
                let digest = &mut digests[done.index];
                for (out, s) in digest.chunks_exact_mut(4).zip(&state) {
                    out.copy_from_slice(&to_lanes(*s)[l].to_be_bytes());
                }
            }
            *slot = queue.next();
            let mut mask = [0; 4];
            mask[l] = u32::MAX;
            for (s, iv) in state.iter_mut().zip(IV) {
                *s = select(splat(iv), *s, from_lanes(mask));
            }
        }
        if lanes.iter().all(Option::is_none) {
            break;
        }
        // An idle lane hashes zeros into a state nobody reads.
        let mut words = [[0u32; 4]; 16];
        for (l, stream) in lanes.iter_mut().enumerate() {
            if let Some(stream) = stream {
                for (word, bytes) in words.iter_mut().zip(stream.block().chunks_exact(4)) {
                    // Big-endian words, swapped four at a time below.
                    word[l] = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
                }
                stream.next += 1;
            }
        }
        let mut block = [splat(0); 16];
        for (v, word) in block.iter_mut().zip(words) {
            *v = from_swapped(word);
        }
        compress(&mut state, block);
    }
    digests
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};
    // Under WASM these run on the SIMD128 lanes that verdicts use.
    use wasm_bindgen_test::wasm_bindgen_test;

    fn message(len: usize, seed: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 131 + seed * 7 + len) as u8).collect()
    }

    fn check(messages: &[Vec<u8>]) {
        let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
        let got = digest_each(&refs);
        assert_eq!(got.len(), messages.len());
        for (m, d) in messages.iter().zip(got) {
            assert_eq!(d[..], Sha256::digest(m)[..], "length {}", m.len());
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn known_answers() {
        let got = digest_each(&[b"", b"abc"]);
        assert_eq!(
            crate::x509::pin::hex(&got[0]),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            crate::x509::pin::hex(&got[1]),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn every_length_around_the_block_boundaries() {
        // Alone, and in every lane next to messages of other lengths.
        for len in 0..300 {
            check(&[message(len, 0)]);
            check(&[
                message(len, 1),
                message(3 * len % 301, 2),
                message(len / 2, 3),
                message(len + 64, 4),
                message(55, 5),
                message(len, 6),
            ]);
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn many_messages_of_mixed_sizes() {
        check(&[]);
        let sizes = [
            705, 911, 899, 91, 91, 294, 0, 1, 64, 4000, 56, 119, 120, 65_536, 3,
        ];
        check(
            &sizes
                .iter()
                .enumerate()
                .map(|(i, &n)| message(n, i))
                .collect::<Vec<_>>(),
        );
    }
}
