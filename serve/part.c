/*
 * part.c - one owned partition on its own thread: rebuild its engine from the
 * partition's event stream, then consume the stream through the durable pull
 * consumer, publish every decision with a deterministic message id, and
 * acknowledge each event only after the server stored its decisions
 * (docs/deploy.md, "The worker's loop" and "Why nothing is lost or doubled").
 *
 * The stream's sequence is the order of truth: messages are applied strictly in
 * sequence; one delivered again (an ack lost, a previous owner's delivery) is
 * acknowledged and skipped, and a gap before a delivered message (messages a
 * previous owner had fetched and not acknowledged) is read from the stream
 * first.  A message is one of:
 *   - a worker tick (header Slate-Tick: ms): the engine advances to that time;
 *   - a policy marker (header Slate-Policy: hash): the engine swaps to it;
 *   - a stand-in for a line too long to carry (Slate-Line-Bytes): a reject;
 *   - anything else: one input line, parsed and pushed as `slate run` does
 *     (io/runner.c), a line it cannot use becoming a `reject` decision.
 * Not here: leases, balancing and ticks' timing (worker.c), checkpoint contents
 * (part_ckpt.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "part_int.h"

#define BATCH 256            /* messages per fetch */
#define FETCH_WAIT_MS 500
#define FLUSH_AT 1024        /* decisions gathered before a flush while reading a range */
#define ACK_WAIT_MS 10000    /* for the decisions' acknowledgements */
/* A message delivered and not acknowledged is delivered again after this long:
 * after a failover, the previous owner's unacknowledged messages come back (and
 * are acknowledged as done) this long after it stopped. */
#define CONSUMER_ACK_WAIT_MS 10000
#define PROBE_MS 3000        /* quiet this long: is the stream ahead of the consumer? */

/* ---- the outbox: decisions waiting to be stored ----------------------------------- */

static void ob_clear(outbox *ob)
{
    ob->n = 0;
    ob->len = 0;
}

static void ob_free(outbox *ob)
{
    free(ob->e);
    free(ob->text);
    memset(ob, 0, sizeof *ob);
}

/* Make room for `more` bytes of text and one entry. */
static int ob_reserve(outbox *ob, size_t more)
{
    if (ob->n == ob->cap) {
        size_t cap = ob->cap ? ob->cap * 2 : 256;
        ob_entry *e = realloc(ob->e, cap * sizeof *e);
        if (!e) return -1;
        ob->e = e;
        ob->cap = cap;
    }
    if (ob->tcap - ob->len < more) {
        size_t cap = ob->tcap ? ob->tcap : 65536;
        while (cap - ob->len < more) cap *= 2;
        char *t = realloc(ob->text, cap);
        if (!t) return -1;
        ob->text = t;
        ob->tcap = cap;
    }
    return 0;
}

/* The engine's sink (behind the runner's numbering): count the decision among
 * the message's, and keep it for publishing when it is to be published. */
static int collect(void *ud, const slate_decision *d)
{
    part *pt = ud;
    unsigned idx = ++pt->cur_idx;
    if (!pt->publishing) return 0;
    outbox *ob = &pt->ob;
    if (ob_reserve(ob, 1024)) {
        ob->nomem = 1;
        return 1;
    }
    size_t n = dj_render(d, d->seq, ob->text + ob->len, ob->tcap - ob->len, &pt->memo);
    if (n + 1 > ob->tcap - ob->len) {
        if (ob_reserve(ob, n + 1)) {
            ob->nomem = 1;
            return 1;
        }
        dj_render(d, d->seq, ob->text + ob->len, ob->tcap - ob->len, &pt->memo);
    }
    ob->e[ob->n++] = (ob_entry){ob->len, n, pt->cur_seq, d->seq, idx};
    ob->len += n;
    if (d->action == SLATE_A_BREACH) atomic_fetch_add(&pt->m->breaches, 1);
    if (d->action == SLATE_A_REJECT)
        atomic_fetch_add(&pt->m->rejects[wk_reject_class(d->message)], 1);
    return 0;
}

/* Sleep ms in slices; 1 as soon as the lease is lost (stop == 2). */
static int nap_unless_lost(part *pt, int64_t ms)
{
    for (int64_t t = 0; t < ms; t += 50) {
        if (atomic_load(&pt->stop) == 2) return 1;
        nanosleep(&(struct timespec){0, 50 * 1000000L}, NULL);
    }
    return atomic_load(&pt->stop) == 2;
}

