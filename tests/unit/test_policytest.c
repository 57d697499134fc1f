/*
 * test_policytest.c - the `.test` format of `slate test`: times and durations,
 * the line parser and its errors, events as JSON, matching decisions against
 * patterns, and the failure output (diff) of an exact list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policytest.h"
#include "slate.h"

static int64_t T(const char *s, int off)
{
    int64_t ms;
    assert_int_equal(pt_parse_time(s, off, &ms), 0);
    return ms;
}

static void test_times(void **state)
{
    (void)state;
    assert_true(T("1970-01-01T00:00Z", 0) == 0);
    assert_true(T("2025-03-10T10:00:00+08:00", 0) == 1741572000000LL);
    assert_true(T("2025-03-10T02:00", 0) == 1741572000000LL);
    assert_true(T("2025-03-10T10:00", 480) == 1741572000000LL);
    assert_true(T("2025-03-10T10:00:00.250+08:00", 0) == 1741572000250LL);
    assert_true(T("2024-02-29T00:00Z", 0) == 1709164800000LL);
    assert_true(T("1969-12-31T23:59:59Z", 0) == -1000);
    int64_t ms;
    assert_int_equal(pt_parse_time("2025-02-29T00:00Z", 0, &ms), -1); /* not a leap year */
    assert_int_equal(pt_parse_time("2025-03-10 10:00", 0, &ms), -1);
    assert_int_equal(pt_parse_time("2025-03-10T24:00", 0, &ms), -1);
    assert_int_equal(pt_parse_time("2025-03-10T10:00+8", 0, &ms), -1);
    assert_int_equal(pt_parse_time("2025-03-10T10:00Zx", 0, &ms), -1);

    char buf[64];
    assert_string_equal(pt_format_time(1741572000000LL, 480, buf, sizeof buf),
                        "2025-03-10T10:00+08:00");
    assert_string_equal(pt_format_time(1741572000250LL, 0, buf, sizeof buf),
                        "2025-03-10T02:00:00.250Z");
    assert_string_equal(pt_format_time(-1000, 0, buf, sizeof buf), "1969-12-31T23:59:59Z");
    assert_string_equal(pt_format_time(0, -330, buf, sizeof buf), "1969-12-31T18:30-05:30");
    /* what is printed reads back */
    assert_true(T(pt_format_time(1741572012345LL, 480, buf, sizeof buf), 0) == 1741572012345LL);
}

static void test_durations(void **state)
{
    (void)state;
    int64_t ms;
    assert_int_equal(pt_parse_duration("1h30m", &ms), 0);
    assert_true(ms == 5400000);
    assert_int_equal(pt_parse_duration("2d", &ms), 0);
    assert_true(ms == 172800000);
    assert_int_equal(pt_parse_duration("0", &ms), 0);
    assert_true(ms == 0);
    assert_int_equal(pt_parse_duration("1s250ms", &ms), 0);
    assert_true(ms == 1250);
    assert_int_equal(pt_parse_duration("30m1h", &ms), -1); /* decreasing order */
    assert_int_equal(pt_parse_duration("1h1h", &ms), -1);
    assert_int_equal(pt_parse_duration("5x", &ms), -1);
    assert_int_equal(pt_parse_duration("h", &ms), -1);
    assert_int_equal(pt_parse_duration("", &ms), -1);
    assert_int_equal(pt_parse_duration("99999999999999999999h", &ms), -1);
    char buf[32];
    assert_string_equal(pt_format_duration(5400000, buf, sizeof buf), "1h30m");
    assert_string_equal(pt_format_duration(172800000, buf, sizeof buf), "48h");
    assert_string_equal(pt_format_duration(1250, buf, sizeof buf), "1s250ms");
    assert_string_equal(pt_format_duration(0, buf, sizeof buf), "0");
}

