/*
 * load.c - image bytes -> slate_program (bytecode/program.h), then the verifier.
 *
 * Place in the pipeline: `slate build` writes an image (compiler/emit.c); an
 * embedder hands its bytes to slate_program_load(), which decodes them here and
 * runs bytecode/verify.c before returning.  The layout is in image.h and
 * docs/bytecode.md.  The input is untrusted: every length is checked against the
 * bytes actually given before it is read, with 64-bit arithmetic, and the
 * encoding is canonical (sections contiguous and in order, strings packed), so
 * one valid image has exactly one byte form for a given stated step bound (the
 * bound may be any value the verifier proves sufficient).  The whole program
 * (the struct and all its arrays) lives in one malloc'd block.
 */
#include <nettle/sha2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
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
} lctx;

static int fail(lctx *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(lctx *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->err, l->errsize, fmt, ap);
    va_end(ap);
    return -1;
}

static const struct {
    uint32_t id, size;
    const char *name;
} sections[IMG_NSECTIONS] = {
#define SEC(id, num, name, size) {num, size, name},
    IMG_SECTIONS(SEC)
#undef SEC
};

/* Carve `n` objects of `size` from the block at *off (8-aligned). */
static void *carve(uint8_t *base, size_t *off, size_t n, size_t size)
{
    void *p = base + *off;
    *off += (n * size + 7) & ~(size_t)7;
    return p;
}

/* Bytes an array of n objects of `size` takes in the block (n < 2^32 and size
 * small, so this cannot overflow a 64-bit size_t; `need` below checks 32-bit). */
static size_t span(size_t n, size_t size) { return (n * size + 7) & ~(size_t)7; }

#define RANGE_OK(first, n, total) ((uint64_t)(first) + (uint64_t)(n) <= (uint64_t)(total))

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
    if (nsec != IMG_NSECTIONS) return fail(l, "header: %u sections (%u expected)", nsec, IMG_NSECTIONS);

    sec s[IMG_NSECTIONS];
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

