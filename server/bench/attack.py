#!/usr/bin/env python3
"""Replays the attacks of issue 10 against a server on loopback and prints what came back.

`make attack` builds the release server and runs this. It starts `target/release/server serve`
(or $SERVER_BIN) on a free port with a fresh temporary data directory (SQLite, generated key,
mail written to <data>/outbox), sets users up through the server functions as the browser does
(POST /api/<fn>, form-encoded, Accept: application/json, one cookie jar per simulated browser),
runs one probe per point of the issue that can be seen from outside and prints, per probe,
what was sent and what came back. It reports; it never asserts. Each probe uses its own
loopback source addresses (127.0.N.x) so the per-address throttles of one probe do not leak
into the next. Environment: SERVER_BIN, ATTACK_FLOOD (requests of probe 3, default 100000),
ATTACK_FLOOD_SECONDS (its time budget, default 300), ATTACK_RSS_LIMIT_MB (the server is
killed and restarted past this, default 2048), ATTACK_ONLY (e.g. "1,3": only those probes).
Python 3 standard library only.
"""
import base64, concurrent.futures, email, email.policy, http.client, json, os, random, re
import shutil, socket, statistics, subprocess, tempfile, threading, time, urllib.parse
from collections import Counter

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SERVER_BIN = os.path.join(ROOT, os.environ.get("SERVER_BIN", "target/release/server"))
FLOOD = int(os.environ.get("ATTACK_FLOOD", "100000"))
FLOOD_SECONDS = float(os.environ.get("ATTACK_FLOOD_SECONDS", "300"))
RSS_LIMIT_MB = int(os.environ.get("ATTACK_RSS_LIMIT_MB", "2048"))
ONLY = [n for n in os.environ.get("ATTACK_ONLY", "").split(",") if n.strip()]
ADMIN_PW = "attack-admin-password-1"
DOOR = "/Microsoft-Server-ActiveSync"
# FolderSync with SyncKey 0 (code page 7): what a phone sends first.
FOLDER_SYNC = bytes([0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56, 0x52, 0x03, 0x30, 0x00, 0x01, 0x01])


class Server:
    """The server under attack: a fresh data dir, a free port, stopped by its PID."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="syncgate-attack-")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCGATE_")}
        self.env.update(
            SYNCGATE_DATA_DIR=self.tmp, SYNCGATE_DATABASE_URL=f"sqlite://{self.tmp}/syncgate.db",
            SYNCGATE_KEY_FILE=os.path.join(self.tmp, "secret.key"),
            SYNCGATE_LISTEN=f"127.0.0.1:{self.port}", SYNCGATE_PUBLIC_URL=self.url,
            SYNCGATE_ADMIN_PASSWORD=ADMIN_PW, SYNCGATE_SITE_ROOT=os.path.join(ROOT, "target/site"),
            SYNCGATE_LOG="info")
        self.proc = None

    def start(self):
        log = open(os.path.join(self.tmp, "server.log"), "ab")
        self.proc = subprocess.Popen([SERVER_BIN, "serve"], cwd=ROOT, env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited ({self.proc.returncode}): {self.log_tail()}")
            if send("GET", "/healthz", timeout=2).status == 200:
                return
            time.sleep(0.2)
        raise RuntimeError("no answer on /healthz within 60 s")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def rss_mb(self):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                kb = re.search(r"VmRSS:\s+(\d+)", f.read())
            return int(kb.group(1)) / 1024 if kb else 0.0
        except OSError:
            return 0.0

    def log_tail(self, n=5):
        with open(os.path.join(self.tmp, "server.log"), errors="replace") as f:
            return " | ".join(f.read().splitlines()[-n:])

    def stop(self):
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


SRV = Server()


class Resp:
    def __init__(self, status, headers=None, body=b"", secs=0.0):
        self.status, self.headers, self.body, self.secs = status, headers, body, secs

    def header(self, name):
        return self.headers.get(name) if self.headers is not None else None


def send(method, path, body=None, headers=None, src="127.0.0.1", timeout=30, conn=None):
    """One request (on `conn` if given, else a fresh connection from `src`); never raises."""
    t0 = time.monotonic()
    c = conn or http.client.HTTPConnection("127.0.0.1", SRV.port, timeout=timeout,
                                           source_address=(src, 0))
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return Resp(r.status, r.headers, r.read(), time.monotonic() - t0)
    except socket.timeout:
        return Resp("timeout", secs=time.monotonic() - t0)
    except (http.client.RemoteDisconnected, ConnectionError) as e:
        return Resp(f"dropped ({type(e).__name__})", secs=time.monotonic() - t0)
    except Exception as e:  # noqa: BLE001 - reported, never fatal
        return Resp(f"error ({type(e).__name__}: {e})", secs=time.monotonic() - t0)
    finally:
        if conn is None:
            c.close()


def answer(r):
    """A server function's answer in a few words: `LoginFailed`, `RateLimited 30s`, `ok`..."""
    try:
        v = json.loads(r.body)
    except ValueError:
        return " ".join(r.body[:100].decode(errors="replace").split()) or "(empty)"
    if isinstance(v, str):
        return v
    if isinstance(v, dict) and len(v) == 1 and isinstance(next(iter(v.values())), dict):
        (name, d), = v.items()
        if "retry_after_secs" in d:
            return f"{name} {d['retry_after_secs']}s"
        if "msg" in d:
            return f"{name} {d.get('field')}: {d['msg']}"
        return name
    if isinstance(v, dict) and len(v) == 1:
        return " ".join(f"{k}: {x}" for k, x in v.items())[:100]
    if isinstance(v, dict) and "lang" in v:
        u = v.get("user")
        flags = [k for k, x in (u or {}).items() if x is True and k != "is_admin"]
        extra = [k for k, x in v.items() if k not in ("user", "lang") and x not in (None, False)]
        who = f"signed in as {u['username']}" if u else "not signed in"
        return " ".join([who] + flags + [f"{k}={v[k]}" for k in extra])
    return "ok " + json.dumps(v)[:60] if v is not None else "ok"


