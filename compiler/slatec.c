/*
 * slatec.c - libslatec's public entry points (include/slatec.h): the one place
 * where reading, the front end (frontend.h), the back end (lower.h) and the
 * loader (load.h) are put together, so every command, benchmark and fuzz
 * target compiles the same way.  It implements no pass of its own.
 *
 * Verification: cg_compile() verifies the lowered code (that run is what finds
 * the step bound written into the image), then the image bytes are loaded
 * here, which decodes and verifies them once more; that loaded program is the
 * one handed out.  Nothing else verifies, and no program is loaded only to be
 * thrown away.
 */
#include "slatec.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "disasm.h"
#include "fmt.h"
#include "frontend.h"
#include "image.h"
#include "load.h"
#include "lower.h"
#include "tiers_int.h"

/* The members a caller compiled against the first version of the struct has:
 * a smaller size cannot be a slatec_opts. */
#define OPTS_V1_SIZE (offsetof(slatec_opts, warnings) + sizeof(int))

/* Copy the caller's options into a full struct (members past its size zero).
 * Returns 0, or -1 when the size is not one this library can honour. */
static int take_opts(const slatec_opts *o, slatec_opts *mine)
{
    memset(mine, 0, sizeof *mine);
    if (!o) return 0;
    if (o->size < OPTS_V1_SIZE || o->size > sizeof *mine) return -1;
    memcpy(mine, o, o->size);
    return 0;
}

/* diag.c's record, as the public struct for opts->on_diag. */
static void to_public(void *arg, const diag_item *it)
{
    const slatec_opts *o = arg;
    static const char *const names[] = {"error", "warning", "note"};
    slatec_diag d = {it->file,         it->loc.line, it->loc.col, it->loc.end_line,
                     it->loc.end_col,  names[it->level], it->code, it->message,
                     it->hint};
    o->on_diag(o->on_diag_arg, &d);
}

/* Hand the counts back, and end with the summary line when asked. */
static void give_counts(slatec_opts *o, const slatec_opts *mine, const fe_unit *u)
{
    if (mine->summary && mine->diag && u->diag.out) diag_summary(&u->diag);
    if (!o) return;
    o->errors = u->diag.errors;
    o->warnings = u->diag.warnings;
}

const char *slatec_errstr(int rc)
{
    switch (rc) {
    case SLATEC_IO: return "cannot read the file";
    case SLATEC_INTERNAL: return "internal error";
    default: return slate_errstr(rc);
    }
}