#define S(id) s[IMG_S_##id - 1]
    if (S(META).n != 1) return fail(l, "meta: %u records (1 expected)", S(META).n);
    if (S(LINES).n != S(CODE).n) return fail(l, "lines: %u entries for %u instructions", S(LINES).n, S(CODE).n);

    /* Strings are packed back to back in strdata; the loaded table adds a NUL to each. */
    uint64_t pos = 0;
    for (uint32_t i = 0; i < S(STRINGS).n; i++) {
        const uint8_t *r = S(STRINGS).rec + (size_t)i * 8;
        if (img_get32(r) != pos) return fail(l, "strings[%u]: offset %u (%llu expected)", i, img_get32(r), (unsigned long long)pos);
        pos += img_get32(r + 4);
        if (pos > S(STRDATA).n) return fail(l, "strings[%u]: runs past the string data", i);
    }
    if (pos != S(STRDATA).n) return fail(l, "strdata: %llu unused bytes", (unsigned long long)(S(STRDATA).n - pos));

    size_t need = span(1, sizeof(slate_program)) + span((size_t)S(STRDATA).n + S(STRINGS).n, 1) +
                  span(S(STRINGS).n, sizeof(prog_string)) + span(S(CONSTS).n, sizeof(int64_t)) +
                  span(S(FIELDS).n, sizeof(prog_field)) + span(S(ENUMVALS).n, 4) + span(S(LEVELS).n, 4) +
                  span(S(EVENTS).n, sizeof(prog_event)) + span(S(EVOPS).n, sizeof(prog_evop)) +
                  span(S(CLOCKS).n, sizeof(prog_clock)) + span(S(CALENDARS).n, sizeof(cal_table)) +
                  span(S(CALENDARS).n, 4) + span(S(CALWEEK).n, sizeof(cal_span)) +
                  span(S(CALCLOSED).n, 4) + span(S(CALOFFSETS).n, sizeof(cal_offset)) +
                  span(S(TARGETS).n, sizeof(prog_target)) + span(S(STEPS).n, sizeof(prog_step)) +
                  span(S(TIERS).n, sizeof(prog_tier)) + span(S(LADDERS).n, 4) +
                  span(S(RULES).n, sizeof(prog_rule)) + span(S(EMITS).n, sizeof(prog_emit)) +
                  span(S(EMITARGS).n, sizeof(prog_emit_arg)) + span(S(CODE).n, sizeof(vm_instr)) +
                  span(S(LINES).n, 4);
    if ((uint64_t)need > SIZE_MAX / 2 || (SIZE_MAX < UINT64_MAX && (uint64_t)len * 8 > SIZE_MAX / 2))
        return fail(l, "out of memory (image too large for this host)");
    uint8_t *base = malloc(need);
    if (!base) return fail(l, "out of memory (%zu bytes)", need);
    size_t off = 0;
    slate_program *p = carve(base, &off, 1, sizeof *p);
    memset(p, 0, sizeof *p);
    p->owner = base;

    char *strtab = carve(base, &off, (size_t)S(STRDATA).n + S(STRINGS).n, 1);
    prog_string *strings = carve(base, &off, S(STRINGS).n, sizeof *strings);
    for (uint32_t i = 0; i < S(STRINGS).n; i++) {
        const uint8_t *r = S(STRINGS).rec + (size_t)i * 8;
        uint32_t so = img_get32(r), sl = img_get32(r + 4);
        memcpy(strtab + so + i, S(STRDATA).rec + so, sl);
        strtab[so + i + sl] = '\0';
        strings[i] = (prog_string){so + i, sl};
    }
    p->strtab = strtab;
    p->strings = strings;
    p->nstrings = S(STRINGS).n;

    int64_t *consts = carve(base, &off, S(CONSTS).n, sizeof *consts);
    for (uint32_t i = 0; i < S(CONSTS).n; i++) consts[i] = (int64_t)img_get64(S(CONSTS).rec + (size_t)i * 8);
    p->consts = consts;
    p->nconsts = S(CONSTS).n;

    prog_field *fields = carve(base, &off, S(FIELDS).n, sizeof *fields);
    for (uint32_t i = 0; i < S(FIELDS).n; i++) {
        const uint8_t *r = S(FIELDS).rec + (size_t)i * 13;
        fields[i] = (prog_field){img_get32(r), r[4], img_get32(r + 5), img_get32(r + 9)};
    }
    p->fields = fields;
    p->nfields = S(FIELDS).n;

    uint32_t *u = carve(base, &off, S(ENUMVALS).n, 4);
    for (uint32_t i = 0; i < S(ENUMVALS).n; i++) u[i] = img_get32(S(ENUMVALS).rec + (size_t)i * 4);
    p->enum_values = u;
    p->nenum_values = S(ENUMVALS).n;
    u = carve(base, &off, S(LEVELS).n, 4);
    for (uint32_t i = 0; i < S(LEVELS).n; i++) u[i] = img_get32(S(LEVELS).rec + (size_t)i * 4);
    p->levels = u;
    p->nlevels = S(LEVELS).n;

    prog_event *events = carve(base, &off, S(EVENTS).n, sizeof *events);
    for (uint32_t i = 0; i < S(EVENTS).n; i++) {
        const uint8_t *r = S(EVENTS).rec + (size_t)i * 16;
        events[i] = (prog_event){img_get32(r), img_get32(r + 4), img_get32(r + 8), (int32_t)img_get32(r + 12)};
    }
    p->events = events;
    p->nevents = S(EVENTS).n;
    prog_evop *evops = carve(base, &off, S(EVOPS).n, sizeof *evops);
    for (uint32_t i = 0; i < S(EVOPS).n; i++) {
        const uint8_t *r = S(EVOPS).rec + (size_t)i * 3;
        evops[i] = (prog_evop){img_get16(r), r[2]};
    }
    p->evops = evops;
    p->nevops = S(EVOPS).n;

    prog_clock *clocks = carve(base, &off, S(CLOCKS).n, sizeof *clocks);
    for (uint32_t i = 0; i < S(CLOCKS).n; i++) {
        const uint8_t *r = S(CLOCKS).rec + (size_t)i * 16;
        clocks[i] = (prog_clock){img_get32(r), r[4], r[5], (int32_t)img_get32(r + 6), img_get16(r + 10),
                                 img_get32(r + 12)};
    }
    p->clocks = clocks;
    p->nclocks = S(CLOCKS).n;

    cal_table *cals = carve(base, &off, S(CALENDARS).n, sizeof *cals);
    uint32_t *calnames = carve(base, &off, S(CALENDARS).n, 4);
    cal_span *week = carve(base, &off, S(CALWEEK).n, sizeof *week);
    int32_t *closed = carve(base, &off, S(CALCLOSED).n, 4);
    cal_offset *offs = carve(base, &off, S(CALOFFSETS).n, sizeof *offs);
    for (uint32_t i = 0; i < S(CALWEEK).n; i++) {
        const uint8_t *r = S(CALWEEK).rec + (size_t)i * 16;
        week[i] = (cal_span){(int64_t)img_get64(r), (int64_t)img_get64(r + 8)};
    }
    for (uint32_t i = 0; i < S(CALCLOSED).n; i++) closed[i] = (int32_t)img_get32(S(CALCLOSED).rec + (size_t)i * 4);
    for (uint32_t i = 0; i < S(CALOFFSETS).n; i++) {
        const uint8_t *r = S(CALOFFSETS).rec + (size_t)i * 16;
        offs[i] = (cal_offset){(int64_t)img_get64(r), (int64_t)img_get64(r + 8)};
    }
    for (uint32_t i = 0; i < S(CALENDARS).n; i++) {
        const uint8_t *r = S(CALENDARS).rec + (size_t)i * 36;
        uint32_t wf = img_get32(r + 12), wn = img_get32(r + 16), cf = img_get32(r + 20),
                 cn = img_get32(r + 24), of = img_get32(r + 28), on = img_get32(r + 32);
        if (!RANGE_OK(wf, wn, S(CALWEEK).n) || !RANGE_OK(cf, cn, S(CALCLOSED).n) ||
            !RANGE_OK(of, on, S(CALOFFSETS).n)) {
            free(base);
            return fail(l, "calendars[%u]: tables out of range", i);
        }
        calnames[i] = img_get32(r);
        cals[i] = (cal_table){week + wf, wn, closed + cf, cn, offs + of, on, (int64_t)img_get64(r + 4)};
    }
    p->calendars = cals;
    p->calendar_names = calnames;
    p->ncalendars = S(CALENDARS).n;

    prog_target *targets = carve(base, &off, S(TARGETS).n, sizeof *targets);
    for (uint32_t i = 0; i < S(TARGETS).n; i++) {
        const uint8_t *r = S(TARGETS).rec + (size_t)i * 24;
        targets[i] = (prog_target){img_get16(r), img_get16(r + 2), (int64_t)img_get64(r + 4),
                                   img_get32(r + 12), img_get32(r + 16), img_get32(r + 20)};
    }
    p->targets = targets;
    p->ntargets = S(TARGETS).n;
    prog_step *steps = carve(base, &off, S(STEPS).n, sizeof *steps);
    for (uint32_t i = 0; i < S(STEPS).n; i++) {
        const uint8_t *r = S(STEPS).rec + (size_t)i * 18;
        steps[i] = (prog_step){r[0], r[1], (int64_t)img_get64(r + 2), (int32_t)img_get32(r + 10), img_get32(r + 14)};
    }
    p->steps = steps;
    p->nsteps = S(STEPS).n;
    prog_tier *tiers = carve(base, &off, S(TIERS).n, sizeof *tiers);
    for (uint32_t i = 0; i < S(TIERS).n; i++) {
        const uint8_t *r = S(TIERS).rec + (size_t)i * 19;
        tiers[i] = (prog_tier){img_get32(r), img_get32(r + 4), img_get32(r + 8), img_get16(r + 12),
                               img_get32(r + 14), r[18]};
    }
    p->tiers = tiers;
    p->ntiers = S(TIERS).n;
    u = carve(base, &off, S(LADDERS).n, 4);
    for (uint32_t i = 0; i < S(LADDERS).n; i++) u[i] = img_get32(S(LADDERS).rec + (size_t)i * 4);
    p->ladder_names = u;
    p->nladders = S(LADDERS).n;

    prog_rule *rules = carve(base, &off, S(RULES).n, sizeof *rules);
    for (uint32_t i = 0; i < S(RULES).n; i++) {
        const uint8_t *r = S(RULES).rec + (size_t)i * 10;
        rules[i] = (prog_rule){img_get32(r), img_get32(r + 4), img_get16(r + 8)};
    }
    p->rules = rules;
    p->nrules = S(RULES).n;
    prog_emit *emits = carve(base, &off, S(EMITS).n, sizeof *emits);
    for (uint32_t i = 0; i < S(EMITS).n; i++) {
        const uint8_t *r = S(EMITS).rec + (size_t)i * 12;
        emits[i] = (prog_emit){img_get32(r), img_get32(r + 4), img_get32(r + 8)};
    }
    p->emits = emits;
    p->nemits = S(EMITS).n;
    prog_emit_arg *eargs = carve(base, &off, S(EMITARGS).n, sizeof *eargs);
    for (uint32_t i = 0; i < S(EMITARGS).n; i++) {
        const uint8_t *r = S(EMITARGS).rec + (size_t)i * 3;
        eargs[i] = (prog_emit_arg){r[0], img_get16(r + 1)};
    }
    p->emit_args = eargs;
    p->nemit_args = S(EMITARGS).n;

    vm_instr *code = carve(base, &off, S(CODE).n, sizeof *code);
    for (uint32_t i = 0; i < S(CODE).n; i++) {
        const uint8_t *r = S(CODE).rec + (size_t)i * 8;
        code[i] = (vm_instr){r[0], r[1], img_get16(r + 2), (int32_t)img_get32(r + 4)};
    }
    u = carve(base, &off, S(LINES).n, 4);
    for (uint32_t i = 0; i < S(LINES).n; i++) u[i] = img_get32(S(LINES).rec + (size_t)i * 4);
    p->code = code;
    p->code_lines = u;
    p->ncode = S(CODE).n;

    const uint8_t *m = S(META).rec;
    p->name = img_get32(m);
    p->version = img_get32(m + 4);
    p->source = img_get32(m + 8);
    p->select = (int32_t)img_get32(m + 12);
    p->nregs = img_get32(m + 16);
    p->max_steps = img_get32(m + 20);
    p->format = version;
