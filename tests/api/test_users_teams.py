"""test_users_teams.py - /v2/users, /v2/organizations/users, /v2/organizations/teams, /v2/teams,
/v2/teams/{id} and /v2/teams/{id}/members over HTTP: shapes, filters, creation rules, every error
status, tenant isolation and user-level vs org-level keys; plus `parley user list` / `team list`."""

import sys
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402

srv = None
A = B = None
SALES = EMEA = None        # teams of A (EMEA is a child of Sales)
BOB = None                 # member of A in Sales
BOB_KEY = None
USER_FIELDS = ["uuid", "email", "firstName", "lastName", "createdAt", "transcriptLang", "primaryTeamUUID",
               "roles", "teams", "botName", "settings"]
TEAM_FIELDS = ["uuid", "name", "domain", "parentTeamUUID", "organizationUUID", "children"]


def setUpModule():
    global srv, A, B, SALES, EMEA, BOB, BOB_KEY
    srv = harness.module_server()
    A = srv.create_org("ut-a", "admin@ut-a.example")
    B = srv.create_org("ut-b", "admin@ut-b.example")
    SALES = srv._lines(srv.cli("team", "create", "--org", A.org, "--name", "Sales"))[-1]
    EMEA = srv._lines(srv.cli("team", "create", "--org", A.org, "--name", "EMEA", "--parent", "Sales"))[-1]
    BOB = srv.create_user(A.org, "bob@ut-a.example", first="Bob", last="Builder", team="Sales")
    BOB_KEY = srv.create_key(A.org, org_level=False, user=BOB)


def too_large(path, key):
    head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nContent-Length: 99999999999\r\nConnection: close\r\n\r\n"
            % (path, key)).encode()
    return srv.raw(head, timeout=10)


class UsersTeamsTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def assertTeam(self, t, org):
        self.assertEqual(list(t), TEAM_FIELDS, t)
        self.assertRegex(t["uuid"], harness.UUID_RE)
        self.assertEqual(t["organizationUUID"], org)
        self.assertIsInstance(t["children"], list)

    def assertUser(self, u, org):
        self.assertEqual(list(u), USER_FIELDS, u)
        self.assertRegex(u["uuid"], harness.UUID_RE)
        self.assertRegex(u["createdAt"], harness.TIME_RE)
        self.assertEqual(len(u["roles"]), 1)
        self.assertEqual(list(u["roles"][0]), ["uuid", "name", "type"])
        self.assertIn(u["roles"][0]["type"], ("ADMIN", "MANAGER", "SALES_REP"))
        self.assertEqual(list(u["settings"]), ["dealsEnabled", "seat_type"])
        for t in u["teams"]:
            self.assertTeam(t, org)

    def data(self, r):
        b = self.assertOk(r)
        self.assertEqual(list(b), ["data"], b)
        return b["data"]

    def users(self, key, params=None, path="/v2/users"):
        return self.data(self.get(harness.q(path, params) if params else path, key))

    # ---- users: GET -------------------------------------------------------------------------
    def test_list_users_both_paths(self):
        for path in ("/v2/users", "/v2/organizations/users"):
            us = self.users(A.key, path=path)
            for u in us:
                self.assertUser(u, A.org)
            by = {u["uuid"]: u for u in us}
            self.assertIn(A.admin, by)
            self.assertIn(BOB, by)
            admin, bob = by[A.admin], by[BOB]
            self.assertEqual(admin["roles"][0]["type"], "ADMIN")
            self.assertEqual(admin["roles"][0]["name"], "Admin")
            self.assertEqual(admin["email"], "admin@ut-a.example")
            self.assertEqual(admin["primaryTeamUUID"], A.team)
            self.assertEqual([t["uuid"] for t in admin["teams"]], [A.team])
            self.assertEqual(bob["roles"][0]["type"], "SALES_REP")
            self.assertEqual(bob["roles"][0]["name"], "Sales Representative")
            self.assertEqual(bob["botName"], "Bob's Notetaker")
            self.assertEqual((bob["firstName"], bob["lastName"]), ("Bob", "Builder"))
            self.assertEqual(bob["transcriptLang"], "en")
            self.assertEqual(bob["primaryTeamUUID"], SALES)
            self.assertIn(EMEA, bob["teams"][0]["children"])
            self.assertNotEqual(admin["roles"][0]["uuid"], bob["roles"][0]["uuid"])

    def test_user_level_key_lists_users_too(self):
        self.assertEqual({u["uuid"] for u in self.users(BOB_KEY[1])}, {u["uuid"] for u in self.users(A.key)})

    def test_user_filters(self):
        one = self.users(A.key, [("filter[id]", BOB.upper())])
        self.assertEqual([u["uuid"] for u in one], [BOB])
        two = self.users(A.key, [("filter[id]", BOB + "," + A.admin)])
        self.assertEqual({u["uuid"] for u in two}, {BOB, A.admin})
        by_mail = self.users(A.key, [("filter[email]", "BOB@UT-A.example"), ("filter[email]", "x@y")])
        self.assertEqual([u["uuid"] for u in by_mail], [BOB])
        in_sales = self.users(A.key, [("teamUUID", SALES)])
        self.assertEqual([u["uuid"] for u in in_sales], [BOB])
        self.assertNotIn(BOB, [u["uuid"] for u in self.users(A.key, [("teamUUID", EMEA)])], "direct members only")
        self.assertEqual(self.users(A.key, [("filter[id]", BOB), ("teamUUID", A.team)]), [])
        self.assertEqual(self.users(A.key, [("teamUUID", B.team)]), [], "another org's team matches nobody")
        r = self.get(harness.q("/v2/users", [("teamUUID", "sales")]), A.key)
        self.assertProblem(r, 400, detail_has=['teamUUID', '"sales"'])
        r = self.get(harness.q("/v2/users", [("filter[id]", "bob")]), A.key)
        self.assertProblem(r, 400, detail_has="filter[id]")

    def test_users_isolation(self):
        bs = {u["uuid"] for u in self.users(B.key)}
        self.assertIn(B.admin, bs)
        self.assertFalse(bs & {u["uuid"] for u in self.users(A.key)}, "no user of A in B's list")
        self.assertEqual(self.users(B.key, [("filter[id]", BOB)]), [])
        self.assertNotIn(BOB, [u["uuid"] for u in self.users(B.key, [("filter[email]", "bob@ut-a.example")])])
        self.assertUnauthorized(self.get("/v2/users"))
        self.assertUnauthorized(self.get("/v2/organizations/users", "nope"))

    # ---- users: POST -------------------------------------------------------------------------
    def test_create_user(self):
        r = srv.req("POST", "/v2/organizations/users", A.key,
                    {"email": "Carol@UT-A.example", "firstName": "Carol", "lastName": "C",
                     "teamUUID": EMEA, "role": "admin"})
        u = self.data(r)
        self.assertUser(u, A.org)
        self.assertEqual(u["email"], "carol@ut-a.example")
        self.assertEqual(u["primaryTeamUUID"], EMEA)
        self.assertEqual([t["uuid"] for t in u["teams"]], [EMEA])
        self.assertEqual(u["roles"][0]["type"], "ADMIN")
        listed = self.users(A.key, [("filter[id]", u["uuid"])])
        self.assertEqual(listed, [u], "POST answers what GET lists")
        # defaults: the org's default team, role member
        d = self.data(srv.req("POST", "/v2/organizations/users", A.key, {"email": "dan@ut-a.example"}))
        self.assertEqual(d["primaryTeamUUID"], A.team)
        self.assertEqual(d["roles"][0]["type"], "SALES_REP")
        self.assertEqual((d["firstName"], d["lastName"]), ("", ""))
        # the new user can own imports
        srv.import_conv(A.key, d["uuid"])

    def test_create_user_errors(self):
        P = "/v2/organizations/users"
        self.assertProblem(srv.req("POST", P, A.key, {"email": "bob@UT-A.example"}), 409, code="conflict",
                           detail_has="bob@ut-a.example")
        for body, detail in [({}, "email is required"), ({"email": "nope"}, "email must be an email address"),
                             ({"email": 3}, "email must be a string"),
                             ({"email": "e@x", "teamUUID": "Sales"}, "teamUUID must be a UUID"),
                             ({"email": "e@x", "teamUUID": harness.UNKNOWN_UUID}, "is not a team"),
                             ({"email": "e@x", "teamUUID": B.team}, "is not a team"),
                             ({"email": "e@x", "role": "boss"}, "role must be"),
                             ({"email": "e@x", "teams": [{"uuid": B.team}]}, "is not a team"),
                             ({"email": "e@x", "firstName": ["x"]}, "firstName must be a string"),
                             ([], "JSON object")]:
            self.assertProblem(srv.req("POST", P, A.key, body), 400, detail_has=detail)
        self.assertProblem(srv.req("POST", P, A.key, "{bad"), 400, code="invalid_json")
        self.assertProblem(srv.req("POST", P, A.key, "email=x", headers={"Content-Type": "text/plain"}), 415)
        r = too_large(P, A.key)
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 413, r)
        self.assertUnauthorized(srv.req("POST", P, None, {"email": "e@x"}))
        self.assertProblem(srv.req("POST", P, BOB_KEY[1], {"email": "e@x"}), 403, code="forbidden")
        self.assertProblem(srv.req("POST", "/v2/users", A.key, {"email": "e@x"}), 405)
        # the same email is fine in another organization
        self.data(srv.req("POST", P, B.key, {"email": "bob@ut-a.example"}))
        self.assertEqual(self.users(A.key, [("filter[email]", "e@x")]), [], "nothing was created by the errors")

    # ---- teams --------------------------------------------------------------------------------
    def test_list_teams_both_paths(self):
        for path in ("/v2/teams", "/v2/organizations/teams"):
            ts = self.data(self.get(path, A.key))
            for t in ts:
                self.assertTeam(t, A.org)
            by = {t["uuid"]: t for t in ts}
            self.assertEqual(by[SALES]["name"], "Sales")
            self.assertIn(EMEA, by[SALES]["children"])
            self.assertEqual(by[EMEA]["parentTeamUUID"], SALES)
            self.assertEqual(by[A.team]["parentTeamUUID"], "")
            self.assertNotIn(B.team, by)
        b_teams = {t["uuid"] for t in self.data(self.get("/v2/teams", B.key))}
        self.assertIn(B.team, b_teams)
        self.assertFalse(b_teams & {SALES, EMEA, A.team})
        self.assertEqual(self.data(self.get("/v2/teams", BOB_KEY[1])), self.data(self.get("/v2/teams", A.key)))
        self.assertUnauthorized(self.get("/v2/teams"))

    def test_create_team(self):
        t = self.data(srv.req("POST", "/v2/organizations/teams", A.key, {"name": "APAC", "parentTeamUUID": SALES}))
        self.assertTeam(t, A.org)
        self.assertEqual((t["name"], t["parentTeamUUID"], t["children"]), ("[ut-a] APAC", SALES, []))
        self.assertEqual(self.data(self.get("/v2/teams/" + t["uuid"], A.key)), t)
        sales = self.data(self.get("/v2/teams/" + SALES, A.key))
        self.assertIn(t["uuid"], sales["children"])
        top = self.data(srv.req("POST", "/v2/organizations/teams", A.key, {"name": "Top level"}))
        self.assertEqual(top["parentTeamUUID"], "")

    def test_create_team_errors(self):
        P = "/v2/organizations/teams"
        self.data(srv.req("POST", P, A.key, {"name": "Twice"}))   # named "[ut-a] Twice"
        self.assertProblem(srv.req("POST", P, A.key, {"name": "Twice"}), 409, code="conflict",
                           detail_has="[ut-a] Twice")
        for body, detail in [({}, "name is required"), ({"name": ""}, "name must be 1 to 200"),
                             ({"name": "x" * 201}, "201 characters"), ({"name": 1}, "name must be a string"),
                             ({"name": "n", "parentTeamUUID": "Sales"}, "parentTeamUUID must be a UUID"),
                             ({"name": "n", "parentTeamUUID": harness.UNKNOWN_UUID}, "is not a team"),
                             ({"name": "n", "parentTeamUUID": B.team}, "is not a team")]:
            self.assertProblem(srv.req("POST", P, A.key, body), 400, detail_has=detail)
        self.assertProblem(srv.req("POST", P, A.key, "name=x", headers={"Content-Type": "text/plain"}), 415)
        r = too_large(P, A.key)
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 413, r)
        self.assertUnauthorized(srv.req("POST", P, None, {"name": "n"}))
        self.assertProblem(srv.req("POST", P, BOB_KEY[1], {"name": "n"}), 403, code="forbidden")
        self.assertProblem(srv.req("POST", "/v2/teams", A.key, {"name": "n"}), 405)
        # the same name is fine in another organization
        self.data(srv.req("POST", P, B.key, {"name": "Sales"}))

    def test_get_team(self):
        t = self.data(self.get("/v2/teams/" + EMEA.upper(), A.key))
        self.assertTeam(t, A.org)
        self.assertEqual(t["uuid"], EMEA)
        self.assertEqual(self.data(self.get("/v2/teams/" + EMEA, BOB_KEY[1])), t)
        for bad in (harness.UNKNOWN_UUID, "Sales", "not-a-uuid", B.team):
            self.assertNotFound(self.get("/v2/teams/" + bad, A.key))
        self.assertNotFound(self.get("/v2/teams/" + SALES, B.key))
        self.assertUnauthorized(self.get("/v2/teams/" + SALES))
        self.assertProblem(srv.req("DELETE", "/v2/teams/" + SALES, A.key), 405)

    def test_team_members(self):
        ms = self.data(self.get("/v2/teams/%s/members" % SALES, A.key))
        self.assertEqual([m["userUUID"] for m in ms], [BOB])
        m = ms[0]
        self.assertEqual(list(m), ["userUUID", "teamUUID", "user", "team"])
        self.assertEqual(m["teamUUID"], SALES)
        self.assertUser(m["user"], A.org)
        self.assertEqual(m["user"]["uuid"], BOB)
        self.assertEqual(m["team"], self.data(self.get("/v2/teams/" + SALES, A.key)))
        self.assertEqual(self.data(self.get("/v2/teams/%s/members" % A.team, BOB_KEY[1]))[0]["userUUID"], A.admin)
        for bad in (harness.UNKNOWN_UUID, "x", B.team):
            self.assertNotFound(self.get("/v2/teams/%s/members" % bad, A.key))
        self.assertNotFound(self.get("/v2/teams/%s/members" % SALES, B.key))
        self.assertUnauthorized(self.get("/v2/teams/%s/members" % SALES))

    # ---- CLI --------------------------------------------------------------------------------------
    def test_cli_lists_match_the_api(self):
        users = [harness.loads_strict(l.encode()) for l in srv.cli("user", "list", "--org", "ut-a").splitlines()]
        self.assertEqual(users, self.users(A.key))
        teams = [harness.loads_strict(l.encode()) for l in srv.cli("team", "list", "--org", A.org).splitlines()]
        self.assertEqual(teams, self.data(self.get("/v2/teams", A.key)))
        for words in (("user", "list"), ("team", "list")):
            self.assertEqual(srv.cli_run(*words, "--org", "no-such-org").returncode, 1)
            self.assertEqual(srv.cli_run(*words).returncode, 2)


if __name__ == "__main__":
    unittest.main()
