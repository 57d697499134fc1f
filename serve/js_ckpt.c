/*
 * js_ckpt.c - engine checkpoints in a JetStream key-value bucket, of any size up
 * to SJS_CKPT_MAX although one message carries at most the server's max
 * payload (1 MiB by default).
 *
 * Layout per partition P (docs/deploy.md, "Checkpoints"):
 *   p<P>.s<S>.c<I>   chunk I of the blob in slot S (0 or 1), max-payload-sized
 *   p<P>.meta        one line: "slate-ckpt 1 p=P seq=Q slot=S len=L chunk=C
 *                    saved_ms=T sha256=HEX", written after every chunk of S
 * A save writes the slot the meta does not name, then the meta: the previous
 * checkpoint stays whole until the new one is.  A load reads the meta, then the
 * chunks, and checks their sizes and the SHA-256, so a torn save, a lost chunk
 * or chunks overwritten by a concurrent writer are detected, never restored.
 * Reads go to the stream's leader (not the key-value API's direct get, which a
 * lagging replica may answer), so a load sees the latest save.
 *
 * Not here: what the blob holds (an engine snapshot) or when to save.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <nettle/sha2.h>

#include "js_int.h"

struct sjs_ckpt {
    sjs_conn *c;
    kvStore *kv;
    char bucket[64], stream[80];
    size_t chunk;         /* bytes per chunk */
};

#define META_FMT "slate-ckpt 1 p=%u seq=%" PRIu64 " slot=%d len=%zu chunk=%zu saved_ms=%" PRId64 \
                 " sha256=%s"

typedef struct meta {
    unsigned p;
    uint64_t seq;
    int slot;
    size_t len, chunk;
    int64_t saved_ms;
    char sha[65];
} meta;

static void hex_sha256(const void *data, size_t len, char out[65])
{
    struct sha256_ctx ctx;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, len, data);
    sha256_digest(&ctx, sizeof d, d);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
}

sjs_status sjs_ckpt_open(sjs_conn *c, const char *bucket, int replicas, sjs_ckpt **out,
                         sjs_err *err)
{
    *out = NULL;
    const char *b = bucket ? bucket : SJS_CKPT_BUCKET;
    if (!sjs__token_ok(b, 63))
        return sjs__fail(err, SJS_ERROR, "bucket name `%s` must be 1 to 63 of A-Z a-z 0-9 _ -", b);
    sjs_ckpt *s = calloc(1, sizeof *s);
    if (!s) return sjs__fail(err, SJS_NOMEM, "out of memory");
    s->c = c;
    snprintf(s->bucket, sizeof s->bucket, "%s", b);
    snprintf(s->stream, sizeof s->stream, "KV_%s", b);
    int64_t max = sjs_max_payload(c);
    s->chunk = max > 32768 ? (size_t)(max - 16384) : 4096; /* room for headers */
    natsStatus ns = js_KeyValue(&s->kv, c->js, b);
    if (ns == NATS_NOT_FOUND) {
        kvConfig cfg;
        kvConfig_Init(&cfg);
        cfg.Bucket = b;
        cfg.Description = "slate engine checkpoints";
        cfg.History = 1;
        cfg.Replicas = replicas > 0 ? replicas : 1;
        cfg.StorageType = js_FileStorage;
        ns = js_CreateKeyValue(&s->kv, c->js, &cfg);
    }
    sjs_status st = SJS_OK;
    kvStatus *ks = NULL;
    if (ns == NATS_OK) ns = kvStore_Status(&ks, s->kv);
    if (ns != NATS_OK)
        st = sjs__nats(err, ns, 0, "checkpoint bucket %s", b);
    else if (kvStatus_TTL(ks) != 0)
        st = sjs__fail(err, SJS_MISMATCH, "checkpoint bucket %s exists with a TTL: checkpoints "
                       "would expire", b);
    kvStatus_Destroy(ks);
    if (st != SJS_OK) {
        kvStore_Destroy(s->kv);
        free(s);
        return st;
    }
    *out = s;
    return SJS_OK;
}

void sjs_ckpt_close(sjs_ckpt *s)
{
    if (!s) return;
    kvStore_Destroy(s->kv);
    free(s);
}

/* The latest value of `key`, read from the stream's leader, into *msg (the
 * caller destroys it).  SJS_NOTFOUND when absent or deleted. */
static sjs_status read_key(sjs_ckpt *s, const char *key, natsMsg **msg, sjs_err *err)
{
    char subject[160];
    snprintf(subject, sizeof subject, "$KV.%s.%s", s->bucket, key);
    jsErrCode jerr = 0;
    *msg = NULL;
    natsStatus ns = js_GetLastMsg(msg, s->c->js, s->stream, subject, NULL, &jerr);
    if (ns == NATS_NOT_FOUND) return SJS_NOTFOUND;
    if (ns != NATS_OK) return sjs__nats(err, ns, jerr, "reading %s", key);
    const char *op = NULL;
    if (natsMsgHeader_Get(*msg, "KV-Operation", &op) == NATS_OK && op) {
        natsMsg_Destroy(*msg);
        *msg = NULL;
        return SJS_NOTFOUND;
    }
    return SJS_OK;
}

