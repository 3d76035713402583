#!/usr/bin/env bash
# Job queue throughput on SQLite and on a durable throwaway PostgreSQL (fsync on), 1/4/16 workers each,
# with a plain INSERT loop on the same engine in the same run as the baseline. Bounded: 20,000 jobs per
# run, each run aborted after 120 s.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${JOBS:-20000}"
swift build -c release --product QueueThroughputBenchmark
bench=".build/release/QueueThroughputBenchmark"
scratch=$(mktemp -d /tmp/junction-bench.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

echo "## SQLite"
"$bench" --database "sqlite://$scratch/bench.sqlite" --jobs "$jobs"
echo
echo "## PostgreSQL"
scripts/with-postgres.sh --durable bash -c "\"$bench\" --database \"\$JUNCTION_TEST_POSTGRES_URL\" --jobs $jobs"
