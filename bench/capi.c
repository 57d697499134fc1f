/*
 * capi.c - the benchmark driver: slate through its C API, and the hand-written
 * baseline, over events parsed before any timing starts.
 *
 *   slate-bench capi  POLICY EVENTS RUNS    median events/s of slate_engine_push
 *   slate-bench hand  POLICY EVENTS RUNS    the same for bench/handwritten.c
 *   slate-bench capi-batch / hand-batch POLICY EVENTS RUNS
 *                                           the same in batches of BATCH events
 *                                           (slate_engine_push_batch, hw_push_batch)
 *   slate-bench equiv POLICY EVENTS         compare the subset (bstream.h)
 *   slate-bench mem   POLICY CASES          bytes per open case, peak RSS
 *   slate-bench scale POLICY OPEN EVENTS RUNS events/s with OPEN open cases
 *   slate-bench scale-hand POLICY OPEN EVENTS RUNS  the same for bench/handwritten.c
 *                                           (the hardware's own curve: what a
 *                                           hand-coded engine loses to cache misses)
 *   slate-bench scale-batch / scale-hand-batch POLICY OPEN EVENTS RUNS
 *                                           the same two in batches of BATCH events
 *   slate-bench compile POLICY RUNS         compile ms, image bytes, load+verify us,
 *                                           compile-to-a-loaded-program ms
 *   slate-bench jsonl POLICY EVENTS RUNS    what `slate run` does until it lands: the
 *                                           CLI's JSONL reader, the engine, decisions
 *                                           rendered as JSON to /dev/null (no log)
 *
 * Timed loops hold no JSON and no log: decisions go to a sink that counts them
 * and folds (action, instant, case length) into a hash.  Each line of output is
 * "key value ..." for bench/run.sh to read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bstream.h"
#include "handwritten.h"
#include "slate.h"

/* ---- sinks -------------------------------------------------------------------- */

typedef struct counter {
    uint64_t n, h;
} counter;

static int count_sink(void *ud, const slate_decision *d)
{
    counter *c = ud;
    c->n++;
    c->h = (c->h ^ ((uint64_t)d->action << 56 ^ (uint64_t)d->at ^ d->case_len)) * 0x100000001b3u;
    return 0;
}

static void hw_count_sink(void *ud, const hw_dec *d)
{
    counter *c = ud;
    c->n++;
    c->h = (c->h ^ ((uint64_t)d->action << 56 ^ (uint64_t)d->at ^ d->case_len)) * 0x100000001b3u;
}

/* ---- timing -------------------------------------------------------------------- */

/* Events per call in the batched modes: what an embedder reading a socket or a
 * file in blocks would hand over at once. */
#define BATCH 256

/* The events through slate, one push each (batch 0) or in batches. */
static void push_all(slate_engine *e, const slate_event *ev, size_t n, int batch, counter *c)
{
    if (!batch) {
        for (size_t j = 0; j < n; j++) slate_engine_push(e, &ev[j], count_sink, c);
        return;
    }
    for (size_t j = 0; j < n; j += BATCH)
        slate_engine_push_batch(e, ev + j, n - j < BATCH ? n - j : BATCH, count_sink, c, NULL);
}

static void hw_push_all(hw_engine *h, const slate_event *ev, size_t n, int batch, counter *c)
{
    if (!batch) {
        for (size_t j = 0; j < n; j++) hw_push(h, &ev[j], hw_count_sink, c);
        return;
    }
    for (size_t j = 0; j < n; j += BATCH)
        hw_push_batch(h, ev + j, n - j < BATCH ? n - j : BATCH, hw_count_sink, c);
}

static int run_capi(const slate_program *p, const bs_stream *s, int runs, int batch)
{
    double *r = malloc(sizeof *r * (size_t)runs);
    counter c = {0, 0};
    for (int i = 0; i < runs; i++) {
        slate_engine *e = slate_engine_new(p, NULL);
        c = (counter){0, 0};
        double t0 = bs_now();
        push_all(e, s->ev, s->n, batch, &c);
        r[i] = (double)s->n / (bs_now() - t0);
        slate_engine_free(e);
    }
    double med = bs_median(r, runs); /* sorts r */
    printf("events %zu decisions %llu hash %016llx median_eps %.0f min_eps %.0f max_eps %.0f\n",
           s->n, (unsigned long long)c.n, (unsigned long long)c.h, med, r[0], r[runs - 1]);
    free(r);
    return 0;
}