/* Parse a meta line; 0 when it is well formed. */
static int parse_meta(const char *text, int len, meta *m)
{
    char line[512];
    if (len <= 0 || len >= (int)sizeof line) return -1;
    memcpy(line, text, (size_t)len);
    line[len] = 0;
    int end = 0;
    if (sscanf(line, "slate-ckpt 1 p=%u seq=%" SCNu64 " slot=%d len=%zu chunk=%zu saved_ms=%" SCNd64
               " sha256=%64[0-9a-f]%n", &m->p, &m->seq, &m->slot, &m->len, &m->chunk, &m->saved_ms,
               m->sha, &end) != 7)
        return -1;
    if (line[end] != 0 || strlen(m->sha) != 64 || (m->slot != 0 && m->slot != 1)) return -1;
    if (m->len > SJS_CKPT_MAX || m->chunk == 0) return -1;
    return 0;
}

/* The slot the current checkpoint of p uses, or -1 when there is none usable. */
static int current_slot(sjs_ckpt *s, unsigned p)
{
    char key[32];
    snprintf(key, sizeof key, "p%u.meta", p);
    natsMsg *msg = NULL;
    if (read_key(s, key, &msg, NULL) != SJS_OK) return -1;
    meta m;
    int slot = parse_meta(natsMsg_GetData(msg), natsMsg_GetDataLength(msg), &m) ? -1 : m.slot;
    natsMsg_Destroy(msg);
    return slot;
}

static int64_t wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

sjs_status sjs_ckpt_save(sjs_ckpt *s, unsigned p, uint64_t seq, const void *blob, size_t len,
                         sjs_err *err)
{
    if (len > SJS_CKPT_MAX)
        return sjs__fail(err, SJS_ERROR, "checkpoint of %zu bytes is larger than the limit (%zu)",
                         len, SJS_CKPT_MAX);
    int slot = current_slot(s, p) == 0 ? 1 : 0;
    char key[64];
    for (size_t off = 0, i = 0; off < len; off += s->chunk, i++) {
        size_t n = len - off < s->chunk ? len - off : s->chunk;
        snprintf(key, sizeof key, "p%u.s%d.c%zu", p, slot, i);
        natsStatus ns = kvStore_Put(NULL, s->kv, key, (const char *)blob + off, (int)n);
        if (ns != NATS_OK) return sjs__nats(err, ns, 0, "checkpoint of partition %u: %s", p, key);
    }
    char sha[65], line[512];
    hex_sha256(blob, len, sha);
    snprintf(line, sizeof line, META_FMT, p, seq, slot, len, s->chunk, wall_ms(), sha);
    snprintf(key, sizeof key, "p%u.meta", p);
    natsStatus ns = kvStore_PutString(NULL, s->kv, key, line);
    if (ns != NATS_OK) return sjs__nats(err, ns, 0, "checkpoint of partition %u: %s", p, key);
    return SJS_OK;
}

/* Read the chunks m names into buf (m->len bytes). */
static sjs_status read_chunks(sjs_ckpt *s, const meta *m, char *buf, sjs_err *err)
{
    for (size_t off = 0, i = 0; off < m->len; off += m->chunk, i++) {
        size_t want = m->len - off < m->chunk ? m->len - off : m->chunk;
        char key[64];
        snprintf(key, sizeof key, "p%u.s%d.c%zu", m->p, m->slot, i);
        natsMsg *msg = NULL;
        sjs_status st = read_key(s, key, &msg, err);
        if (st == SJS_NOTFOUND)
            return sjs__fail(err, SJS_CORRUPT, "checkpoint of partition %u: chunk %s is missing",
                             m->p, key);
        if (st != SJS_OK) return st;
        size_t got = (size_t)natsMsg_GetDataLength(msg);
        if (got == want) memcpy(buf + off, natsMsg_GetData(msg), got);
        natsMsg_Destroy(msg);
        if (got != want)
            return sjs__fail(err, SJS_CORRUPT, "checkpoint of partition %u: chunk %s has %zu "
                             "bytes, expected %zu (torn or overwritten)", m->p, key, got, want);
    }
    return SJS_OK;
}

sjs_status sjs_ckpt_load(sjs_ckpt *s, unsigned p, void **blob, sjs_ckpt_info *info,
                         sjs_err *err)
{
    *blob = NULL;
    memset(info, 0, sizeof *info);
    char key[32];
    snprintf(key, sizeof key, "p%u.meta", p);
    natsMsg *msg = NULL;
    sjs_status st = read_key(s, key, &msg, err);
    if (st == SJS_NOTFOUND)
        return sjs__fail(err, SJS_NOTFOUND, "no checkpoint of partition %u", p);
    if (st != SJS_OK) return st;
    meta m;
    int bad = parse_meta(natsMsg_GetData(msg), natsMsg_GetDataLength(msg), &m);
    natsMsg_Destroy(msg);
    if (bad || m.p != p)
        return sjs__fail(err, SJS_CORRUPT, "checkpoint of partition %u: %s is %s", p, key,
                         bad ? "malformed" : "another partition's");
    char *buf = malloc(m.len ? m.len : 1);
    if (!buf)
        return sjs__fail(err, SJS_NOMEM, "out of memory for a checkpoint of %zu bytes", m.len);
    st = read_chunks(s, &m, buf, err);
    char sha[65];
    if (st == SJS_OK) {
        hex_sha256(buf, m.len, sha);
        if (strcmp(sha, m.sha))
            st = sjs__fail(err, SJS_CORRUPT, "checkpoint of partition %u does not match its "
                           "SHA-256 (torn or overwritten)", p);
    }
    if (st != SJS_OK) {
        free(buf);
        return st;
    }
    *blob = buf;
    info->seq = m.seq;
    info->len = m.len;
    info->saved_ms = m.saved_ms;
    return SJS_OK;
}
