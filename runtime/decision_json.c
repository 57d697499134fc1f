/*
 * decision_json.c - slate_decision_json(): one decision as one line of JSON.
 *
 * The last step of the runtime's output: the engine hands decisions to a sink,
 * and sinks that write text (the CLI, the log's `args` column) render them here so
 * every tool prints the same bytes.  Like snprintf it never allocates, writes at
 * most `size` bytes and returns the length it needed.  No JSON library: libslate
 * does not depend on jansson.  dj_render (decision_json.h) is the same with a
 * caller's memo of the policy file's escape and the last dates written, for a
 * sink that renders decision after decision; the bytes do not depend on it.
 * Given room to spare, dj_render writes the usual decision through a bare
 * pointer without checking room piece by piece (render_fast), else, and for
 * the rest, through the bounded writer: the same bytes either way.
 *
 * The shape (docs/io.md, "Decisions out", pins it; ../shared/design/INTERFACES.md
 * is the outside contract).  Keys always appear in this order; a key marked "?" is
 * left out when it has no value:
 *
 *   seq, at, case?, action, rule, event?, id?, then per action:
 *     sla               tier, targets (the engine's JSON array)
 *     start, resume     clock, target_s, deadline?, then for a late start that
 *                       counts from its start event: retroactive (true), since,
 *                       elapsed_s
 *     pause             clock, elapsed_s
 *     stop              clock, met, elapsed_s, target_s, then when the run
 *                       breached: breached (true), breach_target_s
 *     warn              clock, percent | before_s, elapsed_s, target_s
 *     breach            clock, target_s, elapsed_s, after_s (only when > 0)
 *     escalate          level
 *     notify            to, message
 *     route, assign     to
 *     set               field, value (the engine's JSON value)
 *     require, review   name (the clock), target_s, deadline?
 *     emit              name, args (the engine's JSON array)
 *     reject            reason
 *     close             -
 *
 * Details decided here:
 *   - `at` and `deadline` are RFC 3339 UTC with milliseconds (timestamp.h).
 *   - Durations are integer seconds, rounded down (floor, also below zero).
 *   - `rule` is "FILE:LINE" with FILE the source name the image carries, then
 *     "#LABEL" when the rule has a label ("service.slate:42#vip_alert"); labels are
 *     identifiers, so splitting at the last '#' is safe.  A decision that no rule
 *     made (rule_line 0: a reject) names the policy file alone ("service.slate").
 *   - `id` is always a JSON string: an integer id given by the sender comes back
 *     as its decimal digits.
 *   - A missing string member renders as null rather than breaking the shape.
 *   - emit's name is taken from `field` (as set's is), or from `to` if the engine
 *     put it there.
 *   - Strings are escaped by jsonstr.h, the escaper the engine's fragments and
 *     the log's `args` use too: per RFC 8259, `"` and `\`, \b \f \n \r \t, other
 *     control characters and DEL as \u00XX, U+2028/U+2029 as \u2028/\u2029 (so
 *     the line is also a valid JavaScript literal), and invalid UTF-8 replaced by
 *     U+FFFD, one per maximal ill-formed subpart, so the output is always valid
 *     UTF-8.
 */
#include <stdint.h>
#include <string.h>

#include "decision_json.h"
#include "jsonstr.h"
#include "program.h"
#include "slate.h"
#include "timestamp.h"

/* A bounded writer that keeps counting past the end, like snprintf. */
typedef struct jw {
    char *buf;
    size_t size; /* capacity including the NUL */
    size_t n;    /* bytes needed so far */
} jw;

static void put_slow(jw *w, const char *s, size_t len)
{
    if (w->n < w->size) {
        size_t room = w->size - 1 - w->n;
        memcpy(w->buf + w->n, s, len < room ? len : room);
    }
    w->n += len;
}

/* The common case inline: the whole piece fits. */
static inline void put(jw *w, const char *s, size_t len)
{
    if (w->n + len < w->size) {
        memcpy(w->buf + w->n, s, len);
        w->n += len;
    } else {
        put_slow(w, s, len);
    }
}

/* A string literal, its length known at compile time. */
#define PUTL(w, lit) put((w), (lit), sizeof(lit) - 1)

static void puts_(jw *w, const char *s)
{
    put(w, s, strlen(s));
}

