/*
 * load.c - image bytes -> slate_program (bytecode/program.h), then the verifier.
 *
 * Place in the pipeline: `slate build` writes an image (compiler/emit.c); an
 * embedder hands its bytes to slate_program_load(), which decodes them here and
 * runs bytecode/verify.c before returning.  The sections and their records are
 * those of image.def (docs/bytecode.md for people): the directory check and the
 * walk that decodes them are expansions of it; written by hand here are the
 * header, the rules across sections and the CUSTOM sections.  The input is
 * untrusted: every length is checked against the bytes actually given before it
 * is read, with 64-bit arithmetic, and the encoding is canonical (sections
 * contiguous and in order, strings packed), so one valid image has exactly one
 * byte form for a given stated step bound (the bound may be any value the
 * verifier proves sufficient).  The whole program (the struct and all its
 * arrays) lives in one block from the caller's allocator (malloc by default).
 * Values are the verifier's business.
 */
#include <nettle/sha2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "optsize.h"
#include "image_rec.h"
#include "load.h"
#include "program.h"
#include "slate.h"
#include "verify.h"

typedef struct sec {
    const uint8_t *rec; /* first record */
    uint32_t n;         /* record count */
} sec;

typedef struct lctx {
    char *err;
    size_t errsize;
    const slate_allocator *al; /* the program's memory; NULL: malloc */
} lctx;

static void *l_realloc(const slate_allocator *al, void *p, size_t n)
{
    if (al) return al->realloc(al->ud, p, n);
    if (n) return realloc(p, n);
    free(p);
    return NULL;
}

static int fail(lctx *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(lctx *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->err, l->errsize, fmt, ap);
    va_end(ap);
    return -1;
}

/* The directory as image.def declares it, in order. */
static const struct {
    uint32_t id, size;
    const char *name;
} sections[IMG_NSECTIONS] = {
#define SECTION(id, num, name, type) {num, IMG_SIZE_##id, name},
#include "image.def"
};

/* Bytes an array of n objects of `size` takes in the block (n < 2^32 and size
 * small, so this cannot overflow a 64-bit size_t; decode() checks 32-bit). */
static size_t span(size_t n, size_t size) { return (n * size + 7) & ~(size_t)7; }

#define RANGE_OK(first, n, total) ((uint64_t)(first) + (uint64_t)(n) <= (uint64_t)(total))

/* One walk over the sections, made twice: first with no block, to size it
 * (every carve() only counts), then to fill it. */
typedef struct dctx {
    lctx *l;
    const sec *s;        /* the sections, by place */
    uint8_t *base;       /* the block, or NULL while sizing */
    size_t off;          /* bytes carved so far */
    slate_program *p;
    char *strtab;        /* from rd_STRDATA, filled by rd_STRINGS */
    void *slices[IMG_NSECTIONS]; /* the SLICES sections' records, by place */
} dctx;

#define S(id) d->s[IMG_S_##id - 1]

/* `n` objects of `size` from the block (8-aligned), or NULL while sizing. */
static void *carve(dctx *d, size_t n, size_t size)
{
    void *p = d->base ? d->base + d->off : NULL;
    d->off += span(n, size);
    return p;
}

/* ---- the CUSTOM sections of image.def ---------------------------------------------- */

/* The string table keeps a NUL after each string, so it is strdata plus one
 * byte per string; decode() has checked that strings are packed in strdata. */
static int rd_STRDATA(dctx *d)
{
    d->strtab = carve(d, (size_t)S(STRDATA).n + S(STRINGS).n, 1);
    return 0;
}

static int rd_STRINGS(dctx *d)
{
    prog_string *strings = carve(d, S(STRINGS).n, sizeof *strings);
    if (!d->base) return 0;
    for (uint32_t i = 0; i < S(STRINGS).n; i++) {
        prog_string r;
        img_get_STRINGS(S(STRINGS).rec + (size_t)i * IMG_SIZE_STRINGS, &r);
        memcpy(d->strtab + r.off + i, S(STRDATA).rec + r.off, r.len);
        d->strtab[r.off + i + r.len] = '\0';
        strings[i] = (prog_string){r.off + i, r.len};
    }
    d->p->strtab = d->strtab;
    d->p->strings = strings;
    d->p->nstrings = S(STRINGS).n;
    return 0;
}

