"""media_common.py - the media tests (api.md §7) shared by both storages: test_media.py runs them on a
directory, test_media_s3.py on an S3-compatible bucket (s3rver), each against SQLite and PostgreSQL.

The whole client flow (upload-url -> PUT -> import with downloadUrl -> media/download -> GET) is checked
byte for byte through SHA-256 of streamed bytes (0 B, 5 MB, 200 MB), with Range reads, HEAD, concurrent
uploads, expiry through the admin clock and --media-url-ttl, bad signatures, the size limit, uploads
broken off by the client or by a kill -9 of the server, an organization's deletion and export/load."""

import hashlib
import http.client
import json
import os
import signal
import socket
import threading
import time
import urllib.parse

import harness
from harness import ApiTestCase, Server

MiB = 1 << 20
BIG = 200 * 1000 * 1000 if harness.SLOW == 1 else 20 * 1000 * 1000   # valgrind: a tenth


def pattern(size, seed=0):
    """(chunks generator, sha256 hex) of size deterministic pseudo-random bytes: a 1 MiB random block whose
    first 16 bytes carry the seed and the chunk number, so no two chunks (or objects) are alike."""
    base = hashlib.sha256(b"parley-media-%d" % seed).digest() * (MiB // 32)

    def chunk(i, n):
        return ((seed << 64 | i).to_bytes(16, "big") + base[16:])[:n]

    h = hashlib.sha256()
    for i in range(0, size, MiB):
        h.update(chunk(i // MiB, min(MiB, size - i)))

    def gen():
        for i in range(0, size, MiB):
            yield chunk(i // MiB, min(MiB, size - i))
    return gen, h.hexdigest()


def split(url):
    """(host, port, path with query) of an absolute http URL."""
    u = urllib.parse.urlsplit(url)
    return u.hostname, u.port, u.path + ("?" + u.query if u.query else "")


def put_stream(url, gen, size, ctype="audio/mpeg", timeout=120):
    """PUT size bytes from gen() to url with Content-Length, streamed; returns (status, parsed body)."""
    host, port, path = split(url)
    c = http.client.HTTPConnection(host, port, timeout=timeout * harness.SLOW)
    try:
        c.putrequest("PUT", path, skip_accept_encoding=True)
        c.putheader("Content-Type", ctype)
        c.putheader("Content-Length", str(size))
        c.endheaders()
        for part in gen():
            c.send(part)
        r = c.getresponse()
        raw = r.read()
        try:
            return r.status, json.loads(raw)
        except ValueError:
            return r.status, raw
    finally:
        c.close()


def get_hash(url, headers=None, timeout=120):
    """GET url streamed: (status, headers, sha256 hex of the body, body length)."""
    host, port, path = split(url)
    c = http.client.HTTPConnection(host, port, timeout=timeout * harness.SLOW)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        h, n = hashlib.sha256(), 0
        while True:
            b = r.read(1 << 20)
            if not b:
                break
            h.update(b)
            n += len(b)
        return r.status, r.headers, h.hexdigest(), n
    finally:
        c.close()


def rss_kib(pid, field):
    """VmRSS or VmHWM of pid in KiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s in /proc/%d/status" % (field, pid))


class MediaTests(ApiTestCase):
    """Mixed into a TestCase with MEDIA = "dir" or "s3"."""
    MEDIA = None

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(admin=True, media=cls.MEDIA)
        cls.srv.start()
        cls.A = cls.srv.admin_org()
        cls.B = cls.srv.admin_org()
        cls.a_member = cls.srv.create_user(cls.A.org, "member-%s@example.com" % cls.A.org[:8])
        _, cls.a_user_key = cls.srv.create_key(cls.A.org, org_level=False, user=cls.a_member)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def tearDown(self):
        self.srv.admin("DELETE", "/clock")

    # ---- helpers ------------------------------------------------------------------------
    def upload_url(self, org=None):
        r = self.srv.req("GET", "/v2/conversations/upload-url", (org or self.A).key)
        b = self.assertOk(r)
        self.assertEqual(list(b), ["url", "downloadUrl", "key"])
        return b

    def path(self, url):
        """The path and query of one of the server's URLs (which must be on its own base)."""
        self.assertTrue(url.startswith(self.srv.base + "/media/uploads/"), url)
        return url[len(self.srv.base):]

    def put(self, url, data, ctype="audio/mpeg", srv=None):
        return (srv or self.srv).req("PUT", self.path(url), body=data, headers={"Content-Type": ctype})

    def get(self, url, headers=None, method="GET"):
        return self.srv.req(method, self.path(url), headers=headers)

    def uploaded(self, data, ctype="audio/mpeg", org=None):
        u = self.upload_url(org)
        r = self.put(u["url"], data, ctype)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, {"key": u["key"], "size": len(data), "contentType": ctype})
        return u

    def imported(self, media_url, org=None):
        org = org or self.A
        return self.srv.import_conv(org.key, org.admin, mediaURL=media_url)

    def attrs(self, conv, org=None):
        r = self.srv.req("GET", "/v2/conversations/%s?filter[include_import_metadata]=true" % conv, (org or self.A).key)
        return self.assertOk(r)["attributes"]

    def download_url(self, conv, key=None):
        r = self.srv.req("POST", "/v2/conversations/%s/media/download" % conv, key or self.A.key)
        return self.assertOk(r)["url"]

    def assertGone(self, url):
        self.assertProblem(self.get(url), 404, code="not_found")

    # ---- the client flow ----------------------------------------------------------------
    def flow(self, size, seed):
        """upload-url -> PUT (streamed) -> import with downloadUrl -> media/download -> GET, byte-compared."""
        gen, digest = pattern(size, seed)
        u = self.upload_url()
        self.assertEqual(u["key"].split("/")[:2], ["uploads", self.A.org])
        status, body = put_stream(u["url"], gen, size)
        self.assertEqual(status, 200, body)
        self.assertEqual(body, {"key": u["key"], "size": size, "contentType": "audio/mpeg"})
        conv = self.imported(u["downloadUrl"])
        a = self.attrs(conv)
        self.assertEqual((a["videoStatus"], a["mediaStorageStatus"]), ("READY", "READY"))
        self.assertEqual(a["importMetadata"]["mediaURL"], u["downloadUrl"])
        url = self.download_url(conv)   # a fresh signature of the same object
        self.assertEqual(url.split("?")[0], u["downloadUrl"].split("?")[0])
        for src in (url, u["downloadUrl"]):
            status, headers, got, n = get_hash(src)
            self.assertEqual(status, 200)
            self.assertEqual((n, got), (size, digest))
            self.assertEqual(int(headers["Content-Length"]), size)
            self.assertEqual(headers["Content-Type"], "audio/mpeg")
            self.assertEqual(headers["Accept-Ranges"], "bytes")
        return u, conv

    def test_flow_empty_object(self):
        u, conv = self.flow(0, 1)
        r = self.get(u["downloadUrl"])
        self.assertEqual((r.status, r.raw), (200, b""))
        self.assertProblem(self.get(u["downloadUrl"], {"Range": "bytes=0-"}), 416, code="range_not_satisfiable")

    def test_flow_5_mb(self):
        self.flow(5 * 1000 * 1000, 2)

    def test_flow_200_mb_within_bounded_memory(self):
        pid = self.srv.proc.pid
        before = rss_kib(pid, "VmRSS")
        self.flow(BIG, 3)
        if harness.WRAPPER:
            return   # valgrind's own memory is no measure of the server's
        grew = rss_kib(pid, "VmHWM") - before
        self.assertLess(grew, 32 * 1024, "a %d-byte upload and two downloads raised the server's peak RSS by %d KiB"
                        % (BIG, grew))

    def test_head_and_content_type_kept(self):
        u = self.uploaded(b"x" * 1234, "audio/ogg; codecs=opus")
        r = self.get(u["downloadUrl"], method="HEAD")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.raw, b"")
        self.assertEqual(r.headers["Content-Length"], "1234")
        self.assertEqual(r.headers["Content-Type"], "audio/ogg; codecs=opus")
        self.assertEqual(r.headers["Accept-Ranges"], "bytes")
        r = self.get(u["downloadUrl"], {"Range": "bytes=-10"}, method="HEAD")
        self.assertEqual((r.status, r.headers["Content-Length"], r.headers["Content-Range"]),
                         (206, "10", "bytes 1224-1233/1234"))
        u = self.upload_url()
        r = self.srv.req("PUT", self.path(u["url"]), body=b"abc", headers={"Content-Type": None})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.get(u["downloadUrl"]).headers["Content-Type"], "application/octet-stream")

    def test_range_reads(self):
        data = bytes(range(256)) * 40   # 10240 bytes
        u = self.uploaded(data)
        n = len(data)
        cases = [
            ("bytes=0-0", 0, 0),                 # first byte
            ("bytes=%d-%d" % (n - 1, n - 1), n - 1, n - 1),   # last byte
            ("bytes=100-4999", 100, 4999),       # middle
            ("bytes=-300", n - 300, n - 1),      # suffix
            ("bytes=10000-", 10000, n - 1),      # open end
            ("bytes=10000-99999", 10000, n - 1),  # past the end: cut
            ("bytes=-99999", 0, n - 1),          # suffix longer than the object
            ("BYTES = 5-6", 5, 6),               # unit case, spaces
        ]
        for rng, first, last in cases:
            r = self.get(u["downloadUrl"], {"Range": rng})
            self.assertEqual(r.status, 206, (rng, r))
            self.assertEqual(r.raw, data[first:last + 1], rng)
            self.assertEqual(r.headers["Content-Range"], "bytes %d-%d/%d" % (first, last, n), rng)
            self.assertEqual(int(r.headers["Content-Length"]), last - first + 1, rng)
        for rng in ("bytes=%d-" % n, "bytes=99999-100000", "bytes=-0"):
            r = self.get(u["downloadUrl"], {"Range": rng})
            self.assertProblem(r, 416, code="range_not_satisfiable")
            self.assertEqual(r.headers["Content-Range"], "bytes */%d" % n)
        # ignored (RFC 9110): another unit, bad syntax, reversed, several ranges; and any If-Range
        for hdrs in ({"Range": "items=0-1"}, {"Range": "bytes=abc"}, {"Range": "bytes=5-3"},
                     {"Range": "bytes=0-1,5-6"}, {"Range": "bytes=0-1", "If-Range": '"x"'}):
            r = self.get(u["downloadUrl"], hdrs)
            self.assertEqual((r.status, r.raw), (200, data), hdrs)

    def test_concurrent_uploads(self):
        sizes = [3 * MiB + i * 4097 for i in range(6)]
        results, errors = {}, []

        def one(i):
            try:
                gen, digest = pattern(sizes[i], 100 + i)
                u = self.upload_url()
                status, body = put_stream(u["url"], gen, sizes[i])
                results[i] = (u, digest, status, body)
            except Exception as e:   # noqa: BLE001 - reported below
                errors.append(e)
        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(sizes))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        self.assertEqual(errors, [])
        for i, (u, digest, status, body) in results.items():
            self.assertEqual(status, 200, body)
            st, _, got, n = get_hash(u["downloadUrl"])
            self.assertEqual((st, n, got), (200, sizes[i], digest))

    # ---- signatures and expiry -----------------------------------------------------------
    def test_expiry_by_the_clock(self):
        self.srv.admin("PUT", "/clock", {"frozen": True})
        u = self.uploaded(b"early")
        late = self.upload_url()   # issued now, used after expiry
        self.srv.admin("PUT", "/clock", {"advance": 3600})   # the default TTL: still valid at its last second
        self.assertEqual(self.get(u["downloadUrl"]).raw, b"early")
        self.srv.admin("PUT", "/clock", {"advance": 1})
        for r in (self.get(u["downloadUrl"]), self.put(late["url"], b"too late")):
            self.assertProblem(r, 403, code="forbidden", detail_has="expired")
        # an import of an expired downloadUrl attaches nothing, and still succeeds
        conv = self.imported(u["downloadUrl"])
        self.assertEqual(self.attrs(conv)["mediaStorageStatus"], "PENDING")
        # a fresh download URL for an attached object works again
        conv = self.imported(self.uploaded(b"fresh")["downloadUrl"])
        self.assertEqual(self.get(self.download_url(conv)).raw, b"fresh")

    def test_url_ttl_option(self):
        with Server(media=self.MEDIA, admin=True,
                    extra_args=["--media-url-ttl", "1", "--now", "2024-03-18T10:00:00Z"]) as s:
            o = s.admin_org()
            u = s.req("GET", "/v2/conversations/upload-url", o.key).body
            expires = int(urllib.parse.parse_qs(urllib.parse.urlsplit(u["url"]).query)["expires"][0])
            self.assertEqual(expires, 1710756000 + 1)
            p = lambda url: url[len(s.base):]   # noqa: E731
            self.assertEqual(s.req("PUT", p(u["url"]), body=b"x", headers={"Content-Type": "audio/wav"}).status, 200)
            s.admin("PUT", "/clock", {"advance": 2})
            r = s.req("GET", p(u["downloadUrl"]))
            self.assertProblem(r, 403, code="forbidden", detail_has="2024-03-18T10:00:01Z")

    def test_bad_signatures_are_403(self):
        u = self.uploaded(b"secret bytes")
        other = self.uploaded(b"other")
        path, _, query = self.path(u["downloadUrl"]).partition("?")
        q = dict(urllib.parse.parse_qsl(query))
        sig, exp = q["signature"], q["expires"]
        flipped = ("0" if sig[0] != "0" else "1") + sig[1:]
        bad = {
            "altered signature": "%s?expires=%s&signature=%s" % (path, exp, flipped),
            "altered expiry": "%s?expires=%d&signature=%s" % (path, int(exp) + 1, sig),
            "another object": "%s?expires=%s&signature=%s" % (self.path(other["downloadUrl"]).split("?")[0], exp, sig),
            "no signature": "%s?expires=%s" % (path, exp),
            "no expiry": "%s?signature=%s" % (path, sig),
            "two signatures": "%s?expires=%s&signature=%s&signature=%s" % (path, exp, sig, sig),
            "upper-case hex": "%s?expires=%s&signature=%s" % (path, exp, sig.upper()),
            "no query": path,
        }
        for what, p in bad.items():
            self.assertProblem(self.srv.req("GET", p), 403, code="forbidden")
            self.assertEqual(self.srv.req("HEAD", p).status, 403, what)
        # a download URL does not upload, an upload URL does not download
        r = self.put(u["downloadUrl"], b"overwrite")
        self.assertProblem(r, 403, code="forbidden", detail_has="signed for GET and HEAD, not PUT")
        self.assertProblem(self.get(u["url"]), 403, code="forbidden", detail_has="signed for PUT, not GET")
        self.assertEqual(self.get(u["downloadUrl"]).raw, b"secret bytes")   # unchanged

    def test_paths_that_are_not_keys_are_404(self):
        u = self.upload_url()
        _, _, query = self.path(u["url"]).partition("?")
        org, oid = u["key"].split("/")[1:]
        for p in ("/media/uploads/../%s/%s" % (org, oid), "/media/uploads/%s/..%%2F%s" % (org, oid),
                  "/media/uploads/%s%%2F%s/x" % (org, oid), "/media/uploads/%s/%s/extra" % (org, oid),
                  "/media/uploads/%s" % org, "/media/%s/%s" % (org, oid), "/media/uploads/%s/%s" % (org, "x" * 36),
                  "/media/uploads/%s/%s" % (org.upper()[:35] + "%", oid), "/media/x/%s/%s" % (org, oid)):
            for m in ("GET", "PUT"):
                r = self.srv.req(m, p + "?" + query, body=b"x" if m == "PUT" else None)
                self.assertProblem(r, 404, code="not_found")

    def test_upload_url_needs_a_key_any_key(self):
        self.assertUnauthorized(self.srv.req("GET", "/v2/conversations/upload-url"))
        r = self.srv.req("GET", "/v2/conversations/upload-url", self.a_user_key)
        self.assertEqual(self.assertOk(r)["key"].split("/")[1], self.A.org)

    # ---- limits ------------------------------------------------------------------------------
    def test_put_past_max_media_is_413_and_stores_nothing(self):
        with Server(media=self.MEDIA, admin=True, extra_args=["--max-media", "1000"]) as s:
            o = s.admin_org()
            u = s.req("GET", "/v2/conversations/upload-url", o.key).body
            p = lambda url: url[len(s.base):]   # noqa: E731
            r = s.req("PUT", p(u["url"]), body=b"y" * 1001, headers={"Content-Type": "audio/wav"})
            self.assertProblem(r, 413, code="body_too_large", detail_has=["1001", "1000", "--max-media"])
            self.assertProblem(s.req("GET", p(u["downloadUrl"])), 404)
            # a big declared length is refused before its body is read
            host, port, path = split(u["url"])
            sock = socket.create_connection((host, port), timeout=10 * harness.SLOW)
            sock.sendall(("PUT %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n"
                          % (path, 10 << 30)).encode())
            head = sock.recv(4096)
            sock.close()
            self.assertTrue(head.startswith(b"HTTP/1.1 413"), head[:200])
            r = s.req("PUT", p(u["url"]), body=b"z" * 1000, headers={"Content-Type": "audio/wav"})
            self.assertEqual(r.status, 200, r)
            # the JSON body limit (--max-body) does not apply to media, nor media's to JSON
        r = self.put(self.upload_url()["url"], b"q" * (17 << 20))
        self.assertEqual(r.status, 200, r)

    def test_chunked_put_is_411(self):
        u = self.upload_url()
        host, port, path = split(u["url"])
        r = self.srv.raw(("PUT %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                          "3\r\nabc\r\n0\r\n\r\n" % path).encode())
        self.assertProblem(r, 411, code="length_required", detail_has="Content-Length")
        self.assertGone(u["downloadUrl"])

    def test_put_broken_off_by_the_client_leaves_nothing(self):
        u = self.upload_url()
        host, port, path = split(u["url"])
        sock = socket.create_connection((host, port), timeout=10 * harness.SLOW)
        sock.sendall(("PUT %s HTTP/1.1\r\nHost: x\r\nContent-Type: audio/wav\r\nContent-Length: %d\r\n\r\n"
                      % (path, 4 * MiB)).encode())
        sock.sendall(b"h" * (2 * MiB))
        sock.close()
        deadline = time.monotonic() + 10 * harness.SLOW
        while self.leftovers() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.leftovers(), [])
        self.assertGone(u["downloadUrl"])
        self.assertAlive()

    def test_put_killed_halfway_leaves_nothing_after_restart(self):
        s = Server(media=self.MEDIA, admin=True)
        s.start()
        try:
            o = s.admin_org()
            u = s.req("GET", "/v2/conversations/upload-url", o.key).body
            host, port, path = split(u["url"])
            sock = socket.create_connection((host, port), timeout=10 * harness.SLOW)
            sock.sendall(("PUT %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (path, 8 * MiB)).encode())
            sock.sendall(b"k" * (3 * MiB))
            time.sleep(0.3)   # let the server take the bytes it was sent (no assertion depends on the time)
            s.proc.send_signal(signal.SIGKILL)
            s.proc.wait()
            sock.close()
            if self.MEDIA == "dir":
                self.assertNotEqual(self.leftovers(s), [], "the killed upload left its temporary file, as expected")
            s.proc = None
            s._close_files()
            s.start(reuse=True)
            self.assertEqual(self.leftovers(s), [])
            r = s.req("GET", u["downloadUrl"][len(s.base):].replace(str(port), str(s.port)))
            self.assertProblem(r, 404)
        finally:
            s.stop()

    def leftovers(self, srv=None):
        """Temporary files of the directory store (always [] for S3: nothing is visible there until done)."""
        srv = srv or self.srv
        if self.MEDIA != "dir":
            return []
        return os.listdir(os.path.join(srv.media_dir, ".tmp"))

    # ---- import and the download endpoint --------------------------------------------------
    def test_import_with_a_bad_signature_records_a_plain_url(self):
        u = self.uploaded(b"mine")
        url = u["downloadUrl"][:-1] + ("0" if u["downloadUrl"][-1] != "0" else "1")
        conv = self.imported(url)
        a = self.attrs(conv)
        self.assertEqual((a["videoStatus"], a["mediaStorageStatus"]), ("PENDING", "PENDING"))
        self.assertEqual(a["importMetadata"]["mediaURL"], url)
        r = self.srv.req("POST", "/v2/conversations/%s/media/download" % conv, self.A.key)
        self.assertProblem(r, 404, code="no_media")

    def test_import_attaches_only_this_orgs_existing_objects(self):
        theirs = self.uploaded(b"theirs", org=self.B)
        never = self.upload_url()   # valid signature, nothing uploaded
        other_server = "http://203.0.113.9:8080/media/" + self.uploaded(b"x")["downloadUrl"].split("/media/", 1)[1]
        for url in (theirs["downloadUrl"], never["downloadUrl"], other_server, never["url"]):
            conv = self.imported(url)
            self.assertEqual(self.attrs(conv)["mediaStorageStatus"], "PENDING", url)
        conv = self.srv.import_conv(self.B.key, self.B.admin, mediaURL=theirs["downloadUrl"])
        self.assertEqual(self.attrs(conv, self.B)["mediaStorageStatus"], "READY")

    def test_a_failed_import_attaches_nothing(self):
        u = self.uploaded(b"dup")
        self.srv.import_conv(self.A.key, self.A.admin, mediaURL=u["downloadUrl"], applicationExternalID="dup-1")
        r = self.srv.req("POST", "/v2/conversations/import", self.A.key,
                         {"mediaURL": u["downloadUrl"], "userID": self.A.admin, "applicationExternalID": "dup-1"})
        self.assertProblem(r, 409, code="conflict")

    def test_download_endpoint_errors(self):
        conv = self.imported(self.uploaded(b"dl")["downloadUrl"])
        plain = self.imported("https://example.com/call.mp3")
        p = "/v2/conversations/%s/media/download"
        self.assertProblem(self.srv.req("POST", p % conv, self.a_user_key), 403, code="forbidden",
                           detail_has="org-level")
        self.assertProblem(self.srv.req("POST", p % conv, self.B.key), 404, code="not_found")
        self.assertProblem(self.srv.req("POST", p % harness.UNKNOWN_UUID, self.A.key), 404, code="not_found")
        self.assertProblem(self.srv.req("POST", p % "not-a-uuid", self.A.key), 404, code="not_found")
        self.assertProblem(self.srv.req("POST", p % plain, self.A.key), 404, code="no_media")
        self.assertUnauthorized(self.srv.req("POST", p % conv))
        self.assertEqual(self.get(self.download_url(conv)).raw, b"dl")

    def test_media_urls_bypass_faults_and_the_journal(self):
        u = self.uploaded(b"quiet")
        rule = self.srv.admin("POST", "/faults", {"match": {"path": "/media/**"}, "respond": {"status": 503}})
        self.assertEqual(rule.status, 201, rule)
        try:
            self.assertEqual(self.get(u["downloadUrl"]).raw, b"quiet")
        finally:
            self.srv.admin("DELETE", "/faults")
        journal = self.srv.admin("GET", "/requests?limit=1000").body["data"]
        self.assertEqual([e["path"] for e in journal if e["path"].startswith("/media/")], [])
        self.assertNotIn("signature=", self.srv.stderr_text())

    # ---- organizations, export and load ------------------------------------------------------
    def test_deleting_an_organization_removes_its_objects(self):
        c = self.srv.admin_org()
        u = self.uploaded(b"to be deleted", org=c)
        unattached = self.uploaded(b"never imported", org=c)
        self.srv.import_conv(c.key, c.admin, mediaURL=u["downloadUrl"])
        kept = self.uploaded(b"kept")
        r = self.srv.admin("DELETE", "/orgs/" + c.org)
        self.assertEqual(r.status, 200, r)
        self.assertGone(u["downloadUrl"])
        self.assertGone(unattached["downloadUrl"])
        self.assertEqual(self.get(kept["downloadUrl"]).raw, b"kept")
        if self.MEDIA == "dir":
            self.assertFalse(os.path.exists(os.path.join(self.srv.media_dir, "uploads", c.org)))
        # an upload URL of the deleted organization stores nothing
        r = self.put(unattached["url"], b"after the end")
        self.assertProblem(r, 404, code="not_found", detail_has="no longer exists")
        self.assertGone(unattached["downloadUrl"])

    def test_export_carries_the_key_and_load_keeps_it(self):
        c = self.srv.admin_org()
        u = self.uploaded(b"exported bytes", org=c)
        conv = self.srv.import_conv(c.key, c.admin, mediaURL=u["downloadUrl"])
        self.srv.import_conv(c.key, c.admin, mediaURL="https://example.com/plain.mp3")
        out = self.srv.cli("export", "--org", c.org)
        lines = [json.loads(l) for l in out.splitlines()]
        with_media = [l for l in lines if l["conversation"]["id"] == conv][0]
        self.assertEqual(with_media["stored"]["mediaKey"], u["key"])
        self.assertEqual([l for l in lines if l["conversation"]["id"] != conv][0]["stored"].get("mediaKey"), None)
        dump = os.path.join(self.srv.dir, "media-export.jsonl")
        with open(dump, "w") as f:
            f.write(out)
        d = self.srv.admin_org()
        self.srv.cli("load", "--org", d.org, "--new-ids", dump)
        again = self.srv.cli("export", "--org", d.org)
        loaded = [json.loads(l) for l in again.splitlines() if "mediaKey" in l]
        self.assertEqual(len(loaded), 1)
        self.assertEqual(loaded[0]["stored"]["mediaKey"], u["key"])
        self.assertEqual(loaded[0]["conversation"]["attributes"]["mediaStorageStatus"], "READY")
        url = self.download_url(loaded[0]["conversation"]["id"], d.key)
        self.assertEqual(self.get(url).raw, b"exported bytes")
        # a line whose mediaKey is not a key of ours is refused, and nothing is loaded
        bad = json.loads(out.splitlines()[0])
        bad["stored"]["mediaKey"] = "uploads/../../etc/passwd"
        with open(dump, "w") as f:
            f.write(json.dumps(bad) + "\n")
        p = self.srv.cli_run("load", "--org", d.org, "--new-ids", dump)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("stored.mediaKey", p.stderr)
