/*
 * test_events.c - the JSON Lines event reader: RFC 3339 and epoch times (good and
 * bad), every reason a line is rejected, field type checks, --strict, numbering
 * of lines and events, and lines read from a file (chunk edges, the 1 MiB limit).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "events.h"
#include "program.h"
#include "timestamp.h"

/* ---- a program with a schema and nothing else ------------------------------ */

static const char *const event_names[] = {
    "opened", "responded", "updated", "paused",   "resumed",  "resolved", "reopened",
    "closed", "followed_up", "surveyed", "reviewed", "tick", "analysed"};
#define NEV (sizeof event_names / sizeof event_names[0])

static const char *const tiers[] = {"vip", "high", "medium", "low"};
static const char *const kinds[] = {"inquiry", "complaint"};

static struct {
    char strtab[4096];
    prog_string strings[64];
    prog_event events[NEV];
    prog_field fields[6];
    uint32_t enum_values[8];
    slate_program p;
} fx;

static uint32_t add_string(const char *s)
{
    uint32_t i = fx.p.nstrings++;
    uint32_t off = i ? fx.strings[i - 1].off + fx.strings[i - 1].len + 1 : 0;
    fx.strings[i].off = off;
    fx.strings[i].len = (uint32_t)strlen(s);
    memcpy(fx.strtab + off, s, strlen(s) + 1);
    return i;
}

static void add_field(const char *name, uint8_t type, const char *const *values, uint32_t n)
{
    prog_field *f = &fx.fields[fx.p.nfields++];
    f->name = add_string(name);
    f->type = type;
    f->first_value = fx.p.nenum_values;
    f->nvalues = n;
    for (uint32_t k = 0; k < n; k++) fx.enum_values[fx.p.nenum_values++] = add_string(values[k]);
}

static int setup(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof fx);
    fx.p.strtab = fx.strtab;
    fx.p.strings = fx.strings;
    fx.p.events = fx.events;
    fx.p.fields = fx.fields;
    fx.p.enum_values = fx.enum_values;
    add_string("");
    fx.p.source = add_string("svc.slate");
    for (size_t i = 0; i < NEV; i++) fx.events[i].name = add_string(event_names[i]);
    fx.p.nevents = NEV;
    add_field("tier", PT_ENUM, tiers, 4);
    add_field("kind", PT_ENUM, kinds, 2);
    add_field("complex", PT_BOOL, NULL, 0);
    add_field("score", PT_INT, NULL, 0);
    add_field("agent", PT_STRING, NULL, 0);
    add_field("budget", PT_DURATION, NULL, 0);
    return 0;
}

/* ---- helpers --------------------------------------------------------------- */

static ev_result res;

static ev_status parse(ev_reader *r, const char *line)
{
    return ev_parse_line(r, line, strlen(line), &res);
}

/* One line through a fresh reader must be rejected with exactly `reason`. */
static void expect_reject_mode(int strict, const char *line, const char *reason)
{
    ev_reader *r = ev_reader_new(&fx.p, strict);
    assert_non_null(r);
    ev_status st = parse(r, line);
    if (st != EV_REJECT) fail_msg("accepted: %s", line);
    assert_string_equal(res.reason, reason);
    assert_int_equal(res.ev.seq, 1);
    assert_int_equal(ev_reader_stats(r).rejected, 1);
    ev_reader_free(r);
}

static void expect_reject(const char *line, const char *reason)
{
    expect_reject_mode(0, line, reason);
}

/* For "not JSON: ..." the text after the prefix is jansson's and may change
 * between its versions: pin only our part. */
static void expect_not_json(const char *line)
{
    ev_reader *r = ev_reader_new(&fx.p, 0);
    assert_int_equal(parse(r, line), EV_REJECT);
    if (strncmp(res.reason, "not JSON: ", 10) != 0 || !strstr(res.reason, " (column "))
        fail_msg("reason: %s", res.reason);
    ev_reader_free(r);
}

static int64_t parse_time_ok(const char *s)
{
    int64_t ms = 0;
    char why[128] = "";
    if (ts_parse_rfc3339(s, strlen(s), &ms, why, sizeof why) != 0)
        fail_msg("`%s` refused: %s", s, why);
    return ms;
}

static void parse_time_bad(const char *s, const char *want_why)
{
    int64_t ms = 12345;
    char why[128] = "";
    if (ts_parse_rfc3339(s, strlen(s), &ms, why, sizeof why) == 0)
        fail_msg("`%s` accepted", s);
    assert_int_equal(ms, 12345);
    assert_string_equal(why, want_why);
}

#define T0 INT64_C(1741338000000) /* 2025-03-07T09:00:00Z */

/* ---- RFC 3339 ---------------------------------------------------------------- */

