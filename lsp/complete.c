/*
 * complete.c - completion for the language server: what may be typed at the
 * cursor, from the words just before it on the same line.  After `FIELD ==`,
 * `FIELD !=` or `FIELD in (`, the values of that field (levels after `level`);
 * after `escalate to`, levels; after `of`, clocks; after `ladder` in a tier,
 * ladders; after `on` (or `until`, `require`), events, or calendars after a
 * `within`; after a keyword that names a new thing (`clock NAME`), nothing;
 * elsewhere every name and keyword.  A guess from the line, not a parse: a
 * half-typed policy does not parse.  Names come from the last text that
 * checked far enough to declare them (index.c on the current text).
 */
#include <ctype.h>
#include <string.h>

#include "lsp_int.h"

/* LSP CompletionItemKind numbers. */
enum { CK_VARIABLE = 6, CK_CLASS = 7, CK_MODULE = 9, CK_KEYWORD = 14, CK_FIELD = 5,
       CK_ENUM_MEMBER = 20, CK_CONSTANT = 21, CK_EVENT = 23 };

static const char *const keywords[] = {
    "policy", "version", "calendar", "zone", "hours", "closed", "case", "enum", "bool", "int",
    "string", "duration", "levels", "events", "clock", "starts", "stops", "pauses", "resumes",
    "resets", "on", "while", "ladder", "at", "of", "breach", "before", "sla", "when", "within",
    "working", "day", "days", "hour", "route", "assign", "escalate", "to", "notify", "set",
    "require", "required", "until", "open", "review", "emit", "as", "and", "or", "not", "in",
    "true", "false", "late", "from", "change"};

static void item(json_t *out, const char *label, int kind, const char *detail)
{
    if (!label) return; /* a declaration cut short by a syntax error */
    json_array_append_new(out, json_pack("{s:s,s:i,s:s}", "label", label, "kind", kind, "detail",
                                         detail));
}

enum { WANT_ALL, WANT_VALUES, WANT_LEVELS, WANT_CLOCKS, WANT_LADDERS, WANT_EVENTS, WANT_CALENDARS,
       WANT_NOTHING };

/* The line's words before the cursor (the word being typed left out), last
 * MAXTOK kept: identifiers, and the operators == != ( , as words of their own. */
#define MAXTOK 32
#define TOKLEN 64
typedef struct toks {
    char t[MAXTOK][TOKLEN];
    int n;
    int within; /* a `within` earlier on the line */
} toks;

static void push(toks *k, const char *s, size_t n)
{
    if (n >= TOKLEN) n = TOKLEN - 1;
    if (k->n == MAXTOK) {
        memmove(k->t[0], k->t[1], sizeof k->t[0] * (MAXTOK - 1));
        k->n--;
    }
    memcpy(k->t[k->n], s, n);
    k->t[k->n++][n] = '\0';
    if (n == 6 && !memcmp(s, "within", 6)) k->within = 1;
}

static void tokenize(toks *k, const char *s, size_t n)
{
    memset(k, 0, sizeof *k);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == '#') break;
        if (isalnum(c) || c == '_' || c == '%') {
            size_t j = i;
            while (j < n && (isalnum((unsigned char)s[j]) || s[j] == '_' || s[j] == '%')) j++;
            push(k, s + i, j - i);
            i = j;
        } else if (c == '"') {
            size_t j = i + 1;
            while (j < n && s[j] != '"') j += s[j] == '\\' ? 2 : 1;
            push(k, "\"\"", 2);
            i = j + 1;
        } else if ((c == '=' || c == '!') && i + 1 < n && s[i + 1] == '=') {
            push(k, s + i, 2);
            i += 2;
        } else if (c == '(' || c == ',' || c == ')' || c == '{' || c == ';' || c == ':') {
            push(k, s + i, 1);
            i++;
        } else {
            i++;
        }
    }
}

static int is(const toks *k, int from_end, const char *w)
{
    int i = k->n - 1 - from_end;
    return i >= 0 && !strcmp(k->t[i], w);
}

