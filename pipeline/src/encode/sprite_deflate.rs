//! `SpriteDeflate`: a zlib stream for `Up`-filtered RGBA rows, coded with one Huffman table
//! built from our own golden cats. Literals, plus runs of zero bytes sent as one literal zero
//! and matches at distance 1: the scheme of `fdeflate`, with a table fitted to sprites and a
//! writer that codes four literals per store.

use std::sync::OnceLock;

use super::huffman::{Bits, canonical_codes, code_lengths, write_dynamic_header};

/// How often each deflate symbol (literals 0-255, end of block 256, lengths 257-285) is
/// sent for the `Up`-filtered rows of the 340 cats of `tests/golden/cats.png`, as counted by
/// `scripts/deflate_counts.py`. Every symbol gets a code (a count of 0 counts as 1), so any
/// input is encodable; inputs unlike cats only compress less.
const SYMBOL_COUNTS: [u32; 286] = [
    220270, 13744, 28824, 10828, 10370, 9998, 9132, 8560, 8468, 8537, 8066, 7650, 6994, 8211, 6394,
    5510, 5067, 5248, 4995, 5048, 4985, 4659, 4261, 6995, 4174, 3651, 7020, 3489, 3819, 3682, 6270,
    3380, 3276, 3228, 3147, 3032, 2907, 2835, 2946, 2729, 2675, 2739, 2352, 2514, 2471, 2475, 2463,
    2373, 2232, 2526, 2302, 2368, 1931, 2118, 2261, 1950, 2000, 1764, 2136, 2061, 1617, 1787, 1860,
    1580, 1815, 1629, 1836, 1496, 1246, 1528, 2129, 1683, 1404, 1348, 1782, 1271, 1468, 1660, 1323,
    1180, 1229, 1198, 1269, 1132, 1219, 1161, 1012, 1138, 1030, 1262, 1069, 1064, 1138, 977, 854,
    976, 937, 1029, 1183, 928, 818, 897, 1065, 842, 931, 955, 914, 770, 891, 786, 856, 725, 793,
    953, 679, 864, 789, 798, 829, 751, 1340, 776, 760, 751, 688, 754, 739, 736, 881, 804, 707, 740,
    735, 736, 728, 776, 804, 758, 697, 690, 758, 712, 684, 742, 923, 700, 751, 934, 877, 703, 1597,
    849, 887, 906, 877, 885, 886, 1009, 1136, 842, 960, 860, 894, 986, 1162, 1103, 931, 1074, 1223,
    1085, 1089, 1032, 1179, 1122, 1245, 1160, 1315, 1167, 1177, 1430, 1329, 1365, 1780, 1456, 1388,
    1457, 1735, 1514, 1479, 1762, 1662, 1744, 1560, 1656, 1797, 1783, 1767, 2000, 2141, 1842, 2047,
    1836, 2157, 2313, 2162, 2158, 2515, 2568, 2307, 2303, 2612, 2467, 2664, 2726, 2462, 2886, 2873,
    3233, 3190, 3119, 3120, 3237, 3618, 3386, 3486, 4372, 5978, 3821, 3918, 4033, 6260, 3908, 4452,
    7043, 4510, 4927, 5049, 5022, 5181, 5466, 5403, 5406, 6357, 8654, 7600, 7687, 8114, 8966, 8515,
    9209, 9777, 10736, 11820, 13857, 14677, 16585, 340, 0, 9785, 378, 382, 1579, 2428, 85, 363,
    1872, 338, 1848, 272, 1956, 1661, 1689, 1781, 4093, 2914, 3190, 3336, 1867, 2205, 1100, 602,
    114, 6, 4750, 0, 0,
];

/// Longest code in the table: four codes then fit one 64-bit store with the 7 bits left
/// over from the previous one.
const MAX_CODE_LEN: u8 = 12;

/// Longest zero run sent as literal zeros rather than as a match.
const LITERAL_RUN_MAX: usize = 4;

