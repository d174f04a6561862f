"""`server/bench/door-sync.sh sync`: syncing contacts through the ActiveSync door, on a release
server on loopback started by door-sync.sh. Prints figures; asserts nothing about time (it
does check what the phones receive).

(a) a first full sync of 1,000 contacts with pyactivesync (a real EAS 16.1 client), windows
    of 100: Sync key 0, GetItemEstimate (must say 1,000), then the windows (must bring 1,000);
    three new devices one after the other, the median;
(b) the same (three more new devices) with 1,000 other devices known to the server: 90 of the
    same user that synced the 1,000 contacts fully, 910 of 10 other users;
(c) a first full sync of 5,000 contacts (another user), windows of 100, three devices;
(e) a first full sync of 2,000 events, 200 of them recurring series (weekly, daily, monthly
    by weekday, yearly; with exceptions' worth of attendees), windows of 100, three devices;
(d) the incremental Sync with nothing changed (an empty 200): requests/s on one keep-alive
    connection, then with wrk (-t2 -c32, round robin over the 1,000 known devices) next to
    authenticated OPTIONS on the door and a bare axum handler (as door-options.sh), ROUNDS
    alternating rounds in the same run; then a two-way round, 5 times: a console edit, an Add
    from the device, and the Sync that brings the edit; and the same with the Add and the
    edit in one Sync.

Usage (door-sync.sh passes them): sync.py PORT SERVER_PID BARE_PORT [ROUNDS]
"""
import asyncio
import base64
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from client import Client
from push import (DOOR, PASSWORD, Device, Http, Odd, create_users, ms, rss_mb, set_up_devices,
                  settle, sync_body, contact_add)
from pyactivesync import Client as EasClient
from pyactivesync.models import Contact

port, pid, bare_port = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}
first = ["Anna", "Marco", "Giulia", "Luca", "Sara", "Paolo", "Elena", "Davide", "Chiara", "Andrea"]
last = ["Rossi", "Bianchi", "Verdi", "Russo", "Ferrari", "Esposito", "Romano", "Colombo", "Ricci",
        "Marino"]


