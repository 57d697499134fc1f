/*
 * log_write.c - the entries of a decision log: begins an entry, collects its
 * decisions from the engine's sink in the entry arena, and at slate_log_end()
 * writes the policy, events and decision rows with their chain hashes into the
 * batched transaction, then commits the handle's state.
 *
 * Not here: opening or schema (log_schema.c); in check mode the rows are built
 * here but compared by log_check.c, which writes nothing.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log_int.h"

const char *const dlog_kind_names[] = {"event", "policy", "advance"};

static int commit_entry(slate_log *log, int64_t pos, int64_t id, const uint8_t head[32]);

/* ---- the arena of the open entry ---------------------------------------------- */

static dlog_astr keep(slate_log *log, const void *s, size_t n)
{
    dlog_astr a = {DLOG_NONE, 0};
    if (!s) return a;
    a.off = log->arena.len;
    a.len = n;
    dlog_buf_put(&log->arena, s, n);
    dlog_buf_put(&log->arena, "", 1); /* a NUL after every string */
    return a;
}

static dlog_astr keeps(slate_log *log, const char *s) { return keep(log, s, s ? strlen(s) : 0); }

static dlog_val text(const slate_log *log, dlog_astr a)
{
    dlog_val v = {DV_NULL, 0, NULL, 0};
    if (a.off == DLOG_NONE) return v;
    v.type = DV_TEXT;
    v.p = log->arena.p + a.off;
    v.n = a.len;
    return v;
}

static dlog_val ival(int64_t i) { return (dlog_val){DV_INT, i, NULL, 0}; }
static dlog_val sval(const char *s)
{
    return s ? (dlog_val){DV_TEXT, 0, s, strlen(s)} : (dlog_val){DV_NULL, 0, NULL, 0};
}

void dlog_reset_entry(slate_log *log)
{
    log->open = 0;
    log->arena.len = 0;
    log->arena.failed = 0;
    log->npends = 0;
}

/* ---- writing ------------------------------------------------------------ */

/* Bind v[0..n-1] and the chain hash extending *head, run the INSERT, and move
 * *head on.  *pos is this row's position (already in v). */
static int insert_row(slate_log *log, sqlite3_stmt *st, const char *table, const dlog_val *v,
                      size_t n, int64_t pos, uint8_t head[32])
{
    uint8_t next[32];
    char hex[65];
    if (log->hook) log->hook(log->hook_ud, table, pos);
    dlog_chain(head, table, v, n, next);
    dlog_hex(next, 32, hex);
    if (log->version >= 2 && st == log->ins_event) { /* inserted with others (log_queue.c) */
        int rc = dlog_queue_event(log, v, n, hex);
        if (!rc) memcpy(head, next, 32);
        return rc;
    }
    sqlite3_reset(st);
    /* every parameter is bound below: no sqlite3_clear_bindings() needed */
    for (size_t i = 0; i < n; i++) {
        int c = (int)i + 1;
        switch (v[i].type) {
        case DV_NULL: sqlite3_bind_null(st, c); break;
        case DV_INT: sqlite3_bind_int64(st, c, v[i].i); break;
        case DV_TEXT: sqlite3_bind_text64(st, c, v[i].p, v[i].n, SQLITE_STATIC, SQLITE_UTF8); break;
        case DV_BLOB: sqlite3_bind_blob64(st, c, v[i].p, v[i].n, SQLITE_STATIC); break;
        }
    }
    sqlite3_bind_text(st, (int)n + 1, hex, 64, SQLITE_STATIC); /* outlives the step */
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        char what[64];
        snprintf(what, sizeof what, "cannot write %s row %" PRId64, table, pos);
        return dlog_sql_fail(log, what);
    }
    memcpy(head, next, 32);
    return SLATE_OK;
}

