/*
 * js_consume.c - reading streams: a durable pull consumer with explicit acks
 * (the worker's feed of one partition), and a read of a sequence range through
 * an ordered ephemeral consumer (the replay from a checkpoint).  It does not
 * decide what to ack or when: the caller acks after it has processed a message
 * and published what came of it.
 */
#include <stdlib.h>
#include <string.h>

#include "js_int.h"

#define NS_PER_MS INT64_C(1000000)

struct sjs_consumer {
    sjs_conn *c;
    natsSubscription *sub;
    char stream[64], durable[64];
};

/* Fill m from libnats's message n (metadata from its reply subject). */
static void fill_msg(sjs_msg *m, natsMsg *n)
{
    memset(m, 0, sizeof *m);
    m->impl_ = n;
    m->subject = natsMsg_GetSubject(n);
    m->data = natsMsg_GetData(n);
    m->len = (size_t)natsMsg_GetDataLength(n);
    m->line_bytes = -1;
    jsMsgMetaData *meta = NULL;
    if (natsMsg_GetMetaData(&meta, n) == NATS_OK) {
        m->seq = meta->Sequence.Stream;
        m->delivered = meta->NumDelivered;
        m->pending = meta->NumPending;
        m->time_ns = meta->Timestamp;
        jsMsgMetaData_Destroy(meta);
    }
    if (natsMsgHeader_Get(n, "Nats-Msg-Id", &m->msg_id) != NATS_OK) m->msg_id = NULL;
    const char *lb = NULL;
    if (natsMsgHeader_Get(n, "Slate-Line-Bytes", &lb) == NATS_OK && lb) {
        char *end;
        long long v = strtoll(lb, &end, 10);
        if (end != lb && *end == 0 && v >= 0) m->line_bytes = v;
    }
}

/* Create durable `o->durable` on `stream` unless it exists (deleting it first
 * with o->reset). */
static sjs_status ensure_durable(sjs_conn *c, const char *stream, const sjs_consumer_opts *o,
                                 sjs_err *err)
{
    jsErrCode jerr = 0;
    if (o->reset) {
        sjs_status s = sjs_consumer_delete(c, stream, o->durable, err);
        if (s != SJS_OK) return s;
    }
    jsConsumerInfo *ci = NULL;
    natsStatus ns = js_GetConsumerInfo(&ci, c->js, stream, o->durable, NULL, &jerr);
    if (ns == NATS_OK) {
        int explicit_acks = ci->Config && ci->Config->AckPolicy == js_AckExplicit;
        jsConsumerInfo_Destroy(ci);
        if (!explicit_acks)
            return sjs__fail(err, SJS_MISMATCH, "consumer %s of stream %s exists without "
                             "explicit acks", o->durable, stream);
        return SJS_OK;
    }
    if (ns != NATS_NOT_FOUND && jerr != JSConsumerNotFoundErr)
        return sjs__nats(err, ns, jerr, "consumer %s of stream %s", o->durable, stream);
    jsConsumerConfig cfg;
    jsConsumerConfig_Init(&cfg);
    cfg.Durable = o->durable;
    cfg.AckPolicy = js_AckExplicit;
    cfg.AckWait = (o->ack_wait_ms > 0 ? o->ack_wait_ms : 30000) * NS_PER_MS;
    cfg.MaxAckPending = o->max_ack_pending > 0 ? o->max_ack_pending : 1000;
    cfg.DeliverPolicy = o->start_seq > 0 ? js_DeliverByStartSequence : js_DeliverAll;
    cfg.OptStartSeq = o->start_seq;
    ci = NULL;
    jerr = 0;
    ns = js_AddConsumer(&ci, c->js, stream, &cfg, NULL, &jerr);
    jsConsumerInfo_Destroy(ci);
    if (ns != NATS_OK)
        return sjs__nats(err, ns, jerr, "cannot create consumer %s of stream %s", o->durable,
                         stream);
    return SJS_OK;
}

sjs_status sjs_consumer_open(sjs_conn *c, const char *stream, const sjs_consumer_opts *opts,
                             sjs_consumer **out, sjs_err *err)
{
    *out = NULL;
    if (!sjs__token_ok(opts->durable, 63))
        return sjs__fail(err, SJS_ERROR, "consumer name `%s` must be 1 to 63 of A-Z a-z 0-9 _ -",
                         opts->durable ? opts->durable : "");
    if (strlen(stream) >= 64) return sjs__fail(err, SJS_ERROR, "stream name too long");
    int64_t deadline = sjs__now_ms() + c->request_ms, backoff = 100;
    sjs_status s;
    while (sjs__retry(s = ensure_durable(c, stream, opts, err), deadline, &backoff)) {
    }
    if (s != SJS_OK) return s;
    sjs_consumer *k = calloc(1, sizeof *k);
    if (!k) return sjs__fail(err, SJS_NOMEM, "out of memory");
    k->c = c;
    snprintf(k->stream, sizeof k->stream, "%s", stream);
    snprintf(k->durable, sizeof k->durable, "%s", opts->durable);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = k->stream;
    so.Consumer = k->durable;
    jsErrCode jerr = 0;
    natsStatus ns = js_PullSubscribe(&k->sub, c->js, NULL, NULL, NULL, &so, &jerr);
    if (ns != NATS_OK) {
        free(k);
        return sjs__nats(err, ns, jerr, "cannot bind to consumer %s of stream %s",
                         opts->durable, stream);
    }
    *out = k;
    return SJS_OK;
}

