/*
 * js_lease.c - partition ownership leased in a JetStream key-value bucket whose
 * TTL expires what is not renewed.  Key `p.<p>` holds the owner's name: taken
 * with a create (only if absent), kept with an update on the revision last
 * written (only if nobody wrote since), given up with a delete on that same
 * revision.  Key `w.<owner>` marks a live worker the same way.  It does not
 * decide which partitions to take (balancing is the worker's policy), and it
 * keeps its own clock: a lease counts as ours only until TTL - TTL/6 after the
 * send of its last successful write, which is before the server can expire it.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "js_int.h"

#define NS_PER_MS INT64_C(1000000)

typedef struct lease {
    uint64_t rev;         /* revision of our last write (0: not ours) */
    int64_t sent_ms;      /* monotonic time that write was sent */
} lease;

struct sjs_leases {
    sjs_conn *c;
    jsCtx *js;            /* waits at most TTL/3 for an answer */
    kvStore *kv;
    char bucket[64], owner[65], presence_key[80];
    char token[128];      /* the presence key's value: this manager alone writes it */
    int64_t ttl_ms;
    unsigned nparts;
    lease presence;
    lease l[];
};

static int64_t deadline(const sjs_leases *m, const lease *x)
{
    return x->sent_ms + m->ttl_ms - m->ttl_ms / 6;
}

/* 1 if the server refused a conditional write because the key moved on (the
 * only refusal that means "not ours"; others are outages, retried). */
static int wrong_last_seq(natsStatus ns)
{
    const char *text = nats_GetLastError(NULL);
    return ns == NATS_ERR && text && strstr(text, "wrong last sequence");
}

static void key_of(unsigned p, char *buf, size_t n)
{
    snprintf(buf, n, "p.%u", p);
}

/* Open the bucket, or create it with the TTL; an existing one with another TTL
 * would make every worker's arithmetic wrong, so it is refused. */
static sjs_status open_bucket(sjs_leases *m, int replicas, sjs_err *err)
{
    natsStatus ns = js_KeyValue(&m->kv, m->js, m->bucket);
    if (ns == NATS_NOT_FOUND) {
        kvConfig cfg;
        kvConfig_Init(&cfg);
        cfg.Bucket = m->bucket;
        cfg.Description = "slate partition leases";
        cfg.History = 1;
        cfg.TTL = m->ttl_ms * NS_PER_MS;
        cfg.Replicas = replicas > 0 ? replicas : 1;
        cfg.StorageType = js_FileStorage;
        ns = js_CreateKeyValue(&m->kv, m->js, &cfg);
    }
    if (ns != NATS_OK) return sjs__nats(err, ns, 0, "lease bucket %s", m->bucket);
    kvStatus *st = NULL;
    ns = kvStore_Status(&st, m->kv);
    if (ns != NATS_OK) return sjs__nats(err, ns, 0, "lease bucket %s", m->bucket);
    int64_t ttl = kvStatus_TTL(st);
    kvStatus_Destroy(st);
    if (ttl != m->ttl_ms * NS_PER_MS)
        return sjs__fail(err, SJS_MISMATCH, "lease bucket %s exists with a TTL of %lld ms, "
                         "expected %lld ms (every worker must use the same)", m->bucket,
                         (long long)(ttl / NS_PER_MS), (long long)m->ttl_ms);
    return SJS_OK;
}

/* Write `value` again on the key's current revision if the key still holds
 * `value`: our own earlier write whose answer was lost.  1 when done. */
static int take_back(sjs_leases *m, const char *key, const char *value, lease *x)
{
    kvEntry *e = NULL;
    int done = 0;
    if (kvStore_Get(&e, m->kv, key) == NATS_OK && kvEntry_ValueString(e) &&
        !strcmp(kvEntry_ValueString(e), value)) {
        int64_t t0 = sjs__now_ms();
        uint64_t rev = 0;
        if (kvStore_UpdateString(&rev, m->kv, key, value, kvEntry_Revision(e)) == NATS_OK) {
            x->rev = rev;
            x->sent_ms = t0;
            done = 1;
        }
    }
    kvEntry_Destroy(e);
    return done;
}

/* Create `key` holding `value`; SJS_HELD (naming the holder) if it exists.
 * A key that already holds `value` is our own write whose answer was lost (a
 * timeout, a leader election): it is taken back by an update on its revision,
 * which also restarts its TTL from a send time we know.  For a partition the
 * value is the owner's name, unique among live workers (the presence key, whose
 * value is unique to this manager, is taken first), so a lease with our name is
 * ours. */
static sjs_status create_key(sjs_leases *m, const char *key, const char *value, lease *x,
                             sjs_err *err)
{
    int64_t t0 = sjs__now_ms();
    uint64_t rev = 0;
    natsStatus ns = kvStore_CreateString(&rev, m->kv, key, value);
    if (ns == NATS_OK) {
        x->rev = rev;
        x->sent_ms = t0;
        return SJS_OK;
    }
    if (!wrong_last_seq(ns)) return sjs__nats(err, ns, 0, "lease %s", key);
    if (take_back(m, key, value, x)) return SJS_OK;
    kvEntry *e = NULL;
    const char *who = "another worker";
    if (kvStore_Get(&e, m->kv, key) == NATS_OK && kvEntry_ValueString(e))
        who = kvEntry_ValueString(e);
    sjs__fail(err, SJS_HELD, "%s is held by %s", key, who);
    kvEntry_Destroy(e);
    return SJS_HELD;
}

