/*
 * cli.h - what the subcommands of `slate` share: the exit codes of INTERFACES.md
 * and the command table.  Each command lives in cli/cmd_NAME.c and parses its own
 * options; none of them holds global state.
 */
#ifndef SLATE_CLI_H
#define SLATE_CLI_H

enum {
    EXIT_OK = 0,     /* success */
    EXIT_INPUT = 1,  /* the input was wrong: policy errors, failed checks or tests */
    EXIT_USAGE = 2,  /* bad command line */
    EXIT_IO = 3      /* I/O or internal error */
};

#define CMD(name, fn, summary) int fn(int argc, char **argv);
#include "commands.def"
#undef CMD

/* Print "slate NAME: MSG" and a pointer to --help on stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
