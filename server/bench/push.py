"""`server/bench/door-sync.sh push [N]`: N phones waiting in a Ping on the ActiveSync door at
once (default 10,000: 10 devices for each of N/10 users), on a release server on loopback
started by door-sync.sh. Prints figures; asserts nothing about time.

- setup: the users (created by the admin through the console API, "Enable ActiveSync" ticked,
  then each signs in and chooses their own password), then every device (50 to a loopback
  source address, 127.0.0.2 and up: `source_address`) provisions (both
  steps), syncs its folder list and primes Contacts (Sync with key 0, then with its key until
  nothing more is waiting), each on its own keep-alive connection;
- the server's resident memory (VmRSS) before the Pings and while all N wait (heartbeat
  3540 s, so none ends on its own);
- a new phone's first connection while all N wait: sign-in, Provision, FolderSync (20 phones);
- push latency: for a sample of users, one console change (round 1 adds a contact, round 2
  edits it) made as that user through the console API; for each of the user's waiting devices
  the time from the console's answer (the commit) to the device's Ping answer (status 2).
  Each device then Syncs the change and Pings again.

Also the door's raw client for `sync.py`: `Http` (one keep-alive connection, asyncio),
`Device` (a phone at the WBXML level) and `create_users`.

Usage (door-sync.sh passes the first two): push.py PORT SERVER_PID [N] [SAMPLE_USERS]
"""
import asyncio
import base64
import json
import os
import statistics
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

from client import Client
from pyactivesync._wbxml import WBXMLReader, WBXMLWriter, find, find_all, text_of, wtag

DOOR = "/Microsoft-Server-ActiveSync"
ADMIN = ("admin", "bench-admin-1")
ONE_TIME = "one-time-password-1"
PASSWORD = "bench-password-1"
DEVICES_PER_USER = 10
HEARTBEAT = 3540
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}


class Odd(Exception):
    """Something the server should not have answered."""


# ---------------------------------------------------------------- HTTP on loopback (asyncio)

class Http:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:port. `answered_at`: when the status
    line of the last answer arrived (perf_counter)."""

    def __init__(self, port, source=None):
        self.port = port
        # The local address to connect from (127.0.0.2 and up: many phones, many addresses).
        self.source = source
        self.reader = None
        self.writer = None
        self.answered_at = 0.0

    async def open(self):
        local = (self.source, 0) if self.source else None
        self.reader, self.writer = await asyncio.open_connection(
            "127.0.0.1", self.port, local_addr=local)

    def close(self):
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    async def request(self, method, path, headers, body=b""):
        """(status, headers with lower-case names, set-cookie values, body)."""
        reused = self.writer is not None
        if not reused:
            await self.open()
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}",
                f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        try:
            self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
            await self.writer.drain()
            line = await self.reader.readline()
        except (ConnectionResetError, BrokenPipeError):
            line = b""
        self.answered_at = time.perf_counter()
        if not line:
            self.close()
            if reused:
                # A kept-alive connection the server let go while it sat idle (it closes
                # idle ones after its header timeout): it read nothing of this request, so
                # the request goes again on a new connection, as browsers and phones do.
                return await self.request(method, path, headers, body)
            raise ConnectionError(f"{method} {path}: the server closed the connection")
        status = int(line.split()[1])
        names, cookies = {}, []
        while True:
            h = await self.reader.readline()
            if h in (b"\r\n", b"\n", b""):
                break
            k, _, v = h.decode("latin-1").partition(":")
            k, v = k.strip().lower(), v.strip()
            names[k] = v
            if k == "set-cookie":
                cookies.append(v.split(";")[0])
        if names.get("transfer-encoding", "").lower() == "chunked":
            data = bytearray()
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                data += await self.reader.readexactly(size)
                await self.reader.readline()
            data = bytes(data)
        else:
            data = await self.reader.readexactly(int(names.get("content-length", "0")))
        if names.get("connection", "").lower() == "close":
            self.close()
        return status, names, cookies, data


class Console:
    """A user's console session on an asyncio connection (the cookie from `create_users`)."""

    def __init__(self, port, cookie):
        self.http = Http(port)
        self.cookie = cookie

    async def call(self, path, body, headers):
        h = {"Accept": "application/json", "Cookie": self.cookie, **headers}
        status, _, cookies, data = await self.http.request("POST", path, h, body.encode())
        if cookies:
            self.cookie = cookies[-1]
        return status, data

    async def save_contact(self, contact_id, contact):
        """The console's contact form: adds (`contact_id` None) or replaces; the id."""
        status, data = await self.call("/api/contacts/save",
                                       json.dumps({"id": contact_id, "contact": contact}), JSON)
        if status != 200:
            raise Odd(f"contacts/save: HTTP {status}: {data[:300]!r}")
        return json.loads(data)


