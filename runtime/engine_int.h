/*
 * engine_int.h - the engine's private state, shared by its files.
 *
 * Private to libslate.  The engine turns events into decisions for one stream of
 * cases.  Its parts, one file each:
 *
 *   casestore.c  open cases: a hash table keyed by case id over pages of
 *                fixed-size case records, ids in a size-classed arena
 *   timers.c     the timer queue: a 4-ary heap of each running clock's next
 *                ladder point, ordered (instant, case creation, clock)
 *   strings.c    the engine's string interner (registers hold string ids) and the
 *                text formatting of decisions (RFC 3339 times, JSON)
 *   clock.c      clock state: start/stop/pause/resume/reset, working time,
 *                ladder steps and their timers, SLA (re)selection
 *   engine.c     an engine's life (new, free, trim), the read-only queries, the
 *                guard of the entry points
 *   push.c       applying one event: checks, verdict, case lookup, the order of
 *                everything it does (slate_engine_push, _reject)
 *   watermark.c  moving time: timers firing, held events applied as the
 *                watermark passes them (slate_engine_advance, _flush)
 *   decide.c     decisions: building, numbering, rendering values; running a
 *                code block and its actions
 *   prepare.c    the tables derived from a program (eng_aux)
 *   batch.c      slate_engine_push_batch: pushes, with the next events' case
 *                records prefetched
 *   fields.c     fields an event must bring: `required on`, and strict mode
 *   swap.c       hot swap of the program under open cases
 *   trim.c       giving memory back: unused strings, a store past its peak
 *   snapshot.c   the engine's whole state as bytes and back (slate.h, "snapshots"):
 *                the frame, engine members, strings, keys, restore; the case
 *                sections in snapshot_cases.c, their buffers in snapshot_io.h
 *   late.c       the events within the tolerance, held until the watermark
 *                passes them
 *   closed.c     closed cases kept, in compact records, for `reopen within D`
 *
 * All memory comes from the engine's allocator.  Allocation happens only when the
 * store, the heap, the interner or the buffer of held events must grow
 * (amortised doubling), when a string is
 * seen for the first time, in slate_engine_new/swap/free, and when trim.c gives
 * memory back (after many new strings, or once open cases fall well below the
 * store's peak).
 */
#ifndef SLATE_ENGINE_INT_H
#define SLATE_ENGINE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "program.h"
#include "slate.h"

/* Built-in event indices (EV_OPENED, EV_TICK, ...): builtins.def's order, the
 * ids an image gives them. */
enum {
#define BUILTIN_EVENT(id, name, meaning) EV_##id,
#include "builtins.def"
#undef BUILTIN_EVENT
};

#define ENG_NONE UINT32_MAX       /* "no slot / no target / not in the heap" */
#define ENG_MAX_ID 256            /* longest case id, bytes (docs/io.md) */

/* ---- memory ------------------------------------------------------------------ */

/* realloc through the engine's allocator; size 0 frees and returns NULL. */
void *eng_realloc(const slate_allocator *al, void *p, size_t n);

/* ---- case records ---------------------------------------------------------- */

/* CS_WAITING: the clock's start event came while the case's tier gave it no
 * target; it starts late when a tier gives it one (clock.c, late_starts). */
enum { CS_IDLE = 0, CS_ACTIVE, CS_STOPPED, CS_WAITING };

/* One clock of one case.  While it counts, its working time is
 * elapsed + work(since, now) on its target's calendar. */
typedef struct eng_clock {
    int64_t elapsed;   /* working ms counted up to `since`; CS_WAITING: the instant
                          of its start event (settling leaves a clock that does
                          not count alone, so this survives tier changes and swap) */
    int64_t since;     /* start of the current counting stretch (valid while counting) */
    uint32_t target;   /* index into prog->targets, ENG_NONE when untargeted */
    uint32_t heap;     /* position in the timer heap, ENG_NONE when not queued */
    uint32_t fired;    /* step keys fired in this run (eng_aux.keys: bit -> key) */
    uint8_t state;     /* CS_IDLE, CS_ACTIVE, CS_STOPPED, CS_WAITING */
    unsigned paused : 1; /* paused by an event (`pauses on`) */
    unsigned held : 1;   /* held by its `pauses while` condition */
    uint16_t breach;   /* the target this run breached: its key in eng_aux.breach_ms
                          (1-based), 0 while the run has not breached */
} eng_clock;
/* 32 bytes a clock slot (docs/semantics.md, "Memory"): the breach key lives in
 * what was padding, the two flags share a byte. */
