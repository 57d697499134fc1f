/*
 * test_bytecode.c - the back end and the image: golden disassembly of
 * tests/bytecode/NAME.slate against NAME.asm, determinism, the writer as the
 * exact inverse of the loader, the program half of the public API, and one
 * hand-made corruption per verifier rule, each refused with its message.
 *
 * Runs from the repository root, as `make test` does.  After a reviewed change
 * of the listing, regenerate the .asm files with tests/bytecode/update.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <nettle/sha2.h>

#include "bctest.h"
#include "civil.h"
#include "disasm.h"
#include "emit.h"
#include "image.h"
#include "image_rec.h"
#include "load.h"
#include "slate.h"
#include "verify.h"
#include "vm.h"
#include "testutil.h"

#define BC_DIR "tests/bytecode"

/* ---- golden listings --------------------------------------------------------- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static char *listing(const uint8_t *img, size_t len)
{
    slate_program *p;
    char err[256];
    if (load_image(img, len, &p, err, sizeof err)) {
        fprintf(stderr, "load: %s\n", err);
        return NULL;
    }
    tu_capture c;
    dis_program(p, len, tu_open(&c));
    char *buf = tu_close(&c);
    slate_program_free(p);
    return buf;
}

static void report_diff(const char *name, const char *want, const char *got)
{
    int line = 1;
    while (*want && *want == *got) {
        if (*want == '\n') line++;
        want++;
        got++;
    }
    const char *we = strchr(want, '\n'), *ge = strchr(got, '\n');
    fprintf(stderr, "%s.asm: first difference at line %d\n  want: %.*s\n  got:  %.*s\n", name, line,
            (int)(we ? we - want : (long)strlen(want)), want, (int)(ge ? ge - got : (long)strlen(got)), got);
}

static void test_golden_listings(void **state)
{
    (void)state;
    DIR *d = opendir(BC_DIR);
    assert_non_null(d);
    char *names[256];
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < 256;) {
        size_t l = strlen(e->d_name);
        if (l > 6 && !strcmp(e->d_name + l - 6, ".slate")) names[n++] = strndup(e->d_name, l - 6);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    assert_true(n >= 4);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        char path[512];
        snprintf(path, sizeof path, BC_DIR "/%s.slate", names[i]);
        slatec_opts o = SLATEC_OPTS_INIT;
        o.diag = stderr;
        uint8_t *img = NULL;
        size_t len = 0;
        int rc = slatec_compile(&o, path, NULL, 0, NULL, &img, &len);
        if (rc) {
            fprintf(stderr, "%s: does not compile\n", path);
            bad++;
            free(names[i]);
            continue;
        }
        char *got = listing(img, len);
        snprintf(path, sizeof path, BC_DIR "/%s.asm", names[i]);
        char *want = bc_read(path, NULL);
        if (!want) {
            fprintf(stderr, "%s: missing (run tests/bytecode/update.sh)\n", path);
            bad++;
        } else if (!got || strcmp(want, got)) {
            report_diff(names[i], want, got ? got : "");
            bad++;
        }
        free(want);
        free(got);
        free(img);
        free(names[i]);
    }
    assert_int_equal(bad, 0);
}

/* ---- determinism and the writer ------------------------------------------------ */

static const char service[] =
    "policy \"service\" version \"2025.1\"\n"
    "calendar business { zone \"Asia/Shanghai\" hours mon-fri 09:00-18:00 closed 2025-10-01..2025-10-08 }\n"
    "case { tier: enum { vip, high, medium, low } kind: enum { request, complaint }\n"
    "       severity: enum { emergency, general } complex: bool waiting: bool score: int agent: string }\n"
    "levels { agent, specialist, supervisor, manager }\n"
    "events { analysed }\n"
    "clock response starts on opened stops on responded\n"
    "clock resolution starts on opened stops on resolved pauses while waiting resets on reopened\n"
    "ladder standard {\n"
    "  at 75% of resolution notify assignee \"near\"\n"
    "  at breach of response escalate to specialist; notify supervisor \"late\"\n"
    "  at breach of resolution + 4h escalate to manager\n"
    "}\n"
    "sla vip_emergency when tier == vip and severity == emergency {\n"
    "  response within 15m on always; resolution within 4h on always; ladder standard }\n"
    "sla complaint when kind == complaint { response within 2h on business;\n"
    "  resolution within 2 working days on business; ladder standard }\n"
    "sla default { response within 24h on business; resolution within 48h on business }\n"
    "on opened when kind == complaint { route complaint_desk; require analysed within 2h on business }\n"
    "on opened when complex { escalate to specialist; notify customer \"4-8 hours\" }\n"
    "on surveyed when score <= 2 { open review within 1 working day on business; escalate to supervisor }\n"
    "on updated when not complex { set severity = general; emit touched(tier, score) }\n"
    /* register compare-and-jumps (a large int, a string, `level`) and a
     * comparison used as a value */
    "on resolved when score > 1000 or agent == \"nobody\" or level >= supervisor { set waiting = tier == vip }\n";

static void test_deterministic(void **state)
{
    (void)state;
    uint8_t *a, *b;
    size_t la, lb;
    assert_int_equal(bc_compile("service.slate", service, &a, &la), 0);
    assert_int_equal(bc_compile("service.slate", service, &b, &lb), 0);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    /* the directory of the source does not matter, only its name */
    free(b);
    assert_int_equal(bc_compile("/some/where/service.slate", service, &b, &lb), 0);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    free(a);
    free(b);
}

static void test_writer_inverts_loader(void **state)
{
    (void)state;
    uint8_t *a, *b;
    size_t la, lb;
    char err[256];
    assert_int_equal(bc_compile("service.slate", service, &a, &la), 0);
    slate_program *p;
    assert_int_equal(load_image(a, la, &p, err, sizeof err), 0);
    assert_int_equal(cg_write_image(p, &b, &lb, err, sizeof err), 0);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    slate_program_free(p);
    free(a);
    free(b);
}

