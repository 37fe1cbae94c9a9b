"""test_webhook_pg_multi.py - webhooks with two `parley serve` instances on one PostgreSQL database: each
endpoint is delivered to by one instance at a time (never two requests at once), and when the instance
that is delivering dies with SIGKILL in the middle of a request, the other takes over and every event
arrives, in commit order (duplicates allowed: the interrupted one). Runs only in the PostgreSQL run."""

import sys
import time
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
from test_webhook_crash import KillableServer  # noqa: E402
from webhook_receiver import Receiver, verify  # noqa: E402

EVENTS = 20
SLOW_S = 0.2    # each answer takes this long, so that a delivery is in flight when the kill comes


class TwoInstancesTest(harness.ApiTestCase):
    def setUp(self):
        if not harness.PG_ADMIN:
            raise unittest.SkipTest("PostgreSQL only (PARLEY_TEST_PG_ADMIN not set)")
        self.a = KillableServer()
        self.a.start()
        self.addCleanup(self.a.stop)          # cleanups run last-in first-out: b stops before a
        self.recv = Receiver()
        self.addCleanup(self.recv.stop)
        self.b = harness.Server()
        self.b.shared_db = self.a.db
        self.srv = self.a

    def test_one_instance_at_a_time_and_none_lost_when_one_dies(self):
        a, recv = self.a, self.recv
        org = a.create_org("hooks-multi", "admin@hm.example")
        convs = [a.import_conv(org.key, org.admin) for _ in range(EVENTS)]
        recv.default = ("slow", SLOW_S)
        out = a.cli("webhook", "create", "--org", org.org, "--url", recv.url(), "--events", "conversation.archived")
        secret = out.strip().splitlines()[-1]
        a.secrets.add(secret)
        for c in convs:   # all through a: a delivers them (b is not running yet)
            self.assertOk(a.req("DELETE", "/v2/conversations/" + c, org.key))
        recv.wait_count(3, timeout=30)
        self.b.start()
        self.addCleanup(self.b.stop)
        # a holds the endpoint (its session's advisory lock): b, which scans at start and every second,
        # cannot have it; give b a scan or two to try while a goes on (not a timing assertion)
        time.sleep(1.2)
        deadline = time.monotonic() + 30
        while recv.inflight == 0:   # kill a while the receiver holds one of its requests
            self.assertLess(time.monotonic(), deadline, "no delivery in flight")
            time.sleep(0.005)
        both = recv.max_inflight
        before = len(recv.requests)
        a.kill9()
        got = recv.wait(lambda rs: len({r.event_id for r in rs if r.status == 200}) >= EVENTS, timeout=60,
                        what="every event, delivered by the survivor")
        firsts, seen = [], set()
        for r in got:
            if r.status == 200 and r.event_id not in seen:
                seen.add(r.event_id)
                firsts.append(r)
        self.assertEqual([r.json["data"]["id"] for r in firsts], convs, "commit order, none lost")
        self.assertTrue(all(verify(secret, r) for r in got))
        self.assertLess(before, EVENTS, "a was killed before it was done")
        self.assertEqual(both, 1, "never two requests to one endpoint at once while both instances ran")
        sys.stderr.write("FIGURE webhook pg multi: %d events, one instance killed mid-delivery, %d delivered, "
                         "0 lost, %d duplicates, at most %d request in flight\n"
                         % (EVENTS, len(firsts), len([r for r in got if r.status == 200]) - len(firsts), both))
        a.respawn()   # for the cleanup's checks of a clean stop


if __name__ == "__main__":
    unittest.main()
