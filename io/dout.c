/*
 * dout.c - decisions out (dout.h): number, render, write, pass on.
 */
#include "dout.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DOUT_BUF (64 * 1024) /* gathered before a write; grows for a longer line */

void dout_init(dout *o, FILE *f, slate_sink next, void *next_ud)
{
    memset(o, 0, sizeof *o);
    o->f = f;
    o->next = next;
    o->next_ud = next_ud;
    dj_memo_init(&o->memo);
}

void dout_release(dout *o)
{
    free(o->buf);
    o->buf = NULL;
    o->len = o->cap = 0;
}

void dout_forget(dout *o)
{
    dj_memo_init(&o->memo);
}

int dout_flush(dout *o)
{
    if (o->write_error) return -1;
    if (o->len && fwrite_unlocked(o->buf, 1, o->len, o->f) != o->len) {
        o->write_error = errno ? errno : EIO;
        return -1;
    }
    o->len = 0;
    return 0;
}

/* Render d as decision `seq` and a newline at the end of the buffer. */
static int render(dout *o, const slate_decision *d, uint64_t seq)
{
    if (!o->buf) {
        if (!(o->buf = malloc(DOUT_BUF))) {
            o->write_error = ENOMEM;
            return -1;
        }
        o->cap = DOUT_BUF;
    }
    size_t room = o->cap - o->len;
    size_t n = dj_render(d, seq, o->buf + o->len, room, &o->memo);
    if (n + 1 < room) {
        o->buf[o->len + n] = '\n';
        o->len += n + 1;
        return 0;
    }
    /* did not fit: write what is gathered, then render again at the start of a
     * buffer long enough */
    if (dout_flush(o)) return -1;
    if (n + 2 > o->cap) {
        size_t cap = o->cap;
        while (cap < n + 2) cap *= 2;
        char *nb = realloc(o->buf, cap);
        if (!nb) {
            o->write_error = ENOMEM;
            return -1;
        }
        o->buf = nb;
        o->cap = cap;
    }
    dj_render(d, seq, o->buf, o->cap, &o->memo);
    o->buf[n] = '\n';
    o->len = n + 1;
    return 0;
}

int dout_sink(void *ud, const slate_decision *d)
{
    dout *o = ud;
    uint64_t seq = ++o->seq;
    if (d->action == SLATE_A_REJECT) o->rejects++;
    if (o->f && !o->write_error && render(o, d, seq)) return 1;
    if (o->write_error) return 1;
    if (!o->next) return 0;
    slate_decision copy = *d;
    copy.seq = seq;
    return o->next(o->next_ud, &copy);
}

int dout_reject(dout *o, const slate_program *prog, const slate_event *ev, const char *reason,
                int64_t at)
{
    slate_decision d;
    memset(&d, 0, sizeof d);
    d.at = at;
    d.case_id = ev->case_id;
    d.case_len = ev->case_len;
    d.action = SLATE_A_REJECT;
    d.event_seq = ev->seq;
    d.event_id = ev->id;
    d.event_id_len = ev->id_len;
    d.program = prog;
    d.message = reason;
    d.deadline = INT64_MIN;
    return dout_sink(o, &d);
}