sjs_status sjs_fetch(sjs_consumer *k, int max, int64_t wait_ms, sjs_batch *b, sjs_err *err)
{
    memset(b, 0, sizeof *b);
    natsMsgList *list = calloc(1, sizeof *list);
    if (!list) return sjs__fail(err, SJS_NOMEM, "out of memory");
    jsErrCode jerr = 0;
    natsStatus ns = natsSubscription_Fetch(list, k->sub, max > 0 ? max : 1,
                                           wait_ms > 0 ? wait_ms : 1, &jerr);
    if (list->Count == 0) {
        natsMsgList_Destroy(list);
        free(list);
        if (ns == NATS_OK || ns == NATS_TIMEOUT) return SJS_OK;
        return sjs__nats(err, ns, jerr, "fetch from %s", k->stream);
    }
    b->msgs = calloc((size_t)list->Count, sizeof *b->msgs);
    if (!b->msgs) {
        natsMsgList_Destroy(list);
        free(list);
        return sjs__fail(err, SJS_NOMEM, "out of memory");
    }
    for (int i = 0; i < list->Count; i++) fill_msg(&b->msgs[i], list->Msgs[i]);
    b->count = list->Count;
    b->impl_ = list;
    return SJS_OK;
}

void sjs_batch_free(sjs_batch *b)
{
    if (!b) return;
    if (b->impl_) {
        natsMsgList_Destroy(b->impl_);
        free(b->impl_);
    }
    free(b->msgs);
    memset(b, 0, sizeof *b);
}

const char *sjs_msg_header(const sjs_msg *m, const char *name)
{
    const char *v = NULL;
    if (!m->impl_ || natsMsgHeader_Get(m->impl_, name, &v) != NATS_OK) return NULL;
    return v;
}

sjs_status sjs_ack_msg(const sjs_msg *m, sjs_err *err)
{
    natsStatus ns = natsMsg_Ack(m->impl_, NULL);
    return ns == NATS_OK ? SJS_OK : sjs__nats(err, ns, 0, "ack of seq %llu",
                                              (unsigned long long)m->seq);
}

sjs_status sjs_ack_sync(const sjs_msg *m, sjs_err *err)
{
    jsErrCode jerr = 0;
    natsStatus ns = natsMsg_AckSync(m->impl_, NULL, &jerr);
    return ns == NATS_OK ? SJS_OK : sjs__nats(err, ns, jerr, "ack of seq %llu",
                                              (unsigned long long)m->seq);
}

sjs_status sjs_nak(const sjs_msg *m, sjs_err *err)
{
    natsStatus ns = natsMsg_Nak(m->impl_, NULL);
    return ns == NATS_OK ? SJS_OK : sjs__nats(err, ns, 0, "nak of seq %llu",
                                              (unsigned long long)m->seq);
}

sjs_status sjs_consumer_state_by_name(sjs_conn *c, const char *stream, const char *durable,
                                      sjs_consumer_state *st, sjs_err *err)
{
    memset(st, 0, sizeof *st);
    jsConsumerInfo *ci = NULL;
    jsErrCode jerr = 0;
    natsStatus ns;
    int64_t deadline = sjs__now_ms() + c->request_ms, backoff = 100;
    while ((ns = js_GetConsumerInfo(&ci, c->js, stream, durable, NULL, &jerr)) != NATS_OK &&
           sjs__retry(sjs__nats(NULL, ns, jerr, "-"), deadline, &backoff)) {
        jsConsumerInfo_Destroy(ci);
        ci = NULL;
    }
    if (ns != NATS_OK) {
        jsConsumerInfo_Destroy(ci);
        return sjs__nats(err, ns, jerr, "consumer %s of stream %s", durable, stream);
    }
    st->ack_floor = ci->AckFloor.Stream;
    st->delivered = ci->Delivered.Stream;
    st->pending = ci->NumPending;
    st->ack_pending = (uint64_t)ci->NumAckPending;
    st->redelivered = (uint64_t)ci->NumRedelivered;
    jsConsumerInfo_Destroy(ci);
    return SJS_OK;
}

