/*
 * image_rec.h - one encoder and one decoder for the records of each image
 * section, generated from image.def: img_put_ID(bytes, &record) writes a
 * record of section ID, img_get_ID(bytes, &record) reads one.
 *
 * Private to the writer (compiler/emit.c) and the loader (bytecode/load.c).
 * A decoder reads exactly IMG_SIZE_ID bytes and checks nothing: the loader has
 * checked the section's length against its record count before, and the
 * verifier checks the values after.  What is not a plain copy (packed strings,
 * calendar slices, the meta record) is the walks' business, not this file's.
 */
#ifndef SLATE_IMAGE_REC_H
#define SLATE_IMAGE_REC_H

#include <stddef.h>
#include <stdint.h>

#include "calendar.h"
#include "image.h"
#include "program.h"

/* A calendars record: a cal_table with its name, and the first index and
 * count of each of its tables in calweek, calclosed and caloffsets. */
typedef struct img_calendar {
    uint32_t name;
    int64_t workday_ms;
    uint32_t first_week, nweek;
    uint32_t first_closed, nclosed;
    uint32_t first_offset, noffsets;
} img_calendar;

/* The wire types: the C type a member must have, and its accessors. */
typedef uint8_t img_U8;
typedef uint16_t img_U16;
typedef uint32_t img_U32;
typedef int32_t img_S32;
typedef int64_t img_S64;
static inline void img_w_U8(uint8_t *p, uint8_t v) { p[0] = v; }
static inline void img_w_U16(uint8_t *p, uint16_t v) { img_put16(p, v); }
static inline void img_w_U32(uint8_t *p, uint32_t v) { img_put32(p, v); }
static inline void img_w_S32(uint8_t *p, int32_t v) { img_put32(p, (uint32_t)v); }
static inline void img_w_S64(uint8_t *p, int64_t v) { img_put64(p, (uint64_t)v); }
static inline uint8_t img_r_U8(const uint8_t *p) { return p[0]; }
static inline uint16_t img_r_U16(const uint8_t *p) { return img_get16(p); }
static inline uint32_t img_r_U32(const uint8_t *p) { return img_get32(p); }
static inline int32_t img_r_S32(const uint8_t *p) { return (int32_t)img_get32(p); }
static inline int64_t img_r_S64(const uint8_t *p) { return (int64_t)img_get64(p); }

/* Encoders.  Each field's member must have exactly its wire type (not a wider
 * or differently signed one), so a record cannot silently truncate a value. */
#define SECTION(id, num, name, type)                                  \
    static inline void img_put_##id(uint8_t *d, const type *r)        \
    {                                                                 \
        size_t o = 0;
#define FIELD(wire, member)                                                             \
    _Static_assert(_Generic(r[0] member, img_##wire: 1, default: 0),                    \
                   "image.def: " #member " is not of wire type " #wire);                \
    img_w_##wire(d + o, r[0] member);                                                   \
    o += IMG_WLEN_##wire;
#define END }
#include "image.def"

/* Decoders: the exact inverse. */
#define SECTION(id, num, name, type)                                  \
    static inline void img_get_##id(const uint8_t *s, type *r)        \
    {                                                                 \
        size_t o = 0;
#define FIELD(wire, member)                 \
    r[0] member = img_r_##wire(s + o);      \
    o += IMG_WLEN_##wire;
#define END }
#include "image.def"

#endif
