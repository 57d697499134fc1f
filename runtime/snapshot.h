/*
 * snapshot.h - the frame of an engine snapshot (snapshot.c; docs/snapshot.md):
 * for the engine and for tests that forge snapshots to reach the decoder.
 *
 * Private to libslate.  Not here: the body's layout (snapshot.c and
 * snapshot_cases.c alone read and write it) or the public calls (slate.h).
 */
#ifndef SLATE_SNAPSHOT_H
#define SLATE_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#define SN_MAGIC "SLATESNP"  /* bytes 0-7 */
#define SN_VERSION 2u        /* bytes 8-11, little-endian; 12-15 are 0.  Written
                                only for an engine holding events within the
                                tolerance (or a latest time past its
                                watermark); else 1, which has no section 7 */
#define SN_OFF_LENGTH 16     /* the whole snapshot's length, 8 bytes little-endian */
#define SN_OFF_HASH 24       /* the program's SHA-256, 32 bytes */
#define SN_HEAD 56           /* the body starts here */
#define SN_TAIL 8            /* sn_checksum of everything before it, little-endian */

/* The snapshot's checksum of n bytes. */
uint64_t sn_checksum(const void *p, size_t n);

#endif
