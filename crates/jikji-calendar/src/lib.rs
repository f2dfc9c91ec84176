//! UTC calendar math for Jikji, without a calendar crate.
//!
//! * Month keys, `YYYY-MM` in UTC: the key of the monthly quota and usage counters
//!   ([`current_month`], [`month_of_millis`]) and the check that a caller's month is one ([`is_month`]).
//! * Day keys, `YYYY-MM-DD` in UTC: the key of the daily usage statistics ([`day_of_millis`],
//!   [`current_day`], [`is_day`]).
//! * Today's date ([`today_utc`]): the "not in the future" check of dates printed on documents.
//! * Timestamps for people, `YYYY-MM-DD HH:MM UTC` ([`format_utc_millis`], [`format_utc_now`]):
//!   domain listings, accuracy and benchmark reports.
//!
//! Timestamps are Unix milliseconds ([`now_millis`]), as the store keeps them.

/// Now, in Unix milliseconds (0 if the clock is before 1970).
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Current month in UTC as `YYYY-MM` (the key for quotas and usage).
pub fn current_month() -> String {
    month_of_millis(now_millis())
}

/// Month (`YYYY-MM`, UTC) of a Unix-milliseconds timestamp.
pub fn month_of_millis(ms: i64) -> String {
    let (year, month, ..) = civil_from_millis(ms);
    format!("{year:04}-{month:02}")
}

/// Is `s` a month key: `YYYY-MM` with four ASCII digits and a month 01–12?
pub fn is_month(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && matches!((b[5], b[6]), (b'0', b'1'..=b'9') | (b'1', b'0'..=b'2'))
}

/// Day (`YYYY-MM-DD`, UTC) of a Unix-milliseconds timestamp: the key of the daily usage statistics.
pub fn day_of_millis(ms: i64) -> String {
    let (y, m, d, ..) = civil_from_millis(ms);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Today in UTC as `YYYY-MM-DD`.
pub fn current_day() -> String {
    day_of_millis(now_millis())
}

/// Is `s` a day key: `YYYY-MM-DD` with a month 01–12 and a day that exists in that month?
pub fn is_day(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || !s.is_ascii() || !is_month(&s[..7]) || b[7] != b'-' || !b[8..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let year: i64 = s[..4].parse().unwrap_or(0);
    let month: u32 = s[5..7].parse().unwrap_or(0);
    let day: u32 = s[8..].parse().unwrap_or(0);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (1..=days).contains(&day)
}

/// Unix milliseconds of a day's start (00:00 UTC); `None` unless [`is_day`].
pub fn day_start_millis(day: &str) -> Option<i64> {
    if !is_day(day) {
        return None;
    }
    let y: i64 = day[..4].parse().ok()?;
    let m: i64 = day[5..7].parse().ok()?;
    let d: i64 = day[8..].parse().ok()?;
    // Howard Hinnant's days_from_civil
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400_000)
}

/// Whole days from `from` to `to` (negative when `to` is earlier; 0 when either is not a day).
pub fn days_between(from: &str, to: &str) -> i64 {
    match (day_start_millis(from), day_start_millis(to)) {
        (Some(a), Some(b)) => (b - a) / 86_400_000,
        _ => 0,
    }
}

/// `YYYY-MM-DD HH:MM UTC` of a Unix-milliseconds timestamp (for reports and listings).
pub fn format_utc_millis(ms: i64) -> String {
    let (y, m, d, hh, mm) = civil_from_millis(ms);
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02} UTC")
}

/// `YYYY-MM-DD HH:MM UTC` now.
pub fn format_utc_now() -> String {
    format_utc_millis(now_millis())
}

/// Today's date in UTC as (year, month, day): "not in the future" checks of printed dates.
pub fn today_utc() -> (i32, u32, u32) {
    let (y, m, d, ..) = civil_from_millis(now_millis());
    (y as i32, m as u32, d as u32)
}

/// (year, month, day, hour, minute) in UTC of a Unix-milliseconds timestamp, by Howard Hinnant's
/// civil_from_days.
fn civil_from_millis(ms: i64) -> (i64, i64, i64, i64, i64) {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, tod / 3600, (tod % 3600) / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months() {
        assert_eq!(month_of_millis(0), "1970-01");
        assert_eq!(month_of_millis(1_798_761_600_000 - 1), "2026-12"); // 2027-01-01T00:00Z minus 1 ms
        assert_eq!(month_of_millis(1_798_761_600_000), "2027-01");
        assert_eq!(month_of_millis(1_709_164_800_000), "2024-02"); // 2024-02-29
        assert_eq!(month_of_millis(-1), "1969-12");
        assert!(is_month(&current_month()));
        let (y, m, d) = today_utc();
        assert_eq!(format!("{y:04}-{m:02}"), current_month());
        assert!((1..=31).contains(&d));
    }

    #[test]
    fn month_keys() {
        for ok in ["2026-01", "2026-09", "2026-10", "2026-12", "0000-01"] {
            assert!(is_month(ok), "{ok}");
        }
        for bad in [
            "2026-13", "2026-00", "26-11", "2026-1", "2026/11", "2026-011", "２０２６-11", "",
        ] {
            assert!(!is_month(bad), "{bad}");
        }
    }

    #[test]
    fn day_keys() {
        assert_eq!(day_of_millis(0), "1970-01-01");
        assert_eq!(day_of_millis(1_709_251_199_999), "2024-02-29");
        assert_eq!(day_of_millis(1_798_761_600_000), "2027-01-01");
        assert!(is_day(&current_day()));
        for ms in [0, 1_709_164_800_000, 1_798_761_600_000, -86_400_000] {
            let day = day_of_millis(ms);
            assert_eq!(day_start_millis(&day), Some(ms), "{day}");
        }
        assert_eq!(days_between("2024-02-28", "2024-03-01"), 2);
        assert_eq!(days_between("2026-12-31", "2026-01-01"), -364);
        for ok in ["2024-02-29", "2026-12-31", "2000-02-29", "2026-04-30"] {
            assert!(is_day(ok), "{ok}");
        }
        for bad in ["2026-02-29", "1900-02-29", "2026-04-31", "2026-13-01", "2026-01-00", "2026-1-01", "2026-01-1x", "", "２０２6-01"] {
            assert!(!is_day(bad), "{bad}");
        }
    }

    #[test]
    fn utc_timestamps() {
        assert_eq!(format_utc_millis(0), "1970-01-01 00:00 UTC");
        // 2024-02-29T23:59:59.999Z, a leap day's last minute.
        assert_eq!(format_utc_millis(1_709_251_199_999), "2024-02-29 23:59 UTC");
        let now = format_utc_now();
        assert_eq!(now.len(), "2026-11-28 22:30 UTC".len(), "{now}");
        assert!(now.starts_with("20"), "{now}");
    }
}