/* Hand every decision of the outbox to the publisher.  0, or -1 with err. */
static int ob_send(part *pt, sjs_err *err)
{
    char id[96], ps[16], es[24], ds[24];
    snprintf(ps, sizeof ps, "%u", pt->p);
    for (size_t i = 0; i < pt->ob.n; i++) {
        const ob_entry *e = &pt->ob.e[i];
        snprintf(id, sizeof id, "%u:%" PRIu64 ":%u", pt->p, e->eseq, e->idx);
        snprintf(es, sizeof es, "%" PRIu64, e->eseq);
        snprintf(ds, sizeof ds, "%" PRIu64, e->dseq);
        sjs_header h[3] = {{"Slate-Partition", ps}, {"Slate-Event-Seq", es},
                           {"Slate-Decision-Seq", ds}};
        if (sjs_pub_sendh(pt->pub, pt->dec_subject, id, pt->ob.text + e->off, e->len, h, 3,
                          err) != SJS_OK)
            return -1;
    }
    return 0;
}

/* Store every decision of the outbox: send, wait for the acknowledgements, and
 * while some are missing send them all again (the stream drops the copies it
 * holds by their ids), with backoff, until stored, the lease is lost, or a
 * drain runs out of time.  0 when stored; -1 when given up (nothing is acked
 * then: the events are done again by whoever owns the partition next). */
static int flush(part *pt)
{
    if (pt->ob.n == 0) return 0;
    worker *w = pt->w;
    int64_t backoff = 250;
    for (;;) {
        uint64_t failed0 = sjs_pub_failed(pt->pub);
        sjs_err e = {""};
        int sent = ob_send(pt, &e) == 0;
        sjs_err we = {""};
        sjs_pub_wait(pt->pub, ACK_WAIT_MS, NULL, &we);
        if (sent && sjs_pub_failed(pt->pub) == failed0) {
            atomic_fetch_add(&pt->m->published, pt->ob.n);
            ob_clear(&pt->ob);
            if (pt->outage) wk_log(w, "partition %u: decisions stored again", pt->p);
            pt->outage = 0;
            return 0;
        }
        if (!pt->outage)
            wk_log(w, "partition %u: %zu decisions not stored (%s); retrying, their events "
                   "stay unacknowledged", pt->p, pt->ob.n, sent ? we.msg : e.msg);
        pt->outage = 1;
        if (atomic_load(&pt->stop) == 2) return -1;
        if (atomic_load(&w->stopping) && wk_mono_ms() >= w->drain_deadline) return -1;
        if (nap_unless_lost(pt, backoff)) return -1;
        backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
    }
}

/* ---- applying one message ----------------------------------------------------------- */

int part_engine_new(part *pt, const wk_prog *prog)
{
    slate_engine_opts eo = {0};
    eo.tolerance_ms = pt->w->o->tolerance_ms;
    if (runner_init(&pt->r, prog->prog, &eo, NULL, NULL, NULL)) {
        wk_log(pt->w, "partition %u: %s", pt->p, pt->r.err);
        runner_release(&pt->r);
        return -1;
    }
    pt->r.out.next = collect;
    pt->r.out.next_ud = pt;
    pt->have_runner = 1;
    pt->rd = ev_reader_new(prog->prog, pt->w->o->strict);
    if (!pt->rd) {
        wk_log(pt->w, "partition %u: out of memory", pt->p);
        return -1;
    }
    /* One line read before any message: the reader treats a byte order mark as
     * such only before its first event, and whether a message is a partition's
     * first depends on where the replay started.  The worker strips a leading
     * mark from every message itself (each message is one whole line). */
    ev_result res;
    ev_parse_line(pt->rd, "-", 1, &res);
    pt->prog = prog;
    dj_memo_init(&pt->memo);
    return 0;
}

