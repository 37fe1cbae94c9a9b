"""test_org_admin.py - organization administration over HTTP (beyond.md §4): GET /v2/organizations/roles,
POST /v2/organizations/users in its documented form, PATCH and DELETE /v2/organizations/users/{id},
team names prefixed with the organization's, PATCH /v2/organizations/teams/{id}; every error status,
tenant isolation, key levels, a deleted user's keys (401 at once) and conversations (still its own);
`parley role list`."""

import sys
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402

srv = None
A = B = None
ROLES = {}                 # type -> uuid, organization A
SALES = EMEA = None        # teams of A (API-made: "[oa-a] Sales", "[oa-a] EMEA" under Sales)
P_USERS = "/v2/organizations/users"
P_TEAMS = "/v2/organizations/teams"


def setUpModule():
    global srv, A, B, SALES, EMEA
    srv = harness.module_server()
    A = srv.create_org("oa-a", "admin@oa-a.example")
    B = srv.create_org("oa-b", "admin@oa-b.example")
    r = srv.req("GET", "/v2/organizations/roles", A.key)
    for role in r.body["data"]:
        ROLES[role["type"]] = role["uuid"]
    SALES = srv.req("POST", P_TEAMS, A.key, {"name": "Sales"}).body["data"]["uuid"]
    EMEA = srv.req("POST", P_TEAMS, A.key, {"name": "EMEA", "parentTeamUUID": SALES}).body["data"]["uuid"]


