#!/usr/bin/env bash
# The API client's path, CPU time per request, each against a baseline in the same run, to the same loopback server
# (`junction serve`'s /health/live in a separate process):
#  1. overhead: APIClient against a bare AsyncHTTPClient loop.
#  2. health: a connection's sender with the health bookkeeping and the API version inspection against the same
#     sender without them.
# Bounded: 21 paired rounds of 10,000 requests each way (REQUESTS, ROUNDS).
#   Benchmarks/run-api-client-benchmark.sh [overhead] [health]     (both by default)
set -euo pipefail
cd "$(dirname "$0")/.."
parts=("${@:-overhead health}")
parts=" ${parts[*]} "
swift build -c release --product junction
swift build -c release --product APIClientOverheadBenchmark
swift build -c release --product HealthBookkeepingBenchmark
scratch=$(mktemp -d /tmp/junction-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
JUNCTION_ADMIN_TOKEN=bench .build/release/junction serve --port "$port" --log-level error \
  --database "sqlite://$scratch/bench.sqlite" > /dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$scratch"' EXIT
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$port/health/live" >/dev/null || { echo "the junction server did not start" >&2; exit 1; }
if [[ $parts == *" overhead "* ]]; then
  echo "## APIClient overhead"
  .build/release/APIClientOverheadBenchmark --url "http://127.0.0.1:$port/health/live" --requests "${REQUESTS:-10000}" --rounds "${ROUNDS:-21}"
fi
if [[ $parts == *" health "* ]]; then
  echo "## Health bookkeeping and API version inspection"
  .build/release/HealthBookkeepingBenchmark --url "http://127.0.0.1:$port/health/live" --requests "${REQUESTS:-10000}" --rounds "${ROUNDS:-21}"
fi
