//! Identical in-flight requests share one render: the first becomes the leader and does the
//! work; later ones wait for its answer. A leader that goes away (client disconnected) lets
//! its followers know, and they do the work themselves. [`Coalescer::run`] is the whole
//! protocol; [`Coalescer::join`] and [`follow`] are its parts.
//!
//! A lone leader, the common case, costs one map insert and one remove under the lock and
//! allocates nothing of its own: each follower brings its own one-shot channel, and the
//! leader answers them after taking its entry out of the map.

use parking_lot::Mutex;
use tokio::sync::oneshot;

use crate::cache::Key;

/// The in-flight table.
#[derive(Debug)]
pub struct Coalescer<T> {
    /// Per key in flight, the followers waiting for its leader's answer. Only the leader
    /// removes the entry, once: a key's entry is its leader's until then.
    inflight: Mutex<hashbrown::HashMap<Key, Vec<oneshot::Sender<T>>>>,
}

impl<T> Default for Coalescer<T> {
    fn default() -> Self {
        Self {
            inflight: Mutex::new(hashbrown::HashMap::new()),
        }
    }
}

/// Whether [`Coalescer::run`] did the work or shared another caller's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shared {
    /// This caller ran the work.
    Led,
    /// Another caller ran it; this one got its answer.
    Followed,
}

/// This request's part in the work for a key.
#[derive(Debug)]
pub enum Role<'a, T> {
    /// Do the work and [`Leader::finish`] it.
    Leader(Leader<'a, T>),
    /// Wait for the leader with [`follow`].
    Follower(oneshot::Receiver<T>),
}

/// The request doing the work; dropping it unfinished releases its followers.
#[derive(Debug)]
pub struct Leader<'a, T> {
    owner: &'a Coalescer<T>,
    key: Key,
    /// Set once the entry is removed, so dropping never removes a later leader's entry.
    done: bool,
}

impl<T: Clone> Coalescer<T> {
    /// Joins the work for `key`.
    pub fn join(&self, key: Key) -> Role<'_, T> {
        let mut map = self.inflight.lock();
        if let Some(followers) = map.get_mut(&key) {
            let (tx, rx) = oneshot::channel();
            followers.push(tx);
            return Role::Follower(rx);
        }
        map.insert(key, Vec::new());
        Role::Leader(Leader {
            owner: self,
            key,
            done: false,
        })
    }

    /// Runs `work` once for every concurrent caller with `key`: the first runs it, the others
    /// wait for its answer ([`Shared::Followed`]). When a leader goes away unfinished, a
    /// waiting caller runs `work` itself (and may lead); `None` after three such losses in a
    /// row, which only a storm of cancelled requests produces.
    pub async fn run<F, Fut>(&self, key: Key, work: F) -> Option<(T, Shared)>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        let mut work = Some(work);
        for _ in 0..3 {
            match self.join(key) {
                Role::Leader(leader) => {
                    let work = work.take()?;
                    let value = work().await;
                    leader.finish(value.clone());
                    return Some((value, Shared::Led));
                }
                Role::Follower(rx) => {
                    if let Some(value) = follow(rx).await {
                        return Some((value, Shared::Followed));
                    }
                }
            }
        }
        None
    }

    /// Keys in flight.
    #[must_use]
    pub fn len(&self) -> usize {
        self.inflight.lock().len()
    }

    /// True when nothing is in flight.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Leader<'_, T> {
    /// Takes this leader's entry out of the map (the first time only), with whoever waits.
    fn take_followers(&mut self) -> Vec<oneshot::Sender<T>> {
        if std::mem::replace(&mut self.done, true) {
            return Vec::new();
        }
        self.owner
            .inflight
            .lock()
            .remove(&self.key)
            .unwrap_or_default()
    }
}

impl<T: Clone> Leader<'_, T> {
    /// Hands the result to every follower (outside the lock).
    pub fn finish(mut self, value: T) {
        for follower in self.take_followers() {
            // A follower that went away needs no answer.
            let _ = follower.send(value.clone());
        }
        // Drop finds the entry gone.
    }
}

impl<T> Drop for Leader<'_, T> {
    fn drop(&mut self) {
        // Unfinished: dropping the senders tells each follower to try again.
        drop(self.take_followers());
    }
}

/// Waits for the leader's answer; `None` when the leader went away without one.
pub async fn follow<T>(rx: oneshot::Receiver<T>) -> Option<T> {
    rx.await.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn followers_get_the_leaders_answer_and_the_entry_is_removed() {
        let c: Coalescer<u32> = Coalescer::default();
        let Role::Leader(leader) = c.join([1; 32]) else {
            panic!("first is leader");
        };
        let Role::Follower(rx) = c.join([1; 32]) else {
            panic!("second follows");
        };
        let waiter = tokio::spawn(follow(rx));
        leader.finish(7);
        assert_eq!(waiter.await.expect("joins"), Some(7));
        assert!(c.is_empty());
    }

    #[tokio::test]
    async fn run_does_the_work_once_for_concurrent_callers() {
        let c: std::sync::Arc<Coalescer<u32>> = std::sync::Arc::default();
        let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (go, wait) = tokio::sync::watch::channel(false);
        let first = {
            let (c, runs, mut wait) = (c.clone(), runs.clone(), wait.clone());
            tokio::spawn(async move {
                c.run([3; 32], || async move {
                    runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let _ = wait.wait_for(|g| *g).await;
                    5
                })
                .await
            })
        };
        while c.is_empty() {
            tokio::task::yield_now().await;
        }
        let second = {
            let (c, runs) = (c.clone(), runs.clone());
            tokio::spawn(async move {
                c.run([3; 32], || async move {
                    runs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    6
                })
                .await
            })
        };
        tokio::task::yield_now().await;
        go.send_replace(true);
        assert_eq!(first.await.expect("joins"), Some((5, Shared::Led)));
        assert_eq!(second.await.expect("joins"), Some((5, Shared::Followed)));
        assert_eq!(runs.load(std::sync::atomic::Ordering::SeqCst), 1);
        drop(wait);
    }

    #[test]
    fn every_follower_still_waiting_gets_the_answer_and_a_gone_one_is_skipped() {
        let c: Coalescer<u32> = Coalescer::default();
        let Role::Leader(leader) = c.join([4; 32]) else {
            panic!("first is leader");
        };
        let mut waiting = Vec::new();
        for _ in 0..3 {
            let Role::Follower(rx) = c.join([4; 32]) else {
                panic!("the others follow");
            };
            waiting.push(rx);
        }
        drop(waiting.remove(1));
        assert!(
            matches!(c.join([5; 32]), Role::Leader(_)),
            "another key leads"
        );
        leader.finish(9);
        for mut rx in waiting {
            assert_eq!(rx.try_recv().ok(), Some(9));
        }
        assert!(c.is_empty(), "both entries gone");
    }

    #[tokio::test]
    async fn a_vanished_leader_releases_its_followers_with_nothing() {
        let c: Coalescer<u32> = Coalescer::default();
        let leader = c.join([2; 32]);
        let Role::Follower(rx) = c.join([2; 32]) else {
            panic!("second follows");
        };
        drop(leader);
        assert_eq!(follow(rx).await, None);
        assert!(matches!(c.join([2; 32]), Role::Leader(_)));
    }
}