static void test_public_api(void **state)
{
    (void)state;
    uint8_t *img;
    size_t len;
    assert_int_equal(bc_compile("service.slate", service, &img, &len), 0);
    slate_program *p = NULL;
    char *err = NULL;
    assert_int_equal(slate_program_load(img, len, &p, &err), SLATE_OK);
    assert_null(err);
    assert_string_equal(slate_program_name(p), "service");
    assert_string_equal(slate_program_version(p), "2025.1");
    assert_int_equal(strlen(slate_program_hash(p)), 64);
    assert_int_equal(slate_program_event_id(p, "opened"), 0);
    assert_int_equal(slate_program_event_id(p, "tick"), 11);
    assert_int_equal(slate_program_event_id(p, "analysed"), 12);
    assert_int_equal(slate_program_event_id(p, "nope"), -1);
    /* the image numbers the built-ins as builtins.def lists them */
    for (int i = 0; i < PROG_NBUILTIN_EVENTS; i++)
        assert_int_equal(slate_program_event_id(p, vrf_builtin_events[i]), i);
    int tier = slate_program_field_id(p, "tier");
    assert_int_equal(tier, 0);
    assert_int_equal(slate_program_field_type(p, tier), SLATE_T_ENUM);
    assert_int_equal(slate_program_field_type(p, slate_program_field_id(p, "score")), SLATE_T_INT);
    assert_int_equal(slate_program_field_type(p, 99), -1);
    assert_int_equal(slate_program_enum_value(p, tier, "medium"), 2);
    assert_int_equal(slate_program_enum_value(p, tier, "nope"), -1);
    assert_int_equal(slate_program_enum_value(p, slate_program_field_id(p, "score"), "x"), -1);
    slate_program_free(p);

    img[0] ^= 1;
    assert_int_equal(slate_program_load(img, len, &p, &err), SLATE_ERROR);
    assert_null(p);
    assert_non_null(err);
    assert_non_null(strstr(err, "bad magic"));
    slate_free(err);
    assert_int_equal(slate_program_load(img, len, NULL, NULL), SLATE_MISUSE);
    assert_int_equal(slate_libversion_number(), SLATE_VERSION_NUMBER);
    assert_string_equal(slate_errstr(SLATE_NOMEM), "out of memory");
    free(img);
}

/* ---- corruptions: image level ------------------------------------------------ */

static void rehash(uint8_t *img, size_t len)
{
    struct sha256_ctx h;
    sha256_init(&h);
    sha256_update(&h, len - 32, img);
    sha256_digest(&h, 32, img + len - 32);
}

static void expect_refused(const uint8_t *img, size_t len, const char *want)
{
    slate_program *p = NULL;
    char err[256];
    int rc = load_image(img, len, &p, err, sizeof err);
    if (rc == 0 || !strstr(err, want)) {
        fprintf(stderr, "want \"%s\", got %s \"%s\"\n", want, rc ? "refusal" : "a program", rc ? err : "");
        slate_program_free(p);
        fail();
    }
}

/* The directory entry of section id `id` (1-based, in order). */
static uint8_t *dirent_of(uint8_t *img, int id) { return img + IMG_HEADER_LEN + (size_t)(id - 1) * IMG_DIRENT_LEN; }

static void test_image_corruptions(void **state)
{
    (void)state;
    uint8_t *img;
    size_t len;
    assert_int_equal(bc_compile("service.slate", service, &img, &len), 0);
    uint8_t *c = malloc(len + 64);
#define FRESH() memcpy(c, img, len)
    FRESH(); c[1] = 'X';
    expect_refused(c, len, "header: bad magic");
    FRESH(); img_put32(c + 8, IMG_FORMAT + 1);
    expect_refused(c, len, "header: format version 6 (this runtime reads 1 to 5)");
    /* a format 3 image has the `required` section a format 2 one lacks */
    FRESH(); img_put32(c + 8, 3); rehash(c, len);
    expect_refused(c, len, "header: 23 sections (24 expected in format 3)");
    FRESH(); img_put32(c + 8, 0);
    expect_refused(c, len, "header: format version 0");
    /* a format 1 image may not use the fused jumps format 2 added */
    FRESH(); img_put32(c + 8, 1); rehash(c, len);
    expect_refused(c, len, "in a format 1 image");
    FRESH(); img_put32(c + 12, 1);
    expect_refused(c, len, "header: unknown flags");
    FRESH(); c[len / 2] ^= 0x10;
    expect_refused(c, len, "trailer: hash mismatch");
    FRESH();
    expect_refused(c, len - 1, "but");
    expect_refused(c, 20, "image too short");
    expect_refused(NULL, 0, "no image");
    FRESH(); memset(c + len, 0, 8); img_put32(c + 16, (uint32_t)len + 8); rehash(c, len + 8);
    expect_refused(c, len + 8, "stray bytes");
    FRESH(); img_put32(c + 20, 22); rehash(c, len);
    expect_refused(c, len, "header: 22 sections");
    FRESH(); img_put32(dirent_of(c, 3), 9); rehash(c, len);
    expect_refused(c, len, "directory[2]: section id 9");
    FRESH(); img_put32(dirent_of(c, 4) + 4, img_get32(dirent_of(c, 4) + 4) + 1); rehash(c, len);
    expect_refused(c, len, "fields: offset");
    FRESH(); img_put32(dirent_of(c, IMG_S_CODE) + 8, img_get32(dirent_of(c, IMG_S_CODE) + 8) - 8); rehash(c, len);
    expect_refused(c, len, "code: length");
    FRESH(); img_put32(dirent_of(c, IMG_S_META) + 8, 0xFFFFFFF0u); rehash(c, len);
    expect_refused(c, len, "meta: length 4294967280 out of bounds");
    /* strings must be packed: move string 1 by one byte */
    FRESH();
    uint8_t *strs = c + img_get32(dirent_of(c, IMG_S_STRINGS) + 4) + 4;
    img_put32(strs + 8, img_get32(strs + 8) + 1); rehash(c, len);
    expect_refused(c, len, "strings[1]: offset");
    /* the meta record count */
    FRESH(); img_put32(c + img_get32(dirent_of(c, IMG_S_META) + 4), 2); rehash(c, len);
    expect_refused(c, len, "meta: length");
#undef FRESH
    free(c);
    free(img);
}

/* A copy of `img` with `delta` records added at the end of section `id`
 * (zeros) or, for delta < 0, its last ones dropped, and the directory, the
 * length and the hash made right again: an image whose every section holds
 * whole records, so only the loader's rules across sections can refuse it. */
