//! [`TextureStore`]: finished chunk PNGs by content hash, bounded in bytes.

use axum::body::Bytes;
use axum::http::HeaderValue;

use crate::cache::etag_of;
use crate::cache::{Key, ResultCache};

/// Per-entry bookkeeping charged against the budget besides the PNG itself.
const OVERHEAD: usize = 128;

/// One finished texture.
#[derive(Debug, Clone)]
pub struct Texture {
    /// The encoded image.
    pub png: Bytes,
    /// Strong ETag of `png` (computed once, not per request).
    pub etag: HeaderValue,
    /// Width, px.
    pub width: u32,
    /// Height, px.
    pub height: u32,
}

impl Texture {
    /// Wraps encoded bytes, computing the ETag.
    #[must_use]
    pub fn new(png: Bytes, width: u32, height: u32) -> Self {
        let etag = etag_of(&png);
        Self {
            png,
            etag,
            width,
            height,
        }
    }

    /// Bytes this texture is charged against the store's budget.
    #[must_use]
    pub fn weight(&self) -> usize {
        self.png.len() + OVERHEAD
    }
}

/// The store: a byte-bounded LRU keyed by the 32-byte hash.
#[derive(Debug)]
pub struct TextureStore {
    cache: ResultCache<Texture>,
}

impl TextureStore {
    /// A store holding at most `budget` bytes (0 holds nothing).
    #[must_use]
    pub fn new(budget: usize) -> Self {
        Self {
            cache: ResultCache::new(budget),
        }
    }

    /// The texture under `hash`, marked as just used.
    #[must_use]
    pub fn get(&self, hash: &Key) -> Option<std::sync::Arc<Texture>> {
        self.cache.get(hash)
    }

    /// Stores a texture, evicting least recently used ones to stay within the budget.
    pub fn insert(&self, hash: Key, texture: std::sync::Arc<Texture>) {
        let w = texture.weight();
        self.cache.insert(hash, texture, w);
    }

    /// Bytes held.
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.cache.bytes()
    }

    /// Textures held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.cache.len()
    }

    /// True when empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.cache.is_empty()
    }
}

/// Parses the 64 lowercase hex digits of a texture hash. Anything else (upper case, other
/// lengths, path characters) is `None`: texture names are only ever our own hex.
#[must_use]
pub fn parse_hash(text: &str) -> Option<Key> {
    let b = text.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(b.chunks_exact(2)) {
        *o = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_64_lowercase_hex_digits_parse_and_they_round_trip() {
        let h = blake3::hash(b"x");
        let hex = h.to_hex().to_string();
        assert_eq!(parse_hash(&hex), Some(*h.as_bytes()));
        for bad in [
            "",
            &hex[..63],
            &format!("{hex}0"),
            &hex.to_uppercase(),
            &format!("../{}", &hex[3..]),
            &format!("{}g", &hex[..63]),
        ] {
            assert_eq!(parse_hash(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_store_evicts_least_recently_used_textures_to_stay_in_budget() {
        let t = |n: usize| std::sync::Arc::new(Texture::new(vec![7; n].into(), 1, 1));
        let s = TextureStore::new(2 * (100 + OVERHEAD));
        s.insert([1; 32], t(100));
        s.insert([2; 32], t(100));
        assert!(s.get(&[1; 32]).is_some());
        s.insert([3; 32], t(100));
        assert!(s.get(&[2; 32]).is_none(), "2 was least recently used");
        assert!(s.get(&[1; 32]).is_some() && s.get(&[3; 32]).is_some());
        assert_eq!(s.bytes(), 2 * (100 + OVERHEAD));
    }
}
