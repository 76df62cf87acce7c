"""Interrupt remapping scenarios: compatibility format, xAPIC and x2APIC remapping and the
interrupt-remapping faults (§2.5, §3.3, §5)."""

from __future__ import annotations

from .constants import IRT
from .encoding import intr, irte, msi_compat, msi_remap, sid_of
from .scenario import Scn


def ir_compat_cfi() -> Scn:
    dev = sid_of("00:05.0")
    s = Scn("ir_compat_cfi.json", "ir-compat-cfi",
            "Compatibility-format interrupts (§5, P8, P15, P17): with IRES=0 every "
            "interrupt passes through as compatibility format, even one in remappable format "
            "(P17); with IRES=1, EIME=0 they are blocked with 25h (not qualified, FI "
            "undefined) unless GCMD.CFI is set; with EIME=1 they are blocked even with CFIS=1. "
            "Remappable interrupts keep working throughout. Pass-through output per P15: "
            "dest = addr[19:12], RH = addr[3], DM = addr[2], vector = data[7:0], delivery "
            "mode = data[10:8], trigger mode = data[15].")
    s.mem(IRT, irte(0x30, 0x05))
    s.mem(IRT + 16, irte(0x31, 0x0001_2345, eime=True))  # used with EIME=1
    compat, cdata = msi_compat(0x05, rh=1, dm=1), 0x8141
    passed = intr(0x41, 0x05, dm=1, dlm=1, tm=1, rh=1)
    s.qie(True)
    s.msi(dev, compat, cdata, ok=passed, c="IRES=0: passes through (P17)")
    s.msi(dev, 0xFEE0_0018, 0x30, ok=intr(0x30, 0x00, rh=1),
          c="IRES=0: remappable format is also taken as compatibility format (P17)")
    s.msi(dev, msi_compat(0xFF), 0x0000_04FE, ok=intr(0xFE, 0xFF, dlm=4),
          c="dest 0xFF, NMI delivery mode")
    s.init_ir()
    s.gsts_is("QIES, IRTPS, IRES")
    s.msi_fault(dev, compat, cdata, 0x25, None, c="IRES=1, CFIS=0: blocked, 25h")
    s.msi(dev, msi_remap(0), 0, ok=intr(0x30, 0x05), c="remappable: IRTE 0")
    s.cfi(True)
    s.gsts_is("CFIS=1")
    s.msi(dev, compat, cdata, ok=passed, c="CFIS=1, EIME=0: passes through unchanged")
    s.msi(dev, msi_remap(0), 0, ok=intr(0x30, 0x05), c="remappable still remapped")
    s.ire(False)
    s.msi(dev, compat, cdata, ok=passed, c="IRES=0: passes through")
    s.init_ir(eime=True, c="global IEC invalidation after SIRTP")
    s.gsts_is("EIME=1 with CFIS=1")
    s.msi_fault(dev, compat, cdata, 0x25, None, c="EIME=1: blocked even with CFIS=1, 25h")
    s.msi(dev, msi_remap(1), 0, ok=intr(0x31, 0x0001_2345), c="x2APIC remapping works")
    s.ire(False)
    s.msi(dev, compat, cdata, ok=passed, c="IRES=0: passes through again")
    return s


