/*
 * cmd_check.c - `slate check FILE...`: parse and check policies, print every
 * diagnostic (as text, JSON Lines or one SARIF 2.1.0 log), exit 1 if any file
 * has errors.  Generates no code; the checks themselves are libslatec's.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jsonstr.h"
#include "slatec.h"
#include "slate_version.h"

enum { O_STRICT, O_WERROR, O_FORMAT, O_QUIET };

static const cli_opt opts[] = {
    [O_STRICT] = {"strict", 0, NULL, "treat warnings as errors (also: --werror)", NULL},
    [O_WERROR] = {"werror", 0, NULL, "the same as --strict", NULL},
    [O_FORMAT] = {"format", 0, "FMT",
                  "text (default, on stderr), json (one object a line on\n"
                  "stdout: file, line, column, end, severity, code, message,\n"
                  "hints) or sarif (one SARIF 2.1.0 log on stdout)",
                  "`%s` needs text, json or sarif"},
    [O_QUIET] = {NULL, 'q', NULL, "print nothing for clean files", NULL},
};

const cli_cmd cmd_check_args = {
    .name = "check",
    .synopsis =
        "usage: slate check [--strict] [--format text|json|sarif] [-q] FILE...\n"
        "\n"
        "Parse and check each policy file: syntax, names, types, ranges, and warnings\n"
        "for legal but likely wrong policies: a tier that can never be chosen (and the\n"
        "tiers that take its cases), cases that get no tier (with an example), a rule\n"
        "condition that never or always holds, a clock or ladder never used.  Every\n"
        "problem is reported with its line and column; warnings have a stable code\n"
        "(docs/diagnostics.md).\n"
        "\n",
    .opts = opts,
    .nopts = CLI_NOPTS(opts),
    .column = 18,
    .epilogue =
        "\n"
        "exit status: 0 all files clean, 1 errors found, 2 usage error, 3 unreadable file\n",
};

enum { FMT_TEXT, FMT_JSON, FMT_SARIF };

typedef struct sink {
    int format;
    json_t *results; /* SARIF: the run's results */
    json_t *rules;   /* SARIF: the codes seen, as reportingDescriptors */
} sink;

