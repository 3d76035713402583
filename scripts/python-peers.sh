#!/usr/bin/env bash
# Installs the Python protocol peers the tests run on loopback (httpbin, Authlib, google-auth…) into .venv.
# Reinstalls only when Tests/Peers/requirements.txt changed.
set -euo pipefail
cd "$(dirname "$0")/.."

requirements=Tests/Peers/requirements.txt
stamp=.venv/.requirements.sha256
wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
if [[ -x .venv/bin/python && -f $stamp && "$(cat "$stamp")" == "$wanted" ]]; then
  exit 0
fi
python3 -m venv .venv || { echo "python-peers: python3 -m venv failed; install python3-venv" >&2; exit 1; }
.venv/bin/pip install --quiet --disable-pip-version-check -r "$requirements"
echo "$wanted" > "$stamp"
echo "python-peers: installed $(wc -l < "$requirements") requirement lines into .venv" >&2
