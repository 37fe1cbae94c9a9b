#!/usr/bin/env python3
"""ask.py - bench/run.sh's `ask` group: Ask Attention and the scorecard summary, timed one request at a time
(stdlib only).

usage:
  ask.py ask URL KEY RUNID N           imports 20 conversations of 100 segments (applicationExternalID
                                       bench-imp-ask-RUNID-i: prep.py reset removes them), then N x POST
                                       /v2/ask_attention/v2 over the 20 (5 prompts in turn); prints
                                       "n=N p50_us=.. p90_us=.. p99_us=.. max_us=.. mean_us=.. errors=E"
  ask.py summary URL KEY DB N          N x POST /v2/scorecards/summary of the organization's first
                                       scorecard over the time range of its newest 100,000 results (all of
                                       them when it has fewer; DB, the SQLite file, is read for that range);
                                       prints the same fields plus "results=R"
Each time runs from just before the request is written to the last byte of the answer, on one kept-alive
connection, as bench/probe.py measures.
"""
import json
import random
import sqlite3
import statistics
import sys
import time

sys.dont_write_bytecode = True
from probe import Client, pct  # noqa: E402

# Words of the seeded transcripts (common in a seeded database: long posting lists) and rarer ones.
COMMON = ("the we our team pricing call time budget pilot security contract renewal onboarding reps sales "
          "question sync dashboard review next week thanks quarter decision process").split()
RARE = ["%s%s" % (a, b) for a in ("zan", "quo", "vel", "mir", "tas", "bor", "kel", "pra") for b in
        ("dix", "rum", "ella", "ton", "vik", "osa", "ine", "ard")]
PROMPTS = [
    "What did the team say about pricing and the budget?",
    "Which security questions came up before the renewal?",
    "When is the pilot review with the sales reps?",
    "zandix quoella and the contract decision",
    "What are the next steps this quarter for onboarding?",
]


def stats(us, errors, extra=""):
    if not us:
        return "n=0 errors=%d%s" % (errors, extra)
    return "n=%d p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f mean_us=%.0f errors=%d%s" % (
        len(us), pct(us, 50), pct(us, 90), pct(us, 99), max(us), statistics.mean(us), errors, extra)


def transcript(rnd):
    """100 segments of 8-16 words: mostly common words, one rare word in one segment of ten."""
    final, t = [], 0.0
    for s in range(100):
        words = [rnd.choice(COMMON) for _ in range(rnd.randint(8, 16))]
        if rnd.random() < 0.1:
            words[rnd.randrange(len(words))] = rnd.choice(RARE)
        end = t + 0.4 * len(words)
        final.append({"speaker": "Ann" if s % 2 else "Bob", "sentence": " ".join(words).capitalize() + ".",
                      "startTimestamp": round(t, 2), "endTimestamp": round(end, 2)})
        t = end + 0.5
    return {"v1": {"final": final}}


def ask(url, key, runid, n):
    c = Client(url)
    h = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
    st, _, body = c.call("GET", "/v2/users", h)
    if st != 200:
        sys.exit("ask.py: GET /v2/users answered %d" % st)
    user = json.loads(body)["data"][0]["uuid"]
    rnd = random.Random(7)
    ids = []
    for i in range(20):
        imp = {"mediaURL": "https://media.example.com/bench-ask/%d.mp4" % i, "userID": user,
               "applicationExternalID": "bench-imp-ask-%s-%d" % (runid, i), "conversationTitle": "Ask bench %d" % i,
               "transcript": transcript(rnd)}
        st, _, body = c.call("POST", "/v2/conversations/import", h, json.dumps(imp).encode())
        if st != 200:
            sys.exit("ask.py: import answered %d: %s" % (st, body[:300]))
        ids.append(json.loads(body)["uuid"])
    bodies = [json.dumps({"conversations_ids": ids, "deal_id": "", "prompt": p}).encode() for p in PROMPTS]
    for b in bodies:   # untimed: one of each
        c.call("POST", "/v2/ask_attention/v2?include_timestamps=true", h, b)
    us, errors = [], 0
    for i in range(n):
        st, secs, _ = c.call("POST", "/v2/ask_attention/v2?include_timestamps=true", h, bodies[i % len(bodies)])
        if st != 200:
            errors += 1
            continue
        us.append(secs * 1e6)
    print(stats(us, errors))


def summary(url, key, db, n):
    c = Client(url)
    h = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
    st, _, body = c.call("GET", "/v2/scorecards", h)
    cards = json.loads(body)["data"] if st == 200 else []
    if not cards:
        print(stats([], 0, " results=0"))
        return
    sc = cards[0]["id"]
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=60)
    total = con.execute("SELECT count(*) FROM scorecard_results WHERE scorecard_uuid = ?", (sc,)).fetchone()[0]
    k = min(total, 100000)
    row = con.execute("SELECT created_at FROM scorecard_results WHERE scorecard_uuid = ? ORDER BY created_at DESC"
                      " LIMIT 1 OFFSET ?", (sc, max(k - 1, 0))).fetchone()
    con.close()
    start = row[0] if row else 0
    since = "%s.%03dZ" % (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(start // 1000)), start % 1000)
    b = json.dumps({"scorecardUUID": sc, "fromDateTime": since, "toDateTime": "2100-01-01T00:00:00Z",
                    "teamUUIDs": [], "userUUIDs": [], "scorecardsItemsUUIDs": []}).encode()
    c.call("POST", "/v2/scorecards/summary", h, b)   # untimed
    us, errors = [], 0
    for _ in range(n):
        st, secs, _ = c.call("POST", "/v2/scorecards/summary", h, b)
        if st != 200:
            errors += 1
            continue
        us.append(secs * 1e6)
    print(stats(us, errors, " results=%d" % k))


def main(a):
    if len(a) < 6:
        sys.exit(__doc__)
    if a[1] == "ask":
        ask(a[2], a[3], a[4], int(a[5]))
    elif a[1] == "summary":
        summary(a[2], a[3], a[4], int(a[5]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
