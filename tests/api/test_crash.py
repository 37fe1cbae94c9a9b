"""test_crash.py - crash consistency: concurrent imports, archives/unarchives and label changes while
the server is killed with SIGKILL at random moments, CYCLES times. After every kill the database must
pass PRAGMA integrity_check, and after every restart every request that got a 2xx must be reflected,
every import must be either wholly present or absent (never half), and nothing unknown may appear.

Each worker thread owns the conversations it imported, so their expected state is exact: the last
acknowledged change, or (for the one request in flight when the server died) either the old or the
new value. Whatever was observed is then adopted as the state the next cycle builds on.
PARLEY_CRASH_CYCLES (default 20) and PARLEY_CRASH_SEED change the run; the seed is printed."""

import http.client
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402

CYCLES = int(os.environ.get("PARLEY_CRASH_CYCLES", "20"))
SEED = int(os.environ.get("PARLEY_CRASH_SEED", str(int(time.time()))))
WORKERS = 4
OPS_PER_WORKER = 80      # per cycle, so that the run (and its checks) stays bounded on fast machines


class CrashServer(harness.Server):
    """A Server that can be killed with SIGKILL and started again on the same database and port."""

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self._close_files()

    def respawn(self):
        """Starts `parley serve` again on the same database and port; waits for its new listening line."""
        before = self.stderr_text().count("listening on")
        self._errf = open(self.stderr_path, "ab")
        self._outf = open(self.stdout_path, "ab")
        self.proc = subprocess.Popen(
            harness.WRAPPER + [self.bin, "serve", "--listen", "127.0.0.1:%d" % self.port, "--db", self.db,
                               "--threads", str(self.threads)],
            stdin=subprocess.DEVNULL, stdout=self._outf, stderr=self._errf)
        deadline = time.monotonic() + 30 * harness.SLOW
        while time.monotonic() < deadline:
            if self.stderr_text().count("listening on") > before:
                return
            if self.proc.poll() is not None:
                raise AssertionError("server did not restart (exit %s):\n%s"
                                     % (self.proc.returncode, self.stderr_text()[-3000:]))
            time.sleep(0.02)
        raise AssertionError("server did not restart within 30 s")


class Conv:
    """What one conversation must look like. `alt` holds the value a request in
    flight at the kill may or may not have applied: {field: value}."""

    def __init__(self, uuid, ext, title, segments, participants, owner):
        self.uuid, self.ext, self.title = uuid, ext, title
        self.segments, self.participants, self.owner = segments, participants, owner
        self.archived = False
        self.labels = {}
        self.alt = {}


