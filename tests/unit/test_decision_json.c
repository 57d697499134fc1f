/*
 * test_decision_json.c - slate_decision_json(): the exact bytes of every action,
 * string escaping, the snprintf contract, and the UTC time writer (leap years,
 * instants before 1970, the ends of the range); the memo versions (dj_render,
 * ts_format_memo, ts_parse_rfc3339_memo) give exactly the same results.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "decision_json.h"
#include "jsonstr.h"
#include "program.h"
#include "slate.h"
#include "testutil.h"
#include "timestamp.h"

/* A program with nothing in it but a string pool naming its source file. */
static slate_program prog;

static int setup(void **state)
{
    (void)state;
    tu_fake_program(&prog);
    return 0;
}

/* 2025-03-07T09:00:00Z */
#define T0 INT64_C(1741338000000)

static slate_decision base(slate_action a)
{
    slate_decision d;
    memset(&d, 0, sizeof d);
    d.seq = 7;
    d.at = T0;
    d.case_id = "C-1";
    d.case_len = 3;
    d.action = a;
    d.event_seq = 3;
    d.program = &prog;
    d.rule_line = 42;
    d.deadline = INT64_MIN;
    return d;
}

static char *render(const slate_decision *d)
{
    size_t n = slate_decision_json(d, NULL, 0);
    char *buf = malloc(n + 1);
    assert_non_null(buf);
    assert_int_equal(slate_decision_json(d, buf, n + 1), n);
    assert_int_equal(strlen(buf), n);
    return buf;
}

#define EXPECT(d, json)                                                            \
    do {                                                                           \
        char *out_ = render(&(d));                                                 \
        assert_string_equal(out_, json);                                           \
        free(out_);                                                                \
    } while (0)

#define HEAD "{\"seq\":7,\"at\":\"2025-03-07T09:00:00.000Z\",\"case\":\"C-1\","

static void test_sla(void **state)
{
    (void)state;
    slate_decision d = base(SLATE_A_SLA);
    d.tier = "vip";
    d.targets = "[{\"clock\":\"response\",\"target_s\":900}]";
    EXPECT(d, HEAD "\"action\":\"sla\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"tier\":\"vip\",\"targets\":[{\"clock\":\"response\",\"target_s\":900}]}");
    d.targets = NULL;
    EXPECT(d, HEAD "\"action\":\"sla\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"tier\":\"vip\",\"targets\":[]}");
}

static void test_start_resume(void **state)
{
    (void)state;
    slate_decision d = base(SLATE_A_START);
    d.clock = "response";
    d.target_ms = 900000;
    d.deadline = T0 + 900000;
    EXPECT(d, HEAD "\"action\":\"start\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"clock\":\"response\",\"target_s\":900,"
                   "\"deadline\":\"2025-03-07T09:15:00.000Z\"}");
    d.action = SLATE_A_RESUME;
    d.deadline = INT64_MIN; /* none: the key is left out */
    EXPECT(d, HEAD "\"action\":\"resume\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"clock\":\"response\",\"target_s\":900}");
}

static void test_pause_stop(void **state)
{
    (void)state;
    slate_decision d = base(SLATE_A_PAUSE);
    d.clock = "resolution";
    d.elapsed_ms = 1999; /* floor: 1 s */
    EXPECT(d, HEAD "\"action\":\"pause\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"clock\":\"resolution\",\"elapsed_s\":1}");
    d.action = SLATE_A_STOP;
    d.met = 1;
    d.elapsed_ms = 600000;
    d.target_ms = 900000;
    EXPECT(d, HEAD "\"action\":\"stop\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"clock\":\"resolution\",\"met\":true,\"elapsed_s\":600,\"target_s\":900}");
    d.met = 0;
    d.elapsed_ms = 900001;
    EXPECT(d, HEAD "\"action\":\"stop\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"clock\":\"resolution\",\"met\":false,\"elapsed_s\":900,\"target_s\":900}");
    /* a run that breached an earlier, tighter target (issue 13, item 2) */
    d.target_ms = 172800000;
    d.breached_ms = 14400999; /* floor, like every duration */
    EXPECT(d, HEAD "\"action\":\"stop\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"clock\":\"resolution\",\"met\":false,\"elapsed_s\":900,"
                   "\"target_s\":172800,\"breached\":true,\"breach_target_s\":14400}");
}

/* A late start counting from its start event (issue 13, item 5); the same
 * members on a resume, or `retroactive` unset, render nothing more. */
