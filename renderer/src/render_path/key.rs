//! [`RenderKey`]: what a cached result is the rendering of — the one cache-key schema of the
//! result cache and the coalescer. Each kind names the fields that decide its bytes; the
//! digest adds the atlas fingerprint, so new art never serves old images.

use std::hash::{Hash, Hasher};

use pipeline::CatParams;
use pipeline::sheet::SheetLayout;

use crate::cache::Key;

/// Everything that decides one result's bytes.
#[derive(Debug, Clone, Copy)]
pub enum RenderKey<'a> {
    /// One cat.
    Cat {
        /// The cat. Its fields reach the digest through its `Hash` (every field; strings
        /// end in 0xff, which UTF-8 never holds, lists and options carry their length or
        /// variant first: distinct cats, distinct bytes), not through its 400-byte canonical
        /// JSON, which took 5,000 instructions to write and 4,700 to hash on every request.
        params: &'a CatParams,
        /// Nearest-neighbour upscale.
        scale: u32,
        /// `None`: the image alone; `Some(images)`: with each stage (and its PNG).
        layers: Option<bool>,
    },
    /// A sprite sheet.
    Sheet {
        /// Each frame's canonical parameters, in tile order.
        frames: &'a [String],
        /// Tile size and columns.
        layout: SheetLayout,
        /// The one layer drawn (`None`: the composed cat).
        layer: Option<&'a str>,
        /// Whether each frame is also encoded on its own.
        sources: bool,
    },
    /// One atlas cell as it is.
    Cell {
        /// Sprite group.
        group: &'a str,
        /// Pose.
        pose: u8,
    },
    /// A chunk texture, by its content hash (which already covers tilesets and request).
    Chunk {
        /// The texture's hash.
        hash: &'a Key,
    },
}

impl RenderKey<'_> {
    /// The cache key: blake3 over the atlas `fingerprint`, the kind and its fields, each
    /// length-prefixed (a cat's fields self-delimiting, see `KeyInput`) so no two keys
    /// share an encoding.
    #[must_use]
    pub fn digest(&self, fingerprint: &[u8]) -> Key {
        let mut h = KeyInput::new();
        h.put(fingerprint);
        match *self {
            Self::Cat {
                params,
                scale,
                layers,
            } => {
                h.put(b"cat");
                params.hash(&mut h);
                h.put(&scale.to_le_bytes());
                h.put(&[match layers {
                    None => 0,
                    Some(false) => 1,
                    Some(true) => 2,
                }]);
            }
            Self::Sheet {
                frames,
                layout,
                layer,
                sources,
            } => {
                h.put(b"sheet");
                h.put(&(frames.len() as u64).to_le_bytes());
                for f in frames {
                    h.put(f.as_bytes());
                }
                h.put(&layout.tile.to_le_bytes());
                h.put(&layout.columns.to_le_bytes());
                h.put(layer.unwrap_or("").as_bytes());
                h.put(&[u8::from(layer.is_some()), u8::from(sources)]);
            }
            Self::Cell { group, pose } => {
                h.put(b"cell");
                h.put(group.as_bytes());
                h.put(&[pose]);
            }
            Self::Chunk { hash } => {
                h.put(b"chunk");
                h.put(hash);
            }
        }
        h.key()
    }
}

/// The key's input on its way into blake3: gathered in a stack buffer and handed over
/// [`KeyInput::BUF`] bytes at a time (blake3's `update` costs tens of instructions a call,
/// and a cat's `Hash` writes a few bytes at a time). As a [`Hasher`], integers are written
/// as LEB128 varints (lengths, enum variants and options cost a byte, not eight) and
/// strings end in 0xff (std's `write_str`; UTF-8 never holds 0xff): every value a derived
/// `Hash` writes delimits itself, so distinct cats write distinct bytes.
struct KeyInput {
    hasher: blake3::Hasher,
    buf: [u8; Self::BUF],
    len: usize,
}

