/*
 * test_reopen.c - closed cases that come back (`reopen within D`,
 * docs/semantics.md section 8): policies compiled from text, events pushed,
 * the exact decisions asserted: the reopening within the period, the reasons
 * before and past it, expiry after twice the period, the size of a closed
 * case against an open one, strict mode, string sweeps, snapshots (a round
 * trip, and every byte of the closed records mutated) and hot swap.
 *
 * Not here: the syntax and its diagnostics (tests/golden: sem_reopen.slate,
 * sem_reopen_name.slate, syn_reopen.slate; tests/fmt/reopen.slate), the image
 * section (test_bytecode.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "slate.h"
#include "slatec.h"
#include "snapshot.h"
#include "testutil.h"
#include "timestamp.h"

/* ---- a policy, an engine, events ------------------------------------------------ */

static slate_program *compile(const char *src)
{
    return tu_compile_ok("r.slate", src);
}

/* "2025-03-10T10:00Z" or with seconds: UTC ms */
static int64_t at(const char *when)
{
    char full[40], why[80];
    int64_t ms;
    size_t n = strlen(when);
    /* RFC 3339 wants seconds: add ":00" to "HH:MMZ" */
    if (n == 17) snprintf(full, sizeof full, "%.16s:00Z", when);
    else snprintf(full, sizeof full, "%s", when);
    if (ts_parse_rfc3339(full, strlen(full), &ms, why, sizeof why)) fail_msg("%s: %s", when, why);
    return ms;
}

typedef struct run {
    slate_program *p;
    slate_engine *e;
    cap c;
    uint64_t seq;
} run;

static run *start_opts(const char *src, int strict)
{
    run *r = calloc(1, sizeof *r);
    r->p = compile(src);
    slate_engine_opts o = SLATE_ENGINE_OPTS_INIT;
    o.strict = strict;
    r->e = slate_engine_new(r->p, &o);
    assert_non_null(r->e);
    return r;
}
#define start(src, tolerance) start_opts((src), 0)
#define start_strict(src) start_opts((src), 1)

static void finish(run *r)
{
    slate_engine_free(r->e);
    slate_program_free(r->p);
    free(r);
}

/* Push `type` for case `id` at `when` with "field=value" arguments (enum values
 * by name, strings as written), NULL-terminated. */
static int ev_(run *r, const char *type, const char *id, const char *when, ...)
{
    slate_value v[4];
    size_t n = 0;
    va_list ap;
    va_start(ap, when);
    for (const char *kv; n < 4 && (kv = va_arg(ap, const char *));) {
        const char *eq = strchr(kv, '=');
        char name[32];
        snprintf(name, sizeof name, "%.*s", (int)(eq - kv), kv);
        int f = slate_program_field_id(r->p, name);
        if (f < 0) fail_msg("no field `%s`", name);
        v[n] = (slate_value){f, 0, NULL, 0};
        if (slate_program_field_type(r->p, f) == SLATE_T_ENUM)
            v[n].i = slate_program_enum_value(r->p, f, eq + 1);
        else
            v[n].s = eq + 1, v[n].len = strlen(eq + 1);
        n++;
    }
    va_end(ap);
    int type_id = slate_program_event_id(r->p, type);
    if (type_id < 0) fail_msg("no event `%s`", type);
    slate_event ev = {id, strlen(id), type_id, at(when), NULL, 0, v, n, ++r->seq};
    return slate_engine_push(r->e, &ev, sink, &r->c);
}
#define EV(r, type, id, when, ...) ev_((r), (type), (id), (when), ##__VA_ARGS__, (const char *)NULL)

static void advance(run *r, const char *when)
{
    assert_int_equal(slate_engine_advance(r->e, at(when), sink, &r->c), SLATE_OK);
}

/* ---- the tests ------------------------------------------------------------------ */

/* `reopen within 7d` (docs/semantics.md, "Reopening"): a closed case comes back
 * on `reopened` with its fields, level and the clocks a resolution stops; other
 * events for it are rejected with the close named; past the period the reason
 * says so; past twice the period the record is gone. */
static const char *const reopener =
    "policy \"r\" version \"1\"\n"
    "case { tier: enum { std, vip }  note: string }\n"
    "levels { agent, lead }\n"
    "clock response starts on opened stops on responded\n"
    "clock resolution starts on opened stops on resolved\n"
    "ladder l { at breach of resolution escalate to lead; notify desk \"late\" }\n"
    "sla vip when tier == vip { response within 15m; resolution within 4h; ladder l }\n"
    "sla std { response within 2h; resolution within 1d; ladder l }\n"
    "reopen within 7d\n"
    "on reopened when note == \"x\" { notify desk \"back\" }\n";

