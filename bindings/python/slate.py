"""slate.py - Python binding of libslate (include/slate.h), by ctypes: no build step.

Load a policy, push events as dicts, receive decisions as dicts, swap policies,
ask when the next timer is due and look inside cases::

    import slate
    prog = slate.Program.load("policy.slc")        # or a .slate source: see below
    eng = slate.Engine(prog)
    for d in eng.push({"case": "c1", "type": "opened", "at": "2025-03-10T09:00:00Z",
                       "severity": "emergency"}):
        print(d["action"], d.get("clock"))
    eng.advance(eng.next_due)                      # fire what falls due
    eng.swap(slate.Program.load("policy-v2.slc"))  # hot swap under the open cases

Events are the dicts `slate run` reads as JSON lines (docs/io.md): `case`,
`type`, `at` (epoch ms, an RFC 3339 string, or an aware datetime), an optional
`id` and `seq`, and the policy's fields by name: enum values by name, bools,
ints, strings, durations in seconds (or "1h30m", or a timedelta).  Names are
turned into ids through the program the engine runs at the time of the push, so
an event dict stays valid across a swap.  A dict that names no such event
type, field or enum value raises ValueError (call Engine.reject to record it
as rejected).  Decisions are the JSON objects of slate_decision_json, parsed.

Source policies are compiled through libslatec when its shared library is found
(beside libslate, or SLATE_LIBSLATEC): compiling in Python spares a deploy a
separate `slate build`; without it, only compiled images (.slc) load.

The libraries: SLATE_LIBSLATE (a path), else libslate.so.0 where the dynamic
linker finds it (`make install`); or call load_library() first.  Engines follow
slate.h's threading rule: one thread at a time per engine; a Program may be
shared by engines on any thread.  Not here: the decision log (libslatelog).
"""

import ctypes
import ctypes.util
import datetime
import json
import os
import re

__all__ = ["SlateError", "Program", "Engine", "load_library", "version", "iso", "to_ms"]

OK, ERROR, NOMEM, MISUSE, SINK = 0, 1, 2, 3, 4
_AT_MAX = 253402300799999
_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1
_TYPES = {1: "int", 2: "bool", 3: "string", 4: "duration", 5: "enum"}
_STATES = {0: "idle", 1: "running", 2: "paused", 3: "stopped"}


