/*
 * partition.c - FNV-1a 64-bit of a case id, modulo the number of partitions.
 * Chosen because it is a dozen lines in any language (docs/deploy.md gives it in
 * C, Python and Go), has no seed to agree on, and spreads short ids with common
 * prefixes ("C000001", "C000002", ...) evenly.  Not a cryptographic hash: a
 * sender who picks case ids can pile them on one partition, which costs speed,
 * never correctness.
 */
#include <stdint.h>

#include "partition.h"

unsigned slate_partition(const char *id, size_t len, unsigned nparts)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)id[i];
        h *= UINT64_C(0x100000001b3);
    }
    return nparts > 1 ? (unsigned)(h % nparts) : 0;
}
