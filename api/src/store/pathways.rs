//! Pathways with their steps and transitions: reads, and every change as one transaction guarded
//! by the pathway's version (optimistic concurrency: a stale `expectedVersion` changes nothing).

use super::organisations::{self, OrganisationRecord};
use super::rows::{header_from_row, step_from_row, transition_from_row};
use super::scope::Unique as _;
use super::scope::visible_pathways;
use crate::caller::Caller;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use engine::{OdsCode, PathwayHeader, PathwayMap, PathwayStatus};
use entity::{pathway, step, transition};
use quick_cache::sync::Cache;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};
use uuid::Uuid;

/// A pathway's own fields as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct PathwayRecord {
    pub id: Uuid,
    pub header: PathwayHeader,
    pub owner: OrganisationRecord,
    pub status: PathwayStatus,
    pub version: i64,
    pub parent_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it was published, if it was.
    pub published_at: Option<DateTime<Utc>>,
    /// The importing system's identifier for the pathway.
    pub external_id: Option<String>,
}

/// A pathway's graph with the ids of its steps and transitions (same order as in `map`) and the
/// organisations it involves (owner first, then in order of first appearance in the steps).
#[derive(Debug, Clone, PartialEq)]
pub struct PathwayContent {
    pub map: Arc<PathwayMap>,
    pub step_ids: Vec<Uuid>,
    pub transition_ids: Vec<Uuid>,
    pub organisations: Vec<OrganisationRecord>,
}

impl PathwayContent {
    /// The organisation record of an ODS code in this pathway. O(organisations).
    pub fn organisation(&self, code: &OdsCode) -> Option<&OrganisationRecord> {
        self.organisations
            .iter()
            .find(|o| &o.organisation.ods_code == code)
    }
}

pub(crate) async fn records(
    db: &impl ConnectionTrait,
    rows: Vec<pathway::Model>,
) -> Result<Vec<PathwayRecord>> {
    let owners = organisations::by_ids(db, rows.iter().map(|r| r.owner_id)).await?;
    rows.into_iter()
        .map(|row| {
            let header = header_from_row(&row, &owners)?;
            let status = row
                .status
                .parse()
                .map_err(|e| Error::internal(anyhow::anyhow!("pathway {}: {e}", row.id)))?;
            Ok(PathwayRecord {
                id: row.id,
                header,
                owner: owners[&row.owner_id].clone(),
                status,
                version: row.version,
                parent_id: row.parent_id,
                created_at: row.created_at,
                updated_at: row.updated_at,
                published_at: row.published_at,
                external_id: row.external_id,
            })
        })
        .collect()
}

fn status_filter(status: Option<PathwayStatus>) -> sea_orm::Condition {
    match status {
        Some(s) => sea_orm::Condition::all().add(pathway::Column::Status.eq(s.as_str())),
        None => sea_orm::Condition::all(),
    }
}

/// A page of the pathways the caller may see, oldest first, starting after `after`; the flag says
/// whether more follow.
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &Caller,
    status: Option<PathwayStatus>,
    page: Page,
) -> Result<(Vec<PathwayRecord>, bool)> {
    let mut query = pathway::Entity::find()
        .filter(visible_pathways(caller))
        .filter(status_filter(status));
    if let Some(after) = page.after {
        query = query.filter(pathway::Column::Id.gt(after));
    }
    if let Some(before) = page.before {
        query = query.filter(pathway::Column::Id.lt(before));
    }
    // The last `n` before a cursor are the first `n` counting backwards, turned round.
    let mut rows = if page.from_end {
        query.order_by_desc(pathway::Column::Id)
    } else {
        query.order_by_asc(pathway::Column::Id)
    }
    .limit(page.size + 1)
    .all(db)
    .await?;
    let more = rows.len() as u64 > page.size;
    rows.truncate(page.size as usize);
    if page.from_end {
        rows.reverse();
    }
    Ok((records(db, rows).await?, more))
}

/// A page of a list ordered by id: `size` items after `after` and before `before`, counted from
/// the start (`first`) or from the end (`last`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Page {
    pub after: Option<Uuid>,
    pub before: Option<Uuid>,
    pub size: u64,
    pub from_end: bool,
}

