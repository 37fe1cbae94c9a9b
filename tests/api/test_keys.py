"""test_keys.py - GET, POST and DELETE /v2/api_keys over HTTP: masking, who may create and revoke
what, immediate revocation on every worker thread, tenant isolation, every error status."""

import re
import sys
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402

srv = None
A = B = None
BOB = EVE = None           # users of A
BOB_KEY = None             # (id, key): a user-level key of bob
KEY_RE = re.compile(r"^prl_[A-Za-z0-9_-]{43}$")
FIELDS = ["id", "name", "organizationUUID", "userUUID", "value", "lastSeenAt"]
PATH = "/v2/api_keys"


def setUpModule():
    global srv, A, B, BOB, EVE, BOB_KEY
    srv = harness.module_server()
    A = srv.create_org("keys-a", "admin@keys-a.example")
    B = srv.create_org("keys-b", "admin@keys-b.example")
    BOB = srv.create_user(A.org, "bob@keys-a.example", first="Bob")
    EVE = srv.create_user(A.org, "eve@keys-a.example", first="Eve")
    BOB_KEY = srv.create_key(A.org, org_level=False, user=BOB, name="bob-cli")


def too_large(path, key, method="POST"):
    """A request declaring a body over the 16 MiB limit (sent without it)."""
    head = ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nContent-Length: 99999999999\r\nConnection: close\r\n\r\n"
            % (method, path, key)).encode()
    return srv.raw(head, timeout=10)


class KeysTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def create(self, key, body, status=200):
        r = srv.req("POST", PATH, key, body)
        if status == 200:
            k = self.assertOk(r)
            self.assertEqual(list(k), FIELDS, k)
            self.assertRegex(k["value"], KEY_RE)
            srv.secrets.add(k["value"])
            return k
        return r

    def ids(self, key):
        body = self.assertOk(self.get(PATH, key))
        self.assertIsInstance(body, list, "GET /api_keys is a bare array")
        return {k["id"]: k for k in body}

    # ---- GET ----------------------------------------------------------------------------
    def test_list_org_level_masks_every_value(self):
        keys = self.ids(A.key)
        self.assertIn(A.key_id, keys)
        self.assertIn(BOB_KEY[0], keys)
        for k in keys.values():
            self.assertEqual(list(k), FIELDS, k)
            self.assertEqual(k["organizationUUID"], A.org)
            self.assertRegex(k["userUUID"], harness.UUID_RE)
            self.assertTrue(k["value"].startswith("\u2026"), k)
            self.assertEqual(len(k["value"]), 5, k)
            self.assertNotIn("prl_", k["value"])
        mine = keys[A.key_id]
        self.assertEqual(mine["value"], "\u2026" + A.key[-4:])
        self.assertEqual(mine["userUUID"], A.admin)
        self.assertEqual(mine["name"], "default")
        self.assertRegex(mine["lastSeenAt"], harness.TIME_RE, "the key was just used")
        self.assertEqual(keys[BOB_KEY[0]]["userUUID"], BOB)
        self.assertEqual(keys[BOB_KEY[0]]["name"], "bob-cli")

    def test_get_by_id_refreshes_last_seen_after_its_snapshot(self):
        # GET /v2/conversations/{id} reads through one store snapshot and writes lastSeenAt after it
        cid = srv.import_conv(A.key, A.admin, conversationTitle="Seen by a fresh key")
        k = self.create(A.key, {"name": "only reads one conversation", "orgLevel": True})
        self.assertEqual(self.ids(A.key)[k["id"]]["lastSeenAt"], "")
        got = self.assertOk(self.get("/v2/conversations/" + cid, k["value"]))
        self.assertEqual(got["id"], cid)
        self.assertRegex(self.ids(A.key)[k["id"]]["lastSeenAt"], harness.TIME_RE, "the key was just used")

    def test_list_user_level_sees_only_its_users_keys(self):
        admin_user_key = self.create(A.key, {"name": "admin user-level", "orgLevel": False})
        eve = self.create(A.key, {"name": "eve", "userUUID": EVE})
        keys = self.ids(BOB_KEY[1])
        self.assertIn(BOB_KEY[0], keys)
        self.assertNotIn(A.key_id, keys, "org-level keys are not shown to user-level keys")
        self.assertNotIn(eve["id"], keys)
        self.assertNotIn(admin_user_key["id"], keys)
        for k in keys.values():
            self.assertEqual(k["userUUID"], BOB)

    def test_list_isolation(self):
        keys = self.ids(B.key)
        self.assertIn(B.key_id, keys)
        self.assertNotIn(A.key_id, keys)
        self.assertNotIn(BOB_KEY[0], keys)
        for k in keys.values():
            self.assertEqual(k["organizationUUID"], B.org)

    def test_list_needs_a_key(self):
        self.assertUnauthorized(self.get(PATH))
        self.assertUnauthorized(self.get(PATH, "prl_" + "x" * 43))

    # ---- POST -----------------------------------------------------------------------------
    def test_create_org_level(self):
        k = self.create(A.key, {"name": "ci org", "orgLevel": True})
        self.assertEqual(k["userUUID"], A.admin)
        self.assertEqual(k["organizationUUID"], A.org)
        self.assertEqual(k["lastSeenAt"], "")
        listed = self.ids(A.key)[k["id"]]
        self.assertEqual(listed["value"], "\u2026" + k["value"][-4:], "listed masked, never again in full")
        # it is an org-level key: it may create teams
        r = srv.req("POST", "/v2/organizations/teams", k["value"], {"name": "made by ci org"})
        self.assertOk(r)

    def test_create_user_level_for_a_user_and_for_the_admin(self):
        k = self.create(A.key, {"name": "bob 2", "orgLevel": False, "userUUID": BOB.upper()})
        self.assertEqual(k["userUUID"], BOB)
        r = srv.req("POST", "/v2/organizations/teams", k["value"], {"name": "nope"})
        self.assertProblem(r, 403, code="forbidden")
        k2 = self.create(A.key, {"name": "default user"})   # orgLevel defaults to false
        self.assertEqual(k2["userUUID"], A.admin)
        self.assertNotIn(A.key_id, self.ids(k2["value"]), "a user-level key of the admin")

    def test_user_level_key_creates_only_its_own_user_level_keys(self):
        k = self.create(BOB_KEY[1], {"name": "bob self"})
        self.assertEqual(k["userUUID"], BOB)
        k = self.create(BOB_KEY[1], {"name": "bob self 2", "userUUID": BOB, "orgLevel": False})
        self.assertEqual(k["userUUID"], BOB)
        self.assertProblem(self.create(BOB_KEY[1], {"name": "x", "orgLevel": True}, 403), 403, code="forbidden",
                           detail_has="org-level")
        self.assertProblem(self.create(BOB_KEY[1], {"name": "x", "userUUID": EVE}, 403), 403, detail_has=EVE)
        self.assertProblem(self.create(BOB_KEY[1], {"name": "x", "userUUID": B.admin}, 403), 403)

    def test_create_errors(self):
        cases = [
            ({}, "name is required"),
            ({"name": ""}, "name must be 1 to 200"),
            ({"name": "x" * 201}, "got 201 characters"),
            ({"name": 5}, "name must be a string"),
            ({"name": "x", "orgLevel": "true"}, "orgLevel must be a boolean"),
            ({"name": "x", "userUUID": "bob"}, "userUUID must be a UUID"),
            ({"name": "x", "userUUID": harness.UNKNOWN_UUID}, harness.UNKNOWN_UUID),
            ({"name": "x", "userUUID": B.admin}, "is not a user of this organization"),   # another org's user
            ([], "JSON object"),
        ]
        for body, detail in cases:
            self.assertProblem(self.create(A.key, body, 400), 400, detail_has=detail)
        self.assertOk(self.get(PATH, A.key))
        self.assertProblem(srv.req("POST", PATH, A.key, "{", ), 400, code="invalid_json")
        self.assertProblem(srv.req("POST", PATH, A.key, "name=x", headers={"Content-Type": "text/plain"}), 415)
        self.assertProblem(srv.req("POST", PATH, A.key), 400, detail_has="body is required")
        self.assertUnauthorized(srv.req("POST", PATH, None, {"name": "x"}))
        r = too_large(PATH, A.key)
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 413, r)
        self.assertProblem(srv.req("PUT", PATH, A.key, {"name": "x"}), 405)

    # ---- DELETE ---------------------------------------------------------------------------
    def test_revoke_takes_effect_at_once_on_every_thread(self):
        k = self.create(A.key, {"name": "to revoke", "orgLevel": True})
        for _ in range(4):   # fresh connections: both worker threads see it live
            self.assertOk(self.get(PATH, k["value"]))
        r = srv.req("DELETE", harness.q(PATH, {"id": k["id"]}), A.key)
        self.assertEqual(self.assertOk(r), {"success": True})
        for _ in range(6):
            self.assertUnauthorized(self.get(PATH, k["value"]))
        self.assertNotIn(k["id"], self.ids(A.key))
        # again: already revoked → 404
        self.assertNotFound(srv.req("DELETE", harness.q(PATH, {"id": k["id"]}), A.key))

    def test_revoke_with_a_body_and_revoking_oneself(self):
        k = self.create(A.key, {"name": "self", "orgLevel": True})
        r = srv.req("DELETE", PATH, k["value"], {"id": k["id"]})
        self.assertEqual(self.assertOk(r), {"success": True})
        self.assertUnauthorized(self.get(PATH, k["value"]))

    def test_revoke_errors(self):
        self.assertNotFound(srv.req("DELETE", harness.q(PATH, {"id": harness.UNKNOWN_UUID}), A.key))
        self.assertNotFound(srv.req("DELETE", harness.q(PATH, {"id": "not-a-uuid"}), A.key))
        self.assertProblem(srv.req("DELETE", PATH, A.key), 400, detail_has="id is required")
        self.assertProblem(srv.req("DELETE", harness.q(PATH, {"id": A.key_id}), A.key,
                                   {"id": harness.UNKNOWN_UUID}), 400, detail_has="differ")
        self.assertProblem(srv.req("DELETE", PATH, A.key, {"id": 5}), 400, detail_has="id must be a string")
        self.assertProblem(srv.req("DELETE", PATH, A.key, "id=x", headers={"Content-Type": "text/plain"}), 415)
        self.assertUnauthorized(srv.req("DELETE", harness.q(PATH, {"id": A.key_id})))
        r = too_large(PATH, A.key, "DELETE")
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 413, r)

    def test_revoke_isolation(self):
        # A's key cannot revoke B's key, and cannot tell it exists
        r = srv.req("DELETE", harness.q(PATH, {"id": B.key_id}), A.key)
        self.assertNotFound(r)
        self.assertOk(self.get(PATH, B.key))

    def test_user_level_revoke_rules(self):
        own = self.create(BOB_KEY[1], {"name": "bob throwaway"})
        eve = self.create(A.key, {"name": "eve's", "userUUID": EVE})
        r = srv.req("DELETE", harness.q(PATH, {"id": A.key_id}), BOB_KEY[1])
        self.assertProblem(r, 403, code="forbidden")
        r = srv.req("DELETE", harness.q(PATH, {"id": eve["id"]}), BOB_KEY[1])
        self.assertProblem(r, 403, code="forbidden")
        self.assertOk(self.get(PATH, eve["value"]))
        self.assertOk(self.get(PATH, A.key))
        r = srv.req("DELETE", harness.q(PATH, {"id": own["id"]}), BOB_KEY[1])
        self.assertEqual(self.assertOk(r), {"success": True})
        self.assertUnauthorized(self.get(PATH, own["value"]))
        self.assertOk(self.get(PATH, BOB_KEY[1]))

    # ---- CLI ------------------------------------------------------------------------------
    def test_cli_key_list_never_prints_secrets(self):
        k = self.create(A.key, {"name": "cli listed", "userUUID": EVE})
        out = srv.cli("key", "list", "--org", A.org)
        self.assertNotIn(k["value"], out)
        self.assertNotIn(A.key, out)
        rows = [harness.loads_strict(l.encode()) for l in out.splitlines()]
        self.assertEqual(set(r["id"] for r in rows), set(self.ids(A.key)), "the same keys as GET")
        for row in rows:
            self.assertEqual(list(row), FIELDS)
        eve_rows = [harness.loads_strict(l.encode())
                    for l in srv.cli("key", "list", "--org", "keys-a", "--user", "eve@keys-a.example").splitlines()]
        self.assertEqual([r["id"] for r in eve_rows], [k["id"]])
        p = srv.cli_run("key", "list", "--org", "nope")
        self.assertEqual(p.returncode, 1)
        self.assertEqual(srv.cli_run("key", "list").returncode, 2)


if __name__ == "__main__":
    unittest.main()
