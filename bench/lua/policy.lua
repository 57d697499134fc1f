--[[
policy.lua - the benchmark subset of service-2025 written as an ordinary Lua
policy, the way a server that embeds a scripting language would write it:
cases in a table keyed by id, one table per clock, a binary heap of timers in
Lua, and the working-time calendar in Lua.  Runs unchanged on Lua 5.4 and
LuaJIT 2.1 (no `//`, no bit operators, no integer-only library calls).

The subset is bench/bstream.h's: the tier (`sla`) and start/stop/pause/resume/
warn/breach of the clocks response, handling, resolution and follow_up.  The
semantics are those of bench/handwritten.c (docs/semantics.md): first matching
tier wins; a tier change keeps the working time counted so far; steps fire
once per key, lowest point first; one timer per counting clock; timers fire in
order (instant, case creation, clock).

  local policy = dofile("bench/lua/policy.lua")
  local push = policy.new(calendar, sink)
  push(type, case_id, at_ms, fields)   -- fields: name -> value, or nil

`calendar` is the compiled `business` calendar of the slate program, passed in
by the host (bench/embed_lua.c): {week = {s1, e1, s2, e2, ...} (ms from Monday
00:00 local), closed = {day, ...} (local days since 1970), offsets = {from1,
off1, ...} (UTC ms from which local = utc + off; the first from is -huge)}.
`sink(action, case_id, at, clock, tier, value)` gets each decision: clock 0..3
or -1 for `sla`, tier 0..16 in policy order or -1; value is the deadline for
start/resume/sla and the elapsed working time for the others.
]]

local floor, HUGE = math.floor, math.huge

local M_ = 60000
local H_ = 60 * M_
local WD = 8 * H_ -- the business calendar's working day

---------------------------------------------------------------------------
-- Working-time arithmetic (common/calendar.c, in Lua)
---------------------------------------------------------------------------

local DAY = 86400 * 1000
local WEEK = 7 * DAY
local MON0 = 4 * DAY -- 1970-01-05 was a Monday
local LIM = 2 ^ 61

