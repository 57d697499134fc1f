/*
 * features.c - the answers of the language server: diagnostics (through
 * include/slatec.h's on_diag, so they are exactly `slate build`'s), hover,
 * definition, references, document symbols and formatting (slatec_fmt(), as
 * `slate fmt`).  Completion is in complete.c.  Each answer is built from a fresh
 * parse of the document's text (index.c); nothing is cached between requests.
 * Does not speak the protocol (server.c does).
 */
#include <stdlib.h>
#include <string.h>

#include "lsp_int.h"
#include "slatec.h"

const char *doc_file(const lsp_doc *d)
{
    return strncmp(d->uri, "file://", 7) ? d->uri : d->uri + 7;
}

/* ---- diagnostics ------------------------------------------------------------ */

typedef struct diag_acc {
    const lsp_doc *doc;
    json_t *list;
} diag_acc;

static void on_diag(void *ctx, const slatec_diag *g)
{
    diag_acc *a = ctx;
    src_loc loc = {g->line, g->col, g->end_line, g->end_col};
    size_t n = strlen(g->message), h = g->hint ? strlen(g->hint) : 0;
    char *text = malloc(n + h + 8);
    if (!text) return;
    memcpy(text, g->message, n);
    if (g->hint) n += (size_t)sprintf(text + n, "\nhint: %s", g->hint);
    json_t *msg = text_json(text, n);
    free(text);
    int sev = !strcmp(g->severity, "error") ? 1 : !strcmp(g->severity, "warning") ? 2 : 3;
    json_t *item = json_pack("{s:o,s:i,s:s,s:o*}", "range", text_range(a->doc->text, a->doc->len, loc),
                             "severity", sev, "source", "slate", "message", msg);
    if (item && g->code) json_object_set_new(item, "code", json_string(g->code));
    json_array_append_new(a->list, item);
}

json_t *feat_diagnostics(const lsp_doc *d)
{
    diag_acc a = {d, json_array()};
    slatec_opts o = SLATEC_OPTS_INIT;
    o.on_diag = on_diag;
    o.on_diag_arg = &a;
    slatec_compile(&o, doc_file(d), d->text, d->len, NULL, NULL, NULL);
    return json_pack("{s:s,s:s,s:{s:s,s:o}}", "jsonrpc", "2.0", "method",
                     "textDocument/publishDiagnostics", "params", "uri", d->uri, "diagnostics",
                     a.list);
}

/* ---- hover ----------------------------------------------------------------------- */

/* The source text of a span. */
static void put_src(FILE *f, const lsp_doc *d, src_loc l)
{
    if (l.line < 1) return;
    size_t a = text_line_start(d->text, d->len, l.line - 1) + (size_t)(l.col > 0 ? l.col - 1 : 0);
    int el = l.end_line >= l.line ? l.end_line : l.line;
    size_t b = text_line_start(d->text, d->len, el - 1) + (size_t)(l.end_col > 0 ? l.end_col - 1 : 0);
    if (a > d->len) a = d->len;
    if (b > d->len) b = d->len;
    if (b > a) fwrite(d->text + a, 1, b - a, f);
}

/* Two names, either of which may be missing (a declaration cut short). */
static int same(const char *a, const char *b)
{
    return a && b && !strcmp(a, b);
}

static void put_names(FILE *f, const char *what, const ast_ident *id)
{
    if (!id) return;
    fprintf(f, "\n%s ", what);
    for (; id; id = id->next) fprintf(f, "%s%s", id->name, id->next ? ", " : "");
}

static int in_list(const ast_ident *id, const char *name)
{
    for (; id; id = id->next)
        if (same(id->name, name)) return 1;
    return 0;
}

static void hover_field(FILE *f, const lsp_doc *d, const lsp_index *x, const occ *o)
{
    const ast_field *fd = idx_field(x, o->kind == SYM_VALUE ? o->owner : o->name);
    if (!fd) {
        if (!strcmp(o->name, "level")) {
            fputs("built-in field `level`: the case's escalation level\n```slate\nlevels {", f);
            for (const ast_ident *l = x->fe.ast->levels; l; l = l->next)
                fprintf(f, " %s%s", l->name, l->next ? "," : " ");
            fputs("}\n```", f);
        }
        return;
    }
    if (o->kind == SYM_VALUE) {
        int i = 1;
        for (const ast_ident *v = fd->values; v && !same(v->name, o->name); v = v->next) i++;
        fprintf(f, "value `%s` of field `%s` (%d of %d)\n", o->name, fd->name.name, i, fd->nvalues);
    } else {
        fprintf(f, "field `%s` of the case\n", fd->name.name);
    }
    fputs("```slate\n", f);
    put_src(f, d, fd->loc);
    fputs("\n```", f);
}

