"""test_admin_rate_limit.py - the hosted API's 429 on demand: a token bucket per key (stand-in §4), end to end."""

import sys
import time
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402

srv = None
A = None


def setUpModule():
    global srv, A
    srv = harness.Server(admin=True)
    srv.start()
    A = srv.create_org("rate-a", "admin@a.example")


def tearDownModule():
    if srv:
        srv.stop()


class RateLimitTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv
        srv.admin("DELETE", "/rate-limit")

    def test_no_limit_no_headers(self):
        r = srv.req("GET", "/v2/teams", A.key)
        self.assertEqual(r.status, 200)
        for h in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"):
            self.assertNotIn(h, r.headers)
        self.assertProblem(srv.admin("GET", "/rate-limit"), 404, "not_found")

    def test_bucket_per_key_429_with_retry_after_and_headers(self):
        r = srv.admin("PUT", "/rate-limit", {"requests": 3, "per": "minute"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, {"requests": 3, "per": "minute", "burst": 3})
        self.assertEqual(srv.admin("GET", "/rate-limit").body, r.body)
        seen = []
        for _ in range(3):
            r = srv.req("GET", "/v2/teams", A.key)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.headers["RateLimit-Limit"], "3")
            seen.append(int(r.headers["RateLimit-Remaining"]))
            self.assertGreaterEqual(int(r.headers["RateLimit-Reset"]), 0)
        self.assertEqual(seen, [2, 1, 0])
        r = srv.req("GET", "/v2/teams", A.key)
        self.assertProblem(r, 429, "rate_limited")
        self.assertGreaterEqual(int(r.headers["Retry-After"]), 1)
        self.assertLessEqual(int(r.headers["Retry-After"]), 20)   # one token every 20 s
        self.assertEqual(r.headers["RateLimit-Remaining"], "0")
        # another key has its own bucket
        _, other = srv.create_key(A.org, name="other")
        self.assertEqual(srv.req("GET", "/v2/teams", other).status, 200)

    def test_a_limited_request_executes_nothing(self):
        srv.admin("PUT", "/rate-limit", {"requests": 1, "per": "minute"})
        _, key = srv.create_key(A.org, name="importer")
        before = srv.req("GET", "/v2/conversations/list?size=1", key).body["meta"]["totalRecords"]
        r = srv.req("POST", "/v2/conversations/import", key,
                    {"mediaURL": "https://m.example/a.mp4", "userID": A.admin, "conversationTitle": "limited"})
        self.assertProblem(r, 429, "rate_limited")
        srv.admin("DELETE", "/rate-limit")
        self.assertEqual(srv.req("GET", "/v2/conversations/list?size=1", key).body["meta"]["totalRecords"], before)

    def test_delete_removes_the_limit(self):
        srv.admin("PUT", "/rate-limit", {"requests": 1, "per": "minute"})
        srv.req("GET", "/v2/teams", A.key)
        self.assertEqual(srv.req("GET", "/v2/teams", A.key).status, 429)
        self.assertEqual(srv.admin("DELETE", "/rate-limit").body, {"success": True})
        r = srv.req("GET", "/v2/teams", A.key)
        self.assertEqual(r.status, 200)
        self.assertNotIn("RateLimit-Limit", r.headers)

    def test_burst_and_refill_honoured_by_a_sleeping_client(self):
        srv.admin("PUT", "/rate-limit", {"requests": 1, "per": "second", "burst": 2})
        _, key = srv.create_key(A.org, name="burst")
        got = [srv.req("GET", "/v2/teams", key).status for _ in range(3)]
        self.assertEqual(got[:2], [200, 200])
        self.assertIn(got[2], (200, 429))   # a token may have come back meanwhile
        r = srv.req("GET", "/v2/teams", key)
        while r.status == 429:   # the client honours Retry-After
            time.sleep(int(r.headers["Retry-After"]))
            r = srv.req("GET", "/v2/teams", key)
        self.assertEqual(r.status, 200)

    def test_admin_and_health_are_not_limited(self):
        srv.admin("PUT", "/rate-limit", {"requests": 1, "per": "minute"})
        for _ in range(3):
            self.assertEqual(srv.req("GET", "/healthz").status, 200)
            self.assertEqual(srv.admin("GET", "/rate-limit").status, 200)

    def test_bad_bodies_are_400_and_change_nothing(self):
        srv.admin("PUT", "/rate-limit", {"requests": 5, "per": "second"})
        for body, needle in (({"requests": 0, "per": "second"}, "requests"),
                             ({"requests": 5, "per": "hour"}, '"hour"'),
                             ({"requests": 5}, "per"),
                             ({"per": "second"}, "requests"),
                             ({"requests": 5, "per": "second", "burst": -1}, "burst"),
                             ({"requests": "5", "per": "second"}, '"5"'),
                             ({"requests": 5, "per": "second", "window": 1}, '"window"'),
                             ([5], "object")):
            self.assertProblem(srv.admin("PUT", "/rate-limit", body), 400, detail_has=(needle,))
        self.assertEqual(srv.admin("GET", "/rate-limit").body, {"requests": 5, "per": "second", "burst": 5})


class FlagTest(harness.ApiTestCase):
    def test_serve_rate_limit_flag(self):
        with harness.Server(extra_args=["--rate-limit", "2/m"]) as s:
            self.srv = s
            o = s.create_org("flag", "admin@flag.example")
            self.assertEqual([s.req("GET", "/v2/teams", o.key).status for _ in range(3)], [200, 200, 429])

    def test_bad_flag_is_a_usage_error(self):
        for bad in ("2", "x/s", "2/h", "0/s"):
            p = srv.cli_run("serve", "--listen", "127.0.0.1:0", "--rate-limit", bad, db=False)
            self.assertEqual(p.returncode, 2, bad)
            self.assertIn("rate", p.stderr)


if __name__ == "__main__":
    unittest.main()
