/*
 * vm.h - the register VM that evaluates a program's code blocks.
 *
 * Private to libslate.  A block is a straight run of forward jumps ending in HALT,
 * TIER or RET (the verifier guarantees it), so evaluation always terminates within
 * prog->max_steps instructions.  The VM keeps no state of its own: the engine
 * passes the case's fields and level and receives each action as a callback; the
 * VM never allocates.  It does not know about clocks, timers or time.
 */
#ifndef SLATE_VM_H
#define SLATE_VM_H

#include <stdint.h>

#include "program.h"

typedef struct vm_host {
    const int64_t *fields;   /* the case's field values; strings as interned ids */
    const int64_t *level;    /* the case's level (the host updates it on ESCALATE) */
    const int64_t *str_ids;  /* program string index -> interned id, for LOADS */
    /* Called for every decision instruction (ROUTE .. EMIT) with the registers
     * and the current rule index (from RULE, or UINT32_MAX before any).  Returning
     * non-zero stops the block. */
    int (*act)(void *ud, const vm_instr *ins, const int64_t *regs, uint32_t rule);
    void *ud;
} vm_host;

#define VM_HALTED (-1)  /* the block ended in HALT: no result */
#define VM_STOPPED (-2) /* the host's act() asked to stop */

/* Run the block at `pc` with scratch registers `regs` (prog->nregs of them).
 * Returns the tier index (TIER), the condition value 0/1 (RET), VM_HALTED or
 * VM_STOPPED. */
int64_t vm_run(const slate_program *prog, int32_t pc, const vm_host *host, int64_t *regs);

#endif
