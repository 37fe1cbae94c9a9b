"""test_archive.py - DELETE /v2/conversations/{id} (archive) and POST …/unarchive, end to end."""

import time
import sys
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
from harness import ATTRIBUTES, TIME_RE, UNKNOWN_UUID, transcript_v2

srv = None
A = B = None          # Org tuples
alice = bob = None    # users of A
alice_key = bob_key = None


def setUpModule():
    global srv, A, B, alice, bob, alice_key, bob_key
    srv = harness.module_server()
    A = srv.create_org("archive-a", "admin@a.example")
    B = srv.create_org("archive-b", "admin@b.example")
    alice = srv.create_user(A.org, "alice@a.example", first="Alice", last="Archer")
    bob = srv.create_user(A.org, "bob@a.example", first="Bob", last="Bowman")
    alice_key = srv.create_key(A.org, user=alice, name="alice")[1]
    bob_key = srv.create_key(A.org, user=bob, name="bob")[1]


def new_conv(key=None, owner=None, **fields):
    """An imported conversation with a transcript (so /conversations lists it)."""
    fields.setdefault("conversationTitle", "Archive me")
    fields.setdefault("transcript", {"v2": transcript_v2(("Alice", "hello there", 0.0, 2.0),
                                                         ("Bob", "hi", 2.0, 3.5))})
    return srv.import_conv(key or A.key, owner or alice, **fields)


class ArchiveTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def archive(self, cid, key=None, **kw):
        return srv.req("DELETE", "/v2/conversations/" + cid, A.key if key is None else key, **kw)

    def ids(self, path, key=None):
        rows, _ = srv.list_all(key or A.key, path.split("?")[0],
                               params=[tuple(p.split("=", 1)) for p in path.split("?")[1].split("&")]
                               if "?" in path else None)
        return [r["id"] for r in rows]

    # ---- the seed page's contract ----------------------------------------------
    def test_archive_returns_whole_resource_at_top_level(self):
        cid = new_conv()
        r = self.archive(cid)
        res = self.assertOk(r)
        self.assertNotIn("data", res)
        self.assertEqual(res["type"], "conversations")
        self.assertEqual(res["id"], cid)
        self.assertEqual(res["links"], {"self": "/v2/conversations/" + cid})
        a = self.assertResource(res)
        for k in ATTRIBUTES:   # spelled out again: the seed page lists every one of these
            self.assertIn(k, a)
        for k in ("extractedIntelligence", "confirmedExtractedIntelligence", "scorecardResults",
                  "labelTagsToFilterIfNA", "deprecatedLabelCategories", "talktracks", "boards"):
            self.assertIn(k, a)
        self.assertIs(a["archived"], True)
        self.assertRegex(a["archivedAt"], TIME_RE)
        self.assertEqual(a["title"], "Archive me")
        self.assertEqual(a["userUUID"], alice)

    def test_attribute_order_is_stable(self):
        cid = new_conv()
        before = list(self.assertOk(srv.req("GET", "/v2/conversations/" + cid, A.key))["attributes"])
        after = [k for k in self.assertOk(self.archive(cid))["attributes"] if k != "archivedAt"]
        self.assertEqual(before, after, "attribute order must not depend on the endpoint")
        listed = self.assertOk(srv.req("GET", "/v2/conversations?filter[archived]=true&size=100",
                                       A.key))["data"]
        row = [x for x in listed if x["id"] == cid][0]
        self.assertEqual([k for k in row["attributes"] if k != "archivedAt"], before)

    def test_archive_twice_is_idempotent(self):
        cid = new_conv()
        first = self.assertOk(self.archive(cid))
        time.sleep(1.1)   # a second write would get a later archivedAt
        second = self.assertOk(self.archive(cid))
        self.assertEqual(first["attributes"]["archivedAt"], second["attributes"]["archivedAt"])
        self.assertEqual(first, second, "archiving again changes nothing and returns the same resource")
        got = self.assertOk(srv.req("GET", "/v2/conversations/" + cid, A.key))
        self.assertTrue(got["attributes"]["archived"])
        self.assertEqual(got["attributes"]["archivedAt"], first["attributes"]["archivedAt"])

    def test_concurrent_archives_agree(self):
        import threading
        cid = new_conv()
        results = []
        threads = [threading.Thread(target=lambda: results.append(self.archive(cid))) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual([r.status for r in results], [200] * 6)
        stamps = {r.body["attributes"]["archivedAt"] for r in results}
        self.assertEqual(len(stamps), 1, "every concurrent archive returns the same archivedAt")

    def test_bare_authorization_header_archives_too(self):
        cid = new_conv()
        r = self.archive(cid, auth_form="bare")
        self.assertTrue(self.assertOk(r)["attributes"]["archived"])

    # ---- lists --------------------------------------------------------------------
    def test_archived_rows_leave_default_lists(self):
        keep, gone = new_conv(conversationTitle="stays"), new_conv(conversationTitle="goes")
        for path in ("/v2/conversations", "/v2/conversations/list"):
            ids = self.ids(path)
            self.assertIn(keep, ids, path)
            self.assertIn(gone, ids, path)
        self.assertOk(self.archive(gone))
        for path in ("/v2/conversations", "/v2/conversations/list"):
            ids = self.ids(path)
            self.assertIn(keep, ids, path)
            self.assertNotIn(gone, ids, path + " must leave archived rows out")
            inc = self.ids(path + "?filter[include_archived]=true")
            self.assertIn(keep, inc, path)
            self.assertIn(gone, inc, path + " with include_archived")
            only = self.ids(path + "?filter[archived]=true")
            self.assertIn(gone, only, path + " with archived=true")
            self.assertNotIn(keep, only, path + " with archived=true shows only archived rows")
            rows, _ = srv.list_all(A.key, path, params=[("filter[archived]", "true")])
            self.assertTrue(all(x["attributes"]["archived"] for x in rows))
        # user-level keys follow the same rule
        self.assertNotIn(gone, self.ids("/v2/conversations/list", key=bob_key))
        self.assertIn(gone, self.ids("/v2/conversations/list?filter[archived]=1", key=bob_key))

    # ---- unarchive ----------------------------------------------------------------
    def test_unarchive_restores(self):
        cid = new_conv()
        self.assertOk(self.archive(cid))
        r = srv.req("POST", "/v2/conversations/%s/unarchive" % cid, A.key)
        a = self.assertResource(self.assertOk(r))
        self.assertIs(a["archived"], False)
        self.assertNotIn("archivedAt", a)
        got = self.assertResource(self.assertOk(srv.req("GET", "/v2/conversations/" + cid, A.key)))
        self.assertIs(got["archived"], False)
        self.assertNotIn("archivedAt", got)
        self.assertIn(cid, self.ids("/v2/conversations"))
        self.assertIn(cid, self.ids("/v2/conversations/list"))
        # unarchiving a live conversation is harmless
        self.assertIs(self.assertOk(srv.req("POST", "/v2/conversations/%s/unarchive" % cid,
                                            A.key))["attributes"]["archived"], False)
        # and it can be archived again
        self.assertTrue(self.assertOk(self.archive(cid))["attributes"]["archived"])

    def test_unarchive_unknown_and_foreign(self):
        self.assertNotFound(srv.req("POST", "/v2/conversations/%s/unarchive" % UNKNOWN_UUID, A.key))
        self.assertNotFound(srv.req("POST", "/v2/conversations/not-a-uuid/unarchive", A.key))
        cid = new_conv()
        self.assertOk(self.archive(cid))
        self.assertNotFound(srv.req("POST", "/v2/conversations/%s/unarchive" % cid, B.key))
        self.assertTrue(self.assertOk(srv.req("GET", "/v2/conversations/" + cid, A.key))
                        ["attributes"]["archived"])
        self.assertProblem(srv.req("POST", "/v2/conversations/%s/unarchive" % cid, bob_key), 403)

    # ---- 404 -------------------------------------------------------------------
    def test_unknown_ids_are_404(self):
        for bad in (UNKNOWN_UUID, harness.NIL_UUID, "not-a-uuid", "..%2Fetc", "%2E%2E",
                    "0190AAAA-BBBB-7CCC-8DDD", "x" * 300, UNKNOWN_UUID + "0", "%20"):
            r = self.archive(bad)
            self.assertNotFound(r)
        self.assertAlive()

    def test_dot_dot_path_is_404(self):
        r = srv.raw(b"DELETE /v2/conversations/../etc HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + A.key.encode() + b"\r\nConnection: close\r\n\r\n")
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 404, r)
        self.assertTrue(r.ctype.startswith(harness.PROBLEM_CT), r)

    def test_other_organization_is_404_and_unchanged(self):
        cid = new_conv()
        r = self.archive(cid, key=B.key)
        self.assertNotFound(r)
        self.assertNotIn("attributes", r.body)
        got = self.assertOk(srv.req("GET", "/v2/conversations/" + cid, A.key))
        self.assertIs(got["attributes"]["archived"], False, "org B must not change org A's rows")
        # and org B's lists never show it
        self.assertNotIn(cid, self.ids("/v2/conversations/list?filter[include_archived]=true", B.key))
        b_conv = srv.import_conv(B.key, B.admin, conversationTitle="B's own")
        self.assertNotFound(self.archive(b_conv, key=A.key))
        self.assertOk(self.archive(b_conv, key=B.key))

    # ---- 401 --------------------------------------------------------------------
    def test_missing_unknown_revoked_keys_are_401(self):
        cid = new_conv()
        kid, key = srv.create_key(A.org, name="to revoke")
        self.assertOk(srv.req("GET", "/v2/conversations/" + cid, key))
        srv.revoke_key(A.org, kid)
        unknown = "prl_" + "A" * 43
        for form in ("bearer", "bare"):
            self.assertUnauthorized(self.archive(cid, key=unknown, auth_form=form))
            self.assertUnauthorized(self.archive(cid, key=key, auth_form=form))
        self.assertUnauthorized(srv.req("DELETE", "/v2/conversations/" + cid))
        for hv in ("", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer " + A.key + " extra",
                   "Bearer  " + unknown):
            self.assertUnauthorized(srv.req("DELETE", "/v2/conversations/" + cid,
                                            headers={"Authorization": hv}))
        # 401 comes before 404: an unknown id without a key is still 401
        self.assertUnauthorized(srv.req("DELETE", "/v2/conversations/" + UNKNOWN_UUID))
        self.assertUnauthorized(srv.req("DELETE", "/v2/conversations/not-a-uuid", unknown))
        got = self.assertOk(srv.req("GET", "/v2/conversations/" + cid, A.key))
        self.assertIs(got["attributes"]["archived"], False)

    # ---- user-level keys ----------------------------------------------------------
    def test_user_key_cannot_archive_someone_elses(self):
        cid = new_conv(owner=alice)
        r = self.archive(cid, key=bob_key)
        self.assertProblem(r, 403)
        got = self.assertOk(srv.req("GET", "/v2/conversations/" + cid, A.key))
        self.assertIs(got["attributes"]["archived"], False)
        # bob can still read it: it is not private
        self.assertOk(srv.req("GET", "/v2/conversations/" + cid, bob_key))

    def test_user_key_archives_its_own(self):
        cid = new_conv(key=alice_key, owner=alice)
        a = self.assertResource(self.assertOk(self.archive(cid, key=alice_key)))
        self.assertTrue(a["archived"])
        self.assertEqual(a["userUUID"], alice)
        self.assertOk(srv.req("POST", "/v2/conversations/%s/unarchive" % cid, alice_key))

    def test_org_key_archives_anyones(self):
        cid = new_conv(owner=bob)
        self.assertTrue(self.assertOk(self.archive(cid))["attributes"]["archived"])


if __name__ == "__main__":
    unittest.main()
