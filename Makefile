# libdos — one entry point for every host.
#   make demo    build everything and send the same requests from C, Python and Go
#   make test    every test in every language (Rust, C under valgrind, Python, Go)
#   make bench   criterion for the core + side-by-side timing against the reference
#   make golden  regenerate tests/golden/cases from dos-kernel 0.22.0
#   make hook-corpus  regenerate tests/hook/corpus.jsonl from the reference's dos hook
#   make header  regenerate include/dos.h from ffi/ (cbindgen, pinned by Cargo.lock)
#   make hook    build the static dos-hook binary (target/<host>/release/dos-hook)
#   make test-reference      dos-kernel 0.22.0's own tests with accelerate() on, against
#                            tests/reference_suite/baseline.txt (part of make test)
#   make reference-baseline  regenerate that baseline (the same tests, no acceleration, twice)

SHELL := /bin/bash
PYTHON ?= python3
CARGO ?= cargo
VENV := .venv
VPY := $(VENV)/bin/python
REFERENCE := dos-kernel==0.22.0
REL := target/release
CFLAGS_STRICT := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g -Iinclude
CBUILD := bindings/c/build

.PHONY: hook all lib venv python demo test test-rust test-c test-python test-go golden hook-corpus header bench clean cdeps unicode-tables
.PHONY: test-reference reference-baseline

all: lib python

# ---------------------------------------------------------------- toolchain
$(VENV)/.stamp:
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q "maturin>=1.7,<2" pytest hypothesis "$(REFERENCE)"
	touch $@

venv: $(VENV)/.stamp

# cJSON is only needed by the C golden runner (Debian's libcjson-dev).
cdeps:
	@if [ ! -f /usr/include/cjson/cJSON.h ]; then \
	  echo "installing libcjson-dev (C golden runner)"; \
	  (apt-get install -y -qq libcjson-dev >/dev/null 2>&1 || \
	   (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq libcjson-dev >/dev/null)); \
	fi
	@command -v valgrind >/dev/null || (apt-get install -y -qq valgrind >/dev/null 2>&1 || \
	   (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq valgrind >/dev/null))

# ---------------------------------------------------------------- builds
lib:
	$(CARGO) build --release -p dos-ffi
	ln -sf libdos.so $(REL)/libdos.so.1

python: venv
	VIRTUAL_ENV=$(abspath $(VENV)) $(VENV)/bin/maturin develop --release -q -m python/Cargo.toml

$(CBUILD)/%: bindings/c/tests/%.c include/dos.h lib
	@mkdir -p $(CBUILD)
	$(CC) $(CFLAGS_STRICT) $< -o $@ -L$(REL) -ldos -Wl,-rpath,$(abspath $(REL)) -lpthread $(if $(filter golden_runner,$*),-lcjson)

$(CBUILD)/dos_hook_c: bindings/c/examples/dos_hook.c include/dos.h lib
	@mkdir -p $(CBUILD)
	$(CC) $(CFLAGS_STRICT) $< -o $@ -L$(REL) -ldos -Wl,-rpath,$(abspath $(REL))

# The hook binary is linked statically (crt-static): no dynamic loader at
# start-up, about a quarter of a millisecond per call.
HOST_TRIPLE := $(shell rustc -vV 2>/dev/null | sed -n 's/^host: //p')
HOOK_BIN := target/$(HOST_TRIPLE)/release/dos-hook

hook:
	RUSTFLAGS="-C target-feature=+crt-static" $(CARGO) build --release -p dos-hook --target $(HOST_TRIPLE)
	@echo "dos-hook: $(HOOK_BIN)"

$(CBUILD)/demo: bindings/c/examples/demo.c include/dos.h lib
	@mkdir -p $(CBUILD)
	$(CC) $(CFLAGS_STRICT) $< -o $@ -L$(REL) -ldos -Wl,-rpath,$(abspath $(REL))

# ---------------------------------------------------------------- demo
demo: lib python $(CBUILD)/demo
	@bash examples/demo.sh

# ---------------------------------------------------------------- tests
test: test-rust test-c test-python test-go test-reference
	@echo "make test: all suites passed"

test-rust:
	$(CARGO) test --workspace --exclude dos-native

test-c: cdeps $(CBUILD)/test_abi $(CBUILD)/test_config $(CBUILD)/golden_runner $(CBUILD)/test_durable $(CBUILD)/dos_hook_c
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite $(CBUILD)/test_abi
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite $(CBUILD)/test_config
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite $(CBUILD)/golden_runner tests/golden/cases/*.jsonl
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite $(CBUILD)/test_durable
	DOS_HOOK_C_BIN=$(abspath $(CBUILD)/dos_hook_c) $(CARGO) test --release -p dos-hook --test corpus -- c_host

test-python: python
	$(VPY) -m pytest -q python/tests

test-go: lib
	cd bindings/go && go vet ./... && go test -race -count=1 ./...

# The reference's own suite (tests/reference_suite/): its sdist pinned by
# sha256, its test-only dependencies (the [dev] extra's pytest and hypothesis,
# from venv) plus pytest-timeout so a hang is one failed test.
REFERENCE_SUITE := $(VPY) tests/reference_suite/suite.py

$(VENV)/.reference-stamp: $(VENV)/.stamp
	$(VPY) -m pip install -q "pytest-timeout==2.4.0"
	touch $@

test-reference: python $(VENV)/.reference-stamp
	$(REFERENCE_SUITE) check

reference-baseline: venv $(VENV)/.reference-stamp
	$(REFERENCE_SUITE) baseline

# ---------------------------------------------------------------- generated files
golden: venv
	$(VPY) tests/golden/generate.py

# The hook parity corpus: runs the reference's `dos hook <verb>` (about 40 s).
hook-corpus: venv
	$(VPY) tests/hook/gen_corpus.py --dos $(VENV)/bin/dos

header:
	DOS_UPDATE_HEADER=1 $(CARGO) test -p dos-ffi --test header

unicode-tables: venv
	$(VPY) tools/gen_unicode_tables.py > core/src/pystr/tables.rs

# ---------------------------------------------------------------- bench
bench: lib python
	$(CARGO) bench -p dos-core --bench deciders -- --warm-up-time 1 --measurement-time 3
	$(CARGO) bench -p dos-core --bench arbiter -- --warm-up-time 1 --measurement-time 3
	$(CARGO) bench -p dos-core --bench journal
	$(VPY) bench/compare.py
	$(VPY) bench/lease_roundtrip.py
	$(MAKE) hook
	$(VPY) bench/hook_bench.py --hook $(HOOK_BIN)

clean:
	$(CARGO) clean
	rm -rf $(CBUILD)
