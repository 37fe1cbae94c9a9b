"""test_isolation_random.py - randomized tenant isolation: thousands of operations from three
organizations, each with an org-level key and two user-level keys, on every endpoint. After every
step: no response contains another organization's data (no id of its organizations, users, teams,
keys or conversations, and none of its marker strings, unless the request itself named that id), the
status is what the model predicts (404 across organizations and for private conversations of others,
403 for a user-level key changing what it does not own), and what the server shows matches the model.

PARLEY_ISOLATION_OPS (default 3000) and PARLEY_ISOLATION_SEED change the run; the seed is printed."""

import json
import os
import random
import re
import sys
import time
import unittest
import urllib.parse

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402

OPS = int(os.environ.get("PARLEY_ISOLATION_OPS", "3000"))
SEED = int(os.environ.get("PARLEY_ISOLATION_SEED", str(int(time.time()))))
UUID_ANY = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class Actor:
    def __init__(self, org, key, key_id, user=None):
        self.org, self.key, self.key_id, self.user = org, key, key_id, user   # user None = org-level

    def __repr__(self):
        return "<%s %s>" % (self.org.name, "org" if self.user is None else "user " + self.user)


class OrgModel:
    def __init__(self, name, tag):
        self.name, self.tag = name, tag
        self.uuid = self.admin = self.team = None
        self.users = []
        self.actors = []
        self.ids = set()        # every id of this organization (lowercase)
        self.extra_keys = []    # (key_id, key, creator Actor) created through the API, still valid


class Conv:
    def __init__(self, org, uuid, owner, title, ext):
        self.org, self.uuid, self.owner, self.title, self.ext = org, uuid, owner, title, ext
        self.archived = self.private = False
        self.labels = {}
        self.crm = []


