#!/usr/bin/env bash
# The webhook inbox without HTTP, on SQLite and on a durable throwaway PostgreSQL (fsync on): 64 concurrent
# callers sharing transactions (group commit) against one caller committing each event alone, same engine, same
# run. Bounded: EVENTS events (default 40,000) for the shared run, an eighth of that alone; each run stops at 120 s.
set -euo pipefail
exec "$(dirname "$0")/run-on-both-engines.sh" InboxCommitBenchmark --events "${EVENTS:-40000}"
