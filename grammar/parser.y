/*
 * parser.y - the slate grammar: tokens -> AST (compiler/ast.h).
 *
 * Second stage of the pipeline (lexer.l -> parser.y -> check.c -> ...).  A pure,
 * reentrant LALR(1) parser with no conflicts (%expect 0).  It builds the tree in
 * the policy's arena, names nothing it cannot see (name resolution is the
 * checker's job) and recovers from syntax errors at block items and top-level
 * declarations so one run reports every separate mistake.  Messages never show
 * bison's token names: yyreport_syntax_error() turns the expected set into words
 * ("expected a duration such as `4h`, found `of`").
 *
 * Between the scanner and the parser sits slate_yylex() (grammar/gsupport.c, with
 * parse_policy()): it counts braces, and when a token that can only start a
 * declaration (`sla`, `clock`, end of file, ...) arrives inside an open block it
 * reports the missing `}` and hands the parser the closing braces, so the next
 * declaration parses cleanly.  The actions stay thin: the node builders they call
 * (gr_mk_*, gr_note_decl, gr_day_index, ...) are in grammar/gbuild.c.
 */
%require "3.8"
%define api.prefix {slate_yy}
%define api.pure full
%define parse.error custom
%define parse.lac full
/* No default reductions: a state reduces only on a token that may follow, so after
 * an `error` the parser discards tokens until a real resynchronisation point (the
 * next item of a block, `{`, a declaration) instead of reducing past it. */
%define lr.default-reduction accepting
%locations
%param {gr_state *ps}
%expect 0

%code requires {
#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "diag.h"
#include "gstate.h"

/* Builders for declarations whose lists grow item by item. */
typedef struct gr_calb { ast_calendar *node; gr_list hours, closed, open; } gr_calb;
typedef struct gr_clkb {
    ast_clock *node;
    gr_list starts, stops, pauses, resumes, resets;
} gr_clkb;
typedef struct gr_slab { gr_list targets; ast_ident ladder; } gr_slab;
typedef struct gr_days { int first, last; src_loc loc; } gr_days;
}

%union {
    const char *str;
    int64_t num;
    ast_date date;
    ast_ident *id;
    gr_list list;
    ast_expr *expr;
    ast_duration dur;
    ast_action *act;
    ast_step *step;
    ast_interval *iv;
    ast_closed *cl;
    ast_target *tgt;
    gr_calb *calb;
    gr_clkb *clkb;
    gr_slab *slab;
    gr_days days;
    ast_cmp_op op;
    ast_type_kind ty;
}

%code {
#include <stdlib.h>
#include <string.h>

#include "gbuild.h"
#include "gsupport.h"

#define YYSTYPE SLATE_YYSTYPE
#define YYLTYPE SLATE_YYLTYPE

static void slate_yyerror(YYLTYPE *loc, gr_state *ps, const char *msg);

/* Append `item` to a gr_list in O(1). */
#define PUSH(l, item)                                                   \
    do {                                                                \
        __typeof__(item) it_ = (item);                                  \
        if ((l).tail) ((__typeof__(item))(l).tail)->next = it_;         \
        else (l).head = it_;                                            \
        (l).tail = it_;                                                 \
    } while (0)

/* Move the whole list `from` (of `type` nodes) to the end of `to`, in O(1). */
#define CONCAT(to, from, type)                                          \
    do {                                                                \
        gr_list f_ = (from);                                            \
        if (f_.head) {                                                  \
            if ((to).tail) ((type *)(to).tail)->next = f_.head;         \
            else (to).head = f_.head;                                   \
            (to).tail = f_.tail;                                        \
        }                                                               \
    } while (0)

/* Short: every action names locations. */
#define L(l) gr_loc(l)
}

/* Keywords.  The quoted aliases are what messages show, in backticks. */
%token T_POLICY "policy" T_VERSION "version" T_CALENDAR "calendar" T_ZONE "zone"
%token T_HOURS "hours" T_CLOSED "closed" T_CASE "case" T_ENUM "enum" T_BOOL "bool"
%token T_INT_KW "int" T_STRING_KW "string" T_DURATION_KW "duration"
%token T_LEVELS "levels" T_EVENTS "events" T_CLOCK "clock" T_STARTS "starts"
%token T_STOPS "stops" T_PAUSES "pauses" T_RESUMES "resumes" T_RESETS "resets"
%token T_ON "on" T_RULE_ON "on (rule)" T_WHILE "while" T_LADDER "ladder" T_AT "at" T_OF "of"
%token T_BREACH "breach" T_BEFORE "before" T_SLA "sla" T_WHEN "when"
%token T_WITHIN "within" T_WORKING "working" T_DAY "day" T_DAYS "days" T_HOUR "hour"
%token T_ROUTE "route" T_ASSIGN "assign" T_ESCALATE "escalate" T_TO "to"
%token T_NOTIFY "notify" T_SET "set" T_REQUIRE "require" T_REQUIRED "required" T_UNTIL "until"
%token T_OPEN "open" T_REVIEW "review" T_EMIT "emit" T_AS "as" T_AND "and"
%token T_OR "or" T_NOT "not" T_IN "in" T_TRUE "true" T_FALSE "false"
%token T_EQ "==" T_NE "!=" T_LE "<=" T_GE ">=" T_DOTDOT ".."
/* Words that are keywords only in `starts late from change` (gsupport.c turns
 * the names into these tokens there), so they stay free as names elsewhere. */
