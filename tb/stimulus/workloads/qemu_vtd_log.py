"""QEMU's VT-d trace log (``-trace 'vtd_*' -D FILE``, the log backend Debian's QEMU uses) as
events: every DMA translation QEMU's ``intel-iommu`` model made, and the invalidations the
guest's driver queued (doc/workloads.md, "Captured streams").

Written for QEMU 7.2 (Debian 12); the lines this reads, with what they give:

* ``vtd_iotlb_page_hit IOTLB page hit sid S iova A slpte E domain D`` (a hit in QEMU's own
  IOTLB) or ``vtd_iotlb_page_update IOTLB page update sid S iova A slpte E domain D`` (a
  walk, then a fill): the requester id, the full input address (page offset included), the
  leaf second-level entry (its R and W bits, output address) and the domain id, followed by
  ``vtd_dmar_translate dev BB:DD.FF iova P -> gpa G mask M``, the translated page and the
  page mask. One pair per translation QEMU performs, hits and misses alike.
* ``vtd_iotlb_cc_hit`` / ``vtd_iotlb_cc_update IOTLB context hit|update bus B devfn F high H
  low L gen ...``: the
  context entry used (its domain id and address width).
* ``vtd_inv_desc_iotlb_global``, ``vtd_inv_desc_iotlb_domain ... domain D``,
  ``vtd_inv_desc_iotlb_pages ... domain D addr A mask AM``: IOTLB invalidations;
  ``vtd_inv_desc_cc_global``, ``vtd_inv_desc_cc_domain ... domain D``,
  ``vtd_inv_desc_cc_device context invalidate device BB:DD.FF``: context-cache invalidations.
* ``vtd_dmar_enable enable 0|1``: translation switched on or off (GCMD.TE).

Every other ``vtd_*`` event QEMU 7.2 has (interrupt remapping, queue bookkeeping, register
accesses, wait descriptors, ...) is recognised and skipped, unless ``parse(..., full=True)``
asks for the driver's side as well (the scenario converter,
:mod:`tb.stimulus.workloads.capture_scenario`):

* ``vtd_reg_write addr A size S value V`` / ``vtd_reg_read addr A size S``: a register access
  (:class:`RegAccess`; QEMU does not print the value read).
* ``vtd_inv_qi_head read head N`` then ``vtd_inv_desc invalidate desc type T high H low L``:
  the descriptor QEMU fetched from queue slot N (:class:`Descriptor`). QEMU 7.2 calls
  ``trace_vtd_inv_desc(type, inv_desc.hi, inv_desc.lo)`` with the format ``"... high 0x%"
  PRIx64 " low 0x%" PRIx64``: ``high`` is the descriptor's qword 1, ``low`` its qword 0 (a
  wait descriptor's status address is in ``high``, its type and status data in ``low``).
* ``vtd_ir_remap_msi_req addr A data D`` [``vtd_ir_irte_get index I low L high H``, ...]
  ``vtd_ir_remap_msi (addr A, data D) -> (addr A', data D')``: an interrupt request and the
  message QEMU delivered (:class:`Interrupt`). QEMU 7.2's ``vtd_irte_get`` calls
  ``trace_vtd_ir_irte_get(index, entry->data[1], entry->data[0])`` with the format
  ``"index %d low 0x%" PRIx64 " high 0x%" PRIx64``: ``low`` is the IRTE's qword 1 (SID, SQ,
  SVT), ``high`` its qword 0 (present bit, modes, vector, destination).

Anything else -- a line that is not a ``vtd_*`` event, an unknown event, a known event whose
fields do not parse, a fault -- raises :class:`QemuLogError` naming the line.
"""

from __future__ import annotations

import lzma
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


class QemuLogError(ValueError):
    """A line of a QEMU trace log the converter cannot use; the message names the line."""


@dataclass(frozen=True)
class Translation:
    line: int  # of the vtd_dmar_translate line
    sid: int
    iova: int  # the full input address, page offset included
    did: int
    slpte: int  # the leaf entry QEMU used
    output: int  # the translated address of iova (page from the trace, plus the offset)
    page_size: int
    hit: bool  # a hit in QEMU's own IOTLB

    @property
    def read(self) -> bool:
        return bool(self.slpte & 1)

    @property
    def write(self) -> bool:
        return bool(self.slpte & 2)


