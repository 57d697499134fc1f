/*
 * logsynth.h - synthetic decision logs for the log and audit tests.
 *
 * Builds slate_decision values by hand and feeds them to the log sink, so the
 * log, its verifier and the audit tools are tested without the engine.  Header
 * only (static functions): each test executable includes it once.
 */
#ifndef SLATE_LOGSYNTH_H
#define SLATE_LOGSYNTH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log/slate_log.h"

#define SYN_HASH1 "1111111111111111111111111111111111111111111111111111111111111111"
#define SYN_HASH2 "2222222222222222222222222222222222222222222222222222222222222222"

/* A fresh empty directory for the test's files; the path is malloc'd. */
static char *syn_tmpdir(void)
{
    char tmpl[] = "/tmp/slate-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}

static char *syn_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void syn_rmdir(char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
    free(dir);
}

static int syn_policy(slate_log *log, const char *hash, const char *file, const char *source)
{
    static const unsigned char image[] = {'S', 'L', 'A', 'T', 0, 1, 2, 3};
    slate_log_policy p = {hash, "svc", "1", file, source, source ? strlen(source) : 0,
                          image, sizeof image};
    int rc = slate_log_begin_policy(log, &p);
    return rc ? rc : slate_log_end(log);
}

static slate_decision syn_dec(uint64_t seq, int64_t at, const char *case_id, slate_action a,
                              uint64_t event_seq, uint32_t line)
{
    slate_decision d;
    memset(&d, 0, sizeof d);
    d.seq = seq;
    d.at = at;
    d.case_id = case_id;
    d.case_len = case_id ? strlen(case_id) : 0;
    d.action = a;
    d.event_seq = event_seq;
    d.rule_line = line;
    d.deadline = INT64_MIN;
    return d;
}

/* Log `n` simple events (case "c<i%3>", event seq first_seq..), each with
 * i%4 decisions, numbering decisions from *dseq.  Returns 0 or a slate code. */
static int syn_events(slate_log *log, uint64_t first_seq, int n, uint64_t *dseq)
{
    for (int i = 0; i < n; i++) {
        char payload[128], cid[16];
        uint64_t seq = first_seq + (uint64_t)i;
        int64_t at = 1740992400000LL + (int64_t)seq * 60000;
        snprintf(cid, sizeof cid, "c%d", (int)(seq % 3));
        int len = snprintf(payload, sizeof payload,
                           "{\"case\":\"%s\",\"type\":\"updated\",\"at\":%lld,\"n\":%d}", cid,
                           (long long)at, i);
        slate_log_event ev = {seq, at, "updated", cid, strlen(cid), payload, (size_t)len, NULL};
        int rc = slate_log_begin_event(log, &ev);
        if (rc) return rc;
        for (int k = 0; k < (int)(seq % 4); k++) {
            slate_decision d = syn_dec((*dseq)++, at, cid, SLATE_A_NOTIFY, seq, 10 + (uint32_t)k);
            d.to = "supervisor";
            d.message = "a \"quoted\" message";
            if (slate_log_sink(log, &d)) return SLATE_ERROR;
        }
        rc = slate_log_end(log);
        if (rc) return rc;
    }
    return 0;
}

#endif