%token T_LATE "late" T_FROM "from" T_CHANGE "change"
/* `reopen` is a keyword only where a declaration starts (gsupport.c). */
%token T_REOPEN "reopen"
/* Literals. */
%token <str> T_IDENT "identifier" T_STRING "string literal"
%token <num> T_INT "integer" T_DURATION "duration literal" T_PERCENT "percentage"
%token <num> T_TIME "time of day"
%token <date> T_DATE "date literal"

%type <id> name
%type <list> names names_opt required_opt reopen_on_opt intervals closed_list args args_opt step_actions rule_body
%type <iv> interval
%type <cl> closed_item
%type <days> days
%type <calb> cal_body
%type <clkb> clock_parts
%type <slab> sla_body
%type <tgt> target
%type <step> step step_head
%type <act> action
%type <dur> dur
%type <expr> expr and_expr not_expr cmp_expr atom when_opt
%type <op> cmp_op
%type <ty> type
%type <str> version_opt
%type <id> cal_opt until_opt as_opt

%%

file
    : decls
    ;

decls
    : %empty
    | decls decl
    | decls error
    ;

decl
    : header
    | calendar
    | case_decl
    | levels_decl
    | events_decl
    | clock
    | ladder
    | sla
    | rule
    | reopen
    ;

/* ---- policy "name" version "v" ---------------------------------------- */

header
    : T_POLICY T_STRING version_opt     { gr_note_header(ps, @1, $2, $3, @$); }
    | T_POLICY error                    { gr_note_header(ps, @1, NULL, NULL, @$); }
    ;

version_opt
    : %empty                            { $$ = NULL; }
    | T_VERSION T_STRING                { $$ = $2; }
    ;

/* Names: identifiers, and the keywords that may double as names. */
name
    : T_IDENT                           { $$ = gr_mk_ident(ps, $1, @1); }
    | T_ZONE                            { $$ = gr_mk_ident(ps, "zone", @1); }
    | T_HOURS                           { $$ = gr_mk_ident(ps, "hours", @1); }
    | T_CLOSED                          { $$ = gr_mk_ident(ps, "closed", @1); }
    | T_REVIEW                          { $$ = gr_mk_ident(ps, "review", @1); }
    ;

names
    : name                              { $$ = (gr_list){0}; PUSH($$, $1); }
    | names ',' name                    { $$ = $1; PUSH($$, $3); }
    ;

names_opt
    : %empty                            { $$ = (gr_list){0}; }
    | names
    | names ','
    ;

/* ---- reopen [on EVENT, ...] within D ------------------------------------ */

reopen
    : T_REOPEN reopen_on_opt T_WITHIN T_DURATION
        {
            gr_note_decl(ps, @1);
            if (ps->pol->has_reopen) {
                char hint[80];
                snprintf(hint, sizeof hint, "the first is on line %d", ps->pol->reopen_loc.line);
                diag_error(ps->d, L(@1), hint, "a policy has one `reopen` statement");
            } else {
                ps->pol->has_reopen = 1;
                ps->pol->reopen_within = gr_mk_dur(DUR_SECONDS, $4, @4);
                ps->pol->reopen_on = $2.head;
                ps->pol->reopen_loc = L(@$);
            }
        }
    | T_REOPEN reopen_on_opt T_WITHIN T_INT T_WORKING working_unit
        {
            gr_note_decl(ps, @1);
            YYLTYPE span = @4;
            span.last_line = @6.last_line;
            span.last_column = @6.last_column;
            diag_error(ps->d, L(span), "write it in wall-clock time, such as `30d`: a closed case "
                       "has no calendar to count working time on",
                       "the reopen period is wall-clock time");
            if (!ps->pol->has_reopen) { /* so a second statement is still one too many */
                ps->pol->has_reopen = 1;
                ps->pol->reopen_loc = L(@$);
            }
        }
    | T_REOPEN error                    { gr_note_decl(ps, @1); }
    ;

working_unit
    : T_DAYS | T_DAY | T_HOURS | T_HOUR
    ;

reopen_on_opt
    : %empty                            { $$ = (gr_list){0}; }
    | T_ON names                        { $$ = $2; }
    ;

/* ---- calendars ---------------------------------------------------------- */