@dataclass(frozen=True)
class Invalidation:
    line: int
    cache: str  # "iotlb" | "context"
    granularity: str  # "global" | "domain" | "page" (iotlb) | "device" (context)
    did: int = 0
    addr: int = 0
    am: int = 0  # address mask: 2^am pages
    sid: int = 0


@dataclass(frozen=True)
class ContextEntry:
    line: int
    sid: int
    did: int
    aw: int  # adjusted guest address width in bits (39, 48, 57)
    slptptr: int
    tt: int


@dataclass(frozen=True)
class Enable:
    line: int
    on: bool


@dataclass(frozen=True)
class RegAccess:
    """A register access by the guest (``full`` parse only); ``value`` is None for a read."""

    line: int
    offset: int
    size: int
    value: int | None

    @property
    def write(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Descriptor:
    """An invalidation descriptor QEMU fetched from queue slot ``slot`` (``full`` only)."""

    line: int  # of the vtd_inv_desc line
    slot: int
    qw0: int  # "low" in QEMU's trace
    qw1: int  # "high"

    @property
    def dtype(self) -> int:
        return (self.qw0 >> 9 & 7) << 4 | self.qw0 & 0xF


@dataclass(frozen=True)
class Interrupt:
    """An interrupt request QEMU remapped (or passed through), ``full`` parse only."""

    line: int  # of the vtd_ir_remap_msi_req line
    addr: int
    data: int
    out_addr: int  # the message QEMU delivered
    out_data: int
    irte: tuple[int, int, int] | None  # (index, qword 0, qword 1) of the IRTE QEMU read


Event = Translation | Invalidation | ContextEntry | Enable
FullEvent = Event | RegAccess | Descriptor | Interrupt

_HEX = r"0x([0-9a-fA-F]+)"
_BDF = r"([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-9a-fA-F]{2})"
_PAGE = re.compile(rf"IOTLB page (hit|update) sid {_HEX} iova {_HEX} slpte {_HEX} "
                   rf"domain {_HEX}$")
_XLATE = re.compile(rf"dev {_BDF} iova {_HEX} -> gpa {_HEX} mask {_HEX}$")
_CC = re.compile(rf"IOTLB context (?:hit|update) bus {_HEX} devfn {_HEX} high {_HEX} "
                 rf"low {_HEX} gen .*$")
_INV_PAGES = re.compile(rf"iotlb invalidate domain {_HEX} addr {_HEX} mask {_HEX}$")
_INV_DOMAIN = re.compile(rf"iotlb invalidate whole domain {_HEX}$")
_CC_DOMAIN = re.compile(rf"context invalidate domain {_HEX}$")
_CC_DEVICE = re.compile(rf"context invalidate device {_BDF}$")
_ENABLE = re.compile(r"enable ([01])$")
_REG_WRITE = re.compile(rf"addr {_HEX} size {_HEX} value {_HEX}$")
_REG_READ = re.compile(rf"addr {_HEX} size {_HEX}$")
_QI_HEAD = re.compile(r"read head (\d+)$")
_DESC = re.compile(rf"invalidate desc type (\S+) high {_HEX} low {_HEX}$")
_MSI_REQ = re.compile(rf"addr {_HEX} data {_HEX}$")
_IRTE = re.compile(rf"index (\d+) low {_HEX} high {_HEX}$")
_MSI_OUT = re.compile(rf"\(addr {_HEX}, data {_HEX}\) -> \(addr {_HEX}, data {_HEX}\)$")
# QEMU 7.2's descriptor type names (vtd_process_inv_desc) by type code
DESC_TYPES = {0x1: "context-cache", 0x2: "iotlb", 0x3: "device", 0x4: "iec", 0x5: "wait",
              0x6: "p-iotlb", 0x7: "pasid-cache"}
# Events of the interrupt-remapping path between a request and its result (full parse).
_IR_DETAIL = frozenset({"vtd_ir_irte_get", "vtd_ir_remap", "vtd_ir_remap_type",
                        "vtd_warn_ir_vector", "vtd_warn_ir_trigger"})
# Events the full parse refuses: the replay cannot reproduce them.
FULL_UNSUPPORTED = {
    "vtd_inv_desc_wait_write_fail": "a wait descriptor whose status write failed",
    "vtd_warn_invalid_qi_tail": "an invalid queue tail write",
}
# An optional "pid@seconds.micros:" prefix (QEMU's -msg timestamp=on style), the event name,
# its text.
_EVENT = re.compile(r"^(?:\d+@\d+\.\d+:)?(vtd_[a-z0-9_]+)(?: (.*))?$")

# QEMU 7.2's other vtd_* events: nothing the DMA stream needs (interrupt remapping, the
# invalidation queue's bookkeeping, register accesses, wait and IEC descriptors, the
# notifier-driven page walks of caching mode, address-space switches).
IGNORED = frozenset("""
vtd_inv_desc vtd_inv_desc_wait_sw vtd_inv_desc_wait_irq vtd_inv_desc_wait_write_fail
vtd_inv_desc_iec vtd_inv_qi_enable vtd_inv_qi_setup vtd_inv_qi_head vtd_inv_qi_tail
vtd_inv_qi_fetch vtd_context_cache_reset vtd_iotlb_reset vtd_replay_ce_valid
vtd_replay_ce_invalid vtd_page_walk_level vtd_page_walk_one vtd_page_walk_one_skip_map
vtd_page_walk_one_skip_unmap vtd_page_walk_skip_read vtd_page_walk_skip_reserve
vtd_switch_address_space vtd_as_unmap_whole vtd_pt_enable_fast_path vtd_irq_generate
vtd_reg_read vtd_reg_write vtd_reg_dmar_root vtd_reg_ir_root vtd_reg_write_gcmd
vtd_reg_write_fectl vtd_reg_write_iectl vtd_reg_ics_clear_ip vtd_ir_enable vtd_ir_irte_get
vtd_ir_remap vtd_ir_remap_type vtd_ir_remap_msi vtd_ir_remap_msi_req vtd_fsts_clear_ip
vtd_warn_invalid_qi_tail vtd_warn_ir_vector vtd_warn_ir_trigger
""".split())
# Events the converter does not model: a stream with them is refused, naming the line.
UNSUPPORTED = {
    "vtd_dmar_fault": "a DMA remapping fault",
    "vtd_fault_disabled": "a fault with fault reporting disabled",
    "vtd_fsts_ppf": "a primary pending fault",
    "vtd_frr_new": "a fault record",
    "vtd_re_not_present": "a request through a not-present root entry",
    "vtd_ce_not_present": "a request through a not-present context entry",
    "vtd_translate_pt": "a pass-through translation",
    "vtd_inv_desc_iotlb_pasid_pages": "a PASID-based IOTLB invalidation",
    "vtd_inv_desc_iotlb_pasid": "a PASID-based IOTLB invalidation",
    "vtd_inv_desc_cc_devices": "a context invalidation of a device range",
}
AW_BITS = {1: 39, 2: 48, 3: 57}


def open_lines(path: Path) -> list[str]:
    """The lines of ``path`` (``.xz`` files decompressed)."""
    try:
        if path.suffix == ".xz":
            with lzma.open(path, "rt", encoding="utf-8") as f:
                return f.read().splitlines()
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, lzma.LZMAError, UnicodeDecodeError) as e:
        raise QemuLogError(f"{path}: cannot read ({e})") from None


