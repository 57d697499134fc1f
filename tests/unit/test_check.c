/*
 * test_check.c - the semantic pass (compiler/check.c, check_expr.c): index spaces
 * and resolved references, expression types, exact messages, ranges and warnings.
 *
 * Most trees are built by hand, with spans taken from a source text that the
 * diagnostics quote, so those tests pin the checker alone.  The last tests load
 * policy text through the parser (fe_load_text) and assert the resolved tree.
 * Whole-file message cases live in tests/golden/ (see test_golden.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "frontend.h"
#include "testutil.h"

/* ---- a tiny tree builder -------------------------------------------------------- */

typedef struct tb {
    ast_policy *p;
    const char *src;
    char *out;
    size_t outlen;
    FILE *f;
    diag_ctx d;
} tb;

static void tb_init(tb *t, const char *src)
{
    t->p = ast_new("t.slate");
    t->src = src;
    t->out = NULL;
    t->f = open_memstream(&t->out, &t->outlen);
    diag_init(&t->d, "t.slate", src, strlen(src), t->f);
    t->p->name = "t";
}

/* Run the checker and return what it printed (owned by t). */
static const char *tb_check(tb *t)
{
    chk_policy(t->p, &t->d);
    fflush(t->f);
    return t->out;
}

static void tb_free(tb *t)
{
    fclose(t->f);
    free(t->out);
    ast_free(t->p);
}

static int word_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
}

/* The next occurrence of `needle` at or after `from` that is not part of a longer
 * word. */
static const char *find_word(const char *s, const char *from, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *h = strstr(from, needle); h; h = strstr(h + 1, needle)) {
        if (word_char(needle[0]) && h > s && word_char(h[-1])) continue;
        if (word_char(needle[n - 1]) && word_char(h[n])) continue;
        return h;
    }
    return NULL;
}

/* The span of the nth (from 0) whole-word occurrence of `needle` in the source. */
static src_loc at(const tb *t, const char *needle, int nth)
{
    const char *s = t->src;
    const char *hit = find_word(s, s, needle);
    while (hit && nth-- > 0) hit = find_word(s, hit + 1, needle);
    assert_non_null(hit);
    src_loc l = {1, 1, 1, 1};
    for (const char *q = s; q < hit; q++) {
        if (*q == '\n') {
            l.line++;
            l.col = 1;
        } else {
            l.col++;
        }
    }
    l.end_line = l.line;
    l.end_col = l.col + (int)strlen(needle);
    return l;
}

static ast_ident *id(tb *t, const char *name, int nth)
{
    ast_ident *i = ast_alloc(t->p, sizeof *i);
    i->name = name;
    i->loc = at(t, name, nth);
    i->ref = -1;
    return i;
}

static ast_ident idv(tb *t, const char *name, int nth)
{
    return *id(t, name, nth);
}

static ast_expr *ex(tb *t, ast_expr_kind k, src_loc loc)
{
    ast_expr *e = ast_alloc(t->p, sizeof *e);
    e->kind = k;
    e->loc = loc;
    e->ref = -1;
    return e;
}

static ast_expr *name(tb *t, const char *n, int nth)
{
    ast_expr *e = ex(t, EX_NAME, at(t, n, nth));
    e->u.sval = n;
    return e;
}

static ast_expr *num(tb *t, const char *text, int64_t v, int nth)
{
    ast_expr *e = ex(t, EX_INT, at(t, text, nth));
    e->u.ival = v;
    return e;
}

static src_loc span(src_loc a, src_loc b)
{
    src_loc l = {a.line, a.col, b.end_line, b.end_col};
    return l;
}

static ast_expr *cmp(tb *t, ast_cmp_op op, ast_expr *l, ast_expr *r)
{
    ast_expr *e = ex(t, EX_CMP, span(l->loc, r->loc));
    e->u.bin.l = l;
    e->u.bin.r = r;
    e->u.bin.op = op;
    return e;
}

