//! Counting and reporting: latency histograms per status class, merged per scenario, printed
//! as a table and written as JSON with the same figures.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde_json::{Value, json};

/// Largest latency a histogram tells apart, µs; longer ones are recorded as this.
const LATENCY_MAX_US: u64 = 600_000_000;

/// A latency histogram in microseconds, allocated on first use (about 150 KB each, and most
/// connections only ever see one or two status classes).
#[derive(Debug, Clone, Default)]
pub struct Latency(Option<Histogram<u64>>);

/// Percentiles of one [`Latency`], in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Recorded values.
    pub count: u64,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Largest value.
    pub max_ms: f64,
    /// Mean.
    pub mean_ms: f64,
}

impl Latency {
    fn histogram(&mut self) -> &mut Histogram<u64> {
        self.0.get_or_insert_with(|| {
            Histogram::new_with_bounds(1, LATENCY_MAX_US, 3)
                .expect("constant bounds hdrhistogram accepts: 1 ≤ low, high ≥ 2·low, 3 figures")
        })
    }

    /// Records one value in microseconds (clamped to the histogram's range).
    pub fn record_us(&mut self, us: u64) {
        self.histogram()
            .saturating_record(us.clamp(1, LATENCY_MAX_US));
    }

    /// Records one duration.
    pub fn record(&mut self, d: Duration) {
        self.record_us(u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &Self) {
        if let Some(o) = &other.0 {
            self.histogram()
                .add(o)
                .expect("both histograms have the same bounds");
        }
    }

    /// Values recorded.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.0.as_ref().map_or(0, Histogram::len)
    }

    /// Percentiles; `None` when nothing was recorded.
    #[must_use]
    pub fn summary(&self) -> Option<Summary> {
        let h = self.0.as_ref().filter(|h| !h.is_empty())?;
        let ms = |us: u64| us as f64 / 1e3;
        Some(Summary {
            count: h.len(),
            p50_ms: ms(h.value_at_quantile(0.50)),
            p90_ms: ms(h.value_at_quantile(0.90)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            max_ms: ms(h.max()),
            mean_ms: h.mean() / 1e3,
        })
    }
}

/// What one connection (or, merged, one scenario) saw.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Latency of 200 answers (request sent → body read).
    pub ok: Latency,
    /// Latency of 503 answers (queue full, breaker open, draining).
    pub rejected: Latency,
    /// Latency of any other status.
    pub other: Latency,
    /// Which other statuses, how often.
    pub other_statuses: BTreeMap<u16, u64>,
    /// Transport failures by kind (connect, timeout, closed, …): no status was read.
    pub errors: BTreeMap<&'static str, u64>,
    /// New connections opened after the first one (the server closed, or an error).
    pub reconnects: u64,
    /// Chunk answers with `"cached": true` (the texture store already held it).
    pub store_hits: u64,
    /// 200 answers whose body was not the JSON the scenario expects.
    pub bad_bodies: u64,
    /// `renderMs` of chunk answers: the server's own time, parse to answer.
    pub server_ms: Latency,
}

impl Stats {
    /// Records an answer.
    pub fn record_status(&mut self, status: u16, latency: Duration) {
        match status {
            200 => self.ok.record(latency),
            503 => self.rejected.record(latency),
            s => {
                self.other.record(latency);
                *self.other_statuses.entry(s).or_default() += 1;
            }
        }
    }

    /// Records a request that got no status.
    pub fn record_error(&mut self, kind: &'static str) {
        *self.errors.entry(kind).or_default() += 1;
    }

    /// Requests that got no status.
    #[must_use]
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// Adds `other`'s counts.
    pub fn merge(&mut self, other: &Self) {
        self.ok.merge(&other.ok);
        self.rejected.merge(&other.rejected);
        self.other.merge(&other.other);
        self.server_ms.merge(&other.server_ms);
        for (s, n) in &other.other_statuses {
            *self.other_statuses.entry(*s).or_default() += n;
        }
        for (k, n) in &other.errors {
            *self.errors.entry(k).or_default() += n;
        }
        self.reconnects += other.reconnects;
        self.store_hits += other.store_hits;
        self.bad_bodies += other.bad_bodies;
    }
}

/// One scenario's result.
#[derive(Debug, Clone)]
pub struct ScenarioReport {
    /// Scenario name.
    pub name: String,
    /// Connections it ran.
    pub connections: usize,
    /// Seconds measured (the rates' denominator).
    pub secs: f64,
    /// Merged counts of its connections.
    pub stats: Stats,
}

impl ScenarioReport {
    /// `count` per measured second.
    #[must_use]
    pub fn rate(&self, count: u64) -> f64 {
        if self.secs > 0.0 {
            count as f64 / self.secs
        } else {
            0.0
        }
    }

