#!/usr/bin/env bash
# Checks a live `junction serve` against openapi.yaml with schemathesis: every check, every phase (examples,
# coverage, fuzzing, and the stateful phase that follows the document's links), with a fixed seed and a bounded
# number of examples so the run is repeatable and takes about a minute per engine. The server allows private
# endpoint URLs: the checks run offline, where no public name resolves.
#
#   scripts/schemathesis.sh [DATABASE_URL]     (default: a fresh SQLite file)
#
# Needs .venv (scripts/python-peers.sh) and a built .build/debug/junction. Any failure fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."

# Every operation of the document, hand-routed ones included (SCHEMATHESIS_TAGS narrows it, for a quick look).
read -r -a tags <<<"${SCHEMATHESIS_TAGS:-operations providers integrations connections health alerts oauth proxy resources webhooks events endpoints messages syncs conflicts configuration}"

work=$(mktemp -d /tmp/junction-schemathesis.XXXXXX)
database="${1:-sqlite://$work/junction.sqlite}"
token="jct_schemathesis_$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
pid=""
cleanup() {
  if [[ -n "$pid" ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

master_key=$(.build/debug/junction keys generate)
JUNCTION_ADMIN_TOKEN="$token" JUNCTION_MASTER_KEY="$master_key" .build/debug/junction serve \
  --host 127.0.0.1 --port 0 --database "$database" --allow-private-endpoints --outbound-hosts 127.0.0.1,::1,localhost >"$work/serve.log" 2>&1 &
pid=$!
port=""
for _ in $(seq 1 200); do
  port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$work/serve.log" 2>/dev/null | head -n 1 | cut -d: -f2 || true)
  [[ -n "$port" ]] && break
  kill -0 "$pid" 2>/dev/null || { tail -n 20 "$work/serve.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$port" ]] || { echo "schemathesis: the server did not start" >&2; tail -n 20 "$work/serve.log" >&2; exit 1; }

engine="${database%%:*}"
include=()
for tag in "${tags[@]}"; do include+=(--include-tag "$tag"); done
echo "schemathesis: checking ${tags[*]} on $engine (127.0.0.1:$port)" >&2
status=0
.venv/bin/st --config-file Tests/Peers/schemathesis.toml run "http://127.0.0.1:$port/openapi.json" \
  --checks all --phases examples,coverage,fuzzing,stateful \
  --header "Authorization: Bearer $token" \
  "${include[@]}" \
  --seed 20261203 --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-60}" --generation-database none \
  --request-timeout 10 --no-color --output-sanitize true || status=$?
if [[ $status -ne 0 ]]; then
  echo "schemathesis: failures on $engine; the server's log ends:" >&2
  tail -n 30 "$work/serve.log" >&2
fi
exit $status
