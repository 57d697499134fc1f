/*
 * cmd_disasm.c - `slate disasm FILE`: print a bytecode image (or a policy,
 * compiled in memory) readably: header, tables and code with source lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "disasm.h"
#include "frontend.h"
#include "image.h"
#include "load.h"
#include "lower.h"
#include "slate.h"

static const char help[] =
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
    "2 usage error, 3 I/O error\n";

int cmd_disasm(int argc, char **argv)
{
    const char *in = NULL;
    int st = cli_parse_file_args(argc, argv, "disasm", help, NULL, 0, "file", &in);
    if (st >= 0) return st;

    size_t len;
    char *bytes = fe_read_file(in, &len);
    if (!bytes) {
        fprintf(stderr, "slate: cannot read %s: %s\n", in, strerror(errno));
        return EXIT_IO;
    }
    uint8_t *img = (uint8_t *)bytes;
    if (len < IMG_MAGIC_LEN || memcmp(bytes, IMG_MAGIC, IMG_MAGIC_LEN)) {
        fe_unit u;
        int rc = fe_load_text(&u, in, bytes, len, stderr, 0);
        free(bytes);
        if (rc == 0 && cg_compile(u.ast, &u.diag, &img, &len)) rc = 1;
        if (rc) {
            if (rc != 3) diag_summary(&u.diag);
            fe_release(&u);
            return rc == 3 ? EXIT_IO : EXIT_INPUT;
        }
        fe_release(&u);
    }
    slate_program *p;
    char err[256];
    int rc = EXIT_OK;
    if (load_image(img, len, &p, err, sizeof err)) {
        fprintf(stderr, "slate disasm: %s: %s\n", in, err);
        rc = EXIT_INPUT;
    } else {
        dis_program(p, len, stdout);
        slate_program_free(p);
        if (fflush(stdout)) rc = EXIT_IO;
    }
    free(img);
    return rc;
}
