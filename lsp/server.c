/*
 * server.c - the language server's loop (lsp.h): read a message, check that it
 * is a JSON-RPC 2.0 request or notification, dispatch on its method, answer.
 * Hostile input gets a JSON-RPC error, never a crash or a hang: a broken header
 * block (rpc.c), a body that is not JSON (-32700), a message that is not a
 * request (-32600), an unknown method (-32601), parameters of the wrong shape
 * (-32602), a request before `initialize` (-32002).  Documents are kept whole
 * (full text sync; ranged changes are applied too).  Answers come from
 * features.c and complete.c.
 */
#include <stdlib.h>
#include <string.h>

#include "lsp.h"
#include "lsp_int.h"
#include "slate_version.h"

typedef struct server {
    FILE *out, *log;
    lsp_doc *docs;
    int initialized, shut_down, failed;
} server;

static void logf_(server *s, const char *what, const char *detail)
{
    if (s->log) fprintf(s->log, "slate lsp: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
}

static void send(server *s, json_t *msg)
{
    if (!msg) {
        s->failed = 1;
        return;
    }
    if (rpc_write(s->out, msg)) s->failed = 1;
    json_decref(msg);
}

static lsp_doc *find_doc(server *s, const char *uri)
{
    for (lsp_doc *d = s->docs; d; d = d->next)
        if (!strcmp(d->uri, uri)) return d;
    return NULL;
}

static void drop_doc(server *s, const char *uri)
{
    for (lsp_doc **pp = &s->docs; *pp; pp = &(*pp)->next)
        if (!strcmp((*pp)->uri, uri)) {
            lsp_doc *d = *pp;
            *pp = d->next;
            free(d->uri);
            free(d->text);
            free(d);
            return;
        }
}

/* Replace the document's text with `len` bytes at `text` (copied). */
static int set_text(lsp_doc *d, const char *text, size_t len)
{
    char *t = malloc(len + 1);
    if (!t) return -1;
    memcpy(t, text, len);
    t[len] = '\0';
    free(d->text);
    d->text = t;
    d->len = len;
    return 0;
}

/* ---- parameters ----------------------------------------------------------------- */

static const char *str_at(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* params.textDocument.uri, or NULL. */
static const char *doc_uri(json_t *params)
{
    return str_at(json_object_get(params, "textDocument"), "uri");
}

/* An LSP position object: 0 with *line, *ch, or -1. */
static int get_pos(json_t *pos, int *line, int *ch)
{
    json_t *l = json_object_get(pos, "line"), *c = json_object_get(pos, "character");
    if (!json_is_integer(l) || !json_is_integer(c)) return -1;
    json_int_t lv = json_integer_value(l), cv = json_integer_value(c);
    if (lv < 0 || cv < 0 || lv > 100000000 || cv > 100000000) return -1;
    *line = (int)lv;
    *ch = (int)cv;
    return 0;
}

/* ---- notifications ----------------------------------------------------------------- */

static void publish(server *s, const lsp_doc *d)
{
    send(s, feat_diagnostics(d));
}

static void did_open(server *s, json_t *params)
{
    json_t *td = json_object_get(params, "textDocument");
    const char *uri = str_at(td, "uri");
    json_t *text = json_object_get(td, "text");
    if (!uri || !json_is_string(text)) {
        logf_(s, "didOpen without a uri and text", NULL);
        return;
    }
    lsp_doc *d = find_doc(s, uri);
    if (!d) {
        if (!(d = calloc(1, sizeof *d)) || !(d->uri = strdup(uri))) {
            free(d);
            s->failed = 1;
            return;
        }
        d->next = s->docs;
        s->docs = d;
    }
    if (set_text(d, json_string_value(text), json_string_length(text))) {
        s->failed = 1;
        return;
    }
    publish(s, d);
}

/* Apply one contentChanges entry: the whole text, or a range replaced. */
static int apply_change(lsp_doc *d, json_t *ch)
{
    json_t *text = json_object_get(ch, "text"), *range = json_object_get(ch, "range");
    if (!json_is_string(text)) return -1;
    const char *t = json_string_value(text);
    size_t n = json_string_length(text);
    if (!range || json_is_null(range)) return set_text(d, t, n) ? -2 : 0;
    int l0, c0, l1, c1;
    if (get_pos(json_object_get(range, "start"), &l0, &c0) ||
        get_pos(json_object_get(range, "end"), &l1, &c1))
        return -1;
    size_t a = text_offset(d->text, d->len, l0, c0), b = text_offset(d->text, d->len, l1, c1);
    if (b < a) return -1;
    size_t len = d->len - (b - a) + n;
    char *nt = malloc(len + 1);
    if (!nt) return -2;
    memcpy(nt, d->text, a);
    memcpy(nt + a, t, n);
    memcpy(nt + a + n, d->text + b, d->len - b);
    nt[len] = '\0';
    free(d->text);
    d->text = nt;
    d->len = len;
    return 0;
}

static void did_change(server *s, json_t *params)
{
    const char *uri = doc_uri(params);
    lsp_doc *d = uri ? find_doc(s, uri) : NULL;
    json_t *changes = json_object_get(params, "contentChanges");
    if (!d || !json_is_array(changes)) {
        logf_(s, "didChange for a document that is not open, or without changes", uri);
        return;
    }
    size_t i;
    json_t *ch;
    json_array_foreach(changes, i, ch) {
        int r = apply_change(d, ch);
        if (r == -2) s->failed = 1;
        if (r) {
            logf_(s, "a change that does not apply", uri);
            break;
        }
    }
    publish(s, d);
}

static void did_close(server *s, json_t *params)
{
    const char *uri = doc_uri(params);
    if (!uri || !find_doc(s, uri)) return;
    send(s, json_pack("{s:s,s:s,s:{s:s,s:[]}}", "jsonrpc", "2.0", "method",
                      "textDocument/publishDiagnostics", "params", "uri", uri, "diagnostics"));
    drop_doc(s, uri);
}

/* ---- requests ----------------------------------------------------------------------- */

static json_t *capabilities(void)
{
    return json_pack("{s:{s:{s:b,s:i,s:b},s:b,s:b,s:b,s:{s:[s,s,s]},s:b,s:b},s:{s:s,s:s}}",
                     "capabilities", "textDocumentSync", "openClose", 1, "change", 1, "save", 0,
                     "hoverProvider", 1, "definitionProvider", 1, "referencesProvider", 1,
                     "completionProvider", "triggerCharacters", " ", "(", ",",
                     "documentSymbolProvider", 1, "documentFormattingProvider", 1, "serverInfo",
                     "name", "slate", "version", SLATE_VERSION);
}

/* Answer one request; returns the response message. */
static json_t *request(server *s, json_t *id, const char *method, json_t *params)
{
    if (!strcmp(method, "initialize")) {
        if (s->initialized) return rpc_error(id, RPC_INVALID_REQUEST, "initialize was already called");
        s->initialized = 1;
        return rpc_result(id, capabilities());
    }
    if (!s->initialized) return rpc_error(id, RPC_NOT_INITIALIZED, "the server is not initialized");
    if (s->shut_down) return rpc_error(id, RPC_INVALID_REQUEST, "the server is shutting down");
    if (!strcmp(method, "shutdown")) {
        s->shut_down = 1;
        return rpc_result(id, NULL);
    }
    static const char *const doc_methods[] = {
        "textDocument/hover", "textDocument/definition", "textDocument/references",
        "textDocument/completion", "textDocument/documentSymbol", "textDocument/formatting"};
    int m = -1;
    for (int i = 0; i < 6; i++)
        if (!strcmp(method, doc_methods[i])) m = i;
    if (m < 0) return rpc_error(id, RPC_METHOD_NOT_FOUND, "unknown method");
    if (!json_is_object(params)) return rpc_error(id, RPC_INVALID_PARAMS, "params must be an object");
    const char *uri = doc_uri(params);
    if (!uri) return rpc_error(id, RPC_INVALID_PARAMS, "no textDocument.uri");
    int line = 0, ch = 0;
    if (m <= 3 && get_pos(json_object_get(params, "position"), &line, &ch))
        return rpc_error(id, RPC_INVALID_PARAMS, "no valid position");
    lsp_doc *d = find_doc(s, uri);
    if (!d) return rpc_error(id, RPC_INVALID_PARAMS, "the document is not open");
    const char *err = NULL;
    json_t *res = NULL;
    switch (m) {
    case 0: res = feat_hover(d, line, ch); break;
    case 1: res = feat_definition(d, line, ch); break;
    case 2: {
        json_t *ctx = json_object_get(params, "context");
        json_t *decl = json_object_get(ctx, "includeDeclaration");
        res = feat_references(d, line, ch, !json_is_boolean(decl) || json_is_true(decl));
        break;
    }
    case 3: res = feat_completion(d, line, ch); break;
    case 4: res = feat_symbols(d); break;
    case 5: res = feat_format(d, &err); break;
    }
    if (err) return rpc_error(id, RPC_REQUEST_FAILED, err);
    return rpc_result(id, res);
}

/* Handle one notification (no answer, whatever happens).  Returns 1 on `exit`. */
static int notification(server *s, const char *method, json_t *params)
{
    if (!strcmp(method, "exit")) return 1;
    if (!s->initialized || s->shut_down) return 0; /* dropped, as the protocol asks */
    if (!strcmp(method, "textDocument/didOpen")) did_open(s, params);
    else if (!strcmp(method, "textDocument/didChange")) did_change(s, params);
    else if (!strcmp(method, "textDocument/didClose")) did_close(s, params);
    else if (strcmp(method, "initialized") && strcmp(method, "textDocument/didSave") &&
             strncmp(method, "$/", 2))
        logf_(s, "unknown notification ignored", method);
    return 0;
}

/* One message body.  Returns 1 on `exit`. */
static int handle(server *s, const char *body, size_t len)
{
    json_error_t je;
    json_t *msg = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!msg) {
        logf_(s, "not JSON", je.text);
        send(s, rpc_error(NULL, RPC_PARSE_ERROR, "parse error: the message is not JSON"));
        return 0;
    }
    json_t *id = json_object_get(msg, "id");
    const char *method = str_at(msg, "method");
    int bad_id = id && !json_is_integer(id) && !json_is_string(id) && !json_is_null(id);
    if (!json_is_object(msg) || bad_id || !method || !json_is_string(json_object_get(msg, "jsonrpc")) ||
        strcmp(str_at(msg, "jsonrpc"), "2.0")) {
        /* a response from the client (we send no requests) is not answered */
        if (json_is_object(msg) && !method && (json_object_get(msg, "result") || json_object_get(msg, "error"))) {
            json_decref(msg);
            return 0;
        }
        send(s, rpc_error(bad_id ? NULL : id, RPC_INVALID_REQUEST, "invalid request: not a JSON-RPC 2.0 request"));
        json_decref(msg);
        return 0;
    }
    json_t *params = json_object_get(msg, "params");
    int done = 0;
    if (id) send(s, request(s, id, method, params));
    else done = notification(s, method, params);
    json_decref(msg);
    return done;
}

int lsp_serve(FILE *in, FILE *out, FILE *log)
{
    server s = {out, log, NULL, 0, 0, 0};
    int exited = 0;
    while (!s.failed) {
        char *body;
        size_t len;
        const char *why;
        int r = rpc_read(in, &body, &len, &why);
        if (r == 1) break;
        if (r == -2) {
            s.failed = 1;
            break;
        }
        if (r < 0) {
            logf_(&s, "unusable header", why);
            send(&s, rpc_error(NULL, RPC_PARSE_ERROR, why));
            continue;
        }
        exited = handle(&s, body, len);
        free(body);
        if (exited) break;
    }
    while (s.docs) drop_doc(&s, s.docs->uri);
    if (s.failed) return 3;
    return exited && s.shut_down ? 0 : 1;
}
