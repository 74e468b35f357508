//! A pathway's versions: its family (the first version, every version cloned from it, and so
//! on) and the label of each published version within it.

use super::pathways::{self, PathwayRecord};
use super::scope::visible_pathways;
use crate::caller::Caller;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use entity::pathway;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// The most versions a family may have before its listing is refused (a bound on the walk; a
/// real pathway has tens).
pub const MAX_FAMILY: usize = 1_000;

/// Every version of `id`'s family, unscoped, by id (which orders by creation): its ancestors up
/// to the first version, then every version made from any of them. One statement per
/// ancestor and per generation.
async fn family(db: &impl ConnectionTrait, id: Uuid) -> Result<Vec<(Uuid, Option<DateTime<Utc>>)>> {
    let too_many = || {
        Error::invalid(
            "id",
            format!("the pathway has more than {MAX_FAMILY} versions"),
        )
    };
    let parent_of = |id: Uuid| {
        pathway::Entity::find_by_id(id)
            .select_only()
            .column(pathway::Column::ParentId)
            .into_tuple::<Option<Uuid>>()
            .one(db)
    };
    let mut root = id;
    let mut walked = 0;
    while let Some(Some(parent)) = parent_of(root).await? {
        root = parent;
        walked += 1;
        if walked > MAX_FAMILY {
            return Err(too_many());
        }
    }
    let row = |id: Uuid| {
        pathway::Entity::find_by_id(id)
            .select_only()
            .column(pathway::Column::Id)
            .column(pathway::Column::PublishedAt)
            .into_tuple::<(Uuid, Option<DateTime<Utc>>)>()
            .one(db)
    };
    let mut members: Vec<(Uuid, Option<DateTime<Utc>>)> = row(root).await?.into_iter().collect();
    let mut generation = vec![root];
    while !generation.is_empty() {
        let children = pathway::Entity::find()
            .select_only()
            .column(pathway::Column::Id)
            .column(pathway::Column::PublishedAt)
            .filter(pathway::Column::ParentId.is_in(generation))
            .into_tuple::<(Uuid, Option<DateTime<Utc>>)>()
            .all(db)
            .await?;
        generation = children.iter().map(|(id, _)| *id).collect();
        members.extend(children);
        if members.len() > MAX_FAMILY {
            return Err(too_many());
        }
    }
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
