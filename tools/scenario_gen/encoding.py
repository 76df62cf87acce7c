"""Encoders written from the bit tables of doc/vtd-rules.md: register commands, in-memory structures
(root/context/second-level entries, IRTEs), MSI addresses, invalidation descriptors, the
CAP/ECAP and FRCD values a scenario expects, and the text forms used in the JSON.
"""

from __future__ import annotations

from .constants import CCMD_ICC, CT, FRCD_F, IOTLB_IVT


# --------------------------------------------------------------------------- register commands
def ccmd(cirg: int, did: int = 0, sid: int = 0, fm: int = 0) -> int:
    """§1.6: ICC 63, CIRG 62:61, FM 33:32, SID 31:16, DID 15:0."""
    return CCMD_ICC | cirg << 61 | fm << 32 | sid << 16 | did


def ccmd_done(cirg: int, did: int = 0) -> int:
    """CCMD after completion: ICC=0, CIRG and DID kept (RW), CAIG (60:59) = CIRG."""
    return cirg << 61 | cirg << 59 | did


def iotlb_cmd(iirg: int, did: int = 0) -> int:
    """§1.7: IVT 63, IIRG 61:60, DID 47:32."""
    return IOTLB_IVT | iirg << 60 | did << 32


def iotlb_done(iirg: int, iaig: int, did: int = 0) -> int:
    """IOTLB_REG after completion: IVT=0, IIRG and DID kept, IAIG (58:57)."""
    return iirg << 60 | iaig << 57 | did << 32


def iva(addr: int, am: int = 0, ih: int = 0) -> int:
    """§1.7: ADDR 63:12, IH 6, AM 5:0."""
    return addr | ih << 6 | am


# --------------------------------------------------------------------------- structures (§2)
def root_entry(ctp: int, p: int = 1, lo_extra: int = 0, hi: int = 0) -> list[int]:
    """§2.1: P 0, CTP 63:12; 11:1 and 127:64 reserved."""
    return [ctp | p | lo_extra, hi]


def ctx_entry(slptptr: int, did: int, aw: int = 2, tt: int = 0, fpd: int = 0, p: int = 1,
              lo_extra: int = 0, hi_extra: int = 0) -> list[int]:
    """§2.2: P 0, FPD 1, TT 3:2, SLPTPTR 63:12 | AW 66:64, DID 87:72."""
    return [slptptr | tt << 2 | fpd << 1 | p | lo_extra, aw | did << 8 | hi_extra]


def ctx_addr(sid: int) -> int:
    """Where the context entry of ``sid`` sits: entry devfn of its bus's context table."""
    return CT[sid >> 8] + 16 * (sid & 0xFF)


def sle(addr: int, r: int = 1, w: int = 1, ps: int = 0, extra: int = 0) -> int:
    """§2.4: R 0, W 1, PS 7, address HAW-1:12."""
    return addr | r | w << 1 | ps << 7 | extra


def irte(vector: int = 0, dest: int = 0, *, eime: bool = False, p: int = 1, fpd: int = 0,
         dm: int = 0, rh: int = 0, tm: int = 0, dlm: int = 0, sid: int = 0, sq: int = 0,
         svt: int = 0, lo_extra: int = 0, hi_extra: int = 0) -> list[int]:
    """§2.5 remapped IRTE: P 0, FPD 1, DM 2, RH 3, TM 4, DLM 7:5, V 23:16, DST 63:32
    (xAPIC: APIC ID in 47:40) | SID 79:64, SQ 81:80, SVT 83:82."""
    dst = dest if eime else dest << 8
    lo = p | fpd << 1 | dm << 2 | rh << 3 | tm << 4 | dlm << 5 | vector << 16 | dst << 32
    return [lo | lo_extra, sid | sq << 16 | svt << 18 | hi_extra]


