"""What every workload family shares: knob parsing (errors name the knob), the stream builder
that turns table-builder steps into a replay trace (doc/replay-format.md), an IOVA allocator
and DMA transfers split the way a PCIe device splits them."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from python_model.memory import Memory
from tb.flows.params import preset, rtl_model_config
from tb.flows.replay.trace import MemWrite, Op, RegOp, Request, Trace
from tb.software.table_formats import G_DOMAIN, G_PAGE, SIZE_2M, SIZE_4K, psi_range
from tb.software.tables import Domain, TableBuilder

PAGE_SIZES = {"4k": SIZE_4K, "2m": SIZE_2M}
DATA_BASE = 0x1_0000_0000  # output addresses of data buffers (never read by the unit)


class WorkloadError(ValueError):
    """A bad family name or knob; the message names it."""


K = TypeVar("K")


def parse_knobs(cls: type[K], raw: Mapping[str, Any], family: str) -> K:
    """``cls`` (a knob dataclass) from ``raw``: unknown names, wrong types and values outside
    a field's ``choices`` / ``min`` / ``max`` metadata raise :class:`WorkloadError` naming the
    knob."""
    known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in known:
            raise WorkloadError(f"workload family {family!r}: unknown knob {name!r} (knobs: "
                                f"{', '.join(known)})")
        f = known[name]
        default = f.default
        where = f"workload family {family!r}: knob {name}={value!r}"
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise WorkloadError(f"{where}: expected true or false")
        elif isinstance(default, int):
            if isinstance(value, str):
                try:
                    value = int(value, 0)
                except ValueError:
                    pass
            if isinstance(value, bool) or not isinstance(value, int):
                raise WorkloadError(f"{where}: expected an integer")
        elif isinstance(default, float):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise WorkloadError(f"{where}: expected a number")
            value = float(value)
        elif isinstance(default, str):
            if not isinstance(value, str):
                raise WorkloadError(f"{where}: expected a string")
            if "choices" in f.metadata:  # names match in any case; free text (paths) is kept
                value = value.lower()
        meta = f.metadata
        if "choices" in meta and value not in meta["choices"]:
            raise WorkloadError(f"{where}: must be one of {', '.join(meta['choices'])}")
        if "min" in meta and value < meta["min"]:
            raise WorkloadError(f"{where}: must be at least {meta['min']}")
        if "max" in meta and value > meta["max"]:
            raise WorkloadError(f"{where}: must be at most {meta['max']}")
        values[name] = value
    return cls(**values)


def knob(default: Any, doc: str, **meta: Any) -> Any:
    """A knob field: default, one-line documentation, optional choices/min/max."""
    return dataclasses.field(default=default, metadata={"doc": doc, **meta})


def knob_docs(cls: type) -> list[tuple[str, Any, str]]:
    """(name, default, documentation) of every knob of ``cls``."""
    return [(f.name, f.default, f.metadata.get("doc", "")) for f in fields(cls)]


class IovaAllocator:
    """Page-granular IOVAs, top-down from ``top`` like Linux's allocator, with freed pages
    reused last-in first-out (the per-CPU IOVA caches)."""

    def __init__(self, top: int, pages: int = 1) -> None:
        self.next = top
        self.pages = pages
        self.free: list[int] = []

    def alloc(self) -> int:
        if self.free:
            return self.free.pop()
        self.next -= self.pages * SIZE_4K
        if self.next < 0:
            raise WorkloadError("IOVA space exhausted")
        return self.next

    def release(self, iova: int) -> None:
        self.free.append(iova)


class StreamBuilder:
    """Builds one trace: initial tables, then requests and the operations between them."""

    def __init__(self, family: str, seed: int, n: int, knobs: Any, params: str = "default",
                 max_payload: int = 256) -> None:
        self.cfg = rtl_model_config(preset(params))
        self.memory = Memory()
        self.tables = TableBuilder(self.memory, self.cfg)
        self.rng = random.Random(f"{family}:{seed}")
        self.n = n
        self.max_payload = max_payload
        self.next_sid = 0x100  # bus 1, device 0, function 0 onwards
        self.next_hpa = DATA_BASE
        knob_text = ",".join(f"{k}={v}" for k, v in dataclasses.asdict(knobs).items())
        self.trace = Trace(header={"seed": str(seed), "profile": family, "params": params,
                                   "requests": str(n), "knobs": knob_text})
        self.started = False

    # ------------------------------------------------------------- setup
    def domain(self) -> Domain:
        return self.tables.create_domain()

    def device(self, dom: Domain) -> int:
        sid = self.next_sid
        self.next_sid += 1
        self.tables.assign_device(sid, dom)
        return sid

    def hpa(self, size: int, align: int = SIZE_4K) -> int:
        """A fresh output range for data (the unit never reads it)."""
        base = -(-self.next_hpa // align) * align
        self.next_hpa = base + size
        return base

    def start(self) -> None:
        """Snapshot the initial tables and the programming that enables translation."""
        steps = self.tables.program_root_table() + self.tables.enable_translation()
        for image in self.tables.memory_image():
            base = int(str(image["addr"]), 16)
            for i, q in enumerate(image["qwords"]):  # type: ignore[arg-type]
                self.trace.memory[base + 8 * i] = int(q, 16)
        self.trace.registers = [_reg_op(s) for s in steps]
        self.started = True

    # ------------------------------------------------------------- traffic
    @property
    def full(self) -> bool:
        return len(self.trace.requests) >= self.n

    def request(self, sid: int, addr: int, write: bool, size: int) -> None:
        if not self.full:
            self.trace.requests.append(Request(sid, addr, write, size))

    def transfer(self, sid: int, addr: int, nbytes: int, write: bool) -> None:
        """A DMA of ``nbytes`` from ``addr``: requests of at most ``max_payload`` bytes that
        never cross a 4 KB page (a PCIe device splits at MPS/MRRS and page boundaries)."""
        end = addr + nbytes
        while addr < end and not self.full:
            size = min(end - addr, self.max_payload, SIZE_4K - (addr & 0xFFF))
            self.request(sid, addr, write, size)
            addr += size

    # ------------------------------------------------------------- software operations
    def map(self, dom: Domain, iova: int, size: int, page_size: int = SIZE_4K) -> None:
        dom.map(iova, self.hpa(size, page_size), size, page_size=page_size)
        self._flush_tables()

    def unmap(self, dom: Domain, iova: int, size: int) -> None:
        dom.unmap(iova, size)
        self._flush_tables()

    def invalidate_pages(self, dom: Domain, iova: int, size: int) -> None:
        """Page-selective IOTLB invalidation of [iova, iova+size) (register interface)."""
        addr, am = psi_range(iova, size)
        self.ops(_reg_op(s) for s in self.tables.iotlb_invalidate_register(
            G_PAGE, did=dom.did, addr=addr, am=am))

    def invalidate_domain(self, dom: Domain) -> None:
        self.ops(_reg_op(s) for s in self.tables.iotlb_invalidate_register(G_DOMAIN,
                                                                            did=dom.did))

    def ops(self, ops: Any) -> None:
        if not self.started:
            raise RuntimeError("operations before start(): they belong to the initial tables")
        self.trace.add_ops(list(ops))

    def _flush_tables(self) -> None:
        if self.started:
            writes: list[Op] = []
            for step in self.tables.flush_steps():
                base = int(step["addr"])  # type: ignore[call-overload]
                writes += [MemWrite(base + 8 * i, int(q))  # type: ignore[call-overload]
                           for i, q in enumerate(step["qwords"])]  # type: ignore[arg-type]
            self.ops(writes)

    def finish(self) -> Trace:
        if not self.started:
            self.start()
        last = len(self.trace.requests)
        self.trace.ops = {i: ops for i, ops in self.trace.ops.items() if i <= last}
        self.trace.header["requests"] = str(last)
        return self.trace


def _reg_op(step: Mapping[str, Any]) -> RegOp:
    if step["op"] == "reg_write":
        return RegOp("write", str(step["reg"]), int(step["value"]))
    if step["op"] == "poll":
        return RegOp("poll", str(step["reg"]), int(step["value"]), int(step["mask"]))
    raise ValueError(f"unexpected programming step {step}")


Generator = Callable[[int, int, Any], Trace]


@dataclass(frozen=True)
class Family:
    name: str
    summary: str
    knobs: type
    generate: Generator  # (n, seed, knobs) -> Trace
