"""test_webhooks.py - workflows and webhooks (spec §8, stand-in §7) end to end: the admin API and CLI of
endpoints, every event with its payload equal to GET right after the change, signatures, unique event
ids, both payload forms, trigger-native-integration, order per endpoint, retries on the admin clock,
give-up, and receivers that fail (500, 3xx, a hang, a closed connection, a huge body, a private
address). A loopback receiver (webhook_receiver.py) records what arrives."""

import datetime
import hashlib
import hmac
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.request

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
from harness import UNKNOWN_UUID, UUID_RE, q, transcript_v2  # noqa: E402
from webhook_receiver import Receiver, verify  # noqa: E402

TIME_MS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
EVENTS = ["conversation.imported", "conversation.analyzed", "conversation.updated", "conversation.labels_changed",
          "conversation.archived", "conversation.unarchived", "conversation.integration_triggered"]
MAX_AGE = 3600      # --webhook-max-age of the module's server
TIMEOUT = 2         # --webhook-timeout of the module's server
srv = None


def setUpModule():
    global srv
    srv = harness.Server(admin=True, extra_args=["--webhook-timeout", TIMEOUT, "--webhook-max-age", MAX_AGE,
                                                 "--metrics"])
    srv.start()
    unittest.addModuleCleanup(srv.stop)


