"""Load a ``vtd-scenario/1`` file and validate it into a :class:`Scenario`.

Every problem is a :class:`ScenarioError` whose message names the file, the step (index and op)
or top-level section, and the field, e.g.
``scenario.json: step 3 (dma): field 'addr': bad number 'zz'``.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from pathlib import Path

from python_model.config import ConfigError, UnitConfig
from python_model.regmap import RegisterMap
from python_model.structures import INTR_HI, INTR_LO, touches_interrupt_range

from .numbers import MAX_U64, NumberError, parse_number, parse_sid, show_value
from .registers import RegisterNameError, check_offset, resolve_name
from .results import EXPECTABLE, RESULT_SHAPES, ResultShape
from .steps import (
    FORMAT,
    Action,
    BusError,
    Dma,
    ExpectValue,
    MemoryRun,
    MemRead,
    MemRef,
    MemWrite,
    Msi,
    Poll,
    RegRead,
    RegRef,
    RegWrite,
    Scenario,
    Step,
    Wait,
)

PAGE = 4096
MAX_DMA_SIZE = 4096
MAX_READ_COUNT = 65536

TOP_LEVEL = ("format", "name", "description", "config", "memory", "memory_errors", "steps")
COMMON = ("op", "expect", "comment")
REG_FIELDS = ("reg", "offset", "size")
OP_FIELDS: dict[str, tuple[str, ...]] = {
    "reg_write": (*REG_FIELDS, "value"),
    "reg_read": REG_FIELDS,
    "mem_write": ("addr", "qwords"),
    "mem_read": ("addr", "count"),
    "poll": (*REG_FIELDS, "addr", "mask", "value", "timeout_cycles"),
    "dma": ("sid", "addr", "write", "size"),
    "msi": ("sid", "addr", "data"),
    "wait": ("cycles",),
}


class ScenarioError(Exception):
    """The scenario file is invalid (exit status 2). ``str()`` is the complete message."""


class _Invalid(Exception):
    """Raised inside the parser; turned into a ScenarioError with the file name."""

    def __init__(self, where: str, field: str | None, message: str) -> None:
        super().__init__(message)
        self.where = where
        self.field = field
        self.message = message

    def render(self, source: str) -> str:
        parts = [source]
        if self.where:
            parts.append(self.where)
        if self.field:
            parts.append(f"field {self.field!r}")
        parts.append(self.message)
        return ": ".join(parts)


class _DuplicateKey(Exception):
    pass


# --------------------------------------------------------------------------- loading


def load(path: str | Path) -> Scenario:
    """Read and validate a scenario file."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(f"{source}: cannot read: {e}") from None
    return parse_text(text, source)


def parse_text(text: str, source: str = "<scenario>") -> Scenario:
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as e:
        raise ScenarioError(
            f"{source}: line {e.lineno} column {e.colno}: invalid JSON: {e.msg}") from None
    except _DuplicateKey as e:
        raise ScenarioError(f"{source}: invalid JSON: duplicate key {e.args[0]!r} in an object "
                            "(the later one would silently win)") from None
    return parse_document(doc, source)


def parse_document(doc: object, source: str = "<scenario>") -> Scenario:
    """Validate an already-decoded JSON document."""
    try:
        return _parse(doc, source)
    except _Invalid as e:
        raise ScenarioError(e.render(source)) from None


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    out: dict[str, object] = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


# --------------------------------------------------------------------------- field access


