//! Timestamps of event logs as exports write them: ISO 8601 (with or without `T`, fractional
//! seconds and an offset), Disco's `YYYY/MM/DD HH:MM:SS.fff`, the UK's `DD/MM/YYYY HH:MM` or any
//! strftime pattern the user gives. A time with an offset or `Z` is exact; one without is local
//! time in the zone the log was written in (Europe/London unless the user says otherwise).
//!
//! The three fixed layouts are read by hand, byte by byte: chrono's `parse_from_str` accepts
//! one-digit fields (so `2024-01-01T00:0` would pass as midnight) and costs about ten times as
//! much, which matters at 10^7 rows. User patterns go to chrono.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone};
pub use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The zone offset-less times are read in unless the user names another.
pub const DEFAULT_ZONE: Tz = chrono_tz::Europe::London;

/// How the timestamps of a log are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimestampFormat {
    /// ISO 8601: `2024-03-01T09:30:00Z`, `2024-03-01 09:30:00.250`, `2024-03-01T09:30+01:00`.
    Iso,
    /// `YYYY/MM/DD HH:MM[:SS[.fff]]`, as Disco and some reporting tools export.
    YearFirstSlashes,
    /// `DD/MM/YYYY HH:MM[:SS[.fff]]`, the UK order.
    DayFirstSlashes,
    /// A strftime pattern the user gave (`%m/%d/%Y %H:%M` for the US order).
    Pattern(String),
}

impl TimestampFormat {
    /// The format as `--timestamp-format` names it: `iso`, `YYYY/MM/DD`, `DD/MM/YYYY`, or a
    /// strftime pattern (anything holding `%`). O(len).
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        match t.to_ascii_lowercase().as_str() {
            "iso" | "iso8601" | "iso-8601" => return Ok(Self::Iso),
            "yyyy/mm/dd" => return Ok(Self::YearFirstSlashes),
            "dd/mm/yyyy" => return Ok(Self::DayFirstSlashes),
            _ => {}
        }
        if !t.contains('%') {
            return Err(format!(
                "'{t}' is not a timestamp format: give iso, YYYY/MM/DD, DD/MM/YYYY or a strftime pattern such as '%m/%d/%Y %H:%M'"
            ));
        }
        // A pattern chrono cannot use fails on every row; say so once, up front.
        if chrono::format::StrftimeItems::new(t).parse().is_err() {
            return Err(format!("'{t}' is not a valid strftime pattern"));
        }
        Ok(Self::Pattern(t.to_string()))
    }

    /// How the format is shown to the user.
    pub fn describe(&self) -> String {
        match self {
            Self::Iso => "ISO 8601".into(),
            Self::YearFirstSlashes => "YYYY/MM/DD HH:MM:SS".into(),
            Self::DayFirstSlashes => "DD/MM/YYYY HH:MM:SS".into(),
            Self::Pattern(p) => format!("pattern {p}"),
        }
    }

    /// Reads `text` in this format. O(len).
    fn fields(&self, text: &str) -> Option<Fields> {
        let b = text.as_bytes();
        match self {
            Self::Iso => iso(b),
            Self::YearFirstSlashes => year_first(b),
            Self::DayFirstSlashes => day_first(b),
            Self::Pattern(p) => pattern(text, p),
        }
    }
}

/// A date-time read from text: the local date and time, and its offset when it had one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fields {
    /// Milliseconds since 1970-01-01T00:00 of the local date and time.
    local_ms: i64,
    offset_minutes: Option<i64>,
}

/// The timestamp formats tried on the first row, in order.
const DETECTED: [TimestampFormat; 3] = [
    TimestampFormat::Iso,
    TimestampFormat::YearFirstSlashes,
    TimestampFormat::DayFirstSlashes,
];

/// How many local times the clocks skipped or repeated: moved forward or taken at their first
/// occurrence, never refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClockChanges {
    /// Local times in the spring gap, moved forward by the gap.
    pub moved_forward: u64,
    /// Local times in the autumn hour that happens twice, taken at the first.
    pub repeated: u64,
}

