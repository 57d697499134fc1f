/*
 * archive_log.c - `slate archive --log AUDIT.DB`: a cluster's history as one
 * partitioned decision log (docs/audit-log.md, "Partitioned logs").
 *
 * For each partition in turn, its event stream (SLATE_EV_<p>) is read from the
 * first message to the last and applied exactly as the partition's worker
 * applies it (serve/part.c: a tick is an advance, a policy marker a swap to the
 * image stored in the bucket slate_policies, a stand-in for a line too long a
 * reject, any other message one input line), through io/runner.c with the log
 * as its sink, so the log records what the partition's engine saw, each entry
 * with its partition and stream sequence.  Every decision the re-run makes is
 * rendered as the worker renders it and must be, byte for byte, the decision
 * the workers published under the same per-partition number (SLATE_DEC_<p>):
 * the log holds the decisions that were published, and an archive of streams
 * that disagree (another tolerance, a worker still catching up, a stream
 * changed) is refused, not written.
 *
 * Not here: the JSON Lines dump and --consumers (cmd_archive.c); appending to
 * an existing log (an archive is written to a new file, in one go); events a
 * worker still holds within its tolerance at the end of a stream (not decided
 * yet, so neither published nor archived).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive_log.h"
#include "decision_json.h"
#include "events.h"
#include "rerun.h"
#include "runner.h"
#include "status.h"
#include "worker.h"

#define AL_POLICY_BUCKET SW_POLICY_BUCKET /* worker.h */

/* A policy image taken from the bucket, loaded once. */
typedef struct al_prog {
    char hash[65];
    slate_program *prog;
    void *image;
    size_t len;
} al_prog;

/* One published decision line, by its per-partition number. */
typedef struct al_pub {
    char *line;
    size_t len;
    uint64_t stream_seq; /* where SLATE_DEC_<p> holds it */
} al_pub;

typedef struct al {
    const al_opts *o;
    sjs_conn *c;
    sjs_kv *kv;
    slate_log *log;
    al_prog *progs;
    size_t nprogs;
    int failed;               /* an exit status once something failed */
    char err[1024];
    /* the partition being archived */
    unsigned p;
    runner r;
    int have_runner;
    ev_reader *rd;
    const al_prog *cur;
    uint64_t dbase;           /* the log's decisions before this partition's */
    uint64_t ebase;           /* the log's event seq before this partition's */
    uint64_t eseq;            /* the last event seq given */
    uint64_t *smap;           /* stream sequence of event seq ebase+1+i */
    size_t nsmap, cap_smap;
    al_pub *pub;              /* published decisions, [n-1] = number n */
    size_t npub;
    dj_memo memo;
    char *buf;
    size_t bufcap;
    uint64_t events, ticks, swaps, rejects;
} al;

static int fail(al *a, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(al *a, int status, const char *fmt, ...)
{
    if (a->failed) return a->failed;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->err, sizeof a->err, fmt, ap);
    va_end(ap);
    a->failed = status;
    return status;
}

/* The program with this image hash, from the bucket (kept for the run). */
static const al_prog *program(al *a, const char *hash)
{
    for (size_t i = 0; i < a->nprogs; i++)
        if (!strcmp(a->progs[i].hash, hash)) return &a->progs[i];
    if (strlen(hash) != 64) {
        fail(a, EXIT_INPUT, "policy `%.80s` is not an image hash", hash);
        return NULL;
    }
    char key[96];
    snprintf(key, sizeof key, "img.%s", hash);
    void *bytes = NULL;
    size_t len = 0;
    sjs_err e;
    sjs_status s = sjs_kv_get(a->kv, key, &bytes, &len, &e);
    if (s != SJS_OK) {
        fail(a, s == SJS_NOTFOUND ? EXIT_INPUT : EXIT_IO, "policy %.12s: %s", hash,
             s == SJS_NOTFOUND ? "its image is not in the bucket " AL_POLICY_BUCKET : e.msg);
        return NULL;
    }
    slate_program *prog = NULL;
    char *why = NULL;
    if (slate_program_load(bytes, len, &prog, &why) != SLATE_OK ||
        strcmp(slate_program_hash(prog), hash)) {
        fail(a, EXIT_INPUT, "policy %.12s: the image stored for it %s", hash,
             prog ? "has another hash" : why ? why : "does not load");
        slate_free(why);
        slate_program_free(prog);
        free(bytes);
        return NULL;
    }
    al_prog *ps = realloc(a->progs, (a->nprogs + 1) * sizeof *ps);
    if (!ps) {
        slate_program_free(prog);
        free(bytes);
        fail(a, EXIT_IO, "out of memory");
        return NULL;
    }
    a->progs = ps;
    al_prog *np = &ps[a->nprogs++];
    snprintf(np->hash, sizeof np->hash, "%s", hash);
    np->prog = prog;
    np->image = bytes;
    np->len = len;
    return np;
}

