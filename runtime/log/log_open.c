/*
 * log_open.c - opening a decision log for reading: the reader (log_read.c),
 * replay's check mode (log_schema.c) and slate_log_verify() (verify.c) all open
 * it here, read-only, and immutable where the file cannot change.
 *
 * SQLite reads a log in WAL mode through two files beside it, PATH-wal and
 * PATH-shm, which it creates for a reader too, and which only the last
 * connection that may write removes.  So a reader here:
 *  - where the file or its directory cannot be written (a read-only mount, a
 *    copy handed to an auditor), opens it `immutable`: no lock, no -shm, no
 *    -wal, nothing created, so a log on read-only media can be audited.  A
 *    -wal that holds rows the file does not (a writer killed before its
 *    checkpoint) is then read the ordinary read-only way if SQLite can, and
 *    otherwise refused by name: immutable would silently read the log without
 *    them;
 *  - elsewhere opens it read-only and, once closed, removes the -wal and -shm
 *    left beside it when the -wal is empty, the way SQLite removes them: a
 *    connection that may write opens, reads, and closes, and only when it is
 *    the last one does SQLite delete them (never under a writer).  Nothing of
 *    the log is written: an empty WAL has nothing to copy back.
 *
 * Not here: the writer's opening (log_schema.c) or any check of what the file
 * holds (the callers').
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log_int.h"

/* 1 when both the file and its directory can be written by this process (as
 * root only a read-only mount says no). */
static int writable_place(const char *path)
{
    if (access(path, W_OK)) return 0;
    const char *slash = strrchr(path, '/');
    if (!slash) return access(".", W_OK | X_OK) == 0;
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *dir = malloc(n + 1);
    if (!dir) return 0; /* then read it immutable: nothing is created */
    memcpy(dir, path, n);
    dir[n] = 0;
    int ok = access(dir, W_OK | X_OK) == 0;
    free(dir);
    return ok;
}

/* "file:" URI of path with `query` (RFC 3986: every byte but the unreserved
 * ones and '/' percent-encoded, so '?', '#' and '%' in a name stay a name). */
static char *file_uri(const char *path, const char *query)
{
    dlog_buf b = {0};
    /* an absolute path gets an empty authority, so "//x" is not a host */
    dlog_buf_puts(&b, path[0] == '/' ? "file://" : "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p))
            dlog_buf_put(&b, p, 1);
        else
            dlog_buf_printf(&b, "%%%02X", *p);
    }
    dlog_buf_printf(&b, "?%s", query);
    dlog_buf_put(&b, "", 1);
    if (b.failed) {
        dlog_buf_free(&b);
        return NULL;
    }
    return b.p;
}

static char *with_suffix(const char *path, const char *suffix)
{
    size_t n = strlen(path), m = strlen(suffix);
    char *s = malloc(n + m + 1);
    if (s) {
        memcpy(s, path, n);
        memcpy(s + n, suffix, m + 1);
    }
    return s;
}

static int open_uri(const char *path, const char *query, sqlite3 **db)
{
    char *uri = file_uri(path, query);
    if (!uri) return SQLITE_NOMEM;
    /* NOMUTEX: one thread per handle (slate_log.h) */
    int rc = sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                             NULL);
    free(uri);
    return rc;
}

int dlog_open_ro(const char *path, int immutable, sqlite3 **db, char **cleanup, char *msg,
                 size_t size)
{
    *db = NULL;
    *cleanup = NULL;
    struct stat st;
    if (stat(path, &st)) {
        snprintf(msg, size, "%s", strerror(errno));
        return SLATE_LOG_IOERR;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(msg, size, "%s", strerror(EISDIR));
        return SLATE_LOG_IOERR;
    }
    if (!S_ISREG(st.st_mode)) { /* a FIFO would block, a device is no log */
        snprintf(msg, size, "not a slate decision log (not a regular file)");
        return SLATE_ERROR;
    }
    if (access(path, R_OK)) {
        snprintf(msg, size, "%s", strerror(errno));
        return SLATE_LOG_IOERR;
    }
    char *wal = with_suffix(path, "-wal");
    if (!wal) {
        snprintf(msg, size, "out of memory");
        return SLATE_NOMEM;
    }
    struct stat ws;
    int wal_rows = stat(wal, &ws) == 0 && ws.st_size > 0;
    free(wal);
    int fixed = immutable || !writable_place(path);
    int rc;
    if (fixed && !wal_rows) {
        rc = open_uri(path, "mode=ro&immutable=1", db);
    } else {
        rc = open_uri(path, "mode=ro", db);
        /* SQLite opens lazily: make it read now, so a -wal it cannot use fails here */
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(*db, "SELECT 1 FROM sqlite_master LIMIT 1", NULL, NULL, NULL);
    }
    int primary = rc & 0xff;
    if (primary == SQLITE_NOMEM) {
        sqlite3_close(*db);
        *db = NULL;
        snprintf(msg, size, "out of memory");
        return SLATE_NOMEM;
    }
    /* the file could not be opened or read (what it holds is the caller's
     * question: a file that is no database is named by its first read) */
    if (primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR || primary == SQLITE_PERM ||
        primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_READONLY) {
        if (fixed && wal_rows)
            snprintf(msg, size, "%s-wal holds rows %s does not, which cannot be read where "
                                "nothing may be written (%s): copy both files to a writable "
                                "place", path, path, *db ? sqlite3_errmsg(*db) : "cannot open");
        else
            snprintf(msg, size, "%s", *db ? sqlite3_errmsg(*db) : "cannot open");
        sqlite3_close(*db);
        *db = NULL;
        return SLATE_LOG_IOERR;
    }
    if (!*db) {
        snprintf(msg, size, "cannot open");
        return SLATE_LOG_IOERR;
    }
    sqlite3_busy_timeout(*db, 5000);
    if (!fixed && !(*cleanup = strdup(path))) {
        sqlite3_close(*db);
        *db = NULL;
        snprintf(msg, size, "out of memory");
        return SLATE_NOMEM;
    }
    return SLATE_OK;
}

void dlog_close_ro(sqlite3 *db, char *cleanup)
{
    sqlite3_close(db);
    if (!cleanup) return;
    char *wal = with_suffix(cleanup, "-wal");
    struct stat ws;
    if (wal && stat(wal, &ws) == 0 && S_ISREG(ws.st_mode) && ws.st_size == 0) {
        /* SQLite's own rule: the last connection that may write, closing,
         * removes the -wal and -shm; with others open (a writer), it leaves
         * them.  No busy wait: a locked log is in use, and its files stay. */
        sqlite3 *rw = NULL;
        if (sqlite3_open_v2(cleanup, &rw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) ==
            SQLITE_OK)
            sqlite3_exec(rw, "SELECT 1 FROM sqlite_master LIMIT 1", NULL, NULL, NULL);
        sqlite3_close(rw);
    }
    free(wal);
    free(cleanup);
}