static void test_retroactive_start(void **state)
{
    (void)state;
    slate_decision d = base(SLATE_A_START);
    d.clock = "handling";
    d.target_ms = 7200000;
    d.deadline = T0 + 3600000;
    d.elapsed_ms = 3600000;
    d.since = T0 - 7200000;
    EXPECT(d, HEAD "\"action\":\"start\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"clock\":\"handling\",\"target_s\":7200,"
                   "\"deadline\":\"2025-03-07T10:00:00.000Z\"}");
    d.retroactive = 1;
    EXPECT(d, HEAD "\"action\":\"start\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"clock\":\"handling\",\"target_s\":7200,"
                   "\"deadline\":\"2025-03-07T10:00:00.000Z\",\"retroactive\":true,"
                   "\"since\":\"2025-03-07T07:00:00.000Z\",\"elapsed_s\":3600}");
    d.action = SLATE_A_RESUME;
    EXPECT(d, HEAD "\"action\":\"resume\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"clock\":\"handling\",\"target_s\":7200,"
                   "\"deadline\":\"2025-03-07T10:00:00.000Z\"}");
}

static void test_warn_breach_timer(void **state)
{
    (void)state;
    slate_decision d = base(SLATE_A_WARN);
    d.event_seq = 0; /* a timer: no `event` */
    d.clock = "resolution";
    d.percent = 75;
    d.elapsed_ms = 10800000;
    d.target_ms = 14400000;
    d.rule_line = 12;
    EXPECT(d, HEAD "\"action\":\"warn\",\"rule\":\"svc.slate:12\","
                   "\"clock\":\"resolution\",\"percent\":75,\"elapsed_s\":10800,\"target_s\":14400}");
    d.percent = 0;
    d.before_ms = 1800000;
    EXPECT(d, HEAD "\"action\":\"warn\",\"rule\":\"svc.slate:12\","
                   "\"clock\":\"resolution\",\"before_s\":1800,\"elapsed_s\":10800,\"target_s\":14400}");
    d.action = SLATE_A_BREACH;
    d.elapsed_ms = 14400000;
    EXPECT(d, HEAD "\"action\":\"breach\",\"rule\":\"svc.slate:12\","
                   "\"clock\":\"resolution\",\"target_s\":14400,\"elapsed_s\":14400}");
    d.after_ms = 14400000;
    d.elapsed_ms = 28800000;
    EXPECT(d, HEAD "\"action\":\"breach\",\"rule\":\"svc.slate:12\","
                   "\"clock\":\"resolution\",\"target_s\":14400,\"elapsed_s\":28800,\"after_s\":14400}");
}

static void test_people_actions(void **state)
{
    (void)state;
    slate_decision d = base(SLATE_A_ESCALATE);
    d.to = "supervisor";
    EXPECT(d, HEAD "\"action\":\"escalate\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"level\":\"supervisor\"}");
    d.action = SLATE_A_NOTIFY;
    d.to = "customer";
    d.message = "expected resolution in 4-8 hours";
    EXPECT(d, HEAD "\"action\":\"notify\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"to\":\"customer\",\"message\":\"expected resolution in 4-8 hours\"}");
    d.action = SLATE_A_ROUTE;
    d.to = "complaint_desk";
    EXPECT(d, HEAD "\"action\":\"route\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"to\":\"complaint_desk\"}");
    d.action = SLATE_A_ASSIGN;
    d.to = "alice";
    EXPECT(d, HEAD "\"action\":\"assign\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"to\":\"alice\"}");
}

static void test_set_require_review_emit(void **state)
{
    (void)state;
    slate_decision d = base(SLATE_A_SET);
    d.field = "tier";
    d.value = "\"vip\"";
    EXPECT(d, HEAD "\"action\":\"set\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"field\":\"tier\",\"value\":\"vip\"}");
    d.value = NULL;
    EXPECT(d, HEAD "\"action\":\"set\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"field\":\"tier\",\"value\":null}");

    d = base(SLATE_A_REQUIRE);
    d.clock = "analysis";
    d.target_ms = 7200000;
    d.deadline = T0 + 7200000;
    EXPECT(d, HEAD "\"action\":\"require\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"name\":\"analysis\",\"target_s\":7200,"
                   "\"deadline\":\"2025-03-07T11:00:00.000Z\"}");
    d.action = SLATE_A_REVIEW;
    d.clock = "review";
    EXPECT(d, HEAD "\"action\":\"review\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"name\":\"review\",\"target_s\":7200,"
                   "\"deadline\":\"2025-03-07T11:00:00.000Z\"}");

    d = base(SLATE_A_EMIT);
    d.field = "crm_ticket";
    d.value = "[\"vip\",3]";
    EXPECT(d, HEAD "\"action\":\"emit\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"name\":\"crm_ticket\",\"args\":[\"vip\",3]}");
    d.field = NULL;
    d.to = "crm_ticket";
    d.value = NULL;
    EXPECT(d, HEAD "\"action\":\"emit\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"name\":\"crm_ticket\",\"args\":[]}");
}

