/*
 * prun.c - `slate run --threads N`: engines per partition on threads, merged
 * back into one engine's output (prun.h).
 *
 * Threads: the caller's (reads, routes, merges, writes) and one per partition.
 * They share a ring of PR_DEPTH batches of up to PR_LINES lines; a batch holds,
 * per partition, the items that partition must apply (an advance of its engine,
 * an event, or both) and, once applied, the decisions they made (the timers of
 * its advances apart from the events' own), rendered with seq 0.  The reader
 * thread fills a batch, hands it to every partition at once, and, when the ring
 * is full or at a flush, merges the oldest finished batch.
 * One mutex guards the ring's counters; no thread touches a batch's partition
 * slice but its partition (while applying) and the reader (before and after).
 *
 * Why the merge gives one engine's order.  The reader keeps the stream's time
 * W as one engine would; an engine is advanced to W just before it applies a
 * line (so it judges and dates the line against the time one engine has), and
 * every engine at the end of each batch (so every timer due by then fires in
 * the batch).  Advances fire timers in (instant, case creation, clock) order,
 * each stamped with its instant, and the instants of one engine only grow, so
 * each partition's timers form one sorted list.  One engine fires a timer of
 * instant t during the first line that moves its time to t or beyond: the
 * merge walks the batch's lines, and for each line that moved the time to T
 * it takes every partition's timers up to T, by (instant, creation order);
 * then the line's own decisions (its own partition's push, whose due timers
 * its advance already fired).  The creation order is the seq of the event
 * that opened the case (cases are created in input order), kept per
 * partition in a map from case id; a case's timers at one instant are
 * consecutive in its partition's list.
 */
#include "prun.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "decision_json.h"
#include "partition.h"
#include "runner.h"

#define PR_LINES 4096 /* lines per batch */
#define PR_DEPTH 4    /* batches in flight: the bound of the queues */
#define PR_IOV 1024   /* iovecs per writev: two per decision */

enum { IT_ADV = 1, IT_EV = 2 };

typedef struct pr_item {
    uint32_t line;  /* in the batch */
    uint32_t kind;  /* IT_ADV and/or IT_EV */
    int64_t at;     /* IT_ADV: advance to this */
    size_t off;     /* IT_EV: the event's copy in the arena */
} pr_item;

/* An event as copied into a batch: this header, then its bytes (offsets). */
typedef struct pr_evhdr {
    slate_event ev;    /* pointers hold arena offsets + 1 (0: NULL) */
    uint32_t reason_len;
    uint32_t pad;
} pr_evhdr;

typedef struct pr_dec {
    int64_t at;
    uint64_t key;      /* creation order of its case (timers only) */
    size_t off;        /* in text */
    size_t len;        /* without newline */
} pr_dec;

typedef struct pr_rec {
    uint32_t line;
    size_t first, end; /* the event's decisions: decs[first, end) */
} pr_rec;

typedef struct pr_slice {
    pr_item *items;
    size_t nitems, icap;
    char *arena;
    size_t alen, acap;
    pr_dec *decs;      /* the events' decisions */
    size_t ndecs, dcap;
    pr_dec *tdecs;     /* the timers the advances fired, in firing order */
    size_t ntdecs, tdcap;
    pr_rec *recs;
    size_t nrecs, rcap;
    char *text;
    size_t tlen, tcap;
} pr_slice;

/* A line of the batch that moved the stream's time. */
typedef struct pr_move {
    uint32_t line;
    int64_t to;
} pr_move;

typedef struct pr_batch {
    uint32_t nlines;
    int16_t owner[PR_LINES]; /* each line's partition, -1 for an --until */
    pr_move *moves;
    size_t nmoves, mcap;
    unsigned pending;  /* partitions still applying it */
    pr_slice *slice;   /* one per partition */
} pr_batch;

/* Case id -> the seq of the event that opened it: open addressing, linear
 * probing.  Entries stay after a case closes (a reopening brings the case back
 * with its creation order), so the map grows with the case ids of the run. */
