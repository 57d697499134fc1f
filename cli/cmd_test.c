/*
 * cmd_test.c - `slate test [PATH...]`: run the policy tests (`*.test` files,
 * docs/policy-tests.md) and report rule coverage.
 *
 * For each file: parse it (policytest/policytest.c), compile the policy it names once
 * (slatec_compile(): the program loaded from the bytes `slate build` writes),
 * then run each test on a fresh engine with a virtual clock: events go
 * through the JSON event reader of `slate run` (io/events.c) into
 * slate_engine_push, `until` into slate_engine_advance, and decisions through
 * io/dout.c (numbering, reader rejects) into a list of JSON objects that the
 * expectations are checked against.  Coverage is read off the decisions'
 * rule_line against the program's rule, tier and ladder-step tables
 * (bytecode/program.h).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cli.h"
#include "dout.h"
#include "events.h"
#include "policytest.h"
#include "program_info.h"
#include "slate.h"
#include "slatec.h"

enum { O_COVERAGE_MIN, O_VERBOSE, O_FORMAT };

static const cli_opt opts[] = {
    [O_COVERAGE_MIN] = {"coverage-min", 0, "PCT", "fail when a policy's coverage is below PCT percent",
                        "--coverage-min needs a percentage"},
    [O_VERBOSE] = {NULL, 'v', NULL, "print every test's decisions", NULL},
    [O_FORMAT] = {"format", 0, "FMT",
                  "json: one object a line on stdout per test result (file,\n"
                  "line, column, end, severity, code, message, hints, test,\n"
                  "result); coverage and the totals go to stderr.  text: the default",
                  "--format needs text or json"},
};

const cli_cmd cmd_test_args = {
    .name = "test",
    .synopsis =
        "usage: slate test [--coverage-min PCT] [-v] [--format text|json] [PATH...]\n"
        "\n"
        "Run the policy tests in every *.test file under each PATH (files or\n"
        "directories; default policies/tests).  Each test pushes its events through\n"
        "the policy it names on a fresh engine and checks the decisions against its\n"
        "expectations; failures show what was expected and what was decided.  Then,\n"
        "for each policy, lists the event rules, SLA tiers and ladder steps that no\n"
        "test exercised.  The format is described in docs/policy-tests.md.\n"
        "\n",
    .opts = opts,
    .nopts = CLI_NOPTS(opts),
    .column = 22,
    .epilogue =
        "\n"
        "exit status: 0 all tests passed, 1 a test failed, a policy has errors or\n"
        "coverage is too low, 2 usage error, 3 a file could not be read\n",
};

/* ---- finding the files ------------------------------------------------------------ */

typedef struct strs {
    char **v;
    size_t n, cap;
} strs;

static void strs_add(strs *s, const char *x)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 16;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v) abort();
    }
    s->v[s->n] = strdup(x);
    if (!s->v[s->n]) abort();
    s->n++;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/* Add the *.test files under `path` (sorted, so runs are in a stable order).
 * Returns 0, or -1 after printing why `path` cannot be read. */