/// How many pathways the caller may see (with this status).
pub async fn count(
    db: &impl ConnectionTrait,
    caller: &Caller,
    status: Option<PathwayStatus>,
) -> Result<u64> {
    Ok(pathway::Entity::find()
        .filter(visible_pathways(caller))
        .filter(status_filter(status))
        .count(db)
        .await?)
}

/// Pathway records already read, by id and version: every change to a pathway's own fields takes
/// a new version, so a version's record never changes (its owner's name neither; a future
/// organisation rename must clear this cache).
static RECORDS: LazyLock<Cache<(Uuid, i64), PathwayRecord>> = LazyLock::new(|| Cache::new(1_024));

/// One pathway for a read outside any transaction, or `NOT_FOUND`: one statement (the row,
/// through the caller's visibility) when its version was read before.
pub async fn get_for_read(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<PathwayRecord> {
    let row = pathway::Entity::find_by_id(id)
        .filter(visible_pathways(caller))
        .unique(db)
        .await?
        .ok_or_else(|| Error::not_found("pathway", id))?;
    if let Some(record) = RECORDS.get(&(id, row.version)) {
        return Ok(record);
    }
    let record = records(db, vec![row]).await?.remove(0);
    RECORDS.insert((id, record.version), record.clone());
    Ok(record)
}

/// One pathway, or `NOT_FOUND`.
pub async fn get(db: &impl ConnectionTrait, caller: &Caller, id: Uuid) -> Result<PathwayRecord> {
    let row = pathway::Entity::find_by_id(id)
        .filter(visible_pathways(caller))
        .unique(db)
        .await?
        .ok_or_else(|| Error::not_found("pathway", id))?;
    Ok(records(db, vec![row]).await?.remove(0))
}

/// The steps, transitions and organisations of several pathways at once (four queries however
/// many pathways: this backs the GraphQL data loader). Pathways the caller may not see are left out.
pub async fn contents(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, PathwayContent>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let pathways = pathway::Entity::find()
        .filter(visible_pathways(caller))
        .filter(pathway::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    let visible: Vec<Uuid> = pathways.iter().map(|p| p.id).collect();
    let steps = step::Entity::find()
        .filter(step::Column::PathwayId.is_in(visible.iter().copied()))
        .order_by_asc(step::Column::Position)
        .order_by_asc(step::Column::Id)
        .all(db)
        .await?;
    let transitions = transition::Entity::find()
        .filter(transition::Column::PathwayId.is_in(visible.iter().copied()))
        .order_by_asc(transition::Column::Position)
        .order_by_asc(transition::Column::Id)
        .all(db)
        .await?;
    let org_ids = pathways
        .iter()
        .map(|p| p.owner_id)
        .chain(steps.iter().map(|s| s.organisation_id));
    let orgs = organisations::by_ids(db, org_ids).await?;

    let mut steps_of: HashMap<Uuid, Vec<&step::Model>> = HashMap::new();
    for s in &steps {
        steps_of.entry(s.pathway_id).or_default().push(s);
    }
    let mut transitions_of: HashMap<Uuid, Vec<&transition::Model>> = HashMap::new();
    for t in &transitions {
        transitions_of.entry(t.pathway_id).or_default().push(t);
    }
    let mut out = HashMap::with_capacity(pathways.len());
    for p in &pathways {
        let step_rows = steps_of.remove(&p.id).unwrap_or_default();
        let transition_rows = transitions_of.remove(&p.id).unwrap_or_default();
        let keys: HashMap<Uuid, &str> = step_rows.iter().map(|s| (s.id, s.key.as_str())).collect();
        let steps = step_rows
            .iter()
            .map(|s| step_from_row(s, &orgs))
            .collect::<Result<Vec<_>>>()?;
        let transitions = transition_rows
            .iter()
            .map(|t| transition_from_row(t, &keys))
            .collect::<Result<Vec<_>>>()?;
        let map = PathwayMap::new(steps, transitions)
            .map_err(|e| Error::internal(anyhow::anyhow!("pathway {}: {e}", p.id)))?;
        let mut involved = vec![p.owner_id];
        for s in &step_rows {
            if !involved.contains(&s.organisation_id) {
                involved.push(s.organisation_id);
            }
        }
        out.insert(
            p.id,
            PathwayContent {
                map: Arc::new(map),
                step_ids: step_rows.iter().map(|s| s.id).collect(),
                transition_ids: transition_rows.iter().map(|t| t.id).collect(),
                organisations: involved
                    .iter()
                    .filter_map(|id| orgs.get(id).cloned())
                    .collect(),
            },
        );
    }
    Ok(out)
}

/// The content of one pathway the caller may see.
pub async fn content(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<PathwayContent> {
    contents(db, caller, &[id])
        .await?
        .remove(&id)
        .ok_or_else(|| Error::not_found("pathway", id))
}

/// Contents of pathway versions already read. Every change to a pathway's steps or transitions
/// takes a new version in the same transaction, so a version's content never changes and can be
/// shared by every request and replica-local reader. (Organisation names inside the content do
/// not change either; a future rename must clear this cache.)
static CONTENTS: LazyLock<Cache<(Uuid, i64), Arc<PathwayContent>>> =
    LazyLock::new(|| Cache::new(1_024));

/// Remembers a version's record and content once its write has committed.
pub(super) fn remember(record: &PathwayRecord, content: PathwayContent) {
    RECORDS.insert((record.id, record.version), record.clone());
    CONTENTS.insert((record.id, record.version), Arc::new(content));
}

/// The record of a pathway version already read, if it is in the cache; the same terms as
/// [`cached_content`]. O(1).
pub(super) fn cached_record(id: Uuid, version: i64) -> Option<PathwayRecord> {
    RECORDS.get(&(id, version))
}

/// The content of a pathway version already read, if it is in the cache. The caller must have
/// read `id` at `version` through a visibility check first (a [`PathwayRecord`] it was given).
/// O(1).
pub fn cached_content(id: Uuid, version: i64) -> Option<Arc<PathwayContent>> {
    CONTENTS.get(&(id, version))
}

/// The content of the pathways among `ids` that the caller may see, for a read: from the cache
/// where the version is there, the rest loaded in one round of statements and remembered when
/// the version did not move while they were read (outside a transaction, a write could commit
/// between the statements; it would have moved the version).
pub async fn contents_for_read(
    db: &DatabaseConnection,
    caller: &Caller,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Arc<PathwayContent>>> {
    let versions = |ids: Vec<Uuid>| {
        pathway::Entity::find()
            .select_only()
            .column(pathway::Column::Id)
            .column(pathway::Column::Version)
            .filter(pathway::Column::Id.is_in(ids))
            .into_tuple::<(Uuid, i64)>()
            .all(db)
    };
    let before: HashMap<Uuid, i64> = versions(ids.to_vec()).await?.into_iter().collect();
    let mut out = HashMap::with_capacity(ids.len());
    let mut missing = Vec::new();
    for id in ids {
        match before.get(id).and_then(|v| CONTENTS.get(&(*id, *v))) {
            // Cached contents were read through someone's visibility check; this caller's is
            // made by the pathway record it was given (see `cached_content`), and again below.
            Some(content) => {
                out.insert(*id, content);
            }
            None => missing.push(*id),
        }
    }
    if !out.is_empty() {
        let visible: Vec<Uuid> = pathway::Entity::find()
            .select_only()
            .column(pathway::Column::Id)
            .filter(visible_pathways(caller))
            .filter(pathway::Column::Id.is_in(out.keys().copied()))
            .into_tuple::<Uuid>()
            .all(db)
            .await?;
        out.retain(|id, _| visible.contains(id));
    }
    if missing.is_empty() {
        return Ok(out);
    }
    let loaded = contents(db, caller, &missing).await?;
    let after: HashMap<Uuid, i64> = versions(missing).await?.into_iter().collect();
    for (id, content) in loaded {
        let content = Arc::new(content);
        if let (Some(v), Some(w)) = (before.get(&id), after.get(&id))
            && v == w
        {
            CONTENTS.insert((id, *v), content.clone());
        }
        out.insert(id, content);
    }
    Ok(out)
}
