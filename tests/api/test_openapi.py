"""test_openapi.py - docs/openapi.json: served exactly at GET /openapi.json without a key; a valid
OpenAPI 3.1 document (the npm validator of tests/openapi) whose every schema is valid JSON Schema
2020-12 and every $ref resolves; in step with the code (every route of router.c, every problem
code the handlers send); and the response checker every other test relies on (openapi_check.py)
really rejects a wrong body, an undocumented status, a wrong Content-Type, a wrong Allow."""

import copy
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
import openapi_check  # noqa: E402
from openapi_check import Checker, OpenApiMismatch  # noqa: E402

from jsonschema import Draft202012Validator  # noqa: E402  (openapi_check made it importable)
from jsonschema.exceptions import SchemaError  # noqa: E402

ROOT = harness.ROOT
DOC = openapi_check.DOC_PATH
NPM_DIR = os.path.join(ROOT, "tests", "openapi")
VALIDATE = os.path.join(NPM_DIR, "validate.mjs")
JSON_CT = harness.JSON_CT
PROBLEM_CT = harness.PROBLEM_CT

srv = None
A = None
conv = None


def setUpModule():
    global srv, A, conv
    srv = harness.module_server()
    A = srv.create_org("oa-a", "admin@oa.example")
    conv = srv.import_conv(A.key, A.admin, conversationTitle="openapi",
                           transcript={"v2": harness.transcript_v2(("Ann", "hello there", 0, 2))},
                           externalMetadata={"participants": [{"email": "ann@x.example", "name": "Ann"}]})


def load_doc():
    with open(DOC, "rb") as f:
        return json.loads(f.read().decode("utf-8"))


def validate_openapi(paths):
    """Runs the npm OpenAPI validator (tests/openapi/validate.mjs, one Node process) on each path:
    {path: (valid, its report)}."""
    if not os.path.isdir(os.path.join(NPM_DIR, "node_modules", "@seriousme", "openapi-schema-validator")):
        raise AssertionError("the OpenAPI validator is not installed in %s/node_modules: run scripts/deps.sh "
                             "(make build does)" % NPM_DIR)
    p = subprocess.run(["node", VALIDATE, *paths], capture_output=True, text=True, timeout=300,
                       stdin=subprocess.DEVNULL)
    out = {}
    for line in p.stdout.splitlines():
        r = json.loads(line)
        out[r["file"]] = (r["valid"] is True, line)
    if p.returncode not in (0, 1) or set(out) != set(paths):
        raise AssertionError("validate.mjs exited %d: %s%s" % (p.returncode, p.stdout[-2000:], p.stderr[-2000:]))
    if (p.returncode == 0) != all(v for v, _ in out.values()):
        raise AssertionError("validate.mjs exit %d disagrees with its report: %s" % (p.returncode, p.stdout[-2000:]))
    return out


def schema_objects(doc):
    """(where, schema) of every Schema Object of the document."""
    out = [("#/components/schemas/" + k, v) for k, v in doc["components"]["schemas"].items()]

    def media(where, content):
        for ct, m in (content or {}).items():
            if "schema" in m:
                out.append(("%s/content/%s" % (where, ct), m["schema"]))

    for k, p in doc["components"].get("parameters", {}).items():
        out.append(("#/components/parameters/%s" % k, p["schema"]))
    for k, r in doc["components"].get("responses", {}).items():
        media("#/components/responses/" + k, r.get("content"))
        for h, hv in (r.get("headers") or {}).items():
            out.append(("#/components/responses/%s/headers/%s" % (k, h), hv["schema"]))
    for path, item in doc["paths"].items():
        for method, op in item.items():
            where = "%s %s" % (method.upper(), path)
            for p in op.get("parameters", []):
                if "schema" in p:
                    out.append((where + " parameter " + p["name"], p["schema"]))
            media(where + " requestBody", op.get("requestBody", {}).get("content"))
            for status, r in op.get("responses", {}).items():
                media("%s %s" % (where, status), r.get("content"))
    return out


