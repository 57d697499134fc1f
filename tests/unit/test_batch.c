/*
 * test_batch.c - slate_engine_push_batch is n calls of slate_engine_push (slate.h):
 *
 *   - on `slate gen` traffic for the reference policy, with rejects mixed in
 *     (unknown cases, events too late, cases opened twice), pushed in batches of
 *     many sizes beside an engine fed one push at a time: after every batch the
 *     same decisions so far (JSON, byte for byte), and at the end the same
 *     engine (snapshots equal);
 *   - the same with a tolerance, events shuffled within it, so that many are
 *     held and applied by later events of the batch or by a later batch;
 *   - an error in the middle (SLATE_MISUSE, SLATE_ERROR, SLATE_SINK): the batch
 *     stops at that event, *done says which, the error is the push's, and
 *     going on from there ends where the pushes end;
 *   - most of the cases closed in one stream, so that the store gives records
 *     back and moves them between the batch's prefetch and its use;
 *   - a sink calling it on its own engine is refused; bad arguments.
 *
 * Not here: how fast it is (bench/capi.c: capi-batch, scale-batch).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "cli.h"
#include "events.h"
#include "slate.h"
#include "testutil.h"

#define MIN_MS (INT64_C(60) * 1000)
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS (24 * HOUR_MS)

/* ---- event lists ------------------------------------------------------------------ */

/* Events whose strings the list owns (each in its own block, in mem). */
typedef struct evlist {
    slate_event *v;
    size_t n, cap;
    void **mem;
    size_t nmem, capmem;
} evlist;

static const void *keep(evlist *l, const void *p, size_t n)
{
    if (!p) return NULL;
    if (l->nmem == l->capmem) {
        l->capmem = l->capmem ? l->capmem * 2 : 1024;
        l->mem = realloc(l->mem, sizeof *l->mem * l->capmem);
        assert_non_null(l->mem);
    }
    void *c = malloc(n ? n : 1);
    assert_non_null(c);
    memcpy(c, p, n);
    return l->mem[l->nmem++] = c;
}

static void add(evlist *l, slate_event e)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 1024;
        l->v = realloc(l->v, sizeof *l->v * l->cap);
        assert_non_null(l->v);
    }
    l->v[l->n++] = e;
}

/* Append a copy of e that owns its strings. */
static void add_copy(evlist *l, const slate_event *e)
{
    slate_event c = *e;
    c.case_id = keep(l, e->case_id, e->case_len);
    c.id = keep(l, e->id, e->id_len);
    if (e->nvalues) {
        slate_value *v = (slate_value *)keep(l, e->values, sizeof *v * e->nvalues);
        for (size_t i = 0; i < e->nvalues; i++)
            if (v[i].s) v[i].s = keep(l, v[i].s, v[i].len);
        c.values = v;
    }
    add(l, c);
}

