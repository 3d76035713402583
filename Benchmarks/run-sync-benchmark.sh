#!/usr/bin/env bash
# Data synchronization, three figures, each against a baseline from the same run:
#  1. throughput: a sync of RECORDS (default 100,000) records of ~1 KB from the Ledger fixture (loopback, pages of 100)
#     into the record store, against the same records bulk-inserted into the same table; then the same sync again with
#     nothing changed. On SQLite and on a durable throwaway PostgreSQL (fsync on).
#  2. memory: `junction serve` syncing BIG (default 1,000,000) records; the server's peak RSS (VmHWM), against its RSS
#     when idle before the sync.
#  3. real time: Stripe-signed webhooks at RATE (default 1,000) events/s for SECONDS (default 10), each about a distinct
#     customer of a real-time sync; per event, the time to its record showing in the change feed, against the time to
#     the listener's 2xx.
# Bounded: the record counts, the event count, and a 20-minute cap on each wait.
#   Benchmarks/run-sync-benchmark.sh [throughput] [memory] [realtime]     (all three by default)
set -euo pipefail
cd "$(dirname "$0")/.."
parts=("${@:-throughput memory realtime}")
parts=" ${parts[*]} "
records="${RECORDS:-100000}"
big="${BIG:-1000000}"
rate="${RATE:-1000}"
seconds="${SECONDS_OF_EVENTS:-10}"
swift build -c release --product SyncThroughputBenchmark
swift build -c release --product junction
scripts/python-peers.sh
scratch=$(mktemp -d /tmp/junction-sync-bench.XXXXXX)
pids=()
trap 'for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done; rm -rf "$scratch"' EXIT
stamp="2026-01-01T00:00:00.000Z"

start_peer() {  # start_peer SCRIPT → prints the port
  local log="$scratch/$1.log"
  (cd Tests/Peers && exec ../../.venv/bin/python "$1" > "$log" 2>&1) &
  pids+=($!)
  for _ in $(seq 1 100); do grep -q '^listening' "$log" 2>/dev/null && break; sleep 0.1; done
  awk '/^listening/ {print $2}' "$log"
}

start_server() {  # start_server NAME EXTRA-ARGUMENTS… → prints the port; the pid is in $scratch/NAME.pid
  local name=$1; shift
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  mkdir -p "$scratch/$name"
  (cd "$scratch/$name" && exec "$OLDPWD/.build/release/junction" serve --port "$port" --public-url "http://127.0.0.1:$port" \
    --log-level error --connector-definitions "$OLDPWD/Tests/Peers/connectors" "$@" > server.log 2>&1) &
  echo $! > "$scratch/$name.pid"
  pids+=($!)
  for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.1; done
  echo "$port"
}

api() {  # api PORT METHOD PATH [BODY]
  curl -fsS -X "$2" "http://127.0.0.1:$1$3" -H "Authorization: Bearer $JUNCTION_ADMIN_TOKEN" -H 'Content-Type: application/json' \
    ${4:+-d "$4"}
}

wait_for_run() {  # wait_for_run PORT SYNC → prints the finished run as JSON
  for _ in $(seq 1 12000); do
    run=$(api "$1" GET "/api/v1/syncs/$2/runs?limit=1" | python3 -c 'import json,sys; d=json.load(sys.stdin)["data"]; print(json.dumps(d[0]) if d else "{}")')
    case "$run" in *'"succeeded"'*|*'"failed"'*) echo "$run"; return;; esac
    sleep 0.1
  done
  echo "the run did not finish within 20 minutes" >&2; exit 1
}

export JUNCTION_ADMIN_TOKEN=jct_sync_benchmark_token
export JUNCTION_MASTER_KEY=$(.build/release/junction keys generate)

if [[ $parts == *" throughput "* ]]; then
  ledger=$(start_peer sync_fixture.py)
  curl -fsS -X POST "http://127.0.0.1:$ledger/_admin/generate" -d "{\"count\": $records, \"bytes\": 1000, \"updated_at\": \"$stamp\"}" >/dev/null
  arguments=(--fixture "http://127.0.0.1:$ledger" --definitions Tests/Peers/connectors --records "$records" --updated-at "$stamp")
  echo "## Throughput, SQLite"
  .build/release/SyncThroughputBenchmark --database "sqlite://$scratch/throughput.sqlite" "${arguments[@]}" 2>/dev/null
  echo
  echo "## Throughput, PostgreSQL"
  scripts/with-postgres.sh --durable bash -c '"$0" --database "$JUNCTION_TEST_POSTGRES_URL" "$@" 2>/dev/null' \
    .build/release/SyncThroughputBenchmark "${arguments[@]}"
  echo
fi

if [[ $parts == *" memory "* ]]; then
  ledger=$(start_peer sync_fixture.py)
  curl -fsS -X POST "http://127.0.0.1:$ledger/_admin/generate" -d "{\"count\": $big, \"bytes\": 1000, \"updated_at\": \"$stamp\"}" >/dev/null
  port=$(start_server memory --database "sqlite://$scratch/memory/junction.sqlite")
  pid=$(cat "$scratch/memory.pid")
  idle=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  connection=$(api "$port" POST /api/v1/connections \
    "{\"provider\": \"ledger\", \"name\": \"bench\", \"settings\": {\"baseURL\": \"http://127.0.0.1:$ledger\"}, \"credentials\": {\"apiKey\": \"ledger-fixture-token\"}}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  sync=$(api "$port" POST /api/v1/syncs "{\"connectionId\": \"$connection\", \"resource\": \"accounts\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  started=$(date +%s.%N)
  run=$(wait_for_run "$port" "$sync")
  finished=$(date +%s.%N)
  peak=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  echo "## Memory: $big records of ~1 KB through junction serve (SQLite)"
  echo "| measure | value |"
  echo "|---|---:|"
  echo "| run | $(echo "$run" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["status"], r["pages"], "pages,", r["added"], "added")') |"
  echo "| records/s | $(python3 -c "print(int($big / ($finished - $started)))") |"
  echo "| server RSS idle before the sync | $((idle / 1024)) MB |"
  echo "| server peak RSS (VmHWM) | $((peak / 1024)) MB |"
  echo
fi

if [[ $parts == *" realtime "* ]]; then
  stripe=$(start_peer serve_localstripe.py)
  port=$(start_server realtime --database "sqlite://$scratch/realtime/junction.sqlite" --webhook-source-rate-limit 100000)
  secret=whsec_sync_benchmark_secret
  connection=$(api "$port" POST /api/v1/connections \
    "{\"provider\": \"stripe\", \"name\": \"bench\", \"settings\": {\"baseURL\": \"http://127.0.0.1:$stripe\", \"webhook\": {\"rateLimit\": 100000}}, \"credentials\": {\"apiKey\": \"sk_test_bench\", \"webhookSecret\": \"$secret\"}}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  sync=$(api "$port" POST /api/v1/syncs "{\"connectionId\": \"$connection\", \"resource\": \"customers\", \"realtime\": true}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  wait_for_run "$port" "$sync" >/dev/null
  echo "## Real time: $rate events/s for $seconds s, webhook received → visible in the change feed (SQLite)"
  .venv/bin/python Benchmarks/SyncRealtime/realtime_latency.py --url "http://127.0.0.1:$port" --token "$JUNCTION_ADMIN_TOKEN" \
    --connection "$connection" --sync "$sync" --secret "$secret" --rate "$rate" --seconds "$seconds"
fi
