/*
 * archive_log.h - `slate archive --log`: a cluster's history (every partition's
 * event stream, checked against its decision stream) written as one
 * partitioned decision log (archive_log.c).  Not the JSON Lines dump
 * (cmd_archive.c).
 */
#ifndef SLATE_ARCHIVE_LOG_H
#define SLATE_ARCHIVE_LOG_H

#include <stdint.h>

#include "js.h"

typedef struct al_opts {
    const char *path;        /* the log to create (must not exist) */
    unsigned nparts;         /* the cluster's partition count */
    int64_t tolerance_ms;    /* the workers' --tolerance */
    int strict;              /* the workers' --strict */
    int quiet;               /* no summary on stderr */
} al_opts;

/* Archive every partition through connection c.  Returns an exit status: 0
 * written, 1 the streams cannot be archived as they are (a decision that
 * differs from the re-run's or is missing, a policy image missing, a stream
 * whose limits removed messages), 3 NATS or the file failed; on failure the
 * file is removed and the reason printed. */
int archive_log(sjs_conn *c, const al_opts *o);

#endif
