/*
 * test_import.c - the CSV reader (import/csv.c) and the importers' shared helpers
 * (import/import.c): RFC 4180 quoting, byte order mark, CRLF, blank lines, errors;
 * RFC 3339 output at an offset; New York local time to UTC across both daylight
 * saving changes; the collector's time order; and each importer on a small
 * hand-written file (the real data sets are exercised by tests/cli/realism.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "import.h"

static FILE *mem(const char *text)
{
    FILE *f = fmemopen((void *)text, strlen(text), "rb");
    assert_non_null(f);
    return f;
}

static void test_csv_quoting(void **state)
{
    (void)state;
    FILE *f = mem("\xEF\xBB\xBF" "a,b,c\r\n"
                  "1,\"x, y\",\"say \"\"hi\"\"\"\r\n"
                  "\r\n"
                  "2,\"two\nlines\",\r\n"
                  "3,,\"\"");
    csv_reader *r = csv_open(f);
    char **v;
    size_t n;
    assert_int_equal(csv_next(r, &v, &n), CSV_RECORD);
    assert_int_equal(n, 3);
    assert_string_equal(v[0], "a"); /* the BOM is gone */
    assert_string_equal(v[2], "c"); /* and the CR */
    assert_int_equal(csv_column(v, n, "c"), 2);
    assert_int_equal(csv_column(v, n, "d"), -1);
    assert_int_equal(csv_next(r, &v, &n), CSV_RECORD);
    assert_int_equal(n, 3);
    assert_string_equal(v[1], "x, y");
    assert_string_equal(v[2], "say \"hi\"");
    assert_int_equal(csv_line(r), 2);
    assert_int_equal(csv_next(r, &v, &n), CSV_RECORD); /* the blank line skipped */
    assert_int_equal(csv_line(r), 4);
    assert_string_equal(v[1], "two\nlines");
    assert_string_equal(v[2], "");
    assert_int_equal(csv_next(r, &v, &n), CSV_RECORD); /* no line end at the end */
    assert_int_equal(csv_line(r), 6);
    assert_int_equal(n, 3);
    assert_string_equal(v[0], "3");
    assert_string_equal(v[1], "");
    assert_string_equal(v[2], "");
    assert_int_equal(csv_next(r, &v, &n), CSV_EOF);
    csv_close(r);
    fclose(f);
}

static void test_csv_errors(void **state)
{
    (void)state;
    FILE *f = mem("a,b\n1,\"open\n2,3\n");
    csv_reader *r = csv_open(f);
    char **v;
    size_t n;
    assert_int_equal(csv_next(r, &v, &n), CSV_RECORD);
    assert_int_equal(csv_next(r, &v, &n), CSV_ERROR);
    assert_string_equal(csv_error(r), "unterminated quoted field starting on line 2");
    csv_close(r);
    fclose(f);
    f = mem("a,b\"c\n"); /* a quote inside an unquoted field is literal */
    r = csv_open(f);
    assert_int_equal(csv_next(r, &v, &n), CSV_RECORD);
    assert_string_equal(v[1], "b\"c");
    csv_close(r);
    fclose(f);
}

/* ms (a New York civil time) as RFC 3339 at the offset in force. */
static const char *ny(const imp_zone *z, int64_t ms, char *buf)
{
    int off;
    int64_t u = imp_zone_utc(z, ms, &off);
    return imp_format_time(u, off, buf);
}

