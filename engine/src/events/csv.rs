//! Reading event logs from CSV files, streaming: one reused record buffer, no copy of the file.

use super::identifiers::IdentifierScreen;
use super::input::{InputFormat, ReadOptions, Reading};
use super::timestamp::TimestampReader;
use super::{Lifecycle, RawEvent, RowError};
use std::io::{BufRead, Read};

/// Most row errors collected before a read stops: enough to see the pattern, not a flood.
pub const MAX_ROW_ERRORS: usize = 100;

/// Which header names hold each field. The defaults are the documented column names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnMapping {
    pub case_id: String,
    pub activity: String,
    pub timestamp: String,
    pub organisation: String,
    pub resource: String,
    pub lifecycle: String,
}

impl Default for ColumnMapping {
    fn default() -> Self {
        Self {
            case_id: "case_id".into(),
            activity: "activity".into(),
            timestamp: "timestamp".into(),
            organisation: "organisation".into(),
            resource: "resource".into(),
            lifecycle: "lifecycle".into(),
        }
    }
}

impl ColumnMapping {
    /// Applies `field=header` pairs (`case_id=PatientRef,timestamp=EventTime`) to the
    /// defaults; an unknown field is an error naming it. O(len).
    pub fn parse(pairs: &str) -> Result<Self, String> {
        let mut m = Self::default();
        for pair in pairs.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (field, header) = pair
                .split_once('=')
                .ok_or_else(|| format!("'{pair}' is not field=header"))?;
            let slot = match field.trim() {
                "case_id" => &mut m.case_id,
                "activity" => &mut m.activity,
                "timestamp" => &mut m.timestamp,
                "organisation" => &mut m.organisation,
                "resource" => &mut m.resource,
                "lifecycle" => &mut m.lifecycle,
                other => {
                    return Err(format!(
                        "unknown field '{other}' (expected case_id, activity, timestamp, organisation, resource or lifecycle)"
                    ));
                }
            };
            *slot = header.trim().to_string();
        }
        Ok(m)
    }
}

/// `str::trim`, answering at once for the usual field with nothing to trim.
fn trim(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(a), Some(b))
            if !a.is_ascii_whitespace()
                && !b.is_ascii_whitespace()
                && a.is_ascii()
                && b.is_ascii() =>
        {
            text
        }
        _ => text.trim(),
    }
}

/// What a read found: how many rows, the rows in error (at most [`MAX_ROW_ERRORS`]; then the
/// read stopped), which columns hold NHS numbers and how the file was read.
#[derive(Debug, Default)]
pub struct ReadReport {
    pub rows: u64,
    pub errors: Vec<RowError>,
    pub stopped_early: bool,
    pub screen: IdentifierScreen,
    /// The format, delimiter, timestamps and zone used (set once the read is done).
    pub reading: Option<Reading>,
}

impl ReadReport {
    /// Records a row error; false once the limit is reached and reading should stop.
    pub(crate) fn error(&mut self, row: u64, column: &str, message: impl Into<String>) -> bool {
        self.errors.push(RowError {
            row,
            column: column.to_string(),
            message: message.into(),
        });
        if self.errors.len() >= MAX_ROW_ERRORS {
            self.stopped_early = true;
            return false;
        }
        true
    }

    /// True when every row was read and none was in error.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty() && self.screen.is_clean()
    }
}

