/*
 * capture.h - a decision sink for engine tests that keeps each decision as a
 * compact line, "TIME CASE ACTION details" (TIME as MM-DDTHH:MM, seconds only
 * when not zero), and EXPECT() to compare the lines with the stream a test wants.
 */
#ifndef SLATE_TEST_CAPTURE_H
#define SLATE_TEST_CAPTURE_H

#include <stdio.h>
#include <string.h>

#include "engine_int.h"
#include "slate.h"

#define S INT64_C(1000)
#define MIN (60 * S)
#define H (60 * MIN)
#define DAY (24 * H)

typedef struct cap {
    char lines[256][400];
    slate_decision d[256]; /* pointers inside are stale after the sink returns */
    int n;
    int refuse_at;         /* sink returns 1 on this decision number (1-based), 0: never */
} cap;

static void tfmt(char *buf, size_t size, int64_t ms)
{
    char full[40];
    fmt_time(full, sizeof full, ms);
    /* 2025-03-10T10:15:00.000Z -> 03-10T10:15 */
    if (strcmp(full + 16, ":00.000Z") == 0)
        snprintf(buf, size, "%.11s", full + 5);
    else
        snprintf(buf, size, "%.18s", full + 5);
}

static int sink(void *ud, const slate_decision *d)
{
    cap *c = ud;
    assert_true(c->n < 256);
    char *l = c->lines[c->n], t[40], dl[48] = "";
    c->d[c->n] = *d;
    c->n++;
    assert_int_equal(d->seq, (uint64_t)c->n + (c->d[0].seq - 1));
    tfmt(t, sizeof t, d->at);
    if (d->deadline != INT64_MIN) {
        char x[40];
        tfmt(x, sizeof x, d->deadline);
        snprintf(dl, sizeof dl, " dl=%s", x);
    }
    char cs[300] = "-";
    if (d->case_id) snprintf(cs, sizeof cs, "%.*s", (int)d->case_len, d->case_id);
    int n = snprintf(l, 400, "%s %s ", t, cs);
    char *o = l + n;
    size_t r = 400 - (size_t)n;
    switch (d->action) {
    case SLATE_A_SLA: snprintf(o, r, "sla %s %s", d->tier ? d->tier : "-", d->targets); break;
    case SLATE_A_START:
        if (d->retroactive) { /* a late start counting from its start event */
            char x[40];
            tfmt(x, sizeof x, d->since);
            snprintf(o, r, "start %s%s since=%s el=%llds", d->clock, dl, x,
                     (long long)(d->elapsed_ms / S));
        } else {
            snprintf(o, r, "start %s%s", d->clock, dl);
        }
        break;
    case SLATE_A_RESUME: snprintf(o, r, "resume %s%s", d->clock, dl); break;
    case SLATE_A_PAUSE: snprintf(o, r, "pause %s el=%llds", d->clock, (long long)(d->elapsed_ms / S)); break;
    case SLATE_A_STOP:
        if (d->breached_ms) /* the run breached: the target it breached */
            snprintf(o, r, "stop %s %s el=%llds breached=%llds", d->clock,
                     d->met ? "met" : "missed", (long long)(d->elapsed_ms / S),
                     (long long)(d->breached_ms / S));
        else
            snprintf(o, r, "stop %s %s el=%llds", d->clock, d->met ? "met" : "missed",
                     (long long)(d->elapsed_ms / S));
        break;
    case SLATE_A_WARN:
        if (d->percent)
            snprintf(o, r, "warn %s %d%%", d->clock, d->percent);
        else
            snprintf(o, r, "warn %s before=%llds", d->clock, (long long)(d->before_ms / S));
        break;
    case SLATE_A_BREACH:
        if (d->after_ms)
            snprintf(o, r, "breach %s +%llds", d->clock, (long long)(d->after_ms / S));
        else
            snprintf(o, r, "breach %s", d->clock);
        break;
    case SLATE_A_ESCALATE: snprintf(o, r, "escalate %s", d->to); break;
    case SLATE_A_NOTIFY: snprintf(o, r, "notify %s \"%s\"", d->to, d->message); break;
    case SLATE_A_ROUTE: snprintf(o, r, "route %s", d->to); break;
    case SLATE_A_ASSIGN: snprintf(o, r, "assign %s", d->to); break;
    case SLATE_A_SET: snprintf(o, r, "set %s=%s", d->field, d->value); break;
    case SLATE_A_REQUIRE: snprintf(o, r, "require %s%s", d->clock, dl); break;
    case SLATE_A_REVIEW: snprintf(o, r, "review %s%s", d->clock, dl); break;
    case SLATE_A_EMIT: snprintf(o, r, "emit %s %s", d->field, d->value); break;
    case SLATE_A_REJECT: snprintf(o, r, "reject %s", d->message); break;
    case SLATE_A_CLOSE: snprintf(o, r, "close"); break;
    default: snprintf(o, r, "action %d", (int)d->action);
    }
    return c->refuse_at && c->n == c->refuse_at;
}

static void expect(cap *c, const char *const *want)
{
    int n = 0;
    while (want[n]) n++;
    for (int i = 0; i < c->n || i < n; i++) {
        const char *got = i < c->n ? c->lines[i] : "(nothing)";
        const char *exp = i < n ? want[i] : "(nothing)";
        if (strcmp(got, exp) != 0) {
            for (int j = 0; j < c->n; j++) fprintf(stderr, "  got[%d] %s\n", j, c->lines[j]);
            fail_msg("decision %d:\n   got: %s\n  want: %s", i, got, exp);
        }
    }
    c->n = 0;
}

#define EXPECT(c, ...) expect((c), (const char *const[]){__VA_ARGS__, NULL})

#endif
