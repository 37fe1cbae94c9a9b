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
  probe.py webhook-latency URL TOKEN ORG KEY WIDS N
                                             a receiver in this process, an endpoint for it (admin API), then
                                             N archives of the ids in WIDS one after another; prints "n=N
                                             p50_us=.. p90_us=.. p99_us=.. max_us=.. lost=L": from each
                                             archive's 200 to its event's arrival
  probe.py archive-all URL KEY WIDS THREADS  archives every id of WIDS (THREADS at once); prints "n=N ok=OK"
  probe.py webhook-drain RECEIVER N TIMEOUT  after a POST RECEIVER/release, waits until N deliveries arrived;
                                             prints "n=.. seconds=.. rate=.." (release to the last arrival)
  probe.py webhook-all RECEIVER N T0MS ACKED TIMEOUT
                                             waits until N deliveries arrived since the receiver's counts
                                             last restarted; prints "n=.. seconds=.. rate=.. complete=..":
                                             seconds from T0MS (wall-clock ms) to the last arrival, rate =
                                             ACKED over them (archives with their deliveries counted)
Each time runs from just before the request is written to the last byte of the response, on one kept-alive
connection (a new one after an error), so it includes one loopback round trip and Python's HTTP client
(~0.1 ms), not a connection set-up.
"""
import http.client
import http.server
import json
import socket
import statistics
import sys
import threading
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


def webhook_latency(url, token, org, key, wids, n):
    arrived, cond = {}, threading.Condition()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            t = time.perf_counter()
            conv = json.loads(body)["data"]["id"]
            with cond:
                arrived.setdefault(conv, t)
                cond.notify_all()
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    c = Client(url)
    admin = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    st, _, data = c.call("POST", "/_parley/webhooks", admin, json.dumps(
        {"orgUUID": org, "url": "http://127.0.0.1:%d/hook" % srv.server_address[1],
         "events": ["conversation.archived"]}).encode())
    if st != 201:
        sys.exit("probe: cannot create the endpoint (%d %r)" % (st, data[:200]))
    endpoint = json.loads(data)["id"]
    h = {"Authorization": "Bearer " + key}
    ids = [l.strip() for l in open(wids) if l.strip()][:n]
    lat, lost = [], 0
    for conv in ids:
        st, _, _ = c.call("DELETE", "/v2/conversations/" + conv, h)
        t0 = time.perf_counter()   # the archive's 200 is in
        if st != 200:
            lost += 1
            continue
        with cond:
            ok = cond.wait_for(lambda: conv in arrived, timeout=30)
        if not ok:
            lost += 1
            continue
        lat.append(max(0.0, arrived[conv] - t0) * 1e6)
    c.call("DELETE", "/_parley/webhooks/" + endpoint, admin)
    srv.shutdown()
    if not lat:
        sys.exit("probe: no event arrived")
    print("n=%d p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f lost=%d" % (
        len(lat), pct(lat, 50), pct(lat, 90), pct(lat, 99), max(lat), lost))


def archive_all(url, key, wids, threads):
    ids = [l.strip() for l in open(wids) if l.strip()]
    ok = [0] * threads

    def run(t):
        c = Client(url)
        h = {"Authorization": "Bearer " + key}
        for conv in ids[t::threads]:
            if c.call("DELETE", "/v2/conversations/" + conv, h)[0] == 200:
                ok[t] += 1

    ts = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("n=%d ok=%d" % (len(ids), sum(ok)))


def receiver_wait(c, n, timeout):
    """The receiver's /stats once it counted n deliveries, or when timeout seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        st, _, data = c.call("GET", "/stats", {})
        s = json.loads(data) if st == 200 else {}
        if s.get("count", 0) >= n or time.monotonic() > deadline:
            return s
        time.sleep(0.05)


def webhook_drain(receiver, n, timeout):
    c = Client(receiver)
    c.call("POST", "/release", {})
    s = receiver_wait(c, n, timeout)
    secs = max(0.001, (s.get("lastMs", 0) - s.get("releasedMs", 0)) / 1000.0)
    print("n=%d seconds=%.3f rate=%.0f complete=%d" % (s.get("count", 0), secs, s.get("count", 0) / secs,
                                                        1 if s.get("count", 0) >= n else 0))


def webhook_all(receiver, n, t0_ms, acked, timeout):
    s = receiver_wait(Client(receiver), n, timeout)
    secs = max(0.001, (s.get("lastMs", 0) - t0_ms) / 1000.0)
    print("n=%d seconds=%.3f rate=%.1f complete=%d" % (s.get("count", 0), secs, acked / secs,
                                                       1 if s.get("count", 0) >= n else 0))


def main(a):
    if len(a) < 5:
        sys.exit(__doc__)
    if a[1] == "first-page":
        first_page(a[2], a[3], a[4])
    elif a[1] == "orgs":
        orgs(a[2], a[3], int(a[4]))
    elif a[1] == "snapshots":
        snapshots(a[2], a[3], int(a[4]))
    elif a[1] == "webhook-latency":
        webhook_latency(a[2], a[3], a[4], a[5], a[6], int(a[7]))
    elif a[1] == "archive-all":
        archive_all(a[2], a[3], a[4], int(a[5]))
    elif a[1] == "webhook-drain":
        webhook_drain(a[2], int(a[3]), float(a[4]))
    elif a[1] == "webhook-all" and len(a) == 7:
        webhook_all(a[2], int(a[3]), int(a[4]), int(a[5]), float(a[6]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
