# libdos — one entry point for every host.
#   make demo    build everything and send the same requests from C, Python and Go
#   make test    every test in every language (Rust, C under valgrind, Python, Go)
#   make bench   criterion for the core + side-by-side timing against the reference
#   make golden  regenerate tests/golden/cases from dos-kernel 0.22.0
#   make hook-corpus  regenerate tests/hook/corpus.jsonl from the reference's dos hook
#   make bindings  regenerate the host bindings of the routed ops (core/bindgen)
#   make typecheck mypy --strict over dos_native and stubtest of it (part of make test)
#   make header  regenerate include/dos.h from ffi/ (cbindgen, pinned by Cargo.lock)
#   make hook    build the static dos-hook binary (target/<host>/release/dos-hook)
#   make test-reference      dos-kernel 0.22.0's own tests with accelerate() on, against
#                            tests/reference_suite/baseline.txt (part of make test)
#   make reference-baseline  regenerate that baseline (the same tests, no acceleration, twice)
#   make wheel   the dos-native wheel (abi3, manylinux) carrying dos-hook, in target/wheels
#   make sdist   its source distribution (builds the same wheel from scratch: make test-sdist)
#   make lint    cargo clippy -D warnings over the workspace (part of make test)
#   make fuzz    the envelope fuzzer for 10 minutes (before a release; FUZZ_SECONDS=…)
#   make pg-up / pg-down  a throwaway PostgreSQL (tests/pg/pg.sh; prints its URL)
#   make test-pg the PostgreSQL lease-store tests against that server (part of make test)

SHELL := /bin/bash
PYTHON ?= python3
CARGO ?= cargo
VENV := .venv
VPY := $(VENV)/bin/python
REFERENCE := dos-kernel==0.22.0
REL := target/release
CFLAGS_STRICT := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g -Iinclude
CBUILD := bindings/c/build

.PHONY: test-c-san test-cxx-header install uninstall dev-pc test-install
.PHONY: hook all lib venv python demo test test-rust test-c test-python test-go golden hook-corpus header bench clean cdeps unicode-tables bindings bindings-check
.PHONY: test-reference reference-baseline
.PHONY: typecheck
.PHONY: wheel sdist wheel-tools test-wheel test-sdist
.PHONY: fuzz fuzz-libfuzzer lint fmt fmt-check
.PHONY: pg-up pg-down test-pg bench-baseline

all: lib python

# ---------------------------------------------------------------- toolchain
$(VENV)/.stamp:
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q "maturin>=1.7,<2" pytest hypothesis "$(REFERENCE)"
	touch $@

venv: $(VENV)/.stamp

# cJSON and zlib are only needed by the C golden runner (Debian's libcjson-dev, zlib1g-dev).
cdeps:
	@if [ ! -f /usr/include/cjson/cJSON.h ] || [ ! -f /usr/include/zlib.h ]; then \
	  echo "installing libcjson-dev zlib1g-dev (C golden runner)"; \
	  (apt-get install -y -qq libcjson-dev zlib1g-dev >/dev/null 2>&1 || \
	   (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq libcjson-dev zlib1g-dev >/dev/null)); \
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
	$(CC) $(CFLAGS_STRICT) $< -o $@ -L$(REL) -ldos -Wl,-rpath,$(abspath $(REL)) -lpthread $(if $(filter golden_runner,$*),-lcjson -lz)

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

# ---------------------------------------------------------------- install
# make install PREFIX=/usr/local [DESTDIR=…]: libdos.so.<version> with its
# SONAME link (libdos.so.<abi>) and the dev link, libdos.a, dos.h and
# lib/pkgconfig/libdos.pc. LIBS_PRIVATE is what the static library needs
# from the system (rustc --print native-static-libs, less libc and libgcc_s,
# which the compiler driver adds itself).
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
ABI := $(shell sed -n 's/.*let abi = \([0-9]*\);.*/\1/p' ffi/build.rs)
LIBS_PRIVATE := -lutil -lrt -lpthread -lm -ldl
PC_SED = -e 's|@PREFIX@|$(1)|' -e 's|@LIBDIR@|$(2)|' -e 's|@INCLUDEDIR@|$(3)|' \
         -e 's|@VERSION@|$(VERSION)|' -e 's|@LIBS_PRIVATE@|$(LIBS_PRIVATE)|'

