#!/usr/bin/env bash
# Inbound webhook ingest with wrk: Stripe-signed events (each distinct, so each is a real insert) against the
# same server's /health/live, 64 connections. The two routes alternate in PAIRS pairs of DURATION-second runs
# (defaults 5 and 6), and the ratio is the median of the per-pair ratios: a noisy neighbour then slows both halves of
# a pair instead of one route. Afterwards the inbox is counted: every 2xx must be a committed event.
# JOB_CONCURRENCY=0 measures an HTTP-only node (`--job-concurrency 0`): events are stored but processed elsewhere.
# TRACING=1 exports every span over OTLP/HTTP to a discarding sink on loopback (WebhookIngest/otlp_sink.py).
# Bounded: PAIRS × 2 wrk runs of DURATION seconds each.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
pairs="${PAIRS:-5}"
duration="${DURATION:-6}"
connections="${CONNECTIONS:-64}"
job_concurrency="${JOB_CONCURRENCY:-16}"
swift build -c release --product junction
scratch=$(mktemp -d /tmp/junction-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=bench-admin-token
sink=""
if [ "${TRACING:-0}" = 1 ]; then
  python3 -u Benchmarks/WebhookIngest/otlp_sink.py > "$scratch/sink.out" &
  sink=$!
  for _ in $(seq 1 100); do grep -q listening "$scratch/sink.out" 2>/dev/null && break; sleep 0.1; done
  sink_port=$(awk '/listening/ {print $2}' "$scratch/sink.out")
  export OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$sink_port" OTEL_SERVICE_NAME=junction-benchmark
fi
JUNCTION_ADMIN_TOKEN=$token .build/release/junction serve --port "$port" --log-level error \
  --database "sqlite://$scratch/bench.sqlite" --webhook-source-rate-limit 1000000 --webhook-connection-rate-limit 1000000 \
  --job-concurrency "$job_concurrency" > "$scratch/server.log" 2>&1 &
server=$!
trap 'kill $server $sink 2>/dev/null; wait $server 2>/dev/null; rm -rf "$scratch"' EXIT
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.1; done
secret=whsec_benchmark_secret
connection=$(curl -fs -X POST "http://127.0.0.1:$port/api/v1/connections" -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' \
  -d "{\"provider\":\"stripe\",\"name\":\"bench\",\"credentials\":{\"webhookSecret\":\"$secret\"}}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

# The server's CPU time (user + system clock ticks) so far: per request, a figure the machine's load moves less
# than requests/s.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
# One wrk run, saved with the server CPU ticks it took: measure NAME ARGUMENTS…
measure() {
  local name=$1; shift
  local before; before=$(cpu_ticks)
  wrk --latency -t2 -c"$connections" -d"${duration}s" "$@" > "$scratch/$name.txt"
  echo "$(( $(cpu_ticks) - before ))" > "$scratch/$name.ticks"
}
# Enough presigned requests per wrk thread for any rate this machine reaches in one run.
presigned=$(( duration * 12000 ))
echo "## $pairs pairs of ${duration}-second runs: GET /health/live, then POST /webhooks/$connection (job concurrency $job_concurrency)"
for pair in $(seq 1 "$pairs"); do
  measure "baseline-$pair" "http://127.0.0.1:$port/health/live"
  WEBHOOK_SECRET=$secret WEBHOOK_PATH="/webhooks/$connection" WEBHOOK_PRESIGNED=$presigned WEBHOOK_RUN=$pair \
    measure "ingest-$pair" -s Benchmarks/WebhookIngest/stripe-signed.lua "http://127.0.0.1:$port"
  echo "pair $pair: $(grep Requests/sec "$scratch/baseline-$pair.txt") | $(grep Requests/sec "$scratch/ingest-$pair.txt")"
done
metrics=$(curl -fs "http://127.0.0.1:$port/metrics")
echo "$metrics" > "$scratch/metrics.txt"
# The log file never shrinks while the server runs, so its size now is the largest the log has been.
wal_bytes=$(stat -c %s "$scratch/bench.sqlite-wal" 2>/dev/null || echo 0)

kill -TERM $server; wait $server 2>/dev/null || true
if [ -n "$sink" ]; then
  echo "OTLP exports received: $(curl -fs "http://127.0.0.1:$sink_port/stats")"
fi
python3 - "$scratch" "$pairs" "$(getconf CLK_TCK)" "$wal_bytes" <<'PY'
import os, re, sqlite3, statistics, sys, tempfile, time
folder, pairs, ticks_per_second, wal_bytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def read(name): return open(os.path.join(folder, name)).read()
def rps(text): return float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
def completed(text): return int(re.search(r"(\d+) requests in", text).group(1))
def non2xx(text):
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return int(match.group(1)) if match else 0
def p99(text):
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
def quartiles(values):
    values = sorted(values)
    if len(values) < 4: return values[0], values[-1]
    q = statistics.quantiles(values, n=4)
    return q[0], q[2]
runs = {route: [read(f"{route}-{pair}.txt") for pair in range(1, pairs + 1)] for route in ("baseline", "ingest")}
ticks = {route: sum(int(read(f"{route}-{pair}.ticks")) for pair in range(1, pairs + 1)) for route in runs}
def cpu_us(route): return ticks[route] / ticks_per_second * 1e6 / sum(completed(text) for text in runs[route])
ratios = [rps(i) / rps(b) for b, i in zip(runs["baseline"], runs["ingest"])]
low, high = quartiles(ratios)
metrics = read("metrics.txt")
def metric(name):
    match = re.search(rf"^{name} ([\d.e+]+)$", metrics, re.M)
    return float(match.group(1)) if match else 0.0
flushes, flushed = metric("junction_inbox_batch_size_events_count"), metric("junction_inbox_batch_size_events_sum")

db = sqlite3.connect(os.path.join(folder, "bench.sqlite"))
stored = db.execute("SELECT COUNT(*) FROM webhook_events").fetchone()[0]
processed = db.execute("SELECT COUNT(*) FROM webhook_events WHERE status = 'processed'").fetchone()[0]
acknowledged = sum(completed(text) - non2xx(text) for text in runs["ingest"])
refused = sum(non2xx(text) for text in runs["ingest"])
print()
print("| route | requests/s (median) | p99 ms (median) | server CPU µs per request |")
print("|---|---:|---:|---:|")
for route, label in (("baseline", "GET /health/live"), ("ingest", "POST /webhooks/{id} (Stripe-signed)")):
    print(f"| {label} | {statistics.median(rps(t) for t in runs[route]):,.0f} | "
          f"{statistics.median(p99(t) for t in runs[route]):.2f} | {cpu_us(route):.0f} |")
print()
print(f"ratio, median of {pairs} pairs: {statistics.median(ratios):.2f} (quartiles {low:.2f} … {high:.2f}; "
      f"pairs: {', '.join(f'{r:.2f}' for r in ratios)})")
if flushes:
    print(f"group commit: {flushed:,.0f} events in {flushes:,.0f} inbox transactions, {flushed / flushes:.1f} per transaction")
print(f"acknowledged (2xx): {acknowledged:,}; committed in the inbox: {stored:,}; non-2xx: {refused:,}; "
      f"processed by the time the server stopped: {processed:,}")
if stored < acknowledged:
    print("FAIL: an acknowledged event is missing from the inbox"); sys.exit(1)
print(f"write-ahead log: at most {wal_bytes / 2**20:.0f} MiB during the run (rewound past 64 MiB by the checkpointer)")
if wal_bytes > 256 * 2**20:
    print("FAIL: the write-ahead log grew past 256 MiB; checkpoints are not keeping up"); sys.exit(1)

# The floor under the inbox write: SQLite's own CPU per event for the same rows, schema and batch size, through
# Python's sqlite3 (C, no Swift, no HTTP), one multi-row INSERT per transaction, prepared each time as the server does.
batch = max(1, round(flushed / flushes)) if flushes else 1
rows = db.execute("SELECT id, connection_id, provider, external_id, type, occurred_at, received_at, headers, body "
                  "FROM webhook_events LIMIT 20000").fetchall()
schema = [sql for (sql,) in db.execute("SELECT sql FROM sqlite_master WHERE tbl_name = 'webhook_events' AND sql IS NOT NULL")]
with tempfile.TemporaryDirectory() as scratch:
    floor = sqlite3.connect(os.path.join(scratch, "floor.sqlite"), isolation_level=None, cached_statements=0)
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
