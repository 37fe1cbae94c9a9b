"""test_http.py - HTTP-level behaviour: /healthz, unknown paths (404), wrong methods (405 with Allow),
content types, keep-alive, and concurrent clients."""

import os
import signal
import socket
import threading
import sys
import time
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
from harness import JSON_CT, PROBLEM_CT, UNKNOWN_UUID, transcript_v2

srv = None
A = None
conv = None


def setUpModule():
    global srv, A, conv
    srv = harness.module_server()
    A = srv.create_org("http-a", "admin@h.example")
    conv = srv.import_conv(A.key, A.admin, transcript={"v2": transcript_v2(("S", "hello", 0, 1))})


def allow_set(r):
    return {m.strip().upper() for m in r.headers.get("Allow", "").split(",") if m.strip()}


class HttpTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def test_healthz(self):
        r = srv.req("GET", "/healthz")
        self.assertEqual(self.assertOk(r), {"status": "ok"})
        self.assertEqual(r.headers.get("Content-Type"), JSON_CT)
        self.assertEqual(self.assertOk(srv.req("GET", "/healthz?x=1")), {"status": "ok"})
        self.assertEqual(self.assertOk(srv.req("GET", "/healthz", "prl_whatever")), {"status": "ok"})

    def test_success_content_type(self):
        for path in ("/v2/conversations", "/v2/conversations/list", "/v2/conversations/" + conv):
            r = srv.req("GET", path, A.key)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.headers.get("Content-Type"), JSON_CT)
            self.assertEqual(int(r.headers.get("Content-Length", len(r.raw))), len(r.raw))

    def test_unknown_paths_are_404_problems(self):
        for path in ("/", "/v2", "/v2/", "/v2/nope", "/v3/conversations", "/v2/conversations/%s/nope" % conv,
                     "/v2/conversations/%s/unarchive/x" % conv, "/healthz/x", "/favicon.ico",
                     "/V2/conversations", "/v2//conversations"):
            r = srv.req("GET", path, A.key)
            self.assertProblem(r, 404)
            self.assertTrue(r.ctype.startswith(PROBLEM_CT))

    def test_wrong_method_is_405_with_allow(self):
        cases = [
            ("PATCH", "/v2/conversations/" + conv, {"GET", "DELETE"}),
            ("POST", "/v2/conversations/" + conv, {"GET", "DELETE"}),
            ("POST", "/v2/conversations", {"GET"}),
            ("DELETE", "/v2/conversations", {"GET"}),
            ("PUT", "/v2/conversations/list", {"GET"}),
            ("GET", "/v2/conversations/import", {"POST"}),
            ("DELETE", "/v2/conversations/import", {"POST"}),
            ("GET", "/v2/conversations/%s/unarchive" % conv, {"POST"}),
            ("POST", "/healthz", {"GET"}),
            ("DELETE", "/v2/conversations/by-external-id/x", {"GET"}),
        ]
        for method, path, must in cases:
            r = srv.req(method, path, A.key)
            self.assertProblem(r, 405)
            allowed = allow_set(r)
            self.assertTrue(must <= allowed, "%s %s: Allow %r should list %r" % (method, path, allowed, must))
            self.assertNotIn(method, allowed, "%s %s" % (method, path))
        # 405 for an unknown id too: the path is known, the method is not
        r = srv.req("PATCH", "/v2/conversations/" + UNKNOWN_UUID, A.key)
        self.assertProblem(r, 405)

    def test_keep_alive_reuses_the_socket(self):
        conn = srv.connect()
        try:
            r1 = srv.req("GET", "/healthz", conn=conn)
            self.assertEqual(r1.status, 200)
            sock = conn.sock
            self.assertIsNotNone(sock, "the server closed the connection after one request")
            port = sock.getsockname()[1]
            for method, path, body, status in (("GET", "/v2/conversations/" + conv, None, 200),
                                               ("GET", "/v2/conversations/" + UNKNOWN_UUID, None, 404),
                                               ("GET", "/v2/conversations?size=5", None, 200),
                                               ("POST", "/v2/conversations/import",
                                                {"mediaURL": "https://m.example/a", "userID": A.admin}, 200),
                                               ("POST", "/v2/conversations/import", {"userID": A.admin}, 400),
                                               ("PATCH", "/v2/conversations/" + conv, None, 405),
                                               ("GET", "/healthz", None, 200)):
                r = srv.req(method, path, A.key, body, conn=conn)
                self.assertEqual(r.status, status, (method, path, r))
                self.assertIs(conn.sock, sock, "connection not kept alive after %s %s" % (method, path))
                self.assertEqual(conn.sock.getsockname()[1], port)
        finally:
            conn.close()

    def test_keep_alive_after_401(self):
        conn = srv.connect()
        try:
            self.assertEqual(srv.req("GET", "/v2/conversations", conn=conn).status, 401)
            sock = conn.sock
            self.assertEqual(srv.req("GET", "/v2/conversations", A.key, conn=conn).status, 200)
            self.assertIs(conn.sock, sock)
        finally:
            conn.close()

    def test_head_request(self):
        r = srv.req("HEAD", "/healthz")
        self.assertIn(r.status, (200, 405), r)
        self.assertEqual(r.raw, b"")

    def test_concurrent_clients(self):
        errors = []

        def worker(n):
            try:
                conn = srv.connect()
                try:
                    for i in range(25):
                        path = ("/v2/conversations/" + conv) if i % 2 else "/v2/conversations?size=10"
                        r = srv.req("GET", path, A.key, conn=conn)
                        if r.status != 200:
                            errors.append((n, i, r))
                finally:
                    conn.close()
            except Exception as e:   # noqa: BLE001 - reported below
                errors.append((n, repr(e)))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        self.assertAlive()

    def post_raw(self, extra_headers, body):
        head = ("POST /v2/conversations/import HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                "Content-Type: application/json\r\n%sConnection: close\r\n\r\n" % (A.key, extra_headers)).encode()
        return head, body

    def test_chunked_request_body(self):
        body = ('{"mediaURL":"https://m.example/c","userID":"%s","conversationTitle":"chunked"}' % A.admin).encode()
        chunked = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 10]), body[i:i + 10]) for i in range(0, len(body), 10))
        head, _ = self.post_raw("Transfer-Encoding: chunked\r\n", None)
        r = srv.raw(head + chunked + b"0\r\n\r\n")
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 200, r)
        got = self.assertOk(srv.req("GET", "/v2/conversations/" + r.body["uuid"], A.key))
        self.assertEqual(got["attributes"]["title"], "chunked")

    def test_expect_100_continue(self):
        body = ('{"mediaURL":"https://m.example/e","userID":"%s","conversationTitle":"expect"}' % A.admin).encode()
        head, _ = self.post_raw("Expect: 100-continue\r\nContent-Length: %d\r\n" % len(body), None)
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        data = b""
        try:
            s.sendall(head)
            s.settimeout(2)
            try:
                data = s.recv(65536)    # curl waits up to 1 s for "100 Continue"
            except socket.timeout:
                data = b""
            s.settimeout(5)
            self.assertTrue(data.startswith(b"HTTP/1.1 100"), "expected 100 Continue, got %r" % data[:200])
            s.sendall(body)
            data = data.split(b"\r\n\r\n", 1)[1]
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        finally:
            s.close()
        r = harness.parse_raw_response(data)
        self.assertIsNotNone(r, data[:300])
        self.assertEqual(r.status, 200, r)

    def test_pipelined_requests(self):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        try:
            req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
            s.sendall(req + req + b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        finally:
            s.close()
        self.assertEqual(data.count(b"HTTP/1.1 200"), 3, data[:500])

    def wait_stopped(self, pid):
        """Returns once every thread of pid is stopped (SIGSTOP is asynchronous)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            states = [t[2] for t in harness.thread_states(pid)]
            if states and all(st in ("T", "t") for st in states):
                return
            time.sleep(0.01)
        self.fail("server %d did not stop within 10 s" % pid)

    def test_128_requests_ready_at_once(self):
        """Exactly 128 connections becoming readable at the same moment on one
        worker thread. libmicrohttpd 0.9.75's epoll loop reads at most 128
        events per epoll_wait and, when it got exactly that many, waits again
        with the blocking timeout before handling them: all 128 stalled until
        another event or the idle timeout (60 s; seen in CI as a slowloris wave
        with 128 clients unanswered). The server now uses poll(); every request
        must be answered at once."""
        one = harness.Server(threads=1)
        one.start()
        self.addCleanup(one.stop)
        head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        socks = []
        try:
            for _ in range(128):
                s = socket.create_connection(("127.0.0.1", one.port), timeout=10)
                s.sendall(head)   # all but the final CRLF
                socks.append(s)
            # the probe connected after the 128, so once it is answered they were all accepted
            self.assertOk(one.req("GET", "/healthz"))
            os.kill(one.proc.pid, signal.SIGSTOP)
            try:
                self.wait_stopped(one.proc.pid)
                for s in socks:
                    s.sendall(b"\r\n")   # on loopback this is in the server's receive queue on return
            finally:
                os.kill(one.proc.pid, signal.SIGCONT)
            bufs, open_ = harness.read_until_closed(socks, 10)   # a liveness bound: the bug held them 60 s
            self.assertEqual(len(open_), 0, "%d of 128 requests unanswered after 10 s" % len(open_))
            self.assertTrue(all(b.startswith(b"HTTP/1.1 200") for b in bufs))
        finally:
            for s in socks:
                s.close()


if __name__ == "__main__":
    unittest.main()
