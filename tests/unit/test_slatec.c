/*
 * test_slatec.c - libslatec through its public header only (include/slatec.h):
 * a clean policy to a program and image, errors and warnings printed in the
 * `slate check` format and counted, --werror, check without codegen, image
 * bytes round trip, source or image told by the bytes, files in, the options
 * struct's size rule, fmt and disasm.  Not here: the passes themselves
 * (test_check, test_bytecode, test_fmt).
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

#include "slate.h"
#include "slatec.h"

static const char good[] =
    "policy \"t\" version \"1\"\n"
    "case { tier: enum { vip, regular } }\n"
    "clock response starts on opened stops on responded\n"
    "sla fast when tier == vip { response within 15m }\n"
    "sla slow { response within 2h }\n"
    "on opened when tier == vip { route desk }\n";

static const char bad[] =
    "policy \"t\" version \"1\"\n"
    "case { tier: enum { vip, regular } }\n"
    "clock response starts on opened stops on responded\n"
    "sla fast when tier == vpi { response within 15m }\n";

static const char warns[] =
    "policy \"t\" version \"1\"\n"
    "case { score: int }\n"
    "clock response starts on opened stops on responded\n"
    "sla standard { response within 4h }\n"
    "on opened when true { route a }\n";

/* What a call printed: a memstream opened by cap_open, text by cap_close. */
typedef struct cap {
    char *text;
    size_t len;
    FILE *f;
} cap;

static FILE *cap_open(cap *c)
{
    c->text = NULL;
    c->len = 0;
    c->f = open_memstream(&c->text, &c->len);
    assert_non_null(c->f);
    return c->f;
}

static char *cap_close(cap *c)
{
    fclose(c->f);
    return c->text;
}

static void test_good_source(void **state)
{
    (void)state;
    cap c;
    slatec_opts o = SLATEC_OPTS_INIT;
    o.diag = cap_open(&c);
    o.errors = o.warnings = 99; /* every call sets them */
    slate_program *p;
    uint8_t *img;
    size_t len;
    assert_int_equal(slatec_compile(&o, "t.slate", good, strlen(good), &p, &img, &len), SLATE_OK);
    char *out = cap_close(&c);
    assert_string_equal(out, "");
    free(out);
    assert_int_equal(o.errors, 0);
    assert_int_equal(o.warnings, 0);
    assert_non_null(p);
    assert_non_null(img);
    assert_string_equal(slate_program_name(p), "t");
    assert_true(slate_program_event_id(p, "opened") >= 0);
    /* The program is the one these bytes load to. */
    slate_program *q;
    assert_int_equal(slate_program_load(img, len, &q, NULL), SLATE_OK);
    assert_string_equal(slate_program_hash(p), slate_program_hash(q));
    slate_program_free(q);
    /* The same source gives the same bytes; each output is optional. */
    uint8_t *img2;
    size_t len2 = 0;
    assert_int_equal(slatec_compile(NULL, "t.slate", good, strlen(good), NULL, &img2, &len2), SLATE_OK);
    assert_int_equal(len2, len);
    assert_memory_equal(img, img2, len);
    free(img2);
    size_t len3 = 0;
    assert_int_equal(slatec_compile(NULL, "t.slate", good, strlen(good), NULL, NULL, &len3), SLATE_OK);
    assert_int_equal(len3, len);
    /* The text need not be NUL-terminated. */
    char *copy = malloc(sizeof good - 1);
    assert_non_null(copy);
    memcpy(copy, good, sizeof good - 1);
    assert_int_equal(slatec_compile(NULL, "t.slate", copy, sizeof good - 1, &q, NULL, NULL), SLATE_OK);
    assert_string_equal(slate_program_hash(p), slate_program_hash(q));
    slate_program_free(q);
    free(copy);
    slate_program_free(p);
    free(img);
}

