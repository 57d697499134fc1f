/*
 * cmd_archive.c - `slate archive --nats URL --jsonl OUT`: read every partition's
 * decision stream (SLATE_DEC_<p>) from its first message to its last and write
 * the decisions as JSON Lines, partition by partition, each in stream order:
 * the lines `slate serve` published, which are the lines `slate run` prints
 * (their `seq` numbered per partition, their `event` the event's sequence in its
 * partition's stream; docs/deploy.md).  With --meta each line is wrapped with
 * where it was found.  With --log, the cluster's history as a partitioned
 * decision log instead (archive_log.c).  It reads only; it acknowledges
 * nothing and leaves no consumer behind.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_log.h"
#include "cli.h"
#include "events.h"
#include "js.h"
#include "timestamp.h"
#include "worker.h"

enum { O_JSONL, O_LOG, O_NATS, O_PARTITIONS, O_META, O_CONSUMERS, O_TOLERANCE, O_STRICT,
       O_TIMEOUT, O_QUIET };

static const cli_opt opts[] = {
    [O_JSONL] = {"jsonl", 0, "OUT", "write the decisions to OUT (`-`: standard output)",
                 "`--jsonl` needs a file"},
    [O_LOG] = {"log", 0, "AUDIT.DB", "instead, write the cluster's history to a new decision\n"
                                     "log: every partition's events re-run as its worker ran\n"
                                     "them, each decision checked against the one published,\n"
                                     "for `slate replay`, `report`, `explain`, `diff`",
               "`--log` needs a file"},
    [O_NATS] = {"nats", 0, "URL", "NATS servers, comma-separated (default nats://127.0.0.1:4222)",
                "`--nats` needs a URL"},
    [O_PARTITIONS] = {"partitions", 0, "N", "partitions, as given to `slate publish` (default 8)",
                      "`--partitions` needs a number"},
    [O_META] = {"meta", 0, NULL, "wrap each line: {\"partition\":P,\"stream_seq\":S,\n"
                                 "\"event_seq\":E,\"stored\":TIME,\"decision\":LINE}", NULL},
    [O_CONSUMERS] = {"consumers", 0, NULL, "instead, print each partition's event stream and its\n"
                                           "worker's consumer, as asked of their leaders: \"P last_seq\n"
                                           "ack_floor ack_pending redelivered\" (-1: no consumer yet)",
                     NULL},
    [O_TOLERANCE] = {"tolerance", 0, "DUR", "with --log: the workers' --tolerance (default 0)",
                     "`--tolerance` needs a duration"},
    [O_STRICT] = {"strict", 0, NULL, "with --log: the workers ran with --strict", NULL},
    [O_TIMEOUT] = {"timeout", 0, "S", "seconds to keep trying to reach NATS (default 10)",
                   "`--timeout` needs a number of seconds"},
    [O_QUIET] = {"quiet", 'q', NULL, "no summary on stderr", NULL},
};

/* No operands: anything that is no option is an unknown argument. */
const cli_cmd cmd_archive_args = {
    .name = "archive",
    .synopsis =
        "usage: slate archive [OPTIONS] --jsonl OUT\n"
        "       slate archive [OPTIONS] --log AUDIT.DB\n"
        "\n"
        "Write every decision `slate serve` published to NATS JetStream (the streams\n"
        "SLATE_DEC_<p>) to OUT (`-`: standard output) as JSON Lines: partition 0 first,\n"
        "each partition in `seq` order (a batch a worker sent again after an outage\n"
        "is stored after later decisions).\n"
        "\n",
    .opts = opts,
    .nopts = CLI_NOPTS(opts),
    .column = 20,
    .epilogue =
        "\n"
        "exit status: 0 ok, 1 (--log) the streams do not give the decisions published,\n"
        "2 usage error, 3 I/O error (NATS unreachable, OUT unwritable, AUDIT.DB exists)\n",
    .unknown = "unknown argument `%s`",
};

/* One partition's decision lines, kept until the whole stream is read: the
 * stream holds them in the order they were stored, and a batch a worker sent
 * again after a partial failure (a server stopping) lands after later ones.
 * Their order of truth is their `seq` (the Slate-Decision-Seq header), so
 * they are written sorted by it; a message without one keeps its place. */
typedef struct line_ref {
    uint64_t key, pos;
    size_t off, len;
} line_ref;

typedef struct dump {
    unsigned p;
    int meta;
    uint64_t n, key;
    char *buf;
    size_t len, cap;
    line_ref *refs;
    size_t nref, capref;
    int nomem;
} dump;

