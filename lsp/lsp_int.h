/*
 * lsp_int.h - the parts of the language server (lsp/) and what they share:
 * message framing (rpc.c), positions in UTF-16 (text.c), the index of names
 * (index.c), the answers to requests (features.c) and the loop (server.c).
 * Private to lsp/.
 */
#ifndef SLATE_LSP_INT_H
#define SLATE_LSP_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "frontend.h"

/* JSON-RPC and LSP error codes. */
#define RPC_PARSE_ERROR -32700
#define RPC_INVALID_REQUEST -32600
#define RPC_METHOD_NOT_FOUND -32601
#define RPC_INVALID_PARAMS -32602
#define RPC_INTERNAL_ERROR -32603
#define RPC_NOT_INITIALIZED -32002
#define RPC_REQUEST_FAILED -32803

/* The largest message body accepted (a policy of this size is already absurd). */
#define RPC_MAX_BODY (64u << 20)

/* ---- rpc.c ---------------------------------------------------------------- */

/* Read one message body: 0 with *body (malloc'd, NUL-terminated) and *len; 1 at
 * the end of the input; -1 when the header block was unusable (*why says how;
 * the body, if any could be located, was skipped); -2 out of memory. */
int rpc_read(FILE *in, char **body, size_t *len, const char **why);

/* Write `msg` (not consumed) with its header; 0 or -1 when `out` failed. */
int rpc_write(FILE *out, json_t *msg);

/* A response object: {"jsonrpc":"2.0","id":id,"result":result}; steals result
 * (NULL: null); id is borrowed (NULL: null). */
json_t *rpc_result(json_t *id, json_t *result);
/* An error response: {"jsonrpc":"2.0","id":id,"error":{"code","message"}}. */
json_t *rpc_error(json_t *id, int code, const char *message);

/* ---- text.c --------------------------------------------------------------- */

/* Byte offset of the start of 0-based line `line` (the text's end past the last). */
size_t text_line_start(const char *t, size_t len, int line);
/* Length in bytes of the line starting at `start`, without its newline. */
size_t text_line_len(const char *t, size_t len, size_t start);
/* UTF-16 code units in `n` bytes of UTF-8 (a stray byte counts as one). */
int text_utf16(const char *s, size_t n);
/* Byte offset for an LSP position (0-based line, UTF-16 character), clamped to
 * the line and the text. */
size_t text_offset(const char *t, size_t len, int line, int character);
/* An LSP Position object for a 1-based line and byte column of the text. */
json_t *text_position(const char *t, size_t len, int line1, int col1);
/* A JSON string of `n` bytes at `s`, any byte that is not valid UTF-8 (a
 * message cut inside a character, say) replaced by U+FFFD; NULL: no memory. */
json_t *text_json(const char *s, size_t n);
/* An LSP Range for a compiler span (line 0: the start of the file). */
json_t *text_range(const char *t, size_t len, src_loc loc);

/* ---- index.c -------------------------------------------------------------- */

typedef enum sym_kind {
    SYM_FIELD,    /* a case field (`level` is built in: no definition) */
    SYM_VALUE,    /* an enum value; owner: its field */
    SYM_LEVEL,
    SYM_EVENT,    /* declared or built in */
    SYM_CLOCK,
    SYM_LADDER,
    SYM_CALENDAR,
    SYM_TIER,     /* an `sla` block */
    SYM_RULE      /* a rule's `as NAME` */
} sym_kind;

/* One place a name occurs. */
typedef struct occ {
    sym_kind kind;
    const char *name, *owner; /* owner: SYM_VALUE's field, else NULL */
    src_loc loc;
    int is_def;
} occ;

/* A parsed, checked policy and every name in it, in source order. */
typedef struct lsp_index {
    fe_unit fe;   /* fe.ast NULL: memory ran out */
    occ *v;
    size_t n, cap;
} lsp_index;

/* Parse and check `text` and collect its names; 0, or -1 out of memory. */
int idx_build(lsp_index *x, const char *file, const char *text, size_t len);
void idx_free(lsp_index *x);
/* The occurrence under 1-based line and byte column `col`; NULL: none. */
const occ *idx_at(const lsp_index *x, int line, int col);
/* The definition of what `o` names; NULL: built in or undeclared. */
const occ *idx_def(const lsp_index *x, const occ *o);
/* Whether two occurrences name the same thing. */
int occ_same(const occ *a, const occ *b);
/* The declaration node for a definition (ast_field *, ast_clock *, ...). */
const ast_field *idx_field(const lsp_index *x, const char *name);
int idx_is_builtin_event(const char *name);

/* ---- features.c ----------------------------------------------------------- */

/* A document as the editor last sent it. */
typedef struct lsp_doc {
    char *uri;
    char *text;
    size_t len;
    struct lsp_doc *next;
} lsp_doc;

/* The name diagnostics give a document (its path for a file: URI). */
const char *doc_file(const lsp_doc *d);

/* The publishDiagnostics notification for the document (every diagnostic the
 * compiler gives, as `slate build` would). */
json_t *feat_diagnostics(const lsp_doc *d);
/* The results of the requests; NULL result means JSON null; *err_code set
 * (and *err_msg) when the request fails instead. */
json_t *feat_hover(const lsp_doc *d, int line, int ch);
json_t *feat_definition(const lsp_doc *d, int line, int ch);
json_t *feat_references(const lsp_doc *d, int line, int ch, int with_decl);
json_t *feat_completion(const lsp_doc *d, int line, int ch);
json_t *feat_symbols(const lsp_doc *d);
json_t *feat_format(const lsp_doc *d, const char **err);

#endif