typedef struct cm_entry {
    char *id;          /* NULL: empty */
    size_t len;
    uint64_t hash, key;
} cm_entry;

typedef struct casemap {
    cm_entry *e;
    size_t n, cap;     /* cap: a power of two */
} casemap;

typedef struct pr_part {
    struct prun *p;
    unsigned idx;
    pthread_t th;
    int started;
    runner r;
    int have_runner;
    dj_memo memo;
    pr_slice *cur;     /* where decisions go */
    int in_adv;        /* inside an advance: decisions are timers */
    casemap map;
    ev_result *res;    /* scratch for runner_feed */
    uint64_t next;     /* the next batch to apply */
    uint64_t rejects;  /* reject decisions made */
    pr_slice work;     /* the slice being applied, copied here so that two
                          partitions never write one cache line */
    int failed;
    char err[300];
    char pad[128];     /* nor do neighbours in p->parts */
} pr_part;

struct prun {
    unsigned n;
    const slate_program *prog;
    int64_t max_skip_ms;
    FILE *out;
    int64_t now;       /* the stream's time, as one engine */
    int opened_type;   /* the program's `opened` */
    int64_t told[PRUN_MAX_THREADS]; /* the time each partition was last advanced to */
    pr_part *parts;
    pr_batch ring[PR_DEPTH];
    uint64_t filling;  /* the batch being filled (== submitted) */
    uint64_t merged;   /* batches merged */
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    int stop;
    int failed;        /* a partition failed (under mu) */
    uint64_t seq;      /* decisions written */
    struct iovec iov[PR_IOV]; /* merged lines not yet written: their seq, their rest */
    int niov;
    char nums[PR_IOV / 2][24]; /* the seq numbers of the lines in iov */
    int write_error;
    char err[400];
};

/* ---- small growing arrays ----------------------------------------------------------- */

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    void *np = realloc(*p, c * size);
    if (!np) return -1;
    *p = np;
    *cap = c;
    return 0;
}

/* ---- the case map ------------------------------------------------------------------- */

static uint64_t cm_hash(const char *s, size_t len)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * UINT64_C(0x100000001b3);
    return h ^ (h >> 29);
}

static cm_entry *cm_find(casemap *m, const char *id, size_t len, uint64_t h)
{
    if (!m->cap) return NULL;
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        cm_entry *e = &m->e[i];
        if (!e->id) return e;
        if (e->hash == h && e->len == len && !memcmp(e->id, id, len)) return e;
    }
}

static int cm_put(casemap *m, const char *id, size_t len, uint64_t key)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 1024;
        cm_entry *ne = calloc(cap, sizeof *ne), *old = m->e;
        if (!ne) return -1;
        size_t ocap = m->cap;
        m->e = ne;
        m->cap = cap;
        for (size_t i = 0; i < ocap; i++)
            if (old[i].id) *cm_find(m, old[i].id, old[i].len, old[i].hash) = old[i];
        free(old);
    }
    uint64_t h = cm_hash(id, len);
    cm_entry *e = cm_find(m, id, len, h);
    if (!e->id) {
        if (!(e->id = malloc(len ? len : 1))) return -1;
        memcpy(e->id, id, len);
        e->len = len;
        e->hash = h;
        m->n++;
    }
    e->key = key;
    return 0;
}

static uint64_t cm_get(casemap *m, const char *id, size_t len)
{
    cm_entry *e = cm_find(m, id, len, cm_hash(id, len));
    return e && e->id ? e->key : UINT64_MAX;
}

static void cm_free(casemap *m)
{
    for (size_t i = 0; i < m->cap; i++) free(m->e[i].id);
    free(m->e);
    memset(m, 0, sizeof *m);
}

/* ---- a partition's thread ------------------------------------------------------------ */

static int part_fail(pr_part *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int part_fail(pr_part *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->err, sizeof t->err, fmt, ap);
    va_end(ap);
    t->failed = 1;
    return -1;
}