local function calendar(spec)
  local ws, we, nweek = {}, {}, 0
  for i = 1, #spec.week, 2 do
    nweek = nweek + 1
    ws[nweek], we[nweek] = spec.week[i], spec.week[i + 1]
  end
  local closed, nclosed = spec.closed, #spec.closed
  local ofrom, ooff, noff = {}, {}, 0
  for i = 1, #spec.offsets, 2 do
    noff = noff + 1
    ofrom[noff], ooff[noff] = spec.offsets[i], spec.offsets[i + 1]
  end
  local total = 0
  for i = 1, nweek do total = total + we[i] - ws[i] end

  local function off_index(t)
    local lo, hi = 1, noff + 1
    while hi - lo > 1 do
      local mid = floor((lo + hi) / 2)
      if ofrom[mid] <= t then lo = mid else hi = mid end
    end
    return lo
  end

  -- the first closed day >= day (nclosed + 1 when none)
  local function closed_lower(day)
    local lo, hi = 1, nclosed + 1
    while lo < hi do
      local mid = floor((lo + hi) / 2)
      if closed[mid] < day then lo = mid + 1 else hi = mid end
    end
    return lo
  end

  -- working time of the week before local position pos
  local function week_cum(pos)
    local acc = 0
    for i = 1, nweek do
      local s = ws[i]
      if s >= pos then break end
      local e = we[i]
      acc = acc + (pos < e and pos or e) - s
    end
    return acc
  end

  -- working time from the epoch's first Monday to local instant L (no closures)
  local function cum(L)
    local x = L - MON0
    local w = floor(x / WEEK)
    return w * total + week_cum(x - w * WEEK)
  end

  local function cum_inverse(v)
    local k = -floor(-v / total) - 1
    local rem, acc, pos = v - k * total, 0, 0
    for i = 1, nweek do
      local len = we[i] - ws[i]
      if acc + len >= rem then pos = ws[i] + (rem - acc); break end
      acc = acc + len
    end
    return MON0 + k * WEEK + pos
  end

  local function local_between(l0, l1)
    if l1 <= l0 then return 0 end
    local m = cum(l1) - cum(l0)
    if m == 0 or nclosed == 0 then return m end
    local d1 = floor((l1 - 1) / DAY)
    local i = closed_lower(floor(l0 / DAY))
    while i <= nclosed and closed[i] <= d1 do
      local ds = closed[i] * DAY
      local hi, lo = ds + DAY, ds
      if l1 < hi then hi = l1 end
      if l0 > lo then lo = l0 end
      m = m - (cum(hi) - cum(lo))
      i = i + 1
    end
    return m
  end

  -- the local instant at which r more working time has passed from l0, and
  -- the work still left when l1 comes first (then the instant is HUGE)
  local function local_consume(l0, l1, r)
    local cur = l0
    local i = closed_lower(floor(l0 / DAY))
    while i <= nclosed do
      local ds = closed[i] * DAY
      if ds >= l1 then break end
      if ds > cur then
        local base = cum(cur)
        local m = cum(ds) - base
        if m >= r then return cum_inverse(base + r), 0 end
        r = r - m
      end
      if ds + DAY > cur then cur = ds + DAY end
      i = i + 1
    end
    if cur < l1 then
      local base = cum(cur)
      local m = cum(l1) - base
      if m >= r then return cum_inverse(base + r), 0 end
      r = r - m
    end
    return HUGE, r
  end

  local function between(a, b)
    if a < -LIM then a = -LIM end
    if b > LIM then b = LIM end
    if b <= a or total == 0 then return 0 end
    local sum, i = 0, off_index(a)
    while a < b do
      local e = b
      if i < noff and ofrom[i + 1] < b then e = ofrom[i + 1] end
      local o = ooff[i]
      sum = sum + local_between(a + o, e + o)
      a = e
      i = i + 1
    end
    return sum
  end

  local function add(t, w)
    if w <= 0 then return t end
    if t >= LIM or total == 0 then return HUGE end
    local s = t
    if s < -LIM then s = -LIM end
    local i = off_index(s)
    while true do
      local e = LIM
      if i < noff and ofrom[i + 1] < LIM then e = ofrom[i + 1] end
      local o = ooff[i]
      local l
      l, w = local_consume(s + o, e + o, w)
      if l ~= HUGE then return l - o end
      if e >= LIM then return HUGE end
      s = e
      i = i + 1
    end
  end

  return {between = between, add = add}
end

---------------------------------------------------------------------------
-- The policy: ladders and tiers
---------------------------------------------------------------------------

-- clocks 1..4: response, handling, resolution, follow_up
local function step(key, percent, after) return {key = key, percent = percent, after = after} end
local BR = {step("breach", 0, 0)}
local P50_BR = {step("p50", 50, 0), step("breach", 0, 0)}
local P75_BR = {step("p75", 75, 0), step("breach", 0, 0)}
local P75_BR_8H = {step("p75", 75, 0), step("breach", 0, 0), step("b8h", 0, 8 * H_)}
local P25_BR_4H = {step("p25", 25, 0), step("breach", 0, 0), step("b4h", 0, 4 * H_)}
local P50_BR_4H = {step("p50", 50, 0), step("breach", 0, 0), step("b4h", 0, 4 * H_)}

local incident = {BR, BR, P50_BR, BR}
local technical = {BR, BR, P75_BR_8H, BR}
local complaint = {P75_BR, BR, P25_BR_4H, BR}
local standard = {P75_BR, BR, P50_BR_4H, BR}

local function tier(name, target, business, ladder)
  return {name = name, target = target, business = business, ladder = ladder}