static void closed_then_reopened(run *r)
{
    EV(r, "opened", "c1", "2025-03-10T10:00Z", "tier=vip", "note=x");
    EV(r, "responded", "c1", "2025-03-10T10:05Z");
    EV(r, "resolved", "c1", "2025-03-10T11:00Z");
    EV(r, "closed", "c1", "2025-03-10T12:00Z");
}

static void test_reopen_closed_case(void **state)
{
    (void)state;
    run *r = start(reopener, 0);
    closed_then_reopened(r);
    assert_int_equal(slate_engine_open_cases(r->e), 0);
    r->c.n = 0;
    EV(r, "responded", "c1", "2025-03-10T13:00Z");
    EXPECT(&r->c, "03-10T13:00 c1 reject case `c1` is closed (at 2025-03-10T12:00:00.000Z); "
                  "`reopened` brings it back until 2025-03-17T12:00:00.000Z");
    /* back with its tier (an `sla`, as at `opened`), the resolution resumed with
     * its 1h kept, the response left met, the note kept for the rule */
    EV(r, "reopened", "c1", "2025-03-11T10:00Z");
    EXPECT(&r->c,
           "03-11T10:00 c1 sla vip [{\"clock\":\"response\",\"target_s\":900},{\"clock\":\"resolution\",\"target_s\":14400}]",
           "03-11T10:00 c1 resume resolution dl=03-11T13:00",
           "03-11T10:00 c1 notify desk \"back\"");
    assert_int_equal(slate_engine_open_cases(r->e), 1);
    advance(r, "2025-03-11T13:00Z");
    EXPECT(&r->c, "03-11T13:00 c1 breach resolution", "03-11T13:00 c1 escalate lead",
           "03-11T13:00 c1 notify desk \"late\"");
    /* closed again: the breach and the level come back with it (nothing fires
     * twice) */
    EV(r, "resolved", "c1", "2025-03-11T14:00Z");
    EV(r, "closed", "c1", "2025-03-11T15:00Z");
    r->c.n = 0;
    EV(r, "reopened", "c1", "2025-03-12T09:00Z");
    EXPECT(&r->c,
           "03-12T09:00 c1 sla vip [{\"clock\":\"response\",\"target_s\":900},{\"clock\":\"resolution\",\"target_s\":14400}]",
           "03-12T09:00 c1 resume resolution",
           "03-12T09:00 c1 notify desk \"back\"");
    EV(r, "resolved", "c1", "2025-03-12T10:00Z");
    EXPECT(&r->c, "03-12T10:00 c1 stop resolution missed el=21600s breached=14400s");
    EV(r, "closed", "c1", "2025-03-12T11:00Z");
    /* past the period: the reason names the close */
    r->c.n = 0;
    EV(r, "reopened", "c1", "2025-03-20T11:00Z");
    EXPECT(&r->c, "03-20T11:00 c1 reject case `c1` was closed at 2025-03-12T11:00:00.000Z, 8d "
                  "ago: past its reopen period of 7d (it ended 2025-03-19T11:00:00.000Z)");
    /* past twice the period: forgotten */
    EV(r, "reopened", "c1", "2025-03-26T11:01Z");
    EXPECT(&r->c, "03-26T11:01 c1 reject unknown case `c1`");
    assert_int_equal(r->e->closed.count, 0);
    /* `opened` for a closed id opens a new case and forgets the old */
    EV(r, "opened", "c3", "2025-03-26T12:00Z", "tier=vip");
    EV(r, "closed", "c3", "2025-03-26T12:10Z");
    assert_int_equal(r->e->closed.count, 1);
    EV(r, "opened", "c3", "2025-03-26T12:20Z", "tier=std");
    assert_int_equal(r->e->closed.count, 0);
    finish(r);
}

/* Closed records expire once the watermark passes twice the period, whatever
 * event moves it; the memory they hold is far below an open case's. */
static void test_reopen_expiry_and_size(void **state)
{
    (void)state;
    run *r = start(reopener, 0);
    enum { N = 20000 };
    char id[32];
    size_t m0 = slate_engine_memory_used(r->e);
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, "INC%07d", i);
        EV(r, "opened", id, "2025-03-10T10:00Z", "tier=std", "note=x");
        r->c.n = 0;
    }
    EV(r, "opened", "keep", "2025-03-10T10:00Z", "tier=std");
    slate_engine_trim(r->e);
    size_t m_open = slate_engine_memory_used(r->e);
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, "INC%07d", i);
        EV(r, "resolved", id, "2025-03-10T11:00Z");
        EV(r, "closed", id, "2025-03-10T11:30Z");
        r->c.n = 0;
    }
    assert_int_equal(r->e->closed.count, N);
    slate_engine_trim(r->e);
    size_t m_closed = slate_engine_memory_used(r->e);
    double per_open = (double)(m_open - m0) / N, per_closed = (double)(m_closed - m0) / N;
    /* the store's structures as measured, and the records alone */
    double rec = (double)(r->e->closed.len - r->e->closed.head) / N;
    print_message("open case %.0f B, closed case %.0f B (record %.1f B, table %.1f B)\n",
                  per_open, per_closed, rec,
                  (double)(r->e->closed.tabmask + 1) * 4 / N);
    assert_true(per_closed * 2 < per_open);
    r->c.n = 0;
    EV(r, "updated", "keep", "2025-03-24T11:30Z", "note=y"); /* exactly 2 x 7d: kept */
    assert_int_equal(r->e->closed.count, N);
    EV(r, "updated", "keep", "2025-03-24T11:30:01Z", "note=z");
    assert_int_equal(r->e->closed.count, 0);
    assert_int_equal(r->e->closed.len, 0);
    /* and the memory comes back at a trim */
    slate_engine_trim(r->e);
    assert_true(slate_engine_memory_used(r->e) < m0 + 4096);
    finish(r);
}

