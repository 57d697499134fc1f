/*
 * arena.h - bump allocation for the compiler.
 *
 * A compile makes many small nodes that all die together; an arena frees them in
 * one call and makes leaks impossible by construction.  Not for the runtime, whose
 * memory comes from the embedder's allocator.
 */
#ifndef SLATE_ARENA_H
#define SLATE_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block;

typedef struct arena {
    arena_block *head;
} arena;

/* Zeroed storage aligned for any type; NULL only when malloc fails. */
void *arena_alloc(arena *a, size_t size);

/* Free every block; the arena is empty and reusable afterwards. */
void arena_free(arena *a);

#endif