static void test_rfc3339_good(void **state)
{
    (void)state;
    assert_int_equal(parse_time_ok("2025-03-07T09:00:00Z"), T0);
    assert_int_equal(parse_time_ok("2025-03-07t09:00:00z"), T0);
    assert_int_equal(parse_time_ok("2025-03-07T17:00:00+08:00"), T0);
    assert_int_equal(parse_time_ok("2025-03-07T03:30:00-05:30"), T0);
    assert_int_equal(parse_time_ok("2025-03-07T09:00:00-00:00"), T0);
    assert_int_equal(parse_time_ok("2025-03-07T09:00:00+00:00"), T0);
    assert_int_equal(parse_time_ok("2025-03-08T08:59:00+23:59"), T0);
    assert_int_equal(parse_time_ok("2025-03-07T09:00:00.1Z"), T0 + 100);
    assert_int_equal(parse_time_ok("2025-03-07T09:00:00.12Z"), T0 + 120);
    assert_int_equal(parse_time_ok("2025-03-07T09:00:00.123Z"), T0 + 123);
    assert_int_equal(parse_time_ok("2025-03-07T09:00:00.123999999Z"), T0 + 123); /* truncated */
    assert_int_equal(parse_time_ok("2025-03-07T09:00:00.000000000000000000001Z"), T0);
    assert_int_equal(parse_time_ok("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(parse_time_ok("1969-12-31T23:59:59.999Z"), -1);
    assert_int_equal(parse_time_ok("1970-01-01T08:00:00+08:00"), 0);
    assert_int_equal(parse_time_ok("2024-02-29T00:00:00Z"), INT64_C(1709164800000));
    assert_int_equal(parse_time_ok("2000-02-29T00:00:00Z"), INT64_C(951782400000));
    assert_int_equal(parse_time_ok("1900-02-28T00:00:00Z"), INT64_C(-2203977600000));
    assert_int_equal(parse_time_ok("0000-02-29T00:00:00Z"), INT64_C(-62162121600000));
    assert_int_equal(parse_time_ok("0000-01-01T00:00:00Z"), TS_MIN_MS);
    assert_int_equal(parse_time_ok("9999-12-31T23:59:59.999Z"), TS_MAX_MS);
    assert_int_equal(parse_time_ok("0000-01-01T00:00:00-01:00"), TS_MIN_MS + 3600000);
    assert_int_equal(parse_time_ok("2025-12-31T23:59:59Z"), INT64_C(1767225599000));
}

static void test_rfc3339_bad(void **state)
{
    (void)state;
    parse_time_bad("", "expected a date YYYY-MM-DD");
    parse_time_bad("yesterday", "expected a date YYYY-MM-DD");
    parse_time_bad("2025-3-07T09:00:00Z", "expected a date YYYY-MM-DD");
    parse_time_bad("25-03-07T09:00:00Z", "expected a date YYYY-MM-DD");
    parse_time_bad("2025/03/07T09:00:00Z", "expected a date YYYY-MM-DD");
    parse_time_bad("+2025-03-07T09:00:00Z", "expected a date YYYY-MM-DD");
    parse_time_bad("2025-13-07T09:00:00Z", "month 13 out of range");
    parse_time_bad("2025-00-07T09:00:00Z", "month 00 out of range");
    parse_time_bad("2025-03-00T09:00:00Z", "day 00 out of range for March 2025 (31 days)");
    parse_time_bad("2025-04-31T09:00:00Z", "day 31 out of range for April 2025 (30 days)");
    parse_time_bad("2025-02-29T09:00:00Z", "day 29 out of range for February 2025 (28 days)");
    parse_time_bad("1900-02-29T09:00:00Z", "day 29 out of range for February 1900 (28 days)");
    parse_time_bad("2100-02-29T09:00:00Z", "day 29 out of range for February 2100 (28 days)");
    parse_time_bad("2024-02-30T09:00:00Z", "day 30 out of range for February 2024 (29 days)");
    parse_time_bad("2025-03-07", "missing the time (THH:MM:SS and an offset)");
    parse_time_bad("2025-03-07 09:00:00Z", "expected `T` between date and time, not a space");
    parse_time_bad("2025-03-07X09:00:00Z", "expected `T` after the date");
    parse_time_bad("2025-03-07T09:00Z", "expected the time as HH:MM:SS");
    parse_time_bad("2025-03-07T9:00:00Z", "expected the time as HH:MM:SS");
    parse_time_bad("2025-03-07T09-00-00Z", "expected the time as HH:MM:SS");
    parse_time_bad("2025-03-07T24:00:00Z", "hour 24 out of range");
    parse_time_bad("2025-03-07T09:60:00Z", "minute 60 out of range");
    parse_time_bad("2016-12-31T23:59:60Z", "leap second :60 is not supported");
    parse_time_bad("2025-03-07T09:00:61Z", "second 61 out of range");
    parse_time_bad("2025-03-07T09:00:00", "missing the UTC offset (`Z` or +HH:MM)");
    parse_time_bad("2025-03-07T09:00:00.Z", "expected digits after `.`");
    parse_time_bad("2025-03-07T09:00:00,5Z", "expected `Z` or a UTC offset +HH:MM after the time");
    parse_time_bad("2025-03-07T09:00:00 Z", "expected `Z` or a UTC offset +HH:MM after the time");
    parse_time_bad("2025-03-07T09:00:00+0800", "expected the UTC offset as +HH:MM or -HH:MM");
    parse_time_bad("2025-03-07T09:00:00+08", "expected the UTC offset as +HH:MM or -HH:MM");
    parse_time_bad("2025-03-07T09:00:00+24:00", "UTC offset out of range");
    parse_time_bad("2025-03-07T09:00:00+08:60", "UTC offset out of range");
    parse_time_bad("2025-03-07T09:00:00ZZ", "unexpected text after the UTC offset");
    parse_time_bad("2025-03-07T09:00:00+08:00 ", "unexpected text after the UTC offset");
    parse_time_bad("0000-01-01T00:00:00+00:01", "outside the years 0000 to 9999 in UTC");
    parse_time_bad("9999-12-31T23:59:59-00:01", "outside the years 0000 to 9999 in UTC");

    /* No NUL terminator is needed, and nothing past len is read. */
    int64_t ms;
    char why[64];
    assert_int_equal(ts_parse_rfc3339("2025-03-07T09:00:00Zjunk", 20, &ms, why, sizeof why), 0);
    assert_int_equal(ms, T0);
    assert_int_equal(ts_parse_rfc3339("2025-03-07T09:00:00Z", 19, &ms, why, sizeof why), -1);
    assert_int_equal(ts_parse_rfc3339("2025-03-07T09:00:00Z", 19, &ms, NULL, 0), -1);
}

static void test_at_forms(void **state)
{
    (void)state;
    ev_reader *r = ev_reader_new(&fx.p, 0);
    assert_int_equal(parse(r, "{\"case\":\"c\",\"type\":\"opened\",\"at\":1741338000000}"), EV_OK);
    assert_int_equal(res.ev.at, T0);
    assert_int_equal(parse(r, "{\"case\":\"c\",\"type\":\"opened\",\"at\":-1}"), EV_OK);
    assert_int_equal(res.ev.at, -1);
    assert_int_equal(parse(r, "{\"case\":\"c\",\"type\":\"opened\",\"at\":\"2025-03-07T17:00:00+08:00\"}"), EV_OK);
    assert_int_equal(res.ev.at, T0);
    assert_int_equal(parse(r, "{\"case\":\"c\",\"type\":\"opened\",\"at\":-62167219200000}"), EV_OK);
    ev_reader_free(r);

    expect_reject("{\"case\":\"c\",\"type\":\"opened\"}", "missing `at`");
    expect_reject("{\"case\":\"c\",\"type\":\"opened\",\"at\":1.5e12}",
                  "`at` is not RFC 3339 or epoch milliseconds (got a number with a fraction or exponent)");
    expect_reject("{\"case\":\"c\",\"type\":\"opened\",\"at\":true}",
                  "`at` is not RFC 3339 or epoch milliseconds (got a boolean)");
    expect_reject("{\"case\":\"c\",\"type\":\"opened\",\"at\":null}",
                  "`at` is not RFC 3339 or epoch milliseconds (got null)");
    expect_reject("{\"case\":\"c\",\"type\":\"opened\",\"at\":\"yesterday\"}",
                  "`at` is not RFC 3339 or epoch milliseconds: `yesterday`: expected a date YYYY-MM-DD");
    expect_reject("{\"case\":\"c\",\"type\":\"opened\",\"at\":\"1741338000000\"}",
                  "`at` is not RFC 3339 or epoch milliseconds: `1741338000000`: expected a date YYYY-MM-DD");
    expect_reject("{\"case\":\"c\",\"type\":\"opened\",\"at\":\"2025-02-29T09:00:00Z\"}",
                  "`at` is not RFC 3339 or epoch milliseconds: `2025-02-29T09:00:00Z`: "
                  "day 29 out of range for February 2025 (28 days)");
    expect_reject("{\"case\":\"c\",\"type\":\"opened\",\"at\":\"2025-03-07T09:00:00\"}",
                  "`at` is not RFC 3339 or epoch milliseconds: `2025-03-07T09:00:00`: "
                  "missing the UTC offset (`Z` or +HH:MM)");
    expect_reject("{\"case\":\"c\",\"type\":\"opened\",\"at\":253402300800000}",
                  "`at`: epoch milliseconds 253402300800000 out of range (years 0000 to 9999)");
    expect_reject("{\"case\":\"c\",\"type\":\"opened\",\"at\":-62167219200001}",
                  "`at`: epoch milliseconds -62167219200001 out of range (years 0000 to 9999)");
    /* a long or odd value is quoted short and safe */
    expect_reject("{\"case\":\"c\",\"type\":\"opened\",\"at\":\"2025-03-07T09:00:00Z and then some more text that goes on\"}",
                  "`at` is not RFC 3339 or epoch milliseconds: "
                  "`2025-03-07T09:00:00Z and then some more text ...`: "
                  "unexpected text after the UTC offset");
    expect_reject("{\"case\":\"c\",\"type\":\"opened\",\"at\":\"\\n\\u0007\"}",
                  "`at` is not RFC 3339 or epoch milliseconds: `??`: expected a date YYYY-MM-DD");
}

/* ---- the event ------------------------------------------------------------- */

static void test_good_event(void **state)
{
    (void)state;
    ev_reader *r = ev_reader_new(&fx.p, 0);
    const char *line = "{\"case\":\"C-1\",\"type\":\"opened\",\"at\":\"2025-03-07T09:00:00Z\","
                       "\"id\":\"e-1\",\"tier\":\"high\",\"complex\":true,\"score\":-3,"
                       "\"agent\":\"\xe5\xb0\x8f\xe7\x8e\x8b\",\"budget\":\"1h30m\",\"kind\":\"complaint\"}";
    assert_int_equal(parse(r, line), EV_OK);
    assert_int_equal(res.line, 1);
    assert_int_equal(res.ev.seq, 1);
    assert_int_equal(res.ev.case_len, 3);
    assert_memory_equal(res.ev.case_id, "C-1", 3);
    assert_int_equal(res.ev.type, 0);
    assert_int_equal(res.ev.at, T0);
    assert_int_equal(res.ev.id_len, 3);
    assert_memory_equal(res.ev.id, "e-1", 3);
    assert_int_equal(res.ev.nvalues, 6);
    const slate_value *v = res.ev.values;
    assert_int_equal(v[0].field, 0); assert_int_equal(v[0].i, 1);            /* tier high */
    assert_int_equal(v[1].field, 2); assert_int_equal(v[1].i, 1);            /* complex */
    assert_int_equal(v[2].field, 3); assert_int_equal(v[2].i, -3);           /* score */
    assert_int_equal(v[3].field, 4); assert_int_equal(v[3].len, 6);          /* agent */
    assert_memory_equal(v[3].s, "\xe5\xb0\x8f\xe7\x8e\x8b", 6);
    assert_int_equal(v[4].field, 5); assert_int_equal(v[4].i, 5400000);      /* budget */
    assert_int_equal(v[5].field, 1); assert_int_equal(v[5].i, 1);            /* complaint */
    assert_int_equal(res.undeclared, 0);

    /* an integer id comes back as its digits; a declared event type */
    assert_int_equal(parse(r, "{\"id\":-42,\"case\":\"C-1\",\"type\":\"analysed\",\"at\":0}"), EV_OK);
    assert_int_equal(res.ev.type, 12);
    assert_int_equal(res.ev.id_len, 3);
    assert_memory_equal(res.ev.id, "-42", 3);
    assert_int_equal(res.ev.nvalues, 0);
    assert_int_equal(res.ev.seq, 2);

    /* a tick needs no case */
    assert_int_equal(parse(r, "{\"type\":\"tick\",\"at\":\"2025-03-08T00:00:00Z\"}"), EV_OK);
    assert_int_equal(res.ev.type, 11);
    assert_null(res.ev.case_id);
    assert_null(res.ev.id);
    ev_reader_free(r);
}

static void test_reject_reasons(void **state)
{
    (void)state;
    expect_not_json("{\"case\":\"c\",");
    expect_not_json("nope");
    expect_not_json("{\"case\":\"c\"} {}");
    expect_not_json("{\"case\":\"c\",\"case\":\"d\"}"); /* duplicate key */
    expect_not_json("{'case':'c'}");
    expect_reject("{\"case\":\"a\\u0000b\",\"type\":\"opened\",\"at\":0}",
                  "not JSON: strings may not contain \\u0000 (column 18)");
    expect_not_json("{\"case\":\"\xff\",\"type\":\"opened\",\"at\":0}"); /* bad UTF-8 */
    expect_reject("[1,2]", "not a JSON object (got an array)");
    expect_reject("\"opened\"", "not a JSON object (got a string)");
    expect_reject("42", "not a JSON object (got an integer)");

    expect_reject("{\"case\":\"c\",\"at\":0}", "missing `type`");
    expect_reject("{\"case\":\"c\",\"type\":3,\"at\":0}", "`type`: expected a string, got an integer");
    expect_reject("{\"case\":\"c\",\"type\":\"opend\",\"at\":0}",
                  "`type`: unknown event type `opend` (expected one of opened, responded, updated, "
                  "paused, resumed, resolved, reopened, closed, followed_up, surveyed, reviewed, "
                  "tick, analysed); did you mean `opened`?");
    expect_reject("{\"case\":\"c\",\"type\":\"xyzzy\",\"at\":0}",
                  "`type`: unknown event type `xyzzy` (expected one of opened, responded, updated, "
                  "paused, resumed, resolved, reopened, closed, followed_up, surveyed, reviewed, "
                  "tick, analysed)");

    expect_reject("{\"type\":\"opened\",\"at\":0}", "missing `case`");
    expect_reject("{\"case\":7,\"type\":\"opened\",\"at\":0}", "`case`: expected a string, got an integer");
    expect_reject("{\"case\":null,\"type\":\"opened\",\"at\":0}", "`case`: expected a string, got null");
    expect_reject("{\"case\":\"\",\"type\":\"opened\",\"at\":0}", "`case`: must not be empty");

    char line[600];
    char big[300];
    memset(big, 'x', 257);
    big[257] = '\0';
    snprintf(line, sizeof line, "{\"case\":\"%s\",\"type\":\"opened\",\"at\":0}", big);
    expect_reject(line, "`case`: 257 bytes is longer than the limit of 256");
    big[256] = '\0';
    snprintf(line, sizeof line, "{\"case\":\"%s\",\"type\":\"opened\",\"at\":0}", big);
    ev_reader *r = ev_reader_new(&fx.p, 0);
    assert_int_equal(parse(r, line), EV_OK);
    assert_int_equal(res.ev.case_len, 256);
    ev_reader_free(r);

    expect_reject("{\"id\":1.5,\"case\":\"c\",\"type\":\"opened\",\"at\":0}",
                  "`id`: expected a string or an integer, got a number with a fraction or exponent");
    expect_reject("{\"id\":[],\"case\":\"c\",\"type\":\"opened\",\"at\":0}",
                  "`id`: expected a string or an integer, got an array");
}

static void test_reject_keeps_what_it_could_read(void **state)
{
    (void)state;
    ev_reader *r = ev_reader_new(&fx.p, 0);
    assert_int_equal(parse(r, "{\"id\":\"e-7\",\"case\":\"C-9\",\"type\":\"opened\",\"at\":0,"
                              "\"tier\":\"vipp\"}"),
                     EV_REJECT);
    assert_string_equal(res.reason, "`tier`: unknown value `vipp` for enum `tier` "
                                    "(expected one of vip, high, medium, low)");
    assert_memory_equal(res.ev.id, "e-7", 3);
    assert_memory_equal(res.ev.case_id, "C-9", 3);
    assert_int_equal(res.ev.at, 0);
    assert_int_equal(res.ev.type, 0);

    /* rejected before `at` is checked: still dated by the line's `at` */
    assert_int_equal(parse(r, "{\"id\":5,\"case\":\"C-9\",\"type\":\"nope\",\"at\":0}"), EV_REJECT);
    assert_memory_equal(res.ev.id, "5", 1);
    assert_memory_equal(res.ev.case_id, "C-9", 3);
    assert_int_equal(res.ev.at, 0);
    assert_int_equal(res.ev.type, -1);
    assert_int_equal(res.ev.seq, 2);
    assert_int_equal(parse(r, "{\"id\":true,\"case\":\"C-9\",\"type\":\"opened\","
                              "\"at\":\"2025-03-01T10:00:00+08:00\"}"), EV_REJECT);
    assert_int_equal(res.ev.at, 1740794400000);
    assert_int_equal(parse(r, "{\"type\":\"opened\",\"at\":\"2025-03-01T10:00:00Z\"}"), EV_REJECT);
    assert_string_equal(res.reason, "missing `case`");
    assert_int_equal(res.ev.at, 1740823200000);
    /* ... and undated when that `at` does not parse either */
    assert_int_equal(parse(r, "{\"case\":\"C-9\",\"type\":\"nope\",\"at\":\"2025-02-29T00:00:00Z\"}"),
                     EV_REJECT);
    assert_int_equal(res.ev.at, INT64_MIN);
    assert_int_equal(parse(r, "{\"case\":\"C-9\",\"type\":\"nope\",\"at\":-62167219200001}"),
                     EV_REJECT);
    assert_int_equal(res.ev.at, INT64_MIN);
    ev_reader_free(r);
}

static void test_field_types(void **state)
{
    (void)state;
#define EV "{\"case\":\"c\",\"type\":\"updated\",\"at\":0,"
    expect_reject(EV "\"tier\":\"vipp\"}",
                  "`tier`: unknown value `vipp` for enum `tier` (expected one of vip, high, medium, low)");
    expect_reject(EV "\"tier\":\"VIP\"}",
                  "`tier`: unknown value `VIP` for enum `tier` (expected one of vip, high, medium, low)");
    expect_reject(EV "\"tier\":1}",
                  "`tier`: expected one of vip, high, medium, low, got an integer");
    expect_reject(EV "\"tier\":null}", "`tier`: expected one of vip, high, medium, low, got null");
    expect_reject(EV "\"complex\":\"yes\"}", "`complex`: expected true or false, got a string");
    expect_reject(EV "\"complex\":1}", "`complex`: expected true or false, got an integer");
    expect_reject(EV "\"score\":2.0}",
                  "`score`: expected an integer, got a number with a fraction or exponent");
    expect_reject(EV "\"score\":\"2\"}", "`score`: expected an integer, got a string");
    expect_not_json(EV "\"score\":99999999999999999999}"); /* past int64 */
    expect_reject(EV "\"agent\":7}", "`agent`: expected a string, got an integer");
    expect_reject(EV "\"agent\":{}}", "`agent`: expected a string, got an object");
    expect_reject(EV "\"budget\":-1}", "`budget`: a duration must not be negative");
    expect_reject(EV "\"budget\":9223372036854776}", "`budget`: duration out of range");
    expect_reject(EV "\"budget\":true}",
                  "`budget`: expected a duration (integer seconds or a string like \"4h\" or "
                  "\"1h30m\"), got a boolean");
    expect_reject(EV "\"budget\":\"4 hours\"}",
                  "`budget`: `4 hours` is not a duration (expected integer seconds or a string "
                  "like \"4h\" or \"1h30m\")");

    ev_reader *r = ev_reader_new(&fx.p, 0);
    assert_int_equal(parse(r, EV "\"budget\":3600,\"score\":9223372036854775807}"), EV_OK);
    assert_int_equal(res.ev.values[0].i, 3600000);
    assert_int_equal(res.ev.values[1].i, INT64_MAX);
    assert_int_equal(parse(r, EV "\"tier\":\"low\",\"complex\":false}"), EV_OK);
    assert_int_equal(res.ev.values[0].i, 3);
    assert_int_equal(res.ev.values[1].i, 0);
    ev_reader_free(r);
#undef EV
}

static void test_durations(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int64_t ms;
    } good[] = {{"0s", 0},          {"30s", 30000},      {"15m", 900000},
                {"4h", 14400000},   {"2d", 172800000},   {"1h30m", 5400000},
                {"1d2h3m4s", 93784000}, {"90m", 5400000}, {"0d0h0m0s", 0}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int64_t ms = -1;
        assert_int_equal(ev_parse_duration(good[i].s, strlen(good[i].s), &ms), 0);
        assert_int_equal(ms, good[i].ms);
    }
    static const char *const bad[] = {"", "4", "h", "4x", "30m1h", "1h1h", "1h 30m", "-4h",
                                      "4H", "1.5h", "4hm", "99999999999999999999s",
                                      "106751991168d", "9223372036854776s"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = 77;
        if (ev_parse_duration(bad[i], strlen(bad[i]), &ms) == 0) fail_msg("accepted `%s`", bad[i]);
        assert_int_equal(ms, 77);
    }
}

static void test_undeclared_and_strict(void **state)
{
    (void)state;
    ev_reader *r = ev_reader_new(&fx.p, 0);
    assert_int_equal(parse(r, "{\"case\":\"c\",\"type\":\"opened\",\"at\":0,\"tierr\":\"vip\","
                              "\"note\":{\"x\":[1]},\"tier\":\"vip\"}"),
                     EV_OK);
    assert_int_equal(res.undeclared, 2);
    assert_int_equal(res.ev.nvalues, 1);
    assert_int_equal(parse(r, "{\"case\":\"c\",\"type\":\"opened\",\"at\":0,\"x\":1}"), EV_OK);
    assert_int_equal(res.undeclared, 1);
    assert_int_equal(ev_reader_stats(r).undeclared, 3);
    assert_int_equal(ev_reader_stats(r).rejected, 0);
    ev_reader_free(r);

    expect_reject_mode(1, "{\"case\":\"c\",\"type\":\"opened\",\"at\":0,\"tierr\":\"vip\"}",
                       "`tierr`: undeclared field (rejected by --strict); did you mean `tier`?");
    expect_reject_mode(1, "{\"case\":\"c\",\"type\":\"opened\",\"at\":0,\"note\":\"hi\"}",
                       "`note`: undeclared field (rejected by --strict)");
    /* the reserved keys are never undeclared */
    r = ev_reader_new(&fx.p, 1);
    assert_int_equal(parse(r, "{\"id\":1,\"case\":\"c\",\"type\":\"opened\",\"at\":0}"), EV_OK);
    ev_reader_free(r);
}

static void test_numbering_blank_bom_crlf(void **state)
{
    (void)state;
    ev_reader *r = ev_reader_new(&fx.p, 0);
    assert_int_equal(parse(r, "\xEF\xBB\xBF{\"case\":\"c\",\"type\":\"opened\",\"at\":0}"), EV_OK);
    assert_int_equal(res.line, 1);
    assert_int_equal(res.raw_len, 38); /* the byte order mark included */
    assert_int_equal(parse(r, ""), EV_BLANK);
    assert_int_equal(parse(r, " \t \r"), EV_BLANK);
    assert_int_equal(parse(r, "{\"case\":\"c\",\"type\":\"opened\",\"at\":0}\r"), EV_OK);
    assert_int_equal(res.line, 4);
    assert_int_equal(res.raw_len, 36); /* the line as received, '\r' included */
    assert_memory_equal(res.raw + 34, "}\r", 2);
    assert_int_equal(res.ev.seq, 2);
    /* a BOM after the first event is not JSON */
    assert_int_equal(parse(r, "\xEF\xBB\xBF{}"), EV_REJECT);
    assert_int_equal(res.ev.seq, 3);
    ev_stats st = ev_reader_stats(r);
    assert_int_equal(st.lines, 5);
    assert_int_equal(st.events, 3);
    assert_int_equal(st.rejected, 1);
    ev_reader_free(r);

    /* ... but one before it is skipped even after blank lines (a replay, which
     * sees no blank lines, reads the line the same way); a BOM alone is blank */
    r = ev_reader_new(&fx.p, 0);
    assert_int_equal(parse(r, "\xEF\xBB\xBF"), EV_BLANK);
    assert_int_equal(parse(r, ""), EV_BLANK);
    assert_int_equal(parse(r, "\xEF\xBB\xBF{\"case\":\"c\",\"type\":\"opened\",\"at\":0}"), EV_OK);
    assert_int_equal(res.line, 3);
    assert_int_equal(res.ev.seq, 1);
    ev_reader_free(r);
}

/* ---- lines from a file ----------------------------------------------------- */

static FILE *file_with(const char *text, size_t len)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fflush(f);
    rewind(f);
    return f;
}

