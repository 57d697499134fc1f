/*
 * ast.h - the abstract syntax tree of a slate policy.
 *
 * The parser (grammar/parser.y) builds it; the checker (compiler/check.c) resolves
 * names and fills the `resolved` parts; lowering reads it.  Every node keeps its
 * source span so diagnostics and runtime decisions can point at `file:line:col`.
 * All nodes and strings live in one arena owned by the ast_policy and are freed
 * together by ast_free(); nothing here is shared with the runtime.
 *
 * Lists are singly linked through `next` and kept in source order.
 */
#ifndef SLATE_AST_H
#define SLATE_AST_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* A source span; lines and columns count from 1, end_col is one past the last
 * column.  A span on several lines has end_line > line. */
typedef struct src_loc {
    int line, col, end_line, end_col;
} src_loc;

typedef struct ast_ident {
    const char *name;
    src_loc loc;
    struct ast_ident *next;
    int ref; /* checker: index of what the name denotes, -1 until resolved */
} ast_ident;

/* ---- types ------------------------------------------------------------ */

typedef enum ast_type_kind {
    TY_ERROR = 0, /* an expression whose type could not be found; no cascades */
    TY_INT,
    TY_BOOL,
    TY_STRING,
    TY_DURATION,
    TY_ENUM, /* values of one field's enum */
    TY_LEVEL /* escalation levels (the built-in `level` field) */
} ast_type_kind;

struct ast_field;

typedef struct ast_type {
    ast_type_kind kind;
    const struct ast_field *enum_of; /* TY_ENUM: the field declaring the enum */
} ast_type;

/* ---- durations ---------------------------------------------------------- */

typedef enum ast_dur_unit {
    DUR_SECONDS,      /* `4h`, `N working hours`: seconds of the calendar's time */
    DUR_WORKING_DAYS  /* `N working days`: N standard working days of the calendar */
} ast_dur_unit;

typedef struct ast_duration {
    ast_dur_unit unit;
    int64_t amount; /* seconds for DUR_SECONDS, days for DUR_WORKING_DAYS */
    src_loc loc;
} ast_duration;

/* ---- expressions -------------------------------------------------------- */

typedef enum ast_expr_kind {
    EX_INT,
    EX_BOOL,
    EX_STRING,
    EX_DURATION, /* a plain (wall-clock) duration literal */
    EX_NAME,     /* a field, `level`, an enum value or a level name */
    EX_NOT,
    EX_AND,
    EX_OR,
    EX_CMP,      /* l OP r */
    EX_IN        /* l in (items) */
} ast_expr_kind;

typedef enum ast_cmp_op { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE } ast_cmp_op;

/* What an EX_NAME turned out to be, filled by the checker. */
typedef enum ast_name_kind {
    NAME_UNRESOLVED = 0,
    NAME_FIELD,      /* ref = field index (declaration order) */
    NAME_LEVEL_FIELD,/* the built-in `level` field */
    NAME_ENUM_VALUE, /* ref = value index within its enum */
    NAME_LEVEL       /* ref = level index */
} ast_name_kind;

typedef struct ast_expr {
    ast_expr_kind kind;
    src_loc loc;
    union {
        int64_t ival;      /* EX_INT, EX_BOOL (0/1), EX_DURATION (seconds) */
        const char *sval;  /* EX_STRING (unescaped), EX_NAME */
        struct { struct ast_expr *l, *r; ast_cmp_op op; } bin; /* AND, OR, CMP */
        struct ast_expr *operand;                             /* EX_NOT */
        struct { struct ast_expr *l; struct ast_expr *items; } in; /* items via next */
    } u;
    struct ast_expr *next; /* next item in an `in (...)` list or `emit` arguments */

    int depth;             /* `and`/`or` nesting below this node (parser), so a
                              long chain is refused before any pass recurses on it */

    /* filled by the checker */
    ast_type type;
    ast_name_kind name_kind;
    int ref;
} ast_expr;

/* ---- declarations -------------------------------------------------------- */

