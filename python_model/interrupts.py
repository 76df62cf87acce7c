"""Interrupt remapping (doc/vtd-rules.md §5, decisions P7, P8, P11, P15, P16, P17), with every
permitted outcome: the fresh IRTE read and any IRTE the interrupt entry cache may still hold
(§6.3)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from python_model.cachestate import CachedIrte, CacheFill, CacheState
from python_model.config import UnitConfig
from python_model.memory import Memory, MemoryAccessError
from python_model.outcomes import FaultInfo, Interrupt, MsiOutcome
from python_model.structures import Irte, bits, mask

FR_IR_RESERVED_REQUEST = 0x20
FR_IR_INDEX = 0x21
FR_IR_NOT_PRESENT = 0x22
FR_IR_FETCH = 0x23
FR_IR_RESERVED_IRTE = 0x24
FR_IR_COMPAT_BLOCKED = 0x25
FR_IR_SOURCE = 0x26

IR_QUALIFIED = {0x22, 0x24, 0x26, 0x27, 0x28}


@dataclass(frozen=True)
class IrTablePointer:
    """IRTA as latched by SIRTP (§1.12)."""

    base: int = 0
    s: int = 0
    eime: bool = False


@dataclass(frozen=True)
class IrState:
    ires: bool
    cfis: bool
    table: IrTablePointer


@dataclass
class MsiCandidate:
    outcome: MsiOutcome
    fills: list[CacheFill] = field(default_factory=list)


def compatibility(addr: int, data: int) -> Interrupt:
    """P15: a compatibility-format interrupt passes through unchanged."""
    return Interrupt(vector=bits(data, 7, 0), dest=bits(addr, 19, 12), dest_mode=bits(addr, 2, 2),
                     delivery_mode=bits(data, 10, 8), trigger_mode=bits(data, 15, 15),
                     redirection_hint=bits(addr, 3, 3))


class InterruptRemapper:
    def __init__(self, cfg: UnitConfig, memory: Memory, caches: CacheState) -> None:
        self.cfg = cfg
        self.memory = memory
        self.caches = caches

    def candidates(self, sid: int, addr: int, data: int, state: IrState) -> list[MsiCandidate]:
        def fault(reason: int, index: int | None = None, fpd: bool = False) -> MsiCandidate:
            fi = (index & 0xFFFF) << 48 if index is not None else 0  # P16
            info = FaultInfo(reason=reason, sid=sid, fi=fi, write=True,
                             qualified=reason in IR_QUALIFIED, fpd=fpd)
            return MsiCandidate(MsiOutcome(False, fault=info))

        if not state.ires:  # P17
            return [MsiCandidate(MsiOutcome(True, compatibility(addr, data)))]
        table = state.table
        if not addr >> 4 & 1:  # compatibility format, P8
            if table.eime or not state.cfis:
                return [fault(FR_IR_COMPAT_BLOCKED)]
            return [MsiCandidate(MsiOutcome(True, compatibility(addr, data)))]
        shv = bool(addr >> 3 & 1)
        handle = bits(addr, 19, 5) | bits(addr, 2, 2) << 15
        if shv and data >> 16:
            return [fault(FR_IR_RESERVED_REQUEST)]
        index = handle + (data & 0xFFFF if shv else 0)
        entry_addr = (table.base & mask(self.cfg.HAW - 1, 12)) + 16 * index
        if index >= 1 << (table.s + 1) or entry_addr + 16 > 1 << self.cfg.HAW:
            return [fault(FR_IR_INDEX, index)]
        found: list[MsiCandidate] = []
        try:
            lo, hi = self.memory.read_u128(entry_addr)
            found.append(self._with_irte(sid, index, Irte(lo, hi), table.eime, fault))
        except MemoryAccessError:
            found.append(fault(FR_IR_FETCH, index))
        for cached in self.caches.irtes_for(index):
            c = self._with_irte(sid, index, Irte(cached.lo, cached.hi), table.eime, fault)
            c.fills = []
            found.append(c)
        merged: dict[MsiOutcome, MsiCandidate] = {}
        for c in found:
            if c.outcome in merged:
                merged[c.outcome].fills.extend(c.fills)
            else:
                merged[c.outcome] = c
        return list(merged.values())

    @staticmethod
    def _with_irte(sid: int, index: int, irte: Irte, eime: bool,
                   make: Callable[[int, int | None, bool], MsiCandidate]) -> MsiCandidate:
        if not irte.present:
            return make(FR_IR_NOT_PRESENT, index, irte.fpd)
        # P11: source-id check before the reserved fields; SVT=11 is a reserved value (24h).
        fill: list[CacheFill] = []
        if not irte.reserved_set(eime):
            fill = [CachedIrte(index, irte.lo, irte.hi)]
        if irte.svt != 0b11 and not irte.source_ok(sid):
            # doc/vtd-rules.md §5 (IEC contents) and §6.6: with CM=0 an IRTE that faulted is not
            # cached, so a 26h fault fills nothing.
            return make(FR_IR_SOURCE, index, irte.fpd)
        if irte.reserved_set(eime):
            return make(FR_IR_RESERVED_IRTE, index, irte.fpd)
        intr = Interrupt(vector=irte.vector, dest=irte.destination(eime), dest_mode=irte.dm,
                         delivery_mode=irte.dlm, trigger_mode=irte.tm, redirection_hint=irte.rh)
        return MsiCandidate(MsiOutcome(True, intr), fill)
