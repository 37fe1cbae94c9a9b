"""test_import.py - POST /v2/conversations/import (spec §4.2): defaults, validation, permissions,
duplicate external ids, and the transcript round trip into every output shape (spec §3.1)."""

import time
import sys
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
from harness import TIME_RE, UUID_RE, transcript_v1, transcript_v2

srv = None
A = B = None
alice = bob = None
alice_key = None
IMPORT = "/v2/conversations/import"
MEDIA = "https://media.example.com/call.mp4"


def setUpModule():
    global srv, A, B, alice, bob, alice_key
    srv = harness.module_server()
    A = srv.create_org("import-a", "admin@i.example")
    B = srv.create_org("import-b", "admin@ib.example")
    alice = srv.create_user(A.org, "alice@i.example", first="Alice", last="Import")
    bob = srv.create_user(A.org, "bob@i.example", first="Bob")
    alice_key = srv.create_key(A.org, user=alice)[1]


class ImportTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def post(self, body, key=None, **kw):
        return srv.req("POST", IMPORT, A.key if key is None else key, body, **kw)

    def get_one(self, cid, query="", key=None):
        return self.assertOk(srv.req("GET", "/v2/conversations/%s%s" % (cid, query), key or A.key))

    def list_row(self, cid, path="/v2/conversations/list", query=""):
        rows, _ = srv.list_all(A.key, path, params=[tuple(p.split("=", 1)) for p in query.split("&") if p])
        found = [r for r in rows if r["id"] == cid]
        self.assertEqual(len(found), 1, "%s in %s" % (cid, path))
        return found[0]["attributes"]

    # ---- minimal import ------------------------------------------------------------
    def test_minimal(self):
        before = time.time()
        r = self.post({"mediaURL": MEDIA, "userID": alice})
        b = self.assertOk(r)
        self.assertEqual(set(b), {"uuid"})
        self.assertRegex(b["uuid"], UUID_RE)
        self.assertEqual(b["uuid"][14], "7", "new ids are UUIDv7")
        res = self.get_one(b["uuid"])
        a = self.assertResource(res, transcript="object")
        self.assertEqual(a["userUUID"], alice)
        self.assertEqual(a["teamUUID"], A.team)
        self.assertEqual(a["title"], "Imported conversation")
        self.assertEqual(a["importStatus"], "PENDING")
        self.assertEqual(a["transcriptStatus"], "PENDING")
        self.assertIs(a["isEmpty"], True)
        self.assertIs(a["archived"], False)
        self.assertEqual(a["transcript"], {})
        self.assertEqual(a["participants"], [])
        created = time.mktime(time.strptime(a["createdAt"][:19] + "Z", "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
        self.assertLessEqual(abs(created - before), 120, "createdAt defaults to now")
        self.assertEqual(a["user"]["email"], "alice@i.example")
        # empty conversations are on /list, not on /conversations
        self.list_row(b["uuid"])
        rows, _ = srv.list_all(A.key, "/v2/conversations", size=100)
        self.assertNotIn(b["uuid"], [x["id"] for x in rows])

    def test_vnd_api_json_and_charset_accepted(self):
        for ct in ("application/vnd.api+json", "application/json; charset=utf-8", "Application/JSON"):
            r = self.post({"mediaURL": MEDIA, "userID": alice}, headers={"Content-Type": ct})
            self.assertRegex(self.assertOk(r)["uuid"], UUID_RE, ct)

    def test_all_fields(self):
        body = {
            "mediaURL": "http://media.example.com:8080/a/b.mp3?sig=1", "userID": bob,
            "applicationName": "gong-sync", "applicationExternalID": "all-fields-1",
            "conversationTitle": "Full import \u2603", "conversationStartedAt": "2024-03-18T12:00:00.750+02:00",
            "headers": [{"key": "X-Token", "value": "abc"}], "opportunityID": "0061234",
            "linkedCrmRecords": [{"id": "001A", "code": "Account"}, {"id": "003B", "code": "Contact"}],
            "skipScorecardCalculation": True, "skipCRMFieldsCalculation": False, "skipOpportunitiesExport": True,
            "transcriptionSettings": {"language": "en"},
            "externalMetadata": {"participants": [
                {"email": "bob@i.example", "name": "Bob", "accessType": "Internal", "organizer": True},
                {"email": "Eve@Buyer.example", "name": "Eve", "accessType": "External", "organizer": False}],
                "extra": {"crm": "sf"}},
            "transcript": {"v2": transcript_v2(("Bob", "hello Eve", 0, 2), ("Eve", "hi Bob how are you", 2, 6.5))},
            "someUnknownField": {"ignored": [1, 2, 3]},
        }
        cid = self.assertOk(self.post(body))["uuid"]
        a = self.assertResource(self.get_one(cid), transcript="object")
        self.assertEqual(a["title"], "Full import \u2603")
        self.assertEqual(a["createdAt"], "2024-03-18T10:00:00.750Z", "canonical UTC, millisecond precision")
        self.assertEqual(a["userUUID"], bob)
        self.assertEqual(a["importStatus"], "FINISHED")
        self.assertEqual(a["transcriptStatus"], "COMPLETED")
        self.assertIs(a["isEmpty"], False)
        self.assertEqual(a["mediaDuration"], 6.5)
        self.assertEqual(a["linkedCrmRecords"], body["linkedCrmRecords"])
        self.assertEqual(a["externalOpportunity"].get("uuid"), "0061234")
        self.assertEqual([p["email"].lower() for p in a["participants"]], ["eve@buyer.example"])
        # an external participant's id is its email (beyond.md §0)
        self.assertEqual(a["participants"][0]["id"], "Eve@Buyer.example")
        a2 = self.get_one(cid, "?filter[include_internal_participants]=true")["attributes"]
        self.assertEqual(sorted(p["email"].lower() for p in a2["participants"]), ["bob@i.example", "eve@buyer.example"])
        org = [p for p in a2["participants"] if p["email"] == "bob@i.example"][0]
        self.assertIs(org["organizer"], True)
        self.assertEqual(org["name"], "Bob")

    # ---- transcripts ------------------------------------------------------------------
    def test_transcript_v2_round_trip(self):
        v2 = transcript_v2(("Ann Lee", "good morning everyone", 0.5, 3.0), ("Raj", "morning", 3.25, 4.0))
        cid = srv.import_conv(A.key, alice, transcript={"v2": v2},
                              externalMetadata={"participants": [{"email": "ann@x.example", "name": "ann lee"}]})
        t = self.get_one(cid)["attributes"]["transcript"]
        self.assertEqual(set(t), {"v1", "v2"}, "v1 is derived from v2")
        self.assertEqual(t["v2"]["final"], v2["final"])
        self.assertEqual(t["v1"]["final"], [
            {"speaker": "Ann Lee", "sentence": "good morning everyone", "startTimestamp": 0.5, "endTimestamp": 3.0},
            {"speaker": "Raj", "sentence": "morning", "startTimestamp": 3.25, "endTimestamp": 4.0}])
        # lists: plain text
        self.assertEqual(self.list_row(cid)["transcript"], "Ann Lee: good morning everyone\nRaj: morning\n")
        self.assertEqual(self.list_row(cid, "/v2/conversations")["transcript"],
                         "Ann Lee: good morning everyone\nRaj: morning\n")
        # detailed: array with emails from participants
        d = self.get_one(cid, "?detailedTranscript=true")["attributes"]["transcript"]
        self.assertEqual(d, [
            {"speaker": {"name": "Ann Lee", "email": "ann@x.example"}, "words": v2["final"][0]["words"]},
            {"speaker": {"name": "Raj", "email": ""}, "words": v2["final"][1]["words"]}])
        d = self.list_row(cid, query="detailedTranscript=true")["transcript"]
        self.assertEqual(d[0]["speaker"]["email"], "ann@x.example")
        a = self.get_one(cid)["attributes"]
        self.assertEqual(a["mediaDuration"], 4.0)
        self.assertIs(a["isEmpty"], False)

    def test_transcript_v1_round_trip(self):
        v1 = transcript_v1(("Kim", "first point", 0, 2), ("Lou", "second point here", 2, 7.5))
        cid = srv.import_conv(A.key, alice, transcript={"v1": v1},
                              externalMetadata={"participants": [{"email": "lou@x.example", "name": "Lou"}]})
        t = self.get_one(cid)["attributes"]["transcript"]
        self.assertEqual(set(t), {"v1"})
        self.assertEqual(t["v1"]["final"], v1["final"])
        self.assertEqual(self.list_row(cid)["transcript"], "Kim: first point\nLou: second point here\n")
        d = self.get_one(cid, "?detailedTranscript=true")["attributes"]["transcript"]
        self.assertEqual(d, [
            {"speaker": {"name": "Kim", "email": ""},
             "words": [{"text": "first point", "startTimestamp": 0, "endTimestamp": 2}]},
            {"speaker": {"name": "Lou", "email": "lou@x.example"},
             "words": [{"text": "second point here", "startTimestamp": 2, "endTimestamp": 7.5}]}])
        self.assertEqual(self.get_one(cid)["attributes"]["mediaDuration"], 7.5)

    def test_transcript_v1_and_v2(self):
        v1 = transcript_v1(("A", "one two", 0, 1))
        v2 = transcript_v2(("A", "one two", 0, 1))
        v1["pieceInFlux"] = ""
        v2["pieceInFlux"] = {"speaker": "A", "words": []}
        cid = srv.import_conv(A.key, alice, transcript={"v1": v1, "v2": v2})
        t = self.get_one(cid)["attributes"]["transcript"]
        self.assertEqual(t["v1"]["final"], v1["final"])
        self.assertEqual(t["v2"]["final"], v2["final"])

    def test_empty_transcript(self):
        for tr in ({}, {"v2": {"final": []}}, {"v1": {"final": []}}):
            cid = srv.import_conv(A.key, alice, transcript=tr)
            a = self.get_one(cid)["attributes"]
            self.assertIs(a["isEmpty"], True, tr)
            self.assertEqual(a["mediaDuration"], 0)
            self.assertEqual(self.list_row(cid)["transcript"], "")

    def test_bad_transcripts(self):
        for tr, field in (("text", "transcript"), ({"v2": {"final": "x"}}, "transcript.v2.final"),
                          ({"v2": {"final": [{"speaker": "a", "words": [{"text": "w", "startTimestamp": "0",
                                                                          "endTimestamp": 1}]}]}},
                           "startTimestamp"),
                          ({"v1": {"final": [{"speaker": 3, "sentence": "s", "startTimestamp": 0,
                                              "endTimestamp": 1}]}}, "speaker"),
                          ({"v1": [1]}, "transcript.v1")):
            self.assertProblem(self.post({"mediaURL": MEDIA, "userID": alice, "transcript": tr}), 400,
                               detail_has=field)

    # ---- validation ----------------------------------------------------------------------
    def test_required_fields(self):
        self.assertProblem(self.post({"userID": alice}), 400, detail_has="mediaURL")
        self.assertProblem(self.post({"mediaURL": MEDIA}), 400, detail_has="userID")
        self.assertProblem(self.post({}), 400)
        self.assertProblem(self.post({"mediaURL": "", "userID": alice}), 400, detail_has="mediaURL")

    def test_wrong_types(self):
        base = {"mediaURL": MEDIA, "userID": alice}
        for field, value in (("mediaURL", 42), ("userID", 7), ("userID", None), ("conversationTitle", 5),
                             ("conversationTitle", ["x"]), ("applicationExternalID", 12),
                             ("applicationName", {}), ("conversationStartedAt", 1710756000),
                             ("conversationStartedAt", "yesterday"), ("headers", {"a": "b"}),
                             ("headers", [{"key": 1, "value": "b"}]), ("opportunityID", 99),
                             ("linkedCrmRecords", "001A"), ("linkedCrmRecords", [{"id": 1, "code": "Account"}]),
                             ("skipScorecardCalculation", "true"), ("transcriptionSettings", "en"),
                             ("externalMetadata", []), ("externalMetadata", {"participants": {}}),
                             ("externalMetadata", {"participants": [{"email": 1}]})):
            body = dict(base)
            body[field] = value
            self.assertProblem(self.post(body), 400, detail_has=field)

    def test_bad_urls(self):
        for url in ("ftp://media.example.com/a.mp4", "http://", "https:///path", "media.example.com/a.mp4",
                    "javascript:alert(1)", "file:///etc/passwd", "http//x", " https://a.example/x"):
            self.assertProblem(self.post({"mediaURL": url, "userID": alice}), 400, detail_has="mediaURL")
        self.assertOk(self.post({"mediaURL": "HTTPS://Media.Example.com/x", "userID": alice}))

    def test_body_must_be_an_object(self):
        for body in ("[]", "null", "\"x\"", "3", "[{\"mediaURL\":\"https://a.example/b\"}]"):
            self.assertProblem(self.post(body), 400)

    def test_user_id_is_case_insensitive_and_stored_lowercase(self):
        cid = self.assertOk(self.post({"mediaURL": MEDIA, "userID": alice.upper()}))["uuid"]
        a = self.get_one(cid)["attributes"]
        self.assertEqual(a["userUUID"], alice)
        self.assertEqual(cid, cid.lower())

    def test_user_of_other_org_or_unknown(self):
        for uid in (B.admin, harness.UNKNOWN_UUID):
            self.assertProblem(self.post({"mediaURL": MEDIA, "userID": uid}), 400, detail_has="userID")
        self.assertProblem(self.post({"mediaURL": MEDIA, "userID": "not-a-uuid"}), 400, detail_has="userID")
        self.assertProblem(self.post({"mediaURL": MEDIA, "userID": alice}, key=B.key), 400, detail_has="userID")

    def test_user_level_key(self):
        r = self.post({"mediaURL": MEDIA, "userID": bob}, key=alice_key)
        self.assertProblem(r, 403)
        r = self.post({"mediaURL": MEDIA, "userID": alice}, key=alice_key)
        cid = self.assertOk(r)["uuid"]
        self.assertEqual(self.get_one(cid)["attributes"]["userUUID"], alice)

    def test_auth_required(self):
        self.assertUnauthorized(srv.req("POST", IMPORT, None, {"mediaURL": MEDIA, "userID": alice}))
        self.assertUnauthorized(srv.req("POST", IMPORT, "prl_nope", {"mediaURL": MEDIA, "userID": alice},
                                        auth_form="bare"))

    # ---- external ids -------------------------------------------------------------------
    def test_duplicate_external_id(self):
        first = srv.import_conv(A.key, alice, applicationExternalID="dup-1")
        r = self.post({"mediaURL": MEDIA, "userID": bob, "applicationExternalID": "dup-1"})
        self.assertProblem(r, 409)
        self.assertEqual(r.body.get("conversationUUID"), first)
        # the first one is unchanged and no second row appeared
        self.assertEqual(self.get_one(first)["attributes"]["userUUID"], alice)
        _, n_before = srv.list_all(A.key, "/v2/conversations/list", params=[("filter[owner.id]", bob)])
        self.assertProblem(self.post({"mediaURL": MEDIA, "userID": bob, "applicationExternalID": "dup-1"}), 409)
        _, n_after = srv.list_all(A.key, "/v2/conversations/list", params=[("filter[owner.id]", bob)])
        self.assertEqual(n_before, n_after, "a refused import creates nothing")
        self.assertEqual(self.assertOk(srv.req("GET", "/v2/conversations/by-external-id/dup-1", A.key)),
                         {"conversation_id": first})
        # case matters: a different external id
        self.assertOk(self.post({"mediaURL": MEDIA, "userID": bob, "applicationExternalID": "DUP-1"}))
        # archived conversations still hold their external id
        srv.req("DELETE", "/v2/conversations/" + first, A.key)
        r = self.post({"mediaURL": MEDIA, "userID": bob, "applicationExternalID": "dup-1"})
        self.assertProblem(r, 409)
        self.assertEqual(r.body.get("conversationUUID"), first)

    def test_concurrent_duplicate_external_ids(self):
        import threading
        results = []

        def worker():
            results.append(srv.req("POST", IMPORT, A.key, {"mediaURL": MEDIA, "userID": alice,
                                                           "applicationExternalID": "race-1"}))

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        ok = [r for r in results if r.status == 200]
        self.assertEqual(len(ok), 1, [r.status for r in results])
        winner = ok[0].body["uuid"]
        for r in results:
            if r.status != 200:
                self.assertProblem(r, 409)
                self.assertEqual(r.body.get("conversationUUID"), winner)

    def test_strings_round_trip_exactly(self):
        title = 'quote " backslash \\ slash / nl \n tab \t ctrl \x01 \x1f del \x7f emoji \U0001F600 </script> \u2028'
        title = title.encode().decode("unicode_escape")
        v1 = transcript_v1(('Sp "eaker" \\', 'said "hi"\tthere', 0, 1))
        cid = srv.import_conv(A.key, alice, conversationTitle=title, applicationExternalID="ext\"quoted\\",
                              transcript={"v1": v1})
        a = self.get_one(cid)["attributes"]
        self.assertEqual(a["title"], title)
        self.assertEqual(a["transcript"]["v1"]["final"][0]["speaker"], 'Sp "eaker" \\')
        self.assertEqual(self.list_row(cid)["title"], title)
        self.assertEqual(self.list_row(cid)["transcript"], 'Sp "eaker" \\: said "hi"\tthere\n')
        r = srv.req("GET", "/v2/conversations/by-external-id/ext%22quoted%5C", A.key)
        self.assertEqual(self.assertOk(r), {"conversation_id": cid})

    def test_large_transcript_is_accepted(self):
        big = " ".join(["word"] * 300000)    # ~1.5 MiB sentence: strings in transcripts are exempt
        cid = srv.import_conv(A.key, alice, transcript={"v1": transcript_v1(("Long", big, 0, 3600))})
        a = self.get_one(cid)["attributes"]
        self.assertEqual(a["transcript"]["v1"]["final"][0]["sentence"], big)
        self.assertEqual(a["mediaDuration"], 3600)
        v2 = transcript_v2(*[("S%d" % (i % 3), "lorem ipsum dolor sit amet", i, i + 1) for i in range(20000)])
        cid = srv.import_conv(A.key, alice, transcript={"v2": v2})   # a ~5 MiB body
        a = self.get_one(cid)["attributes"]
        self.assertEqual(len(a["transcript"]["v1"]["final"]), 20000)
        self.assertEqual(a["mediaDuration"], 20000)

    def test_same_external_id_in_two_orgs(self):
        a = srv.import_conv(A.key, alice, applicationExternalID="shared-ext")
        b = srv.import_conv(B.key, B.admin, applicationExternalID="shared-ext")
        self.assertNotEqual(a, b)
        self.assertEqual(self.assertOk(srv.req("GET", "/v2/conversations/by-external-id/shared-ext", A.key)),
                         {"conversation_id": a})
        self.assertEqual(self.assertOk(srv.req("GET", "/v2/conversations/by-external-id/shared-ext", B.key)),
                         {"conversation_id": b})

    def test_imported_into_own_org_only(self):
        cid = srv.import_conv(B.key, B.admin, conversationTitle="B only")
        self.assertNotFound(srv.req("GET", "/v2/conversations/" + cid, A.key))
        self.assertEqual(self.get_one(cid, key=B.key)["attributes"]["teamUUID"], B.team)

    def test_long_title_limit(self):
        self.assertOk(self.post({"mediaURL": MEDIA, "userID": alice, "conversationTitle": "t" * 500}))
        self.assertProblem(self.post({"mediaURL": MEDIA, "userID": alice, "conversationTitle": "t" * 100000}),
                           400, detail_has="conversationTitle")

    def test_created_at_forms(self):
        for given, want in (("2024-01-02T03:04:05Z", "2024-01-02T03:04:05.000Z"),
                            ("2024-01-02T03:04:05.999Z", "2024-01-02T03:04:05.999Z"),
                            ("2024-01-02T03:04:05.9999Z", "2024-01-02T03:04:05.999Z"),
                            ("2024-01-02T03:04:05.5Z", "2024-01-02T03:04:05.500Z"),
                            ("2024-01-02T00:04:05.123-03:00", "2024-01-02T03:04:05.123Z"),
                            ("2024-01-02t03:04:05z", "2024-01-02T03:04:05.000Z")):
            cid = srv.import_conv(A.key, alice, conversationStartedAt=given)
            self.assertEqual(self.get_one(cid)["attributes"]["createdAt"], want, given)
        self.assertRegex(self.get_one(cid)["attributes"]["createdAt"], TIME_RE)


if __name__ == "__main__":
    unittest.main()
