/*
 * cmd_build.c - `slate build POLICY [-o OUT]`: compile a policy to a verified
 * bytecode image (.slc) through libslatec (include/slatec.h), which loads and
 * verifies the bytes before they are written, so a file `slate build` produced
 * always loads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "program_info.h"
#include "slate.h"
#include "slatec.h"

enum { O_OUT, O_QUIET };

static const cli_opt opts[] = {
    [O_OUT] = {NULL, 'o', "OUT", "write the image to OUT (default: POLICY with .slate replaced by .slc;\n"
                                 "`-` writes to standard output)", "-o needs a file name"},
    [O_QUIET] = {NULL, 'q', NULL, "print nothing on success (else: size, step bound and hash)", NULL},
};

const cli_cmd cmd_build_args = {
    .name = "build",
    .synopsis =
        "usage: slate build [-o OUT] [-q] POLICY\n"
        "\n"
        "Check POLICY and compile it to a bytecode image that libslate loads with\n"
        "slate_program_load().  The image is verified before it is written; its SHA-256\n"
        "(printed) names the policy in every decision.  The same source always gives\n"
        "the same bytes.\n"
        "\n",
    .opts = opts,
    .nopts = CLI_NOPTS(opts),
    .column = 13,
    .epilogue =
        "\n"
        "exit status: 0 built, 1 errors in the policy, 2 usage error, 3 I/O error\n",
};

/* POLICY with its .slate extension (if any) replaced by .slc; malloc'd. */
static char *default_output(const char *in)
{
    size_t n = strlen(in);
    if (n > 6 && !strcmp(in + n - 6, ".slate")) n -= 6;
    char *out = malloc(n + 5);
    if (!out) return NULL;
    memcpy(out, in, n);
    memcpy(out + n, ".slc", 5);
    return out;
}

/* Write the image to `path` through a temporary file renamed into place, so a
 * reader never sees half an image.  Returns 0, or -1 with errno set. */
static int write_atomic(const char *path, const uint8_t *img, size_t len)
{
    if (!strcmp(path, "-")) return fwrite(img, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : -1;
    size_t n = strlen(path);
    char *tmp = malloc(n + 8);
    if (!tmp) return -1;
    snprintf(tmp, n + 8, "%s.tmp~", path);
    FILE *f = fopen(tmp, "wb");
    int rc = -1;
    if (f) {
        int ok = fwrite(img, 1, len, f) == len;
        ok &= fclose(f) == 0;
        if (ok && rename(tmp, path) == 0) rc = 0;
        else {
            int e = errno;
            remove(tmp);
            errno = e;
        }
    }
    free(tmp);
    return rc;
}

int cmd_build(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    int quiet = 0;
    cli_parser ap;
    cli_args(&ap, &cmd_build_args, argc, argv);
    for (int k; (k = cli_next(&ap)) != CLI_END;) {
        if (k == CLI_STOP) return ap.status;
        if (k == O_OUT) out = ap.arg;
        else if (k == O_QUIET) quiet = 1;
        else if (in) return cli_usage_error("build", "one policy file at a time");
        else in = ap.arg;
    }
    if (!in) return cli_usage_error("build", "no policy file given");

    char *def = out ? NULL : default_output(in);
    const char *path = out ? out : def;
    if (path && cli_refuse_clobber("build", out ? "-o" : "the image", path, "policy", in)) {
        free(def);
        return EXIT_USAGE;
    }

    slatec_opts o = SLATEC_OPTS_INIT;
    o.diag = stderr;
    o.summary = 1;
    slate_program *p;
    uint8_t *img;
    size_t len;
    int rc = slatec_compile(&o, in, NULL, 0, &p, &img, &len);
    if (rc != SLATE_OK) {
        free(def);
        return cli_compile_status(rc);
    }
    rc = EXIT_OK;
    if (!path || write_atomic(path, img, len)) {
        fprintf(stderr, "slate build: cannot write %s: %s\n", path ? path : "output", strerror(errno));
        rc = EXIT_IO;
    } else if (!quiet && strcmp(path, "-")) {
        fprintf(stderr, "%s: %zu bytes, at most %lld steps per event or timer, hash %s\n", path, len,
                (long long)pi_max_steps(p), slate_program_hash(p));
    }
    slate_program_free(p);
    free(def);
    free(img);
    return rc;
}
