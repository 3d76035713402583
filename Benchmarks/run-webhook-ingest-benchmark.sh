#!/usr/bin/env bash
# Inbound webhook ingest with wrk: Stripe-signed events (each distinct, so each is a real insert) against the
# same server's /health/live in the same run, 64 connections. Afterwards the inbox is counted: every 2xx must
# be a committed event. Bounded: each wrk run lasts DURATION seconds (default 15).
# JOB_CONCURRENCY=0 measures an HTTP-only node (`--job-concurrency 0`): events are stored but processed elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
duration="${DURATION:-15}"
connections="${CONNECTIONS:-64}"
job_concurrency="${JOB_CONCURRENCY:-16}"
swift build -c release --product junction
scratch=$(mktemp -d /tmp/junction-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=bench-admin-token
JUNCTION_ADMIN_TOKEN=$token .build/release/junction serve --port "$port" --log-level error \
  --database "sqlite://$scratch/bench.sqlite" --webhook-source-rate-limit 1000000 --webhook-connection-rate-limit 1000000 \
  --job-concurrency "$job_concurrency" > "$scratch/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$scratch"' EXIT
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.1; done
secret=whsec_benchmark_secret
connection=$(curl -fs -X POST "http://127.0.0.1:$port/api/v1/connections" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' \
  -d "{\"provider\":\"stripe\",\"name\":\"bench\",\"credentials\":{\"webhookSecret\":\"$secret\"}}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

run() { wrk --latency -t2 -c"$connections" -d"${duration}s" "$@"; }
# The server's CPU time (user + system clock ticks) so far: per request, it is a figure the machine's load moves less
# than requests/s.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
echo "## baseline: GET /health/live"
ticks_before_baseline=$(cpu_ticks)
baseline=$(run "http://127.0.0.1:$port/health/live")
ticks_after_baseline=$(cpu_ticks)
echo "$baseline" | grep -E "Requests/sec|Latency|99%|Non-2xx" || true
echo
echo "## ingest: POST /webhooks/$connection (Stripe-signed, distinct events; job concurrency $job_concurrency)"
ingest=$(WEBHOOK_SECRET=$secret WEBHOOK_PATH="/webhooks/$connection" run -s Benchmarks/WebhookIngest/stripe-signed.lua "http://127.0.0.1:$port")
ticks_after_ingest=$(cpu_ticks)
echo "$ingest" | grep -E "Requests/sec|Latency|99%|Non-2xx|requests in" || true
metrics=$(curl -fs "http://127.0.0.1:$port/metrics")

kill -TERM $server; wait $server 2>/dev/null || true
python3 - "$scratch/bench.sqlite" "$baseline" "$ingest" "$(getconf CLK_TCK)" \
  "$((ticks_after_baseline - ticks_before_baseline))" "$((ticks_after_ingest - ticks_after_baseline))" "$metrics" <<'PY'
import re, sqlite3, sys
path, baseline, ingest = sys.argv[1:4]
ticks_per_second, baseline_ticks, ingest_ticks, metrics = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
def rps(text): return float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
def completed(text): return int(re.search(r"(\d+) requests in", text).group(1))
def non2xx(text):
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return int(match.group(1)) if match else 0
def p99(text):
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
db = sqlite3.connect(path)
stored = db.execute("SELECT COUNT(*) FROM webhook_events").fetchone()[0]
processed = db.execute("SELECT COUNT(*) FROM webhook_events WHERE status = 'processed'").fetchone()[0]
acknowledged = completed(ingest) - non2xx(ingest)
print()
def cpu_us(ticks, text): return ticks / ticks_per_second * 1e6 / completed(text)
def metric(name):
    match = re.search(rf"^{name} ([\d.e+]+)$", metrics, re.M)
    return float(match.group(1)) if match else 0.0
flushes, flushed = metric("junction_inbox_batch_size_events_count"), metric("junction_inbox_batch_size_events_sum")
print("| route | requests/s | p99 ms | ratio | server CPU µs per request |")
print("|---|---:|---:|---:|---:|")
print(f"| GET /health/live | {rps(baseline):,.0f} | {p99(baseline):.2f} | 1.00 | {cpu_us(baseline_ticks, baseline):.0f} |")
print(f"| POST /webhooks/{{id}} (Stripe-signed) | {rps(ingest):,.0f} | {p99(ingest):.2f} | {rps(ingest) / rps(baseline):.2f} "
      f"| {cpu_us(ingest_ticks, ingest):.0f} |")
print()
if flushes:
    print(f"group commit: {flushed:,.0f} events in {flushes:,.0f} inbox transactions, {flushed / flushes:.1f} per transaction")
print(f"acknowledged (2xx): {acknowledged:,}; committed in the inbox: {stored:,}; non-2xx: {non2xx(ingest):,}; "
      f"processed by the time the server stopped: {processed:,}")
if stored < acknowledged:
    print("FAIL: an acknowledged event is missing from the inbox"); sys.exit(1)

# The floor under the inbox write: SQLite's own CPU per event for the same rows, schema and batch size, through
# Python's sqlite3 (C, no Swift, no HTTP), one multi-row INSERT per transaction, prepared each time as the server does.
import os, tempfile, time
batch = max(1, round(flushed / flushes)) if flushes else 1
rows = db.execute("SELECT id, connection_id, provider, external_id, type, occurred_at, received_at, headers, body "
                  "FROM webhook_events LIMIT 20000").fetchall()
schema = [sql for (sql,) in db.execute("SELECT sql FROM sqlite_master WHERE tbl_name = 'webhook_events' AND sql IS NOT NULL")]
with tempfile.TemporaryDirectory() as folder:
    floor = sqlite3.connect(os.path.join(folder, "floor.sqlite"), isolation_level=None, cached_statements=0)
    floor.execute("PRAGMA journal_mode = WAL"); floor.execute("PRAGMA synchronous = NORMAL")
    for statement in schema: floor.execute(statement)
    row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', 0, 0)"
    insert = ("INSERT INTO webhook_events (id, connection_id, provider, external_id, type, occurred_at, received_at, headers, "
              "body, status, attempts, replays) VALUES " + ", ".join([row] * batch) +
              " ON CONFLICT (connection_id, external_id) DO NOTHING RETURNING id")
    batches = [rows[i:i + batch] for i in range(0, len(rows) - batch + 1, batch)]
    started = time.process_time()
    for chunk in batches:
        floor.execute("BEGIN IMMEDIATE")
        floor.execute(insert, [value for entry in chunk for value in entry]).fetchall()
        floor.execute("COMMIT")
    elapsed = time.process_time() - started
    if batches:
        print(f"SQLite alone (Python's sqlite3 {sqlite3.sqlite_version}): {elapsed * 1e6 / (len(batches) * batch):.0f} µs CPU per "
              f"event, batches of {batch}, {len(batches) * batch:,} inbox rows re-inserted")
PY
