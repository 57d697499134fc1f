/*
 * events.c - the JSON Lines event reader behind events.h.
 *
 * Lines are cut by hand from read(2) chunks (so a pipe that delivers a line at a
 * time is served at once, and an endless line costs no memory past EV_MAX_LINE),
 * then each is parsed and checked against the program's schema.  A line in the
 * plainest flat shape is scanned here (scan_flat, which takes the bytes around
 * each value whole where they repeat earlier lines'); any other goes to jansson;
 * both fill the same member list, which one checker (check_members) reads.
 * Names (fields, event types, enum values) are looked up in one small
 * open-addressing table built once from the program.  The first problem found
 * on a line is the one reported, in this order: JSON syntax, `id`, `case` (its
 * value), `type`, `case` (missing), `at`, then the other keys in the order the
 * line gives them.
 */
#include "events.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "suggest.h"
#include "termsafe.h"
#include "timestamp.h"

#define CHUNK (64 * 1024)
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

/* ---- schema lookups ------------------------------------------------------- */

static inline uint32_t hash_name(uint32_t tag, const char *s, size_t len)
{
    uint32_t h = tag * 0x9E3779B1u ^ (uint32_t)len * 0x85EBCA77u;
    if (len)
        h ^= (unsigned char)s[0] * 0xC2B2AE3Du ^ (unsigned char)s[len - 1] * 0x27D4EB2Fu ^
             (unsigned char)s[len / 2] * 0x165667B1u;
    return h ^ (h >> 15);
}

static const char *event_name(const ev_reader *r, uint32_t i)
{
    return slate_program_event_name(r->prog, (int)i);
}

