package dos

// All cgo flags live here: libdos is found through pkg-config.
//
//   - Installed (make install PREFIX=…): PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
//     if the prefix is not on pkg-config's default path; programs link
//     libdos.so (and need it on the loader path at run time).
//   - In this repository: make dev-pc writes target/release/pkgconfig/libdos.pc,
//     which links the static libdos.a of target/release; point
//     PKG_CONFIG_PATH at that directory (make test-go and make demo do).

/*
#cgo pkg-config: libdos
#include <stdlib.h>
#include "dos.h"
*/
import "C"
