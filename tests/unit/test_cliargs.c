/*
 * test_cliargs.c - the option parser of the `slate` commands (cli/args.c):
 * the forms of an option (--name=V, --name V, -oV, -o V, bundled flags), `--`
 * and `-`, the usage errors and their messages (missing value, unknown option
 * with and without a near-miss hint, a value given to a flag), --help; then,
 * for every command of commands.def, that its table is sound and that its
 * --help names every option in the table and no option that is not in it.
 * Commands are not run here (tests/cli/options.sh runs them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum { T_LOG, T_OUT, T_QUIET, T_VERBOSE, T_BATCH, T_KEY };

static const cli_opt t_opts[] = {
    [T_LOG] = {"log", 0, "FILE", "the log", NULL},
    [T_OUT] = {"output", 'o', "FILE", "the output", NULL},
    [T_QUIET] = {"quiet", 'q', NULL, "say less", NULL},
    [T_VERBOSE] = {NULL, 'v', NULL, "say more\nmuch more", NULL},
    [T_BATCH] = {"log-batch", 0, "N", "batch size", "`--log-batch` needs a number"},
    [T_KEY] = {"pseudonymize-key", 0, "FILE", "a long one", NULL},
};

static const cli_cmd t_cmd = {
    .name = "t",
    .synopsis = "usage: slate t [OPTIONS] FILE...\n\n",
    .opts = t_opts,
    .nopts = CLI_NOPTS(t_opts),
    .column = 16,
    .epilogue = "\nexit status: 0 ok\n",
};

/* What reading argv gave: "log=x o=y q @p END", or "STOP2" after an error;
 * what went to stdout and stderr meanwhile; argv as left. */
typedef struct run {
    char seq[512], out[2048], err[1024];
    char *argv[16];
    int noperands;
} run;

static void slurp(FILE *f, char *buf, size_t size)
{
    rewind(f);
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
}

static void parse_with(const cli_cmd *cmd, run *r, const char *args)
{
    memset(r, 0, sizeof *r);
    static char store[512];
    snprintf(store, sizeof store, "t %s", args);
    int argc = 0;
    for (char *s = strtok(store, " "); s && argc < 15; s = strtok(NULL, " "))
        r->argv[argc++] = s;
    FILE *out = tmpfile(), *err = tmpfile();
    assert_non_null(out);
    assert_non_null(err);
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2);
    dup2(fileno(out), 1);
    dup2(fileno(err), 2);
    cli_parser p;
    cli_args(&p, cmd, argc, r->argv);
    size_t n = 0;
    for (int k;;) {
        k = cli_next(&p);
        char item[128];
        if (k == CLI_END) snprintf(item, sizeof item, "END");
        else if (k == CLI_STOP) snprintf(item, sizeof item, "STOP%d", p.status);
        else if (k == CLI_OPERAND) snprintf(item, sizeof item, "@%s ", p.arg);
        else if (cmd->opts[k].arg) snprintf(item, sizeof item, "%s=%s ", p.name, p.arg);
        else snprintf(item, sizeof item, "%s ", p.name);
        n += (size_t)snprintf(r->seq + n, sizeof r->seq - n, "%s", item);
        if (k == CLI_END || k == CLI_STOP) break;
    }
    r->noperands = p.noperands;
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    slurp(out, r->out, sizeof r->out);
    slurp(err, r->err, sizeof r->err);
}

static void parse(run *r, const char *args)
{
    parse_with(&t_cmd, r, args);
}

static void test_forms(void **state)
{
    (void)state;
    run r;
    parse(&r, "--log=a --log b -o c -od --output=e --output f -qv -vof -qo g");
    assert_string_equal(r.seq, "--log=a --log=b -o=c -o=d --output=e --output=f -q -v -v -o=f -q "
                               "-o=g END");
    assert_string_equal(r.err, "");
    /* an empty value after `=` is a value */
    parse(&r, "--log= x");
    assert_string_equal(r.seq, "--log= @x END");
    /* the value is the next argument whatever it looks like */
    parse(&r, "--log --quiet -o - -o -- --log-batch=--help");
    assert_string_equal(r.seq, "--log=--quiet -o=- -o=-- --log-batch=--help END");
}

static void test_operands(void **state)
{
    (void)state;
    run r;
    parse(&r, "a -q - b --log x -- -v --log c");
    assert_string_equal(r.seq, "@a -q @- @b --log=x @-v @--log @c END");
    /* operands moved to argv[1..n], in order */
    assert_int_equal(r.noperands, 6);
    const char *want[] = {"a", "-", "b", "-v", "--log", "c"};
    for (int i = 0; i < 6; i++) assert_string_equal(r.argv[1 + i], want[i]);
    parse(&r, "-- --");
    assert_string_equal(r.seq, "@-- END");
    parse(&r, "");
    assert_string_equal(r.seq, "END");
}

