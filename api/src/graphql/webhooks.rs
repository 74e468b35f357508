//! Webhooks: what an organisation's ADMINs register to be told of events (signed POSTs, the
//! Standard Webhooks way), their deliveries and attempts, and the list of event types.

use super::context::{change, db, organisation_ref, parse_id};
use super::paging::{Connection, Paging, page_of};
use crate::deliverer::{self, WebhookSettings};
use crate::store::outbox::EventType;
use crate::store::webhooks::{
    self as store, AttemptRecord, DeliveryRecord, EndpointEdit, EndpointRecord, NewEndpoint,
};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// An event type other systems can be told about.
#[derive(SimpleObject)]
pub struct NotificationType {
    /// Its name, e.g. `measure.signal`: what `eventTypes` takes.
    pub name: &'static str,
    /// What it means and what its payload's `data` carries besides the common fields
    /// (`eventId`, `organisationId`, `objectType`, `objectId`, `version`, `link`).
    pub meaning: &'static str,
}

/// Where an organisation's events are POSTed, signed with its secret.
pub struct WebhookEndpointView(pub EndpointRecord);

/// Where an organisation's events are POSTed, signed with its secret (Standard Webhooks:
/// `webhook-id`, `webhook-timestamp`, `webhook-signature` headers).
#[Object(name = "WebhookEndpoint")]
impl WebhookEndpointView {
    /// Its id.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The organisation whose events it receives (those of objects the organisation may see).
    async fn organisation_id(&self) -> ID {
        ID(self.0.organisation_id.to_string())
    }
    /// Where deliveries are POSTed.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// The event types it receives.
    async fn event_types(&self) -> Vec<&'static str> {
        self.0.event_types.iter().map(|t| t.name()).collect()
    }
    /// What it is for.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// A paused endpoint is queued no new events (those queued before are still sent).
    async fn paused(&self) -> bool {
        self.0.paused
    }
    /// A delivery used up its retries; cleared by the next success, an edit or un-pausing.
    async fn failing(&self) -> bool {
        self.0.failing
    }
    /// Send it back as `expectedVersion` when changing the endpoint.
    async fn version(&self) -> i64 {
        self.0.version
    }
    /// After a rotation, until when the previous secret also signs (UTC).
    async fn previous_secret_until(&self) -> Option<DateTime<Utc>> {
        self.0.previous_secret_until
    }
    /// When it was registered (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was last changed (UTC).
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Its newest deliveries (of the latest 500), newest first, each with its attempts.
    #[graphql(complexity = "super::paging::cost(first, last, child_complexity)")]
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "At most this many from the start (or after `after`): 1 to 100; 20 when neither `first` nor `last` is given."
        )]
        first: Option<i32>,
        #[graphql(desc = "A cursor from this list: start after its item.")] after: Option<String>,
        #[graphql(desc = "At most this many from the end (or before `before`): 1 to 100.")]
        last: Option<i32>,
        #[graphql(desc = "A cursor from this list: end before its item.")] before: Option<String>,
    ) -> Result<Connection<WebhookDeliveryView>> {
        let caller = super::context::caller_of(ctx);
        let deliveries = store::deliveries(db(ctx)?, &caller, self.0.id).await?;
        Ok(page_of(
            deliveries,
            Paging::new(first, after, last, before),
            |d| d.id.to_string(),
            WebhookDeliveryView,
        )?)
    }
}

/// One event on its way to one endpoint.
pub struct WebhookDeliveryView(pub DeliveryRecord);

