"""test_scorecards.py - /v2/scorecards and their items, POST /v2/createScorecardResult and POST
/v2/scorecards/summary end to end (beyond.md §3): every error status, tenancy, key levels, results in the
conversation and its workflow log, the summary against a computation by hand over several days (whole days
from the roll-ups, the first and last day item by item), `parley scorecard list` and the seed's scorecards."""

import datetime
import json
import math
import sys
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
from harness import UNKNOWN_UUID, UUID_RE, transcript_v1  # noqa: E402

def at(t):
    """An RFC 3339 time as an aware datetime."""
    return datetime.datetime.fromisoformat(t.replace("Z", "+00:00"))


def round2(x):
    """x rounded to 2 decimals, half away from zero (as C's round)."""
    return math.floor(x * 100 + 0.5) / 100


TIME_MS_RE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"
SC_KEYS = ["id", "title", "organizationId", "teamId", "allTeams", "enabled", "interactionType", "detailedInstructions",
           "scorecardPrompt", "expertMode", "isDefaultTemplate", "criteria", "createdAt"]
ITEM_KEYS = ["id", "scorecardId", "title", "type", "position", "weight", "version", "expertPrompt", "metadata",
             "createdAt", "lastUpdatedAt"]

srv = None
A = B = None
alice = bob = None
alice_key = bob_key = None
team2 = None
c_alice = c_bob = c_b = None


def setUpModule():
    global srv, A, B, alice, bob, alice_key, bob_key, team2, c_alice, c_bob, c_b
    srv = harness.Server(admin=True)
    srv.start()
    unittest.addModuleCleanup(srv.stop)
    A = srv.create_org("sc-a", "admin@sa.example")
    B = srv.create_org("sc-b", "admin@sb.example")
    team2 = srv.cli("team", "create", "--org", A.org, "--name", "Closers").strip().splitlines()[-1]
    alice = srv.create_user(A.org, "alice@sa.example", first="Alice", last="Archer")
    bob = srv.create_user(A.org, "bob@sa.example", first="Bob", last="Baker", team=team2)
    alice_key = srv.create_key(A.org, user=alice)[1]
    bob_key = srv.create_key(A.org, user=bob)[1]
    tr = {"v1": transcript_v1(("Ann", "hello", 0, 1))}
    c_alice = srv.import_conv(A.key, alice, conversationTitle="Alice call", transcript=tr)
    c_bob = srv.import_conv(A.key, bob, conversationTitle="Bob call", transcript=tr)
    c_b = srv.import_conv(B.key, B.admin, conversationTitle="B call", transcript=tr)


