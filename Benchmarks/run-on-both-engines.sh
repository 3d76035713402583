#!/usr/bin/env bash
# Shared by the store benchmarks: builds PRODUCT and runs it with the same ARGUMENTS on SQLite (a scratch file) and
# then on a durable throwaway PostgreSQL (fsync on), each given as --database.
#   Benchmarks/run-on-both-engines.sh PRODUCT [ARGUMENTS...]
set -euo pipefail
cd "$(dirname "$0")/.."
product="$1"
shift
swift build -c release --product "$product"
bench=".build/release/$product"
scratch=$(mktemp -d /tmp/junction-bench.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

echo "## SQLite"
"$bench" --database "sqlite://$scratch/bench.sqlite" "$@"
echo
echo "## PostgreSQL"
scripts/with-postgres.sh --durable bash -c '"$0" --database "$JUNCTION_TEST_POSTGRES_URL" "$@"' "$bench" "$@"
