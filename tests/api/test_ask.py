"""test_ask.py - POST /v2/ask_attention/v2 end to end (beyond.md §2): the extractive BM25 answer checked
against a computation by hand, stable across runs; conversations by id and by deal; per-conversation
errors; include_timestamps and summarize; every 400 with the decided messages; tenancy and key levels."""

import math
import re
import sys
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
from harness import UNKNOWN_UUID, transcript_v1, transcript_v2  # noqa: E402

PATH = "/v2/ask_attention/v2"
NOT_BOTH = "you must provide either a deal ID or conversation IDs, not both"
NEITHER = "at least one of deal_id or conversations_ids is required"
NO_MATCH = "no transcript segment matches the prompt"

# A call with one rare word ("aardvark"): the segment holding it must be in every answer that asks for it.
SEGMENTS = [
    ("Ann", "Thanks for joining the call today.", 0.0, 3.0),
    ("Bob", "Happy to be here, the team is ready.", 3.0, 6.5),
    ("Ann", "Let us talk about pricing for the team.", 6.5, 10.0),
    ("Bob", "Pricing is the main question for the team.", 10.0, 14.0),
    ("Ann", "The pricing is per seat, the team pays monthly.", 14.0, 18.0),
    ("Bob", "Our aardvark project needs a quote.", 18.0, 21.0),
    ("Ann", "The quote covers the team and the pricing.", 21.0, 25.0),
    ("Bob", "Great, the team will review the quote.", 25.0, 28.0),
    ("Ann", "Then we meet next week.", 28.0, 30.0),
]

srv = None
A = B = None
alice = bob = None
alice_key = bob_key = None
c_main = c_v2 = c_empty = c_priv = c_deal1 = c_deal2 = c_deal_archived = c_b = None


def words(text):
    """The tokenizer of src/model/ask.c for ASCII text."""
    return [w.lower() for w in re.findall(r"[A-Za-z0-9]+", text)]


def bm25_answer(segments, prompt, k=5):
    """The answer computed by hand: Okapi BM25 (k1 1.2, b 0.75, idf ln(1 + (N - n + 0.5)/(n + 0.5)))
    over the conversation's segments, length = spaces + 1, the best k (ties: lower position) in time order."""
    terms = []
    for w in words(prompt):
        if w not in terms:
            terms.append(w)
    n_seg = len(segments)
    lengths = [len(s[1].split(" ")) for s in segments]
    avgdl = sum(lengths) / n_seg
    df = {t: sum(1 for s in segments if t in words(s[1])) for t in terms}
    scored = []
    for i, s in enumerate(segments):
        ws = words(s[1])
        score = 0.0
        for t in terms:
            tf = ws.count(t)
            if tf:
                idf = math.log(1 + (n_seg - df[t] + 0.5) / (df[t] + 0.5))
                score += idf * tf * 2.2 / (tf + 1.2 * (1 - 0.75 + 0.75 * lengths[i] / avgdl))
        if score > 0:
            scored.append((-score, i))
    best = sorted(scored)[:k]
    picked = sorted((segments[i][2], i) for _, i in best)
    return [segments[i] for _, i in picked]


