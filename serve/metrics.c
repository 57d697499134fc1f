/*
 * metrics.c - GET /metrics of `slate serve --metrics ADDR:PORT`: the worker's
 * counters in Prometheus's text format (version 0.0.4), served by
 * libmicrohttpd on its own thread.  It reads the atomics the partitions'
 * threads write; it changes nothing.  docs/deploy.md lists the metrics.
 * Not here: counting (part.c, worker.c).
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "wk_int.h"

typedef uint64_t (*pget)(const wk_pmetrics *m);

static uint64_t g_consumed(const wk_pmetrics *m) { return atomic_load(&m->consumed); }
static uint64_t g_replayed(const wk_pmetrics *m) { return atomic_load(&m->replayed); }
static uint64_t g_published(const wk_pmetrics *m) { return atomic_load(&m->published); }
static uint64_t g_breaches(const wk_pmetrics *m) { return atomic_load(&m->breaches); }
static uint64_t g_lag(const wk_pmetrics *m) { return atomic_load(&m->lag); }
static uint64_t g_open(const wk_pmetrics *m) { return atomic_load(&m->open_cases); }
static uint64_t g_owned(const wk_pmetrics *m) { return (uint64_t)atomic_load(&m->owned); }
static uint64_t g_applied(const wk_pmetrics *m) { return atomic_load(&m->applied); }

static const struct {
    const char *name, *type, *help;
    pget get;
} per_part[] = {
    {"slate_events_consumed_total", "counter",
     "Events applied by this worker whose decisions it published.", g_consumed},
    {"slate_events_replayed_total", "counter",
     "Events applied silently to rebuild a partition taken over.", g_replayed},
    {"slate_decisions_published_total", "counter",
     "Decisions stored in the decision stream (copies the stream dropped included).",
     g_published},
    {"slate_breaches_total", "counter", "Published decisions whose action is breach.",
     g_breaches},
    {"slate_consumer_lag", "gauge", "Messages of the partition's stream not yet delivered.",
     g_lag},
    {"slate_open_cases", "gauge", "Cases open in the partition's engine.", g_open},
    {"slate_partition_owned", "gauge", "1 while this worker runs the partition.", g_owned},
    {"slate_applied_sequence", "gauge", "Last event stream sequence applied.", g_applied},
};

/* The page, malloc'd, into *out; its length. */
static size_t render(worker *w, char **out)
{
    size_t len = 0;
    FILE *f = open_memstream(out, &len);
    if (!f) return 0;
    unsigned n = w->o->nparts;
    for (size_t k = 0; k < sizeof per_part / sizeof per_part[0]; k++) {
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", per_part[k].name, per_part[k].help,
                per_part[k].name, per_part[k].type);
        for (unsigned p = 0; p < n; p++)
            fprintf(f, "%s{partition=\"%u\"} %llu\n", per_part[k].name, p,
                    (unsigned long long)per_part[k].get(&w->pm[p]));
    }
    int64_t now = wk_wall_ms();
    fprintf(f, "# HELP slate_checkpoint_age_seconds Seconds since the partition's last "
               "checkpoint (partitions with one only).\n"
               "# TYPE slate_checkpoint_age_seconds gauge\n");
    for (unsigned p = 0; p < n; p++) {
        int64_t t = atomic_load(&w->pm[p].ckpt_ms);
        if (t > 0 && atomic_load(&w->pm[p].owned))
            fprintf(f, "slate_checkpoint_age_seconds{partition=\"%u\"} %.3f\n", p,
                    (double)(now - t) / 1000);
    }
    static const char *const classes[] = {
#define X(id, name) name,
        WK_REJECT_CLASSES(X)
#undef X
    };
    fprintf(f, "# HELP slate_rejects_total Published reject decisions, by class of reason.\n"
               "# TYPE slate_rejects_total counter\n");
    for (int r = 0; r < WK_R__COUNT; r++) {
        unsigned long long sum = 0;
        for (unsigned p = 0; p < n; p++) sum += atomic_load(&w->pm[p].rejects[r]);
        fprintf(f, "slate_rejects_total{reason=\"%s\"} %llu\n", classes[r], sum);
    }
    unsigned owned = 0;
    for (unsigned p = 0; p < n; p++) owned += atomic_load(&w->pm[p].owned) != 0;
    const wk_prog *cur = wk_current(w);
    fprintf(f, "# HELP slate_owned_partitions Partitions this worker runs.\n"
               "# TYPE slate_owned_partitions gauge\nslate_owned_partitions %u\n"
               "# HELP slate_ticks_published_total Wall-clock ticks published.\n"
               "# TYPE slate_ticks_published_total counter\nslate_ticks_published_total %llu\n"
               "# HELP slate_policy_reloads_total Reloads that succeeded.\n"
               "# TYPE slate_policy_reloads_total counter\nslate_policy_reloads_total %llu\n"
               "# HELP slate_policy_reload_failures_total Reloads refused.\n"
               "# TYPE slate_policy_reload_failures_total counter\n"
               "slate_policy_reload_failures_total %llu\n"
               "# HELP slate_worker_info The worker and the policy it runs now.\n"
               "# TYPE slate_worker_info gauge\n"
               "slate_worker_info{worker=\"%s\",policy=\"%s\"} 1\n",
            owned, (unsigned long long)atomic_load(&w->ticks),
            (unsigned long long)atomic_load(&w->reloads),
            (unsigned long long)atomic_load(&w->reload_failures), w->name, cur->hash);
    fclose(f);
    return len;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state)
{
    (void)version, (void)upload, (void)upload_size, (void)state;
    worker *w = cls;
    struct MHD_Response *r;
    unsigned code = MHD_HTTP_OK;
    if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
        static char msg[] = "only GET\n";
        r = MHD_create_response_from_buffer(sizeof msg - 1, msg, MHD_RESPMEM_PERSISTENT);
        code = MHD_HTTP_METHOD_NOT_ALLOWED;
    } else if (strcmp(url, "/metrics")) {
        static char msg[] = "not found: try /metrics\n";
        r = MHD_create_response_from_buffer(sizeof msg - 1, msg, MHD_RESPMEM_PERSISTENT);
        code = MHD_HTTP_NOT_FOUND;
    } else {
        char *page = NULL;
        size_t len = render(w, &page);
        r = MHD_create_response_from_buffer(len, page ? page : "", page ? MHD_RESPMEM_MUST_FREE
                                                                        : MHD_RESPMEM_PERSISTENT);
        if (r) MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4");
    }
    if (!r) return MHD_NO;
    enum MHD_Result rc = MHD_queue_response(conn, code, r);
    MHD_destroy_response(r);
    return rc;
}

int wk_metrics_start(worker *w, const char *spec, sjs_err *err)
{
    char host[64] = "127.0.0.1";
    const char *colon = strrchr(spec, ':');
    const char *port_s = colon ? colon + 1 : spec;
    if (colon) {
        size_t n = (size_t)(colon - spec);
        if (n == 0 || n >= sizeof host) goto bad;
        memcpy(host, spec, n);
        host[n] = 0;
    }
    char *end;
    long port = strtol(port_s, &end, 10);
    if (end == port_s || *end || port < 1 || port > 65535) goto bad;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) goto bad;
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)port, NULL,
                                            NULL, handle, w, MHD_OPTION_SOCK_ADDR, &sa,
                                            MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    if (!d) {
        snprintf(err->msg, sizeof err->msg, "cannot listen on %s:%ld (in use?)", host, port);
        return -1;
    }
    w->http = d;
    return 0;
bad:
    snprintf(err->msg, sizeof err->msg, "`%s` is not ADDR:PORT (an IPv4 address and a port) or "
             "PORT", spec);
    return -1;
}

void wk_metrics_stop(worker *w)
{
    if (w->http) MHD_stop_daemon(w->http);
    w->http = NULL;
}
