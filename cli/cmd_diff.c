/*
 * cmd_diff.c - `slate diff AUDIT.DB --policy NEW`: re-run the events of a
 * decision log under another policy and report, per case and in totals, what
 * the new policy decides differently: the tier chosen, each clock's target,
 * deadline, breach and outcome, escalations, and the other decisions.
 *
 * Both sides are reduced to the same per-case summary (cas_side) and compared
 * field by field; rule lines are not compared, so a policy that only moves text
 * around shows no difference.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "progress.h"
#include "rerun.h"

enum { O_POLICY, O_JSON, O_EXIT_CODE, O_NO_VERIFY };

static const cli_opt opts[] = {
    [O_POLICY] = {"policy", 0, "NEW", "the policy to compare with (required)", "`--policy` needs a file"},
    [O_JSON] = {"json", 0, NULL, "print the differences as JSON", NULL},
    [O_EXIT_CODE] = {"exit-code", 0, NULL, "exit 1 when some case differs", NULL},
    [O_NO_VERIFY] = {"no-verify", 0, NULL, "compare without verifying the chain; the output says so",
                     NULL},
};

const cli_cmd cmd_diff_args = {
    .name = "diff",
    .synopsis =
        "usage: slate diff [--json] [--exit-code] [--no-verify] --policy NEW AUDIT.DB\n"
        "\n"
        "Re-run the events recorded in a decision log under another policy (NEW, a\n"
        ".slate file or a compiled .slc image) and report per case what it decides\n"
        "differently from the log: the SLA tier, each clock's target and deadline,\n"
        "breaches, whether the target was met, escalations and other decisions; then\n"
        "totals.  The log's options (tolerance, strict) are used; policy switches\n"
        "recorded in the log are ignored: NEW decides throughout.  The log's hash chain\n"
        "is verified first: a log that fails is refused, its first bad row named.\n"
        "\n",
    .opts = opts,
    .nopts = CLI_NOPTS(opts),
    .column = 17,
    .epilogue =
        "\n"
        "exit status: 0 ok (1 with --exit-code and differences), 1 bad policy, not a\n"
        "decision log or it fails verification, 2 usage error, 3 I/O error\n",
};

#define MAXC 32 /* clocks tracked per case */

typedef struct cas_clock {
    char name[64];
    int64_t target, deadline;  /* first start; INT64_MIN none */
    int64_t breach;            /* first breach; INT64_MIN none */
    int stopped, met;
    int64_t elapsed;
} cas_clock;

typedef struct cas_side {
    char tiers[256];           /* "vip" or "vip > complaint" */
    cas_clock clocks[MAXC];
    int nclocks;
    char escalations[512];     /* "specialist at T, ..." */
    uint64_t escalated, breaches, decisions;
    char other[512];           /* notify, route, assign, set, review, ...: "notify supervisor" */
    uint64_t nother, other_sig;/* all of them, counted and hashed (the text may be cut) */
} cas_side;

typedef struct diff_ctx {
    aud_map cases;
    cas_side (*sides)[2];
    int side;                  /* 0 the log, 1 the new policy */
    int oom;
} diff_ctx;

static cas_side *side_of(diff_ctx *c, const char *case_id)
{
    int added;
    size_t i = aud_map_put(&c->cases, case_id, &added);
    if (i == SIZE_MAX) return NULL;
    if (added) {
        cas_side(*v)[2] = realloc(c->sides, c->cases.cap * sizeof *v);
        if (!v) return NULL;
        c->sides = v;
        memset(v[i], 0, sizeof v[i]);
        for (int s = 0; s < 2; s++)
            for (int k = 0; k < MAXC; k++) {
                v[i][s].clocks[k].target = v[i][s].clocks[k].deadline = INT64_MIN;
                v[i][s].clocks[k].breach = INT64_MIN;
            }
    }
    return &c->sides[i][c->side];
}

static cas_clock *clock_of(cas_side *s, const char *name)
{
    for (int i = 0; i < s->nclocks; i++)
        if (!strcmp(s->clocks[i].name, name)) return &s->clocks[i];
    if (s->nclocks == MAXC) return NULL;
    cas_clock *k = &s->clocks[s->nclocks++];
    snprintf(k->name, sizeof k->name, "%s", name);
    return k;
}

