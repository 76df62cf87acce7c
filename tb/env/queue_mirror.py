"""The invalidation queue given to the golden model as the RTL gets through it.

The untimed model runs the queue up to IQT the moment a tail write reaches it. The RTL fetches
and runs each descriptor later, and until it has, it may still answer from cached entries the
queue is about to invalidate, which the model must go on permitting. So a software tail write
is *held*, and the model is given the queue piecewise, never further than the RTL is known to
have got:

* the RTL's status write of a wait descriptor (SW=1) at ``addr`` with ``data``: every
  descriptor up to and including that wait has completed (doc/vtd-rules.md §6.4). The AXI
  memory tells us (:meth:`QueueMirror.status_written`) *before* it compares the write with
  the model's, so the model makes its own status write just in time;
* FSTS read by software with IQE=1: the RTL stopped at a bad descriptor and everything before
  it completed, so the model may run to the tail (it stops at the same descriptor);
* :meth:`QueueMirror.flush`: at a quiescent checkpoint, or before a GCMD/IQA write (which
  software makes only with the queue quiet).

Each held software write is handed back through ``on_done`` once the model has run every
descriptor it submitted, with the kinds of those descriptors (``context``, ``iotlb``, ``iec``,
``wait``, ``other``): the testbench checks the drain rules against them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from python_model import regmap
from python_model.unit import RemappingUnit

Access = tuple[int, int, int]  # offset, size, value

_KIND = {0x1: "context", 0x2: "iotlb", 0x4: "iec", 0x5: "wait"}
_QT = regmap.fld("IQT", "QT")
_IQE = regmap.fld("FSTS", "IQE")


@dataclass(frozen=True)
class HeldTail:
    """A software IQT write the model has not been given in full yet."""

    access: Access
    tail: int  # the descriptor index software's write made the tail
    kinds: frozenset[str]  # what the descriptors it submitted are


class QueueMirror:
    def __init__(self, unit: RemappingUnit, on_done: Callable[[HeldTail], None],
                 on_given: Callable[[], None] | None = None) -> None:
        self.unit = unit
        self.on_done = on_done
        self.on_given = on_given  # the model just ran part of the queue (before on_done)
        self.held: list[HeldTail] = []
        self.iqt_offset = unit.regmap.by_name("IQT").offset
        self.releases = {"status write": 0, "queue error": 0, "flush": 0}

    # ----------------------------------------------------------------- positions
    @property
    def entries(self) -> int:
        return self.unit.queue.entries

    @property
    def given(self) -> int:
        """The descriptor index the model was last given as its tail."""
        return self.unit.queue.iqt >> 4

    @property
    def last_tail(self) -> int:
        return self.held[-1].tail if self.held else self.given

    def _descriptor(self, index: int) -> tuple[int, int]:
        base = self.unit.queue.base + 16 * index
        mem = self.unit.memory
        return mem.peek_u64(base), mem.peek_u64(base + 8)

    def _indices(self, start: int, end: int) -> range | list[int]:
        n = self.entries
        return [(start + k) % n for k in range((end - start) % n)]

    # ----------------------------------------------------------------- software writes
    def hold(self, access: Access) -> bool:
        """A software write to IQT: hold it (True) while the queue runs, else leave it to be
        applied at once (QIES=0 or IQE=1: the model and the RTL only store the value)."""
        unit = self.unit
        if not unit.qies or unit.faults.iqe or unit.faults.ite:
            return False
        offset, size, value = access
        if offset != self.iqt_offset or size < 4:
            return False
        tail = _QT.get(value) % self.entries
        kinds = frozenset(_KIND.get(self._descriptor(i)[0] & 0xF, "other")
                          for i in self._indices(self.last_tail, tail))
        self.held.append(HeldTail(access, tail, kinds))
        return True

    # ----------------------------------------------------------------- releases
    def status_written(self, addr: int, data: bytes) -> None:
        """The RTL writes ``data`` at ``addr``: if a held wait descriptor asked for exactly
        that, give the model the queue through it."""
        if not self.held:
            return
        value = int.from_bytes(data, "little")
        for i in self._indices(self.given, self.last_tail):
            qw0, qw1 = self._descriptor(i)
            if (qw0 & 0xF == 0x5 and qw0 >> 5 & 1 and qw1 & ~3 & (1 << 64) - 1 == addr
                    and qw0 >> 32 == value):
                self.releases["status write"] += 1
                self._give((i + 1) % self.entries)
                return

    def queue_error_seen(self, fsts: int) -> None:
        """Software read FSTS: with IQE=1 the RTL halted; let the model run to the tail."""
        if self.held and _IQE.get(fsts):
            self.releases["queue error"] += 1
            self._give(self.last_tail)

    def flush(self) -> None:
        if self.held:
            self.releases["flush"] += 1
            self._give(self.last_tail)

    def _give(self, tail: int) -> None:
        n = self.entries
        start = self.given
        reach = (tail - start) % n
        if reach:
            self.unit.reg_write(self.iqt_offset, 8, _QT.put(0, tail))
            if self.on_given is not None:
                self.on_given()
        while self.held and (self.held[0].tail - start) % n <= reach:
            self.on_done(self.held.pop(0))
