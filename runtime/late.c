/*
 * late.c - the buffer of events within the tolerance (slate.h, "tolerance"):
 * copies of the events whose time is after the watermark, taken out earliest
 * first (ties: in arrival order) as the watermark passes them.
 *
 * Part of the engine (see engine_int.h).  Entries are a binary min-heap by
 * (at, arrival number); each entry's bytes (values, case id, event id, string
 * values) sit in one arena, appended in arrival order.  An entry taken out
 * leaves a hole that is reclaimed when the arena fills: the live entries are
 * moved down in arrival order (sorted by arrival number, which is their order in
 * the arena) and the heap is rebuilt sorted by (at, arrival number), which a
 * sorted array already is.  The arena doubles only when the live bytes take
 * more than half of it after that, the heap's array when it is full: so memory
 * follows the most events ever waiting at once (those within the tolerance of
 * the latest time), and nothing is allocated per event once that peak has been
 * seen.  lb_trim gives it all back when nothing waits.
 *
 * Not here: when events are buffered or taken out, or how they are applied
 * (push.c, watermark.c).
 */
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

static int by_time(const lb_entry *a, const lb_entry *b)
{
    if (a->at != b->at) return a->at < b->at ? -1 : 1;
    return (a->ord > b->ord) - (a->ord < b->ord);
}

static int cmp_time(const void *a, const void *b)
{
    return by_time(a, b);
}

static int cmp_ord(const void *a, const void *b)
{
    const lb_entry *x = a, *y = b;
    return (x->ord > y->ord) - (x->ord < y->ord);
}

static void sift_up(lb_entry *h, uint32_t i)
{
    lb_entry x = h[i];
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (by_time(&h[p], &x) <= 0) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = x;
}