/* The sink after the runner's dout (which numbers and counts): render with seq
 * 0 (the merge numbers) and note the instant and, for a timer, the case's
 * creation order. */
static int part_sink(void *ud, const slate_decision *d)
{
    pr_part *t = ud;
    pr_slice *s = t->cur;
    if (d->action == SLATE_A_REJECT) t->rejects++;
    if (grow((void **)&s->decs, &s->dcap, s->ndecs + 1, sizeof *s->decs) ||
        grow((void **)&s->tdecs, &s->tdcap, s->ntdecs + 1, sizeof *s->tdecs))
        return 1;
    size_t room = s->tcap - s->tlen;
    size_t n = dj_render(d, 0, s->text ? s->text + s->tlen : NULL, s->text ? room : 0, &t->memo);
    if (n + 1 >= room) {
        if (grow((void **)&s->text, &s->tcap, s->tlen + n + 2 + 65536, 1)) return 1;
        dj_render(d, 0, s->text + s->tlen, s->tcap - s->tlen, &t->memo);
    }
    s->text[s->tlen + n] = '\n'; /* the line as written, after its seq */
    if (t->in_adv)
        s->tdecs[s->ntdecs++] =
            (pr_dec){d->at, d->case_id ? cm_get(&t->map, d->case_id, d->case_len) : 0, s->tlen, n};
    else
        s->decs[s->ndecs++] = (pr_dec){d->at, 0, s->tlen, n};
    s->tlen += n + 1;
    return 0;
}

static const char *arena_str(const pr_slice *s, const char *p)
{
    return p ? s->arena + ((uintptr_t)p - 1) : NULL;
}

static int apply_event(pr_part *t, pr_slice *s, const pr_item *it)
{
    pr_evhdr *h = (pr_evhdr *)(s->arena + it->off);
    ev_result *res = t->res;
    res->ev = h->ev;
    res->ev.case_id = arena_str(s, h->ev.case_id);
    res->ev.id = arena_str(s, h->ev.id);
    slate_value *v = h->ev.nvalues ? (slate_value *)arena_str(s, (const char *)h->ev.values) : NULL;
    for (size_t i = 0; i < h->ev.nvalues; i++) v[i].s = arena_str(s, v[i].s);
    res->ev.values = v;
    res->raw = NULL;
    res->raw_len = 0;
    memcpy(res->reason, (char *)(h + 1), h->reason_len);
    res->reason[h->reason_len] = '\0';
    size_t open = slate_engine_open_cases(t->r.eng);
    if (runner_feed(&t->r, res)) return part_fail(t, "%s", t->r.err);
    size_t after = slate_engine_open_cases(t->r.eng);
    /* One event opens, brings back or closes at most its own case.  An `opened`
     * creates it (its creation order: this line); any other event that opens
     * it brings back a closed case (`reopen within`), which keeps the creation
     * order it had, so a closed case's entry is kept. */
    if (after > open && (res->ev.type == t->p->opened_type ||
                         cm_get(&t->map, res->ev.case_id, res->ev.case_len) == UINT64_MAX) &&
        cm_put(&t->map, res->ev.case_id, res->ev.case_len, res->ev.seq))
        return part_fail(t, "out of memory");
    return 0;
}

static int apply_slice(pr_part *t, pr_slice *s)
{
    t->cur = s;
    for (size_t i = 0; i < s->nitems; i++) {
        const pr_item *it = &s->items[i];
        if (it->kind & IT_ADV) {
            t->in_adv = 1;
            int rc = runner_advance(&t->r, it->at);
            t->in_adv = 0;
            if (rc) return part_fail(t, "%s", t->r.err);
        }
        if (!(it->kind & IT_EV)) continue;
        if (grow((void **)&s->recs, &s->rcap, s->nrecs + 1, sizeof *s->recs))
            return part_fail(t, "out of memory");
        pr_rec *rec = &s->recs[s->nrecs++];
        rec->line = it->line;
        rec->first = s->ndecs;
        if (apply_event(t, s, it)) return -1;
        rec->end = s->ndecs;
    }
    return 0;
}

