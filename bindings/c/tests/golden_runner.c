/* Replays the golden corpus through dos_call from C.
 *
 * usage: golden_runner FILE.jsonl...
 *
 * Records without prose fields are compared byte for byte against the
 * reference's verdict in the envelope's encoding; records with prose are
 * compared structurally (cJSON) after the prose fields are checked for the
 * facts they must carry and removed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "dos.h"

static long checked = 0, failed = 0, skipped = 0;

static void fail(const char *file, long line, const char *what, const dos_buffer *got) {
    failed++;
    if (failed <= 20)
        fprintf(stderr, "%s:%ld: %s\n   got %.*s\n", file, line, what, got ? (int)got->len : 0,
                got && got->data ? (const char *)got->data : "");
}

/* Detach the item at a dotted path ("a.b.c") from `root`; NULL if absent. */
static cJSON *detach_path(cJSON *root, const char *path) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    cJSON *cur = root;
    char *save = NULL, *part = strtok_r(buf, ".", &save);
    while (part) {
        char *next = strtok_r(NULL, ".", &save);
        if (!next) return cJSON_IsObject(cur) ? cJSON_DetachItemFromObjectCaseSensitive(cur, part) : NULL;
        if (cJSON_IsArray(cur) && part[0] >= '0' && part[0] <= '9')
            cur = cJSON_GetArrayItem(cur, atoi(part)); /* a decimal segment indexes a list */
        else if (cJSON_IsObject(cur))
            cur = cJSON_GetObjectItemCaseSensitive(cur, part);
        else
            return NULL;
        part = next;
    }
    return NULL;
}

static void check_record(const char *file, long lineno, const char *line) {
    cJSON *rec = cJSON_Parse(line);
    if (!rec) {
        fail(file, lineno, "unreadable record", NULL);
        return;
    }
    checked++;
    const cJSON *request = cJSON_GetObjectItemCaseSensitive(rec, "request");
    if (!cJSON_IsString(request)) {
        fail(file, lineno, "record has no request", NULL);
        cJSON_Delete(rec);
        return;
    }
    const cJSON *error = cJSON_GetObjectItemCaseSensitive(rec, "error");
    const cJSON *prose = cJSON_GetObjectItemCaseSensitive(rec, "prose");
    const cJSON *compact = cJSON_GetObjectItemCaseSensitive(rec, "expected_compact");
    dos_buffer out = {0};
    dos_status st = dos_call((const uint8_t *)request->valuestring, strlen(request->valuestring), &out);
    if (cJSON_IsString(error)) {
        char want[64];
        snprintf(want, sizeof want, "\"code\":\"%s\"", error->valuestring);
        int has = 0;
        for (size_t i = 0; out.data && i + strlen(want) <= out.len; i++)
            if (memcmp(out.data + i, want, strlen(want)) == 0) has = 1;
        if (st != DOS_STATUS_ERROR_RESPONSE || !has) fail(file, lineno, "expected an error response", &out);
    } else if (st != DOS_STATUS_OK) {
        fail(file, lineno, "unexpected error response", &out);
    } else if (cJSON_GetArraySize(prose) == 0) {
        const char *head = "{\"abi\":1,\"ok\":true,\"verdict\":";
        size_t hl = strlen(head), cl = strlen(compact->valuestring);
        if (out.len != hl + cl + 1 || memcmp(out.data, head, hl) != 0 ||
            memcmp(out.data + hl, compact->valuestring, cl) != 0 || out.data[out.len - 1] != '}')
            fail(file, lineno, "verdict bytes differ from the reference", &out);
    } else {
        cJSON *resp = cJSON_ParseWithLength((const char *)out.data, out.len);
        cJSON *want0 = cJSON_Parse(compact->valuestring);
        if ((!resp || !want0) && (strstr(compact->valuestring, "\\ud") || strstr(compact->valuestring, "NaN") ||
                                  strstr(compact->valuestring, "Infinity"))) {
            /* cJSON refuses lone-surrogate escapes, NaN and Infinity; Rust, Python and Go compare these. */
            skipped++;
            cJSON_Delete(resp);
            cJSON_Delete(want0);
            dos_buffer_free(&out);
            cJSON_Delete(rec);
            return;
        }
        cJSON_Delete(want0);
        cJSON *got = resp ? cJSON_GetObjectItemCaseSensitive(resp, "verdict") : NULL;
        cJSON *want = cJSON_Parse(compact->valuestring);
        int ok = got != NULL;
        const cJSON *entry;
        cJSON_ArrayForEach(entry, prose) {
            cJSON *ours = got ? detach_path(got, entry->string) : NULL;
            cJSON_Delete(detach_path(want, entry->string));
            const cJSON *fact;
            cJSON_ArrayForEach(fact, entry) {
                if (!cJSON_IsString(ours) || !strstr(ours->valuestring, fact->valuestring)) {
                    ok = 0;
                    fprintf(stderr, "%s:%ld: prose %s lacks %s\n", file, lineno, entry->string, fact->valuestring);
                }
            }
            cJSON_Delete(ours);
        }
        if (!ok || !want || !cJSON_Compare(got, want, 1)) fail(file, lineno, "verdict differs from the reference", &out);
        cJSON_Delete(want);
        cJSON_Delete(resp);
    }
    dos_buffer_free(&out);
    cJSON_Delete(rec);
}

int main(int argc, char **argv) {
    size_t cap = 1 << 20;
    char *line = malloc(cap);
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "r");
        if (!f) {
            perror(argv[i]);
            return 2;
        }
        long lineno = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, f)) > 0) {
            lineno++;
            if (line[n - 1] == '\n') line[n - 1] = '\0';
            check_record(argv[i], lineno, line);
        }
        fclose(f);
    }
    free(line);
    printf("golden (C): %ld passed, %ld failed, %ld skipped\n", checked - failed - skipped, failed, skipped);
    return failed || checked == 0 ? 1 : 0;
}
