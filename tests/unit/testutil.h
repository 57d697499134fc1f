/*
 * testutil.h - small helpers the unit tests share: an in-memory stream to catch
 * what the code under test prints, and a fake program whose only content is the
 * name of its source file (for the decision writers), decisions as JSON lines
 * for equivalence tests, golden files, a seeded random stream and an arrival
 * order of events that are late by up to a tolerance.  All static inline;
 * include it after <cmocka.h>.
 */
#ifndef SLATE_TESTUTIL_H
#define SLATE_TESTUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program.h"
#include "slatec.h"

/* Output caught in memory: tu_open() starts it and returns the stream to write
 * to; tu_close() closes the stream and returns the text written, NUL-terminated,
 * which the caller frees.  `len` is its length after tu_close(). */
typedef struct tu_capture {
    char *text;
    size_t len;
    FILE *f;
} tu_capture;

static inline FILE *tu_open(tu_capture *c)
{
    c->text = NULL;
    c->len = 0;
    c->f = open_memstream(&c->text, &c->len);
    assert_non_null(c->f);
    return c->f;
}

static inline char *tu_close(tu_capture *c)
{
    fclose(c->f);
    c->f = NULL;
    return c->text;
}

/* Makes *p a program with nothing in it but a string pool naming its source
 * file: string 1, "svc.slate". */
static inline void tu_fake_program(slate_program *p)
{
    static const char strtab[] = "\0svc.slate\0";
    static const prog_string strings[] = {{0, 0}, {1, 9}};
    memset(p, 0, sizeof *p);
    p->strtab = strtab;
    p->strings = strings;
    p->nstrings = 2;
    p->source = 1;
}

/* A whole file, NUL-terminated, malloc'd; NULL when it cannot be read. */
static inline char *tu_slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *s = malloc((size_t)(n < 0 ? 0 : n) + 1);
    size_t got = s ? fread(s, 1, (size_t)(n < 0 ? 0 : n), fp) : 0;
    if (s) s[got] = 0;
    fclose(fp);
    return s;
}

/* Compare `got` with the golden file at `path` (printing both when they
 * differ), or rewrite the file when SLATE_UPDATE_GOLDEN is set. */
static inline void tu_golden(const char *path, const char *got)
{
    if (getenv("SLATE_UPDATE_GOLDEN")) {
        FILE *fp = fopen(path, "w");
        assert_non_null(fp);
        fputs(got, fp);
        fclose(fp);
        return;
    }
    char *want = tu_slurp(path);
    if (!want) fail_msg("missing golden file %s (SLATE_UPDATE_GOLDEN=1 writes it)", path);
    if (strcmp(want, got)) {
        fprintf(stderr, "--- %s\n%s--- got\n%s", path, want, got);
        fail_msg("output differs from %s", path);
    }
    free(want);
}

/* A policy's source compiled, checked and loaded through the compile API
 * (slatec.h), as `slate build` would: the program, or NULL with *diag (when not
 * NULL; the caller frees it) holding the diagnostics printed. */
static inline slate_program *tu_compile(const char *file, const char *src, char **diag)
{
    tu_capture c;
    slatec_opts o = SLATEC_OPTS_INIT;
    o.diag = tu_open(&c);
    slate_program *p = NULL;
    int rc = slatec_compile(&o, file, src, strlen(src), &p, NULL, NULL);
    char *text = tu_close(&c);
    if (diag) *diag = text;
    else free(text);
    return rc == SLATE_OK ? p : NULL;
}

/* The same for a policy that must compile: the test fails with its diagnostics. */
static inline slate_program *tu_compile_ok(const char *file, const char *src)
{
    char *diag = NULL;
    slate_program *p = tu_compile(file, src, &diag);
    if (!p) fail_msg("policy does not compile:\n%s", diag);
    free(diag);
    return p;
}

/* Decisions as JSON lines (slate_decision_json), appended to one growing text:
 * what the equivalence tests compare byte for byte.  tu_record is a slate_sink
 * appending to the tu_transcript it is given; n counts the decisions, rejects
 * the `reject` ones. */
typedef struct tu_transcript {
    char *text;
    size_t len, cap;
    uint64_t n, rejects;
} tu_transcript;

static inline void tu_tr_add(tu_transcript *t, const slate_decision *d)
{
    char line[8192];
    size_t n = slate_decision_json(d, line, sizeof line);
    assert_true(n < sizeof line);
    if (t->len + n + 2 > t->cap) {
        t->cap = (t->len + n + 2) * 2;
        t->text = realloc(t->text, t->cap);
        assert_non_null(t->text);
    }
    memcpy(t->text + t->len, line, n);
    t->len += n;
    t->text[t->len++] = '\n';
    t->text[t->len] = 0;
    t->n++;
    t->rejects += d->action == SLATE_A_REJECT;
}

static inline int tu_record(void *ud, const slate_decision *d)
{
    tu_tr_add(ud, d);
    return 0;
}

/* Fail, naming the first line where two transcripts differ, unless they are the
 * same bytes. */
static inline void tu_assert_same(const tu_transcript *want, const tu_transcript *got,
                                  const char *what)
{
    if (want->len == got->len && memcmp(want->text, got->text, want->len) == 0) return;
    size_t i = 0, line = 1, start = 0;
    while (i < want->len && i < got->len && want->text[i] == got->text[i]) {
        if (want->text[i] == '\n') line++, start = i + 1;
        i++;
    }
    const char *we = memchr(want->text + start, '\n', want->len - start);
    const char *ge = memchr(got->text + start, '\n', got->len - start);
    fail_msg("%s: decision %zu differs (of %llu)\nwant %.*s\ngot  %.*s", what, line,
             (unsigned long long)want->n, we ? (int)(we - want->text - (long)start) : 0,
             want->text + start, ge ? (int)(ge - got->text - (long)start) : 0, got->text + start);
}

/* ---- random streams and arrival orders ------------------------------------------ */

/* xorshift64: a reproducible stream from a nonzero seed. */
static inline uint64_t tu_rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static inline uint64_t tu_below(uint64_t *s, uint64_t n)
{
    return tu_rnd(s) % n;
}

typedef struct tu_keyed {
    int64_t key;
    size_t i;
} tu_keyed;

/* By key, ties by index: qsort made stable. */
static inline int tu_by_key(const void *a, const void *b)
{
    const tu_keyed *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* `order` (indices into ev) shuffled so that no event comes after an event more
 * than `tol` later than it: each is given an arrival instant at + [0, tol] and
 * they come in that order (ties: as they were). */
static inline void tu_arrival_order(const slate_event *ev, size_t n, int64_t tol, uint64_t seed,
                                    size_t *order)
{
    tu_keyed *k = malloc((n ? n : 1) * sizeof *k);
    assert_non_null(k);
    uint64_t s = seed * 0x9e3779b97f4a7c15u + 7;
    for (size_t i = 0; i < n; i++) {
        k[i].key = ev[i].at + (tol ? (int64_t)tu_below(&s, (uint64_t)tol + 1) : 0);
        k[i].i = i;
    }
    qsort(k, n, sizeof *k, tu_by_key);
    for (size_t i = 0; i < n; i++) order[i] = k[i].i;
    free(k);
}

#endif
