"""test_bad_input.py - hostile and malformed requests: bad JSON, invalid UTF-8, duplicate keys, deep
nesting, huge strings and bodies, wrong Content-Type, huge URLs and headers, broken percent-encoding.
After each one the server must still answer GET /healthz."""

import json
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
from harness import UNKNOWN_UUID

srv = None
A = None
IMPORT = "/v2/conversations/import"
MEDIA = "https://media.example.com/x.mp4"


def setUpModule():
    global srv, A
    srv = harness.module_server()
    A = srv.create_org("bad-input", "admin@bi.example")


def padded_get(key, kib, target="/v2/conversations"):
    """Raw bytes of a GET of target with key and kib lines of 1,000-byte X-Pad headers."""
    pad = "".join("X-Pad-%d: %s\r\n" % (i, "p" * 1000) for i in range(kib))
    return ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n%sConnection: close\r\n\r\n"
            % (target, key, pad)).encode()


class BadInputTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def tearDown(self):
        self.assertAlive()

    def post(self, raw, ctype="application/json"):
        return srv.req("POST", IMPORT, A.key, raw, headers={"Content-Type": ctype})

    def good_body(self, **extra):
        b = {"mediaURL": MEDIA, "userID": A.admin}
        b.update(extra)
        return b

    # ---- JSON ------------------------------------------------------------------------
    def test_malformed_json(self):
        for raw in ('{"mediaURL":', "{", "", " ", "{'mediaURL': 'x'}", '{"mediaURL":"%s","userID":"%s"} x'
                    % (MEDIA, A.admin), '{"mediaURL":"%s","userID":"%s",}' % (MEDIA, A.admin),
                    '{"a":NaN}', '{"a":01}', '{"a":"\\x41"}', '{"a":"tab\there"}', "\ufeff{}"):
            r = self.post(raw)
            self.assertProblem(r, 400)
        self.assertOk(self.post(json.dumps(self.good_body())))

    def test_invalid_utf8(self):
        good = json.dumps(self.good_body(conversationTitle="TITLE")).encode()
        for bad in (b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\xe2\x82"):
            r = self.post(good.replace(b"TITLE", bad))
            self.assertProblem(r, 400)
        r = self.post(good.replace(b"TITLE", b"\xe2\x82\xac ok"))
        cid = self.assertOk(r)["uuid"]
        got = self.assertOk(srv.req("GET", "/v2/conversations/" + cid, A.key))
        self.assertEqual(got["attributes"]["title"], "\u20ac ok")

    def test_unicode_escapes(self):
        r = self.post('{"mediaURL":"%s","userID":"%s","conversationTitle":"\\ud83d\\ude00 \\u00e9"}' % (MEDIA, A.admin))
        cid = self.assertOk(r)["uuid"]
        got = self.assertOk(srv.req("GET", "/v2/conversations/" + cid, A.key))
        self.assertEqual(got["attributes"]["title"], "\U0001F600 \u00e9")
        r = self.post('{"mediaURL":"%s","userID":"%s","conversationTitle":"\\ud83d"}' % (MEDIA, A.admin))
        self.assertProblem(r, 400)   # lone surrogate
        r = self.post('{"mediaURL":"%s","userID":"%s","conversationTitle":"a\\u0000b"}' % (MEDIA, A.admin))
        self.assertProblem(r, 400)   # NUL inside a string

    def test_duplicate_keys(self):
        raw = '{"mediaURL":"%s","mediaURL":"https://other.example/y","userID":"%s"}' % (MEDIA, A.admin)
        self.assertProblem(self.post(raw), 400)
        raw = '{"mediaURL":"%s","userID":"%s","externalMetadata":{"extra":{"k":1,"k":2}}}' % (MEDIA, A.admin)
        self.assertProblem(self.post(raw), 400)

    def test_deep_nesting(self):
        deep = "[" * 100 + "]" * 100
        raw = '{"mediaURL":"%s","userID":"%s","unknownField":%s}' % (MEDIA, A.admin, deep)
        self.assertProblem(self.post(raw), 400, detail_has="64")
        very = "[" * 100000 + "]" * 100000
        self.assertProblem(self.post(very), 400)
        objs = '{"a":' * 70 + "1" + "}" * 70
        self.assertProblem(self.post(objs), 400)
        shallow = '{"mediaURL":"%s","userID":"%s","unknownField":%s}' % (MEDIA, A.admin, "[" * 10 + "]" * 10)
        self.assertOk(self.post(shallow))

    def test_string_over_one_mib(self):
        big = "a" * (1024 * 1024 + 1)
        self.assertProblem(self.post(json.dumps(self.good_body(applicationName=big))), 400,
                           detail_has="applicationName")
        self.assertProblem(self.post(json.dumps(self.good_body(unknownField=big))), 400)

    def test_body_over_16_mib_is_413(self):
        size = 16 * 1024 * 1024 + 1024
        head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                "Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                % (IMPORT, A.key, size)).encode()
        body = b'{"x":"' + b"a" * (size - 8) + b'"}'
        self.assertEqual(len(body), size)
        r = srv.raw(head, timeout=30, send_body=body)
        self.assertIsNotNone(r, "no answer to a 16 MiB+ body")
        self.assertProblem(r, 413)

    def test_chunked_body_over_16_mib_is_413(self):
        head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                % (IMPORT, A.key)).encode()
        chunk = b"a" * (1024 * 1024)
        body = b"6\r\n{\"x\":\"\r\n" + (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 17 + b"2\r\n\"}\r\n0\r\n\r\n"
        r = srv.raw(head, timeout=30, send_body=body)
        self.assertIsNotNone(r, "no answer to a chunked 17 MiB body")
        self.assertProblem(r, 413)

    def test_declared_length_over_limit_without_body(self):
        head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                "Content-Type: application/json\r\nContent-Length: 99999999999\r\nConnection: close\r\n\r\n"
                % (IMPORT, A.key)).encode()
        r = srv.raw(head, timeout=10)
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 413, r)

    # ---- Content-Type ------------------------------------------------------------------
    def test_non_json_content_type_is_415(self):
        body = json.dumps(self.good_body())
        for ct in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                   "application/xml", "application/jsonx"):
            self.assertProblem(self.post(body, ctype=ct), 415)
        for ct in ("application/json", "application/vnd.api+json", "application/json;charset=UTF-8"):
            self.assertOk(self.post(body, ctype=ct))

    # ---- URL and header limits ----------------------------------------------------------
    def test_query_over_16_kib_is_414(self):
        r = srv.req("GET", "/v2/conversations?filter[title]=" + "a" * (17 * 1024), A.key)
        self.assertProblem(r, 414)
        r = srv.req("GET", "/v2/conversations/" + "b" * (17 * 1024), A.key)
        self.assertProblem(r, 414)
        r = srv.req("GET", "/v2/conversations?filter[title]=" + "a" * (8 * 1024), A.key)
        self.assertOk(r)

    def test_headers_far_over_the_buffer(self):
        """70 KiB of headers overflow the connection buffer (the 16 KiB limit + 32 KiB): libmicrohttpd
        answers 431 itself, with its own short body (README, "What a hosted-API user should know")."""
        r = srv.raw(padded_get(A.key, 70))
        self.assertIsNotNone(r, "no answer to 70 KiB of headers")
        self.assertEqual(r.status, 431, r)
        self.assertTrue(r.raw, "never an empty body")

    def test_headers_under_the_limit_work(self):
        r = srv.raw(padded_get(A.key, 14))
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 200, r)

    # ---- percent-encoding ------------------------------------------------------------------
    def test_bad_percent_encoding_in_query_is_400(self):
        for qs in ("filter[title]=%zz", "filter[title]=%4", "filter[title]=%", "filter[title]=a%00b",
                   "filter%zz=1", "page=%"):
            for path in ("/v2/conversations?", "/v2/conversations/list?"):
                self.assertProblem(srv.req("GET", path + qs, A.key), 400)

    def test_bad_percent_encoding_in_path_is_404(self):
        for seg in ("%zz", "%00", "%", "%4", UNKNOWN_UUID[:-2] + "%zz", "%2e%2e", "..%2f..%2fetc%2fpasswd",
                    "%C0%AF", "%ff"):
            r = srv.req("GET", "/v2/conversations/" + seg, A.key)
            self.assertProblem(r, 404)
            r = srv.req("DELETE", "/v2/conversations/" + seg, A.key)
            self.assertProblem(r, 404)

    def test_raw_garbage_requests(self):
        for data in (b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"\x00\x01\x02\r\n\r\n",
                     b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"):
            r = srv.raw(data, timeout=5)
            if r is not None:
                self.assertGreaterEqual(r.status, 400, (data, r))
        r = srv.raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertEqual(r.status, 200)

    def test_slow_client_does_not_block_others(self):
        import socket
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        try:
            s.sendall(b"POST /v2/conversations/import HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
            for _ in range(3):
                self.assertEqual(srv.req("GET", "/healthz", timeout=5).status, 200)
        finally:
            s.close()



class LargestHeaderLimit(harness.ApiTestCase):
    """`parley serve --max-header-size 65536`: up to 64 KiB of headers work, more is Parley's own 431
    problem (never libmicrohttpd's HTML), and the buffer holds 62 KiB of headers with a 15 KiB target."""

    @classmethod
    def setUpClass(cls):
        cls.srv = harness.Server(threads=2, extra_args=["--max-header-size", "65536"])
        cls.srv.start()
        cls.addClassCleanup(cls.srv.stop)
        cls.org = cls.srv.create_org("Large", "admin@large.example")

    def test_headers_over_64_kib(self):
        r = self.srv.raw(padded_get(self.org.key, 70))
        self.assertIsNotNone(r, "no answer to 70 KiB of headers")
        self.assertProblem(r, 431, code="headers_too_large", detail_has="the limit is 65536")

    def test_headers_under_the_limit_work(self):
        r = self.srv.raw(padded_get(self.org.key, 40))
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 200, r)

    def test_headers_and_target_at_their_limits_work(self):
        """62 KiB of headers with a 15 KiB target: the connection buffer holds both limits."""
        r = self.srv.raw(padded_get(self.org.key, 62, "/v2/conversations?filter[title]=" + "a" * (15 * 1024)))
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 200, r)


