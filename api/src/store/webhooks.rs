//! Webhook endpoints, their deliveries and every attempt: what an organisation's ADMINs
//! register, list, edit, pause, rotate and delete, and what the deliverer claims and records.
//! The secret is kept as given to the ADMIN (signing needs it) and shown once, when made.

use super::access::require_organisation;
use super::event_type::EventType;
use crate::caller::{Caller, Role};
use crate::context::RequestContext;
use crate::db::begin_write;
use crate::error::{Error, Result};
use chrono::{DateTime, Duration, Utc};
use entity::{notification_event, webhook_attempt, webhook_delivery, webhook_endpoint};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

pub const PENDING: &str = "PENDING";
pub const DELIVERED: &str = "DELIVERED";
pub const FAILED: &str = "FAILED";

/// Most endpoints one organisation may register.
pub const MAX_ENDPOINTS: usize = 20;
/// How long the secret before a rotation keeps signing, so receivers can change over.
pub const ROTATION_OVERLAP_HOURS: i64 = 24;
/// Most deliveries `WebhookEndpoint.deliveries` pages through: the newest.
pub const LISTED_DELIVERIES: u64 = 500;

/// An endpoint as its ADMINs see it (never its secret).
#[derive(Debug, Clone)]
pub struct EndpointRecord {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub url: String,
    pub event_types: Vec<EventType>,
    pub description: String,
    pub paused: bool,
    pub failing: bool,
    pub version: i64,
    /// Until when the secret before the last rotation also signs.
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new endpoint, checked (the URL by the server's guard).
#[derive(Debug, Clone)]
pub struct NewEndpoint {
    pub url: String,
    pub event_types: Vec<EventType>,
    pub description: String,
}

/// A change to an endpoint: what is None stays.
#[derive(Debug, Clone, Default)]
pub struct EndpointEdit {
    pub url: Option<String>,
    pub event_types: Option<Vec<EventType>>,
    pub description: Option<String>,
    pub paused: Option<bool>,
}

/// One event on its way to one endpoint, with its attempts.
#[derive(Debug, Clone)]
pub struct DeliveryRecord {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub state: String,
    pub attempts: Vec<AttemptRecord>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// One POST.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub at: DateTime<Utc>,
    pub status: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
}

fn record(row: webhook_endpoint::Model) -> EndpointRecord {
    EndpointRecord {
        id: row.id,
        organisation_id: row.organisation_id,
        url: row.url,
        event_types: row
            .event_types
            .as_array()
            .map(|types| {
                types
                    .iter()
                    .filter_map(|t| EventType::parse(t.as_str()?))
                    .collect()
            })
            .unwrap_or_default(),
        description: row.description,
        paused: row.paused,
        failing: row.failing,
        version: i64::from(row.version),
        previous_secret_until: row.previous_secret_until,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn names(types: &[EventType]) -> serde_json::Value {
    serde_json::json!(types.iter().map(|t| t.name()).collect::<Vec<_>>())
}

/// A new signing secret: `whsec_` and 32 random bytes in base64, as the Standard Webhooks
/// specification writes them.
fn new_secret() -> Result<String> {
    use base64::Engine as _;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::internal(anyhow::anyhow!("no randomness for a secret: {e}")))?;
    Ok(format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

/// The endpoint, when the caller administers its organisation: NOT_FOUND when the caller is no
/// member of it, FORBIDDEN when a member without the ADMIN role.
async fn administered(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<webhook_endpoint::Model> {
    let row = webhook_endpoint::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|row| caller.role_in(row.organisation_id).is_some())
        .ok_or_else(|| Error::not_found("webhook endpoint", id))?;
    require_organisation(caller, row.organisation_id, Role::Admin)?;
    Ok(row)
}

/// The organisation's endpoints, oldest first (ADMINs of it only).
pub async fn list(
    db: &impl ConnectionTrait,
    caller: &Caller,
    organisation_id: Uuid,
) -> Result<Vec<EndpointRecord>> {
    require_organisation(caller, organisation_id, Role::Admin)?;
    Ok(webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::OrganisationId.eq(organisation_id))
        .order_by_asc(webhook_endpoint::Column::CreatedAt)
        .order_by_asc(webhook_endpoint::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(record)
        .collect())
}

/// One endpoint (ADMINs of its organisation only).
pub async fn get(db: &impl ConnectionTrait, caller: &Caller, id: Uuid) -> Result<EndpointRecord> {
    administered(db, caller, id).await.map(record)
}

/// Registers an endpoint; answers its secret, once.
pub async fn create(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    organisation_id: Uuid,
    new: NewEndpoint,
) -> Result<(String, EndpointRecord)> {
    require_organisation(&ctx.caller, organisation_id, Role::Admin)?;
    let tx = begin_write(db).await?;
    let existing = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::OrganisationId.eq(organisation_id))
        .all(&tx)
        .await?
        .len();
    if existing >= MAX_ENDPOINTS {
        return Err(Error::invalid(
            "organisation",
            format!(
                "has {existing} webhook endpoints, the most one organisation may have: delete one first"
            ),
        ));
    }
    let secret = new_secret()?;
    let now = Utc::now();
    let row = webhook_endpoint::ActiveModel {
        id: Set(Uuid::new_v4()),
        organisation_id: Set(organisation_id),
        url: Set(new.url),
        event_types: Set(names(&new.event_types)),
        description: Set(new.description),
        secret: Set(secret.clone()),
        previous_secret: Set(None),
        previous_secret_until: Set(None),
        paused: Set(false),
        failing: Set(false),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let row = webhook_endpoint::Entity::insert(row)
        .exec_with_returning(&tx)
        .await?;
    let id = row.id;
    super::audit::commit(tx, ctx, &[organisation_id, id]).await?;
    Ok((secret, record(row)))
}

/// Takes the endpoint's next version, or CONFLICT when it has moved on.
async fn claim(
    tx: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
    expected_version: i64,
) -> Result<webhook_endpoint::Model> {
    let row = administered(tx, caller, id).await?;
    if i64::from(row.version) != expected_version {
        return Err(Error::Conflict(format!(
            "webhook endpoint {id} is at version {}, not {expected_version}: read it again",
            row.version
        )));
    }
    Ok(row)
}

/// Edits an endpoint (un-pausing or editing also clears `failing`, so deliveries resume).
pub async fn update(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    expected_version: i64,
    edit: EndpointEdit,
) -> Result<EndpointRecord> {
    let tx = begin_write(db).await?;
    let row = claim(&tx, &ctx.caller, id, expected_version).await?;
    let organisation_id = row.organisation_id;
    let mut active: webhook_endpoint::ActiveModel = row.into();
    if let Some(url) = edit.url {
        active.url = Set(url);
    }
    if let Some(types) = &edit.event_types {
        active.event_types = Set(names(types));
    }
    if let Some(description) = edit.description {
        active.description = Set(description);
    }
    if let Some(paused) = edit.paused {
        active.paused = Set(paused);
    }
    active.failing = Set(false);
    active.version = Set(i32::try_from(expected_version + 1).unwrap_or(i32::MAX));
    active.updated_at = Set(Utc::now());
    let row = webhook_endpoint::Entity::update(active).exec(&tx).await?;
    super::audit::commit(tx, ctx, &[organisation_id, id]).await?;
    Ok(record(row))
}

/// A new secret; the old one also signs for [`ROTATION_OVERLAP_HOURS`]. Answers the new one,
/// once.
pub async fn rotate(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    id: Uuid,
    expected_version: i64,
) -> Result<(String, EndpointRecord)> {
    let tx = begin_write(db).await?;
    let row = claim(&tx, &ctx.caller, id, expected_version).await?;
    let organisation_id = row.organisation_id;
    let secret = new_secret()?;
    let now = Utc::now();
    let mut active: webhook_endpoint::ActiveModel = row.clone().into();
    active.previous_secret = Set(Some(row.secret));
    active.previous_secret_until = Set(Some(now + Duration::hours(ROTATION_OVERLAP_HOURS)));
    active.secret = Set(secret.clone());
    active.version = Set(row.version.saturating_add(1));
    active.updated_at = Set(now);
    let row = webhook_endpoint::Entity::update(active).exec(&tx).await?;
    super::audit::commit(tx, ctx, &[organisation_id, id]).await?;
    Ok((secret, record(row)))
}

/// Deletes an endpoint with its deliveries and their attempts.
pub async fn delete(db: &DatabaseConnection, ctx: &RequestContext, id: Uuid) -> Result<()> {
    let tx = begin_write(db).await?;
    let row = administered(&tx, &ctx.caller, id).await?;
    let deliveries = sea_orm::sea_query::Query::select()
        .column(webhook_delivery::Column::Id)
        .from(webhook_delivery::Entity)
        .and_where(webhook_delivery::Column::EndpointId.eq(id))
        .to_owned();
    webhook_attempt::Entity::delete_many()
        .filter(webhook_attempt::Column::DeliveryId.in_subquery(deliveries))
        .exec(&tx)
        .await?;
    webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::EndpointId.eq(id))
        .exec(&tx)
        .await?;
    webhook_endpoint::Entity::delete_by_id(id).exec(&tx).await?;
    super::audit::commit(tx, ctx, &[row.organisation_id, id]).await
}

/// The endpoint's newest deliveries (at most [`LISTED_DELIVERIES`]), newest first, each with
/// its attempts.
pub async fn deliveries(
    db: &impl ConnectionTrait,
    caller: &Caller,
    endpoint_id: Uuid,
) -> Result<Vec<DeliveryRecord>> {
    administered(db, caller, endpoint_id).await?;
    let rows = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id))
        .order_by_desc(webhook_delivery::Column::CreatedAt)
        .order_by_desc(webhook_delivery::Column::Id)
        .limit(LISTED_DELIVERIES)
        .all(db)
        .await?;
    delivery_records(db, rows).await
}

/// One delivery (ADMINs of its endpoint's organisation only).
pub async fn delivery(
    db: &impl ConnectionTrait,
    caller: &Caller,
    id: Uuid,
) -> Result<DeliveryRecord> {
    let row = webhook_delivery::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("webhook delivery", id))?;
    match administered(db, caller, row.endpoint_id).await {
        Err(Error::NotFound { .. }) => return Err(Error::not_found("webhook delivery", id)),
        other => other?,
    };
    delivery_records(db, vec![row])
        .await?
        .pop()
        .ok_or_else(|| Error::not_found("webhook delivery", id))
}

/// Deliveries with their attempts and event types: two statements per 200.
async fn delivery_records(
    db: &impl ConnectionTrait,
    rows: Vec<webhook_delivery::Model>,
) -> Result<Vec<DeliveryRecord>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let events: Vec<Uuid> = rows.iter().map(|r| r.event_id).collect();
    let mut attempts: std::collections::HashMap<Uuid, Vec<AttemptRecord>> = Default::default();
    for chunk in ids.chunks(200) {
        for a in webhook_attempt::Entity::find()
            .filter(webhook_attempt::Column::DeliveryId.is_in(chunk.iter().copied()))
            .order_by_asc(webhook_attempt::Column::At)
            .all(db)
            .await?
        {
            attempts
                .entry(a.delivery_id)
                .or_default()
                .push(AttemptRecord {
                    at: a.at,
                    status: a.status,
                    latency_ms: a.latency_ms,
                    error: a.error,
                });
        }
    }
    let mut types: std::collections::HashMap<Uuid, String> = Default::default();
    for chunk in events.chunks(200) {
        for e in notification_event::Entity::find()
            .filter(notification_event::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            types.insert(e.id, e.event_type);
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| DeliveryRecord {
            attempts: attempts.remove(&r.id).unwrap_or_default(),
            event_type: types.get(&r.event_id).cloned().unwrap_or_default(),
            next_attempt_at: (r.state == PENDING).then_some(r.next_attempt_at),
            id: r.id,
            endpoint_id: r.endpoint_id,
            event_id: r.event_id,
            state: r.state,
            delivered_at: r.delivered_at,
            created_at: r.created_at,
        })
        .collect())
}