static const char *field_name(const ev_reader *r, uint32_t i)
{
    return slate_program_field_name(r->prog, (int)i);
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

/* Add a name, unless the tag already has it (the first one stays). */
static void table_add(name_table *t, uint32_t tag, const char *s, size_t len, int val)
{
    uint32_t h = hash_name(tag, s, len) & t->mask;
    for (; t->slots[h].s; h = (h + 1) & t->mask) {
        const tname *e = &t->slots[h];
        if (e->tag == tag && e->len == len && memcmp(e->s, s, len) == 0) return;
    }
    tname *e = &t->slots[h];
    e->s = s;
    e->len = (uint32_t)len;
    e->tag = tag;
    e->val = val;
    if (len <= 16) {
        char pad[16] = {0};
        memcpy(pad, s, len);
        memcpy(e->w, pad, 16);
    }
}

static int table_build(name_table *t, const ev_reader *r)
{
    const slate_program *p = r->prog;
    size_t n = (size_t)r->nevents + r->nfields;
    for (uint32_t i = 0; i < r->nfields; i++)
        if (r->ftype[i] == SLATE_T_ENUM) n += (size_t)slate_program_enum_count(p, (int)i);
    size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    t->slots = calloc(cap, sizeof *t->slots);
    if (!t->slots) return -1;
    t->mask = (uint32_t)(cap - 1);
    for (uint32_t i = 0; i < r->nfields; i++) {
        const char *s = field_name(r, i);
        table_add(t, T_KEY, s, strlen(s), (int)i);
    }
    for (uint32_t i = 0; i < r->nevents; i++) {
        const char *s = event_name(r, i);
        table_add(t, T_EVENT, s, strlen(s), (int)i);
    }
    for (uint32_t i = 0; i < r->nfields; i++) {
        int nv = slate_program_enum_count(p, (int)i);
        for (int k = 0; k < nv; k++) {
            const char *s = slate_program_enum_name(p, (int)i, k);
            table_add(t, T_ENUM + i, s, strlen(s), k);
        }
    }
    return 0;
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

ev_reader *ev_reader_new(const slate_program *prog, int strict)
{
    ev_reader *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->prog = prog;
    r->strict = strict;
    r->fast = 1;
    ts_memo_init(&r->at_memo);
    int ne = slate_program_event_count(prog), nf = slate_program_field_count(prog);
    r->nevents = ne > 0 ? (uint32_t)ne : 0;
    r->nfields = nf > 0 ? (uint32_t)nf : 0;
    r->ftype = calloc(r->nfields ? r->nfields : 1, 1);
    r->values = calloc(r->nfields ? r->nfields : 1, sizeof *r->values);
    r->seen = calloc((size_t)r->nfields + 5, sizeof *r->seen);
    if (r->ftype)
        for (uint32_t i = 0; i < r->nfields; i++)
            r->ftype[i] = (uint8_t)slate_program_field_type(prog, (int)i);
    if (!r->ftype || !r->values || !r->seen || table_build(&r->names, r)) {
        ev_reader_free(r);
        return NULL;
    }
    r->tick = table_find(&r->names, T_EVENT, "tick", 4, 0);
    return r;
}

void ev_reader_free(ev_reader *r)
{
    if (!r) return;
    json_decref(r->root);
    free(r->names.slots);
    free(r->ftype);
    free(r->values);
    free(r->mem);
    free(r->scratch);
    free(r->seen);
    free(r->line);
    free(r->chunk);
    free(r);
}

void ev_reader_set_fast(ev_reader *r, int on)
{
    r->fast = on;
}

ev_stats ev_reader_stats(const ev_reader *r)
{
    return r->st;
}

void ev_reader_before_read(ev_reader *r, void (*fn)(void *ud), void *ud)
{
    r->before_read = fn;
    r->before_read_ud = ud;
}

/* ---- messages ------------------------------------------------------------- */

static ev_status reject(ev_reader *r, ev_result *out, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static ev_status reject(ev_reader *r, ev_result *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->reason, sizeof out->reason, fmt, ap);
    va_end(ap);
    r->st.rejected++;
    return EV_REJECT;
}

/* A user's value for quoting in a message: whole up to 48 bytes, else its first
 * 45 (cut back to a UTF-8 character boundary) and "...", with control characters
 * shown as '?' (term_safe(), so the reason is safe on `run`'s stderr and wherever
 * the log is read).  dst must hold 49 bytes.  Returns dst. */
static const char *quote(char *dst, const char *s, size_t len)
{
    size_t n = len;
    if (len > 48) {
        n = 45;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    }
    term_safe(dst, n + 1, s, n);
    if (n < len) strcat(dst, "...");
    return dst;
}

static const char *json_kind(const jval *v)
{
    switch (v->kind) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number with a fraction or exponent";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "something else";
}

/* "a, b, c" into buf, ending in ", ..." when it does not fit. */
static const char *name_list(char *buf, size_t size, const ev_reader *r, uint32_t n,
                             const char *(*name)(const ev_reader *, uint32_t, uint32_t),
                             uint32_t arg)
{
    size_t used = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < n; i++) {
        const char *s = name(r, arg, i);
        size_t len = strlen(s);
        if (used + len + 2 + 5 + 1 > size) {
            memcpy(buf + used, ", ...", 6);
            break;
        }
        if (i) buf[used++] = ',', buf[used++] = ' ';
        memcpy(buf + used, s, len + 1);
        used += len;
    }
    return buf;
}

static const char *nth_event(const ev_reader *r, uint32_t unused, uint32_t i)
{
    (void)unused;
    return event_name(r, i);
}

static const char *nth_enum_value(const ev_reader *r, uint32_t field, uint32_t k)
{
    return slate_program_enum_name(r->prog, (int)field, (int)k);
}

/* The number of values of enum field `field`, for messages only: an accepted
 * value is found by table_find alone. */
static uint32_t n_enum_values(const ev_reader *r, int field)
{
    int n = slate_program_enum_count(r->prog, field);
    return n > 0 ? (uint32_t)n : 0;
}

/* "; did you mean `x`?" for the closest of n names, or "". */
static const char *suggest(char *buf, size_t size, const ev_reader *r, const char *word,
                           uint32_t n, const char *(*name)(const ev_reader *, uint32_t))
{
    diag_suggest s;
    diag_suggest_init(&s, word);
    for (uint32_t i = 0; i < n; i++) diag_suggest_add(&s, name(r, i));
    const char *best = diag_suggest_best(&s);
    if (best) snprintf(buf, size, "; did you mean `%s`?", best);
    else buf[0] = '\0';
    return buf;
}

/* ---- values ----------------------------------------------------------------- */

int ev_parse_duration(const char *s, size_t len, int64_t *ms)
{
    static const struct {
        char unit;
        int64_t ms;
    } units[] = {{'d', 86400000}, {'h', 3600000}, {'m', 60000}, {'s', 1000}};
    size_t i = 0, next_unit = 0;
    int64_t total = 0;
    if (len == 0) return -1;
    while (i < len) {
        size_t start = i;
        int64_t n = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (n > (INT64_MAX / 1000) / 10) return -1;
            n = n * 10 + (s[i++] - '0');
        }
        if (i == start || i == len) return -1;
        size_t u = next_unit;
        while (u < 4 && units[u].unit != s[i]) u++;
        if (u == 4) return -1; /* unknown unit, or out of order */
        if (n > INT64_MAX / units[u].ms || total > INT64_MAX - n * units[u].ms) return -1;
        total += n * units[u].ms;
        next_unit = u + 1;
        i++;
    }
    *ms = total;
    return 0;
}

