"""test_connections.py - connection limits that never refuse a legitimate local client: slow clients from one
loopback address or from thousands of connections do not stop normal clients, and a request head has a deadline."""

import json
import resource
import socket
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402

PARTIAL_HEAD = b"GET /v2/teams HTTP/1.1\r\nHost: x\r\nX-Slow: "   # a request line, then a head that never ends


def open_slow(port, n, sources, timeout=30):
    """n connections to port spread over the source addresses, each having sent PARTIAL_HEAD."""
    socks = []
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.bind((sources[i % len(sources)], 0))
        s.connect(("127.0.0.1", port))
        s.sendall(PARTIAL_HEAD)
        socks.append(s)
    return socks


def normal_clients(srv, key, n, src="127.0.0.1", timeout=30):
    """n concurrent clients from src, one GET /v2/teams each; returns their statuses (None: no answer)."""
    out = [None] * n

    def one(i):
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(timeout * harness.SLOW)
            s.bind((src, 0))
            s.connect(("127.0.0.1", srv.port))
            s.sendall(("GET /v2/teams HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n"
                       % key).encode())
            data = b""
            while True:
                c = s.recv(65536)
                if not c:
                    break
                data += c
            s.close()
            r = harness.parse_raw_response(data)
            out[i] = r.status if r else None
        except OSError as e:
            out[i] = repr(e)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def raise_fd_limit(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0] >= want


class SlowClientsTest(harness.ApiTestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = harness.Server()
        cls.srv.start()
        cls.org = cls.srv.create_org("conns", "admin@conns.example")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_300_slow_and_64_normal_clients_from_one_loopback_address(self):
        """From 127.0.0.1 every local client shares one address: the per-address limit (256) must not
        apply, so 300 slow connections and 64 normal clients from it are all served."""
        self.assertTrue(raise_fd_limit(1024))
        slow = open_slow(self.srv.port, 300, ["127.0.0.1"])
        try:
            statuses = normal_clients(self.srv, self.org.key, 64)
            self.assertEqual(statuses, [200] * 64)
        finally:
            for s in slow:
                s.close()
        self.assertAlive()

    def test_2000_slow_connections_from_several_addresses(self):
        if not raise_fd_limit(2400):
            self.fail("the test needs 2,400 open files; the hard limit is %d" %
                      resource.getrlimit(resource.RLIMIT_NOFILE)[1])
        n = 2000 if harness.SLOW == 1 else 400
        slow = open_slow(self.srv.port, n, ["127.0.0.%d" % i for i in range(2, 10)])
        try:
            statuses = normal_clients(self.srv, self.org.key, 64, src="127.0.0.1")
            self.assertEqual(statuses, [200] * 64)
            statuses = normal_clients(self.srv, self.org.key, 8, src="127.0.0.2")   # a slow client's address too
            self.assertEqual(statuses, [200] * 8)
        finally:
            for s in slow:
                s.close()
        self.assertAlive()


class HeaderDeadlineTest(harness.ApiTestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = harness.Server(extra_args=["--header-timeout", "2", "--metrics"])
        cls.srv.start()
        cls.org = cls.srv.create_org("deadline", "admin@deadline.example")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def read_all(self, s, seconds=20):
        """Everything the server sends until it closes the connection (bounded wait)."""
        s.settimeout(seconds * harness.SLOW)
        data = b""
        try:
            while True:
                c = s.recv(65536)
                if not c:
                    break
                data += c
        except (ConnectionResetError, socket.timeout):
            pass
        return data

    def test_incomplete_head_gets_408_and_close(self):
        s = socket.create_connection(("127.0.0.1", self.srv.port))
        s.sendall(PARTIAL_HEAD)
        data = self.read_all(s)
        s.close()
        r = harness.parse_raw_response(data)
        self.assertIsNotNone(r, "no answer before the close: %r" % data)
        self.assertEqual(r.status, 408)
        self.assertEqual(r.headers["content-type"], "application/problem+json")
        body = json.loads(r.raw)
        self.assertEqual((body["status"], body["code"]), (408, "request_timeout"))
        self.assertIn("2 s", body["detail"])

    def test_dripping_slowloris_is_cut_at_the_deadline(self):
        """One byte of header every 0.3 s keeps an idle timer alive forever; the deadline does not move."""
        s = socket.create_connection(("127.0.0.1", self.srv.port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        s.settimeout(0.3)
        data = b""
        t_end = time.monotonic() + 20 * harness.SLOW
        closed = False
        while time.monotonic() < t_end and not closed:
            try:
                s.sendall(b"X")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            try:
                c = s.recv(65536)
                if not c:
                    closed = True
                data += c
            except socket.timeout:
                pass
            except ConnectionResetError:
                closed = True
        s.close()
        self.assertTrue(closed or data, "the dripping connection was never cut")
        if data:
            self.assertTrue(data.startswith(b"HTTP/1.1 408 "), data[:80])

    def test_idle_connections_are_closed_without_an_answer(self):
        fresh = socket.create_connection(("127.0.0.1", self.srv.port))
        used = socket.create_connection(("127.0.0.1", self.srv.port))
        used.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        first = used.recv(65536)
        self.assertTrue(first.startswith(b"HTTP/1.1 200 "))
        self.assertEqual(self.read_all(fresh), b"")
        self.assertEqual(self.read_all(used), b"")
        fresh.close()
        used.close()
        r = self.srv.req("GET", "/v2/teams", self.org.key)   # the server goes on
        self.assertEqual(r.status, 200)
        m = self.srv.req("GET", "/metrics").raw.decode()
        self.assertRegex(m, r"parley_http_idle_closed_total [1-9]")

    def test_a_complete_request_is_not_cut(self):
        """A request whose head is complete is past the deadline's reach, however long it takes."""
        r = self.srv.req("GET", "/v2/teams", self.org.key)
        self.assertEqual(r.status, 200)


if __name__ == "__main__":
    unittest.main()