class DefaultHeaderLimit(harness.ApiTestCase):
    """The default, 16 KiB of headers as in Node.js: more is Parley's own 431 problem (never
    libmicrohttpd's HTML) up to the buffer, and the buffer still holds a 16 KiB target."""

    @classmethod
    def setUpClass(cls):
        cls.srv = harness.Server(threads=2)
        cls.srv.start()
        cls.addClassCleanup(cls.srv.stop)
        cls.org = cls.srv.create_org("Small", "admin@small.example")

    def test_under_the_limit_works(self):
        r = self.srv.raw(padded_get(self.org.key, 14))
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 200, r)

    def test_over_the_limit_is_a_problem_431(self):
        for kib in (17, 24, 30):
            r = self.srv.raw(padded_get(self.org.key, kib))
            self.assertIsNotNone(r, "no answer to %d KiB of headers" % kib)
            self.assertProblem(r, 431, code="headers_too_large", detail_has="the limit is 16384")

    def test_target_limit_unchanged(self):
        query = "/v2/conversations?filter[title]="
        r = self.srv.raw(padded_get(self.org.key, 14, query + "a" * (15 * 1024)))
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 200, r)
        self.assertProblem(self.srv.req("GET", query + "a" * (17 * 1024), self.org.key), 414)

    def test_out_of_range_is_refused(self):
        for v in ("8191", "65537", "16k", ""):
            p = subprocess.run([harness.parley_bin(), "serve", "--listen", "127.0.0.1:0", "--max-header-size", v],
                               capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
            self.assertEqual(p.returncode, 2, (v, p.stderr))
            self.assertIn("--max-header-size must be an integer between 8192 and 65536", p.stderr)

if __name__ == "__main__":
    unittest.main()