/// One event on its way to one endpoint.
#[Object(name = "WebhookDelivery")]
impl WebhookDeliveryView {
    /// Its id (what `replayWebhookDelivery` takes).
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The event's id: the `webhook-id` header, the same on every attempt (receivers use it to
    /// ignore a repeat).
    async fn event_id(&self) -> ID {
        ID(self.0.event_id.to_string())
    }
    /// The event's type.
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    /// PENDING (to be tried, again if it failed before), DELIVERED or FAILED (retries used up).
    async fn state(&self) -> &str {
        &self.0.state
    }
    /// Every POST so far, oldest first.
    async fn attempts(&self) -> Vec<WebhookAttempt> {
        self.0.attempts.iter().map(WebhookAttempt::from).collect()
    }
    /// When it is tried next, while PENDING (UTC).
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.next_attempt_at
    }
    /// When the endpoint accepted it (UTC).
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
    /// When the event happened (UTC).
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// One POST of a delivery.
#[derive(SimpleObject)]
pub struct WebhookAttempt {
    /// When it was sent (UTC).
    pub at: DateTime<Utc>,
    /// The HTTP status answered; null when there was no answer.
    pub status: Option<i32>,
    /// Milliseconds from sending to the answer (or the failure).
    pub latency_ms: i32,
    /// What went wrong, when it did.
    pub error: Option<String>,
}

impl From<&AttemptRecord> for WebhookAttempt {
    fn from(a: &AttemptRecord) -> Self {
        Self {
            at: a.at,
            status: a.status,
            latency_ms: a.latency_ms,
            error: a.error.clone(),
        }
    }
}

/// An endpoint with its signing secret, shown this once.
#[derive(SimpleObject)]
pub struct WebhookEndpointWithSecret {
    /// The endpoint.
    pub endpoint: WebhookEndpointView,
    /// `whsec_` and base64: verify each delivery's `webhook-signature` with it. Shown only now.
    pub secret: String,
}

/// A webhook endpoint to register.
#[derive(InputObject)]
pub struct CreateWebhookEndpointInput {
    /// The organisation whose events it receives: its ODS code or id (you must administer it).
    pub organisation: ID,
    /// Where to POST: https (http only when the server allows it), resolving to public
    /// addresses (private ones only when the server allows them).
    pub url: String,
    /// The event types to send (see `notificationTypes`), at least one.
    pub event_types: Vec<String>,
    /// What it is for (up to 500 characters).
    #[graphql(default)]
    pub description: String,
}

/// A change to a webhook endpoint: what is left out stays.
#[derive(InputObject)]
pub struct UpdateWebhookEndpointInput {
    /// The endpoint.
    pub id: ID,
    /// The version you last read (`CONFLICT` when it has changed since).
    pub expected_version: i64,
    /// A new address (checked as when registering).
    pub url: Option<String>,
    /// New event types.
    pub event_types: Option<Vec<String>>,
    /// A new description.
    pub description: Option<String>,
    /// Pause (true) or resume (false) deliveries.
    pub paused: Option<bool>,
}

fn settings<'a>(ctx: &Context<'a>) -> &'a WebhookSettings {
    static STRICT: std::sync::LazyLock<WebhookSettings> =
        std::sync::LazyLock::new(WebhookSettings::default);
    ctx.data_opt::<WebhookSettings>().unwrap_or(&STRICT)
}

async fn checked_url(ctx: &Context<'_>, url: &str) -> crate::Result<String> {
    let settings = settings(ctx);
    let parsed =
        deliverer::check_url(settings, url).map_err(|e| crate::Error::invalid("url", e))?;
    deliverer::resolve(settings, &parsed)
        .await
        .map_err(|e| crate::Error::invalid("url", e))?;
    Ok(parsed.to_string())
}

fn event_types(names: &[String]) -> crate::Result<Vec<EventType>> {
    if names.is_empty() {
        return Err(crate::Error::invalid(
            "eventTypes",
            "name at least one event type",
        ));
    }
    let mut types = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let t = EventType::parse(name).ok_or_else(|| {
            crate::Error::invalid(
                format!("eventTypes[{i}]"),
                format!(
                    "{name:?} is not an event type; use one of {}",
                    EventType::ALL.map(EventType::name).join(", ")
                ),
            )
        })?;
        if !types.contains(&t) {
            types.push(t);
        }
    }
    Ok(types)
}