static const char good[] =
    "# a comment\n"
    "policy \"../service-2025.slate\"   # trailing comment\n"
    "offset +08:00\n"
    "defaults standing=regular channel=phone\n"
    "\n"
    "test \"R05 complaint answered within 2h\" {\n"
    "    2025-03-10T10:00 opened c1 kind=complaint note=\"a # b\"\n"
    "    +1h30m responded agent=a17\n"
    "    until +6h30m\n"
    "    expect stop response met=true at 2025-03-10T11:30\n"
    "    expect no breach response\n"
    "    expect 2 escalate level=specialist\n"
    "}\n"
    "test \"json and exact\" {\r\n"
    "    case k9\n"
    "    start 2025-03-10T09:00\n"
    "    +1h {\"case\":\"k9\",\"type\":\"opened\",\"kind\":\"inquiry\"}\n"
    "    {\"case\":\"k9\",\"type\":\"responded\",\"at\":\"2025-03-10T03:00:00Z\"}\n"
    "    +15m tick\n"
    "    +1m updated score=2\n"
    "    expect exactly breach,escalate case=k9 {\n"
    "        breach response at 2025-03-10T12:00\n"
    "        escalate specialist\n"
    "    }\n"
    "}\n";

static void test_parse(void **state)
{
    (void)state;
    pt_file f;
    char err[256] = "";
    int rc = pt_parse("policies/tests/x.test", good, strlen(good), &f, err, sizeof err);
    if (rc) fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, 0);
    assert_string_equal(f.policy, "policies/service-2025.slate");
    assert_int_equal(f.offset_min, 480);
    assert_int_equal(f.ndefaults, 2);
    assert_string_equal(f.defaults[1].key, "channel");
    assert_int_equal(f.ntests, 2);

    pt_test *t = &f.tests[0];
    assert_string_equal(t->name, "R05 complaint answered within 2h");
    assert_int_equal(t->line, 6);
    assert_int_equal(t->nitems, 6);
    assert_int_equal(t->items[0].kind, PT_EVENT);
    assert_true(t->items[0].at == T("2025-03-10T10:00+08:00", 0));
    assert_string_equal(t->items[0].type, "opened");
    assert_string_equal(t->items[0].case_id, "c1");
    assert_int_equal(t->items[0].nfields, 2);
    assert_string_equal(t->items[0].fields[1].val, "a # b");
    assert_int_equal(t->items[0].fields[1].quoted, 1);
    assert_string_equal(t->items[1].case_id, "c1"); /* the default case */
    assert_true(t->items[1].at == T("2025-03-10T11:30+08:00", 0));
    assert_int_equal(t->items[2].kind, PT_UNTIL);
    assert_true(t->items[2].at == T("2025-03-10T18:00+08:00", 0));
    pt_item *e = &t->items[3];
    assert_int_equal(e->kind, PT_EXPECT);
    assert_int_equal(e->count, PT_SOME);
    assert_string_equal(e->pat.action, "stop");
    assert_string_equal(e->pat.subject, "response");
    assert_int_equal(e->pat.nkv, 1);
    assert_int_equal(e->pat.has_at, 1);
    assert_true(e->pat.at == T("2025-03-10T03:30Z", 0));
    assert_int_equal(t->items[4].count, PT_NONE);
    assert_int_equal(t->items[5].count, 2);
    assert_null(t->items[5].pat.subject);

    t = &f.tests[1];
    assert_string_equal(t->default_case, "k9");
    assert_int_equal(t->nitems, 5);
    assert_non_null(t->items[0].json);
    assert_true(t->items[0].at == T("2025-03-10T10:00+08:00", 0));
    assert_true(t->items[1].at == INT64_MIN); /* its own "at" */
    assert_string_equal(t->items[2].type, "tick");
    assert_null(t->items[2].case_id);
    /* the JSON line's own time is the base of the next relative time */
    assert_true(t->items[2].at == T("2025-03-10T03:15Z", 0));
    assert_string_equal(t->items[3].case_id, "k9");
    pt_item *x = &t->items[4];
    assert_int_equal(x->kind, PT_EXACT);
    assert_int_equal(x->nactions, 2);
    assert_string_equal(x->actions[1], "escalate");
    assert_string_equal(x->case_filter, "k9");
    assert_int_equal(x->npats, 2);
    assert_string_equal(x->pats[1].subject, "specialist");
    pt_free(&f);
}

static void test_policy_path(void **state)
{
    (void)state;
    static const struct { const char *file, *rel, *want; } cases[] = {
        {"a/b/t.test", "../p.slate", "a/p.slate"},
        {"a/b/t.test", "./p.slate", "a/b/p.slate"},
        {"t.test", "../p.slate", "../p.slate"},
        {"../t.test", "../p.slate", "../../p.slate"},
        {"/x/t.test", "../../p.slate", "/p.slate"},
        {"a/t.test", "/abs/./p.slate", "/abs/p.slate"},
        {"a/t.test", "..", "."},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "policy \"%s\"\n", cases[i].rel);
        pt_file f;
        char err[256];
        assert_int_equal(pt_parse(cases[i].file, text, strlen(text), &f, err, sizeof err), 0);
        assert_string_equal(f.policy, cases[i].want);
        pt_free(&f);
    }
}

