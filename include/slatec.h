/*
 * slatec.h - the whole public API of libslatec, the slate policy compiler.
 *
 * Policy text in; a verified, loaded slate_program (include/slate.h) and, when
 * asked, the image bytes out, or diagnostics.  Diagnostics are printed as
 * `file:line:col: error: message`, the source line and a `^~~~` underline of
 * the span, then an optional hint line, to a stream the caller gives, and
 * counted.  The same source always gives the same image bytes.
 *
 * A program comes out verified exactly as slate_program_load() would verify it,
 * because it *is* the program loaded from the image bytes returned with it:
 * what runs is what `slate build` writes.  The compiler also verifies its
 * lowered code before writing it, which is how it learns the step bound the
 * image states (docs/bytecode.md, "Step bound").
 *
 * Not here: running programs (slate.h), the decision log (slate_log.h).  The
 * calls keep no global state; each may run on its own thread.
 */
#ifndef SLATEC_H
#define SLATEC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "slate.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Result codes: slate.h's SLATE_OK, SLATE_ERROR (the policy has errors, which
 * were reported; or an image was refused), SLATE_NOMEM and SLATE_MISUSE (a NULL
 * argument, an options struct of an unknown size), and these two: */
#define SLATEC_IO 16       /* the file could not be read (reported) */
#define SLATEC_INTERNAL 17 /* slate found a fault of its own (reported): please report it */

/* A short English description of any of these codes (slate_errstr() for the
 * shared ones). */
SLATE_API const char *slatec_errstr(int rc);

/* One diagnostic, for a caller that presents diagnostics itself (`slate check
 * --format json`, an editor).  The strings live for the duration of the call. */
typedef struct slatec_diag {
    const char *file;
    int line, col;         /* from 1; 0 when it is not at a place in the file */
    int end_line, end_col; /* end_col is one past the last column */
    const char *severity;  /* "error", "warning" or "note" */
    const char *code;      /* a stable code from docs/diagnostics.md ("W010"), or NULL */
    const char *message;
    const char *hint;      /* NULL when there is none */
} slatec_diag;

/* Options and counts, for every call that takes them.  Set `size` (the
 * initialiser below does) so that a library built with a larger struct knows
 * which members the caller has; members past `size` take their zero default,
 * and a `size` larger than the library's struct is SLATE_MISUSE. */
typedef struct slatec_opts {
    size_t size;   /* sizeof (slatec_opts) as the caller was compiled with */
    FILE *diag;    /* where diagnostics are printed; NULL: counted only */
    int werror;    /* report warnings as errors (`slate check --werror`) */
    int summary;   /* after the diagnostics of a file, if there were any, print
                      "FILE: N errors, M warnings" */
    /* Out: what the call reported (each call sets both). */
    int errors;
    int warnings;
    /* When set, every diagnostic (and an unreadable file, at line 0) is handed
     * to on_diag(on_diag_arg, ...) instead of being printed to `diag`; `summary`
     * then prints nothing. */
    void (*on_diag)(void *arg, const slatec_diag *d);
    void *on_diag_arg;
} slatec_opts;

/* Defaults: diagnostics counted, not printed; warnings stay warnings. */
#define SLATEC_OPTS_INIT {sizeof(slatec_opts), NULL, 0, 0, 0, 0, NULL, NULL}

/* ---- source -> checked, compiled, loaded ---------------------------------- */

/* Every call below takes the policy as `len` bytes at `src` (need not be
 * NUL-terminated), named `file` in diagnostics (its last path component also
 * names the source in the image); or, when `src` is NULL, the contents of the
 * file `file` ("-": standard input), where an unreadable file is reported as
 * "slate: cannot read FILE: REASON" and gives SLATEC_IO. */

/* Parse and check the policy, and lower it as slatec_compile() would (so it
 * reports everything compiling would refuse: a target too long for the image,
 * a zone with leap seconds), keeping no image.  SLATE_OK when it has no
 * errors (warnings, if any, were reported), SLATE_ERROR when it has. */
SLATE_API int slatec_check(slatec_opts *o, const char *file, const char *src, size_t len);

/* Check and compile the policy, then load and verify the image.  On SLATE_OK,
 * for each output pointer that is not NULL: *prog the program (free with
 * slate_program_free()), *image the image bytes (malloc'd; free with free()),
 * *image_len their length.  The bytes always load.  On failure the outputs are
 * NULL and 0. */
SLATE_API int slatec_compile(slatec_opts *o, const char *file, const char *src, size_t len,
                   slate_program **prog, uint8_t **image, size_t *image_len);

/* ---- source or image ------------------------------------------------------ */