def _fields(pattern: re.Pattern[str], text: str, where: str, event: str) -> tuple[str, ...]:
    m = pattern.match(text)
    if m is None:
        raise QemuLogError(f"{where}: {event}: cannot parse {text!r}")
    return m.groups()


def parse(lines: list[str], name: str = "<log>", full: bool = False) -> Iterator[FullEvent]:
    """The events of a QEMU VT-d trace log, in log order; with ``full`` also the guest's
    register accesses, the descriptors QEMU fetched and the interrupts it remapped."""
    pending: tuple[int, str, int, int, int, int] | None = None  # a page hit/update
    head: tuple[int, int] | None = None  # (line, slot) of a vtd_inv_qi_head (full)
    irq: list[int] | None = None  # [line, addr, data, index, qw0, qw1] of a request (full)
    for no, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        where = f"{name}:{no}"
        m = _EVENT.match(line)
        if m is None:
            raise QemuLogError(f"{where}: not a QEMU vtd_* trace event: {line[:80]!r}")
        event, text = m.group(1), (m.group(2) or "").strip()
        if full and irq is not None and event not in _IR_DETAIL \
                and event != "vtd_ir_remap_msi":
            raise QemuLogError(f"{name}:{irq[0]}: interrupt request without a "
                               "vtd_ir_remap_msi result (QEMU blocked it: an interrupt "
                               "remapping fault is not converted)")
        if full and head is not None and event != "vtd_inv_desc":
            raise QemuLogError(f"{name}:{head[0]}: vtd_inv_qi_head without the "
                               "vtd_inv_desc it fetched")
        if full:
            done = _full_event(event, text, no, where, name)
            if done is not None:
                kind, value = done
                if kind == "event":
                    yield value  # type: ignore[misc]
                    continue
                if kind == "head":
                    head = value  # type: ignore[assignment]
                    continue
                if kind == "desc":
                    if head is None:
                        raise QemuLogError(f"{where}: vtd_inv_desc without a vtd_inv_qi_head "
                                           "before it (which queue slot?)")
                    qw1, qw0 = value  # type: ignore[misc]
                    yield Descriptor(no, head[1], qw0, qw1)
                    head = None
                    continue
                if kind == "irq":
                    if irq is not None:
                        raise QemuLogError(f"{name}:{irq[0]}: interrupt request without a "
                                           "vtd_ir_remap_msi result")
                    irq = [no, *value, -1, 0, 0]  # type: ignore[list-item]
                    continue
                if kind == "irte":
                    if irq is None:
                        raise QemuLogError(f"{where}: vtd_ir_irte_get outside an interrupt "
                                           "request")
                    irq[3:6] = value  # type: ignore[index]
                    continue
                if kind == "irq_detail":
                    if irq is None:
                        raise QemuLogError(f"{where}: {event} outside an interrupt request")
                    continue
                if kind == "irq_out":
                    if irq is None:
                        raise QemuLogError(f"{where}: vtd_ir_remap_msi without its "
                                           "vtd_ir_remap_msi_req")
                    a, d, out_a, out_d = value  # type: ignore[misc]
                    if (a, d) != (irq[1], irq[2]):
                        raise QemuLogError(f"{where}: result of ({a:#x}, {d:#x}) but the "
                                           f"request on line {irq[0]} is ({irq[1]:#x}, "
                                           f"{irq[2]:#x})")
                    yield Interrupt(irq[0], a, d, out_a, out_d,
                                    None if irq[3] < 0 else (irq[3], irq[4], irq[5]))
                    irq = None
                    continue
        if event in ("vtd_iotlb_page_hit", "vtd_iotlb_page_update"):
            if pending is not None:
                raise QemuLogError(f"{where}: {event} while the one on line {pending[0]} has "
                                   "no vtd_dmar_translate yet")
            kind, sid, iova, slpte, did = _fields(_PAGE, text, where, event)
            pending = (no, kind, int(sid, 16), int(iova, 16), int(slpte, 16), int(did, 16))
        elif event == "vtd_dmar_translate":
            bus, dev, fn, page, gpa, mask = _fields(_XLATE, text, where, event)
            sid = int(bus, 16) << 8 | int(dev, 16) << 3 | int(fn, 16)
            if pending is None:
                # translation off (QEMU passes the address through and says so here only)
                continue
            p_no, kind, p_sid, iova, slpte, did = pending
            pending = None
            size = int(mask, 16) + 1
            if size & (size - 1) or size < 0x1000:
                raise QemuLogError(f"{where}: page mask {mask} is not a page size")
            if p_sid != sid or iova & ~(size - 1) != int(page, 16):
                raise QemuLogError(f"{where}: translation of sid {sid:#x} page {page} does not "
                                   f"match the IOTLB line {p_no} (sid {p_sid:#x} iova "
                                   f"{iova:#x})")
            output = int(gpa, 16) | (iova & (size - 1))
            if (slpte & ~(size - 1) & ((1 << 52) - 1)) != int(gpa, 16):
                raise QemuLogError(f"{where}: gpa {gpa} differs from the leaf entry "
                                   f"{slpte:#x} of line {p_no}")
            yield Translation(no, sid, iova, did, slpte, output, size, kind == "hit")
        elif event in ("vtd_iotlb_cc_hit", "vtd_iotlb_cc_update"):
            bus, devfn, high, low = (int(v, 16) for v in _fields(_CC, text, where, event))
            aw = high & 7
            if aw not in AW_BITS:
                raise QemuLogError(f"{where}: context entry address width {aw} is not 1..3")
            yield ContextEntry(no, bus << 8 | devfn, (high >> 8) & 0xFFFF, AW_BITS[aw],
                               low & ~0xFFF & ((1 << 64) - 1), (low >> 2) & 3)
        elif event == "vtd_inv_desc_iotlb_global":
            yield Invalidation(no, "iotlb", "global")
        elif event == "vtd_inv_desc_iotlb_domain":
            (did,) = _fields(_INV_DOMAIN, text, where, event)
            yield Invalidation(no, "iotlb", "domain", did=int(did, 16))
        elif event == "vtd_inv_desc_iotlb_pages":
            did, addr, am = _fields(_INV_PAGES, text, where, event)
            yield Invalidation(no, "iotlb", "page", did=int(did, 16), addr=int(addr, 16),
                               am=int(am, 16))
        elif event == "vtd_inv_desc_cc_global":
            yield Invalidation(no, "context", "global")
        elif event == "vtd_inv_desc_cc_domain":
            (did,) = _fields(_CC_DOMAIN, text, where, event)
            yield Invalidation(no, "context", "domain", did=int(did, 16))
        elif event == "vtd_inv_desc_cc_device":
            bus, dev, fn = _fields(_CC_DEVICE, text, where, event)
            yield Invalidation(no, "context", "device",
                               sid=int(bus, 16) << 8 | int(dev, 16) << 3 | int(fn, 16))
        elif event == "vtd_dmar_enable":
            (on,) = _fields(_ENABLE, text, where, event)
            yield Enable(no, on == "1")
        elif event in UNSUPPORTED:
            raise QemuLogError(f"{where}: {event}: {UNSUPPORTED[event]} is not converted "
                               "(captured streams translate every request)")
        elif event not in IGNORED:
            raise QemuLogError(f"{where}: unknown QEMU trace event {event!r}")
    if pending is not None:
        raise QemuLogError(f"{name}:{pending[0]}: IOTLB line without a vtd_dmar_translate "
                           "(a truncated log?)")
    if irq is not None:
        raise QemuLogError(f"{name}:{irq[0]}: interrupt request without a vtd_ir_remap_msi "
                           "result (a truncated log?)")
    if head is not None:
        raise QemuLogError(f"{name}:{head[0]}: vtd_inv_qi_head without its vtd_inv_desc "
                           "(a truncated log?)")


