package dos

// All cgo flags live here. The package links the static libdos.a that
// `cargo build --release -p dos-ffi` (or `make lib`) puts in target/release,
// so a test binary needs no library path at run time.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: ${SRCDIR}/../../target/release/libdos.a -lm -ldl -lpthread
#include <stdlib.h>
#include "dos.h"
*/
import "C"
