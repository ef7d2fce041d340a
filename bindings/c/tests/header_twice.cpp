// The header compiled as C++ and included twice in one translation unit:
// the include guard and the extern "C" block must both hold.
#include "dos.h"
#include "dos.h"

#include <cstdio>
#include <cstring>

int main() {
    const char *req = "{\"abi\":1,\"op\":\"ops\"}";
    dos_buffer out = {};
    dos_status st = dos_call(reinterpret_cast<const uint8_t *>(req), std::strlen(req), &out);
    if (st != DOS_STATUS_OK || out.len == 0) {
        std::fprintf(stderr, "dos_call from C++ failed: %s\n", dos_status_name(st));
        return 1;
    }
    dos_buffer_free(&out);
    std::printf("header_twice: dos.h is valid C++ and idempotent (libdos %s)\n", dos_version());
    return 0;
}
