#!/usr/bin/env bash
# Two-way sync, each figure against a baseline from the same run:
#  1. merge: the three-way merge of 30-field records against a field-by-field equality comparison of the same records
#     (single core; MERGE_RECORDS, default 50,000, per round, 7 rounds).
#  2. push: PUSH_RECORDS (default 2,000) local edits pushed to the Ledger fixture over loopback against the same edits
#     sent as direct connector calls, 8 at a time both ways (PUSH_ROUNDS pairs, default 9), on SQLite and on a durable throwaway PostgreSQL.
#  3. model: the model-based test's long mode, MODEL_ROUNDS (default 2,000) rounds of random edits on both sides with
#     crashes mid-push, on SQLite; it fails if any round breaks the rules.
# Bounded by the counts above.
#   Benchmarks/run-two-way-sync-benchmark.sh [merge] [push] [model]     (all three by default)
set -euo pipefail
cd "$(dirname "$0")/.."
parts=("${@:-merge push model}")
parts=" ${parts[*]} "
swift build -c release --product TwoWaySyncBenchmark
bench=.build/release/TwoWaySyncBenchmark

if [[ $parts == *" merge "* ]]; then
  echo "## Three-way merge"
  "$bench" merge --records "${MERGE_RECORDS:-50000}"
  echo
fi

if [[ $parts == *" push "* ]]; then
  scripts/python-peers.sh
  scratch=$(mktemp -d /tmp/junction-two-way-bench.XXXXXX)
  (cd Tests/Peers && exec ../../.venv/bin/python sync_fixture.py > "$scratch/ledger.log" 2>&1) &
  ledger=$!
  trap 'kill $ledger 2>/dev/null; wait $ledger 2>/dev/null; rm -rf "$scratch"' EXIT
  for _ in $(seq 1 100); do grep -q '^listening' "$scratch/ledger.log" 2>/dev/null && break; sleep 0.1; done
  port=$(awk '/^listening/ {print $2}' "$scratch/ledger.log")
  records="${PUSH_RECORDS:-2000}"
  curl -fsS -X POST "http://127.0.0.1:$port/_admin/generate" -d "{\"count\": $records, \"bytes\": 300}" >/dev/null
  echo "## Push"
  echo "### SQLite"
  "$bench" push --database "sqlite://$scratch/bench.sqlite" --fixture "http://127.0.0.1:$port" --definitions Tests/Peers/connectors \
    --records "$records" --rounds "${PUSH_ROUNDS:-9}"
  echo
  echo "### PostgreSQL"
  scripts/with-postgres.sh --durable bash -c '"$0" push --database "$JUNCTION_TEST_POSTGRES_URL" "$@"' "$bench" \
    --fixture "http://127.0.0.1:$port" --definitions Tests/Peers/connectors --records "$records" --rounds "${PUSH_ROUNDS:-9}"
  echo
fi

if [[ $parts == *" model "* ]]; then
  echo "## Model-based test, long mode"
  JUNCTION_MODEL_ROUNDS="${MODEL_ROUNDS:-2000}" swift test --filter TwoWaySyncModelTests 2>&1 | grep -E "✔|✘|passed|failed" | tail -3
fi