static void parse_error(const char *text, const char *want)
{
    pt_file f;
    char err[256] = "";
    assert_int_equal(pt_parse("t.test", text, strlen(text), &f, err, sizeof err), -1);
    if (!strstr(err, want)) fprintf(stderr, "got: %s\nwant: %s\n", err, want);
    assert_non_null(strstr(err, want));
}

static void test_parse_errors(void **state)
{
    (void)state;
    parse_error("test \"a\" {\n}\n", "t.test:1: no `policy");
    parse_error("policy \"p\"\ntest \"a\" {\n+1h opened\n}\n",
                "t.test:3: relative time `+1h` with no time before it");
    parse_error("policy \"p\"\ntest \"a\" {\n2025-03-10T10:00 opened\n",
                "t.test:2: test \"a\" not closed");
    parse_error("policy \"p\"\ntest \"a\" {\nexpect explode x\n}\n",
                "t.test:3: unknown action `explode`");
    parse_error("policy \"p\"\ntest \"a\" {\n2025-13-10T10:00 opened\n}\n",
                "t.test:3: bad time `2025-13-10T10:00`");
    parse_error("policy \"p\"\ntest \"a\" {\nexpect exactly {\nsla x\n",
                "t.test:3: `expect exactly` list not closed");
    parse_error("policy \"p\"\ntest \"a\" {\n}\ntest \"a\" {\n}\n",
                "t.test:4: a second test named \"a\" (the first is on line 2)");
    parse_error("policy \"p\"\ntest \"a\" {\n2025-03-10T10:00 opened c1 kind\n}\n",
                "t.test:3: expected FIELD=VALUE, found `kind`");
    parse_error("policy \"p\"\ntest \"a\" {\n2025-03-10T10:00 {\"case\":1\n}\n",
                "t.test:3: bad JSON event");
    parse_error("policy \"p\"\ntest \"a\" {\nexpect reject x\n}\n",
                "t.test:3: `reject` takes no subject");
    parse_error("policy \"p\"\ntest \"a\" {\nexpect breach response at\n}\n",
                "t.test:3: `at` needs a time");
    parse_error("policy \"p\"\noffset 8\n", "t.test:2: `offset` takes");
    parse_error("policy \"p\"\nbogus\n", "t.test:2: expected `policy`, `offset`");
    parse_error("policy \"p\"\ntest \"a\" {\nexpect sla message=\"x\n}\n",
                "t.test:3: unterminated string");
}

static int ftype(void *ud, const char *field)
{
    (void)ud;
    if (!strcmp(field, "agent")) return SLATE_T_STRING;
    if (!strcmp(field, "score")) return SLATE_T_INT;
    return 0;
}

static void test_event_json(void **state)
{
    (void)state;
    static const char text[] =
        "policy \"p.slate\"\n"
        "defaults standing=regular kind=inquiry\n"
        "test \"a\" {\n"
        "1970-01-01T00:00:01Z opened c1 kind=complaint agent=17 score=2 vip=true x=\"5\"\n"
        "+1s responded agent=17\n"
        "+1s {\"case\":\"c1\",\"type\":\"resolved\"}\n"
        "+1s tick\n"
        "}\n";
    pt_file f;
    char err[256];
    assert_int_equal(pt_parse("p.test", text, strlen(text), &f, err, sizeof err), 0);
    pt_test *t = &f.tests[0];
    char *s = pt_event_json(&f, &t->items[0], ftype, NULL, err, sizeof err);
    assert_string_equal(s, "{\"case\":\"c1\",\"type\":\"opened\",\"at\":1000,\"kind\":\"complaint\","
                           "\"agent\":\"17\",\"score\":2,\"vip\":true,\"x\":\"5\","
                           "\"standing\":\"regular\"}");
    free(s);
    s = pt_event_json(&f, &t->items[1], NULL, NULL, err, sizeof err); /* no defaults */
    assert_string_equal(s, "{\"case\":\"c1\",\"type\":\"responded\",\"at\":2000,\"agent\":17}");
    free(s);
    s = pt_event_json(&f, &t->items[2], ftype, NULL, err, sizeof err);
    assert_string_equal(s, "{\"case\":\"c1\",\"type\":\"resolved\",\"at\":3000}");
    free(s);
    s = pt_event_json(&f, &t->items[3], ftype, NULL, err, sizeof err);
    assert_string_equal(s, "{\"type\":\"tick\",\"at\":4000}");
    free(s);
    pt_free(&f);
}

