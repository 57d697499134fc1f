/*
 * events_int.h - the event reader's internals, shared by events.c (lines,
 * jansson's path, the schema checks) and events_flat.c (the fast path): the
 * reader, the member list both paths fill, and the name table's lookups.
 * Private to io/; events.h is the interface.
 */
#ifndef SLATE_EVENTS_INT_H
#define SLATE_EVENTS_INT_H

#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "events.h"
#include "timestamp.h"

#define SHAPE_MAX 32 /* positions of members the shape keeps (scan_flat) */
#define SEP_MAX 32   /* longest bytes between two values a shape holds */
#define SHAPE_WAYS 4 /* shapes kept for each position */

/* Every name a line may spell, in one open-addressing table: keys (the declared
 * fields; classify() knows the reserved ones), event types, and each enum
 * field's values.  The hash reads the length and three bytes, not every byte; a
 * name of up to 16 bytes is compared as two zero-padded words when the text has
 * 16 readable bytes after its start (the fast path's scratch copy), else by
 * memcmp. */
typedef struct tname {
    const char *s;  /* NUL-terminated; NULL: an empty slot */
    uint32_t len;
    uint32_t tag;   /* T_KEY, T_EVENT, or T_ENUM + the field's index */
    int val;        /* what the name stands for (a member slot, event or enum index) */
    uint64_t w[2];  /* names of up to 16 bytes: those bytes, zero-padded */
} tname;

enum { T_KEY = 0, T_EVENT = 1, T_ENUM = 2 };

typedef struct name_table {
    tname *slots;
    uint32_t mask;
} name_table;

struct ev_reader {
    const slate_program *prog;
    uint32_t nevents, nfields;
    uint8_t *ftype;       /* each field's SLATE_T_*, read once per value */
    int strict;
    int tick;             /* event id of `tick`, -1 if the program has none */
    name_table names;     /* keys, event types and enum values */
    int padded;           /* the current line's strings are in r->scratch */

    slate_value *values;  /* one per declared field at most (duplicates are refused) */
    json_t *root;         /* the current line's JSON (slow path): its strings back
                             the event */
    int fast;             /* try the flat-object scanner before jansson (default) */
    struct member *mem;   /* the current line's members, in the line's order */
    size_t nmem, mem_cap;
    char *scratch;        /* fast path: a copy of the line, its strings NUL-ended */
    size_t scratch_cap;
    uint32_t *seen;       /* fast path: seen[slot + 5] == gen when the line has it */
    uint32_t gen;
    struct shape_ent {    /* fast path: the bytes around members (scan_flat) */
        uint64_t w[SEP_MAX / 8], m[SEP_MAX / 8]; /* the bytes before the value */
        uint8_t seplen, koff, klen; /* their length; the key's place in them */
        uint8_t str;      /* they end in a string value's opening quote */
        int slot;         /* what classify() made of the key */
    } shape[SHAPE_MAX][SHAPE_WAYS]; /* seplen 0: an empty way */
    uint8_t shape_next[SHAPE_MAX]; /* the way of each position to fill next */
    uint64_t tail_w[SEP_MAX / 8], tail_m[SEP_MAX / 8]; /* the bytes after a last value */
    uint32_t tail_len;    /* 0: none yet */
    char idbuf[24];       /* an integer `id` as text */
    ts_memo at_memo;      /* the last `at` date read: most lines repeat it */

    char *line;           /* the line being assembled */
    size_t line_len, line_cap;
    char *chunk;          /* bytes read and not yet cut into lines */
    size_t chunk_pos, chunk_len;
    int eof;
    void (*before_read)(void *ud);
    void *before_read_ud;

    ev_stats st;
};

/* One member of the line's object, whichever path read it.  `kind` is jansson's
 * json_type; the fast path makes only strings, integers, true and false. */
typedef struct jval {
    json_type kind;
    const char *s; /* JSON_STRING: the value, NUL-terminated */
    size_t len;
    json_int_t i;  /* JSON_INTEGER */
} jval;

struct member {
    const char *key; /* NUL-terminated */
    size_t klen;
    int slot;        /* a declared field's index, or one of the K_ below */
    jval v;
};

/* member.slot of the reserved keys and of an undeclared one */
enum { K_UNDECLARED = -1, K_ID = -2, K_CASE = -3, K_TYPE = -4, K_AT = -5 };

/* ---- the name table's lookups -------------------------------------------------- */

static inline uint32_t hash_name(uint32_t tag, const char *s, size_t len)
{
    uint32_t h = tag * 0x9E3779B1u ^ (uint32_t)len * 0x85EBCA77u;
    if (len)
        h ^= (unsigned char)s[0] * 0xC2B2AE3Du ^ (unsigned char)s[len - 1] * 0x27D4EB2Fu ^
             (unsigned char)s[len / 2] * 0x165667B1u;
    return h ^ (h >> 15);
}

/* The mask of a word's first n (0..8) bytes in memory order. */
static inline uint64_t first_bytes(size_t n)
{
    if (n >= 8) return ~(uint64_t)0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return n ? ~(uint64_t)0 << (8 * (8 - n)) : 0;
#else
    return ((uint64_t)1 << (8 * n)) - 1;
#endif
}

/* The value of name s[0..len) under `tag`, or -1.  `padded`: 16 bytes from s
 * may be read. */
static inline int table_find(const name_table *t, uint32_t tag, const char *s, size_t len,
                             int padded)
{
    uint64_t a = 0, b = 0;
    int words = padded && len <= 16;
    if (words) {
        memcpy(&a, s, 8);
        memcpy(&b, s + 8, 8);
        a &= first_bytes(len);
        b &= len > 8 ? first_bytes(len - 8) : 0;
    }
    for (uint32_t h = hash_name(tag, s, len) & t->mask; t->slots[h].s; h = (h + 1) & t->mask) {
        const tname *e = &t->slots[h];
        if (e->len != len || e->tag != tag) continue;
        if (words ? e->w[0] == a && e->w[1] == b : memcmp(e->s, s, len) == 0) return e->val;
    }
    return -1;
}

/* What key s[0..len) is: a reserved key (K_ID ...), a declared field's index, or
 * K_UNDECLARED.  Reserved names win over fields of the same name. */
static inline int classify(const ev_reader *r, const char *s, size_t len, int padded)
{
    if (len == 2) {
        if (s[0] == 'i' && s[1] == 'd') return K_ID;
        if (s[0] == 'a' && s[1] == 't') return K_AT;
    } else if (len == 4) {
        if (memcmp(s, "case", 4) == 0) return K_CASE;
        if (memcmp(s, "type", 4) == 0) return K_TYPE;
    }
    int fi = table_find(&r->names, T_KEY, s, len, padded);
    return fi >= 0 ? fi : K_UNDECLARED;
}

/* Room for one more member in r->mem: 0, or -1 when memory ran out. */
int ev_grow_members(ev_reader *r);

/* The fast path: fill r->mem from `line` when it is one flat object in the
 * plainest JSON (0, its strings NUL-ended in r->scratch), else -1 (the line
 * goes to jansson).  events_flat.c. */
int ev_scan_flat(ev_reader *r, const char *line, size_t len);

#endif
