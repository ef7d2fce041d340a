#!/usr/bin/env bash
# make test-install: libdos installed like a system library, then used from
# outside the repository — a C program through pkg-config (shared and
# static), and a throwaway Go module that depends on bindings/go. Also checks
# DESTDIR staging, the SONAME chain, one version everywhere (C, .pc, Go,
# Python, the wheel, dos-hook), and that make uninstall removes exactly what
# make install wrote.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "test-install: FAIL: $*" >&2; exit 1; }
pass=0
ok() { pass=$((pass + 1)); }

prefix=$work/prefix
make -C "$repo" --no-print-directory -s install PREFIX="$prefix" >/dev/null
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -1)
abi=$(sed -n 's/.*let abi = \([0-9]*\);.*/\1/p' "$repo/ffi/build.rs")

# The files and links.
for f in lib/libdos.so.$version lib/libdos.a include/dos.h lib/pkgconfig/libdos.pc; do
  [ -f "$prefix/$f" ] || fail "missing $f"
done
[ "$(readlink "$prefix/lib/libdos.so.$abi")" = "libdos.so.$version" ] || fail "libdos.so.$abi does not point at libdos.so.$version"
[ "$(readlink "$prefix/lib/libdos.so")" = "libdos.so.$abi" ] || fail "libdos.so does not point at libdos.so.$abi"
soname=$(readelf -d "$prefix/lib/libdos.so.$version" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = "libdos.so.$abi" ] || fail "SONAME is '$soname', expected libdos.so.$abi"
ok

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
[ "$(pkg-config --modversion libdos)" = "$version" ] || fail "pkg-config --modversion != $version"
pkg-config --static --libs libdos | grep -q -- "-lpthread" || fail "Libs.private lacks the static link's system libraries"
ok

# A C program outside the repository.
mkdir -p "$work/cprog"
cat > "$work/cprog/prog.c" <<'C'
#include <dos.h>
#include <stdio.h>
#include <string.h>
int main(void) {
    const char *req = "{\"abi\":1,\"op\":\"exec_capability.classify_command\",\"args\":{\"command\":\"sudo python3 -c 1\"}}";
    dos_buffer out = {0};
    if (dos_call((const uint8_t *)req, strlen(req), &out) != DOS_STATUS_OK) return 1;
    int granted = strstr((const char *)out.data, "\"GRANTS_ARBITRARY_EXEC\"") != NULL;
    printf("%s %s\n", dos_version(), granted ? "GRANTS_ARBITRARY_EXEC" : "?");
    dos_buffer_free(&out);
    return granted ? 0 : 2;
}
C
(cd "$work/cprog" && ${CC:-cc} prog.c $(pkg-config --cflags --libs libdos) -o prog_shared)
out=$(LD_LIBRARY_PATH=$prefix/lib "$work/cprog/prog_shared") || fail "shared C program failed"
[ "$out" = "$version GRANTS_ARBITRARY_EXEC" ] || fail "shared C program printed '$out'"
LD_LIBRARY_PATH=$prefix/lib ldd "$work/cprog/prog_shared" | grep -q "libdos.so.$abi => $prefix/lib/" || fail "the shared program does not load the installed libdos.so.$abi"
(cd "$work/cprog" && ${CC:-cc} prog.c $(pkg-config --static --cflags --libs libdos) -static -o prog_static 2>/dev/null)
out=$(env -u LD_LIBRARY_PATH "$work/cprog/prog_static") || fail "static C program failed"
[ "$out" = "$version GRANTS_ARBITRARY_EXEC" ] || fail "static C program printed '$out'"
if ldd "$work/cprog/prog_static" 2>/dev/null | grep -q libdos; then fail "the static program still loads libdos.so"; fi
ok

# A Go module outside the repository, against the installed libdos.
mkdir -p "$work/goprog"
cat > "$work/goprog/go.mod" <<GOMOD
module example.com/outside

go 1.22

require github.com/libdos/libdos/bindings/go v0.0.0

