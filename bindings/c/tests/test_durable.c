/* The lane journal and lease verbs from C, through the envelope: append,
 * read back, the live set, a lease verb, a held lock reported as BUSY, and
 * several threads appending at once. Run under valgrind by `make test`. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dos.h"

static int failures = 0, checks = 0;
#define CHECK(cond)                                                                  \
    do {                                                                             \
        checks++;                                                                    \
        if (!(cond)) {                                                               \
            failures++;                                                              \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

static char dir[256];
static char journal[320];

static int contains(const dos_buffer *b, const char *needle) {
    size_t n = strlen(needle);
    if (!b->data || b->len < n) return 0;
    for (size_t i = 0; i + n <= b->len; i++)
        if (memcmp(b->data + i, needle, n) == 0) return 1;
    return 0;
}

static size_t count(const dos_buffer *b, const char *needle) {
    size_t n = strlen(needle), hits = 0;
    for (size_t i = 0; b->data && i + n <= b->len; i++)
        if (memcmp(b->data + i, needle, n) == 0) hits++;
    return hits;
}

static dos_status callf(dos_buffer *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static dos_status callf(dos_buffer *out, const char *fmt, ...) {
    char req[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(req, sizeof req, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof req) return DOS_STATUS_INVALID_ARGUMENT;
    return dos_call((const uint8_t *)req, (size_t)n, out);
}

#define APPEND "{\"abi\":1,\"op\":\"lane_journal.append\",\"args\":{\"journal\":\"%s\",\"entry\":%s}}"

static void test_append_and_live(void) {
    dos_buffer out = {0};
    CHECK(callf(&out, APPEND, journal,
                "{\"op\":\"ACQUIRE\",\"lane\":\"main\",\"loop_ts\":\"t1\",\"lease\":{\"lane\":\"main\",\"loop_ts\":\"t1\",\"holder\":\"c-agent\"}}") == DOS_STATUS_OK);
    CHECK(contains(&out, "\"seq\":1"));
    dos_buffer_free(&out);
    CHECK(callf(&out, "{\"abi\":1,\"op\":\"lane_journal.live_of_file\",\"args\":{\"journal\":\"%s\"}}", journal) == DOS_STATUS_OK);
    CHECK(contains(&out, "\"holder\":\"c-agent\""));
    dos_buffer_free(&out);
    CHECK(callf(&out, "{\"abi\":1,\"op\":\"lane_lease.release\",\"args\":{\"journal\":\"%s\",\"lane\":\"main\",\"owner\":\"c-agent\"}}",
                journal) == DOS_STATUS_OK);
    CHECK(contains(&out, "\"verdict\":true"));
    dos_buffer_free(&out);
    CHECK(callf(&out, "{\"abi\":1,\"op\":\"lane_lease.live_leases\",\"args\":{\"journal\":\"%s\"}}", journal) == DOS_STATUS_OK);
    CHECK(contains(&out, "\"verdict\":[]"));
    dos_buffer_free(&out);
}

static void test_busy_lock(void) {
    char lock[400];
    snprintf(lock, sizeof lock, "%s/.lane-lease.lock", dir);
    FILE *f = fopen(lock, "w");
    CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "owner: someone\nacquired_at: 2999-01-01T00:00:00Z\npid: 1\n");
    fclose(f);
    dos_buffer out = {0};
    CHECK(callf(&out, "{\"abi\":1,\"op\":\"lane_lease.release\",\"args\":{\"journal\":\"%s\",\"lane\":\"main\",\"owner\":\"x\"}}",
                journal) == DOS_STATUS_ERROR_RESPONSE);
    CHECK(contains(&out, "\"BUSY\""));
    dos_buffer_free(&out);
    CHECK(unlink(lock) == 0);
}

static void *appender(void *arg) {
    long k = (long)arg;
    for (int i = 0; i < 50; i++) {
        dos_buffer out = {0};
        char entry[256];
        snprintf(entry, sizeof entry, "{\"op\":\"SPAWN\",\"lane\":\"t%ld\",\"loop_ts\":\"%d\"}", k, i);
        if (callf(&out, APPEND, journal, entry) != DOS_STATUS_OK) __atomic_fetch_add(&failures, 1, __ATOMIC_SEQ_CST);
        dos_buffer_free(&out);
    }
    return NULL;
}

static void test_threads_append(void) {
    pthread_t t[4];
    for (long k = 0; k < 4; k++) pthread_create(&t[k], NULL, appender, (void *)k);
    for (int k = 0; k < 4; k++) pthread_join(t[k], NULL);
    dos_buffer out = {0};
    CHECK(callf(&out, "{\"abi\":1,\"op\":\"lane_journal.read_file\",\"args\":{\"journal\":\"%s\"}}", journal) == DOS_STATUS_OK);
    CHECK(count(&out, "\"op\":\"SPAWN\"") == 200);
    CHECK(count(&out, "_CORRUPT") == 0);
    dos_buffer_free(&out);
}

/* A journal with a corrupt line in the middle: the strict read fails
 * closed naming it, and a config handle with [lease_store] strict = true
 * makes acquire refuse with reason class WAL_INTEGRITY. */