def ir_remap_xapic() -> Scn:
    a, b = sid_of("00:05.0"), sid_of("02:00.0")
    s = Scn("ir_remap_xapic.json", "ir-remap-xapic",
            "Remapped interrupts in xAPIC mode (EIME=0, §2.5, §5, P15) with a 64K-entry "
            "table (S=15): the IRTE gives vector, DST[47:40] as destination, DM, RH, TM and "
            "the delivery mode (fixed, lowest priority, SMI, NMI, INIT, ExtINT); AVAIL bits "
            "are ignored; with SHV=0 the data is ignored; with SHV=1 index = handle + "
            "subhandle (multi-vector MSI); handle[15] comes from address bit 2; source-id "
            "checks that pass (SVT=01 with SQ=00/01/10/11, SVT=10 bus ranges, P7).")
    ent = {
        0x0: irte(0x30, 0x05),
        0x1: irte(0x31, 0xF0, dm=1, rh=1, tm=1, dlm=1),
        0x2: irte(0x32, 0x01, dlm=2),
        0x3: irte(0x02, 0x02, dlm=4),
        0x4: irte(0x00, 0x03, dlm=5, tm=1),
        0x5: irte(0x00, 0x04, dlm=7),
        0x6: irte(0x45, 0x07, lo_extra=0xF00),  # AVAIL 11:8
        0x10: irte(0x50, 0x11, sid=0x0100, sq=1, svt=1),
        0x11: irte(0x51, 0x12, sid=0x0100, sq=2, svt=1),
        0x12: irte(0x52, 0x13, sid=0x0100, sq=3, svt=1),
        0x13: irte(0x53, 0x14, sid=0x0103, svt=2),  # buses 1..3
        0x14: irte(0x54, 0x15, sid=0x0505, svt=2),  # bus 5 only
        0x8005: irte(0x85, 0x22),
    }
    for i in range(4):
        ent[0x20 + i] = irte(0x40 + i, 0x10, sid=b, svt=1)
    for idx, e in ent.items():
        s.mem(IRT + 16 * idx, e)
    s.qie(True)
    s.init_ir(s=0xF)
    s.read("IRTA", IRT | 0xF, "S=15: 64K entries")
    s.msi(a, msi_remap(0), 0, ok=intr(0x30, 0x05), c="IRTE 0: fixed, physical, edge")
    s.msi(a, msi_remap(0), 0xFFFF_FFFF, ok=intr(0x30, 0x05), c="SHV=0: data is ignored")
    s.msi(a, msi_remap(1), 0, ok=intr(0x31, 0xF0, dm=1, dlm=1, tm=1, rh=1),
          c="logical, RH, level, lowest priority")
    s.msi(a, msi_remap(2), 0, ok=intr(0x32, 0x01, dlm=2), c="SMI")
    s.msi(a, msi_remap(3), 0, ok=intr(0x02, 0x02, dlm=4), c="NMI")
    s.msi(a, msi_remap(4), 0, ok=intr(0x00, 0x03, dlm=5, tm=1), c="INIT")
    s.msi(a, msi_remap(5), 0, ok=intr(0x00, 0x04, dlm=7), c="ExtINT")
    s.msi(a, msi_remap(6), 0, ok=intr(0x45, 0x07), c="AVAIL bits 11:8 are ignored")
    for i in range(4):
        s.msi(b, msi_remap(0x20, shv=1), i, ok=intr(0x40 + i, 0x10),
              c="SHV=1: index = handle 0x20 + subhandle" if i == 0 else None)
    s.msi(a, msi_remap(0x8005), 0, ok=intr(0x85, 0x22), c="handle 0x8005: bit 15 in addr[2]")
    s.msi(a, msi_remap(0x8000, shv=1), 5, ok=intr(0x85, 0x22),
          c="handle 0x8000 + subhandle 5 = 0x8005")
    s.msi(a, msi_remap(0x7FFF, shv=1), 6, ok=intr(0x85, 0x22),
          c="handle 0x7FFF + subhandle 6 = 0x8005")
    for sid, idx, vec, dst, c in (
            ("01:00.0", 0x10, 0x50, 0x11, "SVT=01 SQ=01: exact SID"),
            ("01:00.4", 0x10, 0x50, 0x11, "SQ=01 ignores SID bit 2"),
            ("01:00.6", 0x11, 0x51, 0x12, "SQ=10 ignores SID bits 2:1"),
            ("01:00.7", 0x12, 0x52, 0x13, "SQ=11 ignores SID bits 2:0"),
            ("01:00.0", 0x13, 0x53, 0x14, "SVT=10: bus 1 in [1, 3] (P7)"),
            ("03:1f.7", 0x13, 0x53, 0x14, "bus 3 in [1, 3]"),
            ("05:00.0", 0x14, 0x54, 0x15, "bus 5 in [5, 5]")):
        s.msi(sid_of(sid), msi_remap(idx), 0, ok=intr(vec, dst), c=c)
    s.write("IRTA", 0x70_0000 | 0xF, "a new IRTA (an empty table) without SIRTP")
    s.msi(a, msi_remap(0), 0, ok=intr(0x30, 0x05), c="IRTA takes effect only at SIRTP (§1.12)")
    return s