static void test_times(void **state)
{
    (void)state;
    char buf[32];
    int64_t ms;
    assert_int_equal(imp_civil_ms(2016, 2, 29, 1, 16, 0, &ms), 0);
    assert_string_equal(imp_format_time(ms, 0, buf), "2016-02-29T01:16:00Z");
    assert_string_equal(imp_format_time(ms, -300, buf), "2016-02-28T20:16:00-05:00");
    assert_string_equal(imp_format_time(ms, 330, buf), "2016-02-29T06:46:00+05:30");
    assert_int_equal(imp_civil_ms(2015, 2, 29, 0, 0, 0, &ms), -1);
    assert_int_equal(imp_civil_ms(2015, 1, 1, 24, 0, 0, &ms), -1);

    char err[256];
    imp_zone *z = imp_zone_load("America/New_York", err, sizeof err);
    assert_non_null(z);
    /* winter, summer */
    imp_civil_ms(2018, 1, 10, 12, 0, 0, &ms);
    assert_string_equal(ny(z, ms, buf), "2018-01-10T12:00:00-05:00");
    imp_civil_ms(2018, 6, 26, 10, 58, 54, &ms);
    assert_string_equal(ny(z, ms, buf), "2018-06-26T10:58:54-04:00");
    /* 2018-03-11 02:30 does not exist: read with the offset before, 03:30 EDT */
    imp_civil_ms(2018, 3, 11, 2, 30, 0, &ms);
    assert_string_equal(ny(z, ms, buf), "2018-03-11T03:30:00-04:00");
    /* 2018-11-04 01:30 happens twice: the first, EDT */
    imp_civil_ms(2018, 11, 4, 1, 30, 0, &ms);
    assert_string_equal(ny(z, ms, buf), "2018-11-04T01:30:00-04:00");
    imp_civil_ms(2018, 11, 4, 2, 30, 0, &ms);
    assert_string_equal(ny(z, ms, buf), "2018-11-04T02:30:00-05:00");
    imp_zone_free(z);
    assert_null(imp_zone_load("No/Such_Zone", err, sizeof err));
}

/* Run one importer on `csv`; returns the events (malloc'd) and fills *st. */
static char *import(int (*fn)(csv_reader *, imp *, imp_stats *, char *, size_t), const char *csv,
                    imp_stats *st, char **side, int want)
{
    FILE *in = mem(csv);
    csv_reader *r = csv_open(in);
    imp *im = imp_new();
    char err[256] = "";
    memset(st, 0, sizeof *st);
    int rc = fn(r, im, st, err, sizeof err);
    if (rc != want) fail_msg("importer returned %d (%s)", rc, err);
    char *out = NULL, *sd = NULL;
    size_t olen = 0, slen = 0;
    FILE *o = open_memstream(&out, &olen), *s = open_memstream(&sd, &slen);
    if (rc == 0) assert_int_equal(imp_write(im, o, s), 0);
    else fprintf(o, "%s", err);
    fclose(o);
    fclose(s);
    imp_free(im);
    csv_close(r);
    fclose(in);
    if (side) *side = sd;
    else free(sd);
    return out;
}

