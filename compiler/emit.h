/*
 * emit.h - the image writer: a program in its loaded form -> image bytes.
 *
 * Place in the pipeline: lowering (lower.h) builds a slate_program in memory;
 * this file serialises it in the layout of bytecode/image.def, the exact inverse
 * of bytecode/load.c, and appends the SHA-256 that names the policy.  The output is
 * a pure function of the program, so equal programs give equal bytes.
 */
#ifndef SLATE_EMIT_H
#define SLATE_EMIT_H

#include <stddef.h>
#include <stdint.h>

#include "program.h"

/* Serialise `p` (hash, hash_hex and owner are ignored; max_steps is written as
 * given).  Returns 0 with a malloc'd image in *out (caller frees) and its length
 * in *len, or -1 with a message in err when memory runs out or a table does not
 * fit the format. */
int cg_write_image(const slate_program *p, uint8_t **out, size_t *len, char *err, size_t errsize);

#endif
