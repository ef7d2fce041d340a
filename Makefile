# libdos — one entry point for every host.
#   make demo    build everything and send the same requests from C, Python and Go
#   make test    every test in every language (Rust, C under valgrind, Python, Go)
#   make bench   criterion for the core + side-by-side timing against the reference
#   make golden  regenerate tests/golden/cases from dos-kernel 0.22.0
#   make hook-corpus  regenerate tests/hook/corpus.jsonl from the reference's dos hook
#   make header  regenerate include/dos.h from ffi/ (cbindgen, pinned by Cargo.lock)
#   make hook    build the static dos-hook binary (target/<host>/release/dos-hook)
#   make fuzz    the envelope fuzzer for 10 minutes (before a release; FUZZ_SECONDS=…)

SHELL := /bin/bash
PYTHON ?= python3
CARGO ?= cargo
VENV := .venv
VPY := $(VENV)/bin/python
REFERENCE := dos-kernel==0.22.0
REL := target/release
CFLAGS_STRICT := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g -Iinclude
CBUILD := bindings/c/build

.PHONY: fuzz fuzz-libfuzzer hook all lib venv python demo test test-rust test-c test-python test-go golden hook-corpus header bench clean cdeps unicode-tables

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
test: test-rust test-c test-python test-go
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

# The envelope fuzzer (ffi/tests/envelope_fuzz.rs) runs 20 s in `make test`;
# before a release run it longer, optimized but with overflow checks and debug
# assertions on, in its own target directory. DOS_FUZZ_SEED=<n> replays a run.
FUZZ_SECONDS ?= 600
fuzz:
	CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS=true \
	CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
	DOS_FUZZ_SECONDS=$(FUZZ_SECONDS) DOS_FUZZ_MAX_BYTES=$${DOS_FUZZ_MAX_BYTES:-4194304} \
	DOS_FUZZ_MAX_FAILURES=$${DOS_FUZZ_MAX_FAILURES:-50} \
	$(CARGO) test --release --target-dir target/fuzz -p dos-ffi --test envelope_fuzz -- --nocapture

# Optional: libFuzzer over dos_call (fuzz/; needs a nightly toolchain and
# `cargo install cargo-fuzz`). Ops that write files are skipped there.
fuzz-libfuzzer:
	@test -n "$$(ls -A fuzz/corpus/envelope 2>/dev/null)" || $(PYTHON) fuzz/seed_corpus.py fuzz/corpus/envelope
	cd fuzz && $(CARGO) +nightly fuzz run envelope -- -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -rss_limit_mb=2048

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
