"""test_operations.py - what an operator sees: Prometheus metrics (checked by promtool), JSON request logs, X-Request-Id."""

import json
import re
import shutil
import socket
import subprocess
import sys
import unittest
import urllib.request

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402
from harness import transcript_v2  # noqa: E402


def fetch(url):
    """(status, content type, text) of a plain GET."""
    try:
        with urllib.request.urlopen(url, timeout=15 * harness.SLOW) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def samples(text):
    """{(name, frozenset(labels)): value} of a Prometheus text exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$', line)
        assert m, "not a sample line: %r" % line
        labels = frozenset(re.findall(r'([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def promtool_check(text):
    """Runs `promtool check metrics` (Debian package prometheus) on text; returns (exit code, output)."""
    p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


class MetricsTest(harness.ApiTestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = harness.Server(extra_args=["--metrics", "--log-format", "json"], admin=True)
        cls.srv.start()
        cls.org = cls.srv.create_org("metrics", "admin@m.example")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_metrics_on_the_main_port_pass_promtool(self):
        s, o = self.srv, self.org
        cid = s.import_conv(o.key, o.admin, conversationTitle="m", transcript={"v2": transcript_v2(("A", "hi", 0, 1))})
        for _ in range(3):
            self.assertEqual(s.req("GET", "/v2/conversations/" + cid, o.key).status, 200)
        s.req("GET", "/v2/conversations/" + harness.UNKNOWN_UUID, o.key)
        s.req("DELETE", "/v2/conversations/" + cid, o.key)
        s.req("GET", "/v2/nothing/here", o.key)
        status, ctype, text = fetch(s.base + "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(ctype.startswith("text/plain; version=0.0.4"), ctype)
        self.assertEqual(promtool_check(text), (0, ""))
        m = samples(text)
        get = frozenset({("route", "/v2/conversations/{id}"), ("status", "200")})
        self.assertGreaterEqual(m[("parley_http_requests_total", get)], 3)
        self.assertGreaterEqual(m[("parley_http_requests_total",
                                   frozenset({("route", "/v2/conversations/{id}"), ("status", "404")}))], 1)
        self.assertGreaterEqual(m[("parley_http_requests_total",
                                   frozenset({("route", "unmatched"), ("status", "404")}))], 1)
        count = m[("parley_http_request_duration_seconds_count", frozenset({("route", "/v2/conversations/{id}")}))]
        inf = m[("parley_http_request_duration_seconds_bucket",
                 frozenset({("route", "/v2/conversations/{id}"), ("le", "+Inf")}))]
        self.assertEqual(count, inf)
        self.assertGreaterEqual(count, 4)
        self.assertIn(("parley_http_requests_in_flight", frozenset()), m)
        self.assertGreaterEqual(m[("parley_http_connections_open", frozenset())], 1)
        if not harness.PG_ADMIN:
            self.assertGreater(m[("parley_database_size_bytes", frozenset())], 0)
            self.assertGreaterEqual(m[("parley_group_commit_batch_size_count", frozenset())], 1)
        else:
            self.assertGreater(m[("parley_database_size_bytes", frozenset())], 0)
        # no key needed, and a key is not looked at
        self.assertEqual(fetch(s.base + "/metrics")[0], 200)

    def test_json_log_lines(self):
        s, o = self.srv, self.org
        s.req("GET", "/v2/teams?filter[email]=secret-query@x.example", o.key, headers={"X-Request-Id": "trace-42"})
        s.req("POST", "/v2/organizations/teams", o.key, {"name": "body-secret-name"})
        s.req("GET", "/v2/conversations", "prl_not_a_key_at_all_but_long_enough_x")
        s.admin("GET", "/faults")
        lines = [json.loads(l) for l in s.stderr_text().splitlines() if l.startswith("{")]
        self.assertTrue(lines)
        for e in lines:
            self.assertEqual(set(e) - {"fault"}, {"time", "requestId", "method", "route", "path", "status",
                                                  "durationUs", "bytesOut", "keyId"})
            self.assertRegex(e["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertIsInstance(e["durationUs"], int)
        traced = [e for e in lines if e["requestId"] == "trace-42"][0]
        self.assertEqual((traced["method"], traced["route"], traced["path"], traced["status"]),
                         ("GET", "/v2/teams", "/v2/teams", 200))
        self.assertEqual(traced["keyId"], o.key_id)
        self.assertGreater(traced["bytesOut"], 0)
        log = s.stderr_text()
        for secret in ("secret-query", "body-secret-name", o.key, s.admin_token, "prl_not_a_key"):
            self.assertNotIn(secret, log)
        unauth = [e for e in lines if e["path"] == "/v2/conversations" and e["status"] == 401]
        self.assertTrue(unauth and unauth[0]["keyId"] is None)

    def test_request_ids(self):
        s, o = self.srv, self.org
        r = s.req("GET", "/v2/teams", o.key)
        self.assertRegex(r.headers["X-Request-Id"], harness.UUID_RE)
        self.assertNotEqual(r.headers["X-Request-Id"], s.req("GET", "/v2/teams", o.key).headers["X-Request-Id"])
        r = s.req("GET", "/v2/teams", o.key, headers={"X-Request-Id": "client-id_1.2:3"})
        self.assertEqual(r.headers["X-Request-Id"], "client-id_1.2:3")
        for bad in ("has space", "x" * 129, "quote\"d", ""):
            r = s.req("GET", "/v2/teams", o.key, headers={"X-Request-Id": bad})
            self.assertRegex(r.headers["X-Request-Id"], harness.UUID_RE, bad)
        r = s.req("GET", "/v2/conversations/" + harness.UNKNOWN_UUID, o.key, headers={"X-Request-Id": "find-me"})
        self.assertEqual(r.body["requestId"], "find-me")
        r = s.req("GET", "/v2/conversations", None)
        self.assertEqual(r.body["requestId"], r.headers["X-Request-Id"])
        self.assertEqual(s.req("GET", "/healthz").status, 200)
        self.assertIn("X-Request-Id", s.req("GET", "/healthz").headers)


class MetricsPortTest(harness.ApiTestCase):
    def test_metrics_listen_serves_only_metrics(self):
        port = harness.free_port()
        with harness.Server(extra_args=["--metrics-listen", "127.0.0.1:%d" % port]) as s:
            self.assertIn("metrics on http://127.0.0.1:%d/metrics" % port, s.stderr_text())
            status, _, text = fetch("http://127.0.0.1:%d/metrics" % port)
            self.assertEqual(status, 200)
            self.assertEqual(promtool_check(text), (0, ""))
            status, ctype, body = fetch("http://127.0.0.1:%d/v2/conversations" % port)
            self.assertEqual((status, ctype), (404, "application/problem+json"))
            self.assertEqual(json.loads(body)["code"], "not_found")
            self.assertProblem(s.req("GET", "/metrics"), 404, "not_found")   # not on the main port

    def test_bad_metrics_flags(self):
        for args in (["--metrics-listen", "nowhere"], ["--log-format", "xml"], ["--header-timeout", "-1"]):
            p = subprocess.run([harness.parley_bin(), "serve", "--listen", "127.0.0.1:0"] + args,
                               capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
            self.assertEqual(p.returncode, 2, (args, p.stderr))


@unittest.skipUnless(shutil.which("promtool"), "promtool (Debian package prometheus) is installed by scripts/deps.sh")
class PromtoolIsRealTest(unittest.TestCase):
    def test_promtool_rejects_a_broken_exposition(self):
        rc, out = promtool_check("# TYPE x counter\nx{a=\"1\"} 1\nx{a=\"1\"} 2\n")
        self.assertNotEqual(rc, 0, out)


if __name__ == "__main__":
    unittest.main()
