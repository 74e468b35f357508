//! PDSA cycles through GraphQL: plan, move on (one `advanceCycle` with a typed move), observe,
//! and study the predictions against the measures' data.

use super::context::{change, db, parse_id};
use super::enums::*;
use crate::store::{cycles, cycles::CycleRecord};
use async_graphql::{
    ComplexObject, Context, Enum, ID, InputObject, Object, OneofObject, Result, SimpleObject,
};
use chrono::{DateTime, NaiveDate, Utc};
use engine::pdsa::{Cycle, Expectation, Move, Prediction};

/// The stage of a PDSA cycle.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::pdsa::Stage")]
pub enum PdsaStage {
    /// Planning the test: objective, questions and predictions.
    Plan,
    /// Testing the change.
    Do,
    /// Comparing what happened with the predictions.
    Study,
    /// Deciding what to do with the change.
    Act,
    /// Decided.
    Closed,
    /// Stopped before it finished (with a reason); left out of reports.
    Abandoned,
}

/// What a team decides at the end of a PDSA cycle.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "engine::pdsa::Decision")]
pub enum PdsaDecision {
    /// Make the change the way things are done (the project's pathway takes a new DRAFT with the
    /// change set).
    Adopt,
    /// Change it and test again: the next cycle of the ramp is planned.
    Adapt,
    /// Drop the change.
    Abandon,
}

fn date(field: &str, text: &str) -> Result<NaiveDate, crate::Error> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| crate::Error::invalid(field, format!("'{text}' is not a YYYY-MM-DD date")))
}

/// What a cycle predicts for one measure: an expected value or an expected direction.
#[derive(InputObject)]
pub struct PredictionInput {
    /// The measure (its id), of the cycle's project.
    pub measure_id: ID,
    /// The value the measure should reach; give this or `expectedDirection`.
    pub expected_value: Option<f64>,
    /// The direction the measure should move; give this or `expectedValue`.
    pub expected_direction: Option<ImprovementDirection>,
    /// The lead time a what-if predicts for the change, when there is one.
    pub predicted_lead_time_minutes: Option<f64>,
    /// A finished simulation this prediction rests on (its id): its mean lead time becomes
    /// `predictedLeadTimeMinutes` when that is left out, and the run's figures are kept with
    /// the prediction as its evidence.
    pub simulation_id: Option<ID>,
}

/// The plan of a PDSA cycle, as it should be.
#[derive(InputObject)]
pub struct CyclePlanInput {
    /// The change idea the cycle tests.
    pub change_idea: String,
    /// The change idea of the project's driver diagram this cycle tests.
    pub change_idea_id: Option<ID>,
    /// What this cycle tests and why, in one sentence.
    pub objective: String,
    /// The questions the cycle should answer.
    #[graphql(default)]
    pub questions: Vec<String>,
    /// Who, what, where and when.
    #[graphql(default)]
    pub plan: String,
    /// What data will be collected, by whom and how.
    #[graphql(default)]
    pub data_collection: String,
    /// What the team expects each measure to do: a cycle needs at least one to start.
    #[graphql(default)]
    pub predictions: Vec<PredictionInput>,
    /// YYYY-MM-DD.
    pub planned_start: Option<String>,
    /// When the test should end (YYYY-MM-DD); null when open.
    pub planned_end: Option<String>,
}

/// A new cycle in PLAN.
#[derive(InputObject)]
pub struct PlanCycleInput {
    /// The project (its id).
    pub project_id: ID,
    /// The cycle before this one on the same ramp.
    pub previous_cycle_id: Option<ID>,
    /// The plan's own fields, as `updateCyclePlan` takes them.
    #[graphql(flatten)]
    pub plan: CyclePlanInput,
}

/// Moving a cycle from PLAN to DO: when the test started.
#[derive(InputObject)]
pub struct StartMove {
    /// YYYY-MM-DD.
    pub actual_start: String,
}

/// Moving a cycle from DO to STUDY: when the test ended.
#[derive(InputObject)]
pub struct CompleteMove {
    /// YYYY-MM-DD.
    pub actual_end: String,
}