/// Sends a delivery again now, whatever became of it.
pub async fn replay(
    db: &DatabaseConnection,
    ctx: &RequestContext,
    delivery_id: Uuid,
) -> Result<()> {
    let tx = begin_write(db).await?;
    let delivery = webhook_delivery::Entity::find_by_id(delivery_id)
        .one(&tx)
        .await?
        .ok_or_else(|| Error::not_found("webhook delivery", delivery_id))?;
    let endpoint = match administered(&tx, &ctx.caller, delivery.endpoint_id).await {
        Err(Error::NotFound { .. }) => {
            return Err(Error::not_found("webhook delivery", delivery_id));
        }
        other => other?,
    };
    webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::State, Expr::value(PENDING))
        .col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(Utc::now()),
        )
        .col_expr(
            webhook_delivery::Column::ClaimedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(webhook_delivery::Column::Id.eq(delivery_id))
        .exec(&tx)
        .await?;
    tx.notifies();
    super::audit::commit(tx, ctx, &[endpoint.organisation_id, delivery_id]).await
}

/// Queues the event for every unpaused endpoint of an organisation in its audience that wants
/// its type (in the event's transaction).
pub(super) async fn queue(
    tx: &impl ConnectionTrait,
    event_id: Uuid,
    event_type: EventType,
    audience: &[Uuid],
    now: DateTime<Utc>,
) -> Result<()> {
    let name = event_type.name();
    let deliveries: Vec<webhook_delivery::ActiveModel> = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::OrganisationId.is_in(audience.iter().copied()))
        .filter(webhook_endpoint::Column::Paused.eq(false))
        .all(tx)
        .await?
        .into_iter()
        .filter(|e| {
            e.event_types
                .as_array()
                .is_some_and(|types| types.iter().any(|t| t.as_str() == Some(name)))
        })
        .map(|e| webhook_delivery::ActiveModel {
            id: Set(Uuid::new_v4()),
            endpoint_id: Set(e.id),
            event_id: Set(event_id),
            state: Set(PENDING.to_string()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            claimed_until: Set(None),
            last_status: Set(None),
            last_error: Set(None),
            delivered_at: Set(None),
            created_at: Set(now),
        })
        .collect();
    if !deliveries.is_empty() {
        webhook_delivery::Entity::insert_many(deliveries)
            .exec_without_returning(tx)
            .await?;
    }
    Ok(())
}

