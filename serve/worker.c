/*
 * worker.c - the main thread of `slate serve` (worker.h): load the policy,
 * reach NATS, check the streams, then loop: renew the leases and stop the
 * partitions whose lease is lost, share the partitions fairly among the live
 * workers (acquire up to ceil(N / workers), give up the excess), turn the wall
 * clock into tick messages every second, reload the policy on request; and at
 * the end drain every partition and release the leases.
 *
 * Not here: what a partition does with its messages (part.c), checkpoints
 * (part_ckpt.c), the HTTP side of /metrics (metrics.c), options and signal
 * handlers (cli/cmd_serve.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "slatec.h"
#include "status.h"
#include "timestamp.h"
#include "wk_int.h"

#define LOOP_MS 100          /* the main loop's period */
#define BALANCE_MS 1000      /* how often the shares are looked at */
#define TICK_MS 1000         /* how often ticks are published */
#define COOLDOWN_MS 10000    /* a partition that failed here is left alone this long */
#define GIVEN_UP_MS 5000     /* a partition given up to share is not taken back sooner */
#define ORPHAN_LOOKS 2       /* free this many looks (1 s apart) before any worker takes it */

/* ---- shared helpers (wk_int.h) ------------------------------------------------------ */

void wk_log(worker *w, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    char when[TS_FORMAT_MAX + 2] = "";
    if (w->o->log_time) {
        ts_format(wk_wall_ms(), when);
        strcat(when, " ");
    }
    pthread_mutex_lock(&w->mu);
    fprintf(w->log, "%sslate serve[%s]: %s\n", when, w->name, line);
    fflush(w->log);
    pthread_mutex_unlock(&w->mu);
}

int64_t wk_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t wk_wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

int wk_nap(worker *w, const atomic_int *stop, int64_t ms)
{
    for (int64_t t = 0;; t += 50) {
        if ((stop && atomic_load(stop)) || atomic_load(&w->stopping)) return 1;
        if (t >= ms) return 0;
        nanosleep(&(struct timespec){0, 50 * 1000000L}, NULL);
    }
}

const wk_prog *wk_current(worker *w)
{
    pthread_mutex_lock(&w->mu);
    const wk_prog *p = w->current;
    pthread_mutex_unlock(&w->mu);
    return p;
}

/* Add prog to the worker's list (taking it); the entry for its hash. */
static const wk_prog *add_program(worker *w, slate_program *prog)
{
    const char *hash = slate_program_hash(prog);
    pthread_mutex_lock(&w->mu);
    for (wk_prog *p = w->progs; p; p = p->next)
        if (!strcmp(p->hash, hash)) { /* loaded meanwhile by another thread */
            pthread_mutex_unlock(&w->mu);
            slate_program_free(prog);
            return p;
        }
    wk_prog *p = calloc(1, sizeof *p);
    if (p) {
        snprintf(p->hash, sizeof p->hash, "%s", hash);
        p->prog = prog;
        p->next = w->progs;
        w->progs = p;
    } else {
        slate_program_free(prog);
    }
    pthread_mutex_unlock(&w->mu);
    return p;
}

const wk_prog *wk_program(worker *w, sjs_kv *kv, const char *hash, sjs_err *err)
{
    pthread_mutex_lock(&w->mu);
    for (wk_prog *p = w->progs; p; p = p->next)
        if (!strcmp(p->hash, hash)) {
            pthread_mutex_unlock(&w->mu);
            return p;
        }
    pthread_mutex_unlock(&w->mu);
    char key[96];
    snprintf(key, sizeof key, "img.%.64s", hash);
    void *bytes = NULL;
    size_t len = 0;
    if (!kv || sjs_kv_get(kv, key, &bytes, &len, err) != SJS_OK) {
        if (!kv && err) snprintf(err->msg, sizeof err->msg, "no policy bucket");
        return NULL;
    }
    slate_program *prog = NULL;
    char *why = NULL;
    int rc = slate_program_load(bytes, len, &prog, &why);
    free(bytes);
    if (rc != SLATE_OK) {
        if (err) snprintf(err->msg, sizeof err->msg, "image %s refused: %s", key,
                          why ? why : slate_errstr(rc));
        slate_free(why);
        return NULL;
    }
    if (strcmp(slate_program_hash(prog), hash)) {
        if (err) snprintf(err->msg, sizeof err->msg, "image %s has another hash", key);
        slate_program_free(prog);
        return NULL;
    }
    const wk_prog *p = add_program(w, prog);
    if (!p && err) snprintf(err->msg, sizeof err->msg, "out of memory");
    return p;
}