static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
                                     "25262728293031323334353637383940414243444546474849"
                                     "50515253545556575859606162636465666768697071727374"
                                     "75767778798081828384858687888990919293949596979899";

/* The decimal digits of u, written backwards ending at `end`; returns the
 * start.  Two digits a step, in 32 bits once the value fits. */
static inline char *digits_back(char *end, uint64_t u)
{
    while (u > UINT32_MAX) {
        unsigned r = (unsigned)(u % 100);
        u /= 100;
        end -= 2;
        memcpy(end, digit_pairs + 2 * r, 2);
    }
    uint32_t v = (uint32_t)u;
    while (v >= 100) {
        uint32_t q = v / 100;
        unsigned r = v - q * 100;
        v = q;
        end -= 2;
        memcpy(end, digit_pairs + 2 * r, 2);
    }
    if (v >= 10) {
        end -= 2;
        memcpy(end, digit_pairs + 2 * v, 2);
    } else {
        *--end = (char)('0' + v);
    }
    return end;
}

static void put_int(jw *w, int64_t v)
{
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char tmp[48];
    char *s = digits_back(tmp + 24, u);
    if (v < 0) *--s = '-';
    size_t n = (size_t)(tmp + 24 - s);
    if (w->n + 24 < w->size) {
        /* the usual case: a fixed-size copy (the bytes past n are written over
         * later or lie past the end) */
        memcpy(w->buf + w->n, s, 24);
        w->n += n;
        return;
    }
    put(w, s, n);
}

/* A non-negative count (seq, event) through its memo: the digits of the last
 * one again, or incremented in place when it is one more. */
static inline void count_update(dj_count *c, uint64_t v)
{
    if (v != c->v || !c->len) {
        size_t i = 0;
        if (v == c->v + 1 && c->len) {
            i = c->len;
            while (i > 0 && c->text[i - 1] == '9') c->text[--i] = '0';
            if (i > 0) c->text[i - 1]++;
        }
        if (i == 0) { /* none yet, not one more, or all nines */
            char tmp[24];
            char *s = digits_back(tmp + sizeof tmp, v);
            c->len = (size_t)(tmp + sizeof tmp - s);
            memcpy(c->text, s, c->len);
        }
        c->v = v;
    }
}

static void put_count(jw *w, uint64_t v, dj_count *c)
{
    if (v > INT64_MAX) { /* as put_int writes it */
        put_int(w, (int64_t)v);
        return;
    }
    count_update(c, v);
    if (w->n + sizeof c->text < w->size) {
        memcpy(w->buf + w->n, c->text, sizeof c->text); /* fixed size; the rest is written over */
        w->n += c->len;
    } else {
        put(w, c->text, c->len);
    }
}

/* The JSON escape of s[0..len), without quotes (jsonstr.h). */
static inline void put_esc(jw *w, const char *s, size_t len)
{
    size_t room = w->n < w->size ? w->size - 1 - w->n : 0;
    w->n += jstr_escape(room ? w->buf + w->n : NULL, room, s, len);
}

static inline void put_str(jw *w, const char *s, size_t len)
{
    /* case and event ids are mostly short and plain: no call */
    if (len - 4 <= 12 && w->n + 18 < w->size && jstr_copy_short(w->buf + w->n + 1, s, len)) {
        w->buf[w->n] = '"';
        w->buf[w->n + 1 + len] = '"';
        w->n += len + 2;
        return;
    }
    PUTL(w, "\"");
    put_esc(w, s, len);
    PUTL(w, "\"");
}

/* ,"key": (k a string literal) */
#define key(w, k) PUTL((w), ",\"" k "\":")

/* The slot of a program string or rule. */
static inline dj_text *text_slot(dj_text *slots, const char *key, uint32_t line)
{
    uint64_t k = ((uint64_t)(uintptr_t)key ^ (uint64_t)line << 32) * 0x9E3779B97F4A7C15u;
    return &slots[k >> (64 - 6)];
}

/* Does s lie in the memo's program's string table? */
static inline int in_strtab(const dj_memo *m, const char *s)
{
    return (uintptr_t)s - m->lo < m->span;
}