static int put(dump *d, const void *s, size_t n)
{
    if (d->len + n > d->cap) {
        size_t cap = d->cap ? d->cap : 1 << 16;
        while (cap < d->len + n) cap *= 2;
        char *b = realloc(d->buf, cap);
        if (!b) return d->nomem = 1;
        d->buf = b;
        d->cap = cap;
    }
    memcpy(d->buf + d->len, s, n);
    d->len += n;
    return 0;
}

static int on_msg(void *ud, const sjs_msg *m)
{
    dump *d = ud;
    if (d->nref == d->capref) {
        size_t cap = d->capref ? d->capref * 2 : 1024;
        line_ref *r = realloc(d->refs, cap * sizeof *r);
        if (!r) return d->nomem = 1;
        d->refs = r;
        d->capref = cap;
    }
    const char *ds = sjs_msg_header(m, "Slate-Decision-Seq");
    char *end;
    unsigned long long k = ds ? strtoull(ds, &end, 10) : 0;
    if (ds && *ds && !*end) d->key = k;
    line_ref *r = &d->refs[d->nref++];
    *r = (line_ref){d->key, d->n, d->len, 0};
    if (d->meta) {
        const char *es = sjs_msg_header(m, "Slate-Event-Seq");
        char when[TS_FORMAT_MAX + 1], head[160];
        ts_format(m->time_ns / 1000000, when);
        int hn = snprintf(head, sizeof head, "{\"partition\":%u,\"stream_seq\":%" PRIu64
                          ",\"event_seq\":%s,\"stored\":\"%s\",\"decision\":", d->p, m->seq,
                          es && *es && strlen(es) < 24 ? es : "null", when);
        if (put(d, head, (size_t)hn)) return 1;
    }
    if (put(d, m->data, m->len) || put(d, d->meta ? "}\n" : "\n", d->meta ? 2 : 1)) return 1;
    r->len = d->len - r->off;
    d->n++;
    return 0;
}

