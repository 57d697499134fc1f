/*
 * test_parser.c - the grammar (grammar/lexer.l, grammar/parser.y): real snippets
 * parsed into trees whose names, kinds, numbers, spans and lists are asserted;
 * syntax and lexical errors by count and text; and inputs that must not crash
 * (NUL bytes, empty, huge, deeply nested, random bytes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "testutil.h"

#define HDR "policy \"p\" version \"1\"\n"

typedef struct parsed {
    ast_policy *ast;
    char *out; /* every diagnostic printed */
    int errors;
} parsed;

static parsed parse_n(const char *src, size_t len)
{
    parsed r;
    tu_capture c;
    FILE *f = tu_open(&c);
    diag_ctx d;
    diag_init(&d, "t.slate", src, len, f);
    d.max_errors = 0;
    r.ast = parse_policy("t.slate", src, len, &d);
    r.out = tu_close(&c);
    r.errors = d.errors;
    return r;
}

static parsed parse(const char *src) { return parse_n(src, strlen(src)); }

static void done(parsed *r)
{
    ast_free(r->ast);
    free(r->out);
}

/* Parse text that must be clean. */
static parsed ok(const char *src)
{
    parsed r = parse(src);
    if (r.errors) fprintf(stderr, "unexpected errors:\n%s", r.out);
    assert_int_equal(r.errors, 0);
    assert_non_null(r.ast);
    return r;
}

static int count_idents(const ast_ident *i)
{
    int n = 0;
    for (; i; i = i->next) n++;
    return n;
}

/* ---- declarations ------------------------------------------------------------ */

static void test_header(void **state)
{
    (void)state;
    parsed r = ok("# comment\npolicy \"enterprise-service\" version \"2025.1\"\n");
    assert_string_equal(r.ast->name, "enterprise-service");
    assert_string_equal(r.ast->version, "2025.1");
    assert_string_equal(r.ast->file, "t.slate");
    assert_int_equal(r.ast->header_loc.line, 2);
    assert_int_equal(r.ast->header_loc.col, 1);
    assert_int_equal(r.ast->header_loc.end_col, 45);
    done(&r);

    r = ok("policy \"only-name\"");
    assert_string_equal(r.ast->name, "only-name");
    assert_null(r.ast->version);
    done(&r);
}

static void test_calendar(void **state)
{
    (void)state;
    parsed r = ok(HDR "calendar business {\n"
                      "    zone \"Asia/Shanghai\"\n"
                      "    hours mon-fri 09:00-12:00, 13:00-18:00\n"
                      "    hours sat 10:00-14:00; hours sun 22:00-02:00\n"
                      "    hours sat-mon 00:00-24:00\n"
                      "    closed 2025-10-01..2025-10-08, 2026-01-01\n"
                      "}\n"
                      "calendar always { hours mon-sun 00:00-24:00 }\n");
    ast_calendar *c = r.ast->calendars;
    assert_non_null(c);
    assert_string_equal(c->name.name, "business");
    assert_int_equal(c->name.ref, -1);
    assert_string_equal(c->zone, "Asia/Shanghai");
    assert_int_equal(c->zone_loc.line, 3);
    assert_int_equal(c->zone_loc.col, 10);
    assert_int_equal(c->loc.line, 2);
    assert_int_equal(c->loc.end_line, 8);

    ast_hours *h = c->hours;
    assert_int_equal(h->first_day, 0);
    assert_int_equal(h->last_day, 4);
    assert_int_equal(h->days_loc.col, 11);
    assert_int_equal(h->days_loc.end_col, 18);
    assert_int_equal(h->intervals->start_min, 9 * 60);
    assert_int_equal(h->intervals->end_min, 12 * 60);
    assert_int_equal(h->intervals->next->start_min, 13 * 60);
    assert_int_equal(h->intervals->next->end_min, 18 * 60);
    assert_null(h->intervals->next->next);
    assert_int_equal(h->intervals->next->loc.col, 32);
    h = h->next;
    assert_int_equal(h->first_day, 5);
    assert_int_equal(h->last_day, 5);
    h = h->next; /* across midnight */
    assert_int_equal(h->first_day, 6);
    assert_int_equal(h->intervals->start_min, 22 * 60);
    assert_int_equal(h->intervals->end_min, 2 * 60);
    h = h->next; /* a wrapping day range */
    assert_int_equal(h->first_day, 5);
    assert_int_equal(h->last_day, 0);
    assert_int_equal(h->intervals->end_min, 24 * 60);
    assert_null(h->next);

    ast_closed *cl = c->closed;
    assert_int_equal(cl->from.year, 2025);
    assert_int_equal(cl->from.month, 10);
    assert_int_equal(cl->from.day, 1);
    assert_int_equal(cl->to.day, 8);
    cl = cl->next;
    assert_int_equal(cl->from.year, 2026);
    assert_int_equal(cl->to.year, 2026);
    assert_int_equal(cl->to.day, 1);
    assert_null(cl->next);

    c = c->next;
    assert_string_equal(c->name.name, "always");
    assert_null(c->zone);
    assert_null(c->closed);
    assert_int_equal(c->hours->last_day, 6);
    assert_null(c->next);
    done(&r);
}