static ast_expr *and_(tb *t, ast_expr *l, ast_expr *r)
{
    ast_expr *e = ex(t, EX_AND, span(l->loc, r->loc));
    e->u.bin.l = l;
    e->u.bin.r = r;
    return e;
}

static ast_field *enum_field(tb *t, const char *fname, const char *const *vals, int nth)
{
    ast_field *f = ast_alloc(t->p, sizeof *f);
    f->name = idv(t, fname, nth);
    f->kind = TY_ENUM;
    for (const char *const *v = vals; *v; v++) AST_APPEND(f->values, id(t, *v, 0));
    AST_APPEND(t->p->fields, f);
    return f;
}

static ast_field *plain_field(tb *t, const char *fname, ast_type_kind k)
{
    ast_field *f = ast_alloc(t->p, sizeof *f);
    f->name = idv(t, fname, 0);
    f->kind = k;
    AST_APPEND(t->p->fields, f);
    return f;
}

static ast_rule *rule(tb *t, const char *event, int nth, ast_expr *when)
{
    ast_rule *r = ast_alloc(t->p, sizeof *r);
    r->event = idv(t, event, nth);
    r->loc = r->event.loc;
    r->when = when;
    AST_APPEND(t->p->rules, r);
    return r;
}

static ast_clock *clock_(tb *t, const char *cname, const char *starts, int nth)
{
    ast_clock *k = ast_alloc(t->p, sizeof *k);
    k->name = idv(t, cname, 0);
    k->starts_on = id(t, starts, nth);
    AST_APPEND(t->p->clocks, k);
    return k;
}

static ast_sla *tier(tb *t, const char *tname, ast_expr *when)
{
    ast_sla *s = ast_alloc(t->p, sizeof *s);
    s->name = idv(t, tname, 0);
    s->when = when;
    AST_APPEND(t->p->slas, s);
    return s;
}

static ast_target *target(tb *t, ast_sla *s, const char *clock, int nth, int64_t secs)
{
    ast_target *g = ast_alloc(t->p, sizeof *g);
    g->clock = idv(t, clock, nth);
    g->within.amount = secs;
    g->within.loc = g->clock.loc;
    AST_APPEND(s->targets, g);
    return g;
}

static const char *const TIERS[] = {"vip", "high", "low", NULL};
static const char *const KINDS[] = {"complaint", "incident", "inquiry", NULL};

/* ---- tests ----------------------------------------------------------------------- */

