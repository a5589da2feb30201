//! [`RecipeStore`]: texture hash → canonical chunk request, so a texture evicted from the
//! byte-bounded [`super::TextureStore`] can be rendered again when someone asks for it.
//! Bounded in count and in bytes (a recipe of a large chunk is hundreds of KiB);
//! least recently used recipes go first, and a hash without a recipe is a 404.

use std::sync::Arc;

use crate::cache::{Key, ResultCache};

/// The recipe store: the service's byte-bounded LRU with a count bound added.
#[derive(Debug)]
pub struct RecipeStore {
    cache: ResultCache<str>,
}

impl RecipeStore {
    /// A store of at most `max_count` recipes and `max_bytes` bytes of JSON.
    #[must_use]
    pub fn new(max_count: usize, max_bytes: usize) -> Self {
        Self {
            cache: ResultCache::bounded(max_bytes, max_count),
        }
    }

    /// Records (or refreshes) the recipe of `hash`. A recipe larger than the byte budget is
    /// not kept.
    pub fn insert(&self, hash: Key, json: &str) {
        // The same hash always names the same canonical request, so replacing is refreshing.
        self.cache.insert(hash, Arc::from(json), json.len());
    }

    /// The recipe of `hash`, marked as just used.
    #[must_use]
    pub fn get(&self, hash: &Key) -> Option<Arc<str>> {
        self.cache.get(hash)
    }

    /// Recipes held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.cache.len()
    }

    /// True when empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.cache.is_empty()
    }

    /// Bytes of JSON held.
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.cache.bytes()
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
