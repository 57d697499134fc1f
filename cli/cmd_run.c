/*
 * cmd_run.c - `slate run POLICY [EVENTS]`: the whole runtime on a stream of events.
 *
 * Compiles the policy (source, as `slate build` compiles it) or loads a compiled
 * image, whichever its bytes hold (slatec_load()), then feeds the JSON Lines
 * events (events.h) through one engine (runner.h) and writes every decision as
 * JSON Lines (dout.h), in order, to stdout or -o FILE, and optionally into the
 * SQLite decision log.  A line that cannot be used becomes a `reject` decision and
 * the run goes on; only a broken policy (1), a bad command line (2) or an I/O or
 * internal failure (3) ends it with a non-zero status.  Standard output carries
 * decisions only, so it is byte-identical for the same policy and events; notes,
 * the summary and its timing go to stderr.  docs/io.md has the details.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "progress.h"
#include "events.h"
#include "prun.h"
#include "rerun.h"
#include "runner.h"
#include "slate.h"
#include "slate_log.h"
#include "termsafe.h"
#include "slatec.h"
#include "timestamp.h"

enum {
    O_OUT, O_UNTIL, O_TOLERANCE, O_MAX_SKIP, O_STRICT, O_LOG, O_RESUME, O_LOG_BATCH, O_LOG_SYNC, O_LOG_SCHEMA,
    O_KEY, O_QUIET, O_THREADS
};

static const cli_opt opts[] = {
    [O_OUT] = {"output", 'o', "FILE", "write decisions to FILE instead of standard output", NULL},
    [O_UNTIL] = {"until", 0, "TIME", "at the end, advance time to TIME (RFC 3339 or epoch ms)\n"
                                     "so warnings, breaches and ladder steps due by then fire", NULL},
    [O_TOLERANCE] = {"tolerance", 0, "DUR", "accept events up to DUR older than the latest time seen\n"
                                            "(\"30s\", \"5m\", \"1h30m\", or seconds); default 0.  They\n"
                                            "are held and applied in time order, each at its own\n"
                                            "instant (decisions wait up to DUR); the end of the\n"
                                            "input applies what is still held", NULL},
    [O_MAX_SKIP] = {"max-skip", 0, "DUR", "reject an event (or tick) dated more than DUR after the\n"
                                          "latest time seen, leaving the time where it was; default\n"
                                          "1825d (5 years), `none` for no limit", NULL},
    [O_STRICT] = {"strict", 0, NULL, "reject events carrying keys the policy does not declare\n"
                                     "(by default they are ignored and counted), and events\n"
                                     "after which a field the tier conditions or the rules of\n"
                                     "their type read still has no value (by default it reads\n"
                                     "as its zero value: the first enum value, false, 0, \"\")", NULL},
    [O_LOG] = {"log", 0, "FILE", "also write every event and decision to the SQLite\n"
                                 "decision log FILE (a new file; docs/audit-log.md)", NULL},
    [O_RESUME] = {"resume", 0, NULL, "continue the log FILE after a crash or a stop: verify it,\n"
                                     "rebuild the engine from it, skip the input events it\n"
                                     "already holds (by sequence number) and go on from there", NULL},
    [O_LOG_BATCH] = {"log-batch", 0, "N", "events per log transaction (default 4096)", NULL},
    [O_LOG_SYNC] = {"log-sync", 0, "MODE", "`full` (default: a committed batch survives a power\n"
                                           "loss) or `normal` (survives a killed process)", NULL},
    [O_LOG_SCHEMA] = {"log-schema", 0, "N", "the schema version of a new log: 2 (default: an\n"
                                            "entry's decisions packed in its row) or 1 (a row per\n"
                                            "decision, as slates before 2 wrote); an existing log\n"
                                            "is continued in its own version", NULL},
    [O_KEY] = {"pseudonymize-key", 0, "FILE", "store HMAC-SHA256(key, case id) in the log instead\n"
                                              "of case ids (the key is FILE's bytes)", NULL},
    [O_QUIET] = {"quiet", 'q', NULL, "print nothing on stderr but errors", NULL},
    [O_THREADS] = {"threads", 0, "N", "run N engines, one per partition of the cases, each on\n"
                                      "its own thread (1 to 64; default 1); the output is the\n"
                                      "same, byte for byte (docs/io.md, \"Threads\"); not with\n"
                                      "--log nor --tolerance",
                   NULL},
};

const cli_cmd cmd_run_args = {
    .name = "run",
    .synopsis =
        "usage: slate run [OPTIONS] POLICY [EVENTS]\n"
        "\n"
        "Run a policy over a stream of case events and print every decision it makes,\n"
        "one JSON object per line, in order.  POLICY is a .slate file (compiled first)\n"
        "or a compiled .slc image.  EVENTS is a JSON Lines file, or `-` (the default)\n"
        "for standard input; it is read as it arrives, so a live stream works.\n"
        "\n"
        "Each event line holds `case`, `type`, `at` (RFC 3339 with an offset, or epoch\n"
        "milliseconds), optionally `id`, and case fields the policy declares.  A line\n"
        "that cannot be used becomes a `reject` decision with the reason, and the run\n"
        "goes on.\n"
        "\n",
    .opts = opts,
    .nopts = CLI_NOPTS(opts),
    .column = 22,
    .epilogue =
        "\n"
        "exit status: 0 the stream was processed (rejected events included), 1 the\n"
        "policy has errors (or the log belongs to another run), 2 usage error, 3 I/O or\n"
        "internal error\n",
    .missing = "option `%s` needs a value",
};

/* The log's `strict` option (rerun.h): 2 for --strict (undeclared keys and
 * fields without a value rejected); 1, undeclared keys only, is what logs
 * written before the field check hold. */
