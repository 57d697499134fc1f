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

enum { O_FROM, O_TO, O_JSON, O_HTML, O_NO_VERIFY };

static const cli_opt opts[] = {
    [O_FROM] = {"from", 0, "TIME", "count cases whose first event is at or after TIME", NULL},
    [O_TO] = {"to", 0, "TIME", "... and before TIME (RFC 3339, YYYY-MM-DD or epoch ms)", NULL},
    [O_JSON] = {"json", 0, NULL, "print the report as JSON instead of text", NULL},
    [O_HTML] = {"html", 0, "FILE", "also write a self-contained HTML page with bar charts", NULL},
    [O_NO_VERIFY] = {"no-verify", 0, NULL, "report without verifying the chain; every output says so",
                     NULL},
};

const cli_cmd cmd_report_args = {
    .name = "report",
    .synopsis =
        "usage: slate report [--from TIME] [--to TIME] [--json] [--html FILE] [--no-verify]\n"
        "                    AUDIT.DB\n"
        "\n"
        "Report service-level compliance from a decision log: first-response target met,\n"
        "resolution rate and target met, average and p90 working time of each clock,\n"
        "breaches by SLA tier, category, channel and clock, complaint handling times,\n"
        "follow-up rate, the satisfaction distribution, escalations and reviews.\n"
        "The definitions are in docs/audit-log.md.  The log's hash chain is verified\n"
        "first: a log that fails is refused, its first bad row named.\n"
        "\n",
    .opts = opts,
    .nopts = CLI_NOPTS(opts),
    .column = 15,
    .epilogue =
        "\n"
        "exit status: 0 ok, 1 not a decision log or it fails verification, 2 usage\n"
        "error, 3 I/O error\n",
};

int cmd_report(int argc, char **argv)
{
    const char *path = NULL, *html = NULL;
    int json = 0, verify = AUD_VERIFY;
    int64_t from = INT64_MIN, to = INT64_MAX;
    cli_parser ap;
    cli_args(&ap, &cmd_report_args, argc, argv);
    for (int k; (k = cli_next(&ap)) != CLI_END;) {
        switch (k) {
        case CLI_STOP: return ap.status;
        case O_JSON: json = 1; break;
        case O_NO_VERIFY: verify = AUD_NO_VERIFY; break;
        case O_HTML: html = ap.arg; break;
        case O_FROM:
        case O_TO:
            if (aud_parse_time(ap.arg, k == O_FROM ? &from : &to))
                return cli_usage_error("report", "`%s`: `%s` is not RFC 3339, a date or epoch "
                                                 "milliseconds", ap.name, ap.arg);
            break;
        default:
            if (path) return cli_usage_error("report", "more than one log given");
            path = ap.arg;
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
