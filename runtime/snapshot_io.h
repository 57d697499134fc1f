/*
 * snapshot_io.h - the snapshot body's numbers and buffers, shared by the two
 * halves of the snapshot code: snapshot.c (the frame, the engine's members,
 * strings, step keys, restore) and snapshot_cases.c (cases, clocks, timers,
 * held events, closed cases).  docs/snapshot.md is the format.
 *
 * Private to libslate's snapshot code.  Not here: any layout of a section (each
 * is written and read in one put_/get_ pair of its .c file).
 */
#ifndef SLATE_SNAPSHOT_IO_H
#define SLATE_SNAPSHOT_IO_H

#include <stdint.h>
#include <string.h>

#include "engine_int.h"

/* ---- numbers --------------------------------------------------------------------- */

static inline uint64_t zz(int64_t v)
{
    return ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
}

static inline int64_t unzz(uint64_t u)
{
    uint64_t m = (u >> 1) ^ (0 - (u & 1));
    return m <= INT64_MAX ? (int64_t)m : -(int64_t)(~m) - 1;
}

/* An instant relative to the watermark, and back (two's complement wrap-around:
 * exact whatever both are). */
static inline uint64_t rel(int64_t t, int64_t now)
{
    return zz((int64_t)((uint64_t)t - (uint64_t)now)) ;
}

static inline int64_t unrel(uint64_t u, int64_t now)
{
    uint64_t m = (uint64_t)unzz(u) + (uint64_t)now;
    return m <= INT64_MAX ? (int64_t)m : -(int64_t)(~m) - 1;
}

/* ---- writing --------------------------------------------------------------------- */

/* The snapshot being written.  w_need makes room for what the next few puts can
 * write at most; the puts themselves do not check. */
typedef struct wbuf {
    unsigned char *b;
    size_t len, cap;
    int nomem;
} wbuf;

#define VMAX 10 /* the longest varint */


/* Room for n more bytes; -1 (and w->nomem set) when there is no memory. */
int sn_need(wbuf *w, size_t n);

static inline void put_u(wbuf *w, uint64_t v)
{
    unsigned char *p = w->b + w->len;
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    w->len = (size_t)(p - w->b);
}

static inline void put_i(wbuf *w, int64_t v)
{
    put_u(w, zz(v));
}

static inline void put_bytes(wbuf *w, const void *s, size_t n)
{
    memcpy(w->b + w->len, s, n);
    w->len += n;
}

/* ---- reading --------------------------------------------------------------------- */

/* The snapshot being read.  The first error sticks: every later read gives 0, so
 * a decoder checks `err` where a value decides what it reads next. */
typedef struct rbuf {
    const unsigned char *p, *end, *start;
    slate_engine *t;   /* the engine being built */
    int err;           /* SLATE_ERROR or SLATE_NOMEM once something failed */
    char msg[200];
} rbuf;




/* The first error sticks (sn_bad: the message; sn_nomem: out of memory);
 * both return it and leave nothing more to read. */
int sn_bad(rbuf *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sn_nomem(rbuf *r);
/* A varint longer than one byte (get_u's slow path). */
uint64_t sn_get_u_long(rbuf *r);
/* A number that must be at most max (what it counts or indexes), else an error
 * naming `what`. */
uint64_t sn_get_max(rbuf *r, uint64_t max, const char *what);
/* n bytes, or NULL (an error) when fewer are left. */
const char *sn_get_bytes(rbuf *r, size_t n);

/* Most numbers are one byte (an error leaves r->p at the end, so it sticks). */
static inline uint64_t get_u(rbuf *r)
{
    if (__builtin_expect(r->p < r->end && *r->p < 0x80, 1)) return *r->p++;
    return sn_get_u_long(r);
}

static inline int64_t get_i(rbuf *r)
{
    return unzz(get_u(r));
}


static inline size_t left(const rbuf *r)
{
    return (size_t)(r->end - r->p);
}


/* ---- snapshot_cases.c ---------------------------------------------------------- */

/* A case's place in the snapshot: the open cases in creation order. */
typedef struct sn_order {
    uint64_t created;
    uint32_t slot;
} sn_order;

/* The open cases in creation order; *pos gets each slot's place in it (so the
 * timers can name cases by place).  Both from the engine's allocator. */
int sn_order_cases(slate_engine *e, sn_order **order, uint32_t **pos);
void sn_put_cases(wbuf *w, const slate_engine *e, const sn_order *order);
void sn_get_cases(rbuf *r, slate_engine *t);
void sn_put_timers(wbuf *w, const slate_engine *e, const uint32_t *pos);
void sn_get_timers(rbuf *r, slate_engine *t);
/* 1 when the engine holds what only a version-2 snapshot can say. */
int sn_needs_v2(const slate_engine *e);
void sn_put_held(wbuf *w, slate_engine *e);
void sn_get_held(rbuf *r, slate_engine *t);
void sn_put_closed(wbuf *w, const slate_engine *e);
void sn_get_closed(rbuf *r, slate_engine *t);

#endif