#define STRICT_LEVEL(o) ((o)->strict ? 2 : 0)

/* Notes about rejected lines printed on stderr before the rest are only counted. */
#define MAX_NOTES 10

typedef struct run_opts {
    const char *policy, *events, *out, *log, *key_file;
    int64_t until;        /* INT64_MIN: none */
    int64_t tolerance_ms;
    int64_t max_skip_ms;  /* 0: no limit */
    int max_skip_given;   /* --max-skip on the command line */
    int max_skip_unsealed;/* --resume of a log written before the option existed */
    unsigned log_batch;
    unsigned threads;     /* --threads: 0 or 1 for one engine */
    int log_sync_normal, strict, quiet, resume;
    unsigned log_schema;  /* --log-schema: 0 for the default */
} run_opts;

static int all_digits(const char *s)
{
    return *s && strspn(s, "0123456789") == strlen(s);
}

/* TIME for --until: RFC 3339, or epoch milliseconds. */
static int parse_time_arg(const char *s, int64_t *ms, char *why, size_t size)
{
    if (all_digits(s + (*s == '-'))) {
        errno = 0;
        long long v = strtoll(s, NULL, 10);
        if (errno || v < TS_MIN_MS || v > TS_MAX_MS) {
            snprintf(why, size, "epoch milliseconds out of range (years 0000 to 9999)");
            return -1;
        }
        *ms = v;
        return 0;
    }
    return ts_parse_rfc3339(s, strlen(s), ms, why, size);
}

/* DUR for --tolerance: "1h30m" and the like, or plain seconds. */
static int parse_duration_arg(const char *s, int64_t *ms)
{
    if (all_digits(s)) {
        errno = 0;
        long long v = strtoll(s, NULL, 10);
        if (errno || v > INT64_MAX / 1000) return -1;
        *ms = (int64_t)v * 1000;
        return 0;
    }
    return ev_parse_duration(s, strlen(s), ms);
}

/* Neither the decisions (-o, or standard output) nor the log may be written over
 * the policy, the events or the key, nor over each other.  0 or EXIT_USAGE. */
static int refuse_clobber(const run_opts *o)
{
    const char *in_what[] = {"policy", "events", "pseudonym key"};
    const char *in[] = {o->policy, o->events, o->key_file};
    for (int i = 0; i < 3; i++) {
        if (cli_refuse_clobber("run", o->out ? "-o" : NULL, o->out, in_what[i], in[i]) ||
            (o->log && cli_refuse_clobber("run", "--log", o->log, in_what[i], in[i])))
            return EXIT_USAGE;
    }
    return 0; /* -o against --log: once the log exists (cmd_run) */
}

