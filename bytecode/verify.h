/*
 * verify.h - prove a program safe to run before anything runs it.
 *
 * Private to libslate (and used by the compiler to check its own output).  The
 * loader (bytecode/load.c) decodes an untrusted image into a slate_program and
 * calls vrf_program() on it; only a program that passes is handed to the engine,
 * which then indexes its tables without checks.  The checks follow libpcap's
 * bpf_validate(): every index in range, jumps forward and inside their block,
 * every block ending in its terminator, and register types consistent along
 * every path.  See docs/bytecode.md for the full list and the step bound.
 */
#ifndef SLATE_VERIFY_H
#define SLATE_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "program.h"
#include "slate.h"

/* Most registers a block may use (operand a is 8 bits wide). */
#define VRF_MAX_REGS 256u
/* Largest target or step offset accepted, in ms (about 31,700 years): keeps the
 * step arithmetic below free of overflow. */
#define VRF_MAX_MS INT64_C(1000000000000000)

/* The names of the built-in events, ids 0..PROG_NBUILTIN_EVENTS-1 (builtins.def;
 * the verifier's own expansion, so the runtime does not need the compiler). */
extern const char *const vrf_builtin_events[PROG_NBUILTIN_EVENTS];

/* Check every table and code block of `p` (all arrays filled; max_steps and hash
 * are not looked at).  Returns 0 and stores in *max_steps the most VM
 * instructions one unit of engine work can execute (one event, or one timer
 * firing a clock's ladder steps; docs/bytecode.md, "Step bound"), or returns -1
 * with a message such as
 * "code[17]: jump backwards" in err.  Allocates scratch memory with malloc and
 * frees it; -1 with "out of memory" when that fails. */
int vrf_program(const slate_program *p, uint32_t *max_steps, char *err, size_t errsize);
/* The same, taking its scratch memory from `al` (NULL: malloc). */
int vrf_program_al(const slate_program *p, const slate_allocator *al, uint32_t *max_steps,
                   char *err, size_t errsize);

/* The point, in the clock's working ms, at which step `s` of a target of
 * `target_ms` fires: percent p -> target*p/100, `d before` -> target-d (at least
 * 0), breach+o -> target+o.  Assumes values within VRF_MAX_MS (verified). */
int64_t vrf_step_point(int64_t target_ms, const prog_step *s);

#endif
