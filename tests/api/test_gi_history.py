"""test_gi_history.py - GET /v2/gi/history end to end (beyond.md §6): {"data": null} for a user with none,
every Ask Attention question of a user-level key recorded as a FINISHED result, paging, the query's errors,
tenancy and key levels, and the entries the seed generator adds."""

import json
import sys
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
from harness import UNKNOWN_UUID, UUID_RE, q, transcript_v1  # noqa: E402

PATH = "/v2/gi/history"
srv = None
A = B = None
alice = bob = None
alice_key = bob_key = None
c1 = c2 = None


def setUpModule():
    global srv, A, B, alice, bob, alice_key, bob_key, c1, c2
    srv = harness.module_server()
    A = srv.create_org("gi-a", "admin@ga.example")
    B = srv.create_org("gi-b", "admin@gb.example")
    alice = srv.create_user(A.org, "alice@ga.example")
    bob = srv.create_user(A.org, "bob@ga.example")
    alice_key = srv.create_key(A.org, user=alice)[1]
    bob_key = srv.create_key(A.org, user=bob)[1]
    c1 = srv.import_conv(A.key, alice, conversationTitle="Renewal",
                         transcript={"v1": transcript_v1(("Ann", "the renewal is due in June", 0, 3),
                                                         ("Bob", "legal will review it", 3, 5))})
    c2 = srv.import_conv(A.key, bob, conversationTitle="Empty")


class GiHistoryTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def history(self, user, key=None, **params):
        return srv.req("GET", q(PATH, dict(user_uuid=user, **params)), A.key if key is None else key)

    def ask(self, key, prompt, ids):
        r = srv.req("POST", "/v2/ask_attention/v2", key, {"conversations_ids": ids, "deal_id": "", "prompt": prompt})
        self.assertEqual(r.status, 200, r)
        return r.body

    def test_none_is_data_null(self):
        u = srv.create_user(A.org, "nobody@ga.example")
        self.assertEqual(self.assertOk(self.history(u)), {"data": None})
        self.assertEqual(self.assertOk(self.history(u, offset="5")), {"data": None})
        # an org-level key's question is not anybody's history
        self.ask(A.key, "renewal", [c1])
        self.assertEqual(self.assertOk(self.history(A.admin)), {"data": None})

    def test_user_level_questions_are_recorded(self):
        u = srv.create_user(A.org, "asker@ga.example")
        key = srv.create_key(A.org, user=u)[1]
        answer = self.ask(key, "When is the renewal due?", [c1, c2, UNKNOWN_UUID])
        b = self.assertOk(self.history(u, key=key))
        self.assertEqual(list(b), ["data", "links", "meta"])
        self.assertEqual(len(b["data"]), 1)
        e = b["data"][0]
        self.assertRegex(e["uuid"], UUID_RE)
        self.assertEqual(e["title"], "When is the renewal due?")
        self.assertEqual(len(e["results"]), 1)
        res = e["results"][0]
        self.assertRegex(res["uuid"], UUID_RE)
        self.assertEqual((res["prompt"], res["status"], res["type"], res["emailsUsed"]),
                         ("When is the renewal due?", "FINISHED", "TEXT_WITH_SOURCES", []))
        self.assertEqual(res["synthesis"], "the renewal is due in June")
        self.assertEqual(res["result"], res["synthesis"])
        self.assertEqual(res["conversationsUsed"], [c1])
        self.assertEqual(res["items"], [{k: i[k] for k in ("conversation_id", "title", "output", "error")}
                                        for i in answer])
        self.assertEqual(b["meta"], {"totalRecords": 1, "limit": 20, "offset": 0})
        self.assertEqual(b["links"]["self"], "/v2/gi/history?user_uuid=%s&limit=20&offset=0" % u)
        # the org-level key reads it too; withoutEnhancingResults leaves the items out
        b2 = self.assertOk(self.history(u, withoutEnhancingResults="true"))
        self.assertEqual(b2["data"][0]["results"][0]["items"], [])
        self.assertEqual(b2["data"][0]["results"][0]["conversationsUsed"], [c1])

    def test_newest_first_and_paging(self):
        u = srv.create_user(A.org, "pager@ga.example")
        key = srv.create_key(A.org, user=u)[1]
        for i in range(5):
            self.ask(key, "question %d about renewal" % i, [c1])
        all_ = self.assertOk(self.history(u, key=key))["data"]
        self.assertEqual([e["title"] for e in all_], ["question %d about renewal" % i for i in (4, 3, 2, 1, 0)])
        b = self.assertOk(self.history(u, key=key, limit="2", offset="2"))
        self.assertEqual(b["data"], all_[2:4])
        self.assertEqual(b["meta"], {"totalRecords": 5, "limit": 2, "offset": 2})
        self.assertEqual(set(b["links"]), {"self", "first", "prev", "next"})
        self.assertIn("offset=4", b["links"]["next"])
        self.assertIn("offset=0", b["links"]["prev"])
        b = self.assertOk(self.history(u, key=key, offset="5"))
        self.assertEqual((b["data"], b["meta"]["totalRecords"]), ([], 5))
        self.assertNotIn("next", b["links"])

    def test_errors_tenancy_and_key_levels(self):
        self.assertProblem(srv.req("GET", PATH, A.key), 400, code="invalid_parameter", detail_has="user_uuid")
        for params, mention in (({"user_uuid": "nope"}, "user_uuid"), ({"user_uuid": alice, "limit": "0"}, "limit"),
                                ({"user_uuid": alice, "limit": "101"}, "limit"), ({"user_uuid": alice, "limit": "x"}, "limit"),
                                ({"user_uuid": alice, "offset": "-1"}, "offset"),
                                ({"user_uuid": alice, "withoutEnhancingResults": "perhaps"}, "withoutEnhancingResults")):
            self.assertProblem(srv.req("GET", q(PATH, params), A.key), 400, code="invalid_parameter", detail_has=mention)
        self.assertNotFound(self.history(UNKNOWN_UUID))
        self.assertNotFound(self.history(alice, key=B.key))       # another organization's user
        self.assertNotFound(self.history(B.admin))
        self.assertProblem(self.history(alice, key=bob_key), 403, code="forbidden")
        self.assertOk(self.history(bob, key=bob_key))
        self.assertOk(self.history(alice.upper(), key=alice_key))
        self.assertUnauthorized(srv.req("GET", q(PATH, {"user_uuid": alice})))
        self.assertProblem(srv.req("POST", q(PATH, {"user_uuid": alice}), A.key, {}), 405)

    def test_the_seed_adds_some(self):
        org = srv.create_org("gi-seeded", "admin@gs.example")
        srv.seed(org.org, 40, seed=9)
        users = [json.loads(x)["uuid"] for x in srv.cli("user", "list", "--org", org.org).splitlines()]
        found = 0
        for u in users:
            b = self.assertOk(self.history(u, key=org.key))
            if b["data"] is not None:
                found += 1
                for e in b["data"]:
                    self.assertEqual(e["results"][0]["status"], "FINISHED")
                    self.assertTrue(e["results"][0]["conversationsUsed"])
        self.assertGreaterEqual(found, 1)


if __name__ == "__main__":
    unittest.main()