/* A policy marker: swap the engine to the program whose hash it names. */
static void swap_to(part *pt, const char *hash)
{
    if (!strcmp(hash, pt->prog->hash)) return;
    sjs_err e;
    const wk_prog *np = wk_program(pt->w, pt->kv, hash, &e);
    if (!np) {
        wk_log(pt->w, "partition %u: sequence %" PRIu64 " swaps to policy %.12s, which cannot be "
               "loaded (%s); it keeps %.12s", pt->p, pt->cur_seq, hash, e.msg, pt->prog->hash);
        return;
    }
    ev_reader *rd = ev_reader_new(np->prog, pt->w->o->strict);
    if (!rd) {
        pt->r.failed = SLATE_NOMEM;
        snprintf(pt->r.err, sizeof pt->r.err, "out of memory");
        return;
    }
    if (runner_swap(&pt->r, np->prog, NULL)) {
        ev_reader_free(rd);
        return;
    }
    ev_result res;
    ev_parse_line(rd, "-", 1, &res); /* as in part_engine_new */
    ev_reader_free(pt->rd);
    pt->rd = rd;
    if (pt->publishing)
        wk_log(pt->w, "partition %u: policy %.12s -> %.12s at sequence %" PRIu64, pt->p,
               pt->prog->hash, np->hash, pt->cur_seq);
    pt->prog = np;
    dj_memo_init(&pt->memo);
}

/* A stand-in for a line too long to carry: its reject, as `slate run` makes it. */
static void too_long(part *pt, const sjs_msg *m)
{
    ev_result res;
    memset(&res, 0, sizeof res);
    res.ev.at = INT64_MIN;
    res.ev.type = -1;
    res.ev.seq = m->seq;
    if ((size_t)m->line_bytes > EV_MAX_LINE)
        snprintf(res.reason, sizeof res.reason,
                 "line of %lld bytes is longer than the limit of %zu (1 MiB)", m->line_bytes,
                 EV_MAX_LINE);
    else
        snprintf(res.reason, sizeof res.reason,
                 "line of %lld bytes is longer than NATS carries (raise the server's "
                 "max_payload)", m->line_bytes);
    runner_feed(&pt->r, &res);
}

/* What the tick publisher (worker.c) looks at: the engine's time, and whether
 * the partition needs ticks: while a case is open or an event is held back by
 * the tolerance (only a tick past it releases it). */
static void tick_gauges(part *pt)
{
    atomic_store(&pt->now, slate_engine_now(pt->r.eng));
    atomic_store(&pt->m->open_cases, slate_engine_open_cases(pt->r.eng));
    atomic_store(&pt->m->held, slate_engine_buffered(pt->r.eng));
}

static void apply(part *pt, const sjs_msg *m)
{
    pt->cur_seq = m->seq;
    pt->cur_idx = 0;
    pt->publishing = m->seq > pt->publish_after;
    const char *h;
    if ((h = sjs_msg_header(m, "Slate-Tick"))) {
        char *end;
        long long at = strtoll(h, &end, 10);
        if (end != h && *end == 0) runner_advance(&pt->r, at);
    } else if ((h = sjs_msg_header(m, "Slate-Policy"))) {
        swap_to(pt, h);
    } else if (m->line_bytes >= 0) {
        too_long(pt, m);
    } else {
        const char *s = m->data ? m->data : "";
        size_t n = m->len;
        if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) s += 3, n -= 3;
        ev_result res;
        if (ev_parse_line(pt->rd, s, n, &res) != EV_BLANK) {
            res.ev.seq = m->seq; /* decisions name the stream sequence */
            runner_feed(&pt->r, &res);
        }
    }
    pt->applied = m->seq;
    pt->since_ckpt++;
    tick_gauges(pt);
    atomic_store(&pt->m->applied, m->seq);
    atomic_fetch_add(pt->publishing ? &pt->m->consumed : &pt->m->replayed, 1);
}

/* 1 when the partition cannot go on (its engine or outbox failed). */
static int broken(part *pt)
{
    if (pt->r.failed) {
        wk_log(pt->w, "partition %u: %s; giving it up", pt->p, pt->r.err);
        return 1;
    }
    if (pt->ob.nomem) {
        wk_log(pt->w, "partition %u: out of memory; giving it up", pt->p);
        return 1;
    }
    return 0;
}

/* ---- reading a range of the stream ------------------------------------------------- */

/* 1 when a read of the stream should stop: the lease is lost; or, while the
 * partition is being rebuilt (nothing to acknowledge yet), it is stopped or the
 * worker drains; or, once live, a drain ran out of time. */
static int should_quit(part *pt)
{
    int stop = atomic_load(&pt->stop), stopping = atomic_load(&pt->w->stopping);
    if (stop == 2) return 1;
    if (!atomic_load(&pt->live)) return stop || stopping;
    return stopping && wk_mono_ms() >= pt->w->drain_deadline;
}