# ---------------------------------------------------------------- a phone, at the WBXML level

def wbxml(page, name, children):
    w = WBXMLWriter()
    w.tag(page, name, children=children)
    return w.render()


def provision_body(key=None):
    policy = [wtag("Provision", "PolicyType", text="MS-EAS-Provisioning-WBXML")]
    if key:
        policy += [wtag("Provision", "PolicyKey", text=key), wtag("Provision", "Status", text="1")]
    return wbxml("Provision", "Provision", [
        wtag("Provision", "Policies", children=[wtag("Provision", "Policy", children=policy)])])


def sync_body(collection, key, window=None, commands=None, get_changes=None):
    c = [wtag("AirSync", "SyncKey", text=key), wtag("AirSync", "CollectionId", text=collection)]
    if get_changes is not None:
        c.append(wtag("AirSync", "GetChanges", text="1" if get_changes else "0"))
    if window:
        c.append(wtag("AirSync", "WindowSize", text=str(window)))
    if commands:
        c.append(wtag("AirSync", "Commands", children=commands))
    return wbxml("AirSync", "Sync", [
        wtag("AirSync", "Collections", children=[wtag("AirSync", "Collection", children=c)])])


def ping_body(folders=("contacts",), heartbeat=HEARTBEAT):
    return wbxml("Ping", "Ping", [
        wtag("Ping", "HeartbeatInterval", text=str(heartbeat)),
        wtag("Ping", "Folders", children=[
            wtag("Ping", "Folder", children=[wtag("Ping", "Id", text=f),
                                             wtag("Ping", "Class", text="Contacts")])
            for f in folders])])


def contact_add(client_id, first, last):
    """A Sync `Add` of a contact from the phone."""
    return wtag("AirSync", "Add", children=[
        wtag("AirSync", "ClientId", text=client_id),
        wtag("AirSync", "ApplicationData", children=[
            wtag("Contacts", "FirstName", text=first), wtag("Contacts", "LastName", text=last),
            wtag("Contacts", "MobilePhoneNumber", text="+39 347 0000001")])])


class SyncAnswer:
    def __init__(self, nodes, key):
        self.empty = nodes is None
        nodes = nodes or []
        coll = find(nodes, "AirSync.Collection")
        self.top_status = text_of(find(nodes, "AirSync.Status")) if coll is None else None
        cn = coll[2] if coll else []
        self.status = text_of(find(cn, "AirSync.Status")) if coll else None
        self.key = (text_of(find(cn, "AirSync.SyncKey")) if coll else None) or key
        commands = find(cn, "AirSync.Commands")
        cmds = commands[2] if commands else []
        self.adds = [c for c in cmds if c[0] == "AirSync.Add"]
        self.changes = [c for c in cmds if c[0] == "AirSync.Change"]
        self.deletes = [c for c in cmds if c[0] == "AirSync.Delete"]
        responses = find(cn, "AirSync.Responses")
        self.responses = responses[2] if responses else []
        self.more = find(cn, "AirSync.MoreAvailable") is not None


