"""`server/bench/push-fleet.sh [N] [INSTANCES] [SAMPLE]`: N phones waiting in a Ping at once on
several instances of the server (one PostgreSQL), more phones than one process may hold open
files for. push-fleet.sh starts the instances; this script is the load generator, split into
parts (processes) of at most PART_DEVICES phones each, so no part runs out of open files either.

Each part sets up its slice of the users and their devices exactly as push.py does (the console
creates the users, each device provisions, FolderSyncs and primes Contacts); device i of the
fleet connects to instance i mod INSTANCES, so each instance holds as many and a user's phones
wait on different instances, as behind a proxy, and a console change made on one instance
reaches the phones on the others through PostgreSQL's NOTIFY. Then, with every Ping waiting:
- the instances' resident memory, summed (VmRSS), before the Pings and while all wait;
- a new phone's first connection (sign-in, Provision, FolderSync), 20 phones one at a time;
- push latency: the parts take turns (one console change at a time across the fleet); for each
  sampled user a console change (round 1 adds a contact, round 2 edits it) and, for each of the
  user's waiting devices, the time from the console's answer (the commit) to the Ping's answer.
Prints figures; asserts nothing about time.

Usage: fleet.py PORTS PIDS [N] [SAMPLE_USERS]   (PORTS and PIDS comma-separated, in order)
"""
import asyncio
import math
import multiprocessing as mp
import sys
import time

import push
from push import (DEVICES_PER_USER, PASSWORD, Console, Device, create_users, ms, pct, rss_mb,
                  set_up_devices, source_address)

PART_DEVICES = 15_000
# How long any one step of a part may take before the run gives up (seconds).
STEP_BUDGET = 3600


def cpu_ticks(pids):
    return sum(push.cpu_ticks(p) for p in pids)


def open_fds(pids):
    return sum(push.open_fds(p) for p in pids)


async def settle(pids, limit=60.0):
    """Waits until the instances together have used no more than 2 ticks of CPU a quarter
    second, 3 quarters in a row; the seconds waited."""
    start = time.monotonic()
    quiet, last = 0, cpu_ticks(pids)
    while time.monotonic() - start < limit and quiet < 3:
        await asyncio.sleep(0.25)
        now = cpu_ticks(pids)
        quiet = quiet + 1 if now - last <= 2 else 0
        last = now
    return time.monotonic() - start