impl KeyInput {
    const BUF: usize = 512;

    fn new() -> Self {
        Self {
            hasher: blake3::Hasher::new(),
            buf: [0; Self::BUF],
            len: 0,
        }
    }

    fn bytes(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() > Self::BUF {
            self.hasher.update(&self.buf[..self.len]);
            self.len = 0;
            if bytes.len() > Self::BUF {
                self.hasher.update(bytes);
                return;
            }
        }
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn varint(&mut self, mut n: u64) {
        let mut out = [0u8; 10];
        let mut i = 0;
        while n >= 0x80 {
            out[i] = (n as u8) | 0x80;
            n >>= 7;
            i += 1;
        }
        out[i] = n as u8;
        self.bytes(&out[..=i]);
    }

    /// One field, its length first.
    fn put(&mut self, field: &[u8]) {
        self.varint(field.len() as u64);
        self.bytes(field);
    }

    fn key(mut self) -> Key {
        self.hasher.update(&self.buf[..self.len]);
        *self.hasher.finalize().as_bytes()
    }
}

impl Hasher for KeyInput {
    fn write(&mut self, bytes: &[u8]) {
        self.bytes(bytes);
    }

    fn write_u16(&mut self, n: u16) {
        self.varint(n.into());
    }

    fn write_u32(&mut self, n: u32) {
        self.varint(n.into());
    }