calendar
    : T_CALENDAR name '{' cal_body '}'
        {
            ast_calendar *c = $4->node;
            c->name = gr_ident_val($2);
            c->hours = $4->hours.head;
            c->closed = $4->closed.head;
            c->open = $4->open.head;
            c->loc = L(@$);
            c->index = -1;
            PUSH(ps->calendars, c);
            gr_note_decl(ps, @1);
        }
    | T_CALENDAR name '[' name ']' '{' cal_body '}'
        {
            /* one calendar of a family chosen by a field's value (`on NAME[FIELD]`):
             * its name is `NAME[VALUE]` */
            ast_calendar *c = $7->node;
            size_t n = strlen($2->name) + strlen($4->name) + 3;
            char *full = gr_alloc(ps, n);
            snprintf(full, n, "%s[%s]", $2->name, $4->name);
            c->name = gr_ident_val($2);
            c->name.name = full;
            c->name.loc.end_line = @5.last_line;
            c->name.loc.end_col = @5.last_column;
            c->hours = $7->hours.head;
            c->closed = $7->closed.head;
            c->open = $7->open.head;
            c->loc = L(@$);
            c->index = -1;
            PUSH(ps->calendars, c);
            gr_note_decl(ps, @1);
        }
    | T_CALENDAR name error '{' cal_body '}'  { gr_note_decl(ps, @1); }
    | T_CALENDAR name error                   { gr_note_decl(ps, @1); }
    | T_CALENDAR error                        { gr_note_decl(ps, @1); }
    ;

cal_body
    : %empty
        {
            $$ = gr_alloc(ps, sizeof *$$);
            $$->node = gr_alloc(ps, sizeof *$$->node);
        }
    | cal_body T_ZONE T_STRING
        {
            $$ = $1;
            if ($$->node->zone) {
                char hint[64];
                snprintf(hint, sizeof hint, "the first is on line %d", $$->node->zone_loc.line);
                diag_error(ps->d, L(@2), hint, "a calendar has one `zone`");
            } else {
                $$->node->zone = $3;
                $$->node->zone_loc = L(@3);
            }
        }
    | cal_body T_HOURS days intervals
        {
            $$ = $1;
            ast_hours *h = gr_alloc(ps, sizeof *h);
            h->first_day = $3.first;
            h->last_day = $3.last;
            h->days_loc = $3.loc;
            h->intervals = $4.head;
            h->loc = L(@2);
            h->loc.end_line = @4.last_line;
            h->loc.end_col = @4.last_column;
            PUSH($$->hours, h);
        }
    | cal_body T_CLOSED closed_list
        {
            $$ = $1;
            CONCAT($$->closed, $3, ast_closed);
        }
    | cal_body T_OPEN closed_list
        {
            $$ = $1;
            CONCAT($$->open, $3, ast_closed);
        }
    | cal_body T_OPEN closed_list intervals
        {
            $$ = $1;
            for (ast_closed *o = $3.head; o; o = o->next) o->hours = $4.head;
            CONCAT($$->open, $3, ast_closed);
        }
    | cal_body ';'                      { $$ = $1; }
    | cal_body error                    { $$ = $1; }
    ;

days
    : T_IDENT
        {
            $$.first = $$.last = gr_day_index(ps, $1, @1);
            $$.loc = L(@$);
        }
    | T_IDENT '-' T_IDENT
        {
            $$.first = gr_day_index(ps, $1, @1);
            $$.last = gr_day_index(ps, $3, @3);
            $$.loc = L(@$);
        }
    ;

intervals
    : interval                          { $$ = (gr_list){0}; PUSH($$, $1); }
    | intervals ',' interval            { $$ = $1; PUSH($$, $3); }
    ;

interval
    : T_TIME '-' T_TIME
        {
            $$ = gr_alloc(ps, sizeof *$$);
            $$->start_min = (int)$1;
            $$->end_min = (int)$3;
            $$->loc = L(@$);
        }
    ;

closed_list
    : closed_item                       { $$ = (gr_list){0}; PUSH($$, $1); }
    | closed_list ',' closed_item       { $$ = $1; PUSH($$, $3); }
    ;

closed_item
    : T_DATE
        {
            $$ = gr_alloc(ps, sizeof *$$);
            $$->from = $$->to = $1;
            $$->loc = L(@$);
        }
    | T_DATE T_DOTDOT T_DATE
        {
            $$ = gr_alloc(ps, sizeof *$$);
            $$->from = $1;
            $$->to = $3;
            $$->loc = L(@$);
        }
    ;

/* ---- case fields, levels, events ------------------------------------------ */

case_decl
    : T_CASE '{' case_body '}'          { gr_note_decl(ps, @1); }
    ;

case_body
    : %empty
    | case_body field
    | case_body ';'
    | case_body error
    ;

field
    : name ':' type required_opt
        {
            ast_field *f = gr_alloc(ps, sizeof *f);
            f->name = gr_ident_val($1);
            f->kind = $3;
            f->type_loc = L(@3);
            f->required_on = $4.head;
            f->loc = L(@$);
            f->index = -1;
            if ($3 == TY_ENUM) {
                f->values = ps->enum_values.head;
                for (ast_ident *v = f->values; v; v = v->next) f->nvalues++;
            }
            PUSH(ps->fields, f);
        }
    ;

/* `required on EVENT, ...`: events of those types must carry the field. */
required_opt
    : %empty                            { $$ = (gr_list){0}; }
    | T_REQUIRED T_ON names             { $$ = $3; }
    | T_REQUIRED error                  { $$ = (gr_list){0}; }
    ;