/* A calendar's tables are slices of the SLICES sections, decoded by now. */
static int rd_CALENDARS(dctx *d)
{
    cal_table *cals = carve(d, S(CALENDARS).n, sizeof *cals);
    uint32_t *names = carve(d, S(CALENDARS).n, 4);
    if (!d->base) return 0;
    const cal_span *week = d->slices[IMG_S_CALWEEK - 1];
    const int32_t *closed = d->slices[IMG_S_CALCLOSED - 1];
    const cal_offset *offs = d->slices[IMG_S_CALOFFSETS - 1];
    for (uint32_t i = 0; i < S(CALENDARS).n; i++) {
        img_calendar r;
        img_get_CALENDARS(S(CALENDARS).rec + (size_t)i * IMG_SIZE_CALENDARS, &r);
        if (!RANGE_OK(r.first_week, r.nweek, S(CALWEEK).n) || !RANGE_OK(r.first_closed, r.nclosed, S(CALCLOSED).n) ||
            !RANGE_OK(r.first_offset, r.noffsets, S(CALOFFSETS).n))
            return fail(d->l, "calendars[%u]: tables out of range", i);
        names[i] = r.name;
        cals[i] = (cal_table){week + r.first_week, r.nweek, closed + r.first_closed, r.nclosed,
                              offs + r.first_offset, r.noffsets, r.workday_ms, NULL, 0};
    }
    /* open-day spans come grouped by calendar, in calendar order */
    const cal_open *open = d->p->calopen;
    for (uint32_t k = 0; k < d->p->ncalopen;) {
        uint16_t ci = open[k].calendar;
        if (ci >= S(CALENDARS).n || (k && open[k - 1].calendar > ci))
            return fail(d->l, "calopen[%u]: calendar out of range or out of order", k);
        uint32_t e = k;
        while (e < d->p->ncalopen && open[e].calendar == ci) e++;
        cals[ci].open = open + k;
        cals[ci].nopen = e - k;
        k = e;
    }
    d->p->calendars = cals;
    d->p->calendar_names = names;
    d->p->ncalendars = S(CALENDARS).n;
    return 0;
}

/* decode() has checked there is exactly one record. */
static int rd_META(dctx *d)
{
    if (d->base) img_get_META(S(META).rec, d->p);
    return 0;
}

/* Carve (and, with a block, decode) every section: the TABLE and SLICES ones
 * from image.def directly, then the CUSTOM ones, which may use the slices. */
