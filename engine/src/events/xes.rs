//! Reading IEEE 1849 XES event logs as a stream of XML events (never a DOM): memory stays flat
//! whatever the file's size.

use super::csv::ReadReport;
use super::input::{InputFormat, ReadOptions};
use super::timestamp::TimestampReader;
use super::{Lifecycle, RawEvent, RowError};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::io::BufRead;

/// The attributes of one event (or trace) read so far.
#[derive(Default)]
struct Attributes {
    name: Option<String>,
    timestamp: Option<String>,
    lifecycle: Option<String>,
    resource: Option<String>,
    group: Option<String>,
}

#[derive(PartialEq)]
enum Scope {
    Outside,
    Trace,
    Event,
}

/// Reads an XES log, calling `on_event` for each good event with its position (1-based,
/// counted over the whole file) and the trace's `concept:name` as the case id. Used keys:
/// `concept:name`, `time:timestamp`, `lifecycle:transition`, `org:resource`, `org:group` (an
/// `organisation` attribute is taken when `org:group` is absent). Every attribute value but the
/// trace's `concept:name` (the case id) is screened for NHS numbers. Malformed XML is returned as `Err`; event errors are
/// collected in the report. O(bytes).
pub fn read_xes<R: BufRead>(
    input: R,
    on_event: impl FnMut(u64, RawEvent<'_>),
) -> Result<ReadReport, RowError> {
    let options = ReadOptions {
        format: Some(InputFormat::Xes),
        ..ReadOptions::default()
    };
    super::read_events(input, &options, on_event)
}

/// [`read_xes`] keeping fields of at most `max_field_bytes`, with timestamps read by `times`
/// (XES dates are ISO 8601; those without an offset are in the reader's zone).
pub fn read_xes_stream<R: BufRead>(
    input: R,
    max_field_bytes: usize,
    times: &mut TimestampReader,
    mut on_event: impl FnMut(u64, RawEvent<'_>),
) -> Result<ReadReport, RowError> {
    let mut reader = Reader::from_reader(super::bounded::Bounded::new(input, Some(b'<')));
    let mut buf = Vec::new();
    let mut report = ReadReport::default();
    let mut scope = Scope::Outside;
    // Depth of nested attribute elements inside the current trace or event: only direct
    // children describe it (nested ones belong to list or container attributes).
    let mut nesting = 0usize;
    let mut trace = Attributes::default();
    let mut event = Attributes::default();
    let mut trace_index = 0u64;
    let mut position = 0u64;
    // (trace, event within it), for saying where a bad event is.
    let mut place = (0u64, 0u64);
    // A file cut short (a failed download, a full disk) often still parses up to where it
    // stops: only the closing </log> shows that it is whole.
    let mut log_closed = false;
    let mut reached_end = false;
    let fatal = |reader: &Reader<super::bounded::Bounded<R>>, e: &dyn std::fmt::Display| RowError {
        row: 0,
        column: String::new(),
        message: format!(
            "not well-formed XES at byte {}: {e}",
            reader.buffer_position()
        ),
    };
    loop {
        let ev = match reader.read_event_into(&mut buf) {
            Ok(ev) => ev,
            Err(e) => return Err(fatal(&reader, &e)),
        };
        match ev {
            Event::Eof => {
                reached_end = true;
                break;
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(ev, Event::Empty(_));
                let local = e.local_name();
                match (local.into_inner(), &scope) {
                    ("trace", Scope::Outside) if !is_empty => {
                        scope = Scope::Trace;
                        trace = Attributes::default();
                        trace_index += 1;
                        place = (trace_index, 0);
                        nesting = 0;
                    }
                    ("event", Scope::Trace) if nesting == 0 => {
                        position += 1;
                        place.1 += 1;
                        event = Attributes::default();
                        if is_empty {
                            if !emit(
                                &trace,
                                &event,
                                (place.0, place.1, position),
                                &mut report,
                                &mut on_event,
                                max_field_bytes,
                                times,
                            ) {
                                break;
                            }
                        } else {
                            scope = Scope::Event;
                        }
                    }
                    (_, Scope::Trace | Scope::Event) => {
                        if nesting == 0 {
                            let target = if scope == Scope::Event {
                                &mut event
                            } else {
                                &mut trace
                            };
                            if let Err(message) = take_attribute(
                                e,
                                target,
                                &mut report,
                                position,
                                scope == Scope::Event,
                            ) {
                                return Err(RowError {
                                    row: position,
                                    column: String::new(),
                                    message,
                                });
                            }
                        }
                        if !is_empty {
                            nesting += 1;
                        }
                    }
                    _ => {}
                }
            }
            Event::End(ref e) => {
                let local = e.local_name();
                if nesting > 0 {
                    nesting -= 1;
                } else if local.into_inner() == "log" && scope == Scope::Outside {
                    log_closed = true;
                } else if local.into_inner() == "event" && scope == Scope::Event {
                    scope = Scope::Trace;
                    if !emit(
                        &trace,
                        &event,
                        (place.0, place.1, position),
                        &mut report,
                        &mut on_event,
                        max_field_bytes,
                        times,
                    ) {
                        break;
                    }
                } else if local.into_inner() == "trace" && scope == Scope::Trace {
                    scope = Scope::Outside;
                }
            }
            _ => {}
        }
        buf.clear();
    }
    if reached_end && !log_closed {
        return Err(RowError {
            row: 0,
            column: String::new(),
            message: "the file ends before its closing </log>: it looks cut short (re-export or re-download it)".into(),
        });
    }
    Ok(report)
}

/// Reads one attribute element (`<string key=".." value=".."/>`, `<date .../>`, ...) into
/// `target` when its key is one qiflow uses; screens string values of events.
fn take_attribute(
    e: &BytesStart<'_>,
    target: &mut Attributes,
    report: &mut ReadReport,
    _position: u64,
    is_event: bool,
) -> Result<(), String> {
    let mut key = None;
    let mut value = None;
    for attr in e.attributes() {
        let attr = attr.map_err(|err| format!("bad XML attribute: {err}"))?;
        let text = || -> Result<String, String> {
            Ok(quick_xml::escape::unescape(&attr.value)
                .map_err(|e| format!("bad escape in an attribute value: {e}"))?
                .into_owned())
        };
        match attr.key.local_name().into_inner() {
            "key" => key = Some(text()?),
            "value" => value = Some(text()?),
            _ => {}
        }
    }
    let (Some(key), Some(value)) = (key, value) else {
        return Ok(());
    };
    // The trace's name is the case id (pseudonymised); every other value is screened.
    if is_event || key != "concept:name" {
        report.screen.check(&key, &value);
    }
    match key.as_str() {
        "concept:name" => target.name = Some(value),
        "time:timestamp" => target.timestamp = Some(value),
        "lifecycle:transition" => target.lifecycle = Some(value),
        "org:resource" => target.resource = Some(value),
        "org:group" => target.group = Some(value),
        "organisation" if target.group.is_none() => target.group = Some(value),
        _ => {}
    }
    Ok(())
}

/// Checks a finished event and hands it on; false once the error limit stops the read.
fn emit(
    trace: &Attributes,
    event: &Attributes,
    (trace_index, in_trace, position): (u64, u64, u64),
    report: &mut ReadReport,
    on_event: &mut impl FnMut(u64, RawEvent<'_>),
    max_field_bytes: usize,
    times: &mut TimestampReader,
) -> bool {
    report.rows += 1;
    let fallback_case;
    let case_id = match trace.name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => name,
        _ => {
            // A trace without a name is still one case; number it so it stays separate.
            fallback_case = format!("trace {trace_index}");
            &fallback_case
        }
    };
    let Some(activity) = event
        .name
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    else {
        return report.error(position, "concept:name", "is missing or empty");
    };
    // Trace numbers, not names: a trace's name is a case id, which may identify a patient.
    let time_ms = match event.timestamp.as_deref().map(|t| times.read(t)) {
        Some(Ok(t)) => t,
        Some(Err(message)) => {
            return report.error(
                position,
                "time:timestamp",
                format!("{message} (trace {trace_index})"),
            );
        }
        None => {
            return report.error(
                position,
                "time:timestamp",
                format!(
                    "is missing (event {in_trace} of trace {trace_index}); every event needs one"
                ),
            );
        }
    };
    for (column, value) in [
        ("concept:name", Some(activity)),
        ("org:group", event.group.as_deref()),
        ("org:resource", event.resource.as_deref()),
    ] {
        if let Err(message) =
            super::bounded::check_kept_field(value.unwrap_or_default(), max_field_bytes)
        {
            return report.error(position, column, message);
        }
    }
    on_event(
        position,
        RawEvent {
            case_id,
            activity,
            time_ms,
            organisation: event
                .group
                .as_deref()
                .map(str::trim)
                .filter(|g| !g.is_empty()),
            resource: event
                .resource
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty()),
            lifecycle: event
                .lifecycle
                .as_deref()
                .map_or(Lifecycle::Unspecified, Lifecycle::parse),
            lifecycle_text: event.lifecycle.as_deref().map(str::trim),
        },
    );
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xmlns="http://www.xes-standard.org/">
  <global scope="event"><string key="concept:name" value="__INVALID__"/></global>
  <string key="concept:name" value="the log"/>
  <trace>
    <string key="concept:name" value="c1"/>
    <event>
      <string key="concept:name" value="Triage &amp; assess"/>
      <date key="time:timestamp" value="2023-01-02T00:00:00.000+00:00"/>
      <string key="lifecycle:transition" value="start"/>
      <string key="org:resource" value="nurse-1"/>
      <string key="org:group" value="RX8"/>
      <list key="notes"><string key="concept:name" value="nested, ignored"/></list>
    </event>
    <event>
      <string key="concept:name" value="Surgery"/>
      <date key="time:timestamp" value="2023-01-02T01:00:00.000+00:00"/>
    </event>
  </trace>
  <trace>
    <string key="concept:name" value="c2"/>
    <event><date key="time:timestamp" value="2023-01-02T00:00:00Z"/></event>
    <event><string key="concept:name" value="X"/><date key="time:timestamp" value="later"/></event>
  </trace>
</log>"#;

    #[test]
    fn reads_traces_events_and_known_keys_and_skips_nested_attributes() {
        let mut got = Vec::new();
        let report = read_xes(LOG.as_bytes(), |pos, e| {
            got.push((
                pos,
                e.case_id.to_string(),
                e.activity.to_string(),
                e.time_ms,
                e.organisation.map(str::to_string),
                e.lifecycle,
            ))
        })
        .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].2, "Triage & assess");
        assert_eq!(got[0].4.as_deref(), Some("RX8"));
        assert_eq!(got[0].5, Lifecycle::Start);
        assert_eq!(got[1].3 - got[0].3, 3_600_000);
        assert_eq!(got[1].1, "c1");
        let errors: Vec<(u64, &str)> = report
            .errors
            .iter()
            .map(|e| (e.row, e.column.as_str()))
            .collect();
        assert_eq!(errors, [(3, "concept:name"), (4, "time:timestamp")]);
    }

    /// Issue 16: an event without a timestamp is named by its trace and place in it, and other
    /// lifecycle values are kept as written.
    #[test]
    fn events_without_a_time_are_named_by_trace_and_other_lifecycles_are_kept() {
        let log = r#"<log><trace><string key="concept:name" value="c1"/>
            <event><string key="concept:name" value="A"/><date key="time:timestamp" value="2024-01-01T00:00:00Z"/>
              <string key="lifecycle:transition" value="In Progress"/></event></trace>
            <trace><string key="concept:name" value="c2"/>
            <event><string key="concept:name" value="A"/><date key="time:timestamp" value="2024-01-01T00:00:00Z"/></event>
            <event><string key="concept:name" value="B"/></event></trace></log>"#;
        let mut lifecycles = Vec::new();
        let report = read_xes(log.as_bytes(), |_, e| {
            lifecycles.push((e.lifecycle, e.lifecycle_text.map(str::to_string)))
        })
        .unwrap();
        assert_eq!(
            lifecycles[0],
            (Lifecycle::Other, Some("In Progress".to_string()))
        );
        let e = &report.errors[0];
        assert_eq!((e.row, e.column.as_str()), (3, "time:timestamp"));
        assert!(e.message.contains("event 2 of trace 2"), "{}", e.message);
    }

    #[test]
    fn nhs_numbers_anywhere_but_the_case_id_are_found() {
        let log = r#"<log><trace><string key="concept:name" value="9434765919"/>
            <string key="patient:nhs" value="4010232137"/>
            <event><string key="concept:name" value="A"/><date key="time:timestamp" value="2024-01-01T00:00:00Z"/>
            <string key="org:resource" value="943 476 5919"/></event></trace></log>"#;
        let report = read_xes(log.as_bytes(), |_, _| {}).unwrap();
        assert_eq!(
            report.screen.findings(),
            [
                ("patient:nhs".to_string(), 1),
                ("org:resource".to_string(), 1)
            ]
        );
    }

    /// Issue 12: a truncated file (no closing `</log>`) was imported as far as it went.
    #[test]
    fn a_file_cut_short_is_an_error() {
        let cut = &LOG[..LOG.rfind("</trace>").unwrap()];
        let err = read_xes(cut.as_bytes(), |_, _| {}).unwrap_err();
        assert!(err.message.contains("cut short"), "{}", err.message);
        let cut = &LOG[..LOG.rfind("</log>").unwrap()];
        assert!(read_xes(cut.as_bytes(), |_, _| {}).is_err());
        assert!(read_xes(LOG.as_bytes(), |_, _| {}).is_ok());
    }

    #[test]
    fn malformed_xml_is_an_error() {
        let err = read_xes(&b"<log><trace><event></trace></log>"[..], |_, _| {}).unwrap_err();
        assert!(err.message.contains("not well-formed"), "{}", err.message);
    }
}