static void test_case_levels_events(void **state)
{
    (void)state;
    parsed r = ok(HDR "case {\n"
                      "    tier: enum { vip, high, medium, low }\n"
                      "    complex: bool; score: int\n"
                      "    agent: string\n"
                      "    budget: duration\n"
                      "    sev: enum { a, b, }\n"
                      "}\n"
                      "levels { agent, specialist, supervisor, manager }\n"
                      "events { analysed, handled }\n"
                      "events { fed_back }\n");
    ast_field *f = r.ast->fields;
    assert_string_equal(f->name.name, "tier");
    assert_int_equal(f->kind, TY_ENUM);
    assert_int_equal(f->nvalues, 4);
    assert_string_equal(f->values->name, "vip");
    assert_string_equal(f->values->next->next->next->name, "low");
    assert_int_equal(f->values->next->loc.col, 23);
    assert_int_equal(f->type_loc.col, 11);
    f = f->next;
    assert_int_equal(f->kind, TY_BOOL);
    f = f->next;
    assert_string_equal(f->name.name, "score");
    assert_int_equal(f->kind, TY_INT);
    f = f->next;
    assert_int_equal(f->kind, TY_STRING);
    f = f->next;
    assert_int_equal(f->kind, TY_DURATION);
    f = f->next;
    assert_int_equal(f->nvalues, 2);
    assert_null(f->next);

    assert_int_equal(count_idents(r.ast->levels), 4);
    assert_string_equal(r.ast->levels->name, "agent");
    assert_int_equal(count_idents(r.ast->events), 3);
    assert_string_equal(r.ast->events->next->next->name, "fed_back");
    done(&r);
}

static void test_clocks_and_soft_keywords(void **state)
{
    (void)state;
    parsed r = ok(HDR "clock response   starts on opened   stops on responded\n"
                      "clock resolution starts on opened   stops on resolved, closed\n"
                      "                 pauses on paused   resumes on resumed\n"
                      "                 pauses while waiting_on_customer\n"
                      "                 resets on reopened\n"
                      "on closed { route archive }\n"
                      "case { zone: string; hours: int }\n"
                      "on review when hours > 2 { require review within 1h until closed }\n");
    ast_clock *c = r.ast->clocks;
    assert_string_equal(c->name.name, "response");
    assert_string_equal(c->starts_on->name, "opened");
    assert_string_equal(c->stops_on->name, "responded");
    assert_null(c->pauses_while);
    assert_null(c->resets_on);
    c = c->next;
    assert_string_equal(c->name.name, "resolution");
    assert_int_equal(count_idents(c->stops_on), 2);
    assert_string_equal(c->stops_on->next->name, "closed");
    assert_int_equal(c->stops_on->next->loc.line, 3);
    assert_int_equal(c->stops_on->next->loc.col, 56);
    assert_string_equal(c->pauses_on->name, "paused");
    assert_string_equal(c->resumes_on->name, "resumed");
    assert_string_equal(c->resets_on->name, "reopened");
    assert_non_null(c->pauses_while);
    assert_int_equal(c->pauses_while->kind, EX_NAME);
    assert_string_equal(c->pauses_while->u.sval, "waiting_on_customer");
    assert_int_equal(c->loc.line, 3);
    assert_int_equal(c->loc.end_line, 6);
    assert_null(c->next);

    ast_rule *rule = r.ast->rules;
    assert_string_equal(rule->event.name, "closed");
    assert_null(rule->when);
    assert_null(rule->label.name);
    rule = rule->next;
    assert_string_equal(rule->event.name, "review");
    assert_string_equal(rule->when->u.bin.l->u.sval, "hours");
    assert_string_equal(rule->actions->target.name, "review");
    assert_string_equal(rule->actions->until.name, "closed");
    assert_string_equal(r.ast->fields->name.name, "zone");
    done(&r);
}

