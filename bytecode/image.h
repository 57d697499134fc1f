/*
 * image.h - the on-disk bytecode image: section ids, record sizes, byte order.
 *
 * The image writer (compiler/emit.c) and the loader (bytecode/load.c) are the only
 * two places that know the byte layout; docs/bytecode.md describes it for people.
 * Everything is little-endian and read byte by byte, so the image needs no
 * alignment and the host's byte order does not matter.
 *
 *   header   "SLATEBC\0", u32 format version, u32 flags (0), u32 total length,
 *            u32 section count, then the directory: per section u32 id, u32
 *            offset (from the start of the image), u32 length
 *   sections in ascending id order, each exactly once, not overlapping; each is
 *            u32 record count followed by that many fixed-size records
 *   trailer  the 32-byte SHA-256 of every byte before it (the policy hash)
 */
#ifndef SLATE_IMAGE_H
#define SLATE_IMAGE_H

#include <stdint.h>
#include <string.h>

#define IMG_MAGIC "SLATEBC" /* plus its NUL: 8 bytes */
#define IMG_MAGIC_LEN 8
/* Format 2 added the fused compare-and-jump opcodes (JEQ.., FJEQ..); the layout
 * is unchanged, so the loader reads format 1 images too (their code simply
 * never uses the new opcodes).  An older runtime refuses a format 2 image by
 * its version instead of by an unknown opcode. */
#define IMG_FORMAT 2u
#define IMG_FORMAT_OLDEST 1u
#define IMG_HEADER_LEN 24u  /* magic, version, flags, length, section count */
#define IMG_DIRENT_LEN 12u
#define IMG_HASH_LEN 32u
#define IMG_MAX_LEN 0x7FFFFFFFu /* offsets are u32; keep well inside them */

/* Sections: SEC(ENUM_ID, number, "name", record size in bytes).  The number is
 * the id stored in the directory; they are stored in this order. */
#define IMG_SECTIONS(SEC)                  \
    SEC(STRDATA, 1, "strdata", 1)          \
    SEC(STRINGS, 2, "strings", 8)          \
    SEC(CONSTS, 3, "consts", 8)            \
    SEC(FIELDS, 4, "fields", 13)           \
    SEC(ENUMVALS, 5, "enumvals", 4)        \
    SEC(LEVELS, 6, "levels", 4)            \
    SEC(EVENTS, 7, "events", 16)           \
    SEC(EVOPS, 8, "evops", 3)              \
    SEC(CLOCKS, 9, "clocks", 16)           \
    SEC(CALENDARS, 10, "calendars", 36)    \
    SEC(CALWEEK, 11, "calweek", 16)        \
    SEC(CALCLOSED, 12, "calclosed", 4)     \
    SEC(CALOFFSETS, 13, "caloffsets", 16)  \
    SEC(TARGETS, 14, "targets", 24)        \
    SEC(STEPS, 15, "steps", 18)            \
    SEC(TIERS, 16, "tiers", 19)            \
    SEC(LADDERS, 17, "ladders", 4)         \
    SEC(RULES, 18, "rules", 10)            \
    SEC(EMITS, 19, "emits", 12)            \
    SEC(EMITARGS, 20, "emitargs", 3)       \
    SEC(CODE, 21, "code", 8)               \
    SEC(LINES, 22, "lines", 4)             \
    SEC(META, 23, "meta", 24)

enum img_section {
#define SEC(id, num, name, size) IMG_S_##id = num,
    IMG_SECTIONS(SEC)
#undef SEC
};

#define IMG_NSECTIONS 23u

/* Little-endian accessors on unaligned bytes. */
static inline void img_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void img_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void img_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint16_t img_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}
static inline uint32_t img_get32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = v << 8 | p[i];
    return v;
}
static inline uint64_t img_get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

#endif