class Device:
    """One phone: its own keep-alive connection, policy key and Contacts sync key."""

    def __init__(self, port, user, password, device_id, device_type="BenchPhone", source=None):
        self.http = Http(port, source)
        self.user = user
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.device_id = device_id
        self.device_type = device_type
        self.policy_key = None
        self.key = "0"
        self.received = 0
        self.ping_task = None

    def path(self, command):
        return (f"{DOOR}?Cmd={command}&User={urllib.parse.quote(self.user)}"
                f"&DeviceId={self.device_id}&DeviceType={self.device_type}")

    def headers(self, policy_key=None):
        h = {"Authorization": self.auth, "MS-ASProtocolVersion": "16.1",
             "Content-Type": "application/vnd.ms-sync.wbxml", "User-Agent": "SyncgateBench/1.0"}
        key = policy_key or self.policy_key
        if key:
            h["X-MS-PolicyKey"] = key
        return h

    async def command(self, command, body, policy_key=None):
        """The parsed answer (`None` for an empty 200); `Odd` for any other HTTP status."""
        status, names, _, data = await self.http.request("POST", self.path(command),
                                                         self.headers(policy_key), body)
        if status != 200:
            raise Odd(f"{command} of {self.user}/{self.device_id}: HTTP {status} "
                      f"(Retry-After {names.get('retry-after')}): {data[:200]!r}")
        return WBXMLReader(data).parse() if data else None

    async def provision(self):
        first = await self.command("Provision", provision_body())
        temp = text_of(find(first, "Provision.PolicyKey"))
        if not temp:
            raise Odd(f"Provision of {self.device_id}: no temporary PolicyKey")
        second = await self.command("Provision", provision_body(temp), policy_key=temp)
        self.policy_key = text_of(find(second, "Provision.PolicyKey"))
        if not self.policy_key:
            raise Odd(f"Provision of {self.device_id}: no final PolicyKey")

    async def folder_sync(self):
        a = await self.command("FolderSync", wbxml("FolderHierarchy", "FolderSync", [
            wtag("FolderHierarchy", "SyncKey", text="0")]))
        status = text_of(find(a or [], "FolderHierarchy.Status"))
        ids = [text_of(find(c[2], "FolderHierarchy.ServerId"))
               for c in find_all(a or [], "FolderHierarchy.Add")]
        if status != "1" or "contacts" not in ids:
            raise Odd(f"FolderSync of {self.device_id}: status {status}, folders {ids}")
        return ids

    async def sync(self, window=None, commands=None, get_changes=None, collection="contacts"):
        """One Sync of Contacts at the key held; the key advances."""
        body = sync_body(collection, self.key, window, commands, get_changes)
        a = SyncAnswer(await self.command("Sync", body), self.key)
        if not a.empty and a.status != "1":
            raise Odd(f"Sync of {self.device_id} at key {self.key}: status {a.status} "
                      f"(top {a.top_status})")
        self.key = a.key
        self.received += len(a.adds)
        return a

    async def prime(self, window=100):
        """Sync with key 0, then until nothing more is waiting; how many requests."""
        self.key = "0"
        await self.sync()
        for n in range(1, 10_000):
            a = await self.sync(window)
            if a.empty or not a.more:
                return n + 1
        raise Odd(f"{self.device_id}: Sync never ended")

    async def set_up(self):
        await self.provision()
        await self.folder_sync()
        await self.prime()

    async def ping(self):
        """(status, changed folders); `answered_at` says when."""
        a = await self.command("Ping", ping_body())
        return text_of(find(a or [], "Ping.Status")), [
            text_of(f) for f in find_all(a or [], "Ping.Folder")]

    def arm(self):
        self.ping_task = asyncio.ensure_future(self.ping())


# ---------------------------------------------------------------- users, through the console

def create_users(port, names, workers=4, progress=None):
    """Each user as an admin makes one in the console (one-time password), with "Enable
    ActiveSync" ticked; then the user signs in and chooses PASSWORD, as the console asks.
    Returns {name: the user's session cookie}."""
    cookies = {}
    lock = threading.Lock()
    local = threading.local()

    def one(name):
        admin = getattr(local, "admin", None)
        if admin is None:
            admin = local.admin = Client(port)
            admin.log_in(*ADMIN)
        form = urllib.parse.urlencode({"username": name, "email": f"{name}@example.it",
                                       "first_name": "Bench", "last_name": name,
                                       "password": ONE_TIME})
        status, body = admin.call("POST", "/api/users/create", form, FORM)
        if status != 200:
            raise Odd(f"users/create {name}: HTTP {status}: {body[:300]!r}")
        user_id = json.loads(body)
        form = urllib.parse.urlencode({"id": user_id, "enabled": "true"})
        status, body = admin.call("POST", "/api/users/activesync", form, FORM)
        if status != 200:
            raise Odd(f"users/activesync {name}: HTTP {status}: {body[:300]!r}")
        user = Client(port)
        user.log_in(name, ONE_TIME)
        form = urllib.parse.urlencode({"new_password": PASSWORD, "confirm_password": PASSWORD})
        status, body = user.call("POST", "/api/me/choose-password", form, FORM)
        if status != 200:
            raise Odd(f"me/choose-password {name}: HTTP {status}: {body[:300]!r}")
        user.conn.close()
        with lock:
            cookies[name] = user.cookie
            if progress and len(cookies) % progress == 0:
                print(f"  {len(cookies):,} users ready", flush=True)

    with ThreadPoolExecutor(workers) as pool:
        for f in [pool.submit(one, n) for n in names]:
            f.result()
    return cookies


