/*
 * cmd_explain.c - `slate explain AUDIT.DB CASE`: the story of one case from the
 * decision log: the events received, the SLA tier chosen and the policy line
 * that chose it, and why (audit/why.h: each tier tried before it, the clause that
 * failed, with the values it saw), each clock's timeline with working time
 * elapsed, and every decision with the rule (file:line) that made it, quoted
 * from the stored source.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "slate_log.h"
#include "termsafe.h"
#include "why.h"

/* The log's text as a terminal may show it (in on_entry and on_decision). */
#define T(x) aud_txt_s(&s->txt, (x))

enum { O_KEY, O_NO_VERIFY };

static const cli_opt opts[] = {
    [O_KEY] = {"pseudonymize-key", 0, "FILE", "the log stores case ids as pseudonyms: look CASE up\n"
                                              "by its pseudonym under this key", "`%s` needs a file"},
    [O_NO_VERIFY] = {"no-verify", 0, NULL, "tell the story without verifying the chain; the\n"
                                           "output says so", NULL},
};

/* CASE may begin with `-`: after the log, what is no option is CASE. */
const cli_cmd cmd_explain_args = {
    .name = "explain",
    .synopsis =
        "usage: slate explain [--pseudonymize-key FILE] [--no-verify] AUDIT.DB CASE\n"
        "\n"
        "Tell the story of one case from a decision log: the events received (and why\n"
        "any was rejected), the SLA tier chosen and the policy line that chose it, each\n"
        "clock's timeline (start, pause, resume, warn, breach, stop) with the working\n"
        "time elapsed, and every decision with the rule (file:line) that made it.\n"
        "At each tier choice it says why: for each tier tried before the chosen one,\n"
        "the first clause of its condition that failed, its source line and the field\n"
        "values it saw; for the chosen one, the clause that held (or that it is the\n"
        "default tier).  The stored source is compiled again for this; where that\n"
        "does not give the tier the engine logged, it says so and gives no reasons.\n"
        "The whole log's hash chain is verified first (a row changed anywhere may\n"
        "change the story): a log that fails is refused, its first bad row named.\n"
        "\n",
    .opts = opts,
    .nopts = CLI_NOPTS(opts),
    .column = 27,
    .epilogue =
        "\n"
        "exit status: 0 ok, 1 no such case, not a decision log, it fails verification\n"
        "or the key is not the log's, 2 usage error, 3 I/O error\n",
    .dash_operands_after = 1,
};

/* A memstream: its buffer and length must stay put while it is open. */
typedef struct section {
    FILE *f;
    char *buf;
    size_t len;
} section;

typedef struct story {
    aud_log *lg;
    aud_txt txt;               /* the log's text as a terminal may show it */
    FILE *events, *tiers, *decisions;
    aud_map clocks;            /* per-clock timelines, in order of first appearance */
    section **timeline;
    size_t ntimeline;          /* sections allocated (== clocks.n unless memory ran out) */
    size_t nentries, ndecisions;
    const char *policy;        /* hash in force for the last decision seen */
    int64_t last_elapsed[64];  /* per clock (first 64), for resume lines */
    aw_state *why;             /* why each tier was chosen (audit/why.h) */
    int oom;
} story;

static const char *time_or_dash(int64_t at, char *buf)
{
    if (at == INT64_MIN) return strcpy(buf, "-");
    return aud_time(at, buf);
}

/* Payload fields other than the envelope keys, as `k=v` pairs. */
static void field_list(const json_t *fields, char *out, size_t size)
{
    size_t n = 0;
    const char *key;
    json_t *v;
    out[0] = 0;
    json_object_foreach((json_t *)fields, key, v) {
        if (!strcmp(key, "case") || !strcmp(key, "type") || !strcmp(key, "at")) continue;
        char val[128], k[128], v[128];
        aud_field_text(fields, key, val, sizeof val);
        term_safe_str(k, sizeof k, key, NULL);
        term_safe_str(v, sizeof v, val, NULL);
        if (n < size) n += (size_t)snprintf(out + n, size - n, "%s%s=%s", n ? " " : "", k, v);
    }
}

