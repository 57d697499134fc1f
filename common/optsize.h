/*
 * optsize.h - reading an options struct that starts with its own size, by the
 * policy of slate.h's "ABI" section: size 0 is the struct as first published, a
 * larger struct than ours is fine when the members we do not know are all 0.
 * Header-only, so each library that reads such a struct has its own copy.  Not
 * here: the defaults of any member (every default is 0 by that policy).
 */
#ifndef SLATE_OPTSIZE_H
#define SLATE_OPTSIZE_H

#include <stddef.h>
#include <string.h>

/* No options struct will ever be this large: a size past it is garbage, and its
 * "tail" is not read. */
#define OPTS_MAX_SIZE 4096

/* Copy the caller's struct `theirs` (whose first member is a size_t size) into
 * ours, `mine` of mine_size bytes, members it lacks zeroed.  first_size is the
 * size of the first published struct.  0, or -1 (mine all zero) when the size is
 * one this library cannot honour. */
static inline int opts_copy(void *mine, size_t mine_size, size_t first_size, const void *theirs)
{
    size_t size;
    memset(mine, 0, mine_size);
    memcpy(&size, theirs, sizeof size);
    if (size == 0) size = first_size;
    if (size < first_size || size > OPTS_MAX_SIZE) return -1;
    if (size > mine_size) {
        const unsigned char *tail = (const unsigned char *)theirs + mine_size;
        for (size_t i = 0; i < size - mine_size; i++)
            if (tail[i]) return -1;
        size = mine_size;
    }
    memcpy(mine, theirs, size);
    return 0;
}

#endif
