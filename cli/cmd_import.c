/*
 * cmd_import.c - `slate import FORMAT FILE`: turn a public service log (CSV) into
 * slate events (JSON Lines, docs/io.md), sorted by time, for `slate run`.
 *
 * The formats are the three data sets of the realism tests (docs/realism.md):
 * `volvo` (BPI Challenge 2013, Volvo IT incidents), `servicenow` (the UCI
 * incident event log) and `nyc311` (NYC 311 service requests).  Each has its
 * reader in import/import_FORMAT.c.  Zip archives are not read here: the data sets
 * ship zipped, and `unzip -p ARCHIVE MEMBER | slate import FORMAT -` is both
 * simpler and more robust than a zip reader of our own (docs/realism.md says
 * why).  The output is the same bytes for the same input.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "progress.h"
#include "import.h"

enum { O_OUT, O_SIDE, O_QUIET };

static const cli_opt opts[] = {
    [O_OUT] = {NULL, 'o', "FILE", "write the events to FILE instead of standard output", NULL},
    [O_SIDE] = {"side", 0, "FILE", "write per-case reference data that the events leave out\n"
                                   "(servicenow: made_sla; nyc311: the agency's due date), one\n"
                                   "JSON object per case, for comparing verdicts", NULL},
    [O_QUIET] = {"quiet", 'q', NULL, "no summary on stderr", NULL},
};

const cli_cmd cmd_import_args = {
    .name = "import",
    .synopsis =
        "usage: slate import FORMAT FILE [-o OUT] [--side FILE]\n"
        "\n"
        "Turn a public service log (CSV) into slate events, one JSON object per line,\n"
        "sorted by time; the same input gives the same bytes.  FILE is the CSV, or `-`\n"
        "for standard input (so a zipped data set can be piped through `unzip -p`).\n"
        "\n"
        "formats:\n"
        "  volvo       BPI Challenge 2013 Volvo IT incidents (VINST-new.csv)\n"
        "  servicenow  ServiceNow incident event log (incident_event_log.csv);\n"
        "              times have no zone and are read as UTC\n"
        "  nyc311      NYC 311 service requests (local New York time)\n"
        "\n",
    .opts = opts,
    .nopts = CLI_NOPTS(opts),
    .column = 16,
    .epilogue =
        "\n"
        "A row whose time cannot be read still becomes an event, with the time as\n"
        "written, so that `slate run` rejects it with a reason.  docs/realism.md\n"
        "describes each mapping.\n"
        "\n"
        "exit status: 0 ok, 1 the file is not of the format, 2 usage error, 3 I/O error\n",
};

static const struct {
    const char *name;
    int (*read)(csv_reader *, imp *, imp_stats *, char *, size_t);
} formats[] = {
    {"volvo", imp_volvo},
    {"servicenow", imp_servicenow},
    {"nyc311", imp_nyc311},
};

int cmd_import(int argc, char **argv)
{
    const char *format = NULL, *file = NULL, *out_path = NULL, *side_path = NULL;
    int quiet = 0;
    cli_parser ap;
    cli_args(&ap, &cmd_import_args, argc, argv);
    for (int k; (k = cli_next(&ap)) != CLI_END;) {
        if (k == CLI_STOP) return ap.status;
        else if (k == O_OUT) out_path = ap.arg;
        else if (k == O_SIDE) side_path = ap.arg;
        else if (k == O_QUIET) quiet = 1;
        else if (!format) format = ap.arg;
        else if (!file) file = ap.arg;
        else return cli_usage_error("import", "too many arguments: one format, one file");
    }
    if (!format) return cli_usage_error("import", "no format given (volvo, servicenow, nyc311)");
    if (!file) return cli_usage_error("import", "no input file given (`-` for standard input)");
    int k = -1;
    for (int i = 0; i < (int)(sizeof formats / sizeof formats[0]); i++)
        if (!strcmp(format, formats[i].name)) k = i;
    if (k < 0)
        return cli_usage_error("import", "unknown format `%s` (expected volvo, servicenow or "
                                         "nyc311)", format);

    if (cli_refuse_clobber("import", out_path ? "-o" : NULL, out_path, "input", file) ||
        (side_path && cli_refuse_clobber("import", "--side", side_path, "input", file)) ||
        (side_path && cli_refuse_clobber("import", out_path ? "-o" : NULL, out_path,
                                         "--side output", side_path)))
        return EXIT_USAGE;

    FILE *in = strcmp(file, "-") ? fopen(file, "rb") : stdin;
    if (!in) {
        fprintf(stderr, "slate import: cannot read %s: %s\n", file, strerror(errno));
        return EXIT_IO;
    }
    const char *in_name = in == stdin ? "<stdin>" : file;
    int status = EXIT_OK;
    FILE *out = NULL, *side = NULL;
    cli_progress pg;
    cli_progress_begin(&pg, "import", "rows", quiet, in, NULL);
    FILE *src = cli_progress_reader(&pg, in);
    csv_reader *r = src ? csv_open(src) : NULL;
    imp *im = imp_new();
    imp_stats st = {0};
    char err[256] = "";
    if (!r || !im) {
        fprintf(stderr, "slate import: out of memory\n");
        status = EXIT_IO;
        goto done;
    }
    int read_rc = formats[k].read(r, im, &st, err, sizeof err);
    cli_progress_clear(&pg);
    if (read_rc) {
        fprintf(stderr, "slate import: %s: %s\n", in_name, err);
        status = strstr(err, "read error") || strstr(err, "out of memory") ? EXIT_IO : EXIT_INPUT;
        goto done;
    }
    out = out_path ? fopen(out_path, "w") : stdout;
    if (!out) {
        fprintf(stderr, "slate import: cannot write %s: %s\n", out_path, strerror(errno));
        status = EXIT_IO;
        goto done;
    }
    if (side_path && !(side = fopen(side_path, "w"))) {
        fprintf(stderr, "slate import: cannot write %s: %s\n", side_path, strerror(errno));
        status = EXIT_IO;
        goto done;
    }
    if (imp_write(im, out, side) || fflush(out) || (side && fflush(side))) {
        fprintf(stderr, "slate import: write error: %s\n", strerror(errno));
        status = EXIT_IO;
        goto done;
    }
    if (!quiet) {
        fprintf(stderr, "slate import: %s: %lu rows, %lu cases, %zu events", format, st.rows,
                st.cases, imp_count(im));
        if (st.folded) fprintf(stderr, ", %lu rows changed nothing the events carry", st.folded);
        if (st.unmapped) fprintf(stderr, ", %lu rows with an unknown state skipped", st.unmapped);
        if (st.bad_time) fprintf(stderr, ", %lu unreadable times sent on", st.bad_time);
        if (st.late) fprintf(stderr, ", %lu rows earlier than their case's previous event", st.late);
        fputc('\n', stderr);
    }
done:
    if (out && out != stdout && fclose(out) && status == EXIT_OK) {
        fprintf(stderr, "slate import: cannot write %s: %s\n", out_path, strerror(errno));
        status = EXIT_IO;
    }
    if (side && fclose(side) && status == EXIT_OK) {
        fprintf(stderr, "slate import: cannot write %s: %s\n", side_path, strerror(errno));
        status = EXIT_IO;
    }
    csv_close(r);
    if (src && src != in) fclose(src);
    if (in != stdin) fclose(in);
    imp_free(im);
    return status;
}