def setUpModule():
    global srv, A, B, alice, bob, alice_key, bob_key
    global c_main, c_v2, c_empty, c_priv, c_deal1, c_deal2, c_deal_archived, c_b
    srv = harness.module_server()
    A = srv.create_org("ask-a", "admin@aa.example")
    B = srv.create_org("ask-b", "admin@ab.example")
    alice = srv.create_user(A.org, "alice@aa.example")
    bob = srv.create_user(A.org, "bob@aa.example")
    alice_key = srv.create_key(A.org, user=alice)[1]
    bob_key = srv.create_key(A.org, user=bob)[1]
    c_main = srv.import_conv(A.key, alice, conversationTitle="Pricing call", transcript={"v1": transcript_v1(*SEGMENTS)})
    c_v2 = srv.import_conv(A.key, alice, conversationTitle="Word level",
                           transcript={"v2": transcript_v2(("Ann", "the zebra budget is approved", 1, 5),
                                                           ("Bob", "fine by me", 5, 7))})
    c_empty = srv.import_conv(A.key, alice, conversationTitle="No transcript yet")
    c_priv = srv.import_conv(A.key, alice, conversationTitle="Alice private",
                             transcript={"v1": transcript_v1(("Ann", "secret pricing talk", 0, 2))})
    r = srv.req("PUT", "/v2/conversations/%s/change_privacy" % c_priv, A.key, {"private": True})
    assert r.status == 200, r
    c_deal1 = srv.import_conv(A.key, bob, conversationTitle="Deal one", opportunityID="deal-42",
                              transcript={"v1": transcript_v1(("Bob", "the renewal price is fine", 0, 3))},
                              conversationStartedAt="2024-03-01T10:00:00Z")
    c_deal2 = srv.import_conv(A.key, alice, conversationTitle="Deal two", opportunityID="deal-42",
                              transcript={"v1": transcript_v1(("Ann", "renewal needs legal review", 0, 3))},
                              conversationStartedAt="2024-03-02T10:00:00Z")
    c_deal_archived = srv.import_conv(A.key, alice, conversationTitle="Deal archived", opportunityID="deal-42",
                                      transcript={"v1": transcript_v1(("Ann", "renewal old notes", 0, 3))})
    r = srv.req("DELETE", "/v2/conversations/" + c_deal_archived, A.key)
    assert r.status == 200, r
    c_b = srv.import_conv(B.key, B.admin, conversationTitle="Other org", opportunityID="deal-42",
                          transcript={"v1": transcript_v1(("Zed", "renewal pricing aardvark", 0, 3))})


class AskTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def ask(self, body, key=None, params=""):
        return srv.req("POST", PATH + params, A.key if key is None else key, body)

    def answer(self, body, key=None, params=""):
        b = self.assertOk(self.ask(body, key, params))
        self.assertIsInstance(b, list, "a bare array")
        for item in b:
            self.assertEqual(list(item), ["conversation_id", "title", "output", "error", "segments"])
        return b

    def ids(self, ids, prompt, **kw):
        return self.answer({"conversations_ids": ids, "deal_id": "", "prompt": prompt}, **kw)

    # ---- the answer ------------------------------------------------------------------------
    def test_answer_matches_bm25_by_hand_and_holds_the_rarest_word(self):
        prompt = "What did the team say about pricing for the aardvark?"
        want = bm25_answer(SEGMENTS, prompt)
        b = self.ids([c_main], prompt, params="?include_timestamps=true")
        self.assertEqual(len(b), 1)
        item = b[0]
        self.assertEqual((item["conversation_id"], item["title"], item["error"]), (c_main, "Pricing call", ""))
        self.assertEqual(item["segments"], [{"start_sec": s, "end_sec": e, "text": t} for _, t, s, e in want])
        self.assertEqual(item["output"], " ".join(t for _, t, _, _ in want))
        self.assertIn("Our aardvark project needs a quote.", item["output"])
        self.assertLessEqual(len(item["segments"]), 5)
        starts = [s["start_sec"] for s in item["segments"]]
        self.assertEqual(starts, sorted(starts), "in time order")

    def test_same_prompt_same_data_same_answer(self):
        body = {"conversations_ids": [c_main, c_v2], "deal_id": "", "prompt": "team pricing quote zebra budget"}
        first = self.ask(body, params="?include_timestamps=1&summarize=1").raw
        for _ in range(3):
            self.assertEqual(self.ask(body, params="?include_timestamps=1&summarize=1").raw, first)

    def test_long_transcripts_through_the_index_and_short_prompts_alike(self):
        """300 segments: a one-word prompt goes through the full-text index (SQLite reads a conversation whole
        only when it has fewer than ~48 segments per prompt word), a seven-word one reads the rows; both
        answers are the computation by hand."""
        words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
        segs = []
        for i in range(300):
            text = " ".join(words[(i * k) % 8] for k in range(1, 6 + i % 5))
            if i in (17, 211):
                text += " zeppelin"
            segs.append(("S%d" % (i % 3), text, float(i), float(i) + 0.5))
        cid = srv.import_conv(A.key, alice, conversationTitle="Long", transcript={"v1": transcript_v1(*segs)})
        for prompt in ("zeppelin?", "alpha bravo charlie delta echo zeppelin golf"):
            want = bm25_answer(segs, prompt)
            b = self.ids([cid], prompt, params="?include_timestamps=true")
            self.assertEqual(b[0]["segments"], [{"start_sec": s, "end_sec": e, "text": t} for _, t, s, e in want],
                             prompt)
            self.assertIn(segs[17][1], b[0]["output"])

    def test_segments_only_with_include_timestamps(self):
        for params in ("", "?include_timestamps=false", "?include_timestamps=0"):
            b = self.ids([c_main], "aardvark", params=params)
            self.assertEqual(b[0]["segments"], [])
            self.assertEqual(b[0]["output"], "Our aardvark project needs a quote.")

    def test_v2_transcripts_are_indexed_as_joined_words(self):
        b = self.ids([c_v2], "ZEBRA", params="?include_timestamps=true")
        self.assertEqual(b[0]["output"], "the zebra budget is approved")
        self.assertEqual(b[0]["segments"], [{"start_sec": 1, "end_sec": 5, "text": "the zebra budget is approved"}])

    def test_per_conversation_errors_keep_200(self):
        b = self.ids([c_main, UNKNOWN_UUID, "not-a-uuid", c_empty, c_v2, c_b], "aardvark")
        got = [(i["conversation_id"], i["error"]) for i in b]
        self.assertEqual(got, [(c_main, ""), (UNKNOWN_UUID, "not found"), ("not-a-uuid", "not found"),
                               (c_empty, "conversation transcript is empty"), (c_v2, NO_MATCH),
                               (c_b, "not found")])
        for i in b[1:]:
            self.assertEqual((i["output"], i["segments"]), ("", []))
        self.assertEqual(b[3]["title"], "No transcript yet")
        self.assertEqual(b[1]["title"], "")

    def test_ids_are_answered_once_in_order(self):
        b = self.ids([c_v2, c_main, c_v2.upper(), c_main], "team zebra")
        self.assertEqual([i["conversation_id"] for i in b], [c_v2, c_main])

    def test_summarize_joins_the_best_segments_across_all(self):
        b = self.ids([c_main, c_v2, UNKNOWN_UUID], "aardvark zebra", params="?summarize=true&include_timestamps=true")
        self.assertEqual([i["conversation_id"] for i in b], [c_main, c_v2, UNKNOWN_UUID, "summary"])
        s = b[-1]
        self.assertEqual((s["title"], s["error"]), ("", ""))
        self.assertEqual(s["output"], "Our aardvark project needs a quote. the zebra budget is approved")
        self.assertEqual([x["text"] for x in s["segments"]], ["Our aardvark project needs a quote.",
                                                               "the zebra budget is approved"])
        b = self.ids([c_empty], "aardvark", params="?summarize=1")
        self.assertEqual((b[-1]["conversation_id"], b[-1]["output"], b[-1]["error"]), ("summary", "", NO_MATCH))

    # ---- deal_id -----------------------------------------------------------------------------
    def test_deal_selects_unarchived_conversations_of_the_opportunity_newest_first(self):
        b = self.answer({"conversations_ids": [], "deal_id": "deal-42", "prompt": "renewal"})
        self.assertEqual([i["conversation_id"] for i in b], [c_deal2, c_deal1])
        self.assertEqual([i["output"] for i in b], ["renewal needs legal review", "the renewal price is fine"])
        self.assertEqual(self.answer({"deal_id": "no-such-deal", "prompt": "renewal"}), [])
        # the other organization sees only its own
        b = self.answer({"deal_id": "deal-42", "prompt": "renewal"}, key=B.key)
        self.assertEqual([i["conversation_id"] for i in b], [c_b])

    def test_deal_matches_deal_uuid_of_seeded_data(self):
        org = srv.create_org("ask-seeded", "admin@as.example")
        srv.seed(org.org, 60, seed=5)
        rows, _ = srv.list_all(org.key)
        deals = {}
        for c in rows:
            d = c["attributes"]["dealUUID"]
            if d and not c["attributes"]["archived"]:
                deals.setdefault(d, []).append(c)
        self.assertTrue(deals, "the seed gives some conversations a dealUUID")
        deal, convs = sorted(deals.items())[0]
        b = self.answer({"deal_id": deal, "prompt": "pricing team call budget"}, key=org.key)
        self.assertLessEqual({c["id"] for c in convs}, {i["conversation_id"] for i in b})

    # ---- scopes ------------------------------------------------------------------------------
    def test_user_level_keys_see_what_they_may_see(self):
        b = self.ids([c_priv], "secret", key=alice_key)
        self.assertEqual((b[0]["error"], b[0]["output"]), ("", "secret pricing talk"))
        b = self.ids([c_priv], "secret", key=bob_key)
        self.assertEqual((b[0]["error"], b[0]["title"]), ("not found", ""))
        self.assertEqual(self.ids([c_priv], "secret")[0]["error"], "")   # org-level

    def test_other_organization_ids_are_not_found(self):
        b = self.ids([c_main, c_v2], "aardvark", key=B.key)
        self.assertEqual([i["error"] for i in b], ["not found", "not found"])

    # ---- errors ------------------------------------------------------------------------------
    def test_both_or_neither(self):
        self.assertProblem(self.ask({"conversations_ids": [c_main], "deal_id": "deal-42", "prompt": "x"}), 400,
                           code="invalid_body", detail=NOT_BOTH)
        for body in ({"conversations_ids": [], "deal_id": "", "prompt": "x"}, {"prompt": "x"},
                     {"conversations_ids": None, "deal_id": None, "prompt": "x"}):
            self.assertProblem(self.ask(body), 400, code="invalid_body", detail=NEITHER)

    def test_bad_bodies(self):
        cases = [
            ({"conversations_ids": [c_main]}, "prompt"),
            ({"conversations_ids": [c_main], "prompt": ""}, "prompt"),
            ({"conversations_ids": [c_main], "prompt": 7}, "prompt"),
            ({"conversations_ids": [c_main], "prompt": "?!. ,"}, "no words"),
            ({"conversations_ids": [c_main], "prompt": "x" * 10001}, "10000"),
            ({"conversations_ids": c_main, "prompt": "x"}, "conversations_ids"),
            ({"conversations_ids": [7], "prompt": "x"}, "conversations_ids[0]"),
            ({"conversations_ids": [""], "prompt": "x"}, "conversations_ids[0]"),
            ({"conversations_ids": [c_main] * 101, "prompt": "x"}, "101"),
            ({"deal_id": 42, "prompt": "x"}, "deal_id"),
            ({"deal_id": "d" * 257, "prompt": "x"}, "deal_id"),
        ]
        for body, mention in cases:
            self.assertProblem(self.ask(body), 400, code="invalid_body", detail_has=mention)
        self.assertProblem(self.ask([c_main]), 400, code="invalid_body")
        self.assertProblem(srv.req("POST", PATH, A.key, "{not json"), 400, code="invalid_json")
        self.assertProblem(srv.req("POST", PATH, A.key, "x", headers={"Content-Type": "text/plain"}), 415)
        self.assertProblem(srv.req("POST", PATH, A.key), 400)
        for p in ("?include_timestamps=maybe", "?summarize=2"):
            self.assertProblem(self.ask({"conversations_ids": [c_main], "prompt": "x"}, params=p), 400,
                               code="invalid_parameter", detail_has=p[1:].split("=")[0])

    def test_auth_and_method(self):
        self.assertUnauthorized(srv.req("POST", PATH, None, {"conversations_ids": [c_main], "prompt": "x"}))
        self.assertUnauthorized(srv.req("POST", PATH, "prl_nope", {"conversations_ids": [c_main], "prompt": "x"}))
        r = srv.req("GET", PATH, A.key)
        self.assertProblem(r, 405, code="method_not_allowed")
        self.assertEqual(r.headers.get("Allow"), "POST")

    def test_a_prompt_of_many_words_uses_the_first_32(self):
        prompt = " ".join("w%d" % i for i in range(40)) + " aardvark"
        self.assertEqual(self.ids([c_main], prompt)[0]["error"], NO_MATCH)
        self.assertEqual(self.ids([c_main], "aardvark " + prompt)[0]["output"], "Our aardvark project needs a quote.")


if __name__ == "__main__":
    unittest.main()