async def set_up_devices(devices, concurrency=16, progress=1000, deadline=None):
    """Every device provisions, syncs its folders and primes Contacts (a device whose setup
    fails tries twice more, from the start). Returns (device ids that never made it, every
    failed attempt)."""
    gate = asyncio.Semaphore(concurrency)
    done = 0
    failures, errors = [], []

    async def one(d):
        nonlocal done
        async with gate:
            if deadline and time.monotonic() > deadline:
                failures.append(d.device_id)
                errors.append(f"{d.device_id}: not set up (time is up)")
                return
            for attempt in range(3):
                try:
                    await d.set_up()
                    break
                except (Odd, ConnectionError, OSError, asyncio.IncompleteReadError) as e:
                    # A phone tries again; each failed attempt is reported.
                    errors.append(f"{d.device_id} (attempt {attempt + 1}): {type(e).__name__}: {e}")
                    d.http.close()
            else:
                failures.append(d.device_id)
            done += 1
            if progress and done % progress == 0:
                print(f"  {done:,} devices set up", flush=True)

    await asyncio.gather(*(one(d) for d in devices))
    return failures, errors


# ---------------------------------------------------------------- the server process

def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


async def settle(pid, limit=60.0):
    """Waits until the server has used no more than 2 ticks of CPU in each of 3 quarter
    seconds in a row (it has finished what it was sent); the seconds waited."""
    start = time.monotonic()
    quiet = 0
    last = cpu_ticks(pid)
    while time.monotonic() - start < limit and quiet < 3:
        await asyncio.sleep(0.25)
        now = cpu_ticks(pid)
        quiet = quiet + 1 if now - last <= 2 else 0
        last = now
    return time.monotonic() - start


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))]


def ms(seconds):
    return f"{1000 * seconds:.1f} ms"


# ---------------------------------------------------------------- the push benchmark

PHONES_PER_ADDRESS = 50


def source_address(i):
    """Phone i's address: 50 phones to each of 127.0.0.2, .3, … and on into 127.0.1.x, so
    no address runs out of ports or fills the server's per-address share of connections not
    yet signed in (100 by default) when every phone connects at once."""
    n = i // PHONES_PER_ADDRESS
    return f"127.0.{n // 250}.{2 + n % 250}"