wk_reject wk_reject_class(const char *r)
{
    if (!r) return WK_R_OTHER;
    if (!strncmp(r, "not JSON", 8) || !strncmp(r, "not a JSON object", 17)) return WK_R_MALFORMED;
    if (!strncmp(r, "line of ", 8)) return WK_R_TOO_LONG;
    if (strstr(r, "before the stream's time")) return WK_R_LATE;
    if (!strncmp(r, "unknown case", 12) || strstr(r, "is already open") ||
        strstr(r, "` is closed (at ") || strstr(r, "` was closed at ") || /* `reopen` */
        strstr(r, "has no case") || !strncmp(r, "missing `case`", 14) || !strncmp(r, "`case`", 6))
        return WK_R_CASE;
    if (r[0] == '`' || !strncmp(r, "missing ", 8) || !strncmp(r, "value ", 6)) return WK_R_SCHEMA;
    return WK_R_OTHER;
}

/* ---- the policy ----------------------------------------------------------------------- */

/* Compile or load the policy file; diagnostics on the log.  0 with *prog and
 * *image, else an exit status. */
static int load_policy(worker *w, slate_program **prog, uint8_t **image, size_t *len)
{
    size_t n;
    char *bytes = slatec_read_file(w->o->policy, &n);
    if (!bytes) {
        wk_log(w, "cannot read %s: %s", w->o->policy, strerror(errno));
        return EXIT_IO;
    }
    slatec_opts so = SLATEC_OPTS_INIT;
    so.diag = w->log;
    so.summary = 1;
    char *err = NULL;
    int rc = slatec_load(&so, w->o->policy, bytes, n, prog, image, len, &err);
    free(bytes);
    if (err) wk_log(w, "%s: not a valid compiled policy: %s", w->o->policy, err);
    slate_free(err);
    if (rc == SLATE_OK) return 0;
    return rc == SLATE_ERROR ? EXIT_INPUT : EXIT_IO;
}

/* Store the image under its hash in the policy bucket, for any worker that
 * meets the hash in a partition's history. */
static int store_image(worker *w, sjs_kv *kv, const char *hash, const uint8_t *image, size_t len)
{
    char key[96];
    snprintf(key, sizeof key, "img.%s", hash);
    sjs_err e;
    for (int tries = 0; tries < 5; tries++) {
        sjs_status s = sjs_kv_put(kv, key, image, len, &e);
        if (s == SJS_OK) return 0;
        if (s != SJS_TIMEOUT && s != SJS_UNREACHABLE) break;
        nanosleep(&(struct timespec){0, 500 * 1000000L}, NULL);
    }
    wk_log(w, "cannot store the policy image: %s", e.msg);
    return -1;
}

/* ---- the main loop's state ------------------------------------------------------------ */

typedef struct ctl {
    worker *w;
    unsigned n;
    sjs_leases *l;
    sjs_pub *ticks;
    sjs_kv *kv;
    unsigned offset;      /* where this worker starts looking for free partitions */
    uint8_t *giving_up;   /* asked to stop to balance: release its lease after */
    int64_t *cooldown;    /* monotonic ms before which p is not taken again */
    uint8_t *seen_free;   /* looks in a row at which p was not ours and maybe free */
    unsigned members;     /* live workers at the last count */
    int renew_outage, members_outage;
} ctl;

static unsigned running(const ctl *c)
{
    unsigned k = 0;
    for (unsigned p = 0; p < c->n; p++) k += c->w->parts[p] && !c->giving_up[p];
    return k;
}

