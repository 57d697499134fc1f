/*
 * frontend.c - the parse/check sequence behind frontend.h.
 */
#include "frontend.h"

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "parse.h"

int fe_load_text(fe_unit *u, const char *file, const char *src, size_t len, FILE *out,
                 int werror)
{
    return fe_load_text_sink(u, file, src, len, out, werror, NULL, NULL);
}

int fe_load_text_sink(fe_unit *u, const char *file, const char *src, size_t len, FILE *out,
                      int werror, diag_sink_fn *sink, void *sink_arg)
{
    memset(u, 0, sizeof *u);
    u->src = malloc(len + 1);
    if (!u->src) return 3;
    memcpy(u->src, src, len);
    u->src[len] = '\0';
    u->len = len;
    diag_init(&u->diag, file, u->src, len, out);
    u->diag.werror = werror;
    u->diag.sink = sink;
    u->diag.sink_arg = sink_arg;
    /* The parser's and the checker's diagnostics in one source order. */
    diag_hold(&u->diag);
    u->ast = parse_policy(file, u->src, len, &u->diag);
    if (u->ast) chk_policy(u->ast, &u->diag);
    diag_release(&u->diag);
    if (!u->ast) return 3;
    return u->diag.errors ? 1 : 0;
}

void fe_release(fe_unit *u)
{
    ast_free(u->ast);
    free(u->src);
    memset(u, 0, sizeof *u);
}