static void test_stream(void **state)
{
    (void)state;
    /* Enough lines to cross several read chunks at odd places. */
    size_t cap = 1 << 20, len = 0;
    char *text = malloc(cap);
    int nlines = 0;
    for (int i = 0; len < 200000; i++) {
        len += (size_t)sprintf(text + len,
                               i % 7 == 3   ? "\n"
                               : i % 11 == 5 ? "{\"case\":\"c%d\",\"type\":\"opened\",\"at\":%d,\"tier\":\"gold\"}\r\n"
                                             : "{\"case\":\"c%d\",\"type\":\"opened\",\"at\":%d}\n",
                               i, i);
        nlines++;
    }
    len += (size_t)sprintf(text + len, "{\"case\":\"last\",\"type\":\"opened\",\"at\":1}"); /* no \n */
    nlines++;

    FILE *f = file_with(text, len);
    ev_reader *r = ev_reader_new(&fx.p, 0);
    ev_status st;
    uint64_t events = 0, rejects = 0;
    int i = 0;
    while ((st = ev_next(r, f, &res)) != EV_EOF) {
        assert_true(st == EV_OK || st == EV_REJECT);
        while (i % 7 == 3) i++; /* the blank lines */
        assert_int_equal(res.line, (uint64_t)i + 1);
        assert_int_equal(res.ev.seq, ++events);
        if (i == nlines - 1) {
            assert_int_equal(st, EV_OK);
            assert_memory_equal(res.ev.case_id, "last", 4);
        } else if (i % 11 == 5) {
            assert_int_equal(st, EV_REJECT);
            rejects++;
        } else {
            char want[32];
            int n = snprintf(want, sizeof want, "c%d", i);
            assert_int_equal(st, EV_OK);
            assert_int_equal(res.ev.case_len, (size_t)n);
            assert_memory_equal(res.ev.case_id, want, (size_t)n);
            assert_int_equal(res.ev.at, i);
        }
        i++;
    }
    assert_int_equal(i, nlines);
    assert_int_equal(ev_next(r, f, &res), EV_EOF); /* and stays there */
    ev_stats s = ev_reader_stats(r);
    assert_int_equal(s.lines, (uint64_t)nlines);
    assert_int_equal(s.events, events);
    assert_int_equal(s.rejected, rejects);
    ev_reader_free(r);
    fclose(f);
    free(text);

    /* Empty input, and a file that is only a newline. */
    f = file_with("", 0);
    r = ev_reader_new(&fx.p, 0);
    assert_int_equal(ev_next(r, f, &res), EV_EOF);
    ev_reader_free(r);
    fclose(f);
    f = file_with("\n\n", 2);
    r = ev_reader_new(&fx.p, 0);
    assert_int_equal(ev_next(r, f, &res), EV_EOF);
    assert_int_equal(ev_reader_stats(r).lines, 2);
    assert_int_equal(ev_reader_stats(r).events, 0);
    ev_reader_free(r);
    fclose(f);
}