/* Copy a slot's text (a fixed-size copy when there is room). */
static inline void put_text(jw *w, const dj_text *t)
{
    if (w->n + DJ_TEXT < w->size) {
        memcpy(w->buf + w->n, t->text, DJ_TEXT); /* the rest is written over */
        w->n += t->len;
    } else {
        put(w, t->text, t->len);
    }
}

/* Finish filling a slot from its rendering in fw. */
static void text_done(dj_text *t, const jw *fw)
{
    t->len = fw->n < DJ_TEXT ? (uint32_t)fw->n : UINT32_MAX;
}

/* The slot of program string s, filled. */
static inline const dj_text *str_slot(dj_memo *m, const char *s)
{
    dj_text *t = text_slot(m->str, s, 0);
    if (t->key != s || !t->len) {
        jw fw = {t->text, DJ_TEXT, 0};
        put_str(&fw, s, strlen(s));
        t->key = s;
        text_done(t, &fw);
    }
    return t;
}

static void vstr(jw *w, const char *s, dj_memo *m)
{
    if (!s) {
        PUTL(w, "null");
        return;
    }
    if (in_strtab(m, s)) {
        const dj_text *t = str_slot(m, s);
        if (t->len != UINT32_MAX) {
            put_text(w, t);
            return;
        }
    }
    put_str(w, s, strlen(s));
}

/* The instant as "..." (RFC 3339); the usual years written in place. */
static void vtime(jw *w, int64_t ms, ts_memo *tm)
{
    if (ms == tm->ms && w->n + 26 < w->size) { /* the instant last written here */
        w->buf[w->n] = '"';
        memcpy(w->buf + w->n + 1, tm->text, 24);
        w->buf[w->n + 25] = '"';
        w->n += 26;
        return;
    }
    if (w->n + TS_FORMAT_MAX + 2 < w->size) {
        w->buf[w->n] = '"';
        size_t n = ts_format_memo(ms, w->buf + w->n + 1, tm);
        w->buf[w->n + 1 + n] = '"';
        w->n += n + 2;
        return;
    }
    char t[TS_FORMAT_MAX + 1];
    size_t n = ts_format_memo(ms, t, tm);
    PUTL(w, "\"");
    put(w, t, n);
    PUTL(w, "\"");
}

/* The members, by key (a string literal). */
#define kstr(w, k, s) (key(w, k), vstr((w), (s), m))
#define kint(w, k, v) (key(w, k), put_int((w), (v)))
#define ksec(w, k, ms) kint(w, k, civil_floor_div((ms), 1000))
#define ktime(w, k, ms, tm) (key(w, k), vtime((w), (ms), (tm)))
/* A member the engine already rendered as JSON; `dflt` when it gave none. */
#define kraw(w, k, json, dflt) (key(w, k), puts_((w), (json) ? (json) : (dflt)))

/* The memo's `"FILE` of program p. */
/* The memo's `"FILE` of program p, and where p's strings lie. */
static void memo_file(dj_memo *m, const slate_program *p)
{
    const char *file = prog_str(p, p->source);
    jw fw = {m->file, sizeof m->file, 0};
    PUTL(&fw, "\"");
    put_esc(&fw, file, strlen(file));
    m->file_len = fw.n < sizeof m->file ? fw.n : SIZE_MAX;
    m->prog = p;
    if (m->texts) {
        size_t end = 0;
        for (uint32_t i = 0; i < p->nstrings; i++) {
            size_t e = (size_t)p->strings[i].off + p->strings[i].len + 1;
            if (e > end) end = e;
        }
        m->lo = (uintptr_t)p->strtab;
        m->span = end;
    }
}

/* What follows the file in `rule`: ":LINE", "#LABEL", the closing quote. */
static void rule_tail(jw *w, uint32_t line, const char *label)
{
    if (line) {
        PUTL(w, ":");
        put_int(w, line);
    }
    if (label) {
        PUTL(w, "#");
        put_esc(w, label, strlen(label));
    }
    PUTL(w, "\"");
}

/* The slot of a rule's tail (label NULL or a program string), filled. */
static inline const dj_text *rule_slot(dj_memo *m, const char *label, uint32_t line)
{
    dj_text *t = text_slot(m->rule, label, line);
    if (t->key != label || t->line != line || !t->len) {
        jw fw = {t->text, DJ_TEXT, 0};
        rule_tail(&fw, line, label);
        t->key = label;
        t->line = line;
        text_done(t, &fw);
    }
    return t;
}