def msi_remap(handle: int, shv: int = 0) -> int:
    """§5 remappable address: FEEh 31:20, handle[14:0] 19:5, 1 in bit 4, SHV 3, handle[15] 2."""
    return 0xFEE0_0000 | (handle & 0x7FFF) << 5 | 1 << 4 | shv << 3 | (handle >> 15) << 2


def msi_compat(dest: int, rh: int = 0, dm: int = 0) -> int:
    """§5 compatibility address: dest 19:12, RH 3, DM 2 (bit 4 = 0)."""
    return 0xFEE0_0000 | dest << 12 | rh << 3 | dm << 2


def intr(vector: int, dest: int, dm: int = 0, dlm: int = 0, tm: int = 0, rh: int = 0) -> dict:
    """Expected msi result of a delivered interrupt (P15)."""
    return {"status": "ok", "vector": hx(vector), "dest": hx(dest), "dest_mode": dm,
            "delivery_mode": dlm, "trigger_mode": tm, "redirection_hint": rh}


# --------------------------------------------------------------------------- descriptors (§2.7)
def d_cc(g: int, did: int = 0, sid: int = 0, fm: int = 0) -> list[int]:
    return [0x1 | g << 4 | did << 16 | sid << 32 | fm << 48, 0]


def d_iotlb(g: int, did: int = 0, addr: int = 0, am: int = 0, ih: int = 0, dr: int = 0,
            dw: int = 0) -> list[int]:
    return [0x2 | g << 4 | dw << 6 | dr << 7 | did << 16, addr | ih << 6 | am]


def d_iec(g: int, iidx: int = 0, im: int = 0) -> list[int]:
    return [0x4 | g << 4 | im << 27 | iidx << 32, 0]


def d_wait(sw: int = 0, iflag: int = 0, fn: int = 0, data: int = 0, addr: int = 0) -> list[int]:
    return [0x5 | iflag << 4 | sw << 5 | fn << 6 | data << 32, addr]


# --------------------------------------------------------------------------- text forms
def hx(v: int) -> str:
    return f"{v:#x}"


def pci(sid: int) -> str:
    return f"{sid >> 8:02x}:{sid >> 3 & 0x1F:02x}.{sid & 7}"


def sid_of(text: str) -> int:
    bus, rest = text.split(":")
    dev, fn = rest.split(".")
    return int(bus, 16) << 8 | int(dev, 16) << 3 | int(fn)


# --------------------------------------------------------------------------- register values
def cap_value(cfg: dict) -> int:
    """§1.2 CAP_REG: ND 2:0, SAGAW 12:8, MGAW 21:16 (=MGAW-1), FRO 33:24 (0x60: FRCD at 0x600),
    SLLPS 37:34, PSI 39, NFR 47:40, MAMV 53:48. P1: RWBF, PLMR, PHMR, CM, ZLR, PI ... = 0."""
    return (cfg["ND"] | cfg["SAGAW"] << 8 | (cfg["MGAW"] - 1) << 16 | 0x60 << 24
            | cfg["SLLPS"] << 34 | cfg["PSI"] << 39 | cfg["NFR"] << 40 | cfg["MAMV"] << 48)


def ecap_value(cfg: dict) -> int:
    """§1.3 ECAP_REG: C 0, QI 1, IR 3, EIM 4, PT 6, IRO 17:8 (0x50: IVA at 0x500), MHMV 23:20.
    P1: DT, SC, SMTS, ADMS, ... = 0."""
    return (cfg["C"] | cfg["QI"] << 1 | cfg["IR"] << 3 | cfg["EIM"] << 4 | cfg["PT"] << 6
            | 0x50 << 8 | cfg["MHMV"] << 20)


def frcd_hi(sid: int, reason: int, write: bool) -> int:
    """§1.13: F 127, T1 126 (1 = read), FR 103:96, SID 79:64 (as the high qword)."""
    return FRCD_F | (0 if write else 1 << 62) | reason << 32 | sid