/// Reads one log's timestamps: the format is fixed by the user or detected from the first
/// value, and every later value must be in it; offset-less times are read in `zone`.
#[derive(Debug, Clone)]
pub struct TimestampReader {
    format: Option<TimestampFormat>,
    zone: Tz,
    pub clock_changes: ClockChanges,
    /// The local hour (ms since epoch / 3,600,000) whose offset is known to be constant, and
    /// that offset in ms: exports run in time order, so nearly every row hits it.
    hour_cache: Option<(i64, i64)>,
}

impl TimestampReader {
    /// A reader of timestamps in `format` (detected from the first value when `None`) with
    /// offset-less times in `zone`.
    pub fn new(format: Option<TimestampFormat>, zone: Tz) -> Self {
        Self {
            format,
            zone,
            clock_changes: ClockChanges::default(),
            hour_cache: None,
        }
    }

    /// The format in use: given, or detected from the first value read (`None` before).
    pub fn format(&self) -> Option<&TimestampFormat> {
        self.format.as_ref()
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// Reads one timestamp as milliseconds since the Unix epoch, UTC. O(len); O(log zones'
    /// transitions) for the first time in each local hour.
    pub fn read(&mut self, text: &str) -> Result<i64, String> {
        let text = text.trim();
        let fields = match &self.format {
            Some(format) => format.fields(text).ok_or_else(|| match format {
                TimestampFormat::Pattern(p) => format!("does not match the pattern {p}"),
                f if DETECTED.iter().any(|d| d.fields(text).is_some()) => format!(
                    "is written differently from the rows before it ({}); a log's timestamps must share one format",
                    f.describe()
                ),
                f => format!("is not a date-time in the format {}", f.describe()),
            })?,
            None => {
                let (format, fields) = DETECTED
                    .iter()
                    .find_map(|f| Some((f.clone(), f.fields(text)?)))
                    .ok_or_else(|| NOT_RECOGNISED.to_string())?;
                self.format = Some(format);
                fields
            }
        };
        Ok(match fields.offset_minutes {
            Some(offset) => fields.local_ms - offset * 60_000,
            None => self.local(fields.local_ms),
        })
    }

    /// The UTC instant of a local time in the reader's zone.
    fn local(&mut self, local_ms: i64) -> i64 {
        let hour = local_ms.div_euclid(3_600_000);
        if let Some((h, offset_ms)) = self.hour_cache
            && h == hour
        {
            return local_ms - offset_ms;
        }
        let naive = |ms: i64| {
            DateTime::from_timestamp_millis(ms)
                .unwrap_or_default()
                .naive_utc()
        };
        let offset_ms = |o: &<Tz as TimeZone>::Offset| o.fix().local_minus_utc() as i64 * 1000;
        match self.zone.offset_from_local_datetime(&naive(local_ms)) {
            LocalResult::Single(o) => {
                let offset = offset_ms(&o);
                // The whole hour shares the offset when its first and last moments do.
                let first = self
                    .zone
                    .offset_from_local_datetime(&naive(hour * 3_600_000));
                let last = self
                    .zone
                    .offset_from_local_datetime(&naive(hour * 3_600_000 + 3_599_999));
                if let (LocalResult::Single(a), LocalResult::Single(b)) = (first, last)
                    && offset_ms(&a) == offset
                    && offset_ms(&b) == offset
                {
                    self.hour_cache = Some((hour, offset));
                }
                local_ms - offset
            }
            LocalResult::Ambiguous(earlier, _) => {
                self.clock_changes.repeated += 1;
                local_ms - offset_ms(&earlier)
            }
            LocalResult::None => {
                // In the gap: read with the offset in force before it, which lands the same
                // distance past the gap's end (01:30 in London's spring gap is 02:30 BST).
                // Zones change their clocks at most a few times a year, so a day earlier is
                // before this change and after any other.
                self.clock_changes.moved_forward += 1;
                let before = self
                    .zone
                    .offset_from_utc_datetime(&(naive(local_ms) - TimeDelta::days(1)));
                local_ms - offset_ms(&before)
            }
        }
    }
}

const NOT_RECOGNISED: &str = "is not a date-time qiflow recognises (ISO 8601 like 2024-03-01T09:30:00Z, 2014/10/22 11:15:41.000 or 22/10/2014 11:15); give the format with --timestamp-format";

/// Parses an IANA zone name (`Europe/London`, `Europe/Amsterdam`, `UTC`). O(zones).
pub fn parse_zone(name: &str) -> Result<Tz, String> {
    name.trim().parse::<Tz>().map_err(|_| {
        format!("'{name}' is not a time zone: give an IANA name such as Europe/London, Europe/Amsterdam or UTC")
    })
}

/// Reads an ISO 8601 date-time (`2024-03-01T09:30:00Z`, `2024-03-01T09:30:00.250+01:00`,
/// `2024-03-01 09:30:00`, `2024-03-01T09:30`) as milliseconds since the Unix epoch, a time
/// without an offset being Europe/London local time (the autumn's repeated hour at its first
/// occurrence; the spring gap moved forward). For single values (API input, dates on the
/// command line); files go through a [`TimestampReader`]. O(len).
pub fn parse_timestamp(text: &str) -> Result<i64, String> {
    TimestampReader::new(Some(TimestampFormat::Iso), DEFAULT_ZONE)
        .read(text)
        .map_err(|_| NOT_ISO.to_string())
}

const NOT_ISO: &str =
    "is not an ISO 8601 date-time (like 2024-03-01T09:30:00Z or 2024-03-01 09:30:00)";

/// The digits of `b[range]` as a number, or `None` when any is not a digit or the range runs
/// past the end.
fn number(b: &[u8], range: std::ops::Range<usize>) -> Option<i64> {
    let digits = b.get(range)?;
    let mut v = 0i64;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as i64;
    }
    Some(v)
}