type
    : T_ENUM '{' names '}'              { $$ = TY_ENUM; ps->enum_values = $3; }
    | T_ENUM '{' names ',' '}'          { $$ = TY_ENUM; ps->enum_values = $3; }
    | T_ENUM '{' error '}'              { $$ = TY_ENUM; ps->enum_values = (gr_list){0}; }
    | T_BOOL                            { $$ = TY_BOOL; }
    | T_INT_KW                          { $$ = TY_INT; }
    | T_STRING_KW                       { $$ = TY_STRING; }
    | T_DURATION_KW                     { $$ = TY_DURATION; }
    ;

levels_decl
    : T_LEVELS '{' names_opt '}'
        {
            gr_note_decl(ps, @1);
            if (ps->have_levels) {
                char hint[96];
                snprintf(hint, sizeof hint,
                         "list every level, lowest first, in the block on line %d",
                         ps->levels_loc.line);
                diag_error(ps->d, L(@1), hint, "a second `levels` block");
            } else {
                ps->have_levels = 1;
                ps->levels_loc = L(@1);
                ps->pol->levels = $3.head;
            }
        }
    | T_LEVELS '{' error '}'            { gr_note_decl(ps, @1); ps->have_levels = 1; }
    ;

events_decl
    : T_EVENTS '{' names_opt '}'
        {
            gr_note_decl(ps, @1);
            CONCAT(ps->events, $3, ast_ident);
        }
    | T_EVENTS '{' error '}'            { gr_note_decl(ps, @1); }
    ;

/* ---- clocks ----------------------------------------------------------------- */

clock
    : T_CLOCK name clock_parts
        {
            ast_clock *c = $3->node;
            c->name = gr_ident_val($2);
            c->starts_on = $3->starts.head;
            c->stops_on = $3->stops.head;
            c->pauses_on = $3->pauses.head;
            c->resumes_on = $3->resumes.head;
            c->resets_on = $3->resets.head;
            c->loc = L(@$);
            c->index = -1;
            PUSH(ps->clocks, c);
            gr_note_decl(ps, @1);
        }
    | T_CLOCK error                     { gr_note_decl(ps, @1); }
    ;

clock_parts
    : %empty
        {
            $$ = gr_alloc(ps, sizeof *$$);
            $$->node = gr_alloc(ps, sizeof *$$->node);
        }
    | clock_parts T_STARTS T_ON names   { $$ = $1; CONCAT($$->starts, $4, ast_ident); }
    | clock_parts T_STOPS T_ON names    { $$ = $1; CONCAT($$->stops, $4, ast_ident); }
    | clock_parts T_PAUSES T_ON names   { $$ = $1; CONCAT($$->pauses, $4, ast_ident); }
    | clock_parts T_RESUMES T_ON names  { $$ = $1; CONCAT($$->resumes, $4, ast_ident); }
    | clock_parts T_RESETS T_ON names   { $$ = $1; CONCAT($$->resets, $4, ast_ident); }
    | clock_parts T_STARTS T_LATE T_FROM T_CHANGE
        {
            $$ = $1;
            if ($$->node->late_from_change)
                diag_error(ps->d, L(@2), NULL, "a clock has one `starts late from change`");
            $$->node->late_from_change = 1;
            $$->node->late_loc = L(@2);
        }
    | clock_parts T_STARTS error        { $$ = $1; }
    | clock_parts T_STOPS error         { $$ = $1; }
    | clock_parts T_PAUSES error        { $$ = $1; }
    | clock_parts T_RESUMES error       { $$ = $1; }
    | clock_parts T_RESETS error        { $$ = $1; }
    | clock_parts T_PAUSES T_WHILE expr
        {
            $$ = $1;
            if ($$->node->pauses_while) {
                char hint[96];
                snprintf(hint, sizeof hint,
                         "join the conditions with `or` in the one on line %d",
                         $$->node->pauses_while->loc.line);
                diag_error(ps->d, L(@2), hint, "a clock has one `pauses while` condition");
            } else {
                $$->node->pauses_while = $4;
            }
        }
    ;

/* ---- ladders ------------------------------------------------------------------- */

ladder
    : T_LADDER name '{' ladder_body '}'
        {
            ast_ladder *l = gr_alloc(ps, sizeof *l);
            l->name = gr_ident_val($2);
            l->steps = ps->steps.head;
            l->loc = L(@$);
            l->index = -1;
            PUSH(ps->ladders, l);
            gr_note_decl(ps, @1);
        }
    | T_LADDER name error '{' ladder_body '}'  { gr_note_decl(ps, @1); }
    | T_LADDER name error                      { gr_note_decl(ps, @1); }
    | T_LADDER error                           { gr_note_decl(ps, @1); }
    ;

ladder_body
    : %empty                            { ps->steps = (gr_list){0}; }
    | ladder_body step                  { PUSH(ps->steps, $2); }
    | ladder_body error
    ;

step
    : step_head step_actions
        {
            $$ = $1;
            $$->actions = $2.head;
            $$->loc = L(@$);
        }
    ;

