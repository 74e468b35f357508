//! Measures computed from a log, so the weekly figures PDSA cycles are judged on come from the
//! trusts' own records instead of being re-keyed.

use super::{EventLog, percentile};
use chrono::{DateTime, Datelike, Duration, NaiveDate};
use chrono_tz::Europe::London;
use serde::{Deserialize, Serialize};

/// What is computed per period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LogStatistic {
    MedianTime,
    MeanTime,
    P90Time,
    /// Cases whose first `from` activity falls in the period.
    CaseCount,
    /// The share of cases (a proportion, 0 to 1, shown as a percentage) that reached `to`
    /// within `target_minutes`.
    PercentWithinTarget,
    /// The share of cases (0 to 1, shown as a percentage) whose first `from` is followed by a
    /// `to`: patients taking a branch, or coming back for rework.
    PercentReaching,
}

/// How points are grouped: weeks start on Monday; both use the date in England.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Period {
    Week,
    Month,
}

/// The unit times are given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TimeUnit {
    Minutes,
    Hours,
    Days,
}

impl TimeUnit {
    fn millis(self) -> f64 {
        match self {
            TimeUnit::Minutes => 60_000.0,
            TimeUnit::Hours => 3_600_000.0,
            TimeUnit::Days => 86_400_000.0,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            TimeUnit::Minutes => "minutes",
            TimeUnit::Hours => "hours",
            TimeUnit::Days => "days",
        }
    }
}

/// A measure over a log: the time from the first `from` activity of a case to the first `to`
/// activity at or after it, summarised per period of the `from` event's date. An activity done
/// in several organisations (the same assessment in two trusts) is told apart as conformance
/// tells steps sharing a code apart: by the event's organisation, when the definition names one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogMeasureDefinition {
    pub from_activity: String,
    /// Only `from` events of this organisation (ODS code) count; any when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_organisation: Option<String>,
    pub to_activity: String,
    /// Only `to` events of this organisation count; any when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_organisation: Option<String>,
    pub statistic: LogStatistic,
    pub period: Period,
    pub unit: TimeUnit,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_minutes: Option<f64>,
}

impl LogMeasureDefinition {
    /// The unit a measure of this definition is charted in: cases for a count, % for a share
    /// within target, else the time unit. O(1).
    pub fn unit_word(&self) -> &'static str {
        match self.statistic {
            LogStatistic::CaseCount => "cases",
            LogStatistic::PercentWithinTarget | LogStatistic::PercentReaching => "%",
            _ => self.unit.word(),
        }
    }

    /// Checks the definition; errors name the field.
    pub fn check(&self) -> Result<(), crate::InputErrors> {
        let mut errors = crate::InputErrors::default();
        for (field, value) in [
            ("fromActivity", &self.from_activity),
            ("toActivity", &self.to_activity),
        ] {
            if value.trim().is_empty() {
                errors.push(field, "must not be empty");
            }
        }
        for (field, value) in [
            ("fromOrganisation", &self.from_organisation),
            ("toOrganisation", &self.to_organisation),
        ] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                errors.push(
                    field,
                    "must not be empty (leave it out for any organisation)",
                );
            }
        }
        match (self.statistic, self.target_minutes) {
            (LogStatistic::PercentWithinTarget, None) => {
                errors.push("targetMinutes", "is needed to count cases within a target")
            }
            (_, Some(t)) if !t.is_finite() || t <= 0.0 => {
                errors.push("targetMinutes", "must be a number above 0")
            }
            _ => {}
        }
        errors.into_result(|| ())
    }

    /// The definition's activities that no event of `log` has, named `fromActivity` /
    /// `toActivity` (a typo would chart nothing, silently). O(1) per activity.
    pub fn unseen_activities(&self, log: &super::EventLog) -> crate::InputErrors {
        let mut errors = crate::InputErrors::default();
        for (field, name, organisation) in [
            ("fromActivity", &self.from_activity, &self.from_organisation),
            ("toActivity", &self.to_activity, &self.to_organisation),
        ] {
            let (activity, at) = endpoint(log, name, organisation.as_deref());
            let Some(activity) = activity else {
                errors.push(
                    field,
                    format!(
                        "no event in the log has activity '{name}' (say allowUnseenActivities: true if it is still to come)"
                    ),
                );
                continue;
            };
            if let (Some(code), Some(at)) = (organisation, at) {
                let seen = log.cases().any(|case| {
                    (0..case.len())
                        .any(|i| case.activity[i] == activity && at.contains(&case.organisation[i]))
                });
                if !seen {
                    errors.push(
                        field,
                        format!(
                            "no event of '{name}' in the log is at organisation '{code}' (say allowUnseenActivities: true if it is still to come)"
                        ),
                    );
                }
            }
        }
        errors
    }

    /// Words for the measure's operational definition.
    pub fn describe(&self) -> String {
        let what = match self.statistic {
            LogStatistic::MedianTime => format!("median time in {}", self.unit.word()),
            LogStatistic::MeanTime => format!("mean time in {}", self.unit.word()),
            LogStatistic::P90Time => format!("90th percentile time in {}", self.unit.word()),
            LogStatistic::CaseCount => "number of cases".to_string(),
            LogStatistic::PercentWithinTarget => format!(
                "percentage of cases within {} minutes",
                self.target_minutes.unwrap_or_default()
            ),
            LogStatistic::PercentReaching => "percentage of cases that reach".to_string(),
        };
        let period = match self.period {
            Period::Week => "week (Monday to Sunday)",
            Period::Month => "calendar month",
        };
        let at = |o: &Option<String>| o.as_deref().map_or(String::new(), |o| format!(" at {o}"));
        let from = format!("'{}'{}", self.from_activity, at(&self.from_organisation));
        let to = format!("'{}'{}", self.to_activity, at(&self.to_organisation));
        format!(
            "Computed from the event log: {what} from {from} to the next {to} in each case, per {period} of the {from} event (England dates)."
        )
    }
}

