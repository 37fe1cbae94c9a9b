"""harness.py - shared helpers for Parley's end-to-end tests (standard library only).

A `Server` runs `PARLEY_BIN serve` on a free loopback port with a fresh
database in a temporary directory, wraps the CLI that manages organizations,
users and keys, and offers a small HTTP client. On stop it checks that the
server exited 0 on SIGTERM and that no API key created during the test ever
appeared in the server's output.

Every response `req` and `raw` receive is checked against docs/openapi.json
(openapi_check.py): a mismatch fails the request's test at once, and is also
recorded so that `stop` fails the module should a worker thread have swallowed it.
"""

import atexit
import collections
import http.client
import json
import os
import re
import secrets
import select
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import openapi_check

HERE = os.path.dirname(os.path.abspath(__file__))
# PARLEY_SERVER_WRAPPER (e.g. "valgrind --error-exitcode=99") is put in front of
# `parley serve`; under it every startup/shutdown/request timeout is SLOW times longer.
WRAPPER = shlex.split(os.environ.get("PARLEY_SERVER_WRAPPER", ""))
SLOW = 8 if WRAPPER else 1
ROOT = os.path.dirname(os.path.dirname(HERE))

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")  # always milliseconds (beyond.md §0)
JSON_CT = "application/json; charset=utf-8"
PROBLEM_CT = "application/problem+json"
AUTH_DETAIL = "Authentication failed - valid API key required"
NIL_UUID = "00000000-0000-0000-0000-000000000000"
KEY_MATERIAL_RE = re.compile(r"prl_[A-Za-z0-9_-]{16,}")   # anything that looks like (part of) an API key
UNKNOWN_UUID = "0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee"

# Every attribute of spec §3, in the groups the spec lists them.
ATTRIBUTES = [
    # identity, time
    "uuid", "title", "createdAt", "finishedAt", "liveStreamStartedAt", "liveStreamEndedAt",
    "userUUID", "teamUUID", "dealUUID", "emailTemplateID", "externalIntelligenceOpportunityID",
    "videoUID", "mediaDuration",
    # flags
    "archived", "referenceable", "private", "isInternal", "isEmpty",
    # statuses
    "videoStatus", "mediaStorageStatus", "importStatus", "transcriptStatus", "crmExportStatus",
    # meeting links
    "zoomMeetingJoinUrl", "googleMeetJoinUrl", "microsoftTeamsJoinUrl", "webexJoinUrl",
    # people
    "participants", "attendees", "user",
    # recording, coaching
    "bots", "boards", "talktracks", "scorecardResults",
    # CRM
    "externalOpportunity", "linkedCrmRecords", "externalAccounts", "externalContacts",
    "importMetadata", "zoomMetadata",
    # intelligence
    "extractedIntelligence", "confirmedExtractedIntelligence", "labels",
    "labelTagsToFilterIfNA", "deprecatedLabelCategories",
    # transcript
    "transcript",
]
# The attribute order of the seed page (shared/seed/archive-conversation.txt); attributes it does
# not show (user, zoomMetadata, archivedAt) may sit anywhere, the others keep this relative order.
SEED_PAGE_ORDER = [
    "uuid", "title", "createdAt", "finishedAt", "liveStreamStartedAt", "liveStreamEndedAt", "userUUID",
    "teamUUID", "archived", "referenceable", "private", "isInternal", "isEmpty", "mediaDuration", "videoUID",
    "videoStatus", "mediaStorageStatus", "transcriptStatus", "crmExportStatus", "importStatus", "dealUUID",
    "emailTemplateID", "externalIntelligenceOpportunityID", "zoomMeetingJoinUrl", "googleMeetJoinUrl",
    "microsoftTeamsJoinUrl", "webexJoinUrl", "transcript", "participants", "attendees", "bots", "boards",
    "talktracks", "scorecardResults", "externalOpportunity", "importMetadata", "linkedCrmRecords",
    "externalAccounts", "externalContacts", "extractedIntelligence", "confirmedExtractedIntelligence",
    "labels", "labelTagsToFilterIfNA", "deprecatedLabelCategories",
]
STRING_ATTRS = [
    "uuid", "title", "createdAt", "finishedAt", "liveStreamStartedAt", "liveStreamEndedAt",
    "userUUID", "teamUUID", "dealUUID", "emailTemplateID", "externalIntelligenceOpportunityID",
    "videoUID", "videoStatus", "mediaStorageStatus", "importStatus", "transcriptStatus",
    "crmExportStatus", "zoomMeetingJoinUrl", "googleMeetJoinUrl", "microsoftTeamsJoinUrl",
    "webexJoinUrl",
]
BOOL_ATTRS = ["archived", "referenceable", "private", "isInternal", "isEmpty"]
ARRAY_ATTRS = ["participants", "attendees", "bots", "boards", "talktracks", "scorecardResults",
               "linkedCrmRecords", "externalAccounts", "externalContacts",
               "labelTagsToFilterIfNA", "deprecatedLabelCategories"]
