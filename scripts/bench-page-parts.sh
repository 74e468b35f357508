#!/usr/bin/env bash
# What each part of the pathway page's request costs when read alone: wrk against a release
# `qiflow serve --demo` on SQLite, every request with a new variable (so none is answered from
# the kept answers), the 16-step hip fracture pathway. Prints one table: requests a second for
# each part, beside `pathway(id) { id }` (the floor every read pays) and /healthz.
#
#   scripts/bench-page-parts.sh                 # 20 connections, 4 s a part
#   CONNECTIONS=50 DURATION=10s BIN=/tmp/old/target/release/qiflow scripts/bench-page-parts.sh
#
# Needs wrk (Debian package `wrk`).
set -euo pipefail
cd "$(dirname "$0")/.."
CONNECTIONS=${CONNECTIONS:-20}
DURATION=${DURATION:-4s}
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
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
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env -u RUST_LOG "$BIN" serve --demo --database-url "sqlite://$WORK/bench.db" --bind "127.0.0.1:$port" \
  --key-file "$WORK/key" --points-per-minute 1000000000 > "$WORK/serve.out" 2>&1 &
SERVER=$!
for _ in $(seq 1 600); do
  grep -q '^Health:' "$WORK/serve.out" 2>/dev/null && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
export TOKEN
TOKEN=$(sed -n 's/.*header: Authorization: Bearer \(qf_[0-9a-f]*\)$/\1/p' "$WORK/serve.out" | head -n 1)
base="http://127.0.0.1:$port"
pathway=$(curl -sf "$base/graphql" -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" \
  -d '{"query":"{ pathways(first: 10) { nodes { id name steps { id } } } }"}' |
  python3 -c 'import json,sys; n=json.load(sys.stdin)["data"]["pathways"]["nodes"]; print(next(p["id"] for p in n if p["name"].startswith("Hip fracture") and len(p["steps"])==16))')
# A new variable in every request: what a read costs the first time.
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
# Requests a second; a run with refused answers (non-2xx, or GraphQL errors) is reported as
# failed, never as fast.
rate() { awk '/Non-2xx/ {bad = 1} /^GraphQL errors: [1-9]/ {bad = 1} /Requests\/sec/ {r = $2} END {if (bad) print "failed"; else printf "%.0f\n", r}'; }
echo "wrk: 2 threads, $CONNECTIONS connections, $DURATION each; $(nproc) cores; SQLite"
echo
echo "| part of the pathway page's request | requests/s |"
echo "|------------------------------------|-----------:|"
printf '| %-34s | %10s |\n' "GET /healthz" "$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" "$base/healthz" | rate)"
# The parts, as the page asks for them (see PATHWAY_QUERY in api/web/public/app/js/model.js).
while IFS='|' read -r name selection; do
  python3 -c 'import json,sys; print(json.dumps({"query": "query($id: ID!) { " + sys.argv[1] + " }", "variables": {"id": sys.argv[2]}}, separators=(",", ":")))' \
    "$selection" "$pathway" > "$WORK/body.json"
  r=$(BODY_FILE="$WORK/body.json" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -s "$WORK/fresh.lua" "$base/graphql" | rate)
  printf '| %-34s | %10s |\n' "$name" "$r"
done <<'PARTS'
pathway(id) { id }|pathway(id: $id) { id }
its header and owner|pathway(id: $id) { id name description condition status revision demandPerDay parentId updatedAt owner { id odsCode name } }
steps|pathway(id: $id) { steps { id key name kind organisation { id odsCode name } site activityCode touchMinutes valueClass wasteKinds dataItems capacityPerDay percentCompleteAccurate } }
transitions|pathway(id: $id) { transitions { id from { id key name } to { id key name } probability waitMinutes handoff crossesOrganisations } }
problems|pathway(id: $id) { problems { code message steps transitions } }
mapSvg|pathway(id: $id) { mapSvg }
versions|pathway(id: $id) { versions(first: 50) { nodes { id revision versionLabel status } } }
agreement|pathway(id: $id) { agreement { complete organisations { organisation { id odsCode name } state decidedBy decidedAt comment requestedAt } } }
comments|pathway(id: $id) { comments(first: 100) { nodes { id about subjectId author yours body resolved resolvedBy createdAt version } } }
PARTS
