/*
 * test_js.c - the JetStream layer (serve/js.h) against a real nats-server that
 * the test starts on 127.0.0.1 and stops (tests/unit/natsrv.h): connecting to a
 * server that is down, the streams' configuration checks, publishing with ids
 * and reading back through a durable consumer and a range, the lease manager
 * (two workers, takeover after expiry, release, the count of live workers),
 * the checkpoint store (blobs over the max payload, a torn save, tampered or
 * missing chunks), headers on messages sent and read, consumer state by name,
 * and small key-value values.  Every
 * wait is bounded.  Skipped when nats-server cannot be found.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "js_int.h"
#include "natsrv.h"

typedef struct fixture {
    natsrv srv;
    sjs_conn *c;
    int up;
} fixture;

static int setup(void **state)
{
    static fixture f;
    memset(&f, 0, sizeof f);
    *state = &f;
    if (natsrv_start(&f.srv)) {
        fprintf(stderr, "test_js: nats-server not found or not started: tests skipped\n");
        return 0;
    }
    sjs_opts o = {.url = f.srv.url, .timeout_ms = 20000, .who = "test_js"};
    sjs_err e;
    if (sjs_connect(&o, &f.c, &e) != SJS_OK) {
        fprintf(stderr, "test_js: %s\n", e.msg);
        natsrv_stop(&f.srv);
        return -1;
    }
    f.up = 1;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sjs_close(f->c);
    natsrv_stop(&f->srv);
    sjs_library_close();
    return 0;
}

static sjs_conn *conn(void **state)
{
    fixture *f = *state;
    if (!f->up) skip();
    return f->c;
}

/* ---- connecting ------------------------------------------------------------------ */

/* Nothing listens: SJS_UNREACHABLE after the timeout (not before, not much
 * after), the URL named, one notice that it is retrying. */
static void test_connect_down(void **state)
{
    (void)conn(state);
    char url[64], *notes = NULL;
    size_t nlen = 0;
    snprintf(url, sizeof url, "nats://127.0.0.1:%d", natsrv_free_port());
    FILE *log = open_memstream(&notes, &nlen);
    sjs_opts o = {.url = url, .timeout_ms = 1500, .log = log, .who = "t"};
    sjs_conn *c = NULL;
    sjs_err e;
    int64_t t0 = sjs__now_ms();
    assert_int_equal(sjs_connect(&o, &c, &e), SJS_UNREACHABLE);
    int64_t took = sjs__now_ms() - t0;
    fclose(log);
    assert_null(c);
    assert_true(took >= 1400 && took < 4000);
    assert_non_null(strstr(e.msg, url));
    assert_non_null(strstr(notes, "retrying for up to"));
    free(notes);
}

/* ---- streams ------------------------------------------------------------------- */

static void test_streams(void **state)
{
    sjs_conn *c = conn(state);
    sjs_err e;
    int created = -1;
    sjs_stream_spec spec = {SJS_DECISIONS, 1, 2, 1, 0};
    assert_int_equal(sjs_stream_ensure(c, &spec, &created, &e), SJS_OK);
    assert_int_equal(created, 1);
    assert_int_equal(sjs_stream_ensure(c, &spec, &created, &e), SJS_OK);
    assert_int_equal(created, 0);
    /* another partition count */
    sjs_stream_spec other = {SJS_DECISIONS, 1, 3, 1, 0};
    assert_int_equal(sjs_stream_ensure(c, &other, NULL, &e), SJS_MISMATCH);
    assert_non_null(strstr(e.msg, "SLATE_DEC_1"));
    assert_non_null(strstr(e.msg, "partition 1 of 3"));
    /* a longer duplicate window than the stream has */
    sjs_stream_spec longer = {SJS_DECISIONS, 1, 2, 1, 20 * 60 * 1000};
    assert_int_equal(sjs_stream_ensure(c, &longer, NULL, &e), SJS_MISMATCH);
    assert_non_null(strstr(e.msg, "duplicate window of 600 s"));
    /* more replicas than it was made with */
    sjs_stream_spec r3 = {SJS_DECISIONS, 1, 2, 3, 0};
    assert_int_equal(sjs_stream_ensure(c, &r3, NULL, &e), SJS_MISMATCH);
    assert_non_null(strstr(e.msg, "1 replica, expected 3"));
    /* out of range */
    sjs_stream_spec bad = {SJS_DECISIONS, 2, 2, 1, 0};
    assert_int_equal(sjs_stream_ensure(c, &bad, NULL, &e), SJS_ERROR);
    sjs_stream_state st;
    assert_int_equal(sjs_stream_state_of(c, "SLATE_DEC_1", &st, &e), SJS_OK);
    assert_int_equal(st.msgs, 0);
    assert_int_equal(sjs_stream_state_of(c, "SLATE_NONE", &st, &e), SJS_NOTFOUND);
}

