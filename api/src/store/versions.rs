//! A pathway's versions: its family (the first version, every version cloned from it, and so
//! on) and the label of each published version within it.

use super::pathways::{self, PathwayRecord};
use super::scope::visible_pathways;
use crate::caller::Caller;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use entity::pathway;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Statement};
use uuid::Uuid;

/// The most versions a family may have before its listing is refused (a bound on the walk; a
/// real pathway has tens).
pub const MAX_FAMILY: usize = 1_000;

/// Every version of `id`'s family, unscoped, by id (which orders by creation): its ancestors up
/// to the first version, then every version made from any of them. One statement: a recursive
/// query up the parents to the first version and down its descendants (sea-query builds no
/// recursive query that both SQLite and PostgreSQL take, so it is written here; `UNION` rather
/// than `UNION ALL` stops at rows already reached). At most [`MAX_FAMILY`] members.
async fn family(db: &impl ConnectionTrait, id: Uuid) -> Result<Vec<(Uuid, Option<DateTime<Utc>>)>> {
    let backend = db.get_database_backend();
    let placeholder = match backend {
        sea_orm::DbBackend::Postgres => "$1",
        _ => "?",
    };
    let sql = format!(
        "WITH RECURSIVE up(id, parent_id) AS ( \
             SELECT id, parent_id FROM pathway WHERE id = {placeholder} \
             UNION SELECT p.id, p.parent_id FROM pathway p JOIN up ON p.id = up.parent_id), \
         down(id, published_at) AS ( \
             SELECT id, published_at FROM pathway WHERE id IN (SELECT id FROM up WHERE parent_id IS NULL) \
             UNION SELECT p.id, p.published_at FROM pathway p JOIN down ON p.parent_id = down.id) \
         SELECT id, published_at FROM down LIMIT {}",
        MAX_FAMILY + 1
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, [id.into()]))
        .await?;
    if rows.len() > MAX_FAMILY {
        return Err(Error::invalid(
            "id",
            format!("the pathway has more than {MAX_FAMILY} versions"),
        ));
    }
    // Sorted here, not in the query, so that the query can stop at its limit.
    let mut members = rows
        .iter()
        .map(|row| {
            Ok((
                row.try_get::<Uuid>("", "id")?,
                row.try_get::<Option<DateTime<Utc>>>("", "published_at")?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    members.sort_by_key(|(id, _)| *id);
    Ok(members)
}

/// The versions of `id`'s family the caller may see, oldest first, each with its label (see
/// [`label`]), from one walk of the family. `NOT_FOUND` unless the caller may see `id`.
pub async fn lineage(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<Vec<(PathwayRecord, Option<usize>)>> {
    pathways::get(db, caller, id).await?;
    let members = family(db, id).await?;
    let labels = labels(&members);
    let rows = pathway::Entity::find()
        .filter(pathway::Column::Id.is_in(members.iter().map(|(id, _)| *id)))
        .filter(visible_pathways(caller))
        .order_by_asc(pathway::Column::Id)
        .all(db)
        .await?;
    Ok(pathways::records(db, rows)
        .await?
        .into_iter()
        .map(|record| {
            let label = labels.get(&record.id).copied();
            (record, label)
        })
        .collect())
}

/// The label of a published version: 1 for the first of its family to be published, 2 for the
/// next, and so on; `None` for a version never published. The caller must have read `id`.
pub async fn label(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<usize>> {
    Ok(labels(&family(db, id).await?).get(&id).copied())
}

/// The label of each published member of a family, by publication order. O(n log n).
fn labels(members: &[(Uuid, Option<DateTime<Utc>>)]) -> std::collections::HashMap<Uuid, usize> {
    let mut published: Vec<(DateTime<Utc>, Uuid)> = members
        .iter()
        .filter_map(|(member, at)| at.map(|at| (at, *member)))
        .collect();
    published.sort();
    published
        .into_iter()
        .enumerate()
        .map(|(i, (_, member))| (member, i + 1))
        .collect()
}
