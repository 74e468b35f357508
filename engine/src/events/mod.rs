//! Event logs: what trusts' systems recorded happening to patients, one row per event (case,
//! activity, timestamp, organisation), and what qiflow learns from them.
//!
//! The log is held column-wise with interned names and integer timestamps, so a year of an
//! ICS's activity (10^6 events) fits in a few tens of megabytes: there is no heap object per
//! event. Readers ([`csv`], [`xes`]) stream rows into a [`LogBuilder`]; [`discovery`],
//! [`conformance`], [`calibration`] and [`log_measure`] are pure functions over the built
//! [`EventLog`].

pub mod bounded;
pub mod calibration;
pub mod comparison;
pub mod conformance;
pub mod csv;
pub mod discovery;
pub mod identifiers;
pub mod input;
pub mod log_measure;
pub mod resources;
pub mod staging;
pub mod timestamp;
pub mod xes;

use rustc_hash::FxHashMap;
use serde::Serialize;

/// Where an event sits in an activity's life (XES `lifecycle:transition`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[repr(u8)]
pub enum Lifecycle {
    /// No lifecycle given: the event is an instant (taken as its completion).
    Unspecified,
    Start,
    Complete,
    /// Any other transition (schedule, suspend, ...): kept for the count, ignored by timings.
    Other,
}

impl Lifecycle {
    /// Reads a lifecycle value case-insensitively; empty means unspecified. O(len).
    pub fn parse(text: &str) -> Lifecycle {
        let t = text.trim();
        if t.is_empty() {
            Lifecycle::Unspecified
        } else if t.eq_ignore_ascii_case("start") {
            Lifecycle::Start
        } else if t.eq_ignore_ascii_case("complete") {
            Lifecycle::Complete
        } else {
            Lifecycle::Other
        }
    }

    /// The word stored and shown for this lifecycle (`None` when unspecified).
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            Lifecycle::Unspecified => None,
            Lifecycle::Start => Some("start"),
            Lifecycle::Complete => Some("complete"),
            Lifecycle::Other => Some("other"),
        }
    }
}

/// One event as a reader or a client hands it over, before it joins a log.
#[derive(Debug, Clone, Copy)]
pub struct RawEvent<'a> {
    pub case_id: &'a str,
    pub activity: &'a str,
    /// Milliseconds since the Unix epoch, UTC.
    pub time_ms: i64,
    pub organisation: Option<&'a str>,
    pub resource: Option<&'a str>,
    pub lifecycle: Lifecycle,
    /// The lifecycle as written, kept when it is neither start nor complete (`In Progress`).
    pub lifecycle_text: Option<&'a str>,
}

/// A problem with one row of an event file: its 1-based row number (the header is row 1 in a
/// CSV file; in XES the event's position), the column or attribute, and what is wrong. Never
/// carries the offending value, which may identify a patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub row: u64,
    pub column: String,
    pub message: String,
}

/// Strings numbered in order of first appearance.
#[derive(Debug, Clone, Default)]
pub struct Interner {
    names: Vec<Box<str>>,
    index: FxHashMap<Box<str>, u32>,
}

impl Interner {
    /// The number for `name`, adding it if new. O(len) expected.
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.into());
        self.index.insert(name.into(), i);
        i
    }

    /// The number of `name`, if it has one. O(len) expected.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    pub fn name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// Marks "no organisation" in the organisation column.
pub const NO_ORGANISATION: u32 = u32::MAX;

/// An event log held column-wise: events of one case are contiguous and in time order (ties
/// keep the order the events arrived in).
#[derive(Debug, Clone, Default)]
pub struct EventLog {
    activities: Interner,
    organisations: Interner,
    /// `case_starts[c]..case_starts[c + 1]` are the events of case `c`.
    case_starts: Vec<u32>,
    activity: Vec<u32>,
    time_ms: Vec<i64>,
    organisation: Vec<u32>,
    lifecycle: Vec<Lifecycle>,
}

/// The events of one case, column-wise.
#[derive(Debug, Clone, Copy)]
pub struct CaseEvents<'a> {
    pub activity: &'a [u32],
    pub time_ms: &'a [i64],
    pub organisation: &'a [u32],
    pub lifecycle: &'a [Lifecycle],
}

impl CaseEvents<'_> {
    pub fn len(&self) -> usize {
        self.activity.len()
    }

    pub fn is_empty(&self) -> bool {
        self.activity.is_empty()
    }
}

impl EventLog {
    pub fn event_count(&self) -> usize {
        self.activity.len()
    }

    pub fn case_count(&self) -> usize {
        self.case_starts.len().saturating_sub(1)
    }

    pub fn activities(&self) -> &Interner {
        &self.activities
    }

