/*
 * cmd_lsp.c - `slate lsp`: the language server (lsp/lsp.h) on standard input
 * and output, for editors (editors/).  Only the command line is here.
 */
#include <stdio.h>

#include "cli.h"
#include "lsp.h"

enum { O_STDIO };

static const cli_opt opts[] = {
    [O_STDIO] = {"stdio", 0, NULL, "the transport (the only one, and the default; editors pass it)",
                 NULL},
};

const cli_cmd cmd_lsp_args = {
    .name = "lsp",
    .synopsis =
        "usage: slate lsp [--stdio]\n"
        "\n"
        "Serve the Language Server Protocol on standard input and output, for an\n"
        "editor: diagnostics as you type, hover, go to definition, find references,\n"
        "completion, document symbols and formatting (docs/lsp.md).  An editor starts\n"
        "it; a person does not type at it.  Problems with the messages themselves are\n"
        "logged on standard error.\n"
        "\n",
    .opts = opts,
    .nopts = CLI_NOPTS(opts),
    .column = 11,
    .epilogue =
        "\n"
        "exit status: 0 after `shutdown` and `exit`, 1 when the client left without\n"
        "`shutdown`, 2 usage error, 3 out of memory or standard output failed\n",
};

int cmd_lsp(int argc, char **argv)
{
    cli_parser ap;
    cli_args(&ap, &cmd_lsp_args, argc, argv);
    for (int k; (k = cli_next(&ap)) != CLI_END;) {
        if (k == CLI_STOP) return ap.status;
        if (k != O_STDIO) return cli_usage_error("lsp", "no operand is taken: `%s`", ap.arg);
    }
    return lsp_serve(stdin, stdout, stderr);
}