static void test_volvo(void **state)
{
    (void)state;
    imp_stats st;
    char *out = import(imp_volvo,
        "SR Number,Change Date+Time,Status,Sub Status,ST Level,SR Latest Impact,Product,Country\n"
        "A,2012-01-02T10:00:00+01:00,Queued,Awaiting Assignment,L1,High,P1,se\n"
        "B,2012-01-02T09:30:00+01:00,Accepted,In Progress,L1,Low,P2,fr\n"
        "A,2012-01-02T10:30:00+01:00,Accepted,In Progress,L2,High,P1,se\n"
        "A,2012-01-02T11:00:00+01:00,Accepted,Wait - User,L2,High,P1,se\n"
        "A,2012-01-02T11:10:00+01:00,Accepted,Wait - Vendor,L2,High,P1,se\n"
        "A,2012-01-02T12:00:00+01:00,Accepted,In Progress,L1,High,P1,se\n"
        "A,2012-01-02T13:00:00+01:00,Completed,Resolved,L1,High,P1,se\n"
        "A,2012-01-02T14:00:00+01:00,Accepted,In Progress,L3,High,P1,se\n"
        "A,2012-01-02T15:00:00+01:00,Completed,Closed,L3,High,P1,se\n"
        "A,2012-01-02T16:00:00+01:00,Unmatched,Unmatched,L3,High,P1,se\n"
        "B,not a time,Completed,Closed,L1,Low,P2,fr\n",
        &st, NULL, 0);
    const char *want =
        "{\"case\":\"B\",\"type\":\"opened\",\"at\":\"2012-01-02T09:30:00+01:00\",\"id\":3,\"impact\":\"low\",\"product\":\"P2\",\"country\":\"fr\"}\n"
        "{\"case\":\"B\",\"type\":\"responded\",\"at\":\"2012-01-02T09:30:00+01:00\",\"id\":3}\n"
        "{\"case\":\"B\",\"type\":\"closed\",\"at\":\"not a time\",\"id\":12}\n"
        "{\"case\":\"A\",\"type\":\"opened\",\"at\":\"2012-01-02T10:00:00+01:00\",\"id\":2,\"impact\":\"high\",\"product\":\"P1\",\"country\":\"se\"}\n"
        "{\"case\":\"A\",\"type\":\"escalated\",\"at\":\"2012-01-02T10:30:00+01:00\",\"id\":4,\"st_level\":\"l2\"}\n"
        "{\"case\":\"A\",\"type\":\"responded\",\"at\":\"2012-01-02T10:30:00+01:00\",\"id\":4}\n"
        "{\"case\":\"A\",\"type\":\"paused\",\"at\":\"2012-01-02T11:00:00+01:00\",\"id\":5}\n"
        "{\"case\":\"A\",\"type\":\"resumed\",\"at\":\"2012-01-02T12:00:00+01:00\",\"id\":7}\n"
        "{\"case\":\"A\",\"type\":\"resolved\",\"at\":\"2012-01-02T13:00:00+01:00\",\"id\":8}\n"
        "{\"case\":\"A\",\"type\":\"reopened\",\"at\":\"2012-01-02T14:00:00+01:00\",\"id\":9}\n"
        "{\"case\":\"A\",\"type\":\"escalated\",\"at\":\"2012-01-02T14:00:00+01:00\",\"id\":9,\"st_level\":\"l3\"}\n"
        "{\"case\":\"A\",\"type\":\"closed\",\"at\":\"2012-01-02T15:00:00+01:00\",\"id\":10}\n";
    assert_string_equal(out, want);
    assert_int_equal(st.rows, 11);
    assert_int_equal(st.cases, 2);
    assert_int_equal(st.folded, 1);   /* Wait - User -> Wait - Vendor */
    assert_int_equal(st.unmapped, 1);
    assert_int_equal(st.bad_time, 1);
    free(out);
    out = import(imp_volvo, "SR,Time\nA,B\n", &st, NULL, -1);
    assert_string_equal(out, "line 1: no column `SR Number` in the header: not this format?");
    free(out);
}

static void test_servicenow(void **state)
{
    (void)state;
    imp_stats st;
    char *side;
    char *out = import(imp_servicenow,
        "number,incident_state,reassignment_count,made_sla,opened_at,sys_updated_at,contact_type,category,priority\n"
        "I1,New,0,true,29/2/2016 01:16,29/2/2016 01:23,Phone,Category 5,3 - Moderate\n"
        "I1,Active,1,true,29/2/2016 01:16,29/2/2016 02:00,Phone,Category 5,2 - High\n"
        "I1,Awaiting User Info,1,true,29/2/2016 01:16,29/2/2016 03:00,Phone,Category 5,2 - High\n"
        "I1,Resolved,1,true,29/2/2016 01:16,29/2/2016 04:00,Phone,Category 5,2 - High\n"
        "I1,-100,1,true,29/2/2016 01:16,29/2/2016 04:30,Phone,Category 5,2 - High\n"
        "I1,Active,1,true,29/2/2016 01:16,29/2/2016 05:00,Phone,Category 5,2 - High\n"
        "I1,Closed,1,false,29/2/2016 01:16,1/3/2016 05:00,Phone,Category 5,2 - High\n",
        &st, &side, 0);
    const char *want =
        "{\"case\":\"I1\",\"type\":\"opened\",\"at\":\"2016-02-29T01:16:00Z\",\"id\":2,\"priority\":\"moderate\",\"channel\":\"phone\",\"category\":\"Category 5\",\"reassignments\":0}\n"
        "{\"case\":\"I1\",\"type\":\"updated\",\"at\":\"2016-02-29T02:00:00Z\",\"id\":3,\"priority\":\"high\"}\n"
        "{\"case\":\"I1\",\"type\":\"reassigned\",\"at\":\"2016-02-29T02:00:00Z\",\"id\":3,\"reassignments\":1}\n"
        "{\"case\":\"I1\",\"type\":\"responded\",\"at\":\"2016-02-29T02:00:00Z\",\"id\":3}\n"
        "{\"case\":\"I1\",\"type\":\"paused\",\"at\":\"2016-02-29T03:00:00Z\",\"id\":4}\n"
        "{\"case\":\"I1\",\"type\":\"resolved\",\"at\":\"2016-02-29T04:00:00Z\",\"id\":5}\n"
        "{\"case\":\"I1\",\"type\":\"reopened\",\"at\":\"2016-02-29T05:00:00Z\",\"id\":7}\n"
        "{\"case\":\"I1\",\"type\":\"closed\",\"at\":\"2016-03-01T05:00:00Z\",\"id\":8}\n";
    assert_string_equal(out, want);
    assert_string_equal(side, "{\"case\":\"I1\",\"made_sla\":false,\"priority\":\"high\"}\n");
    assert_int_equal(st.unmapped, 1);
    assert_int_equal(st.folded, 0);
    free(out);
    free(side);
}

