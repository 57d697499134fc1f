/*
 * disasm.h - print a loaded program for people, in the manner of SQLite's
 * EXPLAIN and `tcpdump -d`: a header naming the policy and its hash, each table,
 * then every code block with pc, source line, opcode and decoded operands
 * (field, level, tier and string names instead of numbers).
 *
 * Reads only a verified program (load.h), so every index it prints is valid.
 */
#ifndef SLATE_DISASM_H
#define SLATE_DISASM_H

#include <stddef.h>
#include <stdio.h>

#include "program.h"

/* Print `p` (loaded from an image of `image_len` bytes) to `out`. */
void dis_program(const slate_program *p, size_t image_len, FILE *out);

/* Render a duration in ms as the language writes it ("1h30m", "15m", "250ms"). */
void dis_duration(char *buf, size_t size, int64_t ms);

#endif