class ScorecardsBase(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def create(self, body, key=None):
        r = srv.req("POST", "/v2/scorecards", A.key if key is None else key, body)
        return r

    def scorecard(self, title="Card", **kw):
        body = {"title": title, "allTeams": True}
        body.update(kw)
        b = self.assertOk(self.create(body))
        self.assertEqual(list(b), ["data"])
        self.assertEqual(list(b["data"]), SC_KEYS)
        return b["data"]

    def item(self, sc, title="Item", weight=10, key=None, **kw):
        body = {"title": title, "type": "numeric", "weight": weight}
        body.update(kw)
        b = self.assertOk(srv.req("POST", "/v2/scorecards/%s/items" % sc, A.key if key is None else key, body))
        self.assertEqual(list(b["data"]), ITEM_KEYS)
        return b["data"]

    def result(self, sc, conv, items, key=None, summary="s"):
        body = {"scorecard_uuid": sc, "conversation_uuid": conv, "summary": summary,
                "items": [{"scorecard_item_uuid": i, "description": "d%d" % k, **({"numeric_result": s} if s is not None else {})}
                          for k, (i, s) in enumerate(items)]}
        return srv.req("POST", "/v2/createScorecardResult", A.key if key is None else key, body)

    def results_of(self, conv, key=None):
        r = srv.req("GET", "/v2/conversations/" + conv, A.key if key is None else key)
        return self.assertOk(r)["attributes"]["scorecardResults"]


class ScorecardCrudTest(ScorecardsBase):
    def test_create_get_and_defaults(self):
        s = self.scorecard("Discovery")
        self.assertRegex(s["id"], UUID_RE)
        self.assertEqual((s["organizationId"], s["teamId"], s["allTeams"], s["enabled"], s["interactionType"]),
                         (A.org, None, True, True, "conversation"))
        self.assertEqual((s["detailedInstructions"], s["scorecardPrompt"], s["expertMode"], s["isDefaultTemplate"]),
                         ("", "", False, False))
        self.assertEqual(s["criteria"], {"operator": "AND", "conditions": []})
        self.assertRegex(s["createdAt"], TIME_MS_RE)
        self.assertEqual(self.assertOk(srv.req("GET", "/v2/scorecards/" + s["id"], A.key)), {"data": s})
        self.assertEqual(self.assertOk(srv.req("GET", "/v2/scorecards/" + s["id"].upper(), alice_key)), {"data": s})
        t = self.scorecard("Team card", allTeams=None, teamUUID=team2, interactionType="email", enabled=False,
                           criteria={"operator": "OR", "conditions": [{"field": "title", "value": "x"}]},
                           detailedInstructions="be kind", scorecardPrompt="score it", expertMode=True)
        self.assertEqual((t["teamId"], t["allTeams"], t["interactionType"], t["enabled"], t["expertMode"]),
                         (team2, False, "email", False, True))
        self.assertEqual(t["criteria"], {"operator": "OR", "conditions": [{"field": "title", "value": "x"}]})

    def test_create_errors(self):
        cases = [({"allTeams": True}, "title"), ({"title": "", "allTeams": True}, "title"),
                 ({"title": "x" * 129, "allTeams": True}, "title"), ({"title": 5, "allTeams": True}, "title"),
                 ({"title": "t"}, "teamUUID"), ({"title": "t", "allTeams": False}, "allTeams"),
                 ({"title": "t", "allTeams": True, "teamUUID": team2}, "not both"),
                 ({"title": "t", "teamUUID": "nope"}, "teamUUID"),
                 ({"title": "t", "teamUUID": UNKNOWN_UUID}, "not a team"),
                 ({"title": "t", "allTeams": "yes"}, "allTeams"),
                 ({"title": "t", "allTeams": True, "interactionType": "sms"}, "interactionType"),
                 ({"title": "t", "allTeams": True, "criteria": {"operator": "XOR"}}, "criteria.operator"),
                 ({"title": "t", "allTeams": True, "criteria": {"conditions": [1]}}, "conditions[0]"),
                 ({"title": "t", "allTeams": True, "detailedInstructions": "x" * 20001}, "detailedInstructions")]
        for body, mention in cases:
            self.assertProblem(self.create(body), 400, code="invalid_body", detail_has=mention)
        # another organization's team is not a team of this one
        b_team = json.loads(srv.cli("team", "list", "--org", B.org).splitlines()[0])["uuid"]
        self.assertProblem(self.create({"title": "t", "teamUUID": b_team}), 400, detail_has="not a team")
        self.assertProblem(self.create({"title": "t", "allTeams": True}, key=alice_key), 403, code="forbidden")
        self.assertProblem(srv.req("POST", "/v2/scorecards", A.key, "nope"), 400, code="invalid_json")
        self.assertUnauthorized(srv.req("POST", "/v2/scorecards", None, {"title": "t", "allTeams": True}))

    def test_get_unknown_malformed_and_other_org(self):
        s = self.scorecard("Mine")
        for sid in (UNKNOWN_UUID, "nope", s["id"] + "x"):
            self.assertNotFound(srv.req("GET", "/v2/scorecards/" + sid, A.key))
        self.assertNotFound(srv.req("GET", "/v2/scorecards/" + s["id"], B.key))
        self.assertNotFound(srv.req("PATCH", "/v2/scorecards/" + s["id"], B.key, {"title": "stolen"}))

    def test_list_pages(self):
        org = srv.create_org("sc-list", "admin@sl.example")
        made = []
        for i in range(5):
            made.append(self.assertOk(srv.req("POST", "/v2/scorecards", org.key,
                                              {"title": "L%d" % i, "allTeams": True}))["data"])
        b = self.assertOk(srv.req("GET", "/v2/scorecards", org.key))
        self.assertEqual(b["data"], made)
        self.assertEqual(b["meta"], {"totalRecords": 5, "pageCount": 1, "pageNumber": 1, "pageSize": 20})
        b = self.assertOk(srv.req("GET", "/v2/scorecards?page=2&size=2", org.key))
        self.assertEqual(b["data"], made[2:4])
        self.assertEqual(b["meta"], {"totalRecords": 5, "pageCount": 3, "pageNumber": 2, "pageSize": 2})
        self.assertEqual(self.assertOk(srv.req("GET", "/v2/scorecards?page=9&size=200", org.key))["data"], [])
        for p in ("size=201", "size=0", "page=0", "page=x"):
            self.assertProblem(srv.req("GET", "/v2/scorecards?" + p, org.key), 400, code="invalid_parameter")
        self.assertNotIn(made[0]["id"], [s["id"] for s in self.assertOk(srv.req("GET", "/v2/scorecards", B.key))["data"]])

    def test_patch(self):
        s = self.scorecard("Before")
        p = lambda body, key=None: srv.req("PATCH", "/v2/scorecards/" + s["id"], A.key if key is None else key, body)  # noqa: E731
        b = self.assertOk(p({"title": "After", "enabled": False}))["data"]
        self.assertEqual((b["title"], b["enabled"], b["allTeams"], b["createdAt"]), ("After", False, True, s["createdAt"]))
        b = self.assertOk(p({"teamUUID": team2}))["data"]
        self.assertEqual((b["teamId"], b["allTeams"]), (team2, False))
        b = self.assertOk(p({"allTeams": True}))["data"]
        self.assertEqual((b["teamId"], b["allTeams"], b["title"]), (None, True, "After"))
        for body, mention in (({}, "at least one"), ({"nothing": 1}, "at least one"), ({"title": ""}, "title"),
                              ({"allTeams": False}, "allTeams"), ({"teamUUID": UNKNOWN_UUID}, "not a team")):
            self.assertProblem(p(body), 400, code="invalid_body", detail_has=mention)
        self.assertProblem(p({"title": "x"}, key=alice_key), 403, code="forbidden")
        self.assertNotFound(srv.req("PATCH", "/v2/scorecards/" + UNKNOWN_UUID, A.key, {"title": "x"}))
        self.assertEqual(self.assertOk(srv.req("GET", "/v2/scorecards/" + s["id"], A.key))["data"]["title"], "After")


class ItemsTest(ScorecardsBase):
    def test_create_list_get_patch_delete(self):
        s = self.scorecard("With items")["id"]
        i1 = self.item(s, "Pain", 30)
        i2 = self.item(s, "Budget", 20, metadata={"numericMetadata": {"min": 0, "max": 10, "maxCriteria": "all"}})
        self.assertEqual((i1["position"], i1["version"], i1["scorecardId"], i1["type"]), (0, 1, s, "numeric"))
        self.assertEqual(i1["metadata"], {"numericMetadata": {"min": 0, "middle": 50, "max": 100, "minCriteria": "",
                                                              "middleCriteria": "", "maxCriteria": ""}})
        self.assertEqual(i2["metadata"]["numericMetadata"]["middle"], 5)
        self.assertEqual(i2["position"], 1)
        self.assertEqual(self.assertOk(srv.req("GET", "/v2/scorecards/%s/items" % s, alice_key)), {"data": [i1, i2]})
        self.assertEqual(self.assertOk(srv.req("GET", "/v2/scorecards/%s/items/%s" % (s, i2["id"]), A.key)),
                         {"data": i2})
        b = self.assertOk(srv.req("PATCH", "/v2/scorecards/%s/items/%s" % (s, i1["id"]), A.key,
                                  {"title": "Pain points", "position": 5}))["data"]
        self.assertEqual((b["title"], b["position"], b["version"], b["weight"], b["createdAt"]),
                         ("Pain points", 5, 2, 30, i1["createdAt"]))
        self.assertGreaterEqual(b["lastUpdatedAt"], i1["lastUpdatedAt"])
        self.assertEqual([x["id"] for x in self.assertOk(srv.req("GET", "/v2/scorecards/%s/items" % s, A.key))["data"]],
                         [i2["id"], i1["id"]])
        d = self.assertOk(srv.req("DELETE", "/v2/scorecards/%s/items/%s" % (s, i2["id"]), A.key))
        self.assertEqual(d, {"data": i2})
        self.assertNotFound(srv.req("GET", "/v2/scorecards/%s/items/%s" % (s, i2["id"]), A.key))
        self.assertNotFound(srv.req("DELETE", "/v2/scorecards/%s/items/%s" % (s, i2["id"]), A.key))
        self.assertEqual([x["id"] for x in self.assertOk(srv.req("GET", "/v2/scorecards/%s/items" % s, A.key))["data"]],
                         [i1["id"]])
        i3 = self.item(s, "Next")
        self.assertEqual(i3["position"], 6)

    def test_errors_tenancy_and_key_level(self):
        s = self.scorecard("Strict")["id"]
        other = self.scorecard("Other")["id"]
        it = self.item(s, "One")
        post = lambda body, key=None: srv.req("POST", "/v2/scorecards/%s/items" % s, A.key if key is None else key, body)  # noqa: E731
        for body, mention in (({"type": "numeric", "weight": 1}, "title"), ({"title": "t", "weight": 1}, "type"),
                              ({"title": "t", "type": "numeric"}, "weight"),
                              ({"title": "t", "type": "text", "weight": 1}, "numeric"),
                              ({"title": "t", "type": "numeric", "weight": 101}, "weight"),
                              ({"title": "t", "type": "numeric", "weight": -1}, "weight"),
                              ({"title": "t", "type": "numeric", "weight": 1, "position": -1}, "position"),
                              ({"title": "t", "type": "numeric", "weight": 1,
                                "metadata": {"numericMetadata": {"min": 5, "max": 5}}}, "min < max"),
                              ({"title": "t", "type": "numeric", "weight": 1,
                                "metadata": {"numericMetadata": {"min": 0, "middle": 11, "max": 10}}}, "middle"),
                              ({"title": "t", "type": "numeric", "weight": 1, "metadata": []}, "metadata")):
            self.assertProblem(post(body), 400, code="invalid_body", detail_has=mention)
        self.assertProblem(post({"title": "t", "type": "numeric", "weight": 1}, key=alice_key), 403)
        patch = lambda sid, iid, body, key=None: srv.req("PATCH", "/v2/scorecards/%s/items/%s" % (sid, iid),  # noqa: E731
                                                         A.key if key is None else key, body)
        self.assertProblem(patch(s, it["id"], {}), 400, detail_has="at least one")
        self.assertProblem(patch(s, it["id"], {"metadata": {"numericMetadata": {"max": -1}}}), 400, detail_has="min < max")
        self.assertProblem(patch(s, it["id"], {"title": "x"}, key=alice_key), 403)
        self.assertProblem(srv.req("DELETE", "/v2/scorecards/%s/items/%s" % (s, it["id"]), alice_key), 403)
        # the item of another scorecard, another organization, unknown or malformed ids: 404
        self.assertNotFound(srv.req("GET", "/v2/scorecards/%s/items/%s" % (other, it["id"]), A.key))
        self.assertNotFound(patch(other, it["id"], {"title": "x"}))
        for path in ("/v2/scorecards/%s/items" % s, "/v2/scorecards/%s/items/%s" % (s, it["id"])):
            self.assertNotFound(srv.req("GET", path, B.key))
        self.assertNotFound(srv.req("POST", "/v2/scorecards/%s/items" % s, B.key,
                                    {"title": "t", "type": "numeric", "weight": 1}))
        self.assertNotFound(srv.req("DELETE", "/v2/scorecards/%s/items/%s" % (s, it["id"]), B.key))
        for sid, iid in ((UNKNOWN_UUID, it["id"]), ("nope", it["id"]), (s, UNKNOWN_UUID), (s, "nope")):
            self.assertNotFound(srv.req("GET", "/v2/scorecards/%s/items/%s" % (sid, iid), A.key))
        self.assertNotFound(srv.req("GET", "/v2/scorecards/%s/items" % UNKNOWN_UUID, A.key))
        self.assertEqual(self.assertOk(srv.req("GET", "/v2/scorecards/%s/items/%s" % (s, it["id"]), A.key))["data"], it)


class ResultsTest(ScorecardsBase):
    def test_a_result_shows_in_the_conversation_and_its_log(self):
        s = self.scorecard("Results card")
        i1, i2, i3 = self.item(s["id"], "Pain", 30), self.item(s["id"], "Budget", 10), self.item(s["id"], "Notes", 0)
        conv = srv.import_conv(A.key, alice, conversationTitle="Scored", transcript={"v1": transcript_v1(("A", "hi", 0, 1))})
        before = self.results_of(conv)
        self.assertEqual(before, [])
        ok = self.assertOk(self.result(s["id"], conv, [(i1["id"], 80), (i2["id"], 5), (i3["id"], None)], summary="Good"))
        self.assertEqual(ok, {"success": True})
        res = self.results_of(conv)
        self.assertEqual(len(res), 1)
        self.assertRegex(res[0]["uuid"], UUID_RE)
        self.assertEqual(res[0]["title"], "Results card")
        self.assertEqual(res[0]["items"], [{"uuid": i1["id"], "title": "Pain", "description": "d0", "score": 80},
                                           {"uuid": i2["id"], "title": "Budget", "description": "d1", "score": 5},
                                           {"uuid": i3["id"], "title": "Notes", "description": "d2", "score": None}])
        # (80 * 30 + 5 * 10) / (30 + 10) = 61.25
        self.assertEqual(res[0]["summary"], {"averageScore": 61.25, "min": 5, "max": 80, "summaryText": "Good"})
        # each call adds one (no idempotency); weights all zero: the plain mean
        self.assertOk(self.result(s["id"], conv, [(i3["id"], 33)]))
        res = self.results_of(conv)
        self.assertEqual(len(res), 2)
        self.assertEqual(res[1]["summary"], {"averageScore": 33, "min": 33, "max": 33, "summaryText": "s"})
        logs = self.assertOk(srv.req("GET", "/v2/conversations/workflow-logs?conversationUUIDs=" + conv, A.key))["data"]
        self.assertEqual([e["workflowName"] for e in logs], ["scorecard_result_created", "scorecard_result_created",
                                                              "import"])
        # now analysed: filter[hide_non_analyzed] keeps it
        rows, _ = srv.list_all(A.key, params=[("filter[hide_non_analyzed]", "true")])
        self.assertIn(conv, [c["id"] for c in rows])

    def test_errors(self):
        s = self.scorecard("Checked")["id"]
        other = self.scorecard("Another")["id"]
        it = self.item(s, "Range", 10, metadata={"numericMetadata": {"min": 1, "max": 5}})
        gone = self.item(s, "Gone", 10)
        foreign = self.item(other, "Foreign", 10)
        srv.req("DELETE", "/v2/scorecards/%s/items/%s" % (s, gone["id"]), A.key)
        post = lambda body, key=None: srv.req("POST", "/v2/createScorecardResult", A.key if key is None else key, body)  # noqa: E731
        base = {"scorecard_uuid": s, "conversation_uuid": c_alice,
                "items": [{"scorecard_item_uuid": it["id"], "numeric_result": 3}]}
        bad = [
            (dict(base, scorecard_uuid=None), "scorecard_uuid"), (dict(base, scorecard_uuid="x"), "scorecard_uuid"),
            (dict(base, conversation_uuid=None), "one of conversation_uuid"),
            (dict(base, chat_uuid=UNKNOWN_UUID), "not both"), (dict(base, conversation_uuid="nope"), "conversation_uuid"),
            (dict(base, items=[]), "items"), (dict(base, items=None), "items"), (dict(base, items={}), "items"),
            (dict(base, items=[{"numeric_result": 1}]), "scorecard_item_uuid"),
            (dict(base, items=[{"scorecard_item_uuid": it["id"], "numeric_result": 6}]), "range"),
            (dict(base, items=[{"scorecard_item_uuid": it["id"], "numeric_result": 0}]), "range"),
            (dict(base, items=[{"scorecard_item_uuid": it["id"], "numeric_result": "3"}]), "numeric_result"),
            (dict(base, items=[{"scorecard_item_uuid": it["id"]}, {"scorecard_item_uuid": it["id"]}]), "repeats"),
            (dict(base, items=[{"scorecard_item_uuid": gone["id"]}]), "not an item"),
            (dict(base, items=[{"scorecard_item_uuid": foreign["id"]}]), "not an item"),
            (dict(base, summary=5), "summary"),
        ]
        for body, mention in bad:
            self.assertProblem(post(body), 400, code="invalid_body", detail_has=mention)
        self.assertNotFound(post(dict(base, conversation_uuid=None, chat_uuid=UNKNOWN_UUID)))
        self.assertNotFound(post(dict(base, conversation_uuid=UNKNOWN_UUID)))
        self.assertNotFound(post(dict(base, conversation_uuid=c_b)))           # another organization's
        self.assertNotFound(post(dict(base, scorecard_uuid=UNKNOWN_UUID)))
        self.assertNotFound(post(base, key=B.key))                              # the scorecard is A's
        self.assertEqual(self.results_of(c_b, key=B.key), [])

    def test_key_levels(self):
        s = self.scorecard("Levels")["id"]
        it = self.item(s, "One", 10)
        body = {"scorecard_uuid": s, "conversation_uuid": c_bob, "items": [{"scorecard_item_uuid": it["id"]}]}
        n = len(self.results_of(c_bob))
        self.assertProblem(srv.req("POST", "/v2/createScorecardResult", alice_key, body), 403, code="forbidden")
        self.assertEqual(len(self.results_of(c_bob)), n)
        logs = self.assertOk(srv.req("GET", "/v2/conversations/workflow-logs?success=false&conversationUUIDs=" + c_bob,
                                     A.key))["data"]
        self.assertEqual([e["workflowName"] for e in logs], ["scorecard_result_created"])
        self.assertIn("forbidden", logs[0]["error"])
        self.assertOk(srv.req("POST", "/v2/createScorecardResult", bob_key, body))
        self.assertEqual(len(self.results_of(c_bob)), n + 1)
        self.assertUnauthorized(srv.req("POST", "/v2/createScorecardResult", None, body))


class SummaryTest(ScorecardsBase):
    DAYS = ["2025-03-10T%s:00:00Z", "2025-03-11T%s:00:00Z", "2025-03-12T%s:00:00Z", "2025-03-13T%s:00:00Z"]

    @classmethod
    def setUpClass(cls):
        """Results of two users over four days, posted with the server's clock set to each time."""
        cls.srv = srv
        self = cls("run")
        cls.sc = self.scorecard("Summary card")["id"]
        cls.items = [self.item(cls.sc, "Alpha", 30), self.item(cls.sc, "Beta", 10), self.item(cls.sc, "Gamma", 0)]
        cls.posted = []   # (time, user, team, [(item index, score)])
        plan = [(0, "09", alice, [(0, 80), (1, 60)]), (0, "23", bob, [(0, 40), (2, 90)]),
                (1, "12", alice, [(0, 70), (1, 50), (2, 10)]), (2, "12", bob, [(1, 20)]),
                (2, "13", alice, [(0, 100)]), (3, "01", alice, [(0, 10), (1, 90)]), (3, "20", bob, [(0, 55), (1, 65)])]
        for day, hour, user, scores in plan:
            when = cls.DAYS[day] % hour
            assert srv.admin("PUT", "/clock", {"now": when, "frozen": True}).status == 200
            conv = c_alice if user == alice else c_bob
            r = self.result(cls.sc, conv, [(cls.items[i]["id"], s) for i, s in scores])
            assert r.status == 200, r
            cls.posted.append((when, user, A.team if user == alice else team2, scores))
        srv.admin("DELETE", "/clock")

    def summary(self, body, key=None):
        return srv.req("POST", "/v2/scorecards/summary", A.key if key is None else key, body)

    def by_hand(self, start, end, users=None, items=None, teams=None):
        """The rows computed from the posted results."""
        team_names = {alice: "sc-a", bob: "Closers"}
        names = {alice: "Alice Archer", bob: "Bob Baker"}
        rows = {}
        for when, user, team, scores in self.posted:
            if not (at(start) <= at(when) <= at(end)) or (users and user not in users) or (teams and team not in teams):
                continue
            for i, s in scores:
                if items and self.items[i]["id"] not in items:
                    continue
                rows.setdefault(user, []).append((i, s))
        out = []
        for user, got in rows.items():
            w = [self.items[i]["weight"] for i, _ in got]
            total = sum(s * self.items[i]["weight"] for i, s in got)
            overall = total / sum(w) if sum(w) else sum(s for _, s in got) / len(got)
            per = {}
            for i, s in got:
                per.setdefault(i, []).append(s)
            out.append({"userName": names[user], "teamName": team_names[user], "overallScoreTotals": round2(overall),
                        "metricsCount": len(got), "min": min(s for _, s in got), "max": max(s for _, s in got),
                        "itemAverageTotals": [{"title": self.items[i]["title"], "average": round2(sum(v) / len(v))}
                                              for i, v in sorted(per.items())]})
        return sorted(out, key=lambda r: r["userName"])

    def check(self, start, end, **kw):
        body = {"scorecardUUID": self.sc, "fromDateTime": start, "toDateTime": end, "teamUUIDs": [], "userUUIDs": [],
                "scorecardsItemsUUIDs": []}
        if kw.get("users"):
            body["userUUIDs"] = kw["users"]
        if kw.get("items"):
            body["scorecardsItemsUUIDs"] = kw["items"]
        if kw.get("teams"):
            body["teamUUIDs"] = kw["teams"]
        got = self.assertOk(self.summary(body))
        self.assertEqual(got, {"data": self.by_hand(start, end, kw.get("users"), kw.get("items"), kw.get("teams"))}, (start, end, kw))
        return got["data"]

    def test_against_a_computation_by_hand(self):
        all_ = self.check("2025-01-01T00:00:00Z", "2025-12-31T00:00:00Z")
        self.assertEqual([r["userName"] for r in all_], ["Alice Archer", "Bob Baker"])
        # whole days in the middle, partial first and last days, one day, a day boundary
        for start, end in (("2025-03-10T10:00:00Z", "2025-03-13T10:00:00Z"), ("2025-03-10T23:00:00Z", "2025-03-13T01:00:00Z"),
                           ("2025-03-12T00:00:00Z", "2025-03-12T12:59:59Z"), ("2025-03-11T00:00:00Z", "2025-03-12T00:00:00Z"),
                           ("2025-03-10T09:00:00.000Z", "2025-03-10T09:00:00.000Z"), ("2025-03-14T00:00:00Z", "2025-03-20T00:00:00Z")):
            self.check(start, end)
        self.check("2025-01-01T00:00:00Z", "2025-12-31T00:00:00Z", users=[bob])
        self.check("2025-01-01T00:00:00Z", "2025-12-31T00:00:00Z", items=[self.items[0]["id"], self.items[2]["id"]])
        self.assertEqual([r["userName"] for r in self.check("2025-03-10T00:00:00Z", "2025-03-14T00:00:00Z",
                                                            teams=[team2])], ["Bob Baker"])
        # without times: everything
        self.assertEqual(self.assertOk(self.summary({"scorecardUUID": self.sc}))["data"], all_)

    def test_a_deleted_users_results_keep_their_name(self):
        """A deleted user is kept for display (beyond.md §4 [decided]): their results still count, under
        their name and team, as their conversations keep them as owner."""
        sc = self.scorecard("Departed card")["id"]
        it = self.item(sc, "Only", 10)["id"]
        dora = srv.create_user(A.org, "dora@sa.example", first="Dora", last="Gone", team=team2)
        conv = srv.import_conv(A.key, dora, conversationTitle="Dora call")
        self.assertEqual(self.result(sc, conv, [(it, 42)]).status, 200)
        want = [{"userName": "Dora Gone", "teamName": "Closers", "overallScoreTotals": 42, "metricsCount": 1,
                 "min": 42, "max": 42, "itemAverageTotals": [{"title": "Only", "average": 42}]}]
        self.assertEqual(self.assertOk(self.summary({"scorecardUUID": sc}))["data"], want)
        self.assertOk(srv.req("DELETE", "/v2/organizations/users/" + dora, A.key))
        self.assertEqual(self.assertOk(self.summary({"scorecardUUID": sc}))["data"], want)
        self.assertEqual(self.assertOk(self.summary({"scorecardUUID": sc, "userUUIDs": [dora]}))["data"], want)

    def test_errors_and_tenancy(self):
        self.assertProblem(srv.req("GET", "/v2/scorecards/summary", A.key), 405, code="method_not_allowed")
        for body, mention in (({}, "scorecardUUID"), ({"scorecardUUID": "x"}, "scorecardUUID"),
                              ({"scorecardUUID": self.sc, "fromDateTime": "yesterday"}, "fromDateTime"),
                              ({"scorecardUUID": self.sc, "fromDateTime": "2025-02-01T00:00:00Z",
                                "toDateTime": "2025-01-01T00:00:00Z"}, "after"),
                              ({"scorecardUUID": self.sc, "userUUIDs": ["x"]}, "userUUIDs[0]"),
                              ({"scorecardUUID": self.sc, "teamUUIDs": "x"}, "teamUUIDs"),
                              ({"scorecardUUID": self.sc, "scorecardsItemsUUIDs": [UNKNOWN_UUID] * 1001}, "1001")):
            self.assertProblem(self.summary(body), 400, code="invalid_body", detail_has=mention)
        self.assertNotFound(self.summary({"scorecardUUID": UNKNOWN_UUID}))
        self.assertNotFound(self.summary({"scorecardUUID": self.sc}, key=B.key))
        self.assertEqual(self.assertOk(self.summary({"scorecardUUID": self.sc, "userUUIDs": [UNKNOWN_UUID]})),
                         {"data": []})
        self.assertEqual(len(self.assertOk(self.summary({"scorecardUUID": self.sc}, key=alice_key))["data"]), 2)


class CliAndSeedTest(ScorecardsBase):
    def test_parley_scorecard_list(self):
        org = srv.create_org("sc-cli", "admin@sc.example")
        made = [self.assertOk(srv.req("POST", "/v2/scorecards", org.key, {"title": "C%d" % i, "allTeams": True}))["data"]
                for i in range(3)]
        lines = srv.cli("scorecard", "list", "--org", "sc-cli").splitlines()
        self.assertEqual([json.loads(x) for x in lines], made)
        p = srv.cli_run("scorecard", "list")
        self.assertEqual(p.returncode, 2)
        self.assertIn("--org", p.stderr)
        p = srv.cli_run("scorecard", "list", "--help", db=False)
        self.assertEqual(p.returncode, 0)
        self.assertIn("--org", p.stdout)

    def test_the_seed_makes_two_scorecards_with_results_on_about_half(self):
        org = srv.create_org("sc-seed", "admin@ss.example")
        srv.seed(org.org, 120, seed=3)
        cards = self.assertOk(srv.req("GET", "/v2/scorecards", org.key))["data"]
        self.assertEqual(len(cards), 2)
        rows, total = srv.list_all(org.key)
        scored = [c for c in rows if c["attributes"]["scorecardResults"]]
        self.assertTrue(0.3 * total <= len(scored) <= 0.7 * total, (len(scored), total))
        titles = {c["title"] for c in cards}
        for c in scored:
            for res in c["attributes"]["scorecardResults"]:
                self.assertIn(res["title"], titles)
        b = self.assertOk(srv.req("POST", "/v2/scorecards/summary", org.key, {"scorecardUUID": cards[0]["id"]}))
        self.assertTrue(b["data"])
        self.assertGreater(sum(r["metricsCount"] for r in b["data"]), 0)
        items = self.assertOk(srv.req("GET", "/v2/scorecards/%s/items" % cards[0]["id"], org.key))["data"]
        self.assertEqual(len(items), 4)


if __name__ == "__main__":
    unittest.main()