def contact(i):
    f, l = first[i % 10], last[(i // 10) % 10]
    return {"first_name": f, "last_name": f"{l}{i}", "company": f"Azienda {i % 300}",
            "emails": [f"{f.lower()}.{l.lower()}{i}@example.it"],
            "phones": [{"kind": "mobile", "number": f"+39 333 {i:07d}"},
                       {"kind": "work", "number": f"+39 02 {i:07d}"}]}


RULES = [
    {"frequency": "weekly", "interval": 1, "weekdays": [0, 2], "ends": {"kind": "never"}},
    {"frequency": "daily", "interval": 1, "weekdays": [], "ends": {"kind": "count", "count": 400}},
    {"frequency": "monthly_by_weekday", "interval": 1, "weekdays": [], "ends": {"kind": "never"}},
    {"frequency": "yearly", "interval": 1, "weekdays": [], "ends": {"kind": "never"}},
]


def add_events(c, n):
    """n events through the console API, one in ten a recurring series; the seconds taken."""
    status, _ = c.call("POST", "/api/me/time-zone", "time_zone=Europe/Rome", FORM)
    assert status == 200, status
    t = time.perf_counter()
    for i in range(n):
        month, day, hour = 1 + i % 12, 1 + i % 28, 8 + i % 10
        event = {
            "title": f"Appuntamento {i}", "location": f"Sala {i % 12}", "all_day": i % 25 == 0,
            "start_date": f"2026-{month:02d}-{day:02d}", "start_time": f"{hour:02d}:00",
            "end_date": f"2026-{month:02d}-{day:02d}", "end_time": f"{hour:02d}:45",
            "time_zone": "Europe/Rome", "reminder_minutes": 15,
            "repeat": RULES[(i // 10) % 4] if i % 10 == 0 else None,
            "attendees": [],
        }
        status, body = c.call("POST", "/api/calendar/save",
                              json.dumps({"id": None, "at": None, "form": event}), JSON)
        assert status == 200, (status, body[:300])
    return time.perf_counter() - t


def console(name, cookie):
    c = Client(port)
    c.cookie = cookie
    return c


def add_contacts(c, n):
    ids = []
    start = time.perf_counter()
    for i in range(n):
        status, body = c.call("POST", "/api/contacts/save",
                              json.dumps({"id": None, "contact": contact(i)}), JSON)
        assert status == 200, (status, body[:200])
        ids.append(json.loads(body))
    return ids, time.perf_counter() - start


def eas_client(user, device_id):
    """pyactivesync pointed at the loopback door; its HTTP round trips are timed apart
    from its own WBXML work."""
    c = EasClient(server="unused", username=user, password=PASSWORD, device_id=device_id,
                  device_type="pyactivesync")
    c._transport.base_url = f"http://127.0.0.1:{port}{DOOR}"
    c.http_seconds = 0.0
    c.http_count = 0
    post = c._transport.session.post

    def timed_post(*a, **k):
        t = time.perf_counter()
        try:
            return post(*a, **k)
        finally:
            c.http_seconds += time.perf_counter() - t
            c.http_count += 1
    c._transport.session.post = timed_post
    return c


def first_full_sync(user, device_id, expected, folder="contacts"):
    """Provision, FolderSync, then the timed part: Sync key 0, GetItemEstimate, the windows
    of 100. Returns (client, key, seconds, requests, HTTP seconds, line)."""
    c = eas_client(user, device_id)
    c.provision()
    folders = [f.id for f in c.list_folders()]
    assert folder in folders, folders
    c.http_seconds, c.http_count = 0.0, 0
    t = time.perf_counter()
    r = c.sync_folder(folder, "0", window_size=100)
    estimate = c.get_item_estimate(folder, r.sync_key)
    key = r.sync_key
    received, ids, windows = 0, set(), 0
    for _ in range(10_000):
        r = c.sync_folder(folder, key, window_size=100)
        windows += 1
        key = r.sync_key
        received += len(r.added)
        ids.update(a.server_id for a in r.added)
        assert not r.changed and not r.deleted, (len(r.changed), len(r.deleted))
        if not r.more_available:
            break
    took = time.perf_counter() - t
    n = c.http_count
    ok = "OK" if received == expected == len(ids) and estimate == expected else "ODD"
    line = (f"{device_id}: {took:.2f} s, {n} requests (Sync key 0, GetItemEstimate, {windows} "
            f"windows), {1000 * took / n:.1f} ms a request (HTTP alone {1000 * c.http_seconds / n:.1f}"
            f" ms); estimate {estimate:,}, received {received:,} ({len(ids):,} distinct) [{ok}]")
    return c, key, took, n, c.http_seconds, line


def full_syncs(label, user, prefix, expected, runs=3, folder="contacts"):
    """`runs` new devices each make their first full sync, one after the other."""
    results = [first_full_sync(user, f"{prefix}{i}", expected, folder)
               for i in range(1, runs + 1)]
    took = statistics.median(r[2] for r in results)
    n = results[0][3]
    http = statistics.median(r[4] for r in results)
    print(f"{label}: median of {runs} devices {took:.2f} s for {n} requests = "
          f"{1000 * took / n:.1f} ms a request (HTTP round trips alone {1000 * http / n:.1f} ms; "
          f"the rest is pyactivesync's WBXML work)")
    for r in results:
        print(f"    {r[5]}")
    for r in results[1:]:
        r[0].close()
    return results[0][0], results[0][1]


def wrk_rps(url, script, seconds, connections=32):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", script, url],
                         capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return rps, int(bad.group(1)) if bad else 0, errors.group(0) if errors else ""


def lua_string(raw):
    return '"' + "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\{b:03d}"
                         for b in raw) + '"'


def raw_request(d, body):
    head = [f"POST {d.path('Sync')} HTTP/1.1", f"Host: 127.0.0.1:{port}",
            f"Content-Length: {len(body)}"] + [f"{k}: {v}" for k, v in d.headers().items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def main():
    print(f"sync: server pid {pid}, RSS at start {rss_mb(pid):.0f} MB")
    loop = asyncio.get_running_loop()
    known_users = [f"known{i:02d}" for i in range(1, 11)]
    t = time.perf_counter()
    cookies = await loop.run_in_executor(
        None, lambda: create_users(port, ["bench", "bench5k", "benchcal"] + known_users))
    print(f"setup: 13 users through the console API in {time.perf_counter() - t:.1f} s")
    bench = console("bench", cookies["bench"])
    ids, took = add_contacts(bench, 1_000)
    print(f"setup: 1,000 contacts for bench through the console API in {took:.1f} s")

    # (a)
    a_client, a_key = full_syncs("(a) first full sync, 1,000 contacts, windows of 100",
                                 "bench", "BENCHA", 1_000)

    # (b): 1,000 other devices.
    known = [Device(port, "bench", PASSWORD, f"KNOWNB{i:03d}") for i in range(90)]
    known += [Device(port, u, PASSWORD, f"KNOWN{u[-2:]}D{i:03d}")
              for u in known_users for i in range(91)]
    t = time.perf_counter()
    failures, errors = await set_up_devices(known, progress=250)
    print(f"setup: {len(known) - len(failures):,} other devices known (90 of bench with the "
          f"1,000 contacts synced, 910 of 10 other users; provisioned, FolderSync, Contacts "
          f"primed) in {time.perf_counter() - t:.1f} s"
          + (f"; ODD: {len(errors)} failed attempts, the first: {errors[:3]}" if errors else ""))
    short = [d.device_id for d in known[:90] if d.received != 1_000]
    if short:
        print(f"    ODD: bench devices that did not receive 1,000 contacts: {short[:5]}")
    await settle(pid, limit=10)
    full_syncs("(b) the same with 1,000 other devices known", "bench", "BENCHB", 1_000)[0].close()

    # (c)
    big = console("bench5k", cookies["bench5k"])
    _, took = add_contacts(big, 5_000)
    print(f"setup: 5,000 contacts for bench5k through the console API in {took:.1f} s")
    full_syncs("(c) first full sync, 5,000 contacts, windows of 100", "bench5k", "BENCHC",
               5_000)[0].close()
    await settle(pid, limit=10)

    # (e)
    cal = console("benchcal", cookies["benchcal"])
    took = add_events(cal, 2_000)
    print(f"setup: 2,000 events (200 recurring) for benchcal through the console API in "
          f"{took:.1f} s")
    full_syncs("(e) first full sync, 2,000 events (200 series), windows of 100", "benchcal",
               "BENCHE", 2_000, folder="calendar")[0].close()
    await settle(pid, limit=10)

    # (d) the incremental Sync with nothing changed.
    devices = [d for d in known if d.device_id not in set(failures)]
    bodies = [sync_body("contacts", d.key, 100) for d in devices]
    for d, body in zip(devices, bodies):
        a = await d.command("Sync", body)
        if a is not None:
            raise Odd(f"the incremental Sync of {d.device_id} was not an empty 200")
    one = Http(port)
    times = []
    end = time.perf_counter() + 3
    i = 0
    while time.perf_counter() < end:
        d = devices[i % len(devices)]
        t = time.perf_counter()
        status, _, _, data = await one.request("POST", d.path("Sync"), d.headers(),
                                               bodies[i % len(devices)])
        times.append(time.perf_counter() - t)
        assert status == 200 and not data, (status, data[:100])
        i += 1
    one.close()
    print(f"(d) incremental Sync, nothing changed (empty 200), one keep-alive connection from "
          f"Python, round robin over {len(devices):,} devices: {len(times) / sum(times):,.0f} "
          f"requests/s, median {ms(statistics.median(times))}, "
          f"p99 {ms(sorted(times)[int(len(times) * 0.99)])}")

    tmp = tempfile.mkdtemp()
    sync_lua = os.path.join(tmp, "sync.lua")
    with open(sync_lua, "w") as f:
        f.write("local r = {\n")
        for d, body in zip(devices, bodies):
            f.write(lua_string(raw_request(d, body)) + ",\n")
        f.write("}\nlocal i = 0\nrequest = function()\n  i = i % #r + 1\n  return r[i]\nend\n")
    options_lua = os.path.join(tmp, "options.lua")
    auth = base64.b64encode(f"bench:{PASSWORD}".encode()).decode()
    with open(options_lua, "w") as f:
        f.write(f'wrk.method = "OPTIONS"\nwrk.headers["Authorization"] = "Basic {auth}"\n')
    bare_lua = os.path.join(tmp, "bare.lua")
    with open(bare_lua, "w") as f:
        f.write('wrk.method = "OPTIONS"\n')
    door_url = f"http://127.0.0.1:{port}{DOOR}"
    ratios = []
    for r in range(1, rounds + 1):
        sync_rps, sync_bad, sync_err = wrk_rps(door_url, sync_lua, 5)
        opt_rps, opt_bad, _ = wrk_rps(door_url, options_lua, 5)
        bare_rps, bare_bad, _ = wrk_rps(f"http://127.0.0.1:{bare_port}{DOOR}", bare_lua, 5)
        ratios.append(100 * sync_rps / bare_rps)
        print(f"    wrk round {r}: door Sync {sync_rps:,.0f} requests/s"
              f"{f' ({sync_bad} not 2xx)' if sync_bad else ''}{f' [{sync_err}]' if sync_err else ''}"
              f", door OPTIONS {opt_rps:,.0f}{f' ({opt_bad} not 2xx)' if opt_bad else ''}"
              f", bare axum OPTIONS {bare_rps:,.0f}{f' ({bare_bad} not 2xx)' if bare_bad else ''}"
              f": Sync / bare {100 * sync_rps / bare_rps:.0f}%")
    shutil.rmtree(tmp)
    print(f"    Sync / bare axum, median of {rounds}: {statistics.median(ratios):.0f}% "
          f"(wrk -t2 -c32 -d5s on the same 2 cores)")
    d = devices[0]
    a = await d.command("Sync", bodies[0])
    assert a is None, "still nothing changed after wrk"

    # The two-way round, with the first device of (a) (pyactivesync), 5 times.
    steps, checks = [], []
    for k in range(5):
        edited = contact(k)
        edited["company"] = f"Azienda cambiata {k}"
        t = time.perf_counter()
        status, body = bench.call("POST", "/api/contacts/save",
                                  json.dumps({"id": ids[k], "contact": edited}), JSON)
        t_edit = time.perf_counter() - t
        assert status == 200, (status, body[:200])
        t = time.perf_counter()
        added = a_client.create_contact("contacts", a_key, Contact(
            first_name="Dalphone", last_name=f"Nuovo{k}", mobile_phone_number="+39 347 1234567"))
        t_add = time.perf_counter() - t
        t = time.perf_counter()
        r = a_client.sync_folder("contacts", added.sync_key, window_size=100)
        t_sync = time.perf_counter() - t
        a_key = r.sync_key
        steps.append((t_edit, t_add, t_sync, t_edit + t_add + t_sync))
        got = [c.fields.get("Contacts.CompanyName") for c in r.changed]
        checks.append(added.status == "1" and got == [edited["company"]] and not r.added)
    status, body = bench.call("POST", "/api/contacts/list", "search=Dalphone&offset=0", FORM)
    on_console = len(json.loads(body)["contacts"]) if status == 200 else f"HTTP {status}"
    med = [statistics.median(s[i] for s in steps) for i in range(4)]
    ok = "OK" if all(checks) and on_console == 5 else f"ODD: checks {checks}"
    print(f"(d) two-way round (pyactivesync), median of 5: console edit {ms(med[0])}, the "
          f"device's Add (Sync, GetChanges 0) {ms(med[1])}, then its Sync bringing the edit "
          f"{ms(med[2])}: {ms(med[3])} in all (totals {', '.join(ms(s[3]) for s in steps)}); "
          f"each Sync brought exactly the console's change and not the device's own add; "
          f"the device's contacts on the console: {on_console} [{ok}]")
    # The same in one request, as phones do: the Add and the server's changes together.
    one_request = []
    for k in range(5):
        edited = contact(10 + k)
        edited["company"] = f"Azienda cambiata {10 + k}"
        t = time.perf_counter()
        status, body = bench.call("POST", "/api/contacts/save",
                                  json.dumps({"id": ids[10 + k], "contact": edited}), JSON)
        t_edit = time.perf_counter() - t
        t = time.perf_counter()
        a = await d.sync(100, [contact_add(f"bench-add-{k}", "Dalphone", f"Raw{k}")])
        t_sync = time.perf_counter() - t
        replies = [n[0] for n in a.responses]
        one_request.append((t_edit, t_sync, len(a.changes), len(a.adds), replies))
    print(f"(d) two-way round in one request (raw client, a device of (b)), median of 5: console "
          f"edit {ms(statistics.median(r[0] for r in one_request))}, then one Sync carrying the "
          f"device's Add and bringing the server's changes "
          f"{ms(statistics.median(r[1] for r in one_request))}; (changes, adds) brought: "
          f"{[(r[2], r[3]) for r in one_request]} (the first also brings what (a)'s device and the "
          f"console did before), replies {one_request[0][4]}")
    print(f"server RSS at the end: {rss_mb(pid):.0f} MB")
    a_client.close()
    for d in known:
        d.http.close()


asyncio.run(asyncio.wait_for(main(), timeout=900))