_Static_assert(sizeof(eng_clock) == 32, "eng_clock grew");

/* The fixed part of a case record.  The record goes on with
 * int64_t fields[nfields] and eng_clock clocks[nclocks], and in strict mode
 * uint64_t given[eng->nset], bit f set once the case has a value for field f;
 * its size is fixed per program (eng->stride). */
typedef struct eng_case {
    union {            /* not NUL-terminated; read it with case_id() */
        const char *id;          /* id_len > CS_INLINE_ID: in the id arena */
        char idin[16];           /* id_len <= CS_INLINE_ID: the id itself, so a
                                    lookup does not miss on the arena */
    };
    uint64_t created;  /* creation order, from 1; 0 marks a free slot */
    int64_t level;     /* escalation level index */
    uint32_t hash;     /* of the id */
    uint16_t id_len;
    uint16_t tier;     /* prog->tiers index or PROG_NONE */
} eng_case;

/* ---- case store (casestore.c) ---------------------------------------------- */

typedef struct cs_slotref {
    uint32_t hash;
    uint32_t slot;     /* ENG_NONE: empty bucket */
} cs_slotref;

typedef struct cs_chunk cs_chunk;
struct cs_chunk {
    cs_chunk *next;    /* arena chunks, newest first; data starts 16 bytes in */
};

/* Records live in pages of CS_PAGE records each: growing the store adds a page
 * and never moves a record, and the slack is at most one page (a slab grown by
 * doubling kept up to half of itself unused, and copied itself on each growth). */
#define CS_PAGE_SHIFT 10
#define CS_PAGE (1u << CS_PAGE_SHIFT)

typedef struct cstore {
    const slate_allocator *al;
    unsigned char **pages;/* npages pages of CS_PAGE records of `stride` bytes */
    uint32_t npages, pagecap;
    size_t stride;
    uint32_t used;        /* slots ever handed out (high-water mark) */
    uint32_t cap;         /* npages * CS_PAGE */
    uint32_t freehead;    /* freed slots, linked through their records' `hash` */
    uint32_t nfree;
    cs_slotref *tab;      /* open addressing, linear probing, power-of-2 size */
    uint32_t tabmask;
    uint32_t count;       /* open cases */
    cs_chunk *chunks;     /* id arena */
    char *bump, *bump_end;
    char *idfree[6];      /* free lists of id blocks by size class 8..256 */
    size_t arena_bytes;   /* the id arena's chunks, in bytes */
    uint32_t minpages;    /* pages cs_init made (expected cases): never fewer */
    uint32_t shrink_below;/* cap / 4 when there are more pages than that, else 0 */
    uint32_t mintab;      /* the table size cs_init made */
} cstore;

int cs_init(cstore *s, const slate_allocator *al, size_t stride, size_t expect);
void cs_free(cstore *s);
uint32_t cs_hash(const char *id, size_t len);
/* Slot of the open case `id`, or ENG_NONE. */
uint32_t cs_find(const cstore *s, const char *id, size_t len, uint32_t hash);
/* Make sure one more case fits without allocating (0 or SLATE_NOMEM). */
int cs_reserve(cstore *s, size_t id_len);
/* Add a case (after cs_reserve): returns its slot, record zeroed but for the id. */
uint32_t cs_add(cstore *s, const char *id, size_t len, uint32_t hash);
/* Remove the case in `slot`: its id block and slot go to the free lists. */
void cs_remove(cstore *s, uint32_t slot);
/* Re-layout every record to a new stride (hot swap); `move` copies one record. */
int cs_restride(cstore *s, size_t stride, void (*move)(void *ud, const void *from, void *to),
                void *ud);
/* Whether the open cases have fallen to under a quarter of the store's room
 * (and it has more pages than it started with): then cs_shrink pays. */
static inline int cs_shrink_due(const cstore *s)
{
    return s->count < s->shrink_below;
}
/* Give back what a store well below its peak does not need: cases in pages
 * above twice the open cases move down into free slots (`moved` is told each
 * move, to fix what refers to the slot) and those pages are freed; the table
 * shrinks to fit the open cases and the id arena is repacked when it is mostly
 * free.  Never below what cs_init made.  Only the table and the repacked arena
 * allocate; if that fails, they stay as they were (SLATE_NOMEM, all else done). */