    fn write_u64(&mut self, n: u64) {
        self.varint(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.varint(n as u64);
    }

    fn write_i16(&mut self, n: i16) {
        self.write_i64(n.into());
    }

    fn write_i32(&mut self, n: i32) {
        self.write_i64(n.into());
    }

    fn write_i64(&mut self, n: i64) {
        // Zigzag, so small negative numbers stay short too.
        self.varint(((n << 1) ^ (n >> 63)) as u64);
    }

    fn write_isize(&mut self, n: isize) {
        self.write_i64(n as i64);
    }

    /// The first 8 bytes of blake3 over what was written so far.
    fn finish(&self) -> u64 {
        let mut h = self.hasher.clone();
        h.update(&self.buf[..self.len]);
        let mut first = [0; 8];
        first.copy_from_slice(&h.finalize().as_bytes()[..8]);
        u64::from_le_bytes(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(json: serde_json::Value) -> CatParams {
        let serde_json::Value::Object(map) = json else {
            panic!("an object")
        };
        CatParams::from_map(&map).expect("valid cat")
    }

    fn cat(params: &CatParams, scale: u32, layers: Option<bool>) -> Key {
        RenderKey::Cat {
            params,
            scale,
            layers,
        }
        .digest(b"art")
    }

    #[test]
    fn every_field_and_the_art_change_the_key() {
        let tabby = params(serde_json::json!({"peltName": "Tabby"}));
        let base = cat(&tabby, 1, None);
        assert_eq!(base, cat(&tabby.clone(), 1, None));
        assert_ne!(base, cat(&tabby, 2, None));
        assert_ne!(base, cat(&tabby, 1, Some(false)));
        assert_ne!(cat(&tabby, 1, Some(false)), cat(&tabby, 1, Some(true)));
        let other_art = RenderKey::Cat {
            params: &tabby,
            scale: 1,
            layers: None,
        }
        .digest(b"new art");
        assert_ne!(base, other_art);
    }

    #[test]
    fn equal_cats_share_a_key_and_each_field_of_a_cat_changes_it() {
        let tabby = serde_json::json!({"peltName": "Tabby", "colour": "GINGER", "spriteNumber": 3});
        let key = |extra: serde_json::Value| {
            let mut json = tabby.clone();
            for (k, v) in extra.as_object().expect("an object") {
                json[k] = v.clone();
            }
            cat(&params(json), 1, None)
        };
        let base = key(serde_json::json!({}));
        // The same cat spelled differently: defaults written out, booleans as text.
        assert_eq!(
            base,
            key(serde_json::json!({"eyeColour": "YELLOW", "shading": "false"}))
        );
        let changes = [
            serde_json::json!({"spriteNumber": 4}),
            serde_json::json!({"peltName": "Marbled"}),
            serde_json::json!({"colour": "WHITE"}),
            serde_json::json!({"colour": "MYPALETTE"}),
            serde_json::json!({"tint": "pink"}),
            serde_json::json!({"whitePatches": "LITTLE"}),
            serde_json::json!({"points": "COLOURPOINT"}),
            serde_json::json!({"vitiligo": "MOON"}),
            serde_json::json!({"eyeColour": "BLUE"}),
            serde_json::json!({"eyeColour2": "BLUE"}),
            serde_json::json!({"skinColour": "BLACK"}),
            serde_json::json!({"scars": ["ONE"]}),
            serde_json::json!({"accessories": ["BELL"]}),
            serde_json::json!({"shading": true}),
            serde_json::json!({"dead": true}),
            serde_json::json!({"darkForest": true}),
            serde_json::json!({"opacity": 50}),
            serde_json::json!({"reverse": true}),
            serde_json::json!({"isTortie": true, "tortie": [{"pattern": "Tabby", "colour": "BLACK", "mask": "ONE"}]}),
        ];
        let mut seen = std::collections::HashSet::from([base]);
        for change in changes {
            assert!(
                seen.insert(key(change.clone())),
                "{change} did not change the key"
            );
        }
        // Strings cannot run into each other: the tint ends where its 0xff is.
        assert_ne!(
            key(serde_json::json!({"tint": "ab", "whitePatches": "c"})),
            key(serde_json::json!({"tint": "a", "whitePatches": "bc"}))
        );
    }

    #[test]
    fn a_cat_too_long_for_the_input_buffer_still_keys_every_byte() {
        let many: Vec<String> = (0..30)
            .map(|i| format!("ACCESSORY_NUMBER_{i:04}"))
            .collect();
        assert!(many.iter().map(String::len).sum::<usize>() > KeyInput::BUF);
        let mut last_differs = many.clone();
        last_differs[29] = "ACCESSORY_NUMBER_0099".into();
        let a = params(serde_json::json!({"peltName": "Tabby", "accessories": many}));
        let b = params(serde_json::json!({"peltName": "Tabby", "accessories": last_differs}));
        assert_ne!(cat(&a, 1, None), cat(&b, 1, None));
        assert_eq!(cat(&a, 1, None), cat(&a.clone(), 1, None));
    }

    #[test]
    fn integers_are_written_as_self_delimiting_varints() {
        let bytes = |f: &dyn Fn(&mut KeyInput)| {
            let mut input = KeyInput::new();
            f(&mut input);
            input.buf[..input.len].to_vec()
        };
        assert_eq!(bytes(&|h| h.write_usize(5)), [5]);
        assert_eq!(bytes(&|h| h.write_u64(300)), [0xac, 0x02]);
        assert_eq!(bytes(&|h| h.write_isize(-1)), [1]);
        assert_eq!(bytes(&|h| h.write_isize(1)), [2]);
        assert_eq!(bytes(&|h| h.write_u64(u64::MAX)).len(), 10);
        assert_eq!(bytes(&|h| "ab".hash(h)), [b'a', b'b', 0xff]);
    }

    #[test]
    fn frames_cannot_run_into_each_other() {
        let layout = SheetLayout {
            count: 2,
            columns: 2,
            tile: 50,
        };
        let sheet = |frames: &[String]| {
            RenderKey::Sheet {
                frames,
                layout,
                layer: None,
                sources: false,
            }
            .digest(b"art")
        };
        assert_ne!(
            sheet(&["ab".into(), "c".into()]),
            sheet(&["a".into(), "bc".into()])
        );
        let cell = RenderKey::Cell {
            group: "a",
            pose: 1,
        };
        assert_ne!(cell.digest(b"art"), sheet(&["a".into()]));
    }
}
