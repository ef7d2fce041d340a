/* Config handles: building from TOML text, from a workspace on disk and from
 * an inline JSON object; warnings; the projection; calls under a handle from
 * several threads; null checks. Run under valgrind by `make test`. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dos.h"

static int failures = 0, checks = 0;
#define CHECK(cond)                                                          \
    do {                                                                     \
        checks++;                                                            \
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

static const char *TOML =
    "[lanes]\n"
    "concurrent = [\"api\", \"web\"]\n"
    "exclusive = [\"infra\"]\n"
    "[lanes.trees]\n"
    "api = [\"src/api/**\"]\n"
    "web = [\"src/**\"]\n"
    "[overlap]\n"
    "ratio_max = 5\n";

static void test_from_toml(void) {
    dos_config *cfg = NULL;
    dos_buffer err = {0};
    CHECK(dos_config_from_toml((const uint8_t *)TOML, strlen(TOML), &cfg, &err) == DOS_STATUS_OK);
    CHECK(cfg != NULL && err.data == NULL);

    dos_buffer w = {0};
    CHECK(dos_config_warnings(cfg, &w) == DOS_STATUS_OK);
    CHECK(contains(&w, "\"table\":\"overlap\"") && contains(&w, "\"key\":\"ratio_max\""));
    dos_buffer_free(&w);

    dos_buffer j = {0};
    CHECK(dos_config_to_json(cfg, &j) == DOS_STATUS_OK);
    CHECK(contains(&j, "\"concurrent\":[\"api\",\"web\"]"));
    CHECK(contains(&j, "\"overlap_ratio_max\":0.3333333333333333"));
    dos_buffer_free(&j);

    /* Ops that take a config run under the handle's. */
    const char *req = "{\"abi\":1,\"op\":\"config_lint.lint_lanes\",\"args\":{\"taxonomy\":{\"concurrent\":[\"a\"]}}}";
    dos_buffer out = {0};
    CHECK(dos_call_with_config(cfg, (const uint8_t *)req, strlen(req), &out) == DOS_STATUS_OK);
    CHECK(contains(&out, "LANE_WITHOUT_TREE"));
    dos_buffer_free(&out);
    const char *bad = "{\"abi\":1,\"op\":\"ops\",\"config\":7}";
    CHECK(dos_call_with_config(cfg, (const uint8_t *)bad, strlen(bad), &out) == DOS_STATUS_ERROR_RESPONSE);
    CHECK(contains(&out, "BAD_CONFIG"));
    dos_buffer_free(&out);
    dos_config_free(cfg);

    /* A value the reference cannot load at all is refused with BAD_CONFIG. */
    const char *crash = "[tool_stream]\nrepeat_n = [1]\n";
    CHECK(dos_config_from_toml((const uint8_t *)crash, strlen(crash), &cfg, &err) == DOS_STATUS_ERROR_RESPONSE);
    CHECK(cfg == NULL && contains(&err, "\"BAD_CONFIG\"") && contains(&err, "tool_stream"));
    dos_buffer_free(&err);
    /* ... and the error buffer is optional. */
    CHECK(dos_config_from_toml((const uint8_t *)crash, strlen(crash), &cfg, NULL) == DOS_STATUS_ERROR_RESPONSE);

    /* Text that is not TOML warns on every table. */
    const char *junk = "[lanes\nx = = 1\n";
    CHECK(dos_config_from_toml((const uint8_t *)junk, strlen(junk), &cfg, NULL) == DOS_STATUS_OK);
    CHECK(dos_config_warnings(cfg, &w) == DOS_STATUS_OK && contains(&w, "\"table\":\"verify\""));
    dos_buffer_free(&w);
    dos_config_free(cfg);

    /* Text that is not UTF-8 is refused as the header says: no handle, no
     * error response (the buffer stays empty). */
    const uint8_t bad_utf8[] = {'[', 'l', 'a', 'n', 'e', 's', ']', '\n', 'x', ' ', '=', ' ', '"', 0xff, '"', '\n'};
    cfg = (dos_config *)&w; /* not NULL: the call must reset it */
    CHECK(dos_config_from_toml(bad_utf8, sizeof bad_utf8, &cfg, &err) == DOS_STATUS_INVALID_UTF8);
    CHECK(cfg == NULL && err.data == NULL && err.len == 0);
    const uint8_t encoded_surrogate[] = {'a', ' ', '=', ' ', '"', 0xed, 0xa0, 0x80, '"', '\n'};
    CHECK(dos_config_from_toml(encoded_surrogate, sizeof encoded_surrogate, &cfg, NULL) == DOS_STATUS_INVALID_UTF8);
    CHECK(cfg == NULL);
    /* A UTF-8 byte order mark is not an encoding error: it is skipped. */
    const char *bom = "\xef\xbb\xbf[lanes]\nexclusive = [\"bom\"]\n";
    CHECK(dos_config_from_toml((const uint8_t *)bom, strlen(bom), &cfg, NULL) == DOS_STATUS_OK);
    CHECK(dos_config_to_json(cfg, &j) == DOS_STATUS_OK && contains(&j, "\"exclusive\":[\"bom\"]"));
    dos_buffer_free(&j);
    dos_config_free(cfg);

    /* No text at all: the generic preset. */
    CHECK(dos_config_from_toml(NULL, 0, &cfg, NULL) == DOS_STATUS_OK);
    CHECK(dos_config_to_json(cfg, &j) == DOS_STATUS_OK && contains(&j, "\"exclusive\":[\"global\"]"));
    dos_buffer_free(&j);
    dos_config_free(cfg);
}