char *slatec_read_file(const char *path, size_t *len)
{
    if (!path || !len) {
        errno = EINVAL;
        return NULL;
    }
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
        if (!nb) {
            free(buf);
            errno = ENOMEM;
        }
        buf = nb;
    }
    if (f != stdin) fclose(f);
    if (!buf) return NULL;
    if (err) {
        free(buf);
        errno = err;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The file named `file`, for a call given no text: SLATE_OK with *text set, or
 * the failure reported. */
static int read_source(const slatec_opts *o, const char *file, char **text, size_t *len)
{
    *text = slatec_read_file(file, len);
    if (*text) return SLATE_OK;
    int e = errno;
    if (o->on_diag) {
        char msg[512];
        snprintf(msg, sizeof msg, "cannot read %s: %s", file, strerror(e));
        slatec_diag d = {file, 0, 0, 0, 0, "error", NULL, msg, NULL};
        o->on_diag(o->on_diag_arg, &d);
    } else if (o->diag) {
        fprintf(o->diag, "slate: cannot read %s: %s\n", file, strerror(e));
    }
    return e == ENOMEM ? SLATE_NOMEM : SLATEC_IO;
}

/* Read (when src is NULL), parse and check into *u.  Returns a result code;
 * the unit is to be released with fe_release() in every case. */
static int front(const slatec_opts *o, const char *file, const char *src, size_t len, fe_unit *u)
{
    memset(u, 0, sizeof *u);
    char *text = NULL;
    if (!src) {
        int rc = read_source(o, file, &text, &len);
        if (rc != SLATE_OK) return rc;
        src = text;
    }
    int rc = fe_load_text_sink(u, file, src, len, o->diag, o->werror,
                               o->on_diag ? to_public : NULL, (void *)o);
    free(text);
    return rc == 0 ? SLATE_OK : rc == 1 ? SLATE_ERROR : SLATE_NOMEM;
}

int slatec_check(slatec_opts *o, const char *file, const char *src, size_t len)
{
    slatec_opts mine;
    if (!file || take_opts(o, &mine)) return SLATE_MISUSE;
    fe_unit u;
    int rc = front(&mine, file, src, len, &u);
    /* Everything `build` refuses, `check` reports: run the back end too, and
     * throw the image away. */
    if (rc == SLATE_OK) {
        uint8_t *img;
        size_t n;
        if (cg_compile(u.ast, &u.diag, &img, &n)) rc = u.diag.errors ? SLATE_ERROR : SLATE_NOMEM;
        else free(img);
    }
    give_counts(o, &mine, &u);
    fe_release(&u);
    return rc;
}

int slatec_tiers_new(slatec_opts *o, const char *file, const char *src, size_t len,
                     slatec_tiers **out)
{
    if (out) *out = NULL;
    slatec_opts mine;
    if (!file || !out || take_opts(o, &mine)) return SLATE_MISUSE;
    slatec_tiers *t = calloc(1, sizeof *t);
    if (!t) return SLATE_NOMEM;
    int rc = front(&mine, file, src, len, &t->u);
    give_counts(o, &mine, &t->u);
    if (rc == SLATE_OK && why_index(t)) rc = SLATE_NOMEM;
    if (rc != SLATE_OK) {
        slatec_tiers_free(t);
        return rc;
    }
    *out = t;
    return SLATE_OK;
}

/* The back end on a checked unit: the image, loaded. */
static int back(fe_unit *u, slate_program **prog, uint8_t **image, size_t *image_len)
{
    uint8_t *img;
    size_t n;
    if (cg_compile(u->ast, &u->diag, &img, &n)) return u->diag.errors ? SLATE_ERROR : SLATE_NOMEM;
    slate_program *p;
    char err[256];
    if (load_image(img, n, &p, err, sizeof err)) {
        free(img);
        if (!strncmp(err, "out of memory", 13)) return SLATE_NOMEM;
        /* The writer and the loader disagree, or the loader's verifier and the
         * compiler's: a bug of ours, named at the policy's header. */
        diag_error(&u->diag, u->ast->header_loc, NULL, "internal error: the image does not load back: %s",
                   err);
        return SLATE_ERROR;
    }
    if (prog) *prog = p;
    else slate_program_free(p);
    if (image) *image = img;
    else free(img);
    if (image_len) *image_len = n;
    return SLATE_OK;
}

int slatec_compile(slatec_opts *o, const char *file, const char *src, size_t len,
                   slate_program **prog, uint8_t **image, size_t *image_len)
{
    if (prog) *prog = NULL;
    if (image) *image = NULL;
    if (image_len) *image_len = 0;
    slatec_opts mine;
    if (!file || take_opts(o, &mine)) return SLATE_MISUSE;
    fe_unit u;
    int rc = front(&mine, file, src, len, &u);
    if (rc == SLATE_OK) rc = back(&u, prog, image, image_len);
    give_counts(o, &mine, &u);
    fe_release(&u);
    return rc;
}

int slatec_is_image(const void *bytes, size_t len)
{
    return bytes && len >= IMG_MAGIC_LEN && !memcmp(bytes, IMG_MAGIC, IMG_MAGIC_LEN);
}

/* An image, loaded as slate_program_load() loads it. */
static int load_bytes(slatec_opts *o, const void *bytes, size_t len, slate_program **prog,
                      uint8_t **image, size_t *image_len, char **err)
{
    if (o) o->errors = o->warnings = 0;
    uint8_t *copy = NULL;
    if (image) {
        if (!(copy = malloc(len))) return SLATE_NOMEM;
        memcpy(copy, bytes, len);
    }
    slate_program *p;
    int rc = slate_program_load(bytes, len, &p, err);
    if (rc != SLATE_OK) {
        free(copy);
        return rc;
    }
    if (prog) *prog = p;
    else slate_program_free(p);
    if (image) *image = copy;
    if (image_len) *image_len = len;
    return SLATE_OK;
}

int slatec_load(slatec_opts *o, const char *file, const void *bytes, size_t len,
                slate_program **prog, uint8_t **image, size_t *image_len, char **err)
{
    if (err) *err = NULL;
    if (prog) *prog = NULL;
    if (image) *image = NULL;
    if (image_len) *image_len = 0;
    slatec_opts mine;
    if (!file || take_opts(o, &mine)) return SLATE_MISUSE;
    char *text = NULL;
    if (!bytes) {
        int rc = read_source(&mine, file, &text, &len);
        if (rc != SLATE_OK) return rc;
        bytes = text;
    }
    int rc = slatec_is_image(bytes, len) ? load_bytes(o, bytes, len, prog, image, image_len, err)
                                         : slatec_compile(o, file, bytes, len, prog, image, image_len);
    free(text);
    return rc;
}

int slatec_fmt(const char *file, const char *src, size_t len, FILE *diag, char **out,
               size_t *out_len)
{
    if (out) *out = NULL;
    if (out_len) *out_len = 0;
    if (!file || !diag || !out || !out_len) return SLATE_MISUSE;
    int rc = fmt_source(file, src, len, diag, out, out_len);
    return rc == 0 ? SLATE_OK : rc == 1 ? SLATE_ERROR : SLATEC_INTERNAL;
}

void slatec_disasm(const slate_program *prog, size_t image_len, FILE *out)
{
    if (prog && out) dis_program(prog, image_len, out);
}
