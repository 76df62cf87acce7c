"""Mirror software's register accesses into the golden model, timed like the RTL.

The model is untimed: a write to CCMD with ICC=1 (or IOTLB_REG with IVT=1) invalidates at
once. The RTL finishes the invalidation later and shows it by clearing ICC (IVT); until then
it may still use the old cached entries, which the model must go on permitting. So such a
command write is held back and given to the model when software reads the register back with
the bit clear (the driver's poll), or at :meth:`ModelMirror.flush`. Writes to the same
register group (CCMD; IVA and IOTLB_REG) made meanwhile queue behind it, as the RTL ignores
them while the command runs. Every other write goes to the model as soon as the bus
completes it.

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
                 defer_context_invalidation: bool = False) -> None:
        self.unit = unit
        self.on_applied = on_applied  # told the register name of every access applied
        self.pending: dict[str, list[Access]] = {}
        self.writes_applied = 0
        self.defer_context_invalidation = defer_context_invalidation
        self._lingering: set = set()  # contexts invalidated, IOTLB not yet

    def _reg(self, offset: int) -> regmap.Register | None:
        return self.unit.regmap.containing(offset)

    def on_write(self, offset: int, size: int, value: int) -> None:
        reg = self._reg(offset)
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
        """Does this write start an operation (CCMD.ICC, IOTLB.IVT) or change GCMD?"""
        reg = self._reg(offset)
        if reg is None:
            return False
        if reg.name == "GCMD":
            return True
        if reg.name in ("CCMD", "IOTLB"):
            _, bit_name = _COMMANDS[reg.name]
            return bool(_bit_in(reg, reg.field(bit_name).lsb, offset, size, value))
        return False

    def on_read(self, offset: int, size: int, value: int) -> None:
        reg = self._reg(offset)
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
