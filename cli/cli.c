/*
 * cli.c - helpers every subcommand shares (exit statuses, usage errors, refusing
 * to write over an input).  No command logic; the option parser is cli/args.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "slatec.h"

int cli_compile_status(int rc)
{
    return rc == SLATE_OK ? EXIT_OK : rc == SLATE_ERROR ? EXIT_INPUT : EXIT_IO;
}

/* stat() of a path, or of standard input / output for "-" and NULL; 0 when it
 * names a regular file. */
static int regular_file(const char *path, int fd, struct stat *st)
{
    int rc = path && strcmp(path, "-") ? stat(path, st) : fstat(fd, st);
    return rc == 0 && S_ISREG(st->st_mode) ? 0 : -1;
}

int cli_refuse_clobber(const char *cmd, const char *out_opt, const char *out, const char *in_what,
                       const char *in)
{
    struct stat so, si;
    if (!in || regular_file(out, STDOUT_FILENO, &so) || regular_file(in, STDIN_FILENO, &si) ||
        so.st_dev != si.st_dev || so.st_ino != si.st_ino)
        return 0;
    fprintf(stderr, "slate %s: ", cmd);
    if (!out_opt || !out || !strcmp(out, "-")) fprintf(stderr, "standard output");
    else fprintf(stderr, "%s %s", out_opt, out);
    if (strcmp(in, "-")) fprintf(stderr, " is the same file as the %s %s", in_what, in);
    else fprintf(stderr, " is the same file as the %s (standard input)", in_what);
    fprintf(stderr, ": writing would destroy it\n");
    return EXIT_USAGE;
}

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