static uint64_t fnv(uint64_t h, const char *s)
{
    if (!h) h = 1469598103934665603u;
    for (; s && *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (h ^ 0xff) * 1099511628211u;
}

static void append(char *buf, size_t size, const char *text)
{
    size_t n = strlen(buf);
    if (n + 1 < size) snprintf(buf + n, size - n, "%s%s", n ? ", " : "", text);
}

/* Fold one decision into its case's summary on the current side. */
static int fold(diff_ctx *c, const char *case_id, const char *action, const char *clock,
                const char *tier, int64_t at, json_t *args, const char *args_text)
{
    if (!case_id) return 0; /* rejects of unreadable lines belong to no case */
    cas_side *s = side_of(c, case_id);
    if (!s) return c->oom = 1, -1;
    char t[32], buf[128];
    s->decisions++;
    if (!strcmp(action, "sla")) {
        size_t n = strlen(s->tiers);
        const char *last = strrchr(s->tiers, ' ');
        last = last ? last + 1 : s->tiers;
        if (!n || strcmp(last, tier ? tier : "?"))
            snprintf(s->tiers + n, sizeof s->tiers - n, "%s%s", n ? " > " : "", tier ? tier : "?");
        return 0;
    }
    if (!strcmp(action, "escalate")) {
        const char *level = aud_json_str(args, "level");
        snprintf(buf, sizeof buf, "%s at %s", level ? level : "?", aud_time(at, t));
        append(s->escalations, sizeof s->escalations, buf);
        s->escalated++;
        return 0;
    }
    static const char *const timed[] = {"start", "stop", "breach", "pause", "resume", "warn", NULL};
    int is_timed = 0;
    for (int i = 0; timed[i]; i++) is_timed |= !strcmp(action, timed[i]);
    if (clock && is_timed) {
        cas_clock *k = clock_of(s, clock);
        if (!k) return 0;
        if (!strcmp(action, "start") && k->target == INT64_MIN) {
            k->target = aud_json_int(args, "target_ms", INT64_MIN);
            const char *dl = aud_json_str(args, "deadline");
            int64_t d;
            k->deadline = dl && !aud_parse_time(dl, &d) ? d : INT64_MIN;
        } else if (!strcmp(action, "stop")) {
            k->stopped = 1;
            k->met = json_is_true(json_object_get(args, "met"));
            k->elapsed = aud_json_int(args, "elapsed_ms", 0);
        } else if (!strcmp(action, "breach") && !aud_json_int(args, "after_ms", 0)) {
            if (k->breach == INT64_MIN) k->breach = at;
            s->breaches++;
        }
        return 0;
    }
    s->nother++;
    s->other_sig = fnv(fnv(fnv(s->other_sig, action), args_text), aud_time(at, t));
    const char *to = aud_json_str(args, "to");
    const char *what = to ? to : clock ? clock : aud_json_str(args, "field");
    if (what && !strcmp(what, action)) what = NULL; /* "review", not "review review" */
    snprintf(buf, sizeof buf, "%s%s%s", action, what ? " " : "", what ? what : "");
    append(s->other, sizeof s->other, buf);
    return 0;
}

static int on_stored(void *ud, const aud_decision *d)
{
    return fold(ud, d->case_id, d->action, d->clock, d->tier, d->at, d->args, d->args_text);
}

static const char *const action_names[] = {
#define X(id, name) name,
    SLATE_ACTIONS(X)
#undef X
};

/* The sink the replay under the new policy ends in (after dout's numbering). */
static int on_new(void *ud, const slate_decision *d)
{
    diff_ctx *c = ud;
    char *args_text = slate_log_args_json(d);
    if (!args_text) return c->oom = 1, 1;
    json_t *args = json_loads(args_text, 0, NULL);
    char case_buf[300];
    const char *case_id = NULL;
    if (d->case_id) {
        size_t n = d->case_len < sizeof case_buf - 1 ? d->case_len : sizeof case_buf - 1;
        memcpy(case_buf, d->case_id, n);
        case_buf[n] = 0;
        case_id = case_buf;
    }
    int rc = fold(c, case_id, action_names[d->action], d->clock, d->tier, d->at, args, args_text);
    json_decref(args);
    slate_log_free(args_text);
    return rc ? 1 : 0;
}

/* ---- comparing ---------------------------------------------------------------- */

static const char *dur_or(int64_t ms, char *buf)
{
    return ms == INT64_MIN ? "-" : aud_dur(ms, buf);
}

static const char *time_or(int64_t ms, char *buf)
{
    return ms == INT64_MIN ? "none" : aud_time(ms, buf);
}

static const char *outcome(const cas_clock *k, char *buf)
{
    char d[32];
    if (!k || k->target == INT64_MIN) return "not started";
    if (!k->stopped) return k->breach != INT64_MIN ? "open, breached" : "open";
    snprintf(buf, 64, "%s at %s", k->met ? "met" : "missed", aud_dur(k->elapsed, d));
    return buf;
}

typedef struct diff_out {
    FILE *f;
    json_t *jcase;             /* --json: the case's difference list */
    int ndiff;
    aud_txt txt;               /* the log's text as a terminal may show it */
} diff_out;

static void report(diff_out *o, const char *case_id, const char *what, const char *old,
                   const char *new_)
{
    if (!strcmp(old, new_)) return;
    if (o->jcase) {
        json_t *d = json_object();
        json_object_set_new(d, "what", aud_json_text(what));
        json_object_set_new(d, "log", aud_json_text(old));
        json_object_set_new(d, "new", aud_json_text(new_));
        json_array_append_new(o->jcase, d);
    } else {
        if (!o->ndiff) fprintf(o->f, "case %s\n", aud_txt_s(&o->txt, case_id));
        fprintf(o->f, "  %-22s %s -> %s\n", aud_txt_s(&o->txt, what), aud_txt_s(&o->txt, old),
                aud_txt_s(&o->txt, new_));
    }
    o->ndiff++;
}

static void compare_case(diff_out *o, const char *case_id, const cas_side *a, const cas_side *b)
{
    char x[96], y[96], what[96];
    report(o, case_id, "tier", a->tiers[0] ? a->tiers : "-", b->tiers[0] ? b->tiers : "-");
    /* clocks, in the order either side first met them */
    const cas_side *sides[2] = {a, b};
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < sides[s]->nclocks; i++) {
            const char *name = sides[s]->clocks[i].name;
            int seen_before = 0;
            for (int j = 0; s == 1 && j < a->nclocks; j++) seen_before |= !strcmp(a->clocks[j].name, name);
            if (seen_before) continue;
            const cas_clock *ka = NULL, *kb = NULL;
            for (int j = 0; j < a->nclocks; j++)
                if (!strcmp(a->clocks[j].name, name)) ka = &a->clocks[j];
            for (int j = 0; j < b->nclocks; j++)
                if (!strcmp(b->clocks[j].name, name)) kb = &b->clocks[j];
            snprintf(what, sizeof what, "%s target", name);
            report(o, case_id, what, dur_or(ka ? ka->target : INT64_MIN, x),
                   dur_or(kb ? kb->target : INT64_MIN, y));
            snprintf(what, sizeof what, "%s deadline", name);
            report(o, case_id, what, time_or(ka ? ka->deadline : INT64_MIN, x),
                   time_or(kb ? kb->deadline : INT64_MIN, y));
            snprintf(what, sizeof what, "%s breach", name);
            report(o, case_id, what, time_or(ka ? ka->breach : INT64_MIN, x),
                   time_or(kb ? kb->breach : INT64_MIN, y));
            snprintf(what, sizeof what, "%s outcome", name);
            report(o, case_id, what, outcome(ka, x), outcome(kb, y));
        }
    report(o, case_id, "escalations", a->escalations[0] ? a->escalations : "none",
           b->escalations[0] ? b->escalations : "none");
    report(o, case_id, "other actions", a->other[0] ? a->other : "none",
           b->other[0] ? b->other : "none");
    if (!strcmp(a->other, b->other) && a->other_sig != b->other_sig) {
        /* the same list as far as it is shown; their times or arguments differ */
        snprintf(x, sizeof x, "%" PRIu64 " decisions", a->nother);
        snprintf(y, sizeof y, "%" PRIu64 " decisions, with other times or arguments", b->nother);
        report(o, case_id, "other actions", x, y);
    }
}

