/*
 * js_conn.c - the connection to NATS (retries, backoff, notices, JetStream
 * readiness) and the error helpers the other js_*.c files share.  Streams are in
 * js_stream.c, publishing in js_pub.c, consuming in js_consume.c, leases in
 * js_lease.c, checkpoints in js_ckpt.c.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "js_int.h"

/* Notices from libnats's callback thread need the connection's log and name
 * after the caller may have started closing it: sjs_close() waits for the
 * closed callback (always the last one) before freeing, guarded by this. */
typedef struct conn_full {
    struct sjs_conn pub;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int closing, closed;
    int leak;             /* a closed callback never came: never free this */
} conn_full;

const char *sjs_status_name(sjs_status s)
{
    static const char *const names[] = {
        "ok", "unreachable", "timeout", "mismatch", "not found", "held",
        "lost", "corrupt", "gone", "out of memory", "error",
    };
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "error";
}

sjs_status sjs__fail(sjs_err *err, sjs_status s, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return s;
}

static sjs_status map_status(natsStatus ns)
{
    switch (ns) {
    case NATS_OK: return SJS_OK;
    case NATS_TIMEOUT: return SJS_TIMEOUT;
    case NATS_NO_SERVER:
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_STALE_CONNECTION:
    case NATS_NOT_YET_CONNECTED:
    case NATS_NO_RESPONDERS:
    case NATS_IO_ERROR: return SJS_UNREACHABLE;
    case NATS_NOT_FOUND: return SJS_NOTFOUND;
    case NATS_NO_MEMORY: return SJS_NOMEM;
    default: return SJS_ERROR;
    }
}

sjs_status sjs__nats(sjs_err *err, natsStatus ns, jsErrCode jerr, const char *fmt, ...)
{
    sjs_status s = map_status(ns);
    if (jerr == JSStreamNotFoundErr || jerr == JSConsumerNotFoundErr) s = SJS_NOTFOUND;
    if (!err) return s;
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    natsStatus last = NATS_OK;
    const char *text = nats_GetLastError(&last);
    if (last != ns || !text || !*text) text = natsStatus_GetText(ns);
    if (text[0] == '(') { /* libnats prefixes "(file.c:123): ", which users need not see */
        const char *e = strstr(text, "): ");
        if (e) text = e + 3;
    }
    if (ns == NATS_NO_RESPONDERS) text = "no JetStream answered (is it enabled on the server?)";
    snprintf(err->msg, sizeof err->msg, "%s: %s", what, text);
    return s;
}

int64_t sjs__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

int sjs__retry(sjs_status s, int64_t deadline, int64_t *backoff)
{
    if (s != SJS_TIMEOUT && s != SJS_UNREACHABLE) return 0;
    int64_t left = deadline - sjs__now_ms();
    if (left <= 0) return 0;
    sleep_ms(*backoff < left ? *backoff : left);
    *backoff = *backoff * 2 > 1000 ? 1000 : *backoff * 2;
    return 1;
}

int sjs__token_ok(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max) return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-'))
            return 0;
    }
    return 1;
}

void sjs_library_close(void)
{
    nats_CloseAndWait(2000);
}

/* ---- notices from libnats's thread ------------------------------------------- */

static void on_disconnected(natsConnection *nc, void *ud)
{
    (void)nc;
    conn_full *f = ud;
    pthread_mutex_lock(&f->mu);
    if (!f->closing && f->pub.log)
        fprintf(f->pub.log, "%s: lost the connection to NATS; reconnecting\n", f->pub.who);
    pthread_mutex_unlock(&f->mu);
}

static void on_reconnected(natsConnection *nc, void *ud)
{
    conn_full *f = ud;
    char url[256] = "";
    natsConnection_GetConnectedUrl(nc, url, sizeof url);
    atomic_fetch_add(&f->pub.reconnects, 1);
    pthread_mutex_lock(&f->mu);
    if (!f->closing && f->pub.log)
        fprintf(f->pub.log, "%s: reconnected to NATS at %s\n", f->pub.who, url);
    pthread_mutex_unlock(&f->mu);
}