sjs_status sjs_leases_open(sjs_conn *c, const sjs_lease_opts *o, sjs_leases **out,
                           sjs_err *err)
{
    *out = NULL;
    if (!sjs__token_ok(o->owner, 64))
        return sjs__fail(err, SJS_ERROR, "worker name `%s` must be 1 to 64 of A-Z a-z 0-9 _ -",
                         o->owner ? o->owner : "");
    if (o->nparts == 0 || o->nparts > SJS_MAX_PARTS)
        return sjs__fail(err, SJS_ERROR, "%u partitions: expected 1 to %d", o->nparts,
                         SJS_MAX_PARTS);
    sjs_leases *m = calloc(1, sizeof *m + o->nparts * sizeof(lease));
    if (!m) return sjs__fail(err, SJS_NOMEM, "out of memory");
    m->c = c;
    m->nparts = o->nparts;
    m->ttl_ms = o->ttl_ms > 0 ? o->ttl_ms : 6000;
    snprintf(m->bucket, sizeof m->bucket, "%s", o->bucket ? o->bucket : SJS_LEASE_BUCKET);
    snprintf(m->owner, sizeof m->owner, "%s", o->owner);
    {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(m->token, sizeof m->token, "%s %ld.%09ld %p", o->owner, (long)ts.tv_sec,
                 ts.tv_nsec, (void *)m);
    }
    snprintf(m->presence_key, sizeof m->presence_key, "w.%s", o->owner);
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = m->ttl_ms / 3;
    natsStatus ns = natsConnection_JetStream(&m->js, c->nc, &jo);
    sjs_status s = ns == NATS_OK ? open_bucket(m, o->replicas, err)
                                 : sjs__nats(err, ns, 0, "lease bucket");
    if (s == SJS_OK) {
        s = create_key(m, m->presence_key, m->token, &m->presence, err);
        if (s == SJS_HELD)
            sjs__fail(err, s, "a worker named %s is live already (or stopped less than %lld ms "
                      "ago)", m->owner, (long long)m->ttl_ms);
    }
    if (s != SJS_OK) {
        kvStore_Destroy(m->kv);
        jsCtx_Destroy(m->js);
        free(m);
        return s;
    }
    *out = m;
    return SJS_OK;
}

int sjs_lease_held(const sjs_leases *m, unsigned p)
{
    return p < m->nparts && m->l[p].rev != 0 && sjs__now_ms() < deadline(m, &m->l[p]);
}

sjs_status sjs_lease_acquire(sjs_leases *m, unsigned p, sjs_err *err)
{
    if (p >= m->nparts)
        return sjs__fail(err, SJS_ERROR, "partition %u of %u is out of range", p, m->nparts);
    if (sjs_lease_held(m, p)) return SJS_OK;
    m->l[p].rev = 0;
    char key[32];
    key_of(p, key, sizeof key);
    return create_key(m, key, m->owner, &m->l[p], err);
}

/* Renew one key if due.  Returns SJS_LOST when it is no longer ours. */
/* Renew one key holding `value` if due.  Returns SJS_LOST when it is no longer
 * ours. */
static sjs_status renew_one(sjs_leases *m, const char *key, const char *value, lease *x,
                            sjs_err *err)
{
    int64_t now = sjs__now_ms();
    if (now >= deadline(m, x)) {
        x->rev = 0;
        return sjs__fail(err, SJS_LOST, "%s ran out before it could be renewed", key);
    }
    if (now - x->sent_ms < m->ttl_ms / 3) return SJS_OK;
    uint64_t rev = 0;
    natsStatus ns = kvStore_UpdateString(&rev, m->kv, key, value, x->rev);
    if (ns == NATS_OK) {
        x->rev = rev;
        x->sent_ms = now;
        return SJS_OK;
    }
    if (wrong_last_seq(ns)) { /* another revision: someone else's, or ours answered late */
        if (take_back(m, key, value, x)) return SJS_OK;
        x->rev = 0;
        return sjs__fail(err, SJS_LOST, "%s was taken over", key);
    }
    /* unreachable or slow: still ours until the deadline, retried next call */
    if (sjs__now_ms() >= deadline(m, x)) {
        x->rev = 0;
        return sjs__fail(err, SJS_LOST, "%s ran out before it could be renewed", key);
    }
    return sjs__nats(err, ns, 0, "renewing %s", key);
}

