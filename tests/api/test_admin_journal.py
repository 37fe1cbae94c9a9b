"""test_admin_journal.py - the request journal (stand-in §6): what the client really sent, newest first, no secrets."""

import http.client
import json
import sys
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402

srv = None
A = None


def setUpModule():
    global srv, A
    srv = harness.Server(admin=True)
    srv.start()
    A = srv.create_org("journal-a", "admin@a.example")


def tearDownModule():
    if srv:
        srv.stop()


def entries(query=""):
    r = srv.admin("GET", "/requests" + query)
    assert r.status == 200, r
    return r.body["data"]


class JournalTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv
        srv.admin("DELETE", "/faults")
        srv.admin("DELETE", "/rate-limit")
        self.assertEqual(srv.admin("DELETE", "/requests").body, {"success": True})

    def test_normal_faulted_and_rate_limited_requests(self):
        srv.req("GET", "/v2/teams?x=1&y=%C3%A9", A.key)
        rule = srv.admin("POST", "/faults", {"match": {"path": "/v2/users"}, "respond": {"status": 503}}).body
        srv.req("GET", "/v2/users", A.key)
        srv.admin("DELETE", "/faults")
        srv.admin("PUT", "/rate-limit", {"requests": 1, "per": "minute"})
        srv.req("GET", "/v2/teams", A.key)
        srv.req("GET", "/v2/teams", A.key)
        got = entries()
        self.assertEqual([(e["method"], e["path"], e["status"]) for e in got],
                         [("GET", "/v2/teams", 429), ("GET", "/v2/teams", 200), ("GET", "/v2/users", 503),
                          ("GET", "/v2/teams", 200)])
        self.assertEqual(got[2]["fault"], rule["id"])
        self.assertEqual([e["fault"] for e in got if e is not got[2]], [None, None, None])
        self.assertEqual(got[3]["query"], "x=1&y=%C3%A9")
        for e in got:
            self.assertEqual(set(e), {"id", "at", "method", "path", "query", "status", "durationMs", "keyId",
                                      "requestBody", "truncated", "fault"})
            self.assertEqual(e["keyId"], A.key_id)
            self.assertRegex(e["at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertIsInstance(e["durationMs"], (int, float))
            self.assertIsNone(e["requestBody"])
            self.assertIs(e["truncated"], False)
        ids = [e["id"] for e in got]
        self.assertEqual(ids, sorted(ids, reverse=True))

    def test_bodies_unauthenticated_and_unknown_paths(self):
        body = {"mediaURL": "https://m.example/j.mp4", "userID": A.admin, "conversationTitle": "Journal ü"}
        srv.req("POST", "/v2/conversations/import", A.key, body)
        srv.req("GET", "/v2/conversations", None)
        srv.req("GET", "/v2/nothing/here", A.key)
        got = entries()
        self.assertEqual([e["status"] for e in got], [404, 401, 200])
        self.assertIsNone(got[1]["keyId"])
        self.assertEqual(json.loads(got[2]["requestBody"]), body)

    def test_long_and_binary_bodies(self):
        big = json.dumps({"mediaURL": "https://m.example/b.mp4", "userID": A.admin,
                          "conversationTitle": "é" * 40000})
        srv.req("POST", "/v2/conversations/import", A.key, big)
        e = entries("?limit=1")[0]
        self.assertIs(e["truncated"], True)
        self.assertLessEqual(len(e["requestBody"].encode()), 65536)
        self.assertGreater(len(e["requestBody"].encode()), 65536 - 4)
        self.assertTrue(big.startswith(e["requestBody"]), "cut on a character boundary")
        srv.req("POST", "/v2/conversations/import", A.key, b"\xff\xfe{\"a\":1}\xc3")
        e = entries("?limit=1")[0]
        self.assertEqual(e["requestBody"], "\ufffd\ufffd{\"a\":1}\ufffd")
        self.assertIs(e["truncated"], False)

    def test_filters(self):
        srv.req("GET", "/v2/teams", A.key)
        srv.req("GET", "/v2/users", A.key)
        srv.req("POST", "/v2/organizations/teams", A.key, {"name": "Journal team"})
        srv.req("GET", "/v2/teams/" + harness.UNKNOWN_UUID, A.key)
        self.assertEqual([e["path"] for e in entries("?method=POST")], ["/v2/organizations/teams"])
        self.assertEqual([e["path"] for e in entries("?method=post")], ["/v2/organizations/teams"])
        self.assertEqual([e["path"] for e in entries("?path=/v2/teams/**")],
                         ["/v2/teams/" + harness.UNKNOWN_UUID, "/v2/teams"])
        self.assertEqual([e["status"] for e in entries("?status=404")], [404])
        self.assertEqual(len(entries("?limit=2")), 2)
        self.assertEqual(entries("?status=404&method=POST"), [])
        _, k2 = srv.create_key(A.org, name="journal-filter")
        srv.req("GET", "/v2/users", k2)
        k2_id = [k["id"] for k in srv.req("GET", "/v2/api_keys", A.key).body if k["name"] == "journal-filter"][0]
        self.assertEqual([e["keyId"] for e in entries("?keyId=" + k2_id)], [k2_id])

    def test_bad_filters_are_400(self):
        for q, needle in (("?limit=0", "limit"), ("?limit=x", "limit"), ("?status=99", "status"),
                          ("?status=abc", "status"), ("?path=v2", '"v2"'), ("?path=/v2/a**", "/v2/a**")):
            self.assertProblem(srv.admin("GET", "/requests" + q), 400, detail_has=(needle,))

    def test_admin_requests_and_secrets_never_appear(self):
        _, k2 = srv.create_key(A.org, name="secret-check")
        srv.req("GET", "/v2/teams", k2, auth_form="bare")
        srv.req("GET", "/v2/teams", "prl_not_a_real_key_but_looks_like_one_xx")
        srv.admin("GET", "/faults")
        text = srv.admin("GET", "/requests").raw.decode()
        for secret in (k2, srv.admin_token, A.key, "prl_not_a_real_key"):
            self.assertNotIn(secret, text)
        self.assertNotIn("/_parley", text)
        self.assertNotIn("Authorization", text)

    def test_dropped_request_is_journaled_with_null_status(self):
        rule = srv.admin("POST", "/faults", {"match": {"path": "/v2/teams"}, "drop": True, "times": 1}).body
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionResetError, http.client.BadStatusLine)):
            srv.req("GET", "/v2/teams", A.key)
        e = entries()[0]
        self.assertIsNone(e["status"])
        self.assertEqual(e["fault"], rule["id"])


class SizeTest(harness.ApiTestCase):
    def test_ring_keeps_the_last_n(self):
        with harness.Server(admin=True, extra_args=["--journal", "3"]) as s:
            o = s.create_org("ring", "admin@ring.example")
            for i in range(5):
                s.req("GET", "/v2/teams?i=%d" % i, o.key)
            got = s.admin("GET", "/requests?limit=100").body["data"]
            self.assertEqual([e["query"] for e in got], ["i=4", "i=3", "i=2"])

    def test_journal_off(self):
        with harness.Server(admin=True, extra_args=["--journal", "0"]) as s:
            o = s.create_org("off", "admin@off.example")
            s.req("GET", "/v2/teams", o.key)
            self.assertEqual(s.admin("GET", "/requests").body, {"data": []})

    def test_bad_journal_flag(self):
        p = srv.cli_run("serve", "--listen", "127.0.0.1:0", "--journal", "-1", db=False)
        self.assertEqual(p.returncode, 2)


if __name__ == "__main__":
    unittest.main()
