/*
 * threads.c - libslate on threads, for ThreadSanitizer (`make check-tsan`,
 * which `make test` runs): the threading contract of slate.h under a race
 * detector.  Two programs are loaded once and shared by every thread; each of
 * NTHREADS threads runs its own engine over its own generated stream, hot swaps
 * every few hundred events (between the shared programs and a copy it loads
 * itself), and asks the server queries as it goes (next_due, at_risk, case,
 * memory_used, trim).  Each stream is run twice: alone on the main thread
 * first, then with all the threads at once; the decisions (hashed as their JSON
 * lines) must be the same, so a race that changed a decision fails even where
 * TSan saw nothing.  Uses slate.h only.  Not here: swaps' semantics
 * (test_embed.c), a test of the JSON reader or the CLI on threads.
 *
 *   usage: tsan_threads A.slc B.slc   (B: A less a ladder step, so fired steps
 *                                      a program lacks cross the swaps)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slate.h"

#define NTHREADS 4
#define NEVENTS 12000
#define NCASES 300
#define MIN INT64_C(60000)
#define T0 INT64_C(1740996000000) /* 2025-03-03T10:00:00Z */

static unsigned char *img_a, *img_b;
static size_t len_a, len_b;
static slate_program *prog_a, *prog_b; /* shared by every thread */

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        unsigned char *nb = realloc(buf, cap *= 2);
        if (!nb) free(buf);
        buf = nb;
    }
    fclose(f);
    *len = n;
    return buf;
}

typedef struct run {
    unsigned seed;
    uint64_t hash, decisions, swaps, risky;
    int failed;
    char why[256];
} run;

static uint64_t rnd(uint64_t *s, uint64_t n)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s % n;
}

/* FNV-1a over every decision's JSON line. */
static int hash_sink(void *ud, const slate_decision *d)
{
    run *r = ud;
    char line[8192];
    size_t n = slate_decision_json(d, line, sizeof line);
    if (n >= sizeof line) n = sizeof line - 1;
    for (size_t i = 0; i < n; i++) r->hash = (r->hash ^ (unsigned char)line[i]) * 0x100000001b3u;
    r->hash = (r->hash ^ '\n') * 0x100000001b3u;
    r->decisions++;
    return 0;
}

static int fail(run *r, const char *what, slate_engine *e)
{
    snprintf(r->why, sizeof r->why, "seed %u: %s: %s", r->seed, what, e ? slate_errmsg(e) : "");
    r->failed = 1;
    return -1;
}

/* Values for an event: on `opened` every field, else now and then one.  Strings
 * come from a large set, so the engine interns and sweeps as it goes. */
static size_t values(const slate_program *p, uint64_t *s, int all, slate_value *v, char str[][16])
{
    int nf = slate_program_field_count(p);
    size_t n = 0;
    for (int f = 0; f < nf && n < 64; f++) {
        if (!all && (n || rnd(s, 4))) continue;
        slate_value x = {f, 0, NULL, 0};
        switch (slate_program_field_type(p, f)) {
        case SLATE_T_ENUM: x.i = (int64_t)rnd(s, (uint64_t)slate_program_enum_count(p, f)); break;
        case SLATE_T_BOOL: x.i = (int64_t)rnd(s, 2); break;
        case SLATE_T_INT: x.i = (int64_t)rnd(s, 100); break;
        case SLATE_T_DURATION: x.i = (int64_t)rnd(s, 10000) * 1000; break;
        case SLATE_T_STRING:
            x.len = (size_t)snprintf(str[n], 16, "agent-%u", (unsigned)rnd(s, 5000));
            x.s = str[n];
            break;
        default: continue;
        }
        v[n++] = x;
    }
    return n;
}

