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
/* The same as a string: SLATE_VERSION of the library that runs ("0.1.0"). */
SLATE_API const char *slate_libversion(void);

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

/* Options of a new engine.  Start from SLATE_ENGINE_OPTS_INIT (every member at
 * its default) and set what you need; see "ABI" below for `size`. */
typedef struct slate_engine_opts {
    size_t size;           /* sizeof(slate_engine_opts), or 0 (see "ABI") */
    int64_t tolerance_ms;  /* how late an event may come: events within it are
                              held and applied in time order (see "tolerance"
                              below); 0 (default): none, each event is applied
                              as it comes */
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

#define SLATE_ENGINE_OPTS_INIT {sizeof(slate_engine_opts), 0, NULL, 0, 0, 0}

/* A new engine running `prog` (which must outlive it or be swapped out).  `opts`
 * may be NULL.  Returns NULL when memory runs out, and when opts->size is one
 * this library cannot honour (see "ABI"). */
SLATE_API slate_engine *slate_engine_new(const slate_program *prog, const slate_engine_opts *opts);
SLATE_API void slate_engine_free(slate_engine *eng);

/* Apply one event: fire every timer due at or before its time, then the event.
 * With a tolerance the event may instead be held and applied by a later call
 * (see "tolerance" below; the caller's copy may go as soon as this returns).
 * An unusable event becomes one `reject` decision and SLATE_OK is returned (the
 * event is recorded as rejected); SLATE_MISUSE for a malformed struct (an `at`
 * outside SLATE_AT_MIN..SLATE_AT_MAX included); SLATE_ERROR, deciding nothing
 * and leaving the engine's time where it was, for an event (a `tick` too) that
 * would move the time forward by more than the engine's max_jump_ms. */
SLATE_API int slate_engine_push(slate_engine *eng, const slate_event *ev, slate_sink sink,
                                void *ud);

/* Apply evs[0], evs[1], ... evs[n-1] in order: the same as n calls of
 * slate_engine_push, the same decisions byte for byte to the same sink, each
 * event with the same result, until one does not return SLATE_OK.  There it
 * stops and returns that event's code (SLATE_SINK, SLATE_MISUSE, SLATE_ERROR,
 * SLATE_NOMEM; slate_errmsg as its push sets it), with that event's own
 * effect (a push refused by its sink has applied its event; a refused one has
 * changed nothing) and the events after it not looked at.  *done (when not
 * NULL) is how many events returned SLATE_OK: all n with SLATE_OK, else the
 * index of the event that stopped the batch, so the caller can deal with it
 * and call again from evs + *done + 1 (or from evs + *done after a SLATE_NOMEM
 * that did not take the event).  n == 0: SLATE_OK.  evs may be NULL only when
 * n is 0.  From a sink: SLATE_MISUSE and *done = 0, like every entry point.
 *
 * Why: while applying one event it asks the memory system for the case table
 * buckets, case records and timer entries of the next few, so that with more
 * open cases than the CPU's caches hold the misses overlap instead of coming
 * one after the other.  The events, and what they point to, must stay valid
 * and unchanged until it returns. */
SLATE_API int slate_engine_push_batch(slate_engine *eng, const slate_event *evs, size_t n,
                                      slate_sink sink, void *ud, size_t *done);

/* Advance time to `now`, firing due timers.  With a tolerance, this moves the
 * watermark itself to `now` (a tick event moves the latest time, and so the
 * watermark only to its time less the tolerance): the events held up to `now`
 * are applied first, each at its instant.  The same refusals as for an event's
 * `at`: SLATE_MISUSE outside SLATE_AT_MIN..SLATE_AT_MAX, and SLATE_ERROR
 * (nothing done) past the max_jump_ms limit. */
SLATE_API int slate_engine_advance(slate_engine *eng, int64_t now, slate_sink sink, void *ud);

/* Replace the program between events: open cases keep their fields (by name),
 * clocks (by name) and levels, are re-matched to the new tiers (an `sla` decision
 * for each case whose tier or targets changed), and later decisions name the new
 * policy's hash.  Events held within the tolerance were built for the old
 * program: they are applied first, under it (as slate_engine_flush does). */
SLATE_API int slate_engine_swap(slate_engine *eng, const slate_program *prog, slate_sink sink,
                                void *ud);

/* The stream's time: the latest event, tick or advance time seen (ms), INT64_MIN
 * before any.  With tolerance 0 it is also the watermark. */
SLATE_API int64_t slate_engine_now(const slate_engine *eng);
/* The number of open cases, decisions made. */
SLATE_API size_t slate_engine_open_cases(const slate_engine *eng);
SLATE_API uint64_t slate_engine_decisions(const slate_engine *eng);

/* ---- tolerance: late events ------------------------------------------------------
 *
 * Events need not come in time order.  The watermark (slate_engine_watermark)
 * is the latest time seen (slate_engine_now) less tolerance_ms: events are
 * applied, and timers fire, up to it and not beyond, so every decision waits at
 * most the tolerance.  An event after the watermark is held (copied) and applied
 * when the watermark passes it, in time order, ties in the order they came,
 * each at its own instant with the timers due before it: within the tolerance,
 * the decisions (cases, instants, actions, values) are those of the same events
 * sorted by time (docs/semantics.md, "Late events").  An event more than the
 * tolerance before the latest time is rejected at once (`event time T is D
 * before the stream's time W (tolerance X)`); one before the watermark but within
 * the tolerance, which only an advance or a flush can make, is applied at the
 * watermark.  Decisions caused by a held event carry its event_seq and id, and
 * come from whichever call applies it: a later push, advance, flush or swap.
 * Other rejects of a held event (unknown case, missing fields) come then too.
 *
 * A held event needs no more memory than its copy: the buffer holds the events
 * within the tolerance of the latest time, grows by doubling to the most ever
 * waiting at once and stays that size (slate_engine_trim gives it back when
 * empty).  SLATE_NOMEM from a push: either the buffer could not grow (the
 * event was not taken, nothing changed), or the event was held and a held event
 * being applied needed memory (a new case, a new string; slate_errmsg names its
 * seq): that one stays held and a later call applies it.  With tolerance 0
 * nothing is ever held. */

/* The watermark: events have been applied and timers fired up to it (ms);
 * INT64_MIN before any time.  The instant decisions are being made at. */
SLATE_API int64_t slate_engine_watermark(const slate_engine *eng);

/* The events held, waiting for the watermark. */
SLATE_API size_t slate_engine_buffered(const slate_engine *eng);

/* The end of the stream (or a pause in it): apply every held event, in time
 * order, and fire the timers up to the latest time seen, which becomes the
 * watermark; the same as slate_engine_advance(eng, slate_engine_now(eng), ...).
 * SLATE_OK (also with nothing held), SLATE_SINK, SLATE_NOMEM (see above),
 * SLATE_MISUSE from a sink. */
SLATE_API int slate_engine_flush(slate_engine *eng, slate_sink sink, void *ud);

/* A description of the engine's last SLATE_ERROR / SLATE_MISUSE. */
SLATE_API const char *slate_errmsg(const slate_engine *eng);

/* ---- re-entrancy and threads ------------------------------------------------
 *
 * A sink runs inside slate_engine_push, _push_batch, _advance, _flush, _swap or
 * _reject, while the engine is between two steps of the event.  From a sink, the
 * application MAY call:
 *   - slate_decision_json, slate_errstr, slate_libversion(_number), slate_free;
 *   - every slate_program_* lookup (a program is immutable);
 *   - the read-only engine queries (slate_engine_now, _open_cases, _decisions,
 *     slate_errmsg, the "engine state" and "looking inside cases" functions but
 *     slate_engine_trim) on any engine, its own included: they see the engine part
 *     way through the call (the watermark at the decision's instant, a case being
 *     closed still counted);
 *   - any function on a DIFFERENT engine (feeding decisions of one engine into
 *     another is fine).
 * It MAY NOT call slate_engine_push, _push_batch, _advance, _flush, _swap, _reject,
 * _trim or _free on the engine whose sink it is: each refuses with SLATE_MISUSE
 * (slate_errmsg says so) and changes nothing; slate_engine_free, which has no result, leaves
 * the engine allocated and valid (free it after the call returns).  Nor may it
 * free the program the engine runs.  To act on a decision, queue it and act after the call returns;
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
 * by a swap; a program's own memory is the caller's), a scratch buffer for
 * decision JSON of about six times the longest string in use, and with a
 * tolerance the copies of the events it holds (see "tolerance").  Nothing is kept
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
 * pending (or none falls within SLATE_AT_MAX).  Timers fire as the watermark
 * passes them, so with a tolerance it may lie between the watermark and
 * slate_engine_now: due, and waiting for events that may still come before it. */
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

/* ---- ABI: option structs that grow ---------------------------------------------
 *
 * The option structs the caller fills (slate_engine_opts, slate_program_opts)
 * start with `size`, so that members can be added without breaking programs
 * built against an older slate.h.  Members are only ever added at the end, and
 * every member's default is 0 (NULL).  The library reads the struct thus:
 *   - size 0: the struct as first published (this header's members), so an
 *     initialiser that names members, `{.tolerance_ms = 5000}`, or `{0}` keeps
 *     compiling and meaning the same thing; it cannot reach members added later;
 *   - size = sizeof as the caller compiled it (SLATE_ENGINE_OPTS_INIT,
 *     SLATE_PROGRAM_OPTS_INIT set it): members the caller's header lacks take
 *     their default;
 *   - a size larger than this library's struct (a newer header) is accepted when
 *     every byte past the members this library knows is 0 (the newer members
 *     left at their defaults), and refused otherwise, as is a non-zero size
 *     smaller than the first published struct: slate_engine_new returns NULL,
 *     slate_program_load_opts SLATE_MISUSE.
 * Structs the library fills (slate_case_info, slate_clock_info, slate_risk)
 * keep their layout for the life of the shared library's major version
 * (libslate.so.0); what is added later comes through new functions. */

/* ---- programs with the caller's allocator ----------------------------------------- */

/* Options of slate_program_load_opts; start from SLATE_PROGRAM_OPTS_INIT. */
typedef struct slate_program_opts {
    size_t size;                      /* sizeof(slate_program_opts), or 0 (see "ABI") */
    const slate_allocator *allocator; /* NULL: the C library's.  Copied; its `ud`
                                         must outlive the program */
} slate_program_opts;

#define SLATE_PROGRAM_OPTS_INIT {sizeof(slate_program_opts), NULL}

/* slate_program_load, with every allocation (the verifier's scratch memory, the
 * program itself, the error message) made through opts->allocator: the program
 * gives its memory back through it in slate_program_free, and *err is freed by
 * the caller through it (allocator->realloc(ud, err, 0); slate_free when no
 * allocator was given).  When an allocation fails: SLATE_NOMEM, nothing kept
 * (*err NULL if the message itself could not be allocated).  SLATE_MISUSE, with
 * no message, for a NULL prog or an opts->size this library cannot honour.  opts
 * may be NULL. */
SLATE_API int slate_program_load_opts(const void *bytes, size_t len, const slate_program_opts *opts,
                                      slate_program **prog, char **err);

/* ---- events the host could not decode -------------------------------------------- */

/* Record an event the host could not decode as rejected: one `reject` decision
 * whose message is `reason` (copied during the call, at most 1023 bytes kept),
 * numbered in the engine's sequence and dated at the watermark, or at ev->at
 * when the engine has no time yet and ev->at != INT64_MIN, or at 0 (1970).  Only
 * ev->seq is required: case_id (which names the decision's case when it is 1 to
 * 256 bytes) and id may be NULL, type may be -1 (or any id of the program: it is
 * not looked at), nvalues must be 0.  Does not move the watermark, fire timers
 * or touch any case.  Returns SLATE_OK, SLATE_SINK or SLATE_MISUSE (a NULL
 * engine, event or reason, values given, an ev->at other than INT64_MIN outside
 * SLATE_AT_MIN..SLATE_AT_MAX, or from its own sink). */
SLATE_API int slate_engine_reject(slate_engine *eng, const slate_event *ev, const char *reason,
                                  slate_sink sink, void *ud);

/* ---- looking inside cases ------------------------------------------------------------
 *
 * For a server's metrics and a desk's "at risk now" view.  Both functions read
 * the engine and allocate nothing: they fill what the caller passes.  They may
 * be called from a sink, on the sink's own engine too (they then see it part
 * way through the call, as the queries above do); like every call on an engine,
 * only from the thread using it at the time.  Times are at the engine's
 * watermark (slate_engine_watermark); nothing is advanced. */

/* The state of a clock of a case. */
#define SLATE_CLOCK_IDLE 0    /* not started in this case (or reset while stopped) */
#define SLATE_CLOCK_RUNNING 1 /* counting working time */
#define SLATE_CLOCK_PAUSED 2  /* started but not counting: paused by an event, held
                                 by its `pauses while`, without a target in the
                                 case's tier, or waiting for one to start late
                                 (elapsed_ms 0 until it has one) */
#define SLATE_CLOCK_STOPPED 3 /* stopped; compare elapsed_ms with target_ms */

typedef struct slate_clock_info {
    int clock;          /* the clock's id (slate_program_clock_name) */
    int state;          /* SLATE_CLOCK_* */
    int64_t elapsed_ms; /* working time counted in this run */
    int64_t target_ms;  /* its target in the case's tier (an ad-hoc clock: in its
                           `require`/`review`); -1 when it has none */
    int64_t deadline;   /* the instant its working time reaches the target if it
                           keeps running (UTC ms): INT64_MIN unless RUNNING and
                           not yet breached */
    int breached;       /* 1 when this run has breached: elapsed_ms >= target_ms,
                           or a target it had before a tier change (as the `stop`
                           decision's `met` and `breached_ms` judge it) */
} slate_clock_info;

typedef struct slate_case_info {
    int tier;               /* the case's tier id (slate_program_tier_name), -1: none */
    int level;              /* its escalation level index, from 0 */
    const char *tier_name;  /* NULL when no tier; owned by the program */
    const char *level_name; /* NULL when the program declares no levels; owned by
                               the program */
    size_t nclocks;         /* the program's clocks: slate_program_clock_count */
} slate_case_info;

/* The open case `id` (`len` bytes): its tier and level in *info, and in
 * clocks[c], for each clock id c < min(n, info->nclocks), that clock's state.
 * Every clock of the program is listed, idle ones included, so an array of
 * slate_program_clock_count() entries holds them all.  SLATE_OK; SLATE_ERROR
 * when no case of that id is open (*info: tier -1, level 0, names NULL, nclocks
 * set; clocks untouched); SLATE_MISUSE
 * for a NULL engine or info, id NULL with len > 0, clocks NULL with n > 0. */
SLATE_API int slate_engine_case(const slate_engine *eng, const char *id, size_t len,
                                slate_case_info *info, slate_clock_info *clocks, size_t n);

/* One open case at risk: its running or paused clock with the least working
 * time left among those past the percentage asked for. */
typedef struct slate_risk {
    const char *case_id; /* the engine's copy: valid until the engine next changes
                            (from a sink: until the sink returns) */
    size_t case_len;
    int clock;           /* the clock's id */
    int state;           /* SLATE_CLOCK_RUNNING or SLATE_CLOCK_PAUSED */
    int64_t elapsed_ms;
    int64_t target_ms;
    int64_t left_ms;     /* target_ms - elapsed_ms: 0 or less once breached */
    int64_t deadline;    /* as in slate_clock_info */
} slate_risk;

/* The open cases with a started clock (running or paused, not stopped) whose
 * working time has reached `percent`% of its target (the point a `warn at
 * percent%` step fires at; 100: breached), one entry per case, most urgent
 * first: by left_ms ascending (the most overdue first), ties by case id (bytes
 * compared as unsigned, a prefix before what it starts), so the order does not
 * depend on the engine's history and lists from several engines merge into the
 * same order.  The first min(n, *found) entries are written to out; *found
 * (when found is not NULL) is how many cases qualify.  O(open cases x clocks x
 * log n).  SLATE_OK; SLATE_MISUSE for a NULL engine, a negative percent, out
 * NULL with n > 0. */
SLATE_API int slate_engine_at_risk(const slate_engine *eng, int percent, slate_risk *out, size_t n,
                                   size_t *found);

/* ---- snapshots -------------------------------------------------------------------
 *
 * An engine's whole state as bytes, to checkpoint a stream and carry it on later
 * or elsewhere (docs/snapshot.md): restore a snapshot into an engine running the
 * same program, feed it the events that came after, and it makes the decisions
 * the first engine would have made, byte for byte, timers and their order
 * included.  A snapshot holds the open cases (ids, fields, levels, tiers,
 * clocks with their fired ladder steps and breached targets, what a hot swap
 * carries included), the interned strings, the timer queue, the watermark and
 * the latest time seen, the events held within the tolerance, the
 * decision and case counters, the engine's tolerance_ms, max_jump_ms and strict,
 * and the program's hash; it is versioned and ends in a checksum.  It does not
 * hold the program, nor the allocator or expected_cases (those stay the
 * restoring engine's).  The bytes are the same on every platform and for
 * engines in the same state.  Neither call may be made from a sink
 * (SLATE_MISUSE), nor with a NULL engine or result pointer. */

/* The engine's state as *len bytes at *bytes, from the C library's malloc (free
 * with slate_free), whatever the engine's allocator.  Changes nothing in the
 * engine.  SLATE_OK, or SLATE_NOMEM (*bytes NULL). */
SLATE_API int slate_engine_snapshot(slate_engine *eng, void **bytes, size_t *len);

/* Replace the engine's state (whatever it holds) by the snapshot's.  The engine
 * must run the program the snapshot was made under (slate_engine_program after
 * the last swap; see slate_snapshot_program_hash); usually it is new from
 * slate_engine_new.  The bytes are checked whole before anything changes: a
 * snapshot that is truncated, corrupt (checksum), of another format version or
 * of another program (the message names both hashes), or whose contents do not
 * fit the program is refused with SLATE_ERROR and slate_errmsg saying why, and
 * the engine is left unchanged, as usable as before; SLATE_NOMEM likewise.
 * Hostile bytes are refused, never trusted. */
SLATE_API int slate_engine_restore(slate_engine *eng, const void *bytes, size_t len);

/* The hash (slate_program_hash) of the program a snapshot was made under, as 64
 * hex digits and a NUL into `hash`, so a server can pick the program to restore
 * it with.  SLATE_OK, or SLATE_ERROR when the bytes are not a whole, intact
 * snapshot (hash is then ""). */
SLATE_API int slate_snapshot_program_hash(const void *bytes, size_t len, char hash[65]);

#ifdef __cplusplus
}
#endif

#endif
