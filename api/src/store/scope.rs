//! Which rows a caller may see (deny by default), and the few helpers every store module
//! shares. Every read of the store filters through these conditions.

use crate::caller::Caller;
use entity::{event_log, improvement_project, organisation, pathway, share, step};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait};
use uuid::Uuid;

/// Object kinds that can be shared.
pub const PATHWAY: &str = "PATHWAY";
pub const PROJECT: &str = "PROJECT";

/// The ids of objects of `kind` shared with any of `organisations`.
fn shared_with(kind: &str, organisations: &[Uuid]) -> SelectStatement {
    Query::select()
        .column(share::Column::ObjectId)
        .from(share::Entity)
        .and_where(share::Column::ObjectKind.eq(kind))
        .and_where(share::Column::OrganisationId.is_in(organisations.iter().copied()))
        .to_owned()
}

/// Which pathways the caller may see: those its organisations own, those shared with them, and
/// published pathways with steps of its organisations. Deny by default: nobody sees nothing.
pub(crate) fn visible_pathways(caller: &Caller) -> Condition {
    let Some(orgs) = caller.organisation_ids() else {
        return Condition::all();
    };
    let with_their_steps = Query::select()
        .column(step::Column::PathwayId)
        .from(step::Entity)
        .and_where(step::Column::OrganisationId.is_in(orgs.iter().copied()))
        .to_owned();
    Condition::any()
        .add(pathway::Column::OwnerId.is_in(orgs.iter().copied()))
        .add(pathway::Column::Id.in_subquery(shared_with(PATHWAY, &orgs)))
        .add(
            Condition::all()
                .add(pathway::Column::Status.eq(engine::PathwayStatus::Published.as_str()))
                .add(pathway::Column::Id.in_subquery(with_their_steps)),
        )
}

/// Which improvement projects the caller may see: owned by or shared with its organisations.
pub(crate) fn visible_projects(caller: &Caller) -> Condition {
    let Some(orgs) = caller.organisation_ids() else {
        return Condition::all();
    };
    Condition::any()
        .add(improvement_project::Column::OwnerId.is_in(orgs.iter().copied()))
        .add(improvement_project::Column::Id.in_subquery(shared_with(PROJECT, &orgs)))
}

/// Which event logs the caller may see (as aggregates): those of its organisations.
pub(crate) fn visible_logs(caller: &Caller) -> Condition {
    match caller.organisation_ids() {
        None => Condition::all(),
        Some(orgs) => Condition::all().add(event_log::Column::OrganisationId.is_in(orgs)),
    }
}

/// Which organisations the caller may see: every one, to any authenticated caller (names and
/// ODS codes are public); nothing to nobody.
pub(crate) fn visible_organisations(caller: &Caller) -> Condition {
    match caller {
        Caller::Anonymous => Condition::all().add(organisation::Column::Id.is_null()),
        _ => Condition::all(),
    }
}

/// Lookups by a unique key. sea-orm's `one` binds `LIMIT ?`, and SQLite prepares a statement
/// with a bound limit afresh on every call (12% of a pathway read was spent there); a unique key
/// needs no limit.
pub(crate) trait Unique<M> {
    fn unique<C: ConnectionTrait>(
        self,
        db: &C,
    ) -> impl std::future::Future<Output = Result<Option<M>, sea_orm::DbErr>> + Send;
}

impl<E> Unique<E::Model> for sea_orm::Select<E>
where
    E: sea_orm::EntityTrait,
    E::Model: Send + Sync,
{
    async fn unique<C: ConnectionTrait>(self, db: &C) -> Result<Option<E::Model>, sea_orm::DbErr> {
        Ok(self.all(db).await?.into_iter().next())
    }
}

/// Rows are inserted in chunks to stay under SQLite's bound-parameter limit.
pub(crate) const INSERT_CHUNK: usize = 200;
