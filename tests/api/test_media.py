"""test_media.py - media (api.md §7) on the directory storage: the tests of media_common.py, plus what only a
directory has (the default DATABASE.media, 0600 files, PostgreSQL without --media)."""

import os
import stat
import tempfile
import unittest

import harness
import media_common
from harness import Server


class DirectoryMediaTest(media_common.MediaTests):
    MEDIA = "dir"

    def test_files_are_0600_in_0700_directories(self):
        u = self.uploaded(b"private", "audio/mpeg")
        path = os.path.join(self.srv.media_dir, u["key"])
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(path + ".type").st_mode), 0o600)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), b"private")   # the bytes as uploaded, nothing added
        for d in (self.srv.media_dir, os.path.dirname(path)):
            self.assertEqual(stat.S_IMODE(os.stat(d).st_mode), 0o700, d)


class DefaultStorageTest(harness.ApiTestCase):
    def test_sqlite_keeps_media_beside_the_database_postgres_none(self):
        with Server(admin=True) as s:
            o = s.admin_org()
            r = s.req("GET", "/v2/conversations/upload-url", o.key)
            if harness.PG_ADMIN:
                self.assertProblem(r, 501, code="not_supported", detail_has="--media")
                conv = s.import_conv(o.key, o.admin)
                self.assertProblem(s.req("POST", "/v2/conversations/%s/media/download" % conv, o.key), 404,
                                   code="no_media")
                return
            u = self.assertOk(r)
            p = u["url"][len(s.base):]
            self.assertEqual(s.req("PUT", p, body=b"beside", headers={"Content-Type": "audio/wav"}).status, 200)
            self.assertTrue(os.path.isfile(os.path.join(s.db + ".media", u["key"])))

    def test_bad_media_options_stop_the_server(self):
        b = harness.parley_bin()
        for args, why in ((["--media-url-ttl", "0"], "media-url-ttl"), (["--max-media", "6000000000"], "max-media"),
                          (["--public-url", "ftp://x"], "public-url"), (["--s3-endpoint", "http://127.0.0.1:1"], "s3"),
                          (["--media", "s3://bucket/p"], "AWS_ACCESS_KEY_ID"),
                          (["--media", "s3://Bad_Bucket/p"], "bucket")):
            with self.subTest(args=args):
                env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
                with tempfile.TemporaryDirectory() as tmp:
                    p = harness.subprocess.run([b, "serve", "--listen", "127.0.0.1:0", "--db",
                                                os.path.join(tmp, "p.db")] + args,
                                               capture_output=True, text=True, timeout=30, env=env)
                self.assertNotEqual(p.returncode, 0, p.stderr)
                self.assertIn(why, p.stderr)


if __name__ == "__main__":
    unittest.main()
