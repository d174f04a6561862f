"""A phone's contacts through pyactivesync (a real EAS 16.1 client), one step per run; the
phone's sync key is kept in STATE (a JSON file) between runs.

Usage: eas_phone.py URL USER PASSWORD DEVICE_ID STATE STEP [ARGS...]
Steps (each prints one JSON line):
  first-sync WINDOW        prime (key 0), estimate, then sync until nothing more is waiting:
                           {"estimate", "requests", "names": [...], "ids": {name: server_id}}
  sync                     the changes since the kept key: {"added", "changed", "deleted"}
  add FIRST LAST           {"server_id", "status"}
  add-lost FIRST LAST      the same add sent twice on the same key (the first answer is
                           dropped, as if lost): {"first", "second"} server ids
  change ID FIRST LAST     {"status"} (the item's status: "1" applied, "7" conflict)
  delete ID                {"status"}
  ping SECONDS             waits for a change: {"status", "folders"}
  cal-first-sync           the same for the Calendar folder: {"events": [{"id", fields...}]}
  cal-sync                 the Calendar's changes since the kept key: {"added", "changed", "deleted"}
  cal-delete ID            deletes an event: {"status"}
  cal-delete-occurrence ID INSTANCE
                           deletes one occurrence of a series (16.x InstanceId, compact UTC):
                           {"status"}
"""
import json
import sys
import uuid

import requests
from pyactivesync import Client
from pyactivesync.models import Contact, ContactChange

url, user, password, device_id, state_file, step, *args = sys.argv[1:]
client = Client(server="unused", username=user, password=password, device_id=device_id,
                device_type="pyactivesync")
# pyactivesync builds https:// URLs; the test server is plain http on loopback.
client._transport.base_url = url


def load():
    try:
        with open(state_file) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def save(key):
    with open(state_file, "w") as f:
        json.dump({"key": key}, f)


# pyactivesync has no Calendar code page (MS-ASWBXML page 4): it names those tags by token.
CALENDAR = {"0x05": "TimeZone", "0x06": "AllDayEvent", "0x12": "EndTime", "0x24": "Reminder",
            "0x26": "Subject", "0x27": "StartTime", "0x28": "UID"}


def fields(item):
    named = {k.split(".")[-1]: v for k, v in item.fields.items()}
    return {CALENDAR.get(k, k): v for k, v in named.items()}


def sync_all(key, window, folder="contacts"):
    names, ids, requests_made = [], {}, 0
    added, changed, deleted = [], [], []
    while True:
        r = client.sync_folder(folder, key, window_size=window)
        requests_made += 1
        key = r.sync_key
        for item in r.added:
            f = fields(item)
            name = f"{f.get('FirstName', '')} {f.get('LastName', '')}".strip()
            names.append(name)
            ids[name] = item.server_id
            added.append({"id": item.server_id, **f})
        changed += [{"id": i.server_id, **fields(i)} for i in r.changed]
        deleted += r.deleted
        if not r.more_available:
            return key, requests_made, names, ids, added, changed, deleted


try:
    key = load().get("key", "0")
    if step == "first-sync":
        window = int(args[0])
        # As a phone does first: the folder list.
        client.list_folders()
        first = client.sync_folder("contacts", "0", window_size=window)
        estimate = client.get_item_estimate("contacts", first.sync_key)
        key, n, names, ids, *_ = sync_all(first.sync_key, window)
        save(key)
        print(json.dumps({"estimate": estimate, "requests": n, "names": names, "ids": ids}))
    elif step == "sync":
        key, _, _, _, added, changed, deleted = sync_all(key, 100)
        save(key)
        print(json.dumps({"added": added, "changed": changed, "deleted": deleted}))
    elif step in ("add", "add-lost"):
        contact = Contact(first_name=args[0], last_name=args[1])
        client_id = uuid.uuid4().hex
        first = client.create_contact("contacts", key, contact, client_id=client_id)
        if step == "add":
            save(first.sync_key)
            print(json.dumps({"server_id": first.server_id, "status": first.status}))
        else:
            # The answer was lost: the phone still holds `key` and sends the same add again.
            second = client.create_contact("contacts", key, contact, client_id=client_id)
            save(second.sync_key)
            print(json.dumps({"first": first.server_id, "second": second.server_id}))
    elif step == "change":
        change = ContactChange(server_id=args[0], contact=Contact(first_name=args[1], last_name=args[2]))
        r = client.apply_contact_changes("contacts", key, [change], deletes_as_moves=False)
        save(r.sync_key)
        print(json.dumps({"status": r.statuses[args[0]]}))
    elif step == "delete":
        r = client.apply_contact_changes("contacts", key, [ContactChange(server_id=args[0], delete=True)],
                                         deletes_as_moves=False)
        save(r.sync_key)
        print(json.dumps({"status": r.statuses[args[0]]}))
    elif step == "cal-first-sync":
        client.list_folders()
        first = client.sync_folder("calendar", "0")
        key, _, _, _, added, _, _ = sync_all(first.sync_key, 100, "calendar")
        save(key)
        print(json.dumps({"events": added}))
    elif step == "cal-sync":
        key, _, _, _, added, changed, deleted = sync_all(key, 100, "calendar")
        save(key)
        print(json.dumps({"added": added, "changed": changed, "deleted": deleted}))
    elif step == "cal-delete":
        r = client.apply_contact_changes("calendar", key, [ContactChange(server_id=args[0], delete=True)],
                                         deletes_as_moves=False)
        save(r.sync_key)
        print(json.dumps({"status": r.statuses[args[0]]}))
    elif step == "cal-delete-occurrence":
        # pyactivesync has no call for one occurrence: its own Sync plumbing with the 16.x
        # InstanceId beside the ServerId.
        from pyactivesync import _codepages
        from pyactivesync.client import wtag
        # …nor AirSyncBase's InstanceId (MS-ASWBXML: page 17, token 0x2D).
        _codepages.CODEPAGES["AirSyncBase"]["InstanceId"] = 0x2D
        delete = wtag("AirSync", "Delete", children=[
            wtag("AirSync", "ServerId", text=args[0]),
            wtag("AirSyncBase", "InstanceId", text=args[1]),
        ])
        new_key, statuses = client._sync_mutate("calendar", key, [delete], {args[0]: "1"}, False)
        save(new_key)
        print(json.dumps({"status": statuses[args[0]]}))
    elif step == "ping":
        r = client.ping(["contacts"], folder_class="Contacts", heartbeat=int(args[0]),
                        timeout=int(args[0]) + 30)
        print(json.dumps({"status": r.status, "folders": r.changed_folder_ids}))
    else:
        raise SystemExit(f"unknown step {step}")
except requests.HTTPError as e:
    print(json.dumps({"error": type(e).__name__, "status": e.response.status_code}))
finally:
    client.close()
