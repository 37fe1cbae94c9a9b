"""test_admin_clock.py - the admin API's clock and id seed (stand-in §5): frozen, set, advanced, deterministic answers."""

import datetime
import sys
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
from harness import transcript_v2  # noqa: E402

srv = None
A = None
T0 = "2025-01-02T03:04:05.678Z"


def ts(s):
    """An RFC 3339 time the server emitted, as seconds since the epoch (float)."""
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def setUpModule():
    global srv, A
    srv = harness.Server(admin=True)
    srv.start()
    A = srv.create_org("clock-a", "admin@a.example")


def tearDownModule():
    if srv:
        srv.stop()


class ClockTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv
        srv.admin("DELETE", "/clock")

    def put(self, body, status=200):
        r = srv.admin("PUT", "/clock", body)
        self.assertEqual(r.status, status, r)
        return r.body

    def test_real_time_by_default(self):
        r = srv.admin("GET", "/clock")
        self.assertEqual(r.status, 200)
        self.assertIs(r.body["frozen"], False)
        self.assertRegex(r.body["now"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertLess(abs(ts(r.body["now"]) - datetime.datetime.now(datetime.timezone.utc).timestamp()), 60)

    def test_frozen_clock_times_every_write(self):
        self.assertEqual(self.put({"now": T0, "frozen": True}), {"now": T0, "frozen": True})
        self.assertEqual(srv.admin("GET", "/clock").body, {"now": T0, "frozen": True})
        t0 = ts(T0)
        cid = srv.import_conv(A.key, A.admin, conversationTitle="Frozen",
                              transcript={"v2": transcript_v2(("Ann", "hi", 0.0, 1.0))})
        a = srv.req("GET", "/v2/conversations/" + cid, A.key).body["attributes"]
        self.assertEqual(int(ts(a["createdAt"])), int(t0))
        a = srv.req("DELETE", "/v2/conversations/" + cid, A.key).body["attributes"]
        self.assertEqual(int(ts(a["archivedAt"])), int(t0))
        logs = srv.req("GET", "/v2/conversations/workflow-logs?conversationUUIDs=" + cid, A.key).body["data"]
        self.assertEqual({int(ts(x["createdAt"])) for x in logs}, {int(t0)})
        keys = srv.req("GET", "/v2/api_keys", A.key).body
        mine = [k for k in keys if k["id"] == A.key_id][0]
        self.assertEqual(int(ts(mine["lastSeenAt"])), int(t0))
        # advance: the next write is an hour later
        self.assertEqual(self.put({"advance": 3600})["now"], "2025-01-02T04:04:05.678Z")
        srv.req("POST", "/v2/conversations/%s/unarchive" % cid, A.key)
        a = srv.req("DELETE", "/v2/conversations/" + cid, A.key).body["attributes"]
        self.assertEqual(int(ts(a["archivedAt"])), int(t0) + 3600)

    def test_set_without_freezing_runs_on(self):
        body = self.put({"now": "2030-06-01T00:00:00Z"})
        self.assertIs(body["frozen"], False)
        self.assertTrue(body["now"].startswith("2030-06-01T00:00:0"))
        later = srv.admin("GET", "/clock").body
        self.assertGreaterEqual(ts(later["now"]), ts("2030-06-01T00:00:00Z"))
        frozen = self.put({"frozen": True})
        self.assertIs(frozen["frozen"], True)
        self.assertEqual(srv.admin("GET", "/clock").body, frozen)
        self.assertAlmostEqual(ts(self.put({"advance": -0.5})["now"]), ts(frozen["now"]) - 0.5, places=3)
        thawed = self.put({"frozen": False})
        self.assertIs(thawed["frozen"], False)

    def test_delete_returns_to_real_time(self):
        self.put({"now": T0, "frozen": True})
        body = srv.admin("DELETE", "/clock").body
        self.assertIs(body["frozen"], False)
        self.assertLess(abs(ts(body["now"]) - datetime.datetime.now(datetime.timezone.utc).timestamp()), 60)

    def test_bad_bodies_are_400_naming_the_value_and_change_nothing(self):
        self.put({"now": T0, "frozen": True})
        for body, needle in (({"now": "yesterday"}, '"yesterday"'),
                             ({"now": "2025-13-01T00:00:00Z"}, '"2025-13-01T00:00:00Z"'),
                             ({"advance": "abc"}, '"abc"'),
                             ({"advance": True}, "advance"),
                             ({"advance": 1e12}, "advance"),
                             ({"frozen": "yes"}, '"yes"'),
                             ({"speed": 2}, '"speed"'),
                             ({}, "at least one"),
                             ("[]", "object")):
            self.assertProblem(srv.admin("PUT", "/clock", body), 400, detail_has=(needle,))
        self.assertEqual(srv.admin("GET", "/clock").body, {"now": T0, "frozen": True})


class StartFrozenTest(harness.ApiTestCase):
    def test_now_flag_starts_frozen(self):
        with harness.Server(admin=True, extra_args=["--now", T0]) as s:
            self.assertEqual(s.admin("GET", "/clock").body, {"now": T0, "frozen": True})

    def test_bad_flags(self):
        for args in (["--now", "soon"], ["--id-seed", "-1"], ["--id-seed", "x"]):
            p = srv.cli_run("serve", "--listen", "127.0.0.1:0", *args, db=False)
            self.assertEqual(p.returncode, 2, args)


def script(s):
    """The same requests against a fresh server; returns every answer's raw bytes (keys aside)."""
    out = []
    r = s.admin("POST", "/orgs", {"name": "det", "adminEmail": "admin@det.example"})
    body = dict(r.body)
    key = body.pop("key")
    s.secrets.add(key)
    out.append(repr(sorted(body.items())).encode())
    user = s.req("POST", "/v2/organizations/users", key, {"email": "u@det.example", "firstName": "U"})
    out.append(user.raw)
    uid = user.body["data"]["uuid"]
    ids = []
    for i in range(3):
        r = s.req("POST", "/v2/conversations/import", key,
                  {"mediaURL": "https://m.example/%d.mp4" % i, "userID": uid, "conversationTitle": "Call %d" % i,
                   "transcript": {"v2": transcript_v2(("U", "word %d" % i, 0.0, 1.5))}})
        out.append(r.raw)
        ids.append(r.body["uuid"])
    s.admin("PUT", "/clock", {"advance": 61})
    for path in ["/v2/conversations/" + ids[0], "/v2/conversations?size=10", "/v2/conversations/list",
                 "/v2/users", "/v2/teams"]:
        out.append(s.req("GET", path, key).raw)
    out.append(s.req("DELETE", "/v2/conversations/" + ids[1], key).raw)
    out.append(s.req("PUT", "/v2/conversations/%s/title" % ids[2], key, {"title": "Renamed"}).raw)
    out.append(s.req("GET", "/v2/conversations/workflow-logs", key).raw)
    out.append(s.req("POST", "/v2/api_keys", key, {"name": "second", "orgLevel": False}).body["id"].encode())
    return out


class DeterminismTest(unittest.TestCase):
    def test_frozen_clock_and_id_seed_give_byte_identical_answers(self):
        runs = []
        for _ in range(2):
            with harness.Server(admin=True, extra_args=["--now", T0, "--id-seed", "42"]) as s:
                runs.append(script(s))
        self.assertEqual(len(runs[0]), len(runs[1]))
        for i, (a, b) in enumerate(zip(*runs)):
            self.assertEqual(a, b, "answer %d differs" % i)
        with harness.Server(admin=True, extra_args=["--now", T0, "--id-seed", "43"]) as s:
            other = script(s)
        self.assertNotEqual(runs[0][3], other[3], "another seed gives other ids")


if __name__ == "__main__":
    unittest.main()
