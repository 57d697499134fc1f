/*
 * frontend.c - the read/parse/check sequence behind frontend.h.
 */
#include "frontend.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "parse.h"

char *fe_read_file(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 14, n = 0;
    char *buf = malloc(cap);
    int err = 0;
    while (buf) {
        errno = 0;
        n += fread(buf + n, 1, cap - n - 1, f);
        /* the system's reason ("Is a directory"), not a generic one */
        if (ferror(f)) err = errno ? errno : EIO;
        if (n < cap - 1) break;
        char *nb = realloc(buf, cap *= 2);
        if (!nb) { free(buf); buf = NULL; errno = ENOMEM; }
        buf = nb;
    }
    if (f != stdin) fclose(f);
    if (!buf) return NULL;
    if (err) { free(buf); errno = err; return NULL; }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int fe_load_text(fe_unit *u, const char *file, const char *src, size_t len, FILE *out,
                 int werror)
{
    memset(u, 0, sizeof *u);
    u->src = malloc(len + 1);
    if (!u->src) return 3;
    memcpy(u->src, src, len);
    u->src[len] = '\0';
    u->len = len;
    diag_init(&u->diag, file, u->src, len, out);
    u->diag.werror = werror;
    u->ast = parse_policy(file, u->src, len, &u->diag);
    if (!u->ast) return 3;
    chk_policy(u->ast, &u->diag);
    return u->diag.errors ? 1 : 0;
}

int fe_load(fe_unit *u, const char *path, FILE *out, int werror)
{
    memset(u, 0, sizeof *u);
    size_t len;
    char *src = fe_read_file(path, &len);
    if (!src) {
        fprintf(out, "slate: cannot read %s: %s\n", path, strerror(errno));
        return 3;
    }
    int rc = fe_load_text(u, path, src, len, out, werror);
    free(src);
    return rc;
}

void fe_release(fe_unit *u)
{
    ast_free(u->ast);
    free(u->src);
    memset(u, 0, sizeof *u);
}
