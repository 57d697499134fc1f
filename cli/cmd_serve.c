/*
 * cmd_serve.c - `slate serve POLICY --nats URL`: the live worker (serve/worker.h,
 * docs/deploy.md).  This file parses the options and installs the signal
 * handlers (SIGTERM and SIGINT drain, SIGHUP reloads the policy), which only set
 * flags the worker's main loop reads.  Everything else is in serve/.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "events.h"
#include "js.h"
#include "worker.h"

enum {
    O_NATS, O_PARTITIONS, O_WORKER, O_TOLERANCE, O_CHECKPOINT_EVERY, O_METRICS, O_REPLICAS,
    O_TIMEOUT, O_LEASE_TTL, O_DRAIN, O_NO_TICKS, O_STRICT, O_LOG_TIME, O_QUIET
};

static const cli_opt opts[] = {
    [O_NATS] = {"nats", 0, "URL", "NATS servers, comma-separated (default\n"
                                  "nats://127.0.0.1:4222)", "`--nats` needs a URL"},
    [O_PARTITIONS] = {"partitions", 0, "N", "partitions, as given to `slate publish` (default 8)",
                      "`--partitions` needs a number"},
    [O_WORKER] = {"worker", 0, "NAME", "this worker's name, unique among live workers\n"
                                       "(default HOST-PID; A-Z a-z 0-9 _ -)", "`--worker` needs a name"},
    [O_TOLERANCE] = {"tolerance", 0, "DUR", "accept events up to DUR late; ticks are at now minus\n"
                                            "DUR (\"30s\", \"5m\", or seconds; default 0)",
                     "`--tolerance` needs a duration"},
    [O_CHECKPOINT_EVERY] = {"checkpoint-every", 0, "X",
                            "checkpoint each partition after X events (a number),\n"
                            "or X time (\"30s\"), or both (\"10000,60s\"; the default)",
                            "`--checkpoint-every` needs N events or a time"},
    [O_METRICS] = {"metrics", 0, "ADDR:PORT", "serve Prometheus metrics at http://ADDR:PORT/metrics\n"
                                              "(a bare PORT binds 127.0.0.1)",
                   "`--metrics` needs ADDR:PORT"},
    [O_REPLICAS] = {"replicas", 0, "R", "replicas of streams and buckets created here (default 1;\n"
                                        "3 for a three-server cluster)", "`--replicas` needs a number"},
    [O_TIMEOUT] = {"timeout", 0, "S", "seconds to keep trying to reach NATS at start (default 30)",
                   "`--timeout` needs a number of seconds"},
    [O_LEASE_TTL] = {"lease-ttl", 0, "S", "lease lifetime, the same for every worker (default 6)",
                     "`--lease-ttl` needs a number of seconds"},
    [O_DRAIN] = {"drain", 0, "S", "longest wait for acknowledgements on SIGTERM (default 30)",
                 "`--drain` needs a number of seconds"},
    [O_NO_TICKS] = {"no-ticks", 0, NULL, "publish no ticks: time moves with the events only, as in\n"
                                         "`slate run` (for comparisons and tests; docs/deploy.md)", NULL},
    [O_STRICT] = {"strict", 0, NULL, "reject events carrying keys the policy does not declare", NULL},
    [O_LOG_TIME] = {"log-time", 0, NULL, "begin each notice with the time (RFC 3339, UTC)", NULL},
    [O_QUIET] = {"quiet", 'q', NULL, "fewer notices on stderr", NULL},
};

const cli_cmd cmd_serve_args = {
    .name = "serve",
    .synopsis =
        "usage: slate serve [OPTIONS] POLICY\n"
        "\n"
        "Run POLICY live over the NATS JetStream streams `slate publish` fills: lease a\n"
        "fair share of the partitions (shared with the other workers), run one engine\n"
        "per partition, publish each decision to slate.decisions.<p> (message id\n"
        "\"<p>:<event seq>:<index>\", so nothing is stored twice) and acknowledge each\n"
        "event once its decisions are stored.  Every second, partitions with open\n"
        "cases get a `tick` at now minus the tolerance, recorded in their event\n"
        "stream, so breaches fire on time and a replay sees the same.\n"
        "\n",
    .opts = opts,
    .nopts = CLI_NOPTS(opts),
    .column = 24,
    .epilogue =
        "\n"
        "SIGTERM (or SIGINT) drains: no new batches, the current ones finish and are\n"
        "acknowledged, leases are released, exit 0.  SIGHUP compiles POLICY again and,\n"
        "if it has no errors, swaps every engine to it (recorded in each partition's\n"
        "stream); a policy with errors is refused and the old one keeps running.\n"
        "\n"
        "exit status: 0 drained, 1 the policy has errors, or a stream, bucket or\n"
        "worker name conflicts, 2 usage error, 3 NATS unreachable at start, metrics\n"
        "address unusable, or events left unacknowledged by the drain\n",
};

static volatile sig_atomic_t term_flag, hup_flag;

static void on_term(int sig)
{
    (void)sig;
    term_flag = 1;
}

static void on_hup(int sig)
{
    (void)sig;
    hup_flag = 1;
}

static int number(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* "30s", "5m", "1h30m", or plain seconds. */
static int duration(const char *s, size_t len, int64_t *ms)
{
    if (len && strspn(s, "0123456789") >= len) {
        char buf[24];
        if (len >= sizeof buf) return -1;
        memcpy(buf, s, len);
        buf[len] = 0;
        long v;
        if (number(buf, 0, 100000000, &v)) return -1;
        *ms = (int64_t)v * 1000;
        return 0;
    }
    return ev_parse_duration(s, len, ms);
}