end
local F, T = false, true
-- in policy order; target 0: the tier has no target for that clock
local TIERS = {
  tier("security", {15 * M_, 30 * M_, 2 * H_, 24 * H_}, {F, F, F, F}, incident),
  tier("outage", {15 * M_, 30 * M_, 4 * H_, 24 * H_}, {F, F, F, F}, incident),
  tier("vip_emergency", {15 * M_, 30 * M_, 4 * H_, 24 * H_}, {F, F, F, F}, incident),
  tier("vip_complaint", {1 * H_, 0, 1 * WD, 24 * H_}, {T, F, T, F}, complaint),
  tier("complaint_emergency", {2 * H_, 0, 2 * WD, 24 * H_}, {F, F, T, F}, complaint),
  tier("complaint", {2 * H_, 0, 2 * WD, 24 * H_}, {T, F, T, F}, complaint),
  tier("vip_technical", {15 * M_, 30 * M_, 8 * H_, 24 * H_}, {F, F, F, F}, technical),
  tier("vip_complex", {1 * H_, 24 * H_, 8 * H_, 24 * H_}, {T, F, F, F}, standard),
  tier("vip", {1 * H_, 24 * H_, 24 * H_, 24 * H_}, {T, F, F, F}, standard),
  tier("technical_complex", {15 * M_, 30 * M_, 8 * H_, 24 * H_}, {T, T, T, F}, technical),
  tier("technical", {15 * M_, 30 * M_, 72 * H_, 24 * H_}, {T, T, F, F}, technical),
  tier("complex", {2 * H_, 48 * H_, 8 * H_, 24 * H_}, {T, F, T, F}, standard),
  tier("process", {2 * H_, 48 * H_, 48 * H_, 24 * H_}, {T, F, F, F}, standard),
  tier("request_contact", {2 * H_, 48 * H_, 0, 24 * H_}, {T, F, F, F}, standard),
  tier("request", {24 * H_, 48 * H_, 0, 24 * H_}, {F, F, F, F}, standard),
  tier("inquiry", {24 * H_, 0, 0, 24 * H_}, {F, F, F, F}, standard),
  tier("default", {2 * H_, 0, 0, 24 * H_}, {T, F, F, F}, standard),
}

-- first match wins, as the `sla` blocks of the policy
local function select_tier(f)
  local prio = f.standing == "vip" or f.value_tier == "high"
  local kind, cat = f.kind, f.category
  local emerg, cx = f.severity == "emergency", f.complex
  if kind == "security" then return 1 end
  if kind == "outage" then return 2 end
  if prio and emerg then return 3 end
  if kind == "complaint" then
    if prio then return 4 elseif emerg then return 5 else return 6 end
  end
  if cat == "technical" and prio then return 7 end
  if cx and prio then return 8 end
  if prio then return 9 end
  if cat == "technical" then
    if cx then return 10 else return 11 end
  end
  if cx then return 12 end
  if cat == "process" then return 13 end
  if kind == "request" then
    local ch = f.channel
    if ch == "phone" or ch == "email" or ch == "chat" then return 14 end
    return 15
  end
  if kind == "inquiry" then return 16 end
  return 17
end

-- the case fields the subset reads, and their values before any event sets them
local FIELDS = {"standing", "value_tier", "kind", "category", "severity", "channel", "complex"}
local NFIELDS = #FIELDS

---------------------------------------------------------------------------
-- The engine
---------------------------------------------------------------------------

-- WAITING: started while the tier gave it no target (elapsed holds when)
local IDLE, ACTIVE, STOPPED, WAITING = 0, 1, 2, 3

