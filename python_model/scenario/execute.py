"""Run a :class:`Scenario` on an engine (the golden model, or an RTL simulation) step by step.

An engine only moves bytes and requests; everything format-related (register placement, result
shapes, events per step, the results document) is done here, so every engine is driven the
same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from python_model.config import UnitConfig

from .registers import Placement, placed_by_cap
from .results import (
    RESULT_SHAPES,
    Event,
    ExpectFailure,
    FaultRecordEntry,
    FieldValue,
    ResultsDoc,
    StepResult,
    check_expects,
)
from .steps import (
    Action,
    Dma,
    MemRead,
    MemRef,
    MemWrite,
    Msi,
    Poll,
    RegRead,
    RegRef,
    RegWrite,
    Scenario,
    Wait,
)

CAP_OFFSET = 0x008
ECAP_OFFSET = 0x010


class Engine(Protocol):
    """What the runner needs from a unit under test. Register targets arrive resolved."""

    name: str  # "model", "verilator" or "icarus"

    def reg_read(self, offset: int, size: int) -> int: ...

    def reg_write(self, offset: int, size: int, value: int) -> None: ...

    def mem_write(self, addr: int, qwords: Sequence[int]) -> None:
        """Software (or the initial image) writes memory; injected bus errors do not apply."""

    def mem_read(self, addr: int, count: int) -> list[int]:
        """Software reads ``count`` qwords; injected bus errors do not apply."""

    def add_memory_error(self, addr: int, size: int, on_read: bool, on_write: bool) -> None: ...

    def poll(self, target: RegRef | MemRef, mask: int, value: int, timeout_cycles: int) -> bool:
        """True once ``(x & mask) == value``; False after ``timeout_cycles`` without it."""

    def dma(self, sid: int, addr: int, write: bool, size: int) -> Mapping[str, object]:
        """``{"status": "ok", "hpa"}`` or ``{"status": "fault", "reason"}``."""

    def msi(self, sid: int, addr: int, data: int) -> Mapping[str, object]: ...

    def wait(self, cycles: int) -> None: ...

    def events(self) -> Sequence[tuple[int, int]]:
        """Every (addr, data) message the unit generated so far, in order."""

    def fault_records(self) -> list[FaultRecordEntry]: ...

    def fsts(self) -> int: ...


class EngineError(RuntimeError):
    """An engine answered outside the interface (a bug in the engine, not in the scenario)."""


@dataclass
class Run:
    """One run: the results document plus everything that went wrong."""

    scenario: Scenario
    doc: ResultsDoc
    expect_failures: list[ExpectFailure] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # the engine disagreed with the regmap

    @property
    def ok(self) -> bool:
        return not self.expect_failures and not self.problems


def execute(scenario: Scenario, engine: Engine) -> Run:
    """Load memory, run every step, collect events, fault records and FSTS; check expects."""
    for err in scenario.memory_errors:
        engine.add_memory_error(err.addr, err.size, err.on_read, err.on_write)
    for run in scenario.memory:
        engine.mem_write(run.addr, run.qwords)
    problems, resolve = _placement(scenario, engine)
    doc = ResultsDoc(scenario.name, engine.name)
    seen = 0  # (an event before the first step would be a bug: it shows up under step 0)
    for step in scenario.steps:
        fields = _run_action(step.action, engine, resolve)
        doc.results.append(StepResult(step.index, step.op, fields))
        events = engine.events()
        doc.events.extend(Event(step.index, addr, data) for addr, data in events[seen:])
        seen = len(events)
    doc.fault_records = list(engine.fault_records())
    doc.fsts = engine.fsts()
    return Run(scenario, doc, check_expects(scenario, doc), problems)


def _placement(scenario: Scenario, engine: Engine) -> tuple[list[str], dict[RegRef, RegRef]]:
    """Resolve IVA/IOTLB/FRCD names through the unit's own CAP.FRO and ECAP.IRO."""
    refs = {r for r in scenario.reg_refs() if r.name and placed_by_cap(r.name)}
    if not refs:
        return [], {}
    placement = Placement.from_caps(engine.reg_read(CAP_OFFSET, 8),
                                    engine.reg_read(ECAP_OFFSET, 8))
    problems = [p for r in sorted(refs, key=lambda r: r.offset) if (p := placement.check(r))]
    return problems, {r: placement.apply(r) for r in refs}


