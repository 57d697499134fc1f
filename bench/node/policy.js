// policy.js - the benchmark subset of service-2025 on Node: the tier choice as
// json-rules-engine rules (one rule per `sla` block, priorities in policy order,
// first match wins), the clocks, ladders, timer heap and working-time calendar
// in plain JS (a port of bench/lua/policy.lua, itself bench/handwritten.c's
// semantics).  The subset is bench/bstream.h's: `sla` and start/stop/pause/
// resume/warn/breach of response, handling, resolution and follow_up.
//
//   NODE_PATH=build/bench/node_modules node bench/node/policy.js \
//       CALENDAR.json EVENTS.jsonl decisions > out.txt   # for slate-peercheck check
//   ... time RUNS                                       # median events/s
//
// CALENDAR.json is `slate-peercheck calendar POLICY`: the program's compiled
// `business` calendar.  The JSON Lines are parsed (and `at` turned into ms)
// before any timing, as the C drivers get pre-parsed events; a timed run is the
// per-event work only, awaiting the rules engine whenever a case's fields change.
'use strict';
const fs = require('fs');
const { Engine } = require('json-rules-engine');

const M_ = 60000, H_ = 60 * M_, WD = 8 * H_;

// ---- working-time arithmetic (common/calendar.c) -------------------------------
const DAY = 86400000, WEEK = 7 * DAY, MON0 = 4 * DAY, LIM = 2 ** 61;
const floor = Math.floor;

function calendar(spec) {
  const ws = [], we = [];
  for (let i = 0; i < spec.week.length; i += 2) { ws.push(spec.week[i]); we.push(spec.week[i + 1]); }
  const nweek = ws.length, closed = spec.closed, nclosed = closed.length;
  const ofrom = [], ooff = [];
  for (let i = 0; i < spec.offsets.length; i += 2) {
    ofrom.push(spec.offsets[i] === null ? -Infinity : spec.offsets[i]);
    ooff.push(spec.offsets[i + 1]);
  }
  const noff = ofrom.length;
  let total = 0;
  for (let i = 0; i < nweek; i++) total += we[i] - ws[i];

  function offIndex(t) {
    let lo = 0, hi = noff;
    while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (ofrom[mid] <= t) lo = mid; else hi = mid; }
    return lo;
  }
  function closedLower(day) {
    let lo = 0, hi = nclosed;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (closed[mid] < day) lo = mid + 1; else hi = mid; }
    return lo;
  }
  function weekCum(pos) {
    let acc = 0;
    for (let i = 0; i < nweek && ws[i] < pos; i++) acc += Math.min(pos, we[i]) - ws[i];
    return acc;
  }
  function cum(L) {
    const x = L - MON0, w = floor(x / WEEK);
    return w * total + weekCum(x - w * WEEK);
  }
  function cumInverse(v) {
    const k = -floor(-v / total) - 1;
    const rem = v - k * total;
    let acc = 0, pos = 0;
    for (let i = 0; i < nweek; i++) {
      const len = we[i] - ws[i];
      if (acc + len >= rem) { pos = ws[i] + (rem - acc); break; }
      acc += len;
    }
    return MON0 + k * WEEK + pos;
  }
  function localBetween(l0, l1) {
    if (l1 <= l0) return 0;
    let m = cum(l1) - cum(l0);
    if (m === 0 || nclosed === 0) return m;
    const d1 = floor((l1 - 1) / DAY);
    for (let i = closedLower(floor(l0 / DAY)); i < nclosed && closed[i] <= d1; i++) {
      const ds = closed[i] * DAY;
      m -= cum(Math.min(l1, ds + DAY)) - cum(Math.max(l0, ds));
    }
    return m;
  }
  // [instant, work left]: the local instant r more working time after l0, or
  // Infinity and what is left when l1 comes first
  function localConsume(l0, l1, r) {
    let cur = l0;
    for (let i = closedLower(floor(l0 / DAY)); i < nclosed; i++) {
      const ds = closed[i] * DAY;
      if (ds >= l1) break;
      if (ds > cur) {
        const base = cum(cur), m = cum(ds) - base;
        if (m >= r) return [cumInverse(base + r), 0];
        r -= m;
      }
      cur = Math.max(cur, ds + DAY);
    }
    if (cur < l1) {
      const base = cum(cur), m = cum(l1) - base;
      if (m >= r) return [cumInverse(base + r), 0];
      r -= m;
    }
    return [Infinity, r];
  }
  function between(a, b) {
    a = Math.max(a, -LIM); b = Math.min(b, LIM);
    if (b <= a || total === 0) return 0;
    let sum = 0;
    for (let i = offIndex(a); a < b; i++) {
      const e = i + 1 < noff ? Math.min(ofrom[i + 1], b) : b;
      const o = ooff[i];
      sum += localBetween(a + o, e + o);
      a = e;
    }
    return sum;
  }
  function add(t, w) {
    if (w <= 0) return t;
    if (t >= LIM || total === 0) return Infinity;
    let s = Math.max(t, -LIM);
    for (let i = offIndex(s); ; i++) {
      const e = i + 1 < noff ? Math.min(ofrom[i + 1], LIM) : LIM;
      const o = ooff[i];
      const [l, left] = localConsume(s + o, e + o, w);
      if (l !== Infinity) return l - o;
      if (e >= LIM) return Infinity;
      w = left;
      s = e;
    }
  }
  return { between, add };
}