static void test_index_spaces(void **state)
{
    (void)state;
    tb t;
    tb_init(&t, "calendar business {}\ncalendar night {}\n"
                "case { tier: enum {vip, high, low} score: int }\n"
                "levels { agent, boss }\nevents { analysed, handled }\n"
                "clock response starts on opened\n"
                "sla a { response within 1h }\n"
                "on handled as h1 { escalate to boss }\n");
    ast_calendar *b = ast_alloc(t.p, sizeof *b), *n = ast_alloc(t.p, sizeof *n);
    b->name = idv(&t, "business", 0);
    n->name = idv(&t, "night", 0);
    ast_hours *h = ast_alloc(t.p, sizeof *h);
    h->last_day = 4;
    h->intervals = ast_alloc(t.p, sizeof *h->intervals);
    h->intervals->start_min = 540;
    h->intervals->end_min = 1080;
    b->hours = n->hours = h;
    AST_APPEND(t.p->calendars, b);
    AST_APPEND(t.p->calendars, n);
    ast_field *tierf = enum_field(&t, "tier", TIERS, 0);
    ast_field *score = plain_field(&t, "score", TY_INT);
    AST_APPEND(t.p->levels, id(&t, "agent", 0));
    AST_APPEND(t.p->levels, id(&t, "boss", 0));
    AST_APPEND(t.p->events, id(&t, "analysed", 0));
    AST_APPEND(t.p->events, id(&t, "handled", 0));
    ast_clock *k = clock_(&t, "response", "opened", 0);
    ast_sla *s = tier(&t, "a", NULL);
    ast_target *g = target(&t, s, "response", 1, 3600);
    ast_rule *r = rule(&t, "handled", 1, NULL);
    r->label = idv(&t, "h1", 0);
    ast_action *esc = ast_alloc(t.p, sizeof *esc);
    esc->kind = ACT_ESCALATE;
    esc->target = idv(&t, "boss", 1);
    r->actions = esc;

    const char *out = tb_check(&t);
    /* business and night are unused, response never stops; nothing else to say */
    assert_int_equal(t.d.errors, 0);
    assert_int_equal(t.d.warnings, 3);
    assert_non_null(strstr(out, "warning: clock `response` can never stop [W022]"));
    assert_non_null(strstr(out, "warning: calendar `business` is never used"));
    assert_int_equal(b->index, 0);
    assert_int_equal(n->index, 1);
    assert_int_equal(g->calendar.ref, 2); /* the implicit `always` follows the declared */
    assert_int_equal(tierf->index, 0);
    assert_int_equal(score->index, 1);
    assert_int_equal(tierf->nvalues, 3);
    assert_int_equal(tierf->values->next->ref, 1);
    assert_int_equal(k->starts_on->ref, 0);                      /* opened */
    assert_int_equal(t.p->events->next->ref, AST_NBUILTIN_EVENTS + 1);
    assert_int_equal(r->event.ref, AST_NBUILTIN_EVENTS + 1);     /* handled */
    assert_int_equal(r->label.ref, 0);
    assert_int_equal(esc->target.ref, 1);
    assert_int_equal(g->clock.ref, 0);
    assert_true(k->used);
    tb_free(&t);
}

static void test_bare_names_resolve_against_other_side(void **state)
{
    (void)state;
    tb t;
    tb_init(&t, "case { tier: enum {vip, high, low} kind: enum {complaint, incident, inquiry} }\n"
                "levels { agent, supervisor }\n"
                "on opened when high == tier and level >= supervisor\n"
                "on opened when kind in (complaint, incident)\n");
    enum_field(&t, "tier", TIERS, 0);
    ast_field *kind = enum_field(&t, "kind", KINDS, 0);
    AST_APPEND(t.p->levels, id(&t, "agent", 0));
    AST_APPEND(t.p->levels, id(&t, "supervisor", 0));
    ast_expr *c1 = cmp(&t, CMP_EQ, name(&t, "high", 1), name(&t, "tier", 1));
    ast_expr *c2 = cmp(&t, CMP_GE, name(&t, "level", 0), name(&t, "supervisor", 1));
    rule(&t, "opened", 0, and_(&t, c1, c2));
    ast_expr *in = ex(&t, EX_IN, at(&t, "kind in (complaint, incident)", 0));
    in->u.in.l = name(&t, "kind", 1);
    in->u.in.items = name(&t, "complaint", 1);
    in->u.in.items->next = name(&t, "incident", 1);
    rule(&t, "opened", 1, in);

    const char *out = tb_check(&t);
    assert_string_equal(out, "");
    assert_int_equal(c1->u.bin.l->name_kind, NAME_ENUM_VALUE);
    assert_int_equal(c1->u.bin.l->ref, 1);
    assert_int_equal(c1->u.bin.l->type.kind, TY_ENUM);
    assert_ptr_equal(c1->u.bin.l->type.enum_of, t.p->fields);
    assert_int_equal(c1->u.bin.r->name_kind, NAME_FIELD);
    assert_int_equal(c2->u.bin.l->name_kind, NAME_LEVEL_FIELD);
    assert_int_equal(c2->u.bin.l->ref, 2); /* after the two declared fields */
    assert_int_equal(c2->u.bin.r->name_kind, NAME_LEVEL);
    assert_int_equal(c2->u.bin.r->ref, 1);
    assert_int_equal(in->type.kind, TY_BOOL);
    assert_int_equal(in->u.in.items->next->ref, 1);
    assert_ptr_equal(in->u.in.items->type.enum_of, kind);
    tb_free(&t);
}