static void test_reject_close_and_optional_keys(void **state)
{
    (void)state;
    slate_decision d = base(SLATE_A_REJECT);
    d.rule_line = 0; /* no rule: the policy file alone */
    d.message = "missing `case`";
    d.case_id = NULL;
    d.event_id = "evt-9";
    d.event_id_len = 5;
    EXPECT(d, "{\"seq\":7,\"at\":\"2025-03-07T09:00:00.000Z\",\"action\":\"reject\","
              "\"rule\":\"svc.slate\",\"event\":3,\"id\":\"evt-9\",\"reason\":\"missing `case`\"}");

    d = base(SLATE_A_CLOSE);
    d.rule_label = "close_after_survey";
    EXPECT(d, HEAD "\"action\":\"close\",\"rule\":\"svc.slate:42#close_after_survey\","
                   "\"event\":3}");

    d.program = NULL;
    d.rule_label = NULL;
    EXPECT(d, HEAD "\"action\":\"close\",\"rule\":null,\"event\":3}");

    /* Missing strings render as null; lengths bound ids (no NUL needed). */
    d = base(SLATE_A_ROUTE);
    d.case_id = "C-1xxxx";
    d.event_id = "42zzz";
    d.event_id_len = 2;
    EXPECT(d, HEAD "\"action\":\"route\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"id\":\"42\",\"to\":null}");
}

static void test_escaping(void **state)
{
    (void)state;
    slate_decision d = base(SLATE_A_NOTIFY);
    d.to = "a\"b\\c/d";
    d.message = "tab\there\nnl\r\b\f\x01\x1f\x7f end";
    EXPECT(d, HEAD "\"action\":\"notify\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"to\":\"a\\\"b\\\\c/d\","
                   "\"message\":\"tab\\there\\nnl\\r\\b\\f\\u0001\\u001f\\u007f end\"}");

    /* Valid UTF-8 passes through; U+2028/2029 are escaped. */
    d.to = "\xe5\xae\xa2\xe6\x88\xb7 \xf0\x9f\x98\x80";
    d.message = "a\xe2\x80\xa8" "b\xe2\x80\xa9" "c";
    EXPECT(d, HEAD "\"action\":\"notify\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"to\":\"\xe5\xae\xa2\xe6\x88\xb7 \xf0\x9f\x98\x80\","
                   "\"message\":\"a\\u2028b\\u2029c\"}");

    /* Invalid UTF-8: one U+FFFD per maximal ill-formed subpart. */
#define R "\xef\xbf\xbd"
    d.to = "\xff";                 /* never valid */
    d.message = "x\xe5\xae" "y";   /* truncated 3-byte sequence: one replacement */
    EXPECT(d, HEAD "\"action\":\"notify\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"to\":\"" R "\",\"message\":\"x" R "y\"}");
    d.to = "\xc0\xaf";             /* overlong '/': two */
    d.message = "\xed\xa0\x80";    /* a surrogate: three */
    EXPECT(d, HEAD "\"action\":\"notify\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"to\":\"" R R "\",\"message\":\"" R R R "\"}");
    d.to = "\xf4\x90\x80\x80";     /* past U+10FFFF: four */
    d.message = "\xf0\x9f\x98";    /* cut at the end of the string: one */
    EXPECT(d, HEAD "\"action\":\"notify\",\"rule\":\"svc.slate:42\",\"event\":3,"
                   "\"to\":\"" R R R R "\",\"message\":\"" R "\"}");
#undef R

    /* The case id may contain anything, NUL included (it has a length). */
    d = base(SLATE_A_CLOSE);
    d.case_id = "a\0b";
    d.case_len = 3;
    EXPECT(d, "{\"seq\":7,\"at\":\"2025-03-07T09:00:00.000Z\",\"case\":\"a\\u0000b\","
              "\"action\":\"close\",\"rule\":\"svc.slate:42\",\"event\":3}");
}

/* Case and event ids of every length up to 20 bytes, plain and with each kind
 * of byte that needs escaping or checking at each place (the short ones take
 * an inline copy): always jstr_escape's bytes, never a read past the id (each
 * is a heap block of its exact length, for the sanitizer build). */