/// The events one end of a measure counts: the activity's number in the log and, when an ODS
/// code is named, the log's organisation numbers that match it (case-insensitively, as
/// conformance matches); `None` for any organisation. O(organisations).
fn endpoint(
    log: &EventLog,
    activity: &str,
    organisation: Option<&str>,
) -> (Option<u32>, Option<Vec<u32>>) {
    let activity = log.activities().get(activity);
    let at = organisation.map(|code| {
        let names = log.organisations();
        (0..names.len() as u32)
            .filter(|&o| names.name(o).trim().eq_ignore_ascii_case(code.trim()))
            .collect()
    });
    (activity, at)
}

/// Whether event `i` of `case` is `activity`, at one of `at` when given. O(|at|).
fn is_event(case: &super::CaseEvents<'_>, i: usize, activity: u32, at: Option<&[u32]>) -> bool {
    case.activity[i] == activity && at.is_none_or(|at| at.contains(&case.organisation[i]))
}

/// The first day of the period holding `time_ms`, by the date in England.
fn period_start(time_ms: i64, period: Period) -> Option<NaiveDate> {
    let date = DateTime::from_timestamp_millis(time_ms)?
        .with_timezone(&London)
        .date_naive();
    Some(match period {
        Period::Week => date - Duration::days(date.weekday().num_days_from_monday() as i64),
        Period::Month => date.with_day(1)?,
    })
}

