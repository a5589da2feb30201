//! [`Exposition`]: the one writer of Prometheus text (exposition format 0.0.4) — every
//! family, the service's, the chunk textures' and the shared layer's, is written here.

use std::fmt::Write as _;

use super::histogram::Histogram;

/// A metric family's type line.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Only goes up.
    Counter,
    /// Goes up and down.
    Gauge,
}

impl Kind {
    const fn name(self) -> &'static str {
        match self {
            Self::Counter => "counter",
            Self::Gauge => "gauge",
        }
    }
}

/// The text being written.
#[derive(Debug, Default)]
pub struct Exposition {
    out: String,
}

impl Exposition {
    /// An empty exposition.
    #[must_use]
    pub fn new() -> Self {
        Self {
            out: String::with_capacity(8192),
        }
    }

    /// The text.
    #[must_use]
    pub fn finish(self) -> String {
        self.out
    }

    fn head(&mut self, name: &str, help: &str, kind: &str) {
        let _ = writeln!(self.out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    /// One unlabelled gauge.
    pub fn gauge(&mut self, name: &str, help: &str, value: u64) {
        self.single(name, help, Kind::Gauge, value);
    }

    /// One unlabelled counter.
    pub fn counter(&mut self, name: &str, help: &str, value: u64) {
        self.single(name, help, Kind::Counter, value);
    }

    fn single(&mut self, name: &str, help: &str, kind: Kind, value: u64) {
        self.head(name, help, kind.name());
        let _ = writeln!(self.out, "{name} {value}");
    }

    /// A family with one label: `name{label="value"} n` per series.
    pub fn family<'a>(
        &mut self,
        name: &str,
        help: &str,
        kind: Kind,
        label: &str,
        series: impl IntoIterator<Item = (&'a str, u64)>,
    ) {
        self.head(name, help, kind.name());
        for (value, n) in series {
            let _ = writeln!(self.out, "{name}{{{label}=\"{value}\"}} {n}");
        }
    }

    /// A family whose series carry preformatted label sets (`a="x",b="y"`).
    pub fn labelled<S: AsRef<str>>(
        &mut self,
        name: &str,
        help: &str,
        kind: Kind,
        series: impl IntoIterator<Item = (S, u64)>,
    ) {
        self.head(name, help, kind.name());
        for (labels, n) in series {
            let _ = writeln!(self.out, "{name}{{{}}} {n}", labels.as_ref());
        }
    }

    /// A histogram family; each series' labels preformatted (empty for none).
    pub fn histograms<'h, S: AsRef<str>>(
        &mut self,
        name: &str,
        help: &str,
        series: impl IntoIterator<Item = (S, &'h Histogram)>,
    ) {
        self.head(name, help, "histogram");
        for (labels, h) in series {
            let labels = labels.as_ref();
            let sep = if labels.is_empty() { "" } else { "," };
            for (b, c) in h.buckets() {
                let _ = writeln!(self.out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {c}");
            }
            let _ = writeln!(
                self.out,
                "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
                h.count()
            );
            // An unlabelled series is written without braces.
            let set = if labels.is_empty() {
                String::new()
            } else {
                format!("{{{labels}}}")
            };
            let _ = writeln!(self.out, "{name}_sum{set} {}", h.sum());
            let _ = writeln!(self.out, "{name}_count{set} {}", h.count());
        }
    }
}
