"""test_admin_orgs.py - organizations for tests over HTTP (stand-in §1): made, seeded, isolated, deleted."""

import sys
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
from harness import UNKNOWN_UUID, UUID_RE, transcript_v2  # noqa: E402

srv = None


def setUpModule():
    global srv
    srv = harness.Server(admin=True)
    srv.start()


def tearDownModule():
    if srv:
        srv.stop()


def total(key, path="/v2/conversations/list"):
    r = srv.req("GET", path + "?size=1&filter[include_archived]=true", key)
    assert r.status == 200, r
    return r.body["meta"]["totalRecords"]


class OrgsTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def test_create_with_defaults(self):
        r = srv.admin("POST", "/orgs", None)
        self.assertEqual(r.status, 201, r)
        srv.secrets.add(r.body["key"])
        self.assertEqual(set(r.body), {"organization", "adminUser", "key", "keyId"})
        o, u = r.body["organization"], r.body["adminUser"]
        self.assertRegex(o["uuid"], UUID_RE)
        self.assertTrue(o["name"])
        self.assertRegex(u["uuid"], UUID_RE)
        self.assertEqual(u["email"], "admin@example.com")
        self.assertRegex(r.body["keyId"], UUID_RE)
        key = r.body["key"]
        self.assertEqual(srv.req("GET", "/v2/conversations", key).status, 200)
        users = srv.req("GET", "/v2/users", key).body["data"]
        self.assertEqual([x["uuid"] for x in users], [u["uuid"]])
        keys = srv.req("GET", "/v2/api_keys", key).body
        self.assertEqual([k["id"] for k in keys], [r.body["keyId"]])
        # generated names are unique
        other = srv.admin_org()
        self.assertNotEqual(srv.req("GET", "/v2/teams", other.key).body["data"][0]["name"], o["name"])

    def test_create_named_and_conflict(self):
        o = srv.admin_org(name="Named Org", admin_email="boss@named.example")
        users = srv.req("GET", "/v2/users", o.key).body["data"]
        self.assertEqual(users[0]["email"], "boss@named.example")
        r = srv.admin("POST", "/orgs", {"name": "Named Org"})
        self.assertProblem(r, 409, "conflict", detail_has=("Named Org",))

    def test_seeded(self):
        o = srv.admin_org(seed={"count": 25, "seed": 7, "now": "2025-06-01T00:00:00Z"})
        self.assertEqual(total(o.key), 25)
        rows = srv.req("GET", "/v2/conversations/list?size=50", o.key).body["data"]
        self.assertTrue(all(x["attributes"]["createdAt"] <= "2025-06-01T00:00:01" for x in rows))
        self.assertGreater(len(srv.req("GET", "/v2/users", o.key).body["data"]), 1)
        empty = srv.admin_org(seed={"count": 0})
        self.assertEqual(total(empty.key), 0)

    def test_bad_bodies_are_400_naming_the_member(self):
        for body, needle in (({"nme": "x"}, '"nme"'),
                             ({"name": ""}, "name"),
                             ({"name": "x" * 201}, "name"),
                             ({"name": 5}, "name"),
                             ({"adminEmail": "not-an-email"}, '"not-an-email"'),
                             ({"seed": {"count": 100001}}, "100001"),
                             ({"seed": {"count": -1}}, "seed.count"),
                             ({"seed": {}}, "seed.count"),
                             ({"seed": {"count": 1, "now": "later"}}, '"later"'),
                             ({"seed": {"count": 1, "size": 2}}, '"seed.size"'),
                             ({"seed": 5}, "seed"),
                             ([], "object")):
            self.assertProblem(srv.admin("POST", "/orgs", body), 400, detail_has=(needle,))
        self.assertProblem(srv.admin("POST", "/orgs", "{bad"), 400, "invalid_json")
        self.assertProblem(srv.admin("POST", "/orgs", "{}", headers={"Content-Type": "text/plain"}), 415)

    def test_delete_removes_everything_and_keys_fail_at_once(self):
        a = srv.admin_org(name="Doomed")
        b = srv.admin_org(name="Survivor")
        cid = srv.import_conv(a.key, a.admin, conversationTitle="gone soon",
                              transcript={"v2": transcript_v2(("A", "hello", 0.0, 1.0))})
        srv.req("DELETE", "/v2/conversations/" + cid, a.key)
        srv.req("POST", "/v2/organizations/users", a.key, {"email": "x@doomed.example"})
        srv.req("POST", "/v2/organizations/teams", a.key, {"name": "Doomed team"})
        user_key = srv.req("POST", "/v2/api_keys", a.key, {"name": "u", "orgLevel": False}).body["value"]
        srv.secrets.add(user_key)
        bid = srv.import_conv(b.key, b.admin, conversationTitle="stays")
        self.assertEqual(srv.admin("DELETE", "/orgs/" + a.org).body, {"success": True})
        for k in (a.key, user_key):
            self.assertUnauthorized(srv.req("GET", "/v2/conversations", k))
        self.assertEqual(srv.req("GET", "/v2/conversations/" + bid, b.key).status, 200)
        self.assertProblem(srv.admin("DELETE", "/orgs/" + a.org), 404, "not_found")
        # the name is free again, and nothing of the old organization comes back
        again = srv.admin_org(name="Doomed")
        self.assertEqual(total(again.key), 0)
        self.assertEqual(len(srv.req("GET", "/v2/users", again.key).body["data"]), 1)
        self.assertEqual([t["name"] for t in srv.req("GET", "/v2/teams", again.key).body["data"]], ["Doomed"])
        self.assertEqual(srv.req("GET", "/v2/conversations/workflow-logs", again.key).body["total"], 0)
        self.assertNotFound(srv.req("GET", "/v2/conversations/" + cid, again.key))

    def test_delete_unknown_or_malformed_is_404(self):
        for ident in (UNKNOWN_UUID, "not-a-uuid", "%2e%2e"):
            self.assertProblem(srv.admin("DELETE", "/orgs/" + ident), 404, "not_found")

    def test_tenants_are_isolated(self):
        a = srv.admin_org()
        b = srv.admin_org()
        cid = srv.import_conv(a.key, a.admin, conversationTitle="mine")
        self.assertNotFound(srv.req("GET", "/v2/conversations/" + cid, b.key))
        self.assertEqual(total(b.key), 0)
        self.assertNotFound(srv.req("DELETE", "/v2/conversations/" + cid, b.key))


if __name__ == "__main__":
    unittest.main()