class IsolationTest(harness.ApiTestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = harness.Server(threads=2)
        cls.srv.start()
        cls.addClassCleanup(cls.srv.stop)

    def setUp(self):
        self.rng = random.Random(SEED)
        srv = self.srv
        self.orgs = []
        for i, name in enumerate(("iso-a", "iso-b", "iso-c")):
            tag = "zq%d%s" % (i, "".join(self.rng.choice("bcdfghjkmnpqrstvwxz") for _ in range(6)))
            m = OrgModel(name, tag)
            o = srv.create_org(name + "-" + tag, "admin-%s@%s.example" % (tag, tag))
            m.uuid, m.admin, m.team = o.org, o.admin, o.team
            m.ids |= {o.org, o.admin, o.team, o.key_id}
            m.actors.append(Actor(m, o.key, o.key_id))
            for u in range(2):
                uid = srv.create_user(o.org, "u%d-%s@%s.example" % (u, tag, tag), first="U%d" % u, last=tag)
                kid, key = srv.create_key(o.org, user=uid, name="k-%s-%d" % (tag, u))
                m.users.append(uid)
                m.ids |= {uid, kid}
                m.actors.append(Actor(m, key, kid, uid))
            self.orgs.append(m)
        self.convs = []
        self.checked = 0

    # ---- the one check every response goes through --------------------------------------------
    def call(self, actor, method, path, body=None):
        r = self.srv.req(method, path, actor.key, body)
        sent = urllib.parse.unquote(path) + (json.dumps(body) if body is not None else "")
        named = set(x.lower() for x in UUID_ANY.findall(sent))   # ids the request itself names may be echoed
        text = r.raw.decode("utf-8", "replace")
        seen = set(x.lower() for x in UUID_ANY.findall(text)) - named
        for other in self.orgs:
            if other is actor.org:
                continue
            leaked = seen & other.ids
            self.assertFalse(leaked, "%r %s %s: response holds ids of %s: %s\n%r"
                             % (actor, method, path, other.name, sorted(leaked)[:5], r))
            if other.tag not in sent:
                self.assertNotIn(other.tag, text, "%r %s %s: response holds %s's marker\n%r"
                                 % (actor, method, path, other.name, r))
        self.assertNotEqual(r.status, 500, r)
        self.checked += 1
        return r

    # ---- model ------------------------------------------------------------------------------------
    @staticmethod
    def visible(actor, c):
        return c.org is actor.org and (actor.user is None or not c.private or c.owner == actor.user)

    @staticmethod
    def may_change(actor, c):
        return actor.user is None or c.owner == actor.user

    def assertMatches(self, a, c):
        self.assertEqual(a["uuid"], c.uuid)
        self.assertEqual(a["userUUID"], c.owner)
        self.assertEqual(a["title"], c.title)
        self.assertEqual(a["archived"], c.archived)
        self.assertEqual(a["private"], c.private)
        self.assertEqual(a["labels"], c.labels)
        self.assertEqual(a["linkedCrmRecords"], c.crm)

    def pick_conv(self):
        return self.rng.choice(self.convs) if self.convs else None

    # ---- operations -------------------------------------------------------------------------------
    def op_import(self, actor):
        rng, org = self.rng, actor.org
        target = rng.choice(org.users + [org.admin]) if actor.user is None or rng.random() < 0.2 else actor.user
        if rng.random() < 0.05:   # another organization's user: not a user of this one
            target = rng.choice([o for o in self.orgs if o is not org]).users[0]
        n = len(self.convs)
        ext = "ext-%s-%d" % (org.tag, n)
        title = "call %s %d" % (org.tag, n)
        body = {"mediaURL": "https://media.example.com/%s.mp4" % ext, "userID": target,
                "applicationExternalID": ext, "conversationTitle": title,
                "transcript": {"v2": harness.transcript_v2(("Rep %s" % org.tag, "hello from %s" % org.tag, 0, 2))},
                "externalMetadata": {"participants": [{"email": "guest-%d@%s.example" % (n, org.tag), "name": "G"}]}}
        r = self.call(actor, "POST", "/v2/conversations/import", body)
        if target not in org.users + [org.admin]:
            self.assertProblem(r, 400)
        elif actor.user is not None and target != actor.user:
            self.assertProblem(r, 403)
        else:
            self.assertEqual(r.status, 200, r)
            c = Conv(org, r.body["uuid"], target, title, ext)
            org.ids.add(c.uuid)
            self.convs.append(c)

    def op_get(self, actor):
        c = self.pick_conv()
        if c is None:
            return
        how = self.rng.random()
        if how < 0.6:
            r = self.call(actor, "GET", "/v2/conversations/" + c.uuid)
        elif how < 0.8:
            r = self.call(actor, "GET", "/v2/conversations/%s?by=external_id" % c.ext)
        else:
            r = self.call(actor, "GET", "/v2/conversations/by-external-id/" + c.ext)
            if self.visible(actor, c):
                self.assertEqual(r.status, 200, r)
                self.assertEqual(r.body, {"conversation_id": c.uuid})
            else:
                self.assertNotFound(r)
            return
        if self.visible(actor, c):
            self.assertEqual(r.status, 200, r)
            self.assertMatches(r.body["attributes"], c)
        else:
            self.assertNotFound(r)

    def op_list(self, actor):
        rng = self.rng
        path = rng.choice(["/v2/conversations", "/v2/conversations/list"])
        params = [("size", str(rng.choice([5, 20, 50]))), ("page", str(rng.randint(1, 3)))]
        complete = rng.random() < 0.5
        if complete:
            params = [("size", "50"), ("page", "1"), ("filter[include_archived]", "true")]
        elif rng.random() < 0.3:
            other = rng.choice(self.orgs)
            params.append(("filter[title]", other.tag))
        elif rng.random() < 0.3:
            params.append(("filter[participants.email]", "guest-%d@%s.example" % (rng.randint(0, 50), rng.choice(self.orgs).tag)))
        r = self.call(actor, "GET", path + "?" + urllib.parse.urlencode(params))
        self.assertEqual(r.status, 200, r)
        byid = {c.uuid: c for c in self.convs}
        for row in r.body["data"]:
            c = byid.get(row["id"])
            self.assertIsNotNone(c, "a listed conversation the test never created: %s" % row["id"])
            self.assertTrue(self.visible(actor, c), "%r sees %s it must not see" % (actor, c.uuid))
            self.assertMatches(row["attributes"], c)
        if complete:
            want = sum(1 for c in self.convs if self.visible(actor, c))
            self.assertEqual(r.body["meta"]["totalRecords"], want, "%r: every visible conversation, no other" % actor)

    def op_change(self, actor):
        c = self.pick_conv()
        if c is None:
            return
        rng = self.rng
        kind = rng.choice(["archive", "unarchive", "labels", "title", "privacy", "put", "crm"])
        n = self.checked
        if kind == "archive":
            req, new = ("DELETE", "/v2/conversations/" + c.uuid, None), {"archived": True}
        elif kind == "unarchive":
            req, new = ("POST", "/v2/conversations/%s/unarchive" % c.uuid, None), {"archived": False}
        elif kind == "labels":
            labels = {"stage": "s%d-%s" % (n, c.org.tag)}
            req, new = ("PUT", "/v2/conversations/%s/labels" % c.uuid, {"labels": labels}), {"labels": labels}
        elif kind == "title":
            t = "renamed %s %d" % (c.org.tag, n)
            req, new = ("PUT", "/v2/conversations/%s/title" % c.uuid, {"title": t}), {"title": t}
        elif kind == "privacy":
            p = rng.random() < 0.5
            req, new = ("PUT", "/v2/conversations/%s/change_privacy" % c.uuid, {"private": p}), {"private": p}
        elif kind == "put":
            t, labels = "put %s %d" % (c.org.tag, n), {"k": "v%d" % n}
            req, new = ("PUT", "/v2/conversations/" + c.uuid, {"title": t, "labels": labels}), {"title": t, "labels": labels}
        else:
            crm = [{"id": "acc-%d" % n, "code": "account"}]
            req, new = ("PUT", "/v2/conversations/%s/linked-crm-records" % c.uuid, {"linkedCrmRecords": crm}), {"crm": crm}
        r = self.call(actor, *req)
        if not self.visible(actor, c):
            self.assertNotFound(r)
        elif not self.may_change(actor, c):
            self.assertProblem(r, 403)
        else:
            self.assertEqual(r.status, 200, r)
            for k, v in new.items():
                setattr(c, k, v)
            self.assertMatches(r.body["attributes"], c)
        # whatever happened, an org-level key of the owner's organization sees the modelled state
        g = self.call(c.org.actors[0], "GET", "/v2/conversations/" + c.uuid)
        self.assertEqual(g.status, 200, g)
        self.assertMatches(g.body["attributes"], c)

    def op_people(self, actor):
        rng = self.rng
        path = rng.choice(["/v2/users", "/v2/organizations/users", "/v2/teams", "/v2/organizations/teams",
                           "/v2/api_keys", "/v2/conversations/workflow-logs?limit=100",
                           "/v2/teams/" + rng.choice(self.orgs).team,
                           "/v2/teams/%s/members" % rng.choice(self.orgs).team])
        r = self.call(actor, "GET", path)
        if path.startswith("/v2/teams/"):
            team_org = next(o for o in self.orgs if o.team in path)
            if team_org is not actor.org:
                self.assertNotFound(r)
                return
        self.assertEqual(r.status, 200, r)
        if path == "/v2/api_keys":
            for k in r.body:
                self.assertEqual(k["organizationUUID"], actor.org.uuid)
                if actor.user is not None:
                    self.assertEqual(k["userUUID"], actor.user, "a user-level key lists only its user's keys")
        if path.startswith("/v2/conversations/workflow-logs"):
            byid = {c.uuid: c for c in self.convs}
            for e in r.body["data"]:
                c = byid.get(e["conversationUUID"])
                self.assertIsNotNone(c, e)
                self.assertTrue(self.visible(actor, c), "%r sees the log of %s" % (actor, c.uuid))

    def op_create_people(self, actor):
        """POST users/teams: org-level keys only; what is created belongs to the key's organization."""
        org, n = actor.org, self.checked
        if self.rng.random() < 0.5:
            r = self.call(actor, "POST", "/v2/organizations/users",
                          {"email": "new%d@%s.example" % (n, org.tag), "firstName": "N", "lastName": org.tag})
        else:
            r = self.call(actor, "POST", "/v2/organizations/teams", {"name": "team %s %d" % (org.tag, n)})
        if actor.user is not None:
            self.assertProblem(r, 403)
            return
        self.assertEqual(r.status, 200, r)
        org.ids.add(r.body["data"]["uuid"])

    def op_keys(self, actor):
        rng, org = self.rng, actor.org
        what = rng.random()
        if what < 0.4:   # revoking another organization's key: unknown here
            other = rng.choice([o for o in self.orgs if o is not org])
            victim = rng.choice(other.actors)
            self.assertNotFound(self.call(actor, "DELETE", "/v2/api_keys?id=" + victim.key_id))
        elif what < 0.7:  # create a user-level key (a user-level key only for itself)
            target = rng.choice(org.users)
            r = self.call(actor, "POST", "/v2/api_keys", {"name": "extra-%s" % org.tag, "orgLevel": False,
                                                          "userUUID": target})
            if actor.user is not None and target != actor.user:
                self.assertProblem(r, 403)
                return
            self.assertEqual(r.status, 200, r)
            self.srv.secrets.add(r.body["value"])
            org.ids.add(r.body["id"])
            org.extra_keys.append((r.body["id"], r.body["value"], target))
            k = Actor(org, r.body["value"], r.body["id"], target)
            self.assertEqual(self.call(k, "GET", "/v2/conversations?size=1").status, 200)
        elif org.extra_keys:  # revoke an extra key: only its user's key or the org-level key may
            kid, key, owner = rng.choice(org.extra_keys)
            r = self.call(actor, "DELETE", "/v2/api_keys?id=" + kid)
            if actor.user is not None and owner != actor.user:
                self.assertProblem(r, 403)
                return
            self.assertEqual(r.status, 200, r)
            org.extra_keys.remove((kid, key, owner))
            self.assertUnauthorized(self.srv.req("GET", "/v2/conversations", key))

    def test_random_operations(self):
        sys.stderr.write("isolation test: seed %d, %d operations\n" % (SEED, OPS))
        ops = [(self.op_import, 15), (self.op_get, 20), (self.op_list, 15), (self.op_change, 30),
               (self.op_people, 10), (self.op_create_people, 2), (self.op_keys, 8)]
        fns = [f for f, w in ops for _ in range(w)]
        for i in range(OPS):
            org = self.rng.choice(self.orgs)
            actor = self.rng.choice(org.actors)
            fn = self.rng.choice(fns)
            try:
                fn(actor)
            except AssertionError as e:
                raise AssertionError("operation %d (%s by %r, seed %d): %s" % (i, fn.__name__, actor, SEED, e)) from None
        # every organization's actors still work (nothing revoked across organizations)
        for o in self.orgs:
            for a in o.actors:
                self.assertEqual(self.call(a, "GET", "/v2/conversations?size=1").status, 200)
        sys.stderr.write("FIGURE isolation: %d operations, %d responses checked for foreign data, "
                         "%d conversations in 3 organizations, 0 leaks\n" % (OPS, self.checked, len(self.convs)))


if __name__ == "__main__":
    unittest.main()
