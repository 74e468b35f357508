//! PDSA cycles (Plan, Do, Study, Act) as a state machine, and the study of a cycle's predictions
//! against its measures' data. Storage, authors and clocks belong to the API; this module only
//! says which moves are legal and what the data shows.

use crate::spc::Direction;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where a cycle is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Stage {
    Plan,
    Do,
    Study,
    Act,
    /// Acted on: the decision is made.
    Closed,
    /// Stopped before ACT (planned by mistake, or overtaken): kept with its reason, left out of
    /// reports.
    Abandoned,
}

impl std::str::FromStr for Stage {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [
            Stage::Plan,
            Stage::Do,
            Stage::Study,
            Stage::Act,
            Stage::Closed,
            Stage::Abandoned,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
        .ok_or_else(|| format!("'{s}' is not a PDSA stage"))
    }
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Adopt => "ADOPT",
            Decision::Adapt => "ADAPT",
            Decision::Abandon => "ABANDON",
        }
    }
}

impl std::str::FromStr for Decision {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [Decision::Adopt, Decision::Adapt, Decision::Abandon]
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not a decision"))
    }
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Plan => "PLAN",
            Stage::Do => "DO",
            Stage::Study => "STUDY",
            Stage::Act => "ACT",
            Stage::Closed => "CLOSED",
            Stage::Abandoned => "ABANDONED",
        }
    }
}

/// What the team decides in ACT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Decision {
    Adopt,
    /// Change the idea and test again: opens the next cycle of the ramp.
    Adapt,
    Abandon,
}

/// What a prediction expects of a measure by the end of the cycle.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Expectation {
    /// The mean during the cycle reaches this value (in the measure's better direction).
    Value { value: f64 },
    /// The mean during the cycle moves this way against the mean before it.
    Direction { direction: Direction },
}

/// A prediction about one measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Prediction {
    pub measure: String,
    pub expectation: Expectation,
    /// The what-if lead time the change set predicts, when there is one.
    pub predicted_lead_time_minutes: Option<f64>,
    /// The simulation the predicted lead time comes from, when it comes from one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulation: Option<SimulationEvidence>,
}

/// A simulation run behind a prediction: which run, and what it gave (kept with the prediction,
/// so the evidence stays when old runs are cleared away).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SimulationEvidence {
    pub simulation_id: String,
    pub seed: u64,
    pub pathway_version: i64,
    pub lead_time_mean_minutes: f64,
    pub lead_time_ci95: [f64; 2],
    /// For a what-if run: the change in the mean lead time and its interval.
    pub difference_minutes: Option<f64>,
    pub difference_ci95: Option<[f64; 2]>,
}

/// A PDSA cycle's state.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cycle {
    pub stage: Stage,
    pub objective: String,
    /// The questions the cycle should answer.
    pub questions: Vec<String>,
    /// Who, what, where and when: how the test will run.
    pub plan: String,
    /// What data will be collected, by whom and how.
    pub data_collection: String,
    pub predictions: Vec<Prediction>,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub actual_start: Option<NaiveDate>,
    pub actual_end: Option<NaiveDate>,
    pub learning: Option<String>,
    pub decision: Option<Decision>,
    pub rationale: Option<String>,
}

impl Cycle {
    /// A new cycle in PLAN.
    pub fn plan(objective: impl Into<String>) -> Self {
        Self {
            stage: Stage::Plan,
            objective: objective.into(),
            questions: Vec::new(),
            plan: String::new(),
            data_collection: String::new(),
            predictions: Vec::new(),
            planned_start: None,
            planned_end: None,
            actual_start: None,
            actual_end: None,
            learning: None,
            decision: None,
            rationale: None,
        }
    }

