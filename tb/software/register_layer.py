"""Register layer: registers and fields by name, derived from ``python_model.regmap`` alone.

No offset or bit position is written here: :class:`RegisterLayer` looks everything up in the
project's register map (including FRCD[n] at CAP.FRO and IVA/IOTLB_REG at ECAP.IRO, which the
map places). It works over any :class:`RegBus`: the AXI4-Lite master
(``tb.agents.reg_bus.AxiLiteRegBus``), the pyuvm register sequencer
(``tb.agents.reg.SequencerRegBus``) or the golden model itself (``ModelRegBus``, unit
tests). 32-bit registers are accessed as 4-byte, 64-bit ones as 8-byte transfers at their
offset.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from python_model import regmap
from python_model.regmap import Field, Register


class RegBus(Protocol):
    """What the register layer drives: byte-offset accesses of 4 or 8 bytes."""

    async def read(self, offset: int, size: int) -> int: ...

    async def write(self, offset: int, size: int, value: int) -> None: ...


class RegisterAccessError(RuntimeError):
    """The bus answered an access with an error response."""


class PollTimeout(RuntimeError):
    """A register did not reach the polled value in time."""


WaitCycles = Callable[[int], Awaitable[None]]


async def _no_wait(cycles: int) -> None:
    del cycles


@dataclass(frozen=True)
class FrcdValue:
    """One fault recording register as read (two qwords), decoded through the regmap."""

    index: int
    lo: int
    hi: int

    def _hi(self, name: str) -> int:
        return regmap.fld("FRCD_HI", name).get(self.hi)

    @property
    def f(self) -> bool:
        return bool(self._hi("F"))

    @property
    def sid(self) -> int:
        return self._hi("SID")

    @property
    def reason(self) -> int:
        return self._hi("FR")

    @property
    def write(self) -> bool:
        return not self._hi("T1") and not self._hi("T2")

    @property
    def fi(self) -> int:
        fi = regmap.fld("FRCD_LO", "FI")
        return fi.get(self.lo) << fi.lsb

    def describe(self) -> str:
        return (f"FRCD{self.index}: F={int(self.f)} sid={self.sid:#06x} fi={self.fi:#x} "
                f"{'write' if self.write else 'read'} reason={self.reason:#04x} "
                f"(hi={self.hi:#018x} lo={self.lo:#018x})")


class RegisterLayer:
    """Typed register access for a unit with ``num_fault_records`` fault records."""

    def __init__(self, bus: RegBus, num_fault_records: int,
                 wait_cycles: WaitCycles = _no_wait) -> None:
        self.bus = bus
        self.map = regmap.RegisterMap(num_fault_records)
        self.num_fault_records = num_fault_records
        self.wait_cycles = wait_cycles
        self._by_name = {r.name: r for r in self.map.registers}

    # ----------------------------------------------------------------- look-ups
    def reg(self, name: str) -> Register:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no register {name!r} in python_model.regmap (with "
                           f"{self.num_fault_records} fault records)") from None

    def field(self, reg: str, name: str) -> Field:
        return self.reg(reg).field(name)

    def get(self, reg: str, name: str, value: int) -> int:
        """Field ``name`` of register ``reg`` extracted from ``value``."""
        return self.field(reg, name).get(value)

    def put(self, reg: str, value: int = 0, **fields: int) -> int:
        """``value`` with the named fields of ``reg`` replaced."""
        for name, v in fields.items():
            f = self.field(reg, name)
            if not 0 <= v < 1 << f.width:
                raise ValueError(f"{reg}.{name}={v:#x} does not fit {f.width} bit(s)")
            value = f.put(value, v)
        return value

    def mask(self, reg: str, *names: str) -> int:
        m = 0
        for name in names:
            m |= self.field(reg, name).mask
        return m

    def frcd_names(self, n: int) -> tuple[str, str]:
        return f"FRCD{n}_LO", f"FRCD{n}_HI"

    # ----------------------------------------------------------------- access
    async def read(self, name: str) -> int:
        r = self.reg(name)
        return await self.bus.read(r.offset, r.size)

    async def write(self, name: str, value: int) -> None:
        r = self.reg(name)
        await self.bus.write(r.offset, r.size, value & ((1 << 8 * r.size) - 1))

    async def read_field(self, reg: str, name: str) -> int:
        return self.get(reg, name, await self.read(reg))

    async def write_fields(self, reg: str, **fields: int) -> None:
        """Write ``reg`` with the given fields and zeros elsewhere."""
        await self.write(reg, self.put(reg, 0, **fields))

    async def modify(self, reg: str, **fields: int) -> int:
        """Read-modify-write of RW fields; returns the value written."""
        value = self.put(reg, await self.read(reg), **fields)
        await self.write(reg, value)
        return value

    async def poll(self, name: str, mask: int, value: int, timeout_cycles: int = 10000,
                   interval: int = 1) -> int:
        """Read ``name`` until ``(x & mask) == value``; returns x, raises PollTimeout."""
        waited = 0
        while True:
            x = await self.read(name)
            if x & mask == value:
                return x
            if waited >= timeout_cycles:
                raise PollTimeout(f"{name} & {mask:#x} != {value:#x} after {waited} cycles "
                                  f"(last read {x:#x})")
            await self.wait_cycles(interval)
            waited += interval

    # ----------------------------------------------------------------- fault records
    async def read_frcd(self, n: int) -> FrcdValue:
        """FRCD[n]: the high qword first, as drivers do (§1.13)."""
        lo_name, hi_name = self.frcd_names(n)
        hi = await self.read(hi_name)
        lo = await self.read(lo_name)
        return FrcdValue(n, lo, hi)

    async def clear_frcd(self, n: int) -> None:
        """Write F=1 into the record's top dword (a 4-byte write, as Linux/Xen do)."""
        r = self.reg(self.frcd_names(n)[1])
        f = regmap.fld("FRCD_HI", "F")
        await self.bus.write(r.offset + 4, 4, 1 << (f.lsb - 32))
