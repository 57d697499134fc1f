/*
 * main.c - `slate`: dispatch to a subcommand in the manner of git.  Knows only the
 * command table (commands.def); each command reads its own options (cli/args.c).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "slate_version.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} commands[] = {
#define CMD(name, fn, summary) {#name, fn, summary},
#include "commands.def"
#undef CMD
};

static void usage(FILE *f)
{
    fprintf(f, "usage: slate COMMAND [OPTIONS] [ARGS]\n"
               "\n"
               "Compile service-level policies to verified bytecode, run them over case\n"
               "events, and audit the decisions.\n"
               "\n"
               "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n"
               "`slate COMMAND --help` (or `slate help COMMAND`) describes a command.\n"
               "exit status: 0 ok, 1 input was wrong, 2 usage error, 3 I/O or internal error\n");
}

int main(int argc, char **argv)
{
    /* A reader that goes away (`slate run ... | head -1`) or a file size limit
     * (ulimit -f) must not kill a command in the middle of a write, its log
     * half-written and nothing said: ignored, they become EPIPE and EFBIG, which
     * every command reports as an I/O error (exit 3) after leaving its files
     * consistent. */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "help") && argc > 2) { /* `slate help CMD` is `slate CMD --help` */
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            if (!strcmp(argv[2], commands[i].name)) {
                char *args[] = {argv[2], "--help", NULL};
                return commands[i].fn(2, args);
            }
        fprintf(stderr, "slate help: unknown command `%s`\n", argv[2]);
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("slate %s\n", SLATE_VERSION);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "slate: unknown command `%s`\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
