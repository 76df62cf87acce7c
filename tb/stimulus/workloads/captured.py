"""Streams captured from a real system: a Linux guest's DMA under QEMU's VT-d emulation
(``tools/qemu_capture/capture.sh``), converted into a replay trace (doc/workloads.md,
"Captured streams").

QEMU's trace log (:mod:`tb.stimulus.workloads.qemu_vtd_log`) gives every translation its
``intel-iommu`` model made (requester id, input address, domain, leaf entry, output page and
page size) and the invalidations the guest queued; it does not show the guest's page-table
writes. The converter rebuilds tables that give each request the translation QEMU recorded:

* each device's context entry points at its domain (DID and address width from the context
  entries QEMU read);
* a page gets its leaf (output page, R/W from QEMU's leaf entry, page size from QEMU's page
  mask) before its first use: in the initial tables when no operation precedes that use,
  else at the end of the last group of operations before it (the guest mapped it at some
  point before the device used it; nothing uses the page in between);
* at each IOTLB invalidation the converter clears the leaves it covers whose next use
  translates differently (or that are never used again), then issues the same invalidation
  through the registers (global, domain-selective, or page-selective with QEMU's address and
  mask): the guest unmapped those pages before invalidating, and the stream never touches a
  page between the clear and the invalidation (doc/replay-format.md). A leaf whose next use
  translates the same way stays: unmapping and mapping it again with the same output gives
  the same responses. Context-cache invalidations are issued as register invalidations too;
  interrupt-entry-cache and wait descriptors are dropped (the replay has no interrupt
  remapping, and a register invalidation completes when its poll does).

A translation that changes without an invalidation in between, or a fault, is refused with
the log line. QEMU traces neither the access's direction nor its length: a request through a
read-only leaf is a read, through a read-write leaf a write (knob ``rw_as``), and each
request is ``size`` bytes from the traced address, cut at the end of its 4 KB page.

    python -m tb.stimulus.workloads.convert_capture LOG[.xz] --out F.trace [--n N] [--loop]
        [--size N] [--rw-as read] [--params NAME]

converts any capture (exit status 2 with the line for a log it cannot convert).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tb.flows.replay.trace import RegOp, Trace
from tb.software.table_formats import G_DEVICE, G_DOMAIN, G_GLOBAL, G_PAGE, SIZE_4K, Step
from tb.software.tables import Domain, TableBuilder, TableError
from tb.stimulus.workloads.common import Family, StreamBuilder, WorkloadError, knob
from tb.stimulus.workloads.qemu_vtd_log import (
    ContextEntry,
    Enable,
    Invalidation,
    QemuLogError,
    Translation,
    open_lines,
    parse,
)

CAPTURE_DIR = Path(__file__).resolve().parent / "captured"
CAPTURES = {"strict": "strict.log.xz", "lazy": "lazy.log.xz"}  # committed captures
AW_CODE = {39: 1, 48: 2, 57: 3}

Key = tuple[int, int]  # (DID, page base)
Leaf = tuple[int, bool, bool, int]  # (output page, read, write, page size)


@dataclass(frozen=True)
class CapturedKnobs:
    file: str = knob("strict", "a committed capture (strict: iommu.strict=1, lazy: batched "
                     "invalidation) or the path of a QEMU vtd_* log (.log or .log.xz)")
    loop: bool = knob(False, "repeat the capture (tables reset, global invalidation between "
                      "passes) until n requests; else stop at its end")
    size: int = knob(64, "bytes per request (QEMU does not trace lengths), cut at the page "
                     "end", min=1, max=4096)
    rw_as: str = knob("write", "direction of a request through a read-write leaf (QEMU does "
                      "not trace it): write | read", choices=("write", "read"))


@dataclass
class Group:
    """What happens before one request: invalidations (with the clears they imply), then
    maps."""

    unmaps: list[tuple[Key, int]] = field(default_factory=list)  # (key, page size)
    invalidations: list[Invalidation] = field(default_factory=list)
    maps: list[tuple[Key, Leaf]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.unmaps or self.invalidations or self.maps)


@dataclass
class Capture:
    """A converted capture, independent of knobs that shape requests."""

    name: str
    contexts: dict[int, ContextEntry]  # sid -> the context entry QEMU read
    translations: list[Translation]
    initial: list[tuple[Key, Leaf]]  # leaves in the initial tables
    groups: dict[int, Group]  # request index -> operations before it
    qemu_iotlb_hits: int

    def stats(self) -> dict[str, int]:
        inv: dict[str, int] = {}
        for g in self.groups.values():
            for i in g.invalidations:
                name = f"{i.cache}_{i.granularity}"
                inv[name] = inv.get(name, 0) + 1
        pages = {(t.did, t.iova & ~(t.page_size - 1)) for t in self.translations}
        return {"translations": len(self.translations), "devices": len(self.contexts),
                "domains": len({c.did for c in self.contexts.values()}), "pages": len(pages),
                "maps": len(self.initial) + sum(len(g.maps) for g in self.groups.values()),
                "unmaps": sum(len(g.unmaps) for g in self.groups.values()),
                "groups": len(self.groups), "qemu_iotlb_hits": self.qemu_iotlb_hits,
                **{f"inv_{k}": v for k, v in sorted(inv.items())}}


def _key(t: Translation) -> Key:
    return t.did, t.iova & ~(t.page_size - 1)


def _leaf(t: Translation) -> Leaf:
    return t.output & ~(t.page_size - 1), t.read, t.write, t.page_size


def _covers(inv: Invalidation, key: Key, size: int) -> bool:
    did, base = key
    if inv.granularity == "global":
        return True
    if inv.did != did:
        return False
    if inv.granularity == "domain":
        return True
    start = inv.addr & ~((SIZE_4K << inv.am) - 1)
    return base < start + (SIZE_4K << inv.am) and start < base + size


@dataclass
class LeafPlan:
    """Where the rebuilt tables change, independent of how the operations are issued (shared
    by this module's replay traces and the scenario converter,
    :mod:`tb.stimulus.workloads.capture_scenario`).

    ``placed``: each leaf, with the index of the request that first uses it (the leaf must be
    in the tables before that request, and after any clear of the same page before it).
    ``clears``: for each IOTLB invalidation (by its log line), the leaves to clear before it:
    those it covers whose next use translates differently, or that are never used again."""

    contexts: dict[int, ContextEntry]  # sid -> the context entry QEMU read
    translations: list[Translation]
    placed: list[tuple[int, Key, Leaf]]  # (request index of first use, key, leaf)
    clears: dict[int, list[tuple[Key, int]]]  # invalidation line -> (key, page size)
    enabled_invalidations: list[tuple[int, Invalidation]]  # (requests before it, inv)


def plan_leaves(events: Iterable[object], name: str = "<log>") -> LeafPlan:
    """The :class:`LeafPlan` of a log's events (:func:`qemu_vtd_log.parse`, any mode);
    :class:`QemuLogError` names the line of a translation the tables cannot give."""
    events = list(events)
    translations = [e for e in events if isinstance(e, Translation)]
    if not translations:
        raise QemuLogError(f"{name}: no DMA translation in the log (was translation on, with "
                           "-trace 'vtd_*'?)")
    future: dict[Key, deque[Leaf]] = {}
    for t in translations:
        future.setdefault(_key(t), deque()).append(_leaf(t))
    contexts: dict[int, ContextEntry] = {}
    state: dict[Key, Leaf] = {}
    last_use: dict[Key, int] = {}  # key -> the line of its last translation
    placed: list[tuple[int, Key, Leaf]] = []
    clears: dict[int, list[tuple[Key, int]]] = {}
    invalidations: list[tuple[int, Invalidation]] = []
    enabled = False
    n = 0
    for e in events:
        if isinstance(e, Enable):
            enabled = e.on
        elif isinstance(e, ContextEntry):
            old = contexts.get(e.sid)
            if old is not None and (old.did, old.aw, old.tt) != (e.did, e.aw, e.tt):
                raise QemuLogError(f"{name}:{e.line}: sid {e.sid:#06x} moves from domain "
                                   f"{old.did} (line {old.line}) to domain {e.did}: "
                                   "reassigned devices are not converted")
            if e.tt != 0:
                raise QemuLogError(f"{name}:{e.line}: context entry of sid {e.sid:#06x} has "
                                   f"translation type {e.tt}: only TT=0 (second-level "
                                   "translation, no device TLB) is converted")
            contexts.setdefault(e.sid, e)
        elif isinstance(e, Translation):
            ctx = contexts.get(e.sid)
            if ctx is None or ctx.did != e.did:
                raise QemuLogError(f"{name}:{e.line}: sid {e.sid:#06x} translates in domain "
                                   f"{e.did} without a context entry for it in the log before")
            key, leaf = _key(e), _leaf(e)
            future[key].popleft()
            cur = state.get(key)
            if cur is None:
                state[key] = leaf
                placed.append((n, key, leaf))
            elif cur != leaf:
                raise QemuLogError(
                    f"{name}:{e.line}: domain {e.did} page {key[1]:#x} translates to "
                    f"{leaf[0]:#x} (R={leaf[1]:d} W={leaf[2]:d}), {cur[0]:#x} (R={cur[1]:d} "
                    f"W={cur[2]:d}) on line {last_use[key]}, with no invalidation between")
            last_use[key] = e.line
            n += 1
        elif isinstance(e, Invalidation) and enabled:
            gone: list[tuple[Key, int]] = []
            if e.cache == "iotlb":
                for key in [k for k, leaf in state.items() if _covers(e, k, leaf[3])]:
                    nxt = future[key][0] if future[key] else None
                    if nxt != state[key]:
                        gone.append((key, state.pop(key)[3]))
            clears[e.line] = gone
            invalidations.append((n, e))
    return LeafPlan(contexts, translations, placed, clears, invalidations)


def convert(lines: list[str], name: str = "<log>") -> Capture:
    """The capture of a QEMU VT-d log; :class:`QemuLogError` names the line of a problem."""
    plan = plan_leaves(parse(lines, name), name)
    groups: dict[int, Group] = {}
    for n, inv in plan.enabled_invalidations:
        g = groups.setdefault(n, Group())
        g.unmaps.extend(plan.clears[inv.line])
        g.invalidations.append(inv)
    groups = {i: g for i, g in groups.items() if not g.empty}
    initial: list[tuple[Key, Leaf]] = []
    marks = sorted(groups)
    j = -1
    for index, key, leaf in plan.placed:  # in request order
        while j + 1 < len(marks) and marks[j + 1] <= index:
            j += 1
        if j < 0:
            initial.append((key, leaf))
        else:
            groups[marks[j]].maps.append((key, leaf))
    return Capture(name, plan.contexts, plan.translations, initial, groups,
                   sum(t.hit for t in plan.translations))


def load(file: str) -> Capture:
    """A committed capture by name, or a log by path."""
    path = CAPTURE_DIR / CAPTURES[file.lower()] if file.lower() in CAPTURES else Path(file)
    if not path.is_file():
        raise WorkloadError(f"workload family 'captured': knob file={file!r} is neither a "
                            f"committed capture ({', '.join(CAPTURES)}) nor a readable file")
    return convert(open_lines(path), path.name)


# --------------------------------------------------------------------------- the trace


@dataclass
class Built:
    trace: Trace
    outputs: list[int]  # QEMU's output address of each request
    lines: list[int]  # the log line of each request's translation


def build_domains(tables: TableBuilder, contexts: dict[int, ContextEntry]) -> dict[int, Domain]:
    """One domain per DID QEMU's context entries named (their address width), every device
    assigned to its domain (shared with the scenario converter)."""
    domains: dict[int, Domain] = {}
    for sid, ctx in sorted(contexts.items()):
        if ctx.did not in domains:
            domains[ctx.did] = tables.create_domain(ctx.did, AW_CODE[ctx.aw])
        tables.assign_device(sid, domains[ctx.did])
    return domains


def map_leaf(domains: dict[int, Domain], key: Key, leaf: Leaf) -> None:
    did, base = key
    out, read, write, size = leaf
    domains[did].map(base, out, size, read=read, write=write, page_size=size)


def clear_leaf(domains: dict[int, Domain], key: Key, size: int) -> None:
    domains[key[0]].unmap(key[1], size)


class _Emitter:
    def __init__(self, cap: Capture, sb: StreamBuilder) -> None:
        self.cap = cap
        self.sb = sb
        self.domains = build_domains(sb.tables, cap.contexts)

    def map(self, key: Key, leaf: Leaf) -> None:
        map_leaf(self.domains, key, leaf)

    def unmap(self, key: Key, size: int) -> None:
        clear_leaf(self.domains, key, size)

    def flush(self) -> None:
        self.sb._flush_tables()  # noqa: SLF001 (the stream builder's table flush)

    def registers(self, steps: Iterable[Step]) -> None:
        ops: list[RegOp] = []
        for s in steps:
            if s["op"] == "reg_write":
                ops.append(RegOp("write", str(s["reg"]), int(s["value"])))  # type: ignore[call-overload]
            else:
                ops.append(RegOp("poll", str(s["reg"]), int(s["value"]),  # type: ignore[call-overload]
                                 int(s["mask"])))  # type: ignore[call-overload]
        self.sb.ops(ops)

    def invalidate(self, inv: Invalidation) -> None:
        t = self.sb.tables
        if inv.cache == "context":
            g = {"global": G_GLOBAL, "domain": G_DOMAIN, "device": G_DEVICE}[inv.granularity]
            self.registers(t.context_invalidate_register(g, did=inv.did, sid=inv.sid))
        elif inv.granularity == "page" and inv.am <= t.config.MAMV:
            self.registers(t.iotlb_invalidate_register(
                G_PAGE, did=inv.did, addr=inv.addr & ~((SIZE_4K << inv.am) - 1), am=inv.am))
        elif inv.granularity == "global":
            self.registers(t.iotlb_invalidate_register(G_GLOBAL))
        else:  # domain, or pages beyond MAMV: the whole domain
            self.registers(t.iotlb_invalidate_register(G_DOMAIN, did=inv.did))

    def group(self, g: Group) -> None:
        for key, size in g.unmaps:
            self.unmap(key, size)
        self.flush()
        for inv in g.invalidations:
            self.invalidate(inv)
        for key, leaf in g.maps:
            self.map(key, leaf)
        self.flush()

    def reset(self) -> None:
        """Between passes: back to the initial tables, everything invalidated."""
        for dom in self.domains.values():
            for m in dom.mappings():
                dom.unmap(m.iova, m.size)
        self.flush()
        self.registers(self.sb.tables.context_invalidate_register(G_GLOBAL))
        self.registers(self.sb.tables.iotlb_invalidate_register(G_GLOBAL))
        for key, leaf in self.cap.initial:
            self.map(key, leaf)
        self.flush()


def build(cap: Capture, n: int, seed: int, k: CapturedKnobs, params: str = "default") -> Built:
    """The first ``n`` requests of ``cap`` (repeated with ``k.loop``) as a trace."""
    sb = StreamBuilder("captured", seed, n, k, params=params)
    sb.trace.header["capture"] = cap.name
    try:
        em = _Emitter(cap, sb)
        for key, leaf in cap.initial:
            em.map(key, leaf)
        sb.start()
        outputs: list[int] = []
        lines: list[int] = []
        first = True
        while not sb.full and (first or k.loop):
            if not first:
                em.reset()
            first = False
            done = 0
            for i, t in enumerate(cap.translations):
                if sb.full:
                    break
                done += 1
                if i in cap.groups:
                    em.group(cap.groups[i])
                write = t.write if not t.read else (t.write and k.rw_as == "write")
                size = min(k.size, SIZE_4K - (t.iova & 0xFFF))
                sb.request(t.sid, t.iova, write, size)
                outputs.append(t.output)
                lines.append(t.line)
            if done == len(cap.translations) and done in cap.groups:  # after the last one
                em.group(cap.groups[len(cap.translations)])
    except TableError as e:
        raise WorkloadError(f"capture {cap.name}: the project's tables cannot hold it: {e}") \
            from None
    return Built(sb.finish(), outputs, lines)


def generate(n: int, seed: int, k: CapturedKnobs) -> Trace:
    return build(load(k.file), n, seed, k).trace


FAMILY = Family("captured", "a Linux guest's DMA captured under QEMU's VT-d emulation "
                "(virtio-net + virtio-blk), replayed as recorded", CapturedKnobs, generate)