/* A reader for `prog`, primed as the worker primes it (serve/part.c). */
static ev_reader *reader_for(const slate_program *prog, int strict)
{
    ev_reader *rd = ev_reader_new(prog, strict);
    if (rd) {
        ev_result res;
        ev_parse_line(rd, "-", 1, &res);
    }
    return rd;
}

/* ---- the published decisions --------------------------------------------------- */

static int on_published(void *ud, const sjs_msg *m)
{
    al *a = ud;
    const char *h = sjs_msg_header(m, "Slate-Decision-Seq");
    char *end;
    unsigned long long n = h ? strtoull(h, &end, 10) : 0;
    if (!h || end == h || *end || n == 0 || n > (1ULL << 40))
        return fail(a, EXIT_INPUT, "partition %u: decision stream message %" PRIu64
                    " has no decision number (header Slate-Decision-Seq)", a->p, m->seq), 1;
    if (n > a->npub) {
        al_pub *pub = realloc(a->pub, n * sizeof *pub);
        if (!pub) return fail(a, EXIT_IO, "out of memory"), 1;
        memset(pub + a->npub, 0, (n - a->npub) * sizeof *pub);
        a->pub = pub;
        a->npub = n;
    }
    al_pub *x = &a->pub[n - 1];
    if (x->line) { /* the same decision stored twice (past the duplicate window) */
        if (x->len == m->len && !memcmp(x->line, m->data, m->len)) return 0;
        return fail(a, EXIT_INPUT, "partition %u: decision %llu is published twice, differently "
                    "(decision stream messages %" PRIu64 " and %" PRIu64 ")", a->p, n,
                    x->stream_seq, m->seq), 1;
    }
    x->line = malloc(m->len + 1);
    if (!x->line) return fail(a, EXIT_IO, "out of memory"), 1;
    memcpy(x->line, m->data, m->len);
    x->line[m->len] = 0;
    x->len = m->len;
    x->stream_seq = m->seq;
    return 0;
}

static void free_published(al *a)
{
    for (size_t i = 0; i < a->npub; i++) free(a->pub[i].line);
    free(a->pub);
    a->pub = NULL;
    a->npub = 0;
}

/* ---- the re-run's decisions ---------------------------------------------------------- */

/* After the runner's numbering: log the decision, then check it is the one the
 * workers published under its per-partition number. */
static int on_decision(void *ud, const slate_decision *d)
{
    al *a = ud;
    if (slate_log_sink(a->log, d)) return 1; /* the runner names the log's error */
    uint64_t n = d->seq - a->dbase;
    slate_decision c = *d;
    if (c.event_seq) { /* the worker numbers events by their stream sequence */
        uint64_t i = c.event_seq - a->ebase - 1;
        if (c.event_seq <= a->ebase || i >= a->nsmap)
            return fail(a, EXIT_IO, "partition %u: decision %" PRIu64 " names event %" PRIu64
                        ", not one of the partition's", a->p, n, c.event_seq), 1;
        c.event_seq = a->smap[i];
    }
    size_t len = dj_render(&c, n, a->buf, a->bufcap, &a->memo);
    if (len + 1 > a->bufcap) {
        size_t cap = (len + 1) * 2;
        char *b = realloc(a->buf, cap);
        if (!b) return fail(a, EXIT_IO, "out of memory"), 1;
        a->buf = b;
        a->bufcap = cap;
        len = dj_render(&c, n, a->buf, a->bufcap, &a->memo);
    }
    if (n > a->npub || !a->pub[n - 1].line)
        return fail(a, EXIT_INPUT, "partition %u: decision %" PRIu64 " (of stream sequence %"
                    PRIu64 ") was not published: is a worker still catching up (`slate archive "
                    "--consumers`)?  The re-run makes: %.300s", a->p, n,
                    c.event_seq ? c.event_seq : 0, a->buf), 1;
    const al_pub *x = &a->pub[n - 1];
    if (x->len != len || memcmp(x->line, a->buf, len))
        return fail(a, EXIT_INPUT, "partition %u: decision %" PRIu64 " differs from the one "
                    "published (decision stream message %" PRIu64 "): published %.300s; the "
                    "re-run makes %.300s (the workers' --tolerance and --strict must be given)",
                    a->p, n, x->stream_seq, x->line, a->buf), 1;
    if (d->action == SLATE_A_REJECT) a->rejects++;
    return 0;
}