def _full_event(event: str, text: str, no: int, where: str, name: str) \
        -> tuple[str, object] | None:
    """What a ``full`` parse makes of a line the DMA parse skips; None: the DMA parse's way."""
    del name
    if event == "vtd_reg_write":
        off, size, value = (int(v, 16) for v in _fields(_REG_WRITE, text, where, event))
        return "event", RegAccess(no, off, size, value)
    if event == "vtd_reg_read":
        off, size = (int(v, 16) for v in _fields(_REG_READ, text, where, event))
        return "event", RegAccess(no, off, size, None)
    if event == "vtd_inv_qi_head":
        (slot,) = _fields(_QI_HEAD, text, where, event)
        return "head", (no, int(slot))
    if event == "vtd_inv_desc":
        kind, hi, lo = _fields(_DESC, text, where, event)
        qw1, qw0 = int(hi, 16), int(lo, 16)
        dtype = (qw0 >> 9 & 7) << 4 | qw0 & 0xF
        if DESC_TYPES.get(dtype) != kind:
            raise QemuLogError(f"{where}: descriptor type {kind!r} but its low qword "
                               f"{qw0:#x} has type {dtype:#x}")
        return "desc", (qw1, qw0)
    if event == "vtd_ir_remap_msi_req":
        addr, data = (int(v, 16) for v in _fields(_MSI_REQ, text, where, event))
        return "irq", (addr, data)
    if event == "vtd_ir_irte_get":
        index, lo, hi = _fields(_IRTE, text, where, event)
        return "irte", (int(index), int(hi, 16), int(lo, 16))  # (index, qword 0, qword 1)
    if event in _IR_DETAIL:
        return "irq_detail", None
    if event == "vtd_ir_remap_msi":
        return "irq_out", tuple(int(v, 16) for v in _fields(_MSI_OUT, text, where, event))
    if event in FULL_UNSUPPORTED:
        raise QemuLogError(f"{where}: {event}: {FULL_UNSUPPORTED[event]} is not converted")
    return None
