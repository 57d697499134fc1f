/*
 * cli.c - helpers every subcommand shares (usage errors).  No command logic.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "slate %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry `slate %s --help`.\n", cmd);
    return EXIT_USAGE;
}