replace github.com/libdos/libdos/bindings/go => $repo/bindings/go
GOMOD
cat > "$work/goprog/main.go" <<'GO'
package main

import (
	"fmt"
	"os"

	dos "github.com/libdos/libdos/bindings/go"
)

func main() {
	v, err := dos.ExecCapabilityClassifyCommand(dos.ExecCapabilityClassifyCommandArgs{Command: "sudo python3 -c 1"})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println(dos.Version(), v.Capability)
}
GO
# Go's build cache keys a cgo package on its sources and CGO_* flags, not on
# what pkg-config answers: a package built in an earlier run (same sources)
# would keep that run's `-L<its prefix>/lib`, a directory since removed. A
# define naming this run's prefix (as the Makefile's GO_LIB_STAMP names the
# library's digest) makes the cached package this run's own.
stamp=$(printf '%s' "$prefix" | sha1sum | cut -c1-16)
(cd "$work/goprog" && CGO_CFLAGS="-g -O2 -DLIBDOS_PREFIX_STAMP=$stamp" GOFLAGS=-mod=mod go build -o prog . ) \
  || fail "the outside Go module does not build"
out=$(LD_LIBRARY_PATH=$prefix/lib "$work/goprog/prog") || fail "the outside Go program failed"
[ "$out" = "$version GRANTS_ARBITRARY_EXEC" ] || fail "the outside Go program printed '$out'"
ok

# One version everywhere: the C library (dos_version(), printed by both
# programs above), the .pc file, Go's Version(), dos_native.__version__, the
# wheel (its name and metadata) and dos-hook --version (the wheel's binary).
py_version=$("$repo/.venv/bin/python" -c 'import dos_native; print(dos_native.__version__)') \
  || fail "dos_native does not import (make python)"
[ "$py_version" = "$version" ] || fail "dos_native.__version__ is $py_version, libdos is $version"
shopt -s nullglob
wheels=("$repo"/target/wheels/dos_native-*.whl)
[ ${#wheels[@]} -eq 1 ] || fail "expected one wheel in target/wheels (make wheel), found ${#wheels[@]}"
case $(basename "${wheels[0]}") in dos_native-"$version"-*) ;; *) fail "the wheel ${wheels[0]} is not version $version" ;; esac
(cd "$work" && "$repo/.venv/bin/python" -m zipfile -e "${wheels[0]}" wheel) || fail "cannot unpack the wheel"
grep -qx "Version: $version" "$work/wheel/dos_native-$version.dist-info/METADATA" || fail "the wheel's METADATA is not version $version"
chmod +x "$work/wheel/dos_native-$version.data/scripts/dos-hook"
hv=$("$work/wheel/dos_native-$version.data/scripts/dos-hook" --version) || fail "the wheel's dos-hook --version failed"
[ "$hv" = "dos-hook $version" ] || fail "the wheel's dos-hook --version says '$hv', libdos is $version"
ok

# DESTDIR stages under another root without touching PREFIX.
stage=$work/stage
make -C "$repo" --no-print-directory -s install DESTDIR="$stage" PREFIX=/opt/libdos >/dev/null
[ -f "$stage/opt/libdos/lib/libdos.so.$version" ] || fail "DESTDIR install missed libdos.so.$version"
grep -q '^prefix=/opt/libdos$' "$stage/opt/libdos/lib/pkgconfig/libdos.pc" || fail "the staged libdos.pc does not name the final prefix"
ok

# make uninstall removes exactly what make install wrote.
make -C "$repo" --no-print-directory -s uninstall PREFIX="$prefix" >/dev/null
left=$(find "$prefix" -type f -o -type l)
[ -z "$left" ] || fail "make uninstall left: $left"
make -C "$repo" --no-print-directory -s uninstall DESTDIR="$stage" PREFIX=/opt/libdos >/dev/null
[ -z "$(find "$stage" -type f -o -type l)" ] || fail "make uninstall DESTDIR left files"
ok

echo "test-install: $pass passed, 0 failed"