/* The string fields of closed cases outlive a sweep of unused strings: a case
 * brought back after thousands of other strings came and went has its own. */
static void test_reopen_keeps_strings(void **state)
{
    (void)state;
    char *src = malloc(strlen(reopener) + 64);
    strcpy(src, reopener);
    strcat(src, "on reopened as echo { emit back(note) }\n");
    run *r = start(src, 0);
    free(src);
    char id[32], note[32];
    for (int i = 0; i < 6000; i++) {
        snprintf(id, sizeof id, "c%d", i);
        snprintf(note, sizeof note, "note=n%d", i);
        EV(r, "opened", id, "2025-03-10T10:00Z", "tier=std", note);
        EV(r, i % 2 ? "closed" : "resolved", id, "2025-03-10T10:00Z");
        if (i % 2 == 0) EV(r, "closed", id, "2025-03-10T10:00Z");
        r->c.n = 0;
    }
    slate_engine_trim(r->e); /* a sweep: no open case holds any of the notes */
    EV(r, "reopened", "c4321", "2025-03-11T10:00Z");
    assert_string_equal(r->c.lines[r->c.n - 1], "03-11T10:00 c4321 emit back [\"n4321\"]");
    finish(r);
}

/* A snapshot carries the closed cases: the restored engine reopens one as the
 * original does. */
static void test_reopen_snapshot_round_trip(void **state)
{
    (void)state;
    run *a = start(reopener, 0), *b = start(reopener, 0);
    closed_then_reopened(a);
    EV(a, "opened", "c2", "2025-03-10T12:30Z", "tier=std");
    EV(a, "closed", "c2", "2025-03-10T12:40Z");
    void *snap = NULL;
    size_t len = 0;
    assert_int_equal(slate_engine_snapshot(a->e, &snap, &len), SLATE_OK);
    assert_int_equal(slate_engine_restore(b->e, snap, len), SLATE_OK);
    assert_int_equal(b->e->closed.count, 2);
    b->seq = a->seq;
    a->c.n = b->c.n = 0;
    EV(a, "reopened", "c1", "2025-03-11T10:00Z");
    EV(b, "reopened", "c1", "2025-03-11T10:00Z");
    EV(a, "reopened", "c2", "2025-03-18T12:41Z");
    EV(b, "reopened", "c2", "2025-03-18T12:41Z");
    assert_int_equal(a->c.n, b->c.n);
    assert_true(a->c.n >= 4);
    for (int i = 0; i < a->c.n; i++) assert_string_equal(a->c.lines[i], b->c.lines[i]);

    /* every byte of the closed records changed, the frame made true again: the
     * restore refuses it or makes an engine that works */
    size_t from = len - SN_TAIL > 120 ? len - SN_TAIL - 120 : SN_HEAD;
    unsigned char *m = malloc(len);
    int refused = 0, accepted = 0;
    for (size_t at = from; at < len - SN_TAIL; at++)
        for (int k = 0; k < 4; k++) {
            memcpy(m, snap, len);
            unsigned char was = m[at];
            m[at] = k == 0 ? 0 : k == 1 ? 0xff : k == 2 ? was ^ 1 : (unsigned char)(was + 1);
            if (m[at] == was) continue;
            for (int i = 0; i < 8; i++) m[SN_OFF_LENGTH + i] = (unsigned char)((uint64_t)len >> (8 * i));
            uint64_t c = sn_checksum(m, len - SN_TAIL);
            for (int i = 0; i < 8; i++) m[len - SN_TAIL + i] = (unsigned char)(c >> (8 * i));
            run *t = start(reopener, 0);
            int rc = slate_engine_restore(t->e, m, len);
            assert_true(rc == SLATE_OK || rc == SLATE_ERROR);
            if (rc == SLATE_OK) {
                accepted++;
                t->seq = a->seq;
                EV(t, "reopened", "c1", "2025-03-11T10:00Z");
                EV(t, "reopened", "c2", "2025-03-11T10:00Z");
                advance(t, "2025-03-30T10:00Z");
                void *s2;
                size_t l2;
                assert_int_equal(slate_engine_snapshot(t->e, &s2, &l2), SLATE_OK);
                slate_free(s2);
            } else {
                refused++;
            }
            finish(t);
        }
    assert_true(refused > 0 && accepted > 0);
    free(m);
    free(snap);
    finish(a);
    finish(b);
}