    pub fn organisations(&self) -> &Interner {
        &self.organisations
    }

    /// The events of case `c` (cases are numbered in order of first appearance). O(1).
    pub fn case(&self, c: usize) -> CaseEvents<'_> {
        let (a, b) = (
            self.case_starts[c] as usize,
            self.case_starts[c + 1] as usize,
        );
        CaseEvents {
            activity: &self.activity[a..b],
            time_ms: &self.time_ms[a..b],
            organisation: &self.organisation[a..b],
            lifecycle: &self.lifecycle[a..b],
        }
    }

    /// Every case in order. O(1) per case.
    pub fn cases(&self) -> impl Iterator<Item = CaseEvents<'_>> + '_ {
        (0..self.case_count()).map(|c| self.case(c))
    }

    /// Bytes held by the columns (not counting interned names): what the compact layout costs.
    pub fn column_bytes(&self) -> usize {
        self.case_starts.len() * 4 + self.event_count() * (4 + 8 + 4 + 1)
    }
}

/// Collects events in any order and builds an [`EventLog`].
#[derive(Debug, Default)]
pub struct LogBuilder {
    activities: Interner,
    organisations: Interner,
    cases: Interner,
    case: Vec<u32>,
    activity: Vec<u32>,
    time_ms: Vec<i64>,
    organisation: Vec<u32>,
    lifecycle: Vec<Lifecycle>,
}

impl LogBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// A builder with room for `events` before it grows: each growth copies every column into
    /// memory touched for the first time, which at 10^7 events cost more than reading them.
    /// Room never written costs no physical memory, so a generous guess is cheap.
    pub fn with_capacity(events: usize) -> Self {
        Self {
            case: Vec::with_capacity(events),
            activity: Vec::with_capacity(events),
            time_ms: Vec::with_capacity(events),
            organisation: Vec::with_capacity(events),
            lifecycle: Vec::with_capacity(events),
            ..Self::default()
        }
    }

    /// Adds one event; `case_key` groups events into cases. O(len of the names) expected.
    pub fn push(
        &mut self,
        case_key: &str,
        activity: &str,
        time_ms: i64,
        organisation: Option<&str>,
        lifecycle: Lifecycle,
    ) {
        // Exports group events by case, so the case is usually the previous row's: one string
        // comparison instead of a hash lookup.
        let case = match self.case.last() {
            Some(&last) if self.cases.name(last) == case_key => last,
            _ => self.cases.intern(case_key),
        };
        self.case.push(case);
        self.activity.push(self.activities.intern(activity));
        self.time_ms.push(time_ms);
        self.organisation.push(match organisation {
            Some(o) if !o.is_empty() => self.organisations.intern(o),
            _ => NO_ORGANISATION,
        });
        self.lifecycle.push(lifecycle);
    }

    /// Adds a raw event under its own case id.
    pub fn push_raw(&mut self, event: &RawEvent<'_>) {
        self.push(
            event.case_id,
            event.activity,
            event.time_ms,
            event.organisation,
            event.lifecycle,
        );
    }

    pub fn len(&self) -> usize {
        self.activity.len()
    }

    pub fn is_empty(&self) -> bool {
        self.activity.is_empty()
    }

    /// Groups the events by case (cases in order of first appearance) and orders each case by
    /// time, ties kept in arrival order. O(n) when cases arrive grouped and in order (the usual
    /// export), O(n log n) otherwise.
    pub fn build(self) -> EventLog {
        let n = self.activity.len();
        let case_count = self.cases.len();
        // The usual export: cases grouped (numbered in order of first appearance, so the case
        // column only ever stays or steps up by one) and each in time order. The columns are
        // already the log's: no copy.
        let grouped = self.case.first().is_none_or(|&c| c == 0)
            && self
                .case
                .windows(2)
                .all(|w| w[1] == w[0] || w[1] == w[0] + 1);
        let in_time_order = self
            .case
            .windows(2)
            .zip(self.time_ms.windows(2))
            .all(|(c, t)| c[0] != c[1] || t[0] <= t[1]);
        if grouped && in_time_order {
            let mut case_starts = Vec::with_capacity(case_count + 1);
            case_starts.push(0u32);
            for (i, w) in self.case.windows(2).enumerate() {
                if w[0] != w[1] {
                    case_starts.push(i as u32 + 1);
                }
            }
            if n > 0 {
                case_starts.push(n as u32);
            }
            // Room reserved and never written is left: it holds no physical memory, and giving
            // it back would copy the columns.
            return EventLog {
                activities: self.activities,
                organisations: self.organisations,
                case_starts,
                activity: self.activity,
                time_ms: self.time_ms,
                organisation: self.organisation,
                lifecycle: self.lifecycle,
            };
        }
        // Counting sort by case keeps arrival order within a case.
        let mut case_starts = vec![0u32; case_count + 1];
        for &c in &self.case {
            case_starts[c as usize + 1] += 1;
        }
        for c in 0..case_count {
            case_starts[c + 1] += case_starts[c];
        }
        let mut order = vec![0u32; n];
        let mut next = case_starts.clone();
        for (i, &c) in self.case.iter().enumerate() {
            order[next[c as usize] as usize] = i as u32;
            next[c as usize] += 1;
        }
        for c in 0..case_count {
            let slice = &mut order[case_starts[c] as usize..case_starts[c + 1] as usize];
            if !slice.is_sorted_by_key(|&i| self.time_ms[i as usize]) {
                // Stable: equal timestamps keep the order they arrived in.
                slice.sort_by_key(|&i| self.time_ms[i as usize]);
            }
        }
        let pick = |column: &[u32]| order.iter().map(|&i| column[i as usize]).collect();
        EventLog {
            activity: pick(&self.activity),
            organisation: pick(&self.organisation),
            time_ms: order.iter().map(|&i| self.time_ms[i as usize]).collect(),
            lifecycle: order.iter().map(|&i| self.lifecycle[i as usize]).collect(),
            activities: self.activities,
            organisations: self.organisations,
            case_starts,
        }
    }
}