typedef struct range_ctx {
    part *pt;
    int err;              /* the partition broke or a flush gave up */
} range_ctx;

static int on_range(void *ud, const sjs_msg *m)
{
    range_ctx *x = ud;
    part *pt = x->pt;
    if (should_quit(pt)) {
        x->err = 1;
        return 1;
    }
    if (m->seq <= pt->applied) return 0;
    apply(pt, m);
    if (broken(pt) || (pt->ob.n >= FLUSH_AT && flush(pt))) {
        x->err = 1;
        return 1;
    }
    return 0;
}

/* Apply the stream's messages after pt->applied up to `to` (0: the last stored
 * now), retrying a read the server could not serve.  Gaps (deleted messages)
 * are passed over.  0 when done; -1 when stopped, broken or given up. */
static int read_through(part *pt, uint64_t to)
{
    worker *w = pt->w;
    int64_t backoff = 250;
    for (;;) {
        if (should_quit(pt)) return -1;
        range_ctx x = {pt, 0};
        sjs_err e;
        sjs_status s = sjs_read_range(w->c, pt->ev_stream, pt->applied + 1, to, 10000, on_range,
                                      &x, &e);
        if (x.err) return -1;
        if (s == SJS_GONE) {
            wk_log(w, "partition %u: %s; going on from the first message kept (the state "
                   "rebuilt misses the removed ones)", pt->p, e.msg);
            sjs_stream_state st;
            if (sjs_stream_state_of(w->c, pt->ev_stream, &st, &e) == SJS_OK && st.first_seq > 0)
                pt->applied = st.first_seq - 1;
            continue;
        }
        if (s == SJS_OK) {
            if (to && pt->applied < to) pt->applied = to; /* deleted messages */
            return flush(pt);
        }
        if (should_quit(pt)) return -1;
        wk_log(w, "partition %u: reading the stream after sequence %" PRIu64 ": %s; retrying",
               pt->p, pt->applied, e.msg);
        nanosleep(&(struct timespec){backoff / 1000, (backoff % 1000) * 1000000L}, NULL);
        backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
    }
}

/* ---- taking a partition over ------------------------------------------------------- */

/* Retry `expr` (an sjs_status) with backoff while it fails for a reason that may
 * pass, noting the first failure; gives up when the partition is stopped. */
#define RETRY(pt, what, expr)                                                         \
    do {                                                                              \
        int64_t bo_ = 250;                                                            \
        int said_ = 0;                                                                \
        for (;;) {                                                                    \
            sjs_err e_;                                                               \
            sjs_status s_ = (expr);                                                   \
            if (s_ == SJS_OK) break;                                                  \
            if (s_ != SJS_TIMEOUT && s_ != SJS_UNREACHABLE) {                         \
                wk_log((pt)->w, "partition %u: %s: %s", (pt)->p, what, e_.msg);       \
                return -1;                                                            \
            }                                                                         \
            if (!said_++)                                                             \
                wk_log((pt)->w, "partition %u: %s: %s; retrying", (pt)->p, what,      \
                       e_.msg);                                                       \
            if (wk_nap((pt)->w, &(pt)->stop, bo_)) return -1;                         \
            bo_ = bo_ * 2 > 5000 ? 5000 : bo_ * 2;                                    \
        }                                                                             \
    } while (0)

/* The program the partition's history starts with: recorded once, by the first
 * worker to run the partition, as init.<p> in the policy bucket. */
static const wk_prog *initial_program(part *pt)
{
    worker *w = pt->w;
    const wk_prog *cur = wk_current(w);
    char key[32];
    snprintf(key, sizeof key, "init.%u", pt->p);
    for (int tries = 0; tries < 3; tries++) {
        void *v = NULL;
        size_t len = 0;
        sjs_err e;
        sjs_status s = sjs_kv_get(pt->kv, key, &v, &len, &e);
        if (s == SJS_OK) {
            const wk_prog *p = wk_program(w, pt->kv, v, &e);
            if (!p)
                wk_log(w, "partition %u: its history starts with policy %.12s, which cannot be "
                       "loaded (%s); rebuilding with %.12s, so earlier decisions may differ",
                       pt->p, (char *)v, e.msg, cur->hash);
            free(v);
            return p ? p : cur;
        }
        if (s != SJS_NOTFOUND) {
            wk_log(w, "partition %u: %s; rebuilding with the current policy", pt->p, e.msg);
            return cur;
        }
        s = sjs_kv_create(pt->kv, key, cur->hash, strlen(cur->hash), &e);
        if (s == SJS_OK) return cur;
    }
    return cur;
}

