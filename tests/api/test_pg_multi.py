"""test_pg_multi.py - several `parley serve` instances on one PostgreSQL database: what one does, the
other sees at once; concurrent changes lose nothing; a lost connection is retried, an unreachable
database is a 503; migrations race safely; `parley export`/`parley load` move a SQLite database to
PostgreSQL with every conversation rendering byte for byte the same. Runs only in the PostgreSQL run
(PARLEY_TEST_PG_ADMIN set); skipped otherwise."""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.parse

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
from harness import q, transcript_v2  # noqa: E402

PG = bool(harness.PG_ADMIN)
a = b = None    # two servers on one database
A = None        # Org on it


def setUpModule():
    global a, b, A
    if not PG:
        raise unittest.SkipTest("PostgreSQL only (PARLEY_TEST_PG_ADMIN not set)")
    a = harness.module_server()
    b = harness.Server()
    b.shared_db = a.db
    b.start()
    unittest.addModuleCleanup(b.stop)
    A = a.create_org("Multi", "admin@multi.example")


def pg_sql(sql):
    """Runs sql on the servers' database as the admin (psql); returns stdout."""
    p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", a.db, "-c", sql],
                       capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise AssertionError("psql failed: %s" % p.stderr)
    return p.stdout.strip()


def admin_sql(sql):
    harness.pg_psql(sql)


def dbname(url):
    return urllib.parse.urlsplit(url).path.lstrip("/")


