# Makefile - builds the slate pipeline in the order the data flows:
#   grammar/ (flex + bison) -> compiler/ -> bytecode/ -> runtime/ -> runtime/log/,
#   with io/ audit/ policytest/ import/ serve/ eventgen/ under the commands in
#   cli/ (see "modules")
#
#   make            build build/slate, build/libslate.a, build/libslate.so
#   make test       install missing build dependencies, build, run every test, then
#                   run the unit tests again under AddressSanitizer + UBSan
#   make demo       the reference policy on a generated day of events
#   make install    PREFIX=/usr/local: libslate, libslatelog and libslatec, static and
#                   shared, their headers and pkg-config files (slate, slatelog,
#                   slatec; `pkg-config --static` for static linking), the CLI, its
#                   man pages slate(1) and slate-language(5), bash and zsh completion
#   make check-tsan a ThreadSanitizer build of the runtime and tests/tsan/threads.c
#                   (engines on threads sharing programs, hot swaps); `make test` runs it
#
# Sources are found by wildcard: a new .c file in a module's folder or a new
# tests/unit/test_*.c needs no edit here.

B        ?= build
SAN      ?=
PREFIX   ?= /usr/local
CC       := cc

PKGS     := sqlite3 jansson nettle
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)
# The NATS client is linked only into what holds the commands (the CLI, the tests,
# the benchmark and fuzz binaries built from cli/ objects), never into libslate.
NATS_LIBS := $(shell pkg-config --libs libnats 2>/dev/null || echo -lnats) \
             $(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)

OPT      ?= -O2 -g
CFLAGS   := -std=c17 -Wall -Wextra -Werror $(OPT) -fPIC
MODFLAGS  = -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude $(MODINC) $(PKG_CFLAGS)
CPPFLAGS  = $(MODFLAGS) -MMD -MP
LDLIBS   := $(PKG_LIBS) -lm
ifeq ($(SAN),1)
  CFLAGS  += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
  LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(TSAN),1)
  CFLAGS  += -fsanitize=thread -fno-omit-frame-pointer
  LDFLAGS += -fsanitize=thread
endif

# ---- modules ---------------------------------------------------------------------
# One folder, one job (README "Layout").  Each module sees its own headers, the
# public ones in include/, and the headers of the modules it is listed as using
# here, nothing else: a file that includes another module's private header does
# not compile (tests/cli/layering.sh checks that it fails).
#
#   common/       civil dates, RFC 3339 instants, JSON string escaping, working-time
#                 calendars
#   bytecode/     the image format: opcodes, program tables, loader, verifier
#   grammar/      flex + bison: policy text -> AST
#   compiler/     AST -> checked, lowered, verified image (include/slatec.h)
#   runtime/      the engine: cases, clocks, timers, VM (include/slate.h); its
#                 export/ holds the headers other modules may use beyond slate.h
#   runtime/log/  the SQLite decision log: writer, verifier, reader
#   io/           events in (JSON Lines), decisions out, the event-stream runner
#   audit/        replay, diff, explain and report over a decision log
#   policytest/   the .test policy-test language
#   import/       public service logs (CSV) -> events
#   serve/        the live service: the partition function, the NATS JetStream
#                 layer (streams, publish, consumers, leases, checkpoints) under
#                 `slate publish`, and the worker of `slate serve` (engines per
#                 partition, ticks, reloads, /metrics over libmicrohttpd)
#   eventgen/     a simulated service desk (the reference policy's): `slate gen`
#   lsp/          the language server of `slate lsp`: JSON-RPC over a pair of
#                 streams, answers from the compiler's own front end (names, spans)
#                 and libslatec (diagnostics, formatting)
#   cli/          the `slate` commands, one cmd_NAME.c each, over the above
INC_common      := -Icommon
INC_bytecode    := -Ibytecode $(INC_common)
INC_runtime     := -Iruntime -Iruntime/export $(INC_bytecode)
INC_log         := -Iruntime/log $(INC_common)
INC_grammar     := -Igrammar -Icompiler -I$(B)/gen $(INC_bytecode)
INC_compiler    := -Icompiler -Igrammar -I$(B)/gen $(INC_bytecode)
# audit, cli and the benchmark drivers compile policies through include/slatec.h
# only; io finds "did you mean" in common/suggest.h.
INC_io          := -Iio -Iruntime/export $(INC_common)
INC_audit       := -Iaudit -Iio -Iruntime/export $(INC_common)
INC_policytest  := -Ipolicytest $(INC_common)
INC_import      := -Iimport $(INC_common) -Icompiler
# serve/ runs engines (slate_engine_*), reads events and numbers decisions as
# `slate run` does (io/), and compiles policies on reload (include/slatec.h).
INC_serve       := -Iserve -Iio -Iruntime/export $(INC_common)
INC_eventgen    := -Ieventgen $(INC_common)
# lsp/ reads the checked tree (frontend.h, ast.h) for names and their spans.
INC_lsp         := -Ilsp -Icompiler -Igrammar -I$(B)/gen $(INC_bytecode)
INC_cli         := -Icli -Iio -Iruntime/export -Iaudit -Ipolicytest -Iimport -Iserve -Ieventgen -Ilsp \
                   $(INC_common)