static void on_closed(natsConnection *nc, void *ud)
{
    (void)nc;
    conn_full *f = ud;
    pthread_mutex_lock(&f->mu);
    f->closed = 1;
    pthread_cond_signal(&f->cv);
    pthread_mutex_unlock(&f->mu);
}

/* ---- connecting ------------------------------------------------------------------ */

/* Close and destroy f->pub.nc, waiting (5 s at most) for its closed callback,
 * queued on libnats's thread, so that no notice can reach freed memory.  When it
 * does not come, f->leak is set: leaking f is better than risking that. */
static void close_nc(conn_full *f)
{
    pthread_mutex_lock(&f->mu);
    f->closing = 1;
    pthread_mutex_unlock(&f->mu);
    natsConnection_Close(f->pub.nc);
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 5;
    pthread_mutex_lock(&f->mu);
    while (!f->closed && !f->leak)
        f->leak = pthread_cond_timedwait(&f->cv, &f->mu, &dl) == ETIMEDOUT;
    f->closed = f->closing = 0;
    pthread_mutex_unlock(&f->mu);
    natsConnection_Destroy(f->pub.nc);
    f->pub.nc = NULL;
}

/* The comma-separated URLs of `urls` as the server list (SetURL takes one). */
static natsStatus set_servers(natsOptions *o, const char *urls)
{
    char buf[2048];
    const char *list[32];
    int n = 0;
    snprintf(buf, sizeof buf, "%s", urls);
    for (char *save = NULL, *u = strtok_r(buf, ", ", &save); u && n < 32;
         u = strtok_r(NULL, ", ", &save))
        list[n++] = u;
    if (n == 0) return NATS_INVALID_ARG;
    return natsOptions_SetServers(o, list, n);
}

static natsStatus make_options(natsOptions **o, const sjs_opts *opts, conn_full *f,
                               int64_t attempt_ms)
{
    natsStatus ns = natsOptions_Create(o);
    if (ns != NATS_OK) return ns;
    if ((ns = set_servers(*o, opts && opts->url ? opts->url : SJS_DEFAULT_URL)) != NATS_OK)
        return ns;
    if ((ns = natsOptions_SetName(*o, opts && opts->name ? opts->name : "slate")) != NATS_OK)
        return ns;
    if ((ns = natsOptions_SetTimeout(*o, attempt_ms)) != NATS_OK) return ns;
    /* once connected, never give up: a worker outlives a server restart */
    if ((ns = natsOptions_SetMaxReconnect(*o, -1)) != NATS_OK) return ns;
    if ((ns = natsOptions_SetReconnectWait(*o, 500)) != NATS_OK) return ns;
    if ((ns = natsOptions_SetDisconnectedCB(*o, on_disconnected, f)) != NATS_OK) return ns;
    if ((ns = natsOptions_SetReconnectedCB(*o, on_reconnected, f)) != NATS_OK) return ns;
    return natsOptions_SetClosedCB(*o, on_closed, f);
}

/* One attempt: a connection and a JetStream that answers.  On failure, *why
 * says what went wrong (the caller may retry). */