install: lib
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)
	install -m 755 $(REL)/libdos.so $(DESTDIR)$(LIBDIR)/libdos.so.$(VERSION)
	ln -sfn libdos.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libdos.so.$(ABI)
	ln -sfn libdos.so.$(ABI) $(DESTDIR)$(LIBDIR)/libdos.so
	install -m 644 $(REL)/libdos.a $(DESTDIR)$(LIBDIR)/libdos.a
	install -m 644 include/dos.h $(DESTDIR)$(INCLUDEDIR)/dos.h
	sed $(call PC_SED,$(PREFIX),$(LIBDIR),$(INCLUDEDIR)) ffi/libdos.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/libdos.pc
	@echo "libdos $(VERSION) installed under $(DESTDIR)$(PREFIX)"

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libdos.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libdos.so.$(ABI) \
	      $(DESTDIR)$(LIBDIR)/libdos.so $(DESTDIR)$(LIBDIR)/libdos.a \
	      $(DESTDIR)$(INCLUDEDIR)/dos.h $(DESTDIR)$(LIBDIR)/pkgconfig/libdos.pc

# In-repository development: a libdos.pc for target/release, linking the
# static library (what the Go module's `#cgo pkg-config: libdos` finds when
# PKG_CONFIG_PATH=target/release/pkgconfig, as make test-go sets it).
DEV_PC := $(REL)/pkgconfig/libdos.pc
$(DEV_PC): ffi/libdos.pc.in Cargo.toml
	@mkdir -p $(dir $@)
	sed $(call PC_SED,$(abspath .),$(abspath $(REL)),$(abspath include)) ffi/libdos.pc.in \
	  | sed -e 's|^Libs: .*|Libs: $${libdir}/libdos.a $(LIBS_PRIVATE)|' > $@
dev-pc: $(DEV_PC)

# libdos installed into a temporary prefix and used from outside the
# repository: C through pkg-config (shared and static), an outside Go module.
test-install: lib python wheel
	bash tests/install/run.sh

# ---------------------------------------------------------------- wheel
# The dos-native wheel: maturin builds the extension module (-i the venv's
# interpreter, as `make python` does, so the two share one cargo build), and
# the wheel carries the static dos-hook of `make hook` (stripped) as a script
# that pip puts on PATH, plus the DOS_NATIVE start-up .pth. maturin warns that
# pyproject's build-backend is not maturin: pip goes through
# python/build_backend/, which builds dos-hook itself before calling maturin.
WHEEL_DIR := target/wheels
WHEEL_HOOK := python/dos_native.data/scripts/dos-hook

$(VENV)/.wheel-tools: $(VENV)/.stamp
	$(VPY) -m pip install -q "auditwheel>=6"
	touch $@
wheel-tools: $(VENV)/.wheel-tools

wheel: python hook
	@mkdir -p $(dir $(WHEEL_HOOK)) $(WHEEL_DIR)
	strip -o $(WHEEL_HOOK) $(HOOK_BIN) && chmod 755 $(WHEEL_HOOK)
	rm -f $(WHEEL_DIR)/dos_native-*.whl
	$(VENV)/bin/maturin build --release -q -i $(VPY) -m python/Cargo.toml -o $(WHEEL_DIR)
	@ls -l $(WHEEL_DIR)/dos_native-*.whl

sdist: venv
	@mkdir -p $(WHEEL_DIR)
	rm -f $(WHEEL_DIR)/dos_native-*.tar.gz
	$(VENV)/bin/maturin sdist -m python/Cargo.toml -o $(WHEEL_DIR)

# The wheel in a fresh virtual environment with no Rust toolchain: audited,
# smoke-tested, DOS_NATIVE through the start-up hook, the hook routing.
test-wheel: wheel wheel-tools
	bash tests/wheel/run.sh

# The sdist built into a wheel by pip, from scratch (a cold cargo build of
# the module and of dos-hook: minutes), compared with `make wheel`'s.
test-sdist: wheel sdist
	bash tests/wheel/sdist.sh

# ---------------------------------------------------------------- demo
demo: lib dev-pc python $(CBUILD)/demo
	@bash examples/demo.sh

# ---------------------------------------------------------------- tests
test: bindings-check fmt-check lint test-rust test-c test-python typecheck test-go test-pg test-install test-wheel test-reference
	@echo "make test: all suites passed"

test-rust:
	$(CARGO) test --workspace --exclude dos-native

