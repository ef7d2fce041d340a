/* The PostgreSQL lease store from C: a config handle built from dos.toml
 * text with a [lease_store] table carries the store to the lease ops run
 * under it (dos_call_with_config). `make test-pg` starts a server and sets
 * DOS_TEST_PG_URL; without it the test says so and exits 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dos.h"

static int failures = 0;
#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            failures++;                                                      \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                    \
    } while (0)

static int contains(const dos_buffer *b, const char *needle) {
    size_t n = strlen(needle);
    if (!b->data || b->len < n) return 0;
    for (size_t i = 0; i + n <= b->len; i++)
        if (memcmp(b->data + i, needle, n) == 0) return 1;
    return 0;
}

static void call(dos_config *cfg, const char *req, dos_buffer *out) {
    CHECK(dos_call_with_config(cfg, (const uint8_t *)req, strlen(req), out) == DOS_STATUS_OK);
}

int main(void) {
    const char *url = getenv("DOS_TEST_PG_URL");
    if (!url || !*url) {
        printf("test_pg: skipped (DOS_TEST_PG_URL is not set)\n");
        return 0;
    }
    char toml[2048];
    snprintf(toml, sizeof toml,
             "[lanes]\nconcurrent = [\"api\"]\n[lanes.trees]\napi = [\"src/api/**\"]\n"
             "[lease_store]\nurl = \"%s\"\nworkspace = \"c-%ld-%ld\"\n",
             url, (long)getpid(), (long)time(NULL));
    dos_config *cfg = NULL;
    dos_buffer err = {0};
    CHECK(dos_config_from_toml((const uint8_t *)toml, strlen(toml), &cfg, &err) == DOS_STATUS_OK);
    dos_buffer_free(&err);
    if (!cfg) return 1;

    dos_buffer out = {0};
    call(cfg, "{\"abi\":1,\"op\":\"lane_lease.acquire\",\"args\":{\"lane\":\"api\",\"kind\":\"cluster\","
              "\"tree\":[\"src/api/**\"],\"owner\":\"c\",\"loop_ts\":\"c1\"}}", &out);
    CHECK(contains(&out, "\"journaled\":true"));
    dos_buffer_free(&out);
    call(cfg, "{\"abi\":1,\"op\":\"lane_lease.live_leases\",\"args\":{}}", &out);
    CHECK(contains(&out, "\"holder\":\"c\""));
    dos_buffer_free(&out);
    call(cfg, "{\"abi\":1,\"op\":\"lane_lease.release\",\"args\":{\"lane\":\"api\",\"owner\":\"c\",\"loop_ts\":\"c1\"}}", &out);
    CHECK(contains(&out, "\"verdict\":true"));
    dos_buffer_free(&out);
    /* Nothing was written beside the process: the store is the database. */
    CHECK(access(".dos/lane-journal.jsonl", F_OK) != 0);
    dos_config_free(cfg);
    if (failures) {
        fprintf(stderr, "test_pg: %d failures\n", failures);
        return 1;
    }
    printf("test_pg: ok\n");
    return 0;
}
