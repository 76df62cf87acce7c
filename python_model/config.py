"""Unit configuration: one object drives CAP/ECAP for the model, with the RTL's parameter names.

Architectural parameters (doc/vtd-rules.md §1.2, §1.3, scoped by decision P1) change what
software sees.
Micro-architectural parameters (cache shapes) only change the RTL; the model accepts and
validates them so that one scenario ``config`` object serves both engines.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from python_model import regmap


class ConfigError(ValueError):
    """A configuration parameter is unknown or out of range; the message names it."""


REPLACEMENT_POLICIES = {"LRU": 0, "PLRU": 1, "FIFO": 2, "RANDOM": 3}


@dataclass(frozen=True)
class UnitConfig:
    # --- architectural (CAP/ECAP) ---
    HAW: int = 48  # host address width (platform, from the DMAR table); MGAW >= HAW
    MGAW: int = 48  # maximum guest address width; CAP.MGAW = MGAW-1
    SAGAW: int = 0b0110  # bit1 39-bit/3-level, bit2 48-bit/4-level, bit3 57-bit/5-level
    SLLPS: int = 0b11  # bit0 2 MB, bit1 1 GB second-level pages
    ND: int = 2  # domain-id width 4+2*ND bits
    NFR: int = 7  # fault recording registers = NFR+1
    PSI: int = 1  # page-selective IOTLB invalidation
    MAMV: int = 18  # max address mask value
    QI: int = 1  # queued invalidation
    IR: int = 1  # interrupt remapping
    EIM: int = 1  # x2APIC destinations
    PT: int = 1  # pass-through translation type
    C: int = 1  # page-walk coherency
    MHMV: int = 15  # max handle mask value of the IEC invalidation descriptor
    # --- micro-architectural (RTL only; validated here) ---
    IOTLB_SETS: int = 16
    IOTLB_WAYS: int = 4
    IOTLB_REPL: str = "PLRU"  # LRU, PLRU (tree), FIFO, RANDOM (LFSR)
    CC_ENTRIES: int = 8  # context-cache entries
    MAX_WALKS: int = 4  # outstanding page walks
    REQ_TAG_W: int = 8  # request tag width

    def __post_init__(self) -> None:
        self._validate()

    @property
    def domain_id_bits(self) -> int:
        return 4 + 2 * self.ND

    @property
    def num_fault_records(self) -> int:
        return self.NFR + 1

    @property
    def supported_agaws(self) -> list[int]:
        """Guest address widths named in SAGAW, smallest first."""
        return [w for bit, w in ((1, 39), (2, 48), (3, 57)) if self.SAGAW >> bit & 1]

    @property
    def largest_aw(self) -> int:
        """Context AW encoding of the largest supported AGAW (1, 2 or 3)."""
        return max(bit for bit in (1, 2, 3) if self.SAGAW >> bit & 1)

    def _validate(self) -> None:
        def need(cond: bool, name: str, why: str) -> None:
            if not cond:
                raise ConfigError(f"config parameter {name}={getattr(self, name)!r}: {why}")

        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "IOTLB_REPL":
                need(isinstance(v, str) and v.upper() in REPLACEMENT_POLICIES, f.name,
                     f"must be one of {', '.join(REPLACEMENT_POLICIES)}")
            else:
                need(isinstance(v, int) and not isinstance(v, bool), f.name, "must be an integer")
        need(32 <= self.HAW <= 52, "HAW", "must be in 32..52")
        need(self.HAW <= self.MGAW <= 57, "MGAW", "must satisfy HAW <= MGAW <= 57")
        need(self.SAGAW & ~0b1110 == 0 and self.SAGAW != 0, "SAGAW",
             "bits 1..3 only (39/48/57-bit), at least one")
        need(self.SLLPS in (0, 1, 3), "SLLPS", "legal values are 0b00, 0b01, 0b11")
        need(0 <= self.ND <= 6, "ND", "must be in 0..6")
        need(0 <= self.NFR < regmap.MAX_FAULT_RECORDS, "NFR",
             f"must be in 0..{regmap.MAX_FAULT_RECORDS - 1} (records must fit below the "
             f"performance counters at {regmap.PERF_BASE:#x})")
        for flag in ("PSI", "QI", "IR", "EIM", "PT", "C"):
            need(getattr(self, flag) in (0, 1), flag, "must be 0 or 1")
        need(0 <= self.MAMV <= 63, "MAMV", "must be in 0..63")
        need(0 <= self.MHMV <= 15, "MHMV", "must be in 0..15")
        need(not self.IR or self.QI, "IR", "interrupt remapping requires QI=1")
        need(not self.EIM or self.IR, "EIM", "x2APIC mode requires IR=1")
        for name in ("IOTLB_SETS", "IOTLB_WAYS", "CC_ENTRIES"):
            v = getattr(self, name)
            need(v >= 1 and v & (v - 1) == 0 if name == "IOTLB_SETS" else v >= 1, name,
                 "must be a power of two >= 1" if name == "IOTLB_SETS" else "must be >= 1")
        need(1 <= self.MAX_WALKS <= 16, "MAX_WALKS", "must be in 1..16")
        need(1 <= self.REQ_TAG_W <= 16, "REQ_TAG_W", "must be in 1..16")

    # --- capability registers (doc/vtd-rules.md §1.2/§1.3, decisions P1/P2) ---
    def cap(self) -> int:
        reg = regmap.RegisterMap(0).by_name("CAP")
        value = 0
        for name, v in (
            ("ND", self.ND), ("SAGAW", self.SAGAW), ("MGAW", self.MGAW - 1),
            ("FRO", regmap.FRO), ("SLLPS", self.SLLPS), ("PSI", self.PSI),
            ("NFR", self.NFR), ("MAMV", self.MAMV if self.PSI else 0),
        ):
            value = reg.field(name).put(value, v)
        return value

    def ecap(self) -> int:
        reg = regmap.RegisterMap(0).by_name("ECAP")
        value = 0
        for name, v in (
            ("C", self.C), ("QI", self.QI), ("IR", self.IR), ("EIM", self.EIM),
            ("PT", self.PT), ("IRO", regmap.IRO), ("MHMV", self.MHMV if self.IR else 0),
        ):
            value = reg.field(name).put(value, v)
        return value

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, params: dict[str, object], where: str = "config") -> UnitConfig:
        """Build from a scenario's ``config`` object; unknown names are errors."""
        known = {f.name for f in fields(cls)}
        for name in params:
            if name not in known:
                raise ConfigError(
                    f"{where}: unknown parameter {name!r} (known: {', '.join(sorted(known))})")
        values: dict[str, object] = {}
        for name, raw in params.items():
            if name == "IOTLB_REPL":
                values[name] = str(raw).upper() if isinstance(raw, str) else raw
            else:
                values[name] = _as_int(raw, f"{where}.{name}")
        return cls(**values)  # type: ignore[arg-type]


def _as_int(raw: object, where: str) -> int:
    if isinstance(raw, bool):
        raise ConfigError(f"{where}: expected a number, got {raw!r}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        try:
            return int(raw, 0)
        except ValueError:
            pass
    raise ConfigError(f"{where}: expected a number, got {raw!r}")
