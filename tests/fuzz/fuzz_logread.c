/*
 * fuzz_logread.c - libFuzzer entry for the `logread` target; the body and what
 * it checks are in logread.c.  Built and run by `make fuzz` (docs/robustness.md).
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_logread(data, size);
}
