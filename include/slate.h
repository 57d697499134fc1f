/*
 * slate.h - the whole public API of libslate, the slate runtime.
 *
 * If a function is not in this file, it is not part of the API.  A program is a
 * verified, immutable policy image that any number of threads may share; an
 * engine holds the open cases of one stream (one thread, or one partition of the
 * case ids) and turns events into decisions through a caller-supplied sink.  The
 * runtime never reads the wall clock, never draws random numbers, keeps no global
 * state, and allocates nothing while it evaluates an event whose case exists and
 * whose string fields it has seen before (but when it gives memory back after a
 * peak: see "memory" below).
 *
 * Not here: compiling policies (libslatec, include/slatec.h; `slate build`),
 * JSON parsing of events, the SQLite decision log (include/slate_log.h).
 */
#ifndef SLATE_H
#define SLATE_H

#include <stddef.h>
#include <stdint.h>

#include "slate_version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Marks what libslate (and libslatelog) export.  The libraries are built with
 * -fvisibility=hidden, so nothing else they define is visible to an application,
 * and their static archives have every other name made local (Makefile). */
#ifndef SLATE_API
#if defined(__GNUC__) && __GNUC__ >= 4
#define SLATE_API __attribute__((visibility("default")))
#else
#define SLATE_API
#endif
#endif

/* Result codes. */
#define SLATE_OK 0       /* success */
#define SLATE_ERROR 1    /* the input was refused (bad image, bad event); see errmsg */
#define SLATE_NOMEM 2    /* an allocation failed; the engine is unchanged */
#define SLATE_MISUSE 3   /* the API was called wrongly (NULL handle, bad argument) */
#define SLATE_SINK 4     /* the sink returned non-zero: processing stopped there */

/* The library's version at run time; compare with SLATE_VERSION_NUMBER. */
SLATE_API int slate_libversion_number(void);

/* A short English description of a result code. */
SLATE_API const char *slate_errstr(int rc);

/* ---- programs ------------------------------------------------------------ */

typedef struct slate_program slate_program;

/* Verify `len` bytes of a compiled image and load it.  The bytes are copied; the
 * caller may free them afterwards.  On failure returns SLATE_ERROR (or NOMEM) and,
 * if err is not NULL, a malloc'd message the caller frees with slate_free(). */
SLATE_API int slate_program_load(const void *bytes, size_t len, slate_program **prog, char **err);

/* Release a program.  Every engine using it must have been freed or swapped. */
SLATE_API void slate_program_free(slate_program *prog);

/* The SHA-256 of the image as 64 lowercase hex digits (owned by the program). */
SLATE_API const char *slate_program_hash(const slate_program *prog);
SLATE_API const char *slate_program_name(const slate_program *prog);
SLATE_API const char *slate_program_version(const slate_program *prog);

/* Look up ids by name, for building events: -1 when unknown. */
SLATE_API int slate_program_event_id(const slate_program *prog, const char *name);
SLATE_API int slate_program_field_id(const slate_program *prog, const char *name);
/* The value index of `name` in the enum of field `field`, -1 when unknown. */
SLATE_API int slate_program_enum_value(const slate_program *prog, int field, const char *name);

/* Field types, as slate_program_field_type returns them. */
#define SLATE_T_INT 1
#define SLATE_T_BOOL 2
#define SLATE_T_STRING 3
#define SLATE_T_DURATION 4 /* milliseconds */
#define SLATE_T_ENUM 5
SLATE_API int slate_program_field_type(const slate_program *prog, int field);

/* Free memory the library returned (error messages). */
SLATE_API void slate_free(void *p);

/* ---- program schema: names by id ----------------------------------------- */

/* What a program declares, for tools that read or write events and decisions
 * (readers, printers, other engines fed the same stream).  Ids are dense,
 * 0..count-1, and are the ones slate_event and slate_value carry.  Every
 * function checks its arguments: a NULL program or an id out of range gives
 * NULL (names) or -1 (counts, ids, lines); it never crashes.  Names are owned by
 * the program.  All of these read the immutable program and are thread-safe.
 *
 * Events: the built-in ones first (opened, ..., tick), then the declared ones.
 * Fields: the declared case fields; any event may carry any of them, so the
 * program has no separate "event fields".  Clocks: the declared ones, then one
 * per distinct `require` name, then (if the policy uses it) `review`.
 * Calendars: the declared ones, then `always` if the policy uses it. */

/* The policy source file the image was compiled from (as given to the compiler). */
SLATE_API const char *slate_program_source(const slate_program *prog);