/// Moving a cycle from STUDY to ACT: what the team learned.
#[derive(InputObject)]
pub struct LearnMove {
    /// What the test showed, compared with the predictions.
    pub learning: String,
}

/// Moving a cycle from ACT to CLOSED: the decision and why.
#[derive(InputObject)]
pub struct DecideMove {
    /// ADOPT the change, ADAPT it (plans the next cycle of the ramp) or ABANDON it.
    pub decision: PdsaDecision,
    /// Why, in the team's words.
    pub rationale: String,
}

/// The next move of a cycle; exactly one field is set.
#[derive(OneofObject)]
pub enum CycleMoveInput {
    /// PLAN → DO (needs a prediction).
    Start(StartMove),
    /// DO → STUDY (needs the end date).
    Complete(CompleteMove),
    /// STUDY → ACT (needs the learning).
    Learn(LearnMove),
    /// ACT → CLOSED; ADAPT also plans the next cycle of the ramp.
    Decide(DecideMove),
}

/// What the team expects one measure to do during a cycle.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct PredictionView {
    /// The measure, when its id is one; the cycle's planned first and last days.
    #[graphql(skip)]
    measure: Option<uuid::Uuid>,
    #[graphql(skip)]
    planned: Option<(NaiveDate, NaiveDate)>,
    /// The measure (its id).
    measure_id: ID,
    /// The value expected; null when a direction is given.
    expected_value: Option<f64>,
    /// The direction expected; null when a value is given.
    expected_direction: Option<ImprovementDirection>,
    /// For a change idea with a change set: the pathway's lead time the what-if predicts, in
    /// minutes; null otherwise.
    predicted_lead_time_minutes: Option<f64>,
    /// The simulation the predicted lead time comes from, with its figures; null when it does
    /// not come from one.
    simulation: Option<SimulationEvidenceView>,
}

/// The simulation run a prediction rests on, and what it gave.
#[derive(SimpleObject)]
#[graphql(name = "SimulationEvidence")]
pub struct SimulationEvidenceView {
    /// The run (its id; it may since have been cleared away, the figures stay here).
    simulation_id: ID,
    /// Its seed.
    seed: i64,
    /// The pathway's version it ran on.
    pathway_version: i64,
    /// Its mean lead time, minutes.
    lead_time_mean_minutes: f64,
    /// The 95% interval of that mean.
    lead_time_ci95: Vec<f64>,
    /// For a what-if run: the change in the mean lead time, minutes.
    difference_minutes: Option<f64>,
    /// Its 95% interval.
    difference_ci95: Option<Vec<f64>>,
}

impl From<&engine::pdsa::SimulationEvidence> for SimulationEvidenceView {
    fn from(e: &engine::pdsa::SimulationEvidence) -> Self {
        Self {
            simulation_id: ID(e.simulation_id.clone()),
            seed: e.seed as i64,
            pathway_version: e.pathway_version,
            lead_time_mean_minutes: e.lead_time_mean_minutes,
            lead_time_ci95: e.lead_time_ci95.to_vec(),
            difference_minutes: e.difference_minutes,
            difference_ci95: e.difference_ci95.map(|d| d.to_vec()),
        }
    }
}

/// Whether a cycle is long enough to see the change a prediction names.
#[derive(SimpleObject)]
pub struct PlannedSignalView {
    /// How long the change from the baseline's mean to the predicted value takes to show.
    time_to_signal: super::measures::TimeToSignalView,
    /// The measure's points the cycle's planned dates hold; null without both dates.
    points_in_cycle: Option<i64>,
    /// The cycle holds fewer points than the change needs on average to show.
    too_short: bool,
    /// The warning in words when it is too short.
    warning: Option<String>,
}

