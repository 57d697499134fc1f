/*
 * test_mutate.c - the loader against hostile images.
 *
 * Takes the valid image of a realistic policy and mutates it many times with a
 * fixed-seed PRNG: bit flips, byte changes, truncation, splicing with a second
 * image, directory and record-count fields altered, bytes inserted or deleted.
 * Each mutant is loaded twice: as it is (the hash refuses nearly all of them),
 * and with its length field and hash recomputed, so the decoder and verifier
 * proper see it.  A mutant must be refused with a non-empty message, or load and
 * then run every code block through vm_run without harm (the sanitizer build
 * checks memory) and with results in range.
 *
 * SLATE_MUTATIONS=N sets the count (default 500000; 50000 under AddressSanitizer).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <nettle/sha2.h>

#include "bctest.h"
#include "image.h"
#include "load.h"
#include "slate.h"
#include "vm.h"

#if defined(__SANITIZE_ADDRESS__)
#define DEFAULT_MUTATIONS 50000
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DEFAULT_MUTATIONS 50000
#endif
#endif
#ifndef DEFAULT_MUTATIONS
#define DEFAULT_MUTATIONS 500000
#endif

static const char policy_a[] =
    "policy \"service\" version \"2025.1\"\n"
    "calendar business { zone \"Europe/Paris\" hours mon-fri 09:00-12:00, 13:00-18:00 closed 2025-12-25 }\n"
    "case { tier: enum { vip, high, medium, low } kind: enum { request, complaint, incident }\n"
    "       severity: enum { emergency, general } complex: bool waiting: bool score: int\n"
    "       agent: string budget: duration }\n"
    "levels { agent, specialist, supervisor, manager }\n"
    "events { analysed, handled }\n"
    "clock response starts on opened stops on responded\n"
    "clock resolution starts on opened stops on resolved, closed pauses on paused resumes on resumed\n"
    "      pauses while waiting or score < 0 resets on reopened\n"
    "clock follow_up starts on resolved stops on followed_up\n"
    "ladder standard {\n"
    "  at 50% of resolution notify assignee \"half\"\n"
    "  at 75% of resolution notify assignee \"near\"\n"
    "  at 10m before breach of response notify assignee \"soon\"\n"
    "  at breach of response escalate to specialist; notify supervisor \"late\"\n"
    "  at breach of resolution + 4h escalate to manager\n"
    "}\n"
    "sla vip_emergency when tier == vip and severity == emergency {\n"
    "  response within 15m on always; resolution within 4h on always; follow_up within 1d; ladder standard }\n"
    "sla complaint when kind in (complaint, incident) and not complex {\n"
    "  response within 2h on business; resolution within 2 working days on business; ladder standard }\n"
    "sla senior when level >= supervisor or budget > 3h { response within 1h; ladder standard }\n"
    "sla default { response within 24h on business; resolution within 48h on business }\n"
    "on opened when kind == complaint as intake { route complaint_desk; require analysed within 2h on business }\n"
    "on opened when complex or agent == \"nobody\" { escalate to specialist; notify customer \"4-8 hours\" }\n"
    "on opened { require triage within 30m until handled }\n"
    "on surveyed when score <= 2 { open review within 1 working day on business; escalate to supervisor }\n"
    "on updated when not complex { set severity = general; set budget = 2h; emit touched(tier, score, level, agent) }\n";

static const char policy_b[] =
    "policy \"other\" version \"1\"\n"
    "case { urgent: bool; n: int }\n"
    "clock response starts on opened stops on responded\n"
    "sla fast when urgent { response within 5m }\n"
    "sla slow { response within 5h }\n"
    "on opened when urgent and n > 3 { route desk; set n = 0 }\n";

/* Refusals by the part of the image they name ("code", "header", ...), printed
 * so a reader can see the verifier proper is reached, not only the hash. */
typedef struct tally {
    char what[24];
    long n;
} tally;

static void count(tally *t, int *nt, const char *err)
{
    size_t k = strcspn(err, "[:");
    if (k >= sizeof t->what) k = sizeof t->what - 1;
    for (int i = 0; i < *nt; i++)
        if (strlen(t[i].what) == k && !strncmp(t[i].what, err, k)) {
            t[i].n++;
            return;
        }
    if (*nt == 64) return;
    memcpy(t[*nt].what, err, k);
    t[*nt].what[k] = '\0';
    t[(*nt)++].n = 1;
}

