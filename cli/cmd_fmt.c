/*
 * cmd_fmt.c - `slate fmt [-w | --check] FILE...`: print policies in the canonical
 * layout (slatec_fmt(), docs/fmt.md), rewrite them in place, or list the files
 * that are not formatted.  A file with syntax errors is reported, never changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "slatec.h"

enum { O_WRITE, O_CHECK };

static const cli_opt opts[] = {
    [O_WRITE] = {NULL, 'w', NULL, "rewrite each file in place (only files that change)", NULL},
    [O_CHECK] = {"check", 0, NULL, "print the names of files that are not formatted; change nothing",
                 NULL},
};

const cli_cmd cmd_fmt_args = {
    .name = "fmt",
    .synopsis =
        "usage: slate fmt [-w | --check] FILE...\n"
        "\n"
        "Format policy files in the canonical layout: 4-space indentation, one blank\n"
        "line between declarations, aligned columns, comments kept where they were.\n"
        "With no option the formatted text is printed on stdout.  `-` reads stdin.\n"
        "A file with syntax errors is not formatted; its errors are printed.\n"
        "\n",
    .opts = opts,
    .nopts = CLI_NOPTS(opts),
    .column = 13,
    .epilogue =
        "\n"
        "exit status: 0 ok (with --check: every file is formatted), 1 syntax errors or\n"
        "(with --check) some file would change, 2 usage error, 3 unreadable or unwritable\n"
        "file\n",
};

/* Replace `path` with `len` bytes of `text`: a temporary file in the same
 * directory, given the old file's mode, then renamed over it, so a reader sees
 * the old file or the new one and never half of one.  Follows a symlink to the
 * file it names.  Returns EXIT_OK or EXIT_IO (a message is printed). */
static int write_in_place(const char *path, const char *text, size_t len)
{
    char real[PATH_MAX];
    if (!realpath(path, real)) {
        fprintf(stderr, "slate fmt: cannot resolve %s: %s\n", path, strerror(errno));
        return EXIT_IO;
    }
    struct stat st;
    if (stat(real, &st) != 0) {
        fprintf(stderr, "slate fmt: cannot stat %s: %s\n", path, strerror(errno));
        return EXIT_IO;
    }
    const char *slash = strrchr(real, '/');
    size_t dlen = slash ? (size_t)(slash - real) + 1 : 0;
    char tmp[PATH_MAX + 32];
    snprintf(tmp, sizeof tmp, "%.*s.%s.fmt-XXXXXX", (int)dlen, real, slash ? slash + 1 : real);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "slate fmt: cannot create a temporary file for %s: %s\n", path,
                strerror(errno));
        return EXIT_IO;
    }
    const char *what = "write";
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) goto fail;
        done += (size_t)w;
    }
    what = "set the mode of";
    if (fchmod(fd, st.st_mode & 07777) != 0) goto fail;
    what = "write";
    if (fsync(fd) != 0) goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    what = "replace";
    if (rename(tmp, real) != 0) goto fail;
    return EXIT_OK;
fail:;
    int e = errno;
    if (fd >= 0) close(fd);
    unlink(tmp);
    fprintf(stderr, "slate fmt: cannot %s %s: %s\n", what, path, strerror(e));
    return EXIT_IO;
}

int cmd_fmt(int argc, char **argv)
{
    int write_back = 0, check = 0, stdin_used = 0, rc = EXIT_OK;
    cli_parser ap;
    cli_args(&ap, &cmd_fmt_args, argc, argv);
    for (int k; (k = cli_next(&ap)) != CLI_END;) {
        if (k == CLI_STOP) return ap.status;
        if (k == O_WRITE) write_back = 1;
        else if (k == O_CHECK) check = 1;
        else stdin_used += !strcmp(ap.arg, "-");
    }
    int nfiles = ap.noperands;
    if (!nfiles) return cli_usage_error("fmt", "no policy file given");
    if (write_back && check) return cli_usage_error("fmt", "`-w` and `--check` do not go together");
    if (write_back && stdin_used) return cli_usage_error("fmt", "`-w` cannot rewrite stdin");
    if (stdin_used > 1) return cli_usage_error("fmt", "`-` given more than once");

    for (int i = 1; i <= nfiles; i++) {
        const char *path = argv[i];
        const char *name = strcmp(path, "-") ? path : "<stdin>";
        if (!write_back && !check && cli_refuse_clobber("fmt", NULL, NULL, "policy", path)) {
            rc = EXIT_USAGE;
            continue;
        }
        size_t len;
        char *src = slatec_read_file(path, &len);
        if (!src) {
            fprintf(stderr, "slate fmt: cannot read %s: %s\n", name, strerror(errno));
            rc = EXIT_IO;
            continue;
        }
        char *out;
        size_t olen;
        int r = cli_compile_status(slatec_fmt(name, src, len, stderr, &out, &olen));
        if (r == 0) {
            int same = olen == len && !memcmp(out, src, len);
            if (check) {
                if (!same) {
                    printf("%s\n", name);
                    r = EXIT_INPUT;
                }
            } else if (write_back) {
                if (!same) r = write_in_place(path, out, olen);
            } else if (fwrite(out, 1, olen, stdout) != olen) {
                fprintf(stderr, "slate fmt: cannot write stdout: %s\n", strerror(errno));
                r = EXIT_IO;
            }
        }
        free(out);
        free(src);
        if (r > rc) rc = r;
    }
    if (fflush(stdout) != 0 && rc < EXIT_IO) {
        fprintf(stderr, "slate fmt: cannot write stdout: %s\n", strerror(errno));
        rc = EXIT_IO;
    }
    return rc;
}
