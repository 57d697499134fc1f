#!/usr/bin/env bash
# install.sh - `make install` as an embedder uses it (issue 17): install into a
# staging root (DESTDIR, PREFIX=/usr), then build against the installed files
# only, through pkg-config with PKG_CONFIG_PATH and PKG_CONFIG_SYSROOT_DIR:
#   - examples/embed.c, shared (`pkg-config --cflags --libs slate`) and fully
#     static (`cc -static ... pkg-config --static ...`): the same decisions as
#     the build's own example;
#   - a program that writes the audit log with libslatelog (slate + slatelog),
#     shared and static: its decisions are those `slate run` makes on the same
#     event lines, and `slate replay` accepts the log it wrote;
#   - a program that compiles a policy with libslatec (slatec), shared and static.
# A static link that lacks a library pkg-config should have named fails here.
#
# Run by tests/run.sh with $SLATE and $BUILD set.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
BUILD=${BUILD:?set BUILD to the build directory}
cd "$(dirname "$0")/../.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
fail() { echo "install.sh: $*" >&2; bad=1; }

root=$tmp/root
make --no-print-directory -s install DESTDIR="$root" PREFIX=/usr B="$BUILD" > "$tmp/make.out" 2>&1 ||
    { cat "$tmp/make.out" >&2; echo "install.sh: make install failed" >&2; exit 1; }
for f in lib/libslate.a lib/libslate.so.0 lib/libslate.so lib/libslatelog.a lib/libslatelog.so.0 \
         lib/libslatec.a lib/libslatec.so.0 include/slate.h include/slate_version.h \
         include/slate_log.h include/slatec.h lib/pkgconfig/slate.pc lib/pkgconfig/slatelog.pc \
         lib/pkgconfig/slatec.pc bin/slate share/man/man1/slate.1 share/man/man5/slate-language.5 \
         share/bash-completion/completions/slate share/zsh/site-functions/_slate; do
    [ -e "$root/usr/$f" ] || fail "not installed: /usr/$f"
done
version=$(sed -n 's/^#define SLATE_VERSION "\(.*\)"/\1/p' include/slate_version.h)

export PKG_CONFIG_PATH="$root/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root"
for pc in slate slatelog slatec; do
    [ "$(pkg-config --modversion $pc 2>&1)" = "$version" ] || fail "pkg-config $pc: no version $version"
done
pkg-config --static --libs slate | grep -q -- -lnettle || fail "pkg-config --static slate: no -lnettle"
pkg-config --static --libs slatelog | grep -q -- -lsqlite3 || fail "pkg-config --static slatelog: no -lsqlite3"
pkg-config --libs slate | grep -q -- -lnettle && fail "pkg-config --libs slate names nettle (private to the library)"
pkg-config --cflags slate | grep -q -- "-I$root/usr/include" ||
    fail "pkg-config --cflags slate: $(pkg-config --cflags slate)"

# build OUT SRC MODE PKG...: compile SRC against the installed root only, with
# the flags pkg-config gives for the packages; MODE shared or static.
build() {
    local out=$1 src=$2 mode=$3; shift 3
    local flags
    if [ "$mode" = static ]; then
        flags="-static $(pkg-config --static --cflags --libs "$@")"
    else
        flags="$(pkg-config --cflags --libs "$@")"
    fi
    # shellcheck disable=SC2086
    cc -std=c17 -Wall -Werror -o "$out" "$src" $flags \
        2> "$tmp/cc.err" || { fail "$mode build of $src ($*) failed: $(cat "$tmp/cc.err")"; return 1; }
    if [ "$mode" = static ]; then
        ldd "$out" 2>&1 | grep -q 'not a dynamic executable' || fail "$out is not static: $(ldd "$out")"
    else
        LD_LIBRARY_PATH="$root/usr/lib" ldd "$out" | grep -q "$root/usr/lib/lib$1.so.0" ||
            fail "$out does not use the installed lib$1.so: $(LD_LIBRARY_PATH="$root/usr/lib" ldd "$out")"
    fi
}
run() { LD_LIBRARY_PATH="$root/usr/lib" "$@"; }

"$SLATE" build -q policies/service-2025.slate -o "$tmp/p.slc" || exit 1

# ---- examples/embed.c ---------------------------------------------------------------
"$BUILD/examples/embed" "$tmp/p.slc" > "$tmp/embed.want" 2> /dev/null || fail "the build's embed failed"
[ -s "$tmp/embed.want" ] || fail "the build's embed decided nothing"
for mode in shared static; do
    build "$tmp/embed-$mode" examples/embed.c $mode slate || continue
    run "$tmp/embed-$mode" "$tmp/p.slc" > "$tmp/embed.$mode" 2> /dev/null || fail "embed ($mode) failed"
    cmp -s "$tmp/embed.want" "$tmp/embed.$mode" || fail "embed ($mode) decided otherwise"
done