/* The partition's durable consumer: created at its first use, kept after. */
static sjs_consumer_opts consumer_opts(const part *pt)
{
    return (sjs_consumer_opts){.durable = pt->durable, .ack_wait_ms = CONSUMER_ACK_WAIT_MS,
                               .max_ack_pending = 4 * BATCH};
}

static int takeover(part *pt)
{
    worker *w = pt->w;
    int64_t t0 = wk_mono_ms();
    sjs_pub_opts po = {.max_inflight = 4096, .ack_wait_ms = ACK_WAIT_MS};
    RETRY(pt, "publisher", sjs_pub_open(w->c, &po, &pt->pub, &e_));
    RETRY(pt, "policy bucket", sjs_kv_open(w->c, WK_POLICY_BUCKET, w->o->replicas, &pt->kv, &e_));
    sjs_consumer_opts co = consumer_opts(pt);
    RETRY(pt, "consumer", sjs_consumer_open(w->c, pt->ev_stream, &co, &pt->k, &e_));
    sjs_consumer_state cs;
    RETRY(pt, "consumer state", sjs_consumer_state_of(pt->k, &cs, &e_));

    uint64_t covered = 0;
    if (part_ckpt_restore(pt, &covered) != 0 && part_engine_new(pt, initial_program(pt)))
        return -1;
    pt->applied = covered;
    /* everything up to the ack floor had its decisions stored: rebuild silently */
    pt->publish_after = cs.ack_floor;
    if (cs.ack_floor > covered && read_through(pt, cs.ack_floor)) return -1;
    uint64_t rebuilt = pt->applied - covered;
    /* then what was delivered or stored since, publishing (ids drop what a
     * previous owner stored already) */
    uint64_t from = pt->applied;
    if (read_through(pt, 0)) return -1;
    if (!w->o->quiet)
        wk_log(w, "partition %u: taken: %" PRIu64 " events rebuilt%s, %" PRIu64 " caught up, "
               "in %.2f s; consuming after sequence %" PRIu64, pt->p, rebuilt,
               covered ? " after a checkpoint" : "", pt->applied - from,
               (double)(wk_mono_ms() - t0) / 1000, pt->applied);
    pt->ckpt_mono = wk_mono_ms();
    tick_gauges(pt); /* a restored engine may have applied nothing here */
    atomic_store(&pt->live, 1);
    return 0;
}

/* ---- consuming --------------------------------------------------------------------- */

/* Checkpoint when N events or T seconds have passed since the last one. */
static void maybe_checkpoint(part *pt, int force)
{
    const sw_opts *o = pt->w->o;
    uint64_t every = o->ckpt_every ? o->ckpt_every : 10000;
    int64_t every_ms = o->ckpt_every_ms ? o->ckpt_every_ms : 60000;
    if (pt->since_ckpt == 0) return;
    if (!force && pt->since_ckpt < every && wk_mono_ms() - pt->ckpt_mono < every_ms) return;
    part_ckpt_save(pt);
    pt->since_ckpt = 0;
    pt->ckpt_mono = wk_mono_ms();
}

/* If the worker now runs another policy than this engine, record the swap in
 * the stream: a marker message, applied when it comes back like any event. */
static void maybe_marker(part *pt)
{
    const wk_prog *cur = wk_current(pt->w);
    if (cur == pt->prog) {
        pt->marker[0] = 0;
        return;
    }
    if (!strcmp(pt->marker, cur->hash)) return; /* sent; not back yet */
    char body[128], id[96];
    int n = snprintf(body, sizeof body, "{\"type\":\"policy\",\"hash\":\"%s\"}", cur->hash);
    snprintf(id, sizeof id, "policy-%u-%.16s-%" PRIu64, pt->p, cur->hash, pt->applied);
    sjs_header h = {"Slate-Policy", cur->hash};
    sjs_err e;
    uint64_t failed0 = sjs_pub_failed(pt->pub);
    if (sjs_pub_sendh(pt->pub, pt->ev_subject, id, body, (size_t)n, &h, 1, &e) == SJS_OK &&
        (sjs_pub_wait(pt->pub, ACK_WAIT_MS, NULL, &e), sjs_pub_failed(pt->pub) == failed0))
        snprintf(pt->marker, sizeof pt->marker, "%s", cur->hash);
}