#undef S

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
    lctx l = {err, errsize};
    slate_program *p = NULL;
    *prog = NULL;
    if (!bytes) return fail(&l, "header: no image");
    if (decode(&l, bytes, len, &p)) return -1;
    uint32_t steps = 0;
    if (vrf_program(p, &steps, err, errsize)) {
        free(p->owner);
        return -1;
    }
    /* The stored bound is a claim the code must stay within, not a value to
     * reproduce: a bound at least the verifier's is sound, so images written
     * when the computation was looser still load (docs/bytecode.md, "Step
     * bound").  One below it would understate the work of an event: refused. */
    if (steps > p->max_steps) {
        fail(&l, "meta: max_steps %u is below the code's bound of %u", p->max_steps, steps);
        free(p->owner);
        return -1;
    }
    *prog = p;
    return 0;
}

int slate_program_load(const void *bytes, size_t len, slate_program **prog, char **err)
{
    char msg[256];
    if (err) *err = NULL;
    if (!prog) return SLATE_MISUSE;
    if (load_image(bytes, len, prog, msg, sizeof msg) == 0) return SLATE_OK;
    int rc = strncmp(msg, "out of memory", 13) ? SLATE_ERROR : SLATE_NOMEM;
    if (err) *err = strdup(msg);
    return rc;
}

void slate_program_free(slate_program *prog)
{
    if (prog) free(prog->owner);
}
