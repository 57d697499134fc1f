/*
 * casestore.c - the open cases of an engine: a hash table keyed by case id.
 *
 * Part of the engine (see engine_int.h).  Case records have one fixed size per
 * program and live in pages of CS_PAGE records, addressed by slot number; the
 * store grows a page at a time, so growing never moves a record.  The table maps ids to slots by open addressing with linear
 * probing and backward-shift deletion (no tombstones), kept at most half full.
 * Ids are copied into an arena of 64 KiB chunks in blocks of 8..256 bytes; freed
 * blocks and freed slots (linked through the free records) go to free lists and are reused first, so a stream whose
 * number of open cases stays level allocates nothing once warmed up.  A store
 * that falls well below its peak shrinks (cs_shrink, run by trim.c): the cases
 * in its upper pages move down, and the pages, table and arena it no longer
 * needs are freed.
 */
#include <string.h>

#include "engine_int.h"

#define CS_CHUNK 65536

void *eng_realloc(const slate_allocator *al, void *p, size_t n)
{
    return al->realloc(al->ud, p, n);
}

/* Eight bytes at a time (a multiply and a shift per word, where FNV-1a took a
 * multiply per byte), the last partial word read as overlapping loads with the
 * length mixed in, then a murmur3 finaliser so the low bits
 * (the bucket) depend on every byte.  The value is never stored outside the
 * engine's own tables, so only its quality matters, not its exact bits. */
uint32_t cs_hash(const char *id, size_t len)
{
    const uint64_t m = 0x9e3779b97f4a7c15u;
    uint64_t h = 0xcbf29ce484222325u ^ (len * m);
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, id + i, 8);
        h = (h ^ w) * m;
        h ^= h >> 29;
    }
    if (i < len) { /* the tail, read as overlapping loads (the length is mixed in) */
        uint64_t w;
        if (len >= 8) {
            memcpy(&w, id + len - 8, 8);
        } else if (len >= 4) {
            uint32_t a, b;
            memcpy(&a, id, 4);
            memcpy(&b, id + len - 4, 4);
            w = (uint64_t)a << 32 | b;
        } else {
            w = (uint64_t)(unsigned char)id[0] << 16 | (uint64_t)(unsigned char)id[len / 2] << 8 |
                (unsigned char)id[len - 1];
        }
        h = (h ^ w) * m;
        h ^= h >> 29;
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

static void set_shrink_below(cstore *s)
{
    s->shrink_below = s->npages > s->minpages ? s->cap / 4 : 0;
}

/* Add one page of records (the page table grows by doubling). */
static int add_page(cstore *s)
{
    if (s->npages == s->pagecap) {
        uint32_t n = s->pagecap ? s->pagecap * 2 : 4;
        unsigned char **pg = eng_realloc(s->al, s->pages, sizeof *pg * n);
        if (!pg) return SLATE_NOMEM;
        s->pages = pg;
        s->pagecap = n;
    }
    unsigned char *page = eng_realloc(s->al, NULL, s->stride * CS_PAGE);
    if (!page) return SLATE_NOMEM;
    s->pages[s->npages++] = page;
    s->cap += CS_PAGE;
    set_shrink_below(s);
    return SLATE_OK;
}

int cs_init(cstore *s, const slate_allocator *al, size_t stride, size_t expect)
{
    memset(s, 0, sizeof *s);
    s->al = al;
    s->stride = stride;
    s->freehead = ENG_NONE;
    if (expect > (1u << 30)) expect = 1u << 30;
    uint32_t tsize = 32;
    while (tsize < 2 * expect) tsize <<= 1;
    int rc = add_page(s);
    while (!rc && s->cap < expect) rc = add_page(s);
    if (rc || tab_alloc(s, tsize)) {
        cs_free(s);
        return SLATE_NOMEM;
    }
    s->minpages = s->npages;
    s->mintab = tsize;
    set_shrink_below(s);
    return SLATE_OK;
}

void cs_free(cstore *s)
{
    for (uint32_t i = 0; i < s->npages; i++) eng_realloc(s->al, s->pages[i], 0);
    eng_realloc(s->al, s->pages, 0);
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
        if (c->id_len == len && memcmp(case_id(c), id, len) == 0) return r->slot;
    }
}

