#!/usr/bin/env python3
"""prep.py - derives the benchmark inputs from a seeded Parley database (stdlib only).

usage:
  prep.py inputs DB OUTDIR                   ids, owner emails, title words, list queries, import body
  prep.py fetch  DB OUTDIR URL KEY N         fetches N conversations from a running Parley: the nginx file
                                             (a median-size response, exact bytes) and json-server's db.json
  prep.py wids   DB OUT N                    N distinct not-archived conversation ids, random order
  prep.py count-archived DB SINCE            rows with archived_at >= SINCE (rows really changed by a run)
  prep.py count-imported DB RUNID            conversations imported by run RUNID
  prep.py reset  DB SINCE                    undoes the benchmark's writes since SINCE (unix seconds)
  prep.py count-json DBJSON                  conversations PATCHed archived=true in a json-server db.json
Everything derived goes to OUTDIR and is reused by later runs.
"""
import http.client
import json
import os
import random
import re
import sqlite3
import sys
import time


def connect(db):
    con = sqlite3.connect(db, timeout=60)
    con.execute("PRAGMA foreign_keys = ON")
    return con


def write_lines(path, items):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        for x in items:
            f.write(x + "\n")
    os.replace(tmp, path)


def inputs(db, out):
    rnd = random.Random(42)
    con = connect(db)
    org = con.execute("SELECT org_uuid FROM conversations LIMIT 1").fetchone()[0]
    n = con.execute("SELECT max(id) FROM conversations").fetchone()[0]
    # 100,000 random ids (or all when fewer): rowids are dense, so sample them directly.
    rowids = rnd.sample(range(1, n + 1), min(n, 100000))
    ids = []
    for i in range(0, len(rowids), 500):
        chunk = rowids[i:i + 500]
        q = "SELECT uuid FROM conversations WHERE id IN (%s)" % ",".join("?" * len(chunk))
        ids += [r[0] for r in con.execute(q, chunk)]
    rnd.shuffle(ids)
    write_lines(os.path.join(out, "ids.txt"), ids)

    emails = [r[0] for r in con.execute(
        "SELECT u.email FROM users u WHERE u.org_uuid = ? AND EXISTS"
        " (SELECT 1 FROM conversations c WHERE c.org_uuid = u.org_uuid AND c.user_uuid = u.uuid)", (org,))]
    users = [r[0] for r in con.execute("SELECT uuid FROM users WHERE org_uuid = ? AND role = 'member'", (org,))]
    # Title words: the substrings a user would type (a company, a meeting type, a word of either).
    words = {}
    for (t,) in con.execute("SELECT title FROM conversations WHERE id IN (%s)" %
                            ",".join(str(r) for r in rowids[:2000])):
        for w in re.findall(r"[A-Za-z]{4,}", t or ""):
            words[w.lower()] = words.get(w.lower(), 0) + 1
    titles = sorted(words, key=lambda w: -words[w])[:60]
    tmax = con.execute("SELECT max(created_at) FROM conversations").fetchone()[0]
    con.close()

    def q(path, params):
        return path + "?" + "&".join("%s=%s" % kv for kv in params)

    list_all = [q("/v2/conversations", [("page", p), ("size", 20)]) for p in range(1, 51)]
    list_owner = []
    for e in emails:
        for days in (30, 90, 180, 270):
            t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(tmax - days * 86400))
            list_owner.append(q("/v2/conversations", [("filter[owner.email]", e), ("fromDateTime", t),
                                                      ("filter[hide_internal]", "true"), ("page", 1), ("size", 20)]))
    list_title = [q("/v2/conversations", [("filter[title]", w), ("page", 1), ("size", 20)]) for w in titles]
    write_lines(os.path.join(out, "list-all.txt"), list_all)
    write_lines(os.path.join(out, "list-owner.txt"), list_owner)
    write_lines(os.path.join(out, "list-title.txt"), list_title)
    # The same requests in json-server's query language (its 10,000 rows are Parley's resources).
    srt = [("_sort", "attributes.createdAt"), ("_order", "desc")]
    write_lines(os.path.join(out, "js-list-all.txt"),
                [q("/conversations", srt + [("_page", p), ("_limit", 20)]) for p in range(1, 51)])
    js_owner = []
    for e in emails:
        for days in (30, 90, 180, 270):
            t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(tmax - days * 86400))
            js_owner.append(q("/conversations", [("attributes.user.email", e), ("attributes.createdAt_gte", t),
                                                 ("attributes.isInternal", "false")] + srt +
                              [("_page", 1), ("_limit", 20)]))
    write_lines(os.path.join(out, "js-list-owner.txt"), js_owner)
    write_lines(os.path.join(out, "js-list-title.txt"),
                [q("/conversations", [("attributes.title_like", w)] + srt + [("_page", 1), ("_limit", 20)])
                 for w in titles])

    # Import body: a 50-segment v2 transcript, three participants, title; @EXT@ is filled in per request.
    speakers = ["Alice Carter", "Bob Nguyen", "Priya Shah"]
    vocab = ("we could look at the pricing for next quarter and see how the rollout goes with your team "
             "security review contract renewal integration timeline budget approval").split()
    final, t = [], 0.0
    for i in range(50):
        n = rnd.randint(6, 14)
        ws = []
        for _ in range(n):
            ws.append({"text": rnd.choice(vocab), "startTimestamp": round(t, 2), "endTimestamp": round(t + 0.4, 2)})
            t += 0.45
        final.append({"speaker": speakers[i % 3], "words": ws})
    body = {
        "mediaURL": "https://media.example.com/rec/bench.mp4",
        "userID": users[0] if users else "",
        "applicationName": "bench",
        "applicationExternalID": "@EXT@",
        "conversationTitle": "Benchmark import - Pricing Discussion with Initech",
        "transcript": {"v2": {"final": final}},
        "externalMetadata": {"participants": [
            {"email": "alice.carter@initech.com", "name": "Alice Carter", "accessType": "External"},
            {"email": "bob.nguyen@bench.example", "name": "Bob Nguyen", "accessType": "Internal",
             "organizer": True},
            {"email": "priya.shah@initech.com", "name": "Priya Shah", "accessType": "External"}]},
    }
    with open(os.path.join(out, "import.json"), "w") as f:
        json.dump(body, f, separators=(",", ":"))
    print("prep: %d ids, %d owner emails, %d title words" % (len(ids), len(emails), len(titles)))


