"""test_auth.py - API keys on every conversation endpoint: both header forms, missing/unknown/revoked
keys (401), user-level keys (what they see and may change), and isolation between organizations."""

import sys
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
from harness import AUTH_DETAIL, UNKNOWN_UUID, transcript_v2

srv = None
A = B = None
alice = bob = None
alice_key = bob_key = None
conv_a = conv_b = None    # alice's conversation in A; B's admin's conversation in B
UNKNOWN_KEY = "prl_" + "Q" * 43


def setUpModule():
    global srv, A, B, alice, bob, alice_key, bob_key, conv_a, conv_b
    srv = harness.module_server()
    A = srv.create_org("auth-a", "admin@au.example")
    B = srv.create_org("auth-b", "admin@aub.example")
    alice = srv.create_user(A.org, "alice@au.example")
    bob = srv.create_user(A.org, "bob@au.example")
    alice_key = srv.create_key(A.org, user=alice, name="alice")[1]
    bob_key = srv.create_key(A.org, user=bob, name="bob")[1]
    tr = {"v2": transcript_v2(("X", "some words", 0, 1))}
    conv_a = srv.import_conv(A.key, alice, applicationExternalID="auth-ext-a", transcript=tr)
    conv_b = srv.import_conv(B.key, B.admin, applicationExternalID="auth-ext-b", transcript=tr)
    # keys that are guessed or revoked must not be logged either
    srv.secrets.add(UNKNOWN_KEY)


def endpoints(cid, ext):
    """(method, path, body) of every conversation endpoint that needs a key."""
    return [("GET", "/v2/conversations", None),
            ("GET", "/v2/conversations/list", None),
            ("GET", "/v2/conversations/" + cid, None),
            ("GET", "/v2/conversations/%s?by=external_id" % ext, None),
            ("GET", "/v2/conversations/by-external-id/" + ext, None),
            ("DELETE", "/v2/conversations/" + cid, None),
            ("POST", "/v2/conversations/%s/unarchive" % cid, None),
            ("POST", "/v2/conversations/import", {"mediaURL": "https://m.example/x", "userID": alice})]


class AuthTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def test_missing_and_unknown_keys(self):
        for method, path, body in endpoints(conv_a, "auth-ext-a"):
            self.assertUnauthorized(srv.req(method, path, None, body))
            for form in ("bearer", "bare"):
                self.assertUnauthorized(srv.req(method, path, UNKNOWN_KEY, body, auth_form=form))
        # the conversation was not touched by the refused DELETE
        self.assertIs(self.assertOk(srv.req("GET", "/v2/conversations/" + conv_a, A.key))
                      ["attributes"]["archived"], False)

    def test_malformed_headers(self):
        path = "/v2/conversations/" + conv_a
        for hv in ("", " ", "Bearer", "Bearer ", "Bearer\t", "Basic " + A.key, "Token " + A.key,
                   A.key + " " + A.key, "Bearer " + A.key + "x", A.key[:-1], "Bearer " + "x" * 600,
                   "x" * 600, "Bearer\x7f"):
            r = srv.req("GET", path, headers={"Authorization": hv})
            self.assertUnauthorized(r)

    def test_header_forms_accepted(self):
        path = "/v2/conversations/" + conv_a
        for form in ("bearer", "bare"):
            self.assertOk(srv.req("GET", path, A.key, auth_form=form))
            self.assertOk(srv.req("GET", path, alice_key, auth_form=form))
        for scheme in ("bearer ", "BEARER "):
            self.assertOk(srv.req("GET", path, headers={"Authorization": scheme + A.key}))

    def test_unauthorized_problem_body(self):
        r = srv.req("GET", "/v2/conversations")
        self.assertUnauthorized(r)
        self.assertEqual(r.body["detail"], AUTH_DETAIL)
        self.assertEqual(r.body["code"], "unauthorized")
        self.assertEqual(r.body["status"], 401)
        self.assertNotIn(UNKNOWN_KEY, srv.req("GET", "/v2/conversations", UNKNOWN_KEY).raw.decode())

    def test_revoked_key_is_refused_at_once(self):
        kid, key = srv.create_key(A.org, name="short-lived")
        conn = srv.connect()
        try:
            self.assertOk(srv.req("GET", "/v2/conversations/" + conv_a, key, conn=conn))
            srv.revoke_key(A.org, kid)
            # same keep-alive connection, then new ones, both header forms
            self.assertUnauthorized(srv.req("GET", "/v2/conversations/" + conv_a, key, conn=conn))
        finally:
            conn.close()
        for method, path, body in endpoints(conv_a, "auth-ext-a"):
            for form in ("bearer", "bare"):
                self.assertUnauthorized(srv.req(method, path, key, body, auth_form=form))
        # revoking again fails, the other keys keep working
        self.assertNotEqual(srv.cli_run("key", "revoke", "--org", A.org, "--id", kid).returncode, 0)
        self.assertOk(srv.req("GET", "/v2/conversations/" + conv_a, A.key))

    def test_revoked_user_key(self):
        kid, key = srv.create_key(A.org, user=bob, name="bob-2")
        self.assertOk(srv.req("GET", "/v2/conversations", key))
        srv.revoke_key(A.org, kid)
        self.assertUnauthorized(srv.req("GET", "/v2/conversations", key))
        self.assertOk(srv.req("GET", "/v2/conversations", bob_key))

    def test_cannot_revoke_another_orgs_key(self):
        kid, key = srv.create_key(A.org, name="victim")
        p = srv.cli_run("key", "revoke", "--org", B.org, "--id", kid)
        self.assertNotEqual(p.returncode, 0)
        self.assertTrue(p.stderr.strip())
        self.assertOk(srv.req("GET", "/v2/conversations", key))

    # ---- user-level keys -------------------------------------------------------------
    def test_user_key_reads_org_conversations(self):
        self.assertOk(srv.req("GET", "/v2/conversations/" + conv_a, bob_key))
        rows, _ = srv.list_all(bob_key, "/v2/conversations/list")
        self.assertIn(conv_a, [x["id"] for x in rows])
        self.assertEqual(self.assertOk(srv.req("GET", "/v2/conversations/by-external-id/auth-ext-a", bob_key)),
                         {"conversation_id": conv_a})

    def test_user_key_changes_only_its_own(self):
        self.assertProblem(srv.req("DELETE", "/v2/conversations/" + conv_a, bob_key), 403)
        self.assertProblem(srv.req("POST", "/v2/conversations/%s/unarchive" % conv_a, bob_key), 403)
        self.assertProblem(srv.req("POST", "/v2/conversations/import", bob_key,
                                   {"mediaURL": "https://m.example/x", "userID": alice}), 403)
        own = srv.import_conv(bob_key, bob)
        self.assertTrue(self.assertOk(srv.req("DELETE", "/v2/conversations/" + own, bob_key))["attributes"]["archived"])
        self.assertFalse(self.assertOk(srv.req("POST", "/v2/conversations/%s/unarchive" % own, bob_key))
                         ["attributes"]["archived"])
        # the org-level key may change anyone's
        self.assertOk(srv.req("DELETE", "/v2/conversations/" + own, A.key))
        self.assertOk(srv.req("POST", "/v2/conversations/%s/unarchive" % own, A.key))

    # ---- organizations ------------------------------------------------------------------
    def test_other_org_sees_nothing(self):
        for key in (B.key,):
            for method, path, body in endpoints(conv_a, "auth-ext-a")[2:7]:
                self.assertNotFound(srv.req(method, path, key, body))
            for path in ("/v2/conversations", "/v2/conversations/list"):
                rows, _ = srv.list_all(key, path, params=[("filter[include_archived]", "true")])
                self.assertEqual([x["id"] for x in rows], [conv_b])
        for key in (A.key, alice_key, bob_key):
            for method, path, body in endpoints(conv_b, "auth-ext-b")[2:7]:
                self.assertNotFound(srv.req(method, path, key, body))
        self.assertIs(self.assertOk(srv.req("GET", "/v2/conversations/" + conv_b, B.key))
                      ["attributes"]["archived"], False)
        self.assertIs(self.assertOk(srv.req("GET", "/v2/conversations/" + conv_a, A.key))
                      ["attributes"]["archived"], False)

    def test_unknown_id_with_valid_key_is_404_not_401(self):
        self.assertNotFound(srv.req("GET", "/v2/conversations/" + UNKNOWN_UUID, A.key))
        self.assertNotFound(srv.req("GET", "/v2/conversations/" + UNKNOWN_UUID, alice_key))

    def test_healthz_needs_no_key(self):
        r = srv.req("GET", "/healthz")
        self.assertEqual(self.assertOk(r), {"status": "ok"})


if __name__ == "__main__":
    unittest.main()
