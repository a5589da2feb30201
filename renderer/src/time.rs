//! RFC 3339 timestamps from `SystemTime` without a date crate.

use std::time::{SystemTime, UNIX_EPOCH};

/// `2024-05-01T12:34:56.789Z`. Written digit by digit into its 24 bytes (every render
/// answer carries one; `format!` with padding took 3,400 instructions).
#[must_use]
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, day) = civil_from_days(days as i64);
    let (h, min, sec, ms) = (
        (rem / 3600) as u32,
        (rem / 60 % 60) as u32,
        (rem % 60) as u32,
        d.subsec_millis(),
    );
    let year = match u32::try_from(y) {
        Ok(year) if year <= 9999 => year,
        _ => return format!("{y:04}-{m:02}-{day:02}T{h:02}:{min:02}:{sec:02}.{ms:03}Z"),
    };
    let mut out = *b"0000-00-00T00:00:00.000Z";
    let fields = [
        (0, 4, year),
        (5, 2, m),
        (8, 2, day),
        (11, 2, h),
        (14, 2, min),
        (17, 2, sec),
        (20, 3, ms),
    ];
    for (at, width, mut n) in fields {
        for i in (at..at + width).rev() {
            out[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
    }
    // Cannot fail: every byte is an ASCII digit or one of `-T:.Z`.
    String::from_utf8(out.to_vec()).expect("ASCII")
}

/// Howard Hinnant's days → civil date.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn known_instants_format_as_rfc3339() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_709_210_096_123);
        assert_eq!(rfc3339(t), "2024-02-29T12:34:56.123Z");
        let t = UNIX_EPOCH + Duration::from_millis(253_402_300_799_999);
        assert_eq!(rfc3339(t), "9999-12-31T23:59:59.999Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_000_000_007);
        assert_eq!(rfc3339(t), "1970-01-12T13:46:40.007Z");
        let t = UNIX_EPOCH + Duration::from_secs(253_402_300_800 + 86_400 + 3_661);
        assert_eq!(
            rfc3339(t),
            "10000-01-02T01:01:01.000Z",
            "past 9999: longer, not wrong"
        );
    }
}
