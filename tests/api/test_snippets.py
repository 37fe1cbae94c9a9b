"""test_snippets.py - POST /v2/snippets and the snippet links GET /snippets/{shareCode} over HTTP (beyond.md §1):
the body's rules (times within the call, the `reference` parser, limits), the workflow-log entry,
share codes, internal links (a key of the organization only), key levels, tenant isolation, and
`serve --public-url`."""

import re
import sys
import unittest
import urllib.parse

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402

srv = None
A = B = None
BOB = BOB_KEY = None       # a user of A with a user-level key
CONV = None                # A's conversation, 30.5 s long (owned by the admin)
PRIVATE = None             # A's admin's private conversation
B_CONV = None
P = "/v2/snippets"
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{22}$")
REF = {"characters": {"start_idx": "0", "end_idx": "120"}, "speakers": {"start_idx": "0", "end_idx": "1"},
       "transcript_version": "V2"}


def setUpModule():
    global srv, A, B, BOB, BOB_KEY, CONV, PRIVATE, B_CONV
    srv = harness.module_server()
    A = srv.create_org("sn-a", "admin@sn-a.example")
    B = srv.create_org("sn-b", "admin@sn-b.example")
    BOB = srv.create_user(A.org, "bob@sn-a.example", first="Bob")
    BOB_KEY = srv.create_key(A.org, org_level=False, user=BOB)[1]
    tr = {"v2": harness.transcript_v2(("Ann", "hello there", 0, 10), ("Bob", "and goodbye", 10, 30.5))}
    CONV = srv.import_conv(A.key, A.admin, conversationTitle="snippets", transcript=tr)
    PRIVATE = srv.import_conv(A.key, A.admin, conversationTitle="private", transcript=tr)
    srv.req("PUT", "/v2/conversations/%s/change_privacy" % PRIVATE, A.key, {"private": True})
    B_CONV = srv.import_conv(B.key, B.admin, transcript=tr)


def body(**over):
    b = {"user_uuid": A.admin, "conversation_id": CONV,
         "video": {"start_time": 1.5, "end_time": 12, "duration": 10.5}, "internal": False, "notify_views": True}
    for k, v in over.items():
        if v is None:
            b.pop(k, None)
        else:
            b[k] = v
    return b


class SnippetsTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def create(self, key=None, **over):
        r = self.assertOk(srv.req("POST", P, key or A.key, body(**over)))
        self.assertEqual(list(r), ["id", "url", "share_code"])
        return r

    def share(self, r, key=None):
        """GET of the snippet's link (its path on this server)."""
        return srv.req("GET", urllib.parse.urlsplit(r["url"]).path, key)

    def test_create_and_open_the_link(self):
        r = self.create(title="Nice one", notes="Listen to this", reference=REF)
        self.assertRegex(r["id"], harness.UUID_RE)
        self.assertRegex(r["share_code"], CODE_RE)
        self.assertEqual(r["url"], "http://127.0.0.1:%d/snippets/%s" % (srv.port, r["share_code"]))
        s = self.assertOk(self.share(r))   # no key needed
        self.assertEqual(list(s), ["id", "title", "conversation_id", "video", "notes", "createdAt"])
        self.assertEqual((s["id"], s["title"], s["conversation_id"], s["notes"]),
                         (r["id"], "Nice one", CONV, "Listen to this"))
        self.assertEqual(s["video"], {"start_time": 1.5, "end_time": 12, "duration": 10.5})
        self.assertRegex(s["createdAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(self.assertOk(self.share(r, B.key)), s, "a public link answers anyone")
        # defaults: title "Snippet" (absent or ""), notes ""
        d = self.assertOk(self.share(self.create(title="")))
        self.assertEqual((d["title"], d["notes"]), ("Snippet", ""))
        self.assertEqual(self.assertOk(self.share(self.create()))["title"], "Snippet")
        # share codes differ
        self.assertNotEqual(self.create()["share_code"], r["share_code"])
        # the whole call may be clipped
        self.create(video={"start_time": 0, "end_time": 30.5, "duration": 30.5})

    def test_workflow_log_entry(self):
        conv = srv.import_conv(A.key, A.admin, transcript={"v1": harness.transcript_v1(("A", "x", 0, 5))})
        self.create(conversation_id=conv, video={"start_time": 0, "end_time": 5, "duration": 5})
        logs = self.assertOk(self.get(harness.q("/v2/conversations/workflow-logs", {"conversationUUIDs": conv}),
                                      A.key))["data"]
        self.assertEqual([(l["workflowName"], l["success"]) for l in logs], [("snippet_created", True),
                                                                            ("import", True)])
        b_logs = self.assertOk(self.get(harness.q("/v2/conversations/workflow-logs", {"conversationUUIDs": conv}),
                                        B.key))["data"]
        self.assertEqual(b_logs, [])

    def test_internal_links_need_a_key_of_the_organization(self):
        r = self.create(internal=True)
        for key in (None, B.key, "prl_nope"):
            self.assertUnauthorized(self.share(r, key))
        s = self.assertOk(self.share(r, A.key))
        self.assertEqual(s["id"], r["id"])
        self.assertEqual(self.assertOk(self.share(r, BOB_KEY)), s, "a user-level key of the organization too")
        bare = srv.req("GET", urllib.parse.urlsplit(r["url"]).path, A.key, auth_form="bare")
        self.assertEqual(self.assertOk(bare), s)
        # a revoked key is a 401 at once
        kid, key = srv.create_key(A.org, org_level=False, user=BOB)
        self.assertOk(self.share(r, key))
        srv.revoke_key(A.org, kid)
        self.assertUnauthorized(self.share(r, key))

    def test_unknown_links(self):
        for code in ("AAAAAAAAAAAAAAAAAAAAAA", "short", "x" * 23, "a+aaaaaaaaaaaaaaaaaaaa", "%2F" * 3):
            self.assertNotFound(srv.req("GET", "/snippets/" + code))
        self.assertProblem(srv.req("POST", "/snippets/AAAAAAAAAAAAAAAAAAAAAA", A.key, {}), 405)
        self.assertNotFound(srv.req("GET", "/v2/snippets/AAAAAAAAAAAAAAAAAAAAAA", A.key))
        self.assertProblem(srv.req("GET", P, A.key), 405)   # no list endpoint, as hosted

    def test_times_within_the_call(self):
        for video, detail in [({"start_time": 1, "end_time": 31, "duration": 30}, "within the call, which is 30.5"),
                              ({"start_time": 0, "end_time": 2, "duration": 31}, "video.duration (31)"),
                              ({"start_time": 5, "end_time": 5, "duration": 0}, "must be after video.start_time"),
                              ({"start_time": -1, "end_time": 2, "duration": 3}, "video.start_time must be from 0"),
                              ({"start_time": 1, "end_time": 2}, "video.duration is required"),
                              ({"start_time": "1", "end_time": 2, "duration": 1}, "must be a number")]:
            self.assertProblem(srv.req("POST", P, A.key, body(video=video)), 400, code="invalid_body",
                               detail_has=detail)
        empty = srv.import_conv(A.key, A.admin)   # no transcript: no length
        self.assertProblem(srv.req("POST", P, A.key, body(conversation_id=empty)), 400, detail_has="0 seconds long")

    def test_reference(self):
        self.create(reference=REF)
        self.create(reference=None)
        self.create(reference={"characters": {"start_idx": "00", "end_idx": "999999999999999999"},
                               "speakers": {"start_idx": "3", "end_idx": "3"}, "transcript_version": "V1"})
        for ref, detail in [({"characters": {"start_idx": 0, "end_idx": "1"}, "speakers": REF["speakers"],
                              "transcript_version": "V2"}, "reference.characters.start_idx must be a string of digits"),
                            ({"characters": REF["characters"], "speakers": {"start_idx": "1", "end_idx": "0"},
                              "transcript_version": "V2"}, "reference.speakers.start_idx (1) must not be after"),
                            ({"characters": REF["characters"], "speakers": REF["speakers"]},
                             "reference.transcript_version is required"),
                            ({"characters": REF["characters"], "speakers": REF["speakers"],
                              "transcript_version": "V3"}, "\"V1\" or \"V2\""),
                            ({"characters": {"start_idx": "-1", "end_idx": "1"}, "speakers": REF["speakers"],
                              "transcript_version": "V2"}, "got \"-1\""),
                            ({"characters": {"start_idx": "1" * 19, "end_idx": "1"}, "speakers": REF["speakers"],
                              "transcript_version": "V2"}, "1 to 18 digits"),
                            ([], "reference must be an object")]:
            self.assertProblem(srv.req("POST", P, A.key, body(reference=ref)), 400, code="invalid_body",
                               detail_has=detail)
            # the retry without the reference works
            self.create()

    def test_body_errors(self):
        for over, detail in [({"user_uuid": None}, "user_uuid is required"),
                             ({"user_uuid": "bob"}, "user_uuid must be a UUID"),
                             ({"user_uuid": harness.UNKNOWN_UUID}, "is not a user of this organization"),
                             ({"user_uuid": B.admin}, "is not a user of this organization"),
                             ({"conversation_id": None}, "conversation_id is required"),
                             ({"conversation_id": "c1"}, "conversation_id must be a UUID"),
                             ({"video": None}, "video is required"), ({"video": [1]}, "video must be an object"),
                             ({"internal": None}, "internal is required"), ({"internal": "no"}, "must be a boolean"),
                             ({"notify_views": None}, "notify_views is required"),
                             ({"notes": "x" * 20001}, "notes is 20001 characters; the limit is 20000"),
                             ({"title": "t" * 501}, "title is 501 characters"), ({"title": 1}, "title must be a string"),
                             ({"in_library": "yes"}, "in_library must be a boolean"),
                             ({"library_item_info": {"folder_path": "no-slash"}}, "must start with \"/\""),
                             ({"library_item_info": {"folder_path": "/a/../b"}}, "\".\" or \"..\""),
                             ({"library_item_info": {"my_library": 1}}, "my_library must be a boolean")]:
            self.assertProblem(srv.req("POST", P, A.key, body(**over)), 400, code="invalid_body", detail_has=detail)
        self.create(notes="é" * 20000)   # characters, not bytes
        self.assertProblem(srv.req("POST", P, A.key, []), 400, detail_has="JSON object")
        self.assertProblem(srv.req("POST", P, A.key, "{nope"), 400, code="invalid_json")
        self.assertProblem(srv.req("POST", P, A.key, "x", headers={"Content-Type": "text/plain"}), 415)
        self.assertUnauthorized(srv.req("POST", P, None, body()))
        self.assertUnauthorized(srv.req("POST", P, "prl_wrong", body()))

    def test_isolation_and_key_levels(self):
        # another organization's conversation, and a private one the key cannot see, are 404
        self.assertNotFound(srv.req("POST", P, A.key, body(conversation_id=B_CONV)))
        self.assertNotFound(srv.req("POST", P, A.key, body(conversation_id=harness.UNKNOWN_UUID)))
        self.assertNotFound(srv.req("POST", P, BOB_KEY, body(user_uuid=BOB, conversation_id=PRIVATE)))
        self.assertNotFound(srv.req("POST", P, B.key, body(user_uuid=B.admin)))
        # a user-level key creates snippets for its own user (on a conversation it can see), not for others
        r = self.create(key=BOB_KEY, user_uuid=BOB)
        self.assertOk(self.share(r))
        self.assertProblem(srv.req("POST", P, BOB_KEY, body(user_uuid=A.admin)), 403, code="forbidden")
        # the org-level key may name any user of the organization
        self.create(user_uuid=BOB, conversation_id=PRIVATE)

    def test_public_url(self):
        with harness.Server(extra_args=["--public-url", "https://parley.example.com/base/"]) as s:
            o = s.create_org("sn-pub", "admin@sn-pub.example")
            conv = s.import_conv(o.key, o.admin, transcript={"v1": harness.transcript_v1(("A", "x", 0, 5))})
            r = s.req("POST", P, o.key, {"user_uuid": o.admin, "conversation_id": conv, "internal": False,
                                         "notify_views": False,
                                         "video": {"start_time": 0, "end_time": 5, "duration": 5}})
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.body["url"], "https://parley.example.com/base/snippets/" + r.body["share_code"])
            self.assertEqual(s.req("GET", "/snippets/" + r.body["share_code"]).status, 200)
        for bad in ("ftp://x", "http://", "https://x.example/?q=1", "http://x y", "/relative"):
            proc = srv.cli_run("serve", "--public-url", bad, "--listen", "127.0.0.1:1", timeout=30)
            self.assertEqual(proc.returncode, 2, bad)
            self.assertIn("--public-url", proc.stderr)


if __name__ == "__main__":
    unittest.main()
