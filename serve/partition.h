/*
 * partition.h - which partition a case belongs to: the one hash every tool and
 * language binding must compute the same way (docs/deploy.md, "Partitions").
 *
 * It only maps a case id to a partition number.  It does not know subjects,
 * streams or engines (serve/js.h names those), nor what to do with an event that
 * has no case (`slate publish` decides: partition 0, or every partition for a
 * `tick`).  A later change may move the declaration into include/slate.h.
 */
#ifndef SLATE_PARTITION_H
#define SLATE_PARTITION_H

#include <stddef.h>

/* The partition of the case whose id is the `len` bytes at `id` (not
 * NUL-terminated necessarily; the bytes exactly as in the event's "case" string,
 * UTF-8, no normalisation), among `nparts` partitions numbered 0..nparts-1:
 *
 *     FNV-1a 64-bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3) over
 *     the bytes, then the unsigned 64-bit hash modulo nparts.
 *
 * Total: any bytes, len 0 included (the hash of nothing is the offset basis).
 * nparts 0 is taken as 1.  Changing this function moves cases between
 * partitions, which breaks every running cluster: it is frozen. */
unsigned slate_partition(const char *id, size_t len, unsigned nparts);

#endif
