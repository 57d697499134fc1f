/*
 * cli.h - what the subcommands of `slate` share: the exit codes of docs/io.md
 * and the command table.  Each command lives in cli/cmd_NAME.c and parses its own
 * options; none of them holds global state.
 */
#ifndef SLATE_CLI_H
#define SLATE_CLI_H

#include "status.h"

#define CMD(name, fn, summary) int fn(int argc, char **argv);
#include "commands.def"
#undef CMD

/* The exit status for a libslatec result code (include/slatec.h): 0 ok, 1 the
 * policy has errors or the image is refused, 3 unreadable file, memory or an
 * internal fault. */
int cli_compile_status(int rc);

/* Print "slate NAME: MSG" and a pointer to --help on stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Refuse to write an output over an input.  `out` is the output's path (NULL
 * or "-": standard output) given with option `out_opt` ("-o", "--log"; NULL for
 * standard output), `in` an input's path (NULL: none; "-": standard input) and
 * `in_what` what it is ("events", "policy").  When both are the same regular file
 * (same st_dev and st_ino), prints "slate CMD: -o FILE is the same file as the
 * events FILE: ..." and returns EXIT_USAGE; else 0 (an output that does not exist
 * yet, or a pipe, a terminal or a device, is no clash). */
int cli_refuse_clobber(const char *cmd, const char *out_opt, const char *out, const char *in_what,
                       const char *in);

/* One option of a command: `-o FILE` when `value` is set, else a flag. */
typedef struct cli_opt {
    const char *name;     /* as typed: "-o" */
    const char **value;   /* receives the argument after it (NULL: a flag) */
    int *flag;            /* set to 1 when the flag is given */
    const char *no_value; /* usage message when the argument is missing */
} cli_opt;

/* Parses argv[1..] of command `cmd`, which takes options and one file: `--help`
 * or `-h` prints `help` on stdout, the `nopts` options in `opts` are applied, any
 * other `-x` is an unknown option, and the one operand goes to *file (`what`
 * names it in "one WHAT at a time" and "no WHAT given").  Returns -1 when the
 * command should go on, else the exit status to return at once: EXIT_OK after
 * the help, EXIT_USAGE after a usage error (already reported). */
int cli_parse_file_args(int argc, char **argv, const char *cmd, const char *help,
                        const cli_opt *opts, int nopts, const char *what, const char **file);

#endif
