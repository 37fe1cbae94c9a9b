"""test_export_load.py - `parley export` and `parley load` (spec §6): each line carries the exact
GET /v2/conversations/{id} body; export → load into a fresh database → export is byte-identical;
--new-ids changes only ids; a bad line loads nothing and is named; tenant isolation."""

import json
import os
import re
import sys
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402

srv = None
A = B = C = None
BOB = None
UUID_ANY = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def setUpModule():
    global srv, A, B, C, BOB
    srv = harness.module_server()
    A = srv.create_org("exp-a", "admin@exp-a.example")
    B = srv.create_org("exp-b", "admin@exp-b.example")
    C = srv.create_org("exp-c", "admin@exp-c.example")
    srv.seed(A.org, 25, seed=7)
    srv.cli("team", "create", "--org", A.org, "--name", "Field")
    BOB = srv.create_user(A.org, "bob@exp-a.example", first="Bob", last="B", team="Field")
    # an import with an internal participant, a v2-only transcript and an external id; then archived
    cid = srv.import_conv(A.key, BOB, applicationExternalID="exp-ext-1", applicationName="Gong",
                          conversationTitle="Caf\u00e9 \"quotes\" \u2603",
                          conversationStartedAt="2024-01-02T03:04:05Z",
                          transcript={"v2": harness.transcript_v2(("Bob", "hello there friend", 0.1, 2.35))},
                          externalMetadata={"participants": [
                              {"email": "bob@exp-a.example", "name": "Bob", "accessType": "Internal"},
                              {"email": "buyer@x.example", "name": "Buyer", "organizer": True}],
                              "extra": {"n": 1.5, "k": [1, 2]}})
    r = srv.req("DELETE", "/v2/conversations/" + cid, A.key)
    assert r.status == 200, r
    srv.import_conv(B.key, B.admin, conversationTitle="only in B")


def export(org, db=None, archived=True):
    args = ["export", "--org", org] + (["--include-archived"] if archived else [])
    p = run(args, db)
    if p.returncode != 0:
        raise AssertionError("export failed: %s" % p.stderr)
    return p.stdout


def run(args, db=None):
    """parley ARGS against the server's database, or db when given."""
    if db is None:
        return srv.cli_run(*args)
    return srv.cli_run(*(list(args) + ["--db", db]), db=False)


class ExportLoadTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def fresh_db(self, name):
        """A new database (next to the server's) with one organization; returns (db path, Org)."""
        db = os.path.join(srv.dir, "%s-%d.db" % (name, id(self)))
        p = srv.cli_run("org", "create", name, "--admin-email", "owner@%s.example" % name, "--db", db, db=False)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = srv._lines(p.stdout)
        srv.secrets.add(lines[-1])
        return db, harness.Org(srv._field(lines, "organization"), srv._field(lines, "admin user"),
                               srv._field(lines, "team"), srv._field(lines, "key id"), lines[-1])

    def write(self, name, text):
        path = os.path.join(srv.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    # ---- export -----------------------------------------------------------------------------
    def test_each_line_is_the_get_body_plus_stored_forms(self):
        lines = export(A.org).splitlines()
        self.assertEqual(len(lines), 26)
        archived_seen = internal_seen = False
        for line in lines:
            doc = harness.loads_strict(line.encode())
            self.assertEqual(list(doc)[:2], ["conversation", "stored"])
            cid = doc["conversation"]["id"]
            raw = srv.req("GET", "/v2/conversations/" + cid, A.key).raw.decode()
            self.assertEqual(line[len('{"conversation":'):len('{"conversation":') + len(raw)], raw,
                             "the line embeds the GET body byte for byte")
            self.assertResource(doc["conversation"], transcript="object")
            st = doc["stored"]
            self.assertEqual(list(st), ["participants", "importMetadata", "zoomMetadata", "transcriptText",
                                        "applicationExternalID", "applicationName"])
            a = doc["conversation"]["attributes"]
            if a["teamUUID"]:
                self.assertEqual(doc["team"]["uuid"], a["teamUUID"])
            if st["applicationExternalID"] == "exp-ext-1":
                archived_seen = a["archived"]
                internal_seen = len(st["participants"]) == 2 and len(a["participants"]) == 1
                self.assertEqual(st["importMetadata"]["extra"], {"n": 1.5, "k": [1, 2]})
                self.assertEqual(st["transcriptText"], "Bob: hello there friend\n")
                self.assertEqual(doc["team"]["name"], "Field")
        self.assertTrue(archived_seen and internal_seen)
        live = export(A.org, archived=False).splitlines()
        self.assertEqual(len(live), len(lines) - sum('"archived":true' in l for l in lines))

    def test_export_isolation(self):
        a_ids = set(UUID_ANY.findall(export(A.org)))
        b = export(B.org)
        self.assertEqual(len(b.splitlines()), 1)
        self.assertIn("only in B", b)
        self.assertNotIn(A.org, b)
        self.assertFalse(set(UUID_ANY.findall(b)) & a_ids - {A.org})

    # ---- load -------------------------------------------------------------------------------
    def test_round_trip_into_a_fresh_database_is_byte_identical(self):
        dump = export(A.org)
        path = self.write("rt.jsonl", dump)
        db, F = self.fresh_db("fresh-rt")
        p = run(["load", "--org", F.org, path], db)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("loaded 26 conversations", p.stdout)
        again = export(F.org, db)
        self.assertEqual(again, dump, "export → load → export must be byte-identical")
        # the owners were recreated with their ids, names and team
        users = {u["uuid"]: u for u in map(json.loads, run(["user", "list", "--org", F.org], db).stdout.splitlines())}
        self.assertEqual(users[BOB]["email"], "bob@exp-a.example")
        self.assertEqual((users[BOB]["firstName"], users[BOB]["lastName"]), ("Bob", "B"))
        teams = [json.loads(l)["name"] for l in run(["team", "list", "--org", F.org], db).stdout.splitlines()]
        self.assertIn("Field", teams)
        # loading the same dump again conflicts, and changes nothing
        p = run(["load", "--org", F.org, path], db)
        self.assertEqual(p.returncode, 1)
        self.assertIn("line 1: conversation", p.stderr)
        self.assertIn("already exists", p.stderr)
        self.assertIn("nothing was loaded", p.stderr)
        self.assertEqual(export(F.org, db), dump)

    def test_new_ids_into_the_same_server_changes_only_ids(self):
        dump = export(A.org)
        path = self.write("new.jsonl", dump.replace("exp-ext-1", "exp-ext-1-copy"))   # external ids stay unique
        p = srv.cli_run("load", "--org", C.org, "--new-ids", path)
        self.assertEqual(p.returncode, 0, p.stderr)
        loaded = export(C.org).splitlines()
        self.assertEqual(len(loaded), 26)
        old_ids = {json.loads(l)["conversation"]["id"] for l in dump.splitlines()}
        new_ids = {json.loads(l)["conversation"]["id"] for l in loaded}
        self.assertFalse(old_ids & new_ids, "every conversation got a new id")

        def norm(text):
            return sorted(UUID_ANY.sub("<id>", l) for l in text.splitlines())
        self.assertEqual(norm("\n".join(loaded)), norm(dump.replace("exp-ext-1", "exp-ext-1-copy")))
        # what the API serves for a loaded conversation is its line's conversation member
        for line in loaded[:5]:
            cid = json.loads(line)["conversation"]["id"]
            raw = srv.req("GET", "/v2/conversations/" + cid, C.key).raw.decode()
            self.assertTrue(line.startswith('{"conversation":' + raw + ',"stored":'))
            self.assertNotFound(srv.req("GET", "/v2/conversations/" + cid, A.key))
        # owners are C's own users now (matched by email or created), never A's
        c_users = {u["uuid"] for u in map(json.loads, srv.cli("user", "list", "--org", C.org).splitlines())}
        for line in loaded:
            self.assertIn(json.loads(line)["conversation"]["attributes"]["userUUID"], c_users)
        self.assertNotIn(BOB, c_users)

    def test_a_bad_line_loads_nothing_and_is_named(self):
        lines = export(A.org).splitlines()
        lines[2] = lines[2].replace('"createdAt":"', '"createdAt":"yesterday', 1)
        lines[4] = lines[4][:-5]
        path = self.write("bad.jsonl", "\n".join(lines) + "\n\n")
        db, F = self.fresh_db("fresh-bad")
        before = run(["user", "list", "--org", F.org], db).stdout
        p = run(["load", "--org", F.org, path], db)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("line 3: conversation.attributes.createdAt must be an RFC 3339 time", p.stderr)
        self.assertIn("line 5: not valid JSON", p.stderr)
        self.assertNotIn("line 1:", p.stderr)
        self.assertIn("2 bad lines", p.stderr)
        self.assertIn("nothing was loaded", p.stderr)
        self.assertEqual(export(F.org, db), "", "no conversation was loaded")
        self.assertEqual(run(["user", "list", "--org", F.org], db).stdout, before, "no user was created")

    def test_kept_ids_refuse_an_email_owned_by_another_user(self):
        dump = export(A.org)
        path = self.write("clash.jsonl", dump)
        db, F = self.fresh_db("fresh-clash")
        run(["user", "create", "--org", F.org, "--email", "bob@exp-a.example"], db)
        p = run(["load", "--org", F.org, path], db)
        self.assertEqual(p.returncode, 1)
        self.assertIn("email bob@exp-a.example belongs to user", p.stderr)
        self.assertIn("--new-ids", p.stderr)
        self.assertEqual(export(F.org, db), "")

    def test_usage_errors(self):
        self.assertEqual(srv.cli_run("load", "--org", A.org).returncode, 2)
        self.assertEqual(srv.cli_run("export").returncode, 2)
        p = srv.cli_run("load", "--org", A.org, os.path.join(srv.dir, "missing.jsonl"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("cannot open", p.stderr)
        self.assertEqual(srv.cli_run("export", "--org", "no-such-org").returncode, 1)
        for words in (("export",), ("load",)):
            p = srv.cli_run(*words, "--help", db=False)
            self.assertEqual(p.returncode, 0)
            for opt in ("--org", "--db") + (("--include-archived",) if words == ("export",) else ("--new-ids",)):
                self.assertIn(opt, p.stdout)


if __name__ == "__main__":
    unittest.main()