/* ---- publishing and consuming ------------------------------------------------------ */

typedef struct acks {
    int ok, dup, failed;
} acks;

static void count_ack(void *ud, const sjs_ack *a)
{
    acks *k = ud;
    if (a->error)
        k->failed++;
    else if (a->duplicate)
        k->dup++;
    else
        k->ok++;
}

/* 100 messages m0..m99 on SLATE_EV_0 (of 1), then m90..m99 again. */
static void publish_100(sjs_conn *c)
{
    sjs_err e;
    sjs_stream_spec spec = {SJS_EVENTS, 0, 1, 1, 0};
    assert_int_equal(sjs_stream_ensure(c, &spec, NULL, &e), SJS_OK);
    acks k = {0};
    sjs_pub_opts po = {.max_inflight = 16, .on_ack = count_ack, .ud = &k};
    sjs_pub *p = NULL;
    assert_int_equal(sjs_pub_open(c, &po, &p, &e), SJS_OK);
    for (int i = 0; i < 110; i++) {
        int n = i < 100 ? i : i - 10;
        char id[16], data[32];
        snprintf(id, sizeof id, "m%d", n);
        snprintf(data, sizeof data, "payload %d", n);
        assert_int_equal(sjs_pub_send(p, "slate.events.0", id, data, strlen(data),
                                      n == 7 ? "Slate-Line-Bytes" : NULL, "2000000", &e),
                         SJS_OK);
    }
    assert_int_equal(sjs_pub_send(p, "slate.events.0", "bad id", "x", 1, NULL, NULL, &e),
                     SJS_ERROR);
    sjs_pub_stats st;
    assert_int_equal(sjs_pub_wait(p, 5000, &st, &e), SJS_OK);
    sjs_pub_close(p);
    assert_int_equal(st.sent, 110);
    assert_int_equal(st.stored, 100);
    assert_int_equal(st.duplicates, 10);
    assert_int_equal(st.failed, 0);
    assert_int_equal(k.ok, 100);
    assert_int_equal(k.dup, 10);
}

static void check_msg(const sjs_msg *m, uint64_t seq)
{
    char want[32], id[16];
    snprintf(want, sizeof want, "payload %d", (int)seq - 1);
    snprintf(id, sizeof id, "m%d", (int)seq - 1);
    assert_int_equal(m->seq, seq);
    assert_int_equal(m->len, strlen(want));
    assert_memory_equal(m->data, want, m->len);
    assert_string_equal(m->msg_id, id);
    assert_int_equal(m->line_bytes, seq == 8 ? 2000000 : -1);
}

typedef struct range {
    uint64_t next, stop_at;
    int seen;
} range;

static int on_range(void *ud, const sjs_msg *m)
{
    range *r = ud;
    check_msg(m, r->next++);
    r->seen++;
    return m->seq == r->stop_at;
}

