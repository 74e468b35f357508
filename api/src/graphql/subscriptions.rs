//! GraphQL subscriptions: `events` streams what the outbox holds for the caller as it is
//! committed, through any replica. Served over WebSocket (graphql-transport-ws) at
//! `/graphql/ws`; the caller is the one `connection_init` signed in.

use super::context::{caller_of, db, organisation_ref};
use crate::store::outbox::{self, EventType, NotificationRecord};
use async_graphql::{Context, ID, Json, Object, Result, Subscription};
use chrono::{DateTime, Utc};
use futures::Stream;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use uuid::Uuid;

/// Most subscriptions one connection may hold at once.
pub const MAX_PER_CONNECTION: usize = 10;
/// How far back each read of the outbox looks, so an event committed late by another replica
/// (its time is taken before its transaction commits) is still seen: longer than any write
/// may take.
const LOOK_BACK: Duration = Duration::from_secs(120);
/// How often a subscription reads the outbox when nothing wakes it.
const POLL: Duration = Duration::from_secs(1);

/// The subscriptions a connection holds (connection data, made at `connection_init`).
#[derive(Debug, Default)]
pub struct ConnectionSubscriptions(AtomicUsize);

/// One of a connection's subscriptions; gives its place back when the stream ends.
struct Slot(Arc<ConnectionSubscriptions>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn take_slot(ctx: &Context<'_>) -> crate::Result<Option<Slot>> {
    let Some(held) = ctx.data_opt::<Arc<ConnectionSubscriptions>>() else {
        return Ok(None);
    };
    let taken = held
        .0
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
            (n < MAX_PER_CONNECTION).then_some(n + 1)
        })
        .is_ok();
    if !taken {
        return Err(crate::Error::invalid(
            "events",
            format!(
                "a connection may hold at most {MAX_PER_CONNECTION} subscriptions: stop one or open another connection"
            ),
        ));
    }
    Ok(Some(Slot(held.clone())))
}

/// Something that happened, as webhooks deliver it.
pub struct Notification(NotificationRecord);

/// Something that happened, as webhooks deliver it (`type`, `timestamp`, `data`).
#[Object]
impl Notification {
    /// The event's id (a webhook's `webhook-id`).
    async fn event_id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Its type, e.g. `measure.signal` (see `notificationTypes`).
    #[graphql(name = "type")]
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    /// When it happened (UTC).
    async fn timestamp(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// The organisation that owns its object.
    async fn organisation_id(&self) -> ID {
        ID(self.0.organisation_id.to_string())
    }
    /// The payload's data: `eventId`, `organisationId`, `objectType`, `objectId`, `version`,
    /// `link` and what the type adds.
    async fn data(&self) -> Json<serde_json::Value> {
        Json(self.0.data.clone())
    }
}

/// What a subscription waits for.
struct Wanted {
    types: Option<Vec<String>>,
    organisation: Option<Uuid>,
}

impl Wanted {
    fn wants(&self, n: &NotificationRecord) -> bool {
        self.types
            .as_ref()
            .is_none_or(|types| types.contains(&n.event_type))
            && self.organisation.is_none_or(|o| o == n.organisation_id)
    }
}

struct Following {
    db: sea_orm::DatabaseConnection,
    caller: crate::caller::Caller,
    wanted: Wanted,
    /// Events seen, with their times, to read the look-back window again without repeats.
    seen: HashSet<Uuid>,
    seen_at: VecDeque<(DateTime<Utc>, Uuid)>,
    /// Only events from here on.
    from: DateTime<Utc>,
    ready: VecDeque<NotificationRecord>,
    wake: tokio::sync::watch::Receiver<u64>,
    _slot: Option<Slot>,
}

impl Following {
    async fn next(mut self) -> Option<(Notification, Self)> {
        loop {
            if let Some(n) = self.ready.pop_front() {
                return Some((Notification(n), self));
            }
            let now = Utc::now();
            let window = now - chrono::Duration::from_std(LOOK_BACK).unwrap_or_default();
            while self.seen_at.front().is_some_and(|(at, _)| *at < window) {
                if let Some((_, id)) = self.seen_at.pop_front() {
                    self.seen.remove(&id);
                }
            }
            match outbox::visible_since(&self.db, &self.caller, window.max(self.from)).await {
                Ok(events) => {
                    for e in events {
                        if self.seen.insert(e.id) {
                            self.seen_at.push_back((e.at, e.id));
                            if self.wanted.wants(&e) {
                                self.ready.push_back(e);
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!("reading events for a subscription: {e:?}"),
            }
            if !self.ready.is_empty() {
                continue;
            }
            tokio::select! {
                _ = self.wake.changed() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }
}

/// What a client can be told as it happens (over WebSocket at `/graphql/ws`).
#[derive(Default)]
pub struct SubscriptionRoot;

/// What a client can be told as it happens (over WebSocket at `/graphql/ws`).
#[Subscription]
impl SubscriptionRoot {
    /// Events as they are committed (through any replica), of the objects you may see: measure
    /// signals, points recorded, PDSA cycles moved, imports, pathways published or archived,
    /// projects closed. At most 10 subscriptions a connection.
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only these event types (see `notificationTypes`); all when left out.")]
        types: Option<Vec<String>>,
        #[graphql(desc = "Only events of objects this organisation owns: its ODS code or id.")]
        organisation: Option<ID>,
    ) -> Result<impl Stream<Item = Notification> + use<>> {
        let caller = caller_of(ctx);
        if matches!(caller, crate::caller::Caller::Anonymous) {
            return Err(crate::Error::Unauthenticated.into());
        }
        if let Some(types) = &types {
            for (i, t) in types.iter().enumerate() {
                if EventType::parse(t).is_none() {
                    return Err(crate::Error::invalid(
                        format!("types[{i}]"),
                        format!("{t:?} is not an event type"),
                    )
                    .into());
                }
            }
        }
        let organisation = match &organisation {
            Some(o) => Some(organisation_ref(ctx, "organisation", o).await?),
            None => None,
        };
        let slot = take_slot(ctx)?;
        let following = Following {
            db: db(ctx)?.clone(),
            caller,
            wanted: Wanted {
                types,
                organisation,
            },
            seen: HashSet::new(),
            seen_at: VecDeque::new(),
            from: Utc::now(),
            ready: VecDeque::new(),
            wake: crate::notifications::watch(),
            _slot: slot,
        };
        Ok(futures::stream::unfold(following, Following::next))
    }
}
