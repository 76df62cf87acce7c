"""A QEMU VT-d trace log (``tools/qemu_capture/capture.sh``) as a scenario file
(``vtd-scenario/1``, doc/scenario-format.md) that replays what the guest's Linux driver did,
the way it did it, with QEMU's results as the ``expect`` fields (doc/workloads.md, "Captured
streams", "The scenario converter").

Replayed verbatim, in log order:

* every register write the guest made (``vtd_reg_write``), by offset and size, except RTADDR,
  which carries the rebuilt root table's address (the guest's page tables are not in the log);
  after each GCMD write a ``poll`` of GSTS for the state the driver waits for (the RTL takes
  cycles where QEMU's model answers at once);
* every register read (``vtd_reg_read``) as a ``reg_read`` step without ``expect`` (QEMU does
  not trace the value read; the RTL's value is still compared with the model's);
* the invalidation queue as the guest filled it: each descriptor QEMU fetched, at its slot
  (IQA base + 16 * slot), written with ``mem_write`` before the IQT (or GCMD) write that
  submitted it; for a wait descriptor with SW=1 the status dword set to another value first
  (Linux writes QI_IN_USE) and, after the submission, a ``poll`` of its qword until the
  status data is there (Linux's qi_submit_sync);
* every DMA translation as a ``dma`` step expecting QEMU's output address, every interrupt
  request as an ``msi`` step expecting the message QEMU delivered (decoded into vector,
  destination, modes and hint, doc/scenario-format.md);
* the interrupt remapping table entries QEMU read (``vtd_ir_irte_get``), written at IRTA base
  + 16 * index: before the IEC invalidation that precedes their first use (as Linux's
  modify_irte then qi_flush_iec), else right before that use; a changed entry before the IEC
  invalidation that covers it between the old value's last use and the new value's first.

Rebuilt: the root, context and second-level tables (tb.stimulus.workloads.captured's
:func:`~tb.stimulus.workloads.captured.plan_leaves`: a leaf is mapped right before its first
use, and cleared before the submission of the guest's IOTLB descriptor that covers it when
its next use translates differently). The tables are allocated away from every guest
structure the log names (queue, status dwords, interrupt remapping table).

Interrupt source ids: the log has none. An IRTE asking for source-id verification gives it
(SVT=01b: its SID; SVT=10b: its first bus, device 0, decision P7); otherwise (no IRTE,
SVT=00b) the step uses 0000h. QEMU's IOAPIC interrupts carry an invalid source id, for
which QEMU skips the check; the IOAPIC entries Linux writes ask for SID FF00h (the IOAPIC's
id in QEMU's DMAR table), which the step uses.

Refused (:class:`~tb.stimulus.workloads.qemu_vtd_log.QemuLogError`, naming the line): what
the scenario rules cannot express or the rebuilt tables cannot give -- register-based
invalidations, 256-bit descriptors, GCMD commands other than TE/SRTP/QIE/IRE/SIRTP/CFI, a
compatibility-format interrupt with IRE=1 and CFI=0 (QEMU passes it through; the rules block
it), SVT=11b, a changed IRTE without an IEC invalidation, a guest structure overlapping the
rebuilt tables, and everything :func:`~tb.stimulus.workloads.captured.plan_leaves` refuses.

    python -m tb.stimulus.workloads.capture_scenario LOG[.xz] --out F.json [--max-dma N]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_model import regmap
from python_model.memory import Memory
from tb.flows.params import preset, rtl_model_config
from tb.software.table_formats import INTERRUPT_BASE, INTERRUPT_END, TableError
from tb.software.tables import PageAllocator, TableBuilder
from tb.stimulus.workloads.captured import (
    Key,
    Leaf,
    build_domains,
    clear_leaf,
    map_leaf,
    plan_leaves,
)
from tb.stimulus.workloads.qemu_vtd_log import (
    Descriptor,
    Interrupt,
    Invalidation,
    QemuLogError,
    RegAccess,
    Translation,
    open_lines,
    parse,
)

# The unit the scenario asks for: the model's defaults (39- and 48-bit tables, PSI, MAMV 18,
# 8-bit domain ids) with queued invalidation and interrupt remapping, the RTL's default build.
CONFIG: dict[str, int] = {"QI": 1, "IR": 1}
DSC_CC, DSC_IOTLB, DSC_IEC, DSC_WAIT = 0x1, 0x2, 0x4, 0x5
QI_IN_USE = 1  # what Linux's qi_submit_sync writes into a wait descriptor's status first
# GCMD bit -> GSTS bit the driver waits for (the same positions); persistent commands are
# polled for their new value when they change, one-shot ones for their status set.
PERSISTENT = {"TE": 31, "QIE": 26, "IRE": 25, "CFI": 23}
ONE_SHOT = {"SRTP": 30, "SIRTP": 24}
UNSUPPORTED_GCMD = {"SFL": 29, "EAFL": 28, "WBF": 27}
REGISTER_INVALIDATION = ("CCMD", "IOTLB", "IVA")
RMAP = regmap.RegisterMap(rtl_model_config(preset("default")).num_fault_records)


@dataclass
class GuestRange:
    start: int
    end: int
    what: str
    line: int


@dataclass
class Submission:
    """The register write after which QEMU fetched these descriptors, and what goes before
    and after it."""

    descriptors: list[Descriptor] = field(default_factory=list)
    clears: list[tuple[Key, int]] = field(default_factory=list)
    irtes: list[tuple[int, int, int]] = field(default_factory=list)  # (index, qw0, qw1)


@dataclass
class Converted:
    scenario: dict[str, Any]
    counts: dict[str, int]  # steps per op, descriptors per type (desc_<type>h)
    table_pages: list[tuple[int, int]]  # [start, end) of every rebuilt table allocation
    guest_ranges: list[GuestRange]  # the guest's structures the log names


def _hex(v: int) -> str:
    return f"{v:#x}"


def _step(op: str, where: str, **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"op": op}
    for k, v in fields.items():
        out[k] = _hex(v) if isinstance(v, int) and not isinstance(v, bool) and k != "count" \
            else [_hex(q) for q in v] if k == "qwords" else v
    out["comment"] = where
    return out


def _msi_expect(intr: Interrupt, eime: bool) -> dict[str, Any]:
    """The message QEMU delivered, decoded as doc/scenario-format.md's msi result. QEMU builds
    a compatibility-format message from the IRTE (x86_iommu_irq_to_msi_message): address bits
    19:12 destination (63:40 its upper bits in x2APIC mode), bit 3 RH, bit 2 DM; data bits 7:0
    vector, 10:8 delivery mode, 14 level (always 1), 15 trigger mode."""
    a, d = intr.out_addr, intr.out_data
    dest = a >> 12 & 0xFF
    if eime:
        dest |= (a >> 32) & 0xFFFFFF00
    return {"status": "ok", "vector": _hex(d & 0xFF), "dest": _hex(dest),
            "dest_mode": _hex(a >> 2 & 1), "delivery_mode": _hex(d >> 8 & 7),
            "trigger_mode": _hex(d >> 15 & 1), "redirection_hint": _hex(a >> 3 & 1)}


def _msi_sid(intr: Interrupt, where: str) -> int:
    if intr.irte is None:
        return 0
    qw1 = intr.irte[2]
    svt, sid = qw1 >> 18 & 3, qw1 & 0xFFFF
    if svt == 1:
        return sid
    if svt == 2:  # P7: the first bus in SID bits 15:8 (the last in 7:0), device 0 function 0
        return sid & 0xFF00
    if svt == 3:
        raise QemuLogError(f"{where}: IRTE {intr.irte[0]} has SVT=11b (reserved): QEMU "
                           "delivered the interrupt (it skips the check for an invalid source "
                           "id), the rules fault it (24h); not converted")
    return 0


def _iec_covers(d: Descriptor, index: int) -> bool:
    if not d.qw0 >> 4 & 1:  # G=0: global
        return True
    im = d.qw0 >> 27 & 0x1F
    base = (d.qw0 >> 32 & 0xFFFF) & ~((1 << im) - 1)
    return base <= index < base + (1 << im)


class _Converter:
    def __init__(self, lines: list[str], name: str, max_dma: int | None) -> None:
        self.name = name
        self.max_dma = max_dma
        self.events = list(parse(lines, name, full=True))
        self.plan = plan_leaves(self.events, name)
        self.steps: list[dict[str, Any]] = []
        self.counts: dict[str, int] = {}
        self.submissions: dict[int, Submission] = {}  # event position -> submission
        self.submitter: dict[int, int] = {}  # descriptor line -> its submission's position
        self.irte_before: dict[int, list[tuple[int, int, int]]] = {}  # position -> IRTEs
        self.ranges: list[GuestRange] = []
        self.status: dict[int, int] = {}  # qword address -> what software knows is there
        self._plan_submissions()
        self._plan_irtes()
        self._collect_guest_ranges()
        cfg = rtl_model_config(preset("default"))
        self.memory = Memory()
        allocator = PageAllocator(self.memory)
        for r in self.ranges:
            allocator.reserve(r.start, r.end - r.start)
        self.tables = TableBuilder(self.memory, cfg, allocator)
        self.domains = build_domains(self.tables, self.plan.contexts)
        self.initial = self.tables.memory_image()
        self.first_uses: dict[int, list[tuple[Key, Leaf]]] = {}  # request index -> leaves
        for n, key, leaf in self.plan.placed:
            self.first_uses.setdefault(n, []).append((key, leaf))
        # the guest's state as its register writes so far set it
        self.iq_base: int | None = None
        self.iq_entries = 0
        self.irt_base: int | None = None
        self.eime = False
        self.gcmd = 0  # the persistent command bits the guest last wrote

    def where(self, line: int) -> str:
        return f"{self.name}:{line}"

    # ----------------------------------------------------------------- planning
    def _plan_submissions(self) -> None:
        last_write: int | None = None
        last_desc: Descriptor | None = None
        for pos, e in enumerate(self.events):
            if isinstance(e, RegAccess) and e.write:
                last_write = pos
                reg = RMAP.containing(e.offset)
                if reg is not None and reg.name in REGISTER_INVALIDATION:
                    raise QemuLogError(f"{self.where(e.line)}: a write to {reg.name}: "
                                       "register-based invalidation is not converted (the "
                                       "rebuilt tables follow the guest's queued "
                                       "descriptors)")
            elif isinstance(e, Descriptor):
                if last_write is None:
                    raise QemuLogError(f"{self.where(e.line)}: descriptor fetched before any "
                                       "register write submitted it")
                reg = RMAP.containing(self.events[last_write].offset)  # type: ignore[union-attr]
                if reg is None or reg.name not in ("IQT", "GCMD"):
                    raise QemuLogError(f"{self.where(e.line)}: descriptor fetched after a "
                                       f"write to {reg.name if reg else 'no register'}, not "
                                       "IQT or GCMD: cannot place its submission")
                self.submissions.setdefault(last_write, Submission()).descriptors.append(e)
                self.submitter[e.line] = last_write
                last_desc = e
            elif isinstance(e, Invalidation) and e.cache == "iotlb":
                if last_desc is None or last_desc.dtype != DSC_IOTLB:
                    raise QemuLogError(f"{self.where(e.line)}: IOTLB invalidation without the "
                                       "descriptor before it (register-based invalidation is "
                                       "not converted)")
                sub = self.submissions[self.submitter[last_desc.line]]
                sub.clears.extend(self.plan.clears.get(e.line, []))

    def _plan_irtes(self) -> None:
        """Where each IRTE value QEMU read is written (module doc)."""
        uses: dict[int, list[tuple[int, tuple[int, int], int]]] = {}  # index -> (pos, v, line)
        iecs: list[tuple[int, Descriptor]] = []  # (submission position, descriptor)
        irta: RegAccess | None = None
        for pos, e in enumerate(self.events):
            if isinstance(e, RegAccess) and e.write and \
                    getattr(RMAP.containing(e.offset), "name", "") == "IRTA":
                if irta is not None and irta.value != e.value:
                    raise QemuLogError(f"{self.where(e.line)}: IRTA written again with "
                                       f"{e.value:#x} (line {irta.line}: {irta.value:#x}): a "
                                       "moved interrupt remapping table is not converted")
                irta = e
                iecs.clear()  # an IEC invalidation before the table is known covers nothing
            elif isinstance(e, Interrupt) and e.irte is not None:
                index, qw0, qw1 = e.irte
                uses.setdefault(index, []).append((pos, (qw0, qw1), e.line))
            elif isinstance(e, Descriptor) and e.dtype == DSC_IEC:
                iecs.append((self.submitter[e.line], e))
        for index, seq in uses.items():
            prev_pos, prev_value = -1, None
            for pos, value, line in seq:
                if value == prev_value:
                    prev_pos = pos
                    continue
                covering = [s for s, d in iecs if prev_pos < s < pos and _iec_covers(d, index)]
                if covering:
                    self.submissions[covering[-1]].irtes.append((index, *value))
                elif prev_value is None:
                    self.irte_before.setdefault(pos, []).append((index, *value))
                else:
                    raise QemuLogError(
                        f"{self.where(line)}: IRTE {index} changes (to qword0 {value[0]:#x} "
                        f"qword1 {value[1]:#x}) without an IEC invalidation covering it since "
                        f"its last use (line {self.events[prev_pos].line})")
                prev_pos, prev_value = pos, value

    def _collect_guest_ranges(self) -> None:
        iq_base, iq_size = None, 0
        for e in self.events:
            if isinstance(e, RegAccess) and e.write:
                reg = RMAP.containing(e.offset)
                if reg is not None and reg.name == "IQA" and e.size == 8:
                    iq_base, iq_size = e.value & ~0xFFF, 16 << (8 + (e.value & 7))  # type: ignore[operator]
                    self._guest(iq_base, iq_size, "the invalidation queue", e.line)
                elif reg is not None and reg.name == "IRTA" and e.size == 8:
                    entries = 2 << (e.value & 0xF)  # type: ignore[operator]
                    self._guest(e.value & ~0xFFF, 16 * entries,  # type: ignore[operator]
                                "the interrupt remapping table", e.line)
            elif isinstance(e, Descriptor) and e.dtype == DSC_WAIT and e.qw0 >> 5 & 1:
                self._guest(e.qw1 & ~7, 8, "a wait descriptor's status", e.line)

    def _guest(self, start: int, size: int, what: str, line: int) -> None:
        end = start + size
        if end > 1 << rtl_model_config(preset("default")).HAW or \
                (start < INTERRUPT_END and INTERRUPT_BASE < end):
            raise QemuLogError(f"{self.where(line)}: {what} at [{start:#x}, {end:#x}) is "
                               "outside the unit's memory (above HAW or in the interrupt "
                               "range)")
        for r in self.ranges:
            if r.start <= start and end <= r.end:
                return
        self.ranges.append(GuestRange(start, end, what, line))

    # ----------------------------------------------------------------- emitting
    def emit(self, step: dict[str, Any]) -> None:
        self.steps.append(step)
        self.counts[step["op"]] = self.counts.get(step["op"], 0) + 1

    def flush_tables(self, where: str, why: str) -> None:
        for s in self.tables.flush_steps():
            self.emit(_step("mem_write", f"{where}: {why}", addr=s["addr"], qwords=s["qwords"]))

    def run(self) -> Converted:
        n = 0
        try:
            for pos, e in enumerate(self.events):
                if isinstance(e, Translation):
                    if self.max_dma is not None and n >= self.max_dma:
                        break
                    self.dma(n, e)
                    n += 1
                elif isinstance(e, Interrupt):
                    self.msi(pos, e)
                elif isinstance(e, RegAccess):
                    self.register(pos, e)
            self.check_overlap()
        except TableError as err:
            raise QemuLogError(f"{self.name}: the rebuilt tables cannot hold it: {err}") \
                from None
        scenario = {
            "format": "vtd-scenario/1",
            "name": f"captured-{Path(self.name).name.split('.')[0]}"
                    + (f"-dma{self.max_dma}" if self.max_dma is not None else ""),
            "description": (f"{self.name} (QEMU 7.2 vtd_* trace of a Linux guest) replayed: "
                            "the guest's register writes, queued descriptors, IRTEs, DMA "
                            "and interrupts in log order, QEMU's results expected; second-"
                            "level tables rebuilt (tb/stimulus/workloads/capture_scenario.py)"
                            + (f"; first {self.max_dma} DMA requests"
                               if self.max_dma is not None else "")),
            "config": dict(CONFIG),
            "memory": self.initial,
            "steps": self.steps,
        }
        self.counts["steps"] = len(self.steps)
        return Converted(scenario, self.counts, self.tables.allocator.allocated,
                         list(self.ranges))

    def dma(self, n: int, t: Translation) -> None:
        where = self.where(t.line)
        for key, leaf in self.first_uses.get(n, []):
            map_leaf(self.domains, key, leaf)
        self.flush_tables(where, "map the page before its first use")
        if t.iova < INTERRUPT_END and INTERRUPT_BASE <= t.iova | 3:
            raise QemuLogError(f"{where}: DMA to {t.iova:#x} in the interrupt range is not "
                               "converted (decision P14)")
        self.emit(_step("dma", where, sid=t.sid, addr=t.iova, write=t.write,
                        expect={"status": "ok", "hpa": _hex(t.output)}))

    def write_irtes(self, irtes: Sequence[tuple[int, int, int]], where: str) -> None:
        if self.irt_base is None and irtes:
            raise QemuLogError(f"{where}: IRTE {irtes[0][0]} used before IRTA was written")
        for index, qw0, qw1 in irtes:
            self.emit(_step("mem_write", f"{where}: IRTE {index} as QEMU read it",
                            addr=self.irt_base + 16 * index, qwords=[qw0, qw1]))  # type: ignore[operator]

    def msi(self, pos: int, e: Interrupt) -> None:
        where = self.where(e.line)
        self.write_irtes(self.irte_before.get(pos, []), where)
        ire = bool(self.gcmd >> PERSISTENT["IRE"] & 1)
        cfi = bool(self.gcmd >> PERSISTENT["CFI"] & 1)
        if ire and not e.addr >> 4 & 1 and (self.eime or not cfi):
            raise QemuLogError(f"{where}: compatibility-format interrupt with IRE=1 and "
                               "CFI=0 (or EIME=1): QEMU passes it through, the rules block it "
                               "(25h, decision P8); not converted")
        if ire and e.irte is None and e.addr >> 4 & 1:
            raise QemuLogError(f"{where}: remappable interrupt without the IRTE QEMU read")
        self.emit(_step("msi", where, sid=_msi_sid(e, where), addr=e.addr, data=e.data,
                        expect=_msi_expect(e, self.eime)))

    def register(self, pos: int, e: RegAccess) -> None:
        where = self.where(e.line)
        reg = RMAP.containing(e.offset)
        if reg is None or e.size not in (4, 8) or e.offset % e.size or \
                e.offset + e.size > reg.offset + reg.size:
            raise QemuLogError(f"{where}: register access at offset {e.offset:#x} size "
                               f"{e.size}: not a register of the unit")
        target: dict[str, Any] = {"reg": reg.name} \
            if e.offset == reg.offset and e.size == reg.size and \
            reg.name not in ("IVA", "IOTLB") and not reg.name.startswith("FRCD") \
            else {"offset": e.offset, "size": e.size}
        if not e.write:
            self.emit(_step("reg_read", where, **target))
            return
        value = e.value
        assert value is not None
        if reg.name == "RTADDR":
            if e.size != 8 or value & 0xFFF:
                raise QemuLogError(f"{where}: RTADDR write {value:#x} (size {e.size}): only a "
                                   "legacy-mode 8-byte write is converted")
            self.emit(_step("reg_write", f"{where}: the rebuilt root table (the guest's was "
                            f"{value:#x}; its tables are not in the log)", **target,
                            value=self.tables.root_table_addr))
            return
        if reg.name == "IQA":
            if e.size != 8 or value >> 11 & 1:
                raise QemuLogError(f"{where}: IQA write {value:#x}: only an 8-byte write "
                                   "with DW=0 (128-bit descriptors) is converted")
            self.iq_base, self.iq_entries = value & ~0xFFF, 1 << (8 + (value & 7))
        if reg.name == "IRTA":
            if e.size != 8:
                raise QemuLogError(f"{where}: IRTA write of size {e.size}: only an 8-byte "
                                   "write is converted")
            self.irt_base, self.eime = value & ~0xFFF, bool(value >> 11 & 1)
        sub = self.submissions.get(pos)
        if sub is not None:
            self.before_submission(sub, where)
        self.emit(_step("reg_write", where, **target, value=value))
        if reg.name == "GCMD":
            self.gcmd_poll(value, where)
        if sub is not None:
            self.after_submission(sub, where)

    def gcmd_poll(self, value: int, where: str) -> None:
        for name, bit in UNSUPPORTED_GCMD.items():
            if value >> bit & 1:
                raise QemuLogError(f"{where}: GCMD.{name} is not converted")
        mask = want = 0
        for bit in PERSISTENT.values():
            if (value ^ self.gcmd) >> bit & 1:
                mask |= 1 << bit
                want |= value & 1 << bit
        for bit in ONE_SHOT.values():
            if value >> bit & 1:
                mask |= 1 << bit
                want |= 1 << bit
        self.gcmd = value & sum(1 << b for b in PERSISTENT.values())
        if mask:
            self.emit(_step("poll", f"{where}: the driver waits for GSTS", reg="GSTS",
                            mask=mask, value=want))

    def before_submission(self, sub: Submission, where: str) -> None:
        for key, size in sub.clears:
            clear_leaf(self.domains, key, size)
        self.flush_tables(where, "clear the leaves the submitted IOTLB invalidation covers "
                          "(their next use translates differently)")
        self.write_irtes(sub.irtes, where)
        if self.iq_base is None:
            raise QemuLogError(f"{where}: descriptors submitted before IQA was written")
        run: list[Descriptor] = []
        for d in sub.descriptors + [None]:  # type: ignore[list-item]
            if d is not None and d.slot >= self.iq_entries:
                raise QemuLogError(f"{self.where(d.line)}: queue slot {d.slot} beyond the "
                                   f"{self.iq_entries} entries of IQA")
            if run and (d is None or d.slot != run[-1].slot + 1):
                self.emit(_step("mem_write", f"{where}: queue slots {run[0].slot}.."
                                f"{run[-1].slot} as the guest filled them (QEMU fetched them "
                                f"on lines {', '.join(str(x.line) for x in run)})",
                                addr=self.iq_base + 16 * run[0].slot,
                                qwords=[q for x in run for q in (x.qw0, x.qw1)]))
                run = []
            if d is not None:
                run.append(d)
                key = f"desc_{d.dtype:x}h"
                self.counts[key] = self.counts.get(key, 0) + 1
        for d in sub.descriptors:
            if d.dtype == DSC_WAIT and d.qw0 >> 5 & 1:
                qaddr, shift, data = self._status(d)
                init = QI_IN_USE if data != QI_IN_USE else data ^ 1
                old = self.status.get(qaddr, 0)
                new = old & ~(0xFFFFFFFF << shift) | init << shift
                self.status[qaddr] = new
                self.emit(_step("mem_write", f"{self.where(d.line)}: the wait descriptor's "
                                f"status dword set to {init} before the submission",
                                addr=qaddr, qwords=[new]))

    @staticmethod
    def _status(d: Descriptor) -> tuple[int, int, int]:
        addr = d.qw1 & ~3
        return addr & ~7, 32 if addr & 4 else 0, d.qw0 >> 32

    def after_submission(self, sub: Submission, where: str) -> None:
        del where
        for d in sub.descriptors:
            if d.dtype == DSC_WAIT and d.qw0 >> 5 & 1:
                qaddr, shift, data = self._status(d)
                self.status[qaddr] = self.status.get(qaddr, 0) & ~(0xFFFFFFFF << shift) \
                    | data << shift
                self.emit(_step("poll", f"{self.where(d.line)}: the driver waits for the "
                                f"status write of data {data:#x} to {d.qw1 & ~3:#x}",
                                addr=qaddr, mask=0xFFFFFFFF << shift, value=data << shift))

    def check_overlap(self) -> None:
        for start, end in self.tables.allocator.allocated:
            for r in self.ranges:
                if r.start < end and start < r.end:
                    raise QemuLogError(
                        f"{self.where(r.line)}: {r.what} [{r.start:#x}, {r.end:#x}) overlaps "
                        f"the rebuilt tables at [{start:#x}, {end:#x})")


def convert_log(lines: list[str], name: str = "<log>", max_dma: int | None = None) -> Converted:
    """The scenario of a QEMU VT-d log (``max_dma``: stop before the DMA request after that
    many); :class:`QemuLogError` names the line of anything it cannot convert."""
    if max_dma is not None and max_dma < 1:
        raise QemuLogError(f"--max-dma {max_dma}: must be at least 1")
    return _Converter(lines, name, max_dma).run()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tb.stimulus.workloads.capture_scenario",
                                description="convert a QEMU vtd_* trace log into a "
                                "vtd-scenario/1 file with QEMU's results as expectations")
    p.add_argument("log", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--max-dma", type=int, default=None,
                   help="stop before the DMA request after N (default: the whole log)")
    args = p.parse_args(argv)
    try:
        conv = convert_log(open_lines(args.log), args.log.name, args.max_dma)
    except QemuLogError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(conv.scenario, indent=1) + "\n")
    counts = " ".join(f"{k}={v}" for k, v in sorted(conv.counts.items()))
    print(f"capture_scenario: {args.log}: {counts} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