/// A delivery the deliverer has claimed: what to POST, where, signed with which secrets.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: Uuid,
    pub attempts: i32,
    pub url: String,
    /// The current secret first, then the previous one while it still signs.
    pub secrets: Vec<String>,
    pub event_id: Uuid,
    pub event_type: String,
    pub at: DateTime<Utc>,
    pub data: serde_json::Value,
}

/// Claims up to `limit` deliveries that are due, for `hold` (another replica skips them until
/// then; on PostgreSQL `FOR UPDATE SKIP LOCKED` keeps two replicas from claiming the same row
/// at the same moment, on SQLite the write lock does). A deliverer that dies holding a claim
/// leaves it to be claimed again when the hold runs out: delivery is at least once.
pub async fn claim_due(
    db: &DatabaseConnection,
    limit: u64,
    hold: std::time::Duration,
) -> Result<Vec<DueDelivery>> {
    let now = Utc::now();
    let due = || {
        webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::State.eq(PENDING))
            .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
            .filter(
                Condition::any()
                    .add(webhook_delivery::Column::ClaimedUntil.is_null())
                    .add(webhook_delivery::Column::ClaimedUntil.lt(now)),
            )
    };
    // A read first, so that looking every second takes no write lock when nothing is due
    // (on SQLite the write lock is the whole database's).
    if due().one(db).await?.is_none() {
        return Ok(Vec::new());
    }
    let tx = begin_write(db).await?;
    let mut due = due()
        .order_by_asc(webhook_delivery::Column::NextAttemptAt)
        .limit(limit);
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        due = due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let rows = due.all(&tx).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let until = now + Duration::from_std(hold).unwrap_or(Duration::seconds(60));
    webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::ClaimedUntil, Expr::value(until))
        .filter(webhook_delivery::Column::Id.is_in(rows.iter().map(|r| r.id)))
        .exec(&tx)
        .await?;
    let endpoints: std::collections::HashMap<Uuid, webhook_endpoint::Model> =
        webhook_endpoint::Entity::find()
            .filter(webhook_endpoint::Column::Id.is_in(rows.iter().map(|r| r.endpoint_id)))
            .all(&tx)
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
    let events: std::collections::HashMap<Uuid, notification_event::Model> =
        notification_event::Entity::find()
            .filter(notification_event::Column::Id.is_in(rows.iter().map(|r| r.event_id)))
            .all(&tx)
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
    // Committed without an audit entry: the deliverer changes no one's data, and each attempt
    // is recorded as an attempt.
    #[allow(clippy::disallowed_methods)]
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let endpoint = endpoints.get(&r.endpoint_id)?;
            let event = events.get(&r.event_id)?;
            let mut secrets = vec![endpoint.secret.clone()];
            if let (Some(previous), Some(until)) =
                (&endpoint.previous_secret, endpoint.previous_secret_until)
                && until > now
            {
                secrets.push(previous.clone());
            }
            Some(DueDelivery {
                id: r.id,
                attempts: r.attempts,
                url: endpoint.url.clone(),
                secrets,
                event_id: event.id,
                event_type: event.event_type.clone(),
                at: event.at,
                data: event.data.clone(),
            })
        })
        .collect())
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Option<u16>,
    pub latency_ms: i32,
    pub error: Option<String>,
    /// When to try again; None when delivered or when the retries are used up.
    pub retry_at: Option<DateTime<Utc>>,
}

