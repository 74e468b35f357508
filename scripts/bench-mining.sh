#!/usr/bin/env bash
# Side-by-side speed of qiflow and pm4py (the reference process-mining library) on logs of
# 10^4, 10^5 and 10^6 events from the shared generator, on this machine, in one run.
#
#   scripts/bench-mining.sh            # pm4py from $PM4PY_PYTHON, or skipped when absent
#   PM4PY_PYTHON=/tmp/pm4py-venv/bin/python scripts/bench-mining.sh
#
# pm4py is only the yardstick (AGPL): install it outside the project, e.g.
#   python3 -m venv /tmp/pm4py-venv && /tmp/pm4py-venv/bin/pip install pm4py==2.7.23.11
# Needs GNU time (/usr/bin/time) for peak memory. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
PY=${PM4PY_PYTHON:-}
if [[ -n "$PY" ]] && ! "$PY" -c "import pm4py" 2>/dev/null; then
  echo "PM4PY_PYTHON=$PY cannot import pm4py; skipping pm4py" >&2
  PY=""
fi
[[ -z "$PY" ]] && echo "pm4py not available: measuring qiflow only" >&2

cargo build --release --bin qiflow >&2
QIFLOW=$PWD/target/release/qiflow
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# shellcheck source=scripts/measure.sh
source scripts/measure.sh

echo "| events | qiflow mine CSV: process s / MB | qiflow load+compute s | pm4py CSV load+compute s | pm4py process s / MB | speed-up load+compute | speed-up process | qiflow mine XES s / MB | import-events SQLite s | mine stored log s |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for cases in 455 4545 45455; do
  log="$WORK/hf$cases"
  python3 "$SHARED/bench/gen_eventlog.py" --cases "$cases" --seed 42 --csv "$log.csv" --xes "$log.xes" 2>"$WORK/gen"
  events=$(sed -n 's/.*events=\([0-9]*\).*/\1/p' "$WORK/gen")
  read -r q_s q_mb <<<"$(measure "$QIFLOW" mine "$log.csv" --format json --timings)"
  q_lc=$(awk '/^TIMING (load|compute)_total/ { t += $3 } END { printf "%.4f", t }' "$WORK/err")
  read -r x_s x_mb <<<"$(measure "$QIFLOW" mine "$log.xes" --format json)"
  db="$WORK/hf$cases.db"
  read -r i_s _ <<<"$(measure "$QIFLOW" import-events "$log.csv" --log bench --database-url "sqlite://$db" --key-file "$WORK/key")"
  read -r s_s _ <<<"$(measure "$QIFLOW" mine --log bench --database-url "sqlite://$db" --format json)"
  if [[ -n "$PY" ]]; then
    read -r p_s p_mb <<<"$(measure "$PY" "$SHARED/bench/pm4py_ref.py" "$log.csv" "$WORK/pm4py.json" --timings "$WORK/t.json")"
    p_lc=$(python3 -c "import json; t = json.load(open('$WORK/t.json')); print('%.4f' % (t['load_total'] + t['compute_total']))")
    ratio=$(python3 -c "print('%.0fx' % ($p_lc / max($q_lc, 0.0001)))")
    ratio_process=$(python3 -c "print('%.0fx' % ($p_s / max($q_s, 0.001)))")
    echo "| $events | $q_s / $q_mb | $q_lc | $p_lc | $p_s / $p_mb | $ratio | $ratio_process | $x_s / $x_mb | $i_s | $s_s |"
  else
    echo "| $events | $q_s / $q_mb | $q_lc | - | - | - | - | $x_s / $x_mb | $i_s | $s_s |"
  fi
done