/* A hot swap carries closed cases over by name (the new program's field and
 * clock order differ), under the new period; a program without `reopen` drops
 * them. */
static void test_reopen_across_hot_swap(void **state)
{
    (void)state;
    run *r = start(reopener, 0);
    closed_then_reopened(r);
    EV(r, "opened", "c2", "2025-03-10T12:10Z", "tier=std");
    EV(r, "closed", "c2", "2025-03-10T12:20Z");
    /* fields and clocks declared in another order, a longer period */
    char *src = strdup(reopener);
    char *f = strstr(src, "case { tier: enum { std, vip }  note: string }");
    memcpy(f, "case { note: string  tier: enum { std, vip } }", 46);
    char *w = strstr(src, "within 7d");
    memcpy(w, "within 9d", 9);
    char *ex = strstr(src, "clock response starts on opened stops on responded\n");
    const char *resp = "clock response starts on opened stops on responded\n";
    const char *reso = "clock resolution starts on opened stops on resolved\n";
    size_t lr = strlen(resp), ls = strlen(reso);
    memcpy(ex, reso, ls);
    memcpy(ex + ls, resp, lr);
    slate_program *q = compile(src);
    free(src);
    r->c.n = 0;
    assert_int_equal(slate_engine_swap(r->e, q, sink, &r->c), SLATE_OK);
    EXPECT(&r->c, NULL); /* closed cases decide nothing at a swap */
    assert_int_equal(r->e->closed.count, 2);
    EV(r, "reopened", "c1", "2025-03-18T13:00Z"); /* past 7d, within 9d */
    EXPECT(&r->c,
           "03-18T13:00 c1 sla vip [{\"clock\":\"resolution\",\"target_s\":14400},{\"clock\":\"response\",\"target_s\":900}]",
           "03-18T13:00 c1 resume resolution dl=03-18T16:00",
           "03-18T13:00 c1 notify desk \"back\"");
    /* a program without `reopen` forgets closed cases */
    slate_program *z = compile("policy \"z\" version \"1\"\n"
                               "case { tier: enum { std, vip }  note: string }\n"
                               "clock resolution starts on opened stops on resolved\n"
                               "sla s { resolution within 1d }\n");
    assert_int_equal(slate_engine_swap(r->e, z, sink, &r->c), SLATE_OK);
    assert_int_equal(r->e->closed.count, 0);
    r->c.n = 0;
    EV(r, "reopened", "c2", "2025-03-18T13:10Z");
    EXPECT(&r->c, "03-18T13:10 c2 reject unknown case `c2`");
    slate_engine_free(r->e);
    r->e = NULL;
    slate_program_free(q);
    slate_program_free(z);
    finish(r);
}

/* Strict mode: a case brought back keeps what it had been given before the
 * close; a field never given is still missing. */
static void test_reopen_strict(void **state)
{
    (void)state;
    run *r = start_strict(reopener);
    EV(r, "opened", "c1", "2025-03-10T10:00Z", "tier=vip", "note=x");
    EV(r, "opened", "c2", "2025-03-10T10:00Z", "tier=vip");
    EV(r, "closed", "c1", "2025-03-10T11:00Z");
    EV(r, "closed", "c2", "2025-03-10T11:00Z");
    r->c.n = 0;
    EV(r, "reopened", "c1", "2025-03-10T12:00Z");
    assert_int_equal(r->c.n, 2); /* its clocks were running at the close: not kept */
    assert_non_null(strstr(r->c.lines[0], "c1 sla vip"));
    assert_string_equal(r->c.lines[1], "03-10T12:00 c1 notify desk \"back\"");
    r->c.n = 0;
    EV(r, "reopened", "c2", "2025-03-10T12:00Z");
    EXPECT(&r->c, "03-10T12:00 c2 reject missing field `note`, which the policy reads (strict: "
                  "it has no value yet)");
    finish(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reopen_closed_case),
        cmocka_unit_test(test_reopen_expiry_and_size),
        cmocka_unit_test(test_reopen_keeps_strings),
        cmocka_unit_test(test_reopen_snapshot_round_trip),
        cmocka_unit_test(test_reopen_across_hot_swap),
        cmocka_unit_test(test_reopen_strict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