async def new_phones(port, users, waiting, count=20):
    """While `waiting` Pings wait: `count` new phones of existing users, one after another,
    each signing in (its first request checks the password), provisioning and FolderSyncing;
    prints how long the FolderSync took, and the whole first connection."""
    step = max(1, len(users) // count)
    folder_syncs, wholes, problems = [], [], []
    for i, u in enumerate(users[::step][:count]):
        d = Device(port, u, PASSWORD, f"NEW{i:04d}", device_type="NewPhone")
        try:
            t = time.perf_counter()
            await d.provision()
            f = time.perf_counter()
            await d.folder_sync()
            done = time.perf_counter()
            folder_syncs.append(done - f)
            wholes.append(done - t)
        except (Odd, ConnectionError, OSError, asyncio.IncompleteReadError) as e:
            problems.append(f"{d.device_id}: {type(e).__name__}: {e}")
        finally:
            d.http.close()
    if folder_syncs:
        print(f"a new phone while {waiting:,} Pings wait ({len(folder_syncs)} phones, one at a "
              f"time): FolderSync p50 {ms(pct(folder_syncs, 50))}, max {ms(max(folder_syncs))}; "
              f"sign-in + Provision x2 + FolderSync p50 {ms(pct(wholes, 50))}, "
              f"max {ms(max(wholes))}", flush=True)
    if problems:
        print(f"  ODD: {len(problems)} new phones failed; the first: {problems[:3]}")


def console_contact(user, kind):
    """The contact a round's console change adds ("add") or makes it into ("edit")."""
    return {"first_name": "Push", "last_name": f"{user} {kind}", "company": "Bench",
            "emails": [f"{user}.{kind}@example.it"],
            "phones": [{"kind": "mobile", "number": "+39 333 0000000"}]}


def ping_problem(d, user, done):
    """What was wrong with the device's Ping answer after a console change (`done`: the Ping
    tasks that ended in time); None for status 2 naming Contacts."""
    if d.ping_task not in done:
        return f"{user}/{d.device_id}: no Ping answer within 15 s"
    exc = d.ping_task.exception()
    if exc:
        return f"{user}/{d.device_id}: {type(exc).__name__}: {exc}"
    status, folders = d.ping_task.result()
    if status != "2" or folders != ["contacts"]:
        return f"{user}/{d.device_id}: Ping status {status}, folders {folders}"
    return None


async def fetch_and_rearm(d, user, kind, problems):
    """After its Ping's answer (status 2), a device Syncs the change (once more if that fails,
    as a phone would) and Pings again; what went wrong goes to `problems`."""
    if d.ping_task.exception():
        return
    try:
        a = await d.sync(100)
    except (Odd, ConnectionError, OSError, asyncio.IncompleteReadError) as e:
        problems.append(f"{user}/{d.device_id}: the Sync after the Ping: {e}")
        try:
            a = await d.sync(100)
        except (Odd, ConnectionError, OSError, asyncio.IncompleteReadError) as e:
            problems.append(f"{user}/{d.device_id}: the Sync again: {e}")
            return
    got = len(a.adds) if kind == "add" else len(a.changes)
    if got != 1:
        problems.append(f"{user}/{d.device_id}: the Sync after the Ping brought "
                        f"{len(a.adds)} adds, {len(a.changes)} changes")
    d.arm()


async def push(port, pid, n, sample, budget):
    start = time.monotonic()
    deadline = start + budget
    users = [f"push{i:05d}" for i in range((n + DEVICES_PER_USER - 1) // DEVICES_PER_USER)]
    print(f"push: {n:,} devices, {len(users):,} users x {DEVICES_PER_USER}, "
          f"heartbeat {HEARTBEAT} s; server pid {pid}")
    print(f"server RSS at start: {rss_mb(pid):.0f} MB")

    t = time.perf_counter()
    loop = asyncio.get_running_loop()
    cookies = await loop.run_in_executor(
        None, lambda: create_users(port, users, progress=max(100, len(users) // 10)))
    took_users = time.perf_counter() - t
    print(f"setup, users: {len(users):,} in {took_users:.1f} s "
          f"({1000 * took_users / len(users):.0f} ms each: create + enable ActiveSync + sign in "
          f"+ choose password, 4 threads)", flush=True)

    devices = {u: [] for u in users}
    all_devices = []
    for i in range(n):
        u = users[i // DEVICES_PER_USER]
        d = Device(port, u, PASSWORD, f"P{i:06d}", source=source_address(i))
        devices[u].append(d)
        all_devices.append(d)
    t = time.perf_counter()
    failures, errors = await set_up_devices(all_devices, deadline=deadline - 120)
    took_devices = time.perf_counter() - t
    print(f"setup, devices: {n - len(failures):,} of {n:,} in {took_devices:.1f} s "
          f"({1000 * took_devices / n:.1f} ms each on average: Provision x2, FolderSync, "
          f"Sync key 0, Sync; 16 at a time; the first request of each checks the password)")
    if errors:
        print(f"  ODD: {len(errors)} failed attempts ({len(failures)} devices never set up); "
              f"the first: {errors[:5]}")
    if failures:
        bad = set(failures)
        for u in users:
            devices[u] = [d for d in devices[u] if d.device_id not in bad]
        all_devices = [d for d in all_devices if d.device_id not in bad]
    print(f"setup total: {took_users + took_devices:.1f} s", flush=True)

    await settle(pid)
    before = rss_mb(pid)
    print(f"server RSS after setup, no Ping waiting: {before:.0f} MB "
          f"({open_fds(pid):,} open files)")

    # The server has closed the idle connections of setup by now (after its header timeout):
    # each Ping goes on a new one, and the old sockets are let go first.
    for d in all_devices:
        d.http.close()
    await asyncio.sleep(0.5)
    t = time.perf_counter()
    for d in all_devices:
        d.arm()
    await asyncio.sleep(0.5)
    waited = await settle(pid, limit=120)
    armed = time.perf_counter() - t
    early = [d for d in all_devices if d.ping_task.done()]
    print(f"{len(all_devices):,} Pings sent; the server was quiet again after {armed:.1f} s")
    if early:
        seen = {}
        for d in early[:1000]:
            r = d.ping_task.exception() or d.ping_task.result()
            seen[repr(r)[:120]] = seen.get(repr(r)[:120], 0) + 1
        print(f"  ODD: {len(early)} Pings answered at once: {seen}")
    await asyncio.sleep(2)
    waiting_rss = rss_mb(pid)
    print(f"server RSS while {len(all_devices) - len(early):,} Pings wait: {waiting_rss:.0f} MB "
          f"(+{waiting_rss - before:.0f} MB, {1024 * (waiting_rss - before) / max(1, len(all_devices)):.1f} KB "
          f"a Ping; {open_fds(pid):,} open files)", flush=True)

    await new_phones(port, users, len(all_devices) - len(early))

    # The sample: evenly spread over the users.
    step = max(1, len(users) // sample)
    sampled = users[::step][:sample]
    consoles = {u: Console(port, cookies[u]) for u in sampled}
    for c in consoles.values():
        await c.http.open()
    contact_ids = {}
    rounds = [("round 1: the console adds a contact", "add"),
              ("round 2: the console edits it (Pings re-armed after round 1)", "edit")]
    unanswered_total = 0
    for title, kind in rounds:
        after_commit, after_send, negative = [], [], 0
        answered = expected = 0
        problems = []
        for u in sampled:
            if time.monotonic() > deadline - 30:
                problems.append("time is up: the round stopped early")
                break
            mine = [d for d in devices[u] if d.ping_task and not d.ping_task.done()]
            contact = console_contact(u, kind)
            sent = time.perf_counter()
            contact_ids[u] = await consoles[u].save_contact(contact_ids.get(u), contact)
            committed = consoles[u].http.answered_at
            expected += len(mine)
            done, pending = await asyncio.wait([d.ping_task for d in mine], timeout=15)
            for d in mine:
                problem = ping_problem(d, u, done)
                if problem:
                    problems.append(problem)
                    continue
                answered += 1
                lat = d.http.answered_at - committed
                negative += lat < 0
                after_commit.append(lat)
                after_send.append(d.http.answered_at - sent)
            # Each device fetches the change and waits again.
            await asyncio.gather(*(fetch_and_rearm(d, u, kind, problems)
                                   for d in mine if d.ping_task in done))
            unanswered_total += len(pending)
            await settle(pid, limit=5)
        print(f"{title}: {len(sampled)} users, {answered} of {expected} waiting devices "
              f"answered with status 2")
        if after_commit:
            print(f"  from the console's answer (the commit) to the Ping's answer: "
                  f"p50 {ms(pct(after_commit, 50))}, p99 {ms(pct(after_commit, 99))}, "
                  f"max {ms(max(after_commit))}, min {ms(min(after_commit))} "
                  f"({negative} answered before the console's own answer arrived)")
            print(f"  from the console request sent: p50 {ms(pct(after_send, 50))}, "
                  f"p99 {ms(pct(after_send, 99))}, max {ms(max(after_send))}")
        if problems:
            print(f"  ODD: {len(problems)} problems; the first: {problems[:5]}")

    others = [d for u in users if u not in consoles for d in devices[u]]
    woke = [d for d in others if d.ping_task.done()]
    print(f"devices of users not in the sample whose Ping answered meanwhile: {len(woke)} "
          f"of {len(others):,}" + (f" ({[repr(d.ping_task.exception() or d.ping_task.result())[:80] for d in woke[:3]]})" if woke else ""))
    print(f"server RSS at the end: {rss_mb(pid):.0f} MB; total run {time.monotonic() - start:.0f} s",
          flush=True)
    for c in consoles.values():
        c.http.close()
    for d in all_devices:
        if d.ping_task:
            d.ping_task.cancel()
        d.http.close()
    await asyncio.sleep(0.2)


def main():
    port, pid = int(sys.argv[1]), int(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
    sample = int(sys.argv[4]) if len(sys.argv) > 4 else 50
    # Setting up takes about 16 ms a device (one password check each) on 2 cores.
    budget = 600 + 0.04 * n
    asyncio.run(asyncio.wait_for(push(port, pid, n, sample, budget), timeout=budget + 60))


if __name__ == "__main__":
    main()
