"""Mirror software's register accesses into the golden model, timed like the RTL.

The model is untimed: a write to CCMD with ICC=1 (or IOTLB_REG with IVT=1) invalidates at
once. The RTL finishes the invalidation later and shows it by clearing ICC (IVT); until then
it may still use the old cached entries, which the model must go on permitting. So such a
command write is held back and given to the model when software reads the register back with
the bit clear (the driver's poll), or at :meth:`ModelMirror.flush`. Writes to the same
register group (CCMD; IVA and IOTLB_REG) made meanwhile queue behind it, as the RTL ignores
them while the command runs. Every other write goes to the model as soon as the bus
completes it.

Queued invalidation. With ``defer_queue`` a tail write (IQT) is held the same way and the model
is given the queue only as far as the RTL is known to have run it
(:mod:`tb.env.queue_mirror`: the RTL's wait status writes, FSTS.IQE, quiescent flushes).

Context-cache invalidation and IOTLB hits. The IOTLB is looked up by source id and page
(doc/vtd-rules.md §3.8), so after a context-cache invalidation hardware may still hit IOTLB
entries of the old context until the IOTLB invalidation that software must issue next (§6.1).
The golden
model permits those hits itself (SID-keyed IOTLB candidates). ``defer_context_invalidation``
(off by default) additionally keeps invalidated contexts as "may still be cached" until the
next IOTLB invalidation, for experiments with a more permissive checker.
"""

from __future__ import annotations

from collections.abc import Callable

from python_model import regmap
from python_model.unit import RemappingUnit
from tb.env.queue_mirror import HeldTail, QueueMirror

Access = tuple[int, int, int]  # offset, size, value

# register group -> (command register, its start bit field)
_COMMANDS = {"CCMD": ("CCMD", "ICC"), "IOTLB": ("IOTLB", "IVT")}
_GROUP_OF = {"CCMD": "CCMD", "IVA": "IOTLB", "IOTLB": "IOTLB"}


def _bit_in(reg: regmap.Register, bit: int, offset: int, size: int, value: int) -> int | None:
    """Bit ``bit`` of ``reg`` as carried by an access at ``offset``/``size``, or None."""
    first = 8 * (offset - reg.offset)
    if not first <= bit < first + 8 * size:
        return None
    return value >> (bit - first) & 1


class ModelMirror:
    def __init__(self, unit: RemappingUnit,
                 on_applied: Callable[[str, Access], None] | None = None,
                 defer_context_invalidation: bool = False,
                 defer_queue: bool = False,
                 on_queue_given: Callable[[], None] | None = None) -> None:
        self.unit = unit
        self.on_applied = on_applied  # told the register name of every access applied
        self.pending: dict[str, list[Access]] = {}
        self.writes_applied = 0
        self.defer_context_invalidation = defer_context_invalidation
        self._lingering: set = set()  # contexts invalidated, IOTLB not yet
        self.queue = (QueueMirror(unit, self._queue_done, on_queue_given) if defer_queue
                      else None)
        # the kinds of descriptors of the IQT write on_applied is being told about (empty
        # for a tail write applied at once)
        self.completed_kinds: frozenset[str] = frozenset()

    def _reg(self, offset: int) -> regmap.Register | None:
        return self.unit.regmap.containing(offset)

    def on_write(self, offset: int, size: int, value: int) -> None:
        reg = self._reg(offset)
        if self.queue is not None and reg is not None:
            if reg.name == "IQT" and self.queue.hold((offset, size, value)):
                return
            if reg.name in ("GCMD", "IQA"):
                self.queue.flush()  # software changes these only with the queue quiet
        group = _GROUP_OF.get(reg.name) if reg is not None else None
        if group is not None:
            if group in self.pending:
                self.pending[group].append((offset, size, value))
                return
            cmd_name, bit_name = _COMMANDS[group]
            if reg is not None and reg.name == cmd_name:
                bit = _bit_in(reg, reg.field(bit_name).lsb, offset, size, value)
                if bit:
                    self.pending[group] = [(offset, size, value)]
                    return
        self._apply(offset, size, value)

    def is_command(self, offset: int, size: int, value: int) -> bool:
        """Does this write start an operation (CCMD.ICC, IOTLB.IVT, a held IQT) or change
        GCMD?"""
        return self.command_name(offset, size, value) is not None

    def command_name(self, offset: int, size: int, value: int) -> str | None:
        """The register of a command write (see :meth:`is_command`), else None."""
        reg = self._reg(offset)
        if reg is None:
            return None
        if reg.name == "GCMD" or (reg.name == "IQT" and self.queue is not None):
            return reg.name
        if reg.name in ("CCMD", "IOTLB"):
            _, bit_name = _COMMANDS[reg.name]
            if _bit_in(reg, reg.field(bit_name).lsb, offset, size, value):
                return reg.name
        return None

    def on_read(self, offset: int, size: int, value: int) -> None:
        reg = self._reg(offset)
        if reg is not None and reg.name == "FSTS" and self.queue is not None:
            self.queue.queue_error_seen(value)
        if reg is None or _GROUP_OF.get(reg.name) is None:
            return
        group = _GROUP_OF[reg.name]
        cmd_name, bit_name = _COMMANDS[group]
        if group in self.pending and reg.name == cmd_name:
            if _bit_in(reg, reg.field(bit_name).lsb, offset, size, value) == 0:
                self._release(group)

    def flush(self) -> None:
        for group in list(self.pending):
            self._release(group)
        if self.queue is not None:
            self.queue.flush()

    def status_written(self, addr: int, data: bytes) -> None:
        """The RTL is writing ``data`` at ``addr`` (a wait descriptor's status write)."""
        if self.queue is not None:
            self.queue.status_written(addr, data)

    def _queue_done(self, held: HeldTail) -> None:
        self.writes_applied += 1
        self.completed_kinds = held.kinds
        try:
            if self.on_applied is not None:
                self.on_applied("IQT", held.access)
        finally:
            self.completed_kinds = frozenset()

    def _release(self, group: str) -> None:
        for access in self.pending.pop(group):
            self._apply(*access)

    def _apply(self, offset: int, size: int, value: int) -> None:
        reg = self._reg(offset)
        caches = self.unit.caches
        before = set(caches.contexts) if self.defer_context_invalidation else set()
        self.unit.reg_write(offset, size, value)
        self.writes_applied += 1
        if self.defer_context_invalidation and reg is not None:
            if reg.name == "CCMD":
                self._lingering |= before - caches.contexts
                caches.fill(self._lingering)
            elif (reg.name == "IOTLB" and self.unit.iaig
                  and _bit_in(reg, reg.field("IVT").lsb, offset, size, value)):
                for c in self._lingering:
                    caches.remove(c)
                self._lingering.clear()
        if self.on_applied is not None:
            self.on_applied(reg.name if reg is not None else f"{offset:#x}",
                            (offset, size, value))
