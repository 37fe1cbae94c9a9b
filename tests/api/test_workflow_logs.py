"""test_workflow_logs.py - GET /v2/conversations/workflow-logs end to end: entries, filters, paging, scopes."""

import datetime
import sys
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
from harness import TIME_RE, UNKNOWN_UUID, UUID_RE, q  # noqa: E402

PATH = "/v2/conversations/workflow-logs"
srv = None
A = B = None
alice = bob = None
alice_key = bob_key = None
c_pub = c_priv = c_b = None   # alice's public and private conversations, one of B


def setUpModule():
    global srv, A, B, alice, bob, alice_key, bob_key, c_pub, c_priv, c_b
    srv = harness.module_server()
    A = srv.create_org("logs-a", "admin@la.example")
    B = srv.create_org("logs-b", "admin@lb.example")
    alice = srv.create_user(A.org, "alice@la.example")
    bob = srv.create_user(A.org, "bob@la.example")
    alice_key = srv.create_key(A.org, user=alice)[1]
    bob_key = srv.create_key(A.org, user=bob)[1]
    c_pub = srv.import_conv(A.key, alice, conversationTitle="Public")
    c_priv = srv.import_conv(A.key, alice, conversationTitle="Private")
    c_b = srv.import_conv(B.key, B.admin, conversationTitle="Other org")
    ok = lambda r: r.status == 200 or (_ for _ in ()).throw(AssertionError(repr(r)))  # noqa: E731
    ok(srv.req("PUT", "/v2/conversations/%s/change_privacy" % c_priv, A.key, {"private": True}))
    ok(srv.req("DELETE", "/v2/conversations/" + c_pub, A.key))
    ok(srv.req("POST", "/v2/conversations/%s/unarchive" % c_pub, A.key))
    ok(srv.req("PUT", "/v2/conversations/%s/title" % c_pub, A.key, {"title": "Renamed"}))
    # a refused change: bob may not rename alice's conversation
    r = srv.req("PUT", "/v2/conversations/%s/title" % c_pub, bob_key, {"title": "Bob's"})
    assert r.status == 403, r


class WorkflowLogsTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def logs(self, params=(), key=None):
        return srv.req("GET", q(PATH, list(params)) if params else PATH, A.key if key is None else key)

    def body(self, params=(), key=None):
        b = self.assertOk(self.logs(params, key))
        self.assertEqual(list(b), ["data", "total"])
        self.assertIsInstance(b["total"], int)
        for e in b["data"]:
            self.assertEqual(list(e), ["conversationUUID", "workflowName", "success", "error", "createdAt"])
            self.assertRegex(e["conversationUUID"], UUID_RE)
            self.assertIsInstance(e["success"], bool)
            self.assertIsInstance(e["error"], str)
            self.assertRegex(e["createdAt"], TIME_RE)
            if e["success"]:
                self.assertEqual(e["error"], "")
        return b

    def test_every_event_newest_first(self):
        b = self.body([("conversationUUIDs", c_pub)])
        self.assertEqual([e["workflowName"] for e in b["data"]],
                         ["title_changed", "title_changed", "unarchive", "archive", "import"])
        self.assertEqual([e["success"] for e in b["data"]], [False, True, True, True, True])
        self.assertIn("forbidden", b["data"][0]["error"])
        self.assertEqual(b["total"], 5)
        times = [e["createdAt"] for e in b["data"]]
        self.assertEqual(times, sorted(times, reverse=True))

    def test_whole_organization(self):
        b = self.body()
        self.assertEqual(b["total"], 7)   # c_pub: 5, c_priv: import + privacy_changed
        self.assertEqual({e["conversationUUID"] for e in b["data"]}, {c_pub, c_priv})
        self.assertIn("privacy_changed", [e["workflowName"] for e in b["data"]])

    def test_tenant_isolation(self):
        b = self.body(key=B.key)
        self.assertEqual([(e["conversationUUID"], e["workflowName"]) for e in b["data"]], [(c_b, "import")])
        self.assertEqual(self.body([("conversationUUIDs", c_pub)], key=B.key), {"data": [], "total": 0})
        self.assertEqual(self.body([("conversationUUIDs", c_b)]), {"data": [], "total": 0})

    def test_user_level_sees_visible_conversations(self):
        b = self.body(key=bob_key)
        self.assertEqual({e["conversationUUID"] for e in b["data"]}, {c_pub})
        self.assertEqual(b["total"], 5)
        b = self.body(key=alice_key)
        self.assertEqual({e["conversationUUID"] for e in b["data"]}, {c_pub, c_priv})
        self.assertEqual(self.body([("conversationUUIDs", c_priv)], key=bob_key)["total"], 0)

    def test_success_filter(self):
        failed = self.body([("success", "false")])
        self.assertEqual([(e["conversationUUID"], e["workflowName"]) for e in failed["data"]],
                         [(c_pub, "title_changed")])
        self.assertEqual(self.body([("success", "true")])["total"], 6)
        self.assertEqual(self.body([("success", "1")])["total"], 6)
        self.assertEqual(self.body([("success", "0")])["total"], 1)

    def test_conversation_uuids_forms(self):
        both = {c_pub, c_priv}
        for params in ([("conversationUUIDs", c_pub), ("conversationUUIDs", c_priv)],
                       [("conversationUUIDs", "%s,%s" % (c_pub, c_priv.upper()))],
                       [("conversationUUIDs[]", c_pub), ("conversationUUIDs[]", c_priv)]):
            b = self.body(params)
            self.assertEqual({e["conversationUUID"] for e in b["data"]}, both, params)
            self.assertEqual(b["total"], 7)
        self.assertEqual(self.body([("conversationUUIDs", UNKNOWN_UUID)]), {"data": [], "total": 0})

    def test_paging(self):
        all_ = self.body()["data"]
        self.assertEqual(len(all_), 7)
        seen = []
        for off in range(0, 7, 3):
            b = self.body([("limit", "3"), ("offset", str(off))])
            self.assertEqual(b["total"], 7)
            seen += b["data"]
        self.assertEqual(seen, all_)
        b = self.body([("offset", "7")])
        self.assertEqual((b["data"], b["total"]), ([], 7))
        self.assertEqual(len(self.body([("limit", "1000")])["data"]), 7)

    def test_default_limit_is_100(self):
        org = srv.create_org("logs-many", "admin@lm.example")
        cid = srv.import_conv(org.key, org.admin)
        for i in range(105):
            r = srv.req("PUT", "/v2/conversations/%s/title" % cid, org.key, {"title": "t%d" % i})
            self.assertEqual(r.status, 200, r)
        b = self.body(key=org.key)
        self.assertEqual((len(b["data"]), b["total"]), (100, 106))
        self.assertEqual(b["data"][-1]["workflowName"], "title_changed")

    def test_time_window(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        fmt = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
        hour = datetime.timedelta(hours=1)
        self.assertEqual(self.body([("fromDateTime", fmt(now - hour)), ("toDateTime", fmt(now + hour))])["total"], 7)
        self.assertEqual(self.body([("fromDateTime", fmt(now + hour))])["total"], 0)
        self.assertEqual(self.body([("toDateTime", fmt(now - hour))])["total"], 0)
        # inclusive bounds: the newest entry's own second
        newest = self.body()["data"][0]["createdAt"]
        b = self.body([("fromDateTime", newest), ("toDateTime", newest)])
        self.assertGreaterEqual(b["total"], 1)
        self.assertTrue(all(e["createdAt"] == newest for e in b["data"]))

    def test_bad_parameters(self):
        for params, name in [([("limit", "0")], "limit"), ([("limit", "1001")], "limit"),
                             ([("limit", "ten")], "limit"), ([("limit", "")], "limit"),
                             ([("offset", "-1")], "offset"), ([("success", "maybe")], "success"),
                             ([("fromDateTime", "yesterday")], "fromDateTime"),
                             ([("toDateTime", "2024-13-01T00:00:00Z")], "toDateTime"),
                             ([("fromDateTime", "2024-03-19T00:00:00Z"), ("toDateTime", "2024-03-18T00:00:00Z")],
                              "fromDateTime"),
                             ([("conversationUUIDs", "nope")], "conversationUUIDs")]:
            self.assertProblem(self.logs(params), 400, code="invalid_parameter", detail_has=name)
        self.assertOk(self.logs([("unknown", "x")]))

    def test_auth_and_method(self):
        self.assertUnauthorized(srv.req("GET", PATH))
        self.assertUnauthorized(srv.req("GET", PATH, "bogus-key"))
        r = srv.req("POST", PATH, A.key, {})
        self.assertProblem(r, 405)
        self.assertIn("GET", r.headers.get("Allow", ""))
        # the literal segment wins over {id}: this is not a conversation lookup
        self.assertNotIn("not found", self.assertOk(self.logs()).get("detail", ""))


if __name__ == "__main__":
    unittest.main(verbosity=2)