static int walk(dctx *d)
{
    d->off = 0;
    d->p = carve(d, 1, sizeof(slate_program));
    if (d->base) memset(d->p, 0, sizeof *d->p);
/* The section is copied to locals first: stores into uint8_t members may alias
 * anything, and would otherwise make every record reload d->s. */
#define TABLE(id, num, name, type, array, count)                                  \
    {                                                                             \
        const uint8_t *rec = S(id).rec;                                           \
        uint32_t n = S(id).n;                                                     \
        type *a = carve(d, n, sizeof *a);                                         \
        if (a) {                                                                  \
            for (uint32_t i = 0; i < n; i++, rec += IMG_SIZE_##id)                \
                img_get_##id(rec, &a[i]);                                         \
            d->p->array = a;                                                      \
            d->p->count = n;                                                      \
        }                                                                         \
    }
#define SLICES(id, num, name, type, parent, nparent, array, count)                \
    {                                                                             \
        const uint8_t *rec = S(id).rec;                                           \
        uint32_t n = S(id).n;                                                     \
        type *a = carve(d, n, sizeof *a);                                         \
        for (uint32_t i = 0; a && i < n; i++, rec += IMG_SIZE_##id)               \
            img_get_##id(rec, &a[i]);                                             \
        d->slices[IMG_S_##id - 1] = a;                                            \
    }
#include "image.def"
#define CUSTOM(id, num, name, type) \
    if (rd_##id(d)) return -1;
#include "image.def"
    return 0;
}

static int decode(lctx *l, const uint8_t *img, size_t len, slate_program **out)
{
    if (len < IMG_HEADER_LEN + IMG_HASH_LEN) return fail(l, "header: image too short (%zu bytes)", len);
    if (memcmp(img, IMG_MAGIC, IMG_MAGIC_LEN)) return fail(l, "header: bad magic (not a slate image)");
    uint32_t version = img_get32(img + 8), flags = img_get32(img + 12);
    uint32_t total = img_get32(img + 16), nsec = img_get32(img + 20);
    if (version < IMG_FORMAT_OLDEST || version > IMG_FORMAT)
        return fail(l, "header: format version %u (this runtime reads %u to %u)", version, IMG_FORMAT_OLDEST,
                    IMG_FORMAT);
    if (flags) return fail(l, "header: unknown flags %#x", flags);
    if (total != len) return fail(l, "header: length %u but %zu bytes given (truncated?)", total, len);
    if (len > IMG_MAX_LEN) return fail(l, "header: image too large");
    size_t body = len - IMG_HASH_LEN;
    uint8_t digest[SHA256_DIGEST_SIZE];
    struct sha256_ctx h;
    sha256_init(&h);
    sha256_update(&h, body, img);
    sha256_digest(&h, sizeof digest, digest);
    if (memcmp(digest, img + body, IMG_HASH_LEN)) return fail(l, "trailer: hash mismatch (image corrupt)");
    if (nsec != img_nsections(version))
        return fail(l, "header: %u sections (%u expected in format %u)", nsec, img_nsections(version),
                    version);

    sec s[IMG_NSECTIONS] = {{0}}; /* a section the format predates: no records */
    size_t at = IMG_HEADER_LEN + (size_t)nsec * IMG_DIRENT_LEN;
    if (at > body) return fail(l, "header: section directory truncated");
    for (uint32_t i = 0; i < nsec; i++) {
        const uint8_t *d = img + IMG_HEADER_LEN + (size_t)i * IMG_DIRENT_LEN;
        uint32_t id = img_get32(d), off = img_get32(d + 4), slen = img_get32(d + 8);
        const char *nm = sections[i].name;
        if (id != sections[i].id) return fail(l, "directory[%u]: section id %u (%u expected)", i, id, sections[i].id);
        if (off != at) return fail(l, "%s: offset %u (%zu expected)", nm, off, at);
        if (slen < 4 || slen > body - at) return fail(l, "%s: length %u out of bounds", nm, slen);
        uint32_t n = img_get32(img + off);
        if ((uint64_t)slen != 4 + (uint64_t)n * sections[i].size)
            return fail(l, "%s: length %u does not hold %u records of %u bytes", nm, slen, n, sections[i].size);
        s[i] = (sec){img + off + 4, n};
        at += slen;
    }
    if (at != body) return fail(l, "header: %zu stray bytes after the sections", body - at);

    /* What the record sizes cannot say: the cross-section rules of image.def. */
    dctx dc = {.l = l, .s = s}, *d = &dc;
    if (S(META).n != 1) return fail(l, "meta: %u records (1 expected)", S(META).n);
    if (S(LINES).n != S(CODE).n) return fail(l, "lines: %u entries for %u instructions", S(LINES).n, S(CODE).n);
    /* Canonical: a program that requires no field is written as format 2. */
    if (version == 3 && S(REQUIRED).n == 0) return fail(l, "required: no records in a format %u image", version);
    /* ... and one with neither open days nor field-chosen calendars as format 2 or 3 */
    if (version == 4 && S(CALOPEN).n == 0 && S(TARGETCALS).n == 0)
        return fail(l, "calopen, targetcals: no records in a format %u image", version);
    /* ... and one that reopens no case as format 4 or older. */
    if (version >= 5 && S(REOPEN).n == 0) return fail(l, "reopen: no records in a format %u image", version);
    /* Strings are packed back to back in strdata, in index order. */
    uint64_t pos = 0;
    for (uint32_t i = 0; i < S(STRINGS).n; i++) {
        prog_string r;
        img_get_STRINGS(S(STRINGS).rec + (size_t)i * IMG_SIZE_STRINGS, &r);
        if (r.off != pos) return fail(l, "strings[%u]: offset %u (%llu expected)", i, r.off, (unsigned long long)pos);
        pos += r.len;
        if (pos > S(STRDATA).n) return fail(l, "strings[%u]: runs past the string data", i);
    }
    if (pos != S(STRDATA).n) return fail(l, "strdata: %llu unused bytes", (unsigned long long)(S(STRDATA).n - pos));

    if (SIZE_MAX < UINT64_MAX && (uint64_t)len * 8 > SIZE_MAX / 2)
        return fail(l, "out of memory (image too large for this host)");
    walk(d); /* sizing: cannot fail */
    size_t need = d->off;
    if ((uint64_t)need > SIZE_MAX / 2) return fail(l, "out of memory (image too large for this host)");
    uint8_t *base = l_realloc(l->al, NULL, need ? need : 1);
    if (!base) return fail(l, "out of memory (%zu bytes)", need);
    d->base = base;
    if (walk(d)) {
        l_realloc(l->al, base, 0);
        return -1;
    }
    slate_program *p = d->p;
    p->owner = base;
    if (l->al) {
        p->al_realloc = l->al->realloc;
        p->al_ud = l->al->ud;
    }
    p->format = version;

    memcpy(p->hash, digest, sizeof p->hash);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        p->hash_hex[2 * i] = hex[p->hash[i] >> 4];
        p->hash_hex[2 * i + 1] = hex[p->hash[i] & 15];
    }
    p->hash_hex[64] = '\0';
    *out = p;
    return 0;
}

int load_image(const void *bytes, size_t len, slate_program **prog, char *err, size_t errsize)
{
    return load_image_al(bytes, len, NULL, prog, err, errsize);
}

int load_image_al(const void *bytes, size_t len, const slate_allocator *al, slate_program **prog,
                  char *err, size_t errsize)
{
    lctx l = {err, errsize, al};
    slate_program *p = NULL;
    *prog = NULL;
    if (!bytes) return fail(&l, "header: no image");
    if (decode(&l, bytes, len, &p)) return -1;
    uint32_t steps = 0;
    if (vrf_program_al(p, al, &steps, err, errsize)) {
        slate_program_free(p);
        return -1;
    }
    /* The stored bound is a claim the code must stay within, not a value to
     * reproduce: a bound at least the verifier's is sound, so images written
     * when the computation was looser still load (docs/bytecode.md, "Step
     * bound").  One below it would understate the work of an event: refused. */
    if (steps > p->max_steps) {
        fail(&l, "meta: max_steps %u is below the code's bound of %u", p->max_steps, steps);
        slate_program_free(p);
        return -1;
    }
    *prog = p;
    return 0;
}

int slate_program_load(const void *bytes, size_t len, slate_program **prog, char **err)
{
    return slate_program_load_opts(bytes, len, NULL, prog, err);
}

/* The first published slate_program_opts: this one (slate.h, "ABI"). */
#define PROGRAM_OPTS_V1_SIZE (offsetof(slate_program_opts, allocator) + sizeof(void *))
_Static_assert(PROGRAM_OPTS_V1_SIZE == sizeof(slate_program_opts),
               "slate_program_opts grew: keep PROGRAM_OPTS_V1_SIZE at the first layout");

int slate_program_load_opts(const void *bytes, size_t len, const slate_program_opts *opts,
                            slate_program **prog, char **err)
{
    char msg[256];
    slate_program_opts o;
    if (err) *err = NULL;
    if (!prog) return SLATE_MISUSE;
    *prog = NULL;
    /* a size we cannot honour says nothing reliable of the allocator: no message */
    if (opts && opts_copy(&o, sizeof o, PROGRAM_OPTS_V1_SIZE, opts)) return SLATE_MISUSE;
    const slate_allocator *al = opts ? o.allocator : NULL;
    if (load_image_al(bytes, len, al, prog, msg, sizeof msg) == 0) return SLATE_OK;
    int rc = strncmp(msg, "out of memory", 13) ? SLATE_ERROR : SLATE_NOMEM;
    if (err) {
        size_t n = strlen(msg) + 1;
        *err = l_realloc(al, NULL, n);
        if (*err) memcpy(*err, msg, n);
    }
    return rc;
}

void slate_program_free(slate_program *prog)
{
    if (!prog) return;
    /* the struct lives in the block it frees: read the allocator first */
    void *(*re)(void *, void *, size_t) = prog->al_realloc;
    void *ud = prog->al_ud, *owner = prog->owner;
    if (re)
        re(ud, owner, 0);
    else
        free(owner);
}
