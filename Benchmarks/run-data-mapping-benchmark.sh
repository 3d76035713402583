#!/usr/bin/env bash
# Data mapping throughput: a 30-field declarative mapping against a hand-written Swift mapping of the same fields,
# same records, same run. Bounded: RECORDS (default 20,000) per round, 7 rounds each way.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product DataMappingBenchmark
.build/release/DataMappingBenchmark --records "${RECORDS:-20000}"