#define DURATION_HELP "integer seconds or a string like \"4h\" or \"1h30m\""

/* Check `v` against field `fi` and store it.  Returns EV_OK or a rejection. */
static ev_status field_value(ev_reader *r, ev_result *out, const char *key, int fi,
                             const jval *v, slate_value *dst)
{
    char q[64], list[400];
    dst->field = fi;
    dst->i = 0;
    dst->s = NULL;
    dst->len = 0;
    switch (r->ftype[fi]) {
    case SLATE_T_INT:
        if (v->kind != JSON_INTEGER)
            return reject(r, out, "`%s`: expected an integer, got %s", key, json_kind(v));
        dst->i = v->i;
        return EV_OK;
    case SLATE_T_BOOL:
        if (v->kind != JSON_TRUE && v->kind != JSON_FALSE)
            return reject(r, out, "`%s`: expected true or false, got %s", key, json_kind(v));
        dst->i = v->kind == JSON_TRUE;
        return EV_OK;
    case SLATE_T_STRING:
        if (v->kind != JSON_STRING)
            return reject(r, out, "`%s`: expected a string, got %s", key, json_kind(v));
        dst->s = v->s;
        dst->len = v->len;
        return EV_OK;
    case SLATE_T_DURATION:
        if (v->kind == JSON_INTEGER) {
            json_int_t sec = v->i;
            if (sec < 0)
                return reject(r, out, "`%s`: a duration must not be negative", key);
            if (sec > INT64_MAX / 1000)
                return reject(r, out, "`%s`: duration out of range", key);
            dst->i = (int64_t)sec * 1000;
            return EV_OK;
        }
        if (v->kind == JSON_STRING) {
            const char *s = v->s;
            size_t len = v->len;
            if (ev_parse_duration(s, len, &dst->i) == 0) return EV_OK;
            return reject(r, out, "`%s`: `%s` is not a duration (expected " DURATION_HELP ")",
                          key, quote(q, s, len));
        }
        return reject(r, out, "`%s`: expected a duration (" DURATION_HELP "), got %s", key,
                      json_kind(v));
    case SLATE_T_ENUM: {
        if (v->kind != JSON_STRING)
            return reject(r, out, "`%s`: expected one of %s, got %s", key,
                          name_list(list, sizeof list, r, n_enum_values(r, fi), nth_enum_value,
                                    (uint32_t)fi),
                          json_kind(v));
        const char *s = v->s;
        size_t len = v->len;
        int k = table_find(&r->names, T_ENUM + (uint32_t)fi, s, len, r->padded);
        if (k < 0)
            return reject(r, out, "`%s`: unknown value `%s` for enum `%s` (expected one of %s)",
                          key, quote(q, s, len), key,
                          name_list(list, sizeof list, r, n_enum_values(r, fi), nth_enum_value,
                                    (uint32_t)fi));
        dst->i = k;
        return EV_OK;
    }
    }
    return reject(r, out, "`%s`: field of a type events cannot carry", key);
}

/* ---- one line ------------------------------------------------------------- */

static int is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return 0;
    return 1;
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

static int grow_members(ev_reader *r)
{
    size_t cap = r->mem_cap ? 2 * r->mem_cap : 32;
    struct member *nm = realloc(r->mem, cap * sizeof *nm);
    if (!nm) return -1;
    r->mem = nm;
    r->mem_cap = cap;
    return 0;
}

/* ---- the fast path: a flat object in the plainest JSON ----------------------- */

/* The fast path reads only what it can read exactly as jansson would: one object
 * of members whose keys and string values are printable ASCII without escapes,
 * whose numbers are integers of at most 18 digits, and `true` / `false`; spaces
 * and tabs between tokens; no duplicate key.  Anything else (escapes, non-ASCII,
 * nesting, null, fractions, exponents, big numbers, other white space, syntax
 * errors) returns -1 and the line goes to jansson, so rejections and their
 * messages come from jansson alone.  Strings are NUL-terminated in r->scratch, a
 * copy of the line (the line itself is kept intact for the log), which ends in
 * SCAN_PAD NUL bytes: a NUL is no token's first byte, so the scan meets the end
 * of the line at one without comparing against it at every step. */

static int sp(char c)
{
    return c == ' ' || c == '\t';
}

