"""Bit layouts and pure encoders for the in-memory structures of a VT-d unit in legacy mode.

Everything here is a function of its arguments: entry encoders (root, context, second-level,
IRTE), invalidation descriptors, MSI address/data composition, source-id parsing and the
``vtd-scenario/1`` step dictionaries. :mod:`tb.software.tables` builds the stateful table
builder on top of it and re-exports the public names.

Layouts come from doc/vtd-rules.md (§2 entries, §2.7 descriptors, §5 MSI). Register field
positions are *not* defined here: they come from :mod:`python_model.regmap`.

Encoders check that every value fits its field (a clear :class:`TableError` otherwise) but do
not reject reserved *encodings* of a field (e.g. G=00 in a descriptor): tests use them to
provoke faults. The stateful builder is stricter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from python_model import regmap

PAGE_SIZE = 4096
SIZE_4K = 1 << 12
SIZE_2M = 1 << 21
SIZE_1G = 1 << 30
# The software side encodes on its own, not through the model (a model bug must not hide
# in the tables the tests build), so it states the interrupt range itself (§3.1).
INTERRUPT_BASE = 0xFEE0_0000  # FEE0_0000-FEEF_FFFF
INTERRUPT_END = 0xFEF0_0000  # exclusive
U64 = (1 << 64) - 1


class TableError(ValueError):
    """The builder was asked for something the structures cannot express or a driver never does."""


@dataclass(frozen=True)
class Bits:
    """A field of an in-memory structure: bits msb..lsb of one 64-bit word."""

    name: str
    msb: int
    lsb: int

    @property
    def width(self) -> int:
        return self.msb - self.lsb + 1

    @property
    def mask(self) -> int:
        return ((1 << self.width) - 1) << self.lsb

    def get(self, word: int) -> int:
        return (word >> self.lsb) & ((1 << self.width) - 1)

    def put(self, word: int, value: int) -> int:
        """``word`` with this field set to ``value``; raises if ``value`` does not fit."""
        value = int(value)
        if value < 0 or value >> self.width:
            raise TableError(f"{self.name}={value:#x} does not fit in {self.width} bit(s) "
                             f"({self.msb}:{self.lsb})")
        return (word & ~self.mask) | (value << self.lsb)


def pack(*pairs: tuple[Bits, int]) -> int:
    word = 0
    for bits, value in pairs:
        word = bits.put(word, value)
    return word


# --------------------------------------------------------------------------- layouts (§2)

# Root entry (§2.1), low qword; the high qword is reserved in legacy mode.
ROOT_P = Bits("root.P", 0, 0)
ROOT_CTP = Bits("root.CTP", 63, 12)

# Legacy context entry (§2.2). CTX_LO_* are bits of qword 0, CTX_HI_* bits of qword 1.
CTX_LO_P = Bits("context.P", 0, 0)
CTX_LO_FPD = Bits("context.FPD", 1, 1)
CTX_LO_TT = Bits("context.TT", 3, 2)
CTX_LO_SLPTPTR = Bits("context.SLPTPTR", 63, 12)
CTX_HI_AW = Bits("context.AW", 2, 0)  # bits 66:64
CTX_HI_DID = Bits("context.DID", 23, 8)  # bits 87:72
TT_TRANSLATE = 0b00  # second-level translation, ATS blocked
TT_ATS = 0b01  # second-level translation, ATS allowed (needs ECAP.DT)
TT_PASSTHROUGH = 0b10  # pass-through (needs ECAP.PT)

# Second-level paging entry (§2.4).
SL_R = Bits("sl.R", 0, 0)
SL_W = Bits("sl.W", 1, 1)
SL_PS = Bits("sl.PS", 7, 7)
SL_SNP = Bits("sl.SNP", 11, 11)
SL_ADDR = Bits("sl.ADDR", 51, 12)

# Context AW encoding -> (AGAW, levels) (§2.3).
AW_AGAW = {1: 39, 2: 48, 3: 57}
LEAF_LEVEL_OF_SIZE = {SIZE_4K: 1, SIZE_2M: 2, SIZE_1G: 3}

# Remapped-format IRTE (§2.5). IRTE_LO_* are bits of qword 0, IRTE_HI_* bits of qword 1.
IRTE_LO_P = Bits("irte.P", 0, 0)
IRTE_LO_FPD = Bits("irte.FPD", 1, 1)
IRTE_LO_DM = Bits("irte.DM", 2, 2)
IRTE_LO_RH = Bits("irte.RH", 3, 3)
IRTE_LO_TM = Bits("irte.TM", 4, 4)
IRTE_LO_DLM = Bits("irte.DLM", 7, 5)
IRTE_LO_IM = Bits("irte.IM", 15, 15)
IRTE_LO_V = Bits("irte.V", 23, 16)
IRTE_LO_DST = Bits("irte.DST", 63, 32)
IRTE_LO_DST_XAPIC = Bits("irte.DST[15:8] (xAPIC destination)", 47, 40)
IRTE_HI_SID = Bits("irte.SID", 15, 0)  # bits 79:64
IRTE_HI_SQ = Bits("irte.SQ", 17, 16)  # bits 81:80
IRTE_HI_SVT = Bits("irte.SVT", 19, 18)  # bits 83:82
SVT_NONE = 0b00
SVT_SID = 0b01  # compare the SID under the SQ mask
SVT_BUS = 0b10  # requester bus in [SID[15:8], SID[7:0]]
DLM_FIXED, DLM_LOWEST, DLM_SMI, DLM_NMI, DLM_INIT, DLM_EXTINT = 0, 1, 2, 4, 5, 7

# Invalidation descriptors (§2.7), 128-bit form (IQA.DW=0).
DSC_TYPE_LO = Bits("dsc.type[3:0]", 3, 0)
DSC_CC, DSC_IOTLB, DSC_DEV_TLB, DSC_IEC, DSC_WAIT = 1, 2, 3, 4, 5
CC_G = Bits("cc_inv_dsc.G", 5, 4)
CC_DID = Bits("cc_inv_dsc.DID", 31, 16)
CC_SID = Bits("cc_inv_dsc.SID", 47, 32)
CC_FM = Bits("cc_inv_dsc.FM", 49, 48)
IOTLB_G = Bits("iotlb_inv_dsc.G", 5, 4)
IOTLB_DW = Bits("iotlb_inv_dsc.DW", 6, 6)
IOTLB_DR = Bits("iotlb_inv_dsc.DR", 7, 7)
IOTLB_DID = Bits("iotlb_inv_dsc.DID", 31, 16)
IOTLB_AM = Bits("iotlb_inv_dsc.AM", 5, 0)  # qword 1
IOTLB_IH = Bits("iotlb_inv_dsc.IH", 6, 6)  # qword 1
IOTLB_ADDR = Bits("iotlb_inv_dsc.ADDR", 63, 12)  # qword 1
IEC_G = Bits("iec_inv_dsc.G", 4, 4)
IEC_IM = Bits("iec_inv_dsc.IM", 31, 27)
IEC_IIDX = Bits("iec_inv_dsc.IIDX", 47, 32)
WAIT_IF = Bits("inv_wait_dsc.IF", 4, 4)
WAIT_SW = Bits("inv_wait_dsc.SW", 5, 5)
WAIT_FN = Bits("inv_wait_dsc.FN", 6, 6)
WAIT_DATA = Bits("inv_wait_dsc.status_data", 63, 32)
WAIT_ADDR = Bits("inv_wait_dsc.status_addr", 63, 2)  # qword 1, DWORD aligned

# Granularities: the same encodings serve the descriptors and CCMD.CIRG / IOTLB_REG.IIRG.
G_GLOBAL = 0b01
G_DOMAIN = 0b10
G_DEVICE = 0b11  # context cache: device (SID/FM + DID)
G_PAGE = 0b11  # IOTLB: page-selective (DID + ADDR/AM)
IEC_GLOBAL = 0  # iec_inv_dsc.G
IEC_INDEX = 1


# --------------------------------------------------------------------------- entries


def root_entry(ctp: int, present: bool = True) -> tuple[int, int]:
    """(lo, hi) of a legacy root entry pointing at the context table ``ctp`` (4 KB aligned)."""
    _aligned(ctp, PAGE_SIZE, "context-table pointer")
    return pack((ROOT_P, int(present)), (ROOT_CTP, ctp >> 12)), 0


def context_entry(*, present: bool, fpd: bool, tt: int, slptptr: int, aw: int,
                  did: int) -> tuple[int, int]:
    """(lo, hi) of a legacy context entry (§2.2); checks field widths only."""
    _aligned(slptptr, PAGE_SIZE, "SLPTPTR")
    lo = pack((CTX_LO_P, int(present)), (CTX_LO_FPD, int(fpd)), (CTX_LO_TT, tt),
              (CTX_LO_SLPTPTR, slptptr >> 12))
    hi = pack((CTX_HI_AW, aw), (CTX_HI_DID, did))
    return lo, hi


def sl_entry(addr: int, read: bool, write: bool, page: bool = False) -> int:
    """A second-level entry: a table pointer (``page=False``) or a leaf.

    ``page=True`` sets PS (bit 7); use it only for 2 MB/1 GB leaves (a 4 KB PTE has no PS).
    """
    _aligned(addr, PAGE_SIZE, "second-level entry address")
    return pack((SL_R, int(read)), (SL_W, int(write)), (SL_PS, int(page)),
                (SL_ADDR, addr >> 12))


def irte_remapped(*, vector: int, dest: int, eime: bool, dm: int = 0, rh: int = 0, tm: int = 0,
                  dlm: int = 0, sid: int = 0, sq: int = 0, svt: int = 0, fpd: bool = False,
                  present: bool = True) -> tuple[int, int]:
    """(lo, hi) of a remapped-format IRTE (§2.5, IM=0).

    The destination goes in DST[15:8] = bits 47:40 when ``eime`` is False (xAPIC: 8-bit APIC
    ID), in bits 63:32 when True (x2APIC: 32-bit APIC ID).
    """
    dst_field = IRTE_LO_DST if eime else IRTE_LO_DST_XAPIC
    lo = pack((IRTE_LO_P, int(present)), (IRTE_LO_FPD, int(fpd)), (IRTE_LO_DM, dm),
              (IRTE_LO_RH, rh), (IRTE_LO_TM, tm), (IRTE_LO_DLM, dlm), (IRTE_LO_V, vector),
              (dst_field, dest))
    hi = pack((IRTE_HI_SID, sid), (IRTE_HI_SQ, sq), (IRTE_HI_SVT, svt))
    return lo, hi


# --------------------------------------------------------------------------- descriptors (§2.7)

Descriptor = tuple[int, int]


def cc_inv_dsc(g: int, did: int = 0, sid: int = 0, fm: int = 0) -> Descriptor:
    """Context-cache invalidate (type 1h): G 01 global, 10 domain, 11 device."""
    return pack((DSC_TYPE_LO, DSC_CC), (CC_G, g), (CC_DID, did), (CC_SID, sid), (CC_FM, fm)), 0


def iotlb_inv_dsc(g: int, did: int = 0, addr: int = 0, am: int = 0, ih: int = 0, dr: int = 0,
                  dw: int = 0) -> Descriptor:
    """IOTLB invalidate (type 2h): G 01 global, 10 domain, 11 page (ADDR/AM/IH)."""
    _aligned(addr, PAGE_SIZE, "iotlb_inv_dsc address")
    qw0 = pack((DSC_TYPE_LO, DSC_IOTLB), (IOTLB_G, g), (IOTLB_DW, dw), (IOTLB_DR, dr),
               (IOTLB_DID, did))
    qw1 = pack((IOTLB_AM, am), (IOTLB_IH, ih), (IOTLB_ADDR, addr >> 12))
    return qw0, qw1


def iec_inv_dsc(g: int, iidx: int = 0, im: int = 0) -> Descriptor:
    """Interrupt-entry-cache invalidate (type 4h): G 0 global, 1 index-selective."""
    return pack((DSC_TYPE_LO, DSC_IEC), (IEC_G, g), (IEC_IM, im), (IEC_IIDX, iidx)), 0


def inv_wait_dsc(status_addr: int = 0, status_data: int = 0, sw: bool = False,
                 if_: bool = False, fn: bool = False) -> Descriptor:
    """Invalidation wait (type 5h): SW writes ``status_data`` (32 bit) to ``status_addr``."""
    _aligned(status_addr, 4, "inv_wait_dsc status address")
    qw0 = pack((DSC_TYPE_LO, DSC_WAIT), (WAIT_IF, int(if_)), (WAIT_SW, int(sw)),
               (WAIT_FN, int(fn)), (WAIT_DATA, status_data))
    return qw0, WAIT_ADDR.put(0, status_addr >> 2)


def psi_range(iova: int, size: int) -> tuple[int, int]:
    """(addr, am) of the smallest page-selective invalidation covering [iova, iova+size)."""
    if size <= 0:
        raise TableError(f"invalidation range size {size:#x} must be positive")
    first, last = iova >> 12, (iova + size - 1) >> 12
    am = 0
    while first >> am != last >> am:
        am += 1
    return (first >> am) << (am + 12), am


# --------------------------------------------------------------------------- interrupts (§5)


def msi_address(handle: int, shv: bool = True) -> int:
    """Remappable-format MSI address: FEEh in 31:20, handle[14:0] in 19:5, bit 4 = 1,
    bit 3 = SHV, bit 2 = handle[15]."""
    if not 0 <= handle <= 0xFFFF:
        raise TableError(f"interrupt handle {handle:#x} does not fit in 16 bits")
    return (INTERRUPT_BASE | (handle & 0x7FFF) << 5 | 1 << 4 | int(shv) << 3
            | (handle >> 15) << 2)


def msi_data(subhandle: int = 0) -> int:
    """Remappable-format MSI data (with SHV=1): subhandle in 15:0, 31:16 zero.

    The interrupt index is handle + subhandle.
    """
    if not 0 <= subhandle <= 0xFFFF:
        raise TableError(f"subhandle {subhandle:#x} does not fit in 16 bits")
    return subhandle


def compat_msi(dest: int, vector: int, dm: int = 0, rh: int = 0, dlm: int = 0,
               tm: int = 0) -> tuple[int, int]:
    """(address, data) of a compatibility-format MSI (§5, standard x86 layout)."""
    addr = pack((Bits("msi.dest", 19, 12), dest), (Bits("msi.RH", 3, 3), rh),
                (Bits("msi.DM", 2, 2), dm))
    data = pack((Bits("msi.vector", 7, 0), vector), (Bits("msi.delivery_mode", 10, 8), dlm),
                (Bits("msi.trigger_mode", 15, 15), tm))
    return INTERRUPT_BASE | addr, data


# --------------------------------------------------------------------------- source ids

_PCI = re.compile(r"([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])")


def parse_sid(sid: int | str) -> int:
    """A 16-bit source id from an int, a hex/decimal string or PCI notation "bb:dd.f"."""
    if isinstance(sid, bool):
        raise TableError(f"bad source id {sid!r}")
    if isinstance(sid, str):
        m = _PCI.fullmatch(sid.strip())
        if m:
            bus, dev, fn = (int(g, 16) for g in m.groups())
            if dev > 0x1F:
                raise TableError(f"bad source id {sid!r}: device {dev:#x} is above 0x1f")
            return bus << 8 | dev << 3 | fn
        try:
            value = int(sid, 0)
        except ValueError:
            raise TableError(f"bad source id {sid!r}: expected 'bb:dd.f' (hex bus, hex "
                             "device 00-1f, function 0-7) or a number") from None
    else:
        value = int(sid)
    if not 0 <= value <= 0xFFFF:
        raise TableError(f"bad source id {value:#x}: does not fit in 16 bits")
    return value


def format_sid(sid: int) -> str:
    return f"{sid >> 8:02x}:{sid >> 3 & 0x1F:02x}.{sid & 7}"


# --------------------------------------------------------------------------- steps

STEP_OPS = ("reg_write", "reg_read", "mem_write", "mem_read", "poll", "dma", "msi", "wait")
_FRCD_NAME = re.compile(r"FRCD(\d+)_(LO|HI)")
_REG_SIZES = {r.name: r.size for r in (*regmap.base_registers(), *regmap.perf_registers())}

Step = dict[str, object]


def register_size(name: str) -> int:
    """Architectural size (bytes) of a register named by mnemonic; raises for unknown names."""
    if name in _REG_SIZES:
        return _REG_SIZES[name]
    m = _FRCD_NAME.fullmatch(name)
    if m and int(m.group(1)) < regmap.MAX_FAULT_RECORDS:
        return 8
    raise TableError(f"unknown register {name!r} (not in python_model.regmap)")


def step_reg_write(reg: str, value: int) -> Step:
    _fits_register(reg, value)
    return {"op": "reg_write", "reg": reg, "value": value}


def step_reg_read(reg: str) -> Step:
    register_size(reg)
    return {"op": "reg_read", "reg": reg}


def step_poll_reg(reg: str, mask: int, value: int, timeout_cycles: int | None = None) -> Step:
    """Wait until ``(reg & mask) == value``."""
    _fits_register(reg, mask)
    if value & ~mask:
        raise TableError(f"poll of {reg}: value {value:#x} has bits outside mask {mask:#x}")
    step: Step = {"op": "poll", "reg": reg, "mask": mask, "value": value}
    if timeout_cycles is not None:
        step["timeout_cycles"] = timeout_cycles
    return step


def step_poll_mem(addr: int, mask: int, value: int, timeout_cycles: int | None = None) -> Step:
    """Wait until ``(qword at addr & mask) == value``."""
    _aligned(addr, 8, "poll address")
    if value & ~mask:
        raise TableError(f"poll of {addr:#x}: value {value:#x} has bits outside mask {mask:#x}")
    step: Step = {"op": "poll", "addr": addr, "mask": mask & U64, "value": value}
    if timeout_cycles is not None:
        step["timeout_cycles"] = timeout_cycles
    return step


def step_mem_write(addr: int, qwords: list[int]) -> Step:
    _aligned(addr, 8, "mem_write address")
    if not qwords:
        raise TableError("mem_write needs at least one qword")
    return {"op": "mem_write", "addr": addr, "qwords": [q & U64 for q in qwords]}


def _fits_register(reg: str, value: int) -> None:
    size = register_size(reg)
    if not 0 <= value < 1 << (8 * size):
        raise TableError(f"value {value:#x} does not fit the {8 * size}-bit register {reg}")


def _aligned(addr: int, align: int, what: str) -> None:
    if addr < 0 or addr > U64:
        raise TableError(f"{what} {addr:#x} is outside the 64-bit address space")
    if addr % align:
        raise TableError(f"{what} {addr:#x} is not {align}-byte aligned")