static void rule(jw *w, const slate_decision *d, dj_memo *m)
{
    key(w, "rule");
    const slate_program *p = d->program;
    if (!p) {
        PUTL(w, "null");
        return;
    }
    if (p != m->prog) memo_file(m, p);
    if (m->file_len < DJ_FILE_MAX / 2 && w->n + DJ_FILE_MAX / 2 < w->size) {
        memcpy(w->buf + w->n, m->file, DJ_FILE_MAX / 2); /* fixed size; the rest is written over */
        w->n += m->file_len;
    } else if (m->file_len != SIZE_MAX) {
        put(w, m->file, m->file_len);
    } else {
        const char *file = prog_str(p, p->source);
        PUTL(w, "\"");
        put_esc(w, file, strlen(file));
    }
    const char *label = d->rule_label && d->rule_label[0] ? d->rule_label : NULL;
    if (m->texts && (!label || in_strtab(m, label))) {
        const dj_text *t = rule_slot(m, label, d->rule_line);
        if (t->len != UINT32_MAX) {
            put_text(w, t);
            return;
        }
    }
    rule_tail(w, d->rule_line, label);
}

/* The `action` members, padded to a fixed size for a fixed-size copy. */
#define ACTION_TEXT 32
static const struct {
    char json[ACTION_TEXT];
    size_t len;
} action_json[] = {
#define X(id, name) {",\"action\":\"" name "\"", sizeof(name) + 11},
    SLATE_ACTIONS(X)
#undef X
};

/* The memo's scalars; the text slots only when `texts`. */
static void memo_start(dj_memo *m, int texts)
{
    m->prog = NULL;
    m->file_len = 0;
    ts_memo_init(&m->at);
    ts_memo_init(&m->deadline);
    memset(&m->seq, 0, sizeof m->seq);
    memset(&m->event, 0, sizeof m->event);
    m->texts = texts;
    m->lo = m->span = 0; /* no string is the program's until memo_file */
    if (texts) {
        memset(m->str, 0, sizeof m->str);
        memset(m->rule, 0, sizeof m->rule);
    }
}

void dj_memo_init(dj_memo *m)
{
    memo_start(m, 1);
}

size_t slate_decision_json(const slate_decision *d, char *buf, size_t size)
{
    dj_memo m; /* a one-off: its text slots are left alone */
    memo_start(&m, 0);
    return dj_render(d, d->seq, buf, size, &m);
}

/* ---- the fast path -------------------------------------------------------------
 * The usual decision with room to spare: the same pieces written through a bare
 * pointer, no room checked piece by piece.  FAST_ROOM bounds every piece but the
 * case and event ids (at most 6 bytes a byte escaped: JSTR_MAX_GROWTH), fixed-size
 * copies' spill included: seq and event 20 digits each, `at` and `deadline` and
 * `since` 30 bytes, the file and a rule tail and each program string DJ_TEXT or
 * DJ_FILE_MAX / 2, a few integers: under 600 in all for the longest action.  A
 * member of no such bound (a string not the program's or too long for its slot,
 * sla's targets, set's value, emit's args) is measured first and needs room for
 * itself and FAST_ROOM more.  Without it (or for a file name or rule the memo
 * cannot hold) render_fast gives up, returning SIZE_MAX, and dj_render writes
 * the decision again the checked way.  What it changed in the memo then is what
 * the checked way finds there: the memo only holds renderings of its keys. */
#define FAST_ROOM 1024
#define FAST_ID_MAX 256

#define FL(o, lit) (memcpy((o), (lit), sizeof(lit) - 1), (o) += sizeof(lit) - 1)

static inline char *f_int(char *o, int64_t v)
{
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char tmp[48];
    char *s = digits_back(tmp + 24, u);
    if (v < 0) *--s = '-';
    memcpy(o, s, 24); /* fixed size; the rest is written over */
    return o + (tmp + 24 - s);
}

static inline char *f_count(char *o, uint64_t v, dj_count *c)
{
    if (v > INT64_MAX) return f_int(o, (int64_t)v); /* as put_int writes it */
    count_update(c, v);
    memcpy(o, c->text, sizeof c->text);
    return o + c->len;
}

