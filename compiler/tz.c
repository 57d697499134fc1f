/*
 * tz.c - TZif reader behind tz.h (compile time only).
 *
 * Place in the pipeline: calbuild.c asks for a zone's UTC offsets over the
 * policy's validity range; this file reads the zone's TZif file (RFC 8536) and
 * answers with a cal_offset table, so the runtime never touches tz data.
 *
 * Reading: the v1 header and data block, then, for version 2 and later, the 64-bit
 * block that follows and the POSIX TZ string footer.  Every count is checked
 * against the file's size before anything is read.  Past the last explicit
 * transition the footer's rule (`std offset dst [offset],start[/time],end[/time]`
 * with `Mm.w.d`, `Jn` or `n` dates) generates the yearly changes.  Files with leap
 * seconds (the `right/` zones) are refused: their transition times do not count
 * UTC milliseconds.
 */
#include "tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"

#define TZ_MAX_FILE (1 << 20)  /* real TZif files are a few kB */
#define DAY_S 86400LL

const char *tz_dir(void)
{
    const char *d = getenv("SLATE_ZONEINFO");
    return d && *d ? d : "/usr/share/zoneinfo";
}

static int zone_name_ok(const char *zone)
{
    return zone && *zone && zone[0] != '/' && !strstr(zone, "..");
}

int tz_zone_known(const char *zone)
{
    if (!zone_name_ok(zone)) return 0;
    if (!strcmp(zone, "UTC")) return 1;
    char path[1024];
    if (snprintf(path, sizeof path, "%s/%s", tz_dir(), zone) >= (int)sizeof path) return 0;
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char magic[4];
    int ok = fread(magic, 1, 4, f) == 4 && !memcmp(magic, "TZif", 4);
    fclose(f);
    return ok;
}

/* The year of day number `days`. */
static int64_t year_of(int64_t days)
{
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    return y;
}

/* ---- the POSIX TZ footer -------------------------------------------------------- */

typedef struct tz_rule_date {
    char kind;       /* 'M', 'J' or 'n' */
    int m, w, d;     /* M: month, week 1..5, weekday 0=Sun; J/n: day in d */
    int64_t secs;    /* local wall time of the change, seconds (may be < 0 or > 24h) */
} tz_rule_date;

typedef struct tz_rule {
    int64_t std_off, dst_off; /* seconds east of UTC */
    int has_dst;
    tz_rule_date start, end;
} tz_rule;

static const char *parse_name(const char *p)
{
    if (*p == '<') {
        p++;
        while (*p && *p != '>') p++;
        return *p == '>' ? p + 1 : NULL;
    }
    const char *s = p;
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) p++;
    return p - s >= 3 ? p : NULL;
}

static const char *parse_num(const char *p, int64_t *v, int64_t max)
{
    if (*p < '0' || *p > '9') return NULL;
    int64_t n = 0;
    while (*p >= '0' && *p <= '9') {
        n = n * 10 + (*p++ - '0');
        if (n > max) return NULL;
    }
    *v = n;
    return p;
}

/* [+-]hh[:mm[:ss]] in seconds; hours up to 167 (RFC 8536 extension). */
static const char *parse_hms(const char *p, int64_t *secs)
{
    int neg = 0;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    int64_t h, m = 0, s = 0;
    if (!(p = parse_num(p, &h, 167))) return NULL;
    if (*p == ':' && !(p = parse_num(p + 1, &m, 59))) return NULL;
    if (*p == ':' && !(p = parse_num(p + 1, &s, 59))) return NULL;
    *secs = (neg ? -1 : 1) * (h * 3600 + m * 60 + s);
    return p;
}

