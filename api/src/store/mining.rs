//! Discovery, conformance and calibration over stored logs. On PostgreSQL discovery runs as SQL
//! (window functions over each case's events) so no event row leaves the database; on SQLite
//! the log is streamed into the engine's compact form.

use super::events::{self, EventLogRecord};
use super::pathways::{self, PathwayRecord};
use crate::caller::Caller;
use crate::context::RequestContext;
use crate::db::begin_write;
use crate::error::{Error, Result};
use engine::events::DurationStats;
use engine::events::calibration::{CalibratedValue, calibrate};
use engine::events::conformance::{Conformance, conformance};
use engine::events::discovery::{
    ActivityCount, Discovery, DiscoveryOptions, Edge, Handoffs, OrganisationHandoff, Rework,
    discover, rank_variants,
};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement, TransactionTrait};
use uuid::Uuid;

/// Discovery over a stored log: in PostgreSQL when the log lives there, else in memory.
pub async fn discovery(
    db: &DatabaseConnection,
    caller: &Caller,
    log_id: Uuid,
    options: &DiscoveryOptions,
) -> Result<Discovery> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        let log = events::get_log(db, caller, log_id).await?;
        return discover_in_postgres(db, &log, options).await;
    }
    discovery_in_memory(db, caller, log_id, options).await
}

/// Discovery by loading the log into the engine (any database).
pub async fn discovery_in_memory(
    db: &impl ConnectionTrait,
    caller: &Caller,
    log_id: Uuid,
    options: &DiscoveryOptions,
) -> Result<Discovery> {
    let log = events::load(db, caller, log_id).await?;
    Ok(discover(&log, options))
}

/// The log's events ordered within each case exactly as the engine orders them: by time, ties
/// in stored (file) order.
const ORDERED: &str = "SELECT case_key, activity, time_ms, organisation, \
     ROW_NUMBER() OVER (PARTITION BY case_key ORDER BY time_ms, seq) AS pos, \
     COUNT(*) OVER (PARTITION BY case_key) AS n, \
     LEAD(activity) OVER (PARTITION BY case_key ORDER BY time_ms, seq) AS next_activity, \
     LEAD(time_ms) OVER (PARTITION BY case_key ORDER BY time_ms, seq) AS next_time, \
     LAG(activity) OVER (PARTITION BY case_key ORDER BY time_ms, seq) AS previous_activity, \
     LEAD(organisation) OVER (PARTITION BY case_key ORDER BY time_ms, seq) AS next_organisation \
     FROM log_event WHERE log_id = ";

/// Runs an aggregate over `qiflow_ordered` (no parameters: the log is fixed by the table).
async fn rows(db: &impl ConnectionTrait, sql: String) -> Result<Vec<sea_orm::QueryResult>> {
    Ok(db
        .query_all_raw(Statement::from_string(DatabaseBackend::Postgres, sql))
        .await?)
}

/// The same [`Discovery`] as the engine computes, as SQL in PostgreSQL: only aggregates (one
/// row per edge, activity, variant or organisation pair) come back. The events are ordered
/// once into a temporary table (dropped when the read-only transaction ends) that every
/// aggregate reads.
pub async fn discover_in_postgres(
    db: &DatabaseConnection,
    log: &EventLogRecord,
    options: &DiscoveryOptions,
) -> Result<Discovery> {
    let tx = db.begin().await?;
    // Sorting a large log in memory is far faster than spilling to disk; for this query only.
    tx.execute_unprepared("SET LOCAL work_mem = '256MB'")
        .await?;
    // A Uuid prints as hex digits and dashes only, so it is safe inline (CREATE TABLE AS takes
    // no bind parameters).
    tx.execute_unprepared(&format!(
        "CREATE TEMP TABLE qiflow_ordered ON COMMIT DROP AS {ORDERED}'{}'::uuid",
        log.id
    ))
    .await?;
    let found = aggregate_in_postgres(&tx, log, options).await;
    tx.rollback().await?;
    found
}

