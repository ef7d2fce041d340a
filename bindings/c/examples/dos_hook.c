/* A hook binary written against the C ABI: `dos_hook_c <verb> [flags]`
 * reads the event on stdin, runs dos_hook_run, prints what it returns and
 * exits with its code. Same bytes, same exit codes and same durable records
 * as the dos-hook binary (bindings/hook), except the observation log. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dos.h"

int main(int argc, char **argv) {
    dos_str *args = calloc((size_t)(argc > 1 ? argc - 1 : 1), sizeof(dos_str));
    if (!args) return 0;
    for (int i = 1; i < argc; i++) {
        args[i - 1].data = (const uint8_t *)argv[i];
        args[i - 1].len = strlen(argv[i]);
    }
    unsigned char *in = NULL;
    size_t len = 0, cap = 0;
    bool wants = false;
    if (dos_hook_wants_stdin(args, (size_t)(argc - 1), &wants) == DOS_STATUS_OK && wants) {
        for (;;) {
            if (len == cap) {
                cap = cap ? cap * 2 : 65536;
                unsigned char *grown = realloc(in, cap);
                if (!grown) { free(in); free(args); return 0; }
                in = grown;
            }
            ssize_t n = read(0, in + len, cap - len);
            if (n <= 0) break;
            len += (size_t)n;
        }
    }
    dos_buffer out = {0};
    int32_t code = 0;
    dos_status st = dos_hook_run(args, (size_t)(argc - 1), in, len, &out, &code);
    if (st == DOS_STATUS_OK && out.len) fwrite(out.data, 1, out.len, stdout);
    dos_buffer_free(&out);
    free(in);
    free(args);
    fflush(stdout);
    return st == DOS_STATUS_OK && code != 2 ? code : 0;
}