/// `HH:MM[:SS[.f…]]` at `b[at..]`: milliseconds into the day and where the time ends.
fn time_of_day(b: &[u8], at: usize) -> Option<(i64, usize)> {
    let hour = number(b, at..at + 2)?;
    let minute = number(b, at + 3..at + 5)?;
    if b.get(at + 2) != Some(&b':') || hour > 23 || minute > 59 {
        return None;
    }
    let mut i = at + 5;
    let mut second = 0;
    let mut millis = 0;
    if b.get(i) == Some(&b':') {
        second = number(b, i + 1..i + 3)?;
        if second > 59 {
            return None;
        }
        i += 3;
        if b.get(i) == Some(&b'.') {
            let start = i + 1;
            i = start;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return None;
            }
            // Milliseconds: later digits are cut, as pm4py's microseconds are at 0.001 s.
            for k in 0..3 {
                millis = millis * 10
                    + b.get(start + k)
                        .filter(|_| start + k < i)
                        .map_or(0, |&d| (d - b'0') as i64);
            }
        }
    }
    Some((((hour * 60 + minute) * 60 + second) * 1000 + millis, i))
}

/// Milliseconds since 1970-01-01 of a valid date, else `None`.
fn date_ms(year: i64, month: i64, day: i64) -> Option<i64> {
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400_000)
}

/// `Z`, `±HH:MM`, `±HHMM` or nothing, as the whole of `rest`.
fn offset(rest: &[u8]) -> Option<Option<i64>> {
    match rest {
        [] => Some(None),
        [b'Z' | b'z'] => Some(Some(0)),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => {
            let hm = [*h1, *h2, *m1, *m2];
            let (h, m) = (number(&hm, 0..2)?, number(&hm, 2..4)?);
            if h > 23 || m > 59 {
                return None;
            }
            let v = h * 60 + m;
            Some(Some(if *sign == b'-' { -v } else { v }))
        }
        _ => None,
    }
}