/* The consumer delivered nothing for a while: if the stream holds messages
 * after the last one applied, the consumer is not delivering them (a pull
 * subscription that did not recover from a server's restart has been seen to
 * go quiet): apply them from the stream itself, and bind to the durable again.
 * Their deliveries, when they come, are acknowledged as done.  Each way this
 * check can fail is said once, so that a partition that stops deciding is
 * never silent about why. */
static void probe(part *pt)
{
    worker *w = pt->w;
    sjs_stream_state st;
    sjs_err e;
    if (sjs_stream_state_of(w->c, pt->ev_stream, &st, &e) != SJS_OK) {
        if (!pt->probe_said++)
            wk_log(w, "partition %u: cannot check the stream for undelivered messages: %s; "
                   "retrying", pt->p, e.msg);
        return;
    }
    if (pt->probe_said) wk_log(w, "partition %u: the stream answers again", pt->p);
    pt->probe_said = 0;
    if (st.last_seq < pt->applied) {
        if (!pt->behind_said++)
            wk_log(w, "partition %u: the stream ends at sequence %" PRIu64 ", before sequence %"
                   PRIu64 " applied here: the server lost messages it had acknowledged; "
                   "messages stored again under those sequences are passed over",
                   pt->p, st.last_seq, pt->applied);
        return;
    }
    pt->behind_said = 0;
    if (st.last_seq == pt->applied) return;
    wk_log(w, "partition %u: the consumer delivers nothing while the stream holds up to "
           "sequence %" PRIu64 " (applied: %" PRIu64 "); reading the stream and binding again",
           pt->p, st.last_seq, pt->applied);
    if (read_through(pt, st.last_seq)) return;
    sjs_consumer_close(pt->k);
    pt->k = NULL;
}

/* Bind to the durable consumer (again).  0, or -1 (noted once) to try later. */
static int bind_consumer(part *pt, int *said)
{
    sjs_consumer_opts co = consumer_opts(pt);
    sjs_err e;
    if (sjs_consumer_open(pt->w->c, pt->ev_stream, &co, &pt->k, &e) == SJS_OK) {
        if (*said) wk_log(pt->w, "partition %u: bound to its consumer again", pt->p);
        *said = 0;
        return 0;
    }
    if (!(*said)++) wk_log(pt->w, "partition %u: consumer: %s; retrying", pt->p, e.msg);
    return -1;
}

static void consume(part *pt)
{
    worker *w = pt->w;
    int64_t backoff = 250, last_probe = wk_mono_ms();
    int fetch_outage = 0, bind_said = 0;
    uint64_t reconnects = sjs_reconnects(w->c);
    while (!atomic_load(&pt->stop) && !atomic_load(&w->stopping)) {
        maybe_marker(pt);
        if (sjs_reconnects(w->c) != reconnects) {
            /* what the server held for the subscription may be gone with the
             * old connection: bind again, and look at the stream at the next
             * quiet fetch rather than PROBE_MS later */
            reconnects = sjs_reconnects(w->c);
            sjs_consumer_close(pt->k);
            pt->k = NULL;
            last_probe = wk_mono_ms() - PROBE_MS;
        }
        if (!pt->k && bind_consumer(pt, &bind_said)) {
            wk_nap(w, &pt->stop, 1000);
            continue;
        }
        sjs_batch b;
        sjs_err e;
        sjs_status s = sjs_fetch(pt->k, BATCH, FETCH_WAIT_MS, &b, &e);
        if (s != SJS_OK) {
            if (!fetch_outage++)
                wk_log(w, "partition %u: %s; retrying", pt->p, e.msg);
            if (s == SJS_NOTFOUND || fetch_outage % 5 == 0) { /* bind again */
                sjs_consumer_close(pt->k);
                pt->k = NULL;
            }
            wk_nap(w, &pt->stop, backoff);
            backoff = backoff * 2 > 2000 ? 2000 : backoff * 2;
            continue;
        }
        if (fetch_outage) wk_log(w, "partition %u: consuming again", pt->p);
        fetch_outage = 0;
        backoff = 250;
        if (b.count == 0) {
            atomic_store(&pt->m->lag, 0);
            maybe_checkpoint(pt, 0);
            if (wk_mono_ms() - last_probe >= PROBE_MS) {
                probe(pt);
                last_probe = wk_mono_ms();
            }
            continue;
        }
        last_probe = wk_mono_ms();
        int ok = 1;
        for (int i = 0; i < b.count && ok; i++) {
            const sjs_msg *m = &b.msgs[i];
            if (m->seq <= pt->applied) continue; /* done already: acked below */
            if (m->seq > pt->applied + 1 && read_through(pt, m->seq - 1)) ok = 0;
            if (ok) apply(pt, m);
            if (ok && broken(pt)) ok = 0;
        }
        if (ok) ok = flush(pt) == 0;
        if (ok) {
            /* Draining: the batch's last ack waits for the server's answer.  A
             * consumer handles its acks in order, so when that one is answered
             * every earlier one has been handled: the drain's "every event
             * processed is acknowledged" is then the server's word, not ours. */
            int sync_last = atomic_load(&w->stopping) != 0;
            for (int i = 0; i < b.count - sync_last; i++) sjs_ack_msg(&b.msgs[i], NULL);
            sjs_err ae;
            if (sync_last && sjs_ack_sync(&b.msgs[b.count - 1], &ae) != SJS_OK) {
                wk_log(w, "partition %u: %s; its events are done again by the next owner",
                       pt->p, ae.msg);
                atomic_store(&pt->failed, 1); /* the drain then says so */
            }
        }
        atomic_store(&pt->m->lag, b.msgs[b.count - 1].pending);
        sjs_batch_free(&b);
        if (!ok) {
            if (atomic_load(&pt->stop) != 2) atomic_store(&pt->failed, 1);
            return;
        }
        maybe_checkpoint(pt, 0);
    }
}

