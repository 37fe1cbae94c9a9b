#!/usr/bin/env python3
"""startup.py - time from starting `parley serve` to its first 200 on GET /v2/conversations/{id}.

usage: startup.py PARLEY DB PORT KEY ID    prints the milliseconds; stops the server (SIGTERM) afterwards.
The clock starts just before the process is spawned and stops when a complete 200 response has arrived;
between attempts the client waits 0.2 ms (connection refused until the server listens).
"""
import http.client
import signal
import subprocess
import sys
import time


def main(a):
    if len(a) != 6:
        sys.exit(__doc__)
    parley, db, port, key, cid = a[1], a[2], int(a[3]), a[4], a[5]
    t0 = time.monotonic()
    p = subprocess.Popen([parley, "serve", "--db", db, "--listen", "127.0.0.1:%d" % port],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ms = None
    try:
        while time.monotonic() - t0 < 60:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                c.request("GET", "/v2/conversations/" + cid, headers={"Authorization": "Bearer " + key})
                r = c.getresponse()
                r.read()
                c.close()
                if r.status == 200:
                    ms = (time.monotonic() - t0) * 1000
                    break
            except OSError:
                pass
            time.sleep(0.0002)
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait()
    if ms is None:
        sys.exit("startup: no 200 within 60 s")
    print("%.1f" % ms)


if __name__ == "__main__":
    main(sys.argv)