local function new(calspec, sink)
  local biz = calendar(calspec)
  local cal_between, cal_add = biz.between, biz.add
  local now = -HUGE
  local ncreated = 0
  local cases = {}
  local heap, nheap = {}, 0 -- clocks, ordered by (hat, created, ci)

  -- timers ---------------------------------------------------------------
  local function before(a, b)
    if a.hat ~= b.hat then return a.hat < b.hat end
    if a.created ~= b.created then return a.created < b.created end
    return a.ci < b.ci
  end

  local function sift_up(i)
    local e = heap[i]
    while i > 1 do
      local p = floor(i / 2)
      local q = heap[p]
      if not before(e, q) then break end
      heap[i] = q; q.hpos = i
      i = p
    end
    heap[i] = e; e.hpos = i
  end

  local function sift_down(i)
    local e = heap[i]
    while true do
      local c = 2 * i
      if c > nheap then break end
      if c < nheap and before(heap[c + 1], heap[c]) then c = c + 1 end
      local q = heap[c]
      if not before(q, e) then break end
      heap[i] = q; q.hpos = i
      i = c
    end
    heap[i] = e; e.hpos = i
  end

  local function timer_remove(k)
    local i = k.hpos
    if not i then return end
    k.hpos = nil
    local last = heap[nheap]
    heap[nheap] = nil
    nheap = nheap - 1
    if i == nheap + 1 then return end
    heap[i] = last; last.hpos = i
    if i > 1 and before(last, heap[floor(i / 2)]) then sift_up(i) else sift_down(i) end
  end

  local function timer_set(k, at)
    local i = k.hpos
    if not i then
      nheap = nheap + 1
      heap[nheap] = k
      k.hat = at
      sift_up(nheap)
      return
    end
    local old = k.hat
    k.hat = at
    if at < old then sift_up(i) else sift_down(i) end
  end

  -- clocks ---------------------------------------------------------------
  local function cal_of(c, ci)
    if c.tierd.business[ci] then return true end
    return false
  end

  local function work(biz_on, a, b)
    if b <= a then return 0 end
    if biz_on then return cal_between(a, b) end
    return b - a
  end

  local function add_work(biz_on, t, w)
    if w <= 0 then return t end
    if biz_on then return cal_add(t, w) end
    return t + w
  end

  local function counting(k)
    return k.state == ACTIVE and not k.paused and k.has_target
  end

  -- its steps can fire: a paused clock fires those a new target put at or
  -- below its working time, at the change
  local function armed(k)
    return k.state == ACTIVE and k.has_target
  end

  local function settle(c, k)
    if counting(k) then k.elapsed = k.elapsed + work(cal_of(c, k.ci), k.since, now) end
    k.since = now
  end

  local function deadline(c, k)
    if not counting(k) then return nil end
    local t = c.tierd.target[k.ci]
    if k.elapsed >= t then return nil end
    local d = add_work(cal_of(c, k.ci), k.since, t - k.elapsed)
    if d == HUGE then return nil end
    return d
  end

  local function point(s, target)
    if s.percent > 0 then
      return floor(target / 100) * s.percent + floor(target % 100 * s.percent / 100)
    end
    return target + s.after
  end

  -- the lowest unfired step and its point, or nil
  local function next_step(c, k)
    local ladder = c.tierd.ladder[k.ci]
    local fired = k.fired
    for i = 1, #ladder do
      local s = ladder[i]
      if not fired[s.key] then return s, point(s, c.tierd.target[k.ci]) end
    end
    return nil
  end

  local function emit(c, action, k)
    if k then
      local v = k.elapsed
      if action == "start" or action == "resume" then v = deadline(c, k) end
      sink(action, c.id, now, k.ci - 1, -1, v)
    else
      local v
      local ks = c.k
      for i = 1, 4 do if ks[i].has_target then v = deadline(c, ks[i]) end end
      sink("sla", c.id, now, -1, c.tier - 1, v)
    end
  end

  local function schedule(c, k)
    local s, p
    if armed(k) then s, p = next_step(c, k) end
    if not s then timer_remove(k); return end
    settle(c, k)
    if not counting(k) and p > k.elapsed then timer_remove(k); return end
    local at = now
    if p > k.elapsed then at = add_work(cal_of(c, k.ci), now, p - k.elapsed) end
    if at == HUGE then timer_remove(k) else timer_set(k, at) end
  end

  local function fire(k)
    local c = k.case
    settle(c, k)
    while armed(k) do
      local s, p = next_step(c, k)
      if not s or p > k.elapsed then break end
      k.fired[s.key] = true
      emit(c, s.percent > 0 and "warn" or "breach", k)
      -- the ladder's actions (escalate, notify, assign) are outside the subset
    end
    schedule(c, k)
  end

  local function start(c, ci)
    local k = c.k[ci]
    if k.state == ACTIVE then return end
    if not k.has_target then
      if k.state ~= WAITING then k.state, k.elapsed = WAITING, now end
      return
    end
    k.state, k.elapsed, k.fired, k.paused, k.since = ACTIVE, 0, {}, false, now
    emit(c, "start", k)
    schedule(c, k)
  end

  local function stop(c, ci)
    local k = c.k[ci]
    if k.state == WAITING then k.state = IDLE end
    if k.state ~= ACTIVE then return end
    settle(c, k)
    k.state = STOPPED
    timer_remove(k)
    if k.has_target then emit(c, "stop", k) end
  end

  local function pause(c, ci)
    local k = c.k[ci]
    if k.state ~= ACTIVE or k.paused then return end
    local was = counting(k)
    settle(c, k)
    k.paused = true
    if was then emit(c, "pause", k) end
    schedule(c, k)
  end

  local function resume(c, ci)
    local k = c.k[ci]
    if k.state ~= ACTIVE or not k.paused then return end
    settle(c, k)
    k.paused = false
    if counting(k) then emit(c, "resume", k) end
    schedule(c, k)
  end

  -- `reopened`: the clocks a resolution stops (handling, resolution) run on;
  -- the response already given stays met
  local function reopen(c)
    for ci = 2, 3 do
      local k = c.k[ci]
      if k.state == STOPPED then
        k.state, k.paused, k.since = ACTIVE, false, now
        if counting(k) then emit(c, "resume", k) end
        schedule(c, k)
      end
    end
  end

  -- choose the tier; on a change every clock takes the new target, keeping
  -- the working time counted so far, and a clock waiting for a target starts
  -- with the working time since its start event
  local function select_and_retarget(c)
    local t = select_tier(c.f)
    if t == c.tier then return end
    local ks = c.k
    if c.tierd then for ci = 1, 4 do settle(c, ks[ci]) end end
    local td = TIERS[t]
    c.tier, c.tierd = t, td
    for ci = 1, 4 do
      local k = ks[ci]
      k.has_target = td.target[ci] ~= 0
      k.since = now
    end
    emit(c, "sla")
    for ci = 1, 4 do
      local k = ks[ci]
      if k.state == WAITING and k.has_target then
        local from = k.elapsed
        k.state, k.fired, k.paused, k.since = ACTIVE, {}, false, now
        k.elapsed = work(cal_of(c, ci), from, now)
        emit(c, "start", k)
      end
    end
    for ci = 1, 4 do schedule(c, ks[ci]) end
  end

  -- cases ------------------------------------------------------------------
  local NOFIRED = {}

  local function open_case(id)
    ncreated = ncreated + 1
    local c = {
      id = id, created = ncreated, tier = 0, tierd = nil, k = {},
      f = {standing = "regular", value_tier = "low", kind = "inquiry",
           category = "communication", severity = "routine", channel = "phone",
           complex = false},
    }
    for ci = 1, 4 do
      c.k[ci] = {case = c, ci = ci, created = ncreated, state = IDLE, paused = false,
                 has_target = false, elapsed = 0, since = now, fired = NOFIRED,
                 hpos = nil, hat = 0}
    end
    cases[id] = c
    return c
  end

  local function close_case(c)
    for ci = 1, 4 do timer_remove(c.k[ci]) end
    cases[c.id] = nil
  end

  -- what each event does to the clocks
  local ON = {
    opened = function(c) start(c, 1); start(c, 2); start(c, 3) end,
    responded = function(c) stop(c, 1) end,
    paused = function(c) pause(c, 2); pause(c, 3) end,
    resumed = function(c) resume(c, 2); resume(c, 3) end,
    resolved = function(c) stop(c, 2); stop(c, 3); start(c, 4) end,
    reopened = function(c) reopen(c); stop(c, 4) end,
    closed = function(c) stop(c, 2); stop(c, 3); close_case(c) end,
    followed_up = function(c) stop(c, 4) end,
    handled = function(c) stop(c, 2) end,
  }

  local function advance(t)
    while nheap > 0 and heap[1].hat <= t do
      local k = heap[1]
      if k.hat > now then now = k.hat end
      fire(k)
    end
    if t > now then now = t end
  end

  return function(etype, id, at, fields)
    if at < now then return end -- too late (tolerance 0)
    advance(at)
    if etype == "tick" or not id or id == "" then return end
    local c = cases[id]
    local opened = etype == "opened"
    if opened == (c ~= nil) then return end -- already open / unknown case
    if opened then c = open_case(id) end
    local changed = opened
    if fields then
      local f = c.f
      for i = 1, NFIELDS do
        local n = FIELDS[i]
        local v = fields[n]
        if v ~= nil and v ~= f[n] then f[n] = v; changed = true end
      end
    end
    if changed then select_and_retarget(c) end
    local on = ON[etype]
    if on then on(c) end
    advance(at) -- steps the event made due at once
  end
end

return {new = new, tiers = TIERS}
