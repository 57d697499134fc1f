/*
 * closed.c - closed cases kept for reopening (`reopen within D`), in a compact
 * form, until they can no longer matter.
 *
 * Part of the engine (see engine_int.h; the rules are in docs/semantics.md,
 * "Reopening").  When a program says `reopen within D`, a case leaving the
 * store at `closed` is written here as one variable-length record: its id, the
 * close instant, creation order, level, the fields that are not zero, and only
 * the clocks a reopening brings back (stopped clocks that reopen, section 8),
 * with numbers as LEB128 varints.  Records are appended in close order (the
 * watermark never goes back), so expiry pops them from the front; an open-
 * addressing table of offsets finds one by id.  A record is kept for twice the
 * period: for the first, the reopening event brings the case back; for the
 * second, an event for it is rejected with a reason that names the close.
 *
 * Allocation happens only in cl_reserve (before the event changes anything,
 * like the case store) and in the snapshot and swap paths.  Not here: when a
 * case closes or comes back (push.c), the clocks' reopening (clock.c).
 */
#include <stdio.h>
#include <string.h>

#include "engine_int.h"
#include "timestamp.h"

/* Record header: u32 length (bit 31: taken back), i64 close instant, u32 hash. */
#define CL_HDR 16
#define CL_DEAD 0x80000000u