/* Take free partitions up to the fair share, ceil(N / live workers), and give
 * up what is above it.  The count of live workers comes from their presence
 * keys; when it cannot be had (a leader election under way), the last count
 * serves and nothing is given up.  A partition seen free at ORPHAN_LOOKS looks
 * in a row is taken even above the share: a dead worker's partitions must not
 * wait for a count that is late or stale (the excess is given up at a later
 * count).  Workers under their share take a free partition at the first look,
 * so they win it in the usual case.
 * Returns 0, or -1 when the count failed (the caller looks again sooner). */
static int balance(ctl *c)
{
    worker *w = c->w;
    unsigned members = 0;
    sjs_err e;
    int fresh = sjs_leases_members(c->l, &members, &e) == SJS_OK;
    if (!fresh) {
        if (!c->members_outage++) wk_log(w, "cannot count the workers: %s", e.msg);
        members = c->members;
    } else {
        if (c->members_outage) wk_log(w, "%u workers live", members);
        c->members_outage = 0;
        c->members = members;
    }
    if (members == 0) members = 1;
    unsigned fair = (c->n + members - 1) / members, owned = running(c);
    for (unsigned p = c->n; fresh && p-- > 0 && owned > fair;) {
        if (!w->parts[p] || c->giving_up[p]) continue;
        if (!w->o->quiet)
            wk_log(w, "partition %u: giving it up to share (%u workers, %u each at most)", p,
                   members, fair);
        part_stop(w->parts[p], 0);
        c->giving_up[p] = 1;
        owned--;
    }
    int64_t now = wk_mono_ms();
    for (unsigned i = 0; i < c->n; i++) {
        unsigned p = (c->offset + i) % c->n;
        if (w->parts[p] || now < c->cooldown[p]) {
            c->seen_free[p] = 0;
            continue;
        }
        int orphan = c->seen_free[p] >= ORPHAN_LOOKS;
        if (owned >= fair && !orphan) {
            if (c->seen_free[p] < ORPHAN_LOOKS) c->seen_free[p]++; /* maybe free */
            continue;
        }
        sjs_status s = sjs_lease_acquire(c->l, p, &e);
        if (s == SJS_HELD) {
            c->seen_free[p] = 0;
            continue;
        }
        if (s != SJS_OK) {
            wk_log(w, "partition %u: cannot take its lease: %s", p, e.msg);
            break;
        }
        c->seen_free[p] = 0;
        w->parts[p] = part_start(w, p);
        if (!w->parts[p]) {
            wk_log(w, "partition %u: cannot start its thread", p);
            sjs_lease_release(c->l, p, NULL);
            c->cooldown[p] = now + COOLDOWN_MS;
            continue;
        }
        if (!w->o->quiet) wk_log(w, "partition %u: acquired%s", p, orphan ? " (left free)" : "");
        owned++;
    }
    return fresh ? 0 : -1;
}

/* Renew the leases; stop the partitions whose lease is gone. */
static void renew(ctl *c)
{
    worker *w = c->w;
    unsigned lost[SJS_MAX_PARTS], nlost = 0;
    sjs_err e;
    if (sjs_leases_renew(c->l, lost, &nlost, &e) != SJS_OK) {
        if (!c->renew_outage++) wk_log(w, "renewing leases: %s; retrying", e.msg);
    } else if (c->renew_outage) {
        c->renew_outage = 0;
        wk_log(w, "leases renewed again");
    }
    for (unsigned i = 0; i < nlost; i++)
        if (w->parts[lost[i]]) {
            wk_log(w, "partition %u: lease lost; stopping it", lost[i]);
            part_stop(w->parts[lost[i]], 1);
        }
    for (unsigned p = 0; p < c->n; p++)
        if (w->parts[p] && !sjs_lease_held(c->l, p)) part_stop(w->parts[p], 1);
}