class CrashTest(unittest.TestCase):
    def setUp(self):
        self.srv = CrashServer(threads=2)
        self.srv.start()
        self.addCleanup(self.srv.stop)
        self.org = self.srv.create_org("crash", "admin@crash.example")
        self.rng = random.Random(SEED)
        self.convs = {}              # uuid -> Conv (acknowledged or adopted)
        self.unknown_imports = {}    # ext -> (title, segments, participants): sent, no answer
        self.lock = threading.Lock()
        self.acked_writes = 0        # 2xx writes, all checked after the kill that followed them
        self.checked_convs = 0
        self.inflight = {"applied": 0, "not applied": 0}   # writes cut by a kill, by what survived

    # ---- one worker ----------------------------------------------------------------------
    def worker(self, wid, cycle, stop):
        rng = random.Random(SEED * 1000 + cycle * 10 + wid)
        key = self.org.key
        with self.lock:
            mine = [c for c in self.convs.values() if c.owner == wid]
        n = 0
        while not stop.is_set():
            if n == OPS_PER_WORKER:
                stop.wait()   # done for this cycle: wait for the kill
                return
            n += 1
            op = rng.random()
            if op < 0.4 or not mine:
                ext = "crash-%d-%d-%d" % (cycle, wid, n)
                segs = rng.randint(1, 40)
                parts = rng.randint(0, 4)
                body = {"mediaURL": "https://media.example.com/%s.mp4" % ext, "userID": self.org.admin,
                        "applicationExternalID": ext, "conversationTitle": "title " + ext,
                        "transcript": {"v2": harness.transcript_v2(
                            *[("Speaker %d" % (i % 3), "word%d more words here" % i, i * 2.0, i * 2.0 + 1.5)
                              for i in range(segs)])},
                        "externalMetadata": {"participants": [
                            {"email": "p%d-%s@example.com" % (i, ext), "name": "P%d" % i} for i in range(parts)]}}
                with self.lock:
                    self.unknown_imports[ext] = ("title " + ext, segs, parts)
                try:
                    r = self.srv.req("POST", "/v2/conversations/import", key, body, timeout=10)
                except (OSError, http.client.HTTPException):
                    return   # killed: the import stays "unknown"
                self.assertEqual(r.status, 200, r)
                c = Conv(r.body["uuid"], ext, "title " + ext, segs, parts, wid)
                with self.lock:
                    del self.unknown_imports[ext]
                    self.convs[c.uuid] = c
                    self.acked_writes += 1
                mine.append(c)
                continue
            c = rng.choice(mine)
            if op < 0.7:
                archive = not c.archived
                field, new = "archived", archive
                method, path, body = (("DELETE", "/v2/conversations/" + c.uuid, None) if archive else
                                      ("POST", "/v2/conversations/%s/unarchive" % c.uuid, None))
            else:
                field, new = "labels", {"stage": "s%d-%d" % (cycle, n), "owner": "w%d" % wid}
                method, path, body = "PUT", "/v2/conversations/%s/labels" % c.uuid, {"labels": new}
            with self.lock:
                c.alt = {field: new}
            try:
                r = self.srv.req(method, path, key, body, timeout=10)
            except (OSError, http.client.HTTPException):
                return   # killed: this change may or may not have happened
            self.assertEqual(r.status, 200, r)
            got = r.body["attributes"][field]
            self.assertEqual(got, new, r)
            with self.lock:
                setattr(c, field, new)
                c.alt = {}
                self.acked_writes += 1

    # ---- checks after a kill -------------------------------------------------------------
    def check_integrity(self):
        """PRAGMA integrity_check is exactly ok and foreign keys hold (SQLite); PostgreSQL's crash
        recovery is its WAL's job, and the API checks below still apply there."""
        if harness.PG_ADMIN:
            harness.pg_psql("SELECT count(*) FROM conversations", url=self.srv.db)
            return
        db = sqlite3.connect(self.srv.db)
        try:
            msgs = [m for (m,) in db.execute("PRAGMA integrity_check").fetchall()]
            self.assertEqual(msgs, ["ok"], "integrity_check after SIGKILL")
            self.assertEqual(db.execute("PRAGMA foreign_key_check").fetchall(), [])
        finally:
            db.close()

    def check_conv(self, a, want_title, want_segs, want_parts):
        """The stored import is whole: title, every transcript segment, every participant."""
        self.assertEqual(a["title"], want_title)
        tr = a["transcript"]
        self.assertEqual(len(tr["v2"]["final"]), want_segs, "transcript v2 segments")
        self.assertEqual(len(tr["v1"]["final"]), want_segs, "transcript v1 segments")
        self.assertEqual(len(a["participants"]), want_parts, "participants")
        self.assertEqual(a["importStatus"], "FINISHED")
        self.assertFalse(a["isEmpty"])

    def verify(self):
        key = self.org.key
        # imports that got no answer: wholly there (then adopted) or wholly absent
        for ext, (title, segs, parts) in sorted(self.unknown_imports.items()):
            r = self.srv.req("GET", "/v2/conversations/by-external-id/" + ext, key)
            self.inflight["not applied" if r.status == 404 else "applied"] += 1
            if r.status == 404:
                continue
            self.assertEqual(r.status, 200, r)
            uuid = r.body["conversation_id"]
            g = self.srv.req("GET", "/v2/conversations/" + uuid, key)
            self.assertEqual(g.status, 200, g)
            self.check_conv(g.body["attributes"], title, segs, parts)
            wid = int(ext.split("-")[2])
            self.convs[uuid] = Conv(uuid, ext, title, segs, parts, wid)
        self.unknown_imports.clear()
        # every acknowledged conversation, with its last acknowledged (or in-flight) state
        for c in self.convs.values():
            g = self.srv.req("GET", "/v2/conversations/" + c.uuid, key)
            self.assertEqual(g.status, 200, "acknowledged import %s lost: %r" % (c.ext, g))
            a = g.body["attributes"]
            self.check_conv(a, c.title, c.segments, c.participants)
            for field in ("archived", "labels"):
                allowed = [getattr(c, field)] + ([c.alt[field]] if field in c.alt else [])
                self.assertIn(a[field], allowed, "%s of %s after the kill" % (field, c.ext))
                if field in c.alt and c.alt[field] != getattr(c, field):
                    self.inflight["applied" if a[field] == c.alt[field] else "not applied"] += 1
                setattr(c, field, a[field])   # adopt what survived
            c.alt = {}
            self.checked_convs += 1
        # nothing else exists
        rows, total = self.srv.list_all(key, params=[("filter[include_archived]", "true")])
        self.assertEqual(sorted(r["id"] for r in rows), sorted(self.convs), "the list holds exactly the known imports")
        self.assertEqual(total, len(self.convs))

    def test_kill9_cycles(self):
        sys.stderr.write("crash test: seed %d, %d cycles\n" % (SEED, CYCLES))
        for cycle in range(CYCLES):
            if cycle:
                self.srv.respawn()
            stop = threading.Event()
            errors = []

            def run(wid):
                try:
                    self.worker(wid, cycle, stop)
                except BaseException as e:   # reported below, on the main thread
                    errors.append(e)

            threads = [threading.Thread(target=run, args=(w,)) for w in range(WORKERS)]
            for t in threads:
                t.start()
            time.sleep(self.rng.uniform(0.05, 0.8))   # a random moment to die, not a timing assertion
            self.srv.kill9()
            stop.set()
            for t in threads:
                t.join(60)
            if errors:
                raise errors[0]
            self.check_integrity()
            self.srv.respawn()
            self.verify()
            if cycle + 1 < CYCLES:
                self.srv.kill9()   # the next cycle starts from a cold start again
        sys.stderr.write("FIGURE crash: %d SIGKILL cycles survived, %d acknowledged writes checked, "
                         "%d conversation checks, %d conversations at the end, 0 lost; writes cut by a kill: "
                         "%d applied whole, %d not at all\n"
                         % (CYCLES, self.acked_writes, self.checked_convs, len(self.convs),
                            self.inflight["applied"], self.inflight["not applied"]))


if __name__ == "__main__":
    unittest.main()