/* A line of exactly `n` bytes (without newline): a valid event padded in `agent`. */
static size_t long_line(char *dst, size_t n)
{
    static const char head[] = "{\"case\":\"big\",\"type\":\"opened\",\"at\":0,\"agent\":\"";
    size_t h = sizeof head - 1;
    memcpy(dst, head, h);
    memset(dst + h, 'a', n - h - 2);
    memcpy(dst + n - 2, "\"}", 2);
    return n;
}

static void test_long_lines(void **state)
{
    (void)state;
    size_t max = EV_MAX_LINE;
    char *text = malloc(3 * max + 1000);
    size_t len = 0;
    len += long_line(text + len, max); /* exactly the limit: fine */
    text[len++] = '\n';
    len += long_line(text + len, max); /* the limit plus "\r\n": fine */
    text[len++] = '\r';
    text[len++] = '\n';
    len += long_line(text + len, max + 1); /* one byte over: rejected */
    text[len++] = '\n';
    len += (size_t)sprintf(text + len, "{\"case\":\"after\",\"type\":\"opened\",\"at\":0}\n");

    FILE *f = file_with(text, len);
    ev_reader *r = ev_reader_new(&fx.p, 0);
    assert_int_equal(ev_next(r, f, &res), EV_OK);
    assert_int_equal(res.ev.values[0].len, max - 48);
    assert_int_equal(ev_next(r, f, &res), EV_OK);
    assert_int_equal(ev_next(r, f, &res), EV_REJECT);
    assert_string_equal(res.reason, "line of 1048577 bytes is longer than the limit of 1048576 (1 MiB)");
    assert_null(res.raw);
    assert_int_equal(res.line, 3);
    assert_int_equal(res.ev.seq, 3);
    assert_int_equal(ev_next(r, f, &res), EV_OK);
    assert_memory_equal(res.ev.case_id, "after", 5);
    assert_int_equal(res.line, 4);
    assert_int_equal(ev_next(r, f, &res), EV_EOF);
    ev_reader_free(r);
    fclose(f);
    free(text);

    /* A huge line with no newline at all (64 MiB of garbage) is rejected without
     * holding it, and the reader then ends cleanly. */
    f = tmpfile();
    char *junk = malloc(1 << 20);
    memset(junk, 'z', 1 << 20);
    for (int k = 0; k < 64; k++) assert_int_equal(fwrite(junk, 1, 1 << 20, f), 1 << 20);
    fflush(f);
    rewind(f);
    r = ev_reader_new(&fx.p, 0);
    assert_int_equal(ev_next(r, f, &res), EV_REJECT);
    assert_string_equal(res.reason, "line of 67108864 bytes is longer than the limit of 1048576 (1 MiB)");
    assert_int_equal(ev_next(r, f, &res), EV_EOF);
    ev_reader_free(r);
    fclose(f);
    free(junk);
}