OBJECT_ATTRS = ["user", "importMetadata", "zoomMetadata",
                "extractedIntelligence", "confirmedExtractedIntelligence", "labels"]
MEDIA_STATUSES = {"PENDING", "UNAVAILABLE", "IMPORTING", "READY"}
IMPORT_STATUSES = {"NONE", "PENDING", "IN_PROGRESS", "FINISHED", "DISCARDED", "FAILED"}
TRANSCRIPT_STATUSES = {"PENDING", "IN_PROGRESS", "COMPLETED", "FAILED"}
CRM_EXPORT_STATUSES = {"NONE", "PENDING", "EXPORTED", "FAILED"}


def parley_bin():
    """Path of the parley binary: $PARLEY_BIN, else <repo>/build/parley."""
    b = os.environ.get("PARLEY_BIN") or os.path.join(ROOT, "build", "parley")
    if not os.access(b, os.X_OK):
        raise RuntimeError("parley binary not found or not executable: %r (set PARLEY_BIN)" % b)
    return b


# PARLEY_TEST_PG_ADMIN (a libpq URL of a PostgreSQL server where we may CREATE DATABASE): every
# Server then uses a fresh database there instead of a SQLite file (dropped when it stops).
PG_ADMIN = os.environ.get("PARLEY_TEST_PG_ADMIN", "")
if os.environ.get("PARLEY_TEST_PG_REQUIRED") and not PG_ADMIN:
    raise SystemExit("PARLEY_TEST_PG_ADMIN is not set: run the PostgreSQL tests through "
                     "`scripts/pg-test-cluster.sh run ctest …` (make test does)")


def pg_psql(sql, url=None):
    """Runs one SQL command with psql against url (default PG_ADMIN); raises on failure."""
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url or PG_ADMIN, "-c", sql],
                   check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)


def pg_create_db():
    """CREATE DATABASE with a unique name on PG_ADMIN; returns (name, libpq URL of it)."""
    name = "parley_test_%d_%s" % (os.getpid(), os.urandom(4).hex())
    pg_psql('CREATE DATABASE "%s"' % name)
    u = urllib.parse.urlsplit(PG_ADMIN)
    return name, urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))