static inline uint32_t get32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline int64_t get64(const unsigned char *p)
{
    int64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline size_t put_u(unsigned char *o, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        o[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    o[n++] = (unsigned char)v;
    return n;
}

static inline size_t put_i(unsigned char *o, int64_t v)
{
    return put_u(o, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

typedef struct clr {
    const unsigned char *p, *end;
    int bad;
} clr;

static uint64_t get_u(clr *r)
{
    uint64_t v = 0;
    for (unsigned s = 0; s < 64; s += 7) {
        if (r->p >= r->end) break;
        unsigned b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << s;
        if (!(b & 0x80)) return v;
    }
    r->bad = 1;
    return 0;
}

static int64_t get_i(clr *r)
{
    uint64_t u = get_u(r);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* Whether clock ci of a case closed in this state is kept: what clk_reopen
 * brings back (a stopped declared clock that reopens). */
static int kept_clock(const cl_layout *l, uint32_t ci, const eng_clock *k)
{
    const prog_clock *pc = &l->p->clocks[ci];
    return k->state == CS_STOPPED && pc->kind == PCK_DECLARED && (pc->flags & PCF_REOPENS);
}

size_t cl_max_record(const cl_layout *l, size_t id_len)
{
    return CL_HDR + 3 * 10 + id_len + 10 + (size_t)l->nfields * 15 + (size_t)l->nset * 10 + 10 +
           (size_t)l->nclocks * 30;
}

size_t cl_encode(const cl_layout *l, const eng_case *c, int64_t closed_at, unsigned char *o)
{
    const int64_t *f = (const int64_t *)(const void *)(c + 1);
    const eng_clock *k = (const eng_clock *)(const void *)(f + l->nfields);
    const uint64_t *g = (const uint64_t *)(const void *)(k + l->nclocks);
    memcpy(o + 4, &closed_at, 8);
    memcpy(o + 12, &c->hash, 4);
    size_t n = CL_HDR;
    n += put_u(o + n, c->created);
    n += put_u(o + n, (uint64_t)c->level);
    n += put_u(o + n, c->id_len);
    memcpy(o + n, case_id(c), c->id_len);
    n += c->id_len;
    uint32_t nz = 0, nk = 0;
    for (uint32_t i = 0; i < l->nfields; i++) nz += f[i] != 0;
    n += put_u(o + n, nz);
    for (uint32_t i = 0; i < l->nfields; i++)
        if (f[i]) {
            n += put_u(o + n, i);
            n += put_i(o + n, f[i]);
        }
    for (uint32_t i = 0; i < l->nset; i++) n += put_u(o + n, g[i]);
    for (uint32_t i = 0; i < l->nclocks; i++) nk += kept_clock(l, i, &k[i]);
    n += put_u(o + n, nk);
    for (uint32_t i = 0; i < l->nclocks; i++)
        if (kept_clock(l, i, &k[i])) {
            n += put_u(o + n, i);
            n += put_u(o + n, (uint64_t)k[i].elapsed);
            n += put_u(o + n, k[i].fired);
            n += put_u(o + n, k[i].breach);
        }
    uint32_t len = (uint32_t)n;
    memcpy(o, &len, 4);
    return n;
}

/* Decode the record's body into the zeroed record c (l's stride), every value
 * checked against l and the engine's string table when `check`.  0, or -1 for
 * a record that is not one this layout could have written. */
int cl_decode(const slate_engine *e, const cl_layout *l, const unsigned char *rec, size_t len,
              eng_case *c, const char **id, int check)
{
    const slate_program *p = l->p;
    clr r = {rec + CL_HDR, rec + len, 0};
    int64_t *f = (int64_t *)(void *)(c + 1);
    eng_clock *k = (eng_clock *)(void *)(f + l->nfields);
    uint64_t *g = (uint64_t *)(void *)(k + l->nclocks);
    if (len < CL_HDR) return -1;
    memcpy(&c->hash, rec + 12, 4);
    c->created = get_u(&r);
    c->level = (int64_t)get_u(&r);
    uint64_t idl = get_u(&r);
    if (r.bad || idl == 0 || idl > ENG_MAX_ID || idl > (uint64_t)(r.end - r.p)) return -1;
    *id = (const char *)r.p;
    c->id_len = (uint16_t)idl;
    r.p += idl;
    c->tier = PROG_NONE;
    for (uint32_t i = 0; i < l->nclocks; i++) {
        k[i].target = ENG_NONE;
        k[i].heap = ENG_NONE;
    }
    uint64_t nz = get_u(&r);
    if (r.bad || nz > l->nfields) return -1;
    for (uint64_t j = 0, last = 0; j < nz; j++) {
        uint64_t fi = get_u(&r);
        int64_t v = get_i(&r);
        if (r.bad || fi >= l->nfields || (j && fi <= last)) return -1;
        last = fi;
        f[fi] = v;
        if (!check) continue;
        const prog_field *pf = &p->fields[fi];
        if ((pf->type == PT_ENUM && (v < 0 || (uint64_t)v >= pf->nvalues)) ||
            (pf->type == PT_BOOL && v != 1) ||
            (pf->type == PT_STRING && ((uint64_t)v >= e->st.n || !e->st.v[v].s)))
            return -1;
    }
    for (uint32_t i = 0; i < l->nset; i++) g[i] = get_u(&r);
    uint64_t nk = get_u(&r);
    if (r.bad || nk > l->nclocks) return -1;
    for (uint64_t j = 0, last = 0; j < nk; j++) {
        uint64_t ci = get_u(&r);
        if (r.bad || ci >= l->nclocks || (j && ci <= last)) return -1;
        last = ci;
        eng_clock *x = &k[ci];
        x->state = CS_STOPPED;
        uint64_t el = get_u(&r), fired = get_u(&r), br = get_u(&r);
        if (r.bad || el > 1000000000000000ull || fired > UINT32_MAX || br > UINT16_MAX) return -1;
        x->elapsed = (int64_t)el;
        x->fired = (uint32_t)fired;
        x->breach = (uint16_t)br;
        if (check && (!kept_clock(l, (uint32_t)ci, x) || br > e->aux.nbreach ||
                      (e->aux.nkeys[ci] < 32 && fired >> e->aux.nkeys[ci])))
            return -1;
    }
    if (r.bad || r.p != r.end) return -1;
    if (check && (c->created == 0 || c->created > e->ncreated || c->level < 0 ||
                  (p->nlevels ? (uint64_t)c->level >= p->nlevels : c->level != 0) ||
                  c->hash != cs_hash(*id, c->id_len)))
        return -1;
    return 0;
}

cl_layout cl_layout_of(const slate_engine *e)
{
    return (cl_layout){e->prog, e->nfields, e->nclocks, e->nset, e->stride};
}

/* ---- the verdict on an event for a closed case ------------------------------------ */

static int reopens_on(const slate_program *p, int type)
{
    for (uint32_t i = 0; i < p->nreopen; i++)
        if (p->reopen[i].event == type) return 1;
    return 0;
}

int cl_verdict(slate_engine *e, const slate_event *ev, int64_t closed)
{
    const slate_program *p = e->prog;
    int64_t t = e->now != INT64_MIN && ev->at < e->now ? e->now : ev->at;
    int64_t within = p->reopen[0].within_ms;
    char c[40], until[40], per[40], ago[40];
    fmt_time(c, sizeof c, closed);
    fmt_time(until, sizeof until, closed + within);
    fmt_dur(per, sizeof per, within);
    fmt_dur(ago, sizeof ago, t - closed);
    int len = (int)ev->case_len;
    if (t - closed > within) {
        snprintf(e->reason, sizeof e->reason,
                 "case `%.*s` was closed at %s, %s ago: past its reopen period of %s (it ended %s)",
                 len, ev->case_id, c, ago, per, until);
        return 1;
    }
    if (reopens_on(p, ev->type)) return 0;
    snprintf(e->reason, sizeof e->reason, "case `%.*s` is closed (at %s); `%s` brings it back until %s",
             len, ev->case_id, c, prog_str(p, p->events[p->reopen[0].event].name), until);
    return 1;
}

/* ---- the store ----------------------------------------------------------------- */

void cl_free(slate_engine *e)
{
    eng_realloc(&e->al, e->closed.buf, 0);
    eng_realloc(&e->al, e->closed.tab, 0);
    int64_t keep = e->closed.keep_ms;
    memset(&e->closed, 0, sizeof e->closed);
    e->closed.keep_ms = keep;
}

int64_t cl_keep_ms(const slate_program *p)
{
    return p->nreopen ? 2 * p->reopen[0].within_ms : 0;
}

static void tab_insert(eng_closed *s, uint32_t off)
{
    uint32_t b = get32(s->buf + off + 12) & s->tabmask;
    while (s->tab[b]) b = (b + 1) & s->tabmask;
    s->tab[b] = off + 1;
}

/* Rebuild the table from the records (after they moved), at `size` buckets. */
static void tab_rebuild(eng_closed *s)
{
    memset(s->tab, 0, sizeof *s->tab * ((size_t)s->tabmask + 1));
    for (size_t off = s->head; off < s->len; off += get32(s->buf + off) & ~CL_DEAD)
        if (!(get32(s->buf + off) & CL_DEAD)) tab_insert(s, (uint32_t)off);
}

/* Move the live records to the front of the buffer (dropping those taken
 * back) and rebuild the table. */
static void compact(eng_closed *s)
{
    size_t to = 0;
    for (size_t off = s->head, n; off < s->len; off += n) {
        uint32_t w = get32(s->buf + off);
        n = w & ~CL_DEAD;
        if (w & CL_DEAD) continue;
        memmove(s->buf + to, s->buf + off, n);
        to += n;
    }
    s->head = 0;
    s->len = to;
    tab_rebuild(s);
}

int cl_reserve(slate_engine *e, size_t need)
{
    eng_closed *s = &e->closed;
    if (((size_t)s->count + 1) * 4 > ((size_t)s->tabmask + 1) * 3 || !s->tab) { /* load <= 3/4 */
        size_t n = s->tab ? ((size_t)s->tabmask + 1) * 2 : 64;
        uint32_t *t = eng_realloc(&e->al, NULL, sizeof *t * n);
        if (!t) return SLATE_NOMEM;
        eng_realloc(&e->al, s->tab, 0);
        s->tab = t;
        s->tabmask = (uint32_t)(n - 1);
        tab_rebuild(s);
    }
    if (s->len + need <= s->cap) return SLATE_OK;
    /* the live records move to the front (dropping those taken back) when that
     * frees at least half the buffer; else it doubles */
    size_t live = 0;
    for (size_t off = s->head; off < s->len; off += get32(s->buf + off) & ~CL_DEAD)
        if (!(get32(s->buf + off) & CL_DEAD)) live += get32(s->buf + off);
    if (live + need <= s->cap / 2) {
        compact(s);
        return SLATE_OK;
    }
    size_t cap = s->cap ? s->cap : 4096;
    while (cap < s->len + need) cap *= 2;
    if (cap > UINT32_MAX / 2) return SLATE_NOMEM; /* offsets are 32-bit */
    unsigned char *b = eng_realloc(&e->al, s->buf, cap);
    if (!b) return SLATE_NOMEM;
    s->buf = b;
    s->cap = cap;
    return SLATE_OK;
}

int cl_shrink(slate_engine *e)
{
    eng_closed *s = &e->closed;
    if (!s->buf) return SLATE_OK;
    if (!s->count) {
        eng_realloc(&e->al, s->buf, 0);
        eng_realloc(&e->al, s->tab, 0);
        s->buf = NULL;
        s->tab = NULL;
        s->cap = s->head = s->len = 0;
        s->tabmask = 0;
        return SLATE_OK;
    }
    compact(s);
    int rc = SLATE_OK;
    size_t cap = 4096;
    while (cap < s->len + s->len / 2) cap *= 2;
    if (cap < s->cap) {
        unsigned char *b = eng_realloc(&e->al, s->buf, cap);
        if (b) {
            s->buf = b;
            s->cap = cap;
        } else {
            rc = SLATE_NOMEM;
        }
    }
    size_t n = 64;
    while (n < 4 * (size_t)s->count) n *= 2;
    if (n < (size_t)s->tabmask + 1) {
        uint32_t *t = eng_realloc(&e->al, NULL, sizeof *t * n);
        if (t) {
            eng_realloc(&e->al, s->tab, 0);
            s->tab = t;
            s->tabmask = (uint32_t)(n - 1);
            tab_rebuild(s);
        } else {
            rc = SLATE_NOMEM;
        }
    }
    return rc;
}

void cl_put(slate_engine *e, uint32_t slot)
{
    eng_closed *s = &e->closed;
    cl_layout l = cl_layout_of(e);
    size_t n = cl_encode(&l, cs_case(&e->cs, slot), e->now, s->buf + s->len);
    tab_insert(s, (uint32_t)s->len);
    s->len += n;
    s->count++;
}

size_t cl_append(slate_engine *e, const unsigned char *rec, size_t n)
{
    eng_closed *s = &e->closed;
    memcpy(s->buf + s->len, rec, n);
    size_t off = s->len;
    tab_insert(s, (uint32_t)off);
    s->len += n;
    s->count++;
    return off;
}

int cl_restore(slate_engine *t, const unsigned char *rec, size_t len, int64_t *prev,
               const char **why)
{
    cl_layout l = cl_layout_of(t);
    eng_case *c = eng_realloc(&t->al, NULL, l.stride);
    if (!c) return SLATE_NOMEM;
    memset(c, 0, l.stride);
    const char *id;
    int64_t at = len >= CL_HDR ? get64(rec + 4) : 0;
    int rc = SLATE_ERROR;
    if (len < CL_HDR || get32(rec) != len || cl_decode(t, &l, rec, len, c, &id, 1))
        *why = "malformed";
    else if (at < *prev || at > t->now || at < TS_MIN_MS)
        *why = "close instant out of order or range";
    else if (cs_find(&t->cs, id, c->id_len, c->hash) != ENG_NONE ||
             cl_find(t, id, c->id_len, c->hash) != CL_NONE)
        *why = "its id is open, or closed twice";
    else if (cl_reserve(t, len))
        rc = SLATE_NOMEM;
    else {
        cl_append(t, rec, len);
        *prev = at;
        rc = SLATE_OK;
    }
    eng_realloc(&t->al, c, 0);
    return rc;
}

size_t cl_find(const slate_engine *e, const char *id, size_t len, uint32_t hash)
{
    const eng_closed *s = &e->closed;
    if (!s->count) return CL_NONE;
    for (uint32_t b = hash & s->tabmask; s->tab[b]; b = (b + 1) & s->tabmask) {
        const unsigned char *r = s->buf + s->tab[b] - 1;
        if (get32(r + 12) != hash) continue;
        clr rd = {r + CL_HDR, r + (get32(r) & ~CL_DEAD), 0};
        get_u(&rd);
        get_u(&rd);
        if (get_u(&rd) == len && !rd.bad && (size_t)(rd.end - rd.p) >= len &&
            !memcmp(rd.p, id, len))
            return s->tab[b] - 1;
    }
    return CL_NONE;
}

int64_t cl_closed_at(const slate_engine *e, size_t off)
{
    return get64(e->closed.buf + off + 4);
}

/* Remove the table's entry for the record at off (backward-shift deletion). */
static void tab_remove(eng_closed *s, uint32_t off)
{
    uint32_t b = get32(s->buf + off + 12) & s->tabmask;
    while (s->tab[b] != off + 1) b = (b + 1) & s->tabmask;
    for (uint32_t j = (b + 1) & s->tabmask; s->tab[j]; j = (j + 1) & s->tabmask) {
        uint32_t home = get32(s->buf + s->tab[j] - 1 + 12) & s->tabmask;
        /* the entry at j may move to b when b lies between its home and j */
        if (((j - home) & s->tabmask) >= ((j - b) & s->tabmask)) {
            s->tab[b] = s->tab[j];
            b = j;
        }
    }
    s->tab[b] = 0;
}

void cl_take(slate_engine *e, size_t off)
{
    eng_closed *s = &e->closed;
    tab_remove(s, (uint32_t)off);
    uint32_t w = get32(s->buf + off) | CL_DEAD;
    memcpy(s->buf + off, &w, 4);
    s->count--;
    if (!s->count) s->head = s->len = 0;
}

uint32_t cl_revive(slate_engine *e, size_t off, uint32_t hash)
{
    eng_closed *s = &e->closed;
    const unsigned char *r = s->buf + off;
    clr rd = {r + CL_HDR, r + (get32(r) & ~CL_DEAD), 0};
    get_u(&rd);
    get_u(&rd);
    size_t idl = (size_t)get_u(&rd);
    uint32_t slot = cs_add(&e->cs, (const char *)rd.p, idl, hash);
    eng_case *c = cs_case(&e->cs, slot);
    /* decode into the zeroed record; the id stays where cs_add put it */
    const char *id;
    cl_layout l = cl_layout_of(e);
    cl_decode(e, &l, r, get32(r) & ~CL_DEAD, c, &id, 0);
    eng_clock *k = case_clocks(e, c);
    for (uint32_t ci = 0; ci < e->nclocks; ci++) k[ci].since = e->now;
    cl_take(e, off);
    return slot;
}

void cl_expire(slate_engine *e)
{
    eng_closed *s = &e->closed;
    while (s->head < s->len) {
        const unsigned char *r = s->buf + s->head;
        uint32_t w = get32(r);
        if (!(w & CL_DEAD)) {
            if (e->now - get64(r + 4) <= s->keep_ms) break;
            tab_remove(s, (uint32_t)s->head);
            s->count--;
        }
        s->head += w & ~CL_DEAD;
    }
    if (!s->count) s->head = s->len = 0;
}

void cl_mark_strings(const slate_engine *e, void (*mark)(uint8_t *, uint32_t, int64_t),
                     uint8_t *keep, uint32_t n)
{
    const eng_closed *s = &e->closed;
    const slate_program *p = e->prog;
    for (size_t off = s->head, len; off < s->len; off += len) {
        uint32_t w = get32(s->buf + off);
        len = w & ~CL_DEAD;
        if (w & CL_DEAD) continue;
        clr rd = {s->buf + off + CL_HDR, s->buf + off + len, 0};
        get_u(&rd);
        get_u(&rd);
        rd.p += get_u(&rd);
        uint64_t nz = get_u(&rd);
        for (uint64_t j = 0; j < nz && !rd.bad; j++) {
            uint64_t fi = get_u(&rd);
            int64_t v = get_i(&rd);
            if (fi < p->nfields && p->fields[fi].type == PT_STRING) mark(keep, n, v);
        }
    }
}

int cl_given(const slate_engine *e, size_t off, uint32_t f)
{
    const unsigned char *r = e->closed.buf + off;
    clr rd = {r + CL_HDR, r + (get32(r) & ~CL_DEAD), 0};
    get_u(&rd);
    get_u(&rd);
    rd.p += get_u(&rd);
    uint64_t nz = get_u(&rd);
    for (uint64_t j = 0; j < nz && !rd.bad; j++) {
        get_u(&rd);
        get_i(&rd);
    }
    uint64_t w = 0;
    for (uint32_t i = 0; i <= f >> 6 && !rd.bad; i++) w = get_u(&rd);
    return !rd.bad && (w >> (f & 63) & 1);
}

size_t cl_next(const slate_engine *e, size_t off, const unsigned char **rec, size_t *len)
{
    const eng_closed *s = &e->closed;
    if (off == CL_NONE) off = s->head;
    while (off < s->len) {
        uint32_t w = get32(s->buf + off);
        size_t n = w & ~CL_DEAD;
        if (!(w & CL_DEAD)) {
            *rec = s->buf + off;
            *len = n;
            return off + n;
        }
        off += n;
    }
    return CL_NONE;
}
