#!/usr/bin/env python3
"""prep.py - derives the benchmark inputs from a seeded Parley database (stdlib only).

usage:
  prep.py inputs DB OUTDIR                   ids, owner emails, title terms, list queries, import body
  prep.py fetch  DB OUTDIR URL KEY N         fetches N conversations from a running Parley: the nginx file
                                             (a median-size response, exact bytes) and json-server's db.json
  prep.py wids   DB OUT N                    N distinct not-archived conversation ids, random order
  prep.py count-archived DB SINCE            rows with archived_at >= SINCE (rows really changed by a run)
  prep.py count-imported DB RUNID            conversations imported by run RUNID
  prep.py reset  DB SINCE                    undoes the benchmark's writes since SINCE (unix seconds)
  prep.py count-json DBJSON                  conversations PATCHed archived=true in a json-server db.json
DB is a SQLite file, or for count-archived, count-imported and reset also a postgres:// URL (through psql).
Everything derived goes to OUTDIR and is reused by later runs.
"""
import http.client
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import time
import urllib.parse


def connect(db):
    con = sqlite3.connect(db, timeout=60)
    con.execute("PRAGMA foreign_keys = ON")
    return con


def is_pg(db):
    return db.startswith("postgres://") or db.startswith("postgresql://")


def psql(url, sql):
    """Runs sql through psql on url; returns its unaligned, tuples-only output."""
    return subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                          check=True, capture_output=True, text=True).stdout.strip()


def write_lines(path, items):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        for x in items:
            f.write(x + "\n")
    os.replace(tmp, path)