int cs_reserve(cstore *s, size_t id_len)
{
    if (s->nfree == 0 && s->used == s->cap) {
        if (s->cap >= (1u << 30) || add_page(s)) return SLATE_NOMEM;
    }
    if ((size_t)(s->count + 1) * 2 > (size_t)s->tabmask + 1) {
        if (tab_alloc(s, (s->tabmask + 1) * 2)) return SLATE_NOMEM;
    }
    if (id_len <= CS_INLINE_ID) return SLATE_OK; /* kept in the record */
    int cls = size_class(id_len);
    size_t need = (size_t)8 << cls;
    if (!s->idfree[cls] && (size_t)(s->bump_end - s->bump) < need) {
        cs_chunk *c = eng_realloc(s->al, NULL, CS_CHUNK);
        if (!c) return SLATE_NOMEM;
        c->next = s->chunks;
        s->chunks = c;
        s->bump = (char *)c + 16;
        s->bump_end = (char *)c + CS_CHUNK;
        s->arena_bytes += CS_CHUNK;
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
    uint32_t slot = s->used;
    if (s->nfree) {
        slot = s->freehead;
        s->freehead = cs_case(s, slot)->hash;
        s->nfree--;
    } else
        s->used++;
    eng_case *c = cs_case(s, slot);
    memset(c, 0, s->stride);
    if (len <= CS_INLINE_ID) {
        memcpy(c->idin, id, len);
    } else {
        char *copy = id_alloc(s, len);
        memcpy(copy, id, len);
        c->id = copy;
    }
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
    if (c->id_len > CS_INLINE_ID) {
        int cls = size_class(c->id_len);
        char *blk = (char *)c->id;
        memcpy(blk, &s->idfree[cls], sizeof blk);
        s->idfree[cls] = blk;
    }
    c->created = 0;
    c->id = NULL;
    c->hash = s->freehead; /* a free record links the next free slot */
    s->freehead = slot;
    s->nfree++;
    s->count--;
}

int cs_restride(cstore *s, size_t stride, void (*move)(void *ud, const void *from, void *to),
                void *ud)
{
    unsigned char **pages = eng_realloc(s->al, NULL, sizeof *pages * s->pagecap);
    if (!pages) return SLATE_NOMEM;
    for (uint32_t i = 0; i < s->npages; i++) {
        if ((pages[i] = eng_realloc(s->al, NULL, stride * CS_PAGE))) continue;
        while (i > 0) eng_realloc(s->al, pages[--i], 0);
        eng_realloc(s->al, pages, 0);
        return SLATE_NOMEM;
    }
    for (uint32_t i = 0; i < s->used; i++) {
        const eng_case *c = cs_case(s, i);
        eng_case *to = (eng_case *)(void *)(pages[i >> CS_PAGE_SHIFT] +
                                            (size_t)(i & (CS_PAGE - 1)) * stride);
        memset(to, 0, stride);
        if (c->created)
            move(ud, c, to);
        else
            to->hash = c->hash; /* keep the free list */
    }
    for (uint32_t i = 0; i < s->npages; i++) eng_realloc(s->al, s->pages[i], 0);
    eng_realloc(s->al, s->pages, 0);
    s->pages = pages;
    s->stride = stride;
    return SLATE_OK;
}

/* Copy every open case's long id into one new chunk, blocks packed by size class
 * as id_alloc would, and free the old chunks (and so their free lists). */
static int repack_ids(cstore *s)
{
    size_t need = 0;
    for (uint32_t i = 0; i < s->used; i++) {
        const eng_case *c = cs_case(s, i);
        if (c->created && c->id_len > CS_INLINE_ID) need += (size_t)8 << size_class(c->id_len);
    }
    if (need + 16 + CS_CHUNK > s->arena_bytes) return SLATE_OK; /* not worth it */
    size_t sz = need + 16 > CS_CHUNK ? need + 16 : CS_CHUNK;
    cs_chunk *nc = need ? eng_realloc(s->al, NULL, sz) : NULL;
    if (need && !nc) return SLATE_NOMEM;
    char *p = nc ? (char *)nc + 16 : NULL;
    for (uint32_t i = 0; i < s->used; i++) {
        eng_case *c = cs_case(s, i);
        if (!c->created || c->id_len <= CS_INLINE_ID) continue;
        memcpy(p, c->id, c->id_len);
        c->id = p;
        p += (size_t)8 << size_class(c->id_len);
    }
    for (cs_chunk *c = s->chunks, *n; c; c = n) {
        n = c->next;
        eng_realloc(s->al, c, 0);
    }
    if (nc) nc->next = NULL;
    s->chunks = nc;
    s->bump = p;
    s->bump_end = nc ? (char *)nc + sz : NULL;
    s->arena_bytes = nc ? sz : 0;
    memset(s->idfree, 0, sizeof s->idfree);
    return SLATE_OK;
}

int cs_shrink(cstore *s, void (*moved)(void *ud, uint32_t from, uint32_t to), void *ud)
{
    uint32_t want = (uint32_t)(((size_t)s->count * 2 + CS_PAGE - 1) / CS_PAGE);
    if (want < s->minpages) want = s->minpages;
    if (want == 0) want = 1;
    if (want < s->npages) {
        uint32_t cap = want * CS_PAGE; /* >= 2 * count: room for every open case */
        /* every slot below cap is below `used` (a case lies above cap), so a
         * zero `created` there marks a free slot */
        uint32_t to = 0;
        for (uint32_t from = cap; from < s->used; from++) {
            eng_case *c = cs_case(s, from);
            if (!c->created) continue;
            while (cs_case(s, to)->created) to++;
            memcpy(cs_case(s, to), c, s->stride);
            uint32_t b = c->hash & s->tabmask;
            while (s->tab[b].slot != from) b = (b + 1) & s->tabmask;
            s->tab[b].slot = to;
            moved(ud, from, to);
            to++;
        }
        for (uint32_t i = want; i < s->npages; i++) eng_realloc(s->al, s->pages[i], 0);
        s->npages = want;
        s->cap = cap;
        set_shrink_below(s);
        if (s->used > cap) s->used = cap;
        /* the free list again, lowest slot first, up to the last open case */
        while (s->used > 0 && !cs_case(s, s->used - 1)->created) s->used--;
        s->freehead = ENG_NONE;
        s->nfree = 0;
        for (uint32_t i = s->used; i-- > 0;) {
            eng_case *c = cs_case(s, i);
            if (c->created) continue;
            c->hash = s->freehead;
            s->freehead = i;
            s->nfree++;
        }
    }
    int rc = SLATE_OK;
    uint32_t tsize = s->mintab;
    while ((size_t)(s->count + 1) * 4 > tsize) tsize <<= 1; /* half full after doubling */
    if (tsize < s->tabmask + 1 && tab_alloc(s, tsize)) rc = SLATE_NOMEM;
    if (repack_ids(s)) rc = SLATE_NOMEM;
    return rc;
}