def pg_drop_db(name):
    try:
        pg_psql('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
    except (subprocess.SubprocessError, OSError):
        pass


def free_port():
    """A loopback port that was free a moment ago (bind port 0, close)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


class DuplicateKeyError(ValueError):
    pass


def _no_dup_pairs(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise DuplicateKeyError("duplicate key %r in response JSON" % k)
        d[k] = v
    return d


def _bad_constant(name):
    raise ValueError("non-JSON constant %s in response" % name)


def loads_strict(raw):
    """Parses a response body as UTF-8 JSON, refusing duplicate keys and NaN/Infinity."""
    return json.loads(raw.decode("utf-8"), object_pairs_hook=_no_dup_pairs,
                      parse_constant=_bad_constant)


class Resp(collections.namedtuple("Resp", "status headers body")):
    """(status, headers, body): body is parsed JSON when it parses, else text.
    `raw` holds the bytes, `json_error` why parsing failed (None when it did not)."""
    raw = b""
    json_error = None

    @property
    def ctype(self):
        return self.headers.get("Content-Type", "") if self.headers is not None else ""

    def __repr__(self):
        return "<%s %s %r>" % (self.status, self.ctype, self.raw[:600])


def _make_resp(status, headers, raw):
    try:
        body, err = loads_strict(raw), None
    except (ValueError, UnicodeDecodeError) as e:
        body, err = raw.decode("utf-8", "replace"), str(e)
    r = Resp(status, headers, body)
    r.raw = raw
    r.json_error = err
    return r


class _RawHeaders(dict):
    """Case-insensitive header map for responses read from a raw socket."""

    def get(self, k, default=None):
        return dict.get(self, k.lower(), default)

    def __getitem__(self, k):
        return dict.__getitem__(self, k.lower())

    def __contains__(self, k):
        return dict.__contains__(self, k.lower())


def parse_raw_response(data):
    """Parses bytes of one HTTP/1.1 response (Content-Length, chunked or to EOF).
    Returns a Resp or None when there is no complete status line."""
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        return None
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
    if not m:
        return None
    hdrs = _RawHeaders()
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    body = rest
    if "content-length" in hdrs:
        body = rest[: int(hdrs["content-length"])]
    elif hdrs.get("transfer-encoding", "").lower() == "chunked":
        out, buf = b"", rest
        while buf:
            size_line, _, buf = buf.partition(b"\r\n")
            n = int(size_line.split(b";")[0] or b"0", 16)
            if n == 0:
                break
            out += buf[:n]
            buf = buf[n + 2:]
        body = out
    return _make_resp(int(m.group(1)), hdrs, body)


# Servers still running when the interpreter exits (a crashed setUp, ^C) are killed.
_LIVE = set()


@atexit.register
def _kill_leftovers():
    for s in list(_LIVE):
        s._force_cleanup()


Org = collections.namedtuple("Org", "org admin team key_id key")


class Server:
    """A parley server on a free port with a fresh database in a temp dir."""

    def __init__(self, threads=2, extra_args=(), admin=False):
        self.bin = parley_bin()
        self.threads = threads
        self.extra_args = [str(a) for a in extra_args]   # more `parley serve` options
        self.secrets = set()   # every API key (and admin token) created through this harness
        self.admin_token = None
        if admin:   # the admin API (/_parley/) on, with a fresh token
            self.admin_token = "adm_" + secrets.token_hex(24)
            self.secrets.add(self.admin_token)
            self.extra_args += ["--admin-token", self.admin_token]
        self.proc = None
        self.dir = None
        self.port = None
        self.openapi_failures = []   # messages of responses that did not match docs/openapi.json
        self.fault_rules = {}        # id -> fault rule made through req(): its answers are not the document's
        self._errf = self._outf = None

    # ---- lifecycle -----------------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self, reuse=False):
        """Starts the server and waits (<= 10 s) for its `listening on` line.
        reuse: keep the directory and database of the previous run (restart)."""
        if not reuse:
            self.dir = tempfile.mkdtemp(prefix="parley-e2e-")
            self.db = os.path.join(self.dir, "parley.db")
            if getattr(self, "shared_db", None):      # a second server on another's database
                self.db = self.shared_db
            elif PG_ADMIN and not getattr(self, "pg_db", None):
                self.pg_db, self.db = pg_create_db()
        self.stderr_path = os.path.join(self.dir, "server.stderr")
        self.stdout_path = os.path.join(self.dir, "server.stdout")
        _LIVE.add(self)
        try:
            last = ""
            for _attempt in range(3):
                self.port = free_port()
                self._errf = open(self.stderr_path, "ab")
                self._outf = open(self.stdout_path, "ab")
                self.proc = subprocess.Popen(
                    WRAPPER + [self.bin, "serve", "--listen", "127.0.0.1:%d" % self.port, "--db", self.db,
                               "--threads", str(self.threads)] + self.extra_args,
                    stdin=subprocess.DEVNULL, stdout=self._outf, stderr=self._errf)
                want = "listening on http://127.0.0.1:%d" % self.port
                deadline = time.monotonic() + 10 * SLOW
                while time.monotonic() < deadline:
                    if want in self.stderr_text():
                        self.base = "http://127.0.0.1:%d" % self.port
                        return
                    if self.proc.poll() is not None:
                        break
                    time.sleep(0.02)
                last = self.stderr_text()
                if self.proc.poll() is None:   # no line within 10 s: give up
                    self.proc.kill()
                    self.proc.wait()
                    raise RuntimeError("server printed no %r within 10 s; stderr:\n%s" % (want, last[-3000:]))
                self._close_files()
                if "in use" not in last.lower():
                    break   # not a port race: do not retry
            raise RuntimeError("server exited with %s before listening; stderr:\n%s"
                               % (self.proc.returncode, last[-3000:]))
        except BaseException:
            self._force_cleanup()
            raise

    def stderr_text(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stdout_text(self):
        try:
            with open(self.stdout_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """SIGTERM; asserts exit code 0 within 10 s and that no key was logged.
        Always removes the temp dir and leaves no process behind."""
        if self.proc is None:
            return
        try:
            self._halt()
        finally:
            self._force_cleanup()

    def restart(self, between=None, extra_args=()):
        """Stops the server as stop() does (same checks) but keeps its
        directory and database, runs between() if given (the server is down
        then), and starts it again with extra_args added."""
        try:
            self._halt()
        except BaseException:
            self._force_cleanup()
            raise
        self.proc = None
        self._close_files()
        if between:
            between()
        self.extra_args += [str(a) for a in extra_args]
        self.start(reuse=True)

    def _halt(self):
        """SIGTERM and the checks of stop(), without removing anything."""
        died_early = self.proc.poll() is not None
        if not died_early:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10 * SLOW)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("server did not exit within 10 s of SIGTERM; stderr tail:\n"
                                     + self.stderr_text()[-2000:])
        rc = self.proc.returncode
        log = self.stderr_text() + self.stdout_text()
        if died_early:
            raise AssertionError("server died during the tests (exit %s); stderr tail:\n%s"
                                 % (rc, log[-3000:]))
        if rc != 0:
            raise AssertionError("server exited with %s on SIGTERM (want 0); stderr tail:\n%s"
                                 % (rc, log[-3000:]))
        leaked = sorted(k for k in self.secrets if k and k in log)
        leaked += KEY_MATERIAL_RE.findall(log)   # keys made outside the harness (POST /api_keys) too
        if leaked:
            raise AssertionError("%d API key(s) appear in the server's output (secrets must never be logged)"
                                 % len(leaked))
        if self.openapi_failures:
            raise AssertionError("%d response(s) did not match docs/openapi.json; the first: %s"
                                 % (len(self.openapi_failures), self.openapi_failures[0]))

    def _close_files(self):
        for f in (self._errf, self._outf):
            if f is not None:
                f.close()
        self._errf = self._outf = None

    def _force_cleanup(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        self._close_files()
        if self.dir and os.path.isdir(self.dir):
            shutil.rmtree(self.dir, ignore_errors=True)
        if getattr(self, "pg_db", None):
            pg_drop_db(self.pg_db)
            self.pg_db = None
        _LIVE.discard(self)

    # ---- CLI -----------------------------------------------------------------
    def cli_run(self, *args, db=True, timeout=60):
        """Runs `parley ARGS [--db DB]`; returns the CompletedProcess (text)."""
        cmd = [self.bin] + [str(a) for a in args] + (["--db", self.db] if db else [])
        return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=timeout)

    def cli(self, *args):
        """Runs `parley ARGS --db DB`; returns stdout, raises unless it exited 0."""
        p = self.cli_run(*args)
        if p.returncode != 0:
            raise AssertionError("parley %s exited %d\nstdout: %s\nstderr: %s"
                                 % (" ".join(map(str, args)), p.returncode, p.stdout, p.stderr))
        return p.stdout

    @staticmethod
    def _lines(out):
        return [l.strip() for l in out.strip().splitlines() if l.strip()]

    @staticmethod
    def _field(lines, label):
        for l in lines:
            if l.startswith(label + ":"):
                return l.split(":", 1)[1].strip()
        raise AssertionError("no %r line in CLI output: %r" % (label, lines))

    def create_org(self, name, admin_email):
        """`parley org create NAME --admin-email EMAIL`: returns Org(org, admin, team, key_id, key)."""
        p = self.cli_run("org", "create", name, "--admin-email", admin_email)
        if p.returncode != 0:
            raise AssertionError("org create exited %d: %s" % (p.returncode, p.stderr))
        lines = self._lines(p.stdout)
        key = lines[-1]
        self.secrets.add(key)
        if key in p.stderr:
            raise AssertionError("org create printed the key on stderr")
        return Org(self._field(lines, "organization"), self._field(lines, "admin user"),
                   self._field(lines, "team"), self._field(lines, "key id"), key)

    def create_user(self, org, email, first=None, last=None, team=None):
        """`parley user create`: returns the new user's uuid (last stdout line)."""
        args = ["user", "create", "--org", org, "--email", email]
        if first is not None:
            args += ["--first-name", first]
        if last is not None:
            args += ["--last-name", last]
        if team is not None:
            args += ["--team", team]
        return self._lines(self.cli(*args))[-1]

    def create_key(self, org, org_level=True, user=None, name=None):
        """`parley key create`: returns (key_id, key)."""
        args = ["key", "create", "--org", org]
        args += ["--user", user] if user is not None else ["--org-level"]
        if name is not None:
            args += ["--name", name]
        p = self.cli_run(*args)
        if p.returncode != 0:
            raise AssertionError("key create exited %d: %s" % (p.returncode, p.stderr))
        lines = self._lines(p.stdout)
        key = lines[-1]
        self.secrets.add(key)
        if key in p.stderr:
            raise AssertionError("key create printed the key on stderr")
        return self._field(lines, "key id"), key

    def revoke_key(self, org, key_id):
        return self.cli("key", "revoke", "--org", org, "--id", key_id)

    def seed(self, org, count, seed=1):
        return self.cli("seed", "--org", org, "--count", str(count), "--seed", str(seed))

    # ---- HTTP ----------------------------------------------------------------
    def connect(self, timeout=15):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout * SLOW)

    def req(self, method, path, key=None, body=None, headers=None, auth_form="bearer", conn=None,
            timeout=15):
        """One request. body: dict/list → JSON, str/bytes → raw (Content-Type
        application/json unless headers set one). Returns Resp(status, headers, body)."""
        h = {}
        if key is not None:
            h["Authorization"] = ("Bearer " + key) if auth_form == "bearer" else key
        data = None
        if body is not None:
            if isinstance(body, (dict, list)):
                data = json.dumps(body).encode()
            elif isinstance(body, str):
                data = body.encode("utf-8")
            else:
                data = bytes(body)
            h["Content-Type"] = "application/json"
        for k, v in (headers or {}).items():
            if v is None:
                h.pop(k, None)
            else:
                h[k] = v
        own = conn is None
        c = conn or self.connect(timeout)
        try:
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            raw = r.read()
            resp = _make_resp(r.status, r.headers, raw)
        finally:
            if own:
                c.close()
        self._openapi(openapi_check.check, method, path, resp)
        self._track_faults(method, path, resp)
        return resp

    def _openapi(self, fn, *args, **kw):
        """Runs an openapi_check function with the fault rules that may answer; a mismatch is
        recorded, then raised."""
        try:
            return fn(*args, faults=list(self.fault_rules.values()), **kw)
        except openapi_check.OpenApiMismatch as e:
            self.openapi_failures.append(str(e))
            raise

    def _track_faults(self, method, path, resp):
        """Keeps the fault rules the admin API created (rules that expire are kept: harmless)."""
        p = path.split("?", 1)[0].rstrip("/")
        if method == "POST" and p == "/_parley/faults" and resp.status == 201 and isinstance(resp.body, dict):
            self.fault_rules[resp.body.get("id")] = resp.body
        elif method == "DELETE" and p == "/_parley/faults" and resp.status == 200:
            self.fault_rules.clear()
        elif method == "DELETE" and p.startswith("/_parley/faults/") and resp.status == 200:
            self.fault_rules.pop(p.rsplit("/", 1)[1], None)

    def raw(self, data, timeout=15, send_body=None):
        """Sends raw request bytes on a new socket (optionally followed by
        send_body, streamed and abandoned as soon as the server answers) and
        returns the parsed Resp, or None when the server closed without an answer."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        buf = b""
        try:
            try:
                s.sendall(data)
                if send_body:
                    view = memoryview(send_body)
                    off = 0
                    while off < len(view):
                        r, _, _ = select.select([s], [], [], 0)
                        if r:
                            break   # the server answered early
                        off += s.send(view[off:off + 262144])
            except (BrokenPipeError, ConnectionResetError):
                pass
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                try:
                    chunk = s.recv(65536)
                except (ConnectionResetError, socket.timeout):
                    break
                if not chunk:
                    break
                buf += chunk
                r = parse_raw_response(buf)
                if r is not None and "content-length" in r.headers and \
                        len(r.raw) >= int(r.headers["content-length"]):
                    break
        finally:
            s.close()
        resp = parse_raw_response(buf)
        self._openapi(openapi_check.check_raw, data, resp, header_limit=self.header_limit())
        return resp

    def import_conv(self, key, user_uuid, **fields):
        """POST /v2/conversations/import with mediaURL and userID filled in; returns the uuid."""
        body = {"mediaURL": "https://media.example.com/rec/%d.mp4" % time.monotonic_ns(),
                "userID": user_uuid}
        body.update(fields)
        r = self.req("POST", "/v2/conversations/import", key, body)
        if r.status != 200 or not isinstance(r.body, dict) or "uuid" not in r.body:
            raise AssertionError("import failed: %r" % (r,))
        return r.body["uuid"]

    def header_limit(self):
        """The server's --max-header-size (its default when not given)."""
        args = self.extra_args
        for i, a in enumerate(args[:-1]):
            if a == "--max-header-size":
                return int(args[i + 1])
        return openapi_check.DEFAULT_HEADER_LIMIT

    # ---- the admin API ---------------------------------------------------------
    def admin(self, method, path, body=None, headers=None, token=None):
        """A request to /_parley<path> with the admin token (or `token`)."""
        return self.req(method, "/_parley" + path, self.admin_token if token is None else token, body,
                        headers=headers)

    def admin_org(self, name=None, admin_email=None, seed=None):
        """POST /_parley/orgs; returns Org(org, admin, team=None, key_id=None, key)."""
        body = {}
        if name is not None:
            body["name"] = name
        if admin_email is not None:
            body["adminEmail"] = admin_email
        if seed is not None:
            body["seed"] = seed
        r = self.admin("POST", "/orgs", body)
        if r.status != 201:
            raise AssertionError("POST /_parley/orgs failed: %r" % (r,))
        self.secrets.add(r.body["key"])
        return Org(r.body["organization"]["uuid"], r.body["adminUser"]["uuid"], None, None, r.body["key"])

    def list_all(self, key, path="/v2/conversations/list", params=None, size=50):
        """Every row of a list endpoint, following page numbers; returns (rows, totalRecords)."""
        rows, page, total = [], 1, None
        while True:
            q = list(params or []) + [("page", str(page)), ("size", str(size))]
            r = self.req("GET", path + "?" + urllib.parse.urlencode(q), key)
            if r.status != 200:
                raise AssertionError("list %s failed: %r" % (q, r))
            total = r.body["meta"]["totalRecords"]
            rows += r.body["data"]
            if not r.body["data"] or len(rows) >= total or page > 1000:
                return rows, total
            page += 1


