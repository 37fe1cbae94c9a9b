"""test_updates.py - the conversation changes end to end: PUT /v2/conversations/{id}, …/title, …/labels,
…/change_privacy, …/linked-crm-records, POST …/crm/confirm, POST /v2/changeConversationOpportunity."""

import sys
import threading
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
from harness import UNKNOWN_UUID, q, transcript_v2  # noqa: E402

srv = None
A = B = None          # Org tuples
alice = bob = None    # users of A
alice_key = bob_key = None


def setUpModule():
    global srv, A, B, alice, bob, alice_key, bob_key
    srv = harness.module_server()
    A = srv.create_org("updates-a", "admin@ua.example")
    B = srv.create_org("updates-b", "admin@ub.example")
    alice = srv.create_user(A.org, "alice@ua.example", first="Alice", last="Able")
    bob = srv.create_user(A.org, "bob@ua.example", first="Bob", last="Baker")
    alice_key = srv.create_key(A.org, user=alice, name="alice")[1]
    bob_key = srv.create_key(A.org, user=bob, name="bob")[1]


def new_conv(owner=None, key=None, **fields):
    """An imported conversation of A (owner alice unless given) with a transcript."""
    fields.setdefault("conversationTitle", "Quarterly review")
    fields.setdefault("transcript", {"v2": transcript_v2(("Alice", "hello there", 0.0, 2.0))})
    return srv.import_conv(key or A.key, owner or alice, **fields)


def logs_of(cid, key=None, **params):
    """The workflow-log entries of one conversation, newest first."""
    p = [("conversationUUIDs", cid), ("limit", "1000")] + list(params.items())
    r = srv.req("GET", q("/v2/conversations/workflow-logs", p), key or A.key)
    assert r.status == 200, r
    return r.body["data"]


