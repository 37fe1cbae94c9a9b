"""test_library.py - GET /v2/library/folders over HTTP (beyond.md §5): folders made by snippets'
library_item_info.folder_path on first use, the organization's library and each user's My Library,
one level per call with totals, hidden folders (from the seed generator), every error status, tenant
isolation and key levels."""

import sys
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402

srv = None
A = B = None
BOB = BOB_KEY = None
CONV = None
P = "/v2/library/folders"


def setUpModule():
    global srv, A, B, BOB, BOB_KEY, CONV
    srv = harness.module_server()
    A = srv.create_org("lib-a", "admin@lib-a.example")
    B = srv.create_org("lib-b", "admin@lib-b.example")
    BOB = srv.create_user(A.org, "bob@lib-a.example", first="Bob")
    BOB_KEY = srv.create_key(A.org, org_level=False, user=BOB)[1]
    CONV = srv.import_conv(A.key, A.admin, transcript={"v1": harness.transcript_v1(("A", "x", 0, 60))})
    for path, user, mine in [("/Deals/Q3", A.admin, False), ("/Deals/Q3/", A.admin, False), ("/Deals", A.admin, False),
                             ("/Deals/Q4", BOB, False), ("/Coaching", A.admin, False), ("/Mine/Deep", BOB, True),
                             ("/", A.admin, False)]:
        r = srv.req("POST", "/v2/snippets", A.key, {
            "user_uuid": user, "conversation_id": CONV, "internal": False, "notify_views": False,
            "video": {"start_time": 0, "end_time": 5, "duration": 5}, "in_library": True,
            "library_item_info": {"my_library": mine, "folder_path": path}})
        assert r.status == 200, r
    # not in the library: counted nowhere
    srv.req("POST", "/v2/snippets", A.key, {
        "user_uuid": A.admin, "conversation_id": CONV, "internal": False, "notify_views": False,
        "video": {"start_time": 0, "end_time": 5, "duration": 5}, "library_item_info": {"folder_path": "/Deals"}})


class LibraryTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def folder(self, key=None, **params):
        params.setdefault("userUUID", A.admin)
        b = self.assertOk(self.get(harness.q(P, params), key or A.key))
        self.assertEqual(list(b), ["data"])
        f = b["data"]
        self.assertEqual(list(f), ["uuid", "name", "organizationUUID", "parentUUID", "path", "hidden", "userUUID",
                                   "subFolders", "subFoldersTotal"])
        self.assertEqual(f["subFoldersTotal"], len(f["subFolders"]))
        for s in f["subFolders"]:
            self.assertEqual(list(s), ["uuid", "name", "parentUUID", "hidden", "totalElements", "totalFolders"])
            self.assertEqual(s["parentUUID"], f["uuid"])
        return f

    def sub(self, f, name):
        return next(s for s in f["subFolders"] if s["name"] == name)

    def test_organization_library(self):
        root = self.folder()
        self.assertEqual((root["name"], root["path"], root["parentUUID"], root["hidden"], root["userUUID"]),
                         ("Library", "/", "", False, ""))
        self.assertEqual(root["organizationUUID"], A.org)
        self.assertEqual([s["name"] for s in root["subFolders"]], ["Coaching", "Deals"], "by name, one level")
        deals = self.sub(root, "Deals")
        self.assertEqual((deals["totalElements"], deals["totalFolders"], deals["hidden"]), (1, 2, False))
        self.assertEqual(self.sub(root, "Coaching")["totalFolders"], 0)
        # one level deeper, by folderUUID
        d = self.folder(folderUUID=deals["uuid"].upper())
        self.assertEqual((d["uuid"], d["name"], d["path"], d["parentUUID"], d["userUUID"]),
                         (deals["uuid"], "Deals", "/Deals", root["uuid"], A.admin))
        self.assertEqual([(s["name"], s["totalElements"]) for s in d["subFolders"]], [("Q3", 2), ("Q4", 1)])
        q4 = self.folder(folderUUID=self.sub(d, "Q4")["uuid"])
        self.assertEqual((q4["path"], q4["userUUID"], q4["subFolders"]), ("/Deals/Q4", BOB, []))
        # the root by its uuid, and the same view for any user of the organization
        self.assertEqual(self.folder(folderUUID=root["uuid"]), root)
        self.assertEqual(self.folder(userUUID=BOB), root)
        self.assertEqual(self.folder(key=BOB_KEY, userUUID=BOB), root)
        self.assertEqual(self.folder(myLibrary="false"), root)

    def test_my_library(self):
        mine = self.folder(userUUID=BOB, myLibrary="true")
        self.assertEqual((mine["name"], mine["path"], mine["userUUID"]), ("My Library", "/", BOB))
        self.assertNotEqual(mine["uuid"], self.folder()["uuid"])
        self.assertEqual([(s["name"], s["totalElements"], s["totalFolders"]) for s in mine["subFolders"]],
                         [("Mine", 0, 1)])
        deep = self.folder(userUUID=BOB, folderUUID=self.sub(mine, "Mine")["uuid"])
        self.assertEqual([(s["name"], s["totalElements"]) for s in deep["subFolders"]], [("Deep", 1)])
        self.assertEqual(self.folder(userUUID=BOB, folderUUID=mine["uuid"]), mine, "its root by uuid")
        # another user's My Library is empty for them, and its folders are not theirs to see
        self.assertEqual(self.folder(myLibrary="1")["subFolders"], [])
        self.assertNotFound(self.get(harness.q(P, {"userUUID": A.admin,
                                                   "folderUUID": self.sub(mine, "Mine")["uuid"]}), A.key))
        self.assertNotFound(self.get(harness.q(P, {"userUUID": A.admin, "folderUUID": mine["uuid"]}), A.key))

    def test_hidden_folders_from_the_seed(self):
        o = srv.create_org("lib-seeded", "admin@lib-seeded.example")
        srv.seed(o.org, 60, seed=3)
        root = self.folder(key=o.key, userUUID=o.admin)
        self.assertNotIn("Archive", [s["name"] for s in root["subFolders"]])
        self.assertIn("Onboarding", [s["name"] for s in root["subFolders"]])
        self.assertGreater(sum(s["totalElements"] for s in root["subFolders"]), 0)
        shown = self.folder(key=o.key, userUUID=o.admin, includeHidden="true")
        archive = self.sub(shown, "Archive")
        self.assertTrue(archive["hidden"])
        self.assertEqual(len(shown["subFolders"]), len(root["subFolders"]) + 1)
        self.assertTrue(self.folder(key=o.key, userUUID=o.admin, folderUUID=archive["uuid"])["hidden"],
                        "a hidden folder asked for by uuid is shown")
        onboarding = self.sub(root, "Onboarding")
        self.assertEqual(onboarding["totalFolders"], 1)
        self.assertEqual(self.folder(key=o.key, userUUID=o.admin, folderUUID=onboarding["uuid"])["subFolders"][0]["name"],
                         "Discovery calls")

    def test_errors(self):
        for params, detail in [({}, "userUUID is required"), ({"userUUID": ""}, "userUUID is required"),
                               ({"userUUID": "bob"}, "userUUID must be a UUID"),
                               ({"userUUID": A.admin, "folderUUID": "f1"}, "folderUUID must be a UUID"),
                               ({"userUUID": A.admin, "myLibrary": "maybe"}, "myLibrary must be true or false"),
                               ({"userUUID": A.admin, "includeHidden": "2"}, "includeHidden must be true or false")]:
            self.assertProblem(self.get(harness.q(P, params) if params else P, A.key), 400,
                               code="invalid_parameter", detail_has=detail)
        self.assertNotFound(self.get(harness.q(P, {"userUUID": harness.UNKNOWN_UUID}), A.key))
        self.assertNotFound(self.get(harness.q(P, {"userUUID": A.admin, "folderUUID": harness.UNKNOWN_UUID}),
                                     A.key))
        self.assertUnauthorized(self.get(harness.q(P, {"userUUID": A.admin})))
        self.assertProblem(self.get(harness.q(P, {"userUUID": A.admin}), BOB_KEY), 403, code="forbidden")
        self.assertProblem(srv.req("POST", P, A.key, {}), 405)

    def test_isolation(self):
        deals = self.sub(self.folder(), "Deals")
        self.assertNotFound(self.get(harness.q(P, {"userUUID": A.admin}), B.key))
        self.assertNotFound(self.get(harness.q(P, {"userUUID": B.admin, "folderUUID": deals["uuid"]}), B.key))
        b_root = self.folder(key=B.key, userUUID=B.admin)
        self.assertEqual(b_root["subFolders"], [])
        self.assertNotEqual(b_root["uuid"], self.folder()["uuid"])
        self.assertNotFound(self.get(harness.q(P, {"userUUID": A.admin, "folderUUID": b_root["uuid"]}), A.key))


if __name__ == "__main__":
    unittest.main()
