/*
 * diag.h - diagnostics for policy authors.
 *
 * Every message is printed as `file:line:col: error: message`, then the source
 * line and a `^~~~` underline of the exact span, then an optional `hint:` line, in
 * the manner of gcc and nftables.  Messages are lowercase, without a full stop, and
 * quote names with backticks.  A diag_ctx counts what it printed so the caller can
 * end with a summary and an exit code.  It does not decide what is an error: the
 * lexer, parser and checker do.
 */
#ifndef SLATE_DIAG_H
#define SLATE_DIAG_H

#include <stddef.h>
#include <stdio.h>

#include "ast.h"
#include "suggest.h"

typedef enum diag_level { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } diag_level;

/* One diagnostic as a record, for a sink that prints it some other way (JSON,
 * SARIF, an editor).  Strings live only for the duration of the call. */
typedef struct diag_item {
    const char *file;
    src_loc loc;        /* line 0: not at a place in the file */
    diag_level level;   /* after --werror */
    const char *code;   /* "W010", or NULL */
    const char *message;
    const char *hint;   /* NULL when none */
} diag_item;

typedef void diag_sink_fn(void *arg, const diag_item *it);

/* A diagnostic held back by diag_hold() (internal to diag.c). */
typedef struct diag_held {
    diag_level level;
    const char *code;
    src_loc loc;
    char *msg, *hint; /* malloc'd */
    int seq;
} diag_held;

typedef struct diag_ctx {
    const char *file;  /* name printed before each location */
    const char *src;   /* the source text, for quoting lines; not owned */
    size_t len;
    FILE *out;         /* where messages go (stderr, a memstream; NULL: nowhere) */
    int errors, warnings;
    int max_errors;    /* stop reporting errors past this many (0: no limit) */
    int werror;        /* treat warnings as errors */
    diag_sink_fn *sink;/* when set, each diagnostic goes here instead of `out` */
    void *sink_arg;
    int hold;          /* diag_hold(): counted now, printed by diag_release() */
    diag_held *held;
    int nheld, capheld;
} diag_ctx;

/* Set up a context over `src` (not copied: it must outlive the context). */
void diag_init(diag_ctx *d, const char *file, const char *src, size_t len, FILE *out);

/* Print one diagnostic at `loc`.  `hint` may be NULL. */
void diag_report(diag_ctx *d, diag_level level, src_loc loc, const char *hint,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The same with a stable code ("W010", docs/diagnostics.md), printed after the
 * message as ` [W010]`; code may be NULL. */
void diag_report_code(diag_ctx *d, diag_level level, const char *code, src_loc loc,
                      const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Hold diagnostics back from now on (they are counted at once), then print
 * them all sorted by position: the parser's and the checker's in one order.
 * diag_release() must follow every diag_hold(). */
void diag_hold(diag_ctx *d);
void diag_release(diag_ctx *d);

/* Shorthands for the common levels. */
#define diag_error(d, loc, hint, ...) diag_report((d), DIAG_ERROR, (loc), (hint), __VA_ARGS__)
#define diag_warn(d, loc, hint, ...) diag_report((d), DIAG_WARNING, (loc), (hint), __VA_ARGS__)

/* Print "N errors, M warnings" for the file when there was anything to say. */
void diag_summary(const diag_ctx *d);

/* "Did you mean" search: common/suggest.h (the event reader uses it too). */

#endif
