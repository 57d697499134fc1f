/*
 * testutil.h - small helpers the unit tests share: an in-memory stream to catch
 * what the code under test prints, and a fake program whose only content is the
 * name of its source file (for the decision writers).  All static inline;
 * include it after <cmocka.h>.
 */
#ifndef SLATE_TESTUTIL_H
#define SLATE_TESTUTIL_H

#include <stdio.h>
#include <string.h>

#include "program.h"

/* Output caught in memory: tu_open() starts it and returns the stream to write
 * to; tu_close() closes the stream and returns the text written, NUL-terminated,
 * which the caller frees.  `len` is its length after tu_close(). */
typedef struct tu_capture {
    char *text;
    size_t len;
    FILE *f;
} tu_capture;

static inline FILE *tu_open(tu_capture *c)
{
    c->text = NULL;
    c->len = 0;
    c->f = open_memstream(&c->text, &c->len);
    assert_non_null(c->f);
    return c->f;
}

static inline char *tu_close(tu_capture *c)
{
    fclose(c->f);
    c->f = NULL;
    return c->text;
}

/* Makes *p a program with nothing in it but a string pool naming its source
 * file: string 1, "svc.slate". */
static inline void tu_fake_program(slate_program *p)
{
    static const char strtab[] = "\0svc.slate\0";
    static const prog_string strings[] = {{0, 0}, {1, 9}};
    memset(p, 0, sizeof *p);
    p->strtab = strtab;
    p->strings = strings;
    p->nstrings = 2;
    p->source = 1;
}

#endif