static void test_ladder(void **state)
{
    (void)state;
    parsed r = ok(HDR "ladder standard {\n"
                      "    at 75% of resolution notify assignee \"near\"\n"
                      "    at 30m before breach of response notify assignee \"30 minutes left\"\n"
                      "    at breach of response escalate to specialist; notify supervisor \"x\"\n"
                      "    at breach of resolution escalate to supervisor;\n"
                      "    at breach of resolution + 4h escalate to manager; notify manager \"y\";\n"
                      "    at breach of resolution+1h30m route desk assign lead\n"
                      "}\n");
    ast_ladder *l = r.ast->ladders;
    assert_string_equal(l->name.name, "standard");
    ast_step *s = l->steps;
    assert_int_equal(s->kind, STEP_PERCENT);
    assert_int_equal(s->percent, 75);
    assert_string_equal(s->clock.name, "resolution");
    assert_int_equal(s->actions->kind, ACT_NOTIFY);
    assert_null(s->actions->next);
    assert_int_equal(s->loc.line, 3);
    assert_int_equal(s->loc.col, 5);
    s = s->next;
    assert_int_equal(s->kind, STEP_BEFORE);
    assert_int_equal(s->offset.unit, DUR_SECONDS);
    assert_int_equal(s->offset.amount, 1800);
    assert_string_equal(s->clock.name, "response");
    s = s->next;
    assert_int_equal(s->kind, STEP_BREACH);
    assert_int_equal(s->offset.amount, 0);
    assert_int_equal(s->actions->kind, ACT_ESCALATE);
    assert_string_equal(s->actions->target.name, "specialist");
    assert_int_equal(s->actions->next->kind, ACT_NOTIFY);
    assert_string_equal(s->actions->next->message, "x");
    s = s->next;
    assert_null(s->actions->next);
    s = s->next;
    assert_int_equal(s->kind, STEP_BREACH);
    assert_int_equal(s->offset.amount, 4 * 3600);
    assert_int_equal(s->actions->next->kind, ACT_NOTIFY);
    s = s->next;
    assert_int_equal(s->offset.amount, 5400);
    assert_int_equal(s->actions->kind, ACT_ROUTE);
    assert_int_equal(s->actions->next->kind, ACT_ASSIGN);
    assert_null(s->next);
    done(&r);
}