_NONLOOPBACK = []


def nonloopback_ipv4():
    """A local IPv4 address outside 127.0.0.0/8, for a client that the server must not treat as loopback
    (the per-address limit exempts loopback clients): the machine's first global address, else - as root
    on a machine without one - 198.18.0.1 added to lo for the rest of the process."""
    if _NONLOOPBACK:
        return _NONLOOPBACK[0]
    out = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope", "global"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if "inet" in parts:
            _NONLOOPBACK.append(parts[parts.index("inet") + 1].split("/")[0])
            return _NONLOOPBACK[0]
    if os.geteuid() != 0:
        raise RuntimeError("no global IPv4 address on this machine, and not root to add one")
    subprocess.run(["ip", "addr", "add", "198.18.0.1/32", "dev", "lo"], check=True)
    atexit.register(subprocess.run, ["ip", "addr", "del", "198.18.0.1/32", "dev", "lo"])
    _NONLOOPBACK.append("198.18.0.1")
    return _NONLOOPBACK[0]


def read_until_closed(socks, seconds):
    """Reads every socket in socks until the peer closes it (EOF or reset) or
    `seconds` pass. Returns (bufs, open_): bufs[i] = the bytes socket i got,
    open_ = the indices still not closed at the deadline."""
    pending = {s.fileno(): i for i, s in enumerate(socks)}
    bufs = [b""] * len(socks)
    deadline = time.monotonic() + seconds
    while pending and time.monotonic() < deadline:
        ready, _, _ = select.select(list(pending), [], [], 1.0)
        for fd in ready:
            i = pending[fd]
            try:
                chunk = socks[i].recv(65536)
            except ConnectionResetError:
                chunk = b""
            if chunk:
                bufs[i] += chunk
            else:
                del pending[fd]
    return bufs, sorted(pending.values())