/// Longest zero run with its codes in [`Table::runs`]: one literal zero and one match.
const TABLED_RUN_MAX: usize = 259;

/// An entry of the tables: code bits (low 24, least significant first) and their count
/// (high 8).
type Entry = u32;

fn entry(bits: u32, len: u32) -> Entry {
    debug_assert!(bits < 1 << 24 && len <= 24);
    bits | len << 24
}

/// The table, the stream's header, and the pre-joined codes the writer sends.
struct Table {
    /// zlib header plus the whole bytes of the block header.
    header: Vec<u8>,
    /// The block header's last bits, fewer than 8.
    header_tail: (u64, u32),
    /// Literal `b`'s code.
    literal: [Entry; 256],
    /// Literals `p & 0xff` then `p >> 8`, joined (codes of at most 12 bits make 24).
    pair: Box<[Entry]>,
    /// For a match of length `n` (3..=258) at distance 1: length code, extra bits and the
    /// one-bit distance code, joined.
    matched: [Entry; 259],
    /// A whole run of `n` zeros (0..=TABLED_RUN_MAX) as [`BitWriter::zero_run`] sends it:
    /// (bits, count).
    runs: Box<[(u64, u32)]>,
    /// End of block.
    end: Entry,
}

/// Base length of each length symbol 257..=285, and its extra bits (RFC 1951 §3.2.5).
const LENGTH_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LENGTH_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];

impl Table {
    fn build() -> Self {
        let counts: Vec<u32> = SYMBOL_COUNTS.iter().map(|&c| c.max(1)).collect();
        let lengths = code_lengths(&counts, MAX_CODE_LEN);
        let codes = canonical_codes(&lengths);
        let code = |s: usize| (u32::from(codes[s]), u32::from(lengths[s]));

        let mut bits = Bits::default();
        // zlib header: deflate, 32 KiB window, FLEVEL 0, FCHECK making it a multiple of 31.
        bits.bytes.extend_from_slice(&[0x78, 0x01]);
        // One distance code (distance 1), sent with one bit as RFC 1951 allows.
        write_dynamic_header(&mut bits, &lengths, &[1]);

        let mut literal = [0; 256];
        for (b, e) in literal.iter_mut().enumerate() {
            let (c, l) = code(b);
            *e = entry(c, l);
        }
        let pair = (0..1usize << 16)
            .map(|p| {
                let (a, b) = (literal[p & 0xff], literal[p >> 8]);
                let la = a >> 24;
                entry((a & 0x00ff_ffff) | (b & 0x00ff_ffff) << la, la + (b >> 24))
            })
            .collect();
        let mut matched = [0; 259];
        for (n, e) in matched.iter_mut().enumerate().skip(3) {
            let sym = LENGTH_BASE
                .iter()
                .rposition(|&b| usize::from(b) <= n)
                .unwrap_or(0);
            let (c, l) = code(257 + sym);
            let extra_len = u32::from(LENGTH_EXTRA[sym]);
            let extra = (n - usize::from(LENGTH_BASE[sym])) as u32;
            // The distance code: symbol 0 (distance 1), the one-bit code `0`.
            *e = entry(c | extra << l, l + extra_len + 1);
        }
        let (zc, zl) = code(0);
        let mut zeros = [(0, 0); LITERAL_RUN_MAX + 1];
        for (n, z) in zeros.iter_mut().enumerate() {
            for i in 0..n as u32 {
                z.0 |= u64::from(zc) << (i * zl);
            }
            z.1 = n as u32 * zl;
        }
        let runs = (0..=TABLED_RUN_MAX)
            .map(|n| {
                if n <= LITERAL_RUN_MAX {
                    return zeros[n];
                }
                let m = matched[n - 1];
                let (bits, len) = (u64::from(m & 0x00ff_ffff), m >> 24);
                (zeros[1].0 | bits << zeros[1].1, zeros[1].1 + len)
            })
            .collect();
        let (ec, el) = code(256);
        Self {
            header: bits.bytes,
            header_tail: (bits.acc, bits.len),
            literal,
            pair,
            matched,
            runs,
            end: entry(ec, el),
        }
    }

