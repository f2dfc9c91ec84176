//! UTC calendar math for Jikji, without a calendar crate.
//!
//! * Month keys, `YYYY-MM` in UTC: the key of the monthly quota and usage counters
//!   ([`current_month`], [`month_of_millis`]) and the check that a caller's month is one ([`is_month`]).
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
    fn utc_timestamps() {
        assert_eq!(format_utc_millis(0), "1970-01-01 00:00 UTC");
        // 2024-02-29T23:59:59.999Z, a leap day's last minute.
        assert_eq!(format_utc_millis(1_709_251_199_999), "2024-02-29 23:59 UTC");
        let now = format_utc_now();
        assert_eq!(now.len(), "2026-11-28 22:30 UTC".len(), "{now}");
        assert!(now.starts_with("20"), "{now}");
    }
}
