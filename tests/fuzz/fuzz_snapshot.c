/*
 * fuzz_snapshot.c - libFuzzer entry for the `snapshot` target; the body and what
 * it checks are in harness.c.  Built and run by `make fuzz` (docs/robustness.md).
 */
#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fz_snapshot(data, size);
}