static void test_bad_source(void **state)
{
    (void)state;
    cap c;
    slatec_opts o = SLATEC_OPTS_INIT;
    o.diag = cap_open(&c);
    o.summary = 1;
    slate_program *p = (slate_program *)1;
    uint8_t *img = (uint8_t *)1;
    size_t len = 1;
    assert_int_equal(slatec_compile(&o, "bad.slate", bad, strlen(bad), &p, &img, &len), SLATE_ERROR);
    char *out = cap_close(&c);
    assert_string_equal(out, "bad.slate:4:23: error: `vpi` is not a value of `tier`\n"
                             "    4 | sla fast when tier == vpi { response within 15m }\n"
                             "      |                       ^~~\n"
                             "      = hint: did you mean `vip`?\n"
                             "bad.slate: 1 error, 0 warnings\n");
    free(out);
    assert_int_equal(o.errors, 1);
    assert_null(p);
    assert_null(img);
    assert_int_equal(len, 0);
    /* Without a stream the diagnostics are counted, not printed. */
    slatec_opts quiet = SLATEC_OPTS_INIT;
    assert_int_equal(slatec_compile(&quiet, "bad.slate", bad, strlen(bad), &p, NULL, NULL), SLATE_ERROR);
    assert_int_equal(quiet.errors, 1);
    assert_int_equal(slatec_check(&quiet, "bad.slate", bad, strlen(bad)), SLATE_ERROR);
    assert_int_equal(quiet.errors, 1);
}

static void test_warnings_and_werror(void **state)
{
    (void)state;
    cap c;
    slatec_opts o = SLATEC_OPTS_INIT;
    o.diag = cap_open(&c);
    slate_program *p;
    assert_int_equal(slatec_compile(&o, "w.slate", warns, strlen(warns), &p, NULL, NULL), SLATE_OK);
    char *out = cap_close(&c);
    /* No summary unless asked for. */
    assert_string_equal(out, "w.slate:5:16: warning: condition is always true [W015]\n"
                             "    5 | on opened when true { route a }\n"
                             "      |                ^~~~\n"
                             "      = hint: drop the `when`: the rule runs on every such event\n");
    free(out);
    assert_int_equal(o.errors, 0);
    assert_int_equal(o.warnings, 1);
    slate_program_free(p);

    o.diag = cap_open(&c);
    o.werror = 1;
    o.summary = 1;
    assert_int_equal(slatec_check(&o, "w.slate", warns, strlen(warns)), SLATE_ERROR);
    out = cap_close(&c);
    assert_non_null(strstr(out, "w.slate:5:16: error: condition is always true [W015]\n"));
    assert_non_null(strstr(out, "w.slate: 1 error, 0 warnings\n"));
    free(out);
    assert_int_equal(o.errors, 1);
    assert_int_equal(o.warnings, 0);
}

/* Check finds everything the back end refuses: the duration limits of the
 * image format (VRF_MAX_MS, about 31,700 years) are the back end's to enforce
 * (lower.h), and `check` runs it too, so a `require` 20,000,000 days away
 * fails both, with the limit in hours and days. */
static void test_check_only(void **state)
{
    (void)state;
    static const char far[] =
        "policy \"t\" version \"1\"\n"
        "case { score: int }\n"
        "events { analysed }\n"
        "clock response starts on opened stops on responded\n"
        "sla standard { response within 4h }\n"
        "on opened { require analysed within 20000000d }\n";
    cap c;
    slatec_opts o = SLATEC_OPTS_INIT;
    o.diag = cap_open(&c);
    assert_int_equal(slatec_check(&o, "far.slate", far, strlen(far)), SLATE_ERROR);
    assert_int_equal(o.errors, 1);
    char *first = cap_close(&c);
    assert_non_null(strstr(first, "far.slate:6:37: error: duration is too long: at most "
                                  "277777777 hours (11574074 days)\n"));
    free(first);
    o.diag = cap_open(&c);
    slate_program *p;
    assert_int_equal(slatec_compile(&o, "far.slate", far, strlen(far), &p, NULL, NULL), SLATE_ERROR);
    assert_null(p);
    assert_int_equal(o.errors, 1);
    char *out = cap_close(&c);
    assert_non_null(strstr(out, "far.slate:6:37: error: duration is too long: at most"));
    free(out);
}