static void test_strict_damaged_journal(void) {
    char damaged[400];
    snprintf(damaged, sizeof damaged, "%s/damaged.jsonl", dir);
    FILE *f = fopen(damaged, "w");
    CHECK(f != NULL);
    if (!f) return;
    fprintf(f, "{\"op\": \"SPAWN\", \"lane\": \"a\", \"seq\": 1}\n#!garbage\n{\"op\": \"SPAWN\", \"lane\": \"b\", \"seq\": 2}\n");
    fclose(f);
    dos_buffer out = {0};
    CHECK(callf(&out, "{\"abi\":1,\"op\":\"lane_lease.live_leases\",\"args\":{\"journal\":\"%s\"}}", damaged) == DOS_STATUS_OK);
    dos_buffer_free(&out);
    CHECK(callf(&out, "{\"abi\":1,\"op\":\"lane_lease.live_leases\",\"args\":{\"journal\":\"%s\",\"strict\":true}}", damaged) ==
          DOS_STATUS_ERROR_RESPONSE);
    CHECK(contains(&out, "\"IO_ERROR\"") && contains(&out, "WAL_INTEGRITY: ") && contains(&out, "line 2 (byte offset 39)"));
    dos_buffer_free(&out);
    const char *toml = "[lease_store]\nstrict = true\n";
    dos_config *cfg = NULL;
    CHECK(dos_config_from_toml((const uint8_t *)toml, strlen(toml), &cfg, &out) == DOS_STATUS_OK);
    dos_buffer_free(&out);
    CHECK(dos_config_to_json(cfg, &out) == DOS_STATUS_OK);
    CHECK(contains(&out, "\"lease_store\":{\"url\":null,\"workspace\":\"default\",\"strict\":true}"));
    dos_buffer_free(&out);
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "{\"abi\":1,\"op\":\"lane_lease.acquire\",\"args\":{\"journal\":\"%s\",\"lane\":\"web\",\"kind\":\"keyword\","
                     "\"tree\":[\"web/**\"],\"owner\":\"c-agent\"}}",
                     damaged);
    CHECK(dos_call_with_config(cfg, (const uint8_t *)req, (size_t)n, &out) == DOS_STATUS_OK);
    CHECK(contains(&out, "\"outcome\":\"refuse\"") && contains(&out, "\"reason_class\":\"WAL_INTEGRITY\""));
    dos_buffer_free(&out);
    dos_config_free(cfg);
}

int main(void) {
    snprintf(dir, sizeof dir, "/tmp/dos-c-durable-%d", (int)getpid());
    snprintf(journal, sizeof journal, "%s/lane-journal.jsonl", dir);
    test_append_and_live();
    test_busy_lock();
    test_threads_append();
    test_strict_damaged_journal();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    printf("test_durable: %d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
