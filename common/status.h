/*
 * status.h - the exit statuses of docs/io.md, shared by the commands and the
 * libraries under them (io/, audit/, ...) that return one.  Not here: messages.
 */
#ifndef SLATE_STATUS_H
#define SLATE_STATUS_H

enum {
    EXIT_OK = 0,     /* success */
    EXIT_INPUT = 1,  /* the input was wrong: policy errors, failed checks or tests */
    EXIT_USAGE = 2,  /* bad command line */
    EXIT_IO = 3      /* I/O or internal error */
};

#endif