def ir_remap_x2apic() -> Scn:
    a = sid_of("00:05.0")
    s = Scn("ir_remap_x2apic.json", "ir-remap-x2apic",
            "Remapped interrupts in x2APIC mode (EIME=1, §1.12, §2.5, P15): the destination "
            "is all 32 bits of DST (the xAPIC reserved bits 39:32 and 63:48 are used), SHV "
            "subhandles work as in xAPIC mode, compatibility-format interrupts are blocked "
            "with 25h although CFIS=1 (P8), and IRTE bits 14:12 stay reserved (24h).")
    ent = {0: irte(0x30, 0x0001_2345, eime=True),
           1: irte(0x31, 0xFFFF_FFFF, eime=True, dm=1),
           2: irte(0x32, 0xAB00_CD12, eime=True, tm=1, rh=1, dlm=1)}
    for i in range(2):
        ent[8 + i] = irte(0x60 + i, 0x100 + i, eime=True, sid=a, svt=1)
    ent[3] = irte(0x33, 0x1, eime=True, lo_extra=1 << 12)  # 14:12 reserved in both modes
    for idx, e in ent.items():
        s.mem(IRT + 16 * idx, e)
    s.qie(True)
    s.init_ir(eime=True, cfi=True)
    s.read("IRTA", IRT | 1 << 11 | 7, "EIME=1, S=7")
    s.msi(a, msi_remap(0), 0, ok=intr(0x30, 0x0001_2345), c="32-bit destination")
    s.msi(a, msi_remap(1), 0, ok=intr(0x31, 0xFFFF_FFFF, dm=1), c="all ones, logical")
    s.msi(a, msi_remap(2), 0, ok=intr(0x32, 0xAB00_CD12, dlm=1, tm=1, rh=1),
          c="bits that are reserved in xAPIC mode are part of the destination")
    s.msi(a, msi_remap(8, shv=1), 1, ok=intr(0x61, 0x101), c="SHV: 8 + 1")
    s.msi_fault(a, msi_compat(0x01), 0x30, 0x25, None, c="compatibility format: 25h")
    s.msi_fault(a, msi_remap(3), 0, 0x24, 3, c="bit 12 is reserved in x2APIC mode too: 24h")
    return s