static void test_nyc311(void **state)
{
    (void)state;
    imp_stats st;
    char *side;
    char *out = import(imp_nyc311,
        "Unique Key,Created Date,Closed Date,Agency,Complaint Type,Open Data Channel Type,Due Date\n"
        "1,06/26/2018 10:58:54 AM,06/26/2018 12:50:01 PM,NYPD,Illegal Parking,PHONE,06/26/2018 06:58:54 PM\n"
        "2,01/10/2018 12:05:00 AM,,HPD,HEAT/HOT WATER,ONLINE,\n"
        "3,01/10/2018 12:00:00 PM,01/09/2018 12:00:00 PM,DOT,\"Street Light, Condition\",MOBILE,\n",
        &st, &side, 0);
    const char *want =
        "{\"case\":\"3\",\"type\":\"resolved\",\"at\":\"2018-01-09T12:00:00-05:00\",\"id\":4}\n"
        "{\"case\":\"3\",\"type\":\"closed\",\"at\":\"2018-01-09T12:00:00-05:00\",\"id\":4}\n"
        "{\"case\":\"2\",\"type\":\"opened\",\"at\":\"2018-01-10T00:05:00-05:00\",\"id\":3,\"agency\":\"hpd\",\"complaint\":\"HEAT/HOT WATER\",\"channel\":\"online\"}\n"
        "{\"case\":\"3\",\"type\":\"opened\",\"at\":\"2018-01-10T12:00:00-05:00\",\"id\":4,\"agency\":\"dot\",\"complaint\":\"Street Light, Condition\",\"channel\":\"mobile\"}\n"
        "{\"case\":\"1\",\"type\":\"opened\",\"at\":\"2018-06-26T10:58:54-04:00\",\"id\":2,\"agency\":\"nypd\",\"complaint\":\"Illegal Parking\",\"channel\":\"phone\"}\n"
        "{\"case\":\"1\",\"type\":\"resolved\",\"at\":\"2018-06-26T12:50:01-04:00\",\"id\":2}\n"
        "{\"case\":\"1\",\"type\":\"closed\",\"at\":\"2018-06-26T12:50:01-04:00\",\"id\":2}\n";
    assert_string_equal(out, want);
    assert_string_equal(side,
        "{\"case\":\"1\",\"agency\":\"NYPD\",\"due\":\"2018-06-26T18:58:54-04:00\",\"met_due\":true}\n"
        "{\"case\":\"2\",\"agency\":\"HPD\"}\n"
        "{\"case\":\"3\",\"agency\":\"DOT\"}\n");
    assert_int_equal(st.late, 1);
    free(out);
    free(side);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_quoting),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_volvo),
        cmocka_unit_test(test_servicenow),
        cmocka_unit_test(test_nyc311),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
