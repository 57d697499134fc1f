/*
 * test_tz.c - the TZif reader (compiler/tz.c): offsets of real zones at known
 * instants (explicit transitions and years generated from the POSIX footer), the
 * UTC shortcut, unknown and malformed names, and corrupt or truncated files, which
 * must be refused without reading outside the file (run under ASan by make test).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "civil.h"
#include "tz.h"

#define H (INT64_C(3600000))
#define M (INT64_C(60000))

static int64_t utc(int y, int mo, int d, int hh, int mm)
{
    return civil_to_days(y, mo, d) * CAL_DAY_MS + hh * H + mm * M;
}

static cal_offset *get(const char *zone, int64_t from, int64_t to, uint32_t *n)
{
    char err[256] = "";
    cal_offset *o = tz_offsets(zone, from, to, n, err, sizeof err);
    if (!o) fail_msg("tz_offsets(%s): %s", zone, err);
    assert_int_equal(o[0].from, INT64_MIN);
    for (uint32_t i = 1; i < *n; i++) {
        assert_true(o[i].from > o[i - 1].from);
        assert_true(o[i].offset_ms != o[i - 1].offset_ms);
        assert_true(o[i].from > from && o[i].from < to);
    }
    return o;
}

/* A year's table: the offset on 1 January, then (at, offset) pairs. */
static void expect_year(const char *zone, int year, int64_t jan, int n, const int64_t *pairs)
{
    uint32_t k;
    cal_offset *o = get(zone, utc(year, 1, 1, 0, 0), utc(year + 1, 1, 1, 0, 0), &k);
    assert_int_equal(k, (uint32_t)n + 1);
    assert_int_equal(o[0].offset_ms, jan);
    for (int i = 0; i < n; i++) {
        assert_int_equal(o[i + 1].from, pairs[2 * i]);
        assert_int_equal(o[i + 1].offset_ms, pairs[2 * i + 1]);
    }
    free(o);
}

static void test_real_zones(void **state)
{
    (void)state;
    expect_year("Europe/Berlin", 2025, H, 2,
                (int64_t[]){utc(2025, 3, 30, 1, 0), 2 * H, utc(2025, 10, 26, 1, 0), H});
    expect_year("America/New_York", 2025, -5 * H, 2,
                (int64_t[]){utc(2025, 3, 9, 7, 0), -4 * H, utc(2025, 11, 2, 6, 0), -5 * H});
    /* southern hemisphere: summer time on 1 January */
    expect_year("Australia/Sydney", 2025, 11 * H, 2,
                (int64_t[]){utc(2025, 4, 5, 16, 0), 10 * H, utc(2025, 10, 4, 16, 0), 11 * H});
    expect_year("Pacific/Chatham", 2025, 13 * H + 45 * M, 2,
                (int64_t[]){utc(2025, 4, 5, 14, 0), 12 * H + 45 * M, utc(2025, 9, 27, 14, 0),
                            13 * H + 45 * M});
    /* years past 2037 come from the footer "CET-1CEST,M3.5.0,M10.5.0/3" */
    expect_year("Europe/Berlin", 2090, H, 2,
                (int64_t[]){utc(2090, 3, 26, 1, 0), 2 * H, utc(2090, 10, 29, 1, 0), H});
    expect_year("America/New_York", 2099, -5 * H, 2,
                (int64_t[]){utc(2099, 3, 8, 7, 0), -4 * H, utc(2099, 11, 1, 6, 0), -5 * H});
    /* China's last DST was 1991; constant +8 since */
    expect_year("Asia/Shanghai", 1991, 8 * H, 2,
                (int64_t[]){utc(1991, 4, 13, 18, 0), 9 * H, utc(1991, 9, 14, 17, 0), 8 * H});

    uint32_t n;
    cal_offset *o = get("Asia/Shanghai", utc(1991, 10, 1, 0, 0), utc(2100, 1, 1, 0, 0), &n);
    assert_int_equal(n, 1);
    assert_int_equal(o[0].offset_ms, 8 * H);
    free(o);
    o = get("Asia/Kolkata", utc(2000, 1, 1, 0, 0), utc(2100, 1, 1, 0, 0), &n);
    assert_int_equal(n, 1);
    assert_int_equal(o[0].offset_ms, 5 * H + 30 * M);
    free(o);
    /* the whole validity range: two changes a year in Berlin */
    o = get("Europe/Berlin", utc(2000, 1, 1, 0, 0), utc(2100, 1, 1, 0, 0), &n);
    assert_int_equal(n, 201);
    free(o);
    /* a range starting in summer time starts with summer time; a change exactly at
     * `from` is the offset in force, one exactly at `to` is outside */
    o = get("Europe/Berlin", utc(2025, 7, 1, 0, 0), utc(2025, 8, 1, 0, 0), &n);
    assert_int_equal(n, 1);
    assert_int_equal(o[0].offset_ms, 2 * H);
    free(o);
    o = get("Europe/Berlin", utc(2025, 3, 30, 1, 0), utc(2025, 10, 26, 1, 0), &n);
    assert_int_equal(n, 1);
    assert_int_equal(o[0].offset_ms, 2 * H);
    free(o);
}

