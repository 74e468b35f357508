#!/usr/bin/env bash
# Issue 16's figures, measured side by side in one run on this machine:
#   1. qiflow mine and pm4py on each real public log of ../shared/validation/realdata (read
#      straight from the .xes.gz, offset-less times in UTC as pm4py reads them);
#   2. import-events of 10^6 generated events into PostgreSQL, with each phase's time;
#   3. qiflow mine of 10^7 generated events, and its import into SQLite and PostgreSQL.
#
#   PM4PY_PYTHON=/tmp/pm4py-venv/bin/python scripts/bench-real-exports.sh
#   PG_URL=postgres://postgres@127.0.0.1:5432/postgres SKIP_10M=1 scripts/bench-real-exports.sh
#
# pm4py is only the yardstick (AGPL): install it outside the project, e.g.
#   python3 -m venv /tmp/pm4py-venv && /tmp/pm4py-venv/bin/pip install pm4py==2.7.23.11
# Needs GNU time (/usr/bin/time) for peak memory and psql for the scratch databases. Prints
# Markdown tables; takes about five minutes (the 10^7 part most of it; SKIP_10M=1 leaves it out).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
PY=${PM4PY_PYTHON:-}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
if [[ -n "$PY" ]] && ! "$PY" -c "import pm4py" 2>/dev/null; then
  echo "PM4PY_PYTHON=$PY cannot import pm4py; skipping pm4py" >&2
  PY=""
fi
[[ -z "$PY" ]] && echo "pm4py not available: measuring qiflow only" >&2

cargo build --release --bin qiflow >&2
QIFLOW=$PWD/target/release/qiflow
WORK=$(mktemp -d)
PG_BASE=${PG_URL%/*}
cleanup() {
  rm -rf "$WORK"
  for db in qiflow_bench_1m qiflow_bench_10m; do
    psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

# shellcheck source=scripts/measure.sh
source scripts/measure.sh

echo "### Real logs (.xes.gz as shipped): qiflow mine --timezone UTC and pm4py"
echo
echo "| log | events | qiflow process s / peak MB | qiflow load+compute s | pm4py process s / peak MB | pm4py load+compute s | speed-up (load+compute) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for log in "$SHARED"/validation/realdata/logs/*.xes.gz; do
  name=$(basename "$log" .xes.gz)
  read -r q_s q_mb <<<"$(measure "$QIFLOW" mine "$log" --timezone UTC --format json --timings)"
  q_lc=$(awk '/^TIMING (load|compute)_total/ { t += $3 } END { printf "%.3f", t }' "$WORK/err")
  events=$(python3 -c "import json; print(json.load(open('$WORK/out'))['events'])")
  if [[ -n "$PY" ]]; then
    read -r p_s p_mb <<<"$(measure "$PY" "$SHARED/bench/pm4py_ref.py" "$log" "$WORK/pm4py.json" --timings "$WORK/t.json")"
    p_lc=$(python3 -c "import json; t = json.load(open('$WORK/t.json')); print('%.3f' % (t['load_total'] + t['compute_total']))")
    ratio=$(python3 -c "print('%.0fx' % ($p_lc / max($q_lc, 0.001)))")
    echo "| $name | $events | $q_s / $q_mb | $q_lc | $p_s / $p_mb | $p_lc | $ratio |"
  else
    echo "| $name | $events | $q_s / $q_mb | $q_lc | - | - | - |"
  fi
done

phases() { grep -o 'read and checked in .*' "$WORK/out" || true; }

echo
echo "### Imports and the 10^7-event mine (generated hip-fracture logs)"
echo
echo "| what | events | s | peak MB | phases |"
echo "|---|---:|---:|---:|---|"
python3 "$SHARED/bench/gen_eventlog.py" --cases 45455 --seed 42 --csv "$WORK/1m.csv" 2>/dev/null
psql "$PG_URL" -qc "DROP DATABASE IF EXISTS qiflow_bench_1m" -c "CREATE DATABASE qiflow_bench_1m" >/dev/null
read -r s mb <<<"$(measure "$QIFLOW" import-events "$WORK/1m.csv" --log bench --database-url "$PG_BASE/qiflow_bench_1m" --key-file "$WORK/key")"
echo "| import-events into PostgreSQL | 996,108 | $s | $mb | $(phases) |"
if [[ -z "${SKIP_10M:-}" ]]; then
  python3 "$SHARED/bench/gen_eventlog.py" --cases 454550 --seed 42 --csv "$WORK/10m.csv" 2>/dev/null
  read -r s mb <<<"$(measure "$QIFLOW" mine "$WORK/10m.csv" --format json)"
  events=$(python3 -c "import json; print(json.load(open('$WORK/out'))['events'])")
  echo "| mine | $events | $s | $mb | |"
  read -r s mb <<<"$(measure "$QIFLOW" import-events "$WORK/10m.csv" --log bench --database-url "sqlite://$WORK/10m.db?mode=rwc" --key-file "$WORK/key")"
  echo "| import-events into SQLite | $events | $s | $mb | $(phases) |"
  psql "$PG_URL" -qc "DROP DATABASE IF EXISTS qiflow_bench_10m" -c "CREATE DATABASE qiflow_bench_10m" >/dev/null
  read -r s mb <<<"$(measure "$QIFLOW" import-events "$WORK/10m.csv" --log bench --database-url "$PG_BASE/qiflow_bench_10m" --key-file "$WORK/key")"
  echo "| import-events into PostgreSQL | $events | $s | $mb | $(phases) |"
fi
