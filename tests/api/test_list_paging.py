"""test_list_paging.py - paging of GET /v2/conversations and /v2/conversations/list: sizes and their
limits, page[number]/page[size], pages past the end, order, links and meta."""

import sys
import unittest
import urllib.parse

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
from harness import transcript_v2

srv = None
A = B = None
FULL = 45    # conversations with a transcript
EMPTY = 3    # without one (only /conversations/list shows them)
order_convs = order_list = None   # every id, in the order the spec requires

LIST = "/v2/conversations/list"
CONVS = "/v2/conversations"


def setUpModule():
    global srv, A, B, order_convs, order_list
    srv = harness.module_server()
    A = srv.create_org("paging-a", "admin@p.example")
    B = srv.create_org("paging-b", "admin@pb.example")
    rows = []
    for i in range(FULL + EMPTY):
        # three rows share each createdAt, so the uuid tie-break matters
        ts = "2024-05-%02dT%02d:00:00Z" % (1 + (i // 3) // 24, (i // 3) % 24)
        fields = {"conversationTitle": "row %02d" % i, "conversationStartedAt": ts}
        if i < FULL:
            fields["transcript"] = {"v2": transcript_v2(("S", "word %d" % i, 0, 1))}
        cid = srv.import_conv(A.key, A.admin, **fields)
        rows.append((ts, cid, i < FULL))
    srv.import_conv(B.key, B.admin, conversationTitle="row of B",
                    transcript={"v2": transcript_v2(("S", "b", 0, 1))})
    rows.sort(reverse=True)
    order_list = [cid for _, cid, _ in rows]
    order_convs = [cid for _, cid, full in rows if full]


def link_params(link):
    """(path, {key: [values]}) of a link, absolute or relative."""
    u = urllib.parse.urlsplit(link)
    return u.path, urllib.parse.parse_qs(u.query, keep_blank_values=True)


class PagingTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def page(self, path, query, key=None):
        return srv.req("GET", path + ("?" + query if query else ""), key or A.key)

    def test_default_size(self):
        for path, total in ((CONVS, FULL), (LIST, FULL + EMPTY)):
            b = self.assertList(self.page(path, ""), page=1, size=20)
            self.assertEqual(b["meta"], {"totalRecords": total, "pageCount": -(-total // 20),
                                         "pageNumber": 1, "pageSize": 20})
            self.assertEqual(len(b["data"]), 20)

    def test_all_pages_cover_everything_in_order(self):
        for path, want in ((CONVS, order_convs), (LIST, order_list)):
            for size in (7, 20, 1):
                got, pageno = [], 1
                while True:
                    b = self.assertList(self.page(path, "page=%d&size=%d" % (pageno, size)), page=pageno, size=size)
                    self.assertEqual(b["meta"]["totalRecords"], len(want))
                    if not b["data"]:
                        break
                    got += [x["id"] for x in b["data"]]
                    pageno += 1
                self.assertEqual(pageno - 1, -(-len(want) // size))
                self.assertEqual(len(got), len(set(got)), "no duplicates across pages")
                self.assertEqual(got, want, "%s size=%d: createdAt desc, uuid desc" % (path, size))

    def test_order_is_stable(self):
        a = [x["id"] for x in self.assertOk(self.page(CONVS, "size=100"))["data"]]
        b = [x["id"] for x in self.assertOk(self.page(CONVS, "size=100"))["data"]]
        self.assertEqual(a, b)
        self.assertEqual(a, order_convs)

    def test_max_sizes(self):
        b = self.assertList(self.page(CONVS, "size=100"), page=1, size=100)
        self.assertEqual(len(b["data"]), FULL)
        b = self.assertList(self.page(LIST, "size=50"), page=1, size=50)
        self.assertEqual(len(b["data"]), FULL + EMPTY)
        for path, bad in ((CONVS, ["101", "1000", "0", "-1", "abc", "", "1.5", "99999999999999999999"]),
                          (LIST, ["51", "100", "0", "-1", "abc", ""])):
            for v in bad:
                self.assertProblem(self.page(path, "size=" + urllib.parse.quote(v)), 400, detail_has="size")
                self.assertProblem(self.page(path, "page%5Bsize%5D=" + urllib.parse.quote(v)), 400,
                                   detail_has="size")

    def test_bad_page_numbers(self):
        for path in (CONVS, LIST):
            for v in ("0", "-1", "abc", "", "2x"):
                self.assertProblem(self.page(path, "page=" + v), 400, detail_has="page")
                self.assertProblem(self.page(path, "page[number]=" + v), 400, detail_has="page")

    def test_aliases(self):
        for path in (CONVS, LIST):
            plain = self.assertList(self.page(path, "page=2&size=10"), page=2, size=10)
            alias = self.assertList(self.page(path, "page[number]=2&page[size]=10"), page=2, size=10)
            enc = self.assertList(self.page(path, "page%5Bnumber%5D=2&page%5Bsize%5D=10"), page=2, size=10)
            self.assertEqual([x["id"] for x in plain["data"]], [x["id"] for x in alias["data"]])
            self.assertEqual([x["id"] for x in plain["data"]], [x["id"] for x in enc["data"]])
            self.assertEqual(plain["meta"], alias["meta"])

    def test_page_past_the_end(self):
        for path, total in ((CONVS, FULL), (LIST, FULL + EMPTY)):
            for pg in (4, 99):
                b = self.assertList(self.page(path, "page=%d&size=20" % pg), page=pg, size=20)
                self.assertEqual(b["data"], [])
                self.assertEqual(b["meta"], {"totalRecords": total, "pageCount": 3, "pageNumber": pg,
                                             "pageSize": 20})
                self.assertNotIn("next", b["links"])
        # the largest page number: an offset far past the end, still a plain empty page
        b = self.assertList(self.page(CONVS, "page=2147483647&size=100"), page=2147483647, size=100)
        self.assertEqual(b["data"], [])
        self.assertEqual(b["meta"]["totalRecords"], FULL)
        # a filter that matches nothing
        b = self.assertList(self.page(CONVS, "filter[title]=no+such+row"), page=1, size=20)
        self.assertEqual(b["data"], [])
        self.assertEqual(b["meta"]["totalRecords"], 0)
        self.assertNotIn("next", b["links"])
        self.assertNotIn("prev", b["links"])

    def check_links(self, path, query, pageno, size, extra):
        """Checks every link of one page and follows them."""
        b = self.assertList(self.page(path, query), page=pageno, size=size)
        links, meta = b["links"], b["meta"]
        last = max(1, meta["pageCount"])
        for k in ("self", "first", "last"):
            self.assertIn(k, links)
        self.assertEqual("prev" in links, pageno > 1, links)
        self.assertEqual("next" in links, pageno < last, links)
        if "next" in links:
            self.assertEqual(links.get("related"), links["next"], "related == next")
        for k, want_page in (("self", pageno), ("first", 1), ("last", last), ("prev", pageno - 1),
                             ("next", pageno + 1)):
            if k not in links:
                continue
            lpath, params = link_params(links[k])
            self.assertEqual(lpath, path, links[k])
            for ek, ev in extra:
                self.assertIn(ev, params.get(ek, []), "%s link keeps %s=%s: %s" % (k, ek, ev, links[k]))
            # following the link gives that page, with the same size and filters
            u = urllib.parse.urlsplit(links[k])
            got = self.assertList(self.page(path, u.query), page=want_page, size=size)
            self.assertEqual(got["meta"]["totalRecords"], meta["totalRecords"])
        return b

    def test_links_first_middle_last(self):
        for path in (CONVS, LIST):
            total = FULL if path == CONVS else FULL + EMPTY
            pages = -(-total // 10)
            for pg in (1, 2, pages):
                self.check_links(path, "page=%d&size=10" % pg, pg, 10, [("size", "10")])
            self.check_links(path, "page[number]=2&page[size]=10", 2, 10, [])

    def test_links_keep_other_parameters(self):
        extra = [("filter[title]", "row"), ("filter[hide_pending]", "true"), ("detailedTranscript", "true"),
                 ("fromDateTime", "2024-05-01T00:00:00Z")]
        qs = urllib.parse.urlencode(extra)
        b = self.check_links(LIST, qs + "&page=2&size=5", 2, 5, extra)
        self.assertEqual(b["meta"]["totalRecords"], FULL)   # hide_pending drops the empty (PENDING) rows
        self.assertIsInstance(b["data"][0]["attributes"]["transcript"], list)
        self.check_links(CONVS, qs + "&page=9&size=5", 9, 5, extra)
        # a value with characters that need encoding survives the round trip
        extra2 = [("filter[title]", "row 0"), ("foo", "a&b=c")]
        b = self.check_links(CONVS, urllib.parse.urlencode(extra2) + "&size=3", 1, 3, extra2)
        self.assertEqual(b["meta"]["totalRecords"], 10)   # row 00 .. row 09

    def test_meta_consistent_for_user_keys_and_other_orgs(self):
        b = self.assertList(self.page(CONVS, "size=5", key=B.key), page=1, size=5)
        self.assertEqual(b["meta"]["totalRecords"], 1)
        self.assertEqual(b["meta"]["pageCount"], 1)
        self.assertNotIn("next", b["links"])
        user = srv.create_user(A.org, "member@p.example")
        ukey = srv.create_key(A.org, user=user)[1]
        b = self.assertList(self.page(CONVS, "size=5&page=2", key=ukey), page=2, size=5)
        self.assertEqual(b["meta"]["totalRecords"], FULL)   # nothing imported is private


if __name__ == "__main__":
    unittest.main()