step_head
    : T_AT T_PERCENT T_OF name
        {
            $$ = gr_mk_step(ps, STEP_PERCENT, @$, $4);
            $$->percent = (int)$2;
            $$->offset = gr_mk_dur(DUR_SECONDS, 0, @2);
        }
    | T_AT dur T_BEFORE T_BREACH T_OF name
        {
            $$ = gr_mk_step(ps, STEP_BEFORE, @$, $6);
            $$->offset = $2;
        }
    | T_AT T_BREACH T_OF name
        {
            $$ = gr_mk_step(ps, STEP_BREACH, @$, $4);
            $$->offset = gr_mk_dur(DUR_SECONDS, 0, @4);
        }
    | T_AT T_BREACH T_OF name '+' dur
        {
            $$ = gr_mk_step(ps, STEP_BREACH, @$, $4);
            $$->offset = $6;
        }
    ;

step_actions
    : action                            { $$ = (gr_list){0}; PUSH($$, $1); }
    | step_actions action               { $$ = $1; PUSH($$, $2); }
    | step_actions ';'                  { $$ = $1; }
    ;

/* ---- SLA tiers ------------------------------------------------------------------- */

sla
    : T_SLA name when_opt '{' sla_body '}'
        {
            ast_sla *s = gr_alloc(ps, sizeof *s);
            s->name = gr_ident_val($2);
            s->when = $3;
            s->targets = $5->targets.head;
            s->ladder = $5->ladder;
            s->loc = L(@$);
            s->index = -1;
            PUSH(ps->slas, s);
            gr_note_decl(ps, @1);
        }
    | T_SLA name error '{' sla_body '}' { gr_note_decl(ps, @1); }
    | T_SLA name error                  { gr_note_decl(ps, @1); }
    | T_SLA error                       { gr_note_decl(ps, @1); }
    ;

when_opt
    : %empty                            { $$ = NULL; }
    | T_WHEN expr                       { $$ = $2; }
    ;

sla_body
    : %empty
        {
            $$ = gr_alloc(ps, sizeof *$$);
            $$->ladder = gr_ident_val(NULL);
        }
    | sla_body target                   { $$ = $1; PUSH($$->targets, $2); }
    | sla_body T_LADDER name
        {
            $$ = $1;
            if ($$->ladder.name) {
                char hint[64];
                snprintf(hint, sizeof hint, "the first is on line %d", $$->ladder.loc.line);
                diag_error(ps->d, L(@2), hint, "a tier has one `ladder`");
            } else {
                $$->ladder = gr_ident_val($3);
            }
        }
    | sla_body ';'                      { $$ = $1; }
    | sla_body error                    { $$ = $1; }
    ;

target
    : name T_WITHIN dur cal_opt
        {
            $$ = gr_alloc(ps, sizeof *$$);
            $$->clock = gr_ident_val($1);
            $$->within = $3;
            $$->calendar = gr_ident_val($4);
            $$->loc = L(@$);
        }
    | name T_WITHIN dur T_ON name '[' name ']'
        {
            $$ = gr_alloc(ps, sizeof *$$);
            $$->clock = gr_ident_val($1);
            $$->within = $3;
            $$->calendar = gr_ident_val($5);
            $$->cal_field = gr_ident_val($7);
            $$->loc = L(@$);
        }
    ;

cal_opt
    : %empty                            { $$ = NULL; }
    | T_ON name                         { $$ = $2; }
    ;

dur
    : T_DURATION                        { $$ = gr_mk_dur(DUR_SECONDS, $1, @1); }
    | T_INT T_WORKING T_DAYS            { $$ = gr_mk_dur(DUR_WORKING_DAYS, $1, @$); }
    | T_INT T_WORKING T_DAY             { $$ = gr_mk_dur(DUR_WORKING_DAYS, $1, @$); }
    | T_INT T_WORKING T_HOURS           { $$ = gr_working_hours(ps, $1, @$); }
    | T_INT T_WORKING T_HOUR            { $$ = gr_working_hours(ps, $1, @$); }
    ;

/* ---- event rules ---------------------------------------------------------------- */

rule
    : T_RULE_ON name when_opt as_opt '{' rule_body '}'
        {
            ast_rule *r = gr_alloc(ps, sizeof *r);
            r->event = gr_ident_val($2);
            r->when = $3;
            r->label = gr_ident_val($4);
            r->actions = $6.head;
            r->loc = L(@$);
            r->index = -1;
            PUSH(ps->rules, r);
            gr_note_decl(ps, @1);
        }
    | T_RULE_ON name error '{' rule_body '}'  { gr_note_decl(ps, @1); }
    | T_RULE_ON name error                    { gr_note_decl(ps, @1); }
    | T_RULE_ON error                         { gr_note_decl(ps, @1); }
    ;

as_opt
    : %empty                            { $$ = NULL; }
    | T_AS name                         { $$ = $2; }
    ;

rule_body
    : %empty                            { $$ = (gr_list){0}; }
    | rule_body action                  { $$ = $1; PUSH($$, $2); }
    | rule_body ';'                     { $$ = $1; }
    | rule_body error                   { $$ = $1; }
    ;

/* ---- actions ---------------------------------------------------------------------- */