def thread_states(pid):
    """[(tid, name, state letter, kernel wait channel, syscall number)] of every
    thread of pid, from /proc ("?" for what could not be read)."""
    def read(path):
        try:
            with open(path) as f:
                return f.read().strip()
        except OSError:
            return "?"
    out = []
    for tid in sorted(os.listdir("/proc/%d/task" % pid), key=int):
        t = "/proc/%d/task/%s/" % (pid, tid)
        state = read(t + "stat").rsplit(")", 1)[-1].split()[:1]
        out.append((tid, read(t + "comm"), state[0] if state else "?", read(t + "wchan"),
                    read(t + "syscall").split(" ")[0]))
    return out


def module_server():
    """Starts a Server for a test module; it is stopped (and checked) by a module cleanup."""
    srv = Server()
    srv.start()
    unittest.addModuleCleanup(srv.stop)
    return srv


# ---- transcripts ---------------------------------------------------------------
def transcript_v2(*segments):
    """v2 transcript from (speaker, text, start, end) tuples; words split evenly."""
    final = []
    for sp, text, start, end in segments:
        words = text.split()
        step = (end - start) / len(words)
        final.append({"speaker": sp, "words": [
            {"text": w, "startTimestamp": round(start + i * step, 3),
             "endTimestamp": round(start + (i + 1) * step, 3) if i + 1 < len(words) else end}
            for i, w in enumerate(words)]})
    return {"final": final}


