/*
 * engine.c - an engine's life and what it tells: slate_engine_new and _free over
 * the caller's allocator (counted), the read-only queries, slate_engine_trim,
 * slate_errmsg, and the guard every entry point shares (a call in progress).
 *
 * The engine never reads the clock: time is the watermark the events move (the
 * latest time less the tolerance; events after it wait in late.c's buffer and
 * are applied, in time order, as it passes them: watermark.c).  It allocates
 * only while pre-flighting an event (a new case, a string never seen: push.c)
 * and does so before changing anything, so SLATE_NOMEM leaves it unchanged; and
 * when holding an event grows the buffer, likewise.  A held event that cannot
 * get its memory when its turn comes stays held.  Its files are listed in
 * engine_int.h.
 *
 * Not here: events (push.c), time (watermark.c), decisions (decide.c), the
 * tables derived from a program (prepare.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "optsize.h"
#include "timestamp.h"

static void *std_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    if (n == 0) {
        free(p);
        return NULL;
    }
    return realloc(p, n);
}

static const slate_allocator std_allocator = {std_realloc, NULL};

/* Every block the engine allocates carries its size in front, so the engine
 * knows the bytes it holds (slate_engine_memory_used) whatever allocator it was
 * given.  16 bytes keep the block as aligned as the allocator made it. */
#define ENG_HDR 16
static void *counted_realloc(void *ud, void *p, size_t n)
{
    slate_engine *e = ud;
    unsigned char *h = p ? (unsigned char *)p - ENG_HDR : NULL;
    size_t old = 0;
    if (h) memcpy(&old, h, sizeof old);
    if (n == 0) {
        if (h) {
            e->user_al.realloc(e->user_al.ud, h, 0);
            e->mem -= old + ENG_HDR;
        }
        return NULL;
    }
    if (n > SIZE_MAX - ENG_HDR) return NULL;
    unsigned char *q = e->user_al.realloc(e->user_al.ud, h, n + ENG_HDR);
    if (!q) return NULL;
    memcpy(q, &n, sizeof n);
    e->mem = e->mem - (h ? old + ENG_HDR : 0) + n + ENG_HDR;
    return q + ENG_HDR;
}

int eng_fail(slate_engine *e, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->errmsg, sizeof e->errmsg, fmt, ap);
    va_end(ap);
    return rc;
}

void eng_begin(slate_engine *e, slate_sink sink, void *ud)
{
    e->ctx = (eng_ctx){sink, ud, SLATE_OK, 0, NULL, 0, ENG_NONE, 0};
}

int eng_reentered(slate_engine *e, const char *fn)
{
    return eng_fail(e, SLATE_MISUSE,
                    "%s: a call on this engine is in progress (a sink may not call into "
                    "its own engine)",
                    fn);
}

/* The first published slate_engine_opts: this one, ending with `strict` (slate.h,
 * "ABI"); the assertion fails when a member is added after it, so that the
 * first layout's size is then written down here instead of sizeof. */
#define ENGINE_OPTS_V1_SIZE sizeof(slate_engine_opts)
_Static_assert(sizeof(slate_engine_opts) - (offsetof(slate_engine_opts, strict) + sizeof(int)) <
                   _Alignof(slate_engine_opts),
               "slate_engine_opts grew: keep ENGINE_OPTS_V1_SIZE at the first layout");

