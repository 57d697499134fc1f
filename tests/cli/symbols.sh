#!/usr/bin/env bash
# symbols.sh - the libraries export their public API and nothing else (issue 17):
# every global symbol libslate.so, libslate.a, libslatelog.a and libslatelog.so
# define starts with `slate_`, every function include/slate.h (slate_log.h)
# declares is among them,
# and an application with its own `st_init` and `cs_add` (names the engine uses
# inside) links against either libslate and still gets a working engine.
#
# libslatec.a and libslatec.so (the compiler, include/slatec.h) keep only
# `slatec_` names global,
# and an application compiling a policy with it and running it with libslate.a
# links both archives without a clash.
#
# Run by tests/run.sh with $SLATE and $BUILD set.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
BUILD=${BUILD:?set BUILD to the build directory}
cd "$(dirname "$0")/../.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
fail() { echo "symbols.sh: $*" >&2; bad=1; }

for f in "$BUILD/libslate.so" "$BUILD/libslate.a" "$BUILD/libslatelog.a" "$BUILD/libslatelog.so" \
         "$BUILD/libslatec.a" "$BUILD/libslatec.so"; do
    [ -f "$f" ] || { echo "symbols.sh: $f is missing (make all)" >&2; exit 1; }
done

# name lists: global defined symbols, one a line
nm -D --defined-only "$BUILD/libslate.so" | awk 'NF == 3 && $2 ~ /[A-Z]/ { print $3 }' |
    sort -u > "$tmp/so"
nm --defined-only -g "$BUILD/libslate.a" | awk 'NF == 3 { print $3 }' | sort -u > "$tmp/a"
nm --defined-only -g "$BUILD/libslatelog.a" | awk 'NF == 3 { print $3 }' | sort -u > "$tmp/log"
nm -D --defined-only "$BUILD/libslatelog.so" | awk 'NF == 3 && $2 ~ /[A-Z]/ { print $3 }' |
    sort -u > "$tmp/logso"
# the functions the public headers declare
api() { sed -n 's/^SLATE_API [^(]*[ *]\(slate_[a-z0-9_]*\)(.*/\1/p' "$1" | sort -u; }
api include/slate.h > "$tmp/api"
api include/slate_log.h > "$tmp/logapi"
[ "$(wc -l < "$tmp/api")" -ge 20 ] || fail "found only $(wc -l < "$tmp/api") functions in slate.h"
[ "$(wc -l < "$tmp/logapi")" -ge 20 ] || fail "found only $(wc -l < "$tmp/logapi") functions in slate_log.h"

check() { # check LIST API WHAT
    local extra missing
    extra=$(grep -v '^slate_' "$tmp/$1")
    [ -z "$extra" ] || fail "$3 exports names without the slate_ prefix: $(echo $extra)"
    missing=$(comm -23 "$tmp/$2" "$tmp/$1")
    [ -z "$missing" ] || fail "$3 does not export: $(echo $missing)"
}
check so api libslate.so
check a api libslate.a
check log logapi libslatelog.a
check logso logapi libslatelog.so

# an application that defines names the engine uses internally
"$SLATE" build -q policies/example.slate -o "$tmp/p.slc" || exit 1
cat > "$tmp/app.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include "slate.h"
int st_init(void) { return 42; }   /* the application's own */
int cs_add(int x) { return x + 1; }
int main(int argc, char **argv)
{
    FILE *f = fopen(argv[1], "rb");
    static unsigned char buf[1 << 20];
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
    slate_program *p = NULL;
    char *err = NULL;
    if (argc < 2 || slate_program_load(buf, n, &p, &err) != SLATE_OK) return 2;
    slate_engine *e = slate_engine_new(p, NULL);
    if (!e) return 3;
    if (st_init() != 42 || cs_add(1) != 2) return 4;
    slate_engine_free(e);
    slate_program_free(p);
    puts("ok");
    return 0;
}
EOF
libs=$(pkg-config --libs nettle 2>/dev/null || echo -lnettle)
if cc -std=c17 -Iinclude -o "$tmp/app-static" "$tmp/app.c" "$BUILD/libslate.a" $libs -lm 2> "$tmp/err"; then
    [ "$("$tmp/app-static" "$tmp/p.slc")" = ok ] || fail "static: the engine did not work beside the application's st_init"
else
    fail "static: an application defining st_init and cs_add does not link: $(cat "$tmp/err")"
fi
cp "$BUILD/libslate.so" "$tmp/libslate.so.0" # its soname, as `make install` names it
if cc -std=c17 -Iinclude -o "$tmp/app-shared" "$tmp/app.c" "$BUILD/libslate.so" $libs -lm 2> "$tmp/err"; then
    [ "$(LD_LIBRARY_PATH="$tmp" "$tmp/app-shared" "$tmp/p.slc")" = ok ] ||
        fail "shared: the engine did not work beside the application's st_init"
else
    fail "shared: the application does not link: $(cat "$tmp/err")"
fi
# libslatec: slatec_ names only, and it links beside libslate.a
nm --defined-only -g "$BUILD/libslatec.a" | awk 'NF == 3 { print $3 }' | sort -u > "$tmp/c"
extra=$(grep -v '^slatec_' "$tmp/c")
[ -z "$extra" ] || fail "libslatec.a exports names without the slatec_ prefix: $(echo $extra)"
grep -q '^slatec_compile$' "$tmp/c" || fail "libslatec.a does not export slatec_compile"
nm -D --defined-only "$BUILD/libslatec.so" | awk 'NF == 3 && $2 ~ /[A-Z]/ { print $3 }' |
    sort -u > "$tmp/cso"
cmp -s "$tmp/c" "$tmp/cso" || fail "libslatec.so and libslatec.a export different names: $(comm -3 "$tmp/c" "$tmp/cso" | tr '\n' ' ')"
cat > "$tmp/capp.c" <<'EOF'
#include <stdio.h>
#include "slatec.h"
int st_init(void) { return 42; }
static int count(void *ud, const slate_decision *d) { (void)d; ++*(int *)ud; return 0; }
int main(int argc, char **argv)
{
    slatec_opts o = SLATEC_OPTS_INIT;
    slate_program *p = NULL;
    if (argc < 2 || slatec_compile(&o, argv[1], NULL, 0, &p, NULL, NULL) != SLATE_OK) return 2;
    slate_engine *e = slate_engine_new(p, NULL);
    int n = slate_program_event_id(p, "opened");
    slate_event ev = {.case_id = "c1", .case_len = 2, .type = n, .at = 1741597200000, .seq = 1};
    int got = 0;
    if (!e || n < 0 || slate_engine_push(e, &ev, count, &got) != SLATE_OK || got == 0) return 3;
    slate_engine_free(e);
    slate_program_free(p);
    puts("ok");
    return st_init() == 42 ? 0 : 4;
}
EOF
if cc -std=c17 -Iinclude -o "$tmp/capp" "$tmp/capp.c" "$BUILD/libslatec.a" "$BUILD/libslate.a" $libs -lm 2> "$tmp/err"; then
    [ "$("$tmp/capp" policies/example.slate)" = ok ] || fail "libslatec + libslate: compiling and running a policy failed"
else
    fail "libslatec.a and libslate.a do not link together: $(cat "$tmp/err")"
fi
exit $bad
