#!/usr/bin/env bash
# What a request costs, side by side in one run: wrk against a release `qiflow serve --demo`
# on SQLite and on PostgreSQL. Prints one table: requests a second, p50 and p99 latency, and
# each read's throughput as a share of /healthz on the same store; "failed" counts non-2xx
# answers and answers with GraphQL errors. Each read is measured twice: the same request again
# and again (answered from the kept answers while nothing commits, see api/src/answers.rs), and
# "never the same twice" (a counter in its variables, so every request runs in full).
#
#   scripts/bench-requests.sh                 # both stores, 50 connections, 10 s each
#   CONNECTIONS=50 DURATION=10s STORES="sqlite" scripts/bench-requests.sh
#   BIN=/tmp/old/target/release/qiflow scripts/bench-requests.sh
#   PARTS=1 STORES=sqlite DURATION=4s scripts/bench-requests.sh   # and each part of the page alone
#
# Needs wrk (Debian package `wrk`) and, for the PostgreSQL rows, a server at PG_URL
# (default postgres://postgres@127.0.0.1:5432/postgres; a scratch database is made and dropped).
set -euo pipefail
cd "$(dirname "$0")/.."
CONNECTIONS=${CONNECTIONS:-50}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
STORES=${STORES:-"sqlite postgres"}
# PARTS=1 adds a row for each part of the pathway page's request read alone (never the same
# twice), beside `pathway(id) { id }`, the floor every read pays.
PARTS=${PARTS:-0}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
# BIN=path/to/qiflow compares another build (an older commit's, say) under the same load.
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=target/release/qiflow
fi
WORK=$(mktemp -d)
SERVER=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

# Counts responses that carry GraphQL errors (a refused request answers 200); both scripts load it.
cat > "$WORK/count.lua" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) errors = 0 end
function response(status, headers, body)
  if string.find(body, '"errors"', 1, true) then errors = errors + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("errors") end
  io.write(string.format("GraphQL errors: %d\n", total))
end
LUA
export COUNT_LUA="$WORK/count.lua"
# A wrk script that POSTs one GraphQL request (body from $BODY_FILE) with the token.
cat > "$WORK/post.lua" <<'LUA'
local f = io.open(os.getenv("BODY_FILE"), "r")
wrk.body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
dofile(os.getenv("COUNT_LUA"))
LUA
# The same read with a counter in its variables (ignored by the query), so that no two requests
# are the same and none is answered from the kept answers: what a read costs the first time.
cat > "$WORK/fresh.lua" <<'LUA'
local f = io.open(os.getenv("BODY_FILE"), "r")
local body = f:read("*a")
f:close()
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
request = function()
  n = n + 1
  local unique = string.gsub(body, '"variables":{', string.format('"variables":{"n":%d,', n), 1)
  return wrk.format(nil, nil, nil, unique)
end
dofile(os.getenv("COUNT_LUA"))
LUA
# recordDataPoints with a new date on every request (a write each time).
cat > "$WORK/write.lua" <<'LUA'
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
local measure = os.getenv("MEASURE")
request = function()
  n = n + 1
  local day = os.time({year = 2030, month = 1, day = 1}) + 86400 * (n + 1000 * math.random(0, 200))
  local body = string.format(
    '{"query":"mutation($id: ID!, $p: [DataPointInput!]!) { recordDataPoints(measureId: $id, points: $p, allowFuture: true) { inserted replaced } }","variables":{"id":"%s","p":[{"date":"%s","value":%d}]}}',
    measure, os.date("!%Y-%m-%d", day), n % 17)
  return wrk.format(nil, nil, nil, body)
end
dofile(os.getenv("COUNT_LUA"))
LUA
# The latency percentiles wrk prints with --latency, as milliseconds.
summary() {
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec/ { rps = $2 }
    /Non-2xx/ { bad += $NF } /^GraphQL errors:/ { bad += $NF }
    END { printf "%s %.2f %.2f %d\n", rps, p50, p99, bad }'
}