static int run_hand(const slate_program *p, const bs_stream *s, int runs, int batch)
{
    double *r = malloc(sizeof *r * (size_t)runs);
    counter c = {0, 0};
    for (int i = 0; i < runs; i++) {
        hw_engine *h = hw_new(p, 0);
        if (!h) return 3;
        c = (counter){0, 0};
        double t0 = bs_now();
        hw_push_all(h, s->ev, s->n, batch, &c);
        r[i] = (double)s->n / (bs_now() - t0);
        hw_free(h);
    }
    double med = bs_median(r, runs); /* sorts r */
    printf("events %zu decisions %llu hash %016llx median_eps %.0f min_eps %.0f max_eps %.0f\n",
           s->n, (unsigned long long)c.n, (unsigned long long)c.h, med, r[0], r[runs - 1]);
    free(r);
    return 0;
}

/* ---- the JSONL path ----------------------------------------------------------------- */

#include "events.h"

typedef struct json_out {
    FILE *f;
    char buf[8192];
    uint64_t n;
} json_out;

static int json_sink(void *ud, const slate_decision *d)
{
    json_out *o = ud;
    size_t n = slate_decision_json(d, o->buf, sizeof o->buf - 1);
    if (n >= sizeof o->buf - 1) n = sizeof o->buf - 2;
    o->buf[n] = '\n';
    fwrite(o->buf, 1, n + 1, o->f);
    o->n++;
    return 0;
}

static int run_jsonl(const slate_program *p, const char *path, int runs)
{
    double *r = malloc(sizeof *r * (size_t)runs);
    json_out *o = malloc(sizeof *o);
    ev_result *res = malloc(sizeof *res);
    uint64_t nev = 0;
    for (int i = 0; i < runs; i++) {
        FILE *in = fopen(path, "r");
        o->f = fopen("/dev/null", "w");
        o->n = 0;
        if (!in || !o->f) return 3;
        double t0 = bs_now();
        ev_reader *rd = ev_reader_new(p, 0);
        slate_engine *e = slate_engine_new(p, NULL);
        nev = 0;
        for (ev_status st; (st = ev_next(rd, in, res)) != EV_EOF && st != EV_IOERR; nev++)
            if (st == EV_OK) slate_engine_push(e, &res->ev, json_sink, o);
        fflush(o->f);
        r[i] = (double)nev / (bs_now() - t0);
        slate_engine_free(e);
        ev_reader_free(rd);
        fclose(in);
        fclose(o->f);
    }
    double med = bs_median(r, runs);
    printf("events %llu decisions %llu median_eps %.0f min_eps %.0f max_eps %.0f\n",
           (unsigned long long)nev, (unsigned long long)o->n, med, r[0], r[runs - 1]);
    free(r);
    free(o);
    free(res);
    return 0;
}

/* ---- equivalence ------------------------------------------------------------------ */

static void hw_subset_sink(void *ud, const hw_dec *d)
{
    bs_dec x;
    hw_to_bs(d, &x);
    bs_push(ud, &x);
}

static int run_equiv(const slate_program *p, const bs_stream *s)
{
    bs_list a = {0}, b = {0};
    slate_engine *e = slate_engine_new(p, NULL);
    hw_engine *h = hw_new(p, 0);
    if (!e || !h) return 3;
    for (size_t j = 0; j < s->n; j++) {
        slate_engine_push(e, &s->ev[j], bs_subset_sink, &a);
        hw_push(h, &s->ev[j], hw_subset_sink, &b);
    }
    int rc = bs_report_equiv(&a, &b, (unsigned long long)slate_engine_decisions(e), NULL);
    slate_engine_free(e);
    hw_free(h);
    return rc;
}

/* ---- memory ------------------------------------------------------------------------ */

typedef struct counting {
    size_t live, peak;
} counting;

static void *count_realloc(void *ud, void *ptr, size_t size)
{
    counting *c = ud;
    size_t *old = ptr ? (size_t *)ptr - 2 : NULL;
    if (old) c->live -= old[0];
    if (size == 0) {
        free(old);
        return NULL;
    }
    size_t *n = realloc(old, size + 2 * sizeof(size_t));
    if (!n) {
        if (old) c->live += old[0];
        return NULL;
    }
    n[0] = size;
    c->live += size;
    if (c->live > c->peak) c->peak = c->live;
    return n + 2;
}