static void *part_main(void *arg)
{
    pr_part *t = arg;
    prun *p = t->p;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (t->next >= p->filling && !p->stop) pthread_cond_wait(&p->work, &p->mu);
        if (t->next >= p->filling) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        pthread_mutex_unlock(&p->mu);
        pr_batch *b = &p->ring[t->next % PR_DEPTH];
        t->work = b->slice[t->idx];
        int bad = t->failed || apply_slice(t, &t->work);
        b->slice[t->idx] = t->work;
        pthread_mutex_lock(&p->mu);
        if (bad) p->failed = 1;
        if (--b->pending == 0 || bad) pthread_cond_broadcast(&p->done);
        pthread_mutex_unlock(&p->mu);
        t->next++;
    }
    return NULL;
}

/* ---- the reader's side ----------------------------------------------------------------- */

static int failp(prun *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int failp(prun *p, const char *fmt, ...)
{
    if (!p->err[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err, sizeof p->err, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* The merged lines go to the descriptor straight from the partitions' buffers
 * (writev: no copy here; prun is out's only writer, its stdio buffer is empty). */
static int write_out(prun *p)
{
    struct iovec *v = p->iov;
    int n = p->niov;
    if (n && fflush(p->out) != 0) n = -1;
    while (n > 0) {
        ssize_t w = writev(fileno(p->out), v, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        while (n > 0 && (size_t)w >= v->iov_len) {
            w -= (ssize_t)v->iov_len;
            v++;
            n--;
        }
        if (n > 0) {
            v->iov_base = (char *)v->iov_base + w;
            v->iov_len -= (size_t)w;
        }
    }
    if (n != 0) {
        p->write_error = errno ? errno : EIO;
        return failp(p, "cannot write the decisions: %s", strerror(p->write_error));
    }
    p->niov = 0;
    return 0;
}

/* Write decision d of slice s as the next of the stream. */
static int put_decision(prun *p, const pr_slice *s, const pr_dec *d)
{
    static const char head[] = "{\"seq\":0,";
    const char *txt = s->text + d->off;
    if (d->len < sizeof head - 1 || memcmp(txt, head, sizeof head - 1))
        return failp(p, "internal error: a decision does not start with its seq");
    if (p->niov + 2 > PR_IOV && write_out(p)) return -1;
    char *num = p->nums[p->niov / 2], *e = num + sizeof p->nums[0], *b = e;
    uint64_t v = ++p->seq;
    do *--b = (char)('0' + v % 10); while (v /= 10);
    memcpy(b -= 7, head, 7);
    p->iov[p->niov++] = (struct iovec){b, (size_t)(e - b)};
    p->iov[p->niov++] = (struct iovec){(char *)txt + 8, d->len - 8 + 1}; /* from the comma on, with the newline */
    return 0;
}

static void reset_batch(prun *p, pr_batch *b)
{
    b->nlines = 0;
    b->nmoves = 0;
    for (unsigned i = 0; i < p->n; i++) {
        pr_slice *s = &b->slice[i];
        s->nitems = s->alen = s->ndecs = s->ntdecs = s->nrecs = s->tlen = 0;
    }
}

/* Merge batch b's decisions into one engine's order: per line, when it moved
 * the time to T, every partition's timers up to T, by (instant, creation
 * order); then its own decisions. */
static int merge_batch(prun *p, pr_batch *b)
{
    size_t cur[PRUN_MAX_THREADS] = {0}, tpos[PRUN_MAX_THREADS] = {0};
    size_t mv = 0;
    for (uint32_t line = 0; line < b->nlines; line++) {
        if (mv < b->nmoves && b->moves[mv].line == line) {
            int64_t to = b->moves[mv++].to;
            for (;;) {
                int best = -1;
                const pr_dec *bd = NULL;
                for (unsigned q = 0; q < p->n; q++) {
                    const pr_slice *s = &b->slice[q];
                    if (tpos[q] >= s->ntdecs) continue;
                    const pr_dec *d = &s->tdecs[tpos[q]];
                    if (d->at > to) continue;
                    if (!bd || d->at < bd->at || (d->at == bd->at && d->key < bd->key)) {
                        best = (int)q;
                        bd = d;
                    }
                }
                if (best < 0) break;
                tpos[best]++;
                if (put_decision(p, &b->slice[best], bd)) return -1;
            }
        }
        int q = b->owner[line];
        if (q >= 0) {
            const pr_slice *s = &b->slice[q];
            if (cur[q] >= s->nrecs || s->recs[cur[q]].line != line)
                return failp(p, "internal error: line %u lost in partition %d", line, q);
            for (size_t i = s->recs[cur[q]].first; i < s->recs[cur[q]].end; i++)
                if (put_decision(p, s, &s->decs[i])) return -1;
            cur[q]++;
        }
    }
    for (unsigned q = 0; q < p->n; q++)
        if (tpos[q] != b->slice[q].ntdecs)
            return failp(p, "internal error: a timer of partition %u fired after its time", q);
    return write_out(p); /* before the batch's buffers are used again */
}

/* Wait for the oldest batch in flight and merge it. */
static int merge_oldest(prun *p)
{
    pr_batch *b = &p->ring[p->merged % PR_DEPTH];
    pthread_mutex_lock(&p->mu);
    while (b->pending && !p->failed) pthread_cond_wait(&p->done, &p->mu);
    int failed = p->failed;
    pthread_mutex_unlock(&p->mu);
    if (failed) {
        for (unsigned i = 0; i < p->n; i++)
            if (p->parts[i].failed) return failp(p, "%s", p->parts[i].err);
        return failp(p, "a partition failed");
    }
    if (merge_batch(p, b)) return -1;
    reset_batch(p, b);
    p->merged++;
    return 0;
}

/* The batch to add a line to (a free slot of the ring, once the oldest batch is
 * merged when none is free). */
static pr_batch *filling_batch(prun *p)
{
    while (p->filling - p->merged >= PR_DEPTH)
        if (merge_oldest(p)) return NULL;
    return &p->ring[p->filling % PR_DEPTH];
}

static int add_item(prun *p, pr_slice *s, uint32_t line, uint32_t kind, int64_t at, size_t off)
{
    if (grow((void **)&s->items, &s->icap, s->nitems + 1, sizeof *s->items))
        return failp(p, "out of memory");
    s->items[s->nitems++] = (pr_item){line, kind, at, off};
    return 0;
}

static int add_move(prun *p, pr_batch *b, uint32_t line, int64_t to)
{
    if (grow((void **)&b->moves, &b->mcap, b->nmoves + 1, sizeof *b->moves))
        return failp(p, "out of memory");
    b->moves[b->nmoves++] = (pr_move){line, to};
    return 0;
}

static int submit(prun *p)
{
    pr_batch *b = &p->ring[p->filling % PR_DEPTH];
    if (!b->nlines) return 0;
    /* every engine at the stream's time, so every timer due in the batch fires in it */
    for (unsigned q = 0; q < p->n; q++) {
        if (p->told[q] == p->now) continue;
        if (add_item(p, &b->slice[q], UINT32_MAX, IT_ADV, p->now, 0)) return -1;
        p->told[q] = p->now;
    }
    pthread_mutex_lock(&p->mu);
    b->pending = p->n;
    p->filling++;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

/* Copy len bytes to the arena (8-byte aligned); *off gets their offset. */
static int arena_put(prun *p, pr_slice *s, const void *src, size_t len, size_t *off)
{
    size_t at = (s->alen + 7) & ~(size_t)7;
    if (grow((void **)&s->arena, &s->acap, at + len + 1, 1)) return failp(p, "out of memory");
    if (len) memcpy(s->arena + at, src, len);
    s->alen = at + len;
    *off = at;
    return 0;
}

/* A pointer stored in the arena: offset + 1 (NULL stays NULL). */
#define AOFF(o) ((const char *)(uintptr_t)((o) + 1))

static int copy_event(prun *p, pr_slice *s, const ev_result *res, size_t *off)
{
    const slate_event *ev = &res->ev;
    pr_evhdr h;
    memset(&h, 0, sizeof h);
    h.ev = *ev;
    size_t rl = strlen(res->reason);
    h.reason_len = (uint32_t)rl;
    int usable = !res->reason[0];
    if (!usable) h.ev.nvalues = 0;
    h.ev.values = NULL;
    if (arena_put(p, s, &h, sizeof h, off) || arena_put(p, s, res->reason, rl, &(size_t){0}))
        return -1;
    size_t o;
    if (ev->case_id) {
        if (arena_put(p, s, ev->case_id, ev->case_len, &o)) return -1;
        ((pr_evhdr *)(s->arena + *off))->ev.case_id = AOFF(o);
    }
    if (ev->id) {
        if (arena_put(p, s, ev->id, ev->id_len, &o)) return -1;
        ((pr_evhdr *)(s->arena + *off))->ev.id = AOFF(o);
    }
    if (h.ev.nvalues) {
        size_t vo;
        if (arena_put(p, s, ev->values, ev->nvalues * sizeof *ev->values, &vo)) return -1;
        ((pr_evhdr *)(s->arena + *off))->ev.values = (const slate_value *)AOFF(vo);
        for (size_t i = 0; i < ev->nvalues; i++) {
            const slate_value *src = &ev->values[i];
            const char *sp = NULL;
            if (src->s) {
                if (arena_put(p, s, src->s, src->len, &o)) return -1;
                sp = AOFF(o);
            }
            ((slate_value *)(s->arena + vo))[i].s = sp;
        }
    }
    return 0;
}

/* Whether one engine would move its time for this line, and to what. */
static int moves_time(const prun *p, const ev_result *res, int64_t *to)
{
    if (res->reason[0]) return 0;
    int64_t at = res->ev.at, now = p->now;
    if (now != INT64_MIN && at <= now) return 0; /* applied at the watermark, or late */
    if (now != INT64_MIN && p->max_skip_ms > 0 &&
        (uint64_t)at - (uint64_t)now > (uint64_t)p->max_skip_ms)
        return 0; /* rejected by runner_feed: time stays */
    *to = at;
    return 1;
}

int prun_feed(prun *p, const ev_result *res)
{
    if (p->err[0]) return -1;
    pr_batch *b = filling_batch(p);
    if (!b) return -1;
    uint32_t line = b->nlines++;
    unsigned owner = res->ev.case_id ? slate_partition(res->ev.case_id, res->ev.case_len, p->n) : 0;
    b->owner[line] = (int16_t)owner;
    int64_t to = 0;
    if (moves_time(p, res, &to)) {
        p->now = to;
        if (add_move(p, b, line, to)) return -1;
    }
    /* the line's engine first catches up with the stream's time (as one engine
     * would be, the other partitions' lines having moved it) */
    int adv = p->told[owner] != p->now;
    p->told[owner] = p->now;
    pr_slice *s = &b->slice[owner];
    size_t off;
    if (copy_event(p, s, res, &off) ||
        add_item(p, s, line, IT_EV | (adv ? IT_ADV : 0), p->now, off))
        return -1;
    if (b->nlines == PR_LINES) return submit(p);
    return 0;
}

int prun_advance(prun *p, int64_t t)
{
    if (p->err[0]) return -1;
    if (p->now != INT64_MIN && t <= p->now) return 0; /* fires nothing: all due is done */
    pr_batch *b = filling_batch(p);
    if (!b) return -1;
    uint32_t line = b->nlines++;
    b->owner[line] = -1;
    p->now = t;
    if (add_move(p, b, line, t)) return -1; /* the advances come with the batch's end */
    if (b->nlines == PR_LINES) return submit(p);
    return 0;
}

int prun_flush(prun *p)
{
    if (p->err[0] || submit(p)) return -1;
    while (p->merged < p->filling)
        if (merge_oldest(p)) return -1;
    if (write_out(p)) return -1;
    if (fflush(p->out) != 0) {
        p->write_error = errno ? errno : EIO;
        return failp(p, "cannot write the decisions: %s", strerror(p->write_error));
    }
    return 0;
}

int64_t prun_now(const prun *p)
{
    return p->now;
}

const char *prun_error(const prun *p, int *write_error)
{
    if (write_error) *write_error = p->write_error;
    return p->err[0] ? p->err : NULL;
}

prun_stats prun_get_stats(const prun *p)
{
    prun_stats st = {p->seq, 0, 0};
    for (unsigned i = 0; i < p->n; i++) {
        if (!p->parts[i].have_runner) continue;
        st.rejects += p->parts[i].rejects;
        st.open_cases += slate_engine_open_cases(p->parts[i].r.eng);
    }
    return st;
}

prun *prun_new(const prun_opts *o, char *err, size_t errsize)
{
    prun *p = calloc(1, sizeof *p);
    if (!p || o->threads < 2 || o->threads > PRUN_MAX_THREADS) {
        snprintf(err, errsize, p ? "--threads: expected 1 to %d" : "out of memory",
                 PRUN_MAX_THREADS);
        free(p);
        return NULL;
    }
    p->n = o->threads;
    p->prog = o->prog;
    p->max_skip_ms = o->max_skip_ms;
    p->out = o->out;
    p->now = INT64_MIN;
    p->opened_type = slate_program_event_id(o->prog, "opened");
    for (unsigned i = 0; i < PRUN_MAX_THREADS; i++) p->told[i] = INT64_MIN;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    p->parts = calloc(p->n, sizeof *p->parts);
    int ok = p->parts != NULL;
    for (unsigned i = 0; ok && i < PR_DEPTH; i++)
        ok = (p->ring[i].slice = calloc(p->n, sizeof *p->ring[i].slice)) != NULL;
    for (unsigned i = 0; ok && i < p->n; i++) {
        pr_part *t = &p->parts[i];
        t->p = p;
        t->idx = i;
        dj_memo_init(&t->memo);
        if (!(t->res = malloc(sizeof *t->res))) {
            ok = 0;
            break;
        }
        if (runner_init(&t->r, o->prog, &o->eo, NULL, NULL, NULL)) {
            snprintf(err, errsize, "%s", t->r.err);
            t->have_runner = 1;
            prun_free(p);
            return NULL;
        }
        t->have_runner = 1;
        t->r.max_skip_ms = o->max_skip_ms;
        t->r.out.next = part_sink; /* the runner's own rejects */
        t->r.out.next_ud = t;
        t->r.sink = part_sink;     /* the engine's decisions, not renumbered by dout */
        t->r.sink_ud = t;
    }
    for (unsigned i = 0; ok && i < p->n; i++) {
        if (pthread_create(&p->parts[i].th, NULL, part_main, &p->parts[i])) {
            snprintf(err, errsize, "cannot start a thread: %s", strerror(errno));
            prun_free(p);
            return NULL;
        }
        p->parts[i].started = 1;
    }
    if (!ok) {
        snprintf(err, errsize, "out of memory");
        prun_free(p);
        return NULL;
    }
    return p;
}

void prun_free(prun *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (unsigned i = 0; p->parts && i < p->n; i++) {
        pr_part *t = &p->parts[i];
        if (t->started) pthread_join(t->th, NULL);
        if (t->have_runner) runner_release(&t->r);
        cm_free(&t->map);
        free(t->res);
    }
    for (unsigned i = 0; i < PR_DEPTH; i++) {
        for (unsigned q = 0; p->ring[i].slice && q < p->n; q++) {
            pr_slice *s = &p->ring[i].slice[q];
            free(s->items);
            free(s->arena);
            free(s->decs);
            free(s->tdecs);
            free(s->recs);
            free(s->text);
        }
        free(p->ring[i].slice);
        free(p->ring[i].moves);
    }
    free(p->parts);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    free(p);
}