/* Returns 0, -1 after printing --help, or an exit status. */
static int parse_args(int argc, char **argv, run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->until = INT64_MIN;
    o->max_skip_ms = RUNNER_MAX_SKIP_DEFAULT_MS;
    int npos = 0;
    cli_parser ap;
    cli_args(&ap, &cmd_run_args, argc, argv);
    for (int k; (k = cli_next(&ap)) != CLI_END;) {
        const char *val = ap.arg;
        char why[128];
        switch (k) {
        case CLI_STOP: return ap.status == EXIT_OK ? -1 : ap.status;
        case O_OUT: o->out = val; break;
        case O_LOG: o->log = val; break;
        case O_KEY: o->key_file = val; break;
        case O_UNTIL:
            if (parse_time_arg(val, &o->until, why, sizeof why))
                return cli_usage_error("run", "--until: `%s` is not RFC 3339 or epoch "
                                              "milliseconds: %s", val, why);
            break;
        case O_TOLERANCE:
            if (parse_duration_arg(val, &o->tolerance_ms))
                return cli_usage_error("run", "--tolerance: `%s` is not a duration (expected "
                                              "seconds or e.g. \"30s\", \"5m\", \"1h30m\")", val);
            break;
        case O_MAX_SKIP:
            o->max_skip_given = 1;
            if (!strcmp(val, "none")) {
                o->max_skip_ms = 0;
            } else if (parse_duration_arg(val, &o->max_skip_ms) || o->max_skip_ms <= 0) {
                return cli_usage_error("run", "--max-skip: `%s` is not a duration of more than 0 "
                                              "(e.g. \"30d\", \"12h\", or seconds) nor `none`", val);
            }
            break;
        case O_LOG_BATCH: {
            char *end;
            errno = 0;
            unsigned long n = strtoul(val, &end, 10);
            if (!all_digits(val) || errno || n == 0 || n > 1000000)
                return cli_usage_error("run", "--log-batch: expected 1 to 1000000, not `%s`", val);
            o->log_batch = (unsigned)n;
            break;
        }
        case O_LOG_SYNC:
            if (!strcmp(val, "normal")) o->log_sync_normal = 1;
            else if (!strcmp(val, "full")) o->log_sync_normal = 0;
            else return cli_usage_error("run", "--log-sync: expected `full` or `normal`, not `%s`", val);
            break;
        case O_LOG_SCHEMA:
            if (strcmp(val, "1") && strcmp(val, "2"))
                return cli_usage_error("run", "--log-schema: expected 1 or 2, not `%s`", val);
            o->log_schema = (unsigned)atoi(val);
            break;
        case O_STRICT: o->strict = 1; break;
        case O_QUIET: o->quiet = 1; break;
        case O_RESUME: o->resume = 1; break;
        case O_THREADS:
            if (!all_digits(val) || strlen(val) > 2 || atoi(val) < 1 || atoi(val) > PRUN_MAX_THREADS)
                return cli_usage_error("run", "--threads: expected 1 to %d, not `%s`",
                                       PRUN_MAX_THREADS, val);
            o->threads = (unsigned)atoi(val);
            break;
        default:
            if (npos == 0) o->policy = val;
            else if (npos == 1) o->events = val;
            npos++;
        }
    }
    if (!o->policy) return cli_usage_error("run", "no policy given");
    if (npos > 2) return cli_usage_error("run", "too many arguments: one policy, one event file");
    if (!o->events) o->events = "-";
    if (!o->log && (o->key_file || o->log_batch || o->log_sync_normal || o->resume ||
                    o->log_schema))
        return cli_usage_error("run", "--log-batch, --log-sync, --log-schema, --pseudonymize-key "
                                      "and --resume need --log");
    if (o->threads > 1 && o->log)
        return cli_usage_error("run", "--threads with --log: the decision log is written by one "
                                      "engine; use --threads 1 (the default) with --log");
    if (o->threads > 1 && o->tolerance_ms > 0)
        return cli_usage_error("run", "--threads with --tolerance: events within the tolerance are "
                                      "held and applied in time order across all cases, which the "
                                      "partitions do not reproduce yet; use --threads 1 with "
                                      "--tolerance");
    return refuse_clobber(o);
}

/* The policy as loaded, with what the log keeps of it. */
typedef struct loaded {
    slate_program *prog;
    uint8_t *image;       /* the image bytes as loaded */
    size_t image_len;
    char *source;         /* the source text (.slate only) */
    size_t source_len;
} loaded;

/* Compile or load the policy, told apart by its bytes (slatec_load()), not its
 * name.  Returns an exit status; fills *l on EXIT_OK. */
