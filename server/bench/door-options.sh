#!/usr/bin/env bash
# Requests per second of authenticated OPTIONS on the ActiveSync door next to a bare axum
# handler, same machine, same run, release builds, loopback only. Needs `wrk` (Debian package).
# Usage: [ROUNDS=5] server/bench/door-options.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_RUN=${1:-10}
CONNECTIONS=${2:-32}
DOOR_PORT=3300
BARE_PORT=3301
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }

cargo build --release -q -p server --bin server --example bare_axum
data=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$data"; }
trap cleanup EXIT

export SYNCGATE_DATA_DIR="$data" SYNCGATE_SITE_ROOT="$data" SYNCGATE_LOG=warn
echo "bench-password-1" | ./target/release/server create-user bench --email bench@example.it >/dev/null
./target/release/server activesync on bench >/dev/null
SYNCGATE_LISTEN=127.0.0.1:$DOOR_PORT SYNCGATE_ADMIN_PASSWORD=bench-admin-1 ./target/release/server serve >/dev/null &
pids+=($!)
BARE_PORT=$BARE_PORT ./target/release/examples/bare_axum &
pids+=($!)
for port in $DOOR_PORT $BARE_PORT; do
  for _ in $(seq 50); do
    curl -s -o /dev/null -X OPTIONS "http://127.0.0.1:$port/Microsoft-Server-ActiveSync" && break
    sleep 0.2
  done
done

auth=$(printf 'bench:bench-password-1' | base64)
script="$data/options.lua"
printf 'wrk.method = "OPTIONS"\nwrk.headers["Authorization"] = "Basic %s"\n' "$auth" > "$script"
status=$(curl -s -o /dev/null -w '%{http_code}' -X OPTIONS -H "Authorization: Basic $auth" \
  "http://127.0.0.1:$DOOR_PORT/Microsoft-Server-ActiveSync")
[ "$status" = 200 ] || { echo "the door answered $status, not 200"; exit 1; }

rps() {
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" -s "$script" "http://127.0.0.1:$1/Microsoft-Server-ActiveSync" \
    | awk '/Requests\/sec/ {print $2}'
}
# wrk shares the 2 cores with the server, so one run varies by +-10 points: ROUNDS pairs,
# alternating, and the median of the ratios.
ratios=()
for round in $(seq "${ROUNDS:-5}"); do
  door=$(rps $DOOR_PORT)
  bare=$(rps $BARE_PORT)
  ratio=$(awk -v d="$door" -v b="$bare" 'BEGIN { printf "%.0f", 100 * d / b }')
  ratios+=("$ratio")
  echo "round $round: door $door requests/s, bare axum $bare requests/s: $ratio%"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "door / bare, median of ${#ratios[@]} rounds: $median% (target: at least 70%)"
