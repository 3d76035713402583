#!/usr/bin/env bash
# The whole test suite: builds, installs the Python protocol peers into .venv, starts a throwaway PostgreSQL,
# and runs every test on both engines.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/python-peers.sh
export JUNCTION_TEST_PYTHON="$PWD/.venv/bin/python"
export JUNCTION_TEST_REQUIRE_POSTGRES=1
swift build --build-tests
scripts/with-postgres.sh swift test --skip-build "$@"
