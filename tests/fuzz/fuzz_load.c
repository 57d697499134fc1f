/*
 * fuzz_load.c - libFuzzer target for the image loader and verifier.
 *
 * Every input is an image; a refusal must come with a message, and a program
 * that loads is run block by block through the VM (the sanitizers watch).  The
 * hash would refuse almost every input, so when the input's first byte is odd
 * the target rewrites the length field and the trailer hash first, letting the
 * decoder and verifier proper see the bytes.  Not built by `make`:
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_DEFAULT_SOURCE \
 *       -Iruntime tests/fuzz/fuzz_load.c runtime/load.c runtime/verify.c \
 *       runtime/vm.c runtime/calendar.c runtime/program.c -lnettle -o build/fuzz_load
 *   mkdir -p build/corpus && build/slate build tests/bytecode/ladder.slate \
 *       -o build/corpus/ladder.slc && build/fuzz_load build/corpus
 *
 * tests/unit/test_mutate.c runs the same checks over 100,000 fixed mutants on
 * every `make test`.
 */
#include <nettle/sha2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "load.h"
#include "vm.h"

static int act(void *ud, const vm_instr *ins, const int64_t *regs, uint32_t rule)
{
    (void)ud, (void)ins, (void)regs, (void)rule;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *img = malloc(size ? size : 1);
    if (!img) return 0;
    memcpy(img, data, size);
    if (size >= IMG_HEADER_LEN + IMG_HASH_LEN && (img[size - 1] & 1)) {
        img_put32(img + 16, (uint32_t)size);
        struct sha256_ctx h;
        sha256_init(&h);
        sha256_update(&h, size - IMG_HASH_LEN, img);
        sha256_digest(&h, IMG_HASH_LEN, img + size - IMG_HASH_LEN);
    }
    slate_program *p;
    char err[256] = "";
    if (load_image(img, size, &p, err, sizeof err)) {
        if (!err[0]) abort();
    } else {
        int64_t *f = calloc(p->nfields + 1, sizeof *f), *ids = calloc(p->nstrings + 1, sizeof *ids);
        int64_t *r = calloc(p->nregs + 1, sizeof *r), level = 0;
        vm_host h = {f, &level, ids, act, NULL};
        vm_run(p, p->select, &h, r);
        for (uint32_t e = 0; e < p->nevents; e++)
            if (p->events[e].rules != PROG_NO_CODE) vm_run(p, p->events[e].rules, &h, r);
        for (uint32_t c = 0; c < p->nclocks; c++)
            if (p->clocks[c].pause_while != PROG_NO_CODE) vm_run(p, p->clocks[c].pause_while, &h, r);
        for (uint32_t s = 0; s < p->nsteps; s++)
            if (p->steps[s].code != PROG_NO_CODE) vm_run(p, p->steps[s].code, &h, r);
        free(f);
        free(ids);
        free(r);
        free(p->owner);
    }
    free(img);
    return 0;
}
