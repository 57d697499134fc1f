/*
 * import_nyc311.c - `slate import nyc311`: NYC 311 service requests (the NYC
 * Open Data export, 41 columns) as slate events for policies/nyc311.slate.
 *
 * One row is one whole request (Unique Key = the case), so each row gives:
 *
 *   Created Date   opened (agency, complaint type, channel)
 *   Closed Date    resolved, then closed (when present)
 *
 * Times are local New York time, `MM/DD/YYYY hh:mm:ss AM`, converted with the
 * America/New_York offsets of the system's zoneinfo (compiler/tz.h): written
 * with the offset in force (-05:00 or -04:00); an hour repeated in November is
 * read as its first occurrence, a skipped hour in March as the offset before the
 * change.  A closing time before the opening time is passed on as it is (the
 * engine then rejects the events of that case it cannot use).  The agency's Due
 * Date stays out of the events: --side writes it, and whether the request was
 * closed by it, for comparison.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

enum { C_KEY, C_CREATED, C_CLOSED, C_AGENCY, C_COMPLAINT, C_CHANNEL, C_DUE, C_N };

static const char *const columns[C_N] = {
    "Unique Key", "Created Date", "Closed Date", "Agency", "Complaint Type",
    "Open Data Channel Type", "Due Date",
};

/* `MM/DD/YYYY hh:mm:ss AM` as a civil time (ms, as if UTC). */
static int parse_local(const char *s, int64_t *ms)
{
    int mo, d, y, h, mi, sec, n = -1;
    char ampm[3];
    if (sscanf(s, "%2d/%2d/%4d %2d:%2d:%2d %2[AMP]%n", &mo, &d, &y, &h, &mi, &sec, ampm, &n) != 7 ||
        n < 0 || s[n] || h < 1 || h > 12 || ampm[1] != 'M')
        return -1;
    if (ampm[0] == 'A') h = h == 12 ? 0 : h;
    else if (ampm[0] == 'P') h = h == 12 ? 12 : h + 12;
    else return -1;
    return imp_civil_ms(y, mo, d, h, mi, sec, ms);
}

static json_t *lower(const char *s)
{
    char buf[64];
    size_t i = 0;
    for (; s[i] && i < sizeof buf - 1; i++) buf[i] = (char)tolower((unsigned char)s[i]);
    buf[i] = '\0';
    return json_string(buf);
}

int imp_nyc311(csv_reader *r, imp *im, imp_stats *st, char *err, size_t errsize)
{
    int col[C_N];
    size_t width;
    if (imp_header(r, columns, col, C_N, &width, err, errsize)) return -1;
    imp_zone *z = imp_zone_load("America/New_York", err, errsize);
    if (!z) return -1;
    char **f;
    int rc;
    while ((rc = imp_row(r, width, &f, err, errsize)) == 1) {
        st->rows++;
        unsigned long line = csv_line(r);
        const char *id = f[col[C_KEY]];
        int is_new;
        if (imp_case(im, id, &is_new) < 0) goto nomem;
        if (!is_new) { /* a request is one row: a repeated key is a second opening */
            st->late++;
        } else {
            st->cases++;
        }
        int64_t local, opened = 0, closed = 0;
        int off;
        char at[40];
        const char *text = at;
        if (parse_local(f[col[C_CREATED]], &local)) {
            st->bad_time++;
            text = f[col[C_CREATED]];
        } else {
            opened = imp_zone_utc(z, local, &off);
            imp_format_time(opened, off, at);
        }
        json_t *fl = json_object();
        if (!fl) goto nomem;
        json_object_set_new(fl, "agency", lower(f[col[C_AGENCY]]));
        json_object_set_new(fl, "complaint", json_string(f[col[C_COMPLAINT]]));
        json_object_set_new(fl, "channel", lower(f[col[C_CHANNEL]]));
        if (imp_event(im, id, "opened", opened, text, line, fl)) goto nomem;
        int have_closed = 0;
        const char *c = f[col[C_CLOSED]];
        if (*c) {
            text = at;
            if (parse_local(c, &local)) {
                st->bad_time++;
                text = c;
                closed = opened;
            } else {
                closed = imp_zone_utc(z, local, &off);
                imp_format_time(closed, off, at);
                have_closed = 1;
                if (closed < opened) st->late++;
            }
            if (imp_event(im, id, "resolved", closed, text, line, NULL) ||
                imp_event(im, id, "closed", closed, text, line, NULL))
                goto nomem;
        }
        json_t *side = json_pack("{s:s,s:s}", "case", id, "agency", f[col[C_AGENCY]]);
        if (!side) goto nomem;
        if (*f[col[C_DUE]] && !parse_local(f[col[C_DUE]], &local)) {
            int64_t due = imp_zone_utc(z, local, &off);
            imp_format_time(due, off, at);
            json_object_set_new(side, "due", json_string(at));
            if (have_closed) json_object_set_new(side, "met_due", json_boolean(closed <= due));
        }
        if (imp_side(im, side)) goto nomem;
    }
    imp_zone_free(z);
    return rc;
nomem:
    imp_zone_free(z);
    snprintf(err, errsize, "out of memory");
    return -1;
}
