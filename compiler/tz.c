/*
 * tz.c - TZif reader behind tz.h.  (Zone lookup only so far; the offset table
 * reader is being written with the calendar compiler.)
 */
#include "tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *tz_dir(void)
{
    const char *d = getenv("SLATE_ZONEINFO");
    return d && *d ? d : "/usr/share/zoneinfo";
}

int tz_zone_known(const char *zone)
{
    if (!zone || !*zone || zone[0] == '/' || strstr(zone, "..")) return 0;
    if (!strcmp(zone, "UTC")) return 1;
    char path[1024];
    if (snprintf(path, sizeof path, "%s/%s", tz_dir(), zone) >= (int)sizeof path) return 0;
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char magic[4];
    int ok = fread(magic, 1, 4, f) == 4 && !memcmp(magic, "TZif", 4);
    fclose(f);
    return ok;
}
