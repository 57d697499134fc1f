/*
 * load.h - the loader's internal entry point (slate_program_load() is the public
 * one).  The compiler uses it to check its own output and the disassembler to
 * read images; the error text comes back in a caller buffer instead of malloc'd.
 */
#ifndef SLATE_LOAD_H
#define SLATE_LOAD_H

#include <stddef.h>

#include "program.h"
#include "slate.h"

/* Decode `len` bytes of an image (copied; the caller keeps its buffer) and verify
 * the program.  Returns 0 with *prog set (free with slate_program_free()), or -1
 * with *prog NULL and a message such as "code[17]: jump backwards" in err
 * ("out of memory ..." when an allocation failed). */
int load_image(const void *bytes, size_t len, slate_program **prog, char *err, size_t errsize);
/* The same, with every allocation (the program, the verifier's scratch) from
 * `al` (NULL: malloc); the program frees itself through it. */
int load_image_al(const void *bytes, size_t len, const slate_allocator *al, slate_program **prog,
                  char *err, size_t errsize);

#endif
