/*
 * decide.c - decisions and the code that makes them: a decision's common
 * members, numbering and handing it to the sink, rendering values as JSON, and
 * running a code block of the program with the VM calling back for each action.
 *
 * Part of the engine (see engine_int.h).  Not here: what an event or a timer
 * does to a case (push.c, clock.c), the decision's JSON line (decision_json.c),
 * the VM itself (vm.c).
 */
#include <string.h>

#include "engine_int.h"
#include "vm.h"

/* ---- decisions ------------------------------------------------------------------ */

/* The members eng_decision_init sets add up to the struct less its three 4-byte
 * holes (after `action` and `rule_line`, and at the end): a member added
 * anywhere, holes included, breaks this until eng_decision_init sets it too. */
#define DM(m) sizeof(((slate_decision *)0)->m)
_Static_assert(DM(seq) + DM(at) + DM(case_id) + DM(case_len) + DM(action) + DM(event_seq) +
                       DM(event_id) + DM(event_id_len) + DM(program) + DM(rule_line) +
                       DM(rule_label) + DM(clock) + DM(tier) + DM(to) + DM(message) + DM(field) +
                       DM(value) + DM(target_ms) + DM(deadline) + DM(elapsed_ms) + DM(met) +
                       DM(percent) + DM(before_ms) + DM(after_ms) + DM(targets) +
                       DM(breached_ms) + DM(since) + DM(retroactive) + 12 ==
                   sizeof(slate_decision),
               "slate_decision changed: set the new member in eng_decision_init");
#undef DM

void eng_decision_init(slate_engine *e, slate_decision *d, slate_action a, uint32_t line)
{
    /* Every member stored once, no zeroing first: a memset or a compound literal
     * of the 216-byte struct compiles to `rep stos` (slow to start for so few
     * bytes) and is then overwritten in part.  The assertion above makes a new
     * member of slate_decision a compile error until it is set here too. */
    d->seq = 0;
    d->at = e->now;
    d->case_id = NULL;
    d->case_len = 0;
    d->action = a;
    d->event_seq = e->ctx.event_seq;
    d->event_id = e->ctx.event_id;
    d->event_id_len = e->ctx.event_id_len;
    d->program = e->prog;
    d->rule_line = line;
    d->rule_label = NULL;
    d->clock = NULL;
    d->tier = NULL;
    d->to = NULL;
    d->message = NULL;
    d->field = NULL;
    d->value = NULL;
    d->target_ms = 0;
    d->deadline = INT64_MIN;
    d->elapsed_ms = 0;
    d->met = 0;
    d->percent = 0;
    d->before_ms = 0;
    d->after_ms = 0;
    d->targets = NULL;
    d->breached_ms = 0;
    d->since = 0;
    d->retroactive = 0;
    if (e->ctx.slot != ENG_NONE) {
        const eng_case *c = cs_case(&e->cs, e->ctx.slot);
        d->case_id = case_id(c);
        d->case_len = c->id_len;
    }
}

/* Number the decision and hand it to the sink.  Once the sink has refused one,
 * the rest of the call's decisions are dropped (and not numbered) while the
 * engine finishes applying the event, so its state stays whole. */
void eng_emit(slate_engine *e, slate_decision *d)
{
    if (e->ctx.rc != SLATE_OK) return;
    d->seq = ++e->ndecisions;
    if (e->ctx.sink && e->ctx.sink(e->ctx.ud, d)) e->ctx.rc = SLATE_SINK;
}

const char *eng_str(const slate_engine *e, int64_t id)
{
    const char *s = id >= 0 && (uint64_t)id < e->st.n ? e->st.v[id].s : NULL;
    return s ? s : ""; /* NULL: a free id, which nothing in use holds */
}

/* The JSON for one value of a field's type: ints, bools, strings, durations in
 * seconds, enum values and levels by name. */
static void render_value(slate_engine *e, sbuf *b, uint8_t type, uint32_t field, int64_t v)
{
    const slate_program *p = e->prog;
    switch (type) {
    case PT_BOOL: sb_str(b, v ? "true" : "false"); break;
    case PT_STRING: {
        const char *s = eng_str(e, v);
        sb_json_str(b, s, strlen(s));
        break;
    }
    case PT_DURATION: sb_int(b, v / 1000); break;
    case PT_ENUM:
        if (field < p->nfields && v >= 0 && (uint64_t)v < p->fields[field].nvalues) {
            uint32_t s = p->enum_values[p->fields[field].first_value + v];
            sb_json_str(b, prog_str(p, s), p->strings[s].len);
        } else
            sb_int(b, v);
        break;
    case PT_LEVEL:
        if (v >= 0 && (uint64_t)v < p->nlevels)
            sb_json_str(b, prog_str(p, p->levels[v]), p->strings[p->levels[v]].len);
        else
            sb_int(b, v);
        break;
    default: sb_int(b, v);
    }
}

