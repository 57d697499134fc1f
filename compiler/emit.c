/*
 * emit.c - serialise a slate_program to an image (see emit.h, bytecode/image.h).
 *
 * One pass per section, in directory order, each writing its u32 record count
 * and fixed-size little-endian records; the header and directory are filled in
 * last and the SHA-256 of everything is appended.  Strings are packed back to
 * back without their NULs (the loader puts them back).
 */
#include "emit.h"

#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

typedef struct wbuf {
    uint8_t *b;
    size_t len, cap;
    int oom;
} wbuf;

/* Room for n more bytes; returns where they go.  After an allocation failure it
 * returns a scratch area of 8 bytes: callers write more only when !w->oom. */
static uint8_t *grow(wbuf *w, size_t n)
{
    static uint8_t sink[64];
    if (w->oom) return sink;
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->len + n) cap *= 2;
        uint8_t *nb = realloc(w->b, cap);
        if (!nb) {
            w->oom = 1;
            return sink;
        }
        w->b = nb;
        w->cap = cap;
    }
    uint8_t *p = w->b + w->len;
    w->len += n;
    return p;
}

static void u8(wbuf *w, uint8_t v) { *grow(w, 1) = v; }
static void u16(wbuf *w, uint16_t v) { img_put16(grow(w, 2), v); }
static void u32(wbuf *w, uint32_t v) { img_put32(grow(w, 4), v); }
static void u64(wbuf *w, uint64_t v) { img_put64(grow(w, 8), v); }