typedef struct run_state {
    const slate_program *p;
    uint64_t actions;
} run_state;

/* Every decision instruction: its operands must be in range in a verified program. */
static int act(void *ud, const vm_instr *ins, const int64_t *regs, uint32_t rule)
{
    run_state *s = ud;
    const slate_program *p = s->p;
    (void)regs;
    assert_true(rule == UINT32_MAX || rule < p->nrules);
    switch (ins->op) {
    case OP_ROUTE: case OP_ASSIGN: assert_true((uint32_t)ins->c < p->nstrings); break;
    case OP_ESCALATE: assert_true(ins->b < p->nlevels); break;
    case OP_NOTIFY: assert_true(ins->b < p->nstrings && (uint32_t)ins->c < p->nstrings); break;
    case OP_SET: assert_true(ins->b < p->nfields && ins->a < p->nregs); break;
    case OP_REQUIRE: case OP_REVIEW:
        assert_true(ins->b < p->nclocks && (uint32_t)ins->c < p->ntargets);
        break;
    case OP_EMIT: assert_true(ins->b < p->nemits && ins->a + p->emits[ins->b].nargs <= p->nregs); break;
    default: fail_msg("act() called for opcode %d", ins->op);
    }
    s->actions++;
    return 0;
}

/* Run every block of a loaded program on some field values. */
static void exercise(const slate_program *p, uint64_t *seed)
{
    int64_t *fields = calloc(p->nfields + 1, sizeof *fields);
    int64_t *ids = calloc(p->nstrings + 1, sizeof *ids);
    int64_t *regs = calloc(p->nregs + 1, sizeof *regs);
    assert_true(fields && ids && regs);
    for (uint32_t i = 0; i < p->nstrings; i++) ids[i] = i;
    for (uint32_t i = 0; i < p->nfields; i++) {
        uint64_t r = bc_rand(seed);
        const prog_field *f = &p->fields[i];
        fields[i] = f->type == PT_ENUM ? (int64_t)(r % f->nvalues) : f->type == PT_BOOL ? (int64_t)(r & 1)
                  : f->type == PT_STRING ? (int64_t)(r % p->nstrings) : (int64_t)(r % 1000) - 500;
    }
    int64_t level = p->nlevels ? (int64_t)(bc_rand(seed) % p->nlevels) : 0;
    run_state st = {p, 0};
    vm_host h = {fields, &level, ids, act, &st};
    int64_t r = vm_run(p, p->select, &h, regs);
    assert_true(r >= 0 && r <= (int64_t)p->ntiers);
    for (uint32_t e = 0; e < p->nevents; e++)
        if (p->events[e].rules != PROG_NO_CODE) assert_int_equal(vm_run(p, p->events[e].rules, &h, regs), VM_HALTED);
    for (uint32_t c = 0; c < p->nclocks; c++)
        if (p->clocks[c].pause_while != PROG_NO_CODE) {
            r = vm_run(p, p->clocks[c].pause_while, &h, regs);
            assert_true(r == 0 || r == 1);
        }
    for (uint32_t s = 0; s < p->nsteps; s++)
        if (p->steps[s].code != PROG_NO_CODE) assert_int_equal(vm_run(p, p->steps[s].code, &h, regs), VM_HALTED);
    free(fields);
    free(ids);
    free(regs);
}

static void fix_hash(uint8_t *img, size_t len)
{
    if (len < IMG_HEADER_LEN + IMG_HASH_LEN) return;
    img_put32(img + 16, (uint32_t)len);
    struct sha256_ctx h;
    sha256_init(&h);
    sha256_update(&h, len - IMG_HASH_LEN, img);
    sha256_digest(&h, IMG_HASH_LEN, img + len - IMG_HASH_LEN);
}

