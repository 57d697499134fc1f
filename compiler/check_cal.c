/*
 * check_cal.c - the calendar part of the semantic pass: time zones (with a
 * did-you-mean over the zoneinfo directory), working hours, holidays, open
 * dates (make-up working days) and their dates.  Called from check.c; see
 * check_int.h.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calbuild.h"
#include "check_int.h"
#include "calbuild.h"
#include "civil.h"
#include "tz.h"

/* ---- calendars -------------------------------------------------------------------- */

static int check_date(chk_ctx *c, const ast_date *dt)
{
    char text[64];
    chk_src_text(c, dt->loc, text, sizeof text);
    if (dt->year < 1970 || dt->year > 9999) {
        chk_error(c, dt->loc, "years run from 1970 to 9999", "date `%s` is out of range", text);
        return 0;
    }
    if (dt->month < 1 || dt->month > 12) {
        chk_error(c, dt->loc, "months run from 01 to 12", "date `%s` does not exist", text);
        return 0;
    }
    if (dt->day < 1 || dt->day > civil_month_days(dt->year, dt->month)) {
        char hint[80];
        if (dt->month == 2 && dt->day == 29)
            snprintf(hint, sizeof hint, "%d is not a leap year", dt->year);
        else
            snprintf(hint, sizeof hint, "that month has %d days",
                     civil_month_days(dt->year, dt->month));
        chk_error(c, dt->loc, hint, "date `%s` does not exist", text);
        return 0;
    }
    return 1;
}

static int date_cmp(const ast_date *a, const ast_date *b)
{
    if (a->year != b->year) return a->year < b->year ? -1 : 1;
    if (a->month != b->month) return a->month < b->month ? -1 : 1;
    return (a->day > b->day) - (a->day < b->day);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Find the zone closest to an unknown `zone` among the files of its area (or the
 * area names themselves); sorted so the choice does not depend on the directory. */
static const char *suggest_zone(const char *zone, char *out, size_t size)
{
    char dir[1024], area[128];
    const char *slash = strchr(zone, '/');
    size_t alen = slash ? (size_t)(slash - zone) : 0;
    if (alen >= sizeof area) return NULL;
    memcpy(area, zone, alen);
    area[alen] = '\0';
    int n = snprintf(dir, sizeof dir, "%s%s%s", tz_dir(), alen ? "/" : "", area);
    if (n < 0 || (size_t)n >= sizeof dir) return NULL;
    DIR *dp = opendir(dir);
    if (!dp) return NULL;
    char **names = NULL;
    size_t count = 0, cap = 0;
    for (struct dirent *de; (de = readdir(dp));) {
        if (de->d_name[0] == '.') continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) break;
            names = nn;
        }
        size_t l = alen + 1 + strlen(de->d_name) + 1;
        char *s = malloc(l);
        if (!s) break;
        snprintf(s, l, "%s%s%s", area, alen ? "/" : "", de->d_name);
        names[count++] = s;
    }
    closedir(dp);
    const char *best = NULL;
    if (count) {
        qsort(names, count, sizeof *names, name_cmp);
        diag_suggest s;
        diag_suggest_init(&s, zone);
        for (size_t i = 0; i < count; i++)
            if (tz_zone_known(names[i])) diag_suggest_add(&s, names[i]);
        if (diag_suggest_best(&s)) {
            snprintf(out, size, "did you mean `%s`?", diag_suggest_best(&s));
            best = out;
        }
    }
    for (size_t i = 0; i < count; i++) free(names[i]);
    free(names);
    return best;
}

static void check_interval_time(chk_ctx *c, const ast_interval *iv)
{
    char text[64];
    if (iv->start_min < 0 || iv->start_min >= 24 * 60 || iv->end_min < 0 ||
        iv->end_min > 24 * 60) {
        chk_error(c, iv->loc, "times run from 00:00 to 24:00 (24:00 only as an end)",
                   "time out of range in `%s`", chk_src_text(c, iv->loc, text, sizeof text));
    } else if (iv->start_min == iv->end_min) {
        chk_error(c, iv->loc, "write `00:00-24:00` for a whole day",
                   "interval `%s` is empty", chk_src_text(c, iv->loc, text, sizeof text));
    }
}

/* The days the compiler builds calendars for (calbuild.h), as local day numbers. */
#define FIRST_DAY (CALB_VALID_FROM_MS / CAL_DAY_MS)
#define LAST_DAY (CALB_VALID_TO_MS / CAL_DAY_MS - 1)

static int64_t day_of(const ast_date *d)
{
    return civil_to_days(d->year, d->month, d->day);
}

/* Where a date, written or as a day number, overlaps a list of closed or open
 * items: the first such item, or NULL. */
static const ast_closed *item_with(const ast_closed *list, int64_t a, int64_t b, const ast_closed *stop)
{
    for (const ast_closed *x = list; x && x != stop; x = x->next)
        if (day_of(&x->to) >= a && day_of(&x->from) <= b) return x;
    return NULL;
}

/* `open DATE[..DATE] [HOURS]`: valid dates inside the horizon, hours within the
 * day, never a closed day, never opened twice, and without hours a calendar whose
 * days with hours all have the same ones. */