static void test_missing_value(void **state)
{
    (void)state;
    run r;
    parse(&r, "a --log");
    assert_string_equal(r.seq, "@a STOP2");
    assert_string_equal(r.err, "slate t: `--log` needs a value\nTry `slate t --help`.\n");
    parse(&r, "-qo");
    assert_string_equal(r.seq, "-q STOP2");
    assert_string_equal(r.err, "slate t: `-o` needs a value\nTry `slate t --help`.\n");
    /* the option's own message, then the command's */
    parse(&r, "--log-batch");
    assert_string_equal(r.err, "slate t: `--log-batch` needs a number\nTry `slate t --help`.\n");
    cli_cmd c = t_cmd;
    c.missing = "option `%s` needs a value";
    parse_with(&c, &r, "--output");
    assert_string_equal(r.err, "slate t: option `--output` needs a value\nTry `slate t --help`.\n");
}

static void test_unknown(void **state)
{
    (void)state;
    run r;
    parse(&r, "-q --frobnicate --log x");
    assert_string_equal(r.seq, "-q STOP2");
    assert_string_equal(r.err, "slate t: unknown option `--frobnicate`\nTry `slate t --help`.\n");
    /* a bundle with an unknown letter is named whole, as typed */
    parse(&r, "-qx");
    assert_string_equal(r.err, "slate t: unknown option `-qx`\nTry `slate t --help`.\n");
    parse(&r, "-5");
    assert_string_equal(r.err, "slate t: unknown option `-5`\nTry `slate t --help`.\n");
    /* near misses: a typo, a unique prefix, a long name with one dash */
    parse(&r, "--otuput=x");
    assert_string_equal(r.err, "slate t: unknown option `--otuput=x`\n"
                               "hint: did you mean `--output`?\nTry `slate t --help`.\n");
    parse(&r, "--pseudo");
    assert_string_equal(r.err, "slate t: unknown option `--pseudo`\n"
                               "hint: did you mean `--pseudonymize-key`?\nTry `slate t --help`.\n");
    parse(&r, "-log");
    assert_string_equal(r.err, "slate t: unknown option `-log`\n"
                               "hint: did you mean `--log`?\nTry `slate t --help`.\n");
    parse(&r, "--lo");
    assert_string_equal(r.err, "slate t: unknown option `--lo`\n"
                               "hint: did you mean `--log`?\nTry `slate t --help`.\n");
    /* nothing near, or two as near: no hint */
    parse(&r, "--log-");
    assert_string_equal(r.err, "slate t: unknown option `--log-`\n"
                               "hint: did you mean `--log-batch`?\nTry `slate t --help`.\n");
    parse(&r, "--werror");
    assert_string_equal(r.err, "slate t: unknown option `--werror`\nTry `slate t --help`.\n");
    /* no abbreviation is taken for the option */
    parse(&r, "--quie");
    assert_string_equal(r.seq, "STOP2");
    /* the command's own words */
    cli_cmd c = t_cmd;
    c.unknown = "unknown argument `%s`";
    parse_with(&c, &r, "--bogus");
    assert_string_equal(r.err, "slate t: unknown argument `--bogus`\nTry `slate t --help`.\n");
}

static void test_flag_with_value(void **state)
{
    (void)state;
    run r;
    parse(&r, "--quiet=1");
    assert_string_equal(r.seq, "STOP2");
    assert_string_equal(r.err, "slate t: `--quiet` takes no value\nTry `slate t --help`.\n");
}

static void test_dash_operands_after(void **state)
{
    (void)state;
    cli_cmd c = t_cmd;
    c.dash_operands_after = 1;
    run r;
    parse_with(&c, &r, "-x");
    assert_string_equal(r.seq, "STOP2");
    parse_with(&c, &r, "log -x --y -q --log z");
    assert_string_equal(r.seq, "@log @-x @--y -q --log=z END");
}

static void test_help(void **state)
{
    (void)state;
    run r;
    parse(&r, "a --help --bogus");
    assert_string_equal(r.seq, "@a STOP0");
    assert_string_equal(r.err, "");
    assert_string_equal(r.out, "usage: slate t [OPTIONS] FILE...\n"
                               "\n"
                               "  --log FILE    the log\n"
                               "  -o, --output FILE  the output\n"
                               "  -q, --quiet   say less\n"
                               "  -v            say more\n"
                               "                much more\n"
                               "  --log-batch N  batch size\n"
                               "  --pseudonymize-key FILE  a long one\n"
                               "\n"
                               "exit status: 0 ok\n");
    parse(&r, "-qh");
    assert_string_equal(r.seq, "-q STOP0");
    assert_non_null(strstr(r.out, "usage: slate t"));
    /* after an error, no help */
    parse(&r, "--bogus --help");
    assert_string_equal(r.seq, "STOP2");
    assert_string_equal(r.out, "");
    /* after `--`, an operand */
    parse(&r, "-- --help -h");
    assert_string_equal(r.seq, "@--help @-h END");
}