def transcript_v1(*segments):
    """v1 transcript from (speaker, sentence, start, end) tuples."""
    return {"final": [{"speaker": sp, "sentence": text, "startTimestamp": s, "endTimestamp": e}
                      for sp, text, s, e in segments]}


def q(path, params):
    """path?urlencoded(params) (params: list of pairs or dict)."""
    return path + "?" + urllib.parse.urlencode(params)


# ---- assertions -----------------------------------------------------------------
class ApiTestCase(unittest.TestCase):
    """TestCase with the assertions every API test uses. Subclasses set `srv`."""
    srv = None
    maxDiff = 4000

    def get(self, path, key=None, **kw):
        return self.srv.req("GET", path, key, **kw)

    def assertProblem(self, r, status, code=None, detail=None, detail_has=()):
        """r is an RFC 9457 problem with this status (and code / exact detail /
        detail substrings, case-insensitive, when given)."""
        self.assertEqual(r.status, status, "want %d, got %r" % (status, r))
        self.assertTrue(r.ctype.startswith(PROBLEM_CT), "problem Content-Type, got %r" % (r,))
        self.assertIsInstance(r.body, dict, "problem body must be a JSON object: %r" % (r,))
        for k in ("type", "title", "status", "code", "detail"):
            self.assertIn(k, r.body, "problem lacks %r: %r" % (k, r))
        self.assertEqual(r.body["status"], status, r)
        self.assertIsInstance(r.body["title"], str)
        self.assertIsInstance(r.body["code"], str)
        self.assertIsInstance(r.body["detail"], str)
        self.assertTrue(r.body["detail"], "empty detail: %r" % (r,))
        if code is not None:
            self.assertEqual(r.body["code"], code, r)
        if detail is not None:
            self.assertEqual(r.body["detail"], detail, r)
        for d in ([detail_has] if isinstance(detail_has, str) else detail_has):
            self.assertIn(d.lower(), r.body["detail"].lower(), "detail should mention %r: %r" % (d, r))

    def assertUnauthorized(self, r):
        self.assertProblem(r, 401, code="unauthorized", detail=AUTH_DETAIL)

    def assertNotFound(self, r):
        self.assertProblem(r, 404, code="not_found")

    def assertOk(self, r):
        """200 with `application/json; charset=utf-8` and a JSON body."""
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.ctype.lower().replace(" ", ""), JSON_CT.replace(" ", ""), r)
        self.assertIsNone(r.json_error, "body is not strict JSON (%s): %r" % (r.json_error, r))
        return r.body

    def assertResource(self, res, transcript=None):
        """res is a whole conversation resource per spec §3.
        transcript: None (don't check) or "text" / "object" / "detailed"."""
        self.assertIsInstance(res, dict)
        self.assertNotIn("data", res, "single resources are never wrapped in data")
        self.assertEqual(set(res), {"type", "id", "attributes", "links"}, res.keys())
        self.assertEqual(res["type"], "conversations")
        self.assertRegex(res["id"], UUID_RE)
        self.assertEqual(res["links"], {"self": "/v2/conversations/" + res["id"]})
        a = res["attributes"]
        missing = [k for k in ATTRIBUTES if k not in a]
        self.assertEqual(missing, [], "attributes missing")
        extra = set(a) - set(ATTRIBUTES) - {"archivedAt"}
        self.assertEqual(extra, set(), "unexpected attributes")
        self.assertEqual(a["uuid"], res["id"])
        self.assertEqual([k for k in a if k in SEED_PAGE_ORDER], SEED_PAGE_ORDER,
                         "attributes keep the seed page's order")
        self.assertEqual(list(res), ["type", "id", "attributes", "links"], "top-level key order")
        # absent is null, not empty, for externalOpportunity alone (beyond.md §0)
        self._assert_null_free({k: v for k, v in a.items() if k != "externalOpportunity"}, "attributes")
        opp = a["externalOpportunity"]
        if opp is not None:
            self.assertEqual(set(opp), {"uuid", "title"}, "externalOpportunity is null or {uuid, title}")
            self._assert_null_free(opp, "attributes.externalOpportunity")
        for k in STRING_ATTRS:
            self.assertIsInstance(a[k], str, k)
        for k in BOOL_ATTRS:
            self.assertIsInstance(a[k], bool, k)
        for k in ARRAY_ATTRS:
            self.assertIsInstance(a[k], list, k)
        for k in OBJECT_ATTRS:
            self.assertIsInstance(a[k], dict, k)
        self.assertIsInstance(a["mediaDuration"], (int, float))
        self.assertNotIsInstance(a["mediaDuration"], bool)
        self.assertRegex(a["createdAt"], TIME_RE)
        for k in ("finishedAt", "liveStreamStartedAt", "liveStreamEndedAt"):
            if a[k]:
                self.assertRegex(a[k], TIME_RE, k)
        self.assertRegex(a["userUUID"], UUID_RE)
        self.assertIn(a["videoStatus"], MEDIA_STATUSES)
        self.assertIn(a["mediaStorageStatus"], MEDIA_STATUSES)
        self.assertIn(a["importStatus"], IMPORT_STATUSES)
        self.assertIn(a["transcriptStatus"], TRANSCRIPT_STATUSES)
        self.assertIn(a["crmExportStatus"], CRM_EXPORT_STATUSES)
        for k in ("uuid", "email", "firstName", "lastName", "transcriptLang"):
            self.assertIn(k, a["user"], "user." + k)
        self.assertEqual(a["user"]["uuid"], a["userUUID"])
        # people as real responses have them (beyond.md §0)
        for p in a["participants"]:
            self.assertEqual(list(p), ["id", "email", "name", "organizer"], "participant keys")
        for p in a["attendees"]:
            self.assertEqual(set(p) - {"email", "organizer"}, {"id", "name"}, "attendee keys")
        if a["archived"]:
            self.assertIn("archivedAt", a)
            self.assertRegex(a["archivedAt"], TIME_RE)
        else:
            self.assertNotIn("archivedAt", a)
        if transcript == "text":
            self.assertIsInstance(a["transcript"], str)
        elif transcript == "object":
            self.assertIsInstance(a["transcript"], dict)
            self.assertLessEqual(set(a["transcript"]), {"v1", "v2"})
        elif transcript == "detailed":
            self.assertIsInstance(a["transcript"], list)
        return a

    def _assert_null_free(self, v, where):
        if v is None:
            self.fail("null at %s" % where)
        if isinstance(v, dict):
            for k, x in v.items():
                self._assert_null_free(x, where + "." + k)
        elif isinstance(v, list):
            for i, x in enumerate(v):
                self._assert_null_free(x, "%s[%d]" % (where, i))

    def assertList(self, r, page=None, size=None):
        """A list envelope {data, links, meta} with consistent meta."""
        b = self.assertOk(r)
        self.assertEqual(set(b), {"data", "links", "meta"}, b.keys())
        self.assertIsInstance(b["data"], list)
        m = b["meta"]
        self.assertEqual(set(m), {"totalRecords", "pageCount", "pageNumber", "pageSize"}, m)
        if page is not None:
            self.assertEqual(m["pageNumber"], page)
        if size is not None:
            self.assertEqual(m["pageSize"], size)
        total, sz = m["totalRecords"], m["pageSize"]
        if total == 0:
            self.assertIn(m["pageCount"], (0, 1), m)
        else:
            self.assertEqual(m["pageCount"], -(-total // sz), "pageCount = ceil(total/size): %r" % m)
        first = (m["pageNumber"] - 1) * sz
        self.assertEqual(len(b["data"]), max(0, min(sz, total - first)), "rows on this page: %r" % m)
        return b

    def assertAlive(self):
        r = self.srv.req("GET", "/healthz")
        self.assertEqual(r.status, 200, "server no longer healthy: %r" % (r,))