test-c: cdeps $(CBUILD)/test_abi $(CBUILD)/test_config $(CBUILD)/golden_runner $(CBUILD)/test_durable $(CBUILD)/dos_hook_c
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite $(CBUILD)/test_abi
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite $(CBUILD)/test_config
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite $(CBUILD)/golden_runner tests/golden/cases/*.jsonl.gz
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite $(CBUILD)/test_durable
	DOS_HOOK_C_BIN=$(abspath $(CBUILD)/dos_hook_c) $(CARGO) test --release -p dos-hook --test corpus -- c_host
	$(MAKE) --no-print-directory test-c-san test-cxx-header

# The same C tests built a second time with AddressSanitizer and UBSan, run
# without valgrind (the two do not mix).
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
C_TESTS := test_abi test_config test_durable golden_runner
test-c-san: cdeps lib
	@mkdir -p $(CBUILD)/san
	@for t in $(C_TESTS); do \
	  $(CC) $(CFLAGS_STRICT) $(SANFLAGS) bindings/c/tests/$$t.c -o $(CBUILD)/san/$$t -L$(REL) -ldos \
	    -Wl,-rpath,$(abspath $(REL)) -lpthread $$( [ $$t = golden_runner ] && echo -lcjson -lz ) || exit 1; \
	done
	$(CBUILD)/san/test_abi
	$(CBUILD)/san/test_config
	$(CBUILD)/san/test_durable
	$(CBUILD)/san/golden_runner tests/golden/cases/*.jsonl.gz

# include/dos.h as C++, included twice in one translation unit.
test-cxx-header: lib
	@mkdir -p $(CBUILD)
	$(CXX) -std=c++17 -Wall -Wextra -Werror -pedantic -Iinclude bindings/c/tests/header_twice.cpp \
	  -o $(CBUILD)/header_twice -L$(REL) -ldos -Wl,-rpath,$(abspath $(REL))
	$(CBUILD)/header_twice

test-python: python
	$(VPY) -m pytest -q python/tests

# mypy --strict over dos_native: the package (a generated module is read
# through its .pyi stub there), then the generated modules' own .py files;
# then stubtest of the package against the built extension, with
# python/typecheck/stubtest-allowlist.txt (entries stubtest cannot judge, each
# with its reason) and the str-enum constructors str_enums.py lists.
MYPY_PIN := mypy==2.4.1
TYPECHECK_ENUMS := target/typecheck-str-enums.txt
GENERATED_PY := $(patsubst python/%.pyi,%.py,$(filter-out %/_native.pyi,$(wildcard python/dos_native/*.pyi)))

$(VENV)/.mypy-stamp: $(VENV)/.stamp
	$(VPY) -m pip install -q "$(MYPY_PIN)"
	touch $@

typecheck: python $(VENV)/.mypy-stamp
	cd python && ../$(VPY) -m mypy --config-file typecheck/mypy.ini -p dos_native
	cd python && ../$(VPY) -m mypy --config-file typecheck/mypy.ini $(GENERATED_PY)
	@mkdir -p $(dir $(TYPECHECK_ENUMS))
	cd python && ../$(VPY) typecheck/str_enums.py > ../$(TYPECHECK_ENUMS)
	cd python && ../$(VPY) -m mypy.stubtest --mypy-config-file typecheck/mypy.ini \
	  --allowlist typecheck/stubtest-allowlist.txt --allowlist ../$(TYPECHECK_ENUMS) dos_native

# libdos.a is linked statically and Go's build cache does not hash it, so a
# rebuilt library could leave a stale test binary: the archive's digest rides
# in the cgo compile flags (Go's defaults plus an unused define), which the
# cache does hash.
GO_LIB_STAMP = CGO_CFLAGS="-g -O2 -DLIBDOS_A_DIGEST=$$(sha1sum $(abspath $(REL))/libdos.a | cut -c1-40)"

test-go: lib dev-pc
	@unformatted=$$(gofmt -l bindings/go); if [ -n "$$unformatted" ]; then echo "gofmt: not formatted: $$unformatted"; exit 1; fi
	cd bindings/go && export PKG_CONFIG_PATH=$(abspath $(REL)/pkgconfig) $(GO_LIB_STAMP) && go vet ./... && go test -race -count=1 ./...

# The PostgreSQL lease store (docs/lease-store.md): a server in a temporary
# directory (Debian's postgresql, installed when missing), the tests gated on
# DOS_TEST_PG_URL, and the server stopped afterwards whatever the outcome.
PG := tests/pg/pg.sh
pg-up:
	@bash $(PG) up
pg-down:
	@bash $(PG) down

test-pg: python lib dev-pc cdeps $(CBUILD)/test_pg
	@url=$$(bash $(PG) up) || exit 1; \
	trap 'bash $(PG) down' EXIT; \
	export DOS_TEST_PG_URL="$$url" DOS_TEST_PG_CTL="$(abspath $(PG))"; \
	export DOS_TEST_PG_TCP_URL="$$(bash $(PG) tcp-url)" DOS_TEST_PG_TLS_DIR="$$(bash $(PG) tls-dir)"; \
	pgb=$$(bash $(PG) pgbouncer-up) || exit 1; export DOS_TEST_PGBOUNCER_URL="$$pgb"; \
	$(CARGO) test -p dos-ops --test pg -- --test-threads=1 --nocapture && \
	$(VPY) -m pytest -q tests/pg && \
	(cd $(CBUILD) && valgrind -q --error-exitcode=99 --leak-check=full --show-possibly-lost=no --errors-for-leak-kinds=definite ./test_pg) && \
	(cd bindings/go && PKG_CONFIG_PATH=$(abspath $(REL)/pkgconfig) $(GO_LIB_STAMP) go test -count=1 -run TestLeaseStoreOnPostgres ./...)

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
	$(VPY) tests/strict/gen.py

# The hook parity corpus: runs the reference's `dos hook <verb>` (about 40 s).
hook-corpus: venv
	$(VPY) tests/hook/gen_corpus.py --dos $(VENV)/bin/dos

# The host bindings generated from the op table (core/bindgen): the typed
# Python modules and stubs of the modules on the route, their Go types and
# functions, and docs/ops.md. `bindings-check` fails when one is stale.
bindings:
	$(CARGO) run -q -p dos-bindgen -- --root .

bindings-check:
	$(CARGO) run -q -p dos-bindgen -- --root . --check

# Quality gates (issue 9): clippy with warnings as errors over every crate and
# target (core/clippy.toml also bans file, clock, env and process access in
# the pure crate).
lint:
	$(CARGO) clippy -q --workspace --all-targets -- -D warnings

# rustfmt.toml holds the style; `make fmt` applies it.
fmt-check:
	$(CARGO) fmt --all --check
fmt:
	$(CARGO) fmt --all

header:
	DOS_UPDATE_HEADER=1 $(CARGO) test -p dos-ffi --test header

unicode-tables: venv
	$(VPY) tools/gen_unicode_tables.py > core/src/pystr/tables.rs
	$(VPY) tools/gen_pyre_tables.py > core/src/pyre/tables.rs

# ---------------------------------------------------------------- bench
bench: lib python
	$(CARGO) bench -p dos-ops --bench deciders -- --warm-up-time 1 --measurement-time 3 --baseline-lenient committed
	$(CARGO) bench -p dos-ops --bench arbiter -- --warm-up-time 1 --measurement-time 3 --baseline-lenient committed
	$(CARGO) bench -p dos-io --bench journal -- --baseline-lenient committed
	@mkdir -p target/bench
	$(VPY) bench/compare.py --json target/bench/compare.json
	$(VPY) bench/lease_roundtrip.py
	$(VPY) bench/contention.py --runs 3
	$(MAKE) hook
	$(VPY) bench/hook_bench.py --hook $(HOOK_BIN) --json target/bench/hook.json
	@url=$$(bash $(PG) up) || exit 1; trap 'bash $(PG) down' EXIT; \
	pgb=$$(bash $(PG) pgbouncer-up) || exit 1; \
	DOS_TEST_PG_URL="$$url" DOS_TEST_PGBOUNCER_URL="$$pgb" $(VPY) bench/pg_bench.py --hook $(HOOK_BIN)
	$(VPY) bench/regress.py --criterion target/criterion
	$(VPY) bench/regress.py bench/baseline/compare.json target/bench/compare.json
	$(VPY) bench/regress.py bench/baseline/hook.json target/bench/hook.json

# Make this machine's bench/compare.py figures the committed baseline that
# `make bench` checks (bench/regress.py: no ratio may fall by more than 10%).
bench-baseline: lib python
	$(CARGO) bench -p dos-ops --bench deciders -- --warm-up-time 1 --measurement-time 3 --save-baseline committed
	$(CARGO) bench -p dos-ops --bench arbiter -- --warm-up-time 1 --measurement-time 3 --save-baseline committed
	$(CARGO) bench -p dos-io --bench journal -- --save-baseline committed
	@mkdir -p target/bench bench/baseline
	$(VPY) bench/compare.py --json target/bench/compare.json
	$(VPY) bench/regress.py --update bench/baseline/compare.json target/bench/compare.json
	$(MAKE) hook
	$(VPY) bench/hook_bench.py --hook $(HOOK_BIN) --json target/bench/hook.json
	$(VPY) bench/regress.py --update bench/baseline/hook.json target/bench/hook.json

clean:
	$(CARGO) clean
	rm -rf $(CBUILD)
