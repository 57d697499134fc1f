/*
 * gsupport.h - what parser.y and gsupport.c share (private to grammar/).
 *
 * Includes bison's generated header for the token kinds and the YYSTYPE/YYLTYPE
 * types, so it can only be included after the grammar is generated; gstate.h
 * (included from there) holds the parse state.  Nothing outside grammar/
 * includes it: parse.h is the interface.
 */
#ifndef SLATE_GSUPPORT_H
#define SLATE_GSUPPORT_H

#include "ast.h"
#include "gstate.h"
#include "parser.h"

/* A bison location as the AST's src_loc. */
static inline src_loc gr_loc(SLATE_YYLTYPE l)
{
    src_loc s = {l.first_line, l.first_column, l.last_line, l.last_column};
    return s;
}

/* How a block is named in messages: "the `calendar` block", ... */
const char *gr_block_phrase(gr_block_kind k);

/* The parser's yylex: the next token from the scanner, with open blocks tracked
 * in `ps` and synthetic `}` handed out when a declaration starts inside a block
 * (see gsupport.c).  Returns a token kind; fills *lval and *lloc. */
int slate_yylex(SLATE_YYSTYPE *lval, SLATE_YYLTYPE *lloc, gr_state *ps);

#endif