/* What fits after the words; *subject the field whose values are wanted. */
static int want(const toks *k, const char **subject)
{
    if (k->n == 0) return WANT_ALL;
    if (k->n >= 2 && (is(k, 0, "==") || is(k, 0, "!="))) {
        *subject = k->t[k->n - 2];
        return WANT_VALUES;
    }
    /* skip back over a list `a, b,` to what it follows */
    int i = k->n - 1;
    if (!strcmp(k->t[i], ",")) {
        while (i >= 1 && !strcmp(k->t[i], ",")) i -= 2;
        if (i < 0) return WANT_ALL;
    }
    const char *w = k->t[i];
    if (!strcmp(w, "(") && i >= 2 && !strcmp(k->t[i - 1], "in")) {
        *subject = k->t[i - 2];
        return WANT_VALUES;
    }
    if (!strcmp(w, "to") && i >= 1 && !strcmp(k->t[i - 1], "escalate")) return WANT_LEVELS;
    if (!strcmp(w, "of")) return WANT_CLOCKS;
    if (!strcmp(w, "ladder") && i > 0) return WANT_LADDERS;
    if (!strcmp(w, "on")) return k->within ? WANT_CALENDARS : WANT_EVENTS;
    if (!strcmp(w, "until") || !strcmp(w, "require") || !strcmp(w, "required")) return WANT_EVENTS;
    if (i == 0 && (!strcmp(w, "clock") || !strcmp(w, "sla") || !strcmp(w, "ladder") ||
                   !strcmp(w, "calendar")))
        return WANT_NOTHING;
    return WANT_ALL;
}

static void values_of(json_t *out, const lsp_index *x, const char *subject)
{
    const ast_policy *p = x->fe.ast;
    if (!strcmp(subject, "level")) {
        for (const ast_ident *l = p->levels; l; l = l->next) item(out, l->name, CK_CONSTANT, "level");
        return;
    }
    const ast_field *f = idx_field(x, subject);
    if (f && f->kind == TY_BOOL) {
        item(out, "true", CK_KEYWORD, "bool");
        item(out, "false", CK_KEYWORD, "bool");
    } else if (f && f->kind == TY_ENUM) {
        char detail[160];
        snprintf(detail, sizeof detail, "value of %s", f->name.name);
        for (const ast_ident *v = f->values; v; v = v->next) item(out, v->name, CK_ENUM_MEMBER, detail);
    }
}

static void events(json_t *out, const ast_policy *p)
{
    for (int i = 0; i < AST_NBUILTIN_EVENTS; i++) item(out, ast_builtin_events[i], CK_EVENT, "built-in event");
    for (const ast_ident *e = p->events; e; e = e->next) item(out, e->name, CK_EVENT, "event");
}

json_t *feat_completion(const lsp_doc *d, int line, int ch)
{
    lsp_index x;
    json_t *out = NULL;
    if (idx_build(&x, doc_file(d), d->text, d->len)) goto done;
    const ast_policy *p = x.fe.ast;
    size_t ls = text_line_start(d->text, d->len, line);
    size_t at = text_offset(d->text, d->len, line, ch);
    if (at < ls) at = ls;
    size_t w = at; /* the start of the word being typed */
    while (w > ls && (isalnum((unsigned char)d->text[w - 1]) || d->text[w - 1] == '_')) w--;
    toks k;
    tokenize(&k, d->text + ls, w - ls);
    const char *subject = NULL;
    int what = want(&k, &subject);
    out = json_array();
    switch (what) {
    case WANT_VALUES: values_of(out, &x, subject); break;
    case WANT_LEVELS: values_of(out, &x, "level"); break;
    case WANT_CLOCKS:
        for (const ast_clock *c = p->clocks; c; c = c->next) item(out, c->name.name, CK_VARIABLE, "clock");
        break;
    case WANT_LADDERS:
        for (const ast_ladder *l = p->ladders; l; l = l->next) item(out, l->name.name, CK_CLASS, "ladder");
        break;
    case WANT_EVENTS: events(out, p); break;
    case WANT_CALENDARS:
        for (const ast_calendar *c = p->calendars; c; c = c->next)
            item(out, c->name.name, CK_MODULE, "calendar");
        break;
    case WANT_NOTHING: break;
    default:
        for (const ast_field *f = p->fields; f; f = f->next) {
            if (!f->name.name) continue;
            item(out, f->name.name, CK_FIELD, ast_type_name(f->kind));
            char detail[160];
            snprintf(detail, sizeof detail, "value of %s", f->name.name);
            for (const ast_ident *v = f->values; v; v = v->next) item(out, v->name, CK_ENUM_MEMBER, detail);
        }
        item(out, "level", CK_FIELD, "the escalation level");
        values_of(out, &x, "level");
        for (const ast_clock *c = p->clocks; c; c = c->next) item(out, c->name.name, CK_VARIABLE, "clock");
        for (const ast_ladder *l = p->ladders; l; l = l->next) item(out, l->name.name, CK_CLASS, "ladder");
        for (const ast_calendar *c = p->calendars; c; c = c->next)
            item(out, c->name.name, CK_MODULE, "calendar");
        events(out, p);
        for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++)
            item(out, keywords[i], CK_KEYWORD, "keyword");
    }
done:
    idx_free(&x);
    return out;
}
