/* parser.y - placeholder grammar (being replaced by the full language grammar). */
%define api.pure full
%locations
%param {void *scanner}
%parse-param {ast_policy *pol} {diag_ctx *dg}
%code requires {
#include "ast.h"
#include "diag.h"
}
%union { const char *str; }
%code {
#include "lexer.h"
static void yyerror(YYLTYPE *l, void *s, ast_policy *p, diag_ctx *d, const char *m)
{ (void)s; (void)p; src_loc loc = {l->first_line, l->first_column, l->last_line, l->last_column}; diag_error(d, loc, NULL, "%s", m); }
}
%token T_POLICY T_ERROR
%token <str> T_STRING
%%
file: T_POLICY T_STRING { pol->name = $2; } ;
%%
#include "parse.h"
ast_policy *parse_policy(const char *file, const char *src, size_t len, diag_ctx *d)
{
    ast_policy *p = ast_new(file);
    void *sc;
    yylex_init(&sc);
    YY_BUFFER_STATE b = yy_scan_bytes(src, (int)len, sc);
    yyparse(sc, p, d);
    yy_delete_buffer(b, sc);
    yylex_destroy(sc);
    return p;
}