class TwoInstances(harness.ApiTestCase):
    srv = None

    def setUp(self):
        self.srv = a

    def test_import_through_one_visible_through_other(self):
        cid = a.import_conv(A.key, A.admin, conversationTitle="Seen by both",
                            transcript={"v2": transcript_v2(("S", "hello there", 0, 1))})
        ra, rb = a.req("GET", "/v2/conversations/" + cid, A.key), b.req("GET", "/v2/conversations/" + cid, A.key)
        self.assertOk(ra)
        self.assertOk(rb)
        self.assertEqual(ra.raw, rb.raw, "both instances render the same bytes")
        rows, _ = b.list_all(A.key, params=[("filter[title]", "seen by BOTH")])
        self.assertEqual([r["id"] for r in rows], [cid])

    def test_archive_through_one_seen_through_other(self):
        cid = a.import_conv(A.key, A.admin)
        self.assertOk(a.req("DELETE", "/v2/conversations/" + cid, A.key))
        got = self.assertOk(b.req("GET", "/v2/conversations/" + cid, A.key))
        self.assertTrue(got["attributes"]["archived"])
        ids = [r["id"] for r in b.list_all(A.key)[0]]
        self.assertNotIn(cid, ids)
        self.assertOk(b.req("POST", "/v2/conversations/%s/unarchive" % cid, A.key))
        self.assertFalse(self.assertOk(a.req("GET", "/v2/conversations/" + cid, A.key))["attributes"]["archived"])

    def test_key_revoked_through_one_refused_by_other(self):
        kid, key = a.create_key(A.org)
        self.assertOk(b.req("GET", "/v2/conversations", key))      # b has seen (and cached nothing of) it
        a.revoke_key(A.org, kid)
        self.assertUnauthorized(b.req("GET", "/v2/conversations", key))
        self.assertUnauthorized(a.req("GET", "/v2/conversations", key))

    def test_concurrent_changes_from_both_instances_lose_nothing(self):
        cid = a.import_conv(A.key, A.admin)
        n = 16
        errors = []

        def confirm(i):
            s = (a, b)[i % 2]
            r = s.req("POST", "/v2/conversations/%s/crm/confirm" % cid, A.key,
                      {"intelligence": [{"id": "i%d" % i, "key": "k%d" % i, "value": "v%d" % i}]})
            if r.status != 200:
                errors.append(r)

        threads = [threading.Thread(target=confirm, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        cei = self.assertOk(b.req("GET", "/v2/conversations/" + cid, A.key))["attributes"][
            "confirmedExtractedIntelligence"]
        self.assertEqual(sorted(cei), sorted("k%d" % i for i in range(n)), "every concurrent change kept")
        logs = self.assertOk(a.req("GET", q("/v2/conversations/workflow-logs",
                                            {"conversationUUIDs": cid, "limit": "100"}), A.key))
        self.assertIn("crm_confirmed", str(logs))

    def test_totals_stay_exact_under_concurrent_archives_from_both_instances(self):
        """totalRecords of a list without other filters comes from conversation_counts (migration 002),
        kept by triggers as insert-only deltas: archives and unarchives of the same owners' conversations
        from both instances at once must all succeed (no deadlock) and leave every total exact."""
        C = a.create_org("Counts", "admin@counts.example")
        user = a.create_user(C.org, "rep@counts.example")
        _, ukey = a.create_key(C.org, org_level=False, user=user)
        ids = []
        for i in range(24):
            fields = {"transcript": {"v2": transcript_v2(("S", "hello", 0, 1))}} if i % 4 else {}  # else empty
            ids.append(a.import_conv(C.key, (C.admin, user)[i % 2], **fields))
            if i % 3 == 0:
                self.assertOk(b.req("PUT", "/v2/conversations/%s/change_privacy" % ids[-1], C.key, {"private": True}))
        errors = []

        def toggle(k):
            s = (a, b)[k % 2]
            for rnd in range(5):
                for cid in ids[k::4]:
                    r = (s.req("DELETE", "/v2/conversations/" + cid, C.key) if rnd % 2 == 0 else
                         s.req("POST", "/v2/conversations/%s/unarchive" % cid, C.key))
                    if r.status != 200:
                        errors.append((r.status, r.raw))

        threads = [threading.Thread(target=toggle, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        archived = int(pg_sql("SELECT count(*) FROM conversations WHERE org_uuid = '%s' AND archived" % C.org))
        self.assertEqual(archived, 24, "five rounds end archived")
        self.assertOk(b.req("POST", "/v2/conversations/%s/unarchive" % ids[0], C.key))

        scopes = {C.key: "", ukey: " AND (NOT is_private OR user_uuid = '%s')" % user}
        modes = {(): " AND NOT archived", (("filter[include_archived]", "true"),): "",
                 (("filter[archived]", "true"),): " AND archived"}
        for srv in (a, b):
            for key, scope in scopes.items():
                for params, cond in modes.items():
                    for path, empty in (("/v2/conversations", " AND NOT is_empty"), ("/v2/conversations/list", "")):
                        want = int(pg_sql("SELECT count(*) FROM conversations WHERE org_uuid = '%s'%s%s%s"
                                          % (C.org, scope, cond, empty)))
                        r = srv.req("GET", q(path, dict(params, size="1")), key)
                        self.assertEqual(self.assertOk(r)["meta"]["totalRecords"], want, (path, params, scope))
        self.assertEqual(pg_sql("SELECT count(*) FROM conversation_counts WHERE org_uuid = '%s' AND n < 0"
                                " AND folded" % C.org), "0", "a folded key never holds a negative count")

    def test_lost_connection_is_retried(self):
        cid = a.import_conv(A.key, A.admin)
        for _ in range(2):
            admin_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s'"
                      " AND pid <> pg_backend_pid()" % dbname(a.db))
            self.assertOk(a.req("GET", "/v2/conversations/" + cid, A.key))
            self.assertOk(b.req("PUT", "/v2/conversations/%s/title" % cid, A.key, {"title": "after reconnect"}))
        self.assertEqual(self.assertOk(a.req("GET", "/v2/conversations/" + cid, A.key))["attributes"]["title"],
                         "after reconnect")
        self.assertIn("lost the database connection", a.stderr_text())

    def test_unreachable_database_is_503_then_recovers(self):
        cid = a.import_conv(A.key, A.admin)
        db = dbname(a.db)
        admin_sql('ALTER DATABASE "%s" ALLOW_CONNECTIONS false' % db)
        try:
            admin_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s'"
                      " AND pid <> pg_backend_pid()" % db)
            r = a.req("GET", "/v2/conversations/" + cid, A.key)
            self.assertProblem(r, 503, code="unavailable", detail_has="database")
            r = a.req("PUT", "/v2/conversations/%s/title" % cid, A.key, {"title": "never"})
            self.assertProblem(r, 503, code="unavailable")
        finally:
            admin_sql('ALTER DATABASE "%s" ALLOW_CONNECTIONS true' % db)
        got = self.assertOk(a.req("GET", "/v2/conversations/" + cid, A.key))
        self.assertNotEqual(got["attributes"]["title"], "never")
        self.assertTrue(a.alive() and b.alive())


class Migrations(unittest.TestCase):
    def test_instances_starting_together_migrate_once(self):
        name, url = harness.pg_create_db()
        try:
            procs = [subprocess.Popen([harness.parley_bin(), "org", "create", "Race%d" % i, "--admin-email",
                                       "r%d@x.example" % i, "--db", url],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for i in range(4)]
            outs = [p.communicate(timeout=60) for p in procs]
            self.assertEqual([p.returncode for p in procs], [0] * 4, outs)
            p = subprocess.run(["psql", "-X", "-A", "-t", url, "-c",
                                "SELECT count(*), count(DISTINCT version) FROM schema_migrations"],
                               capture_output=True, text=True, timeout=60)
            n, distinct = p.stdout.strip().split("|")
            self.assertEqual(n, distinct)
        finally:
            harness.pg_drop_db(name)


class MoveSqliteToPostgres(harness.ApiTestCase):
    def test_export_load_keeps_every_conversation_byte_for_byte(self):
        tmp = tempfile.mkdtemp(prefix="parley-move-")
        try:
            src = harness.Server()
            src.shared_db = os.path.join(tmp, "src.db")   # a SQLite file
            src.start()
            try:
                S = src.create_org("Source", "owner@source.example")
                src.seed(S.org, 60, seed=7)
                cid = src.import_conv(S.key, S.admin, conversationTitle="Imported — ünïcode",
                                      applicationExternalID="ext-1",
                                      transcript={"v2": transcript_v2(("A", "one two", 0, 1))})
                self.assertOk(src.req("PUT", "/v2/conversations/%s/labels" % cid, S.key, {"labels": {"x": "y"}}))
                rows, _ = src.list_all(S.key, params=[("filter[include_archived]", "true")])
                for r in rows[:5]:
                    self.assertOk(src.req("DELETE", "/v2/conversations/" + r["id"], S.key))
                before = self.snapshot(src, S.key)
                dump = os.path.join(tmp, "dump.jsonl")
                with open(dump, "w") as f:
                    p = subprocess.run([harness.parley_bin(), "export", "--org", S.org, "--include-archived",
                                        "--db", src.db], stdout=f, stderr=subprocess.PIPE, text=True, timeout=120)
                self.assertEqual(p.returncode, 0, p.stderr)
            finally:
                src.stop()
            dst = harness.Server()     # a fresh PostgreSQL database
            dst.start()
            try:
                D = dst.create_org("Destination", "owner@destination.example")
                p = dst.cli_run("load", "--org", D.org, dump)
                self.assertEqual(p.returncode, 0, p.stderr)
                after = self.snapshot(dst, D.key)
            finally:
                dst.stop()
            self.assertEqual(len(before), 61)
            self.assertEqual(list(before), list(after), "same conversations, same list order")
            for k in before:
                self.assertEqual(before[k], after[k], "GET output of %s differs" % k)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def snapshot(self, s, key):
        """{id: raw bytes of GET /v2/conversations/{id} (and detailed)} in list order, archived included."""
        rows, _ = s.list_all(key, params=[("filter[include_archived]", "true")])
        out = {}
        for r in rows:
            one = s.req("GET", "/v2/conversations/" + r["id"], key)
            det = s.req("GET", "/v2/conversations/%s?detailedTranscript=true" % r["id"], key)
            self.assertEqual((one.status, det.status), (200, 200))
            out[r["id"]] = (one.raw, det.raw)
        return out


if __name__ == "__main__":
    unittest.main(verbosity=1)
