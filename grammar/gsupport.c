/*
 * gsupport.c - the C side of the grammar: the token filter between the scanner
 * (lexer.l) and the parser (parser.y), and parse_policy(), the front door.
 *
 * Between the scanner and the parser sits slate_yylex(): it counts braces, and
 * when a token that can only start a declaration (`sla`, `clock`, end of file,
 * ...) arrives inside an open block it reports the missing `}` and hands the
 * parser the closing braces, so the next declaration parses cleanly.  Nothing
 * here knows the grammar's rules or phrases syntax errors (parser.y does, as
 * those need bison's symbol tables); there is no global state (gstate.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gsupport.h"
#include "parse.h"

/* flex's header defines yylex as its own scanner, slate_lxlex: fine here, where
 * only slate_lxlex is called by name. */
#include "lexer.h"

/* ---- between scanner and parser ------------------------------------------------ */

const char *gr_block_phrase(gr_block_kind k)
{
    switch (k) {
    case BLK_CALENDAR: return "the `calendar` block";
    case BLK_CASE: return "the `case` block";
    case BLK_ENUM: return "the `enum` values";
    case BLK_LEVELS: return "the `levels` list";
    case BLK_EVENTS: return "the `events` list";
    case BLK_LADDER: return "the `ladder` block";
    case BLK_SLA: return "the `sla` block";
    case BLK_RULE: return "the rule";
    case BLK_PLAIN: break;
    }
    return "the block";
}

/* Does `kind`, arriving inside an open block, prove that a `}` is missing?  True
 * for end of file and for words that only ever start a declaration.  `on` also
 * starts a target's or action's calendar (`within 4h on business`) and a field's
 * `required on`, so it counts only when it follows neither a duration nor
 * `required`; `ladder` also names a tier's ladder, so
 * it counts only outside an `sla` block. */
static int closes_blocks(const gr_state *ps, int kind)
{
    switch (kind) {
    case SLATE_YYEOF:
    case T_POLICY: case T_CALENDAR: case T_CASE: case T_LEVELS: case T_EVENTS:
    case T_CLOCK: case T_SLA:
        return 1;
    case T_ON:
        return ps->prev_kind != T_DURATION && ps->prev_kind != T_DAY &&
               ps->prev_kind != T_DAYS && ps->prev_kind != T_HOUR &&
               ps->prev_kind != T_HOURS && ps->prev_kind != T_REQUIRED;
    case T_LADDER: {
        int top = ps->depth - 1;
        return top < GR_MAX_NEST && ps->open[top].kind != BLK_SLA;
    }
    default:
        return 0;
    }
}

/* `reopen` is a keyword only where a declaration may start: at top level, after
 * a token that can end one (or at the start of the file).  Everywhere else at
 * top level a name there would follow a token that asks for one (`on`, `,`,
 * `clock`, an operator ...), so policies keep `reopen` as a name. */
static int ends_decl(int prev)
{
    switch (prev) {
    case 0: case '}': case ';': case ')': case T_STRING: case T_IDENT: case T_INT:
    case T_DURATION: case T_TRUE: case T_FALSE: case T_CHANGE: case T_DAY: case T_DAYS:
    case T_HOUR: case T_PERCENT:
        return 1;
    default:
        return 0;
    }
}

/* `on` right after `reopen` lists the reopening events (`reopen on E, E
 * within D`); anywhere else at top level it starts a rule (or follows a clock's
 * verb).  Before the period, not after it, so that a rule may follow. */
static int reopen_on(const gr_state *ps)
{
    return ps->prev_kind == T_REOPEN;
}

static void copy_text(char *dst, size_t size, const char *s, size_t n)
{
    if (n < size) {
        memcpy(dst, s, n);
        dst[n] = '\0';
    } else {
        memcpy(dst, s, size - 4);
        memcpy(dst + size - 4, "...", 4);
    }
}

/* The parser's yylex: tokens from the scanner, with block tracking and the
 * synthetic `}` described at the top of this file. */