// ---- the policy: ladders, tiers and their rules ---------------------------------
const step = (key, percent, after) => ({ key, percent, after });
const BR = [step('breach', 0, 0)];
const P50_BR = [step('p50', 50, 0), step('breach', 0, 0)];
const P75_BR = [step('p75', 75, 0), step('breach', 0, 0)];
const P75_BR_8H = [step('p75', 75, 0), step('breach', 0, 0), step('b8h', 0, 8 * H_)];
const P25_BR_4H = [step('p25', 25, 0), step('breach', 0, 0), step('b4h', 0, 4 * H_)];
const P50_BR_4H = [step('p50', 50, 0), step('breach', 0, 0), step('b4h', 0, 4 * H_)];
const incident = [BR, BR, P50_BR, BR];
const technical = [BR, BR, P75_BR_8H, BR];
const complaint = [P75_BR, BR, P25_BR_4H, BR];
const standard = [P75_BR, BR, P50_BR_4H, BR];

const eq = (fact, value) => ({ fact, operator: 'equal', value });
const PRIO = { any: [eq('standing', 'vip'), eq('value_tier', 'high')] };
const F = false, T = true;
// [name, conditions, targets (0: none), on business, ladder], in policy order
const TIERS = [
  ['security', { all: [eq('kind', 'security')] }, [15 * M_, 30 * M_, 2 * H_, 24 * H_], [F, F, F, F], incident],
  ['outage', { all: [eq('kind', 'outage')] }, [15 * M_, 30 * M_, 4 * H_, 24 * H_], [F, F, F, F], incident],
  ['vip_emergency', { all: [PRIO, eq('severity', 'emergency')] }, [15 * M_, 30 * M_, 4 * H_, 24 * H_], [F, F, F, F], incident],
  ['vip_complaint', { all: [eq('kind', 'complaint'), PRIO] }, [1 * H_, 0, 1 * WD, 24 * H_], [T, F, T, F], complaint],
  ['complaint_emergency', { all: [eq('kind', 'complaint'), eq('severity', 'emergency')] }, [2 * H_, 0, 2 * WD, 24 * H_], [F, F, T, F], complaint],
  ['complaint', { all: [eq('kind', 'complaint')] }, [2 * H_, 0, 2 * WD, 24 * H_], [T, F, T, F], complaint],
  ['vip_technical', { all: [eq('category', 'technical'), PRIO] }, [15 * M_, 30 * M_, 8 * H_, 24 * H_], [F, F, F, F], technical],
  ['vip_complex', { all: [eq('complex', true), PRIO] }, [1 * H_, 24 * H_, 8 * H_, 24 * H_], [T, F, F, F], standard],
  ['vip', { all: [PRIO] }, [1 * H_, 24 * H_, 24 * H_, 24 * H_], [T, F, F, F], standard],
  ['technical_complex', { all: [eq('category', 'technical'), eq('complex', true)] }, [15 * M_, 30 * M_, 8 * H_, 24 * H_], [T, T, T, F], technical],
  ['technical', { all: [eq('category', 'technical')] }, [15 * M_, 30 * M_, 72 * H_, 24 * H_], [T, T, F, F], technical],
  ['complex', { all: [eq('complex', true)] }, [2 * H_, 48 * H_, 8 * H_, 24 * H_], [T, F, T, F], standard],
  ['process', { all: [eq('category', 'process')] }, [2 * H_, 48 * H_, 48 * H_, 24 * H_], [T, F, F, F], standard],
  ['request_contact', { all: [eq('kind', 'request'), { fact: 'channel', operator: 'in', value: ['phone', 'email', 'chat'] }] }, [2 * H_, 48 * H_, 0, 24 * H_], [T, F, F, F], standard],
  ['request', { all: [eq('kind', 'request')] }, [24 * H_, 48 * H_, 0, 24 * H_], [F, F, F, F], standard],
  ['inquiry', { all: [eq('kind', 'inquiry')] }, [24 * H_, 0, 0, 24 * H_], [F, F, F, F], standard],
  ['default', { all: [] }, [2 * H_, 0, 0, 24 * H_], [T, F, F, F], standard],
].map(([name, conditions, target, business, ladder], index) => ({ name, conditions, target, business, ladder, index }));

