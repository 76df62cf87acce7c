"""Queued invalidation (doc/vtd-rules.md §1.11, §2.7, §6.4; decisions P10, P12), legacy mode,
128-bit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from python_model.config import UnitConfig
from python_model.memory import Memory, MemoryAccessError
from python_model.structures import bits, mask

# IQERCD.IQEI codes (§1.11)
IQEI_BAD_TAIL = 1
IQEI_FETCH = 2
IQEI_BAD_TYPE = 3
IQEI_RESERVED = 4
IQEI_BAD_DW = 5

# Reserved bits per descriptor type in legacy mode (§2.7): (qw0 mask, qw1 mask).
_RESERVED = {
    0x1: (mask(8, 6) | mask(15, 12) | mask(63, 50), mask(63, 0)),
    0x2: (mask(8, 8) | mask(15, 12) | mask(63, 32), mask(11, 7)),
    0x4: (mask(8, 5) | mask(26, 12) | mask(63, 48), mask(63, 0)),
    0x5: (mask(8, 7) | mask(31, 12), mask(1, 0)),  # bit 7 PD needs ECAP.PDS (absent)
}


class QueueError(Exception):
    def __init__(self, iqei: int) -> None:
        super().__init__(f"invalidation queue error IQEI={iqei}")
        self.iqei = iqei


class InvalidationTarget(Protocol):
    """What descriptors act on (implemented by the unit)."""

    def invalidate_context(self, granularity: int, did: int, sid: int, fm: int) -> None: ...
    def invalidate_iotlb(self, granularity: int, did: int, addr: int, am: int,
                         ih: bool) -> None: ...
    def invalidate_iec(self, global_: bool, index: int, im: int) -> None: ...
    def wait_complete(self, status_write: tuple[int, int] | None, interrupt: bool) -> None: ...
    def queue_error(self, iqei: int) -> None: ...


@dataclass
class InvalidationQueue:
    cfg: UnitConfig
    memory: Memory
    iqh: int = 0  # byte offset into the queue (bits 18:4 of IQH)
    iqt: int = 0
    iqa: int = 0
    iqei: int = 0

    def reset(self) -> None:
        self.iqh = self.iqt = self.iqa = self.iqei = 0

    @property
    def entries(self) -> int:
        return 1 << (bits(self.iqa, 2, 0) + 8)

    @property
    def base(self) -> int:
        return self.iqa & mask(self.cfg.HAW - 1, 12)

    def run(self, target: InvalidationTarget) -> None:
        """Fetch and execute descriptors from IQH up to IQT (the caller checks QIES, IQE)."""
        if self.iqa >> 11 & 1:
            return self._fail(target, IQEI_BAD_DW)  # 256-bit descriptors need SMTS or ADMS
        if self.iqt >> 4 >= self.entries:
            return self._fail(target, IQEI_BAD_TAIL)
        while self.iqh != self.iqt:
            try:
                qw0, qw1 = self.memory.read_u128(self.base + self.iqh)
                self._execute(qw0, qw1, target)
            except MemoryAccessError:
                return self._fail(target, IQEI_FETCH)
            except QueueError as err:
                return self._fail(target, err.iqei)
            self.iqh = ((self.iqh >> 4) + 1) % self.entries << 4  # only after a valid descriptor

    def _fail(self, target: InvalidationTarget, iqei: int) -> None:
        self.iqei = iqei  # IQH stays on the bad descriptor
        target.queue_error(iqei)

    def _execute(self, qw0: int, qw1: int, target: InvalidationTarget) -> None:
        dtype = bits(qw0, 11, 9) << 4 | bits(qw0, 3, 0)
        if dtype not in _RESERVED:
            raise QueueError(IQEI_BAD_TYPE)  # 3h needs DT; 6h+ are scalable-mode types
        rsvd0, rsvd1 = _RESERVED[dtype]
        if qw0 & rsvd0 or qw1 & rsvd1:
            raise QueueError(IQEI_RESERVED)
        cfg = self.cfg
        did_mask = (1 << cfg.domain_id_bits) - 1
        if dtype == 0x1:
            g = bits(qw0, 5, 4)
            if g == 0:
                raise QueueError(IQEI_RESERVED)
            target.invalidate_context(g, bits(qw0, 31, 16) & did_mask, bits(qw0, 47, 32),
                                      bits(qw0, 49, 48))
        elif dtype == 0x2:
            g = bits(qw0, 5, 4)
            am = bits(qw1, 5, 0)
            if g == 0 or (g == 3 and (not cfg.PSI or am > cfg.MAMV)):  # P12
                raise QueueError(IQEI_RESERVED)
            target.invalidate_iotlb(g, bits(qw0, 31, 16) & did_mask, qw1 & mask(63, 12), am,
                                    bool(qw1 >> 6 & 1))
        elif dtype == 0x4:
            im = bits(qw0, 31, 27)
            if im > cfg.MHMV:
                raise QueueError(IQEI_RESERVED)
            target.invalidate_iec(not qw0 >> 4 & 1, bits(qw0, 47, 32), im)
        else:
            status = (qw1 & mask(63, 2), bits(qw0, 63, 32)) if qw0 >> 5 & 1 else None
            target.wait_complete(status, bool(qw0 >> 4 & 1))  # P10: SW and IF may both be set
