/*
 * embed_lua.c - the Lua baselines: a C host that embeds Lua (5.4 or LuaJIT 2.1,
 * the same source built against either) and runs bench/lua/policy.lua, the
 * benchmark subset of service-2025 written in Lua, the way a server embedding a
 * scripting policy would: one call per event, with the event's fields as Lua
 * values (enum values as their names, bools as booleans, ints as numbers).
 *
 *   slate-lua54  time  POLICY EVENTS RUNS   median events/s of the per-event calls
 *   slate-lua54  equiv POLICY EVENTS        compare the subset with slate's
 *   (slate-luajit: the same)
 *
 * The events are parsed once, before any timing, into slate_event structs
 * (bstream.h), exactly as the C drivers get them; only the per-event calls are
 * timed.  The calendar the Lua code computes with is the program's compiled
 * `business` calendar (weekly spans, closed days, UTC offsets), handed over as
 * Lua tables.  Timed runs send decisions to a counting sink written in Lua (the
 * C drivers count in C); `equiv` sends them to a C function that collects them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "bstream.h"
#include "program_info.h"
#include "slate.h"

#ifndef POLICY_LUA
#define POLICY_LUA "bench/lua/policy.lua"
#endif

/* ---- the host ------------------------------------------------------------------ */

typedef struct host {
    lua_State *L;
    const slate_program *prog;
    int push_ref;     /* the policy's per-event function */
} host;

static void die(lua_State *L, const char *what)
{
    fprintf(stderr, "lua: %s: %s\n", what, lua_tostring(L, -1));
    exit(3);
}

/* {week = {s, e, ...}, closed = {...}, offsets = {from, off, ...}} */
static void push_calendar(lua_State *L, const cal_table *c)
{
    lua_createtable(L, 0, 3);
    lua_createtable(L, (int)c->nweek * 2, 0);
    for (uint32_t i = 0; i < c->nweek; i++) {
        lua_pushinteger(L, (lua_Integer)c->week[i].start);
        lua_rawseti(L, -2, (int)(2 * i + 1));
        lua_pushinteger(L, (lua_Integer)c->week[i].end);
        lua_rawseti(L, -2, (int)(2 * i + 2));
    }
    lua_setfield(L, -2, "week");
    lua_createtable(L, (int)c->nclosed, 0);
    for (uint32_t i = 0; i < c->nclosed; i++) {
        lua_pushinteger(L, c->closed[i]);
        lua_rawseti(L, -2, (int)(i + 1));
    }
    lua_setfield(L, -2, "closed");
    lua_createtable(L, (int)c->noffsets * 2, 0);
    for (uint32_t i = 0; i < c->noffsets; i++) {
        if (c->offsets[i].from == INT64_MIN)
            lua_pushnumber(L, -HUGE_VAL);
        else
            lua_pushinteger(L, (lua_Integer)c->offsets[i].from);
        lua_rawseti(L, -2, (int)(2 * i + 1));
        lua_pushinteger(L, (lua_Integer)c->offsets[i].offset_ms);
        lua_rawseti(L, -2, (int)(2 * i + 2));
    }
    lua_setfield(L, -2, "offsets");
}

/* policy.new(calendar, sink): the sink is on top of the stack; pops it. */
static void host_engine(host *h)
{
    lua_State *L = h->L;
    const cal_table *biz = pi_calendar(h->prog, slate_program_calendar_id(h->prog, "business"));
    if (!biz) {
        fprintf(stderr, "lua: the program has no `business` calendar\n");
        exit(3);
    }
    int sink = lua_gettop(L);
    lua_getglobal(L, "policy");
    lua_getfield(L, -1, "new");
    push_calendar(L, biz);
    lua_pushvalue(L, sink);
    if (lua_pcall(L, 2, 1, 0)) die(L, "policy.new");
    if (h->push_ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, h->push_ref);
    h->push_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_settop(L, sink - 1);
}

static void host_open(host *h, const slate_program *prog)
{
    h->prog = prog;
    h->push_ref = LUA_NOREF;
    h->L = luaL_newstate();
    if (!h->L) exit(3);
    luaL_openlibs(h->L);
    const char *path = getenv("SLATE_POLICY_LUA"); /* another policy file, for experiments */
    if (!path) path = POLICY_LUA;
    if (luaL_dofile(h->L, path)) die(h->L, path);
    lua_setglobal(h->L, "policy");
}

