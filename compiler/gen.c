/*
 * gen.c - code generation: conditions and actions -> VM instructions.
 *
 * Place in the pipeline: lower.c has built the tables; this file appends the
 * code blocks and records their entry pcs in those tables.  Block order: the
 * tier selection (pc 0), each event's rules (event order), each clock's
 * `pauses while` condition (clock order), each ladder step's actions (in the
 * order the tiers first use them).  Jumps only go forward: conditions compile
 * to jumping code (Lua's luaK_goiftrue style), pending jumps chained through
 * their c operand until their label is placed.
 *
 * Registers: a bump allocator per statement (a tier condition list, a rule's
 * condition, an action).  In a statement's conditions every leaf (a field,
 * `level`, a constant) is loaded once, into a register hoisted to the start of
 * the statement, and shared by every comparison that reads it.
 *
 * A comparison in a condition is one fused compare-and-jump (opcodes.def):
 * a field against a small constant of its type reads the field itself
 * (FJEQ.., so its leaves are not hoisted at all), anything else compares two
 * registers (JEQ..); a comparison used as a value still computes into a
 * register (EQ..).  Same machine compare either way, one dispatch fewer.
 */
#include <string.h>

#include "lower_int.h"
#include "select.h"
#include "verify.h"

/* The static type of a value: a prog_type, and for PT_ENUM its field. */
typedef struct cty {
    uint8_t pt;
    uint16_t field;
} cty;

/* A leaf: what one load instruction produces. */
typedef struct leaf {
    uint8_t op;     /* OP_FIELD, OP_LEVEL, OP_LOADI, OP_LOADK, OP_LOADS */
    uint16_t b;     /* field, or the type tag */
    int64_t value;  /* LOADI/LOADK value, LOADS string */
    uint8_t reg;
} leaf;

#define MAX_LEAVES 128

typedef struct gctx {
    cg_program *cg;
    uint32_t line;
    uint32_t next_reg;   /* bump allocator */
    leaf leaves[MAX_LEAVES];
    int nleaves;
    int hoisted;         /* leaves live in registers: look them up */
    int too_many;
} gctx;

/* ---- emission ---------------------------------------------------------------- */

static uint32_t pc_here(gctx *g) { return g->cg->code.n; }

static uint32_t emit(gctx *g, int op, uint32_t a, uint32_t b, int64_t c)
{
    VEC_PUSH(g->cg->lines, g->line);
    return VEC_PUSH(g->cg->code, ((vm_instr){(uint8_t)op, (uint8_t)a, (uint16_t)b, (int32_t)c}));
}

static uint32_t reg_new(gctx *g, src_loc loc)
{
    if (g->next_reg >= VRF_MAX_REGS) {
        if (!g->too_many) cg_error(g->cg, loc, "expression too complex (more than %u registers)", VRF_MAX_REGS);
        g->too_many = 1;
        return 0;
    }
    uint32_t r = g->next_reg++;
    if (g->next_reg > g->cg->nregs) g->cg->nregs = g->next_reg;
    return r;
}

/* Start a statement: all registers free, no leaves. */
static void stmt_begin(gctx *g, int line)
{
    g->next_reg = 0;
    g->nleaves = 0;
    g->hoisted = 0;
    g->line = (uint32_t)line;
}

/* A jump list: the pc of its last pending jump, chained through c; -1 empty. */
typedef int32_t jlist;
#define JL_EMPTY (-1)

static void jl_add(gctx *g, jlist *l, uint32_t pc)
{
    g->cg->code.v[pc].c = *l;
    *l = (int32_t)pc;
}

/* Emit a jump to be patched later, adding it to *l. */
static void jump_to(gctx *g, jlist *l, int op, uint32_t reg)
{
    jl_add(g, l, emit(g, op, reg, 0, 0));
}

/* Place the label: every pending jump in l goes to the next instruction. */
static void jl_here(gctx *g, jlist l)
{
    while (l != JL_EMPTY) {
        int32_t next = g->cg->code.v[l].c;
        g->cg->code.v[l].c = (int32_t)pc_here(g);
        l = next;
    }
}

/* Move every pending jump of l into *into (both still unplaced). */
static void jl_merge(gctx *g, jlist *into, jlist l)
{
    while (l != JL_EMPTY) {
        int32_t next = g->cg->code.v[l].c;
        jl_add(g, into, (uint32_t)l);
        l = next;
    }
}