static void test_short_ids(void **state)
{
    (void)state;
    static const char odd[] = {'"', '\\', 0x01, 0x1f, 0x7f, (char)0x80, (char)0xc3, (char)0xff, 0};
    dj_memo m;
    dj_memo_init(&m);
    for (size_t len = 0; len <= 20; len++) {
        for (size_t at = 0; at <= len; at++) {
            for (size_t k = 0; k < sizeof odd; k++) {
                if (at == len && k) break; /* at == len: the plain id, once */
                char *id = malloc(len ? len : 1);
                assert_non_null(id);
                for (size_t i = 0; i < len; i++) id[i] = (char)('a' + (i * 7 + len) % 26);
                if (at < len) id[at] = odd[k];
                slate_decision d = base(SLATE_A_CLOSE);
                d.case_id = id;
                d.case_len = len;
                d.event_id = id;
                d.event_id_len = len;
                char esc[6 * 20 + 1], want[512], got[512];
                size_t n = jstr_escape(esc, sizeof esc, id, len);
                snprintf(want, sizeof want,
                         "{\"seq\":7,\"at\":\"2025-03-07T09:00:00.000Z\",\"case\":\"%.*s\","
                         "\"action\":\"close\",\"rule\":\"svc.slate:42\",\"event\":3,"
                         "\"id\":\"%.*s\"}",
                         (int)n, esc, (int)n, esc);
                assert_int_equal(dj_render(&d, 7, got, sizeof got, &m), strlen(want));
                assert_string_equal(got, want);
                free(id);
            }
        }
    }
}

static void test_snprintf_contract(void **state)
{
    (void)state;
    slate_decision d = base(SLATE_A_CLOSE);
    char *full = render(&d);
    size_t n = strlen(full);
    char buf[16];
    memset(buf, 'Z', sizeof buf);
    assert_int_equal(slate_decision_json(&d, buf, sizeof buf), n);
    assert_int_equal(buf[15], '\0');
    assert_memory_equal(buf, full, 15);
    memset(buf, 'Z', sizeof buf);
    assert_int_equal(slate_decision_json(&d, buf, 1), n);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(buf[1], 'Z');
    assert_int_equal(slate_decision_json(&d, buf, 0), n);
    assert_int_equal(buf[0], '\0');

    /* Exactly enough room, and one byte short. */
    char *exact = malloc(n + 1);
    assert_int_equal(slate_decision_json(&d, exact, n + 1), n);
    assert_string_equal(exact, full);
    assert_int_equal(slate_decision_json(&d, exact, n), n);
    assert_int_equal(strlen(exact), n - 1);
    free(exact);
    free(full);

    /* Every truncation is a NUL-terminated prefix of the full line. */
    d = base(SLATE_A_NOTIFY);
    d.to = "x";
    d.message = "\n\n\n\n";
    full = render(&d);
    n = strlen(full);
    for (size_t size = 1; size <= n + 1; size++) {
        char *b = malloc(size);
        assert_int_equal(slate_decision_json(&d, b, size), n);
        assert_int_equal(strlen(b), size - 1 < n ? size - 1 : n);
        assert_memory_equal(b, full, strlen(b));
        free(b);
    }
    free(full);

    /* Extreme numbers. */
    d = base(SLATE_A_PAUSE);
    d.seq = UINT64_C(18446744073709551615) >> 1;
    d.clock = "c";
    d.elapsed_ms = INT64_MIN;
    full = render(&d);
    assert_non_null(strstr(full, "\"seq\":9223372036854775807,"));
    assert_non_null(strstr(full, "\"elapsed_s\":-9223372036854776}"));
    free(full);
    d.elapsed_ms = -1; /* floor, not truncation */
    full = render(&d);
    assert_non_null(strstr(full, "\"elapsed_s\":-1}"));
    free(full);
}

/* Every digit count: seq and event (unsigned, past INT64_MAX as a negative, as
 * put_int writes it), target_s and elapsed_s (signed) at each power of ten and
 * one either side, against printf's digits; then the same line cut short. */
