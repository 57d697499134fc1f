" ftdetect/slate.vim - slate policy files (*.slate) get the `slate` filetype.
autocmd BufNewFile,BufRead *.slate setfiletype slate
