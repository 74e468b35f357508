//! A step's servers by hour of the week: clinic sessions, theatre lists, a ward's weekend staffing.
//! Outside every session the step has no servers (patients queue until the next session).

use crate::error::InputErrors;
use crate::values::Weekday;
use serde::{Deserialize, Serialize};

/// Hours in a week: simulated time is minutes from Monday 00:00, repeating weekly.
pub const HOURS_PER_WEEK: usize = 168;
/// Most servers a step may have at once.
pub const MAX_SERVERS: u32 = 100_000;
/// Most sessions one step's schedule may list.
pub const MAX_SESSIONS: usize = 168;

/// One session as users send it: `servers` servers from `fromHour` to `toHour` on each of `days`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SessionInput {
    pub days: Vec<Weekday>,
    /// 0 to 23: the session starts on the hour.
    pub from_hour: u8,
    /// 1 to 24, after `fromHour`.
    pub to_hour: u8,
    pub servers: u32,
}

/// Servers in each hour of the week, from checked sessions.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    sessions: Vec<SessionInput>,
    by_hour: Box<[u32; HOURS_PER_WEEK]>,
}

impl Schedule {
    /// Checks the sessions (hours in range, at least one day, servers within bounds, no two
    /// sessions on the same hour); errors name `[i].fromHour` and so on. O(sessions × 168).
    pub fn parse(sessions: &[SessionInput]) -> Result<Self, InputErrors> {
        let mut errors = InputErrors::default();
        if sessions.len() > MAX_SESSIONS {
            errors.push(
                "",
                format!(
                    "must list at most {MAX_SESSIONS} sessions, got {}",
                    sessions.len()
                ),
            );
            return Err(errors);
        }
        let mut by_hour = Box::new([0u32; HOURS_PER_WEEK]);
        let mut owner: Vec<Option<usize>> = vec![None; HOURS_PER_WEEK];
        for (i, s) in sessions.iter().enumerate() {
            let mut ok = true;
            if s.from_hour > 23 {
                errors.push(format!("[{i}].fromHour"), "must be 0 to 23");
                ok = false;
            }
            if s.to_hour > 24 || s.to_hour <= s.from_hour {
                errors.push(
                    format!("[{i}].toHour"),
                    format!("must be after fromHour ({}) and at most 24", s.from_hour),
                );
                ok = false;
            }
            if s.days.is_empty() {
                errors.push(format!("[{i}].days"), "must name at least one day");
            }
            if s.servers > MAX_SERVERS {
                errors.push(
                    format!("[{i}].servers"),
                    format!("must be at most {MAX_SERVERS}"),
                );
                ok = false;
            }
            if !ok {
                continue;
            }
            for day in &s.days {
                let base = Weekday::ALL.iter().position(|d| d == day).unwrap_or(0) * 24;
                for hour in base + s.from_hour as usize..base + s.to_hour as usize {
                    match owner[hour] {
                        Some(j) if j != i => {
                            errors.push(
                                format!("[{i}]"),
                                format!("overlaps [{j}] on {day} at {:02}:00", hour - base),
                            );
                            break;
                        }
                        _ => {
                            owner[hour] = Some(i);
                            by_hour[hour] = s.servers;
                        }
                    }
                }
            }
        }
        errors.into_result(|| Self {
            sessions: sessions.to_vec(),
            by_hour,
        })
    }

    /// A schedule from servers per hour of the week (hour 0: Monday 00:00-01:00).
    pub fn from_hours(by_hour: [u32; HOURS_PER_WEEK]) -> Self {
        Self {
            sessions: Vec::new(),
            by_hour: Box::new(by_hour),
        }
    }

    /// The sessions as users sent them.
    pub fn sessions(&self) -> &[SessionInput] {
        &self.sessions
    }

    /// Servers in hour `hour` of the week (0..168). O(1).
    pub fn servers_in_hour(&self, hour: usize) -> u32 {
        self.by_hour[hour % HOURS_PER_WEEK]
    }

    /// Mean servers over the week. O(168).
    pub fn mean_servers(&self) -> f64 {
        self.by_hour.iter().map(|&s| s as f64).sum::<f64>() / HOURS_PER_WEEK as f64
    }

    /// Most servers at any hour. O(168).
    pub fn max_servers(&self) -> u32 {
        self.by_hour.iter().copied().max().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_set_servers_by_hour_and_overlaps_are_named() {
        let theatre = SessionInput {
            days: vec![Weekday::Monday, Weekday::Wednesday],
            from_hour: 8,
            to_hour: 18,
            servers: 2,
        };
        let s = Schedule::parse(std::slice::from_ref(&theatre)).unwrap();
        assert_eq!(s.servers_in_hour(8), 2);
        assert_eq!(s.servers_in_hour(18), 0);
        assert_eq!(s.servers_in_hour(48 + 17), 2);
        assert_eq!(s.servers_in_hour(24 + 9), 0);
        assert_eq!(s.servers_in_hour(168 + 8), 2);
        let late = SessionInput {
            days: vec![Weekday::Wednesday],
            from_hour: 17,
            to_hour: 30,
            servers: 1,
        };
        let errors = Schedule::parse(&[theatre.clone(), late]).unwrap_err();
        assert_eq!(errors.0[0].field, "[1].toHour");
        let overlapping = SessionInput {
            days: vec![Weekday::Wednesday],
            from_hour: 17,
            to_hour: 20,
            servers: 1,
        };
        let errors = Schedule::parse(&[theatre, overlapping]).unwrap_err();
        assert_eq!(errors.0[0].field, "[1]");
        assert!(errors.0[0].message.contains("WEDNESDAY at 17:00"));
    }
}