impl Outcome {
    fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Records an attempt and what follows from it: delivered, due again, or failed (the endpoint
/// is then marked failing until an ADMIN edits or un-pauses it, or a later delivery succeeds).
pub async fn record_attempt(
    db: &DatabaseConnection,
    delivery: &DueDelivery,
    outcome: Outcome,
) -> Result<()> {
    let now = Utc::now();
    let tx = begin_write(db).await?;
    webhook_attempt::Entity::insert(webhook_attempt::ActiveModel {
        id: Set(Uuid::new_v4()),
        delivery_id: Set(delivery.id),
        at: Set(now),
        status: Set(outcome.status.map(i32::from)),
        latency_ms: Set(outcome.latency_ms),
        error: Set(outcome.error.clone()),
    })
    .exec_without_returning(&tx)
    .await?;
    let state = if outcome.delivered() {
        DELIVERED
    } else if outcome.retry_at.is_some() {
        PENDING
    } else {
        FAILED
    };
    let mut update = webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::State, Expr::value(state))
        .col_expr(
            webhook_delivery::Column::Attempts,
            Expr::value(delivery.attempts.saturating_add(1)),
        )
        .col_expr(
            webhook_delivery::Column::ClaimedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            webhook_delivery::Column::LastStatus,
            Expr::value(outcome.status.map(i32::from)),
        )
        .col_expr(
            webhook_delivery::Column::LastError,
            Expr::value(outcome.error.clone()),
        );
    if let Some(at) = outcome.retry_at {
        update = update.col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(at));
    }
    if outcome.delivered() {
        update = update.col_expr(webhook_delivery::Column::DeliveredAt, Expr::value(now));
    }
    update
        .filter(webhook_delivery::Column::Id.eq(delivery.id))
        .exec(&tx)
        .await?;
    if state != PENDING {
        let endpoint = webhook_delivery::Entity::find_by_id(delivery.id)
            .one(&tx)
            .await?
            .map(|d| d.endpoint_id);
        if let Some(endpoint) = endpoint {
            webhook_endpoint::Entity::update_many()
                .col_expr(
                    webhook_endpoint::Column::Failing,
                    Expr::value(state == FAILED),
                )
                .filter(webhook_endpoint::Column::Id.eq(endpoint))
                .exec(&tx)
                .await?;
        }
    }
    // The deliverer's own bookkeeping: no caller's write, so no audit entry (the attempt is
    // the record).
    #[allow(clippy::disallowed_methods)]
    tx.commit().await?;
    Ok(())
}

