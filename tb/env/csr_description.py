"""What software may expect of every register, derived from ``python_model.regmap`` alone: the
plan of the CSR suite (after OpenTitan's CSR testplan: hw_reset, rw, bit_bash, aliasing) and
the register values the description predicts after a sequence of writes.

Nothing here names a field or register except :data:`SIDE_EFFECTS` and
:data:`CONFIG_DEPENDENT`, the one place where exclusions are stated with their reasons.
Fields of access ``CMD`` (CCMD.ICC, IOTLB.IVT) are written 0 by rw/bit_bash/aliasing (derived
from the description); their semantics have a directed test of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from python_model.config import UnitConfig
from python_model.regmap import MMIO_SIZE, Access, Register, RegisterMap

# Registers whose every write has side effects beyond storing (excluded from rw, bit_bash and
# aliasing writes; their semantics are tested on their own).
SIDE_EFFECTS: dict[str, str] = {
    "GCMD": "every field is a command: TE/QIE/IRE/CFI switch translation, the queue and "
            "interrupt remapping; SRTP/SIRTP/WBF latch pointers or flush (read back "
            "through GSTS)",
}

# Fields whose access depends on the configuration: (register, field) -> (capability, reason).
CONFIG_DEPENDENT: dict[tuple[str, str], tuple[str, str]] = {
    ("IRTA", "EIME"): ("EIM", "IRTA.EIME is reserved (reads 0) when ECAP.EIM=0"),
}


@dataclass(frozen=True)
class CsrPlan:
    """The registers of a configuration sorted by what the suite may do with them."""

    regmap: RegisterMap
    config: UnitConfig

    def writable_mask(self, reg: Register) -> int:
        """Bits a write stores and a read returns (RW fields, less config-dependent ones)."""
        mask = reg.mask_of(Access.RW)
        for f in reg.fields:
            dep = CONFIG_DEPENDENT.get((reg.name, f.name))
            if dep is not None and not getattr(self.config, dep[0]):
                mask &= ~f.mask
        return mask

    def command_mask(self, reg: Register) -> int:
        return reg.mask_of(Access.CMD)

    def rw1c_mask(self, reg: Register) -> int:
        return reg.mask_of(Access.RW1C)

    @property
    def rw_registers(self) -> list[Register]:
        """Registers with stored bits and no side effects: the rw/bit_bash/aliasing set."""
        return [r for r in self.regmap.registers
                if r.name not in SIDE_EFFECTS and self.writable_mask(r)]

    @property
    def other_registers(self) -> list[Register]:
        """Registers with nothing software stores (RO, WO, RW1C, reserved), less
        :data:`SIDE_EFFECTS`: writes must leave them as they were."""
        return [r for r in self.regmap.registers
                if r.name not in SIDE_EFFECTS and not self.writable_mask(r)]

    def gaps(self) -> list[int]:
        """Every 4-byte offset of the register window no register covers."""
        return [o for o in range(0, MMIO_SIZE, 4) if self.regmap.containing(o) is None]

    def safe_value(self, reg: Register, value: int) -> int:
        """``value`` with the command fields cleared (no operation starts)."""
        return value & ~self.command_mask(reg) & ((1 << 8 * reg.size) - 1)


@dataclass
class DescribedValues:
    """Register values as the description predicts them from reset and software's writes
    (no hardware activity): RW bits store, RW1C bits clear on 1, RO bits keep their reset
    value, WO, CMD and reserved bits read 0. ``computed`` gives the reset value of registers
    whose reset comes from the configuration (CAP, ECAP)."""

    plan: CsrPlan
    computed: dict[str, int]
    values: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.values = {r.name: self.reset_value(r) for r in self.plan.regmap.registers}

    def reset_value(self, reg: Register) -> int:
        if reg.computed_reset:
            return self.computed[reg.name]
        readable = ~(reg.mask_of(Access.WO) | reg.mask_of(Access.CMD))
        return reg.reset & readable

    def write(self, reg: Register, offset: int, size: int, value: int) -> None:
        """A write of ``size`` bytes at ``offset`` (inside ``reg``)."""
        shift = 8 * (offset - reg.offset)
        lanes = ((1 << 8 * size) - 1) << shift
        value = value << shift & lanes
        old = self.values[reg.name]
        stored = self.plan.writable_mask(reg) & lanes
        cleared = self.plan.rw1c_mask(reg) & value
        self.values[reg.name] = (old & ~stored | value & stored) & ~cleared

    def read(self, reg: Register, offset: int, size: int) -> int:
        shift = 8 * (offset - reg.offset)
        return self.values[reg.name] >> shift & ((1 << 8 * size) - 1)