static void test_sla(void **state)
{
    (void)state;
    parsed r = ok(HDR "sla vip_emergency when tier == vip and severity == emergency {\n"
                      "    response   within 15m on always\n"
                      "    resolution within 2 working days on business\n"
                      "    follow_up  within 24h; review within 1 working day\n"
                      "    x within 3 working hours; y within 1 working hour\n"
                      "    ladder standard\n"
                      "}\n"
                      "sla standard_tier { response within 24h on business }\n");
    ast_sla *s = r.ast->slas;
    assert_string_equal(s->name.name, "vip_emergency");
    assert_int_equal(s->when->kind, EX_AND);
    assert_string_equal(s->ladder.name, "standard");
    ast_target *t = s->targets;
    assert_string_equal(t->clock.name, "response");
    assert_int_equal(t->within.unit, DUR_SECONDS);
    assert_int_equal(t->within.amount, 900);
    assert_string_equal(t->calendar.name, "always");
    assert_int_equal(t->loc.line, 3);
    assert_int_equal(t->loc.col, 5);
    assert_int_equal(t->loc.end_col, 36);
    t = t->next;
    assert_int_equal(t->within.unit, DUR_WORKING_DAYS);
    assert_int_equal(t->within.amount, 2);
    assert_int_equal(t->within.loc.col, 23);
    assert_int_equal(t->within.loc.end_col, 37);
    t = t->next;
    assert_int_equal(t->within.amount, 24 * 3600);
    assert_null(t->calendar.name);
    t = t->next;
    assert_string_equal(t->clock.name, "review");
    assert_int_equal(t->within.unit, DUR_WORKING_DAYS);
    assert_int_equal(t->within.amount, 1);
    t = t->next;
    assert_int_equal(t->within.unit, DUR_SECONDS);
    assert_int_equal(t->within.amount, 3 * 3600);
    t = t->next;
    assert_int_equal(t->within.amount, 3600);
    assert_null(t->next);

    s = s->next;
    assert_null(s->when);
    assert_null(s->ladder.name);
    assert_null(s->next);
    done(&r);
}

static void test_rules_and_actions(void **state)
{
    (void)state;
    parsed r = ok(HDR "on opened when kind == complaint as complaint_intake {\n"
                      "    route complaint_desk\n"
                      "    assign duty_manager\n"
                      "    escalate to specialist\n"
                      "    notify customer \"say \\\"hi\\\"\\n\\tand \\\\ bye\"\n"
                      "    set complex = true\n"
                      "    require analysed within 2h on business until handled\n"
                      "    require ack within 30s\n"
                      "    open review within 1 working day on business\n"
                      "    open review within 3d\n"
                      "    emit noted(tier, 42, \"s\", 1h, false)\n"
                      "    emit bare()\n"
                      "}\n");
    ast_rule *rule = r.ast->rules;
    assert_string_equal(rule->event.name, "opened");
    assert_string_equal(rule->label.name, "complaint_intake");
    assert_int_equal(rule->when->kind, EX_CMP);
    assert_int_equal(rule->loc.line, 2);
    assert_int_equal(rule->loc.end_line, 14);
    ast_action *a = rule->actions;
    assert_int_equal(a->kind, ACT_ROUTE);
    assert_string_equal(a->target.name, "complaint_desk");
    assert_int_equal(a->loc.line, 3);
    assert_int_equal(a->loc.col, 5);
    assert_int_equal(a->loc.end_col, 25);
    a = a->next;
    assert_int_equal(a->kind, ACT_ASSIGN);
    a = a->next;
    assert_int_equal(a->kind, ACT_ESCALATE);
    assert_string_equal(a->target.name, "specialist");
    a = a->next;
    assert_int_equal(a->kind, ACT_NOTIFY);
    assert_string_equal(a->target.name, "customer");
    assert_string_equal(a->message, "say \"hi\"\n\tand \\ bye");
    a = a->next;
    assert_int_equal(a->kind, ACT_SET);
    assert_string_equal(a->target.name, "complex");
    assert_int_equal(a->value->kind, EX_BOOL);
    assert_int_equal(a->value->u.ival, 1);
    a = a->next;
    assert_int_equal(a->kind, ACT_REQUIRE);
    assert_string_equal(a->target.name, "analysed");
    assert_int_equal(a->within.amount, 7200);
    assert_string_equal(a->calendar.name, "business");
    assert_string_equal(a->until.name, "handled");
    a = a->next;
    assert_int_equal(a->within.amount, 30);
    assert_null(a->calendar.name);
    assert_null(a->until.name);
    a = a->next;
    assert_int_equal(a->kind, ACT_REVIEW);
    assert_null(a->target.name);
    assert_int_equal(a->within.unit, DUR_WORKING_DAYS);
    assert_string_equal(a->calendar.name, "business");
    a = a->next;
    assert_int_equal(a->within.amount, 3 * 86400);
    assert_null(a->calendar.name);
    a = a->next;
    assert_int_equal(a->kind, ACT_EMIT);
    assert_string_equal(a->target.name, "noted");
    ast_expr *e = a->value;
    assert_int_equal(e->kind, EX_NAME);
    assert_int_equal((e = e->next)->kind, EX_INT);
    assert_int_equal(e->u.ival, 42);
    assert_int_equal((e = e->next)->kind, EX_STRING);
    assert_int_equal((e = e->next)->kind, EX_DURATION);
    assert_int_equal(e->u.ival, 3600);
    assert_int_equal((e = e->next)->kind, EX_BOOL);
    assert_int_equal(e->u.ival, 0);
    assert_null(e->next);
    a = a->next;
    assert_null(a->value);
    assert_null(a->next);
    done(&r);
}

