"""The register map: the single source of truth for offsets, fields, access types and resets.

Everything else is derived from this module:
  * the golden model's register file (``python_model.registers``),
  * the testbench's register layer (``tb``),
  * the RTL's Verilog header ``rtl/vtd_regs.vh`` (``python -m python_model.gen_vheader``),
  * the scenario runner's register names.

Offsets and fields follow doc/vtd-rules.md §1 as scoped by decision P1 (VER 1.0, legacy mode).
Registers whose placement is implementation-defined (IVA/IOTLB_REG through ECAP.IRO, the fault
recording registers through CAP.FRO, the performance counters) are placed here and documented in
the README.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Access(Enum):
    """Software-visible behaviour of a field."""

    RO = "RO"  # read-only (hardware status or constant)
    RW = "RW"  # read-write
    RW1C = "RW1C"  # read, write 1 to clear (RW1CS: sticky, same behaviour for a model)
    WO = "WO"  # write-only: hardware keeps the value, reads return 0
    CMD = "CMD"  # written bit that starts an operation; hardware clears it (ICC, IVT) or pulses it


@dataclass(frozen=True)
class Field:
    name: str
    msb: int
    lsb: int
    access: Access
    reset: int = 0
    doc: str = ""

    @property
    def width(self) -> int:
        return self.msb - self.lsb + 1

    @property
    def mask(self) -> int:
        return ((1 << self.width) - 1) << self.lsb

    def get(self, value: int) -> int:
        return (value >> self.lsb) & ((1 << self.width) - 1)

    def put(self, value: int, field_value: int) -> int:
        return (value & ~self.mask) | ((field_value << self.lsb) & self.mask)


@dataclass(frozen=True)
class Register:
    name: str
    offset: int
    size: int  # bytes: 4 or 8
    fields: tuple[Field, ...]
    doc: str = ""
    computed_reset: bool = False  # reset value comes from the configuration (CAP, ECAP)
    implementation_defined: bool = False  # value not architectural (performance counters)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"register {self.name} has no field {name!r}")

    @property
    def reset(self) -> int:
        value = 0
        for f in self.fields:
            value = f.put(value, f.reset)
        return value

    def mask_of(self, *accesses: Access) -> int:
        m = 0
        for f in self.fields:
            if f.access in accesses:
                m |= f.mask
        return m


A = Access

# Implementation placement (doc/vtd-rules.md §1.1: IVA at ECAP.IRO*16, FRCD[n] at CAP.FRO*16 + 16n).
IRO = 0x50  # IVA_REG at 0x500, IOTLB_REG at 0x508
FRO = 0x60  # FRCD[0] at 0x600; 16 bytes per record
IVA_OFFSET = IRO * 16
IOTLB_OFFSET = IVA_OFFSET + 8
FRCD_BASE = FRO * 16
FRCD_STRIDE = 16
PERF_BASE = 0xF00  # implementation-specific performance counters (README)
MMIO_SIZE = 0x1000  # the register window: one 4 KB page
MAX_FAULT_RECORDS = (PERF_BASE - FRCD_BASE) // FRCD_STRIDE  # 144 records fit below PERF_BASE

# fmt: off
_REGISTERS: tuple[Register, ...] = (
    Register("VER", 0x000, 4, (
        Field("MIN", 3, 0, A.RO, 0, "minor version"),
        Field("MAX", 7, 4, A.RO, 1, "major version (P1: 1.0)"),
    ), "Version register (§1.1)"),
    Register("CAP", 0x008, 8, (
        Field("ND", 2, 0, A.RO), Field("AFL", 3, 3, A.RO), Field("RWBF", 4, 4, A.RO),
        Field("PLMR", 5, 5, A.RO), Field("PHMR", 6, 6, A.RO), Field("CM", 7, 7, A.RO),
        Field("SAGAW", 12, 8, A.RO), Field("MGAW", 21, 16, A.RO), Field("ZLR", 22, 22, A.RO),
        Field("FRO", 33, 24, A.RO), Field("SLLPS", 37, 34, A.RO), Field("PSI", 39, 39, A.RO),
        Field("NFR", 47, 40, A.RO), Field("MAMV", 53, 48, A.RO), Field("DWD", 54, 54, A.RO),
        Field("DRD", 55, 55, A.RO), Field("FL1GP", 56, 56, A.RO), Field("PI", 59, 59, A.RO),
        Field("FL5LP", 60, 60, A.RO), Field("ECMDS", 61, 61, A.RO),
        Field("ESIRTPS", 62, 62, A.RO), Field("ESRTPS", 63, 63, A.RO),
    ), "Capability register (§1.2)", computed_reset=True),
    Register("ECAP", 0x010, 8, (
        Field("C", 0, 0, A.RO), Field("QI", 1, 1, A.RO), Field("DT", 2, 2, A.RO),
        Field("IR", 3, 3, A.RO), Field("EIM", 4, 4, A.RO), Field("PT", 6, 6, A.RO),
        Field("SC", 7, 7, A.RO), Field("IRO", 17, 8, A.RO), Field("MHMV", 23, 20, A.RO),
        Field("MTS", 25, 25, A.RO), Field("NEST", 26, 26, A.RO), Field("PRS", 29, 29, A.RO),
        Field("SMTS", 43, 43, A.RO), Field("ADMS", 52, 52, A.RO),
        Field("EIMER", 61, 61, A.RO), Field("IRREQ", 62, 62, A.RO),
    ), "Extended capability register (§1.3)", computed_reset=True),
    Register("GCMD", 0x018, 4, (
        Field("CFI", 23, 23, A.WO), Field("SIRTP", 24, 24, A.WO), Field("IRE", 25, 25, A.WO),
        Field("QIE", 26, 26, A.WO), Field("WBF", 27, 27, A.WO), Field("SRTP", 30, 30, A.WO),
        Field("TE", 31, 31, A.WO),
    ), "Global command (§1.4): level bits TE/QIE/IRE/CFI, one-shot SRTP/SIRTP/WBF"),
    Register("GSTS", 0x01C, 4, (
        Field("CFIS", 23, 23, A.RO), Field("IRTPS", 24, 24, A.RO), Field("IRES", 25, 25, A.RO),
        Field("QIES", 26, 26, A.RO), Field("WBFS", 27, 27, A.RO), Field("RTPS", 30, 30, A.RO),
        Field("TES", 31, 31, A.RO),
    ), "Global status (§1.4)"),
    Register("RTADDR", 0x020, 8, (
        Field("SSIRWE", 7, 7, A.RW), Field("TTM", 11, 10, A.RW), Field("RTA", 63, 12, A.RW),
    ), "Root table address (§1.5); latched by GCMD.SRTP"),
    Register("CCMD", 0x028, 8, (
        Field("DID", 15, 0, A.RW), Field("SID", 31, 16, A.WO), Field("FM", 33, 32, A.WO),
        Field("CAIG", 60, 59, A.RO), Field("CIRG", 62, 61, A.RW), Field("ICC", 63, 63, A.CMD),
    ), "Context command (§1.6); acts on the write that carries bits 63:32"),
    Register("FSTS", 0x034, 4, (
        Field("PFO", 0, 0, A.RW1C), Field("PPF", 1, 1, A.RO), Field("IQE", 4, 4, A.RW1C),
        Field("ICE", 5, 5, A.RW1C), Field("ITE", 6, 6, A.RW1C), Field("FRI", 15, 8, A.RO),
    ), "Fault status (§1.8)"),
    Register("FECTL", 0x038, 4, (
        Field("IP", 30, 30, A.RO), Field("IM", 31, 31, A.RW, 1),
    ), "Fault event control (§1.9)"),
    Register("FEDATA", 0x03C, 4, (Field("IMD", 15, 0, A.RW),), "Fault event data (§1.9)"),
    Register("FEADDR", 0x040, 4, (Field("MA", 31, 2, A.RW),), "Fault event address (§1.9)"),
    Register("FEUADDR", 0x044, 4, (Field("MUA", 31, 0, A.RW),), "Fault event upper address"),
    Register("AFLOG", 0x058, 8, (), "Advanced fault log: reserved (P2), reads 0"),
    Register("PMEN", 0x064, 4, (), "Protected memory enable: PLMR=PHMR=0 (P1), reads 0"),
    Register("PLMBASE", 0x068, 4, (), "Reads 0: PLMR=0 (P1)"),
    Register("PLMLIMIT", 0x06C, 4, (), "Reads 0: PLMR=0 (P1)"),
    Register("PHMBASE", 0x070, 8, (), "Reads 0: PHMR=0 (P1)"),
    Register("PHMLIMIT", 0x078, 8, (), "Reads 0: PHMR=0 (P1)"),
    Register("IQH", 0x080, 8, (Field("QH", 18, 4, A.RO),), "Invalidation queue head (§1.11)"),
    Register("IQT", 0x088, 8, (Field("QT", 18, 4, A.RW),), "Invalidation queue tail (§1.11)"),
    Register("IQA", 0x090, 8, (
        Field("QS", 2, 0, A.RW), Field("DW", 11, 11, A.RW), Field("IQA", 63, 12, A.RW),
    ), "Invalidation queue address (§1.11)"),
    Register("ICS", 0x09C, 4, (Field("IWC", 0, 0, A.RW1C),), "Invalidation completion status"),
    Register("IECTL", 0x0A0, 4, (
        Field("IP", 30, 30, A.RO), Field("IM", 31, 31, A.RW, 1),
    ), "Invalidation event control (§1.11)"),
    Register("IEDATA", 0x0A4, 4, (Field("IMD", 15, 0, A.RW),), "Invalidation event data"),
    Register("IEADDR", 0x0A8, 4, (Field("MA", 31, 2, A.RW),), "Invalidation event address"),
    Register("IEUADDR", 0x0AC, 4, (Field("MUA", 31, 0, A.RW),), "Invalidation event upper addr"),
    Register("IQERCD", 0x0B0, 8, (Field("IQEI", 3, 0, A.RO),),
             "Invalidation queue error record (§1.11): IQEI only (no device TLB)"),
    Register("IRTA", 0x0B8, 8, (
        Field("S", 3, 0, A.RW), Field("EIME", 11, 11, A.RW), Field("IRTA", 63, 12, A.RW),
    ), "Interrupt remapping table address (§1.12); latched by GCMD.SIRTP"),
    Register("IVA", IVA_OFFSET, 8, (
        Field("AM", 5, 0, A.WO), Field("IH", 6, 6, A.WO), Field("ADDR", 63, 12, A.WO),
    ), "Invalidate address (§1.7), at ECAP.IRO*16"),
    Register("IOTLB", IOTLB_OFFSET, 8, (
        Field("DID", 47, 32, A.RW), Field("DW", 48, 48, A.RW), Field("DR", 49, 49, A.RW),
        Field("IAIG", 58, 57, A.RO), Field("IIRG", 61, 60, A.RW), Field("IVT", 63, 63, A.CMD),
    ), "IOTLB invalidate (§1.7), at IVA+8; acts on the write that carries bits 63:32"),
)

# One 128-bit fault recording register, seen as two qwords (§1.13).
FRCD_LO_FIELDS: tuple[Field, ...] = (Field("FI", 63, 12, A.RO),)
FRCD_HI_FIELDS: tuple[Field, ...] = (
    Field("SID", 15, 0, A.RO), Field("T2", 28, 28, A.RO), Field("PRIV", 29, 29, A.RO),
    Field("EXE", 30, 30, A.RO), Field("PP", 31, 31, A.RO), Field("FR", 39, 32, A.RO),
    Field("PV", 59, 40, A.RO), Field("AT", 61, 60, A.RO), Field("T1", 62, 62, A.RO),
    Field("F", 63, 63, A.RW1C),
)

# Implementation-specific performance counters (issue 3): 64-bit, read-only, count from reset.
PERF_COUNTERS: tuple[tuple[str, str], ...] = (
    ("PERF_REQUESTS", "DMA translation requests accepted"),
    ("PERF_IOTLB_HITS", "requests answered from the IOTLB"),
    ("PERF_IOTLB_MISSES", "requests that missed the IOTLB"),
    ("PERF_CC_HITS", "context-cache hits"),
    ("PERF_CC_MISSES", "context-cache misses"),
    ("PERF_WALKS", "page walks started"),
    ("PERF_WALK_READS", "memory reads issued by walks (root, context, paging entries)"),
    ("PERF_FAULTS", "requests answered with a fault"),
    ("PERF_BUSY_CYCLES", "cycles with at least one request in flight"),
    ("PERF_WC_HITS", "walk-cache (paging-structure cache) look-ups that skipped table reads"),
    ("PERF_WC_MISSES", "walk-cache look-ups that found no usable entry"),
)
# fmt: on


def _perf_registers() -> tuple[Register, ...]:
    return tuple(
        Register(name, PERF_BASE + 8 * i, 8, (Field("COUNT", 63, 0, A.RO),), doc,
                 implementation_defined=True)
        for i, (name, doc) in enumerate(PERF_COUNTERS)
    )


@dataclass(frozen=True)
class RegisterMap:
    """All registers of a unit with ``num_fault_records`` FRCD registers."""

    num_fault_records: int
    registers: tuple[Register, ...] = field(init=False)

    def __post_init__(self) -> None:
        regs = list(_REGISTERS) + list(_perf_registers())
        for n in range(self.num_fault_records):
            base = FRCD_BASE + FRCD_STRIDE * n
            regs.append(Register(f"FRCD{n}_LO", base, 8, FRCD_LO_FIELDS, f"FRCD[{n}] bits 63:0"))
            regs.append(Register(f"FRCD{n}_HI", base + 8, 8, FRCD_HI_FIELDS,
                                 f"FRCD[{n}] bits 127:64"))
        object.__setattr__(self, "registers", tuple(sorted(regs, key=lambda r: r.offset)))

    def by_name(self, name: str) -> Register:
        for r in self.registers:
            if r.name == name:
                return r
        raise KeyError(name)

    def names(self) -> list[str]:
        return [r.name for r in self.registers]

    def containing(self, offset: int) -> Register | None:
        """The register whose bytes include ``offset``, if any."""
        for r in self.registers:
            if r.offset <= offset < r.offset + r.size:
                return r
        return None


def base_registers() -> tuple[Register, ...]:
    """The fixed registers (without FRCD and performance counters)."""
    return _REGISTERS


def perf_registers() -> tuple[Register, ...]:
    return _perf_registers()


def fault_record_offset(n: int) -> int:
    return FRCD_BASE + FRCD_STRIDE * n


# Field look-ups used throughout the model, by register and field name.
def fld(reg: str, name: str) -> Field:
    for r in _REGISTERS:
        if r.name == reg:
            return r.field(name)
    if reg in ("FRCD_LO", "FRCD_HI"):
        fields = FRCD_LO_FIELDS if reg == "FRCD_LO" else FRCD_HI_FIELDS
        for f in fields:
            if f.name == name:
                return f
    raise KeyError(f"{reg}.{name}")