/* `opened` events for n cases, one ms apart, with every field left at its
 * default (the policy's own defaults). */
static slate_event *synth_opened(size_t n, int64_t t0, char **ids)
{
    slate_event *ev = calloc(n, sizeof *ev);
    *ids = malloc(n * 16);
    for (size_t i = 0; i < n; i++) {
        char *id = *ids + i * 16;
        int len = snprintf(id, 16, "S%09zu", i);
        ev[i] = (slate_event){id, (size_t)len, 0, t0 + (int64_t)i, NULL, 0, NULL, 0, i + 1};
    }
    return ev;
}

static int run_mem(const slate_program *p, size_t ncases)
{
    counting c = {0, 0};
    slate_allocator al = {count_realloc, &c};
    slate_engine_opts o = SLATE_ENGINE_OPTS_INIT;
    o.allocator = &al;
    slate_engine *e = slate_engine_new(p, &o);
    size_t base = c.live;
    char *ids;
    int64_t t0 = 1741536000000; /* 2025-03-09T16:00Z, a Monday 00:00 in Beijing */
    slate_event *ev = synth_opened(ncases, t0, &ids);
    counter k = {0, 0};
    for (size_t i = 0; i < ncases; i++) slate_engine_push(e, &ev[i], count_sink, &k);
    size_t open = slate_engine_open_cases(e);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("cases %zu clocks_per_case %d engine_bytes %zu bytes_per_case %.1f peak_bytes %zu "
           "rss_kb %ld\n",
           open, slate_program_clock_count(p), c.live - base,
           (double)(c.live - base) / (double)(open ? open : 1), c.peak, ru.ru_maxrss);
    slate_engine_free(e);
    free(ev);
    free(ids);
    return 0;
}

/* ---- scale ---------------------------------------------------------------------------- */

/* The timed loop, out of line so that a profiler can collect it alone:
 *   valgrind --tool=callgrind --cache-sim=yes --toggle-collect=scale_work ... */
__attribute__((noinline)) static void scale_work(slate_engine *e, hw_engine *h,
                                                 const slate_event *work, size_t nev, int batch,
                                                 counter *k)
{
    if (h)
        hw_push_all(h, work, nev, batch, k);
    else
        push_all(e, work, nev, batch, k);
}

/* hand != 0: the same workload through bench/handwritten.c; batch != 0: pushed
 * in batches. */
static int run_scale(const slate_program *p, size_t open, size_t nev, int runs, int hand,
                     int batch)
{
    int paused = slate_program_event_id(p, "paused"), resumed = slate_program_event_id(p, "resumed");
    if (paused < 0 || resumed < 0) return 3;
    int64_t t0 = 1741536000000;
    char *ids;
    slate_event *ev = synth_opened(open, t0, &ids);
    double *r = malloc(sizeof *r * (size_t)runs);
    slate_event *work = calloc(nev, sizeof *work);
    uint64_t x = 88172645463325252u;
    for (int i = 0; i < runs; i++) {
        slate_engine_opts o = SLATE_ENGINE_OPTS_INIT;
        o.expected_cases = open;
        slate_engine *e = hand ? NULL : slate_engine_new(p, &o);
        hw_engine *h = hand ? hw_new(p, open) : NULL;
        if (!e && !h) return 3;
        counter k = {0, 0};
        for (size_t j = 0; j < open; j++)
            if (h) hw_push(h, &ev[j], hw_count_sink, &k);
            else slate_engine_push(e, &ev[j], count_sink, &k);
        /* pause/resume pairs on random open cases, 1 ms apart after the last open:
         * no target is reached in the window, so this measures lookup, clock and
         * timer-heap work against the number of open cases */
        int64_t t = t0 + (int64_t)open;
        for (size_t j = 0; j < nev; j += 2) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            const slate_event *c = &ev[x % open];
            work[j] = (slate_event){c->case_id, c->case_len, paused, ++t, NULL, 0, NULL, 0, j + 1};
            if (j + 1 < nev)
                work[j + 1] = (slate_event){c->case_id, c->case_len, resumed, ++t, NULL, 0, NULL, 0, j + 2};
        }
        double s0 = bs_now();
        scale_work(e, h, work, nev, batch, &k);
        r[i] = (double)nev / (bs_now() - s0);
        slate_engine_free(e);
        hw_free(h);
    }
    printf("%s%s open %zu events %zu median_eps %.0f\n", hand ? "hand" : "slate",
           batch ? "-batch" : "", open, nev, bs_median(r, runs));
    free(r);
    free(work);
    free(ev);
    free(ids);
    return 0;
}

