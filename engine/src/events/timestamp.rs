//! ISO 8601 timestamps of event logs: with an offset or `Z` they are exact; without one they
//! are local time in England (Europe/London), as NHS systems record them.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone};
use chrono_tz::Europe::London;

/// Reads an ISO 8601 date-time (`2024-03-01T09:30:00Z`, `2024-03-01T09:30:00.250+01:00`,
/// `2024-03-01 09:30:00`, `2024-03-01T09:30`) as milliseconds since the Unix epoch. A time
/// without an offset is Europe/London local time: in the autumn hour that happens twice the
/// earlier is taken; a time in the spring gap does not exist and is an error. O(len).
pub fn parse_timestamp(text: &str) -> Result<i64, String> {
    if let Some(ms) = fast_utc(text.as_bytes()) {
        return Ok(ms);
    }
    let text = text.trim();
    if let Some(ms) = fast_utc(text.as_bytes()) {
        return Ok(ms);
    }
    // chrono's parsers accept one-digit fields, so a time cut short (`2024-01-01T00:0`) would
    // be read as a whole one: the layout is checked first.
    if !well_formed(text.as_bytes()) {
        return Err(NOT_ISO.to_string());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.timestamp_millis());
    }
    if let Ok(t) = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Ok(t.timestamp_millis());
    }
    const NAIVE: [&str; 4] = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ];
    let naive = NAIVE
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .ok_or_else(|| NOT_ISO.to_string())?;
    match London.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(t.timestamp_millis()),
        LocalResult::Ambiguous(earlier, _) => Ok(earlier.timestamp_millis()),
        LocalResult::None => Err(
            "does not exist in Europe/London local time (the clocks went forward); give an offset"
                .to_string(),
        ),
    }
}

const NOT_ISO: &str =
    "is not an ISO 8601 date-time (like 2024-03-01T09:30:00Z or 2024-03-01 09:30:00)";

/// Whether `b` has the layout `YYYY-MM-DD(T| )HH:MM[:SS[.f…]][Z|±HH:MM|±HHMM]`, every field
/// at full width. O(len).
fn well_formed(b: &[u8]) -> bool {
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if !(digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && matches!(b.get(10), Some(b'T' | b' '))
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16))
    {
        return false;
    }
    let mut i = 16;
    if b.get(i) == Some(&b':') {
        if !digits(i + 1..i + 3) {
            return false;
        }
        i += 3;
        if b.get(i) == Some(&b'.') {
            let start = i + 1;
            i = start;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return false;
            }
        }
    }
    match &b[i..] {
        [] | [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] | [b'+' | b'-', h1, h2, m1, m2] => {
            [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit())
        }
        _ => false,
    }
}

/// The common machine layout `YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)`, read without
/// allocating; anything else returns `None` for the general parser.
fn fast_utc(b: &[u8]) -> Option<i64> {
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let mut v = 0i64;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + (c - b'0') as i64;
        }
        Some(v)
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b[i] == b'.' {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
        let digits = &b[start..i.min(start + 3)];
        for k in 0..3 {
            millis = millis * 10 + digits.get(k).map_or(0, |&d| (d - b'0') as i64);
        }
    }
    let offset_minutes = match &b[i..] {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digits = [*h1, *h2, *m1, *m2];
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let v = ((h1 - b'0') as i64 * 10 + (h2 - b'0') as i64) * 60
                + (m1 - b'0') as i64 * 10
                + (m2 - b'0') as i64;
            if *sign == b'-' { -v } else { v }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1000 + millis)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chrono_ms(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    #[test]
    fn offsets_and_zulu_are_exact() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(
            parse_timestamp("2023-01-02T00:00:00.000+00:00"),
            Ok(chrono_ms("2023-01-02T00:00:00Z"))
        );
        assert_eq!(
            parse_timestamp("2024-06-01T10:00:00+01:00"),
            Ok(chrono_ms("2024-06-01T09:00:00Z"))
        );
        assert_eq!(
            parse_timestamp("2024-06-01T10:00:00.25Z"),
            Ok(chrono_ms("2024-06-01T10:00:00Z") + 250)
        );
    }

    #[test]
    fn naive_times_are_london_local_time() {
        // Winter: GMT; summer: BST (UTC+1).
        assert_eq!(
            parse_timestamp("2024-01-15 09:00:00"),
            Ok(chrono_ms("2024-01-15T09:00:00Z"))
        );
        assert_eq!(
            parse_timestamp("2024-07-15T09:00:00"),
            Ok(chrono_ms("2024-07-15T08:00:00Z"))
        );
        // 27 October 2024: 01:30 happens twice; the earlier (BST) is taken.
        assert_eq!(
            parse_timestamp("2024-10-27 01:30:00"),
            Ok(chrono_ms("2024-10-27T00:30:00Z"))
        );
        // 31 March 2024: 01:30 never happens.
        let err = parse_timestamp("2024-03-31 01:30:00").unwrap_err();
        assert!(err.contains("clocks went forward"), "{err}");
    }

    #[test]
    fn nonsense_is_refused() {
        for bad in [
            "",
            "yesterday",
            "2024-02-30T10:00:00Z",
            "2024-13-01T10:00:00Z",
            "2024-01-01T25:00:00Z",
            // Issue 12: cut short, these were read as midnight.
            "2024-01-01T00:0",
            "2024-01-01 00:0",
            "2024-01-01T00:00:0",
            "2024-01-01T0:00",
            "2024-01-01T00:00:0+01:00",
            "2024-1-01T00:00",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn the_fast_path_agrees_with_chrono(secs in -2_000_000_000i64..4_000_000_000i64,
                                            ms in 0i64..1000, off in -14i64 * 60..14 * 60) {
            let t = DateTime::from_timestamp_millis(secs * 1000 + ms).unwrap();
            let off = chrono::FixedOffset::east_opt((off * 60) as i32).unwrap();
            let text = t.with_timezone(&off).format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string();
            prop_assert_eq!(fast_utc(text.as_bytes()), Some(secs * 1000 + ms), "{}", text);
            let zulu = t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
            prop_assert_eq!(fast_utc(zulu.as_bytes()), Some(secs * 1000));
        }
    }
}