/* ---- types and leaves -------------------------------------------------------- */

static cty field_type(const cg_program *cg, int f)
{
    return (cty){cg->fields.v[f].type, (uint16_t)f};
}

/* The type an expression has on its own; pt 0 when it depends on the other side
 * of a comparison (a bare enum value or level name). */
static cty type_of(const cg_program *cg, const ast_expr *e)
{
    switch (e->kind) {
    case EX_INT: return (cty){PT_INT, 0};
    case EX_BOOL: return (cty){PT_BOOL, 0};
    case EX_STRING: return (cty){PT_STRING, 0};
    case EX_DURATION: return (cty){PT_DURATION, 0};
    case EX_NAME: {
        if (e->name_kind == NAME_FIELD) return field_type(cg, e->ref);
        if (e->name_kind == NAME_LEVEL_FIELD) return (cty){PT_LEVEL, 0};
        if (e->name_kind == NAME_LEVEL) return (cty){PT_LEVEL, 0};
        if (e->name_kind == NAME_ENUM_VALUE && e->type.enum_of)
            return (cty){PT_ENUM, (uint16_t)cg_field(cg, e->type.enum_of->name.name)};
        if (e->name_kind != NAME_UNRESOLVED) return (cty){0, 0};
        int f = cg_field(cg, e->u.sval);
        if (f >= 0) return field_type(cg, f);
        if (!strcmp(e->u.sval, "level")) return (cty){PT_LEVEL, 0};
        return (cty){0, 0};
    }
    default: return (cty){PT_BOOL, 0};
    }
}

static int is_field_name(const cg_program *cg, const ast_expr *e, int *f)
{
    if (e->kind != EX_NAME) return 0;
    if (e->name_kind == NAME_FIELD) return *f = e->ref, 1;
    if (e->name_kind == NAME_LEVEL_FIELD) return *f = -1, 1;
    if (e->name_kind != NAME_UNRESOLVED) return 0;
    if ((*f = cg_field(cg, e->u.sval)) >= 0) return 1;
    if (!strcmp(e->u.sval, "level")) return *f = -1, 1;
    return 0;
}

static uint16_t tag_of(cty t)
{
    return t.pt == PT_ENUM ? (uint16_t)(PROG_TAG_ENUM + t.field) : t.pt;
}

/* The leaf `e` loads when it stands where a value of type `want` is expected
 * (want.pt 0: no context).  Returns 0 when e is not a leaf. */
static int leaf_of(gctx *g, const ast_expr *e, cty want, leaf *out)
{
    cg_program *cg = g->cg;
    int f;
    memset(out, 0, sizeof *out);
    switch (e->kind) {
    case EX_INT:
    case EX_DURATION:
    case EX_BOOL: {
        int64_t v = e->u.ival;
        uint8_t pt = e->kind == EX_INT ? PT_INT : e->kind == EX_BOOL ? PT_BOOL : PT_DURATION;
        if (pt == PT_DURATION) v = v > VRF_MAX_MS / 1000 ? VRF_MAX_MS : v * 1000;
        out->op = v >= INT32_MIN && v <= INT32_MAX ? OP_LOADI : OP_LOADK;
        out->b = pt;
        out->value = v;
        return 1;
    }
    case EX_STRING:
        out->op = OP_LOADS;
        out->value = cg_str(cg, e->u.sval);
        return 1;
    case EX_NAME:
        if (is_field_name(cg, e, &f)) {
            out->op = f < 0 ? OP_LEVEL : OP_FIELD;
            out->b = f < 0 ? 0 : (uint16_t)f;
            return 1;
        }
        out->op = OP_LOADI;
        if (want.pt == PT_LEVEL || e->name_kind == NAME_LEVEL) {
            out->b = PT_LEVEL;
            out->value = e->name_kind == NAME_LEVEL ? e->ref : cg_level(cg, e->u.sval);
        } else if (want.pt == PT_ENUM) {
            out->b = tag_of(want);
            out->value = e->name_kind == NAME_ENUM_VALUE ? e->ref : cg_enum_value(cg, want.field, e->u.sval);
        } else {
            out->value = -1;
        }
        if (out->value < 0) {
            cg_error(cg, e->loc, "cannot resolve `%s` here", e->u.sval);
            out->value = 0;
            out->b = PT_INT;
        }
        return 1;
    default: return 0;
    }
}

