"""test_systemd_unit.py - contrib/parley.service: `systemd-analyze verify` accepts it without a word (its
ExecStart pointed at the binary under test, since verify wants the executable to exist), the sandbox
directives issue 14 asks for are there, `systemd-analyze security --offline` rates it at most 1.5,
the options it and contrib/parley.env pass are ones `parley serve` takes, and every system call
`parley serve` makes while serving (traced with strace, as an unprivileged user like the service's)
is one the unit's SystemCallFilter allows. Needs no running systemd: verify and security --offline
read unit files only."""

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
import harness  # noqa: E402

UNIT = os.path.join(ROOT, "contrib", "parley.service")
ENV = os.path.join(ROOT, "contrib", "parley.env")
INSTALLED_BIN = "/usr/local/bin/parley"   # where the unit expects parley (README: make install)
MAX_EXPOSURE = 15                          # systemd-analyze security --threshold: tenths (1.5)
NOBODY = 65534


def unit_lines():
    """[(section, key, value)] of the unit file, in order."""
    out, section = [], None
    with open(UNIT) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            k, _, v = line.partition("=")
            out.append((section, k.strip(), v.strip()))
    return out


def read_text(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace")


def exec_start():
    return [v for s, k, v in unit_lines() if s == "Service" and k == "ExecStart"][0]


def syscall_groups():
    """{"@group": [members (syscalls or @groups)]} from `systemd-analyze syscall-filter`."""
    out = subprocess.run(["systemd-analyze", "syscall-filter"], capture_output=True, text=True, check=True).stdout
    groups, cur = {}, None
    for line in out.splitlines():
        if line.startswith("@"):
            cur = line.strip()
            groups[cur] = []
        elif cur and line.strip() and not line.strip().startswith("#"):
            groups[cur].append(line.strip())
    return groups


def expand(groups, name):
    names = set()
    for m in groups[name]:
        names |= expand(groups, m) if m.startswith("@") else {m}
    return names


class SystemdUnitTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="parley-unit-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.bin = harness.parley_bin()

    def installed_copy(self):
        """The unit with ExecStart pointing at the binary under test, in a temp dir."""
        with open(UNIT) as f:
            text = f.read()
        self.assertIn("ExecStart=" + INSTALLED_BIN + " ", text)
        path = os.path.join(self.tmp, "parley.service")
        with open(path, "w") as f:
            f.write(text.replace("ExecStart=" + INSTALLED_BIN, "ExecStart=" + os.path.abspath(self.bin)))
        return path

    def test_verify_says_nothing(self):
        p = subprocess.run(["systemd-analyze", "verify", "--man=no", self.installed_copy()],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual((p.stdout + p.stderr).strip(), "", "systemd-analyze verify has something to say")

    def test_verify_notices_a_missing_binary(self):
        """The check above has teeth: a unit whose ExecStart does not exist is refused."""
        with open(UNIT) as f:
            text = f.read()
        path = os.path.join(self.tmp, "parley.service")
        with open(path, "w") as f:
            f.write(text.replace("ExecStart=" + INSTALLED_BIN, "ExecStart=" + os.path.join(self.tmp, "no-parley")))
        p = subprocess.run(["systemd-analyze", "verify", "--man=no", path], capture_output=True, text=True,
                           timeout=120)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("no-parley", p.stderr)

    def test_hardening(self):
        svc = {k: v for s, k, v in unit_lines() if s == "Service" and k != "SystemCallFilter"}
        for k, v in (("DynamicUser", "yes"), ("ProtectSystem", "strict"), ("StateDirectory", "parley"),
                     ("NoNewPrivileges", "yes"), ("ProtectHome", "yes"), ("PrivateTmp", "yes"),
                     ("PrivateDevices", "yes"), ("CapabilityBoundingSet", ""),
                     ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"),
                     ("EnvironmentFile", "-/etc/parley/parley.env")):
            self.assertEqual(svc.get(k), v, k)
        filters = [v for s, k, v in unit_lines() if k == "SystemCallFilter"]
        self.assertEqual(filters[0], "@system-service")
        # the database lives in the state directory; nothing else is writable
        self.assertIn("--db /var/lib/parley/parley.db", exec_start())
        self.assertNotIn("ReadWritePaths", svc)
        p = subprocess.run(["systemd-analyze", "security", "--offline=true", "--threshold=%d" % MAX_EXPOSURE,
                            "--no-pager", self.installed_copy()], capture_output=True, text=True, timeout=120)
        level = re.search(r"Overall exposure level for parley\.service: ([\d.]+)", p.stdout)
        self.assertIsNotNone(level, p.stdout + p.stderr)
        self.assertEqual(p.returncode, 0, "exposure %s is over %.1f:\n%s"
                         % (level.group(1), MAX_EXPOSURE / 10, p.stdout))

    def test_options_are_parley_serve_options(self):
        helptext = subprocess.run([self.bin, "serve", "--help"], capture_output=True, text=True).stdout
        args = shlex.split(exec_start())
        self.assertEqual(args[:2], [INSTALLED_BIN, "serve"])
        with open(ENV) as f:
            env = [l.lstrip("#").strip() for l in f if re.match(r"^#?[A-Z_]+=", l)]
        self.assertTrue(env)
        self.assertIn("$PARLEY_SERVE_OPTIONS", args)
        for line in env:
            name, _, value = line.partition("=")
            self.assertIn(name, ("PARLEY_SERVE_OPTIONS", "PARLEY_GROUP_STATS"), "what reads %s?" % name)
            if name == "PARLEY_SERVE_OPTIONS":
                args += value.split()
        for a in args[2:]:
            if a.startswith("--"):
                self.assertRegex(helptext, r"(?m)^  %s\b" % re.escape(a), a)

    def test_system_calls_are_allowed(self):
        """parley serve, started the way the unit starts it, makes only system calls the filter allows."""
        strace = shutil.which("strace")
        if not strace:
            self.fail("strace is missing (scripts/deps.sh installs it)")
        with open(self.bin, "rb") as f:
            if b"libasan.so" in f.read():
                self.skipTest("the sanitizer runtime makes system calls of its own; the plain build's run checks this")
        groups = syscall_groups()
        allowed = expand(groups, "@system-service") - expand(groups, "@privileged") - expand(groups, "@resources")
        for _, k, v in unit_lines():
            if k == "SystemCallFilter" and v not in ("@system-service", "~@privileged @resources"):
                self.fail("update this test for SystemCallFilter=%s" % v)
        # a database with data, owned by the user the server will run as (nobody when we are root)
        db = os.path.join(self.tmp, "parley.db")
        org = subprocess.run([self.bin, "org", "create", "Unit", "--admin-email", "a@unit.example", "--db", db],
                             capture_output=True, text=True, check=True)
        key = org.stdout.strip().splitlines()[-1]
        subprocess.run([self.bin, "seed", "--org", "Unit", "--count", "50", "--db", db], capture_output=True,
                       check=True)
        drop = []
        binary = os.path.abspath(self.bin)
        if os.geteuid() == 0:
            # a copy nobody can reach: the checkout may sit below a directory only root may enter
            # (a clone into `mktemp -d`, mode 0700, failed with "Can't stat ...: Permission denied")
            binary = os.path.join(self.tmp, "parley")
            shutil.copy2(self.bin, binary)
            os.chmod(binary, 0o755)
            for dirpath, _, files in os.walk(self.tmp):
                os.chown(dirpath, NOBODY, NOBODY)
                for fn in files:
                    os.chown(os.path.join(dirpath, fn), NOBODY, NOBODY)
            drop = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups"]
        port = harness.free_port()
        summary = os.path.join(self.tmp, "strace.txt")
        argv = [a.replace("/var/lib/parley/parley.db", db) for a in shlex.split(exec_start())
                if a != "$PARLEY_SERVE_OPTIONS"]
        argv[0] = binary
        argv += ["--listen", "127.0.0.1:%d" % port, "--threads", "2", "--log-requests"]
        errpath = os.path.join(self.tmp, "serve.stderr")
        with open(errpath, "wb") as err:
            proc = subprocess.Popen(drop + [strace, "-f", "-qq", "-c", "-o", summary] + argv,
                                    stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        try:
            deadline = time.monotonic() + 30
            while "listening on" not in read_text(errpath):
                if proc.poll() is not None or time.monotonic() > deadline:
                    text = read_text(errpath)
                    if "ptrace" in text and "Operation not permitted" in text:
                        self.skipTest("strace cannot trace here (ptrace is not permitted): " + text.strip())
                    self.fail("parley serve under strace did not start:\n" + text)
                time.sleep(0.05)
            srv = harness.Server()   # not started: a client of the server traced above
            srv.port = port
            self.exercise(srv, key)
        finally:
            server = [c for c in child_pids(proc.pid) if cmdline(c).startswith(argv[0] + " ")]
            for pid in server:
                os.kill(pid, signal.SIGTERM)
            rc = proc.wait(60)
        self.assertEqual(rc, 0, read_text(errpath))
        used = set()
        with open(summary) as f:
            for line in f:
                # % time, seconds, usecs/call, calls, [errors,] syscall
                m = re.match(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+\d+\s+(?:\d+\s+)?([a-z_0-9]+)\s*$", line)
                if m and m.group(1) != "total":
                    used.add(m.group(1))
        self.assertIn("accept4", used)
        self.assertIn("fdatasync", used)
        refused = sorted(used - allowed)
        self.assertEqual(refused, [], "system calls the unit's SystemCallFilter refuses (EPERM)")

    def exercise(self, srv, key):
        """Reads, writes, errors: the paths a service runs through."""
        r = srv.req("GET", "/v2/conversations?size=20", key)
        self.assertEqual(r.status, 200, r)
        first = r.body["data"][0]
        cid, user = first["id"], first["attributes"]["userUUID"]
        for path in ("/v2/conversations/" + cid, "/v2/conversations/list?filter[title]=call",
                     "/v2/conversations/workflow-logs", "/v2/users", "/v2/teams", "/v2/api_keys", "/healthz"):
            self.assertEqual(srv.req("GET", path, key).status, 200, path)
        self.assertEqual(srv.req("GET", "/v2/conversations/" + harness.UNKNOWN_UUID, key).status, 404)
        self.assertEqual(srv.req("GET", "/v2/conversations", "wrong").status, 401)
        self.assertEqual(srv.req("DELETE", "/v2/conversations/" + cid, key).status, 200)
        self.assertEqual(srv.req("POST", "/v2/conversations/%s/unarchive" % cid, key).status, 200)
        self.assertEqual(srv.req("PUT", "/v2/conversations/%s/title" % cid, key, {"title": "traced"}).status, 200)
        for i in range(30):
            self.assertEqual(srv.req("POST", "/v2/conversations/import", key, {
                "mediaURL": "https://media.example.com/unit/%d.mp4" % i, "userID": user}).status, 200)


def child_pids(pid):
    """Every descendant of pid (from /proc)."""
    kids = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open("/proc/%s/stat" % p) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                kids.append(int(p))
    return kids + [g for k in kids for g in child_pids(k)]


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


if __name__ == "__main__":
    unittest.main(verbosity=2)