/* ---- expressions --------------------------------------------------------------- */

static ast_expr *when_of(parsed *r) { return r->ast->rules->when; }

static void test_precedence(void **state)
{
    (void)state;
    parsed r = ok(HDR "on opened when a or b and not c { route x }");
    ast_expr *e = when_of(&r);
    assert_int_equal(e->kind, EX_OR);
    assert_string_equal(e->u.bin.l->u.sval, "a");
    ast_expr *and = e->u.bin.r;
    assert_int_equal(and->kind, EX_AND);
    assert_string_equal(and->u.bin.l->u.sval, "b");
    assert_int_equal(and->u.bin.r->kind, EX_NOT);
    assert_string_equal(and->u.bin.r->u.operand->u.sval, "c");
    /* spans: `a or b and not c` starts at column 16 of line 2 */
    assert_int_equal(e->loc.line, 2);
    assert_int_equal(e->loc.col, 16);
    assert_int_equal(e->loc.end_col, 32);
    assert_int_equal(and->loc.col, 21);
    assert_int_equal(and->u.bin.r->loc.col, 27);
    done(&r);

    r = ok(HDR "on opened when not tier == vip and (x or y) { route x }");
    e = when_of(&r);
    assert_int_equal(e->kind, EX_AND);
    assert_int_equal(e->u.bin.l->kind, EX_NOT);
    assert_int_equal(e->u.bin.l->u.operand->kind, EX_CMP);
    assert_int_equal(e->u.bin.r->kind, EX_OR);
    assert_int_equal(e->u.bin.r->loc.col, 36); /* the group includes its parentheses */
    done(&r);

    r = ok(HDR "on opened when a or b or c { route x }");
    e = when_of(&r); /* left-associative */
    assert_int_equal(e->u.bin.l->kind, EX_OR);
    assert_string_equal(e->u.bin.r->u.sval, "c");
    done(&r);
}

static void test_comparisons_and_in(void **state)
{
    (void)state;
    static const struct { const char *op; ast_cmp_op cmp; } ops[] = {
        {"==", CMP_EQ}, {"!=", CMP_NE}, {"<", CMP_LT},
        {"<=", CMP_LE}, {">", CMP_GT}, {">=", CMP_GE},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        char src[128];
        snprintf(src, sizeof src, HDR "on opened when level %s supervisor { route x }",
                 ops[i].op);
        parsed r = ok(src);
        ast_expr *e = when_of(&r);
        assert_int_equal(e->kind, EX_CMP);
        assert_int_equal(e->u.bin.op, ops[i].cmp);
        assert_string_equal(e->u.bin.l->u.sval, "level");
        assert_string_equal(e->u.bin.r->u.sval, "supervisor");
        done(&r);
    }

    parsed r = ok(HDR "on opened when channel in (phone, chat, 3, \"x\") and complex { route x }");
    ast_expr *e = when_of(&r)->u.bin.l;
    assert_int_equal(e->kind, EX_IN);
    assert_string_equal(e->u.in.l->u.sval, "channel");
    ast_expr *it = e->u.in.items;
    assert_string_equal(it->u.sval, "phone");
    assert_string_equal(it->next->u.sval, "chat");
    assert_int_equal(it->next->next->u.ival, 3);
    assert_string_equal(it->next->next->next->u.sval, "x");
    assert_null(it->next->next->next->next);
    assert_int_equal(e->loc.col, 16);
    assert_int_equal(e->loc.end_col, 48);
    done(&r);
}