static void test_numbers(void **state)
{
    (void)state;
    uint64_t p = 1;
    for (int k = 0; k <= 20; k++) {
        uint64_t vals[3] = {p - 1, p, p + 1};
        if (k == 20) vals[0] = UINT64_MAX, vals[1] = (uint64_t)INT64_MAX + 1, vals[2] = INT64_MAX;
        for (int j = 0; j < 3; j++) {
            uint64_t u = vals[j];
            slate_decision d = base(SLATE_A_PAUSE);
            d.clock = "c";
            d.seq = u;
            d.event_seq = u ? u : 1;
            int64_t sec = (int64_t)(u % (uint64_t)(INT64_MAX / 1000));
            d.elapsed_ms = (k % 2 ? -sec : sec) * 1000;
            char want[256], seqtxt[32], evtxt[32];
            if (u > INT64_MAX) snprintf(seqtxt, sizeof seqtxt, "%lld", (long long)(int64_t)u);
            else snprintf(seqtxt, sizeof seqtxt, "%llu", (unsigned long long)u);
            uint64_t e = d.event_seq;
            if (e > INT64_MAX) snprintf(evtxt, sizeof evtxt, "%lld", (long long)(int64_t)e);
            else snprintf(evtxt, sizeof evtxt, "%llu", (unsigned long long)e);
            snprintf(want, sizeof want,
                     "{\"seq\":%s,\"at\":\"2025-03-07T09:00:00.000Z\",\"case\":\"C-1\","
                     "\"action\":\"pause\",\"rule\":\"svc.slate:42\",\"event\":%s,"
                     "\"clock\":\"c\",\"elapsed_s\":%lld}",
                     seqtxt, evtxt, (long long)(k % 2 ? -sec : sec));
            char *got = render(&d);
            assert_string_equal(got, want);
            size_t n = strlen(want);
            for (size_t size = 1; size <= n; size++) {
                char b[256];
                assert_int_equal(slate_decision_json(&d, b, size), n);
                assert_int_equal(strlen(b), size - 1);
                assert_memory_equal(b, want, size - 1);
            }
            free(got);
        }
        if (k < 19) p *= 10;
        else if (k == 19) p = UINT64_C(10000000000000000000);
    }
}

static void expect_time(int64_t ms, const char *want)
{
    char out[TS_FORMAT_MAX + 1];
    size_t n = ts_format(ms, out);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
    /* Round trip through the parser within RFC 3339's years. */
    if (ms >= TS_MIN_MS && ms <= TS_MAX_MS) {
        int64_t back = 0;
        char why[128];
        assert_int_equal(ts_parse_rfc3339(out, n, &back, why, sizeof why), 0);
        assert_int_equal(back, ms);
    }
}

static void test_time_format(void **state)
{
    (void)state;
    expect_time(0, "1970-01-01T00:00:00.000Z");
    expect_time(T0, "2025-03-07T09:00:00.000Z");
    expect_time(T0 + 123, "2025-03-07T09:00:00.123Z");
    expect_time(-1, "1969-12-31T23:59:59.999Z");
    expect_time(-86400000, "1969-12-31T00:00:00.000Z");
    expect_time(-86400001, "1969-12-30T23:59:59.999Z");
    /* leap years: 2024 and 2000 are, 1900 and 2100 are not */
    expect_time(INT64_C(1709164800000), "2024-02-29T00:00:00.000Z");
    expect_time(INT64_C(1709251199999), "2024-02-29T23:59:59.999Z");
    expect_time(INT64_C(951782400000), "2000-02-29T00:00:00.000Z");
    expect_time(INT64_C(-2203891200000), "1900-03-01T00:00:00.000Z");
    expect_time(INT64_C(-2203977600000), "1900-02-28T00:00:00.000Z");
    expect_time(INT64_C(4107542400000), "2100-03-01T00:00:00.000Z");
    expect_time(INT64_C(4107456000000), "2100-02-28T00:00:00.000Z");
    expect_time(INT64_C(1735689599999), "2024-12-31T23:59:59.999Z");
    expect_time(INT64_C(1735689600000), "2025-01-01T00:00:00.000Z");
    /* pre-1970 and the ends of RFC 3339 */
    expect_time(INT64_C(-14182516400000), "1520-07-29T12:06:40.000Z");
    expect_time(TS_MIN_MS, "0000-01-01T00:00:00.000Z");
    expect_time(TS_MAX_MS, "9999-12-31T23:59:59.999Z");
    expect_time(INT64_C(-62162035200000), "0000-03-01T00:00:00.000Z"); /* year 0 is leap */
    expect_time(INT64_C(-62162121600000), "0000-02-29T00:00:00.000Z");
    /* outside: expanded years */
    expect_time(TS_MIN_MS - 1, "-0001-12-31T23:59:59.999Z");
    expect_time(TS_MAX_MS + 1, "+10000-01-01T00:00:00.000Z");
    char out[TS_FORMAT_MAX + 1];
    assert_true(ts_format(INT64_MIN, out) <= TS_FORMAT_MAX);
    assert_string_equal(out, "-292275055-05-16T16:47:04.192Z");
    assert_true(ts_format(INT64_MAX, out) <= TS_FORMAT_MAX);
    assert_string_equal(out, "+292278994-08-17T07:12:55.807Z");
}

