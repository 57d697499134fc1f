/*
 * harness.c - the fuzz targets' bodies (see harness.h).
 *
 * Compiled twice: with libFuzzer into build/fuzz/fuzz_* by `make fuzz`, and
 * included by tests/unit/test_fuzz_regress.c, which replays the regression
 * corpus in `make test`.  A broken invariant prints "fuzz: ..." and aborts.
 *
 * The engine is driven by a small PRNG seeded from the input's bytes, so an
 * input always makes the same events: a crash found by the frontend or load
 * target replays exactly from the file alone.
 */
#include "harness.h"

#include <nettle/sha2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "disasm.h"
#include "events.h"
#include "fmt.h"
#include "image.h"
#include "load.h"
#include "parse.h"
#include "program.h"
#include "runner.h"
#include "slate.h"
#include "snapshot.h"
#include "slatec.h"
#include "timestamp.h"
#include "vm.h"

static void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* Diagnostics are produced (their formatting is code under test) but dropped. */
static FILE *sink_file(void)
{
    static FILE *null;
    if (!null) null = fopen("/dev/null", "w");
    if (!null) fz_fail("cannot open /dev/null");
    return null;
}

/* ---- a deterministic event driver ---------------------------------------- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
    /* splitmix64 */
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t seed_of(const uint8_t *data, size_t size)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < size; i++) h = (h ^ data[i]) * 1099511628211ull;
    return h;
}

typedef struct drive_state {
    uint64_t last_seq;
    char *json;
    size_t cap;
} drive_state;

/* Every decision: numbered gap-free, renders as JSON of the length it claims. */
static int drive_sink(void *ud, const slate_decision *d)
{
    drive_state *s = ud;
    if (d->seq != s->last_seq + 1)
        fz_fail("decision seq %llu after %llu", (unsigned long long)d->seq,
                (unsigned long long)s->last_seq);
    s->last_seq = d->seq;
    if ((unsigned)d->action >= SLATE_A__COUNT) fz_fail("decision action %d", (int)d->action);
    size_t need = slate_decision_json(d, s->json, s->cap);
    if (need >= s->cap) {
        char *nj = realloc(s->json, need + 1);
        if (!nj) fz_fail("out of memory");
        s->json = nj;
        s->cap = need + 1;
        if (slate_decision_json(d, s->json, s->cap) != need) fz_fail("decision json length changed");
    }
    if (strlen(s->json) != need) fz_fail("decision json has a NUL inside or a wrong length");
    if (need < 2 || s->json[0] != '{' || s->json[need - 1] != '}')
        fz_fail("decision json is not an object: %s", s->json);
    return 0;
}

static const char *const case_ids[] = {"c1", "c2", "c-3", "\xc3\xa9", ""};
static const char *const strings[] = {"", "x", "nobody", "night \"shift\"\n", "\xff\xfe"};
static const int64_t ints[] = {0, 1, -1, 2, 3, 4, 5, 42, INT64_MAX, INT64_MIN, 1000000};

/* Push `n` synthetic events of program `p` through a new engine, then advance
 * a month, swap the program for itself and advance again.  Every call must
 * succeed: the events are well-formed, so SLATE_MISUSE would be an engine bug. */
