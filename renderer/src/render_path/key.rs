//! [`RenderKey`]: what a cached result is the rendering of — the one cache-key schema of the
//! result cache and the coalescer. Each kind names the fields that decide its bytes; the
//! digest adds the atlas fingerprint, so new art never serves old images.

use pipeline::sheet::SheetLayout;

use crate::cache::Key;

/// Everything that decides one result's bytes.
#[derive(Debug, Clone, Copy)]
pub enum RenderKey<'a> {
    /// One cat.
    Cat {
        /// `CatParams::canonical_json`: equal cats, equal text.
        params: &'a str,
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
    /// length-prefixed so no two keys share an encoding.
    #[must_use]
    pub fn digest(&self, fingerprint: &[u8]) -> Key {
        let mut h = Fields(blake3::Hasher::new());
        h.put(fingerprint);
        match *self {
            Self::Cat {
                params,
                scale,
                layers,
            } => {
                h.put(b"cat");
                h.put(params.as_bytes());
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
        *h.0.finalize().as_bytes()
    }
}

/// A hasher that length-prefixes every field.
struct Fields(blake3::Hasher);

impl Fields {
    fn put(&mut self, field: &[u8]) {
        self.0.update(&(field.len() as u64).to_le_bytes());
        self.0.update(field);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(params: &str, scale: u32, layers: Option<bool>) -> Key {
        RenderKey::Cat {
            params,
            scale,
            layers,
        }
        .digest(b"art")
    }

    #[test]
    fn every_field_and_the_art_change_the_key() {
        let base = cat("{}", 1, None);
        assert_eq!(base, cat("{}", 1, None));
        assert_ne!(base, cat("{\"a\":1}", 1, None));
        assert_ne!(base, cat("{}", 2, None));
        assert_ne!(base, cat("{}", 1, Some(false)));
        assert_ne!(cat("{}", 1, Some(false)), cat("{}", 1, Some(true)));
        let other_art = RenderKey::Cat {
            params: "{}",
            scale: 1,
            layers: None,
        }
        .digest(b"new art");
        assert_ne!(base, other_art);
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
