/*
 * js_kv.c - small values in a JetStream key-value bucket: put, create (only if
 * absent), get.  The worker keeps the policy images it runs here, by hash, and
 * the program each partition's history starts with (docs/deploy.md, "Policies
 * in the history").  Values fit in one message; larger blobs go through the
 * chunked checkpoint store (js_ckpt.c).  Not here: what the values mean.
 */
#include <stdlib.h>
#include <string.h>

#include "js_int.h"

struct sjs_kv {
    sjs_conn *c;
    kvStore *kv;
    char bucket[64], stream[80];
};

sjs_status sjs_kv_open(sjs_conn *c, const char *bucket, int replicas, sjs_kv **out, sjs_err *err)
{
    *out = NULL;
    if (!sjs__token_ok(bucket, 63))
        return sjs__fail(err, SJS_ERROR, "bucket name `%s` must be 1 to 63 of A-Z a-z 0-9 _ -",
                         bucket ? bucket : "");
    sjs_kv *k = calloc(1, sizeof *k);
    if (!k) return sjs__fail(err, SJS_NOMEM, "out of memory");
    k->c = c;
    snprintf(k->bucket, sizeof k->bucket, "%s", bucket);
    snprintf(k->stream, sizeof k->stream, "KV_%s", bucket);
    int64_t deadline = sjs__now_ms() + c->request_ms, backoff = 100;
    natsStatus ns;
    sjs_status st;
    do {
        ns = js_KeyValue(&k->kv, c->js, bucket);
        if (ns == NATS_NOT_FOUND) {
            kvConfig cfg;
            kvConfig_Init(&cfg);
            cfg.Bucket = bucket;
            cfg.Description = "slate worker state";
            cfg.History = 1;
            cfg.Replicas = replicas > 0 ? replicas : 1;
            cfg.StorageType = js_FileStorage;
            ns = js_CreateKeyValue(&k->kv, c->js, &cfg);
        }
        st = ns == NATS_OK ? SJS_OK : sjs__nats(err, ns, 0, "bucket %s", bucket);
    } while (sjs__retry(st, deadline, &backoff));
    if (st != SJS_OK) {
        free(k);
        return st;
    }
    *out = k;
    return SJS_OK;
}

void sjs_kv_close(sjs_kv *k)
{
    if (!k) return;
    kvStore_Destroy(k->kv);
    free(k);
}

sjs_status sjs_kv_put(sjs_kv *k, const char *key, const void *v, size_t len, sjs_err *err)
{
    if (len > INT32_MAX) return sjs__fail(err, SJS_ERROR, "value of %s is too large", key);
    natsStatus ns = kvStore_Put(NULL, k->kv, key, v, (int)len);
    return ns == NATS_OK ? SJS_OK : sjs__nats(err, ns, 0, "%s in bucket %s", key, k->bucket);
}

sjs_status sjs_kv_create(sjs_kv *k, const char *key, const void *v, size_t len, sjs_err *err)
{
    if (len > INT32_MAX) return sjs__fail(err, SJS_ERROR, "value of %s is too large", key);
    natsStatus ns = kvStore_Create(NULL, k->kv, key, v, (int)len);
    if (ns == NATS_OK) return SJS_OK;
    const char *text = nats_GetLastError(NULL);
    if (ns == NATS_ERR && text && strstr(text, "wrong last sequence"))
        return sjs__fail(err, SJS_HELD, "%s exists in bucket %s", key, k->bucket);
    return sjs__nats(err, ns, 0, "%s in bucket %s", key, k->bucket);
}

sjs_status sjs_kv_get(sjs_kv *k, const char *key, void **v, size_t *len, sjs_err *err)
{
    *v = NULL;
    *len = 0;
    char subject[200];
    snprintf(subject, sizeof subject, "$KV.%s.%s", k->bucket, key);
    natsMsg *msg = NULL;
    jsErrCode jerr = 0;
    /* from the stream's leader: a lagging replica could answer a direct get */
    natsStatus ns = js_GetLastMsg(&msg, k->c->js, k->stream, subject, NULL, &jerr);
    if (ns == NATS_NOT_FOUND) return sjs__fail(err, SJS_NOTFOUND, "no %s in bucket %s", key,
                                               k->bucket);
    if (ns != NATS_OK) return sjs__nats(err, ns, jerr, "reading %s of bucket %s", key, k->bucket);
    const char *op = NULL;
    sjs_status st = SJS_OK;
    if (natsMsgHeader_Get(msg, "KV-Operation", &op) == NATS_OK && op) {
        st = sjs__fail(err, SJS_NOTFOUND, "no %s in bucket %s", key, k->bucket);
    } else {
        size_t n = (size_t)natsMsg_GetDataLength(msg);
        char *buf = malloc(n + 1);
        if (!buf) {
            st = sjs__fail(err, SJS_NOMEM, "out of memory");
        } else {
            memcpy(buf, natsMsg_GetData(msg), n);
            buf[n] = 0;
            *v = buf;
            *len = n;
        }
    }
    natsMsg_Destroy(msg);
    return st;
}