static void test_utc_and_names(void **state)
{
    (void)state;
    uint32_t n = 99;
    char err[256];
    cal_offset *o = tz_offsets(NULL, 0, 1, &n, err, sizeof err);
    assert_non_null(o);
    assert_int_equal(n, 1);
    assert_int_equal(o[0].from, INT64_MIN);
    assert_int_equal(o[0].offset_ms, 0);
    free(o);
    o = tz_offsets("UTC", 0, 1, &n, err, sizeof err);
    assert_non_null(o);
    free(o);
    assert_null(tz_offsets("Nowhere/Atlantis", 0, 1, &n, err, sizeof err));
    assert_string_equal(err, "unknown time zone `Nowhere/Atlantis`");
    assert_null(tz_offsets("../../etc/passwd", 0, 1, &n, err, sizeof err));
    assert_string_equal(err, "invalid time zone name `../../etc/passwd`");
    assert_null(tz_offsets("/etc/passwd", 0, 1, &n, err, sizeof err));
    assert_true(tz_zone_known("Europe/Berlin"));
    assert_true(tz_zone_known("UTC"));
    assert_false(tz_zone_known("Nowhere/Atlantis"));
    assert_false(tz_zone_known("../zoneinfo/UTC"));
}

/* ---- corrupt files ----------------------------------------------------------------- */

static char tmpdir[64];

static void put(const char *name, const void *data, size_t len)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static unsigned char buf[1 << 16];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    unsigned char *p = malloc(*len);
    memcpy(p, buf, *len);
    return p;
}

static void be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* A v1 file: two types (+3h, +4h), one transition at t=1000 s to type `idx`. */
static size_t tiny_v1(unsigned char *b, uint8_t idx)
{
    memset(b, 0, 44);
    memcpy(b, "TZif", 4);
    be32(b + 20 + 12, 1); /* timecnt */
    be32(b + 20 + 16, 2); /* typecnt */
    be32(b + 20 + 20, 4); /* charcnt */
    unsigned char *p = b + 44;
    be32(p, 1000), p += 4;
    *p++ = idx;
    be32(p, 3 * 3600), p[4] = 0, p[5] = 0, p += 6;
    be32(p, 4 * 3600), p[4] = 1, p[5] = 0, p += 6;
    memcpy(p, "AB\0\0", 4), p += 4;
    return (size_t)(p - b);
}

static int rejected(const char *zone)
{
    uint32_t n;
    char err[256] = "";
    cal_offset *o = tz_offsets(zone, utc(2000, 1, 1, 0, 0), utc(2100, 1, 1, 0, 0), &n, err,
                               sizeof err);
    free(o);
    return o == NULL && err[0] != 0;
}

static void test_corrupt_files(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/slate-tz-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    setenv("SLATE_ZONEINFO", tmpdir, 1);

    /* a valid hand-made v1 file is read (no footer: the last type holds) */
    unsigned char b[256];
    size_t len = tiny_v1(b, 1);
    put("Tiny", b, len);
    uint32_t n;
    char err[256];
    cal_offset *o = tz_offsets("Tiny", 0, 10000000, &n, err, sizeof err);
    assert_non_null(o);
    assert_int_equal(n, 2);
    assert_int_equal(o[0].offset_ms, 3 * H);
    assert_int_equal(o[1].from, 1000000);
    assert_int_equal(o[1].offset_ms, 4 * H);
    free(o);

    len = tiny_v1(b, 2); /* type index out of range */
    put("BadIndex", b, len);
    assert_true(rejected("BadIndex"));
    len = tiny_v1(b, 1);
    be32(b + 20 + 12, 0xffffffffu); /* absurd timecnt */
    put("HugeCount", b, len);
    assert_true(rejected("HugeCount"));
    len = tiny_v1(b, 1);
    be32(b + 20 + 16, 0); /* no types */
    put("NoTypes", b, len);
    assert_true(rejected("NoTypes"));
    put("Empty", "", 0);
    assert_true(rejected("Empty"));
    const char *junk = "TZip2 and some more bytes that are not a zone file at all........";
    put("NotTzif", junk, strlen(junk));
    assert_true(rejected("NotTzif"));

    /* every truncation of a real v2 file is refused; random damage never crashes */
    unsigned char *real = slurp("/usr/share/zoneinfo/Europe/Berlin", &len);
    put("Whole", real, len);
    assert_false(rejected("Whole"));
    for (size_t cut = 0; cut < len; cut += (cut < 100 || len - cut < 100) ? 1 : 37) {
        put("Cut", real, cut);
        if (!rejected("Cut")) fail_msg("truncated at %zu of %zu accepted", cut, len);
    }
    uint64_t s = 42;
    unsigned char *dam = malloc(len);
    for (int i = 0; i < 300; i++) {
        memcpy(dam, real, len);
        for (int k = 0; k < 3; k++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            dam[(s >> 33) % len] = (unsigned char)(s >> 20);
        }
        put("Damaged", dam, len);
        rejected("Damaged"); /* either answer; no crash, no out-of-bounds read */
    }
    free(dam);
    free(real);

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    assert_int_equal(system(cmd), 0);
    unsetenv("SLATE_ZONEINFO");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_zones),
        cmocka_unit_test(test_utc_and_names),
        cmocka_unit_test(test_corrupt_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