static void test_type_mismatch_message(void **state)
{
    (void)state;
    tb t;
    tb_init(&t, "case { tier: enum {vip, high, low} }\non opened when tier == 3 {}\n");
    enum_field(&t, "tier", TIERS, 0);
    rule(&t, "opened", 0, cmp(&t, CMP_EQ, name(&t, "tier", 1), num(&t, "3", 3, 0)));
    assert_string_equal(tb_check(&t),
                        "t.slate:2:16: error: cannot compare `tier` (enum tier) with `3` (int)\n"
                        "    2 | on opened when tier == 3 {}\n"
                        "      |                ^~~~~~~~~\n");
    tb_free(&t);
}

static void test_enum_value_did_you_mean(void **state)
{
    (void)state;
    tb t;
    tb_init(&t, "case { tier: enum {vip, high, low} }\non opened when tier == vpi {}\n");
    enum_field(&t, "tier", TIERS, 0);
    rule(&t, "opened", 0, cmp(&t, CMP_EQ, name(&t, "tier", 1), name(&t, "vpi", 0)));
    assert_string_equal(tb_check(&t),
                        "t.slate:2:24: error: `vpi` is not a value of `tier`\n"
                        "    2 | on opened when tier == vpi {}\n"
                        "      |                        ^~~\n"
                        "      = hint: did you mean `vip`?\n");
    tb_free(&t);
}

static void test_no_cascade(void **state)
{
    (void)state;
    tb t;
    tb_init(&t, "case { tier: enum {vip, high, low} }\non opened when tierr == vip and tierr {}\n");
    enum_field(&t, "tier", TIERS, 0);
    ast_expr *c = cmp(&t, CMP_EQ, name(&t, "tierr", 0), name(&t, "vip", 1));
    ast_expr *w = and_(&t, c, name(&t, "tierr", 1));
    rule(&t, "opened", 0, w);
    const char *out = tb_check(&t);
    /* one error per unknown name, nothing about `==` or `and` */
    assert_int_equal(t.d.errors, 2);
    assert_non_null(strstr(out, "error: unknown field `tierr`\n"));
    assert_non_null(strstr(out, "hint: did you mean `tier`?\n"));
    assert_null(strstr(out, "compare"));
    assert_null(strstr(out, "bool"));
    assert_int_equal(c->u.bin.r->type.kind, TY_ERROR);
    tb_free(&t);
}

static void test_condition_must_be_bool(void **state)
{
    (void)state;
    tb t;
    tb_init(&t, "case { score: int }\non surveyed when score {}\n");
    plain_field(&t, "score", TY_INT);
    rule(&t, "surveyed", 0, name(&t, "score", 1));
    assert_string_equal(tb_check(&t),
                        "t.slate:2:18: error: a condition must be bool, but `score` is int\n"
                        "    2 | on surveyed when score {}\n"
                        "      |                  ^~~~~\n"
                        "      = hint: compare it, e.g. `score > 0`\n");
    tb_free(&t);
}

/* Diagnostics come out in source order, whichever part of the pass found them. */
static void test_unknown_event_and_duplicate_clock(void **state)
{
    (void)state;
    tb t;
    tb_init(&t, "clock response starts on opend\nclock response starts on opened\n"
                "sla a { response within 1h }\n");
    clock_(&t, "response", "opend", 0);
    ast_clock *k2 = ast_alloc(t.p, sizeof *k2);
    k2->name = idv(&t, "response", 1);
    k2->starts_on = id(&t, "opened", 0);
    AST_APPEND(t.p->clocks, k2);
    target(&t, tier(&t, "a", NULL), "response", 2, 3600);
    assert_string_equal(tb_check(&t),
                        "t.slate:1:26: error: unknown event type `opend`\n"
                        "    1 | clock response starts on opend\n"
                        "      |                          ^~~~~\n"
                        "      = hint: did you mean `opened`?\n"
                        "t.slate:2:7: error: duplicate clock `response`\n"
                        "    2 | clock response starts on opened\n"
                        "      |       ^~~~~~~~\n"
                        "      = hint: `response` was first declared on line 1\n");
    tb_free(&t);
}