def ir_faults() -> Scn:
    a, b = sid_of("00:05.0"), sid_of("01:00.0")
    s = Scn("ir_faults.json", "ir-faults",
            "Interrupt-remapping faults (§3.3, §5 processing order, P11, P16): 20h (SHV=1 "
            "with data[31:16] set), 21h (index >= 2^(S+1), also through handle + subhandle), "
            "22h (P=0), 23h (bus error reading the IRTE), 24h (reserved bits 14:12, 31:24, "
            "127:84, xAPIC DST bits 39:32 and 63:48, SVT=11, IM=1 without PI), 26h (SID/SQ "
            "mismatch, bus outside the SVT=10 range). Records carry the requester SID, "
            "T1=T2=0 and FI[63:48] = index (not compared for 20h). FPD=1 suppresses the "
            "qualified 22h/24h/26h. P11: P first, then the source check, then reserved "
            "fields. Finally 21h for an index inside the table whose IRTE address is at "
            "2^HAW.")
    ent = {
        1: irte(0x31, 0x01),  # good
        10: irte(p=0),
        11: irte(p=0, fpd=1),
        13: irte(0x33, 1, lo_extra=1 << 12),
        14: irte(0x33, 1, lo_extra=1 << 32),  # DST bit 0 (39:32) in xAPIC mode
        15: irte(0x33, 1, lo_extra=1 << 48),  # DST bit 16 (63:48)
        16: irte(0x33, 1, sid=a, svt=3),
        17: irte(0x33, 1, lo_extra=1 << 15),  # IM=1, PI=0
        18: irte(0x33, 1, hi_extra=1 << 20),  # bit 84
        19: irte(0x33, 1, lo_extra=1 << 24),  # bit 24
        20: irte(0x33, 1, fpd=1, lo_extra=1 << 12),
        22: irte(0x36, 1, sid=0x0100, svt=1),
        23: irte(0x37, 1, sid=0x0100, sq=1, svt=1),
        24: irte(0x38, 1, sid=0x0203, svt=2),
        25: irte(0x39, 1, sid=0x0100, svt=1, fpd=1),
        26: irte(0x3A, 1, sid=0x0100, svt=1, lo_extra=1 << 12),
        27: irte(0x3B, 1, p=0, svt=3, lo_extra=1 << 12),
    }
    for idx, e in ent.items():
        s.mem(IRT + 16 * idx, e)
    s.bus_error(IRT + 16 * 12, 16)
    s.qie(True)
    s.init_ir()
    s.msi(a, msi_remap(1), 0, ok=intr(0x31, 0x01), c="a good IRTE")
    s.msi_fault(a, msi_remap(1, shv=1), 0x1_0000, 0x20, None,
                c="SHV=1 with data bit 16 set: 20h")
    s.msi_fault(a, msi_remap(0x100), 0, 0x21, 0x100, c="index 256 >= 2^(7+1): 21h")
    s.msi_fault(a, msi_remap(0x100, shv=1), 0x1_0000, 0x20, None,
                c="bad data and an index beyond the table: 20h comes first (§5 step 4.1)")
    s.msi_fault(a, msi_remap(0xF0, shv=1), 0x10, 0x21, 0x100,
                c="handle 0xF0 + subhandle 0x10 = 256: 21h")
    s.msi_fault(a, msi_remap(0x8001), 0, 0x21, 0x8001, c="handle bit 15 set: 21h")
    s.msi_fault(a, msi_remap(10), 0, 0x22, 10, c="P=0: 22h")
    s.msi_fault(a, msi_remap(11), 0, 0x22, 11, recorded=False, c="P=0, FPD=1: suppressed")
    s.msi_fault(a, msi_remap(12), 0, 0x23, 12, c="bus error reading the IRTE: 23h")
    for idx, what in ((13, "bit 12 (14:12 Rsvd)"), (14, "DST bit 32 (xAPIC: 39:32 Rsvd)"),
                      (15, "DST bit 48 (xAPIC: 63:48 Rsvd)"), (16, "SVT=11 (reserved)"),
                      (17, "IM=1 without CAP.PI"), (18, "bit 84 (127:84 Rsvd)"),
                      (19, "bit 24 (31:24 Rsvd)")):
        s.msi_fault(a, msi_remap(idx), 0, 0x24, idx, c=f"{what}: 24h")
    s.msi_fault(a, msi_remap(20), 0, 0x24, 20, recorded=False, c="24h with FPD=1: suppressed")
    s.msi(b, msi_remap(22), 0, ok=intr(0x36, 1), c="SVT=01: SID matches")
    s.msi_fault(sid_of("01:00.1"), msi_remap(22), 0, 0x26, 22, c="SID differs: 26h")
    s.msi_fault(sid_of("01:00.2"), msi_remap(23), 0, 0x26, 23,
                c="SQ=01 ignores bit 2 only; bit 1 differs: 26h")
    s.msi(sid_of("02:00.0"), msi_remap(24), 0, ok=intr(0x38, 1), c="SVT=10: bus 2 in [2, 3]")
    s.msi_fault(b, msi_remap(24), 0, 0x26, 24, c="bus 1 below the range: 26h")
    s.msi_fault(sid_of("04:00.0"), msi_remap(24), 0, 0x26, 24, c="bus 4 above it: 26h")
    s.msi_fault(a, msi_remap(25), 0, 0x26, 25, recorded=False, c="26h with FPD=1: suppressed")
    s.msi_fault(a, msi_remap(26), 0, 0x26, 26,
                c="wrong SID and a reserved bit: the source check comes first (P11), 26h")
    s.msi_fault(a, msi_remap(27), 0, 0x22, 27, c="P=0 with reserved bits: 22h first (P11)")
    s.msi(a, msi_remap(1), 0, ok=intr(0x31, 0x01), c="still fine")
    top = 0xFFFF_FFFF_F000  # last 4 KB page below 2^HAW
    s.mwrite(top + 16 * 255, irte(0x3F, 0x09), "IRTE 255 of a table in the last page below "
             "2^48")
    s.ire(False)
    s.init_ir(s=8, table=top, c="global IEC invalidation after SIRTP")
    s.msi(a, msi_remap(255), 0, ok=intr(0x3F, 0x09), c="IRTE 255 ends exactly at 2^48")
    s.msi_fault(a, msi_remap(256), 0, 0x21, 256,
                c="index 256 < 2^(8+1), but the IRTE address is at 2^HAW: 21h")
    return s
