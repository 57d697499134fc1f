/*
 * gstate.h - the state shared by the scanner (lexer.l) and the parser (parser.y)
 * for one parse.  Internal to grammar/: nothing outside includes it.
 *
 * There is no global state: parse_policy() makes one gr_state on its stack, hands
 * it to flex as extra data and to bison as its parameter, and everything the two
 * need (the policy being built, the diagnostic sink, positions, open blocks) lives
 * here.  All AST memory comes from the policy's arena.
 */
#ifndef SLATE_GSTATE_H
#define SLATE_GSTATE_H

#include <stdint.h>

#include "ast.h"
#include "diag.h"

/* Blocks the scanner sees opened, to name them in "expected `}`" messages. */
typedef enum gr_block_kind {
    BLK_PLAIN = 0, /* a `{` with no keyword before it */
    BLK_CALENDAR,
    BLK_CASE,
    BLK_ENUM,
    BLK_LEVELS,
    BLK_EVENTS,
    BLK_LADDER,
    BLK_SLA,
    BLK_RULE
} gr_block_kind;

#define GR_MAX_NEST 32 /* open blocks remembered by kind; deeper ones count only */

/* A forward-built list: O(1) append whatever the list's length. */
typedef struct gr_list {
    void *head, *tail;
} gr_list;

typedef struct gr_token {
    int kind;
    union { const char *str; int64_t num; ast_date date; } val;
    src_loc loc;
} gr_token;

typedef struct gr_state {
    ast_policy *pol;
    diag_ctx *d;
    void *scanner;

    /* scanner position: the next character's line and column */
    int line, col;

    /* token stream between scanner and parser (see next_token in parser.y) */
    int depth;                        /* `{` open, textually */
    struct { gr_block_kind kind; src_loc loc; } open[GR_MAX_NEST];
    gr_block_kind pending;            /* block kind the next `{` opens */
    int prev_kind, prev2_kind, prev3_kind; /* last real tokens given to the parser */
    src_loc prev_end;                 /* where that token ended */
    int inject;                       /* synthetic `}` still to hand out */
    int have_held;                    /* a real token waits behind them */
    gr_token held;
    char held_text[48];
    int synthetic;                    /* the lookahead is a synthetic `}` */
    src_loc la_loc;                   /* real location of the lookahead */
    char la_text[48];                 /* its text, shortened, for messages */

    /* top-level lists, appended in O(1) */
    gr_list calendars, fields, levels, events, clocks, ladders, slas, rules;
    int ndecls;                       /* declarations seen, for the header rule */
    src_loc first_decl;               /* keyword of the first one */
    int have_header, header_line;
    int have_levels;
    src_loc levels_loc;
    gr_list enum_values;              /* values of the enum type just parsed */
    gr_list steps;                    /* steps of the ladder being parsed */
} gr_state;

#endif