    /// The next cycle of a ramp after ADAPT: back in PLAN with this cycle's plan copied as a
    /// starting point (objective, questions, plan, data collection, predictions) and nothing of
    /// its doing and studying. The planned dates move forward by this cycle's planned length
    /// (both ends, inclusive: a cycle planned for 1-14 January is followed by one planned for
    /// 15-28 January); without both planned dates the next has none. O(size of the plan).
    pub fn next_of_ramp(&self) -> Cycle {
        let (planned_start, planned_end) = match (self.planned_start, self.planned_end) {
            (Some(start), Some(end)) if end >= start => {
                let length = (end - start) + chrono::Duration::days(1);
                (
                    start.checked_add_signed(length),
                    end.checked_add_signed(length),
                )
            }
            _ => (None, None),
        };
        Cycle {
            questions: self.questions.clone(),
            plan: self.plan.clone(),
            data_collection: self.data_collection.clone(),
            predictions: self.predictions.clone(),
            planned_start,
            planned_end,
            ..Cycle::plan(self.objective.clone())
        }
    }
}

/// A move from one stage to the next.
#[derive(Debug, Clone, PartialEq)]
pub enum Move {
    /// PLAN → DO: the test starts (needs at least one prediction).
    Start { actual_start: NaiveDate },
    /// DO → STUDY: the test ends (needs the end date, not before the start).
    Complete { actual_end: NaiveDate },
    /// STUDY → ACT: what the team learned (needs words).
    Learn { learning: String },
    /// ACT → CLOSED: the decision and why.
    Decide {
        decision: Decision,
        rationale: String,
    },
    /// PLAN, DO or STUDY → ABANDONED: the cycle stops, for a reason (in ACT the team decides
    /// ABANDON instead, with what it learned).
    Abandon { reason: String },
}