static int digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The end of the run of plain bytes (printable ASCII but '"' and '\\') from p,
 * sixteen bytes at a time with SSE2 (every x86-64 has it), else eight in a
 * 64-bit word: the lowest flagged byte (below 0x20, '"', '\\', DEL, above
 * 0x7F) is exact, so its position is the answer.  Reads past `end`, which
 * r->scratch allows: the line is followed there by SCAN_PAD NUL bytes, which stop
 * the scan. */
#define SCAN_PAD 32 /* the shape's separators are compared 32 bytes at a time */
#ifdef __SSE2__
static inline char *plain_run(char *p)
{
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
    /* c - 0xA0 as signed bytes: 0x20..0x7E map to -128..-34, all others above */
    const __m128i shift = _mm_set1_epi8((char)0xA0), last = _mm_set1_epi8(-34);
    for (;;) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i out = _mm_cmpgt_epi8(_mm_sub_epi8(x, shift), last);
        __m128i bad = _mm_or_si128(out, _mm_or_si128(_mm_cmpeq_epi8(x, quote),
                                                      _mm_cmpeq_epi8(x, bslash)));
        unsigned mask = (unsigned)_mm_movemask_epi8(bad);
        if (mask) return p + __builtin_ctz(mask);
        p += 16;
    }
}
#else
static inline char *plain_run(char *p)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    for (;;) {
        uint64_t x, q, b, d;
        memcpy(&x, p, 8);
        q = x ^ (ones * '"');
        b = x ^ (ones * '\\');
        d = x ^ (ones * 0x7F);
        uint64_t bad = (((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b) |
                        ((d - ones) & ~d) | x) &
                       high;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        if (bad) return p + (__builtin_clzll(bad) >> 3);
#else
        if (bad) return p + (__builtin_ctzll(bad) >> 3);
#endif
        p += 8;
    }
}
#endif

/* A string at *pp (on its opening quote): NUL-terminates it in place. */
static inline char *scan_string(char **pp, const char *end, size_t *len)
{
    char *p = plain_run(*pp + 1), *s = *pp + 1;
    if (p == end || *p != '"') return NULL;
    *len = (size_t)(p - s);
    *p = '\0';
    *pp = p + 1;
    return s;
}

/* A value after its key's colon and any white space: a string (NUL-ended in
 * place), an integer of at most 18 digits, true or false.  -1: anything else. */
static inline int scan_value(char **pp, const char *end, jval *v)
{
    char *p = *pp;
    v->kind = JSON_STRING;
    v->s = NULL;
    v->len = 0;
    v->i = 0;
    if (*p == '"') {
        v->s = scan_string(&p, end, &v->len);
        if (!v->s) return -1;
    } else if (*p == '-' || digit(*p)) {
        int neg = *p == '-';
        if (neg) p++;
        if (!digit(*p)) return -1;
        if (*p == '0' && digit(p[1])) return -1;
        const char *d0 = p;
        json_int_t n = 0;
        while (digit(*p)) {
            if (p - d0 >= 18) return -1;
            n = n * 10 + (*p++ - '0');
        }
        v->kind = JSON_INTEGER;
        v->i = neg ? -n : n;
    } else if (memcmp(p, "true", 4) == 0) {
        v->kind = JSON_TRUE;
        p += 4;
    } else if (memcmp(p, "false", 5) == 0) {
        v->kind = JSON_FALSE;
        p += 5;
    } else {
        return -1;
    }
    *pp = p;
    return 0;
}

/* Record a member; -1 when its key is on the line already (jansson's message;
 * declared and reserved keys by their slot, undeclared ones by name). */
static inline int add_member(ev_reader *r, char *key, size_t klen, int slot, const jval *v)
{
    if (slot == K_UNDECLARED) {
        for (size_t k = 0; k < r->nmem; k++)
            if (r->mem[k].slot == K_UNDECLARED && r->mem[k].klen == klen &&
                memcmp(r->mem[k].key, key, klen) == 0)
                return -1;
    } else {
        if (r->seen[slot + 5] == r->gen) return -1;
        r->seen[slot + 5] = r->gen;
    }
    if (r->nmem == r->mem_cap && grow_members(r)) return -1;
    struct member *m = &r->mem[r->nmem++];
    m->key = key;
    m->klen = klen;
    m->slot = slot;
    m->v = *v;
    return 0;
}

/* A new generation of r->seen: no key seen yet. */
static void next_gen(ev_reader *r)
{
    r->nmem = 0;
    if (++r->gen == 0) {
        memset(r->seen, 0, ((size_t)r->nfields + 5) * sizeof *r->seen);
        r->gen = 1;
    }
}