/* Days are numbered mon=0 .. sun=6. */
typedef struct ast_interval {
    int start_min, end_min; /* minutes from 00:00; end may be <= start (spans midnight) */
    src_loc loc;
    struct ast_interval *next;
} ast_interval;

typedef struct ast_hours {
    int first_day, last_day; /* inclusive, may wrap (sat-mon) */
    src_loc days_loc;
    ast_interval *intervals;
    src_loc loc;
    struct ast_hours *next;
} ast_hours;

typedef struct ast_date {
    int year, month, day;
    src_loc loc;
} ast_date;

typedef struct ast_closed {
    ast_date from, to; /* a single day has from == to */
    ast_interval *hours; /* `open` only: the hours written after the dates (shared by
                            the items of one `open` line), NULL: the standard day */
    src_loc loc;
    struct ast_closed *next;
} ast_closed;

typedef struct ast_calendar {
    ast_ident name;
    const char *zone; /* NULL means UTC */
    src_loc zone_loc;
    ast_hours *hours;
    ast_closed *closed;
    ast_closed *open;  /* `open` dates: make-up working days */
    src_loc loc;
    int index; /* checker: position in the policy's calendar table */
    int used;  /* checker: referenced by a target or action */
    struct ast_calendar *next;
} ast_calendar;

typedef struct ast_field {
    ast_ident name;
    ast_type_kind kind;   /* TY_INT, TY_BOOL, TY_STRING, TY_DURATION or TY_ENUM */
    ast_ident *values;    /* TY_ENUM: the values in order */
    int nvalues;
    ast_ident *required_on; /* `required on E, ...`: the event types (NULL: none) */
    src_loc type_loc;
    src_loc loc;
    int index;            /* checker: declaration order */
    struct ast_field *next;
} ast_field;

typedef struct ast_clock {
    ast_ident name;
    ast_ident *starts_on, *stops_on, *pauses_on, *resumes_on, *resets_on;
    ast_expr *pauses_while; /* NULL if none */
    int late_from_change;   /* `starts late from change` */
    src_loc late_loc;
    src_loc loc;
    int index;
    int used; /* checker: some tier gives it a target */
    struct ast_clock *next;
} ast_clock;

typedef enum ast_action_kind {
    ACT_ROUTE,    /* route TEAM */
    ACT_ASSIGN,   /* assign WHO */
    ACT_ESCALATE, /* escalate to LEVEL */
    ACT_NOTIFY,   /* notify WHO "message" */
    ACT_SET,      /* set FIELD = EXPR */
    ACT_REQUIRE,  /* require NAME within DUR [on CAL] [until EVENT] */
    ACT_REVIEW,   /* open review within DUR [on CAL] */
    ACT_EMIT      /* emit NAME(args) */
} ast_action_kind;

typedef struct ast_action {
    ast_action_kind kind;
    src_loc loc;
    ast_ident target;    /* ROUTE/ASSIGN/NOTIFY who, ESCALATE level, SET field,
                            REQUIRE name, EMIT name */
    const char *message; /* NOTIFY */
    ast_expr *value;     /* SET value; EMIT arguments (linked by next) */
    ast_duration within; /* REQUIRE, REVIEW */
    ast_ident calendar;  /* REQUIRE, REVIEW; name NULL when absent */
    ast_ident until;     /* REQUIRE; name NULL when absent (defaults to target) */
    struct ast_action *next;
} ast_action;

typedef enum ast_step_kind {
    STEP_PERCENT,      /* at N% of CLOCK */
    STEP_BEFORE,       /* at DUR before breach of CLOCK */
    STEP_BREACH        /* at breach of CLOCK [+ DUR] */
} ast_step_kind;

typedef struct ast_step {
    ast_step_kind kind;
    int percent;          /* STEP_PERCENT */
    ast_duration offset;  /* STEP_BEFORE: time before; STEP_BREACH: time after (0 if none) */
    ast_ident clock;
    ast_action *actions;
    src_loc loc;
    struct ast_step *next;
} ast_step;