#[ComplexObject]
impl PredictionView {
    /// For a predicted value on an XmR measure: how many new points the change from the
    /// baseline's mean to that value needs before the chart shows it, and whether the cycle's
    /// planned dates hold that many. Null for a predicted direction (it names no size), another
    /// chart type, or a measure without a baseline to measure from.
    async fn time_to_signal(&self, ctx: &Context<'_>) -> Result<Option<PlannedSignalView>> {
        let (Some(value), Some(measure_id)) = (self.expected_value, self.measure) else {
            return Ok(None);
        };
        let caller = super::context::caller_of(ctx);
        let db = db(ctx)?;
        let Ok(record) = crate::store::measures::measure(db, &caller, measure_id).await else {
            return Ok(None);
        };
        let points = crate::store::measures::points(db, &caller, measure_id).await?;
        let request = record.chart_request(&points);
        let measure = record.measure.clone();
        let found = crate::blocking::compute(move |_| {
            engine::spc::time_to_signal::for_target(&measure, &points, &request, value)
        })
        .await?;
        let Ok(found) = found else {
            return Ok(None);
        };
        let (points_in_cycle, too_short) = match self.planned {
            Some((start, end)) => engine::spc::time_to_signal::in_cycle(&found, start, end),
            None => (None, false),
        };
        let needed = found.time.expected_points;
        let warning = too_short.then(|| {
            format!(
                "the planned dates hold {} points; {} reaching {value} needs about {needed:.0} to show on its chart (9 times in 10 within {})",
                points_in_cycle.unwrap_or(0),
                record.measure.name,
                found.time.p90_points
            )
        });
        Ok(Some(PlannedSignalView {
            time_to_signal: found.into(),
            points_in_cycle,
            too_short,
            warning,
        }))
    }
}

/// One move of a PDSA cycle between stages.
#[derive(SimpleObject)]
pub struct CycleMoveView {
    /// The stage it left.
    from: PdsaStage,
    /// The stage it entered.
    to: PdsaStage,
    /// When (UTC).
    at: DateTime<Utc>,
    /// Who moved it, by name.
    by: String,
}

/// Something the team saw while testing a change, in their words.
#[derive(SimpleObject)]
#[graphql(name = "Observation")]
pub struct ObservationView {
    /// Its id: pass it to `correctObservation` or `retractObservation`.
    #[graphql(owned)]
    pub(crate) id: ID,
    /// When it was recorded (UTC).
    at: DateTime<Utc>,
    /// Who recorded it.
    author: String,
    /// What was seen.
    text: String,
    /// When the text was last corrected.
    corrected_at: Option<DateTime<Utc>>,
    /// Who retracted it, when and why (only with `includeWithdrawn`).
    withdrawal: Option<super::withdrawal::Withdrawal>,
}

impl From<cycles::ObservationRecord> for ObservationView {
    fn from(o: cycles::ObservationRecord) -> Self {
        Self {
            id: ID(o.id.to_string()),
            at: o.at,
            author: o.author,
            text: o.text,
            corrected_at: o.corrected_at,
            withdrawal: o.withdrawal.map(Into::into),
        }
    }
}

/// A PDSA cycle testing one change idea.
pub struct CycleView(pub CycleRecord);