/* ---- compile and load ------------------------------------------------------------------ */

#include "slatec.h"

/* compile_ms: source -> image bytes (`slate build`); load_verify_us: those
 * bytes -> a program (an embedder's slate_program_load()); compile_load_ms:
 * source -> a program in one slatec_compile() (`slate run x.slate`), which
 * loads the bytes once rather than compiling and then loading. */
static int run_compile(const char *path, int runs)
{
    size_t len = 0;
    char *src = slatec_read_file(path, &len);
    if (!src) return 3;
    double *tc = malloc(sizeof *tc * (size_t)runs), *tl = malloc(sizeof *tl * (size_t)runs);
    double *tcl = malloc(sizeof *tcl * (size_t)runs);
    size_t imglen = 0;
    slatec_opts o = SLATEC_OPTS_INIT; /* diagnostics counted, not printed */
    for (int i = 0; i < runs; i++) {
        double t0 = bs_now();
        uint8_t *img = NULL;
        int rc = slatec_compile(&o, path, src, len, NULL, &img, &imglen);
        tc[i] = bs_now() - t0;
        if (rc != SLATE_OK) {
            fprintf(stderr, "bench: %s does not compile\n", path);
            return 1;
        }
        slate_program *p = NULL;
        t0 = bs_now();
        int lr = slate_program_load(img, imglen, &p, NULL);
        tl[i] = bs_now() - t0;
        if (lr != SLATE_OK) return 1;
        slate_program_free(p);
        free(img);
        t0 = bs_now();
        rc = slatec_compile(&o, path, src, len, &p, NULL, NULL);
        tcl[i] = bs_now() - t0;
        if (rc != SLATE_OK) return 1;
        slate_program_free(p);
    }
    printf("compile_ms %.2f image_bytes %zu load_verify_us %.1f compile_load_ms %.2f\n",
           bs_median(tc, runs) * 1e3, imglen, bs_median(tl, runs) * 1e6, bs_median(tcl, runs) * 1e3);
    free(tc);
    free(tl);
    free(tcl);
    free(src);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: slate-bench capi|hand|capi-batch|hand-batch|equiv|jsonl|mem|scale|"
                        "scale-hand|scale-batch|scale-hand-batch|compile POLICY ...\n");
        return 2;
    }
    const char *mode = argv[1];
    if (!strcmp(mode, "compile")) return run_compile(argv[2], argc > 3 ? atoi(argv[3]) : 5);
    slate_program *p = bs_compile_file(argv[2], NULL);
    if (!p) return 1;
    int rc = 2;
    if (!strcmp(mode, "mem") && argc > 3) {
        rc = run_mem(p, (size_t)atol(argv[3]));
    } else if (!strncmp(mode, "scale", 5) && argc > 5) {
        rc = run_scale(p, (size_t)atol(argv[3]), (size_t)atol(argv[4]), atoi(argv[5]),
                       strstr(mode, "-hand") != NULL, strstr(mode, "-batch") != NULL);
    } else if (!strcmp(mode, "jsonl") && argc > 3) {
        rc = run_jsonl(p, argv[3], argc > 4 ? atoi(argv[4]) : 5);
    } else if (argc > 3) {
        bs_stream s;
        if (bs_load_events(p, argv[3], &s)) return 3;
        if (s.rejected) fprintf(stderr, "bench: %zu lines rejected by the reader\n", s.rejected);
        int runs = argc > 4 ? atoi(argv[4]) : 5;
        if (runs < 1) runs = 1;
        if (!strcmp(mode, "capi")) rc = run_capi(p, &s, runs, 0);
        else if (!strcmp(mode, "hand")) rc = run_hand(p, &s, runs, 0);
        else if (!strcmp(mode, "capi-batch")) rc = run_capi(p, &s, runs, 1);
        else if (!strcmp(mode, "hand-batch")) rc = run_hand(p, &s, runs, 1);
        else if (!strcmp(mode, "equiv")) rc = run_equiv(p, &s);
        bs_free(&s);
    }
    slate_program_free(p);
    return rc;
}
