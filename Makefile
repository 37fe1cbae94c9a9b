# Parley - top-level wrapper around CMake/CTest. `make run` and `make test` are the README's two commands.
BUILD      ?= build
ASAN_BUILD ?= build-asan
RELEASE_BUILD ?= build-release
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
DB         ?= parley.db
LISTEN     ?= 127.0.0.1:8080

.PHONY: all deps build build-release run test test-fast test-asan test-valgrind fuzz bench clean help

all: build

help:
	@echo "make run        install missing packages, build, start the server on $(DB) with a demo org"
	@echo "make test       install missing packages, build, run the whole suite (plain and ASan+UBSan)"
	@echo "make test-fast  run the suite on the plain build only"
	@echo "make build      configure and build $(BUILD)/parley"
	@echo "make build-release  build everything with -O3 (CMAKE_BUILD_TYPE=Release) into $(RELEASE_BUILD); CI runs it"
	@echo "make fuzz       build the libFuzzer targets (clang, ASan+UBSan) and run each FUZZ_SECONDS (default 60)"
	@echo "make test-valgrind  run the end-to-end suite with the server under valgrind (ctest -L valgrind)"
	@echo "make bench      the benchmark suite (bench/run.sh): 1M conversations, wrk, baselines; writes BENCHMARKS.md"
	@echo "make clean      remove build directories"

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# Compiles everything (server, tests, tools) at -O3: GCC's optimiser finds maybe-uninitialized and
# format-truncation warnings that -O2 does not, and -Werror turns them into a broken Release build.
build-release: deps
	@cmake -S . -B $(RELEASE_BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build $(RELEASE_BUILD) -j $(JOBS)

run: build
	@scripts/run.sh $(BUILD)/parley $(DB) $(LISTEN)

# Both runs start a private PostgreSQL cluster for the api_pg.* and PostgreSQL store tests
# (scripts/pg-test-cluster.sh; fails when PostgreSQL cannot start) and an S3-compatible server for the
# media tests (scripts/s3-test-server.sh, s3rver from tests/s3), and remove them afterwards.
test-fast: build
	@scripts/pg-test-cluster.sh run scripts/s3-test-server.sh run sh -c 'cd $(BUILD) && ctest --output-on-failure -j $(JOBS)'

test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPARLEY_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@scripts/pg-test-cluster.sh run scripts/s3-test-server.sh run sh -c 'cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)'

test: test-fast test-asan

# Fuzzing (docs/RELIABILITY.md): every fuzz/fuzz_*.c for FUZZ_SECONDS each; fails on any crash.
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/fuzz.sh $(FUZZ_SECONDS)

# The end-to-end suite with the server under valgrind (memcheck); not part of `make test` (slow).
test-valgrind: build
	@scripts/deps-extra.sh valgrind
	@cd $(BUILD) && PARLEY_VALGRIND=1 ctest -L valgrind --output-on-failure -j $(JOBS)

bench: build
	@PARLEY_BIN=$(CURDIR)/$(BUILD)/parley bench/run.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(RELEASE_BUILD)