static sjs_status attempt(conn_full *f, const sjs_opts *opts, int64_t attempt_ms, sjs_err *why)
{
    natsOptions *o = NULL;
    natsStatus ns = make_options(&o, opts, f, attempt_ms);
    if (ns == NATS_OK) ns = natsConnection_Connect(&f->pub.nc, o);
    natsOptions_Destroy(o);
    if (ns != NATS_OK) {
        f->pub.nc = NULL;
        return sjs__nats(why, ns, 0, "cannot connect");
    }
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = f->pub.request_ms < attempt_ms ? f->pub.request_ms : attempt_ms;
    jsErrCode jerr = 0;
    jsAccountInfo *ai = NULL;
    ns = natsConnection_JetStream(&f->pub.js, f->pub.nc, &jo);
    if (ns == NATS_OK) ns = js_GetAccountInfo(&ai, f->pub.js, NULL, &jerr);
    jsAccountInfo_Destroy(ai);
    if (ns == NATS_OK) {
        /* later requests wait the full request time */
        jsCtx_Destroy(f->pub.js);
        jo.Wait = f->pub.attempt_ms;
        ns = natsConnection_JetStream(&f->pub.js, f->pub.nc, &jo);
        if (ns == NATS_OK) return SJS_OK;
    }
    sjs_status s = sjs__nats(why, ns, jerr, "connected, but JetStream is not ready");
    if (jerr == JSNotEnabledErr || jerr == JSNotEnabledForAccountErr)
        sjs__fail(why, s, "JetStream is not enabled on the server (start nats-server with -js)");
    jsCtx_Destroy(f->pub.js);
    f->pub.js = NULL;
    close_nc(f);
    return s == SJS_OK ? SJS_ERROR : s;
}

sjs_status sjs_connect(const sjs_opts *opts, sjs_conn **out, sjs_err *err)
{
    *out = NULL;
    conn_full *f = calloc(1, sizeof *f);
    if (!f) return sjs__fail(err, SJS_NOMEM, "out of memory");
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    f->pub.request_ms = opts && opts->request_ms > 0 ? opts->request_ms : 5000;
    f->pub.attempt_ms = f->pub.request_ms < 5000 ? f->pub.request_ms : 5000;
    f->pub.log = opts ? opts->log : NULL;
    snprintf(f->pub.who, sizeof f->pub.who, "%s", opts && opts->who ? opts->who : "slate");
    const char *url = opts && opts->url ? opts->url : SJS_DEFAULT_URL;
    int64_t total = opts && opts->timeout_ms > 0 ? opts->timeout_ms : 10000;
    int64_t start = sjs__now_ms(), backoff = 100;
    sjs_err why;
    for (int tries = 0;; tries++) {
        int64_t left = total - (sjs__now_ms() - start);
        sjs_status s = attempt(f, opts, left < 2000 ? (left > 100 ? left : 100) : 2000, &why);
        if (s == SJS_OK) break;
        left = total - (sjs__now_ms() - start);
        if (left <= 0 || s == SJS_NOMEM) {
            sjs__fail(err, s == SJS_NOMEM ? s : SJS_UNREACHABLE,
                      "no NATS server with JetStream at %s after %.1f s (%d attempt%s): %s",
                      url, (double)(sjs__now_ms() - start) / 1000, tries + 1,
                      tries ? "s" : "", why.msg);
            sjs_close(&f->pub);
            return s == SJS_NOMEM ? s : SJS_UNREACHABLE;
        }
        if (tries == 0 && f->pub.log)
            fprintf(f->pub.log, "%s: NATS at %s: %s; retrying for up to %.0f s\n", f->pub.who, url,
                    why.msg, (double)left / 1000);
        sleep_ms(backoff < left ? backoff : left);
        backoff = backoff * 2 > 2000 ? 2000 : backoff * 2;
    }
    *out = &f->pub;
    return SJS_OK;
}

void sjs_close(sjs_conn *c)
{
    if (!c) return;
    conn_full *f = (conn_full *)c;
    jsCtx_Destroy(c->js);
    c->js = NULL;
    if (c->nc) close_nc(f);
    if (f->leak) return;
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
    free(f);
}

uint64_t sjs_reconnects(const sjs_conn *c)
{
    return atomic_load(&((sjs_conn *)c)->reconnects);
}

void sjs_connected_url(sjs_conn *c, char *buf, size_t n)
{
    if (n == 0) return;
    buf[0] = 0;
    if (natsConnection_GetConnectedUrl(c->nc, buf, n) != NATS_OK) buf[0] = 0;
}

int64_t sjs_max_payload(sjs_conn *c)
{
    return natsConnection_GetMaxPayload(c->nc);
}