static void drive(const slate_program *p, uint64_t seed, int n)
{
    rng r = {seed};
    slate_engine_opts o = SLATE_ENGINE_OPTS_INIT;
    o.tolerance_ms = (int64_t)(rng_next(&r) % 3) * 60000;
    o.max_jump_ms = -1; /* the drive ends with jumps of a month and a year */
    slate_engine *e = slate_engine_new(p, &o);
    if (!e) fz_fail("slate_engine_new failed");
    drive_state st = {0, NULL, 0};
    slate_value vals[4];
    int64_t at = 1735689600000; /* 2025-01-01T00:00:00Z */
    int nevents = (int)p->nevents;
    int tick = slate_program_event_id(p, "tick");
    for (int i = 0; i < n && nevents > 0; i++) {
        slate_event ev;
        memset(&ev, 0, sizeof ev);
        ev.type = (int)(rng_next(&r) % (uint64_t)nevents);
        if (i < 2) ev.type = slate_program_event_id(p, "opened");
        if (ev.type < 0) ev.type = 0;
        const char *cid = case_ids[rng_next(&r) % (sizeof case_ids / sizeof *case_ids)];
        if (ev.type != tick) {
            ev.case_id = cid;
            ev.case_len = strlen(cid);
        }
        uint64_t step = rng_next(&r) % 8;
        at += step == 0 ? -60000 : step < 4 ? (int64_t)(rng_next(&r) % 3600000)
                                            : (int64_t)(rng_next(&r) % (3 * 86400000ll));
        ev.at = at;
        ev.seq = (uint64_t)i + 1;
        size_t nv = p->nfields ? rng_next(&r) % 5 : 0;
        for (size_t k = 0; k < nv; k++) {
            slate_value *v = &vals[k];
            memset(v, 0, sizeof *v);
            v->field = (int)(rng_next(&r) % p->nfields);
            const char *s;
            switch (slate_program_field_type(p, v->field)) {
            case SLATE_T_BOOL: v->i = (int64_t)(rng_next(&r) & 1); break;
            case SLATE_T_STRING:
                s = strings[rng_next(&r) % (sizeof strings / sizeof *strings)];
                v->s = s;
                v->len = strlen(s);
                break;
            case SLATE_T_ENUM: v->i = (int64_t)(rng_next(&r) % (p->fields[v->field].nvalues + 1));
                if (v->i >= (int64_t)p->fields[v->field].nvalues) v->i = 0;
                break;
            case SLATE_T_DURATION: v->i = (int64_t)(rng_next(&r) % (7 * 86400000ll)); break;
            default: v->i = ints[rng_next(&r) % (sizeof ints / sizeof *ints)]; break;
            }
        }
        ev.values = vals;
        ev.nvalues = nv;
        int rc = slate_engine_push(e, &ev, drive_sink, &st);
        if (rc != SLATE_OK) fz_fail("push %d: %s (%s)", i, slate_errstr(rc), slate_errmsg(e));
    }
    int rc = slate_engine_advance(e, at + 31 * 86400000ll, drive_sink, &st);
    if (rc != SLATE_OK) fz_fail("advance: %s (%s)", slate_errstr(rc), slate_errmsg(e));
    rc = slate_engine_swap(e, p, drive_sink, &st);
    if (rc != SLATE_OK) fz_fail("swap: %s (%s)", slate_errstr(rc), slate_errmsg(e));
    rc = slate_engine_advance(e, at + 400 * 86400000ll, drive_sink, &st);
    if (rc != SLATE_OK) fz_fail("advance after swap: %s (%s)", slate_errstr(rc), slate_errmsg(e));
    if (slate_engine_decisions(e) != st.last_seq) fz_fail("decision count differs from the sink's");
    slate_engine_free(e);
    free(st.json);
}

/* ---- frontend: text -> ... -> engine ------------------------------------- */

int fz_frontend(const uint8_t *data, size_t size)
{
    slatec_opts o = SLATEC_OPTS_INIT;
    o.diag = sink_file();
    slate_program *p = NULL;
    uint8_t *img = NULL;
    size_t len = 0;
    const char *src = data ? (const char *)data : ""; /* NULL would mean "read the file" */
    int rc = slatec_compile(&o, "fuzz.slate", src, size, &p, &img, &len);
    if (rc == SLATE_NOMEM) fz_fail("the compiler ran out of memory on %zu bytes", size);
    if (rc == SLATE_ERROR && o.errors == 0) fz_fail("compiling failed without an error");
    if (rc == SLATE_OK && o.errors) fz_fail("compiling passed with %d errors", o.errors);
    if (rc != SLATE_OK && rc != SLATE_ERROR) fz_fail("compiling returned %d", rc);
    if (rc == SLATE_OK) {
        /* The program is the one loaded from these bytes: so is a second load. */
        slate_program *q = NULL;
        if (slate_program_load(img, len, &q, NULL) != SLATE_OK) fz_fail("the compiled image does not load");
        if (strcmp(slate_program_hash(p), slate_program_hash(q))) fz_fail("the program is not the image's");
        slate_program_free(q);
        slatec_disasm(p, len, sink_file());
        drive(p, seed_of(data, size), 48);
        slate_program_free(p);
        free(img);
    }
    return 0;
}

/* ---- load: image bytes -> loader -> VM and engine ------------------------ */

