#!/usr/bin/env bash
# Push at a scale one process cannot hold open files for: INSTANCES release servers on one
# throwaway PostgreSQL cluster (server/tests/with-postgres.sh), and server/bench/fleet.py as the
# load generator, in parts of at most 15,000 phones. Loopback only; every process started here
# is stopped by its PID. Needs pyactivesync's venv (`make tools-test`) and Debian's postgresql.
# Usage: server/bench/push-fleet.sh [N] [INSTANCES] [SAMPLE]   (default 100000 6 70)
# The instances' logs (warnings and errors) are kept in .tmp/push-fleet-K.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${SYNCGATE_TEST_DATABASE_URL:-}" ]; then
  exec server/tests/with-postgres.sh "$PWD/server/bench/push-fleet.sh" "$@"
fi
N=${1:-100000}
INSTANCES=${2:-6}
SAMPLE=${3:-70}
FIRST_PORT=3331
PYTHON=.tmp/eas-venv/bin/python
[ -x "$PYTHON" ] || { echo "pyactivesync's venv is needed: make tools-test"; exit 1; }
ulimit -n "$(ulimit -Hn)"
echo "open files allowed to each process: $(ulimit -n)"

nice cargo build --release -q -p server --bin server
data=$(mktemp -d)
name="fleet_$$"
psql -q "$SYNCGATE_TEST_DATABASE_URL" -c "CREATE DATABASE $name"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$data"
}
trap cleanup EXIT
# One database, one key file (in the shared data folder), as in "Running on PostgreSQL".
export SYNCGATE_DATABASE_URL="${SYNCGATE_TEST_DATABASE_URL%/*}/$name"
export SYNCGATE_DATA_DIR="$data" SYNCGATE_SITE_ROOT="$data" SYNCGATE_LOG=${SYNCGATE_LOG:-warn}
export SYNCGATE_ADMIN_PASSWORD=bench-admin-1
mkdir -p .tmp
ports=() 
for k in $(seq "$INSTANCES"); do
  port=$((FIRST_PORT + k - 1))
  SYNCGATE_LISTEN=127.0.0.1:$port ./target/release/server serve >".tmp/push-fleet-$k.log" 2>&1 &
  pids+=("$!")
  ports+=("$port")
  up=""
  # The first instance makes the schema, the admin and the key file; the others find them.
  for _ in $(seq 150); do
    curl -s -o /dev/null "http://127.0.0.1:$port/login" && { up=1; break; }
    sleep 0.2
  done
  [ -n "$up" ] || { echo "instance $k did not start"; tail -20 ".tmp/push-fleet-$k.log"; exit 1; }
done
echo "instances: pids ${pids[*]}, ports ${ports[*]}"
join() { local IFS=,; echo "$*"; }
status=0
cd server/bench
# fleet.py gives each of its steps an hour at most; this is a last stop.
timeout $((3600 + N / 10)) "../../$PYTHON" -u fleet.py "$(join "${ports[@]}")" \
  "$(join "${pids[@]}")" "$N" "$SAMPLE" || status=$?
cd ../..
for k in $(seq "$INSTANCES"); do
  if grep -qiE "error|panic" ".tmp/push-fleet-$k.log"; then
    echo "instance $k logged errors:"; grep -iE "error|panic" ".tmp/push-fleet-$k.log" | head -5
  fi
done
exit $status