class _Obj:
    """A JSON object at a location, with checked access to its fields."""

    def __init__(self, raw: object, where: str, allowed: tuple[str, ...], what: str) -> None:
        if not isinstance(raw, dict):
            raise _Invalid(where, None, f"must be a JSON object, got {_kind(raw)}")
        self.raw: dict[str, object] = raw
        self.where = where
        for key in raw:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise _Invalid(where, key, f"unknown field{hint}; {what} takes "
                               f"{', '.join(allowed)}")

    def has(self, key: str) -> bool:
        return key in self.raw

    def get(self, key: str) -> object:
        if key not in self.raw:
            raise _Invalid(self.where, key, "missing")
        return self.raw[key]

    def fail(self, key: str | None, message: str) -> _Invalid:
        return _Invalid(self.where, key, message)

    def number(self, key: str, bits: int = 64, default: int | None = None) -> int:
        if default is not None and key not in self.raw:
            return default
        return self.convert(key, self.get(key), lambda raw: parse_number(raw, bits))

    def sid(self, key: str = "sid") -> int:
        return self.convert(key, self.get(key), parse_sid)

    def boolean(self, key: str) -> bool:
        raw = self.get(key)
        if not isinstance(raw, bool):
            raise self.fail(key, f"expected true or false, got {show_value(raw)}")
        return raw

    def string(self, key: str, default: str | None = None) -> str:
        if default is not None and key not in self.raw:
            return default
        raw = self.get(key)
        if not isinstance(raw, str):
            raise self.fail(key, f"expected a string, got {_kind(raw)}")
        return raw

    def number_list(self, key: str) -> tuple[int, ...]:
        raw = self.get(key)
        if not isinstance(raw, list):
            raise self.fail(key, f"expected a list of numbers, got {_kind(raw)}")
        if not raw:
            raise self.fail(key, "empty list")
        return tuple(self.convert(f"{key}[{i}]", v, parse_number) for i, v in enumerate(raw))

    def convert(self, key: str, raw: object, conv: Callable[[object], int]) -> int:
        try:
            return conv(raw)
        except NumberError as e:
            raise self.fail(key, str(e)) from None


def _kind(raw: object) -> str:
    if isinstance(raw, bool):
        return "a boolean"
    if raw is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", int: "an integer",
            float: "a non-integer number"}.get(type(raw), type(raw).__name__)


# --------------------------------------------------------------------------- top level


def _parse(doc: object, source: str) -> Scenario:
    top = _Obj(doc, "", TOP_LEVEL, "a scenario")
    fmt = top.get("format")
    if fmt != FORMAT:
        raise top.fail("format", f"expected {FORMAT!r}, got {show_value(fmt)}")
    name = top.string("name")
    if not name.strip():
        raise top.fail("name", "empty")
    description = top.string("description", default="")
    raw_config = top.raw.get("config", {})
    if not isinstance(raw_config, dict):
        raise top.fail("config", f"must be a JSON object, got {_kind(raw_config)}")
    try:
        config = UnitConfig.from_dict(raw_config, where="config")
    except ConfigError as e:
        raise _Invalid("", None, str(e)) from None
    config_params = {k: getattr(config, k) for k in raw_config}
    rmap = RegisterMap(config.num_fault_records)
    memory = tuple(_memory_run(r, f"memory[{i}]") for i, r in enumerate(_list(top, "memory")))
    errors = tuple(_bus_error(r, f"memory_errors[{i}]")
                   for i, r in enumerate(_list(top, "memory_errors")))
    if "steps" not in top.raw:
        raise top.fail("steps", "missing")
    steps = tuple(_step(i, raw, rmap) for i, raw in enumerate(_list(top, "steps")))
    return Scenario(name=name, description=description, config_params=config_params,
                    config=config, memory=memory, memory_errors=errors, steps=steps,
                    source=source, document=top.raw)


def _list(top: _Obj, key: str) -> list[object]:
    raw = top.raw.get(key, [])
    if not isinstance(raw, list):
        raise top.fail(key, f"must be a list, got {_kind(raw)}")
    return raw


def _memory_run(raw: object, where: str) -> MemoryRun:
    obj = _Obj(raw, where, ("addr", "qwords"), "a memory run")
    addr = _qword_addr(obj)
    qwords = obj.number_list("qwords")
    _fits(obj, "qwords", addr, 8 * len(qwords))
    return MemoryRun(addr, qwords)


def _bus_error(raw: object, where: str) -> BusError:
    obj = _Obj(raw, where, ("addr", "size", "access"), "a memory error range")
    addr = obj.number("addr")
    size = obj.number("size")
    if size < 1:
        raise obj.fail("size", "must be at least 1")
    _fits(obj, "size", addr, size)
    access = obj.string("access", default="any")
    if access not in ("read", "write", "any"):
        raise obj.fail("access", f"expected 'read', 'write' or 'any', got {access!r}")
    return BusError(addr, size, on_read=access != "write", on_write=access != "read")


