/*
 * cmd_publish.c - `slate publish EVENTS.jsonl`: send events (JSON Lines) to the
 * partitioned JetStream streams the workers of `slate serve` consume
 * (docs/deploy.md).
 *
 * Each line goes to slate.events.<p>, p = slate_partition(its "case") (serve/
 * partition.h), with a message id so that publishing the same file twice stores
 * nothing twice.  The line is sent exactly as read: it is parsed (jansson) only
 * to find its top-level "case", "type" and "id", never checked against a policy
 * (the worker does that, and turns a bad line into a `reject` decision).  So no
 * line is lost: one that is not a JSON object, or has no "case" string, goes to
 * partition 0; a `tick` goes to every partition (it moves every engine's time);
 * one too long for the transport goes to partition 0 as a stand-in carrying its
 * length in the header Slate-Line-Bytes, for the worker to reject.  Blank lines
 * are not events (as for `slate run`) and are skipped.
 *
 * Not here: the policy, the engine, anything about consuming.
 */
#include <errno.h>
#include <jansson.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "events.h"
#include "js.h"
#include "partition.h"

enum { O_PARTITIONS, O_NATS, O_REPLICAS, O_TIMEOUT, O_QUIET };

static const cli_opt opts[] = {
    [O_PARTITIONS] = {"partitions", 0, "N", "number of partitions, the same for every publisher and\n"
                                            "worker (default 8, at most 1024)",
                      "`--partitions` needs a number"},
    [O_NATS] = {"nats", 0, "URL", "the NATS servers, comma-separated (default\n"
                                  "nats://127.0.0.1:4222)", "`--nats` needs a URL"},
    [O_REPLICAS] = {"replicas", 0, "R", "replicas of streams created here (default 1; 3 for a\n"
                                        "three-server cluster)", "`--replicas` needs a number"},
    [O_TIMEOUT] = {"timeout", 0, "S", "seconds to keep trying to reach NATS, and to wait for\n"
                                      "acknowledgements (default 10)",
                   "`--timeout` needs a number of seconds"},
    [O_QUIET] = {"quiet", 'q', NULL, "no summary on stderr", NULL},
};

const cli_cmd cmd_publish_args = {
    .name = "publish",
    .synopsis =
        "usage: slate publish [OPTIONS] EVENTS.jsonl\n"
        "\n"
        "Publish events (JSON Lines, `-` for standard input) to the NATS JetStream\n"
        "streams that `slate serve` consumes: each line to subject slate.events.<p>\n"
        "of stream SLATE_EV_<p>, p being FNV-1a 64 of its \"case\" modulo the number of\n"
        "partitions (docs/deploy.md).  Streams that do not exist are created.\n"
        "\n",
    .opts = opts,
    .nopts = CLI_NOPTS(opts),
    .column = 18,
    .epilogue =
        "\n"
        "Every line is sent as it is, with a message id: the event's \"id\" when it has\n"
        "a usable one, else the first 32 hex digits of the line's SHA-256, `-`, and\n"
        "the line number.  JetStream drops a message whose id it stored in the last\n"
        "10 minutes (or the stream's longer window), so publishing the same file\n"
        "again, after a failure say, stores nothing twice.  A line that is not a JSON\n"
        "object or has no \"case\" string goes to partition 0, for the worker to\n"
        "reject; a `tick` goes to every partition; blank lines are skipped.\n"
        "\n"
        "exit status: 0 ok (duplicates included), 1 a stream exists with another\n"
        "configuration, 2 usage error, 3 I/O error (NATS unreachable, messages not\n"
        "acknowledged: publishing again is safe)\n",
};

/* Bytes of a too-long line kept as the body of its stand-in. */
#define STANDIN_KEEP 1024

/* Counts per partition, updated by the publisher's ack callback (libnats's
 * thread, one call at a time) and read after sjs_pub_close(). */
typedef struct part_count {
    unsigned long long stored, duplicates, failed;
} part_count;

typedef struct run {
    unsigned nparts;
    part_count *parts;
    sjs_pub *pub;
    size_t limit;                       /* longest line sent as it is */
    unsigned long long lines, blank, events, ticks, unreadable, too_long, sent;
    sjs_err err;                        /* the first send failure */
    int send_failed;
} run;

