#!/usr/bin/env python3
"""probe.py - bench/run.sh's timed single requests, one at a time (stdlib only).

usage:
  probe.py first-page URL KEY QUERIES        one GET per line of QUERIES (list targets), in order, each
                                             timed alone; prints "ms=M status=S" per line
  probe.py orgs URL TOKEN N                  N x POST /_parley/orgs {} (plus 10 untimed first); prints
                                             "n=N p50_us=.. p90_us=.. p99_us=.. max_us=.. mean_us=.. errors=E"
  probe.py snapshots URL TOKEN N             N x POST /_parley/snapshots {"name":"bench-snap"} (the same name:
                                             each replaces the last), then N x POST
                                             /_parley/snapshots/bench-snap/restore; prints one line per call:
                                             "snapshot ms=M status=S" / "restore ms=M status=S"
Each time runs from just before the request is written to the last byte of the response, on one kept-alive
connection (a new one after an error), so it includes one loopback round trip and Python's HTTP client
(~0.1 ms), not a connection set-up.
"""
import http.client
import json
import statistics
import sys
import time


class Client:
    def __init__(self, url):
        hp = url.replace("http://", "").rstrip("/")
        self.host, port = hp.split(":")
        self.port = int(port)
        self.c = None

    def call(self, method, path, headers, body=None):
        """Returns (status, seconds, body bytes); status 0 on a connection error."""
        if self.c is None:
            self.c = http.client.HTTPConnection(self.host, self.port, timeout=120)
            self.c.connect()
        t0 = time.perf_counter()
        try:
            self.c.request(method, path, body=body, headers=headers)
            r = self.c.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException):
            self.c.close()
            self.c = None
            return 0, time.perf_counter() - t0, b""
        return r.status, time.perf_counter() - t0, data


def pct(xs, q):
    """Nearest-rank percentile q (0-100] of xs."""
    s = sorted(xs)
    k = max(1, -(-len(s) * q // 100))
    return s[int(k) - 1]


def first_page(url, key, queries):
    c = Client(url)
    h = {"Authorization": "Bearer " + key}
    for q in [l.strip() for l in open(queries) if l.strip()]:
        st, secs, _ = c.call("GET", q, h)
        print("ms=%.1f status=%d" % (secs * 1000, st), flush=True)


def orgs(url, token, n):
    c = Client(url)
    h = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    errors = 0
    for _ in range(10):
        c.call("POST", "/_parley/orgs", h, b"{}")
    us = []
    for _ in range(n):
        st, secs, _ = c.call("POST", "/_parley/orgs", h, b"{}")
        if st != 201:
            errors += 1
            continue
        us.append(secs * 1e6)
    if not us:
        print("n=0 errors=%d" % errors)
        return
    print("n=%d p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f mean_us=%.0f errors=%d" % (
        len(us), pct(us, 50), pct(us, 90), pct(us, 99), max(us), statistics.mean(us), errors))


def snapshots(url, token, n):
    c = Client(url)
    h = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    body = json.dumps({"name": "bench-snap"}).encode()
    for _ in range(n):
        st, secs, data = c.call("POST", "/_parley/snapshots", h, body)
        extra = ""
        if st == 201:
            info = json.loads(data)
            extra = " conversations=%s bytes=%s" % (info.get("conversations"), info.get("bytes"))
        print("snapshot ms=%.1f status=%d%s" % (secs * 1000, st, extra), flush=True)
    for _ in range(n):
        st, secs, _ = c.call("POST", "/_parley/snapshots/bench-snap/restore", h, b"{}")
        print("restore ms=%.1f status=%d" % (secs * 1000, st), flush=True)


def main(a):
    if len(a) < 5:
        sys.exit(__doc__)
    if a[1] == "first-page":
        first_page(a[2], a[3], a[4])
    elif a[1] == "orgs":
        orgs(a[2], a[3], int(a[4]))
    elif a[1] == "snapshots":
        snapshots(a[2], a[3], int(a[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