/* ---- every command ----------------------------------------------------------------- */

static const struct {
    const char *name;
    const cli_cmd *args;
} commands[] = {
#define CMD(name, fn, summary) {#name, &fn##_args},
#include "commands.def"
#undef CMD
};

static void test_tables(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
        const cli_cmd *cmd = commands[c].args;
        assert_string_equal(cmd->name, commands[c].name);
        assert_true(cmd->nopts == 0 || cmd->opts);
        for (int k = 0; k < cmd->nopts; k++) {
            const cli_opt *o = &cmd->opts[k];
            assert_true(o->name || o->letter);
            assert_non_null(o->help);
            /* -h and --help belong to the parser; a name fits cli_parser.name */
            assert_true(o->letter != 'h' && (!o->name || strcmp(o->name, "help")));
            assert_true(!o->name || (strlen(o->name) < 40 && o->name[0] != '-' &&
                                     !strchr(o->name, '=')));
            assert_true(!o->missing || o->arg); /* a message for a flag's value is dead */
            for (int j = 0; j < k; j++) {
                const cli_opt *x = &cmd->opts[j];
                if (o->name && x->name && !strcmp(o->name, x->name))
                    fail_msg("slate %s: --%s twice in its table", cmd->name, o->name);
                if (o->letter && o->letter == x->letter)
                    fail_msg("slate %s: -%c twice in its table", cmd->name, o->letter);
            }
        }
    }
}

/* Is `tok` (an option as written in --help, "--log" or "-o") in the table? */
static int in_table(const cli_cmd *cmd, const char *tok, size_t n)
{
    if (n == 2 && tok[1] == 'h') return 1;
    if (n == 6 && !strncmp(tok, "--help", 6)) return 1;
    for (int k = 0; k < cmd->nopts; k++) {
        const cli_opt *o = &cmd->opts[k];
        if (tok[1] == '-' && o->name && strlen(o->name) == n - 2 && !strncmp(o->name, tok + 2, n - 2))
            return 1;
        if (tok[1] != '-' && n == 2 && o->letter == tok[1]) return 1;
    }
    return 0;
}

static void test_help_matches_table(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
        const cli_cmd *cmd = commands[c].args;
        char *text;
        size_t len;
        FILE *f = open_memstream(&text, &len);
        assert_non_null(f);
        cli_help(cmd, f);
        fclose(f);
        char usage[64];
        snprintf(usage, sizeof usage, "usage: slate %s", cmd->name);
        assert_memory_equal(text, usage, strlen(usage));
        /* every option of the table is in the help, each on its own line */
        for (int k = 0; k < cmd->nopts; k++) {
            const cli_opt *o = &cmd->opts[k];
            char line[128];
            snprintf(line, sizeof line, "\n  %s%s%s%s%s%s%s", o->letter ? "-" : "",
                     o->letter ? (char[2]){o->letter, 0} : "", o->letter && o->name ? ", " : "",
                     o->name ? "--" : "", o->name ? o->name : "", o->arg ? " " : "",
                     o->arg ? o->arg : "");
            if (!strstr(text, line))
                fail_msg("slate %s --help: no line for `%s`", cmd->name, line + 3);
        }
        /* every option the help names (anywhere) is in the table: "--word",
         * and "-x" standing alone; not those of another program in a quoted
         * command line ("`unzip -p`") */
        for (const char *s = text; *s; s++) {
            if (*s == '`' && islower((unsigned char)s[1]) && strncmp(s + 1, "slate ", 6)) {
                const char *close = strchr(s + 1, '`');
                if (close) s = close;
                continue;
            }
            if (*s != '-' || (s > text && (isalnum((unsigned char)s[-1]) || s[-1] == '-')))
                continue;
            size_t n;
            if (s[1] == '-' && islower((unsigned char)s[2])) {
                n = 2 + strspn(s + 2, "abcdefghijklmnopqrstuvwxyz0123456789-");
            } else if (isalpha((unsigned char)s[1]) && !isalnum((unsigned char)s[2])) {
                n = 2;
            } else {
                continue;
            }
            if (!in_table(cmd, s, n))
                fail_msg("slate %s --help names `%.*s`, which is not in its table", cmd->name,
                         (int)n, s);
            s += n - 1;
        }
        free(text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_operands),
        cmocka_unit_test(test_missing_value),
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_flag_with_value),
        cmocka_unit_test(test_dash_operands_after),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_help_matches_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
