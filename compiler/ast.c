/*
 * ast.c - construction helpers for the AST.  The tree itself is plain structs
 * (ast.h); this file only owns allocation and the tables of built-in names.
 */
#include "ast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ast_builtin_events[AST_NBUILTIN_EVENTS] = {
#define BUILTIN_EVENT(id, name, meaning) name,
#include "builtins.def"
#undef BUILTIN_EVENT
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

int ast_expr_equal(const ast_expr *a, const ast_expr *b, ast_name_eq_fn *name_eq)
{
    if (!a || !b) return a == b;
    if (a->kind != b->kind) return 0;
    switch (a->kind) {
    case EX_INT:
    case EX_BOOL:
    case EX_DURATION: return a->u.ival == b->u.ival;
    case EX_STRING: return !strcmp(a->u.sval, b->u.sval);
    case EX_NAME: return name_eq ? name_eq(a, b) : !strcmp(a->u.sval, b->u.sval);
    case EX_NOT: return ast_expr_equal(a->u.operand, b->u.operand, name_eq);
    case EX_AND:
    case EX_OR:
        return ast_expr_equal(a->u.bin.l, b->u.bin.l, name_eq) &&
               ast_expr_equal(a->u.bin.r, b->u.bin.r, name_eq);
    case EX_CMP:
        return a->u.bin.op == b->u.bin.op && ast_expr_equal(a->u.bin.l, b->u.bin.l, name_eq) &&
               ast_expr_equal(a->u.bin.r, b->u.bin.r, name_eq);
    case EX_IN: {
        if (!ast_expr_equal(a->u.in.l, b->u.in.l, name_eq)) return 0;
        const ast_expr *x = a->u.in.items, *y = b->u.in.items;
        for (; x && y; x = x->next, y = y->next)
            if (!ast_expr_equal(x, y, name_eq)) return 0;
        return !x && !y;
    }
    }
    return 0;
}
