/*
 * part_ckpt.c - the checkpoint pair of a partition: save its state with the
 * stream sequence it covers, restore the latest (docs/deploy.md,
 * "Checkpoints").  The blob is a header line naming what the engine snapshot
 * alone does not hold, then the snapshot:
 *
 *     slate-part 1 p=P seq=S dseq=D prog=HASH\n<engine snapshot bytes>
 *
 * S: the last stream sequence applied; D: the partition's last decision number
 * (the numbering goes on from it); HASH: the policy the engine runs (from the
 * policy bucket if this worker does not have it).  A checkpoint is saved only
 * when every decision made so far is stored, so a new owner that restores it
 * and replays from S+1 publishes exactly what may be missing.
 *
 * The engine's part is the engine snapshot of the C API
 * (slate_engine_snapshot / slate_engine_restore, docs/snapshot.md): versioned,
 * checksummed, naming its program's hash, refused whole when it does not fit
 * the program; a refused checkpoint means a rebuild from the stream's start.
 * Not here: when to checkpoint (part.c).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "part_int.h"

/* The engine's state as bytes: 0 and *buf (free with slate_free), or -1. */
static int engine_snapshot(slate_engine *eng, void **buf, size_t *len)
{
    return slate_engine_snapshot(eng, buf, len) == SLATE_OK ? 0 : -1;
}

/* Load `len` bytes of snapshot into eng (a new engine running the snapshot's
 * program): 0, or -1 with a reason in why. */
static int engine_restore(slate_engine *eng, const void *buf, size_t len, char *why, size_t n)
{
    if (slate_engine_restore(eng, buf, len) == SLATE_OK) return 0;
    snprintf(why, n, "%s", slate_errmsg(eng));
    return -1;
}

static int open_store(part *pt)
{
    if (pt->ck) return 0;
    sjs_err e;
    if (sjs_ckpt_open(pt->w->c, NULL, pt->w->o->replicas, &pt->ck, &e) != SJS_OK) {
        wk_log(pt->w, "partition %u: checkpoints: %s", pt->p, e.msg);
        return -1;
    }
    return 0;
}

int part_ckpt_save(part *pt)
{
    if (pt->ob.n) return -1; /* only with every decision stored */
    void *snap = NULL;
    size_t slen = 0;
    if (engine_snapshot(pt->r.eng, &snap, &slen)) {
        wk_log(pt->w, "partition %u: checkpoint not saved: out of memory", pt->p);
        return -1;
    }
    char head[160];
    int hl = snprintf(head, sizeof head, "slate-part 1 p=%u seq=%" PRIu64 " dseq=%" PRIu64
                      " prog=%s\n", pt->p, pt->applied, pt->r.out.seq, pt->prog->hash);
    char *blob = malloc((size_t)hl + slen);
    int rc = -1;
    if (blob && open_store(pt) == 0) {
        memcpy(blob, head, (size_t)hl);
        if (slen) memcpy(blob + hl, snap, slen);
        sjs_err e;
        if (sjs_ckpt_save(pt->ck, pt->p, pt->applied, blob, (size_t)hl + slen, &e) == SJS_OK) {
            atomic_store(&pt->m->ckpt_ms, wk_wall_ms());
            rc = 0;
        } else {
            wk_log(pt->w, "partition %u: checkpoint not saved: %s", pt->p, e.msg);
        }
    }
    free(blob);
    slate_free(snap);
    return rc;
}

int part_ckpt_restore(part *pt, uint64_t *covered)
{
    *covered = 0;
    if (open_store(pt)) return 1;
    void *blob = NULL;
    sjs_ckpt_info info;
    sjs_err e;
    sjs_status s = sjs_ckpt_load(pt->ck, pt->p, &blob, &info, &e);
    if (s != SJS_OK) {
        if (s != SJS_NOTFOUND) wk_log(pt->w, "partition %u: %s; rebuilding from the stream", pt->p, e.msg);
        return 1;
    }
    unsigned p = 0;
    uint64_t seq = 0, dseq = 0;
    char hash[65] = "";
    int hl = 0;
    const char *b = blob;
    const char *nl = memchr(b, '\n', info.len < 200 ? info.len : 200);
    int rc = 1;
    if (!nl || sscanf(b, "slate-part 1 p=%u seq=%" SCNu64 " dseq=%" SCNu64 " prog=%64[0-9a-f]%n",
                      &p, &seq, &dseq, hash, &hl) != 4 || b + hl != nl || p != pt->p ||
        seq != info.seq) {
        wk_log(pt->w, "partition %u: checkpoint header is malformed; rebuilding from the stream",
               pt->p);
        goto out;
    }
    const wk_prog *prog = wk_program(pt->w, pt->kv, hash, &e);
    if (!prog) {
        wk_log(pt->w, "partition %u: checkpoint runs policy %.12s: %s; rebuilding from the "
               "stream", pt->p, hash, e.msg);
        goto out;
    }
    if (part_engine_new(pt, prog)) goto out;
    char why[256];
    size_t off = (size_t)(nl + 1 - b);
    if (engine_restore(pt->r.eng, b + off, info.len - off, why, sizeof why)) {
        wk_log(pt->w, "partition %u: checkpoint refused: %s; rebuilding from the stream", pt->p,
               why);
        runner_release(&pt->r);
        pt->have_runner = 0;
        ev_reader_free(pt->rd);
        pt->rd = NULL;
        goto out;
    }
    pt->r.out.seq = dseq;
    *covered = seq;
    atomic_store(&pt->m->ckpt_ms, info.saved_ms);
    rc = 0;
out:
    free(blob);
    return rc;
}
