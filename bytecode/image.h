/*
 * image.h - the on-disk bytecode image: header layout, section ids, record
 * sizes, byte order.
 *
 * The sections and the fields of their records are declared once, in
 * image.def; this header derives the ids, the count and the record sizes from
 * it, image_rec.h the record encoders and decoders, and the writer
 * (compiler/emit.c) and the loader (bytecode/load.c) their walks over the
 * sections.  docs/bytecode.md describes the layout for people.  Everything is
 * little-endian and read byte by byte, so the image needs no alignment and the
 * host's byte order does not matter.  Nothing here checks values: the loader
 * and the verifier do.
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
 * its version instead of by an unknown opcode.  Format 3 added one section,
 * `required` (the last): a format 1 or 2 image has the sections before it
 * (IMG_NSECTIONS_FORMAT2) and requires no field.  The writer writes the
 * oldest format that holds the program (img_format_for), so a policy that
 * requires no field has the same bytes (and hash) as before format 3.  Format
 * 4 added `calopen` and `targetcals` (the last two): a program with neither
 * `open` dates nor a calendar chosen by a field is written as before.
 * Format 5 added `reopen` (the last) the same way: an image without it has
 * the sections of format 4 (or older) and no closed case comes back. */
#define IMG_FORMAT 5u
#define IMG_FORMAT_OLDEST 1u
#define IMG_HEADER_LEN 24u  /* magic, version, flags, length, section count */
#define IMG_DIRENT_LEN 12u
#define IMG_HASH_LEN 32u
#define IMG_MAX_LEN 0x7FFFFFFFu /* offsets are u32; keep well inside them */

/* Bytes of each wire type of image.def's fields. */
#define IMG_WLEN_U8 1
#define IMG_WLEN_U16 2
#define IMG_WLEN_U32 4
#define IMG_WLEN_S32 4
#define IMG_WLEN_S64 8

/* The id each section has in the directory (IMG_S_STRDATA = 1, ...). */
enum img_section {
#define SECTION(id, num, name, type) IMG_S_##id = num,
#include "image.def"
};

/* Its place in image.def, from 0; IMG_NSECTIONS counts them. */
enum img_section_place {
#define SECTION(id, num, name, type) IMG_P_##id,
#include "image.def"
    IMG_NSECTIONS_
};
#define IMG_NSECTIONS ((uint32_t)IMG_NSECTIONS_)
/* The sections of a format 1 or 2 image: all up to `meta`. */
#define IMG_NSECTIONS_FORMAT2 ((uint32_t)IMG_S_META)
/* The sections of a format 3 image: all up to `required`. */
#define IMG_NSECTIONS_FORMAT3 ((uint32_t)IMG_S_REQUIRED)
/* The sections of a format 4 image: all up to `targetcals`. */
#define IMG_NSECTIONS_FORMAT4 ((uint32_t)IMG_S_TARGETCALS)

/* The format an image of a program with `nrequired` required fields, `nopen`
 * open-day spans, `ntargetcals` field-chosen calendars and `nreopen` reopening
 * events is written in, and the sections an image of `format` has. */
static inline uint32_t img_format_for(uint32_t nrequired, uint32_t nopen, uint32_t ntargetcals,
                                      uint32_t nreopen)
{
    return nreopen ? 5u : nopen || ntargetcals ? 4u : nrequired ? 3u : 2u;
}
static inline uint32_t img_nsections(uint32_t format)
{
    return format >= 5u   ? IMG_NSECTIONS
           : format == 4u ? IMG_NSECTIONS_FORMAT4
           : format == 3u ? IMG_NSECTIONS_FORMAT3
                          : IMG_NSECTIONS_FORMAT2;
}

/* The loader finds section `id` at place id - 1, and the format wants them in
 * ascending order: so the ids must be 1, 2, 3 ... in the order listed. */
#define SECTION(id, num, name, type) \
    _Static_assert(IMG_S_##id == IMG_P_##id + 1, "image.def: " #id " is not numbered in order");
#include "image.def"

/* The size of one record of each section: the sum of its fields' wire sizes. */
enum img_record_size {
#define SECTION(id, num, name, type) IMG_SIZE_##id = 0
#define FIELD(wire, member) +IMG_WLEN_##wire
#define END ,
#include "image.def"
};

/* Little-endian accessors on unaligned bytes.  Spelled out byte by byte (not
 * as loops) so that compilers merge them into one load or store where the host
 * allows; the result never depends on the host's byte order. */
static inline void img_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void img_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void img_put64(uint8_t *p, uint64_t v)
{
    img_put32(p, (uint32_t)v);
    img_put32(p + 4, (uint32_t)(v >> 32));
}
static inline uint16_t img_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}
static inline uint32_t img_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t img_get64(const uint8_t *p)
{
    return (uint64_t)img_get32(p) | (uint64_t)img_get32(p + 4) << 32;
}

#endif