def _qword_addr(obj: _Obj) -> int:
    addr = obj.number("addr")
    if addr % 8:
        raise obj.fail("addr", f"{addr:#x} is not 8-byte aligned")
    return addr


def _fits(obj: _Obj, key: str, addr: int, size: int) -> None:
    if addr + size - 1 > MAX_U64:
        raise obj.fail(key, f"{addr:#x}+{size:#x} runs past the end of the 64-bit address space")


# --------------------------------------------------------------------------- steps


def _step(index: int, raw: object, rmap: RegisterMap) -> Step:
    where = f"step {index}"
    if not isinstance(raw, dict):
        raise _Invalid(where, None, f"must be a JSON object, got {_kind(raw)}")
    op = raw.get("op")
    if op is None:
        raise _Invalid(where, "op", "missing")
    if not isinstance(op, str) or op not in OP_FIELDS:
        raise _Invalid(where, "op", f"unknown op {show_value(op)}; known ops: "
                       f"{', '.join(OP_FIELDS)}")
    where = f"step {index} ({op})"
    obj = _Obj(raw, where, (*COMMON, *OP_FIELDS[op]), f"{op}")
    action = _ACTIONS[op](obj, rmap)
    expect = _expect(obj, action) if obj.has("expect") else None
    comment = obj.string("comment") if obj.has("comment") else None
    return Step(index, action, expect, comment)


def _reg_ref(obj: _Obj, rmap: RegisterMap) -> RegRef:
    if obj.has("reg"):
        if obj.has("offset"):
            raise obj.fail("offset", "give either 'reg' or 'offset'+'size', not both")
        if obj.has("size"):
            raise obj.fail("size", "only with 'offset' (a named register has its "
                           "architectural size)")
        name = obj.string("reg")
        try:
            return resolve_name(name, rmap)
        except RegisterNameError as e:
            raise obj.fail("reg", str(e)) from None
    if obj.has("offset"):
        offset = obj.number("offset")
        if not obj.has("size"):
            raise obj.fail("size", "missing: an 'offset' needs an explicit 'size' (4 or 8)")
        size = obj.number("size")
        if size not in (4, 8):
            raise obj.fail("size", f"{size} is not 4 or 8")
        why = check_offset(offset, size)
        if why:
            raise obj.fail("offset", why)
        return RegRef(None, offset, size)
    if obj.has("size"):
        raise obj.fail("size", "only with 'offset'")
    raise obj.fail("reg", "missing: give 'reg' or 'offset'+'size'")


def _reg_write(obj: _Obj, rmap: RegisterMap) -> RegWrite:
    reg = _reg_ref(obj, rmap)
    return RegWrite(reg, obj.number("value", bits=8 * reg.size))


def _reg_read(obj: _Obj, rmap: RegisterMap) -> RegRead:
    return RegRead(_reg_ref(obj, rmap))


def _mem_write(obj: _Obj, rmap: RegisterMap) -> MemWrite:
    addr = _qword_addr(obj)
    qwords = obj.number_list("qwords")
    _fits(obj, "qwords", addr, 8 * len(qwords))
    return MemWrite(addr, qwords)


def _mem_read(obj: _Obj, rmap: RegisterMap) -> MemRead:
    addr = _qword_addr(obj)
    count = obj.number("count")
    if not 1 <= count <= MAX_READ_COUNT:
        raise obj.fail("count", f"{count} is not in 1..{MAX_READ_COUNT}")
    _fits(obj, "count", addr, 8 * count)
    return MemRead(addr, count)


def _poll(obj: _Obj, rmap: RegisterMap) -> Poll:
    target: RegRef | MemRef
    if obj.has("addr"):
        for key in REG_FIELDS:
            if obj.has(key):
                raise obj.fail(key, "a poll reads either a register or memory ('addr'), "
                               "not both")
        target = MemRef(_qword_addr(obj))
        bits = 64
    else:
        if not any(obj.has(k) for k in REG_FIELDS):
            raise obj.fail("reg", "missing: give 'reg', 'offset'+'size' or 'addr'")
        target = _reg_ref(obj, rmap)
        bits = 8 * target.size
    mask = obj.number("mask", bits=bits)
    value = obj.number("value", bits=bits)
    if value & ~mask:
        raise obj.fail("value", f"{value:#x} has bits outside mask {mask:#x}: "
                       "the poll could never succeed")
    timeout = obj.number("timeout_cycles", default=10000)
    return Poll(target, mask, value, timeout)


