#!/usr/bin/env python3
"""Logs in back to back as one agent for SECONDS (loopback, bounded by time) and prints the
login count and latency percentiles. Used by scripts/bench-server, beside a wrk run on the
status poll. Usage: bench-server-logins.py PORT SECONDS"""
import http.client, json, sys, time

port = int(sys.argv[1])
stop = time.time() + float(sys.argv[2])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
body = json.dumps({"email": "ann@acme.test", "password": "ann-password-1"})
latencies = []
while time.time() < stop:
    t0 = time.perf_counter()
    conn.request("POST", "/api/auth/login", body, {"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        sys.exit(f"login: {response.status}")
    latencies.append((time.perf_counter() - t0) * 1000)
latencies.sort()
q = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))]
print(f"logins: {len(latencies)} back to back, p50 {q(0.5):.0f} ms, p99 {q(0.99):.0f} ms")