/* ---- mutants ---------------------------------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13; /* xorshift64: fixed seed, the same mutants every run */
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

/* 100,000 mutants of valid lines: each is accepted with every value in range, or
 * rejected with a reason; the reject decision always renders as valid JSON. */
static void test_mutants(void **state)
{
    (void)state;
    static const char *const seeds[] = {
        "{\"id\":\"e1\",\"case\":\"C-1\",\"type\":\"opened\",\"at\":\"2025-03-07T17:00:00.123+08:00\","
        "\"tier\":\"vip\",\"complex\":true,\"score\":2,\"agent\":\"\\u00e9\\n\",\"budget\":\"1h30m\"}",
        "{\"type\":\"tick\",\"at\":1741338000000}",
        "{\"case\":\"x\",\"type\":\"analysed\",\"at\":\"2024-02-29T23:59:59Z\",\"budget\":3600,\"kind\":\"complaint\"}",
    };
    static const char spice[] = "{}[]\":,\\0123456789-+.eEtTzZ \t\r\x00\x7f\xc3\xa9\xff\xed\xa0\x80";
    ev_reader *r = ev_reader_new(&fx.p, 0);
    char line[512], json[4096];
    for (int iter = 0; iter < 100000; iter++) {
        const char *seed = seeds[rnd(3)];
        size_t len = strlen(seed);
        memcpy(line, seed, len);
        for (int m = 0, nm = 1 + (int)rnd(4); m < nm; m++) {
            size_t at = len ? rnd((uint32_t)len) : 0;
            switch (rnd(5)) {
            case 0: if (len) line[at] = spice[rnd(sizeof spice - 1)]; break;
            case 1: if (len < sizeof line - 1) {
                        memmove(line + at + 1, line + at, len - at);
                        line[at] = spice[rnd(sizeof spice - 1)];
                        len++;
                    } break;
            case 2: if (len) { memmove(line + at, line + at + 1, len - at - 1); len--; } break;
            case 3: len = at; break;
            case 4: if (len) line[at] ^= (char)(1u << rnd(8)); break;
            }
        }
        ev_status st = ev_parse_line(r, line, len, &res);
        if (st == EV_BLANK) continue;
        if (st == EV_OK) {
            assert_true(res.ev.type >= 0 && (uint32_t)res.ev.type < fx.p.nevents);
            assert_true(res.ev.at >= TS_MIN_MS && res.ev.at <= TS_MAX_MS);
            if (res.ev.type != 11) assert_true(res.ev.case_len >= 1 && res.ev.case_len <= EV_MAX_CASE);
            for (size_t i = 0; i < res.ev.nvalues; i++) {
                const slate_value *v = &res.ev.values[i];
                const prog_field *f = &fx.fields[v->field];
                if (f->type == PT_ENUM) assert_true(v->i >= 0 && (uint64_t)v->i < f->nvalues);
                if (f->type == PT_BOOL) assert_true(v->i == 0 || v->i == 1);
                if (f->type == PT_DURATION) assert_true(v->i >= 0);
            }
            continue;
        }
        assert_int_equal(st, EV_REJECT);
        assert_true(res.reason[0] != '\0' && strlen(res.reason) < EV_REASON_MAX);
        slate_decision d;
        memset(&d, 0, sizeof d);
        d.seq = (uint64_t)iter + 1;
        d.at = res.ev.at != INT64_MIN ? res.ev.at : 0;
        d.case_id = res.ev.case_id;
        d.case_len = res.ev.case_len;
        d.action = SLATE_A_REJECT;
        d.event_seq = res.ev.seq;
        d.event_id = res.ev.id;
        d.event_id_len = res.ev.id_len;
        d.program = &fx.p;
        d.message = res.reason;
        size_t n = slate_decision_json(&d, json, sizeof json);
        assert_true(n < sizeof json);
        json_error_t err;
        json_t *back = json_loadb(json, n, 0, &err);
        if (!back) fail_msg("invalid JSON (%s): %s", err.text, json);
        assert_true(json_is_string(json_object_get(back, "reason")));
        json_decref(back);
    }
    ev_reader_free(r);
}