/// A Plan-Do-Study-Act cycle testing one change idea: its plan and predictions, its moves between
/// stages, what was observed and learned, and the decision.
#[Object(name = "PdsaCycle")]
impl CycleView {
    /// Its id.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The change idea it tests, in words.
    async fn change_idea(&self) -> &str {
        &self.0.change_idea
    }
    /// The change idea of the driver diagram it tests (its id); null when not from the diagram.
    async fn change_idea_id(&self) -> Option<ID> {
        self.0.change_idea_id.map(|id| ID(id.to_string()))
    }
    /// Where the cycle is: PLAN, DO, STUDY, ACT, CLOSED or ABANDONED.
    async fn stage(&self) -> PdsaStage {
        self.0.cycle.stage.into()
    }
    /// Send it back as `expectedVersion` when moving the cycle.
    async fn version(&self) -> i64 {
        self.0.version
    }
    /// What this cycle tests and why.
    async fn objective(&self) -> &str {
        &self.0.cycle.objective
    }
    /// The questions the cycle should answer.
    async fn questions(&self) -> &[String] {
        &self.0.cycle.questions
    }
    /// Who, what, where and when.
    async fn plan(&self) -> &str {
        &self.0.cycle.plan
    }
    /// How the team collects the data the predictions need.
    async fn data_collection(&self) -> &str {
        &self.0.cycle.data_collection
    }
    /// The cycle before it on the same ramp (its id); null for the first.
    async fn previous_cycle_id(&self) -> Option<ID> {
        self.0.previous_cycle_id.map(|id| ID(id.to_string()))
    }
    /// What the team expects each measure to do.
    async fn predictions(&self) -> Vec<PredictionView> {
        self.0
            .cycle
            .predictions
            .iter()
            .map(|p| PredictionView {
                measure: p.measure.parse().ok(),
                planned: self.0.cycle.planned_start.zip(self.0.cycle.planned_end),
                measure_id: ID(p.measure.clone()),
                expected_value: match p.expectation {
                    Expectation::Value { value } => Some(value),
                    Expectation::Direction { .. } => None,
                },
                expected_direction: match p.expectation {
                    Expectation::Direction { direction } => Some(match direction {
                        engine::spc::Direction::Increase => ImprovementDirection::Increase,
                        engine::spc::Direction::Decrease => ImprovementDirection::Decrease,
                        engine::spc::Direction::Neutral => ImprovementDirection::Neutral,
                    }),
                    Expectation::Value { .. } => None,
                },
                predicted_lead_time_minutes: p.predicted_lead_time_minutes,
                simulation: p.simulation.as_ref().map(Into::into),
            })
            .collect()
    }
    /// When the test should start; null when open.
    async fn planned_start(&self) -> Option<NaiveDate> {
        self.0.cycle.planned_start
    }
    /// When the test should end; null when open.
    async fn planned_end(&self) -> Option<NaiveDate> {
        self.0.cycle.planned_end
    }
    /// When the test started; null before DO.
    async fn actual_start(&self) -> Option<NaiveDate> {
        self.0.cycle.actual_start
    }
    /// When the test ended; null before STUDY.
    async fn actual_end(&self) -> Option<NaiveDate> {
        self.0.cycle.actual_end
    }
    /// What the team learned, written at STUDY; null before.
    async fn learning(&self) -> Option<&str> {
        self.0.cycle.learning.as_deref()
    }
    /// ADOPT, ADAPT or ABANDON once decided; null before.
    async fn decision(&self) -> Option<PdsaDecision> {
        self.0.cycle.decision.map(Into::into)
    }
    /// Why the decision was made; null before it.
    async fn rationale(&self) -> Option<&str> {
        self.0.cycle.rationale.as_deref()
    }
    /// Every move: from, to, when, by whom.
    async fn history(&self, ctx: &Context<'_>) -> Result<Vec<CycleMoveView>> {
        Ok(
            cycles::history(db(ctx)?, &super::context::caller_of(ctx), self.0.id)
                .await?
                .into_iter()
                .map(|m| CycleMoveView {
                    from: m.from.into(),
                    to: m.to.into(),
                    at: m.at,
                    by: m.by,
                })
                .collect(),
        )
    }
    /// What the team saw while doing the test, oldest first; retracted ones only with
    /// `includeWithdrawn`.
    #[graphql(complexity = "super::paging::cost(first, last, child_complexity)")]
    async fn observations(
        &self,
        ctx: &Context<'_>,
        #[graphql(default, desc = "Also the observations retracted or corrected.")]
        include_withdrawn: bool,
        #[graphql(
            desc = "At most this many from the start (or after `after`): 1 to 100; 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor from this list: start after its item.")] after: Option<String>,
        #[graphql(desc = "At most this many from the end (or before `before`): 1 to 100.")]
        last: Option<i32>,
        #[graphql(desc = "A cursor from this list: end before its item.")] before: Option<String>,
    ) -> Result<super::paging::Connection<ObservationView>> {
        let observations = cycles::observations(
            db(ctx)?,
            &super::context::caller_of(ctx),
            self.0.id,
            include_withdrawn,
        )
        .await?;
        Ok(super::paging::page_of(
            observations,
            super::paging::Paging::new(first, after, last, before),
            |o| o.id.to_string(),
            Into::into,
        )?)
    }
    /// Each prediction judged on its measure's chart: limits fixed from the points before the
    /// DO date, then the points from it to the end of STUDY (or today). Empty before DO.
    async fn study(&self, ctx: &Context<'_>) -> Result<Vec<super::studies::PredictionStudy>> {
        super::studies::study_of(ctx, &self.0).await
    }
}