SLATE_API int slate_program_event_count(const slate_program *prog);
SLATE_API const char *slate_program_event_name(const slate_program *prog, int event);

SLATE_API int slate_program_field_count(const slate_program *prog);
SLATE_API const char *slate_program_field_name(const slate_program *prog, int field);
/* The number of values of enum field `field`; -1 when it is not an enum. */
SLATE_API int slate_program_enum_count(const slate_program *prog, int field);
SLATE_API const char *slate_program_enum_name(const slate_program *prog, int field, int value);

SLATE_API int slate_program_clock_count(const slate_program *prog);
SLATE_API const char *slate_program_clock_name(const slate_program *prog, int clock);
SLATE_API int slate_program_clock_id(const slate_program *prog, const char *name);

SLATE_API int slate_program_tier_count(const slate_program *prog);
SLATE_API const char *slate_program_tier_name(const slate_program *prog, int tier);
SLATE_API int slate_program_tier_id(const slate_program *prog, const char *name);

SLATE_API int slate_program_calendar_count(const slate_program *prog);
SLATE_API const char *slate_program_calendar_name(const slate_program *prog, int calendar);
SLATE_API int slate_program_calendar_id(const slate_program *prog, const char *name);

/* ---- events -------------------------------------------------------------- */

/* One field value carried by an event.  Ints, bools (0/1), durations (ms) and
 * enum value indices go in `i`; strings in `s`/`len` (need not be NUL-terminated). */
typedef struct slate_value {
    int field;
    int64_t i;
    const char *s;
    size_t len;
} slate_value;

/* The instants the engine accepts: 0000-01-01T00:00:00.000Z to
 * 9999-12-31T23:59:59.999Z, the years RFC 3339 (and so the JSON event reader)
 * can name.  An event or advance outside them is refused with SLATE_MISUSE. */
#define SLATE_AT_MIN INT64_C(-62167219200000)
#define SLATE_AT_MAX INT64_C(253402300799999)

typedef struct slate_event {
    const char *case_id;   /* not NUL-terminated necessarily; NULL only for `tick` */
    size_t case_len;
    int type;              /* slate_program_event_id() */
    int64_t at;            /* UTC milliseconds since 1970, SLATE_AT_MIN..SLATE_AT_MAX */
    const char *id;        /* sender's event id, echoed in decisions; may be NULL */
    size_t id_len;
    const slate_value *values;
    size_t nvalues;
    uint64_t seq;          /* the caller's sequence number of this event (from 1) */
} slate_event;

/* ---- decisions ------------------------------------------------------------- */

/* Actions, as in the decision JSON's `action` key. */
#define SLATE_ACTIONS(X)                                                           \
    X(SLA, "sla") X(START, "start") X(PAUSE, "pause") X(RESUME, "resume")          \
    X(STOP, "stop") X(WARN, "warn") X(BREACH, "breach") X(ESCALATE, "escalate")    \
    X(NOTIFY, "notify") X(ROUTE, "route") X(ASSIGN, "assign") X(SET, "set")        \
    X(REQUIRE, "require") X(REVIEW, "review") X(EMIT, "emit") X(REJECT, "reject") \
    X(CLOSE, "close")

typedef enum slate_action {
#define X(id, name) SLATE_A_##id,
    SLATE_ACTIONS(X)
#undef X
    SLATE_A__COUNT
} slate_action;

/* A decision.  Every pointer is valid only during the sink call; copy what you
 * keep.  Which members are meaningful depends on the action (see
 * docs/semantics.md); slate_decision_json() renders exactly those. */
typedef struct slate_decision {
    uint64_t seq;          /* from 1, gap-free per engine */
    int64_t at;            /* UTC ms when it takes effect */
    const char *case_id;   /* NULL for engine-level decisions */
    size_t case_len;
    slate_action action;
    uint64_t event_seq;    /* the input event's seq; 0 when a timer caused it */
    const char *event_id;  /* the sender's id of that event, or NULL */
    size_t event_id_len;
    const slate_program *program; /* the policy that decided */
    uint32_t rule_line;    /* source line of the rule, tier, clock or ladder step */
    const char *rule_label;/* the rule's name or NULL */
    const char *clock;     /* START..BREACH, SLA per-clock lists are in `targets` */
    const char *tier;      /* SLA */
    const char *to;        /* ROUTE, ASSIGN, NOTIFY (who), ESCALATE (level name) */
    const char *message;   /* NOTIFY; REJECT (the reason) */
    const char *field;     /* SET */
    const char *value;     /* SET: the value rendered as JSON; EMIT: the arguments
                              rendered as a JSON array */
    int64_t target_ms;     /* START, STOP, WARN, BREACH, REQUIRE, REVIEW */
    int64_t deadline;      /* START, RESUME, REQUIRE, REVIEW: INT64_MIN when none */
    int64_t elapsed_ms;    /* STOP, PAUSE, WARN, BREACH */
    int met;               /* STOP */
    int percent;           /* WARN at N% (0 otherwise) */
    int64_t before_ms;     /* WARN before the target */
    int64_t after_ms;      /* BREACH + offset ladder step: > 0 */
    const char *targets;   /* SLA: a JSON array of {clock,target_s,deadline?} */
    /* Members added later go here, at the end, so the ones above keep their
     * places.  Zero means "none" for each, as for a decision built by memset. */
    int64_t breached_ms;   /* STOP: the target (ms) this clock run breached (then
                              met is 0 whatever the target now); 0 when none */
    int64_t since;         /* START with `retroactive`: the instant of the clock's
                              own start event, which it counts from */
    int retroactive;       /* START: 1 when a tier gave the clock its first target
                              after its start event (docs/semantics.md, 4) */
} slate_decision;