static void test_publish_consume(void **state)
{
    sjs_conn *c = conn(state);
    publish_100(c);
    sjs_err e;
    sjs_consumer *k = NULL;
    sjs_consumer_opts co = {.durable = "t_ev0", .ack_wait_ms = 1000};
    assert_int_equal(sjs_consumer_open(c, "SLATE_EV_0", &co, &k, &e), SJS_OK);
    /* every message in order, acked, but 50 nak'ed the first time: it comes
     * again (whenever the server sends it) with delivered 2 */
    uint64_t next = 1;
    int again = 0;
    sjs_batch b;
    while (next <= 100 || !again) {
        assert_int_equal(sjs_fetch(k, 32, 2000, &b, &e), SJS_OK);
        assert_true(b.count > 0);
        for (int i = 0; i < b.count; i++) {
            const sjs_msg *m = &b.msgs[i];
            if (m->delivered == 2) {
                check_msg(m, 50);
                again++;
                assert_int_equal(sjs_ack_sync(m, &e), SJS_OK);
                continue;
            }
            check_msg(m, next++);
            assert_int_equal(m->delivered, 1);
            if (m->seq == 50)
                assert_int_equal(sjs_nak(m, &e), SJS_OK);
            else
                assert_int_equal(sjs_ack_sync(m, &e), SJS_OK);
        }
        sjs_batch_free(&b);
    }
    assert_int_equal(again, 1);
    assert_int_equal(sjs_fetch(k, 8, 200, &b, &e), SJS_OK); /* nothing left */
    assert_int_equal(b.count, 0);
    sjs_consumer_state cs;
    if (sjs_consumer_state_of(k, &cs, &e) != SJS_OK) fail_msg("%s", e.msg);
    assert_int_equal(cs.ack_floor, 100);
    assert_int_equal(cs.pending, 0);
    sjs_consumer_close(k);

    /* a new owner restarts the consumer at a checkpoint's next sequence */
    co.reset = 1;
    co.start_seq = 91;
    assert_int_equal(sjs_consumer_open(c, "SLATE_EV_0", &co, &k, &e), SJS_OK);
    assert_int_equal(sjs_fetch(k, 4, 2000, &b, &e), SJS_OK);
    assert_true(b.count >= 1);
    check_msg(&b.msgs[0], 91);
    for (int i = 0; i < b.count; i++) /* the lag: what follows each */
        assert_int_equal(b.msgs[i].pending, 100 - b.msgs[i].seq);
    sjs_batch_free(&b);
    sjs_consumer_close(k);
    assert_int_equal(sjs_consumer_delete(c, "SLATE_EV_0", "t_ev0", &e), SJS_OK);
    assert_int_equal(sjs_consumer_delete(c, "SLATE_EV_0", "t_ev0", &e), SJS_OK);

    /* ranges: a middle, all, a stop by the callback, beyond the end */
    range r = {40, 0, 0};
    assert_int_equal(sjs_read_range(c, "SLATE_EV_0", 40, 60, 2000, on_range, &r, &e), SJS_OK);
    assert_int_equal(r.seen, 21);
    r = (range){1, 0, 0};
    assert_int_equal(sjs_read_range(c, "SLATE_EV_0", 0, 0, 2000, on_range, &r, &e), SJS_OK);
    assert_int_equal(r.seen, 100);
    r = (range){10, 12, 0};
    assert_int_equal(sjs_read_range(c, "SLATE_EV_0", 10, 0, 2000, on_range, &r, &e), SJS_OK);
    assert_int_equal(r.seen, 3);
    r = (range){0, 0, 0};
    assert_int_equal(sjs_read_range(c, "SLATE_EV_0", 101, 0, 2000, on_range, &r, &e), SJS_OK);
    assert_int_equal(r.seen, 0);
}

/* ---- leases -------------------------------------------------------------------- */

#define TTL 1500

static sjs_leases *leases(sjs_conn *c, const char *owner)
{
    sjs_lease_opts o = {.bucket = "t_leases", .owner = owner, .ttl_ms = TTL, .nparts = 4};
    sjs_leases *l = NULL;
    sjs_err e;
    assert_int_equal(sjs_leases_open(c, &o, &l, &e), SJS_OK);
    return l;
}

