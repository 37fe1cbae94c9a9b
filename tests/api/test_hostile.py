"""test_hostile.py - hostile clients: hundreds of byte-by-byte (slowloris) connections, per-IP and idle
limits, oversized headers/bodies/queries/nesting, conflicting Content-Length/Transfer-Encoding, invalid
methods, NUL bytes and invalid UTF-8. Each hostile request gets a clear 4xx or a closed connection, other
clients keep being served, the server stays up and its RSS stays bounded across repeated rounds.

Clients use several loopback source addresses (127.0.0.2, 127.0.0.3, ...) so that "one abusive
address" and "everyone else" (127.0.0.1) can be told apart by the per-IP limit. Figures go to stderr
as lines starting with "FIGURE" (docs/RELIABILITY.md collects them)."""

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402

srv = None        # default limits (per-IP 256, 1024 connections, idle 60 s)
perip = None      # --max-connections-per-ip 4
idle = None       # --idle-timeout 1
capped = None     # --max-connections 6
A = None
SLOW_CLIENTS = 300           # byte-by-byte connections, spread over three source addresses
SLOW_SOURCES = ("127.0.0.2", "127.0.0.3", "127.0.0.4")
ROUNDS = 3                   # rounds of every hostile input; RSS is compared between the first and last
TRIED = {"inputs": 0}        # hostile requests sent, for the figure


def setUpModule():
    global srv, perip, idle, capped, A
    srv = harness.Server(threads=2)
    srv.start()
    unittest.addModuleCleanup(srv.stop)
    A = srv.create_org("hostile-a", "admin@ho.example")
    perip = harness.Server(threads=2, extra_args=["--max-connections-per-ip", "4"])
    perip.start()
    unittest.addModuleCleanup(perip.stop)
    idle = harness.Server(threads=2, extra_args=["--idle-timeout", "1"])
    idle.start()
    unittest.addModuleCleanup(idle.stop)
    capped = harness.Server(threads=2, extra_args=["--max-connections", "6"])
    capped.start()
    unittest.addModuleCleanup(capped.stop)


