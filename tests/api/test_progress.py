"""test_progress.py - the progress line of `parley seed`, `export`, `load` and `backup` (issue 14): drawn
on stderr when it is a terminal (a pseudo-terminal here), redrawn in place with \\r and ended with a
newline; nothing extra when stderr is not a terminal; nothing with --quiet."""

import os
import pty
import re
import subprocess
import sys
import tempfile
import threading
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402

srv = None
A = B = None
COUNT = 300


def setUpModule():
    global srv, A, B
    srv = harness.module_server()
    A = srv.create_org("progress-a", "admin@progress-a.example")
    B = srv.create_org("progress-b", "admin@progress-b.example")


def run_tty(args, piped=None, stdout_tty=False):
    """Runs parley ARGS with stderr (and stdout when stdout_tty) on a new pseudo-terminal, and the
    bytes piped (when given) on a pipe as stdin. Returns (exit status, stdout bytes, terminal bytes)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([srv.bin] + [str(a) for a in args],
                         stdin=subprocess.PIPE if piped is not None else subprocess.DEVNULL,
                         stdout=slave if stdout_tty else subprocess.PIPE, stderr=slave)
    os.close(slave)
    if piped is not None:
        def feed():
            try:
                p.stdin.write(piped)
            finally:
                p.stdin.close()
        threading.Thread(target=feed, daemon=True).start()
    out = {}
    t = None
    if not stdout_tty:
        t = threading.Thread(target=lambda: out.setdefault("stdout", p.stdout.read()))
        t.start()
    term = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:          # EIO: every writer closed the terminal
            break
        if not chunk:
            break
        term += chunk
    os.close(master)
    if t:
        t.join(120)
        p.stdout.close()
    p.wait(120)
    return p.returncode, out.get("stdout", b""), term


def run_pipes(args):
    p = subprocess.run([srv.bin] + [str(a) for a in args], stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


# One drawn line: \r, the text, optional padding; the terminal turns the final \n into \r\n.
def line_re(label, unit, total=True):
    of = r"/(\d+)" if total else ""
    eta = r", ETA (\d+:\d\d|--:--)" if total else ""
    return re.compile(r"\r%s: (\d+)%s %s, (\d+|-)/s(%s| *)" % (label, of, unit, eta))


def final_re(label, unit, count, total=True):
    of = "/%d" % count if total else ""
    return re.compile(r"\r%s: %d%s %s, (\d+|-)/s, done in \d+:\d\d\r\n" % (label, count, of, unit))


class ProgressTest(unittest.TestCase):
    def test_seed_export_load_on_a_terminal(self):
        db = ["--db", srv.db]
        rc, out, term = run_tty(["seed", "--org", A.org, "--count", COUNT, "--seed", 11] + db)
        self.assertEqual(rc, 0, term)
        self.assertEqual(out, b"inserted %d conversations\n" % COUNT)
        text = term.decode()
        self.assertRegex(text, final_re("seed", "conversations", COUNT))
        self.assertTrue(text.endswith("\r\n"))
        self.assertEqual(text.count("\n"), 1, "one line, redrawn in place: %r" % text[-300:])
        for m in line_re("seed", "conversations").finditer(text):
            self.assertEqual(int(m.group(2)), COUNT)
            self.assertLessEqual(int(m.group(1)), COUNT)

        with tempfile.TemporaryDirectory() as tmp:
            dump = os.path.join(tmp, "a.jsonl")
            rc, out, term = run_tty(["export", "--org", A.org] + db)
            self.assertEqual(rc, 0, term)
            with open(dump, "wb") as f:
                f.write(out)
            n = out.count(b"\n")
            self.assertGreater(n, COUNT // 2)
            text = term.decode()
            self.assertRegex(text, final_re("export", "conversations", n))
            self.assertTrue(text.endswith("exported %d conversations\r\n" % n), text[-200:])

            # load from a file knows the total; from a pipe only the count and the rate
            rc, out, term = run_tty(["load", "--org", B.org, "--new-ids", dump] + db)
            self.assertEqual(rc, 0, term)
            self.assertTrue(out.startswith(b"loaded %d conversations" % n), out)
            self.assertRegex(term.decode(), final_re("load", "lines", n))
            srv.cli("org", "create", "progress-c", "--admin-email", "admin@progress-c.example")
            with open(dump, "rb") as f:
                rc, out, term = run_tty(["load", "--org", "progress-c", "--new-ids", "-"] + db, piped=f.read())
            self.assertEqual(rc, 0, term)
            self.assertRegex(term.decode(), final_re("load", "lines", n, total=False))
            self.assertNotIn("ETA", term.decode())

    def test_nothing_when_not_a_terminal_or_quiet(self):
        db = ["--db", srv.db]
        rc, out, err = run_pipes(["seed", "--org", A.org, "--count", 50, "--seed", 12] + db)
        self.assertEqual((rc, out, err), (0, b"inserted 50 conversations\n", b""))
        rc, out, term = run_tty(["seed", "--org", A.org, "--count", 50, "--seed", 13, "--quiet"] + db)
        self.assertEqual((rc, out, term), (0, b"inserted 50 conversations\n", b""))

        rc, dump, err = run_pipes(["export", "--org", A.org] + db)
        self.assertEqual(rc, 0)
        n = dump.count(b"\n")
        self.assertEqual(err, b"exported %d conversations\n" % n)
        rc, out, term = run_tty(["export", "--org", A.org, "--quiet"] + db)
        self.assertEqual((rc, term), (0, b"exported %d conversations\r\n" % n))
        self.assertEqual(out, dump)
        # the lines themselves on the terminal: no progress line among them
        rc, _, term = run_tty(["export", "--org", A.org] + db, stdout_tty=True)
        self.assertEqual(rc, 0)
        self.assertNotIn(b"\rexport:", term)

        with tempfile.NamedTemporaryFile(suffix=".jsonl") as f:
            f.write(dump)
            f.flush()
            srv.cli("org", "create", "progress-d", "--admin-email", "admin@progress-d.example")
            rc, out, err = run_pipes(["load", "--org", "progress-d", "--new-ids", f.name] + db)
            self.assertEqual((rc, err), (0, b""))
            srv.cli("org", "create", "progress-e", "--admin-email", "admin@progress-e.example")
            rc, out, term = run_tty(["load", "--org", "progress-e", "--new-ids", "--quiet", f.name] + db)
            self.assertEqual((rc, term), (0, b""))
            self.assertTrue(out.startswith(b"loaded %d conversations" % n))

    @unittest.skipIf(harness.PG_ADMIN, "SQLite only: `parley backup` copies SQLite files")
    def test_backup(self):
        with tempfile.TemporaryDirectory() as tmp:
            rc, out, term = run_tty(["backup", "--db", srv.db, "--to", os.path.join(tmp, "b.db")])
            self.assertEqual(rc, 0, term)
            pages = int(re.search(rb"^pages: (\d+)$", out, re.M).group(1))
            self.assertRegex(term.decode(), final_re("backup", "pages", pages))
            rc, out, err = run_pipes(["backup", "--db", srv.db, "--to", os.path.join(tmp, "c.db")])
            self.assertEqual((rc, err), (0, b""))
            rc, out, term = run_tty(["backup", "--quiet", "--db", srv.db, "--to", os.path.join(tmp, "d.db")])
            self.assertEqual((rc, term), (0, b""))


if __name__ == "__main__":
    unittest.main(verbosity=2)