static void evlist_free(evlist *l)
{
    for (size_t i = 0; i < l->nmem; i++) free(l->mem[i]);
    free(l->mem);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* `slate gen --seed SEED --cases CASES`, read with the CLI's event reader. */
static void generate(const slate_program *p, const char *seed, const char *cases, evlist *l)
{
    char path[] = "/tmp/slate-batch-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char *argv[] = {"gen", "--seed", (char *)seed, "--cases", (char *)cases, "-o", path, NULL};
    assert_int_equal(cmd_gen(7, argv), 0);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    ev_reader *rd = ev_reader_new(p, 0);
    ev_result *res = malloc(sizeof *res);
    assert_non_null(rd);
    assert_non_null(res);
    for (ev_status st; (st = ev_next(rd, f, res)) != EV_EOF;) {
        assert_int_not_equal(st, EV_IOERR);
        assert_int_equal(st, EV_OK);
        add_copy(l, &res->ev);
    }
    free(res);
    ev_reader_free(rd);
    fclose(f);
    unlink(path);
    assert_true(l->n > 1000);
}

static slate_program *reference(void)
{
    char *src = tu_slurp("policies/service-2025.slate");
    assert_non_null(src);
    slate_program *p = tu_compile_ok("policies/service-2025.slate", src);
    free(src);
    return p;
}

/* The generated events with rejects mixed in: now and then a copy for a case
 * never opened, a copy two days late, and an `opened` again of its case. */
static void with_rejects(const slate_program *p, const evlist *in, evlist *out)
{
    int opened = slate_program_event_id(p, "opened");
    for (size_t i = 0; i < in->n; i++) {
        add_copy(out, &in->v[i]);
        slate_event e = in->v[i];
        if (i % 37 == 5) {
            e.case_id = "no-such-case";
            e.case_len = strlen(e.case_id);
            add_copy(out, &e);
        } else if (i % 53 == 7) {
            e.at -= 2 * DAY_MS;
            add_copy(out, &e);
        } else if (i % 61 == 9 && e.case_id) {
            e.type = opened;
            e.nvalues = 0;
            add_copy(out, &e);
        }
    }
}

/* ---- runs side by side -------------------------------------------------------------- */

static slate_engine *engine(const slate_program *p, int64_t tol)
{
    slate_engine_opts o = SLATE_ENGINE_OPTS_INIT;
    o.tolerance_ms = tol;
    slate_engine *e = slate_engine_new(p, &o);
    assert_non_null(e);
    return e;
}

static void assert_same_state(slate_engine *a, slate_engine *b)
{
    void *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    assert_int_equal(slate_engine_snapshot(a, &x, &nx), SLATE_OK);
    assert_int_equal(slate_engine_snapshot(b, &y, &ny), SLATE_OK);
    assert_int_equal(nx, ny);
    assert_memory_equal(x, y, nx);
    slate_free(x);
    slate_free(y);
}

/* Batch sizes the runs cycle through: single events, sizes about the prefetch
 * distances, and large ones. */
static const size_t sizes[] = {1, 2, 3, 5, 8, 9, 16, 17, 100, 255, 1000, 4};

/* Push evs one at a time into `one` and in batches into `bat`; after each batch
 * the decisions, the held events and the time must agree.  Returns the most
 * events held at once. */
static size_t side_by_side(slate_engine *one, slate_engine *bat, const evlist *l,
                           tu_transcript *ta, tu_transcript *tb)
{
    size_t held = 0, k = 0;
    for (size_t j = 0; j < l->n; k++) {
        size_t m = sizes[k % (sizeof sizes / sizeof sizes[0])];
        if (m > l->n - j) m = l->n - j;
        for (size_t i = j; i < j + m; i++)
            if (slate_engine_push(one, &l->v[i], tu_record, ta) != SLATE_OK)
                fail_msg("push %zu: %s", i, slate_errmsg(one));
        size_t done = 12345;
        int rc = slate_engine_push_batch(bat, l->v + j, m, tu_record, tb, &done);
        if (rc != SLATE_OK) fail_msg("batch at %zu: %s", j, slate_errmsg(bat));
        assert_int_equal(done, m);
        char what[64];
        snprintf(what, sizeof what, "after events [%zu, %zu)", j, j + m);
        if (ta->len || tb->len) tu_assert_same(ta, tb, what); /* (no text yet: NULL) */
        assert_int_equal(slate_engine_decisions(one), slate_engine_decisions(bat));
        assert_int_equal(slate_engine_buffered(one), slate_engine_buffered(bat));
        assert_int_equal(slate_engine_open_cases(one), slate_engine_open_cases(bat));
        assert_true(slate_engine_watermark(one) == slate_engine_watermark(bat));
        if (slate_engine_buffered(bat) > held) held = slate_engine_buffered(bat);
        j += m;
    }
    return held;
}

static void test_generated_traffic_with_rejects(void **state)
{
    (void)state;
    slate_program *p = reference();
    evlist gen = {0}, l = {0};
    generate(p, "5", "700", &gen);
    with_rejects(p, &gen, &l);
    slate_engine *one = engine(p, 0), *bat = engine(p, 0);
    tu_transcript ta = {0}, tb = {0};
    side_by_side(one, bat, &l, &ta, &tb);
    assert_true(tb.n > 5000);
    assert_true(tb.rejects > 100); /* every kind of reject above, and the stream's own */
    assert_same_state(one, bat);
    fprintf(stderr, "  %zu events, %llu decisions (%llu rejects), as pushed one at a time\n", l.n,
            (unsigned long long)tb.n, (unsigned long long)tb.rejects);
    slate_engine_free(one);
    slate_engine_free(bat);
    free(ta.text);
    free(tb.text);
    evlist_free(&gen);
    evlist_free(&l);
    slate_program_free(p);
}

static void test_tolerance_holds_events(void **state)
{
    (void)state;
    slate_program *p = reference();
    evlist gen = {0}, mixed = {0}, l = {0};
    generate(p, "6", "700", &gen);
    with_rejects(p, &gen, &mixed);
    /* arrival order: each event late by up to the tolerance */
    const int64_t tol = 2 * HOUR_MS;
    size_t *order = malloc(sizeof *order * mixed.n);
    assert_non_null(order);
    tu_arrival_order(mixed.v, mixed.n, tol, 99, order);
    for (size_t i = 0; i < mixed.n; i++) add_copy(&l, &mixed.v[order[i]]);
    free(order);

    slate_engine *one = engine(p, tol), *bat = engine(p, tol);
    tu_transcript ta = {0}, tb = {0};
    size_t held = side_by_side(one, bat, &l, &ta, &tb);
    assert_true(held > 20);
    assert_int_equal(slate_engine_flush(one, tu_record, &ta), SLATE_OK);
    assert_int_equal(slate_engine_flush(bat, tu_record, &tb), SLATE_OK);
    tu_assert_same(&ta, &tb, "after the flush");
    assert_same_state(one, bat);
    assert_true(tb.rejects > 50);
    fprintf(stderr, "  up to %zu events held, %llu decisions, as pushed one at a time\n", held,
            (unsigned long long)tb.n);
    slate_engine_free(one);
    slate_engine_free(bat);
    free(ta.text);
    free(tb.text);
    evlist_free(&gen);
    evlist_free(&mixed);
    evlist_free(&l);
    slate_program_free(p);
}

/* ---- errors in the middle -------------------------------------------------------------- */

/* A transcript whose sink refuses the decision numbered `refuse` (1-based), once. */
typedef struct refusing {
    tu_transcript tr;
    uint64_t seen, refuse;
} refusing;

static int refusing_sink(void *ud, const slate_decision *d)
{
    refusing *r = ud;
    tu_tr_add(&r->tr, d);
    return ++r->seen == r->refuse;
}

static void test_stops_at_the_failing_event(void **state)
{
    (void)state;
    slate_program *p = reference();
    evlist gen = {0}, l = {0};
    generate(p, "7", "400", &gen);
    /* the first 2000 events, a malformed one at 777 and one far in the future at 1500 */
    for (size_t i = 0; i < 2000; i++) {
        if (i == 777) {
            slate_event bad = gen.v[i];
            bad.type = 9999;
            add_copy(&l, &bad);
        } else if (i == 1500) {
            slate_event far = gen.v[i];
            far.at += 400 * DAY_MS;
            add_copy(&l, &far);
        } else {
            add_copy(&l, &gen.v[i]);
        }
    }
    slate_engine *one = engine(p, 0), *bat = engine(p, 0);
    refusing ra = {{0}, 0, 0}, rb = {{0}, 0, 0};
    size_t at = 0;
    /* the pushes: OK up to each failing event, which returns its code */
    static const int want[] = {SLATE_MISUSE, SLATE_ERROR, SLATE_SINK};
    for (int round = 0; round < 3; round++) {
        if (round == 2) ra.refuse = rb.refuse = ra.seen + 50; /* the sink's turn */
        size_t stop = at;
        int rc;
        while ((rc = slate_engine_push(one, &l.v[stop], refusing_sink, &ra)) == SLATE_OK) stop++;
        assert_int_equal(rc, want[round]);
        char msg[256];
        snprintf(msg, sizeof msg, "%s", slate_errmsg(one));

        size_t done = 12345;
        rc = slate_engine_push_batch(bat, l.v + at, l.n - at, refusing_sink, &rb, &done);
        assert_int_equal(rc, want[round]);
        assert_int_equal(at + done, stop);
        if (rc != SLATE_SINK) assert_string_equal(slate_errmsg(bat), msg);
        tu_assert_same(&ra.tr, &rb.tr, "at the failing event");
        assert_same_state(one, bat);
        at = stop + 1; /* the caller drops the failing event and goes on */
    }
    assert_true(at > 1501 && at < l.n);
    for (size_t i = at; i < l.n; i++)
        assert_int_equal(slate_engine_push(one, &l.v[i], refusing_sink, &ra), SLATE_OK);
    size_t done = 0;
    assert_int_equal(slate_engine_push_batch(bat, l.v + at, l.n - at, refusing_sink, &rb, &done),
                     SLATE_OK);
    assert_int_equal(done, l.n - at);
    tu_assert_same(&ra.tr, &rb.tr, "after the failures");
    assert_same_state(one, bat);
    /* and with no out-parameter */
    slate_engine *c = engine(p, 0);
    assert_int_equal(slate_engine_push_batch(c, l.v, 777, NULL, NULL, NULL), SLATE_OK);
    assert_int_equal(slate_engine_push_batch(c, l.v + 777, 1, NULL, NULL, NULL), SLATE_MISUSE);
    slate_engine_free(c);
    slate_engine_free(one);
    slate_engine_free(bat);
    free(ra.tr.text);
    free(rb.tr.text);
    evlist_free(&gen);
    evlist_free(&l);
    slate_program_free(p);
}

/* ---- records moving under the prefetch ---------------------------------------------------- */

static void test_store_shrinks_under_a_batch(void **state)
{
    (void)state;
    slate_program *p = reference();
    int opened = slate_program_event_id(p, "opened"), closed = slate_program_event_id(p, "closed");
    int paused = slate_program_event_id(p, "paused");
    int resumed = slate_program_event_id(p, "resumed");
    enum { N = 6000, KEEP = 100 };
    static char ids[N][24];
    evlist o = {0}, l = {0};
    int64_t t = INT64_C(1741593600000);
    uint64_t s = 7;
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof ids[i], "case-%05d", i);
        add(&o, (slate_event){ids[i], strlen(ids[i]), opened, t++, NULL, 0, NULL, 0, i + 1u});
    }
    /* close all but KEEP, each followed by a pause or resume of a random case
     * (often one closed since) */
    for (int i = KEEP; i < N; i++) {
        add(&l, (slate_event){ids[i], strlen(ids[i]), closed, t++, NULL, 0, NULL, 0, 0});
        int c = (int)(tu_rnd(&s) % N);
        add(&l, (slate_event){ids[c], strlen(ids[c]), i % 2 ? paused : resumed, t++, NULL, 0,
                              NULL, 0, 0});
    }
    for (size_t i = 0; i < l.n; i++) l.v[i].seq = N + i + 1;
    slate_engine *one = engine(p, 0), *bat = engine(p, 0);
    tu_transcript ta = {0}, tb = {0};
    side_by_side(one, bat, &o, &ta, &tb);
    size_t peak = slate_engine_memory_used(bat);
    side_by_side(one, bat, &l, &ta, &tb);
    assert_int_equal(slate_engine_open_cases(bat), KEEP);
    /* the store gave pages back (moving the records in them) */
    assert_true(slate_engine_memory_used(bat) < peak / 2);
    assert_true(tb.rejects > 1000); /* the events for closed cases */
    assert_same_state(one, bat);
    slate_engine_free(one);
    slate_engine_free(bat);
    free(ta.text);
    free(tb.text);
    evlist_free(&o);
    evlist_free(&l);
    slate_program_free(p);
}