async fn aggregate_in_postgres(
    db: &impl ConnectionTrait,
    log: &EventLogRecord,
    options: &DiscoveryOptions,
) -> Result<Discovery> {
    let mut edges = Vec::new();
    for r in rows(
        db,
        "SELECT activity, next_activity, COUNT(*), \
             AVG((next_time - time_ms)::float8) / 1000.0, \
             percentile_cont(0.5) WITHIN GROUP (ORDER BY (next_time - time_ms)::float8) / 1000.0, \
             percentile_cont(0.9) WITHIN GROUP (ORDER BY (next_time - time_ms)::float8) / 1000.0, \
             MIN(next_time - time_ms)::float8 / 1000.0, MAX(next_time - time_ms)::float8 / 1000.0 \
             FROM qiflow_ordered e WHERE next_activity IS NOT NULL GROUP BY activity, next_activity"
            .to_string(),
    )
    .await?
    {
        edges.push(Edge {
            from: r.try_get_by_index(0)?,
            to: r.try_get_by_index(1)?,
            count: r.try_get_by_index::<i64>(2)? as u64,
            mean_seconds: r.try_get_by_index(3)?,
            median_seconds: r.try_get_by_index(4)?,
            p90_seconds: r.try_get_by_index(5)?,
            min_seconds: r.try_get_by_index(6)?,
            max_seconds: r.try_get_by_index(7)?,
        });
    }
    edges.sort_by(|x, y| (&x.from, &x.to).cmp(&(&y.from, &y.to)));

    let counts = |rows: Vec<sea_orm::QueryResult>| -> Result<Vec<ActivityCount>> {
        let mut out = rows
            .into_iter()
            .map(|r| {
                Ok(ActivityCount {
                    activity: r.try_get_by_index(0)?,
                    count: r.try_get_by_index::<i64>(1)? as u64,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        out.sort_by(|x, y| x.activity.cmp(&y.activity));
        Ok(out)
    };
    let start_activities = counts(
        rows(
            db,
            "SELECT activity, COUNT(*) FROM qiflow_ordered e WHERE pos = 1 GROUP BY activity"
                .to_string(),
        )
        .await?,
    )?;
    let end_activities = counts(
        rows(
            db,
            "SELECT activity, COUNT(*) FROM qiflow_ordered e WHERE pos = n GROUP BY activity"
                .to_string(),
        )
        .await?,
    )?;

    let duration_row = rows(
        db,
        "SELECT COUNT(*), AVG(d::float8) / 1000.0, \
         percentile_cont(0.5) WITHIN GROUP (ORDER BY d::float8) / 1000.0, \
         percentile_cont(0.9) WITHIN GROUP (ORDER BY d::float8) / 1000.0, \
         MIN(d)::float8 / 1000.0, MAX(d)::float8 / 1000.0 \
         FROM (SELECT MAX(time_ms) - MIN(time_ms) AS d FROM qiflow_ordered GROUP BY case_key) c"
            .to_string(),
    )
    .await?;
    let case_duration = match duration_row.first() {
        Some(r) if r.try_get_by_index::<i64>(0)? > 0 => Some(DurationStats {
            count: r.try_get_by_index::<i64>(0)? as u64,
            mean_seconds: r.try_get_by_index(1)?,
            median_seconds: r.try_get_by_index(2)?,
            p90_seconds: r.try_get_by_index(3)?,
            min_seconds: r.try_get_by_index(4)?,
            max_seconds: r.try_get_by_index(5)?,
        }),
        _ => None,
    };

    // Variants: each case's activities joined with a separator no activity name holds.
    let keep = if options.collapse_repeats {
        "WHERE previous_activity IS NULL OR previous_activity <> activity"
    } else {
        ""
    };
    let variant_rows = rows(
        db,
        format!(
            "SELECT v, COUNT(*) FROM (SELECT case_key, string_agg(activity, chr(31) ORDER BY pos) AS v \
             FROM qiflow_ordered e {keep} GROUP BY case_key) c GROUP BY v"
        ),
    )
    .await?;
    let cases = log.case_count.max(0) as u64;
    let variants: Vec<(u64, Vec<String>)> = variant_rows
        .into_iter()
        .map(|r| {
            let v: String = r.try_get_by_index(0)?;
            let n: i64 = r.try_get_by_index(1)?;
            Ok((n as u64, v.split('\u{1f}').map(str::to_string).collect()))
        })
        .collect::<Result<_>>()?;
    let variant_count = variants.len() as u64;
    let (top_variants, top_variant_coverage) = rank_variants(variants, cases, options.top_variants);

    let mut rework = Vec::new();
    for r in rows(
        db,
        "SELECT activity, COUNT(*), SUM(k - 1)::bigint FROM (SELECT case_key, activity, COUNT(*) AS k \
         FROM qiflow_ordered GROUP BY case_key, activity HAVING COUNT(*) > 1) x \
         GROUP BY activity"
            .to_string(),
    )
    .await?
    {
        rework.push(Rework {
            activity: r.try_get_by_index(0)?,
            cases: r.try_get_by_index::<i64>(1)? as u64,
            repeats: r.try_get_by_index::<i64>(2)? as u64,
        });
    }
    rework.sort_by(|x, y| {
        y.cases
            .cmp(&x.cases)
            .then_with(|| x.activity.cmp(&y.activity))
    });

    let mut pairs = Vec::new();
    for r in rows(
        db,
        "SELECT organisation, next_organisation, COUNT(*) FROM qiflow_ordered e \
             WHERE organisation IS NOT NULL AND next_organisation IS NOT NULL \
             AND organisation <> next_organisation GROUP BY organisation, next_organisation"
            .to_string(),
    )
    .await?
    {
        pairs.push(OrganisationHandoff {
            from: r.try_get_by_index(0)?,
            to: r.try_get_by_index(1)?,
            count: r.try_get_by_index::<i64>(2)? as u64,
        });
    }
    pairs.sort_by(|x, y| {
        y.count
            .cmp(&x.count)
            .then_with(|| (&x.from, &x.to).cmp(&(&y.from, &y.to)))
    });
    let per_case = rows(
        db,
        "SELECT COALESCE(SUM(h), 0)::float8, \
             COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY h::float8), 0), COALESCE(MAX(h), 0) \
             FROM (SELECT case_key, COUNT(*) FILTER (WHERE organisation IS NOT NULL AND next_organisation IS NOT NULL \
             AND organisation <> next_organisation) AS h FROM qiflow_ordered e GROUP BY case_key) c".to_string(),
    )
    .await?;
    let (total, median, max) = match per_case.first() {
        Some(r) => (
            r.try_get_by_index::<f64>(0)?,
            r.try_get_by_index::<f64>(1)?,
            r.try_get_by_index::<i64>(2)?,
        ),
        None => (0.0, 0.0, 0),
    };
    let handoffs = Handoffs {
        total: total as u64,
        mean_per_case: if cases == 0 {
            0.0
        } else {
            total / cases as f64
        },
        median_per_case: median,
        max_per_case: max as u64,
        pairs,
    };

    Ok(Discovery {
        events: log.event_count.max(0) as u64,
        cases,
        edges,
        start_activities,
        end_activities,
        case_duration,
        variant_count,
        top_variants,
        top_variant_coverage,
        rework,
        handoffs,
    })
}

/// The log replayed over a pathway's map (the log's own pathway when none is given).
pub async fn conformance_of(
    db: &impl ConnectionTrait,
    caller: &Caller,
    log_id: Uuid,
    pathway_id: Option<Uuid>,
) -> Result<(Uuid, Conformance)> {
    let log = events::get_log(db, caller, log_id).await?;
    let pathway_id = pathway_id.or(log.pathway_id).ok_or_else(|| {
        Error::invalid(
            "pathwayId",
            "the log is not linked to a pathway: name the pathway to check it against",
        )
    })?;
    let content = pathways::content(db, caller, pathway_id).await?;
    let events = events::load(db, caller, log_id).await?;
    Ok((pathway_id, conformance(&events, &content.map)))
}

/// A new DRAFT version of the pathway calibrated from the log, with every value changed.
pub async fn calibrate_pathway(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    pathway_id: Uuid,
    log_id: Uuid,
) -> Result<(PathwayRecord, Vec<CalibratedValue>)> {
    let caller = &ctx.caller;
    let tx = begin_write(db).await?;
    let content = pathways::content(&tx, caller, pathway_id).await?;
    let log = events::load(&tx, caller, log_id).await?;
    let calibration = calibrate(&log, &content.map);
    let new_id = super::pathway_edits::new_version_with_changes(
        &tx,
        caller,
        pathway_id,
        &calibration.changes,
    )
    .await?;
    let record = pathways::get(&tx, caller, new_id).await?;
    super::audit::commit(tx, ctx, &[new_id, pathway_id, log_id]).await?;
    Ok((record, calibration.values))
}
