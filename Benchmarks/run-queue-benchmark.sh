#!/usr/bin/env bash
# Job queue throughput on SQLite and on a durable throwaway PostgreSQL (fsync on), 1/4/16 workers each,
# with a plain INSERT loop on the same engine in the same run as the baseline. Bounded: 20,000 jobs per
# run, each run aborted after 120 s.
set -euo pipefail
exec "$(dirname "$0")/run-on-both-engines.sh" QueueThroughputBenchmark --jobs "${JOBS:-20000}"
