"""test_admin_faults.py - the admin API's access rules and fault rules (stand-in §0, §3), end to end."""

import http.client
import json
import sys
import time
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
from harness import UNKNOWN_UUID, transcript_v2  # noqa: E402

srv = None
A = B = None


def setUpModule():
    global srv, A, B
    srv = harness.Server(admin=True)
    srv.start()
    A = srv.create_org("faults-a", "admin@a.example")
    B = srv.create_org("faults-b", "admin@b.example")


def tearDownModule():
    if srv:
        srv.stop()


def new_conv(key=None):
    return srv.import_conv(key or A.key, A.admin, conversationTitle="Fault target",
                           transcript={"v2": transcript_v2(("Ann", "hello", 0.0, 1.0))})


def count_convs(key=None):
    return srv.req("GET", "/v2/conversations/list?size=1", key or A.key).body["meta"]["totalRecords"]


def retrying_get(path, key, attempts=4, retry_on=(502, 503, 504)):
    """What the hosted API's real clients do: retry 502/503/504 up to three times."""
    statuses = []
    for _ in range(attempts):
        r = srv.req("GET", path, key)
        statuses.append(r.status)
        if r.status not in retry_on:
            return r, statuses
    return r, statuses


class FaultTestCase(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv
        self.assertEqual(srv.admin("DELETE", "/faults").status, 200)

    def add(self, rule, status=201):
        r = srv.admin("POST", "/faults", rule)
        self.assertEqual(r.status, status, r)
        return r.body


class AccessTest(FaultTestCase):
    def test_missing_or_wrong_token_is_401_whether_or_not_the_path_exists(self):
        for path in ("/faults", "/no/such/thing", "/orgs", "", "/"):
            for token in ("", "wrong-token", A.key):
                r = srv.req("GET", "/_parley" + path, token or None)
                self.assertProblem(r, 401, "unauthorized")
                self.assertNotIn(srv.admin_token, json.dumps(r.body))

    def test_right_token_unknown_path_is_404_and_wrong_method_405(self):
        self.assertProblem(srv.admin("GET", "/no/such/thing"), 404, "not_found")
        r = srv.admin("PATCH", "/faults")
        self.assertProblem(r, 405, "method_not_allowed")
        self.assertIn("GET", r.headers["Allow"])

    def test_bare_token_form_works_too(self):
        r = srv.req("GET", "/_parley/faults", srv.admin_token, auth_form="bare")
        self.assertEqual(r.status, 200)

    def test_admin_api_off_is_404_like_any_unknown_path(self):
        with harness.Server() as plain:
            for path in ("/_parley/faults", "/_parley/orgs", "/_parley"):
                self.assertProblem(plain.req("GET", path, "anything"), 404, "not_found")
                self.assertProblem(plain.req("POST", path, None, {}), 404, "not_found")


class RuleLifecycleTest(FaultTestCase):
    def test_create_list_delete(self):
        rule = self.add({"match": {"method": "GET", "path": "/v2/conversations/*"},
                         "respond": {"status": 503}, "times": 3})
        self.assertRegex(rule["id"], harness.UUID_RE)
        self.assertEqual(rule["hits"], 0)
        self.assertEqual(rule["match"], {"method": "GET", "path": "/v2/conversations/*"})
        self.assertEqual(rule["respond"], {"status": 503})
        self.assertEqual(rule["times"], 3)
        self.assertEqual(rule["probability"], 1)
        other = self.add({"match": {"path": "/v2/teams"}, "drop": True})
        listed = srv.admin("GET", "/faults").body["data"]
        self.assertEqual([x["id"] for x in listed], [rule["id"], other["id"]])   # creation order
        cid = new_conv()
        self.assertEqual(srv.req("GET", "/v2/conversations/" + cid, A.key).status, 503)
        listed = srv.admin("GET", "/faults").body["data"]
        self.assertEqual(listed[0]["hits"], 1)
        self.assertEqual(srv.admin("DELETE", "/faults/" + rule["id"]).body, {"success": True})
        self.assertProblem(srv.admin("DELETE", "/faults/" + rule["id"]), 404, "not_found")
        self.assertProblem(srv.admin("DELETE", "/faults/not-an-id"), 404, "not_found")
        self.assertEqual([x["id"] for x in srv.admin("GET", "/faults").body["data"]], [other["id"]])
        self.assertEqual(srv.req("GET", "/v2/conversations/" + cid, A.key).status, 200)
        self.assertEqual(srv.admin("DELETE", "/faults").body, {"success": True})
        self.assertEqual(srv.admin("GET", "/faults").body, {"data": []})


class RespondTest(FaultTestCase):
    def test_503_default_problem_with_retry_after(self):
        self.add({"match": {"path": "/v2/teams"}, "respond": {"status": 503}})
        r = srv.req("GET", "/v2/teams", A.key)
        self.assertProblem(r, 503, "unavailable")
        self.assertEqual(r.headers["Retry-After"], "1")

    def test_429_is_rate_limited_with_retry_after(self):
        rule = self.add({"match": {"path": "/v2/teams"}, "respond": {"status": 429}, "retryAfter": 7})
        r = srv.req("GET", "/v2/teams", A.key)
        self.assertProblem(r, 429, "rate_limited")
        self.assertEqual(r.headers["Retry-After"], "7")
        self.assertIn(rule["id"], r.body["detail"])

    def test_other_status_has_a_problem_without_retry_after(self):
        self.add({"match": {"path": "/v2/teams"}, "respond": {"status": 418}})
        r = srv.req("GET", "/v2/teams", A.key)
        self.assertEqual(r.status, 418)
        self.assertEqual(r.ctype, harness.PROBLEM_CT)
        self.assertEqual(r.body["status"], 418)
        self.assertNotIn("Retry-After", r.headers)

    def test_custom_body_and_headers(self):
        self.add({"match": {"path": "/v2/users"},
                  "respond": {"status": 502, "body": {"message": "upstream down", "n": [1, 2]},
                              "headers": {"X-Upstream": "attention", "Content-Type": "text/plain"}}})
        r = srv.req("GET", "/v2/users", A.key)
        self.assertEqual(r.status, 502)
        self.assertEqual(r.headers["X-Upstream"], "attention")
        self.assertEqual(r.headers["Content-Type"], "text/plain")
        self.assertEqual(json.loads(r.raw), {"message": "upstream down", "n": [1, 2]})

    def test_a_faulted_request_executes_nothing(self):
        cid = new_conv()
        before = count_convs()
        self.add({"match": {"method": "DELETE"}, "respond": {"status": 500}})
        self.add({"match": {"method": "POST", "path": "/v2/conversations/import"}, "respond": {"status": 503}})
        self.assertEqual(srv.req("DELETE", "/v2/conversations/" + cid, A.key).status, 500)
        r = srv.req("POST", "/v2/conversations/import", A.key,
                    {"mediaURL": "https://m.example/x.mp4", "userID": A.admin, "conversationTitle": "never"})
        self.assertEqual(r.status, 503)
        srv.admin("DELETE", "/faults")
        self.assertIs(srv.req("GET", "/v2/conversations/" + cid, A.key).body["attributes"]["archived"], False)
        self.assertEqual(count_convs(), before)

    def test_unknown_paths_and_missing_keys_are_faulted_too(self):
        self.add({"match": {"path": "/v2/**"}, "respond": {"status": 503}})
        self.assertEqual(srv.req("GET", "/v2/no/such/path", A.key).status, 503)
        self.assertEqual(srv.req("GET", "/v2/conversations", None).status, 503)

    def test_admin_and_health_are_never_faulted(self):
        self.add({"match": {"path": "/**"}, "respond": {"status": 503}})
        self.assertEqual(srv.req("GET", "/healthz").status, 200)
        self.assertEqual(srv.admin("GET", "/faults").status, 200)


class CountingTest(FaultTestCase):
    def test_client_retry_loop_succeeds_after_times_2(self):
        cid = new_conv()
        rule = self.add({"match": {"method": "GET", "path": "/v2/conversations/*"},
                         "respond": {"status": 503}, "times": 2})
        r, statuses = retrying_get("/v2/conversations/" + cid, A.key)
        self.assertEqual(statuses, [503, 503, 200])
        self.assertEqual(r.body["id"], cid)
        self.assertEqual(srv.admin("GET", "/faults").body["data"], [], "a rule is removed after `times` hits")
        self.assertNotIn(rule["id"], json.dumps(srv.admin("GET", "/faults").body))

    def test_retry_after_honoured_by_a_sleeping_client(self):
        self.add({"match": {"path": "/v2/teams"}, "respond": {"status": 429}, "retryAfter": 1, "times": 1})
        t0 = time.monotonic()
        r = srv.req("GET", "/v2/teams", A.key)
        waited = 0
        while r.status == 429:
            wait = int(r.headers["Retry-After"])
            self.assertGreaterEqual(wait, 1)
            time.sleep(wait)   # what the client does; nothing is asserted about time
            waited += wait
            r = srv.req("GET", "/v2/teams", A.key)
        self.assertEqual(r.status, 200)
        self.assertEqual(waited, 1)
        self.assertGreaterEqual(time.monotonic() - t0, 1)

    def test_after_lets_the_first_matches_through(self):
        self.add({"match": {"path": "/v2/teams"}, "respond": {"status": 503}, "after": 2, "times": 1})
        got = [srv.req("GET", "/v2/teams", A.key).status for _ in range(4)]
        self.assertEqual(got, [200, 200, 503, 200])

    def test_first_rule_that_fires_decides(self):
        first = self.add({"match": {"path": "/v2/teams"}, "respond": {"status": 502}, "after": 1})
        second = self.add({"match": {"path": "/v2/**"}, "respond": {"status": 504}})
        got = [srv.req("GET", "/v2/teams", A.key).status for _ in range(3)]
        self.assertEqual(got, [504, 502, 502])
        hits = {x["id"]: x["hits"] for x in srv.admin("GET", "/faults").body["data"]}
        self.assertEqual(hits, {first["id"]: 2, second["id"]: 1})

    def test_probability_with_seed_is_reproducible(self):
        def pattern():
            srv.admin("DELETE", "/faults")
            self.add({"match": {"path": "/v2/teams"}, "respond": {"status": 503}, "probability": 0.5, "seed": 42})
            return [srv.req("GET", "/v2/teams", A.key).status for _ in range(40)]
        p1, p2 = pattern(), pattern()
        self.assertEqual(p1, p2)
        self.assertIn(503, p1)
        self.assertIn(200, p1)
        srv.admin("DELETE", "/faults")
        self.add({"match": {"path": "/v2/teams"}, "respond": {"status": 503}, "probability": 0})
        self.assertEqual({srv.req("GET", "/v2/teams", A.key).status for _ in range(20)}, {200})

    def test_key_id_match(self):
        self.add({"match": {"keyId": A.key_id}, "respond": {"status": 503}})
        self.assertEqual(srv.req("GET", "/v2/teams", A.key).status, 503)
        self.assertEqual(srv.req("GET", "/v2/teams", B.key).status, 200)
        self.assertEqual(srv.req("GET", "/v2/teams", None).status, 401)


class DelayDropTest(FaultTestCase):
    def test_delay_alone_slows_the_real_answer(self):
        cid = new_conv()
        self.add({"match": {"path": "/v2/conversations/*"}, "delayMs": 300})
        t0 = time.monotonic()
        r = srv.req("GET", "/v2/conversations/" + cid, A.key)
        self.assertGreaterEqual(time.monotonic() - t0, 0.3)   # a lower bound: cannot flake
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body["id"], cid)

    def test_delay_with_respond_delays_the_fault(self):
        self.add({"match": {"path": "/v2/teams"}, "delayMs": 200, "respond": {"status": 504}})
        t0 = time.monotonic()
        self.assertEqual(srv.req("GET", "/v2/teams", A.key).status, 504)
        self.assertGreaterEqual(time.monotonic() - t0, 0.2)

    def test_delayed_requests_do_not_block_others(self):
        self.add({"match": {"path": "/v2/users"}, "delayMs": 3000, "times": 4})
        conns = []
        for _ in range(4):   # more delayed requests than the server has threads
            c = srv.connect()
            c.request("GET", "/v2/users", headers={"Authorization": "Bearer " + A.key})
            conns.append(c)
        for _ in range(5):
            self.assertEqual(srv.req("GET", "/v2/teams", A.key, timeout=2).status, 200)
        for c in conns:
            self.assertEqual(c.getresponse().status, 200)
            c.close()

    def test_drop_closes_without_an_answer(self):
        self.add({"match": {"path": "/v2/teams"}, "drop": True, "times": 1})
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionResetError, http.client.BadStatusLine)):
            srv.req("GET", "/v2/teams", A.key)
        self.assertEqual(srv.req("GET", "/v2/teams", A.key).status, 200)
        self.assertAlive()