/// Applies a move, or says why it is not allowed (the message names the stage and what is
/// missing). Returns the cycle after the move. O(1).
pub fn advance(cycle: &Cycle, action: Move) -> Result<Cycle, String> {
    let mut next = cycle.clone();
    match (cycle.stage, action) {
        (Stage::Plan, Move::Start { actual_start }) => {
            if cycle.predictions.is_empty() {
                return Err("cannot move to DO: the plan has no prediction".into());
            }
            next.stage = Stage::Do;
            next.actual_start = Some(actual_start);
        }
        (Stage::Do, Move::Complete { actual_end }) => {
            if cycle.actual_start.is_some_and(|s| actual_end < s) {
                return Err(format!(
                    "cannot move to STUDY: the end date {actual_end} is before the start"
                ));
            }
            next.stage = Stage::Study;
            next.actual_end = Some(actual_end);
        }
        (Stage::Study, Move::Learn { learning }) => {
            if learning.trim().is_empty() {
                return Err("cannot move to ACT: write down what was learned first".into());
            }
            next.stage = Stage::Act;
            next.learning = Some(learning.trim().to_string());
        }
        (
            Stage::Act,
            Move::Decide {
                decision,
                rationale,
            },
        ) => {
            if rationale.trim().is_empty() {
                return Err("cannot close the cycle: give the reason for the decision".into());
            }
            next.stage = Stage::Closed;
            next.decision = Some(decision);
            next.rationale = Some(rationale.trim().to_string());
        }
        (Stage::Plan | Stage::Do | Stage::Study, Move::Abandon { reason }) => {
            if reason.trim().is_empty() {
                return Err("cannot abandon the cycle: give the reason".into());
            }
            next.stage = Stage::Abandoned;
            next.rationale = Some(reason.trim().to_string());
        }
        (stage, action) => {
            let wanted = match action {
                Move::Start { .. } => "start (from PLAN)",
                Move::Complete { .. } => "complete (from DO)",
                Move::Learn { .. } => "record learning (from STUDY)",
                Move::Decide { .. } => "decide (from ACT)",
                Move::Abandon { .. } => "abandon (before ACT; in ACT decide ABANDON)",
            };
            return Err(format!(
                "cannot {wanted}: the cycle is in {}",
                stage.as_str()
            ));
        }
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 13: a cycle planned by mistake sat in every report as "(Plan)" for good.
    #[test]
    fn a_cycle_is_abandoned_with_a_reason_before_act_only() {
        let plan = Cycle::plan("Test a huddle");
        let abandon = |reason: &str| Move::Abandon {
            reason: reason.into(),
        };
        assert!(advance(&plan, abandon(" ")).is_err());
        let gone = advance(&plan, abandon("planned twice by mistake")).unwrap();
        assert_eq!(gone.stage, Stage::Abandoned);
        assert_eq!(gone.rationale.as_deref(), Some("planned twice by mistake"));
        let err = advance(&gone, abandon("again")).unwrap_err();
        assert!(err.contains("ABANDONED"), "{err}");
        let mut act = plan.clone();
        act.stage = Stage::Act;
        assert!(
            advance(&act, abandon("late"))
                .unwrap_err()
                .contains("decide ABANDON")
        );
        assert_eq!("ABANDONED".parse::<Stage>(), Ok(Stage::Abandoned));
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new(u64::from(d) * 7)
    }

    fn planned() -> Cycle {
        let mut c = Cycle::plan("Cut the wait for hip surgery");
        c.predictions.push(Prediction {
            measure: "Hours to theatre".into(),
            expectation: Expectation::Value { value: 30.0 },
            predicted_lead_time_minutes: None,
            simulation: None,
        });
        c
    }

    #[test]
    fn a_cycle_goes_round_in_order() {
        let c = advance(
            &planned(),
            Move::Start {
                actual_start: day(10),
            },
        )
        .unwrap();
        assert_eq!(c.stage, Stage::Do);
        let c = advance(
            &c,
            Move::Complete {
                actual_end: day(14),
            },
        )
        .unwrap();
        assert_eq!(c.stage, Stage::Study);
        let c = advance(
            &c,
            Move::Learn {
                learning: "A shared theatre list helps".into(),
            },
        )
        .unwrap();
        assert_eq!(c.stage, Stage::Act);
        let c = advance(
            &c,
            Move::Decide {
                decision: Decision::Adapt,
                rationale: "Try weekends too".into(),
            },
        )
        .unwrap();
        assert_eq!(
            (c.stage, c.decision),
            (Stage::Closed, Some(Decision::Adapt))
        );
        let next = c.next_of_ramp();
        assert_eq!(next.stage, Stage::Plan);
        assert_eq!(next.predictions, c.predictions);
        assert_eq!(next.actual_start, None);
    }

    #[test]
    fn the_next_cycle_of_a_ramp_is_planned_one_cycle_length_later() {
        let date = |m, d| NaiveDate::from_ymd_opt(2025, m, d).unwrap();
        let cycle = Cycle {
            plan: "Ward 7, weekdays".into(),
            planned_start: Some(date(1, 1)),
            planned_end: Some(date(1, 14)),
            ..Cycle::plan("Nurse-requested X-ray")
        };
        let next = cycle.next_of_ramp();
        assert_eq!(
            (next.planned_start, next.planned_end),
            (Some(date(1, 15)), Some(date(1, 28)))
        );
        assert_eq!(next.plan, "Ward 7, weekdays");
        // Across a month end, a one-day cycle, and no dates at all.
        let one_day = Cycle {
            planned_start: Some(date(1, 31)),
            planned_end: Some(date(1, 31)),
            ..Cycle::plan("x")
        };
        assert_eq!(one_day.next_of_ramp().planned_start, Some(date(2, 1)));
        let open = Cycle {
            planned_start: Some(date(1, 31)),
            ..Cycle::plan("x")
        };
        assert_eq!(open.next_of_ramp().planned_start, None);
    }

    #[test]
    fn illegal_moves_say_why() {
        let err = advance(
            &Cycle::plan("x"),
            Move::Start {
                actual_start: day(1),
            },
        )
        .unwrap_err();
        assert_eq!(err, "cannot move to DO: the plan has no prediction");
        let err = advance(&planned(), Move::Complete { actual_end: day(1) }).unwrap_err();
        assert_eq!(err, "cannot complete (from DO): the cycle is in PLAN");
        let doing = advance(
            &planned(),
            Move::Start {
                actual_start: day(5),
            },
        )
        .unwrap();
        let err = advance(&doing, Move::Complete { actual_end: day(4) }).unwrap_err();
        assert!(err.contains("before the start"), "{err}");
        let studying = advance(&doing, Move::Complete { actual_end: day(6) }).unwrap();
        let err = advance(
            &studying,
            Move::Learn {
                learning: "  ".into(),
            },
        )
        .unwrap_err();
        assert!(err.contains("learned"), "{err}");
    }
}