int cs_shrink(cstore *s, void (*moved)(void *ud, uint32_t from, uint32_t to), void *ud);

#define CS_INLINE_ID 16 /* sizeof(((eng_case *)0)->idin) */

static inline const char *case_id(const eng_case *c)
{
    return c->id_len <= CS_INLINE_ID ? c->idin : c->id;
}

static inline eng_case *cs_case(const cstore *s, uint32_t slot)
{
    return (eng_case *)(void *)(s->pages[slot >> CS_PAGE_SHIFT] +
                                (size_t)(slot & (CS_PAGE - 1)) * s->stride);
}

/* ---- closed cases kept for reopening (closed.c) ------------------------------- */

/* Records of closed cases in close order in buf[head, len), each found by id
 * through tab (record offset + 1 per bucket, 0 empty; linear probing). */
typedef struct eng_closed {
    unsigned char *buf;
    size_t head, len, cap;
    uint32_t *tab;
    uint32_t tabmask;
    uint32_t count;       /* records not taken back */
    int64_t keep_ms;      /* how long a record is kept: twice the reopen period;
                             0 when the program reopens nothing */
} eng_closed;

#define CL_NONE SIZE_MAX

/* What a record's encoding depends on: the program and the case layout. */
typedef struct cl_layout {
    const slate_program *p;
    uint32_t nfields, nclocks, nset;
    size_t stride;
} cl_layout;

/* ---- timer queue (timers.c) -------------------------------------------------- */

typedef struct tq_entry {
    int64_t at;        /* instant the clock's next step is due */
    uint32_t slot;     /* case (tie-breaker: its record's creation order) */
    uint32_t clock;    /* tie-breaker: clock index */
} tq_entry;

typedef struct tq {
    tq_entry *h;
    uint32_t n, cap;
} tq;

/* ---- strings (strings.c) ------------------------------------------------------ */

typedef struct st_str {
    const char *s;     /* NUL-terminated copy */
    uint32_t len;
    uint32_t hash;
} st_str;

#define ST_NOID UINT32_MAX

typedef struct strtab {
    const slate_allocator *al;
    st_str *v;         /* id -> string; id 0 is ""; s == NULL: a free id */
    uint32_t n, cap;   /* ids below n are in use or free */
    uint32_t *tab;     /* id + 1 per bucket, 0 empty; power-of-2 size */
    uint32_t tabmask;
    cs_chunk *chunks;
    char *bump, *bump_end;
    uint32_t maxlen;   /* longest string interned */
    uint32_t freeid;   /* first free id, ST_NOID for none; linked through `hash` */
    uint32_t nlive;    /* ids in use */
    uint32_t fresh;    /* strings interned since the last sweep, and their bytes */
    size_t fresh_bytes;
    uint32_t sweep_n;  /* a sweep is due once `fresh` or `fresh_bytes` reaches */
    size_t sweep_bytes;/* these (see ST_SWEEP_MIN) */
    int sweep_due;
} strtab;

int st_init(strtab *t, const slate_allocator *al);
void st_free(strtab *t);
/* The id of the string, interning it if new (-1 when memory runs out). */
int64_t st_intern(strtab *t, const char *s, size_t len);
/* Keep the strings whose ids are set in the bit set `keep` (id 0 always) and free
 * the others; their ids become free.  The kept strings' bytes are repacked (their
 * pointers change; their ids do not).  0, or SLATE_NOMEM with nothing changed. */
int st_sweep(strtab *t, const uint8_t *keep);
/* A sweep is due (strtab.sweep_due) once as many strings, or bytes of strings,
 * have been interned since the last one as it kept (at least ST_SWEEP_MIN /
 * ST_SWEEP_BYTES), so a sweep's cost is repaid by the interning before it and the
 * interned strings stay within about twice those in use. */
#define ST_SWEEP_MIN 4096
#define ST_SWEEP_BYTES (256 * 1024)
/* Restoring a snapshot: put string s at `id`, above every id so far, into a table
 * fresh from st_init (the ids between become free); SLATE_ERROR when s is there
 * already or the id is not above, SLATE_NOMEM.  Then st_put_done links the free
 * ids.  The caller sets the sweep counters. */
int st_put(strtab *t, uint32_t id, const char *s, size_t len);
void st_put_done(strtab *t);

