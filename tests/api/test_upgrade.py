"""test_upgrade.py - a database made by the version before stored documents (tests/fixtures: SQLite
schema 5, or PostgreSQL schema 3 when the suite runs on PostgreSQL) opened by this server: every
answer equals what the old version gave, changed only where beyond.md §0 says; the old key still
works; filters, changes and export/load work on the upgraded rows."""

import copy
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
# The org-level keys of the fixtures' organization (keys of these fixtures only; see tests/fixtures/README.md).
SQLITE_KEY = "prl_s_-L9LQIL7KKdmPZ8J1PGQ2K2jdasOsgwJ3Qef221DQ"
PG_KEY = "prl_VGR_PWgcV6uJ4h1nnSPrXtNxj27GtwGdlPYAfEBXDPc"
OLD_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
INCLUDE_ALL = ("?filter%5Binclude_internal_participants%5D=true&filter%5Binclude_import_metadata%5D=true"
               "&filter%5Binclude_zoom_metadata%5D=true")

srv = None
KEY = None
BEFORE = None   # what the old version answered (the fixture's .before.json)
AFTER = {}      # what this server answers right after the upgrade, before any test changes a thing
LIST = "/v2/conversations/list?filter%5Binclude_archived%5D=true&size=50"


def load_fixture(server):
    """Creates the fixture's database where the server will run; returns (key, what the old version answered)."""
    if harness.PG_ADMIN:
        name, url = harness.pg_create_db()
        with open(os.path.join(FIXTURES, "schema3.postgres.sql"), encoding="utf-8") as f:
            # \restrict lines are pg_dump's (15.14+) guard for psql; older psql does not know them
            sql = "".join(line for line in f if not line.startswith(("\\restrict", "\\unrestrict")))
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url], input=sql, text=True, check=True,
                       capture_output=True, timeout=120)
        server.shared_db, server.pg_db = url, name   # dropped when the server stops
        key, before = PG_KEY, "schema3.postgres.before.json"
    else:
        tmp = tempfile.mkdtemp(prefix="parley-upgrade-")
        unittest.addModuleCleanup(shutil.rmtree, tmp, ignore_errors=True)
        path = os.path.join(tmp, "old.db")
        with open(os.path.join(FIXTURES, "schema5.sqlite.sql"), encoding="utf-8") as f:
            db = sqlite3.connect(path)
            db.executescript(f.read())
            db.close()
        server.shared_db = path
        key, before = SQLITE_KEY, "schema5.sqlite.before.json"
    server.secrets.add(key)
    with open(os.path.join(FIXTURES, before), encoding="utf-8") as f:
        return key, json.load(f)


def setUpModule():
    global srv, KEY, BEFORE
    srv = harness.Server()
    KEY, BEFORE = load_fixture(srv)
    srv.start()
    unittest.addModuleCleanup(srv.stop)
    AFTER["list"] = srv.req("GET", LIST, KEY)
    AFTER["get"] = {cid: srv.req("GET", "/v2/conversations/" + cid + INCLUDE_ALL, KEY) for cid in BEFORE["get"]}
    AFTER["users"] = srv.req("GET", "/v2/users", KEY)
    AFTER["workflowLogs"] = srv.req("GET", "/v2/conversations/workflow-logs?limit=1000", KEY)


# ---- what beyond.md §0 changes, applied to the old answers ------------------------------
def ms_times(v):
    """Every time string gains milliseconds."""
    if isinstance(v, dict):
        return {k: ms_times(x) for k, x in v.items()}
    if isinstance(v, list):
        return [ms_times(x) for x in v]
    if isinstance(v, str) and OLD_TIME.match(v):
        return v[:-1] + ".000Z"
    return v


def people(ps, external_ids):
    """Participants: no status; an external one's id is its email."""
    out = []
    for p in ps:
        q = {k: x for k, x in p.items() if k != "status"}
        if p["id"] in external_ids:
            q["id"] = p["email"]
        out.append(q)
    return out


def expected(attrs_old, external_ids):
    a = ms_times(attrs_old)
    a["participants"] = people(a["participants"], external_ids)
    a["attendees"] = [{k: x for k, x in p.items() if k != "status" and not (k == "email" and x == "")}
                      for p in a["attendees"]]
    if a["externalOpportunity"] == {}:
        a["externalOpportunity"] = None
    return a


def external_ids_of(cid):
    """The ids the old version showed as external participants (its default view, on the list)."""
    row = [r for r in BEFORE["list"]["data"] if r["id"] == cid][0]
    return {p["id"] for p in row["attributes"]["participants"]}


class UpgradeTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def test_every_conversation_as_before(self):
        self.assertEqual(len(BEFORE["get"]), 13)
        for cid, old in BEFORE["get"].items():
            res = self.assertOk(AFTER["get"][cid])
            a = self.assertResource(res, transcript="object")
            want = expected(old["attributes"], external_ids_of(cid))
            self.assertEqual(list(a), list(want), "attribute order")
            for k in want:
                self.assertEqual(a[k], want[k], "%s.%s" % (cid, k))
        # one of them had no opportunity: null now (beyond.md §0)
        self.assertIn(None, [r.body["attributes"]["externalOpportunity"] for r in AFTER["get"].values()])

    def test_list_as_before(self):
        body = self.assertList(AFTER["list"])
        self.assertEqual(body["meta"], BEFORE["list"]["meta"])
        self.assertEqual([row["id"] for row in body["data"]], [row["id"] for row in BEFORE["list"]["data"]])
        for row, old in zip(body["data"], BEFORE["list"]["data"]):
            a = self.assertResource(row, transcript="text")
            want = expected(old["attributes"], {p["id"] for p in old["attributes"]["participants"]})
            self.assertEqual(a, want, row["id"])
            # the list form of the transcript is derived now: the same text
            self.assertEqual(a["transcript"], old["attributes"]["transcript"])

    def test_people_times_and_logs(self):
        self.assertEqual(self.assertOk(AFTER["users"]), ms_times(BEFORE["users"]))
        self.assertEqual(self.assertOk(AFTER["workflowLogs"]), ms_times(BEFORE["workflowLogs"]))
        keys = self.assertOk(srv.req("GET", "/v2/api_keys", KEY))
        for k in keys:
            self.assertRegex(k["lastSeenAt"], harness.TIME_RE, "the key was used just now")

    def test_filters_on_upgraded_rows(self):
        convs = [v["attributes"] for v in BEFORE["get"].values()]
        opp = [a["externalOpportunity"]["uuid"] for a in convs if a["externalOpportunity"]][0]
        rows, total = srv.list_all(KEY, "/v2/conversations/list",
                                   params=[("filter[external_opportunity.id]", opp),
                                           ("filter[include_archived]", "true")])
        want = {cid for cid, v in BEFORE["get"].items()
                if (v["attributes"]["externalOpportunity"] or {}).get("uuid") == opp}
        self.assertEqual({r["id"] for r in rows}, want)
        # participants.email matches the upgraded participants (external ids are emails now)
        rows, _ = srv.list_all(KEY, "/v2/conversations/list",
                               params=[("filter[participants.email]", "out@client.example"),
                                       ("filter[include_archived]", "true")])
        self.assertEqual([r["attributes"]["title"] for r in rows], ["Imported, with people"])
        self.assertEqual(rows[0]["attributes"]["participants"][0]["id"], "Out@Client.example")
        # times compare in milliseconds: a bound at a row's createdAt includes it
        a = convs[0]
        rows, _ = srv.list_all(KEY, "/v2/conversations", params=[("fromDateTime", a["createdAt"]),
                                                                  ("toDateTime", a["createdAt"])])
        self.assertIn(a["uuid"], {r["id"] for r in rows})

    def test_change_keeps_the_rest(self):
        cid = [c for c, v in BEFORE["get"].items() if not v["attributes"]["isEmpty"]][0]
        before = self.assertOk(srv.req("GET", "/v2/conversations/" + cid + INCLUDE_ALL, KEY))["attributes"]
        r = srv.req("PUT", "/v2/conversations/" + cid + "/title", KEY, {"title": "Renamed after the upgrade"})
        self.assertOk(r)
        after = self.assertOk(srv.req("GET", "/v2/conversations/" + cid + INCLUDE_ALL, KEY))["attributes"]
        want = copy.deepcopy(before)
        want["title"] = "Renamed after the upgrade"
        self.assertEqual(after, want)

    def test_export_load_export(self):
        org = srv.req("GET", "/v2/users", KEY).body["data"][0]["teams"][0]["organizationUUID"]
        exported = srv.cli_run("export", "--org", org, "--include-archived")
        self.assertEqual(exported.returncode, 0, exported.stderr)
        lines = exported.stdout.splitlines()
        self.assertEqual(len(lines), 13)
        for line in lines:
            conv = json.loads(line)["conversation"]
            self.assertEqual(conv, srv.req("GET", "/v2/conversations/" + conv["id"], KEY).body)
        # into a fresh database and out again: the same bytes
        other = os.path.join(srv.dir, "reloaded.db")
        p = srv.cli_run("org", "create", "Reloaded", "--admin-email", "owner@reloaded.example", "--db", other,
                        db=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        srv.secrets.add(p.stdout.strip().splitlines()[-1])
        new_org = srv._field(srv._lines(p.stdout), "organization")
        dump = os.path.join(srv.dir, "dump.jsonl")
        with open(dump, "w", encoding="utf-8") as f:
            f.write(exported.stdout)
        p = srv.cli_run("load", "--org", new_org, "--db", other, dump, db=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = srv.cli_run("export", "--org", new_org, "--include-archived", "--db", other, db=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, exported.stdout)

    def test_other_key_sees_nothing(self):
        O = srv.create_org("after-upgrade", "admin@after.example")
        for cid in BEFORE["get"]:
            self.assertNotFound(srv.req("GET", "/v2/conversations/" + cid, O.key))


if __name__ == "__main__":
    unittest.main()