static void test_shadowed_tier(void **state)
{
    (void)state;
    tb t;
    tb_init(&t, "case { tier: enum {vip, high, low} kind: enum {complaint, incident, inquiry} }\n"
                "clock response starts on opened\n"
                "sla wide when tier in (vip, high) { response within 1h }\n"
                "sla narrow when kind == complaint and tier == vip { response within 1h }\n"
                "sla other when tier < low and kind == incident { response within 1h }\n"
                "sla fine when kind == complaint { response within 1h }\n");
    enum_field(&t, "tier", TIERS, 0);
    enum_field(&t, "kind", KINDS, 0);
    clock_(&t, "response", "opened", 0);
    ast_expr *in = ex(&t, EX_IN, at(&t, "tier in (vip, high)", 0));
    in->u.in.l = name(&t, "tier", 1);
    in->u.in.items = name(&t, "vip", 1);
    in->u.in.items->next = name(&t, "high", 1);
    target(&t, tier(&t, "wide", in), "response", 1, 3600);
    ast_expr *n = and_(&t, cmp(&t, CMP_EQ, name(&t, "kind", 1), name(&t, "complaint", 1)),
                       cmp(&t, CMP_EQ, name(&t, "tier", 2), name(&t, "vip", 2)));
    target(&t, tier(&t, "narrow", n), "response", 2, 3600);
    ast_expr *o = and_(&t, cmp(&t, CMP_LT, name(&t, "tier", 3), name(&t, "low", 1)),
                       cmp(&t, CMP_EQ, name(&t, "kind", 2), name(&t, "incident", 1)));
    target(&t, tier(&t, "other", o), "response", 3, 3600);
    ast_expr *f = cmp(&t, CMP_EQ, name(&t, "kind", 3), name(&t, "complaint", 2));
    target(&t, tier(&t, "fine", f), "response", 4, 3600);
    const char *out = tb_check(&t);
    assert_int_equal(t.d.errors, 0);
    assert_int_equal(t.d.warnings, 4); /* and W022: `response` never stops */
    assert_non_null(strstr(out, "t.slate:4:5: warning: tier `narrow` is shadowed by `wide` on line 3 [W010]\n"));
    assert_non_null(strstr(out, "t.slate:5:5: warning: tier `other` is shadowed by `wide` on line 3 [W010]\n"));
    /* No default tier: a low-tier case of another kind gets none. */
    assert_non_null(strstr(out, "t.slate:6:5: warning: some cases get no tier, e.g. tier = low, "
                                "kind = incident [W012]\n"));
    assert_null(strstr(out, "`fine`"));
    tb_free(&t);
}

