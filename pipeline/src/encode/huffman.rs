//! Length-limited Huffman codes and the deflate dynamic-block header that announces them
//! (RFC 1951 §3.2.2 and §3.2.7). Built once per table, never on the hot path.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Code lengths (0 for an unused symbol) for `counts`, none longer than `max_len`.
///
/// Plain Huffman on the counts; while the longest code is too long, the counts are halved
/// (keeping every used symbol at 1 or more) and the code rebuilt, as zlib did before its
/// bit-length fix-up: flatter counts give a shallower tree.
pub fn code_lengths(counts: &[u32], max_len: u8) -> Vec<u8> {
    let mut counts: Vec<u64> = counts.iter().map(|&c| u64::from(c)).collect();
    loop {
        let lengths = huffman_lengths(&counts);
        if lengths.iter().all(|&l| l <= max_len) {
            return lengths;
        }
        for c in counts.iter_mut().filter(|c| **c > 0) {
            *c = (*c / 2).max(1);
        }
    }
}

/// Unlimited Huffman code lengths; a single used symbol gets length 1.
fn huffman_lengths(counts: &[u64]) -> Vec<u8> {
    let mut lengths = vec![0u8; counts.len()];
    // Nodes: leaves are the symbols, inner nodes appended after; `parent` links upward.
    let mut parent: Vec<usize> = Vec::with_capacity(2 * counts.len());
    let mut heap = BinaryHeap::new();
    for (sym, &c) in counts.iter().enumerate() {
        parent.push(usize::MAX);
        if c > 0 {
            heap.push(Reverse((c, sym)));
        }
    }
    match heap.len() {
        0 => return lengths,
        1 => {
            if let Some(Reverse((_, sym))) = heap.pop() {
                lengths[sym] = 1;
            }
            return lengths;
        }
        _ => {}
    }
    while let (Some(Reverse((ca, a))), Some(Reverse((cb, b)))) = (heap.pop(), heap.pop()) {
        let node = parent.len();
        parent.push(usize::MAX);
        parent[a] = node;
        parent[b] = node;
        heap.push(Reverse((ca + cb, node)));
        if heap.len() == 1 {
            break;
        }
    }
    for (sym, len) in lengths.iter_mut().enumerate() {
        if counts[sym] == 0 {
            continue;
        }
        let (mut node, mut depth) = (sym, 0u8);
        while parent[node] != usize::MAX {
            node = parent[node];
            depth += 1;
        }
        *len = depth;
    }
    lengths
}

/// The canonical codes (RFC 1951 §3.2.2) for `lengths`, bit-reversed so they can be written
/// least significant bit first like every other deflate field.
pub fn canonical_codes(lengths: &[u8]) -> Vec<u16> {
    let max = lengths.iter().copied().max().unwrap_or(0) as usize;
    let mut per_len = vec![0u16; max + 1];
    for &l in lengths.iter().filter(|&&l| l > 0) {
        per_len[l as usize] += 1;
    }
    let mut next = vec![0u16; max + 2];
    let mut code = 0u16;
    for len in 1..=max {
        code = (code + per_len[len - 1]) << 1;
        next[len] = code;
    }
    lengths
        .iter()
        .map(|&l| {
            if l == 0 {
                return 0;
            }
            let c = next[l as usize];
            next[l as usize] += 1;
            c.reverse_bits() >> (16 - l)
        })
        .collect()
}

/// A bit string built least significant bit first, as deflate orders its bits.
#[derive(Default)]
pub struct Bits {
    /// Whole bytes written.
    pub bytes: Vec<u8>,
    /// Bits not yet making a byte, low bits first.
    pub acc: u64,
    /// How many bits `acc` holds (< 8 between calls).
    pub len: u32,
}

impl Bits {
    /// Appends the low `n` (≤ 32) bits of `value`.
    pub fn put(&mut self, value: u32, n: u32) {
        self.acc |= u64::from(value) << self.len;
        self.len += n;
        while self.len >= 8 {
            self.bytes.push(self.acc as u8);
            self.acc >>= 8;
            self.len -= 8;
        }
    }
}

