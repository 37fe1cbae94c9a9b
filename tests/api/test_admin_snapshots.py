"""test_admin_snapshots.py - snapshots, restore and reset (stand-in §2): over HTTP, under load, and from the CLI."""

import json
import os
import stat
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
from harness import transcript_v2  # noqa: E402

PG = bool(harness.PG_ADMIN)


def conv(s, key, owner, title):
    return s.import_conv(key, owner, conversationTitle=title, transcript={"v2": transcript_v2(("A", title, 0, 1))})


@unittest.skipIf(PG, "snapshots need SQLite; PostgreSQLTest covers the 501 answers")
class SnapshotTest(harness.ApiTestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = harness.Server(admin=True)
        cls.srv.start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_take_list_replace_delete(self):
        s = self.srv
        o = s.admin_org(name="snap-list")
        conv(s, o.key, o.admin, "one")
        r = s.admin("POST", "/snapshots", {"name": "s1"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(set(r.body), {"name", "createdAt", "conversations", "bytes"})
        self.assertEqual(r.body["name"], "s1")
        self.assertGreaterEqual(r.body["conversations"], 1)
        self.assertGreater(r.body["bytes"], 0)
        first = r.body["conversations"]
        conv(s, o.key, o.admin, "two")
        again = s.admin("POST", "/snapshots", {"name": "s1"}).body
        self.assertEqual(again["conversations"], first + 1, "the same name replaces it")
        s.admin("POST", "/snapshots", {"name": "a-0.b_c"})
        names = [x["name"] for x in s.admin("GET", "/snapshots").body["data"]]
        self.assertEqual(names, sorted(names))
        self.assertIn("s1", names)
        self.assertIn("a-0.b_c", names)
        d = os.path.join(s.dir, "parley.db.snapshots")
        self.assertEqual(stat.S_IMODE(os.stat(d).st_mode), 0o700)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(d, "s1.db")).st_mode), 0o600)
        self.assertEqual(s.admin("DELETE", "/snapshots/a-0.b_c").body, {"success": True})
        self.assertProblem(s.admin("DELETE", "/snapshots/a-0.b_c"), 404, "not_found")
        self.assertNotIn("a-0.b_c", [x["name"] for x in s.admin("GET", "/snapshots").body["data"]])

    def test_restore_brings_back_everything_keys_included(self):
        s = self.srv
        o = s.admin_org(name="snap-restore")
        kept = conv(s, o.key, o.admin, "kept")
        _, revoked_later = s.create_key(o.org, name="revoked-later")
        revoked_id = [k["id"] for k in s.req("GET", "/v2/api_keys", o.key).body if k["name"] == "revoked-later"][0]
        self.assertEqual(s.admin("POST", "/snapshots", {"name": "before"}).status, 201)
        added = conv(s, o.key, o.admin, "added later")
        s.req("DELETE", "/v2/conversations/" + kept, o.key)
        s.req("PUT", "/v2/conversations/%s/title" % kept, o.key, {"title": "renamed"})
        _, made_later = s.create_key(o.org, name="made-later")
        s.revoke_key(o.org, revoked_id)
        self.assertUnauthorized(s.req("GET", "/v2/teams", revoked_later))
        later_org = s.admin_org(name="after-snapshot")
        r = s.admin("POST", "/snapshots/before/restore")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body["name"], "before")
        a = s.req("GET", "/v2/conversations/" + kept, o.key).body["attributes"]
        self.assertIs(a["archived"], False)
        self.assertEqual(a["title"], "kept")
        self.assertNotFound(s.req("GET", "/v2/conversations/" + added, o.key))
        self.assertUnauthorized(s.req("GET", "/v2/teams", made_later))
        self.assertEqual(s.req("GET", "/v2/teams", revoked_later).status, 200)
        self.assertUnauthorized(s.req("GET", "/v2/teams", later_org.key))
        self.assertEqual(s.admin("POST", "/orgs", {"name": "after-snapshot"}).status, 201)

    def test_unknown_and_bad_names(self):
        s = self.srv
        self.assertProblem(s.admin("POST", "/snapshots/nope/restore"), 404, "not_found")
        for name in ("a/b", "..", "a..b", "", "x" * 65, "sp ace", "é", "."):
            self.assertProblem(s.admin("POST", "/snapshots", {"name": name}), 400, detail_has=("name",))
        for bad in ("%2e%2e", "a%2Fb", "..x"):
            self.assertProblem(s.admin("POST", "/snapshots/%s/restore" % bad), 400, "invalid_name")
            self.assertProblem(s.admin("DELETE", "/snapshots/" + bad), 400, "invalid_name")
        for body, needle in (({}, "name"), ({"name": "a", "mode": 1}, '"mode"'), ({"name": 5}, "name"), ([], "object")):
            self.assertProblem(s.admin("POST", "/snapshots", body), 400, detail_has=(needle,))
        self.assertFalse(os.path.exists(os.path.join(s.dir, "parley.db.snapshots", "..db")))

    def test_reset_without_initial_empties_every_table(self):
        with harness.Server(admin=True) as s:
            o = s.admin_org(name="reset-me")
            conv(s, o.key, o.admin, "gone")
            self.assertEqual(s.admin("POST", "/reset").body, {"success": True})
            self.assertUnauthorized(s.req("GET", "/v2/teams", o.key))
            again = s.admin_org(name="reset-me")
            self.assertEqual(s.req("GET", "/v2/conversations/list", again.key).body["meta"]["totalRecords"], 0)

    def test_snapshot_initial_and_reset(self):
        with harness.Server(admin=True) as s:
            base = s.create_org("base", "admin@base.example")
            conv(s, base.key, base.admin, "base data")
            s.restart(extra_args=["--snapshot-initial"])
            tmp = s.admin_org(name="per-test")
            conv(s, base.key, base.admin, "test data")
            self.assertEqual([x["name"] for x in s.admin("GET", "/snapshots").body["data"]], ["initial"])
            self.assertEqual(s.admin("POST", "/reset").body, {"success": True})
            self.assertUnauthorized(s.req("GET", "/v2/teams", tmp.key))
            titles = [x["attributes"]["title"] for x in
                      s.req("GET", "/v2/conversations/list", base.key).body["data"]]
            self.assertEqual(titles, ["base data"])

    def test_restore_under_load_loses_no_acknowledged_write(self):
        s = self.srv
        o = s.admin_org(name="snap-load")
        acked = []          # (monotonic time of the 200, uuid)
        errors = []
        stop = threading.Event()
        lock = threading.Lock()

        def client(n):
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    if i % 3:
                        r = s.req("GET", "/v2/conversations/list?size=5", o.key, timeout=30)
                        if r.status != 200 or len(r.body["data"]) > 5 or r.body["meta"]["totalRecords"] < 0:
                            errors.append(("list", r.status))
                    else:
                        r = s.req("POST", "/v2/conversations/import", o.key,
                                  {"mediaURL": "https://m.example/%d-%d.mp4" % (n, i), "userID": o.admin,
                                   "conversationTitle": "load %d %d" % (n, i)}, timeout=30)
                        if r.status == 200:
                            with lock:
                                acked.append((time.monotonic(), r.body["uuid"]))
                        elif r.status != 401:   # the org may be missing right after a restore to "empty"
                            errors.append(("import", r.status, r.body))
                except Exception as e:   # noqa: BLE001 - any transport failure is a failure
                    errors.append(("exception", repr(e)))

        threads = [threading.Thread(target=client, args=(n,)) for n in range(64)]
        for t in threads:
            t.start()
        def wait_for_acks(n):
            """Until n more imports are acknowledged (progress, not a time, so valgrind's pace is fine)."""
            want = len(acked) + n
            deadline = time.monotonic() + 60 * harness.SLOW
            while len(acked) < want and time.monotonic() < deadline and not errors:
                time.sleep(0.05)

        try:
            wait_for_acks(20)
            t_snap = time.monotonic()
            self.assertEqual(s.admin("POST", "/snapshots", {"name": "load"}).status, 201)
            for _ in range(3):
                wait_for_acks(10)
                r = s.admin("POST", "/snapshots/load/restore")
                self.assertEqual(r.status, 200, r)
        finally:
            stop.set()
            for t in threads:
                t.join(60)
        self.assertEqual(errors, [])
        before = {u for (t, u) in acked if t < t_snap}
        self.assertGreater(len(before), 10)
        rows, _ = s.list_all(o.key)
        have = {x["id"] for x in rows}
        self.assertEqual(before - have, set(), "writes acknowledged before the snapshot survive every restore")
        self.assertAlive()


