//! `HttpCounts`: responses by matched route and status. Every request counts one, so a pair
//! seen before is counted under a shared read lock with one atomic add and no allocation;
//! only a pair's first response takes the write lock.

use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use hashbrown::{Equivalent, HashMap};
use parking_lot::RwLock;

/// The counts. Routes are the router's matched paths (or `unmatched`), so the pairs are few.
#[derive(Debug, Default)]
pub struct HttpCounts {
    map: RwLock<HashMap<(Box<str>, u16), AtomicU64>>,
}

/// A borrowed `(route, status)` that finds the owned key (hashes as the tuple does).
struct Pair<'a>(&'a str, u16);

impl Hash for Pair<'_> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.0.hash(h);
        self.1.hash(h);
    }
}

impl Equivalent<(Box<str>, u16)> for Pair<'_> {
    fn equivalent(&self, key: &(Box<str>, u16)) -> bool {
        *key.0 == *self.0 && key.1 == self.1
    }
}

impl HttpCounts {
    /// Counts one response.
    pub fn count(&self, route: &str, status: u16) {
        if let Some(n) = self.map.read().get(&Pair(route, status)) {
            n.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.map
            .write()
            .entry((route.into(), status))
            .or_default()
            .fetch_add(1, Ordering::Relaxed);
    }

    /// `(route, status, count)` sorted by route, then status.
    #[must_use]
    pub fn snapshot(&self) -> Vec<(String, u16, u64)> {
        let mut v: Vec<_> = self
            .map
            .read()
            .iter()
            .map(|((r, s), n)| (r.to_string(), *s, n.load(Ordering::Relaxed)))
            .collect();
        v.sort_unstable();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_pair_apart_and_lists_them_in_order() {
        let c = HttpCounts::default();
        for _ in 0..3 {
            c.count("/render", 200);
        }
        c.count("/render", 503);
        c.count("/health", 200);
        c.count(&String::from("/render"), 200);
        assert_eq!(
            c.snapshot(),
            vec![
                ("/health".into(), 200, 1),
                ("/render".into(), 200, 4),
                ("/render".into(), 503, 1),
            ]
        );
    }

    #[test]
    fn threads_lose_no_count() {
        let c = HttpCounts::default();
        std::thread::scope(|s| {
            for t in 0..4u16 {
                let c = &c;
                s.spawn(move || {
                    for i in 0..5_000u16 {
                        c.count(if i % 2 == 0 { "/a" } else { "/b" }, 200 + t % 2);
                    }
                });
            }
        });
        let total: u64 = c.snapshot().iter().map(|p| p.2).sum();
        assert_eq!(total, 20_000);
        assert_eq!(c.snapshot().len(), 4);
    }
}
