/*
 * bstream.c - policy compiling, event pre-parsing and the compared decision
 * subset for the benchmarks and the equivalence test (see bstream.h).
 */
#include "bstream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "slatec.h"

slate_program *bs_compile_text(const char *name, const char *src, size_t len, size_t *img_len)
{
    slatec_opts o = SLATEC_OPTS_INIT;
    o.diag = stderr;
    slate_program *p = NULL;
    size_t n = 0;
    if (slatec_compile(&o, name, src, len, &p, NULL, &n) != SLATE_OK) {
        fprintf(stderr, "bench: %s does not compile\n", name);
        return NULL;
    }
    if (img_len) *img_len = n;
    return p;
}

slate_program *bs_compile_file(const char *path, size_t *img_len)
{
    size_t len = 0;
    char *src = slatec_read_file(path, &len);
    if (!src) {
        fprintf(stderr, "bench: cannot read %s\n", path);
        return NULL;
    }
    slate_program *p = bs_compile_text(path, src, len, img_len);
    free(src);
    return p;
}

/* ---- events ------------------------------------------------------------------ */

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} chunk;

static void *bs_alloc(void **arena, size_t n)
{
    chunk *c = *arena;
    n = (n + 15) & ~(size_t)15;
    if (!c || c->used + n > c->cap) {
        size_t cap = n > ((size_t)1 << 20) ? n : ((size_t)1 << 20);
        chunk *d = malloc(sizeof *d + cap);
        if (!d) {
            fprintf(stderr, "bench: out of memory\n");
            exit(3);
        }
        d->next = c;
        d->used = 0;
        d->cap = cap;
        *arena = c = d;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

static const char *bs_dup(void **arena, const char *s, size_t n)
{
    if (!s) return NULL;
    char *d = bs_alloc(arena, n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

int bs_load_events_text(const slate_program *prog, const char *text, size_t len, bs_stream *s)
{
    memset(s, 0, sizeof *s);
    ev_reader *r = ev_reader_new(prog, 0);
    if (!r) return -1;
    size_t cap = 1024;
    s->ev = malloc(sizeof *s->ev * cap);
    ev_result *res = malloc(sizeof *res);
    if (!s->ev || !res) {
        ev_reader_free(r);
        free(res);
        return -1;
    }
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        ev_status st = ev_parse_line(r, p, n, res);
        p += n + (nl ? 1 : 0);
        if (st == EV_BLANK) continue;
        if (st != EV_OK) {
            s->rejected++;
            continue;
        }
        if (s->n == cap) {
            cap *= 2;
            slate_event *v = realloc(s->ev, sizeof *v * cap);
            if (!v) {
                ev_reader_free(r);
                free(res);
                return -1;
            }
            s->ev = v;
        }
        slate_event e = res->ev;
        e.case_id = bs_dup(&s->arena, e.case_id, e.case_len);
        e.id = bs_dup(&s->arena, e.id, e.id_len);
        if (e.nvalues) {
            slate_value *v = bs_alloc(&s->arena, sizeof *v * e.nvalues);
            for (size_t i = 0; i < e.nvalues; i++) {
                v[i] = res->ev.values[i];
                if (v[i].s) v[i].s = bs_dup(&s->arena, v[i].s, v[i].len);
            }
            e.values = v;
        } else {
            e.values = NULL;
        }
        s->ev[s->n++] = e;
    }
    ev_reader_free(r);
    free(res);
    return 0;
}

int bs_load_events(const slate_program *prog, const char *path, bs_stream *s)
{
    size_t len = 0;
    char *text = slatec_read_file(path, &len);
    if (!text) {
        fprintf(stderr, "bench: cannot read %s\n", path);
        return -1;
    }
    int rc = bs_load_events_text(prog, text, len, s);
    free(text);
    return rc;
}

void bs_free(bs_stream *s)
{
    for (chunk *c = s->arena, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(s->ev);
    memset(s, 0, sizeof *s);
}

/* ---- the compared subset ------------------------------------------------------ */

const char *const bs_clock_names[BS_NCLOCKS] = {"response", "handling", "resolution", "follow_up"};

const char *const bs_tier_names[] = {
    "security",  "outage",           "vip_emergency", "vip_complaint", "complaint_emergency",
    "complaint", "vip_technical",    "vip_complex",   "vip",           "technical_complex",
    "technical", "complex",          "process",       "request_contact", "request",
    "inquiry",   "default",
};
const int bs_ntiers = (int)(sizeof bs_tier_names / sizeof bs_tier_names[0]);

int bs_tier_index(const char *name)
{
    for (int i = 0; name && i < bs_ntiers; i++)
        if (!strcmp(bs_tier_names[i], name)) return i;
    return -1;
}

uint64_t bs_fnv(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3u;
    return h;
}

int bs_from_slate(const slate_decision *d, bs_dec *out)
{
    int clock = -1;
    switch (d->action) {
    case SLATE_A_SLA: break;
    case SLATE_A_START:
    case SLATE_A_STOP:
    case SLATE_A_PAUSE:
    case SLATE_A_RESUME:
    case SLATE_A_WARN:
    case SLATE_A_BREACH:
        for (int i = 0; i < BS_NCLOCKS; i++)
            if (d->clock && !strcmp(d->clock, bs_clock_names[i])) clock = i;
        if (clock < 0) return 0; /* a `require` or `review` clock */
        break;
    default: return 0;
    }
    memset(out, 0, sizeof *out);
    out->at = d->at;
    out->case_hash = bs_fnv(d->case_id, d->case_len);
    out->action = (uint8_t)d->action;
    out->clock = (int8_t)clock;
    out->tier = (int16_t)(d->action == SLATE_A_SLA ? bs_tier_index(d->tier) : -1);
    size_t n = d->case_len < sizeof out->case_id - 1 ? d->case_len : sizeof out->case_id - 1;
    if (d->case_id) memcpy(out->case_id, d->case_id, n);
    return 1;
}

uint64_t bs_mix(uint64_t h, const bs_dec *d)
{
    uint64_t x[4] = {(uint64_t)d->at, d->case_hash, d->action,
                     ((uint64_t)(uint8_t)d->clock << 16) | (uint16_t)d->tier};
    for (int i = 0; i < 4; i++) {
        h ^= x[i];
        h *= 0x9E3779B97F4A7C15u;
        h ^= h >> 29;
    }
    return h;
}

void bs_push(bs_list *l, const bs_dec *d)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 1024;
        bs_dec *v = realloc(l->v, sizeof *v * l->cap);
        if (!v) {
            fprintf(stderr, "bench: out of memory\n");
            exit(3);
        }
        l->v = v;
    }
    l->v[l->n++] = *d;
}

static void describe(const bs_dec *d, char *buf, size_t size)
{
    static const char *const names[] = {
#define X(id, name) name,
        SLATE_ACTIONS(X)
#undef X
    };
    snprintf(buf, size, "%s %s at=%lld clock=%s tier=%s", d->case_id, names[d->action],
             (long long)d->at, d->clock >= 0 ? bs_clock_names[d->clock] : "-",
             d->tier >= 0 ? bs_tier_names[d->tier] : "-");
}

long bs_compare(const bs_list *a, const bs_list *b, char *msg, size_t size)
{
    size_t n = a->n < b->n ? a->n : b->n;
    for (size_t i = 0; i < n; i++) {
        const bs_dec *x = &a->v[i], *y = &b->v[i];
        if (x->at != y->at || x->case_hash != y->case_hash || x->action != y->action ||
            x->clock != y->clock || x->tier != y->tier) {
            char dx[160], dy[160];
            describe(x, dx, sizeof dx);
            describe(y, dy, sizeof dy);
            snprintf(msg, size, "decision %zu differs: %s | %s", i, dx, dy);
            return (long)i;
        }
    }
    if (a->n != b->n) {
        snprintf(msg, size, "lengths differ: %zu vs %zu", a->n, b->n);
        return (long)n;
    }
    snprintf(msg, size, "%zu decisions equal", a->n);
    return -1;
}

int bs_subset_sink(void *ud, const slate_decision *d)
{
    bs_dec x;
    if (bs_from_slate(d, &x)) bs_push(ud, &x);
    return 0;
}

int bs_report_equiv(bs_list *a, bs_list *b, unsigned long long slate_total, const char *peer)
{
    char msg[512];
    long at = bs_compare(a, b, msg, sizeof msg);
    printf("equiv %s compared %zu slate_total %llu msg %s\n", at < 0 ? "equal" : "DIFFERENT",
           a->n, slate_total, msg);
    if (peer && at >= 0 && (size_t)at < a->n) {
        const bs_dec *x = &a->v[at];
        for (int side = 0; side < 2; side++) {
            const bs_list *l = side ? b : a;
            for (size_t i = 0; i < l->n; i++)
                if (l->v[i].case_hash == x->case_hash)
                    fprintf(stderr, "%s %zu %s action=%d at=%lld clock=%d tier=%d\n",
                            side ? peer : "slate", i, l->v[i].case_id, l->v[i].action,
                            (long long)l->v[i].at, l->v[i].clock, l->v[i].tier);
        }
    }
    free(a->v);
    free(b->v);
    a->v = b->v = NULL;
    return at < 0 ? 0 : 1;
}

/* BENCH_CLOCK=cpu: the process's CPU time instead of the wall clock, for a
 * shared machine whose other load would otherwise count as ours (time spent
 * descheduled); caches shared with the other load still slow us down. */
double bs_now(void)
{
    static int cpu = -1;
    if (cpu < 0) {
        const char *v = getenv("BENCH_CLOCK");
        cpu = v && !strcmp(v, "cpu");
    }
    struct timespec ts;
    clock_gettime(cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double bs_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