/// A moved cycle; the next cycle of the ramp after ADAPT; the new pathway version after ADOPT.
#[derive(SimpleObject)]
pub struct AdvanceCyclePayload {
    /// The cycle, moved.
    cycle: CycleView,
    /// The next cycle of the ramp, planned when the decision was ADAPT; null otherwise.
    next_cycle: Option<CycleView>,
    /// After ADOPT of a change idea with a change set: the new draft of the project's pathway,
    /// with the change applied.
    new_pathway_version_id: Option<ID>,
}

#[derive(Default)]
pub struct CycleQuery;

#[Object]
impl CycleQuery {
    /// One PDSA cycle by id.
    async fn cycle(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The cycle's id.")] id: ID,
    ) -> Result<CycleView> {
        let caller = super::context::caller_of(ctx);
        let id = parse_id("id", &id)?;
        Ok(CycleView(cycles::get(db(ctx)?, &caller, id).await?))
    }
}

#[derive(Default)]
pub struct CycleMutation;

#[Object]
impl CycleMutation {
    /// Plans a PDSA cycle.
    async fn plan_cycle(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to create or change (see the input type for each field).")]
        input: PlanCycleInput,
    ) -> Result<CycleView> {
        let project_id = parse_id("projectId", &input.project_id)?;
        let previous = input
            .previous_cycle_id
            .as_ref()
            .map(|id| parse_id("previousCycleId", id))
            .transpose()?;
        let simulations = simulation_ids(&input.plan)?;
        let (change_idea_id, change_idea, mut cycle) = checked_plan(input.plan)?;
        with_simulation_evidence(ctx, &mut cycle, simulations).await?;
        let record = cycles::plan(
            db(ctx)?,
            &change(ctx),
            project_id,
            previous,
            change_idea_id,
            &change_idea,
            cycle,
        )
        .await?;
        Ok(CycleView(record))
    }

