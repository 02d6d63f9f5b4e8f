#!/usr/bin/env python3
"""Seeds a `handoff-sim serve --fixtures Benchmarks/server-fixtures.yaml` server for scripts/bench-server and prints
the requests to measure, one per line: NAME<TAB>PATH<TAB>HEADER (the header may be empty).

  status    the widget's status poll of an active handoff
  messages  the widget's messages poll of that handoff, which holds 3 messages
  pending   the agent's pending queue (3 waiting requests)
  active    the agent's active list (the one active chat)

Loopback only; every loop is bounded. Usage: bench-server-seed.py PORT"""
import http.client, json, sys

port = int(sys.argv[1])
KEY = "embellics_6b6c3b2f0de478f07faa9de113103853acb3e5c08f4ee18e3e61764fb3fbc8d2"
REFERRER = "https://acme.test/"
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def call(method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    conn.request(method, path, json.dumps(body) if body is not None else None, headers)
    response = conn.getresponse()
    data = response.read()
    if response.status >= 300:
        sys.exit(f"{method} {path}: {response.status} {data[:200]!r}")
    return json.loads(data) if data else None


token = call("POST", "/api/auth/login", {"email": "ann@acme.test", "password": "ann-password-1"})["token"]
handoffs = []
for n in range(4):
    created = call("POST", "/api/widget/handoff", {"apiKey": KEY, "chatId": f"bench-{n}", "referrer": REFERRER})
    if created["status"] != "pending":
        sys.exit(f"request {n} was not queued: {created}")
    handoffs.append(created["handoffId"])
chat = handoffs[0]
call("POST", f"/api/widget-handoffs/{chat}/pickup", {}, token)
call("POST", f"/api/widget-handoffs/{chat}/send-message", {"message": "Hi, I'm Ann. How can I help?"}, token)
call("POST", f"/api/widget/handoff/{chat}/message", {"apiKey": KEY, "message": "My order 4711 is late.", "referrer": REFERRER})
call("POST", f"/api/widget-handoffs/{chat}/send-message", {"message": "Let me look that up for you."}, token)
query = f"?apiKey={KEY}&referrer=acme.test"
auth = f"Authorization: Bearer {token}"
print(f"status\t/api/widget/handoff/{chat}/status{query}\t")
print(f"messages\t/api/widget/handoff/{chat}/messages{query}\t")
print(f"pending\t/api/widget-handoffs/pending\t{auth}")
print(f"active\t/api/widget-handoffs/active\t{auth}")