def refs(node, where="#"):
    """(where, $ref) of every reference in node."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield where, v
            else:
                yield from refs(v, where + "/" + k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from refs(v, "%s/%d" % (where, i))


def router_routes():
    """{(METHOD, pattern): public} from src/http/router.c."""
    with open(os.path.join(ROOT, "src", "http", "router.c")) as f:
        src = f.read()
    out = {}
    for m in re.finditer(r'\{HTTP_([A-Z]+), "([^"]+)", \w+, (true|false)(?:, [^{}]+)?\}', src):
        out[(m.group(1), m.group(2))] = m.group(3) == "true"
    return out


def hdrs(**kw):
    h = harness._RawHeaders()
    for k, v in kw.items():
        h[k.replace("_", "-").lower()] = v
    return h


class DocumentTest(unittest.TestCase):
    """The document itself."""

    @classmethod
    def setUpClass(cls):
        cls.doc = load_doc()

    # Proof that the OpenAPI check can fail: a copy of the document with each breakage must be refused.
    BREAKAGES = {
        "a response without description": lambda d: d["components"]["responses"]["NotFound"].pop("description"),
        "a parameter in: body": lambda d: d["components"]["parameters"]["Page"].__setitem__("in", "body"),
        "a path parameter not required": lambda d: d["components"]["parameters"]["TeamId"].pop("required"),
        "an unknown top-level member": lambda d: d.__setitem__("endpoints", {}),
        "info without title": lambda d: d["info"].pop("title"),
        "a security scheme of no known type":
            lambda d: d["components"]["securitySchemes"]["bareKey"].__setitem__("type", "password"),
    }

    def test_is_valid_openapi_3_1_and_the_check_can_fail(self):
        self.assertEqual(self.doc["openapi"], "3.1.0")
        self.assertEqual(self.doc["jsonSchemaDialect"], "https://json-schema.org/draft/2020-12/schema")
        with tempfile.TemporaryDirectory() as tmp:
            broken = {}
            for i, (what, breakit) in enumerate(self.BREAKAGES.items()):
                d = load_doc()
                breakit(d)
                broken[what] = os.path.join(tmp, "broken-%d.json" % i)
                with open(broken[what], "w") as f:
                    json.dump(d, f)
            got = validate_openapi([DOC] + list(broken.values()))
        valid, report = got[DOC]
        self.assertTrue(valid, "docs/openapi.json is not a valid OpenAPI 3.1 document:\n" + report[-4000:])
        for what, path in broken.items():
            self.assertFalse(got[path][0], "the OpenAPI validator accepted a document with %s" % what)

    def test_every_schema_is_valid_json_schema_2020_12(self):
        found = schema_objects(self.doc)
        self.assertGreater(len(found), 100)
        for where, schema in found:
            try:
                Draft202012Validator.check_schema(schema)
            except SchemaError as e:
                self.fail("%s is not a valid JSON Schema 2020-12: %s" % (where, e.message))
        with self.assertRaises(SchemaError):   # the check can fail
            Draft202012Validator.check_schema({"type": "strng"})

    def test_every_ref_resolves(self):
        n = 0
        for where, ref in refs(self.doc):
            n += 1
            try:
                openapi_check._pointer_get(self.doc, ref)
            except (KeyError, IndexError, ValueError):
                self.fail("%s: $ref %s does not resolve" % (where, ref))
        self.assertGreater(n, 100)

    def test_every_route_and_only_routes_are_documented(self):
        routes = router_routes()
        self.assertGreater(len(routes), 25, "router.c's table was not found")
        documented = {}
        for path, item in self.doc["paths"].items():
            for method, op in item.items():
                documented[(method.upper(), path)] = op.get("security") == []
        self.assertEqual(sorted(set(routes) - set(documented)), [], "routes missing from docs/openapi.json")
        self.assertEqual(sorted(set(documented) - set(routes)), [], "documented operations the router lacks")
        for (method, path), public in routes.items():
            if path.startswith("/_parley/"):   # no API key: the admin token, checked before routing
                self.assertEqual(self.doc["paths"][path][method.lower()].get("security"), [{"adminToken": []}],
                                 "%s %s: the admin token" % (method, path))
                continue
            self.assertEqual(documented[(method, path)], public,
                             "%s %s: security: [] exactly when the route needs no key" % (method, path))

    def test_every_operation_documents_the_statuses_every_request_can_get(self):
        checker = Checker(self.doc)
        for path, item in self.doc["paths"].items():
            for method, op in item.items():
                got = set(op["responses"])
                ok = [st for st in got if st.startswith("2")]
                media_get = path.startswith("/media/") and method == "get"   # 200, or 206 for a Range
                self.assertEqual(sorted(ok), ["200", "206"] if media_get else ok[:1],
                                 "one success status: %s %s" % (method.upper(), path))
                want = {"400", "413", "414", "431", "500", "503"}
                if op.get("security") != []:
                    want.add("401")
                if path.startswith("/_parley/"):
                    want.add("404")     # the admin API off
                elif op.get("security") != []:
                    want.add("429")     # rate limit (admin API)
                if "requestBody" in op:
                    want.add("415")
                if "{" in path:
                    want.add("404")
                self.assertLessEqual(want, got, "%s %s" % (method.upper(), path))
                for status, r in op["responses"].items():
                    r = checker.resolve(r)
                    ct = next(iter(r.get("content", {})), None)
                    want_ct = JSON_CT if status.startswith("2") else PROBLEM_CT
                    if path == "/metrics" and status == "200":
                        want_ct = "text/plain; version=0.0.4; charset=utf-8"   # the Prometheus format
                    if media_get and status.startswith("2"):
                        want_ct = "*/*"   # the object, with the type it was uploaded with
                    self.assertEqual(ct, want_ct, "%s %s %s" % (method.upper(), path, status))

    def test_operation_ids_are_unique_and_tags_declared(self):
        ids, tags = [], {t["name"] for t in self.doc["tags"]}
        self.assertLessEqual({"conversations", "keys", "people", "health", "admin", "media"}, tags)
        for item in self.doc["paths"].values():
            for op in item.values():
                ids.append(op["operationId"])
                self.assertLessEqual(set(op["tags"]), tags, op["operationId"])
        self.assertEqual(len(ids), len(set(ids)))

    def test_every_problem_code_the_server_sends_is_documented(self):
        pairs = set()
        for f in glob.glob(os.path.join(ROOT, "src", "**", "*.c"), recursive=True):
            with open(f) as fh:
                src = fh.read()
            for m in re.finditer(r'problem_send(?:_extra)?\(\s*[^,()]+,\s*(\d{3}),\s*"([a-z_]+)"', src):
                pairs.add((int(m.group(1)), m.group(2)))
        # the helpers of problem.c
        pairs |= {(404, "not_found"), (401, "unauthorized"), (500, "internal_error"), (503, "unavailable")}
        self.assertGreater(len(pairs), 12)
        documented = set()
        for r in self.doc["components"]["responses"].values():
            for m in r.get("content", {}).values():
                props = {}
                for part in m["schema"].get("allOf", []):
                    props.update(part.get("properties", {}))
                status = props.get("status", {}).get("const")
                codes = props.get("code", {}).get("enum") or [props.get("code", {}).get("const")]
                documented |= {(status, c) for c in codes}
        self.assertEqual(sorted(pairs - documented), [], "problem codes the server sends but the document lacks")


class ServedTest(harness.ApiTestCase):
    """GET /openapi.json."""

    @classmethod
    def setUpClass(cls):
        with open(DOC, "rb") as f:
            cls.doc_bytes = f.read()

    def setUp(self):
        self.srv = srv

    def test_served_exactly_without_a_key(self):
        want = self.doc_bytes
        r = srv.req("GET", "/openapi.json")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.ctype, JSON_CT)
        self.assertEqual(r.raw, want, "GET /openapi.json must serve docs/openapi.json byte for byte")
        # a key, even a bad one, changes nothing
        self.assertEqual(srv.req("GET", "/openapi.json", "prl_not-a-key").raw, want)
        self.assertEqual(srv.req("GET", "/openapi.json", A.key).raw, want)

    def test_head(self):
        r = srv.req("HEAD", "/openapi.json")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.ctype, JSON_CT)
        self.assertEqual(r.raw, b"")
        self.assertEqual(int(r.headers.get("Content-Length")), len(self.doc_bytes))

    def test_other_methods_are_405(self):
        for m in ("POST", "PUT", "DELETE", "PATCH"):
            r = srv.req(m, "/openapi.json")
            self.assertProblem(r, 405, code="method_not_allowed")
            self.assertEqual({x.strip() for x in r.headers.get("Allow").split(",")}, {"GET", "HEAD"})

    def test_similar_paths_are_404(self):
        for p in ("/openapi", "/openapi.yaml", "/v2/openapi.json", "/openapi.json/x"):
            self.assertNotFound(srv.req("GET", p))


class CheckerTest(harness.ApiTestCase):
    """openapi_check.py rejects what it must (crafted responses checked directly) and accepts real ones."""

    @classmethod
    def setUpClass(cls):
        cls.checker = Checker(load_doc())
        r = srv.req("GET", "/v2/conversations/" + conv, A.key)
        assert r.status == 200, r
        cls.conv_body = r.body
        r = srv.req("GET", "/v2/conversations/list", A.key)
        assert r.status == 200, r
        cls.list_body = r.body

    def setUp(self):
        self.srv = srv

    def check(self, method, target, status, body, ctype=JSON_CT, headers=None, faults=()):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        h = hdrs(Content_Type=ctype, **(headers or {}))
        parsed = None if isinstance(body, bytes) else body
        self.checker.check(method, target, status, h, raw, parsed, None, faults)

    def rejects(self, *args, **kw):
        with self.assertRaises(OpenApiMismatch) as cm:
            self.check(*args, **kw)
        return str(cm.exception)

    def test_real_responses_pass(self):
        self.check("GET", "/v2/conversations/" + conv, 200, self.conv_body)
        self.check("GET", "/v2/conversations/list?size=5", 200, self.list_body)
        self.check("DELETE", "/v2/conversations/" + conv, 200, self.conv_body)

    def test_a_wrong_body_fails_naming_the_place(self):
        b = copy.deepcopy(self.conv_body)
        b["attributes"]["archived"] = "no"
        msg = self.rejects("GET", "/v2/conversations/" + conv, 200, b)
        self.assertIn("GET /v2/conversations/{id} -> 200", msg)
        self.assertIn("$.attributes.archived", msg)
        b = copy.deepcopy(self.conv_body)
        del b["attributes"]["labels"]
        self.assertIn("labels", self.rejects("GET", "/v2/conversations/" + conv, 200, b))
        b = copy.deepcopy(self.conv_body)
        b["attributes"]["participants"][0]["internal"] = False     # a leaked member
        self.assertIn("$.attributes.participants[0]", self.rejects("GET", "/v2/conversations/" + conv, 200, b))
        b = copy.deepcopy(self.conv_body)
        b["attributes"]["createdAt"] = "2024-03-18 10:00:00"
        self.assertIn("$.attributes.createdAt", self.rejects("GET", "/v2/conversations/" + conv, 200, b))
        b = copy.deepcopy(self.conv_body)
        b["attributes"]["transcript"] = "a: b\n"   # the list form on a single resource
        self.assertIn("$.attributes.transcript", self.rejects("GET", "/v2/conversations/" + conv, 200, b))
        b = copy.deepcopy(self.list_body)
        b["data"][0]["attributes"]["importStatus"] = "DONE"
        self.assertIn("$.data[0].attributes.importStatus", self.rejects("GET", "/v2/conversations/list", 200, b))
        b = copy.deepcopy(self.list_body)
        b["meta"]["pageSize"] = "20"
        self.assertIn("$.meta.pageSize", self.rejects("GET", "/v2/conversations/list", 200, b))
        # a problem whose status or code does not fit
        p = {"type": "about:blank", "title": "Not Found", "status": 400, "code": "not_found", "detail": "x"}
        self.assertIn("$.status", self.rejects("GET", "/v2/conversations/" + conv, 404, p, PROBLEM_CT))
        self.rejects("GET", "/v2/conversations/" + conv, 200, b"not json")

    def test_remembered_valid_items_do_not_hide_a_later_error(self):
        """A list item found valid once is skipped later; a changed item is validated again."""
        self.check("GET", "/v2/conversations/list", 200, self.list_body)
        b = copy.deepcopy(self.list_body)
        b["data"][0]["attributes"]["private"] = 0
        self.assertIn("$.data[0].attributes.private", self.rejects("GET", "/v2/conversations/list", 200, b))

    def test_an_undocumented_status_fails(self):
        p = {"type": "about:blank", "title": "Conflict", "status": 409, "code": "conflict", "detail": "x"}
        msg = self.rejects("GET", "/v2/conversations", 409, p, PROBLEM_CT)
        self.assertIn("status 409 is not documented", msg)
        self.rejects("GET", "/healthz", 401, {"type": "about:blank", "title": "Unauthorized", "status": 401,
                                              "code": "unauthorized", "detail": harness.AUTH_DETAIL}, PROBLEM_CT)
        self.rejects("GET", "/v2/conversations/" + conv, 204, b"", "")
        self.rejects("GET", "/no/such/path", 200, {"status": "ok"})

    def test_a_wrong_content_type_fails(self):
        msg = self.rejects("GET", "/healthz", 200, {"status": "ok"}, "application/json")
        self.assertIn("Content-Type", msg)
        self.rejects("GET", "/healthz", 200, {"status": "ok"}, "text/html")
        nf = {"type": "about:blank", "title": "Not Found", "status": 404, "code": "not_found", "detail": "x"}
        self.rejects("GET", "/v2/conversations/" + conv, 404, nf, "application/json; charset=utf-8")
        self.check("GET", "/v2/conversations/" + conv, 404, nf, PROBLEM_CT)
        self.rejects("HEAD", "/healthz", 200, b"", "text/plain")   # HEAD: no body, the type still counts
        self.check("HEAD", "/healthz", 200, b"", JSON_CT)

    def test_unknown_paths_and_methods(self):
        nf = {"type": "about:blank", "title": "Not Found", "status": 404, "code": "not_found", "detail": "x"}
        self.check("GET", "/v2/nothing", 404, nf, PROBLEM_CT)
        self.check("GET", "/v2//conversations", 404, nf, PROBLEM_CT)   # empty segments count, as in router.c
        self.rejects("GET", "/v2/nothing", 404, dict(nf, code="gone"), PROBLEM_CT)
        na = {"type": "about:blank", "title": "Method Not Allowed", "status": 405, "code": "method_not_allowed",
              "detail": "x"}
        self.check("PATCH", "/v2/conversations/" + conv, 405, na, PROBLEM_CT,
                   headers={"Allow": "GET, HEAD, PUT, DELETE"})
        self.check("PUT", "/v2/conversations/list", 405, na, PROBLEM_CT, headers={"Allow": "GET, HEAD"})
        msg = self.rejects("PATCH", "/v2/conversations/" + conv, 405, na, PROBLEM_CT, headers={"Allow": "GET"})
        self.assertIn("Allow", msg)
        self.rejects("PATCH", "/v2/conversations/" + conv, 405, na, PROBLEM_CT)          # no Allow at all
        self.rejects("PATCH", "/v2/conversations/" + conv, 200, self.conv_body)        # must be a 405
        self.rejects("get", "/healthz", 200, {"status": "ok"})   # methods are case-sensitive, as in the server

    def test_admin_paths(self):
        unauth = {"type": "about:blank", "title": "Unauthorized", "status": 401, "code": "unauthorized",
                  "detail": "the admin API needs Authorization: Bearer <admin token>"}
        for path in ("/_parley/clock", "/_parley/nothing/here"):   # the token is checked before routing
            self.check("GET", path, 401, unauth, PROBLEM_CT)
        self.rejects("GET", "/v2/conversations", 401, unauth, PROBLEM_CT)   # not the /v2 wording
        nf = {"type": "about:blank", "title": "Not Found", "status": 404, "code": "not_found", "detail": "x"}
        self.check("PATCH", "/_parley/orgs", 404, nf, PROBLEM_CT)   # the admin API off: 404, any method
        self.rejects("GET", "/_parley/clock", 200, {"now": "2024-03-18T10:00:00Z", "frozen": False})

    def test_fault_answers_pass_only_as_the_rule_says(self):
        rule = {"id": "r1", "match": {}, "respond": {"status": 502, "body": {"oops": 1}}, "probability": 1, "hits": 0}
        self.rejects("GET", "/v2/conversations", 502, {"oops": 1})        # no rule: undocumented
        self.check("GET", "/v2/conversations", 502, {"oops": 1}, faults=[rule])
        self.check("GET", "/v2/nothing", 502, {"oops": 1}, faults=[rule])
        self.rejects("GET", "/v2/conversations", 502, {"oops": 2}, faults=[rule])
        self.rejects("GET", "/v2/conversations", 502, {"oops": True}, faults=[rule])
        self.rejects("GET", "/v2/conversations", 503, {"oops": 1}, faults=[rule])
        self.rejects("GET", "/healthz", 502, {"oops": 1}, faults=[rule])   # faults answer /v2 only
        plain = {"id": "r2", "match": {}, "respond": {"status": 418}, "probability": 1, "hits": 0}
        p418 = {"type": "about:blank", "title": "Error", "status": 418, "code": "client_error", "detail": "x"}
        self.check("GET", "/v2/conversations", 418, p418, PROBLEM_CT, faults=[plain])
        self.rejects("GET", "/v2/conversations", 418, dict(p418, status=419), PROBLEM_CT, faults=[plain])
        # a documented answer is still checked as documented while rules exist
        self.rejects("GET", "/healthz", 200, {"status": "fine"}, faults=[rule, plain])

    def test_which_raw_requests_are_checked(self):
        ok = openapi_check.raw_request_checkable
        self.assertEqual(ok(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"), ("GET", "/healthz"))
        self.assertEqual(ok(b"BREW /v2/conversations HTTP/1.1\r\nHost: x\r\n\r\n"), ("BREW", "/v2/conversations"))
        for bad in (b"GARBAGE\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"GET /healthz HTTP/1.1\r\nHost: x\r\n",
                    b"GET /healthz HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
                    b"GET /healthz HTTP/1.1\r\nAuthorization x\r\n\r\n",
                    b"GET /healthz HTTP/1.1\r\nX: " + b"a" * (97 * 1024) + b"\r\n\r\n"):
            self.assertIsNone(ok(bad), bad[:60])

    def test_live_mismatch_fails_the_request(self):
        """Through the harness: a document that disagrees with the server fails the request at once."""
        saved = openapi_check._CHECKER
        d = load_doc()
        d["components"]["schemas"]["Health"]["properties"]["status"] = {"const": "fine"}
        openapi_check._CHECKER = Checker(d)
        try:
            with self.assertRaises(OpenApiMismatch) as cm:
                srv.req("GET", "/healthz")
            self.assertIn("$.status", str(cm.exception))
        finally:
            openapi_check._CHECKER = saved
            srv.openapi_failures.clear()   # provoked on purpose: not a failure of the module


if __name__ == "__main__":
    unittest.main()
