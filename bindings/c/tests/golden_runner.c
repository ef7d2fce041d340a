/* Replays the golden corpus through dos_call from C.
 *
 * usage: golden_runner FILE.jsonl.gz...
 *
 * Each file is a gzip member of UTF-8 lines, read with zlib (a plain file is
 * read as is too). The line format is described in tests/golden/generate.py. Records whose
 * `expected` verdict has no prose fields are compared byte for byte against
 * the reference's verdict in the envelope's encoding; records with prose, and
 * patched records (the file's `base` header with the record's edits), are
 * compared structurally (cJSON) after the prose fields are checked for the
 * facts they must carry and removed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <zlib.h>

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

/* Apply a patched record's edits to (a copy of) the file's base: each edit is
 * [path] (delete) or [path, value] (set), the path a list of object keys. */
static int apply_patch(cJSON *root, const cJSON *edits) {
    const cJSON *edit;
    if (!cJSON_IsArray(edits)) return 0;
    cJSON_ArrayForEach(edit, edits) {
        const cJSON *path = cJSON_GetArrayItem(edit, 0);
        int n = cJSON_GetArraySize(path);
        if (!cJSON_IsArray(path) || n == 0) return 0;
        cJSON *obj = root;
        for (int i = 0; i < n - 1 && obj; i++) {
            const cJSON *key = cJSON_GetArrayItem(path, i);
            obj = cJSON_IsString(key) ? cJSON_GetObjectItemCaseSensitive(obj, key->valuestring) : NULL;
        }
        const cJSON *leaf = cJSON_GetArrayItem(path, n - 1);
        if (!cJSON_IsObject(obj) || !cJSON_IsString(leaf)) return 0;
        const cJSON *value = cJSON_GetArrayItem(edit, 1);
        if (!value) {
            cJSON *gone = cJSON_DetachItemFromObjectCaseSensitive(obj, leaf->valuestring);
            if (!gone) return 0;
            cJSON_Delete(gone);
            continue;
        }
        cJSON *copy = cJSON_Duplicate(value, 1);
        cJSON_bool done = cJSON_GetObjectItemCaseSensitive(obj, leaf->valuestring)
                              ? cJSON_ReplaceItemInObjectCaseSensitive(obj, leaf->valuestring, copy)
                              : cJSON_AddItemToObject(obj, leaf->valuestring, copy);
        if (!done) {
            cJSON_Delete(copy);
            return 0;
        }
    }
    return 1;
}

/* Compare the verdict in `resp` (parsed from `out`) with `want` after checking and
 * removing the prose fields. */
static void compare_verdict(const char *file, long lineno, const dos_buffer *out, cJSON *resp, cJSON *want,
                            const cJSON *prose) {
    cJSON *got = resp ? cJSON_GetObjectItemCaseSensitive(resp, "verdict") : NULL;
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
    if (!ok || !cJSON_Compare(got, want, 1)) fail(file, lineno, "verdict differs from the reference", out);
}

/* The file's base record (a `{"base": ...}` header line), for patched records. */
static cJSON *base = NULL;