/* Every day from 1600 to 2400 goes through civil-from-days and back. */
static void test_civil_round_trip(void **state)
{
    (void)state;
    int64_t first = civil_to_days(1600, 1, 1), last = civil_to_days(2400, 12, 31);
    int64_t py;
    int pm, pd;
    civil_from_days(first - 1, &py, &pm, &pd);
    assert_true(py == 1599 && pm == 12 && pd == 31);
    for (int64_t z = first; z <= last; z++) {
        int64_t y;
        int m, d;
        civil_from_days(z, &y, &m, &d);
        assert_int_equal(civil_to_days(y, m, d), z);
        /* consecutive days: next day in month, or the 1st of the next month */
        if (d == 1) {
            assert_true(pd == civil_month_days(py, pm));
            assert_true((m == pm + 1 && y == py) || (m == 1 && pm == 12 && y == py + 1));
        } else {
            assert_true(d == pd + 1 && m == pm && y == py);
        }
        py = y, pm = m, pd = d;
    }
}


/* A pseudo-random walk of instants: repeats, the same day, other days, the ends
 * of the range and past them. */
static int64_t next_instant(uint64_t *x, int64_t prev)
{
    *x = *x * 6364136223846793005u + 1442695040888963407u;
    unsigned r = (unsigned)(*x >> 33);
    switch (r % 8) {
    case 0:
    case 1: return prev;
    case 2: return prev + (int64_t)(r % 1000);
    case 3: return prev + (int64_t)(r % 86400000);
    case 4: return prev - (int64_t)(r % 86400000);
    case 5: return (int64_t)(r % 4000) * 86400000 - INT64_C(100000000000) + (int64_t)(r % 7);
    case 6: return r % 2 ? TS_MAX_MS + (int64_t)(r % 3) - 1 : TS_MIN_MS - (int64_t)(r % 3) + 1;
    default: return T0 + (int64_t)(r % 100000);
    }
}

static void test_memo_same_bytes(void **state)
{
    (void)state;
    ts_memo tm;
    ts_memo_init(&tm);
    uint64_t x = 1;
    int64_t t = T0;
    for (int i = 0; i < 200000; i++) {
        t = next_instant(&x, t);
        char a[TS_FORMAT_MAX + 1], b[TS_FORMAT_MAX + 1];
        size_t na = ts_format(t, a), nb = ts_format_memo(t, b, &tm);
        assert_int_equal(na, nb);
        assert_string_equal(a, b);
    }

    /* Whole decisions through one memo, `seq` given apart, in buffers of every
     * size around the line's. */
    dj_memo m;
    dj_memo_init(&m);
    static const slate_action acts[] = {SLATE_A_START, SLATE_A_STOP, SLATE_A_REQUIRE,
                                        SLATE_A_ROUTE, SLATE_A_REJECT};
    t = T0;
    uint64_t seq = 0, ev = 0;
    for (int i = 0; i < 3000; i++) {
        slate_decision d = base(acts[i % 5]);
        /* mostly one more (through 9, 99, 999), sometimes a jump, a repeat,
         * the top of int64 and past it */
        seq = i % 97 == 0 ? seq + 37 : i % 89 == 0 ? seq : seq + 1;
        if (i == 2000) seq = INT64_MAX - 3;
        if (i % 3 == 0)
            ev = i % 500 == 0 ? UINT64_MAX - (uint64_t)(i % 2) : ev + 1 + (uint64_t)(i % 11 == 0) * 8;
        d.seq = seq;
        d.event_seq = i % 13 == 0 ? 0 : ev;
        d.at = t = next_instant(&x, t);
        d.deadline = i % 3 ? next_instant(&x, t) : INT64_MIN;
        d.clock = "response";
        d.to = i % 7 ? "desk" : "a\"b\xe2\x80\xa8\xff tail that is long enough";
        d.message = "why";
        d.rule_label = i % 2 ? "vip_alert" : NULL;
        d.rule_line = (uint32_t)i;
        d.target_ms = (int64_t)i * 977 - 50000;
        d.elapsed_ms = -(int64_t)i;
        char *want = render(&d);
        size_t n = strlen(want);
        d.seq = 1; /* dj_render's own seq wins */
        size_t size = n + 1 - (size_t)(i % 40 < (int)n ? i % 40 : 0);
        char *got = malloc(size);
        assert_non_null(got);
        assert_int_equal(dj_render(&d, seq, got, size, &m), n);
        assert_int_equal(strlen(got), size - 1);
        assert_memory_equal(got, want, size - 1);
        free(got);
        free(want);
    }
}

