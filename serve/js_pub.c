/*
 * js_pub.c - publishing to JetStream: asynchronous sends with a de-duplication
 * id, a bounded number in flight, acks counted as they come back on libnats's
 * thread, and a final wait for all of them.  It does not retry: a message that
 * failed is reported, and sending it again with the same id is safe (the
 * stream's duplicate window drops a second copy), which is the caller's call.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "js_int.h"

struct sjs_pub {
    sjs_conn *c;
    jsCtx *js;            /* its own: libnats keys the ack handler on the context */
    int64_t ack_wait_ms;
    void (*on_ack)(void *ud, const sjs_ack *a);
    void *ud;
    pthread_mutex_t mu;   /* guards st's ack counts and first_error */
    sjs_pub_stats st;
    char first_error[256];
};

/* Called by libnats for each message: an ack (pa), a refusal or a timeout (pae).
 * The last access to p is the unlock, so sjs_pub_close can tell from the counts
 * that no handler still needs p. */
static void ack_handler(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *ud)
{
    (void)js;
    sjs_pub *p = ud;
    sjs_ack a = {.subject = natsMsg_GetSubject(msg)};
    if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &a.msg_id) != NATS_OK) a.msg_id = NULL;
    if (pa) {
        a.seq = pa->Sequence;
        a.duplicate = pa->Duplicate;
    } else {
        a.error = !pae                               ? "unknown failure"
                  : pae->Err == NATS_TIMEOUT            ? "no acknowledgement in time"
                  : pae->ErrText && *pae->ErrText       ? pae->ErrText
                                                        : natsStatus_GetText(pae->Err);
    }
    pthread_mutex_lock(&p->mu);
    if (a.error) {
        if (p->st.failed++ == 0)
            snprintf(p->first_error, sizeof p->first_error, "%s (subject %s)", a.error, a.subject);
    } else if (a.duplicate) {
        p->st.duplicates++;
    } else {
        p->st.stored++;
    }
    if (p->on_ack) p->on_ack(p->ud, &a);
    pthread_mutex_unlock(&p->mu);
    natsMsg_Destroy(msg);
}

sjs_status sjs_pub_open(sjs_conn *c, const sjs_pub_opts *opts, sjs_pub **out, sjs_err *err)
{
    *out = NULL;
    sjs_pub *p = calloc(1, sizeof *p);
    if (!p) return sjs__fail(err, SJS_NOMEM, "out of memory");
    p->c = c;
    p->ack_wait_ms = opts && opts->ack_wait_ms > 0 ? opts->ack_wait_ms : c->request_ms;
    p->on_ack = opts ? opts->on_ack : NULL;
    p->ud = opts ? opts->ud : NULL;
    pthread_mutex_init(&p->mu, NULL);
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = c->request_ms;
    jo.PublishAsync.MaxPending = opts && opts->max_inflight > 0 ? opts->max_inflight : 1024;
    jo.PublishAsync.AckHandler = ack_handler;
    jo.PublishAsync.AckHandlerClosure = p;
    jo.PublishAsync.StallWait = p->ack_wait_ms;
    natsStatus ns = natsConnection_JetStream(&p->js, c->nc, &jo);
    if (ns != NATS_OK) {
        pthread_mutex_destroy(&p->mu);
        free(p);
        return sjs__nats(err, ns, 0, "cannot set up publishing");
    }
    *out = p;
    return SJS_OK;
}

/* 1 if id can go into the Nats-Msg-Id header unchanged (a header value loses
 * surrounding blanks and cannot hold line breaks, so neither is allowed). */
static int id_ok(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 255) return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)id[i] <= ' ' || id[i] == 0x7f) return 0;
    return 1;
}

sjs_status sjs_pub_send(sjs_pub *p, const char *subject, const char *msg_id, const void *data,
                        size_t len, const char *hdr_name, const char *hdr_value, sjs_err *err)
{
    sjs_header h = {hdr_name, hdr_value};
    return sjs_pub_sendh(p, subject, msg_id, data, len, &h, hdr_name ? 1 : 0, err);
}