/* Parse one `expect` line in a throwaway file. */
static pt_file one(const char *line)
{
    char text[512];
    snprintf(text, sizeof text, "policy \"p\"\noffset +08:00\ntest \"t\" {\n%s\n}\n", line);
    pt_file f;
    char err[256] = "";
    int rc = pt_parse("p.test", text, strlen(text), &f, err, sizeof err);
    if (rc) fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, 0);
    return f;
}

static int matches(const char *line, const char *decision)
{
    pt_file f = one(line);
    json_t *d = json_loads(decision, 0, NULL);
    assert_non_null(d);
    int m = pt_match(&f.tests[0].items[0].pat, d);
    json_decref(d);
    pt_free(&f);
    return m;
}

static const char breach[] =
    "{\"seq\":7,\"at\":\"2025-03-10T04:00:00.000Z\",\"case\":\"c1\",\"action\":\"breach\","
    "\"rule\":\"service-2025.slate:95\",\"clock\":\"response\",\"target_s\":7200,"
    "\"elapsed_s\":7200}";
static const char esc[] =
    "{\"seq\":8,\"at\":\"2025-03-10T04:00:00.000Z\",\"case\":\"c1\",\"action\":\"escalate\","
    "\"rule\":\"service-2025.slate:102 complex_escalation\",\"to\":\"specialist\"}";

static void test_match(void **state)
{
    (void)state;
    assert_true(matches("expect breach", breach));
    assert_true(matches("expect breach response", breach));
    assert_false(matches("expect breach resolution", breach));
    assert_false(matches("expect stop", breach));
    assert_true(matches("expect breach response at 2025-03-10T12:00", breach));
    assert_true(matches("expect breach response at 2025-03-10T04:00Z", breach));
    assert_false(matches("expect breach response at 2025-03-10T12:01", breach));
    assert_true(matches("expect breach target=2h elapsed=7200s", breach));
    assert_true(matches("expect breach target_s=7200", breach));
    assert_true(matches("expect breach target_s=2h", breach));
    assert_false(matches("expect breach target=1h", breach));
    assert_true(matches("expect breach case=c1 rule=95", breach));
    assert_false(matches("expect breach rule=96", breach));
    assert_false(matches("expect breach missing=1", breach));
    assert_true(matches("expect escalate specialist", esc));
    assert_true(matches("expect escalate level=specialist", esc)); /* alias of `to` */
    assert_true(matches("expect escalate rule=complex_escalation", esc));
    assert_true(matches("expect escalate rule=102", esc));
    assert_false(matches("expect escalate rule=complex", esc));
    assert_true(matches("expect notify to=supervisor message=\"a b\"",
                        "{\"action\":\"notify\",\"to\":\"supervisor\",\"message\":\"a b\"}"));
    assert_true(matches("expect stop response met=true",
                        "{\"action\":\"stop\",\"clock\":\"response\",\"met\":true}"));
    assert_false(matches("expect stop response met=false",
                         "{\"action\":\"stop\",\"clock\":\"response\",\"met\":true}"));
    assert_true(matches("expect emit corrective_action args=process_review",
                        "{\"action\":\"emit\",\"name\":\"corrective_action\","
                        "\"args\":[\"process_review\"]}"));
    assert_true(matches("expect emit corrective_action args=[\"a\",2]",
                        "{\"action\":\"emit\",\"name\":\"corrective_action\","
                        "\"args\":[\"a\",2]}"));
    assert_true(matches("expect require analysis target=2h",
                        "{\"action\":\"require\",\"name\":\"analysis\",\"target_s\":7200}"));
    assert_true(matches("expect breach analysis",
                        "{\"action\":\"breach\",\"clock\":\"analysis\"}"));
    assert_true(matches("expect start follow_up deadline=2025-03-11T12:00",
                        "{\"action\":\"start\",\"clock\":\"follow_up\","
                        "\"deadline\":\"2025-03-11T04:00:00.000Z\"}"));
}

