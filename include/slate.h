/*
 * slate.h - the whole public API of libslate, the slate runtime.
 *
 * If a function is not in this file, it is not part of the API.  A program is a
 * verified, immutable policy image that any number of threads may share; an
 * engine holds the open cases of one stream (one thread, or one partition of the
 * case ids) and turns events into decisions through a caller-supplied sink.  The
 * runtime never reads the wall clock, never draws random numbers, keeps no global
 * state, and allocates nothing while it evaluates an event whose case exists and
 * whose string fields it has seen before.
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

/* Result codes. */
#define SLATE_OK 0       /* success */
#define SLATE_ERROR 1    /* the input was refused (bad image, bad event); see errmsg */
#define SLATE_NOMEM 2    /* an allocation failed; the engine is unchanged */
#define SLATE_MISUSE 3   /* the API was called wrongly (NULL handle, bad argument) */
#define SLATE_SINK 4     /* the sink returned non-zero: processing stopped there */

/* The library's version at run time; compare with SLATE_VERSION_NUMBER. */
int slate_libversion_number(void);

/* A short English description of a result code. */
const char *slate_errstr(int rc);

/* ---- programs ------------------------------------------------------------ */

typedef struct slate_program slate_program;

/* Verify `len` bytes of a compiled image and load it.  The bytes are copied; the
 * caller may free them afterwards.  On failure returns SLATE_ERROR (or NOMEM) and,
 * if err is not NULL, a malloc'd message the caller frees with slate_free(). */
int slate_program_load(const void *bytes, size_t len, slate_program **prog, char **err);

/* Release a program.  Every engine using it must have been freed or swapped. */
void slate_program_free(slate_program *prog);

/* The SHA-256 of the image as 64 lowercase hex digits (owned by the program). */
const char *slate_program_hash(const slate_program *prog);
const char *slate_program_name(const slate_program *prog);
const char *slate_program_version(const slate_program *prog);

/* Look up ids by name, for building events: -1 when unknown. */
int slate_program_event_id(const slate_program *prog, const char *name);
int slate_program_field_id(const slate_program *prog, const char *name);
/* The value index of `name` in the enum of field `field`, -1 when unknown. */
int slate_program_enum_value(const slate_program *prog, int field, const char *name);

/* Field types, as slate_program_field_type returns them. */
#define SLATE_T_INT 1
#define SLATE_T_BOOL 2
#define SLATE_T_STRING 3
#define SLATE_T_DURATION 4 /* milliseconds */
#define SLATE_T_ENUM 5
int slate_program_field_type(const slate_program *prog, int field);

/* Free memory the library returned (error messages). */
void slate_free(void *p);

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
const char *slate_program_source(const slate_program *prog);

int slate_program_event_count(const slate_program *prog);
const char *slate_program_event_name(const slate_program *prog, int event);

int slate_program_field_count(const slate_program *prog);
const char *slate_program_field_name(const slate_program *prog, int field);
/* The number of values of enum field `field`; -1 when it is not an enum. */
int slate_program_enum_count(const slate_program *prog, int field);
const char *slate_program_enum_name(const slate_program *prog, int field, int value);

int slate_program_clock_count(const slate_program *prog);
const char *slate_program_clock_name(const slate_program *prog, int clock);
int slate_program_clock_id(const slate_program *prog, const char *name);

int slate_program_tier_count(const slate_program *prog);
const char *slate_program_tier_name(const slate_program *prog, int tier);
int slate_program_tier_id(const slate_program *prog, const char *name);

int slate_program_calendar_count(const slate_program *prog);
const char *slate_program_calendar_name(const slate_program *prog, int calendar);
int slate_program_calendar_id(const slate_program *prog, const char *name);

/* ---- events -------------------------------------------------------------- */

/* One field value carried by an event.  Ints, bools (0/1), durations (ms) and
 * enum value indices go in `i`; strings in `s`/`len` (need not be NUL-terminated). */
typedef struct slate_value {
    int field;
    int64_t i;
    const char *s;
    size_t len;
} slate_value;

typedef struct slate_event {
    const char *case_id;   /* not NUL-terminated necessarily; NULL only for `tick` */
    size_t case_len;
    int type;              /* slate_program_event_id() */
    int64_t at;            /* UTC milliseconds since 1970 */
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
} slate_decision;

/* Receives decisions in order.  Return 0 to go on; non-zero stops processing
 * with SLATE_SINK (the engine's state stays consistent: the decision counted). */
typedef int (*slate_sink)(void *ud, const slate_decision *d);

/* Render a decision as one line of JSON (no newline) per docs/semantics.md.
 * Returns the length it needed; writes at most size bytes, NUL-terminated when
 * size > 0 (like snprintf). */
size_t slate_decision_json(const slate_decision *d, char *buf, size_t size);

/* ---- engines ------------------------------------------------------------- */

typedef struct slate_engine slate_engine;

typedef struct slate_allocator {
    void *(*realloc)(void *ud, void *ptr, size_t size); /* size 0 frees */
    void *ud;
} slate_allocator;

typedef struct slate_engine_opts {
    int64_t tolerance_ms;  /* how far behind the watermark an event may be (0) */
    const slate_allocator *allocator; /* NULL: the C library's */
    size_t expected_cases; /* pre-size the case store (0: small) */
    int strict;            /* 1: reject an event after which a field that the tier
                              conditions or the rules of its type read would still
                              have no value (docs/semantics.md, "Missing fields");
                              0 (default): such a field reads as its zero value */
} slate_engine_opts;

/* A new engine running `prog` (which must outlive it or be swapped out).  `opts`
 * may be NULL.  Returns NULL when memory runs out. */
slate_engine *slate_engine_new(const slate_program *prog, const slate_engine_opts *opts);
void slate_engine_free(slate_engine *eng);

/* Apply one event: fire every timer due at or before its time, then the event.
 * An unusable event becomes one `reject` decision and SLATE_OK is returned (the
 * event is recorded as rejected); SLATE_MISUSE for a malformed struct. */
int slate_engine_push(slate_engine *eng, const slate_event *ev, slate_sink sink, void *ud);

/* Advance time to `now` (like a tick), firing due timers. */
int slate_engine_advance(slate_engine *eng, int64_t now, slate_sink sink, void *ud);

/* Replace the program between events: open cases keep their fields (by name),
 * clocks (by name) and levels, are re-matched to the new tiers (an `sla` decision
 * for each case whose tier or targets changed), and later decisions name the new
 * policy's hash. */
int slate_engine_swap(slate_engine *eng, const slate_program *prog, slate_sink sink, void *ud);

/* The current watermark (ms), the number of open cases, decisions made. */
int64_t slate_engine_now(const slate_engine *eng);
size_t slate_engine_open_cases(const slate_engine *eng);
uint64_t slate_engine_decisions(const slate_engine *eng);

/* A description of the engine's last SLATE_ERROR / SLATE_MISUSE. */
const char *slate_errmsg(const slate_engine *eng);

#ifdef __cplusplus
}
#endif

#endif
