/*
 * logforge.h - what a forger with write access to a decision log does after
 * editing its rows: rebuild the hash chain (every row's chain and meta's
 * head) with slate's own chain step, so that the chain verifies again and
 * only a replay, or a head kept elsewhere, can tell.
 *
 * Header only, for the tests that forge (test_logv2.c, test_replay.c); include
 * it after cmocka.h and log/dlog.h.  Not a check: it trusts the rows it
 * hashes, and rows of either schema version are chained alike.
 */
#ifndef SLATE_LOGFORGE_H
#define SLATE_LOGFORGE_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

/* Recompute every chain hash (the chained tables' rows in pos order: policies
 * and events, and version 1's decisions table) and meta's head and position. */
static __attribute__((unused)) void forge_rechain(const char *path)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    uint8_t head[32];
    sqlite3_stmt *st, *row, *up;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='state.genesis'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const char *g = (const char *)sqlite3_column_text(st, 0);
    for (int i = 0; i < 32; i++) {
        unsigned x;
        sscanf(g + 2 * i, "%2x", &x);
        head[i] = (uint8_t)x;
    }
    sqlite3_finalize(st);
    /* version 2's `decisions` is a view, not chained */
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE "
                                            "name = 'decisions' AND type = 'table'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int v1 = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    char q[256];
    snprintf(q, sizeof q, "SELECT 'policies', pos FROM policies UNION ALL "
                          "SELECT 'events', pos FROM events %s ORDER BY 2",
             v1 ? "UNION ALL SELECT 'decisions', pos FROM decisions" : "");
    assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
    int64_t last = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        char table[16], hex[65];
        snprintf(table, sizeof table, "%s", t);
        last = sqlite3_column_int64(st, 1);
        snprintf(q, sizeof q, "SELECT * FROM %s WHERE pos = %" PRId64, table, last);
        assert_int_equal(sqlite3_prepare_v2(db, q, -1, &row, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(row), SQLITE_ROW);
        int n = sqlite3_column_count(row) - 1;
        dlog_val v[DLOG_MAXCOLS];
        assert_true(n <= DLOG_MAXCOLS);
        for (int i = 0; i < n; i++) {
            v[i] = (dlog_val){DV_NULL, 0, NULL, 0};
            switch (sqlite3_column_type(row, i)) {
            case SQLITE_INTEGER: v[i] = (dlog_val){DV_INT, sqlite3_column_int64(row, i), NULL, 0}; break;
            case SQLITE_BLOB:
                v[i] = (dlog_val){DV_BLOB, 0, sqlite3_column_blob(row, i),
                                  (size_t)sqlite3_column_bytes(row, i)};
                break;
            case SQLITE_NULL: break;
            default:
                v[i] = (dlog_val){DV_TEXT, 0, sqlite3_column_text(row, i),
                                  (size_t)sqlite3_column_bytes(row, i)};
            }
        }
        dlog_chain(head, table, v, (size_t)n, head);
        sqlite3_finalize(row);
        dlog_hex(head, 32, hex);
        snprintf(q, sizeof q, "UPDATE %s SET chain = ?1 WHERE pos = %" PRId64, table, last);
        assert_int_equal(sqlite3_prepare_v2(db, q, -1, &up, NULL), SQLITE_OK);
        sqlite3_bind_text(up, 1, hex, 64, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(up), SQLITE_DONE);
        sqlite3_finalize(up);
    }
    sqlite3_finalize(st);
    char hex[65], u[256];
    dlog_hex(head, 32, hex);
    snprintf(u, sizeof u, "UPDATE meta SET value = '%s' WHERE key = 'state.chain';"
                          "UPDATE meta SET value = '%" PRId64 "' WHERE key = 'state.pos'",
             hex, last);
    assert_int_equal(sqlite3_exec(db, u, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

#endif