static uint8_t *resized(const uint8_t *img, size_t len, int id, int delta, size_t *nlen)
{
    static const uint32_t size[] = {
#define SECTION(id, num, name, type) IMG_SIZE_##id,
#include "image.def"
    };
    long add = (long)delta * (long)size[id - 1];
    *nlen = (size_t)((long)len + add);
    uint8_t *c = calloc(*nlen, 1);
    int nsec = (int)img_get32(img + 20); /* 23 in format 2, 24 in format 3 */
    size_t at = IMG_HEADER_LEN + (size_t)nsec * IMG_DIRENT_LEN;
    memcpy(c, img, at);
    for (int i = 1; i <= nsec; i++) {
        const uint8_t *e = img + IMG_HEADER_LEN + (size_t)(i - 1) * IMG_DIRENT_LEN;
        uint32_t off = img_get32(e + 4), slen = img_get32(e + 8), nslen = i == id ? (uint32_t)(slen + add) : slen;
        memcpy(c + at, img + off, nslen < slen ? nslen : slen);
        if (i == id) img_put32(c + at, img_get32(img + off) + (uint32_t)delta);
        img_put32(dirent_of(c, i) + 4, (uint32_t)at);
        img_put32(dirent_of(c, i) + 8, nslen);
        at += nslen;
    }
    img_put32(c + 16, (uint32_t)*nlen);
    rehash(c, *nlen);
    return c;
}

/* The loader's checks that record sizes alone cannot make: image.def's rules
 * across sections (counts that must agree, packed strings, calendar slices). */
static void test_image_cross_sections(void **state)
{
    (void)state;
    uint8_t *img, *c;
    size_t len, n;
    char want[64];
    assert_int_equal(bc_compile("service.slate", service, &img, &len), 0);
    /* the unchanged copy loads: resized() itself breaks nothing */
    slate_program *p;
    char err[256];
    c = resized(img, len, IMG_S_LEVELS, 0, &n);
    assert_int_equal(n, len);
    assert_memory_equal(c, img, len);
    free(c);
    c = resized(img, len, IMG_S_META, 1, &n);
    expect_refused(c, n, "meta: 2 records (1 expected)");
    free(c);
    assert_int_equal(load_image(img, len, &p, err, sizeof err), 0);
    snprintf(want, sizeof want, "lines: %u entries for %u instructions", p->ncode - 1, p->ncode);
    c = resized(img, len, IMG_S_LINES, -1, &n);
    expect_refused(c, n, want);
    free(c);
    snprintf(want, sizeof want, "strings[%u]: runs past the string data", p->nstrings - 1);
    c = resized(img, len, IMG_S_STRDATA, -1, &n);
    expect_refused(c, n, want);
    free(c);
    c = resized(img, len, IMG_S_STRDATA, 3, &n);
    expect_refused(c, n, "strdata: 3 unused bytes");
    free(c);
    /* a calendar's slices must lie inside calweek, calclosed and caloffsets */
    assert_true(p->ncalendars >= 2);
    for (int t = 0; t < 3; t++) {
        c = malloc(len);
        memcpy(c, img, len);
        uint8_t *rec = c + img_get32(dirent_of(c, IMG_S_CALENDARS) + 4) + 4 + IMG_SIZE_CALENDARS;
        img_calendar cal;
        img_get_CALENDARS(rec, &cal);
        if (t == 0) cal.nweek++;
        if (t == 1) cal.first_closed = UINT32_MAX; /* first + count overflows 32 bits */
        if (t == 2) cal.noffsets = UINT32_MAX;
        img_put_CALENDARS(rec, &cal);
        rehash(c, len);
        expect_refused(c, len, "calendars[1]: tables out of range");
        free(c);
    }
    slate_program_free(p);
    free(img);
}

/* docs/bytecode.md's table of sections says what image.def says: each id,
 * name and record size, in order. */