sjs_status sjs_pub_sendh(sjs_pub *p, const char *subject, const char *msg_id, const void *data,
                         size_t len, const sjs_header *hdrs, int nhdrs, sjs_err *err)
{
    if (msg_id && !id_ok(msg_id))
        return sjs__fail(err, SJS_ERROR, "message id `%.64s` is empty, longer than 255 bytes "
                         "or holds blanks or control characters", msg_id);
    if (len > INT32_MAX) return sjs__fail(err, SJS_ERROR, "message of %zu bytes is too large", len);
    natsMsg *m = NULL;
    natsStatus ns = natsMsg_Create(&m, subject, NULL, data, (int)len);
    for (int i = 0; ns == NATS_OK && i < nhdrs; i++)
        ns = natsMsgHeader_Set(m, hdrs[i].name, hdrs[i].value);
    if (ns == NATS_OK) {
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MsgId = msg_id;
        po.MaxWait = p->ack_wait_ms;
        ns = js_PublishMsgAsync(p->js, &m, &po);
    }
    natsMsg_Destroy(m); /* NULL (a no-op) once libnats took it */
    if (ns == NATS_TIMEOUT)
        return sjs__fail(err, SJS_TIMEOUT, "publish to %s: no acknowledgements for %lld ms with "
                         "the in-flight window full", subject, (long long)p->ack_wait_ms);
    if (ns != NATS_OK) return sjs__nats(err, ns, 0, "publish to %s", subject);
    p->st.sent++;
    return SJS_OK;
}

uint64_t sjs_pub_failed(sjs_pub *p)
{
    pthread_mutex_lock(&p->mu);
    uint64_t n = p->st.failed;
    pthread_mutex_unlock(&p->mu);
    return n;
}

/* Take back what is still unacknowledged (no handler will see it now) and count
 * it as failed. */
static void drop_pending(sjs_pub *p)
{
    natsMsgList pending = {0};
    /* libnats 3.4.1 crashes listing the pending messages of a context that never
     * published asynchronously */
    if (p->st.sent == 0) return;
    if (js_PublishAsyncGetPendingList(&pending, p->js) != NATS_OK) return;
    pthread_mutex_lock(&p->mu);
    for (int i = 0; i < pending.Count; i++) {
        sjs_ack a = {.subject = natsMsg_GetSubject(pending.Msgs[i]),
                     .error = "no acknowledgement in time"};
        if (natsMsgHeader_Get(pending.Msgs[i], "Nats-Msg-Id", &a.msg_id) != NATS_OK)
            a.msg_id = NULL;
        if (p->st.failed++ == 0)
            snprintf(p->first_error, sizeof p->first_error, "%s (subject %s)", a.error,
                     a.subject);
        if (p->on_ack) p->on_ack(p->ud, &a);
    }
    pthread_mutex_unlock(&p->mu);
    natsMsgList_Destroy(&pending);
}

sjs_status sjs_pub_wait(sjs_pub *p, int64_t timeout_ms, sjs_pub_stats *st, sjs_err *err)
{
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = timeout_ms > 0 ? timeout_ms : p->ack_wait_ms;
    natsStatus ns = js_PublishAsyncComplete(p->js, &po);
    if (ns != NATS_OK) drop_pending(p);
    pthread_mutex_lock(&p->mu);
    sjs_pub_stats now = p->st;
    char first[256];
    memcpy(first, p->first_error, sizeof first);
    pthread_mutex_unlock(&p->mu);
    if (st) *st = now;
    if (now.failed == 0) return SJS_OK;
    return sjs__fail(err, ns == NATS_TIMEOUT ? SJS_TIMEOUT : SJS_ERROR,
                     "%llu of %llu messages not stored; the first: %s",
                     (unsigned long long)now.failed, (unsigned long long)now.sent, first);
}

void sjs_pub_close(sjs_pub *p)
{
    if (!p) return;
    drop_pending(p);
    /* a handler may still be running on libnats's thread: wait until every
     * message sent is accounted for (bounded; leak p rather than free it under
     * a running handler) */
    for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&p->mu);
        int done = p->st.stored + p->st.duplicates + p->st.failed >= p->st.sent;
        pthread_mutex_unlock(&p->mu);
        if (done) {
            jsCtx_Destroy(p->js);
            pthread_mutex_destroy(&p->mu);
            free(p);
            return;
        }
        nanosleep(&(struct timespec){0, 5000000}, NULL);
    }
    jsCtx_Destroy(p->js);
}