# ---- the audit log, as an embedder writes it ---------------------------------------
cat > "$tmp/logapp.c" <<'EOF'
/* Run a fixed story of events through an engine, log every event, the advance
 * and every decision with libslatelog, print the decisions and the event lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <slate.h>
#include <slate_log.h>

static int both(void *ud, const slate_decision *d)
{
    char line[4096];
    slate_decision_json(d, line, sizeof line);
    puts(line);
    return slate_log_sink(ud, d);
}

int main(int argc, char **argv)
{
    if (argc != 4) return 2;
    static unsigned char img[1 << 20];
    FILE *f = fopen(argv[1], "rb");
    size_t len = f ? fread(img, 1, sizeof img, f) : 0;
    if (f) fclose(f);
    slate_program *p = NULL;
    if (slate_program_load(img, len, &p, NULL) != SLATE_OK) return 3;
    slate_log *log = NULL;
    char *err = NULL;
    if (slate_log_open(argv[2], &log, &err) != SLATE_OK) {
        fprintf(stderr, "logapp: %s\n", err);
        return 3;
    }
    FILE *lines = fopen(argv[3], "w");
    slate_engine *e = slate_engine_new(p, NULL);
    if (!e || !lines) return 3;
    slate_log_policy lp = {slate_program_hash(p), slate_program_name(p), slate_program_version(p),
                           slate_program_source(p), NULL, 0, img, len};
    int rc = slate_log_begin_policy(log, &lp);
    if (!rc) rc = slate_log_end(log);
    const int64_t t0 = INT64_C(1740996000000), min = 60000;
    struct { const char *type, *id; int64_t at; } story[] = {
        {"opened", "c1", t0}, {"opened", "c2", t0 + 5 * min}, {"responded", "c1", t0 + 20 * min},
        {NULL, NULL, t0 + 30 * 60 * min}, {"resolved", "c1", t0 + 50 * 60 * min},
        {"closed", "c2", t0 + 51 * 60 * min}};
    uint64_t seq = 0;
    for (size_t i = 0; !rc && i < sizeof story / sizeof *story; i++) {
        if (!story[i].type) { /* a bare advance of time */
            rc = slate_log_begin_advance(log, story[i].at);
            if (!rc) rc = slate_engine_advance(e, story[i].at, both, log);
            if (!rc) rc = slate_log_end(log);
            continue;
        }
        char payload[256];
        int n = snprintf(payload, sizeof payload, "{\"case\":\"%s\",\"type\":\"%s\",\"at\":%lld}",
                         story[i].id, story[i].type, (long long)story[i].at);
        fprintf(lines, "%s\n", payload);
        slate_event ev = {story[i].id, strlen(story[i].id), slate_program_event_id(p, story[i].type),
                          story[i].at, NULL, 0, NULL, 0, ++seq};
        slate_log_event le = {seq, story[i].at, story[i].type, story[i].id, strlen(story[i].id),
                              payload, (size_t)n, NULL};
        rc = slate_log_begin_event(log, &le);
        if (!rc) rc = slate_engine_push(e, &ev, both, log);
        if (!rc) rc = slate_log_end(log);
    }
    if (rc) fprintf(stderr, "logapp: %s / %s\n", slate_errmsg(e), slate_log_errmsg(log));
    fclose(lines);
    if (slate_log_close(log, &err) != SLATE_OK) {
        fprintf(stderr, "logapp: close: %s\n", err);
        rc = 1;
    }
    slate_engine_free(e);
    slate_program_free(p);
    return rc ? 1 : 0;
}
EOF
for mode in shared static; do
    build "$tmp/logapp-$mode" "$tmp/logapp.c" $mode slate slatelog || continue
    run "$tmp/logapp-$mode" "$tmp/p.slc" "$tmp/$mode.db" "$tmp/events.$mode" > "$tmp/log.$mode" ||
        { fail "logapp ($mode) failed"; continue; }
    "$SLATE" run "$tmp/p.slc" "$tmp/events.$mode" > "$tmp/cli.$mode" 2> /dev/null ||
        fail "slate run on logapp's events failed"
    cmp -s "$tmp/log.$mode" "$tmp/cli.$mode" || fail "logapp ($mode) and slate run decide otherwise"
    "$SLATE" replay -q "$tmp/$mode.db" > "$tmp/replay.out" 2>&1 ||
        fail "slate replay refuses the log logapp ($mode) wrote: $(cat "$tmp/replay.out")"
done
grep -q '"action":"breach"' "$tmp/log.shared" 2> /dev/null || fail "logapp: the story decided no breach"

# ---- compiling with libslatec --------------------------------------------------------
cat > "$tmp/capp.c" <<'EOF'
#include <stdio.h>
#include <slatec.h>
int main(int argc, char **argv)
{
    slatec_opts o = SLATEC_OPTS_INIT;
    o.diag = stderr;
    slate_program *p = NULL;
    if (argc != 2 || slatec_compile(&o, argv[1], NULL, 0, &p, NULL, NULL) != SLATE_OK) return 1;
    printf("%s %s\n", slate_program_name(p), slate_program_hash(p));
    slate_program_free(p);
    return 0;
}
EOF
want=$("$SLATE" disasm "$tmp/p.slc" | sed -n 's/^hash *//p')
[ ${#want} -eq 64 ] || fail "no hash from slate disasm"
for mode in shared static; do
    build "$tmp/capp-$mode" "$tmp/capp.c" $mode slatec || continue
    got=$(run "$tmp/capp-$mode" policies/service-2025.slate) || { fail "capp ($mode) failed"; continue; }
    [ "$got" = "service-2025 $want" ] || fail "capp ($mode): '$got', not the image's hash $want"
done
exit $bad
