#!/usr/bin/env bash
# The whole test suite: builds, installs the Python protocol peers into .venv, starts a throwaway PostgreSQL,
# runs every test on both engines, then checks the live server against openapi.yaml with schemathesis on both, and
# drives the dashboard in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/python-peers.sh
export JUNCTION_TEST_PYTHON="$PWD/.venv/bin/python"
export JUNCTION_TEST_REQUIRE_POSTGRES=1
swift build --build-tests
scripts/with-postgres.sh bash -c '
  set -euo pipefail
  swift test --skip-build "$@"
  scripts/schemathesis.sh
  scripts/schemathesis.sh "$JUNCTION_TEST_POSTGRES_URL"
' test.sh "$@"
BROWSER_TEST_SKIP_BUILD=1 scripts/browser-test.sh
