#!/usr/bin/env bash
# Syncing and push through the ActiveSync door: a release server on a new SQLite data dir, then
# server/bench/sync.py or server/bench/push.py (with pyactivesync's venv: `make tools-test`).
# Loopback only; every process started here is stopped by its PID.
# Usage: server/bench/door-sync.sh sync [ROUNDS]    (also needs wrk and the bare_axum example)
#        server/bench/door-sync.sh push [N] [SAMPLE] (N waiting devices, default 10,000)
# The server's log (warnings and errors) is kept in $DOOR_SYNC_LOG (default
# .tmp/door-sync-MODE.log).
set -euo pipefail
cd "$(dirname "$0")/../.."
MODE=${1:?usage: door-sync.sh sync|push [args]}
shift
PORT=3312
BARE_PORT=3313
PYTHON=.tmp/eas-venv/bin/python
[ -x "$PYTHON" ] || { echo "pyactivesync's venv is needed: make tools-test"; exit 1; }
case "$MODE" in
  sync) command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; } ;;
  push) ;;
  *) echo "usage: door-sync.sh sync|push [args]"; exit 1 ;;
esac
# 10,000 waiting phones are 10,000 sockets on each side: as many files as allowed, for the
# server and the load generator both (the hard limit may be below 65536 in a container).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "open files allowed: $(ulimit -n)"

nice cargo build --release -q -p server --bin server
if [ "$MODE" = sync ] && [ ! -x target/release/examples/bare_axum ]; then
  nice cargo build --release -q -p server --example bare_axum
fi
data=$(mktemp -d)
log=${DOOR_SYNC_LOG:-.tmp/door-sync-$MODE.log}
mkdir -p "$(dirname "$log")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$data"
}
trap cleanup EXIT
export SYNCGATE_DATA_DIR="$data" SYNCGATE_SITE_ROOT="$data" SYNCGATE_LOG=${SYNCGATE_LOG:-warn}
SYNCGATE_LISTEN=127.0.0.1:$PORT SYNCGATE_ADMIN_PASSWORD=bench-admin-1 \
  ./target/release/server serve >"$log" 2>&1 &
server=$!
pids+=("$server")
if [ "$MODE" = sync ]; then
  BARE_PORT=$BARE_PORT ./target/release/examples/bare_axum &
  pids+=($!)
fi
up=""
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/login" && { up=1; break; }
  sleep 0.2
done
[ -n "$up" ] || { echo "the server did not start; its log: $log"; tail -20 "$log"; exit 1; }
echo "server pid $server, log $log"
cd server/bench
status=0
if [ "$MODE" = sync ]; then
  timeout 1000 "../../$PYTHON" -u sync.py "$PORT" "$server" "$BARE_PORT" "$@" || status=$?
else
  # push.py's own budget grows with N (600 s + 40 ms a device); this is a last stop.
  timeout $((700 + ${1:-10000} / 20)) "../../$PYTHON" -u push.py "$PORT" "$server" "$@" || status=$?
fi
cd ../..
if grep -qiE "error|panic" "$log"; then
  echo "the server logged errors ($log):"
  grep -iE "error|panic" "$log" | head -20
fi
exit $status