static void *stream(void *arg)
{
    run *r = arg;
    uint64_t s = 0x9e3779b97f4a7c15u * (r->seed + 1);
    slate_program *own = NULL; /* a copy of B loaded on this thread */
    if (slate_program_load(img_b, len_b, &own, NULL) != SLATE_OK) {
        fail(r, "load", NULL);
        return NULL;
    }
    const slate_program *progs[3] = {prog_a, prog_b, own};
    slate_engine_opts o = SLATE_ENGINE_OPTS_INIT;
    o.tolerance_ms = 5 * MIN;
    slate_engine *e = slate_engine_new(prog_a, &o);
    if (!e) {
        fail(r, "engine", NULL);
        slate_program_free(own);
        return NULL;
    }
    int opened = slate_program_event_id(prog_a, "opened"), closed = slate_program_event_id(prog_a, "closed");
    int tick = slate_program_event_id(prog_a, "tick"), nev = slate_program_event_count(prog_a);
    static const int swap_every[NTHREADS] = {211, 307, 401, 503};
    int every = swap_every[r->seed % NTHREADS], cur = 0;
    char open[NCASES] = {0};
    int64_t t = T0;
    slate_risk risk[16];
    for (int i = 0; i < NEVENTS && !r->failed; i++) {
        int c = (int)rnd(&s, NCASES);
        char id[32], str[64][16];
        slate_value v[64];
        snprintf(id, sizeof id, "case-%u-%d", r->seed, c);
        t += (int64_t)rnd(&s, 6 * MIN) - MIN; /* now and then a little late */
        slate_event ev = {id, strlen(id), opened, t, NULL, 0, v, 0, (uint64_t)i + 1};
        if (!open[c]) {
            ev.nvalues = values(progs[cur], &s, 1, v, str);
            open[c] = 1;
        } else {
            do ev.type = (int)rnd(&s, (uint64_t)nev);
            while (ev.type == opened || ev.type == tick);
            ev.nvalues = values(progs[cur], &s, 0, v, str);
            if (ev.type == closed) open[c] = 0;
        }
        if (slate_engine_push(e, &ev, hash_sink, r) != SLATE_OK) fail(r, "push", e);
        if (i % every == every - 1) {
            cur = (cur + 1) % 3;
            if (slate_engine_swap(e, progs[cur], hash_sink, r) != SLATE_OK) fail(r, "swap", e);
            r->swaps++;
        }
        if (i % 500 == 499) { /* what a server asks between events */
            size_t found = 0;
            if (slate_engine_at_risk(e, 80, risk, 16, &found) != SLATE_OK) fail(r, "at_risk", e);
            r->risky += found;
            slate_case_info info;
            slate_clock_info ck[64];
            if (found && slate_engine_case(e, risk[0].case_id, risk[0].case_len, &info, ck, 64) != SLATE_OK)
                fail(r, "case", e);
            /* timers wait for the watermark (the latest time less the tolerance), not
             * for the latest time: one due between the two is pending, not late */
            if (slate_engine_next_due(e) < slate_engine_watermark(e)) fail(r, "next_due in the past", e);
            if (slate_engine_memory_used(e) == 0) fail(r, "memory_used", e);
            if (i % 2000 == 1999 && slate_engine_trim(e) != SLATE_OK) fail(r, "trim", e);
        }
    }
    int64_t due = slate_engine_next_due(e);
    if (!r->failed && due != INT64_MAX && slate_engine_advance(e, due + 7 * 24 * 60 * MIN, hash_sink, r))
        fail(r, "advance", e);
    slate_engine_free(e);
    slate_program_free(own);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: tsan_threads A.slc B.slc\n");
        return 2;
    }
    img_a = read_all(argv[1], &len_a);
    img_b = read_all(argv[2], &len_b);
    char *err = NULL;
    if (!img_a || !img_b || slate_program_load(img_a, len_a, &prog_a, &err) != SLATE_OK ||
        slate_program_load(img_b, len_b, &prog_b, &err) != SLATE_OK) {
        fprintf(stderr, "tsan_threads: cannot load the images: %s\n", err ? err : "unreadable");
        return 2;
    }
    if (strcmp(slate_program_hash(prog_a), slate_program_hash(prog_b)) == 0) {
        fprintf(stderr, "tsan_threads: A and B are the same policy\n");
        return 2;
    }
    run alone[NTHREADS], together[NTHREADS];
    for (unsigned i = 0; i < NTHREADS; i++) {
        alone[i] = (run){.seed = i, .hash = 0xcbf29ce484222325u};
        together[i] = alone[i];
        stream(&alone[i]);
    }
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        if (pthread_create(&th[i], NULL, stream, &together[i])) {
            fprintf(stderr, "tsan_threads: pthread_create failed\n");
            return 2;
        }
    for (int i = 0; i < NTHREADS; i++) pthread_join(th[i], NULL);
    int bad = 0;
    uint64_t decisions = 0, swaps = 0;
    for (int i = 0; i < NTHREADS; i++) {
        const run *both[2] = {&alone[i], &together[i]};
        for (int k = 0; k < 2; k++)
            if (both[k]->failed) {
                fprintf(stderr, "tsan_threads: %s\n", both[k]->why);
                bad = 1;
            }
        if (alone[i].hash != together[i].hash || alone[i].decisions != together[i].decisions) {
            fprintf(stderr, "tsan_threads: stream %d: %llu decisions alone, %llu on a thread, "
                            "or their text differs\n",
                    i, (unsigned long long)alone[i].decisions, (unsigned long long)together[i].decisions);
            bad = 1;
        }
        if (alone[i].risky == 0 || alone[i].swaps < 20) {
            fprintf(stderr, "tsan_threads: stream %d found no case at risk or swapped too little\n", i);
            bad = 1;
        }
        decisions += together[i].decisions;
        swaps += together[i].swaps;
    }
    slate_program_free(prog_a);
    slate_program_free(prog_b);
    free(img_a);
    free(img_b);
    printf("tsan_threads: %d threads, %d events each, %llu swaps, %llu decisions: %s\n", NTHREADS,
           NEVENTS, (unsigned long long)swaps, (unsigned long long)decisions,
           bad ? "FAILED" : "same as alone");
    return bad;
}