int slate_yylex(YYSTYPE *lval, YYLTYPE *lloc, gr_state *ps)
{
    ps->synthetic = 0;
    if (ps->inject > 0) {
        ps->inject--;
        lloc->first_line = lloc->last_line = ps->prev_end.end_line;
        lloc->first_column = lloc->last_column = ps->prev_end.end_col;
        ps->synthetic = 1;
        ps->la_loc = ps->held.loc;
        memcpy(ps->la_text, ps->held_text, sizeof ps->la_text);
        return '}';
    }

    int kind;
    if (ps->have_held) {
        ps->have_held = 0;
        kind = ps->held.kind;
        memcpy(lval, &ps->held.val, sizeof ps->held.val < sizeof *lval ?
               sizeof ps->held.val : sizeof *lval);
        lloc->first_line = ps->held.loc.line;
        lloc->first_column = ps->held.loc.col;
        lloc->last_line = ps->held.loc.end_line;
        lloc->last_column = ps->held.loc.end_col;
        memcpy(ps->la_text, ps->held_text, sizeof ps->la_text);
    } else {
        for (;;) {
            kind = slate_lxlex(lval, lloc, ps->scanner);
            if (kind == SLATE_YYEOF) {
                int line = ps->prev_end.end_line ? ps->prev_end.end_line : 1;
                int col = ps->prev_end.end_line ? ps->prev_end.end_col : 1;
                lloc->first_line = lloc->last_line = line;
                lloc->first_column = col;
                lloc->last_column = col + 1;
                strcpy(ps->la_text, "end of file");
                break;
            }
            copy_text(ps->la_text, sizeof ps->la_text, slate_lxget_text(ps->scanner),
                      (size_t)slate_lxget_leng(ps->scanner));
            if (kind == '}' && ps->depth == 0) {
                diag_error(ps->d, gr_loc(*lloc), "remove it, or add the `{` it was meant to close",
                           "unmatched `}`");
                continue;
            }
            break;
        }
        if (ps->depth > 0 && closes_blocks(ps, kind)) {
            int top = ps->depth - 1 < GR_MAX_NEST ? ps->depth - 1 : GR_MAX_NEST - 1;
            char hint[96];
            snprintf(hint, sizeof hint, "the `{` on line %d is never closed",
                     ps->open[top].loc.line);
            diag_error(ps->d, gr_loc(*lloc), hint, "expected `}` to close %s, found %s%s%s",
                       gr_block_phrase(ps->open[top].kind), kind == SLATE_YYEOF ? "" : "`",
                       ps->la_text, kind == SLATE_YYEOF ? "" : "`");
            ps->held.kind = kind;
            memcpy(&ps->held.val, lval, sizeof ps->held.val < sizeof *lval ?
                   sizeof ps->held.val : sizeof *lval);
            ps->held.loc = gr_loc(*lloc);
            memcpy(ps->held_text, ps->la_text, sizeof ps->held_text);
            ps->have_held = 1;
            ps->inject = ps->depth;
            ps->depth = 0;
            return slate_yylex(lval, lloc, ps);
        }
    }

    /* At top level `on` either follows a clock's verb or starts a rule; the
     * grammar gets two tokens so error recovery can resynchronise on rules. */
    if (kind == T_ON && ps->depth == 0 && ps->prev_kind != T_STARTS &&
        ps->prev_kind != T_STOPS && ps->prev_kind != T_PAUSES &&
        ps->prev_kind != T_RESUMES && ps->prev_kind != T_RESETS && !reopen_on(ps))
        kind = T_RULE_ON;

    /* `starts late from change`: keywords there and only there (a clock's verb
     * is never followed by a name otherwise), so policies keep them as names */
    if (kind == T_IDENT) {
        if (ps->prev_kind == T_STARTS && !strcmp(ps->la_text, "late")) kind = T_LATE;
        else if (ps->prev_kind == T_LATE && !strcmp(ps->la_text, "from")) kind = T_FROM;
        else if (ps->prev_kind == T_FROM && !strcmp(ps->la_text, "change")) kind = T_CHANGE;
        else if (ps->depth == 0 && ends_decl(ps->prev_kind) && !strcmp(ps->la_text, "reopen"))
            kind = T_REOPEN;
    }

    switch (kind) {
    case T_RULE_ON: ps->pending = BLK_RULE; break;
    case T_CALENDAR: ps->pending = BLK_CALENDAR; break;
    case T_CASE: ps->pending = BLK_CASE; break;
    case T_ENUM: ps->pending = BLK_ENUM; break;
    case T_LEVELS: ps->pending = BLK_LEVELS; break;
    case T_EVENTS: ps->pending = BLK_EVENTS; break;
    case T_LADDER: if (ps->depth == 0) ps->pending = BLK_LADDER; break;
    case T_SLA: ps->pending = BLK_SLA; break;
    case '{':
        if (ps->depth < GR_MAX_NEST) {
            ps->open[ps->depth].kind = ps->pending;
            ps->open[ps->depth].loc = gr_loc(*lloc);
        }
        ps->depth++;
        ps->pending = BLK_PLAIN;
        break;
    case '}':
        ps->depth--;
        break;
    default:
        break;
    }
    ps->prev3_kind = ps->prev2_kind;
    ps->prev2_kind = ps->prev_kind;
    ps->prev_kind = kind;
    ps->prev_end = gr_loc(*lloc);
    ps->la_loc = gr_loc(*lloc);
    return kind;
}

/* ---- entry point ---------------------------------------------------------------- */

ast_policy *parse_policy(const char *file, const char *src, size_t len, diag_ctx *d)
{
    ast_policy *p = ast_new(file);
    if (!p) return NULL;
    gr_state ps;
    memset(&ps, 0, sizeof ps);
    ps.pol = p;
    ps.d = d;
    ps.line = ps.col = 1;
    if (len > (size_t)INT32_MAX - 2) {
        src_loc none = {0, 0, 0, 0};
        diag_error(d, none, NULL, "the file is too large to parse (%zu bytes)", len);
        return p;
    }
    if (slate_lxlex_init_extra(&ps, &ps.scanner)) {
        ast_free(p);
        return NULL;
    }
    YY_BUFFER_STATE buf = slate_lx_scan_bytes(src ? src : "", (int)len, ps.scanner);
    slate_yyparse(&ps);
    slate_lx_delete_buffer(buf, ps.scanner);
    slate_lxlex_destroy(ps.scanner);

    p->calendars = ps.calendars.head;
    p->fields = ps.fields.head;
    p->events = ps.events.head;
    p->clocks = ps.clocks.head;
    p->ladders = ps.ladders.head;
    p->slas = ps.slas.head;
    p->rules = ps.rules.head;
    if (!ps.have_header) {
        src_loc at = {1, 1, 1, 2};
        if (ps.ndecls) at = ps.first_decl;
        diag_error(d, at, "start the file with `policy \"NAME\" version \"VERSION\"`",
                   "missing `policy` header");
    }
    return p;
}