    /// Replaces the plan of a cycle still in PLAN (send the whole plan as it should be). In any
    /// later stage the plan is the record the study is judged against: `VALIDATION`.
    async fn update_cycle_plan(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The cycle (its id), in PLAN.")] cycle_id: ID,
        #[graphql(
            desc = "The `version` you last read: if someone changed the record since, the change is refused with `CONFLICT` and nothing is saved."
        )]
        expected_version: i64,
        #[graphql(desc = "The plan, replacing the one before.")] plan: CyclePlanInput,
    ) -> Result<CycleView> {
        let id = parse_id("cycleId", &cycle_id)?;
        let simulations = simulation_ids(&plan)?;
        let (change_idea_id, change_idea, mut cycle) = checked_plan(plan)?;
        with_simulation_evidence(ctx, &mut cycle, simulations).await?;
        Ok(CycleView(
            cycles::update_plan(
                db(ctx)?,
                &change(ctx),
                id,
                expected_version,
                change_idea_id,
                &change_idea,
                cycle,
            )
            .await?,
        ))
    }

    /// Corrects the text of an observation; the audit trail keeps the text before.
    async fn correct_observation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The observation to correct (its id).")] observation_id: ID,
        #[graphql(desc = "The corrected text (the old one is kept, withdrawn).")] text: String,
    ) -> Result<ObservationView> {
        let text = engine::values::parse_text(&text, 10_000)
            .map_err(|m| crate::Error::invalid("text", m))?;
        correct_observation(
            ctx,
            &observation_id,
            cycles::ObservationCorrection::Text(text),
        )
        .await
    }

    /// Retracts an observation: it leaves the cycle and stays in
    /// `observations(includeWithdrawn: true)` with who, when and why.
    async fn retract_observation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The observation to retract (its id).")] observation_id: ID,
        #[graphql(
            desc = "Why, in words the team will understand later; kept with the record and in the audit trail."
        )]
        reason: String,
    ) -> Result<ObservationView> {
        let reason = crate::store::rows::parse_reason(&reason)?;
        correct_observation(
            ctx,
            &observation_id,
            cycles::ObservationCorrection::Retract(reason),
        )
        .await
    }

    /// Moves a cycle to its next stage. An illegal move is a `VALIDATION` error saying why
    /// (for example "cannot move to DO: the plan has no prediction").
    async fn advance_cycle(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The PDSA cycle (its id).")] cycle_id: ID,
        #[graphql(
            desc = "The `version` you last read: if someone changed the record since, the change is refused with `CONFLICT` and nothing is saved."
        )]
        expected_version: i64,
        #[graphql(
            desc = "The move to make: exactly one of start, complete, learn or decide, the one the cycle's stage allows."
        )]
        action: CycleMoveInput,
    ) -> Result<AdvanceCyclePayload> {
        let id = parse_id("cycleId", &cycle_id)?;
        let action = match action {
            CycleMoveInput::Start(m) => Move::Start {
                actual_start: date("actualStart", &m.actual_start)?,
            },
            CycleMoveInput::Complete(m) => Move::Complete {
                actual_end: date("actualEnd", &m.actual_end)?,
            },
            CycleMoveInput::Learn(m) => Move::Learn {
                learning: m.learning,
            },
            CycleMoveInput::Decide(m) => Move::Decide {
                decision: m.decision.into(),
                rationale: m.rationale,
            },
        };
        let advanced =
            cycles::advance_cycle(db(ctx)?, &change(ctx), id, expected_version, action).await?;
        Ok(AdvanceCyclePayload {
            cycle: CycleView(advanced.cycle),
            next_cycle: advanced.next_cycle.map(CycleView),
            new_pathway_version_id: advanced.new_pathway_version.map(|id| ID(id.to_string())),
        })
    }

    /// Stops a cycle in PLAN, DO or STUDY for `reason` (planned by mistake, overtaken): it stays
    /// in the project's history, stage ABANDONED with the reason as its rationale, and leaves the
    /// report. In ACT the team decides ABANDON instead.
    async fn abandon_cycle(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The cycle to abandon (in PLAN, DO or STUDY): its id.")] cycle_id: ID,
        #[graphql(
            desc = "The `version` you last read: if someone changed the record since, the change is refused with `CONFLICT` and nothing is saved."
        )]
        expected_version: i64,
        #[graphql(
            desc = "Why, in words the team will understand later; kept with the record and in the audit trail."
        )]
        reason: String,
    ) -> Result<CycleView> {
        let id = parse_id("cycleId", &cycle_id)?;
        let advanced = cycles::advance_cycle(
            db(ctx)?,
            &change(ctx),
            id,
            expected_version,
            Move::Abandon { reason },
        )
        .await?;
        Ok(CycleView(advanced.cycle))
    }

    /// Records an observation on a cycle in DO.
    async fn add_observation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The cycle the observation belongs to (its id).")] cycle_id: ID,
        #[graphql(desc = "What the team saw, in their words (never a patient's identity).")]
        text: String,
    ) -> Result<CycleView> {
        let id = parse_id("cycleId", &cycle_id)?;
        let text = engine::values::parse_text(&text, 10_000)
            .map_err(|m| crate::Error::invalid("text", m))?;
        Ok(CycleView(
            cycles::observe(db(ctx)?, &change(ctx), id, &text).await?,
        ))
    }
}

async fn correct_observation(
    ctx: &Context<'_>,
    observation_id: &ID,
    correction: cycles::ObservationCorrection,
) -> Result<ObservationView> {
    let id = parse_id("observationId", observation_id)?;
    Ok(
        cycles::correct_observation(db(ctx)?, &change(ctx), id, correction)
            .await?
            .into(),
    )
}

