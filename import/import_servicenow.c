/*
 * import_servicenow.c - `slate import servicenow`: the ServiceNow incident event
 * log (UCI dataset 498, incident_event_log.csv) as slate events for
 * policies/servicenow-incidents.slate.
 *
 * One row is one audit record of an incident (number = the case): its state
 * after an update, at sys_updated_at.  Times are written `d/m/yyyy hh:mm` with no
 * zone; the data set does not say which, so they are read as UTC.  Each case
 * follows a small state machine (docs/realism.md has the table):
 *
 *   first row                   opened at opened_at (priority, channel, category,
 *                               reassignments)
 *   first state other than New  responded
 *   Awaiting ...                paused;  back to Active or New: resumed
 *   Resolved                    resolved;  Closed: closed
 *   any other state after Resolved   reopened
 *   priority changed            updated (priority)
 *   reassignment_count grew     reassigned (reassignments)
 *
 * made_sla, ServiceNow's own verdict, stays out of the events: with --side each
 * case's last made_sla (and last priority) is written for comparison.  Rows with
 * a state outside the list (the data holds `-100`) are skipped and counted.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

enum { C_NUMBER, C_STATE, C_REASSIGN, C_MADE_SLA, C_OPENED, C_UPDATED, C_CONTACT, C_CATEGORY,
       C_PRIORITY, C_N };

static const char *const columns[C_N] = {
    "number", "incident_state", "reassignment_count", "made_sla", "opened_at",
    "sys_updated_at", "contact_type", "category", "priority",
};

typedef struct scase {
    int64_t last;
    long reassign;
    int priority;          /* index into prio_names, -1 unknown */
    unsigned char responded, paused, resolved, closed, made_sla;
    char prio_text[24];    /* the last priority as written, for the side file */
} scase;

static const char *const prio_names[] = {"critical", "high", "moderate", "low"};

/* "1 - Critical" .. "4 - Low" -> 0..3; -1 otherwise. */
static int priority(const char *s)
{
    if (s[0] >= '1' && s[0] <= '4' && !strncmp(s + 1, " - ", 3)) return s[0] - '1';
    return -1;
}

/* `d/m/yyyy hh:mm` read as UTC. */
static int parse_time(const char *s, int64_t *ms)
{
    int d, m, y, h, mi, n = -1;
    if (sscanf(s, "%2d/%2d/%4d %2d:%2d%n", &d, &m, &y, &h, &mi, &n) != 5 || n < 0 || s[n])
        return -1;
    return imp_civil_ms(y, m, d, h, mi, 0, ms);
}

/* An enum-like name: lowercase, runs of other characters as one `_`. */
static json_t *ident(const char *s)
{
    char buf[64];
    size_t i = 0;
    for (; *s && i < sizeof buf - 1; s++) {
        if (isalnum((unsigned char)*s)) buf[i++] = (char)tolower((unsigned char)*s);
        else if (i && buf[i - 1] != '_') buf[i++] = '_';
    }
    while (i && buf[i - 1] == '_') i--;
    buf[i] = '\0';
    return json_string(buf);
}

