/*
 * cli.h - what the subcommands of `slate` share: the exit codes of docs/io.md,
 * the command table and the one option parser.  Each command lives in
 * cli/cmd_NAME.c with its option table; none of them holds global state.
 */
#ifndef SLATE_CLI_H
#define SLATE_CLI_H

#include <stdio.h>

#include "status.h"


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

/* ---- options (cli/args.c) ----------------------------------------------------------
 * Every command declares a static table of its options and a cli_cmd around it;
 * cli_next() reads argv against it, one option or operand a call, and cli_help()
 * prints `--help` with the option list made from the same table, so the two
 * cannot disagree.  The syntax is the same for every command:
 *   --name VALUE, --name=VALUE      a long option taking a value
 *   -o VALUE, -oVALUE               a short one
 *   -qv                             short flags bundled (the last may take a value)
 *   --                              ends the options: what follows is operands
 *   -                               an operand (standard input, where a file is read)
 *   -h, --help                      prints the help (every command; not in tables)
 * Options and operands may come in any order.  Long names are matched whole:
 * no abbreviations, so adding an option never breaks a command line. */

/* One entry of a command's option table. */
typedef struct cli_opt {
    const char *name;    /* long name without the dashes ("log"); NULL: none */
    char letter;         /* short name ('o'); 0: none */
    const char *arg;     /* the value's name in --help ("FILE"); NULL: a flag */
    const char *help;    /* its --help text; each '\n' starts a line under it */
    const char *missing; /* usage message for a missing value, `%s` the option as
                          * typed ("--log", "-o"); NULL: the command's */
} cli_opt;

/* A command's command line. */
typedef struct cli_cmd {
    const char *name;       /* "run": messages say "slate run: ..." */
    const char *synopsis;   /* --help before the option list (from "usage:") */
    const char *epilogue;   /* --help after the option list; NULL: none */
    const cli_opt *opts;    /* the table; cli_next() returns an index into it */
    int nopts;
    int column;             /* where the texts of the option list start */
    const char *missing;    /* the message for a missing value (`%s`: the option
                             * as typed); NULL: "`%s` needs a value" */
    const char *unknown;    /* for an unknown option (`%s`: the argument);
                             * NULL: "unknown option `%s`" */
    int dash_operands_after;/* after this many operands, an argument beginning
                             * with `-` that is no option is an operand (explain's
                             * CASE); 0: never */
} cli_cmd;

#define CLI_NOPTS(table) ((int)(sizeof(table) / sizeof(table)[0]))

/* The state of one reading of argv; set up with cli_args(). */
typedef struct cli_parser {
    const cli_cmd *cmd;
    int argc;
    char **argv;
    int i;               /* next argv index */
    const char *bundle;  /* the rest of a group of short options being read */
    int only_operands;   /* `--` seen */
    int noperands;       /* operands so far: they are argv[1..noperands] */
    const char *arg;     /* the value of the option returned, or the operand */
    char name[48];       /* the option returned as typed ("--log", "-o") */
    int status;          /* after CLI_STOP: EXIT_OK (help printed) or EXIT_USAGE */
} cli_parser;

enum {
    CLI_END = -1,     /* no more arguments */
    CLI_OPERAND = -2, /* p->arg is an operand */
    CLI_STOP = -3     /* return p->status: the help was printed, or a usage
                       * error was reported on stderr */
};

/* Start reading argv[1..argc-1] of command `cmd`. */
void cli_args(cli_parser *p, const cli_cmd *cmd, int argc, char **argv);

/* The next option (its index in cmd->opts, its value in p->arg when it takes
 * one, p->name as typed), CLI_OPERAND, CLI_END or CLI_STOP.  Each operand is
 * also moved down to argv[p->noperands] (argv is rearranged in place), so after
 * CLI_END the operands are argv[1..p->noperands], in order.  Usage errors: an
 * unknown option (with a hint when it is a near miss of a long name), a missing
 * value, a value given to a flag with `=`. */
int cli_next(cli_parser *p);

/* Print `--help` of `cmd` on `f`: the synopsis, the option list, the epilogue. */
void cli_help(const cli_cmd *cmd, FILE *f);

/* Each command: its function and its command line (the table of its options). */
#define CMD(name, fn, summary) int fn(int argc, char **argv); extern const cli_cmd fn##_args;
#include "commands.def"
#undef CMD

#endif