/* Free the partitions whose thread ended; give back leases still held. */
static void reap(ctl *c)
{
    worker *w = c->w;
    for (unsigned p = 0; p < c->n; p++) {
        int failed = 0;
        if (!w->parts[p] || !part_finished(w->parts[p], &failed)) continue;
        part_free(w->parts[p]);
        w->parts[p] = NULL;
        if (failed) {
            wk_log(w, "partition %u: stopped on an error; released, not taken again for %d s", p,
                   COOLDOWN_MS / 1000);
            c->cooldown[p] = wk_mono_ms() + COOLDOWN_MS;
        } else if (c->giving_up[p]) {
            /* Not taken back as an orphan at once: two workers over their share
             * were seen handing one partition to each other every 2 s, each
             * taking it back as "left free" and giving it up again, while the
             * worker under its share missed every short window it was free. */
            c->cooldown[p] = wk_mono_ms() + GIVEN_UP_MS;
            if (!w->o->quiet) wk_log(w, "partition %u: given up", p);
        }
        c->giving_up[p] = 0;
        sjs_lease_release(c->l, p, NULL);
    }
}

/* One tick per live partition with open cases or held events whose time is
 * behind now minus the tolerance (a partition with nothing open and nothing
 * held has nothing to fire or release). */
static void publish_ticks(ctl *c)
{
    worker *w = c->w;
    int64_t at = wk_wall_ms() - w->o->tolerance_ms;
    char when[TS_FORMAT_MAX + 1];
    ts_format(at, when);
    int sent = 0;
    for (unsigned p = 0; p < c->n; p++) {
        int64_t now;
        part *pt = w->parts[p];
        if (!pt || c->giving_up[p] || !part_live(pt, &now)) continue;
        if (now != INT64_MIN && at <= now) continue;
        if (atomic_load(&w->pm[p].open_cases) == 0 && atomic_load(&w->pm[p].held) == 0)
            continue;
        char subject[48], id[64], ms[24], body[96];
        sjs_subject(SJS_EVENTS, p, subject, sizeof subject);
        snprintf(id, sizeof id, "tick-%u-%" PRId64, p, at);
        snprintf(ms, sizeof ms, "%" PRId64, at);
        int n = snprintf(body, sizeof body, "{\"type\":\"tick\",\"at\":\"%s\"}", when);
        sjs_header h = {"Slate-Tick", ms};
        if (sjs_pub_sendh(c->ticks, subject, id, body, (size_t)n, &h, 1, NULL) == SJS_OK) sent++;
    }
    if (sent) {
        sjs_pub_wait(c->ticks, 2000, NULL, NULL);
        atomic_fetch_add(&w->ticks, (uint64_t)sent);
    }
}

/* SIGHUP: compile the file again; on success make it the current policy (each
 * partition then records the swap in its stream); on failure keep the old. */
static void reload(ctl *c)
{
    worker *w = c->w;
    slate_program *prog = NULL;
    uint8_t *image = NULL;
    size_t len = 0;
    const wk_prog *old = wk_current(w);
    if (load_policy(w, &prog, &image, &len)) {
        atomic_fetch_add(&w->reload_failures, 1);
        wk_log(w, "reload refused: %s does not load; still running %.12s", w->o->policy, old->hash);
        return;
    }
    const char *hash = slate_program_hash(prog);
    if (!strcmp(hash, old->hash)) {
        wk_log(w, "reload: %s is unchanged (%.12s)", w->o->policy, hash);
        slate_program_free(prog);
        free(image);
        atomic_fetch_add(&w->reloads, 1);
        return;
    }
    if (store_image(w, c->kv, hash, image, len)) {
        atomic_fetch_add(&w->reload_failures, 1);
        wk_log(w, "reload refused: the policy could not be recorded; still running %.12s",
               old->hash);
        slate_program_free(prog);
        free(image);
        return;
    }
    free(image);
    const wk_prog *np = add_program(w, prog);
    if (!np) return;
    pthread_mutex_lock(&w->mu);
    w->current = np;
    pthread_mutex_unlock(&w->mu);
    atomic_fetch_add(&w->reloads, 1);
    wk_log(w, "reload: policy %.12s replaces %.12s; each partition swaps at a marker in its "
           "stream", np->hash, old->hash);
}

/* ---- start and end --------------------------------------------------------------------- */

/* At start, servers of a cluster that has just started (or is electing leaders)
 * answer late: a step that fails for such a reason is tried again, with one
 * notice, until the start-up time (--timeout) has passed.  Sets `s`. */
