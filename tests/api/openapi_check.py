"""openapi_check.py - checks every response the end-to-end suite receives against docs/openapi.json.

harness.Server.req and harness.Server.raw hand each response to `check` (or `check_raw`), which
raises `OpenApiMismatch` (an AssertionError, so the test that made the request fails) unless:

- the path resolves to a documented path the way router.c resolves it: segments split on "/"
  (one trailing slash ignored, empty segments counted, at most 16), compared undecoded, literal
  segments winning over `{param}` ones, earlier segments weighing more;
- the method has an operation there (HEAD is checked as GET, without a body) and the status is
  one of the operation's documented responses; `Content-Type` is one of that response's media
  types; the JSON body validates against its schema (JSON Schema 2020-12, python3-jsonschema's
  Draft202012Validator); the response's required headers are present;
- a method with no operation on a documented path is a 405 problem whose `Allow` lists exactly
  the documented methods (and HEAD with GET);
- a path that is not documented is a 404 problem;
- in both of the last two cases, and on any path, the statuses the server gives before it looks
  at the route are accepted too, as the problems the document defines for them: 400 (the query
  does not decode, ambiguous framing), 413, 414, 431, 500, 503 (`BEFORE_ROUTING`), and under
  /_parley/ the admin API's 401 and, while it is off, 404 for any method;
- unless a fault rule of the admin API answered: a `/v2` answer that fails the above passes when a
  rule the test created (the harness keeps them) gives exactly that status and body
  (`fault_answered`). Faults answer instead of the endpoint by design, with what the test chose.

`raw()` requests are checked the same way when they are well-formed HTTP/1.x: a request line
`METHOD target HTTP/1.0|1.1`, `name: value` header lines, a decimal Content-Length. Requests broken
on purpose below that (a garbage request line, HTTP/9.9, a header line without a colon,
`Content-Length: -1`) are answered, if at all, by libmicrohttpd itself before Parley sees them, and
are not checked (`raw_request_checkable` says which); nor is a request head bigger than the server's
connection buffer (its header limit + 32 KiB: 48 KiB by default), which libmicrohttpd then answers
by itself (an HTML 431 without Content-Type: a known gap, since libmicrohttpd 0.9.75 has no hook).

Validators are compiled once per schema location, with `$ref`s into the document inlined (a
recursive reference, should one appear, is left to jsonschema, with the components beside it),
and remember which large values they found valid (`Checker._descend`), so that a conversation
seen in many responses is validated once. What stays costly is a huge new value: a transcript of
100,000 words takes seconds (test_import has two).
"""

import copy
import json
import os
import re
import sys
import threading

try:
    import jsonschema
except ImportError:   # an interpreter without it (pyenv): use Debian's python3-jsonschema
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        import jsonschema
    except ImportError as e:
        raise SystemExit("openapi_check.py needs jsonschema (Debian: apt-get install python3-jsonschema; "
                         "scripts/deps.sh installs it): %s" % e)
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOC_PATH = os.path.join(ROOT, "docs", "openapi.json")
MAX_SEGMENTS = 16                    # router.c ROUTER_MAX_SEGMENTS: more is a 404
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")   # router.c's Allow order; HEAD follows GET
# Statuses the server can answer before it routes (server.c server_prepare / server_dispatch),
# whatever the path and method, and the document's response for each.
BEFORE_ROUTING = {400: "BadRequest", 413: "ContentTooLarge", 414: "UriTooLong", 431: "HeadersTooLarge",
                  500: "InternalError", 503: "Unavailable"}
# Under /_parley/ (the admin API), before routing too: 404 for every path while the admin API is
# off, and the admin token's 401 when it is on.
ADMIN_PREFIX = "/_parley"
BEFORE_ROUTING_ADMIN = {**BEFORE_ROUTING, 400: "AdminBadRequest", 401: "AdminUnauthorized", 404: "AdminNotFound"}


class OpenApiMismatch(AssertionError):
    pass


def _pointer_get(doc, pointer):
    """The node at a local JSON pointer ("#/components/schemas/Uuid")."""
    if not pointer.startswith("#"):
        raise KeyError("only local references are supported: %r" % pointer)
    node = doc
    for part in pointer[1:].split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def split_path(path):
    """The segments of path as router.c's router_split sees them: one trailing slash is ignored,
    empty segments between slashes count ("/v2//x" has three). None when path is not absolute."""
    if not path.startswith("/"):
        return None
    segs, i = [], 0
    while i < len(path) and path[i] == "/":
        i += 1
        if i == len(path):
            break
        j = path.find("/", i)
        j = len(path) if j < 0 else j
        segs.append(path[i:j])
        i = j
    return segs


def _escape(token):
    return token.replace("~", "~0").replace("/", "~1")


