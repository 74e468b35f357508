//! Rebases a team records on a measure: from this point on the process is a new one (a change
//! was adopted, the way it is counted changed), so the chart starts a new group with its own mean
//! and limits. Making Data Count asks for a reason with every rebase, so a board can see why the
//! limits moved; the reason is kept with the date.

use crate::error::InputErrors;
use crate::pathway::MAX_TEXT;
use crate::values::parse_text;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Most rebases one measure may carry: a chart with more groups than this says nothing.
pub const MAX_REBASES: usize = 50;

/// A new baseline from `date` on, with the reason the team gave, who recorded it and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rebase {
    pub date: NaiveDate,
    pub reason: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// Adds a rebase at `date` to `existing`, checked against the measure's point dates (in date
/// order): the date must be a point's date after the first point and not already a rebase, and
/// the reason must be given. Errors name `date` or `reason`. Returns the rebases in date order.
/// O(rebases + log points).
pub fn add(
    existing: &[Rebase],
    point_dates: &[NaiveDate],
    date: NaiveDate,
    reason: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<Vec<Rebase>, InputErrors> {
    let mut errors = InputErrors::default();
    let reason = errors.check("reason", parse_text(reason, MAX_TEXT));
    if point_dates.binary_search(&date).is_err() {
        errors.push(
            "date",
            format!("{date} is not the date of one of the measure's points"),
        );
    } else if point_dates.first() == Some(&date) {
        errors.push(
            "date",
            format!("{date} is the first point: a new baseline starts after at least one point"),
        );
    } else if existing.iter().any(|r| r.date == date) {
        errors.push("date", format!("the chart is already rebased at {date}"));
    }
    if existing.len() >= MAX_REBASES {
        errors.push(
            "date",
            format!("a measure has at most {MAX_REBASES} rebases"),
        );
    }
    let reason = match reason {
        Some(reason) if errors.is_empty() => reason,
        _ => return Err(errors),
    };
    let mut rebases = existing.to_vec();
    rebases.push(Rebase {
        date,
        reason,
        by: by.to_string(),
        at,
    });
    rebases.sort_by_key(|r| r.date);
    Ok(rebases)
}

/// Removes the rebase at `date` (a correction: the chart goes back to one group there). Errors
/// name `date` when there is none. O(rebases).
pub fn remove(existing: &[Rebase], date: NaiveDate) -> Result<Vec<Rebase>, InputErrors> {
    if !existing.iter().any(|r| r.date == date) {
        return Err(
            crate::FieldError::new("date", format!("the chart is not rebased at {date}")).into(),
        );
    }
    Ok(existing
        .iter()
        .filter(|r| r.date != date)
        .cloned()
        .collect())
}

/// The dates among `rebases` that start a group on a chart of points with these dates (in date
/// order): each maps to the first point on or after it, and only a rebase that starts at a point
/// after the first and after the previous group's start is kept. A rebase whose point was later
/// retracted moves to the next point; one after the last point is dropped. O(rebases · log points).
pub fn chart_dates(rebases: &[Rebase], point_dates: &[NaiveDate]) -> Vec<NaiveDate> {
    let mut dates: Vec<NaiveDate> = rebases.iter().map(|r| r.date).collect();
    dates.sort();
    let mut last_start = 0;
    let mut kept = Vec::with_capacity(dates.len());
    for date in dates {
        let start = point_dates.partition_point(|d| *d < date);
        if start > last_start && start < point_dates.len() {
            kept.push(point_dates[start]);
            last_start = start;
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, d).unwrap()
    }

    fn dates() -> Vec<NaiveDate> {
        (1..=20).map(day).collect()
    }

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_225_600, 0).unwrap()
    }

    #[test]
    fn a_rebase_needs_a_point_after_the_first_and_a_reason() {
        let added = add(&[], &dates(), day(8), " new triage ", "ana", at()).unwrap();
        assert_eq!(added.len(), 1);
        assert_eq!(added[0].reason, "new triage");
        let errors = add(&added, &dates(), day(8), "", "ana", at()).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["reason", "date"]);
        let errors = add(&[], &dates(), day(1), "x", "ana", at()).unwrap_err();
        assert!(errors.0[0].message.contains("first point"));
        let errors = add(&[], &dates(), day(25), "x", "ana", at()).unwrap_err();
        assert!(errors.0[0].message.contains("not the date"));
    }

    #[test]
    fn rebases_are_kept_in_date_order_and_capped() {
        let mut rebases = add(&[], &dates(), day(12), "b", "ana", at()).unwrap();
        rebases = add(&rebases, &dates(), day(5), "a", "ana", at()).unwrap();
        assert_eq!(
            rebases.iter().map(|r| r.date).collect::<Vec<_>>(),
            [day(5), day(12)]
        );
        let many: Vec<NaiveDate> = (0..=MAX_REBASES as i64)
            .map(|i| day(1) + chrono::Days::new(i as u64))
            .collect();
        let mut full = Vec::new();
        for d in &many[1..] {
            full = add(&full, &many, *d, "r", "ana", at()).unwrap();
        }
        assert_eq!(full.len(), MAX_REBASES);
        let more: Vec<NaiveDate> = many
            .iter()
            .copied()
            .chain([many[MAX_REBASES] + chrono::Days::new(1)])
            .collect();
        assert!(add(&full, &more, more[MAX_REBASES + 1], "r", "ana", at()).is_err());
    }

    #[test]
    fn chart_dates_follow_retracted_points_and_drop_what_starts_no_group() {
        let rebase = |d| Rebase {
            date: d,
            reason: "r".into(),
            by: "ana".into(),
            at: at(),
        };
        // Points on odd days only: a rebase on day 6 moves to day 7; day 7 then starts nothing
        // new; day 1 is the first point; day 30 is after the last.
        let odd: Vec<NaiveDate> = (1..=19).step_by(2).map(day).collect();
        let rebases = [day(6), day(7), day(1), day(30), day(15)].map(rebase);
        assert_eq!(chart_dates(&rebases, &odd), [day(7), day(15)]);
        assert!(chart_dates(&rebases, &[]).is_empty());
    }

    #[test]
    fn removing_takes_out_only_that_date() {
        let rebases = add(&[], &dates(), day(5), "a", "ana", at()).unwrap();
        let rebases = add(&rebases, &dates(), day(9), "b", "ana", at()).unwrap();
        let left = remove(&rebases, day(5)).unwrap();
        assert_eq!(left.iter().map(|r| r.date).collect::<Vec<_>>(), [day(9)]);
        assert_eq!(remove(&left, day(5)).unwrap_err().0[0].field, "date");
    }
}
