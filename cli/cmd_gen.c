/*
 * cmd_gen.c - `slate gen`: the command line over the simulated service desk of
 * eventgen/ (eventgen.h), which writes a realistic, reproducible stream of case
 * events for the reference policy service-2025.slate.
 *
 * With --policy, the policy is compiled here (include/slatec.h) and its names
 * become the generator's filter: only the event types it knows (built-in or
 * declared) and the fields it declares, with enum values it lists, are
 * written.  The events
 * themselves still model the reference policy's desk; nothing is generated from
 * the policy's own declarations.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "eventgen.h"
#include "policytest.h"
#include "slate.h"
#include "slatec.h"

enum { O_SEED, O_CASES, O_RATE, O_START, O_COMPLAINT_RATE, O_POLICY, O_OUT };

static const cli_opt opts[] = {
    [O_SEED] = {"seed", 0, "N", "random seed (default 1)", NULL},
    [O_CASES] = {"cases", 0, "N", "number of cases (default 3000)", NULL},
    [O_RATE] = {"rate", 0, "PER_HOUR", "mean arrivals per hour of a weekday (default 125, so\n"
                                       "3000 cases take a day); busier in working hours,\n"
                                       "quieter at night, and 40% of it at weekends", NULL},
    [O_START] = {"start", 0, "TIME", "first possible arrival, RFC 3339 (default\n"
                                     "2025-03-10T00:00:00+08:00, a Monday)", NULL},
    [O_COMPLAINT_RATE] = {"complaint-rate", 0, "P", "percent of cases that are complaints (default 1.2)",
                          NULL},
    [O_POLICY] = {"policy", 0, "FILE", "leave out the event types, fields and enum values that\n"
                                       "FILE does not declare (the rest is unchanged)", NULL},
    [O_OUT] = {NULL, 'o', "FILE", "write to FILE instead of standard output", NULL},
};

const cli_cmd cmd_gen_args = {
    .name = "gen",
    .synopsis =
        "usage: slate gen [OPTIONS]\n"
        "\n"
        "Write a day (or more) of realistic case events as JSON Lines, sorted by time,\n"
        "the same for the same seed.  The events model one service desk: that of the\n"
        "reference policy service-2025.slate, with its fields, event types, working\n"
        "hours and case mix.  Other policies' declarations are not read to invent\n"
        "events: --policy FILE only filters this stream down to what FILE declares.\n"
        "\n",
    .opts = opts,
    .nopts = CLI_NOPTS(opts),
    .column = 22,
    .epilogue =
        "\n"
        "exit status: 0 ok, 1 the policy has errors, 2 usage error, 3 I/O error\n",
};

/* ---- --policy: the generator's filter over the compiled policy's names -------- */

static int policy_has_event(void *ud, const char *type)
{
    return slate_program_event_id(ud, type) >= 0;
}

/* A declared field; for an enum, json_value must be one of its values, quoted. */
static int policy_has_field(void *ud, const char *key, const char *json_value)
{
    const slate_program *pol = ud;
    int f = slate_program_field_id(pol, key);
    if (f < 0) return 0;
    if (slate_program_field_type(pol, f) != SLATE_T_ENUM) return 1;
    char name[96];
    size_t n = strlen(json_value);
    if (n < 2 || n - 2 >= sizeof name || json_value[0] != '"' || json_value[n - 1] != '"') return 0;
    memcpy(name, json_value + 1, n - 2);
    name[n - 2] = '\0';
    return slate_program_enum_value(pol, f, name) >= 0;
}

static int parse_num(const char *s, double lo, double hi, double *v)
{
    char *e;
    errno = 0;
    *v = strtod(s, &e);
    return !*s || *e || errno || *v < lo || *v > hi ? -1 : 0;
}

int cmd_gen(int argc, char **argv)
{
    eg_options o;
    eg_defaults(&o);
    const char *policy = NULL, *out_path = NULL;
    cli_parser ap;
    cli_args(&ap, &cmd_gen_args, argc, argv);
    for (int k; (k = cli_next(&ap)) != CLI_END;) {
        const char *val = ap.arg;
        double v;
        if (k == CLI_STOP) return ap.status;
        if (k == CLI_OPERAND) return cli_usage_error("gen", "unknown option `%s`", val);
        if (k == O_SEED) {
            char *e;
            errno = 0;
            o.seed = strtoull(val, &e, 10);
            if (!*val || *e || errno) return cli_usage_error("gen", "bad seed `%s`", val);
        } else if (k == O_CASES) {
            if (parse_num(val, 0, 10000000, &v) || v != (long)v)
                return cli_usage_error("gen", "bad number of cases `%s`", val);
            o.cases = (long)v;
        } else if (k == O_RATE) {
            if (parse_num(val, 0.001, 1e7, &v))
                return cli_usage_error("gen", "bad rate `%s` (cases per hour)", val);
            o.rate = v;
        } else if (k == O_COMPLAINT_RATE) {
            if (parse_num(val, 0, 50, &v))
                return cli_usage_error("gen", "bad complaint rate `%s` (0..50 percent)", val);
            o.complaint_pct = v;
        } else if (k == O_START) {
            if (pt_parse_time(val, 0, &o.start))
                return cli_usage_error("gen", "bad time `%s` (RFC 3339, e.g. "
                                              "2025-03-10T00:00:00+08:00)", val);
        } else if (k == O_POLICY) {
            policy = val;
        } else {
            out_path = val;
        }
    }

    if (cli_refuse_clobber("gen", out_path ? "-o" : NULL, out_path, "policy", policy))
        return EXIT_USAGE;

    slate_program *pol = NULL;
    eg_filter filter;
    if (policy) {
        slatec_opts co = SLATEC_OPTS_INIT;
        co.diag = stderr;
        co.summary = 1;
        int rc = slatec_compile(&co, policy, NULL, 0, &pol, NULL, NULL);
        if (rc != SLATE_OK) return cli_compile_status(rc);
        filter = (eg_filter){policy_has_event, policy_has_field, pol};
        o.filter = &filter;
    }

    FILE *out = out_path ? fopen(out_path, "w") : stdout;
    if (!out) {
        fprintf(stderr, "slate gen: cannot write %s: %s\n", out_path, strerror(errno));
        slate_program_free(pol);
        return EXIT_IO;
    }
    int rc = EXIT_OK;
    if (eg_write(&o, out)) {
        fputs("slate gen: out of memory\n", stderr);
        rc = EXIT_IO;
    }
    int bad = fflush(out) != 0 || ferror(out);
    int err = bad ? (errno ? errno : EIO) : 0;
    if (out != stdout && fclose(out) && !bad) bad = 1, err = errno;
    if (bad) {
        fprintf(stderr, "slate gen: cannot write %s: %s\n", out_path ? out_path : "stdout",
                strerror(err));
        rc = EXIT_IO;
    }
    slate_program_free(pol);
    return rc;
}