int cg_write_image(const slate_program *p, uint8_t **out, size_t *len, char *err, size_t errsize)
{
    wbuf w = {0};
    uint32_t off[IMG_NSECTIONS], slen[IMG_NSECTIONS];
    grow(&w, IMG_HEADER_LEN + IMG_NSECTIONS * IMG_DIRENT_LEN);
    int sec = 0;
#define BEGIN(n) (off[sec] = (uint32_t)w.len, u32(&w, (n)))
#define END() (slen[sec] = (uint32_t)(w.len - off[sec]), sec++)

    uint32_t strbytes = 0;
    for (uint32_t i = 0; i < p->nstrings; i++) strbytes += p->strings[i].len;
    BEGIN(strbytes);
    for (uint32_t i = 0; i < p->nstrings; i++) {
        uint8_t *d = grow(&w, p->strings[i].len);
        if (!w.oom) memcpy(d, prog_str(p, i), p->strings[i].len);
    }
    END();
    BEGIN(p->nstrings);
    for (uint32_t i = 0, o = 0; i < p->nstrings; o += p->strings[i].len, i++) {
        u32(&w, o);
        u32(&w, p->strings[i].len);
    }
    END();
    BEGIN(p->nconsts);
    for (uint32_t i = 0; i < p->nconsts; i++) u64(&w, (uint64_t)p->consts[i]);
    END();
    BEGIN(p->nfields);
    for (uint32_t i = 0; i < p->nfields; i++) {
        const prog_field *f = &p->fields[i];
        u32(&w, f->name);
        u8(&w, f->type);
        u32(&w, f->first_value);
        u32(&w, f->nvalues);
    }
    END();
    BEGIN(p->nenum_values);
    for (uint32_t i = 0; i < p->nenum_values; i++) u32(&w, p->enum_values[i]);
    END();
    BEGIN(p->nlevels);
    for (uint32_t i = 0; i < p->nlevels; i++) u32(&w, p->levels[i]);
    END();
    BEGIN(p->nevents);
    for (uint32_t i = 0; i < p->nevents; i++) {
        const prog_event *e = &p->events[i];
        u32(&w, e->name);
        u32(&w, e->first_op);
        u32(&w, e->nops);
        u32(&w, (uint32_t)e->rules);
    }
    END();
    BEGIN(p->nevops);
    for (uint32_t i = 0; i < p->nevops; i++) {
        u16(&w, p->evops[i].clock);
        u8(&w, p->evops[i].op);
    }
    END();
    BEGIN(p->nclocks);
    for (uint32_t i = 0; i < p->nclocks; i++) {
        const prog_clock *c = &p->clocks[i];
        u32(&w, c->name);
        u8(&w, c->kind);
        u8(&w, c->flags);
        u32(&w, (uint32_t)c->pause_while);
        u16(&w, c->until_event);
        u32(&w, c->line);
    }
    END();
    BEGIN(p->ncalendars);
    uint32_t nw = 0, nc = 0, no = 0;
    for (uint32_t i = 0; i < p->ncalendars; i++) {
        const cal_table *c = &p->calendars[i];
        u32(&w, p->calendar_names[i]);
        u64(&w, (uint64_t)c->workday_ms);
        u32(&w, nw);
        u32(&w, c->nweek);
        u32(&w, nc);
        u32(&w, c->nclosed);
        u32(&w, no);
        u32(&w, c->noffsets);
        nw += c->nweek;
        nc += c->nclosed;
        no += c->noffsets;
    }
    END();
    BEGIN(nw);
    for (uint32_t i = 0; i < p->ncalendars; i++)
        for (uint32_t k = 0; k < p->calendars[i].nweek; k++) {
            u64(&w, (uint64_t)p->calendars[i].week[k].start);
            u64(&w, (uint64_t)p->calendars[i].week[k].end);
        }
    END();
    BEGIN(nc);
    for (uint32_t i = 0; i < p->ncalendars; i++)
        for (uint32_t k = 0; k < p->calendars[i].nclosed; k++) u32(&w, (uint32_t)p->calendars[i].closed[k]);
    END();
    BEGIN(no);
    for (uint32_t i = 0; i < p->ncalendars; i++)
        for (uint32_t k = 0; k < p->calendars[i].noffsets; k++) {
            u64(&w, (uint64_t)p->calendars[i].offsets[k].from);
            u64(&w, (uint64_t)p->calendars[i].offsets[k].offset_ms);
        }
    END();
    BEGIN(p->ntargets);
    for (uint32_t i = 0; i < p->ntargets; i++) {
        const prog_target *t = &p->targets[i];
        u16(&w, t->clock);
        u16(&w, t->calendar);
        u64(&w, (uint64_t)t->target_ms);
        u32(&w, t->first_step);
        u32(&w, t->nsteps);
        u32(&w, t->line);
    }
    END();
    BEGIN(p->nsteps);
    for (uint32_t i = 0; i < p->nsteps; i++) {
        const prog_step *s = &p->steps[i];
        u8(&w, s->kind);
        u8(&w, s->implicit);
        u64(&w, (uint64_t)s->value);
        u32(&w, (uint32_t)s->code);
        u32(&w, s->line);
    }
    END();
    BEGIN(p->ntiers);
    for (uint32_t i = 0; i < p->ntiers; i++) {
        const prog_tier *t = &p->tiers[i];
        u32(&w, t->name);
        u32(&w, t->first_target);
        u32(&w, t->ntargets);
        u16(&w, t->ladder);
        u32(&w, t->line);
        u8(&w, t->is_default);
    }
    END();
    BEGIN(p->nladders);
    for (uint32_t i = 0; i < p->nladders; i++) u32(&w, p->ladder_names[i]);
    END();
    BEGIN(p->nrules);
    for (uint32_t i = 0; i < p->nrules; i++) {
        u32(&w, p->rules[i].line);
        u32(&w, p->rules[i].label);
        u16(&w, p->rules[i].event);
    }
    END();
    BEGIN(p->nemits);
    for (uint32_t i = 0; i < p->nemits; i++) {
        u32(&w, p->emits[i].name);
        u32(&w, p->emits[i].nargs);
        u32(&w, p->emits[i].first_arg);
    }
    END();
    BEGIN(p->nemit_args);
    for (uint32_t i = 0; i < p->nemit_args; i++) {
        u8(&w, p->emit_args[i].type);
        u16(&w, p->emit_args[i].field);
    }
    END();
    BEGIN(p->ncode);
    for (uint32_t i = 0; i < p->ncode; i++) {
        const vm_instr *c = &p->code[i];
        u8(&w, c->op);
        u8(&w, c->a);
        u16(&w, c->b);
        u32(&w, (uint32_t)c->c);
    }
    END();
    BEGIN(p->ncode);
    for (uint32_t i = 0; i < p->ncode; i++) u32(&w, p->code_lines[i]);
    END();
    BEGIN(1);
    u32(&w, p->name);
    u32(&w, p->version);
    u32(&w, p->source);
    u32(&w, (uint32_t)p->select);
    u32(&w, p->nregs);
    u32(&w, p->max_steps);
    END();
#undef BEGIN
#undef END

    grow(&w, IMG_HASH_LEN);
    if (w.oom || w.len > IMG_MAX_LEN) {
        snprintf(err, errsize, w.oom ? "out of memory" : "image larger than %u bytes", IMG_MAX_LEN);
        free(w.b);
        return -1;
    }
    static const uint32_t ids[IMG_NSECTIONS] = {
#define SEC(id, num, name, size) num,
        IMG_SECTIONS(SEC)
#undef SEC
    };
    memcpy(w.b, IMG_MAGIC, IMG_MAGIC_LEN);
    img_put32(w.b + 8, IMG_FORMAT);
    img_put32(w.b + 12, 0);
    img_put32(w.b + 16, (uint32_t)w.len);
    img_put32(w.b + 20, IMG_NSECTIONS);
    for (uint32_t i = 0; i < IMG_NSECTIONS; i++) {
        uint8_t *d = w.b + IMG_HEADER_LEN + i * IMG_DIRENT_LEN;
        img_put32(d, ids[i]);
        img_put32(d + 4, off[i]);
        img_put32(d + 8, slen[i]);
    }
    struct sha256_ctx h;
    sha256_init(&h);
    sha256_update(&h, w.len - IMG_HASH_LEN, w.b);
    sha256_digest(&h, IMG_HASH_LEN, w.b + w.len - IMG_HASH_LEN);
    *out = w.b;
    *len = w.len;
    return 0;
}
