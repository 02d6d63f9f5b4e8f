#!/usr/bin/env python3
"""While LOGINS threads log in as fast as they can, one thread times POST /api/widget/init (a
store command) every 2 ms for SECONDS; prints logins/s and the probe's latency percentiles.
Loopback only, bounded by time. Used by scripts/bench-login.

Usage: bench-login-probe.py PORT LOGINS SECONDS"""
import http.client, json, threading, time, sys
port = int(sys.argv[1]); logins = int(sys.argv[2]); seconds = float(sys.argv[3])
stop = time.time() + seconds
count = [0]
def login():
    c = http.client.HTTPConnection("127.0.0.1", port)
    while time.time() < stop:
        c.request("POST", "/api/auth/login", json.dumps({"email": "ann@acme.test", "password": "ann-password-1"}), {"Content-Type": "application/json"})
        r = c.getresponse(); r.read(); assert r.status == 200, r.status
        count[0] += 1
ts = [threading.Thread(target=login) for _ in range(logins)]
for t in ts: t.start()
c = http.client.HTTPConnection("127.0.0.1", port)
lat = []
body = json.dumps({"apiKey": "embellics_6b6c3b2f0de478f07faa9de113103853acb3e5c08f4ee18e3e61764fb3fbc8d2", "referrer": "https://acme.test/"})
while time.time() < stop:
    t0 = time.perf_counter()
    c.request("POST", "/api/widget/init", body, {"Content-Type": "application/json"})
    r = c.getresponse(); r.read(); assert r.status == 200, r.status
    lat.append((time.perf_counter() - t0) * 1000)
    time.sleep(0.002)
for t in ts: t.join()
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print(f"{logins} login loops: {count[0]/seconds:.0f} logins/s; widget/init n={len(lat)} p50 {q(0.5):.2f} ms p90 {q(0.9):.2f} ms p99 {q(0.99):.2f} ms max {lat[-1]:.2f} ms")