/* Formatting into fixed buffers; each returns the length it needed. */
size_t fmt_time(char *buf, size_t size, int64_t ms);   /* RFC 3339 UTC, ms */
size_t fmt_dur(char *buf, size_t size, int64_t ms);    /* "2h", "1h30m", "250ms" */

/* A bounded string builder: writes what fits, counts what it needed. */
typedef struct sbuf {
    char *p;
    size_t cap, len;
} sbuf;
static inline void sb_puts(sbuf *b, const char *s, size_t n)
{
    if (b->len < b->cap) {
        size_t room = b->cap - b->len;
        memcpy(b->p + b->len, s, n < room ? n : room);
    }
    b->len += n;
}
void sb_str(sbuf *b, const char *s);
void sb_json_str(sbuf *b, const char *s, size_t n);  /* "..." with escapes */
void sb_int(sbuf *b, int64_t v);
void sb_time(sbuf *b, int64_t ms);
/* Terminate: returns 1 when everything fit. */
int sb_done(sbuf *b);

/* ---- events held within the tolerance (late.c) ------------------------------- */

/* One buffered event.  Its bytes (at `off` in the arena, 8-aligned): its
 * slate_value array (each `s` only a "had a string" flag until lb_event points
 * it at its bytes), the case id, the event id, then the string values' bytes. */
typedef struct lb_entry {
    int64_t at;
    uint64_t ord;      /* arrival number: ties at one instant keep arrival order */
    uint64_t seq;
    size_t off, bytes; /* its place and size in the arena */
    size_t case_len, id_len;
    uint32_t nvalues;
    int type;
    uint8_t has_case, has_id; /* case_id / id were not NULL */
} lb_entry;

/* The events after the watermark, waiting for it (slate.h, "tolerance"): a
 * binary min-heap by (at, ord) over entries, their bytes in one arena that
 * grows by doubling and is compacted, in arrival order, when full. */
typedef struct latebuf {
    lb_entry *h;
    uint32_t n, cap;
    unsigned char *mem;
    size_t used, memcap; /* bump pointer and room of the arena */
    size_t live;         /* bytes the entries in the heap hold */
    uint64_t next_ord;
} latebuf;

/* Buffer a copy of ev; 0 or SLATE_NOMEM (nothing changed). */
int lb_insert(slate_engine *e, const slate_event *ev);
/* Take the earliest entry out of the heap (its bytes stay until lb_done). */
lb_entry lb_pop(slate_engine *e);
/* Put back an entry lb_pop took (no allocation: its place is still there). */
void lb_unpop(slate_engine *e, const lb_entry *x);
/* The event an entry holds, pointing into the arena (valid until the next
 * lb_insert). */
void lb_event(slate_engine *e, const lb_entry *x, slate_event *ev, slate_value **vals);
/* The entry's bytes are no longer needed. */
void lb_done(slate_engine *e, const lb_entry *x);
/* Give the buffer's memory back when it holds nothing. */
void lb_trim(slate_engine *e);
void lb_free(slate_engine *e);

/* ---- the engine ------------------------------------------------------------- */

/* What the decisions being made now have in common. */
typedef struct eng_ctx {
    slate_sink sink;
    void *ud;
    int rc;                /* SLATE_OK, or SLATE_SINK once the sink refused */
    uint64_t event_seq;    /* 0 for timers */
    const char *event_id;
    size_t event_id_len;
    uint32_t slot;         /* the case being worked on, ENG_NONE for none */
    uint32_t line;         /* the line of a ladder step running its actions */
} eng_ctx;

/* A ladder step's identity within a clock: its kind and value (percent, ms
 * before, ms after).  A clock's fired record is a bit set over these keys, so a
 * step fires once per run whatever tier, ladder or program (hot swap) it is in. */
typedef struct eng_stepkey {
    int64_t value;
    uint8_t kind;
} eng_stepkey;

#define ENG_KEYS 32 /* bits of eng_clock.fired: keys per clock */