/* ---- the command ----------------------------------------------------------------- */

typedef struct totals {
    uint64_t decisions, breaches, escalated, met, measured;
} totals;

static void add_totals(totals *t, const cas_side *s)
{
    t->decisions += s->decisions;
    t->breaches += s->breaches;
    t->escalated += s->escalated;
    for (int i = 0; i < s->nclocks; i++)
        if (!strcmp(s->clocks[i].name, "response") && s->clocks[i].target != INT64_MIN &&
            (s->clocks[i].stopped || s->clocks[i].breach != INT64_MIN)) {
            t->measured++;
            t->met += s->clocks[i].stopped && s->clocks[i].met;
        }
}

static void pct(uint64_t a, uint64_t b, char *buf)
{
    if (b) snprintf(buf, 16, "%.1f%%", 100.0 * (double)a / (double)b);
    else snprintf(buf, 16, "-");
}

int cmd_diff(int argc, char **argv)
{
    const char *path = NULL, *policy = NULL;
    int json = 0, exit_code = 0, verify = AUD_VERIFY;
    cli_parser ap;
    cli_args(&ap, &cmd_diff_args, argc, argv);
    for (int k; (k = cli_next(&ap)) != CLI_END;) {
        switch (k) {
        case CLI_STOP: return ap.status;
        case O_JSON: json = 1; break;
        case O_EXIT_CODE: exit_code = 1; break;
        case O_NO_VERIFY: verify = AUD_NO_VERIFY; break;
        case O_POLICY: policy = ap.arg; break;
        default:
            if (path) return cli_usage_error("diff", "one log at a time");
            path = ap.arg;
        }
    }
    if (!path) return cli_usage_error("diff", "no decision log given");
    if (!policy) return cli_usage_error("diff", "`--policy NEW` is required");

    aud_log lg;
    int rc = aud_open(&lg, "diff", path, verify);
    if (rc) return rc;
    slate_program *prog;
    uint8_t *img;
    char *src;
    size_t len, srclen;
    rc = rr_load_policy(policy, &prog, &img, &len, &src, &srclen, "diff");
    free(src);
    free(img);
    if (rc) {
        aud_close(&lg);
        return rc;
    }
    char newname[160];
    snprintf(newname, sizeof newname, "%s %s (%.12s)", slate_program_name(prog),
             slate_program_version(prog), slate_program_hash(prog));

    diff_ctx c;
    memset(&c, 0, sizeof c);
    aud_walk w = {NULL, NULL, on_stored, &c};
    rc = aud_walk_log(&lg, "diff", &w) ? EXIT_IO : EXIT_OK;

    char opt[64];
    int64_t tol = aud_meta(&lg, "opt.tolerance_ms", opt, sizeof opt) ? strtoll(opt, NULL, 10) : 0;
    int strict = aud_meta(&lg, "opt.strict", opt, sizeof opt) ? atoi(opt) : 0;
    rr_run rr;
    rr_init(&rr, tol, strict, NULL, on_new, &c, prog); /* rr owns prog now */
    rr.reader = lg.rd; /* the snapshot verified and read above, not a new one */
    rr.max_skip_ms = rr_max_skip(aud_meta(&lg, "opt.max_skip_ms", opt, sizeof opt) ? opt : NULL);
    c.side = 1;
    rr_result res;
    cli_progress pg;
    cli_progress_begin(&pg, "diff", "events", 0, NULL, NULL);
    rr.progress = cli_progress_cb;
    rr.progress_ctx = &pg;
    if (!rc) rc = rr_feed(path, &rr, &res, "diff");
    cli_progress_clear(&pg);
    if (c.oom) {
        fprintf(stderr, "slate diff: out of memory\n");
        rc = EXIT_IO;
    }

    uint64_t differing = 0;
    totals t[2];
    memset(t, 0, sizeof t);
    json_t *jcases = json ? json_array() : NULL;
    aud_txt txt = {0};
    if (!rc) {
        if (!json) {
            const char *new_t = aud_txt_s(&txt, newname);
            if (!lg.verified) printf("%s\n", AUD_UNVERIFIED);
            printf("slate diff: %s: %" PRIu64 " events replayed under %s\n", aud_txt_s(&txt, path),
                   res.events, new_t);
            for (size_t i = 0; i < lg.npolicies; i++)
                printf("  the log was decided by %s %s (%.12s)\n",
                       aud_txt_s(&txt, lg.policies[i].name), aud_txt_s(&txt, lg.policies[i].version),
                       aud_txt_s(&txt, lg.policies[i].hash));
            if (res.policies > 1)
                printf("  (the log switches policy %" PRIu64 " times; %s decides throughout)\n",
                       res.policies - 1, new_t);
            putchar('\n');
        }
        diff_out *o = calloc(1, sizeof *o); /* its text buffers are large for the stack */
        for (size_t i = 0; o && i < c.cases.n; i++) {
            o->f = stdout;
            o->jcase = json ? json_array() : NULL;
            o->ndiff = 0;
            compare_case(o, c.cases.keys[i], &c.sides[i][0], &c.sides[i][1]);
            add_totals(&t[0], &c.sides[i][0]);
            add_totals(&t[1], &c.sides[i][1]);
            if (o->ndiff) differing++;
            if (json && o->ndiff) {
                json_t *jc = json_object();
                json_object_set_new(jc, "case", aud_json_text(c.cases.keys[i]));
                json_object_set_new(jc, "differences", o->jcase);
                json_array_append_new(jcases, jc);
            } else {
                json_decref(o->jcase);
            }
        }
        if (!o) {
            fprintf(stderr, "slate diff: out of memory\n");
            rc = EXIT_IO;
        }
        free(o);
        char p0[16], p1[16];
        pct(t[0].met, t[0].measured, p0);
        pct(t[1].met, t[1].measured, p1);
        if (json) {
            json_t *o = json_object(), *tot = json_object();
            if (!lg.verified) {
                json_object_set_new(o, "verified", json_false());
                json_object_set_new(o, "warning", json_string(AUD_UNVERIFIED));
            }
            json_object_set_new(o, "log", aud_json_text(path));
            json_object_set_new(o, "policy", json_string(slate_program_hash(rr.fixed)));
            json_object_set_new(o, "events", json_integer((json_int_t)res.events));
            json_object_set_new(o, "cases", jcases);
            json_object_set_new(tot, "cases", json_integer((json_int_t)c.cases.n));
            json_object_set_new(tot, "cases_differing", json_integer((json_int_t)differing));
            const char *keys[] = {"decisions", "breaches", "escalations"};
            for (int k = 0; k < 3; k++) {
                json_t *pair = json_object();
                uint64_t v0 = k == 0 ? t[0].decisions : k == 1 ? t[0].breaches : t[0].escalated;
                uint64_t v1 = k == 0 ? t[1].decisions : k == 1 ? t[1].breaches : t[1].escalated;
                json_object_set_new(pair, "log", json_integer((json_int_t)v0));
                json_object_set_new(pair, "new", json_integer((json_int_t)v1));
                json_object_set_new(tot, keys[k], pair);
            }
            json_t *pair = json_object();
            json_object_set_new(pair, "log", json_string(p0));
            json_object_set_new(pair, "new", json_string(p1));
            json_object_set_new(tot, "response_met", pair);
            json_object_set_new(o, "totals", tot);
            if (json_dumpf(o, stdout, JSON_INDENT(2)) || putchar('\n') == EOF) rc = EXIT_IO;
            json_decref(o);
            jcases = NULL;
        } else {
            if (differing) putchar('\n');
            printf("totals\n");
            printf("  %-22s %zu compared, %" PRIu64 " differ\n", "cases", c.cases.n, differing);
            printf("  %-22s %" PRIu64 " -> %" PRIu64 "\n", "decisions", t[0].decisions, t[1].decisions);
            printf("  %-22s %" PRIu64 " -> %" PRIu64 "\n", "breaches", t[0].breaches, t[1].breaches);
            printf("  %-22s %" PRIu64 " -> %" PRIu64 "\n", "escalations", t[0].escalated,
                   t[1].escalated);
            printf("  %-22s %s -> %s\n", "response target met", p0, p1);
        }
    }
    json_decref(jcases);
    rr_free(&rr);
    free(c.sides);
    aud_map_free(&c.cases);
    aud_close(&lg);
    if (!rc && fflush(stdout)) {
        fprintf(stderr, "slate diff: stdout: %s\n", strerror(errno));
        rc = EXIT_IO;
    }
    if (!rc && exit_code && differing) rc = EXIT_INPUT;
    return rc;
}