/* ---- the line's shape -------------------------------------------------------
 * Lines of a stream mostly spell the same keys in the same order with the same
 * punctuation as lines before them.  So each member scanned token by token
 * leaves its bytes as a way of its position: those from the end of the
 * previous value (or the line's start) to the start of its own (`","type":"`:
 * what follows a closing quote, the comma, the key in its quotes, the colon,
 * and a string value's opening quote), with the key's place and slot in them;
 * and the bytes after a last value (ws, '}', ws) are kept too.  A member that
 * repeats one of its position's ways has exactly the tokens the scanner would
 * find there, so only its value needs scanning; one that repeats none is
 * scanned token by token (and kept).  Every way of position 0 starts at a
 * line's start and every other at a value's end, so any sequence of them reads
 * as valid JSON.  The bytes are compared as four masked words (SEP_MAX), which
 * SCAN_PAD allows past the end. */

static inline uint64_t load64(const char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

/* Does p start with the separator (words w under masks m)? */
static inline int sep_match(const char *p, const uint64_t *w, const uint64_t *m, int wide)
{
    uint64_t d = ((load64(p) & m[0]) ^ w[0]) | ((load64(p + 8) & m[1]) ^ w[1]);
    if (wide) d |= ((load64(p + 16) & m[2]) ^ w[2]) | ((load64(p + 24) & m[3]) ^ w[3]);
    return d == 0;
}

/* Keep bytes s[0..n) (n <= SEP_MAX) as words and masks. */
static void sep_set(uint64_t *w, uint64_t *m, const char *s, size_t n)
{
    char pad[SEP_MAX] = {0};
    memcpy(pad, s, n);
    for (int k = 0; k < SEP_MAX / 8; k++) {
        size_t left = n > (size_t)k * 8 ? n - (size_t)k * 8 : 0;
        memcpy(&w[k], pad + 8 * k, 8);
        m[k] = first_bytes(left);
        w[k] &= m[k];
    }
}

/* After a value: white space, then the object's end (1, *pp past the '}') or a
 * comma and white space (0, *pp on the next key); -1 for anything else. */
static inline int after_value(char **pp)
{
    char *p = *pp;
    while (sp(*p)) p++;
    if (*p == '}') {
        *pp = p + 1;
        return 1;
    }
    if (*p != ',') return -1;
    p++;
    while (sp(*p)) p++;
    *pp = p;
    return 0;
}

/* Member k of the line at p (on the line's start when k is 0, else just past
 * member k - 1's value) by the shape: a way of position k whose bytes p
 * repeats, its value scanned.  1: taken; 0: no way matches; -1: the line is
 * not for the fast path (the bytes matched, so the scan below would fail on the
 * same ones). */
static inline int shape_member(ev_reader *r, char **pp, const char *end, uint32_t k)
{
    char *p = *pp;
    const struct shape_ent *e = r->shape[k], *last = e + SHAPE_WAYS;
    for (; e < last; e++)
        if (e->seplen && sep_match(p, e->w, e->m, e->seplen > 16)) break;
    if (e == last) return 0;
    char *key = p + e->koff;
    key[e->klen] = '\0';
    p += e->seplen;
    jval v;
    if (e->str) {
        char *q = plain_run(p);
        if (*q != '"') return -1;
        *q = '\0';
        v.kind = JSON_STRING;
        v.s = p;
        v.len = (size_t)(q - p);
        v.i = 0;
        p = q + 1;
    } else if (scan_value(&p, end, &v)) {
        return -1;
    }
    if (add_member(r, key, e->klen, e->slot, &v)) return -1;
    *pp = p;
    return 1;
}

static int scan_flat(ev_reader *r, const char *line, size_t len)
{
    if (len + SCAN_PAD > r->scratch_cap) {
        size_t cap = r->scratch_cap ? r->scratch_cap : 1024;
        while (cap < len + SCAN_PAD) cap *= 2;
        char *ns = realloc(r->scratch, cap);
        if (!ns) return -1;
        r->scratch = ns;
        r->scratch_cap = cap;
    }
    memcpy(r->scratch, line, len);
    memset(r->scratch + len, 0, SCAN_PAD);
    char *p = r->scratch;
    const char *end = p + len;
    next_gen(r);

    for (uint32_t k = 0;; k++) {
        if (k < SHAPE_MAX) {
            int got = shape_member(r, &p, end, k);
            if (got < 0) return -1;
            if (got) continue;
        }
        if (k && r->tail_len && sep_match(p, r->tail_w, r->tail_m, r->tail_len > 16) &&
            p + r->tail_len == end)
            return 0;

        /* this member token by token, its bytes kept as a way of position k */
        const char *from = p; /* where the bytes before the value start */
        int closed;
        if (k == 0) {
            while (sp(*p)) p++;
            if (*p != '{') return -1;
            p++;
            while (sp(*p)) p++;
            closed = *p == '}';
            if (closed) p++;
        } else {
            closed = after_value(&p);
            if (closed < 0) return -1;
        }
        if (closed) {
            while (sp(*p)) p++;
            if (p != end) return -1;
            if (k && (size_t)(end - from) <= SEP_MAX) { /* after a value: ws, '}', ws */
                sep_set(r->tail_w, r->tail_m, line + (from - r->scratch), (size_t)(end - from));
                r->tail_len = (uint32_t)(end - from);
            }
            return 0;
        }
        if (*p != '"') return -1;
        size_t klen;
        char *key = scan_string(&p, end, &klen);
        if (!key) return -1;
        while (sp(*p)) p++;
        if (*p != ':') return -1;
        p++;
        while (sp(*p)) p++;
        int slot = classify(r, key, klen, 1);
        char *vstart = p + (*p == '"');
        jval v;
        if (scan_value(&p, end, &v) || add_member(r, key, klen, slot, &v)) return -1;
        if (k < SHAPE_MAX && (size_t)(vstart - from) <= SEP_MAX) {
            struct shape_ent *e = &r->shape[k][r->shape_next[k]];
            r->shape_next[k] = (uint8_t)((r->shape_next[k] + 1) % SHAPE_WAYS);
            sep_set(e->w, e->m, line + (from - r->scratch), (size_t)(vstart - from));
            e->seplen = (uint8_t)(vstart - from);
            e->koff = (uint8_t)(key - from);
            e->klen = (uint8_t)klen;
            e->slot = slot;
            e->str = v.kind == JSON_STRING;
        }
    }
}

static int members_of(ev_reader *r, json_t *root);
static ev_status check_members(ev_reader *r, ev_result *out);

ev_status ev_parse_line(ev_reader *r, const char *line, size_t len, ev_result *out)
{
    memset(&out->ev, 0, sizeof out->ev);
    out->ev.at = INT64_MIN;
    out->ev.type = -1;
    out->undeclared = 0;
    out->reason[0] = '\0';
    out->line = ++r->st.lines;
    out->raw = line;
    out->raw_len = len;

    /* A UTF-8 byte order mark before the first event.  Not "on line 1": a replay
     * feeds only the logged (non-blank) lines, and must read them the same way. */
    if (r->st.events == 0 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
        line += 3;
        len -= 3;
    }
    if (len && line[len - 1] == '\r') len--;
    if (is_blank(line, len)) return EV_BLANK;
    out->ev.seq = ++r->st.events;

    json_decref(r->root);
    r->root = NULL;
    r->padded = r->fast && scan_flat(r, line, len) == 0;
    if (!r->padded) {
        json_error_t err;
        r->root = json_loadb(line, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
        json_t *root = r->root;
        if (!root) {
            if (strstr(err.text, "JSON_ALLOW_NUL"))
                return reject(r, out, "not JSON: strings may not contain \\u0000 (column %d)",
                              err.column);
            return reject(r, out, "not JSON: %s (column %d)", err.text, err.column);
        }
        if (!json_is_object(root)) {
            jval k = {json_typeof(root), NULL, 0, 0};
            return reject(r, out, "not a JSON object (got %s)", json_kind(&k));
        }
        if (members_of(r, root)) return reject(r, out, "out of memory");
    }
    return check_members(r, out);
}

/* The members of the jansson object `root`, in its order, into r->mem. */
static int members_of(ev_reader *r, json_t *root)
{
    const char *key;
    json_t *v;
    r->nmem = 0;
    json_object_foreach(root, key, v)
    {
        if (r->nmem == r->mem_cap && grow_members(r)) return -1;
        struct member *m = &r->mem[r->nmem++];
        m->key = key;
        m->klen = strlen(key);
        m->slot = classify(r, key, m->klen, 0);
        m->v.kind = json_typeof(v);
        m->v.s = NULL;
        m->v.len = 0;
        m->v.i = 0;
        if (json_is_string(v)) {
            m->v.s = json_string_value(v);
            m->v.len = json_string_length(v);
        } else if (json_is_integer(v)) {
            m->v.i = json_integer_value(v);
        }
    }
    return 0;
}

/* An `at` that parses, for dating a line rejected before its `at` is checked
 * (an unknown type, a bad id or case); else out->ev.at stays INT64_MIN. */
static void peek_at(ev_reader *r, const jval *v, ev_result *out)
{
    char why[96];
    int64_t ms;
    if (!v) return;
    if (v->kind == JSON_INTEGER && v->i >= TS_MIN_MS && v->i <= TS_MAX_MS)
        out->ev.at = v->i;
    else if (v->kind == JSON_STRING &&
             ts_parse_rfc3339_memo(v->s, v->len, &ms, why, sizeof why, &r->at_memo) == 0)
        out->ev.at = ms;
}

/* `id`, `case` and `type`, checked in that order; *ty is the event type. */
static ev_status check_head(ev_reader *r, ev_result *out, const jval *vid, const jval *jcase,
                            const jval *vtype, int *ty);

/* Everything after the JSON syntax, on r->mem, the same for both paths. */
static ev_status check_members(ev_reader *r, ev_result *out)
{
    char q[64], hint[96];
    const jval *vid = NULL, *jcase = NULL, *vtype = NULL, *vat = NULL;
    for (size_t k = 0; k < r->nmem; k++) {
        const struct member *m = &r->mem[k];
        switch (m->slot) {
        case K_ID: vid = &m->v; break;
        case K_CASE: jcase = &m->v; break;
        case K_TYPE: vtype = &m->v; break;
        case K_AT: vat = &m->v; break;
        default: break;
        }
    }
    int ty;
    if (check_head(r, out, vid, jcase, vtype, &ty) != EV_OK) {
        peek_at(r, vat, out); /* the reject is dated by the line when it can be */
        return EV_REJECT;
    }
    const jval *v = vat;
    if (!v) return reject(r, out, "missing `at`");
    if (v->kind == JSON_INTEGER) {
        json_int_t ms = v->i;
        if (ms < TS_MIN_MS || ms > TS_MAX_MS)
            return reject(r, out,
                          "`at`: epoch milliseconds %" JSON_INTEGER_FORMAT
                          " out of range (years 0000 to 9999)",
                          ms);
        out->ev.at = ms;
    } else if (v->kind == JSON_STRING) {
        char why[96];
        const char *s = v->s;
        size_t slen = v->len;
        if (ts_parse_rfc3339_memo(s, slen, &out->ev.at, why, sizeof why, &r->at_memo) != 0) {
            out->ev.at = INT64_MIN;
            return reject(r, out, "`at` is not RFC 3339 or epoch milliseconds: `%s`: %s",
                          quote(q, s, slen), why);
        }
    } else {
        return reject(r, out, "`at` is not RFC 3339 or epoch milliseconds (got %s)",
                      json_kind(v));
    }

    /* the case fields, in the line's order */
    size_t n = 0;
    for (size_t k = 0; k < r->nmem; k++) {
        const struct member *m = &r->mem[k];
        const char *key = m->key;
        int fi = m->slot;
        if (fi < K_UNDECLARED) continue; /* reserved */
        if (fi < 0) {
            out->undeclared++;
            r->st.undeclared++;
            if (r->strict)
                return reject(r, out, "`%s`: undeclared field (rejected by --strict)%s",
                              quote(q, key, m->klen),
                              suggest(hint, sizeof hint, r, key, r->nfields, field_name));
            continue;
        }
        ev_status st = field_value(r, out, key, fi, &m->v, &r->values[n]);
        if (st != EV_OK) return st;
        n++;
    }
    out->ev.values = r->values;
    out->ev.nvalues = n;
    return EV_OK;
}

static ev_status check_head(ev_reader *r, ev_result *out, const jval *vid, const jval *jcase,
                            const jval *vtype, int *ty)
{
    char q[64], list[400], hint[96];
    const jval *v = vid;
    if (v) {
        if (v->kind == JSON_STRING) {
            out->ev.id = v->s;
            out->ev.id_len = v->len;
        } else if (v->kind == JSON_INTEGER) {
            int n = snprintf(r->idbuf, sizeof r->idbuf, "%" JSON_INTEGER_FORMAT, v->i);
            out->ev.id = r->idbuf;
            out->ev.id_len = (size_t)n;
        } else {
            return reject(r, out, "`id`: expected a string or an integer, got %s", json_kind(v));
        }
    }

    if (jcase) {
        if (jcase->kind != JSON_STRING)
            return reject(r, out, "`case`: expected a string, got %s", json_kind(jcase));
        size_t clen = jcase->len;
        if (clen == 0) return reject(r, out, "`case`: must not be empty");
        if (clen > EV_MAX_CASE)
            return reject(r, out, "`case`: %zu bytes is longer than the limit of %d", clen,
                          EV_MAX_CASE);
        out->ev.case_id = jcase->s;
        out->ev.case_len = clen;
    }

    v = vtype;
    if (!v) return reject(r, out, "missing `type`");
    if (v->kind != JSON_STRING)
        return reject(r, out, "`type`: expected a string, got %s", json_kind(v));
    const char *type = v->s;
    size_t tlen = v->len;
    *ty = table_find(&r->names, T_EVENT, type, tlen, r->padded);
    if (*ty < 0) {
        name_list(list, sizeof list, r, r->nevents, nth_event, 0);
        return reject(r, out, "`type`: unknown event type `%s` (expected one of %s)%s",
                      quote(q, type, tlen), list,
                      suggest(hint, sizeof hint, r, type, r->nevents, event_name));
    }
    out->ev.type = *ty;
    if (!jcase && *ty != r->tick) return reject(r, out, "missing `case`");
    return EV_OK;
}

/* ---- lines from a stream ------------------------------------------------------ */

static int refill(ev_reader *r, FILE *f)
{
    if (!r->chunk && !(r->chunk = malloc(CHUNK))) return -1;
    if (r->before_read) r->before_read(r->before_read_ud);
    for (;;) {
        ssize_t got = read(fileno(f), r->chunk, CHUNK);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return -1;
        r->chunk_pos = 0;
        r->chunk_len = (size_t)got;
        if (got == 0) r->eof = 1;
        return 0;
    }
}

static int append(ev_reader *r, const char *s, size_t n)
{
    if (n == 0) return 0;
    if (r->line_len + n > r->line_cap) {
        size_t cap = r->line_cap ? r->line_cap : 256;
        while (cap < r->line_len + n) cap *= 2;
        char *nl = realloc(r->line, cap);
        if (!nl) return -1;
        r->line = nl;
        r->line_cap = cap;
    }
    memcpy(r->line + r->line_len, s, n);
    r->line_len += n;
    return 0;
}

ev_status ev_next(ev_reader *r, FILE *f, ev_result *out)
{
    for (;;) {
        if (r->chunk_pos < r->chunk_len) {
            /* the usual case: the whole line is in the chunk, parsed where it is */
            const char *p = r->chunk + r->chunk_pos;
            const char *nl = memchr(p, '\n', r->chunk_len - r->chunk_pos);
            if (nl && (size_t)(nl - p) <= EV_MAX_LINE) {
                r->chunk_pos += (size_t)(nl - p) + 1;
                ev_status st = ev_parse_line(r, p, (size_t)(nl - p), out);
                if (st != EV_BLANK) return st;
                continue;
            }
        }
        int any = 0, complete = 0, too_long = 0;
        size_t total = 0; /* the line's length, kept or not */
        r->line_len = 0;
        while (!complete) {
            if (r->chunk_pos == r->chunk_len) {
                if (r->eof) break;
                if (refill(r, f)) return EV_IOERR;
                if (r->eof) break;
            }
            const char *p = r->chunk + r->chunk_pos;
            size_t avail = r->chunk_len - r->chunk_pos;
            const char *nl = memchr(p, '\n', avail);
            size_t n = nl ? (size_t)(nl - p) : avail;
            any = 1;
            total += n;
            /* keep one byte past the limit: a final '\r' does not count */
            if (!too_long && total > EV_MAX_LINE + 1) too_long = 1;
            if (!too_long && append(r, p, n)) {
                errno = ENOMEM;
                return EV_IOERR;
            }
            r->chunk_pos += n + (nl != NULL);
            complete = nl != NULL;
        }
        if (!any) return EV_EOF;
        if (!too_long && total == EV_MAX_LINE + 1 && r->line[total - 1] != '\r') too_long = 1;
        if (too_long) {
            memset(&out->ev, 0, sizeof out->ev);
            out->ev.at = INT64_MIN;
            out->ev.type = -1;
            out->undeclared = 0;
            out->line = ++r->st.lines;
            out->raw = NULL;
            out->raw_len = 0;
            out->ev.seq = ++r->st.events;
            return reject(r, out, "line of %zu bytes is longer than the limit of %zu (1 MiB)",
                          total, EV_MAX_LINE);
        }
        ev_status st = ev_parse_line(r, r->line ? r->line : "", r->line_len, out);
        if (st != EV_BLANK) return st;
    }
}