static void test_literals(void **state)
{
    (void)state;
    parsed r = ok(HDR "on opened when budget > 1h30m and t < 2d and u >= 30s and v == 0 "
                      "and w == 9223372036854775807 { route x }");
    ast_expr *e = when_of(&r);
    /* ((((b > 1h30m) and (t < 2d)) and ...) */
    while (e->kind == EX_AND) e = e->u.bin.l;
    assert_int_equal(e->u.bin.r->kind, EX_DURATION);
    assert_int_equal(e->u.bin.r->u.ival, 5400);
    e = when_of(&r);
    assert_int_equal(e->u.bin.r->u.bin.r->u.ival, INT64_MAX);
    assert_int_equal(e->u.bin.l->u.bin.r->u.bin.r->u.ival, 0);
    assert_int_equal(e->u.bin.l->u.bin.l->u.bin.r->u.bin.r->u.ival, 30);
    assert_int_equal(e->u.bin.l->u.bin.l->u.bin.l->u.bin.r->u.bin.r->u.ival, 2 * 86400);
    done(&r);
}

/* ---- errors ---------------------------------------------------------------------- */

static void test_errors_reported_and_tree_returned(void **state)
{
    (void)state;
    parsed r = parse(HDR "sla gold when tier = vip {\n"
                         "    response within 15m\n"
                         "}\n"
                         "ladder standard {\n"
                         "    at 75 of response notify assignee \"near\"\n"
                         "}\n"
                         "on opened {\n"
                         "    route\n"
                         "    escalate to specialist\n"
                         "}\n"
                         "clock response starts on opened\n");
    assert_int_equal(r.errors, 3);
    assert_non_null(strstr(r.out, "t.slate:2:20: error: expected a comparison, `and`, `or` or "
                                  "`{`, found `=`\n"));
    assert_non_null(strstr(r.out, "hint: compare with `==`"));
    assert_non_null(strstr(r.out, "t.slate:6:11: error: expected `working`, found `of`"));
    assert_non_null(strstr(r.out, "t.slate:10:5: error: expected a name, found the keyword "
                                  "`escalate`"));
    /* the declaration after the mistakes still arrives */
    assert_non_null(r.ast->clocks);
    assert_string_equal(r.ast->clocks->name.name, "response");
    /* never bison's own words */
    assert_null(strstr(r.out, "T_"));
    assert_null(strstr(r.out, "$end"));
    assert_null(strstr(r.out, "syntax error"));
    done(&r);
}

static void test_missing_brace(void **state)
{
    (void)state;
    parsed r = parse(HDR "sla a {\n  response within 4h\nsla b { response within 1h }\n");
    assert_int_equal(r.errors, 1);
    assert_non_null(strstr(r.out, "t.slate:4:1: error: expected `}` to close the `sla` block, "
                                  "found `sla`\n"));
    assert_non_null(strstr(r.out, "hint: the `{` on line 2 is never closed"));
    assert_non_null(r.ast->slas);
    assert_non_null(r.ast->slas->next);
    assert_string_equal(r.ast->slas->next->name.name, "b");
    assert_string_equal(r.ast->slas->targets->clock.name, "response");
    done(&r);

    r = parse(HDR "on opened {\n  route desk\n  require x within 2h on business\n"
                  "on closed { route archive }\n");
    assert_int_equal(r.errors, 1);
    assert_non_null(strstr(r.out, "expected `}` to close the rule, found `on`"));
    assert_non_null(r.ast->rules->next);
    done(&r);

    r = parse(HDR "case { tier: enum { a, b\n");
    assert_int_equal(r.errors, 1);
    assert_non_null(strstr(r.out, "t.slate:2:25: error: expected `}` to close the `enum` "
                                  "values, found end of file"));
    done(&r);
}