fn description(text: &str) -> crate::Result<String> {
    if text.chars().count() > 500 {
        return Err(crate::Error::invalid(
            "description",
            "must be at most 500 characters",
        ));
    }
    Ok(text.trim().to_string())
}

#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// Every event type webhooks and subscriptions carry, with what each means.
    async fn notification_types(&self) -> Vec<NotificationType> {
        EventType::ALL
            .into_iter()
            .map(|t| NotificationType {
                name: t.name(),
                meaning: t.meaning(),
            })
            .collect()
    }

    /// One webhook endpoint (ADMINs of its organisation only).
    async fn webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint's id.")] id: ID,
    ) -> Result<WebhookEndpointView> {
        let id = parse_id("id", &id)?;
        let caller = super::context::caller_of(ctx);
        Ok(WebhookEndpointView(
            store::get(db(ctx)?, &caller, id).await?,
        ))
    }
}

/// An organisation's webhook endpoints (ADMINs only), for `Organisation.webhookEndpoints`.
pub(super) async fn endpoints_of(
    ctx: &Context<'_>,
    organisation_id: uuid::Uuid,
) -> Result<Vec<WebhookEndpointView>> {
    let caller = super::context::caller_of(ctx);
    Ok(store::list(db(ctx)?, &caller, organisation_id)
        .await?
        .into_iter()
        .map(WebhookEndpointView)
        .collect())
}

#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Registers a webhook endpoint for an organisation (its ADMINs only); the signing secret
    /// is in the answer, once.
    async fn create_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to create (see the input type for each field).")]
        input: CreateWebhookEndpointInput,
    ) -> Result<WebhookEndpointWithSecret> {
        let organisation_id = organisation_ref(ctx, "organisation", &input.organisation).await?;
        let new = NewEndpoint {
            event_types: event_types(&input.event_types)?,
            description: description(&input.description)?,
            url: checked_url(ctx, &input.url).await?,
        };
        let (secret, record) = store::create(db(ctx)?, &change(ctx), organisation_id, new).await?;
        Ok(WebhookEndpointWithSecret {
            endpoint: WebhookEndpointView(record),
            secret,
        })
    }

    /// Changes, pauses or resumes an endpoint.
    async fn update_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to change (see the input type for each field).")]
        input: UpdateWebhookEndpointInput,
    ) -> Result<WebhookEndpointView> {
        let id = parse_id("id", &input.id)?;
        let edit = EndpointEdit {
            url: match &input.url {
                Some(url) => Some(checked_url(ctx, url).await?),
                None => None,
            },
            event_types: input.event_types.as_deref().map(event_types).transpose()?,
            description: input.description.as_deref().map(description).transpose()?,
            paused: input.paused,
        };
        Ok(WebhookEndpointView(
            store::update(db(ctx)?, &change(ctx), id, input.expected_version, edit).await?,
        ))
    }

    /// Gives an endpoint a new signing secret (in the answer, once); the previous one also
    /// signs for 24 hours, so its receiver can change over.
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint's id.")] id: ID,
        #[graphql(desc = "The version you last read.")] expected_version: i64,
    ) -> Result<WebhookEndpointWithSecret> {
        let id = parse_id("id", &id)?;
        let (secret, record) = store::rotate(db(ctx)?, &change(ctx), id, expected_version).await?;
        Ok(WebhookEndpointWithSecret {
            endpoint: WebhookEndpointView(record),
            secret,
        })
    }

    /// Deletes an endpoint with its deliveries.
    async fn delete_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The endpoint's id.")] id: ID,
    ) -> Result<bool> {
        let id = parse_id("id", &id)?;
        store::delete(db(ctx)?, &change(ctx), id).await?;
        Ok(true)
    }

    /// Sends a delivery again now (after fixing a receiver, say), whatever became of it.
    async fn replay_webhook_delivery(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The delivery's id (from `WebhookEndpoint.deliveries`).")] id: ID,
    ) -> Result<bool> {
        let id = parse_id("id", &id)?;
        store::replay(db(ctx)?, &change(ctx), id).await?;
        Ok(true)
    }
}