    fn get() -> &'static Self {
        static TABLE: OnceLock<Table> = OnceLock::new();
        TABLE.get_or_init(Self::build)
    }
}

/// Bits on their way into a byte buffer with room to spare: a local, so its fields live in
/// registers through the hot loop.
struct BitWriter<'b> {
    buf: &'b mut [u8],
    pos: usize,
    /// Bits not yet stored, least significant first; `nbits` of them (< 8 between codes).
    acc: u64,
    nbits: u32,
}

impl BitWriter<'_> {
    /// Adds bits; callers keep `nbits + n ≤ 64` (at most 56 after a [`Self::store`]).
    #[inline(always)]
    fn put(&mut self, bits: u64, n: u32) {
        self.acc |= bits << self.nbits;
        self.nbits += n;
    }

    #[inline(always)]
    fn put_entry(&mut self, e: Entry) {
        self.put(u64::from(e & 0x00ff_ffff), e >> 24);
    }

    /// Stores the whole bytes of the accumulator (all 8 written, the pointer advanced by
    /// the whole ones), keeping the 0-7 bits left over.
    #[inline(always)]
    fn store(&mut self) {
        // The stream's hottest line (two stores per eight bytes of a sprite): checking the
        // bounds of each cost 4 % of an uncached cat request's instructions
        // (BENCHMARKS.md). The room is reserved up front instead (`make_room`).
        debug_assert!(
            self.pos + 8 <= self.buf.len(),
            "make_room reserved too little"
        );
        #[expect(
            unsafe_code,
            reason = "an unchecked 8-byte store; `make_room` reserved the room beforehand"
        )]
        // SAFETY: `SpriteDeflate::make_room` ran before this writer was made, for every
        // byte the writer may code (at most 12 bits each, a zero run less) plus the end of
        // block and 8 bytes of overhang, so `pos + 8 <= buf.len()` holds at every store:
        // each store advances `pos` only by the whole bytes of the bits coded so far.
        unsafe {
            self.buf
                .as_mut_ptr()
                .add(self.pos)
                .cast::<u64>()
                .write_unaligned(self.acc.to_le());
        }
        let whole = self.nbits / 8;
        self.pos += whole as usize;
        // `whole` ≤ 7 since `nbits` < 64, so the shift is in range.
        self.acc >>= whole * 8;
        self.nbits -= whole * 8;
    }

    /// Four literals, the bytes of `x` from the lowest, in one store.
    #[inline(always)]
    fn literals4(&mut self, table: &Table, x: u32) {
        self.put_entry(table.pair[(x & 0xffff) as usize]);
        self.put_entry(table.pair[(x >> 16) as usize]);
        self.store();
    }

    /// Sends a zero run of `run` bytes (nothing for 0): one table lookup up to
    /// [`TABLED_RUN_MAX`].
    #[inline(always)]
    fn zero_run(&mut self, table: &Table, mut run: usize) {
        if let Some(&(bits, n)) = table.runs.get(run) {
            self.put(bits, n);
            self.store();
            return;
        }
        // One literal zero, then copies of the byte before at distance 1, each 3..=258 long.
        let (bits, n) = table.runs[1];
        self.put(bits, n);
        run -= 1;
        while run > 258 {
            let m = if run - 258 >= 3 { 258 } else { run - 3 };
            self.put_entry(table.matched[m]);
            self.store();
            run -= m;
        }
        self.put_entry(table.matched[run]);
        self.store();
    }
}

/// Largest scratch a thread keeps for its next stream (a large image's is freed).
const SCRATCH_KEEP_MAX: usize = 256 << 10;

