"""test_list_filters.py - every filter of spec §4.1 on GET /v2/conversations and /v2/conversations/list,
alone and combined, their encodings (repeated keys, commas, [] suffix, percent-encoded keys, '+'),
and the 400s for bad values. Imported rows give exact answers; a seeded organization is checked
against an oracle computed from its full listing."""

import sys
import unittest
import urllib.parse

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
from harness import UNKNOWN_UUID, transcript_v2

srv = None
A = B = S = None
alice = bob = None
c = {}            # name -> uuid of A's imported conversations
seeded = None     # every row of S: /list, archived included, with intelligence

LIST = "/v2/conversations/list"
CONVS = "/v2/conversations"


def tr(*segs):
    return {"v2": transcript_v2(*segs)}


def setUpModule():
    global srv, A, B, S, alice, bob, seeded
    srv = harness.module_server()
    A = srv.create_org("filters-a", "admin@f.example")
    B = srv.create_org("filters-b", "admin@fb.example")
    S = srv.create_org("filters-seeded", "admin@fs.example")
    alice = srv.create_user(A.org, "alice@f.example", first="Alice")
    bob = srv.create_user(A.org, "Bob@F.example", first="Bob")
    P = lambda email, name, access="External": {"email": email, "name": name, "accessType": access}
    c["c1"] = srv.import_conv(
        A.key, alice, conversationTitle="Q1 Deal Review - Acme Corp", conversationStartedAt="2024-03-01T10:00:00Z",
        externalMetadata={"participants": [P("jane@example.com", "Jane"), P("Bob.Smith@Customer.com", "Bob Smith")]},
        opportunityID="opp-1", linkedCrmRecords=[{"id": "001A", "code": "Account"}],
        transcript=tr(("Jane", "hello there", 0, 1.5), ("Bob Smith", "hi", 1.5, 2)))
    c["c2"] = srv.import_conv(
        A.key, bob, conversationTitle="Weekly sync", conversationStartedAt="2024-03-02T10:00:00Z",
        externalMetadata={"participants": [P("carol@customer.com", "Carol")]},
        opportunityID="opp-2", linkedCrmRecords=[{"id": "003C", "code": "Contact"}],
        transcript=tr(("Carol", "status update", 0, 3)))
    c["c3"] = srv.import_conv(
        A.key, alice, conversationTitle="acme follow-up", conversationStartedAt="2024-03-03T10:00:00Z",
        externalMetadata={"participants": [P("insider@f.example", "Insider", "Internal"),
                                           P("dave@other.com", "Dave")]},
        linkedCrmRecords=[{"id": "001B", "code": "Account"}],
        transcript=tr(("Dave", "following up", 0, 2)))
    c["c4"] = srv.import_conv(   # no transcript: PENDING and empty
        A.key, A.admin, conversationTitle="Discovery call Unicode \u00fcber", conversationStartedAt="2024-03-04T10:00:00Z")
    c["c5"] = srv.import_conv(
        A.key, bob, conversationTitle="Demo + pricing", conversationStartedAt="2024-03-05T10:00:00Z",
        opportunityID="opp-1", transcript=tr(("Bob", "the price is right", 0, 4)))
    c["c6"] = srv.import_conv(
        A.key, bob, conversationTitle="ACME renewal 100%", conversationStartedAt="2024-03-06T10:00:00Z",
        linkedCrmRecords=[{"id": "001A", "code": "Account"}, {"id": "003D", "code": "Contact"}],
        transcript=tr(("Bob", "renewal time", 0, 1)))
    # org B has look-alike data that must never show up in A's lists
    srv.import_conv(B.key, B.admin, conversationTitle="Acme in B", conversationStartedAt="2024-03-03T10:00:00Z",
                    opportunityID="opp-1", linkedCrmRecords=[{"id": "001A", "code": "Account"}],
                    externalMetadata={"participants": [P("jane@example.com", "Jane")]},
                    transcript=tr(("Jane", "other org", 0, 1)))
    srv.seed(S.org, 300, 11)
    seeded, _ = srv.list_all(S.key, LIST, params=[("filter[include_archived]", "true"),
                                                  ("withCrmRecords", "true")])


def names(*ns):
    return [c[n] for n in ns]


class ListFilterTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def ids(self, path, params=(), key=None, raw_query=None):
        """Ids of one page of size 100/50 (all of A's rows fit), checking the envelope and the order."""
        size = 100 if path == CONVS else 50
        qs = raw_query if raw_query is not None else urllib.parse.urlencode(list(params))
        r = srv.req("GET", "%s?%s%ssize=%d" % (path, qs, "&" if qs else "", size), key or A.key)
        b = self.assertList(r, page=1, size=size)
        self.assertEqual(b["meta"]["totalRecords"], len(b["data"]))
        keys = [(x["attributes"]["createdAt"], x["id"]) for x in b["data"]]
        self.assertEqual(keys, sorted(keys, reverse=True), "order is createdAt desc, uuid desc")
        return [x["id"] for x in b["data"]]

    def both(self, params, want_convs, want_list=None, raw_query=None):
        """Checks one filter on both endpoints (/list keeps c4, the empty one)."""
        self.assertEqual(self.ids(CONVS, params, raw_query=raw_query), want_convs, "GET /conversations %s" % (params or raw_query,))
        self.assertEqual(self.ids(LIST, params, raw_query=raw_query), want_list if want_list is not None else want_convs,
                         "GET /conversations/list %s" % (params or raw_query,))

    # ---- defaults -------------------------------------------------------------------
    def test_defaults(self):
        self.both([], names("c6", "c5", "c3", "c2", "c1"), names("c6", "c5", "c4", "c3", "c2", "c1"))

    def test_unknown_parameters_are_ignored(self):
        self.both([("foo", "bar"), ("filter[nope]", "x")], names("c6", "c5", "c3", "c2", "c1"),
                  names("c6", "c5", "c4", "c3", "c2", "c1"))

    # ---- dates ---------------------------------------------------------------------------
    def test_date_range_inclusive(self):
        self.both([("fromDateTime", "2024-03-02T10:00:00Z"), ("toDateTime", "2024-03-03T10:00:00Z")],
                  names("c3", "c2"))
        self.both([("fromDateTime", "2024-03-04T10:00:00Z")], names("c6", "c5"), names("c6", "c5", "c4"))
        self.both([("toDateTime", "2024-03-02T10:00:00Z")], names("c2", "c1"))
        self.both([("toDateTime", "2024-03-02T09:59:59Z")], names("c1"))
        self.both([("fromDateTime", "2024-03-02T10:00:01Z"), ("toDateTime", "2024-03-03T09:59:59Z")], [])
        self.both([("fromDateTime", "2024-03-03T10:00:00Z"), ("toDateTime", "2024-03-03T10:00:00Z")], names("c3"))

    def test_date_input_forms(self):
        # offsets and fractional seconds are accepted on input
        self.both([("fromDateTime", "2024-03-02T12:00:00+02:00"), ("toDateTime", "2024-03-03T05:00:00-05:00")],
                  names("c3", "c2"))
        self.both([("fromDateTime", "2024-03-02T10:00:00.000Z"), ("toDateTime", "2024-03-03T10:00:00.5Z")],
                  names("c3", "c2"))

    def test_bad_dates(self):
        for path in (CONVS, LIST):
            for k, v in (("fromDateTime", "yesterday"), ("toDateTime", "2024-13-01T00:00:00Z"),
                         ("fromDateTime", "2024-03-01T25:00:00Z"), ("toDateTime", "")):
                self.assertProblem(srv.req("GET", harness.q(path, [(k, v)]), A.key), 400, detail_has=k)
            r = srv.req("GET", harness.q(path, [("fromDateTime", "2024-03-05T00:00:00Z"),
                                                ("toDateTime", "2024-03-01T00:00:00Z")]), A.key)
            self.assertProblem(r, 400, detail_has="fromDateTime")

    # ---- owner ---------------------------------------------------------------------------
    def test_owner_id(self):
        self.both([("filter[owner.id]", alice)], names("c3", "c1"))
        self.both([("filter[owner.id]", A.admin)], [], names("c4"))
        all_ab = names("c6", "c5", "c3", "c2", "c1")
        self.both([("filter[owner.id]", "%s,%s" % (alice, bob))], all_ab)
        self.both([("filter[owner.id]", alice), ("filter[owner.id]", bob)], all_ab)
        self.both([("filter[owner.id][]", alice), ("filter[owner.id][]", bob)], all_ab)
        self.both([("filter[owner.id]", "%s,%s" % (alice, UNKNOWN_UUID)), ("filter[owner.id]", bob)], all_ab)
        self.both([("filter[owner.id]", UNKNOWN_UUID)], [])
        self.both([("filter[owner.id]", B.admin)], [])

    def test_owner_id_must_be_uuid(self):
        for path in (CONVS, LIST):
            for v in ("not-a-uuid", "%s,nope" % alice, "1234"):
                self.assertProblem(srv.req("GET", harness.q(path, [("filter[owner.id]", v)]), A.key), 400,
                                   detail_has="owner.id")

    def test_owner_email(self):
        self.both([("filter[owner.email]", "alice@f.example")], names("c3", "c1"))
        self.both([("filter[owner.email]", "ALICE@F.EXAMPLE")], names("c3", "c1"))
        self.both([("filter[owner.email]", "bob@f.example,alice@f.example")], names("c6", "c5", "c3", "c2", "c1"))
        self.both([("filter[owner.email]", "nobody@f.example")], [])
        self.both([("filter[owner.email]", "admin@fb.example")], [])

    # ---- title ---------------------------------------------------------------------------
    def test_title(self):
        self.both([("filter[title]", "acme")], names("c6", "c3", "c1"))
        self.both([("filter[title]", "ACME")], names("c6", "c3", "c1"))
        self.both([("filter[title]", "Deal Review - Acme")], names("c1"))
        self.both([("filter[title]", "discovery CALL")], [], names("c4"))
        self.both([("filter[title]", "nothing like this")], [])

    def test_long_titles_match_without_the_trigram_index(self):
        # past 256 characters the SQLite backend matches by LIKE alone (FTS5 parses a long phrase slowly)
        L = srv.create_org("filters-long", "admin@fl.example")
        title = "".join("Part %03d of a long title. " % i for i in range(18))   # 486 characters
        conv = srv.import_conv(L.key, L.admin, conversationTitle=title, transcript=tr(("A", "hi", 0, 1)))
        short = srv.import_conv(L.key, L.admin, conversationTitle=title[:300], transcript=tr(("A", "hi", 0, 1)))
        for path in (CONVS, LIST):
            for text, want in ((title[100:400].upper(), [conv]), (title[:257] + "x", []), (title[5:480], [conv]),
                               (title[10:290], [short, conv])):
                r = srv.req("GET", harness.q(path, [("filter[title]", text)]), L.key)
                self.assertEqual([x["id"] for x in self.assertList(r, page=1)["data"]], want, (path, len(text)))

    def test_title_is_literal_not_a_pattern(self):
        self.both([("filter[title]", "%")], names("c6"))
        self.both([("filter[title]", "_")], [])
        self.both([("filter[title]", "100%")], names("c6"))
        self.both([("filter[title]", "a_me")], [])
        self.both([("filter[title]", "'")], [])

    def test_title_bytes_outside_ascii(self):
        # ASCII letters in any case, anything else exactly: Ü is not ü
        self.both(None, [], names("c4"), raw_query="filter[title]=UNICODE+%C3%BCBER")
        self.both(None, [], [], raw_query="filter[title]=%C3%9Cber")
        # a part of a letter (%BC is ü's second byte) is not a text: the query is refused before the store
        for raw in ("filter[title]=%BCber", "filter[title]=Unicode+%C3"):
            self.assertProblem(srv.req("GET", CONVS + "?" + raw, A.key), 400, "invalid_query")

    def test_query_encodings(self):
        # percent-encoded key, '+' as space, %2B as a literal plus
        self.both(None, names("c5"), raw_query="filter%5Btitle%5D=Demo+%2B+pricing")
        self.both(None, names("c6", "c3", "c1"), raw_query="filter%5btitle%5d=acme")
        self.both(None, names("c1"), raw_query="filter[title]=deal+review")
        self.both(None, names("c3", "c1"), raw_query="filter%5Bowner.id%5D%5B%5D=" + alice)
        self.both(None, names("c5", "c2", "c1"),
                  raw_query="filter[external_opportunity.id]=opp-1%2Copp-2")

    # ---- participants, opportunity, team ---------------------------------------------
    def test_participants_email(self):
        self.both([("filter[participants.email]", "bob.smith@customer.com")], names("c1"))
        self.both([("filter[participants.email]", "BOB.SMITH@CUSTOMER.COM")], names("c1"))
        self.both([("filter[participants.email]", "carol@customer.com,dave@other.com")], names("c3", "c2"))
        self.both([("filter[participants.email]", "jane@example.com")], names("c1"))
        self.both([("filter[participants.email]", "carol@customer")], [])   # not a substring match

    def test_external_opportunity(self):
        self.both([("filter[external_opportunity.id]", "opp-1")], names("c5", "c1"))
        self.both([("filter[external_opportunity.id]", "opp-1"), ("filter[external_opportunity.id]", "opp-2")],
                  names("c5", "c2", "c1"))
        self.both([("filter[external_opportunity.id]", "opp-3")], [])

    def test_team(self):
        self.both([("filter[team.id]", A.team)], names("c6", "c5", "c3", "c2", "c1"),
                  names("c6", "c5", "c4", "c3", "c2", "c1"))
        self.both([("filter[team.id]", UNKNOWN_UUID)], [])
        self.both([("filter[team.id]", B.team)], [])

    # ---- CRM fields -------------------------------------------------------------------
    def crm(self, entity, values, field="id"):
        return [("filter[crm_field.entity_code]", entity), ("filter[crm_field.field_name]", field),
                ("filter[crm_field.values]", values)]

    def test_crm_field(self):
        self.both(self.crm("Account", "001A"), names("c6", "c1"))
        self.both(self.crm("Account", "001A,001B"), names("c6", "c3", "c1"))
        self.both(self.crm("Contact", "003C"), names("c2"))
        self.both(self.crm("Contact", "003C,003D"), names("c6", "c2"))
        self.both(self.crm("Account", "003C"), [])
        self.both(self.crm("Account", "0099"), [])

    def test_crm_values_limit(self):
        ten = ",".join("V%02d" % i for i in range(9)) + ",001A"
        self.both(self.crm("Account", ten), names("c6", "c1"))
        eleven = ten + ",V99"
        for path in (CONVS, LIST):
            r = srv.req("GET", harness.q(path, self.crm("Account", eleven)), A.key)
            self.assertProblem(r, 400, detail_has="crm_field.values")
            split = self.crm("Account", ten) + [("filter[crm_field.values]", "V99")]
            self.assertProblem(srv.req("GET", harness.q(path, split), A.key), 400, detail_has="crm_field.values")

    # ---- flags ----------------------------------------------------------------------
    def test_hide_pending(self):
        self.assertEqual(self.ids(LIST, [("filter[hide_pending]", "true")]), names("c6", "c5", "c3", "c2", "c1"))
        self.assertEqual(self.ids(LIST, [("filter[hide_pending]", "false")]),
                         names("c6", "c5", "c4", "c3", "c2", "c1"))
        self.assertEqual(self.ids(LIST, [("filter[hide_pending]", "1")]), names("c6", "c5", "c3", "c2", "c1"))

    def test_hide_transcript_in_lists(self):
        for path in (CONVS, LIST):
            b = self.assertOk(srv.req("GET", path + "?filter[hide_transcript]=true&size=50", A.key))
            self.assertTrue(b["data"])
            for x in b["data"]:
                self.assertEqual(x["attributes"]["transcript"], "")
            b = self.assertOk(srv.req("GET", path + "?size=50", A.key))
            by_id = {x["id"]: x["attributes"] for x in b["data"]}
            self.assertEqual(by_id[c["c1"]]["transcript"], "Jane: hello there\nBob Smith: hi\n")
            self.assertEqual(by_id[c["c2"]]["transcript"], "Carol: status update\n")

    def test_list_transcript_forms(self):
        for path in (CONVS, LIST):
            b = self.assertOk(srv.req("GET", path + "?size=50", A.key))
            for x in b["data"]:
                self.assertResource(x, transcript="text")
            b = self.assertOk(srv.req("GET", path + "?size=50&detailedTranscript=true", A.key))
            for x in b["data"]:
                self.assertResource(x, transcript="detailed")
            c1 = [x for x in b["data"] if x["id"] == c["c1"]][0]["attributes"]["transcript"]
            self.assertEqual([s["speaker"]["name"] for s in c1], ["Jane", "Bob Smith"])
            self.assertEqual(c1[0]["speaker"]["email"], "jane@example.com")

    def test_include_internal_participants_in_lists(self):
        for path in (CONVS, LIST):
            b = self.assertOk(srv.req("GET", path + "?size=50", A.key))
            c3 = [x for x in b["data"] if x["id"] == c["c3"]][0]["attributes"]
            self.assertEqual([p["email"] for p in c3["participants"]], ["dave@other.com"])
            b = self.assertOk(srv.req("GET", path + "?size=50&filter[include_internal_participants]=true", A.key))
            c3 = [x for x in b["data"] if x["id"] == c["c3"]][0]["attributes"]
            self.assertEqual(sorted(p["email"] for p in c3["participants"]), ["dave@other.com", "insider@f.example"])

    def test_include_metadata_in_lists(self):
        b = self.assertOk(srv.req("GET", LIST + "?size=50", A.key))
        self.assertTrue(all(x["attributes"]["importMetadata"] == {} for x in b["data"]))
        self.assertTrue(all(x["attributes"]["zoomMetadata"] == {} for x in b["data"]))
        b = self.assertOk(srv.req("GET", LIST + "?size=50&filter[include_import_metadata]=true", A.key))
        self.assertTrue(all(x["attributes"]["importMetadata"] != {} for x in b["data"]),
                        "imported conversations have import metadata")

    def test_bad_booleans(self):
        for path in (CONVS, LIST):
            for k in ("filter[hide_internal]", "filter[hide_non_analyzed]", "filter[hide_pending]",
                      "filter[hide_failed]", "filter[hide_transcript]", "filter[include_archived]",
                      "filter[archived]", "filter[include_internal_participants]",
                      "filter[include_zoom_metadata]", "filter[include_import_metadata]", "detailedTranscript",
                      "withCrmRecords"):
                for v in ("yes", "2", "tru"):
                    r = srv.req("GET", harness.q(path, [(k, v)]), A.key)
                    self.assertProblem(r, 400, detail_has=k.replace("filter[", "").rstrip("]"))

    # ---- combined ----------------------------------------------------------------------
    def test_combined(self):
        self.both([("filter[owner.id]", alice), ("filter[title]", "acme"), ("fromDateTime", "2024-03-02T00:00:00Z")],
                  names("c3"))
        self.both([("filter[owner.email]", "bob@f.example"), ("filter[external_opportunity.id]", "opp-1")],
                  names("c5"))
        self.both(self.crm("Account", "001A,001B") + [("toDateTime", "2024-03-05T00:00:00Z")], names("c3", "c1"))
        self.both(self.crm("Account", "001A") + [("filter[participants.email]", "jane@example.com"),
                                                 ("filter[team.id]", A.team), ("filter[hide_pending]", "true")],
                  names("c1"))
        self.both([("filter[title]", "acme"), ("filter[owner.id]", bob), ("filter[participants.email]", "x@y.z")], [])

    def test_tenant_isolation(self):
        for params in ([], [("filter[external_opportunity.id]", "opp-1")], self.crm("Account", "001A"),
                       [("filter[participants.email]", "jane@example.com")], [("filter[title]", "acme")]):
            for path in (CONVS, LIST):
                got = self.ids(path, params)
                self.assertTrue(set(got) <= set(c.values()), "org A sees only its own rows: %s" % (params,))
        # B sees only its one row
        self.assertEqual(len(self.ids(LIST, [], key=B.key)), 1)
        self.assertEqual(self.ids(LIST, [("filter[owner.id]", alice)], key=B.key), [])

    # ---- seeded organization against an oracle ------------------------------------------
    def oracle(self, pred, path=LIST, params=(), include_archived=False):
        """Compares a filtered listing of S with the rows of `seeded` satisfying pred."""
        want_rows = [r for r in seeded if pred(r["attributes"])
                     and (include_archived or not r["attributes"]["archived"])
                     and (path == LIST or not r["attributes"]["isEmpty"])]
        want = [r["id"] for r in sorted(want_rows, key=lambda r: (r["attributes"]["createdAt"], r["id"]),
                                        reverse=True)]
        rows, total = srv.list_all(S.key, path, params=list(params), size=50)
        got = [r["id"] for r in rows]
        self.assertEqual(total, len(want), "totalRecords for %s %s" % (path, params))
        self.assertEqual(got, want, "rows for %s %s" % (path, params))
        return len(want)

    def test_seeded_defaults_and_archived(self):
        self.assertEqual(len(seeded), 300)
        self.oracle(lambda a: True)
        self.oracle(lambda a: True, path=CONVS)
        self.oracle(lambda a: True, params=[("filter[include_archived]", "true")], include_archived=True)
        n = self.oracle(lambda a: a["archived"], params=[("filter[archived]", "true")], include_archived=True)
        self.assertGreater(n, 0, "seed should archive some conversations")
        self.oracle(lambda a: a["archived"], path=CONVS, params=[("filter[archived]", "true")], include_archived=True)

    def test_seeded_hide_flags(self):
        for flag, keep in (
                ("hide_internal", lambda a: not a["isInternal"]),
                ("hide_pending", lambda a: a["importStatus"] not in ("PENDING", "IN_PROGRESS")),
                ("hide_failed", lambda a: a["importStatus"] not in ("FAILED", "DISCARDED")),
                ("hide_non_analyzed", lambda a: bool(a["scorecardResults"]) or bool(a["extractedIntelligence"])),
                ("analyzed", lambda a: bool(a["scorecardResults"]) or bool(a["extractedIntelligence"]))):
            for path in (LIST, CONVS):
                self.oracle(keep, path=path, params=[("filter[%s]" % flag, "true")])
                self.oracle(lambda a: True, path=path, params=[("filter[%s]" % flag, "false")])
        dropped = {f: sum(1 for r in seeded if not k(r["attributes"])) for f, k in (
            ("internal", lambda a: not a["isInternal"]),
            ("pending", lambda a: a["importStatus"] not in ("PENDING", "IN_PROGRESS")),
            ("failed", lambda a: a["importStatus"] not in ("FAILED", "DISCARDED")))}
        for f, n in dropped.items():
            self.assertGreater(n, 0, "seed should make some %s conversations" % f)

    def test_seeded_owner_team_dates(self):
        teams = sorted({r["attributes"]["teamUUID"] for r in seeded})
        self.assertGreater(len(teams), 1, "seed should spread conversations over teams")
        for t in teams[:3]:
            self.oracle(lambda a, t=t: a["teamUUID"] == t, params=[("filter[team.id]", t)])
        self.oracle(lambda a: a["teamUUID"] in teams[:2], path=CONVS,
                    params=[("filter[team.id]", ",".join(teams[:2]))])
        owners = sorted({r["attributes"]["userUUID"] for r in seeded})
        o = owners[len(owners) // 2]
        email = [r["attributes"]["user"]["email"] for r in seeded if r["attributes"]["userUUID"] == o][0]
        self.oracle(lambda a: a["userUUID"] == o, params=[("filter[owner.id]", o)])
        self.oracle(lambda a: a["userUUID"] == o, path=CONVS, params=[("filter[owner.email]", email.upper())])
        times = sorted(r["attributes"]["createdAt"] for r in seeded)
        lo, hi = times[len(times) // 4], times[3 * len(times) // 4]
        self.oracle(lambda a: lo <= a["createdAt"] <= hi, params=[("fromDateTime", lo), ("toDateTime", hi)])
        self.oracle(lambda a: lo <= a["createdAt"] <= hi and a["teamUUID"] == teams[0] and not a["isInternal"]
                    and a["importStatus"] not in ("FAILED", "DISCARDED", "PENDING", "IN_PROGRESS"),
                    path=CONVS,
                    params=[("fromDateTime", lo), ("toDateTime", hi), ("filter[team.id]", teams[0]),
                            ("filter[hide_internal]", "1"), ("filter[hide_failed]", "1"),
                            ("filter[hide_pending]", "1")])

    def test_seeded_title_and_participants(self):
        word = sorted(r["attributes"]["title"] for r in seeded)[0].split()[0]
        self.oracle(lambda a: word.lower() in a["title"].lower(), params=[("filter[title]", word.upper())])
        emails = sorted({p["email"] for r in seeded for p in r["attributes"]["participants"]})
        if emails:
            e = emails[len(emails) // 2]
            rows, total = srv.list_all(S.key, LIST, params=[("filter[participants.email]", e)])
            ids = {r["id"] for r in rows}
            want = {r["id"] for r in seeded if not r["attributes"]["archived"]
                    and any(p["email"].lower() == e.lower() for p in r["attributes"]["participants"])}
            self.assertLessEqual(want, ids, "every row showing participant %s is found" % e)

    def test_seeded_crm_and_opportunity(self):
        opps = sorted({(r["attributes"]["externalOpportunity"] or {}).get("uuid", "") for r in seeded} - {""})
        self.assertTrue(opps, "seed should link opportunities")
        pick = opps[:2]
        for path in (LIST, CONVS):
            self.oracle(lambda a: (a["externalOpportunity"] or {}).get("uuid") in pick, path=path,
                        params=[("filter[external_opportunity.id]", ",".join(pick))])
        recs = sorted({(x["code"], x["id"]) for r in seeded for x in r["attributes"]["linkedCrmRecords"]})
        self.assertTrue(recs, "seed should link CRM records")
        for code in sorted({c for c, _ in recs})[:3]:
            vals = [i for c, i in recs if c == code][:3]
            self.oracle(lambda a, code=code, vals=vals: any(x["code"] == code and x["id"] in vals
                                                            for x in a["linkedCrmRecords"]),
                        params=self.crm(code, ",".join(vals)))

    def test_seeded_participants_email(self):
        full, _ = srv.list_all(S.key, LIST, params=[("filter[include_archived]", "true"),
                                                    ("filter[include_internal_participants]", "true")])
        everyone = {r["id"]: [p["email"].lower() for p in r["attributes"]["participants"]] for r in full}
        external = {r["id"]: [p["email"].lower() for p in r["attributes"]["participants"]] for r in seeded}
        counts = {}
        for ems in everyone.values():
            for e in set(ems):
                counts[e] = counts.get(e, 0) + 1
        picks = [e for e, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:2]]
        live = {r["id"] for r in seeded if not r["attributes"]["archived"]}
        rows, total = srv.list_all(S.key, LIST, params=[("filter[participants.email]", ",".join(p.upper() for p in picks))])
        got = {r["id"] for r in rows}
        want_all = {i for i in live if set(everyone[i]) & set(picks)}
        want_ext = {i for i in live if set(external[i]) & set(picks)}
        self.assertTrue(want_all)
        self.assertIn(got, (want_all, want_ext), "participants.email matches exactly the rows with that participant")
        self.assertEqual(total, len(got))

    def test_seeded_metadata_flags(self):
        plain, _ = srv.list_all(S.key, LIST, params=[("filter[include_archived]", "true")])
        self.assertTrue(all(r["attributes"]["zoomMetadata"] == {} and r["attributes"]["importMetadata"] == {}
                            for r in plain))
        rich, _ = srv.list_all(S.key, LIST, params=[("filter[include_archived]", "true"),
                                                    ("filter[include_zoom_metadata]", "true"),
                                                    ("filter[include_import_metadata]", "true")])
        zoom = [r["attributes"]["zoomMetadata"] for r in rich if r["attributes"]["zoomMetadata"]]
        self.assertTrue(zoom, "seed should make some zoom calls")
        for z in zoom:
            self.assertEqual(set(z), {"calleeName", "calleeNumber", "callerName", "callerNumber"})
        self.assertEqual([r["id"] for r in rich], [r["id"] for r in plain], "flags do not change which rows")

    def test_list_omits_intelligence_unless_asked(self):
        rows, _ = srv.list_all(S.key, LIST)
        for r in rows:
            self.assertEqual(r["attributes"]["extractedIntelligence"], {})
            self.assertEqual(r["attributes"]["confirmedExtractedIntelligence"], {})
        rich = [r for r in seeded if r["attributes"]["extractedIntelligence"] and not r["attributes"]["archived"]
                and not r["attributes"]["isEmpty"]]
        self.assertTrue(rich, "seed should produce extractedIntelligence")
        full = {r["id"]: r for r in srv.list_all(S.key, CONVS, size=100)[0]}
        for r in rich[:10]:
            self.assertEqual(full[r["id"]]["attributes"]["extractedIntelligence"],
                             r["attributes"]["extractedIntelligence"])
            one = self.assertOk(srv.req("GET", "/v2/conversations/" + r["id"], S.key))
            self.assertEqual(one["attributes"]["extractedIntelligence"], r["attributes"]["extractedIntelligence"])


if __name__ == "__main__":
    unittest.main()