static void hover_level(FILE *f, const lsp_index *x, const occ *o)
{
    int i = 0, n = 0;
    for (const ast_ident *l = x->fe.ast->levels; l; l = l->next) {
        n++;
        if (same(l->name, o->name)) i = n;
    }
    fprintf(f, "level `%s` (%d of %d, lowest first)\n```slate\nlevels {", o->name, i, n);
    for (const ast_ident *l = x->fe.ast->levels; l; l = l->next)
        fprintf(f, " %s%s", l->name, l->next ? "," : " ");
    fputs("}\n```", f);
}

static void hover_event(FILE *f, const lsp_index *x, const occ *o)
{
    fprintf(f, "event `%s` (%s)", o->name, idx_is_builtin_event(o->name) ? "built in" : "declared");
    static const char *const verbs[] = {"starts", "stops", "pauses", "resumes", "resets"};
    for (int v = 0; v < 5; v++) {
        int any = 0;
        for (const ast_clock *c = x->fe.ast->clocks; c; c = c->next) {
            const ast_ident *l = v == 0   ? c->starts_on
                                 : v == 1 ? c->stops_on
                                 : v == 2 ? c->pauses_on
                                 : v == 3 ? c->resumes_on
                                          : c->resets_on;
            if (!in_list(l, o->name) || !c->name.name) continue;
            if (any++) fprintf(f, ", %s", c->name.name);
            else fprintf(f, "\n\n%s clock %s", verbs[v], c->name.name);
        }
    }
    int rules = 0;
    for (const ast_rule *r = x->fe.ast->rules; r; r = r->next)
        if (same(r->event.name, o->name)) rules++;
    if (rules) fprintf(f, "\n\n%d rule%s on it", rules, rules == 1 ? "" : "s");
}

static void hover_clock(FILE *f, const lsp_doc *d, const lsp_index *x, const occ *o)
{
    for (const ast_clock *c = x->fe.ast->clocks; c; c = c->next) {
        if (!same(c->name.name, o->name)) continue;
        fprintf(f, "clock `%s`\n```slate", o->name);
        put_names(f, "starts on", c->starts_on);
        put_names(f, "stops on", c->stops_on);
        put_names(f, "pauses on", c->pauses_on);
        put_names(f, "resumes on", c->resumes_on);
        put_names(f, "resets on", c->resets_on);
        if (c->pauses_while) {
            fputs("\npauses while ", f);
            put_src(f, d, c->pauses_while->loc);
        }
        if (c->late_from_change) fputs("\nstarts late from change", f);
        fputs("\n```", f);
        return;
    }
}

static void hover_ladder(FILE *f, const lsp_doc *d, const lsp_index *x, const occ *o)
{
    for (const ast_ladder *l = x->fe.ast->ladders; l; l = l->next) {
        if (!same(l->name.name, o->name)) continue;
        fprintf(f, "ladder `%s`\n```slate", o->name);
        for (const ast_step *s = l->steps; s; s = s->next) {
            fputc('\n', f);
            const char *ck = s->clock.name ? s->clock.name : "?";
            if (s->kind == STEP_PERCENT) fprintf(f, "at %d%% of %s", s->percent, ck);
            else if (s->kind == STEP_BEFORE) {
                fputs("at ", f);
                put_src(f, d, s->offset.loc);
                fprintf(f, " before breach of %s", ck);
            } else {
                fprintf(f, "at breach of %s", ck);
                if (s->offset.loc.line > 0) {
                    fputs(" + ", f);
                    put_src(f, d, s->offset.loc);
                }
            }
            for (const ast_action *a = s->actions; a; a = a->next) {
                fputs(a == s->actions ? "  " : "; ", f);
                put_src(f, d, a->loc);
            }
        }
        fputs("\n```", f);
        return;
    }
}

static void hover_tier(FILE *f, const lsp_doc *d, const lsp_index *x, const occ *o)
{
    for (const ast_sla *s = x->fe.ast->slas; s; s = s->next) {
        if (!same(s->name.name, o->name)) continue;
        fprintf(f, "tier `%s`%s\n```slate\nsla %s", o->name, s->when ? "" : " (the default)",
                o->name);
        if (s->when) {
            fputs(" when ", f);
            put_src(f, d, s->when->loc);
        }
        for (const ast_target *t = s->targets; t; t = t->next) {
            fputs("\n    ", f);
            put_src(f, d, t->loc);
        }
        if (s->ladder.name) fprintf(f, "\n    ladder %s", s->ladder.name);
        fputs("\n```", f);
        return;
    }
}

