"""valgrind_run.py - runs one end-to-end test module with the server under valgrind memcheck
(CTest label `valgrind`; `make test-valgrind`). Skipped (exit 77) unless PARLEY_VALGRIND=1, so a
plain `ctest` does not pay for it. The harness puts PARLEY_SERVER_WRAPPER in front of
`parley serve` and fails the test when the server does not exit 0 on SIGTERM: valgrind exits 99
on any invalid access, use of uninitialised memory or definite leak.

usage: valgrind_run.py tests/api/test_X.py"""

import os
import shutil
import subprocess
import sys

SKIP = 77
# Modules that measure what valgrind distorts or that kill the server on purpose.
NOT_UNDER_VALGRIND = {
    "test_crash": "kills the server with SIGKILL: valgrind never reports",
    "test_hostile": "measures RSS and serves hundreds of connections under time bounds",
    "test_pg_multi": "PostgreSQL backend tests",
    "test_webhook_crash": "kills the server with SIGKILL: valgrind never reports",
    "test_webhook_pg_multi": "PostgreSQL only, and kills a server with SIGKILL",
}
# Scaled-down settings for the randomized tests.
SMALLER = {"PARLEY_ISOLATION_OPS": "400"}


def main():
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    mod = os.path.splitext(os.path.basename(sys.argv[1]))[0]
    if os.environ.get("PARLEY_VALGRIND") != "1":
        print("skipped: set PARLEY_VALGRIND=1 (make test-valgrind) to run %s under valgrind" % mod)
        return SKIP
    if mod in NOT_UNDER_VALGRIND:
        print("skipped under valgrind: %s" % NOT_UNDER_VALGRIND[mod])
        return SKIP
    with open(os.environ.get("PARLEY_BIN", "build/parley"), "rb") as f:
        if b"libasan.so" in f.read():
            print("skipped: %s is built with AddressSanitizer, which valgrind cannot run" % os.environ.get("PARLEY_BIN"))
            return SKIP
    vg = shutil.which("valgrind")
    if not vg:
        sys.stderr.write("valgrind is not installed (apt-get install valgrind)\n")
        return 1
    env = dict(os.environ)
    env["PARLEY_SERVER_WRAPPER"] = " ".join([
        vg, "--quiet", "--tool=memcheck", "--leak-check=full", "--show-leak-kinds=definite",
        "--errors-for-leak-kinds=definite", "--error-exitcode=99", "--num-callers=30",
        "--child-silent-after-fork=yes"])
    for k, v in SMALLER.items():
        env.setdefault(k, v)
    return subprocess.call([sys.executable, sys.argv[1]], env=env)


if __name__ == "__main__":
    sys.exit(main())
