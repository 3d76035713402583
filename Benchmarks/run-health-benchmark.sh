#!/usr/bin/env bash
# Health bookkeeping and API version inspection: CPU time per call through a connection's sender with them against
# the same sender without them, same loopback server (`junction serve`'s /health/live in a separate process), same
# run. Bounded: 21 paired rounds of 10,000 calls each way (REQUESTS, ROUNDS).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product junction
swift build -c release --product HealthBookkeepingBenchmark
scratch=$(mktemp -d /tmp/junction-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
JUNCTION_ADMIN_TOKEN=bench .build/release/junction serve --port "$port" --log-level error \
  --database "sqlite://$scratch/bench.sqlite" > /dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$scratch"' EXIT
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/health/live" >/dev/null && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$port/health/live" >/dev/null || { echo "the junction server did not start" >&2; exit 1; }
.build/release/HealthBookkeepingBenchmark --url "http://127.0.0.1:$port/health/live" --requests "${REQUESTS:-10000}" --rounds "${ROUNDS:-21}"
