#!/usr/bin/env bash
# Dashboard page rendering against a populated database: 1,000 connections, 100,000 inbound events, 10,000 messages,
# deliveries and attempts (Benchmarks/Dashboard/seed.py), one `junction serve` (release, SQLite, workers off so
# nothing moves). Each page is fetched ROUNDS times (default 30) with a signed-in session, after 3 warm-up fetches;
# the report gives the median and p95 of curl's total time per page next to the same server's /health/live.
# Target: every page ≤ 50 ms. Bounded: ROUNDS × 16 requests.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${ROUNDS:-30}"
# JUNCTION_BIN runs another build (a debug one, to check the script) instead of building the release one.
binary="${JUNCTION_BIN:-.build/release/junction}"
[[ -n ${JUNCTION_BIN:-} ]] || swift build -c release --product junction
scratch=$(mktemp -d /tmp/junction-dashboard-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=bench-admin-token
database="$scratch/bench.sqlite"
JUNCTION_ADMIN_TOKEN=$token "$binary" serve --port "$port" --log-level error --database "sqlite://$database" \
  --job-concurrency 0 --allow-private-endpoints > "$scratch/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$scratch"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 300); do curl -fs "$base/health/live" >/dev/null && break; sleep 0.1; done
echo "seeding (1,000 connections through the API, 100,000 events and 10,000 deliveries into the database)…"
ids=$(python3 Benchmarks/Dashboard/seed.py "$base" "$token" "$database")
pick() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$ids" "$1"; }

# Sign in as a person does: the form's CSRF cookie and field, then the session cookie.
jar="$scratch/cookies"
form=$(curl -fs -c "$jar" "$base/ui/login")
csrf=$(echo "$form" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -fs -o /dev/null -b "$jar" -c "$jar" -X POST --data-urlencode "csrf=$csrf" --data-urlencode "token=$token" "$base/ui/login"

pages=(
  "/health/live" "/ui" "/ui/connections" "/ui/connections?health=down" "/ui/connections?q=customer%200777"
  "/ui/connections/$(pick connection)" "/ui/events" "/ui/events?status=dead" "/ui/events/$(pick event)" "/ui/endpoints"
  "/ui/endpoints/$(pick endpoint)" "/ui/messages/$(pick message)" "/ui/alerts" "/ui/jobs" "/ui/syncs" "/ui/conflicts"
)
printf "| page | median ms | p95 ms | bytes |\n|---|---:|---:|---:|\n"
for page in "${pages[@]}"; do
  for _ in 1 2 3; do curl -fs -o /dev/null -b "$jar" "$base$page"; done
  times=()
  for _ in $(seq 1 "$rounds"); do times+=("$(curl -fs -o "$scratch/page" -b "$jar" -w '%{time_total}' "$base$page")"); done
  bytes=$(stat -c %s "$scratch/page")
  if grep -q "<h1>Not found\|<h1>Something went wrong\|<h1>Cannot" "$scratch/page"; then echo "FAIL: $page answered an error page" >&2; exit 1; fi
  python3 - "$page" "$bytes" "${times[@]}" <<'PY'
import statistics, sys
page, size, times = sys.argv[1], int(sys.argv[2]), sorted(float(t) * 1000 for t in sys.argv[3:])
p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
print(f"| `{page[:60]}` | {statistics.median(times):.1f} | {p95:.1f} | {size:,} |")
PY
done
