"""media.py - bench/run.sh's media group (issue 16): upload and download throughput of a 100 MB object through
Parley's signed URLs (directory storage) against nginx serving the same file (GET) and storing it with WebDAV
PUT, in alternation, one curl at a time; then the peak RSS of the server during a 1 GiB upload.

usage: media.py PARLEY_URL PARLEY_PID KEY NGINX_URL NGINX_ROOT ROUNDS
(BENCH_MEDIA_BYTES and BENCH_MEDIA_RSS_BYTES make both objects smaller, to try the script out)
Writes results.tsv rows ("media-download", "media-upload": target parley|nginx, bytes_s=…; "media-rss":
rss_before_kib, hwm_before_kib, hwm_after_kib, bytes) on stdout; the objects it uploaded are removed afterwards
by run.sh (they live in the benchmark database's media directory)."""

import json
import os
import subprocess
import sys
import urllib.request

MB100 = int(os.environ.get("BENCH_MEDIA_BYTES", 100 * 1000 * 1000))   # smaller only to try the script out
GIB = int(os.environ.get("BENCH_MEDIA_RSS_BYTES", 1 << 30))


def status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def upload_url(base, key):
    req = urllib.request.Request(base + "/v2/conversations/upload-url", headers={"Authorization": "Bearer " + key})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())


def curl(args):
    """curl ARGS -w '%{http_code} %{speed_upload} %{speed_download}'; returns (status, up B/s, down B/s)."""
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{speed_upload} %{speed_download}"]
                         + args, capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), float(out[1]), float(out[2])


def main(a):
    base, pid, key, nginx, root, rounds = a[1], int(a[2]), a[3], a[4].rstrip("/"), a[5], int(a[6])
    os.makedirs(os.path.join(root, "media"), exist_ok=True)
    up = os.path.join(root, "upload")   # nginx's workers (nobody, when started as root) write here
    os.makedirs(up, exist_ok=True)
    os.chmod(up, 0o777)
    obj = os.path.join(root, "media", "m100.bin")
    if not os.path.exists(obj) or os.path.getsize(obj) != MB100:
        with open(obj + ".tmp", "wb") as f:
            for off in range(0, MB100, 1000 * 1000):
                f.write(os.urandom(min(1000 * 1000, MB100 - off)))
        os.rename(obj + ".tmp", obj)
    rows = []
    urls = []
    for rnd in range(rounds):
        # upload: Parley's signed PUT (streamed to a 0600 file, fsync'd, renamed) and nginx's WebDAV PUT
        u = upload_url(base, key)
        st, up, _ = curl(["-T", obj, "-H", "Content-Type: audio/mpeg", u["url"]])
        rows.append(("media-upload", "parley", "status=%d bytes_s=%.0f" % (st, up)))
        urls.append(u["downloadUrl"])
        st, up, _ = curl(["-T", obj, nginx + "/upload/m100-%d.bin" % rnd])
        rows.append(("media-upload", "nginx", "status=%d bytes_s=%.0f" % (st, up)))
        # download: the same 100 MB from Parley's signed GET (sendfile) and nginx's static file
        for _ in range(3):
            st, _, down = curl([urls[-1]])
            rows.append(("media-download", "parley", "status=%d bytes_s=%.0f" % (st, down)))
            st, _, down = curl([nginx + "/media/m100.bin"])
            rows.append(("media-download", "nginx", "status=%d bytes_s=%.0f" % (st, down)))
    # the peak RSS of the server during a 1 GiB upload (a sparse file: zeros, read at memory speed)
    big = os.path.join(root, "media", "sparse-1g.bin")
    with open(big, "wb") as f:
        f.truncate(GIB)
    rss0, hwm0 = status_kib(pid, "VmRSS"), status_kib(pid, "VmHWM")
    u = upload_url(base, key)
    st, up, _ = curl(["-T", big, "-H", "Content-Type: audio/wav", u["url"]])
    rows.append(("media-rss", "parley", "status=%d rss_before_kib=%d hwm_before_kib=%d hwm_after_kib=%d bytes=%d "
                 "bytes_s=%.0f" % (st, rss0, hwm0, status_kib(pid, "VmHWM"), GIB, up)))
    os.unlink(big)
    for r in rows:
        print("\t".join(r))


if __name__ == "__main__":
    main(sys.argv)
