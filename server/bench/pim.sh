#!/usr/bin/env bash
# `make bench-contacts` / `make bench-calendar`: a release server on a new SQLite file (or
# SYNCGATE_DATABASE_URL) with one user, then the figures of server/bench/$1.py (contacts or
# events: not `calendar.py`, which would hide Python's own module). Loopback only; stopped by its PID.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=3311
. server/bench/lib.sh
bench_setup
echo "bench-password-1" | ./target/release/server create-user bench --email bench@example.it >/dev/null
start_server "$PORT"
python3 "server/bench/${1:-contacts}.py" "$PORT"
