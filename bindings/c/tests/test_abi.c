/* ABI contract tests: null checks, buffer ownership, status codes, typed
 * fast paths, and concurrent use. Run under valgrind by `make test`. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static dos_str S(const char *s) { dos_str v = {(const uint8_t *)s, strlen(s)}; return v; }

static int contains(const dos_buffer *b, const char *needle) {
    size_t n = strlen(needle);
    if (!b->data || b->len < n) return 0;
    for (size_t i = 0; i + n <= b->len; i++)
        if (memcmp(b->data + i, needle, n) == 0) return 1;
    return 0;
}

static dos_status call(const char *req, dos_buffer *out) {
    return dos_call((const uint8_t *)req, strlen(req), out);
}

static void test_version(void) {
    CHECK(strcmp(dos_version(), DOS_VERSION) == 0);
    CHECK(dos_abi_version() == DOS_ABI_VERSION);
    CHECK(strcmp(dos_status_name(DOS_STATUS_PANIC), "DOS_STATUS_PANIC") == 0);
    CHECK(strcmp(dos_status_name(999), "UNKNOWN") == 0);
}

static void test_envelope_errors(void) {
    struct { const char *req; const char *code; } cases[] = {
        {"{", "\"BAD_JSON\""},
        {"[1]", "\"BAD_REQUEST\""},
        {"{\"abi\":9,\"op\":\"ops\"}", "\"ABI_MISMATCH\""},
        {"{\"abi\":1,\"op\":\"no.such\"}", "\"UNKNOWN_OP\""},
        {"{\"abi\":1,\"op\":\"exec_capability.classify_command\",\"args\":{}}", "\"BAD_ARGS\""},
        {"{\"abi\":1,\"op\":\"exec_capability.classify_command\",\"args\":{\"command\":7}}", "\"BAD_ARGS\""},
        {"{\"abi\":1,\"op\":\"ops\",\"config\":[]}", "\"BAD_CONFIG\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dos_buffer out = {0};
        CHECK(call(cases[i].req, &out) == DOS_STATUS_ERROR_RESPONSE);
        CHECK(contains(&out, "\"ok\":false"));
        CHECK(contains(&out, cases[i].code));
        dos_buffer_free(&out);
        CHECK(out.data == NULL && out.len == 0);
    }
    /* Invalid UTF-8 and embedded NULs are data, not crashes. */
    const uint8_t junk[] = {0xff, 0xfe, 0x00, '{'};
    dos_buffer out = {0};
    CHECK(dos_call(junk, sizeof junk, &out) == DOS_STATUS_ERROR_RESPONSE);
    CHECK(contains(&out, "BAD_JSON"));
    dos_buffer_free(&out);
}

static void test_nulls(void) {
    dos_buffer out = {0};
    CHECK(dos_call(NULL, 5, &out) == DOS_STATUS_NULL_ARGUMENT);
    CHECK(dos_call((const uint8_t *)"{}", 2, NULL) == DOS_STATUS_NULL_ARGUMENT);
    CHECK(dos_call(NULL, 0, &out) == DOS_STATUS_ERROR_RESPONSE); /* empty request */
    dos_buffer_free(&out);
    dos_buffer_free(NULL);
    dos_buffer_free(&out); /* double free of an emptied buffer is harmless */
    dos_capability cap;
    CHECK(dos_exec_classify(NULL, (const uint8_t *)"ls", 2, NULL, NULL) == DOS_STATUS_NULL_ARGUMENT);
    CHECK(dos_exec_classify(NULL, NULL, 3, &cap, NULL) == DOS_STATUS_NULL_ARGUMENT);
    bool b;
    CHECK(dos_prefixes_collide(NULL, 1, NULL, 0, &b) == DOS_STATUS_NULL_ARGUMENT);
    CHECK(dos_prefixes_collide(NULL, 0, NULL, 0, NULL) == DOS_STATUS_NULL_ARGUMENT);
    CHECK(dos_lane_trees_disjoint(NULL, 2, NULL, 0, &b) == DOS_STATUS_NULL_ARGUMENT);
    CHECK(dos_exec_policy_new(false, NULL, 0, NULL, 0, NULL) == DOS_STATUS_NULL_ARGUMENT);
    dos_exec_policy_free(NULL);
}