static int by_key(const void *a, const void *b)
{
    const line_ref *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Write the partition's lines in `seq` order and empty d for the next. */
static int write_sorted(dump *d, FILE *out)
{
    qsort(d->refs, d->nref, sizeof *d->refs, by_key);
    for (size_t i = 0; i < d->nref; i++) fwrite(d->buf + d->refs[i].off, 1, d->refs[i].len, out);
    d->len = d->nref = 0;
    return ferror(out) != 0;
}

/* --consumers: one line per partition.  An exit status. */
static int print_consumers(sjs_conn *c, unsigned nparts, FILE *out)
{
    for (unsigned p = 0; p < nparts; p++) {
        char stream[48], durable[48];
        sjs_stream_name(SJS_EVENTS, p, stream, sizeof stream);
        snprintf(durable, sizeof durable, SW_DURABLE_FMT, p);
        sjs_stream_state ss;
        sjs_consumer_state cs;
        sjs_err e;
        sjs_status s = sjs_stream_state_of(c, stream, &ss, &e);
        if (s == SJS_OK) s = sjs_consumer_state_by_name(c, stream, durable, &cs, &e);
        if (s == SJS_OK)
            fprintf(out, "%u %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", p, ss.last_seq,
                    cs.ack_floor, cs.ack_pending, cs.redelivered);
        else if (s == SJS_NOTFOUND)
            fprintf(out, "%u %" PRIu64 " -1 -1 -1\n", p, ss.last_seq);
        else {
            fprintf(stderr, "slate archive: %s\n", e.msg);
            return EXIT_IO;
        }
    }
    return EXIT_OK;
}

int cmd_archive(int argc, char **argv)
{
    const char *url = NULL, *parts = NULL, *timeout = NULL, *jsonl = NULL, *log = NULL;
    const char *tol = NULL;
    int meta = 0, quiet = 0, consumers = 0, strict = 0;
    cli_parser ap;
    cli_args(&ap, &cmd_archive_args, argc, argv);
    for (int k; (k = cli_next(&ap)) != CLI_END;) {
        switch (k) {
        case CLI_STOP: return ap.status;
        case O_NATS: url = ap.arg; break;
        case O_PARTITIONS: parts = ap.arg; break;
        case O_TIMEOUT: timeout = ap.arg; break;
        case O_JSONL: jsonl = ap.arg; break;
        case O_LOG: log = ap.arg; break;
        case O_TOLERANCE: tol = ap.arg; break;
        case O_STRICT: strict = 1; break;
        case O_META: meta = 1; break;
        case O_CONSUMERS: consumers = 1; break;
        case O_QUIET: quiet = 1; break;
        default: return cli_usage_error("archive", "unknown argument `%s`", ap.arg);
        }
    }
    if (!jsonl && !consumers && !log)
        return cli_usage_error("archive", "no output given (--jsonl OUT or --log AUDIT.DB)");
    if ((jsonl != NULL) + consumers + (log != NULL) > 1)
        return cli_usage_error("archive", "one of --jsonl, --log and --consumers");
    if (meta && !jsonl) return cli_usage_error("archive", "`--meta` goes with --jsonl");
    if ((tol || strict) && !log)
        return cli_usage_error("archive", "`--%s` goes with --log", tol ? "tolerance" : "strict");
    int64_t tolerance_ms = 0;
    if (tol && (ev_parse_duration(tol, strlen(tol), &tolerance_ms) || tolerance_ms < 0))
        return cli_usage_error("archive", "`--tolerance`: `%s` is not a duration (\"30s\", "
                               "\"5m\", \"250ms\")", tol);
    if (consumers) jsonl = "-";
    char *end;
    long nparts = parts ? strtol(parts, &end, 10) : 8;
    if (parts && (end == parts || *end || nparts < 1 || nparts > SJS_MAX_PARTS))
        return cli_usage_error("archive", "`--partitions` must be 1 to %d, not `%s`",
                               SJS_MAX_PARTS, parts);
    long tmo = timeout ? strtol(timeout, &end, 10) : 10;
    if (timeout && (end == timeout || *end || tmo < 1 || tmo > 3600))
        return cli_usage_error("archive", "`--timeout` must be 1 to 3600 seconds, not `%s`",
                               timeout);
    if (log) {
        sjs_opts lso = {.url = url, .name = "slate archive", .timeout_ms = tmo * 1000,
                        .request_ms = tmo * 1000, .log = stderr, .who = "slate archive"};
        sjs_conn *lc = NULL;
        sjs_err le;
        int st;
        if (sjs_connect(&lso, &lc, &le) != SJS_OK) {
            fprintf(stderr, "slate archive: %s\n", le.msg);
            st = EXIT_IO;
        } else {
            al_opts ao = {log, (unsigned)nparts, tolerance_ms, strict, quiet};
            st = archive_log(lc, &ao);
        }
        sjs_close(lc);
        sjs_library_close();
        return st;
    }
    FILE *out = strcmp(jsonl, "-") ? fopen(jsonl, "w") : stdout;
    if (!out) {
        fprintf(stderr, "slate archive: cannot write %s: %s\n", jsonl, strerror(errno));
        return EXIT_IO;
    }
    sjs_opts so = {.url = url, .name = "slate archive", .timeout_ms = tmo * 1000,
                   .request_ms = tmo * 1000, .log = stderr, .who = "slate archive"};
    sjs_conn *c = NULL;
    sjs_err e;
    int status = EXIT_OK;
    uint64_t total = 0;
    unsigned streams = 0;
    if (sjs_connect(&so, &c, &e) != SJS_OK) {
        fprintf(stderr, "slate archive: %s\n", e.msg);
        status = EXIT_IO;
    }
    if (consumers && status == EXIT_OK) {
        status = print_consumers(c, (unsigned)nparts, out);
        nparts = 0;
        quiet = 1;
    }
    dump d = {.meta = meta};
    for (unsigned p = 0; status == EXIT_OK && p < (unsigned)nparts; p++) {
        char stream[48];
        sjs_stream_name(SJS_DECISIONS, p, stream, sizeof stream);
        sjs_stream_state st;
        sjs_status s = sjs_stream_state_of(c, stream, &st, &e);
        if (s == SJS_NOTFOUND) continue;
        d.p = p;
        d.n = d.key = 0;
        if (s == SJS_OK && st.last_seq > 0)
            s = sjs_read_range(c, stream, st.first_seq ? st.first_seq : 1, st.last_seq, 0, on_msg,
                               &d, &e);
        if (d.nomem) {
            fprintf(stderr, "slate archive: out of memory\n");
            status = EXIT_IO;
            break;
        }
        if (s != SJS_OK) {
            fprintf(stderr, "slate archive: %s\n", e.msg);
            status = EXIT_IO;
        }
        if (write_sorted(&d, out)) status = EXIT_IO; /* said below */
        if (!quiet)
            fprintf(stderr, "slate archive: partition %u: %" PRIu64 " decisions\n", p, d.n);
        total += d.n;
        streams++;
    }
    free(d.buf);
    free(d.refs);
    if (fflush(out) || ferror(out)) {
        fprintf(stderr, "slate archive: cannot write %s: %s\n", jsonl, strerror(errno));
        status = EXIT_IO;
    }
    if (out != stdout) fclose(out);
    if (!quiet && status == EXIT_OK)
        fprintf(stderr, "slate archive: %" PRIu64 " decisions from %u decision streams\n", total,
                streams);
    sjs_close(c);
    sjs_library_close();
    return status;
}