static void test_from_workspace(void) {
    char dir[] = "/tmp/libdos-c-config-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[512];
    snprintf(path, sizeof path, "%s/dos.toml", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("[lanes]\nexclusive = [\"solo\"]\n", f);
        fclose(f);
    }
    dos_config *cfg = NULL;
    dos_buffer err = {0};
    CHECK(dos_config_from_workspace(dir, &cfg, &err) == DOS_STATUS_OK);
    dos_buffer j = {0};
    CHECK(dos_config_to_json(cfg, &j) == DOS_STATUS_OK);
    CHECK(contains(&j, "\"exclusive\":[\"solo\"]"));
    CHECK(contains(&j, "\"is_kernel_repo\":false"));
    CHECK(contains(&j, "/.dos/lane-journal.jsonl"));
    dos_buffer_free(&j);
    dos_config_free(cfg);

    /* The same workspace named inside an envelope config, with a preset. */
    char req[1024];
    snprintf(req, sizeof req, "{\"preset\":\"workshop\",\"workspace\":\"%s\",\"overlap\":{\"ratio_max\":0.5}}", dir);
    CHECK(dos_config_from_json((const uint8_t *)req, strlen(req), &cfg, &err) == DOS_STATUS_OK);
    CHECK(dos_config_to_json(cfg, &j) == DOS_STATUS_OK);
    CHECK(contains(&j, "\"exclusive\":[\"solo\"]") && contains(&j, "\"overlap_ratio_max\":0.5"));
    CHECK(contains(&j, "/docs/_plans/lane-journal.jsonl"));
    dos_buffer_free(&j);
    dos_config_free(cfg);

    const char *notobj = "[1]";
    CHECK(dos_config_from_json((const uint8_t *)notobj, 3, &cfg, &err) == DOS_STATUS_ERROR_RESPONSE);
    CHECK(contains(&err, "BAD_CONFIG"));
    dos_buffer_free(&err);
    const char *unknown = "{\"lanse\":{}}";
    CHECK(dos_config_from_json((const uint8_t *)unknown, strlen(unknown), &cfg, &err) == DOS_STATUS_ERROR_RESPONSE);
    dos_buffer_free(&err);

    /* A workspace's dos.toml that is not UTF-8 is not refused: as in the
     * reference, every table is ignored with a warning. */
    f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fputs("[lanes]\nexclusive = [\"\xff\"]\n", f);
        fclose(f);
    }
    CHECK(dos_config_from_workspace(dir, &cfg, &err) == DOS_STATUS_OK);
    dos_buffer w = {0};
    CHECK(dos_config_warnings(cfg, &w) == DOS_STATUS_OK);
    CHECK(contains(&w, "\"table\":\"lanes\"") && contains(&w, "\"table\":\"verify\"") && contains(&w, "UTF-8"));
    dos_buffer_free(&w);
    CHECK(dos_config_to_json(cfg, &j) == DOS_STATUS_OK && contains(&j, "\"exclusive\":[\"global\"]"));
    dos_buffer_free(&j);
    dos_config_free(cfg);

    unlink(path);
    rmdir(dir);
}

static void test_null_checks(void) {
    dos_config *cfg = NULL;
    dos_buffer out = {0};
    CHECK(dos_config_from_toml((const uint8_t *)"", 0, NULL, NULL) == DOS_STATUS_NULL_ARGUMENT);
    CHECK(dos_config_from_toml(NULL, 5, &cfg, NULL) == DOS_STATUS_NULL_ARGUMENT);
    CHECK(dos_config_from_workspace(NULL, NULL, NULL) == DOS_STATUS_NULL_ARGUMENT);
    CHECK(dos_config_from_json(NULL, 0, NULL, NULL) == DOS_STATUS_NULL_ARGUMENT);
    CHECK(dos_config_warnings(NULL, &out) == DOS_STATUS_NULL_ARGUMENT);
    CHECK(dos_config_to_json(NULL, &out) == DOS_STATUS_NULL_ARGUMENT);
    CHECK(dos_call_with_config(NULL, (const uint8_t *)"{}", 2, &out) == DOS_STATUS_NULL_ARGUMENT);
    dos_config_free(NULL);
}

struct job {
    const dos_config *cfg;
    int ok;
};

static void *worker(void *arg) {
    struct job *j = arg;
    const char *req = "{\"abi\":1,\"op\":\"config_lint.lint\",\"args\":{\"taxonomy\":{\"concurrent\":[\"a\",\"b\"],"
                      "\"trees\":{\"a\":[\"x/**\"],\"b\":[\"x/y/**\"]}}}}";
    for (int i = 0; i < 200; i++) {
        dos_buffer out = {0};
        if (dos_call_with_config(j->cfg, (const uint8_t *)req, strlen(req), &out) == DOS_STATUS_OK &&
            contains(&out, "LANE_REGION_SHADOWED"))
            j->ok++;
        dos_buffer_free(&out);
    }
    return NULL;
}

static void test_threads(void) {
    dos_config *cfg = NULL;
    CHECK(dos_config_from_toml((const uint8_t *)TOML, strlen(TOML), &cfg, NULL) == DOS_STATUS_OK);
    pthread_t t[4];
    struct job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i].cfg = cfg;
        jobs[i].ok = 0;
        pthread_create(&t[i], NULL, worker, &jobs[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK(jobs[i].ok == 200);
    }
    dos_config_free(cfg);
}

int main(void) {
    test_from_toml();
    test_from_workspace();
    test_null_checks();
    test_threads();
    printf("test_config: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