static void test_parse_memo(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "2025-03-10T00:02:39+08:00", "2025-03-10T23:59:59.999Z", "2025-03-10",
        "2025-03-10 10:00:00Z",      "2025-03-10T24:00:00Z",     "2025-03-10T10:00:60Z",
        "2025-03-10T10:00:00",       "2025-03-10T10:00:00+25:00", "2025-03-10x",
        "2025-03-1",                 "2025-02-29T00:00:00Z",     "2024-02-29T00:00:00Z",
        "2024-02-29T00:00:00.5z",    "0000-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01",
        "2025-13-10T00:00:00Z",      "2025-03-10T00:00:00Zjunk", "2025-03-10t01:02:03.1234Z",
    };
    size_t n = sizeof lines / sizeof lines[0];
    ts_memo m;
    ts_memo_init(&m);
    uint64_t x = 5;
    for (int i = 0; i < 2000; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        const char *s = lines[(x >> 33) % n];
        int64_t a = -7, b = -7;
        char wa[96] = "", wb[96] = "";
        int ra = ts_parse_rfc3339(s, strlen(s), &a, wa, sizeof wa);
        int rb = ts_parse_rfc3339_memo(s, strlen(s), &b, wb, sizeof wb, &m);
        assert_int_equal(ra, rb);
        assert_int_equal(a, b);
        assert_string_equal(wa, wb);
    }
}

/* A program (source 1) whose string table is `tab`, `size` bytes of
 * NUL-ended strings after a leading NUL: strs[] (room enough) gets their
 * places, *n their count. */
static slate_program tab_program(const char *tab, size_t size, prog_string *strs, uint32_t *n)
{
    uint32_t off = 0;
    *n = 0;
    while (off < size - 1) {
        uint32_t len = (uint32_t)strlen(tab + off);
        strs[*n].off = off;
        strs[*n].len = len;
        ++*n;
        off += len + 1;
    }
    slate_program p;
    memset(&p, 0, sizeof p);
    p.strtab = tab;
    p.strings = strs;
    p.nstrings = *n;
    p.source = 1;
    return p;
}

/* Program strings (clock, to, labels) are kept rendered in the memo's slots by
 * address: the bytes stay slate_decision_json's, for short and long strings,
 * escapes, the length at the slot's limit, and two programs taking turns. */
static void test_memo_program_strings(void **state)
{
    (void)state;
    static const char tab[] =
        "\0a.slate\0b \"x\".slate\0response\0desk\0vip_alert\0a\"b\xe2\x80\xa8\xff\0"
        "sixty-two-bytes-of-text-that-fill-a-slot-to-its-last-byte-xxx\0"
        "sixty-one-bytes-of-text-that-fill-a-slot-to-its-last-byte-xx\0"
        "a string long enough not to fit in one slot of the memo, not even close\0";
    prog_string strs[16];
    uint32_t n;
    slate_program pa = tab_program(tab, sizeof tab, strs, &n), pb = pa;
    pb.source = 2;
    dj_memo m;
    dj_memo_init(&m);
    uint64_t x = 9;
    for (int i = 0; i < 5000; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        unsigned r = (unsigned)(x >> 33);
        slate_decision d = base(r % 2 ? SLATE_A_ROUTE : SLATE_A_STOP);
        d.program = r % 7 ? &pa : &pb;
        d.to = tab + strs[3 + r / 2 % (n - 3)].off;
        d.clock = r % 5 ? tab + strs[3 + r / 3 % (n - 3)].off : "not-in-the-table";
        d.rule_label = r % 3 == 0 ? NULL : r % 3 == 1 ? tab + strs[3 + r / 5 % (n - 3)].off : "lit";
        d.rule_line = r / 7 % 4 == 0 ? 0 : r % 50;
        char *want = render(&d);
        size_t len = strlen(want);
        char *got = malloc(len + 1);
        assert_non_null(got);
        assert_int_equal(dj_render(&d, d.seq, got, len + 1, &m), len);
        assert_string_equal(got, want);
        free(got);
        free(want);
    }
}

/* Decisions of every action, with members drawn at random (program strings and
 * others, short, long and escaped ids, extreme numbers and instants, optional
 * members present and not), rendered through one memo into a roomy buffer (the
 * fast path, or its giving up half way) and into buffers around the limit of
 * the fast path's room: always slate_decision_json's bytes. */
