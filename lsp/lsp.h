/*
 * lsp.h - `slate lsp`: a Language Server Protocol server for policy files, over
 * a pair of streams (the command gives it stdin and stdout).
 *
 * What an editor gets: diagnostics as the text changes (every error and warning
 * `slate build` would give), hover, go to definition, find references,
 * completion, document symbols and formatting (`slate fmt`).  docs/lsp.md lists
 * the methods and what each answers.  Not here: reading files from disk (the
 * editor sends the text), or any editor's client settings (editors/).
 */
#ifndef SLATE_LSP_H
#define SLATE_LSP_H

#include <stdio.h>

/* Serve one client: read JSON-RPC messages framed with Content-Length headers
 * from `in`, answer on `out`, until `exit` or the end of `in`.  `log` (NULL:
 * none) gets a line for each message the server could not use.  Returns the exit
 * status: 0 after `shutdown` then `exit`, 1 when the client left without
 * `shutdown` (as the protocol asks), 3 when memory ran out or `out` failed. */
int lsp_serve(FILE *in, FILE *out, FILE *log);

#endif