thread_local! {
    /// Each thread's compressed-bytes scratch, kept between streams (up to [`SCRATCH_KEEP_MAX`]).
    static SCRATCH: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// A zlib stream being written: [`SpriteDeflate::write`] the filtered rows (in as many
/// calls as suit), then [`SpriteDeflate::finish`] appends it to a `Vec`.
pub struct SpriteDeflate {
    table: &'static Table,
    /// The compressed bytes so far (`pos` of them), borrowed from [`SCRATCH`].
    buf: Vec<u8>,
    pos: usize,
    acc: u64,
    nbits: u32,
    /// Zero bytes seen and not yet sent.
    run: usize,
    adler: simd_adler32::Adler32,
}

impl SpriteDeflate {
    /// Starts a stream: zlib header and block header.
    pub fn new() -> Self {
        let table = Table::get();
        let mut buf = SCRATCH.take();
        let pos = table.header.len();
        if buf.len() < pos + 16 {
            buf.resize(pos + 16, 0);
        }
        buf[..pos].copy_from_slice(&table.header);
        Self {
            table,
            buf,
            pos,
            acc: table.header_tail.0,
            nbits: table.header_tail.1,
            run: 0,
            adler: simd_adler32::Adler32::new(),
        }
    }

    /// Compresses `data`, the next filtered bytes of the image.
    pub fn write(&mut self, data: &[u8]) {
        self.adler.write(data);
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("bmi2") {
            #[expect(
                unsafe_code,
                reason = "calling a #[target_feature(enable = \"bmi2\")] function needs \
                          unsafe; BMI2 support was checked on the line above"
            )]
            // SAFETY: the CPU supports BMI2 (checked just above).
            return unsafe { self.write_bmi2(data) };
        }
        self.write_portable(data);
    }

    /// [`Self::write_portable`] with BMI2's one-instruction variable shifts, the bit
    /// writer's most frequent operation.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "bmi2")]
    fn write_bmi2(&mut self, data: &[u8]) {
        self.write_portable(data);
    }

    /// The compression itself; inlined into each dispatch target.
    #[inline(always)]
    fn write_portable(&mut self, data: &[u8]) {
        self.make_room(data.len());
        let (table, mut run) = (self.table, self.run);
        let mut w = self.writer();
        let mut i = 0;
        while let Some(window) = data.get(i..i + 8) {
            let mut word = [0; 8];
            word.copy_from_slice(window);
            let x = u64::from_le_bytes(word);
            if x == 0 {
                run += 8;
                i += 8;
                continue;
            }
            let leading = (x.trailing_zeros() / 8) as usize;
            if leading > 0 {
                // Read again from the first nonzero byte.
                run += leading;
                i += leading;
                continue;
            }
            // The pending run (nothing when empty), then four literals, or eight unless the
            // last four are zeros (left to the next window's run).
            w.zero_run(table, run);
            run = 0;
            w.literals4(table, x as u32);
            if (x >> 32) as u32 != 0 {
                w.literals4(table, (x >> 32) as u32);
                i += 8;
            } else {
                i += 4;
            }
        }
        for &b in &data[i..] {
            if b == 0 {
                run += 1;
            } else {
                w.zero_run(table, run);
                run = 0;
                w.put_entry(table.literal[b as usize]);
                w.store();
            }
        }
        let (pos, acc, nbits) = (w.pos, w.acc, w.nbits);
        (self.pos, self.acc, self.nbits, self.run) = (pos, acc, nbits, run);
    }

    /// A bit writer over the buffer from the saved state (a local, kept in registers).
    fn writer(&mut self) -> BitWriter<'_> {
        BitWriter {
            buf: &mut self.buf,
            pos: self.pos,
            acc: self.acc,
            nbits: self.nbits,
        }
    }

    /// Grows the buffer for `more` new bytes plus the pending run: at most 12 bits each
    /// (a literal's longest code; a run costs less), the end of block, and a store's 8-byte
    /// overhang.
    fn make_room(&mut self, more: usize) {
        let need = self.pos + (more + self.run) * 3 / 2 + 16;
        if self.buf.len() < need {
            self.buf.resize(need, 0);
        }
    }

    /// Ends the block and the stream (Adler-32 of everything written) and appends it to
    /// `out`.
    pub fn finish(mut self, out: &mut Vec<u8>) {
        self.make_room(0);
        let (table, run) = (self.table, self.run);
        let mut w = self.writer();
        w.zero_run(table, run);
        w.put_entry(table.end);
        // Rounded up to whole bytes: the padding bits are zeros.
        w.nbits = w.nbits.div_ceil(8) * 8;
        w.store();
        let end = w.pos;
        out.extend_from_slice(&self.buf[..end]);
        out.extend_from_slice(&self.adler.finish().to_be_bytes());
        if self.buf.len() <= SCRATCH_KEEP_MAX {
            SCRATCH.set(std::mem::take(&mut self.buf));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn deflate(parts: &[&[u8]]) -> Vec<u8> {
        let mut out = vec![0xaa];
        let mut z = SpriteDeflate::new();
        for p in parts {
            z.write(p);
        }
        z.finish(&mut out);
        assert_eq!(out[0], 0xaa, "appends");
        out.remove(0);
        out
    }

    fn inflate_zlib_rs(z: &[u8]) -> Vec<u8> {
        let mut back = Vec::new();
        flate2::read::ZlibDecoder::new(z)
            .read_to_end(&mut back)
            .expect("zlib-rs inflates it (and checks the Adler-32)");
        back
    }

    fn round_trip(data: &[u8]) {
        let z = deflate(&[data]);
        assert_eq!(inflate_zlib_rs(&z), data);
        let back = fdeflate::decompress_to_vec(&z).expect("fdeflate inflates it");
        assert_eq!(back, data);
    }

    #[test]
    fn zero_runs_of_every_length_round_trip() {
        for run in 0..=800 {
            for lead in [0u8, 7] {
                let mut data = vec![lead; 3];
                data.extend(std::iter::repeat_n(0, run));
                data.push(9);
                round_trip(&data);
            }
        }
    }

    #[test]
    fn every_byte_value_and_noise_round_trip() {
        round_trip(&[]);
        round_trip(&(0..=255u8).collect::<Vec<_>>());
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let noise: Vec<u8> = (0..50_000)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Stretches of zeros among the noise, as filtered sprites have.
                if (i / 37) % 3 == 0 { 0 } else { x as u8 }
            })
            .collect();
        round_trip(&noise);
    }

    #[test]
    fn a_thread_reusing_its_scratch_for_streams_of_other_sizes_round_trips() {
        let big: Vec<u8> = (0..300_000u32).map(|i| (i % 97) as u8).collect();
        let small = [5u8, 0, 0, 0, 0, 0, 0, 9];
        round_trip(&big);
        round_trip(&small);
        round_trip(&big[..70_000]);
        round_trip(&small);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_bmi2_path_writes_the_stream_the_portable_one_does() {
        if !std::arch::is_x86_feature_detected!("bmi2") {
            eprintln!("SKIPPED: this CPU has no BMI2, only the portable path runs");
            return;
        }
        let data: Vec<u8> = (0..20_000u32)
            .map(|i| {
                if i % 211 < 90 {
                    0
                } else {
                    (i * 13 + i / 7) as u8
                }
            })
            .collect();
        let dispatched = deflate(&[&data]);
        let mut portable = vec![0xaa];
        let mut z = SpriteDeflate::new();
        z.adler.write(&data);
        z.write_portable(&data);
        z.finish(&mut portable);
        assert_eq!(portable[1..], dispatched[..]);
    }

    #[test]
    fn a_stream_written_in_pieces_round_trips() {
        let data: Vec<u8> = (0..5000u32)
            .map(|i| if i % 300 < 120 { 0 } else { (i * 7) as u8 })
            .collect();
        let pieces: Vec<&[u8]> = data.chunks(201).collect();
        assert_eq!(
            inflate_zlib_rs(&deflate(&pieces)),
            data,
            "runs carry across calls"
        );
    }
}