/// The simulation each prediction names, by its place.
fn simulation_ids(plan: &CyclePlanInput) -> Result<Vec<Option<uuid::Uuid>>> {
    Ok((plan.predictions.iter().enumerate())
        .map(|(i, p)| {
            (p.simulation_id.as_ref())
                .map(|id| parse_id(&format!("predictions[{i}].simulationId"), id))
                .transpose()
        })
        .collect::<std::result::Result<_, _>>()?)
}

/// Keeps with each prediction the figures of the finished simulation it names (a run the caller
/// cannot see is `NOT_FOUND`; one not finished, `VALIDATION`).
async fn with_simulation_evidence(
    ctx: &Context<'_>,
    cycle: &mut Cycle,
    simulations: Vec<Option<uuid::Uuid>>,
) -> Result<()> {
    let caller = super::context::caller_of(ctx);
    for (i, (prediction, id)) in cycle.predictions.iter_mut().zip(simulations).enumerate() {
        let Some(id) = id else { continue };
        let run = crate::store::simulations::get(db(ctx)?, &caller, id).await?;
        let Some(evidence) = run.evidence() else {
            return Err(crate::Error::invalid(
                format!("predictions[{i}].simulationId"),
                "the simulation has not finished: wait for it, or name another",
            )
            .into());
        };
        prediction.predicted_lead_time_minutes = prediction
            .predicted_lead_time_minutes
            .or(Some(evidence.lead_time_mean_minutes));
        prediction.simulation = Some(evidence);
    }
    Ok(())
}

/// A plan checked: the change idea's id and words, and the cycle in PLAN. Every mistake is
/// named by its field (`predictions[1]`, `plannedEnd`).
fn checked_plan(input: CyclePlanInput) -> Result<(Option<uuid::Uuid>, String, Cycle)> {
    let change_idea_id = input
        .change_idea_id
        .as_ref()
        .map(|id| parse_id("changeIdeaId", id))
        .transpose()?;
    let mut errors = engine::InputErrors::default();
    let change_idea = errors.check(
        "changeIdea",
        engine::values::parse_text(&input.change_idea, 200),
    );
    let objective = errors.check(
        "objective",
        engine::values::parse_text(&input.objective, 10_000),
    );
    let mut predictions = Vec::new();
    for (i, p) in input.predictions.iter().enumerate() {
        let expectation = match (p.expected_value, p.expected_direction) {
            (Some(value), None) if value.is_finite() => Expectation::Value { value },
            (None, Some(direction)) => Expectation::Direction {
                direction: engine::ImprovementDirection::from(direction).into(),
            },
            _ => {
                errors.push(
                    format!("predictions[{i}]"),
                    "give either a finite expectedValue or an expectedDirection",
                );
                continue;
            }
        };
        predictions.push(Prediction {
            measure: p.measure_id.to_string(),
            expectation,
            predicted_lead_time_minutes: p.predicted_lead_time_minutes,
            simulation: None,
        });
    }
    let planned_start = input
        .planned_start
        .as_deref()
        .map(|d| date("plannedStart", d))
        .transpose()?;
    let planned_end = input
        .planned_end
        .as_deref()
        .map(|d| date("plannedEnd", d))
        .transpose()?;
    let (Some(change_idea), Some(objective)) = (change_idea, objective) else {
        return Err(crate::Error::Validation(errors).into());
    };
    if !errors.is_empty() {
        return Err(crate::Error::Validation(errors).into());
    }
    let mut questions = Vec::new();
    for (i, q) in input.questions.iter().enumerate() {
        match engine::values::parse_text(q, 1_000) {
            Ok(q) => questions.push(q),
            Err(m) => return Err(crate::Error::invalid(format!("questions[{i}]"), m).into()),
        }
    }
    let cycle = Cycle {
        questions,
        plan: input.plan.trim().to_string(),
        data_collection: input.data_collection.trim().to_string(),
        predictions,
        planned_start,
        planned_end,
        ..Cycle::plan(objective)
    };
    Ok((change_idea_id, change_idea, cycle))
}