class SlateError(Exception):
    """A call into libslate failed: .code is the SLATE_* result code."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


# ---- the C types (slate.h) -------------------------------------------------------

class _Value(ctypes.Structure):
    _fields_ = [("field", ctypes.c_int), ("i", ctypes.c_int64),
                ("s", ctypes.c_char_p), ("len", ctypes.c_size_t)]


class _Event(ctypes.Structure):
    _fields_ = [("case_id", ctypes.c_char_p), ("case_len", ctypes.c_size_t),
                ("type", ctypes.c_int), ("at", ctypes.c_int64),
                ("id", ctypes.c_char_p), ("id_len", ctypes.c_size_t),
                ("values", ctypes.POINTER(_Value)), ("nvalues", ctypes.c_size_t),
                ("seq", ctypes.c_uint64)]


class _EngineOpts(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("tolerance_ms", ctypes.c_int64),
                ("allocator", ctypes.c_void_p), ("expected_cases", ctypes.c_size_t),
                ("max_jump_ms", ctypes.c_int64), ("strict", ctypes.c_int)]


class _CaseInfo(ctypes.Structure):
    _fields_ = [("tier", ctypes.c_int), ("level", ctypes.c_int),
                ("tier_name", ctypes.c_char_p), ("level_name", ctypes.c_char_p),
                ("nclocks", ctypes.c_size_t)]


class _ClockInfo(ctypes.Structure):
    _fields_ = [("clock", ctypes.c_int), ("state", ctypes.c_int),
                ("elapsed_ms", ctypes.c_int64), ("target_ms", ctypes.c_int64),
                ("deadline", ctypes.c_int64), ("breached", ctypes.c_int)]


class _Risk(ctypes.Structure):
    _fields_ = [("case_id", ctypes.POINTER(ctypes.c_char)), ("case_len", ctypes.c_size_t),
                ("clock", ctypes.c_int), ("state", ctypes.c_int),
                ("elapsed_ms", ctypes.c_int64), ("target_ms", ctypes.c_int64),
                ("left_ms", ctypes.c_int64), ("deadline", ctypes.c_int64)]


class _SlatecOpts(ctypes.Structure):
    _fields_ = [("size", ctypes.c_size_t), ("diag", ctypes.c_void_p),
                ("werror", ctypes.c_int), ("summary", ctypes.c_int),
                ("errors", ctypes.c_int), ("warnings", ctypes.c_int)]


_SINK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
_P = ctypes.c_void_p

# name: (result type, argument types)
_PROTOS = {
    "slate_libversion": (ctypes.c_char_p, []),
    "slate_errstr": (ctypes.c_char_p, [ctypes.c_int]),
    "slate_free": (None, [_P]),
    "slate_program_load": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(_P),
                                          ctypes.POINTER(_P)]),
    "slate_program_free": (None, [_P]),
    "slate_program_hash": (ctypes.c_char_p, [_P]),
    "slate_program_name": (ctypes.c_char_p, [_P]),
    "slate_program_version": (ctypes.c_char_p, [_P]),
    "slate_program_source": (ctypes.c_char_p, [_P]),
    "slate_program_event_count": (ctypes.c_int, [_P]),
    "slate_program_event_name": (ctypes.c_char_p, [_P, ctypes.c_int]),
    "slate_program_field_count": (ctypes.c_int, [_P]),
    "slate_program_field_name": (ctypes.c_char_p, [_P, ctypes.c_int]),
    "slate_program_field_type": (ctypes.c_int, [_P, ctypes.c_int]),
    "slate_program_enum_count": (ctypes.c_int, [_P, ctypes.c_int]),
    "slate_program_enum_name": (ctypes.c_char_p, [_P, ctypes.c_int, ctypes.c_int]),
    "slate_program_clock_count": (ctypes.c_int, [_P]),
    "slate_program_clock_name": (ctypes.c_char_p, [_P, ctypes.c_int]),
    "slate_program_tier_count": (ctypes.c_int, [_P]),
    "slate_program_tier_name": (ctypes.c_char_p, [_P, ctypes.c_int]),
    "slate_decision_json": (ctypes.c_size_t, [_P, ctypes.c_char_p, ctypes.c_size_t]),
    "slate_engine_new": (_P, [_P, ctypes.POINTER(_EngineOpts)]),
    "slate_engine_free": (None, [_P]),
    "slate_engine_push": (ctypes.c_int, [_P, ctypes.POINTER(_Event), _SINK, _P]),
    "slate_engine_push_batch": (ctypes.c_int, [_P, ctypes.POINTER(_Event), ctypes.c_size_t, _SINK,
                                               _P, ctypes.POINTER(ctypes.c_size_t)]),
    "slate_engine_advance": (ctypes.c_int, [_P, ctypes.c_int64, _SINK, _P]),
    "slate_engine_swap": (ctypes.c_int, [_P, _P, _SINK, _P]),
    "slate_engine_reject": (ctypes.c_int, [_P, ctypes.POINTER(_Event), ctypes.c_char_p, _SINK, _P]),
    "slate_engine_now": (ctypes.c_int64, [_P]),
    "slate_engine_watermark": (ctypes.c_int64, [_P]),
    "slate_engine_buffered": (ctypes.c_size_t, [_P]),
    "slate_engine_flush": (ctypes.c_int, [_P, _SINK, _P]),
    "slate_engine_open_cases": (ctypes.c_size_t, [_P]),
    "slate_engine_decisions": (ctypes.c_uint64, [_P]),
    "slate_engine_next_due": (ctypes.c_int64, [_P]),
    "slate_engine_pending_timers": (ctypes.c_size_t, [_P]),
    "slate_engine_memory_used": (ctypes.c_size_t, [_P]),
    "slate_engine_trim": (ctypes.c_int, [_P]),
    "slate_engine_program": (_P, [_P]),
    "slate_engine_case": (ctypes.c_int, [_P, ctypes.c_char_p, ctypes.c_size_t,
                                         ctypes.POINTER(_CaseInfo), ctypes.POINTER(_ClockInfo),
                                         ctypes.c_size_t]),
    "slate_engine_at_risk": (ctypes.c_int, [_P, ctypes.c_int, ctypes.POINTER(_Risk),
                                            ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)]),
    "slate_errmsg": (ctypes.c_char_p, [_P]),
}

_SLATEC_PROTOS = {
    "slatec_compile": (ctypes.c_int, [ctypes.POINTER(_SlatecOpts), ctypes.c_char_p, ctypes.c_char_p,
                                      ctypes.c_size_t, ctypes.POINTER(_P), _P, _P]),
    "slatec_errstr": (ctypes.c_char_p, [ctypes.c_int]),
}

_libs = {}


def load_library(libslate=None, libslatec=None):
    """Load libslate (and libslatec, for compiling source) from these paths.
    Called with no paths on first use: SLATE_LIBSLATE / SLATE_LIBSLATEC, else
    the dynamic linker's search (libslate.so.0, libslatec.so.0); libslatec is
    also looked for beside libslate.  A missing libslatec is not an error."""
    path = libslate or os.environ.get("SLATE_LIBSLATE") or "libslate.so.0"
    lib = ctypes.CDLL(path)
    for name, (res, args) in _PROTOS.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    _libs.clear()
    _libs["slate"] = lib
    tries = [libslatec or os.environ.get("SLATE_LIBSLATEC")]
    if "/" in path:
        tries.append(os.path.join(os.path.dirname(path), "libslatec.so"))
    tries.append("libslatec.so.0")
    for p in tries:
        if not p:
            continue
        try:
            c = ctypes.CDLL(p)
        except OSError:
            continue
        for name, (res, args) in _SLATEC_PROTOS.items():
            fn = getattr(c, name)
            fn.restype, fn.argtypes = res, args
        _libs["slatec"] = c
        break
    return lib


def _lib():
    return _libs.get("slate") or load_library()


def have_compiler():
    """Whether source policies can be compiled here (libslatec was found)."""
    _lib()
    return "slatec" in _libs


def version():
    """The version of the libslate loaded (slate_libversion)."""
    return _lib().slate_libversion().decode()


def _s(b):
    return None if b is None else b.decode("utf-8", "replace")


# ---- times -------------------------------------------------------------------------

def to_ms(at):
    """Epoch milliseconds from an int, an RFC 3339 string or an aware datetime."""
    if isinstance(at, bool):
        raise TypeError("a time is not a bool")
    if isinstance(at, int):
        return at
    if isinstance(at, str):
        at = datetime.datetime.fromisoformat(at.replace("z", "Z").replace("t", "T"))
    if isinstance(at, datetime.datetime):
        if at.tzinfo is None:
            raise ValueError("a time needs a UTC offset")
        delta = at - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
        return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000
    raise TypeError("a time is epoch ms, an RFC 3339 string or a datetime, not %r" % (at,))


def iso(ms):
    """RFC 3339 UTC with milliseconds, as decisions write times."""
    t = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + \
        datetime.timedelta(milliseconds=ms)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


_DUR = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def _duration_ms(v):
    if isinstance(v, datetime.timedelta):
        return int(v.total_seconds() * 1000)
    if isinstance(v, int) and not isinstance(v, bool):
        return v * 1000
    m = _DUR.match(v) if isinstance(v, str) and v else None
    if not m or not any(m.groups()):
        raise ValueError("not a duration: %r" % (v,))
    d, h, mi, s = (int(x or 0) for x in m.groups())
    return (((d * 24 + h) * 60 + mi) * 60 + s) * 1000


# ---- programs ------------------------------------------------------------------------

class Program:
    """A loaded, verified policy.  Immutable: share it between engines and
    threads.  Free it with close() (or let it be collected) once no engine runs
    it; an Engine keeps the program it runs alive."""

    def __init__(self, handle):
        self._h = handle
        lib = _lib()
        self.hash = _s(lib.slate_program_hash(handle))
        self.name = _s(lib.slate_program_name(handle))
        self.version = _s(lib.slate_program_version(handle))
        self.source = _s(lib.slate_program_source(handle))
        self.events = [_s(lib.slate_program_event_name(handle, i))
                       for i in range(lib.slate_program_event_count(handle))]
        self.clocks = [_s(lib.slate_program_clock_name(handle, i))
                       for i in range(lib.slate_program_clock_count(handle))]
        self.tiers = [_s(lib.slate_program_tier_name(handle, i))
                      for i in range(lib.slate_program_tier_count(handle))]
        self.fields = {}
        for f in range(lib.slate_program_field_count(handle)):
            t = _TYPES.get(lib.slate_program_field_type(handle, f), "?")
            values = [_s(lib.slate_program_enum_name(handle, f, v))
                      for v in range(max(lib.slate_program_enum_count(handle, f), 0))]
            self.fields[_s(lib.slate_program_field_name(handle, f))] = \
                {"id": f, "type": t, "values": values}
        self._event_ids = {n: i for i, n in enumerate(self.events)}
        self._enum_ids = {n: {v: i for i, v in enumerate(d["values"])}
                          for n, d in self.fields.items()}

    @classmethod
    def from_image(cls, data):
        """Load compiled image bytes (what `slate build` writes)."""
        lib = _lib()
        h, err = _P(), _P()
        rc = lib.slate_program_load(data, len(data), ctypes.byref(h), ctypes.byref(err))
        if rc != OK:
            msg = ctypes.string_at(err).decode() if err.value else _s(lib.slate_errstr(rc))
            lib.slate_free(err)
            raise SlateError(rc, "cannot load the image: " + msg)
        return cls(h)

    @classmethod
    def compile(cls, source, filename="policy.slate"):
        """Compile policy source text with libslatec; SlateError carries the
        diagnostics (`file:line:col: error: ...`) when it has errors."""
        _lib()
        c = _libs.get("slatec")
        if c is None:
            raise SlateError(MISUSE, "libslatec was not found: only compiled images load")
        if isinstance(source, str):
            source = source.encode()
        libc = ctypes.CDLL(None)
        libc.open_memstream.restype = _P
        libc.open_memstream.argtypes = [ctypes.POINTER(_P), ctypes.POINTER(ctypes.c_size_t)]
        libc.fclose.argtypes = [_P]
        libc.free.argtypes = [_P]
        buf, size = _P(), ctypes.c_size_t()
        diag = libc.open_memstream(ctypes.byref(buf), ctypes.byref(size))
        o = _SlatecOpts(ctypes.sizeof(_SlatecOpts), diag, 0, 0, 0, 0)
        h = _P()
        rc = c.slatec_compile(ctypes.byref(o), filename.encode(), source, len(source),
                              ctypes.byref(h), None, None)
        if diag:
            libc.fclose(diag)
        text = ctypes.string_at(buf, size.value).decode("utf-8", "replace") if buf.value else ""
        libc.free(buf)
        if rc != OK:
            raise SlateError(rc, text or _s(c.slatec_errstr(rc)))
        return cls(h)

    @classmethod
    def load(cls, path):
        """A compiled image (.slc), or source compiled with libslatec."""
        with open(path, "rb") as f:
            data = f.read()
        if data.startswith(b"SLATEBC\0") or not have_compiler():
            return cls.from_image(data)
        return cls.compile(data, os.path.basename(path))

    def event_id(self, name):
        return self._event_ids.get(name, -1)

    def close(self):
        if self._h:
            _lib().slate_program_free(self._h)
            self._h = None

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self):
        return "<slate.Program %s %s %s>" % (self.name, self.version, self.hash[:12])


# ---- engines -------------------------------------------------------------------------------

class Engine:
    """The open cases of one stream, and the decisions its events make."""

    def __init__(self, program, tolerance_ms=0, max_jump_ms=0, expected_cases=0, strict=False):
        lib = _lib()
        o = _EngineOpts(ctypes.sizeof(_EngineOpts), tolerance_ms, None, expected_cases, max_jump_ms,
                        1 if strict else 0)
        self._h = lib.slate_engine_new(program._h, ctypes.byref(o))
        if not self._h:
            raise SlateError(NOMEM, "slate_engine_new failed")
        self._prog = program
        self._seq = 0
        self._out = []
        self._error = None
        self._sink = _SINK(self._collect)  # kept: C holds the pointer during calls

    def _collect(self, ud, d):
        try:
            lib = _lib()
            buf = ctypes.create_string_buffer(4096)
            n = lib.slate_decision_json(d, buf, len(buf))
            if n >= len(buf):
                buf = ctypes.create_string_buffer(n + 1)
                lib.slate_decision_json(d, buf, len(buf))
            self._out.append(json.loads(buf.value.decode("utf-8")))
            return 0
        except BaseException as e:  # noqa: BLE001 - stop the engine, re-raise after
            self._error = e
            return 1

    def _call(self, fn, *args, extra=()):
        self._out = []
        self._error = None
        rc = fn(self._h, *args, self._sink, None, *extra)
        out, self._out = self._out, []
        if self._error is not None:
            raise self._error
        if rc != OK:
            raise SlateError(rc, "%s: %s" % (_s(_lib().slate_errstr(rc)),
                                             _s(_lib().slate_errmsg(self._h))))
        return out

    def _check(self):
        if not self._h:
            raise SlateError(MISUSE, "the engine is closed")

    @property
    def program(self):
        """The Program the engine runs now."""
        return self._prog

    def _event(self, ev, keep, reject=False):
        p = self._prog
        c = _Event()
        case = ev.get("case")
        if case is not None:
            b = case.encode()
            keep.append(b)
            c.case_id, c.case_len = b, len(b)
        t = ev.get("type")
        c.type = p.event_id(t) if t is not None else -1
        if c.type < 0 and not reject:
            raise ValueError("unknown event type %r (the policy has %s)" % (t, ", ".join(p.events)))
        at = ev.get("at")
        c.at = to_ms(at) if at is not None else (_INT64_MIN if reject else 0)
        if at is None and not reject:
            raise ValueError("an event needs `at`")
        if ev.get("id") is not None:
            b = str(ev["id"]).encode()
            keep.append(b)
            c.id, c.id_len = b, len(b)
        if "seq" in ev:
            c.seq = ev["seq"]
            self._seq = max(self._seq, c.seq)
        else:
            self._seq += 1
            c.seq = self._seq
        if reject:
            return c
        values = []
        for k, v in ev.items():
            if k in ("case", "type", "at", "id", "seq"):
                continue
            f = p.fields.get(k)
            if f is None:
                raise ValueError("unknown field %r" % k)
            x = _Value(f["id"], 0, None, 0)
            if f["type"] == "enum":
                i = p._enum_ids[k].get(v)
                if i is None:
                    raise ValueError("%r is not a value of %s (%s)" % (v, k, ", ".join(f["values"])))
                x.i = i
            elif f["type"] == "string":
                b = str(v).encode()
                keep.append(b)
                x.s, x.len = b, len(b)
            elif f["type"] == "duration":
                x.i = _duration_ms(v)
            elif f["type"] == "bool":
                if not isinstance(v, bool):
                    raise ValueError("%s is a bool, not %r" % (k, v))
                x.i = int(v)
            else:
                if isinstance(v, bool) or not isinstance(v, int):
                    raise ValueError("%s is an int, not %r" % (k, v))
                x.i = v
            values.append(x)
        if values:
            arr = (_Value * len(values))(*values)
            keep.append(arr)
            c.values, c.nvalues = arr, len(values)
        return c

    def push(self, event):
        """Apply one event (a dict); returns its decisions, timers fired first."""
        self._check()
        keep = []
        c = self._event(event, keep)
        return self._call(_lib().slate_engine_push, ctypes.byref(c))

    def push_many(self, events):
        """Apply a list of events (dicts) in one call of slate_engine_push_batch,
        as push() one by one would; returns all their decisions.  A dict that
        cannot be converted raises before any event is applied; an event the
        engine refuses raises SlateError after the ones before it were applied,
        its `done` attribute saying how many those were."""
        self._check()
        keep = []
        arr = (_Event * len(events))(*[self._event(ev, keep) for ev in events])
        done = ctypes.c_size_t(0)
        try:
            return self._call(_lib().slate_engine_push_batch, arr, len(events),
                              extra=(ctypes.byref(done),))
        except SlateError as e:
            e.done = done.value
            raise

    def advance(self, now):
        """Move time to `now`, firing due timers; returns their decisions."""
        self._check()
        return self._call(_lib().slate_engine_advance, to_ms(now))

    def flush(self):
        """Apply the events held within the tolerance (end of the stream);
        returns their decisions and those of the timers up to the latest time."""
        self._check()
        return self._call(_lib().slate_engine_flush)

    def swap(self, program):
        """Run `program` from now on under the open cases; returns the `sla`
        decisions of cases whose targets changed and steps that fall due."""
        self._check()
        out = self._call(_lib().slate_engine_swap, program._h)
        self._prog = program
        return out

    def reject(self, event, reason):
        """Record an event the caller could not use as rejected (one `reject`
        decision in the engine's sequence).  Only case, at, id, seq are read."""
        self._check()
        keep = []
        c = self._event(event, keep, reject=True)
        return self._call(_lib().slate_engine_reject, ctypes.byref(c), reason.encode())

    @property
    def now(self):
        """The engine's time (epoch ms), None before the first event."""
        self._check()
        t = _lib().slate_engine_now(self._h)
        return None if t == _INT64_MIN else t

    @property
    def watermark(self):
        """The instant decisions are made at (epoch ms): the latest time less
        the tolerance, or later after advance()/flush(); None before any."""
        self._check()
        t = _lib().slate_engine_watermark(self._h)
        return None if t == _INT64_MIN else t

    @property
    def buffered(self):
        """Events held within the tolerance, waiting for the watermark."""
        self._check()
        return _lib().slate_engine_buffered(self._h)

    @property
    def next_due(self):
        """When the next timer may fire (epoch ms), None when none is pending:
        sleep until then, then advance()."""
        self._check()
        t = _lib().slate_engine_next_due(self._h)
        return None if t == _INT64_MAX else t

    @property
    def open_cases(self):
        self._check()
        return _lib().slate_engine_open_cases(self._h)

    @property
    def decisions(self):
        self._check()
        return _lib().slate_engine_decisions(self._h)

    @property
    def pending_timers(self):
        self._check()
        return _lib().slate_engine_pending_timers(self._h)

    @property
    def memory_used(self):
        self._check()
        return _lib().slate_engine_memory_used(self._h)

    def trim(self):
        self._check()
        rc = _lib().slate_engine_trim(self._h)
        if rc != OK:
            raise SlateError(rc, _s(_lib().slate_errmsg(self._h)))

    def case(self, case_id):
        """An open case's tier, level and clocks (a dict), or None when it is
        not open.  clocks: name -> state, elapsed_ms, target_ms (None: no
        target), deadline (epoch ms, None unless running short of it), breached."""
        self._check()
        lib = _lib()
        b = case_id.encode()
        n = len(self._prog.clocks)
        info, ck = _CaseInfo(), (_ClockInfo * max(n, 1))()
        rc = lib.slate_engine_case(self._h, b, len(b), ctypes.byref(info), ck, n)
        if rc == ERROR:
            return None
        if rc != OK:
            raise SlateError(rc, "slate_engine_case failed")
        clocks = {}
        for i in range(min(n, info.nclocks)):
            k = ck[i]
            clocks[self._prog.clocks[k.clock]] = {
                "state": _STATES.get(k.state, "?"), "elapsed_ms": k.elapsed_ms,
                "target_ms": None if k.target_ms < 0 else k.target_ms,
                "deadline": None if k.deadline == _INT64_MIN else k.deadline,
                "breached": bool(k.breached)}
        return {"case": case_id, "tier": _s(info.tier_name), "level": _s(info.level_name),
                "clocks": clocks}

    def at_risk(self, percent=80, limit=100):
        """Open cases with a started clock past `percent`% of its target, most
        urgent first (least working time left; ties by case id), at most
        `limit` of them."""
        self._check()
        arr, found = (_Risk * max(limit, 1))(), ctypes.c_size_t()
        rc = _lib().slate_engine_at_risk(self._h, percent, arr, limit, ctypes.byref(found))
        if rc != OK:
            raise SlateError(rc, "slate_engine_at_risk: bad arguments")
        out = []
        for r in arr[:min(limit, found.value)]:
            out.append({"case": ctypes.string_at(r.case_id, r.case_len).decode("utf-8", "replace"),
                        "clock": self._prog.clocks[r.clock], "state": _STATES.get(r.state, "?"),
                        "elapsed_ms": r.elapsed_ms, "target_ms": r.target_ms, "left_ms": r.left_ms,
                        "deadline": None if r.deadline == _INT64_MIN else r.deadline})
        return out

    def close(self):
        if self._h:
            _lib().slate_engine_free(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