static void sleep_ms(int ms)
{
    nanosleep(&(struct timespec){ms / 1000, (ms % 1000) * 1000000L}, NULL);
}

/* Renew a's leases for `ms`, every 100 ms; none may be lost. */
static void keep_alive(sjs_leases *a, int ms)
{
    unsigned lost[4], nlost;
    sjs_err e;
    for (int t = 0; t < ms; t += 100) {
        /* a renewal that fails is tried again at the next one, as the worker
         * does; what must not happen is a partition lost meanwhile */
        sjs_status s = sjs_leases_renew(a, lost, &nlost, &e);
        if (s != SJS_OK) print_message("note: renewal: %s: %s\n", sjs_status_name(s), e.msg);
        assert_int_equal(nlost, 0);
        sleep_ms(100);
    }
}

static void test_leases(void **state)
{
    sjs_conn *c = conn(state);
    sjs_err e;
    sjs_leases *a = leases(c, "worker-a"), *b = leases(c, "worker-b");
    assert_int_equal(sjs_lease_acquire(a, 0, &e), SJS_OK);
    assert_int_equal(sjs_lease_acquire(a, 1, &e), SJS_OK);
    assert_int_equal(sjs_lease_acquire(a, 1, &e), SJS_OK); /* ours already */
    assert_int_equal(sjs_lease_acquire(b, 0, &e), SJS_HELD);
    assert_non_null(strstr(e.msg, "worker-a"));
    assert_int_equal(sjs_lease_acquire(b, 2, &e), SJS_OK);
    char who[80];
    assert_int_equal(sjs_lease_holder(b, 0, who, sizeof who, &e), SJS_OK);
    assert_string_equal(who, "worker-a");
    assert_int_equal(sjs_lease_holder(b, 3, who, sizeof who, &e), SJS_NOTFOUND);
    unsigned n = 0;
    assert_int_equal(sjs_leases_members(a, &n, &e), SJS_OK);
    assert_int_equal(n, 2);

    /* a name in use, a TTL that differs */
    sjs_lease_opts dup = {.bucket = "t_leases", .owner = "worker-a", .ttl_ms = TTL, .nparts = 4};
    sjs_leases *x = NULL;
    assert_int_equal(sjs_leases_open(c, &dup, &x, &e), SJS_HELD);
    dup.owner = "worker-c";
    dup.ttl_ms = 3000;
    assert_int_equal(sjs_leases_open(c, &dup, &x, &e), SJS_MISMATCH);
    assert_non_null(strstr(e.msg, "TTL of 1500 ms"));

    /* renewed past several TTLs: a keeps what it has, b cannot take it */
    keep_alive(a, 2 * TTL);
    assert_true(sjs_lease_held(a, 0) && sjs_lease_held(a, 1));
    assert_int_equal(sjs_lease_acquire(b, 0, &e), SJS_HELD);

    /* a stops renewing (as if killed): b takes partition 0 once it expires,
     * within TTL plus a little; a's local deadline passed before that */
    int64_t t0 = sjs__now_ms();
    sjs_status s;
    while ((s = sjs_lease_acquire(b, 0, &e)) == SJS_HELD && sjs__now_ms() - t0 < 4 * TTL)
        sleep_ms(50);
    int64_t took = sjs__now_ms() - t0;
    assert_int_equal(s, SJS_OK);
    assert_true(took >= TTL / 2 && took <= 3 * TTL);
    assert_false(sjs_lease_held(a, 0));
    /* a's next renewal reports both partitions lost.  A renewal that fails
     * otherwise (its presence key's update answered with an error under load:
     * seen once in a fresh clone's run) is retried, as the worker does at its
     * next renewal; the lost partitions are reported once, whichever call it is */
    unsigned lost[4], nlost = 0, all[8], nall = 0;
    for (int tries = 0; tries < 5; tries++) {
        s = sjs_leases_renew(a, lost, &nlost, &e);
        for (unsigned i = 0; i < nlost && nall < 8; i++) all[nall++] = lost[i];
        if (s == SJS_OK) break;
        print_message("note: renewal after the takeover: %s: %s; retried\n",
                      sjs_status_name(s), e.msg);
        sleep_ms(100);
    }
    assert_int_equal(s, SJS_OK);
    assert_int_equal(nall, 2);
    assert_int_equal(all[0], 0);
    assert_int_equal(all[1], 1);

    /* a lease holding our own name (a create of ours whose answer was lost) is
     * taken back, not refused; one holding another's is refused */
    kvStore *kv = NULL;
    assert_int_equal(js_KeyValue(&kv, c->js, "t_leases"), NATS_OK);
    assert_int_equal(kvStore_CreateString(NULL, kv, "p.3", "worker-b"), NATS_OK);
    assert_int_equal(sjs_lease_acquire(a, 3, &e), SJS_HELD);
    assert_int_equal(sjs_lease_acquire(b, 3, &e), SJS_OK);
    assert_true(sjs_lease_held(b, 3));
    kvStore_Destroy(kv);
    assert_int_equal(sjs_lease_release(b, 3, &e), SJS_OK);

    /* a release is seen at once */
    assert_int_equal(sjs_lease_release(b, 2, &e), SJS_OK);
    assert_false(sjs_lease_held(b, 2));
    assert_int_equal(sjs_lease_acquire(a, 2, &e), SJS_OK);
    sjs_leases_close(a);
    assert_int_equal(sjs_lease_acquire(b, 2, &e), SJS_OK);
    /* a closed: its presence key is a delete marker now, not a live worker; b,
     * silent all this while, was expired too until it renews (the first renewal
     * finds its presence ran out, the second writes it again) */
    assert_int_equal(sjs_leases_members(b, &n, &e), SJS_OK);
    assert_int_equal(n, 0);
    sjs_leases_renew(b, lost, &nlost, &e);
    sjs_leases_renew(b, lost, &nlost, &e);
    assert_int_equal(sjs_leases_members(b, &n, &e), SJS_OK);
    assert_int_equal(n, 1);
    sjs_leases_close(b);
}

