/*
 * report.h - the SLA compliance measures computed over a decision
 * log: the model `slate report` prints as text, JSON or HTML.
 *
 * Definitions (docs/audit-log.md, "slate report"): a case counts when its first
 * accepted event falls in [from, to); everything the log holds about it counts.
 * Per clock: `met %` = stops with met whose clock run never breached / (stops +
 * breaches never stopped);
 * `rate` = cases whose clock stopped / cases whose clock started; average and p90
 * (nearest rank) over the working time of stop decisions.  Case fields (kind,
 * category, channel) come from the event payloads and the rules' `set`
 * decisions, as they stood when a decision was made; the tier is the SLA tier
 * last chosen for the case.  A complaint is a case whose `kind` was `complaint`
 * at any point; all of its decisions and scores count in the complaint figures.
 * A section that reads a field no logged policy declares (`kind` with the value
 * `complaint`, `score`, `category`, `channel`) is left out of every form.
 */
#ifndef SLATE_REPORT_H
#define SLATE_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "audit.h"

typedef struct rep_vals {
    int64_t *v;
    size_t n, cap;
} rep_vals;

/* Counters for one clock (over all cases, or over complaints only). */
typedef struct rep_clock {
    uint64_t starts, stops, met, breaches; /* decisions */
    uint64_t cases_started, cases_stopped; /* distinct cases */
    uint64_t open_breached, pending;       /* at the end: breached and not stopped; running */
    rep_vals elapsed;                      /* of stop decisions, ms */
} rep_clock;

/* Counts by a string key, in first-seen order. */
typedef struct rep_counts {
    aud_map keys;
    uint64_t *n;
} rep_counts;

typedef struct rep_model {
    int64_t from, to;           /* INT64_MIN / INT64_MAX: open */
    int64_t first_at, last_at;  /* times of the events counted (INT64_MIN: none) */
    uint64_t cases, complaints, events, rejected;
    aud_map clock_names;        /* index = clock */
    rep_clock *clocks, *complaint_clocks;
    uint64_t breaches;
    rep_counts by_tier, by_category, by_channel, by_clock, escalations;
    uint64_t notifications, reviews;
    uint64_t scores[6];         /* [1..5]; [0]: other values */
    uint64_t complaint_scores, complaint_satisfied;
    char policies[512];         /* "svc 1 (1a2b3c4d5e6f), ..." */
    int unverified;             /* read with --no-verify: every rendering says so */
    int has_complaints, has_score, has_category, has_channel; /* some logged policy
                                   declares what the section reads (report.h) */

    /* working state */
    aud_map cases_map;          /* case id -> index */
    struct rep_case *case_v;
    aud_map case_clock;         /* "case\x1fclock" -> index into cc_v */
    struct rep_cc *cc_v;
} rep_model;

/* Build the model from an open log.  Returns EXIT_OK, or EXIT_IO after a read
 * error or when memory runs out (printed). */
int rep_build(rep_model *m, aud_log *lg, int64_t from, int64_t to);
void rep_free(rep_model *m);

/* Write the model as text, as a JSON value (new reference), or as an HTML page.
 * Names and values from the log (clocks, tiers, categories, policies) are kept
 * as aud_txt_s() shows them, so no rendering carries a control character or
 * invalid UTF-8.  With `unverified`, the text starts with AUD_UNVERIFIED, the
 * JSON has "verified": false and "warning", the page a banner. */
void rep_text(const rep_model *m, const char *path, FILE *out);
json_t *rep_json(const rep_model *m, const char *path);
void rep_html(const rep_model *m, const char *path, FILE *out);

#endif