static void hover_calendar(FILE *f, const lsp_doc *d, const lsp_index *x, const occ *o)
{
    for (const ast_calendar *c = x->fe.ast->calendars; c; c = c->next) {
        if (!same(c->name.name, o->name)) continue;
        fprintf(f, "calendar `%s`, zone %s\n```slate", o->name, c->zone ? c->zone : "UTC");
        if (!c->hours) fputs("\n# no working hours", f);
        for (const ast_hours *h = c->hours; h; h = h->next) {
            fputc('\n', f);
            put_src(f, d, h->loc);
        }
        int n = 0;
        for (const ast_closed *k = c->closed; k; k = k->next) n++;
        if (n) fprintf(f, "\n# and %d closed date%s or range%s", n, n == 1 ? "" : "s", n == 1 ? "" : "s");
        fputs("\n```", f);
        return;
    }
    if (!strcmp(o->name, "always")) fputs("built-in calendar `always`: every hour of every day", f);
}

/* The occurrence at an LSP position in the index of the document. */
static const occ *occ_at(const lsp_doc *d, const lsp_index *x, int line, int ch)
{
    size_t off = text_offset(d->text, d->len, line, ch);
    size_t start = text_line_start(d->text, d->len, line);
    if (off < start) return NULL;
    return idx_at(x, line + 1, (int)(off - start) + 1);
}

json_t *feat_hover(const lsp_doc *d, int line, int ch)
{
    lsp_index x;
    if (idx_build(&x, doc_file(d), d->text, d->len)) {
        idx_free(&x);
        return NULL;
    }
    const occ *o = occ_at(d, &x, line, ch);
    json_t *res = NULL;
    char *buf = NULL;
    size_t n = 0;
    FILE *f = o ? open_memstream(&buf, &n) : NULL;
    if (f) {
        switch (o->kind) {
        case SYM_FIELD:
        case SYM_VALUE: hover_field(f, d, &x, o); break;
        case SYM_LEVEL: hover_level(f, &x, o); break;
        case SYM_EVENT: hover_event(f, &x, o); break;
        case SYM_CLOCK: hover_clock(f, d, &x, o); break;
        case SYM_LADDER: hover_ladder(f, d, &x, o); break;
        case SYM_TIER: hover_tier(f, d, &x, o); break;
        case SYM_CALENDAR: hover_calendar(f, d, &x, o); break;
        case SYM_RULE: fprintf(f, "rule `%s`", o->name); break;
        }
        fclose(f);
        if (buf && n)
            res = json_pack("{s:{s:s,s:o},s:o}", "contents", "kind", "markdown", "value",
                            text_json(buf, n), "range", text_range(d->text, d->len, o->loc));
        free(buf);
    }
    idx_free(&x);
    return res;
}

/* ---- definition, references ------------------------------------------------------ */

static json_t *location(const lsp_doc *d, src_loc loc)
{
    return json_pack("{s:s,s:o}", "uri", d->uri, "range", text_range(d->text, d->len, loc));
}

json_t *feat_definition(const lsp_doc *d, int line, int ch)
{
    lsp_index x;
    json_t *res = NULL;
    if (!idx_build(&x, doc_file(d), d->text, d->len)) {
        const occ *o = occ_at(d, &x, line, ch);
        const occ *def = o ? idx_def(&x, o) : NULL;
        if (def) res = location(d, def->loc);
    }
    idx_free(&x);
    return res;
}

json_t *feat_references(const lsp_doc *d, int line, int ch, int with_decl)
{
    lsp_index x;
    json_t *res = NULL;
    if (!idx_build(&x, doc_file(d), d->text, d->len)) {
        const occ *o = occ_at(d, &x, line, ch);
        if (o) {
            res = json_array();
            for (size_t i = 0; i < x.n; i++)
                if (occ_same(&x.v[i], o) && (with_decl || !x.v[i].is_def))
                    json_array_append_new(res, location(d, x.v[i].loc));
        }
    }
    idx_free(&x);
    return res;
}

/* ---- document symbols --------------------------------------------------------------- */

/* LSP SymbolKind numbers. */
enum { SK_NAMESPACE = 3, SK_CLASS = 5, SK_METHOD = 6, SK_FIELD = 8, SK_ENUM = 10, SK_FUNCTION = 12,
       SK_VARIABLE = 13, SK_ENUM_MEMBER = 22, SK_STRUCT = 23, SK_EVENT = 24 };

static src_loc span_union(src_loc a, src_loc b)
{
    if (a.line < 1) return b;
    if (b.line < 1) return a;
    src_loc u = a;
    if (b.line < u.line || (b.line == u.line && b.col < u.col)) {
        u.line = b.line;
        u.col = b.col;
    }
    int ael = a.end_line ? a.end_line : a.line, bel = b.end_line ? b.end_line : b.line;
    if (bel > ael || (bel == ael && b.end_col > a.end_col)) {
        u.end_line = bel;
        u.end_col = b.end_col;
    } else {
        u.end_line = ael;
    }
    return u;
}