static int act(void *ud, const vm_instr *ins, const int64_t *regs, uint32_t rule)
{
    (void)ud, (void)ins, (void)regs, (void)rule;
    return 0;
}

/* When the last byte is odd the length field and the trailing hash are fixed
 * up first, so the decoder and verifier proper see the bytes (the hash would
 * refuse almost every input otherwise). */
int fz_load(const uint8_t *data, size_t size)
{
    uint8_t *img = malloc(size ? size : 1);
    if (!img) return 0;
    memcpy(img, data, size);
    if (size >= IMG_HEADER_LEN + IMG_HASH_LEN && (img[size - 1] & 1)) {
        img_put32(img + 16, (uint32_t)size);
        struct sha256_ctx h;
        sha256_init(&h);
        sha256_update(&h, size - IMG_HASH_LEN, img);
        sha256_digest(&h, IMG_HASH_LEN, img + size - IMG_HASH_LEN);
    }
    slate_program *p;
    char err[256] = "";
    if (load_image(img, size, &p, err, sizeof err)) {
        if (!err[0]) fz_fail("image refused without a message");
        char *perr = NULL;
        slate_program *q = NULL;
        if (slate_program_load(img, size, &q, &perr) == SLATE_OK)
            fz_fail("slate_program_load accepts what load_image refuses: %s", err);
        if (!perr || !perr[0]) fz_fail("slate_program_load refused without a message");
        slate_free(perr);
    } else {
        int64_t *f = calloc(p->nfields + 1, sizeof *f), *ids = calloc(p->nstrings + 1, sizeof *ids);
        int64_t *r = calloc(p->nregs + 1, sizeof *r), level = 0;
        if (!f || !ids || !r) fz_fail("out of memory");
        vm_host h = {f, &level, ids, act, NULL};
        vm_run(p, p->select, &h, r);
        for (uint32_t e = 0; e < p->nevents; e++)
            if (p->events[e].rules != PROG_NO_CODE) vm_run(p, p->events[e].rules, &h, r);
        for (uint32_t c = 0; c < p->nclocks; c++)
            if (p->clocks[c].pause_while != PROG_NO_CODE) vm_run(p, p->clocks[c].pause_while, &h, r);
        for (uint32_t s = 0; s < p->nsteps; s++)
            if (p->steps[s].code != PROG_NO_CODE) vm_run(p, p->steps[s].code, &h, r);
        free(f);
        free(ids);
        free(r);
        dis_program(p, size, sink_file());
        drive(p, seed_of(data, size), 32);
        slate_program_free(p);
    }
    free(img);
    return 0;
}

/* ---- events: JSON Lines -> reader -> runner, on a fixed policy ----------- */

static const char events_policy[] =
    "policy \"fuzz\" version \"1\"\n"
    "calendar business { zone \"Europe/Paris\" hours mon-fri 09:00-12:00, 13:00-18:00 closed 2025-12-25 }\n"
    "case { tier: enum { vip, high, medium, low } kind: enum { request, complaint, incident }\n"
    "       complex: bool waiting: bool score: int agent: string budget: duration }\n"
    "levels { agent, specialist, supervisor, manager }\n"
    "events { analysed, handled }\n"
    "clock response starts on opened stops on responded\n"
    "clock resolution starts on opened stops on resolved, closed pauses on paused resumes on resumed\n"
    "      pauses while waiting or score < 0 resets on reopened\n"
    "ladder standard {\n"
    "  at 50% of resolution notify assignee \"half\"\n"
    "  at 10m before breach of response notify assignee \"soon\"\n"
    "  at breach of response escalate to specialist; notify supervisor \"late\"\n"
    "  at breach of resolution + 4h escalate to manager\n"
    "}\n"
    "sla vip when tier == vip { response within 15m on always; resolution within 4h; ladder standard }\n"
    "sla complaint when kind in (complaint, incident) and not complex {\n"
    "  response within 2h on business; resolution within 2 working days on business; ladder standard }\n"
    "sla default { response within 24h on business; resolution within 48h on business }\n"
    "on opened when kind == complaint as intake { route complaint_desk; require analysed within 2h on business }\n"
    "on opened when complex or agent == \"nobody\" { escalate to specialist; notify customer \"4-8 hours\" }\n"
    "on surveyed when score <= 2 { open review within 1 working day on business }\n"
    "on updated when not complex { set budget = 2h; emit touched(tier, score, level, agent, budget) }\n";