// One engine for the tiers: priority in policy order; the first success stops
// the run, so `events[0]` is the first matching tier.
function tierEngine() {
  const engine = new Engine([], { allowUndefinedFacts: true });
  for (const t of TIERS)
    engine.addRule({ name: t.name, priority: TIERS.length - t.index, conditions: t.conditions,
                     event: { type: 'tier', params: { index: t.index } } });
  engine.on('success', () => engine.stop());
  return engine;
}

const FIELDS = ['standing', 'value_tier', 'kind', 'category', 'severity', 'channel', 'complex'];
// WAITING: started while the tier gave it no target (elapsed holds when)
const IDLE = 0, ACTIVE = 1, STOPPED = 2, WAITING = 3;

// ---- the engine ---------------------------------------------------------------------
function newPolicy(calspec, sink) {
  const biz = calendar(calspec);
  const rules = tierEngine();
  let now = -Infinity, ncreated = 0;
  const cases = new Map();
  const heap = []; // clocks ordered by (hat, created, ci)

  const before = (a, b) => a.hat !== b.hat ? a.hat < b.hat : a.created !== b.created ? a.created < b.created : a.ci < b.ci;
  function siftUp(i) {
    const e = heap[i];
    while (i > 0) {
      const p = (i - 1) >> 1, q = heap[p];
      if (!before(e, q)) break;
      heap[i] = q; q.hpos = i; i = p;
    }
    heap[i] = e; e.hpos = i;
  }
  function siftDown(i) {
    const e = heap[i], n = heap.length;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && before(heap[c + 1], heap[c])) c++;
      const q = heap[c];
      if (!before(q, e)) break;
      heap[i] = q; q.hpos = i; i = c;
    }
    heap[i] = e; e.hpos = i;
  }
  function timerRemove(k) {
    const i = k.hpos;
    if (i < 0) return;
    k.hpos = -1;
    const last = heap.pop();
    if (i === heap.length) return;
    heap[i] = last; last.hpos = i;
    if (i > 0 && before(last, heap[(i - 1) >> 1])) siftUp(i); else siftDown(i);
  }
  function timerSet(k, at) {
    if (k.hpos < 0) { k.hat = at; heap.push(k); siftUp(heap.length - 1); return; }
    const old = k.hat;
    k.hat = at;
    if (at < old) siftUp(k.hpos); else siftDown(k.hpos);
  }

  const work = (onBiz, a, b) => b <= a ? 0 : onBiz ? biz.between(a, b) : b - a;
  const addWork = (onBiz, t, w) => w <= 0 ? t : onBiz ? biz.add(t, w) : t + w;
  const counting = (k) => k.state === ACTIVE && !k.paused && k.hasTarget;
  // its steps can fire: a paused clock fires those a new target put at or below
  // its working time, at the change
  const armed = (k) => k.state === ACTIVE && k.hasTarget;
  function settle(c, k) {
    if (counting(k)) k.elapsed += work(c.tierd.business[k.ci], k.since, now);
    k.since = now;
  }
  function deadline(c, k) {
    if (!counting(k)) return null;
    const t = c.tierd.target[k.ci];
    if (k.elapsed >= t) return null;
    const d = addWork(c.tierd.business[k.ci], k.since, t - k.elapsed);
    return d === Infinity ? null : d;
  }
  const point = (s, target) => s.percent > 0
    ? floor(target / 100) * s.percent + floor((target % 100) * s.percent / 100)
    : target + s.after;
  function nextStep(c, k) { // the lowest unfired step, or null
    for (const s of c.tierd.ladder[k.ci]) if (!k.fired.has(s.key)) return s;
    return null;
  }
  function emit(c, action, k) {
    if (k) {
      const v = action === 'start' || action === 'resume' ? deadline(c, k) : k.elapsed;
      sink(action, c.id, now, k.ci, -1, v);
    } else {
      let v = null;
      for (const x of c.k) if (x.hasTarget) v = deadline(c, x);
      sink('sla', c.id, now, -1, c.tier, v);
    }
  }
  function schedule(c, k) {
    const s = armed(k) ? nextStep(c, k) : null;
    if (!s) { timerRemove(k); return; }
    settle(c, k);
    const p = point(s, c.tierd.target[k.ci]);
    if (!counting(k) && p > k.elapsed) { timerRemove(k); return; }
    const at = p <= k.elapsed ? now : addWork(c.tierd.business[k.ci], now, p - k.elapsed);
    if (at === Infinity) timerRemove(k); else timerSet(k, at);
  }
  function fire(k) {
    const c = k.c;
    settle(c, k);
    while (armed(k)) {
      const s = nextStep(c, k);
      if (!s || point(s, c.tierd.target[k.ci]) > k.elapsed) break;
      k.fired.add(s.key);
      emit(c, s.percent > 0 ? 'warn' : 'breach', k);
    }
    schedule(c, k);
  }
  function start(c, ci) {
    const k = c.k[ci];
    if (k.state === ACTIVE) return;
    if (!k.hasTarget) {
      if (k.state !== WAITING) { k.state = WAITING; k.elapsed = now; }
      return;
    }
    k.state = ACTIVE; k.elapsed = 0; k.fired = new Set(); k.paused = false; k.since = now;
    emit(c, 'start', k);
    schedule(c, k);
  }
  function stop(c, ci) {
    const k = c.k[ci];
    if (k.state === WAITING) k.state = IDLE;
    if (k.state !== ACTIVE) return;
    settle(c, k);
    k.state = STOPPED;
    timerRemove(k);
    if (k.hasTarget) emit(c, 'stop', k);
  }
  function pause(c, ci) {
    const k = c.k[ci];
    if (k.state !== ACTIVE || k.paused) return;
    const was = counting(k);
    settle(c, k);
    k.paused = true;
    if (was) emit(c, 'pause', k);
    schedule(c, k);
  }
  function resume(c, ci) {
    const k = c.k[ci];
    if (k.state !== ACTIVE || !k.paused) return;
    settle(c, k);
    k.paused = false;
    if (counting(k)) emit(c, 'resume', k);
    schedule(c, k);
  }
  // `reopened`: the clocks a resolution stops (handling, resolution) run on;
  // the response already given stays met
  function reopen(c) {
    for (let ci = 1; ci < 3; ci++) {
      const k = c.k[ci];
      if (k.state !== STOPPED) continue;
      k.state = ACTIVE; k.paused = false; k.since = now;
      if (counting(k)) emit(c, 'resume', k);
      schedule(c, k);
    }
  }
  function retarget(c, t) {
    if (t === c.tier) return;
    if (c.tierd) for (const k of c.k) settle(c, k);
    const td = TIERS[t];
    c.tier = t; c.tierd = td;
    for (const k of c.k) { k.hasTarget = td.target[k.ci] !== 0; k.since = now; }
    emit(c, 'sla');
    for (const k of c.k) { // a clock waiting for a target starts, counting since its start event
      if (k.state !== WAITING || !k.hasTarget) continue;
      const from = k.elapsed;
      k.state = ACTIVE; k.fired = new Set(); k.paused = false; k.since = now;
      k.elapsed = work(td.business[k.ci], from, now);
      emit(c, 'start', k);
    }
    for (const k of c.k) schedule(c, k);
  }
  function openCase(id) {
    const c = { id, created: ++ncreated, tier: -1, tierd: null, k: [],
                f: { standing: 'regular', value_tier: 'low', kind: 'inquiry', category: 'communication',
                     severity: 'routine', channel: 'phone', complex: false } };
    for (let ci = 0; ci < 4; ci++)
      c.k.push({ c, ci, created: c.created, state: IDLE, paused: false, hasTarget: false,
                 elapsed: 0, since: now, fired: null, hpos: -1, hat: 0 });
    cases.set(id, c);
    return c;
  }
  function closeCase(c) {
    for (const k of c.k) timerRemove(k);
    cases.delete(c.id);
  }
  const ON = {
    opened(c) { start(c, 0); start(c, 1); start(c, 2); },
    responded(c) { stop(c, 0); },
    paused(c) { pause(c, 1); pause(c, 2); },
    resumed(c) { resume(c, 1); resume(c, 2); },
    resolved(c) { stop(c, 1); stop(c, 2); start(c, 3); },
    reopened(c) { reopen(c); stop(c, 3); },
    closed(c) { stop(c, 1); stop(c, 2); closeCase(c); },
    followed_up(c) { stop(c, 3); },
    handled(c) { stop(c, 1); },
  };
  function advance(t) {
    while (heap.length && heap[0].hat <= t) {
      const k = heap[0];
      if (k.hat > now) now = k.hat;
      fire(k);
    }
    if (t > now) now = t;
  }
  function finish(c, type, at) {
    const on = ON[type];
    if (on) on(c);
    advance(at); // steps the event made due at once
  }

  // One event; returns a promise when the rules engine had to run, else undefined.
  return function push(ev) {
    const at = ev.atms;
    if (at < now) return undefined; // too late (tolerance 0)
    advance(at);
    const type = ev.type, id = ev.case;
    if (type === 'tick' || !id) return undefined;
    let c = cases.get(id);
    const opened = type === 'opened';
    if (opened === (c !== undefined)) return undefined;
    if (opened) c = openCase(id);
    let changed = opened;
    const f = c.f;
    for (const n of FIELDS) {
      const v = ev[n];
      if (v !== undefined && v !== f[n]) { f[n] = v; changed = true; }
    }
    if (!changed) { finish(c, type, at); return undefined; }
    return rules.run(f).then(({ events }) => {
      retarget(c, events[0].params.index);
      finish(c, type, at);
    });
  };
}

