/*
 * emit.c - serialise a slate_program to an image (see emit.h, bytecode/image.h).
 *
 * The sections and their records are those of bytecode/image.def, written in
 * its order by one expansion of it: a TABLE or SLICES section by the generated
 * record encoders (image_rec.h), a CUSTOM one by its wr_ID() below; in the
 * oldest format that holds the program (image.h), without the sections that
 * format predates.  Each is
 * its u32 record count and fixed-size little-endian records; the header and
 * directory are filled in last and the SHA-256 of everything is appended.
 * Nothing here checks the program: the compiler verified it, and the loader
 * verifies the image again.
 */
#include "emit.h"

#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "image_rec.h"

typedef struct wbuf {
    uint8_t *b;
    size_t len, cap;
    int fail; /* 1: out of memory; 2: larger than IMG_MAX_LEN */
} wbuf;

/* Room for n more bytes; returns where they go, or NULL (and w->fail set) when
 * memory runs out or the image would pass IMG_MAX_LEN. */
static uint8_t *grow(wbuf *w, uint64_t n)
{
    if (w->fail) return NULL;
    if (n > IMG_MAX_LEN - w->len) {
        w->fail = 2;
        return NULL;
    }
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->len + n) cap *= 2;
        uint8_t *nb = realloc(w->b, cap);
        if (!nb) {
            w->fail = 1;
            return NULL;
        }
        w->b = nb;
        w->cap = cap;
    }
    uint8_t *p = w->b + w->len;
    w->len += n;
    return p;
}

typedef struct dir_entry {
    uint32_t off, len;
} dir_entry;

/* Start a section of n records of `size` bytes at the end of the image: its
 * directory entry, its count; returns where the records go, or NULL. */
static uint8_t *section(wbuf *w, dir_entry *e, uint64_t n, size_t size)
{
    e->off = (uint32_t)w->len;
    e->len = (uint32_t)(4 + n * size); /* checked by grow() */
    uint8_t *d = grow(w, 4 + n * size);
    if (!d) return NULL;
    img_put32(d, (uint32_t)n);
    return d + 4;
}

/* ---- the CUSTOM sections of image.def ------------------------------------------- */

/* Strings are stored without their NULs, packed in index order; strings[i]
 * then says where string i starts in strdata. */
static void wr_STRDATA(wbuf *w, dir_entry *e, const slate_program *p)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < p->nstrings; i++) n += p->strings[i].len;
    uint8_t *d = section(w, e, n, IMG_SIZE_STRDATA);
    if (!d) return;
    for (uint32_t i = 0; i < p->nstrings; i++) {
        memcpy(d, prog_str(p, i), p->strings[i].len);
        d += p->strings[i].len;
    }
}

static void wr_STRINGS(wbuf *w, dir_entry *e, const slate_program *p)
{
    uint8_t *d = section(w, e, p->nstrings, IMG_SIZE_STRINGS);
    if (!d) return;
    for (uint32_t i = 0, off = 0; i < p->nstrings; off += p->strings[i].len, i++)
        img_put_STRINGS(d + (size_t)i * IMG_SIZE_STRINGS, &(prog_string){off, p->strings[i].len});
}

/* Calendar i's tables are the i-th slices of calweek, calclosed and caloffsets
 * (the SLICES sections), so its first indices are running sums. */
static void wr_CALENDARS(wbuf *w, dir_entry *e, const slate_program *p)
{
    uint8_t *d = section(w, e, p->ncalendars, IMG_SIZE_CALENDARS);
    if (!d) return;
    uint32_t nw = 0, nc = 0, no = 0;
    for (uint32_t i = 0; i < p->ncalendars; i++) {
        const cal_table *c = &p->calendars[i];
        img_calendar r = {p->calendar_names[i], c->workday_ms, nw, c->nweek, nc, c->nclosed, no, c->noffsets};
        img_put_CALENDARS(d + (size_t)i * IMG_SIZE_CALENDARS, &r);
        nw += c->nweek;
        nc += c->nclosed;
        no += c->noffsets;
    }
}

static void wr_META(wbuf *w, dir_entry *e, const slate_program *p)
{
    uint8_t *d = section(w, e, 1, IMG_SIZE_META);
    if (d) img_put_META(d, p);
}

int cg_write_image(const slate_program *p, uint8_t **out, size_t *len, char *err, size_t errsize)
{
    wbuf w = {0};
    dir_entry dir[IMG_NSECTIONS];
    /* the oldest format that holds the program: sections it predates are left out */
    uint32_t format = img_format_for(p->nrequired, p->ncalopen, p->ntarget_cals, p->nreopen),
             nsec = img_nsections(format);
    grow(&w, IMG_HEADER_LEN + nsec * IMG_DIRENT_LEN);
    dir_entry *e = dir;
#define TABLE(id, num, name, type, array, count)                                          \
    if (num <= nsec) {                                                                    \
        uint8_t *d = section(&w, e++, p->count, IMG_SIZE_##id);                          \
        for (uint32_t i = 0; d && i < p->count; i++)                                      \
            img_put_##id(d + (size_t)i * IMG_SIZE_##id, &p->array[i]);                   \
    }
#define SLICES(id, num, name, type, parent, nparent, array, count)                        \
    if (num <= nsec) {                                                                    \
        uint64_t n = 0;                                                                   \
        for (uint32_t i = 0; i < p->nparent; i++) n += p->parent[i].count;                \
        uint8_t *d = section(&w, e++, n, IMG_SIZE_##id);                                 \
        for (uint32_t i = 0; d && i < p->nparent; i++)                                    \
            for (uint32_t k = 0; k < p->parent[i].count; k++, d += IMG_SIZE_##id)         \
                img_put_##id(d, &p->parent[i].array[k]);                                 \
    }
#define CUSTOM(id, num, name, type) \
    if (num <= nsec) wr_##id(&w, e++, p);
#include "image.def"

    grow(&w, IMG_HASH_LEN);
    if (w.fail) {
        snprintf(err, errsize, w.fail == 1 ? "out of memory" : "image larger than %u bytes", IMG_MAX_LEN);
        free(w.b);
        return -1;
    }
    static const uint32_t ids[IMG_NSECTIONS] = {
#define SECTION(id, num, name, type) num,
#include "image.def"
    };
    memcpy(w.b, IMG_MAGIC, IMG_MAGIC_LEN);
    img_put32(w.b + 8, format);
    img_put32(w.b + 12, 0);
    img_put32(w.b + 16, (uint32_t)w.len);
    img_put32(w.b + 20, nsec);
    for (uint32_t i = 0; i < nsec; i++) {
        uint8_t *d = w.b + IMG_HEADER_LEN + i * IMG_DIRENT_LEN;
        img_put32(d, ids[i]);
        img_put32(d + 4, dir[i].off);
        img_put32(d + 8, dir[i].len);
    }
    struct sha256_ctx h;
    sha256_init(&h);
    sha256_update(&h, w.len - IMG_HASH_LEN, w.b);
    sha256_digest(&h, IMG_HASH_LEN, w.b + w.len - IMG_HASH_LEN);
    *out = w.b;
    *len = w.len;
    return 0;
}