/* ---- applying the event stream -------------------------------------------------------- */

/* Note the stream sequence of the next event seq; the seq given. */
static uint64_t next_event(al *a, uint64_t stream_seq)
{
    if (a->nsmap == a->cap_smap) {
        size_t cap = a->cap_smap ? a->cap_smap * 2 : 1024;
        uint64_t *m = realloc(a->smap, cap * sizeof *m);
        if (!m) {
            fail(a, EXIT_IO, "out of memory");
            return 0;
        }
        a->smap = m;
        a->cap_smap = cap;
    }
    a->smap[a->nsmap++] = stream_seq;
    a->events++;
    return ++a->eseq;
}

static void swap_to(al *a, const char *hash, uint64_t seq)
{
    if (!strcmp(hash, a->cur->hash)) return; /* the worker does nothing either */
    const al_prog *np = program(a, hash);
    if (!np) {
        /* the worker would have kept its policy; without the image the archive
         * cannot show what it decided after */
        snprintf(a->err + strlen(a->err), sizeof a->err - strlen(a->err),
                 " (partition %u, sequence %" PRIu64 ")", a->p, seq);
        return;
    }
    ev_reader *rd = reader_for(np->prog, a->o->strict);
    if (!rd) {
        fail(a, EXIT_IO, "out of memory");
        return;
    }
    slate_log_policy lp = rr_policy_info(np->prog, np->image, np->len, NULL, 0);
    if (runner_swap(&a->r, np->prog, &lp)) {
        ev_reader_free(rd);
        return;
    }
    ev_reader_free(a->rd);
    a->rd = rd;
    a->cur = np;
    a->swaps++;
    dj_memo_init(&a->memo);
}

static int on_event_msg(void *ud, const sjs_msg *m)
{
    al *a = ud;
    if (slate_log_set_part(a->log, a->p, m->seq))
        return fail(a, EXIT_IO, "%s", slate_log_errmsg(a->log)), 1;
    const char *h;
    ev_result *res = malloc(sizeof *res);
    if (!res) return fail(a, EXIT_IO, "out of memory"), 1;
    if ((h = sjs_msg_header(m, "Slate-Tick"))) {
        char *end;
        long long at = strtoll(h, &end, 10);
        if (end != h && *end == 0) {
            runner_advance(&a->r, at);
            a->ticks++;
        }
    } else if ((h = sjs_msg_header(m, "Slate-Policy"))) {
        swap_to(a, h, m->seq);
    } else if (m->line_bytes >= 0) { /* as serve/part.c's too_long() */
        memset(res, 0, sizeof *res);
        res->ev.at = INT64_MIN;
        res->ev.type = -1;
        res->ev.seq = next_event(a, m->seq);
        if ((size_t)m->line_bytes > EV_MAX_LINE)
            snprintf(res->reason, sizeof res->reason,
                     "line of %lld bytes is longer than the limit of %zu (1 MiB)", m->line_bytes,
                     EV_MAX_LINE);
        else
            snprintf(res->reason, sizeof res->reason,
                     "line of %lld bytes is longer than NATS carries (raise the server's "
                     "max_payload)", m->line_bytes);
        if (res->ev.seq) runner_feed(&a->r, res);
    } else {
        const char *s = m->data ? m->data : "";
        size_t n = m->len;
        if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) s += 3, n -= 3;
        if (ev_parse_line(a->rd, s, n, res) != EV_BLANK) {
            res->ev.seq = next_event(a, m->seq);
            if (res->ev.seq) runner_feed(&a->r, res);
        }
    }
    free(res);
    if (a->r.failed) fail(a, a->r.failed == SLATE_ERROR ? EXIT_INPUT : EXIT_IO, "partition %u: "
                          "stream sequence %" PRIu64 ": %s", a->p, m->seq, a->r.err);
    return a->failed != 0;
}

