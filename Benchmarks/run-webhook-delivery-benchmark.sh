#!/usr/bin/env bash
# Outbound webhook deliveries per second to a loopback sink on SQLite, against a bare AsyncHTTPClient POST loop to
# the same sink in the same run. Bounded: DELIVERIES (default 10,000) each way, the delivery phase capped at 120 s.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product WebhookDeliveryBenchmark
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
.build/release/WebhookDeliveryBenchmark --deliveries "${DELIVERIES:-10000}" --port "$port" --concurrency "${CONCURRENCY:-64}"