@unittest.skipIf(PG, "snapshots need SQLite")
class CliSnapshotTest(harness.ApiTestCase):
    def test_take_list_restore_delete_at_a_terminal(self):
        with harness.Server(admin=True) as s:
            o = s.create_org("cli-snap", "admin@cli.example")
            conv(s, o.key, o.admin, "first")
            p = s.cli_run("snapshot", "take", "one")
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(json.loads(p.stdout)["name"], "one")
            self.assertEqual(s.admin("GET", "/snapshots").body["data"][0]["name"], "one",
                             "the server sees the CLI's snapshots")
            conv(s, o.key, o.admin, "second")
            p = s.cli_run("snapshot", "restore", "one")
            self.assertEqual(p.returncode, 1)
            self.assertIn("a server is using", p.stderr)
            self.assertIn("/_parley/snapshots/one/restore", p.stderr)
            self.assertNotIn(s.admin_token, p.stderr)

            def while_down():
                lst = s.cli_run("snapshot", "list")
                self.assertEqual([json.loads(l)["name"] for l in lst.stdout.splitlines()], ["one"])
                p = s.cli_run("snapshot", "restore", "one")
                self.assertEqual(p.returncode, 0, p.stderr)
            s.restart(between=while_down)
            titles = [x["attributes"]["title"] for x in s.req("GET", "/v2/conversations/list", o.key).body["data"]]
            self.assertEqual(titles, ["first"])
            self.assertEqual(s.cli_run("snapshot", "delete", "one").returncode, 0)
            p = s.cli_run("snapshot", "delete", "one")
            self.assertEqual(p.returncode, 1)
            self.assertIn("no snapshot", p.stderr)
            for args in (["snapshot", "take"], ["snapshot", "take", "a/b"], ["snapshot", "restore", ".."]):
                self.assertEqual(s.cli_run(*args).returncode, 2, args)
            self.assertEqual(s.cli_run("snapshot", "restore", "missing").returncode, 1)