static char *rstrip(char *s)
{
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ') s[--n] = 0;
    return s;
}

static int on_entry(void *ud, const aud_entry *e)
{
    story *s = ud;
    char t[32], fields[512];
    if (aw_entry(s->why, e)) s->oom = 1;
    if (!strcmp(e->kind, "policy")) {
        const slate_log_policy *p = aud_policy_get(s->lg, e->policy_hash);
        if (s->nentries)
            fprintf(s->events, "  %-5s %-24s policy switched to %s %s (%.12s)\n", "-", "-",
                    T(p ? p->name : NULL), T(p ? p->version : NULL), T(e->policy_hash));
        s->policy = e->policy_hash;
        return 0;
    }
    s->nentries++;
    field_list(e->fields, fields, sizeof fields);
    char row[1024];
    snprintf(row, sizeof row, "  %-5" PRId64 " %-24s %-12s %s%s", e->seq, time_or_dash(e->at, t),
             T(e->type), e->status && !strcmp(e->status, "rejected") ? "REJECTED " : "", fields);
    fprintf(s->events, "%s\n", rstrip(row));
    if (e->status && !strcmp(e->status, "rejected") && e->reason)
        fprintf(s->events, "        reason: %s\n", T(e->reason));
    return 0;
}

static FILE *clock_stream(story *s, const char *clock, size_t *index)
{
    int added;
    size_t i = aud_map_put(&s->clocks, clock, &added);
    if (i == SIZE_MAX) return NULL;
    if (added) {
        section **t = realloc(s->timeline, s->clocks.cap * sizeof *t);
        if (!t) return NULL;
        s->timeline = t;
        section *sec = calloc(1, sizeof *sec);
        if (!sec) return NULL;
        if (!(sec->f = open_memstream(&sec->buf, &sec->len))) {
            free(sec);
            return NULL;
        }
        t[s->ntimeline++] = sec;
        if (i < 64) s->last_elapsed[i] = 0;
    }
    if (i >= s->ntimeline) return NULL;
    *index = i;
    return s->timeline[i]->f;
}

static int on_decision(void *ud, const aud_decision *d)
{
    story *s = ud;
    char t[32], sum[512], line[512], cause[32], e1[32];
    s->ndecisions++;
    const slate_log_policy *p = aud_policy_get(s->lg, d->policy_hash);
    aud_summary(d, sum, sizeof sum);
    aud_source_line(p, d->rule_line, line, sizeof line);
    if (d->event_seq) snprintf(cause, sizeof cause, "event %" PRId64, d->event_seq);
    else snprintf(cause, sizeof cause, "timer");
    const char *rule = d->rule ? T(d->rule) : "-";
    const char *sum_t = T(sum), *line_t = T(line);
    fprintf(s->decisions, "  %-5" PRId64 " %-24s %-9s %s\n", d->seq, aud_time(d->at, t),
            T(d->action), sum_t);
    fprintf(s->decisions, "        %s%s%s, %s%s%s\n", rule, d->rule_label ? "#" : "",
            d->rule_label ? T(d->rule_label) : "", cause, line[0] ? ": " : "", line_t);

    if (!strcmp(d->action, "sla")) {
        fprintf(s->tiers, "  %s  %s, by %s (%s)\n", aud_time(d->at, t), T(d->tier), rule, cause);
        if (line[0]) fprintf(s->tiers, "      %s\n", line_t);
        json_t *targets = json_object_get(d->args, "targets"), *x;
        size_t i;
        json_array_foreach(targets, i, x) {
            const char *c = aud_json_str(x, "clock"), *dl = aud_json_str(x, "deadline");
            int64_t ts = aud_json_int(x, "target_s", -1);
            char row[256];
            snprintf(row, sizeof row, "      %-12s %-8s%s%s", T(c),
                     ts < 0 ? "-" : aud_dur(ts * 1000, e1), dl ? " deadline " : "", dl ? T(dl) : "");
            fprintf(s->tiers, "%s\n", rstrip(row));
        }
        if (aw_decision(s->why, d, s->tiers, "      ")) s->oom = 1;
        return 0;
    }
    if (aw_decision(s->why, d, NULL, "")) s->oom = 1;
    if (!d->clock) return 0;
    static const char *const timed[] = {"start", "require", "review", "pause", "resume",
                                        "warn", "breach", "stop", NULL};
    int is_timed = 0;
    for (int i = 0; timed[i]; i++)
        if (!strcmp(d->action, timed[i])) is_timed = 1;
    if (!is_timed) return 0;
    size_t ci;
    FILE *f = clock_stream(s, d->clock, &ci);
    if (!f) return s->oom = 1, -1;
    int64_t elapsed = aud_json_int(d->args, "elapsed_ms", -1);
    if (!strcmp(d->action, "start") || !strcmp(d->action, "require") ||
        !strcmp(d->action, "review"))
        elapsed = 0;
    if (elapsed < 0 && ci < 64) elapsed = s->last_elapsed[ci];
    if (elapsed >= 0 && ci < 64) s->last_elapsed[ci] = elapsed;
    /* the summary without its leading "clock: " */
    const char *what = sum;
    size_t cl = strlen(d->clock);
    if (!strncmp(sum, d->clock, cl) && sum[cl] == ':') what = sum + cl + 2;
    fprintf(f, "    %s  %-7s %8s worked  %s  [%s, %s]\n", aud_time(d->at, t), d->action,
            elapsed < 0 ? "?" : aud_dur(elapsed, e1), T(what), rule, cause);
    return 0;
}