static void test_docs_match_image_def(void **state)
{
    (void)state;
    static const struct {
        uint32_t id, size;
        const char *name;
    } want[] = {
#define SECTION(id, num, name, type) {num, IMG_SIZE_##id, name},
#include "image.def"
    };
    char *doc = bc_read("docs/bytecode.md", NULL);
    assert_non_null(doc);
    uint32_t rows = 0;
    for (char *line = strtok(doc, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned id, size;
        char name[32];
        if (sscanf(line, "| %u | %31[a-z] | %u |", &id, name, &size) != 3) continue;
        assert_true(rows < IMG_NSECTIONS);
        if (id != want[rows].id || strcmp(name, want[rows].name) || size != want[rows].size)
            fail_msg("docs/bytecode.md: row \"%s\": want | %u | %s | %u |", line, want[rows].id, want[rows].name,
                     want[rows].size);
        rows++;
    }
    assert_int_equal(rows, IMG_NSECTIONS);
    free(doc);
}

/* ---- image formats ------------------------------------------------------------ */

/* Every tier the selection of `p` returns, for all values of the four fields of
 * tests/bytecode/select.slate (4 x 3 x 2 x 2). */
static void select_table(const slate_program *p, int64_t out[48])
{
    int64_t fields[4], level = 0, regs[256] = {0}, ids[1] = {0};
    vm_host h = {fields, &level, ids, NULL, NULL};
    int i = 0;
    for (fields[0] = 0; fields[0] < 4; fields[0]++)
        for (fields[1] = 0; fields[1] < 3; fields[1]++)
            for (fields[2] = 0; fields[2] < 2; fields[2]++)
                for (fields[3] = 0; fields[3] < 2; fields[3]++) out[i++] = vm_run(p, p->select, &h, regs);
}

/* An image written by the compiler before format 2 (select-format1.img, built
 * from select.slate at commit d4d3dc2) still loads, uses none of the fused
 * jumps, and selects exactly as the same source compiled today, which does. */
static void test_format1_image(void **state)
{
    (void)state;
    size_t len = 0, nlen = 0;
    char *old = bc_read(BC_DIR "/select-format1.img", &len), err[256];
    assert_non_null(old);
    slate_program *p, *q;
    if (load_image((const uint8_t *)old, len, &p, err, sizeof err)) fail_msg("format 1 image refused: %s", err);
    assert_int_equal(p->format, 1);
    for (uint32_t pc = 0; pc < p->ncode; pc++) assert_true(p->code[pc].op < PROG_OP_FORMAT2);
    char *src = bc_read(BC_DIR "/select.slate", NULL);
    uint8_t *img;
    assert_non_null(src);
    assert_int_equal(bc_compile("select.slate", src, &img, &nlen), 0);
    assert_int_equal(load_image(img, nlen, &q, err, sizeof err), 0);
    assert_int_equal(q->format, 2); /* requires no field: the oldest format that holds it */
    int fused = 0;
    for (uint32_t pc = 0; pc < q->ncode; pc++) fused += q->code[pc].op >= PROG_OP_FORMAT2;
    assert_true(fused > 0);
    int64_t a[48], b[48];
    select_table(p, a);
    select_table(q, b);
    assert_memory_equal(a, b, sizeof a);
    slate_program_free(p);
    slate_program_free(q);
    free(img);
    free(src);
    free(old);
}

/* `required on` (format 3): the pairs come out sorted by (event, field); a
 * policy without them is written as format 2, byte for byte as before; the
 * loader and the verifier refuse a format 3 image with no pairs, and pairs out
 * of range, on `tick`, repeated or out of order. */
static const char required_src[] =
    "policy \"req\" version \"1\"\n"
    "case { a: enum { x, y } required on reopened, opened\n"
    "       b: int\n"
    "       c: bool required on opened }\n"
    "clock k starts on opened stops on resolved\n"
    "sla s when a == y { k within 1h }\n";

static void test_required_section(void **state)
{
    (void)state;
    uint8_t *img, *c;
    size_t len, n;
    slate_program *p;
    char err[256];
    assert_int_equal(bc_compile("req.slate", required_src, &img, &len), 0);
    if (load_image(img, len, &p, err, sizeof err)) fail_msg("refused: %s", err);
    assert_int_equal(p->format, 3);
    assert_int_equal(img_get32(img + 20), IMG_NSECTIONS_FORMAT3);
    assert_int_equal(p->nrequired, 3);
    int opened = slate_program_event_id(p, "opened"), reopened = slate_program_event_id(p, "reopened");
    assert_int_equal(p->required[0].event, opened);
    assert_int_equal(p->required[0].field, 0);
    assert_int_equal(p->required[1].event, opened);
    assert_int_equal(p->required[1].field, 2);
    assert_int_equal(p->required[2].event, reopened);
    assert_int_equal(p->required[2].field, 0);
    slate_program_free(p);

    /* no pairs left in a format 3 image: not the canonical form */
    c = resized(img, len, IMG_S_REQUIRED, -3, &n);
    expect_refused(c, n, "required: no records in a format 3 image");
    free(c);
    /* one record changed at a time */
    static const struct { int rec; uint16_t event, field; const char *want; } bad[] = {
        {0, 11, 0, "required[0]: a `tick` has no case"},
        {0, 99, 0, "required[0]: event out of range"},
        {0, 0, 9, "required[0]: field out of range"},
        {1, 0, 0, "required[1]: not in (event, field) order, or repeated"},
        {2, 0, 2, "required[2]: not in (event, field) order, or repeated"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        c = malloc(len);
        memcpy(c, img, len);
        uint8_t *rec = c + img_get32(dirent_of(c, IMG_S_REQUIRED) + 4) + 4 + (size_t)bad[i].rec * IMG_SIZE_REQUIRED;
        img_put16(rec, bad[i].event);
        img_put16(rec + 2, bad[i].field);
        rehash(c, len);
        expect_refused(c, len, bad[i].want);
        free(c);
    }
    free(img);

    /* without `required on`: format 2, 23 sections */
    assert_int_equal(bc_compile("service.slate", service, &img, &len), 0);
    assert_int_equal(img_get32(img + 8), 2);
    assert_int_equal(img_get32(img + 20), IMG_NSECTIONS_FORMAT2);
    free(img);
}

/* Format 4: `open` dates become `calopen` records, handed to their calendar
 * by the loader; the loader and verifier refuse a format 4 image with neither
 * open days nor field-chosen calendars, and spans that are out of range, out of
 * order, on a closed day or on a calendar that does not exist. */
static const char open_src[] =
    "policy \"open\" version \"1\"\n"
    "calendar b { hours mon-fri 09:00-17:00\n"
    "  closed 2025-01-28\n"
    "  open 2025-01-26\n"
    "  open 2025-02-08 10:00-12:00, 13:00-14:00 }\n"
    "clock k starts on opened stops on resolved\n"
    "sla s { k within 2h on b }\n";

static void test_open_section(void **state)
{
    (void)state;
    uint8_t *img, *c;
    size_t len, n;
    slate_program *p;
    char err[256];
    assert_int_equal(bc_compile("open.slate", open_src, &img, &len), 0);
    if (load_image(img, len, &p, err, sizeof err)) fail_msg("refused: %s", err);
    assert_int_equal(p->format, 4);
    assert_int_equal(img_get32(img + 20), IMG_NSECTIONS_FORMAT4);
    assert_int_equal(p->ncalopen, 3);
    assert_int_equal(p->calendars[0].nopen, 3);
    int32_t jan26 = (int32_t)civil_to_days(2025, 1, 26), feb8 = (int32_t)civil_to_days(2025, 2, 8);
    assert_int_equal(p->calendars[0].open[0].day, jan26);
    assert_int_equal(p->calendars[0].open[0].start, 9 * 3600000);
    assert_int_equal(p->calendars[0].open[0].end, 17 * 3600000);
    assert_int_equal(p->calendars[0].open[2].day, feb8);
    assert_int_equal(p->calendars[0].open[2].start, 13 * 3600000);
    /* Sunday 2025-01-26 10:00 UTC is working time now, Saturday 2025-02-08 12:30 not */
    assert_true(cal_is_working(&p->calendars[0], (int64_t)jan26 * 86400000 + 10 * 3600000));
    assert_false(cal_is_working(&p->calendars[0], (int64_t)feb8 * 86400000 + 12 * 3600000 + 1800000));
    slate_program_free(p);

    /* no records left: not the canonical form */
    c = resized(img, len, IMG_S_CALOPEN, -3, &n);
    expect_refused(c, n, "calopen, targetcals: no records in a format 4 image");
    free(c);
    static const struct { int rec; uint16_t cal; int32_t day; int64_t start, end; const char *want; } bad[] = {
        {0, 1, 0, 0, 1, "calopen[0]: calendar out of range"},
        {0, 0, 0, 5, 5, "calendars[0]: calendar open-day span out of range"},
        {0, 0, 0, 0, 86400001, "calendars[0]: calendar open-day span out of range"},
        {2, 0, 0, 0, 1, "calendars[0]: calendar open-day spans not sorted and apart"},
        {1, 0, 20000, 0, 1, "calendars[0]: calendar open-day spans not sorted and apart"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        c = malloc(len);
        memcpy(c, img, len);
        uint8_t *rec = c + img_get32(dirent_of(c, IMG_S_CALOPEN) + 4) + 4 + (size_t)bad[i].rec * IMG_SIZE_CALOPEN;
        int32_t day = bad[i].day ? bad[i].day : (int32_t)img_get32(rec + 2);
        img_put16(rec, bad[i].cal);
        img_put32(rec + 2, (uint32_t)day);
        img_put64(rec + 6, (uint64_t)bad[i].start);
        img_put64(rec + 14, (uint64_t)bad[i].end);
        rehash(c, len);
        expect_refused(c, len, bad[i].want);
        free(c);
    }
    /* the open day moved onto the closed 2025-01-28 */
    c = malloc(len);
    memcpy(c, img, len);
    uint8_t *rec = c + img_get32(dirent_of(c, IMG_S_CALOPEN) + 4) + 4;
    img_put32(rec + 2, (uint32_t)civil_to_days(2025, 1, 28));
    rehash(c, len);
    expect_refused(c, len, "calendars[0]: calendar day both closed and open");
    free(c);
    free(img);
}

/* Format 4: `on CAL[FIELD]` becomes a `targetcals` record and one variant target
 * per value; the verifier refuses records that name no tier's target, a field
 * that is no enum, variants out of range or of another clock. */
static const char targetcal_src[] =
    "policy \"tc\" version \"1\"\n"
    "calendar b[x] { zone \"America/New_York\"; hours mon-fri 09:00-17:00 }\n"
    "calendar b[y] { zone \"Europe/London\"; hours mon-fri 09:00-17:00 }\n"
    "case { n: int  r: enum { x, y } }\n"
    "clock k starts on opened stops on resolved\n"
    "clock q starts on opened stops on resolved\n"
    "sla s { k within 1 working day on b[r]; q within 1h }\n";

static void test_targetcals_section(void **state)
{
    (void)state;
    uint8_t *img, *c;
    size_t len;
    slate_program *p;
    char err[256];
    assert_int_equal(bc_compile("tc.slate", targetcal_src, &img, &len), 0);
    if (load_image(img, len, &p, err, sizeof err)) fail_msg("refused: %s", err);
    assert_int_equal(p->format, 4);
    assert_int_equal(p->ncalopen, 0);
    assert_int_equal(p->ntarget_cals, 1);
    const prog_targetcal *tc = &p->target_cals[0];
    assert_int_equal(tc->target, 0);
    assert_int_equal(tc->field, 1);
    assert_int_equal(tc->first_variant, 2); /* after the tier's two targets */
    assert_string_equal(prog_str(p, p->calendar_names[p->targets[2].calendar]), "b[x]");
    assert_string_equal(prog_str(p, p->calendar_names[p->targets[3].calendar]), "b[y]");
    assert_int_equal(p->targets[3].target_ms, 8 * 3600000);
    slate_program_free(p);

    static const struct { uint32_t target; uint16_t field; uint32_t first; const char *want; } bad[] = {
        {9, 1, 2, "targetcals[0]: target out of range"},
        {2, 1, 2, "targetcals[0]: target 2 is no tier's"},
        {0, 0, 2, "targetcals[0]: field out of range or not an enum"},
        {0, 1, 3, "targetcals[0]: variants out of range"},
        {0, 1, 1, "targetcals[0]: variant 1 is not a target of the same clock"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        c = malloc(len);
        memcpy(c, img, len);
        uint8_t *rec = c + img_get32(dirent_of(c, IMG_S_TARGETCALS) + 4) + 4;
        img_put32(rec, bad[i].target);
        img_put16(rec + 4, bad[i].field);
        img_put32(rec + 6, bad[i].first);
        rehash(c, len);
        expect_refused(c, len, bad[i].want);
        free(c);
    }
    free(img);
}

/* `reopen on E, ... within D` (format 5): one record per event, by event, one
 * period; the loader refuses a format 5 image with none, the verifier events
 * that cannot reopen, repeats and a period out of range. */
static const char reopen_src[] =
    "policy \"ro\" version \"1\"\n"
    "events { returned }\n"
    "clock k starts on opened stops on resolved\n"
    "sla s { k within 1h }\n"
    "reopen on returned, reopened within 30d\n";

static void test_reopen_section(void **state)
{
    (void)state;
    uint8_t *img, *c;
    size_t len, n;
    slate_program *p;
    char err[256];
    assert_int_equal(bc_compile("ro.slate", reopen_src, &img, &len), 0);
    if (load_image(img, len, &p, err, sizeof err)) fail_msg("refused: %s", err);
    assert_int_equal(p->format, 5);
    assert_int_equal(img_get32(img + 20), IMG_NSECTIONS);
    assert_int_equal(p->nreopen, 2);
    assert_int_equal(p->reopen[0].event, slate_program_event_id(p, "reopened"));
    assert_int_equal(p->reopen[1].event, slate_program_event_id(p, "returned"));
    assert_int_equal(p->reopen[0].within_ms, 30 * 86400000LL);
    slate_program_free(p);
    c = resized(img, len, IMG_S_REOPEN, -2, &n);
    expect_refused(c, n, "reopen: no records in a format 5 image");
    free(c);
    static const struct { int rec; uint16_t event; int64_t ms; const char *want; } bad[] = {
        {0, 0, 1000, "reopen[0]: `opened` cannot reopen a case"},
        {0, 11, 1000, "reopen[0]: `tick` cannot reopen a case"},
        {0, 99, 1000, "reopen[0]: event out of range"},
        {1, 6, 30 * 86400000LL, "reopen[1]: not in event order, or repeated"},
        {1, 12, 0, "reopen[1]: period 0 ms out of range"},
        {1, 12, 1000, "reopen[1]: period 1000 ms out of range or not the first's"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        c = malloc(len);
        memcpy(c, img, len);
        uint8_t *rec = c + img_get32(dirent_of(c, IMG_S_REOPEN) + 4) + 4 + (size_t)bad[i].rec * IMG_SIZE_REOPEN;
        img_put16(rec, bad[i].event);
        if (bad[i].ms != 30 * 86400000LL || bad[i].rec == 0) img_put64(rec + 2, (uint64_t)bad[i].ms);
        if (bad[i].rec == 0) img_put64(rec + 2, 30 * 86400000ULL);
        rehash(c, len);
        expect_refused(c, len, bad[i].want);
        free(c);
    }
    free(img);
}

/* ---- the fused jumps' semantics ------------------------------------------------- */

static int route_bits(void *ud, const vm_instr *ins, const int64_t *regs, uint32_t rule)
{
    (void)ins;
    (void)regs;
    *(uint32_t *)ud |= 1u << rule;
    return 0;
}

/* Each rule tests one comparison the code generator fuses (or, for `n > 300`
 * and `n >= 1000000`, compares in registers); the VM must fire exactly the rules
 * whose condition holds, including on a case whose fields were never set
 * (every field at its zero: first enum value, false, 0). */
static const char fused_src[] =
    "policy \"fused\" version \"1\"\n"
    "case { k: enum { a, b, c } f: bool n: int }\n"
    "on opened when k == b { route r0 }\n"
    "on opened when k != b { route r1 }\n"
    "on opened when k < b { route r2 }\n"
    "on opened when k <= b { route r3 }\n"
    "on opened when k > b { route r4 }\n"
    "on opened when k >= b { route r5 }\n"
    "on opened when f { route r6 }\n"
    "on opened when not f { route r7 }\n"
    "on opened when f == false { route r8 }\n"
    "on opened when 3 < n { route r9 }\n"
    "on opened when n <= 255 { route r10 }\n"
    "on opened when n > 300 { route r11 }\n"
    "on opened when n >= 1000000 { route r12 }\n"
    "on opened when k in (a, c) { route r13 }\n"
    "on opened when not (k in (a, c)) { route r14 }\n"
    "on opened when n in (0, 256) or k == c and f { route r15 }\n";

static uint32_t fused_want(int64_t k, int64_t f, int64_t n)
{
    int c[16] = {k == 1, k != 1, k < 1, k <= 1, k > 1, k >= 1, f != 0, f == 0, f == 0, 3 < n, n <= 255,
                 n > 300, n >= 1000000, k == 0 || k == 2, !(k == 0 || k == 2), n == 0 || n == 256 || (k == 2 && f)};
    uint32_t w = 0;
    for (int i = 0; i < 16; i++) w |= (uint32_t)c[i] << i;
    return w;
}

static void test_fused_semantics(void **state)
{
    (void)state;
    uint8_t *img;
    size_t len;
    char err[256];
    slate_program *p;
    assert_int_equal(bc_compile("fused.slate", fused_src, &img, &len), 0);
    assert_int_equal(load_image(img, len, &p, err, sizeof err), 0);
    int seen[OP__COUNT] = {0};
    for (uint32_t pc = 0; pc < p->ncode; pc++) seen[p->code[pc].op]++;
    for (int op = OP_FJEQ; op <= OP_FJGE; op++)
        if (!seen[op]) fail_msg("no %s generated", prog_op_names[op]);
    assert_true(seen[OP_JGT] + seen[OP_JLE] > 0 && seen[OP_JGE] + seen[OP_JLT] > 0);
    assert_int_equal(seen[OP_EQ] + seen[OP_NE] + seen[OP_LT] + seen[OP_LE] + seen[OP_GT] + seen[OP_GE], 0);
    static const int64_t ns[] = {0, -2, -1, 3, 4, 255, 256, 300, 301, 999999, 1000000, INT64_MIN, INT64_MAX};
    int64_t regs[256] = {0}, ids[64] = {0}, level = 0;
    for (int64_t k = 0; k < 3; k++)
        for (int64_t f = 0; f < 2; f++)
            for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
                int64_t fields[3] = {k, f, ns[i]};
                uint32_t got = 0;
                vm_host h = {fields, &level, ids, route_bits, &got};
                assert_int_equal(vm_run(p, p->events[0].rules, &h, regs), VM_HALTED);
                if (got != fused_want(k, f, ns[i]))
                    fail_msg("k=%lld f=%lld n=%lld: rules %#x, want %#x", (long long)k, (long long)f,
                             (long long)ns[i], got, fused_want(k, f, ns[i]));
            }
    slate_program_free(p);
    free(img);
}

/* ---- corruptions: program level ------------------------------------------------ */

/* Lower `service`, let `mutate` break one thing, write the image (with a valid
 * hash) and expect the loader to refuse it with `want` in the message. */
typedef void (*mutator)(slate_program *p);

static int find_op(const slate_program *p, int op, int nth)
{
    for (uint32_t pc = 0; pc < p->ncode; pc++)
        if (p->code[pc].op == op && nth-- == 0) return (int)pc;
    fail_msg("no %d-th instruction %d", nth, op);
    return -1;
}

#define CODE(p, pc) (((vm_instr *)(p)->code)[pc])

static void check_mutation(mutator mutate, const char *want)
{
    bc_unit u;
    assert_int_equal(bc_lower(&u, "service.slate", service), 0);
    slate_program *p = (slate_program *)cg_view(u.cg);
    mutate(p);
    uint8_t *img;
    size_t len;
    char err[256];
    assert_int_equal(cg_write_image(p, &img, &len, err, sizeof err), 0);
    expect_refused(img, len, want);
    free(img);
    bc_unit_free(&u);
}

/* The first jump of any kind (the fused ones, which most conditions compile to). */
static int find_jump(const slate_program *p)
{
    for (uint32_t pc = 0; pc < p->ncode; pc++)
        if (prog_op_jumps(p->code[pc].op)) return (int)pc;
    fail_msg("no jump");
    return -1;
}

static void m_back_jump(slate_program *p) { int pc = find_jump(p); CODE(p, pc).c = pc; }
static void m_out_jump(slate_program *p) { CODE(p, find_jump(p)).c = (int32_t)p->ncode - 1; }
static void m_reg_range(slate_program *p) { CODE(p, find_op(p, OP_FIELD, 0)).a = (uint8_t)p->nregs; }
static void m_string_range(slate_program *p) { CODE(p, find_op(p, OP_NOTIFY, 0)).c = (int32_t)p->nstrings; }
static void m_type_tag(slate_program *p) { CODE(p, find_op(p, OP_EQ, 0) - 1).b = PT_INT; /* LOADI vip */ }
static void m_jmpf_enum(slate_program *p)
{
    int pc = p->events[0].rules;
    CODE(p, pc + 1) = (vm_instr){OP_FIELD, 0, 0, 0};      /* r0 := tier (enum) */
    CODE(p, pc + 2) = (vm_instr){OP_JMPF, 0, 0, pc + 4};
}
static void m_read_undef(slate_program *p)
{
    CODE(p, p->clocks[1].pause_while + 1).a = 1; /* RET r1: only r0 is written */
}
/* The fused jumps: field-immediate (FJEQ..) and register (JEQ..) forms. */
static void m_fj_enum_imm(slate_program *p) { CODE(p, find_op(p, OP_FJNE, 0)).a = 4; /* tier has 4 values */ }
static void m_fj_bool_imm(slate_program *p) { CODE(p, find_op(p, OP_FJEQ, 0)).a = 2; /* complex */ }
static void m_fj_bool_order(slate_program *p) { CODE(p, find_op(p, OP_FJEQ, 0)).op = OP_FJLT; }
static void m_fj_string(slate_program *p) { CODE(p, find_op(p, OP_FJNE, 0)).b = 6; /* agent */ }
static void m_fj_field(slate_program *p) { CODE(p, find_op(p, OP_FJNE, 0)).b = (uint16_t)p->nfields; }
static void m_fj_unused(slate_program *p)
{
    /* an unreachable field-immediate jump is still checked: the selection's
     * first tier's tests skip pc 3, which follows only TIER */
    CODE(p, 0).c = 4;
    CODE(p, 1).c = 4;
    CODE(p, 3) = (vm_instr){OP_FJEQ, 9, 0, 5};
}
static void m_j_types(slate_program *p) { CODE(p, find_op(p, OP_JEQ, 0)).b = 0; /* string vs score */ }
static void m_j_order(slate_program *p) { CODE(p, find_op(p, OP_JEQ, 0)).op = OP_JLT; }
static void m_j_back(slate_program *p) { int pc = find_op(p, OP_JGT, 0); CODE(p, pc).c = pc - 1; }
static void m_j_reg(slate_program *p) { CODE(p, find_op(p, OP_JGT, 0)).b = (uint16_t)p->nregs; }
static void m_bad_opcode(slate_program *p) { CODE(p, 0).op = OP__COUNT; }
static void m_tier_in_rules(slate_program *p)
{
    int pc = find_op(p, OP_RULE, 0);
    while (CODE(p, pc).op != OP_HALT) pc++;
    CODE(p, pc) = (vm_instr){OP_TIER, 0, 0, 0};
}
static void m_no_end(slate_program *p) { CODE(p, p->ncode - 1) = (vm_instr){OP_ROUTE, 0, 0, 1}; }
static void m_ret_in_select(slate_program *p) { CODE(p, find_op(p, OP_TIER, 0)) = (vm_instr){OP_RET, 0, 0, 0}; }
static void m_action_in_pause(slate_program *p)
{
    CODE(p, p->clocks[1].pause_while) = (vm_instr){OP_NOTIFY, 0, 1, 1};
}
static void m_max_steps(slate_program *p) { p->max_steps--; }
static void m_max_steps_zero(slate_program *p) { p->max_steps = 0; }
static void m_steps_order(slate_program *p)
{
    prog_step *s = (prog_step *)p->steps + p->targets[1].first_step, t = s[0];
    s[0] = s[1];
    s[1] = t;
}
static void m_evops_order(slate_program *p)
{
    prog_evop *o = (prog_evop *)p->evops + p->events[0].first_op, t = o[0];
    o[0] = o[1];
    o[1] = t;
}
static void m_builtin_name(slate_program *p) { ((prog_event *)p->events)[0].name = p->events[1].name; }
static void m_dup_field(slate_program *p) { ((prog_field *)p->fields)[1].name = p->fields[0].name; }
static void m_calendar(slate_program *p) { ((cal_table *)p->calendars)[0].workday_ms += 1; }
static void m_set_type(slate_program *p) { CODE(p, find_op(p, OP_SET, 0)).b = 4; /* waiting: bool */ }
static void m_rule_event(slate_program *p) { ((prog_rule *)p->rules)[0].event = 5; }
static void m_require_target(slate_program *p) { CODE(p, find_op(p, OP_REQUIRE, 0)).c = 0; }
static void m_immediate(slate_program *p) { CODE(p, find_op(p, OP_LOADI, 0)).c = 99; }
static void m_unused_operand(slate_program *p) { CODE(p, find_op(p, OP_HALT, 0)).a = 1; }
static void m_two_defaults(slate_program *p) { ((prog_tier *)p->tiers)[0].is_default = 1; }
static void m_many_regs(slate_program *p) { p->nregs = 300; }
static void m_nul_string(slate_program *p) { ((char *)p->strtab)[p->strings[1].off] = '\0'; }
static void m_emit_arg(slate_program *p) { ((prog_emit_arg *)p->emit_args)[1].type = PT_BOOL; }
static void m_pause_block_kind(slate_program *p) { ((prog_clock *)p->clocks)[0].pause_while = p->events[0].rules; }
static void m_target_zero(slate_program *p) { ((prog_target *)p->targets)[0].target_ms = 0; }
static void m_step_percent(slate_program *p) { ((prog_step *)p->steps)[p->targets[1].first_step].value = 101; }
static void m_implicit_code(slate_program *p)
{
    for (uint32_t i = 0; i < p->nsteps; i++)
        if (p->steps[i].implicit) {
            ((prog_step *)p->steps)[i].code = 0;
            return;
        }
    fail();
}
static void m_no_breach(slate_program *p)
{
    ((prog_target *)p->targets)[0].nsteps = 0;
}
static void m_until(slate_program *p) { ((prog_clock *)p->clocks)[2].until_event = 0xFFF0; }
static void m_select_none(slate_program *p) { p->select = PROG_NO_CODE; }
static void m_rules_first(slate_program *p) { CODE(p, p->events[0].rules) = (vm_instr){OP_ROUTE, 0, 0, 1}; }
static void m_tier_range(slate_program *p) { CODE(p, find_op(p, OP_TIER, 0)).c = (int32_t)p->ntiers + 1; }
static void m_conflict(slate_program *p)
{
    /* a register that is an enum on one path and a bool on the other, then read */
    vm_instr *c = (vm_instr *)p->code;
    int pc = p->events[0].rules;
    c[pc + 1] = (vm_instr){OP_FIELD, 0, 3, 0};          /* r0 := complex (bool) */
    c[pc + 2] = (vm_instr){OP_JMPF, 0, 0, pc + 4};
    c[pc + 3] = (vm_instr){OP_FIELD, 0, 0, 0};          /* r0 := tier (enum) */
    c[pc + 4] = (vm_instr){OP_JMPF, 0, 0, pc + 5};      /* reads r0 */
}

static void m_dup_enum(slate_program *p) { ((uint32_t *)p->enum_values)[1] = p->enum_values[0]; }
static void m_dup_clock(slate_program *p) { ((prog_clock *)p->clocks)[1].name = p->clocks[0].name; }
static void m_evop_adhoc(slate_program *p) { ((prog_evop *)p->evops)[0].clock = 2; }
static void m_clock_flags(slate_program *p) { ((prog_clock *)p->clocks)[0].flags = 8; }
static void m_late_adhoc(slate_program *p) { ((prog_clock *)p->clocks)[2].flags = PCF_LATE_FROM_CHANGE; }

/* `starts late from change` is a clock flag (4, issue 13): an image with it
 * loads and keeps it; an image without it is byte for byte what it was. */
static void test_late_flag_loads(void **state)
{
    (void)state;
    static const char src[] = "policy \"p\" version \"1\"\n"
                              "case { vip: bool }\n"
                              "clock response starts on opened stops on responded\n"
                              "               starts late from change\n"
                              "sla vip when vip { response within 1h }\n";
    uint8_t *img;
    size_t len;
    assert_int_equal(bc_compile("p.slate", src, &img, &len), 0);
    slate_program *q = NULL;
    char err[256];
    if (load_image(img, len, &q, err, sizeof err)) fail_msg("refused: %s", err);
    assert_int_equal(q->clocks[0].flags, PCF_LATE_FROM_CHANGE);
    slate_program_free(q);
    free(img);
}

/* The stated step bound is a claim the loader checks, not a value it must
 * reproduce: an image whose bound is larger than the code needs (written by a
 * compiler whose bound was looser) loads and keeps its stated bound; one below
 * the code's bound is refused (test_program_corruptions). */
static void test_max_steps_larger_loads(void **state)
{
    (void)state;
    bc_unit u;
    assert_int_equal(bc_lower(&u, "service.slate", service), 0);
    slate_program *p = (slate_program *)cg_view(u.cg);
    uint32_t exact = p->max_steps;
    const uint32_t stated[] = {exact, exact + 1, exact * 2, UINT32_MAX};
    for (size_t i = 0; i < sizeof stated / sizeof stated[0]; i++) {
        p->max_steps = stated[i];
        uint8_t *img;
        size_t len;
        char err[256];
        assert_int_equal(cg_write_image(p, &img, &len, err, sizeof err), 0);
        slate_program *q = NULL;
        if (load_image(img, len, &q, err, sizeof err)) fail_msg("bound %u refused: %s", stated[i], err);
        assert_int_equal(q->max_steps, stated[i]);
        slate_program_free(q);
        free(img);
    }
    p->max_steps = exact;
    bc_unit_free(&u);
}

static void test_program_corruptions(void **state)
{
    (void)state;
    static const struct {
        mutator m;
        const char *want;
    } cases[] = {
        {m_back_jump, "jump backwards"},
        {m_out_jump, "jump out of its block"},
        {m_reg_range, "code[19]: register 6 out of range"},
        {m_string_range, "out of range"},
        {m_type_tag, "EQ compares tier with int"},
        {m_jmpf_enum, "register 0 is tier, bool expected"},
        {m_read_undef, "read before it is written"},
        {m_bad_opcode, "code[0]: bad opcode 39"},
        {m_tier_in_rules, "TIER in a rules block"},
        {m_no_end, "block does not end in HALT, TIER or RET"},
        {m_ret_in_select, "RET in a selection block"},
        {m_action_in_pause, "NOTIFY in a pause-while block"},
        {m_max_steps, "meta: max_steps 26 is below the code's bound of 27"},
        {m_max_steps_zero, "meta: max_steps 0 is below the code's bound of 27"},
        {m_steps_order, "not sorted by the point it fires at"},
        {m_evops_order, "not in STOP, START, PAUSE, RESUME, RESET, clock order"},
        {m_builtin_name, "events[0]: built-in event `opened` expected"},
        {m_dup_field, "duplicate name `tier`"},
        {m_calendar, "calendars[0]: calendar working day does not match"},
        {m_set_type, "bool expected"},
        {m_rule_event, "belongs to another event"},
        {m_require_target, "REQUIRE with a wrong clock or target"},
        {m_immediate, "immediate 99 out of range"},
        {m_unused_operand, "operand a must be 0"},
        {m_two_defaults, "tiers: 2 default tiers"},
        {m_many_regs, "meta: 300 registers"},
        {m_nul_string, "strings[1]: contains a NUL byte"},
        {m_emit_arg, "is int, bool expected"},
        {m_pause_block_kind, "already used as a rules block"},
        {m_target_zero, "targets[0]: target 0 ms out of range"},
        {m_step_percent, "value 101 out of range"},
        {m_implicit_code, "implicit step that is not a plain breach"},
        {m_no_breach, "tier target without its breach step"},
        {m_until, "until event out of range"},
        {m_select_none, "meta: select: code pc -1 out of range"},
        {m_rules_first, "rules block does not start with RULE"},
        {m_tier_range, "tier 4 out of range"},
        {m_conflict, "different types on different paths"},
        {m_dup_enum, "enumvals[1]: duplicate value `vip` in `tier`"},
        {m_dup_clock, "clocks[1]: duplicate name `response`"},
        {m_evop_adhoc, "evops[0]: operation on an ad-hoc clock"},
        {m_clock_flags, "clocks[0]: bad flags 0x8"},
        {m_late_adhoc, "clocks[2]: flags or pause condition on an ad-hoc clock"},
        {m_fj_enum_imm, "code[0]: immediate 4 out of range for field 0"},
        {m_fj_bool_imm, "code[11]: immediate 2 out of range for a bool"},
        {m_fj_bool_order, "code[11]: FJLT orders bool values"},
        {m_fj_string, "code[0]: FJNE compares a string field with an immediate"},
        {m_fj_field, "code[0]: field 7 out of range"},
        {m_fj_unused, "code[3]: immediate 9 out of range for field 0"},
        {m_j_types, "code[31]: JEQ compares string with int"},
        {m_j_order, "code[31]: JLT orders string values"},
        {m_j_back, "code[30]: jump backwards"},
        {m_j_reg, "code[30]: register 6 out of range"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        print_message("case %zu: %s\n", i, cases[i].want);
        check_mutation(cases[i].m, cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_listings),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_writer_inverts_loader),
        cmocka_unit_test(test_public_api),
        cmocka_unit_test(test_image_corruptions),
        cmocka_unit_test(test_image_cross_sections),
        cmocka_unit_test(test_docs_match_image_def),
        cmocka_unit_test(test_program_corruptions),
        cmocka_unit_test(test_late_flag_loads),
        cmocka_unit_test(test_max_steps_larger_loads),
        cmocka_unit_test(test_format1_image),
        cmocka_unit_test(test_required_section),
        cmocka_unit_test(test_reopen_section),
        cmocka_unit_test(test_open_section),
        cmocka_unit_test(test_targetcals_section),
        cmocka_unit_test(test_fused_semantics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