/* ---- the fast path against jansson ------------------------------------------ */

static void same_result(ev_status a, const ev_result *x, ev_status b, const ev_result *y,
                        const char *line, size_t len)
{
    if (a != b || strcmp(x->reason, y->reason) != 0)
        fail_msg("fast %d `%s` / jansson %d `%s` on: %.*s", a, x->reason, b, y->reason,
                 (int)len, line);
    assert_int_equal(x->line, y->line);
    assert_int_equal(x->ev.seq, y->ev.seq);
    assert_int_equal(x->ev.type, y->ev.type);
    assert_true(x->ev.at == y->ev.at);
    assert_int_equal(x->undeclared, y->undeclared);
    assert_int_equal(x->ev.case_len, y->ev.case_len);
    assert_int_equal(!x->ev.case_id, !y->ev.case_id);
    if (x->ev.case_id) {
        assert_memory_equal(x->ev.case_id, y->ev.case_id, x->ev.case_len);
        assert_int_equal(x->ev.case_id[x->ev.case_len], '\0');
    }
    assert_int_equal(x->ev.id_len, y->ev.id_len);
    assert_int_equal(!x->ev.id, !y->ev.id);
    if (x->ev.id) assert_memory_equal(x->ev.id, y->ev.id, x->ev.id_len);
    if (a != EV_OK) return;
    assert_int_equal(x->ev.nvalues, y->ev.nvalues);
    for (size_t i = 0; i < x->ev.nvalues; i++) {
        const slate_value *u = &x->ev.values[i], *v = &y->ev.values[i];
        assert_int_equal(u->field, v->field);
        assert_true(u->i == v->i);
        assert_int_equal(u->len, v->len);
        assert_int_equal(!u->s, !v->s);
        if (u->s) {
            assert_memory_equal(u->s, v->s, u->len);
            assert_int_equal(u->s[u->len], '\0');
        }
    }
}

