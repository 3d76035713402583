#!/usr/bin/env bash
# The dashboard in headless Chromium (Tests/Browser/dashboard_test.py). Chromium and its driver come from Debian's
# packages: installed here when missing and this is root (as on CI), else named so they can be installed.
# Screenshots go to $SCREENSHOT_DIR (default .build/screenshots); SCREENSHOT_DIR=docs/screenshots refreshes the docs'.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "browser-test: needs chromium and chromedriver (apt-get install chromium chromium-driver)" >&2
    exit 1
  fi
fi
scripts/python-peers.sh
# scripts/test.sh has built everything already (building one product after --build-tests rebuilds some modules).
[[ ${BROWSER_TEST_SKIP_BUILD:-0} == 1 ]] || swift build --product junction
.venv/bin/python Tests/Browser/dashboard_test.py .build/debug/junction