static void sift_down(lb_entry *h, uint32_t n, uint32_t i)
{
    lb_entry x = h[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && by_time(&h[c + 1], &h[c]) < 0) c++;
        if (by_time(&x, &h[c]) <= 0) break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

/* Move the live entries' bytes down to the start of the arena, in arrival
 * order (= arena order, so each move goes down or stays). */
static void compact(latebuf *b)
{
    qsort(b->h, b->n, sizeof *b->h, cmp_ord);
    size_t at = 0;
    for (uint32_t i = 0; i < b->n; i++) {
        lb_entry *x = &b->h[i];
        if (x->off != at) memmove(b->mem + at, b->mem + x->off, x->bytes);
        x->off = at;
        at += x->bytes;
    }
    b->used = at;
    qsort(b->h, b->n, sizeof *b->h, cmp_time); /* sorted: a valid heap */
}

/* Room for `need` more bytes and one more entry; 0 or SLATE_NOMEM with nothing
 * changed (a compaction changes no entry's order or contents). */
static int reserve(slate_engine *e, size_t need)
{
    latebuf *b = &e->lb;
    if (b->n == b->cap) {
        uint32_t cap = b->cap ? b->cap * 2 : 64;
        if (cap <= b->cap) return SLATE_NOMEM;
        lb_entry *h = eng_realloc(&e->al, b->h, sizeof *h * cap);
        if (!h) return SLATE_NOMEM;
        b->h = h;
        b->cap = cap;
    }
    /* b->mem is allocated even for an entry of no bytes: lb_insert does
     * arithmetic on it, which is undefined on NULL. */
    if (b->mem && need <= b->memcap - b->used) return SLATE_OK;
    if (b->mem && b->live + need <= b->memcap / 2) {
        compact(b);
        return SLATE_OK;
    }
    size_t cap = b->memcap ? b->memcap : 4096;
    while (cap < 2 * (b->live + need)) {
        if (cap > SIZE_MAX / 2) return SLATE_NOMEM;
        cap *= 2;
    }
    unsigned char *m = eng_realloc(&e->al, b->mem, cap);
    if (!m) return SLATE_NOMEM;
    b->mem = m;
    b->memcap = cap;
    if (b->live < b->used) compact(b);
    return SLATE_OK;
}

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

int lb_insert(slate_engine *e, const slate_event *ev)
{
    latebuf *b = &e->lb;
    size_t strings = 0;
    for (size_t i = 0; i < ev->nvalues; i++)
        if (ev->values[i].s) strings += ev->values[i].len;
    size_t id_len = ev->id ? ev->id_len : 0, case_len = ev->case_id ? ev->case_len : 0;
    size_t bytes = align8(sizeof(slate_value) * ev->nvalues + case_len + id_len + strings);
    if (ev->nvalues > UINT32_MAX || reserve(e, bytes)) return SLATE_NOMEM;
    lb_entry *x = &b->h[b->n];
    x->at = ev->at;
    x->ord = b->next_ord++;
    x->seq = ev->seq;
    x->off = b->used;
    x->bytes = bytes;
    x->case_len = case_len;
    x->id_len = id_len;
    x->nvalues = (uint32_t)ev->nvalues;
    x->type = ev->type;
    x->has_case = ev->case_id != NULL;
    x->has_id = ev->id != NULL;
    unsigned char *p = b->mem + b->used;
    if (ev->nvalues) memcpy(p, ev->values, sizeof(slate_value) * ev->nvalues);
    p += sizeof(slate_value) * ev->nvalues;
    if (case_len) memcpy(p, ev->case_id, case_len);
    p += case_len;
    if (id_len) memcpy(p, ev->id, id_len);
    p += id_len;
    for (size_t i = 0; i < ev->nvalues; i++)
        if (ev->values[i].s && ev->values[i].len) {
            memcpy(p, ev->values[i].s, ev->values[i].len);
            p += ev->values[i].len;
        }
    b->used += bytes;
    b->live += bytes;
    sift_up(b->h, b->n++);
    return SLATE_OK;
}

lb_entry lb_pop(slate_engine *e)
{
    latebuf *b = &e->lb;
    lb_entry top = b->h[0];
    b->h[0] = b->h[--b->n];
    if (b->n) sift_down(b->h, b->n, 0);
    return top;
}

void lb_unpop(slate_engine *e, const lb_entry *x)
{
    latebuf *b = &e->lb;
    b->h[b->n] = *x;
    sift_up(b->h, b->n++);
}

void lb_event(slate_engine *e, const lb_entry *x, slate_event *ev, slate_value **vals)
{
    unsigned char *p = e->lb.mem + x->off;
    slate_value *v = (slate_value *)(void *)p;
    const char *c = (const char *)p + sizeof(slate_value) * x->nvalues;
    const char *s = c + x->case_len + x->id_len;
    for (uint32_t i = 0; i < x->nvalues; i++)
        if (v[i].s) { /* had a string: its bytes follow, in value order */
            v[i].s = s;
            s += v[i].len;
        }
    *vals = v;
    ev->case_id = x->has_case ? c : NULL;
    ev->case_len = x->case_len;
    ev->type = x->type;
    ev->at = x->at;
    ev->id = x->has_id ? c + x->case_len : NULL;
    ev->id_len = x->id_len;
    ev->values = v;
    ev->nvalues = x->nvalues;
    ev->seq = x->seq;
}

void lb_done(slate_engine *e, const lb_entry *x)
{
    latebuf *b = &e->lb;
    b->live -= x->bytes;
    if (b->n == 0) b->used = b->live = 0;
}

void lb_trim(slate_engine *e)
{
    latebuf *b = &e->lb;
    if (b->n) return;
    lb_free(e);
}

void lb_free(slate_engine *e)
{
    latebuf *b = &e->lb;
    eng_realloc(&e->al, b->h, 0);
    eng_realloc(&e->al, b->mem, 0);
    uint64_t ord = b->next_ord;
    memset(b, 0, sizeof *b);
    b->next_ord = ord;
}
