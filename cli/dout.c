/*
 * dout.c - decisions out (dout.h): number, render, write, pass on.
 */
#include "dout.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void dout_init(dout *o, FILE *f, slate_sink next, void *next_ud)
{
    memset(o, 0, sizeof *o);
    o->f = f;
    o->next = next;
    o->next_ud = next_ud;
    o->buf = o->small;
    o->cap = sizeof o->small;
}

void dout_release(dout *o)
{
    if (o->buf != o->small) free(o->buf);
    o->buf = o->small;
    o->cap = sizeof o->small;
}

int dout_sink(void *ud, const slate_decision *d)
{
    dout *o = ud;
    slate_decision copy = *d;
    copy.seq = ++o->seq;
    if (d->action == SLATE_A_REJECT) o->rejects++;
    if (o->f && !o->write_error) {
        size_t n = slate_decision_json(&copy, o->buf, o->cap);
        if (n + 1 >= o->cap) {
            size_t cap = o->cap;
            while (cap <= n + 1) cap *= 2;
            char *nb = o->buf == o->small ? malloc(cap) : realloc(o->buf, cap);
            if (!nb) {
                o->write_error = ENOMEM;
                return 1;
            }
            o->buf = nb;
            o->cap = cap;
            slate_decision_json(&copy, o->buf, o->cap);
        }
        o->buf[n] = '\n';
        if (fwrite_unlocked(o->buf, 1, n + 1, o->f) != n + 1) {
            o->write_error = errno ? errno : EIO;
            return 1;
        }
    }
    if (o->write_error) return 1;
    return o->next ? o->next(o->next_ud, &copy) : 0;
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