/// Reads a CSV event log with a header row and the default choices (delimiter and timestamp
/// format detected, offset-less times in Europe/London): see [`read_csv_stream`]. O(bytes).
pub fn read_csv<R: Read>(
    input: R,
    mapping: &ColumnMapping,
    on_event: impl FnMut(u64, RawEvent<'_>),
) -> Result<ReadReport, RowError> {
    let options = ReadOptions {
        format: Some(InputFormat::Csv),
        columns: mapping.clone(),
        ..ReadOptions::default()
    };
    super::read_events(input, &options, on_event)
}

/// Reads a CSV event log with a header row, separated by `delimiter`, calling `on_event` for
/// each good row with its row number (the header is row 1, as a spreadsheet shows it). Every
/// field except the case id is screened for NHS numbers. Errors before any row (no header, a
/// required column missing) and input that cannot be read on (a broken gzip stream, a row
/// running on for a megabyte) are returned as `Err`; row errors are collected in the report.
/// O(bytes).
pub fn read_csv_stream(
    input: Box<dyn BufRead + '_>,
    options: &ReadOptions,
    delimiter: u8,
    times: &mut TimestampReader,
    mut on_event: impl FnMut(u64, RawEvent<'_>),
) -> Result<ReadReport, RowError> {
    let mapping = &options.columns;
    let max_field_bytes = options.max_field_bytes;
    let input = super::bounded::Bounded::new(input, None);
    let since_record = input.counter();
    let mut reader = ::csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .delimiter(delimiter)
        .from_reader(input);
    let header_error = |message: String| RowError {
        row: 1,
        column: String::new(),
        message,
    };
    let headers = reader
        .byte_headers()
        .map_err(|e| header_error(format!("cannot read the header row: {e}")))?
        .clone();
    let names: Vec<String> = headers
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect();
    let find = |wanted: &str| names.iter().position(|n| n == wanted);
    // The first row is echoed back only when it looks like a header: a file without one starts
    // with patient data, which must never reach the answer or the import's stored message.
    let listing = if names
        .iter()
        .any(|n| super::identifiers::contains_nhs_number(n))
    {
        "its first row holds what looks like an NHS number: is the header row missing?".to_string()
    } else {
        const SHOWN: usize = 20;
        let mut shown: Vec<String> = names
            .iter()
            .take(SHOWN)
            .map(|n| n.chars().take(40).collect())
            .collect();
        if names.len() > SHOWN {
            shown.push(format!("and {} more", names.len() - SHOWN));
        }
        format!("it has: {}", shown.join(", "))
    };
    let required = |wanted: &str| {
        find(wanted).ok_or_else(|| RowError {
            row: 1,
            column: wanted.to_string(),
            message: format!(
                "the header has no column '{wanted}' ({listing}); map another column with field=header"
            ),
        })
    };
    let case_col = required(&mapping.case_id)?;
    let activity_col = required(&mapping.activity)?;
    let time_col = required(&mapping.timestamp)?;
    let org_col = find(&mapping.organisation);
    let resource_col = find(&mapping.resource);
    let lifecycle_col = find(&mapping.lifecycle);

    let mut report = ReadReport::default();
    let mut record = ::csv::ByteRecord::new();
    let mut row = 1u64;
    loop {
        since_record.set(0);
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => match e.kind() {
                ::csv::ErrorKind::Io(io) if io.to_string().contains(super::bounded::TOO_LONG) => {
                    return Err(RowError {
                        row: row + 1,
                        column: String::new(),
                        message: format!(
                            "row {} runs on for {}: a field there is far too long (is the file CSV?)",
                            row + 1,
                            super::bounded::TOO_LONG
                        ),
                    });
                }
                // The stream itself failed (a broken gzip member, a file cut short): nothing
                // after it can be read.
                ::csv::ErrorKind::Io(io) => {
                    return Err(RowError {
                        row: row + 1,
                        column: String::new(),
                        message: format!("the file cannot be read past row {row}: {io}"),
                    });
                }
                _ => {
                    row += 1;
                    report.rows += 1;
                    if !report.error(row, "", format!("unreadable row: {e}")) {
                        break;
                    }
                    continue;
                }
            },
        }
        row += 1;
        report.rows += 1;
        // One UTF-8 check for the whole record, then each field is a slice of it (a field
        // boundary inside a character makes that field invalid, as the csv crate does).
        let whole = match std::str::from_utf8(record.as_slice()) {
            Ok(whole) => whole,
            Err(e) => {
                let at = e.valid_up_to();
                let column = (0..record.len())
                    .find(|&i| record.range(i).is_some_and(|r| r.end > at))
                    .map_or("", |i| names.get(i).map_or("", String::as_str));
                if !report.error(row, column, "is not valid UTF-8") {
                    break;
                }
                continue;
            }
        };
        let field = |i: usize| record.range(i).and_then(|r| whole.get(r));
        // Screen every field but the case id, whether qiflow keeps it or not.
        let mut split_char = None;
        for i in 0..record.len() {
            match field(i) {
                Some(text) if i != case_col => report
                    .screen
                    .check(names.get(i).map_or("", String::as_str), text),
                Some(_) => {}
                None => split_char = split_char.or(Some(i)),
            }
        }
        if let Some(i) = split_char {
            if !report.error(
                row,
                names.get(i).map_or("", String::as_str),
                "is not valid UTF-8",
            ) {
                break;
            }
            continue;
        }
        let text = |col: usize| field(col).map(trim);
        let optional = |col: Option<usize>| col.and_then(text).filter(|t| !t.is_empty());
        let Some(case_id) = text(case_col).filter(|t| !t.is_empty()) else {
            if !report.error(row, &mapping.case_id, "is empty") {
                break;
            }
            continue;
        };
        let Some(activity) = text(activity_col).filter(|t| !t.is_empty()) else {
            if !report.error(row, &mapping.activity, "is empty") {
                break;
            }
            continue;
        };
        let kept = [
            (&mapping.activity, Some(activity)),
            (&mapping.organisation, optional(org_col)),
            (&mapping.resource, optional(resource_col)),
        ];
        if let Some((column, message)) = kept.iter().find_map(|(column, value)| {
            let message =
                super::bounded::check_kept_field(value.unwrap_or_default(), max_field_bytes)
                    .err()?;
            Some((column, message))
        }) {
            if !report.error(row, column, message) {
                break;
            }
            continue;
        }
        let time_ms = match text(time_col).map(|t| times.read(t)) {
            Some(Ok(t)) => t,
            Some(Err(message)) => {
                if !report.error(row, &mapping.timestamp, message) {
                    break;
                }
                continue;
            }
            None => {
                if !report.error(row, &mapping.timestamp, "is missing") {
                    break;
                }
                continue;
            }
        };
        on_event(
            row,
            RawEvent {
                case_id,
                activity,
                time_ms,
                organisation: optional(org_col),
                resource: optional(resource_col),
                lifecycle: optional(lifecycle_col).map_or(Lifecycle::Unspecified, Lifecycle::parse),
                lifecycle_text: optional(lifecycle_col),
            },
        );
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 12: a 500 MiB field was accepted (3.3 GB peak); NUL characters reached PostgreSQL.
    #[test]
    fn long_fields_and_nul_characters_are_row_errors_and_a_runaway_row_stops_the_read() {
        let long = "x".repeat(super::super::bounded::MAX_FIELD_BYTES + 1);
        let input = format!(
            "case_id,activity,timestamp,resource\nc1,{long},2024-01-01T09:00:00Z,\nc2,Triage,2024-01-01T09:00:00Z,a\0b\n"
        );
        let report = read_csv(input.as_bytes(), &ColumnMapping::default(), |_, _| {}).unwrap();
        let errors: Vec<(u64, &str)> = report
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_str()))
            .collect();
        assert_eq!(errors, [(2, "activity"), (3, "resource")]);
        // A field of 2 MiB is never held whole: the read stops at 1 MiB with the row.
        let runaway = format!(
            "case_id,activity,timestamp\nc1,Triage,2024-01-01T09:00:00Z\nc2,{},2024-01-01T09:00:00Z\n",
            "y".repeat(2 << 20)
        );
        let err = read_csv(runaway.as_bytes(), &ColumnMapping::default(), |_, _| {}).unwrap_err();
        assert_eq!(err.row, 3, "{}", err.message);
    }

    /// Issue 12: a headerless CSV's first row (an NHS number) was quoted back in the refusal.
    #[test]
    fn a_missing_header_is_refused_without_quoting_the_first_row() {
        let input = "9434765919,Triage,2024-01-01T09:00:00Z\n";
        let err = read_csv(input.as_bytes(), &ColumnMapping::default(), |_, _| {}).unwrap_err();
        assert!(!err.message.contains("9434765919"), "{}", err.message);
        assert!(
            err.message.contains("header row missing"),
            "{}",
            err.message
        );
        let wide = (0..1000)
            .map(|i| format!("c{i}"))
            .collect::<Vec<_>>()
            .join(",");
        let err = read_csv(wide.as_bytes(), &ColumnMapping::default(), |_, _| {}).unwrap_err();
        assert!(err.message.contains("and 980 more") && err.message.len() < 600);
    }

    fn read(text: &[u8], mapping: &ColumnMapping) -> (Vec<(u64, String, String, i64)>, ReadReport) {
        let mut rows = Vec::new();
        let report = read_csv(text, mapping, |row, e| {
            rows.push((
                row,
                e.case_id.to_string(),
                e.activity.to_string(),
                e.time_ms,
            ))
        })
        .unwrap();
        (rows, report)
    }

    #[test]
    fn reads_rows_with_quoted_fields_and_optional_columns() {
        let text = b"case_id,activity,timestamp,organisation\nc1,\"Triage, ED\",1970-01-01T00:00:01Z,RX8\nc1,Surgery,1970-01-01T00:00:02Z,\n";
        let (rows, report) = read(text, &ColumnMapping::default());
        assert!(report.is_clean());
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], (2, "c1".into(), "Triage, ED".into(), 1000));
        assert_eq!(rows[1].0, 3);
    }

    #[test]
    fn bad_rows_are_named_by_row_and_column() {
        let mut text = b"case_id,activity,timestamp\nc1,A,2024-01-01T00:00:00Z\nc1,,2024-01-01T00:00:00Z\nc2,B,soon\n".to_vec();
        text.extend_from_slice(b"c3,\xff\xfe,2024-01-01T00:00:00Z\n");
        let (rows, report) = read(&text, &ColumnMapping::default());
        assert_eq!(rows.len(), 1);
        let found: Vec<(u64, &str)> = report
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_str()))
            .collect();
        assert_eq!(found, [(3, "activity"), (4, "timestamp"), (5, "activity")]);
        // Extra or missing fields on a row are tolerated or named, never a crash.
        let (ragged_rows, ragged) = read(
            b"case_id,activity,timestamp\nc,A,2024-01-01T00:00:00Z,extra,9434765919\nc,B\n",
            &ColumnMapping::default(),
        );
        assert_eq!(ragged_rows.len(), 1);
        assert_eq!(
            (ragged.errors[0].row, ragged.errors[0].column.as_str()),
            (3, "timestamp")
        );
        assert_eq!(ragged.screen.findings(), [(String::new(), 1)]);
        assert!(report.errors[2].message.contains("UTF-8"));
    }

    #[test]
    fn reading_stops_at_the_error_limit() {
        let mut text = String::from("case_id,activity,timestamp\n");
        for _ in 0..500 {
            text.push_str("c,A,never\n");
        }
        let (_, report) = read(text.as_bytes(), &ColumnMapping::default());
        assert_eq!(report.errors.len(), MAX_ROW_ERRORS);
        assert!(report.stopped_early);
    }

    #[test]
    fn a_mapping_renames_columns_and_a_missing_column_is_named() {
        let m = ColumnMapping::parse("case_id=Patient, timestamp=When").unwrap();
        let (rows, _) = read(b"Patient,activity,When\np,A,2024-01-01T00:00:00Z\n", &m);
        assert_eq!(rows.len(), 1);
        let err = read_csv(
            &b"case,activity,timestamp\n"[..],
            &ColumnMapping::default(),
            |_, _| {},
        )
        .unwrap_err();
        assert_eq!(err.column, "case_id");
        assert!(ColumnMapping::parse("patient=x").is_err());
    }

    fn read_with(text: &[u8], options: &ReadOptions) -> (Vec<(String, String, i64)>, ReadReport) {
        let mut rows = Vec::new();
        let report = super::super::read_events(text, options, |_, e| {
            rows.push((e.case_id.to_string(), e.activity.to_string(), e.time_ms))
        })
        .unwrap();
        (rows, report)
    }

    #[test]
    fn every_delimiter_a_bom_and_windows_line_endings_are_read() {
        let expected = vec![
            ("c1".to_string(), "Triage, ED".to_string(), 1000),
            ("c1".to_string(), "Surgery".to_string(), 2000),
        ];
        for d in [",", ";", "\t", "|"] {
            let text = format!(
                "\u{feff}case_id{d}activity{d}timestamp\r\nc1{d}\"Triage, ED\"{d}1970-01-01T00:00:01Z\r\nc1{d}Surgery{d}1970-01-01T00:00:02Z\r\n"
            );
            let (rows, report) = read_with(text.as_bytes(), &ReadOptions::default());
            assert!(report.is_clean(), "{d:?}: {:?}", report.errors);
            assert_eq!(rows, expected, "{d:?}");
            assert_eq!(report.reading.unwrap().delimiter, Some(d.as_bytes()[0]));
        }
        // A delimiter given wins over detection.
        let text = b"case_id;activity;timestamp;a,b,c,d\nc1;A,B;1970-01-01T00:00:01Z;\n";
        let options = ReadOptions {
            delimiter: Some(b';'),
            ..ReadOptions::default()
        };
        let (rows, _) = read_with(text, &options);
        assert_eq!(rows[0].1, "A,B");
    }

    /// Issue 16: Disco's export (`;`, `YYYY/MM/DD HH:MM:SS.fff`, a `Case ID` column) was refused.
    #[test]
    fn a_disco_export_reads_with_only_its_columns_and_zone_given() {
        let text = "Case ID;Activity;Resource;Complete Timestamp;Variant\n\
                    1;Admission;Ward 3;2014/10/22 11:15:41.000;Variant 1\n\
                    1;Discharge;Ward 3;2014/10/22 13:15:41.500;Variant 1\n";
        let options = ReadOptions {
            columns: ColumnMapping::parse(
                "case_id=Case ID,activity=Activity,timestamp=Complete Timestamp,resource=Resource",
            )
            .unwrap(),
            timezone: super::super::timestamp::parse_zone("Europe/Amsterdam").unwrap(),
            ..ReadOptions::default()
        };
        let (rows, report) = read_with(text.as_bytes(), &options);
        assert!(report.is_clean(), "{:?}", report.errors);
        let utc = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .timestamp_millis()
        };
        assert_eq!(rows[0].2, utc("2014-10-22T09:15:41Z"));
        assert_eq!(rows[1].2 - rows[0].2, 7_200_500);
        let reading = report.reading.unwrap();
        assert_eq!(
            reading.timestamp_format.as_deref(),
            Some("YYYY/MM/DD HH:MM:SS")
        );
        assert_eq!(reading.timezone, "Europe/Amsterdam");
        assert!(
            reading.describe().contains("';'-separated"),
            "{}",
            reading.describe()
        );
    }

    #[test]
    fn a_row_in_another_timestamp_format_is_named() {
        let text = b"case_id,activity,timestamp\nc,A,22/10/2014 11:15\nc,B,2014-10-22 12:15\nc,C,23/10/2014 09:00\n";
        let (rows, report) = read_with(text, &ReadOptions::default());
        assert_eq!(rows.len(), 2);
        assert_eq!(report.errors.len(), 1);
        assert_eq!(
            (report.errors[0].row, report.errors[0].column.as_str()),
            (3, "timestamp")
        );
        assert!(
            report.errors[0].message.contains("differently"),
            "{}",
            report.errors[0].message
        );
    }

    #[test]
    fn nhs_numbers_outside_the_case_id_are_counted_not_kept() {
        let text =
            b"case_id,activity,timestamp,resource\n9434765919,A,2024-01-01T00:00:00Z,9434765919\n";
        let (_, report) = read(text, &ColumnMapping::default());
        assert_eq!(report.screen.findings(), [("resource".to_string(), 1)]);
    }
}
