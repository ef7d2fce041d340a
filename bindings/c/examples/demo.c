/* The demo requests, sent through the envelope from C. `make demo` runs the
 * same requests from Python and Go and shows the verdicts are identical. */
#include <stdio.h>
#include <string.h>

#include "dos.h"

static int send(const char *request) {
    dos_buffer out = {0};
    dos_status st = dos_call((const uint8_t *)request, strlen(request), &out);
    if (st != DOS_STATUS_OK && st != DOS_STATUS_ERROR_RESPONSE) {
        fprintf(stderr, "dos_call: %s\n", dos_status_name(st));
        return 1;
    }
    printf("%.*s\n", (int)out.len, (const char *)out.data);
    dos_buffer_free(&out);
    return st == DOS_STATUS_OK ? 0 : 1;
}

int main(int argc, char **argv) {
    /* Each argument is one request line; with none, read requests from stdin. */
    int failed = 0;
    if (argc > 1) {
        for (int i = 1; i < argc; i++) failed |= send(argv[i]);
        return failed;
    }
    char line[1 << 16];
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
        if (n) failed |= send(line);
    }
    return failed;
}
