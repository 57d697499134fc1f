/*
 * progress.c - the progress line of progress.h: one line on stderr, redrawn in
 * place at most every quarter second, erased at the end.  Knows nothing of what is counted.
 */
#define _GNU_SOURCE /* fopencookie */
#include "progress.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void cli_progress_begin(cli_progress *p, const char *cmd, const char *unit, int quiet, FILE *in,
                        FILE *out)
{
    *p = (cli_progress){0};
    p->cmd = cmd;
    p->unit = unit;
    p->on = !quiet && isatty(STDERR_FILENO) && !(out && isatty(fileno(out)));
    if (!p->on) return;
    struct stat st;
    if (in && fileno(in) >= 0 && fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode))
        p->total = (uint64_t)st.st_size;
    const char *ms = getenv("SLATE_PROGRESS_MS");
    p->every = ms && *ms ? atof(ms) / 1000 : 0.25;
    p->t0 = now_s();
    p->next = p->t0 + p->every;
}

void cli_progress_update(cli_progress *p, uint64_t done, uint64_t bytes)
{
    if (!p->on) return;
    double t = now_s();
    if (t < p->next) return;
    p->next = t + p->every;
    double el = t - p->t0;
    fprintf(stderr, "\rslate %s: %llu %s, %.0f %s/s", p->cmd, (unsigned long long)done, p->unit,
            el > 0 ? (double)done / el : 0.0, p->unit);
    if (p->total && bytes && bytes <= p->total) {
        double left = el * (double)(p->total - bytes) / (double)bytes;
        fprintf(stderr, ", %d%%, %.0f s left", (int)(100.0 * (double)bytes / (double)p->total), left);
    }
    /* the cursor goes back to the start: a message printed before the next
     * clear writes over the line instead of after it */
    fputs("\033[K\r", stderr);
    fflush(stderr);
    p->shown = 1;
}

void cli_progress_clear(cli_progress *p)
{
    if (!p->shown) return;
    fputs("\033[K", stderr);
    fflush(stderr);
    p->shown = 0;
}

void cli_progress_cb(void *ctx, uint64_t done)
{
    cli_progress_update(ctx, done, 0);
}

/* cli_progress_reader's cookie. */
typedef struct counted {
    cli_progress *p;
    FILE *in;
    uint64_t bytes, lines;
} counted;

static ssize_t counted_read(void *c_, char *buf, size_t n)
{
    counted *c = c_;
    size_t got = fread(buf, 1, n, c->in);
    if (got == 0 && ferror(c->in)) return -1;
    c->bytes += got;
    for (const char *q = buf, *e = buf + got; (q = memchr(q, '\n', (size_t)(e - q))); q++) c->lines++;
    cli_progress_update(c->p, c->lines, c->bytes);
    return (ssize_t)got;
}

static int counted_close(void *c_)
{
    free(c_);
    return 0;
}

FILE *cli_progress_reader(cli_progress *p, FILE *in)
{
    if (!p->on) return in;
    counted *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->p = p;
    c->in = in;
    FILE *f = fopencookie(c, "r", (cookie_io_functions_t){counted_read, NULL, NULL, counted_close});
    if (!f) free(c);
    return f;
}
