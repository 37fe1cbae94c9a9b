"""test_media_s3.py - media (api.md §7) in an S3-compatible bucket (s3rver from tests/s3, which checks SigV4
signatures): the tests of media_common.py, plus an unreachable bucket (503 for media, nothing else touched)
and two instances on one database serving each other's media through the bucket."""

import unittest

import harness
import media_common
from harness import Server


class S3MediaTest(media_common.MediaTests):
    MEDIA = "s3"

    def test_two_instances_on_one_database_share_media_through_the_bucket(self):
        # behind a load balancer: one public URL, one database, one bucket
        args, env = harness.s3_media()
        public = ["--public-url", "http://parley.test"]
        one = Server(admin=True, extra_args=args + public, env=env)
        one.start()
        two = Server(admin=True, extra_args=args + public, env=env)
        two.shared_db = one.db
        try:
            two.start()
            o = one.admin_org()
            p = lambda url: url[len("http://parley.test"):]   # noqa: E731
            u = self.assertOk(one.req("GET", "/v2/conversations/upload-url", o.key))
            r = one.req("PUT", p(u["url"]), body=b"recorded through one", headers={"Content-Type": "audio/wav"})
            self.assertEqual(r.status, 200, r)
            conv = two.import_conv(o.key, o.admin, mediaURL=u["downloadUrl"])
            self.assertEqual(self.assertOk(two.req("GET", "/v2/conversations/" + conv, o.key))["attributes"]
                             ["mediaStorageStatus"], "READY")
            url = self.assertOk(two.req("POST", "/v2/conversations/%s/media/download" % conv, o.key))["url"]
            for s in (one, two):   # one signing secret (in the database), one bucket
                self.assertEqual(s.req("GET", p(url)).raw, b"recorded through one")
            u2 = self.assertOk(two.req("GET", "/v2/conversations/upload-url", o.key))
            r = two.req("PUT", p(u2["url"]), body=b"recorded through two", headers={"Content-Type": "audio/wav"})
            self.assertEqual(r.status, 200, r)
            self.assertEqual(one.req("GET", p(u2["downloadUrl"])).raw, b"recorded through two")
            conv2 = one.import_conv(o.key, o.admin, mediaURL=u2["downloadUrl"])
            url2 = self.assertOk(one.req("POST", "/v2/conversations/%s/media/download" % conv2, o.key))["url"]
            self.assertEqual(two.req("GET", p(url2), headers={"Range": "bytes=-3"}).raw, b"two")
            # deleting the organization through one removes what two stored
            self.assertEqual(one.admin("DELETE", "/orgs/" + o.org).status, 200)
            self.assertProblem(two.req("GET", p(u2["downloadUrl"])), 404)
        finally:
            two.stop()
            one.stop()

    def test_an_unreachable_bucket_is_503_for_media_only(self):
        dead = "http://127.0.0.1:%d" % harness.free_port()
        with Server(admin=True, extra_args=["--media", "s3://parley-dead/p", "--s3-endpoint", dead],
                    env=harness.S3_CREDENTIALS) as s:
            o = s.admin_org()
            u = self.assertOk(s.req("GET", "/v2/conversations/upload-url", o.key))   # signing needs no bucket
            p = lambda url: url[len(s.base):]   # noqa: E731
            for r in (s.req("PUT", p(u["url"]), body=b"x", headers={"Content-Type": "audio/wav"}),
                      s.req("GET", p(u["downloadUrl"]))):
                self.assertProblem(r, 503, code="unavailable")
            self.assertEqual(s.req("HEAD", p(u["downloadUrl"])).status, 503)
            r = s.req("POST", "/v2/conversations/import", o.key, {"mediaURL": u["downloadUrl"], "userID": o.admin})
            self.assertProblem(r, 503, code="unavailable", detail_has="media storage")
            # everything else keeps working
            conv = s.import_conv(o.key, o.admin, mediaURL="https://example.com/a.mp3")
            self.assertOk(s.req("GET", "/v2/conversations/" + conv, o.key))
            self.assertOk(s.req("GET", "/v2/conversations/list", o.key))
            self.assertProblem(s.req("POST", "/v2/conversations/%s/media/download" % conv, o.key), 404,
                               code="no_media")
            # an organization whose objects cannot be removed is not deleted (retry later)
            r = s.admin("DELETE", "/orgs/" + o.org)
            self.assertProblem(r, 503, code="unavailable", detail_has="nothing was deleted")
            self.assertOk(s.req("GET", "/v2/conversations/" + conv, o.key))


if __name__ == "__main__":
    unittest.main()