/* Receives decisions in order.  Return 0 to go on; non-zero stops processing
 * with SLATE_SINK (the engine's state stays consistent: the decision counted).
 * What a sink may call is listed under "re-entrancy and threads" below. */
typedef int (*slate_sink)(void *ud, const slate_decision *d);

/* Render a decision as one line of JSON (no newline) per docs/semantics.md.
 * Returns the length it needed; writes at most size bytes, NUL-terminated when
 * size > 0 (like snprintf). */
SLATE_API size_t slate_decision_json(const slate_decision *d, char *buf, size_t size);

/* ---- engines ------------------------------------------------------------- */

typedef struct slate_engine slate_engine;

typedef struct slate_allocator {
    void *(*realloc)(void *ud, void *ptr, size_t size); /* size 0 frees */
    void *ud;
} slate_allocator;

/* How far one push or advance may move the engine's time forward by default:
 * 30 days.  One event dated years ahead would otherwise breach every open case
 * and make every later event late. */
#define SLATE_MAX_JUMP_DEFAULT_MS (INT64_C(30) * 24 * 3600 * 1000)

typedef struct slate_engine_opts {
    int64_t tolerance_ms;  /* how far behind the watermark an event may be (0) */
    const slate_allocator *allocator; /* NULL: the C library's */
    size_t expected_cases; /* pre-size the case store (0: small) */
    int64_t max_jump_ms;   /* how far forward one push or advance may move the
                              watermark: 0 = SLATE_MAX_JUMP_DEFAULT_MS, < 0 = no
                              limit.  The first event or advance sets the time
                              wherever it falls. */
    int strict;            /* 1: reject an event after which a field that the tier
                              conditions or the rules of its type read would still
                              have no value (docs/semantics.md, "Missing fields");
                              0 (default): such a field reads as its zero value */
} slate_engine_opts;

/* A new engine running `prog` (which must outlive it or be swapped out).  `opts`
 * may be NULL.  Returns NULL when memory runs out. */
SLATE_API slate_engine *slate_engine_new(const slate_program *prog, const slate_engine_opts *opts);
SLATE_API void slate_engine_free(slate_engine *eng);

/* Apply one event: fire every timer due at or before its time, then the event.
 * An unusable event becomes one `reject` decision and SLATE_OK is returned (the
 * event is recorded as rejected); SLATE_MISUSE for a malformed struct (an `at`
 * outside SLATE_AT_MIN..SLATE_AT_MAX included); SLATE_ERROR, deciding nothing
 * and leaving the engine's time where it was, for an event (a `tick` too) that
 * would move the time forward by more than the engine's max_jump_ms. */
SLATE_API int slate_engine_push(slate_engine *eng, const slate_event *ev, slate_sink sink,
                                void *ud);

/* Advance time to `now` (like a tick), firing due timers.  The same refusals as
 * for an event's `at`: SLATE_MISUSE outside SLATE_AT_MIN..SLATE_AT_MAX, and
 * SLATE_ERROR (nothing done) past the max_jump_ms limit. */
SLATE_API int slate_engine_advance(slate_engine *eng, int64_t now, slate_sink sink, void *ud);

/* Replace the program between events: open cases keep their fields (by name),
 * clocks (by name) and levels, are re-matched to the new tiers (an `sla` decision
 * for each case whose tier or targets changed), and later decisions name the new
 * policy's hash. */
SLATE_API int slate_engine_swap(slate_engine *eng, const slate_program *prog, slate_sink sink,
                                void *ud);

