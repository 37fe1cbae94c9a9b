"""test_cli.py - the `parley` command line: help texts, usage errors, org/user/team/key commands and
seed, used against the database of a running server."""

import re
import sys
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402

srv = None
A = None
KEY_RE = re.compile(r"^prl_[A-Za-z0-9_-]{43}$")

HELP = {
    ("serve",): ["--listen", "--db", "--threads"],
    ("org", "create"): ["--admin-email", "--db"],
    ("user", "create"): ["--org", "--email", "--first-name", "--last-name", "--team", "--db"],
    ("team", "create"): ["--org", "--name", "--parent", "--db"],
    ("key", "create"): ["--org", "--org-level", "--user", "--name", "--db"],
    ("key", "revoke"): ["--org", "--id", "--db"],
    ("seed",): ["--org", "--count", "--seed", "--quiet", "--db"],
    ("key", "list"): ["--org", "--user", "--db"],
    ("user", "list"): ["--org", "--db"],
    ("team", "list"): ["--org", "--db"],
    ("export",): ["--org", "--include-archived", "--quiet", "--db"],
    ("load",): ["--org", "--new-ids", "--quiet", "--db"],
    ("backup",): ["--to", "--force", "--quiet", "--db", "pg_dump"],
    ("check",): ["--db", "integrity_check", "schema version"],
}


def setUpModule():
    global srv, A
    srv = harness.module_server()
    A = srv.create_org("cli-a", "admin@c.example")


class CliTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def run_cli(self, *args, db=False):
        return srv.cli_run(*args, db=db)

    # ---- help and usage errors -----------------------------------------------------------
    def test_top_level_help(self):
        for flag in ("--help", "-h", "help"):
            p = self.run_cli(flag)
            self.assertEqual(p.returncode, 0, p.stderr)
            for words in HELP:
                self.assertIn(" ".join(words), p.stdout, flag)

    def test_command_help(self):
        for words, options in HELP.items():
            p = self.run_cli(*words, "--help")
            self.assertEqual(p.returncode, 0, "%s --help: %s" % (" ".join(words), p.stderr))
            text = p.stdout + p.stderr
            self.assertTrue(p.stdout.strip(), "%s --help prints to stdout" % " ".join(words))
            for o in options:
                self.assertIn(o, text, "%s --help mentions %s" % (" ".join(words), o))

    def test_no_arguments_is_a_usage_error(self):
        p = self.run_cli()
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("usage", p.stderr.lower())

    def test_unknown_command_and_option(self):
        for args in (("frobnicate",), ("org", "delete"), ("org",), ("key", "create", "--bogus", "1"),
                     ("serve", "--no-such-option"), ("seed", "--org", A.org, "--count", "1", "--what"),
                     ("user", "create", "--org", A.org, "--email")):
            p = self.run_cli(*args, db=True)
            self.assertNotEqual(p.returncode, 0, args)
            self.assertTrue(p.stderr.strip(), "a message on stderr for %r" % (args,))
            self.assertEqual(p.stdout.strip(), "", "nothing on stdout for %r" % (args,))

    def test_missing_required_options(self):
        for args in (("org", "create", "no-email-org"), ("org", "create", "--admin-email", "x@y.example"),
                     ("org", "create", "bad-email", "--admin-email", "not-an-email"),
                     ("user", "create", "--org", A.org), ("user", "create", "--email", "z@c.example"),
                     ("key", "create", "--org", A.org), ("key", "create", "--org-level"),
                     ("key", "create", "--org", A.org, "--org-level", "--user", A.admin),
                     ("key", "revoke", "--org", A.org), ("seed", "--org", A.org),
                     ("seed", "--org", A.org, "--count", "-5"), ("seed", "--org", A.org, "--count", "abc")):
            p = self.run_cli(*args, db=True)
            self.assertNotEqual(p.returncode, 0, args)
            self.assertTrue(p.stderr.strip(), args)

    # ---- org / user / key -------------------------------------------------------------------
    def test_org_create_output(self):
        p = srv.cli_run("org", "create", "cli-org-2", "--admin-email", "boss@c2.example")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = [l for l in p.stdout.strip().splitlines() if l.strip()]
        key = lines[-1].strip()
        srv.secrets.add(key)
        self.assertRegex(key, KEY_RE)
        self.assertNotIn(key, p.stderr, "the key never goes to stderr")
        labels = [l.split(":", 1)[0] for l in lines[:-1]]
        self.assertEqual(labels, ["organization", "admin user", "team", "key id"])
        for l in lines[:-1]:
            self.assertRegex(l.split(":", 1)[1].strip(), harness.UUID_RE)
        self.assertEqual(lines.count(key), 1)
        # the key works right away against the running server
        self.assertEqual(self.assertOk(srv.req("GET", "/v2/conversations", key))["meta"]["totalRecords"], 0)
        # a second organization with the same name is refused
        p = srv.cli_run("org", "create", "cli-org-2", "--admin-email", "other@c2.example")
        self.assertNotEqual(p.returncode, 0)
        self.assertTrue(p.stderr.strip())
        self.assertFalse(KEY_RE.match(p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""))

    def test_keys_are_unique_and_random(self):
        keys = {srv.create_key(A.org, name="k%d" % i)[1] for i in range(5)}
        self.assertEqual(len(keys), 5)
        for k in keys:
            self.assertRegex(k, KEY_RE)

    def test_user_key_from_cli_is_user_level(self):
        u = srv.create_user(A.org, "worker@c.example", first="Wor", last="Ker")
        self.assertRegex(u, harness.UUID_RE)
        kid, key = srv.create_key(A.org, user=u, name="worker")
        self.assertRegex(kid, harness.UUID_RE)
        self.assertRegex(key, KEY_RE)
        own = srv.import_conv(key, u)
        self.assertProblem(srv.req("POST", "/v2/conversations/import", key,
                                   {"mediaURL": "https://m.example/x", "userID": A.admin}), 403)
        theirs = srv.import_conv(A.key, A.admin)
        self.assertProblem(srv.req("DELETE", "/v2/conversations/" + theirs, key), 403)
        self.assertOk(srv.req("DELETE", "/v2/conversations/" + own, key))
        got = self.assertOk(srv.req("GET", "/v2/conversations/" + own, key))["attributes"]
        self.assertEqual(got["user"]["firstName"], "Wor")
        self.assertEqual(got["user"]["email"], "worker@c.example")
        # --user also takes the email
        kid2, key2 = srv.create_key(A.org, user="worker@c.example")
        self.assertProblem(srv.req("DELETE", "/v2/conversations/" + theirs, key2), 403)

    def test_user_create_rules(self):
        srv.create_user(A.org, "dup@c.example")
        p = self.run_cli("user", "create", "--org", A.org, "--email", "DUP@c.example", db=True)
        self.assertNotEqual(p.returncode, 0, "emails are unique per organization (case-insensitive)")
        p = self.run_cli("user", "create", "--org", A.org, "--email", "t@c.example", "--team", "no-such-team",
                         db=True)
        self.assertNotEqual(p.returncode, 0)
        p = self.run_cli("user", "create", "--org", harness.UNKNOWN_UUID, "--email", "t@c.example", db=True)
        self.assertNotEqual(p.returncode, 0)
        # org by name works
        self.assertRegex(srv.create_user("cli-a", "byname@c.example"), harness.UUID_RE)

    def test_team_and_user_in_team(self):
        t = srv._lines(srv.cli("team", "create", "--org", A.org, "--name", "Sales EMEA"))[-1]
        self.assertRegex(t, harness.UUID_RE)
        u = srv.create_user(A.org, "emea@c.example", team="Sales EMEA")
        cid = srv.import_conv(A.key, u)
        a = self.assertOk(srv.req("GET", "/v2/conversations/" + cid, A.key))["attributes"]
        self.assertEqual(a["teamUUID"], t, "team = the owner's primary team")
        rows, total = srv.list_all(A.key, "/v2/conversations/list", params=[("filter[team.id]", t)])
        self.assertEqual([r["id"] for r in rows], [cid])

    def test_key_for_user_of_other_org_is_refused(self):
        B = srv.create_org("cli-b", "admin@cb.example")
        p = self.run_cli("key", "create", "--org", A.org, "--user", B.admin, db=True)
        self.assertNotEqual(p.returncode, 0)
        self.assertFalse(KEY_RE.match((p.stdout.strip().splitlines() or [""])[-1]))

    def test_revoke(self):
        kid, key = srv.create_key(A.org, name="temp")
        self.assertOk(srv.req("GET", "/v2/conversations", key))
        p = srv.cli_run("key", "revoke", "--org", A.org, "--id", kid)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn(key, p.stdout + p.stderr)
        self.assertUnauthorized(srv.req("GET", "/v2/conversations", key))
        p = srv.cli_run("key", "revoke", "--org", A.org, "--id", harness.UNKNOWN_UUID)
        self.assertNotEqual(p.returncode, 0)

    # ---- seed --------------------------------------------------------------------------
    def test_seed(self):
        S = srv.create_org("cli-seeded", "admin@cs.example")
        out = srv.seed(S.org, 25, 3)
        self.assertIn("25", out)
        rows, total = srv.list_all(S.key, "/v2/conversations/list", params=[("filter[include_archived]", "true")])
        self.assertEqual(total, 25)
        self.assertEqual(len({r["id"] for r in rows}), 25)
        # seeding the same seed into the same org again is refused
        p = srv.cli_run("seed", "--org", S.org, "--count", "5", "--seed", "3")
        self.assertNotEqual(p.returncode, 0)
        # another seed adds rows
        srv.seed(S.org, 5, 4)
        _, total = srv.list_all(S.key, "/v2/conversations/list", params=[("filter[include_archived]", "true")])
        self.assertEqual(total, 30)
        # nothing leaked into the other organization
        rows_a, _ = srv.list_all(A.key, "/v2/conversations/list", params=[("filter[include_archived]", "true")])
        self.assertFalse({r["id"] for r in rows_a} & {r["id"] for r in rows})

    def test_db_default_from_env(self):
        import os
        import subprocess
        env = dict(os.environ, PARLEY_DB=srv.db)
        p = subprocess.run([srv.bin, "user", "create", "--org", A.org, "--email", "env@c.example"],
                           capture_output=True, text=True, env=env, timeout=30, cwd=srv.dir)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout.strip().splitlines()[-1], harness.UUID_RE)


if __name__ == "__main__":
    unittest.main()