static void on_ack(void *ud, const sjs_ack *a)
{
    run *r = ud;
    const char *dot = strrchr(a->subject, '.');
    unsigned long p = dot ? strtoul(dot + 1, NULL, 10) : 0;
    if (p >= r->nparts) return;
    if (a->error)
        r->parts[p].failed++;
    else if (a->duplicate)
        r->parts[p].duplicates++;
    else
        r->parts[p].stored++;
}

/* ---- reading lines of any length ------------------------------------------ */

typedef struct line {
    char *buf;            /* the first min(len, cap) bytes */
    size_t len, cap;      /* len: the whole line's length, without '\n' */
    char sha[33];         /* first 32 hex digits of the SHA-256 of the whole line */
} line;

/* Read the next line of f, keeping at most `keep` bytes of it.  Returns 1, 0 at
 * the end, -1 on a read error. */
static int read_line(FILE *f, line *l, size_t keep)
{
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    l->len = 0;
    int ch;
    while ((ch = getc_unlocked(f)) != EOF && ch != '\n') {
        if (l->len < keep) {
            if (l->len == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 4096;
                char *b = realloc(l->buf, cap);
                if (!b) return -1;
                l->buf = b;
                l->cap = cap;
            }
            l->buf[l->len] = (char)ch;
        }
        uint8_t byte = (uint8_t)ch;
        sha256_update(&ctx, 1, &byte);
        l->len++;
    }
    if (ferror(f)) return -1;
    if (ch == EOF && l->len == 0) return 0;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, sizeof d, d);
    for (int i = 0; i < 16; i++) snprintf(l->sha + 2 * i, 3, "%02x", d[i]);
    return 1;
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return 0;
    return 1;
}

/* ---- what a line is --------------------------------------------------------- */

typedef struct verdict {
    int partition;        /* -1: every partition (a tick) */
    char id[256];         /* the message id */
    int unreadable;       /* not a JSON object, or no "case" string */
} verdict;

/* The event's own id if it can serve as a message id (docs/io.md: a string or
 * an integer), else "" */
static void event_id(json_t *v, char *out, size_t n)
{
    out[0] = 0;
    if (json_is_integer(v)) {
        snprintf(out, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        if (len == 0 || len >= n) return;
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f) return;
        memcpy(out, s, len + 1);
    }
}

static void classify(const run *r, const line *l, unsigned long long lineno, verdict *v)
{
    v->partition = 0;
    v->unreadable = 1;
    v->id[0] = 0;
    const char *s = l->buf;
    size_t n = l->len;
    if (n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) s += 3, n -= 3; /* as the reader does */
    if (n > 0 && s[n - 1] == '\r') n--;
    json_error_t jerr;
    json_t *root = json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr);
    if (json_is_object(root)) {
        json_t *c = json_object_get(root, "case"), *t = json_object_get(root, "type");
        if (json_is_string(t) && !strcmp(json_string_value(t), "tick")) {
            v->partition = -1; /* the engine ignores a tick's case */
            v->unreadable = 0;
        } else if (json_is_string(c)) {
            v->partition = (int)slate_partition(json_string_value(c), json_string_length(c),
                                                r->nparts);
            v->unreadable = 0;
        }
        event_id(json_object_get(root, "id"), v->id, sizeof v->id);
    }
    json_decref(root);
    if (!v->id[0]) snprintf(v->id, sizeof v->id, "%s-%llu", l->sha, lineno);
}

/* ---- publishing --------------------------------------------------------------- */

static int send_to(run *r, unsigned p, const char *id, const char *data, size_t len,
                   const char *hname, const char *hval)
{
    char subject[48];
    sjs_subject(SJS_EVENTS, p, subject, sizeof subject);
    sjs_err e;
    if (sjs_pub_send(r->pub, subject, id, data, len, hname, hval, &e) != SJS_OK) {
        if (!r->send_failed++) r->err = e;
        return -1;
    }
    r->sent++;
    return 0;
}

