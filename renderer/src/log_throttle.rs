//! `LogThrottle`: at most one log line per interval for events that can happen thousands of
//! times a second (load shed, a queue near its bound). The metrics count every event; the
//! log says that it is happening and how often, without becoming the overload's own cost.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// One throttled log line's state; `static` in the module that logs.
#[derive(Debug)]
pub struct LogThrottle {
    every_ms: u64,
    /// Milliseconds since [`epoch`] after which the next line may be written.
    next_ms: AtomicU64,
    /// Events since the last line written.
    pending: AtomicU64,
}

impl LogThrottle {
    /// A throttle writing at most one line per `every`.
    #[must_use]
    pub const fn new(every: Duration) -> Self {
        Self {
            every_ms: every.as_millis() as u64,
            next_ms: AtomicU64::new(0),
            pending: AtomicU64::new(0),
        }
    }

    /// Counts one event; `Some(n)` when a line is due now, `n` being the events it covers
    /// (this one included). Exactly one caller wins each interval.
    pub fn tick(&self) -> Option<u64> {
        self.tick_at(now_ms())
    }

    fn tick_at(&self, now: u64) -> Option<u64> {
        self.pending.fetch_add(1, Ordering::Relaxed);
        let next = self.next_ms.load(Ordering::Relaxed);
        if now < next {
            return None;
        }
        self.next_ms
            .compare_exchange(
                next,
                now + self.every_ms,
                Ordering::Relaxed,
                Ordering::Relaxed,
            )
            .ok()?;
        Some(self.pending.swap(0, Ordering::Relaxed))
    }
}

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_ms() -> u64 {
    u64::try_from(epoch().elapsed().as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_interval_reporting_every_event_it_covers() {
        let t = LogThrottle::new(Duration::from_secs(10));
        assert_eq!(t.tick_at(5), Some(1), "the first event is logged at once");
        for ms in 6..1000 {
            assert_eq!(t.tick_at(ms), None, "at {ms} ms");
        }
        assert_eq!(t.tick_at(10_004), None, "still inside the interval");
        assert_eq!(
            t.tick_at(10_005),
            Some(996),
            "the next line covers the 996 events since"
        );
        assert_eq!(t.tick_at(10_006), None);
    }

    #[test]
    fn racing_threads_write_one_line_and_lose_no_count() {
        let t = LogThrottle::new(Duration::from_secs(3600));
        let (lines, covered) = std::thread::scope(|s| {
            let hs: Vec<_> = (0..4)
                .map(|_| s.spawn(|| (0..10_000).filter_map(|_| t.tick_at(1)).collect::<Vec<_>>()))
                .collect();
            hs.into_iter()
                .flat_map(|h| h.join().unwrap())
                .fold((0, 0), |(l, c), n| (l + 1, c + n))
        });
        assert_eq!(lines, 1, "one winner in the interval");
        let last = t.tick_at(3_600_001).unwrap();
        assert_eq!(covered + last, 40_001, "every event counted in some line");
    }
}
