/*
 * cmd_disasm.c - `slate disasm FILE`: print a bytecode image (or a policy,
 * compiled in memory) readably: header, tables and code with source lines.
 * Which of the two FILE holds is told by its bytes (slatec_load()), not its name.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "slate.h"
#include "slatec.h"

const cli_cmd cmd_disasm_args = {
    .name = "disasm",
    .synopsis =
        "usage: slate disasm FILE\n"
        "\n"
        "Print a compiled policy: its name, version and hash, the step bound per event,\n"
        "every table (fields, events and the clocks they drive, calendars, tiers with\n"
        "their targets and ladder steps, rules), then the code, one instruction a line\n"
        "with its pc, source line, opcode and operands by name.\n"
        "\n"
        "FILE is an image (.slc, recognised by its magic) or a policy source, which is\n"
        "compiled in memory first.  An image is verified before it is printed.\n"
        "\n"
        "exit status: 0 printed, 1 the image is refused or the policy has errors,\n"
        "2 usage error, 3 I/O error\n",
};

int cmd_disasm(int argc, char **argv)
{
    const char *in = NULL;
    cli_parser ap;
    cli_args(&ap, &cmd_disasm_args, argc, argv);
    for (int k; (k = cli_next(&ap)) != CLI_END;) {
        if (k == CLI_STOP) return ap.status;
        if (in) return cli_usage_error("disasm", "one file at a time");
        in = ap.arg;
    }
    if (!in) return cli_usage_error("disasm", "no file given");
    if (cli_refuse_clobber("disasm", NULL, NULL, "input", in)) return EXIT_USAGE;

    slatec_opts o = SLATEC_OPTS_INIT;
    o.diag = stderr;
    o.summary = 1;
    slate_program *p;
    size_t len;
    char *err;
    int rc = slatec_load(&o, in, NULL, 0, &p, NULL, &len, &err);
    if (rc != SLATE_OK) {
        if (err) fprintf(stderr, "slate disasm: %s: %s\n", in, err);
        slate_free(err);
        return cli_compile_status(rc);
    }
    slatec_disasm(p, len, stdout);
    slate_program_free(p);
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "slate disasm: cannot write stdout: %s\n", strerror(errno ? errno : EIO));
        return EXIT_IO;
    }
    return EXIT_OK;
}