run_store() {
  local store=$1 url port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  if [ "$store" = sqlite ]; then
    url="sqlite://$WORK/bench.db"
  else
    psql "$PG_URL" -qc "DROP DATABASE IF EXISTS qiflow_bench" >/dev/null
    psql "$PG_URL" -qc "CREATE DATABASE qiflow_bench" >/dev/null
    url="${PG_URL%/*}/qiflow_bench"
  fi
  # The server runs with its default log filter (what an operator gets); its log goes to a file.
  env -u RUST_LOG "$BIN" serve --demo --database-url "$url" --bind "127.0.0.1:$port" \
    --key-file "$WORK/key" --points-per-minute 1000000000 > "$WORK/serve.out" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 600); do
    grep -q '^Health:' "$WORK/serve.out" 2>/dev/null && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
  done
  export TOKEN
  TOKEN=$(sed -n 's/.*header: Authorization: Bearer \(qf_[0-9a-f]*\)$/\1/p' "$WORK/serve.out" | head -n 1)
  local base="http://127.0.0.1:$port"
  gql() { curl -sf "$base/graphql" -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" -d "$1"; }
  local pathway measure
  pathway=$(gql '{"query":"{ pathways(first: 10) { nodes { id name steps { id } } } }"}' |
    python3 -c 'import json,sys; n=json.load(sys.stdin)["data"]["pathways"]["nodes"]; print(next(p["id"] for p in n if p["name"].startswith("Hip fracture") and len(p["steps"])==16))')
  measure=$(gql '{"query":"{ projects(first: 5) { nodes { measures(first: 20) { nodes { id fromLog { logId } } } } } }"}' |
    python3 -c 'import json,sys; ps=json.load(sys.stdin)["data"]["projects"]["nodes"]; print(next(m["id"] for p in ps for m in p["measures"]["nodes"] if not m["fromLog"]))')
  export MEASURE=$measure
  printf '{"query":"query($id: ID!) { pathway(id: $id) { id name version status owner { odsCode } steps { id key name kind touchMinutes organisation { odsCode name } } transitions { id from { key } to { key } probability waitMinutes handoff } } }","variables":{"id":"%s"}}' \
    "$pathway" > "$WORK/pathway.json"
  printf '{"query":"query($id: ID!) { pathway(id: $id) { analysis { expectedLeadTimeMinutes valueAddedMinutes flowEfficiency expectedHandoffs steps { key expectedVisits expectedMinutes } hotspots(first: 5) { kind title explanation minutesPerPatient } } } }","variables":{"id":"%s"}}' \
    "$pathway" > "$WORK/analysis.json"
  # The pathway page's own request (agreement, comments, the map's SVG, who is signed in), read
  # from the page's module so that the row follows the page.
  python3 - "$pathway" > "$WORK/page.json" <<'PY'
import json, re, sys
model = open("api/web/public/app/js/model.js").read()
query = re.search(r"export const PATHWAY_QUERY = `(.*?)`;", model, re.S).group(1)
# The constants the query takes in (`${NAME}`), as the module declares them.
constants = dict(re.findall(r'export const (\w+) = "?([^";`]*)"?;', model))
query = re.sub(r"\$\{(\w+)\}", lambda m: constants[m.group(1)], query)
print(json.dumps({"query": query, "variables": {"id": sys.argv[1]}}, separators=(",", ":")))
PY
  # Warm up once, then measure each request kind in turn.
  wrk -t1 -c4 -d2s "$base/healthz" >/dev/null
  local healthz
  healthz=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$base/healthz" | summary)
  local hrps=${healthz%% *}
  row "$store" "GET /healthz" "$healthz" "$hrps"
  for q in pathway analysis page; do
    local r
    r=$(BODY_FILE="$WORK/$q.json" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/post.lua" "$base/graphql" | summary)
    row "$store" "read 16-step $q" "$r" "$hrps"
    r=$(BODY_FILE="$WORK/$q.json" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/fresh.lua" "$base/graphql" | summary)
    row "$store" "  never the same twice" "$r" "$hrps"
  done
  if [ "$PARTS" = 1 ]; then
    local name selection
    while IFS='|' read -r name selection; do
      python3 -c 'import json,sys; print(json.dumps({"query": "query($id: ID!) { " + sys.argv[1] + " }", "variables": {"id": sys.argv[2]}}, separators=(",", ":")))' \
        "$selection" "$pathway" > "$WORK/part.json"
      r=$(BODY_FILE="$WORK/part.json" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/fresh.lua" "$base/graphql" | summary)
      row "$store" "  $name" "$r" "$hrps"
    done <<'PARTS'
page part: pathway(id) { id }|pathway(id: $id) { id }
page part: header|pathway(id: $id) { id name description condition status revision demandPerDay parentId updatedAt owner { id odsCode name } }
page part: steps|pathway(id: $id) { steps { id key name kind organisation { id odsCode name } site activityCode touchMinutes valueClass wasteKinds dataItems capacityPerDay percentCompleteAccurate } }
page part: transitions|pathway(id: $id) { transitions { id from { id key name } to { id key name } probability waitMinutes handoff crossesOrganisations } }
page part: problems|pathway(id: $id) { problems { code message steps transitions } }
page part: mapSvg|pathway(id: $id) { mapSvg }
page part: versions|pathway(id: $id) { versions(first: 50) { nodes { id revision versionLabel status } } }
page part: agreement|pathway(id: $id) { agreement { complete organisations { organisation { id odsCode name } state decidedBy decidedAt comment requestedAt } } }
page part: comments|pathway(id: $id) { comments(first: 100) { nodes { id about subjectId author yours body resolved resolvedBy createdAt version } } }
PARTS
  fi
  local w
  w=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/write.lua" "$base/graphql" | summary)
  row "$store" "write recordDataPoints" "$w" "$hrps"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
  [ "$store" = postgres ] && psql "$PG_URL" -qc "DROP DATABASE IF EXISTS qiflow_bench" >/dev/null
  return 0
}

row() {
  local rps p50 p99 bad
  read -r rps p50 p99 bad <<< "$3"
  printf '| %-8s | %-32s | %10.0f | %8.2f | %8.2f | %6.0f%% | %s |\n' "$1" "$2" "$rps" "$p50" "$p99" \
    "$(python3 -c "print(100*$rps/$4)")" "$bad"
}

echo "wrk: $THREADS threads, $CONNECTIONS connections, $DURATION each; $(nproc) cores"
echo
echo "| store    | request                          | requests/s | p50 (ms) | p99 (ms) | of /healthz | failed |"
echo "|----------|----------------------------------|-----------:|---------:|---------:|------------:|-------:|"
for store in $STORES; do run_store "$store"; done