static int load_policy(const char *path, int quiet, loaded *l)
{
    memset(l, 0, sizeof *l);
    size_t len;
    char *bytes = slatec_read_file(path, &len);
    if (!bytes) {
        fprintf(stderr, "slate run: cannot read %s: %s\n", path, strerror(errno));
        return EXIT_IO;
    }
    /* Diagnostics are held back so that --quiet can drop warnings. */
    char *diag = NULL;
    size_t dlen = 0;
    FILE *mem = open_memstream(&diag, &dlen);
    if (!mem) {
        fprintf(stderr, "slate run: out of memory\n");
        free(bytes);
        return EXIT_IO;
    }
    slatec_opts o = SLATEC_OPTS_INIT;
    o.diag = mem;
    o.summary = 1;
    char *err = NULL;
    int rc = slatec_load(&o, path, bytes, len, &l->prog, &l->image, &l->image_len, &err);
    fclose(mem);
    if (rc != SLATE_OK || !quiet) fputs(diag, stderr);
    free(diag);
    if (rc == SLATE_NOMEM) fprintf(stderr, "slate run: out of memory loading %s\n", path);
    else if (err) fprintf(stderr, "slate run: %s: not a valid compiled policy: %s\n", path, err);
    slate_free(err);
    if (rc != SLATE_OK || slatec_is_image(bytes, len)) {
        free(bytes);
        return cli_compile_status(rc);
    }
    l->source = bytes; /* keep the text for the log */
    l->source_len = len;
    return EXIT_OK;
}

static void release_policy(loaded *l)
{
    slate_program_free(l->prog);
    free(l->image);
    free(l->source);
}

/* "slate run: MESSAGE" for a message of the log's library: it may quote what
 * the log holds (an object's name, a stored value), so it is terminal-safe. */
static void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_error(const char *fmt, ...)
{
    char msg[2048], safe[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "slate run: %s\n", term_safe_str(safe, sizeof safe, msg, NULL));
}

/* --resume without --max-skip: go on with the limit the log was written with
 * (none for a log from before the option existed, which does not seal it).  A
 * log that cannot be read is left for open_log to report. */
static void adopt_max_skip(run_opts *o)
{
    slate_log_reader *rd = NULL;
    if (!o->resume || o->max_skip_given || slate_log_read_open(o->log, NULL, &rd, NULL)) return;
    const char *v = slate_log_read_meta(rd, "opt.max_skip_ms");
    o->max_skip_ms = v ? strtoll(v, NULL, 10) : 0;
    o->max_skip_unsealed = !v;
    slate_log_read_close(rd);
}

/* Open the decision log for a new run.  Returns an exit status. */
static int open_log(const run_opts *o, slate_log **log)
{
    char tol[48], strict[16], skip[48];
    snprintf(tol, sizeof tol, "tolerance_ms=%lld", (long long)o->tolerance_ms);
    snprintf(strict, sizeof strict, "strict=%d", STRICT_LEVEL(o));
    snprintf(skip, sizeof skip, "max_skip_ms=%lld", (long long)o->max_skip_ms);
    const char *options[] = {tol, strict, o->max_skip_unsealed ? NULL : skip, NULL};
    slate_log_opts lo = {0};
    lo.batch = o->log_batch;
    lo.sync_normal = o->log_sync_normal;
    lo.schema = o->log_schema;
    lo.options = options;
    char *key = NULL;
    if (o->key_file) {
        key = slatec_read_file(o->key_file, &lo.pseudonym_key_len);
        if (!key) {
            fprintf(stderr, "slate run: cannot read %s: %s\n", o->key_file, strerror(errno));
            return EXIT_IO;
        }
        if (lo.pseudonym_key_len == 0) {
            fprintf(stderr, "slate run: %s: the pseudonym key is empty\n", o->key_file);
            free(key);
            return EXIT_INPUT;
        }
        lo.pseudonym_key = key;
    }
    char *err = NULL;
    int rc = slate_log_open_opts(o->log, &lo, log, &err);
    free(key);
    if (rc != SLATE_OK) {
        if (err) log_error("%s", err); /* it names the file */
        else fprintf(stderr, "slate run: %s: %s\n", o->log, slate_errstr(rc));
        slate_log_free(err);
        return rc == SLATE_ERROR ? EXIT_INPUT : EXIT_IO;
    }
    uint64_t n = slate_log_last_event_seq(*log);
    if (n > 0 && !o->resume) {
        fprintf(stderr,
                "slate run: %s already holds %llu events of an earlier run; give a new file, "
                "or --resume to continue it\n",
                o->log, (unsigned long long)n);
        slate_log_close(*log, NULL);
        *log = NULL;
        return EXIT_INPUT;
    }
    return EXIT_OK;
}