@unittest.skipUnless(PG, "the PostgreSQL answers")
class PostgreSQLTest(harness.ApiTestCase):
    def test_snapshots_are_501_and_reset_empties(self):
        with harness.Server(admin=True) as s:
            self.srv = s
            for method, path, body in (("POST", "/snapshots", {"name": "x"}), ("GET", "/snapshots", None),
                                       ("DELETE", "/snapshots/x", None), ("POST", "/snapshots/x/restore", None)):
                self.assertProblem(s.admin(method, path, body), 501, "not_supported")
            o = s.admin_org(name="pg-reset")
            self.assertEqual(s.admin("POST", "/reset").body, {"success": True})
            self.assertUnauthorized(s.req("GET", "/v2/teams", o.key))
            self.assertEqual(s.admin("POST", "/orgs", {"name": "pg-reset"}).status, 201)

    def test_org_deleted_through_one_instance_is_401_on_another_at_once(self):
        with harness.Server(admin=True) as one:
            two = harness.Server(admin=True)
            two.shared_db = one.db
            two.start()
            try:
                o = one.admin_org(name="two-instances")
                self.assertEqual(two.req("GET", "/v2/teams", o.key).status, 200)
                self.assertEqual(one.admin("DELETE", "/orgs/" + o.org).status, 200)
                self.srv = two
                self.assertUnauthorized(two.req("GET", "/v2/teams", o.key))
            finally:
                two.secrets |= one.secrets
                two.stop()


if __name__ == "__main__":
    unittest.main()