static int set_state(slate_log *log, const char *key, const char *value)
{
    sqlite3_reset(log->set_state);
    sqlite3_bind_text(log->set_state, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(log->set_state, 2, value, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(log->set_state);
    sqlite3_reset(log->set_state);
    return rc == SQLITE_DONE ? SLATE_OK : dlog_sql_fail(log, "cannot update meta");
}

/* The handle's state is what is committed: note it, for rollback_batch(). */
void dlog_remember_committed(slate_log *log)
{
    struct dlog_committed *c = &log->committed;
    c->pos = log->pos;
    c->entry_id = log->entry_id;
    c->last_event_seq = log->last_event_seq;
    c->last_decision_seq = log->last_decision_seq;
    memcpy(c->head, log->head, 32);
    memcpy(c->policy_hash, log->policy_hash, 65);
    c->last_part = log->last_part;
}

/* A write or the commit failed: roll the open batch back (none of its entries
 * was acknowledged: `slate run --resume` processes them again), put the handle's
 * state back to the last commit, and refuse further entries.  errmsg is kept. */
static void rollback_batch(slate_log *log)
{
    char keepmsg[sizeof log->errmsg];
    memcpy(keepmsg, log->errmsg, sizeof keepmsg);
    if (log->in_txn) sqlite3_exec(log->db, "ROLLBACK", NULL, NULL, NULL);
    dlog_queue_drop(log);
    memcpy(log->errmsg, keepmsg, sizeof keepmsg);
    struct dlog_committed *c = &log->committed;
    log->pos = c->pos;
    log->entry_id = c->entry_id;
    log->last_event_seq = c->last_event_seq;
    log->last_decision_seq = c->last_decision_seq;
    memcpy(log->head, c->head, 32);
    dlog_hex(log->head, 32, log->head_hex);
    memcpy(log->policy_hash, c->policy_hash, 65);
    log->last_part = c->last_part;
    log->in_txn = 0;
    log->in_batch = 0;
    log->broken = 1;
    dlog_reset_entry(log);
}

int slate_log_flush(slate_log *log)
{
    if (!log) return SLATE_MISUSE;
    /* a failed write rolled the open batch back: say so again at every flush and
     * at close, or a failure at an idle-time flush whose caller ignores it would
     * leave the entries since the last commit silently unwritten */
    if (log->broken) return SLATE_ERROR; /* errmsg still says what went wrong */
    if (!log->in_txn) return SLATE_OK;
    char pos[32];
    snprintf(pos, sizeof pos, "%" PRId64, log->pos);
    int rc = dlog_queue_flush(log); /* the rows still queued go in this commit */
    if (!rc) rc = set_state(log, "state.pos", pos);
    if (!rc) rc = set_state(log, "state.chain", log->head_hex);
    if (!rc) rc = set_state(log, "state.writer", SLATE_VERSION);
    if (!rc) rc = dlog_exec(log, "COMMIT");
    if (rc) {
        rollback_batch(log);
        return rc;
    }
    dlog_remember_committed(log);
    log->in_txn = 0;
    log->in_batch = 0;
    return rc;
}

int slate_log_set_part(slate_log *log, unsigned part, uint64_t stream_seq)
{
    if (!log) return SLATE_MISUSE;
    if (!log->partitions) return dlog_fail(log, SLATE_MISUSE, "the log is not partitioned");
    if (log->open) return dlog_fail(log, SLATE_MISUSE, "an entry is open");
    if (part >= log->partitions)
        return dlog_fail(log, SLATE_MISUSE, "partition %u of a log of %u", part, log->partitions);
    if (stream_seq > INT64_MAX) return dlog_fail(log, SLATE_MISUSE, "stream sequence too large");
    log->part_set = 1;
    log->part = part;
    log->stream_seq = stream_seq;
    return SLATE_OK;
}

/* Partitioned logs: an entry of `kind` may come from the partition set now. */
static int check_part(slate_log *log, enum dlog_kind kind)
{
    if (!log->partitions) return SLATE_OK;
    if (!log->part_set)
        return dlog_fail(log, SLATE_MISUSE, "an entry of a partitioned log without its partition");
    if ((int64_t)log->part == log->last_part) return SLATE_OK;
    if ((int64_t)log->part < log->last_part)
        return dlog_fail(log, SLATE_MISUSE, "partition %u after partition %" PRId64
                         ": partitions come in increasing order", log->part, log->last_part);
    if (kind != DLOG_K_POLICY)
        return dlog_fail(log, SLATE_MISUSE, "partition %u starts with a%s entry, not its policy",
                         log->part, kind == DLOG_K_EVENT ? "n event" : "n advance");
    return SLATE_OK;
}

static int check_begin(slate_log *log)
{
    if (log->broken) /* errmsg still says what went wrong */
        return SLATE_ERROR;
    if (log->open) return dlog_fail(log, SLATE_MISUSE, "an entry is already open");
    dlog_reset_entry(log);
    log->next_decision = log->last_decision_seq + 1;
    log->rejected = 0;
    log->seq = 0;
    log->at = SLATE_LOG_NO_TIME;
    log->type = log->case_id = log->payload = log->reason = (dlog_astr){DLOG_NONE, 0};
    return SLATE_OK;
}

int slate_log_begin_policy(slate_log *log, const slate_log_policy *p)
{
    if (!log || !p || !p->hash || strlen(p->hash) != 64 || !p->image)
        return log ? dlog_fail(log, SLATE_MISUSE, "slate_log_begin_policy: bad policy") : SLATE_MISUSE;
    int rc = check_begin(log);
    if (!rc) rc = check_part(log, DLOG_K_POLICY);
    if (rc) return rc;
    log->kind = DLOG_K_POLICY;
    memcpy(log->pol_hash, p->hash, 65);
    log->pol_name = keeps(log, p->name);
    log->pol_version = keeps(log, p->version);
    log->pol_file = keeps(log, p->file);
    log->pol_source = keep(log, p->source, p->source_len);
    log->pol_image = keep(log, p->image, p->image_len);
    if (log->arena.failed) return dlog_fail(log, SLATE_NOMEM, "out of memory");
    log->open = 1;
    return SLATE_OK;
}

int slate_log_begin_event(slate_log *log, const slate_log_event *ev)
{
    if (!log || !ev) return log ? dlog_fail(log, SLATE_MISUSE, "NULL event") : SLATE_MISUSE;
    int rc = check_begin(log);
    if (!rc) rc = check_part(log, DLOG_K_EVENT);
    if (rc) return rc;
    if (!log->policy_hash[0])
        return dlog_fail(log, SLATE_MISUSE, "an event was logged before any policy");
    if (ev->seq == 0 || ev->seq <= log->last_event_seq)
        return dlog_fail(log, SLATE_MISUSE,
                    "event seq %" PRIu64 " is not above the last logged seq %" PRIu64, ev->seq,
                    log->last_event_seq);
    log->kind = DLOG_K_EVENT;
    log->seq = ev->seq;
    log->at = ev->at;
    log->type = keeps(log, ev->type);
    if (ev->case_id && log->key) {
        char pseud[65];
        slate_log_pseudonym(log->key, log->key_len, ev->case_id, ev->case_len, pseud);
        log->case_id = keep(log, pseud, 64);
    } else {
        log->case_id = keep(log, ev->case_id, ev->case_len);
    }
    if (ev->payload && log->key) {
        dlog_buf tmp = {0};
        if (dlog_replace_case(ev->payload, ev->payload_len, log->key, log->key_len, &tmp) == 0)
            log->payload = keep(log, tmp.p ? tmp.p : "", tmp.len);
        /* else: redacted (NULL), since the id could not be found to replace */
        dlog_buf_free(&tmp);
    } else {
        log->payload = keep(log, ev->payload, ev->payload_len); /* NULL stays NULL */
    }
    if (ev->reject_reason) {
        log->rejected = 1;
        log->reason = keeps(log, ev->reject_reason);
    }
    if (log->arena.failed) return dlog_fail(log, SLATE_NOMEM, "out of memory");
    log->open = 1;
    return SLATE_OK;
}

int slate_log_begin_advance(slate_log *log, int64_t now)
{
    if (!log) return SLATE_MISUSE;
    int rc = check_begin(log);
    if (!rc) rc = check_part(log, DLOG_K_ADVANCE);
    if (rc) return rc;
    if (!log->policy_hash[0]) return dlog_fail(log, SLATE_MISUSE, "time advanced before any policy");
    log->kind = DLOG_K_ADVANCE;
    log->at = now;
    log->open = 1;
    return SLATE_OK;
}

const char *const dlog_action_names[] = {
#define X(id, name) name,
    SLATE_ACTIONS(X)
#undef X
};

int slate_log_sink(void *ud, const slate_decision *d)
{
    slate_log *log = ud;
    if (!log || !d) return SLATE_MISUSE;
    if (!log->open) return dlog_fail(log, SLATE_MISUSE, "a decision arrived outside an entry");
    if (d->seq != log->next_decision)
        return dlog_fail(log, SLATE_MISUSE,
                    "decision seq %" PRIu64 " arrived, %" PRIu64 " expected (gap-free)", d->seq,
                    log->next_decision);
    if ((unsigned)d->action >= SLATE_A__COUNT)
        return dlog_fail(log, SLATE_MISUSE, "decision %" PRIu64 " has an unknown action", d->seq);
    if (log->npends == log->cap_pends) {
        size_t cap = log->cap_pends ? log->cap_pends * 2 : 16;
        dlog_pend *p = realloc(log->pends, cap * sizeof *p);
        if (!p) return dlog_fail(log, SLATE_NOMEM, "out of memory");
        log->pends = p;
        log->cap_pends = cap;
    }
    dlog_pend *p = &log->pends[log->npends];
    p->seq = d->seq;
    p->event_seq = d->event_seq;
    p->at = d->at;
    p->rule_line = d->rule_line;
    p->action = d->action;
    p->event_id = keep(log, d->event_id, d->event_id_len);
    if (d->case_id && log->key) {
        char pseud[65];
        slate_log_pseudonym(log->key, log->key_len, d->case_id, d->case_len, pseud);
        p->case_id = keep(log, pseud, 64);
    } else {
        p->case_id = keep(log, d->case_id, d->case_len);
    }
    p->rule = p->clock = p->tier = (dlog_astr){DLOG_NONE, 0};
    if (log->version < 2 && d->rule_line) { /* version 2 keeps the line alone */
        const char *file = log->kind == DLOG_K_POLICY
                               ? (log->pol_file.off == DLOG_NONE ? "" : log->arena.p + log->pol_file.off)
                               : (log->policy_file ? log->policy_file : "");
        /* "file:line", as snprintf("%s:%u") into 1100 bytes would give */
        char rule[1100], num[12];
        size_t fl = strnlen(file, sizeof rule - 1), k = sizeof num;
        uint32_t line = d->rule_line;
        do num[--k] = (char)('0' + line % 10); while (line /= 10);
        memcpy(rule, file, fl);
        size_t n = fl;
        if (n < sizeof rule - 1) rule[n++] = ':';
        size_t dl = sizeof num - k;
        if (dl > sizeof rule - 1 - n) dl = sizeof rule - 1 - n;
        memcpy(rule + n, num + k, dl);
        p->rule = keep(log, rule, n + dl);
    }
    p->rule_label = keeps(log, d->rule_label);
    if (log->version < 2) { /* version 2 reads them from the args */
        p->clock = keeps(log, d->clock);
        p->tier = keeps(log, d->tier);
    }
    size_t args_off = log->arena.len;
    dlog_args(&log->arena, d);
    size_t args_len = log->arena.len - args_off;
    dlog_buf_put(&log->arena, "", 1);
    p->args = (dlog_astr){args_off, args_len};
    if (log->arena.failed) return dlog_fail(log, SLATE_NOMEM, "out of memory");
    if (d->action == SLATE_A_REJECT && log->kind == DLOG_K_EVENT && d->event_seq == log->seq &&
        !log->rejected) {
        log->rejected = 1;
        log->reason = keeps(log, d->message ? d->message : "rejected");
        if (log->arena.failed) return dlog_fail(log, SLATE_NOMEM, "out of memory");
    }
    log->npends++;
    log->next_decision++;
    return 0;
}

void slate_log_abort(slate_log *log)
{
    if (log) dlog_reset_entry(log);
}

/* The column values of a pending decision (`at` holds its time text). */
void dlog_decision_values(const slate_log *log, const dlog_pend *p, int64_t pos, int64_t id,
                          const char *hash, char at[32], dlog_val dv[DLOG_NDECISION_COLS])
{
    dlog_val v[DLOG_NDECISION_COLS] = {
        ival((int64_t)p->seq),
        ival(pos),
        ival(id),
        p->event_seq ? ival((int64_t)p->event_seq) : sval(NULL),
        text(log, p->event_id),
        text(log, p->case_id),
        ival(p->at),
        sval(slate_log_time(p->at, at)),
        text(log, p->rule),
        ival(p->rule_line),
        text(log, p->rule_label),
        sval(dlog_action_names[p->action]),
        text(log, p->clock),
        text(log, p->tier),
        text(log, p->args),
        sval(hash),
    };
    memcpy(dv, v, sizeof v);
}


size_t dlog_entry_cases(slate_log *log)
{
    if (log->npends + 1 > log->cap_cids) {
        size_t cap = log->npends + 16;
        dlog_pstr *p = realloc(log->cids, cap * sizeof *p);
        if (!p) return SIZE_MAX;
        log->cids = p;
        log->cap_cids = cap;
    }
    size_t n = 0;
    if (log->case_id.off != DLOG_NONE)
        log->cids[n++] = (dlog_pstr){log->arena.p + log->case_id.off, log->case_id.len};
    for (size_t i = 0; i < log->npends; i++)
        if (log->pends[i].case_id.off != DLOG_NONE)
            log->cids[n++] = (dlog_pstr){log->arena.p + log->pends[i].case_id.off,
                                         log->pends[i].case_id.len};
    return n;
}

static int same_pstr(dlog_pstr a, dlog_pstr b)
{
    return a.n == b.n && !memcmp(a.p, b.p, a.n);
}

/* Version 2: a case_index row for each case the entry names, queued
 * (log_queue.c).  Repeats are ignored by the INSERT; those of the entry's own
 * case or next to each other (most of them) are not even queued. */
static int index_cases(slate_log *log, int64_t id)
{
    size_t n = dlog_entry_cases(log);
    if (n == SIZE_MAX) return dlog_fail(log, SLATE_NOMEM, "out of memory");
    int rc = SLATE_OK;
    int own = log->case_id.off != DLOG_NONE; /* cids[0] is the entry's case */
    for (size_t i = 0; i < n && !rc; i++) {
        if (i && (same_pstr(log->cids[i], log->cids[i - 1]) ||
                  (own && same_pstr(log->cids[i], log->cids[0]))))
            continue;
        rc = dlog_queue_case(log, log->cids[i].p, log->cids[i].n, id);
    }
    return rc;
}

/* Write (or in check mode, compare) the open entry: [policy row], events row,
 * and in version 1 the decision rows. */
static int write_entry(slate_log *log, int64_t *pos, uint8_t head[32], int64_t id)
{
    int rc = SLATE_OK;
    const char *hash = log->kind == DLOG_K_POLICY ? log->pol_hash : log->policy_hash;
    dlog_val pv[DLOG_NPOLICY_COLS];
    int new_policy = 0;
    if (log->kind == DLOG_K_POLICY) {
        sqlite3_reset(log->has_policy);
        sqlite3_bind_text(log->has_policy, 1, log->pol_hash, 64, SQLITE_STATIC);
        if (log->check) sqlite3_bind_int64(log->has_policy, 2, *pos);
        int r = sqlite3_step(log->has_policy);
        sqlite3_reset(log->has_policy);
        if (r != SQLITE_ROW && r != SQLITE_DONE) return dlog_sql_fail(log, "cannot read policies");
        if (r == SQLITE_DONE) {
            dlog_val v[DLOG_NPOLICY_COLS] = {
                ival(*pos + 1), sval(log->pol_hash), text(log, log->pol_name),
                text(log, log->pol_version), text(log, log->pol_file),
                text(log, log->pol_source), text(log, log->pol_image)};
            v[6].type = DV_BLOB;
            memcpy(pv, v, sizeof v);
            new_policy = 1;
        }
    }
    dlog_val packed = {DV_NULL, 0, NULL, 0};
    if (log->version >= 2 && log->npends) {
        log->packed.len = 0;
        dlog_pack(log, &log->packed);
        if (log->packed.failed) {
            log->packed.failed = 0;
            return dlog_fail(log, SLATE_NOMEM, "out of memory");
        }
        packed = (dlog_val){DV_TEXT, 0, log->packed.p, log->packed.len};
    }
    char at[32];
    int has_at = log->kind != DLOG_K_POLICY && log->at != SLATE_LOG_NO_TIME;
    dlog_val ev[DLOG_NEVENT_COLS] = {
        ival(id),
        ival(*pos + 1 + new_policy),
        sval(dlog_kind_names[log->kind]),
        log->kind == DLOG_K_EVENT ? ival((int64_t)log->seq) : sval(NULL),
        has_at ? ival(log->at) : sval(NULL),
        sval(has_at ? slate_log_time(log->at, at) : NULL),
        text(log, log->case_id),
        text(log, log->type),
        sval(log->kind != DLOG_K_EVENT ? NULL : log->rejected ? "rejected" : "accepted"),
        text(log, log->reason),
        text(log, log->payload),
        sval(hash),
        ival((int64_t)log->npends),
        ival(log->part), /* version 1: these two only in a partitioned log (log->nev) */
        log->stream_seq ? ival((int64_t)log->stream_seq) : sval(NULL),
        log->npends ? ival((int64_t)log->pends[0].seq) : sval(NULL), /* version 2 only */
        packed,
    };
    if (log->check) return dlog_check_entry(log, new_policy ? pv : NULL, ev, pos, head, id, hash);

    if (new_policy) {
        ++*pos;
        rc = insert_row(log, log->ins_policy, "policies", pv, DLOG_NPOLICY_COLS, *pos, head);
        if (rc) return rc;
    }
    ++*pos;
    rc = insert_row(log, log->ins_event, "events", ev, log->nev, *pos, head);
    if (log->version >= 2) return rc ? rc : index_cases(log, id);
    for (size_t i = 0; i < log->npends && !rc; i++) {
        dlog_val dv[DLOG_NDECISION_COLS];
        char dat[32];
        ++*pos;
        dlog_decision_values(log, &log->pends[i], *pos, id, hash, dat, dv);
        rc = insert_row(log, log->ins_decision, "decisions", dv, DLOG_NDECISION_COLS, *pos, head);
    }
    return rc;
}

int slate_log_end(slate_log *log)
{
    if (!log) return SLATE_MISUSE;
    if (!log->open) return dlog_fail(log, SLATE_MISUSE, "no entry is open");
    int rc = SLATE_OK;
    if (log->check) {
        int64_t pos = log->pos, id = log->entry_id + 1;
        uint8_t head[32];
        memcpy(head, log->head, 32);
        rc = write_entry(log, &pos, head, id);
        if (rc) {
            log->broken = 1;
            dlog_reset_entry(log);
            return rc;
        }
        return commit_entry(log, pos, id, head);
    }
    if (!log->in_txn) {
        rc = dlog_exec(log, "BEGIN IMMEDIATE");
        if (rc) {
            dlog_reset_entry(log);
            return rc;
        }
        log->in_txn = 1;
        /* One writer per log: if another appended since our last commit, our
         * positions and sequences are stale. */
        char v[32];
        if (dlog_meta_get(log, "state.pos", v, sizeof v) != 1 || strtoll(v, NULL, 10) != log->pos) {
            sqlite3_exec(log->db, "ROLLBACK", NULL, NULL, NULL);
            log->in_txn = 0;
            log->broken = 1;
            dlog_reset_entry(log);
            return dlog_fail(log, SLATE_ERROR, "another writer has added to the log since this one "
                                          "opened it (a log takes one writer at a time)");
        }
    }
    /* No SAVEPOINT per entry: it copied every page an entry touched into a
     * statement journal, a third of the writer's time.  A failure part way
     * through an entry rolls back the whole batch instead, so a commit still
     * never holds part of an entry. */
    int64_t pos = log->pos, id = log->entry_id + 1;
    uint8_t head[32];
    memcpy(head, log->head, 32);
    rc = write_entry(log, &pos, head, id);
    if (rc) {
        rollback_batch(log);
        return rc;
    }
    return commit_entry(log, pos, id, head);
}

/* The entry is written (or matched): move the handle's state past it. */
static int commit_entry(slate_log *log, int64_t pos, int64_t id, const uint8_t head[32])
{
    log->pos = pos;
    log->entry_id = id;
    memcpy(log->head, head, 32);
    dlog_hex(head, 32, log->head_hex);
    if (log->npends) log->last_decision_seq = log->pends[log->npends - 1].seq;
    if (log->kind == DLOG_K_EVENT) log->last_event_seq = log->seq;
    if (log->partitions) log->last_part = log->part;
    if (log->kind == DLOG_K_POLICY) {
        memcpy(log->policy_hash, log->pol_hash, 65);
        char *file = strdup(log->pol_file.off == DLOG_NONE ? "" : log->arena.p + log->pol_file.off);
        if (file) {
            free(log->policy_file);
            log->policy_file = file;
        } else {
            log->broken = 1; /* cannot name rules any more */
            dlog_reset_entry(log);
            return dlog_fail(log, SLATE_NOMEM, "out of memory");
        }
    }
    dlog_reset_entry(log);
    if (!log->check && ++log->in_batch >= log->batch) return slate_log_flush(log);
    return SLATE_OK;
}

