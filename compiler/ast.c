/*
 * ast.c - construction helpers for the AST.  The tree itself is plain structs
 * (ast.h); this file only owns allocation and the tables of built-in names.
 */
#include "ast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ast_builtin_events[AST_NBUILTIN_EVENTS] = {
    "opened", "responded", "updated", "paused", "resumed", "resolved",
    "reopened", "closed", "followed_up", "surveyed", "reviewed", "tick",
};

ast_policy *ast_new(const char *file)
{
    ast_policy *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->file = ast_strdup(p, file ? file : "<input>", strlen(file ? file : "<input>"));
    return p;
}

void ast_free(ast_policy *p)
{
    if (!p) return;
    arena_free(&p->mem);
    free(p);
}

void *ast_alloc(ast_policy *p, size_t size)
{
    void *m = arena_alloc(&p->mem, size);
    if (!m) {
        fputs("slate: out of memory\n", stderr);
        abort();
    }
    return m;
}

const char *ast_strdup(ast_policy *p, const char *s, size_t len)
{
    char *d = ast_alloc(p, len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

const char *ast_type_name(ast_type_kind k)
{
    switch (k) {
    case TY_INT: return "int";
    case TY_BOOL: return "bool";
    case TY_STRING: return "string";
    case TY_DURATION: return "duration";
    case TY_ENUM: return "enum";
    case TY_LEVEL: return "level";
    case TY_ERROR: break;
    }
    return "unknown";
}

const char *ast_cmp_name(ast_cmp_op op)
{
    static const char *const names[] = {"==", "!=", "<", "<=", ">", ">="};
    return names[op];
}