/// Most events one clearing removes (the rest wait for the next).
const PRUNE_BATCH: u64 = 10_000;

/// Removes events from before `cutoff` with their deliveries and attempts, except events with
/// a delivery still PENDING. Returns how many events went. One transaction.
pub async fn prune_before(db: &DatabaseConnection, cutoff: DateTime<Utc>) -> Result<usize> {
    let pending = sea_orm::sea_query::Query::select()
        .column(webhook_delivery::Column::EventId)
        .from(webhook_delivery::Entity)
        .and_where(webhook_delivery::Column::State.eq(PENDING))
        .to_owned();
    let old: Vec<Uuid> = notification_event::Entity::find()
        .select_only()
        .column(notification_event::Column::Id)
        .filter(notification_event::Column::At.lt(cutoff))
        .filter(notification_event::Column::Id.not_in_subquery(pending))
        .limit(PRUNE_BATCH)
        .into_tuple()
        .all(db)
        .await?;
    if old.is_empty() {
        return Ok(0);
    }
    let tx = begin_write(db).await?;
    for chunk in old.chunks(500) {
        let deliveries = sea_orm::sea_query::Query::select()
            .column(webhook_delivery::Column::Id)
            .from(webhook_delivery::Entity)
            .and_where(webhook_delivery::Column::EventId.is_in(chunk.iter().copied()))
            .to_owned();
        webhook_attempt::Entity::delete_many()
            .filter(webhook_attempt::Column::DeliveryId.in_subquery(deliveries))
            .exec(&tx)
            .await?;
        webhook_delivery::Entity::delete_many()
            .filter(webhook_delivery::Column::EventId.is_in(chunk.iter().copied()))
            .filter(webhook_delivery::Column::State.ne(PENDING))
            .exec(&tx)
            .await?;
        // An event whose delivery was replayed meanwhile stays.
        let pending = sea_orm::sea_query::Query::select()
            .column(webhook_delivery::Column::EventId)
            .from(webhook_delivery::Entity)
            .and_where(webhook_delivery::Column::State.eq(PENDING))
            .to_owned();
        notification_event::Entity::delete_many()
            .filter(notification_event::Column::Id.is_in(chunk.iter().copied()))
            .filter(notification_event::Column::Id.not_in_subquery(pending))
            .exec(&tx)
            .await?;
    }
    // Housekeeping, not a caller's write: no audit entry.
    #[allow(clippy::disallowed_methods)]
    tx.commit().await?;
    Ok(old.len())
}
