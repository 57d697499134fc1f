/*
 * audit.h - what the auditor's commands (replay, diff, explain, report) share:
 * opening a decision log read-only, walking it in log order with each decision's
 * arguments parsed, quoting policy source lines, times and durations as text, and
 * a small string-keyed table.
 *
 * Reads the log through the reader of include/slate_log.h (no SQL here: the
 * schema and its queries live in runtime/log/), adding what the commands share
 * on top: payloads and args parsed as JSON, the pseudonym setting, the
 * verification every command does before it reports (and the warning each of
 * its outputs carries when told not to), and text from the log made safe for a
 * terminal.  Prefix aud_.  Nothing here knows the engine; replay and diff add
 * that on top (audit/rerun.c).
 */
#ifndef SLATE_AUDIT_H
#define SLATE_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "slate_log.h"

/* An open log. */
typedef struct aud_log {
    slate_log_reader *rd;
    const char *path;
    int verified;            /* its hash chain was verified on open (0: --no-verify) */
    int pseudonyms;          /* meta pseudonym is not `none` */
    const slate_log_policy *policies; /* every stored policy, in log order (the
                                         reader's; source NULL when not stored) */
    size_t npolicies;
} aud_log;

/* How aud_open() treats the hash chain. */
enum {
    AUD_NO_VERIFY = 0,  /* --no-verify: read it unverified, AUD_UNVERIFIED on stderr */
    AUD_VERIFY = 1,     /* verify it first (every reader's default) */
    AUD_CALLER_VERIFIES /* replay: open only to check it is a log; it verifies next */
};

/* Open `path` read-only and check it is a slate log of a schema this slate
 * reads; with AUD_VERIFY, verify its hash chain in the snapshot then read, and
 * refuse it when that fails (a reader reports nothing from a log it has not
 * verified).  Prints "slate CMD: ..." on stderr and returns EXIT_IO
 * (unreadable) or EXIT_INPUT (not a log, a schema object missing or added, the
 * first problem verification found) on failure, EXIT_OK on success. */
int aud_open(aud_log *lg, const char *cmd, const char *path, int verify);
void aud_close(aud_log *lg);

/* What every output of a command run with --no-verify says (its text, JSON and
 * HTML, and stderr): the figures may come from a changed log. */
#define AUD_UNVERIFIED                                                                    \
    "NOT VERIFIED (--no-verify): the hash chain of this log was not checked, so what "  \
    "follows may come from a log changed after slate wrote it"

/* The value of meta `key` into buf; 0 when absent. */
int aud_meta(const aud_log *lg, const char *key, char *buf, size_t size);

/* The stored policy with this hash, or NULL. */
const slate_log_policy *aud_policy_get(const aud_log *lg, const char *hash);

/* Line `line` (from 1) of a policy's source, without its newline and leading
 * blanks, into out; "" when unknown. */
void aud_source_line(const slate_log_policy *p, uint32_t line, char *out, size_t size);

/* One row of `events`. */
typedef struct aud_entry {
    int64_t id, seq;         /* seq 0: not an input event */
    const char *kind;        /* event, policy, advance ("" when NULL: never NULL) */
    int64_t at;              /* INT64_MIN when NULL */
    const char *case_id, *type, *status, *reason, *payload, *policy_hash;
    json_t *fields;          /* the payload parsed (NULL when absent or not JSON) */
    size_t payload_len;      /* payload's bytes (it may hold NUL bytes) */
} aud_entry;

/* One row of `decisions`. */
typedef struct aud_decision {
    int64_t seq, entry, event_seq; /* event_seq 0: a timer */
    int64_t at;
    const char *case_id, *rule, *rule_label, *action, *clock, *tier, *args_text,
        *policy_hash, *event_id;
    uint32_t rule_line;
    json_t *args;            /* args parsed (an object; never NULL) */
} aud_decision;

/* Walk the log in log order: for each entry, on_entry, then on_decision for each
 * of its decisions.  `case_id` (may be NULL) restricts the walk to that case's
 * entries and decisions.  A callback returning non-zero stops the walk with that
 * value.  Returns 0, a callback's value, or -1 on a read error (printed). */
typedef struct aud_walk {
    const char *case_id;
    int (*on_entry)(void *ud, const aud_entry *e);
    int (*on_decision)(void *ud, const aud_decision *d);
    void *ud;
} aud_walk;
int aud_walk_log(aud_log *lg, const char *cmd, const aud_walk *w);

/* Integer member of a JSON object, or `dflt`. */
int64_t aud_json_int(const json_t *o, const char *key, int64_t dflt);
/* String member, or NULL. */
const char *aud_json_str(const json_t *o, const char *key);

/* A payload field as text for grouping: strings as they are, numbers and
 * booleans in JSON form, into out; returns 0 when absent. */
int aud_field_text(const json_t *fields, const char *key, char *out, size_t size);

/* ---- text ------------------------------------------------------------------ */

/* Text from a log for people: every string a command prints from the log (ids,
 * names, reasons, policy lines) goes through aud_txt_s(), which shows control
 * characters and invalid UTF-8 as '?' (common/termsafe.h), so a value cannot
 * drive the terminal or start a line of its own.  A copy lives in one of the
 * rotating buffers of `t` (declared `aud_txt t = {0};`), valid for AUD_TXT_N
 * calls; NULL shows as "?". */
#define AUD_TXT_N 8
typedef struct aud_txt {
    unsigned next;
    char buf[AUD_TXT_N][2048];
} aud_txt;
const char *aud_txt_s(aud_txt *t, const char *s);

/* A JSON string of s: as it is when it is UTF-8, else as aud_txt_s() shows it
 * (jansson takes UTF-8 only).  New reference, or NULL when memory runs out. */
json_t *aud_json_text(const char *s);

/* Parse a time given on the command line: RFC 3339, a date YYYY-MM-DD (00:00
 * UTC), or epoch milliseconds.  Returns 0 or -1. */
int aud_parse_time(const char *s, int64_t *ms);

/* "2025-03-07T09:00:00.000Z" into buf (32 bytes). */
char *aud_time(int64_t ms, char *buf);

/* A duration for people: "45s", "15m", "2h 05m", "48h", "3d 4h" (rounded down
 * to the unit shown; days from 72h on), "-" for negative.  buf of 32 bytes. */
char *aud_dur(int64_t ms, char *buf);

/* A one-line account of what a decision did, from its action and args: "tier
 * complaint: response 2h, resolution 18h", "response: missed at 2h 55m (target
 * 2h)", "to specialist", ...  Into buf (size bytes). */
void aud_summary(const aud_decision *d, char *buf, size_t size);

/* ---- a string-keyed table ---------------------------------------------------- */

/* Maps strings to indices 0..n-1 in insertion order; keys are copied. */
typedef struct aud_map {
    char **keys;
    size_t n, cap;
    size_t *slots;           /* open addressing: index + 1, 0 empty */
    size_t nslots;
} aud_map;

/* The index of `key`, adding it if absent (*added set when not NULL).  Returns
 * SIZE_MAX when memory runs out. */
size_t aud_map_put(aud_map *m, const char *key, int *added);
/* The index of `key` or SIZE_MAX. */
size_t aud_map_get(const aud_map *m, const char *key);
void aud_map_free(aud_map *m);

/* Read a pseudonym key file into a malloc'd buffer.  Prints and returns NULL on
 * failure. */
unsigned char *aud_read_key(const char *cmd, const char *path, size_t *len);

#endif
