/*
 * cmd_report.c - `slate report AUDIT.DB`: the service-level measures of a
 * decision log (audit/report.c computes them) as text, JSON or an HTML page.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "report.h"

static const char help[] =
    "usage: slate report [--from TIME] [--to TIME] [--json] [--html FILE] [--no-verify]\n"
    "                    AUDIT.DB\n"
    "\n"
    "Report service-level compliance from a decision log: first-response target met,\n"
    "resolution rate and target met, average and p90 working time of each clock,\n"
    "breaches by SLA tier, category, channel and clock, complaint handling times,\n"
    "follow-up rate, the satisfaction distribution, escalations and reviews.\n"
    "The definitions are in docs/audit-log.md.  The log's hash chain is verified\n"
    "first: a log that fails is refused, its first bad row named.\n"
    "\n"
    "  --from TIME  count cases whose first event is at or after TIME\n"
    "  --to TIME    ... and before TIME (RFC 3339, YYYY-MM-DD or epoch ms)\n"
    "  --json       print the report as JSON instead of text\n"
    "  --html FILE  also write a self-contained HTML page with bar charts\n"
    "  --no-verify  report without verifying the chain; every output says so\n"
    "\n"
    "exit status: 0 ok, 1 not a decision log or it fails verification, 2 usage\n"
    "error, 3 I/O error\n";

int cmd_report(int argc, char **argv)
{
    const char *path = NULL, *html = NULL;
    int json = 0, verify = AUD_VERIFY;
    int64_t from = INT64_MIN, to = INT64_MAX;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(help, stdout);
            return EXIT_OK;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--no-verify")) {
            verify = AUD_NO_VERIFY;
        } else if (!strcmp(a, "--from") || !strcmp(a, "--to") || !strcmp(a, "--html")) {
            if (i + 1 >= argc) return cli_usage_error("report", "`%s` needs a value", a);
            const char *v = argv[++i];
            if (!strcmp(a, "--html")) {
                html = v;
            } else if (aud_parse_time(v, !strcmp(a, "--from") ? &from : &to)) {
                return cli_usage_error("report", "`%s`: `%s` is not RFC 3339, a date or epoch "
                                                 "milliseconds", a, v);
            }
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("report", "unknown option `%s`", a);
        } else if (path) {
            return cli_usage_error("report", "more than one log given");
        } else {
            path = a;
        }
    }
    if (!path) return cli_usage_error("report", "no decision log given");
    if (from != INT64_MIN && to != INT64_MAX && to <= from)
        return cli_usage_error("report", "`--to` must be after `--from`");

    if (cli_refuse_clobber("report", NULL, NULL, "decision log", path) ||
        (html && cli_refuse_clobber("report", "--html", html, "decision log", path)))
        return EXIT_USAGE;

    aud_log lg;
    int rc = aud_open(&lg, "report", path, verify);
    if (rc) return rc;
    rep_model m;
    rc = rep_build(&m, &lg, from, to);
    m.unverified = !lg.verified;
    if (!rc && json) {
        json_t *j = rep_json(&m, path);
        if (!j || json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) ||
            fputc('\n', stdout) == EOF)
            rc = EXIT_IO;
        json_decref(j);
    } else if (!rc) {
        rep_text(&m, path, stdout);
    }
    if (!rc && html) {
        FILE *f = fopen(html, "w");
        if (!f) {
            fprintf(stderr, "slate report: %s: %s\n", html, strerror(errno));
            rc = EXIT_IO;
        } else {
            rep_html(&m, path, f);
            if (fclose(f)) {
                fprintf(stderr, "slate report: %s: %s\n", html, strerror(errno));
                rc = EXIT_IO;
            }
        }
    }
    if (!rc && fflush(stdout)) {
        fprintf(stderr, "slate report: stdout: %s\n", strerror(errno));
        rc = EXIT_IO;
    }
    rep_free(&m);
    aud_close(&lg);
    return rc;
}