class Base(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def put(self, path, body=None, key=None, **kw):
        return srv.req("PUT", path, A.key if key is None else key, body, **kw)

    def post(self, path, body=None, key=None, **kw):
        return srv.req("POST", path, A.key if key is None else key, body, **kw)

    def attrs(self, cid, key=None):
        return self.assertOk(srv.req("GET", "/v2/conversations/" + cid, key or A.key))["attributes"]

    def changed(self, r, cid):
        """r is 200 with the whole resource of cid (object transcript); returns its attributes."""
        res = self.assertOk(r)
        self.assertEqual(res["id"], cid)
        return self.assertResource(res, transcript="object")

    def assertBad(self, r, *detail_has):
        self.assertProblem(r, 400, detail_has=detail_has)

    def assertRefused(self, r, cid, workflow):
        """403 for a user-level key on someone else's conversation, recorded as a failed entry."""
        self.assertProblem(r, 403, code="forbidden")
        failed = [e for e in logs_of(cid, success="false") if e["workflowName"] == workflow]
        self.assertTrue(failed, "a refused %s must leave a failed workflow-log entry" % workflow)
        self.assertIs(failed[0]["success"], False)
        self.assertIn("forbidden", failed[0]["error"])

    def common_errors(self, method, suffix, good_body, workflow):
        """Every error status a /conversations/{id}/… change can give, checked once per endpoint."""
        cid = new_conv()
        before = self.attrs(cid)
        path = "/v2/conversations/" + cid + suffix
        # 401
        self.assertUnauthorized(srv.req(method, path, None, good_body))
        self.assertUnauthorized(srv.req(method, path, "not-a-key", good_body))
        # 404: unknown, not a UUID, another organization's
        self.assertNotFound(srv.req(method, "/v2/conversations/" + UNKNOWN_UUID + suffix, A.key, good_body))
        self.assertNotFound(srv.req(method, "/v2/conversations/nope" + suffix, A.key, good_body))
        self.assertNotFound(srv.req(method, path, B.key, good_body))
        # 415: a body that is not JSON
        self.assertProblem(srv.req(method, path, A.key, "title=x", headers={"Content-Type": "text/plain"}), 415)
        # 400: malformed JSON
        self.assertProblem(srv.req(method, path, A.key, "{\"title\":"), 400, code="invalid_json")
        # 403 for another user's key, recorded
        self.assertRefused(srv.req(method, path, bob_key, good_body), cid, workflow)
        # 405 on the same path
        r = srv.req("PATCH", path, A.key, good_body)
        self.assertProblem(r, 405)
        self.assertIn(method, r.headers.get("Allow", ""))
        # nothing changed
        self.assertEqual(self.attrs(cid), before)
        # the owner's own key may
        self.assertOk(srv.req(method, path, alice_key, good_body))


class PutConversationTest(Base):
    def test_title_only_keeps_labels(self):
        cid = new_conv()
        self.assertOk(self.put("/v2/conversations/%s/labels" % cid, {"labels": {"Stage": "Won"}}))
        a = self.changed(self.put("/v2/conversations/" + cid, {"title": "Renewal call"}), cid)
        self.assertEqual(a["title"], "Renewal call")
        self.assertEqual(a["labels"], {"Stage": "Won"})
        self.assertEqual(self.attrs(cid)["title"], "Renewal call")
        self.assertEqual(logs_of(cid)[0]["workflowName"], "title_changed")

    def test_labels_only_replace_the_map(self):
        cid = new_conv()
        self.assertOk(self.put("/v2/conversations/" + cid, {"labels": {"Stage": "Won", "Size": "L"}}))
        a = self.changed(self.put("/v2/conversations/" + cid, {"labels": {"Tone": "warm"}}), cid)
        self.assertEqual(a["labels"], {"Tone": "warm"})
        self.assertEqual(a["title"], "Quarterly review")
        self.assertEqual(logs_of(cid)[0]["workflowName"], "labels_changed")

    def test_both(self):
        cid = new_conv()
        a = self.changed(self.put("/v2/conversations/" + cid, {"title": "Both", "labels": {}, "other": 1}), cid)
        self.assertEqual((a["title"], a["labels"]), ("Both", {}))
        self.assertEqual(logs_of(cid)[0]["workflowName"], "updated")
        got = self.attrs(cid)
        self.assertEqual((got["title"], got["labels"]), ("Both", {}))

    def test_needs_a_field(self):
        cid = new_conv()
        self.assertBad(self.put("/v2/conversations/" + cid, {}), "title or labels")
        self.assertBad(self.put("/v2/conversations/" + cid, {"title": None, "labels": None}), "title or labels")
        self.assertBad(self.put("/v2/conversations/" + cid), "body is required")
        self.assertBad(self.put("/v2/conversations/" + cid, []), "JSON object")

    def test_bad_values_name_the_field(self):
        cid = new_conv()
        self.assertBad(self.put("/v2/conversations/" + cid, {"title": 7}), "title must be a string")
        self.assertBad(self.put("/v2/conversations/" + cid, {"title": ""}), "title", "500")
        self.assertBad(self.put("/v2/conversations/" + cid, {"labels": ["a"]}), "labels must be an object")
        self.assertBad(self.put("/v2/conversations/" + cid, {"labels": {"a": 1}}), 'labels["a"]')
        self.assertBad(self.put("/v2/conversations/" + cid, '{"title":"a","title":"b"}'), "duplicate")
        self.assertEqual(self.attrs(cid)["title"], "Quarterly review")

    def test_errors(self):
        self.common_errors("PUT", "", {"title": "x"}, "title_changed")

    def test_changing_an_archived_conversation_is_allowed(self):
        cid = new_conv()
        self.assertOk(srv.req("DELETE", "/v2/conversations/" + cid, A.key))
        a = self.changed(self.put("/v2/conversations/" + cid, {"title": "Still editable"}), cid)
        self.assertIs(a["archived"], True)
        self.assertEqual(a["title"], "Still editable")

    def test_render_options_apply(self):
        cid = new_conv()
        r = self.put(q("/v2/conversations/" + cid, {"detailedTranscript": "true"}), {"title": "Detailed"})
        self.assertIsInstance(self.assertOk(r)["attributes"]["transcript"], list)
        r = self.put(q("/v2/conversations/" + cid, {"filter[hide_transcript]": "true"}), {"title": "Hidden"})
        self.assertEqual(self.assertOk(r)["attributes"]["transcript"], {})
        self.assertBad(self.put(q("/v2/conversations/" + cid, {"detailedTranscript": "maybe"}), {"title": "x"}),
                       "detailedTranscript")

    def test_title_filter_sees_the_new_title(self):
        cid = new_conv(conversationTitle="Zeppelin kickoff")
        self.assertOk(self.put("/v2/conversations/" + cid, {"title": "Albatross renewal"}))
        rows, _ = srv.list_all(A.key, params=[("filter[title]", "albatross")])
        self.assertIn(cid, [x["id"] for x in rows])
        rows, _ = srv.list_all(A.key, params=[("filter[title]", "zeppelin")])
        self.assertNotIn(cid, [x["id"] for x in rows])


class TitleTest(Base):
    def test_title(self):
        cid = new_conv()
        a = self.changed(self.put("/v2/conversations/%s/title" % cid, {"title": "Démo ✓"}), cid)
        self.assertEqual(a["title"], "Démo ✓")
        self.assertEqual(logs_of(cid)[0]["workflowName"], "title_changed")

    def test_length_counts_characters(self):
        cid = new_conv()
        self.assertEqual(self.assertOk(self.put("/v2/conversations/%s/title" % cid, {"title": "é" * 500}))
                         ["attributes"]["title"], "é" * 500)
        self.assertBad(self.put("/v2/conversations/%s/title" % cid, {"title": "x" * 501}), "title", "501")
        self.assertBad(self.put("/v2/conversations/%s/title" % cid, {"title": ""}), "title")
        self.assertBad(self.put("/v2/conversations/%s/title" % cid, {}), "title is required")
        self.assertBad(self.put("/v2/conversations/%s/title" % cid, {"title": ["x"]}), "title must be a string")

    def test_errors(self):
        self.common_errors("PUT", "/title", {"title": "x"}, "title_changed")


class LabelsTest(Base):
    def test_labels_replace(self):
        cid = new_conv()
        self.assertOk(self.put("/v2/conversations/%s/labels" % cid, {"labels": {"A": "1", "B": "2"}}))
        a = self.changed(self.put("/v2/conversations/%s/labels" % cid,
                                  {"labels": {"C": "3"}, "skip_analysis": True}), cid)
        self.assertEqual(a["labels"], {"C": "3"})
        self.assertEqual(logs_of(cid)[0]["workflowName"], "labels_changed")

    def test_limits(self):
        cid = new_conv()
        self.assertOk(self.put("/v2/conversations/%s/labels" % cid,
                               {"labels": {"c%d" % i: "v" for i in range(200)}}))
        self.assertBad(self.put("/v2/conversations/%s/labels" % cid,
                                {"labels": {"c%d" % i: "v" for i in range(201)}}), "at most 200")
        self.assertBad(self.put("/v2/conversations/%s/labels" % cid, {"labels": {"k" * 201: "v"}}), "labels keys")
        self.assertBad(self.put("/v2/conversations/%s/labels" % cid, {"labels": {"k": "v" * 1001}}), "1000")
        self.assertBad(self.put("/v2/conversations/%s/labels" % cid, {"labels": {"k": None}}), 'labels["k"]')
        self.assertBad(self.put("/v2/conversations/%s/labels" % cid, {"labels": {}, "skip_analysis": "no"}),
                       "skip_analysis")
        self.assertBad(self.put("/v2/conversations/%s/labels" % cid, {"title": "x"}), "labels is required")

    def test_errors(self):
        self.common_errors("PUT", "/labels", {"labels": {"x": "y"}}, "labels_changed")


class PrivacyTest(Base):
    def test_toggle_and_set(self):
        cid = new_conv()
        path = "/v2/conversations/%s/change_privacy" % cid
        self.assertIs(self.changed(self.put(path), cid)["private"], True)
        self.assertIs(self.changed(self.put(path), cid)["private"], False)
        self.assertIs(self.changed(self.put(path, {}), cid)["private"], True)
        self.assertIs(self.changed(self.put(path, {"private": True}), cid)["private"], True)
        self.assertIs(self.changed(self.put(path, {"private": False}), cid)["private"], False)
        names = [e["workflowName"] for e in logs_of(cid)]
        self.assertEqual(names[:5], ["privacy_changed"] * 5)

    def test_private_hides_from_other_users(self):
        cid = new_conv()
        path = "/v2/conversations/%s/change_privacy" % cid
        self.assertOk(srv.req("PUT", path, alice_key, {"private": True}))
        self.assertNotFound(srv.req("GET", "/v2/conversations/" + cid, bob_key))
        self.assertNotFound(srv.req("PUT", path, bob_key))           # not visible: 404, not 403
        self.assertOk(srv.req("GET", "/v2/conversations/" + cid, alice_key))
        self.assertOk(srv.req("PUT", path, A.key, {"private": False}))
        self.assertOk(srv.req("GET", "/v2/conversations/" + cid, bob_key))

    def test_bad_body(self):
        cid = new_conv()
        path = "/v2/conversations/%s/change_privacy" % cid
        self.assertBad(self.put(path, {"private": "yes"}), "private must be a boolean")
        self.assertBad(self.put(path, [True]), "JSON object")
        self.assertIs(self.attrs(cid)["private"], False)

    def test_errors(self):
        self.common_errors("PUT", "/change_privacy", {"private": False}, "privacy_changed")


class LinkedCrmTest(Base):
    def test_replace_both_forms(self):
        cid = new_conv(linkedCrmRecords=[{"id": "old", "code": "deal"}])
        path = "/v2/conversations/%s/linked-crm-records" % cid
        recs = [{"id": "001A", "code": "account"}, {"id": "006B", "code": "opportunity", "stage": "won"}]
        a = self.changed(self.put(path, {"linkedCrmRecords": recs}), cid)
        self.assertEqual(a["linkedCrmRecords"], recs)
        a = self.changed(self.put(path, [{"id": "003C", "code": "contact"}]), cid)
        self.assertEqual(a["linkedCrmRecords"], [{"id": "003C", "code": "contact"}])
        self.assertEqual(logs_of(cid)[0]["workflowName"], "linked_crm_records_changed")
        # the CRM filter follows
        rows, _ = srv.list_all(A.key, params=[("filter[crm_field.entity_code]", "contact"),
                                              ("filter[crm_field.field_name]", "id"),
                                              ("filter[crm_field.values]", "003C")])
        self.assertEqual([x["id"] for x in rows], [cid])
        self.assertEqual(self.changed(self.put(path, []), cid)["linkedCrmRecords"], [])

    def test_bad_records(self):
        cid = new_conv()
        path = "/v2/conversations/%s/linked-crm-records" % cid
        self.assertBad(self.put(path, {}), "linkedCrmRecords is required")
        self.assertBad(self.put(path, {"linkedCrmRecords": {}}), "linkedCrmRecords must be an array")
        self.assertBad(self.put(path, [{"code": "x"}]), "linkedCrmRecords[0].id")
        self.assertBad(self.put(path, [{"id": "1", "code": 5}]), "linkedCrmRecords[0].code")
        self.assertBad(self.put(path, [{"id": str(i), "code": "c"} for i in range(101)]), "at most 100")

    def test_errors(self):
        self.common_errors("PUT", "/linked-crm-records", [{"id": "1", "code": "deal"}], "linked_crm_records_changed")


class CrmConfirmTest(Base):
    def test_merge_by_key(self):
        cid = new_conv()
        path = "/v2/conversations/%s/crm/confirm" % cid
        a = self.changed(self.post(path, {"intelligence": [
            {"id": "i1", "key": "budget", "value": "10k", "title": "Budget"},
            {"id": "i2", "key": "timeline", "value": "Q3", "title": "Timeline"}]}), cid)
        self.assertEqual(a["confirmedExtractedIntelligence"]["budget"],
                         {"id": "i1", "key": "budget", "value": "10k", "title": "Budget", "category": "",
                          "source": ""})
        a = self.changed(self.post(path, {"intelligence": [
            {"id": "i3", "key": "budget", "value": "20k", "title": "Budget", "category": "deal"}]}), cid)
        cei = a["confirmedExtractedIntelligence"]
        self.assertEqual(set(cei), {"budget", "timeline"})
        self.assertEqual(cei["budget"]["value"], "20k")
        self.assertEqual(cei["budget"]["category"], "deal")
        self.assertEqual(cei["timeline"]["value"], "Q3")
        self.assertIsNone(a["externalOpportunity"])
        self.assertEqual(logs_of(cid)[0]["workflowName"], "crm_confirmed")

    def test_opportunity(self):
        cid = new_conv()
        a = self.changed(self.post("/v2/conversations/%s/crm/confirm" % cid,
                                   {"intelligence": [], "opportunity_id": "opp-42"}), cid)
        self.assertEqual(a["externalOpportunity"], {"uuid": "opp-42", "title": ""})
        rows, _ = srv.list_all(A.key, params=[("filter[external_opportunity.id]", "opp-42")])
        self.assertEqual([x["id"] for x in rows], [cid])

    def test_bad_body(self):
        cid = new_conv()
        path = "/v2/conversations/%s/crm/confirm" % cid
        self.assertBad(self.post(path, {}), "intelligence is required")
        self.assertBad(self.post(path, {"intelligence": [{"value": "v"}]}), "intelligence[0].key")
        self.assertBad(self.post(path, {"intelligence": [{"key": "k"}]}), "intelligence[0].value")
        self.assertBad(self.post(path, {"intelligence": [{"key": "k", "value": "v", "id": 1}]}),
                       "intelligence[0].id")
        self.assertBad(self.post(path, {"intelligence": [], "opportunity_id": 5}), "opportunity_id")
        self.assertEqual(self.attrs(cid)["confirmedExtractedIntelligence"], {})

    def test_errors(self):
        self.common_errors("POST", "/crm/confirm", {"intelligence": [{"key": "k", "value": "v"}]}, "crm_confirmed")


class ChangeOpportunityTest(Base):
    PATH = "/v2/changeConversationOpportunity"

    def test_set_and_remove(self):
        cid = new_conv()
        r = self.post(self.PATH, {"conversation_id": cid, "opportunity_id": "opp-7", "entity_code": "deal"})
        self.assertEqual(self.assertOk(r), {"success": True})
        self.assertEqual(self.attrs(cid)["externalOpportunity"], {"uuid": "opp-7", "title": ""})
        r = self.post(self.PATH, {"conversation_id": cid.upper(), "remove_opportunity": True})
        self.assertEqual(self.assertOk(r), {"success": True})
        self.assertIsNone(self.attrs(cid)["externalOpportunity"], "none is null (beyond.md §0)")
        self.assertEqual([e["workflowName"] for e in logs_of(cid)[:2]], ["opportunity_changed"] * 2)

    def test_errors(self):
        cid = new_conv()
        good = {"conversation_id": cid, "opportunity_id": "o"}
        self.assertBad(self.post(self.PATH, {"conversation_id": cid}), "opportunity_id is required")
        self.assertBad(self.post(self.PATH, {"conversation_id": cid, "remove_opportunity": False}),
                       "opportunity_id is required")
        self.assertBad(self.post(self.PATH, {"opportunity_id": "o"}), "conversation_id is required")
        self.assertBad(self.post(self.PATH, {"conversation_id": "abc", "opportunity_id": "o"}),
                       "conversation_id must be a UUID")
        self.assertBad(self.post(self.PATH, {"conversation_id": cid, "opportunity_id": "o",
                                             "remove_opportunity": True}), "not both")
        self.assertBad(self.post(self.PATH), "body is required")
        self.assertProblem(self.post(self.PATH, "x", headers={"Content-Type": "text/plain"}), 415)
        self.assertNotFound(self.post(self.PATH, {"conversation_id": UNKNOWN_UUID, "opportunity_id": "o"}))
        self.assertNotFound(self.post(self.PATH, good, key=B.key))
        self.assertUnauthorized(srv.req("POST", self.PATH, None, good))
        self.assertRefused(self.post(self.PATH, good, key=bob_key), cid, "opportunity_changed")
        r = srv.req("GET", self.PATH, A.key)
        self.assertProblem(r, 405)
        self.assertIn("POST", r.headers.get("Allow", ""))
        self.assertIsNone(self.attrs(cid)["externalOpportunity"], "none is null (beyond.md §0)")
        self.assertEqual(self.assertOk(self.post(self.PATH, good, key=alice_key)), {"success": True})


class IsolationTest(Base):
    def test_other_org_never_sees_or_changes(self):
        cid = new_conv()
        before = self.attrs(cid)
        for method, suffix, body in [("PUT", "", {"title": "x"}), ("PUT", "/title", {"title": "x"}),
                                     ("PUT", "/labels", {"labels": {}}), ("PUT", "/change_privacy", None),
                                     ("PUT", "/linked-crm-records", []),
                                     ("POST", "/crm/confirm", {"intelligence": []})]:
            r = srv.req(method, "/v2/conversations/" + cid + suffix, B.key, body)
            self.assertNotFound(r)
            self.assertNotIn("Quarterly", r.raw.decode())
        self.assertEqual(self.attrs(cid), before)
        # and no entries (not even failures) are written for B's attempts
        self.assertEqual([e["workflowName"] for e in logs_of(cid)], ["import"])


class ConcurrencyTest(Base):
    N = 50

    def test_parallel_title_and_label_changes(self):
        cid = new_conv()
        barrier = threading.Barrier(2 * self.N)
        results = {}
        errors = []

        def work(kind, i):
            conn = srv.connect(timeout=60)
            try:
                if kind == "title":
                    path, body = "/v2/conversations/%s/title" % cid, {"title": "title-%02d" % i}
                else:
                    path, body = "/v2/conversations/%s/labels" % cid, {"labels": {"n": "labels-%02d" % i}}
                barrier.wait(30)
                r = srv.req("PUT", path, A.key, body, conn=conn, timeout=60)
                results[(kind, i)] = r
            except Exception as e:   # noqa: BLE001 - reported below
                errors.append(repr(e))
            finally:
                conn.close()

        threads = [threading.Thread(target=work, args=(k, i)) for k in ("title", "labels") for i in range(self.N)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        self.assertEqual(len(results), 2 * self.N)
        snaps = {}
        for (kind, i), r in results.items():
            a = self.assertOk(r)["attributes"]
            snaps[(kind, i)] = (a["title"], a["labels"].get("n"))
            # each answer shows its own write, read inside its transaction
            if kind == "title":
                self.assertEqual(a["title"], "title-%02d" % i)
            else:
                self.assertEqual(a["labels"], {"n": "labels-%02d" % i})

        final = self.attrs(cid)
        titles = {"title-%02d" % i for i in range(self.N)}
        labels = {"labels-%02d" % i for i in range(self.N)}
        self.assertIn(final["title"], titles)
        self.assertEqual(set(final["labels"]), {"n"})
        self.assertIn(final["labels"]["n"], labels)

        entries = logs_of(cid)
        names = [e["workflowName"] for e in entries]
        self.assertEqual(names.count("title_changed"), self.N, "one entry per title change")
        self.assertEqual(names.count("labels_changed"), self.N, "one entry per label change")
        self.assertEqual(len(entries), 2 * self.N + 1)
        self.assertTrue(all(e["success"] for e in entries))
        self.assertEqual(names[-1], "import")
        # Newest first = commit order. The label writes committed after the last
        # title write are exactly those whose answer shows the final title, and
        # the title writes committed after the last label write are exactly
        # those whose answer shows the final labels.
        labels_after_last_title = names.index("title_changed")
        titles_after_last_labels = names.index("labels_changed")
        self.assertEqual(sum(1 for (k, _), s in snaps.items() if k == "labels" and s[0] == final["title"]),
                         labels_after_last_title)
        self.assertEqual(sum(1 for (k, _), s in snaps.items() if k == "title" and s[1] == final["labels"]["n"]),
                         titles_after_last_labels)
        self.assertAlive()


if __name__ == "__main__":
    unittest.main(verbosity=2)