static void load_leaf(gctx *g, const leaf *l, uint32_t reg)
{
    int64_t c = l->value;
    if (l->op == OP_LOADK) {
        uint32_t k = 0;
        while (k < g->cg->consts.n && g->cg->consts.v[k] != c) k++;
        if (k == g->cg->consts.n) VEC_PUSH(g->cg->consts, c);
        c = k;
    }
    emit(g, l->op, reg, l->op == OP_LEVEL || l->op == OP_LOADS ? 0 : l->b, l->op == OP_FIELD ? 0 : c);
}

/* The register holding leaf `e` (in context `want`): the hoisted one, or a new load. */
static uint32_t leaf_reg(gctx *g, const ast_expr *e, cty want)
{
    leaf l;
    leaf_of(g, e, want, &l);
    if (g->hoisted)
        for (int i = 0; i < g->nleaves; i++)
            if (g->leaves[i].op == l.op && g->leaves[i].b == l.b && g->leaves[i].value == l.value)
                return g->leaves[i].reg;
    uint32_t r = reg_new(g, e->loc);
    load_leaf(g, &l, r);
    return r;
}

/* ---- fused compare-and-jumps ---------------------------------------------------- */

/* Comparison kinds (ast cmp op = index into cmp_ops): EQ NE LT LE GT GE.
 * cmp_not[k] holds exactly when k does not (integers: no unordered values);
 * cmp_swap[k] is k with its operands exchanged. */
static const int cmp_not[] = {1, 0, 5, 4, 3, 2};
static const int cmp_swap[] = {0, 1, 4, 5, 2, 3};

/* A field-immediate comparison: `field <kind> imm`, as FJEQ.. encodes it. */
typedef struct fused {
    uint16_t field;
    uint8_t imm;
    int kind;
} fused;

/* Can `l <kind> r` (each in the context cmp_into gives it) be one FJEQ..?  Only
 * a case field against a LOADI constant of the field's own type that fits the
 * 8-bit operand (enum values, bools, small ints), either way round; never a
 * string field (strings are interned ids, not immediates) nor `level`. */
static int fuse_cmp(gctx *g, const ast_expr *l, const ast_expr *r, int kind, fused *out)
{
    cty tl = type_of(g->cg, l), tr = type_of(g->cg, r);
    leaf a, b;
    if (!leaf_of(g, l, tl.pt ? tl : tr, &a) || !leaf_of(g, r, tr.pt ? tr : tl, &b)) return 0;
    if (a.op == OP_LOADI && b.op == OP_FIELD) {
        leaf t = a;
        a = b;
        b = t;
        kind = cmp_swap[kind];
    }
    if (a.op != OP_FIELD || b.op != OP_LOADI || b.value < 0 || b.value > UINT8_MAX) return 0;
    cty ft = field_type(g->cg, a.b);
    if (ft.pt == PT_STRING || b.b != tag_of(ft) || (ft.pt == PT_BOOL && kind > 1)) return 0;
    *out = (fused){a.b, (uint8_t)b.value, kind};
    return 1;
}

/* `e` (a condition) is a bare bool field: its test is `field != 0`. */
static int fuse_bool(gctx *g, const ast_expr *e, fused *out)
{
    int f;
    if (!is_field_name(g->cg, e, &f) || f < 0 || g->cg->fields.v[f].type != PT_BOOL) return 0;
    *out = (fused){(uint16_t)f, 0, 1};
    return 1;
}

/* An `in` item as a comparison `x == item`. */
static int fuse_item(gctx *g, const ast_expr *e, const ast_expr *item, fused *out)
{
    cty t = type_of(g->cg, e->u.in.l);
    leaf a, b;
    if (!leaf_of(g, e->u.in.l, t, &a) || !leaf_of(g, item, t, &b) || a.op != OP_FIELD) return 0;
    if (b.op != OP_LOADI || b.value < 0 || b.value > UINT8_MAX) return 0;
    cty ft = field_type(g->cg, a.b);
    if (ft.pt == PT_STRING || b.b != tag_of(ft)) return 0;
    *out = (fused){a.b, (uint8_t)b.value, 0};
    return 1;
}

/* Emit FJ<kind> (negated unless `sense`) into jump list *to. */
static void jump_fused(gctx *g, const fused *f, int sense, jlist *to)
{
    int k = sense ? f->kind : cmp_not[f->kind];
    jl_add(g, to, emit(g, OP_FJEQ + k, f->imm, f->field, 0));
}

