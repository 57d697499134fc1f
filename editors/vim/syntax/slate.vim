" syntax/slate.vim - highlighting for slate policy files (docs/language.md).
" Keywords follow grammar/lexer.l (tests/cli/editors.sh checks every bundled
" policy against it).  Only highlighting: diagnostics, completion and
" formatting come from `slate lsp` through an LSP client (editors/README.md).
if exists("b:current_syntax")
  finish
endif

syn case match
syn iskeyword @,48-57,_

syn keyword slateDeclaration policy version calendar case levels events clock ladder sla
syn keyword slateType        enum bool int string duration
syn keyword slateBoolean     true false
syn keyword slateLogical     and or not in
syn keyword slateAction      route assign escalate to notify set require open review emit
syn keyword slateKeyword     zone hours closed starts stops pauses resumes resets on while at of
syn keyword slateKeyword     breach before when within working day days hour required until as
syn match   slateKeyword     "\<late\s\+from\s\+change\>"

" literals: the longest form first, as the lexer reads them
syn match   slateNumber      "\<\d\+\>"
syn match   slateDuration    "\<\d\+[A-Za-z_][A-Za-z0-9_]*\>"
syn match   slatePercent     "\<\d\+%"
syn match   slateTime        "\<\d\+:\d\+\>"
syn match   slateDate        "\<\d\+-\d\+-\d\+\>"
syn match   slateError       "\<\d\+\.\d\+[A-Za-z0-9_]*%\="
syn match   slateOperator    "==\|!=\|<=\|>=\|[<>=+]\|\.\."

syn match   slateEscape      contained "\\."
syn region  slateString      start=+"+ skip=+\\.+ end=+"+ end=+$+ oneline contains=slateEscape
syn match   slateComment     "#.*$" contains=@Spell

hi def link slateDeclaration Statement
hi def link slateType        Type
hi def link slateBoolean     Boolean
hi def link slateLogical     Operator
hi def link slateAction      Keyword
hi def link slateKeyword     Keyword
hi def link slateNumber      Number
hi def link slateDuration    Number
hi def link slatePercent     Number
hi def link slateTime        Constant
hi def link slateDate        Constant
hi def link slateError       Error
hi def link slateOperator    Operator
hi def link slateEscape      SpecialChar
hi def link slateString      String
hi def link slateComment     Comment

let b:current_syntax = "slate"