static const char *parse_date(const char *p, tz_rule_date *r)
{
    int64_t a, b, c;
    if (*p == 'M') {
        if (!(p = parse_num(p + 1, &a, 12)) || *p != '.') return NULL;
        if (!(p = parse_num(p + 1, &b, 5)) || *p != '.') return NULL;
        if (!(p = parse_num(p + 1, &c, 6))) return NULL;
        if (a < 1 || b < 1) return NULL;
        r->kind = 'M', r->m = (int)a, r->w = (int)b, r->d = (int)c;
    } else if (*p == 'J') {
        if (!(p = parse_num(p + 1, &a, 365)) || a < 1) return NULL;
        r->kind = 'J', r->d = (int)a;
    } else {
        if (!(p = parse_num(p, &a, 365))) return NULL;
        r->kind = 'n', r->d = (int)a;
    }
    r->secs = 2 * 3600;
    if (*p == '/' && !(p = parse_hms(p + 1, &r->secs))) return NULL;
    return p;
}

/* Parse a footer such as "CET-1CEST,M3.5.0,M10.5.0/3".  Returns 0 when valid. */
static int parse_rule(const char *s, tz_rule *r)
{
    memset(r, 0, sizeof *r);
    const char *p = parse_name(s);
    int64_t off;
    if (!p || !(p = parse_hms(p, &off))) return -1;
    r->std_off = -off; /* POSIX counts west of Greenwich */
    if (!*p) return 0;
    if (!(p = parse_name(p))) return -1;
    r->has_dst = 1;
    r->dst_off = r->std_off + 3600;
    if (*p && *p != ',') {
        if (!(p = parse_hms(p, &off))) return -1;
        r->dst_off = -off;
    }
    if (*p != ',') return -1; /* no default rule (the old "posixrules") */
    if (!(p = parse_date(p + 1, &r->start)) || *p != ',') return -1;
    if (!(p = parse_date(p + 1, &r->end)) || *p) return -1;
    return 0;
}

/* Local midnight of the rule's day in year y, as days since 1970-01-01. */
static int64_t rule_day(const tz_rule_date *r, int64_t y)
{
    int64_t jan1 = civil_to_days(y, 1, 1);
    if (r->kind == 'J') return jan1 + r->d - 1 + (civil_is_leap(y) && r->d >= 60);
    if (r->kind == 'n') return jan1 + r->d;
    int64_t first = civil_to_days(y, r->m, 1);
    int wd = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday (4) */
    int64_t day = 1 + (r->d - wd + 7) % 7 + (int64_t)(r->w - 1) * 7;
    while (day > civil_month_days(y, r->m)) day -= 7;
    return first + day - 1;
}

/* ---- the offset table under construction ---------------------------------------- */

typedef struct change {
    int64_t at;   /* UTC seconds */
    int64_t off;  /* seconds east of UTC from `at` on */
    size_t seq;   /* push order: of two changes at one instant the later wins */
} change;

typedef struct change_list {
    change *v;
    size_t n, cap;
} change_list;

static int push(change_list *l, int64_t at, int64_t off)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        change *v = realloc(l->v, cap * sizeof *v);
        if (!v) return -1;
        l->v = v, l->cap = cap;
    }
    l->v[l->n] = (change){at, off, l->n};
    l->n++;
    return 0;
}

