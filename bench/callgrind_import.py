#!/usr/bin/env python3
"""callgrind_import.py - instructions per POST /v2/conversations/import, counted by callgrind (no timing).

usage: bench/callgrind_import.py PARLEY_BIN [--segments N] [--words N] [--count N] [--out DIR]
       bench/callgrind_import.py --body FILE [--segments N] [--words N]   (writes the body, runs nothing)

Starts `PARLEY_BIN serve` under `valgrind --tool=callgrind --instr-atstart=no` on a fresh SQLite
database, sends one warm-up import, switches instrumentation on (`callgrind_control -i on`) around
COUNT imports of a body with a SEGMENTS-segment v2 transcript of WORDS words a segment, then prints
the body size, Ir per request end to end, and the inclusive Ir per request of the JSON parse
(json_arena_loadb, and jparse_loadb / json_loadb under it). Instruction counts are deterministic
enough to compare builds on a shared machine, where wall-clock benchmarks are not.
"""
import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import prep  # noqa: E402  (bench/prep.py)


def body_for(user, segments, words):
    """An import body shaped like bench/prep.py's (its import_body), with WORDS words in every segment."""
    return prep.import_body(user, random.Random(1), segments, words)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port, key, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request("POST", "/v2/conversations/import", body,
              {"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    if r.status != 200:
        sys.exit("import answered %d: %s" % (r.status, data[:300]))


def inclusive(annotated, fn):
    """The inclusive Ir of function fn in callgrind_annotate --inclusive=yes output (0 if absent)."""
    for line in annotated.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\([^)]*\)\s+\S*:(\S+)\s", line + " ")
        if m and m.group(2) == fn:
            return int(m.group(1).replace(",", ""))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin", nargs="?")
    ap.add_argument("--segments", type=int, default=50)
    ap.add_argument("--words", type=int, default=12)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--out", default=None)
    ap.add_argument("--body", default=None, help="write the request body (with a made-up userID) to this file and stop")
    a = ap.parse_args()
    if a.body:
        with open(a.body, "w") as f:
            f.write(json.dumps(body_for("00000000-0000-7000-8000-000000000000", a.segments, a.words),
                               separators=(", ", ": ")).replace("@EXT@", "bench"))
        return
    if not a.bin:
        ap.error("PARLEY_BIN is required")
    d = a.out or tempfile.mkdtemp(prefix="parley-cg-")
    os.makedirs(d, exist_ok=True)
    db = os.path.join(d, "cg.db")
    out = subprocess.run([a.bin, "org", "create", "Bench", "--admin-email", "bench@bench.example", "--db", db],
                         check=True, capture_output=True, text=True).stdout
    user = re.search(r"admin user: (\S+)", out).group(1)
    key = out.strip().splitlines()[-1]
    template = json.dumps(body_for(user, a.segments, a.words), separators=(", ", ": "))
    port = free_port()
    cgout = os.path.join(d, "callgrind.out")
    srv = subprocess.Popen(["valgrind", "--tool=callgrind", "--instr-atstart=no", "--callgrind-out-file=" + cgout,
                            a.bin, "serve", "--listen", "127.0.0.1:%d" % port, "--db", db],
                           stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "server.log"), "w"))
    try:
        for _ in range(600):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        post(port, key, template.replace("@EXT@", "warm").encode())
        bodies = [template.replace("@EXT@", "cg-%d" % i).encode() for i in range(a.count)]
        subprocess.run(["callgrind_control", "-i", "on", str(srv.pid)], check=True, capture_output=True)
        for b in bodies:
            post(port, key, b)
        subprocess.run(["callgrind_control", "-i", "off", str(srv.pid)], check=True, capture_output=True)
    finally:
        srv.send_signal(signal.SIGTERM)
        srv.wait(timeout=120)
    ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", cgout],
                         check=True, capture_output=True, text=True).stdout
    m = re.search(r"^([\d,]+)\s+\(100\.0%\)\s+PROGRAM TOTALS", ann, re.M)
    total = int(m.group(1).replace(",", "")) if m else 0
    n = a.count
    print("body %d bytes (%d segments x %d words), %d requests, output in %s" % (
        len(bodies[0]), a.segments, a.words, n, d))
    print("Ir/request end to end:     %12.0f" % (total / n))
    for fn in ("json_arena_loadb", "jparse_loadb", "json_loadb", "req_json_strings_ok"):
        print("Ir/request %-16s %12.0f" % (fn + ":", inclusive(ann, fn) / n))


if __name__ == "__main__":
    main()