#define START_RETRY(w, until, s, e, expr)                                              \
    for (int64_t bo_ = 250;; bo_ = bo_ * 2 > 2000 ? 2000 : bo_ * 2) {                  \
        (s) = (expr);                                                                  \
        if ((s) == SJS_OK || ((s) != SJS_TIMEOUT && (s) != SJS_UNREACHABLE) ||         \
            wk_mono_ms() >= (until))                                                   \
            break;                                                                     \
        if (bo_ == 250) wk_log((w), "%s; retrying", (e).msg);                          \
        nanosleep(&(struct timespec){bo_ / 1000, (bo_ % 1000) * 1000000L}, NULL);      \
    }

static void default_name(char *buf, size_t n)
{
    char host[64] = "slate";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = 0;
    snprintf(buf, n, "%.40s-%ld", host, (long)getpid());
    for (char *s = buf; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_'))
            *s = '_';
}

/* Check (or create) every partition's two streams.  An exit status. */
static int ensure_streams(worker *w, int64_t until)
{
    for (unsigned p = 0; p < w->o->nparts; p++)
        for (int k = 0; k < 2; k++) {
            sjs_stream_spec spec = {k ? SJS_DECISIONS : SJS_EVENTS, p, w->o->nparts,
                                    w->o->replicas, 0};
            sjs_err e;
            sjs_status s;
            START_RETRY(w, until, s, e, sjs_stream_ensure(w->c, &spec, NULL, &e));
            if (s != SJS_OK) {
                wk_log(w, "%s", e.msg);
                return s == SJS_MISMATCH ? EXIT_INPUT : EXIT_IO;
            }
        }
    return EXIT_OK;
}

/* Wait for every partition's thread to finish its batch, with the drain's
 * deadline.  1 when one could not acknowledge its events. */
static int drain(ctl *c)
{
    worker *w = c->w;
    int64_t drain_ms = w->o->drain_ms > 0 ? w->o->drain_ms : 30000;
    w->drain_deadline = wk_mono_ms() + drain_ms;
    atomic_store(&w->stopping, 1);
    int unacked = 0;
    for (unsigned p = 0; p < c->n; p++)
        if (w->parts[p]) part_stop(w->parts[p], 0);
    for (unsigned p = 0; p < c->n; p++) {
        if (!w->parts[p]) continue;
        if (part_free(w->parts[p])) unacked = 1; /* joins */
        w->parts[p] = NULL;
    }
    return unacked;
}

static int serve(worker *w, ctl *c, volatile sig_atomic_t *term, volatile sig_atomic_t *hup)
{
    int64_t last_balance = INT64_MIN / 2, last_tick = wk_mono_ms();
    while (!*term) {
        if (*hup) {
            *hup = 0;
            reload(c);
        }
        renew(c);
        reap(c);
        int64_t now = wk_mono_ms();
        if (now - last_balance >= BALANCE_MS) {
            /* a failed count is tried again sooner */
            last_balance = balance(c) ? now - BALANCE_MS + 300 : now;
        }
        if (!w->o->no_ticks && now - last_tick >= TICK_MS) {
            publish_ticks(c);
            last_tick = now;
        }
        nanosleep(&(struct timespec){0, LOOP_MS * 1000000L}, NULL);
    }
    return EXIT_OK;
}

int sw_run(const sw_opts *o, volatile sig_atomic_t *term, volatile sig_atomic_t *hup)
{
    worker w;
    memset(&w, 0, sizeof w);
    w.o = o;
    w.log = o->log ? o->log : stderr;
    w.started_ms = wk_wall_ms();
    pthread_mutex_init(&w.mu, NULL);
    if (o->name)
        snprintf(w.name, sizeof w.name, "%s", o->name);
    else
        default_name(w.name, sizeof w.name);
    ctl c = {.w = &w, .n = o->nparts};
    w.pm = calloc(o->nparts, sizeof *w.pm);
    w.parts = calloc(o->nparts, sizeof *w.parts);
    c.giving_up = calloc(o->nparts, 1);
    c.cooldown = calloc(o->nparts, sizeof *c.cooldown);
    c.seen_free = calloc(o->nparts, 1);
    int status = EXIT_OK;
    if (!w.pm || !w.parts || !c.giving_up || !c.cooldown || !c.seen_free) {
        wk_log(&w, "out of memory");
        status = EXIT_IO;
        goto out;
    }
    for (const char *s = w.name; *s; s++) c.offset = c.offset * 31 + (unsigned char)*s;
    c.offset %= o->nparts;

    slate_program *prog = NULL;
    uint8_t *image = NULL;
    size_t ilen = 0;
    if ((status = load_policy(&w, &prog, &image, &ilen))) goto out;
    w.current = add_program(&w, prog);
    if (!w.current) {
        free(image);
        status = EXIT_IO;
        goto out;
    }

    char who[96];
    snprintf(who, sizeof who, "slate serve[%s]", w.name);
    sjs_opts co = {.url = o->url, .name = who, .timeout_ms = o->timeout_ms ? o->timeout_ms : 30000,
                   .request_ms = 5000, .log = w.log, .who = who};
    sjs_err e;
    sjs_status s;
    if ((s = sjs_connect(&co, &w.c, &e)) != SJS_OK) {
        wk_log(&w, "%s", e.msg);
        free(image);
        status = EXIT_IO;
        goto out;
    }
    int64_t until = wk_mono_ms() + (o->timeout_ms ? o->timeout_ms : 30000);
    if ((status = ensure_streams(&w, until))) {
        free(image);
        goto out;
    }
    START_RETRY(&w, until, s, e, sjs_kv_open(w.c, WK_POLICY_BUCKET, o->replicas, &c.kv, &e));
    if (s != SJS_OK) {
        wk_log(&w, "%s", e.msg);
        free(image);
        status = s == SJS_MISMATCH ? EXIT_INPUT : EXIT_IO;
        goto out;
    }
    int stored = store_image(&w, c.kv, w.current->hash, image, ilen);
    free(image);
    if (stored) {
        status = EXIT_IO;
        goto out;
    }
    sjs_lease_opts lo = {.owner = w.name, .ttl_ms = o->lease_ttl_ms, .replicas = o->replicas,
                         .nparts = o->nparts};
    START_RETRY(&w, until, s, e, sjs_leases_open(w.c, &lo, &c.l, &e));
    if (s != SJS_OK) {
        wk_log(&w, "%s", e.msg);
        status = s == SJS_MISMATCH || s == SJS_HELD ? EXIT_INPUT : EXIT_IO;
        goto out;
    }
    if ((s = sjs_pub_open(w.c, &(sjs_pub_opts){.max_inflight = 4096, .ack_wait_ms = 2000},
                          &c.ticks, &e)) != SJS_OK) {
        wk_log(&w, "%s", e.msg);
        status = EXIT_IO;
        goto out;
    }
    if (o->metrics && wk_metrics_start(&w, o->metrics, &e)) {
        wk_log(&w, "metrics: %s", e.msg);
        status = EXIT_IO;
        goto out;
    }
    char url[256];
    sjs_connected_url(w.c, url, sizeof url);
    wk_log(&w, "serving %u partitions with policy %.12s (%s) from NATS at %s%s", o->nparts,
           w.current->hash, o->policy, url, o->no_ticks ? "; no ticks" : "");

    status = serve(&w, &c, term, hup);
    wk_log(&w, "draining");
    if (drain(&c)) status = EXIT_IO;
    sjs_leases_close(c.l); /* releases every lease and the presence key */
    c.l = NULL;
    sjs_pub_wait(c.ticks, 2000, NULL, NULL);
    wk_log(&w, status == EXIT_OK ? "drained: every event processed is acknowledged; leases "
                                   "released"
                                 : "stopped with events unacknowledged (their next owner "
                                   "does them again)");
out:
    if (w.http) wk_metrics_stop(&w);
    sjs_leases_close(c.l);
    sjs_pub_close(c.ticks);
    sjs_kv_close(c.kv);
    sjs_close(w.c);
    while (w.progs) {
        wk_prog *p = w.progs;
        w.progs = p->next;
        slate_program_free(p->prog);
        free(p);
    }
    free(w.pm);
    free(w.parts);
    free(c.giving_up);
    free(c.cooldown);
    free(c.seen_free);
    pthread_mutex_destroy(&w.mu);
    return status;
}