static void check_open(chk_ctx *c, ast_calendar *k)
{
    int std_checked = 0;
    for (ast_closed *o = k->open; o; o = o->next) {
        char text[64];
        int ok = check_date(c, &o->from);
        if (date_cmp(&o->from, &o->to) != 0) ok &= check_date(c, &o->to);
        if (!ok) continue;
        chk_src_text(c, o->loc, text, sizeof text);
        if (date_cmp(&o->from, &o->to) > 0) {
            chk_error(c, o->loc, "write the earlier date first", "open range `%s` ends before it starts", text);
            continue;
        }
        int64_t a = day_of(&o->from), b = day_of(&o->to);
        if (a < FIRST_DAY || b > LAST_DAY) {
            chk_error(c, o->loc, "calendars are compiled for 2000-01-01 to 2099-12-31",
                       "open date `%s` is past the supported horizon", text);
            continue;
        }
        const ast_closed *cl = item_with(k->closed, a, b, NULL);
        if (cl) {
            char hint[96];
            snprintf(hint, sizeof hint, "it is closed on line %d: a day is either closed or open",
                     cl->loc.line);
            chk_error(c, o->loc, hint, "open date `%s` is also closed", text);
        }
        const ast_closed *twice = item_with(k->open, a, b, o);
        if (twice) {
            char hint[64];
            snprintf(hint, sizeof hint, "it is opened on line %d already", twice->loc.line);
            chk_error(c, o->loc, hint, "date `%s` is opened twice", text);
        }
        if (o->hours) {
            if (o->next && o->next->hours == o->hours) continue; /* one line: check its hours once */
            for (ast_interval *iv = o->hours; iv; iv = iv->next) {
                check_interval_time(c, iv);
                if (iv->end_min < iv->start_min) {
                    chk_error(c, iv->loc, "an open day's hours end on that day (24:00 at the latest)",
                               "interval `%s` runs past midnight",
                               chk_src_text(c, iv->loc, text, sizeof text));
                }
            }
            for (ast_interval *iv = o->hours; iv; iv = iv->next)
                for (ast_interval *jv = iv->next; jv; jv = jv->next)
                    if (iv->start_min < jv->end_min && jv->start_min < iv->end_min)
                        chk_error(c, jv->loc, "write each working span once",
                                   "interval `%s` overlaps another of the same day",
                                   chk_src_text(c, jv->loc, text, sizeof text));
        } else if (!std_checked) {
            std_checked = 1;
            cal_span sp[CALB_MAX_DAY_SPANS];
            char why[200];
            if (k->hours && calb_standard_day(k, sp, why, sizeof why) < 0)
                chk_error(c, o->loc, why, "open date `%s` needs its hours", text);
        }
    }
}

void chk_calendar(chk_ctx *c, ast_calendar *k)
{
    if (k->zone && !tz_zone_known(k->zone)) {
        char hint[160];
        const char *h = suggest_zone(k->zone, hint, sizeof hint);
        chk_error(c, k->zone_loc,
                   h ? h : "use an IANA zone name such as `Europe/Paris` or `UTC`",
                   "unknown time zone `%s`", k->zone);
    }
    int any = 0;
    for (ast_hours *h = k->hours; h; h = h->next) {
        if (h->first_day < 0 || h->first_day > 6 || h->last_day < 0 || h->last_day > 6) {
            char text[64];
            chk_error(c, h->days_loc, "days are `mon` to `sun`", "unknown day `%s`",
                       chk_src_text(c, h->days_loc, text, sizeof text));
        }
        for (ast_interval *iv = h->intervals; iv; iv = iv->next) {
            check_interval_time(c, iv);
            any = 1;
        }
    }
    if (!any)
        chk_error(c, k->name.loc, "add working hours, e.g. `hours mon-fri 09:00-18:00`",
                   "calendar `%s` has no working hours", k->name.name);
    for (ast_closed *cl = k->closed; cl; cl = cl->next) {
        int ok = check_date(c, &cl->from);
        if (date_cmp(&cl->from, &cl->to) != 0) ok &= check_date(c, &cl->to);
        /* Calendars are computed up to a horizon: a closed day past it would be
         * cut without a word. */
        int64_t last = CALB_VALID_TO_MS / 86400000 - 1;
        if (ok && civil_to_days(cl->to.year, cl->to.month, cl->to.day) > last) {
            int64_t y;
            int m, d;
            civil_from_days(last, &y, &m, &d);
            char text[64], hint[128];
            snprintf(hint, sizeof hint, "calendars are computed up to %04lld-%02d-%02d", (long long)y,
                     m, d);
            chk_error(c, cl->loc, hint, "closed `%s` is past the calendar horizon",
                      chk_src_text(c, cl->loc, text, sizeof text));
            ok = 0;
        }
        if (ok && date_cmp(&cl->from, &cl->to) > 0) {
            char text[64];
            chk_error(c, cl->loc, "write the earlier date first",
                       "closed range `%s` ends before it starts",
                       chk_src_text(c, cl->loc, text, sizeof text));
        }
    }
    if (k->open) check_open(c, k);
}
