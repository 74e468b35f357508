//! Writing an import's events on PostgreSQL with `COPY ... FROM STDIN`: ten times faster than
//! multi-row INSERTs, whose parsing and binding cost the server 17 s of CPU a million events.
//!
//! sea-orm does not lend its transaction's connection to sqlx's COPY, so the events are copied
//! beside the import's transaction into the unlogged scratch table `log_event_staging` (keyed
//! by an id of the import's own), and the transaction moves them into `log_event` in one
//! statement: the log gains them only if the transaction commits, all or nothing as before.
//! Whatever a failed import leaves in the scratch table is deleted after it, and anything older
//! than a day by the next import.

use crate::error::{Error, Result};
use engine::events::staging::StagedEvents;
use sea_orm::sqlx::postgres::PgPoolCopyExt as _;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use uuid::Uuid;

/// Bytes of COPY data sent at a time.
const CHUNK_BYTES: usize = 1 << 20;

fn failed(what: &str, e: impl std::fmt::Display) -> Error {
    Error::internal(anyhow::anyhow!("{what}: {e}"))
}

/// Appends `text` in COPY's text format: backslash, tab, newline and carriage return escaped.
/// (NUL never reaches here: the readers refuse it.)
fn push_text(out: &mut Vec<u8>, text: &str) {
    for &b in text.as_bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

fn push_optional(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(t) => push_text(out, t),
        None => out.extend_from_slice(b"\\N"),
    }
}

/// Copies the staged events into the scratch table under `staging_id`, numbered from 0 in the
/// order they were staged. O(events), streamed a megabyte at a time.
pub(super) async fn copy_to_staging(
    db: &DatabaseConnection,
    staging_id: Uuid,
    events: &StagedEvents,
) -> Result<()> {
    let pool = db.get_postgres_connection_pool();
    db.execute_raw(Statement::from_string(
        DbBackend::Postgres,
        "DELETE FROM log_event_staging WHERE staged_at < now() - interval '1 day'",
    ))
    .await?;
    let mut copy = pool
        .copy_in_raw(
            "COPY log_event_staging (import_id, rel_seq, case_key, activity, time_ms, organisation, resource, lifecycle) FROM STDIN",
        )
        .await
        .map_err(|e| failed("starting COPY", e))?;
    let id = staging_id.to_string();
    let mut buffer = Vec::with_capacity(CHUNK_BYTES + 4096);
    for (seq, e) in events.events().enumerate() {
        buffer.extend_from_slice(id.as_bytes());
        buffer.push(b'\t');
        buffer.extend_from_slice(seq.to_string().as_bytes());
        buffer.push(b'\t');
        push_text(&mut buffer, e.case_key);
        buffer.push(b'\t');
        push_text(&mut buffer, e.activity);
        buffer.push(b'\t');
        buffer.extend_from_slice(e.time_ms.to_string().as_bytes());
        buffer.push(b'\t');
        push_optional(&mut buffer, e.organisation);
        buffer.push(b'\t');
        push_optional(&mut buffer, e.resource);
        buffer.push(b'\t');
        push_optional(&mut buffer, e.lifecycle_text);
        buffer.push(b'\n');
        if buffer.len() >= CHUNK_BYTES {
            if let Err(e) = copy.send(buffer.as_slice()).await {
                // The connection must leave COPY mode before it goes back to the pool.
                copy.abort("qiflow stopped the copy").await.ok();
                return Err(failed("sending COPY data", e));
            }
            buffer.clear();
        }
    }
    if !buffer.is_empty()
        && let Err(e) = copy.send(buffer.as_slice()).await
    {
        copy.abort("qiflow stopped the copy").await.ok();
        return Err(failed("sending COPY data", e));
    }
    copy.finish()
        .await
        .map_err(|e| failed("finishing COPY", e))?;
    Ok(())
}

/// Moves the events copied under `staging_id` into `log_id`, numbered from `first_seq`, in the
/// caller's transaction. O(events).
pub(super) async fn move_into_log(
    tx: &impl ConnectionTrait,
    staging_id: Uuid,
    log_id: Uuid,
    first_seq: i64,
) -> Result<()> {
    tx.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO log_event (log_id, seq, case_key, activity, time_ms, organisation, resource, lifecycle)
         SELECT $1, $2 + rel_seq, case_key, activity, time_ms, organisation, resource, lifecycle
         FROM log_event_staging WHERE import_id = $3 ORDER BY rel_seq",
        [log_id.into(), first_seq.into(), staging_id.into()],
    ))
    .await?;
    clear(tx, staging_id).await
}

/// Deletes what `staging_id` holds in the scratch table.
pub(super) async fn clear(db: &impl ConnectionTrait, staging_id: Uuid) -> Result<()> {
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "DELETE FROM log_event_staging WHERE import_id = $1",
        [staging_id.into()],
    ))
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn copy_text_escapes_what_would_end_a_field_or_a_row() {
        let mut out = Vec::new();
        super::push_text(&mut out, "a\\b\tc\nd\re");
        assert_eq!(out, b"a\\\\b\\tc\\nd\\re");
        let mut out = Vec::new();
        super::push_optional(&mut out, None);
        assert_eq!(out, b"\\N");
    }
}