    /// Answers with status 200 per second.
    #[must_use]
    pub fn ok_rate(&self) -> f64 {
        self.rate(self.stats.ok.count())
    }

    fn classes(&self) -> [(&'static str, u64, Option<Summary>); 4] {
        let s = &self.stats;
        [
            ("200", s.ok.count(), s.ok.summary()),
            ("503", s.rejected.count(), s.rejected.summary()),
            ("other", s.other.count(), s.other.summary()),
            ("errors", s.error_count(), None),
        ]
    }

    /// The report as JSON (the same figures as the table).
    #[must_use]
    pub fn to_json(&self) -> Value {
        let s = &self.stats;
        let mut counts = serde_json::Map::new();
        let mut rates = serde_json::Map::new();
        let mut latency = serde_json::Map::new();
        let mut total = 0;
        for (class, count, summary) in self.classes() {
            total += count;
            counts.insert(class.into(), json!(count));
            rates.insert(class.into(), json!(round3(self.rate(count))));
            if let Some(sum) = summary {
                latency.insert(class.into(), summary_json(&sum));
            }
        }
        let mut v = json!({
            "scenario": self.name,
            "connections": self.connections,
            "seconds": round3(self.secs),
            "requests": total,
            "count": counts,
            "perSecond": rates,
            "latencyMs": latency,
            "otherStatuses": s.other_statuses.iter().map(|(k, n)| (k.to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
            "errorKinds": s.errors,
            "reconnects": s.reconnects,
        });
        if self.name == "chunk" {
            v["chunk"] = json!({
                "storeHits": s.store_hits,
                "badBodies": s.bad_bodies,
                "serverRenderMs": s.server_ms.summary().map(|m| summary_json(&m)),
            });
        }
        v
    }
}

/// A whole run.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The server's base URL.
    pub url: String,
    /// Seconds measured.
    pub secs: f64,
    /// Seconds of warm-up before measuring (not counted).
    pub warmup_secs: f64,
    /// Client runtime threads.
    pub threads: usize,
    /// Per scenario, in the order given.
    pub scenarios: Vec<ScenarioReport>,
}

impl RunReport {
    /// The report as JSON.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "url": self.url,
            "seconds": round3(self.secs),
            "warmupSeconds": round3(self.warmup_secs),
            "threads": self.threads,
            "scenarios": self.scenarios.iter().map(ScenarioReport::to_json).collect::<Vec<_>>(),
        })
    }

    /// The human table: one row per scenario and status class, then notes (other statuses,
    /// error kinds, chunk store hits and server time) where there is something to say.
    #[must_use]
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<9} {:>5}  {:<6} {:>9} {:>10} {:>9} {:>9} {:>9} {:>9}",
            "scenario", "conns", "class", "count", "rate/s", "p50 ms", "p90 ms", "p99 ms", "max ms"
        );
        for r in &self.scenarios {
            for (class, count, summary) in r.classes() {
                let _ = write!(
                    out,
                    "{:<9} {:>5}  {:<6} {:>9} {:>10.1}",
                    r.name,
                    r.connections,
                    class,
                    count,
                    r.rate(count)
                );
                match summary {
                    Some(m) => {
                        let _ = writeln!(
                            out,
                            " {:>9.3} {:>9.3} {:>9.3} {:>9.3}",
                            m.p50_ms, m.p90_ms, m.p99_ms, m.max_ms
                        );
                    }
                    None => {
                        let _ = writeln!(out, " {:>9} {:>9} {:>9} {:>9}", "-", "-", "-", "-");
                    }
                }
            }
        }
        for r in &self.scenarios {
            let s = &r.stats;
            if !s.other_statuses.is_empty() {
                let _ = writeln!(
                    out,
                    "  {}: other statuses: {}",
                    r.name,
                    tally(&s.other_statuses)
                );
            }
            if !s.errors.is_empty() {
                let _ = writeln!(out, "  {}: transport errors: {}", r.name, tally(&s.errors));
            }
            if s.reconnects > 0 {
                let _ = writeln!(out, "  {}: {} reconnects", r.name, s.reconnects);
            }
            if r.name == "chunk" {
                let _ = write!(
                    out,
                    "  chunk: {} of {} answers were texture-store hits",
                    s.store_hits,
                    s.ok.count()
                );
                if let Some(m) = s.server_ms.summary() {
                    let _ = write!(
                        out,
                        "; server renderMs p50 {:.3} p99 {:.3}",
                        m.p50_ms, m.p99_ms
                    );
                }
                if s.bad_bodies > 0 {
                    let _ = write!(out, "; {} unexpected bodies", s.bad_bodies);
                }
                out.push('\n');
            }
        }
        out
    }
}