static int cmp_change(const void *a, const void *b)
{
    const change *x = a, *y = b;
    if (x->at != y->at) return (x->at > y->at) - (x->at < y->at);
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* ---- the TZif file -------------------------------------------------------------- */

static int64_t be32(const unsigned char *p)
{
    return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

static int64_t be64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return (int64_t)v;
}

typedef struct tzif_hdr {
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} tzif_hdr;

/* Read a header at buf[pos]; sets *datalen to its data block's size for time
 * fields of `tsize` bytes.  Returns 0 when the header and its block fit. */
static int read_hdr(const unsigned char *buf, size_t len, size_t pos, int tsize,
                    tzif_hdr *h, size_t *datalen)
{
    if (len < 44 || pos > len - 44 || memcmp(buf + pos, "TZif", 4)) return -1;
    const unsigned char *p = buf + pos + 20;
    uint32_t c[6];
    for (int i = 0; i < 6; i++) {
        c[i] = (uint32_t)be32(p + 4 * i);
        if (c[i] > 100000) return -1; /* far beyond any real zone; keeps sizes small */
    }
    *h = (tzif_hdr){c[0], c[1], c[2], c[3], c[4], c[5]};
    if (h->typecnt == 0 || h->charcnt == 0) return -1;
    if ((h->isutcnt && h->isutcnt != h->typecnt) || (h->isstdcnt && h->isstdcnt != h->typecnt))
        return -1;
    size_t n = (size_t)h->timecnt * (size_t)(tsize + 1) + (size_t)h->typecnt * 6 +
               h->charcnt + (size_t)h->leapcnt * (size_t)(tsize + 4) + h->isstdcnt +
               h->isutcnt;
    if (n > len - pos - 44) return -1;
    *datalen = n;
    return 0;
}

static int load(const char *zone, unsigned char **out, size_t *outlen, char *err, size_t errsize)
{
    char path[1024];
    if (snprintf(path, sizeof path, "%s/%s", tz_dir(), zone) >= (int)sizeof path) {
        snprintf(err, errsize, "time zone name `%s` too long", zone);
        return -1;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errsize, "unknown time zone `%s`", zone);
        return -1;
    }
    unsigned char *buf = malloc(TZ_MAX_FILE);
    size_t n = buf ? fread(buf, 1, TZ_MAX_FILE, f) : 0;
    int toolong = buf && n == TZ_MAX_FILE && fgetc(f) != EOF;
    fclose(f);
    if (!buf) {
        snprintf(err, errsize, "out of memory reading time zone `%s`", zone);
        return -1;
    }
    if (toolong) {
        free(buf);
        snprintf(err, errsize, "time zone file for `%s` is too large", zone);
        return -1;
    }
    *out = buf, *outlen = n;
    return 0;
}