/// The order in which the code-length code's lengths are sent.
const CL_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// Writes the header of a final dynamic-Huffman block (BFINAL, BTYPE, HLIT, HDIST, HCLEN,
/// the code-length code, the run-length-coded code lengths) for the literal/length code
/// `lit_lengths` (257 to 286 entries) and the distance code `dist_lengths` (1 to 30).
pub fn write_dynamic_header(bits: &mut Bits, lit_lengths: &[u8], dist_lengths: &[u8]) {
    // The lengths as one sequence, run-length coded with symbol 16 (repeat the previous
    // length 3-6 times) and 17/18 (runs of zeros): (symbol, extra value, extra bits).
    let all: Vec<u8> = lit_lengths.iter().chain(dist_lengths).copied().collect();
    let mut seq: Vec<(u8, u32, u32)> = Vec::new();
    let mut i = 0;
    while i < all.len() {
        let l = all[i];
        let run = all[i..].iter().take_while(|&&x| x == l).count();
        if l == 0 && run >= 3 {
            let n = run.min(138);
            seq.push(if n <= 10 {
                (17, n as u32 - 3, 3)
            } else {
                (18, n as u32 - 11, 7)
            });
            i += n;
        } else if i > 0 && all[i - 1] == l && run >= 3 {
            let n = run.min(6);
            seq.push((16, n as u32 - 3, 2));
            i += n;
        } else {
            seq.push((l, 0, 0));
            i += 1;
        }
    }
    let mut cl_counts = [0u32; 19];
    for &(s, _, _) in &seq {
        cl_counts[s as usize] += 1;
    }
    let cl_lengths = code_lengths(&cl_counts, 7);
    let cl_codes = canonical_codes(&cl_lengths);
    let hclen = CL_ORDER
        .iter()
        .rposition(|&s| cl_lengths[s] != 0)
        .map_or(4, |p| (p + 1).max(4));
    bits.put(1, 1); // BFINAL: the only block
    bits.put(2, 2); // BTYPE 10: dynamic Huffman codes
    bits.put(lit_lengths.len() as u32 - 257, 5);
    bits.put(dist_lengths.len() as u32 - 1, 5);
    bits.put(hclen as u32 - 4, 4);
    for &s in &CL_ORDER[..hclen] {
        bits.put(u32::from(cl_lengths[s]), 3);
    }
    for (s, extra, n) in seq {
        bits.put(
            u32::from(cl_codes[s as usize]),
            u32::from(cl_lengths[s as usize]),
        );
        bits.put(extra, n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kraft(lengths: &[u8]) -> f64 {
        lengths
            .iter()
            .filter(|&&l| l > 0)
            .map(|&l| 0.5f64.powi(i32::from(l)))
            .sum()
    }

    #[test]
    fn lengths_are_complete_and_limited() {
        // Fibonacci counts force a deep tree without the limit.
        let mut counts = vec![1u32, 1];
        while counts.len() < 30 {
            let n = counts.len();
            counts.push(counts[n - 1] + counts[n - 2]);
        }
        counts.push(0);
        let unlimited = code_lengths(&counts, 32);
        assert!(unlimited.iter().copied().max() > Some(15));
        let limited = code_lengths(&counts, 12);
        assert!(limited.iter().all(|&l| l <= 12));
        assert_eq!(limited[30], 0, "an unused symbol gets no code");
        assert!(
            (kraft(&limited) - 1.0).abs() < 1e-12,
            "the code is complete"
        );
    }

    #[test]
    fn canonical_codes_follow_rfc_1951_example() {
        // RFC 1951 §3.2.2: lengths (3, 3, 3, 3, 3, 2, 4, 4) give codes 010, 011, 100, 101,
        // 110, 00, 1110, 1111 (here bit-reversed).
        let codes = canonical_codes(&[3, 3, 3, 3, 3, 2, 4, 4]);
        let expected = [0b010u16, 0b011, 0b100, 0b101, 0b110, 0b00, 0b1110, 0b1111];
        let lengths = [3u32, 3, 3, 3, 3, 2, 4, 4];
        for ((c, e), l) in codes.iter().zip(expected).zip(lengths) {
            assert_eq!(u32::from(*c), u32::from(e.reverse_bits() >> (16 - l)));
        }
    }
}