/* The snapshot target's second program: closed cases kept for `reopen`,
 * calendars chosen by a field (`on business[region]`) with open dates. */
static const char reopen_policy[] =
    "policy \"fuzz-reopen\" version \"1\"\n"
    "calendar business[americas] { zone \"America/New_York\" hours mon-fri 09:00-17:00\n"
    "  closed 2025-12-24..2025-12-26 open 2025-12-27 10:00-12:00 }\n"
    "calendar business[emea] { zone \"Europe/London\" hours mon-fri 09:00-12:00, 13:00-17:00\n"
    "  open 2025-12-28 }\n"
    "case { region: enum { americas, emea } priority: enum { low, high } }\n"
    "events { returned }\n"
    "clock response starts on opened stops on responded\n"
    "clock resolution starts on opened stops on resolved pauses on paused resumes on resumed\n"
    "sla high when priority == high { response within 1h on business[region];\n"
    "  resolution within 1 working day on business[region] }\n"
    "sla low { response within 4h on business[region]; resolution within 8h }\n"
    "reopen on returned within 30d\n";

static slate_program *events_prog, *reopen_prog;

static const slate_program *compile_once(slate_program **slot, const char *src, size_t len)
{
    if (*slot) return *slot;
    slatec_opts o = SLATEC_OPTS_INIT;
    o.diag = stderr;
    if (slatec_compile(&o, "fuzz.slate", src, len, slot, NULL, NULL) != SLATE_OK)
        fz_fail("a fuzz target's policy does not compile");
    return *slot;
}

static const slate_program *events_program(void)
{
    return compile_once(&events_prog, events_policy, sizeof events_policy - 1);
}

/* The first byte picks --strict and the tolerance; the rest is the stream. */
int fz_events(const uint8_t *data, size_t size)
{
    const slate_program *p = events_program();
    int strict = size && (data[0] & 1);
    slate_engine_opts o = SLATE_ENGINE_OPTS_INIT;
    o.tolerance_ms = size && (data[0] & 2) ? 300000 : 0;
    if (size) data++, size--;
    runner run;
    if (runner_init(&run, p, &o, NULL, NULL, NULL)) fz_fail("runner_init: %s", run.err);
    ev_reader *rd = ev_reader_new(p, strict);
    ev_result *res = malloc(sizeof *res);
    if (!rd || !res) fz_fail("out of memory");
    uint64_t events = 0, rejected = 0;
    const char *s = (const char *)data, *end = s + size;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
        ev_status st = ev_parse_line(rd, s, n, res);
        if (st == EV_REJECT) {
            rejected++;
            if (!res->reason[0]) fz_fail("line %llu rejected without a reason",
                                         (unsigned long long)res->line);
            if (memchr(res->reason, '\n', strlen(res->reason)))
                fz_fail("reason holds a newline: %s", res->reason);
        } else if (st != EV_OK && st != EV_BLANK) {
            fz_fail("ev_parse_line returned %d", (int)st);
        }
        if (st != EV_BLANK) {
            events++;
            if (res->ev.seq != events) fz_fail("seq %llu, expected %llu",
                                               (unsigned long long)res->ev.seq,
                                               (unsigned long long)events);
            if (runner_feed(&run, res)) fz_fail("runner_feed: %s", run.err);
        }
        s += n + 1;
    }
    /* 90 days on, within the instants the engine takes (years 0000-9999); a
     * stream that set no time has nothing to advance from. */
    int64_t now = slate_engine_now(run.eng), later = 90 * 86400000ll;
    if (now != INT64_MIN &&
        runner_advance(&run, now <= TS_MAX_MS - later ? now + later : TS_MAX_MS))
        fz_fail("runner_advance: %s", run.err);
    ev_stats stats = ev_reader_stats(rd);
    if (stats.events != events || stats.rejected != rejected)
        fz_fail("reader stats disagree: %llu/%llu events, %llu/%llu rejected",
                (unsigned long long)stats.events, (unsigned long long)events,
                (unsigned long long)stats.rejected, (unsigned long long)rejected);
    runner_release(&run);
    ev_reader_free(rd);
    free(res);
    return 0;
}