def _dma(obj: _Obj, rmap: RegisterMap) -> Dma:
    sid = obj.sid()
    addr = obj.number("addr")
    write = obj.boolean("write")
    size = obj.number("size", default=4)
    if not 1 <= size <= MAX_DMA_SIZE:
        raise obj.fail("size", f"{size} is not in 1..{MAX_DMA_SIZE}")
    if addr % PAGE + size > PAGE:
        raise obj.fail("addr", f"the access {addr:#x}+{size} crosses a 4 KiB page boundary")
    if write and size == 4 and touches_interrupt_range(addr, size):
        raise obj.fail("addr", f"a 4-byte write to {addr:#x} in 0xfee00000-0xfeefffff is an "
                       "interrupt request: write it as an 'msi' op (decision P14)")
    return Dma(sid, addr, write, size)


def _msi(obj: _Obj, rmap: RegisterMap) -> Msi:
    sid = obj.sid()
    addr = obj.number("addr")
    if not INTR_LO <= addr <= INTR_HI:
        raise obj.fail("addr", f"{addr:#x} is outside the interrupt range "
                       "0xfee00000-0xfeefffff")
    return Msi(sid, addr, obj.number("data", bits=32))


def _wait(obj: _Obj, rmap: RegisterMap) -> Wait:
    return Wait(obj.number("cycles"))


_ACTIONS: dict[str, Callable[[_Obj, RegisterMap], Action]] = {
    "reg_write": _reg_write, "reg_read": _reg_read, "mem_write": _mem_write,
    "mem_read": _mem_read, "poll": _poll, "dma": _dma, "msi": _msi, "wait": _wait,
}


# --------------------------------------------------------------------------- expect


def _expect(step: _Obj, action: Action) -> dict[str, ExpectValue]:
    raw = step.raw["expect"]
    op = action.op
    if not isinstance(raw, dict):
        raise step.fail("expect", f"must be a JSON object, got {_kind(raw)}")
    shapes = RESULT_SHAPES[op]
    possible = sorted({k for shape in shapes for k in shape.fields})
    out: dict[str, ExpectValue] = {}
    for key, value in raw.items():
        field = f"expect.{key}"
        if key not in possible:
            has = f"it has {', '.join(possible)}" if possible else "it is always {}"
            raise step.fail(field, f"the result of {op} never has {key!r} ({has})")
        out[key] = _expected_value(step, field, key, value, shapes)
    fitting = [s for s in shapes if set(out) <= set(s.fields)
               and ("status" not in out or out["status"] == s.status)]
    if not fitting:
        raise step.fail("expect", f"no result of {op} has all of {', '.join(out)} "
                        f"with these values ({_shapes_text(shapes)})")
    if isinstance(action, MemRead) and "qwords" in out:
        n = len(out["qwords"])  # type: ignore[arg-type]
        if n != action.count:
            raise step.fail("expect.qwords", f"{n} qwords expected but count is "
                            f"{action.count}")
    return out


def _expected_value(step: _Obj, field: str, key: str, value: object,
                    shapes: tuple[ResultShape, ...]) -> ExpectValue:
    kind = EXPECTABLE[key]
    if kind == "status":
        statuses = [s.status for s in shapes]
        if value not in statuses:
            raise step.fail(field, f"expected one of {', '.join(map(repr, statuses))}, "
                            f"got {show_value(value)}")
        return str(value)
    if kind == "list":
        if not isinstance(value, list):
            raise step.fail(field, f"expected a list of numbers, got {_kind(value)}")
        return tuple(step.convert(f"{field}[{i}]", v, parse_number)
                     for i, v in enumerate(value))
    return step.convert(field, value, parse_number)


def _shapes_text(shapes: tuple[ResultShape, ...]) -> str:
    return "; ".join(f"status {s.status!r}: {', '.join(s.fields)}" for s in shapes)
