//! Staging an import: every event of a file or batch checked (rows named), NHS numbers screened
//! for, case ids pseudonymised, and the result held compactly (interned names, 24 bytes an
//! event) until the store writes it all or nothing.

use super::csv::ReadReport;
use super::identifiers::Pseudonymiser;
use super::{Interner, Lifecycle, RawEvent, ReadOptions, RowError};
use std::io::Read;

/// Most events one `appendEvents` call may carry.
pub const MAX_EVENTS_PER_BATCH: usize = 10_000;

/// Events checked and pseudonymised, held compactly until they are written.
#[derive(Debug, Default)]
pub struct StagedEvents {
    raw_cases: Interner,
    case_keys: Vec<String>,
    activities: Interner,
    organisations: Interner,
    resources: Interner,
    lifecycles: Interner,
    rows: Vec<StagedRow>,
}

#[derive(Debug, Clone, Copy)]
struct StagedRow {
    case: u32,
    activity: u32,
    time_ms: i64,
    organisation: u32,
    resource: u32,
    lifecycle: Lifecycle,
    /// The lifecycle as written when it is [`Lifecycle::Other`], else `NONE`.
    other_lifecycle: u32,
}

const NONE: u32 = u32::MAX;

/// One staged event: its case is a pseudonym, never the raw case id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StagedEvent<'a> {
    pub case_key: &'a str,
    pub activity: &'a str,
    pub time_ms: i64,
    pub organisation: Option<&'a str>,
    pub resource: Option<&'a str>,
    pub lifecycle: Lifecycle,
    /// What is stored: `start`, `complete`, another value as written, or nothing.
    pub lifecycle_text: Option<&'a str>,
}