action
    : T_ROUTE name                      { $$ = gr_mk_action(ps, ACT_ROUTE, @$, $2); }
    | T_ASSIGN name                     { $$ = gr_mk_action(ps, ACT_ASSIGN, @$, $2); }
    | T_ESCALATE T_TO name              { $$ = gr_mk_action(ps, ACT_ESCALATE, @$, $3); }
    | T_NOTIFY name T_STRING
        {
            $$ = gr_mk_action(ps, ACT_NOTIFY, @$, $2);
            $$->message = $3;
        }
    | T_SET name '=' expr
        {
            $$ = gr_mk_action(ps, ACT_SET, @$, $2);
            $$->value = $4;
        }
    | T_REQUIRE name T_WITHIN dur cal_opt until_opt
        {
            $$ = gr_mk_action(ps, ACT_REQUIRE, @$, $2);
            $$->within = $4;
            $$->calendar = gr_ident_val($5);
            $$->until = gr_ident_val($6);
        }
    | T_OPEN T_REVIEW T_WITHIN dur cal_opt
        {
            $$ = gr_mk_action(ps, ACT_REVIEW, @$, NULL);
            $$->within = $4;
            $$->calendar = gr_ident_val($5);
        }
    | T_EMIT name '(' args_opt ')'
        {
            $$ = gr_mk_action(ps, ACT_EMIT, @$, $2);
            $$->value = $4.head;
        }
    ;

until_opt
    : %empty                            { $$ = NULL; }
    | T_UNTIL name                      { $$ = $2; }
    ;

args_opt
    : %empty                            { $$ = (gr_list){0}; }
    | args
    ;

args
    : expr                              { $$ = (gr_list){0}; PUSH($$, $1); }
    | args ',' expr                     { $$ = $1; PUSH($$, $3); }
    ;

/* ---- expressions: or < and < not < comparison, in ------------------------------- */

expr
    : expr T_OR and_expr                { $$ = gr_mk_bin(ps, EX_OR, $1, $3, CMP_EQ, @$); }
    | and_expr
    ;

and_expr
    : and_expr T_AND not_expr           { $$ = gr_mk_bin(ps, EX_AND, $1, $3, CMP_EQ, @$); }
    | not_expr
    ;

not_expr
    : T_NOT not_expr
        {
            $$ = gr_mk_expr(ps, EX_NOT, @$);
            $$->u.operand = $2;
        }
    | cmp_expr
    ;

cmp_expr
    : atom
    | atom cmp_op atom                  { $$ = gr_mk_bin(ps, EX_CMP, $1, $3, $2, @$); }
    | atom T_IN '(' args ')'
        {
            $$ = gr_mk_expr(ps, EX_IN, @$);
            $$->u.in.l = $1;
            $$->u.in.items = $4.head;
        }
    ;

cmp_op
    : T_EQ                              { $$ = CMP_EQ; }
    | T_NE                              { $$ = CMP_NE; }
    | '<'                               { $$ = CMP_LT; }
    | T_LE                              { $$ = CMP_LE; }
    | '>'                               { $$ = CMP_GT; }
    | T_GE                              { $$ = CMP_GE; }
    ;

atom
    : name
        {
            $$ = gr_mk_expr(ps, EX_NAME, @$);
            $$->u.sval = $1->name;
        }
    | T_INT                             { $$ = gr_mk_expr(ps, EX_INT, @$); $$->u.ival = $1; }
    | T_STRING                          { $$ = gr_mk_expr(ps, EX_STRING, @$); $$->u.sval = $1; }
    | T_DURATION                        { $$ = gr_mk_expr(ps, EX_DURATION, @$); $$->u.ival = $1; }
    | T_TRUE                            { $$ = gr_mk_expr(ps, EX_BOOL, @$); $$->u.ival = 1; }
    | T_FALSE                           { $$ = gr_mk_expr(ps, EX_BOOL, @$); $$->u.ival = 0; }
    | '(' expr ')'                      { $$ = $2; $$->loc = L(@$); }
    ;

%%
/* ---- syntax error messages ------------------------------------------------------- */

/* How a token is named to a user: never bison's internal names. */
static const char *sym_phrase(yysymbol_kind_t s, char *buf, size_t size)
{
    switch (s) {
    case YYSYMBOL_YYEOF: return "end of file";
    case YYSYMBOL_T_IDENT: return "a name";
    case YYSYMBOL_T_STRING: return "a string";
    case YYSYMBOL_T_INT: return "a number";
    case YYSYMBOL_T_DURATION: return "a duration such as `4h`";
    case YYSYMBOL_T_PERCENT: return "a percentage such as `75%`";
    case YYSYMBOL_T_TIME: return "a time such as `09:00`";
    case YYSYMBOL_T_DATE: return "a date such as `2025-10-01`";
    case YYSYMBOL_T_RULE_ON: return "`on`";
    case YYSYMBOL_YYerror: case YYSYMBOL_YYUNDEF: return "a valid token";
    default: break;
    }
    /* keywords are "kw", punctuation 'c': show both as `x` */
    const char *n = yysymbol_name(s);
    size_t len = strlen(n);
    if (len >= 2 && (n[0] == '"' || n[0] == '\'')) {
        n++;
        len -= 2;
    }
    snprintf(buf, size, "`%.*s`", (int)len, n);
    return buf;
}

