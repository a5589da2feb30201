//! [`RecipeStore`]: texture hash → canonical chunk request, so a texture evicted from the
//! byte-bounded [`super::TextureStore`] can be rendered again when someone asks for it.
//! Bounded in count and in bytes (a recipe of a large chunk is hundreds of KiB);
//! least recently used recipes go first, and a hash without a recipe is a 404.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::cache::Key;

#[derive(Debug)]
struct Entry {
    json: Arc<str>,
    tick: u64,
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<Key, Entry>,
    order: BTreeMap<u64, Key>,
    bytes: usize,
    tick: u64,
}

/// The recipe store.
#[derive(Debug)]
pub struct RecipeStore {
    max_count: usize,
    max_bytes: usize,
    inner: Mutex<Inner>,
}

impl RecipeStore {
    /// A store of at most `max_count` recipes and `max_bytes` bytes of JSON.
    #[must_use]
    pub fn new(max_count: usize, max_bytes: usize) -> Self {
        Self {
            max_count,
            max_bytes,
            inner: Mutex::default(),
        }
    }

    /// Records (or refreshes) the recipe of `hash`. A recipe larger than the byte budget is
    /// not kept.
    pub fn insert(&self, hash: Key, json: &str) {
        if self.max_count == 0 || json.len() > self.max_bytes {
            return;
        }
        let mut g = self.inner.lock();
        let inner = &mut *g;
        inner.tick += 1;
        let tick = inner.tick;
        if let Some(e) = inner.map.get_mut(&hash) {
            // Same hash, same canonical request: only the recency changes.
            inner.order.remove(&e.tick);
            e.tick = tick;
            inner.order.insert(tick, hash);
            return;
        }
        inner.map.insert(
            hash,
            Entry {
                json: json.into(),
                tick,
            },
        );
        inner.order.insert(tick, hash);
        inner.bytes += json.len();
        while inner.map.len() > self.max_count || inner.bytes > self.max_bytes {
            let Some((_, victim)) = inner.order.pop_first() else {
                break;
            };
            if let Some(e) = inner.map.remove(&victim) {
                inner.bytes -= e.json.len();
            }
        }
    }

    /// The recipe of `hash`, marked as just used.
    #[must_use]
    pub fn get(&self, hash: &Key) -> Option<Arc<str>> {
        let mut g = self.inner.lock();
        let inner = &mut *g;
        inner.tick += 1;
        let tick = inner.tick;
        let e = inner.map.get_mut(hash)?;
        inner.order.remove(&e.tick);
        e.tick = tick;
        inner.order.insert(tick, *hash);
        Some(e.json.clone())
    }

    /// Recipes held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.inner.lock().map.len()
    }

    /// True when empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of JSON held.
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.inner.lock().bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_bound_evicts_the_least_recently_used_recipe() {
        let r = RecipeStore::new(2, 1000);
        r.insert([1; 32], "a");
        r.insert([2; 32], "b");
        assert!(r.get(&[1; 32]).is_some());
        r.insert([3; 32], "c");
        assert_eq!(r.len(), 2);
        assert!(r.get(&[2; 32]).is_none());
        assert_eq!(r.get(&[1; 32]).as_deref(), Some("a"));
    }

    #[test]
    fn the_byte_bound_holds_and_oversized_recipes_are_not_kept() {
        let r = RecipeStore::new(100, 10);
        r.insert([1; 32], "12345");
        r.insert([2; 32], "12345");
        r.insert([3; 32], "123");
        assert!(r.bytes() <= 10);
        assert!(r.get(&[1; 32]).is_none());
        r.insert([4; 32], "12345678901");
        assert!(r.get(&[4; 32]).is_none());
    }

    #[test]
    fn inserting_a_known_hash_again_does_not_double_count() {
        let r = RecipeStore::new(10, 100);
        r.insert([1; 32], "abc");
        r.insert([1; 32], "abc");
        assert_eq!((r.len(), r.bytes()), (1, 3));
    }
}