/* Collect the leaves of a condition (as leaf_reg will ask for them). */
static void collect(gctx *g, const ast_expr *e, cty want)
{
    leaf l;
    fused fu;
    switch (e->kind) {
    case EX_NOT: collect(g, e->u.operand, (cty){0, 0}); return;
    case EX_AND:
    case EX_OR:
        collect(g, e->u.bin.l, (cty){0, 0});
        collect(g, e->u.bin.r, (cty){0, 0});
        return;
    case EX_CMP: {
        /* a fused comparison reads the field itself; in a value context
         * (cmp_into) its leaves load on demand instead */
        if (fuse_cmp(g, e->u.bin.l, e->u.bin.r, e->u.bin.op, &fu)) return;
        cty tl = type_of(g->cg, e->u.bin.l), tr = type_of(g->cg, e->u.bin.r);
        collect(g, e->u.bin.l, tl.pt ? tl : tr);
        collect(g, e->u.bin.r, tr.pt ? tr : tl);
        return;
    }
    case EX_IN: {
        cty t = type_of(g->cg, e->u.in.l);
        int all = 1;
        for (const ast_expr *i = e->u.in.items; i; i = i->next)
            if (!fuse_item(g, e, i, &fu)) {
                all = 0;
                collect(g, i, t);
            }
        if (!all) collect(g, e->u.in.l, t);
        return;
    }
    default:
        if (want.pt == 0 && fuse_bool(g, e, &fu)) return; /* a bare bool field as a condition */
        if (!leaf_of(g, e, want, &l)) return;
        for (int i = 0; i < g->nleaves; i++)
            if (g->leaves[i].op == l.op && g->leaves[i].b == l.b && g->leaves[i].value == l.value) return;
        if (g->nleaves == MAX_LEAVES) return; /* the rest load on demand */
        g->leaves[g->nleaves++] = l;
    }
}

/* Load every collected leaf into its own register, at the statement's start. */
static void hoist(gctx *g)
{
    for (int i = 0; i < g->nleaves; i++) {
        g->leaves[i].reg = (uint8_t)reg_new(g, (src_loc){(int)g->line, 0, 0, 0});
        load_leaf(g, &g->leaves[i], g->leaves[i].reg);
    }
    g->hoisted = 1;
}

/* ---- conditions ------------------------------------------------------------ */

static void cond_jump(gctx *g, const ast_expr *e, int sense, jlist *to);
static void val_into(gctx *g, const ast_expr *e, cty want, uint32_t dst);

static const int cmp_ops[] = {OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE};

/* The register of an operand: a leaf's register, or a computed value. */
static uint32_t operand(gctx *g, const ast_expr *e, cty want)
{
    leaf l;
    if (leaf_of(g, e, want, &l)) return leaf_reg(g, e, want);
    uint32_t r = reg_new(g, e->loc);
    val_into(g, e, want, r);
    return r;
}

/* dst := the comparison e. */
static void cmp_into(gctx *g, const ast_expr *e, uint32_t dst)
{
    cty tl = type_of(g->cg, e->u.bin.l), tr = type_of(g->cg, e->u.bin.r);
    uint32_t save = g->next_reg;
    uint32_t a = operand(g, e->u.bin.l, tl.pt ? tl : tr);
    uint32_t b = operand(g, e->u.bin.r, tr.pt ? tr : tl);
    emit(g, cmp_ops[e->u.bin.op], dst, a, b);
    if (g->next_reg > save && dst < save) g->next_reg = save;
}

/* Jump to *out when `x in (items)` is true (sense 1) or false (sense 0): one
 * `x == item` jump per item, fused with the field when it can be. */
static void in_jumps(gctx *g, const ast_expr *e, int sense, jlist *out)
{
    cty t = type_of(g->cg, e->u.in.l);
    uint32_t save = g->next_reg;
    uint32_t x = UINT32_MAX; /* x's register, loaded on first need */
    jlist hit = JL_EMPTY;
    for (const ast_expr *i = e->u.in.items; i; i = i->next) {
        /* sense 1: any match jumps out; sense 0: a match skips the rest, only
         * the last item's mismatch jumps out */
        int match = sense || i->next;
        jlist *to = sense ? out : i->next ? &hit : out;
        fused fu;
        if (fuse_item(g, e, i, &fu)) {
            jump_fused(g, &fu, match, to);
            continue;
        }
        if (x == UINT32_MAX) x = operand(g, e->u.in.l, t);
        uint32_t v = operand(g, i, t);
        jl_add(g, to, emit(g, match ? OP_JEQ : OP_JNE, x, v, 0));
    }
    jl_here(g, hit);
    g->next_reg = save;
}