# The benchmark drivers: the event reader and the public and export headers.
INC_bench       := -Ibench -Iio -Iruntime/export $(INC_common)
# White-box: the unit tests and the fuzz harness see every module.
INC_all         := -Itests/unit -Ibench $(INC_cli) -Icompiler -Igrammar -I$(B)/gen -Ibytecode \
                   -Iruntime -Iruntime/log

$(B)/obj/common/%.o:     MODINC = $(INC_common)
$(B)/obj/bytecode/%.o:   MODINC = $(INC_bytecode)
$(B)/obj/runtime/%.o:    MODINC = $(INC_runtime)
$(B)/obj/runtime/log/%.o: MODINC = $(INC_log)
$(B)/obj/grammar/%.o:    MODINC = $(INC_grammar)
$(B)/obj/gen/%.o:        MODINC = $(INC_grammar)
$(B)/obj/compiler/%.o:   MODINC = $(INC_compiler)
$(B)/obj/io/%.o:         MODINC = $(INC_io)
$(B)/obj/audit/%.o:      MODINC = $(INC_audit)
$(B)/obj/policytest/%.o: MODINC = $(INC_policytest)
$(B)/obj/import/%.o:     MODINC = $(INC_import)
$(B)/obj/serve/%.o:      MODINC = $(INC_serve)
$(B)/obj/eventgen/%.o:   MODINC = $(INC_eventgen)
$(B)/obj/lsp/%.o:        MODINC = $(INC_lsp)
$(B)/obj/cli/%.o:        MODINC = $(INC_cli)
$(B)/obj/bench/%.o:      MODINC = $(INC_bench)

# The flags a module's files compile with, for tests/cli/layering.sh (so it does
# not repeat the lists above):  make -s print-flags MOD=io  (MOD: a suffix of INC_*)
.PHONY: print-flags
print-flags: MODINC = $(INC_$(MOD))
print-flags:
	@$(if $(filter undefined,$(origin INC_$(MOD))),echo "print-flags: no module INC_$(MOD)" >&2; exit 2)
	@echo $(MODFLAGS) $(CFLAGS)

