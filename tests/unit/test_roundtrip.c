/*
 * test_roundtrip.c - generated code against a reference evaluator.
 *
 * Generates random policies (fixed seed) whose tier conditions, rule conditions
 * and `pauses while` use every operator on every type, compiles each through the
 * real parser, checker, lowering, image writer and loader, then on random field
 * values compares: the tier the selection block returns with the first matching
 * tier found by evaluating the AST directly (default last, "no tier" = ntiers);
 * which rules' actions fire (by the rule index the VM reports) with the rules whose
 * condition holds; and each pause condition's result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bctest.h"
#include "load.h"
#include "slate.h"
#include "vm.h"

#define NPOLICIES 1000
#define NCASES 300
#define NTIERS 6
#define NRULES 8

/* ---- random policies ---------------------------------------------------------- */

typedef struct sbuf {
    char s[16384];
    size_t n;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    b->n += (size_t)vsnprintf(b->s + b->n, sizeof b->s - b->n, fmt, ap);
    va_end(ap);
    assert_true(b->n < sizeof b->s);
}

static const char *const e1_vals[] = {"a", "b", "c", "d"};
static const char *const e2_vals[] = {"x", "y", "z"};
static const char *const strs[] = {"foo", "bar", "baz"};
static const char *const lv[] = {"l0", "l1", "l2"};
static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">="};

static void atom(sbuf *b, uint64_t *seed)
{
    uint64_t r = bc_rand(seed);
    if (r % 16 == 15) { /* a negated test, which the decision tree also reads */
        put(b, (r >> 8) & 1 ? "not e1 in (a, c)" : "not b2");
        return;
    }
    const char *op = ops[(r >> 8) % 6], *eq = (r >> 16) & 1 ? "==" : "!=";
    static const int big[] = {0, 255, 256, 300, 100000}; /* either side of the fused jumps' 8-bit immediate */
    switch (r % 13) {
    case 0: put(b, "e1 %s %s", op, e1_vals[(r >> 20) % 4]); break;
    case 1: put(b, "e2 %s %s", eq, e2_vals[(r >> 20) % 3]); break;
    case 2: put(b, "e1 in (%s, %s)", e1_vals[(r >> 20) % 4], e1_vals[(r >> 24) % 4]); break;
    case 3: put(b, "e2 in (%s)", e2_vals[(r >> 20) % 3]); break;
    case 4: put(b, (r >> 20) & 1 ? "b1" : "b2"); break;
    case 5: put(b, "b1 %s %s", eq, (r >> 20) & 1 ? "true" : "false"); break;
    case 6: put(b, "n %s %d", op, (int)((r >> 20) % 8)); break;
    case 7: put(b, "s %s \"%s\"", eq, strs[(r >> 20) % 3]); break;
    case 8: put(b, "dur %s %dh", op, (int)((r >> 20) % 4)); break;
    case 9: put(b, "level %s %s", op, lv[(r >> 20) % 3]); break;
    case 10: put(b, "n in (%d, %d, %d)", (int)((r >> 20) % 5), (int)((r >> 24) % 5), (int)((r >> 28) % 7)); break;
    case 11:
        if ((r >> 28) & 1) put(b, "n %s %d", op, big[(r >> 20) % 5]);
        else put(b, "%d %s n", big[(r >> 20) % 5], op); /* constant first: the operands swap */
        break;
    default: put(b, "%s == e1", e1_vals[(r >> 20) % 4]); break;
    }
}

static void cond(sbuf *b, uint64_t *seed, int depth)
{
    uint64_t r = bc_rand(seed);
    if (depth == 0 || r % 3 == 0) {
        atom(b, seed);
        return;
    }
    switch ((r >> 4) % 3) {
    case 0:
        put(b, "not (");
        cond(b, seed, depth - 1);
        put(b, ")");
        break;
    default:
        put(b, "(");
        cond(b, seed, depth - 1);
        put(b, (r >> 4) % 3 == 1 ? ") and (" : ") or (");
        cond(b, seed, depth - 1);
        put(b, ")");
    }
}