/* ---- headers, consumer state by name, small values ------------------------------- */

static int on_headers(void *ud, const sjs_msg *m)
{
    int *seen = ud;
    const char *v = sjs_msg_header(m, "Slate-Event-Seq");
    char want[16];
    snprintf(want, sizeof want, "%d", *seen + 10);
    assert_non_null(v);
    assert_string_equal(v, want);
    assert_string_equal(sjs_msg_header(m, "Slate-Partition"), "1");
    assert_null(sjs_msg_header(m, "Slate-Tick"));
    assert_int_equal(m->line_bytes, -1);
    (*seen)++;
    return 0;
}

static void test_headers_kv(void **state)
{
    sjs_conn *c = conn(state);
    sjs_err e;
    sjs_stream_spec spec = {SJS_DECISIONS, 1, 2, 1, 0};
    assert_int_equal(sjs_stream_ensure(c, &spec, NULL, &e), SJS_OK);
    sjs_pub *p = NULL;
    assert_int_equal(sjs_pub_open(c, NULL, &p, &e), SJS_OK);
    for (int i = 0; i < 5; i++) {
        char id[32], es[16];
        snprintf(id, sizeof id, "1:%d:1", i + 10);
        snprintf(es, sizeof es, "%d", i + 10);
        sjs_header h[2] = {{"Slate-Partition", "1"}, {"Slate-Event-Seq", es}};
        assert_int_equal(sjs_pub_sendh(p, "slate.decisions.1", id, "{}", 2, h, 2, &e), SJS_OK);
    }
    /* the same id again is dropped, whatever its headers */
    sjs_header h = {"Slate-Event-Seq", "99"};
    assert_int_equal(sjs_pub_sendh(p, "slate.decisions.1", "1:10:1", "{}", 2, &h, 1, &e), SJS_OK);
    sjs_pub_stats st;
    assert_int_equal(sjs_pub_wait(p, 5000, &st, &e), SJS_OK);
    assert_int_equal(st.stored, 5);
    assert_int_equal(st.duplicates, 1);
    sjs_pub_close(p);
    int seen = 0;
    assert_int_equal(sjs_read_range(c, "SLATE_DEC_1", 1, 0, 2000, on_headers, &seen, &e), SJS_OK);
    assert_int_equal(seen, 5);

    /* consumer state by name: a missing one, then one that read 2 */
    sjs_consumer_state cs;
    assert_int_equal(sjs_consumer_state_by_name(c, "SLATE_DEC_1", "nobody", &cs, &e),
                     SJS_NOTFOUND);
    sjs_consumer *k = NULL;
    sjs_consumer_opts co = {.durable = "t_dec1"};
    assert_int_equal(sjs_consumer_open(c, "SLATE_DEC_1", &co, &k, &e), SJS_OK);
    sjs_batch b;
    assert_int_equal(sjs_fetch(k, 2, 2000, &b, &e), SJS_OK);
    assert_int_equal(b.count, 2);
    for (int i = 0; i < b.count; i++) assert_int_equal(sjs_ack_sync(&b.msgs[i], &e), SJS_OK);
    sjs_batch_free(&b);
    assert_int_equal(sjs_consumer_state_by_name(c, "SLATE_DEC_1", "t_dec1", &cs, &e), SJS_OK);
    assert_int_equal(cs.ack_floor, 2);
    assert_int_equal(cs.pending, 3);
    sjs_consumer_close(k);

    /* small values: put, get, create only when absent */
    sjs_kv *kv = NULL;
    assert_int_equal(sjs_kv_open(c, "t_kv", 1, &kv, &e), SJS_OK);
    void *v = NULL;
    size_t len = 0;
    assert_int_equal(sjs_kv_get(kv, "init.0", &v, &len, &e), SJS_NOTFOUND);
    assert_int_equal(sjs_kv_create(kv, "init.0", "abc", 3, &e), SJS_OK);
    assert_int_equal(sjs_kv_create(kv, "init.0", "xyz", 3, &e), SJS_HELD);
    assert_int_equal(sjs_kv_get(kv, "init.0", &v, &len, &e), SJS_OK);
    assert_int_equal(len, 3);
    assert_string_equal(v, "abc"); /* NUL-terminated */
    free(v);
    assert_int_equal(sjs_kv_put(kv, "init.0", "", 0, &e), SJS_OK);
    assert_int_equal(sjs_kv_get(kv, "init.0", &v, &len, &e), SJS_OK);
    assert_int_equal(len, 0);
    free(v);
    sjs_kv_close(kv);
}