static void test_exec_capability(void) {
    dos_capability cap;
    dos_buffer prog = {0};
    const char *cmd = "FOO=1 /usr/bin/Python3 -c 'x'";
    CHECK(dos_exec_classify(NULL, (const uint8_t *)cmd, strlen(cmd), &cap, &prog) == DOS_STATUS_OK);
    CHECK(cap == DOS_CAPABILITY_GRANTS_ARBITRARY_EXEC);
    CHECK(prog.len == 7 && memcmp(prog.data, "python3", 7) == 0);
    dos_buffer_free(&prog);

    CHECK(dos_exec_classify(NULL, (const uint8_t *)"   ", 3, &cap, &prog) == DOS_STATUS_OK);
    CHECK(cap == DOS_CAPABILITY_EMPTY && prog.len == 0);

    CHECK(dos_exec_classify(NULL, (const uint8_t *)"myinterp -e 1", 13, &cap, NULL) == DOS_STATUS_OK);
    CHECK(cap == DOS_CAPABILITY_BOUNDED);

    dos_exec_policy *pol = NULL;
    dos_str extra[] = {S(" MyInterp "), S("")};
    CHECK(dos_exec_policy_new(false, NULL, 0, extra, 2, &pol) == DOS_STATUS_OK && pol);
    CHECK(dos_exec_classify(pol, (const uint8_t *)"myinterp -e 1", 13, &cap, NULL) == DOS_STATUS_OK);
    CHECK(cap == DOS_CAPABILITY_GRANTS_ARBITRARY_EXEC);
    dos_exec_policy_free(pol);

    const uint8_t bad[] = {'l', 's', 0xc3};
    CHECK(dos_exec_classify(NULL, bad, sizeof bad, &cap, NULL) == DOS_STATUS_INVALID_UTF8);
}

static void test_tree(void) {
    bool collide = false, disjoint = true;
    CHECK(dos_prefixes_collide((const uint8_t *)"src/", 4, (const uint8_t *)"src/dos/", 8, &collide) == DOS_STATUS_OK && collide);
    CHECK(dos_prefixes_collide((const uint8_t *)"docs/ui-", 8, (const uint8_t *)"docs/svc-", 9, &collide) == DOS_STATUS_OK && !collide);
    CHECK(dos_prefixes_collide(NULL, 0, (const uint8_t *)"x", 1, &collide) == DOS_STATUS_OK && collide);
    dos_str a[] = {S("docs/UI-*")}, b[] = {S("docs/svc-*"), S("src/")}, all[] = {S("**/*")};
    CHECK(dos_lane_trees_disjoint(a, 1, b, 2, &disjoint) == DOS_STATUS_OK && disjoint);
    CHECK(dos_lane_trees_disjoint(a, 1, all, 1, &disjoint) == DOS_STATUS_OK && !disjoint);
    CHECK(dos_lane_trees_disjoint(a, 1, NULL, 0, &disjoint) == DOS_STATUS_OK && !disjoint);
    dos_buffer p = {0};
    CHECK(dos_norm_tree_prefix((const uint8_t *)" Agents\\Apply_*.py ", 19, &p) == DOS_STATUS_OK);
    CHECK(p.len == 13 && memcmp(p.data, "agents/apply_", 13) == 0);
    dos_buffer_free(&p);
}

static void *worker(void *arg) {
    (void)arg;
    int bad = 0;
    for (int i = 0; i < 2000; i++) {
        dos_buffer out = {0};
        if (call("{\"abi\":1,\"op\":\"exec_capability.classify_command\",\"args\":{\"command\":\"sudo rm\"}}", &out) != DOS_STATUS_OK
            || !contains(&out, "GRANTS_ARBITRARY_EXEC"))
            bad++;
        dos_buffer_free(&out);
    }
    return (void *)(long)bad;
}

static void test_threads(void) {
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        CHECK(r == NULL);
    }
}

int main(void) {
    test_version();
    test_envelope_errors();
    test_nulls();
    test_exec_capability();
    test_tree();
    test_threads();
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