/* --resume: check the log, then rebuild the engine by replaying it (every row
 * compared, as `slate replay` does) into rr, whose runner then continues with
 * `log` as its log.  Returns an exit status. */
static int rebuild(const run_opts *o, slate_log *log, rr_run *rr)
{
    slate_log_summary sum;
    char *err = NULL;
    int rc = slate_log_verify(o->log, &sum, &err);
    if (rc != SLATE_OK) {
        log_error("--resume: %s: %s", o->log, err ? err : slate_errstr(rc));
        slate_log_free(err);
        return rc == SLATE_NOMEM ? EXIT_IO : EXIT_INPUT;
    }
    slate_log_opts co = {.check = 1};
    slate_log *check = NULL;
    if ((rc = slate_log_open_opts(o->log, &co, &check, &err)) != SLATE_OK) {
        log_error("--resume: %s", err ? err : slate_errstr(rc));
        slate_log_free(err);
        return EXIT_IO;
    }
    rr_init(rr, o->tolerance_ms, STRICT_LEVEL(o), check, NULL, NULL, NULL);
    rr->max_skip_ms = o->max_skip_ms;
    rr_result res;
    int status = rr_feed(o->log, rr, &res, "run");
    if (!status && slate_log_check_end(check) != SLATE_OK) {
        log_error("--resume: %s: %s", o->log, slate_log_errmsg(check));
        status = EXIT_INPUT;
    }
    if (!status && !rr->started) {
        fprintf(stderr, "slate run: --resume: %s holds no policy entry\n", o->log);
        status = EXIT_INPUT;
    }
    slate_log_close(check, NULL);
    if (status) return status;
    /* from here on the runner writes to the real log */
    rr->log = log;
    rr->run.log = log;
    rr->run.out.next = slate_log_sink;
    rr->run.out.next_ud = log;
    if (!o->quiet)
        fprintf(stderr, "slate run: --resume: %s verified and replayed: %llu events, %llu "
                        "decisions; continuing after event %llu\n",
                o->log, (unsigned long long)res.events, (unsigned long long)res.decisions,
                (unsigned long long)slate_log_last_event_seq(log));
    return EXIT_OK;
}

/* --resume: an input line the log already holds must be the logged event (when
 * the log keeps payloads in clear), or the input is not the one that was run. */
static int same_as_logged(slate_log_reader *logged, const ev_result *res)
{
    slate_log_stored e;
    if (!logged || !res->raw) return 1;
    if (slate_log_read_event(logged, res->ev.seq, &e) || !e.found || !e.payload) return 1;
    return e.payload_len == res->raw_len && !memcmp(e.payload, res->raw, e.payload_len);
}

/* What flush_before_read() needs: the runner and the input it reads. */
typedef struct before_read {
    runner *r;
    int fd;
} before_read;

/* Before a read: show the consumer the decisions so far, and commit the log's
 * batch when the input has run dry (nothing to read right now).  A file, or a
 * pipe with data waiting, does not commit a batch early: a commit per 64 KiB
 * read cost more than the batches themselves.  A failure shows at the next
 * decision or at the end. */
