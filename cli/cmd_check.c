/*
 * cmd_check.c - `slate check FILE...`: parse and check policies, print every
 * diagnostic, exit 1 if any file has errors.  Generates no code.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "slatec.h"

enum { O_WERROR, O_QUIET };

static const cli_opt opts[] = {
    [O_WERROR] = {"werror", 0, NULL, "treat warnings as errors", NULL},
    [O_QUIET] = {NULL, 'q', NULL, "print nothing for clean files", NULL},
};

const cli_cmd cmd_check_args = {
    .name = "check",
    .synopsis =
        "usage: slate check [--werror] [-q] FILE...\n"
        "\n"
        "Parse and check each policy file: syntax, names, types, ranges, and warnings\n"
        "for legal but likely wrong policies (a tier shadowed by an earlier one, a clock\n"
        "or ladder never used).  Every problem is reported with its line and column.\n"
        "\n",
    .opts = opts,
    .nopts = CLI_NOPTS(opts),
    .column = 13,
    .epilogue =
        "\n"
        "exit status: 0 all files clean, 1 errors found, 2 usage error, 3 unreadable file\n",
};

int cmd_check(int argc, char **argv)
{
    int werror = 0, quiet = 0, rc = EXIT_OK;
    cli_parser ap;
    cli_args(&ap, &cmd_check_args, argc, argv);
    for (int k; (k = cli_next(&ap)) != CLI_END;) {
        if (k == CLI_STOP) return ap.status;
        if (k == O_WERROR) werror = 1;
        else if (k == O_QUIET) quiet = 1;
    }
    if (!ap.noperands) return cli_usage_error("check", "no policy file given");

    slatec_opts o = SLATEC_OPTS_INIT;
    o.diag = stderr;
    o.werror = werror;
    o.summary = 1;
    for (int i = 1; i <= ap.noperands; i++) {
        int r = cli_compile_status(slatec_check(&o, argv[i], NULL, 0));
        if (r == EXIT_OK && !quiet && !o.warnings) fprintf(stderr, "%s: ok\n", argv[i]);
        if (r > rc) rc = r;
    }
    return rc;
}
