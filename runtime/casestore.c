/*
 * casestore.c - the open cases of an engine: a hash table keyed by case id.
 *
 * Part of the engine (see engine_int.h).  Case records have one fixed size per
 * program and live in one slab, addressed by slot number so the slab may move
 * when it grows.  The table maps ids to slots by open addressing with linear
 * probing and backward-shift deletion (no tombstones), kept at most half full.
 * Ids are copied into an arena of 64 KiB chunks in blocks of 8..256 bytes; freed
 * blocks and freed slots go to free lists and are reused first, so a stream whose
 * number of open cases stays level allocates nothing once warmed up.
 */
#include <string.h>

#include "engine_int.h"

#define CS_CHUNK 65536

void *eng_realloc(const slate_allocator *al, void *p, size_t n)
{
    return al->realloc(al->ud, p, n);
}

/* FNV-1a over the bytes, then a murmur3 finaliser so the low bits (the bucket)
 * depend on every byte. */
uint32_t cs_hash(const char *id, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)id[i];
        h *= 0x100000001b3u;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    h ^= h >> 33;
    return (uint32_t)h;
}

static int size_class(size_t len)
{
    int c = 0;
    size_t sz = 8;
    while (sz < len) {
        sz <<= 1;
        c++;
    }
    return c;
}

static int tab_alloc(cstore *s, uint32_t size)
{
    cs_slotref *t = eng_realloc(s->al, NULL, sizeof *t * size);
    if (!t) return SLATE_NOMEM;
    for (uint32_t i = 0; i < size; i++) t[i].slot = ENG_NONE;
    cs_slotref *old = s->tab;
    uint32_t oldsize = old ? s->tabmask + 1 : 0;
    s->tab = t;
    s->tabmask = size - 1;
    for (uint32_t i = 0; i < oldsize; i++) {
        if (old[i].slot == ENG_NONE) continue;
        uint32_t b = old[i].hash & s->tabmask;
        while (t[b].slot != ENG_NONE) b = (b + 1) & s->tabmask;
        t[b] = old[i];
    }
    eng_realloc(s->al, old, 0);
    return SLATE_OK;
}

static int slab_grow(cstore *s, uint32_t cap)
{
    unsigned char *slab = eng_realloc(s->al, s->slab, s->stride * cap);
    if (!slab) return SLATE_NOMEM;
    s->slab = slab;
    uint32_t *fr = eng_realloc(s->al, s->free, sizeof *fr * cap);
    if (!fr) return SLATE_NOMEM; /* the bigger slab is kept; cap unchanged */
    s->free = fr;
    s->cap = cap;
    return SLATE_OK;
}

int cs_init(cstore *s, const slate_allocator *al, size_t stride, size_t expect)
{
    memset(s, 0, sizeof *s);
    s->al = al;
    s->stride = stride;
    uint32_t cap = 16;
    while (cap < expect && cap < (1u << 30)) cap <<= 1;
    uint32_t tsize = 32;
    while (tsize < 2 * cap) tsize <<= 1;
    if (slab_grow(s, cap) || tab_alloc(s, tsize)) {
        cs_free(s);
        return SLATE_NOMEM;
    }
    return SLATE_OK;
}

void cs_free(cstore *s)
{
    eng_realloc(s->al, s->slab, 0);
    eng_realloc(s->al, s->free, 0);
    eng_realloc(s->al, s->tab, 0);
    for (cs_chunk *c = s->chunks, *n; c; c = n) {
        n = c->next;
        eng_realloc(s->al, c, 0);
    }
    memset(s, 0, sizeof *s);
}

uint32_t cs_find(const cstore *s, const char *id, size_t len, uint32_t hash)
{
    for (uint32_t b = hash & s->tabmask;; b = (b + 1) & s->tabmask) {
        const cs_slotref *r = &s->tab[b];
        if (r->slot == ENG_NONE) return ENG_NONE;
        if (r->hash != hash) continue;
        const eng_case *c = cs_case(s, r->slot);
        if (c->id_len == len && memcmp(c->id, id, len) == 0) return r->slot;
    }
}