GEN_C      := $(B)/gen/lexer.c $(B)/gen/parser.c
COMPILER_C := $(wildcard compiler/*.c) $(wildcard grammar/*.c)
RUNTIME_C  := $(wildcard common/*.c) $(wildcard bytecode/*.c) $(wildcard runtime/*.c)
LOG_C      := $(wildcard runtime/log/*.c)
TOOLS_C    := $(wildcard io/*.c) $(wildcard audit/*.c) $(wildcard policytest/*.c) \
              $(wildcard import/*.c) $(wildcard serve/*.c) $(wildcard eventgen/*.c) \
              $(wildcard lsp/*.c)
CLI_C      := $(wildcard cli/*.c) $(TOOLS_C)
TEST_C     := $(wildcard tests/unit/test_*.c)

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))
COMPILER_O := $(call obj,$(COMPILER_C)) $(B)/obj/gen/lexer.o $(B)/obj/gen/parser.o
RUNTIME_O  := $(call obj,$(RUNTIME_C))
LOG_O      := $(call obj,$(LOG_C))
CLI_O      := $(call obj,$(CLI_C))
TESTS      := $(patsubst tests/unit/%.c,$(B)/tests/%,$(TEST_C))
LIBS       := $(B)/obj/libslatec-all.a $(B)/obj/libslatelog-all.a $(B)/obj/libslate-all.a

.PHONY: all deps test unit-tests run-tests demo clean install bench fuzz fuzz-build
all: $(B)/slate $(B)/libslate.so $(B)/libslate.a $(B)/libslatelog.a $(B)/libslatelog.so \
     $(B)/libslatec.a $(B)/libslatec.so $(B)/examples/embed $(B)/man/slate.1

deps:
	@tools/deps.sh

# ---- grammar: the generated scanner and parser --------------------------------
# `&:` (grouped targets, GNU make 4.3): one bison run makes both files, so a
# parallel make never runs it twice at once on the same outputs.
$(B)/gen/parser.c $(B)/gen/parser.h &: grammar/parser.y
	@mkdir -p $(B)/gen
	bison -Wall -Werror --header=$(B)/gen/parser.h -o $(B)/gen/parser.c $<

$(B)/gen/lexer.c $(B)/gen/lexer.h &: grammar/lexer.l
	@mkdir -p $(B)/gen
	flex --header-file=$(B)/gen/lexer.h -o $(B)/gen/lexer.c $<

# flex's skeleton compares signed with unsigned; that is its code, not ours.
$(B)/obj/gen/lexer.o: $(B)/gen/lexer.c $(B)/gen/parser.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-sign-compare -Wno-unused-function -c -o $@ $<
$(B)/obj/gen/parser.o: $(B)/gen/parser.c $(B)/gen/lexer.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# Every hand-written object may include the generated headers indirectly.
$(B)/obj/%.o: %.c | $(B)/gen/parser.h $(B)/gen/lexer.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# ---- libraries and the CLI ------------------------------------------------------
# libslate and libslatelog export only what include/slate.h and slate_log.h mark
# SLATE_API: their objects are compiled with hidden visibility, which the shared
# library honours, and each static archive is one object, partially linked
# (ld -r) with every hidden name made local (objcopy --localize-hidden), so an
# application's own `st_init` neither replaces the library's nor clashes with it
# (tests/cli/symbols.sh).  libslatelog gets private copies of the common/ helpers
# it may use.  The CLI, the tests and the benchmarks call internals, so they link
# the plain archives of the same objects in $(B)/obj/ (LIBS).
OBJCOPY    ?= objcopy
COMMON_O   := $(call obj,$(wildcard common/*.c))
$(RUNTIME_O) $(LOG_O): CFLAGS += -fvisibility=hidden
# $(call public_archive,OBJECTS): the recipe of a public static library $@
public_archive = $(LD) -r -o $(@:.a=.o) $(1) && $(OBJCOPY) --localize-hidden $(@:.a=.o) && \
                 rm -f $@ && $(AR) rcs $@ $(@:.a=.o) && rm -f $(@:.a=.o)

# libslatec keeps only the slatec_ names global, and carries private copies of
# the image format and common/ helpers it compiles with, so it links beside
# libslate.a (whose copies are local to it) with no clash.
BYTECODE_O := $(call obj,$(wildcard bytecode/*.c))
$(B)/libslatec.a: $(COMPILER_O) $(BYTECODE_O) $(COMMON_O)
	$(LD) -r -o $(@:.a=.o) $^ && \
	  nm --defined-only -g $(@:.a=.o) | awk 'NF == 3 && $$3 ~ /^slatec_/ { print $$3 }' > $(@:.a=.keep) && \
	  $(OBJCOPY) --keep-global-symbols=$(@:.a=.keep) $(@:.a=.o) && \
	  rm -f $@ && $(AR) rcs $@ $(@:.a=.o) && rm -f $(@:.a=.o) $(@:.a=.keep)
$(B)/obj/libslatec-all.a: $(COMPILER_O)
	rm -f $@ && $(AR) rcs $@ $^
$(B)/obj/libslate-all.a: $(RUNTIME_O)
	rm -f $@ && $(AR) rcs $@ $^
$(B)/obj/libslatelog-all.a: $(LOG_O)
	rm -f $@ && $(AR) rcs $@ $^
$(B)/libslate.a: $(RUNTIME_O)
	$(call public_archive,$^)
$(B)/libslatelog.a: $(LOG_O) $(COMMON_O)
	$(call public_archive,$^)
$(B)/libslate.so: $(RUNTIME_O)
	$(CC) -shared $(LDFLAGS) -Wl,-soname,libslate.so.0 -o $@ $^ -lnettle -lm
# libslatelog needs nothing of libslate (its common/ helpers are private copies).
$(B)/libslatelog.so: $(LOG_O) $(COMMON_O)
	$(CC) -shared $(LDFLAGS) -Wl,-soname,libslatelog.so.0 -o $@ $^ -lsqlite3 -lnettle -lm
# The shared compiler (bindings/python compiles policies with it): slatec_ names
# only, by a version script, since the compiler's objects are not built hidden.
$(B)/libslatec.so: $(COMPILER_O) $(BYTECODE_O) $(COMMON_O)
	printf '{ global: slatec_*; local: *; };\n' > $(@:.so=.map)
	$(CC) -shared $(LDFLAGS) -Wl,-soname,libslatec.so.0 -Wl,--version-script=$(@:.so=.map) \
	    -o $@ $^ -lnettle -lm

$(B)/slate: $(CLI_O) $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $(CLI_O) $(LIBS) $(LDLIBS) $(NATS_LIBS)

# The embedding example: slate.h and libslate.a only, as an embedder builds it.
$(B)/examples/embed: examples/embed.c $(B)/libslate.a include/slate.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -Iinclude -o $@ $< $(B)/libslate.a $(LDLIBS)

# ---- tests ------------------------------------------------------------------------
# Unit tests may use anything but the CLI's main(): cli objects other than main.o
# are linked in so command code is testable in process.
CLI_LIB_O := $(filter-out $(B)/obj/cli/main.o,$(CLI_O))
# The benchmark's hand-written baseline is built with the tests so the
# equivalence test (test_bench_equiv) keeps it honest in every `make test`.
BENCH_O := $(call obj,bench/bstream.c bench/handwritten.c)
$(B)/tests/test_bench_equiv $(B)/tests/test_embed $(B)/tests/test_snapshot $(B)/tests/test_late: $(BENCH_O)
$(B)/tests/%: MODINC = $(INC_all)
$(B)/tests/%: tests/unit/%.c $(CLI_LIB_O) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(filter $(B)/obj/bench/%.o,$^) $(CLI_LIB_O) $(LIBS) $(LDLIBS) $(NATS_LIBS) $(CMOCKA_LIBS)

# The fuzz harness bodies test_fuzz_regress includes (test binaries keep no .d files).
$(B)/tests/test_fuzz_regress: tests/fuzz/harness.c tests/fuzz/logread.c tests/fuzz/harness.h

unit-tests: $(TESTS) $(B)/slate $(B)/examples/embed $(B)/libslate.so $(B)/libslatelog.a \
            $(B)/libslatelog.so $(B)/libslatec.so

run-tests: unit-tests
	@tests/run.sh $(B)

# The builds use every core; the tests themselves run one suite at a time.
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
test: deps
	@$(MAKE) --no-print-directory -j$(JOBS) unit-tests
	@$(MAKE) --no-print-directory -j$(JOBS) B=build/san SAN=1 unit-tests
	@tests/run.sh build build/san
	@$(MAKE) --no-print-directory -j$(JOBS) check-tsan

# ---- ThreadSanitizer (issue 17) ------------------------------------------------------
# Only the runtime's objects and the test are built with -fsanitize=thread (in
# build/tsan); the two images come from the plain build's `slate build`: the
# reference policy, and the same without one ladder step, so swaps between them
# carry fired steps a program lacks.  TSan halts at the first report.
TSAN_B := build/tsan
.PHONY: check-tsan
check-tsan: $(B)/slate
	@$(MAKE) --no-print-directory B=$(TSAN_B) TSAN=1 $(TSAN_B)/tsan_threads
	@$(B)/slate build -q policies/service-2025.slate -o $(TSAN_B)/a.slc
	@sed '/at 25% of resolution/d' policies/service-2025.slate > $(TSAN_B)/b.slate
	@$(B)/slate build -q $(TSAN_B)/b.slate -o $(TSAN_B)/b.slc
	@TSAN_OPTIONS="halt_on_error=1 exitcode=66 $${TSAN_OPTIONS:-}" \
	    $(TSAN_B)/tsan_threads $(TSAN_B)/a.slc $(TSAN_B)/b.slc

$(B)/tsan_threads: tests/tsan/threads.c $(RUNTIME_O) include/slate.h
	$(CC) $(CFLAGS) $(LDFLAGS) -Iinclude -o $@ $< $(RUNTIME_O) -lnettle -lm -lpthread

# slate(1) from the commands' own --help texts (tools/mkman.sh), so it says
# what they do; slate-language(5) is man/slate-language.5 as written.
SLATE_VERSION_STR = $(shell sed -n 's/^\#define SLATE_VERSION "\(.*\)"/\1/p' include/slate_version.h)
$(B)/man/slate.1: $(B)/slate man/slate.1.in tools/mkman.sh
	@mkdir -p $(dir $@)
	tools/mkman.sh $(B)/slate $(SLATE_VERSION_STR) > $@.tmp && mv $@.tmp $@

# Most of a first `make demo` is compiling: on every core, like `make test`.
demo: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@tools/demo.sh $(B)

# ---- benchmarks (issue 7): an -O2 build of its own, then bench/run.sh ------------
BENCH_B := build/bench
bench: deps
	@bench/deps.sh $(BENCH_B) || echo "bench: bench/deps.sh failed; peers without their packages are skipped"
	@$(MAKE) --no-print-directory B=$(BENCH_B) OPT="-O2 -g" all $(BENCH_B)/slate-bench bench-peers
	@bench/run.sh $(BENCH_B)

$(B)/slate-bench: $(B)/obj/bench/capi.o $(BENCH_O) $(CLI_LIB_O) $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(NATS_LIBS)

# ---- fuzzing (not part of `make test`): libFuzzer targets in build/fuzz/ ------
# The whole library is rebuilt with clang under ASan + UBSan and libFuzzer's
# coverage; each target runs FUZZ_SECONDS (FUZZ_JOBS at a time).  The harness
# bodies are tests/fuzz/harness.c (and logread.c, the log readers' target);
# test_fuzz_regress replays tests/fuzz/regress/.
# -Wno-sizeof-pointer-memaccess: clang (not gcc) flags casestore.c's free-list
# links, memcpy(p, &head, sizeof p), which are meant.
FUZZ_B       := build/fuzz
FUZZ_TARGETS ?= frontend load events fmt logread snapshot
FUZZ_SECONDS ?= 60
FUZZ_OPT     := -O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=all -Wno-sizeof-pointer-memaccess \
                -fsanitize=fuzzer-no-link,address,undefined
fuzz: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory B=$(FUZZ_B) CC=clang OPT="$(FUZZ_OPT)" fuzz-build
	@FUZZ_JOBS=$${FUZZ_JOBS:-1} tests/fuzz/run.sh $(FUZZ_B) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-build: $(patsubst %,$(B)/fuzz_%,$(FUZZ_TARGETS))

$(B)/fuzz_%: MODINC = $(INC_all)
$(B)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/harness.c tests/fuzz/logread.c tests/fuzz/harness.h \
             $(CLI_LIB_O) $(LIBS)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer -Itests/fuzz -o $@ $< tests/fuzz/harness.c \
	    tests/fuzz/logread.c \
	    $(CLI_LIB_O) $(LIBS) $(LDLIBS) $(NATS_LIBS)

# The peer baselines (bench/RESULTS.md): built only by `make bench`, and only for
# the packages bench/deps.sh could install; `make test` needs none of them.
havepc = $(shell pkg-config --exists $(1) 2>/dev/null && echo y)
BENCH_PEERS := $(if $(call havepc,lua5.4),$(B)/slate-lua54) \
               $(if $(call havepc,luajit),$(B)/slate-luajit) \
               $(if $(wildcard /usr/include/clips/clips.h),$(B)/slate-clips) \
               $(if $(call havepc,simdjson),$(B)/slate-floor)
.PHONY: bench-peers
bench-peers: $(BENCH_PEERS) $(B)/slate-peercheck
# CLIPS's headers are old C: built without -Werror's extra warnings on them.
$(B)/slate-clips: MODINC = $(INC_bench)
$(B)/slate-clips: bench/embed_clips.c $(BENCH_O) $(CLI_LIB_O) $(LIBS)
	$(CC) $(CPPFLAGS) $(CFLAGS) -isystem /usr/include/clips $(LDFLAGS) -o $@ $< \
	    $(BENCH_O) $(CLI_LIB_O) $(LIBS) $(LDLIBS) $(NATS_LIBS) /usr/lib/libclips.a -lm
$(B)/slate-peercheck: $(B)/obj/bench/peercheck.o $(BENCH_O) $(CLI_LIB_O) $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(NATS_LIBS)
$(B)/slate-lua54: MODINC = $(INC_bench)
$(B)/slate-lua54: bench/embed_lua.c $(BENCH_O) $(CLI_LIB_O) $(LIBS)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(shell pkg-config --cflags lua5.4) $(LDFLAGS) -o $@ $< \
	    $(BENCH_O) $(CLI_LIB_O) $(LIBS) $(LDLIBS) $(NATS_LIBS) $(shell pkg-config --libs lua5.4)
$(B)/slate-luajit: MODINC = $(INC_bench)
$(B)/slate-luajit: bench/embed_lua.c $(BENCH_O) $(CLI_LIB_O) $(LIBS)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(shell pkg-config --cflags luajit) $(LDFLAGS) -o $@ $< \
	    $(BENCH_O) $(CLI_LIB_O) $(LIBS) $(LDLIBS) $(NATS_LIBS) $(shell pkg-config --libs luajit)

# The JSON Lines floor (issue 16): C++ over simdjson, nothing of slate linked in.
$(B)/slate-floor: bench/floor.cpp
	@mkdir -p $(@D)
	$(CXX) -std=c++17 -O2 -g -Wall -Wextra -Werror $(shell pkg-config --cflags simdjson) -o $@ $< \
	    $(shell pkg-config --libs simdjson)

# pkg-config files: include/NAME.pc.in with the prefix and version filled in.
PC_FILES := slate slatelog slatec
install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include \
	    $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig
	for l in slate slatelog slatec; do \
	    install -m 644 $(B)/lib$$l.a $(DESTDIR)$(PREFIX)/lib/ && \
	    install -m 755 $(B)/lib$$l.so $(DESTDIR)$(PREFIX)/lib/lib$$l.so.0 && \
	    ln -sf lib$$l.so.0 $(DESTDIR)$(PREFIX)/lib/lib$$l.so || exit 1; \
	done
	install -m 644 include/slate.h include/slate_version.h include/slatec.h include/slate_log.h \
	    $(DESTDIR)$(PREFIX)/include/
	install -m 755 $(B)/slate $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions
	install -m 644 $(B)/man/slate.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/slate-language.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 tools/completion/slate.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/slate
	install -m 644 tools/completion/_slate $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_slate
	for pc in $(PC_FILES); do \
	    sed -e 's|@PREFIX@|$(PREFIX)|' \
	        -e "s|@VERSION@|$$(sed -n 's/^#define SLATE_VERSION \"\(.*\)\"/\1/p' include/slate_version.h)|" \
	        include/$$pc.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/$$pc.pc || exit 1; \
	done

clean:
	rm -rf build

-include $(shell find $(B)/obj $(B)/tests -name '*.d' 2>/dev/null)
