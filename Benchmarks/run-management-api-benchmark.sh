#!/usr/bin/env bash
# Management API throughput, two builds side by side: GET /api/v1/connections?limit=100 over 100 connections (each
# one's credentials opened and masked) and POST /api/v1/messages, each against the same server's /health/live.
#
#   Benchmarks/run-management-api-benchmark.sh BEFORE_BINARY [AFTER_BINARY]
#
# Both servers run at once on their own SQLite files; every pair of runs measures, for each build in turn, the health
# check then the route, so a noisy moment slows both builds. The result is the median over pairs of after/before
# requests/s (the before build is the baseline measured in the same run); each build's route over its own health check
# is printed as a cross-check. AFTER_BINARY defaults to this checkout's release build.
# Bounded: PAIRS (default 4) × 2 builds × 3 wrk runs of DURATION (default 5) seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
[[ $# -ge 1 ]] || { echo "usage: $0 BEFORE_BINARY [AFTER_BINARY]" >&2; exit 2; }
before=$1
after=${2:-.build/release/junction}
[[ -n "${2:-}" ]] || swift build -c release --product junction
pairs="${PAIRS:-4}"
duration="${DURATION:-5}"
connections="${CONNECTIONS:-16}"
export ADMIN_TOKEN=bench-admin-token
scratch=$(mktemp -d /tmp/junction-bench.XXXXXX)
pids=()
trap 'for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done; rm -rf "$scratch"' EXIT

declare -A ports
for build in before after; do
  binary=${!build}
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  ports[$build]=$port
  mkdir -p "$scratch/$build"
  JUNCTION_ADMIN_TOKEN=$ADMIN_TOKEN JUNCTION_MASTER_KEY=$("$binary" keys generate) "$binary" serve --port "$port" \
    --log-level error --database "sqlite://$scratch/$build/bench.sqlite" --job-concurrency 0 > "$scratch/$build/server.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.1; done
  for index in $(seq 1 100); do
    curl -fs -o /dev/null -X POST "http://127.0.0.1:$port/api/v1/connections" -H "Authorization: Bearer $ADMIN_TOKEN" \
      -H 'Content-Type: application/json' \
      -d "{\"provider\":\"stripe\",\"name\":\"bench $index\",\"credentials\":{\"apiKey\":\"sk_test_benchmark_$index\"}}"
  done
done

measure() {  # measure FILE ARGUMENTS…
  local file=$1; shift
  wrk --latency -t2 -c"$connections" -d"${duration}s" "$@" > "$file"
}
echo "## $pairs pairs of ${duration}-second runs, $connections connections: health, GET connections (100), POST messages"
for pair in $(seq 1 "$pairs"); do
  for build in before after; do
    url="http://127.0.0.1:${ports[$build]}"
    measure "$scratch/$build/health-$pair.txt" "$url/health/live"
    measure "$scratch/$build/list-$pair.txt" -H "Authorization: Bearer $ADMIN_TOKEN" "$url/api/v1/connections?limit=100"
    measure "$scratch/$build/send-$pair.txt" -s Benchmarks/ManagementAPI/post-message.lua "$url/api/v1/messages"
  done
  echo "pair $pair done"
done

python3 - "$scratch" "$pairs" <<'PY'
import os, re, statistics, sys
folder, pairs = sys.argv[1], int(sys.argv[2])
def read(build, name, pair): return open(os.path.join(folder, build, f"{name}-{pair}.txt")).read()
def rps(text): return float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
def non2xx(text):
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return int(match.group(1)) if match else 0
for route in ("list", "send"):
    texts = {build: [(read(build, "health", p), read(build, route, p)) for p in range(1, pairs + 1)] for build in ("before", "after")}
    for build in texts:
        bad = sum(non2xx(t) for _, t in texts[build])
        if bad: sys.exit(f"{build} {route}: {bad} answers outside 2xx")
    # Paired: each pair measured both builds within seconds of each other, so their ratio cancels the machine's mood.
    paired = [rps(a) / rps(b) for (_, b), (_, a) in zip(texts["before"], texts["after"])]
    # Each build against its own health check, as a cross-check (it moves when the health route itself changes).
    own = {build: statistics.median([rps(t) / rps(h) for h, t in texts[build]]) for build in texts}
    for build in texts:
        print(f"{route:5} {build:6}: {statistics.median([rps(t) for _, t in texts[build]]):9.0f} requests/s, "
              f"health {statistics.median([rps(h) for h, _ in texts[build]]):8.0f} requests/s")
    print(f"{route:5} after/before: {statistics.median(paired):.2f} paired (pairs {min(paired):.2f} to {max(paired):.2f}); "
          f"against each build's health check {own['after'] / own['before']:.2f}")
PY