/* Emit jumps to `to` taken when `e` evaluates to `sense` (1: true, 0: false);
 * control falls through otherwise.  `and`/`or` short-circuit: for the operator
 * whose result `sense` decides at the first matching operand (`or` for true,
 * `and` for false) both operands jump straight to `to`; for the other, the left
 * operand's opposite outcome skips the right one. */
static void cond_jump(gctx *g, const ast_expr *e, int sense, jlist *to)
{
    switch (e->kind) {
    case EX_AND:
    case EX_OR:
        if ((e->kind == EX_OR) == sense) {
            cond_jump(g, e->u.bin.l, sense, to);
            cond_jump(g, e->u.bin.r, sense, to);
        } else {
            jlist skip = JL_EMPTY;
            cond_jump(g, e->u.bin.l, !sense, &skip);
            cond_jump(g, e->u.bin.r, sense, to);
            jl_here(g, skip);
        }
        return;
    case EX_NOT: cond_jump(g, e->u.operand, !sense, to); return;
    case EX_IN: in_jumps(g, e, sense, to); return;
    case EX_CMP: {
        fused fu;
        if (fuse_cmp(g, e->u.bin.l, e->u.bin.r, e->u.bin.op, &fu)) {
            jump_fused(g, &fu, sense, to);
            return;
        }
        cty tl = type_of(g->cg, e->u.bin.l), tr = type_of(g->cg, e->u.bin.r);
        uint32_t save = g->next_reg;
        uint32_t a = operand(g, e->u.bin.l, tl.pt ? tl : tr);
        uint32_t b = operand(g, e->u.bin.r, tr.pt ? tr : tl);
        int k = sense ? (int)e->u.bin.op : cmp_not[e->u.bin.op];
        jl_add(g, to, emit(g, OP_JEQ + k, a, b, 0));
        g->next_reg = save;
        return;
    }
    default: {
        fused fu;
        if (fuse_bool(g, e, &fu)) { /* JMPT/JMPF on the raw value: != 0 / == 0 */
            jump_fused(g, &fu, sense, to);
            return;
        }
        uint32_t save = g->next_reg;
        uint32_t r = operand(g, e, (cty){PT_BOOL, 0});
        jump_to(g, to, sense ? OP_JMPT : OP_JMPF, r);
        g->next_reg = save;
    }
    }
}

/* Jumps to `f` taken when `e` is false. */
static void cond_false(gctx *g, const ast_expr *e, jlist *f)
{
    cond_jump(g, e, 0, f);
}

/* dst := the value of e (want: the type expected, for bare enum values). */
static void val_into(gctx *g, const ast_expr *e, cty want, uint32_t dst)
{
    leaf l;
    switch (e->kind) {
    case EX_CMP: cmp_into(g, e, dst); return;
    case EX_NOT:
        val_into(g, e->u.operand, (cty){PT_BOOL, 0}, dst);
        emit(g, OP_NOT, dst, dst, 0);
        return;
    case EX_AND:
    case EX_OR:
    case EX_IN: {
        jlist f = JL_EMPTY;
        emit(g, OP_LOADI, dst, PT_BOOL, 0);
        cond_false(g, e, &f);
        emit(g, OP_LOADI, dst, PT_BOOL, 1);
        jl_here(g, f);
        return;
    }
    default: /* a leaf: loaded again even if hoisted (there is no move) */
        leaf_of(g, e, want, &l);
        load_leaf(g, &l, dst);
    }
}

/* ---- actions -------------------------------------------------------------- */

static cty emit_arg_type(gctx *g, const ast_expr *e)
{
    cty t = type_of(g->cg, e);
    if (!t.pt) cg_error(g->cg, e->loc, "cannot tell the type of this argument");
    return t;
}