/* Publish one line (numbered lineno).  Returns -1 when a send failed. */
static int publish_line(run *r, const line *l, unsigned long long lineno)
{
    verdict v;
    if (l->len > r->limit) {
        char id[64], bytes[32];
        snprintf(id, sizeof id, "%s-%llu", l->sha, lineno);
        snprintf(bytes, sizeof bytes, "%zu", l->len);
        size_t body = STANDIN_KEEP < r->limit ? STANDIN_KEEP : r->limit;
        r->too_long++;
        return send_to(r, 0, id, l->buf, body, "Slate-Line-Bytes", bytes);
    }
    classify(r, l, lineno, &v);
    r->unreadable += (unsigned long long)v.unreadable;
    if (v.partition >= 0)
        return send_to(r, (unsigned)v.partition, v.id, l->buf, l->len, NULL, NULL);
    r->ticks++;
    for (unsigned p = 0; p < r->nparts; p++)
        if (send_to(r, p, v.id, l->buf, l->len, NULL, NULL)) return -1;
    return 0;
}

/* Read every line of `in` and publish it.  Returns an exit status. */
static int publish_all(run *r, FILE *in, const char *in_name)
{
    line l = {0};
    int rc, status = EXIT_OK;
    size_t keep = r->limit + 1 > STANDIN_KEEP ? r->limit + 1 : STANDIN_KEEP;
    while ((rc = read_line(in, &l, keep)) == 1) {
        r->lines++;
        if (l.len <= r->limit && is_blank(l.buf, l.len)) {
            r->blank++;
            continue;
        }
        r->events++;
        if (publish_line(r, &l, r->lines)) {
            fprintf(stderr, "slate publish: %s\n", r->err.msg);
            status = EXIT_IO;
            break;
        }
        if (sjs_pub_failed(r->pub)) { /* the rest would fail too, one timeout each */
            fprintf(stderr, "slate publish: stopped at line %llu: messages are not being "
                    "stored\n", r->lines);
            status = EXIT_IO;
            break;
        }
    }
    if (rc < 0) {
        fprintf(stderr, "slate publish: cannot read %s: %s\n", in_name,
                errno ? strerror(errno) : "out of memory");
        status = EXIT_IO;
    }
    free(l.buf);
    return status;
}

static void summary(const run *r, const sjs_pub_stats *st)
{
    fprintf(stderr, "slate publish: %llu lines, %llu events", r->lines, r->events);
    if (r->blank) fprintf(stderr, " (%llu blank lines skipped)", r->blank);
    if (r->ticks) fprintf(stderr, ", %llu ticks to every partition", r->ticks);
    if (r->unreadable) fprintf(stderr, ", %llu without a case to partition 0", r->unreadable);
    if (r->too_long) fprintf(stderr, ", %llu too long, sent as stand-ins", r->too_long);
    fprintf(stderr, "; %llu messages: %llu stored, %llu duplicates, %llu failed\n",
            (unsigned long long)st->sent, (unsigned long long)st->stored,
            (unsigned long long)st->duplicates, (unsigned long long)st->failed);
    for (unsigned p = 0; p < r->nparts; p++)
        fprintf(stderr, "slate publish: partition %u: %llu stored, %llu duplicates, %llu failed\n",
                p, r->parts[p].stored, r->parts[p].duplicates, r->parts[p].failed);
}

/* ---- options ---------------------------------------------------------------- */