static int find_tests(const char *path, strs *out, int top)
{
    struct stat st;
    if (stat(path, &st)) {
        fprintf(stderr, "slate test: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (top || ends_with(path, ".test")) strs_add(out, path);
        return 0;
    }
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "slate test: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    strs names = {0};
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') strs_add(&names, e->d_name);
    closedir(d);
    qsort(names.v, names.n, sizeof *names.v, cmp_str);
    int rc = 0;
    for (size_t i = 0; i < names.n; i++) {
        size_t len = strlen(path) + strlen(names.v[i]) + 2;
        char *full = malloc(len);
        if (!full) abort();
        snprintf(full, len, "%s%s%s", path, ends_with(path, "/") ? "" : "/", names.v[i]);
        if (!stat(full, &st) && (S_ISDIR(st.st_mode) || ends_with(full, ".test")))
            rc |= find_tests(full, out, 0);
        free(full);
        free(names.v[i]);
    }
    free(names.v);
    return rc;
}

/* ---- compiled policies and their coverage ----------------------------------------------- */

typedef struct policy {
    char *path;
    slate_program *prog;   /* NULL when it did not compile */
    uint8_t *hit;          /* hit[line]: some decision came from this source line */
    uint32_t nlines;
    int ntests;
} policy;

typedef struct policies {
    policy *v;
    size_t n;
} policies;

/* The compiled policy at `path`, compiling it on first use (diagnostics go to
 * stderr).  Never NULL; ->prog is NULL when compiling failed. */
static policy *get_policy(policies *ps, const char *path)
{
    for (size_t i = 0; i < ps->n; i++)
        if (!strcmp(ps->v[i].path, path)) return &ps->v[i];
    ps->v = realloc(ps->v, (ps->n + 1) * sizeof *ps->v);
    if (!ps->v) abort();
    policy *p = &ps->v[ps->n++];
    memset(p, 0, sizeof *p);
    p->path = strdup(path);
    size_t len;
    char *src = slatec_read_file(path, &len);
    if (!src) {
        fprintf(stderr, "slate: cannot read %s: %s\n", path, strerror(errno));
        return p;
    }
    slatec_opts o = SLATEC_OPTS_INIT;
    o.diag = stderr;
    o.summary = 1;
    if (slatec_compile(&o, path, src, len, &p->prog, NULL, NULL) == SLATE_OK) {
        p->nlines = 1;
        for (const char *c = src; *c; c++) p->nlines += *c == '\n';
        p->nlines += 1;
        p->hit = calloc(p->nlines, 1);
        if (!p->hit) abort();
    }
    free(src);
    return p;
}

/* ---- running one test ---------------------------------------------------------------- */

typedef struct run {
    policy *pol;
    json_t **ds;      /* the decisions, as `slate run` prints them */
    size_t n, cap;
    int failed;       /* a decision could not be rendered or parsed */
} run;

static int collect(void *ud, const slate_decision *d)
{
    run *r = ud;
    char small[1024], *buf = small;
    size_t n = slate_decision_json(d, small, sizeof small);
    if (n >= sizeof small) {
        buf = malloc(n + 1);
        if (!buf) abort();
        slate_decision_json(d, buf, n + 1);
    }
    json_t *j = json_loads(buf, 0, NULL);
    if (buf != small) free(buf);
    if (!j) {
        r->failed = 1;
        return 0;
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->ds = realloc(r->ds, r->cap * sizeof *r->ds);
        if (!r->ds) abort();
    }
    r->ds[r->n++] = j;
    if (d->rule_line && d->rule_line < r->pol->nlines) r->pol->hit[d->rule_line] = 1;
    return 0;
}

static int field_type(void *ud, const char *name)
{
    const slate_program *prog = ud;
    int f = slate_program_field_id(prog, name);
    return f < 0 ? 0 : slate_program_field_type(prog, f);
}

/* Does the test say anything about rejects?  If not, a rejected event is a
 * mistake in the test (a misspelt field or value) and fails it. */
static int expects_rejects(const pt_test *t)
{
    for (size_t i = 0; i < t->nitems; i++) {
        const pt_item *it = &t->items[i];
        if (it->kind == PT_EXPECT && it->pat.action && !strcmp(it->pat.action, "reject"))
            return 1;
        if (it->kind == PT_EXACT) return 1;
    }
    return 0;
}

/* Run test t of file f; print its result line (and why it failed).  Returns 1
 * when it passed. */
/* `--format json`: one object a line on stdout for a test's result (the fields
 * of `slate check --format json`, plus `test` and `result`).  `details` are
 * the lines of the failure, as hints. */
static void json_result(const char *file, int line, const char *test, int ok, const char *message,
                        const char *details)
{
    json_t *hints = json_array();
    for (const char *p = details; p && *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        const char *q = p;
        while (n && *q == ' ') q++, n--;
        if (n) json_array_append_new(hints, json_stringn(q, n));
        p += (size_t)(q - p) + n + (e ? 1 : 0);
    }
    json_t *o = json_pack("{s:s, s:i, s:i, s:n, s:s, s:n, s:s, s:o}", "file", file, "line", line,
                          "column", 1, "end", "severity", ok ? "note" : "error", "code",
                          "message", message, "hints", hints);
    if (test) json_object_set_new(o, "test", json_string(test));
    json_object_set_new(o, "result", json_string(ok ? "pass" : "fail"));
    char *text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (text) printf("%s\n", text);
    free(text);
    json_decref(o);
}

static int run_test(const pt_file *f, const pt_test *t, policy *pol, int verbose, int json)
{
    const slate_program *prog = pol->prog;
    char *out_text = NULL;
    size_t out_len = 0;
    FILE *out = open_memstream(&out_text, &out_len);
    if (!out) abort();
    int ok = 1;
    run r = {pol, NULL, 0, 0, 0};
    slate_engine *eng = slate_engine_new(prog, NULL);
    ev_reader *rd = ev_reader_new(prog, 1);
    if (!eng || !rd) abort();
    dout o;
    dout_init(&o, NULL, collect, &r);
    int rejects_expected = expects_rejects(t);

    for (size_t i = 0; i < t->nitems; i++) {
        const pt_item *it = &t->items[i];
        int rc = SLATE_OK;
        if (it->kind == PT_UNTIL) {
            rc = slate_engine_advance(eng, it->at, dout_sink, &o);
        } else if (it->kind == PT_EVENT) {
            char err[256];
            char *json = pt_event_json(f, it, field_type, (void *)prog, err, sizeof err);
            if (!json) {
                fprintf(out, "       %s\n", err);
                ok = 0;
                continue;
            }
            ev_result res;
            ev_status st = ev_parse_line(rd, json, strlen(json), &res);
            if (st == EV_OK) {
                uint64_t before = o.rejects;
                rc = slate_engine_push(eng, &res.ev, dout_sink, &o);
                if (o.rejects > before && !rejects_expected) {
                    fprintf(out, "       line %d: the engine rejected this event: %s\n", it->line,
                            json_string_value(json_object_get(r.ds[r.n - 1], "reason")));
                    ok = 0;
                }
            } else if (st == EV_REJECT) {
                int64_t now = slate_engine_watermark(eng);
                if (now == INT64_MIN) now = res.ev.at != INT64_MIN ? res.ev.at : 0;
                dout_reject(&o, prog, &res.ev, res.reason, now);
                if (!rejects_expected) {
                    fprintf(out, "       line %d: event rejected: %s\n", it->line, res.reason);
                    ok = 0;
                }
            }
            free(json);
        }
        if (rc != SLATE_OK) {
            fprintf(out, "       line %d: engine error: %s\n", it->line, slate_errmsg(eng));
            ok = 0;
        }
    }
    if (r.failed) {
        fprintf(out, "       a decision could not be read back as JSON\n");
        ok = 0;
    }
    for (size_t i = 0; i < t->nitems; i++) {
        const pt_item *it = &t->items[i];
        if (it->kind == PT_EXPECT || it->kind == PT_EXACT)
            ok &= pt_check(it, r.ds, r.n, f->offset_min, t->default_case, out, 7);
    }
    if (!ok || verbose) {
        fprintf(out, "       decisions of the test:%s\n", r.n ? "" : " none");
        for (size_t i = 0; i < r.n; i++) {
            fputs("         ", out);
            pt_print_decision(out, r.ds[i], f->offset_min, t->default_case);
            fputc('\n', out);
        }
    }
    fclose(out);
    if (json) {
        char msg[512];
        snprintf(msg, sizeof msg, "test `%s` %s", t->name, ok ? "passed" : "failed");
        json_result(f->path, t->line, t->name, ok, msg, out_text);
    } else {
        printf("  %-4s %s\n", ok ? "ok" : "FAIL", t->name);
        if (!ok) printf("       (%s:%d)\n", f->path, t->line);
        fputs(out_text, stdout);
    }
    free(out_text);

    dout_release(&o);
    ev_reader_free(rd);
    slate_engine_free(eng);
    for (size_t i = 0; i < r.n; i++) json_decref(r.ds[i]);
    free(r.ds);
    return ok;
}

/* ---- coverage ------------------------------------------------------------------------ */

static const char *step_text(const pi_step *s, char *buf, size_t size)
{
    char d[32];
    switch (s->kind) {
    case PI_STEP_PERCENT:
        snprintf(buf, size, "at %lld%%", (long long)s->value);
        break;
    case PI_STEP_BEFORE:
        snprintf(buf, size, "at %s before breach", pt_format_duration(s->value, d, sizeof d));
        break;
    default:
        if (s->value) snprintf(buf, size, "at breach + %s", pt_format_duration(s->value, d, sizeof d));
        else snprintf(buf, size, "at breach");
    }
    return buf;
}

/* One item coverage counts: a rule, a tier or a ladder step, by source line. */
typedef struct cov_item {
    uint32_t line;
    char text[160];
} cov_item;

static int by_line(const void *a, const void *b)
{
    const cov_item *x = a, *y = b;
    return (x->line > y->line) - (x->line < y->line);
}

/* Print what `pol` has that no test exercised.  Returns its coverage in percent. */
static double report_coverage(const policy *pol, FILE *to)
{
    const slate_program *p = pol->prog;
    int nrules = pi_rule_count(p), ntiers = slate_program_tier_count(p), nsteps = 0;
    for (int i = 0; i < ntiers; i++) nsteps += pi_step_count(p, i);
    /* Items, deduplicated by line: a ladder step shared by several tiers counts once. */
    uint8_t *seen = calloc(pol->nlines, 1);
    cov_item *items = calloc((size_t)nrules + (size_t)ntiers + (size_t)nsteps + 1, sizeof *items);
    if (!seen || !items) abort();
    size_t n = 0;
    unsigned covered = 0;
    for (int i = 0; i < nrules; i++) {
        uint32_t l = (uint32_t)pi_rule_line(p, i);
        if (l >= pol->nlines || seen[l]) continue;
        seen[l] = 1;
        items[n].line = l;
        const char *label = pi_rule_label(p, i);
        snprintf(items[n++].text, sizeof items->text, "rule   %s", label ? label : "(no name)");
    }
    for (int i = 0; i < ntiers; i++) {
        uint32_t l = (uint32_t)pi_tier_line(p, i);
        if (l >= pol->nlines || seen[l]) continue;
        seen[l] = 1;
        items[n].line = l;
        snprintf(items[n++].text, sizeof items->text, "tier   %s", slate_program_tier_name(p, i));
    }
    for (int i = 0; i < ntiers; i++) {
        const char *ladder = pi_tier_ladder(p, i);
        pi_step s;
        for (int j = 0; pi_step_get(p, i, j, &s) == 0; j++) {
            uint32_t l = (uint32_t)s.line;
            if (s.implicit || l >= pol->nlines || seen[l]) continue;
            seen[l] = 1;
            char b[64];
            items[n].line = l;
            snprintf(items[n++].text, sizeof items->text, "step   ladder %s: %s of %s",
                     ladder ? ladder : "?", step_text(&s, b, sizeof b),
                     slate_program_clock_name(p, s.clock));
        }
    }
    qsort(items, n, sizeof *items, by_line);
    for (size_t i = 0; i < n; i++) covered += pol->hit[items[i].line];
    double pct = n ? 100.0 * covered / n : 100.0;
    fprintf(to, "coverage of %s: %.1f%% (%u of %zu rules, tiers and ladder steps)\n", pol->path, pct,
           covered, n);
    if (covered < n) fprintf(to, "  not exercised by any test:\n");
    for (size_t i = 0; i < n; i++)
        if (!pol->hit[items[i].line]) fprintf(to, "    line %-4u %s\n", items[i].line, items[i].text);
    free(items);
    free(seen);
    return pct;
}

/* ---- the command -------------------------------------------------------------------------- */

int cmd_test(int argc, char **argv)
{
    double min_cov = -1;
    int verbose = 0, json = 0;
    strs paths = {0}, files = {0};
    cli_parser ap;
    cli_args(&ap, &cmd_test_args, argc, argv);
    for (int k; (k = cli_next(&ap)) != CLI_END;) {
        if (k == CLI_STOP) {
            return ap.status;
        } else if (k == O_COVERAGE_MIN) {
            char *e;
            min_cov = strtod(ap.arg, &e);
            if (!*ap.arg || *e || min_cov < 0 || min_cov > 100)
                return cli_usage_error("test", "bad percentage `%s` (0..100)", ap.arg);
        } else if (k == O_VERBOSE) {
            verbose = 1;
        } else if (k == O_FORMAT) {
            if (strcmp(ap.arg, "json") && strcmp(ap.arg, "text"))
                return cli_usage_error("test", "--format needs text or json");
            json = !strcmp(ap.arg, "json");
        }
    }
    for (int i = 1; i <= ap.noperands; i++) strs_add(&paths, argv[i]);
    if (!paths.n) strs_add(&paths, "policies/tests");
    int rc = EXIT_OK;
    for (size_t i = 0; i < paths.n; i++)
        if (find_tests(paths.v[i], &files, 1)) rc = EXIT_IO;
    if (!files.n && rc == EXIT_OK) {
        fprintf(stderr, "slate test: no *.test files found\n");
        rc = EXIT_INPUT;
    }

    policies ps = {0};
    int passed = 0, failed = 0;
    for (size_t i = 0; i < files.n; i++) {
        size_t len;
        char *text = slatec_read_file(files.v[i], &len);
        if (!text) {
            fprintf(stderr, "slate test: cannot read %s: %s\n", files.v[i], strerror(errno));
            rc = EXIT_IO;
            continue;
        }
        pt_file f;
        char err[512];
        if (pt_parse(files.v[i], text, len, &f, err, sizeof err)) {
            free(text);
            if (json) {
                /* "path:line: message" */
                int line = 0;
                const char *c = strstr(err, files.v[i]) == err ? err + strlen(files.v[i]) : NULL;
                if (c && *c == ':') line = atoi(c + 1);
                json_result(files.v[i], line, NULL, 0, err, "the file has an error");
            } else {
                fprintf(stderr, "%s\n", err);
                printf("%s\n  FAIL (the file has an error)\n", files.v[i]);
            }
            failed++;
            continue;
        }
        free(text);
        if (!json) printf("%s\n", files.v[i]);
        policy *pol = get_policy(&ps, f.policy);
        if (!pol->prog) {
            char msg[600];
            snprintf(msg, sizeof msg, "the policy %s does not compile", f.policy);
            if (json)
                for (size_t k = 0; k < f.ntests; k++)
                    json_result(f.path, f.policy_line, f.tests[k].name, 0, msg, NULL);
            else
                printf("  FAIL %s:%d: %s\n", f.path, f.policy_line, msg);
            failed += (int)f.ntests;
        } else {
            for (size_t k = 0; k < f.ntests; k++) {
                if (run_test(&f, &f.tests[k], pol, verbose, json)) passed++;
                else failed++;
                pol->ntests++;
            }
        }
        pt_free(&f);
    }

    int low = 0;
    for (size_t i = 0; i < ps.n; i++) {
        if (!ps.v[i].prog || !ps.v[i].ntests) continue;
        double pct = report_coverage(&ps.v[i], json ? stderr : stdout);
        if (min_cov >= 0 && pct + 1e-9 < min_cov) {
            fprintf(json ? stderr : stdout, "  below the required %.1f%%\n", min_cov);
            low = 1;
        }
    }
    fprintf(json ? stderr : stdout, "tests: %d passed, %d failed\n", passed, failed);
    if (rc == EXIT_OK && (failed || low)) rc = EXIT_INPUT;

    for (size_t i = 0; i < ps.n; i++) {
        slate_program_free(ps.v[i].prog);
        free(ps.v[i].hit);
        free(ps.v[i].path);
    }
    free(ps.v);
    for (size_t i = 0; i < paths.n; i++) free(paths.v[i]);
    for (size_t i = 0; i < files.n; i++) free(files.v[i]);
    free(paths.v);
    free(files.v);
    return rc;
}