/// One point per period that has at least one case, in date order. Cases with `from` but no
/// later `to` count for `CASE_COUNT` only (they have no time yet). O(n + p log p) for n events
/// and p cases.
pub fn log_measure_points(log: &EventLog, def: &LogMeasureDefinition) -> Vec<(NaiveDate, f64)> {
    let (Some(from), from_at) = endpoint(log, &def.from_activity, def.from_organisation.as_deref())
    else {
        return Vec::new();
    };
    let (to, to_at) = endpoint(log, &def.to_activity, def.to_organisation.as_deref());
    let mut per_period: std::collections::BTreeMap<NaiveDate, (u64, Vec<f64>)> =
        std::collections::BTreeMap::new();
    for case in log.cases() {
        let Some(i) = (0..case.len()).find(|&i| is_event(&case, i, from, from_at.as_deref()))
        else {
            continue;
        };
        let Some(date) = period_start(case.time_ms[i], def.period) else {
            continue;
        };
        let slot = per_period.entry(date).or_default();
        slot.0 += 1;
        let reached = to
            .and_then(|to| (i + 1..case.len()).find(|&j| is_event(&case, j, to, to_at.as_deref())));
        if let Some(j) = reached {
            slot.1.push((case.time_ms[j] - case.time_ms[i]) as f64);
        }
    }
    per_period
        .into_iter()
        .filter_map(|(date, (cases, mut times))| {
            times.sort_by(f64::total_cmp);
            let unit = def.unit.millis();
            let value = match def.statistic {
                LogStatistic::CaseCount => cases as f64,
                LogStatistic::MedianTime => percentile(&times, 0.5)? / unit,
                LogStatistic::P90Time => percentile(&times, 0.9)? / unit,
                LogStatistic::MeanTime => {
                    if times.is_empty() {
                        return None;
                    }
                    times.iter().sum::<f64>() / times.len() as f64 / unit
                }
                LogStatistic::PercentWithinTarget => {
                    if times.is_empty() {
                        return None;
                    }
                    let target = def.target_minutes? * 60_000.0;
                    times.iter().filter(|&&t| t <= target).count() as f64 / times.len() as f64
                }
                LogStatistic::PercentReaching => times.len() as f64 / cases as f64,
            };
            Some((date, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Lifecycle, LogBuilder};

    fn def(statistic: LogStatistic, period: Period) -> LogMeasureDefinition {
        LogMeasureDefinition {
            from_activity: "Arrive".into(),
            from_organisation: None,
            to_organisation: None,
            to_activity: "Surgery".into(),
            statistic,
            period,
            unit: TimeUnit::Hours,
            target_minutes: Some(36.0 * 60.0),
        }
    }

    #[test]
    fn weekly_points_worked_by_hand() {
        // Mon 2024-01-01 and Sun 2024-01-07 fall in the week of 1 January; Mon 8th starts the next.
        let t = |s: &str| super::super::timestamp::parse_timestamp(s).unwrap();
        let mut b = LogBuilder::new();
        for (case, arrive, surgery) in [
            ("a", "2024-01-01T10:00:00Z", Some("2024-01-02T10:00:00Z")), // 24 h
            ("b", "2024-01-07T23:00:00Z", Some("2024-01-09T11:00:00Z")), // 36 h
            ("c", "2024-01-03T00:00:00Z", Some("2024-01-05T00:00:00Z")), // 48 h
            ("d", "2024-01-04T00:00:00Z", None),
            ("e", "2024-01-08T09:00:00Z", Some("2024-01-08T21:00:00Z")), // 12 h
        ] {
            b.push(case, "Arrive", t(arrive), None, Lifecycle::Unspecified);
            if let Some(s) = surgery {
                b.push(case, "Surgery", t(s), None, Lifecycle::Unspecified);
            }
        }
        let log = b.build();
        let jan1 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let jan8 = NaiveDate::from_ymd_opt(2024, 1, 8).unwrap();
        assert_eq!(
            log_measure_points(&log, &def(LogStatistic::MedianTime, Period::Week)),
            [(jan1, 36.0), (jan8, 12.0)]
        );
        assert_eq!(
            log_measure_points(&log, &def(LogStatistic::MeanTime, Period::Week)),
            [(jan1, 36.0), (jan8, 12.0)]
        );
        assert_eq!(
            log_measure_points(&log, &def(LogStatistic::CaseCount, Period::Week)),
            [(jan1, 4.0), (jan8, 1.0)]
        );
        let within =
            log_measure_points(&log, &def(LogStatistic::PercentWithinTarget, Period::Week));
        assert!(
            (within[0].1 - 2.0 / 3.0).abs() < 1e-9,
            "24 h and 36 h of 24, 36, 48 h"
        );
        assert_eq!(
            log_measure_points(&log, &def(LogStatistic::CaseCount, Period::Month)),
            [(jan1, 5.0)]
        );
        // Three of the first week's four cases reached surgery, the second week's one did.
        assert_eq!(
            log_measure_points(&log, &def(LogStatistic::PercentReaching, Period::Week)),
            [(jan1, 0.75), (jan8, 1.0)]
        );
        // p90 of 24, 36, 48: 36 + 0.8 * 12 = 45.6.
        let p90 = log_measure_points(&log, &def(LogStatistic::P90Time, Period::Week));
        assert!((p90[0].1 - 45.6).abs() < 1e-9);
    }

    #[test]
    fn summer_dates_are_england_dates() {
        // 2024-07-07T23:30Z is 00:30 on Monday 8 July in England.
        assert_eq!(
            period_start(
                super::super::timestamp::parse_timestamp("2024-07-07T23:30:00Z").unwrap(),
                Period::Week
            ),
            NaiveDate::from_ymd_opt(2024, 7, 8)
        );
    }

    #[test]
    fn definitions_are_checked() {
        let mut d = def(LogStatistic::PercentWithinTarget, Period::Week);
        d.target_minutes = None;
        d.from_activity = " ".into();
        let err = d.check().unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["fromActivity", "targetMinutes"]);
    }

    /// Issue 16: an assessment done in two organisations: naming the organisation measures the
    /// time to the rehab assessment, not to the first assessment of any kind.
    #[test]
    fn an_organisation_tells_apart_an_activity_done_in_two() {
        let t = |s: &str| super::super::timestamp::parse_timestamp(s).unwrap();
        let mut b = LogBuilder::new();
        for (case, day) in [("a", "01"), ("b", "02")] {
            let at = |h: &str| t(&format!("2024-01-{day}T{h}:00:00Z"));
            b.push(
                case,
                "Arrive",
                at("08"),
                Some("RX8"),
                Lifecycle::Unspecified,
            );
            b.push(
                case,
                "Assess",
                at("09"),
                Some("RX8"),
                Lifecycle::Unspecified,
            );
            b.push(
                case,
                "Assess",
                at("18"),
                Some("ryj"),
                Lifecycle::Unspecified,
            );
        }
        let log = b.build();
        let mut d = def(LogStatistic::MeanTime, Period::Month);
        d.to_activity = "Assess".into();
        let jan1 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        assert_eq!(log_measure_points(&log, &d), [(jan1, 1.0)]);
        d.to_organisation = Some("RYJ".into());
        assert_eq!(log_measure_points(&log, &d), [(jan1, 10.0)]);
        assert!(
            d.describe().contains("to the next 'Assess' at RYJ"),
            "{}",
            d.describe()
        );
        assert!(d.unseen_activities(&log).0.is_empty());
        d.to_organisation = Some("RTH".into());
        let unseen = d.unseen_activities(&log);
        assert_eq!(unseen.0[0].field, "toActivity");
        assert!(
            unseen.0[0].message.contains("organisation 'RTH'"),
            "{}",
            unseen.0[0].message
        );
        d.from_organisation = Some(" ".into());
        assert_eq!(d.check().unwrap_err().0[0].field, "fromOrganisation");
    }
}