static void test_fast_path_same_bytes(void **state)
{
    (void)state;
    static const char tab[] =
        "\0f.slate\0response\0desk\0vip_alert\0a\"b\xe2\x80\xa8\xff\0"
        "a string long enough not to fit in one slot of the memo, not even close\0";
    prog_string strs[8];
    uint32_t n;
    slate_program pa = tab_program(tab, sizeof tab, strs, &n);
    static const char *const ids[] = {"C000001", "e0000001", "", "a", "abcd", "0123456789abcdef",
                                      "0123456789abcdefg", "q\"uote", "tab\there", "\xc3\xa9t\xc3\xa9",
                                      "\xff\xfe", "0123456789012345678901234567890123456789"};
    static const int64_t nums[] = {0, 1, -1, 999, -1000, 86400000, INT64_MAX, INT64_MIN,
                                   INT64_C(1741338000000)};
    static const int64_t instants[] = {T0, T0 + 1, T0 + 86399999, INT64_C(-62135596800001),
                                       INT64_C(253402300800000), INT64_MAX, INT64_MIN + 1, 0};
    dj_memo m;
    dj_memo_init(&m);
    uint64_t x = 77, seq = 0;
    char *big = malloc(16384);
    assert_non_null(big);
    static char longstr[1500]; /* needs more than the fast path's room when escaped */
    for (size_t i = 0; i < sizeof longstr - 1; i++) longstr[i] = i % 100 ? 'x' : '\n';
    for (int i = 0; i < 60000; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        uint64_t r = x >> 11;
#define PICK(a) (a)[(r = r * 31 + 7) % (sizeof(a) / sizeof((a)[0]))]
        slate_decision d = base((slate_action)(r % (SLATE_A__COUNT + 1)));
        r /= SLATE_A__COUNT + 1;
        d.program = r % 11 ? &pa : NULL;
        const char *cid = PICK(ids), *eid = PICK(ids);
        d.case_id = r % 9 ? cid : NULL;
        d.case_len = strlen(cid);
        d.event_id = r % 5 ? eid : NULL;
        d.event_id_len = strlen(eid);
        seq = r % 13 ? seq + 1 : (uint64_t)PICK(nums);
        d.event_seq = r % 4 ? seq / 3 : (r % 8 ? 0 : UINT64_MAX - r % 2);
        d.at = r % 3 ? T0 + (int64_t)(seq % 5) * 1000 : PICK(instants);
        d.deadline = r % 6 ? PICK(instants) : INT64_MIN;
        d.since = PICK(instants);
        d.retroactive = (int)(r / 7 % 2);
        d.met = (int)(r / 11 % 2);
        d.percent = r / 13 % 3 ? 0 : (int)(r % 100);
        const char *const strings[] = {tab + strs[2].off, tab + strs[3].off, tab + strs[5].off,
                                       tab + strs[6].off, "not the program's", NULL, longstr};
        d.clock = PICK(strings);
        d.to = PICK(strings);
        d.message = PICK(strings);
        d.field = PICK(strings);
        d.tier = PICK(strings);
        d.value = r % 2 ? "[1,2]" : r % 3 ? NULL : longstr;
        d.targets = r % 3 ? "[{\"clock\":\"x\"}]" : r % 4 ? NULL : longstr;
        d.rule_label = r % 4 == 0 ? NULL : r % 4 == 1 ? tab + strs[4].off : r % 4 == 2 ? tab + strs[6].off : "lit";
        d.rule_line = (uint32_t)(r % 1000);
        d.target_ms = PICK(nums);
        d.elapsed_ms = PICK(nums);
        d.before_ms = PICK(nums);
        d.after_ms = PICK(nums);
        d.breached_ms = PICK(nums);
#undef PICK
        d.seq = seq;
        char *want = render(&d);
        size_t len = strlen(want);
        d.seq = 0; /* dj_render's own seq wins */
        assert_int_equal(dj_render(&d, seq, big, 16384, &m), len);
        assert_string_equal(big, want);
        /* about the fast path's limit of room */
        size_t size = 1000 + (size_t)(r % 64) + 6 * (d.case_id ? d.case_len : 0) +
                      6 * (d.event_id ? d.event_id_len : 0);
        assert_int_equal(dj_render(&d, seq, big, size, &m), len);
        assert_memory_equal(big, want, len < size ? len + 1 : size - 1);
        free(want);
    }
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_sla, setup),
        cmocka_unit_test_setup(test_short_ids, setup),
        cmocka_unit_test_setup(test_start_resume, setup),
        cmocka_unit_test_setup(test_pause_stop, setup),
        cmocka_unit_test_setup(test_retroactive_start, setup),
        cmocka_unit_test_setup(test_warn_breach_timer, setup),
        cmocka_unit_test_setup(test_people_actions, setup),
        cmocka_unit_test_setup(test_set_require_review_emit, setup),
        cmocka_unit_test_setup(test_reject_close_and_optional_keys, setup),
        cmocka_unit_test_setup(test_escaping, setup),
        cmocka_unit_test_setup(test_snprintf_contract, setup),
        cmocka_unit_test_setup(test_numbers, setup),
        cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_civil_round_trip),
        cmocka_unit_test_setup(test_memo_same_bytes, setup),
        cmocka_unit_test(test_parse_memo),
        cmocka_unit_test_setup(test_memo_program_strings, setup),
        cmocka_unit_test_setup(test_fast_path_same_bytes, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