/* 1 when `bytes` start with the image magic (a compiled policy), else 0: how
 * slatec_load() tells an image from source, whatever the file is called. */
SLATE_API int slatec_is_image(const void *bytes, size_t len);

/* Load a policy that is either an image or source: an image is loaded as
 * slate_program_load() does (*image a copy of it), source as slatec_compile().
 * An image that is refused gives SLATE_ERROR (or SLATE_NOMEM) and, when `err`
 * is not NULL, the loader's reason in *err (malloc'd; free with slate_free());
 * source diagnostics go where `o` says, and *err stays NULL. */
SLATE_API int slatec_load(slatec_opts *o, const char *file, const void *bytes, size_t len,
                slate_program **prog, uint8_t **image, size_t *image_len, char **err);

/* The whole of a file ("-": standard input), malloc'd and NUL-terminated after
 * its *len bytes; NULL with errno set when it cannot be read. */
SLATE_API char *slatec_read_file(const char *path, size_t *len);

/* ---- the other views of a policy ------------------------------------------ */

/* Print the policy in the canonical layout of docs/fmt.md (`slate fmt`).  On
 * SLATE_OK *out is the text (malloc'd, NUL-terminated, free with free()) and
 * *out_len its length; formatting it again gives the same bytes.  SLATE_ERROR:
 * the policy has syntax errors (reported, with the summary line, to `diag`,
 * which must not be NULL; names are not resolved, so a policy with semantic
 * errors is formatted).  SLATEC_INTERNAL: the result would not mean the same
 * policy, or memory ran out (reported); the input is to be left as it is. */
SLATE_API int slatec_fmt(const char *file, const char *src, size_t len, FILE *diag, char **out,
               size_t *out_len);

/* Print a loaded program for people (`slate disasm`): its name, version and
 * hash, every table, then the code, one instruction a line with its source
 * line.  `image_len` is the size of the image it was loaded from. */
SLATE_API void slatec_disasm(const slate_program *prog, size_t image_len, FILE *out);

/* ---- why a tier applies (`slate explain`) --------------------------------- */

/* A policy's tier conditions, checked and kept for evaluation on values a caller
 * gives (a case's fields as a log recorded them).  The evaluation is the
 * checker's own constant folding with fields read from those values, so it
 * follows the language's rules (docs/language.md), not the compiled selection
 * block; a caller that knows the engine's choice should compare.  Tiers are
 * numbered as slate_program_tier_id() numbers them for the program
 * slatec_compile() gives for the same source (file order), fields as
 * slate_program_field_id() does (declaration order). */
typedef struct slatec_tiers slatec_tiers;

/* Parse and check the policy (diagnostics as `o` says) and keep its tiers.  On
 * SLATE_OK *out is the handle (free with slatec_tiers_free()); else NULL. */
SLATE_API int slatec_tiers_new(slatec_opts *o, const char *file, const char *src, size_t len,
                               slatec_tiers **out);
SLATE_API void slatec_tiers_free(slatec_tiers *t);

/* How many tiers the policy declares (-1 for NULL). */
SLATE_API int slatec_tiers_count(const slatec_tiers *t);

#define SLATEC_WHY_READS 8

/* What decided one tier's condition on the values given. */
typedef struct slatec_why {
    int tier;          /* the tier asked about */
    int has_cond;      /* 0: the default tier (no `when`); the members below are 0 */
    int held;          /* the whole condition's value: 1 held, 0 failed */
    /* The clause that decided, as the author wrote it: for a condition that
     * failed, the first conjunct (left to right, into nested `and`s) that is
     * false; for one that held, the first disjunct (into nested `or`s) that is
     * true.  A failed `or`, a held `and`, `not` and comparisons are clauses
     * whole.  Its span: lines and columns from 1, end_col one past its end. */
    int line, col, end_line, end_col;
    /* The fields it reads, each once, in the order written: field ids, or -1 for
     * `level`; the first SLATEC_WHY_READS of them (nreads counts them all). */
    int nreads;
    int reads[SLATEC_WHY_READS];
} slatec_why;

/* Evaluate tier `tier`'s condition on a case whose field f holds values[f] for
 * f < nvalues (`field` is ignored; ints, bools 0/1, durations in ms and enum
 * value indices in `i`, strings in s/len, which may hold any bytes) at
 * escalation level `level` (an index, from 0).  SLATE_OK with *out filled;
 * SLATE_MISUSE for a NULL argument, a tier out of range or nvalues short of
 * the policy's fields. */
SLATE_API int slatec_tiers_why(const slatec_tiers *t, int tier, const slate_value *values,
                               size_t nvalues, int level, slatec_why *out);

#ifdef __cplusplus
}
#endif

#endif