static void test_lexical_errors(void **state)
{
    (void)state;
    parsed r = parse(HDR "on opened when a @ b { notify x \"open\n}");
    assert_int_equal(r.errors, 3);
    assert_non_null(strstr(r.out, "t.slate:2:18: error: unexpected character `@`"));
    assert_non_null(strstr(r.out, "t.slate:2:33: error: unterminated string"));
    done(&r);

    r = parse(HDR "sla s { r within 15x; q within 30m1h; p within 1h30 }\n"
                  "calendar c { hours mon-fri 09:00-25:00, 9:00-10:00 }\n");
    assert_int_equal(r.errors, 5);
    assert_non_null(strstr(r.out, "unknown duration unit `x` in `15x`"));
    assert_non_null(strstr(r.out, "duration `30m1h` has its parts out of order"));
    assert_non_null(strstr(r.out, "missing unit after `30` in `1h30`"));
    assert_non_null(strstr(r.out, "t.slate:3:34: error: time `25:00` is out of range"));
    assert_non_null(strstr(r.out, "malformed time `9:00`"));
    /* repaired tokens keep the tree whole */
    assert_int_equal(count_idents(NULL), 0);
    assert_non_null(r.ast->slas->targets->next->next);
    assert_non_null(r.ast->calendars);
    done(&r);

    r = parse(HDR "on a when x > 99999999999999999999 and y == 150 { route z }\n"
                  "ladder l { at 101% of r route z }\n");
    assert_int_equal(r.errors, 2);
    assert_non_null(strstr(r.out, "integer `99999999999999999999` is too large"));
    assert_non_null(strstr(r.out, "percentage `101%` is out of range"));
    done(&r);
}

static void test_header_rules(void **state)
{
    (void)state;
    parsed r = parse("clock c starts on opened\n");
    assert_int_equal(r.errors, 1);
    assert_non_null(strstr(r.out, "t.slate:1:1: error: missing `policy` header"));
    assert_null(r.ast->name);
    done(&r);

    r = parse("clock c starts on opened\npolicy \"x\"\n");
    assert_int_equal(r.errors, 1);
    assert_non_null(strstr(r.out, "t.slate:2:1: error: the `policy` header must come before"));
    done(&r);

    r = parse(HDR "policy \"again\"\n");
    assert_int_equal(r.errors, 1);
    assert_non_null(strstr(r.out, "a second `policy` header"));
    assert_string_equal(r.ast->name, "p");
    done(&r);
}

/* ---- robustness -------------------------------------------------------------------- */

static void test_empty_and_nul(void **state)
{
    (void)state;
    parsed r = parse_n("", 0);
    assert_int_equal(r.errors, 1);
    assert_non_null(r.ast);
    done(&r);

    r = parse_n(NULL, 0);
    assert_int_equal(r.errors, 1);
    done(&r);

    static const char nul[] = HDR "on opened { route \0desk }\n";
    r = parse_n(nul, sizeof nul - 1);
    assert_int_equal(r.errors, 1);
    assert_non_null(strstr(r.out, "t.slate:2:19: error: unexpected NUL byte"));
    assert_string_equal(r.ast->rules->actions->target.name, "desk");
    done(&r);

    /* text after a NUL is still read: not NUL-terminated input */
    static const char after[] = HDR "\0clock c starts on opened";
    r = parse_n(after, sizeof after - 1);
    assert_int_equal(r.errors, 1);
    assert_non_null(r.ast->clocks);
    done(&r);
}