/* What the engine derives from a program (built by eng_prepare, swapped whole). */
typedef struct eng_aux {
    int64_t *str_ids;      /* program string index -> interned id */
    int64_t *regs;         /* ENG_DEPTH * prog->nregs scratch registers */
    uint32_t nregs;
    uint32_t *step_bit;    /* prog->steps index -> the bit of its key (kind, value) */
    uint32_t *breach_bit;  /* clock -> the bit of (breach, 0) */
    eng_stepkey *keys;     /* clock * ENG_KEYS + bit -> the key of that bit: the
                              program's steps, then keys a swap carried over that
                              the program lacks but an open case has fired */
    uint8_t *nkeys;        /* clock -> keys in use */
    int64_t *breach_ms;    /* breach key - 1 -> a target (ms): the program's distinct
                              targets, then those a swap carried over */
    uint32_t nbreach;
    uint16_t *target_breach; /* prog->targets index -> the key of its target */
    size_t jbase;          /* JSON scratch needed apart from interned strings */
    uint32_t maxargs;      /* most values one decision renders (emit arguments) */
    int has_holds;         /* some clock has a `pauses while` condition */
    uint32_t *until_first; /* event -> first index into until_clock (nevents + 1) */
    uint32_t *until_clock; /* the ad-hoc clocks each event meets, by event */
    char *sla_frag;        /* per target: `{"clock":NAME,"target_s":N` of `sla` JSON */
    uint32_t *sla_off;     /* target -> offset in sla_frag (ntargets + 1) */
    char *sla_plain;       /* per tier: its whole `sla` targets list with no
                              deadline (no clock counting), NUL-terminated; NULL
                              when a field chooses calendars (variants) */
    uint32_t *sla_plain_off; /* tier -> offset in sla_plain */
    uint32_t *declared;    /* the declared clocks (tier targets), in index order */
    uint32_t ndeclared;
    uint8_t *sel_field;    /* field -> 1 when the selection block reads it */
    int sel_level;         /* the selection block reads the escalation level */
    uint32_t *req_first;   /* event -> first index into prog->required (nevents + 1) */
    uint32_t *need_first;  /* strict: event -> first index into need_field (nevents + 1) */
    uint16_t *need_field;  /* strict: the fields an event's type needs a value for */
    void *cal_mem;         /* every calendar's derived tables (cal_pre_init) */
    struct cal_pre *cal_pre; /* calendar -> its tables, pointing into cal_mem */
} eng_aux;

#define ENG_DEPTH 3 /* rules or ladder actions -> selection or pause condition */

/* The last few cal_add results (clock.c add_work): a clock start asks for the
 * START deadline and then for its breach timer, a tier change for each target's
 * `sla` deadline and then for the same timers: the same (calendar, from, work)
 * twice.  A pure function, so memoising cannot change a decision; emptied when
 * the program (and so the calendars) changes.  w == 0 marks an empty entry. */
#define ENG_ADDMEMO 4
typedef struct eng_addmemo {
    int64_t t, w, r;
    uint32_t cal;
} eng_addmemo;

struct slate_engine {
    const slate_program *prog;
    slate_allocator al;    /* the caller's allocator, counting (engine.c) */
    slate_allocator user_al; /* the caller's allocator itself */
    size_t mem;            /* bytes taken from it, this struct included */
    int64_t tolerance;
    int64_t max_jump;      /* how far one call may move `now` forward (INT64_MAX: any) */
    int strict;            /* slate_engine_opts.strict */
    uint32_t nset;         /* strict: 64-bit words of `given` bits per case, else 0 */
    int64_t now;           /* the watermark: events are applied, and timers have
                              fired, up to it; INT64_MIN before the first event */
    int64_t high;          /* the latest time seen (slate_engine_now); now is
                              high - tolerance, or later after an advance */
    uint64_t ndecisions;
    uint64_t ncreated;     /* cases ever created */
    uint32_t nfields, nclocks;
    size_t stride;         /* case record size */
    cstore cs;
    eng_closed closed;     /* closed cases that may come back (closed.c) */
    tq q;
    strtab st;
    eng_aux aux;           /* tables derived from the program */
    int depth;             /* nesting of code blocks being run */
    int busy;              /* an entry point is running (slate.h, "Re-entrancy") */
    char *jbuf;            /* scratch for the JSON members of decisions */
    size_t jcap;
    eng_ctx ctx;
    latebuf lb;            /* events within the tolerance, after the watermark */
    eng_addmemo addmemo[ENG_ADDMEMO];
    uint32_t addmemo_next;
    char reason[1024];     /* reject reasons */
    char errmsg[256];
};