pub use input::{InputFormat, ReadOptions};

/// Reads an event-log file as it comes, calling `on_event` for each good event with its row (CSV,
/// the header being row 1) or position (XES): gzip or not, CSV or XES, the CSV's delimiter and
/// the timestamps' format detected unless `options` fixes them. The report says what was chosen.
/// Input that cannot be read at all (no header, malformed XML, a broken gzip stream) is `Err`;
/// row errors are collected in the report. O(bytes), memory independent of the file's size.
pub fn read_events<R: std::io::Read>(
    input: R,
    options: &ReadOptions,
    mut on_event: impl FnMut(u64, RawEvent<'_>),
) -> Result<csv::ReadReport, RowError> {
    let resources = options.resource_organisations.as_deref();
    let mut from_resources = 0u64;
    let on_event = |row: u64, e: RawEvent<'_>| {
        if let (None | Some(""), Some(resource), Some(table)) =
            (e.organisation.map(str::trim), e.resource, resources)
            && let Some(organisation) = table.organisation_of(resource)
        {
            from_resources += 1;
            // A new event: it lives as long as the row and the table both do.
            on_event(
                row,
                RawEvent {
                    organisation: Some(organisation),
                    ..e
                },
            );
        } else {
            on_event(row, e);
        }
    };
    let unreadable = |e: std::io::Error| RowError {
        row: 0,
        column: String::new(),
        message: format!("the file cannot be read: {e}"),
    };
    let opened = input::open(input, options.format, options.max_input_bytes).map_err(unreadable)?;
    let (mut report, delimiter, times) = match opened.format {
        InputFormat::Csv => {
            let (header, input) =
                input::header_line(opened.input, bounded::MAX_ROW_BYTES).map_err(unreadable)?;
            let delimiter = options
                .delimiter
                .unwrap_or_else(|| input::detect_delimiter(&header));
            let mut times =
                timestamp::TimestampReader::new(options.timestamp_format.clone(), options.timezone);
            let report = csv::read_csv_stream(input, options, delimiter, &mut times, on_event)?;
            (report, Some(delimiter), times)
        }
        InputFormat::Xes => {
            // XES dates are ISO 8601 (xs:dateTime) unless the user says otherwise.
            let format = options
                .timestamp_format
                .clone()
                .unwrap_or(timestamp::TimestampFormat::Iso);
            let mut times = timestamp::TimestampReader::new(Some(format), options.timezone);
            let report =
                xes::read_xes_stream(opened.input, options.max_field_bytes, &mut times, on_event)?;
            (report, None, times)
        }
    };
    report.reading = Some(input::Reading {
        format: opened.format,
        compressed: opened.compressed,
        delimiter,
        timestamp_format: times.format().map(timestamp::TimestampFormat::describe),
        timezone: times.zone().name().to_string(),
        clock_changes: times.clock_changes,
        organisations_from_resources: from_resources,
    });
    Ok(report)
}

/// Reads a whole log into memory, grouping events by their raw case id (for analysis of a file
/// without a database; the store pseudonymises instead). O(bytes + n log n).
pub fn read_log<R: std::io::Read>(
    input: R,
    options: &ReadOptions,
) -> Result<(EventLog, csv::ReadReport), RowError> {
    read_log_sized(input, options, 0)
}