static void test_image_round_trip(void **state)
{
    (void)state;
    slatec_opts o = SLATEC_OPTS_INIT;
    slate_program *p, *q;
    uint8_t *img, *again;
    size_t len, len2;
    assert_int_equal(slatec_compile(&o, "t.slate", good, strlen(good), &p, &img, &len), SLATE_OK);
    assert_true(slatec_is_image(img, len));
    assert_false(slatec_is_image(good, strlen(good)));
    assert_false(slatec_is_image(img, 7));
    assert_false(slatec_is_image(NULL, 0));

    /* An image in: loaded, handed back as a copy of the bytes. */
    char *err = (char *)1;
    o.errors = 5;
    assert_int_equal(slatec_load(&o, "t.slc", img, len, &q, &again, &len2, &err), SLATE_OK);
    assert_null(err);
    assert_int_equal(o.errors, 0);
    assert_int_equal(len2, len);
    assert_ptr_not_equal(again, img);
    assert_memory_equal(again, img, len);
    assert_string_equal(slate_program_hash(q), slate_program_hash(p));
    slate_program_free(q);
    free(again);

    /* Source in (whatever the name says): compiled, the same program. */
    assert_int_equal(slatec_load(&o, "t.slate", good, strlen(good), &q, NULL, &len2, &err), SLATE_OK);
    assert_int_equal(len2, len);
    assert_string_equal(slate_program_hash(q), slate_program_hash(p));
    slate_program_free(q);

    /* A damaged image is refused with the loader's reason, not compiled. */
    img[len / 2] ^= 1;
    assert_int_equal(slatec_load(&o, "t.slc", img, len, &q, &again, &len2, &err), SLATE_ERROR);
    assert_null(q);
    assert_null(again);
    assert_int_equal(len2, 0);
    assert_non_null(err);
    assert_non_null(strstr(err, "hash mismatch"));
    slate_free(err);
    /* The magic alone makes an image: cut short, it is refused as one. */
    assert_int_equal(slatec_load(&o, "t.slc", img, 8, &q, NULL, NULL, &err), SLATE_ERROR);
    assert_non_null(err);
    slate_free(err);
    /* Source errors are diagnostics; err stays NULL. */
    assert_int_equal(slatec_load(&o, "bad.slate", bad, strlen(bad), &q, NULL, NULL, &err), SLATE_ERROR);
    assert_null(err);
    assert_int_equal(o.errors, 1);
    slate_program_free(p);
    free(img);
}

static void test_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_slatec.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char src[64], slc[64], missing[64];
    snprintf(src, sizeof src, "%s/t.slate", dir);
    snprintf(slc, sizeof slc, "%s/t.slc", dir);
    snprintf(missing, sizeof missing, "%s/none.slate", dir);
    FILE *f = fopen(src, "w");
    assert_non_null(f);
    fputs(good, f);
    fclose(f);

    size_t n;
    char *text = slatec_read_file(src, &n);
    assert_non_null(text);
    assert_int_equal(n, strlen(good));
    assert_string_equal(text, good);
    free(text);

    /* The image names its source by base name, so the file compiles to the
     * same program as the text named t.slate. */
    slatec_opts o = SLATEC_OPTS_INIT;
    slate_program *p, *q;
    uint8_t *img;
    size_t len;
    assert_int_equal(slatec_compile(&o, "t.slate", good, strlen(good), &p, NULL, NULL), SLATE_OK);
    assert_int_equal(slatec_compile(&o, src, NULL, 0, &q, &img, &len), SLATE_OK);
    assert_string_equal(slate_program_hash(q), slate_program_hash(p));
    slate_program_free(q);
    assert_int_equal(slatec_check(&o, src, NULL, 0), SLATE_OK);

    f = fopen(slc, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(img, 1, len, f), len);
    fclose(f);
    char *err;
    assert_int_equal(slatec_load(&o, slc, NULL, 0, &q, NULL, NULL, &err), SLATE_OK);
    assert_string_equal(slate_program_hash(q), slate_program_hash(p));
    slate_program_free(q);
    assert_int_equal(slatec_load(&o, src, NULL, 0, &q, NULL, NULL, &err), SLATE_OK);
    assert_string_equal(slate_program_hash(q), slate_program_hash(p));
    slate_program_free(q);

    cap c;
    o.diag = cap_open(&c);
    assert_int_equal(slatec_compile(&o, missing, NULL, 0, &q, NULL, NULL), SLATEC_IO);
    assert_null(q);
    assert_int_equal(slatec_load(&o, missing, NULL, 0, &q, NULL, NULL, &err), SLATEC_IO);
    char *out = cap_close(&c);
    char want[256];
    snprintf(want, sizeof want, "slate: cannot read %s: No such file or directory\n", missing);
    assert_non_null(strstr(out, want));
    assert_int_equal(strlen(out), 2 * strlen(want));
    free(out);
    assert_null(slatec_read_file(missing, &n));

    slate_program_free(p);
    free(img);
    unlink(src);
    unlink(slc);
    rmdir(dir);
}

