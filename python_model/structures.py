"""In-memory structure formats of legacy mode, decoded with their reserved-bit checks.

Root entry §2.1, context entry §2.2, widths and levels §2.3, second-level entries §2.4,
remapped IRTE §2.5. The checks return fault reasons (§3.3); the order in which they are
applied lives in ``translate`` and ``interrupts``.
"""

from __future__ import annotations

from dataclasses import dataclass

from python_model.config import UnitConfig


def bits(value: int, msb: int, lsb: int) -> int:
    return (value >> lsb) & ((1 << (msb - lsb + 1)) - 1)


def mask(msb: int, lsb: int) -> int:
    return ((1 << (msb - lsb + 1)) - 1) << lsb


def above(width: int, top: int = 63) -> int:
    """Mask of bits top:width (empty when width > top)."""
    return mask(top, width) if width <= top else 0


# --- §2.3 address widths ---
AW_TO_AGAW = {1: 39, 2: 48, 3: 57}
LEVEL_SHIFT = {1: 12, 2: 21, 3: 30, 4: 39, 5: 48}  # low bit of each level's 9-bit index
PAGE_SIZE_OF_LEAF_LEVEL = {1: 1 << 12, 2: 1 << 21, 3: 1 << 30}


def table_index(addr: int, level: int) -> int:
    return (addr >> LEVEL_SHIFT[level]) & 0x1FF


# --- §2.1 root entry ---
@dataclass(frozen=True)
class RootEntry:
    lo: int
    hi: int

    @property
    def present(self) -> bool:
        return bool(self.lo & 1)

    @property
    def ctp(self) -> int:
        return self.lo & mask(63, 12)

    def reserved_set(self, cfg: UnitConfig) -> bool:
        return bool(self.lo & (mask(11, 1) | above(cfg.HAW)) or self.hi)


# --- §2.2 context entry ---
TT_SL = 0b00
TT_SL_ATS = 0b01
TT_PASSTHROUGH = 0b10


@dataclass(frozen=True)
class ContextEntry:
    lo: int
    hi: int

    @property
    def present(self) -> bool:
        return bool(self.lo & 1)

    @property
    def fpd(self) -> bool:
        return bool(self.lo >> 1 & 1)

    @property
    def tt(self) -> int:
        return bits(self.lo, 3, 2)

    @property
    def slptptr(self) -> int:
        return self.lo & mask(63, 12)

    @property
    def aw(self) -> int:
        return bits(self.hi, 2, 0)

    @property
    def did(self) -> int:
        return bits(self.hi, 23, 8)

    def reserved_set(self, cfg: UnitConfig) -> bool:
        """0Bh conditions (§2.2, decision U8 as reserved): bits 11:4, SLPTPTR above HAW (unless
        TT=10, where SLPTPTR is ignored), bit 71, bits 127:88, DID bits above the ND width."""
        lo_rsvd = mask(11, 4)
        if self.tt != TT_PASSTHROUGH:
            lo_rsvd |= above(cfg.HAW)
        did_rsvd = mask(15, cfg.domain_id_bits) if cfg.domain_id_bits < 16 else 0
        hi_rsvd = (1 << 7) | mask(63, 24) | (did_rsvd << 8)
        return bool(self.lo & lo_rsvd or self.hi & hi_rsvd)

    def programming_error(self, cfg: UnitConfig) -> bool:
        """03h conditions of §3.2 step 7 (DT=0 in this design)."""
        if self.tt == TT_PASSTHROUGH:
            return not cfg.PT or self.aw != cfg.largest_aw
        if self.tt == TT_SL:
            return self.aw not in AW_TO_AGAW or not cfg.SAGAW >> self.aw & 1
        return True  # 01 needs DT (absent), 11 is reserved


# --- §2.4 second-level paging entries ---
SL_R = 1 << 0
SL_W = 1 << 1
SL_PS = 1 << 7
SL_BIT11 = 1 << 11
SL_BIT62 = 1 << 62