def json_path(error):
    """"$.data[3].attributes.transcript" for a jsonschema error."""
    out = "$"
    for p in error.absolute_path:
        out += "[%d]" % p if isinstance(p, int) else ("." + p if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", p)
                                                        else "[%s]" % json.dumps(p))
    return out


class Checker:
    """The document loaded once, its paths ready for matching, validators compiled on first use."""

    def __init__(self, doc):
        self.doc = doc
        self.routes = []                 # (segments, template, path item)
        for template, item in doc.get("paths", {}).items():
            self.routes.append((split_path(template), template, item))
        self._validators = {}
        self._lock = threading.Lock()
        self._valid = {}                 # (id(subschema), value as JSON): found valid (see _descend)
        self._valid_chars = 0
        self._weights = {}               # id(subschema): whether _descend remembers for it
        self._validator_class = jsonschema.validators.extend(
            Draft202012Validator, {"properties": self._properties, "items": self._items})

    @classmethod
    def from_file(cls, path=DOC_PATH):
        with open(path, "rb") as f:
            return cls(json.loads(f.read().decode("utf-8")))

    # ---- documents and schemas -------------------------------------------------------------
    def resolve(self, node):
        """Follows $ref until a node without one (response and parameter objects)."""
        seen = set()
        while isinstance(node, dict) and "$ref" in node:
            if node["$ref"] in seen:
                raise ValueError("reference loop at %s" % node["$ref"])
            seen.add(node["$ref"])
            node = _pointer_get(self.doc, node["$ref"])
        return node

    def _inline(self, node, stack, cyclic):
        if isinstance(node, list):
            return [self._inline(x, stack, cyclic) for x in node]
        if not isinstance(node, dict):
            return node
        if isinstance(node.get("$ref"), str):
            r = node["$ref"]
            if r in stack:
                cyclic.append(r)
                return dict(node)
            target = self._inline(_pointer_get(self.doc, r), stack + (r,), cyclic)
            rest = {k: self._inline(v, stack, cyclic) for k, v in node.items() if k != "$ref"}
            return dict(rest, allOf=[target] + rest.get("allOf", [])) if rest else target
        return {k: self._inline(v, stack, cyclic) for k, v in node.items()}

    # ---- validation, remembering what was valid ----------------------------------------------
    # Responses repeat themselves: the same conversation comes back in many list pages, its
    # transcript and participants unchanged after a change of its labels. `properties` and `items`
    # (Draft 2020-12's own, otherwise) remember which object or array member was valid against which
    # subschema, keyed by the member's exact JSON; a later identical member is not validated again.
    # Only valid results are kept, and the subschemas belong to cached validators (so their id()s
    # stay theirs): a remembered result is the one jsonschema would give.
    # Small subschemas (a transcript word, a participant) are validated faster than their JSON is
    # written, and millions of distinct words would only fill the memory: only subschemas of at least
    # MEMO_MIN_NODES objects remember.
    MEMO_MAX_CHARS = 64 << 20
    MEMO_MIN_NODES = 12

    def _worth_remembering(self, subschema):
        w = self._weights.get(id(subschema))
        if w is None:
            def nodes(n):
                if isinstance(n, dict):
                    return 1 + sum(nodes(v) for v in n.values())
                if isinstance(n, list):
                    return sum(nodes(v) for v in n)
                return 0
            w = self._weights[id(subschema)] = nodes(subschema) >= self.MEMO_MIN_NODES
        return w

    def _descend(self, validator, value, subschema, **where):
        if not isinstance(value, (dict, list)) or not value or not self._worth_remembering(subschema):
            yield from validator.descend(value, subschema, **where)
            return
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        key = (id(subschema), text)
        if key in self._valid:
            return
        errors = list(validator.descend(value, subschema, **where))
        if errors:
            yield from errors
            return
        with self._lock:
            if self._valid_chars > self.MEMO_MAX_CHARS:
                self._valid.clear()
                self._valid_chars = 0
            self._valid[key] = True
            self._valid_chars += len(text)

    def _properties(self, validator, properties, instance, schema):
        if not validator.is_type(instance, "object"):
            return
        for name, subschema in properties.items():
            if name in instance:
                yield from self._descend(validator, instance[name], subschema, path=name, schema_path=name)

    def _items(self, validator, items, instance, schema):
        if "prefixItems" in schema or not isinstance(items, dict) or not validator.is_type(instance, "array"):
            yield from Draft202012Validator.VALIDATORS["items"](validator, items, instance, schema)
            return
        for index, item in enumerate(instance):
            yield from self._descend(validator, item, items, path=index)

    def validator(self, pointer):
        """A compiled Draft 2020-12 validator of the schema at pointer (cached)."""
        v = self._validators.get(pointer)
        if v is None:
            cyclic = []
            schema = self._inline(_pointer_get(self.doc, pointer), (), cyclic)
            if not isinstance(schema, dict):
                schema = {"allOf": [schema]} if schema is not True else {}
            if cyclic:   # references left in place resolve against the components carried along
                schema = dict(schema, components=copy.deepcopy(self.doc.get("components", {})))
            schema.setdefault("$schema", "https://json-schema.org/draft/2020-12/schema")
            v = self._validator_class(schema)
            with self._lock:
                self._validators[pointer] = v
        return v

    # ---- routing ---------------------------------------------------------------------------
    def match(self, target):
        """(templates, path items) the router would choose for target (its path part), or ([], [])."""
        segs = split_path(re.split(r"[?#]", target, 1)[0])
        if segs is None or len(segs) > MAX_SEGMENTS:
            return [], []
        best, hits = -1, []
        for rsegs, template, item in self.routes:
            if len(rsegs) != len(segs):
                continue
            score = 0
            for want, got in zip(rsegs, segs):
                score <<= 1
                if want.startswith("{") and want.endswith("}"):
                    continue
                if want != got:
                    break
                score |= 1
            else:
                if score > best:
                    best, hits = score, []
                if score == best:
                    hits.append((template, item))
        return [t for t, _ in hits], [i for _, i in hits]

    # ---- checking --------------------------------------------------------------------------
    def check(self, method, target, status, headers, raw, parsed=None, json_error=None, faults=()):
        """Raises OpenApiMismatch when the response does not match the document. headers: a mapping
        with case-insensitive get(); raw: the body bytes; parsed/json_error as harness.Resp has them;
        faults: the fault rules (admin API) that may have answered instead (see fault_answered)."""
        try:
            self._check(method, target, status, headers, raw, parsed, json_error)
        except OpenApiMismatch:
            if not fault_answered(faults, target, status, headers, raw, parsed, self):
                raise

    def _check(self, method, target, status, headers, raw, parsed, json_error):
        templates, items = self.match(target)
        ops = {}                          # METHOD -> (operation, template), as the router merges them
        for template, item in zip(templates, items):
            for m in METHODS:
                if m.lower() in item:
                    ops.setdefault(m, (item[m.lower()], template))
        op = ops.get("GET" if method == "HEAD" else method)   # the router's methods are case-sensitive
        where = "%s %s" % (method, templates[0] if templates else "(no documented path: %s)" % target[:120])

        if op is not None:
            operation, template = op
            where = "%s %s" % (method, template)
            responses = operation.get("responses", {})
            if str(status) not in responses:
                self._fail(where, status, "status %d is not documented for this operation (documented: %s)"
                           % (status, ", ".join(sorted(responses))), raw)
            pointer = "#/paths/%s/%s/responses/%d" % (_escape(template), operation_key(method), status)
        elif items and status == 405:     # a documented path, not with this method
            allow = headers.get("Allow") if headers is not None else None
            want = set(ops) | ({"HEAD"} if "GET" in ops else set())
            got = set(x.strip() for x in (allow or "").split(",") if x.strip())
            if got != want:
                self._fail(where, status, "Allow is %r; the document has %s here" % (allow, sorted(want)), raw)
            pointer = "#/components/responses/MethodNotAllowed"
        elif not items and status == 404:
            pointer = "#/components/responses/NotFound"
        elif status in before_routing(target):
            pointer = "#/components/responses/" + before_routing(target)[status]
        else:
            self._fail(where, status, "%s: the answer must be a %s problem, got %d"
                       % ("no operation for this method here" if items else "the path is not in the document",
                          405 if items else 404, status), raw)
        resp_obj = _pointer_get(self.doc, pointer)
        while "$ref" in resp_obj:
            pointer = resp_obj["$ref"]
            resp_obj = _pointer_get(self.doc, pointer)
        self._check_response(where, status, method, headers, raw, parsed, json_error, resp_obj, pointer)

    def _check_response(self, where, status, method, headers, raw, parsed, json_error, resp_obj, pointer):
        for name, h in (resp_obj.get("headers") or {}).items():
            h = self.resolve(h)
            if h.get("required") and (headers is None or headers.get(name) is None):
                self._fail(where, status, "required header %s is missing" % name, raw)
        content = resp_obj.get("content")
        if not content:
            return
        ctype = (headers.get("Content-Type") if headers is not None else None) or ""
        norm = lambda s: re.sub(r"\s*;\s*", "; ", s.strip().lower())  # noqa: E731
        media = next((m for m in content if norm(m) == norm(ctype)), None)
        if media is None:
            self._fail(where, status, "Content-Type %r is not documented (documented: %s)"
                       % (ctype, ", ".join(sorted(content))), raw)
        if method == "HEAD" or "schema" not in content[media]:
            return
        if not ("json" in media.split(";")[0]):   # a text body (GET /metrics): its schema is a string
            try:
                parsed = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                self._fail(where, status, "the body is not UTF-8 text (%s)" % e, raw)
            json_error = None
        elif json_error is not None:
            self._fail(where, status, "the body is not JSON (%s)" % json_error, raw)
        if parsed is None and "json" in media.split(";")[0]:
            try:
                parsed = json.loads(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as e:
                self._fail(where, status, "the body is not JSON (%s)" % e, raw)
        schema_ptr = "%s/content/%s/schema" % (pointer, _escape(media))
        err = best_match(self.validator(schema_ptr).iter_errors(parsed))
        if err is not None:
            self._fail(where, status, "the body does not match %s at %s: %s (schema path: %s)"
                       % (schema_ptr, json_path(err), _short(err.message),
                          "/".join(str(p) for p in err.absolute_schema_path)), raw)

    @staticmethod
    def _fail(where, status, why, raw):
        body = raw[:300] if isinstance(raw, (bytes, bytearray)) else b""
        raise OpenApiMismatch("openapi: %s -> %s: %s; body: %r" % (where, status, why, body))


def before_routing(target):
    """{status: response name} of the answers the server may give target before routing it."""
    path = re.split(r"[?#]", target, 1)[0]
    admin = path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/")
    return BEFORE_ROUTING_ADMIN if admin else BEFORE_ROUTING


def fault_answered(faults, target, status, headers, raw, parsed, checker):
    """True when one of faults (fault rules as POST /_parley/faults returned them) could have
    answered this /v2 request instead of the endpoint: its status, and its body (compared as JSON)
    or, without one, the problem the server writes for that status."""
    path = re.split(r"[?#]", target, 1)[0]
    if not faults or not (path == "/v2" or path.startswith("/v2/")):
        return False
    for rule in faults:
        respond = rule.get("respond") or {}
        if respond.get("status") != status:
            continue
        if "body" in respond:
            try:
                body = parsed if parsed is not None else json.loads(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                continue
            if body == respond["body"] and json.dumps(body) == json.dumps(respond["body"]):
                return True
        elif isinstance(parsed, dict) and parsed.get("status") == status and \
                not list(checker.validator("#/components/schemas/Problem").iter_errors(parsed)):
            return True
    return False


def operation_key(method):
    """The path item member of an HTTP method ("get" for HEAD too)."""
    return "get" if method == "HEAD" else method.lower()


def _short(s, n=400):
    return s if len(s) <= n else s[:n] + "…"


_HEADER_RE = re.compile(rb"^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[^\r\n]*$")
_REQUEST_LINE_RE = re.compile(rb"^([A-Z]+) (/\S*) HTTP/1\.[01]$")


# The connection buffer Parley gives libmicrohttpd is the header limit + 32 KiB (server.c,
# SERVER_POOL_SLACK): a request head bigger than that never reaches Parley.
BUFFER_SLACK = 32 * 1024
DEFAULT_HEADER_LIMIT = 16 * 1024


def raw_request_checkable(data, header_limit=DEFAULT_HEADER_LIMIT):
    """(method, target) of a raw request that is well-formed HTTP/1.x down to its headers and
    small enough to reach Parley (a server with that header limit), else None (the module comment
    says what is left out and why)."""
    head, sep, _ = data.partition(b"\r\n\r\n")
    if not sep or len(head) > header_limit + BUFFER_SLACK:
        return None
    lines = head.split(b"\r\n")
    m = _REQUEST_LINE_RE.match(lines[0])
    if not m:
        return None
    for line in lines[1:]:
        if not _HEADER_RE.match(line):
            return None
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length" and not re.match(rb"^\s*[0-9]+\s*$", value):
            return None
    return m.group(1).decode("ascii"), m.group(2).decode("latin-1")


_CHECKER = None
_CHECKER_LOCK = threading.Lock()


def checker():
    """The Checker of docs/openapi.json, loaded once per process."""
    global _CHECKER
    if _CHECKER is None:
        with _CHECKER_LOCK:
            if _CHECKER is None:
                _CHECKER = Checker.from_file()
    return _CHECKER


def check(method, target, resp, faults=()):
    """Checks a harness.Resp to method target against the document (raises OpenApiMismatch)."""
    checker().check(method, target, resp.status, resp.headers, resp.raw,
                    resp.body if resp.json_error is None else None, resp.json_error, faults)


def check_raw(data, resp, faults=(), header_limit=DEFAULT_HEADER_LIMIT):
    """Checks the answer to raw request bytes when the request is checkable; returns whether it was."""
    mt = raw_request_checkable(data, header_limit)
    if mt is None or resp is None:
        return False
    check(mt[0], mt[1], resp, faults)
    return True
