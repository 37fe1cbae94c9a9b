"""test_webhook_crash.py - the outbox survives SIGKILL: a change is acknowledged (200), the server is
killed with SIGKILL at once, started again on the same database, and every acknowledged change's event
still arrives at the receiver - CYCLES times (PARLEY_WEBHOOK_CRASH_CYCLES, default 24), none lost,
duplicates allowed and counted. In half the cycles the receiver refuses (503) until the restart, so the
events cannot have left before the kill; in the others they race the kill."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
from webhook_receiver import Receiver, verify  # noqa: E402

CYCLES = int(os.environ.get("PARLEY_WEBHOOK_CRASH_CYCLES", "24"))
BURST = 4   # acknowledged changes per cycle, the last one immediately followed by the kill


class KillableServer(harness.Server):
    """A Server that SIGKILL ends and that starts again on the same database, port and options."""

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self._close_files()

    def respawn(self):
        before = self.stderr_text().count("listening on")
        self._errf = open(self.stderr_path, "ab")
        self._outf = open(self.stdout_path, "ab")
        self.proc = subprocess.Popen(
            harness.WRAPPER + [self.bin, "serve", "--listen", "127.0.0.1:%d" % self.port, "--db", self.db,
                               "--threads", str(self.threads)] + self.extra_args,
            stdin=subprocess.DEVNULL, stdout=self._outf, stderr=self._errf)
        deadline = time.monotonic() + 30 * harness.SLOW
        while self.stderr_text().count("listening on") <= before:
            if self.proc.poll() is not None:
                raise AssertionError("server did not restart (exit %s):\n%s"
                                     % (self.proc.returncode, self.stderr_text()[-3000:]))
            if time.monotonic() > deadline:
                raise AssertionError("server did not restart within 30 s")
            time.sleep(0.02)


class WebhookCrashTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = KillableServer(threads=2)
        self.srv.start()
        self.addCleanup(self.srv.stop)
        self.recv = Receiver()
        self.addCleanup(self.recv.stop)
        self.org = self.srv.create_org("hooks-crash", "admin@hc.example")
        out = self.srv.cli("webhook", "create", "--org", self.org.org, "--url", self.recv.url(),
                           "--events", "conversation.archived,conversation.unarchived")
        self.secret = out.strip().splitlines()[-1]
        self.srv.secrets.add(self.secret)

    def check_integrity(self):
        if harness.PG_ADMIN:
            return
        db = sqlite3.connect(self.srv.db)
        try:
            self.assertEqual([m for (m,) in db.execute("PRAGMA integrity_check")], ["ok"])
            self.assertEqual(db.execute("PRAGMA foreign_key_check").fetchall(), [])
        finally:
            db.close()

    def test_sigkill_right_after_the_200_loses_no_event(self):
        key = self.org.key
        convs = [self.srv.import_conv(key, self.org.admin) for _ in range(BURST)]
        archived = {c: False for c in convs}
        expected = []   # (conversation, type, archived-after) of every acknowledged change, in order
        refused_cycles = 0
        for cycle in range(CYCLES):
            refuse = cycle % 2 == 0
            if refuse:
                refused_cycles += 1
                with self.recv.cond:
                    self.recv.default = ("status", 503)
            for c in convs:
                if archived[c]:
                    r = self.srv.req("POST", "/v2/conversations/%s/unarchive" % c, key)
                else:
                    r = self.srv.req("DELETE", "/v2/conversations/" + c, key)
                self.assertEqual(r.status, 200, r)
                archived[c] = not archived[c]
                expected.append((c, "conversation.archived" if archived[c] else "conversation.unarchived",
                                 archived[c]))
            self.srv.kill9()   # right after the last 200
            self.check_integrity()
            with self.recv.cond:
                self.recv.default = ("status", 200)
            self.srv.respawn()
            want = len(expected)
            self.recv.wait(lambda rs: len({r.event_id for r in self.delivered(rs)}) >= want,
                           timeout=60 * harness.SLOW,
                           what="the %d acknowledged changes' events (cycle %d)" % (want, cycle))
        got = self.delivered(self.recv.requests)
        # every acknowledged change arrived, in commit order (duplicates aside)
        firsts, seen = [], set()
        for r in got:
            if r.event_id not in seen:
                seen.add(r.event_id)
                firsts.append(r)
        self.assertEqual([(r.json["data"]["id"], r.event_type, r.json["data"]["attributes"]["archived"])
                          for r in firsts], expected)
        for r in got:
            self.assertTrue(verify(self.secret, r))
        dups = len(got) - len(firsts)
        sys.stderr.write("FIGURE webhook crash: %d SIGKILL cycles (%d with the receiver refusing until the "
                         "restart), %d acknowledged changes, %d events delivered, 0 lost, %d duplicates\n"
                         % (CYCLES, refused_cycles, len(expected), len(firsts), dups))

    @staticmethod
    def delivered(requests):
        """The requests the receiver answered 2xx (what Parley may count as delivered)."""
        return [r for r in requests if r.status == 200]


if __name__ == "__main__":
    unittest.main()