/* ---- misuse ---------------------------------------------------------------------------------- */

typedef struct inner {
    slate_engine *e;
    const slate_event *ev;
    int tries, refused;
} inner;

static int calling_sink(void *ud, const slate_decision *d)
{
    (void)d;
    inner *x = ud;
    uint64_t before = slate_engine_decisions(x->e);
    size_t open = slate_engine_open_cases(x->e), done = 77;
    x->tries++;
    if (slate_engine_push_batch(x->e, x->ev, 1, calling_sink, x, &done) == SLATE_MISUSE)
        x->refused++;
    assert_int_equal(done, 0);
    assert_non_null(strstr(slate_errmsg(x->e), "slate_engine_push_batch"));
    assert_non_null(strstr(slate_errmsg(x->e), "in progress"));
    assert_int_equal(slate_engine_decisions(x->e), before);
    assert_int_equal(slate_engine_open_cases(x->e), open);
    return 0;
}

static void test_misuse(void **state)
{
    (void)state;
    slate_program *p = reference();
    int opened = slate_program_event_id(p, "opened");
    slate_event evs[2] = {
        {"a", 1, opened, INT64_C(1741593600000), NULL, 0, NULL, 0, 1},
        {"b", 1, opened, INT64_C(1741593660000), NULL, 0, NULL, 0, 2},
    };
    slate_event other = {"x", 1, opened, INT64_C(1741593600000), NULL, 0, NULL, 0, 9};
    slate_engine *e = engine(p, 0);
    inner x = {e, &other, 0, 0};
    size_t done = 5;
    assert_int_equal(slate_engine_push_batch(e, evs, 2, calling_sink, &x, &done), SLATE_OK);
    assert_int_equal(done, 2);
    assert_true(x.tries >= 2); /* each `opened` decides (sla, starts) */
    assert_int_equal(x.refused, x.tries);
    assert_int_equal(slate_engine_open_cases(e), 2); /* not `x` */

    done = 5;
    assert_int_equal(slate_engine_push_batch(NULL, evs, 2, NULL, NULL, &done), SLATE_MISUSE);
    assert_int_equal(done, 0);
    done = 5;
    assert_int_equal(slate_engine_push_batch(e, NULL, 2, NULL, NULL, &done), SLATE_MISUSE);
    assert_int_equal(done, 0);
    assert_non_null(strstr(slate_errmsg(e), "NULL"));
    done = 5;
    assert_int_equal(slate_engine_push_batch(e, NULL, 0, NULL, NULL, &done), SLATE_OK);
    assert_int_equal(done, 0);
    uint64_t d = slate_engine_decisions(e);
    assert_int_equal(slate_engine_push_batch(e, evs, 0, NULL, NULL, &done), SLATE_OK);
    assert_int_equal(slate_engine_decisions(e), d);
    slate_engine_free(e);
    slate_program_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated_traffic_with_rejects),
        cmocka_unit_test(test_tolerance_holds_events),
        cmocka_unit_test(test_stops_at_the_failing_event),
        cmocka_unit_test(test_store_shrinks_under_a_batch),
        cmocka_unit_test(test_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