static void test_ladder_order_and_dates(void **state)
{
    (void)state;
    tb t;
    tb_init(&t, "clock response starts on opened\n"
                "ladder l { at 80% of response notify a \"x\"\n"
                "           at 50% of response notify a \"y\" }\n"
                "calendar c { hours mon-fri 09:00-09:00 closed 2025-02-29 }\n"
                "sla a { response within 1h on c ladder l }\n");
    clock_(&t, "response", "opened", 0);
    ast_ladder *l = ast_alloc(t.p, sizeof *l);
    l->name = idv(&t, "l", 0);
    for (int i = 0; i < 2; i++) {
        ast_step *s = ast_alloc(t.p, sizeof *s);
        s->kind = STEP_PERCENT;
        s->percent = i ? 50 : 80;
        s->loc = at(&t, i ? "at 50%" : "at 80%", 0);
        s->clock = idv(&t, "response", 1 + i);
        AST_APPEND(l->steps, s);
    }
    AST_APPEND(t.p->ladders, l);
    ast_calendar *c = ast_alloc(t.p, sizeof *c);
    c->name = idv(&t, "c", 0);
    c->hours = ast_alloc(t.p, sizeof *c->hours);
    c->hours->last_day = 4;
    c->hours->intervals = ast_alloc(t.p, sizeof *c->hours->intervals);
    c->hours->intervals->start_min = c->hours->intervals->end_min = 540;
    c->hours->intervals->loc = at(&t, "09:00-09:00", 0);
    c->closed = ast_alloc(t.p, sizeof *c->closed);
    c->closed->from = (ast_date){2025, 2, 29, at(&t, "2025-02-29", 0)};
    c->closed->to = c->closed->from;
    AST_APPEND(t.p->calendars, c);
    ast_sla *s = tier(&t, "a", NULL);
    ast_target *g = target(&t, s, "response", 3, 3600);
    g->calendar = idv(&t, "c", 1);
    s->ladder = idv(&t, "l", 1);
    const char *out = tb_check(&t);
    assert_int_equal(t.d.errors, 3);
    assert_non_null(strstr(out, "t.slate:4:28: error: interval `09:00-09:00` is empty\n"));
    assert_non_null(strstr(out, "t.slate:4:47: error: date `2025-02-29` does not exist\n"));
    assert_non_null(strstr(out, "= hint: 2025 is not a leap year\n"));
    assert_non_null(strstr(out, "t.slate:3:12: error: this step of `response` fires before "
                                "the one on line 2\n"
                                "    3 |            at 50% of response notify a \"y\" }\n"
                                "      |            ^~~~~~~~~~~~~~~~~~\n"));
    assert_int_equal(g->calendar.ref, 0);
    assert_int_equal(s->ladder.ref, 0);
    tb_free(&t);
}

static void test_constant_rule(void **state)
{
    (void)state;
    tb t;
    tb_init(&t, "on opened when 1 == 1 {}\n");
    rule(&t, "opened", 0, cmp(&t, CMP_EQ, num(&t, "1", 1, 0), num(&t, "1", 1, 1)));
    const char *out = tb_check(&t);
    assert_int_equal(t.d.errors, 0);
    assert_int_equal(t.d.warnings, 1);
    assert_string_equal(out, "t.slate:1:16: warning: condition is always true [W015]\n"
                             "    1 | on opened when 1 == 1 {}\n"
                             "      |                ^~~~~~\n"
                             "      = hint: drop the `when`: the rule runs on every such event\n");
    tb_free(&t);
}

/* After syntax errors the tree has gaps: the checker stays quiet. */
/* After syntax errors the tree has gaps: a name that occurs only where it is
 * used is still an error, one that occurs elsewhere too (perhaps in the part
 * that did not parse) is not reported, and neither is any warning. */
static void test_partial_after_syntax_errors(void **state)
{
    (void)state;
    tb t;
    tb_init(&t, "on opend {}\n");
    rule(&t, "opend", 0, NULL);
    t.d.errors = 1;
    assert_int_equal(chk_policy(t.p, &t.d), 1);
    fflush(t.f);
    assert_non_null(strstr(t.out, "t.slate:1:4: error: unknown event type `opend`\n"));
    tb_free(&t);

    tb_init(&t, "on analysed {}\nevents { analysed bad }\n");
    rule(&t, "analysed", 0, NULL); /* the `events` block did not parse */
    t.d.errors = 1;
    assert_int_equal(chk_policy(t.p, &t.d), 0);
    fflush(t.f);
    assert_string_equal(t.out, "");
    tb_free(&t);
}