def kind(r):
    """`500 LoginFailed`, `422 Invalid code: CodeWrong`: a server function's answer without
    the seconds of a wait, for tallies."""
    return f"{r.status} {re.sub(r' [0-9]+s$', '', answer(r))}" if isinstance(r.status, int) else str(r.status)


def tally(items):
    return ", ".join(f"{k} x{n}" for k, n in Counter(items).items()) or "nothing"


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class Browser:
    """One simulated browser: its cookie jar and its client address."""

    def __init__(self, src="127.0.0.1"):
        self.src, self.cookies, self.lock = src, {}, threading.Lock()

    def request(self, method, path, body=None, headers=None, timeout=30):
        h = dict(headers or {})
        with self.lock:
            if self.cookies:
                h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        r = send(method, path, body, h, self.src, timeout)
        if r.headers is not None:
            with self.lock:
                for c in r.headers.get_all("Set-Cookie") or []:
                    name, _, value = c.split(";")[0].partition("=")
                    if re.search(r"max-age=0\b|expires=[^;]*19[67]0", c, re.I):
                        self.cookies.pop(name.strip(), None)
                    else:
                        self.cookies[name.strip()] = value.strip()
        return r

    def api(self, fn, headers=None, **fields):
        h = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded",
             "Origin": SRV.url, "Sec-Fetch-Site": "same-origin"}
        h.update(headers or {})
        return self.request("POST", "/api/" + fn, urllib.parse.urlencode(fields).encode(), h)


def door(user, password, device, src, body=FOLDER_SYNC, cmd="FolderSync", timeout=30, conn=None):
    q = urllib.parse.urlencode({"Cmd": cmd, "User": user, "DeviceId": device, "DeviceType": "SmartPhone"})
    h = {"Authorization": basic(user, password), "MS-ASProtocolVersion": "14.1",
         "Content-Type": "application/vnd.ms-sync.wbxml", "User-Agent": "attack.py"}
    return send("POST", f"{DOOR}?{q}", body, h, src, timeout, conn)


def burst(n, fn):
    """fn(i) for i in 0..n, all released at once; results in order."""
    gate = threading.Barrier(n)

    def run(i):
        gate.wait()
        return fn(i)
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def outbox_names():
    box = os.path.join(SRV.tmp, "outbox")
    return set(os.listdir(box)) if os.path.isdir(box) else set()