def fetch(db, out, url, key, n):
    host, port = url.replace("http://", "").split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    h = {"Authorization": "Bearer " + key}
    ids = [l.strip() for l in open(os.path.join(out, "ids.txt")) if l.strip()][:n]
    docs, sizes = [], []
    for i in ids:
        c.request("GET", "/v2/conversations/" + i, headers=h)
        r = c.getresponse()
        b = r.read()
        if r.status != 200:
            sys.exit("prep: GET %s: %d %s" % (i, r.status, b[:200]))
        docs.append(b)
        sizes.append(len(b))
    order = sorted(range(len(sizes)), key=lambda k: sizes[k])
    med = order[len(order) // 2]
    with open(os.path.join(out, "static.json"), "wb") as f:
        f.write(docs[med])
    s = sorted(sizes)
    with open(os.path.join(out, "sizes.txt"), "w") as f:
        f.write("n=%d min=%d p10=%d p50=%d p90=%d max=%d static=%d\n" % (
            len(s), s[0], s[len(s) // 10], s[len(s) // 2], s[len(s) * 9 // 10], s[-1], sizes[med]))
    jdir = os.path.join(out, "jsonserver")
    os.makedirs(jdir, exist_ok=True)
    with open(os.path.join(jdir, "db.pristine.json"), "wb") as f:
        f.write(b'{"conversations":[')
        f.write(b",".join(docs))
        f.write(b"]}\n")
    write_lines(os.path.join(out, "js-ids.txt"), ids)
    print("prep: fetched %d conversations; sizes %s" % (len(docs), open(os.path.join(out, "sizes.txt")).read().strip()))


def wids(db, out, n):
    con = connect(db)
    mx = con.execute("SELECT max(id) FROM conversations").fetchone()[0]
    rnd = random.Random()
    got, seen = [], set()
    while len(got) < n and len(seen) < mx:
        chunk = [r for r in (rnd.randint(1, mx) for _ in range(1000)) if r not in seen]
        seen.update(chunk)
        q = "SELECT uuid FROM conversations WHERE archived = 0 AND id IN (%s)" % ",".join(map(str, chunk))
        got += [r[0] for r in con.execute(q)]
    write_lines(out, got[:n])


def count_archived(db, since):
    con = connect(db)
    print(con.execute("SELECT count(*) FROM conversations WHERE archived = 1 AND archived_at >= ?",
                      (since,)).fetchone()[0])


def count_imported(db, runid):
    con = connect(db)
    lo = "bench-imp-%s-" % runid
    print(con.execute("SELECT count(*) FROM conversations WHERE external_id >= ? AND external_id < ?",
                      (lo, lo[:-1] + ".")).fetchone()[0])


def reset(db, since):
    con = connect(db)
    with con:
        con.execute("UPDATE conversations SET archived = 0, archived_at = 0 WHERE archived = 1 AND archived_at >= ?",
                    (since,))
        ids = [r[0] for r in con.execute(
            "SELECT id FROM conversations WHERE external_id >= 'bench-imp-' AND external_id < 'bench-imp.'")]
        for i in range(0, len(ids), 500):
            chunk = ",".join(map(str, ids[i:i + 500]))
            con.execute("DELETE FROM conversation_participants WHERE conv_uuid IN"
                        " (SELECT uuid FROM conversations WHERE id IN (%s))" % chunk)
            con.execute("DELETE FROM conversation_bodies WHERE id IN (%s)" % chunk)
            con.execute("DELETE FROM conversations WHERE id IN (%s)" % chunk)
        con.execute("DELETE FROM workflow_logs WHERE created_at >= ?", (since,))
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def count_json(path):
    with open(path) as f:
        d = json.load(f)
    print(sum(1 for c in d["conversations"] if c.get("archived") is True))


def main(a):
    if len(a) < 2:
        sys.exit(__doc__)
    cmd = a[1]
    if cmd == "inputs":
        inputs(a[2], a[3])
    elif cmd == "fetch":
        fetch(a[2], a[3], a[4], a[5], int(a[6]))
    elif cmd == "wids":
        wids(a[2], a[3], int(a[4]))
    elif cmd == "count-archived":
        count_archived(a[2], int(a[3]))
    elif cmd == "count-imported":
        count_imported(a[2], a[3])
    elif cmd == "reset":
        reset(a[2], int(a[3]))
    elif cmd == "count-json":
        count_json(a[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