static inline char *f_time(char *o, int64_t ms, ts_memo *tm)
{
    *o = '"';
    if (ms == tm->ms) {
        memcpy(o + 1, tm->text, 24);
        o[25] = '"';
        return o + 26;
    }
    size_t n = ts_format_memo(ms, o + 1, tm);
    o[1 + n] = '"';
    return o + n + 2;
}

/* A case or event id, quoted and escaped (room: JSTR_MAX_GROWTH bytes a byte). */
static inline char *f_id(char *o, const char *s, size_t len)
{
    *o = '"';
    size_t n = len;
    if (!(len - 4 <= 12 && jstr_copy_short(o + 1, s, len)))
        n = jstr_escape(o + 1, JSTR_MAX_GROWTH * len, s, len);
    o[1 + n] = '"';
    return o + n + 2;
}

/* Is there room at o for `need` bytes and then FAST_ROOM more?  (The fixed
 * pieces of a decision, written or not, take less than FAST_ROOM.) */
static inline int f_room(const char *o, const char *end, size_t need)
{
    size_t left = (size_t)(end - o);
    return left >= FAST_ROOM && left - FAST_ROOM >= need;
}

/* A string member: a program string through its slot, another escaped here;
 * NULL when there is no room for it. */
static inline char *f_str(char *o, const char *end, const char *s, dj_memo *m)
{
    if (!s) {
        FL(o, "null");
        return o;
    }
    if (in_strtab(m, s)) {
        const dj_text *t = str_slot(m, s);
        if (t->len != UINT32_MAX) {
            memcpy(o, t->text, DJ_TEXT); /* the rest is written over */
            return o + t->len;
        }
    }
    size_t len = strlen(s);
    if (len > (size_t)(end - o) / (2 * JSTR_MAX_GROWTH) || !f_room(o, end, JSTR_MAX_GROWTH * len + 2))
        return NULL;
    *o = '"';
    size_t n = jstr_escape(o + 1, JSTR_MAX_GROWTH * len, s, len);
    o[1 + n] = '"';
    return o + n + 2;
}

/* A member the engine rendered as JSON (`dflt` when it gave none); NULL when
 * there is no room for it. */
static inline char *f_raw(char *o, const char *end, const char *json, const char *dflt)
{
    const char *s = json ? json : dflt;
    size_t len = strlen(s);
    if (!f_room(o, end, len)) return NULL;
    memcpy(o, s, len);
    return o + len;
}

#define FKEY(o, k) FL(o, ",\"" k "\":")
#define FSTR(o, k, s) \
    do { \
        FKEY(o, k); \
        if (!((o) = f_str((o), end, (s), m))) return SIZE_MAX; \
    } while (0)
#define FRAW(o, k, json, dflt) \
    do { \
        FKEY(o, k); \
        if (!((o) = f_raw((o), end, (json), (dflt)))) return SIZE_MAX; \
    } while (0)
#define FSEC(o, k, ms) (FKEY(o, k), (o) = f_int((o), civil_floor_div((ms), 1000)))

