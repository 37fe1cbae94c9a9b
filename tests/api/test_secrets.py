"""test_secrets.py - secrets stay secret: after a busy session with --log-requests (valid, revoked,
unknown and malformed keys, hostile requests carrying keys) no log line holds key material; the
database and its -wal/-shm files are created 0600 whatever the umask; revoked and unknown keys get
byte-identical answers and fall in the same timing class. (Key comparison is by SHA-256 digest
lookup, never by comparing the secret; see docs/RELIABILITY.md.)"""

import base64
import hashlib
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402

srv = None
A = None
alice = None
alice_key = revoked_key = None
UNKNOWN_KEYS = ["prl_" + base64.urlsafe_b64encode(bytes(random.getrandbits(8) for _ in range(32))).decode().rstrip("=")
                for _ in range(3)]


def setUpModule():
    global srv, A, alice, alice_key, revoked_key
    srv = harness.Server(threads=2, extra_args=["--log-requests"])
    srv.start()
    unittest.addModuleCleanup(srv.stop)
    A = srv.create_org("secrets-a", "admin@se.example")
    alice = srv.create_user(A.org, "alice@se.example")
    alice_key = srv.create_key(A.org, user=alice, name="alice")[1]
    kid, revoked_key = srv.create_key(A.org, name="to-revoke")
    srv.revoke_key(A.org, kid)
    srv.secrets.update(UNKNOWN_KEYS)


def key_forms(key):
    """Every form of a key that must not be logged: the key, its random part, its SHA-256 (hex, base64)."""
    digest = hashlib.sha256(key.encode()).digest()
    return [key, key[4:], digest.hex(), base64.b64encode(digest).decode().rstrip("="),
            base64.urlsafe_b64encode(digest).decode().rstrip("=")]


class SecretsTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def busy_session(self):
        """Drives every kind of request with keys in them; returns how many were sent."""
        n = 0
        conv = srv.import_conv(A.key, alice, applicationExternalID="sec-1",
                               transcript={"v2": harness.transcript_v2(("A", "hello there", 0, 1))})
        r = srv.req("POST", "/v2/api_keys", A.key, {"name": "via-api", "orgLevel": True})
        self.assertEqual(r.status, 200, r)
        api_key = r.body["value"]
        srv.secrets.add(api_key)
        r = srv.req("POST", "/v2/api_keys", A.key, {"name": "via-api-revoked", "orgLevel": False, "userUUID": alice})
        srv.secrets.add(r.body["value"])
        self.assertEqual(srv.req("DELETE", "/v2/api_keys?id=" + r.body["id"], A.key).status, 200)
        keys = [A.key, alice_key, api_key, revoked_key, r.body["value"]] + UNKNOWN_KEYS
        paths = [("GET", "/v2/conversations"), ("GET", "/v2/conversations/list?size=5"),
                 ("GET", "/v2/conversations/" + conv), ("GET", "/v2/api_keys"), ("GET", "/v2/users"),
                 ("PUT", "/v2/conversations/%s/labels" % conv), ("GET", "/v2/conversations/workflow-logs"),
                 ("DELETE", "/v2/conversations/" + conv), ("POST", "/v2/conversations/%s/unarchive" % conv)]
        for i in range(400):
            key = keys[i % len(keys)]
            method, path = paths[i % len(paths)]
            body = {"labels": {"k": "v%d" % i}} if method == "PUT" else None
            srv.req(method, path, key, body, auth_form="bearer" if i % 2 else "bare")
            n += 1
        # keys where they do not belong: in bodies, in malformed or oversized requests
        for key in keys[:3]:
            for data in (
                    b"GET /v2/conversations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key.encode() +
                    b"\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n",
                    b"GET /v2/conversations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key.encode() * 3000 +
                    b"\r\nConnection: close\r\n\r\n",
                    b"GET /v2/conversations HTTP/1.1\r\nHost: x\r\nAuthorization: " + key.encode() + b"\x00junk" +
                    b"\r\nConnection: close\r\n\r\n",
                    b"BREW /v2/conversations HTTP/1.1\r\nHost: x\r\nAuthorization: " + key.encode() +
                    b"\r\nConnection: close\r\n\r\n",
                    b"GET /v2/conversations HTTP/1.1\r\nHost: x\r\nAuthorization " + key.encode() +
                    b"\r\nConnection: close\r\n\r\n"):
                srv.raw(data, timeout=5)
                n += 1
            srv.req("POST", "/v2/conversations/import", A.key, {"mediaURL": key, "userID": alice})
            srv.req("POST", "/v2/conversations/import", A.key, "{\"mediaURL\": \"%s\", " % key)
            srv.req("PUT", "/v2/conversations/%s/title" % conv, A.key, {"title": 17, "key": key})
            n += 3
        return n

    def test_no_key_material_in_the_logs(self):
        """The log so far (request lines are written unbuffered) holds no key in any
        form; the harness checks the raw keys again on the complete log at shutdown."""
        sent = self.busy_session()
        log = srv.stderr_text() + srv.stdout_text()
        lines = log.splitlines()
        self.assertGreater(len(lines), 400, "--log-requests wrote the session (%d lines)" % len(lines))
        for key in sorted(srv.secrets):
            for form in key_forms(key):
                self.assertNotIn(form, log, "a form of an API key is in the log")
        self.assertEqual(harness.KEY_MATERIAL_RE.findall(log), [])
        sys.stderr.write("FIGURE secrets: %d requests carrying keys, %d log lines, %d keys x 5 forms searched, 0 found\n"
                         % (sent, len(lines), len(srv.secrets)))

    @unittest.skipIf(harness.PG_ADMIN, "the server's database is PostgreSQL here")
    def test_db_files_are_0600(self):
        for suffix in ("", "-wal", "-shm"):
            p = srv.db + suffix
            if suffix and not os.path.exists(p):
                continue
            self.assertEqual(os.stat(p).st_mode & 0o777, 0o600, "%s mode %o" % (p, os.stat(p).st_mode & 0o777))

    def test_db_created_0600_under_umask_0(self):
        d = tempfile.mkdtemp(prefix="parley-secrets-")
        try:
            db = os.path.join(d, "new.db")
            p = subprocess.run([srv.bin, "org", "create", "umask", "--admin-email", "u@um.example", "--db", db],
                               capture_output=True, text=True, timeout=60, preexec_fn=lambda: os.umask(0))
            self.assertEqual(p.returncode, 0, p.stderr)
            srv.secrets.add(p.stdout.strip().splitlines()[-1])
            for name in os.listdir(d):
                mode = os.stat(os.path.join(d, name)).st_mode & 0o777
                self.assertEqual(mode, 0o600, "%s created with mode %o under umask 0" % (name, mode))
        finally:
            for name in os.listdir(d):
                os.unlink(os.path.join(d, name))
            os.rmdir(d)

    @staticmethod
    def raw_answer(key, path="/v2/conversations"):
        """The whole answer to GET path with key (and a fixed X-Request-Id), Date header removed."""
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        try:
            s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nX-Request-Id: same-id-for-both\r\n"
                       "Connection: close\r\n\r\n" % (path, key)).encode())
            data = b""
            while True:
                c = s.recv(65536)
                if not c:
                    break
                data += c
        finally:
            s.close()
        return b"\r\n".join(l for l in data.split(b"\r\n") if not l.lower().startswith(b"date:"))

    def test_revoked_and_unknown_keys_answer_identically(self):
        # byte for byte but for the request's own id (X-Request-Id and the problem's requestId), which the
        # client may set itself: with the same id sent, the answers are identical
        for path in ("/v2/conversations", "/v2/conversations/" + harness.UNKNOWN_UUID, "/v2/api_keys", "/v2/users"):
            a = self.raw_answer(revoked_key, path)
            b = self.raw_answer(UNKNOWN_KEYS[0], path)
            self.assertTrue(a.startswith(b"HTTP/1.1 401 "), a)
            self.assertEqual(a, b, "revoked vs unknown key on %s" % path)
            self.assertIn(b"X-Request-Id: same-id-for-both", a)
            self.assertEqual(a, self.raw_answer(revoked_key[:-1] + ("A" if revoked_key[-1] != "A" else "B"), path))

    def test_revoked_and_unknown_keys_same_timing_class(self):
        """Interleaved requests on one keep-alive connection: the median latency of
        revoked and unknown keys is within a factor of two (both are one SHA-256 and
        one index lookup that finds no usable row; neither takes a different path)."""
        conn = srv.connect()
        times = {"revoked": [], "unknown": []}
        try:
            for i in range(600):
                which = "revoked" if i % 2 else "unknown"
                key = revoked_key if which == "revoked" else UNKNOWN_KEYS[i % 3]
                t0 = time.perf_counter()
                r = srv.req("GET", "/v2/conversations", key, conn=conn)
                times[which].append(time.perf_counter() - t0)
                self.assertEqual(r.status, 401)
        finally:
            conn.close()
        med = {k: statistics.median(v[50:]) for k, v in times.items()}   # first requests warm up
        sys.stderr.write("FIGURE secrets: 401 median latency revoked %.1f us, unknown %.1f us (%d samples each)\n"
                         % (med["revoked"] * 1e6, med["unknown"] * 1e6, len(times["revoked"]) - 50))
        ratio = med["revoked"] / med["unknown"]
        self.assertTrue(0.5 < ratio < 2.0, "median latencies differ by more than 2x: %r" % med)


if __name__ == "__main__":
    unittest.main()