/* ---- snapshot: bytes -> slate_engine_restore, on the events target's policy */

/* A snapshot of the events policy around a body: the header (magic, version,
 * length, the program's hash) and the checksum, so the decoder itself sees the
 * bytes (the checksum would refuse almost every input otherwise). */
static uint8_t *frame_body(const slate_program *p, const uint8_t *body, size_t n, size_t *len)
{
    *len = SN_HEAD + n + SN_TAIL;
    uint8_t *b = calloc(*len, 1);
    if (!b) fz_fail("out of memory");
    memcpy(b, SN_MAGIC, 8);
    b[8] = (uint8_t)SN_VERSION;
    for (int i = 0; i < 8; i++) b[SN_OFF_LENGTH + i] = (uint8_t)((uint64_t)*len >> (8 * i));
    memcpy(b + SN_OFF_HASH, p->hash, 32);
    if (n) memcpy(b + SN_HEAD, body, n);
    uint64_t c = sn_checksum(b, *len - SN_TAIL);
    for (int i = 0; i < 8; i++) b[*len - SN_TAIL + i] = (uint8_t)(c >> (8 * i));
    return b;
}

/* An engine a snapshot made: its own snapshot restores to the same bytes, and it
 * takes events, time (a push may be refused only for a jump past the snapshot's
 * limit) and a swap. */
static void check_restored(const slate_program *p, const slate_engine_opts *o, slate_engine *e,
                           uint64_t seed)
{
    void *img = NULL, *again = NULL;
    size_t len = 0, len2 = 0;
    if (slate_engine_snapshot(e, &img, &len)) fz_fail("snapshot of a restored engine failed");
    slate_engine *n = slate_engine_new(p, o);
    if (!n) fz_fail("slate_engine_new failed");
    if (slate_engine_restore(n, img, len))
        fz_fail("a restored engine's snapshot is refused: %s", slate_errmsg(n));
    if (slate_engine_snapshot(n, &again, &len2)) fz_fail("snapshot failed");
    if (len != len2 || memcmp(img, again, len)) fz_fail("snapshot, restore, snapshot: other bytes");
    slate_free(img);
    slate_free(again);
    slate_engine_free(n);
    rng r = {seed};
    drive_state st = {slate_engine_decisions(e), NULL, 0};
    int64_t now = slate_engine_now(e);
    int64_t at = now == INT64_MIN ? 1735689600000 : now;
    for (int i = 0; i < 24; i++) {
        slate_event ev;
        memset(&ev, 0, sizeof ev);
        ev.type = (int)(rng_next(&r) % p->nevents);
        const char *cid = case_ids[rng_next(&r) % (sizeof case_ids / sizeof *case_ids)];
        if (ev.type != slate_program_event_id(p, "tick")) {
            ev.case_id = cid;
            ev.case_len = strlen(cid);
        }
        at += (int64_t)(rng_next(&r) % 7200000);
        if (at > SLATE_AT_MAX) at = SLATE_AT_MAX;
        ev.at = at;
        ev.seq = (uint64_t)i + 1;
        int rc = slate_engine_push(e, &ev, drive_sink, &st);
        if (rc != SLATE_OK && rc != SLATE_ERROR)
            fz_fail("push after restore: %s (%s)", slate_errstr(rc), slate_errmsg(e));
    }
    now = slate_engine_now(e);
    if (now != INT64_MIN && now <= SLATE_AT_MAX - 86400000ll) {
        int rc = slate_engine_advance(e, now + 86400000ll, drive_sink, &st);
        if (rc != SLATE_OK && rc != SLATE_ERROR) fz_fail("advance after restore: %s", slate_errmsg(e));
    }
    int rc = slate_engine_swap(e, p, drive_sink, &st); /* maps what the snapshot carried */
    if (rc != SLATE_OK) fz_fail("swap after restore: %s (%s)", slate_errstr(rc), slate_errmsg(e));
    if (slate_engine_trim(e)) fz_fail("trim after restore failed");
    free(st.json);
}

