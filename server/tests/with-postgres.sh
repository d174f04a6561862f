#!/bin/bash
# Runs a command against a throwaway PostgreSQL cluster: initdb in a temporary directory,
# the server on a free loopback port (no system service), stopped by its PID afterwards.
# The command sees SYNCGATE_TEST_DATABASE_URL (a superuser URL with a password; tests create
# one database each on it). Needs Debian's `postgresql` package (`make tools-test` installs it).
#   server/tests/with-postgres.sh cargo test --workspace --tests
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi
dir=$(mktemp -d /tmp/syncgate-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
printf '%s\n' "$password" > "$dir/pwfile"

# initdb and postgres refuse to run as root: run them as Debian's `postgres` user then.
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown -R postgres "$dir"; fi

as_owner "$bin/initdb" -D "$dir/data" -U syncgate --pwfile="$dir/pwfile" \
  --auth-host=scram-sha-256 --auth-local=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c max_connections=400" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
pid=$(head -1 "$dir/data/postmaster.pid")

stop() {
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -rf "$dir"
}
trap stop EXIT

export SYNCGATE_TEST_DATABASE_URL="postgres://syncgate:$password@127.0.0.1:$port/postgres"
"$@"