def rss_kib(server):
    """Resident set size of the server process in KiB (Linux /proc)."""
    with open("/proc/%d/status" % server.proc.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for pid %d" % server.proc.pid)


def server_threads(server):
    """For a failure message: each thread of the server (name, state, kernel
    wait channel, current syscall) and, when gdb is installed, every thread's
    stack - to tell a worker thread blocked somewhere from one idle in
    epoll_wait while its connections wait."""
    pid = server.proc.pid
    out = ["thread %s %s: state %s, wchan %s, syscall %s" % t for t in harness.thread_states(pid)]
    if shutil.which("gdb"):
        try:
            bt = subprocess.run(["gdb", "-batch", "-p", str(pid), "-ex", "thread apply all bt"],
                                capture_output=True, text=True, timeout=60).stdout
            out += [line for line in bt.splitlines() if line.startswith(("#", "Thread"))][:200]
        except (OSError, subprocess.SubprocessError) as e:
            out.append("(gdb failed: %s)" % e)
    return out


def sanitized(server):
    """True when the server runs with AddressSanitizer (its RSS then includes the quarantine)."""
    with open("/proc/%d/maps" % server.proc.pid) as f:
        return "libasan" in f.read()


def connect_from(server, src="127.0.0.1", timeout=10):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", server.port))
    return s


def exchange(server, data, src="127.0.0.1", timeout=10):
    """Sends data on a new connection and reads until the server closes it or a
    complete response arrived. Returns (Resp or None, closed) where closed says
    the server ended the connection (EOF or reset) within the timeout."""
    s = connect_from(server, src, timeout)
    buf, closed = b"", False
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            closed = True
        deadline = time.monotonic() + timeout
        while not closed and time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                closed = True
                break
            except socket.timeout:
                break
            if not chunk:
                closed = True
                break
            buf += chunk
            r = harness.parse_raw_response(buf)
            if r is not None and "content-length" in r.headers and len(r.raw) >= int(r.headers["content-length"]):
                if r.headers.get("connection", "").lower() != "close":
                    break
    finally:
        s.close()
    return harness.parse_raw_response(buf), closed


def request(method, target, headers=(), body=b"", key=None, version=b"HTTP/1.1"):
    """Raw request bytes; Host and Connection: close are added."""
    lines = [method + b" " + target + b" " + version, b"Host: hostile.example", b"Connection: close"]
    if key:
        lines.append(b"Authorization: Bearer " + key.encode())
    lines += list(headers)
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def hostile_inputs(key):
    """(name, raw bytes, allowed statuses) of every hostile request. None in the
    allowed set means "closing without an answer is fine too"."""
    k = key.encode()
    J = b"Content-Type: application/json"
    imp = b"/v2/conversations/import"
    deep = b"[" * 100000 + b"]" * 100000
    out = [
        # ---- oversized -----------------------------------------------------------------
        ("header line 100 KiB", request(b"GET", b"/healthz", [b"X-Big: " + b"a" * 102400]), {431, 400, None}),
        ("headers 70 KiB in 700 lines", request(b"GET", b"/healthz", [b"X-H%d: %s" % (i, b"b" * 90) for i in range(700)]),
         {431, None}),
        ("20000 header lines", request(b"GET", b"/healthz", [b"X: y"] * 20000), {431, None}),
        ("query 20 KiB", request(b"GET", b"/v2/conversations?filter[title]=" + b"q" * 20480, key=key), {414, None}),
        ("path 20 KiB", request(b"GET", b"/v2/conversations/" + b"p" * 20480, key=key), {414, None}),
        ("request target 200 KiB", request(b"GET", b"/" + b"t" * 204800), {414, 431, 400, None}),
        ("declared body 17 MiB", request(b"POST", imp, [J, b"Content-Length: %d" % (17 << 20)], key=key), {413, None}),
        ("declared body 2^64", request(b"POST", imp, [J, b"Content-Length: 18446744073709551616"], key=key),
         {400, 413, None}),
        ("JSON nesting 100000", request(b"POST", imp, [J, b"Content-Length: %d" % len(deep)], deep, key=key),
         {400}),
        ("JSON nesting 65", request(b"POST", imp, [J, b"Content-Length: 130"], b"[" * 65 + b"]" * 65, key=key), {400}),
        ("string of 1 MiB + 1", request(b"POST", imp, [J, b"Content-Length: %d" % ((1 << 20) + 9)],
                                        b'{"x":"' + b"s" * ((1 << 20) + 1) + b'"}', key=key), {400}),
        # ---- framing ---------------------------------------------------------------------
        ("Content-Length and Transfer-Encoding", request(b"POST", imp, [J, b"Content-Length: 5",
                                                                          b"Transfer-Encoding: chunked"],
                                                         b"2\r\n{}\r\n0\r\n\r\n", key=key), {400}),
        ("two different Content-Lengths", request(b"POST", imp, [J, b"Content-Length: 2", b"Content-Length: 40"],
                                                  b"{}", key=key), {400}),
        ("two equal Content-Lengths", request(b"POST", imp, [J, b"Content-Length: 2", b"Content-Length: 2"],
                                              b"{}", key=key), {400}),
        ("Transfer-Encoding gzip, chunked", request(b"POST", imp, [J, b"Transfer-Encoding: gzip, chunked"],
                                                    b"0\r\n\r\n", key=key), {400}),
        ("Transfer-Encoding xchunked", request(b"POST", imp, [J, b"Transfer-Encoding: xchunked"], b"0\r\n\r\n", key=key),
         {400}),
        ("two Transfer-Encodings", request(b"POST", imp, [J, b"Transfer-Encoding: chunked", b"Transfer-Encoding: chunked"],
                                           b"0\r\n\r\n", key=key), {400}),
        ("Content-Length +2", request(b"POST", imp, [J, b"Content-Length: +2"], b"{}", key=key), {400, None}),
        ("Content-Length -1", request(b"POST", imp, [J, b"Content-Length: -1"], b"{}", key=key), {400, None}),
        ("Content-Length 2 2", request(b"POST", imp, [J, b"Content-Length: 2 2"], b"{}", key=key), {400, None}),
        ("Content-Length 0x10", request(b"POST", imp, [J, b"Content-Length: 0x10"], b"{}", key=key), {400, None}),
        ("chunk size not hex", request(b"POST", imp, [J, b"Transfer-Encoding: chunked"], b"ZZ\r\n{}\r\n0\r\n\r\n", key=key),
         {400, None}),
        ("chunk size overflow", request(b"POST", imp, [J, b"Transfer-Encoding: chunked"],
                                        b"ffffffffffffffffff\r\n{}\r\n0\r\n\r\n", key=key), {400, 413, None}),
        ("chunk without CRLF", request(b"POST", imp, [J, b"Transfer-Encoding: chunked"], b"2\r\n{}XX0\r\n\r\n", key=key),
         {400, None}),
        # ---- methods and request lines --------------------------------------------------
        ("method FOO", request(b"FOO", b"/v2/conversations", key=key), {405, 400, 501}),
        ("lowercase get", request(b"get", b"/v2/conversations", key=key), {405, 400, 501}),
        ("NUL in method", request(b"G\x00ET", b"/healthz"), {405, 400, 501, None}),
        ("method 10 KiB", request(b"M" * 10240, b"/healthz"), {405, 400, 501, 414, 431, None}),
        ("CONNECT", request(b"CONNECT", b"example.com:443"), {400, 404, 405, 501, None}),
        ("TRACE", request(b"TRACE", b"/healthz"), {405, 501}),
        ("OPTIONS *", request(b"OPTIONS", b"*"), {400, 404, 405, None}),
        ("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", {400, 404, 405, 505, None}),
        ("HTTP/9.9", request(b"GET", b"/healthz", version=b"HTTP/9.9"), {400, 505, None}),
        ("no version", b"GET /healthz\r\n\r\n", {400, None}),
        ("header without colon", request(b"GET", b"/healthz", [b"NoColonHere"]), {400, None}),
        ("garbage bytes", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64) + b"\r\n\r\n", {400, None}),
        # ---- NUL bytes and invalid UTF-8 ------------------------------------------------
        ("%00 in path", request(b"GET", b"/v2/conversations/%00", key=key), {404}),
        ("%ff in path", request(b"GET", b"/v2/conversations/%ff%fe", key=key), {404}),
        ("raw 0xff in path", request(b"GET", b"/v2/conversations/\xff\xfe", key=key), {404}),
        ("overlong / in path", request(b"DELETE", b"/v2/conversations/%C0%AF..%C0%AF", key=key), {404}),
        ("%00 in query", request(b"GET", b"/v2/conversations?filter[title]=a%00b", key=key), {400}),
        ("%ff in query value", request(b"GET", b"/v2/conversations?filter[title]=%ff", key=key), {400}),
        ("raw 0xff in query value", request(b"GET", b"/v2/conversations/list?filter[title]=\xff\xfe", key=key), {400}),
        ("surrogate in query key", request(b"GET", b"/v2/conversations?%ED%A0%80=1", key=key), {400}),
        ("raw 0xff in body", request(b"POST", imp, [J, b"Content-Length: 16"], b'{"mediaURL":"\xff"}', key=key), {400}),
        ("NUL in body", request(b"POST", imp, [J, b"Content-Length: 16"], b'{"mediaURL":"\x00"}', key=key), {400}),
        ("\\u0000 in body", request(b"POST", imp, [J, b"Content-Length: 21"], b'{"mediaURL":"\\u0000"}', key=key), {400}),
        ("lone surrogate escape in body", request(b"POST", imp, [J, b"Content-Length: 21"], b'{"mediaURL":"\\ud800"}',
                                                  key=key), {400}),
        ("NUL after JSON body", request(b"POST", imp, [J, b"Content-Length: 3"], b"{}\x00", key=key), {400}),
        ("bearer key with NUL", request(b"GET", b"/v2/conversations", [b"Authorization: Bearer \x00" + k]), {401}),
        ("key with 0xff", request(b"GET", b"/v2/conversations", [b"Authorization: Bearer " + k + b"\xff"]), {401}),
    ]
    return out