/* Mutate a copy of `a` (with `b` for splicing) into buf; returns the new length. */
static size_t mutate(uint8_t *buf, size_t cap, const uint8_t *a, size_t la, const uint8_t *b, size_t lb,
                     uint64_t *seed)
{
    uint64_t r = bc_rand(seed);
    size_t len = la;
    memcpy(buf, a, la);
    switch (r % 7) {
    case 0: /* bit flips */
        for (uint64_t k = 1 + (r >> 8) % 4; k-- > 0;) {
            uint64_t x = bc_rand(seed);
            buf[x % len] ^= (uint8_t)(1u << (x >> 32) % 8);
        }
        break;
    case 1: /* random bytes; often in the header and directory, where damage counts most */
        for (uint64_t k = 1 + (r >> 8) % 4; k-- > 0;) {
            uint64_t x = bc_rand(seed);
            size_t at = (x & 1) ? (x >> 1) % (IMG_HEADER_LEN + IMG_NSECTIONS * IMG_DIRENT_LEN) : (x >> 1) % len;
            buf[at] = (uint8_t)(x >> 40);
        }
        break;
    case 2: /* truncation */
        len = (size_t)(bc_rand(seed) % la);
        break;
    case 3: { /* splice: a prefix of a, a suffix of b */
        size_t x = (size_t)(bc_rand(seed) % la), y = (size_t)(bc_rand(seed) % lb);
        len = x + (lb - y) <= cap ? x + (lb - y) : x;
        memcpy(buf + x, b + y, len - x);
        break;
    }
    case 4: { /* a directory offset or length nudged */
        uint8_t *d = buf + IMG_HEADER_LEN + (bc_rand(seed) % IMG_NSECTIONS) * IMG_DIRENT_LEN + 4 + 4 * (r >> 9 & 1);
        int64_t delta = (int64_t)(bc_rand(seed) % 33) - 16;
        img_put32(d, (uint32_t)((int64_t)img_get32(d) + (delta ? delta : 1)));
        break;
    }
    case 5: { /* a section's record count nudged */
        uint8_t *d = buf + IMG_HEADER_LEN + (bc_rand(seed) % IMG_NSECTIONS) * IMG_DIRENT_LEN;
        uint32_t off = img_get32(d + 4);
        if (off + 4 <= len) img_put32(buf + off, img_get32(buf + off) + (uint32_t)(r >> 10) % 5 - 2);
        break;
    }
    default: { /* bytes inserted or deleted */
        size_t at = (size_t)(bc_rand(seed) % la), n = 1 + (size_t)(r >> 8) % 8;
        if (r >> 20 & 1) {
            memcpy(buf + at + n, a + at, la - at);
            for (size_t i = 0; i < n; i++) buf[at + i] = (uint8_t)bc_rand(seed);
            len = la + n;
        } else if (at + n < la) {
            memcpy(buf + at, a + at + n, la - at - n);
            len = la - n;
        }
    }
    }
    return len;
}

static void test_mutations(void **state)
{
    (void)state;
    uint8_t *a, *b;
    size_t la, lb;
    assert_int_equal(bc_compile("service.slate", policy_a, &a, &la), 0);
    assert_int_equal(bc_compile("other.slate", policy_b, &b, &lb), 0);
    long n = DEFAULT_MUTATIONS;
    const char *env = getenv("SLATE_MUTATIONS");
    if (env && *env) n = atol(env);
    size_t cap = la + lb + 64;
    uint8_t *buf = malloc(cap), *copy = malloc(cap);
    assert_true(buf && copy);
    uint64_t seed = UINT64_C(0x5EED5EED12345678);
    long loaded = 0, refused = 0;
    char err[256];
    tally t[64];
    int nt = 0;
    for (long i = 0; i < n; i++) {
        size_t len = mutate(buf, cap, a, la, b, lb, &seed);
        for (int fixed = 0; fixed < 2; fixed++) {
            memcpy(copy, buf, len); /* an exact-size heap copy: the sanitizer sees every overread */
            uint8_t *img = malloc(len ? len : 1);
            memcpy(img, copy, len);
            if (fixed) fix_hash(img, len);
            slate_program *p = NULL;
            err[0] = '\0';
            if (load_image(img, len, &p, err, sizeof err)) {
                assert_null(p);
                if (!err[0]) fail_msg("mutant %ld refused without a message", i);
                refused++;
                if (fixed) count(t, &nt, err);
            } else {
                exercise(p, &seed);
                slate_program_free(p);
                loaded++;
            }
            free(img);
        }
    }
    print_message("%ld mutants: %ld loads refused, %ld loaded and ran\n", n, refused, loaded);
    for (int i = 0; i < nt; i++) print_message("  %-12s %ld\n", t[i].what, t[i].n);
    assert_true(loaded > 0); /* some mutants (e.g. in line numbers or strings) stay valid */
    free(buf);
    free(copy);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
