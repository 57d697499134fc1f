/*
 * tz.h - read IANA time zones from the system's zoneinfo at compile time.
 *
 * Only the compiler uses this: it turns a zone into the UTC-offset table that the
 * compiled calendar carries, so the runtime never needs tz data.  Reads TZif files
 * directly (no TZ environment variable, no tzset: no global state).
 */
#ifndef SLATE_TZ_H
#define SLATE_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "calendar.h"

/* Directory searched for zone files; "/usr/share/zoneinfo" unless the
 * environment variable SLATE_ZONEINFO names another (for tests). */
const char *tz_dir(void);

/* True when `zone` names a readable TZif file under tz_dir() (and is a plain
 * relative name: no "..", no leading '/'). */
int tz_zone_known(const char *zone);

/* The offsets of `zone` in force over [from_ms, to_ms): a malloc'd table whose
 * first entry starts at INT64_MIN; *n receives its length.  "UTC" and NULL give a
 * single zero offset.  Returns NULL with a message in err on failure. */
cal_offset *tz_offsets(const char *zone, int64_t from_ms, int64_t to_ms, uint32_t *n,
                       char *err, size_t errsize);

#endif