class HostileTest(unittest.TestCase):
    maxDiff = 2000

    def assertServed(self, server=None, src="127.0.0.1"):
        """A normal client from src gets GET /healthz answered 200."""
        r, _ = exchange(server or srv, request(b"GET", b"/healthz"), src=src)
        self.assertIsNotNone(r, "healthz got no answer")
        self.assertEqual(r.status, 200, r)

    def run_inputs(self):
        """Sends every hostile input once; each gets an allowed status or (where
        allowed) a closed connection, problem bodies are strict JSON, and a
        normal request is served after each."""
        for name, data, allowed in hostile_inputs(A.key):
            TRIED["inputs"] += 1
            r, closed = exchange(srv, data, timeout=15)
            if r is None:
                self.assertIn(None, allowed, "%s: no answer (closed=%s), want one of %s" % (name, closed, allowed))
                self.assertTrue(closed, "%s: neither answered nor closed within the timeout" % name)
            else:
                self.assertIn(r.status, allowed, "%s: got %r" % (name, r))
                if r.ctype.startswith(harness.PROBLEM_CT):
                    self.assertIsNone(r.json_error, "%s: problem body is not strict JSON: %r" % (name, r))
                    self.assertEqual(r.body["status"], r.status, name)
            self.assertTrue(srv.alive(), "server died on %s" % name)
        self.assertServed()

    @staticmethod
    def describe_pending(pending, sent, bufs):
        """For a failure message: how many slow clients got no complete answer,
        and for the first five what they sent and received and what the kernel
        says of both ends of their connection (`ss -tni`; Recv-Q on the
        server's end = request bytes the server never read). pending:
        [(client index, socket)] of the connections still open."""
        if not pending:
            return ""
        try:
            ss = subprocess.run(["ss", "-tni"], capture_output=True, text=True, timeout=10).stdout.splitlines()
        except (OSError, subprocess.SubprocessError) as e:
            ss = ["(ss failed: %s)" % e]
        out = ["", "%d connections still open at the deadline" % len(pending)] + server_threads(srv)
        for i, s in pending[:5]:
            port = s.getsockname()[1]
            out.append("client %d (port %d): trickled %d bytes before the rest went at once; received %r"
                       % (i, port, sent[i], bufs[i][:120]))
            for k, line in enumerate(ss):   # a socket's line, then its indented details line
                if (line + " ").find(":%d " % port) >= 0:
                    out.append("  " + line)
                    if k + 1 < len(ss) and ss[k + 1][:1].isspace():
                        out.append("  " + ss[k + 1].strip())
        return "\n".join(out)

    def slowloris(self, n=SLOW_CLIENTS):
        """Opens n connections from SLOW_SOURCES that send a request one byte
        at a time; while they trickle, normal clients from 127.0.0.1 must be
        served. Then every slow request is completed and must be answered 200."""
        head = b"GET /healthz HTTP/1.1\r\nHost: slow.example\r\nX-Pad: " + b"z" * 40 + b"\r\nConnection: close\r\n"
        socks = [connect_from(srv, SLOW_SOURCES[i % len(SLOW_SOURCES)]) for i in range(n)]
        sent = [0] * n
        stop = threading.Event()

        def trickle():
            while not stop.is_set():
                for i, s in enumerate(socks):
                    if sent[i] < len(head):
                        s.send(head[sent[i]:sent[i] + 1])
                        sent[i] += 1
                if all(x >= len(head) for x in sent):
                    return
                stop.wait(0.01)

        t = threading.Thread(target=trickle, daemon=True)
        t.start()
        try:
            served = 0
            while t.is_alive() and served < 200:
                self.assertServed()
                r = srv.req("GET", "/v2/conversations?size=1", A.key, timeout=10)
                self.assertEqual(r.status, 200, r)
                served += 2
            self.assertGreater(served, 0)
        finally:
            stop.set()
            t.join()
        # finish every slow request and read every answer (bounded by the socket timeouts)
        for i, s in enumerate(socks):
            s.sendall(head[sent[i]:] + b"\r\n")
        bufs, open_ = harness.read_until_closed(socks, 60)
        answers = {i: harness.parse_raw_response(b) for i, b in enumerate(bufs) if i not in open_}
        stuck = self.describe_pending([(i, socks[i]) for i in open_], sent, bufs)
        for s in socks:
            s.close()
        ok = sum(1 for r in answers.values() if r is not None and r.status == 200)
        self.assertEqual(ok, n, "every slow client is eventually answered 200 (%d/%d)%s" % (ok, n, stuck))
        TRIED["inputs"] += n
        return served

    # ---- tests ------------------------------------------------------------------------------
    def test_1_hostile_rounds_keep_memory_bounded(self):
        """Every hostile input and a slowloris wave, ROUNDS times; RSS after the
        first round vs after the last may grow by at most 16 MiB."""
        self.run_inputs()
        self.slowloris()
        rss1 = rss_kib(srv)
        for _ in range(ROUNDS - 1):
            self.run_inputs()
            self.slowloris()
        rss2 = rss_kib(srv)
        self.assertServed()
        sys.stderr.write("FIGURE hostile: %d hostile requests/connections, %d slow clients per wave, "
                         "RSS after round 1 %d KiB, after round %d %d KiB\n"
                         % (TRIED["inputs"], SLOW_CLIENTS, rss1, ROUNDS, rss2))
        if sanitized(srv):
            return   # ASan's quarantine keeps freed memory resident: the bound holds on the plain build only
        self.assertLess(rss2 - rss1, 16 * 1024, "RSS grew from %d to %d KiB over %d rounds" % (rss1, rss2, ROUNDS))

    def test_per_ip_limit(self):
        """With --max-connections-per-ip 4 a fifth connection from one (non-loopback) address is
        closed unanswered while other addresses are served; closing one frees a slot. Loopback
        clients are never limited: every local client shares that address."""
        held = []
        src = harness.nonloopback_ipv4()
        try:
            for _ in range(4):
                s = connect_from(perip, src)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")   # keep-alive: the slot stays taken
                r = harness.parse_raw_response(s.recv(65536))
                self.assertEqual(r.status, 200, r)
                held.append(s)
            r, closed = exchange(perip, request(b"GET", b"/healthz"), src=src)
            self.assertIsNone(r, "a fifth connection from one address must not be served: %r" % (r,))
            self.assertTrue(closed)
            self.assertServed(perip, src="127.0.0.6")
            self.assertServed(perip, src="127.0.0.1")
            loop = []
            try:
                for _ in range(8):   # twice the limit from one loopback address: all served
                    s = connect_from(perip, "127.0.0.5")
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                    loop.append(s)
                    r = harness.parse_raw_response(s.recv(65536))
                    self.assertEqual(r.status, 200, r)
            finally:
                for s in loop:
                    s.close()
            held.pop().close()
            # the slot is released once the server notices the close: poll (bounded) until served
            deadline = time.monotonic() + 10
            while True:
                r, _ = exchange(perip, request(b"GET", b"/healthz"), src=src)
                if r is not None or time.monotonic() > deadline:
                    break
            self.assertIsNotNone(r, "a freed slot is reusable")
            self.assertEqual(r.status, 200)
        finally:
            for s in held:
                s.close()

    def test_global_connection_limit(self):
        """With --max-connections 6, six held connections (from six addresses) keep a
        seventh waiting in the kernel's accept queue, unanswered; once one of the six goes
        it is accepted and served (back-pressure, not a drop)."""
        held = []
        late = None
        try:
            for i in range(6):
                s = connect_from(capped, "127.0.1.%d" % (i + 1))
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                r = harness.parse_raw_response(s.recv(65536))
                self.assertEqual(r.status, 200, r)
                held.append(s)
            late = connect_from(capped, "127.0.0.1", timeout=2)
            late.sendall(request(b"GET", b"/healthz"))
            with self.assertRaises(socket.timeout, msg="a seventh connection must wait while six are held"):
                late.recv(65536)
            held.pop().close()
            late.settimeout(20)
            data = b""
            while True:
                chunk = late.recv(65536)
                if not chunk:
                    break
                data += chunk
            r = harness.parse_raw_response(data)
            self.assertIsNotNone(r, "the waiting connection is served once a slot frees")
            self.assertEqual(r.status, 200, r)
        finally:
            for s in held + ([late] if late else []):
                s.close()

    def test_idle_connections_are_closed(self):
        """--idle-timeout 1: a connection that sent half a request, or a kept-alive
        one that went quiet, is closed by the server (bounded wait, no timing assertion)."""
        for first in (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Half: ",
                      b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"):
            s = connect_from(idle, "127.0.0.7", timeout=30)
            try:
                s.sendall(first)
                data = b""
                while True:
                    chunk = s.recv(65536)   # raises socket.timeout after 30 s: the test fails
                    if not chunk:
                        break
                    data += chunk
                if first.endswith(b"\r\n\r\n"):
                    self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:100])
            finally:
                s.close()
        self.assertServed(idle)

    def test_second_server_on_the_same_port_is_refused(self):
        """A second `parley serve` on a port in use exits 1 instead of sharing it (no SO_REUSEPORT)."""
        p = srv.cli_run("serve", "--listen", "127.0.0.1:%d" % srv.port, "--threads", "1", timeout=30)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("cannot listen", p.stderr)
        self.assertServed()

    def test_max_connections_per_ip_option(self):
        """The option is validated like the others."""
        for bad in ("-1", "x", "65537"):
            p = srv.cli_run("serve", "--listen", "127.0.0.1:0", "--max-connections-per-ip", bad, timeout=30)
            self.assertEqual(p.returncode, 2, (bad, p.stderr))
            self.assertIn("--max-connections-per-ip", p.stderr)
        p = srv.cli_run("serve", "--help", db=False)
        self.assertIn("--max-connections-per-ip", p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