static void test_opts_size(void **state)
{
    (void)state;
    slatec_opts o = SLATEC_OPTS_INIT;
    assert_int_equal(o.size, sizeof(slatec_opts));
    assert_null(o.diag);
    assert_int_equal(o.werror, 0);
    assert_int_equal(o.summary, 0);
    slate_program *p;
    /* Larger than the library's struct: members it cannot honour. */
    o.size = sizeof(slatec_opts) + sizeof(int);
    assert_int_equal(slatec_compile(&o, "t.slate", good, strlen(good), &p, NULL, NULL), SLATE_MISUSE);
    assert_null(p);
    assert_int_equal(slatec_check(&o, "t.slate", good, strlen(good)), SLATE_MISUSE);
    assert_int_equal(slatec_load(&o, "t.slate", good, strlen(good), &p, NULL, NULL, NULL), SLATE_MISUSE);
    /* Unset, or too small to be one. */
    o.size = 0;
    assert_int_equal(slatec_check(&o, "t.slate", good, strlen(good)), SLATE_MISUSE);
    o.size = offsetof(slatec_opts, werror);
    assert_int_equal(slatec_check(&o, "t.slate", good, strlen(good)), SLATE_MISUSE);
    /* NULL options are the defaults; a NULL file name is misuse. */
    assert_int_equal(slatec_check(NULL, "t.slate", good, strlen(good)), SLATE_OK);
    assert_int_equal(slatec_check(NULL, NULL, good, strlen(good)), SLATE_MISUSE);
    assert_int_equal(slatec_compile(NULL, NULL, good, strlen(good), &p, NULL, NULL), SLATE_MISUSE);
    assert_string_equal(slatec_errstr(SLATE_MISUSE), slate_errstr(SLATE_MISUSE));
    assert_string_equal(slatec_errstr(SLATEC_IO), "cannot read the file");
    assert_string_not_equal(slatec_errstr(SLATEC_INTERNAL), slatec_errstr(12345));
}

static void test_fmt_and_disasm(void **state)
{
    (void)state;
    static const char messy[] = "policy \"t\"   version \"1\"\ncase {score:int}\n";
    char *out;
    size_t n;
    cap c;
    FILE *diag = cap_open(&c);
    assert_int_equal(slatec_fmt("m.slate", messy, strlen(messy), diag, &out, &n), SLATE_OK);
    assert_int_equal(strlen(out), n);
    assert_non_null(strstr(out, "policy \"t\" version \"1\"\n"));
    char *again;
    size_t n2;
    assert_int_equal(slatec_fmt("m.slate", out, n, diag, &again, &n2), SLATE_OK);
    assert_string_equal(again, out); /* a fixed point */
    free(again);
    free(out);
    assert_int_equal(slatec_fmt("m.slate", "policy {", 8, diag, &out, &n), SLATE_ERROR);
    assert_null(out);
    assert_int_equal(slatec_fmt("m.slate", messy, strlen(messy), NULL, &out, &n), SLATE_MISUSE);
    char *msgs = cap_close(&c);
    assert_non_null(strstr(msgs, "m.slate:1:"));
    free(msgs);

    slate_program *p;
    size_t len;
    assert_int_equal(slatec_compile(NULL, "t.slate", good, strlen(good), &p, NULL, &len), SLATE_OK);
    FILE *f = cap_open(&c);
    slatec_disasm(p, len, f);
    char *listing = cap_close(&c);
    char want[80];
    snprintf(want, sizeof want, "hash    %s\n", slate_program_hash(p));
    assert_non_null(strstr(listing, want));
    assert_non_null(strstr(listing, "ROUTE     \"desk\""));
    free(listing);
    slate_program_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_source),
        cmocka_unit_test(test_bad_source),
        cmocka_unit_test(test_warnings_and_werror),
        cmocka_unit_test(test_check_only),
        cmocka_unit_test(test_image_round_trip),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_opts_size),
        cmocka_unit_test(test_fmt_and_disasm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