/// `YYYY-MM-DD(T| )HH:MM[:SS[.f…]][Z|±HH:MM|±HHMM]`, every field at full width.
fn iso(b: &[u8]) -> Option<Fields> {
    if b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || !matches!(b.get(10), Some(b'T' | b't' | b' '))
    {
        return None;
    }
    let date = date_ms(number(b, 0..4)?, number(b, 5..7)?, number(b, 8..10)?)?;
    let (time, end) = time_of_day(b, 11)?;
    Some(Fields {
        local_ms: date + time,
        offset_minutes: offset(&b[end..])?,
    })
}

/// `YYYY/MM/DD HH:MM[:SS[.f…]]`.
fn year_first(b: &[u8]) -> Option<Fields> {
    if b.get(4) != Some(&b'/') || b.get(7) != Some(&b'/') || b.get(10) != Some(&b' ') {
        return None;
    }
    let date = date_ms(number(b, 0..4)?, number(b, 5..7)?, number(b, 8..10)?)?;
    let (time, end) = time_of_day(b, 11)?;
    (end == b.len()).then_some(Fields {
        local_ms: date + time,
        offset_minutes: None,
    })
}

/// `DD/MM/YYYY HH:MM[:SS[.f…]]`.
fn day_first(b: &[u8]) -> Option<Fields> {
    if b.get(2) != Some(&b'/') || b.get(5) != Some(&b'/') || b.get(10) != Some(&b' ') {
        return None;
    }
    let date = date_ms(number(b, 6..10)?, number(b, 3..5)?, number(b, 0..2)?)?;
    let (time, end) = time_of_day(b, 11)?;
    (end == b.len()).then_some(Fields {
        local_ms: date + time,
        offset_minutes: None,
    })
}