/* ---- checkpoints --------------------------------------------------------------- */

static unsigned char *pattern(size_t n, unsigned seed)
{
    unsigned char *b = malloc(n ? n : 1);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++) b[i] = (unsigned char)(((i + seed * 7919u) * 2654435761u) >> 13);
    return b;
}

static void expect_load(sjs_ckpt *s, unsigned p, const void *want, size_t len, uint64_t seq)
{
    void *got = NULL;
    sjs_ckpt_info info;
    sjs_err e;
    assert_int_equal(sjs_ckpt_load(s, p, &got, &info, &e), SJS_OK);
    assert_int_equal(info.len, len);
    assert_int_equal(info.seq, seq);
    assert_true(info.saved_ms > 1700000000000LL);
    if (len) assert_memory_equal(got, want, len);
    free(got);
}

/* Write `len` bytes straight into the bucket under `key`, as a faulty or
 * concurrent writer would. */
static void poke(sjs_ckpt *s, sjs_conn *c, const char *key, const void *data, int len)
{
    (void)s;
    kvStore *kv = NULL;
    assert_int_equal(js_KeyValue(&kv, c->js, "t_ckpt"), NATS_OK);
    assert_int_equal(kvStore_Put(NULL, kv, key, data, len), NATS_OK);
    kvStore_Destroy(kv);
}