int imp_servicenow(csv_reader *r, imp *im, imp_stats *st, char *err, size_t errsize)
{
    int col[C_N];
    size_t width;
    if (imp_header(r, columns, col, C_N, &width, err, errsize)) return -1;
    scase *cs = NULL;
    char **ids = NULL;
    size_t ncs = 0, cap = 0;
    char **f;
    int rc;
    while ((rc = imp_row(r, width, &f, err, errsize)) == 1) {
        st->rows++;
        unsigned long line = csv_line(r);
        const char *id = f[col[C_NUMBER]], *state = f[col[C_STATE]];
        int known = !strcmp(state, "New") || !strcmp(state, "Active") ||
                    !strncmp(state, "Awaiting ", 9) || !strcmp(state, "Resolved") ||
                    !strcmp(state, "Closed");
        if (!known) {
            st->unmapped++;
            continue;
        }
        int is_new;
        long k = imp_case(im, id, &is_new);
        if (k < 0) goto nomem;
        if (is_new) {
            if (ncs == cap) {
                cap = cap ? cap * 2 : 1024;
                scase *p = realloc(cs, cap * sizeof *p);
                char **q = realloc(ids, cap * sizeof *q);
                if (p) cs = p;
                if (q) ids = q;
                if (!p || !q) goto nomem;
            }
            memset(&cs[ncs], 0, sizeof *cs);
            if (!(ids[ncs] = strdup(id))) goto nomem;
            ncs++;
            st->cases++;
        }
        scase *c = &cs[k];
        char at[40];
        const char *at_text = at;
        int64_t t;
#define EVENT(type, fields) \
    do { if (imp_event(im, id, type, t, at_text, line, fields)) goto nomem; } while (0)
        size_t before = imp_count(im);
        int prio = priority(f[col[C_PRIORITY]]);
        long reassign = strtol(f[col[C_REASSIGN]], NULL, 10);
        if (is_new) {
            const char *o = f[col[C_OPENED]];
            if (parse_time(o, &t)) {
                st->bad_time++;
                at_text = o;
                t = 0;
            } else {
                imp_format_time(t, 0, at);
            }
            json_t *fl = json_object();
            if (!fl) goto nomem;
            json_object_set_new(fl, "priority", prio >= 0 ? json_string(prio_names[prio])
                                                          : json_string(f[col[C_PRIORITY]]));
            json_object_set_new(fl, "channel", ident(f[col[C_CONTACT]]));
            if (strcmp(f[col[C_CATEGORY]], "?")) /* `?` is the log's empty value */
                json_object_set_new(fl, "category", json_string(f[col[C_CATEGORY]]));
            json_object_set_new(fl, "reassignments", json_integer(reassign));
            EVENT("opened", fl);
            c->last = t;
            c->priority = prio;
            c->reassign = reassign;
        }
        const char *u = f[col[C_UPDATED]];
        at_text = at;
        if (parse_time(u, &t)) {
            st->bad_time++;
            at_text = u;
            t = c->last;
        } else {
            imp_format_time(t, 0, at);
            if (t < c->last) {
                st->late++;
                t = c->last;
            }
        }
        c->last = t;
        int is_new_state = !strcmp(state, "New"), awaiting = !strncmp(state, "Awaiting ", 9);
        int resolved = !strcmp(state, "Resolved"), closed = !strcmp(state, "Closed");
        if (c->resolved && !resolved && !closed) {
            EVENT("reopened", NULL);
            c->resolved = c->paused = 0;
        }
        if (prio != c->priority) {
            json_t *fl = json_pack("{s:s}", "priority",
                                   prio >= 0 ? prio_names[prio] : f[col[C_PRIORITY]]);
            if (!fl) goto nomem;
            EVENT("updated", fl);
            c->priority = prio;
        }
        if (reassign > c->reassign) {
            json_t *fl = json_pack("{s:I}", "reassignments", (json_int_t)reassign);
            if (!fl) goto nomem;
            EVENT("reassigned", fl);
            c->reassign = reassign;
        }
        if (!c->responded && !is_new_state) {
            EVENT("responded", NULL);
            c->responded = 1;
        }
        if (closed) {
            if (!c->closed) EVENT("closed", NULL);
            c->closed = c->resolved = 1;
            c->paused = 0;
        } else if (resolved) {
            if (!c->resolved) EVENT("resolved", NULL);
            c->resolved = 1;
            c->paused = 0;
        } else if (awaiting && !c->paused) {
            EVENT("paused", NULL);
            c->paused = 1;
        } else if (!awaiting && c->paused) {
            EVENT("resumed", NULL);
            c->paused = 0;
        }
#undef EVENT
        if (imp_count(im) == before) st->folded++;
        c->made_sla = !strcmp(f[col[C_MADE_SLA]], "true");
        snprintf(c->prio_text, sizeof c->prio_text, "%s",
                 prio >= 0 ? prio_names[prio] : f[col[C_PRIORITY]]);
    }
    for (size_t i = 0; rc == 0 && i < ncs; i++) {
        json_t *o = json_pack("{s:s,s:b,s:s}", "case", ids[i], "made_sla", cs[i].made_sla,
                              "priority", cs[i].prio_text);
        if (!o || imp_side(im, o)) goto nomem;
    }
    for (size_t i = 0; i < ncs; i++) free(ids[i]);
    free(ids);
    free(cs);
    return rc;
nomem:
    for (size_t i = 0; i < ncs; i++) free(ids[i]);
    free(ids);
    free(cs);
    snprintf(err, errsize, "out of memory");
    return -1;
}