static void flush_before_read(void *ud)
{
    before_read *b = ud;
    runner *r = b->r;
    if (r->out.f && dout_flush(&r->out) == 0 && fflush(r->out.f) != 0 && !r->out.write_error)
        r->out.write_error = errno;
    struct pollfd p = {b->fd, POLLIN, 0};
    if (r->log && poll(&p, 1, 0) <= 0) slate_log_flush(r->log);
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* --threads: before a read that may block, show the decisions so far. */
typedef struct before_read_prun {
    prun *p;
    int fd;
} before_read_prun;

static void flush_threads(void *ud)
{
    before_read_prun *b = ud;
    struct pollfd pf = {b->fd, POLLIN, 0};
    if (poll(&pf, 1, 0) <= 0) prun_flush(b->p); /* a failure shows at the next line */
}

/* `slate run --threads N` (N > 1): the same reading, the engines of prun.h.
 * Returns an exit status. */
static int run_threaded(const run_opts *o, const slate_program *prog,
                        const slate_engine_opts *eo, FILE *in, FILE *out, const char *in_name,
                        const char *out_name, const struct timespec *t0)
{
    prun_opts po = {o->threads, prog, *eo, o->max_skip_ms, out};
    char err[300];
    int status = EXIT_OK;
    ev_result *res = malloc(sizeof *res);
    ev_reader *rd = ev_reader_new(prog, o->strict);
    prun *p = rd && res ? prun_new(&po, err, sizeof err) : NULL;
    if (!rd || !res || !p) {
        fprintf(stderr, "slate run: %s\n", rd && res ? err : "out of memory");
        free(res);
        ev_reader_free(rd);
        return EXIT_IO;
    }
    before_read_prun br = {p, fileno(in)};
    ev_reader_before_read(rd, flush_threads, &br);
    uint64_t notes = 0;
    for (;;) {
        ev_status st = ev_next(rd, in, res);
        if (st == EV_EOF) break;
        if (st == EV_IOERR) {
            fprintf(stderr, "slate run: cannot read %s: %s\n", in_name, strerror(errno));
            status = EXIT_IO;
            goto done;
        }
        if (st == EV_REJECT && !o->quiet && notes++ < MAX_NOTES)
            fprintf(stderr, "slate run: %s:%llu: rejected: %s\n", in_name,
                    (unsigned long long)res->line, res->reason);
        if (prun_feed(p, res)) break;
    }
    int64_t now = prun_now(p);
    if (!prun_error(p, NULL) && o->until != INT64_MIN && now != INT64_MIN && o->until < now &&
        !o->quiet) {
        char u[40], w[40];
        ts_format(o->until, u);
        ts_format(now, w);
        fprintf(stderr, "slate run: --until %s is before the stream's time %s: ignored (time never "
                        "goes back)\n", u, w);
    }
    if (o->until != INT64_MIN) prun_advance(p, o->until);
    prun_flush(p);
    int werr = 0;
    const char *why = prun_error(p, &werr);
    if (why) {
        if (werr) fprintf(stderr, "slate run: cannot write %s: %s\n", out_name, strerror(werr));
        else fprintf(stderr, "slate run: %s\n", why);
        status = EXIT_IO;
        goto done;
    }
    if (!o->quiet) {
        ev_stats s = ev_reader_stats(rd);
        prun_stats ps = prun_get_stats(p);
        if (notes > MAX_NOTES)
            fprintf(stderr, "slate run: %llu more rejected lines not shown\n",
                    (unsigned long long)(notes - MAX_NOTES));
        fprintf(stderr, "slate run: %llu events (%llu rejected), %llu decisions, %zu cases open",
                (unsigned long long)s.events, (unsigned long long)ps.rejects,
                (unsigned long long)ps.decisions, ps.open_cases);
        if (s.undeclared)
            fprintf(stderr, ", %llu undeclared key%s %s", (unsigned long long)s.undeclared,
                    s.undeclared == 1 ? "" : "s", o->strict ? "rejected" : "ignored");
        fprintf(stderr, ", %u threads, %.2f s\n", o->threads, seconds_since(t0));
    }
done:
    prun_free(p);
    ev_reader_free(rd);
    free(res);
    return status;
}

int cmd_run(int argc, char **argv)
{
    run_opts opt;
    int status = parse_args(argc, argv, &opt);
    if (status) return status < 0 ? EXIT_OK : status;

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    loaded pol;
    status = load_policy(opt.policy, opt.quiet, &pol);
    if (status) return status;

    FILE *in = NULL, *out = NULL;
    slate_log *log = NULL;
    ev_reader *rd = NULL;
    ev_result *res = NULL;
    runner run, *rp = &run;
    int have_runner = 0, have_rr = 0;
    rr_run rr;
    uint64_t skip_upto = 0;   /* --resume: input events the log already holds */
    slate_log_reader *logged = NULL; /* --resume: the log as it was, to compare skipped lines */
    int compare_logged = 0;   /* ... when it keeps payloads in clear */
    int until_logged = 0;     /* --resume: the log ends with this run's --until advance */
    const char *in_name = strcmp(opt.events, "-") ? opt.events : "<stdin>";
    const char *out_name = opt.out ? opt.out : "<stdout>";

    in = strcmp(opt.events, "-") ? fopen(opt.events, "rb") : stdin;
    if (!in) {
        fprintf(stderr, "slate run: cannot read %s: %s\n", opt.events, strerror(errno));
        status = EXIT_IO;
        goto done;
    }
    if (opt.log) adopt_max_skip(&opt);
    if (opt.log && (status = open_log(&opt, &log)) != EXIT_OK) goto done;
    if (opt.log &&
        (status = cli_refuse_clobber("run", opt.out ? "-o" : NULL, opt.out, "decision log", opt.log)))
        goto done;
    out = opt.out ? fopen(opt.out, "wb") : stdout;
    if (!out) {
        fprintf(stderr, "slate run: cannot write %s: %s\n", opt.out, strerror(errno));
        status = EXIT_IO;
        goto done;
    }
    setvbuf(out, NULL, _IOFBF, 1 << 20);

    slate_engine_opts eo = SLATE_ENGINE_OPTS_INIT;
    eo.tolerance_ms = opt.tolerance_ms;
    eo.strict = opt.strict;
    if (opt.threads > 1) {
        status = run_threaded(&opt, pol.prog, &eo, in, out, in_name, out_name, &t0);
        goto done;
    }
    slate_log_policy lp = {0};
    lp.hash = slate_program_hash(pol.prog);
    lp.name = slate_program_name(pol.prog);
    lp.version = slate_program_version(pol.prog);
    lp.file = slate_program_source(pol.prog);
    lp.source = pol.source;
    lp.source_len = pol.source_len;
    lp.image = pol.image;
    lp.image_len = pol.image_len;
    if (opt.resume && slate_log_policy_hash(log)) {
        rr_init(&rr, 0, 0, NULL, NULL, NULL, NULL);
        have_rr = 1;
        if ((status = rebuild(&opt, log, &rr)) != EXIT_OK) goto done;
        rp = &rr.run;
        rp->out.f = out;
        skip_upto = slate_log_last_event_seq(log);
        /* a different policy than the log's last: a hot swap, recorded as such */
        if (strcmp(slate_program_hash(rp->prog), slate_program_hash(pol.prog)) &&
            runner_swap(rp, pol.prog, &lp)) {
            fprintf(stderr, "slate run: %s\n", rp->err);
            status = rp->failed == SLATE_ERROR ? EXIT_INPUT : EXIT_IO;
            goto done;
        }
        char *err = NULL;
        int rrc = slate_log_read_open(opt.log, NULL, &logged, &err);
        if (rrc != SLATE_OK) {
            log_error("--resume: %s", err ? err : slate_errstr(rrc));
            slate_log_free(err);
            status = rrc == SLATE_ERROR ? EXIT_INPUT : EXIT_IO;
            goto done;
        }
        /* pseudonymised payloads differ from the input by design: not compared */
        const char *mode = slate_log_read_meta(logged, "pseudonym");
        compare_logged = mode && !strcmp(mode, "none");
        /* killed after its --until was logged: that advance is not made twice */
        slate_log_stored last = {0};
        if (opt.until != INT64_MIN && slate_log_read_last(logged, &last)) {
            log_error("--resume: %s: %s", opt.log, slate_log_read_errmsg(logged));
            status = EXIT_IO;
            goto done;
        }
        until_logged = opt.until != INT64_MIN && last.found && last.kind &&
                       !strcmp(last.kind, "advance") && last.at == opt.until;
    } else {
        have_runner = 1;
        if (runner_init(&run, pol.prog, &eo, out, log, &lp)) {
            fprintf(stderr, "slate run: %s\n", run.err);
            status = run.failed == SLATE_ERROR ? EXIT_INPUT : EXIT_IO;
            goto done;
        }
        run.max_skip_ms = opt.max_skip_ms;
    }
    rd = ev_reader_new(pol.prog, opt.strict);
    res = malloc(sizeof *res);
    if (!rd || !res) {
        fprintf(stderr, "slate run: out of memory\n");
        status = EXIT_IO;
        goto done;
    }
    before_read br = {rp, fileno(in)};
    ev_reader_before_read(rd, flush_before_read, &br);

    uint64_t notes = 0, fed = 0;
    cli_progress pg;
    cli_progress_begin(&pg, "run", "events", opt.quiet, in, out);
    for (;;) {
        cli_progress_update(&pg, fed++, pg.on ? (uint64_t)ftello(in) : 0);
        ev_status st = ev_next(rd, in, res);
        if (st == EV_EOF) break;
        if (st == EV_IOERR) {
            fprintf(stderr, "slate run: cannot read %s: %s\n", in_name, strerror(errno));
            status = EXIT_IO;
            goto done;
        }
        if (res->ev.seq <= skip_upto) {
            if (!same_as_logged(compare_logged ? logged : NULL, res)) {
                fprintf(stderr, "slate run: --resume: %s:%llu is not the event %s holds as "
                                "seq %llu: is this the input of the logged run?\n",
                        in_name, (unsigned long long)res->line, opt.log,
                        (unsigned long long)res->ev.seq);
                status = EXIT_INPUT;
                goto done;
            }
            continue;
        }
        if (st == EV_REJECT && !opt.quiet && notes++ < MAX_NOTES) {
            cli_progress_clear(&pg);
            fprintf(stderr, "slate run: %s:%llu: rejected: %s\n", in_name,
                    (unsigned long long)res->line, res->reason);
        }
        until_logged = 0; /* a new event: the advance comes after it */
        slate_log_read_close(logged); /* past the logged events: no snapshot held while writing */
        logged = NULL;
        if (runner_feed(rp, res)) {
            if (rp->out.write_error)
                fprintf(stderr, "slate run: cannot write %s: %s\n", out_name,
                        strerror(rp->out.write_error));
            else
                fprintf(stderr, "slate run: %s:%llu: %s\n", in_name,
                        (unsigned long long)res->line, rp->err);
            status = EXIT_IO;
            goto done;
        }
    }
    cli_progress_clear(&pg);
    slate_log_read_close(logged);
    logged = NULL;
    int64_t now = slate_engine_now(rp->eng);
    if (opt.until != INT64_MIN && now != INT64_MIN && opt.until < now && !opt.quiet) {
        char u[40], w[40];
        ts_format(opt.until, u);
        ts_format(now, w);
        fprintf(stderr, "slate run: --until %s is before the stream's time %s: ignored (time never "
                        "goes back)\n", u, w);
    }
    /* events held within the tolerance: applied now, unless --until (at or after
     * the latest time) applies them with the advance it makes */
    if ((opt.until == INT64_MIN || (now != INT64_MIN && opt.until < now)) && runner_flush(rp)) {
        fprintf(stderr, "slate run: %s\n", rp->err);
        status = EXIT_IO;
        goto done;
    }
    if (opt.until != INT64_MIN && !until_logged && runner_advance(rp, opt.until)) {
        if (rp->out.write_error)
            fprintf(stderr, "slate run: cannot write %s: %s\n", out_name,
                    strerror(rp->out.write_error));
        else
            fprintf(stderr, "slate run: --until: %s\n", rp->err);
        status = EXIT_IO;
        goto done;
    }
    if (dout_flush(&rp->out) || fflush(out) != 0 || ferror(out) || rp->out.write_error) {
        fprintf(stderr, "slate run: cannot write %s: %s\n", out_name,
                strerror(rp->out.write_error ? rp->out.write_error : errno ? errno : EIO));
        status = EXIT_IO;
        goto done;
    }
    if (log) {
        char *err = NULL;
        int rc = slate_log_close(log, &err);
        log = NULL;
        if (rc != SLATE_OK) {
            fprintf(stderr, "slate run: %s: %s\n", opt.log, err ? err : slate_errstr(rc));
            slate_log_free(err);
            status = EXIT_IO;
            goto done;
        }
    }

    if (!opt.quiet) {
        ev_stats s = ev_reader_stats(rd);
        if (notes > MAX_NOTES)
            fprintf(stderr, "slate run: %llu more rejected lines not shown\n",
                    (unsigned long long)(notes - MAX_NOTES));
        fprintf(stderr, "slate run: %llu events (%llu rejected), %llu decisions, %zu cases open",
                (unsigned long long)s.events, (unsigned long long)rp->out.rejects,
                (unsigned long long)rp->out.seq, slate_engine_open_cases(rp->eng));
        if (s.undeclared)
            fprintf(stderr, ", %llu undeclared key%s %s", (unsigned long long)s.undeclared,
                    s.undeclared == 1 ? "" : "s", opt.strict ? "rejected" : "ignored");
        fprintf(stderr, ", %.2f s\n", seconds_since(&t0));
    }

done:
    if (log) slate_log_close(log, NULL); /* after a failure: commit what is whole */
    if ((have_runner || rp != &run) && rp->out.f) dout_flush(&rp->out); /* and show what is made */
    if (out && out != stdout && fclose(out) != 0 && status == EXIT_OK) {
        fprintf(stderr, "slate run: cannot write %s: %s\n", out_name, strerror(errno));
        status = EXIT_IO;
    }
    if (in && in != stdin) fclose(in);
    free(res);
    ev_reader_free(rd);
    if (have_runner) runner_release(&run);
    if (have_rr) rr_free(&rr);
    slate_log_read_close(logged);
    release_policy(&pol);
    return status;
}
