#!/usr/bin/env bash
# The whole test suite: builds, starts a throwaway PostgreSQL, runs every test on both engines.
set -euo pipefail
cd "$(dirname "$0")/.."

export JUNCTION_TEST_REQUIRE_POSTGRES=1
swift build --build-tests
scripts/with-postgres.sh swift test --skip-build "$@"
