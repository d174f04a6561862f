#!/usr/bin/env bash
# The same three figures on the database SYNCGATE_DATABASE_URL names (default: a new SQLite file):
# authenticated door OPTIONS per second (wrk, cached checks), the server-side render of
# /preferences for a signed-in user (sequential curl, median and p90), and a login (median: one
# argon2 verification plus the throttle's bookkeeping). Release build, loopback only.
# Usage: server/bench/databases.sh            (SQLite)
#        server/tests/with-postgres.sh server/bench/databases.sh postgres   (a throwaway cluster)
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=3310
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
. server/bench/lib.sh
bench_setup
label=sqlite
if [ "${1:-}" = postgres ]; then
  name="bench_$$"
  psql -q "$SYNCGATE_TEST_DATABASE_URL" -c "CREATE DATABASE $name"
  export SYNCGATE_DATABASE_URL="${SYNCGATE_TEST_DATABASE_URL%/*}/$name"
  label=postgres
fi

echo "bench-password-1" | ./target/release/server create-user bench --email bench@example.it >/dev/null
./target/release/server activesync on bench >/dev/null
start_server "$PORT"

# The door: cached checks of one phone, 32 connections, median of 3 runs of 5 s.
auth=$(printf 'bench:bench-password-1' | base64)
printf 'wrk.method = "OPTIONS"\nwrk.headers["Authorization"] = "Basic %s"\n' "$auth" > "$data/options.lua"
door=$(for _ in 1 2 3; do
  wrk -t2 -c32 -d5s -s "$data/options.lua" "http://127.0.0.1:$PORT/Microsoft-Server-ActiveSync" \
    | awk '/Requests\/sec/ {printf "%.0f\n", $2}'
done | sort -n | sed -n 2p)

median_p90() { sort -n | awk '{a[NR]=$1} END {printf "median %.1f ms, p90 %.1f ms", 1000*a[int((NR+1)/2)], 1000*a[int(NR*0.9)]}'; }

# A login, twenty times (the throttle forgives each, the password being right).
login=$(for _ in $(seq 20); do
  curl -s -o /dev/null -w '%{time_total}\n' -H 'Accept: application/json' \
    -c "$data/jar" -d 'username=bench&password=bench-password-1' "http://127.0.0.1:$PORT/api/login"
done | median_p90)

# /preferences rendered on the server for the signed-in user, 200 times.
render=$(for _ in $(seq 200); do
  curl -s -o /dev/null -w '%{time_total}\n' -b "$data/jar" "http://127.0.0.1:$PORT/preferences"
done | median_p90)

printf '%-9s door OPTIONS %s requests/s | /preferences %s | login %s\n' "$label" "$door" "$render" "$login"
