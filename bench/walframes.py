#!/usr/bin/env python3
"""walframes.py - which tables and indexes a run's commits wrote: the frames of a SQLite WAL, by b-tree.

usage: walframes.py DB WAL

DB is the database (read for its page map, with SQLite's dbstat table), WAL a copy of its -wal file taken
while a reader held a snapshot open from before the run, so that no checkpoint could restart the WAL and
every frame the run wrote is still in it. Prints the commits, the frames, and per b-tree the frames and
frames per commit, most first; "(new or free)" are pages the database did not have when DB was read
(take the page map after the run: stop the server, let it checkpoint, then run this).

Every frame is one page image (4 KiB) that the commit wrote to the WAL and a checkpoint later writes
again into the database, so frames per operation is what a change costs the single writer in I/O.
"""
import collections
import sqlite3
import struct
import sys

WAL_HEADER = 32
FRAME_HEADER = 24


def frames_of(path):
    """The commits of the WAL's current generation (salts as in its header): each a list of page numbers."""
    with open(path, "rb") as f:
        w = f.read()
    if len(w) < WAL_HEADER:
        sys.exit("walframes: %s: not a WAL (shorter than its header)" % path)
    magic, _version, page_size, _seq, salt1, salt2 = struct.unpack(">IIIIII", w[:24])
    if magic not in (0x377F0682, 0x377F0683):
        sys.exit("walframes: %s: not a WAL (magic %#x)" % (path, magic))
    commits, cur, off = [], [], WAL_HEADER
    while off + FRAME_HEADER + page_size <= len(w):
        page, commit_size, s1, s2 = struct.unpack(">IIII", w[off:off + 16])
        if (s1, s2) != (salt1, salt2):
            break  # an older generation's frame: the current one ends here
        cur.append(page)
        if commit_size:
            commits.append(cur)
            cur = []
        off += FRAME_HEADER + page_size
    return commits


def main(argv):
    if len(argv) != 3 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) == 2 else 2
    commits = frames_of(argv[2])
    if not commits:
        print("no committed frames")
        return 0
    con = sqlite3.connect("file:%s?mode=ro" % argv[1], uri=True)
    names = dict((page, name) for name, page in con.execute("SELECT name, pageno FROM dbstat"))
    frames = [p for c in commits for p in c]
    print("commits %d, frames %d, %.1f frames a commit" % (len(commits), len(frames), len(frames) / len(commits)))
    by = collections.Counter(names.get(p, "(new or free)") for p in frames)
    for name, n in by.most_common():
        print("%8d %7.2f a commit  %s" % (n, n / len(commits), name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
