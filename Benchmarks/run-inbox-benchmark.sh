#!/usr/bin/env bash
# The webhook inbox without HTTP, on SQLite and on a durable throwaway PostgreSQL (fsync on): 64 concurrent
# callers sharing transactions (group commit) against one caller committing each event alone, same engine, same
# run. Bounded: EVENTS events (default 40,000) for the shared run, an eighth of that alone; each run stops at 120 s.
set -euo pipefail
cd "$(dirname "$0")/.."
events="${EVENTS:-40000}"
swift build -c release --product InboxCommitBenchmark
bench=".build/release/InboxCommitBenchmark"
scratch=$(mktemp -d /tmp/junction-bench.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

echo "## SQLite"
"$bench" --database "sqlite://$scratch/bench.sqlite" --events "$events"
echo
echo "## PostgreSQL"
scripts/with-postgres.sh --durable bash -c "\"$bench\" --database \"\$JUNCTION_TEST_POSTGRES_URL\" --events $events"