static void test_checkpoints(void **state)
{
    sjs_conn *c = conn(state);
    sjs_err e;
    sjs_ckpt *s = NULL;
    assert_int_equal(sjs_ckpt_open(c, "t_ckpt", 1, &s, &e), SJS_OK);
    void *got = NULL;
    sjs_ckpt_info info;
    assert_int_equal(sjs_ckpt_load(s, 1, &got, &info, &e), SJS_NOTFOUND);

    size_t big = 3 * 1024 * 1024 + 12345; /* four chunks at the default 1 MiB */
    unsigned char *b1 = pattern(big, 1), *b2 = pattern(100, 2);
    assert_int_equal(sjs_ckpt_save(s, 1, 42, b1, big, &e), SJS_OK);
    expect_load(s, 1, b1, big, 42);
    assert_int_equal(sjs_ckpt_save(s, 1, 50, b2, 100, &e), SJS_OK); /* the other slot */
    expect_load(s, 1, b2, 100, 50);
    assert_int_equal(sjs_ckpt_save(s, 2, 7, "", 0, &e), SJS_OK);   /* empty; another p */
    expect_load(s, 2, "", 0, 7);

    /* a save that died before its meta: the previous checkpoint is whole.  The
     * current one (seq 50) is in slot 1, so the next save writes slot 0. */
    poke(s, c, "p1.s0.c0", "half a save", 11);
    expect_load(s, 1, b2, 100, 50);

    /* a chunk overwritten under the meta: the hash tells */
    poke(s, c, "p1.s1.c0", b1, 100);
    assert_int_equal(sjs_ckpt_load(s, 1, &got, &info, &e), SJS_CORRUPT);
    assert_non_null(strstr(e.msg, "SHA-256"));
    /* the wrong size */
    poke(s, c, "p1.s1.c0", b1, 99);
    assert_int_equal(sjs_ckpt_load(s, 1, &got, &info, &e), SJS_CORRUPT);
    assert_non_null(strstr(e.msg, "has 99 bytes, expected 100"));
    /* a missing chunk: meta naming more than was written */
    char meta[256];
    snprintf(meta, sizeof meta, "slate-ckpt 1 p=1 seq=50 slot=1 len=198 chunk=99 "
             "saved_ms=1700000000001 sha256=%064d", 0);
    poke(s, c, "p1.meta", meta, (int)strlen(meta));
    assert_int_equal(sjs_ckpt_load(s, 1, &got, &info, &e), SJS_CORRUPT);
    assert_non_null(strstr(e.msg, "missing"));
    /* a malformed meta, another partition's meta */
    poke(s, c, "p1.meta", "slate-ckpt 1 p=1 seq=x", 22);
    assert_int_equal(sjs_ckpt_load(s, 1, &got, &info, &e), SJS_CORRUPT);
    assert_non_null(strstr(e.msg, "malformed"));
    snprintf(meta, sizeof meta, "slate-ckpt 1 p=2 seq=50 slot=1 len=0 chunk=100 "
             "saved_ms=1700000000001 sha256=%064d", 0);
    poke(s, c, "p1.meta", meta, (int)strlen(meta));
    assert_int_equal(sjs_ckpt_load(s, 1, &got, &info, &e), SJS_CORRUPT);
    assert_non_null(strstr(e.msg, "another partition"));
    assert_null(got);

    /* a new save repairs it */
    assert_int_equal(sjs_ckpt_save(s, 1, 60, b1, big, &e), SJS_OK);
    expect_load(s, 1, b1, big, 60);
    free(b1);
    free(b2);
    sjs_ckpt_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_down),
        cmocka_unit_test(test_streams),
        cmocka_unit_test(test_publish_consume),
        cmocka_unit_test(test_leases),
        cmocka_unit_test(test_checkpoints),
        cmocka_unit_test(test_headers_kv),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