int eng_scratch_fit(slate_engine *e, const eng_aux *x)
{
    size_t need = x->jbase + (size_t)x->maxargs * ((size_t)e->st.maxlen * 6 + 8);
    if (need <= e->jcap) return SLATE_OK;
    char *b = eng_realloc(&e->al, e->jbuf, need);
    if (!b) return SLATE_NOMEM;
    e->jbuf = b;
    e->jcap = need;
    return SLATE_OK;
}

/* ---- running code ----------------------------------------------------------------- */

static int act(void *ud, const vm_instr *ins, const int64_t *R, uint32_t rule);

int64_t eng_run(slate_engine *e, int32_t pc)
{
    if (pc == PROG_NO_CODE || e->depth >= ENG_DEPTH) return VM_HALTED;
    eng_case *c = cs_case(&e->cs, e->ctx.slot);
    vm_host h = {case_fields(e, c), &c->level, e->aux.str_ids, act, e};
    uint32_t slot = e->ctx.slot;
    int64_t *regs = e->aux.regs + (size_t)e->depth * e->aux.nregs;
    e->depth++;
    int64_t r = vm_run(e->prog, pc, &h, regs);
    e->depth--;
    e->ctx.slot = slot;
    return r;
}

/* The VM's callback for every decision instruction.  Only the outermost block
 * (rules, ladder step actions) decides: selection and pause conditions that
 * tried to act are ignored. */
static int act(void *ud, const vm_instr *ins, const int64_t *R, uint32_t rule)
{
    slate_engine *e = ud;
    const slate_program *p = e->prog;
    if (e->depth > 1) return 0;
    uint32_t slot = e->ctx.slot;
    eng_case *c = cs_case(&e->cs, slot);
    int ruled = rule != UINT32_MAX && rule < p->nrules;
    uint32_t line = ruled ? p->rules[rule].line : e->ctx.line;
    const char *label = ruled && p->rules[rule].label ? prog_str(p, p->rules[rule].label) : NULL;
    slate_decision d;
    sbuf b = {e->jbuf, e->jcap, 0};

    switch (ins->op) {
    case OP_ROUTE:
    case OP_ASSIGN:
        eng_decision_init(e, &d, ins->op == OP_ROUTE ? SLATE_A_ROUTE : SLATE_A_ASSIGN, line);
        d.to = prog_str(p, (uint32_t)ins->c);
        break;
    case OP_NOTIFY:
        eng_decision_init(e, &d, SLATE_A_NOTIFY, line);
        d.to = prog_str(p, ins->b);
        d.message = prog_str(p, (uint32_t)ins->c);
        break;
    case OP_ESCALATE:
        if (ins->b <= c->level) return 0; /* never lowers, no decision */
        c->level = ins->b;
        eng_decision_init(e, &d, SLATE_A_ESCALATE, line);
        d.to = prog_str(p, p->levels[ins->b]);
        d.rule_label = label;
        eng_emit(e, &d);
        if (e->aux.sel_level) clk_select(e, slot, 0); /* a tier may depend on the level */
        return 0;
    case OP_SET: {
        int64_t *f = &case_fields(e, c)[ins->b];
        int64_t old = *f;
        *f = R[ins->a];
        fld_given(e, c, ins->b);
        eng_decision_init(e, &d, SLATE_A_SET, line);
        d.field = prog_str(p, p->fields[ins->b].name);
        render_value(e, &b, p->fields[ins->b].type, ins->b, *f);
        sb_done(&b);
        d.value = e->jbuf;
        d.rule_label = label;
        eng_emit(e, &d);
        if (old != *f && e->aux.sel_field[ins->b]) clk_select(e, slot, 0);
        return 0;
    }
    case OP_REQUIRE:
    case OP_REVIEW:
        clk_require(e, slot, ins->b, (uint32_t)ins->c,
                    ins->op == OP_REQUIRE ? SLATE_A_REQUIRE : SLATE_A_REVIEW, line, label);
        return 0;
    case OP_EMIT: {
        const prog_emit *em = &p->emits[ins->b];
        eng_decision_init(e, &d, SLATE_A_EMIT, line);
        d.field = prog_str(p, em->name);
        sb_puts(&b, "[", 1);
        for (uint32_t i = 0; i < em->nargs; i++) {
            const prog_emit_arg *a = &p->emit_args[em->first_arg + i];
            if (i) sb_puts(&b, ",", 1);
            render_value(e, &b, a->type, a->field, R[ins->a + i]);
        }
        sb_puts(&b, "]", 1);
        sb_done(&b);
        d.value = e->jbuf;
        break;
    }
    default: return 0;
    }
    d.rule_label = label;
    eng_emit(e, &d);
    return 0;
}
