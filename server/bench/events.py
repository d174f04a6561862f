"""`make bench-calendar`: the calendar pages with 1,000 events, 200 of them recurring (weekly,
daily, monthly, yearly), on a release server on loopback (started by pim.sh). Prints figures;
asserts nothing about time.

- adding the 1,000 events one by one through the API (events/s);
- /calendar?month=2025-06, the month view rendered on the server (median and p90 of 100);
- /calendar/agenda?from=2025-06-01, 30 days (median and p90 of 100);
- an event's page, an occurrence of a recurring one (median and p90 of 100).
"""
from client import Client
import json
import random
import sys
import time

port = int(sys.argv[1])
client = Client(port)
call = client.call


form = {"Content-Type": "application/x-www-form-urlencoded"}
client.log_in("bench", "bench-password-1")
status, _ = call("POST", "/api/me/time-zone", "time_zone=Europe/Rome", form)
assert status == 200, status

random.seed(11)
rules = [
    {"frequency": "weekly", "interval": 1, "weekdays": [0, 2], "ends": {"kind": "never"}},
    {"frequency": "daily", "interval": 1, "weekdays": [], "ends": {"kind": "count", "count": 400}},
    {"frequency": "monthly_by_weekday", "interval": 1, "weekdays": [], "ends": {"kind": "never"}},
    {"frequency": "yearly", "interval": 1, "weekdays": [], "ends": {"kind": "never"}},
]
start = time.perf_counter()
for i in range(1_000):
    month, day, hour = random.randint(1, 12), random.randint(1, 28), random.randint(8, 18)
    event = {
        "title": f"Appuntamento {i}", "location": f"Sala {i % 12}", "all_day": i % 25 == 0,
        "start_date": f"2025-{month:02d}-{day:02d}", "start_time": f"{hour:02d}:00",
        "end_date": f"2025-{month:02d}-{day:02d}", "end_time": f"{hour:02d}:45",
        "time_zone": "Europe/Rome", "reminder_minutes": 15,
        "repeat": rules[i % 4] if i % 5 == 0 else None,
        "attendees": [{"name": "Bruno", "email": "bruno@example.it", "response": "accepted"}],
    }
    status, body = call("POST", "/api/calendar/save", json.dumps({"id": None, "at": None, "form": event}),
                        {"Content-Type": "application/json"})
    assert status == 200, (status, body[:300])
added = time.perf_counter() - start


timed = client.timed

status, body = call("POST", "/api/calendar/month", "month=2025-06", form)
june = json.loads(body)
shown = sum(len(d["entries"]) for d in june["days"])
occurrence = next(e for d in june["days"] for e in d["entries"] if e["at"] is not None)
print(f"add 1,000 events (200 recurring) via the API: {1_000 / added:,.0f} events/s ({added:.1f} s)")
print(f"/calendar?month=2025-06 ({shown} entries shown): {timed('/calendar?month=2025-06')}")
print(f"/calendar/agenda?from=2025-06-01 (30 days):   {timed('/calendar/agenda?from=2025-06-01')}")
page = f"/calendar/events/{occurrence['event_id']}?at={occurrence['at']}"
print(f"an occurrence's page:                          {timed(page)}")
