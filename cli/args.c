/*
 * args.c - the one option parser of the `slate` commands (cli.h: cli_next,
 * cli_help): reads argv against a command's static option table, and prints the
 * command's --help with the option list made from that table.  Not here: what an
 * option means, checking its value, or how many operands a command takes (the
 * command does those, in the order the arguments came, so its first complaint
 * is about the first bad argument).
 *
 * Written here rather than over getopt_long(3) because every message is the
 * command's own (getopt prints its own words, and its optind is global state),
 * and because getopt accepts abbreviations of long names, which would make
 * `--log` an error the day a `--logfile` is added.
 */
#include <string.h>

#include "cli.h"

void cli_args(cli_parser *p, const cli_cmd *cmd, int argc, char **argv)
{
    memset(p, 0, sizeof *p);
    p->cmd = cmd;
    p->argc = argc;
    p->argv = argv;
    p->i = 1;
}

static int operand(cli_parser *p, char *a)
{
    p->argv[++p->noperands] = a; /* never past p->i: nothing unread is overwritten */
    p->arg = a;
    return CLI_OPERAND;
}

static int stop(cli_parser *p, int status)
{
    p->status = status;
    return CLI_STOP;
}

static int help(cli_parser *p)
{
    cli_help(p->cmd, stdout);
    return stop(p, EXIT_OK);
}

static int find_long(const cli_cmd *c, const char *name, size_t n)
{
    for (int k = 0; k < c->nopts; k++)
        if (c->opts[k].name && strlen(c->opts[k].name) == n && !strncmp(c->opts[k].name, name, n))
            return k;
    return -1;
}

static int find_letter(const cli_cmd *c, char letter)
{
    for (int k = 0; k < c->nopts; k++)
        if (c->opts[k].letter && c->opts[k].letter == letter) return k;
    return -1;
}

/* Edit distance of a[0..n) and b, given up at 3 (all a near miss may be). */
static int distance(const char *a, size_t n, const char *b)
{
    size_t m = strlen(b);
    if (n > 40 || m > 40 || (n > m ? n - m : m - n) > 2) return 3;
    int row[41];
    for (size_t j = 0; j <= m; j++) row[j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= m; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[m] < 3 ? row[m] : 3;
}

/* The long name `arg` ("--tolerence=5", "-log") was probably meant to be: the
 * only one a short name is the start of, or the only nearest within 1 edit (2
 * for names of 5 letters or more); NULL: none. */
static const char *near_miss(const cli_cmd *c, const char *arg)
{
    const char *name = arg + 1 + (arg[1] == '-');
    size_t n = strcspn(name, "=");
    if (n < (arg[1] == '-' ? 2u : 3u)) return NULL; /* "-qx" is letters, not a name */
    const char *best = NULL, *prefix = NULL;
    int best_d = n >= 5 ? 3 : 2, ties = 0, prefixes = 0;
    for (int k = 0; k < c->nopts; k++) {
        const char *o = c->opts[k].name;
        if (!o) continue;
        if (!strncmp(o, name, n)) {
            prefix = o;
            prefixes++;
        }
        int d = distance(name, n, o);
        if (d < best_d) {
            best_d = d;
            best = o;
            ties = 0;
        } else if (d == best_d && best) {
            ties++;
        }
    }
    if (prefixes == 1) return prefix;
    return ties ? NULL : best;
}

static int unknown(cli_parser *p, char *a)
{
    const cli_cmd *c = p->cmd;
    const char *fmt = c->unknown ? c->unknown : "unknown option `%s`";
    const char *hint = near_miss(c, a);
    if (!hint) {
        cli_usage_error(c->name, fmt, a);
        return stop(p, EXIT_USAGE);
    }
    fprintf(stderr, "slate %s: ", c->name);
    fprintf(stderr, fmt, a);
    fprintf(stderr, "\nhint: did you mean `--%s`?\nTry `slate %s --help`.\n", hint, c->name);
    return stop(p, EXIT_USAGE);
}

/* Option k as typed is in p->name; its value is `attached` (after `=` or the
 * letter; NULL: none) or the next argument. */
static int found(cli_parser *p, int k, const char *attached)
{
    const cli_opt *o = &p->cmd->opts[k];
    p->arg = NULL;
    if (!o->arg) return k;
    if (attached) {
        p->arg = attached;
    } else if (p->i < p->argc) {
        p->arg = p->argv[p->i++];
    } else {
        const char *fmt = o->missing ? o->missing : p->cmd->missing ? p->cmd->missing
                                                                    : "`%s` needs a value";
        cli_usage_error(p->cmd->name, fmt, p->name);
        return stop(p, EXIT_USAGE);
    }
    return k;
}

/* The next letter of a group of short options, known to be in the table. */
static int next_letter(cli_parser *p)
{
    char letter = *p->bundle++;
    if (letter == 'h') return help(p);
    int k = find_letter(p->cmd, letter);
    snprintf(p->name, sizeof p->name, "-%c", letter);
    const char *rest = *p->bundle && p->cmd->opts[k].arg ? p->bundle : NULL;
    if (rest || !*p->bundle) p->bundle = NULL;
    return found(p, k, rest);
}

/* Every letter of "-abc" is an option (or -h), up to one that takes a value. */
static int letters_known(const cli_cmd *c, const char *a)
{
    for (const char *s = a + 1; *s; s++) {
        if (*s == 'h') continue;
        int k = find_letter(c, *s);
        if (k < 0) return 0;
        if (c->opts[k].arg) return 1;
    }
    return 1;
}

int cli_next(cli_parser *p)
{
    if (p->bundle) return next_letter(p);
    if (p->i >= p->argc) return CLI_END;
    char *a = p->argv[p->i++];
    if (p->only_operands || a[0] != '-' || !a[1]) return operand(p, a);
    if (!strcmp(a, "--")) {
        p->only_operands = 1;
        return cli_next(p);
    }
    const cli_cmd *c = p->cmd;
    int dash_operand = c->dash_operands_after && p->noperands >= c->dash_operands_after;
    if (a[1] != '-') {
        if (!letters_known(c, a)) return dash_operand ? operand(p, a) : unknown(p, a);
        p->bundle = a + 1;
        return next_letter(p);
    }
    if (!strcmp(a, "--help")) return help(p);
    const char *name = a + 2, *eq = strchr(name, '=');
    size_t n = eq ? (size_t)(eq - name) : strlen(name);
    int k = find_long(c, name, n);
    if (k < 0) return dash_operand ? operand(p, a) : unknown(p, a);
    snprintf(p->name, sizeof p->name, "--%s", c->opts[k].name);
    if (eq && !c->opts[k].arg) {
        cli_usage_error(c->name, "`%s` takes no value", p->name);
        return stop(p, EXIT_USAGE);
    }
    return found(p, k, eq ? eq + 1 : NULL);
}

void cli_help(const cli_cmd *c, FILE *f)
{
    fputs(c->synopsis, f);
    for (int k = 0; k < c->nopts; k++) {
        const cli_opt *o = &c->opts[k];
        int n = fprintf(f, "  ");
        if (o->letter) n += fprintf(f, "-%c%s", o->letter, o->name ? ", " : "");
        if (o->name) n += fprintf(f, "--%s", o->name);
        if (o->arg) n += fprintf(f, " %s", o->arg);
        fprintf(f, "%*s", n + 2 <= c->column ? c->column - n : 2, "");
        for (const char *s = o->help; *s; s++) {
            fputc(*s, f);
            if (*s == '\n') fprintf(f, "%*s", c->column, "");
        }
        fputc('\n', f);
    }
    if (c->epilogue) fputs(c->epilogue, f);
}
