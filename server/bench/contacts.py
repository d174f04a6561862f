"""`make bench-contacts`: the contacts pages with 10,000 contacts, on a release server on
loopback (started by contacts.sh). Prints figures; asserts nothing about time.

- adding 10,000 contacts one by one through the API (contacts/s, keep-alive connection);
- /contacts, the first page rendered on the server (median and p90 of 100);
- /contacts?q=... searching the 10,000 (median and p90 of 100);
- /contacts?page=150, a page near the end (median and p90 of 100);
- importing a vCard file of 5,000 contacts (upload to report, and contacts/s).
"""
from client import Client
import json
import random
import sys
import time

port = int(sys.argv[1])
client = Client(port)
call = client.call


client.log_in("bench", "bench-password-1")

first = ["Anna", "Marco", "Giulia", "Luca", "Sara", "Paolo", "Elena", "Davide", "Chiara", "Andrea"]
last = ["Rossi", "Bianchi", "Verdi", "Russo", "Ferrari", "Esposito", "Romano", "Colombo", "Ricci", "Marino"]
random.seed(7)
start = time.perf_counter()
for i in range(10_000):
    f, l = random.choice(first), random.choice(last)
    contact = {"first_name": f, "last_name": f"{l}{i}", "company": f"Azienda {i % 300}",
               "emails": [f"{f.lower()}.{l.lower()}{i}@example.it"],
               "phones": [{"kind": "mobile", "number": f"+39 333 {i:07d}"}]}
    status, body = call("POST", "/api/contacts/save", json.dumps({"id": None, "contact": contact}),
                        {"Content-Type": "application/json"})
    assert status == 200, (status, body[:200])
added = time.perf_counter() - start


timed = client.timed

print(f"add 10,000 contacts via the API: {10_000 / added:,.0f} contacts/s ({added:.1f} s)")
print(f"/contacts (first page of 10,000):   {timed('/contacts')}")
print(f"/contacts?q=rossi%20azienda (search): {timed('/contacts?q=rossi%20azienda')}")
print(f"/contacts?page=150 (near the end):  {timed('/contacts?page=150')}")


def import_file(cards):
    """Uploads a .vcf as the console's form does, then waits for the report."""
    boundary = "benchboundary7d93"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bench.vcf\"\r\n"
            f"Content-Type: text/vcard\r\n\r\n{cards}\r\n--{boundary}--\r\n").encode()
    start = time.perf_counter()
    client.conn.request("POST", "/contacts/import", body=body, headers={
        "Cookie": client.cookie, "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Origin": f"http://127.0.0.1:{port}"})
    r = client.conn.getresponse()
    r.read()
    location = r.getheader("Location") or ""
    assert r.status == 303 and location.startswith("/imports/"), (r.status, location)
    import_id = location.rsplit("/", 1)[1]
    while True:
        status, data = call("POST", "/api/imports/get", f"id={import_id}",
                            {"Content-Type": "application/x-www-form-urlencoded"})
        report = json.loads(data)
        if report["finished"]:
            return time.perf_counter() - start, report
        time.sleep(0.05)


cards = "".join(
    f"BEGIN:VCARD\r\nVERSION:4.0\r\nUID:bench-import-{i}\r\nFN:Importato {i}\r\nN:Importato{i};Nome;;;\r\n"
    f"ORG:Azienda {i % 300}\r\nEMAIL:importato{i}@example.it\r\nTEL;TYPE=cell:+39 320 {i:07d}\r\n"
    f"ADR;TYPE=work:;;Via Roma {i};Milano;MI;20100;Italia\r\nBDAY:1980-01-{1 + i % 28:02d}\r\nEND:VCARD\r\n"
    for i in range(5_000))
took, report = import_file(cards)
print(f"import a 5,000-contact vCard file ({len(cards) / 1e6:.1f} MB): {took:.2f} s to the report, "
      f"{5_000 / took:,.0f} contacts/s (added {report['added']}, skipped {len(report['skipped'])})")
took, report = import_file(cards)
print(f"the same file again (all updated by UID): {took:.2f} s (updated {report['updated']})")