def sl_reserved_set(entry: int, level: int, cfg: UnitConfig) -> bool:
    """Reserved bits of a present second-level entry at ``level`` (SC=0, SSIRWE=0)."""
    rsvd = SL_BIT11 | SL_BIT62 | (mask(51, cfg.HAW) if cfg.HAW <= 51 else 0)
    if level >= 4:
        rsvd |= SL_PS  # PS is reserved in PML4E and PML5E
    elif level in (2, 3) and entry & SL_PS:
        if not cfg.SLLPS >> (level - 2) & 1:
            return True  # a large page the configuration does not support
        rsvd |= mask(20, 12) if level == 2 else mask(29, 12)
    return bool(entry & rsvd)


def sl_is_leaf(entry: int, level: int) -> bool:
    return level == 1 or (level in (2, 3) and bool(entry & SL_PS))


def sl_frame(entry: int, level: int, cfg: UnitConfig) -> int:
    """Page frame (leaf) or next-table address (non-leaf), bits HAW-1:12 (or :21/:30)."""
    addr = entry & mask(cfg.HAW - 1, 12)
    if sl_is_leaf(entry, level) and level > 1:
        addr &= ~(PAGE_SIZE_OF_LEAF_LEVEL[level] - 1)
    return addr


# --- interrupt range (§3.1, P13, P14) ---
INTR_LO = 0xFEE0_0000
INTR_HI = 0xFEEF_FFFF


def touches_interrupt_range(addr: int, size: int) -> bool:
    return addr <= INTR_HI and INTR_LO < addr + max(size, 1)


# --- §2.5 remapped IRTE ---
@dataclass(frozen=True)
class Irte:
    lo: int
    hi: int

    @property
    def present(self) -> bool:
        return bool(self.lo & 1)

    @property
    def fpd(self) -> bool:
        return bool(self.lo >> 1 & 1)

    @property
    def dm(self) -> int:
        return bits(self.lo, 2, 2)

    @property
    def rh(self) -> int:
        return bits(self.lo, 3, 3)

    @property
    def tm(self) -> int:
        return bits(self.lo, 4, 4)

    @property
    def dlm(self) -> int:
        return bits(self.lo, 7, 5)

    @property
    def im(self) -> int:
        return bits(self.lo, 15, 15)

    @property
    def vector(self) -> int:
        return bits(self.lo, 23, 16)

    @property
    def dst(self) -> int:
        return bits(self.lo, 63, 32)

    @property
    def sid(self) -> int:
        return bits(self.hi, 15, 0)

    @property
    def sq(self) -> int:
        return bits(self.hi, 17, 16)

    @property
    def svt(self) -> int:
        return bits(self.hi, 19, 18)

    def source_ok(self, requester: int) -> bool:
        """Source-id verification (§2.5, decision P7). SVT=11 is judged as reserved (24h)."""
        if self.svt == 0b01:
            ignore = (0, 0b100, 0b110, 0b111)[self.sq]
            return (requester & ~ignore) == (self.sid & ~ignore)
        if self.svt == 0b10:
            bus = requester >> 8
            return (self.sid >> 8) <= bus <= (self.sid & 0xFF)
        return True

    def reserved_set(self, eime: bool, pi: bool = False) -> bool:
        """24h conditions (§5 step 4.6, U7 decided: DLM 011b/110b reserved)."""
        lo_rsvd = mask(14, 12) | mask(31, 24)
        if not eime:
            lo_rsvd |= mask(39, 32) | mask(63, 48)
        if self.lo & lo_rsvd or self.hi & mask(63, 20):
            return True
        if self.svt == 0b11 or (self.im and not pi):
            return True
        return self.dlm in (0b011, 0b110)

    def destination(self, eime: bool) -> int:
        return self.dst if eime else bits(self.dst, 15, 8)
