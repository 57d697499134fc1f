/*
 * import_volvo.c - `slate import volvo`: the BPI Challenge 2013 Volvo IT incident
 * log (VINST-new.csv) as slate events for policies/volvo-incidents.slate.
 *
 * One row is one status change of one service request (SR Number = the case),
 * with its time (ISO 8601 with an offset, passed on as written).  Each case
 * follows a small state machine; a row becomes events only where it changes
 * something the events carry (docs/realism.md has the table):
 *
 *   first row                    opened (impact, product, country)
 *   first Accepted row           responded (someone took the case)
 *   Accepted/Queued, Wait*       paused;  leaving Wait*: resumed
 *   ST Level above any so far    escalated (st_level l2 or l3; "L2/L3" is l2)
 *   Completed/Resolved, In Call  resolved
 *   Completed/Closed, Cancelled  closed
 *   Accepted/Queued after resolved (or closed)   reopened
 *
 * A case closed and then touched again keeps its rows: they become events for a
 * case the engine no longer holds and are rejected with that reason, because
 * slate has no way to reopen a closed case.  `Unmatched` rows are skipped.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "timestamp.h"

enum { C_SR, C_TIME, C_STATUS, C_SUB, C_LEVEL, C_IMPACT, C_PRODUCT, C_COUNTRY, C_N };

static const char *const columns[C_N] = {
    "SR Number", "Change Date+Time", "Status", "Sub Status",
    "ST Level",  "SR Latest Impact", "Product", "Country",
};

typedef struct vcase {
    int64_t last;          /* the case's latest instant so far */
    unsigned char responded, paused, resolved, closed, level;
} vcase;

static json_t *lower_str(const char *s)
{
    char buf[64];
    size_t i = 0;
    for (; s[i] && i < sizeof buf - 1; i++) buf[i] = (char)tolower((unsigned char)s[i]);
    buf[i] = '\0';
    return json_string(buf);
}

/* 0 for L1, 1 for L2 and L2/L3, 2 for L3, -1 for anything else. */
static int st_level(const char *s)
{
    if (!strcmp(s, "L1")) return 0;
    if (!strcmp(s, "L2") || !strcmp(s, "L2/L3")) return 1;
    if (!strcmp(s, "L3")) return 2;
    return -1;
}

int imp_volvo(csv_reader *r, imp *im, imp_stats *st, char *err, size_t errsize)
{
    int col[C_N];
    size_t width;
    if (imp_header(r, columns, col, C_N, &width, err, errsize)) return -1;
    vcase *cs = NULL;
    size_t ncs = 0, cap = 0;
    char **f;
    int rc;
    while ((rc = imp_row(r, width, &f, err, errsize)) == 1) {
        st->rows++;
        unsigned long line = csv_line(r);
        const char *id = f[col[C_SR]], *at = f[col[C_TIME]];
        const char *status = f[col[C_STATUS]], *sub = f[col[C_SUB]];
        if (!strcmp(status, "Unmatched")) {
            st->unmapped++;
            continue;
        }
        int is_new;
        long k = imp_case(im, id, &is_new);
        if (k < 0) goto nomem;
        if (is_new) {
            if (ncs == cap) {
                cap = cap ? cap * 2 : 1024;
                vcase *p = realloc(cs, cap * sizeof *p);
                if (!p) goto nomem;
                cs = p;
            }
            memset(&cs[ncs++], 0, sizeof *cs);
            st->cases++;
        }
        vcase *c = &cs[k];
        int64_t t;
        if (ts_parse_rfc3339(at, strlen(at), &t, NULL, 0)) {
            st->bad_time++;
            t = c->last; /* sent on as written, for the engine to reject */
        } else if (!is_new && t < c->last) {
            st->late++;
            t = c->last;
        }
        c->last = t;
        size_t before = imp_count(im);
        int completed = !strcmp(status, "Completed");
        int wait = !strncmp(sub, "Wait", 4);
        int lv = st_level(f[col[C_LEVEL]]);
#define EVENT(type, fields) \
    do { if (imp_event(im, id, type, t, at, line, fields)) goto nomem; } while (0)
        if (is_new) {
            json_t *o = json_object();
            if (!o) goto nomem;
            json_object_set_new(o, "impact", lower_str(f[col[C_IMPACT]]));
            json_object_set_new(o, "product", json_string(f[col[C_PRODUCT]]));
            json_object_set_new(o, "country", json_string(f[col[C_COUNTRY]]));
            EVENT("opened", o);
        }
        if (!completed && c->resolved) {
            EVENT("reopened", NULL);
            c->resolved = c->paused = 0;
        }
        if (lv > c->level) {
            json_t *o = json_pack("{s:s}", "st_level", lv == 1 ? "l2" : "l3");
            if (!o) goto nomem;
            EVENT("escalated", o);
            c->level = (unsigned char)lv;
        }
        if (completed) {
            if (!strcmp(sub, "Closed") || !strcmp(sub, "Cancelled")) {
                if (!c->closed) EVENT("closed", NULL);
                c->closed = c->resolved = 1;
                c->paused = 0;
            } else if (!c->resolved) {
                EVENT("resolved", NULL);
                c->resolved = 1;
                c->paused = 0;
            }
        } else {
            if (!c->responded && !strcmp(status, "Accepted")) {
                EVENT("responded", NULL);
                c->responded = 1;
            }
            if (wait && !c->paused) {
                EVENT("paused", NULL);
                c->paused = 1;
            } else if (!wait && c->paused) {
                EVENT("resumed", NULL);
                c->paused = 0;
            }
        }
#undef EVENT
        if (imp_count(im) == before) st->folded++;
    }
    free(cs);
    return rc;
nomem:
    free(cs);
    snprintf(err, errsize, "out of memory");
    return -1;
}
