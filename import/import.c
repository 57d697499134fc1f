/*
 * import.c - the event collector, side file and time helpers of import.h.
 *
 * Events are rendered to their JSON line when added (jansson, compact, keys in
 * the order set: case, type, at, id, then the fields) and kept with their instant
 * and arrival order; imp_write sorts by (instant, arrival) and writes.  The data
 * sets are small (at most some 10^5 events), so holding them is fine.
 */
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "import.h"
#include "timestamp.h"
#include "tz.h"

typedef struct imp_ev {
    int64_t at;
    size_t ord;
    char *line;
} imp_ev;

struct imp {
    imp_ev *ev;
    size_t n, cap;
    char **side;
    size_t nside, side_cap;
    json_t *cases;   /* case id -> index: jansson's hash table */
};

imp *imp_new(void) { return calloc(1, sizeof(imp)); }

void imp_free(imp *im)
{
    if (!im) return;
    for (size_t i = 0; i < im->n; i++) free(im->ev[i].line);
    for (size_t i = 0; i < im->nside; i++) free(im->side[i]);
    free(im->ev);
    free(im->side);
    json_decref(im->cases);
    free(im);
}

long imp_case(imp *im, const char *case_id, int *is_new)
{
    if (!im->cases && !(im->cases = json_object())) return -1;
    json_t *v = json_object_get(im->cases, case_id);
    if (v) {
        *is_new = 0;
        return (long)json_integer_value(v);
    }
    long k = (long)json_object_size(im->cases);
    if (json_object_set_new(im->cases, case_id, json_integer(k))) return -1;
    *is_new = 1;
    return k;
}

int imp_header(csv_reader *r, const char *const *names, int *idx, size_t n, size_t *width,
               char *err, size_t errsize)
{
    char **f;
    size_t nf;
    csv_status st = csv_next(r, &f, &nf);
    if (st == CSV_ERROR) {
        snprintf(err, errsize, "%s", csv_error(r));
        return -1;
    }
    if (st == CSV_EOF) {
        snprintf(err, errsize, "empty file (no header)");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        idx[i] = csv_column(f, nf, names[i]);
        if (idx[i] < 0) {
            snprintf(err, errsize, "line %lu: no column `%s` in the header: not this format?",
                     csv_line(r), names[i]);
            return -1;
        }
    }
    *width = nf;
    return 0;
}

int imp_row(csv_reader *r, size_t width, char ***f, char *err, size_t errsize)
{
    size_t nf;
    csv_status st = csv_next(r, f, &nf);
    if (st == CSV_EOF) return 0;
    if (st == CSV_ERROR) {
        snprintf(err, errsize, "%s", csv_error(r));
        return -1;
    }
    if (nf != width) {
        snprintf(err, errsize, "line %lu: %zu fields, the header has %zu", csv_line(r), nf, width);
        return -1;
    }
    return 1;
}

size_t imp_count(const imp *im) { return im->n; }

int imp_event(imp *im, const char *case_id, const char *type, int64_t at_ms,
              const char *at_text, unsigned long line, json_t *fields)
{
    json_t *o = json_object();
    int bad = !o;
    bad |= !o || json_object_set_new(o, "case", json_string(case_id));
    bad |= !o || json_object_set_new(o, "type", json_string(type));
    bad |= !o || json_object_set_new(o, "at", json_string(at_text));
    bad |= !o || json_object_set_new(o, "id", json_integer((json_int_t)line));
    if (fields) {
        if (!bad) bad |= json_object_update(o, fields);
        json_decref(fields);
    }
    char *s = bad ? NULL : json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    json_decref(o);
    if (!s) return -1;
    if (im->n == im->cap) {
        size_t cap = im->cap ? im->cap * 2 : 4096;
        imp_ev *e = realloc(im->ev, cap * sizeof *e);
        if (!e) {
            free(s);
            return -1;
        }
        im->ev = e;
        im->cap = cap;
    }
    im->ev[im->n] = (imp_ev){at_ms, im->n, s};
    im->n++;
    return 0;
}

int imp_side(imp *im, json_t *record)
{
    char *s = json_dumps(record, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    json_decref(record);
    if (!s) return -1;
    if (im->nside == im->side_cap) {
        size_t cap = im->side_cap ? im->side_cap * 2 : 1024;
        char **p = realloc(im->side, cap * sizeof *p);
        if (!p) {
            free(s);
            return -1;
        }
        im->side = p;
        im->side_cap = cap;
    }
    im->side[im->nside++] = s;
    return 0;
}

static int by_time(const void *a, const void *b)
{
    const imp_ev *x = a, *y = b;
    if (x->at != y->at) return x->at < y->at ? -1 : 1;
    return (x->ord > y->ord) - (x->ord < y->ord);
}

int imp_write(imp *im, FILE *out, FILE *side)
{
    qsort(im->ev, im->n, sizeof *im->ev, by_time);
    for (size_t i = 0; i < im->n; i++)
        if (fputs(im->ev[i].line, out) == EOF || putc('\n', out) == EOF) return -1;
    if (side)
        for (size_t i = 0; i < im->nside; i++)
            if (fputs(im->side[i], side) == EOF || putc('\n', side) == EOF) return -1;
    return 0;
}

char *imp_format_time(int64_t ms, int offset_min, char *buf)
{
    ts_format_offset(ms, offset_min, TS_SECONDS, buf, 32);
    return buf;
}

int imp_civil_ms(int y, int mo, int d, int h, int mi, int s, int64_t *ms)
{
    if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > civil_month_days(y, mo) ||
        h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59)
        return -1;
    *ms = ((civil_to_days(y, mo, d) * 24 + h) * 60 + mi) * 60000 + (int64_t)s * 1000;
    return 0;
}

struct imp_zone {
    cal_offset *off;
    uint32_t n;
};

imp_zone *imp_zone_load(const char *zone, char *err, size_t errsize)
{
    imp_zone *z = calloc(1, sizeof *z);
    if (!z) {
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    int64_t from = 0, to = civil_to_days(2100, 1, 1) * 86400000;
    z->off = tz_offsets(zone, from, to, &z->n, err, errsize);
    if (!z->off) {
        free(z);
        return NULL;
    }
    return z;
}

void imp_zone_free(imp_zone *z)
{
    if (!z) return;
    free(z->off);
    free(z);
}

/* The offset (ms) in force at UTC instant t. */
static int64_t offset_at(const imp_zone *z, int64_t t)
{
    uint32_t lo = 0, hi = z->n; /* the last entry with from <= t; off[0].from is INT64_MIN */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (z->off[mid].from <= t) lo = mid;
        else hi = mid;
    }
    return z->off[lo].offset_ms;
}

int64_t imp_zone_utc(const imp_zone *z, int64_t local_ms, int *offset_min)
{
    const int64_t day = 86400000;
    int64_t before = offset_at(z, local_ms - day), after = offset_at(z, local_ms + day);
    int64_t ua = local_ms - before, ub = local_ms - after;
    int va = offset_at(z, ua) == before, vb = offset_at(z, ub) == after;
    int64_t u, o;
    if (va && vb) u = ua < ub ? ua : ub, o = ua < ub ? before : after;
    else if (va) u = ua, o = before;
    else if (vb) u = ub, o = after;
    else u = ua, o = offset_at(z, ua); /* in the gap: the offset before the change */
    *offset_min = (int)(o / 60000);
    return u;
}