def import_body(user, rnd, segments=50, words=None):
    """A POST /v2/conversations/import body: a SEGMENTS-segment v2 transcript (WORDS words a segment, or
    6 to 14 drawn from rnd), three participants, a title; "@EXT@" marks the applicationExternalID."""
    speakers = ["Alice Carter", "Bob Nguyen", "Priya Shah"]
    vocab = ("we could look at the pricing for next quarter and see how the rollout goes with your team "
             "security review contract renewal integration timeline budget approval").split()
    final, t = [], 0.0
    for i in range(segments):
        n = words if words is not None else rnd.randint(6, 14)
        ws = []
        for _ in range(n):
            ws.append({"text": rnd.choice(vocab), "startTimestamp": round(t, 2), "endTimestamp": round(t + 0.4, 2)})
            t += 0.45
        final.append({"speaker": speakers[i % 3], "words": ws})
    return {
        "mediaURL": "https://media.example.com/rec/bench.mp4",
        "userID": user,
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
    terms = title_terms(con, org, random.Random(7), n) # its own generator: the import body stays as before
    tmax = con.execute("SELECT max(created_at) FROM conversations").fetchone()[0] // 1000  # stored in ms
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
    def tq(term, page):
        return q("/v2/conversations", [("filter[title]", urllib.parse.quote(term, safe="")), ("page", page),
                                       ("size", 20)])
    write_lines(os.path.join(out, "list-all.txt"), list_all)
    write_lines(os.path.join(out, "list-owner.txt"), list_owner)
    # filter[title], three ways (issue 15): selective terms (<= 1% of titles), page 1; the first page of
    # each frequent term, asked once on a fresh server (uncached); the next pages (2-10) of those terms.
    write_lines(os.path.join(out, "list-title-sel.txt"), [tq(t, 1) for t, _, _ in terms["selective"]])
    write_lines(os.path.join(out, "list-title-first.txt"), [tq(t, 1) for t, _, _ in terms["frequent"]])
    write_lines(os.path.join(out, "list-title-next.txt"),
                [tq(t, p) for t, _, _ in terms["frequent"] for p in range(2, 11)])
    write_lines(os.path.join(out, "title-terms.txt"),
                ["%s\t%d\t%.5f\t%s" % (k, m, f, t) for k in ("selective", "frequent") for t, m, f in terms[k]])
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
    # json-server's title_like is a case-insensitive regular expression: the term's specials escaped
    write_lines(os.path.join(out, "js-list-title-sel.txt"),
                [q("/conversations", [("attributes.title_like",
                                       urllib.parse.quote(re.sub(r"([.*+?^${}()|\[\]\\/])", r"\\\1", t), safe=""))] +
                   srt + [("_page", 1), ("_limit", 20)]) for t, _, _ in terms["selective"]])

    # Import body: a 50-segment v2 transcript, three participants, title; @EXT@ is filled in per request.
    body = import_body(users[0] if users else "", rnd)
    with open(os.path.join(out, "import.json"), "w") as f:
        json.dump(body, f, separators=(",", ":"))
    print("prep: %d ids, %d owner emails, %d selective and %d frequent title terms" % (
        len(ids), len(emails), len(terms["selective"]), len(terms["frequent"])))


def title_terms(con, org, rnd, n):
    """Picks filter[title] terms from the data: {"selective": [(term, matches, fraction)...] (matching at
    most 1% of the organization's titles, at least 20 so that a page is full), "frequent": [...] (the ten
    most frequent words, 2% of titles or more)}. Candidates come from a sample of 20,000 titles (words of
    four letters or more, and whole titles); the matches are then counted exactly over every title, as
    the API matches: an ASCII case-insensitive substring."""
    sample = rnd.sample(range(1, n + 1), min(n, 20000))
    titles = []
    for i in range(0, len(sample), 500):
        chunk = sample[i:i + 500]
        titles += [(r[0] or "") for r in con.execute(
            "SELECT title FROM conversations WHERE id IN (%s)" % ",".join("?" * len(chunk)), chunk)]
    low = [t.lower() for t in titles]
    words = sorted({w.lower() for t in titles for w in re.findall(r"[A-Za-z]{4,}", t)})
    freq = {w: sum(1 for t in low if w in t) / len(low) for w in words}
    whole = {}
    for t in titles:
        whole[t] = whole.get(t, 0) + 1
    frequent = [w for w in sorted(words, key=lambda w: (-freq[w], w)) if freq[w] >= 0.02][:10]
    # selective: words, then whole titles, estimated between 0.1% and 1% of the titles
    sel = [w for w in sorted(words, key=lambda w: -freq[w]) if 0.001 <= freq[w] <= 0.01]
    sel += [t for t in sorted(whole, key=lambda t: (-whole[t], t)) if 0.001 <= whole[t] / len(titles) <= 0.01
            and t.lower() not in sel]
    sel = sel[:40]
    # exact counts over every title of the organization
    cand = [t.lower() for t in sel] + frequent
    counts = dict.fromkeys(cand, 0)
    total = 0
    for (t,) in con.execute("SELECT title FROM conversations WHERE org_uuid = ?", (org,)):
        total += 1
        t = (t or "").lower()
        for c in cand:
            if c in t:
                counts[c] += 1
    total = max(total, 1)
    out_sel = [(t, counts[t.lower()], counts[t.lower()] / total) for t in sel
               if 20 <= counts[t.lower()] and counts[t.lower()] / total <= 0.01][:20]
    out_freq = [(w, counts[w], counts[w] / total) for w in frequent]
    return {"selective": out_sel, "frequent": out_freq}


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
    since *= 1000  # SINCE is in seconds (date +%s); the store keeps milliseconds
    if is_pg(db):
        print(psql(db, "SELECT count(*) FROM conversations WHERE archived AND archived_at >= %d" % since))
        return
    con = connect(db)
    print(con.execute("SELECT count(*) FROM conversations WHERE archived = 1 AND archived_at >= ?",
                      (since,)).fetchone()[0])


def count_imported(db, runid):
    lo = "bench-imp-%s-" % runid
    if is_pg(db):
        print(psql(db, "SELECT count(*) FROM conversations WHERE external_id >= '%s' AND external_id < '%s'" % (
            lo, lo[:-1] + ".")))
        return
    con = connect(db)
    print(con.execute("SELECT count(*) FROM conversations WHERE external_id >= ? AND external_id < ?",
                      (lo, lo[:-1] + ".")).fetchone()[0])


def reset(db, since):
    since *= 1000  # as count_archived
    if is_pg(db):
        # participants go with their conversation (ON DELETE CASCADE); the per-owner counts follow by trigger
        psql(db, "BEGIN; UPDATE conversations SET archived = false, archived_at = 0 WHERE archived AND "
                 "archived_at >= %d; DELETE FROM conversations WHERE external_id >= 'bench-imp-' AND "
                 "external_id < 'bench-imp.'; DELETE FROM workflow_logs WHERE created_at >= %d; COMMIT" % (since, since))
        # the next run starts from the state a running server keeps: the per-owner count deltas folded (the
        # server folds them every 256 writes; the UPDATE above wrote one a row) and the visibility map
        # current (autovacuum's work: index-only scans read no table page that nothing changed)
        psql(db, "SELECT parley_compact_conversation_counts()")
        psql(db, "VACUUM (ANALYZE) conversations, conversation_counts")
        return
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