/* What each code is about (docs/diagnostics.md has an example of each). */
static const char *describe(const char *code)
{
    static const char *const table[][2] = {
        {"W001", "a clock that no tier gives a target"},
        {"W002", "a ladder no tier names"},
        {"W003", "a calendar nothing counts time in"},
        {"W004", "`starts late from change` on a clock every tier targets"},
        {"W010", "a tier that can never be chosen: earlier tiers take all its cases"},
        {"W011", "a tier whose condition never holds"},
        {"W012", "cases that get no tier"},
        {"W013", "a default tier that is never chosen"},
        {"W014", "a rule condition that never holds"},
        {"W015", "a rule condition that always holds"},
        {"W020", "a ladder step escalating to a level at or below an earlier step's"},
        {"W021", "a `notify` or `route` target that looks like a typo of another"},
        {"W022", "a clock that can never stop"},
        {"W024", "a clock that starts and stops (or pauses and resumes) on one event"},
        {"W025", "`at D before breach` longer than a target it applies to"},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (!strcmp(table[i][0], code)) return table[i][1];
    return code;
}

/* A JSON string of s, which may not be UTF-8 (a file name is any bytes, a
 * message may quote the source): jansson refuses invalid UTF-8, and a refused
 * string would drop the whole diagnostic, so it is read back through the one
 * escaper, which writes U+FFFD for each bad sequence. */
static json_t *jtext(const char *s)
{
    json_t *j = json_string(s);
    if (j) return j;
    size_t n = strlen(s), room = n * JSTR_MAX_GROWTH + 3;
    char *q = malloc(room);
    if (!q) return NULL;
    size_t k = jstr_escape(q + 1, room - 3, s, n);
    q[0] = '"';
    q[k + 1] = '"';
    j = json_loadb(q, k + 2, JSON_DECODE_ANY, NULL);
    free(q);
    return j;
}

static json_t *hints_of(const slatec_diag *d)
{
    json_t *h = json_array();
    if (d->hint) json_array_append_new(h, jtext(d->hint));
    return h;
}

static void on_diag(void *arg, const slatec_diag *d)
{
    sink *s = arg;
    if (s->format == FMT_JSON) {
        json_t *o = json_pack("{s:o, s:i, s:i, s:{s:i, s:i}, s:s, s:o, s:o, s:o}", "file",
                              jtext(d->file), "line", d->line, "column", d->col, "end", "line",
                              d->end_line, "column", d->end_col, "severity", d->severity, "code",
                              d->code ? json_string(d->code) : json_null(), "message",
                              jtext(d->message), "hints", hints_of(d));
        if (!o) return;
        char *text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
        if (text) printf("%s\n", text);
        free(text);
        json_decref(o);
        return;
    }
    /* SARIF: "error", "warning" or "note" are its levels too. */
    json_t *msg = json_pack("{s:o}", "text", jtext(d->message));
    if (d->hint) {
        char *full = malloc(strlen(d->message) + strlen(d->hint) + 16);
        if (full) {
            sprintf(full, "%s (hint: %s)", d->message, d->hint);
            json_object_set_new(msg, "text", jtext(full));
            free(full);
        }
    }
    json_t *r = json_pack("{s:s, s:o}", "level", d->severity, "message", msg);
    if (d->code) json_object_set_new(r, "ruleId", json_string(d->code));
    /* An absolute path as a file: URI; a relative one is a relative reference. */
    json_t *uri = jtext(d->file);
    if (uri && d->file[0] == '/') {
        json_t *abs = json_sprintf("file://%s", json_string_value(uri));
        json_decref(uri);
        uri = abs;
    }
    json_t *loc = json_pack("{s:{s:o}}", "artifactLocation", "uri", uri);
    if (d->line > 0) {
        json_t *region = json_pack("{s:i, s:i}", "startLine", d->line, "startColumn", d->col);
        if (d->end_line > 0) {
            json_object_set_new(region, "endLine", json_integer(d->end_line));
            json_object_set_new(region, "endColumn", json_integer(d->end_col));
        }
        json_object_set_new(loc, "region", region);
    }
    json_object_set_new(r, "locations", json_pack("[{s:o}]", "physicalLocation", loc));
    json_array_append_new(s->results, r);
    if (d->code && !json_object_get(s->rules, d->code))
        json_object_set_new(s->rules, d->code,
                            json_pack("{s:s, s:{s:s}}", "id", d->code, "shortDescription", "text",
                                      describe(d->code)));
}

static void print_sarif(sink *s)
{
    json_t *rules = json_array();
    const char *key;
    json_t *v;
    json_object_foreach(s->rules, key, v) json_array_append(rules, v);
    json_t *log = json_pack(
        "{s:s, s:s, s:[{s:{s:{s:s, s:s, s:o}}, s:O}]}", "$schema",
        "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0", "runs", "tool",
        "driver", "name", "slate", "version", SLATE_VERSION, "rules", rules, "results",
        s->results);
    char *text = log ? json_dumps(log, JSON_INDENT(2) | JSON_ENSURE_ASCII) : NULL;
    if (text) printf("%s\n", text);
    free(text);
    json_decref(log);
}

int cmd_check(int argc, char **argv)
{
    int werror = 0, quiet = 0, rc = EXIT_OK;
    const char *format = "text";
    cli_parser ap;
    cli_args(&ap, &cmd_check_args, argc, argv);
    for (int k; (k = cli_next(&ap)) != CLI_END;) {
        if (k == CLI_STOP) return ap.status;
        if (k == O_WERROR || k == O_STRICT) werror = 1;
        else if (k == O_FORMAT) format = ap.arg;
        else if (k == O_QUIET) quiet = 1;
    }
    sink s = {FMT_TEXT, NULL, NULL};
    if (!strcmp(format, "json")) s.format = FMT_JSON;
    else if (!strcmp(format, "sarif")) s.format = FMT_SARIF;
    else if (strcmp(format, "text")) return cli_usage_error("check", "unknown format `%s`", format);
    if (!ap.noperands) return cli_usage_error("check", "no policy file given");

    slatec_opts o = SLATEC_OPTS_INIT;
    o.diag = stderr;
    o.werror = werror;
    o.summary = 1;
    if (s.format != FMT_TEXT) {
        o.on_diag = on_diag;
        o.on_diag_arg = &s;
        s.results = json_array();
        s.rules = json_object();
    }
    for (int i = 1; i <= ap.noperands; i++) {
        int r = cli_compile_status(slatec_check(&o, argv[i], NULL, 0));
        if (r == EXIT_OK && !quiet && !o.warnings && s.format == FMT_TEXT)
            fprintf(stderr, "%s: ok\n", argv[i]);
        if (r > rc) rc = r;
    }
    if (s.format == FMT_SARIF) print_sarif(&s);
    json_decref(s.results);
    json_decref(s.rules);
    return rc;
}