/// A user's strftime pattern: with an offset (`%z`) exact, else local; a date alone is
/// midnight.
fn pattern(text: &str, p: &str) -> Option<Fields> {
    if let Ok(t) = DateTime::parse_from_str(text, p) {
        return Some(Fields {
            local_ms: t.naive_local().and_utc().timestamp_millis(),
            offset_minutes: Some(t.offset().local_minus_utc() as i64 / 60),
        });
    }
    let naive = NaiveDateTime::parse_from_str(text, p).ok().or_else(|| {
        NaiveDate::parse_from_str(text, p)
            .ok()?
            .and_hms_opt(0, 0, 0)
    })?;
    Some(Fields {
        local_ms: naive.and_utc().timestamp_millis(),
        offset_minutes: None,
    })
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

    fn utc(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    fn reader(zone: &str) -> TimestampReader {
        TimestampReader::new(None, parse_zone(zone).unwrap())
    }

    #[test]
    fn offsets_and_zulu_are_exact() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(
            parse_timestamp("2023-01-02T00:00:00.000+00:00"),
            Ok(utc("2023-01-02T00:00:00Z"))
        );
        assert_eq!(
            parse_timestamp("2024-06-01T10:00:00+01:00"),
            Ok(utc("2024-06-01T09:00:00Z"))
        );
        assert_eq!(
            parse_timestamp("2024-06-01 10:00:00-0130"),
            Ok(utc("2024-06-01T11:30:00Z"))
        );
        assert_eq!(
            parse_timestamp("2024-06-01T10:00:00.25Z"),
            Ok(utc("2024-06-01T10:00:00Z") + 250)
        );
        assert_eq!(
            parse_timestamp("2024-06-01T10:00:00.123456Z"),
            Ok(utc("2024-06-01T10:00:00Z") + 123)
        );
    }

    #[test]
    fn naive_times_are_london_local_time_and_clock_changes_are_never_refused() {
        let mut r = reader("Europe/London");
        // Winter: GMT; summer: BST (UTC+1).
        assert_eq!(
            r.read("2024-01-15 09:00:00"),
            Ok(utc("2024-01-15T09:00:00Z"))
        );
        assert_eq!(r.read("2024-07-15T09:00"), Ok(utc("2024-07-15T08:00:00Z")));
        // 27 October 2024: 01:30 happens twice; the first (BST) is taken.
        assert_eq!(
            r.read("2024-10-27 01:30:00"),
            Ok(utc("2024-10-27T00:30:00Z"))
        );
        // 31 March 2024: 01:30 never happens; it is moved forward by the gap, to 02:30 BST.
        assert_eq!(
            r.read("2024-03-31 01:30:00"),
            Ok(utc("2024-03-31T01:30:00Z"))
        );
        // Issue 16: the sepsis log's time in the 2014 gap was refused.
        assert_eq!(
            r.read("2014-03-30T01:24:34"),
            Ok(utc("2014-03-30T01:24:34Z"))
        );
        assert_eq!(
            r.clock_changes,
            ClockChanges {
                moved_forward: 2,
                repeated: 1
            }
        );
    }

    #[test]
    fn a_wait_across_a_clock_change_is_the_true_elapsed_time() {
        // London, autumn 2024: 00:30 BST to 02:30 GMT is three hours.
        let mut london = reader("Europe/London");
        let a = london.read("2024-10-27 00:30").unwrap();
        let b = london.read("2024-10-27 02:30").unwrap();
        assert_eq!(b - a, 3 * 3_600_000);
        // Amsterdam, spring 2024 (02:00 CET to 03:00 CEST): 01:30 to 03:30 is one hour.
        let mut amsterdam = reader("Europe/Amsterdam");
        let a = amsterdam.read("2024-03-31 01:30").unwrap();
        let b = amsterdam.read("2024-03-31 03:30").unwrap();
        assert_eq!(b - a, 3_600_000);
        assert_eq!(a, utc("2024-03-31T00:30:00Z"));
        // Amsterdam's gap moves forward; its repeated hour takes the first (CEST).
        assert_eq!(
            amsterdam.read("2024-03-31 02:15"),
            Ok(utc("2024-03-31T01:15:00Z"))
        );
        assert_eq!(
            amsterdam.read("2024-10-27 02:15"),
            Ok(utc("2024-10-27T00:15:00Z"))
        );
        assert_eq!(amsterdam.clock_changes.moved_forward, 1);
        assert_eq!(amsterdam.clock_changes.repeated, 1);
        // In UTC there are no clock changes.
        let mut u = reader("UTC");
        assert_eq!(u.read("2024-03-31 01:30"), Ok(utc("2024-03-31T01:30:00Z")));
        assert_eq!(u.clock_changes, ClockChanges::default());
    }

    #[test]
    fn each_layout_is_detected_from_the_first_value_and_held_to() {
        let cases = [
            (
                "2014/10/22 11:15:41.000",
                TimestampFormat::YearFirstSlashes,
                "2014-10-22T10:15:41Z",
            ),
            (
                "2014/10/22 11:15",
                TimestampFormat::YearFirstSlashes,
                "2014-10-22T10:15:00Z",
            ),
            (
                "22/10/2014 11:15",
                TimestampFormat::DayFirstSlashes,
                "2014-10-22T10:15:00Z",
            ),
            (
                "22/10/2014 11:15:41",
                TimestampFormat::DayFirstSlashes,
                "2014-10-22T10:15:41Z",
            ),
            (
                "2014-10-22 11:15:41",
                TimestampFormat::Iso,
                "2014-10-22T10:15:41Z",
            ),
            (
                "2014-10-22T11:15:41.5+01:00",
                TimestampFormat::Iso,
                "2014-10-22T10:15:41.5Z",
            ),
        ];
        for (text, format, expected) in cases {
            let mut r = reader("Europe/London");
            assert_eq!(r.read(text), Ok(utc(expected)), "{text}");
            assert_eq!(r.format(), Some(&format), "{text}");
        }
        // Once the first row chose DD/MM/YYYY, an ISO row is named as written differently.
        let mut r = reader("UTC");
        r.read("01/02/2024 10:00").unwrap();
        assert_eq!(r.read("03/02/2024 10:00"), Ok(utc("2024-02-03T10:00:00Z")));
        let err = r.read("2024-02-03T10:00:00Z").unwrap_err();
        assert!(err.contains("differently"), "{err}");
        // 13/25/2024 is no date in the UK order.
        assert!(r.read("13/25/2024 10:00").is_err());
    }

    #[test]
    fn a_pattern_reads_what_detection_will_not() {
        let us = TimestampFormat::parse("%m/%d/%Y %H:%M").unwrap();
        let mut r = TimestampReader::new(Some(us), chrono_tz::UTC);
        assert_eq!(r.read("02/13/2024 10:00"), Ok(utc("2024-02-13T10:00:00Z")));
        assert!(r.read("13/02/2024 10:00").unwrap_err().contains("pattern"));
        let with_offset = TimestampFormat::parse("%d.%m.%Y %H:%M %z").unwrap();
        let mut r = TimestampReader::new(Some(with_offset), DEFAULT_ZONE);
        assert_eq!(
            r.read("13.02.2024 10:00 +0100"),
            Ok(utc("2024-02-13T09:00:00Z"))
        );
        let date_only = TimestampFormat::parse("%d.%m.%Y").unwrap();
        let mut r = TimestampReader::new(Some(date_only), chrono_tz::UTC);
        assert_eq!(r.read("13.02.2024"), Ok(utc("2024-02-13T00:00:00Z")));
        assert!(TimestampFormat::parse("yesterday").is_err());
        assert!(TimestampFormat::parse("%Q").is_err());
        assert_eq!(
            TimestampFormat::parse("dd/mm/yyyy"),
            Ok(TimestampFormat::DayFirstSlashes)
        );
        assert!(parse_zone("Mars/Olympus").is_err());
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
            "2024-01-01T00:00:00.",
            "2024-01-01T00:00:00+1:00",
            "2024/01/01 10:00Z",
            "1/2/2024 10:00",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad}");
            assert!(reader("UTC").read(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn every_layout_agrees_with_chrono(secs in -2_000_000_000i64..4_000_000_000i64,
                                           ms in 0i64..1000, off in -14i64 * 60..14 * 60) {
            let t = DateTime::from_timestamp_millis(secs * 1000 + ms).unwrap();
            let fixed = chrono::FixedOffset::east_opt((off * 60) as i32).unwrap();
            let text = t.with_timezone(&fixed).format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string();
            prop_assert_eq!(parse_timestamp(&text), Ok(secs * 1000 + ms), "{}", text);
            for layout in ["%Y-%m-%d %H:%M:%S%.3f", "%Y/%m/%d %H:%M:%S%.3f", "%d/%m/%Y %H:%M:%S%.3f"] {
                let text = t.format(layout).to_string();
                prop_assert_eq!(reader("UTC").read(&text), Ok(secs * 1000 + ms), "{}", text);
            }
        }

        #[test]
        fn london_local_times_agree_with_chrono_tz(secs in 0i64..4_000_000_000i64) {
            let t = DateTime::from_timestamp(secs, 0).unwrap().with_timezone(&DEFAULT_ZONE);
            let text = t.format("%Y-%m-%d %H:%M:%S").to_string();
            let read = reader("Europe/London").read(&text).unwrap();
            // The repeated autumn hour is read at its first occurrence.
            let expected = match DEFAULT_ZONE.from_local_datetime(&t.naive_local()) {
                LocalResult::Ambiguous(first, _) => first.timestamp_millis(),
                _ => secs * 1000,
            };
            prop_assert_eq!(read, expected, "{}", text);
        }
    }
}
