/*
 * js_stream.c - the per-partition streams: their names, the configuration slate
 * expects of them, creating a missing one and refusing one that differs.  It does
 * not delete or change an existing stream: that is an operator's decision, and
 * the message says which setting differs so they can make it.
 */
#include <inttypes.h>
#include <string.h>

#include "js_int.h"

#define NS_PER_MS INT64_C(1000000)

static const char *kind_word(sjs_kind k)
{
    return k == SJS_EVENTS ? "events" : "decisions";
}

void sjs_stream_name(sjs_kind kind, unsigned p, char *buf, size_t n)
{
    snprintf(buf, n, "%s_%u", kind == SJS_EVENTS ? "SLATE_EV" : "SLATE_DEC", p);
}

void sjs_subject(sjs_kind kind, unsigned p, char *buf, size_t n)
{
    snprintf(buf, n, "slate.%s.%u", kind_word(kind), p);
}

/* The configuration of spec's stream, pointing into the caller's buffers. */
typedef struct expected {
    char name[48], subject[48], desc[96];
    const char *subjects[1];
    int64_t replicas, dup_ns;
    jsStreamConfig cfg;
} expected;

static void expect(expected *e, const sjs_stream_spec *spec)
{
    sjs_stream_name(spec->kind, spec->partition, e->name, sizeof e->name);
    sjs_subject(spec->kind, spec->partition, e->subject, sizeof e->subject);
    snprintf(e->desc, sizeof e->desc, "slate %s partition %u of %u", kind_word(spec->kind),
             spec->partition, spec->nparts);
    e->subjects[0] = e->subject;
    e->replicas = spec->replicas > 0 ? spec->replicas : 1;
    int64_t win = spec->dup_window_ms > SJS_MIN_DUP_WINDOW_MS ? spec->dup_window_ms
                                                              : SJS_MIN_DUP_WINDOW_MS;
    e->dup_ns = win * NS_PER_MS;
    jsStreamConfig_Init(&e->cfg);
    e->cfg.Name = e->name;
    e->cfg.Description = e->desc;
    e->cfg.Subjects = e->subjects;
    e->cfg.SubjectsLen = 1;
    e->cfg.Retention = js_LimitsPolicy;
    e->cfg.Storage = js_FileStorage;
    e->cfg.Replicas = e->replicas;
    e->cfg.Duplicates = e->dup_ns;
}

/* SJS_OK if the stream's configuration `h` is what `e` expects, else
 * SJS_MISMATCH naming the first setting that differs. */
static sjs_status compare(const expected *e, const jsStreamConfig *h, sjs_err *err)
{
    const char *n = e->name;
    if (h->SubjectsLen != 1 || strcmp(h->Subjects[0], e->subject))
        return sjs__fail(err, SJS_MISMATCH,
                         "stream %s exists with subjects %s%s, expected only %s", n,
                         h->SubjectsLen > 0 ? h->Subjects[0] : "(none)",
                         h->SubjectsLen > 1 ? ", ..." : "", e->subject);
    if (!h->Description || strcmp(h->Description, e->desc))
        return sjs__fail(err, SJS_MISMATCH,
                         "stream %s exists as \"%s\", expected \"%s\" (another partition "
                         "count? every publisher and worker must use the same)",
                         n, h->Description ? h->Description : "", e->desc);
    if (h->Retention != js_LimitsPolicy)
        return sjs__fail(err, SJS_MISMATCH,
                         "stream %s exists with %s retention, expected limits (a replay "
                         "needs the messages kept after they are consumed)",
                         n, h->Retention == js_WorkQueuePolicy ? "work-queue" : "interest");
    if (h->Storage != js_FileStorage)
        return sjs__fail(err, SJS_MISMATCH,
                         "stream %s exists with memory storage, expected file storage", n);
    if (h->Replicas != e->replicas)
        return sjs__fail(err, SJS_MISMATCH, "stream %s exists with %" PRId64 " replica%s, "
                         "expected %" PRId64, n, h->Replicas, h->Replicas == 1 ? "" : "s",
                         e->replicas);
    if (h->Duplicates < e->dup_ns)
        return sjs__fail(err, SJS_MISMATCH,
                         "stream %s exists with a duplicate window of %" PRId64 " s, expected "
                         "at least %" PRId64 " s",
                         n, h->Duplicates / (1000 * NS_PER_MS), e->dup_ns / (1000 * NS_PER_MS));
    return SJS_OK;
}

/* One try of sjs_stream_ensure. */
static sjs_status ensure_once(sjs_conn *c, expected *e, int *created, sjs_err *err)
{
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus ns = js_GetStreamInfo(&si, c->js, e->name, NULL, &jerr);
    if (ns == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) {
        jerr = 0;
        ns = js_AddStream(&si, c->js, &e->cfg, NULL, &jerr);
        if (ns == NATS_OK) {
            if (created) *created = 1;
        } else if (jerr == JSStreamNameExistErr) { /* created meanwhile by another */
            jsStreamInfo_Destroy(si);
            si = NULL;
            ns = js_GetStreamInfo(&si, c->js, e->name, NULL, &jerr);
        } else if (jerr == JSStreamSubjectOverlapErr) {
            return sjs__fail(err, SJS_MISMATCH,
                             "stream %s cannot be created: another stream already takes "
                             "subject %s", e->name, e->subject);
        }
    }
    if (ns != NATS_OK) {
        jsStreamInfo_Destroy(si);
        return sjs__nats(err, ns, jerr, "stream %s", e->name);
    }
    sjs_status s = compare(e, si->Config, err);
    jsStreamInfo_Destroy(si);
    return s;
}

sjs_status sjs_stream_ensure(sjs_conn *c, const sjs_stream_spec *spec, int *created,
                             sjs_err *err)
{
    if (created) *created = 0;
    if (spec->nparts == 0 || spec->nparts > SJS_MAX_PARTS || spec->partition >= spec->nparts)
        return sjs__fail(err, SJS_ERROR, "partition %u of %u is out of range (1 to %d partitions)",
                         spec->partition, spec->nparts, SJS_MAX_PARTS);
    expected e;
    expect(&e, spec);
    int64_t deadline = sjs__now_ms() + c->request_ms, backoff = 100;
    sjs_status s;
    while (sjs__retry(s = ensure_once(c, &e, created, err), deadline, &backoff)) {
    }
    return s;
}

sjs_status sjs_stream_state_of(sjs_conn *c, const char *stream, sjs_stream_state *st,
                               sjs_err *err)
{
    memset(st, 0, sizeof *st);
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus ns;
    int64_t deadline = sjs__now_ms() + c->request_ms, backoff = 100;
    while ((ns = js_GetStreamInfo(&si, c->js, stream, NULL, &jerr)) != NATS_OK &&
           sjs__retry(sjs__nats(NULL, ns, jerr, "-"), deadline, &backoff)) {
        jsStreamInfo_Destroy(si);
        si = NULL;
    }
    if (ns != NATS_OK) {
        jsStreamInfo_Destroy(si);
        return sjs__nats(err, ns, jerr, "stream %s", stream);
    }
    st->msgs = si->State.Msgs;
    st->first_seq = si->State.Msgs ? si->State.FirstSeq : 0;
    st->last_seq = si->State.LastSeq;
    st->bytes = si->State.Bytes;
    jsStreamInfo_Destroy(si);
    return SJS_OK;
}