cal_offset *tz_offsets(const char *zone, int64_t from_ms, int64_t to_ms, uint32_t *n,
                       char *err, size_t errsize)
{
    if (!zone || !strcmp(zone, "UTC")) {
        cal_offset *t = malloc(sizeof *t);
        if (!t) {
            snprintf(err, errsize, "out of memory");
            return NULL;
        }
        t[0] = (cal_offset){INT64_MIN, 0};
        *n = 1;
        return t;
    }
    if (!zone_name_ok(zone)) {
        snprintf(err, errsize, "invalid time zone name `%s`", zone);
        return NULL;
    }
    if (to_ms <= from_ms) {
        snprintf(err, errsize, "empty validity range for time zone `%s`", zone);
        return NULL;
    }
    unsigned char *buf;
    size_t len;
    if (load(zone, &buf, &len, err, errsize)) return NULL;

    cal_offset *result = NULL;
    change_list ch = {0};
    const char *why = "corrupt time zone file";
    tzif_hdr h;
    size_t dlen, pos = 0;
    int tsize = 4;
    if (read_hdr(buf, len, 0, 4, &h, &dlen)) goto fail;
    if (buf[4] >= '2') { /* skip the v1 block: the 64-bit one follows */
        pos = 44 + dlen;
        tsize = 8;
        if (read_hdr(buf, len, pos, 8, &h, &dlen)) goto fail;
    }
    if (h.leapcnt) {
        why = "time zone with leap seconds (a `right/` zone) not supported";
        goto fail;
    }
    const unsigned char *times = buf + pos + 44;
    const unsigned char *idx = times + (size_t)h.timecnt * tsize;
    const unsigned char *types = idx + h.timecnt;

    /* The footer, between two newlines right after the v2+ data block. */
    tz_rule rule;
    int has_rule = 0;
    if (tsize == 8) {
        size_t fpos = pos + 44 + dlen;
        if (fpos >= len || buf[fpos] != '\n') goto fail;
        const unsigned char *nl = memchr(buf + fpos + 1, '\n', len - fpos - 1);
        if (!nl) goto fail;
        size_t flen = (size_t)(nl - (buf + fpos + 1));
        if (flen > 0) {
            char footer[256];
            if (flen >= sizeof footer) goto fail;
            memcpy(footer, buf + fpos + 1, flen);
            footer[flen] = 0;
            if (parse_rule(footer, &rule)) {
                why = "unsupported TZ rule in time zone file";
                goto fail;
            }
            has_rule = 1;
        }
    }

    /* Every change of offset in the file's history, in time order.  Before the
     * first transition time type 0 applies (RFC 8536 3.2). */
    if (be32(types) <= -DAY_S || be32(types) >= DAY_S) goto fail;
    if (push(&ch, INT64_MIN, be32(types))) goto nomem;
    int64_t last = INT64_MIN;
    for (uint32_t i = 0; i < h.timecnt; i++) {
        int64_t at = tsize == 8 ? be64(times + 8 * (size_t)i) : be32(times + 4 * (size_t)i);
        if (idx[i] >= h.typecnt || (i > 0 && at <= last)) goto fail;
        int64_t off = be32(types + 6 * (size_t)idx[i]);
        if (off <= -DAY_S || off >= DAY_S) goto fail;
        if (push(&ch, at, off)) goto nomem;
        last = at;
    }
    if (has_rule) {
        if (rule.std_off <= -DAY_S || rule.std_off >= DAY_S || rule.dst_off <= -DAY_S ||
            rule.dst_off >= DAY_S) {
            why = "unsupported TZ rule in time zone file";
            goto fail;
        }
        if (h.timecnt == 0) ch.v[0].off = rule.std_off;
        if (rule.has_dst) {
            /* Generate the rule's changes for every year the range touches after
             * the last explicit transition (one year of margin each side). */
            int64_t from_s = civil_floor_div(from_ms, 1000), to_s = civil_floor_div(to_ms, 1000);
            int64_t y0 = year_of(civil_floor_div(last > from_s ? last : from_s, DAY_S)) - 1;
            int64_t y1 = year_of(civil_floor_div(to_s, DAY_S)) + 1;
            if (y1 - y0 > 20000) {
                why = "validity range too long for a time zone with DST rules";
                goto fail;
            }
            size_t first = ch.n;
            for (int64_t y = y0; y <= y1; y++) {
                int64_t on = rule_day(&rule.start, y) * DAY_S + rule.start.secs - rule.std_off;
                int64_t off = rule_day(&rule.end, y) * DAY_S + rule.end.secs - rule.dst_off;
                if (on > last && push(&ch, on, rule.dst_off)) goto nomem;
                if (off > last && push(&ch, off, rule.std_off)) goto nomem;
            }
            qsort(ch.v + first, ch.n - first, sizeof *ch.v, cmp_change);
        }
    }

    /* Keep the offset in force at from_ms and each real change inside the range. */
    size_t cap = 1, k = 0;
    for (size_t i = 1; i < ch.n; i++)
        if (ch.v[i].at > civil_floor_div(from_ms, 1000)) cap++;
    result = malloc(cap * sizeof *result);
    if (!result) goto nomem;
    int64_t cur = ch.v[0].off;
    for (size_t i = 1; i < ch.n; i++) {
        int64_t at = ch.v[i].at;
        /* at is whole seconds; compare in ms without overflow */
        if (at <= INT64_MIN / 1000 || (at < INT64_MAX / 1000 && at * 1000 <= from_ms)) {
            cur = ch.v[i].off;
            continue;
        }
        if (at >= INT64_MAX / 1000 || at * 1000 >= to_ms) break;
        if (k == 0) result[k++] = (cal_offset){INT64_MIN, cur * 1000};
        if (k > 1 && result[k - 1].from == at * 1000) k--; /* same instant: last wins */
        if (ch.v[i].off * 1000 != result[k - 1].offset_ms)
            result[k++] = (cal_offset){at * 1000, ch.v[i].off * 1000};
    }
    if (k == 0) result[k++] = (cal_offset){INT64_MIN, cur * 1000};
    *n = (uint32_t)k;
    free(ch.v);
    free(buf);
    return result;

nomem:
    why = "out of memory";
fail:
    snprintf(err, errsize, "time zone `%s`: %s", zone, why);
    free(result);
    free(ch.v);
    free(buf);
    return NULL;
}