/* ---- one partition -------------------------------------------------------------------- */

static void end_partition(al *a)
{
    if (a->have_runner) runner_release(&a->r);
    a->have_runner = 0;
    ev_reader_free(a->rd);
    a->rd = NULL;
    free_published(a);
    a->nsmap = 0;
}

static int archive_partition(al *a, unsigned p, uint64_t *decisions)
{
    char ev_stream[48], dec_stream[48];
    sjs_stream_name(SJS_EVENTS, p, ev_stream, sizeof ev_stream);
    sjs_stream_name(SJS_DECISIONS, p, dec_stream, sizeof dec_stream);
    sjs_stream_state st, ds;
    sjs_err e;
    sjs_status s = sjs_stream_state_of(a->c, ev_stream, &st, &e);
    if (s == SJS_NOTFOUND || (s == SJS_OK && st.last_seq == 0)) return 0; /* nothing to archive */
    if (s != SJS_OK) return fail(a, EXIT_IO, "%s", e.msg);
    if (st.first_seq > 1)
        return fail(a, EXIT_INPUT, "partition %u: the stream %s starts at sequence %" PRIu64
                    ": its limits removed messages, so its history cannot be replayed", p,
                    ev_stream, st.first_seq);
    a->p = p;
    a->events = a->ticks = a->swaps = a->rejects = 0;
    if (!a->kv) {
        /* opening a bucket creates it when missing: one no worker made would
         * have one replica, whatever the cluster's workers are to be given */
        sjs_stream_state ks;
        s = sjs_stream_state_of(a->c, "KV_" AL_POLICY_BUCKET, &ks, &e);
        if (s == SJS_NOTFOUND)
            return fail(a, EXIT_INPUT, "partition %u: its stream holds %" PRIu64 " messages but "
                        "no worker has run (there is no bucket " AL_POLICY_BUCKET ")", p,
                        st.last_seq);
        if (s != SJS_OK || (s = sjs_kv_open(a->c, AL_POLICY_BUCKET, 0, &a->kv, &e)) != SJS_OK)
            return fail(a, EXIT_IO, "%s", e.msg);
    }

    /* what the workers published, by number */
    s = sjs_stream_state_of(a->c, dec_stream, &ds, &e);
    if (s == SJS_OK && ds.last_seq > 0)
        s = sjs_read_range(a->c, dec_stream, ds.first_seq ? ds.first_seq : 1, ds.last_seq, 0,
                           on_published, a, &e);
    if (a->failed) return a->failed;
    if (s != SJS_OK && s != SJS_NOTFOUND) return fail(a, EXIT_IO, "%s", e.msg);

    /* the policy the partition's history starts with */
    char key[32];
    snprintf(key, sizeof key, "init.%u", p);
    void *v = NULL;
    size_t vlen = 0;
    s = sjs_kv_get(a->kv, key, &v, &vlen, &e);
    if (s == SJS_NOTFOUND)
        return fail(a, EXIT_INPUT, "partition %u: its stream holds %" PRIu64 " messages but no "
                    "worker has run it (the bucket " AL_POLICY_BUCKET " has no %s)", p,
                    st.last_seq, key);
    if (s != SJS_OK) return fail(a, EXIT_IO, "%s", e.msg);
    a->cur = program(a, v);
    free(v);
    if (!a->cur) return a->failed;

    if (slate_log_set_part(a->log, p, 0)) return fail(a, EXIT_IO, "%s", slate_log_errmsg(a->log));
    slate_engine_opts eo = SLATE_ENGINE_OPTS_INIT;
    eo.tolerance_ms = a->o->tolerance_ms;
    slate_log_policy lp = rr_policy_info(a->cur->prog, a->cur->image, a->cur->len, NULL, 0);
    a->have_runner = 1;
    if (runner_init(&a->r, a->cur->prog, &eo, NULL, a->log, &lp))
        return fail(a, EXIT_IO, "partition %u: %s", p, a->r.err);
    a->r.out.next = on_decision;
    a->r.out.next_ud = a;
    a->dbase = a->r.out.seq;
    a->ebase = a->eseq;
    dj_memo_init(&a->memo);
    a->rd = reader_for(a->cur->prog, a->o->strict);
    if (!a->rd) return fail(a, EXIT_IO, "out of memory");

    s = sjs_read_range(a->c, ev_stream, 1, st.last_seq, 0, on_event_msg, a, &e);
    if (a->failed) return a->failed;
    if (s != SJS_OK) return fail(a, EXIT_IO, "%s", e.msg);

    uint64_t made = a->r.out.seq - a->dbase;
    if (made < a->npub)
        return fail(a, EXIT_INPUT, "partition %u: the workers published %zu decisions, the "
                    "re-run of its %" PRIu64 " messages makes %" PRIu64 " (none from decision %"
                    PRIu64 " on; the workers' --tolerance and --strict must be given)", p,
                    a->npub, st.last_seq, made, made + 1);
    *decisions += made;
    if (!a->o->quiet)
        fprintf(stderr, "slate archive: partition %u: %" PRIu64 " messages: %" PRIu64
                " events, %" PRIu64 " ticks, %" PRIu64 " policy swaps; %" PRIu64
                " decisions (%" PRIu64 " rejects), each as published\n",
                p, st.last_seq, a->events, a->ticks, a->swaps, made, a->rejects);
    return 0;
}

