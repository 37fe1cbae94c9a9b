"""test_readme_examples.py - the README's "Using Parley in a test suite" examples, run for real so they cannot rot."""

import os
import re
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True   # keep the source tree free of __pycache__
import harness  # noqa: E402

EXAMPLES = {
    "pytest": os.path.join(harness.ROOT, "examples", "pytest", "test_with_parley.py"),
    "node": os.path.join(harness.ROOT, "examples", "node", "parley.test.mjs"),
}
# Debian's python3 carries python3-pytest (scripts/deps.sh); a pyenv or venv python may not.
DEBIAN_PYTHON = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable


def readme_blocks():
    with open(os.path.join(harness.ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    return [m.group(1) for m in re.finditer(r"^```[a-z]*\n(.*?)^```$", text, re.S | re.M)]


class ReadmeExamplesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = harness.Server(admin=True)
        cls.srv.start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def env(self):
        e = dict(os.environ)
        e["PARLEY_URL"] = self.srv.base
        e["PARLEY_ADMIN_TOKEN"] = self.srv.admin_token
        return e

    def test_readme_shows_each_example_verbatim(self):
        blocks = readme_blocks()
        for name, path in EXAMPLES.items():
            with open(path, encoding="utf-8") as f:
                self.assertIn(f.read(), blocks, "README must show %s exactly as committed" % path)

    def test_pytest_example_passes(self):
        p = subprocess.run([DEBIAN_PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", EXAMPLES["pytest"]],
                           env=self.env(), capture_output=True, text=True, timeout=120, cwd=self.srv.dir)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("2 passed", p.stdout)

    def test_node_example_passes(self):
        p = subprocess.run(["node", "--test", EXAMPLES["node"]], env=self.env(), capture_output=True, text=True,
                           timeout=120, cwd=self.srv.dir)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"# pass 2\b")
        self.assertRegex(p.stdout, r"# fail 0\b")

    def test_the_examples_fail_when_the_server_misbehaves(self):
        # Proof they are not vacuous: with every /v2 answer a 500, both suites fail.
        r = self.srv.admin("POST", "/faults", {"match": {"path": "/v2/**"}, "respond": {"status": 500}})
        try:
            p = subprocess.run([DEBIAN_PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", EXAMPLES["pytest"]],
                               env=self.env(), capture_output=True, text=True, timeout=120, cwd=self.srv.dir)
            self.assertNotEqual(p.returncode, 0)
            p = subprocess.run(["node", "--test", EXAMPLES["node"]], env=self.env(), capture_output=True, text=True,
                               timeout=120, cwd=self.srv.dir)
            self.assertNotEqual(p.returncode, 0)
        finally:
            self.srv.admin("DELETE", "/faults/" + r.body["id"])


if __name__ == "__main__":
    unittest.main()