static int is_hex64(const char *s)
{
    if (strlen(s) != 64) return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f'))) return 0;
    return 1;
}

/* The key's check value is the one the log was written with: a wrong key finds
 * no case, and should say why.  A log without the value cannot tell (1). */
static int key_matches(const aud_log *lg, const unsigned char *key, size_t len)
{
    char check[65], stored[80];
    if (!aud_meta(lg, "pseudonym_check", stored, sizeof stored)) return 1;
    slate_log_pseudonym(key, len, "slate pseudonym key check", 25, check);
    return !strcmp(check, stored);
}

/* Copy a memstream's text to out and release it. */
static void flush_section(FILE *f, char **buf, FILE *out)
{
    fclose(f);
    if (*buf) fputs(*buf, out);
    free(*buf);
    *buf = NULL;
}

int cmd_explain(int argc, char **argv)
{
    const char *path = NULL, *case_arg = NULL, *keyfile = NULL;
    int verify = AUD_VERIFY;
    cli_parser ap;
    cli_args(&ap, &cmd_explain_args, argc, argv);
    for (int k; (k = cli_next(&ap)) != CLI_END;) {
        if (k == CLI_STOP) return ap.status;
        else if (k == O_NO_VERIFY) verify = AUD_NO_VERIFY;
        else if (k == O_KEY) keyfile = ap.arg;
        else if (!path) path = ap.arg;
        else if (!case_arg) case_arg = ap.arg;
        else return cli_usage_error("explain", "unexpected argument `%s`", ap.arg);
    }
    if (!path || !case_arg) return cli_usage_error("explain", "need a decision log and a case id");

    aud_log lg;
    int rc = aud_open(&lg, "explain", path, verify);
    if (rc) return rc;
    aud_txt txt = {0};
    const char *path_t = aud_txt_s(&txt, path), *case_t = aud_txt_s(&txt, case_arg);
    char pseud[65];
    const char *id = case_arg;
    if (keyfile && !lg.pseudonyms) {
        fprintf(stderr, "slate explain: %s stores case ids in clear: give CASE without "
                        "--pseudonymize-key\n", path_t);
        aud_close(&lg);
        return EXIT_USAGE;
    } else if (keyfile) {
        size_t klen;
        unsigned char *key = aud_read_key("explain", keyfile, &klen);
        if (!key) {
            aud_close(&lg);
            return EXIT_IO;
        }
        int same = key_matches(&lg, key, klen);
        slate_log_pseudonym(key, klen, case_arg, strlen(case_arg), pseud);
        free(key);
        if (!same) {
            fprintf(stderr, "slate explain: %s: the pseudonym key differs from the one %s was "
                            "written with (the log's key check value does not match)\n",
                    aud_txt_s(&txt, keyfile), path_t);
            aud_close(&lg);
            return EXIT_INPUT;
        }
        id = pseud;
    } else if (lg.pseudonyms && !is_hex64(case_arg)) {
        fprintf(stderr, "slate explain: %s stores case ids as pseudonyms: give "
                        "--pseudonymize-key FILE, or the pseudonym itself\n", path_t);
        aud_close(&lg);
        return EXIT_USAGE;
    }

    story s;
    memset(&s, 0, sizeof s);
    s.lg = &lg;
    char *ebuf = NULL, *tbuf = NULL, *dbuf = NULL;
    size_t elen = 0, tlen = 0, dlen = 0;
    s.events = open_memstream(&ebuf, &elen);
    s.tiers = open_memstream(&tbuf, &tlen);
    s.decisions = open_memstream(&dbuf, &dlen);
    s.why = aw_new(&lg);
    if (!s.events || !s.tiers || !s.decisions || !s.why) {
        fprintf(stderr, "slate explain: out of memory\n");
        return EXIT_IO;
    }
    aud_walk w = {id, on_entry, on_decision, &s};
    int wrc = aud_walk_log(&lg, "explain", &w);
    if (!wrc && !s.oom && !s.nentries && !s.ndecisions) {
        /* the walk read every row of the case (policy entries aside): none */
        fprintf(stderr, "slate explain: no case `%s` in %s\n", case_t, path_t);
        fclose(s.events);
        fclose(s.tiers);
        fclose(s.decisions);
        free(ebuf);
        free(tbuf);
        free(dbuf);
        for (size_t i = 0; i < s.ntimeline; i++) {
            fclose(s.timeline[i]->f);
            free(s.timeline[i]->buf);
            free(s.timeline[i]);
        }
        free(s.timeline);
        aud_map_free(&s.clocks);
        aw_free(s.why);
        aud_close(&lg);
        return EXIT_INPUT;
    }

    FILE *out = stdout;
    if (!lg.verified) fprintf(out, "%s\n", AUD_UNVERIFIED);
    fprintf(out, "case %s", case_t);
    if (id != case_arg) fprintf(out, " (pseudonym %s)", id);
    fprintf(out, " in %s\n", path_t);
    for (size_t i = 0; i < lg.npolicies; i++) {
        const slate_log_policy *p = &lg.policies[i];
        fprintf(out, "policy %s %s (%.12s) from %s\n", aud_txt_s(&txt, p->name),
                aud_txt_s(&txt, p->version), aud_txt_s(&txt, p->hash), aud_txt_s(&txt, p->file));
    }
    fprintf(out, "\nevents (%zu)\n", s.nentries);
    flush_section(s.events, &ebuf, out);
    fprintf(out, "\nSLA tier\n");
    fflush(s.tiers);
    if (!tlen) fprintf(out, "  none chosen\n");
    flush_section(s.tiers, &tbuf, out);
    fprintf(out, "\nclocks (working time elapsed)\n");
    if (!s.clocks.n) fprintf(out, "  none\n");
    for (size_t i = 0; i < s.ntimeline; i++) {
        fprintf(out, "  %s\n", aud_txt_s(&txt, s.clocks.keys[i]));
        flush_section(s.timeline[i]->f, &s.timeline[i]->buf, out);
        free(s.timeline[i]);
    }
    fprintf(out, "\ndecisions (%zu)\n", s.ndecisions);
    flush_section(s.decisions, &dbuf, out);
    free(s.timeline);
    aud_map_free(&s.clocks);
    aw_free(s.why);
    aud_close(&lg);
    if (s.oom) {
        fprintf(stderr, "slate explain: out of memory\n");
        return EXIT_IO;
    }
    if (wrc) return EXIT_IO;
    if (fflush(stdout)) {
        fprintf(stderr, "slate explain: stdout: %s\n", strerror(errno));
        return EXIT_IO;
    }
    return EXIT_OK;
}