// ---- driver ----------------------------------------------------------------------------
function loadEvents(path) {
  const out = [];
  for (const line of fs.readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const ev = JSON.parse(line);
    ev.atms = Date.parse(ev.at);
    out.push(ev);
  }
  return out;
}

async function runAll(events, calspec, sink) {
  const push = newPolicy(calspec, sink);
  for (const ev of events) {
    const p = push(ev);
    if (p) await p;
  }
}

async function main() {
  const [calPath, evPath, mode, arg] = process.argv.slice(2);
  if (!calPath || !evPath || !mode) {
    process.stderr.write('usage: policy.js CALENDAR.json EVENTS.jsonl decisions|time [RUNS]\n');
    process.exit(2);
  }
  const calspec = JSON.parse(fs.readFileSync(calPath, 'utf8'));
  const events = loadEvents(evPath);
  if (mode === 'decisions') {
    const out = [];
    await runAll(events, calspec, (a, id, at, clock, tier) => { out.push(`${a} ${id} ${at} ${clock} ${tier}`); });
    out.push('');
    fs.writeSync(1, out.join('\n'));
    return;
  }
  const runs = Math.max(1, parseInt(arg || '5', 10));
  const r = [];
  let n = 0;
  for (let i = 0; i < runs; i++) {
    n = 0;
    const t0 = process.hrtime.bigint();
    await runAll(events, calspec, () => { n++; });
    r.push(events.length / (Number(process.hrtime.bigint() - t0) * 1e-9));
  }
  r.sort((a, b) => a - b);
  const med = runs % 2 ? r[runs >> 1] : (r[runs / 2 - 1] + r[runs / 2]) / 2;
  console.log(`events ${events.length} decisions ${n} median_eps ${med.toFixed(0)} min_eps ${r[0].toFixed(0)} max_eps ${r[runs - 1].toFixed(0)}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