static void test_huge_input(void **state)
{
    (void)state;
    const char *rule = "on opened when tier == vip { route desk; notify x \"y\" }\n";
    size_t n = 100000, rl = strlen(rule), hl = strlen(HDR);
    char *src = malloc(hl + n * rl + 1);
    memcpy(src, HDR, hl);
    for (size_t i = 0; i < n; i++) memcpy(src + hl + i * rl, rule, rl);
    src[hl + n * rl] = '\0';
    parsed r = parse(src);
    assert_int_equal(r.errors, 0);
    size_t count = 0;
    ast_rule *last = NULL;
    for (ast_rule *x = r.ast->rules; x; x = x->next) {
        count++;
        last = x;
    }
    assert_int_equal(count, n);
    assert_int_equal(last->loc.line, (int)n + 1);
    done(&r);
    free(src);

    /* one block with very many actions (lists append in O(1)) */
    src = malloc(hl + 32 + n * 12);
    size_t o = (size_t)sprintf(src, "%son x {", HDR);
    for (size_t i = 0; i < n; i++) o += (size_t)sprintf(src + o, " route a%zu", i % 10);
    strcpy(src + o, " }");
    r = parse(src);
    assert_int_equal(r.errors, 0);
    count = 0;
    for (ast_action *a = r.ast->rules->actions; a; a = a->next) count++;
    assert_int_equal(count, n);
    done(&r);
    free(src);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    size_t depth = 50000, hl = strlen(HDR);
    char *src = malloc(hl + 64 + 2 * depth);
    size_t o = (size_t)sprintf(src, "%son x when ", HDR);
    memset(src + o, '(', depth);
    o += depth;
    o += (size_t)sprintf(src + o, "a");
    memset(src + o, ')', depth);
    o += depth;
    strcpy(src + o, " { route y }");
    parsed r = parse(src);
    assert_true(r.errors >= 1);
    assert_non_null(strstr(r.out, "nests too deeply"));
    done(&r);

    memset(src, '{', hl + 2 * depth);
    src[hl + 2 * depth] = '\0';
    r = parse(src);
    assert_true(r.errors >= 1);
    done(&r);
    free(src);
}

static void test_random_bytes(void **state)
{
    (void)state;
    /* Fragments of the language shuffled, and raw bytes: no crash, no leak. */
    static const char *const words[] = {
        "policy", "\"s\"", "version", "calendar", "zone", "hours", "closed", "case", "enum",
        "levels", "events", "clock", "starts", "on", "stops", "pauses", "while", "ladder",
        "at", "75%", "of", "breach", "before", "+", "sla", "when", "within", "2", "working",
        "days", "4h", "route", "notify", "set", "=", "require", "until", "open", "review",
        "emit", "(", ")", ",", ";", "{", "}", "and", "or", "not", "in", "==", "<", "x", "y",
        "09:00", "-", "2025-01-01", "..", "\n", "#c\n", "\"open", "@", "1h30",
    };
    unsigned seed = 12345;
    char buf[600];
    for (int iter = 0; iter < 3000; iter++) {
        size_t o = 0;
        int nwords = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 60;
        for (int w = 0; w < nwords; w++) {
            seed = seed * 1103515245u + 12345u;
            const char *s = words[(seed >> 16) % (sizeof words / sizeof words[0])];
            size_t l = strlen(s);
            if (o + l + 2 >= sizeof buf) break;
            memcpy(buf + o, s, l);
            o += l;
            buf[o++] = ' ';
        }
        if (iter % 3 == 0)
            for (size_t i = 0; i < o; i += 7) buf[i] = (char)((seed >> (i % 24)) & 0xff);
        parsed r = parse_n(buf, o);
        assert_non_null(r.ast);
        done(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_calendar),
        cmocka_unit_test(test_case_levels_events),
        cmocka_unit_test(test_clocks_and_soft_keywords),
        cmocka_unit_test(test_ladder),
        cmocka_unit_test(test_sla),
        cmocka_unit_test(test_rules_and_actions),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_comparisons_and_in),
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_errors_reported_and_tree_returned),
        cmocka_unit_test(test_missing_brace),
        cmocka_unit_test(test_lexical_errors),
        cmocka_unit_test(test_header_rules),
        cmocka_unit_test(test_empty_and_nul),
        cmocka_unit_test(test_huge_input),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_random_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
