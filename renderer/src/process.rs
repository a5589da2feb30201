//! [`ProcessMemory`]: this process's resident memory now and at its peak, as the kernel
//! counts it (`VmRSS`, `VmHWM` in `/proc/self/status`), for `/metrics`. Linux only; other
//! systems report nothing rather than a made-up figure.

/// Resident set sizes, bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessMemory {
    /// Resident now.
    pub rss_bytes: u64,
    /// The most ever resident (the high-water mark).
    pub peak_rss_bytes: u64,
}

impl ProcessMemory {
    /// Reads this process's figures; `None` where `/proc` is not available.
    #[must_use]
    pub fn read() -> Option<Self> {
        Self::parse(&std::fs::read_to_string("/proc/self/status").ok()?)
    }

    /// The figures in the text of a `/proc/<pid>/status` file.
    fn parse(status: &str) -> Option<Self> {
        let kib = |field: &str| -> Option<u64> {
            let line = status.lines().find(|l| l.starts_with(field))?;
            let value = line[field.len()..].trim().trim_end_matches("kB").trim();
            value.parse::<u64>().ok().map(|k| k * 1024)
        };
        Some(Self {
            rss_bytes: kib("VmRSS:")?,
            peak_rss_bytes: kib("VmHWM:")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_kernel_status_format() {
        let text =
            "Name:\trenderer\nVmPeak:\t  900000 kB\nVmHWM:\t  123456 kB\nVmRSS:\t   65432 kB\n";
        assert_eq!(
            ProcessMemory::parse(text),
            Some(ProcessMemory {
                rss_bytes: 65_432 * 1024,
                peak_rss_bytes: 123_456 * 1024
            })
        );
        assert_eq!(ProcessMemory::parse("Name:\tx\n"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_has_a_peak_at_least_its_current_size() {
        let m = ProcessMemory::read().expect("/proc/self/status on Linux");
        assert!(m.rss_bytes > 0 && m.peak_rss_bytes >= m.rss_bytes, "{m:?}");
    }
}
