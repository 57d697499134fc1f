/*
 * cmd_check.c - `slate check FILE...`: parse and check policies, print every
 * diagnostic, exit 1 if any file has errors.  Generates no code.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "slatec.h"

static const char help[] =
    "usage: slate check [--werror] [-q] FILE...\n"
    "\n"
    "Parse and check each policy file: syntax, names, types, ranges, and warnings\n"
    "for legal but likely wrong policies (a tier shadowed by an earlier one, a clock\n"
    "or ladder never used).  Every problem is reported with its line and column.\n"
    "\n"
    "  --werror   treat warnings as errors\n"
    "  -q         print nothing for clean files\n"
    "\n"
    "exit status: 0 all files clean, 1 errors found, 2 usage error, 3 unreadable file\n";

int cmd_check(int argc, char **argv)
{
    int werror = 0, quiet = 0, nfiles = 0, rc = EXIT_OK;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(help, stdout);
            return EXIT_OK;
        } else if (!strcmp(argv[i], "--werror")) {
            werror = 1;
        } else if (!strcmp(argv[i], "-q")) {
            quiet = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("check", "unknown option `%s`", argv[i]);
        } else {
            nfiles++;
        }
    }
    if (!nfiles) return cli_usage_error("check", "no policy file given");

    slatec_opts o = SLATEC_OPTS_INIT;
    o.diag = stderr;
    o.werror = werror;
    o.summary = 1;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1]) continue;
        int r = cli_compile_status(slatec_check(&o, argv[i], NULL, 0));
        if (r == EXIT_OK && !quiet && !o.warnings) fprintf(stderr, "%s: ok\n", argv[i]);
        if (r > rc) rc = r;
    }
    return rc;
}