static uint32_t emit_entry(gctx *g, const ast_action *a)
{
    cg_program *cg = g->cg;
    uint32_t name = cg_str(cg, a->target.name), nargs = 0;
    prog_emit_arg args[VRF_MAX_REGS];
    for (const ast_expr *x = a->value; x; x = x->next) {
        if (nargs == VRF_MAX_REGS) {
            cg_error(cg, a->loc, "too many arguments");
            break;
        }
        cty t = emit_arg_type(g, x);
        args[nargs++] = (prog_emit_arg){t.pt ? t.pt : PT_INT, t.pt == PT_ENUM ? t.field : PROG_NONE};
    }
    for (uint32_t i = 0; i < cg->emits.n; i++) {
        const prog_emit *e = &cg->emits.v[i];
        if (e->name != name || e->nargs != nargs) continue;
        uint32_t k = 0;
        while (k < nargs && cg->emit_args.v[e->first_arg + k].type == args[k].type &&
               cg->emit_args.v[e->first_arg + k].field == args[k].field)
            k++;
        if (k == nargs) return i;
    }
    if (cg->emits.n == 0xFFFFu) cg_error(cg, a->loc, "too many distinct `emit` decisions for the image format");
    prog_emit pe = {name, nargs, cg->emit_args.n};
    for (uint32_t k = 0; k < nargs; k++) VEC_PUSH(cg->emit_args, args[k]);
    return VEC_PUSH(cg->emits, pe);
}

static uint32_t adhoc_target(gctx *g, const ast_action *a, int slot)
{
    cg_program *cg = g->cg;
    uint16_t cal = cg_calendar_of(cg, &a->calendar);
    int64_t ms = cg_duration_ms(cg, &a->within, cal);
    if (ms <= 0) {
        char lim[96];
        cg_error(cg, a->within.loc, "duration is too long: at most %s",
                 cg_duration_limit(cg, &a->within, cal, lim, sizeof lim));
        ms = 1;
    }
    return VEC_PUSH(cg->targets, ((prog_target){(uint16_t)slot, cal, ms, 0, 0, (uint32_t)a->loc.line}));
}

static void gen_action(gctx *g, const ast_action *a)
{
    cg_program *cg = g->cg;
    stmt_begin(g, a->loc.line);
    switch (a->kind) {
    case ACT_ROUTE:
    case ACT_ASSIGN:
        emit(g, a->kind == ACT_ROUTE ? OP_ROUTE : OP_ASSIGN, 0, 0, cg_str(cg, a->target.name));
        break;
    case ACT_ESCALATE: {
        int l = cg_level(cg, a->target.name);
        if (l < 0) cg_error(cg, a->target.loc, "unknown level `%s`", a->target.name);
        emit(g, OP_ESCALATE, 0, l < 0 ? 0 : (uint32_t)l, 0);
        break;
    }
    case ACT_NOTIFY: {
        uint32_t who = cg_str(cg, a->target.name);
        uint32_t msg = cg_str(cg, a->message ? a->message : "");
        if (who > 0xFFFFu) cg_error(cg, a->target.loc, "too many strings for the image format");
        emit(g, OP_NOTIFY, 0, who, msg);
        break;
    }
    case ACT_SET: {
        int f = cg_field(cg, a->target.name);
        if (f < 0) {
            cg_error(cg, a->target.loc, "unknown field `%s`", a->target.name);
            break;
        }
        uint32_t r = reg_new(g, a->loc);
        val_into(g, a->value, field_type(cg, f), r);
        emit(g, OP_SET, r, (uint32_t)f, 0);
        break;
    }
    case ACT_REQUIRE: {
        int slot = cg_clock(cg, a->target.name);
        emit(g, OP_REQUIRE, 0, (uint32_t)slot, adhoc_target(g, a, slot));
        break;
    }
    case ACT_REVIEW:
        emit(g, OP_REVIEW, 0, (uint32_t)cg->review_slot, adhoc_target(g, a, cg->review_slot));
        break;
    case ACT_EMIT: {
        uint32_t e = emit_entry(g, a), n = cg->emits.v[e].nargs, base = g->next_reg;
        for (uint32_t i = 0; i < n || i == 0; i++) reg_new(g, a->loc); /* A must name a register */
        uint32_t i = 0;
        for (const ast_expr *x = a->value; x && i < n; x = x->next, i++) {
            const prog_emit_arg *t = &cg->emit_args.v[cg->emits.v[e].first_arg + i];
            val_into(g, x, (cty){t->type, t->field}, base + i);
        }
        emit(g, OP_EMIT, base, e, 0);
        break;
    }
    }
}

static void gen_actions(gctx *g, const ast_action *a)
{
    for (; a; a = a->next) gen_action(g, a);
}

/* ---- blocks -------------------------------------------------------------- */