/* "N", "T" or "N,T" for --checkpoint-every. */
static int checkpoint_every(const char *s, sw_opts *o)
{
    const char *comma = strchr(s, ',');
    const char *parts[2] = {s, comma ? comma + 1 : NULL};
    size_t lens[2] = {comma ? (size_t)(comma - s) : strlen(s), comma ? strlen(comma + 1) : 0};
    for (int i = 0; i < 2 && parts[i]; i++) {
        const char *p = parts[i];
        size_t n = lens[i];
        if (n && strspn(p, "0123456789") >= n) {
            char buf[24];
            long v;
            if (n >= sizeof buf) return -1;
            memcpy(buf, p, n);
            buf[n] = 0;
            if (number(buf, 1, 1000000000, &v)) return -1;
            o->ckpt_every = (uint64_t)v;
        } else {
            int64_t ms;
            if (ev_parse_duration(p, n, &ms) || ms <= 0) return -1;
            o->ckpt_every_ms = ms;
        }
    }
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    sw_opts o;
    memset(&o, 0, sizeof o);
    const char *parts = NULL, *tol = NULL, *ckpt = NULL, *replicas = NULL, *timeout = NULL,
               *ttl = NULL, *drain = NULL;
    int quiet = 0;
    cli_parser ap;
    cli_args(&ap, &cmd_serve_args, argc, argv);
    for (int k; (k = cli_next(&ap)) != CLI_END;) {
        switch (k) {
        case CLI_STOP: return ap.status;
        case O_NATS: o.url = ap.arg; break;
        case O_PARTITIONS: parts = ap.arg; break;
        case O_WORKER: o.name = ap.arg; break;
        case O_TOLERANCE: tol = ap.arg; break;
        case O_CHECKPOINT_EVERY: ckpt = ap.arg; break;
        case O_METRICS: o.metrics = ap.arg; break;
        case O_REPLICAS: replicas = ap.arg; break;
        case O_TIMEOUT: timeout = ap.arg; break;
        case O_LEASE_TTL: ttl = ap.arg; break;
        case O_DRAIN: drain = ap.arg; break;
        case O_NO_TICKS: o.no_ticks = 1; break;
        case O_STRICT: o.strict = 1; break;
        case O_LOG_TIME: o.log_time = 1; break;
        case O_QUIET: quiet = 1; break;
        default:
            if (o.policy) return cli_usage_error("serve", "one policy at a time");
            o.policy = ap.arg;
        }
    }
    if (!o.policy) return cli_usage_error("serve", "no policy given");
    o.quiet = quiet;
    long v;
    o.nparts = 8;
    if (parts) {
        if (number(parts, 1, SJS_MAX_PARTS, &v))
            return cli_usage_error("serve", "`--partitions` must be 1 to %d, not `%s`",
                                   SJS_MAX_PARTS, parts);
        o.nparts = (unsigned)v;
    }
    if (tol && (duration(tol, strlen(tol), &o.tolerance_ms) || o.tolerance_ms < 0))
        return cli_usage_error("serve", "`--tolerance`: `%s` is not a duration (\"30s\", \"5m\", "
                               "or seconds)", tol);
    if (ckpt && checkpoint_every(ckpt, &o))
        return cli_usage_error("serve", "`--checkpoint-every`: expected N events, a time "
                               "(\"30s\") or both (\"10000,60s\"), not `%s`", ckpt);
    if (replicas) {
        if (number(replicas, 1, 5, &v))
            return cli_usage_error("serve", "`--replicas` must be 1 to 5, not `%s`", replicas);
        o.replicas = (int)v;
    }
    if (timeout) {
        if (number(timeout, 1, 3600, &v))
            return cli_usage_error("serve", "`--timeout` must be 1 to 3600 seconds, not `%s`",
                                   timeout);
        o.timeout_ms = v * 1000;
    }
    if (ttl) {
        if (number(ttl, 1, 600, &v))
            return cli_usage_error("serve", "`--lease-ttl` must be 1 to 600 seconds, not `%s`",
                                   ttl);
        o.lease_ttl_ms = v * 1000;
    }
    if (drain) {
        if (number(drain, 1, 3600, &v))
            return cli_usage_error("serve", "`--drain` must be 1 to 3600 seconds, not `%s`", drain);
        o.drain_ms = v * 1000;
    }
    o.log = stderr;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int status = sw_run(&o, &term_flag, &hup_flag);
    sjs_library_close();
    return status;
}
