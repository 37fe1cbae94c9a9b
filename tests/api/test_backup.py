"""test_backup.py - `parley backup` and `parley check` (issue 14). A backup taken while clients import
and archive through HTTP holds every write acknowledged before it started, checks out (integrity,
schema version, counts) and serves the same conversations from a second server; bad input gets a
clear message and exit status. On PostgreSQL runs `parley backup` refuses (pg_dump is the tool) and
`parley check` reports the schema version and the counts."""

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402

srv = None
A = None
SEEDED = 400


def setUpModule():
    global srv, A
    srv = harness.module_server()
    A = srv.create_org("backup-a", "admin@backup-a.example")
    srv.seed(A.org, SEEDED, seed=5)


def run(*args, timeout=120):
    """parley ARGS (no implicit --db); CompletedProcess with text output."""
    return subprocess.run([srv.bin] + [str(a) for a in args], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout)


def fields(out):
    """{name: value} of the `name: value` lines of a backup or check report."""
    d = {}
    for line in out.splitlines():
        k, sep, v = line.partition(": ")
        if sep:
            d[k.strip()] = v.strip()
    return d


class Writers:
    """Threads that import new conversations and archive seeded ones through HTTP, each on its own
    connection, recording for every write when its request was sent and when its 200 arrived."""

    def __init__(self, key, user, to_archive):
        self.key, self.user = key, user
        self.to_archive = list(to_archive)
        self.log = []            # (sent, acked, kind, uuid)
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.stop = threading.Event()
        self.errors = []
        self.threads = [threading.Thread(target=self.importer, args=(i,)) for i in range(2)]
        self.threads.append(threading.Thread(target=self.archiver))

    def record(self, sent, kind, uuid):
        with self.cond:
            self.log.append((sent, time.monotonic(), kind, uuid))
            self.cond.notify_all()

    def importer(self, n):
        conn = srv.connect()
        i = 0
        try:
            while not self.stop.is_set():
                i += 1
                body = {"mediaURL": "https://media.example.com/b/%d/%d.mp4" % (n, i), "userID": self.user,
                        "applicationExternalID": "backup-%d-%d" % (n, i),
                        "conversationTitle": "written during the backup %d/%d" % (n, i)}
                sent = time.monotonic()
                r = srv.req("POST", "/v2/conversations/import", self.key, body, conn=conn)
                if r.status != 200:
                    self.errors.append(r)
                    return
                self.record(sent, "import", r.body["uuid"])
        finally:
            conn.close()

    def archiver(self):
        conn = srv.connect()
        try:
            for cid in self.to_archive:
                if self.stop.is_set():
                    return
                sent = time.monotonic()
                r = srv.req("DELETE", "/v2/conversations/" + cid, self.key, conn=conn)
                if r.status != 200:
                    self.errors.append(r)
                    return
                self.record(sent, "archive", cid)
        finally:
            conn.close()

    def wait_for(self, n, after=0.0, timeout=60):
        """Waits until n writes were sent after `after` and acknowledged."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while sum(1 for w in self.log if w[0] > after) < n:
                if self.errors or not self.cond.wait(max(0.0, deadline - time.monotonic())):
                    raise AssertionError("writers stalled: %r" % (self.errors[:3],))

    def start(self):
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(60)


@unittest.skipIf(harness.PG_ADMIN, "SQLite only: PostgreSQL databases are backed up with pg_dump")
class SqliteBackupTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv
        self.tmp = tempfile.mkdtemp(prefix="parley-backup-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def test_backup_under_concurrent_writes(self):
        rows, _ = srv.list_all(A.key, params=[("filter[include_archived]", "false")])
        seeded_live = [r["id"] for r in rows]
        self.assertGreater(len(seeded_live), 100)
        w = Writers(A.key, A.admin, seeded_live)
        path = os.path.join(self.tmp, "parley-backup.db")
        w.start()
        try:
            w.wait_for(40)                      # the writers are well under way
            started = time.monotonic()
            p = run("backup", "--db", srv.db, "--to", path)
            ended = time.monotonic()
            w.wait_for(20, after=ended)         # and go on after it
        finally:
            w.finish()
        self.assertEqual(w.errors, [])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, "", "nothing on stderr when it is not a terminal")
        out = fields(p.stdout)
        self.assertEqual(out["backup"], path)
        self.assertEqual(int(out["bytes"]), int(out["pages"]) * int(out["page size"]))
        self.assertEqual(os.stat(path).st_size, int(out["bytes"]))
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        self.assertEqual(sorted(os.listdir(self.tmp)), ["parley-backup.db"], "no temporary or journal files")

        before = [x for x in w.log if x[1] < started]        # acknowledged before the backup started
        after = [x for x in w.log if x[0] > ended]           # sent after it ended
        imports_before = [x[3] for x in before if x[2] == "import"]
        archives_before = [x[3] for x in before if x[2] == "archive"]
        self.assertGreater(len(imports_before), 5)
        self.assertGreater(len(archives_before), 5)
        self.assertTrue(after)

        # the copy checks out, and its counts are what the server held at some moment in between
        c = run("check", "--db", path)
        self.assertEqual(c.returncode, 0, c.stdout + c.stderr)
        rep = fields(c.stdout)
        self.assertEqual(rep["integrity"], "ok")
        self.assertEqual(rep["foreign keys"], "ok")
        self.assertEqual(rep["result"], "ok")
        self.assertEqual(rep["database"], path)
        convs = int(rep["conversations"])
        self.assertEqual(convs, int(out["conversations"]))
        self.assertGreaterEqual(convs, SEEDED + len(imports_before))
        self.assertLessEqual(convs, SEEDED + sum(1 for x in w.log if x[2] == "import" and x[0] < ended))
        self.assertEqual(int(rep["archived conversations"]), int(out["archived conversations"]))
        self.assertEqual(rep["organizations"], "1")
        # a self-contained file in rollback-journal mode; SQLite's own reading agrees
        db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
        try:
            self.assertEqual(db.execute("PRAGMA journal_mode").fetchone()[0], "delete")
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
        finally:
            db.close()

        # a second server on the copy has every acknowledged write, exactly as the first serves it
        b = harness.Server()
        b.shared_db = path
        b.start()
        try:
            for cid in imports_before:
                got = b.req("GET", "/v2/conversations/" + cid, A.key)
                want = srv.req("GET", "/v2/conversations/" + cid, A.key)
                self.assertEqual(got.status, 200, "import %s acknowledged before the backup is missing" % cid)
                self.assertEqual(got.raw, want.raw)
            for cid in archives_before:
                got = self.assertOk(b.req("GET", "/v2/conversations/" + cid, A.key))["attributes"]
                want = self.assertOk(srv.req("GET", "/v2/conversations/" + cid, A.key))["attributes"]
                self.assertTrue(got["archived"], "archive of %s acknowledged before the backup is missing" % cid)
                self.assertEqual(got["archivedAt"], want["archivedAt"])
            # and nothing sent after it ended
            for sent, _, kind, cid in after:
                r = b.req("GET", "/v2/conversations/" + cid, A.key)
                if kind == "import":
                    self.assertNotFound(r)
                else:
                    self.assertFalse(self.assertOk(r)["attributes"]["archived"], cid)
            # the copy's list total is the check's count
            listed = self.assertOk(b.req("GET", harness.q("/v2/conversations/list", {
                "filter[include_archived]": "true", "size": 1}), A.key))
            self.assertEqual(listed["meta"]["totalRecords"], convs)
        finally:
            b.stop()

    def test_check_live_database(self):
        # read-only and in one snapshot: the running server neither blocks it nor is blocked
        c = run("check", "--db", srv.db)
        self.assertEqual(c.returncode, 0, c.stdout + c.stderr)
        rep = fields(c.stdout)
        self.assertEqual(rep["result"], "ok")
        self.assertRegex(rep["schema version"], r"^(\d+) \(this parley: \1\)$")
        self.assertGreaterEqual(int(rep["conversations"]), SEEDED)
        self.assertGreaterEqual(int(rep["api keys"]), 1)
        for k in ("organizations", "users", "teams", "api keys", "revoked api keys", "conversations",
                  "archived conversations", "workflow logs"):
            self.assertRegex(rep[k], r"^\d+$", k)
        self.assertOk(srv.req("POST", "/v2/conversations/import", A.key, {
            "mediaURL": "https://media.example.com/after-check.mp4", "userID": A.admin}))

    def test_existing_file_and_force(self):
        path = os.path.join(self.tmp, "x.db")
        with open(path, "w") as f:
            f.write("precious")
        p = run("backup", "--db", srv.db, "--to", path)
        self.assertEqual(p.returncode, 1)
        self.assertIn("exists", p.stderr)
        self.assertIn("--force", p.stderr)
        self.assertEqual(p.stdout, "")
        with open(path) as f:
            self.assertEqual(f.read(), "precious")
        p = run("backup", "--db", srv.db, "--to", path, "--force")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(run("check", "--db", path).returncode, 0)
        # never over the database itself
        p = run("backup", "--db", srv.db, "--to", srv.db, "--force")
        self.assertEqual(p.returncode, 1)
        self.assertIn("the database itself", p.stderr)
        self.assertAlive()
        self.assertEqual(sorted(os.listdir(self.tmp)), ["x.db"])

    def test_bad_input(self):
        p = run("backup", "--db", srv.db)
        self.assertEqual(p.returncode, 2)
        self.assertIn("--to", p.stderr)
        p = run("backup", "--db", srv.db, "--to")
        self.assertEqual(p.returncode, 2)
        missing = os.path.join(self.tmp, "missing.db")
        for cmd in (("backup", "--db", missing, "--to", os.path.join(self.tmp, "out.db")), ("check", "--db", missing)):
            p = run(*cmd)
            self.assertEqual(p.returncode, 1, cmd)
            self.assertIn("No such file or directory", p.stderr)
            self.assertIn(missing, p.stderr)
            self.assertEqual(p.stdout, "")
        self.assertFalse(os.path.exists(missing), "a missing database is not created")
        text = os.path.join(self.tmp, "notes.txt")
        with open(text, "w") as f:
            f.write("not a database at all, only words\n" * 10)
        for cmd in (("backup", "--db", text, "--to", os.path.join(self.tmp, "out.db")), ("check", "--db", text)):
            p = run(*cmd)
            self.assertEqual(p.returncode, 1, cmd)
            self.assertIn("not an SQLite database", p.stderr)
        p = run("backup", "--db", srv.db, "--to", os.path.join(self.tmp, "no", "dir", "out.db"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("No such file or directory", p.stderr)
        self.assertEqual(sorted(os.listdir(self.tmp)), ["notes.txt"], "no output file and no leftovers")

    def test_check_reports_damage(self):
        path = os.path.join(self.tmp, "damaged.db")
        self.assertEqual(run("backup", "--db", srv.db, "--to", path).returncode, 0)
        size = os.path.getsize(path)
        with open(path, "r+b") as f:                 # garbage over four pages in the middle
            f.seek(size // 2 // 4096 * 4096)
            f.write(b"\x5a" * 16384)
        c = run("check", "--db", path)
        self.assertEqual(c.returncode, 1)
        self.assertEqual(fields(c.stdout).get("result"), "failed")
        self.assertEqual(fields(c.stdout).get("integrity"), "failed")
        self.assertRegex(c.stderr, r"(?m)^parley check: integrity: ")


class BothBackendsTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def test_postgres_url_is_refused_with_pg_dump(self):
        url = harness.PG_ADMIN and srv.db or "postgres://parley:hunter2@127.0.0.1:5/parley"
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "x.db")
            p = run("backup", "--db", url, "--to", out)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("pg_dump", p.stderr)
            self.assertIn("pg_restore", p.stderr)
            self.assertNotIn("hunter2", p.stderr + p.stdout)
            self.assertFalse(os.path.exists(out))

    @unittest.skipUnless(harness.PG_ADMIN, "PostgreSQL only")
    def test_pg_dump_advice_works(self):
        """The pg_dump and pg_restore lines `parley backup` prints make a copy a server runs on."""
        cid = srv.import_conv(A.key, A.admin, conversationTitle="dumped")
        # a CRM record: the restore recomputes the crm_terms column the CRM filter reads
        self.assertOk(srv.req("PUT", "/v2/conversations/%s/linked-crm-records" % cid, A.key,
                              [{"id": "003DUMP", "code": "contact"}]))
        crm = [("filter[crm_field.entity_code]", "contact"), ("filter[crm_field.field_name]", "id"),
               ("filter[crm_field.values]", "003DUMP")]
        with tempfile.TemporaryDirectory() as tmp:
            p = run("backup", "--db", srv.db, "--to", os.path.join(tmp, "x.db"))
            dump_line = [l.strip() for l in p.stderr.splitlines() if l.strip().startswith("pg_dump ")]
            self.assertEqual(len(dump_line), 1, p.stderr)
            m = re.match(r"^pg_dump (.*) '([^']*)'$", dump_line[0])
            self.assertIsNotNone(m, dump_line[0])
            self.assertEqual(m.group(2), srv.db)   # (no password in the test cluster's URL to redact)
            dump = os.path.join(tmp, "parley.dump")
            opts = [o.replace("parley.dump", dump) for o in m.group(1).split()]
            subprocess.run(["pg_dump"] + opts + [srv.db], check=True, capture_output=True, timeout=120)
            name, url = harness.pg_create_db()
            try:
                restore = re.search(r"pg_restore (.*) --dbname=URL parley\.dump", p.stderr)
                self.assertIsNotNone(restore, p.stderr)
                r = subprocess.run(["pg_restore"] + restore.group(1).split() + ["--dbname=" + url, dump],
                                   capture_output=True, text=True, timeout=120)
                self.assertEqual(r.returncode, 0, r.stderr)
                c = run("check", "--db", url)
                self.assertEqual(c.returncode, 0, c.stdout + c.stderr)
                b = harness.Server()
                b.shared_db = url
                b.pg_db = name          # dropped when b stops
                b.start()
                try:
                    got = b.req("GET", "/v2/conversations/" + cid, A.key)
                    self.assertEqual(got.raw, srv.req("GET", "/v2/conversations/" + cid, A.key).raw)
                    rows, _ = b.list_all(A.key, params=crm)
                    self.assertEqual([x["id"] for x in rows], [cid])
                    live = fields(run("check", "--db", srv.db).stdout)
                    self.assertEqual(fields(c.stdout)["conversations"], live["conversations"])
                finally:
                    b.stop()
            finally:
                harness.pg_drop_db(name)

    @unittest.skipUnless(harness.PG_ADMIN, "PostgreSQL only")
    def test_check_postgres(self):
        srv.import_conv(A.key, A.admin, conversationTitle="counted")
        c = run("check", "--db", srv.db)
        self.assertEqual(c.returncode, 0, c.stdout + c.stderr)
        rep = fields(c.stdout)
        self.assertEqual(rep["result"], "ok")
        self.assertEqual(rep["integrity"], "not checked (PostgreSQL)")
        self.assertRegex(rep["schema version"], r"^(\d+) \(this parley: \1\)$")
        listed = self.assertOk(srv.req("GET", harness.q("/v2/conversations/list", {
            "filter[include_archived]": "true", "size": 1}), A.key))
        self.assertEqual(int(rep["conversations"]), listed["meta"]["totalRecords"])
        self.assertEqual(rep["organizations"], "1")
        # an unreachable server: exit 1 with libpq's reason, the password not shown
        c = run("check", "--db", "postgres://parley:hunter2@127.0.0.1:1/parley?connect_timeout=2")
        self.assertEqual(c.returncode, 1)
        self.assertIn("cannot connect to PostgreSQL", c.stderr)
        self.assertNotIn("hunter2", c.stderr + c.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