static void check_record(const char *file, long lineno, const char *line) {
    cJSON *rec = cJSON_Parse(line);
    if (!rec) {
        fail(file, lineno, "unreadable record", NULL);
        return;
    }
    if (cJSON_GetObjectItemCaseSensitive(rec, "base")) {
        cJSON_Delete(base);
        base = cJSON_DetachItemFromObjectCaseSensitive(rec, "base");
        cJSON_Delete(rec);
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
    const cJSON *compact = cJSON_GetObjectItemCaseSensitive(rec, "expected");
    const cJSON *patch = cJSON_GetObjectItemCaseSensitive(rec, "patch");
    dos_buffer out = {0};
    dos_status st = dos_call((const uint8_t *)request->valuestring, strlen(request->valuestring), &out);
    cJSON *resp = NULL;
    if (st == DOS_STATUS_OK && !cJSON_IsString(error) && (patch || cJSON_GetArraySize(prose) > 0))
        resp = cJSON_ParseWithLength((const char *)out.data, out.len);
    if (cJSON_IsString(error)) {
        char want[64];
        snprintf(want, sizeof want, "\"code\":\"%s\"", error->valuestring);
        int has = 0;
        for (size_t i = 0; out.data && i + strlen(want) <= out.len; i++)
            if (memcmp(out.data + i, want, strlen(want)) == 0) has = 1;
        if (st != DOS_STATUS_ERROR_RESPONSE || !has) fail(file, lineno, "expected an error response", &out);
    } else if (st != DOS_STATUS_OK) {
        fail(file, lineno, "unexpected error response", &out);
    } else if (patch) {
        /* The verdict and prose are the base with the record's edits. */
        cJSON *whole = base ? cJSON_Duplicate(base, 1) : NULL;
        if (!whole || !apply_patch(whole, patch)) {
            fail(file, lineno, "the record's patch does not apply to the file's base", NULL);
        } else {
            cJSON *want = cJSON_DetachItemFromObjectCaseSensitive(whole, "verdict");
            compare_verdict(file, lineno, &out, resp, want, cJSON_GetObjectItemCaseSensitive(whole, "prose"));
            cJSON_Delete(want);
        }
        cJSON_Delete(whole);
    } else if (!cJSON_IsString(compact)) {
        fail(file, lineno, "record has no expected verdict", NULL);
    } else if (cJSON_GetArraySize(prose) == 0) {
        /* No prose: the response is fixed bytes. */
        const char *head = "{\"abi\":1,\"ok\":true,\"verdict\":";
        size_t hl = strlen(head), cl = strlen(compact->valuestring);
        if (out.len != hl + cl + 1 || memcmp(out.data, head, hl) != 0 ||
            memcmp(out.data + hl, compact->valuestring, cl) != 0 || out.data[out.len - 1] != '}')
            fail(file, lineno, "verdict bytes differ from the reference", &out);
    } else {
        cJSON *want = cJSON_Parse(compact->valuestring);
        if ((!want || !resp) && (strstr(compact->valuestring, "\\ud") || strstr(compact->valuestring, "NaN") ||
                                strstr(compact->valuestring, "Infinity"))) {
            /* cJSON refuses lone-surrogate escapes, NaN and Infinity; Rust, Python and Go compare these. */
            skipped++;
        } else {
            compare_verdict(file, lineno, &out, resp, want, prose);
        }
        cJSON_Delete(want);
    }
    cJSON_Delete(resp);
    dos_buffer_free(&out);
    cJSON_Delete(rec);
}

/* The next line of `f` into *line (grown as needed), without its newline:
 * > 0 when a line was read, 0 at the end of the file, -1 on a read error. */
static long gz_line(gzFile f, char **line, size_t *cap) {
    size_t len = 0;
    for (;;) {
        if (*cap - len < 2) {
            char *grown = realloc(*line, *cap * 2);
            if (!grown) return -1;
            *line = grown;
            *cap *= 2;
        }
        if (!gzgets(f, *line + len, (int)(*cap - len))) {
            int err;
            gzerror(f, &err);
            if (err != Z_OK && err != Z_BUF_ERROR) return -1;
            break;
        }
        len += strlen(*line + len);
        if (len > 0 && (*line)[len - 1] == '\n') {
            (*line)[--len] = '\0';
            return (long)len + 1;
        }
    }
    (*line)[len] = '\0';
    return (long)len;
}

int main(int argc, char **argv) {
    size_t cap = 1 << 20;
    char *line = malloc(cap);
    if (!line) return 2;
    for (int i = 1; i < argc; i++) {
        gzFile f = gzopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            free(line);
            return 2;
        }
        long lineno = 0, n;
        while ((n = gz_line(f, &line, &cap)) > 0) {
            lineno++;
            check_record(argv[i], lineno, line);
        }
        gzclose(f);
        if (n < 0) {
            fprintf(stderr, "%s: unreadable after line %ld\n", argv[i], lineno);
            free(line);
            return 2;
        }
        cJSON_Delete(base); /* a base belongs to its file */
        base = NULL;
    }
    free(line);
    printf("golden (C): %ld passed, %ld failed, %ld skipped\n", checked - failed - skipped, failed, skipped);
    return failed || checked == 0 ? 1 : 0;
}
