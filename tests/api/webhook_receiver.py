"""webhook_receiver.py - a loopback HTTP receiver for Parley's webhook tests (standard library only).

A `Receiver` listens on 127.0.0.1 (a free port) in a thread and records every request it gets:
headers, body bytes, parsed JSON, arrival time. What it answers is scripted: `plan` is a list of
actions taken one per request (then `default`), each one of
  ("status", N)        answer N with a small body (a 3xx carries a Location)
  ("hang", seconds)    read the request, answer nothing for that long (or until release()), then close
  ("close",)           read the request and close the connection without an answer
  ("huge", N)          answer N with a body of 100 MiB announced, streamed until the client stops reading
  ("slow", seconds)    wait, then answer 200 (a delivery in flight for that long)
`verify(secret, request)` checks a request's Parley-Signature the way a receiver should."""

import hashlib
import hmac
import http.server
import json
import os
import socket
import socketserver
import threading
import time


# Under valgrind (PARLEY_SERVER_WRAPPER) the server is many times slower: waits stretch alike.
SLOW = 8 if os.environ.get("PARLEY_SERVER_WRAPPER") else 1


class Request:
    """One request the receiver got."""

    def __init__(self, path, headers, body, at):
        self.status = None            # what the receiver answered (None: no answer)
        self.path = path
        self.headers = headers
        self.body = body
        self.at = at
        try:
            self.json = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            self.json = None

    @property
    def event_id(self):
        return self.headers.get("Parley-Event-Id")

    @property
    def event_type(self):
        return self.headers.get("Parley-Event-Type")

    def __repr__(self):
        return "<%s %s %s>" % (self.event_type, self.event_id, self.body[:80])


def verify(secret, req, tolerance=None, now=None):
    """True when req's Parley-Signature is t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")> (and,
    with tolerance, t is within that many seconds of now)."""
    parts = dict(p.split("=", 1) for p in req.headers.get("Parley-Signature", "").split(",") if "=" in p)
    if "t" not in parts or "v1" not in parts:
        return False
    mac = hmac.new(secret.encode(), parts["t"].encode() + b"." + req.body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, parts["v1"]):
        return False
    return tolerance is None or abs((now if now is not None else time.time()) - int(parts["t"])) <= tolerance


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass   # a client that went away (hang, huge) is expected


class Receiver:
    def __init__(self, default=200):
        self.requests = []            # every Request, in arrival order
        self.plan = []                # actions, one per request
        self.default = ("status", default)
        self.cond = threading.Condition()
        self.inflight = 0             # requests being answered now
        self.max_inflight = 0         # the most at once
        self._release = threading.Event()
        recv = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def setup(self):
                super().setup()
                # the status line and headers go out before the body: without this, Nagle's algorithm
                # holds the body until the client's delayed ACK (40 ms a request)
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                with recv.cond:
                    action = recv.plan.pop(0) if recv.plan else recv.default
                    recv.inflight += 1
                    recv.max_inflight = max(recv.max_inflight, recv.inflight)
                try:
                    self._act(action, Request(self.path, self.headers, body, time.monotonic()))
                finally:
                    with recv.cond:
                        recv.inflight -= 1

            def _record(self, req):
                with recv.cond:
                    recv.requests.append(req)
                    recv.cond.notify_all()

            def _act(self, action, req):
                kind = action[0]
                if kind == "hang":
                    self._record(req)
                    recv._release.wait(action[1])
                    self.close_connection = True
                    return
                if kind == "close":
                    self._record(req)
                    self.close_connection = True
                    try:
                        self.connection.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    return
                if kind == "slow":
                    time.sleep(action[1])
                    kind, action = "status", ("status", 200)
                if kind == "huge":
                    req.status = action[1]
                    self._record(req)
                    self.send_response(action[1])
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Content-Length", str(100 << 20))
                    self.end_headers()
                    chunk = b"x" * 65536
                    sent = 0
                    try:
                        while sent < (100 << 20):
                            self.wfile.write(chunk)
                            sent += len(chunk)
                    except OSError:
                        pass
                    recv.huge_sent = sent
                    self.close_connection = True
                    return
                status = action[1]
                payload = b'{"ok":true}'
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                req.status = status
                self._record(req)   # after the answer: a recorded 2xx was answered

        self.huge_sent = 0
        self.server = _Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/hook"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def release(self):
        """Ends every ("hang", …) at once."""
        self._release.set()

    def wait(self, pred, timeout=20, what="the expected requests"):
        """Waits until pred(requests) is true (a snapshot list); returns it. Fails after timeout seconds."""
        deadline = time.monotonic() + timeout * SLOW
        with self.cond:
            while True:
                got = list(self.requests)
                if pred(got):
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("receiver: %s did not arrive within %ss; got %d: %r"
                                         % (what, timeout, len(got), got[-5:]))
                self.cond.wait(left)

    def wait_count(self, n, timeout=20, path=None):
        """Waits for n requests (to path, when given); returns those."""
        sel = (lambda rs: [r for r in rs if path is None or r.path == path])
        return sel(self.wait(lambda rs: len(sel(rs)) >= n, timeout, "%d request(s)" % n))

    def stop(self):
        self.release()
        self.server.shutdown()
        self.server.server_close()