static void gen_policy(sbuf *b, uint64_t *seed)
{
    b->n = 0;
    put(b, "policy \"rt\" version \"1\"\n"
           "case { e1: enum { a, b, c, d }  e2: enum { x, y, z }  b1: bool  b2: bool  n: int\n"
           "       s: string  dur: duration }\n"
           "levels { l0, l1, l2 }\n"
           "clock response starts on opened stops on responded pauses while ");
    cond(b, seed, 2);
    put(b, "\n");
    int def = (int)(bc_rand(seed) % (NTIERS + 2)); /* >= NTIERS: no default tier */
    for (int t = 0; t < NTIERS; t++) {
        put(b, "sla t%d ", t);
        if (t != def) {
            put(b, "when ");
            if (bc_rand(seed) % 2) {
                cond(b, seed, 3);
            } else { /* a conjunction of simple tests: the decision tree's case */
                for (int k = 1 + (int)(bc_rand(seed) % 3); k-- > 0;) {
                    atom(b, seed);
                    if (k) put(b, " and ");
                }
            }
        }
        put(b, " { response within %dh }\n", t + 1);
    }
    for (int r = 0; r < NRULES; r++) {
        put(b, "on %s when ", r % 3 == 2 ? "updated" : "opened");
        cond(b, seed, 3);
        put(b, " { route r%d }\n", r);
    }
}

/* ---- the reference evaluator ------------------------------------------------------ */

typedef struct vals {
    int64_t f[7];   /* e1 e2 b1 b2 n s dur; s as an index into strs */
    int64_t level;
} vals;

static int64_t eval(const ast_expr *e, const vals *v)
{
    switch (e->kind) {
    case EX_INT:
    case EX_BOOL: return e->u.ival;
    case EX_DURATION: return e->u.ival * 1000;
    case EX_STRING: {
        for (int i = 0; i < 3; i++)
            if (!strcmp(e->u.sval, strs[i])) return i;
        return 100;
    }
    case EX_NAME:
        switch (e->name_kind) {
        case NAME_FIELD: return v->f[e->ref];
        case NAME_LEVEL_FIELD: return v->level;
        default: return e->ref;
        }
    case EX_NOT: return !eval(e->u.operand, v);
    case EX_AND: return eval(e->u.bin.l, v) && eval(e->u.bin.r, v);
    case EX_OR: return eval(e->u.bin.l, v) || eval(e->u.bin.r, v);
    case EX_CMP: {
        int64_t l = eval(e->u.bin.l, v), r = eval(e->u.bin.r, v);
        switch (e->u.bin.op) {
        case CMP_EQ: return l == r;
        case CMP_NE: return l != r;
        case CMP_LT: return l < r;
        case CMP_LE: return l <= r;
        case CMP_GT: return l > r;
        default: return l >= r;
        }
    }
    case EX_IN: {
        int64_t l = eval(e->u.in.l, v);
        for (const ast_expr *i = e->u.in.items; i; i = i->next)
            if (eval(i, v) == l) return 1;
        return 0;
    }
    }
    return 0;
}

/* ---- the VM side ---------------------------------------------------------------- */

typedef struct fired {
    uint32_t rules; /* bit per rule index */
} fired;

static int act(void *ud, const vm_instr *ins, const int64_t *regs, uint32_t rule)
{
    (void)regs;
    assert_int_equal(ins->op, OP_ROUTE);
    assert_true(rule < 32);
    ((fired *)ud)->rules |= 1u << rule;
    return 0;
}

static int find_string(const slate_program *p, const char *s)
{
    for (uint32_t i = 0; i < p->nstrings; i++)
        if (!strcmp(prog_str(p, i), s)) return (int)i;
    return -1;
}