static void test_set_checks(void **state)
{
    (void)state;
    tb t;
    tb_init(&t, "case { tier: enum {vip, high, low} }\n"
                "on opened { set level = 1; set tier = 3; set tier = hihg }\n");
    enum_field(&t, "tier", TIERS, 0);
    ast_rule *r = rule(&t, "opened", 0, NULL);
    const char *targets[] = {"level", "tier", "tier"};
    ast_expr *vals[] = {num(&t, "1", 1, 0), num(&t, "3", 3, 0), name(&t, "hihg", 0)};
    for (int i = 0; i < 3; i++) {
        ast_action *a = ast_alloc(t.p, sizeof *a);
        a->kind = ACT_SET;
        a->target = idv(&t, targets[i], i);
        a->value = vals[i];
        AST_APPEND(r->actions, a);
    }
    const char *out = tb_check(&t);
    assert_int_equal(t.d.errors, 3);
    assert_non_null(strstr(out, "error: `level` cannot be set\n"));
    assert_non_null(strstr(out, "error: cannot set `tier` (enum tier) to `3` (int)\n"));
    assert_non_null(strstr(out, "error: `hihg` is not a value of `tier`\n"));
    assert_non_null(strstr(out, "hint: did you mean `high`?\n"));
    assert_int_equal(r->actions->next->target.ref, 0);
    tb_free(&t);
}


/* ---- through the parser ------------------------------------------------------------ */

typedef struct loaded {
    fe_unit u;
    char *out;
    size_t len;
    int rc;
} loaded;

static void load(loaded *l, const char *text)
{
    tu_capture c;
    l->rc = fe_load_text(&l->u, "p.slate", text, strlen(text), tu_open(&c), 0);
    l->out = tu_close(&c);
    l->len = c.len;
}

static void unload(loaded *l)
{
    fe_release(&l->u);
    free(l->out);
}

static const char INDEXED[] =
    "policy \"p\" version \"1\"\n"
    "calendar business { hours mon-fri 09:00-18:00 }\n"
    "calendar always { hours mon-sun 00:00-24:00 }\n"
    "case { tier: enum { vip, high, low } score: int }\n"
    "levels { agent, specialist, supervisor }\n"
    "events { analysed, handled }\n"
    "clock response starts on opened stops on responded, handled\n"
    "clock resolution starts on opened stops on resolved pauses while score > 3\n"
    "ladder std { at 50% of resolution notify a \"x\"\n"
    "             at breach of response escalate to specialist }\n"
    "sla vip when tier == vip { response within 15m resolution within 2 working days on business ladder std }\n"
    "sla rest { response within 4h }\n"
    "on opened when level < supervisor and high == tier as first { require analysed within 2h }\n"
    "on handled as second { require check within 1h on business until analysed; set tier = low }\n";