/* The first byte picks the form: odd, the rest is a whole snapshot as it is;
 * even, the rest is a body, framed as the program's (frame_body).  Its bit 2
 * gives the engine a tolerance of 5 minutes (so held events restore), bit 4
 * picks the reopen policy instead of the events policy.  A refusal must say
 * why and leave the engine as it was. */
int fz_snapshot(const uint8_t *data, size_t size)
{
    unsigned mode = size ? data[0] : 0;
    const slate_program *p = mode & 4 ? compile_once(&reopen_prog, reopen_policy, sizeof reopen_policy - 1)
                                      : events_program();
    slate_engine_opts o = SLATE_ENGINE_OPTS_INIT;
    o.tolerance_ms = mode & 2 ? 300000 : 0;
    int whole = mode & 1;
    if (size) data++, size--;
    size_t len = size;
    uint8_t *b = whole ? NULL : frame_body(p, data, size, &len);
    const uint8_t *snap = whole ? data : b;
    slate_engine *e = slate_engine_new(p, &o);
    if (!e) fz_fail("slate_engine_new failed");
    int rc = slate_engine_restore(e, snap, len);
    if (rc == SLATE_OK) {
        check_restored(p, &o, e, seed_of(data, size));
    } else {
        if (rc != SLATE_ERROR) fz_fail("restore returned %d: %s", rc, slate_errmsg(e));
        if (strlen(slate_errmsg(e)) < 10) fz_fail("refused without a message");
        if (slate_engine_open_cases(e) || slate_engine_now(e) != INT64_MIN ||
            slate_engine_decisions(e) || slate_engine_pending_timers(e))
            fz_fail("a refused restore changed the engine");
        char h[65];
        if (slate_snapshot_program_hash(snap, len, h) == SLATE_OK && strcmp(h, slate_program_hash(p)) &&
            !strstr(slate_errmsg(e), h))
            fz_fail("another program's snapshot refused without naming it: %s", slate_errmsg(e));
    }
    slate_engine_free(e);
    free(b);
    return 0;
}

/* ---- fmt: canonical text parses to the same tree and is a fixed point ---- */

static char *dump_of(const char *src, size_t len, int *errors)
{
    diag_ctx d;
    diag_init(&d, "fuzz.slate", src, len, sink_file());
    ast_policy *a = parse_policy("fuzz.slate", src, len, &d);
    if (!a) fz_fail("parse_policy ran out of memory");
    *errors = d.errors;
    char *dump = d.errors ? NULL : fmt_ast_dump(a);
    ast_free(a);
    return dump;
}

int fz_fmt(const uint8_t *data, size_t size)
{
    char *out = NULL;
    size_t out_len = 0;
    int rc = fmt_source("fuzz.slate", (const char *)data, size, sink_file(), &out, &out_len);
    int errors;
    char *d0 = dump_of((const char *)data, size, &errors);
    if (rc == 3) fz_fail("fmt: internal failure (the result does not parse back)");
    if (rc == 1) {
        if (!errors) fz_fail("fmt refused a source the parser accepts");
        if (out) fz_fail("fmt refused but returned text");
    } else if (rc == 0) {
        if (errors) fz_fail("fmt formatted a source with %d syntax errors", errors);
        /* A comment may hold any byte but newline, NUL included, and fmt keeps
         * comments as written: so the length, not strlen, is the contract. */
        if (!out || out[out_len] != '\0') fz_fail("fmt result is not NUL-terminated");
        int errors1;
        char *d1 = dump_of(out, out_len, &errors1);
        if (errors1) fz_fail("fmt output does not parse:\n%s", out);
        if (strcmp(d0, d1)) fz_fail("fmt output parses to another tree:\n%s", out);
        char *out2 = NULL;
        size_t out2_len = 0;
        if (fmt_source("fuzz.slate", out, out_len, sink_file(), &out2, &out2_len))
            fz_fail("fmt refuses its own output:\n%s", out);
        if (out2_len != out_len || memcmp(out, out2, out_len))
            fz_fail("fmt is not idempotent:\n%s\n----\n%s", out, out2);
        free(out2);
        free(d1);
    } else {
        fz_fail("fmt returned %d", rc);
    }
    free(d0);
    free(out);
    return 0;
}

void fz_teardown(void)
{
    slate_program_free(events_prog);
    slate_program_free(reopen_prog);
    events_prog = reopen_prog = NULL;
}