def _run_action(a: Action, engine: Engine, resolve: dict[RegRef, RegRef]) \
        -> dict[str, FieldValue]:
    if isinstance(a, RegWrite):
        reg = resolve.get(a.reg, a.reg)
        engine.reg_write(reg.offset, reg.size, a.value)
        return {}
    if isinstance(a, RegRead):
        reg = resolve.get(a.reg, a.reg)
        return {"value": _u(engine.reg_read(reg.offset, reg.size), 8 * reg.size, "reg_read")}
    if isinstance(a, MemWrite):
        engine.mem_write(a.addr, a.qwords)
        return {}
    if isinstance(a, MemRead):
        qwords = engine.mem_read(a.addr, a.count)
        if len(qwords) != a.count:
            raise EngineError(f"{engine.name}: mem_read returned {len(qwords)} qwords, "
                              f"not {a.count}")
        return {"qwords": tuple(_u(q, 64, "mem_read") for q in qwords)}
    if isinstance(a, Poll):
        target = resolve.get(a.target, a.target) if isinstance(a.target, RegRef) else a.target
        done = engine.poll(target, a.mask, a.value, a.timeout_cycles)
        return {"status": "ok" if done else "timeout"}
    if isinstance(a, Dma):
        return _shaped("dma", engine.dma(a.sid, a.addr, a.write, a.size), engine.name)
    if isinstance(a, Msi):
        return _shaped("msi", engine.msi(a.sid, a.addr, a.data), engine.name)
    if isinstance(a, Wait):
        engine.wait(a.cycles)
        return {}
    raise TypeError(f"unknown action {a!r}")


def _shaped(op: str, raw: Mapping[str, object], engine: str) -> dict[str, FieldValue]:
    """Check an engine's answer against the result shapes of ``op``; keep the format's order."""
    for shape in RESULT_SHAPES[op]:
        if raw.get("status") == shape.status and set(raw) == set(shape.fields):
            out: dict[str, FieldValue] = {"status": str(shape.status)}
            for k in shape.fields[1:]:
                out[k] = _u(raw[k], 64, f"{op}.{k}")
            return out
    raise EngineError(f"{engine}: {op} answered {dict(raw)!r}, which is no {op} result shape")


def _u(value: object, bits: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value >> bits:
        raise EngineError(f"{what}: {value!r} is not a {bits}-bit unsigned integer")
    return value


# --------------------------------------------------------------------------- the golden model


class ModelEngine:
    """The Python golden model (``python_model.unit.RemappingUnit``): untimed, so a poll
    evaluates once after all pending work has finished and ``wait`` does nothing."""

    name = "model"

    def __init__(self, config: UnitConfig) -> None:
        from python_model.unit import RemappingUnit  # imported late: the runner loads without it

        self.unit = RemappingUnit(config)

    def reg_read(self, offset: int, size: int) -> int:
        return self.unit.reg_read(offset, size)

    def reg_write(self, offset: int, size: int, value: int) -> None:
        self.unit.reg_write(offset, size, value)

    def mem_write(self, addr: int, qwords: Sequence[int]) -> None:
        self.unit.memory.poke(addr, b"".join(q.to_bytes(8, "little") for q in qwords))

    def mem_read(self, addr: int, count: int) -> list[int]:
        raw = self.unit.memory.peek(addr, 8 * count)
        return [int.from_bytes(raw[i:i + 8], "little") for i in range(0, len(raw), 8)]

    def add_memory_error(self, addr: int, size: int, on_read: bool, on_write: bool) -> None:
        self.unit.memory.add_error(addr, size, on_read=on_read, on_write=on_write)

    def poll(self, target: RegRef | MemRef, mask: int, value: int, timeout_cycles: int) -> bool:
        if isinstance(target, MemRef):
            x = self.unit.memory.peek_u64(target.addr)
        else:
            x = self.unit.reg_read(target.offset, target.size)
        return (x & mask) == value

    def dma(self, sid: int, addr: int, write: bool, size: int) -> Mapping[str, object]:
        return self.unit.dma(sid, addr, write, size).result()

    def msi(self, sid: int, addr: int, data: int) -> Mapping[str, object]:
        return self.unit.msi(sid, addr, data).result()

    def wait(self, cycles: int) -> None:
        pass

    def events(self) -> Sequence[tuple[int, int]]:
        return [(e.addr, e.data) for e in self.unit.events]

    def fault_records(self) -> list[FaultRecordEntry]:
        return [FaultRecordEntry(r.index, r.sid, r.fi, r.write, r.reason)
                for r in self.unit.fault_records()]

    def fsts(self) -> int:
        return self.unit.read_reg("FSTS")


def run_model(scenario: Scenario) -> Run:
    return execute(scenario, ModelEngine(scenario.config))