static void *part_main(void *arg)
{
    part *pt = arg;
    worker *w = pt->w;
    if (takeover(pt) == 0) {
        consume(pt);
        if (atomic_load(&pt->stop) != 2 && !atomic_load(&pt->failed)) maybe_checkpoint(pt, 1);
    } else if (!atomic_load(&pt->stop) && !atomic_load(&w->stopping)) {
        atomic_store(&pt->failed, 1);
    }
    if (pt->pub) sjs_pub_wait(pt->pub, 2000, NULL, NULL); /* markers: no handler left behind */
    atomic_store(&pt->live, 0);
    atomic_store(&pt->m->owned, 0);
    atomic_store(&pt->m->lag, 0);
    atomic_store(&pt->finished, 1);
    return NULL;
}

part *part_start(worker *w, unsigned p)
{
    part *pt = calloc(1, sizeof *pt);
    if (!pt) return NULL;
    pt->w = w;
    pt->p = p;
    pt->m = &w->pm[p];
    atomic_store(&pt->now, INT64_MIN);
    sjs_stream_name(SJS_EVENTS, p, pt->ev_stream, sizeof pt->ev_stream);
    sjs_subject(SJS_EVENTS, p, pt->ev_subject, sizeof pt->ev_subject);
    sjs_subject(SJS_DECISIONS, p, pt->dec_subject, sizeof pt->dec_subject);
    snprintf(pt->durable, sizeof pt->durable, SW_DURABLE_FMT, p);
    atomic_store(&pt->m->owned, 1);
    if (pthread_create(&pt->th, NULL, part_main, pt)) {
        atomic_store(&pt->m->owned, 0);
        free(pt);
        return NULL;
    }
    pt->started = 1;
    return pt;
}

void part_stop(part *pt, int lost)
{
    if (lost)
        atomic_store(&pt->stop, 2);
    else
        atomic_store(&pt->stop, atomic_load(&pt->stop) ? atomic_load(&pt->stop) : 1);
}

int part_finished(part *pt, int *failed)
{
    if (failed) *failed = atomic_load(&pt->failed);
    return atomic_load(&pt->finished);
}

int part_live(part *pt, int64_t *now)
{
    *now = atomic_load(&pt->now);
    return atomic_load(&pt->live);
}

int part_free(part *pt)
{
    if (!pt) return 0;
    if (pt->started) pthread_join(pt->th, NULL);
    int failed = atomic_load(&pt->failed);
    sjs_consumer_close(pt->k);
    sjs_pub_close(pt->pub);
    sjs_kv_close(pt->kv);
    sjs_ckpt_close(pt->ck);
    if (pt->have_runner) runner_release(&pt->r);
    ev_reader_free(pt->rd);
    ob_free(&pt->ob);
    free(pt);
    return failed;
}
