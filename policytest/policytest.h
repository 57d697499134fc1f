/*
 * policytest.h - the `.test` files of `slate test`: parsing, decision patterns,
 * matching and printing (docs/policy-tests.md is the format).
 *
 * Sits between the test files and the engine: cmd_test.c reads a file, parses it
 * here into events and expectations, pushes the events through an engine, then
 * hands the decisions (as JSON objects, the form `slate run` prints) back here to
 * be matched.  Nothing here compiles a policy or runs an engine, so all of it can
 * be unit-tested on text.  Times are UTC milliseconds since 1970.
 */
#ifndef SLATE_POLICYTEST_H
#define SLATE_POLICYTEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* A FIELD=VALUE or KEY=VALUE pair as written. */
typedef struct pt_kv {
    char *key;
    char *val;   /* unescaped */
    int quoted;  /* the value was written in double quotes */
} pt_kv;

/* A pattern one decision must match (an `expect` line or a line of an exact list). */
typedef struct pt_pattern {
    char *action;   /* NULL: any action (only in exact lists) */
    char *subject;  /* NULL when not given */
    pt_kv *kv;
    size_t nkv;
    int has_at;
    int64_t at;
    int offset_min;   /* the file's offset, for times written in KEY=VALUE */
    int line;
} pt_pattern;

typedef enum pt_item_kind {
    PT_EVENT,   /* an event to push */
    PT_UNTIL,   /* advance time */
    PT_EXPECT,  /* an `expect` line */
    PT_EXACT    /* an `expect exactly` list */
} pt_item_kind;

#define PT_SOME (-1) /* `expect`: at least one */
#define PT_NONE 0    /* `expect no` (also `expect 0`) */

typedef struct pt_item {
    pt_item_kind kind;
    int line;
    int64_t at;        /* EVENT, UNTIL: the resolved instant (EVENT: INT64_MIN for a
                          JSON line without a leading time: its own `at` applies) */
    /* EVENT, compact form: */
    char *type;
    char *case_id;     /* NULL: none (a `tick`) */
    pt_kv *fields;
    size_t nfields;
    /* EVENT, JSON form (then type/case_id/fields are unused): */
    char *json;
    /* EXPECT: */
    int count;         /* PT_SOME, PT_NONE or an exact number */
    pt_pattern pat;
    /* EXACT: */
    char **actions;    /* the action filter, NULL when none */
    size_t nactions;
    char *case_filter; /* NULL when none */
    pt_pattern *pats;
    size_t npats;
} pt_item;

typedef struct pt_test {
    char *name;
    int line;
    char *default_case; /* from `case ID`, else "c1" */
    pt_item *items;
    size_t nitems;
} pt_test;

typedef struct pt_file {
    char *path;        /* the test file as named */
    char *policy;      /* the policy path, resolved against the file's directory */
    int policy_line;
    int offset_min;    /* the header's `offset`, minutes east of UTC */
    pt_kv *defaults;   /* fields for `opened` events */
    size_t ndefaults;
    pt_test *tests;
    size_t ntests;
} pt_file;

/* Parse the text of the test file `path`.  On success returns 0 and fills *f,
 * which the caller releases with pt_free().  On a syntax error returns -1 with
 * "path:line: message" in err (and *f released). */
int pt_parse(const char *path, const char *text, size_t len, pt_file *f, char *err,
             size_t errsize);
void pt_free(pt_file *f);

/* ---- times and durations ---------------------------------------------------- */

/* Parse a time: `YYYY-MM-DDTHH:MM[:SS[.mmm]][Z|+HH:MM|-HH:MM]`, offsetless times
 * taking `offset_min`.  Returns 0 and sets *ms, or -1. */
int pt_parse_time(const char *s, int offset_min, int64_t *ms);

/* Parse a duration `1h30m`, `2d`, `45s`, `250ms`, `0` into milliseconds; parts
 * must come in decreasing order.  Returns 0 or -1. */
int pt_parse_duration(const char *s, int64_t *ms);

/* Write `ms` as `YYYY-MM-DDTHH:MM[:SS[.mmm]]` at `offset_min`, followed by `Z` or
 * the offset.  Returns buf. */
char *pt_format_time(int64_t ms, int offset_min, char *buf, size_t size);

/* Write a duration in the form pt_parse_duration reads.  Returns buf. */
char *pt_format_duration(int64_t ms, char *buf, size_t size);

/* ---- events -------------------------------------------------------------------- */

/* How the runner tells pt_event_json a field's type: one of SLATE_T_* from
 * slate.h, or 0 when the field is unknown. */
typedef int (*pt_field_type_fn)(void *ud, const char *field);

/* The event `it` (PT_EVENT) as one line of JSON for the event reader, with the
 * file's defaults added to `opened` events.  `ftype` may be NULL.  Returns a
 * malloc'd string, or NULL (with a message in err) when a JSON line is not a
 * JSON object. */
char *pt_event_json(const pt_file *f, const pt_item *it, pt_field_type_fn ftype, void *ud,
                    char *err, size_t errsize);

/* ---- decisions ------------------------------------------------------------------ */

/* The decision key holding the main argument of `action` ("clock", "tier", ...),
 * or NULL when it has none. */
const char *pt_subject_key(const char *action);

/* True when decision `d` (a JSON object as `slate run` prints it) matches `p`. */
int pt_match(const pt_pattern *p, json_t *d);

/* Print decision `d` as a pattern line that would match it (times at
 * `offset_min`; `case=` only when it differs from `default_case`). */
void pt_print_decision(FILE *out, json_t *d, int offset_min, const char *default_case);

/* Print pattern `p` as written. */
void pt_print_pattern(FILE *out, const pt_pattern *p, int offset_min);

/* True when `d` passes the filter of an exact list `it`. */
int pt_exact_keeps(const pt_item *it, json_t *d);

/* Check an `expect` (PT_EXPECT) or `expect exactly` (PT_EXACT) item against
 * `n` decisions.  Returns 1 when it holds; otherwise 0, and explains on `out`
 * (indented by `indent` spaces): the pattern and, for an exact list, a diff. */
int pt_check(const pt_item *it, json_t *const *ds, size_t n, int offset_min,
             const char *default_case, FILE *out, int indent);

#endif