static void check_policy(const char *src, uint64_t *seed)
{
    FILE *diag = tmpfile();
    fe_unit u;
    uint8_t *img = NULL;
    size_t len = 0;
    int rc = fe_load_text(&u, "rt.slate", src, strlen(src), diag, 0);
    if (rc == 0) rc = cg_compile(u.ast, &u.diag, &img, &len);
    if (rc) {
        char line[512];
        rewind(diag);
        while (fgets(line, sizeof line, diag)) fputs(line, stderr);
        fprintf(stderr, "policy:\n%s", src);
        fail_msg("generated policy does not compile");
    }
    fclose(diag);
    slate_program *p;
    char err[256];
    assert_int_equal(load_image(img, len, &p, err, sizeof err), 0);
    int64_t *ids = calloc(p->nstrings, sizeof *ids), *regs = calloc(p->nregs + 1, sizeof *regs);
    for (uint32_t i = 0; i < p->nstrings; i++) ids[i] = i;
    int sid[3];
    for (int i = 0; i < 3; i++) sid[i] = find_string(p, strs[i]);

    for (int c = 0; c < NCASES; c++) {
        vals v;
        uint64_t r = bc_rand(seed);
        v.f[0] = (int64_t)(r % 4);
        v.f[1] = (int64_t)(r >> 4) % 3;
        v.f[2] = (int64_t)(r >> 8 & 1);
        v.f[3] = (int64_t)(r >> 9 & 1);
        v.f[4] = (int64_t)((r >> 12) % 11) - 2;
        if ((r >> 40) % 4 == 0) { /* around the 8-bit immediates and far beyond */
            static const int64_t nb[] = {255, 256, 299, 300, 301, 100000, -256, INT64_MIN, INT64_MAX};
            v.f[4] = nb[(r >> 44) % 9];
        }
        v.f[5] = (int64_t)(r >> 20) % 3;
        v.f[6] = (int64_t)((r >> 24) % 5) * 1800000; /* 0 .. 2h in half hours */
        v.level = (int64_t)(r >> 32) % 3;
        int64_t fields[7];
        memcpy(fields, v.f, sizeof fields);
        fields[5] = sid[v.f[5]] >= 0 ? sid[v.f[5]] : 1000 + v.f[5];
        if (sid[v.f[5]] < 0) v.f[5] = 100 + v.f[5]; /* equal to no literal */

        /* selection */
        int64_t want = -1, def = -1;
        int ti = 0;
        for (const ast_sla *s = u.ast->slas; s; s = s->next, ti++) {
            if (!s->when) def = ti;
            else if (want < 0 && eval(s->when, &v)) want = ti;
        }
        if (want < 0) want = def >= 0 ? def : (int64_t)p->ntiers;
        fired f = {0};
        vm_host h = {fields, &v.level, ids, act, &f};
        int64_t got = vm_run(p, p->select, &h, regs);
        if (got != want) {
            fprintf(stderr, "policy:\n%s\nfields e1=%lld e2=%lld b1=%lld b2=%lld n=%lld s=%lld d=%lld level=%lld\n", src,
                    (long long)v.f[0], (long long)v.f[1], (long long)v.f[2], (long long)v.f[3], (long long)v.f[4],
                    (long long)v.f[5], (long long)v.f[6], (long long)v.level);
            fail_msg("selection: VM says %lld, reference %lld", (long long)got, (long long)want);
        }
        /* rules */
        for (int ev = 0; ev < 3; ev += 2) { /* opened (0), updated (2) */
            uint32_t expect = 0;
            int ri = 0;
            for (const ast_rule *rl = u.ast->rules; rl; rl = rl->next, ri++)
                if (!strcmp(rl->event.name, ev == 0 ? "opened" : "updated") && eval(rl->when, &v))
                    expect |= 1u << ri;
            f.rules = 0;
            if (p->events[ev].rules != PROG_NO_CODE)
                assert_int_equal(vm_run(p, p->events[ev].rules, &h, regs), VM_HALTED);
            if (f.rules != expect) {
                fprintf(stderr, "policy:\n%s\n", src);
                fail_msg("event %d: rules fired %#x, reference %#x", ev, f.rules, expect);
            }
        }
        /* pause condition */
        assert_int_equal(vm_run(p, p->clocks[0].pause_while, &h, regs), eval(u.ast->clocks->pauses_while, &v) != 0);
    }
    free(ids);
    free(regs);
    slate_program_free(p);
    free(img);
    fe_release(&u);
}

static void test_random_policies(void **state)
{
    (void)state;
    uint64_t seed = UINT64_C(0x0123456789ABCDEF);
    static sbuf b;
    for (int i = 0; i < NPOLICIES; i++) {
        gen_policy(&b, &seed);
        check_policy(b.s, &seed);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_policies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
