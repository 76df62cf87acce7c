"""Register names of scenario files: mnemonic to offset and size.

Names come from ``python_model.regmap`` (the project's single register map). VT-d lets an
implementation place IVA/IOTLB_REG (at ECAP.IRO*16) and the fault recording registers (at
CAP.FRO*16 + 16n): for those the executor reads CAP and ECAP from the unit under test and uses
the placement they advertise (:class:`Placement`), checking it against the register map.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from python_model import regmap

from .steps import RegRef

_FRCD = re.compile(r"FRCD(\d+)_(LO|HI)")
MMIO_SIZE = regmap.MMIO_SIZE


class RegisterNameError(ValueError):
    """A register name the unit does not have; the message explains and suggests."""


def resolve_name(name: str, rmap: regmap.RegisterMap) -> RegRef:
    try:
        reg = rmap.by_name(name)
    except KeyError:
        pass
    else:
        return RegRef(reg.name, reg.offset, reg.size)
    m = _FRCD.fullmatch(name)
    if m and str(int(m.group(1))) == m.group(1):
        nfr = rmap.num_fault_records - 1
        raise RegisterNameError(
            f"unknown register {name!r}: the unit has FRCD0..FRCD{nfr} (NFR={nfr} in the config)")
    hint = _suggest(name, rmap.names())
    raise RegisterNameError(f"unknown register {name!r}{hint}")


def placed_by_cap(name: str) -> bool:
    """True for registers whose offset CAP.FRO or ECAP.IRO gives."""
    return name in ("IVA", "IOTLB") or _FRCD.fullmatch(name) is not None


def check_offset(offset: int, size: int) -> str | None:
    """Why an explicit offset/size pair is invalid, or None."""
    if size not in (4, 8):
        return f"size {size} is not 4 or 8"
    if offset >= MMIO_SIZE:
        return f"offset {offset:#x} is outside the register window 0x0..{MMIO_SIZE - 1:#x}"
    if offset % size:
        return f"offset {offset:#x} is not aligned to its size {size}"
    return None


@dataclass(frozen=True)
class Placement:
    """Where CAP/ECAP, as read from a unit, place the implementation-defined registers."""

    fro: int  # CAP[33:24]
    iro: int  # ECAP[17:8]
    nfr: int  # CAP[47:40]

    @classmethod
    def from_caps(cls, cap: int, ecap: int) -> Placement:
        return cls(fro=cap >> 24 & 0x3FF, iro=ecap >> 8 & 0x3FF, nfr=cap >> 40 & 0xFF)

    def offset_of(self, name: str) -> int | None:
        """The offset of an IRO/FRO-placed register, None for any other name."""
        if name == "IVA":
            return self.iro * 16
        if name == "IOTLB":
            return self.iro * 16 + 8
        m = _FRCD.fullmatch(name)
        if m:
            return self.fro * 16 + 16 * int(m.group(1)) + (8 if m.group(2) == "HI" else 0)
        return None

    def check(self, ref: RegRef) -> str | None:
        """How this placement disagrees with the register map for ``ref``, or None."""
        if ref.name is None or not placed_by_cap(ref.name):
            return None
        m = _FRCD.fullmatch(ref.name)
        if m and int(m.group(1)) > self.nfr:
            return (f"{ref.name}: the unit's CAP.NFR={self.nfr} has no such record "
                    "(the scenario's config allows it)")
        actual = self.offset_of(ref.name)
        if actual != ref.offset:
            src = "ECAP.IRO" if ref.name in ("IVA", "IOTLB") else "CAP.FRO"
            return (f"{ref.name}: {src} places it at {actual:#x} but the register map says "
                    f"{ref.offset:#x} (using {actual:#x})")
        return None

    def apply(self, ref: RegRef) -> RegRef:
        if ref.name is None:
            return ref
        actual = self.offset_of(ref.name)
        return ref if actual is None else RegRef(ref.name, actual, ref.size)


def _suggest(name: str, names: list[str]) -> str:
    upper = name.upper().removesuffix("_REG")
    if upper != name and upper in names:
        return f" (did you mean {upper!r}?)"
    close = difflib.get_close_matches(name.upper(), names, n=3, cutoff=0.6)
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
