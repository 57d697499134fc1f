/*
 * embed.c - how a server embeds libslate: load a compiled policy, open a case,
 * push its events, print every decision.  Uses nothing but <slate.h>.
 *
 *   cc -o embed embed.c $(pkg-config --cflags --libs slate)
 *   slate build policy.slate && ./embed policy.slc
 *
 * The events are a small, fixed story (times are UTC milliseconds): case
 * "case-1" is opened on Monday 2025-03-03 at 10:00 with the first value of every
 * enum field, responded to twenty minutes later, and resolved on Wednesday;
 * the time in between passes with `slate_engine_advance`, which fires any
 * ladder steps (warnings, breaches, escalations) that fall due.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slate.h"

/* The sink: one JSON line per decision.  Pointers in `d` live only during
 * the call, so we copy what we print (here: straight to stdout). */
static int print_decision(void *ud, const slate_decision *d)
{
    char line[2048];
    size_t n = slate_decision_json(d, line, sizeof line);
    if (n >= sizeof line) fprintf(stderr, "embed: decision %llu truncated\n", (unsigned long long)d->seq);
    printf("%s\n", line);
    ++*(unsigned *)ud;
    return 0;
}

static void *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        unsigned char *nb = realloc(buf, cap *= 2);
        if (!nb) free(buf);
        buf = nb;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Push one event of type `type` (a name the policy knows) at `at`. */
static int push(slate_engine *eng, const slate_program *prog, const char *type, int64_t at, uint64_t seq,
                const slate_value *values, size_t nvalues, unsigned *count)
{
    slate_event ev = {0};
    ev.case_id = "case-1";
    ev.case_len = 6;
    ev.type = slate_program_event_id(prog, type);
    ev.at = at;
    ev.values = values;
    ev.nvalues = nvalues;
    ev.seq = seq;
    int rc = slate_engine_push(eng, &ev, print_decision, count);
    if (rc != SLATE_OK) fprintf(stderr, "embed: %s: %s: %s\n", type, slate_errstr(rc), slate_errmsg(eng));
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: embed POLICY.slc\n");
        return 2;
    }
    size_t len;
    void *bytes = read_all(argv[1], &len);
    if (!bytes) {
        perror(argv[1]);
        return 3;
    }
    slate_program *prog;
    char *err;
    int rc = slate_program_load(bytes, len, &prog, &err);
    free(bytes); /* the program keeps its own copy */
    if (rc != SLATE_OK) {
        fprintf(stderr, "embed: %s: %s\n", argv[1], err ? err : slate_errstr(rc));
        slate_free(err);
        return 1;
    }
    fprintf(stderr, "embed: policy %s %s, hash %s\n", slate_program_name(prog), slate_program_version(prog),
            slate_program_hash(prog));

    /* Fields of the opening event: the first value of every enum field. */
    slate_value values[64];
    size_t nvalues = 0;
    for (int f = 0; nvalues < 64 && slate_program_field_type(prog, f) > 0; f++)
        if (slate_program_field_type(prog, f) == SLATE_T_ENUM) values[nvalues++] = (slate_value){f, 0, NULL, 0};

    slate_engine *eng = slate_engine_new(prog, NULL);
    if (!eng) {
        slate_program_free(prog);
        return 3;
    }
    const int64_t t0 = INT64_C(1740996000000); /* 2025-03-03T10:00:00Z, a Monday */
    const int64_t min = 60000, hour = 60 * min;
    unsigned decisions = 0;
    rc = push(eng, prog, "opened", t0, 1, values, nvalues, &decisions);
    if (!rc) rc = push(eng, prog, "responded", t0 + 20 * min, 2, NULL, 0, &decisions);
    if (!rc) rc = slate_engine_advance(eng, t0 + 30 * hour, print_decision, &decisions);
    if (!rc) rc = push(eng, prog, "resolved", t0 + 50 * hour, 3, NULL, 0, &decisions);
    fprintf(stderr, "embed: %u decisions, %zu open cases\n", decisions, slate_engine_open_cases(eng));
    slate_engine_free(eng);
    slate_program_free(prog);
    return rc == SLATE_OK ? 0 : 1;
}
