#!/usr/bin/env bash
# `make bench-contacts` / `make bench-calendar`: a release server on a new SQLite file (or
# SYNCGATE_DATABASE_URL) with one user, then the figures of server/bench/$1.py (contacts or
# events: not `calendar.py`, which would hide Python's own module). Loopback only; stopped by its PID.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=3311
cargo build --release -q -p server --bin server
data=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$data"; }
trap cleanup EXIT
export SYNCGATE_DATA_DIR="$data" SYNCGATE_SITE_ROOT="$data" SYNCGATE_LOG=warn
echo "bench-password-1" | ./target/release/server create-user bench --email bench@example.it >/dev/null
SYNCGATE_LISTEN=127.0.0.1:$PORT SYNCGATE_ADMIN_PASSWORD=bench-admin-1 ./target/release/server serve >/dev/null &
pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/login" && break; sleep 0.2; done
python3 "server/bench/${1:-contacts}.py" "$PORT"
