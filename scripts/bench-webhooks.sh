#!/usr/bin/env bash
# Webhook delivery latency for 1,000 events to one local receiver (from each event's commit time
# to its arrival), on SQLite and on PostgreSQL, printed as a table. Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
run() {
  cargo test -q --release -p qiflow --test e2e webhooks::delivery_latency_for_a_thousand_events \
    -- --ignored --nocapture 2>/dev/null | grep '^|'
}
echo "SQLite:"; TEST_DATABASE_URL= run
echo; echo "PostgreSQL:"; TEST_DATABASE_URL="$PG_URL" run