/* Run pt_check on the first item of a one-test file against decisions. */
static int check(const char *body, const char *const *decisions, size_t n, char **out)
{
    char text[2048];
    snprintf(text, sizeof text, "policy \"p\"\noffset +08:00\ntest \"t\" {\n%s}\n", body);
    pt_file f;
    char err[256] = "";
    int rc = pt_parse("p.test", text, strlen(text), &f, err, sizeof err);
    if (rc) fprintf(stderr, "%s\n", err);
    assert_int_equal(rc, 0);
    json_t *ds[16];
    for (size_t i = 0; i < n; i++) ds[i] = json_loads(decisions[i], 0, NULL);
    size_t len;
    FILE *mf = open_memstream(out, &len);
    int ok = pt_check(&f.tests[0].items[0], ds, n, 480, "c1", mf, 2);
    fclose(mf);
    for (size_t i = 0; i < n; i++) json_decref(ds[i]);
    pt_free(&f);
    return ok;
}

static void test_check(void **state)
{
    (void)state;
    const char *ds[] = {
        "{\"at\":\"2025-03-10T02:00:00.000Z\",\"case\":\"c1\",\"action\":\"sla\","
        "\"tier\":\"complaint\",\"rule\":\"s.slate:150\"}",
        "{\"at\":\"2025-03-10T02:00:00.000Z\",\"case\":\"c1\",\"action\":\"start\","
        "\"clock\":\"response\",\"target_s\":7200}",
        breach,
        esc,
    };
    char *out;
    assert_true(check("expect 1 breach\nexpect no stop\n", ds, 4, &out));
    free(out);
    assert_false(check("expect 2 breach\n", ds, 4, &out));
    assert_string_equal(out, "  line 4: expected 2 breach; 1 decision matched\n");
    free(out);
    assert_false(check("expect no escalate specialist\n", ds, 4, &out));
    assert_string_equal(out, "  line 4: expected no escalate specialist; 1 decision matched\n");
    free(out);

    assert_true(check("expect exactly {\nsla complaint\nstart response\nbreach\nescalate\n}\n",
                      ds, 4, &out));
    free(out);
    assert_true(check("expect exactly breach,escalate case=c1 {\nbreach response\n"
                      "escalate specialist at 2025-03-10T12:00\n}\n", ds, 4, &out));
    free(out);
    assert_false(check("expect exactly {\nsla complaint\nstop response\nbreach response\n}\n",
                       ds, 4, &out));
    assert_string_equal(out,
        "  line 4: the decisions differ from `expect exactly` (- expected, + actual):\n"
        "    sla complaint at 2025-03-10T10:00+08:00  # s.slate:150\n"
        "  - stop response\n"
        "  + start response target=2h at 2025-03-10T10:00+08:00\n"
        "    breach response target=2h elapsed=2h at 2025-03-10T12:00+08:00"
        "  # service-2025.slate:95\n"
        "  + escalate specialist at 2025-03-10T12:00+08:00"
        "  # service-2025.slate:102 complex_escalation\n");
    free(out);
}

/* What pt_print_decision writes can be pasted into a test and matches. */
static void test_print_reads_back(void **state)
{
    (void)state;
    const char *ds[] = {
        breach,
        esc,
        "{\"at\":\"2025-03-10T02:00:00.000Z\",\"case\":\"c2\",\"action\":\"notify\","
        "\"to\":\"supervisor\",\"message\":\"say \\\"hi\\\" # now\"}",
        "{\"at\":1741572000000,\"case\":\"c1\",\"action\":\"reject\",\"reason\":\"bad = x\"}",
    };
    for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        json_t *d = json_loads(ds[i], 0, NULL);
        char *buf;
        size_t len;
        FILE *mf = open_memstream(&buf, &len);
        fputs("expect ", mf);
        pt_print_decision(mf, d, 480, "c1");
        fclose(mf);
        pt_file f = one(buf);
        if (!pt_match(&f.tests[0].items[0].pat, d)) fprintf(stderr, "no match: %s\n", buf);
        assert_true(pt_match(&f.tests[0].items[0].pat, d));
        pt_free(&f);
        free(buf);
        json_decref(d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_policy_path),
        cmocka_unit_test(test_event_json),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_print_reads_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