static int is_keyword(yysymbol_kind_t s)
{
    return s >= YYSYMBOL_T_POLICY && s <= YYSYMBOL_T_FALSE;
}

#define NELEM(a) (sizeof(a) / sizeof(a)[0])

static int count_in(const char *have, const yysymbol_kind_t *g, size_t n)
{
    int c = 0;
    for (size_t i = 0; i < n; i++) c += have[g[i]] != 0;
    return c;
}

static void clear_in(char *have, const yysymbol_kind_t *g, size_t n)
{
    for (size_t i = 0; i < n; i++) have[g[i]] = 0;
}

static int yyreport_syntax_error(const yypcontext_t *ctx, gr_state *ps)
{
    static const yysymbol_kind_t g_decl[] = {
        YYSYMBOL_T_POLICY, YYSYMBOL_T_CALENDAR, YYSYMBOL_T_CASE, YYSYMBOL_T_LEVELS,
        YYSYMBOL_T_EVENTS, YYSYMBOL_T_CLOCK, YYSYMBOL_T_LADDER, YYSYMBOL_T_SLA, YYSYMBOL_T_RULE_ON,
        YYSYMBOL_T_REOPEN};
    static const yysymbol_kind_t g_action[] = {
        YYSYMBOL_T_ROUTE, YYSYMBOL_T_ASSIGN, YYSYMBOL_T_ESCALATE, YYSYMBOL_T_NOTIFY,
        YYSYMBOL_T_SET, YYSYMBOL_T_REQUIRE, YYSYMBOL_T_OPEN, YYSYMBOL_T_EMIT};
    static const yysymbol_kind_t g_clock[] = {
        YYSYMBOL_T_STARTS, YYSYMBOL_T_STOPS, YYSYMBOL_T_PAUSES, YYSYMBOL_T_RESUMES,
        YYSYMBOL_T_RESETS};
    static const yysymbol_kind_t g_namekw[] = {
        YYSYMBOL_T_ZONE, YYSYMBOL_T_HOURS, YYSYMBOL_T_CLOSED, YYSYMBOL_T_REVIEW};
    const yysymbol_kind_t g_cmp[] = {
        YYSYMBOL_T_EQ, YYSYMBOL_T_NE, YYTRANSLATE('<'), YYSYMBOL_T_LE, YYTRANSLATE('>'),
        YYSYMBOL_T_GE, YYSYMBOL_T_IN};
    const yysymbol_kind_t g_expr[] = {
        YYSYMBOL_T_IDENT, YYSYMBOL_T_INT, YYSYMBOL_T_STRING, YYSYMBOL_T_DURATION,
        YYSYMBOL_T_TRUE, YYSYMBOL_T_FALSE, YYSYMBOL_T_NOT, YYTRANSLATE('(')};

    yysymbol_kind_t exp[YYNTOKENS];
    int n = yypcontext_expected_tokens(ctx, exp, YYNTOKENS);
    if (n < 0) return n;
    yysymbol_kind_t la = yypcontext_token(ctx);
    char have[YYNTOKENS] = {0};
    for (int i = 0; i < n; i++) have[exp[i]] = 1;
    const int name_expected = have[YYSYMBOL_T_IDENT];
    const int expected_string = n == 1 && have[YYSYMBOL_T_STRING];
    const int expected_eq = have[YYSYMBOL_T_EQ] || have[YYTRANSLATE('=')];
    const int expected_action = have[YYSYMBOL_T_ROUTE];

    /* Collapse families of tokens into one phrase each. */
    const char *items[12];
    int ni = 0, decl = 0;
    char bufs[12][48];
    have[YYTRANSLATE(';')] = 0; /* separators are optional: never worth asking for */
    if (have[YYSYMBOL_T_ON] && have[YYSYMBOL_T_LATE]) { /* after `starts`: `on` is the one */
        have[YYSYMBOL_T_LATE] = 0;
        n--;
    }
    have[YYSYMBOL_T_REQUIRED] = 0; /* nor is a field's optional `required on` */
    if (count_in(have, g_decl, NELEM(g_decl)) >= 6) {
        decl = 1;
        clear_in(have, g_decl, NELEM(g_decl));
        have[YYSYMBOL_YYEOF] = 0;
    }
    if (have[YYSYMBOL_T_IDENT]) clear_in(have, g_namekw, NELEM(g_namekw));
    if (count_in(have, g_expr, NELEM(g_expr)) >= 7) {
        items[ni++] = "an expression";
        clear_in(have, g_expr, NELEM(g_expr));
    }
    if (count_in(have, g_cmp, NELEM(g_cmp)) >= 6) {
        items[ni++] = "a comparison";
        clear_in(have, g_cmp, NELEM(g_cmp));
    }
    if (count_in(have, g_action, NELEM(g_action)) == NELEM(g_action)) {
        items[ni++] = "an action";
        clear_in(have, g_action, NELEM(g_action));
    }
    if (count_in(have, g_clock, NELEM(g_clock)) == NELEM(g_clock)) {
        items[ni++] = "a clock clause such as `stops on`";
        clear_in(have, g_clock, NELEM(g_clock));
    }
    if (have[YYSYMBOL_T_DURATION] && have[YYSYMBOL_T_INT]) {
        items[ni++] = "a duration such as `4h` or `2 working days`";
        have[YYSYMBOL_T_DURATION] = have[YYSYMBOL_T_INT] = 0;
    }
    if (have[YYSYMBOL_T_DAYS] && have[YYSYMBOL_T_HOURS]) /* after `working` */
        have[YYSYMBOL_T_DAY] = have[YYSYMBOL_T_HOUR] = 0;
    int close = have[YYTRANSLATE('}')];
    have[YYTRANSLATE('}')] = 0;
    for (int s = 0; s < YYNTOKENS && ni < 10; s++)
        if (have[s]) {
            items[ni] = sym_phrase((yysymbol_kind_t)s, bufs[ni], sizeof bufs[ni]);
            ni++;
        }
    char closing[96] = "`}`";
    if (close) {
        int top = ps->depth - 1 - (la == YYTRANSLATE('{'));
        if (ni <= 1 && top >= 0 && !ps->synthetic)
            snprintf(closing, sizeof closing, "`}` to close %s",
                     gr_block_phrase(top < GR_MAX_NEST ? ps->open[top].kind : BLK_PLAIN));
        items[ni++] = closing;
    }
    if (decl) items[ni++] = "a declaration";

    /* What was found instead. */
    char found[80];
    const char *hint = NULL;
    char hintbuf[128];
    if (la == YYSYMBOL_YYEOF) {
        snprintf(found, sizeof found, "end of file");
    } else if (name_expected && is_keyword(la) && ni <= 2) {
        snprintf(found, sizeof found, "the keyword `%s`", ps->la_text);
        snprintf(hintbuf, sizeof hintbuf, "`%s` is a keyword and cannot be used as a name",
                 ps->la_text);
        hint = hintbuf;
    } else {
        snprintf(found, sizeof found, "`%s`", ps->la_text);
    }

    /* The two tokens before the lookahead (a synthetic `}` was never counted). */
    int before = ps->synthetic ? ps->prev_kind : ps->prev2_kind;
    int before2 = ps->synthetic ? ps->prev2_kind : ps->prev3_kind;
    if (la == YYTRANSLATE('=') && expected_eq)
        hint = "compare with `==`";
    else if (expected_string && (before == T_POLICY || before == T_VERSION))
        hint = "the header reads `policy \"NAME\" version \"VERSION\"`";
    else if (expected_string && before2 == T_NOTIFY)
        hint = "a notification reads `notify WHO \"message\"`";
    else if (n == 1 && have[YYSYMBOL_T_ON] && (before == T_STARTS || before == T_STOPS ||
             before == T_PAUSES || before == T_RESUMES || before == T_RESETS))
        hint = "clock clauses read `starts on EVENT`, `stops on EVENT, EVENT` "
               "or `pauses while CONDITION`";
    else if (before == T_LATE || before == T_FROM)
        hint = "a late start reads `starts late from change` (without it a clock that "
               "gets its first target late counts from its start event)";
    else if (n == 1 && have[YYSYMBOL_T_ON] && before == T_REQUIRED)
        hint = "a field events must carry reads `NAME: TYPE required on EVENT, EVENT`";
    else if (la == YYSYMBOL_T_AT && expected_action)
        hint = "every ladder step needs at least one action";
    else if (have[YYSYMBOL_T_WORKING] && n == 1 && before2 != T_AT)
        hint = "working time is written `2 working days` or `4 working hours`; "
               "wall-clock time `2d` or `4h`";
    else if (before == T_AT || before2 == T_AT)
        hint = "a step starts `at 75% of CLOCK`, `at 30m before breach of CLOCK` "
               "or `at breach of CLOCK`";
    else if (decl && !hint)
        hint = "a declaration starts with `policy`, `calendar`, `case`, `levels`, "
               "`events`, `clock`, `ladder`, `sla`, `on` or `reopen`";

    char msg[512];
    size_t m = 0;
    if (ni > 5) {
        m = (size_t)snprintf(msg, sizeof msg, "unexpected %s", found);
    } else {
        m = (size_t)snprintf(msg, sizeof msg, "expected ");
        for (int i = 0; i < ni && m < sizeof msg; i++)
            m += (size_t)snprintf(msg + m, sizeof msg - m, "%s%s", items[i],
                                  i + 2 < ni ? ", " : i + 1 < ni ? " or " : "");
        if (m < sizeof msg) snprintf(msg + m, sizeof msg - m, ", found %s", found);
    }
    src_loc loc = ps->synthetic ? ps->la_loc : L(*yypcontext_location(ctx));
    diag_error(ps->d, loc, hint, "%s", msg);
    return 0;
}

static void slate_yyerror(YYLTYPE *loc, gr_state *ps, const char *msg)
{
    /* Only reached when the parser's stack is exhausted. */
    diag_error(ps->d, L(*loc), "split the expression or the nesting into smaller parts",
               "the policy nests too deeply here (%s)", msg);
}