def ts(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


class WebhookCase(harness.ApiTestCase):
    """An organization and a receiver per test; helpers for endpoints and deliveries."""

    def setUp(self):
        self.srv = srv
        self.org = srv.admin_org()
        self.recv = Receiver()
        self.addCleanup(self.recv.stop)
        self.addCleanup(lambda: srv.admin("DELETE", "/orgs/" + self.org.org))
        self.addCleanup(lambda: srv.admin("DELETE", "/clock"))

    def endpoint(self, org=None, path="/hook", **fields):
        body = {"orgUUID": (org or self.org).org, "url": self.recv.url(path)}
        body.update(fields)
        r = srv.admin("POST", "/webhooks", body)
        self.assertEqual(r.status, 201, r)
        srv.secrets.add(r.body["secret"])
        return r.body

    def deliveries(self, endpoint, **params):
        r = srv.admin("GET", q("/webhooks/%s/deliveries" % endpoint["id"], params) if params
                      else "/webhooks/%s/deliveries" % endpoint["id"])
        self.assertEqual(r.status, 200, r)
        return r.body["data"]

    def wait_deliveries(self, endpoint, pred, what, timeout=20):
        deadline = time.monotonic() + timeout * harness.SLOW
        while True:
            got = self.deliveries(endpoint)
            if pred(got):
                return got
            if time.monotonic() > deadline:
                self.fail("deliveries: %s not reached within %ss: %r" % (what, timeout, got))
            time.sleep(0.05)

    def conv(self, key=None, user=None, **fields):
        return srv.import_conv(key or self.org.key, user or self.org.admin, **fields)

    def get(self, cid, key=None):
        r = srv.req("GET", "/v2/conversations/" + cid, key or self.org.key)
        self.assertEqual(r.status, 200, r)
        return r

    def freeze(self, now="2025-06-01T12:00:00.000Z"):
        r = srv.admin("PUT", "/clock", {"now": now, "frozen": True})
        self.assertEqual(r.status, 200, r)

    def set_clock(self, now):
        r = srv.admin("PUT", "/clock", {"now": now})
        self.assertEqual(r.status, 200, r)


class AdminApiTest(WebhookCase):
    def test_create_list_delete(self):
        e = self.endpoint()
        self.assertEqual(list(e), ["id", "orgUUID", "url", "events", "payload", "secret", "createdAt"])
        self.assertRegex(e["id"], UUID_RE)
        self.assertEqual(e["orgUUID"], self.org.org)
        self.assertEqual(e["events"], ["*"])
        self.assertEqual(e["payload"], "envelope")
        self.assertRegex(e["secret"], r"^whsec_[0-9a-f]{64}$")
        self.assertRegex(e["createdAt"], TIME_MS_RE)
        e2 = self.endpoint(events=["conversation.archived", "conversation.imported"], payload="resource",
                           secret="s3cret-of-mine")
        self.assertEqual(e2["events"], ["conversation.imported", "conversation.archived"])
        self.assertEqual(e2["secret"], "s3cret-of-mine")
        other = srv.admin_org()
        self.addCleanup(lambda: srv.admin("DELETE", "/orgs/" + other.org))
        e3 = self.endpoint(org=other)
        r = srv.admin("GET", "/webhooks?orgUUID=" + self.org.org)
        self.assertEqual(r.status, 200, r)
        listed = r.body["data"]
        self.assertEqual([x["id"] for x in listed], [e["id"], e2["id"]])
        for x in listed:
            self.assertNotIn("secret", x)
            self.assertNotIn(e["secret"], r.raw.decode())
        every = srv.admin("GET", "/webhooks").body["data"]
        self.assertLessEqual({e["id"], e2["id"], e3["id"]}, {x["id"] for x in every})
        self.assertEqual(srv.admin("GET", "/webhooks?orgUUID=" + UNKNOWN_UUID).body, {"data": []})
        self.assertOk(srv.admin("DELETE", "/webhooks/" + e["id"]))
        self.assertNotFound(srv.admin("DELETE", "/webhooks/" + e["id"]))
        self.assertNotFound(srv.admin("DELETE", "/webhooks/not-a-uuid"))
        self.assertNotFound(srv.admin("GET", "/webhooks/%s/deliveries" % e["id"]))
        self.assertEqual([x["id"] for x in srv.admin("GET", "/webhooks?orgUUID=" + self.org.org).body["data"]],
                         [e2["id"]])

    def test_bad_bodies_are_400_naming_the_member(self):
        org = self.org.org
        good = {"orgUUID": org, "url": "https://hooks.example.com/in"}
        cases = [
            ({"url": good["url"]}, "orgUUID"),
            (dict(good, orgUUID="nope"), "orgUUID"),
            (dict(good, orgUUID=UNKNOWN_UUID), "not an organization"),
            ({"orgUUID": org}, "url"),
            (dict(good, url=""), "url"),
            (dict(good, url="ftp://files.example.com/x"), "http or https"),
            (dict(good, url="javascript:alert(1)"), "url"),
            (dict(good, url="/relative/path"), "url"),
            (dict(good, url="http://"), "url"),
            (dict(good, url="http://exa mple.com/"), "url"),
            (dict(good, url="https://hooks.example.com/" + "a" * 2100), "2048"),
            (dict(good, url=42), "url"),
            (dict(good, events=[]), "at least one"),
            (dict(good, events="conversation.archived"), "events"),
            (dict(good, events=["conversation.deleted"]), "events[0]"),
            (dict(good, events=[1]), "events[0]"),
            (dict(good, payload="xml"), "payload"),
            (dict(good, secret=""), "secret"),
            (dict(good, secret="has space"), "secret"),
            (dict(good, secret="x" * 257), "secret"),
            (dict(good, extra=1), "extra"),
            ([good], "object"),
        ]
        for body, word in cases:
            r = srv.admin("POST", "/webhooks", body)
            self.assertProblem(r, 400, code="invalid_body", detail_has=word)
        self.assertEqual(srv.admin("GET", "/webhooks?orgUUID=" + org).body, {"data": []}, "nothing was created")

    def test_credentials_in_the_url_are_400_and_never_echoed(self):
        for url in ("https://user:hunter2pass@hooks.example.com/in", "http://onlyuser@hooks.example.com/",
                    "https://:hunter2pass@hooks.example.com/"):
            r = srv.admin("POST", "/webhooks", {"orgUUID": self.org.org, "url": url})
            self.assertProblem(r, 400, code="invalid_body", detail_has="credentials")
            self.assertNotIn("hunter2pass", r.raw.decode())

    def test_an_organization_has_at_most_100_endpoints(self):
        for i in range(100):
            r = srv.admin("POST", "/webhooks", {"orgUUID": self.org.org, "url": "https://h%d.example.com/" % i})
            self.assertEqual(r.status, 201, r)
        r = srv.admin("POST", "/webhooks", {"orgUUID": self.org.org, "url": "https://one-more.example.com/"})
        self.assertProblem(r, 409, code="conflict", detail_has="100")

    def test_bad_parameters(self):
        e = self.endpoint()
        for params, word in ((("status", "done"),), "status"), ((("limit", "0"),), "limit"), \
                            ((("limit", "1001"),), "limit"), ((("limit", "x"),), "limit"):
            r = srv.admin("GET", q("/webhooks/%s/deliveries" % e["id"], list(params)))
            self.assertProblem(r, 400, code="invalid_parameter", detail_has=word)
        self.assertProblem(srv.admin("GET", "/webhooks?orgUUID=nope"), 400, code="invalid_parameter")
        self.assertNotFound(srv.admin("GET", "/webhooks/%s/deliveries" % UNKNOWN_UUID))
        self.assertNotFound(srv.admin("GET", "/webhooks/zzz/deliveries"))

    def test_the_admin_token_is_required(self):
        for method, path, body in (("POST", "/_parley/webhooks", {"orgUUID": self.org.org, "url": "http://a.b/"}),
                                   ("GET", "/_parley/webhooks", None),
                                   ("DELETE", "/_parley/webhooks/" + UNKNOWN_UUID, None),
                                   ("GET", "/_parley/webhooks/%s/deliveries" % UNKNOWN_UUID, None)):
            self.assertProblem(srv.req(method, path, None, body), 401)
            self.assertProblem(srv.req(method, path, self.org.key, body), 401)

    def test_cli(self):
        out = srv.cli("webhook", "create", "--org", self.org.org, "--url", self.recv.url(),
                      "--events", "conversation.archived,conversation.unarchived", "--payload", "resource")
        lines = out.strip().splitlines()
        secret = lines[-1]
        srv.secrets.add(secret)
        self.assertRegex(secret, r"^whsec_[0-9a-f]{64}$")
        wid = [l.split(": ", 1)[1] for l in lines if l.startswith("webhook id: ")][0]
        self.assertIn('events: ["conversation.archived","conversation.unarchived"]', out)
        listed = srv.cli("webhook", "list", "--org", self.org.org).strip().splitlines()
        self.assertEqual(len(listed), 1)
        self.assertIn('"id":"%s"' % wid, listed[0])
        self.assertNotIn(secret, listed[0])
        self.assertEqual([l for l in srv.cli("webhook", "list").strip().splitlines() if wid in l], listed)
        cid = self.conv()
        self.assertOk(srv.req("DELETE", "/v2/conversations/" + cid, self.org.key))
        got = self.recv.wait_count(1)
        self.assertTrue(verify(secret, got[0]))
        self.assertEqual(got[0].json, self.get(cid).body)
        # the receiver has it; the worker records the attempt just after (its window's end)
        self.wait_deliveries({"id": wid}, lambda ds: ds and ds[0]["status"] == "delivered", "recorded as delivered")
        out = srv.cli("webhook", "deliveries", "--id", wid, "--status", "delivered")
        self.assertIn('"type":"conversation.archived"', out)
        self.assertIn('"status":"delivered"', out)
        for args, word in ((("--url", "ftp://x.example/"), "http or https"),
                           (("--url", "https://u:p@x.example/"), "credentials"),
                           (("--url", "https://x.example/", "--events", "nope"), "events[0]"),
                           (("--url", "https://x.example/", "--payload", "xml"), "payload")):
            p = srv.cli_run("webhook", "create", "--org", self.org.org, *args)
            self.assertEqual(p.returncode, 2, p)
            self.assertIn(word, p.stderr)
        p = srv.cli_run("webhook", "deliveries", "--id", wid, "--status", "bogus")
        self.assertEqual(p.returncode, 2, p)
        self.assertIn("deleted " + wid, srv.cli("webhook", "delete", "--id", wid))
        p = srv.cli_run("webhook", "delete", "--id", wid)
        self.assertEqual(p.returncode, 1, p)
        self.assertEqual(srv.cli("webhook", "list", "--org", self.org.org).strip(), "")


class EventsTest(WebhookCase):
    def check_event(self, ev, secret, etype, cid, get):
        """ev is an envelope of type etype about cid whose data is exactly the GET answer get."""
        self.assertTrue(verify(secret, ev, tolerance=300), "signature")
        self.assertEqual(ev.headers["Content-Type"], "application/json")
        self.assertEqual(ev.event_type, etype)
        body = ev.json
        self.assertEqual(list(body), ["id", "type", "createdAt", "organizationUUID", "data"])
        self.assertEqual(body["id"], ev.event_id)
        self.assertRegex(body["id"], UUID_RE)
        self.assertEqual(body["type"], etype)
        self.assertRegex(body["createdAt"], TIME_MS_RE)
        self.assertEqual(body["organizationUUID"], self.org.org)
        self.assertEqual(body["data"]["id"], cid)
        self.assertEqual(body["data"], get.body, "the payload is GET right after the change")

    def test_every_event_payload_is_get_after_the_change(self):
        e = self.endpoint()
        secret, seen = e["secret"], []
        key = self.org.key

        def step(call, expect, cid_holder):
            r = call()
            self.assertEqual(r.status, 200, r)
            cid = cid_holder[0] if cid_holder[0] else r.body["uuid"]
            cid_holder[0] = cid
            get = self.get(cid)
            got = self.recv.wait_count(len(seen) + len(expect))
            new = got[len(seen):]
            self.assertEqual([x.event_type for x in new], expect)
            for ev, t in zip(new, expect):
                self.check_event(ev, secret, t, cid, get)
            seen.extend(new)

        holder = [None]
        base = "/v2/conversations/"
        step(lambda: srv.req("POST", base + "import", key, {
            "mediaURL": "https://m.example.com/a.mp4", "userID": self.org.admin, "conversationTitle": "Hooked",
            "transcript": {"v2": transcript_v2(("Ann", "hello there", 0, 1.5), ("Bo", "hi", 1.5, 2))}}),
            ["conversation.imported", "conversation.analyzed"], holder)
        cid = holder[0]
        step(lambda: srv.req("PUT", base + cid + "/title", key, {"title": "Renamed"}), ["conversation.updated"], holder)
        step(lambda: srv.req("PUT", base + cid + "/labels", key, {"labels": {"stage": "won", "a": "1"}}),
             ["conversation.updated", "conversation.labels_changed"], holder)
        step(lambda: srv.req("PUT", base + cid + "/labels", key, {"labels": {"a": "1", "stage": "won"}}),
             ["conversation.updated"], holder)   # the same labels, another order: no labels_changed
        step(lambda: srv.req("PUT", base + cid, key, {"title": "Both", "labels": {"stage": "lost"}}),
             ["conversation.updated", "conversation.labels_changed"], holder)
        step(lambda: srv.req("PUT", base + cid + "/change_privacy", key), ["conversation.updated"], holder)
        step(lambda: srv.req("PUT", base + cid + "/linked-crm-records", key,
                             {"linkedCrmRecords": [{"id": "r1", "code": "opportunity"}]}),
             ["conversation.updated"], holder)
        step(lambda: srv.req("POST", base + cid + "/crm/confirm", key,
                             {"intelligence": [{"id": "i", "key": "budget", "value": "10k", "title": "Budget"}]}),
             ["conversation.updated"], holder)
        step(lambda: srv.req("POST", "/v2/changeConversationOpportunity", key,
                             {"conversation_id": cid, "opportunity_id": "opp-1"}), ["conversation.updated"], holder)
        step(lambda: srv.req("DELETE", base + cid, key), ["conversation.archived"], holder)
        step(lambda: srv.req("DELETE", base + cid, key), [], holder)   # already archived: no event
        step(lambda: srv.req("POST", base + cid + "/unarchive", key), ["conversation.unarchived"], holder)
        step(lambda: srv.req("POST", base + cid + "/unarchive", key), [], holder)
        step(lambda: srv.req("POST", base + cid + "/trigger-native-integration", key, {}),
             ["conversation.integration_triggered"], holder)
        # an import without a transcript is not analyzed
        step(lambda: srv.req("POST", base + "import", key, {"mediaURL": "https://m.example.com/b.mp4",
                                                             "userID": self.org.admin}),
             ["conversation.imported"], [None])
        self.assertEqual({x.event_type for x in seen}, set(EVENTS), "every event type was checked")
        ids = [x.event_id for x in seen]
        self.assertEqual(len(ids), len(set(ids)), "Parley-Event-Id is unique")
        self.assertFalse(verify("another-secret", seen[0]))
        # the deliveries record every one of them, newest first
        ds = self.wait_deliveries(e, lambda ds: all(d["status"] == "delivered" for d in ds), "all recorded")
        self.assertEqual([d["eventId"] for d in ds], list(reversed(ids)))
        for d in ds:
            self.assertEqual(d["status"], "delivered")
            self.assertIsNone(d["nextAttemptAt"])
            self.assertEqual(len(d["attempts"]), 1)
            self.assertEqual(d["attempts"][0]["responseStatus"], 200)
            self.assertIsNone(d["attempts"][0]["error"])
            self.assertRegex(d["attempts"][0]["at"], TIME_MS_RE)

    def test_a_payload_keeps_its_change_when_later_changes_come_before_delivery(self):
        """SQLite leaves an event's data to its delivery and freezes it before the conversation's next
        change: events delivered after later changes (here held back by a 500 on the admin clock) still
        carry GET as it was right after their own change, the owner's name included."""
        self.freeze()
        self.recv.plan = [("status", 500)]
        e = self.endpoint()
        key, base = self.org.key, "/v2/conversations/"
        cid = self.conv(conversationTitle="First")
        # a second conversation, changed in between: its events lie right after the first one's in seq order,
        # where the freeze's walk from a conversation's mark must stop
        cid2 = self.conv(conversationTitle="Other")
        gets = [self.get(cid), self.get(cid2)]      # without a transcript: imported, not analyzed
        d = self.wait_deliveries(e, lambda ds: ds and ds[-1]["attempts"], "the first attempt")[-1]
        title = lambda c, t: srv.req("PUT", base + c + "/title", key, {"title": t})
        labels = lambda c: srv.req("PUT", base + c + "/labels", key, {"labels": {"k": "v"}})
        both = ["conversation.updated", "conversation.labels_changed"]
        changes = [
            (lambda: title(cid, "Second"), ["conversation.updated"], cid),
            (lambda: title(cid2, "Other 2"), ["conversation.updated"], cid2),
            (lambda: srv.req("PATCH", "/v2/organizations/users/" + self.org.admin, key, {"firstName": "Renamed"}),
             [], None),
            (lambda: srv.req("DELETE", base + cid, key), ["conversation.archived"], cid),
            (lambda: labels(cid), both, cid),
            (lambda: labels(cid2), both, cid2),
            (lambda: title(cid2, "Other 3"), ["conversation.updated"], cid2),
            (lambda: srv.req("POST", base + cid + "/unarchive", key), ["conversation.unarchived"], cid),
        ]
        want = ["conversation.imported", "conversation.imported"]
        for call, types, c in changes:
            self.assertOk(call())
            gets += [self.get(c)] * len(types) if types else []
            want += types
        self.assertEqual(len(self.recv.requests), 1, "held back by the first event's 500")
        self.set_clock(d["nextAttemptAt"])
        got = self.recv.wait_count(1 + len(want))
        self.assertEqual(got[0].body, got[1].body, "the retry carries what the first attempt did")
        got = got[1:]
        self.assertEqual([r.event_type for r in got], want)
        for r, g, t in zip(got, gets, want):
            self.assertEqual(r.json["data"], g.body, "%s: GET right after its change" % t)
        titles = [r.json["data"]["attributes"]["title"] for r in got]
        self.assertEqual(titles, ["First", "Other", "Second", "Other 2", "Second", "Second", "Second", "Other 2",
                                  "Other 2", "Other 3", "Second"])

    def reused(self):
        """parley_webhook_payloads_reused_total from /metrics (SQLite only: None on PostgreSQL)."""
        r = srv.req("GET", "/metrics")
        self.assertEqual(r.status, 200, r)
        text = r.body if isinstance(r.body, str) else r.body.decode()
        m = re.search(r"^parley_webhook_payloads_reused_total (\d+)$", text, re.M)
        return int(m.group(1)) if m else None

    def test_the_archive_reply_is_reused_for_its_own_event_only(self):
        """SQLite hands an event's delivery the conversation the archive's reply rendered (sq_paycache) instead
        of reading and rendering it again: the payload (of a retry too) is still the reply and GET right after
        the change. A cached payload names its event by id, not by seq alone: after an endpoint's deletion
        dropped the archive's event, the next event takes the same seq (the updated event here), and must
        carry its own change (title "Two"), not the cached archive."""
        self.freeze()
        recv2 = Receiver()
        self.addCleanup(recv2.stop)
        self.recv.default = ("status", 500)
        cid = self.conv(conversationTitle="Zero")
        k = self.endpoint(url=recv2.url("/k"), events=["conversation.updated"])
        a = self.endpoint(events=["conversation.archived"])
        before = self.reused()
        title = lambda t: srv.req("PUT", "/v2/conversations/%s/title" % cid, self.org.key, {"title": t})
        self.assertOk(title("One"))                      # seq S-1: K's event, kept after A's deletion
        recv2.wait_count(1)
        reply = srv.req("DELETE", "/v2/conversations/" + cid, self.org.key)    # seq S: A's event
        self.assertOk(reply)
        self.assertEqual(reply.body, self.get(cid).body)
        d = self.wait_deliveries(a, lambda ds: ds and ds[0]["attempts"], "the first attempt")[0]
        with self.recv.cond:
            self.recv.default = ("status", 200)
        self.set_clock(d["nextAttemptAt"])                # the retry's window comes after the reply
        got = self.recv.wait_count(2)
        self.assertEqual(got[1].json["data"], reply.body, "the retry carries the reply")
        self.assertEqual(got[0].body, got[1].body)
        if before is not None:
            self.assertGreater(self.reused(), before, "the retry took the reply's render")
        else:
            self.assertIsNotNone(getattr(srv, "pg_db", None), "the counter is missing on SQLite")
        # A's deletion drops its events: the next one written takes the archive's seq
        self.assertOk(srv.admin("DELETE", "/webhooks/" + a["id"]))
        self.assertOk(title("Two"))
        got = recv2.wait_count(2)
        after = self.get(cid).body
        self.assertEqual(got[1].json["data"], after)
        self.assertEqual(after["attributes"]["title"], "Two")

    def test_resource_payload_is_the_bare_conversation(self):
        e = self.endpoint(payload="resource", events=["conversation.archived", "conversation.labels_changed"])
        cid = self.conv(conversationTitle="Bare")
        self.assertOk(srv.req("PUT", "/v2/conversations/%s/title" % cid, self.org.key, {"title": "x"}))
        self.assertOk(srv.req("DELETE", "/v2/conversations/" + cid, self.org.key))
        get = self.get(cid)
        got = self.recv.wait_count(1)
        self.assertEqual(got[0].event_type, "conversation.archived", "only what it subscribes to")
        self.assertEqual(got[0].body, get.raw, "byte for byte what GET answers")
        self.assertTrue(verify(e["secret"], got[0]))
        self.assertOk(srv.req("PUT", "/v2/conversations/%s/labels" % cid, self.org.key, {"labels": {"k": "v"}}))
        got = self.recv.wait_count(2)
        self.assertEqual([g.event_type for g in got], ["conversation.archived", "conversation.labels_changed"])
        self.assertEqual(got[1].json, self.get(cid).body)

    def test_several_endpoints_and_other_organizations(self):
        a = self.endpoint(path="/a", events=["conversation.archived"])
        b = self.endpoint(path="/b", events=["*"])
        other = srv.admin_org()
        self.addCleanup(lambda: srv.admin("DELETE", "/orgs/" + other.org))
        o = self.endpoint(org=other, path="/other")
        cid = self.conv()
        ocid = self.conv(key=other.key, user=other.admin)
        self.assertOk(srv.req("DELETE", "/v2/conversations/" + cid, self.org.key))
        self.assertOk(srv.req("DELETE", "/v2/conversations/" + ocid, other.key))
        self.recv.wait_count(1, path="/a")
        self.recv.wait_count(2, path="/b")
        got_o = self.recv.wait_count(2, path="/other")
        self.assertEqual([r.json["data"]["id"] for r in got_o], [ocid, ocid])
        self.assertTrue(all(verify(o["secret"], r) for r in got_o))
        for path, ep, n in (("/a", a, 1), ("/b", b, 2)):
            got = [r for r in self.recv.requests if r.path == path]
            self.assertEqual(len(got), n)
            self.assertTrue(all(r.json["data"]["id"] == cid for r in got), "nothing of the other organization")
            self.assertTrue(all(verify(ep["secret"], r) for r in got))
        # the same event to two endpoints: one event id
        arch = [r.event_id for r in self.recv.requests if r.event_type == "conversation.archived"
                and r.json["data"]["id"] == cid]
        self.assertEqual(len(arch), 2)
        self.assertEqual(arch[0], arch[1])

    def test_order_per_endpoint_is_commit_order(self):
        self.endpoint(events=["conversation.archived", "conversation.unarchived", "conversation.updated"])
        cids = [self.conv() for _ in range(3)]
        want = []
        for i in range(12):
            cid = cids[i % 3]
            if (i // 3) % 2 == 0:
                self.assertOk(srv.req("DELETE", "/v2/conversations/" + cid, self.org.key))
                want.append(("conversation.archived", cid))
            else:
                self.assertOk(srv.req("POST", "/v2/conversations/%s/unarchive" % cid, self.org.key))
                want.append(("conversation.unarchived", cid))
            self.assertOk(srv.req("PUT", "/v2/conversations/%s/title" % cid, self.org.key, {"title": "t%d" % i}))
            want.append(("conversation.updated", cid))
        got = self.recv.wait_count(len(want))
        self.assertEqual([(r.event_type, r.json["data"]["id"]) for r in got], want)
        self.assertEqual([r.json["data"]["attributes"]["title"] for r in got if r.event_type == "conversation.updated"],
                         ["t%d" % i for i in range(12)])

    def test_bulk_loading_writes_no_events(self):
        e = self.endpoint()
        srv.cli("seed", "--org", self.org.org, "--count", "5")
        self.assertEqual(self.deliveries(e), [], "seed wrote no outbox rows (they would be listed at once)")

    def test_deleting_an_endpoint_or_its_organization_drops_its_deliveries(self):
        self.recv.default = ("status", 500)
        e = self.endpoint()
        cid = self.conv()
        self.wait_deliveries(e, lambda ds: ds and ds[0]["attempts"], "a first attempt")
        self.assertOk(srv.admin("DELETE", "/webhooks/" + e["id"]))
        self.assertNotFound(srv.admin("GET", "/webhooks/%s/deliveries" % e["id"]))
        e2 = self.endpoint()
        self.assertOk(srv.req("DELETE", "/v2/conversations/" + cid, self.org.key))
        self.wait_deliveries(e2, lambda ds: len(ds) == 1, "the archive's delivery")
        self.assertOk(srv.admin("DELETE", "/orgs/" + self.org.org))
        self.assertEqual(srv.admin("GET", "/webhooks?orgUUID=" + self.org.org).body, {"data": []})
        self.assertNotFound(srv.admin("GET", "/webhooks/%s/deliveries" % e2["id"]))


class TriggerTest(WebhookCase):
    def trigger(self, cid, body=None, key=None):
        return srv.req("POST", "/v2/conversations/%s/trigger-native-integration" % cid, key or self.org.key, body)

    def logs(self, cid):
        r = srv.req("GET", q("/v2/conversations/workflow-logs", {"conversationUUIDs": cid}), self.org.key)
        return [(x["workflowName"], x["success"]) for x in self.assertOk(r)["data"]]

    def test_without_endpoints_it_is_an_empty_run_list_and_logged(self):
        cid = self.conv()
        for body in (None, {}, {"workflowIds": [], "fieldKeys": ["a"], "autoExecution": True},
                     {"workflowIds": None, "fieldKeys": None, "autoExecution": None, "unknown": 1}):
            self.assertEqual(self.assertOk(self.trigger(cid, body)), {"workflows": []})
        self.assertEqual(self.logs(cid)[:4], [("native_integration", True)] * 4)

    def test_runs_every_endpoint_or_the_ones_named(self):
        a = self.endpoint(path="/a", events=["conversation.archived"])   # runs whatever it subscribes to
        b = self.endpoint(path="/b")
        cid = self.conv()
        self.recv.wait_count(1, path="/b")   # b's imported event
        runs = self.assertOk(self.trigger(cid))["workflows"]
        self.assertEqual([r["workflowId"] for r in runs], [a["id"], b["id"]])
        self.assertEqual(len({r["runId"] for r in runs}), 2)
        got_a = self.recv.wait_count(1, path="/a")
        got_b = self.recv.wait_count(2, path="/b")
        self.assertEqual(got_a[0].event_id, runs[0]["runId"])
        self.assertEqual(got_b[1].event_id, runs[1]["runId"])
        get = self.get(cid)
        for ev in (got_a[0], got_b[1]):
            self.assertEqual(ev.event_type, "conversation.integration_triggered")
            self.assertEqual(ev.json["data"], get.body)
        runs = self.assertOk(self.trigger(cid, {"workflowIds": [b["id"], b["id"].upper()]}))["workflows"]
        self.assertEqual([r["workflowId"] for r in runs], [b["id"]], "named once, run once")
        self.recv.wait_count(3, path="/b")
        self.assertEqual(self.logs(cid)[:2], [("native_integration", True)] * 2)

    def test_errors(self):
        self.endpoint()
        cid = self.conv()
        other = srv.admin_org()
        self.addCleanup(lambda: srv.admin("DELETE", "/orgs/" + other.org))
        oe = self.endpoint(org=other, path="/other")
        ocid = self.conv(key=other.key, user=other.admin)
        for body, word in (({"workflowIds": [UNKNOWN_UUID]}, UNKNOWN_UUID),
                           ({"workflowIds": [oe["id"]]}, oe["id"]),
                           ({"workflowIds": ["not-an-id"]}, "not-an-id"),
                           # quoted whole, not cut inside the "é" (it was shown as "?")
                           ({"workflowIds": ["a" * 35 + "\u00e9\u00e9"]}, "a" * 35 + "\u00e9\u00e9"),
                           ({"workflowIds": "x"}, "workflowIds"),
                           ({"workflowIds": [1]}, "workflowIds[0]"),
                           ({"workflowIds": [UNKNOWN_UUID] * 101}, "101"),
                           ({"fieldKeys": "x"}, "fieldKeys"),
                           ({"fieldKeys": [True]}, "fieldKeys[0]"),
                           ({"fieldKeys": ["k"] * 1001}, "1001"),
                           ({"autoExecution": "yes"}, "autoExecution"),
                           ([], "object")):
            self.assertProblem(self.trigger(cid, body), 400, code="invalid_body", detail_has=word)
        self.assertNotFound(self.trigger(UNKNOWN_UUID))
        self.assertNotFound(self.trigger("nope"))
        self.assertNotFound(self.trigger(ocid), )   # another organization's conversation
        self.assertUnauthorized(self.trigger(cid, key="prl_not_a_key"))
        self.assertEqual(self.logs(cid).count(("native_integration", True)), 0, "nothing logged for 400/404")

    def test_user_level_keys_only_on_conversations_they_may_change(self):
        self.endpoint()
        alice = srv.create_user(self.org.org, "alice-%s@t.example" % self.org.org[:8])
        bob = srv.create_user(self.org.org, "bob-%s@t.example" % self.org.org[:8])
        _, akey = srv.create_key(self.org.org, user=alice)
        _, bkey = srv.create_key(self.org.org, user=bob)
        cid = self.conv(key=akey, user=alice)
        self.assertProblem(self.trigger(cid, key=bkey), 403, code="forbidden")
        self.assertEqual(self.logs(cid)[0], ("native_integration", False), "a refusal is logged")
        self.assertEqual(len(self.assertOk(self.trigger(cid, key=akey))["workflows"]), 1)


class FaultsTest(WebhookCase):
    def test_retried_after_two_500s_on_the_admin_clock(self):
        self.freeze()
        self.recv.plan = [("status", 500), ("status", 500)]
        e = self.endpoint(events=["conversation.archived"])
        cid = self.conv()
        self.assertOk(srv.req("DELETE", "/v2/conversations/" + cid, self.org.key))
        for attempt in (1, 2):
            ds = self.wait_deliveries(e, lambda ds: ds and len(ds[0]["attempts"]) == attempt, "attempt %d" % attempt)
            d = ds[0]
            self.assertEqual(d["status"], "pending")
            self.assertEqual(d["attempts"][-1]["responseStatus"], 500)
            self.assertIn("500", d["attempts"][-1]["error"])
            wait = ts(d["nextAttemptAt"]) - ts(d["attempts"][-1]["at"])
            base = 2 ** (attempt - 1)
            self.assertTrue(0.75 * base - 0.002 <= wait <= 1.25 * base + 0.002,
                            "retry %d after %.3f s (1 s doubling, jitter 0.75-1.25)" % (attempt, wait))
            self.assertEqual(len(self.recv.requests), attempt, "nothing more while the clock stands still")
            self.set_clock(d["nextAttemptAt"])
        ds = self.wait_deliveries(e, lambda ds: ds[0]["status"] == "delivered", "delivered")
        self.assertEqual([a["responseStatus"] for a in ds[0]["attempts"]], [500, 500, 200])
        got = self.recv.wait_count(3)
        self.assertEqual(len({r.event_id for r in got}), 1, "a retry carries the same event id")
        self.assertTrue(all(r.body == got[0].body for r in got))

    def test_a_failing_event_holds_back_later_ones_then_gives_up_after_max_age(self):
        self.freeze()
        self.recv.default = ("status", 503)
        e = self.endpoint(events=["conversation.archived", "conversation.unarchived"])
        cid = self.conv()
        self.assertOk(srv.req("DELETE", "/v2/conversations/" + cid, self.org.key))
        self.assertOk(srv.req("POST", "/v2/conversations/%s/unarchive" % cid, self.org.key))
        ds = self.wait_deliveries(e, lambda ds: len(ds) == 2 and ds[1]["attempts"], "the first attempt")
        self.assertEqual(ds[0]["attempts"], [], "the later event waits for the earlier one")
        self.assertEqual(ds[0]["status"], "pending")
        # an hour later (--webhook-max-age 3600) the next attempt is the last one; the receiver
        # answers it 503 once more, then 200 (to the later event, which goes on)
        with self.recv.cond:
            self.recv.plan = [("status", 503)]
            self.recv.default = ("status", 200)
        r = srv.admin("PUT", "/clock", {"advance": MAX_AGE + 1})
        self.assertEqual(r.status, 200, r)
        ds = self.wait_deliveries(e, lambda ds: ds[1]["status"] == "failed", "failed")
        self.assertIsNone(ds[1]["nextAttemptAt"])
        self.assertEqual(len(ds[1]["attempts"]), 2)
        self.assertEqual(self.deliveries(e, status="failed")[0]["eventId"], ds[1]["eventId"])
        ds = self.wait_deliveries(e, lambda ds: ds[0]["status"] != "pending", "the later event")
        self.assertEqual(ds[0]["status"], "delivered")
        got = self.recv.requests
        self.assertEqual([r.event_type for r in got][-1], "conversation.unarchived")

    def test_an_event_whose_conversation_cannot_be_read_fails_and_is_given_up(self):
        """SQLite renders a waiting event's payload at its delivery. When the conversation's stored document
        is damaged, that attempt fails like a receiver's 500 would (recorded, retried on the backoff schedule,
        given up after max age) instead of holding the endpoint's later events back for good, unrecorded."""
        if getattr(srv, "pg_db", None):
            self.skipTest("PostgreSQL renders the payload inside the change's transaction")
        self.freeze()
        e = self.endpoint(events=["conversation.archived"])
        bad, good = self.conv(), self.conv()
        with sqlite3.connect(srv.db, timeout=10) as db:   # a document no unpacking can read
            db.execute("UPDATE conversation_bodies SET doc = x'ffffffff00' WHERE id ="
                       " (SELECT id FROM conversations WHERE uuid = ?)", (bad,))
        db.close()
        r = srv.req("DELETE", "/v2/conversations/" + bad, self.org.key)
        self.assertEqual(r.status, 500, "the archive is stored, its reply cannot be rendered: %r" % (r,))
        self.assertOk(srv.req("DELETE", "/v2/conversations/" + good, self.org.key))
        ds = self.wait_deliveries(e, lambda ds: len(ds) == 2 and ds[1]["attempts"], "the first attempt")
        attempt = ds[1]["attempts"][0]
        self.assertIsNone(attempt["responseStatus"])
        self.assertIn("could not be read and rendered", attempt["error"])
        self.assertEqual(ds[1]["status"], "pending")
        self.assertIsNotNone(ds[1]["nextAttemptAt"])
        self.assertEqual(ds[0]["attempts"], [], "the later event waits for it")
        self.assertEqual(self.recv.requests, [], "nothing was sent")
        r = srv.admin("PUT", "/clock", {"advance": MAX_AGE + 1})
        self.assertEqual(r.status, 200, r)
        ds = self.wait_deliveries(e, lambda ds: ds[0]["status"] == "delivered", "the later event")
        self.assertEqual(ds[1]["status"], "failed")
        got = self.recv.wait_count(1)
        self.assertEqual(got[0].json["data"]["id"], good)

    def test_a_hanging_receiver_never_blocks_the_api_and_times_out(self):
        self.recv.plan = [("hang", 60)]
        e = self.endpoint(events=["conversation.archived"])
        cids = [self.conv() for _ in range(3)]
        self.assertOk(srv.req("DELETE", "/v2/conversations/" + cids[0], self.org.key))
        self.recv.wait_count(1)   # the receiver holds this request for 60 s (or until release())
        for cid in cids[1:]:   # answered meanwhile (the client gives up after 15 s)
            self.assertOk(srv.req("DELETE", "/v2/conversations/" + cid, self.org.key))
            self.assertOk(srv.req("GET", "/v2/conversations/" + cid, self.org.key))
        # another organization's endpoint is served meanwhile
        other = srv.admin_org()
        self.addCleanup(lambda: srv.admin("DELETE", "/orgs/" + other.org))
        self.endpoint(org=other, path="/other", events=["conversation.archived"])
        ocid = self.conv(key=other.key, user=other.admin)
        self.assertOk(srv.req("DELETE", "/v2/conversations/" + ocid, other.key))
        self.recv.wait_count(1, path="/other")
        ds = self.wait_deliveries(e, lambda ds: ds[-1]["attempts"], "the timeout", timeout=TIMEOUT + 20)
        self.assertIn("no answer within %d ms" % (TIMEOUT * 1000), ds[-1]["attempts"][0]["error"])
        self.assertIsNone(ds[-1]["attempts"][0]["responseStatus"])
        self.recv.release()

    def attempt_then_retry(self, action, word):
        """The first attempt meets action; the second, after the clock moved, is delivered."""
        self.freeze()
        self.recv.plan = [action]
        e = self.endpoint(events=["conversation.archived"])
        cid = self.conv()
        self.assertOk(srv.req("DELETE", "/v2/conversations/" + cid, self.org.key))
        d = self.wait_deliveries(e, lambda ds: ds and ds[0]["attempts"], "the first attempt")[0]
        self.assertEqual(d["status"], "pending")
        self.assertIn(word, d["attempts"][0]["error"])
        self.set_clock(d["nextAttemptAt"])
        d = self.wait_deliveries(e, lambda ds: ds[0]["status"] == "delivered", "delivered")[0]
        self.assertEqual(len(d["attempts"]), 2)
        return d

    def test_a_redirect_is_not_followed_but_retried(self):
        d = self.attempt_then_retry(("status", 302), "redirects are not followed")
        self.assertEqual(d["attempts"][0]["responseStatus"], 302)
        self.assertEqual([r.path for r in self.recv.requests], ["/hook", "/hook"])

    def test_a_closed_connection_is_retried(self):
        d = self.attempt_then_retry(("close",), "")
        self.assertIsNone(d["attempts"][0]["responseStatus"])
        self.assertTrue(d["attempts"][0]["error"])

    def test_a_huge_answer_is_not_read_past_a_small_limit(self):
        self.recv.plan = [("huge", 200)]
        e = self.endpoint(events=["conversation.archived"])
        cid = self.conv()
        self.assertOk(srv.req("DELETE", "/v2/conversations/" + cid, self.org.key))
        d = self.wait_deliveries(e, lambda ds: ds and ds[0]["status"] != "pending", "an outcome")[0]
        self.assertEqual(d["status"], "delivered", "a 2xx, whatever follows it")
        deadline = time.monotonic() + 10
        while not self.recv.huge_sent and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertLess(self.recv.huge_sent, 16 << 20, "Parley stopped reading long before 100 MiB")


class ExampleReceiversTest(WebhookCase):
    """examples/webhooks/receiver.py and receiver.mjs (shown in the README) accept what Parley sends and
    refuse what it did not sign."""

    EXAMPLES = {"python": ["/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable,
                           "receiver.py"],
                "node": ["node", "receiver.mjs"]}

    def start_example(self, name, secret):
        port = harness.free_port()
        env = dict(os.environ, PORT=str(port), PARLEY_WEBHOOK_SECRET=secret, PYTHONUNBUFFERED="1")
        p = subprocess.Popen(self.EXAMPLES[name], cwd=os.path.join(harness.ROOT, "examples", "webhooks"), env=env,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.addCleanup(lambda: (p.kill(), p.wait(), p.stdout.close()))
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return p, port
            except OSError:
                self.assertIsNone(p.poll(), "the example exited: %s" % (p.stdout.read() if p.poll() is not None else ""))
                self.assertLess(time.monotonic(), deadline, "the example does not listen")
                time.sleep(0.05)

    def post(self, port, body, sig):
        req = urllib.request.Request("http://127.0.0.1:%d/" % port, data=body, method="POST",
                                     headers={"Content-Type": "application/json", "Parley-Signature": sig})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def check_example(self, name):
        secret = "whsec_" + os.urandom(16).hex()
        srv.secrets.add(secret)
        p, port = self.start_example(name, secret)
        r = srv.admin("POST", "/webhooks", {"orgUUID": self.org.org, "url": "http://127.0.0.1:%d/in" % port,
                                            "secret": secret, "events": ["conversation.archived"]})
        self.assertEqual(r.status, 201, r)
        cid = self.conv()
        self.assertOk(srv.req("DELETE", "/v2/conversations/" + cid, self.org.key))
        line = p.stdout.readline().split()
        self.assertEqual(line[0], "conversation.archived", line)
        self.assertRegex(line[1], UUID_RE)
        self.assertEqual(line[2], "conversation.archived", "the envelope's type")
        d = self.wait_deliveries(r.body, lambda ds: ds and ds[0]["status"] == "delivered", "delivered")[0]
        self.assertEqual(d["eventId"], line[1])
        self.assertEqual(d["attempts"][0]["responseStatus"], 204)
        body = b'{"id":"x","type":"conversation.archived"}'
        t = int(time.time())
        good = "t=%d,v1=%s" % (t, hmac.new(secret.encode(), b"%d." % t + body, hashlib.sha256).hexdigest())
        self.assertEqual(self.post(port, body, good), 204)
        self.assertEqual(self.post(port, body + b" ", good), 401, "another body")
        self.assertEqual(self.post(port, body, good.replace("v1=", "v1=0")), 401)
        self.assertEqual(self.post(port, body, ""), 401)
        old = t - 3600
        stale = "t=%d,v1=%s" % (old, hmac.new(secret.encode(), b"%d." % old + body, hashlib.sha256).hexdigest())
        self.assertEqual(self.post(port, body, stale), 401, "too old")

    def test_python_example(self):
        self.check_example("python")

    def test_node_example(self):
        self.check_example("node")

    def test_the_readme_shows_them_verbatim(self):
        with open(os.path.join(harness.ROOT, "README.md"), encoding="utf-8") as f:
            blocks = [m.group(1) for m in re.finditer(r"^```[a-z]*\n(.*?)^```$", f.read(), re.S | re.M)]
        for name in ("receiver.py", "receiver.mjs"):
            with open(os.path.join(harness.ROOT, "examples", "webhooks", name), encoding="utf-8") as f:
                self.assertIn(f.read(), blocks, "README must show examples/webhooks/%s exactly" % name)


class BlockPrivateTest(harness.ApiTestCase):
    """serve --webhook-block-private: a receiver on loopback is refused after name resolution."""

    def test_loopback_receivers_are_refused(self):
        with harness.Server(admin=True, extra_args=["--webhook-block-private"]) as s:
            self.srv = s
            org = s.admin_org()
            recv = Receiver()
            self.addCleanup(recv.stop)
            for url in (recv.url(), "http://localhost:%d/hook" % recv.port):
                e = s.admin("POST", "/webhooks", {"orgUUID": org.org, "url": url, "events": ["conversation.imported"]})
                self.assertEqual(e.status, 201, e)
                s.secrets.add(e.body["secret"])
            s.import_conv(org.key, org.admin)
            for ep in s.admin("GET", "/webhooks?orgUUID=" + org.org).body["data"]:
                deadline = time.monotonic() + 20
                while True:
                    ds = s.admin("GET", "/webhooks/%s/deliveries" % ep["id"]).body["data"]
                    if ds and ds[0]["attempts"]:
                        break
                    self.assertLess(time.monotonic(), deadline, ds)
                    time.sleep(0.05)
                self.assertIn("not public", ds[0]["attempts"][0]["error"])
            self.assertEqual(recv.requests, [])


if __name__ == "__main__":
    unittest.main()