typedef struct ast_ladder {
    ast_ident name;
    ast_step *steps;
    src_loc loc;
    int index;
    int used;
    struct ast_ladder *next;
} ast_ladder;

typedef struct ast_target {
    ast_ident clock;
    ast_duration within;
    ast_ident calendar; /* name NULL when absent: wall-clock time */
    ast_ident cal_field; /* `on CAL[FIELD]`: the enum field whose value picks the
                            calendar `CAL[VALUE]`; name NULL when absent */
    src_loc loc;
    struct ast_target *next;
} ast_target;

typedef struct ast_sla {
    ast_ident name;
    ast_expr *when;      /* NULL for the default tier */
    ast_target *targets;
    ast_ident ladder;    /* name NULL when absent */
    src_loc loc;
    int index;
    struct ast_sla *next;
} ast_sla;

typedef struct ast_rule {
    ast_ident event;
    ast_expr *when;      /* NULL: always */
    ast_ident label;     /* `as NAME`; name NULL when absent */
    ast_action *actions;
    src_loc loc;
    int index;
    struct ast_rule *next;
} ast_rule;

typedef struct ast_policy {
    const char *file;     /* the path diagnostics and decisions name */
    const char *name;     /* from the header; NULL if the header is missing */
    const char *version;
    src_loc header_loc;

    ast_calendar *calendars;
    ast_field *fields;
    ast_ident *levels;   /* in order, lowest first */
    ast_ident *events;   /* declared event types beyond the built-ins */
    ast_clock *clocks;
    ast_ladder *ladders;
    ast_sla *slas;
    ast_rule *rules;

    /* `reopen [on EVENT, ...] within D` (docs/language.md): how long a closed
     * case can come back, and the events that bring it back (NULL: `reopened`) */
    int has_reopen;
    ast_duration reopen_within;
    ast_ident *reopen_on;
    src_loc reopen_loc;

    arena mem;           /* owns every node and string above */
} ast_policy;

/* The longest `and`/`or` chain a condition may have: every later pass walks
 * expressions recursively, and the C stack is the limit that matters. */
#define AST_MAX_EXPR_DEPTH 1000

/* Allocate an empty policy whose arena will own the tree; NULL when out of memory. */
ast_policy *ast_new(const char *file);

/* Free the policy and everything its arena holds.  NULL is allowed. */
void ast_free(ast_policy *p);

/* Copy `len` bytes of `s` into the policy's arena, NUL-terminated. */
const char *ast_strdup(ast_policy *p, const char *s, size_t len);

/* Zeroed node storage from the policy's arena (never NULL: aborts on OOM). */
void *ast_alloc(ast_policy *p, size_t size);

/* Append `item` to the list whose head pointer is `*head` (lists are short). */
#define AST_APPEND(head, item)                                   \
    do {                                                         \
        __typeof__(item) *pp_ = &(head);                         \
        while (*pp_) pp_ = &(*pp_)->next;                        \
        *pp_ = (item);                                           \
    } while (0)

/* The built-in event types (bytecode/builtins.def), in the order their ids are
 * numbered. */
enum {
#define BUILTIN_EVENT(id, name, meaning) +1
    AST_NBUILTIN_EVENTS = 0
#include "builtins.def"
#undef BUILTIN_EVENT
};
extern const char *const ast_builtin_events[AST_NBUILTIN_EVENTS];

/* Lowercase names for diagnostics. */
const char *ast_type_name(ast_type_kind k);
const char *ast_cmp_name(ast_cmp_op op);

/* Whether two EX_NAME nodes name the same thing (1) or not (0). */
typedef int ast_name_eq_fn(const ast_expr *a, const ast_expr *b);

/* Structural equality of two expressions: 1 when both are NULL, or both have the
 * same kind, literals, operators and `in` items in order; else 0.  Names are
 * compared by `name_eq`, or by their spelling when it is NULL (before names are
 * resolved).  Reads both trees only. */
int ast_expr_equal(const ast_expr *a, const ast_expr *b, ast_name_eq_fn *name_eq);

#endif
