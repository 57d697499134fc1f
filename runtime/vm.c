/*
 * vm.c - the dispatch loop behind vm.h.
 *
 * Registers hold 64-bit integers: ints, bools (0/1), durations (ms), enum value
 * and level indices, and interned string ids, so every comparison is one machine
 * compare.  The loop trusts the program: the verifier has proved every operand in
 * range and every jump forward, so there are no checks here.  Dispatch uses
 * computed goto where GCC/Clang allow it, a switch otherwise (Lua's vmdispatch
 * idea).  It does not decide anything itself: actions go to the host.
 */
#include "vm.h"

#if defined(__GNUC__) && !defined(SLATE_VM_SWITCH)
#define VM_COMPUTED_GOTO 1
#endif

int64_t vm_run(const slate_program *prog, int32_t pc, const vm_host *host, int64_t *R)
{
    const vm_instr *code = prog->code;
    const vm_instr *ip = code + pc;
    uint32_t rule = UINT32_MAX;

#ifdef VM_COMPUTED_GOTO
    static const void *const labels[OP__COUNT] = {
#define OP(name, operands, meaning) [OP_##name] = &&L_##name,
#include "opcodes.def"
#undef OP
    };
#define vmdispatch() goto *labels[ip->op]
#define vmcase(name) L_##name:
#define vmnext() do { ip++; vmdispatch(); } while (0)
    vmdispatch();
#else
#define vmcase(name) case OP_##name:
#define vmnext() do { ip++; goto dispatch; } while (0)
dispatch:
    switch (ip->op) {
#endif

    vmcase(HALT) return VM_HALTED;
    vmcase(LOADK) R[ip->a] = prog->consts[ip->c]; vmnext();
    vmcase(LOADI) R[ip->a] = ip->c; vmnext();
    vmcase(LOADS) R[ip->a] = host->str_ids[ip->c]; vmnext();
    vmcase(FIELD) R[ip->a] = host->fields[ip->b]; vmnext();
    vmcase(LEVEL) R[ip->a] = *host->level; vmnext();
    vmcase(EQ) R[ip->a] = R[ip->b] == R[ip->c]; vmnext();
    vmcase(NE) R[ip->a] = R[ip->b] != R[ip->c]; vmnext();
    vmcase(LT) R[ip->a] = R[ip->b] < R[ip->c]; vmnext();
    vmcase(LE) R[ip->a] = R[ip->b] <= R[ip->c]; vmnext();
    vmcase(GT) R[ip->a] = R[ip->b] > R[ip->c]; vmnext();
    vmcase(GE) R[ip->a] = R[ip->b] >= R[ip->c]; vmnext();
    vmcase(NOT) R[ip->a] = !R[ip->b]; vmnext();
    vmcase(JMP) ip = code + ip->c; goto again;
    vmcase(JMPF) if (!R[ip->a]) { ip = code + ip->c; goto again; } vmnext();
    vmcase(JMPT) if (R[ip->a]) { ip = code + ip->c; goto again; } vmnext();
    /* Fused compare-and-jumps: the same machine compare as EQ.. then JMPT. */
    vmcase(JEQ) if (R[ip->a] == R[ip->b]) { ip = code + ip->c; goto again; } vmnext();
    vmcase(JNE) if (R[ip->a] != R[ip->b]) { ip = code + ip->c; goto again; } vmnext();
    vmcase(JLT) if (R[ip->a] < R[ip->b]) { ip = code + ip->c; goto again; } vmnext();
    vmcase(JLE) if (R[ip->a] <= R[ip->b]) { ip = code + ip->c; goto again; } vmnext();
    vmcase(JGT) if (R[ip->a] > R[ip->b]) { ip = code + ip->c; goto again; } vmnext();
    vmcase(JGE) if (R[ip->a] >= R[ip->b]) { ip = code + ip->c; goto again; } vmnext();
    vmcase(FJEQ) if (host->fields[ip->b] == (int64_t)ip->a) { ip = code + ip->c; goto again; } vmnext();
    vmcase(FJNE) if (host->fields[ip->b] != (int64_t)ip->a) { ip = code + ip->c; goto again; } vmnext();
    vmcase(FJLT) if (host->fields[ip->b] < (int64_t)ip->a) { ip = code + ip->c; goto again; } vmnext();
    vmcase(FJLE) if (host->fields[ip->b] <= (int64_t)ip->a) { ip = code + ip->c; goto again; } vmnext();
    vmcase(FJGT) if (host->fields[ip->b] > (int64_t)ip->a) { ip = code + ip->c; goto again; } vmnext();
    vmcase(FJGE) if (host->fields[ip->b] >= (int64_t)ip->a) { ip = code + ip->c; goto again; } vmnext();
    vmcase(RULE) rule = (uint32_t)ip->c; vmnext();
    vmcase(ROUTE) vmcase(ASSIGN) vmcase(ESCALATE) vmcase(NOTIFY) vmcase(SET)
    vmcase(REQUIRE) vmcase(REVIEW) vmcase(EMIT)
        if (host->act(host->ud, ip, R, rule)) return VM_STOPPED;
        vmnext();
    vmcase(TIER) return ip->c;
    vmcase(RET) return R[ip->a] != 0;

#ifndef VM_COMPUTED_GOTO
    default:
        return VM_HALTED; /* unreachable in a verified program */
    }
#endif
again:
#ifdef VM_COMPUTED_GOTO
    vmdispatch();
#else
    goto dispatch;
#endif
}
