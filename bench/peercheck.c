/*
 * peercheck.c - what the out-of-process peer baselines (bench/node/, bench/clips/)
 * need from slate: the compiled calendar to compute with, and the equivalence
 * check of the decisions they print against slate's own on the same events.
 *
 *   slate-peercheck calendar POLICY
 *       the `business` calendar as JSON: {"week":[s,e,...],"closed":[day,...],
 *       "offsets":[from,off,...]} (bench/lua/policy.lua describes the fields;
 *       the first `from` is printed as null, meaning "since always")
 *   slate-peercheck check POLICY EVENTS DECISIONS
 *       compare DECISIONS (one per line: "action case at clock tier", clock 0..3
 *       or -1 for sla, tier 0..16 in policy order or -1; lines starting with '#'
 *       are comments) with slate's subset (bstream.h) on EVENTS, in order
 *
 * Prints "equiv equal|DIFFERENT compared N slate_total M msg ..." as
 * `slate-bench equiv` does.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bstream.h"
#include "program_info.h"
#include "slate.h"

static int print_calendar(const slate_program *p)
{
    for (int i = 0; i < slate_program_calendar_count(p); i++) {
        if (strcmp(slate_program_calendar_name(p, i), "business")) continue;
        const cal_table *c = pi_calendar(p, i);
        printf("{\"week\":[");
        for (uint32_t j = 0; j < c->nweek; j++)
            printf("%s%" PRId64 ",%" PRId64, j ? "," : "", c->week[j].start, c->week[j].end);
        printf("],\"closed\":[");
        for (uint32_t j = 0; j < c->nclosed; j++) printf("%s%" PRId32, j ? "," : "", c->closed[j]);
        printf("],\"offsets\":[");
        for (uint32_t j = 0; j < c->noffsets; j++) {
            if (c->offsets[j].from == INT64_MIN)
                printf("%snull", j ? "," : "");
            else
                printf("%s%" PRId64, j ? "," : "", c->offsets[j].from);
            printf(",%" PRId64, c->offsets[j].offset_ms);
        }
        printf("]}\n");
        return 0;
    }
    fprintf(stderr, "peercheck: the program has no `business` calendar\n");
    return 1;
}

static int subset_sink(void *ud, const slate_decision *d)
{
    bs_dec x;
    if (bs_from_slate(d, &x)) bs_push(ud, &x);
    return 0;
}

static int read_decisions(const char *path, bs_list *l)
{
    static const char *const names[] = {
#define X(id, name) name,
        SLATE_ACTIONS(X)
#undef X
    };
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "peercheck: cannot read %s\n", path);
        return -1;
    }
    char line[512], act[32], id[256];
    long long at;
    int clock, tier;
    size_t lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n') continue;
        if (sscanf(line, "%31s %255s %lld %d %d", act, id, &at, &clock, &tier) != 5) {
            fprintf(stderr, "peercheck: %s:%zu: not a decision line\n", path, lineno);
            fclose(f);
            return -1;
        }
        bs_dec d;
        memset(&d, 0, sizeof d);
        d.action = SLATE_A__COUNT;
        for (int i = 0; i < SLATE_A__COUNT; i++)
            if (!strcmp(act, names[i])) d.action = (uint8_t)i;
        d.at = at;
        d.case_hash = bs_fnv(id, strlen(id));
        d.clock = (int8_t)clock;
        d.tier = (int16_t)tier;
        snprintf(d.case_id, sizeof d.case_id, "%s", id);
        bs_push(l, &d);
    }
    fclose(f);
    return 0;
}

static int check(const slate_program *p, const char *events, const char *decisions)
{
    bs_stream s;
    if (bs_load_events(p, events, &s)) return 3;
    if (s.rejected) fprintf(stderr, "peercheck: %zu lines rejected by the reader\n", s.rejected);
    bs_list a = {0}, b = {0};
    slate_engine *e = slate_engine_new(p, NULL);
    if (!e) return 3;
    for (size_t j = 0; j < s.n; j++) slate_engine_push(e, &s.ev[j], subset_sink, &a);
    if (read_decisions(decisions, &b)) return 3;
    char msg[512];
    long at = bs_compare(&a, &b, msg, sizeof msg);
    printf("equiv %s compared %zu slate_total %llu msg %s\n", at < 0 ? "equal" : "DIFFERENT", a.n,
           (unsigned long long)slate_engine_decisions(e), msg);
    slate_engine_free(e);
    bs_free(&s);
    free(a.v);
    free(b.v);
    return at < 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: slate-peercheck calendar POLICY | check POLICY EVENTS DECISIONS\n");
        return 2;
    }
    slate_program *p = bs_compile_file(argv[2], NULL);
    if (!p) return 1;
    int rc = 2;
    if (!strcmp(argv[1], "calendar"))
        rc = print_calendar(p);
    else if (!strcmp(argv[1], "check") && argc > 4)
        rc = check(p, argv[3], argv[4]);
    slate_program_free(p);
    return rc;
}
