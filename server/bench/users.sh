#!/usr/bin/env bash
# `make bench-users`: the admin's user list with 10,000 users (3,000 of them with a phone seen
# by the door), on a release server over a new SQLite file; the users are written straight
# into the database (creating them through the API would time argon2, not the list).
# Prints figures; asserts nothing about time. Loopback only; the server is stopped by its PID.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=3312
. server/bench/lib.sh
bench_setup
echo "bench-password-1" | ./target/release/server create-user bench --admin --email bench@example.it >/dev/null
python3 - "$data/syncgate.db" <<'PY'
import random, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
(hash_,) = db.execute("SELECT password_hash FROM users WHERE username = 'bench'").fetchone()
first = ["Anna", "Marco", "Giulia", "Luca", "Sara", "Paolo", "Elena", "Davide", "Chiara", "Andrea"]
last = ["Rossi", "Bianchi", "Verdi", "Russo", "Ferrari", "Esposito", "Romano", "Colombo", "Ricci", "Marino"]
random.seed(7)
now = int(time.time())
with db:
    for i in range(10_000):
        f, l = random.choice(first), random.choice(last)
        cur = db.execute(
            "INSERT INTO users (username, email, first_name, last_name, password_hash, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (f"user{i:05d}", f"{f.lower()}.{l.lower()}{i}@example.it", f, f"{l}{i}", hash_, now, now))
        if i % 10 < 3:
            db.execute(
                "INSERT INTO devices (user_id, device_id, device_type, user_agent, protocol_version, "
                "first_seen, last_seen, last_address) VALUES (?, ?, 'iPhone', 'Apple-iPhone/1', '16.1', ?, ?, '127.0.0.1')",
                (cur.lastrowid, f"PHONE{i}", now - 86_400, now - random.randrange(86_400)))
PY
start_server "$PORT"
python3 - "$PORT" <<'PY'
import statistics, sys, time
sys.path.insert(0, "server/bench")
from client import Client
client = Client(int(sys.argv[1]))
client.log_in("bench", "bench-password-1")

def timed(label, form, n=100):
    times, size = [], 0
    for _ in range(n):
        t = time.perf_counter()
        status, body = client.call("POST", "/api/users/list", form,
                                   {"Content-Type": "application/x-www-form-urlencoded"})
        times.append(time.perf_counter() - t)
        assert status == 200, (status, body[:200])
        size = len(body)
    times.sort()
    print(f"{label:<38} median {1000 * statistics.median(times):.1f} ms, "
          f"p90 {1000 * times[int(n * 0.9)]:.1f} ms ({size / 1000:.0f} KB)")

print("the user list with 10,001 users (3,000 with a phone), 100 users a page:")
timed("first page, by username", "")
timed("search 'rossi' (about 1,000 match)", "q=rossi")
timed("search 'user09999' (one)", "q=user09999")
timed("by last device seen", "sort=last_seen")
timed("by name, page 50", "sort=name&page=50")
print("/admin/users rendered on the server:", client.timed("/admin/users", 50))
PY