fn tally<K: std::fmt::Display>(m: &BTreeMap<K, u64>) -> String {
    m.iter()
        .map(|(k, n)| format!("{k} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn summary_json(s: &Summary) -> Value {
    json!({
        "count": s.count,
        "p50": round3(s.p50_ms),
        "p90": round3(s.p90_ms),
        "p99": round3(s.p99_ms),
        "max": round3(s.max_ms),
        "mean": round3(s.mean_ms),
    })
}

fn round3(x: f64) -> f64 {
    (x * 1e3).round() / 1e3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn sample() -> RunReport {
        let mut a = Stats::default();
        for i in 1..=100 {
            a.record_status(200, ms(i));
        }
        a.record_status(503, Duration::from_micros(300));
        let mut b = Stats::default();
        b.record_status(503, Duration::from_micros(500));
        b.record_status(404, ms(1));
        b.record_error("timeout");
        b.reconnects = 2;
        a.merge(&b);
        let mut health = Stats::default();
        health.record_status(200, ms(2));
        RunReport {
            url: "http://127.0.0.1:1".into(),
            secs: 2.0,
            warmup_secs: 0.0,
            threads: 1,
            scenarios: vec![
                ScenarioReport {
                    name: "varied".into(),
                    connections: 32,
                    secs: 2.0,
                    stats: a,
                },
                ScenarioReport {
                    name: "health".into(),
                    connections: 1,
                    secs: 2.0,
                    stats: health,
                },
            ],
        }
    }

    #[test]
    fn merged_stats_keep_200s_503s_and_errors_apart() {
        let r = sample();
        let s = &r.scenarios[0].stats;
        assert_eq!(
            (s.ok.count(), s.rejected.count(), s.other.count()),
            (100, 2, 1)
        );
        assert_eq!(s.error_count(), 1);
        assert_eq!(s.other_statuses.get(&404), Some(&1));
        assert_eq!(s.reconnects, 2);
        let ok = s.ok.summary().expect("200s");
        assert!((ok.p50_ms - 50.0).abs() < 0.1, "{ok:?}");
        assert!((ok.p99_ms - 99.0).abs() < 0.1, "{ok:?}");
        assert!((ok.max_ms - 100.0).abs() < 0.1, "{ok:?}");
        let rej = s.rejected.summary().expect("503s");
        assert!(rej.max_ms < 0.51, "503 latency is its own: {rej:?}");
        assert_eq!(Latency::default().summary(), None);
    }

    #[test]
    fn the_table_has_a_row_per_class_with_rates_and_percentiles() {
        let t = sample().table();
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].starts_with("scenario  conns  class"), "{t}");
        let row = |name: &str, class: &str| -> Vec<String> {
            lines
                .iter()
                .map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
                .find(|f| f.len() > 2 && f[0] == name && f[2] == class)
                .unwrap_or_else(|| panic!("no {name} {class} row in\n{t}"))
        };
        let ok = row("varied", "200");
        assert_eq!(&ok[1..5], ["32", "200", "100", "50.0"]);
        assert_eq!(ok[7], "99.007", "p99 column: {t}");
        let rej = row("varied", "503");
        assert_eq!(&rej[3..5], ["2", "1.0"]);
        assert_eq!(row("varied", "errors")[5..], ["-", "-", "-", "-"]);
        assert_eq!(row("health", "200")[3], "1");
        assert!(t.contains("varied: other statuses: 404 ×1"), "{t}");
        assert!(t.contains("varied: transport errors: timeout ×1"), "{t}");
    }

    #[test]
    fn the_json_carries_the_same_figures() {
        let r = sample();
        let v = r.to_json();
        let s = &v["scenarios"][0];
        assert_eq!(s["scenario"], "varied");
        assert_eq!(s["requests"], 104);
        assert_eq!(s["count"]["200"], 100);
        assert_eq!(s["count"]["503"], 2);
        assert_eq!(s["count"]["errors"], 1);
        assert_eq!(s["perSecond"]["200"], 50.0);
        assert_eq!(s["latencyMs"]["200"]["p99"], 99.007);
        assert!(
            s["latencyMs"]["503"]["max"]
                .as_f64()
                .is_some_and(|m| m < 0.51)
        );
        assert_eq!(s["otherStatuses"]["404"], 1);
        assert_eq!(s["errorKinds"]["timeout"], 1);
        assert!(s.get("chunk").is_none());
        assert_eq!(v["scenarios"][1]["latencyMs"].get("503"), None);
    }
}
