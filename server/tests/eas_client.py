"""A real EAS 16.1 client (pyactivesync) against the door, as a phone would talk to it.

Usage: eas_client.py URL USER PASSWORD DEVICE_ID
Prints one JSON line: {"folders": [[name, type], ...]} or {"error": "...", "status": N}.
"""
import json
import sys

import requests
from pyactivesync import Client

url, user, password, device_id = sys.argv[1:5]
client = Client(server="unused", username=user, password=password, device_id=device_id,
                device_type="pyactivesync")
# pyactivesync builds https:// URLs; the test server is plain http on loopback.
client._transport.base_url = url
try:
    folders = client.list_folders()
    print(json.dumps({"folders": [[f.name, int(f.type)] for f in folders],
                      "policy_key": client._transport.policy_key}))
except requests.HTTPError as e:
    print(json.dumps({"error": type(e).__name__, "status": e.response.status_code}))
finally:
    client.close()
