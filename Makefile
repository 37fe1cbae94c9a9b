# Parley - top-level wrapper around CMake/CTest. `make run` and `make test` are the README's two commands.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
DB         ?= parley.db
LISTEN     ?= 127.0.0.1:8080

.PHONY: all deps build run test test-fast test-asan bench clean help

all: build

help:
	@echo "make run        install missing packages, build, start the server on $(DB) with a demo org"
	@echo "make test       install missing packages, build, run the whole suite (plain and ASan+UBSan)"
	@echo "make test-fast  run the suite on the plain build only"
	@echo "make build      configure and build $(BUILD)/parley"
	@echo "make clean      remove build directories"

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@scripts/run.sh $(BUILD)/parley $(DB) $(LISTEN)

test-fast: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPARLEY_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS)

test: test-fast test-asan

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
