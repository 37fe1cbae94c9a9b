"""test_get.py - GET /v2/conversations/{id} (by id and external id, transcript forms, include_* filters),
GET /v2/conversations/by-external-id/{externalId}, and what user-level keys may see."""

import sys
import unittest
import urllib.parse

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
from harness import UNKNOWN_UUID, transcript_v1, transcript_v2

srv = None
A = B = S = None
alice = bob = None
alice_key = bob_key = None
conv = None           # a fully imported conversation of A
seeded = None         # every row of org S (org-level view, archived included)


PARTICIPANTS = [
    {"email": "alice@a.example", "name": "Alice Archer", "accessType": "Internal", "organizer": True},
    {"email": "Carol@Customer.example", "name": "Carol Client", "accessType": "External", "organizer": False},
    {"email": "dan@customer.example", "name": "Dan Buyer"},
]


def setUpModule():
    global srv, A, B, S, alice, bob, alice_key, bob_key, conv, seeded
    srv = harness.module_server()
    A = srv.create_org("get-a", "admin@a.example")
    B = srv.create_org("get-b", "admin@b.example")
    S = srv.create_org("get-seeded", "admin@s.example")
    alice = srv.create_user(A.org, "alice@a.example", first="Alice", last="Archer")
    bob = srv.create_user(A.org, "bob@a.example", first="Bob", last="Bowman")
    alice_key = srv.create_key(A.org, user=alice)[1]
    bob_key = srv.create_key(A.org, user=bob)[1]
    conv = srv.import_conv(
        A.key, alice, conversationTitle="Q1 Deal Review - Acme Corp",
        conversationStartedAt="2024-03-18T10:00:00Z", applicationExternalID="ext-get-1",
        applicationName="crm-sync", opportunityID="opp-123",
        linkedCrmRecords=[{"id": "001ABC123", "code": "Account"}],
        externalMetadata={"participants": PARTICIPANTS, "extra": {"source": "test"}},
        transcript={"v2": transcript_v2(("Alice Archer", "Thanks for joining today", 0.0, 3.0),
                                        ("carol client", "Happy to be here", 3.5, 5.25))})
    srv.seed(S.org, 300, 7)
    seeded, _ = srv.list_all(S.key, "/v2/conversations/list",
                             params=[("filter[include_archived]", "true"), ("withCrmRecords", "true")])


class GetTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def one(self, cid, key=None, params=None):
        path = "/v2/conversations/" + cid
        if params:
            path += "?" + urllib.parse.urlencode(params)
        return srv.req("GET", path, A.key if key is None else key)

    # ---- basic shape -------------------------------------------------------------
    def test_get_one(self):
        res = self.assertOk(self.one(conv))
        a = self.assertResource(res, transcript="object")
        self.assertEqual(res["id"], conv)
        self.assertEqual(a["title"], "Q1 Deal Review - Acme Corp")
        self.assertEqual(a["createdAt"], "2024-03-18T10:00:00.000Z")
        self.assertEqual(a["userUUID"], alice)
        self.assertEqual(a["user"]["uuid"], alice)
        self.assertEqual(a["user"]["email"], "alice@a.example")
        self.assertEqual(a["user"]["firstName"], "Alice")
        self.assertEqual(a["user"]["lastName"], "Archer")
        self.assertEqual(a["teamUUID"], A.team)
        self.assertIs(a["archived"], False)
        self.assertIs(a["isEmpty"], False)
        self.assertEqual(a["importStatus"], "FINISHED")
        self.assertEqual(a["transcriptStatus"], "COMPLETED")
        self.assertEqual(a["linkedCrmRecords"], [{"id": "001ABC123", "code": "Account"}])
        self.assertEqual(a["externalOpportunity"].get("uuid"), "opp-123")
        self.assertEqual(set(a["transcript"]), {"v1", "v2"})
        self.assertEqual(a["mediaDuration"], 5.25)

    def test_internal_participants_hidden_by_default(self):
        a = self.assertOk(self.one(conv))["attributes"]
        emails = sorted(p["email"].lower() for p in a["participants"])
        self.assertEqual(emails, ["carol@customer.example", "dan@customer.example"])
        a = self.assertOk(self.one(conv, params={"filter[include_internal_participants]": "true"}))["attributes"]
        emails = sorted(p["email"].lower() for p in a["participants"])
        self.assertEqual(emails, ["alice@a.example", "carol@customer.example", "dan@customer.example"])
        alice_p = [p for p in a["participants"] if p["email"].lower() == "alice@a.example"][0]
        self.assertEqual(alice_p["name"], "Alice Archer")
        self.assertIs(alice_p["organizer"], True)
        a = self.assertOk(self.one(conv, params={"filter[include_internal_participants]": "false"}))["attributes"]
        self.assertEqual(len(a["participants"]), 2)

    def test_include_import_and_zoom_metadata(self):
        a = self.assertOk(self.one(conv))["attributes"]
        self.assertEqual(a["importMetadata"], {})
        self.assertEqual(a["zoomMetadata"], {})
        a = self.assertOk(self.one(conv, params={"filter[include_import_metadata]": "true"}))["attributes"]
        self.assertIsInstance(a["importMetadata"], dict)
        self.assertNotEqual(a["importMetadata"], {}, "an imported conversation has import metadata")
        self.assertEqual(a["zoomMetadata"], {})
        a = self.assertOk(self.one(conv, params={"filter[include_zoom_metadata]": "true"}))["attributes"]
        self.assertEqual(a["importMetadata"], {})
        self.assertIsInstance(a["zoomMetadata"], dict)
        # seeded rows: zoom metadata appears only when asked for
        with_zoom = 0
        for row in seeded[:60]:
            plain = self.assertOk(self.one(row["id"], key=S.key))["attributes"]
            self.assertEqual(plain["zoomMetadata"], {})
            self.assertEqual(plain["importMetadata"], {})
            z = self.assertOk(self.one(row["id"], key=S.key,
                                       params={"filter[include_zoom_metadata]": "1"}))["attributes"]["zoomMetadata"]
            if z:
                with_zoom += 1
                self.assertLessEqual({"calleeName", "calleeNumber", "callerName", "callerNumber"}, set(z))

    def test_bad_boolean_filter_on_get_one(self):
        self.assertProblem(self.one(conv, params={"filter[include_zoom_metadata]": "maybe"}), 400,
                           detail_has="include_zoom_metadata")
        self.assertProblem(self.one(conv, params={"detailedTranscript": "yes please"}), 400,
                           detail_has="detailedTranscript")

    # ---- transcript forms ----------------------------------------------------------
    def test_transcript_object_form(self):
        t = self.assertOk(self.one(conv))["attributes"]["transcript"]
        v1 = t["v1"]["final"]
        self.assertEqual([s["speaker"] for s in v1], ["Alice Archer", "carol client"])
        self.assertEqual([s["sentence"] for s in v1], ["Thanks for joining today", "Happy to be here"])
        self.assertEqual(v1[0]["startTimestamp"], 0.0)
        self.assertEqual(v1[1]["endTimestamp"], 5.25)
        v2 = t["v2"]["final"]
        self.assertEqual([w["text"] for w in v2[1]["words"]], ["Happy", "to", "be", "here"])

    def test_detailed_transcript(self):
        for params in ({"detailedTranscript": "true"}, {"detailedTranscript": "1"}):
            a = self.assertOk(self.one(conv, params=params))["attributes"]
            t = a["transcript"]
            self.assertIsInstance(t, list)
            self.assertEqual(len(t), 2)
            self.assertEqual(t[0]["speaker"]["name"], "Alice Archer")
            self.assertEqual(t[0]["speaker"]["email"], "alice@a.example")
            self.assertEqual(t[1]["speaker"]["name"], "carol client")
            self.assertEqual(t[1]["speaker"]["email"].lower(), "carol@customer.example",
                             "speaker email found by case-insensitive name match")
            self.assertEqual([w["text"] for w in t[0]["words"]], ["Thanks", "for", "joining", "today"])
            for seg in t:
                for w in seg["words"]:
                    self.assertEqual(set(w), {"text", "startTimestamp", "endTimestamp"})
        a = self.assertOk(self.one(conv, params={"detailedTranscript": "false"}))["attributes"]
        self.assertIsInstance(a["transcript"], dict)

    def test_detailed_transcript_from_v1_only(self):
        cid = srv.import_conv(A.key, alice, transcript={"v1": transcript_v1(
            ("Zed", "first sentence here", 1.0, 2.0), ("Yan", "second", 2.5, 4.0))})
        t = self.assertOk(self.one(cid, params={"detailedTranscript": "true"}))["attributes"]["transcript"]
        self.assertEqual(len(t), 2)
        self.assertEqual(t[0]["speaker"], {"name": "Zed", "email": ""})
        self.assertEqual(t[0]["words"], [{"text": "first sentence here", "startTimestamp": 1.0,
                                          "endTimestamp": 2.0}])

    def test_hide_transcript(self):
        a = self.assertOk(self.one(conv, params={"filter[hide_transcript]": "true"}))["attributes"]
        self.assertEqual(a["transcript"], {})
        a = self.assertOk(self.one(conv, params={"filter[hide_transcript]": "false"}))["attributes"]
        self.assertNotEqual(a["transcript"], {})

    # ---- by external id ------------------------------------------------------------------
    def test_by_external_id_param(self):
        res = self.assertOk(srv.req("GET", "/v2/conversations/ext-get-1?by=external_id", A.key))
        self.assertEqual(res["id"], conv)
        self.assertResource(res, transcript="object")
        self.assertEqual(self.assertOk(srv.req("GET", "/v2/conversations/%s?by=id" % conv, A.key))["id"], conv)
        self.assertNotFound(srv.req("GET", "/v2/conversations/ext-get-1", A.key))   # by=id is the default
        self.assertNotFound(srv.req("GET", "/v2/conversations/no-such-ext?by=external_id", A.key))
        self.assertNotFound(srv.req("GET", "/v2/conversations/ext-get-1?by=external_id", B.key))
        self.assertNotFound(srv.req("GET", "/v2/conversations/%s?by=external_id" % conv, A.key))
        self.assertProblem(srv.req("GET", "/v2/conversations/ext-get-1?by=nonsense", A.key), 400,
                           detail_has="by")
        d = self.assertOk(srv.req("GET", "/v2/conversations/ext-get-1?by=external_id&detailedTranscript=true",
                                  A.key))
        self.assertIsInstance(d["attributes"]["transcript"], list)

    def test_by_external_id_endpoint(self):
        r = srv.req("GET", "/v2/conversations/by-external-id/ext-get-1", A.key)
        self.assertEqual(self.assertOk(r), {"conversation_id": conv})
        self.assertNotFound(srv.req("GET", "/v2/conversations/by-external-id/unknown-ext", A.key))
        self.assertNotFound(srv.req("GET", "/v2/conversations/by-external-id/ext-get-1", B.key))
        self.assertUnauthorized(srv.req("GET", "/v2/conversations/by-external-id/ext-get-1"))
        cid = srv.import_conv(A.key, bob, applicationExternalID="ext with space é")
        r = srv.req("GET", "/v2/conversations/by-external-id/" + urllib.parse.quote("ext with space é", safe=""),
                    A.key)
        self.assertEqual(self.assertOk(r), {"conversation_id": cid})
        self.assertEqual(self.assertOk(srv.req("GET", "/v2/conversations/by-external-id/ext-get-1",
                                               bob_key)), {"conversation_id": conv})

    def test_by_external_id_with_encoded_slash(self):
        cid = srv.import_conv(A.key, bob, applicationExternalID="crm/0061/x")
        r = srv.req("GET", "/v2/conversations/by-external-id/crm%2F0061%2Fx", A.key)
        self.assertEqual(self.assertOk(r), {"conversation_id": cid})
        r = srv.req("GET", "/v2/conversations/crm%2F0061%2Fx?by=external_id", A.key)
        self.assertEqual(self.assertOk(r)["id"], cid)

    # ---- 404 and tenancy ------------------------------------------------------------------
    def test_unknown_ids(self):
        for bad in (UNKNOWN_UUID, "not-a-uuid", "..%2Fetc", "%00", "%zz", "12345", conv.upper() + "x"):
            self.assertNotFound(srv.req("GET", "/v2/conversations/" + bad, A.key))
        self.assertAlive()

    def test_other_organization_cannot_see(self):
        self.assertNotFound(self.one(conv, key=B.key))
        self.assertNotFound(self.one(conv, key=S.key))
        for path in ("/v2/conversations", "/v2/conversations/list"):
            rows, _ = srv.list_all(B.key, path, params=[("filter[include_archived]", "true")],
                                   size=50)
            self.assertNotIn(conv, [x["id"] for x in rows])
        for row in seeded[:5]:
            self.assertNotFound(self.one(row["id"], key=A.key))

    def test_archived_still_returned(self):
        cid = srv.import_conv(A.key, alice, conversationTitle="to be archived")
        self.assertOk(srv.req("DELETE", "/v2/conversations/" + cid, A.key))
        a = self.assertResource(self.assertOk(self.one(cid)))
        self.assertIs(a["archived"], True)
        self.assertIn("archivedAt", a)

    # ---- seeded data: every row renders as a valid resource ------------------------------
    def test_seeded_rows_are_valid(self):
        self.assertEqual(len(seeded), 300, "seed --count 300 made %d rows" % len(seeded))
        for row in seeded:
            self.assertResource(row, transcript="text")
        for row in seeded[::25]:
            self.assertResource(self.assertOk(self.one(row["id"], key=S.key)), transcript="object")
            self.assertResource(self.assertOk(self.one(row["id"], key=S.key,
                                                       params={"detailedTranscript": "true"})),
                                transcript="detailed")

    # ---- user-level keys and private conversations --------------------------------------
    def test_user_key_sees_non_private_of_others(self):
        a = self.assertOk(self.one(conv, key=bob_key))["attributes"]
        self.assertIs(a["private"], False)
        self.assertEqual(a["userUUID"], alice)

    def test_user_key_and_private_conversations(self):
        private = [r for r in seeded if r["attributes"]["private"]]
        public = [r for r in seeded if not r["attributes"]["private"]]
        if not private or not public:
            self.skipTest("seed made no private (or no public) conversation")
        row = private[0]
        owner = row["attributes"]["userUUID"]
        owner_key = srv.create_key(S.org, user=owner, name="owner")[1]
        stranger = srv.create_user(S.org, "stranger@s.example")
        stranger_key = srv.create_key(S.org, user=stranger, name="stranger")[1]
        # the owner sees it, a stranger in the same org does not (404, not 403)
        self.assertEqual(self.assertOk(self.one(row["id"], key=owner_key))["id"], row["id"])
        self.assertNotFound(self.one(row["id"], key=stranger_key))
        self.assertNotFound(srv.req("DELETE", "/v2/conversations/" + row["id"], stranger_key))
        self.assertOk(self.one(public[0]["id"], key=stranger_key))
        # lists: the stranger sees every non-private row and no private one
        rows, total = srv.list_all(stranger_key, "/v2/conversations/list",
                                   params=[("filter[include_archived]", "true")])
        ids = {x["id"] for x in rows}
        self.assertEqual(ids, {x["id"] for x in public})
        self.assertEqual(total, len(public))
        # the owner sees the public rows plus its own private ones
        rows, total = srv.list_all(owner_key, "/v2/conversations/list",
                                   params=[("filter[include_archived]", "true")])
        want = {x["id"] for x in public} | {x["id"] for x in private
                                             if x["attributes"]["userUUID"] == owner}
        self.assertEqual({x["id"] for x in rows}, want)


if __name__ == "__main__":
    unittest.main()