static void remove_log(const char *path)
{
    static const char *const tails[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof tails / sizeof *tails; i++) {
        char name[4096];
        snprintf(name, sizeof name, "%s%s", path, tails[i]);
        unlink(name);
    }
}

int archive_log(sjs_conn *c, const al_opts *o)
{
    if (access(o->path, F_OK) == 0) {
        fprintf(stderr, "slate archive: %s exists: an archive is written to a new file\n",
                o->path);
        return EXIT_IO;
    }
    char tol[48], strict[16];
    snprintf(tol, sizeof tol, "tolerance_ms=%lld", (long long)o->tolerance_ms);
    /* the worker's reader rejects undeclared keys with --strict; its engine is
     * not strict: the log's level 1 (rerun.h) */
    snprintf(strict, sizeof strict, "strict=%d", o->strict ? 1 : 0);
    const char *options[] = {tol, strict, "max_skip_ms=0", NULL};
    slate_log_opts lo = {0};
    lo.options = options;
    lo.partitions = o->nparts;
    al a;
    memset(&a, 0, sizeof a);
    a.o = o;
    a.c = c;
    char *err = NULL;
    if (slate_log_open_opts(o->path, &lo, &a.log, &err)) {
        fprintf(stderr, "slate archive: %s\n", err ? err : "cannot open the log");
        slate_log_free(err);
        return EXIT_IO;
    }
    uint64_t decisions = 0;
    unsigned parts = 0;
    for (unsigned p = 0; p < o->nparts && !a.failed; p++) {
        archive_partition(&a, p, &decisions);
        if (!a.failed && a.have_runner) parts++;
        end_partition(&a);
    }
    int status = a.failed;
    if (status) fprintf(stderr, "slate archive: %s\n", a.err);
    char head[65];
    snprintf(head, sizeof head, "%s", slate_log_head(a.log));
    if (slate_log_close(a.log, &err) && !status) {
        fprintf(stderr, "slate archive: %s\n", err ? err : "cannot write the log");
        status = EXIT_IO;
    }
    slate_log_free(err);
    if (status) {
        remove_log(o->path); /* half an archive would read as a whole one */
        fprintf(stderr, "slate archive: %s not written\n", o->path);
    } else if (!o->quiet) {
        fprintf(stderr, "slate archive: %s: %u partitions, %" PRIu64 " events, %" PRIu64
                " decisions; head %s\n", o->path, parts, a.eseq, decisions, head);
    }
    for (size_t i = 0; i < a.nprogs; i++) {
        slate_program_free(a.progs[i].prog);
        free(a.progs[i].image);
    }
    free(a.progs);
    free(a.smap);
    free(a.buf);
    sjs_kv_close(a.kv);
    return status;
}