static int number(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

typedef struct args {
    const char *file, *url;
    long nparts, replicas, timeout_s;
    int quiet;
} args;

static int parse_args(int argc, char **argv, args *a)
{
    const char *parts = NULL, *replicas = NULL, *timeout = NULL;
    cli_parser ap;
    cli_args(&ap, &cmd_publish_args, argc, argv);
    for (int k; (k = cli_next(&ap)) != CLI_END;) {
        switch (k) {
        case CLI_STOP: return ap.status;
        case O_PARTITIONS: parts = ap.arg; break;
        case O_NATS: a->url = ap.arg; break;
        case O_REPLICAS: replicas = ap.arg; break;
        case O_TIMEOUT: timeout = ap.arg; break;
        case O_QUIET: a->quiet = 1; break;
        default:
            if (a->file) return cli_usage_error("publish", "one events file at a time");
            a->file = ap.arg;
        }
    }
    if (!a->file) return cli_usage_error("publish", "no events file given");
    a->nparts = 8;
    a->replicas = 1;
    a->timeout_s = 10;
    if (parts && number(parts, 1, SJS_MAX_PARTS, &a->nparts))
        return cli_usage_error("publish", "`--partitions` must be 1 to %d, not `%s`",
                               SJS_MAX_PARTS, parts);
    if (replicas && number(replicas, 1, 5, &a->replicas))
        return cli_usage_error("publish", "`--replicas` must be 1 to 5, not `%s`", replicas);
    if (timeout && number(timeout, 1, 3600, &a->timeout_s))
        return cli_usage_error("publish", "`--timeout` must be 1 to 3600 seconds, not `%s`",
                               timeout);
    return -1;
}

/* Make sure every partition's event stream exists as expected. */
static int ensure_streams(sjs_conn *c, const args *a)
{
    for (unsigned p = 0; p < (unsigned)a->nparts; p++) {
        sjs_stream_spec spec = {SJS_EVENTS, p, (unsigned)a->nparts, (int)a->replicas, 0};
        sjs_err e;
        sjs_status s = sjs_stream_ensure(c, &spec, NULL, &e);
        if (s != SJS_OK) {
            fprintf(stderr, "slate publish: %s\n", e.msg);
            return s == SJS_MISMATCH ? EXIT_INPUT : EXIT_IO;
        }
    }
    return EXIT_OK;
}

static int publish_file(sjs_conn *c, const args *a, FILE *in, const char *in_name)
{
    run r = {.nparts = (unsigned)a->nparts};
    r.parts = calloc(r.nparts, sizeof *r.parts);
    int64_t room = sjs_max_payload(c) - 1024; /* headers: the id, Slate-Line-Bytes */
    r.limit = room < (int64_t)EV_MAX_LINE ? (size_t)(room > 0 ? room : 0) : EV_MAX_LINE;
    sjs_pub_opts po = {.ack_wait_ms = a->timeout_s * 1000, .on_ack = on_ack, .ud = &r};
    sjs_err e;
    if (!r.parts || sjs_pub_open(c, &po, &r.pub, &e) != SJS_OK) {
        fprintf(stderr, "slate publish: %s\n", r.parts ? e.msg : "out of memory");
        free(r.parts);
        return EXIT_IO;
    }
    int status = publish_all(&r, in, in_name);
    sjs_pub_stats st;
    if (sjs_pub_wait(r.pub, a->timeout_s * 1000, &st, &e) != SJS_OK) {
        fprintf(stderr, "slate publish: %s; publishing the same file again is safe\n", e.msg);
        status = EXIT_IO;
    }
    sjs_pub_close(r.pub);
    if (!a->quiet) summary(&r, &st);
    free(r.parts);
    return status;
}

int cmd_publish(int argc, char **argv)
{
    args a = {0};
    int status = parse_args(argc, argv, &a);
    if (status >= 0) return status;
    FILE *in = strcmp(a.file, "-") ? fopen(a.file, "rb") : stdin;
    if (!in) {
        fprintf(stderr, "slate publish: cannot read %s: %s\n", a.file, strerror(errno));
        return EXIT_IO;
    }
    sjs_opts o = {.url = a.url, .name = "slate publish", .timeout_ms = a.timeout_s * 1000,
                  .request_ms = a.timeout_s * 1000, .log = stderr, .who = "slate publish"};
    sjs_conn *c = NULL;
    sjs_err e;
    if (sjs_connect(&o, &c, &e) != SJS_OK) {
        fprintf(stderr, "slate publish: %s\n", e.msg);
        status = EXIT_IO;
    } else if ((status = ensure_streams(c, &a)) == EXIT_OK) {
        status = publish_file(c, &a, in, in == stdin ? "<stdin>" : a.file);
    }
    sjs_close(c);
    sjs_library_close();
    if (in != stdin) fclose(in);
    return status;
}