/* The current watermark (ms), the number of open cases, decisions made. */
SLATE_API int64_t slate_engine_now(const slate_engine *eng);
SLATE_API size_t slate_engine_open_cases(const slate_engine *eng);
SLATE_API uint64_t slate_engine_decisions(const slate_engine *eng);

/* A description of the engine's last SLATE_ERROR / SLATE_MISUSE. */
SLATE_API const char *slate_errmsg(const slate_engine *eng);

/* ---- re-entrancy and threads ------------------------------------------------
 *
 * A sink runs inside slate_engine_push, _advance or _swap, while the engine is
 * between two steps of the event.  From a sink, the application MAY call:
 *   - slate_decision_json, slate_errstr, slate_libversion_number, slate_free;
 *   - every slate_program_* lookup (a program is immutable);
 *   - the read-only engine queries (slate_engine_now, _open_cases, _decisions,
 *     slate_errmsg) on any engine, its own included: they see the engine part way
 *     through the call (the watermark at the decision's instant, a case being
 *     closed still counted);
 *   - any function on a DIFFERENT engine (feeding decisions of one engine into
 *     another is fine).
 * It MAY NOT call slate_engine_push, _advance, _swap or _free on the engine whose
 * sink it is: each refuses with SLATE_MISUSE (slate_errmsg says so) and changes
 * nothing; slate_engine_free, which has no result, leaves the engine allocated
 * and valid (free it after the call returns).  Nor may it free the program the
 * engine runs.  To act on a decision, queue it and act after the call returns;
 * to stop early, return non-zero (SLATE_SINK).
 *
 * Threads: a program may be shared by any number of threads and engines.  One
 * engine is used by one thread at a time; calls on it must not overlap (the
 * re-entrancy check above is not a lock and does not detect two threads). */

/* ---- memory -------------------------------------------------------------------
 *
 * An engine takes all its memory from its allocator (slate_engine_opts) and
 * slate_engine_free gives all of it back.  What it holds is bounded by its open
 * cases, not by how long it has run or how many events it has seen:
 *   - the case records (one size per program: docs/semantics.md, "Memory"), their
 *     ids, and at most one timer per clock of each open case;
 *   - the string values open cases hold, and the program's strings.  Strings no
 *     open case holds any more are freed by a sweep, which runs once as many new
 *     strings (or bytes of them) have come as the last sweep kept, at least 4096
 *     strings or 256 KiB: so about twice the strings in use, at most;
 *   - room for their peak: the case store grows 1024 records at a time and, once
 *     the open cases fall under a quarter of its room, gives back the room above
 *     twice their number (never below expected_cases); the case table, the timer
 *     queue and the id arena shrink with it.
 * Not bounded by the open cases: the tables derived from the program (replaced
 * by a swap; a program's own memory is the caller's), and a scratch buffer for
 * decision JSON of about six times the longest string in use.  Nothing is kept
 * per event or per decision.
 *
 * Memory is given back at the end of slate_engine_push, so a push that brings a
 * string never seen, or closes a case when the store is far below its peak, may
 * allocate (a smaller table, the strings or ids repacked); if that fails the
 * memory is simply kept.  Other events on existing cases allocate nothing. */

/* ---- engine state, for servers -------------------------------------------------
 * Read-only (a sink may call them) but slate_engine_trim. */

/* The program the engine runs now (the last one swapped in), so a server can
 * tell, by slate_program_hash, whether an event was built against it. */
SLATE_API const slate_program *slate_engine_program(const slate_engine *eng);

/* The earliest instant at which a timer may fire: nothing fires before it, so a
 * server may sleep until then and call slate_engine_advance (a timer of a
 * paused clock stays queued and may fire nothing).  INT64_MAX when no timer is
 * pending (or none falls within SLATE_AT_MAX). */
SLATE_API int64_t slate_engine_next_due(const slate_engine *eng);

/* Timers queued: at most one per clock of each open case. */
SLATE_API size_t slate_engine_pending_timers(const slate_engine *eng);

/* Bytes the engine holds from its allocator, bookkeeping included (each block
 * carries a 16-byte size header, which the allocator sees too).  The program's
 * own memory is not counted. */
SLATE_API size_t slate_engine_memory_used(const slate_engine *eng);

/* Give back now what the engine would give back later (see "memory"): strings no
 * open case holds, and room above twice the open cases.  SLATE_OK; SLATE_NOMEM
 * when a step could not allocate what it needed (that memory is kept, nothing
 * else changes); SLATE_MISUSE from a sink.  Decides nothing. */
SLATE_API int slate_engine_trim(slate_engine *eng);

#ifdef __cplusplus
}
#endif

#endif
