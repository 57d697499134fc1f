/*
 * fuzz_events.c - libFuzzer target for the JSON Lines event reader and the
 * decision JSON writer.
 *
 * Every input is a stream of lines read through ev_next() (so line cutting, the
 * length limit and blank lines are covered too) for a small hand-built schema.
 * An accepted event must have every value in range; a rejected one a reason, and
 * its `reject` decision must render as JSON that jansson parses back.  Not built
 * by `make`:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_DEFAULT_SOURCE \
 *       -Iruntime -Icli -Icompiler tests/fuzz/fuzz_events.c cli/events.c \
 *       runtime/decision_json.c runtime/timestamp.c compiler/diag.c \
 *       -ljansson -o build/fuzz_events
 *   mkdir -p build/corpus-ev && cp tests/cli/run/basic.jsonl build/corpus-ev/ &&
 *       build/fuzz_events build/corpus-ev
 *
 * tests/unit/test_events.c (test_mutants) runs the same checks over 100,000 fixed
 * mutants on every `make test`.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "program.h"
#include "timestamp.h"

static char strtab[512];
static prog_string strings[32];
static prog_event events[13];
static prog_field fields[5];
static uint32_t enum_values[4];
static slate_program prog;

static uint32_t add_string(const char *s)
{
    uint32_t i = prog.nstrings++;
    uint32_t off = i ? strings[i - 1].off + strings[i - 1].len + 1 : 0;
    strings[i].off = off;
    strings[i].len = (uint32_t)strlen(s);
    memcpy(strtab + off, s, strlen(s) + 1);
    return i;
}

static void setup(void)
{
    static const char *const evs[] = {"opened", "responded", "updated", "paused", "resumed",
                                      "resolved", "reopened", "closed", "followed_up",
                                      "surveyed", "reviewed", "tick", "analysed"};
    static const struct { const char *name; uint8_t type; } fs[] = {
        {"tier", PT_ENUM}, {"complex", PT_BOOL}, {"score", PT_INT}, {"agent", PT_STRING},
        {"budget", PT_DURATION}};
    prog.strtab = strtab;
    prog.strings = strings;
    prog.events = events;
    prog.fields = fields;
    prog.enum_values = enum_values;
    add_string("");
    prog.source = add_string("fuzz.slate");
    for (int i = 0; i < 13; i++) events[i].name = add_string(evs[i]);
    prog.nevents = 13;
    for (int i = 0; i < 5; i++) {
        fields[i].name = add_string(fs[i].name);
        fields[i].type = fs[i].type;
    }
    prog.nfields = 5;
    fields[0].first_value = 0;
    fields[0].nvalues = 2;
    enum_values[0] = add_string("vip");
    enum_values[1] = add_string("standard");
    prog.nenum_values = 2;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) setup(), ready = 1;
    /* ev_next reads the file descriptor (fmemopen has none): use a temporary file */
    FILE *f = tmpfile();
    if (!f) return 0;
    if (size && fwrite(data, 1, size, f) != size) abort();
    fflush(f);
    rewind(f);

    ev_reader *r = ev_reader_new(&prog, size && (data[0] & 1)); /* strict or not */
    ev_result *res = malloc(sizeof *res);
    char json[4096];
    ev_status st;
    while ((st = ev_next(r, f, res)) == EV_OK || st == EV_REJECT) {
        if (st == EV_OK) {
            if (res->ev.type < 0 || (uint32_t)res->ev.type >= prog.nevents) abort();
            if (res->ev.at < TS_MIN_MS || res->ev.at > TS_MAX_MS) abort();
            if (res->ev.type != 11 && (res->ev.case_len < 1 || res->ev.case_len > EV_MAX_CASE))
                abort();
            for (size_t i = 0; i < res->ev.nvalues; i++) {
                const slate_value *v = &res->ev.values[i];
                if (fields[v->field].type == PT_ENUM && (v->i < 0 || v->i >= 2)) abort();
                if (fields[v->field].type == PT_BOOL && v->i != 0 && v->i != 1) abort();
            }
            continue;
        }
        if (!res->reason[0]) abort();
        slate_decision d;
        memset(&d, 0, sizeof d);
        d.seq = res->ev.seq;
        d.at = res->ev.at != INT64_MIN ? res->ev.at : 0;
        d.case_id = res->ev.case_id;
        d.case_len = res->ev.case_len;
        d.action = SLATE_A_REJECT;
        d.event_seq = res->ev.seq;
        d.event_id = res->ev.id;
        d.event_id_len = res->ev.id_len;
        d.program = &prog;
        d.message = res->reason;
        size_t n = slate_decision_json(&d, json, sizeof json);
        if (n < sizeof json) {
            json_t *back = json_loadb(json, n, 0, NULL);
            if (!back) abort();
            json_decref(back);
        }
    }
    if (st != EV_EOF) abort();
    free(res);
    ev_reader_free(r);
    fclose(f);
    return 0;
}