class BadRuleTest(FaultTestCase):
    def bad(self, rule, needle):
        r = srv.admin("POST", "/faults", rule)
        self.assertProblem(r, 400, detail_has=(needle,))
        return r

    def test_bad_rules_are_400_naming_the_member_and_change_nothing(self):
        self.bad({"match": {"path": "/v2/**"}, "respond": {"status": 503}, "tiems": 2}, '"tiems"')
        self.bad({"match": {"pth": "/v2"}, "respond": {"status": 503}}, '"match.pth"')
        self.bad({"respond": {"status": 503, "bdy": {}}}, '"respond.bdy"')
        self.bad({"respond": {"status": 399}}, "399")
        self.bad({"respond": {"status": 600}}, "600")
        self.bad({"respond": {"status": "503"}}, '"503"')
        self.bad({"respond": {}}, "respond.status")
        self.bad({"respond": {"status": 503}, "probability": 1.5}, "1.5")
        self.bad({"respond": {"status": 503}, "probability": -0.1}, "-0.1")
        self.bad({"match": {"path": "v2/conversations"}, "respond": {"status": 503}}, '"v2/conversations"')
        self.bad({"match": {"path": "/v2/a**"}, "respond": {"status": 503}}, '"/v2/a**"')
        self.bad({"match": {"path": "/v2//x"}, "respond": {"status": 503}}, '"/v2//x"')
        self.bad({"match": {"path": "/v2?x=1"}, "respond": {"status": 503}}, '"/v2?x=1"')
        self.bad({"match": {"method": "FETCH"}, "respond": {"status": 503}}, '"FETCH"')
        self.bad({"match": {"keyId": "key-1"}, "respond": {"status": 503}}, '"key-1"')
        self.bad({"respond": {"status": 503, "headers": {"X-A": "a\r\nInjected: 1"}}}, "respond.headers.X-A")
        self.bad({"respond": {"status": 503, "headers": {"Bad Name": "x"}}}, '"Bad Name"')
        self.bad({"respond": {"status": 503, "headers": {"Content-Length": "5"}}}, "Content-Length")
        self.bad({"respond": {"status": 503}, "drop": True}, "drop")
        self.bad({"retryAfter": 5, "delayMs": 10}, "retryAfter")
        self.bad({"match": {"path": "/v2/**"}}, "does nothing")
        self.bad({"delayMs": 60001}, "60001")
        self.bad({"delayMs": 1.5}, "1.5")
        self.bad({"respond": {"status": 503}, "times": 0}, "times")
        self.bad({"respond": {"status": 503}, "after": -1}, "after")
        self.bad({"respond": {"status": 503}, "seed": "x"}, '"x"')
        self.bad([1, 2], "object")
        self.assertProblem(srv.admin("POST", "/faults", "{not json"), 400, "invalid_json")
        self.assertProblem(srv.admin("POST", "/faults", None), 400)
        self.assertEqual(srv.admin("GET", "/faults").body, {"data": []})
        self.assertEqual(srv.req("GET", "/v2/teams", A.key).status, 200)


if __name__ == "__main__":
    unittest.main()