/// [`read_log`] with room for about `expected_events` reserved up front (see
/// [`LogBuilder::with_capacity`]).
pub fn read_log_sized<R: std::io::Read>(
    input: R,
    options: &ReadOptions,
    expected_events: usize,
) -> Result<(EventLog, csv::ReadReport), RowError> {
    let mut builder = LogBuilder::with_capacity(expected_events);
    let report = read_events(input, options, |_, e| builder.push_raw(&e))?;
    Ok((builder.build(), report))
}

/// The value below which a share `p` (0..=1) of the sorted `values` fall, interpolating
/// linearly between the closest ranks (so `p = 0.5` is the median, as in numpy's default).
/// `None` for no values. O(1); `values` must be sorted.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let h = (n - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    Some(values[lo] + (h - lo as f64) * (values[hi] - values[lo]))
}

/// Count, mean, median, 90th percentile, minimum and maximum of durations in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DurationStats {
    pub count: u64,
    pub mean_seconds: f64,
    pub median_seconds: f64,
    pub p90_seconds: f64,
    pub min_seconds: f64,
    pub max_seconds: f64,
}

impl DurationStats {
    /// Summarises durations given in milliseconds; sorts them in place. `None` when empty.
    /// O(n log n).
    pub fn from_millis(values: &mut [i64]) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        values.sort_unstable();
        let seconds: Vec<f64> = values.iter().map(|&v| v as f64 / 1000.0).collect();
        let sum: i128 = values.iter().map(|&v| v as i128).sum();
        Some(Self {
            count: values.len() as u64,
            mean_seconds: sum as f64 / values.len() as f64 / 1000.0,
            median_seconds: percentile(&seconds, 0.5)?,
            p90_seconds: percentile(&seconds, 0.9)?,
            min_seconds: seconds[0],
            max_seconds: seconds[seconds.len() - 1],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_between_closest_ranks() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 0.5), Some(2.5));
        // h = 3 * 0.9 = 2.7: 3 + 0.7 * (4 - 3)
        assert!((percentile(&v, 0.9).unwrap() - 3.7).abs() < 1e-12);
        assert_eq!(percentile(&v, 0.0), Some(1.0));
        assert_eq!(percentile(&v, 1.0), Some(4.0));
        assert_eq!(percentile(&[7.0], 0.9), Some(7.0));
        assert_eq!(percentile(&[], 0.5), None);
    }

    /// The no-copy build of a grouped, ordered export gives the log the general build gives.
    #[test]
    fn a_grouped_ordered_export_builds_the_same_log_either_way() {
        let events = [("a", 1), ("a", 2), ("a", 2), ("b", 0), ("c", 5), ("c", 9)];
        let mut grouped = LogBuilder::with_capacity(100);
        for (case, t) in events {
            grouped.push(case, case, t, None, Lifecycle::Unspecified);
        }
        let mut scattered = LogBuilder::new();
        for &i in &[0, 3, 1, 4, 2, 5] {
            let (case, t) = events[i];
            scattered.push(case, case, t, None, Lifecycle::Unspecified);
        }
        let (fast, general) = (grouped.build(), scattered.build());
        assert_eq!(fast.case_starts, [0, 3, 4, 6]);
        assert_eq!(fast.case_starts, general.case_starts);
        assert_eq!(fast.time_ms, general.time_ms);
        let names = |log: &EventLog| -> Vec<String> {
            log.activity
                .iter()
                .map(|&a| log.activities().name(a).to_string())
                .collect()
        };
        assert_eq!(names(&fast), names(&general));
        assert_eq!(LogBuilder::new().build().case_count(), 0);
        assert_eq!(LogBuilder::with_capacity(4).build().case_starts, [0]);
    }

    #[test]
    fn builder_groups_cases_and_orders_by_time_keeping_ties_in_arrival_order() {
        let mut b = LogBuilder::new();
        b.push("a", "x", 30, None, Lifecycle::Unspecified);
        b.push("b", "y", 10, Some("RX8"), Lifecycle::Unspecified);
        b.push("a", "tie1", 20, None, Lifecycle::Unspecified);
        b.push("a", "tie2", 20, None, Lifecycle::Unspecified);
        let log = b.build();
        assert_eq!(log.case_count(), 2);
        let a = log.case(0);
        let names: Vec<&str> = a
            .activity
            .iter()
            .map(|&i| log.activities().name(i))
            .collect();
        assert_eq!(names, ["tie1", "tie2", "x"]);
        assert_eq!(a.time_ms, [20, 20, 30]);
        let b = log.case(1);
        assert_eq!(log.organisations().name(b.organisation[0]), "RX8");
        assert_eq!(a.organisation[0], NO_ORGANISATION);
    }
}