/* One event: push(type, case_id, at, fields). */
static void host_push(host *h, const slate_event *ev)
{
    lua_State *L = h->L;
    const slate_program *p = h->prog;
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->push_ref);
    lua_pushstring(L, slate_program_event_name(p, ev->type));
    if (ev->case_id)
        lua_pushlstring(L, ev->case_id, ev->case_len);
    else
        lua_pushnil(L);
    lua_pushinteger(L, (lua_Integer)ev->at);
    if (ev->nvalues) {
        lua_createtable(L, 0, (int)ev->nvalues);
        for (size_t i = 0; i < ev->nvalues; i++) {
            const slate_value *v = &ev->values[i];
            switch (slate_program_field_type(p, v->field)) {
            case SLATE_T_ENUM: lua_pushstring(L, slate_program_enum_name(p, v->field, (int)v->i)); break;
            case SLATE_T_BOOL: lua_pushboolean(L, v->i != 0); break;
            case SLATE_T_STRING: lua_pushlstring(L, v->s, v->len); break;
            default: lua_pushinteger(L, (lua_Integer)v->i); break;
            }
            lua_setfield(L, -2, slate_program_field_name(p, v->field));
        }
    } else {
        lua_pushnil(L);
    }
    lua_call(L, 4, 0);
}

/* ---- timing ---------------------------------------------------------------------- */

static const char counter_lua[] =
    "local n = 0\n"
    "return function() n = n + 1 end, function() local m = n; n = 0; return m end\n";

static int run_time(host *h, const bs_stream *s, int runs)
{
    lua_State *L = h->L;
    if (luaL_loadstring(L, counter_lua) || lua_pcall(L, 0, 2, 0)) die(L, "counter");
    int take = lua_gettop(L), sink = take - 1;
    double *r = malloc(sizeof *r * (size_t)runs);
    long long ndec = 0;
    for (int i = 0; i < runs; i++) {
        lua_pushvalue(L, sink);
        host_engine(h);
        lua_gc(L, LUA_GCCOLLECT, 0);
        double t0 = bs_now();
        for (size_t j = 0; j < s->n; j++) host_push(h, &s->ev[j]);
        r[i] = (double)s->n / (bs_now() - t0);
        lua_pushvalue(L, take);
        lua_call(L, 0, 1);
        ndec = (long long)lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    double med = bs_median(r, runs); /* sorts r */
    printf("events %zu decisions %lld median_eps %.0f min_eps %.0f max_eps %.0f\n", s->n, ndec,
           med, r[0], r[runs - 1]);
    free(r);
    return 0;
}

/* ---- equivalence ------------------------------------------------------------------ */

/* sink(action, case_id, at, clock, tier, value) -> a bs_dec in the upvalue's list */
static int collect(lua_State *L)
{
    bs_list *l = lua_touserdata(L, lua_upvalueindex(1));
    static const char *const names[] = {
#define X(id, name) name,
        SLATE_ACTIONS(X)
#undef X
    };
    const char *a = luaL_checkstring(L, 1);
    size_t len = 0;
    const char *id = luaL_checklstring(L, 2, &len);
    bs_dec d;
    memset(&d, 0, sizeof d);
    d.action = SLATE_A__COUNT;
    for (int i = 0; i < SLATE_A__COUNT; i++)
        if (!strcmp(a, names[i])) d.action = (uint8_t)i;
    d.at = (int64_t)lua_tonumber(L, 3);
    d.case_hash = bs_fnv(id, len);
    d.clock = (int8_t)lua_tointeger(L, 4);
    d.tier = (int16_t)lua_tointeger(L, 5);
    memcpy(d.case_id, id, len < sizeof d.case_id - 1 ? len : sizeof d.case_id - 1);
    bs_push(l, &d);
    return 0;
}

static int run_equiv(host *h, const bs_stream *s)
{
    bs_list a = {0}, b = {0};
    slate_engine *e = slate_engine_new(h->prog, NULL);
    if (!e) return 3;
    for (size_t j = 0; j < s->n; j++) slate_engine_push(e, &s->ev[j], bs_subset_sink, &a);
    lua_pushlightuserdata(h->L, &b);
    lua_pushcclosure(h->L, collect, 1);
    host_engine(h);
    for (size_t j = 0; j < s->n; j++) host_push(h, &s->ev[j]);
    int rc = bs_report_equiv(&a, &b, (unsigned long long)slate_engine_decisions(e), "lua  ");
    slate_engine_free(e);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s time|equiv POLICY EVENTS [RUNS]\n", argv[0]);
        return 2;
    }
    slate_program *p = bs_compile_file(argv[2], NULL);
    if (!p) return 1;
    bs_stream s;
    if (bs_load_events(p, argv[3], &s)) return 3;
    host h;
    host_open(&h, p);
    int rc = 2;
    if (!strcmp(argv[1], "time")) {
        int runs = argc > 4 ? atoi(argv[4]) : 5;
        rc = run_time(&h, &s, runs < 1 ? 1 : runs);
    } else if (!strcmp(argv[1], "equiv")) {
        rc = run_equiv(&h, &s);
    }
    lua_close(h.L);
    bs_free(&s);
    slate_program_free(p);
    return rc;
}