class Part:
    """One load-generator process: users `users` (global indexes `first`…), their devices."""

    def __init__(self, index, parts, ports, pids, users, first_device, sample, barrier, out,
                 waiting):
        self.index, self.parts = index, parts
        self.ports, self.pids = ports, pids
        self.users, self.first_device = users, first_device
        self.sample, self.barrier, self.out = sample, barrier, out
        # How many Pings wait across the fleet (the coordinator's count, for the printout).
        self.waiting = waiting

    async def meet(self):
        """All parts (and the coordinator) reach this point; the event loop keeps running, so
        an answer that arrives meanwhile is timed when it arrives."""
        await asyncio.get_running_loop().run_in_executor(None, self.barrier.wait, STEP_BUDGET)

    def port_of(self, n):
        return self.ports[n % len(self.ports)]

    async def run(self):
        loop = asyncio.get_running_loop()
        t = time.perf_counter()
        cookies = await loop.run_in_executor(
            None, lambda: create_users(self.ports[self.index % len(self.ports)], self.users,
                                       workers=2))
        took_users = time.perf_counter() - t
        devices = {u: [] for u in self.users}
        every = []
        for k, u in enumerate(self.users):
            for j in range(DEVICES_PER_USER):
                i = self.first_device + k * DEVICES_PER_USER + j
                # Device i to instance i mod INSTANCES: each holds as many, and a user's ten
                # are spread over them.
                d = Device(self.port_of(i), u, PASSWORD, f"P{i:06d}", source=source_address(i))
                devices[u].append(d)
                every.append(d)
        t = time.perf_counter()
        failures, errors = await set_up_devices(every, concurrency=8, progress=0)
        took_devices = time.perf_counter() - t
        bad = set(failures)
        every = [d for d in every if d.device_id not in bad]
        for u in self.users:
            devices[u] = [d for d in devices[u] if d.device_id not in bad]
        self.out.put(("setup", self.index, len(self.users), took_users, len(every) + len(bad),
                      len(bad), took_devices, errors[:3], len(errors)))
        await self.meet()  # every part set up
        await self.meet()  # the coordinator measured memory

        # The setup's idle connections are let go; each Ping goes on a new connection.
        for d in every:
            d.http.close()
        await asyncio.sleep(0.5)
        for d in every:
            d.arm()
        await asyncio.sleep(0.5)
        await settle(self.pids, limit=180)
        early = [d for d in every if d.ping_task.done()]
        self.out.put(("armed", self.index, len(every), len(early),
                      [repr(d.ping_task.exception() or d.ping_task.result())[:100]
                       for d in early[:3]]))
        await self.meet()  # every Ping sent and waiting
        await self.meet()  # the coordinator measured memory

        if self.index == 0:
            await push.new_phones(self.ports[0], list(devices), self.waiting.value)
        await self.meet()

        step = max(1, len(self.users) // self.sample) if self.sample else 0
        sampled = self.users[::step][:self.sample] if step else []
        consoles = {u: Console(self.port_of(n), cookies[u]) for n, u in enumerate(sampled)}
        for c in consoles.values():
            await c.http.open()
        contact_ids = {}
        for kind in ("add", "edit"):
            for turn in range(self.parts):
                if turn == self.index:
                    result = await self.round(kind, sampled, devices, consoles, contact_ids)
                    self.out.put(("round", self.index, kind, *result))
                await self.meet()
        others = [d for u in self.users if u not in consoles for d in devices[u]]
        woke = [d for d in others if d.ping_task.done()]
        self.out.put(("woke", self.index, len(woke), len(others),
                      [repr(d.ping_task.exception() or d.ping_task.result())[:80]
                       for d in woke[:3]]))
        await self.meet()  # the coordinator has everything
        for c in consoles.values():
            c.http.close()
        for d in every:
            d.ping_task.cancel()
            d.http.close()
        await asyncio.sleep(0.2)

    async def round(self, kind, sampled, devices, consoles, contact_ids):
        """One console change for each sampled user, one after another; the latencies."""
        after_commit, problems = [], []
        answered = expected = 0
        for u in sampled:
            mine = [d for d in devices[u] if d.ping_task and not d.ping_task.done()]
            contact_ids[u] = await consoles[u].save_contact(contact_ids.get(u),
                                                            push.console_contact(u, kind))
            committed = consoles[u].http.answered_at
            expected += len(mine)
            done, _ = await asyncio.wait([d.ping_task for d in mine], timeout=15)
            for d in mine:
                problem = push.ping_problem(d, u, done)
                if problem:
                    problems.append(problem)
                else:
                    answered += 1
                    after_commit.append(d.http.answered_at - committed)

            # Each device fetches the change and waits again, as a phone does.
            await asyncio.gather(*(push.fetch_and_rearm(d, u, kind, problems)
                                   for d in mine if d.ping_task in done))
            await settle(self.pids, limit=5)
        return len(sampled), answered, expected, after_commit, problems[:5], len(problems)


def part_main(*args):
    part = Part(*args)
    asyncio.run(asyncio.wait_for(part.run(), timeout=6 * STEP_BUDGET))


def gather(out, kind, count):
    items = []
    while len(items) < count:
        item = out.get(timeout=STEP_BUDGET)
        if item[0] == kind:
            items.append(item)
        else:
            raise RuntimeError(f"expected {kind}, got {item[:3]}")
    return sorted(items, key=lambda i: i[1])


def rss_all(pids):
    each = [rss_mb(p) for p in pids]
    return sum(each), each


def main():
    ports = [int(p) for p in sys.argv[1].split(",")]
    pids = [int(p) for p in sys.argv[2].split(",")]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
    sample = int(sys.argv[4]) if len(sys.argv) > 4 else 70
    users = [f"push{i:06d}" for i in range(math.ceil(n / DEVICES_PER_USER))]
    parts = max(1, math.ceil(n / PART_DEVICES))
    per_part = math.ceil(len(users) / parts)
    print(f"fleet: {len(users) * DEVICES_PER_USER:,} devices ({len(users):,} users x "
          f"{DEVICES_PER_USER}) on {len(ports)} instances (ports {ports}), load generator in "
          f"{parts} processes; heartbeat {push.HEARTBEAT} s", flush=True)
    total, each = rss_all(pids)
    print(f"instances' RSS at start: {total:.0f} MB ({', '.join(f'{m:.0f}' for m in each)})")
    barrier = mp.Barrier(parts + 1)
    out = mp.Queue()
    waiting_total = mp.Value("i", 0)
    procs = []
    start = time.monotonic()
    for k in range(parts):
        mine = users[k * per_part:(k + 1) * per_part]
        p = mp.Process(target=part_main, args=(k, parts, ports, pids, mine,
                                               k * per_part * DEVICES_PER_USER,
                                               math.ceil(sample / parts), barrier, out,
                                               waiting_total))
        p.start()
        procs.append(p)
    try:
        setups = gather(out, "setup", parts)
        barrier.wait(STEP_BUDGET)
        made = sum(s[2] for s in setups)
        devices = sum(s[4] for s in setups)
        failed = sum(s[5] for s in setups)
        print(f"setup: {made:,} users in {max(s[3] for s in setups):.0f} s, "
              f"{devices - failed:,} of {devices:,} devices in "
              f"{max(s[6] for s in setups):.0f} s ({time.monotonic() - start:.0f} s in all; "
              f"{parts} parts at once)")
        for s in setups:
            if s[8]:
                print(f"  ODD: part {s[1]}: {s[8]} failed attempts ({s[5]} devices never set "
                      f"up); the first: {s[7]}")
        asyncio.run(settle(pids))
        before, each = rss_all(pids)
        print(f"instances' RSS after setup, no Ping waiting: {before:.0f} MB "
              f"({', '.join(f'{m:.0f}' for m in each)}; {open_fds(pids):,} open files)",
              flush=True)
        barrier.wait(STEP_BUDGET)

        armed = gather(out, "armed", parts)
        barrier.wait(STEP_BUDGET)
        waiting = sum(a[2] - a[3] for a in armed)
        waiting_total.value = waiting
        for a in armed:
            if a[3]:
                print(f"  ODD: part {a[1]}: {a[3]} Pings answered at once: {a[4]}")
        time.sleep(2)
        now, each = rss_all(pids)
        print(f"instances' RSS while {waiting:,} Pings wait: {now:.0f} MB "
              f"({', '.join(f'{m:.0f}' for m in each)}; +{now - before:.0f} MB, "
              f"{1024 * (now - before) / max(1, waiting):.1f} KB a Ping; "
              f"{open_fds(pids):,} open files)", flush=True)
        barrier.wait(STEP_BUDGET)

        barrier.wait(STEP_BUDGET)  # the new phones (part 0 prints them)
        for kind, title in (("add", "round 1: the console adds a contact"),
                            ("edit", "round 2: the console edits it (Pings re-armed)")):
            results = []
            for _ in range(parts):
                results += gather(out, "round", 1)
                barrier.wait(STEP_BUDGET)
            users_done = sum(r[3] for r in results)
            answered = sum(r[4] for r in results)
            expected = sum(r[5] for r in results)
            lat = [x for r in results for x in r[6]]
            print(f"{title}: {users_done} users, {answered} of {expected} waiting devices "
                  f"answered with status 2")
            if lat:
                print(f"  from the console's answer (the commit) to the Ping's answer: "
                      f"p50 {ms(pct(lat, 50))}, p99 {ms(pct(lat, 99))}, max {ms(max(lat))}")
            for r in results:
                if r[8]:
                    print(f"  ODD: part {r[1]}: {r[8]} problems; the first: {r[7]}")
        woke = gather(out, "woke", parts)
        barrier.wait(STEP_BUDGET)
        print(f"devices of users not in the sample whose Ping answered meanwhile: "
              f"{sum(w[2] for w in woke)} of {sum(w[3] for w in woke):,}"
              + "".join(f" {w[4]}" for w in woke if w[2]))
        end, each = rss_all(pids)
        print(f"instances' RSS at the end: {end:.0f} MB; total run "
              f"{time.monotonic() - start:.0f} s", flush=True)
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()


if __name__ == "__main__":
    main()