sjs_status sjs_leases_renew(sjs_leases *m, unsigned *lost, unsigned *nlost, sjs_err *err)
{
    *nlost = 0;
    sjs_status worst = SJS_OK;
    sjs_err e;
    for (unsigned p = 0; p < m->nparts; p++) {
        if (m->l[p].rev == 0) continue;
        char key[32];
        key_of(p, key, sizeof key);
        sjs_status s = renew_one(m, key, m->owner, &m->l[p], &e);
        if (s == SJS_LOST)
            lost[(*nlost)++] = p;
        else if (s != SJS_OK && worst == SJS_OK)
            worst = sjs__fail(err, s, "%s", e.msg);
    }
    sjs_status s = m->presence.rev ? renew_one(m, m->presence_key, m->token, &m->presence, &e)
                                   : create_key(m, m->presence_key, m->token, &m->presence, &e);
    if (s != SJS_OK && s != SJS_LOST && worst == SJS_OK) worst = sjs__fail(err, s, "%s", e.msg);
    return worst;
}

/* Delete `key` if it is still at revision x->rev: a delete marker published with
 * the expected last sequence, which is what kvStore_Delete sends minus that
 * condition. */
static sjs_status delete_if_ours(sjs_leases *m, const char *key, lease *x, sjs_err *err)
{
    if (x->rev == 0) return SJS_OK;
    char subject[160];
    snprintf(subject, sizeof subject, "$KV.%s.%s", m->bucket, key);
    natsMsg *msg = NULL;
    natsStatus ns = natsMsg_Create(&msg, subject, NULL, NULL, 0);
    if (ns == NATS_OK) ns = natsMsgHeader_Set(msg, "KV-Operation", "DEL");
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.ExpectLastSubjectSeq = x->rev;
    jsPubAck *pa = NULL;
    if (ns == NATS_OK) ns = js_PublishMsg(&pa, m->js, msg, &po, NULL);
    jsPubAck_Destroy(pa);
    natsMsg_Destroy(msg);
    x->rev = 0;
    if (ns == NATS_OK || wrong_last_seq(ns)) return SJS_OK; /* or not ours any more */
    return sjs__nats(err, ns, 0, "releasing %s", key);
}

sjs_status sjs_lease_release(sjs_leases *m, unsigned p, sjs_err *err)
{
    if (p >= m->nparts) return SJS_OK;
    char key[32];
    key_of(p, key, sizeof key);
    return delete_if_ours(m, key, &m->l[p], err);
}

sjs_status sjs_lease_holder(sjs_leases *m, unsigned p, char *buf, size_t n, sjs_err *err)
{
    if (n) buf[0] = 0;
    char key[32];
    key_of(p, key, sizeof key);
    kvEntry *e = NULL;
    natsStatus ns = kvStore_Get(&e, m->kv, key);
    if (ns == NATS_NOT_FOUND) return sjs__fail(err, SJS_NOTFOUND, "nobody holds %s", key);
    if (ns != NATS_OK) return sjs__nats(err, ns, 0, "lease %s", key);
    if (n) snprintf(buf, n, "%s", kvEntry_ValueString(e));
    kvEntry_Destroy(e);
    return SJS_OK;
}

sjs_status sjs_leases_members(sjs_leases *m, unsigned *count, sjs_err *err)
{
    /* From the stream's own view of its subjects, and each one's last message
     * (a delete marker: a worker that stopped): requests its leader answers.
     * Not kvStore_Keys, whose ephemeral consumer may be placed on a server that
     * is down, and then times out, for as long as that server is down. */
    *count = 0;
    char stream[80], filter[96];
    snprintf(stream, sizeof stream, "KV_%s", m->bucket);
    snprintf(filter, sizeof filter, "$KV.%s.w.>", m->bucket);
    jsOptions o;
    jsOptions_Init(&o);
    o.Stream.Info.SubjectsFilter = filter;
    jsStreamInfo *si = NULL;
    jsErrCode jerr = 0;
    natsStatus ns = js_GetStreamInfo(&si, m->js, stream, &o, &jerr);
    if (ns != NATS_OK) {
        jsStreamInfo_Destroy(si);
        return sjs__nats(err, ns, jerr, "counting the workers in bucket %s", m->bucket);
    }
    sjs_status st = SJS_OK;
    const jsStreamStateSubjects *subj = si->State.Subjects;
    for (int i = 0; subj && i < subj->Count && st == SJS_OK; i++) {
        natsMsg *msg = NULL;
        jerr = 0;
        ns = js_GetLastMsg(&msg, m->js, stream, subj->List[i].Subject, NULL, &jerr);
        if (ns == NATS_OK) {
            const char *op = NULL;
            if (natsMsgHeader_Get(msg, "KV-Operation", &op) != NATS_OK || !op) (*count)++;
        } else if (ns != NATS_NOT_FOUND) { /* NOT_FOUND: it expired meanwhile */
            st = sjs__nats(err, ns, jerr, "counting the workers in bucket %s", m->bucket);
        }
        natsMsg_Destroy(msg);
    }
    jsStreamInfo_Destroy(si);
    return st;
}

void sjs_leases_close(sjs_leases *m)
{
    if (!m) return;
    for (unsigned p = 0; p < m->nparts; p++) sjs_lease_release(m, p, NULL);
    delete_if_ours(m, m->presence_key, &m->presence, NULL);
    kvStore_Destroy(m->kv);
    jsCtx_Destroy(m->js);
    free(m);
}