slate_engine *slate_engine_new(const slate_program *prog, const slate_engine_opts *given)
{
    slate_engine_opts mine, *opts = NULL;
    if (!prog) return NULL;
    if (given) {
        if (opts_copy(&mine, sizeof mine, ENGINE_OPTS_V1_SIZE, given)) return NULL;
        opts = &mine;
    }
    slate_allocator al = opts && opts->allocator ? *opts->allocator : std_allocator;
    slate_engine *e = al.realloc(al.ud, NULL, sizeof *e);
    if (!e) return NULL;
    memset(e, 0, sizeof *e);
    e->user_al = al;
    e->al = (slate_allocator){counted_realloc, e};
    e->mem = sizeof *e;
    e->prog = prog;
    e->tolerance = opts && opts->tolerance_ms > 0 ? opts->tolerance_ms : 0;
    e->max_jump = !opts || opts->max_jump_ms == 0 ? SLATE_MAX_JUMP_DEFAULT_MS
                  : opts->max_jump_ms < 0         ? INT64_MAX
                                                  : opts->max_jump_ms;
    e->strict = opts && opts->strict;
    e->now = INT64_MIN;
    e->high = INT64_MIN;
    e->nfields = prog->nfields;
    e->nclocks = prog->nclocks;
    e->nset = eng_nset(e->strict, e->nfields);
    e->stride = eng_stride(e->nfields, e->nclocks, e->nset);
    e->ctx.slot = ENG_NONE;
    e->closed.keep_ms = cl_keep_ms(prog);
    int ok = st_init(&e->st, &e->al) == SLATE_OK;
    if (ok) ok = cs_init(&e->cs, &e->al, e->stride, opts ? opts->expected_cases : 0) == SLATE_OK;
    if (ok) ok = eng_prepare(e, prog, &e->aux) == SLATE_OK;
    size_t expect = opts && opts->expected_cases <= e->cs.cap ? opts->expected_cases : 0;
    if (ok) ok = tq_reserve(e, expect * e->nclocks) == SLATE_OK; /* grows with the cases */
    if (ok) ok = eng_scratch_fit(e, &e->aux) == SLATE_OK;
    if (!ok) {
        slate_engine_free(e);
        return NULL;
    }
    return e;
}

void slate_engine_free(slate_engine *e)
{
    if (!e) return;
    if (e->busy) { /* from a sink: the call it is inside still needs the engine */
        eng_reentered(e, "slate_engine_free");
        return;
    }
    if (e->cs.al) cs_free(&e->cs);
    cl_free(e);
    if (e->st.al) st_free(&e->st);
    eng_aux_free(e, &e->aux);
    eng_realloc(&e->al, e->jbuf, 0);
    eng_realloc(&e->al, e->q.h, 0);
    lb_free(e);
    e->user_al.realloc(e->user_al.ud, e, 0);
}

int64_t slate_engine_now(const slate_engine *e)
{
    return e ? e->high : INT64_MIN;
}

int64_t slate_engine_watermark(const slate_engine *e)
{
    return e ? e->now : INT64_MIN;
}

size_t slate_engine_buffered(const slate_engine *e)
{
    return e ? e->lb.n : 0;
}

size_t slate_engine_open_cases(const slate_engine *e)
{
    return e ? e->cs.count : 0;
}

uint64_t slate_engine_decisions(const slate_engine *e)
{
    return e ? e->ndecisions : 0;
}

const slate_program *slate_engine_program(const slate_engine *e)
{
    return e ? e->prog : NULL;
}

int64_t slate_engine_next_due(const slate_engine *e)
{
    const tq_entry *top = e ? tq_top(e) : NULL;
    return top && top->at <= TS_MAX_MS ? top->at : INT64_MAX;
}

size_t slate_engine_pending_timers(const slate_engine *e)
{
    return e ? e->q.n : 0;
}

size_t slate_engine_memory_used(const slate_engine *e)
{
    return e ? e->mem : 0;
}

int slate_engine_trim(slate_engine *e)
{
    if (!e) return SLATE_MISUSE;
    if (e->busy) return eng_reentered(e, "slate_engine_trim");
    e->busy = 1;
    int rc = eng_trim(e, 1);
    lb_trim(e);
    e->busy = 0;
    if (rc) return eng_fail(e, rc, "out of memory (trimmed what needed none)");
    return SLATE_OK;
}

const char *slate_errmsg(const slate_engine *e)
{
    if (!e) return "no engine (NULL handle)";
    return e->errmsg[0] ? e->errmsg : "not an error";
}