static size_t render_fast(const slate_decision *d, uint64_t seq, char *buf, size_t size,
                          dj_memo *m)
{
    if ((unsigned)d->action >= SLATE_A__COUNT) return SIZE_MAX;
    size_t clen = d->case_id ? d->case_len : 0, ilen = d->event_id ? d->event_id_len : 0;
    const slate_program *p = d->program;
    if (clen > FAST_ID_MAX || ilen > FAST_ID_MAX || !p ||
        size < FAST_ROOM + JSTR_MAX_GROWTH * (clen + ilen))
        return SIZE_MAX;
    if (p != m->prog) memo_file(m, p);
    if (m->file_len >= DJ_FILE_MAX / 2) return SIZE_MAX;
    const char *label = d->rule_label && d->rule_label[0] ? d->rule_label : NULL;
    if (label && !in_strtab(m, label)) return SIZE_MAX;
    const dj_text *rt = rule_slot(m, label, d->rule_line);
    if (rt->len == UINT32_MAX) return SIZE_MAX;

    char *o = buf;
    const char *end = buf + size;
    FL(o, "{\"seq\":");
    o = f_count(o, seq, &m->seq);
    FKEY(o, "at");
    o = f_time(o, d->at, &m->at);
    if (d->case_id) {
        FKEY(o, "case");
        o = f_id(o, d->case_id, d->case_len);
    }
    memcpy(o, action_json[d->action].json, ACTION_TEXT);
    o += action_json[d->action].len;
    FKEY(o, "rule");
    memcpy(o, m->file, DJ_FILE_MAX / 2); /* fixed size; the rest is written over */
    o += m->file_len;
    memcpy(o, rt->text, DJ_TEXT);
    o += rt->len;
    if (d->event_seq) {
        FKEY(o, "event");
        o = f_count(o, d->event_seq, &m->event);
    }
    if (d->event_id) {
        FKEY(o, "id");
        o = f_id(o, d->event_id, d->event_id_len);
    }

    switch (d->action) {
    case SLATE_A_SLA:
        FSTR(o, "tier", d->tier);
        FRAW(o, "targets", d->targets, "[]");
        break;
    case SLATE_A_START:
    case SLATE_A_RESUME:
        FSTR(o, "clock", d->clock);
        FSEC(o, "target_s", d->target_ms);
        if (d->deadline != INT64_MIN) {
            FKEY(o, "deadline");
            o = f_time(o, d->deadline, &m->deadline);
        }
        if (d->retroactive && d->action == SLATE_A_START) {
            FL(o, ",\"retroactive\":true");
            FKEY(o, "since");
            o = f_time(o, d->since, &m->deadline);
            FSEC(o, "elapsed_s", d->elapsed_ms);
        }
        break;
    case SLATE_A_PAUSE:
        FSTR(o, "clock", d->clock);
        FSEC(o, "elapsed_s", d->elapsed_ms);
        break;
    case SLATE_A_STOP:
        FSTR(o, "clock", d->clock);
        if (d->met) FL(o, ",\"met\":true");
        else FL(o, ",\"met\":false");
        FSEC(o, "elapsed_s", d->elapsed_ms);
        FSEC(o, "target_s", d->target_ms);
        if (d->breached_ms) {
            FL(o, ",\"breached\":true");
            FSEC(o, "breach_target_s", d->breached_ms);
        }
        break;
    case SLATE_A_WARN:
        FSTR(o, "clock", d->clock);
        if (d->percent > 0) {
            FKEY(o, "percent");
            o = f_int(o, d->percent);
        } else {
            FSEC(o, "before_s", d->before_ms);
        }
        FSEC(o, "elapsed_s", d->elapsed_ms);
        FSEC(o, "target_s", d->target_ms);
        break;
    case SLATE_A_BREACH:
        FSTR(o, "clock", d->clock);
        FSEC(o, "target_s", d->target_ms);
        FSEC(o, "elapsed_s", d->elapsed_ms);
        if (d->after_ms > 0) FSEC(o, "after_s", d->after_ms);
        break;
    case SLATE_A_ESCALATE:
        FSTR(o, "level", d->to);
        break;
    case SLATE_A_NOTIFY:
        FSTR(o, "to", d->to);
        FSTR(o, "message", d->message);
        break;
    case SLATE_A_ROUTE:
    case SLATE_A_ASSIGN:
        FSTR(o, "to", d->to);
        break;
    case SLATE_A_SET:
        FSTR(o, "field", d->field);
        FRAW(o, "value", d->value, "null");
        break;
    case SLATE_A_REQUIRE:
    case SLATE_A_REVIEW:
        FSTR(o, "name", d->clock);
        FSEC(o, "target_s", d->target_ms);
        if (d->deadline != INT64_MIN) {
            FKEY(o, "deadline");
            o = f_time(o, d->deadline, &m->deadline);
        }
        break;
    case SLATE_A_EMIT:
        FSTR(o, "name", d->field ? d->field : d->to);
        FRAW(o, "args", d->value, "[]");
        break;
    case SLATE_A_REJECT:
        FSTR(o, "reason", d->message);
        break;
    case SLATE_A_CLOSE:
    default:
        break;
    }
    *o++ = '}';
    *o = '\0';
    return (size_t)(o - buf);
}