/* The same lines through both readers: every result equal, field by field. */
static size_t diff_lines(ev_reader *fast, ev_reader *slow, const char *line, size_t len)
{
    static ev_result x, y;
    ev_status a = ev_parse_line(fast, line, len, &x);
    ev_status b = ev_parse_line(slow, line, len, &y);
    same_result(a, &x, b, &y, line, len);
    return a == EV_OK;
}

/* 100,000 mutants of the test_mutants seeds and 100,000 of plain flat lines (the
 * fast path's shape, so most mutants exercise its edges; each after its seed, so
 * the fast path meets it with the seed's bytes as the shape to repeat), each read
 * with the fast path and with jansson alone, in lenient and strict readers. */
static void test_fast_path_equals_jansson(void **state)
{
    (void)state;
    static const char *const seeds[] = {
        "{\"id\":\"e1\",\"case\":\"C-1\",\"type\":\"opened\",\"at\":\"2025-03-07T17:00:00.123+08:00\","
        "\"tier\":\"vip\",\"complex\":true,\"score\":2,\"agent\":\"\\u00e9\\n\",\"budget\":\"1h30m\"}",
        "{\"type\":\"tick\",\"at\":1741338000000}",
        "{\"case\":\"x\",\"type\":\"analysed\",\"at\":\"2024-02-29T23:59:59Z\",\"budget\":3600,\"kind\":\"complaint\"}",
        "{\"case\":\"C000001\",\"type\":\"opened\",\"at\":\"2025-03-10T00:02:39+08:00\",\"id\":\"e0000001\","
        "\"tier\":\"low\",\"kind\":\"inquiry\",\"agent\":\"bob\",\"complex\":false,\"score\":-17}",
        " { \"id\" : 123456789012345678 , \"case\":\"c\",\t\"type\":\"updated\" ,\"at\":-0,\"x\":1 }\t",
        "{\"id\":-9,\"case\":\"C\",\"type\":\"resolved\",\"at\":1741338000000,\"budget\":\"2d\",\"zzz\":true}",
    };
    static const char spice[] = "{}[]\":,\\0123456789-+.eEtTzZ \t\r\x00\x7f\xc3\xa9\xff"
                                "truefalsnul\x01\x1f";
    static const char *const edges[] = {
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"tier\":\"vip\",\"tier\":\"low\"}",
        "{\"id\":1,\"case\":\"a\",\"id\":2,\"type\":\"opened\",\"at\":1}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"zz\":1,\"zz\":2}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"at\":1}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"zz\":1,\"zy\":2,\"zz\":3}",
        "{\"case\":\"abcdefghijklmnopq\",\"type\":\"opened\",\"at\":999999999999999999}",
        "{\"case\":\"abcdefgh\\ijklmnopq\",\"type\":\"opened\",\"at\":1}",
        "{\"case\":\"abcdefghij\x7fklmnopq\",\"type\":\"opened\",\"at\":1}",
        "{\"case\":\"abcdefghij\xc3\xa9klmnopq\",\"type\":\"opened\",\"at\":1}",
        "{\"case\":\"abcdefghij\x1fklmnopq\",\"type\":\"opened\",\"at\":1}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"score\":-9223372036854775808}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"score\":1.0}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"score\":-}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"complex\":truefalse}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1}x",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,}",
        "{}", " {\t} ", "[]", "{\"case\":\"a\"\n}",
        /* a line, then lines that repeat its shape (scan_flat keeps the last
         * line's bytes around each value) up to a difference */
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"score\":2}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"score\":\"2\"}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"score\":2} ",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"score\":2,\"score\":3}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"score\":2}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"score\":2}}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"scor\":2}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"zz\":2,\"zz\":2}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"zz\":2,\"zz\":2}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"zz\":2,\"zy\":2}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"zz\":2,\"zy\":2}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"zz\":2,\"zz\":2}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"zz\":2,\"zy\":2,\"zy\":2}",
        "{\"case\":\"b\\u0041\",\"type\":\"opened\",\"at\":1}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"complex\":true}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"complex\":null}",
        "{\"case\":\"a\",\"type\":\"opened\",\"at\":1,\"complex\":false}",
    };
    for (int strict = 0; strict <= 1; strict++) {
        ev_reader *fast = ev_reader_new(&fx.p, strict), *slow = ev_reader_new(&fx.p, strict);
        ev_reader_set_fast(slow, 0);
        for (size_t e = 0; e < sizeof edges / sizeof edges[0]; e++)
            diff_lines(fast, slow, edges[e], strlen(edges[e]));
        rng_state = 0x9E3779B97F4A7C15u; /* test_mutants' lines first */
        size_t ok = 0;
        char line[512];
        for (int iter = 0; iter < 200000; iter++) {
            int plain = iter >= 100000;
            const char *seed = seeds[plain ? 3 + rnd(3) : rnd(3)];
            size_t len = strlen(seed);
            memcpy(line, seed, len);
            for (int m = 0, nm = 1 + (int)rnd(plain ? 2 : 4); m < nm; m++) {
                size_t at = len ? rnd((uint32_t)len) : 0;
                switch (rnd(plain ? 6 : 5)) {
                case 0: if (len) line[at] = spice[rnd(sizeof spice - 1)]; break;
                case 1: if (len < sizeof line - 1) {
                            memmove(line + at + 1, line + at, len - at);
                            line[at] = spice[rnd(sizeof spice - 1)];
                            len++;
                        } break;
                case 2: if (len) { memmove(line + at, line + at + 1, len - at - 1); len--; } break;
                case 3: len = at; break;
                case 4: if (len) line[at] ^= (char)(1u << rnd(8)); break;
                case 5: break; /* unchanged */
                }
            }
            /* a plain mutant right after its seed: the fast path meets it with
             * the seed's shape */
            if (plain) diff_lines(fast, slow, seed, strlen(seed));
            ok += diff_lines(fast, slow, line, len);
        }
        assert_true(ok > 5000); /* enough lines get all the way through */
        ev_reader_free(fast);
        ev_reader_free(slow);
    }
}


int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3339_good),
        cmocka_unit_test(test_rfc3339_bad),
        cmocka_unit_test_setup(test_at_forms, setup),
        cmocka_unit_test_setup(test_good_event, setup),
        cmocka_unit_test_setup(test_reject_reasons, setup),
        cmocka_unit_test_setup(test_reject_keeps_what_it_could_read, setup),
        cmocka_unit_test_setup(test_field_types, setup),
        cmocka_unit_test(test_durations),
        cmocka_unit_test_setup(test_undeclared_and_strict, setup),
        cmocka_unit_test_setup(test_numbering_blank_bom_crlf, setup),
        cmocka_unit_test_setup(test_stream, setup),
        cmocka_unit_test_setup(test_long_lines, setup),
        cmocka_unit_test_setup(test_mutants, setup),
        cmocka_unit_test_setup(test_fast_path_equals_jansson, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