static inline int64_t *case_fields(const slate_engine *e, eng_case *c)
{
    (void)e;
    return (int64_t *)(void *)((unsigned char *)c + sizeof(eng_case));
}

static inline eng_clock *case_clocks(const slate_engine *e, eng_case *c)
{
    return (eng_clock *)(void *)((unsigned char *)c + sizeof(eng_case) +
                                 sizeof(int64_t) * e->nfields);
}

/* The case's `given` bits (strict mode only: nset > 0). */
static inline uint64_t *case_given(const slate_engine *e, eng_case *c)
{
    return (uint64_t *)(void *)((unsigned char *)c + sizeof(eng_case) +
                                sizeof(int64_t) * e->nfields + sizeof(eng_clock) * e->nclocks);
}

/* Words of `given` bits a case needs for nfields fields (0 unless strict). */
static inline uint32_t eng_nset(int strict, uint32_t nfields)
{
    return strict ? (nfields + 63) / 64 : 0;
}

static inline size_t eng_stride(uint32_t nfields, uint32_t nclocks, uint32_t nset)
{
    size_t n = sizeof(eng_case) + sizeof(int64_t) * nfields + sizeof(eng_clock) * nclocks +
               sizeof(uint64_t) * nset;
    return (n + 7) & ~(size_t)7;
}

/* timers.c */
/* Make room for n entries (amortised growth); 0 or SLATE_NOMEM. */
int tq_reserve(slate_engine *e, size_t n);
/* k is the clock's state in the case's record (its `heap` is the entry's place). */
void tq_set(slate_engine *e, uint32_t slot, uint32_t clock, eng_clock *k, int64_t at);
void tq_remove(slate_engine *e, eng_clock *k);
/* The earliest entry, or NULL when the queue is empty. */
static inline const tq_entry *tq_top(const slate_engine *e)
{
    return e->q.n ? &e->q.h[0] : NULL;
}

/* trim.c */
/* Give memory back (see trim.c): sweep strings and shrink the case store when
 * due, or both regardless when `force`.  Only between calls' work.  0, or
 * SLATE_NOMEM when a step could not allocate (that memory stays as it was). */
int eng_trim(slate_engine *e, int force);