def outbox_code(address, seen, wait=10.0):
    """The six-digit code of the first mail with a code to `address` not in `seen` (file
    names, updated), as the user reads it in the plain-text part."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        for name in sorted(outbox_names() - seen):
            with open(os.path.join(SRV.tmp, "outbox", name), "rb") as f:
                msg = email.message_from_binary_file(f, policy=email.policy.default)
            if address in str(msg["To"]):
                seen.add(name)
                code = re.search(r"\b(\d{6})\b", msg.get_body(("plain",)).get_content())
                if code:
                    return code.group(1)
        time.sleep(0.2)
    return None


ADMIN = Browser()


def ensure(r, what):
    if r.status != 200:
        raise RuntimeError(f"{what}: {r.status} {answer(r)}")
    return r


def choose_password(b, old, new):
    """A first own password: the "choose your password" step (me/choose-password), or on an
    older server the ordinary change after re-authentication."""
    r = b.api("me/choose-password", new_password=new, confirm_password=new)
    if r.status in (400, 404) and "choose-password" in r.body.decode(errors="replace"):
        r = b.api("me/password", new_password=new, confirm_password=new)
    if r.status != 200 and "Reauth" in answer(r):
        ensure(b.api("reauth", reauth_password=old), "re-authentication")
        r = b.api("me/password", new_password=new, confirm_password=new)
    return ensure(r, "choosing the own password")


def make_user(name, password, activesync=False, src="127.0.0.1", own=True):
    """Creates `name` as the admin does; signs in from `src` and picks `password` (own=True)
    or keeps the admin-set `password` (own=False). Returns (id, signed-in browser)."""
    onetime = password if not own else f"{name}-one-time-9"
    uid = json.loads(ensure(ADMIN.api("users/create", username=name, email=f"{name}@example.it",
                                      first_name="Probe", last_name=name, password=onetime),
                            f"creating {name}").body)
    if activesync:
        ensure(ADMIN.api("users/activesync", id=str(uid), enabled="true"), "enabling ActiveSync")
    b = Browser(src)
    if own:
        ensure(b.api("login", username=name, password=onetime), f"signing in as {name}")
        choose_password(b, onetime, password)
    return uid, b


def probe(title):
    """Runs a probe function, printing its block; an exception is printed, never fatal."""
    def wrap(fn):
        def run():
            print(f"== {title}", flush=True)
            try:
                if not SRV.alive():
                    print("   (the server was down: restarted)")
                    SRV.start()
                fn(lambda line: print("   " + line, flush=True))
            except Exception as e:  # noqa: BLE001
                print(f"   probe failed: {type(e).__name__}: {e}", flush=True)
            print(flush=True)
        if not ONLY or title.split(".")[0] in ONLY:
            PROBES.append(run)
        return fn
    return wrap


PROBES = []


@probe("1. Door: guessing by cycling DeviceIds (FolderSync, Basic auth)")
def p1(out):
    make_user("door1", "door1-right-pw-1", activesync=True)
    out(f"victim phone before the attack: {door('door1', 'door1-right-pw-1', 'VictimPhone1', '127.0.1.2').status}")
    rs = [door("door1", f"wrong-guess-{i}", f"Guess{i:04d}", "127.0.1.1") for i in range(30)]
    after = [r.header("Retry-After") for r in rs if r.header("Retry-After")]
    out(f"30 distinct wrong passwords from 30 DeviceIds: {tally(r.status for r in rs)}"
        + (f" (Retry-After {after[0]}..{after[-1]})" if after else ""))
    out(f"right password from a new DeviceId: {door('door1', 'door1-right-pw-1', 'GuessRight', '127.0.1.1').status}")
    r = door("door1", "door1-right-pw-1", "VictimPhone1", "127.0.1.2")
    out(f"right password from the victim's phone (signed in before): {r.status} in {r.secs * 1000:.0f} ms")
    for n in "abc":
        make_user(f"time1{n}", f"time1{n}-right-pw", activesync=True)
    known = [door(f"time1{n}", f"wrong-{i}", f"T{n}{i}", "127.0.1.3") for n in "abc" for i in range(4)]
    unknown = [door(f"ghost1{i}", f"wrong-{i}", f"U{i}", f"127.0.1.{100 + i}") for i in range(12)]
    rs = [door(f"ghost1x{i}", f"wrong-{i}", f"V{i}", "127.0.1.4") for i in range(25)]
    out(f"25 unknown usernames from one client address: {tally(r.status for r in rs)}")
    for label, rs in (("timing: known user, wrong password", known),
                      ("timing: unknown username, one per address", unknown)):
        out(f"{label}: median {statistics.median(r.secs for r in rs) * 1000:.1f} ms over "
            f"{len(rs)} ({tally(r.status for r in rs)})")


@probe("2. Door: WBXML string-table bomb (1 MiB body, FolderSync)")
def p2(out):
    make_user("phone", "phone-right-pw-1", activesync=True)
    out(f"phone signs in: {door('phone', 'phone-right-pw-1', 'GoodPhone1', '127.0.2.1').status}")
    table = b"A" * (512 * 1024 - 1) + b"\x00"
    head = bytes([0x03, 0x01, 0x6A]) + mb_u32(len(table)) + table + bytes([0x45])
    refs = ((1 << 20) - 64 - len(head)) // 2
    body = head + bytes([0x83, 0x00]) * refs + bytes([0x01])
    out(f"sent: {len(body)} bytes, a {len(table)}-byte string table, {refs} STR_T references to offset 0")
    before, peak, done = SRV.rss_mb(), [SRV.rss_mb()], threading.Event()

    def watch():
        while not done.wait(0.1):
            peak[0] = max(peak[0], SRV.rss_mb())
            if peak[0] > RSS_LIMIT_MB and SRV.alive():
                SRV.proc.kill()
                out(f"RSS passed {RSS_LIMIT_MB} MB: the server was killed")
    threading.Thread(target=watch, daemon=True).start()
    r = door("phone", "phone-right-pw-1", "GoodPhone1", "127.0.2.1", body=body, timeout=30)
    done.set()
    out(f"got: {r.status} in {r.secs * 1000:.0f} ms: {answer(r)}")
    out(f"server RSS: {before:.0f} MB before, peak {peak[0]:.0f} MB, {SRV.rss_mb():.0f} MB after"
        + ("" if SRV.alive() else " (server dead)"))


def mb_u32(n):
    out = [n & 0x7F]
    while n > 0x7F:
        n >>= 7
        out.insert(0, 0x80 | (n & 0x7F))
    return bytes(out)


@probe(f"3. Door: flood of {FLOOD} wrong passwords from distinct DeviceIds")
def p3(out):
    if not user_exists("phone"):
        make_user("phone", "phone-right-pw-1", activesync=True)
    make_user("flood", "flood-right-pw-1", activesync=True)
    warm = door("phone", "phone-right-pw-1", "GoodPhone1", "127.0.3.9")
    r = door("phone", "phone-right-pw-1", "GoodPhone1", "127.0.3.9")
    out(f"working phone before: {warm.status} ({warm.secs * 1000:.0f} ms), then {r.status} ({r.secs * 1000:.1f} ms)")
    out(f"sent: half to account 'flood', half to unknown names ghostN, 16 keep-alive connections, "
        f"budget {FLOOD_SECONDS:.0f} s")
    before, counts, nxt = SRV.rss_mb(), Counter(), iter(range(FLOOD))
    peak = before
    lock, deadline, t0 = threading.Lock(), time.monotonic() + FLOOD_SECONDS, time.monotonic()

    def worker():
        conn = None
        while time.monotonic() < deadline:
            with lock:
                i = next(nxt, None)
            if i is None:
                break
            conn = conn or http.client.HTTPConnection("127.0.0.1", SRV.port, timeout=30,
                                                      source_address=("127.0.3.1", 0))
            who = "flood" if i % 2 == 0 else f"ghost{i}"
            r = door(who, f"wrong-{i}", f"Flood{i}", "", conn=conn)
            if not isinstance(r.status, int):
                conn.close()
                conn = None
            with lock:
                counts[f"{who.rstrip('0123456789')} {str(r.status).split()[0]}"] += 1
    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    during = []
    while any(t.is_alive() for t in threads):
        time.sleep(1)
        peak = max(peak, SRV.rss_mb())
        if len(during) < 60:
            during.append(door("phone", "phone-right-pw-1", "GoodPhone1", "127.0.3.9"))
    for t in threads:
        t.join()
    secs = time.monotonic() - t0
    out(f"{sum(counts.values())} requests in {secs:.1f} s ({sum(counts.values()) / secs:.0f}/s): {tally(sorted(counts.elements()))}")
    out(f"server RSS: {before:.0f} MB before, peak {peak:.0f} MB (sampled 1/s), {SRV.rss_mb():.0f} MB after")
    if during:
        out(f"working phone during the flood (1/s): {tally(r.status for r in during)}, "
            f"median {statistics.median(r.secs for r in during) * 1000:.1f} ms, max {max(r.secs for r in during) * 1000:.0f} ms")
    r = door("phone", "phone-right-pw-1", "GoodPhone1", "127.0.3.9")
    out(f"working phone after: {r.status} in {r.secs * 1000:.1f} ms")


def user_exists(name):
    r = ADMIN.api("users/list")
    return r.status == 200 and any(u.get("username") == name for u in json.loads(r.body))


@probe("4. Console: 100 concurrent wrong passwords (login and re-authentication)")
def p4(out):
    make_user("login4", "login4-right-pw")
    t0 = time.monotonic()
    rs = burst(100, lambda i: Browser("127.0.4.1").api("login", username="login4", password=f"wrong-{i:03d}-pw"))
    out(f"100 concurrent POST /api/login, distinct wrong passwords: {tally(kind(r) for r in rs)} "
        f"({time.monotonic() - t0:.1f} s)")
    _, b = make_user("reauth4", "reauth4-right-pw", src="127.0.4.2")
    t0 = time.monotonic()
    rs = burst(100, lambda i: b.api("reauth", reauth_password=f"wrong-{i:03d}-pw"))
    out(f"100 concurrent POST /api/reauth from a signed-in session: {tally(kind(r) for r in rs)} "
        f"({time.monotonic() - t0:.1f} s)")


@probe("5. Console: over-long passwords on a throttled account; X-Forwarded-For")
def p5(out):
    make_user("lock5", "lock5-right-pw")
    login = lambda user, pw, src, h=None: Browser(src).api("login", h, username=user, password=pw)
    rs = [login("lock5", f"wrong-{i}-password", "127.0.5.1") for i in range(6)]
    out(f"6 wrong passwords: {', '.join(answer(r) for r in rs)}")
    rs = [login("lock5", f"{i}" + "x" * 2000, "127.0.5.1") for i in range(5)]
    out(f"then 5 over-long (2001 chars): {', '.join(answer(r) for r in rs)}")
    out(f"then a normal wrong password: {answer(login('lock5', 'wrong-again-password', '127.0.5.1'))}")
    out(f"the owner's right password from another address: {answer(login('lock5', 'lock5-right-pw', '127.0.5.2'))}")
    make_user("xff5", "xff5-right-pw")
    xff = lambda: {"X-Forwarded-For": ".".join(str(random.randint(1, 254)) for _ in range(4))}
    rs = [login("xff5", f"wrong-{i}-password", "127.0.5.3", xff()) for i in range(8)]
    out(f"8 wrong passwords for xff5, random X-Forwarded-For each: {tally(kind(r) for r in rs)}")
    rs = [login(f"nobody5x{i}", "wrong-password-1", "127.0.5.4", xff()) for i in range(25)]
    out(f"25 unknown usernames from one socket address, random X-Forwarded-For each: {tally(kind(r) for r in rs)}")


@probe("6. Console: ?next= on /login for a signed-in user (no redirects followed)")
def p6(out):
    for nxt in ("/%09/evil.example", "//evil.example", "/%0A", "/%5Cevil.example", "https://evil.example/"):
        r = ADMIN.request("GET", f"/login?next={nxt}")
        out(f"GET /login?next={nxt}: {r.status}, Location: {r.header('Location')}")


@probe("7. Console: 300 concurrent guesses against one emailed login code")
def p7(out):
    _, b = make_user("code7", "code7-right-pw", src="127.0.7.1")
    seen = outbox_names()
    ensure(b.api("reauth", reauth_password="code7-right-pw"), "re-authentication")
    ensure(b.api("two-factor/enrol", resend="false"), "starting 2FA enrolment")
    ensure(b.api("two-factor/confirm", code=outbox_code("code7@example.it", seen)), "confirming 2FA")
    out("code7 has 2FA by email; a new browser signs in with the right password")
    p = Browser("127.0.7.2")
    out(f"password step: {answer(p.api('login', username='code7', password='code7-right-pw'))}")
    right = outbox_code("code7@example.it", seen)
    wrong = [f"{c:06d}" for c in random.sample(range(10**6), 301) if f"{c:06d}" != right][:300]
    t0 = time.monotonic()
    rs = burst(300, lambda i: p.api("login/code", code=wrong[i]))
    out(f"300 concurrent wrong codes: {tally(kind(r) for r in rs)} ({time.monotonic() - t0:.1f} s)")
    out(f"then the right code: {kind(p.api('login/code', code=right))}")


@probe("8. Login password equal to the sync password")
def p8(out):
    _, b = make_user("same8", "same8-login-pw", activesync=True, src="127.0.8.1")
    ensure(b.api("reauth", reauth_password="same8-login-pw"), "re-authentication")
    sync = "same8-sync-password"
    out(f"sync password set: {kind(b.api('activesync/change', new_sync_password=sync, confirm_sync_password=sync))}")
    r = b.api("me/password", new_password=sync, confirm_password=sync)
    out(f"own change of the login password to the sync password: {r.status} {answer(r)}")
    cli = subprocess.run([SERVER_BIN, "reset-password", "same8"], input=sync + "\n", env=SRV.env,
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    last = (cli.stdout + cli.stderr).strip().splitlines()[-1:] or [""]
    out(f"CLI reset-password same8 to the sync password: exit {cli.returncode}: {last[0][:120]}")


@probe("9. Sign in with an admin-set (one-time) password")
def p9(out):
    make_user("once9", "once9-admin-set-pw", activesync=True, own=False)
    r = door("once9", "once9-admin-set-pw", "OncePhone1", "127.0.9.1")
    out(f"door, FolderSync with the one-time password: {r.status}")
    b = Browser("127.0.9.2")
    out(f"console login: {answer(b.api('login', username='once9', password='once9-admin-set-pw'))}")
    out(f"then POST /api/me/language: {kind(b.api('me/language', language='en'))}; "
        f"POST /api/me/devices: {kind(b.api('me/devices'))}")
    r = b.request("GET", "/preferences")
    out(f"then GET /preferences: {r.status}, Location: {r.header('Location')}")


@probe("10. Console: cross-site requests and security headers")
def p10(out):
    make_user("csrf10", "csrf10-right-pw")
    body = urllib.parse.urlencode({"username": "csrf10", "password": "csrf10-right-pw"}).encode()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for label, h in (("Origin: https://evil.example, Sec-Fetch-Site: cross-site",
                      {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}),
                     ("Sec-Fetch-Site: cross-site, no Origin", {"Sec-Fetch-Site": "cross-site"})):
        b = Browser("127.0.10.1")
        r = b.request("POST", "/api/login", body, {**form, **h})
        out(f"form POST /api/login (right password), {label}: {r.status} {answer(r)[:40]}"
            + (f", Location: {r.header('Location')}" if r.header("Location") else "")
            + f"; session cookie: {'set' if b.cookies else 'none'}")
    r = send("GET", "/login", src="127.0.10.2")
    out(f"GET /login: {r.status}")
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
                 "Cache-Control", "X-Frame-Options"):
        v = r.header(name)
        out(f"  {name}: {v or '(absent)'}")


@probe("11. Console: statuses")
def p11(out):
    make_user("stat11", "stat11-right-pw")
    b = Browser("127.0.11.1")
    for label, r in (("wrong password, POST /api/login", b.api("login", username="stat11", password="wrong-pw-11")),
                     ("missing field, POST /api/login (no password)", b.api("login", username="stat11")),
                     ("not signed in, POST /api/me/profile", b.api("me/profile")),
                     ("unknown function, POST /api/nope", b.api("nope"))):
        out(f"{label}: {r.status} {answer(r)[:60]}")


def main():
    try:
        print("== 0. Setup", flush=True)
        SRV.start()
        r = ADMIN.api("login", username="admin", password=ADMIN_PW)
        print(f"   server {os.path.relpath(SERVER_BIN, ROOT)} pid {SRV.proc.pid} on {SRV.url}, "
              f"RSS {SRV.rss_mb():.0f} MB; admin login: {answer(r)}\n", flush=True)
        if "must_change_password" in answer(r):
            choose_password(ADMIN, ADMIN_PW, ADMIN_PW + "-own")
        for run in PROBES:
            run()
    except Exception as e:  # noqa: BLE001
        print(f"   setup failed: {e}")
    finally:
        SRV.stop()
        shutil.rmtree(SRV.tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