sjs_status sjs_consumer_state_of(sjs_consumer *k, sjs_consumer_state *st, sjs_err *err)
{
    /* by name: libnats 3.4.1 does not record the consumer of a bound subscription */
    return sjs_consumer_state_by_name(k->c, k->stream, k->durable, st, err);
}

void sjs_consumer_close(sjs_consumer *k)
{
    if (!k) return;
    natsSubscription_Destroy(k->sub); /* without Unsubscribe: the durable stays */
    free(k);
}

sjs_status sjs_consumer_delete(sjs_conn *c, const char *stream, const char *durable,
                               sjs_err *err)
{
    jsErrCode jerr = 0;
    natsStatus ns = js_DeleteConsumer(c->js, stream, durable, NULL, &jerr);
    if (ns == NATS_OK || ns == NATS_NOT_FOUND || jerr == JSConsumerNotFoundErr) return SJS_OK;
    return sjs__nats(err, ns, jerr, "cannot delete consumer %s of stream %s", durable, stream);
}

/* ---- a range by sequence --------------------------------------------------- */

/* The stream's one subject (copied into buf) and its first and last sequence. */
static sjs_status range_bounds(sjs_conn *c, const char *stream, char *buf, size_t n,
                               uint64_t *first, uint64_t *last, sjs_err *err)
{
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus ns = js_GetStreamInfo(&si, c->js, stream, NULL, &jerr);
    if (ns != NATS_OK) {
        jsStreamInfo_Destroy(si);
        return sjs__nats(err, ns, jerr, "stream %s", stream);
    }
    sjs_status s = SJS_OK;
    if (si->Config->SubjectsLen != 1)
        s = sjs__fail(err, SJS_ERROR, "stream %s has %d subjects; a range is read from "
                      "streams of one", stream, si->Config->SubjectsLen);
    else
        snprintf(buf, n, "%s", si->Config->Subjects[0]);
    *first = si->State.Msgs ? si->State.FirstSeq : si->State.LastSeq + 1;
    *last = si->State.LastSeq;
    jsStreamInfo_Destroy(si);
    return s;
}

sjs_status sjs_read_range(sjs_conn *c, const char *stream, uint64_t from, uint64_t to,
                          int64_t wait_ms, sjs_msg_fn fn, void *ud, sjs_err *err)
{
    char subject[256];
    uint64_t first = 0, last = 0;
    sjs_status s = range_bounds(c, stream, subject, sizeof subject, &first, &last, err);
    if (s != SJS_OK) return s;
    if (from == 0) from = 1;
    if (to == 0 || to > last) to = last;
    if (from > to) return SJS_OK;
    if (from < first)
        return sjs__fail(err, SJS_GONE, "stream %s holds sequences from %llu, but %llu is "
                         "needed: its limits removed messages", stream,
                         (unsigned long long)first, (unsigned long long)from);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = stream;
    so.Ordered = true;
    so.Config.DeliverPolicy = js_DeliverByStartSequence;
    so.Config.OptStartSeq = from;
    natsSubscription *sub = NULL;
    jsErrCode jerr = 0;
    /* The reading consumer is created by the cluster, which may place it on a
     * server that is down and then never answer: each try waits at most 2 s,
     * and tries go on (each placed anew) for the connection's request time. */
    jsCtx *js = NULL;
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = c->attempt_ms < 2000 ? c->attempt_ms : 2000;
    natsStatus ns = natsConnection_JetStream(&js, c->nc, &jo);
    int64_t deadline = sjs__now_ms() + c->request_ms, backoff = 100;
    if (ns == NATS_OK)
        while ((ns = js_SubscribeSync(&sub, js, subject, NULL, &so, &jerr)) != NATS_OK &&
               sjs__retry(sjs__nats(NULL, ns, jerr, "-"), deadline, &backoff)) {
            sub = NULL;
            jerr = 0;
        }
    if (ns != NATS_OK) {
        jsCtx_Destroy(js);
        return sjs__nats(err, ns, jerr, "cannot read stream %s", stream);
    }
    uint64_t seq = from - 1;
    while (seq < to) {
        natsMsg *n = NULL;
        ns = natsSubscription_NextMsg(&n, sub, wait_ms > 0 ? wait_ms : 30000);
        if (ns != NATS_OK) {
            s = sjs__nats(err, ns, 0, "reading stream %s after sequence %llu", stream,
                          (unsigned long long)seq);
            break;
        }
        sjs_msg m;
        fill_msg(&m, n);
        seq = m.seq;
        int stop = seq <= to && fn(ud, &m);
        natsMsg_Destroy(n);
        if (stop) break;
    }
    natsSubscription_Unsubscribe(sub); /* removes the ephemeral consumer */
    natsSubscription_Destroy(sub);
    jsCtx_Destroy(js);
    return s;
}