/* engine.c */
/* errmsg from a printf format; returns rc. */
int eng_fail(slate_engine *e, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Refuse an entry point called while another runs on the same engine (from its
 * sink): SLATE_MISUSE, with errmsg naming `fn`. */
int eng_reentered(slate_engine *e, const char *fn);
/* Start an API call: decisions go to sink(ud), no case or event yet. */
void eng_begin(slate_engine *e, slate_sink sink, void *ud);

/* push.c */
/* Apply one event now, at its own time or, when the watermark has passed it, at
 * the watermark (the caller has set e->ctx for it). */
int eng_apply_now(slate_engine *e, const slate_event *ev);
/* slate_engine_push without the busy guard, which the caller holds. */
int eng_push(slate_engine *e, const slate_event *ev, slate_sink sink, void *ud);

/* watermark.c */
/* Fire every timer due at or before t (each at its instant), then now = t.
 * Inline: most calls (two per event) find nothing due. */
void eng_advance_due(slate_engine *e, int64_t t);
/* Apply the buffered events at or before t in (time, arrival) order, each at its
 * own instant with the timers due before it, then fire timers up to t.  Stops
 * after an event whose sink refused (SLATE_SINK) or one that needs memory it
 * cannot get (SLATE_NOMEM: that event stays buffered); the rest wait for the
 * next call. */
int eng_drain(slate_engine *e, int64_t t);
/* Why the engine may not move its time to t (the errmsg; the code returned). */
__attribute__((cold)) int eng_time_refused(slate_engine *e, int64_t t, const char *what);
/* Whether the engine may move its time to t: SLATE_MISUSE outside the years
 * 0000-9999 (so no clock arithmetic can overflow), SLATE_ERROR for a jump
 * forward past the limit (one stray instant would breach every open case and
 * make every later event late); nothing has changed either way. */
static inline int eng_check_time(slate_engine *e, int64_t t, const char *what)
{
    if (t >= SLATE_AT_MIN && t <= SLATE_AT_MAX &&
        (e->high == INT64_MIN || t <= e->high || t - e->high <= e->max_jump))
        return SLATE_OK;
    return eng_time_refused(e, t, what);
}
/* The watermark when the latest time seen is `high`: high less the tolerance
 * (never before the first instant the engine accepts). */
static inline int64_t eng_mark_of(const slate_engine *e, int64_t high)
{
    if (high == INT64_MIN) return INT64_MIN;
    return high - SLATE_AT_MIN > e->tolerance ? high - e->tolerance : SLATE_AT_MIN;
}
static inline void eng_advance(slate_engine *e, int64_t t)
{
    const tq_entry *first = tq_top(e);
    if (first && first->at <= t) {
        eng_advance_due(e, t);
        return;
    }
    if (t > e->now) e->now = t;
}

/* decide.c */
void eng_decision_init(slate_engine *e, slate_decision *d, slate_action a, uint32_t line);
void eng_emit(slate_engine *e, slate_decision *d);
const char *eng_str(const slate_engine *e, int64_t id);  /* interned id -> string */
/* Run the code block at pc for the case in e->ctx.slot (actions included). */
int64_t eng_run(slate_engine *e, int32_t pc);
/* Make sure the JSON scratch fits program x's decisions with the strings
 * interned so far (0 or SLATE_NOMEM). */
int eng_scratch_fit(slate_engine *e, const eng_aux *x);
/* prepare.c */
/* Build the tables for program p (interning its strings); 0 or SLATE_NOMEM. */
int eng_prepare(slate_engine *e, const slate_program *p, eng_aux *x);
void eng_aux_free(slate_engine *e, eng_aux *x);

/* fields.c */
/* Build x->req_first, x->need_first and x->need_field for program p (after
 * sel_field); 0 or SLATE_NOMEM. */
int fld_prepare(slate_engine *e, const slate_program *p, eng_aux *x);
/* Whether the event lacks a field it must bring (reason in e->reason): one its
 * type requires (`required on`), or in strict mode one its type needs that
 * neither it nor the case (`slot`, ENG_NONE for a new case; or the closed case
 * at `closed` it brings back, CL_NONE for none) has given. */
int fld_check(slate_engine *e, const slate_event *ev, uint32_t slot, size_t closed);
/* fld_check's answer, inline for the usual event: no field its type requires
 * and no strict mode (a call that checks nothing cost ~30 instructions per
 * event, most of them saving registers for the error path). */
static inline int fld_missing(slate_engine *e, const slate_event *ev, uint32_t slot,
                              size_t closed)
{
    uint32_t t = (uint32_t)ev->type;
    if (!e->nset && e->aux.req_first[t] == e->aux.req_first[t + 1]) return 0;
    return fld_check(e, ev, slot, closed);
}
/* Strict mode: note that the case has a value for field f. */
static inline void fld_given(slate_engine *e, eng_case *c, uint32_t f)
{
    if (e->nset) case_given(e, c)[f >> 6] |= (uint64_t)1 << (f & 63);
}

/* closed.c */
int64_t cl_keep_ms(const slate_program *p);  /* 2 x the reopen period, 0 for none */
cl_layout cl_layout_of(const slate_engine *e);
/* The most bytes a record of a case with an id of id_len bytes can take. */
size_t cl_max_record(const cl_layout *l, size_t id_len);
/* Write the record of case c closed at closed_at into o; its length. */
size_t cl_encode(const cl_layout *l, const eng_case *c, int64_t closed_at, unsigned char *o);
/* Read a record into the zeroed case record c of layout l (not its id, whose
 * bytes *id points to); with `check`, every value against the program and the
 * engine's strings.  0, or -1 for a malformed record. */
int cl_decode(const slate_engine *e, const cl_layout *l, const unsigned char *rec, size_t len,
              eng_case *c, const char **id, int check);
/* Room for one more record of up to `need` bytes (0 or SLATE_NOMEM). */
int cl_reserve(slate_engine *e, size_t need);
/* Give back what the records no longer need (slate_engine_trim): the buffer
 * compacted and sized to its records, the table to its count.  0, or
 * SLATE_NOMEM for a step that could not allocate (left as it was). */
int cl_shrink(slate_engine *e);
/* Keep the case in `slot`, closing now (after cl_reserve). */
void cl_put(slate_engine *e, uint32_t slot);
/* Append a record made elsewhere (after cl_reserve); its offset. */
size_t cl_append(slate_engine *e, const unsigned char *rec, size_t n);
/* Restoring a snapshot: check the record against the engine being built (see
 * cl_decode; close instants in order from *prev, not after the watermark; an
 * id neither open nor kept) and keep it.  0; SLATE_ERROR with *why; or
 * SLATE_NOMEM. */
int cl_restore(slate_engine *t, const unsigned char *rec, size_t len, int64_t *prev,
               const char **why);
/* The verdict on an event for a case closed at `closed`, at the instant it
 * takes effect (docs/semantics.md, section 8): 0 when it brings the case back
 * (within the period, a reopening event), else 1 with the reason in e->reason. */
int cl_verdict(slate_engine *e, const slate_event *ev, int64_t closed);
/* The offset of the record of `id`, or CL_NONE. */
size_t cl_find(const slate_engine *e, const char *id, size_t len, uint32_t hash);
int64_t cl_closed_at(const slate_engine *e, size_t off);
/* Forget the record at off (the id was opened again, or it came back). */
void cl_take(slate_engine *e, size_t off);
/* Bring the case at off back into the store (after cs_reserve): its slot. */
uint32_t cl_revive(slate_engine *e, size_t off, uint32_t hash);
/* Drop the records kept longer than keep_ms before the watermark. */
void cl_expire(slate_engine *e);
static inline void cl_expire_due(slate_engine *e)
{
    if (e->closed.head < e->closed.len) cl_expire(e);
}
/* Mark the string ids the records hold. */
void cl_mark_strings(const slate_engine *e, void (*mark)(uint8_t *, uint32_t, int64_t),
                     uint8_t *keep, uint32_t n);
/* Strict mode: whether the closed case at off had a value for field f. */
int cl_given(const slate_engine *e, size_t off, uint32_t f);
/* Walk the records in close order: from CL_NONE, each call gives the next in
 * *rec, *len and returns where to go on (CL_NONE at the end). */
size_t cl_next(const slate_engine *e, size_t off, const unsigned char **rec, size_t *len);
void cl_free(slate_engine *e);

/* clock.c */
void clk_start(slate_engine *e, uint32_t slot, uint32_t ci);
void clk_stop(slate_engine *e, uint32_t slot, uint32_t ci);
void clk_pause(slate_engine *e, uint32_t slot, uint32_t ci);
void clk_resume(slate_engine *e, uint32_t slot, uint32_t ci);
void clk_reset(slate_engine *e, uint32_t slot, uint32_t ci);
void clk_reopen(slate_engine *e, uint32_t slot);
void clk_require(slate_engine *e, uint32_t slot, uint32_t ci, uint32_t target,
                 slate_action a, uint32_t line, const char *label);
/* Re-evaluate every `pauses while` of the case; pause/resume what changed. */
void clk_eval_holds(slate_engine *e, uint32_t slot);
/* Choose the case's tier again; emit `sla` when it changed (or CLK_FORCE).
 * CLK_FRESH: the case was opened by this event, so no clock of it runs, waits
 * for a target or has a timer, and the passes that look for such clocks (late
 * starts, rescheduling: 14 slots a case in service-2025) are skipped. */
#define CLK_FORCE 1
#define CLK_FRESH 2
void clk_select(slate_engine *e, uint32_t slot, int how);
/* Hot swap: choose the tier under the new program; emit `sla` only when the tier
 * name or any target differs from what `old_sig` (clk_sla_sig before) says. */
void clk_reselect_swapped(slate_engine *e, uint32_t slot, uint64_t old_sig);
/* A fingerprint of the case's tier: its name and each target (clock name,
 * target, calendar name), independent of the program's index spaces. */
uint64_t clk_sla_sig(const slate_engine *e, uint32_t slot);
/* Settle a clock: fold the time counted so far into `elapsed`, since = now. */
void clk_settle(const slate_engine *e, eng_clock *k);
/* Fire the due steps of one clock (its timer came due at e->now). */
void clk_fire(slate_engine *e, uint32_t slot, uint32_t ci);
/* Recompute every timer of the case. */
void clk_schedule_all(slate_engine *e, uint32_t slot);
void clk_drop_timers(slate_engine *e, uint32_t slot);
/* The working time of a clock at instant t. */
int64_t clk_elapsed(const slate_engine *e, const eng_clock *k, int64_t t);
int clk_counting(const eng_clock *k);
/* The instant the clock's working time reaches its target, INT64_MIN if it has
 * already reached it or is not counting. */
int64_t clk_deadline(const slate_engine *e, const eng_clock *k);

#endif