static void test_text_index_spaces(void **state)
{
    (void)state;
    loaded l;
    load(&l, INDEXED);
    assert_string_equal(l.out, "");
    assert_int_equal(l.rc, 0);
    ast_policy *p = l.u.ast;
    /* calendars: declared order; a declared `always` takes the place of the implicit one */
    assert_int_equal(p->calendars->index, 0);
    assert_int_equal(p->calendars->next->index, 1);
    assert_true(p->calendars->next->used); /* targets without `on` count in `always` */
    ast_clock *resp = p->clocks, *resol = p->clocks->next;
    assert_int_equal(resp->stops_on->next->ref, AST_NBUILTIN_EVENTS + 1); /* handled */
    assert_int_equal(resol->pauses_while->u.bin.l->ref, 1);               /* score */
    ast_step *st = p->ladders->steps;
    assert_int_equal(st->clock.ref, 1);
    assert_int_equal(st->next->clock.ref, 0);
    assert_int_equal(st->next->actions->target.ref, 1); /* specialist */
    ast_sla *vip = p->slas, *rest = vip->next;
    assert_int_equal(vip->ladder.ref, 0);
    assert_int_equal(vip->targets->calendar.ref, 1);       /* no `on`: `always` */
    assert_int_equal(vip->targets->next->calendar.ref, 0); /* business */
    assert_int_equal(vip->targets->next->clock.ref, 1);
    assert_int_equal(rest->index, 1);
    assert_int_equal(rest->ladder.ref, -1);
    ast_rule *r1 = p->rules, *r2 = r1->next;
    assert_int_equal(r1->event.ref, 0);
    assert_int_equal(r1->label.ref, 0);
    assert_int_equal(r2->event.ref, AST_NBUILTIN_EVENTS + 1);
    assert_int_equal(r2->label.ref, 1);
    const ast_expr *lv = r1->when->u.bin.l;
    assert_int_equal(lv->u.bin.l->name_kind, NAME_LEVEL_FIELD);
    assert_int_equal(lv->u.bin.l->ref, 2);
    assert_int_equal(lv->u.bin.r->name_kind, NAME_LEVEL);
    assert_int_equal(lv->u.bin.r->ref, 2);
    const ast_expr *hv = r1->when->u.bin.r->u.bin.l;
    assert_int_equal(hv->name_kind, NAME_ENUM_VALUE);
    assert_int_equal(hv->ref, 1);
    assert_ptr_equal(hv->type.enum_of, p->fields);
    /* require NAME without until: met by the event NAME */
    assert_int_equal(r1->actions->target.ref, AST_NBUILTIN_EVENTS + 0);
    assert_int_equal(r1->actions->calendar.ref, 1);
    /* with until: met by that event, and NAME is only a name */
    assert_int_equal(r2->actions->until.ref, AST_NBUILTIN_EVENTS + 0);
    assert_int_equal(r2->actions->target.ref, AST_NBUILTIN_EVENTS + 0);
    assert_int_equal(r2->actions->next->target.ref, 0);
    assert_int_equal(r2->actions->next->value->ref, 2);
    unload(&l);
}

static void test_text_implicit_always(void **state)
{
    (void)state;
    loaded l;
    load(&l, "policy \"p\" version \"1\"\n"
             "calendar business { hours mon-fri 09:00-18:00 }\n"
             "clock response starts on opened stops on responded\n"
             "sla rest { response within 4h on always }\n"
             "on opened { open review within 1 working day on business }\n");
    assert_string_equal(l.out, "");
    ast_policy *p = l.u.ast;
    assert_int_equal(p->slas->targets->calendar.ref, 1); /* implicit: after `business` */
    assert_int_equal(p->rules->actions->calendar.ref, 0);
    unload(&l);
}

static void test_text_exact_message(void **state)
{
    (void)state;
    loaded l;
    load(&l, "policy \"p\" version \"1\"\n"
             "case { tier: enum { vip, high, low } }\n"
             "clock response starts on opened stops on responded\n"
             "sla a when tier == vip { response within 1h }\n"
             "sla b when tier in (vip) { response within 2h }\n"
             "sla c { response within 3h }\n");
    assert_int_equal(l.rc, 0);
    assert_string_equal(l.out,
                        "p.slate:5:5: warning: tier `b` is shadowed by `a` on line 4 [W010]\n"
                        "    5 | sla b when tier in (vip) { response within 2h }\n"
                        "      |     ^\n"
                        "      = hint: `a` comes first and matches every case that `b` "
                        "matches; move `b` above it\n");
    unload(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_spaces),
        cmocka_unit_test(test_bare_names_resolve_against_other_side),
        cmocka_unit_test(test_type_mismatch_message),
        cmocka_unit_test(test_enum_value_did_you_mean),
        cmocka_unit_test(test_no_cascade),
        cmocka_unit_test(test_condition_must_be_bool),
        cmocka_unit_test(test_unknown_event_and_duplicate_clock),
        cmocka_unit_test(test_shadowed_tier),
        cmocka_unit_test(test_ladder_order_and_dates),
        cmocka_unit_test(test_constant_rule),
        cmocka_unit_test(test_partial_after_syntax_errors),
        cmocka_unit_test(test_set_checks),
        cmocka_unit_test(test_text_index_spaces),
        cmocka_unit_test(test_text_implicit_always),
        cmocka_unit_test(test_text_exact_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