impl StagedEvents {
    /// Adds one event, replacing its case id by the case's pseudonym. O(len) expected.
    pub fn push(&mut self, pseudonymiser: &Pseudonymiser, e: &RawEvent<'_>) {
        let before = self.raw_cases.len();
        let case = self.raw_cases.intern(e.case_id);
        if self.raw_cases.len() > before {
            self.case_keys.push(pseudonymiser.pseudonym(e.case_id));
        }
        let optional = |interner: &mut Interner, v: Option<&str>| match v {
            Some(v) if !v.is_empty() => interner.intern(v),
            _ => NONE,
        };
        let organisation = optional(&mut self.organisations, e.organisation);
        let resource = optional(&mut self.resources, e.resource);
        let other_lifecycle = match e.lifecycle {
            Lifecycle::Other => optional(&mut self.lifecycles, e.lifecycle_text),
            _ => NONE,
        };
        self.rows.push(StagedRow {
            case,
            activity: self.activities.intern(e.activity),
            time_ms: e.time_ms,
            organisation,
            resource,
            lifecycle: e.lifecycle,
            other_lifecycle,
        });
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Distinct cases among the staged events. O(1).
    pub fn case_count(&self) -> usize {
        self.case_keys.len()
    }

    /// The events in the order they were staged, as the store writes them. O(1) each.
    pub fn events(&self) -> impl ExactSizeIterator<Item = StagedEvent<'_>> {
        fn text(interner: &Interner, i: u32) -> Option<&str> {
            (i != NONE).then(|| interner.name(i))
        }
        self.rows.iter().map(move |row| StagedEvent {
            case_key: &self.case_keys[row.case as usize],
            activity: self.activities.name(row.activity),
            time_ms: row.time_ms,
            organisation: text(&self.organisations, row.organisation),
            resource: text(&self.resources, row.resource),
            lifecycle: row.lifecycle,
            lifecycle_text: text(&self.lifecycles, row.other_lifecycle).or(row.lifecycle.as_str()),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// A SHA-256 (hex) of the staged events in order: their pseudonymised case, activity, time,
    /// organisation, resource and lifecycle, each field length-prefixed. The same events give
    /// the same digest; any difference gives another. O(events).
    pub fn content_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        let mut text = |t: Option<&str>| {
            hash.update([u8::from(t.is_some())]);
            let t = t.unwrap_or_default();
            hash.update((t.len() as u64).to_le_bytes());
            hash.update(t.as_bytes());
        };
        for e in self.events() {
            text(Some(e.case_key));
            text(Some(e.activity));
            text(e.organisation);
            text(e.resource);
            text(Some(e.lifecycle_text.unwrap_or("")));
            text(Some(&e.time_ms.to_string()));
        }
        hex::encode(hash.finalize())
    }
}

/// What staging a file or batch found.
#[derive(Debug)]
pub struct Staged {
    pub events: StagedEvents,
    pub report: ReadReport,
    /// Set when the input could not be read at all (no header, malformed XML).
    pub fatal: Option<RowError>,
    /// How long reading and checking every row took.
    pub read_time: std::time::Duration,
}

impl Staged {
    /// Why the import must be refused, if it must: never quoting a value.
    pub fn refusal(&self) -> Option<String> {
        if let Some(f) = &self.fatal {
            return Some(format!("the input cannot be read: {}", f.message));
        }
        if let Some(r) = self.report.screen.refusal() {
            return Some(r);
        }
        if !self.report.errors.is_empty() {
            let more = if self.report.stopped_early {
                " (reading stopped there)"
            } else {
                ""
            };
            return Some(format!(
                "{} row error(s){more}; nothing was stored",
                self.report.errors.len()
            ));
        }
        if self.events.is_empty() {
            return Some("the input holds no events".into());
        }
        None
    }
}

/// Reads and checks a whole file as `options` say (see [`super::read_events`]),
/// pseudonymising case ids as it goes; `progress` is told the number of rows read every 64k
/// rows. Nothing touches the database. O(bytes).
pub fn stage_file<R: Read>(
    input: R,
    options: &ReadOptions,
    pseudonymiser: &Pseudonymiser,
    mut progress: impl FnMut(u64),
) -> Staged {
    let started = std::time::Instant::now();
    let mut events = StagedEvents::default();
    let mut on_event = |row: u64, e: RawEvent<'_>| {
        events.push(pseudonymiser, &e);
        if row.is_multiple_of(65_536) {
            progress(row);
        }
    };
    let result = super::read_events(input, options, &mut on_event);
    match result {
        Ok(report) => Staged {
            events,
            report,
            fatal: None,
            read_time: started.elapsed(),
        },
        Err(fatal) => Staged {
            events,
            report: ReadReport::default(),
            fatal: Some(fatal),
            read_time: started.elapsed(),
        },
    }
}

/// One event as an API client sends it.
#[derive(Debug, Clone)]
pub struct EventInput {
    pub case_id: String,
    pub activity: String,
    pub timestamp: String,
    pub organisation: Option<String>,
    pub resource: Option<String>,
    pub lifecycle: Option<String>,
}

/// Checks a batch from the API like rows of a file (row = position in `events`, from 1),
/// screening every field but the case id for NHS numbers and keeping fields of at most
/// `max_field_bytes`.
pub fn stage_batch(
    events: &[EventInput],
    pseudonymiser: &Pseudonymiser,
    max_field_bytes: usize,
) -> Staged {
    let started = std::time::Instant::now();
    let mut staged = StagedEvents::default();
    let mut report = ReadReport::default();
    if events.len() > MAX_EVENTS_PER_BATCH {
        return Staged {
            events: staged,
            report,
            fatal: Some(RowError {
                row: 0,
                column: "events".into(),
                message: format!("at most {MAX_EVENTS_PER_BATCH} events a call"),
            }),
            read_time: started.elapsed(),
        };
    }
    for (i, e) in events.iter().enumerate() {
        let row = i as u64 + 1;
        report.rows += 1;
        for (column, value) in [
            ("activity", Some(&e.activity)),
            ("timestamp", Some(&e.timestamp)),
            ("organisation", e.organisation.as_ref()),
            ("resource", e.resource.as_ref()),
            ("lifecycle", e.lifecycle.as_ref()),
        ] {
            if let Some(v) = value {
                report.screen.check(column, v);
            }
        }
        let mut problem = None;
        if e.case_id.trim().is_empty() {
            problem = Some(("caseId", "is empty".to_string()));
        } else if e.activity.trim().is_empty() {
            problem = Some(("activity", "is empty".to_string()));
        }
        for (column, value) in [
            ("activity", Some(&e.activity)),
            ("organisation", e.organisation.as_ref()),
            ("resource", e.resource.as_ref()),
        ] {
            if problem.is_none()
                && let Err(message) = super::bounded::check_kept_field(
                    value.map_or("", String::as_str),
                    max_field_bytes,
                )
            {
                problem = Some((column, message));
            }
        }
        let time = super::timestamp::parse_timestamp(&e.timestamp);
        if problem.is_none()
            && let Err(m) = &time
        {
            problem = Some(("timestamp", m.clone()));
        }
        match (problem, time) {
            (Some((column, message)), _) => {
                report.errors.push(RowError {
                    row,
                    column: format!("events[{i}].{column}"),
                    message,
                });
            }
            (None, Ok(time_ms)) => staged.push(
                pseudonymiser,
                &RawEvent {
                    case_id: e.case_id.trim(),
                    activity: e.activity.trim(),
                    time_ms,
                    organisation: e.organisation.as_deref().map(str::trim),
                    resource: e.resource.as_deref().map(str::trim),
                    lifecycle: e
                        .lifecycle
                        .as_deref()
                        .map_or(Lifecycle::Unspecified, Lifecycle::parse),
                    lifecycle_text: e.lifecycle.as_deref().map(str::trim),
                },
            ),
            (None, Err(_)) => {}
        }
    }
    Staged {
        events: staged,
        report,
        fatal: None,
        read_time: started.elapsed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(activities: &[&str]) -> StagedEvents {
        let key = Pseudonymiser::new(&[1u8; 32]).unwrap();
        let inputs: Vec<EventInput> = activities
            .iter()
            .map(|a| EventInput {
                case_id: "c1".into(),
                activity: a.to_string(),
                timestamp: "2024-01-01T09:00:00Z".into(),
                organisation: None,
                resource: None,
                lifecycle: None,
            })
            .collect();
        stage_batch(&inputs, &key, 4096).events
    }

    #[test]
    fn the_same_events_have_the_same_content_hash_and_any_change_another() {
        let a = batch(&["Triage", "Scan"]);
        assert_eq!(a.content_hash(), batch(&["Triage", "Scan"]).content_hash());
        assert_ne!(a.content_hash(), batch(&["Triage", "Scans"]).content_hash());
        assert_ne!(a.content_hash(), batch(&["Scan", "Triage"]).content_hash());
        assert_ne!(a.content_hash(), batch(&["TriageScan"]).content_hash());
        assert_eq!(a.content_hash().len(), 64);
    }
}