class OrgAdminTest(harness.ApiTestCase):
    def setUp(self):
        self.srv = srv

    def data(self, r):
        b = self.assertOk(r)
        self.assertEqual(list(b), ["data"], b)
        return b["data"]

    def new_user(self, email, **extra):
        body = {"email": email, "first_name": "F", "last_name": "L", "teams": [{"uuid": SALES, "primary": True}],
                "roleUUID": ROLES["SALES_REP"]}
        body.update(extra)
        return self.data(srv.req("POST", P_USERS, A.key, body))

    def user_level_key(self, user):
        return srv.create_key(A.org, org_level=False, user=user)[1]

    # ---- roles --------------------------------------------------------------------------------
    def test_roles(self):
        roles = self.data(self.get("/v2/organizations/roles", A.key))
        self.assertEqual([(r["type"], r["name"]) for r in roles],
                         [("ADMIN", "Admin"), ("MANAGER", "Manager"), ("SALES_REP", "Sales Representative")])
        for r in roles:
            self.assertEqual(list(r), ["uuid", "name", "type"])
            self.assertRegex(r["uuid"], harness.UUID_RE)
        self.assertEqual(self.data(self.get("/v2/organizations/roles", A.key)), roles, "stable")
        b_roles = self.data(self.get("/v2/organizations/roles", B.key))
        self.assertFalse({r["uuid"] for r in roles} & {r["uuid"] for r in b_roles}, "per organization")
        bob = srv.create_user(A.org, "roles-bob@oa-a.example")
        self.assertEqual(self.data(self.get("/v2/organizations/roles", self.user_level_key(bob))), roles)
        self.assertUnauthorized(self.get("/v2/organizations/roles"))
        self.assertProblem(srv.req("POST", "/v2/organizations/roles", A.key, {}), 405)
        # a User's roles use them: the admin is ADMIN, a CLI-made member is SALES_REP
        users = {u["uuid"]: u for u in self.data(self.get("/v2/users", A.key))}
        self.assertEqual(users[A.admin]["roles"], [roles[0]])
        self.assertEqual(users[bob]["roles"], [roles[2]])

    def test_cli_role_list_matches_the_api(self):
        lines = srv.cli("role", "list", "--org", "oa-a").splitlines()
        self.assertEqual([harness.loads_strict(l.encode()) for l in lines],
                         self.data(self.get("/v2/organizations/roles", A.key)))
        self.assertEqual(srv.cli_run("role", "list", "--org", "no-such-org").returncode, 1)
        self.assertEqual(srv.cli_run("role", "list").returncode, 2)

    # ---- POST users, documented form -------------------------------------------------------------
    def test_create_user_documented_form(self):
        u = self.new_user("Doc@OA-A.example", teams=[{"uuid": SALES}, {"uuid": EMEA, "primary": True}],
                          roleUUID=ROLES["MANAGER"], password="hunter2", seat_type="listener")
        self.assertEqual(u["email"], "doc@oa-a.example")
        self.assertEqual((u["firstName"], u["lastName"]), ("F", "L"))
        self.assertEqual(u["primaryTeamUUID"], EMEA)
        self.assertEqual({t["uuid"] for t in u["teams"]}, {SALES, EMEA})
        self.assertEqual(u["roles"][0]["type"], "MANAGER")
        self.assertEqual(u["botName"], "F's Notetaker")
        self.assertEqual(u["settings"], {"dealsEnabled": False, "seat_type": "listener"})
        self.assertNotIn("password", u)
        self.assertNotIn("hunter2", srv.req("GET", "/v2/users", A.key).raw.decode())
        listed = self.data(self.get(harness.q("/v2/users", {"filter[id]": u["uuid"]}), A.key))
        self.assertEqual(listed, [u], "POST answers what GET lists")
        # no primary given: the first team is; no seat_type: recording
        v = self.new_user("doc2@oa-a.example", teams=[{"uuid": EMEA}, {"uuid": SALES}])
        self.assertEqual(v["primaryTeamUUID"], EMEA)
        self.assertEqual(v["settings"]["seat_type"], "recording")
        self.assertEqual(v["roles"][0]["type"], "SALES_REP")
        # the camelCase form still works, with the new role
        w = self.data(srv.req("POST", P_USERS, A.key, {"email": "camel@oa-a.example", "firstName": "C",
                                                          "teamUUID": SALES, "role": "manager"}))
        self.assertEqual((w["firstName"], w["primaryTeamUUID"], w["roles"][0]["type"]), ("C", SALES, "MANAGER"))

    def test_create_user_documented_form_errors(self):
        base = {"email": "e@oa-a.example", "teams": [{"uuid": SALES}]}
        for extra, detail in [({"teams": []}, "at least one team"),
                              ({"teams": [{"uuid": harness.UNKNOWN_UUID}]}, "teams[0].uuid"),
                              ({"teams": [{"uuid": SALES}, {"uuid": B.team}]}, "teams[1].uuid " + B.team),
                              ({"teams": [{"uuid": SALES}, {"uuid": SALES}]}, "repeats"),
                              ({"teams": [{"uuid": SALES, "primary": True}, {"uuid": EMEA, "primary": True}]},
                               "only one team can be primary"),
                              ({"teamUUID": SALES}, "give teams or teamUUID"),
                              ({"roleUUID": harness.UNKNOWN_UUID}, "not a role of this organization"),
                              ({"roleUUID": self.b_role()}, "not a role of this organization"),
                              ({"roleUUID": "ADMIN"}, "roleUUID must be a UUID"),
                              ({"password": ""}, "password must not be empty"),
                              ({"password": "x" * 1025}, "password must be at most 1024 bytes"),
                              ({"seat_type": "pilot"}, "seat_type must be"),
                              ({"first_name": "a", "firstName": "b"}, "not both")]:
            body = dict(base)
            body.update(extra)
            self.assertProblem(srv.req("POST", P_USERS, A.key, body), 400, code="invalid_body", detail_has=detail)
        self.assertEqual(self.data(self.get(harness.q("/v2/users", {"filter[email]": "e@oa-a.example"}), A.key)), [])

    def b_role(self):
        return self.data(self.get("/v2/organizations/roles", B.key))[0]["uuid"]

    # ---- PATCH users ------------------------------------------------------------------------------
    def test_patch_user(self):
        u = self.new_user("patch@oa-a.example")
        P = "%s/%s" % (P_USERS, u["uuid"])
        v = self.data(srv.req("PATCH", P, A.key, {"firstName": "Pat", "lastName": "Ch", "dealsEnabled": True,
                                                  "seat_type": "listener", "roleUUID": ROLES["MANAGER"]}))
        self.assertEqual((v["firstName"], v["lastName"]), ("Pat", "Ch"))
        self.assertEqual(v["botName"], "Pat's Notetaker", "the default follows the first name")
        self.assertEqual(v["settings"], {"dealsEnabled": True, "seat_type": "listener"})
        self.assertEqual(v["roles"][0]["type"], "MANAGER")
        self.assertEqual(v["email"], u["email"])
        v = self.data(srv.req("PATCH", P, A.key, {"botName": "Recorder 9000"}))
        self.assertEqual(v["botName"], "Recorder 9000")
        self.assertEqual(v["firstName"], "Pat", "left-out members are unchanged")
        v = self.data(srv.req("PATCH", P, A.key, {"botName": ""}))
        self.assertEqual(v["botName"], "Pat's Notetaker", "\"\" is the default again")
        # teams: join EMEA as primary, then leave Sales; leaving the primary team moves it
        v = self.data(srv.req("PATCH", P, A.key, {"teamsToAdd": [{"uuid": EMEA, "primary": True}]}))
        self.assertEqual(v["primaryTeamUUID"], EMEA)
        self.assertEqual({t["uuid"] for t in v["teams"]}, {SALES, EMEA})
        v = self.data(srv.req("PATCH", P, A.key, {"teamUUIDsToRemove": [EMEA, A.team]}))
        self.assertEqual([t["uuid"] for t in v["teams"]], [SALES])
        self.assertEqual(v["primaryTeamUUID"], SALES)
        self.assertProblem(srv.req("PATCH", P, A.key, {"teamUUIDsToRemove": [SALES]}), 400, detail_has="no team")
        self.assertEqual(self.data(self.get(harness.q("/v2/users", {"filter[id]": u["uuid"]}), A.key)), [v],
                         "a refused change changes nothing")
        self.assertEqual([m["userUUID"] for m in self.data(self.get("/v2/teams/%s/members" % EMEA, A.key))
                          if m["userUUID"] == u["uuid"]], [])

    def test_patch_user_errors(self):
        u = self.new_user("patch-err@oa-a.example")
        P = "%s/%s" % (P_USERS, u["uuid"])
        for body, detail in [({}, "at least one of"), ({"unknown": 1}, "at least one of"),
                             ({"dealsEnabled": "yes"}, "dealsEnabled must be a boolean"),
                             ({"roleUUID": harness.UNKNOWN_UUID}, "not a role"),
                             ({"teamsToAdd": [{"uuid": B.team}]}, "teamsToAdd[0].uuid " + B.team),
                             ({"teamUUIDsToRemove": [harness.UNKNOWN_UUID]}, "teamUUIDsToRemove[0]"),
                             ({"teamsToAdd": [{"uuid": EMEA}], "teamUUIDsToRemove": [EMEA]}, "both"),
                             ({"seat_type": "x"}, "seat_type"), ({"firstName": 5}, "firstName must be a string"),
                             ([], "JSON object")]:
            self.assertProblem(srv.req("PATCH", P, A.key, body), 400, code="invalid_body", detail_has=detail)
        self.assertProblem(srv.req("PATCH", P, A.key, "{bad"), 400, code="invalid_json")
        self.assertProblem(srv.req("PATCH", P, A.key, "x", headers={"Content-Type": "text/plain"}), 415)
        for bad in (harness.UNKNOWN_UUID, "bob", B.admin):
            self.assertNotFound(srv.req("PATCH", "%s/%s" % (P_USERS, bad), A.key, {"firstName": "x"}))
        self.assertNotFound(srv.req("PATCH", P, B.key, {"firstName": "x"}))
        self.assertUnauthorized(srv.req("PATCH", P, None, {"firstName": "x"}))
        self.assertProblem(srv.req("PATCH", P, self.user_level_key(u["uuid"]), {"firstName": "x"}), 403,
                           code="forbidden")
        self.assertProblem(srv.req("GET", P, A.key), 405)
        self.assertEqual(self.data(self.get(harness.q("/v2/users", {"filter[id]": u["uuid"]}), A.key))[0]["firstName"],
                         "F")

    def test_last_admin_keeps_the_role(self):
        org = srv.create_org("oa-solo", "admin@oa-solo.example")
        roles = {r["type"]: r["uuid"] for r in self.data(self.get("/v2/organizations/roles", org.key))}
        P = "%s/%s" % (P_USERS, org.admin)
        self.assertProblem(srv.req("PATCH", P, org.key, {"roleUUID": roles["SALES_REP"]}), 409, code="conflict",
                           detail_has="last admin")
        self.assertProblem(srv.req("DELETE", P, org.key), 409, code="conflict", detail_has="last admin")
        # with a second admin, the first may step down and then go
        second = self.data(srv.req("POST", P_USERS, org.key, {"email": "two@oa-solo.example",
                                                              "roleUUID": roles["ADMIN"]}))
        self.assertEqual(self.data(srv.req("PATCH", P, org.key, {"roleUUID": roles["MANAGER"]}))["roles"][0]["type"],
                         "MANAGER")
        self.assertProblem(srv.req("DELETE", "%s/%s" % (P_USERS, second["uuid"]), org.key), 409)
        self.assertEqual(self.assertOk(srv.req("DELETE", P, org.key)), {})
        self.assertUnauthorized(self.get("/v2/users", org.key))   # the key was the deleted admin's

    # ---- DELETE users ------------------------------------------------------------------------------
    def test_delete_user(self):
        u = self.new_user("gone@oa-a.example", first_name="Gone", last_name="Soon")
        uid = u["uuid"]
        ukey = self.user_level_key(uid)
        org_kid, org_key = srv.create_key(A.org, org_level=True)   # an org-level key made for the admin stays
        conv = srv.import_conv(ukey, uid, conversationTitle="owned by a user who leaves")
        self.assertOk(self.get("/v2/conversations/" + conv, ukey))
        self.assertEqual(self.assertOk(srv.req("DELETE", "%s/%s" % (P_USERS, uid), A.key)), {})
        # its keys are 401 at once
        self.assertUnauthorized(self.get("/v2/conversations/" + conv, ukey))
        self.assertOk(self.get("/v2/users", org_key))
        # gone from lists, filters and teams
        self.assertNotIn(uid, [x["uuid"] for x in self.data(self.get("/v2/users", A.key))])
        self.assertEqual(self.data(self.get(harness.q("/v2/organizations/users", {"filter[id]": uid}), A.key)), [])
        self.assertNotIn(uid, [m["userUUID"] for m in self.data(self.get("/v2/teams/%s/members" % SALES, A.key))])
        self.assertNotIn(uid, [k["userUUID"] for k in self.assertOk(self.get("/v2/api_keys", A.key))])
        # its conversations stay, still showing it as the owner
        c = self.assertOk(self.get("/v2/conversations/" + conv, A.key))
        self.assertEqual(c["attributes"]["userUUID"], uid)
        self.assertEqual(c["attributes"]["user"]["email"], "gone@oa-a.example")
        self.assertEqual(c["attributes"]["user"]["firstName"], "Gone")
        self.assertIn(conv, [x["id"] for x in self.assertOk(self.get(
            harness.q("/v2/conversations/list", {"filter[owner.id]": uid}), A.key))["data"]])
        # nothing more can be done for it
        P = "%s/%s" % (P_USERS, uid)
        self.assertNotFound(srv.req("DELETE", P, A.key))
        self.assertNotFound(srv.req("PATCH", P, A.key, {"firstName": "x"}))
        self.assertProblem(srv.req("POST", "/v2/conversations/import", A.key,
                                   {"mediaURL": "https://m.example/x.mp4", "userID": uid}), 400,
                           detail_has="not a user")
        self.assertProblem(srv.req("POST", "/v2/api_keys", A.key, {"name": "k", "userUUID": uid}), 400)
        # its email is free for a new user, who gets a new id and none of its conversations
        again = self.new_user("gone@oa-a.example")
        self.assertNotEqual(again["uuid"], uid)
        self.assertEqual(self.get("/v2/conversations/" + conv, A.key).body["attributes"]["userUUID"], uid)

    def test_delete_user_errors_and_isolation(self):
        u = self.new_user("del-err@oa-a.example")
        P = "%s/%s" % (P_USERS, u["uuid"])
        for bad in (harness.UNKNOWN_UUID, "not-a-uuid", B.admin):
            self.assertNotFound(srv.req("DELETE", "%s/%s" % (P_USERS, bad), A.key))
        self.assertNotFound(srv.req("DELETE", P, B.key))
        self.assertUnauthorized(srv.req("DELETE", P))
        self.assertProblem(srv.req("DELETE", P, self.user_level_key(u["uuid"])), 403, code="forbidden")
        self.assertIn(u["uuid"], [x["uuid"] for x in self.data(self.get("/v2/users", A.key))], "still there")

    # ---- teams -------------------------------------------------------------------------------------
    def test_team_creation_prefixes_the_organization(self):
        t = self.data(srv.req("POST", P_TEAMS, A.key, {"name": "APAC", "parentTeamUUID": SALES}))
        self.assertEqual(t["name"], "[oa-a] APAC")
        self.assertEqual(self.data(self.get("/v2/teams/" + t["uuid"], A.key))["name"], "[oa-a] APAC")
        self.assertProblem(srv.req("POST", P_TEAMS, A.key, {"name": "APAC"}), 409, detail_has="[oa-a] APAC")
        self.assertEqual(self.data(srv.req("POST", P_TEAMS, B.key, {"name": "APAC"}))["name"], "[oa-b] APAC")
        # the longest name fits with the prefix
        long = self.data(srv.req("POST", P_TEAMS, A.key, {"name": "é" * 127}))
        self.assertEqual(long["name"], "[oa-a] " + "é" * 127)

    def test_patch_team(self):
        t = self.data(srv.req("POST", P_TEAMS, A.key, {"name": "Movable"}))
        P = "%s/%s" % (P_TEAMS, t["uuid"])
        v = self.data(srv.req("PATCH", P, A.key, {"name": "Movable team"}))
        self.assertEqual(v["name"], "Movable team", "PATCH keeps the name as given")
        self.assertEqual(v["parentTeamUUID"], "")
        v = self.data(srv.req("PATCH", P, A.key, {"parentTeamUUID": EMEA.upper()}))
        self.assertEqual((v["name"], v["parentTeamUUID"]), ("Movable team", EMEA))
        self.assertIn(t["uuid"], self.data(self.get("/v2/teams/" + EMEA, A.key))["children"])
        # a cycle: under itself, or under its own descendant
        self.assertProblem(srv.req("PATCH", P, A.key, {"parentTeamUUID": t["uuid"]}), 400, detail_has="cycle")
        self.assertProblem(srv.req("PATCH", "%s/%s" % (P_TEAMS, SALES), A.key, {"parentTeamUUID": t["uuid"]}), 400,
                           detail_has="cycle")
        v = self.data(srv.req("PATCH", P, A.key, {"parentTeamUUID": None, "name": "Top again"}))
        self.assertEqual((v["name"], v["parentTeamUUID"]), ("Top again", ""))
        self.assertEqual(self.data(srv.req("PATCH", P, A.key, {"parentTeamUUID": SALES}))["parentTeamUUID"], SALES)
        self.assertEqual(self.data(srv.req("PATCH", P, A.key, {"parentTeamUUID": ""}))["parentTeamUUID"], "")

    def test_patch_team_errors(self):
        t = self.data(srv.req("POST", P_TEAMS, A.key, {"name": "Patchy"}))
        P = "%s/%s" % (P_TEAMS, t["uuid"])
        for body, detail in [({}, "at least one of"), ({"name": None}, "at least one of"),
                             ({"name": ""}, "name must be 1 to 200"), ({"name": "x" * 201}, "201 characters"),
                             ({"parentTeamUUID": "Sales"}, "must be a UUID"),
                             ({"parentTeamUUID": harness.UNKNOWN_UUID}, "is not a team"),
                             ({"parentTeamUUID": B.team}, "is not a team")]:
            self.assertProblem(srv.req("PATCH", P, A.key, body), 400, code="invalid_body", detail_has=detail)
        self.assertProblem(srv.req("PATCH", P, A.key, {"name": "[oa-a] Sales"}), 409, code="conflict")
        self.assertProblem(srv.req("PATCH", P, A.key, "{", headers=None), 400, code="invalid_json")
        self.assertProblem(srv.req("PATCH", P, A.key, "x", headers={"Content-Type": "text/plain"}), 415)
        for bad in (harness.UNKNOWN_UUID, "Sales", B.team):
            self.assertNotFound(srv.req("PATCH", "%s/%s" % (P_TEAMS, bad), A.key, {"name": "n"}))
        self.assertNotFound(srv.req("PATCH", P, B.key, {"name": "n"}))
        self.assertUnauthorized(srv.req("PATCH", P, None, {"name": "n"}))
        bob = srv.create_user(A.org, "team-patch-bob@oa-a.example")
        self.assertProblem(srv.req("PATCH", P, self.user_level_key(bob), {"name": "n"}), 403, code="forbidden")
        self.assertProblem(srv.req("DELETE", P, A.key), 405)
        self.assertEqual(self.data(self.get("/v2/teams/" + t["uuid"], A.key))["name"], "[oa-a] Patchy")


if __name__ == "__main__":
    unittest.main()
