/*
 * harness.h - the checks behind every fuzz target, callable without libFuzzer.
 *
 * Each function takes one input as libFuzzer gives it, runs it through one door
 * of slate, and abort()s (after a line on stderr) when an invariant breaks; the
 * sanitizers catch the rest.  The libFuzzer targets (tests/fuzz/fuzz_*.c) are one
 * call each, and tests/unit/test_fuzz_regress.c replays every file of
 * tests/fuzz/regress/<target>/ through the same function on every `make test`.
 *
 *   frontend  policy text -> slatec_compile (parse, check, lower/emit, load) -> engine
 *   load      image bytes -> load + verify -> every block in the VM -> engine
 *   events    JSON Lines -> event reader -> runner/engine, on a fixed policy
 *   fmt       policy text -> fmt: the result parses to the same tree, is stable
 *   logread   changes to a small decision log -> replay, report, explain, diff:
 *             a changed log is refused, an unchanged one passes (logread.c)
 *   snapshot  engine snapshot bytes -> slate_engine_restore -> engine, on the
 *             events target's policy or one with `reopen` and calendars per
 *             region, with or without a tolerance (the first byte picks)
 *
 * Inputs are treated as untrusted bytes: nothing here assumes NUL termination.
 */
#ifndef SLATE_FUZZ_HARNESS_H
#define SLATE_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

int fz_frontend(const uint8_t *data, size_t size);
int fz_load(const uint8_t *data, size_t size);
int fz_events(const uint8_t *data, size_t size);
int fz_fmt(const uint8_t *data, size_t size);
int fz_logread(const uint8_t *data, size_t size);
int fz_snapshot(const uint8_t *data, size_t size);

/* Release what the harness keeps between inputs (the events target's policy),
 * so a leak checker sees a clean exit. */
void fz_teardown(void);

#endif