size_t dj_render(const slate_decision *d, uint64_t seq, char *buf, size_t size, dj_memo *m)
{
    if (m->texts && size >= FAST_ROOM) {
        size_t n = render_fast(d, seq, buf, size, m);
        if (n != SIZE_MAX) return n;
    }
    jw w = {buf, size, 0};
    PUTL(&w, "{\"seq\":");
    put_count(&w, seq, &m->seq);
    ktime(&w, "at", d->at, &m->at);
    if (d->case_id) {
        key(&w, "case");
        put_str(&w, d->case_id, d->case_len);
    }
    if ((unsigned)d->action < SLATE_A__COUNT) {
        if (w.n + ACTION_TEXT < w.size) {
            memcpy(w.buf + w.n, action_json[d->action].json, ACTION_TEXT);
            w.n += action_json[d->action].len;
        } else {
            put(&w, action_json[d->action].json, action_json[d->action].len);
        }
    } else {
        key(&w, "action");
        PUTL(&w, "null");
    }
    rule(&w, d, m);
    if (d->event_seq) {
        key(&w, "event");
        put_count(&w, d->event_seq, &m->event);
    }
    if (d->event_id) {
        key(&w, "id");
        put_str(&w, d->event_id, d->event_id_len);
    }

    switch (d->action) {
    case SLATE_A_SLA:
        kstr(&w, "tier", d->tier);
        kraw(&w, "targets", d->targets, "[]");
        break;
    case SLATE_A_START:
    case SLATE_A_RESUME:
        kstr(&w, "clock", d->clock);
        ksec(&w, "target_s", d->target_ms);
        if (d->deadline != INT64_MIN) ktime(&w, "deadline", d->deadline, &m->deadline);
        if (d->retroactive && d->action == SLATE_A_START) {
            key(&w, "retroactive");
            PUTL(&w, "true");
            ktime(&w, "since", d->since, &m->deadline);
            ksec(&w, "elapsed_s", d->elapsed_ms);
        }
        break;
    case SLATE_A_PAUSE:
        kstr(&w, "clock", d->clock);
        ksec(&w, "elapsed_s", d->elapsed_ms);
        break;
    case SLATE_A_STOP:
        kstr(&w, "clock", d->clock);
        key(&w, "met");
        if (d->met) PUTL(&w, "true");
        else PUTL(&w, "false");
        ksec(&w, "elapsed_s", d->elapsed_ms);
        ksec(&w, "target_s", d->target_ms);
        if (d->breached_ms) {
            key(&w, "breached");
            PUTL(&w, "true");
            ksec(&w, "breach_target_s", d->breached_ms);
        }
        break;
    case SLATE_A_WARN:
        kstr(&w, "clock", d->clock);
        if (d->percent > 0) kint(&w, "percent", d->percent);
        else ksec(&w, "before_s", d->before_ms);
        ksec(&w, "elapsed_s", d->elapsed_ms);
        ksec(&w, "target_s", d->target_ms);
        break;
    case SLATE_A_BREACH:
        kstr(&w, "clock", d->clock);
        ksec(&w, "target_s", d->target_ms);
        ksec(&w, "elapsed_s", d->elapsed_ms);
        if (d->after_ms > 0) ksec(&w, "after_s", d->after_ms);
        break;
    case SLATE_A_ESCALATE:
        kstr(&w, "level", d->to);
        break;
    case SLATE_A_NOTIFY:
        kstr(&w, "to", d->to);
        kstr(&w, "message", d->message);
        break;
    case SLATE_A_ROUTE:
    case SLATE_A_ASSIGN:
        kstr(&w, "to", d->to);
        break;
    case SLATE_A_SET:
        kstr(&w, "field", d->field);
        kraw(&w, "value", d->value, "null");
        break;
    case SLATE_A_REQUIRE:
    case SLATE_A_REVIEW:
        kstr(&w, "name", d->clock);
        ksec(&w, "target_s", d->target_ms);
        if (d->deadline != INT64_MIN) ktime(&w, "deadline", d->deadline, &m->deadline);
        break;
    case SLATE_A_EMIT:
        kstr(&w, "name", d->field ? d->field : d->to);
        kraw(&w, "args", d->value, "[]");
        break;
    case SLATE_A_REJECT:
        kstr(&w, "reason", d->message);
        break;
    case SLATE_A_CLOSE:
    default:
        break;
    }
    PUTL(&w, "}");
    if (size) buf[w.n < size ? w.n : size - 1] = '\0';
    return w.n;
}