static json_t *symbol(const lsp_doc *d, const char *name, int kind, src_loc range, src_loc sel,
                      json_t *children)
{
    json_t *s = json_pack("{s:s,s:i,s:o,s:o}", "name", name, "kind", kind, "range",
                          text_range(d->text, d->len, span_union(range, sel)), "selectionRange",
                          text_range(d->text, d->len, sel));
    if (s && children) json_object_set_new(s, "children", children);
    else json_decref(children);
    return s;
}

/* A container for a list of identifiers (`levels { ... }`, `events { ... }`). */
static void ident_group(json_t *out, const lsp_doc *d, const char *name, const ast_ident *ids,
                        int kind)
{
    if (!ids) return;
    json_t *kids = json_array();
    src_loc all = {0, 0, 0, 0};
    for (const ast_ident *i = ids; i; i = i->next) {
        json_array_append_new(kids, symbol(d, i->name, kind, i->loc, i->loc, NULL));
        all = span_union(all, i->loc);
    }
    json_array_append_new(out, symbol(d, name, SK_ENUM, all, ids->loc, kids));
}

json_t *feat_symbols(const lsp_doc *d)
{
    lsp_index x;
    json_t *out = NULL;
    if (idx_build(&x, doc_file(d), d->text, d->len)) goto done;
    const ast_policy *p = x.fe.ast;
    out = json_array();
    for (const ast_calendar *c = p->calendars; c; c = c->next)
        json_array_append_new(out, symbol(d, c->name.name, SK_NAMESPACE, c->loc, c->name.loc, NULL));
    if (p->fields) {
        json_t *kids = json_array();
        src_loc all = {0, 0, 0, 0};
        for (const ast_field *f = p->fields; f; f = f->next) {
            json_t *vals = NULL;
            if (f->values) {
                vals = json_array();
                for (const ast_ident *v = f->values; v; v = v->next)
                    json_array_append_new(vals, symbol(d, v->name, SK_ENUM_MEMBER, v->loc, v->loc, NULL));
            }
            json_array_append_new(kids, symbol(d, f->name.name, SK_FIELD, f->loc, f->name.loc, vals));
            all = span_union(all, f->loc);
        }
        json_array_append_new(out, symbol(d, "case", SK_STRUCT, all, p->fields->name.loc, kids));
    }
    ident_group(out, d, "levels", p->levels, SK_ENUM_MEMBER);
    ident_group(out, d, "events", p->events, SK_EVENT);
    for (const ast_clock *c = p->clocks; c; c = c->next)
        json_array_append_new(out, symbol(d, c->name.name, SK_VARIABLE, c->loc, c->name.loc, NULL));
    for (const ast_ladder *l = p->ladders; l; l = l->next)
        json_array_append_new(out, symbol(d, l->name.name, SK_METHOD, l->loc, l->name.loc, NULL));
    for (const ast_sla *s = p->slas; s; s = s->next)
        json_array_append_new(out, symbol(d, s->name.name, SK_CLASS, s->loc, s->name.loc, NULL));
    for (const ast_rule *r = p->rules; r; r = r->next) {
        if (!r->event.name) continue;
        char name[256];
        snprintf(name, sizeof name, "on %s%s%s", r->event.name, r->label.name ? " as " : "",
                 r->label.name ? r->label.name : "");
        json_array_append_new(out, symbol(d, name, SK_FUNCTION, r->loc, r->event.loc, NULL));
    }
done:
    idx_free(&x);
    return out;
}

/* ---- formatting ---------------------------------------------------------------------- */

json_t *feat_format(const lsp_doc *d, const char **err)
{
    char *errs = NULL, *out = NULL;
    size_t nerrs = 0, n = 0;
    FILE *diag = open_memstream(&errs, &nerrs);
    if (!diag) {
        *err = "out of memory";
        return NULL;
    }
    int rc = slatec_fmt(doc_file(d), d->text, d->len, diag, &out, &n);
    fclose(diag);
    free(errs);
    if (rc != SLATE_OK) {
        *err = rc == SLATE_ERROR ? "the policy has syntax errors: it is not formatted"
                                 : "the formatter refused the policy: it is left as it is";
        return NULL;
    }
    json_t *edits = json_array();
    if (n != d->len || memcmp(out, d->text, n)) {
        int last = 0;
        for (size_t i = 0; i < d->len; i++) last += d->text[i] == '\n';
        size_t ls = text_line_start(d->text, d->len, last);
        json_array_append_new(
            edits, json_pack("{s:{s:{s:i,s:i},s:{s:i,s:i}},s:o}", "range", "start", "line", 0,
                             "character", 0, "end", "line", last, "character",
                             text_utf16(d->text + ls, d->len - ls), "newText", text_json(out, n)));
    }
    free(out);
    return edits;
}