/* The selection block: tiers in file order, the default (or "no tier") last,
 * failing conjuncts jumping as the plan (select.c) says. */
static void gen_select(gctx *g)
{
    cg_program *cg = g->cg;
    const ast_policy *a = cg->ast;
    cg->select = (int32_t)pc_here(g);
    stmt_begin(g, a->slas ? a->slas->loc.line : a->header_loc.line);
    sel_plan plan;
    sel_plan_build(cg, &plan);
    for (int i = 0; i < plan.n; i++)
        for (int c = 0; c < plan.t[i].nconj; c++)
            if (plan.t[i].reached && plan.t[i].target[c] >= 0) collect(g, plan.t[i].conj[c], (cty){0, 0});
    hoist(g);
    jlist *pending = malloc(((size_t)plan.n + 1) * sizeof *pending);
    if (!pending) abort();
    for (int i = 0; i <= plan.n; i++) pending[i] = JL_EMPTY;
    for (int i = 0; i < plan.n; i++) {
        const sel_tier *t = &plan.t[i];
        jl_here(g, pending[i]);
        if (!t->reached) continue;
        g->line = (uint32_t)t->sla->loc.line;
        for (int c = 0; c < t->nconj; c++) {
            if (t->target[c] < 0) continue;
            jlist f = JL_EMPTY;
            cond_false(g, t->conj[c], &f);
            jl_merge(g, &pending[t->target[c]], f);
        }
        emit(g, OP_TIER, 0, 0, t->tier);
    }
    jl_here(g, pending[plan.n]);
    free(pending);
    sel_plan_free(&plan);
    uint32_t def = cg->tiers.n;
    for (uint32_t i = 0; i < cg->tiers.n; i++)
        if (cg->tiers.v[i].is_default) def = i;
    g->line = def < cg->tiers.n ? cg->tiers.v[def].line : (uint32_t)a->header_loc.line;
    emit(g, OP_TIER, 0, 0, def);
}

static void gen_rules(gctx *g, uint32_t ev)
{
    cg_program *cg = g->cg;
    uint32_t ri = 0, last = 0;
    int any = 0;
    for (const ast_rule *r = cg->ast->rules; r; r = r->next, ri++) {
        if (cg->rules.v[ri].event != ev) continue;
        if (!any) cg->events.v[ev].rules = (int32_t)pc_here(g);
        any = 1;
        stmt_begin(g, r->loc.line);
        emit(g, OP_RULE, 0, 0, ri);
        jlist skip = JL_EMPTY;
        if (r->when) {
            collect(g, r->when, (cty){0, 0});
            hoist(g);
            cond_false(g, r->when, &skip);
        }
        gen_actions(g, r->actions);
        last = (uint32_t)r->loc.line;
        jl_here(g, skip);
    }
    if (any) {
        g->line = last;
        emit(g, OP_HALT, 0, 0, 0);
    }
}

static void gen_pause(gctx *g, uint32_t ci, const ast_clock *c)
{
    cg_program *cg = g->cg;
    cg->clocks.v[ci].pause_while = (int32_t)pc_here(g);
    stmt_begin(g, c->pauses_while->loc.line);
    collect(g, c->pauses_while, (cty){0, 0});
    hoist(g);
    uint32_t r = operand(g, c->pauses_while, (cty){PT_BOOL, 0});
    emit(g, OP_RET, r, 0, 0);
}

void gen_code(cg_program *cg)
{
    gctx g = {.cg = cg};
    gen_select(&g);
    for (uint32_t e = 0; e < cg->events.n; e++) gen_rules(&g, e);
    uint32_t ci = 0;
    for (const ast_clock *c = cg->ast->clocks; c; c = c->next, ci++)
        if (c->pauses_while) gen_pause(&g, ci, c);
    for (uint32_t i = 0; i < cg->steps.n; i++) {
        const ast_step *s = cg->step_src.v[i];
        if (!s || !s->actions) continue;
        for (uint32_t k = 0; k < i; k++)
            if (cg->step_src.v[k] == s) cg->steps.v[i].code = cg->steps.v[k].code;
        if (cg->steps.v[i].code != PROG_NO_CODE) continue;
        cg->steps.v[i].code = (int32_t)pc_here(&g);
        gen_actions(&g, s->actions);
        emit(&g, OP_HALT, 0, 0, 0);
    }
    if (cg->code.n > INT32_MAX / 2) cg_error(cg, cg->ast->header_loc, "too much code for the image format");
}