int cs_reserve(cstore *s, size_t id_len)
{
    if (s->nfree == 0 && s->used == s->cap) {
        if (s->cap >= (1u << 30) || slab_grow(s, s->cap * 2)) return SLATE_NOMEM;
    }
    if ((size_t)(s->count + 1) * 2 > (size_t)s->tabmask + 1) {
        if (tab_alloc(s, (s->tabmask + 1) * 2)) return SLATE_NOMEM;
    }
    int cls = size_class(id_len);
    size_t need = (size_t)8 << cls;
    if (!s->idfree[cls] && (size_t)(s->bump_end - s->bump) < need) {
        cs_chunk *c = eng_realloc(s->al, NULL, CS_CHUNK);
        if (!c) return SLATE_NOMEM;
        c->next = s->chunks;
        s->chunks = c;
        s->bump = (char *)c + 16;
        s->bump_end = (char *)c + CS_CHUNK;
    }
    return SLATE_OK;
}

static char *id_alloc(cstore *s, size_t len)
{
    int cls = size_class(len);
    char *p = s->idfree[cls];
    if (p) {
        memcpy(&s->idfree[cls], p, sizeof p);
        return p;
    }
    p = s->bump;
    s->bump += (size_t)8 << cls;
    return p;
}

uint32_t cs_add(cstore *s, const char *id, size_t len, uint32_t hash)
{
    uint32_t slot = s->nfree ? s->free[--s->nfree] : s->used++;
    eng_case *c = cs_case(s, slot);
    memset(c, 0, s->stride);
    char *copy = id_alloc(s, len);
    memcpy(copy, id, len);
    c->id = copy;
    c->id_len = (uint16_t)len;
    c->hash = hash;
    uint32_t b = hash & s->tabmask;
    while (s->tab[b].slot != ENG_NONE) b = (b + 1) & s->tabmask;
    s->tab[b].hash = hash;
    s->tab[b].slot = slot;
    s->count++;
    return slot;
}

void cs_remove(cstore *s, uint32_t slot)
{
    eng_case *c = cs_case(s, slot);
    uint32_t b = c->hash & s->tabmask;
    while (s->tab[b].slot != slot) b = (b + 1) & s->tabmask;
    /* Backward-shift: pull later members of the probe run into the hole when
     * their home bucket is not inside (hole, their position]. */
    uint32_t hole = b;
    for (uint32_t i = (b + 1) & s->tabmask; s->tab[i].slot != ENG_NONE;
         i = (i + 1) & s->tabmask) {
        uint32_t home = s->tab[i].hash & s->tabmask;
        if (((i - home) & s->tabmask) >= ((i - hole) & s->tabmask)) {
            s->tab[hole] = s->tab[i];
            hole = i;
        }
    }
    s->tab[hole].slot = ENG_NONE;
    int cls = size_class(c->id_len);
    char *blk = (char *)c->id;
    memcpy(blk, &s->idfree[cls], sizeof blk);
    s->idfree[cls] = blk;
    c->created = 0;
    c->id = NULL;
    s->free[s->nfree++] = slot;
    s->count--;
}

int cs_restride(cstore *s, size_t stride, void (*move)(void *ud, const void *from, void *to),
                void *ud)
{
    unsigned char *slab = eng_realloc(s->al, NULL, stride * s->cap);
    if (!slab) return SLATE_NOMEM;
    for (uint32_t i = 0; i < s->used; i++) {
        const eng_case *c = cs_case(s, i);
        unsigned char *to = slab + (size_t)i * stride;
        memset(to, 0, stride);
        if (c->created) move(ud, c, to);
    }
    eng_realloc(s->al, s->slab, 0);
    s->slab = slab;
    s->stride = stride;
    return SLATE_OK;
}
