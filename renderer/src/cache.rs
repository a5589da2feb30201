//! A content-addressed result cache bounded in bytes: least recently used entries go first;
//! and the ETag header of cached bytes.
//! One mutex; lookups are a hash probe and a B-tree move, far below a render's cost.

use std::collections::BTreeMap;
use std::sync::Arc;

use parking_lot::Mutex;

/// A cache key: a blake3 digest of everything that decides the bytes.
pub type Key = [u8; 32];

/// [`crate::job::etag_text`] as a header value.
#[must_use]
pub fn etag_of(bytes: &[u8]) -> axum::http::HeaderValue {
    etag_header(&crate::job::etag_text(bytes))
}

/// A quoted-hex ETag as a header value.
#[must_use]
pub fn etag_header(tag: &str) -> axum::http::HeaderValue {
    // Quoted hex digits: always a valid header value.
    axum::http::HeaderValue::from_str(tag)
        .unwrap_or_else(|_| axum::http::HeaderValue::from_static("\"\""))
}

#[derive(Debug)]
struct Entry<V: ?Sized> {
    value: Arc<V>,
    weight: usize,
    tick: u64,
}

#[derive(Debug)]
struct Inner<V: ?Sized> {
    /// hashbrown's default hasher (foldhash): seeded per process like std's SipHash, a
    /// fraction of its cost on a 32-byte key.
    map: hashbrown::HashMap<Key, Entry<V>>,
    order: BTreeMap<u64, Key>,
    bytes: usize,
    tick: u64,
}

/// The cache.
#[derive(Debug)]
pub struct ResultCache<V: ?Sized> {
    budget: usize,
    /// Most entries held (`usize::MAX` unless [`Self::bounded`] set it).
    max_entries: usize,
    inner: Mutex<Inner<V>>,
}

impl<V: ?Sized> ResultCache<V> {
    /// A cache holding at most `budget` bytes (0 holds nothing).
    #[must_use]
    pub fn new(budget: usize) -> Self {
        Self::bounded(budget, usize::MAX)
    }

    /// A cache holding at most `budget` bytes and `max_entries` entries.
    #[must_use]
    pub fn bounded(budget: usize, max_entries: usize) -> Self {
        Self {
            budget,
            max_entries,
            inner: Mutex::new(Inner {
                map: hashbrown::HashMap::new(),
                order: BTreeMap::new(),
                bytes: 0,
                tick: 0,
            }),
        }
    }

    /// The value under `key`, marked as just used.
    pub fn get(&self, key: &Key) -> Option<Arc<V>> {
        let mut g = self.inner.lock();
        let inner = &mut *g;
        inner.tick += 1;
        let tick = inner.tick;
        let e = inner.map.get_mut(key)?;
        inner.order.remove(&e.tick);
        e.tick = tick;
        inner.order.insert(tick, *key);
        Some(e.value.clone())
    }

    /// Stores `value` weighing `weight` bytes, evicting the least recently used entries.
    /// A value larger than the whole budget is not stored.
    pub fn insert(&self, key: Key, value: Arc<V>, weight: usize) {
        if weight > self.budget || self.max_entries == 0 {
            return;
        }
        let mut g = self.inner.lock();
        let inner = &mut *g;
        inner.tick += 1;
        let tick = inner.tick;
        if let Some(old) = inner.map.insert(
            key,
            Entry {
                value,
                weight,
                tick,
            },
        ) {
            inner.order.remove(&old.tick);
            inner.bytes -= old.weight;
        }
        inner.order.insert(tick, key);
        inner.bytes += weight;
        while inner.bytes > self.budget || inner.map.len() > self.max_entries {
            let Some((_, victim)) = inner.order.pop_first() else {
                break;
            };
            if let Some(e) = inner.map.remove(&victim) {
                inner.bytes -= e.weight;
            }
        }
    }

    /// Bytes held.
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.inner.lock().bytes
    }

    /// Entries held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.inner.lock().map.len()
    }

    /// True when empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(n: u8) -> Key {
        [n; 32]
    }

    #[test]
    fn least_recently_used_entries_are_evicted_to_stay_within_the_byte_budget() {
        let c = ResultCache::new(100);
        c.insert(k(1), Arc::new(1), 40);
        c.insert(k(2), Arc::new(2), 40);
        assert!(c.get(&k(1)).is_some());
        c.insert(k(3), Arc::new(3), 40);
        assert!(c.get(&k(2)).is_none(), "2 was least recently used");
        assert!(c.get(&k(1)).is_some());
        assert!(c.get(&k(3)).is_some());
        assert_eq!(c.bytes(), 80);
    }

    #[test]
    fn a_value_larger_than_the_budget_is_not_stored() {
        let c = ResultCache::new(10);
        c.insert(k(1), Arc::new(1), 11);
        assert!(c.is_empty());
    }

    #[test]
    fn replacing_a_key_keeps_the_byte_count_right() {
        let c = ResultCache::new(100);
        c.insert(k(1), Arc::new(1), 30);
        c.insert(k(1), Arc::new(2), 50);
        assert_eq!(c.bytes(), 50);
        assert_eq!(c.get(&k(1)).map(|v| *v), Some(2));
    }
}
